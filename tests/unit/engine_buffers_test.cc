// The engine's buffer contract (<tlsio/core.h>): acks that match no region handed out are
// TLS_E_USAGE and never data; the send_buf region stays put until acknowledged, however much is
// written meanwhile (run under ASan: the asan build turns a dangling pointer into a failure);
// tls_engine_send_pending; constructors that say why they refuse; a clock that is not in seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "enginepair.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class Buffers : public EngineFixture {
  protected:
    // A connected pair with nothing queued either way.
    void Connect(EnginePair *p) {
        p->Handshake();
        ASSERT_TRUE(p->Connected()) << p->Errors();
        Pump(p->client, p->server);
        ASSERT_EQ(0u, tls_engine_send_pending(p->client));
        ASSERT_EQ(0u, tls_engine_send_pending(p->server));
    }
};

std::string Pattern(size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i++)
        s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
    return s;
}

// Feeds wire to e, reading application data as it comes: recv_buf hands out nothing while
// decrypted data waits to be read (core.h).
std::string FeedRead(tls_engine *e, const Bytes &wire) {
    std::string got;
    size_t off = 0;
    while (off < wire.size()) {
        size_t cap = 0;
        uint8_t *d = tls_engine_recv_buf(e, &cap);
        if (d == nullptr) {
            std::string r = ReadAll(e);
            if (r.empty()) break;
            got += r;
            continue;
        }
        size_t k = std::min(cap, wire.size() - off);
        memcpy(d, wire.data() + off, k);
        off += k;
        if (tls_engine_recv_ack(e, k) != 0) break;
    }
    return got + ReadAll(e);
}

// Moves everything from the client to the server, reading on the server as it goes.
std::string PumpRead(EnginePair *p) {
    std::string got;
    for (;;) {
        size_t moved = Pump(p->client, p->server, 10000);
        std::string r = ReadAll(p->server);
        got += r;
        if (moved == 0 && r.empty()) return got;
    }
}

// ---- acks that match no region -------------------------------------------------------------

// It used to return 0 and seal len stale bytes (zeros) as application data.
TEST_F(Buffers, WriteAckWithoutWriteBufIsUsageAndSendsNoData) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    EXPECT_EQ(TLS_E_USAGE, tls_engine_write_ack(p.client, 10));
    EXPECT_TRUE(FailedWith(p.client, TLS_E_USAGE, TLS_ERRCAT_USAGE,
                           "tls_engine_write_ack: 10 bytes acknowledged, but no "
                           "tls_engine_write_buf region is outstanding"));
    Pump(p.client, p.server);
    EXPECT_EQ("", ReadAll(p.server)); // no data: the peer hears internal_error instead
    EXPECT_TRUE(
        FailedWith(p.server, TLS_ALERT_INTERNAL_ERROR, TLS_ERRCAT_PEER_ALERT, "internal_error"));
}

TEST_F(Buffers, WriteAckBeyondTheRegionIsUsage) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    size_t cap = 0;
    ASSERT_NE(nullptr, tls_engine_write_buf(p.client, &cap));
    EXPECT_EQ(TLS_E_USAGE, tls_engine_write_ack(p.client, cap + 1));
    EXPECT_TRUE(FailedWith(p.client, TLS_E_USAGE, TLS_ERRCAT_USAGE,
                           "tls_engine_write_ack: " + std::to_string(cap + 1) +
                               " bytes acknowledged, but tls_engine_write_buf handed out only " +
                               std::to_string(cap)));
}

TEST_F(Buffers, WriteAckAfterTheRegionWasUsedIsUsageNotData) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    size_t cap = 0;
    uint8_t *w = tls_engine_write_buf(p.client, &cap);
    ASSERT_NE(nullptr, w);
    memcpy(w, "hello", 5);
    // A KeyUpdate is sealed where the plaintext was waiting: that region is gone.
    ASSERT_EQ(0, tls_engine_key_update(p.client, 0));
    EXPECT_EQ(TLS_E_USAGE, tls_engine_write_ack(p.client, 5));
    EXPECT_TRUE(FailedWith(p.client, TLS_E_USAGE, TLS_ERRCAT_USAGE,
                           "no tls_engine_write_buf region is outstanding"));
}

