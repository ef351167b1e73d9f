/* The socket facade's connection object (internal). */
#ifndef TLSIO_SOCK_H
#define TLSIO_SOCK_H

#include <tlsio/tls.h>

#include "../core/err.h"
#include "session_cache.h"

struct tls {
    tls_engine *e;
    tls_config *cfg; /* the engine's config (the engine holds the reference) */
    int fd;
    int want; /* what the last flush/fill that said EAGAIN waits for (POLLIN/POLLOUT) */
    /* What each kind of call waits for after its last EAGAIN (0 once it succeeds): reads,
     * writes, and handshake/close. tls_events() reports their union, so a program that
     * reads and writes at once hears about input while its output is blocked. */
    int rd_events, wr_events, hs_events;
    int sock_errno; /* a socket error that ended the connection, 0 if none */
    int is_server;
    int closed;      /* tls_close called */
    int hold_flight; /* what the handshake left queued (client: its Finished; server: its
                        tickets) waits for this tls_write's data */
    int push_write;  /* client, Nagle socket: the first tls_write goes out past Nagle */
    /* The first failure stays for the life of the connection: its errno, and its code,
     * category and sentence (heap, made when it happens: a connection that never fails
     * does not pay for it; NULL if that allocation failed). */
    int failed, fail_errno;
    tls_error *fail;
    const char *misuse; /* why the last call was refused for misuse (constant), or NULL:
                           describes that call only (tlsio_sock_begin_call) */
    char *peer_hash;    /* "SHA256:" + hex of the peer leaf's fingerprint (heap), or NULL */
    /* Client: the session cache key (server name and port, session_cache.h); "" when the
     * config has no cache. stored: sessions this connection moved into the cache. */
    char cache_key[TLSIO_SESSION_KEY_MAX];
    size_t stored;
    /* The handshake deadline (handshake_deadline.c): CLOCK_MONOTONIC ms by which it must be
     * complete, 0 for none (no limit, or the handshake is over), and the limit it came from
     * (for the error sentence). */
    int64_t hs_deadline;
    unsigned hs_timeout_ms;
    /* When the current call first waited on a blocking socket (blocking_wait.c), 0 if it has
     * not: the socket's SO_RCVTIMEO/SO_SNDTIMEO bounds the call from there. */
    int64_t wait_start;
};

/* Client: moves the tickets the engine holds into the config's cache (nothing after a fatal
 * alert, on a server, or without a cache). Called whenever the engine may have received
 * one: after the handshake, during tls_read, at tls_close and tls_free. */
void tlsio_sock_store_sessions(tls *t);
/* Whether t's sessions may be resumed: not after a fatal alert, sent or received (RFC 5246
 * §7.2.2); after a close without close_notify or a socket error they may (RFC 5246 §7.2.1:
 * since TLS 1.1 an improper close no longer forbids resumption). */
int tlsio_sock_sessions_usable(const tls *t);

/* Moves bytes between the engine and the socket. Each returns 0 when it did all it could,
 * or -1 with errno: EAGAIN (t->want says what to wait for) when a nonblocking socket would
 * block or a blocking socket's own timeout ran out, ETIMEDOUT when the handshake deadline
 * did, or the socket's error (then also in t->sock_errno). On a blocking socket they wait in
 * tlsio_sock_wait, never in the kernel's send/recv. */
int tlsio_sock_flush(tls *t);
int tlsio_sock_fill(tls *t);
/* Records the connection's first failure (an engine failure, or the socket's error) and
 * sets errno to it (EPROTO, ECONNRESET for truncation, EINVAL for TLS_E_USAGE, or the
 * socket's error); returns -1. Later failures never replace the first. */
int tlsio_sock_fail(tls *t);
/* Refuses one call for misuse: errno EINVAL and the sentence (a constant) for
 * tls_error_msg; -1. */
int tlsio_sock_misuse(tls *t, const char *sentence);
/* Every call that acts on a connection (tls_read, tls_write, tls_handshake, tls_close,
 * tls_export_keying_material) starts here: a refused misuse describes the call that was
 * refused, so the next call forgets it; refused again, it records its own. A failure is kept
 * apart (t->failed, t->fail) and stays. The getters take a const tls and forget nothing. */
static inline void tlsio_sock_begin_call(tls *t) {
    t->misuse = NULL;
    t->wait_start = 0;
}

/* The handshake deadline (handshake_deadline.c). The facade's clock: CLOCK_MONOTONIC in ms. */
int64_t tlsio_sock_now_ms(void);
/* Sets t's deadline timeout_ms from now (0: none). */
void tlsio_sock_deadline_start(tls *t, unsigned timeout_ms);
/* 1 if t has a deadline and it has passed. */
int tlsio_sock_deadline_passed(const tls *t);
/* A blocking socket's wait (blocking_wait.c): in poll until t's socket is ready for events
 * (POLLIN/POLLOUT), at most until the handshake deadline and until the socket's own
 * SO_RCVTIMEO/SO_SNDTIMEO, counted from the call's first wait, runs out. 0 when ready; -1
 * with errno EAGAIN at once on a nonblocking socket, or when the socket's own timeout ran
 * out first (as recv/send would say), ETIMEDOUT when the deadline did. */
int tlsio_sock_wait(tls *t, short events);
/* Why t failed its deadline, in one sentence naming the peer and the limit ("the TLS
 * handshake with 127.0.0.1 port 4433 did not complete within 5000 ms"). */
void tlsio_sock_timeout_sentence(const tls *t, char *out, size_t cap);

/* Builds a connection around fd (adopted). */
tls *tlsio_sock_new(tls_config *cfg, int fd, const char *servername, int server, tls_error *why);
/* Fills why (if not NULL) with code, its category (tlsio_err_category, core/err.h: the one
 * place that maps a code to a category) and the sentence. */
void tlsio_sock_set_why(tls_error *why, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copies an error whose category is decided already (a connection's or the engine's, which
 * may be PEER_ALERT or CERTIFICATE). */
void tlsio_sock_copy_why(tls_error *why, int code, int category, const char *msg);

#endif
