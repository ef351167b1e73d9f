// TLS 1.3 engine features, client and server over memory: HelloRetryRequest, ALPN, SNI
// certificate selection, KeyUpdate, large transfers, closure, truncation and the getters.
#include <gtest/gtest.h>

#include <algorithm>

#include <string>

#include "engine.h"
#include "enginepair.h"
#include "msgs.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class Features : public EngineFixture {
  public:
    static std::string Errors(const EnginePair &p) {
        return p.Errors();
    }
    // Sends data from one side and checks it arrives intact on the other.
    static void Exchange(tls_engine *from, tls_engine *to, const std::string &data) {
        ASSERT_TRUE(WriteAll(from, data)) << tls_engine_error(from);
        std::string got;
        for (int i = 0; i < 1000 && got.size() < data.size(); i++) {
            Pump(from, to);
            got += ReadAll(to);
        }
        EXPECT_EQ(data.size(), got.size());
        EXPECT_TRUE(data == got);
    }
};

// ---- HelloRetryRequest ------------------------------------------------------------------

void HrrCase(Features *f, const char *suite) {
    // The client's first (only) key share is x25519; the server takes only NIST curves.
    ASSERT_EQ(0, tls_config_set_groups(f->cfg.server, "secp256r1:secp384r1"));
    ASSERT_EQ(0, tls_config_set_ciphers(f->cfg.client, suite));
    EnginePair p(f->cfg.client, f->cfg.server, "example.com", f->pki.now());
    HsObserver cobs, sobs;
    cobs.Attach(p.client);
    sobs.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    // A second ClientHello (the first went out when the engine was made, before the observer
    // was attached) and two ServerHello-type messages (HRR + ServerHello): the second
    // ClientHello's key share is secp256r1, the server's first preference the client offered.
    EXPECT_EQ(1, cobs.Count(TLSIO_HS_CLIENT_HELLO));
    EXPECT_EQ(2, sobs.Count(TLSIO_HS_SERVER_HELLO));
    EXPECT_EQ(0x0017, tls_engine_group(p.client));
    EXPECT_EQ(0x0017, tls_engine_group(p.server));
    EXPECT_STREQ(suite, tls_cipher_suite_name(tls_engine_cipher_suite(p.client)));
    // Both Finished messages were checked over transcripts that start with message_hash
    // (RFC 8446 §4.4.1): the handshake only completes if both sides computed the same one.
    Features::Exchange(p.client, p.server, "after HRR, client to server");
    Features::Exchange(p.server, p.client, "after HRR, server to client");
}

TEST_F(Features, HelloRetryRequestPicksServerGroupSha256) {
    HrrCase(this, "TLS_AES_128_GCM_SHA256");
}

TEST_F(Features, HelloRetryRequestPicksServerGroupSha384) {
    HrrCase(this, "TLS_AES_256_GCM_SHA384");
}

TEST_F(Features, NoHelloRetryWhenTheShareFits) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver cobs, sobs;
    cobs.Attach(p.client);
    sobs.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(0, cobs.Count(TLSIO_HS_CLIENT_HELLO)); // no second ClientHello
    EXPECT_EQ(1, sobs.Count(TLSIO_HS_SERVER_HELLO));
}

TEST_F(Features, NoGroupInCommonIsHandshakeFailure) {
    ASSERT_EQ(0, tls_config_set_groups(cfg.server, "secp384r1"));
    ASSERT_EQ(0, tls_config_set_groups(cfg.client, "x25519:secp256r1"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "no group in common"));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PEER_ALERT));
}

// ---- ALPN (RFC 7301) --------------------------------------------------------------------

// RFC 8446 §4.1.1 leaves the choice to the server: ours, except that ChaCha20-Poly1305 wins
// when the client lists it first (it has no AES instructions) or when we have none.
TEST_F(Features, ChaChaFirstOnTheClientIsHonoured) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client,
                                        "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(0x1303, tls_engine_cipher_suite(p.server));
}

TEST_F(Features, AesFirstOnTheClientGetsOurOrder) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client,
                                        "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                                        "TLS_AES_128_GCM_SHA256"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    // Our default order starts with AES-128-GCM; without AES instructions ChaCha20 wins.
    EXPECT_EQ(tlsio_aead_aes_is_fast() ? 0x1301 : 0x1303, tls_engine_cipher_suite(p.server));
}

