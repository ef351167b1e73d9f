/*
 * tls-server: a poll() server on nonblocking sockets. Echo mode sends every byte back; http
 * mode answers each HTTP/1.x request with 200 OK. A failing client is dropped without
 * disturbing the others. --threads N runs N such poll loops, each on a thread of its own with
 * its own listening socket (SO_REUSEPORT: the kernel spreads new connections over them), all
 * sharing one config: once the first connection has frozen it, a config is read-only and
 * safe to share (<tlsio/tls.h>).
 *
 * Operation: one log line per connection on stderr (toollog.h). SIGTERM/SIGINT: every loop
 * stops accepting, sends close_notify to its clients and gives them STOP_MS to close, then
 * the process exits 0. SIGHUP: the options are applied again to a new config (so the
 * certificate, key and CA files are read again), which new connections use while open ones
 * finish on theirs (toolcfg.h); if the files are bad, the old config stays and the log says
 * why.
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

#include <openssl/mem.h>
#include <openssl/rand.h>

#include "http_req.h"
#include "toolcfg.h"
#include "toollog.h"
#include "toolopts.h"
#include "toolsig.h"

enum { MODE_ECHO, MODE_HTTP };

#define MAX_THREADS 64 /* --threads: poll loops, one thread each */
/* http: after its last answer and close_notify, a connection is read (and the bytes dropped)
 * for up to this long, until the client closes too: closing a socket with unread input
 * makes the kernel send a reset, which can destroy the answer before the client reads it
 * (RFC 9112 §9.6). */
#define LINGER_MS 2000
/* SIGTERM/SIGINT: how long open connections get to finish after our close_notify. */
#define STOP_MS 2000
/* Bytes one client may move in one turn (service): a client that sends as fast as it reads
 * the echo must not keep the loop from its other clients, its timers and signals. */
#define TURN_BYTES (256 * 1024)
/* Out of descriptors (EMFILE/ENFILE): the listening socket stays readable, so the loop stops
 * polling it this long rather than spin on a failing accept. */
#define ACCEPT_PAUSE_MS 100

typedef struct client {
    tls *t;
    char *out; /* bytes to send back */
    size_t out_len, out_off, out_cap;
    char *req; /* http: the header block being read (allocated on first use, freed when empty) */
    size_t req_len, req_cap;
    size_t scanned;     /* http: req bytes already searched for the block's end */
    uint64_t body_left; /* http: bytes of the last request's body still to skip */
    int shown;          /* the client's identity was printed */
    int close_after;    /* close once the queued answer is sent (http, or stopping) */
    int closed;         /* close_notify sent and our side shut: lingering */
    int64_t linger_end; /* when lingering ends (monotonic ms) */
    int more;           /* its turn ended with input maybe left (decrypted data inside tlsio is
                           invisible to poll): served again without waiting */
    toollog_conn log;   /* what its log line says */
} client;

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
                    "(with --threads N > 1, followed by \" loop=K\", K = 0..N-1), and when it\n"
                    "ends one \"conn key=value...\" line on stderr (peer, sni, version, cipher,\n"
                    "group, alpn, resumed, client, in, out, ms, end=ok or why it failed).\n"
                    "SIGTERM/SIGINT: close_notify to every client, exit 0. SIGHUP: read the\n"
                    "certificate, key and CA files again for new connections.\n");
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

/* After the last answer (http) or when stopping: close_notify (RFC 8446 §6.1), then our half
 * of the TCP connection, then read and drop whatever the client still sends until it closes
 * too or LINGER_MS pass (serve() ends it then). 0: keep, -1: drop. */
static int close_gently(client *c) {
    char buf[16384];
    size_t turn = 0;
    if (!c->closed) {
        if (tls_close(c->t) != 0) return errno == EAGAIN ? 0 : -1; /* retried when writable */
        shutdown(tls_fd(c->t), SHUT_WR);
        c->closed = 1;
        c->log.clean = 1; /* all we sent is delivered, whatever the client does now */
        c->linger_end = toollog_now_ms() + LINGER_MS;
    }
    for (;;) {
        if (toollog_now_ms() >= c->linger_end) return -1; /* a client that keeps sending */
        if (turn >= TURN_BYTES) {
            c->more = 1;
            return 0;
        }
        ssize_t n = tls_read(c->t, buf, sizeof buf);
        if (n > 0) {
            turn += (size_t)n;
            continue;
        }
        return n < 0 && errno == EAGAIN ? 0 : -1; /* 0: its close_notify; else it is gone */
    }
}

