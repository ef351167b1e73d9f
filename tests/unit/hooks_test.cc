// The lower-level hooks of <tlsio/core.h>: the application's peer check (it may refuse a
// chain tlsio accepted, never accept one tlsio refused) and the message trace (every
// handshake message, change_cipher_spec and alert, both directions, in order).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "enginepair.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

struct CheckLog {
    int calls = 0;
    int verdict = -1;
    int is_server = -1;
    std::string server_name;
    std::vector<Bytes> certs;
    int answer = 0; // what the hook returns
};

int RecordingCheck(void *arg, const tls_peer_check_info *info) {
    CheckLog *log = static_cast<CheckLog *>(arg);
    log->calls++;
    log->verdict = info->verdict;
    log->is_server = info->is_server;
    log->server_name = info->server_name ? info->server_name : "";
    log->certs.clear();
    for (size_t i = 0; i < info->n_certs; i++)
        log->certs.emplace_back(info->certs[i], info->certs[i] + info->cert_lens[i]);
    return log->answer;
}

struct TraceLine {
    int direction;
    uint8_t type;
    Bytes msg;
};

void RecordingTrace(void *arg, const tls_engine *, int direction, uint8_t type, const uint8_t *msg,
                    size_t len) {
    static_cast<std::vector<TraceLine> *>(arg)->push_back({direction, type, Bytes(msg, msg + len)});
}

// "write hs 1", "read ccs", "read alert 1 0": one line per traced message.
std::vector<std::string> Summary(const std::vector<TraceLine> &t) {
    std::vector<std::string> out;
    for (const TraceLine &l : t) {
        std::string s = l.direction == TLS_TRACE_SENT ? "write " : "read ";
        if (l.type == 22) s += "hs " + std::to_string(l.msg.at(0));
        if (l.type == 20) s += "ccs";
        if (l.type == 21)
            s += "alert " + std::to_string(l.msg.at(0)) + " " + std::to_string(l.msg.at(1));
        out.push_back(s);
    }
    return out;
}

class Hooks : public EngineFixture {
  protected:
    void Connect(EnginePair &p, const char *host = "example.com") {
        Start(p, host);
    }
};

TEST_F(Hooks, PeerCheckSeesTheVerifiedChainAndMayAccept) {
    CheckLog log;
    ASSERT_EQ(0, tls_config_set_peer_check(cfg.client, RecordingCheck, &log));
    EnginePair p;
    Connect(p);
    ASSERT_TRUE(p.Connected()) << tls_engine_error(p.client);
    EXPECT_EQ(1, log.calls);
    EXPECT_EQ(0, log.verdict);
    EXPECT_EQ(0, log.is_server);
    EXPECT_EQ("example.com", log.server_name);
    ASSERT_EQ(1u, log.certs.size());
    EXPECT_EQ(leaf.der(), log.certs[0]);
}

TEST_F(Hooks, PeerCheckRefusesWithItsAlertInBothVersions) {
    for (uint16_t v : {TLS_VERSION_1_2, TLS_VERSION_1_3}) {
        Configs c;
        MakeConfigs(&c, root, leaf);
        ASSERT_EQ(0, tls_config_set_versions(c.server, v, v));
        CheckLog log;
        log.answer = TLS_ALERT_CERTIFICATE_UNKNOWN;
        ASSERT_EQ(0, tls_config_set_peer_check(c.client, RecordingCheck, &log));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_CERTIFICATE_UNKNOWN, TLS_ERRCAT_CERTIFICATE,
                               "server certificate refused by the application's peer check "
                               "(certificate_unknown)"));
        // The alert reached the server.
        EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_CERTIFICATE_UNKNOWN, TLS_ERRCAT_PEER_ALERT));
        EXPECT_EQ(1, log.calls);
    }
}

TEST_F(Hooks, PeerCheckAnswerOutsideTheAlertRangeIsCertificateUnknown) {
    CheckLog log;
    log.answer = 4242;
    ASSERT_EQ(0, tls_config_set_peer_check(cfg.client, RecordingCheck, &log));
    EnginePair p;
    Connect(p);
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_CERTIFICATE_UNKNOWN, TLS_ERRCAT_CERTIFICATE));
}

TEST_F(Hooks, PeerCheckCannotAcceptWhatTlsioRefused) {
    // The wrong host: tlsio's own check fails; the hook is told, and its 0 changes nothing.
    CheckLog log;
    ASSERT_EQ(0, tls_config_set_peer_check(cfg.client, RecordingCheck, &log));
    EnginePair p;
    Connect(p, "wrong.example");
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_BAD_CERTIFICATE, TLS_ERRCAT_CERTIFICATE,
                           "does not match host 'wrong.example'"));
    EXPECT_EQ(1, log.calls);
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, log.verdict);
}

TEST_F(Hooks, SettersRefuseAFrozenConfig) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    CheckLog log;
    std::vector<TraceLine> t;
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_peer_check(cfg.client, RecordingCheck, &log));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_trace(cfg.client, RecordingTrace, &t));
}

TEST_F(Hooks, TraceOfATls13HandshakeAndClose) {
    std::vector<TraceLine> ct, st;
    ASSERT_EQ(0, tls_config_set_trace(cfg.client, RecordingTrace, &ct));
    ASSERT_EQ(0, tls_config_set_trace(cfg.server, RecordingTrace, &st));
    EnginePair p;
    Connect(p);
    ASSERT_TRUE(p.Connected());
    ASSERT_EQ(0, tls_engine_close(p.client));
    Pump(p.client, p.server);
    // RFC 8446 §2: the client's view of a full handshake, compatibility CCS included (D.4).
    // (The compatibility CCS is queued as the ServerHello is taken; it leaves, with the
    // client's second flight, after the server's flight arrived.)
    std::vector<std::string> want_client = {
        "write hs 1", "read hs 2",  "write ccs",   "read ccs",  "read hs 8", "read hs 11",
        "read hs 15", "read hs 20", "write hs 20", "read hs 4", "read hs 4", "write alert 1 0"};
    std::vector<std::string> got = Summary(ct);
    // The server's two session tickets (RFC 8446 §4.6.1) follow the client's Finished.
    EXPECT_EQ(want_client, got);
    std::vector<std::string> want_server = {
        "read hs 1",   "write hs 2", "write ccs",  "write hs 8", "write hs 11", "write hs 15",
        "write hs 20", "read ccs",   "read hs 20", "write hs 4", "write hs 4",  "read alert 1 0"};
    EXPECT_EQ(want_server, Summary(st));
    // Handshake messages come whole: header + body, the length in the header matching.
    for (const TraceLine &l : ct) {
        if (l.type != 22) continue;
        ASSERT_GE(l.msg.size(), 4u);
        size_t n = (size_t(l.msg[1]) << 16) | (size_t(l.msg[2]) << 8) | l.msg[3];
        EXPECT_EQ(n + 4, l.msg.size());
    }
}

TEST_F(Hooks, TraceOfATls12HandshakeAndAFatalAlert) {
    ASSERT_EQ(0, tls_config_set_versions(cfg.server, TLS_VERSION_1_2, TLS_VERSION_1_2));
    std::vector<TraceLine> ct;
    ASSERT_EQ(0, tls_config_set_trace(cfg.client, RecordingTrace, &ct));
    EnginePair p;
    Connect(p, "wrong.example");
    // RFC 5246 §7.3: ClientHello, ServerHello, Certificate, and there the host check fails.
    std::vector<std::string> want = {"write hs 1", "read hs 2", "read hs 11", "write alert 2 42"};
    EXPECT_EQ(want, Summary(ct));
}

} // namespace
