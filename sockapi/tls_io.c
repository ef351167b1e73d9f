/* The socket facade's I/O: the engine's buffers moved to and from a socket, POSIX-style. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include "sock.h"
#include "../core/hexstr.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* platforms without it use SO_NOSIGPIPE, set in tlsio_sock_new */
#endif

/* Output beyond this is flushed before more application data is sealed. */
#define WRITE_HIGH_WATER (64 * 1024)

/* Records the first failure; later ones never replace it. */
static void record_fail(tls *t, int err, int code, int category, const char *msg) {
    if (t->failed) return;
    t->failed = 1;
    t->fail_errno = err;
    t->fail = malloc(sizeof(*t->fail));
    if (t->fail != NULL) tlsio_sock_copy_why(t->fail, code, category, msg);
    /* The sessions this server gave us are not resumed after a fatal alert (sock.h). */
    if (!t->is_server && t->cache_key[0] != '\0' && !tlsio_sock_sessions_usable(t))
        tlsio_session_cache_forget(t->cfg, t->cache_key);
}

int tlsio_sock_fail(tls *t) {
    if (!t->failed) {
        int code = tls_engine_error_code(t->e);
        if (t->sock_errno != 0 && code == 0) {
            record_fail(t, t->sock_errno, -t->sock_errno, tlsio_err_category(-t->sock_errno),
                        strerror(t->sock_errno));
        } else {
            int err = t->sock_errno != 0        ? t->sock_errno
                      : code == TLS_E_TRUNCATED ? ECONNRESET
                      : code == TLS_E_USAGE     ? EINVAL
                                                : EPROTO;
            if (code != 0)
                record_fail(t, err, code, tls_engine_error_category(t->e), tls_engine_error(t->e));
            else
                record_fail(t, err, TLS_E_INTERNAL, tlsio_err_category(TLS_E_INTERNAL),
                            "the connection failed");
        }
    }
    errno = t->fail_errno;
    return -1;
}

int tlsio_sock_misuse(tls *t, const char *sentence) {
    t->misuse = sentence;
    errno = EINVAL;
    return -1;
}

/* A send or recv that would block: a blocking socket waits (tlsio_sock_wait) and the caller
 * tries again (0); otherwise -1 with errno EAGAIN and t->want set, ETIMEDOUT, or a poll
 * failure. */
static int would_block(tls *t, short events) {
    if (tlsio_sock_wait(t, events) == 0) return 0;
    if (errno == EAGAIN) t->want = events;
    return -1;
}

int tlsio_sock_flush(tls *t) {
    for (;;) {
        size_t n = 0;
        const uint8_t *p = tls_engine_send_buf(t->e, &n);
        if (n == 0) {
            t->hold_flight = 0;
            return 0;
        }
        ssize_t k = send(t->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k >= 0) {
            tls_engine_send_ack(t->e, (size_t)k);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            if (t->sock_errno == 0) t->sock_errno = errno; /* the first one stays */
            return -1;
        }
        if (would_block(t, POLLOUT) != 0) return -1;
    }
}

int tlsio_sock_fill(tls *t) {
    for (;;) {
        size_t cap = 0;
        uint8_t *p = tls_engine_recv_buf(t->e, &cap);
        if (p == NULL) return 0; /* nothing wanted now (data waits to be read, or closed) */
        ssize_t k = recv(t->fd, p, cap, MSG_DONTWAIT);
        if (k == 0) {
            (void)tls_engine_recv_eof(t->e); /* a failure unless close_notify came first */
            return 0;
        }
        if (k > 0) {
            (void)tls_engine_recv_ack(t->e, (size_t)k); /* failures are sticky in the status */
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            if (t->sock_errno == 0) t->sock_errno = errno;
            return -1;
        }
        if (would_block(t, POLLIN) == 0) continue;
        /* Idle: give back the buffers until data comes. */
        if (errno == EAGAIN) tls_engine_trim(t->e);
        return -1;
    }
}

/* Sends what the engine has; after a failure this carries the alert to the peer. Once the
 * alert is out, our side of the stream ends (FIN): the peer reads the alert, then the end,
 * even if it is still sending to us (RFC 8446 §6.2: a fatal alert closes the connection). */
static int flush_then_fail(tls *t) {
    int saved = t->sock_errno;
    if (tlsio_sock_flush(t) == 0 && (tls_engine_status(t->e) & TLS_ST_FAILED))
        (void)shutdown(t->fd, SHUT_WR);
    t->sock_errno = saved;
    return tlsio_sock_fail(t);
}

