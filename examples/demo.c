/*
 * demo: one verified TLS 1.3 round trip on loopback, with nothing to set up first.
 *
 *   1. Makes a throwaway CA and a server certificate for "localhost" / 127.0.0.1, in memory
 *      (libcrypto's X509 API: that is the demo's business, not the library's).
 *   2. Starts a tlsio server in a thread on 127.0.0.1, port 0 (the kernel picks a free one).
 *   3. Connects a tlsio client that trusts only that CA (verification is always on), sends a
 *      message, reads the echo, and prints what was negotiated and how long the handshake took.
 *
 * Every wait is bounded (socket timeouts plus a watchdog), so a failure ends the program
 * instead of hanging it. Exit status 0 means the round trip worked.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <tlsio/tls.h>

#define TIMEOUT_SECONDS  10 /* for every socket wait */
#define WATCHDOG_SECONDS 30 /* for the whole program */
#define ALPN             "tlsio-demo/1"
#define MESSAGE          "hello from the tlsio demo"

/* ---- a certificate authority in memory ------------------------------------------------ */

/* A key pair and its certificate, both also as PEM (what tls_config_add_*_pem take). */
typedef struct credential {
    EVP_PKEY *key;
    X509 *cert;
    char *cert_pem, *key_pem;
} credential;

