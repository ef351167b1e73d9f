// TLS 1.3 resumption over memory (RFC 8446 §2.2, §4.2.11, §4.6.1): tickets issued and kept,
// a resumed handshake on both sides, and every reason a ticket is not used — a full
// handshake then, or the alert the RFC asks for.
#include <gtest/gtest.h>

#include <string>

#include "engine.h"
#include "engine_testing.h"
#include "enginepair.h"
#include "msgs.h"
#include "session.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

int64_t ClockOf(void *arg) {
    return *static_cast<int64_t *>(arg);
}

class Resume : public EngineFixture {
  public:
    int64_t client_ms = 0, server_ms = 0;
    void SetUp() override {
        EngineFixture::SetUp();
        client_ms = server_ms = pki.now() * 1000;
        ASSERT_EQ(0, tls_config_set_clock(cfg.client, ClockOf, &client_ms));
        ASSERT_EQ(0, tls_config_set_clock(cfg.server, ClockOf, &server_ms));
    }
    // A full handshake, the tickets read; returns the first ticket as a session.
    tls_session *FirstSession(const char *host = "example.com") {
        EnginePair p(cfg.client, cfg.server, host, pki.now());
        p.Handshake();
        EXPECT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(0, tls_engine_resumed(p.client));
        Pump(p.client, p.server); // the NewSessionTickets follow the client's Finished
        return tls_engine_take_session(p.client);
    }
    // A client offering s to a server over the fixture's configs.
    void Resumed(EnginePair &p, const tls_session *s, const char *host = "example.com",
                 tls_config *server = nullptr) {
        p.client = tls_engine_new_client_resume(cfg.client, host, s, nullptr);
        ASSERT_NE(nullptr, p.client);
        tls_engine_set_time(p.client, pki.now());
        p.server = tls_engine_new_server(server != nullptr ? server : cfg.server);
        tls_engine_set_time(p.server, pki.now());
        p.Handshake();
    }
    // The server serves one certificate for example.com and other.example.com.
    void ServeTwoNames() {
        Cert both = pki.MakeLeaf(root, {.dns = {"example.com", "other.example.com"}});
        tls_config_free(cfg.server);
        cfg.server = tls_config_new();
        ASSERT_TRUE(AddChain(cfg.server, both));
        ASSERT_EQ(0, tls_config_set_clock(cfg.server, ClockOf, &server_ms));
    }
    // A client offering s and a server over the fixture's configs, obs watching what the
    // server (or the client) sends, the handshake run.
    void ResumeWatching(EnginePair &p, const tls_session *s, HsObserver &obs, bool server) {
        p.client = tls_engine_new_client_resume(cfg.client, "example.com", s, nullptr);
        p.server = tls_engine_new_server(cfg.server);
        obs.Attach(server ? p.server : p.client);
        p.Handshake();
    }
    void ExpectFull(const tls_session *s, const char *host = "example.com",
                    tls_config *server = nullptr) {
        EnginePair p;
        Resumed(p, s, host, server);
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(0, tls_engine_resumed(p.client));
        EXPECT_EQ(0, tls_engine_resumed(p.server));
        EXPECT_NE(nullptr, tls_engine_peer_subject(p.client));
    }
};

TEST_F(Resume, ServerIssuesTwoTicketsByDefaultEachTakenOnce) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    HsObserver obs;
    obs.Attach(p.server);
    Pump(p.client, p.server);
    tls_session *a = tls_engine_take_session(p.client);
    tls_session *b = tls_engine_take_session(p.client);
    ASSERT_NE(nullptr, a);
    ASSERT_NE(nullptr, b);
    EXPECT_EQ(nullptr, tls_engine_take_session(p.client));
    EXPECT_EQ(TLS_VERSION_1_3, tls_session_version(a));
    EXPECT_STREQ("example.com", tls_session_server_name(a));
    EXPECT_EQ(client_ms + 7200 * 1000, tls_session_expiry(a));
    // Two tickets, two different identities (each is used once, RFC 8446 §C.4).
    EXPECT_NE(0, CBS_len(&a->ticket));
    EXPECT_FALSE(CBS_len(&a->ticket) == CBS_len(&b->ticket) &&
                 memcmp(CBS_data(&a->ticket), CBS_data(&b->ticket), CBS_len(&a->ticket)) == 0);
    tls_session_free(a);
    tls_session_free(b);
}

