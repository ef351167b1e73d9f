/*
 * poll_echo_server: a single-threaded TLS echo server on nonblocking sockets and poll().
 *
 *   poll_echo_server CERT.pem KEY.pem [PORT]      (listens on 127.0.0.1; PORT 0 = any free)
 *
 * The two rules of nonblocking tlsio (docs/guide-nonblocking-poll.md):
 *   1. After -1/EAGAIN, wait for tls_events(t), not for what you were doing: a read may need
 *      the socket to be writable (a handshake or KeyUpdate message to send) and vice versa.
 *   2. poll() cannot see bytes tlsio already decrypted (tls_pending). After a wake-up, call
 *      tls_read until it returns -1/EAGAIN; only then go back to poll().
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <tlsio/tls.h>

#define MAX_CLIENTS 64

typedef struct client {
    tls *t;          /* NULL: free slot */
    char buf[16384]; /* bytes read but not yet echoed back */
    size_t off, len; /* buf[off..len) still to send */
} client;

/*
 * Does everything the connection allows without blocking: echo what is buffered, read more,
 * repeat until tls_read or tls_write says EAGAIN. Returns 0 to keep the client, -1 to drop it.
 */
static int pump(client *c) {
    for (;;) {
        if (c->off < c->len) { /* echo first: do not read more than we can send back */
            ssize_t n = tls_write(c->t, c->buf + c->off, c->len - c->off);
            if (n < 0) break;
            c->off += (size_t)n;
            continue;
        }
        ssize_t n = tls_read(c->t, c->buf, sizeof(c->buf));
        if (n < 0) break;
        if (n == 0) { /* close_notify from the client: send ours, then drop it */
            (void)tls_close(c->t);
            return -1;
        }
        c->off = 0;
        c->len = (size_t)n;
    }
    if (errno == EAGAIN) return 0; /* poll() for tls_events(c->t) and come back */
    fprintf(stderr, "client %d: %s\n", tls_fd(c->t), tls_error_msg(c->t));
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: poll_echo_server CERT.pem KEY.pem [PORT]\n");
        return 2;
    }
    tls_config *cfg = tls_config_new();
    if (cfg == NULL || tls_config_add_cert_file(cfg, argv[1], argv[2]) != 0) {
        fprintf(stderr, "poll_echo_server: %s\n", cfg ? tls_config_error(cfg) : "out of memory");
        return 1;
    }

    /* A nonblocking listening socket on 127.0.0.1. */
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)(argc == 4 ? atoi(argv[3]) : 0)),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(addr);
    int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0 ||
        fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) != 0) {
        perror("poll_echo_server: listen");
        return 1;
    }
    printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);

    client *clients = calloc(MAX_CLIENTS, sizeof(*clients));
    struct pollfd fds[1 + MAX_CLIENTS];
    if (clients == NULL) return 1;
    for (;;) {
        /* fds[0] is the listener (while a slot is free); fds[1 + i] is client i, waiting
         * for what tlsio asks. A negative fd is skipped by poll(). */
        int slot = 0;
        while (slot < MAX_CLIENTS && clients[slot].t != NULL)
            slot++;
        fds[0] = (struct pollfd){.fd = slot < MAX_CLIENTS ? lfd : -1, .events = POLLIN};
        for (int i = 0; i < MAX_CLIENTS; i++) {
            fds[1 + i].fd = clients[i].t ? tls_fd(clients[i].t) : -1;
            fds[1 + i].events = clients[i].t ? (short)tls_events(clients[i].t) : 0;
            fds[1 + i].revents = 0;
        }
        if (poll(fds, 1 + MAX_CLIENTS, -1) < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            return 1;
        }

        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].t == NULL || fds[1 + i].revents == 0) continue;
            if (pump(&clients[i]) != 0) {
                tls_free(clients[i].t); /* also closes the socket */
                clients[i].t = NULL;
            }
        }

        if (fds[0].revents & POLLIN) { /* slot is free: the listener was polled */
            tls_error why;
            /* The accepted socket is made nonblocking before any I/O (and gets TCP_NODELAY). */
            tls *t = tls_accept4(cfg, lfd, TLS_SOCK_NONBLOCK, &why);
            if (t == NULL) continue; /* EAGAIN: the client gave up before we got to it */
            clients[slot] = (client){.t = t};
            /* Start the handshake now; the ClientHello may already be there. */
            if (pump(&clients[slot]) != 0) {
                tls_free(t);
                clients[slot].t = NULL;
            }
        }
    }
}
