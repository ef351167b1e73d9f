// The cost of a hostile ClientHello (issue 13): a tlsio server engine fed one ClientHello and
// run until its first flight is out (ServerHello .. Finished: ECDHE and the ECDSA signature
// included), for a normal hello and for the worst ones tlsio's limits allow:
//  - groups: 8,000 groups tlsio does not know, 8,000 one-byte key shares for them, x25519
//    and its share last (the hello that cost 260-290x a normal one when the share checks
//    were quadratic);
//  - sigalgs: signature_algorithms at its bound (32,760 unknown schemes, ecdsa last);
//  - extensions: as many empty unknown extensions as the 64 KiB extension block holds.
// Prints µs per hello (median of rounds) and each hostile one's ratio to the normal one.
// Output format as in bench_driver.h (impl "tlsio").
//   bench_hello --pki DIR [--quick]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tlsio/core.h>
#include <tlsio/tls.h>

namespace {

using Bytes = std::vector<uint8_t>;

std::string Slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

double Now() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void Emit(const std::string &metric, double value, const char *unit) {
    printf("{\"impl\":\"tlsio\",\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n",
           metric.c_str(), value, unit);
    fflush(stdout);
}

void Put16(Bytes &b, size_t v) {
    b.push_back((uint8_t)(v >> 8));
    b.push_back((uint8_t)v);
}

// A ClientHello message taken apart: the body up to the extensions, then each extension.
struct Hello {
    Bytes prefix;
    std::vector<std::pair<uint16_t, Bytes>> exts;

    bool Parse(const Bytes &msg) {
        // type(1) length(3) version(2) random(32) session_id<1> suites<2> compression<1>
        size_t at = 4 + 2 + 32;
        if (msg.size() < at + 1) return false;
        at += 1 + msg[at];
        if (msg.size() < at + 2) return false;
        at += 2 + (msg[at] << 8 | msg[at + 1]);
        if (msg.size() < at + 1) return false;
        at += 1 + msg[at];
        if (msg.size() < at + 2) return false;
        prefix.assign(msg.begin() + 4, msg.begin() + at);
        at += 2;
        while (at + 4 <= msg.size()) {
            uint16_t type = (uint16_t)(msg[at] << 8 | msg[at + 1]);
            size_t len = (size_t)(msg[at + 2] << 8 | msg[at + 3]);
            if (at + 4 + len > msg.size()) return false;
            exts.emplace_back(type, Bytes(msg.begin() + at + 4, msg.begin() + at + 4 + len));
            at += 4 + len;
        }
        return at == msg.size();
    }
    Bytes *Find(uint16_t type) {
        for (auto &e : exts)
            if (e.first == type) return &e.second;
        return nullptr;
    }
    // The handshake message, in records of at most 2^14 bytes.
    Bytes Records() const {
        Bytes body = prefix, all;
        size_t ext_len = 0;
        for (const auto &e : exts)
            ext_len += 4 + e.second.size();
        Put16(body, ext_len);
        for (const auto &e : exts) {
            Put16(body, e.first);
            Put16(body, e.second.size());
            body.insert(body.end(), e.second.begin(), e.second.end());
        }
        Bytes msg = {1, (uint8_t)(body.size() >> 16), (uint8_t)(body.size() >> 8),
                     (uint8_t)body.size()};
        msg.insert(msg.end(), body.begin(), body.end());
        for (size_t at = 0; at < msg.size(); at += 16384) {
            size_t n = std::min<size_t>(16384, msg.size() - at);
            Bytes hdr = {22, 3, 1, (uint8_t)(n >> 8), (uint8_t)n};
            all.insert(all.end(), hdr.begin(), hdr.end());
            all.insert(all.end(), msg.begin() + at, msg.begin() + at + n);
        }
        return all;
    }
};

Bytes Drain(tls_engine *e) {
    size_t n = 0;
    const uint8_t *p = tls_engine_send_buf(e, &n);
    Bytes out(p, p + n);
    tls_engine_send_ack(e, n);
    return out;
}

// One server engine fed `wire`; true when it answered with its flight and did not fail.
bool Serve(tls_config *cfg, const Bytes &wire, size_t *answer) {
    tls_engine *s = tls_engine_new_server(cfg);
    if (s == nullptr) return false;
    tls_engine_set_time(s, (int64_t)time(nullptr));
    size_t off = 0;
    bool ok = true;
    while (ok && off < wire.size()) {
        size_t cap = 0;
        uint8_t *d = tls_engine_recv_buf(s, &cap);
        size_t k = std::min(cap, wire.size() - off);
        if (d == nullptr || k == 0) break;
        memcpy(d, wire.data() + off, k);
        off += k;
        ok = tls_engine_recv_ack(s, k) == 0;
    }
    *answer = Drain(s).size();
    ok = ok && off == wire.size() && tls_engine_error_code(s) == 0 && *answer > 0;
    if (!ok) fprintf(stderr, "bench_hello: server failed: %s\n", tls_engine_error(s));
    tls_engine_free(s);
    return ok;
}

double MedianUs(tls_config *cfg, const Bytes &wire, int iters, int rounds) {
    std::vector<double> per;
    size_t answer = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = Now();
        for (int i = 0; i < iters; i++)
            if (!Serve(cfg, wire, &answer)) return -1;
        per.push_back((Now() - t0) / iters * 1e6);
    }
    std::sort(per.begin(), per.end());
    return per[per.size() / 2];
}

