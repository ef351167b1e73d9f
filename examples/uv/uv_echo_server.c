/*
 * uv_echo_server: a TLS echo server on libuv, with tlsio's buffer engine doing TLS and libuv
 * doing every socket call (uvtls.c is the glue; docs/guide-event-loop.md explains it).
 *
 *   uv_echo_server CERT.pem KEY.pem [PORT]    (127.0.0.1; PORT 0 or none: any free port)
 *
 * Prints "listening on 127.0.0.1:PORT", then one line per connection when it ends. SIGINT or
 * SIGTERM: stop listening, send close_notify to every client, exit 0 once all are closed.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>
#include <tlsio/tls.h>

#include "uvtls.h"

typedef struct server {
    uv_tcp_t listener;
    uv_signal_t sigint, sigterm;
    tls_config *cfg;
} server;

/* One client: the TLS connection and, for the log line, who it is. */
typedef struct conn {
    uvtls tls; /* first: the handle's data points at both */
    char peer[64];
} conn;

/* Echo: send back what fits; the rest stays in the engine until our writes drain. */
static size_t echo(uvtls *c, const uint8_t *data, size_t n) {
    return uvtls_write(c, data, n);
}

static void done(uvtls *c, int error, const char *why) {
    fprintf(stderr, "%s: %s\n", ((conn *)c)->peer, error == 0 ? "closed cleanly" : why);
    free(c);
}

static void name_peer(conn *k) {
    struct sockaddr_storage sa;
    int len = sizeof(sa);
    char ip[48] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&k->tls.tcp, (struct sockaddr *)&sa, &len) == 0 &&
        sa.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        uv_ip4_name(in, ip, sizeof(ip));
        port = ntohs(in->sin_port);
    }
    snprintf(k->peer, sizeof(k->peer), "%s:%d", ip, port);
}

static void free_handle(uv_handle_t *h) {
    free(h->data);
}

static void on_connection(uv_stream_t *listener, int status) {
    server *srv = listener->data;
    if (status < 0) return;
    conn *k = calloc(1, sizeof(*k));
    if (k == NULL) return;
    uvtls *c = &k->tls;
    uv_tcp_init(listener->loop, &c->tcp);
    tls_engine_new_error why;
    tls_engine *e = NULL;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) == 0) {
        name_peer(k);
        e = tls_engine_new_server_ex(srv->cfg, &why);
        if (e == NULL) fprintf(stderr, "%s: %s\n", k->peer, why.msg);
    }
    if (e == NULL) {
        c->tcp.data = c;
        uv_close((uv_handle_t *)&c->tcp, free_handle);
        return;
    }
    (void)tls_engine_set_time(e, (int64_t)time(NULL)); /* for client certificates' dates */
    c->on_data = echo;
    c->on_done = done;
    uvtls_start(c, e);
}

/* Every connection's handle has a uvtls behind it; the listener and signals do not. */
static void close_one(uv_handle_t *h, void *srv) {
    server *s = srv;
    if (uv_is_closing(h)) return;
    if (h == (uv_handle_t *)&s->listener || h->type != UV_TCP) {
        uv_close(h, NULL);
        return;
    }
    uvtls_close(h->data);
}

static void on_signal(uv_signal_t *sig, int signum) {
    fprintf(stderr, "signal %d: closing\n", signum);
    uv_walk(sig->loop, close_one, sig->data);
}

/* The engine's clock for session tickets (core.h, tls_config_set_clock): real time in ms. */
static int64_t realtime_ms(void *arg) {
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_on(server *srv, uv_loop_t *loop, int port) {
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    uv_ip4_addr("127.0.0.1", port, &addr);
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    int rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&srv->listener, 128, on_connection);
    if (rc == 0) rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    if (rc != 0) {
        fprintf(stderr, "uv_echo_server: cannot listen on port %d: %s\n", port, uv_strerror(rc));
        return -1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: uv_echo_server CERT.pem KEY.pem [PORT]\n");
        return 2;
    }
    server srv = {.cfg = tls_config_new()};
    if (srv.cfg == NULL || tls_config_add_cert_file(srv.cfg, argv[1], argv[2]) != 0 ||
        tls_config_set_clock(srv.cfg, realtime_ms, NULL) != 0) {
        fprintf(stderr, "uv_echo_server: %s\n",
                srv.cfg ? tls_config_error(srv.cfg) : "out of memory");
        tls_config_free(srv.cfg);
        return 1;
    }
    uv_loop_t *loop = uv_default_loop();
    int rc = listen_on(&srv, loop, argc == 4 ? atoi(argv[3]) : 0);
    if (rc == 0) {
        uv_signal_init(loop, &srv.sigint);
        uv_signal_init(loop, &srv.sigterm);
        srv.sigint.data = srv.sigterm.data = &srv;
        uv_signal_start(&srv.sigint, on_signal, SIGINT);
        uv_signal_start(&srv.sigterm, on_signal, SIGTERM);
    } else {
        uv_close((uv_handle_t *)&srv.listener, NULL);
    }
    uv_run(loop, UV_RUN_DEFAULT); /* until every handle is closed */
    uv_loop_close(loop);
    tls_config_free(srv.cfg);
    return rc == 0 ? 0 : 1;
}