TEST_F(Resume, ResumedHandshakeSkipsCertificatesAndKeepsThePeerIdentity) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    EnginePair p;
    HsObserver cobs;
    ResumeWatching(p, s, cobs, true);
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(1, tls_engine_resumed(p.client));
    EXPECT_EQ(1, tls_engine_resumed(p.server));
    // No Certificate, no CertificateVerify from the server (RFC 8446 §2.2).
    EXPECT_EQ(0, cobs.Count(TLSIO_HS_CERTIFICATE));
    EXPECT_EQ(0, cobs.Count(TLSIO_HS_CERTIFICATE_VERIFY));
    // The getters report what the original handshake verified.
    ASSERT_NE(nullptr, tls_engine_peer_subject(p.client));
    size_t len = 0;
    EXPECT_NE(nullptr, tls_engine_peer_chain(p.client, 0, &len));
    EXPECT_EQ(leaf.der().size(), len);
    EXPECT_NE(nullptr, tls_engine_peer_cert_sha256(p.client));
    // Application data flows both ways, and the resumed connection issues tickets too.
    ASSERT_TRUE(WriteAll(p.client, "ping"));
    Pump(p.client, p.server);
    EXPECT_EQ("ping", ReadAll(p.server));
    tls_session *again = tls_engine_take_session(p.client);
    EXPECT_NE(nullptr, again);
    tls_session_free(again);
    tls_session_free(s);
}

TEST_F(Resume, SessionSurvivesEncodeAndDecode) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    size_t need = 0;
    EXPECT_EQ(TLS_E_USAGE, tls_session_encode(s, nullptr, 0, &need));
    std::vector<uint8_t> buf(need);
    ASSERT_EQ(0, tls_session_encode(s, buf.data(), buf.size(), &need));
    tls_session *d = tls_session_decode(buf.data(), buf.size());
    ASSERT_NE(nullptr, d);
    EXPECT_EQ(nullptr, tls_session_decode(buf.data(), buf.size() - 1));
    EnginePair p;
    Resumed(p, d);
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(1, tls_engine_resumed(p.server));
    tls_session_free(d);
    tls_session_free(s);
}

TEST_F(Resume, AfterHelloRetryRequest) {
    // The client's key share is x25519; the server takes only P-256: a HelloRetryRequest, then
    // the second ClientHello carries the PSK with a binder over message_hash || HRR || CH2.
    ASSERT_EQ(0, tls_config_set_groups(cfg.server, "secp256r1"));
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    EnginePair p;
    HsObserver sobs;
    ResumeWatching(p, s, sobs, true);
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(2, sobs.Count(TLSIO_HS_SERVER_HELLO)); // HelloRetryRequest, ServerHello
    EXPECT_EQ(1, tls_engine_resumed(p.client));
    EXPECT_EQ(1, tls_engine_resumed(p.server));
    EXPECT_EQ(0x0017, tls_engine_group(p.server));
    tls_session_free(s);
}

// The client offers s to srv, which takes P-256 only: a HelloRetryRequest. The client's
// second ClientHello goes back without its pre_shared_key; the server's feed result.
int SecondHelloWithoutPsk(tls_engine *c, tls_engine *srv) {
    EXPECT_EQ(0, Feed(srv, Drain(c)));
    EXPECT_EQ(0, Feed(c, Drain(srv)));
    std::vector<Record> recs = SplitRecords(Drain(c)); // CCS, ClientHello2
    Hello ch2;
    if (recs.empty() || !ch2.Parse(Bytes(recs.back().bytes.begin() + 5, recs.back().bytes.end())))
        return -1;
    EXPECT_NE(nullptr, ch2.Find(41));
    ch2.Remove(41);
    return Feed(srv, PlainRecord(22, ch2.Encode()));
}

// RFC 8446 §4.1.2: the second ClientHello may drop only the PSKs "incompatible with the
// server's indicated cipher suite"; dropping one the server could resume with is a change.
TEST_F(Resume, SecondClientHelloMayNotDropAUsablePsk) {
    ASSERT_EQ(0, tls_config_set_groups(cfg.server, "secp256r1"));
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    tls_engine *c = tls_engine_new_client_resume(cfg.client, "example.com", s, nullptr);
    tls_engine *srv = tls_engine_new_server(cfg.server);
    tls_engine_set_time(c, pki.now());
    tls_engine_set_time(srv, pki.now());
    EXPECT_NE(0, SecondHelloWithoutPsk(c, srv));
    EXPECT_TRUE(FailedWith(srv, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "pre_shared_key with a PSK usable with the chosen suite removed"));
    tls_engine_free(c);
    tls_engine_free(srv);
    tls_session_free(s);
}

