// The libssl side of the benchmark, compiled twice: once against BoringSSL's libssl
// (bench_boringssl) and once against OpenSSL 3's (bench_openssl). The two builds never share
// a process or an include path. Two SSL objects talk through a pair of memory BIOs, which the
// wrapper owns (so transport buffers are not counted as connection memory).
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#ifdef OPENSSL_IS_BORINGSSL
#include <dlfcn.h>
#endif

#include "bench_driver.h"

#include <unistd.h>

namespace bench {

#ifdef OPENSSL_IS_BORINGSSL
const char *const kImplName = "boringssl";
#else
const char *const kImplName = "openssl";
#endif

namespace {

SSL_CTX *g_client[kKinds];
SSL_CTX *g_server[kKinds];
// The latency row: the library's default settings, ECDSA certificate.
SSL_CTX *g_lat_client;
SSL_CTX *g_lat_server;

// The newest session a ticket-kind client received (new-session callback; the benchmark is
// single-threaded and runs one pair at a time).
SSL_SESSION *g_new_session;

int NewSession(SSL *, SSL_SESSION *sess) {
    if (g_new_session != nullptr) SSL_SESSION_free(g_new_session);
    g_new_session = sess;
    return 1; // we keep the reference
}

#ifdef OPENSSL_IS_BORINGSSL
// BoringSSL's libssl has no knob for TLS 1.3 cipher suites: both ends prefer AES-GCM when
// EVP_has_aes_hardware() says so. For the ChaCha20 row the benchmark interposes that one
// libcrypto function (defined below, exported from this executable) so libssl negotiates
// ChaCha20-Poly1305; libcrypto's own code paths are unaffected.
bool g_pretend_no_aes_hw = false;
#endif

bool Fail(const char *what) {
    fprintf(stderr, "%s: %s\n", kImplName, what);
    ERR_print_errors_fp(stderr);
    return false;
}

X509 *ReadCert(const std::string &path) {
    FILE *f = fopen(path.c_str(), "r");
    if (f == nullptr) return nullptr;
    X509 *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    fclose(f);
    return x;
}

} // namespace

#ifdef OPENSSL_IS_BORINGSSL
} // namespace bench
extern "C" int EVP_has_aes_hardware(void) {
    if (bench::g_pretend_no_aes_hw) return 0;
    using Fn = int (*)(void);
    Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "EVP_has_aes_hardware"));
    return real != nullptr ? real() : 1;
}
namespace bench {
#endif

struct Pair {
    SSL *client = nullptr;
    SSL *server = nullptr;
    BIO *c2s = nullptr, *s2c = nullptr;
};

bool ImplInit(const std::string &dir) {
    for (int k = 0; k < kKinds; k++) {
        bool rsa = k == kTls13Rsa;
        int v = IsTls12(k) ? TLS1_2_VERSION : TLS1_3_VERSION;
        SSL_CTX *c = g_client[k] = SSL_CTX_new(TLS_method());
        SSL_CTX *s = g_server[k] = SSL_CTX_new(TLS_method());
        if (c == nullptr || s == nullptr) return Fail("SSL_CTX_new");
        for (SSL_CTX *ctx : {c, s}) {
            if (!SSL_CTX_set_min_proto_version(ctx, v) || !SSL_CTX_set_max_proto_version(ctx, v))
                return Fail("protocol version");
            if (!SSL_CTX_set1_curves_list(ctx, IsTls12(k) ? "X25519:P-256" : "X25519"))
                return Fail("groups");
            if (IsTls12(k) && !SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256"))
                return Fail("cipher list");
#ifndef OPENSSL_IS_BORINGSSL
            const char *suite =
                k == kTls13Chacha ? "TLS_CHACHA20_POLY1305_SHA256" : "TLS_AES_128_GCM_SHA256";
            if (!SSL_CTX_set_ciphersuites(ctx, suite)) return Fail("ciphersuites");
#endif
            // Full handshakes only: no session cache, no tickets. The ticket kinds below: the
            // server issues one stateless ticket per connection and keeps no session cache.
            SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
            if (!HasTickets(k)) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
            SSL_CTX_set_num_tickets(ctx, HasTickets(k) ? 1 : 0);
        }
        if (HasTickets(k)) {
            // The client hands every session it receives to NewSession (no internal cache).
            SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
            SSL_CTX_sess_set_new_cb(c, NewSession);
        }
        std::string ca = dir + (rsa ? "/ca_rsa.pem" : "/ca_ecdsa.pem");
        X509 *root = ReadCert(ca);
        if (root == nullptr || !X509_STORE_add_cert(SSL_CTX_get_cert_store(c), root))
            return Fail("trust anchor");
        X509_free(root);
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
        std::string chain = dir + (rsa ? "/rsa_chain.pem" : "/ecdsa_chain.pem");
        std::string key = dir + (rsa ? "/rsa_key.pem" : "/ecdsa_key.pem");
        if (!SSL_CTX_use_certificate_chain_file(s, chain.c_str()) ||
            !SSL_CTX_use_PrivateKey_file(s, key.c_str(), SSL_FILETYPE_PEM))
            return Fail("server certificate");
    }
    g_lat_client = SSL_CTX_new(TLS_method());
    g_lat_server = SSL_CTX_new(TLS_method());
    if (g_lat_client == nullptr || g_lat_server == nullptr) return Fail("SSL_CTX_new");
    X509 *root = ReadCert(dir + "/ca_ecdsa.pem");
    if (root == nullptr || !X509_STORE_add_cert(SSL_CTX_get_cert_store(g_lat_client), root))
        return Fail("trust anchor");
    X509_free(root);
    SSL_CTX_set_verify(g_lat_client, SSL_VERIFY_PEER, nullptr);
    if (!SSL_CTX_use_certificate_chain_file(g_lat_server, (dir + "/ecdsa_chain.pem").c_str()) ||
        !SSL_CTX_use_PrivateKey_file(g_lat_server, (dir + "/ecdsa_key.pem").c_str(),
                                     SSL_FILETYPE_PEM))
        return Fail("server certificate");
    return true;
}

bool LatencyServe(int listen_fd, int n, SockMode mode) {
    for (int i = 0; i < n; i++) {
        int fd = accept(listen_fd, nullptr, nullptr);
        if (fd < 0) return Fail("accept");
        ApplySockMode(fd, mode);
        SSL *s = SSL_new(g_lat_server);
        bool ok = s != nullptr && SSL_set_fd(s, fd) && SSL_accept(s) == 1;
        char buf[kLatencyBytes];
        int got = 0;
        while (ok && got < (int)kLatencyBytes) {
            int k = SSL_read(s, buf + got, (int)kLatencyBytes - got);
            if (k <= 0)
                ok = false;
            else
                got += k;
        }
        ok = ok && SSL_write(s, buf, got) == got;
        while (ok && SSL_read(s, buf, sizeof buf) > 0) {
        }
        if (s != nullptr) {
            (void)SSL_shutdown(s);
            SSL_free(s);
        }
        close(fd);
        if (!ok) return Fail("latency server");
    }
    return true;
}

double LatencyClientOnce(uint16_t port, SockMode mode) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (fd >= 0) ApplySockMode(fd, mode);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0) close(fd);
        Fail("connect");
        return -1;
    }
    SSL *c = SSL_new(g_lat_client);
    double t = -1;
    if (c != nullptr && SSL_set_fd(c, fd) && SSL_set1_host(c, "localhost") &&
        SSL_set_tlsext_host_name(c, "localhost") && SSL_connect(c) == 1) {
        char req[kLatencyBytes], buf[kLatencyBytes];
        memset(req, 'q', sizeof req);
        double t0 = Now();
        if (SSL_write(c, req, sizeof req) == (int)sizeof req) {
            int k = SSL_read(c, buf, sizeof buf);
            t = Now() - t0;
            int got = k > 0 ? k : 0;
            while (k > 0 && got < (int)sizeof buf) {
                k = SSL_read(c, buf + got, (int)sizeof buf - got);
                if (k > 0) got += k;
            }
            if (got != (int)sizeof buf) t = -1;
        }
        (void)SSL_shutdown(c);
    }
    if (t < 0) Fail("latency client");
    SSL_free(c);
    close(fd);
    return t;
}