TEST_F(Buffers, ZeroAcksAreAlwaysFine) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    EXPECT_EQ(0, tls_engine_write_ack(p.client, 0));
    EXPECT_EQ(0, tls_engine_send_ack(p.client, 0));
    EXPECT_EQ(0, tls_engine_read_ack(p.client, 0));
    EXPECT_EQ(0, tls_engine_recv_ack(p.client, 0));
    EXPECT_EQ(0, tls_engine_error_code(p.client));
    ASSERT_TRUE(WriteAll(p.client, "still fine"));
    Pump(p.client, p.server);
    EXPECT_EQ("still fine", ReadAll(p.server));
}

TEST_F(Buffers, EveryOverAckIsUsage) {
    struct Case {
        const char *what;
        int (*ack)(tls_engine *, size_t);
        const char *msg;
    };
    const Case cases[] = {
        {"send", tls_engine_send_ack,
         "tls_engine_send_ack: 1 bytes acknowledged, but no tls_engine_send_buf region is "
         "outstanding"},
        {"read", tls_engine_read_ack,
         "tls_engine_read_ack: 1 bytes acknowledged, but no tls_engine_read_buf region is "
         "outstanding"},
        {"recv", tls_engine_recv_ack,
         "tls_engine_recv_ack: 1 bytes acknowledged, but no tls_engine_recv_buf region is "
         "outstanding"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.what);
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        Connect(&p);
        // Pump's last recv_buf region is still partly outstanding (acks may come in pieces);
        // trim ends it.
        tls_engine_trim(p.client);
        EXPECT_EQ(TLS_E_USAGE, c.ack(p.client, 1));
        EXPECT_TRUE(FailedWith(p.client, TLS_E_USAGE, TLS_ERRCAT_USAGE, c.msg));
    }
    // Beyond what was handed out, with a region outstanding.
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    ASSERT_TRUE(WriteAll(p.client, "abc"));
    size_t n = 0;
    ASSERT_NE(nullptr, tls_engine_send_buf(p.client, &n));
    EXPECT_EQ(TLS_E_USAGE, tls_engine_send_ack(p.client, n + 1));
    EXPECT_TRUE(FailedWith(p.client, TLS_E_USAGE, TLS_ERRCAT_USAGE,
                           "tls_engine_send_ack: " + std::to_string(n + 1) +
                               " bytes acknowledged, but tls_engine_send_buf handed out only " +
                               std::to_string(n)));
}

TEST_F(Buffers, ReadAckBeyondTheDataIsUsage) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    ASSERT_TRUE(WriteAll(p.client, "four"));
    Pump(p.client, p.server);
    size_t n = 0;
    ASSERT_NE(nullptr, tls_engine_read_buf(p.server, &n));
    ASSERT_EQ(4u, n);
    EXPECT_EQ(0, tls_engine_read_ack(p.server, 1));
    EXPECT_EQ(TLS_E_USAGE, tls_engine_read_ack(p.server, 4)); // 3 were left
    EXPECT_TRUE(FailedWith(p.server, TLS_E_USAGE, TLS_ERRCAT_USAGE,
                           "tls_engine_read_ack: 4 bytes acknowledged, but tls_engine_read_buf "
                           "handed out only 3"));
}

// ---- the send_buf region is stable until acknowledged ----------------------------------------

// An asynchronous writer (libuv's uv_write) holds the send_buf pointer while the application
// keeps writing; the engine must neither free nor move those bytes. Under ASan a freed region
// is a heap-use-after-free report; without it, the content check catches a moved one.
TEST_F(Buffers, SendRegionSurvivesLaterWritesUntilAcked) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    std::string first = Pattern(1000, 1), more = Pattern(300000, 2), sent;
    ASSERT_TRUE(WriteAll(p.client, first));
    size_t n = 0;
    const uint8_t *held = tls_engine_send_buf(p.client, &n); // uv_write(held, n) starts
    ASSERT_NE(nullptr, held);
    EXPECT_EQ(n, tls_engine_send_pending(p.client));
    std::string copy(reinterpret_cast<const char *>(held), n);
    // Meanwhile: 300 KB more, many times the send buffer's size, so it must grow.
    ASSERT_TRUE(WriteAll(p.client, more));
    EXPECT_GT(tls_engine_send_pending(p.client), n + more.size());
    // The write completes: the held bytes are still there, unchanged.
    ASSERT_EQ(copy, std::string(reinterpret_cast<const char *>(held), n));
    Bytes wire(held, held + n);
    ASSERT_EQ(0, tls_engine_send_ack(p.client, n));
    sent += FeedRead(p.server, wire);
    sent += PumpRead(&p);
    EXPECT_EQ(0, tls_engine_error_code(p.server)) << tls_engine_error(p.server);
    EXPECT_EQ(first.size() + more.size(), sent.size());
    EXPECT_TRUE(sent == first + more);
}

