/*
 * tls-client: connect with full verification, print what was negotiated, then copy stdin to
 * the connection and the connection to stdout. On stdin EOF it sends close_notify and reads
 * until the server closes. Exit 0 on a clean close, 1 on any failure (reason on stderr).
 * Sessions: --sess-in offers a stored one, --sess-out stores one, --reconnect N connects N
 * more times through the config's session cache (each one closes at once and reads until
 * the server closes, which is when a TLS 1.3 server's tickets arrive).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "toolopts.h"

static int usage(void) {
    fprintf(stderr, "usage: tls-client [options] HOST PORT\n"
                    "  --ca FILE          trust these PEM certificates (default: system store)\n"
                    "  --servername NAME  verify (and send as SNI) NAME instead of HOST\n"
                    "  --export LABEL     also print 32 bytes of exported keying material\n"
                    "                     (RFC 8446 §7.5 / RFC 5705, no context) as export=HEX\n"
                    "  --trace            print every handshake message, change_cipher_spec and\n"
                    "                     alert, both directions, on stderr (like s_client -msg)\n"
                    "  --cert FILE --key FILE\n"
                    "                     a client certificate chain (PEM, leaf first) and its\n"
                    "                     key, presented if the server asks (repeatable)\n"
                    "  --peer-cert        also print the server certificate's subject, issuer,\n"
                    "                     validity (Unix time), SHA-256 and chain length\n"
                    "  --showcerts        also print each certificate of the chain the server\n"
                    "                     sent: subject, issuer, notBefore, notAfter\n"
                    "  --sess-out FILE    after the (last) connection, store a session to\n"
                    "                     resume with in FILE (like s_client -sess_out);\n"
                    "                     also when the server closed without close_notify\n"
                    "  --sess-in FILE     offer the session stored in FILE (like s_client\n"
                    "                     -sess_in); the summary line says resumed=yes if the\n"
                    "                     server took it\n"
                    "  --reconnect N      then connect N more times with the same config,\n"
                    "                     resuming from its session cache; each prints its\n"
                    "                     own summary line, sends close_notify at once and\n"
                    "                     reads until the server closes\n"
                    "  -q                 no summary line\n");
    toolopt_usage();
    return 1;
}

static int fail(tls *t, const char *what) {
    fprintf(stderr, "tls-client: %s: %s\n", what, t ? tls_error_msg(t) : strerror(errno));
    return 1;
}

/* How long a reconnection waits for the server to close after our close_notify. */
#define RECONNECT_WAIT_MS 10000

/* Copies until the server closes: returns 0 on a clean close, 1 on failure. Without stdin
 * (a reconnection), sends close_notify at once and only reads, for at most
 * RECONNECT_WAIT_MS between reads. */
static int relay(tls *t, int use_stdin) {
    char buf[16384];
    int stdin_open = use_stdin;
    fcntl(tls_fd(t), F_SETFL, fcntl(tls_fd(t), F_GETFL) | O_NONBLOCK);
    if (!use_stdin)
        while (tls_close(t) != 0)
            if (errno != EAGAIN) return fail(t, "close");
    for (;;) {
        ssize_t n;
        while ((n = tls_read(t, buf, sizeof buf)) > 0)
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) return 1;
        fflush(stdout);
        if (n == 0) { /* the server sent close_notify: answer it, best effort */
            (void)tls_close(t);
            return 0;
        }
        if (errno != EAGAIN) return fail(t, "read");
        struct pollfd p[2] = {{.fd = tls_fd(t), .events = (short)tls_events(t)},
                              {.fd = 0, .events = POLLIN}};
        int k = poll(p, stdin_open ? 2 : 1, use_stdin ? -1 : RECONNECT_WAIT_MS);
        if (k < 0 && errno != EINTR) return fail(NULL, "poll");
        if (k == 0) {
            fprintf(stderr, "tls-client: the server did not close within %d ms\n",
                    RECONNECT_WAIT_MS);
            return 1;
        }
        if (stdin_open && (p[1].revents & (POLLIN | POLLHUP))) {
            ssize_t k = read(0, buf, sizeof buf);
            if (k > 0 && tool_write_all(t, buf, (size_t)k) != 0) return fail(t, "write");
            if (k <= 0) {
                stdin_open = 0;
                while (tls_close(t) != 0)
                    if (errno != EAGAIN) return fail(t, "close");
            }
        }
    }
}

