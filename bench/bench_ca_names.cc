// The cost of a hostile CertificateRequest's certificate_authorities to a client (issue 13):
// a client holding the most chains tlsio allows, each as long as allowed (8 chains of a leaf
// and 9 CA certificates), picks its credential (tlsio_client_choose_credential, white box)
// against names lists that fill the 64 KiB extension:
//  - tiny: 21,844 one-byte names (the most entries);
//  - worst length: names of the one length, from 10 to 200 bytes, that costs most (lengths
//    equal to the chains' own DN lengths are compared byte by byte);
//  - realistic: 20 unrelated CA names of 100 bytes;
// against no names at all. Prints µs per choice (median of rounds). Output format as in
// bench_driver.h (impl "tlsio").
//   bench_ca_names [--quick]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engine.h"
#include "engine_state.h"
#include "hs_common.h"
#include "testpki.h"

namespace {

using tlsio_test::Cert;
using tlsio_test::TestPki;

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

// A names list body (u16-prefixed entries) of as many len-byte names as 64 KiB holds, or n.
std::vector<uint8_t> Names(size_t len, size_t n = SIZE_MAX) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i < n && out.size() + 2 + len <= 65532; i++) {
        out.push_back((uint8_t)(len >> 8));
        out.push_back((uint8_t)len);
        out.insert(out.end(), len, (uint8_t)('a' + i % 26));
    }
    return out;
}

// Median µs of one credential choice against names (empty: none sent).
double MedianUs(tls_config *cfg, const std::vector<uint8_t> &names, int iters, int rounds) {
    std::vector<double> us;
    for (int r = 0; r < rounds; r++) {
        tls_engine *e = tls_engine_new_client(cfg, "example.com");
        if (e == nullptr || e->hs == nullptr) return -1;
        e->hs->n_peer_sigalgs = 1;
        e->hs->peer_sigalgs[0] = 0x0403; // ecdsa_secp256r1_sha256, the chains' key
        if (!names.empty()) {
            e->req_ca_names = (uint8_t *)malloc(names.size());
            memcpy(e->req_ca_names, names.data(), names.size());
            e->req_ca_names_len = names.size();
        }
        double t0 = Now();
        for (int i = 0; i < iters; i++)
            if (tlsio_client_choose_credential(e, nullptr) != 0) return -1;
        us.push_back((Now() - t0) / iters * 1e6);
        tls_engine_free(e);
    }
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int iters = quick ? 5 : 20, rounds = quick ? 5 : 9;
    TestPki pki((int64_t)time(nullptr));
    Cert root = pki.MakeCa("Bench CA Names Root");
    tls_config *cfg = tls_config_new();
    for (int c = 0; c < 8; c++) {
        Cert issuer = root;
        for (int d = 0; d < 8; d++)
            issuer =
                pki.MakeIntermediate(issuer, "Mid " + std::to_string(c) + "." + std::to_string(d));
        Cert leaf = pki.MakeLeaf(issuer, {.dns = {"c" + std::to_string(c) + ".example"}});
        std::string chain = leaf.chain_pem(), key = leaf.key_pem();
        if (tls_config_add_cert_pem(cfg, chain.data(), chain.size(), key.data(), key.size())) {
            fprintf(stderr, "bench_ca_names: %s\n", tls_config_error(cfg));
            return 1;
        }
    }
    double none = MedianUs(cfg, {}, iters, rounds);
    double real = MedianUs(cfg, Names(100, 20), iters, rounds);
    double tiny = MedianUs(cfg, Names(1), iters, rounds);
    double worst = 0;
    size_t worst_len = 0;
    for (size_t len = 10; len <= 200; len++) {
        double us = MedianUs(cfg, Names(len), 1, 3);
        if (us > worst) worst = us, worst_len = len;
    }
    worst = MedianUs(cfg, Names(worst_len), iters, rounds);
    if (none < 0 || real < 0 || tiny < 0 || worst < 0) return 1;
    Emit("ca_names_none_us", none, "us");
    Emit("ca_names_realistic_us", real, "us");
    Emit("ca_names_tiny_us", tiny, "us");
    Emit("ca_names_worst_len_us", worst, "us");
    Emit("ca_names_worst_len_bytes", (double)worst_len, "bytes");
    tls_config_free(cfg);
    return 0;
}
