/*
 * hs-load: TLS connections against a server on loopback, as fast as the server takes them
 * (docs/performance.md, "tls-server threads" and "tls-proxy"). Keeps INFLIGHT connections
 * going on one poll loop: connect, verified handshake, optionally one byte there and back
 * (--request: through a proxy, that is the backend's answer), close_notify, wait for the
 * server's close, again. Counts the connections that complete in SECONDS after a warm-up of
 * WARMUP seconds and prints JSON lines like the other benchmark programs, with the CPU time
 * this process used (to show whether the load generator itself was the limit).
 *
 *   hs-load [--resume] [--request] HOST PORT SERVERNAME CA.pem SECONDS [INFLIGHT=16] [WARMUP=0.5]
 *   hs-load --bulk BYTES HOST PORT SERVERNAME CA.pem
 *   hs-load --spin THREADS SECONDS
 *
 * Without --resume every handshake is full (no session cache); with it the config's session
 * cache offers the tickets earlier connections received, and "resumed_share" says how many
 * of the counted handshakes resumed. --bulk makes one connection, sends one byte and reads
 * BYTES bytes (a backend that streams to each new connection), and reports MB/s.
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

enum { ST_IDLE, ST_HANDSHAKE, ST_REQUEST, ST_ANSWER, ST_CLOSING };

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

/* What the command line asks for. */
typedef struct options {
    int resume, request;
    double bulk; /* bytes; 0: not the bulk mode */
    struct sockaddr_in sa;
    const char *name, *ca;
    double seconds, warmup;
    int inflight;
} options;

static int usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--resume] [--request] HOST PORT SERVERNAME CA.pem SECONDS [INFLIGHT] "
            "[WARMUP]\n       %s --bulk BYTES HOST PORT SERVERNAME CA.pem\n"
            "       %s --spin THREADS SECONDS\n",
            argv0, argv0, argv0);
    return 2;
}

static int parse(int argc, char **argv, options *o) {
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--resume") == 0) {
            o->resume = 1;
        } else if (strcmp(argv[i], "--request") == 0) {
            o->request = 1;
        } else if (strcmp(argv[i], "--bulk") == 0 && i + 1 < argc) {
            o->bulk = atof(argv[++i]);
        } else {
            return -1;
        }
    }
    int left = argc - i;
    if (left < (o->bulk > 0 ? 4 : 5) || left > (o->bulk > 0 ? 4 : 7)) return -1;
    o->sa =
        (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[i + 1]))};
    if (inet_pton(AF_INET, argv[i], &o->sa.sin_addr) != 1) {
        fprintf(stderr, "hs-load: HOST must be an IPv4 address\n");
        return -1;
    }
    o->name = argv[i + 2];
    o->ca = argv[i + 3];
    if (o->bulk > 0) return 0;
    o->seconds = atof(argv[i + 4]);
    o->inflight = left > 5 ? atoi(argv[i + 5]) : 16;
    o->warmup = left > 6 ? atof(argv[i + 6]) : 0.5;
    if (o->seconds <= 0 || o->inflight < 1 || o->inflight > MAX_INFLIGHT || o->warmup < 0) {
        fprintf(stderr, "hs-load: SECONDS > 0, INFLIGHT 1..%d, WARMUP >= 0\n", MAX_INFLIGHT);
        return -1;
    }
    return 0;
}

