/* The two kinds of proxy side behind one interface: TLS (tlsio) and plain TCP. */
#define _POSIX_C_SOURCE 200809L
#include "proxy_side.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

ssize_t side_read(proxy_side *s, void *buf, size_t n) {
    if (s->t != NULL) return tls_read(s->t, buf, n);
    ssize_t k = recv(s->fd, buf, n, 0);
    if (k < 0 && errno == EWOULDBLOCK) errno = EAGAIN;
    return k;
}

ssize_t side_write(proxy_side *s, const void *buf, size_t n) {
    if (s->t != NULL) return tls_write(s->t, buf, n);
    /* MSG_NOSIGNAL: a peer that has gone is an EPIPE here, not a SIGPIPE. */
    ssize_t k = send(s->fd, buf, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EWOULDBLOCK) errno = EAGAIN;
    return k;
}

int side_shut(proxy_side *s) {
    if (s->t != NULL) return tls_close(s->t);
    return shutdown(s->fd, SHUT_WR);
}

short side_events(const proxy_side *s, int want_in, int want_out) {
    if (s->state == SIDE_DEAD) return 0;
    /* connect() finished, either way; or room for the rest of the preface */
    if (s->state == SIDE_CONNECTING || s->state == SIDE_PREFACE) return POLLOUT;
    if (s->t == NULL) return (short)((want_in ? POLLIN : 0) | (want_out ? POLLOUT : 0));
    int ev = tls_events(s->t);
    /* Once open, tlsio reports POLLIN for any idle connection; a pump that is not reading
     * (its buffer for the other side is full) must not be woken by input it will leave. */
    if (s->state == SIDE_OPEN && !want_in) ev &= ~POLLIN;
    return (short)ev;
}

const char *side_error(const proxy_side *s, int err) {
    if (s->t != NULL && tls_error_msg(s->t)[0] != '\0') return tls_error_msg(s->t);
    return strerror(err);
}

void side_free(proxy_side *s) {
    if (s->fd >= 0 && s->reset) {
        /* Closing with linger 0 is TCP's ABORT (RFC 9293 §3.10.5), a RST rather than a FIN, so the
         * peer cannot take a cut-off stream for a complete one. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    if (s->t != NULL)
        tls_free(s->t); /* closes fd */
    else if (s->fd >= 0)
        close(s->fd);
    s->t = NULL;
    s->fd = -1;
}
