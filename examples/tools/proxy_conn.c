/* The per-connection state machine of tls-proxy: connect, handshake, then two directions
 * pumped through bounded buffers, with half-close passed on (close_notify <-> FIN) and a
 * broken stream never passed on as a clean one. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#include "proxy_conn.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/mem.h>

#include "proxy_pp2.h"

static const char *const side_name[2] = {"client", "backend"};

/* Records how the connection ended; the first reason stays. */
static void set_end(proxy_conn *c, const char *end, const char *fmt, ...) {
    if (c->end != NULL) return;
    c->end = end;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

/* Ends the connection now: both sides are reset, except a TLS side that failed on its own
 * (its fatal alert has been sent: a reset could destroy it before the peer reads it). */
static int conn_abort(proxy_conn *c) {
    for (int k = 0; k < 2; k++) {
        proxy_side *s = &c->side[k];
        s->reset = !(s->t != NULL && tls_error_code(s->t) != 0);
    }
    return 1;
}

/* A call on side k failed with err: the stream is broken, so neither peer may see a clean
 * end (a truncated TLS stream never becomes a FIN, RFC 8446 §6.1). */
static int side_failed(proxy_conn *c, int k, int err) {
    set_end(c, k == 0 ? "client-error" : "backend-error", "%s: %s", side_name[k],
            side_error(&c->side[k], err));
    return conn_abort(c);
}

static void dir_release(proxy_dir *d) {
    free(d->buf);
    d->buf = NULL;
    d->off = d->len = 0;
}

/* Writes what dir holds to dst. 1: all taken, 0: dst is full or not open yet, -1: failed. */
static int dir_flush(proxy_dir *d, proxy_side *dst) {
    while (d->off < d->len) {
        if (dst->state != SIDE_OPEN) return 0;
        ssize_t n = side_write(dst, d->buf + d->off, d->len - d->off);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        d->off += (size_t)n;
        d->bytes += (uint64_t)n;
    }
    d->off = d->len = 0;
    return 1;
}

/* Once the source has ended (or the proxy stops) and everything read was delivered: end the
 * destination's input the same way, close_notify for FIN and FIN for close_notify. */
static int dir_finish(proxy_conn *c, int k) {
    proxy_side *dst = &c->side[1 - k];
    dir_release(&c->dir[k]);
    if (dst->shut || dst->state != SIDE_OPEN) return 0;
    if (side_shut(dst) != 0) return errno == EAGAIN ? 0 : side_failed(c, 1 - k, errno);
    dst->shut = 1;
    return 0;
}

/* Reads and drops what side s sends, at most *left bytes. 1: its input ended (or failed),
 * 0: nothing more now, or *left is spent. */
static int side_drain(proxy_side *s, size_t *left) {
    char buf[4096];
    while (*left > 0) {
        ssize_t n = side_read(s, buf, *left < sizeof buf ? *left : sizeof buf);
        if (n == 0) s->eof = 1;
        if (n <= 0) return n == 0 || errno != EAGAIN;
        *left -= (size_t)n;
    }
    return 0;
}

/* Stopping, the client's direction finished: its input is read and dropped, not left
 * unread (closing with unread input would reset the answer still on its way). A client that
 * fails now can take no answer: aborted. 0 or 1 (finished). */
static int drop_input(proxy_conn *c, int k) {
    proxy_side *src = &c->side[k];
    size_t left = PROXY_BUDGET;
    if (k != 0 || src->eof || src->state != SIDE_OPEN) return 0;
    if (side_drain(src, &left) == 0 || src->eof) {
        c->hot |= left == 0;
        return 0;
    }
    return side_failed(c, k, errno);
}

/* Direction k: from side k to the other, read only while the buffer is empty, at most
 * PROXY_BUDGET bytes. 0 or 1 (finished: aborted). */
static int dir_pump(proxy_conn *c, int k) {
    proxy_side *src = &c->side[k], *dst = &c->side[1 - k];
    proxy_dir *d = &c->dir[k];
    size_t got = 0;
    if (dst->state == SIDE_DEAD) { /* nobody will take it: leave it unread */
        dir_release(d);
        return 0;
    }
    for (;;) {
        int f = dir_flush(d, dst);
        if (f < 0) return side_failed(c, 1 - k, errno);
        if (f == 0) return 0; /* backpressure: src is not read until dst takes this */
        /* Stopping: what the client sends now is dropped (the backend gets a FIN once what
         * it sent before is delivered), but the backend is read to its end, so the client's
         * close_notify never cuts an answer short. */
        if (src->eof || (c->stop_ms != 0 && k == 0)) return dir_finish(c, k) || drop_input(c, k);
        if (src->state != SIDE_OPEN) break;
        if (got >= PROXY_BUDGET) {
            c->hot = 1; /* the rest next round: the other connections' turn */
            return 0;
        }
        if (d->buf == NULL && (d->buf = malloc(PROXY_BUF)) == NULL) {
            set_end(c, "error", "out of memory");
            return conn_abort(c);
        }
        ssize_t n = side_read(src, d->buf, PROXY_BUF);
        if (n == 0) {
            src->eof = 1;
            return dir_finish(c, k);
        }
        if (n < 0 && errno != EAGAIN) return side_failed(c, k, errno);
        if (n < 0) break;
        d->len = (size_t)n;
        got += (size_t)n;
    }
    dir_release(d); /* idle: hold no buffer */
    return 0;
}

/* The backend could not be reached: the client gets a clean end once its side is open
 * (close_notify after the handshake), and the log says why. */
static void side_dead(proxy_conn *c, proxy_side *s, const char *what, int err) {
    set_end(c, "backend-failed", "backend %s: %s: %s", c->set->backend_name, what, strerror(err));
    if (s->t != NULL)
        tls_free(s->t);
    else if (s->fd >= 0)
        close(s->fd);
    s->t = NULL;
    s->fd = -1;
    s->state = SIDE_DEAD;
    s->eof = s->shut = 1;
}

/* Starts the backend connect. */
static void side_connect(proxy_conn *c, proxy_side *s) {
    const proxy_settings *set = c->set;
    int one = 1;
    s->state = SIDE_CONNECTING;
    s->fd = socket(set->backend.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) return side_dead(c, s, "socket", errno);
    /* The proxy forwards what it has at once; Nagle would hold small writes for an ACK. */
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s->fd, (const struct sockaddr *)&set->backend, set->backend_len) != 0 &&
        errno != EINPROGRESS)
        side_dead(c, s, "connect", errno);
}