/* What every poll loop shares: the options that are not in the config, the current config
 * (swapped on SIGHUP) and the signal pipes. */
typedef struct server {
    toolcfg cfg;
    toolsig sig;
    int mode;
    int max_conns;
    int label; /* more than one loop: client lines say which loop served them */
} server;

/* One poll loop: its listening socket and its clients. */
typedef struct loop {
    server *S;
    int lfd;
    int index;                   /* 0..threads-1 */
    int64_t accept_paused_until; /* out of descriptors: no accept before this (monotonic ms) */
    pthread_t thread;
} loop;

/* "client: SUBJECT resumed=yes|no" on stdout once the handshake is done. */
static void show_client(const client *c, const loop *L) {
    const char *who = tls_conn_peer_subject(c->t);
    /* A resumed client sent no certificate now: the subject is the one the original
     * handshake verified (RFC 8446 §4.6.1: the ticket carries the identity). One printf per
     * line: stdio's lock keeps the lines of several loops whole. */
    char where[32] = "";
    if (L->S->label) snprintf(where, sizeof where, " loop=%d", L->index);
    printf("client: %s resumed=%s%s\n", who != NULL ? who : "(no certificate)",
           tls_conn_resumed(c->t) ? "yes" : "no", where);
    fflush(stdout);
}

/* Moves data as far as it can without blocking. 0: keep, -1: drop the client. */
static int service(client *c, const loop *L) {
    int mode = L->S->mode;
    char buf[16384];
    size_t turn = 0;
    c->more = 0;
    for (;;) {
        if (!c->shown) { /* finish the handshake first, then say who the client is */
            if (tls_handshake(c->t) != 0) {
                if (errno == EAGAIN) return 0;
                fprintf(stderr, "tls-server: handshake failed: %s\n", tls_error_msg(c->t));
                return -1;
            }
            show_client(c, L);
            c->shown = 1;
        }
        if (c->out_off < c->out_len) {
            ssize_t n = tls_write(c->t, c->out + c->out_off, c->out_len - c->out_off);
            if (n < 0) return errno == EAGAIN ? 0 : -1;
            c->out_off += (size_t)n;
            c->log.out += (uint64_t)n;
            if (c->out_off == c->out_len) { /* drained: an idle client holds no buffer */
                free(c->out);
                c->out = NULL;
                c->out_off = c->out_len = c->out_cap = 0;
            }
            continue;
        }
        if (c->close_after) return close_gently(c); /* the last answer has been sent */
        if (turn >= TURN_BYTES) { /* the others' turn; this one is served again at once */
            c->more = 1;
            return 0;
        }
        ssize_t n = tls_read(c->t, buf, sizeof buf);
        if (n == 0) { /* close_notify: answer it and drop */
            c->log.clean = 1;
            (void)tls_close(c->t);
            return -1;
        }
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->log.in += (uint64_t)n;
        turn += (size_t)n;
        int rc = mode == MODE_ECHO ? queue(c, buf, (size_t)n) : http_feed(c, buf, (size_t)n);
        if (rc != 0) {
            c->log.why = "out of memory";
            return -1;
        }
    }
}

/* Ends a client: its log line, then the connection. */
static void drop(client *c, const loop *L) {
    char line[2048], idx[16];
    size_t off = toollog_begin(line, sizeof line, "conn", c->t, &c->log);
    if (L->S->label) {
        snprintf(idx, sizeof idx, "%d", L->index);
        toollog_kv(line, sizeof line, &off, "loop", idx);
    }
    toollog_finish(line, sizeof line, off, c->t, &c->log);
    tls_free(c->t);
    free(c->out);
    free(c->req);
    memset(c, 0, sizeof *c);
}

/* A new client on slot c, with the config current now (it keeps that one alive). */
/* accept failed with err: out of descriptors pauses accepting (said once per episode, not
 * once per wake-up); anything else (EAGAIN: the queue is empty) just ends this round. */
static void accept_failed(loop *L, int err) {
    if (err != EMFILE && err != ENFILE) return;
    if (L->accept_paused_until == 0)
        fprintf(stderr, "tls-server: accept: %s: new clients wait until descriptors are free\n",
                strerror(err));
    L->accept_paused_until = toollog_now_ms() + ACCEPT_PAUSE_MS;
}

/* A new client on slot c, with the config current now (it keeps that one alive). -1 when
 * accept failed: no more this round. */