TEST_F(Features, ChaChaIsNotTakenWhenWeDoNotOfferIt) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client,
                                        "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"));
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.server, "TLS_AES_128_GCM_SHA256"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(0x1301, tls_engine_cipher_suite(p.server));
}

TEST_F(Features, AlpnServerPreferenceWins) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "h2,http/1.1"));
    ASSERT_EQ(0, tls_config_set_alpn(cfg.server, "http/1.1,h2"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_STREQ("http/1.1", tls_engine_alpn(p.client));
    EXPECT_STREQ("http/1.1", tls_engine_alpn(p.server));
}

TEST_F(Features, AlpnOnlyClientMeansNone) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "h2"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(nullptr, tls_engine_alpn(p.client));
    EXPECT_EQ(nullptr, tls_engine_alpn(p.server));
}

TEST_F(Features, AlpnOnlyServerMeansNone) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.server, "h2"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(nullptr, tls_engine_alpn(p.client));
    EXPECT_EQ(nullptr, tls_engine_alpn(p.server));
}

TEST_F(Features, AlpnNoOverlapIsNoApplicationProtocol) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "h2"));
    ASSERT_EQ(0, tls_config_set_alpn(cfg.server, "http/1.1"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_NO_APPLICATION_PROTOCOL, TLS_ERRCAT_PROTOCOL,
                           "no protocol in common"));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_NO_APPLICATION_PROTOCOL, TLS_ERRCAT_PEER_ALERT,
                           "no_application_protocol"));
}

// ---- the server's ALPN hook (tls_config_set_alpn_select) --------------------------------

struct AlpnHook {
    int answer = 0;
    int calls = 0;
    std::string offered;
    static int Select(void *arg, const uint8_t *offered, size_t len) {
        auto *h = static_cast<AlpnHook *>(arg);
        h->calls++;
        h->offered.assign(reinterpret_cast<const char *>(offered), len);
        return h->answer;
    }
};

// The hook sees the client's list as sent and picks by index, in both versions; the
// config's own list is not consulted.
TEST_F(Features, AlpnHookPicksFromTheClientsListByIndex) {
    for (uint16_t v : {TLS_VERSION_1_3, TLS_VERSION_1_2}) {
        SCOPED_TRACE(v);
        Configs f;
        MakeConfigs(&f, root, leaf);
        ASSERT_EQ(0, tls_config_set_versions(f.client, v, v));
        ASSERT_EQ(0, tls_config_set_alpn(f.client, "a,bb,ccc"));
        ASSERT_EQ(0, tls_config_set_alpn(f.server, "a"));
        AlpnHook h;
        h.answer = 2;
        ASSERT_EQ(0, tls_config_set_alpn_select(f.server, AlpnHook::Select, &h));
        EnginePair p(f.client, f.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << Errors(p);
        EXPECT_EQ(1, h.calls);
        EXPECT_EQ(std::string("\x01"
                              "a"
                              "\x02"
                              "bb"
                              "\x03"
                              "ccc"),
                  h.offered);
        EXPECT_STREQ("ccc", tls_engine_alpn(p.server));
        EXPECT_STREQ("ccc", tls_engine_alpn(p.client));
    }
}

TEST_F(Features, AlpnHookNoneGoesOnWithoutAlpn) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "h2"));
    AlpnHook h;
    h.answer = TLS_ALPN_NONE;
    ASSERT_EQ(0, tls_config_set_alpn_select(cfg.server, AlpnHook::Select, &h));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(nullptr, tls_engine_alpn(p.server));
    EXPECT_EQ(nullptr, tls_engine_alpn(p.client));
}