TEST_F(Resume, SecondClientHelloMayDropAPskTheServerCannotUse) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    tls_config *other = tls_config_new(); // its own ticket key: s does not open
    ASSERT_TRUE(AddChain(other, leaf));
    ASSERT_EQ(0, tls_config_set_groups(other, "secp256r1"));
    ASSERT_EQ(0, tls_config_set_clock(other, ClockOf, &server_ms));
    tls_engine *c = tls_engine_new_client_resume(cfg.client, "example.com", s, nullptr);
    tls_engine *srv = tls_engine_new_server(other);
    tls_engine_set_time(c, pki.now());
    tls_engine_set_time(srv, pki.now());
    EXPECT_EQ(0, SecondHelloWithoutPsk(c, srv)) << tls_engine_error(srv);
    EXPECT_EQ(0, tls_engine_error_code(srv)) << tls_engine_error(srv);
    tls_engine_free(c);
    tls_engine_free(srv);
    tls_config_free(other);
    tls_session_free(s);
}

TEST_F(Resume, ExpiredTicketGivesAFullHandshake) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    client_ms += 7200 * 1000; // the client sees it expired: not offered
    ExpectFull(s);
    client_ms -= 7200 * 1000;
    server_ms += 7200 * 1000; // only the server sees it expired: refused
    ExpectFull(s);
    tls_session_free(s);
}

TEST_F(Resume, TicketAgeOutsideTheWindowGivesAFullHandshake) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    server_ms += 61 * 1000; // the client says 0 s old, the server saw 61 s pass
    ExpectFull(s);
    server_ms -= 61 * 1000;
    EnginePair p;
    Resumed(p, s);
    EXPECT_EQ(1, tls_engine_resumed(p.server)) << "within the window it resumes";
    tls_session_free(s);
}

TEST_F(Resume, ServerReportsTheTicketAgeSkew) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    // 10 s pass for the server, 15 s for the client: its clock runs 5 s ahead.
    server_ms += 10 * 1000;
    client_ms += 15 * 1000;
    {
        EnginePair p;
        Resumed(p, s);
        ASSERT_EQ(1, tls_engine_resumed(p.server)) << p.Errors();
        EXPECT_EQ(5000, tls_engine_ticket_age_skew_ms(p.server));
        EXPECT_EQ(0, tls_engine_ticket_age_skew_ms(p.client)) << "a server-side figure";
    }
    client_ms -= 10 * 1000; // now 5 s behind
    {
        EnginePair p;
        Resumed(p, s);
        ASSERT_EQ(1, tls_engine_resumed(p.server)) << p.Errors();
        EXPECT_EQ(-5000, tls_engine_ticket_age_skew_ms(p.server));
    }
    client_ms += 70 * 1000; // 65 s ahead: refused, and nothing resumed to report on
    {
        EnginePair p;
        Resumed(p, s);
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(0, tls_engine_resumed(p.server));
        EXPECT_EQ(0, tls_engine_ticket_age_skew_ms(p.server));
    }
    tls_session_free(s);
}

TEST_F(Resume, TicketFromAnotherKeyGivesAFullHandshake) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    ASSERT_EQ(0, tls_config_rotate_ticket_key(cfg.server, nullptr));
    EnginePair p; // a rotated-out key still opens
    Resumed(p, s);
    EXPECT_EQ(1, tls_engine_resumed(p.server)) << p.Errors();
    uint8_t keys[TLS_TICKET_KEY_LEN] = {1, 2, 3};
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, keys, 1));
    ExpectFull(s);
    tls_session_free(s);
}

TEST_F(Resume, TamperedTicketGivesAFullHandshake) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    std::vector<uint8_t> buf(s->len);
    memcpy(buf.data(), s->buf, s->len);
    buf[buf.size() - 1] ^= 1; // the ticket is last: its tag no longer matches
    tls_session *t = tls_session_decode(buf.data(), buf.size());
    ASSERT_NE(nullptr, t);
    ExpectFull(t);
    tls_session_free(t);
    tls_session_free(s);
}

