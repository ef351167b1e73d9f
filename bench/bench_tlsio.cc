// tlsio's side of the benchmark: two engines pumped through an in-memory wire.
#include <tlsio/tls.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "bench_driver.h"

namespace bench {

const char *const kImplName = "tlsio";

namespace {

tls_config *g_client[kKinds];
tls_config *g_server[kKinds];
// The latency row: configs with tlsio's defaults (TLS 1.3 preferred), ECDSA certificate.
tls_config *g_lat_client;
tls_config *g_lat_server;

std::string Slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

int64_t ClockMs(void *) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool Check(tls_config *cfg, int rc) {
    if (rc == 0) return true;
    fprintf(stderr, "tlsio: %s\n", tls_config_error(cfg));
    return false;
}

// One direction of the transport: the sender's bytes are copied in, the receiver copies out.
// Not zero-filled: a 64 KiB memset per direction and pair was ~4% of a resumed TLS 1.3
// handshake, a cost of this harness that the libssl side (BIO pairs) does not pay.
struct Wire {
    static constexpr size_t kCap = 64 * 1024;
    std::unique_ptr<uint8_t[]> buf{new uint8_t[kCap]};
    size_t len = 0;
};

} // namespace

struct Pair {
    tls_engine *client = nullptr;
    tls_engine *server = nullptr;
    Wire c2s, s2c;
};

bool ImplInit(const std::string &dir) {
    std::string ca_ec = Slurp(dir + "/ca_ecdsa.pem"), ca_rsa = Slurp(dir + "/ca_rsa.pem");
    std::string chain_ec = Slurp(dir + "/ecdsa_chain.pem"), key_ec = Slurp(dir + "/ecdsa_key.pem");
    std::string chain_rsa = Slurp(dir + "/rsa_chain.pem"), key_rsa = Slurp(dir + "/rsa_key.pem");
    if (ca_ec.empty() || ca_rsa.empty() || chain_ec.empty() || chain_rsa.empty()) return false;
    for (int k = 0; k < kKinds; k++) {
        tls_config *c = g_client[k] = tls_config_new();
        tls_config *s = g_server[k] = tls_config_new();
        bool rsa = k == kTls13Rsa;
        const std::string &ca = rsa ? ca_rsa : ca_ec;
        const std::string &chain = rsa ? chain_rsa : chain_ec;
        const std::string &key = rsa ? key_rsa : key_ec;
        uint16_t v = IsTls12(k) ? TLS_VERSION_1_2 : TLS_VERSION_1_3;
        const char *suite = IsTls12(k)          ? "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
                            : k == kTls13Chacha ? "TLS_CHACHA20_POLY1305_SHA256"
                                                : "TLS_AES_128_GCM_SHA256";
        for (tls_config *cfg : {c, s}) {
            if (!Check(cfg, tls_config_set_versions(cfg, v, v)) ||
                !Check(cfg, tls_config_set_ciphers(cfg, suite)) ||
                !Check(cfg, tls_config_set_groups(cfg, IsTls12(k) ? "x25519,secp256r1" : "x25519")))
                return false;
        }
        // Tickets need a clock (ages, lifetimes); the server issues one per connection, like
        // the libssl servers here. The other kinds issue none (count 0).
        if (!Check(c, tls_config_set_clock(c, ClockMs, nullptr)) ||
            !Check(s, tls_config_set_clock(s, ClockMs, nullptr)) ||
            !Check(s, tls_config_set_session_tickets(s, HasTickets(k) ? 1 : 0)))
            return false;
        if (!Check(c, tls_config_add_ca_pem(c, ca.data(), ca.size())) ||
            !Check(s,
                   tls_config_add_cert_pem(s, chain.data(), chain.size(), key.data(), key.size())))
            return false;
    }
    g_lat_client = tls_config_new();
    g_lat_server = tls_config_new();
    return Check(g_lat_client, tls_config_add_ca_pem(g_lat_client, ca_ec.data(), ca_ec.size())) &&
           Check(g_lat_server,
                 tls_config_add_cert_pem(g_lat_server, chain_ec.data(), chain_ec.size(),
                                         key_ec.data(), key_ec.size()));
}

bool LatencyServe(int listen_fd, int n, SockMode mode) {
    for (int i = 0; i < n; i++) {
        tls_error why;
        tls *s = nullptr;
        if (mode == kSockNagle) {
            int fd = accept(listen_fd, nullptr, nullptr);
            if (fd >= 0) ApplySockMode(fd, mode);
            s = fd < 0 ? nullptr : tls_server_fd(g_lat_server, fd, &why);
        } else {
            s = tls_accept(g_lat_server, listen_fd, &why);
            if (s != nullptr) ApplySockMode(tls_fd(s), mode);
        }
        if (s == nullptr) {
            fprintf(stderr, "tlsio: accept: %s\n", why.msg);
            return false;
        }
        char buf[kLatencyBytes];
        size_t got = 0;
        while (got < kLatencyBytes) {
            ssize_t k = tls_read(s, buf + got, kLatencyBytes - got);
            if (k <= 0) break;
            got += (size_t)k;
        }
        bool ok = got == kLatencyBytes && tls_write(s, buf, got) == (ssize_t)got;
        if (!ok) fprintf(stderr, "tlsio: server: %s\n", tls_error_msg(s));
        while (ok && tls_read(s, buf, sizeof buf) > 0) {
        }
        (void)tls_close(s);
        tls_free(s);
        if (!ok) return false;
    }
    return true;
}

double LatencyClientOnce(uint16_t port, SockMode mode) {
    tls_error why;
    tls *c = nullptr;
    if (mode == kSockNagle) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        if (fd < 0) return -1;
        ApplySockMode(fd, mode);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            c = tls_client_fd(g_lat_client, fd, "localhost", &why);
        else
            snprintf(why.msg, sizeof why.msg, "connect failed");
        if (c == nullptr) close(fd);
        if (c != nullptr && tls_handshake(c) != 0) {
            snprintf(why.msg, sizeof why.msg, "%s", tls_error_msg(c));
            tls_free(c);
            c = nullptr;
        }
    } else {
        c = tls_connect(g_lat_client, "localhost", std::to_string(port).c_str(), &why);
        if (c != nullptr) ApplySockMode(tls_fd(c), mode);
    }
    if (c == nullptr) {
        fprintf(stderr, "tlsio: connect: %s\n", why.msg);
        return -1;
    }
    char req[kLatencyBytes], buf[kLatencyBytes];
    memset(req, 'q', sizeof req);
    double t0 = Now(), t = -1;
    if (tls_write(c, req, sizeof req) == (ssize_t)sizeof req) {
        ssize_t k = tls_read(c, buf, sizeof buf);
        t = Now() - t0;
        size_t got = k > 0 ? (size_t)k : 0;
        while (k > 0 && got < sizeof buf) {
            k = tls_read(c, buf + got, sizeof buf - got);
            if (k > 0) got += (size_t)k;
        }
        if (got != sizeof buf) t = -1;
    }
    if (t < 0) fprintf(stderr, "tlsio: client: %s\n", tls_error_msg(c));
    (void)tls_close(c);
    tls_free(c);
    return t;
}