static EVP_PKEY *new_p256_key(void) {
    EC_KEY *ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    EVP_PKEY *key = EVP_PKEY_new();
    if (ec == NULL || key == NULL || !EC_KEY_generate_key(ec) || !EVP_PKEY_assign_EC_KEY(key, ec)) {
        EC_KEY_free(ec);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

/* Adds one X.509v3 extension written in OpenSSL's config syntax ("critical,CA:TRUE"). */
static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* Writes a certificate or key as a NUL-terminated PEM string (OPENSSL_free it). */
static char *to_pem(X509 *cert, EVP_PKEY *key) {
    BIO *bio = BIO_new(BIO_s_mem());
    const uint8_t *data;
    size_t len;
    char *out = NULL;
    int ok = bio != NULL &&
             (cert != NULL ? PEM_write_bio_X509(bio, cert)
                           : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL));
    if (ok && BIO_mem_contents(bio, &data, &len)) out = OPENSSL_strndup((const char *)data, len);
    BIO_free(bio);
    return out;
}

/*
 * A certificate for cn, valid from an hour ago for a day. With issuer == NULL it is a
 * self-signed CA; otherwise a server certificate for localhost and 127.0.0.1 signed by issuer.
 */
static int make_credential(credential *c, const char *cn, const credential *issuer) {
    memset(c, 0, sizeof(*c));
    c->key = new_p256_key();
    c->cert = X509_new();
    if (c->key == NULL || c->cert == NULL) return 0;
    X509 *signer = issuer != NULL ? issuer->cert : c->cert;
    X509_NAME *name = X509_get_subject_name(c->cert);
    int ok = X509_set_version(c->cert, X509_VERSION_3) &&
             ASN1_INTEGER_set(X509_get_serialNumber(c->cert), issuer != NULL ? 2 : 1) &&
             X509_gmtime_adj(X509_getm_notBefore(c->cert), -3600) != NULL &&
             X509_gmtime_adj(X509_getm_notAfter(c->cert), 24 * 3600) != NULL &&
             X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const uint8_t *)"tlsio demo", -1,
                                        -1, 0) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const uint8_t *)cn, -1, -1, 0) &&
             X509_set_issuer_name(c->cert, X509_get_subject_name(signer)) &&
             X509_set_pubkey(c->cert, c->key);
    if (ok && issuer == NULL) /* a CA: may sign certificates, nothing else */
        ok = add_ext(c->cert, signer, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(c->cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    else if (ok) /* a TLS server certificate, named by its subjectAltName (RFC 9525) */
        ok = add_ext(c->cert, signer, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(c->cert, signer, NID_key_usage, "critical,digitalSignature") &&
             add_ext(c->cert, signer, NID_ext_key_usage, "serverAuth") &&
             add_ext(c->cert, signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    ok = ok && X509_sign(c->cert, issuer != NULL ? issuer->key : c->key, EVP_sha256()) != 0;
    if (ok) c->cert_pem = to_pem(c->cert, NULL);
    if (ok) c->key_pem = to_pem(NULL, c->key);
    return ok && c->cert_pem != NULL && c->key_pem != NULL;
}

static void free_credential(credential *c) {
    EVP_PKEY_free(c->key);
    X509_free(c->cert);
    if (c->key_pem != NULL) OPENSSL_cleanse(c->key_pem, strlen(c->key_pem));
    OPENSSL_free(c->key_pem);
    OPENSSL_free(c->cert_pem);
}

/* ---- the server: one connection, echoed back ------------------------------------------ */

typedef struct server {
    tls_config *cfg;
    int listen_fd;
    int ok;               /* set by the thread: 1 when the echo went through */
    char servername[256]; /* the SNI the client sent */
    char error[300];      /* why it failed, if it did */
    size_t echoed;
} server;

static void set_timeouts(int fd) {
    struct timeval tv = {.tv_sec = TIMEOUT_SECONDS};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void *serve(void *arg) {
    server *s = arg;
    struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
    if (poll(&p, 1, TIMEOUT_SECONDS * 1000) != 1) {
        snprintf(s->error, sizeof(s->error), "no client connected within %d s", TIMEOUT_SECONDS);
        return NULL;
    }
    tls_error why;
    tls *t = tls_accept(s->cfg, s->listen_fd, &why);
    if (t == NULL) {
        snprintf(s->error, sizeof(s->error), "accept: %s", why.msg);
        return NULL;
    }
    set_timeouts(tls_fd(t)); /* a blocked read ends with EAGAIN after the timeout */
    char buf[512];
    ssize_t n = tls_read(t, buf, sizeof(buf)); /* runs the handshake, then reads */
    if (n > 0 && tls_write(t, buf, (size_t)n) == n && tls_close(t) == 0) {
        s->ok = 1;
        s->echoed = (size_t)n;
        if (tls_conn_servername(t) != NULL)
            snprintf(s->servername, sizeof(s->servername), "%s", tls_conn_servername(t));
    } else {
        snprintf(s->error, sizeof(s->error), "%s",
                 tls_error_code(t) != 0 ? tls_error_msg(t) : strerror(errno));
    }
    tls_free(t);
    return NULL;
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port (stored in *port). */
static int listen_loopback(unsigned *port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        perror("demo: listen on 127.0.0.1");
        if (fd >= 0) close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* ---- the client ------------------------------------------------------------------------- */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Connects to 127.0.0.1:port, verifies the server as "localhost", round-trips MESSAGE. */
static int run_client(tls_config *cfg, unsigned port) {
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("demo: connect");
        if (fd >= 0) close(fd);
        return 0;
    }
    set_timeouts(fd);
    tls_error why;
    tls *t = tls_client_fd(cfg, fd, "localhost", &why); /* t owns fd from here on */
    if (t == NULL) {
        fprintf(stderr, "demo: %s\n", why.msg);
        close(fd);
        return 0;
    }
    double start = now_ms();
    if (tls_handshake(t) != 0) {
        fprintf(stderr, "demo: handshake failed: %s (%s)\n", tls_error_msg(t),
                tls_error_code_name(tls_error_code(t)));
        tls_free(t);
        return 0;
    }
    double took = now_ms() - start;

    char reply[512];
    size_t got = 0;
    ssize_t n = tls_write(t, MESSAGE, strlen(MESSAGE));
    while (n > 0 && got < strlen(MESSAGE)) {
        n = tls_read(t, reply + got, sizeof(reply) - 1 - got);
        if (n > 0) got += (size_t)n;
    }
    reply[got] = 0;
    int ok = got == strlen(MESSAGE) && memcmp(reply, MESSAGE, got) == 0;
    if (!ok)
        fprintf(stderr, "demo: echo failed: %s\n",
                tls_error_code(t) != 0 ? tls_error_msg(t) : strerror(errno));
    printf("client: handshake took %.2f ms (measured in the client)\n", took);
    printf("  version     %s\n", tls_conn_version(t));
    printf("  cipher      %s\n", tls_conn_cipher(t));
    printf("  group       %s\n", tls_conn_group(t));
    printf("  ALPN        %s\n", tls_conn_alpn(t) ? tls_conn_alpn(t) : "(none)");
    printf("  peer        %s (chain verified against the demo CA, name \"%s\")\n",
           tls_conn_peer_subject(t), tls_conn_servername(t));
    if (ok) printf("client: sent \"%s\" and read it back\n", MESSAGE);
    (void)tls_close(t);
    tls_free(t);
    return ok;
}

int main(void) {
    alarm(WATCHDOG_SECONDS); /* the last resort against a hang: SIGALRM ends the process */
    printf("tlsio %s demo: TLS over loopback (127.0.0.1) only\n", tlsio_version());

    credential ca, leaf;
    int ok =
        make_credential(&ca, "tlsio demo CA", NULL) && make_credential(&leaf, "localhost", &ca);
    if (!ok) {
        fprintf(stderr, "demo: could not make the certificates\n");
        return 1;
    }
    printf("made a CA and a server certificate (localhost, 127.0.0.1) in memory\n");

    /* Server config: its certificate and key; client config: the CA as the only anchor. */
    tls_config *scfg = tls_config_new(), *ccfg = tls_config_new();
    if (scfg == NULL || ccfg == NULL ||
        tls_config_add_cert_pem(scfg, leaf.cert_pem, strlen(leaf.cert_pem), leaf.key_pem,
                                strlen(leaf.key_pem)) != 0 ||
        tls_config_set_alpn(scfg, ALPN) != 0 ||
        tls_config_add_ca_pem(ccfg, ca.cert_pem, strlen(ca.cert_pem)) != 0 ||
        tls_config_set_alpn(ccfg, "h2," ALPN) != 0) {
        fprintf(stderr, "demo: config: %s%s\n", tls_config_error(scfg), tls_config_error(ccfg));
        return 1;
    }

    unsigned port = 0;
    server s = {.cfg = scfg};
    pthread_t thread;
    if ((s.listen_fd = listen_loopback(&port)) < 0) return 1;
    if (pthread_create(&thread, NULL, serve, &s) != 0) {
        fprintf(stderr, "demo: cannot start the server thread\n");
        return 1;
    }
    printf("server: listening on 127.0.0.1:%u\n", port);

    int client_ok = run_client(ccfg, port);
    pthread_join(thread, NULL);
    if (s.ok)
        printf("server: client asked for \"%s\" (SNI); echoed %zu bytes\n", s.servername, s.echoed);
    else
        fprintf(stderr, "demo: server: %s\n", s.error);

    close(s.listen_fd);
    tls_config_free(scfg);
    tls_config_free(ccfg);
    free_credential(&leaf);
    free_credential(&ca);
    ok = client_ok && s.ok;
    printf("%s\n", ok ? "demo OK" : "demo FAILED");
    return ok ? 0 : 1;
}