static int admit(client *c, loop *L) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept(L->lfd, (struct sockaddr *)&ss, &len);
    if (fd < 0) {
        accept_failed(L, errno);
        return -1;
    }
    L->accept_paused_until = 0; /* descriptors again: the next shortage is a new episode */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    tls_config *cfg = toolcfg_get(&L->S->cfg);
    tls_error why;
    c->t = tls_server_fd(cfg, fd, &why);
    tls_config_free(cfg); /* the connection holds its own reference */
    if (c->t == NULL) {
        fprintf(stderr, "tls-server: %s\n", why.msg);
        close(fd);
        return 0;
    }
    toollog_start(&c->log, (struct sockaddr *)&ss, len);
    if (service(c, L) != 0) drop(c, L);
    return 0;
}

/* SIGTERM/SIGINT: no more clients; each open one is closed with close_notify after what is
 * queued for it, and given until the returned deadline to close. */
static int64_t begin_stop(loop *L, client *cl) {
    int open = 0;
    close(L->lfd);
    L->lfd = -1;
    for (int i = 0; i < L->S->max_conns; i++) {
        if (cl[i].t == NULL) continue;
        open++;
        cl[i].close_after = 1;
        if (service(&cl[i], L) != 0) drop(&cl[i], L);
    }
    char n[16], idx[16];
    snprintf(n, sizeof n, "%d", open);
    snprintf(idx, sizeof idx, "%d", L->index);
    toollog_event("stop", "open", n, "loop", idx, (char *)NULL);
    return toollog_now_ms() + STOP_MS;
}

/* The poll set: listening socket, stop and reload pipes, then one entry per client slot. */
enum { P_LISTEN, P_STOP, P_RELOAD, P_CLIENTS };

/* Fills the poll set; returns the poll timeout (ms, -1: none) and the number of clients. */
static int poll_set(const loop *L, const client *cl, struct pollfd *pfd, int64_t stop_end,
                    int *n_live, int *n_slots) {
    int max_conns = L->S->max_conns, timeout = -1;
    int64_t now = toollog_now_ms();
    *n_live = *n_slots = 0;
    pfd[P_LISTEN] = (struct pollfd){.fd = L->lfd, .events = POLLIN};
    pfd[P_STOP] = (struct pollfd){.fd = stop_end ? -1 : L->S->sig.stop_fd, .events = POLLIN};
    pfd[P_RELOAD] = (struct pollfd){.fd = L->S->sig.reload_fd, .events = POLLIN};
    for (int i = 0; i < max_conns; i++) {
        struct pollfd *p = &pfd[P_CLIENTS + i];
        *p = (struct pollfd){.fd = -1};
        if (cl[i].t == NULL) continue;
        ++*n_live;
        *n_slots = i + 1;
        p->fd = tls_fd(cl[i].t);
        p->events = (short)tls_events(cl[i].t);
        /* A client still in its handshake must finish it in time (--timeout): wake when the
         * first of them runs out, so that it is dropped then, not when it next sends. */
        int hs = tls_handshake_remaining_ms(cl[i].t);
        if (hs >= 0 && (timeout < 0 || hs < timeout)) timeout = hs;
        if (cl[i].more) timeout = 0; /* its turn ended early: no sleeping */
        int64_t end = cl[i].closed ? cl[i].linger_end : stop_end; /* 0: none */
        if (end == 0) continue;
        int left = end > now ? (int)(end - now) : 0;
        if (timeout < 0 || left < timeout) timeout = left;
    }
    if (*n_live == max_conns) pfd[P_LISTEN].fd = -1; /* full: leave new clients waiting */
    if (L->accept_paused_until > now) {              /* out of descriptors: wait a little */
        pfd[P_LISTEN].fd = -1;
        int left = (int)(L->accept_paused_until - now);
        if (timeout < 0 || left < timeout) timeout = left;
    }
    return timeout;
}

/* Runs one poll loop until a stop has finished: 0; 1 if it cannot go on (poll failed, no
 * memory). */
