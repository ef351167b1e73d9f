/*
 * https_get: fetch one page over HTTPS and print its body.
 *
 *   https_get [--ca FILE] HOST[:PORT] [PATH]
 *
 *   https_get example.com                 GET https://example.com/
 *   https_get --ca ca.pem localhost:8443 /index.html
 *
 * The server's certificate chain and its name are always verified: against the system trust
 * store (or $SSL_CERT_FILE), or only against the CA certificates in FILE with --ca.
 * The request is HTTP/1.0, so the server closes the connection after the answer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tlsio/tls.h>

static int usage(void) {
    fprintf(stderr, "usage: https_get [--ca FILE] HOST[:PORT] [PATH]\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *ca_file = NULL;
    if (argc > 2 && strcmp(argv[1], "--ca") == 0) {
        ca_file = argv[2];
        argv += 2, argc -= 2;
    }
    if (argc < 2 || argc > 3 || argv[1][0] == '-') return usage();
    const char *path = argc == 3 ? argv[2] : "/";

    /* "host:port" or "host" (port 443). IPv6 literals are not handled by this example. */
    char host[256];
    const char *port = "443";
    snprintf(host, sizeof(host), "%s", argv[1]);
    char *colon = strchr(host, ':');
    if (colon != NULL) {
        *colon = '\0';
        port = colon + 1;
    }

    /* 1. A configuration: the defaults are safe; only the trust anchors may change. */
    tls_config *cfg = tls_config_new();
    if (cfg == NULL) return 1;
    if (ca_file != NULL && tls_config_add_ca_file(cfg, ca_file) != 0) {
        fprintf(stderr, "https_get: %s\n", tls_config_error(cfg));
        tls_config_free(cfg);
        return 1;
    }

    /* 2. Connect: resolve, TCP connect, handshake, verify the chain and that it names host. */
    tls_error why;
    tls *t = tls_connect(cfg, host, port, &why);
    if (t == NULL) {
        fprintf(stderr, "https_get: %s\n", why.msg);
        tls_config_free(cfg);
        return 1;
    }

    /* 3. Send the request: tls_write is send() with encryption. */
    char request[1024];
    int len = snprintf(request, sizeof(request),
                       "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
    int ok = len > 0 && (size_t)len < sizeof(request) && tls_write(t, request, (size_t)len) == len;

    /* 4. Read until the server closes: 0 is a clean close (close_notify received). Skip the
     *    headers: the body starts after the first empty line ("\r\n\r\n"). */
    const char *blank = "\r\n\r\n";
    size_t matched = 0; /* how much of blank has been seen so far */
    char buf[4096];
    ssize_t n = 0;
    while (ok && (n = tls_read(t, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (matched == 4) { /* in the body: print the rest of this chunk */
                fwrite(buf + i, 1, (size_t)(n - i), stdout);
                break;
            }
            if (buf[i] == blank[matched])
                matched++;
            else
                matched = buf[i] == '\r' ? 1 : 0;
        }
    }
    if (!ok || n < 0) {
        /* ECONNRESET: the server closed without close_notify, so the body may be cut short. */
        fprintf(stderr, "https_get: %s\n",
                errno == ECONNRESET ? "connection closed without close_notify (truncated?)"
                                    : tls_error_msg(t));
        ok = 0;
    }

    /* 5. Say goodbye (close_notify) and release everything. */
    (void)tls_close(t);
    tls_free(t);
    tls_config_free(cfg);
    return ok ? 0 : 1;
}
