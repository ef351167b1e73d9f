/* The options tls-client and tls-server share. */
#define _POSIX_C_SOURCE 200809L
#include "toolopts.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(tls_config *cfg, int rc, const char *opt) {
    if (rc == 0) return 1;
    fprintf(stderr, "%s: %s\n", opt, tls_config_error(cfg));
    return -1;
}

int toolopt_apply(tls_config *cfg, int argc, char **argv, int *i) {
    const char *o = argv[*i];
    if (strcmp(o, "--tls1.2") == 0)
        return check(cfg, tls_config_set_versions(cfg, TLS_VERSION_1_2, TLS_VERSION_1_2), o);
    if (strcmp(o, "--tls1.3") == 0)
        return check(cfg, tls_config_set_versions(cfg, TLS_VERSION_1_3, TLS_VERSION_1_3), o);
    static const struct {
        const char *name;
        int (*set)(tls_config *, const char *);
    } with_arg[] = {
        {"--alpn", tls_config_set_alpn},
        {"--cipher", tls_config_set_ciphers},
        {"--group", tls_config_set_groups},
        {"--ca", tls_config_add_ca_file},
        {"--sigalgs", tls_config_set_signature_schemes},
        {"--sign-sigalgs", tls_config_set_signing_schemes},
    };
    for (size_t k = 0; k < sizeof(with_arg) / sizeof(with_arg[0]); k++) {
        if (strcmp(o, with_arg[k].name) != 0) continue;
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s needs an argument\n", o);
            return -1;
        }
        return check(cfg, with_arg[k].set(cfg, argv[++*i]), o);
    }
    return 0;
}

int toolopt_keylog_from_env(tls_config *cfg, const char *tool) {
    const char *path = getenv("SSLKEYLOGFILE");
    if (path == NULL || path[0] == '\0') return 0;
    if (tls_config_set_keylog_file(cfg, path) != 0) {
        fprintf(stderr, "%s: SSLKEYLOGFILE: %s\n", tool, tls_config_error(cfg));
        return -1;
    }
    fprintf(stderr, "%s: writing TLS secrets to %s (SSLKEYLOGFILE): for debugging only\n", tool,
            path);
    return 0;
}

void toolopt_usage(void) {
    fprintf(stderr, "  --alpn LIST        ALPN protocols, comma-separated (h2,http/1.1)\n"
                    "  --tls1.2|--tls1.3  only this version\n"
                    "  --cipher NAMES     IANA cipher suite names, ':' or ',' separated\n"
                    "  --group NAMES      x25519, secp256r1, secp384r1\n"
                    "  --ca FILE          trust these PEM certificates (default: system store)\n"
                    "  --sigalgs NAMES    signature schemes offered and accepted, in order\n"
                    "  --sign-sigalgs NAMES  signature schemes we sign with, in order\n"
                    "environment: SSLKEYLOGFILE=FILE appends the connections' secrets to FILE\n"
                    "(NSS key log format, for Wireshark; debugging only)\n");
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