TEST_F(Features, AlpnHookRefusalOrABadIndexIsNoApplicationProtocol) {
    const struct {
        int answer;
        const char *sentence;
    } cases[] = {{TLS_ALPN_REFUSE, "the ALPN hook refused every protocol offered"},
                 {-7, "the ALPN hook refused every protocol offered"},
                 {2, "the ALPN hook chose protocol 2 of the client's list, which has fewer"}};
    for (const auto &c : cases) {
        SCOPED_TRACE(c.answer);
        Configs f;
        MakeConfigs(&f, root, leaf);
        ASSERT_EQ(0, tls_config_set_alpn(f.client, "h2,http/1.1"));
        AlpnHook h;
        h.answer = c.answer;
        ASSERT_EQ(0, tls_config_set_alpn_select(f.server, AlpnHook::Select, &h));
        EnginePair p(f.client, f.server, "example.com", pki.now());
        p.Handshake();
        EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_NO_APPLICATION_PROTOCOL, TLS_ERRCAT_PROTOCOL,
                               c.sentence));
        EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_NO_APPLICATION_PROTOCOL, TLS_ERRCAT_PEER_ALERT,
                               "no_application_protocol"));
    }
}

// RFC 7301 names are opaque bytes; one with a NUL cannot be ours (a C string): refused, not
// sent cut short (it would name "a", which the client never offered).
TEST_F(Features, AlpnHookChoosingANameWithANulIsRefused) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "abc"));
    AlpnHook h;
    h.answer = 0;
    ASSERT_EQ(0, tls_config_set_alpn_select(cfg.server, AlpnHook::Select, &h));
    tls_engine *c = NewEngine(false), *s = NewEngine(true);
    ASSERT_TRUE(c != nullptr && s != nullptr);
    // A tlsio client cannot offer such a name: change "abc" to "a\0c" on the wire.
    Bytes ch = Drain(c);
    const uint8_t name[] = {3, 'a', 'b', 'c'};
    auto at = std::search(ch.begin(), ch.end(), name, name + sizeof name);
    ASSERT_NE(ch.end(), at);
    at[2] = 0;
    Feed(s, ch);
    EXPECT_EQ(1, h.calls);
    EXPECT_TRUE(FailedWith(s, TLS_ALERT_NO_APPLICATION_PROTOCOL, TLS_ERRCAT_PROTOCOL,
                           "the ALPN hook chose protocol 0, which contains a NUL byte"));
    tls_engine_free(c);
    tls_engine_free(s);
}

TEST_F(Features, AlpnHookIsNotCalledWithoutTheClientsExtension) {
    AlpnHook h;
    h.answer = TLS_ALPN_REFUSE;
    ASSERT_EQ(0, tls_config_set_alpn_select(cfg.server, AlpnHook::Select, &h));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(0, h.calls);
}

// ---- SNI-based certificate selection (RFC 6066 §3) -------------------------------------

class Sni : public ::testing::Test {
  protected:
    TestPki pki;
    Cert root = pki.MakeCa("SNI Root");
    Cert a = pki.MakeLeaf(root, {.dns = {"a.example"}});
    Cert b = pki.MakeLeaf(root, {.dns = {"b.example"}, .key = KeyType::kRsa2048});
    Configs cfg;
    void SetUp() override {
        MakeConfigs(&cfg, root, a);
        ASSERT_TRUE(AddChain(cfg.server, b));
    }
};

TEST_F(Sni, SecondChainChosenByName) {
    EnginePair p(cfg.client, cfg.server, "b.example", pki.now());
    p.Handshake();
    // The client verifies the host name: connecting proves b.example's chain was sent.
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_STREQ("b.example", tls_engine_server_name(p.server));
}

TEST_F(Sni, FirstChainChosenByName) {
    EnginePair p(cfg.client, cfg.server, "a.example", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_STREQ("a.example", tls_engine_server_name(p.server));
}

TEST_F(Sni, UnknownNameGetsTheFirstChainAndTheClientRefusesIt) {
    EnginePair p(cfg.client, cfg.server, "c.example", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_BAD_CERTIFICATE, TLS_ERRCAT_CERTIFICATE,
                           "does not match host 'c.example' (SANs: a.example)"));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_BAD_CERTIFICATE, TLS_ERRCAT_PEER_ALERT));
}

// ---- maximum send fragment ---------------------------------------------------------------

