/* How the facade waits on a blocking socket. Its send and recv never block in the kernel
 * (MSG_DONTWAIT): a blocking socket that has nothing to give waits here, in poll, so that
 * one budget bounds the whole call. A kernel wait would restart the socket's SO_RCVTIMEO or
 * SO_SNDTIMEO on every recv or send, and one tls_read may need many of them (a record split
 * over segments): a peer that trickles a byte at a time could then hold a read for hours. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "sock.h"

/* The socket's own timeout for this direction (SO_RCVTIMEO, SO_SNDTIMEO) in ms, rounded up;
 * 0 when it has none. */
static int64_t socket_timeout_ms(int fd, short events) {
    struct timeval tv = {0, 0};
    socklen_t len = sizeof(tv);
    int opt = (events & POLLIN) ? SO_RCVTIMEO : SO_SNDTIMEO;
    if (getsockopt(fd, SOL_SOCKET, opt, &tv, &len) != 0) return 0;
    return (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
}

/* The end of this wait, and whether it is the handshake deadline's (else the socket's own
 * timeout's); INT64_MAX when neither limits it. The socket's timeout counts from the call's
 * first wait, as a blocking recv's counts from its start: the call returns within it. */
static int64_t wait_end(tls *t, short events, int64_t now, int *by_deadline) {
    if (t->wait_start == 0) t->wait_start = now;
    int64_t own = socket_timeout_ms(t->fd, events);
    int64_t own_end = own != 0 ? t->wait_start + own : INT64_MAX;
    int64_t hs_end = t->hs_deadline != 0 ? t->hs_deadline : INT64_MAX;
    *by_deadline = hs_end <= own_end;
    return *by_deadline ? hs_end : own_end;
}

int tlsio_sock_wait(tls *t, short events) {
    int fl = fcntl(t->fd, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK)) { /* a nonblocking socket: the caller polls */
        errno = EAGAIN;
        return -1;
    }
    int64_t now = tlsio_sock_now_ms();
    int by_deadline = 0;
    int64_t end = wait_end(t, events, now, &by_deadline);
    for (;;) {
        int timeout = -1;
        if (end != INT64_MAX) {
            int64_t left = end - now;
            if (left <= 0) {
                errno = by_deadline ? ETIMEDOUT : EAGAIN;
                return -1;
            }
            timeout = left > INT_MAX ? INT_MAX : (int)left;
        }
        struct pollfd p = {.fd = t->fd, .events = events, .revents = 0};
        int k = poll(&p, 1, timeout);
        if (k > 0) return 0; /* ready, or an error or hang-up the next send/recv reports */
        if (k < 0 && errno != EINTR) {
            if (t->sock_errno == 0) t->sock_errno = errno;
            return -1;
        }
        now = tlsio_sock_now_ms(); /* a signal, or the time is up: look again */
    }
}
