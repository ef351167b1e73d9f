/* One end of a proxied connection: a TLS connection (tlsio's nonblocking facade) or a plain
 * TCP socket, behind one set of calls so that the pump (proxy_conn.c) never asks which. */
#ifndef TLSIO_PROXY_SIDE_H
#define TLSIO_PROXY_SIDE_H

#include <sys/types.h>
#include <tlsio/tls.h>

enum side_state {
    SIDE_CONNECTING, /* our outbound connect() is in progress (the socket is fd) */
    SIDE_PREFACE,    /* connected; a plain preface (the PROXY header) goes out before TLS */
    SIDE_HANDSHAKE,  /* a TLS side whose handshake is running */
    SIDE_OPEN,       /* data may flow */
    SIDE_DEAD        /* never connected: nothing is read from or written to it */
};

typedef struct proxy_side {
    tls *t;     /* a TLS side once wrapped, else NULL */
    int fd;     /* the socket (a TLS side's own, tls_fd(t), once wrapped) */
    int is_tls; /* this side speaks TLS (it may still be connecting, t NULL) */
    int state;  /* enum side_state */
    int eof;    /* its input ended cleanly: TCP FIN, or close_notify on a TLS side */
    int shut;   /* our output to it ended: SHUT_WR sent, or close_notify sent and flushed */
    int reset;  /* close it with a TCP reset (SO_LINGER 0): the stream did not end cleanly */
} proxy_side;

/* Reads up to n bytes: a count, 0 at a clean end (FIN; close_notify on TLS), or -1 with
 * errno (EAGAIN: nothing now; ECONNRESET on TLS: the stream ended without close_notify). */
ssize_t side_read(proxy_side *s, void *buf, size_t n);
/* Writes up to n bytes: a count, or -1 with errno (EAGAIN: full). */
ssize_t side_write(proxy_side *s, const void *buf, size_t n);
/* Ends our output: close_notify (RFC 8446 §6.1) on TLS, SHUT_WR on TCP. 0, or -1 with
 * errno (EAGAIN: call again when side_events says so). */
int side_shut(proxy_side *s);
/* What to poll the socket for. want_in: the pump would read if input came; want_out: it
 * has bytes for this side. 0: nothing to wait for. */
short side_events(const proxy_side *s, int want_in, int want_out);
/* One sentence: why the last call on this side failed (errno is the caller's). */
const char *side_error(const proxy_side *s, int err);
/* Closes the side (a reset if s->reset) and frees what it holds. */
void side_free(proxy_side *s);

#endif