Bytes U16List(size_t n, uint16_t first, uint16_t last) {
    Bytes b;
    Put16(b, 2 * (n + 1));
    for (size_t i = 0; i < n; i++)
        Put16(b, (uint16_t)(first + i));
    Put16(b, last);
    return b;
}

} // namespace

int main(int argc, char **argv) {
    std::string dir;
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pki") && i + 1 < argc) dir = argv[++i];
        if (!strcmp(argv[i], "--quick")) quick = true;
    }
    if (dir.empty()) {
        fprintf(stderr, "usage: bench_hello --pki DIR [--quick]\n");
        return 2;
    }
    std::string ca = Slurp(dir + "/ca_ecdsa.pem"), chain = Slurp(dir + "/ecdsa_chain.pem"),
                key = Slurp(dir + "/ecdsa_key.pem");
    tls_config *client = tls_config_new(), *server = tls_config_new();
    if (tls_config_set_versions(client, TLS_VERSION_1_3, TLS_VERSION_1_3) != 0 ||
        tls_config_add_ca_pem(client, ca.data(), ca.size()) != 0 ||
        tls_config_set_session_tickets(server, 0) != 0 ||
        tls_config_add_cert_pem(server, chain.data(), chain.size(), key.data(), key.size()) != 0) {
        fprintf(stderr, "bench_hello: configs: %s %s\n", tls_config_error(client),
                tls_config_error(server));
        return 1;
    }
    tls_engine *c = tls_engine_new_client(client, "bench.example");
    Bytes first = Drain(c);
    tls_engine_free(c);
    // The client's first flight is one record holding the ClientHello.
    Hello normal;
    if (first.size() < 5 || !normal.Parse(Bytes(first.begin() + 5, first.end()))) {
        fprintf(stderr, "bench_hello: cannot parse our own ClientHello\n");
        return 1;
    }

    Hello groups = normal;
    const size_t n = 8000;
    Bytes *ks = groups.Find(51);
    Bytes shares;
    for (size_t i = 0; i < n; i++) {
        Put16(shares, 0x4000 + i);
        Put16(shares, 1);
        shares.push_back(0x42);
    }
    shares.insert(shares.end(), ks->begin() + 2, ks->end()); // our x25519 share, last
    ks->clear();
    Put16(*ks, shares.size());
    ks->insert(ks->end(), shares.begin(), shares.end());
    *groups.Find(10) = U16List(n, 0x4000, 0x001d);

    Hello sigalgs = normal;
    *sigalgs.Find(13) = U16List(0, 0, 0); // sized below
    size_t room = 65535 - 4; // the extension block's bound, less this extension's header
    for (const auto &e : normal.exts)
        if (e.first != 13) room -= 4 + e.second.size();
    size_t entries = (room - 2) / 2 - 1;
    *sigalgs.Find(13) = U16List(entries, 0x7000, 0x0403);

    Hello exts = normal;
    size_t used = 0;
    for (const auto &e : normal.exts)
        used += 4 + e.second.size();
    for (uint16_t t = 0x5000; used + 4 <= 65535; t++, used += 4)
        exts.exts.emplace_back(t, Bytes());

    int iters = quick ? 50 : 200, rounds = quick ? 5 : 9;
    double base = MedianUs(server, normal.Records(), iters, rounds);
    Emit("hello_normal_us", base, "us");
    struct {
        const char *name;
        const Hello *h;
    } hostile[] = {{"groups8000", &groups}, {"sigalgs_max", &sigalgs}, {"exts_max", &exts}};
    for (const auto &v : hostile) {
        Bytes wire = v.h->Records();
        double us = MedianUs(server, wire, iters, rounds);
        Emit(std::string("hello_") + v.name + "_us", us, "us");
        Emit(std::string("hello_") + v.name + "_bytes", (double)wire.size(), "B");
        if (base > 0 && us > 0) Emit(std::string("hello_") + v.name + "_ratio", us / base, "x");
    }
    tls_config_free(client);
    tls_config_free(server);
    return 0;
}