// A partial ack, then the rest held again while the buffer would otherwise slide its unsent
// bytes to the front to make room.
TEST_F(Buffers, SendRegionIsNotSlidAfterAPartialAck) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    std::string a = Pattern(20000, 3), b = Pattern(40000, 4), got;
    ASSERT_TRUE(WriteAll(p.client, a));
    size_t n = 0;
    const uint8_t *p1 = tls_engine_send_buf(p.client, &n);
    ASSERT_GT(n, 100u);
    Bytes wire(p1, p1 + 100);
    ASSERT_EQ(0, tls_engine_send_ack(p.client, 100));
    size_t n2 = 0;
    const uint8_t *held = tls_engine_send_buf(p.client, &n2);
    ASSERT_EQ(n - 100, n2);
    std::string copy(reinterpret_cast<const char *>(held), n2);
    for (int i = 0; i < 4; i++) // each write_buf asks for a whole record's room
        ASSERT_TRUE(WriteAll(p.client, b.substr(i * 10000, 10000)));
    ASSERT_EQ(copy, std::string(reinterpret_cast<const char *>(held), n2));
    wire.insert(wire.end(), held, held + n2);
    ASSERT_EQ(0, tls_engine_send_ack(p.client, n2));
    got += FeedRead(p.server, wire);
    got += PumpRead(&p);
    EXPECT_TRUE(got == a + b) << got.size();
}

// Acknowledging in pieces, each from the held pointer onwards, while more is written.
TEST_F(Buffers, SendRegionCanBeAckedInPiecesWhileWriting) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    std::string a = Pattern(50000, 5), b, got;
    ASSERT_TRUE(WriteAll(p.client, a));
    size_t n = 0;
    const uint8_t *held = tls_engine_send_buf(p.client, &n);
    Bytes wire;
    for (size_t off = 0, i = 0; off < n; i++) {
        size_t k = std::min<size_t>(7000, n - off);
        wire.insert(wire.end(), held + off, held + off + k);
        ASSERT_EQ(0, tls_engine_send_ack(p.client, k));
        off += k;
        std::string chunk = Pattern(3000, static_cast<unsigned>(i));
        ASSERT_TRUE(WriteAll(p.client, chunk));
        b += chunk;
    }
    EXPECT_GT(tls_engine_send_pending(p.client), b.size());
    got = FeedRead(p.server, wire);
    got += PumpRead(&p);
    EXPECT_TRUE(got == a + b) << got.size();
}

TEST_F(Buffers, SendPendingCountsWithoutHandingOut) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    ASSERT_TRUE(WriteAll(p.client, "x"));
    size_t pending = tls_engine_send_pending(p.client);
    EXPECT_EQ(1u + 5 + 1 + 16, pending); // header, byte, inner type, GCM tag (RFC 8446 §5.2)
    EXPECT_EQ(TLS_E_USAGE, tls_engine_send_ack(p.client, 1)); // pending hands out nothing
    size_t n = 0;
    EnginePair q(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&q);
    ASSERT_TRUE(WriteAll(q.client, "x"));
    ASSERT_NE(nullptr, tls_engine_send_buf(q.client, &n));
    EXPECT_EQ(n, tls_engine_send_pending(q.client));
    ASSERT_EQ(0, tls_engine_send_ack(q.client, n));
    EXPECT_EQ(0u, tls_engine_send_pending(q.client));
}

// ---- constructors and the clock --------------------------------------------------------------

