/*
 * tls-server: a poll() server on nonblocking sockets. Echo mode sends every byte back; http
 * mode answers each HTTP/1.x request with 200 OK. A failing client is dropped without
 * disturbing the others. --threads N runs N such poll loops, each on a thread of its own with
 * its own listening socket (SO_REUSEPORT: the kernel spreads new connections over them), all
 * sharing one config: once the first connection has frozen it, a config is read-only and
 * safe to share (<tlsio/tls.h>).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* SO_REUSEPORT (Linux, BSDs; not POSIX) */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "toolopts.h"

enum { MODE_ECHO, MODE_HTTP };

#define REQ_MAX     8192 /* longest HTTP request header block we accept */
#define MAX_THREADS 64   /* --threads: poll loops, one thread each */

typedef struct client {
    tls *t;
    char *out; /* bytes to send back */
    size_t out_len, out_off, out_cap;
    char *req; /* http: the request being read (allocated on first use) */
    size_t req_len;
    int shown;       /* the client's identity was printed */
    int close_after; /* http: a request said "Connection: close": close once answered */
} client;

static int usage(void) {
    fprintf(stderr, "usage: tls-server --cert FILE --key FILE [--cert FILE --key FILE ...]\n"
                    "  --bind ADDR        address to listen on (default 127.0.0.1)\n"
                    "  --port N           port (default 0: pick a free one)\n"
                    "  --mode echo|http   what to answer (default echo; http closes the\n"
                    "                     connection after a request with Connection: close)\n"
                    "  --max-conns N      concurrent connections per poll loop (default 1024)\n"
                    "  --threads N        N poll loops on N threads, each with its own\n"
                    "                     listening socket on the same address (SO_REUSEPORT),\n"
                    "                     sharing one config (default 1: one loop, no thread)\n"
                    "  --verify-client CAFILE   require a client certificate issued by a CA in\n"
                    "                     CAFILE and print each client's subject\n"
                    "  --verify-client-optional  with --verify-client: ask for a certificate\n"
                    "                     but accept clients without one\n"
                    "  --no-tickets       issue no session tickets (no resumption); by default\n"
                    "                     each TLS 1.3 handshake gets two, a TLS 1.2 one one\n"
                    "Each connection prints \"client: SUBJECT resumed=yes|no\" on stdout\n"
                    "(with --threads N > 1, followed by \" loop=K\", K = 0..N-1).\n");
    toolopt_usage();
    return 1;
}

/* A nonblocking listening socket bound to sa. reuseport: SO_REUSEPORT, which every socket
 * sharing the address must set before bind (Linux then hands each new connection to one of
 * them, by a hash of its addresses). -1 with errno. */
static int listen_at(const struct sockaddr *sa, socklen_t len, int reuseport) {
    int fd = socket(sa->sa_family, SOCK_STREAM, 0), one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(fd, sa, len) != 0 || listen(fd, 1024) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static int listen_on(const char *addr, const char *port, int reuseport) {
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    int rc = getaddrinfo(addr, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "tls-server: %s: %s\n", addr, gai_strerror(rc));
        return -1;
    }
    int fd = listen_at(res->ai_addr, res->ai_addrlen, reuseport);
    if (fd < 0) fprintf(stderr, "tls-server: listen on %s:%s: %s\n", addr, port, strerror(errno));
    freeaddrinfo(res);
    return fd;
}

/* Another listening socket on first's address (its port too, when port 0 let the system
 * pick it), for the next poll loop. -1 with a message. */
static int listen_like(int first) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = -1;
    if (getsockname(first, (struct sockaddr *)&ss, &len) == 0)
        fd = listen_at((struct sockaddr *)&ss, len, 1);
    if (fd < 0) fprintf(stderr, "tls-server: another listening socket: %s\n", strerror(errno));
    return fd;
}

static void print_address(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[256], serv[32];
    getsockname(fd, (struct sockaddr *)&ss, &len);
    getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, serv, sizeof serv,
                NI_NUMERICHOST | NI_NUMERICSERV);
    printf("listening on %s:%s\n", host, serv);
    fflush(stdout);
}

static int queue(client *c, const char *p, size_t n) {
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap * 2 : 16384;
        while (cap < c->out_len + n)
            cap *= 2;
        char *q = realloc(c->out, cap);
        if (q == NULL) return -1;
        c->out = q;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return 0;
}

/* 1 if the header block [p, end) has "Connection: close" (names and values ignore case). */
static int wants_close(const char *p, const char *end) {
    static const char want[] = "\r\nconnection: close\r\n";
    size_t n = sizeof want - 1;
    for (; p + n <= end; p++) {
        size_t i = 0;
        while (i < n && tolower((unsigned char)p[i]) == want[i])
            i++;
        if (i == n) return 1;
    }
    return 0;
}

