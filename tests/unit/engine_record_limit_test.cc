// RFC 8449 record_size_limit, both versions and both roles: what a client offers and a server
// answers (and when it does not), that every protected record sent honours the peer's limit
// (handshake records included, with tls_config_set_max_send_fragment: the smaller wins), that
// a protected record over the limit we advertised is record_overflow once the peer answered,
// and that bad values are refused (a server's above its version's maximum, anything under
// 64, an answer to an offer we did not make) while a client's large value is not.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "engine.h"
#include "engine_testing.h"
#include "enginepair.h"
#include "msgs.h"
#include "record.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

constexpr uint16_t kExtRsl = 28;
// AES-GCM in both versions, so the record sizes below are exact.
constexpr char kCiphers[] = "TLS_AES_128_GCM_SHA256:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

uint16_t U16(const Bytes &b) {
    return b.size() == 2 ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

// The record_size_limit value in a ClientHello / ServerHello / EncryptedExtensions message:
// 0 when the extension is absent. *at (if given) is its offset in msg.
uint16_t RslIn(const uint8_t *msg, size_t len, size_t *at = nullptr) {
    size_t p = 4; // message header
    if (msg[0] == TLSIO_HS_SERVER_HELLO) {
        p += 2 + 32;
        p += 1 + msg[p];
        p += 3;
    } else if (msg[0] == TLSIO_HS_CLIENT_HELLO) {
        p += 2 + 32;
        p += 1 + msg[p];
        p += 2 + (msg[p] << 8 | msg[p + 1]);
        p += 1 + msg[p];
    }
    size_t end = p + 2 + (msg[p] << 8 | msg[p + 1]);
    for (p += 2; p + 4 <= end && end <= len;) {
        uint16_t type = (uint16_t)(msg[p] << 8 | msg[p + 1]);
        size_t n = msg[p + 2] << 8 | msg[p + 3];
        if (type == kExtRsl && n == 2) {
            if (at != nullptr) *at = p + 4;
            return (uint16_t)(msg[p + 4] << 8 | msg[p + 5]);
        }
        p += 4 + n;
    }
    return 0;
}
uint16_t RslIn(const Bytes &msg) {
    return RslIn(msg.data(), msg.size());
}

// The message of type t an observed engine sent (empty if none).
Bytes SentMsg(const HsObserver &obs, uint8_t t) {
    for (const Bytes &m : obs.sent)
        if (!m.empty() && m[0] == t) return m;
    return {};
}

// The first record of a stream, without its header: the ClientHello message.
Bytes FirstMessage(const Bytes &wire) {
    std::vector<Record> recs = SplitRecords(wire);
    if (recs.empty()) return {};
    return Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end());
}

// Tamper hook: rewrites the record_size_limit of the ServerHello or EncryptedExtensions the
// server sends to *(uint16_t *)ctx (after the server's transcript took the original).
void SetAnsweredLimit(void *ctx, uint8_t *msg, size_t len) {
    if (msg[0] != TLSIO_HS_SERVER_HELLO && msg[0] != TLSIO_HS_ENCRYPTED_EXTENSIONS) return;
    size_t at = 0;
    if (RslIn(msg, len, &at) == 0) return;
    uint16_t v = *static_cast<uint16_t *>(ctx);
    msg[at] = (uint8_t)(v >> 8);
    msg[at + 1] = (uint8_t)v;
}

const char *Name(uint16_t v) {
    return v == TLS_VERSION_1_3 ? "Tls13" : "Tls12";
}