TEST_F(Features, MaxSendFragmentBoundsEveryRecordWeSend) {
    for (uint16_t v : {TLS_VERSION_1_2, TLS_VERSION_1_3}) {
        Configs c;
        MakeConfigs(&c, root, leaf);
        ASSERT_EQ(0, tls_config_set_versions(c.server, v, v));
        ASSERT_EQ(0, tls_config_set_max_send_fragment(c.server, 512));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        std::vector<Record> sent;
        for (int i = 0; i < 20 && !p.Connected(); i++) {
            Bytes out = Drain(p.server);
            for (const Record &r : SplitRecords(out))
                sent.push_back(r);
            Feed(p.client, out);
            Feed(p.server, Drain(p.client));
        }
        ASSERT_TRUE(p.Connected()) << Errors(p);
        std::string data(3000, 'x');
        ASSERT_TRUE(WriteAll(p.server, data));
        Bytes out = Drain(p.server);
        for (const Record &r : SplitRecords(out))
            sent.push_back(r);
        Feed(p.client, out);
        EXPECT_EQ(data, ReadAll(p.client));
        // Protection adds the TLS 1.3 content type byte and tag, or the TLS 1.2 explicit
        // nonce and tag; the plaintext in every record is at most 512 bytes, and the long
        // flights (the certificate, the data) fill their records.
        size_t overhead = v == TLS_VERSION_1_3 ? 1 + 16 : 8 + 16;
        int full = 0;
        for (const Record &r : sent) {
            size_t len = r.bytes.size() - 5;
            EXPECT_LE(len, 512 + overhead) << "record type " << int(r.type) << ", " << v;
            if (len >= 512) full++;
        }
        EXPECT_LE(6, full) << v;
    }
}

// ---- KeyUpdate (RFC 8446 §4.6.3) --------------------------------------------------------

class KeyUpdate : public Features {
  protected:
    void Connect(EnginePair *p) {
        p->Handshake();
        ASSERT_TRUE(p->Connected()) << Errors(*p);
        cobs.Attach(p->client);
        sobs.Attach(p->server);
    }
    HsObserver cobs, sobs;
    static uint8_t RequestOf(const Bytes &ku) {
        return ku.size() == 5 ? ku[4] : 0xff;
    }
};

TEST_F(KeyUpdate, ClientUpdatesWithoutRequest) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    ASSERT_EQ(0, tls_engine_key_update(p.client, 0));
    Exchange(p.client, p.server, "new client key");
    Exchange(p.server, p.client, "old server key");
    ASSERT_EQ(1, cobs.Count(TLSIO_HS_KEY_UPDATE));
    EXPECT_EQ(0, RequestOf(cobs.sent[0]));
    EXPECT_EQ(0, sobs.Count(TLSIO_HS_KEY_UPDATE)); // not requested: no answer
}

TEST_F(KeyUpdate, ClientRequestsAndServerAnswers) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    ASSERT_EQ(0, tls_engine_key_update(p.client, 1));
    Exchange(p.client, p.server, "client data after update_requested");
    EXPECT_EQ(1, RequestOf(cobs.sent[0]));
    // RFC 8446 §4.6.3: the answer goes out before the server's next application data.
    EXPECT_EQ(0, sobs.Count(TLSIO_HS_KEY_UPDATE));
    Exchange(p.server, p.client, "server data under its new key");
    ASSERT_EQ(1, sobs.Count(TLSIO_HS_KEY_UPDATE));
    // The answer is update_not_requested, so no ping-pong follows.
    EXPECT_EQ(0, RequestOf(sobs.sent[0]));
    Exchange(p.client, p.server, "and the client again");
    EXPECT_EQ(1, cobs.Count(TLSIO_HS_KEY_UPDATE));
}

TEST_F(KeyUpdate, ServerRequestsAndClientAnswers) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    ASSERT_EQ(0, tls_engine_key_update(p.server, 1));
    Exchange(p.server, p.client, "server data after update_requested");
    Exchange(p.client, p.server, "client data under its new key");
    ASSERT_EQ(1, cobs.Count(TLSIO_HS_KEY_UPDATE));
    EXPECT_EQ(0, RequestOf(cobs.sent[0]));
}