static int serve(loop *L) {
    int max_conns = L->S->max_conns;
    client *cl = calloc((size_t)max_conns, sizeof *cl);
    struct pollfd *pfd = calloc((size_t)max_conns + P_CLIENTS, sizeof *pfd);
    int64_t stop_end = 0; /* stopping: when the last clients are dropped */
    if (cl == NULL || pfd == NULL) {
        fprintf(stderr, "tls-server: out of memory\n");
        return 1;
    }
    for (;;) {
        int n_live, n_slots;
        int timeout = poll_set(L, cl, pfd, stop_end, &n_live, &n_slots);
        if (stop_end && n_live == 0) break;
        /* Only up to the last busy slot: poll refuses more entries than RLIMIT_NOFILE allows
         * descriptors (EINVAL), and slots fill lowest first, so that many were open at once. */
        if (poll(pfd, (nfds_t)n_slots + P_CLIENTS, timeout) < 0) {
            if (errno == EINTR) continue;
            perror("tls-server: poll");
            return 1;
        }
        int64_t now = toollog_now_ms();
        for (int i = 0; i < max_conns; i++) {
            client *c = &cl[i];
            /* Out of handshake time: service's tls_handshake fails with ETIMEDOUT. */
            int late = c->t && tls_handshake_remaining_ms(c->t) == 0;
            if (c->t && (pfd[P_CLIENTS + i].revents || late || c->more) && service(c, L) != 0)
                drop(c, L);
            else if (c->t && c->closed && now >= c->linger_end)
                drop(c, L); /* the client kept its side open: enough */
            else if (c->t && stop_end && now >= stop_end) {
                if (!c->closed) c->log.why = "the server stopped before the connection ended";
                drop(c, L);
            }
        }
        if ((pfd[P_RELOAD].revents & POLLIN) && toolsig_take_reload(&L->S->sig))
            toolcfg_reload_logged(&L->S->cfg); /* the files read again */
        if (pfd[P_STOP].revents) {
            stop_end = begin_stop(L, cl);
            continue;
        }
        if (pfd[P_LISTEN].revents & POLLIN)
            for (int i = 0; i < max_conns; i++)
                if (cl[i].t == NULL && admit(&cl[i], L) != 0) break;
    }
    free(cl);
    free(pfd);
    return 0;
}

static void *serve_thread(void *arg) {
    /* A loop that cannot go on takes the process with it, as the single loop does. */
    if (serve(arg) != 0) exit(1);
    return NULL;
}

/* The options that are not in the config. */
typedef struct srvopts {
    const char *bind_addr, *port;
    int mode, max_conns, threads;
} srvopts;

/* What a config is built from: the command line (read again on each reload) and the ticket
 * key, the same in every config so that sessions resume across a reload. */
typedef struct recipe {
    int argc;
    char **argv;
    int quiet;      /* after the first build: print nothing (the reload's log line says it) */
    srvopts *first; /* the first build: its options go here, and first_rc its outcome */
    int first_rc;
    uint8_t ticket_key[TLS_TICKET_KEY_LEN];
} recipe;

static int config_failed(tls_config *cfg, char *why, size_t n) {
    snprintf(why, n, "%s", tls_config_error(cfg));
    return -1;
}

/* The command line into cfg and o. 0; -1 with why set (a file or a setting was refused);
 * -2 for a usage error. */
static int parse(const recipe *r, tls_config *cfg, srvopts *o, char *why, size_t n) {
    int argc = r->argc;
    char **argv = r->argv;
    const char *cert = NULL;
    int n_certs = 0, verify = TLS_CLIENT_VERIFY_NONE, optional = 0;
    *o = (srvopts){.bind_addr = "127.0.0.1", .port = "0", .max_conns = 1024, .threads = 1};
    for (int i = 1; i < argc; i++) {
        int k = r->quiet ? toolopt_apply_quiet(cfg, argc, argv, &i, why, n)
                         : toolopt_apply(cfg, argc, argv, &i);
        if (k < 0) return r->quiet ? -1 : -3; /* -3: printed already */
        if (k > 0) continue;
        const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--verify-client-optional") == 0) {
            optional = 1;
            continue;
        }
        if (strcmp(opt, "--no-tickets") == 0) {
            if (tls_config_set_session_tickets(cfg, 0) != 0) return config_failed(cfg, why, n);
            continue;
        }
        if (v == NULL) return -2;
        i++;
        if (strcmp(opt, "--cert") == 0) {
            cert = v;
        } else if (strcmp(opt, "--key") == 0 && cert != NULL) {
            if (tls_config_add_cert_file(cfg, cert, v) != 0) return config_failed(cfg, why, n);
            cert = NULL;
            n_certs++;
        } else if (strcmp(opt, "--verify-client") == 0) {
            if (tls_config_add_client_ca_file(cfg, v) != 0) return config_failed(cfg, why, n);
            verify = TLS_CLIENT_VERIFY_REQUIRED;
        } else if (strcmp(opt, "--bind") == 0) {
            o->bind_addr = v;
        } else if (strcmp(opt, "--port") == 0) {
            o->port = v;
        } else if (strcmp(opt, "--mode") == 0 && (!strcmp(v, "echo") || !strcmp(v, "http"))) {
            o->mode = strcmp(v, "echo") == 0 ? MODE_ECHO : MODE_HTTP;
        } else if (strcmp(opt, "--max-conns") == 0 && atoi(v) > 0) {
            o->max_conns = atoi(v);
        } else if (strcmp(opt, "--threads") == 0 && atoi(v) > 0 && atoi(v) <= MAX_THREADS) {
            o->threads = atoi(v);
        } else {
            return -2;
        }
    }
    if (n_certs == 0 || cert != NULL || (optional && verify == TLS_CLIENT_VERIFY_NONE)) return -2;
    if (optional) verify = TLS_CLIENT_VERIFY_OPTIONAL;
    if (tls_config_set_client_verify(cfg, verify) != 0 ||
        tls_config_set_ticket_keys(cfg, r->ticket_key, 1) != 0)
        return config_failed(cfg, why, n);
    return 0;
}

