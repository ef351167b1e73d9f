// TLS 1.2 session tickets (RFC 5077) and the abbreviated handshake (RFC 5246 §7.3) with the
// extended master secret (RFC 7627 §5.3), engine to engine: a full handshake issues a ticket,
// the next one resumes with it, and every reason to refuse a ticket gives a full handshake
// instead (no alert); a ServerHello that resumes wrongly is refused with the right alert.
#include <gtest/gtest.h>
#include <openssl/bytestring.h>

#include <cstring>
#include <functional>
#include <string>

#include "engine_testing.h"
#include "enginepair.h"
#include "hs_dispatch.h"
#include "hswalk.h"
#include "msgs.h"
#include "session.h"
#include "testerr.h"
#include "ticket.h"

using namespace tlsio_test;

namespace {

constexpr uint16_t kSessionTicketExt = 35;
constexpr uint16_t kEmsExt = 23;

struct Clock {
    int64_t ms = 0;
};
int64_t ReadClock(void *arg) {
    return static_cast<Clock *>(arg)->ms;
}

// Frees a session when the test ends.
struct SessionPtr {
    tls_session *s = nullptr;
    SessionPtr() = default;
    explicit SessionPtr(tls_session *p) : s(p) {}
    SessionPtr(const SessionPtr &) = delete;
    SessionPtr &operator=(const SessionPtr &) = delete;
    ~SessionPtr() {
        tls_session_free(s);
    }
    tls_session *get() const {
        return s;
    }
};

// The first ClientHello an engine sent, out of its send buffer (the engine keeps nothing else
// there before the server answers).
Bytes TakeClientHello(tls_engine *client, Bytes *wire) {
    *wire = Drain(client);
    std::vector<Record> recs = SplitRecords(*wire);
    if (recs.empty()) return {};
    return Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end());
}

// Rewrites the server's ServerHello in place (same length) after its transcript took it.
struct ShRewrite {
    std::function<void(Hello &)> edit;
    static void Fn(void *ctx, uint8_t *msg, size_t len) {
        if (msg[0] != TLSIO_HS_SERVER_HELLO) return;
        Hello h;
        if (!h.Parse(Bytes(msg, msg + len))) return;
        static_cast<ShRewrite *>(ctx)->edit(h);
        Bytes out = h.Encode();
        if (out.size() == len) memcpy(msg, out.data(), len);
    }
};

class Resume12 : public EngineFixture {
  protected:
    Clock cclock, sclock;
    // Server-side engines and configs made by the test, freed at the end.
    std::vector<tls_config *> extra_cfgs;

    void SetUp() override {
        EngineFixture::SetUp();
        cclock.ms = sclock.ms = pki.now() * 1000;
        ASSERT_EQ(0, tls_config_set_clock(cfg.client, ReadClock, &cclock));
        ASSERT_EQ(0, tls_config_set_clock(cfg.server, ReadClock, &sclock));
        // The client offers TLS 1.3 and 1.2; the server speaks TLS 1.2 only.
        ASSERT_EQ(0, tls_config_set_versions(cfg.server, TLS_VERSION_1_2, TLS_VERSION_1_2));
    }
    void TearDown() override {
        for (tls_config *c : extra_cfgs)
            tls_config_free(c);
    }

    // Another TLS 1.2 server config with the same chain and clock (and its own ticket key).
    tls_config *NewServerConfig() {
        tls_config *c = tls_config_new();
        extra_cfgs.push_back(c);
        EXPECT_TRUE(AddChain(c, leaf));
        EXPECT_EQ(0, tls_config_set_clock(c, ReadClock, &sclock));
        EXPECT_EQ(0, tls_config_set_versions(c, TLS_VERSION_1_2, TLS_VERSION_1_2));
        return c;
    }

