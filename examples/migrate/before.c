/*
 * A plain TCP client: sends one line, then prints everything the server answers until it
 * closes the connection.
 *
 *   before HOST PORT MESSAGE
 *
 * after.c is the same program over TLS; see README.md for the diff.
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

    char line[1024], buf[4096];
    ssize_t n = -1;
    int len = snprintf(line, sizeof(line), "%s\n", argv[3]);
    if (len < 0 || (size_t)len >= sizeof(line) || send(fd, line, (size_t)len, 0) != len) {
        perror("send");
    } else {
        shutdown(fd, SHUT_WR); /* nothing more to say: the server sees end of input */
        while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
            fwrite(buf, 1, (size_t)n, stdout);
        if (n < 0) perror("recv");
    }

    close(fd);
    return n < 0 ? 1 : 0;
}