// The server pinned to the version under test; the client offers both.
class Rsl : public ::testing::TestWithParam<uint16_t> {
  public:
    TestPki pki;
    Cert root = pki.MakeCa("Record Limit Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}});
    Configs cfg;
    uint16_t v = GetParam();
    bool tls13 = GetParam() == TLS_VERSION_1_3;

    void SetUp() override {
        Make(&cfg);
    }
    // Configs for a pair: the server pinned to the version under test and to AES-GCM.
    void Make(Configs *c) {
        MakeConfigs(c, root, leaf);
        ASSERT_EQ(0, tls_config_set_versions(c->server, v, v));
        ASSERT_EQ(0, tls_config_set_ciphers(c->server, kCiphers));
    }
    static std::string Errors(const EnginePair &p) {
        return std::string("client: ") + tls_engine_error(p.client) +
               " / server: " + tls_engine_error(p.server);
    }
    // What protection adds to a record's content: TLS 1.3 the content type byte and the tag;
    // TLS 1.2 AES-GCM the explicit nonce and the tag.
    size_t Overhead() const {
        return tls13 ? 1 + 16 : 8 + 16;
    }
    // The longest content a record of the peer's may carry under a limit we advertise of n
    // bytes (a client offering both versions advertises n + 1, which TLS 1.2 reads as is).
    size_t Accepted(size_t n, bool client) const {
        return !tls13 && client ? n + 1 : n;
    }
    // The content size of every protected record in a one-directional stream.
    std::vector<size_t> ProtectedContent(const std::vector<Record> &recs) const {
        std::vector<size_t> out;
        bool after_ccs = false;
        for (const Record &r : recs) {
            if (r.type == TLSIO_CT_CHANGE_CIPHER_SPEC) after_ccs = true;
            bool prot = tls13 ? r.type == TLSIO_CT_APPLICATION_DATA
                              : after_ccs && r.type != TLSIO_CT_CHANGE_CIPHER_SPEC;
            if (prot) out.push_back(r.bytes.size() - 5 - Overhead());
        }
        return out;
    }
    // Connects p step by step, recording what each side sent.
    void Connect(EnginePair *p, std::vector<Record> *from_client,
                 std::vector<Record> *from_server) {
        for (int i = 0; i < 20 && !p->Connected(); i++) {
            Bytes c = Drain(p->client);
            for (const Record &r : SplitRecords(c))
                from_client->push_back(r);
            Feed(p->server, c);
            Bytes s = Drain(p->server);
            for (const Record &r : SplitRecords(s))
                from_server->push_back(r);
            Feed(p->client, s);
        }
        ASSERT_TRUE(p->Connected()) << Errors(*p);
    }
    // Writes data from one engine, records what went on the wire and checks it arrives.
    static void Send(tls_engine *from, tls_engine *to, const std::string &data,
                     std::vector<Record> *wire) {
        ASSERT_TRUE(WriteAll(from, data)) << tls_engine_error(from);
        Bytes out = Drain(from);
        for (const Record &r : SplitRecords(out))
            wire->push_back(r);
        Feed(to, out);
        EXPECT_EQ(data, ReadAll(to));
    }
};

INSTANTIATE_TEST_SUITE_P(Versions, Rsl, ::testing::Values(TLS_VERSION_1_2, TLS_VERSION_1_3),
                         [](const ::testing::TestParamInfo<uint16_t> &i) {
                             return std::string(Name(i.param));
                         });

// ---- what is advertised -----------------------------------------------------------------

// RFC 8449 §4: by default the protocol's maximum, which TLS 1.3 counts with its content type
// byte: 2^14 + 1 from a client offering TLS 1.3, 2^14 from one offering only TLS 1.2; a
// configured limit n likewise goes out as n + 1 or n.
TEST(RslOffer, ClientOffersItsLimitCountedForTheVersionsItOffers) {
    TestPki pki;
    Cert root = pki.MakeCa("Record Limit Root");
    struct {
        uint16_t min, max;
        size_t limit;
        uint16_t want;
    } cases[] = {
        {TLS_VERSION_1_2, TLS_VERSION_1_3, 0, 0x4001},
        {TLS_VERSION_1_3, TLS_VERSION_1_3, 0, 0x4001},
        {TLS_VERSION_1_2, TLS_VERSION_1_2, 0, 0x4000},
        {TLS_VERSION_1_2, TLS_VERSION_1_3, 512, 513},
        {TLS_VERSION_1_2, TLS_VERSION_1_2, 512, 512},
        {TLS_VERSION_1_3, TLS_VERSION_1_3, 64, 65},
    };
    for (const auto &c : cases) {
        tls_config *cc = tls_config_new();
        ASSERT_EQ(0, tls_config_add_ca_pem(cc, root.cert_pem().data(), root.cert_pem().size()));
        ASSERT_EQ(0, tls_config_set_versions(cc, c.min, c.max));
        if (c.limit) {
            ASSERT_EQ(0, tls_config_set_record_size_limit(cc, c.limit));
        }
        tls_engine *e = tls_engine_new_client(cc, "example.com");
        ASSERT_NE(nullptr, e);
        Hello ch;
        ASSERT_TRUE(ch.Parse(FirstMessage(Drain(e))));
        ASSERT_NE(nullptr, ch.Find(kExtRsl)) << c.limit;
        EXPECT_EQ(c.want, U16(*ch.Find(kExtRsl))) << c.min << ".." << c.max << " " << c.limit;
        tls_engine_free(e);
        tls_config_free(cc);
    }
}

// A server answers in EncryptedExtensions (TLS 1.3) or the ServerHello (TLS 1.2), counting
// its limit for the version it chose; both sides then know both limits.
TEST_P(Rsl, ServerAnswersAndBothSidesKnowBothLimits) {
    ASSERT_EQ(0, tls_config_set_record_size_limit(cfg.server, 512));
    ASSERT_EQ(0, tls_config_set_record_size_limit(cfg.client, 1000));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    uint16_t answer = tls13 ? 513 : 512;
    Bytes sh = SentMsg(obs, TLSIO_HS_SERVER_HELLO),
          ee = SentMsg(obs, TLSIO_HS_ENCRYPTED_EXTENSIONS);
    ASSERT_FALSE(sh.empty());
    EXPECT_EQ(tls13 ? 0 : answer, RslIn(sh));
    if (tls13) {
        EXPECT_EQ(answer, RslIn(ee));
    }
    EXPECT_EQ(answer, p.client->wd.size_limit);
    EXPECT_EQ(answer, p.server->rd.size_limit);
    EXPECT_EQ(1001, p.client->rd.size_limit); // offered for TLS 1.3 as well
    EXPECT_EQ(1001, p.server->wd.size_limit);
    EXPECT_EQ(512u, tlsio_rl_max_payload(&p.client->wd));
    EXPECT_EQ(tls13 ? 1000u : 1001u, tlsio_rl_max_payload(&p.server->wd));
}

TEST_P(Rsl, DefaultServerAnswersTheProtocolMaximum) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << Errors(p);
    Bytes m = SentMsg(obs, tls13 ? TLSIO_HS_ENCRYPTED_EXTENSIONS : TLSIO_HS_SERVER_HELLO);
    EXPECT_EQ(tls13 ? 0x4001 : 0x4000, RslIn(m));
    EXPECT_EQ(16384u, tlsio_rl_max_payload(&p.client->wd));
    EXPECT_EQ(16384u, tlsio_rl_max_payload(&p.server->wd));
    // Our own limit is the protocol's: nothing stricter than RFC 8446 §5.2 / RFC 5246 §6.2.3.
    EXPECT_EQ(tls13 ? 16384u + 256 : 16384u + 2048, tlsio_rl_max_fragment(&p.server->rd));
}