/* HTTP mode: answer every complete request header block in c->req. A request with
 * "Connection: close" is the last: the answer says so and the connection is closed after it
 * (RFC 9112 §9.6), so that a client's next request makes a new connection (curl with two
 * URLs then resumes its session). */
static int http_feed(client *c, const char *p, size_t n) {
    static const char body[] = "hello from tlsio\n";
    if (c->req_len + n > REQ_MAX) return -1; /* request header too large */
    if (c->req == NULL && (c->req = malloc(REQ_MAX)) == NULL) return -1;
    memcpy(c->req + c->req_len, p, n);
    c->req_len += n;
    for (;;) {
        char *end = NULL;
        for (size_t i = 0; i + 4 <= c->req_len && !end; i++)
            if (memcmp(c->req + i, "\r\n\r\n", 4) == 0) end = c->req + i + 4;
        if (end == NULL) return 0;
        if (wants_close(c->req, end)) c->close_after = 1;
        char resp[256];
        int k = snprintf(resp, sizeof resp,
                         "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         "Content-Length: %zu\r\n%s\r\n%s",
                         sizeof body - 1, c->close_after ? "Connection: close\r\n" : "", body);
        if (queue(c, resp, (size_t)k) != 0) return -1;
        size_t used = (size_t)(end - c->req);
        memmove(c->req, end, c->req_len - used);
        c->req_len -= used;
    }
}

/* One poll loop: its listening socket and its clients; the config is shared by all loops. */
typedef struct loop {
    tls_config *cfg;
    int lfd;
    int mode;
    int max_conns;
    int index; /* 0..threads-1 */
    int label; /* more than one loop: client lines say which loop served them */
    pthread_t thread;
} loop;

/* Moves data as far as it can without blocking. 0: keep, -1: drop the client. */
static int service(client *c, const loop *L) {
    int mode = L->mode;
    char buf[16384];
    for (;;) {
        if (!c->shown) { /* finish the handshake first, then say who the client is */
            if (tls_handshake(c->t) != 0) {
                if (errno == EAGAIN) return 0;
                fprintf(stderr, "tls-server: handshake failed: %s\n", tls_error_msg(c->t));
                return -1;
            }
            const char *who = tls_conn_peer_subject(c->t);
            /* A resumed client sent no certificate now: the subject is the one the original
             * handshake verified (RFC 8446 §4.6.1: the ticket carries the identity). One
             * printf per line: stdio's lock keeps the lines of several loops whole. */
            char where[32] = "";
            if (L->label) snprintf(where, sizeof where, " loop=%d", L->index);
            printf("client: %s resumed=%s%s\n", who != NULL ? who : "(no certificate)",
                   tls_conn_resumed(c->t) ? "yes" : "no", where);
            fflush(stdout);
            c->shown = 1;
        }
        if (c->out_off < c->out_len) {
            ssize_t n = tls_write(c->t, c->out + c->out_off, c->out_len - c->out_off);
            if (n < 0) return errno == EAGAIN ? 0 : -1;
            c->out_off += (size_t)n;
            if (c->out_off == c->out_len) { /* drained: an idle client holds no buffer */
                free(c->out);
                c->out = NULL;
                c->out_off = c->out_len = c->out_cap = 0;
                if (c->close_after) { /* close_notify, best effort, and drop */
                    (void)tls_close(c->t);
                    return -1;
                }
            }
            continue;
        }
        ssize_t n = tls_read(c->t, buf, sizeof buf);
        if (n == 0) { /* close_notify: answer it and drop */
            (void)tls_close(c->t);
            return -1;
        }
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        int rc = mode == MODE_ECHO ? queue(c, buf, (size_t)n) : http_feed(c, buf, (size_t)n);
        if (rc != 0) return -1;
    }
}

static void drop(client *c) {
    tls_free(c->t);
    free(c->out);
    free(c->req);
    memset(c, 0, sizeof *c);
}

/* Runs one poll loop forever; returns 1 only if it cannot go on (poll failed, no memory). */
static int serve(const loop *L) {
    int max_conns = L->max_conns, lfd = L->lfd;
    client *cl = calloc((size_t)max_conns, sizeof *cl);
    struct pollfd *pfd = calloc((size_t)max_conns + 1, sizeof *pfd);
    if (cl == NULL || pfd == NULL) {
        fprintf(stderr, "tls-server: out of memory\n");
        return 1;
    }
    for (;;) {
        int n_live = 0;
        pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < max_conns; i++) {
            pfd[i + 1] = (struct pollfd){.fd = -1};
            if (cl[i].t == NULL) continue;
            n_live++;
            pfd[i + 1].fd = tls_fd(cl[i].t);
            pfd[i + 1].events = (short)tls_events(cl[i].t);
        }
        if (n_live == max_conns) pfd[0].fd = -1; /* full: leave new clients in the backlog */
        if (poll(pfd, (nfds_t)max_conns + 1, -1) < 0) {
            if (errno == EINTR) continue;
            perror("tls-server: poll");
            return 1;
        }
        for (int i = 0; i < max_conns; i++)
            if (cl[i].t && pfd[i + 1].revents && service(&cl[i], L) != 0) drop(&cl[i]);
        if (pfd[0].revents & POLLIN) {
            for (int i = 0; i < max_conns; i++) {
                if (cl[i].t != NULL) continue;
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0) break;
                fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                tls_error why;
                cl[i].t = tls_server_fd(L->cfg, fd, &why);
                if (cl[i].t == NULL) {
                    fprintf(stderr, "tls-server: %s\n", why.msg);
                    close(fd);
                } else if (service(&cl[i], L) != 0) {
                    drop(&cl[i]);
                }
            }
        }
    }
}

