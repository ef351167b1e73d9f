// Alerts and empty records as a peer may send them: TLS 1.2 warnings, floods, close_notify
// in the middle of a handshake, and a TLS 1.3 client's plaintext alert after ServerHello.
#include <gtest/gtest.h>

#include "engine.h"
#include "enginepair.h"
#include "record.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class Alerts : public ::testing::Test {
  protected:
    TestPki pki;
    Cert root = pki.MakeCa("Alerts Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}});
    Configs cfg;
    void SetUp() override {
        MakeConfigs(&cfg, root, leaf);
    }
    // One record of `type` sealed with `from`'s current write key.
    static Bytes Sealed(tls_engine *from, uint8_t type, const Bytes &payload) {
        uint8_t buf[256];
        size_t pre = tlsio_rl_seal_prefix_len(&from->wd), rec_len = 0;
        if (!payload.empty()) memcpy(buf + pre, payload.data(), payload.size());
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(
            0, tlsio_rl_seal(&from->wd, type, buf, sizeof buf, payload.size(), 0, &rec_len, &err))
            << err.msg;
        return Bytes(buf, buf + rec_len);
    }
    void Connect(EnginePair &p, uint16_t version) {
        ASSERT_EQ(0, tls_config_set_versions(cfg.server, version, version));
        p.client = tls_engine_new_client(cfg.client, "example.com");
        p.server = tls_engine_new_server(cfg.server);
        tls_engine_set_time(p.client, pki.now());
        tls_engine_set_time(p.server, pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected());
    }
};

TEST_F(Alerts, Tls12WarningsAreIgnoredUntilAFlood) {
    EnginePair p(nullptr, nullptr, "x", 0);
    Connect(p, TLS_VERSION_1_2);
    // RFC 5246 §7.2: a warning lets the connection go on; data in between resets the count.
    for (int i = 0; i < 4; i++)
        Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, 49}));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    ASSERT_TRUE(WriteAll(p.server, "data"));
    Pump(p.client, p.server);
    EXPECT_EQ("data", ReadAll(p.client));
    for (int i = 0; i < 4; i++)
        Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, 112}));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED);
    Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, 112}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "more than 4 warning alerts in a row"));
}

TEST_F(Alerts, Tls13WarningLevelIsFatal) {
    EnginePair p(nullptr, nullptr, "x", 0);
    Connect(p, TLS_VERSION_1_3);
    // RFC 8446 §6.2: the level means nothing; every alert but the closure ones is fatal.
    Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, 49}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_ACCESS_DENIED, TLS_ERRCAT_PEER_ALERT,
                           "the peer sent a warning alert (access_denied)"));
}

TEST_F(Alerts, EmptyApplicationDataIsFineButAFloodIsNot) {
    EnginePair p(nullptr, nullptr, "x", 0);
    Connect(p, TLS_VERSION_1_3);
    for (int i = 0; i < 32; i++)
        Feed(p.client, Sealed(p.server, TLSIO_CT_APPLICATION_DATA, {}));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    Feed(p.client, Sealed(p.server, TLSIO_CT_APPLICATION_DATA, {}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "empty application data records in a row"));
}

TEST_F(Alerts, CloseNotifyDuringTheHandshakeFailsIt) {
    tls_engine *c = tls_engine_new_client(cfg.client, "example.com");
    Drain(c); // ClientHello
    Feed(c, PlainRecord(TLSIO_CT_ALERT, {1, 0}));
    EXPECT_TRUE(FailedWith(c, TLS_E_CLOSED, TLS_ERRCAT_PEER_ALERT,
                           "close_notify before the handshake completed"));
    EXPECT_FALSE(tls_engine_status(c) & TLS_ST_CONNECTED);
    tls_engine_free(c);
}

TEST_F(Alerts, ServerTakesTheClientsPlaintextAlertAfterServerHello) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Feed(p.server, Drain(p.client)); // ClientHello; the server answers with its whole flight
    Drain(p.server);
    // A client that could not use the ServerHello has no keys: its alert is in the clear.
    Feed(p.server, PlainRecord(TLSIO_CT_ALERT, {2, TLS_ALERT_ILLEGAL_PARAMETER}));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PEER_ALERT,
                           "illegal_parameter"));
}

} // namespace
