// TLS 1.3 client <-> server over the buffer engine, in memory.
#include <gtest/gtest.h>

#include <string>

#include "enginepair.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

using Engine13 = EngineFixture;

TEST_F(Engine13, HandshakeAndDataBothWays) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    ASSERT_NE(p.client, nullptr);
    ASSERT_NE(p.server, nullptr);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(TLS_VERSION_1_3, tls_engine_version(p.client));
    EXPECT_EQ(0x1301, tls_engine_cipher_suite(p.client));
    EXPECT_EQ(0x001d, tls_engine_group(p.server));
    ASSERT_TRUE(WriteAll(p.client, "hello server"));
    Pump(p.client, p.server);
    EXPECT_EQ("hello server", ReadAll(p.server));
    ASSERT_TRUE(WriteAll(p.server, "hello client"));
    Pump(p.client, p.server);
    EXPECT_EQ("hello client", ReadAll(p.client));
    ASSERT_EQ(0, tls_engine_close(p.client));
    Pump(p.client, p.server);
    EXPECT_TRUE(tls_engine_status(p.server) & TLS_ST_PEER_CLOSED);
}

} // namespace

namespace {

struct MatrixCase {
    const char *suite;
    const char *group;
    KeyType key;
};

class Engine13Matrix : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(Engine13Matrix, HandshakeDataClose) {
    const MatrixCase &mc = GetParam();
    TestPki pki;
    Cert root = pki.MakeCa("Matrix Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}, .key = mc.key});
    Configs cfg;
    MakeConfigs(&cfg, root, leaf);
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, mc.suite)) << tls_config_error(cfg.client);
    ASSERT_EQ(0, tls_config_set_groups(cfg.server, mc.group)) << tls_config_error(cfg.server);
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_STREQ(mc.suite, tls_cipher_suite_name(tls_engine_cipher_suite(p.client)));
    EXPECT_STREQ(mc.suite, tls_cipher_suite_name(tls_engine_cipher_suite(p.server)));
    EXPECT_STREQ(mc.group, tls_group_name(tls_engine_group(p.client)));
    std::string big(100000, 'x');
    ASSERT_TRUE(WriteAll(p.client, big));
    std::string got;
    for (int i = 0; i < 100 && got.size() < big.size(); i++) {
        Pump(p.client, p.server);
        got += ReadAll(p.server);
    }
    got += ReadAll(p.server);
    EXPECT_EQ(big.size(), got.size());
    EXPECT_TRUE(big == got);
}

std::vector<MatrixCase> AllCases() {
    std::vector<MatrixCase> v;
    for (const char *s :
         {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"})
        for (const char *g : {"x25519", "secp256r1", "secp384r1"})
            for (KeyType k :
                 {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kRsa2048, KeyType::kEd25519})
                v.push_back({s, g, k});
    return v;
}

INSTANTIATE_TEST_SUITE_P(SuiteGroupKey, Engine13Matrix, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<MatrixCase> &i) {
                             return std::string(i.param.suite + 4) + "_" + i.param.group + "_" +
                                    KeyTypeName(i.param.key);
                         });

} // namespace