TEST_F(KeyUpdate, RequestsWhileSilentGetOneAnswer) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    // RFC 8446 §4.6.3: "an implementation which receives multiple KeyUpdates while it is
    // silent [responds] with a single update", before its next application data record.
    for (int i = 0; i < 5; i++) {
        ASSERT_EQ(0, tls_engine_key_update(p.server, 1));
        Feed(p.client, Drain(p.server));
    }
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    EXPECT_EQ(0, cobs.Count(TLSIO_HS_KEY_UPDATE));
    Exchange(p.client, p.server, "client data under its new key");
    ASSERT_EQ(1, cobs.Count(TLSIO_HS_KEY_UPDATE));
    EXPECT_EQ(0, RequestOf(cobs.sent[0]));
    Exchange(p.server, p.client, "and the server's");
    Exchange(p.client, p.server, "no second answer");
    EXPECT_EQ(1, cobs.Count(TLSIO_HS_KEY_UPDATE));
}

TEST_F(KeyUpdate, FloodWithoutDataIsCutOff) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    for (int round = 0; round < 2; round++) {
        if (round > 0) Exchange(p.server, p.client, "application data resets the count");
        for (int i = 0; i < 32; i++) {
            ASSERT_EQ(0, tls_engine_key_update(p.server, 0));
            Feed(p.client, Drain(p.server));
        }
        EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED) << tls_engine_error(p.client);
    }
    ASSERT_EQ(0, tls_engine_key_update(p.server, 0));
    Feed(p.client, Drain(p.server));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "KeyUpdate: more than 32 in a row with no application data between"));
}

TEST_F(KeyUpdate, ManyUpdatesBothWays) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Connect(&p);
    for (int i = 0; i < 20; i++) {
        ASSERT_EQ(0, tls_engine_key_update(i % 2 ? p.client : p.server, i % 3 == 0));
        Exchange(p.client, p.server, "c" + std::to_string(i));
        Exchange(p.server, p.client, "s" + std::to_string(i));
    }
}

TEST_F(KeyUpdate, RefusedBeforeTheHandshake) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    EXPECT_EQ(TLS_E_USAGE, tls_engine_key_update(p.client, 0));
    // Misuse is refused without ending the connection: the handshake still completes.
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED);
    p.Handshake();
    EXPECT_TRUE(p.Connected());
}

// ---- large transfers -------------------------------------------------------------------

std::string Pattern(size_t n, unsigned seed) {
    std::string s(n, '\0');
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        s[i] = (char)(x >> 24);
    }
    return s;
}

TEST_F(Features, SeveralMegabytesInterleavedBothWays) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    const size_t total = 4u << 20, chunk = 50000;
    std::string up = Pattern(total, 1), down = Pattern(total, 2), got_up, got_down;
    for (size_t off = 0; off < total; off += chunk) {
        size_t n = std::min(chunk, total - off);
        ASSERT_TRUE(WriteAll(p.client, up.substr(off, n)));
        ASSERT_TRUE(WriteAll(p.server, down.substr(off, n)));
        for (int i = 0; i < 100; i++) {
            size_t moved = Pump(p.client, p.server);
            std::string a = ReadAll(p.server), b = ReadAll(p.client);
            got_up += a;
            got_down += b;
            if (moved == 0 && a.empty() && b.empty()) break;
        }
    }
    ASSERT_EQ(total, got_up.size());
    ASSERT_EQ(total, got_down.size());
    EXPECT_TRUE(up == got_up);
    EXPECT_TRUE(down == got_down);
}

// ---- closure and truncation (RFC 8446 §6.1) --------------------------------------------

TEST_F(Features, CloseNotifyBothSides) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    ASSERT_EQ(0, tls_engine_close(p.client));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_CAN_WRITE);
    size_t n = 0;
    EXPECT_EQ(nullptr, tls_engine_write_buf(p.client, &n));
    Pump(p.client, p.server);
    unsigned st = tls_engine_status(p.server);
    EXPECT_TRUE(st & TLS_ST_PEER_CLOSED);
    EXPECT_FALSE(st & TLS_ST_CLOSED);
    EXPECT_FALSE(st & TLS_ST_WANT_RECV);
    // Half-closed: the server may still write, the client still reads.
    Exchange(p.server, p.client, "last words");
    ASSERT_EQ(0, tls_engine_close(p.server));
    Pump(p.client, p.server);
    EXPECT_TRUE(tls_engine_status(p.server) & TLS_ST_CLOSED);
    EXPECT_TRUE(tls_engine_status(p.client) & TLS_ST_CLOSED);
    EXPECT_TRUE(tls_engine_status(p.client) & TLS_ST_PEER_CLOSED);
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED);
    // EOF after close_notify is a clean end.
    EXPECT_EQ(0, tls_engine_recv_eof(p.client));
    EXPECT_EQ(0, tls_engine_recv_eof(p.server));
    EXPECT_EQ(0, tls_engine_error_code(p.client));
}