/* A peer that refuses our flight may close while it is still going out: our send then fails
 * (EPIPE, ECONNRESET), but its alert already sits in our receive buffer. Reading it, without
 * waiting, lets the failure name the peer's reason rather than the reset. */
static void read_alert_behind_reset(tls *t) {
    if (t->sock_errno != EPIPE && t->sock_errno != ECONNRESET) return;
    for (int i = 0; i < 4 && !(tls_engine_status(t->e) & TLS_ST_FAILED); i++) {
        size_t cap = 0;
        uint8_t *p = tls_engine_recv_buf(t->e, &cap);
        if (p == NULL) break;
        ssize_t k = recv(t->fd, p, cap, MSG_DONTWAIT);
        if (k <= 0) break;
        (void)tls_engine_recv_ack(t->e, (size_t)k);
    }
    if (tls_engine_error_category(t->e) == TLS_ERRCAT_PEER_ALERT) t->sock_errno = 0;
}

/* A call on a connection that already failed: the first failure again, without touching the
 * socket except to retry an alert the socket could not take yet. */
static int failed_already(tls *t) {
    if (!t->failed && t->sock_errno == 0 && !(tls_engine_status(t->e) & TLS_ST_FAILED)) return 0;
    /* A failure an earlier call met after committing bytes (it returned the count) is
     * recorded now, as it was met: it is the connection's first. */
    if (t->sock_errno == 0)
        (void)flush_then_fail(t);
    else
        (void)tlsio_sock_fail(t);
    errno = t->fail_errno;
    return 1;
}

/* 1 if fd is a TCP socket with Nagle's algorithm on (TCP_NODELAY clear). */
static int nagle_on(int fd) {
    int nodelay = 1;
    socklen_t len = sizeof(nodelay);
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) != 0) return 0; /* not TCP */
    return nodelay == 0;
}

