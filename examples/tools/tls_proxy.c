/*
 * tls-proxy: terminates TLS in front of a plain TCP backend (--backend), or originates it
 * towards a TLS upstream for plain TCP clients (--connect). Nonblocking poll() loops
 * (proxy_loop.c), one per thread with --threads N, each with its own SO_REUSEPORT listening
 * socket, sharing one config; per connection, a pump with bounded buffers (proxy_conn.c).
 * The main thread only waits for signals: SIGTERM/SIGINT drain and exit 0, SIGHUP rebuilds
 * the config from the same files (new connections use it; open ones keep theirs).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* SO_REUSEPORT, getrandom */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy_log.h"
#include "proxy_loop.h"
#include "toolopts.h"

#define MAX_THREADS 64

typedef struct options {
    const char *listen, *backend, *connect, *servername;
    int threads, max_conns, handshake_ms, idle_ms, drain_ms, proxy_protocol, n_certs;
} options;

static int usage(void) {
    fprintf(stderr,
            "usage: tls-proxy --listen ADDR:PORT --cert FILE --key FILE [--cert FILE --key FILE"
            " ...]\n"
            "                 --backend HOST:PORT       terminate: TLS in, TCP to the backend\n"
            "       tls-proxy --listen ADDR:PORT --connect HOST:PORT --servername NAME\n"
            "                 [--ca FILE]               originate: TCP in, verified TLS out\n"
            "  --threads N            N poll loops, one per thread (SO_REUSEPORT; default 1)\n"
            "  --max-conns N          open connections at most, all loops (default 10000)\n"
            "  --handshake-timeout MS connect + handshake limit (default 10000)\n"
            "  --idle-timeout MS      no data either way this long: reset (default 300000;\n"
            "                         0: none)\n"
            "  --drain-timeout MS     at SIGTERM, open connections may finish this long\n"
            "                         (default 2000)\n"
            "  --verify-client CAFILE require client certificates issued under CAFILE\n"
            "  --proxy-protocol       send the backend a PROXY protocol v2 header first\n"
            "  --no-tickets           no session tickets (on by default)\n"
            "One line per connection on stdout; SIGHUP reloads the certificates.\n");
    toolopt_usage();
    return 2;
}

/* A number option in [lo, hi], or -1. */
static int number(const char *v, int lo, int hi) {
    char *end;
    long n = strtol(v, &end, 10);
    return *v != '\0' && *end == '\0' && n >= lo && n <= hi ? (int)n : -1;
}

/* The proxy's own options with an argument: where each goes in options. */
static int apply_proxy_opt(options *o, const char *name, const char *v) {
    static const struct {
        const char *name;
        size_t str_off, int_off; /* one of them is not SIZE_MAX */
        int lo, hi;
    } tab[] = {
        {"--listen", offsetof(options, listen), SIZE_MAX, 0, 0},
        {"--backend", offsetof(options, backend), SIZE_MAX, 0, 0},
        {"--connect", offsetof(options, connect), SIZE_MAX, 0, 0},
        {"--servername", offsetof(options, servername), SIZE_MAX, 0, 0},
        {"--threads", SIZE_MAX, offsetof(options, threads), 1, MAX_THREADS},
        {"--max-conns", SIZE_MAX, offsetof(options, max_conns), 1, 1 << 24},
        {"--handshake-timeout", SIZE_MAX, offsetof(options, handshake_ms), 1, 3600000},
        {"--idle-timeout", SIZE_MAX, offsetof(options, idle_ms), 0, 1 << 30},
        {"--drain-timeout", SIZE_MAX, offsetof(options, drain_ms), 0, 3600000},
    };
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        if (strcmp(name, tab[k].name) != 0) continue;
        if (tab[k].str_off != SIZE_MAX) {
            *(const char **)((char *)o + tab[k].str_off) = v;
            return 1;
        }
        int n = number(v, tab[k].lo, tab[k].hi);
        if (n < 0) return -1;
        *(int *)((char *)o + tab[k].int_off) = n;
        return 1;
    }
    return 0;
}

static int cfg_fail(tls_config *cfg, const char *what) {
    fprintf(stderr, "tls-proxy: %s: %s\n", what, tls_config_error(cfg));
    return -1;
}

