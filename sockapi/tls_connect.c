/* Making connections: resolve + connect for clients, accept for servers. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "../core/config.h"
#include "sock.h"

/* Sockets the facade makes send small records at once: TLS writes whole records, so Nagle's
 * algorithm only delays them (a record queued behind an unacknowledged one waits for the
 * peer's delayed ACK, ~40 ms). Not TCP (a Unix socket): nothing to do. The caller may clear
 * it with setsockopt(tls_fd(t), IPPROTO_TCP, TCP_NODELAY, &zero, sizeof zero). */
static void set_nodelay(int fd) {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* connect_within's answer when the time it was given ran out (errno values are positive). */
#define TIME_UP (-1)

/* Waits up to wait_ms for a nonblocking connect on fd to finish: 0, its error, or TIME_UP. */
static int wait_connected(int fd, int64_t wait_ms) {
    int64_t end = tlsio_sock_now_ms() + wait_ms;
    for (;;) {
        int64_t left = end - tlsio_sock_now_ms();
        if (left <= 0) return TIME_UP;
        struct pollfd p = {.fd = fd, .events = POLLOUT, .revents = 0};
        int k = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (k < 0 && errno != EINTR) return errno;
        if (k > 0) {
            int err = 0;
            socklen_t len = sizeof(err);
            return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 ? err : errno;
        }
    }
}

/* Connects fd to ai: 0, an errno, or TIME_UP. wait_ms 0: a plain blocking connect, as long
 * as the kernel tries. Otherwise a nonblocking connect and poll, at most wait_ms; the socket
 * is blocking again afterwards. */
static int connect_within(int fd, const struct addrinfo *ai, int64_t wait_ms) {
    if (wait_ms == 0) return connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) return errno;
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
        err = errno == EINPROGRESS ? wait_connected(fd, wait_ms) : errno;
    if (fcntl(fd, F_SETFL, fl) != 0 && err == 0) err = errno;
    return err;
}

/* How long the next address may take, when a deadline bounds them all: an equal share of
 * the time left among the addresses left. One black-holed address (a stale DNS entry, an
 * IPv6 route that leads nowhere) then cannot use up the time the others need, an address
 * that fails at once (refused, unreachable) leaves its share to the rest, and the last one
 * gets all that is left. 0: the deadline has passed (or there is none: deadline 0). */
static int64_t share_ms(int64_t deadline, int addrs_left) {
    if (deadline == 0) return 0;
    int64_t left = deadline - tlsio_sock_now_ms();
    return left <= 0 ? 0 : (left + addrs_left - 1) / addrs_left;
}

/* Tries every address getaddrinfo gives, in order, until deadline (CLOCK_MONOTONIC ms, 0: no
 * limit; timeout_ms is what it came from, for the sentence); returns a connected socket or
 * -1. */
static int tcp_connect(const char *host, const char *port, int64_t deadline, unsigned timeout_ms,
                       tls_error *why) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        tlsio_sock_set_why(why, -EHOSTUNREACH, "cannot resolve %s port %s: %s", host, port,
                           gai_strerror(rc));
        errno = EHOSTUNREACH;
        return -1;
    }
    int n = 0, tried = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
        n++;
    int fd = -1, last = 0;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        int64_t wait = share_ms(deadline, n - tried);
        if (deadline != 0 && wait == 0) {
            last = TIME_UP;
            break;
        }
        tried++;
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        int err = fd < 0 ? errno : connect_within(fd, ai, wait);
        if (err != 0) {
            last = err;
            if (fd >= 0) close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (last == TIME_UP)
            tlsio_sock_set_why(why, -ETIMEDOUT,
                               "cannot connect to %s port %s: no TCP connection within %u ms "
                               "(%d of %d address%s tried)",
                               host, port, timeout_ms, tried, n, n == 1 ? "" : "es");
        else
            tlsio_sock_set_why(why, -last, "cannot connect to %s port %s: %s", host, port,
                               strerror(last));
        errno = last == TIME_UP ? ETIMEDOUT : last;
        return -1;
    }
    set_nodelay(fd);
    return fd;
}

tls *tls_connect_servername(tls_config *cfg, const char *host, const char *port,
                            const char *servername, tls_error *why) {
    if (cfg == NULL || host == NULL || port == NULL || servername == NULL || !servername[0]) {
        tlsio_sock_set_why(why, TLS_E_USAGE,
                           cfg == NULL                    ? "a config is required"
                           : host == NULL || port == NULL ? "a host and a port are required"
                                                          : "a server name to verify is required");
        errno = EINVAL;
        return NULL;
    }
    /* One deadline for the whole call: name resolution (which cannot be interrupted, but
     * whose time counts), every address's TCP connect, then the handshake. */
    unsigned timeout_ms = cfg->handshake_timeout_ms;
    int64_t deadline = timeout_ms ? tlsio_sock_now_ms() + timeout_ms : 0;
    int fd = tcp_connect(host, port, deadline, timeout_ms, why);
    if (fd < 0) return NULL;
    tls *t = tls_client_fd(cfg, fd, servername, why);
    if (t == NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    if (deadline != 0) t->hs_deadline = deadline;
    if (tls_handshake(t) != 0) {
        int saved = errno;
        tlsio_sock_copy_why(why, tls_error_code(t), tls_error_category(t), tls_error_msg(t));
        tls_free(t);
        errno = saved;
        return NULL;
    }
    if (why != NULL) memset(why, 0, sizeof(*why));
    return t;
}

tls *tls_connect(tls_config *cfg, const char *host, const char *port, tls_error *why) {
    if (cfg != NULL && host == NULL) {
        tlsio_sock_set_why(why, TLS_E_USAGE, "a host and a port are required");
        errno = EINVAL;
        return NULL;
    }
    return tls_connect_servername(cfg, host, port, host, why);
}

tls *tls_accept4(tls_config *cfg, int listen_fd, int flags, tls_error *why) {
    if (cfg == NULL) {
        tlsio_sock_set_why(why, TLS_E_USAGE, "a config is required");
        errno = EINVAL;
        return NULL;
    }
    if ((flags & ~TLS_SOCK_NONBLOCK) != 0) {
        tlsio_sock_set_why(why, TLS_E_USAGE,
                           "tls_accept4: unknown flags 0x%x (only TLS_SOCK_NONBLOCK)",
                           (unsigned)(flags & ~TLS_SOCK_NONBLOCK));
        errno = EINVAL;
        return NULL;
    }
    int fd;
    do {
        fd = accept(listen_fd, NULL, NULL);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int saved = errno;
        tlsio_sock_set_why(why, -saved, "accept: %s", strerror(saved));
        errno = saved;
        return NULL;
    }
    if (flags & TLS_SOCK_NONBLOCK) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
            int saved = errno;
            tlsio_sock_set_why(why, -saved, "fcntl(O_NONBLOCK): %s", strerror(saved));
            close(fd);
            errno = saved;
            return NULL;
        }
    }
    set_nodelay(fd);
    tls *t = tls_server_fd(cfg, fd, why);
    if (t == NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return t;
}

tls *tls_accept(tls_config *cfg, int listen_fd, tls_error *why) {
    return tls_accept4(cfg, listen_fd, 0, why);
}