static void set_nodelay(int fd, int on) {
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* "SHA256:" and the peer leaf's fingerprint in lower-case hex, once verified. */
static void note_peer_hash(tls *t) {
    const uint8_t *h = tls_engine_peer_cert_sha256(t->e);
    if (h == NULL || t->peer_hash != NULL) return;
    char *out = malloc(7 + 64 + 1);
    if (out == NULL) return; /* the getter then says NULL, as without a certificate */
    memcpy(out, "SHA256:", 7);
    out[7 + tlsio_hex_lower(out + 7, h, 32)] = '\0';
    t->peer_hash = out;
}

/* Fails t for its handshake deadline: ETIMEDOUT, and the sentence naming the peer and the
 * limit. Like a socket error it ends the connection: nothing more is sent (no alert: the
 * peer is not answering), and tls_events says 0. */
static int timed_out(tls *t) {
    char msg[sizeof(((tls_error *)0)->msg)];
    tlsio_sock_timeout_sentence(t, msg, sizeof(msg));
    record_fail(t, ETIMEDOUT, -ETIMEDOUT, tlsio_err_category(-ETIMEDOUT), msg);
    if (t->sock_errno == 0) t->sock_errno = ETIMEDOUT;
    errno = ETIMEDOUT;
    return -1;
}

/* The handshake's flush or fill: a blocking socket's wait ends at the deadline at the
 * latest, and that fails the connection. */
static int handshake_io(tls *t, int (*io)(tls *)) {
    if (io(t) == 0) return 0;
    return t->sock_errno == 0 && errno == ETIMEDOUT ? timed_out(t) : -1;
}

/* The handshake loop. A client whose handshake completes with its final flight (Finished)
 * still to send, over a TCP socket with Nagle on, must not let the first request queue
 * behind that unacknowledged flight until the server's delayed ACK (~40 ms). When the
 * handshake runs inside tls_write (may_hold), the flight stays queued and the data is sealed
 * behind it: one send, one segment. Otherwise the flight goes out now (nothing waits for a
 * later call: a pooled connection that idles after tls_handshake is complete on both ends)
 * and the first tls_write is sent with TCP_NODELAY set for its duration. */
static int run_handshake(tls *t, int may_hold) {
    int was_connected = (tls_engine_status(t->e) & TLS_ST_CONNECTED) != 0;
    for (;;) {
        unsigned st = tls_engine_status(t->e);
        if (st & TLS_ST_FAILED) return flush_then_fail(t);
        /* The handshake just completed with output still queued. */
        int ends_queued = (st & TLS_ST_CONNECTED) && !was_connected && (st & TLS_ST_HAS_SEND) &&
                          !(st & TLS_ST_CLOSED);
        /* A TLS 1.3 server ends its handshake with only its NewSessionTickets queued (RFC 8446
         * §4.6.1): the client waits for none of it, so they wait for the first response (one
         * segment, no Nagle stall behind them) or go out when a read has to wait or the
         * connection closes. A TLS 1.2 server's queue is its final flight, which the client
         * waits for: it goes out now. */
        if (ends_queued && t->is_server && tls_engine_version(t->e) == TLS_VERSION_1_3) {
            note_peer_hash(t);
            t->hold_flight = 1;
            return 0;
        }
        if (ends_queued && !t->is_server && nagle_on(t->fd)) {
            was_connected = 1; /* decided once */
            if (may_hold) {
                note_peer_hash(t);
                tlsio_sock_store_sessions(t); /* a TLS 1.2 ticket came before our Finished */
                t->hold_flight = 1;
                return 0;
            }
            t->push_write = 1;
        }
        if (handshake_io(t, tlsio_sock_flush) != 0) {
            if (t->sock_errno == 0) return -1;
            read_alert_behind_reset(t);
            return tlsio_sock_fail(t);
        }
        if (st & TLS_ST_CONNECTED) {
            note_peer_hash(t);
            tlsio_sock_store_sessions(t); /* a TLS 1.2 ticket comes inside the handshake */
            return 0;
        }
        if (!(st & TLS_ST_WANT_RECV)) {
            /* The engine wants nothing and is not done: it stopped short (an invariant). */
            record_fail(t, EPROTO, TLS_E_INTERNAL, tlsio_err_category(TLS_E_INTERNAL),
                        "the handshake stopped without finishing or failing");
            errno = EPROTO;
            return -1;
        }
        if (handshake_io(t, tlsio_sock_fill) != 0) return t->sock_errno ? tlsio_sock_fail(t) : -1;
    }
}

/* The handshake within its deadline (handshake_deadline.c): a call after it fails at once
 * with ETIMEDOUT, whatever the socket; on a blocking socket the waits end at it. */
static int bounded_handshake(tls *t, int may_hold) {
    if (tls_engine_status(t->e) & TLS_ST_CONNECTED) t->hs_deadline = 0;
    if (tlsio_sock_deadline_passed(t)) return timed_out(t);
    int rc = run_handshake(t, may_hold);
    int saved = errno;
    if (tls_engine_status(t->e) & TLS_ST_CONNECTED) t->hs_deadline = 0;
    errno = saved;
    return rc;
}

int tls_handshake(tls *t) {
    if (t == NULL) {
        errno = EINVAL;
        return -1;
    }
    tlsio_sock_begin_call(t);
    t->want = 0;
    t->hs_events = 0;
    if (failed_already(t)) return -1;
    int rc = bounded_handshake(t, 0);
    if (rc != 0 && errno == EAGAIN) t->hs_events = t->want;
    return rc;
}

/* Runs the handshake if it has not completed; once connected, queued output no longer
 * stands in the way of reading. */
static int ensure_connected(tls *t, int may_hold) {
    if (tls_engine_status(t->e) & TLS_ST_CONNECTED) return 0;
    return bounded_handshake(t, may_hold);
}

static ssize_t do_read(tls *t, void *buf, size_t len) {
    if (ensure_connected(t, 0) != 0) return -1;
    for (;;) {
        /* RFC 8446 §4.6.1: TLS 1.3 tickets come after the handshake, among the data. They go
         * to the cache as soon as they are read, so that a client that reads its answer and
         * closes (or never reads again) has them for its next connection. */
        tlsio_sock_store_sessions(t);
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
         * soon as they can; a full socket does not stop reading, until the engine holds more
         * than TLS_ENGINE_SEND_HIGH_WATER unsent (core.h): then it takes no input, and a
         * nonblocking read waits for POLLOUT, so a peer that sends without reading cannot
         * make us queue without limit. A KeyUpdate's answer waits for the next tls_write
         * (RFC 8446 §4.6.3). */
        if (tlsio_sock_flush(t) != 0) {
            if (t->sock_errno) return tlsio_sock_fail(t);
            if (tls_engine_send_pending(t->e) > TLS_ENGINE_SEND_HIGH_WATER) return -1; /* EAGAIN */
        }
        if (tlsio_sock_fill(t) != 0) return t->sock_errno ? tlsio_sock_fail(t) : -1;
    }
}

ssize_t tls_read(tls *t, void *buf, size_t len) {
    if (t == NULL) {
        errno = EINVAL;
        return -1;
    }
    tlsio_sock_begin_call(t);
    t->want = 0;
    t->rd_events = 0;
    if (failed_already(t)) return -1;
    if (buf == NULL && len > 0) return tlsio_sock_misuse(t, "tls_read: the buffer is NULL");
    ssize_t n = do_read(t, buf, len);
    if (n < 0 && errno == EAGAIN) t->rd_events = t->want;
    return n;
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

static ssize_t do_write(tls *t, const void *buf, size_t len) {
    if (ensure_connected(t, 1) != 0) return -1;
    size_t done = 0;
    /* A handshake flight held by this call is not flushed alone: the data is sealed behind it
     * first, so both leave in one send(). */
    int skip_flush = t->hold_flight && len > 0;
    t->hold_flight = 0;
    /* Like send(): a blocking socket takes everything (flush blocks between batches); a
     * nonblocking one takes what fits and then says EAGAIN. Committed bytes count as written
     * even if the socket takes them later: tls_events() then asks for POLLOUT and the next
     * call (or tls_read/tls_close) flushes them first. */
    for (;;) {
        if (!skip_flush && tlsio_sock_flush(t) != 0) {
            if (t->sock_errno) return done ? (ssize_t)done : tlsio_sock_fail(t);
            break; /* EAGAIN */
        }
        skip_flush = 0;
        if (done == len) break;
        if (seal_some(t, buf, len, &done) != 0) return done ? (ssize_t)done : flush_then_fail(t);
    }
    if (done == 0 && len > 0) {
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)done;
}

ssize_t tls_write(tls *t, const void *buf, size_t len) {
    if (t == NULL) {
        errno = EINVAL;
        return -1;
    }
    tlsio_sock_begin_call(t);
    t->want = 0;
    t->wr_events = 0;
    if (failed_already(t)) return -1;
    if (t->closed)
        return tlsio_sock_misuse(t, "tls_write after tls_close: the connection sends no more "
                                    "data (close_notify was sent)");
    if (buf == NULL && len > 0) return tlsio_sock_misuse(t, "tls_write: the buffer is NULL");
    /* The first write after a handshake whose Finished went out alone on a Nagle socket:
     * sent at once, not held until the server acknowledges the Finished. The socket's own
     * setting is restored afterwards. */
    int push = t->push_write && len > 0 && nagle_on(t->fd);
    if (len > 0) t->push_write = 0;
    if (push) set_nodelay(t->fd, 1);
    ssize_t n = do_write(t, buf, len);
    if (push) {
        int saved = errno;
        set_nodelay(t->fd, 0);
        errno = saved;
    }
    if (n < 0 && errno == EAGAIN) t->wr_events = t->want;
    return n;
}

int tls_close(tls *t) {
    if (t == NULL) {
        errno = EINVAL;
        return -1;
    }
    tlsio_sock_begin_call(t);
    t->want = 0;
    t->hs_events = 0;
    if (failed_already(t)) return -1;
    if (!t->closed) {
        t->closed = 1;
        tlsio_sock_store_sessions(t);
        unsigned st = tls_engine_status(t->e);
        if (st & TLS_ST_FAILED) return flush_then_fail(t);
        if (tls_engine_close(t->e) != 0) return flush_then_fail(t);
    }
    if (tlsio_sock_flush(t) != 0) {
        if (t->sock_errno) return tlsio_sock_fail(t);
        if (errno == ETIMEDOUT) return timed_out(t); /* closing an unfinished handshake */
        t->hs_events = t->want;
        return -1;
    }
    return 0;
}

int tls_events(const tls *t) {
    if (t == NULL) {
        errno = EINVAL;
        return 0;
    }
    unsigned st = tls_engine_status(t->e);
    if (t->failed || (st & TLS_ST_FAILED))
        return (st & TLS_ST_HAS_SEND) && t->sock_errno == 0 ? POLLOUT : 0;
    int ev = t->rd_events | t->wr_events | t->hs_events;
    if (st & TLS_ST_HAS_SEND) ev |= POLLOUT;
    if (ev == 0 && (st & TLS_ST_WANT_RECV)) ev = POLLIN;
    return ev;
}

size_t tls_pending(const tls *t) {
    if (t == NULL) {
        errno = EINVAL;
        return 0;
    }
    size_t n = 0;
    (void)tls_engine_read_buf(t->e, &n);
    return n;
}