    // A full handshake with the server of scfg (cfg.server if null); returns the session the
    // client took from it (null if none came).
    tls_session *FullHandshake(tls_config *scfg = nullptr, HsObserver *server_msgs = nullptr) {
        EnginePair p;
        p.client = tls_engine_new_client(cfg.client, "example.com");
        p.server = tls_engine_new_server(scfg ? scfg : cfg.server);
        tls_engine_set_time(p.client, pki.now());
        tls_engine_set_time(p.server, pki.now());
        if (server_msgs) server_msgs->Attach(p.server);
        p.Handshake();
        EXPECT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p.client));
        EXPECT_FALSE(tls_engine_resumed(p.client));
        EXPECT_FALSE(tls_engine_resumed(p.server));
        return tls_engine_take_session(p.client);
    }

    // p's engines: a client offering s to host, and a server over scfg; the server's messages
    // go to obs. The handshake runs as far as it goes.
    void Resume(EnginePair &p, const tls_session *s, tls_config *scfg = nullptr,
                HsObserver *obs = nullptr, const char *host = "example.com",
                ShRewrite *rw = nullptr) {
        p.client = tls_engine_new_client_resume(cfg.client, host, s, nullptr);
        p.server = tls_engine_new_server(scfg ? scfg : cfg.server);
        ASSERT_NE(nullptr, p.client);
        ASSERT_NE(nullptr, p.server);
        tls_engine_set_time(p.client, pki.now());
        tls_engine_set_time(p.server, pki.now());
        if (obs) obs->Attach(p.server);
        if (rw) tlsio_testing_set_tamper(p.server, ShRewrite::Fn, rw);
        p.Handshake();
    }

    // 1 if a client given s sends an empty session_ticket: it asks for a ticket but offers
    // none (nor a session id unless TLS 1.3 is offered too).
    bool OffersNoTicket(const tls_session *s) {
        tls_engine *c = tls_engine_new_client_resume(cfg.client, "example.com", s, nullptr);
        Bytes wire;
        Hello ch;
        bool ok = ch.Parse(TakeClientHello(c, &wire)) && ch.Find(kSessionTicketExt) != nullptr &&
                  ch.Find(kSessionTicketExt)->empty();
        tls_engine_free(c);
        return ok;
    }

    // The handshake in p resumed, on both sides, and completed.
    void ExpectResumed(const EnginePair &p) {
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_TRUE(tls_engine_resumed(p.client));
        EXPECT_TRUE(tls_engine_resumed(p.server));
    }

    // The handshake in p was a full one, and completed.
    void ExpectFull(const EnginePair &p, const HsObserver &obs) {
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_FALSE(tls_engine_resumed(p.client));
        EXPECT_FALSE(tls_engine_resumed(p.server));
        EXPECT_EQ(1, obs.Count(TLSIO_HS_CERTIFICATE));
        EXPECT_EQ(1, obs.Count(TLSIO_HS_SERVER_KEY_EXCHANGE));
    }

    // A copy of s with its state st (views may point anywhere) and ticket.
    static tls_session *Rebuild(const tlsio_sess_state &st, const Bytes &ticket) {
        tlsio_err err;
        tlsio_err_clear(&err);
        CBS t;
        CBS_init(&t, ticket.data(), ticket.size());
        return tlsio_session_new(&st, &t, &err);
    }
    static Bytes TicketOf(const tls_session *s) {
        return Bytes(CBS_data(&s->ticket), CBS_data(&s->ticket) + CBS_len(&s->ticket));
    }

    // A ticket sealed under scfg's key for state st (as a server would seal it).
    static Bytes Seal(tls_config *scfg, const tlsio_sess_state &st) {
        std::vector<uint8_t> buf(TLSIO_SESS_STATE_MAX);
        size_t n = 0;
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(0, tlsio_sess_state_encode(&st, buf.data(), buf.size(), &n, &err)) << err.msg;
        CBB cbb;
        EXPECT_TRUE(CBB_init(&cbb, 0));
        EXPECT_EQ(0, tlsio_ticket_seal(scfg, buf.data(), n, &cbb, &err)) << err.msg;
        Bytes out(CBB_data(&cbb), CBB_data(&cbb) + CBB_len(&cbb));
        CBB_cleanup(&cbb);
        return out;
    }
};

TEST_F(Resume12, FullHandshakeIssuesOneTicket) {
    HsObserver obs;
    SessionPtr s(FullHandshake(nullptr, &obs));
    ASSERT_NE(nullptr, s.get());
    EXPECT_EQ(1, obs.Count(TLSIO_HS_NEW_SESSION_TICKET));
    EXPECT_EQ(TLS_VERSION_1_2, tls_session_version(s.get()));
    EXPECT_STREQ("example.com", tls_session_server_name(s.get()));
    // The server's lifetime hint (the default 7200 s) from the client's clock.
    EXPECT_EQ(cclock.ms + 7200 * 1000, tls_session_expiry(s.get()));
    EXPECT_EQ(1u, s.get()->st.ems);
    EXPECT_EQ(48u, CBS_len(&s.get()->st.secret));
    // The NewSessionTicket came before the server's ChangeCipherSpec and Finished, after the
    // ServerHelloDone: its place in the sent list.
    ASSERT_GE(obs.sent.size(), 2u);
    EXPECT_EQ(TLSIO_HS_NEW_SESSION_TICKET, obs.sent[obs.sent.size() - 2][0]);
    EXPECT_EQ(TLSIO_HS_FINISHED, obs.sent.back()[0]);
}

