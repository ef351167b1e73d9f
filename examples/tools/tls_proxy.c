/*
 * tls-proxy: terminates TLS in front of a plain TCP backend (--backend), or originates it
 * towards a TLS upstream for plain TCP clients (--connect). Nonblocking poll() loops
 * (proxy_loop.c), one per thread with --threads N, each with its own SO_REUSEPORT listening
 * socket, sharing one config; per connection, a pump with bounded buffers (proxy_conn.c).
 * Signals reach the loops as pipes (toolsig.h): SIGTERM/SIGINT drain and exit 0, SIGHUP
 * rebuilds the config from the same files (toolcfg.h: new connections use it, open ones keep
 * theirs). One log line per connection on stderr (toollog.h, proxy_log.h).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* SO_REUSEPORT, getrandom */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/mem.h>

#include "proxy_loop.h"
#include "toollog.h"
#include "toolopts.h"

#define MAX_THREADS 64
/* Descriptors besides two per connection (client, backend): stdio, the listeners (counted
 * apart), the signal pipes, a key log file, and some to spare. */
#define FD_SLACK 32

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
            "  --timeout MS           backend connect + TLS handshake limit (default 10000;\n"
            "                         0: none); --handshake-timeout MS is the same option\n"
            "  --idle-timeout MS      no data either way this long: reset (default 300000;\n"
            "                         0: none)\n"
            "  --drain-timeout MS     at SIGTERM, open connections may finish this long\n"
            "                         (default 2000)\n"
            "  --verify-client CAFILE require client certificates issued under CAFILE\n"
            "  --proxy-protocol       send the backend (or upstream) a PROXY protocol v2\n"
            "                         header first\n"
            "  --no-tickets           no session tickets (on by default)\n"
            "One line per connection on stderr; SIGHUP reloads the certificates.\n");
    toolopt_usage_except("--timeout"); /* ours above: the proxy's limit and default */
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
        /* The shared --timeout, and its older name: one limit, connect and handshake. */
        {"--timeout", SIZE_MAX, offsetof(options, handshake_ms), 0, 3600000},
        {"--handshake-timeout", SIZE_MAX, offsetof(options, handshake_ms), 0, 3600000},
        {"--idle-timeout", SIZE_MAX, offsetof(options, idle_ms), 0, 1 << 30},
        {"--drain-timeout", SIZE_MAX, offsetof(options, drain_ms), 0, 3600000},
    };
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        if (strcmp(name, tab[k].name) != 0) continue;
        if (v == NULL) return -1;
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

/* What a config is built from: the command line (read again on each reload) and the ticket
 * key, the same in every config so that sessions resume across a reload. */
typedef struct recipe {
    int argc;
    char **argv;
    int say;        /* the first build: print the key log notices (reloads print nothing) */
    options *first; /* the first build: its options go here, first_rc its outcome */
    int first_rc;
    uint8_t ticket_key[TLS_TICKET_KEY_LEN];
} recipe;

static int cfg_fail(tls_config *cfg, const char *what, char *why, size_t n) {
    snprintf(why, n, "%s: %s", what, tls_config_error(cfg));
    return -1;
}

/* Options that build the config. 1: taken, 0: not one of them, -1: refused (why set). */
static int apply_config_opt(const recipe *r, tls_config *cfg, int *i, const char **cert, options *o,
                            char *why, size_t n) {
    int argc = r->argc;
    char **argv = r->argv;
    int k = r->say ? toolopt_apply(cfg, argc, argv, i)
                   : toolopt_apply_quiet(cfg, argc, argv, i, why, n);
    if (k < 0 && r->say) why[0] = '\0'; /* printed already */
    if (k != 0) return k;
    const char *name = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (strcmp(name, "--no-tickets") == 0)
        return tls_config_set_session_tickets(cfg, 0) == 0 ? 1 : cfg_fail(cfg, name, why, n);
    if (v == NULL) return 0;
    if (strcmp(name, "--cert") == 0) {
        *cert = argv[++*i];
        return 1;
    }
    if (strcmp(name, "--key") == 0 && *cert != NULL) {
        ++*i;
        if (tls_config_add_cert_file(cfg, *cert, v) != 0) return cfg_fail(cfg, v, why, n);
        *cert = NULL;
        o->n_certs++;
        return 1;
    }
    if (strcmp(name, "--ca") == 0) { /* originating: the upstream's trust */
        ++*i;
        return tls_config_add_ca_file(cfg, v) == 0 ? 1 : cfg_fail(cfg, v, why, n);
    }
    if (strcmp(name, "--verify-client") == 0) {
        ++*i;
        if (tls_config_add_client_ca_file(cfg, v) != 0 ||
            tls_config_set_client_verify(cfg, TLS_CLIENT_VERIFY_REQUIRED) != 0)
            return cfg_fail(cfg, v, why, n);
        return 1;
    }
    return 0;
}

/* The whole command line into o and cfg. 0; -1 with why set (empty: printed already); -2 for
 * a usage error (why set). */