TEST_F(Buffers, NewClientSaysWhyItRefuses) {
    struct Case {
        const char *name;
        const char *msg;
    };
    const Case cases[] = {
        {nullptr, "tls_engine_new_client: a server name is required"},
        {"", "tls_engine_new_client: a server name is required"},
        {"a b", "tls_engine_new_client: server name 'a b' is neither a DNS name"},
        {"*.example.com", "server name '*.example.com' is neither a DNS name"},
        {"[::1]", "server name '[::1]' is neither a DNS name"},
        {"example..com", "server name 'example..com' is neither a DNS name"},
        {"https://example.com", "server name 'https://example.com' is neither a DNS name"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name ? c.name : "(null)");
        tls_engine_new_error why;
        EXPECT_EQ(nullptr, tls_engine_new_client_ex(cfg.client, c.name, &why));
        EXPECT_EQ(TLS_E_USAGE, why.code);
        EXPECT_NE(std::string::npos, std::string(why.msg).find(c.msg)) << why.msg;
        EXPECT_EQ(nullptr, tls_engine_new_client(cfg.client, c.name));
    }
    for (const char *ok : {"example.com", "example.com.", "127.0.0.1", "::1", "a_b.example"}) {
        tls_engine_new_error why;
        tls_engine *e = tls_engine_new_client_ex(cfg.client, ok, &why);
        EXPECT_NE(nullptr, e) << ok << ": " << why.msg;
        EXPECT_EQ(0, why.code);
        tls_engine_free(e);
    }
    tls_engine_new_error why;
    EXPECT_EQ(nullptr, tls_engine_new_client_ex(nullptr, "example.com", &why));
    EXPECT_STREQ("tls_engine_new_client: the config is NULL (tls_config_new)", why.msg);
}

TEST_F(Buffers, NewServerSaysWhyItRefuses) {
    tls_engine_new_error why;
    EXPECT_EQ(nullptr, tls_engine_new_server_ex(cfg.client, &why)); // no certificate in it
    EXPECT_EQ(TLS_E_USAGE, why.code);
    EXPECT_STREQ("tls_engine_new_server: the config has no certificate chain and key "
                 "(tls_config_add_cert_file or tls_config_add_cert_pem)",
                 why.msg);
    tls_engine *s = tls_engine_new_server_ex(cfg.server, &why);
    EXPECT_NE(nullptr, s);
    tls_engine_free(s);
}

// Milliseconds (what JavaScript's Date.now() and many embedded clocks give) used to fail as
// an expired certificate; the sentence now names the clock.
TEST_F(Buffers, SetTimeInMillisecondsIsAClockErrorNotACertificateOne) {
    tls_engine *c = tls_engine_new_client(cfg.client, "example.com");
    tls_engine *s = tls_engine_new_server(cfg.server);
    EXPECT_EQ(TLS_E_USAGE, tls_engine_set_time(c, pki.now() * 1000));
    EXPECT_EQ(0, tls_engine_set_time(s, pki.now()));
    Pump(c, s);
    EXPECT_TRUE(FailedWith(c, TLS_E_USAGE, TLS_ERRCAT_USAGE,
                           "server certificate cannot be verified: the clock is wrong: "
                           "tls_engine_set_time was given 1700000000000, which is not a time in "
                           "Unix seconds between 2000 and 3000 (it looks like milliseconds)"));
    tls_engine_free(c);
    tls_engine_free(s);
}

TEST_F(Buffers, SetTimeBoundsAndACorrectedClock) {
    tls_engine *c = tls_engine_new_client(cfg.client, "example.com");
    EXPECT_EQ(TLS_E_USAGE, tls_engine_set_time(c, 946684799)); // 1999-12-31 23:59:59
    EXPECT_EQ(TLS_E_USAGE, tls_engine_set_time(c, 0));
    EXPECT_EQ(TLS_E_USAGE, tls_engine_set_time(c, -1));
    EXPECT_EQ(TLS_E_USAGE, tls_engine_set_time(c, INT64_C(32503680001)));
    EXPECT_EQ(0, tls_engine_set_time(c, 946684800));
    EXPECT_EQ(0, tls_engine_set_time(c, INT64_C(32503680000)));
    EXPECT_EQ(0, tls_engine_error_code(c)); // refusing a value does not fail the engine
    // A good value after a bad one is what counts.
    EXPECT_EQ(TLS_E_USAGE, tls_engine_set_time(c, pki.now() * 1000000));
    EXPECT_EQ(0, tls_engine_set_time(c, pki.now()));
    tls_engine *s = tls_engine_new_server(cfg.server);
    tls_engine_set_time(s, pki.now());
    Pump(c, s);
    EXPECT_TRUE(tls_engine_status(c) & TLS_ST_CONNECTED) << tls_engine_error(c);
    tls_engine_free(c);
    tls_engine_free(s);
}

} // namespace