/* The backend connect has finished (1), is still under way (0), or failed (side dead). */
static int connect_done(proxy_conn *c, proxy_side *s) {
    int err = 0;
    socklen_t len = sizeof err;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0 && getpeername(s->fd, (struct sockaddr *)&ss, &sl) == 0) return 1;
    if (err == 0 && errno == ENOTCONN) return 0;
    side_dead(c, s, "connect", err ? err : errno);
    return 0;
}

/* Terminate mode, the client's handshake done: the PROXY v2 header goes first (dir 0 is
 * empty now: nothing is read from a side before its handshake). */
static int queue_proxy_header(proxy_conn *c) {
    if (!c->set->proxy_protocol || c->set->originate) return 0;
    const tls *t = c->side[0].t;
    pp2_tls_info info = {.alpn = tls_conn_alpn(t),
                         .sni = tls_conn_servername(t),
                         .version = tls_conn_version(t),
                         .cipher = tls_conn_cipher(t)};
    info.cert_sess = tls_conn_peer_subject(t) != NULL;
    info.cert_conn = info.cert_sess && !tls_conn_resumed(t);
    size_t der_len = 0;
    const uint8_t *der = tls_conn_peer_chain(t, 0, &der_len);
    uint8_t *cn = NULL;
    info.cn_len = pp2_cert_cn(der, der_len, &cn);
    info.cn = cn;
    proxy_dir *d = &c->dir[0];
    if ((d->buf = malloc(PROXY_BUF)) != NULL)
        d->len = pp2_header((uint8_t *)d->buf, PROXY_BUF, (struct sockaddr *)&c->peer,
                            (struct sockaddr *)&c->local, &info);
    OPENSSL_free(cn);
    c->pp2_len = d->len;
    return d->len > 0 ? 0 : -1;
}