// A ClientHello without the extension gets no answer, and no limit applies either way.
TEST_P(Rsl, ServerAnswersNoClientThatDidNotOffer) {
    ASSERT_EQ(0, tls_config_set_record_size_limit(cfg.server, 100));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.Attach(p.server);
    Hello ch;
    ASSERT_TRUE(ch.Parse(FirstMessage(Drain(p.client))));
    ch.Remove(kExtRsl);
    ASSERT_EQ(0, Feed(p.server, PlainRecord(22, ch.Encode())));
    Bytes m = SentMsg(obs, tls13 ? TLSIO_HS_ENCRYPTED_EXTENSIONS : TLSIO_HS_SERVER_HELLO);
    ASSERT_FALSE(m.empty()) << tls_engine_error(p.server);
    EXPECT_EQ(0, RslIn(m));
    EXPECT_EQ(0, p.server->rd.size_limit);
    EXPECT_EQ(0, p.server->wd.size_limit);
}

// RFC 8449 §4: a server MUST NOT refuse a client's value above its version's maximum (it may
// be meant for something the server does not know): it is no limit. Any other value >= 64
// bounds the server's protected records.
TEST_P(Rsl, ServerTakesAnyClientValueFrom64Up) {
    for (uint16_t offered : {0xffff, 0x4001, 100, 64}) {
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        Hello ch;
        ASSERT_TRUE(ch.Parse(FirstMessage(Drain(p.client))));
        *ch.Find(kExtRsl) = {(uint8_t)(offered >> 8), (uint8_t)offered};
        ASSERT_EQ(0, Feed(p.server, PlainRecord(22, ch.Encode())));
        ASSERT_EQ(0, tls_engine_error_code(p.server)) << tls_engine_error(p.server);
        size_t want = offered >= 0x4000 ? 16384 : offered - (tls13 ? 1 : 0);
        tlsio_rl_dir wd = p.server->wd;
        if (!tls13) {
            // The TLS 1.2 server still writes in the clear (RFC 8449 §4: not subject to the
            // limit); from its ChangeCipherSpec on the limit applies.
            EXPECT_EQ(16384u, tlsio_rl_max_payload(&wd)) << offered;
            wd.mode = TLSIO_RL_TLS12_GCM;
        }
        EXPECT_EQ(want, tlsio_rl_max_payload(&wd)) << offered;
    }
}