/* toolcfg's builder: a new config from the recipe, or NULL with why set (empty when the
 * reason was printed already). */
static tls_config *build_config(void *arg, char *why, size_t n) {
    recipe *r = arg;
    srvopts o = {0};
    why[0] = '\0';
    tls_config *cfg = toolopt_config_new("tls-server", !r->quiet, why, n);
    int rc = cfg != NULL ? parse(r, cfg, &o, why, n) : -1;
    if (r->first != NULL) {
        *r->first = o;
        r->first_rc = rc;
        r->first = NULL;
    }
    if (rc == 0) return cfg;
    if (rc == -2) snprintf(why, n, "the options are wrong (see tls-server with no options)");
    tls_config_free(cfg);
    return NULL;
}

int main(int argc, char **argv) {
    static recipe r; /* static: holds a secret, wiped at exit */
    static server S;
    srvopts o;
    char why[512] = "";
    r = (recipe){.argc = argc, .argv = argv, .first = &o, .first_rc = -1};
    (void)tool_raise_fd_limit(); /* failing is harmless: accept runs out sooner, and pauses */
    if (RAND_bytes(r.ticket_key, sizeof r.ticket_key) != 1) return 1;
    if (toolcfg_init(&S.cfg, build_config, &r, why, sizeof why) != 0) {
        if (r.first_rc == -2) return usage();
        if (why[0] != '\0') fprintf(stderr, "tls-server: %s\n", why);
        return 1;
    }
    r.quiet = 1; /* reloads report in their log line */
    S.mode = o.mode;
    S.max_conns = o.max_conns;
    S.label = o.threads > 1;
    if (toolsig_install(&S.sig) != 0) {
        perror("tls-server: signals");
        return 1;
    }
    loop *loops = calloc((size_t)o.threads, sizeof *loops);
    if (loops == NULL) return 1;
    /* Every listening socket exists before the address is printed, so a client that reads it
     * may connect at once, to whichever socket the kernel picks. */
    for (int k = 0; k < o.threads; k++) {
        loops[k] = (loop){.S = &S, .index = k};
        loops[k].lfd =
            k == 0 ? listen_on(o.bind_addr, o.port, o.threads > 1) : listen_like(loops[0].lfd);
        if (loops[k].lfd < 0) return 1;
    }
    print_address(loops[0].lfd);
    int rc = 0;
    if (o.threads == 1) {
        rc = serve(&loops[0]);
    } else {
        for (int k = 0; k < o.threads; k++) {
            int err = pthread_create(&loops[k].thread, NULL, serve_thread, &loops[k]);
            if (err != 0) {
                fprintf(stderr, "tls-server: thread %d: %s\n", k, strerror(err));
                return 1;
            }
        }
        /* Each loop returns once it has stopped (SIGTERM/SIGINT); one that fails ends the
         * process (serve_thread). */
        for (int k = 0; k < o.threads; k++)
            pthread_join(loops[k].thread, NULL);
    }
    toolcfg_destroy(&S.cfg);
    OPENSSL_cleanse(r.ticket_key, sizeof r.ticket_key);
    free(loops);
    return rc;
}