/* Options that build the config. 1: taken, 0: not one of them, -1: refused (printed). */
static int apply_config_opt(tls_config *cfg, int argc, char **argv, int *i, const char **cert,
                            options *o) {
    int r = toolopt_apply(cfg, argc, argv, i);
    if (r != 0) return r;
    const char *name = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (strcmp(name, "--no-tickets") == 0)
        return tls_config_set_session_tickets(cfg, 0) == 0 ? 1 : cfg_fail(cfg, name);
    if (strcmp(name, "--cert") == 0 && v != NULL) {
        *cert = argv[++*i];
        return 1;
    }
    if (strcmp(name, "--key") == 0 && v != NULL && *cert != NULL) {
        ++*i;
        if (tls_config_add_cert_file(cfg, *cert, v) != 0) return cfg_fail(cfg, v);
        *cert = NULL;
        o->n_certs++;
        return 1;
    }
    if (strcmp(name, "--ca") == 0 && v != NULL) { /* originating: the upstream's trust */
        ++*i;
        return tls_config_add_ca_file(cfg, v) == 0 ? 1 : cfg_fail(cfg, v);
    }
    if (strcmp(name, "--verify-client") == 0 && v != NULL) {
        ++*i;
        if (tls_config_add_client_ca_file(cfg, v) != 0 ||
            tls_config_set_client_verify(cfg, TLS_CLIENT_VERIFY_REQUIRED) != 0)
            return cfg_fail(cfg, v);
        return 1;
    }
    return 0;
}

/* Parses the whole command line into o and a new config (at start, and again for each
 * SIGHUP, when o is thrown away). NULL on a bad option (printed). */
static tls_config *parse(int argc, char **argv, options *o, const uint8_t *ticket_keys) {
    *o = (options){.threads = 1,
                   .max_conns = 10000,
                   .handshake_ms = 10000,
                   .idle_ms = 300000,
                   .drain_ms = 2000};
    tls_config *cfg = tls_config_new();
    const char *cert = NULL;
    /* One ticket key for every config this process builds: tickets survive a reload. */
    if (cfg == NULL || tls_config_set_ticket_keys(cfg, ticket_keys, 1) != 0 ||
        toolopt_keylog_from_env(cfg, "tls-proxy") != 0)
        goto fail;
    for (int i = 1; i < argc; i++) {
        int r = apply_config_opt(cfg, argc, argv, &i, &cert, o);
        if (r < 0) goto fail;
        if (r > 0) continue;
        if (strcmp(argv[i], "--proxy-protocol") == 0) {
            o->proxy_protocol = 1;
            continue;
        }
        r = i + 1 < argc ? apply_proxy_opt(o, argv[i], argv[i + 1]) : 0;
        if (r <= 0) {
            fprintf(stderr, "tls-proxy: bad option or value: %s\n", argv[i]);
            goto fail;
        }
        i++;
    }
    if (cert == NULL) return cfg;
    fprintf(stderr, "tls-proxy: --cert %s has no --key\n", cert);
fail:
    tls_config_free(cfg);
    return NULL;
}

/* "host:port", "[v6]:port" -> host and port (in buf). -1 if there is no port. */
static int split_hostport(const char *s, char *buf, size_t len, const char **host,
                          const char **port) {
    if (snprintf(buf, len, "%s", s) >= (int)len) return -1;
    char *colon = strrchr(buf, ':');
    if (colon == NULL || colon[1] == '\0') return -1;
    *colon = '\0';
    *port = colon + 1;
    *host = buf;
    if (buf[0] == '[' && colon > buf && colon[-1] == ']') {
        colon[-1] = '\0';
        *host = buf + 1;
    }
    return 0;
}

static struct addrinfo *resolve(const char *what, int passive) {
    char buf[300];
    const char *host, *port;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};
    struct addrinfo *res = NULL;
    if (split_hostport(what, buf, sizeof buf, &host, &port) != 0) {
        fprintf(stderr, "tls-proxy: %s: expected HOST:PORT\n", what);
        return NULL;
    }
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0) fprintf(stderr, "tls-proxy: %s: %s\n", what, gai_strerror(rc));
    return rc == 0 ? res : NULL;
}

