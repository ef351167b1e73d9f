/* The socket facade's I/O: the engine's buffers moved to and from a socket, POSIX-style. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "sock.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* platforms without it use SO_NOSIGPIPE, set in tlsio_sock_new */
#endif

/* Output beyond this is flushed before more application data is sealed. */
#define WRITE_HIGH_WATER (64 * 1024)

int tlsio_sock_fail(tls *t) {
    if (t->sock_errno != 0) {
        errno = t->sock_errno;
    } else {
        int code = tls_engine_error_code(t->e);
        errno = code == TLS_E_TRUNCATED ? ECONNRESET : code == TLS_E_USAGE ? EINVAL : EPROTO;
    }
    return -1;
}

int tlsio_sock_flush(tls *t) {
    for (;;) {
        size_t n = 0;
        const uint8_t *p = tls_engine_send_buf(t->e, &n);
        if (n == 0) return 0;
        ssize_t k = send(t->fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                t->events = POLLOUT;
                errno = EAGAIN;
                return -1;
            }
            t->sock_errno = errno;
            return -1;
        }
        tls_engine_send_ack(t->e, (size_t)k);
    }
}

int tlsio_sock_fill(tls *t) {
    size_t cap = 0;
    uint8_t *p = tls_engine_recv_buf(t->e, &cap);
    if (p == NULL) return 0; /* nothing wanted now (data waits to be read, or closed) */
    ssize_t k;
    do {
        k = recv(t->fd, p, cap, 0);
    } while (k < 0 && errno == EINTR);
    if (k < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            t->events = POLLIN;
            tls_engine_trim(t->e); /* idle: give back the buffers until data comes */
            errno = EAGAIN;
            return -1;
        }
        t->sock_errno = errno;
        return -1;
    }
    if (k == 0) {
        (void)tls_engine_recv_eof(t->e); /* a failure unless close_notify came first */
        return 0;
    }
    (void)tls_engine_recv_ack(t->e, (size_t)k); /* failures are sticky in the status */
    return 0;
}

/* Sends what the engine has; after a failure this carries the alert to the peer. */
static int flush_then_fail(tls *t) {
    int saved = t->sock_errno;
    (void)tlsio_sock_flush(t);
    t->sock_errno = saved;
    return tlsio_sock_fail(t);
}

int tls_handshake(tls *t) {
    t->events = 0; /* what to wait for is decided afresh by this call */
    for (;;) {
        unsigned st = tls_engine_status(t->e);
        if (st & TLS_ST_FAILED) return flush_then_fail(t);
        if (tlsio_sock_flush(t) != 0) return t->sock_errno ? tlsio_sock_fail(t) : -1;
        if (st & TLS_ST_CONNECTED) {
            t->events = 0;
            return 0;
        }
        if (!(st & TLS_ST_WANT_RECV)) {
            errno = EPROTO;
            return -1;
        }
        if (tlsio_sock_fill(t) != 0) return t->sock_errno ? tlsio_sock_fail(t) : -1;
    }
}

/* Runs the handshake if it has not completed; once connected, queued output no longer
 * stands in the way of reading. */
static int ensure_connected(tls *t) {
    if (tls_engine_status(t->e) & TLS_ST_CONNECTED) return 0;
    return tls_handshake(t);
}

ssize_t tls_read(tls *t, void *buf, size_t len) {
    t->events = 0;
    if (ensure_connected(t) != 0) return -1;
    for (;;) {
        size_t n = 0;
        const uint8_t *p = tls_engine_read_buf(t->e, &n);
        if (n > 0) {
            if (n > len) n = len;
            memcpy(buf, p, n);
            tls_engine_read_ack(t->e, n);
            return (ssize_t)n;
        }
        unsigned st = tls_engine_status(t->e);
        if (st & TLS_ST_FAILED) return flush_then_fail(t);
        if (st & TLS_ST_PEER_CLOSED) return 0;
        /* Answers to post-handshake messages (a TLS 1.2 no_renegotiation warning) go out as
         * soon as they can; a full socket does not stop reading. A KeyUpdate's answer waits
         * for the next tls_write (RFC 8446 §4.6.3). */
        if (tlsio_sock_flush(t) != 0 && t->sock_errno) return tlsio_sock_fail(t);
        if (tlsio_sock_fill(t) != 0) return t->sock_errno ? tlsio_sock_fail(t) : -1;
    }
}

/* Seals as much of buf as fits below the high-water mark of queued output. */
static int seal_some(tls *t, const uint8_t *in, size_t len, size_t *done) {
    for (;;) {
        size_t cap = 0, pending = tls_engine_send_pending(t->e);
        if (*done == len || pending >= WRITE_HIGH_WATER) return 0;
        uint8_t *p = tls_engine_write_buf(t->e, &cap);
        if (p == NULL) return -1;
        size_t k = len - *done < cap ? len - *done : cap;
        memcpy(p, in + *done, k);
        if (tls_engine_write_ack(t->e, k) != 0) return -1;
        *done += k;
    }
}

ssize_t tls_write(tls *t, const void *buf, size_t len) {
    if (t->closed) {
        errno = EINVAL;
        return -1;
    }
    t->events = 0;
    if (ensure_connected(t) != 0) return -1;
    size_t done = 0;
    /* Like send(): a blocking socket takes everything (flush blocks between batches); a
     * nonblocking one takes what fits and then says EAGAIN. Committed bytes count as written
     * even if the socket takes them later: tls_events() then asks for POLLOUT and the next
     * call (or tls_read/tls_close) flushes them first. */
    for (;;) {
        if (tlsio_sock_flush(t) != 0) {
            if (t->sock_errno) return done ? (ssize_t)done : tlsio_sock_fail(t);
            break; /* EAGAIN */
        }
        if (done == len) break;
        if (seal_some(t, buf, len, &done) != 0) return done ? (ssize_t)done : flush_then_fail(t);
    }
    if (done == 0 && len > 0) {
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)done;
}

int tls_close(tls *t) {
    if (!t->closed) {
        t->closed = 1;
        unsigned st = tls_engine_status(t->e);
        if (!(st & TLS_ST_FAILED) && tls_engine_close(t->e) != 0) return tlsio_sock_fail(t);
    }
    if (tlsio_sock_flush(t) != 0) return t->sock_errno ? tlsio_sock_fail(t) : -1;
    return 0;
}

int tls_events(const tls *t) {
    unsigned st = tls_engine_status(t->e);
    int ev = t->events;
    if (st & TLS_ST_HAS_SEND) ev |= POLLOUT;
    if (ev == 0 && (st & TLS_ST_WANT_RECV)) ev = POLLIN;
    return ev;
}

size_t tls_pending(const tls *t) {
    size_t n = 0;
    (void)tls_engine_read_buf(t->e, &n);
    return n;
}
