// A frozen config is shared read-only between threads: a setter called on it must fail with
// TLS_E_USAGE without writing a single byte of the config (not even its error slot), and
// tls_config_error then answers with a constant. Proven without a race detector: the config's
// bytes are compared before and after every setter, valid and invalid arguments alike.
#include <gtest/gtest.h>
#include <tlsio/core.h>
#include <tlsio/tls.h>

#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "config.h"

namespace {

const char kFrozen[] = "config is in use by a connection and can no longer change";

int NoCheck(void *, const tls_peer_check_info *) {
    return 0;
}
void NoTrace(void *, const tls_engine *, int, uint8_t, const uint8_t *, size_t) {}
void NoRng(void *, uint8_t *out, size_t len) {
    memset(out, 7, len);
}

std::vector<std::pair<const char *, std::function<int(tls_config *)>>> EverySetter() {
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    return {
        {"versions", [](tls_config *c) { return tls_config_set_versions(c, 0x0304, 0x0304); }},
        {"versions bad", [](tls_config *c) { return tls_config_set_versions(c, 1, 2); }},
        {"ciphers",
         [](tls_config *c) { return tls_config_set_ciphers(c, "TLS_AES_128_GCM_SHA256"); }},
        {"ciphers bad", [](tls_config *c) { return tls_config_set_ciphers(c, "RC4"); }},
        {"groups", [](tls_config *c) { return tls_config_set_groups(c, "x25519"); }},
        {"groups bad", [](tls_config *c) { return tls_config_set_groups(c, "x448"); }},
        {"sigalgs", [](tls_config *c) { return tls_config_set_signature_schemes(c, "ed25519"); }},
        {"sigalgs bad", [](tls_config *c) { return tls_config_set_signature_schemes(c, ""); }},
        {"signing", [](tls_config *c) { return tls_config_set_signing_schemes(c, "ed25519"); }},
        {"fragment", [](tls_config *c) { return tls_config_set_max_send_fragment(c, 1024); }},
        {"fragment bad", [](tls_config *c) { return tls_config_set_max_send_fragment(c, 1); }},
        {"alpn", [](tls_config *c) { return tls_config_set_alpn(c, "http/1.1"); }},
        {"alpn bad", [](tls_config *c) { return tls_config_set_alpn(c, ",,"); }},
        {"alpn none", [](tls_config *c) { return tls_config_set_alpn(c, nullptr); }},
        {"rng", [](tls_config *c) { return tls_config_set_rng(c, NoRng, nullptr); }},
        {"peer check", [](tls_config *c) { return tls_config_set_peer_check(c, NoCheck, c); }},
        {"trace", [](tls_config *c) { return tls_config_set_trace(c, NoTrace, c); }},
        {"client verify",
         [](tls_config *c) { return tls_config_set_client_verify(c, TLS_CLIENT_VERIFY_REQUIRED); }},
        {"client verify bad", [](tls_config *c) { return tls_config_set_client_verify(c, 99); }},
        {"ca pem", [](tls_config *c) { return tls_config_add_ca_pem(c, pem, sizeof(pem) - 1); }},
        {"ca pem null", [](tls_config *c) { return tls_config_add_ca_pem(c, nullptr, 5); }},
        {"client ca pem",
         [](tls_config *c) { return tls_config_add_client_ca_pem(c, pem, sizeof(pem) - 1); }},
        {"cert pem",
         [](tls_config *c) {
             return tls_config_add_cert_pem(c, pem, sizeof(pem) - 1, pem, sizeof(pem) - 1);
         }},
        {"ca file", [](tls_config *c) { return tls_config_add_ca_file(c, "/nonexistent/ca.pem"); }},
        {"ca file null", [](tls_config *c) { return tls_config_add_ca_file(c, nullptr); }},
        {"client ca file",
         [](tls_config *c) { return tls_config_add_client_ca_file(c, "/nonexistent/ca.pem"); }},
        {"cert file",
         [](tls_config *c) {
             return tls_config_add_cert_file(c, "/nonexistent/c.pem", "/nonexistent/k.pem");
         }},
        {"ca system", [](tls_config *c) { return tls_config_add_ca_system(c); }},
    };
}

std::vector<unsigned char> Bytes(const tls_config *c) {
    const unsigned char *p = reinterpret_cast<const unsigned char *>(c);
    return std::vector<unsigned char>(p, p + sizeof(*c));
}

TEST(ConfigFrozen, EverySetterFailsWithoutWritingTheConfig) {
    tls_config *cfg = tls_config_new();
    ASSERT_NE(nullptr, cfg);
    ASSERT_EQ(0, tls_config_set_alpn(cfg, "h2"));
    // An earlier failure leaves a sentence in the slot: it must not be rewritten either.
    ASSERT_EQ(TLS_E_USAGE, tls_config_set_groups(cfg, "x448"));
    // Frozen the way applications freeze it: by the first engine.
    tls_engine *e = tls_engine_new_client(cfg, "example.com");
    ASSERT_NE(nullptr, e);
    ASSERT_EQ(2, cfg->frozen.load());
    const std::vector<unsigned char> before = Bytes(cfg);
    const std::string slot = cfg->err.msg;
    for (auto &[name, fn] : EverySetter()) {
        SCOPED_TRACE(name);
        EXPECT_EQ(TLS_E_USAGE, fn(cfg));
        EXPECT_TRUE(before == Bytes(cfg)) << "the setter wrote the frozen config";
        EXPECT_STREQ(kFrozen, tls_config_error(cfg));
    }
    EXPECT_EQ(slot, cfg->err.msg);
    tls_engine_free(e);
    tls_config_free(cfg);
}

// The same setters on a config that is not frozen do write it (the comparison above can fail).
TEST(ConfigFrozen, TheSettersWriteAConfigBeingBuilt) {
    for (auto &[name, fn] : EverySetter()) {
        SCOPED_TRACE(name);
        tls_config *cfg = tls_config_new();
        ASSERT_NE(nullptr, cfg);
        ASSERT_EQ(0, tls_config_set_alpn(cfg, "h2")); // so that "alpn none" changes something
        const std::vector<unsigned char> before = Bytes(cfg);
        (void)fn(cfg);
        EXPECT_FALSE(before == Bytes(cfg));
        EXPECT_STRNE(kFrozen, tls_config_error(cfg));
        tls_config_free(cfg);
    }
}

TEST(ConfigFrozen, ErrorOfAFrozenConfigIsTheConstant) {
    tls_config *cfg = tls_config_new();
    ASSERT_NE(nullptr, cfg);
    EXPECT_STREQ("", tls_config_error(cfg));
    ASSERT_EQ(0, tlsio_config_freeze(cfg, nullptr));
    EXPECT_STREQ(kFrozen, tls_config_error(cfg));
    EXPECT_EQ(TLS_E_USAGE, tlsio_config_check_mutable(cfg));
    tls_config_free(cfg);
}

} // namespace
