/*
 * hs-load: full handshakes against a TLS server on loopback, as fast as the server takes them
 * (docs/performance.md, "tls-server threads"). Keeps INFLIGHT connections going on one poll
 * loop: connect, verified handshake (no session cache: every one is full), close_notify, wait
 * for the server's close, again. Counts the handshakes that complete in SECONDS after a
 * warm-up of WARMUP seconds and prints JSON lines like the other benchmark programs, with the
 * CPU time this process used (to show whether the load generator itself was the limit).
 *
 *   hs-load HOST PORT SERVERNAME CA.pem SECONDS [INFLIGHT=16] [WARMUP=0.5]
 *   hs-load --spin THREADS SECONDS
 *
 * --spin is the yardstick for a machine shared with other work: THREADS threads that only
 * burn CPU, and the cores they got (server_threads.py runs it next to each server run, so a
 * second server thread can be judged against what a second thread could get at all).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tlsio/tls.h>

#define MAX_INFLIGHT 256

enum { ST_IDLE, ST_HANDSHAKE, ST_CLOSING };

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void emit(const char *metric, double value, const char *unit) {
    printf("{\"impl\":\"tlsio\",\"metric\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}\n", metric, value,
           unit);
}

static void *spin(void *arg) {
    double end = now_s() + *(const double *)arg;
    volatile unsigned long x = 0;
    while (now_s() < end)
        for (int i = 0; i < 10000; i++)
            x++;
    return NULL;
}

static int spin_main(int threads, double seconds) {
    pthread_t th[64];
    if (threads < 1 || threads > 64 || seconds <= 0) {
        fprintf(stderr, "hs-load: --spin THREADS (1..64) SECONDS (> 0)\n");
        return 2;
    }
    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < threads; i++)
        if (pthread_create(&th[i], NULL, spin, &seconds) != 0) return 1;
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    emit("spin_cores", (cpu_s() - c0) / (now_s() - t0), "cores");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--spin") == 0) return spin_main(atoi(argv[2]), atof(argv[3]));
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT SERVERNAME CA.pem SECONDS [INFLIGHT] [WARMUP]\n",
                argv[0]);
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        fprintf(stderr, "hs-load: HOST must be an IPv4 address\n");
        return 2;
    }
    const char *name = argv[3];
    double seconds = atof(argv[5]);
    int inflight = argc > 6 ? atoi(argv[6]) : 16;
    double warmup = argc > 7 ? atof(argv[7]) : 0.5;
    if (seconds <= 0 || inflight < 1 || inflight > MAX_INFLIGHT || warmup < 0) {
        fprintf(stderr, "hs-load: SECONDS > 0, INFLIGHT 1..%d, WARMUP >= 0\n", MAX_INFLIGHT);
        return 2;
    }
    tls_config *cfg = tls_config_new();
    if (cfg == NULL || tls_config_add_ca_file(cfg, argv[4]) != 0 ||
        tls_config_set_session_cache(cfg, 0) != 0) {
        fprintf(stderr, "hs-load: %s\n", cfg ? tls_config_error(cfg) : "out of memory");
        return 1;
    }
    tls *conn[MAX_INFLIGHT] = {0};
    int state[MAX_INFLIGHT] = {0};
    struct pollfd pfd[MAX_INFLIGHT];
    long counted = 0, total = 0, failed = 0;
    double start = now_s(), t0 = start + warmup, t1 = t0 + seconds, cpu0 = 0;
    int measuring = 0;
    char buf[4096];
    for (;;) {
        double t = now_s();
        if (!measuring && t >= t0) {
            measuring = 1;
            cpu0 = cpu_s();
        }
        if (t >= t1) break;
        for (int i = 0; i < inflight; i++) {
            if (state[i] != ST_IDLE) continue;
            /* Loopback: a blocking connect completes at once (the server's backlog is 1024). */
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
                fprintf(stderr, "hs-load: connect: %s\n", strerror(errno));
                return 1;
            }
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            tls_error why;
            conn[i] = tls_client_fd(cfg, fd, name, &why);
            if (conn[i] == NULL) {
                fprintf(stderr, "hs-load: %s\n", why.msg);
                return 1;
            }
            state[i] = ST_HANDSHAKE;
        }
        int np = 0;
        for (int i = 0; i < inflight; i++) {
            int done = 0;
            if (state[i] == ST_HANDSHAKE) {
                if (tls_handshake(conn[i]) == 0) {
                    total++;
                    if (measuring) counted++;
                    state[i] = ST_CLOSING;
                } else if (errno != EAGAIN) {
                    if (failed++ < 5)
                        fprintf(stderr, "hs-load: handshake: %s\n", tls_error_msg(conn[i]));
                    done = 1;
                }
            }
            if (state[i] == ST_CLOSING) {
                /* close_notify, then read until the server's answer or its FIN: the server
                 * closes first, so the TIME_WAIT states stay on its side. */
                if (tls_close(conn[i]) != 0 && errno != EAGAIN) {
                    done = 1;
                } else {
                    ssize_t n;
                    while ((n = tls_read(conn[i], buf, sizeof buf)) > 0) {
                    }
                    if (n == 0 || errno != EAGAIN) done = 1;
                }
            }
            if (done) {
                tls_free(conn[i]);
                conn[i] = NULL;
                state[i] = ST_IDLE;
                continue;
            }
            pfd[np++] =
                (struct pollfd){.fd = tls_fd(conn[i]), .events = (short)tls_events(conn[i])};
        }
        int wait_ms = (int)((t1 - now_s()) * 1000) + 1;
        if (np > 0 && poll(pfd, (nfds_t)np, wait_ms > 100 ? 100 : wait_ms) < 0 && errno != EINTR) {
            perror("hs-load: poll");
            return 1;
        }
    }
    double cpu = cpu_s() - cpu0;
    for (int i = 0; i < inflight; i++)
        tls_free(conn[i]);
    tls_config_free(cfg);
    emit("hs_per_s", (double)counted / seconds, "1/s");
    emit("handshakes_total", (double)total, "count");
    emit("failed", (double)failed, "count");
    emit("client_cpu_share", cpu / seconds, "cores");
    return failed > 0 && total == 0 ? 1 : 0;
}