TEST_F(Resume12, ClientAsksForATicketWithAnEmptyExtension) {
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_2, TLS_VERSION_1_2));
    tls_engine *c = tls_engine_new_client(cfg.client, "example.com");
    Bytes wire;
    Hello ch;
    ASSERT_TRUE(ch.Parse(TakeClientHello(c, &wire)));
    ASSERT_NE(nullptr, ch.Find(kSessionTicketExt));
    EXPECT_TRUE(ch.Find(kSessionTicketExt)->empty());
    // Offering no session and no TLS 1.3: no session id (RFC 5246 §7.4.1.2).
    EXPECT_TRUE(SessionIdOf(ch.Encode()).empty());
    tls_engine_free(c);
}

TEST_F(Resume12, ResumesWithTheTicket) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    HsObserver obs;
    EnginePair p;
    Resume(p, s.get(), nullptr, &obs);
    ExpectResumed(p);
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p.client));
    EXPECT_EQ(s.get()->st.cipher_suite, tls_engine_cipher_suite(p.client));
    EXPECT_EQ(s.get()->st.cipher_suite, tls_engine_cipher_suite(p.server));
    // The abbreviated handshake: ServerHello, NewSessionTicket (renewed), Finished; no
    // certificate and no key exchange.
    EXPECT_EQ(0, obs.Count(TLSIO_HS_CERTIFICATE));
    EXPECT_EQ(0, obs.Count(TLSIO_HS_SERVER_KEY_EXCHANGE));
    EXPECT_EQ(0, obs.Count(TLSIO_HS_SERVER_HELLO_DONE));
    ASSERT_EQ(3u, obs.sent.size());
    EXPECT_EQ(TLSIO_HS_SERVER_HELLO, obs.sent[0][0]);
    EXPECT_EQ(TLSIO_HS_NEW_SESSION_TICKET, obs.sent[1][0]);
    EXPECT_EQ(TLSIO_HS_FINISHED, obs.sent[2][0]);
    // The peer identity is the session's: the server certificate of the first handshake.
    ASSERT_NE(nullptr, tls_engine_peer_subject(p.client));
    EXPECT_EQ(
        std::string(tls_engine_peer_subject(p.client)),
        std::string(CBS_data(&s.get()->st.peer_subject),
                    CBS_data(&s.get()->st.peer_subject) + CBS_len(&s.get()->st.peer_subject)));
    const uint8_t *fp = tls_engine_peer_cert_sha256(p.client);
    ASSERT_NE(nullptr, fp);
    EXPECT_EQ(0, memcmp(fp, CBS_data(&s.get()->st.peer_sha256), 32));
    size_t len = 0;
    EXPECT_NE(nullptr, tls_engine_peer_chain(p.client, 0, &len));
    EXPECT_GT(len, 0u);
    EXPECT_NE(0, tls_engine_peer_signature_scheme(p.client));
    EXPECT_STREQ("example.com", tls_engine_server_name(p.server));
    // The keys work both ways, and the exporters agree.
    ASSERT_TRUE(WriteAll(p.client, "ping"));
    ASSERT_TRUE(WriteAll(p.server, "pong"));
    Pump(p.client, p.server);
    EXPECT_EQ("ping", ReadAll(p.server));
    EXPECT_EQ("pong", ReadAll(p.client));
    uint8_t a[32], b[32];
    ASSERT_EQ(0, tls_engine_export_keying_material(p.client, "EXPERIMENTAL x", 14, nullptr, 0, a,
                                                   sizeof(a)));
    ASSERT_EQ(0, tls_engine_export_keying_material(p.server, "EXPERIMENTAL x", 14, nullptr, 0, b,
                                                   sizeof(b)));
    EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
    // The renewed ticket resumes too.
    SessionPtr s2(tls_engine_take_session(p.client));
    ASSERT_NE(nullptr, s2.get());
    EnginePair p2;
    Resume(p2, s2.get());
    ExpectResumed(p2);
}