/* The upstream TLS connection on s's socket, its handshake to run. 0, or 1: finished
 * (aborted). */
static int start_tls(proxy_conn *c, proxy_side *s) {
    tls_error why;
    s->state = SIDE_HANDSHAKE;
    s->t = tls_client_fd(c->cfg, s->fd, c->set->servername, &why);
    if (s->t != NULL) return 0;
    set_end(c, "error", "backend: %s", why.msg);
    return conn_abort(c);
}

/* Side s has connected: on to data (TCP), or the handshake, or first the PROXY header when
 * originating with --proxy-protocol. HAProxy's send-proxy-v2 does the same: the header goes
 * on the raw TCP connection before the ClientHello, since the upstream reads it before TLS.
 * It has no TLVs: the client's side was plain TCP, there is no TLS of it to describe. */
static int connected(proxy_conn *c, proxy_side *s) {
    if (!s->is_tls) {
        s->state = SIDE_OPEN;
        return 0;
    }
    if (!c->set->proxy_protocol) return start_tls(c, s);
    c->pre_len = pp2_header(c->pre, sizeof c->pre, (struct sockaddr *)&c->peer,
                            (struct sockaddr *)&c->local, NULL);
    if (c->pre_len == 0) {
        set_end(c, "error", "could not build the PROXY header");
        return conn_abort(c);
    }
    s->state = SIDE_PREFACE;
    return 0;
}

/* Writes what is left of the preface to s. 1: all sent, 0: the socket is full, -1: failed. */
static int send_preface(proxy_conn *c, proxy_side *s) {
    while (c->pre_off < c->pre_len) {
        ssize_t n = side_write(s, c->pre + c->pre_off, c->pre_len - c->pre_off);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->pre_off += (size_t)n;
    }
    return 1;
}

/* Connects and handshakes whichever side is not open yet. 0, or 1: finished (aborted). */
static int advance_setup(proxy_conn *c) {
    for (int k = 0; k < 2; k++) {
        proxy_side *s = &c->side[k];
        if (s->state == SIDE_CONNECTING && connect_done(c, s) && connected(c, s)) return 1;
        if (s->state == SIDE_PREFACE) {
            int r = send_preface(c, s);
            if (r < 0) return side_failed(c, k, errno);
            if (r > 0 && start_tls(c, s)) return 1;
        }
        if (s->state != SIDE_HANDSHAKE) continue;
        if (tls_handshake(s->t) != 0) {
            if (errno == EAGAIN) continue;
            set_end(c, k == 0 ? "client-handshake" : "backend-handshake", "%s: %s", side_name[k],
                    side_error(s, errno));
            return conn_abort(c);
        }
        s->state = SIDE_OPEN;
        if (k == 0 && queue_proxy_header(c) != 0) {
            set_end(c, "error", "could not build the PROXY header");
            return conn_abort(c);
        }
    }
    return 0;
}

static int conn_done(const proxy_conn *c) {
    for (int k = 0; k < 2; k++)
        if (c->dir[k].len > c->dir[k].off || !c->side[1 - k].shut) return 0;
    return 1;
}

/* Lingering: 1 once the client's input has ended, failed or gone past the byte cap. */
static int linger(proxy_conn *c) {
    return side_drain(&c->side[0], &c->linger_left) != 0 || c->linger_left == 0;
}

/* Both directions have ended cleanly: close now if the client's input has ended too, else
 * linger (PROXY_LINGER_MS), its TCP output ended as well. 0, or 1: finished. */
static int start_linger(proxy_conn *c, int64_t now) {
    proxy_side *s = &c->side[0];
    if (s->state != SIDE_OPEN || s->eof || s->reset) return 1;
    if (s->t != NULL) shutdown(s->fd, SHUT_WR); /* after the close_notify, which is flushed */
    c->linger_ms = now + PROXY_LINGER_MS;
    c->linger_left = PROXY_LINGER_BYTES;
    return linger(c);
}