static void *serve_thread(void *arg) {
    /* A loop that cannot go on takes the process with it, as the single loop does. */
    exit(serve(arg));
}

int main(int argc, char **argv) {
    tls_config *cfg = tls_config_new();
    if (cfg == NULL || toolopt_keylog_from_env(cfg, "tls-server") != 0) {
        tls_config_free(cfg);
        return 1;
    }
    const char *bind_addr = "127.0.0.1", *port = "0", *cert = NULL;
    int mode = MODE_ECHO, max_conns = 1024, n_certs = 0, threads = 1;
    int verify = TLS_CLIENT_VERIFY_NONE, optional = 0;
    for (int i = 1; i < argc; i++) {
        int r = toolopt_apply(cfg, argc, argv, &i);
        if (r < 0) return 1;
        if (r > 0) continue;
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--verify-client-optional") == 0) {
            optional = 1;
            continue;
        }
        if (strcmp(o, "--no-tickets") == 0) {
            if (tls_config_set_session_tickets(cfg, 0) != 0) {
                fprintf(stderr, "tls-server: %s\n", tls_config_error(cfg));
                return 1;
            }
            continue;
        }
        if (v == NULL) return usage();
        i++;
        if (strcmp(o, "--cert") == 0) {
            cert = v;
        } else if (strcmp(o, "--key") == 0 && cert != NULL) {
            if (tls_config_add_cert_file(cfg, cert, v) != 0) {
                fprintf(stderr, "tls-server: %s\n", tls_config_error(cfg));
                return 1;
            }
            cert = NULL;
            n_certs++;
        } else if (strcmp(o, "--verify-client") == 0) {
            if (tls_config_add_client_ca_file(cfg, v) != 0) {
                fprintf(stderr, "tls-server: %s\n", tls_config_error(cfg));
                return 1;
            }
            verify = TLS_CLIENT_VERIFY_REQUIRED;
        } else if (strcmp(o, "--bind") == 0) {
            bind_addr = v;
        } else if (strcmp(o, "--port") == 0) {
            port = v;
        } else if (strcmp(o, "--mode") == 0 && (!strcmp(v, "echo") || !strcmp(v, "http"))) {
            mode = strcmp(v, "echo") == 0 ? MODE_ECHO : MODE_HTTP;
        } else if (strcmp(o, "--max-conns") == 0 && atoi(v) > 0) {
            max_conns = atoi(v);
        } else if (strcmp(o, "--threads") == 0 && atoi(v) > 0 && atoi(v) <= MAX_THREADS) {
            threads = atoi(v);
        } else {
            return usage();
        }
    }
    if (n_certs == 0 || cert != NULL || (optional && verify == TLS_CLIENT_VERIFY_NONE))
        return usage();
    if (optional) verify = TLS_CLIENT_VERIFY_OPTIONAL;
    if (tls_config_set_client_verify(cfg, verify) != 0) {
        fprintf(stderr, "tls-server: %s\n", tls_config_error(cfg));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN); /* belt and braces: tlsio already sends with MSG_NOSIGNAL */
    loop *loops = calloc((size_t)threads, sizeof *loops);
    if (loops == NULL) return 1;
    /* Every listening socket exists before the address is printed, so a client that reads it
     * may connect at once, to whichever socket the kernel picks. */
    for (int k = 0; k < threads; k++) {
        loops[k] = (loop){
            .cfg = cfg, .mode = mode, .max_conns = max_conns, .index = k, .label = threads > 1};
        loops[k].lfd = k == 0 ? listen_on(bind_addr, port, threads > 1) : listen_like(loops[0].lfd);
        if (loops[k].lfd < 0) return 1;
    }
    print_address(loops[0].lfd);
    if (threads == 1) return serve(&loops[0]);
    for (int k = 0; k < threads; k++) {
        int rc = pthread_create(&loops[k].thread, NULL, serve_thread, &loops[k]);
        if (rc != 0) {
            fprintf(stderr, "tls-server: thread %d: %s\n", k, strerror(rc));
            return 1;
        }
    }
    /* The loops run until the process is stopped; one that fails ends it (serve_thread). */
    for (int k = 0; k < threads; k++)
        pthread_join(loops[k].thread, NULL);
    return 1;
}