// A ticket renewed on resumption ends when the session does (RFC 5077 §5.6): renewing never
// extends a session's lifetime.
TEST_F(Resume12, RenewedTicketKeepsTheSessionsLifetime) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    int64_t end = sclock.ms + 7200 * 1000;
    cclock.ms += 7000 * 1000;
    sclock.ms += 7000 * 1000;
    EnginePair p;
    Resume(p, s.get());
    ExpectResumed(p);
    SessionPtr renewed(tls_engine_take_session(p.client));
    ASSERT_NE(nullptr, renewed.get());
    EXPECT_EQ(end, tls_session_expiry(renewed.get()));
    // Offered after the session's end anyway (the server's clock is past it, the client's
    // not): a full handshake.
    sclock.ms = end;
    HsObserver obs;
    EnginePair q;
    Resume(q, renewed.get(), nullptr, &obs);
    ExpectFull(q, obs);
}

// A client offering only TLS 1.2 makes a fresh random session id for the ticket (RFC 5077
// §3.4), and the server's ServerHello echoes it.
TEST_F(Resume12, Tls12OnlyClientSendsASessionIdWithTheTicket) {
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_2, TLS_VERSION_1_2));
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    tls_engine *c = tls_engine_new_client_resume(cfg.client, "example.com", s.get(), nullptr);
    tls_engine *sv = tls_engine_new_server(cfg.server);
    tls_engine_set_time(sv, pki.now());
    HsObserver obs;
    obs.Attach(sv);
    Bytes wire;
    Bytes chm = TakeClientHello(c, &wire);
    Hello ch;
    ASSERT_TRUE(ch.Parse(chm));
    Bytes sid = SessionIdOf(chm);
    EXPECT_EQ(32u, sid.size());
    ASSERT_NE(nullptr, ch.Find(kSessionTicketExt));
    EXPECT_EQ(TicketOf(s.get()), *ch.Find(kSessionTicketExt));
    ASSERT_EQ(0, Feed(sv, wire));
    Pump(c, sv);
    EXPECT_TRUE(tls_engine_resumed(c));
    EXPECT_TRUE(tls_engine_resumed(sv));
    ASSERT_FALSE(obs.sent.empty());
    Hello sh;
    ASSERT_TRUE(sh.Parse(obs.sent[0]));
    // ServerHello: version, random, then the session id echoed.
    EXPECT_EQ(Bytes(sh.prefix.begin() + 35, sh.prefix.begin() + 35 + 32), sid);
    EXPECT_NE(nullptr, sh.Find(kSessionTicketExt));
    EXPECT_NE(nullptr, sh.Find(kEmsExt));
    tls_engine_free(c);
    tls_engine_free(sv);
}

// A client that resumed a session restores the client's identity too (the server asked for
// a certificate in the first handshake).
TEST_F(Resume12, ServerRestoresTheClientIdentity) {
    Cert client_leaf = pki.MakeLeaf(root, {.cn = "client one", .eku = Eku::kClientAuth});
    ASSERT_TRUE(AddChain(cfg.client, client_leaf));
    std::string ca = root.cert_pem();
    ASSERT_EQ(0, tls_config_add_client_ca_pem(cfg.server, ca.data(), ca.size()));
    ASSERT_EQ(0, tls_config_set_client_verify(cfg.server, TLS_CLIENT_VERIFY_REQUIRED));
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    HsObserver obs;
    EnginePair p;
    Resume(p, s.get(), nullptr, &obs);
    ExpectResumed(p);
    EXPECT_EQ(0, obs.Count(TLSIO_HS_CERTIFICATE_REQUEST));
    ASSERT_NE(nullptr, tls_engine_peer_subject(p.server));
    EXPECT_NE(std::string::npos, std::string(tls_engine_peer_subject(p.server)).find("client one"));
    EXPECT_NE(nullptr, tls_engine_peer_cert_sha256(p.server));
}

