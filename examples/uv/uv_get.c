/*
 * uv_get: an HTTPS GET on libuv, with tlsio's buffer engine doing TLS (chain and host name
 * always verified) and libuv doing name resolution and every socket call.
 *
 *   uv_get HOST PORT [PATH [CAFILE]]    (PATH defaults to /, CAFILE to the system's CAs)
 *
 * Prints the response to stdout. Exit status 0 after a clean close_notify, 1 on any failure
 * (with tlsio's sentence on stderr: which message, which check).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>
#include <tlsio/tls.h>

#include "uvtls.h"

typedef struct request {
    uvtls tls; /* first, so the handle's callbacks reach the request too */
    uv_connect_t connect;
    uv_getaddrinfo_t resolve;
    tls_config *cfg;
    const char *host, *path;
    int status; /* the exit status */
} request;

static void on_ready(uvtls *c) {
    request *r = (request *)c;
    char req[1024];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     r->path, r->host);
    if (n < 0 || (size_t)n >= sizeof(req) || uvtls_write(c, req, (size_t)n) != (size_t)n) {
        fprintf(stderr, "uv_get: the request did not fit\n");
        uvtls_close(c);
    }
}

static size_t on_data(uvtls *c, const uint8_t *data, size_t n) {
    (void)c;
    return fwrite(data, 1, n, stdout);
}

static void on_done(uvtls *c, int error, const char *why) {
    request *r = (request *)c;
    fflush(stdout);
    if (error != 0) fprintf(stderr, "uv_get: %s\n", why);
    r->status = error != 0 || !c->ready;
}

static void on_connected(uv_connect_t *req, int status) {
    request *r = req->data;
    if (status < 0) {
        fprintf(stderr, "uv_get: cannot connect to %s: %s\n", r->host, uv_strerror(status));
        uv_close((uv_handle_t *)&r->tls.tcp, NULL);
        return;
    }
    tls_engine_new_error why;
    tls_engine *e = tls_engine_new_client_ex(r->cfg, r->host, &why);
    if (e == NULL) {
        fprintf(stderr, "uv_get: %s\n", why.msg);
        uv_close((uv_handle_t *)&r->tls.tcp, NULL);
        return;
    }
    (void)tls_engine_set_time(e, (int64_t)time(NULL)); /* certificate dates need a clock */
    r->tls.on_ready = on_ready;
    r->tls.on_data = on_data;
    r->tls.on_done = on_done;
    uvtls_start(&r->tls, e);
}

static void on_resolved(uv_getaddrinfo_t *res, int status, struct addrinfo *ai) {
    request *r = res->data;
    if (status < 0) {
        fprintf(stderr, "uv_get: cannot resolve %s: %s\n", r->host, uv_strerror(status));
        return;
    }
    uv_tcp_init(res->loop, &r->tls.tcp);
    r->connect.data = r;
    int rc = uv_tcp_connect(&r->connect, &r->tls.tcp, ai->ai_addr, on_connected);
    uv_freeaddrinfo(ai);
    if (rc != 0) {
        fprintf(stderr, "uv_get: cannot connect to %s: %s\n", r->host, uv_strerror(rc));
        uv_close((uv_handle_t *)&r->tls.tcp, NULL);
    }
}

static tls_config *client_config(const char *cafile) {
    tls_config *cfg = tls_config_new();
    if (cfg == NULL) return NULL;
    int rc = cafile != NULL ? tls_config_add_ca_file(cfg, cafile) : tls_config_add_ca_system(cfg);
    if (rc != 0) {
        fprintf(stderr, "uv_get: %s\n", tls_config_error(cfg));
        tls_config_free(cfg);
        return NULL;
    }
    return cfg;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: uv_get HOST PORT [PATH [CAFILE]]\n");
        return 2;
    }
    request r = {.host = argv[1], .path = argc > 3 ? argv[3] : "/", .status = 1};
    r.cfg = client_config(argc > 4 ? argv[4] : NULL);
    if (r.cfg == NULL) return 1;
    uv_loop_t *loop = uv_default_loop();
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    r.resolve.data = &r;
    int rc = uv_getaddrinfo(loop, &r.resolve, on_resolved, argv[1], argv[2], &hints);
    if (rc != 0) fprintf(stderr, "uv_get: cannot resolve %s: %s\n", argv[1], uv_strerror(rc));
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    tls_config_free(r.cfg);
    return r.status;
}