/* RFC 8446 §4 / RFC 5246 §7.4 handshake message names, for --trace. */
static const char *hs_name(uint8_t type) {
    static const struct {
        uint8_t type;
        const char *name;
    } names[] = {{1, "ClientHello"},        {2, "ServerHello"},         {4, "NewSessionTicket"},
                 {5, "EndOfEarlyData"},     {8, "EncryptedExtensions"}, {11, "Certificate"},
                 {12, "ServerKeyExchange"}, {13, "CertificateRequest"}, {14, "ServerHelloDone"},
                 {15, "CertificateVerify"}, {16, "ClientKeyExchange"},  {20, "Finished"},
                 {24, "KeyUpdate"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].type == type) return names[i].name;
    return "unknown";
}

/* --trace: one line per message, ">>>" for what we send, "<<<" for what we receive. */
static void trace(void *arg, const tls_engine *e, int direction, uint8_t type, const uint8_t *msg,
                  size_t len) {
    (void)arg;
    (void)e;
    const char *dir = direction == TLS_TRACE_SENT ? ">>>" : "<<<";
    if (type == 22 && len >= 4)
        fprintf(stderr, "%s handshake %s (type %u, %zu bytes)\n", dir, hs_name(msg[0]), msg[0],
                len - 4);
    else if (type == 21 && len == 2)
        fprintf(stderr, "%s alert %s %s\n", dir, msg[0] == 1 ? "warning" : "fatal",
                tls_error_code_name(msg[1]));
    else if (type == 20)
        fprintf(stderr, "%s change_cipher_spec\n", dir);
}

/* --export: 32 bytes of keying material in upper-case hex, the form OpenSSL's s_server and
 * s_client print for -keymatexport ("Keying material: ..."), so the two can be compared as
 * they are; tests/interop/interop.py does, byte for byte. (peer-hash= is lower-case: the
 * "SHA256:" form of libtls and tls_conn_peer_hash.) */
static void print_export(tls *t, const char *label) {
    unsigned char out[32];
    if (tls_export_keying_material(t, label, NULL, 0, out, sizeof out) != 0) {
        fprintf(stderr, "export=failed\n");
        return;
    }
    fprintf(stderr, "export=");
    for (size_t i = 0; i < sizeof out; i++)
        fprintf(stderr, "%02X", out[i]);
    fprintf(stderr, "\n");
}

/* The verified server certificate, as the tls_conn_peer_* getters report it. */
static void print_peer_cert(const tls *t) {
    size_t n = 0, len = 0;
    while (tls_conn_peer_chain(t, n, &len) != NULL)
        n++;
    fprintf(stderr,
            "peer-subject=%s\npeer-issuer=%s\npeer-notbefore=%lld\npeer-notafter=%lld\n"
            "peer-hash=%s\npeer-chain=%zu\n",
            tls_conn_peer_subject(t), tls_conn_peer_issuer(t),
            (long long)tls_conn_peer_notbefore(t), (long long)tls_conn_peer_notafter(t),
            tls_conn_peer_hash(t), n);
}

/* One field of --showcerts: key=value, the value printed by print into a memory BIO. */
static void show_field(int i, const char *key, BIO *b) {
    const uint8_t *p;
    size_t len;
    if (!BIO_mem_contents(b, &p, &len)) len = 0;
    fprintf(stderr, "cert%d-%s=%.*s\n", i, key, (int)len, (const char *)p);
    BIO_reset(b);
}

