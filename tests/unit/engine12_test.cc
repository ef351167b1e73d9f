// TLS 1.2 client <-> server over the buffer engine, in memory: every suite x group x
// certificate type, version negotiation and downgrade protection.
#include <gtest/gtest.h>

#include <string>

#include "enginepair.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

struct Case12 {
    const char *suite;
    const char *group;
    KeyType key;
};

class Engine12Matrix : public ::testing::TestWithParam<Case12> {};

TEST_P(Engine12Matrix, HandshakeDataClose) {
    const Case12 &c = GetParam();
    TestPki pki;
    Cert root = pki.MakeCa("TLS12 Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}, .key = c.key});
    Configs cfg;
    MakeConfigs(&cfg, root, leaf);
    ASSERT_EQ(0, tls_config_set_versions(cfg.server, TLS_VERSION_1_2, TLS_VERSION_1_2));
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, c.suite)) << tls_config_error(cfg.client);
    ASSERT_EQ(0, tls_config_set_groups(cfg.server, c.group)) << tls_config_error(cfg.server);
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "h2,http/1.1"));
    ASSERT_EQ(0, tls_config_set_alpn(cfg.server, "http/1.1"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p.client));
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p.server));
    EXPECT_STREQ(c.suite, tls_cipher_suite_name(tls_engine_cipher_suite(p.client)));
    EXPECT_STREQ(c.group, tls_group_name(tls_engine_group(p.client)));
    EXPECT_STREQ("http/1.1", tls_engine_alpn(p.client));
    EXPECT_STREQ("example.com", tls_engine_server_name(p.server));
    std::string big(70000, 'y');
    ASSERT_TRUE(WriteAll(p.client, big));
    ASSERT_TRUE(WriteAll(p.server, "pong"));
    std::string got, back;
    for (int i = 0; i < 100 && got.size() < big.size(); i++) {
        Pump(p.client, p.server);
        got += ReadAll(p.server);
        back += ReadAll(p.client);
    }
    EXPECT_TRUE(got == big);
    EXPECT_EQ("pong", back);
    ASSERT_EQ(0, tls_engine_close(p.client));
    Pump(p.client, p.server);
    EXPECT_TRUE(tls_engine_status(p.server) & TLS_ST_PEER_CLOSED);
}

std::vector<Case12> Cases12() {
    std::vector<Case12> v;
    const char *ecdsa[] = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                           "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                           "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"};
    const char *rsa[] = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                         "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                         "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"};
    for (const char *g : {"x25519", "secp256r1", "secp384r1"}) {
        for (const char *s : ecdsa)
            for (KeyType k : {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kEd25519})
                v.push_back({s, g, k});
        for (const char *s : rsa)
            v.push_back({s, g, KeyType::kRsa2048});
    }
    return v;
}

INSTANTIATE_TEST_SUITE_P(SuiteGroupKey, Engine12Matrix, ::testing::ValuesIn(Cases12()),
                         [](const ::testing::TestParamInfo<Case12> &i) {
                             return std::string(i.param.suite + 4) + "_" + i.param.group + "_" +
                                    KeyTypeName(i.param.key);
                         });

} // namespace
