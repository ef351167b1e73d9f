/* Making connections: resolve + connect for clients, accept for servers. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "sock.h"

/* Tries every address getaddrinfo gives, in order; returns a connected socket or -1. */
static int tcp_connect(const char *host, const char *port, tls_error *why) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        tlsio_sock_set_why(why, -EHOSTUNREACH, TLS_ERRCAT_TRANSPORT,
                           "cannot resolve %s port %s: %s", host, port, gai_strerror(rc));
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
        tlsio_sock_set_why(why, -last, TLS_ERRCAT_TRANSPORT, "cannot connect to %s port %s: %s",
                           host, port, strerror(last));
        errno = last;
    }
    return fd;
}

tls *tls_connect(tls_config *cfg, const char *host, const char *port, tls_error *why) {
    if (host == NULL || port == NULL) {
        tlsio_sock_set_why(why, TLS_E_USAGE, TLS_ERRCAT_USAGE, "a host and a port are required");
        errno = EINVAL;
        return NULL;
    }
    int fd = tcp_connect(host, port, why);
    if (fd < 0) return NULL;
    tls *t = tls_client_fd(cfg, fd, host, why);
    if (t == NULL) {
        close(fd);
        return NULL;
    }
    if (tls_handshake(t) != 0) {
        int saved = errno;
        tlsio_sock_set_why(why, tls_error_code(t), tls_error_category(t), "%s", tls_error_msg(t));
        tls_free(t);
        errno = saved;
        return NULL;
    }
    if (why != NULL) memset(why, 0, sizeof(*why));
    return t;
}

tls *tls_accept(tls_config *cfg, int listen_fd, tls_error *why) {
    int fd;
    do {
        fd = accept(listen_fd, NULL, NULL);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int saved = errno;
        tlsio_sock_set_why(why, -saved, TLS_ERRCAT_TRANSPORT, "accept: %s", strerror(saved));
        errno = saved;
        return NULL;
    }
    tls *t = tls_server_fd(cfg, fd, why);
    if (t == NULL) close(fd);
    return t;
}