// RFC 5077 §3.3: a lifetime hint of 0 leaves the lifetime unspecified (our default, 7200 s),
// a longer one than a session holds is cut to seven days, and an empty ticket is none. The
// message is handed to a client in WAIT_NEW_SESSION_TICKET directly.
TEST_F(Resume12, TicketLifetimeHintAndEmptyTicket) {
    const tlsio_hs_table *t = &tlsio_hs12_client_table;
    uint8_t wait_nst = 0, wait_ccs = 0;
    for (uint8_t i = 0; i < t->n_states; i++) {
        if (std::string(t->state_names[i]) == "WAIT_NEW_SESSION_TICKET") wait_nst = i;
        if (std::string(t->state_names[i]) == "WAIT_CHANGE_CIPHER_SPEC") wait_ccs = i;
    }
    ASSERT_NE(wait_nst, wait_ccs);
    struct Case {
        uint32_t hint;
        size_t ticket_len;
        uint32_t want_lifetime;
    };
    for (const Case &c :
         {Case{0, 3, 7200}, Case{100, 3, 100}, Case{0xffffffffu, 3, 604800}, Case{100, 0, 0}}) {
        SCOPED_TRACE(c.hint);
        tls_engine *e = NewEngine(false);
        ASSERT_NE(nullptr, e);
        Drain(e);
        e->table = t;
        e->version = TLS_VERSION_1_2;
        e->state = wait_nst;
        Bytes ticket(c.ticket_len, 0x5a);
        tlsio_new_session_ticket12 nst = {};
        nst.ticket_lifetime_hint = c.hint;
        CBS_init(&nst.ticket, ticket.data(), ticket.size());
        HsSample m{TLSIO_HS_NEW_SESSION_TICKET, TLSIO_VAR_ANY, "NewSessionTicket",
                   EncodeHs(TLSIO_HS_NEW_SESSION_TICKET, &tlsio_codec_new_session_ticket12, &nst)};
        EXPECT_EQ(0, DispatchSample(e, m)) << tls_engine_error(e);
        EXPECT_EQ(wait_ccs, e->state);
        EXPECT_EQ(c.ticket_len, e->hs->h12.nst_len);
        EXPECT_EQ(c.want_lifetime, e->hs->h12.nst_lifetime);
        tls_engine_free(e);
    }
}

// ---- refusals: a full handshake, no alert -----------------------------------------------

TEST_F(Resume12, ExpiredTicketGivesAFullHandshake) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    sclock.ms += 7200 * 1000; // the server's clock says it expired; the client's does not
    HsObserver obs;
    EnginePair p;
    Resume(p, s.get(), nullptr, &obs);
    ExpectFull(p, obs);
    // A full handshake with a client that asked: a new ticket.
    EXPECT_EQ(1, obs.Count(TLSIO_HS_NEW_SESSION_TICKET));
}

TEST_F(Resume12, ClientDoesNotOfferAnExpiredSession) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    cclock.ms += 7200 * 1000;
    EXPECT_TRUE(OffersNoTicket(s.get()));
}

TEST_F(Resume12, TicketOfAnotherKeyGivesAFullHandshake) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    HsObserver obs;
    EnginePair p;
    Resume(p, s.get(), NewServerConfig(), &obs);
    ExpectFull(p, obs);
}

TEST_F(Resume12, RotatedKeyStillOpens) {
    uint8_t keys[2 * TLS_TICKET_KEY_LEN];
    for (size_t i = 0; i < sizeof(keys); i++)
        keys[i] = (uint8_t)i;
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, keys, 1));
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    ASSERT_EQ(0, tls_config_rotate_ticket_key(cfg.server, keys + TLS_TICKET_KEY_LEN));
    EnginePair p;
    Resume(p, s.get());
    ExpectResumed(p);
}

TEST_F(Resume12, TicketForAnotherServerNameGivesAFullHandshake) {
    // A server certificate for both names; the ticket was made for example.com.
    Cert both = pki.MakeLeaf(root, {.dns = {"example.com", "other.example"}});
    tls_config *scfg = tls_config_new();
    extra_cfgs.push_back(scfg);
    ASSERT_TRUE(AddChain(scfg, both));
    ASSERT_EQ(0, tls_config_set_clock(scfg, ReadClock, &sclock));
    ASSERT_EQ(0, tls_config_set_versions(scfg, TLS_VERSION_1_2, TLS_VERSION_1_2));
    SessionPtr s(FullHandshake(scfg));
    ASSERT_NE(nullptr, s.get());
    // A client that offers it to other.example anyway (tlsio's own client never would).
    tlsio_sess_state st = s.get()->st;
    static const char other[] = "other.example";
    CBS_init(&st.server_name, reinterpret_cast<const uint8_t *>(other), sizeof(other) - 1);
    SessionPtr forged(Rebuild(st, TicketOf(s.get())));
    ASSERT_NE(nullptr, forged.get());
    HsObserver obs;
    EnginePair p;
    Resume(p, forged.get(), scfg, &obs, "other.example");
    ExpectFull(p, obs);
    EXPECT_STREQ("other.example", tls_engine_server_name(p.server));
}

