// Key usage limits at the engine level (RFC 8446 §5.5): TLS 1.3 updates the key before an
// AES-GCM key reaches its limit; TLS 1.2, which has no KeyUpdate, fails closed.
#include <gtest/gtest.h>

#include "engine.h"
#include "enginepair.h"
#include "record.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class KeyLimit : public EngineFixture {
  protected:
    void SetUp() override {
        EngineFixture::SetUp();
        ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, "TLS_AES_128_GCM_SHA256:"
                                                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
    }
    // Both ends jump ahead to `seq` records sent under the client's current write key.
    static void SkipAhead(EnginePair &p, uint64_t seq) {
        p.client->wd.seq = seq;
        p.server->rd.seq = seq;
    }
};

TEST_F(KeyLimit, Tls13UpdatesTheKeyBeforeTheLimit) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    ASSERT_EQ(TLS_VERSION_1_3, tls_engine_version(p.client));
    SkipAhead(p, TLSIO_RL_AES_GCM_RECORD_LIMIT - TLSIO_RL_KEY_UPDATE_MARGIN);
    ASSERT_TRUE(tlsio_rl_key_update_due(&p.client->wd));
    ASSERT_TRUE(WriteAll(p.client, "after the update"));
    // The KeyUpdate went first: the new key has sealed exactly one record.
    EXPECT_EQ(1u, p.client->wd.seq);
    Pump(p.client, p.server);
    EXPECT_EQ("after the update", ReadAll(p.server));
    EXPECT_FALSE(tls_engine_status(p.server) & TLS_ST_FAILED) << tls_engine_error(p.server);
}

TEST_F(KeyLimit, Tls12FailsClosedAtTheLimit) {
    ASSERT_EQ(0, tls_config_set_versions(cfg.server, TLS_VERSION_1_2, TLS_VERSION_1_2));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    ASSERT_EQ(TLS_VERSION_1_2, tls_engine_version(p.client));
    SkipAhead(p, TLSIO_RL_AES_GCM_RECORD_LIMIT - 1);
    ASSERT_TRUE(WriteAll(p.client, "last"));
    Pump(p.client, p.server);
    EXPECT_EQ("last", ReadAll(p.server));
    EXPECT_FALSE(WriteAll(p.client, "one too many"));
    EXPECT_TRUE(tls_engine_status(p.client) & TLS_ST_FAILED);
    EXPECT_EQ(TLS_E_INTERNAL, tls_engine_error_code(p.client));
    EXPECT_NE(nullptr, strstr(tls_engine_error(p.client), "limit")) << tls_engine_error(p.client);
}

} // namespace