namespace {

Pair *NewPair(Kind k, const tls_session *s) {
    Pair *p = new Pair;
    tls_engine_new_error why;
    p->client = s != nullptr ? tls_engine_new_client_resume(g_client[k], kHostName, s, &why)
                             : tls_engine_new_client(g_client[k], kHostName);
    p->server = tls_engine_new_server(g_server[k]);
    if (p->client == nullptr || p->server == nullptr) {
        PairFree(p);
        return nullptr;
    }
    int64_t now = (int64_t)time(nullptr);
    tls_engine_set_time(p->client, now);
    tls_engine_set_time(p->server, now);
    return p;
}

} // namespace

Pair *PairNew(Kind k) {
    return NewPair(k, nullptr);
}

namespace {

// Sender -> wire -> receiver. Returns bytes moved, or -1 if the receiver failed.
long Move(tls_engine *from, Wire *w, tls_engine *to) {
    long moved = 0;
    for (;;) {
        size_t n = 0;
        const uint8_t *p = tls_engine_send_buf(from, &n);
        if (n > 0 && w->len < Wire::kCap) {
            size_t k = std::min(n, Wire::kCap - w->len);
            memcpy(w->buf.get() + w->len, p, k);
            w->len += k;
            tls_engine_send_ack(from, k);
        }
        if (w->len == 0) return moved;
        size_t cap = 0;
        uint8_t *d = tls_engine_recv_buf(to, &cap);
        if (d == nullptr || cap == 0) return (tls_engine_status(to) & TLS_ST_FAILED) ? -1 : moved;
        size_t k = std::min(cap, w->len);
        memcpy(d, w->buf.get(), k);
        if (k < w->len) memmove(w->buf.get(), w->buf.get() + k, w->len - k);
        w->len -= k;
        if (tls_engine_recv_ack(to, k) != 0) return -1;
        moved += (long)k;
    }
}

bool Failed(const Pair *p) {
    return ((tls_engine_status(p->client) | tls_engine_status(p->server)) & TLS_ST_FAILED) != 0;
}

} // namespace