TEST_F(Resume12, TicketOfAnotherSuiteGivesAFullHandshake) {
    uint8_t key[TLS_TICKET_KEY_LEN] = {1, 2, 3};
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, key, 1));
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.server, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    // The same key on a server that no longer enables the session's suite.
    tls_config *scfg = NewServerConfig();
    ASSERT_EQ(0, tls_config_set_ticket_keys(scfg, key, 1));
    ASSERT_EQ(0, tls_config_set_ciphers(scfg, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"));
    HsObserver obs;
    EnginePair p;
    Resume(p, s.get(), scfg, &obs);
    ExpectFull(p, obs);
    EXPECT_EQ(0xc02c, tls_engine_cipher_suite(p.client));
    // Control: the same key and suite resume.
    tls_config *same = NewServerConfig();
    ASSERT_EQ(0, tls_config_set_ticket_keys(same, key, 1));
    EnginePair q;
    Resume(q, s.get(), same);
    ExpectResumed(q);
}

// RFC 7627 §5.3: a session without the extended master secret is never resumed. tlsio never
// makes one, so the ticket is forged under the server's key, with a control that the same
// forgery with EMS does resume.
TEST_F(Resume12, SessionWithoutEmsIsNeverResumed) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    tlsio_sess_state st = s.get()->st;
    st.time_hi = (uint32_t)((uint64_t)sclock.ms >> 32);
    st.time_lo = (uint32_t)sclock.ms;
    SessionPtr with_ems(Rebuild(s.get()->st, Seal(cfg.server, st)));
    st.ems = 0;
    SessionPtr without(Rebuild(s.get()->st, Seal(cfg.server, st)));
    ASSERT_NE(nullptr, with_ems.get());
    ASSERT_NE(nullptr, without.get());
    EnginePair ok;
    Resume(ok, with_ems.get());
    ExpectResumed(ok);
    HsObserver obs;
    EnginePair p;
    Resume(p, without.get(), nullptr, &obs);
    ExpectFull(p, obs);
}

TEST_F(Resume12, ClientDoesNotOfferASessionWithoutEms) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    tlsio_sess_state st = s.get()->st;
    st.ems = 0;
    SessionPtr without(Rebuild(st, TicketOf(s.get())));
    EXPECT_FALSE(OffersNoTicket(s.get())); // control
    EXPECT_TRUE(OffersNoTicket(without.get()));
}

TEST_F(Resume12, TamperedTicketGivesAFullHandshake) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    for (size_t off : {size_t(0), size_t(20), CBS_len(&s.get()->ticket) - 1}) {
        Bytes t = TicketOf(s.get());
        t[off] ^= 0x40;
        SessionPtr bad(Rebuild(s.get()->st, t));
        HsObserver obs;
        EnginePair p;
        Resume(p, bad.get(), nullptr, &obs);
        ExpectFull(p, obs);
    }
}

TEST_F(Resume12, ServerWithoutTicketsIssuesNone) {
    ASSERT_EQ(0, tls_config_set_session_tickets(cfg.server, 0));
    HsObserver obs;
    SessionPtr s(FullHandshake(nullptr, &obs));
    EXPECT_EQ(nullptr, s.get());
    EXPECT_EQ(0, obs.Count(TLSIO_HS_NEW_SESSION_TICKET));
    Hello sh;
    ASSERT_TRUE(sh.Parse(obs.sent[0]));
    EXPECT_EQ(nullptr, sh.Find(kSessionTicketExt));
}

