/*
 * idle-client: opens N verified TLS connections to HOST:PORT (loopback benchmark), keeps at
 * most WINDOW handshakes in flight, then holds every connection open and idle until stdin
 * closes or it is killed. Prints "established <n> failed <m>" when all have finished.
 *
 *   idle-client HOST PORT SERVERNAME CA.pem N [WINDOW]
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

enum { ST_FREE, ST_HANDSHAKE, ST_IDLE, ST_FAILED };

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT SERVERNAME CA.pem N [WINDOW]\n", argv[0]);
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        fprintf(stderr, "idle-client: HOST must be an IPv4 address\n");
        return 2;
    }
    const char *name = argv[3];
    int n = atoi(argv[5]), window = argc > 6 ? atoi(argv[6]) : 128;
    tls_config *cfg = tls_config_new();
    if (tls_config_set_versions(cfg, TLS_VERSION_1_3, TLS_VERSION_1_3) != 0 ||
        tls_config_add_ca_file(cfg, argv[4]) != 0) {
        fprintf(stderr, "idle-client: %s\n", tls_config_error(cfg));
        return 1;
    }
    tls **conns = calloc((size_t)n, sizeof *conns);
    int *state = calloc((size_t)n, sizeof *state);
    struct pollfd *pfd = calloc((size_t)window, sizeof *pfd);
    int *idx = calloc((size_t)window, sizeof *idx);
    if (!conns || !state || !pfd || !idx) return 1;
    int started = 0, done = 0, ok = 0, failed = 0, inflight = 0;
    while (done < n) {
        /* Start new connections up to the window. */
        while (inflight < window && started < n) {
            int i = started++;
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
                fprintf(stderr, "idle-client: connection %d: %s\n", i, strerror(errno));
                if (fd >= 0) close(fd);
                state[i] = ST_FAILED;
                failed++, done++;
                if (errno == EMFILE || errno == ENFILE) n = started; /* the fd limit */
                continue;
            }
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            tls_error why;
            conns[i] = tls_client_fd(cfg, fd, name, &why);
            if (conns[i] == NULL) {
                fprintf(stderr, "idle-client: %s\n", why.msg);
                close(fd);
                state[i] = ST_FAILED;
                failed++, done++;
                continue;
            }
            state[i] = ST_HANDSHAKE;
            inflight++;
        }
        /* Advance every handshake in flight; wait for the ones that cannot move. */
        int np = 0;
        for (int i = 0; i < started && np < window; i++) {
            if (state[i] != ST_HANDSHAKE) continue;
            if (tls_handshake(conns[i]) == 0) {
                state[i] = ST_IDLE;
                ok++, done++, inflight--;
                continue;
            }
            if (errno != EAGAIN) {
                fprintf(stderr, "idle-client: handshake %d: %s\n", i, tls_error_msg(conns[i]));
                tls_free(conns[i]);
                conns[i] = NULL;
                state[i] = ST_FAILED;
                failed++, done++, inflight--;
                continue;
            }
            pfd[np] =
                (struct pollfd){.fd = tls_fd(conns[i]), .events = (short)tls_events(conns[i])};
            idx[np++] = i;
        }
        if (np > 0 && poll(pfd, (nfds_t)np, 1000) < 0 && errno != EINTR) {
            perror("poll");
            return 1;
        }
    }
    printf("established %d failed %d\n", ok, failed);
    fflush(stdout);
    /* Hold the connections idle until told to stop. */
    char c;
    while (read(0, &c, 1) > 0) {
    }
    for (int i = 0; i < n; i++)
        if (conns[i]) tls_free(conns[i]);
    free(conns);
    free(state);
    free(pfd);
    free(idx);
    tls_config_free(cfg);
    return 0;
}
