// The key log (tls_config_set_keylog): NSS key log lines, both roles, TLS 1.3 and 1.2, full
// and resumed handshakes.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "enginepair.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

struct Log {
    std::vector<std::string> lines;
    static void Add(void *arg, const tls_engine *, const char *line) {
        static_cast<Log *>(arg)->lines.push_back(line);
    }
    // label -> the rest of the line ("<client_random> <secret>")
    std::map<std::string, std::string> ByLabel() const {
        std::map<std::string, std::string> m;
        for (const auto &l : lines)
            m[l.substr(0, l.find(' '))] = l.substr(l.find(' ') + 1);
        return m;
    }
};

int64_t ClockOf(void *arg) {
    return *static_cast<int64_t *>(arg);
}

class KeyLog : public EngineFixture {
  public:
    Log client, server;
    int64_t now_ms = 0;
    void SetUp() override {
        EngineFixture::SetUp();
        now_ms = pki.now() * 1000;
        ASSERT_EQ(0, tls_config_set_keylog(cfg.client, Log::Add, &client));
        ASSERT_EQ(0, tls_config_set_keylog(cfg.server, Log::Add, &server));
        ASSERT_EQ(0, tls_config_set_clock(cfg.client, ClockOf, &now_ms));
        ASSERT_EQ(0, tls_config_set_clock(cfg.server, ClockOf, &now_ms));
    }
};

bool LowerHex(const std::string &s, size_t len) {
    return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// "LABEL <64 hex digits> <2 * secret_len hex digits>", lower case, no newline. (No
// std::regex: GCC 12 warns inside <regex> under the sanitizers.)
void ExpectWellFormed(const Log &log, size_t secret_len) {
    for (const auto &l : log.lines) {
        size_t a = l.find(' '), b = l.find(' ', a + 1);
        ASSERT_NE(std::string::npos, b) << l;
        std::string label = l.substr(0, a);
        EXPECT_EQ(std::string::npos,
                  label.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"))
            << l;
        EXPECT_TRUE(LowerHex(l.substr(a + 1, b - a - 1), 64)) << l;
        EXPECT_TRUE(LowerHex(l.substr(b + 1), 2 * secret_len)) << l;
    }
}

TEST_F(KeyLog, Tls13LogsFiveSecretsThatBothSidesAgreeOn) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    auto c = client.ByLabel(), s = server.ByLabel();
    std::vector<std::string> want = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                                     "EXPORTER_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                     "SERVER_TRAFFIC_SECRET_0"};
    std::vector<std::string> got;
    for (const auto &kv : c)
        got.push_back(kv.first);
    EXPECT_EQ(want, got);
    EXPECT_EQ(5u, client.lines.size());
    EXPECT_EQ(c, s) << "the same secrets, for the same ClientHello.random, on both sides";
    ExpectWellFormed(client, 32); // TLS_AES_128_GCM_SHA256 by default
    // The random is this connection's, and differs per connection.
    std::string random = c["EXPORTER_SECRET"].substr(0, 64);
    for (const auto &kv : c)
        EXPECT_EQ(random, kv.second.substr(0, 64));
    EnginePair q(cfg.client, cfg.server, "example.com", pki.now());
    q.Handshake();
    ASSERT_EQ(10u, client.lines.size());
    EXPECT_NE(random, client.lines[5].substr(client.lines[5].find(' ') + 1, 64));
}

TEST_F(KeyLog, Tls13Sha384SecretsAreLonger) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, "TLS_AES_256_GCM_SHA384"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    ASSERT_EQ(5u, client.lines.size());
    ExpectWellFormed(client, 48);
    ExpectWellFormed(server, 48);
}

TEST_F(KeyLog, Tls12LogsTheMasterSecretAlsoWhenResumed) {
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_2, TLS_VERSION_1_2));
    tls_session *s = nullptr;
    {
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << p.Errors();
        s = tls_engine_take_session(p.client);
    }
    ASSERT_NE(nullptr, s);
    ASSERT_EQ(1u, client.lines.size());
    EXPECT_EQ(client.lines, server.lines);
    EXPECT_EQ(0u, client.lines[0].rfind("CLIENT_RANDOM ", 0));
    ExpectWellFormed(client, 48);
    std::string master = client.lines[0].substr(client.lines[0].rfind(' ') + 1);
    EnginePair p;
    p.client = tls_engine_new_client_resume(cfg.client, "example.com", s, nullptr);
    p.server = tls_engine_new_server(cfg.server);
    tls_engine_set_time(p.client, pki.now());
    tls_engine_set_time(p.server, pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    ASSERT_EQ(1, tls_engine_resumed(p.server));
    ASSERT_EQ(2u, client.lines.size());
    EXPECT_EQ(client.lines, server.lines);
    EXPECT_EQ(master, client.lines[1].substr(client.lines[1].rfind(' ') + 1))
        << "a resumed session keeps its master secret, with the new ClientHello.random";
    EXPECT_NE(client.lines[0], client.lines[1]);
    tls_session_free(s);
}

TEST_F(KeyLog, OffUnlessSetAndRemovable) {
    Configs plain;
    MakeConfigs(&plain, root, leaf);
    ASSERT_EQ(0, tls_config_set_keylog(plain.server, Log::Add, &server));
    ASSERT_EQ(0, tls_config_set_keylog(plain.server, nullptr, &server));
    EnginePair p(plain.client, plain.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_TRUE(server.lines.empty());
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_keylog(plain.server, Log::Add, &server))
        << "a config in use is frozen";
}

} // namespace