static int parse(const recipe *r, tls_config *cfg, options *o, char *why, size_t n) {
    *o = (options){.threads = 1,
                   .max_conns = 10000,
                   .handshake_ms = 10000,
                   .idle_ms = 300000,
                   .drain_ms = 2000};
    const char *cert = NULL;
    for (int i = 1; i < r->argc; i++) {
        const char *name = r->argv[i], *v = i + 1 < r->argc ? r->argv[i + 1] : NULL;
        /* Before the shared options: --timeout is the proxy's connect + handshake limit. */
        int k = apply_proxy_opt(o, name, v);
        if (k < 0) {
            snprintf(why, n, "bad option or value: %s", name);
            return -2;
        }
        if (k > 0) {
            i++;
            continue;
        }
        k = apply_config_opt(r, cfg, &i, &cert, o, why, n);
        if (k < 0) return -1;
        if (k > 0) continue;
        if (strcmp(name, "--proxy-protocol") != 0) {
            snprintf(why, n, "bad option or value: %s", name);
            return -2;
        }
        o->proxy_protocol = 1;
    }
    if (cert != NULL) {
        snprintf(why, n, "--cert %s has no --key", cert);
        return -2;
    }
    /* The library's handshake limit too, so that the TLS side agrees with the proxy's. */
    if (tls_config_set_handshake_timeout(cfg, (unsigned)o->handshake_ms) != 0 ||
        tls_config_set_ticket_keys(cfg, r->ticket_key, 1) != 0)
        return cfg_fail(cfg, "config", why, n);
    return 0;
}

/* toolcfg's builder: a new config from the recipe, or NULL with why set (empty when the
 * reason was printed already). */
static tls_config *build_config(void *arg, char *why, size_t n) {
    recipe *r = arg;
    options o = {0};
    why[0] = '\0';
    tls_config *cfg = toolopt_config_new("tls-proxy", r->say, why, n);
    int rc = cfg != NULL ? parse(r, cfg, &o, why, n) : -1;
    if (r->first != NULL) {
        *r->first = o;
        r->first_rc = rc;
        r->first = NULL;
    }
    if (rc == 0) return cfg;
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
    toollog_conn text; /* its peer field: the address in the log's form */
    toollog_set_peer(&text, (struct sockaddr *)&ss, len);
    printf("listening on %s\n", text.peer);
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
    set->proxy_protocol = o->proxy_protocol;
    set->handshake_ms = o->handshake_ms;
    set->idle_ms = o->idle_ms;
    set->drain_ms = o->drain_ms;
    return 0;
}

/* Raises the soft RLIMIT_NOFILE to the hard one; returns max_conns, lowered (and said so)
 * if that many connections could not have their descriptors. Out of descriptors, accept
 * would fail over and over (proxy_loop.c pauses it, but the clients wait). */
static int fit_max_conns(int max_conns, int threads) {
    long limit = tool_raise_fd_limit(), spare = FD_SLACK + threads;
    if (limit < 0 || 2 * (long)max_conns + spare <= limit) return max_conns;
    int fit = limit > spare + 2 ? (int)((limit - spare) / 2) : 1;
    fprintf(stderr,
            "tls-proxy: --max-conns %d lowered to %d: %ld descriptors allowed"
            " (RLIMIT_NOFILE), 2 per connection\n",
            max_conns, fit, limit);
    return fit;
}

static void *loop_thread(void *arg) {
    if (loop_run(arg) != 0) exit(1); /* a loop that cannot go on takes the process with it */
    return NULL;
}

int main(int argc, char **argv) {
    static recipe r; /* static: holds a secret, wiped at exit */
    static proxy_shared sh;
    options o;
    char why[512] = "";
    r = (recipe){.argc = argc, .argv = argv, .say = 1, .first = &o, .first_rc = -1};
    if (getrandom(r.ticket_key, sizeof r.ticket_key, 0) != (ssize_t)sizeof r.ticket_key) return 1;
    if (toolcfg_init(&sh.cfg, build_config, &r, why, sizeof why) != 0) {
        if (why[0] != '\0') fprintf(stderr, "tls-proxy: %s\n", why);
        if (r.first_rc == -2) usage();
        return 2;
    }
    r.say = 0; /* reloads report in their log line */
    if (settings_from(&o, &sh.set) != 0) return 2;
    sh.max_conns = fit_max_conns(o.max_conns, o.threads);
    if (toolsig_install(&sh.sig) != 0) {
        perror("tls-proxy: signals");
        return 1;
    }
    proxy_loop *loops = calloc((size_t)o.threads, sizeof *loops);
    if (loops == NULL || open_listeners(loops, o.threads, o.listen) != 0) return 1;
    /* Every loop polls the signal pipes itself: the main thread runs loop 0. */
    for (int k = 0; k < o.threads; k++) {
        loops[k].sh = &sh;
        loops[k].index = k;
        int rc = k == 0 ? 0 : pthread_create(&loops[k].thread, NULL, loop_thread, &loops[k]);
        if (rc != 0) {
            fprintf(stderr, "tls-proxy: thread: %s\n", strerror(rc));
            return 1;
        }
    }
    if (loop_run(&loops[0]) != 0) return 1; /* as a loop thread would: the process ends */
    for (int k = 1; k < o.threads; k++)
        pthread_join(loops[k].thread, NULL);
    toolcfg_destroy(&sh.cfg);
    OPENSSL_cleanse(r.ticket_key, sizeof r.ticket_key);
    free(loops);
    return 0;
}
