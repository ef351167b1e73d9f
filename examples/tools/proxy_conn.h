/* One proxied connection: a client side and a backend side, one of them TLS, and the bytes
 * between them in two bounded buffers. The pump moves what it can without blocking; the poll
 * loop (proxy_loop.c) asks it what to wait for and when its timers run out. */
#ifndef TLSIO_PROXY_CONN_H
#define TLSIO_PROXY_CONN_H

#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy_side.h"

/* The most bytes held per direction: a side is not read while the other has not taken what
 * was read from it (backpressure), so a connection holds at most 2 x PROXY_BUF here, plus
 * what tlsio queues (docs/guide-nonblocking-poll.md). An idle connection holds none. */
#define PROXY_BUF 16384

/* The most bytes one conn_pump call reads per direction. Without a limit one connection whose
 * two peers keep up could keep its pump running and starve the others, the timers and the
 * signals; what is left (maybe decrypted already, invisible to poll) is taken at the next
 * round: conn_hot says so. */
#define PROXY_BUDGET (256 * 1024)

/* Once both directions have ended, the client's input is read and dropped until it ends too,
 * for at most this long and this many bytes: closing a socket with unread input sends a TCP
 * reset (RFC 1122 §4.2.2.13; Linux does), which can destroy our close_notify or the end of
 * an answer still on the way to the client. tls-server's close_gently does the same. */
#define PROXY_LINGER_MS    1000
#define PROXY_LINGER_BYTES (256 * 1024)

/* What every connection of a proxy shares (read-only once the loops run). */
typedef struct proxy_settings {
    int originate; /* 0: TLS from clients, TCP to the backend; 1: TCP in, TLS out */
    struct sockaddr_storage backend;
    socklen_t backend_len;
    char backend_name[300]; /* HOST:PORT as given, for messages */
    const char *servername; /* originate: the name verified and sent as SNI */
    int proxy_protocol;     /* a PROXY v2 header goes to the backend first */
    int handshake_ms;       /* connect + handshake must finish within this (0: no limit) */
    int idle_ms;            /* 0: no idle limit */
    int drain_ms;           /* at shutdown: how long open connections may finish */
} proxy_settings;

typedef struct proxy_dir {
    char *buf;       /* PROXY_BUF bytes while a transfer is under way, else NULL */
    size_t off, len; /* buf[off..len): read from the source, not yet taken by the other side */
    uint64_t bytes;  /* delivered to the other side */
} proxy_dir;

typedef struct proxy_conn {
    proxy_side side[2]; /* [0] the client's (accepted), [1] the backend's (our connect) */
    proxy_dir dir[2];   /* [0] client -> backend, [1] backend -> client */
    const proxy_settings *set;
    tls_config *cfg;                     /* originate: wraps side[1] once it is connected */
    struct sockaddr_storage peer, local; /* the client's address, and ours it connected to */
    socklen_t peer_len, local_len;
    int64_t start_ms, last_ms, stop_ms; /* stop_ms: drain deadline after conn_stop, else 0 */
    int64_t open_ms;                    /* when both sides were open (0: not yet) */
    const char *end; /* how it ended, a word (NULL while nothing went wrong: "clean") */
    char why[256];   /* and why, one sentence */
    uint8_t pre[64]; /* originate: the PROXY header for the upstream, before its ClientHello */
    size_t pre_off, pre_len;
    size_t pp2_len;     /* terminate: the PROXY header's bytes at the head of dir[0] */
    int hot;            /* the last pump stopped at PROXY_BUDGET: pump again without waiting */
    int64_t linger_ms;  /* both directions ended: the client's input is dropped until then */
    size_t linger_left; /* ... or until this many more bytes have come */
} proxy_conn;

/* A connection for the accepted socket fd (nonblocking, owned from now on) from peer: the
 * backend connect starts at once. NULL if out of memory or no socket (fd closed, why set). */
proxy_conn *conn_new(const proxy_settings *set, tls_config *cfg, int fd,
                     const struct sockaddr *peer, socklen_t peer_len, int64_t now, char *why,
                     size_t why_len);
/* Moves everything it can. 0: keep polling, 1: finished (log it, then conn_free). */
int conn_pump(proxy_conn *c, int64_t now);
/* 1 if the connection has input to take now, which poll may not show (conn_pump it next
 * round, whatever poll says, and do not sleep in poll meanwhile). */
int conn_hot(const proxy_conn *c);
/* What to poll for: pfd[0] the client side, pfd[1] the backend side (fd -1: nothing). */
void conn_events(const proxy_conn *c, struct pollfd pfd[2]);
/* When a timer of the connection runs out (monotonic ms), or INT64_MAX. */
int64_t conn_deadline(const proxy_conn *c);
/* 1 if a timer has run out by now: the connection is aborted and finished. */
int conn_expire(proxy_conn *c, int64_t now);
/* Shutdown: what the client sends is read and dropped from now on, and the backend gets a
 * FIN once it has what was read before; the backend's answer is delivered to its end, then
 * the client gets close_notify (or FIN). What has not ended by the drain deadline is reset. */
void conn_stop(proxy_conn *c, int64_t now);
/* The TLS side (either may be), or NULL before it exists. */
const tls *conn_tls(const proxy_conn *c);
void conn_free(proxy_conn *c);

#endif
