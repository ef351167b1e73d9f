// Alerts and empty records as a peer may send them: TLS 1.2 warnings, TLS 1.3 warning levels,
// unknown levels, floods (warnings, user_canceled, compatibility CCS, empty records),
// close_notify in the middle of a handshake, a TLS 1.3 client's plaintext alert after
// ServerHello, and first records that are not TLS.
#include <gtest/gtest.h>

#include <cstring>

#include "engine.h"
#include "enginepair.h"
#include "record.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class Alerts : public EngineFixture {
  protected:
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
        Start(p);
        ASSERT_TRUE(p.Connected());
    }
};

TEST_F(Alerts, Tls12WarningsAreIgnoredUntilAFlood) {
    EnginePair p;
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

TEST_F(Alerts, Tls13WarningLevelIsMalformed) {
    EnginePair p;
    Connect(p, TLS_VERSION_1_3);
    // RFC 8446 §6: only close_notify and user_canceled may be warnings; any other alert at
    // level warning still ends the connection, and we say why with decode_error.
    Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, 49}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "alert record: TLS 1.3 access_denied alert at level warning"));
}

TEST_F(Alerts, Tls13FatalAlertIsThePeers) {
    EnginePair p;
    Connect(p, TLS_VERSION_1_3);
    Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {2, 49}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_ACCESS_DENIED, TLS_ERRCAT_PEER_ALERT,
                           "the peer sent a fatal alert (access_denied)"));
}

TEST_F(Alerts, UnknownLevelIsIllegalParameter) {
    for (uint16_t v : {TLS_VERSION_1_2, TLS_VERSION_1_3}) {
        Configs c;
        MakeConfigs(&c, root, leaf);
        ASSERT_EQ(0, tls_config_set_versions(c.server, v, v));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected());
        // RFC 8446 §6 / RFC 5246 §7.2: AlertLevel is warning(1) or fatal(2), nothing else.
        Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {0x42, TLS_ALERT_UNEXPECTED_MESSAGE}));
        EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                               "alert record: level 66 is neither warning(1) nor fatal(2)"))
            << v;
    }
}

TEST_F(Alerts, Tls13UserCanceledIsSkippedUntilAFlood) {
    EnginePair p;
    Connect(p, TLS_VERSION_1_3);
    // RFC 8446 §6.1: user_canceled is followed by close_notify; alone, it is skipped, but
    // not without end.
    for (int i = 0; i < 4; i++)
        Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, TLS_ALERT_USER_CANCELED}));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    ASSERT_TRUE(WriteAll(p.server, "data"));
    Pump(p.client, p.server);
    EXPECT_EQ("data", ReadAll(p.client));
    for (int i = 0; i < 4; i++)
        Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, TLS_ALERT_USER_CANCELED}));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, TLS_ALERT_USER_CANCELED}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "more than 4 warning alerts in a row (last: user_canceled)"));
}

TEST_F(Alerts, Tls13CompatibilityCcsFloodIsCutOff) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Feed(p.server, Drain(p.client)); // ClientHello; the server answers with its whole flight
    Drain(p.server);
    // RFC 8446 D.4: one compatibility change_cipher_spec is dropped; a few more are tolerated.
    for (int i = 0; i < 4; i++)
        Feed(p.server, PlainRecord(TLSIO_CT_CHANGE_CIPHER_SPEC, {1}));
    EXPECT_FALSE(tls_engine_status(p.server) & TLS_ST_FAILED) << tls_engine_error(p.server);
    Feed(p.server, PlainRecord(TLSIO_CT_CHANGE_CIPHER_SPEC, {1}));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "change_cipher_spec record: more than 4 in a TLS 1.3 handshake"));
}

TEST_F(Alerts, FirstRecordThatIsNotTlsIsProtocolVersion) {
    // An HTTP request, an SSL 2.0 ClientHello and garbage: none has a {03,XX} version.
    const char *http = "GET / HTTP/1.1\r\n";
    const Bytes firsts[] = {Bytes(http, http + strlen(http)),
                            {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15},
                            {'b', 'l', 'a', 'h', 0, 0}};
    for (const Bytes &first : firsts) {
        tls_engine *s = tls_engine_new_server(cfg.server);
        Feed(s, first);
        EXPECT_TRUE(
            FailedWith(s, TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PROTOCOL, "is not a TLS version"));
        tls_engine_free(s);
    }
}

// A client that reached a plain HTTP server (port 80, or TLS not enabled) is told so.
TEST_F(Alerts, ClientThatReachedAnHttpServerIsToldSo) {
    tls_engine *c = tls_engine_new_client(cfg.client, "example.com");
    Drain(c); // the ClientHello, which the HTTP server reads as a bad request
    const char *reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    Feed(c, Bytes(reply, reply + strlen(reply)));
    EXPECT_TRUE(FailedWith(c, TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PROTOCOL,
                           "record: the first record is not TLS: legacy_record_version 0x5454 is "
                           "not a TLS version; the peer sent plain HTTP, not TLS"));
    tls_engine_free(c);
}

TEST_F(Alerts, EmptyApplicationDataIsFineButAFloodIsNot) {
    EnginePair p;
    Connect(p, TLS_VERSION_1_3);
    for (int i = 0; i < 32; i++)
        Feed(p.client, Sealed(p.server, TLSIO_CT_APPLICATION_DATA, {}));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    Feed(p.client, Sealed(p.server, TLSIO_CT_APPLICATION_DATA, {}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "more than 32 records without data in a row (the last: empty "
                           "application data)"));
}

// Records that carry nothing do not reset each other's counts (issue 13): warnings
// alternating with empty application data records end at the fifth warning.
TEST_F(Alerts, RecordsThatDoNothingDoNotResetTheWarningCount) {
    EnginePair p;
    Connect(p, TLS_VERSION_1_2);
    for (int i = 0; i < 4; i++) {
        Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, 112}));
        Feed(p.client, Sealed(p.server, TLSIO_CT_APPLICATION_DATA, {}));
    }
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    Feed(p.client, Sealed(p.server, TLSIO_CT_ALERT, {1, 112}));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "more than 4 warning alerts in a row"));
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
