/* Making connections: resolve + connect for clients, accept for servers. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "sock.h"

/* Sockets the facade makes send small records at once: TLS writes whole records, so Nagle's
 * algorithm only delays them (a record queued behind an unacknowledged one waits for the
 * peer's delayed ACK, ~40 ms). Not TCP (a Unix socket): nothing to do. The caller may clear
 * it with setsockopt(tls_fd(t), IPPROTO_TCP, TCP_NODELAY, &zero, sizeof zero). */
static void set_nodelay(int fd) {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Tries every address getaddrinfo gives, in order; returns a connected socket or -1. */
static int tcp_connect(const char *host, const char *port, tls_error *why) {
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
    int fd = -1, last = 0;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            last = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        tlsio_sock_set_why(why, -last, "cannot connect to %s port %s: %s", host, port,
                           strerror(last));
        errno = last;
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
    int fd = tcp_connect(host, port, why);
    if (fd < 0) return NULL;
    tls *t = tls_client_fd(cfg, fd, servername, why);
    if (t == NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }
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
