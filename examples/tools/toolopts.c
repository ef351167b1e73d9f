/* The options tls-client and tls-server share. */
#define _POSIX_C_SOURCE 200809L
#include "toolopts.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Both forms of the key log notice say the same: the file decrypts the connections. */
static void keylog_notice(const char *who, const char *path, const char *how) {
    fprintf(stderr, "%s: writing TLS secrets to %s%s%s%s: for debugging only\n", who, path,
            how ? " (" : "", how ? how : "", how ? ")" : "");
}

/* rc -2: the setter refused the value itself, before the config saw it. */
static int check(tls_config *cfg, int rc, const char *opt, const char *v, char *why, size_t n) {
    if (rc == 0) return 1;
    if (rc == -2)
        snprintf(why, n, "%s: '%s' is not a number of milliseconds", opt, v);
    else
        snprintf(why, n, "%s: %s", opt, tls_config_error(cfg));
    return -1;
}

/* --timeout MS: the handshake deadline of every connection (0: none). */
static int set_timeout(tls_config *cfg, const char *v) {
    char *end = NULL;
    errno = 0;
    unsigned long ms = strtoul(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || ms > UINT_MAX) return -2;
    return tls_config_set_handshake_timeout(cfg, (unsigned)ms);
}

/* One shared option; say: print the notices (--keylog). */
static int apply(tls_config *cfg, int argc, char **argv, int *i, char *why, size_t n, int say) {
    const char *o = argv[*i];
    if (strcmp(o, "--tls1.2") == 0)
        return check(cfg, tls_config_set_versions(cfg, TLS_VERSION_1_2, TLS_VERSION_1_2), o, "",
                     why, n);
    if (strcmp(o, "--tls1.3") == 0)
        return check(cfg, tls_config_set_versions(cfg, TLS_VERSION_1_3, TLS_VERSION_1_3), o, "",
                     why, n);
    static const struct {
        const char *name;
        int (*set)(tls_config *, const char *);
    } with_arg[] = {
        {"--alpn", tls_config_set_alpn},
        {"--cipher", tls_config_set_ciphers},
        {"--group", tls_config_set_groups},
        {"--keylog", tls_config_set_keylog_file},
        {"--sigalgs", tls_config_set_signature_schemes},
        {"--sign-sigalgs", tls_config_set_signing_schemes},
        {"--timeout", set_timeout},
    };
    for (size_t k = 0; k < sizeof(with_arg) / sizeof(with_arg[0]); k++) {
        if (strcmp(o, with_arg[k].name) != 0) continue;
        if (*i + 1 >= argc) {
            snprintf(why, n, "%s needs an argument", o);
            return -1;
        }
        const char *v = argv[++*i];
        int r = check(cfg, with_arg[k].set(cfg, v), o, v, why, n);
        if (r > 0 && say && strcmp(o, "--keylog") == 0) keylog_notice(o, v, NULL);
        return r;
    }
    return 0;
}

int toolopt_apply(tls_config *cfg, int argc, char **argv, int *i) {
    char why[512];
    int r = apply(cfg, argc, argv, i, why, sizeof why, 1);
    if (r < 0) fprintf(stderr, "%s\n", why);
    return r;
}

int toolopt_apply_quiet(tls_config *cfg, int argc, char **argv, int *i, char *why, size_t n) {
    return apply(cfg, argc, argv, i, why, n, 0);
}

int toolopt_keylog_from_env_quiet(tls_config *cfg, char *why, size_t n) {
    const char *path = getenv("SSLKEYLOGFILE");
    if (path == NULL || path[0] == '\0') return 0;
    if (tls_config_set_keylog_file(cfg, path) == 0) return 0;
    snprintf(why, n, "SSLKEYLOGFILE: %s", tls_config_error(cfg));
    return -1;
}

/* The notice that SSLKEYLOGFILE is in use, if it is. */
static void env_notice(const char *tool) {
    const char *path = getenv("SSLKEYLOGFILE");
    if (path != NULL && path[0] != '\0') keylog_notice(tool, path, "SSLKEYLOGFILE");
}

int toolopt_keylog_from_env(tls_config *cfg, const char *tool) {
    char why[512];
    if (toolopt_keylog_from_env_quiet(cfg, why, sizeof why) != 0) {
        fprintf(stderr, "%s: %s\n", tool, why);
        return -1;
    }
    env_notice(tool);
    return 0;
}

tls_config *toolopt_config_new(const char *tool, int say, char *why, size_t n) {
    tls_config *cfg = tls_config_new();
    if (cfg == NULL) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    if (toolopt_keylog_from_env_quiet(cfg, why, n) != 0) {
        tls_config_free(cfg);
        return NULL;
    }
    if (say) env_notice(tool);
    return cfg;
}

/* Each shared option's help text (opt NULL: a note that is no option's). */
static const struct {
    const char *opt, *text;
} usage_lines[] = {
    {"--alpn", "  --alpn LIST        ALPN protocols, comma-separated (h2,http/1.1)\n"},
    {"--tls1.2", "  --tls1.2|--tls1.3  only this version\n"},
    {"--cipher", "  --cipher NAMES     IANA cipher suite names, ':' or ',' separated\n"},
    {"--group", "  --group NAMES      x25519, secp256r1, secp384r1\n"},
    {"--keylog", "  --keylog FILE      append the connections' secrets to FILE (NSS key log\n"
                 "                     format, for Wireshark; debugging only)\n"},
    {"--sigalgs", "  --sigalgs NAMES    signature schemes offered and accepted, in order\n"},
    {"--sign-sigalgs", "  --sign-sigalgs NAMES  signature schemes we sign with, in order\n"},
    {"--timeout", "  --timeout MS       each handshake must finish within MS milliseconds\n"
                  "                     (default 30000; 0: no limit)\n"},
    {NULL, "environment: SSLKEYLOGFILE=FILE appends the connections' secrets to FILE\n"
           "(NSS key log format, for Wireshark; debugging only)\n"},
};

void toolopt_usage_except(const char *opt) {
    for (size_t k = 0; k < sizeof usage_lines / sizeof usage_lines[0]; k++)
        if (opt == NULL || usage_lines[k].opt == NULL || strcmp(opt, usage_lines[k].opt) != 0)
            fputs(usage_lines[k].text, stderr);
}

void toolopt_usage(void) {
    toolopt_usage_except(NULL);
}

int tool_write_all(tls *t, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = tls_write(t, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (errno != EAGAIN) return -1;
        struct pollfd pfd = {.fd = tls_fd(t), .events = (short)tls_events(t)};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) return -1;
    }
    return 0;
}

long tool_raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = was; /* harmless: fewer fit */
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}