TEST_F(Resume12, ServerThatRefusesTheSessionGivesAFullHandshake) {
    uint8_t key[TLS_TICKET_KEY_LEN] = {9};
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.server, key, 1));
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    // The same key, but tickets (and so resumption) off.
    tls_config *scfg = NewServerConfig();
    ASSERT_EQ(0, tls_config_set_ticket_keys(scfg, key, 1));
    ASSERT_EQ(0, tls_config_set_session_tickets(scfg, 0));
    HsObserver obs;
    EnginePair p;
    Resume(p, s.get(), scfg, &obs);
    ExpectFull(p, obs);
    EXPECT_EQ(0, obs.Count(TLSIO_HS_NEW_SESSION_TICKET));
    EXPECT_EQ(nullptr, tls_engine_take_session(p.client));
}

// A TLS 1.3 server ignores session_ticket (RFC 8446 §4.1.2 leaves TLS 1.2 resumption to TLS
// 1.2): the client's TLS 1.2 session gives a full TLS 1.3 handshake.
TEST_F(Resume12, Tls12SessionToATls13ServerGivesAFullTls13Handshake) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    tls_config *scfg = NewServerConfig();
    ASSERT_EQ(0, tls_config_set_versions(scfg, TLS_VERSION_1_2, TLS_VERSION_1_3));
    EnginePair p;
    Resume(p, s.get(), scfg);
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(TLS_VERSION_1_3, tls_engine_version(p.client));
    EXPECT_FALSE(tls_engine_resumed(p.client));
    EXPECT_FALSE(tls_engine_resumed(p.server));
}

// ---- a ServerHello that resumes wrongly ---------------------------------------------------

TEST_F(Resume12, ResumingServerHelloWithAnotherSuiteIsIllegal) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    uint16_t other = s.get()->st.cipher_suite == 0xc02b ? 0xc02c : 0xc02b;
    ShRewrite rw{[&](Hello &h) {
        size_t at = h.prefix.size() - 3; // cipher_suite, then compression_method
        h.prefix[at] = (uint8_t)(other >> 8);
        h.prefix[at + 1] = (uint8_t)other;
    }};
    EnginePair p;
    Resume(p, s.get(), nullptr, nullptr, "example.com", &rw);
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "resumes a session made with"));
}

TEST_F(Resume12, ResumingServerHelloWithoutEmsIsAHandshakeFailure) {
    SessionPtr s(FullHandshake());
    ASSERT_NE(nullptr, s.get());
    ShRewrite rw{[&](Hello &h) {
        for (auto &x : h.exts)
            // server_name, empty: valid in a ServerHello, and absent from a resuming one
            // (RFC 6066 §3), so the message still decodes.
            if (x.first == kEmsExt) x.first = 0;
    }};
    EnginePair p;
    Resume(p, s.get(), nullptr, nullptr, "example.com", &rw);
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "resumes a session but has no extended_master_secret"));
}

TEST_F(Resume12, ServerHelloEchoingTheSessionIdWithoutAnOfferIsIllegal) {
    // The client offers TLS 1.3 too, so its session id is the compatibility one, and no
    // session: a TLS 1.2 ServerHello echoing it claims a resumption that cannot be.
    EnginePair p;
    p.client = tls_engine_new_client(cfg.client, "example.com");
    p.server = tls_engine_new_server(cfg.server);
    tls_engine_set_time(p.client, pki.now());
    tls_engine_set_time(p.server, pki.now());
    Bytes wire;
    Bytes sid = SessionIdOf(TakeClientHello(p.client, &wire));
    ASSERT_EQ(32u, sid.size());
    ASSERT_EQ(0, Feed(p.server, wire));
    std::vector<Record> recs = SplitRecords(Drain(p.server));
    ASSERT_FALSE(recs.empty());
    // The ServerHello, the first message of the server's first record, with our session id
    // in place of its empty one.
    const Bytes &r = recs[0].bytes;
    size_t n = 4 + ((size_t)r[6] << 16 | (size_t)r[7] << 8 | r[8]);
    Hello sh;
    ASSERT_TRUE(sh.Parse(Bytes(r.begin() + 5, r.begin() + 5 + n)));
    Bytes prefix = sh.prefix;
    ASSERT_EQ(0u, prefix[34]); // empty session id
    Bytes np(prefix.begin(), prefix.begin() + 34);
    np.push_back(32);
    np.insert(np.end(), sid.begin(), sid.end());
    np.insert(np.end(), prefix.begin() + 35, prefix.end());
    sh.prefix = np;
    Feed(p.client, PlainRecord(22, sh.Encode()));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "resumes a session this client never had"));
}

} // namespace
