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
#include <time.h>
#include <unistd.h>

#include "http_req.h"
#include "toolopts.h"

enum { MODE_ECHO, MODE_HTTP };

#define MAX_THREADS 64 /* --threads: poll loops, one thread each */
/* http: after its last answer and close_notify, a connection is read (and the bytes dropped)
 * for up to this long, until the client closes too: closing a socket with unread input
 * makes the kernel send a reset, which can destroy the answer before the client reads it
 * (RFC 9112 §9.6). */
#define LINGER_MS 2000

typedef struct client {
    tls *t;
    char *out; /* bytes to send back */
    size_t out_len, out_off, out_cap;
    char *req; /* http: the header block being read (allocated on first use, freed when empty) */
    size_t req_len, req_cap;
    size_t scanned;     /* http: req bytes already searched for the block's end */
    uint64_t body_left; /* http: bytes of the last request's body still to skip */
    int shown;          /* the client's identity was printed */
    int close_after;    /* http: close once the queued answer is sent (it says so) */
    int closed;         /* http: close_notify sent and our side shut: lingering */
    int64_t linger_end; /* http: when lingering ends (monotonic ms) */
} client;

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(void) {
    fprintf(stderr, "usage: tls-server --cert FILE --key FILE [--cert FILE --key FILE ...]\n"
                    "  --bind ADDR        address to listen on (default 127.0.0.1)\n"
                    "  --port N           port (default 0: pick a free one)\n"
                    "  --mode echo|http   what to answer (default echo). http: 200 to each\n"
                    "                     HTTP/1.x request (lines may end in CRLF or LF; header\n"
                    "                     block up to 65536 bytes, then 431; malformed: 400);\n"
                    "                     closes after Connection: close, an HTTP/1.0 request\n"
                    "                     without keep-alive, or an error answer\n"
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

static const char *reason_phrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    default:
        return "HTTP Version Not Supported";
    }
}

/* Queues the answer to one request. An error answer explains itself in its body (and on
 * stderr) and closes the connection: after it nothing more is read as a request. */
static int http_answer(client *c, int status, int close, int head, const char *why) {
    static const char hello[] = "hello from tlsio\n";
    char body[256], resp[512];
    if (status == 200)
        snprintf(body, sizeof body, "%s", hello);
    else
        snprintf(body, sizeof body, "%d %s: %s\n", status, reason_phrase(status), why);
    /* The sentences of error answers cite RFC sections with a UTF-8 "§". */
    int k = snprintf(resp, sizeof resp,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain%s\r\nContent-Length: %zu\r\n"
                     "%s\r\n%s",
                     status, reason_phrase(status), status == 200 ? "" : "; charset=utf-8",
                     strlen(body), close ? "Connection: close\r\n" : "", head ? "" : body);
    if (status != 200) fprintf(stderr, "tls-server: http: answered %s", body);
    if (close) c->close_after = 1;
    return queue(c, resp, (size_t)k);
}

/* Makes room for n bytes of header block: the buffer grows from 4 KiB as a block needs it,
 * up to HTTP_HEADER_MAX. */
static int req_reserve(client *c, size_t n) {
    if (n <= c->req_cap) return 0;
    size_t cap = c->req_cap ? c->req_cap : 4096;
    while (cap < n)
        cap *= 2;
    char *q = realloc(c->req, cap);
    if (q == NULL) return -1;
    c->req = q;
    c->req_cap = cap;
    return 0;
}

/* Takes the first used bytes out of the header buffer. */
static void req_consume(client *c, size_t used) {
    memmove(c->req, c->req + used, c->req_len - used);
    c->req_len -= used;
    c->scanned = 0;
}

/* HTTP mode: answers every complete request in the bytes read so far. Header blocks are
 * kept (up to HTTP_HEADER_MAX bytes), bodies (Content-Length) skipped as they pass. A request
 * that says so ends the connection (RFC 9112 §9.6: "Connection: close"; curl with two URLs
 * then takes a new connection, and resumes its session); so does an error answer. After
 * either, input is no longer read as requests. -1: out of memory (the client is dropped). */