TEST_F(Features, EofWithoutCloseNotifyIsTruncation) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    Exchange(p.server, p.client, "data, then the transport ends");
    EXPECT_EQ(TLS_E_TRUNCATED, tls_engine_recv_eof(p.client));
    EXPECT_TRUE(
        FailedWith(p.client, TLS_E_TRUNCATED, TLS_ERRCAT_TRANSPORT, "without close_notify"));
    // Nothing goes out after the failure (the peer is gone).
    size_t n = 0;
    EXPECT_EQ(nullptr, tls_engine_send_buf(p.client, &n));
}

TEST_F(Features, EofDuringHandshakeIsTruncation) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    EXPECT_EQ(TLS_E_TRUNCATED, tls_engine_recv_eof(p.client));
    EXPECT_TRUE(FailedWith(p.client, TLS_E_TRUNCATED, TLS_ERRCAT_TRANSPORT,
                           "without close_notify during the handshake"));
}

// ---- getters ---------------------------------------------------------------------------

TEST_F(Features, GettersBeforeAndAfter) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "h2"));
    ASSERT_EQ(0, tls_config_set_alpn(cfg.server, "h2"));
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.server, "TLS_CHACHA20_POLY1305_SHA256"));
    ASSERT_EQ(0, tls_config_set_groups(cfg.server, "secp384r1:x25519"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    for (tls_engine *e : {p.client, p.server}) {
        EXPECT_EQ(0, tls_engine_version(e));
        EXPECT_EQ(0, tls_engine_cipher_suite(e));
        EXPECT_EQ(0, tls_engine_group(e));
        EXPECT_EQ(nullptr, tls_engine_alpn(e));
        EXPECT_FALSE(tls_engine_status(e) & TLS_ST_CONNECTED);
        EXPECT_FALSE(tls_engine_status(e) & TLS_ST_CAN_WRITE);
    }
    EXPECT_STREQ("example.com", tls_engine_server_name(p.client));
    EXPECT_EQ(nullptr, tls_engine_server_name(p.server));
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    for (tls_engine *e : {p.client, p.server}) {
        EXPECT_STREQ("TLSv1.3", tls_version_name(tls_engine_version(e)));
        EXPECT_STREQ("TLS_CHACHA20_POLY1305_SHA256",
                     tls_cipher_suite_name(tls_engine_cipher_suite(e)));
        // x25519 is the server's second choice but the client sent a share for it: no
        // HelloRetryRequest just to get the first choice.
        EXPECT_STREQ("x25519", tls_group_name(tls_engine_group(e)));
        EXPECT_STREQ("h2", tls_engine_alpn(e));
        unsigned st = tls_engine_status(e);
        EXPECT_TRUE(st & TLS_ST_CONNECTED);
        EXPECT_TRUE(st & TLS_ST_CAN_WRITE);
        EXPECT_TRUE(st & TLS_ST_WANT_RECV);
        EXPECT_FALSE(st & TLS_ST_HAS_SEND);
        EXPECT_EQ(0, tls_engine_error_code(e));
        EXPECT_EQ(TLS_ERRCAT_NONE, tls_engine_error_category(e));
    }
    EXPECT_STREQ("example.com", tls_engine_server_name(p.server));
}

TEST_F(Features, ClientWithIpLiteralSendsNoSni) {
    Cert ipleaf = pki.MakeLeaf(root, {.ip = {"192.0.2.7"}});
    Configs c2;
    MakeConfigs(&c2, root, ipleaf);
    EnginePair p(c2.client, c2.server, "192.0.2.7", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    EXPECT_EQ(nullptr, tls_engine_server_name(p.server)); // RFC 6066 §3: no IP in SNI
}

} // namespace