TEST_P(Rsl, ServerRefusesClientValueUnder64) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Hello ch;
    ASSERT_TRUE(ch.Parse(FirstMessage(Drain(p.client))));
    *ch.Find(kExtRsl) = {0x00, 0x3f};
    Feed(p.server, PlainRecord(22, ch.Encode()));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "ClientHello.extensions.record_size_limit: value 63 not allowed"));
}

// ---- what is sent -----------------------------------------------------------------------

// Limits of 64 both ways (RFC 8449's smallest): every protected record either side sends,
// the server's encrypted handshake flight and the client's certificate among them, carries
// at most what the other's limit allows, and the long messages fill their records.
TEST_P(Rsl, EveryProtectedRecordHonoursThePeersLimit) {
    ASSERT_EQ(0, tls_config_set_record_size_limit(cfg.server, 64));
    ASSERT_EQ(0, tls_config_set_record_size_limit(cfg.client, 64));
    Cert client_leaf = pki.MakeLeaf(root, {.cn = "client", .eku = Eku::kClientAuth});
    ASSERT_TRUE(AddChain(cfg.client, client_leaf));
    ASSERT_EQ(0, tls_config_set_client_verify(cfg.server, TLS_CLIENT_VERIFY_REQUIRED));
    ASSERT_EQ(0, tls_config_add_client_ca_pem(cfg.server, root.cert_pem().data(),
                                              root.cert_pem().size()));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    std::vector<Record> from_client, from_server;
    Connect(&p, &from_client, &from_server);
    std::string data(3000, 'r');
    Send(p.client, p.server, data, &from_client);
    Send(p.server, p.client, data, &from_server);
    // The server's limit is 64 in TLS 1.2 and 65 in TLS 1.3: 64 bytes of content either way.
    // The client's is 65 (it offered TLS 1.3 too): 65 bytes in TLS 1.2.
    size_t to_server = 64, to_client = tls13 ? 64 : 65;
    std::vector<size_t> c = ProtectedContent(from_client), s = ProtectedContent(from_server);
    ASSERT_LE(3000u / to_server, c.size());
    ASSERT_LE(3000u / to_client, s.size());
    size_t full_c = 0, full_s = 0;
    for (size_t n : c) {
        EXPECT_LE(n, to_server);
        full_c += n == to_server;
    }
    for (size_t n : s) {
        EXPECT_LE(n, to_client);
        full_s += n == to_client;
    }
    EXPECT_LE(3000u / to_server, full_c);
    EXPECT_LE(3000u / to_client, full_s);
    if (tls13) {
        // The encrypted handshake flights were cut to fit too: more full records than the
        // data alone needs (the certificates alone are several hundred bytes).
        EXPECT_LT(3000u / to_server + 3, full_c);
        EXPECT_LT(3000u / to_client + 3, full_s);
    }
    if (tls13) { // both send a KeyUpdate
        ASSERT_EQ(0, tls_engine_key_update(p.client, 1));
    }
    Send(p.client, p.server, "after", &from_client);
    Send(p.server, p.client, "after", &from_server);
}

// tls_config_set_max_send_fragment and the peer's limit: the smaller wins, for the room
// tls_engine_write_buf offers and for the records sent.
TEST_P(Rsl, MaxSendFragmentAndPeerLimitTheSmallerWins) {
    for (size_t frag : {100, 256, 1000}) {
        Configs c;
        Make(&c);
        ASSERT_EQ(0, tls_config_set_record_size_limit(c.server, 256));
        ASSERT_EQ(0, tls_config_set_max_send_fragment(c.client, frag));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << Errors(p);
        size_t want = frag < 256 ? frag : 256, room = 0;
        ASSERT_NE(nullptr, tls_engine_write_buf(p.client, &room));
        EXPECT_EQ(want, room) << frag;
        std::vector<Record> wire;
        Send(p.client, p.server, std::string(1000, 'm'), &wire);
        ASSERT_EQ((1000 + want - 1) / want, wire.size()) << frag;
        EXPECT_EQ(5 + want + Overhead(), wire[0].bytes.size()) << frag;
    }
}

// ---- what is refused --------------------------------------------------------------------