static BIO *MemBio() {
    BIO *b = BIO_new(BIO_s_mem());
    if (b != nullptr) BIO_set_mem_eof_return(b, -1); // empty means "retry", not EOF
    return b;
}

Pair *PairNew(Kind k) {
#ifdef OPENSSL_IS_BORINGSSL
    g_pretend_no_aes_hw = k == kTls13Chacha;
#endif
    Pair *p = new Pair;
    p->client = SSL_new(g_client[k]);
    p->server = SSL_new(g_server[k]);
    p->c2s = MemBio();
    p->s2c = MemBio();
    if (!p->client || !p->server || !p->c2s || !p->s2c) {
        PairFree(p);
        return nullptr;
    }
    // The client verifies the chain (SSL_VERIFY_PEER) and the host name, and sends SNI.
    if (!SSL_set1_host(p->client, kHostName) || !SSL_set_tlsext_host_name(p->client, kHostName)) {
        PairFree(p);
        return nullptr;
    }
    BIO_up_ref(p->c2s);
    BIO_up_ref(p->c2s);
    BIO_up_ref(p->s2c);
    BIO_up_ref(p->s2c);
    SSL_set0_rbio(p->client, p->s2c);
    SSL_set0_wbio(p->client, p->c2s);
    SSL_set0_rbio(p->server, p->c2s);
    SSL_set0_wbio(p->server, p->s2c);
    SSL_set_connect_state(p->client);
    SSL_set_accept_state(p->server);
    return p;
}