TEST_F(Resume, SessionForAnotherNameIsNeverOffered) {
    ServeTwoNames();
    tls_session *s = FirstSession("example.com");
    ASSERT_NE(nullptr, s);
    ExpectFull(s, "other.example.com");
    tls_session_free(s);
}

TEST_F(Resume, ServerChecksTheTicketsServerName) {
    // A session edited to claim another name (as a client that ignores RFC 8446 §4.6.1
    // would offer it): the server's own check refuses it.
    ServeTwoNames();
    tls_session *s = FirstSession("example.com");
    ASSERT_NE(nullptr, s);
    tlsio_sess_state st = s->st;
    static const char other[] = "other.example.com";
    CBS_init(&st.server_name, reinterpret_cast<const uint8_t *>(other), sizeof(other) - 1);
    tlsio_err err;
    tls_session *forged = tlsio_session_new(&st, &s->ticket, &err);
    ASSERT_NE(nullptr, forged);
    ExpectFull(forged, "other.example.com");
    tls_session_free(forged);
    tls_session_free(s);
}

TEST_F(Resume, SuiteWithAnotherHashGivesAFullHandshake) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.server, "TLS_AES_256_GCM_SHA384"));
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    tls_config *server = tls_config_new();
    ASSERT_TRUE(AddChain(server, leaf));
    ASSERT_EQ(0, tls_config_set_ciphers(server, "TLS_AES_128_GCM_SHA256"));
    ASSERT_EQ(0, tls_config_set_clock(server, ClockOf, &server_ms));
    uint8_t key[TLS_TICKET_KEY_LEN] = {9};
    ASSERT_EQ(0, tls_config_set_ticket_keys(server, key, 1));
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, key, 1));
    tls_session_free(s);
    s = FirstSession(); // sealed under the shared key, SHA-384 suite
    ASSERT_NE(nullptr, s);
    ExpectFull(s, "example.com", server);
    tls_config_free(server);
    tls_session_free(s);
}

TEST_F(Resume, TamperedBinderIsDecryptError) {
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    tls_engine *c = tls_engine_new_client_resume(cfg.client, "example.com", s, nullptr);
    tls_engine *srv = tls_engine_new_server(cfg.server);
    // The ClientHello went out when the client was made: feed an altered copy.
    size_t n = 0;
    const uint8_t *out = tls_engine_send_buf(c, &n);
    std::vector<uint8_t> wire(out, out + n);
    wire.back() ^= 0x80; // the last byte of the binder (pre_shared_key is last)
    size_t cap = 0;
    uint8_t *in = tls_engine_recv_buf(srv, &cap);
    ASSERT_GE(cap, wire.size());
    memcpy(in, wire.data(), wire.size());
    tls_engine_recv_ack(srv, wire.size());
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR, tls_engine_error_code(srv));
    EXPECT_NE(std::string::npos, std::string(tls_engine_error(srv)).find("binders[0]"))
        << tls_engine_error(srv);
    tls_engine_free(c);
    tls_engine_free(srv);
    tls_session_free(s);
}

TEST_F(Resume, NoTicketsWhenTurnedOffOrWithoutAClock) {
    ASSERT_EQ(0, tls_config_set_session_tickets(cfg.server, 0));
    EXPECT_EQ(nullptr, FirstSession());
    // No clock and no tls_engine_set_time: tickets could not be dated, so none are sent.
    tls_config *server = tls_config_new();
    ASSERT_TRUE(AddChain(server, leaf));
    EnginePair p;
    p.client = tls_engine_new_client(cfg.client, "example.com");
    p.server = tls_engine_new_server(server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    Pump(p.client, p.server);
    EXPECT_EQ(nullptr, tls_engine_take_session(p.client));
    tls_config_free(server);
}

TEST_F(Resume, ServerWithTicketsOffRefusesToResume) {
    uint8_t key[TLS_TICKET_KEY_LEN] = {7};
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, key, 1));
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    tls_config *off = tls_config_new();
    ASSERT_TRUE(AddChain(off, leaf));
    ASSERT_EQ(0, tls_config_set_clock(off, ClockOf, &server_ms));
    ASSERT_EQ(0, tls_config_set_ticket_keys(off, key, 1));
    ASSERT_EQ(0, tls_config_set_session_tickets(off, 0));
    ExpectFull(s, "example.com", off);
    tls_config_free(off);
    tls_session_free(s);
}