bool PairHandshake(Pair *p) {
    for (int i = 0; i < 100; i++) {
        long a = Move(p->client, &p->c2s, p->server);
        long b = Move(p->server, &p->s2c, p->client);
        if (a < 0 || b < 0 || Failed(p)) break;
        if ((tls_engine_status(p->client) & TLS_ST_CONNECTED) &&
            (tls_engine_status(p->server) & TLS_ST_CONNECTED) && a == 0 && b == 0) {
            // Nothing left to read: what the socket facade does on EAGAIN.
            tls_engine_trim(p->client);
            tls_engine_trim(p->server);
            return true;
        }
        if (a == 0 && b == 0) break;
    }
    fprintf(stderr, "tlsio: handshake: client \"%s\", server \"%s\"\n", tls_engine_error(p->client),
            tls_engine_error(p->server));
    return false;
}

bool PairTransfer(Pair *p, const uint8_t *data, size_t len) {
    size_t off = 0, got = 0;
    while (got < len) {
        if (off < len) {
            size_t cap = 0;
            uint8_t *w = tls_engine_write_buf(p->client, &cap);
            if (w != nullptr && cap > 0) {
                size_t k = std::min(cap, len - off);
                memcpy(w, data + off, k);
                if (tls_engine_write_ack(p->client, k) != 0) return false;
                off += k;
            }
        }
        if (Move(p->client, &p->c2s, p->server) < 0) return false;
        bool any = false;
        for (;;) {
            size_t n = 0;
            const uint8_t *r = tls_engine_read_buf(p->server, &n);
            if (r == nullptr || n == 0) break;
            tls_engine_read_ack(p->server, n);
            got += n;
            any = true;
        }
        if (!any && off == len && got < len) return false;
    }
    return true;
}

uint16_t PairSuite(Pair *p) {
    return tls_engine_cipher_suite(p->client);
}

uint16_t PairGroup(Pair *p) {
    return tls_engine_group(p->client);
}

struct Session {
    tls_session *s;
};

Session *PairTakeSession(Pair *p) {
    // The pump in PairHandshake already delivered the server's tickets; keep the newest.
    tls_session *newest = nullptr;
    while (tls_session *s = tls_engine_take_session(p->client)) {
        tls_session_free(newest);
        newest = s;
    }
    return newest != nullptr ? new Session{newest} : nullptr;
}

Pair *PairNewResume(Kind k, const Session *s) {
    return NewPair(k, s->s);
}

bool PairResumed(Pair *p) {
    return tls_engine_resumed(p->client) == 1 && tls_engine_resumed(p->server) == 1;
}

void SessionFree(Session *s) {
    if (s == nullptr) return;
    tls_session_free(s->s);
    delete s;
}

void PairFreeServer(Pair *p) {
    tls_engine_free(p->server);
    p->server = nullptr;
}

void PairFreeClient(Pair *p) {
    tls_engine_free(p->client);
    p->client = nullptr;
}

void PairFree(Pair *p) {
    if (p == nullptr) return;
    tls_engine_free(p->client);
    tls_engine_free(p->server);
    delete p;
}

} // namespace bench