static bool Step(SSL *ssl, bool *done) {
    if (*done) return true;
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) {
        *done = true;
        return true;
    }
    int err = SSL_get_error(ssl, rc);
    return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
}

bool PairHandshake(Pair *p) {
    bool c = false, s = false;
    for (int i = 0; i < 100 && !(c && s); i++)
        if (!Step(p->client, &c) || !Step(p->server, &s)) break;
    if (!(c && s)) return Fail("handshake");
    if (SSL_get_verify_result(p->client) != X509_V_OK) return Fail("verification");
#ifndef OPENSSL_IS_BORINGSSL
    if (SSL_version(p->client) == TLS1_2_VERSION && !SSL_get_extms_support(p->client))
        return Fail("no extended master secret");
#endif
    return true;
}

bool PairTransfer(Pair *p, const uint8_t *data, size_t len) {
    uint8_t buf[16384];
    int w = SSL_write(p->client, data, (int)len);
    if (w != (int)len) return Fail("SSL_write");
    size_t got = 0;
    while (got < len) {
        int r = SSL_read(p->server, buf, sizeof buf);
        if (r <= 0) return Fail("SSL_read");
        got += (size_t)r;
    }
    return true;
}

uint16_t PairSuite(Pair *p) {
    const SSL_CIPHER *c = SSL_get_current_cipher(p->client);
    return c != nullptr ? SSL_CIPHER_get_protocol_id(c) : 0;
}

uint16_t PairGroup(Pair *p) {
#ifdef OPENSSL_IS_BORINGSSL
    return SSL_get_curve_id(p->client);
#else
    // OpenSSL reports a NID; x25519 is the only group these benchmarks expect.
    return SSL_get_negotiated_group(p->client) == NID_X25519 ? 29 : 0;
#endif
}

struct Session {
    SSL_SESSION *s;
};

Session *PairTakeSession(Pair *p) {
    // BoringSSL's server queues its TLS 1.3 NewSessionTicket until its first write (in a
    // real server, the response); an empty SSL_write sends it (for OpenSSL, whose server sent
    // its ticket within the handshake, it does nothing). The client processes the ticket when
    // it next reads, and finds nothing else to read.
    (void)SSL_write(p->server, "", 0);
    uint8_t b;
    int r = SSL_read(p->client, &b, 1);
    if (r > 0 || SSL_get_error(p->client, r) != SSL_ERROR_WANT_READ) {
        Fail("unexpected data after the handshake");
        return nullptr;
    }
    if (g_new_session == nullptr) return nullptr;
    Session *s = new Session{g_new_session};
    g_new_session = nullptr;
    return s;
}

Pair *PairNewResume(Kind k, const Session *s) {
    Pair *p = PairNew(k);
    if (p != nullptr && !SSL_set_session(p->client, s->s)) {
        PairFree(p);
        return nullptr;
    }
    return p;
}

bool PairResumed(Pair *p) {
    return SSL_session_reused(p->client) == 1 && SSL_session_reused(p->server) == 1;
}

void SessionFree(Session *s) {
    if (s == nullptr) return;
    SSL_SESSION_free(s->s);
    delete s;
}

void PairFreeServer(Pair *p) {
    SSL_free(p->server);
    p->server = nullptr;
}

void PairFreeClient(Pair *p) {
    SSL_free(p->client);
    p->client = nullptr;
}

void PairFree(Pair *p) {
    if (p == nullptr) return;
    // Freed as if closed cleanly: OpenSSL marks the session of a connection freed without a
    // shutdown as not resumable (the close_notify itself is not sent; it costs the same for
    // every implementation and is not what is measured).
    for (SSL *ssl : {p->client, p->server})
        if (ssl != nullptr) SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(p->client);
    SSL_free(p->server);
    BIO_free(p->c2s);
    BIO_free(p->s2c);
    delete p;
}

} // namespace bench