/* A new connection, nonblocking; NULL after saying why. */
static tls *open_conn(tls_config *cfg, const options *o) {
    /* Loopback: a blocking connect completes at once (the server's backlog is long). */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&o->sa, sizeof o->sa) != 0) {
        fprintf(stderr, "hs-load: connect: %s\n", strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    tls_error why;
    tls *t = tls_client_fd(cfg, fd, o->name, &why);
    if (t == NULL) fprintf(stderr, "hs-load: %s\n", why.msg);
    return t;
}

/* Counters of the load loop. */
typedef struct tally {
    long counted, resumed, total, failed;
} tally;

/* One step of a connection in state st: 1 done, 0 wait for tls_events, -1 failed. */
static int step(tls *t, int st) {
    char buf[4096];
    ssize_t r;
    switch (st) {
    case ST_HANDSHAKE:
        return tls_handshake(t) == 0 ? 1 : errno == EAGAIN ? 0 : -1;
    case ST_REQUEST:
        return tls_write(t, "x", 1) == 1 ? 1 : errno == EAGAIN ? 0 : -1;
    case ST_ANSWER:
        r = tls_read(t, buf, sizeof buf);
        return r > 0 ? 1 : r < 0 && errno == EAGAIN ? 0 : -1;
    default:
        /* close_notify, then read until the server's answer or its FIN: the server closes
         * first, so the TIME_WAIT states stay on its side (and TLS 1.3 tickets are stored on
         * the way). Whatever ends it, the connection is over. */
        if (tls_close(t) != 0 && errno != EAGAIN) return 1;
        while ((r = tls_read(t, buf, sizeof buf)) > 0) {
        }
        return r == 0 || errno != EAGAIN;
    }
}

/* Moves connection t on from *st as far as it goes without blocking. Returns 1 when the
 * connection is over (done or failed), 0 while it waits for tls_events(t). */
static int advance(tls *t, int *st, const options *o, int measuring, tally *n) {
    for (;;) {
        int r = step(t, *st);
        if (r == 0) return 0;
        if (*st == ST_CLOSING) return 1;
        if (r < 0) {
            if (n->failed++ < 5) fprintf(stderr, "hs-load: %s\n", tls_error_msg(t));
            return 1;
        }
        int exchanged = *st == (o->request ? ST_ANSWER : ST_HANDSHAKE);
        if (exchanged) {
            n->total++;
            n->counted += measuring;
            n->resumed += measuring && tls_conn_resumed(t);
        }
        *st = exchanged ? ST_CLOSING : *st + 1;
    }
}

static int load_main(const options *o, tls_config *cfg) {
    tls *conn[MAX_INFLIGHT] = {0};
    int state[MAX_INFLIGHT] = {0};
    struct pollfd pfd[MAX_INFLIGHT];
    tally n = {0};
    double start = now_s(), t0 = start + o->warmup, t1 = t0 + o->seconds, cpu0 = 0;
    int measuring = 0;
    for (;;) {
        double t = now_s();
        if (!measuring && t >= t0) {
            measuring = 1;
            cpu0 = cpu_s();
        }
        if (t >= t1) break;
        int np = 0;
        for (int i = 0; i < o->inflight; i++) {
            if (state[i] == ST_IDLE) {
                if ((conn[i] = open_conn(cfg, o)) == NULL) return 1;
                state[i] = ST_HANDSHAKE;
            }
            if (advance(conn[i], &state[i], o, measuring, &n)) {
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
    for (int i = 0; i < o->inflight; i++)
        tls_free(conn[i]);
    emit("hs_per_s", (double)n.counted / o->seconds, "1/s");
    emit("handshakes_total", (double)n.total, "count");
    emit("failed", (double)n.failed, "count");
    emit("resumed_share", n.counted ? (double)n.resumed / (double)n.counted : 0, "ratio");
    emit("client_cpu_share", cpu / o->seconds, "cores");
    return n.failed > 0 && n.total == 0 ? 1 : 0;
}

/* One connection, one byte out, o->bulk bytes in (blocking): the streaming throughput. */
static int bulk_main(const options *o, tls_config *cfg) {
    tls *t = open_conn(cfg, o);
    if (t == NULL) return 1;
    int fd = tls_fd(t);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    static char buf[1 << 16];
    double got = 0, t0 = now_s(), cpu0 = cpu_s();
    if (tls_write(t, "x", 1) != 1) {
        fprintf(stderr, "hs-load: %s\n", tls_error_msg(t));
        tls_free(t);
        return 1;
    }
    ssize_t r = 0;
    while (got < o->bulk && (r = tls_read(t, buf, sizeof buf)) > 0)
        got += (double)r;
    double secs = now_s() - t0, cpu = cpu_s() - cpu0;
    if (got < o->bulk)
        fprintf(stderr, "hs-load: bulk: %.0f of %.0f bytes: %s\n", got, o->bulk,
                r < 0 ? tls_error_msg(t) : "the server closed early");
    tls_free(t);
    emit("bulk_mb_per_s", got / secs / 1e6, "MB/s");
    emit("bulk_bytes", got, "bytes");
    emit("client_cpu_share", cpu / secs, "cores");
    return got < o->bulk;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--spin") == 0) return spin_main(atoi(argv[2]), atof(argv[3]));
    options o = {0};
    if (parse(argc, argv, &o) != 0) return usage(argv[0]);
    tls_config *cfg = tls_config_new();
    if (cfg == NULL || tls_config_add_ca_file(cfg, o.ca) != 0 ||
        tls_config_set_session_cache(cfg, o.resume ? 4096 : 0) != 0) {
        fprintf(stderr, "hs-load: %s\n", cfg ? tls_config_error(cfg) : "out of memory");
        return 1;
    }
    int rc = o.bulk > 0 ? bulk_main(&o, cfg) : load_main(&o, cfg);
    tls_config_free(cfg);
    return rc;
}
