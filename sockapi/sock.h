/* The socket facade's connection object (internal). */
#ifndef TLSIO_SOCK_H
#define TLSIO_SOCK_H

#include <tlsio/tls.h>

struct tls {
    tls_engine *e;
    int fd;
    int events;     /* POLLIN/POLLOUT wanted after the last EAGAIN */
    int sock_errno; /* a socket error that ended the connection, 0 if none */
    int closed;     /* tls_close called */
};

/* Moves bytes between the engine and the socket. Each returns 0 when it did all it could
 * without blocking, or -1 with errno (EAGAIN: t->events says what to wait for). */
int tlsio_sock_flush(tls *t);
int tlsio_sock_fill(tls *t);
/* errno for an engine failure: EPROTO, ECONNRESET (truncation) or the socket's error. */
int tlsio_sock_fail(tls *t);

/* Builds a connection around fd (adopted). */
tls *tlsio_sock_new(tls_config *cfg, int fd, const char *servername, int server, tls_error *why);
void tlsio_sock_set_why(tls_error *why, int code, int category, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
