/*
 * tls-client: connect with full verification, print what was negotiated, then copy stdin to
 * the connection and the connection to stdout. On stdin EOF it sends close_notify and reads
 * until the server closes. Exit 0 on a clean close, 1 on any failure (reason on stderr).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "toolopts.h"

static int usage(void) {
    fprintf(stderr, "usage: tls-client [options] HOST PORT\n"
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
                    "  -q                 no summary line\n");
    toolopt_usage();
    return 1;
}

static int fail(tls *t, const char *what) {
    fprintf(stderr, "tls-client: %s: %s\n", what, t ? tls_error_msg(t) : strerror(errno));
    return 1;
}

static int tcp_connect(const char *host, const char *port) {
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "tls-client: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) fprintf(stderr, "tls-client: connect %s:%s: %s\n", host, port, strerror(errno));
    return fd;
}

/* Copies until the server closes: returns 0 on a clean close, 1 on failure. */
static int relay(tls *t) {
    char buf[16384];
    int stdin_open = 1;
    fcntl(tls_fd(t), F_SETFL, fcntl(tls_fd(t), F_GETFL) | O_NONBLOCK);
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
        if (poll(p, stdin_open ? 2 : 1, -1) < 0 && errno != EINTR) return fail(NULL, "poll");
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

/* Parses the options into cfg, connects and relays; the caller frees cfg. */
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

static int run(tls_config *cfg, int argc, char **argv) {
    const char *servername = NULL, *export_label = NULL, *cert = NULL, *args[2];
    int quiet = 0, peer_cert = 0, nargs = 0;
    for (int i = 1; i < argc; i++) {
        int r = toolopt_apply(cfg, argc, argv, &i);
        if (r < 0) return 1;
        if (r > 0) continue;
        if (strcmp(argv[i], "--servername") == 0 && i + 1 < argc)
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
        } else if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "--peer-cert") == 0)
            peer_cert = 1;
        else if (strcmp(argv[i], "--trace") == 0) {
            if (tls_config_set_trace(cfg, trace, NULL) != 0) {
                fprintf(stderr, "tls-client: --trace: %s\n", tls_config_error(cfg));
                return 1;
            }
        } else if (argv[i][0] == '-' || nargs == 2)
            return usage();
        else
            args[nargs++] = argv[i];
    }
    if (nargs != 2 || cert != NULL) return usage();
    int fd = tcp_connect(args[0], args[1]);
    if (fd < 0) return 1;
    tls_error why;
    tls *t = tls_client_fd(cfg, fd, servername ? servername : args[0], &why);
    if (t == NULL) {
        fprintf(stderr, "tls-client: %s\n", why.msg);
        close(fd);
        return 1;
    }
    int rc;
    if (tls_handshake(t) != 0) {
        rc = fail(t, "handshake");
    } else {
        if (!quiet)
            fprintf(stderr, "version=%s cipher=%s group=%s alpn=%s verified=yes\n",
                    tls_conn_version(t), tls_conn_cipher(t), tls_conn_group(t),
                    tls_conn_alpn(t) ? tls_conn_alpn(t) : "none");
        if (export_label != NULL) print_export(t, export_label);
        if (peer_cert) print_peer_cert(t);
        rc = relay(t);
    }
    tls_free(t);
    return rc;
}

int main(int argc, char **argv) {
    tls_config *cfg = tls_config_new();
    if (cfg == NULL) {
        fprintf(stderr, "tls-client: out of memory\n");
        return 1;
    }
    int rc = run(cfg, argc, argv);
    tls_config_free(cfg);
    return rc;
}