TEST_F(Resume, TicketCountIsConfigurable) {
    ASSERT_EQ(0, tls_config_set_session_tickets(cfg.server, 5));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_session_tickets(cfg.server, 9));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    Pump(p.client, p.server);
    int n = 0;
    while (tls_session *s = tls_engine_take_session(p.client)) {
        n++;
        tls_session_free(s);
    }
    EXPECT_EQ(4, n) << "five received, the engine keeps the four newest";
}

// ---- client certificates (RFC 8446 §4.6.1: a ticket carries the client's identity) -----

class ResumeClientAuth : public Resume {
  public:
    Cert client_root = pki.MakeCa("Client Root");
    void Require(int mode) {
        ASSERT_EQ(0, tls_config_set_client_verify(cfg.server, mode));
        std::string pem = client_root.cert_pem();
        ASSERT_EQ(0, tls_config_add_client_ca_pem(cfg.server, pem.data(), pem.size()));
    }
};

TEST_F(ResumeClientAuth, TicketCarriesTheVerifiedClientIdentity) {
    Require(TLS_CLIENT_VERIFY_REQUIRED);
    ASSERT_TRUE(AddChain(cfg.client,
                         pki.MakeLeaf(client_root, {.cn = "client one", .eku = Eku::kClientAuth})));
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    EnginePair p;
    HsObserver cobs;
    ResumeWatching(p, s, cobs, false);
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(1, tls_engine_resumed(p.server));
    EXPECT_EQ(0, cobs.Count(TLSIO_HS_CERTIFICATE)) << "no client certificate when resuming";
    ASSERT_NE(nullptr, tls_engine_peer_subject(p.server));
    EXPECT_NE(std::string::npos, std::string(tls_engine_peer_subject(p.server)).find("client one"));
    size_t len = 0;
    EXPECT_NE(nullptr, tls_engine_peer_chain(p.server, 0, &len));
    tls_session_free(s);
}

TEST_F(ResumeClientAuth, RequiredServerDoesNotResumeAnUnauthenticatedSession) {
    // Tickets from an optional-verification server where the client sent no certificate,
    // opened by a server (same keys) that requires one: a full handshake asks for it.
    uint8_t key[TLS_TICKET_KEY_LEN] = {5};
    Require(TLS_CLIENT_VERIFY_OPTIONAL);
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, key, 1));
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    tls_config *strict = tls_config_new();
    ASSERT_TRUE(AddChain(strict, leaf));
    ASSERT_EQ(0, tls_config_set_clock(strict, ClockOf, &server_ms));
    ASSERT_EQ(0, tls_config_set_ticket_keys(strict, key, 1));
    ASSERT_EQ(0, tls_config_set_client_verify(strict, TLS_CLIENT_VERIFY_REQUIRED));
    std::string pem = client_root.cert_pem();
    ASSERT_EQ(0, tls_config_add_client_ca_pem(strict, pem.data(), pem.size()));
    EnginePair p;
    Resumed(p, s, "example.com", strict);
    EXPECT_EQ(0, tls_engine_resumed(p.server));
    EXPECT_EQ(TLS_ALERT_CERTIFICATE_REQUIRED, tls_engine_error_code(p.server))
        << "the full handshake asked for a certificate the client does not have";
    tls_config_free(strict);
    tls_session_free(s);
}

// ---- tls_config_set_keep_peer_chain(cfg, 0): the identity without the chain -------------

