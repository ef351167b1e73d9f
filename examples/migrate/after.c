/*
 * before.c moved to TLS: sends one line, then prints everything the server answers until it
 * closes the connection. The server's certificate is verified against the system trust store
 * ($SSL_CERT_FILE if set) and must name HOST.
 *
 *   after HOST PORT MESSAGE
 *
 * See README.md for the diff from before.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <tlsio/tls.h>

/* Connects to host:port over TCP (every address in turn); returns the socket or -1. */
static int tcp_connect(const char *host, const char *port) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
    int fd = -1;
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT MESSAGE\n", argv[0]);
        return 2;
    }
    int fd = tcp_connect(argv[1], argv[2]);
    if (fd < 0) {
        fprintf(stderr, "cannot connect to %s port %s\n", argv[1], argv[2]);
        return 1;
    }
    /* From here on it is TLS: t owns fd, and the handshake (with verification of the
     * server's certificate for argv[1]) runs inside the first tls_write or tls_read. */
    tls_config *cfg = tls_config_new(); /* safe defaults, system trust store */
    tls_error why;
    tls *t = tls_client_fd(cfg, fd, argv[1], &why);
    if (t == NULL) {
        fprintf(stderr, "%s\n", why.msg);
        tls_config_free(cfg);
        return 1;
    }

    char line[1024], buf[4096];
    ssize_t n = -1;
    int len = snprintf(line, sizeof(line), "%s\n", argv[3]);
    if (len < 0 || (size_t)len >= sizeof(line) || tls_write(t, line, (size_t)len) != len) {
        fprintf(stderr, "tls_write: %s\n", tls_error_msg(t));
    } else {
        tls_close(t); /* nothing more to say: the server sees close_notify */
        while ((n = tls_read(t, buf, sizeof(buf))) > 0)
            fwrite(buf, 1, (size_t)n, stdout);
        if (n < 0) fprintf(stderr, "tls_read: %s\n", tls_error_msg(t));
    }

    tls_free(t); /* closes fd */
    tls_config_free(cfg);
    return n < 0 ? 1 : 0;
}