/* --showcerts: each certificate the server sent (0 = its leaf), as BoringSSL's X509 parses
 * the DER tls_conn_peer_chain gives: names in RFC 2253 form, times as ASN1_TIME_print has
 * them ("Dec  7 10:00:00 2026 GMT"). */
static void print_chain(const tls *t) {
    BIO *b = BIO_new(BIO_s_mem());
    size_t len = 0;
    const uint8_t *der;
    int i = 0;
    for (; b != NULL && (der = tls_conn_peer_chain(t, (size_t)i, &len)) != NULL; i++) {
        X509 *x = d2i_X509(NULL, &der, (long)len);
        if (x == NULL) {
            fprintf(stderr, "cert%d=unparsable\n", i);
            continue;
        }
        X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
        show_field(i, "subject", b);
        X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253);
        show_field(i, "issuer", b);
        ASN1_TIME_print(b, X509_get0_notBefore(x));
        show_field(i, "notbefore", b);
        ASN1_TIME_print(b, X509_get0_notAfter(x));
        show_field(i, "notafter", b);
        X509_free(x);
    }
    fprintf(stderr, "certs=%d\n", i);
    BIO_free(b);
}

/* --sess-in: the session stored in path, into the cache for the server name and port. */
static int load_session(tls_config *cfg, const char *path, const char *name, const char *port) {
    static const size_t cap = 65536;
    unsigned char *buf = malloc(cap);
    FILE *f = buf != NULL ? fopen(path, "rb") : NULL;
    if (f == NULL) {
        fprintf(stderr, "tls-client: %s: %s\n", path, strerror(errno));
        free(buf);
        return -1;
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    tls_session *s = tls_session_decode(buf, n);
    free(buf);
    if (s == NULL) {
        fprintf(stderr, "tls-client: %s: not a tlsio session (tls-client --sess-out)\n", path);
        return -1;
    }
    int rc = tls_config_add_session(cfg, name, port, s);
    if (rc != 0)
        fprintf(stderr, "tls-client: %s: a session for %s, not %s\n", path,
                tls_session_server_name(s), name);
    tls_session_free(s);
    return rc;
}

/* --sess-out: a session from t (tls_conn_session: one of its tickets), written to path. */
static int store_session(tls *t, const char *path) {
    tls_session *s = tls_conn_session(t);
    if (s == NULL) {
        fprintf(stderr, "tls-client: --sess-out: the server sent no ticket\n");
        return 1;
    }
    size_t len = 0;
    (void)tls_session_encode(s, NULL, 0, &len);
    unsigned char *buf = malloc(len);
    int rc = 1;
    FILE *f = NULL;
    /* The session holds a secret (its PSK): only the owner may read the file. */
    int fd = -1;
    if (buf != NULL && tls_session_encode(s, buf, len, &len) == 0 &&
        (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0 &&
        (f = fdopen(fd, "wb")) != NULL) {
        rc = fwrite(buf, 1, len, f) == len ? 0 : 1;
        if (fclose(f) != 0) rc = 1;
    } else if (fd >= 0)
        close(fd);
    if (rc != 0) fprintf(stderr, "tls-client: %s: %s\n", path, strerror(errno));
    free(buf);
    tls_session_free(s);
    return rc;
}

/* Parses the options into cfg, connects and relays; the caller frees cfg. */
static int run(tls_config *cfg, int argc, char **argv) {
    const char *servername = NULL, *export_label = NULL, *cert = NULL, *args[2];
    const char *sess_in = NULL, *sess_out = NULL;
    int quiet = 0, peer_cert = 0, showcerts = 0, nargs = 0;
    long reconnect = 0;
    for (int i = 1; i < argc; i++) {
        int r = toolopt_apply(cfg, argc, argv, &i);
        if (r < 0) return 1;
        if (r > 0) continue;
        if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc) {
            if (tls_config_add_ca_file(cfg, argv[++i]) != 0) {
                fprintf(stderr, "tls-client: --ca: %s\n", tls_config_error(cfg));
                return 1;
            }
        } else if (strcmp(argv[i], "--servername") == 0 && i + 1 < argc)
            servername = argv[++i];
        else if (strcmp(argv[i], "--export") == 0 && i + 1 < argc)
            export_label = argv[++i];
        else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
            cert = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc && cert != NULL) {
            if (tls_config_add_cert_file(cfg, cert, argv[++i]) != 0) {
                fprintf(stderr, "tls-client: %s\n", tls_config_error(cfg));
                return 1;
            }
            cert = NULL;
        } else if (strcmp(argv[i], "--sess-in") == 0 && i + 1 < argc)
            sess_in = argv[++i];
        else if (strcmp(argv[i], "--sess-out") == 0 && i + 1 < argc)
            sess_out = argv[++i];
        else if (strcmp(argv[i], "--reconnect") == 0 && i + 1 < argc) {
            char *end = NULL;
            reconnect = strtol(argv[++i], &end, 10);
            if (*end != '\0' || reconnect > 1000000) reconnect = -1;
        } else if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "--peer-cert") == 0)
            peer_cert = 1;
        else if (strcmp(argv[i], "--showcerts") == 0) {
            showcerts = 1;
            if (tls_config_set_keep_peer_chain(cfg, 1) != 0) { /* the default, but we need it */
                fprintf(stderr, "tls-client: --showcerts: %s\n", tls_config_error(cfg));
                return 1;
            }
        } else if (strcmp(argv[i], "--trace") == 0) {
            if (tls_config_set_trace(cfg, trace, NULL) != 0) {
                fprintf(stderr, "tls-client: --trace: %s\n", tls_config_error(cfg));
                return 1;
            }
        } else if (argv[i][0] == '-' || nargs == 2)
            return usage();
        else
            args[nargs++] = argv[i];
    }
    if (nargs != 2 || cert != NULL || reconnect < 0) return usage();
    const char *name = servername ? servername : args[0];
    if (sess_in != NULL && load_session(cfg, sess_in, name, args[1]) != 0) return 1;
    int rc = 0;
    for (long k = 0; k <= reconnect && rc == 0; k++) {
        /* One deadline (--timeout) bounds the name lookup, the TCP connect and the
         * handshake together. */
        tls_error why;
        tls *t = tls_connect_servername(cfg, args[0], args[1], name, &why);
        if (t == NULL) {
            fprintf(stderr, "tls-client: %s\n", why.msg);
            return 1;
        }
        if (!quiet)
            fprintf(stderr, "version=%s cipher=%s group=%s alpn=%s verified=yes resumed=%s\n",
                    tls_conn_version(t), tls_conn_cipher(t), tls_conn_group(t),
                    tls_conn_alpn(t) ? tls_conn_alpn(t) : "none",
                    tls_conn_resumed(t) ? "yes" : "no");
        if (export_label != NULL) print_export(t, export_label);
        if (peer_cert) print_peer_cert(t);
        if (showcerts) print_chain(t);
        rc = relay(t, k == 0);
        /* A server that closes without close_notify (bssl-tool server -www, say) still
         * gave a session worth keeping (RFC 5246 §7.2.1); a fatal alert does not. */
        int kept = rc == 0 || tls_error_category(t) == TLS_ERRCAT_TRANSPORT;
        if (kept && k == reconnect && sess_out != NULL && store_session(t, sess_out) != 0) rc = 1;
        tls_free(t);
    }
    return rc;
}

int main(int argc, char **argv) {
    tls_config *cfg = tls_config_new();
    if (cfg == NULL) {
        fprintf(stderr, "tls-client: out of memory\n");
        return 1;
    }
    int rc = toolopt_keylog_from_env(cfg, "tls-client") != 0 ? 1 : run(cfg, argc, argv);
    tls_config_free(cfg);
    return rc;
}