static int http_feed(client *c, const char *p, size_t n) {
    while (n > 0 && !c->close_after) {
        if (c->body_left > 0) {
            size_t skip = n < c->body_left ? n : (size_t)c->body_left;
            c->body_left -= skip;
            p += skip;
            n -= skip;
            continue;
        }
        size_t take = HTTP_HEADER_MAX - c->req_len;
        if (take > n) take = n;
        if (req_reserve(c, c->req_len + take) != 0) return -1;
        memcpy(c->req + c->req_len, p, take);
        c->req_len += take;
        p += take;
        n -= take;
        while (!c->close_after && c->body_left == 0 && c->req_len > 0) {
            size_t empty = http_leading_empty_lines(c->req, c->req_len);
            if (empty > 0) req_consume(c, empty);
            size_t end = http_header_end(c->req, c->req_len, &c->scanned);
            if (end == 0) {
                if (c->req_len == HTTP_HEADER_MAX &&
                    http_answer(c, 431, 1, 0,
                                "the request header block is larger than " HTTP_HEADER_MAX_TEXT
                                " bytes") != 0)
                    return -1;
                break;
            }
            http_req r;
            http_parse(c->req, end, &r);
            if (http_answer(c, r.status, r.close, r.head, r.why) != 0) return -1;
            req_consume(c, end);
            /* Body bytes that came with the block. */
            size_t skip = c->req_len < r.body_len ? c->req_len : (size_t)r.body_len;
            req_consume(c, skip);
            c->body_left = r.body_len - skip;
        }
    }
    if (c->req_len == 0 || c->close_after) { /* an idle connection holds no buffer */
        free(c->req);
        c->req = NULL;
        c->req_len = c->req_cap = c->scanned = 0;
    }
    return 0;
}

/* http: after the last answer, close_notify (RFC 8446 §6.1), then our half of the TCP
 * connection, then read and drop whatever the client still sends until it closes too or
 * LINGER_MS pass (serve() ends it then). 0: keep, -1: drop. */
static int http_close(client *c) {
    char buf[16384];
    if (!c->closed) {
        if (tls_close(c->t) != 0) return errno == EAGAIN ? 0 : -1; /* retried when writable */
        shutdown(tls_fd(c->t), SHUT_WR);
        c->closed = 1;
        c->linger_end = now_ms() + LINGER_MS;
    }
    for (;;) {
        ssize_t n = tls_read(c->t, buf, sizeof buf);
        if (n > 0) continue;
        return n < 0 && errno == EAGAIN ? 0 : -1; /* 0: its close_notify; else it is gone */
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
            }
            continue;
        }
        if (c->close_after) return http_close(c); /* the last answer has been sent */
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
        int n_live = 0, timeout = -1;
        int64_t now = now_ms();
        pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < max_conns; i++) {
            pfd[i + 1] = (struct pollfd){.fd = -1};
            if (cl[i].t == NULL) continue;
            n_live++;
            pfd[i + 1].fd = tls_fd(cl[i].t);
            pfd[i + 1].events = (short)tls_events(cl[i].t);
            if (cl[i].closed) { /* lingering (http): wake up when it ends */
                int64_t left = cl[i].linger_end > now ? cl[i].linger_end - now : 0;
                if (timeout < 0 || left < timeout) timeout = (int)left;
            }
        }
        if (n_live == max_conns) pfd[0].fd = -1; /* full: leave new clients in the backlog */
        if (poll(pfd, (nfds_t)max_conns + 1, timeout) < 0) {
            if (errno == EINTR) continue;
            perror("tls-server: poll");
            return 1;
        }
        now = now_ms();
        for (int i = 0; i < max_conns; i++) {
            if (cl[i].t && pfd[i + 1].revents && service(&cl[i], L) != 0)
                drop(&cl[i]);
            else if (cl[i].t && cl[i].closed && now >= cl[i].linger_end)
                drop(&cl[i]); /* the client kept its side open: enough */
        }
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