// A server keeping identities only: no chain after the full handshake or the resumption, the
// subject and fingerprint all the same, and a ticket without the chain (smaller).
TEST_F(ResumeClientAuth, IdentityOnlyServerKeepsNoChainAndResumesSo) {
    Require(TLS_CLIENT_VERIFY_REQUIRED);
    ASSERT_TRUE(AddChain(cfg.client,
                         pki.MakeLeaf(client_root, {.cn = "client one", .eku = Eku::kClientAuth})));
    ASSERT_EQ(0, tls_config_set_keep_peer_chain(cfg.server, 0));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_keep_peer_chain(cfg.server, 2));
    EXPECT_STREQ("keep peer chain 2: use 1 or 0", tls_config_error(cfg.server));
    {
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(nullptr, tls_engine_peer_chain(p.server, 0, nullptr));
        EXPECT_NE(nullptr, tls_engine_peer_cert_sha256(p.server));
        EXPECT_NE(nullptr, tls_engine_peer_chain(p.client, 0, nullptr)) << "the client keeps";
    }
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    EnginePair p;
    Resumed(p, s);
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(1, tls_engine_resumed(p.server));
    ASSERT_NE(nullptr, tls_engine_peer_subject(p.server));
    EXPECT_EQ("CN=client one", std::string(tls_engine_peer_subject(p.server)));
    EXPECT_NE(nullptr, tls_engine_peer_cert_sha256(p.server));
    EXPECT_EQ(nullptr, tls_engine_peer_chain(p.server, 0, nullptr));
    tls_session_free(s);
}

// A session with a client identity made under one setting is declined by a server (same
// ticket keys) under the other, both ways: the full handshake reports the identity in the
// form the server's config asks for.
TEST_F(ResumeClientAuth, ServerDeclinesASessionKeptUnderTheOtherSetting) {
    uint8_t key[TLS_TICKET_KEY_LEN] = {7};
    ASSERT_TRUE(AddChain(cfg.client,
                         pki.MakeLeaf(client_root, {.cn = "client one", .eku = Eku::kClientAuth})));
    Require(TLS_CLIENT_VERIFY_OPTIONAL);
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, key, 1));
    for (int first_keeps : {1, 0}) {
        SCOPED_TRACE(first_keeps);
        tls_config *a = tls_config_new(), *b = tls_config_new();
        std::string pem = client_root.cert_pem();
        for (tls_config *c : {a, b}) {
            ASSERT_TRUE(AddChain(c, leaf));
            ASSERT_EQ(0, tls_config_set_clock(c, ClockOf, &server_ms));
            ASSERT_EQ(0, tls_config_set_ticket_keys(c, key, 1));
            ASSERT_EQ(0, tls_config_set_client_verify(c, TLS_CLIENT_VERIFY_OPTIONAL));
            ASSERT_EQ(0, tls_config_add_client_ca_pem(c, pem.data(), pem.size()));
        }
        ASSERT_EQ(0, tls_config_set_keep_peer_chain(a, first_keeps));
        ASSERT_EQ(0, tls_config_set_keep_peer_chain(b, !first_keeps));
        std::swap(cfg.server, a);
        tls_session *s = FirstSession();
        std::swap(cfg.server, a);
        ASSERT_NE(nullptr, s);
        {
            EnginePair same;
            Resumed(same, s, "example.com", a);
            EXPECT_EQ(1, tls_engine_resumed(same.server)) << "the same setting resumes";
        }
        EnginePair p;
        Resumed(p, s, "example.com", b);
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(0, tls_engine_resumed(p.server));
        EXPECT_EQ(first_keeps == 0, tls_engine_peer_chain(p.server, 0, nullptr) != nullptr);
        EXPECT_NE(nullptr, tls_engine_peer_subject(p.server));
        tls_session_free(s);
        tls_config_free(a);
        tls_config_free(b);
    }
}

// A client keeping identities only: no server chain, and its sessions are offered only by a
// config with the same setting.
TEST_F(Resume, IdentityOnlyClientOffersItsSessionsOnlyUnderTheSameSetting) {
    ASSERT_EQ(0, tls_config_set_keep_peer_chain(cfg.client, 0));
    tls_session *s = FirstSession();
    ASSERT_NE(nullptr, s);
    {
        EnginePair p;
        Resumed(p, s);
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(1, tls_engine_resumed(p.client));
        EXPECT_EQ(nullptr, tls_engine_peer_chain(p.client, 0, nullptr));
        EXPECT_NE(nullptr, tls_engine_peer_cert_sha256(p.client));
    }
    tls_config *keeps = tls_config_new();
    std::string pem = root.cert_pem();
    ASSERT_EQ(0, tls_config_add_ca_pem(keeps, pem.data(), pem.size()));
    ASSERT_EQ(0, tls_config_set_clock(keeps, ClockOf, &client_ms));
    std::swap(cfg.client, keeps);
    ExpectFull(s);
    std::swap(cfg.client, keeps);
    tls_config_free(keeps);
    tls_session_free(s);
}

} // namespace