/* A nonblocking listening socket on sa (SO_REUSEPORT when several loops share it). */
static int listen_sock(const struct sockaddr *sa, socklen_t len, int reuseport) {
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(fd, sa, len) != 0 || listen(fd, 4096) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* The listening sockets, one per loop: the first on --listen, the others on its actual
 * address (port 0 picks one). Prints "listening on ADDR:PORT". -1 on failure (printed). */
static int open_listeners(proxy_loop *loops, int n, const char *addr) {
    struct addrinfo *ai = resolve(addr, 1);
    if (ai == NULL) return -1;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    loops[0].lfd = listen_sock(ai->ai_addr, ai->ai_addrlen, n > 1);
    freeaddrinfo(ai);
    if (loops[0].lfd < 0 || getsockname(loops[0].lfd, (struct sockaddr *)&ss, &len) != 0) {
        fprintf(stderr, "tls-proxy: listen on %s: %s\n", addr, strerror(errno));
        return -1;
    }
    for (int k = 1; k < n; k++)
        if ((loops[k].lfd = listen_sock((struct sockaddr *)&ss, len, 1)) < 0) {
            fprintf(stderr, "tls-proxy: listen on %s: %s\n", addr, strerror(errno));
            return -1;
        }
    char text[80];
    addr_text((struct sockaddr *)&ss, len, text, sizeof text);
    printf("listening on %s\n", text);
    fflush(stdout);
    return 0;
}

/* The mode's required options, and the backend's address. -1 on misuse (printed). */
static int settings_from(const options *o, proxy_settings *set) {
    int originate = o->connect != NULL;
    if (o->listen == NULL || (o->backend != NULL) == originate) return usage();
    if (!originate && o->n_certs == 0) return usage();
    if (originate && o->servername == NULL) return usage();
    const char *target = originate ? o->connect : o->backend;
    struct addrinfo *ai = resolve(target, 0);
    if (ai == NULL) return -1;
    memcpy(&set->backend, ai->ai_addr, ai->ai_addrlen);
    set->backend_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    snprintf(set->backend_name, sizeof set->backend_name, "%s", target);
    set->originate = originate;
    set->servername = o->servername;
    set->proxy_protocol = o->proxy_protocol && !originate;
    set->handshake_ms = o->handshake_ms;
    set->idle_ms = o->idle_ms;
    set->drain_ms = o->drain_ms;
    return 0;
}

static void *loop_thread(void *arg) {
    if (loop_run(arg) != 0) exit(1); /* a loop that cannot go on takes the process with it */
    return NULL;
}

/* SIGHUP: the same command line, read again, builds a new config for new connections. */
static void reload(proxy_shared *sh, int argc, char **argv, const uint8_t *keys) {
    options o;
    tls_config *cfg = parse(argc, argv, &o, keys);
    if (cfg == NULL) {
        fprintf(stderr, "tls-proxy: reload failed; new connections keep the old config\n");
        return;
    }
    pthread_mutex_lock(&sh->lock);
    tls_config *old = sh->cfg;
    sh->cfg = cfg;
    pthread_mutex_unlock(&sh->lock);
    atomic_fetch_add(&sh->cfg_gen, 1);
    tls_config_free(old);
    fprintf(stderr, "tls-proxy: reloaded the configuration\n");
}

/* The main thread's job once the loops run: wait for signals. Returns at SIGTERM/SIGINT. */
static void wait_signals(proxy_shared *sh, const sigset_t *set, int argc, char **argv,
                         const uint8_t *keys, int wake_w) {
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0) continue;
        if (sig == SIGHUP) {
            reload(sh, argc, argv, keys);
            continue;
        }
        fprintf(stderr, "tls-proxy: %s: draining\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        atomic_store(&sh->stop, 1);
        (void)!write(wake_w, "x", 1); /* never read: readable for every loop from now on */
        return;
    }
}

int main(int argc, char **argv) {
    static proxy_shared sh;
    uint8_t keys[TLS_TICKET_KEY_LEN];
    options o;
    int wake[2];
    if (getrandom(keys, sizeof keys, 0) != (ssize_t)sizeof keys) return 1;
    if ((sh.cfg = parse(argc, argv, &o, keys)) == NULL) return 2;
    if (settings_from(&o, &sh.set) != 0) return 2;
    sh.max_conns = o.max_conns;
    pthread_mutex_init(&sh.lock, NULL);
    proxy_loop *loops = calloc((size_t)o.threads, sizeof *loops);
    if (loops == NULL || pipe(wake) != 0 || open_listeners(loops, o.threads, o.listen) != 0)
        return 1;
    sh.wake_fd = wake[0];
    /* Signals go to the main thread only (sigwait); the loops never see them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN); /* belt and braces: every send is MSG_NOSIGNAL */
    for (int k = 0; k < o.threads; k++) {
        loops[k].sh = &sh;
        int rc = pthread_create(&loops[k].thread, NULL, loop_thread, &loops[k]);
        if (rc != 0) {
            fprintf(stderr, "tls-proxy: thread: %s\n", strerror(rc));
            return 1;
        }
    }
    wait_signals(&sh, &set, argc, argv, keys, wake[1]);
    for (int k = 0; k < o.threads; k++)
        pthread_join(loops[k].thread, NULL);
    tls_config_free(sh.cfg);
    free(loops);
    return 0;
}