int conn_pump(proxy_conn *c, int64_t now) {
    c->hot = 0;
    if (c->linger_ms != 0) return linger(c);
    uint64_t before = c->dir[0].bytes + c->dir[1].bytes;
    if (advance_setup(c) != 0) return 1;
    if (c->open_ms == 0 && c->side[0].state >= SIDE_OPEN && c->side[1].state >= SIDE_OPEN)
        c->open_ms = now;
    for (int k = 0; k < 2; k++)
        if (dir_pump(c, k) != 0) return 1;
    if (c->dir[0].bytes + c->dir[1].bytes != before) c->last_ms = now;
    return conn_done(c) && start_linger(c, now);
}

int conn_hot(const proxy_conn *c) {
    return c->hot;
}

void conn_events(const proxy_conn *c, struct pollfd pfd[2]) {
    if (c->linger_ms != 0) { /* only the client's input, to be dropped */
        pfd[0] = (struct pollfd){.fd = c->side[0].fd, .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = -1};
        return;
    }
    for (int k = 0; k < 2; k++) {
        const proxy_side *s = &c->side[k];
        const proxy_dir *from = &c->dir[k], *to = &c->dir[1 - k];
        int want_in = s->state == SIDE_OPEN && !s->eof && from->len == from->off &&
                      c->side[1 - k].state != SIDE_DEAD;
        short ev = side_events(s, want_in, to->len > to->off);
        pfd[k] = (struct pollfd){.fd = ev ? s->fd : -1, .events = ev};
    }
}

int64_t conn_deadline(const proxy_conn *c) {
    int64_t d = INT64_MAX;
    int limit = c->open_ms == 0 ? c->set->handshake_ms : c->set->idle_ms; /* 0: none */
    if (limit > 0) d = (c->open_ms == 0 ? c->start_ms : c->last_ms) + limit;
    if (c->linger_ms != 0) d = c->linger_ms;
    if (c->stop_ms != 0 && c->stop_ms < d) d = c->stop_ms;
    return d;
}

int conn_expire(proxy_conn *c, int64_t now) {
    if (now < conn_deadline(c)) return 0;
    if (c->linger_ms != 0) return 1; /* it ended cleanly: what is left is the client's */
    if (c->stop_ms != 0 && now >= c->stop_ms)
        set_end(c, "shutdown", "still open when the shutdown drain time ran out");
    else if (c->open_ms == 0)
        set_end(c, "handshake-timeout", "connect and handshake took longer than %d ms",
                c->set->handshake_ms);
    else
        set_end(c, "idle-timeout", "no data either way for %d ms", c->set->idle_ms);
    return conn_abort(c);
}

void conn_stop(proxy_conn *c, int64_t now) {
    c->stop_ms = now + c->set->drain_ms;
    /* A connection still being set up has nothing to deliver: end it at once. */
    if (c->open_ms == 0) c->stop_ms = now;
}

const tls *conn_tls(const proxy_conn *c) {
    return c->side[c->set->originate ? 1 : 0].t;
}

proxy_conn *conn_new(const proxy_settings *set, tls_config *cfg, int fd,
                     const struct sockaddr *peer, socklen_t peer_len, int64_t now, char *why,
                     size_t why_len) {
    proxy_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(why, why_len, "out of memory");
        close(fd);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->set = set;
    c->start_ms = c->last_ms = now;
    c->cfg = tls_config_ref(cfg);
    memcpy(&c->peer, peer, peer_len);
    c->peer_len = peer_len;
    c->local_len = sizeof c->local;
    getsockname(fd, (struct sockaddr *)&c->local, &c->local_len);
    c->side[0] = (proxy_side){.fd = fd, .is_tls = !set->originate, .state = SIDE_OPEN};
    c->side[1] = (proxy_side){.fd = -1, .is_tls = set->originate};
    if (!set->originate) {
        tls_error e;
        c->side[0].state = SIDE_HANDSHAKE;
        if ((c->side[0].t = tls_server_fd(cfg, fd, &e)) == NULL) {
            snprintf(why, why_len, "%s", e.msg);
            close(fd);
            tls_config_free(c->cfg);
            free(c);
            return NULL;
        }
    }
    side_connect(c, &c->side[1]);
    return c;
}

void conn_free(proxy_conn *c) {
    if (c == NULL) return;
    for (int k = 0; k < 2; k++) {
        side_free(&c->side[k]);
        dir_release(&c->dir[k]);
    }
    tls_config_free(c->cfg);
    free(c);
}