// RFC 8449 §4: a protected record over the limit we advertised and the peer acknowledged is
// record_overflow, both roles. The peer here "forgets" our limit after the handshake. A
// client offering both versions advertised n + 1, which TLS 1.2 counts as is.
TEST_P(Rsl, OversizeRecordIsRecordOverflow) {
    for (bool client_refuses : {false, true}) {
        Configs c;
        Make(&c);
        ASSERT_EQ(0, tls_config_set_record_size_limit(client_refuses ? c.client : c.server, 256));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << Errors(p);
        tls_engine *sender = client_refuses ? p.server : p.client;
        tls_engine *receiver = client_refuses ? p.client : p.server;
        sender->wd.size_limit = 0;
        size_t ok = Accepted(256, client_refuses);
        std::vector<Record> wire;
        Send(sender, receiver, std::string(ok, 'k'), &wire);
        ASSERT_EQ(1u, wire.size());
        ASSERT_EQ(0, tls_engine_error_code(receiver)) << tls_engine_error(receiver);
        ASSERT_TRUE(WriteAll(sender, std::string(ok + 1, 'o')));
        Feed(receiver, Drain(sender));
        EXPECT_EQ("", ReadAll(receiver));
        size_t len = ok + 1 + Overhead(), limit = tls13 ? 257 : ok;
        std::string want = std::string("record: protected TLS 1.") + (tls13 ? "3" : "2") +
                           " record of length " + std::to_string(len) + " carries " +
                           std::to_string(len - (tls13 ? 16 : 24)) +
                           " bytes of plaintext, over our record_size_limit of " +
                           std::to_string(limit) + " (RFC 8449 §4)";
        EXPECT_TRUE(FailedWith(receiver, TLS_ALERT_RECORD_OVERFLOW, TLS_ERRCAT_PROTOCOL, want))
            << client_refuses;
        EXPECT_EQ(want, tls_engine_error(receiver));
        Feed(sender, Drain(receiver));
        EXPECT_TRUE(FailedWith(sender, TLS_ALERT_RECORD_OVERFLOW, TLS_ERRCAT_PEER_ALERT));
    }
}

// RFC 8449 §4: a client MAY refuse a server's value above the protocol's maximum; tlsio
// does. Under 64 the codec refuses it. Both are illegal_parameter.
TEST_P(Rsl, ClientRefusesServerValueAboveTheMaximumOrUnder64) {
    const char *msg = tls13 ? "EncryptedExtensions" : "ServerHello";
    uint16_t above = tls13 ? 0x4002 : 0x4001;
    std::string above_why = std::string(msg) + ".record_size_limit: " + std::to_string(above) +
                            " is above the TLS 1." + (tls13 ? "3" : "2") + " maximum of " +
                            std::to_string(above - 1) + " (RFC 8449 §4)";
    struct {
        uint16_t value;
        std::string why;
    } cases[] = {{above, above_why}, {63, "record_size_limit: value 63 not allowed"}};
    for (auto &c : cases) {
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        tlsio_testing_set_tamper(p.server, SetAnsweredLimit, &c.value);
        p.Handshake();
        EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL, c.why))
            << c.value;
        if (c.value == above) {
            EXPECT_EQ(above_why, tls_engine_error(p.client));
        }
        EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PEER_ALERT));
    }
}

// The protocol's maximum itself is fine (a tlsio server answers it by default); so is 64.
TEST_P(Rsl, ClientTakesServerValuesUpToTheMaximum) {
    for (uint16_t value : {uint16_t(tls13 ? 0x4001 : 0x4000), uint16_t(64)}) {
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        tlsio_testing_set_tamper(p.server, SetAnsweredLimit, &value);
        p.Handshake(); // fails later: the server's transcript holds the original value
        EXPECT_EQ(value, p.client->wd.size_limit) << tls_engine_error(p.client);
    }
}

// An answer to an offer we did not make is unsupported_extension (RFC 8446 §4.2, RFC 5246
// §7.4.1.4). A tlsio client always offers; the test makes this one forget it did.
TEST_P(Rsl, ClientRefusesAnAnswerItDidNotAskFor) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.client->hs->rsl_ours = 0;
    p.Handshake();
    std::string why = std::string(tls13 ? "EncryptedExtensions" : "ServerHello") +
                      ": record_size_limit extension was not requested";
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNSUPPORTED_EXTENSION, TLS_ERRCAT_PROTOCOL, why));
    EXPECT_EQ(why, tls_engine_error(p.client));
}

} // namespace
