// TLS 1.2 engine failures and refusals: downgrade protection (RFC 8446 §4.1.3), the
// extended master secret (RFC 7627), renegotiation (RFC 5746), what the ClientHello may
// offer (versions, suites, fallback), the order of the handshake (ServerKeyExchange, CCS,
// Finished), signatures, certificates and record protection. Each test asserts the failing
// side's alert code, error category and sentence and, where the alert reaches the peer, the
// peer's TLS_ERRCAT_PEER_ALERT.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "engine.h"
#include "engine_testing.h"
#include "enginepair.h"
#include "hswalk.h"
#include "hs_dispatch.h"
#include "msgs.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

constexpr uint16_t kExtSupportedGroups12 = 10, kExtEcPointFormats = 11, kExtEms = 23,
                   kExtSupportedVersions = 43, kExtRenegotiationInfo = 0xff01,
                   kExtSignatureAlgorithms = 13;

const Bytes kSentinel12 = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x01};

// The last 8 bytes of a ServerHello message's random.
Bytes RandomTail(const Bytes &server_hello_msg) {
    if (server_hello_msg.size() < 4 + 2 + 32) return {};
    return Bytes(server_hello_msg.begin() + 4 + 2 + 24, server_hello_msg.begin() + 4 + 2 + 32);
}

// A ClientHello's cipher_suites, rewritten in place (Hello::prefix holds them).
void SetSuites(Hello *ch, const Bytes &suites) {
    Bytes &p = ch->prefix;
    size_t at = 2 + 32 + 1 + p[2 + 32];
    size_t old = (size_t)p[at] << 8 | p[at + 1];
    Bytes repl = {(uint8_t)(suites.size() >> 8), (uint8_t)suites.size()};
    repl.insert(repl.end(), suites.begin(), suites.end());
    p.erase(p.begin() + at, p.begin() + at + 2 + old);
    p.insert(p.begin() + at, repl.begin(), repl.end());
}

Bytes SuitesOf(const Hello &ch) {
    const Bytes &p = ch.prefix;
    size_t at = 2 + 32 + 1 + p[2 + 32];
    size_t n = (size_t)p[at] << 8 | p[at + 1];
    return Bytes(p.begin() + at + 2, p.begin() + at + 2 + n);
}

// Writes the TLS 1.2 downgrade sentinel into every ServerHello an engine sends (after its
// own transcript took the original).
void WriteSentinel(void *, uint8_t *msg, size_t len) {
    if (msg[0] == TLSIO_HS_SERVER_HELLO && len >= 4 + 2 + 32)
        memcpy(msg + 4 + 2 + 24, kSentinel12.data(), 8);
}

// The ClientHello message a new client engine over c sends.
Bytes FirstClientHello(tls_config *c) {
    tls_engine *e = tls_engine_new_client(c, "example.com");
    std::vector<Record> recs = SplitRecords(Drain(e));
    tls_engine_free(e);
    if (recs.size() != 1) return {};
    return Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end());
}

class Neg12 : public EngineFixture {
  public:
    Cert rsa_leaf = pki.MakeLeaf(root, {.dns = {"example.com"}, .key = KeyType::kRsa2048});
    static void Only12(tls_config *c) {
        ASSERT_EQ(0, tls_config_set_versions(c, TLS_VERSION_1_2, TLS_VERSION_1_2));
    }
    // A pair over configs trusting `trusted` and serving `server_leaf`; the server 1.2-only.
    EnginePair *Pair12(const Cert &trusted, const Cert &server_leaf, const char *host) {
        Configs *c = new Configs;
        owned.emplace_back(c);
        MakeConfigs(c, trusted, server_leaf);
        Only12(c->server);
        EnginePair *p = new EnginePair(c->client, c->server, host, pki.now());
        pairs.emplace_back(p);
        return p;
    }
    std::vector<std::unique_ptr<Configs>> owned;
    std::vector<std::unique_ptr<EnginePair>> pairs;
};

// Runs a 1.2 handshake step by step: returns the records of the server's first flight
// (ServerHello..ServerHelloDone) fed to the client, the client's second flight and the
// server's last one, so tests can edit one of them.
struct Flights {
    std::vector<Record> client2, server2;
};
void RunUntilClientSecondFlight(EnginePair *p, Flights *f) {
    Feed(p->server, Drain(p->client));
    Feed(p->client, Drain(p->server));
    f->client2 = SplitRecords(Drain(p->client));
}

// ---- version negotiation and downgrade protection (RFC 8446 §4.1.3) ----------------------

TEST_F(Neg12, DowngradeSentinelRefusedByTls13CapableClient) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    tlsio_testing_set_tamper(p->server, WriteSentinel, nullptr);
    p->Handshake();
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "ServerHello.random: downgrade sentinel"));
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PEER_ALERT,
                           "illegal_parameter"));
}

TEST_F(Neg12, Tls13ServerSetsSentinelAndTls12OnlyClientAcceptsIt) {
    Only12(cfg.client);
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p.client));
    ASSERT_EQ(1, obs.Count(TLSIO_HS_SERVER_HELLO));
    EXPECT_EQ(kSentinel12, RandomTail(obs.sent[0]));
}

TEST_F(Neg12, Tls12OnlyServerSetsNoSentinel) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    HsObserver obs;
    obs.Attach(p->server);
    p->Handshake();
    ASSERT_TRUE(p->Connected()) << tls_engine_error(p->client);
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p->client));
    ASSERT_EQ(1, obs.Count(TLSIO_HS_SERVER_HELLO));
    Bytes tail = RandomTail(obs.sent[0]);
    EXPECT_NE(Bytes(kSentinel12.begin(), kSentinel12.begin() + 7),
              Bytes(tail.begin(), tail.begin() + 7));
}

TEST_F(Neg12, DefaultPeersNegotiateTls13) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    EXPECT_EQ(TLS_VERSION_1_3, tls_engine_version(p.client));
    EXPECT_EQ(TLS_VERSION_1_3, tls_engine_version(p.server));
}

// A client configured with TLS 1.2 suites only does not list TLS 1.3 in supported_versions
// (it could not use it), so a TLS 1.3 server's sentinel is no reason to refuse.
TEST_F(Neg12, ClientWithOnlyTls12SuitesOffersOnlyTls12) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver sobs;
    sobs.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p.client));
    Hello ch;
    ASSERT_TRUE(ch.Parse(FirstClientHello(cfg.client)));
    ASSERT_NE(nullptr, ch.Find(kExtSupportedVersions));
    EXPECT_EQ(Hex("02 0303"), *ch.Find(kExtSupportedVersions));
    EXPECT_EQ(kSentinel12, RandomTail(sobs.sent[0]));
}

// ---- ClientHellos the server refuses -----------------------------------------------------

class Server12 : public Neg12, public HelloExchange {
  public:
    // The client offers TLS 1.2 only; the server is as configured (default: 1.2 and 1.3).
    void SetUp() override {
        Neg12::SetUp();
        Only12(cfg.client);
    }
    void Start() {
        Begin(NewEngine(false), NewEngine(true));
    }
    // Frees both engines now (a test that starts over calls it; ~HelloExchange frees the rest).
    void TearDown() override {
        tls_engine_free(client);
        tls_engine_free(server);
        client = server = nullptr;
    }
    void ExpectRefused(int code, const char *phrase) {
        Send();
        EXPECT_TRUE(FailedWith(server, code, TLS_ERRCAT_PROTOCOL, phrase));
        EXPECT_TRUE(FailedWith(client, code, TLS_ERRCAT_PEER_ALERT, tls_error_code_name(code)));
    }
};

TEST_F(Server12, ClientHelloOffersTls12AsSent) {
    Start();
    EXPECT_EQ(Hex("02 0303"), *ch.Find(kExtSupportedVersions));
    ASSERT_NE(nullptr, ch.Find(kExtEms));
    EXPECT_EQ(Bytes{}, *ch.Find(kExtEms));
    EXPECT_EQ(Hex("00"), *ch.Find(kExtRenegotiationInfo));
    EXPECT_EQ(Hex("01 00"), *ch.Find(kExtEcPointFormats));
    Send();
    EXPECT_FALSE(tls_engine_status(server) & TLS_ST_FAILED) << tls_engine_error(server);
}

TEST_F(Server12, NoExtendedMasterSecret) {
    Start();
    ch.Remove(kExtEms);
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE, "ClientHello: no extended_master_secret");
}

TEST_F(Server12, CbcOnlySuites) {
    Start();
    SetSuites(&ch, Hex("c013 002f"));
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE, "no TLS 1.2 ECDHE+AEAD suite in common");
}

TEST_F(Server12, RsaKeyExchangeOnly) {
    Start();
    SetSuites(&ch, Hex("009c"));
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE, "no TLS 1.2 ECDHE+AEAD suite in common");
}

TEST_F(Server12, CbcOnlyWhileAlsoOfferingTls13) {
    // Without a TLS 1.3 suite in common the server falls to TLS 1.2 and finds nothing there.
    Start();
    *ch.Find(kExtSupportedVersions) = Hex("04 0304 0303");
    SetSuites(&ch, Hex("c02f c013"));
    ch.prefix[0] = 0x03, ch.prefix[1] = 0x03;
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE, "no TLS 1.2 ECDHE+AEAD suite in common");
}

struct OldVersion {
    uint16_t version;
    const char *name;
};

TEST_F(Server12, OldVersionsAreRefused) {
    for (OldVersion v : {OldVersion{0x0300, "SSLv3"}, OldVersion{0x0301, "TLSv1.0"},
                         OldVersion{0x0302, "TLSv1.1"}}) {
        SCOPED_TRACE(v.name);
        TearDown();
        client = server = nullptr;
        Start();
        ch.Remove(kExtSupportedVersions);
        ch.prefix[0] = (uint8_t)(v.version >> 8);
        ch.prefix[1] = (uint8_t)v.version;
        Feed(server, PlainRecord(22, ch.Encode(), v.version));
        Feed(client, Drain(server));
        EXPECT_TRUE(FailedWith(server, TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PROTOCOL,
                               std::string("no version in common (the client offers ") + v.name));
        EXPECT_TRUE(FailedWith(client, TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PEER_ALERT,
                               "protocol_version"));
    }
}

TEST_F(Server12, SupportedVersionsListingOnlyTls11) {
    Start();
    *ch.Find(kExtSupportedVersions) = Hex("02 0302");
    ExpectRefused(TLS_ALERT_PROTOCOL_VERSION, "no version in common");
}

TEST_F(Server12, Tls13OnlyServerRefusesTls12Client) {
    ASSERT_EQ(0, tls_config_set_versions(cfg.server, TLS_VERSION_1_3, TLS_VERSION_1_3));
    Start();
    ExpectRefused(TLS_ALERT_PROTOCOL_VERSION, "this server accepts TLS 1.3 only");
}

TEST_F(Server12, FallbackScsvToTls13CapableServer) {
    Start();
    Bytes s = SuitesOf(ch);
    s.push_back(0x56);
    s.push_back(0x00);
    SetSuites(&ch, s);
    ExpectRefused(TLS_ALERT_INAPPROPRIATE_FALLBACK, "TLS_FALLBACK_SCSV");
}

TEST_F(Server12, FallbackScsvToTls12OnlyServerIsFine) {
    // RFC 7507 §3: only a server supporting a higher version refuses the fallback.
    Only12(cfg.server);
    Start();
    Bytes s = SuitesOf(ch);
    s.push_back(0x56);
    s.push_back(0x00);
    SetSuites(&ch, s);
    Feed(server, PlainRecord(22, ch.Encode()));
    EXPECT_FALSE(tls_engine_status(server) & TLS_ST_FAILED) << tls_engine_error(server);
    std::vector<Record> recs = SplitRecords(Drain(server));
    ASSERT_FALSE(recs.empty());
    EXPECT_EQ(TLSIO_HS_SERVER_HELLO, recs[0].bytes[5]);
}

TEST_F(Server12, RenegotiationInfoNotEmpty) {
    Start();
    *ch.Find(kExtRenegotiationInfo) = Hex("0c 000102030405060708090a0b");
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE,
                  "ClientHello.renegotiation_info: not empty on an initial handshake");
}

TEST_F(Server12, EcPointFormatsWithoutUncompressed) {
    Start();
    *ch.Find(kExtEcPointFormats) = Hex("01 01");
    ExpectRefused(TLS_ALERT_ILLEGAL_PARAMETER,
                  "ClientHello.ec_point_formats: uncompressed is not listed");
}

// RFC 8422 §5.1: a client offering ECDHE suites lists its curves; without the list no group
// is guessed (all our TLS 1.2 suites are ECDHE).
TEST_F(Server12, NoSupportedGroupsIsRefused) {
    Start();
    ch.Remove(kExtSupportedGroups12);
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE, "ClientHello: no supported_groups");
}

// RFC 8422 §5.1: a TLS 1.2 client's supported_groups also names the curves it takes ECDSA
// certificates on; a P-256 certificate cannot answer a client that lists x25519 only.
TEST_F(Server12, EcdsaCertificateCurveNotInSupportedGroups) {
    ASSERT_EQ(0, tls_config_set_groups(cfg.client, "x25519"));
    Start();
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE, "supported_groups (ECDSA curves) can serve");
}

TEST_F(Neg12, EcdsaCertificateCurveListedBesidesTheKeyExchangeGroup) {
    Configs c;
    MakeConfigs(&c, root, leaf);
    Only12(c.server);
    ASSERT_EQ(0, tls_config_set_groups(c.client, "x25519,secp256r1"));
    ASSERT_EQ(0, tls_config_set_groups(c.server, "x25519"));
    EnginePair q(c.client, c.server, "example.com", pki.now());
    q.Handshake();
    ASSERT_TRUE(q.Connected()) << tls_engine_error(q.server);
    EXPECT_EQ(0x001d, tls_engine_group(q.client));
}

TEST_F(Neg12, Ed25519CertificateIsNotBoundToSupportedGroups) {
    Cert ed = pki.MakeLeaf(root, {.dns = {"example.com"}, .key = KeyType::kEd25519});
    Configs c;
    MakeConfigs(&c, root, ed);
    Only12(c.server);
    ASSERT_EQ(0, tls_config_set_groups(c.client, "x25519"));
    EnginePair q(c.client, c.server, "example.com", pki.now());
    q.Handshake();
    ASSERT_TRUE(q.Connected()) << tls_engine_error(q.server);
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(q.client));
}

TEST_F(Server12, NoSignatureAlgorithms) {
    Start();
    ch.Remove(kExtSignatureAlgorithms);
    ExpectRefused(TLS_ALERT_HANDSHAKE_FAILURE, "no signature_algorithms");
}

TEST_F(Server12, CompressionWithoutNull) {
    Start();
    ASSERT_EQ(Hex("01 00"), Bytes(ch.prefix.end() - 2, ch.prefix.end()));
    ch.prefix.back() = 1; // DEFLATE only
    ExpectRefused(TLS_ALERT_ILLEGAL_PARAMETER, "compression_methods: null is not listed");
}

// ---- crafted server messages, client side ------------------------------------------------

class Client12 : public Neg12 {
  public:
    tls_engine *client = nullptr;
    uint8_t random[32];
    void SetUp() override {
        Neg12::SetUp();
        memset(random, 0x5a, sizeof(random));
    }
    void TearDown() override {
        tls_engine_free(client);
    }
    void Start(tls_config *c = nullptr) {
        client = tls_engine_new_client(c ? c : cfg.client, "example.com");
        tls_engine_set_time(client, pki.now());
        ASSERT_EQ(1u, SplitRecords(Drain(client)).size());
    }
    // A TLS 1.2 ServerHello as tlsio's server would send it; edit adjusts it first.
    Bytes ServerHello12(const std::function<void(tlsio_server_hello *)> &edit = nullptr,
                        uint16_t suite = 0xc02b) {
        static const uint8_t uncompressed[] = {0};
        tlsio_server_hello sh;
        memset(&sh, 0, sizeof(sh));
        sh.legacy_version = TLS_VERSION_1_2;
        CBS_init(&sh.random, random, 32);
        CBS_init(&sh.legacy_session_id_echo, nullptr, 0);
        sh.cipher_suite = suite;
        tlsio_exts *x = &sh.extensions;
        tlsio_err err;
        tlsio_err_clear(&err);
        CBS_init(&x->renegotiation_info, nullptr, 0);
        EXPECT_EQ(0, tlsio_exts_push(x, TLSIO_EXT_RENEGOTIATION_INFO, &err));
        EXPECT_EQ(0, tlsio_exts_push(x, TLSIO_EXT_EXTENDED_MASTER_SECRET, &err));
        CBS_init(&x->ec_point_formats, uncompressed, 1);
        EXPECT_EQ(0, tlsio_exts_push(x, TLSIO_EXT_EC_POINT_FORMATS, &err));
        if (edit) edit(&sh);
        return EncodeHs(TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &sh);
    }
    // A TLS 1.2 Certificate message carrying c's chain.
    static Bytes Certificate12(const Cert &c) {
        Bytes list;
        for (const Bytes &der : c.chain_der()) {
            list.push_back((uint8_t)(der.size() >> 16));
            list.push_back((uint8_t)(der.size() >> 8));
            list.push_back((uint8_t)der.size());
            list.insert(list.end(), der.begin(), der.end());
        }
        return HsMsg(TLSIO_HS_CERTIFICATE,
                     Prefixed({(uint8_t)(list.size() >> 16), (uint8_t)(list.size() >> 8),
                               (uint8_t)list.size()},
                              list));
    }
    void ExpectRefused(const Bytes &msgs, int code, int category, const char *phrase) {
        Feed(client, PlainRecord(22, msgs));
        EXPECT_TRUE(FailedWith(client, code, category, phrase));
        EXPECT_TRUE(IsPlainAlert(Drain(client), (uint8_t)code));
    }
};

Bytes Cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes &b : parts)
        out.insert(out.end(), b.begin(), b.end());
    return out;
}

TEST_F(Client12, ValidServerHelloAndCertificateAreTaken) {
    Start();
    Feed(client, PlainRecord(22, Cat({ServerHello12(), Certificate12(leaf)})));
    EXPECT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(client));
}

// RFC 5246 §7.4.1.4 forbids only server extensions the client did not send; we always send
// supported_groups, so a server that echoes its own list is answered by ignoring it.
TEST_F(Client12, SupportedGroupsInServerHelloIsIgnored) {
    Start();
    static const uint8_t groups[] = {0x00, 0x17, 0x00, 0x1d};
    Bytes sh = ServerHello12([](tlsio_server_hello *m) {
        tlsio_err err;
        tlsio_err_clear(&err);
        CBS_init(&m->extensions.supported_groups, groups, sizeof(groups));
        EXPECT_EQ(0, tlsio_exts_push(&m->extensions, TLSIO_EXT_SUPPORTED_GROUPS, &err));
    });
    Feed(client, PlainRecord(22, Cat({sh, Certificate12(leaf)})));
    EXPECT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(client));
}

// RFC 8422 §5.1, §5.3: the server's ECDSA key must be on a curve the client's supported_groups
// offered; a P-256 certificate cannot answer a client that lists secp384r1 only.
TEST_F(Client12, EcdsaCertificateOnACurveNotOffered) {
    ASSERT_EQ(0, tls_config_set_groups(cfg.client, "secp384r1"));
    Start();
    ExpectRefused(Cat({ServerHello12(), Certificate12(leaf)}), TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                  TLS_ERRCAT_CERTIFICATE,
                  "server Certificate: ECDSA key on secp256r1, which our supported_groups did "
                  "not offer");
}

// RFC 5246 §7.4.1.3: the server picks from our compression_methods, which list null only.
TEST_F(Client12, CompressionMethodNotOffered) {
    Start();
    ExpectRefused(ServerHello12([](tlsio_server_hello *m) { m->legacy_compression_method = 1; }),
                  TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                  "ServerHello.compression_method: 1 was not offered (only null)");
}

// RFC 5246 §7.4.1.4 / RFC 6066 §3: a client connecting to an IP literal sends no server_name,
// so a server_name acknowledgement answers nothing: unsupported_extension.
TEST_F(Client12, UnsolicitedServerNameAck) {
    client = tls_engine_new_client(cfg.client, "192.0.2.1");
    ASSERT_NE(nullptr, client);
    tls_engine_set_time(client, pki.now());
    ASSERT_EQ(1u, SplitRecords(Drain(client)).size());
    ExpectRefused(ServerHello12([](tlsio_server_hello *m) {
                      tlsio_err err;
                      tlsio_err_clear(&err);
                      EXPECT_EQ(0, tlsio_exts_push(&m->extensions, TLSIO_EXT_SERVER_NAME, &err));
                  }),
                  TLS_ALERT_UNSUPPORTED_EXTENSION, TLS_ERRCAT_PROTOCOL,
                  "ServerHello: server_name extension was not requested");
}

TEST_F(Client12, SentinelInScriptedServerHello) {
    Start();
    memcpy(random + 24, kSentinel12.data(), 8);
    ExpectRefused(ServerHello12(), TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                  "downgrade sentinel from a TLS 1.3 server negotiating TLS 1.2");
}

TEST_F(Client12, Tls11SentinelInScriptedServerHello) {
    Start();
    memcpy(random + 24, "DOWNGRD\x00", 8);
    ExpectRefused(ServerHello12(), TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                  "downgrade sentinel");
}

TEST_F(Client12, NoExtendedMasterSecret) {
    Start();
    ExpectRefused(ServerHello12([](tlsio_server_hello *m) {
                      RemoveExt(&m->extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET);
                  }),
                  TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                  "the server does not support extended_master_secret");
}

TEST_F(Client12, RenegotiationInfoNotEmpty) {
    Start();
    static const uint8_t junk[] = {0xaa, 0xbb};
    ExpectRefused(ServerHello12([](tlsio_server_hello *m) {
                      CBS_init(&m->extensions.renegotiation_info, junk, sizeof(junk));
                  }),
                  TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                  "ServerHello.renegotiation_info: not empty on an initial handshake");
}

TEST_F(Client12, EcPointFormatsWithoutUncompressed) {
    Start();
    static const uint8_t compressed[] = {1, 2};
    ExpectRefused(ServerHello12([](tlsio_server_hello *m) {
                      CBS_init(&m->extensions.ec_point_formats, compressed, sizeof(compressed));
                  }),
                  TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                  "ServerHello.ec_point_formats: uncompressed is not listed");
}

TEST_F(Client12, SuiteNotOffered) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, "TLS_AES_128_GCM_SHA256:"
                                                    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
    Start();
    ExpectRefused(ServerHello12(nullptr, 0xc02c), TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                  "ServerHello.cipher_suite: 0xc02c was not offered for TLS 1.2");
}

TEST_F(Client12, CbcSuiteChosen) {
    Start();
    ExpectRefused(ServerHello12(nullptr, 0xc013), TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                  "0xc013 was not offered for TLS 1.2");
}

TEST_F(Client12, Tls13OnlyClientRefusesTls12ServerHello) {
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_3, TLS_VERSION_1_3));
    Start();
    ExpectRefused(ServerHello12(), TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PROTOCOL,
                  "this client accepts TLS 1.3 only");
}

TEST_F(Client12, Tls11ServerHello) {
    Start();
    ExpectRefused(ServerHello12([](tlsio_server_hello *m) { m->legacy_version = 0x0302; }),
                  TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PROTOCOL,
                  "the server chose TLSv1.1; this client accepts TLS 1.2 and 1.3");
}

TEST_F(Client12, Tls12ServerHelloAfterHelloRetryRequest) {
    Start();
    // The HelloRetryRequest needs our session id: take it from a fresh look at the hello.
    tls_engine_free(client);
    client = tls_engine_new_client(cfg.client, "example.com");
    tls_engine_set_time(client, pki.now());
    std::vector<Record> recs = SplitRecords(Drain(client));
    ASSERT_EQ(1u, recs.size());
    Bytes sid = SessionIdOf(Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end()));
    tlsio_server_hello hrr;
    memset(&hrr, 0, sizeof(hrr));
    hrr.legacy_version = TLS_VERSION_1_2;
    CBS_init(&hrr.random, tlsio_hrr_random, 32);
    CBS_init(&hrr.legacy_session_id_echo, sid.data(), sid.size());
    hrr.cipher_suite = 0x1301;
    tlsio_err err;
    tlsio_err_clear(&err);
    hrr.extensions.selected_version = TLS_VERSION_1_3;
    ASSERT_EQ(0, tlsio_exts_push(&hrr.extensions, TLSIO_EXT_SUPPORTED_VERSIONS, &err));
    hrr.extensions.key_share_selected_group = 0x0017;
    ASSERT_EQ(0, tlsio_exts_push(&hrr.extensions, TLSIO_EXT_KEY_SHARE, &err));
    Feed(client, PlainRecord(22, EncodeHs(TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &hrr)));
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    ASSERT_EQ(2u, SplitRecords(Drain(client)).size()); // CCS + second ClientHello
    ExpectRefused(ServerHello12(), TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                  "ServerHello: TLS 1.2 after a HelloRetryRequest");
}

TEST_F(Client12, SkippedServerKeyExchange) {
    Start();
    ExpectRefused(
        Cat({ServerHello12(), Certificate12(leaf), HsMsg(TLSIO_HS_SERVER_HELLO_DONE, {})}),
        TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
        "TLS 1.2 client: unexpected ServerHelloDone in state WAIT_SERVER_KEY_EXCHANGE");
}

TEST_F(Client12, SkippedCertificate) {
    Start();
    ExpectRefused(Cat({ServerHello12(), HsMsg(TLSIO_HS_SERVER_HELLO_DONE, {})}),
                  TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                  "unexpected ServerHelloDone in state WAIT_CERTIFICATE");
}

TEST_F(Client12, EarlyChangeCipherSpec) {
    Start();
    Feed(client, Cat({PlainRecord(22, ServerHello12()), PlainRecord(20, {1})}));
    EXPECT_TRUE(
        FailedWith(client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                   "TLS 1.2 client: unexpected ChangeCipherSpec in state WAIT_CERTIFICATE"));
    EXPECT_TRUE(IsPlainAlert(Drain(client), TLS_ALERT_UNEXPECTED_MESSAGE));
}

TEST_F(Client12, RsaSuiteWithEcdsaCertificate) {
    Start();
    ExpectRefused(Cat({ServerHello12(nullptr, 0xc02f), Certificate12(leaf)}),
                  TLS_ALERT_UNSUPPORTED_CERTIFICATE, TLS_ERRCAT_CERTIFICATE,
                  "server Certificate: key type ECDSA P-256 cannot serve "
                  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
}

TEST_F(Client12, EcdsaSuiteWithRsaCertificate) {
    Start();
    ExpectRefused(Cat({ServerHello12(nullptr, 0xc02b), Certificate12(rsa_leaf)}),
                  TLS_ALERT_UNSUPPORTED_CERTIFICATE, TLS_ERRCAT_CERTIFICATE,
                  "key type RSA cannot serve TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
}

TEST_F(Client12, EmptyCertificate) {
    Start();
    ExpectRefused(Cat({ServerHello12(), HsMsg(TLSIO_HS_CERTIFICATE, {0, 0, 0})}),
                  TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL, "server Certificate: empty list");
}

// ---- ServerKeyExchange, altered by the tamper hook after the server hashed it --------------

struct SkeCase {
    size_t offset;
    bool from_end;
    int code;
    const char *phrase;
};

void TamperSke(Neg12 *t, const Cert &server_leaf, const SkeCase &c) {
    EnginePair *p = t->Pair12(t->root, server_leaf, "example.com");
    HsObserver obs;
    obs.flip_type = TLSIO_HS_SERVER_KEY_EXCHANGE;
    obs.flip_offset = c.offset;
    obs.from_end = c.from_end;
    obs.Attach(p->server);
    p->Handshake();
    EXPECT_EQ(1, obs.seen_flip_type);
    EXPECT_TRUE(FailedWith(p->client, c.code, TLS_ERRCAT_PROTOCOL, c.phrase));
    EXPECT_TRUE(FailedWith(p->server, c.code, TLS_ERRCAT_PEER_ALERT, tls_error_code_name(c.code)));
}

TEST_F(Neg12, BadServerKeyExchangeSignatureEcdsa) {
    TamperSke(this, leaf,
              {0, true, TLS_ALERT_DECRYPT_ERROR,
               "ServerKeyExchange: signature does not verify with ecdsa_secp256r1_sha256"});
}

TEST_F(Neg12, BadServerKeyExchangeSignatureRsaPss) {
    TamperSke(this, rsa_leaf,
              {0, true, TLS_ALERT_DECRYPT_ERROR,
               "ServerKeyExchange: signature does not verify with rsa_pss_rsae"});
}

TEST_F(Neg12, ServerKeyExchangePointAlteredBreaksSignature) {
    // The point is signed: one flipped bit in it (offset 4 + 10) fails the signature.
    TamperSke(this, leaf,
              {14, false, TLS_ALERT_DECRYPT_ERROR, "ServerKeyExchange: signature does not verify"});
}

TEST_F(Neg12, ServerKeyExchangeGroupNotOffered) {
    // Body: curve_type(1) named_curve(2): x25519 0x001d becomes 0x001c.
    TamperSke(this, leaf,
              {2, false, TLS_ALERT_ILLEGAL_PARAMETER,
               "ServerKeyExchange.named_curve: 0x001c was not offered"});
}

TEST_F(Neg12, ServerKeyExchangeSchemeNotOffered) {
    // After curve_type, named_curve and the 32-byte x25519 point with its length byte:
    // the scheme 0x0403 becomes 0x0402.
    TamperSke(this, leaf,
              {1 + 2 + 1 + 32 + 1, false, TLS_ALERT_ILLEGAL_PARAMETER,
               "ServerKeyExchange.algorithm: 0x0402 was not offered"});
}

// ---- certificates in TLS 1.2 -------------------------------------------------------------

TEST_F(Neg12, WrongHostname) {
    EnginePair *p = Pair12(root, leaf, "other.example");
    p->Handshake();
    Pump(p->client, p->server); // the client's alert
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_BAD_CERTIFICATE, TLS_ERRCAT_CERTIFICATE,
                           "does not match host 'other.example'"));
    EXPECT_TRUE(
        FailedWith(p->server, TLS_ALERT_BAD_CERTIFICATE, TLS_ERRCAT_PEER_ALERT, "bad_certificate"));
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p->client));
}

TEST_F(Neg12, UnknownCa) {
    Cert other = pki.MakeCa("Other Root");
    EnginePair *p = Pair12(other, leaf, "example.com");
    p->Handshake();
    Pump(p->client, p->server); // the client's alert
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_CERTIFICATE,
                           "does not lead to a trusted root"));
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_PEER_ALERT, "unknown_ca"));
}

// ---- Finished and ChangeCipherSpec order ---------------------------------------------------

TEST_F(Neg12, TamperedServerFinished) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    HsObserver obs;
    obs.flip_type = TLSIO_HS_FINISHED;
    obs.Attach(p->server);
    p->Handshake();
    EXPECT_EQ(1, obs.seen_flip_type);
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_DECRYPT_ERROR, TLS_ERRCAT_PROTOCOL,
                           "server Finished: verify_data does not match the handshake"));
    EXPECT_TRUE(
        FailedWith(p->server, TLS_ALERT_DECRYPT_ERROR, TLS_ERRCAT_PEER_ALERT, "decrypt_error"));
}

TEST_F(Neg12, TamperedClientFinished) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    HsObserver obs;
    obs.flip_type = TLSIO_HS_FINISHED;
    obs.from_end = true;
    obs.Attach(p->client);
    p->Handshake();
    EXPECT_EQ(1, obs.seen_flip_type);
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_DECRYPT_ERROR, TLS_ERRCAT_PROTOCOL,
                           "client Finished: verify_data does not match the handshake"));
    EXPECT_TRUE(
        FailedWith(p->client, TLS_ALERT_DECRYPT_ERROR, TLS_ERRCAT_PEER_ALERT, "decrypt_error"));
}

TEST_F(Neg12, ClientFlightShape) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    Flights f;
    RunUntilClientSecondFlight(p, &f);
    // ClientKeyExchange (plaintext), ChangeCipherSpec, Finished (protected).
    ASSERT_EQ(3u, f.client2.size());
    EXPECT_EQ(22, f.client2[0].type);
    EXPECT_EQ(TLSIO_HS_CLIENT_KEY_EXCHANGE, f.client2[0].bytes[5]);
    EXPECT_EQ(PlainRecord(20, {1}), f.client2[1].bytes);
    EXPECT_EQ(22, f.client2[2].type);
    Feed(p->server, Join(f.client2));
    // NewSessionTicket (RFC 5077 §3.3: the client asked, in plaintext), ChangeCipherSpec,
    // Finished (protected).
    std::vector<Record> s2 = SplitRecords(Drain(p->server));
    ASSERT_EQ(3u, s2.size());
    EXPECT_EQ(22, s2[0].type);
    EXPECT_EQ(TLSIO_HS_NEW_SESSION_TICKET, s2[0].bytes[5]);
    EXPECT_EQ(PlainRecord(20, {1}), s2[1].bytes);
    Feed(p->client, Join(s2));
    EXPECT_TRUE(p->Connected());
}

TEST_F(Neg12, ClientFinishedBeforeCcs) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    Flights f;
    RunUntilClientSecondFlight(p, &f);
    ASSERT_EQ(3u, f.client2.size());
    Feed(p->server,
         Cat({f.client2[0].bytes, PlainRecord(22, HsMsg(TLSIO_HS_FINISHED, Bytes(12, 0x33)))}));
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "TLS 1.2 server: unexpected Finished in state WAIT_CHANGE_CIPHER_SPEC"));
    Bytes alert = Drain(p->server);
    EXPECT_TRUE(IsPlainAlert(alert, TLS_ALERT_UNEXPECTED_MESSAGE));
    Feed(p->client, alert);
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT,
                           "unexpected_message"));
}

TEST_F(Neg12, ClientCcsBeforeClientKeyExchange) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    Flights f;
    RunUntilClientSecondFlight(p, &f);
    ASSERT_EQ(3u, f.client2.size());
    Feed(p->server, Join({f.client2[1], f.client2[0]}));
    EXPECT_TRUE(FailedWith(
        p->server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
        "TLS 1.2 server: unexpected ChangeCipherSpec in state WAIT_CLIENT_KEY_EXCHANGE"));
    Feed(p->client, Drain(p->server));
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT));
}

TEST_F(Neg12, ServerFinishedBeforeCcs) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    Flights f;
    RunUntilClientSecondFlight(p, &f);
    Feed(p->server, Join(f.client2));
    std::vector<Record> s2 = SplitRecords(Drain(p->server));
    ASSERT_EQ(3u, s2.size());
    // After the NewSessionTicket, instead of CCS + protected Finished, the client sees a
    // plaintext Finished.
    Feed(p->client, s2[0].bytes);
    Feed(p->client, PlainRecord(22, HsMsg(TLSIO_HS_FINISHED, Bytes(12, 0x44))));
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "TLS 1.2 client: unexpected Finished in state WAIT_CHANGE_CIPHER_SPEC"));
    // The client already writes under its new keys: the server reads the alert with them.
    Feed(p->server, Drain(p->client));
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT,
                           "unexpected_message"));
}

TEST_F(Neg12, PlaintextCcsAfterTheKeyChange) {
    // RFC 5246 §6.1: after ChangeCipherSpec every record is protected, a second (plaintext)
    // CCS included: it fails authentication.
    EnginePair *p = Pair12(root, leaf, "example.com");
    Flights f;
    RunUntilClientSecondFlight(p, &f);
    ASSERT_EQ(3u, f.client2.size());
    Feed(p->server, Join({f.client2[0], f.client2[1], f.client2[1]}));
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PROTOCOL,
                           "authentication failed"));
}

// ---- record protection ---------------------------------------------------------------------

TEST_F(Neg12, BitFlipInServerFinishedRecord) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    Flights f;
    RunUntilClientSecondFlight(p, &f);
    Feed(p->server, Join(f.client2));
    std::vector<Record> s2 = SplitRecords(Drain(p->server));
    ASSERT_EQ(3u, s2.size()); // NewSessionTicket, ChangeCipherSpec, Finished
    s2[2].bytes[s2[2].bytes.size() / 2] ^= 0x40;
    Feed(p->client, Join(s2));
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PROTOCOL,
                           "authentication failed"));
    Feed(p->server, Drain(p->client));
    EXPECT_TRUE(
        FailedWith(p->server, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PEER_ALERT, "bad_record_mac"));
}

TEST_F(Neg12, BitFlipInApplicationData) {
    for (const char *suite : {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                              "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}) {
        SCOPED_TRACE(suite);
        Configs c;
        MakeConfigs(&c, root, leaf);
        Only12(c.server);
        ASSERT_EQ(0, tls_config_set_ciphers(c.client, suite));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected());
        ASSERT_TRUE(WriteAll(p.client, "some application data"));
        std::vector<Record> recs = SplitRecords(Drain(p.client));
        ASSERT_EQ(1u, recs.size());
        EXPECT_EQ(23, recs[0].type);
        recs[0].bytes[recs[0].bytes.size() - 3] ^= 0x01;
        Feed(p.server, Join(recs));
        EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PROTOCOL,
                               "authentication failed"));
        EXPECT_EQ("", ReadAll(p.server));
        Feed(p.client, Drain(p.server));
        EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PEER_ALERT,
                               "bad_record_mac"));
    }
}

// ---- renegotiation (RFC 5746, RFC 5246 §7.4.1.1): refused with a warning, never started -----

// Data still flows both ways over a connected pair.
::testing::AssertionResult StillUsable(EnginePair *p) {
    if (!WriteAll(p->client, "ping") || !WriteAll(p->server, "pong"))
        return ::testing::AssertionFailure() << "cannot write";
    Pump(p->client, p->server);
    std::string a = ReadAll(p->server), b = ReadAll(p->client);
    if (a != "ping" || b != "pong")
        return ::testing::AssertionFailure() << "server read '" << a << "', client read '" << b
                                             << "'; client: " << tls_engine_error(p->client)
                                             << " server: " << tls_engine_error(p->server);
    return ::testing::AssertionSuccess();
}

TEST_F(Neg12, HelloRequestIsAnsweredWithNoRenegotiationWarning) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    p->Handshake();
    ASSERT_TRUE(p->Connected());
    // White box: the server asks for renegotiation (tlsio itself never does).
    tlsio_empty_msg none = {0};
    ASSERT_EQ(0, tlsio_send_hs_msg(p->server, TLSIO_HS_HELLO_REQUEST, &tlsio_codec_empty, &none));
    ASSERT_EQ(0, tlsio_flush_hs(p->server));
    Feed(p->client, Drain(p->server));
    EXPECT_FALSE(tls_engine_status(p->client) & TLS_ST_FAILED) << tls_engine_error(p->client);
    // The answer is one alert record (TLS 1.2 shows the real content type) and nothing else:
    // no ClientHello follows.
    std::vector<Record> ans = SplitRecords(Drain(p->client));
    ASSERT_EQ(1u, ans.size());
    EXPECT_EQ(21, ans[0].type);
    // The server takes it as the warning it is (a fatal alert would fail it).
    Feed(p->server, Join(ans));
    EXPECT_FALSE(tls_engine_status(p->server) & TLS_ST_FAILED) << tls_engine_error(p->server);
    EXPECT_TRUE(StillUsable(p));
}

TEST_F(Neg12, PostHandshakeClientHelloIsAnsweredWithNoRenegotiationWarning) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    p->Handshake();
    ASSERT_TRUE(p->Connected());
    Bytes ch = FirstClientHello(owned.back()->client);
    ASSERT_FALSE(ch.empty());
    // White box: the client sends a ClientHello again, under the connection's keys.
    ASSERT_EQ(0, tlsio_send_hs(p->client, ch.data(), ch.size()));
    ASSERT_EQ(0, tlsio_flush_hs(p->client));
    Feed(p->server, Drain(p->client));
    EXPECT_FALSE(tls_engine_status(p->server) & TLS_ST_FAILED) << tls_engine_error(p->server);
    std::vector<Record> ans = SplitRecords(Drain(p->server));
    ASSERT_EQ(1u, ans.size()); // the alert only: no ServerHello, no handshake starts
    EXPECT_EQ(21, ans[0].type);
    Feed(p->client, Join(ans));
    EXPECT_FALSE(tls_engine_status(p->client) & TLS_ST_FAILED) << tls_engine_error(p->client);
    EXPECT_TRUE(StillUsable(p));
    EXPECT_EQ(TLS_VERSION_1_2, tls_engine_version(p->server));
}

// White box: the server queues n HelloRequests in one flush (tlsio itself never sends any).
void QueueHelloRequests(tls_engine *server, int n) {
    tlsio_empty_msg none = {0};
    for (int i = 0; i < n; i++)
        ASSERT_EQ(0, tlsio_send_hs_msg(server, TLSIO_HS_HELLO_REQUEST, &tlsio_codec_empty, &none));
    ASSERT_EQ(0, tlsio_flush_hs(server));
}

// Issue 13: each HelloRequest (4 bytes, many to a record) costs a warning record. 32 with no
// application data between are answered; the 33rd ends the connection.
TEST_F(Neg12, HelloRequestFloodIsCutOff) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    p->Handshake();
    ASSERT_TRUE(p->Connected());
    QueueHelloRequests(p->server, 32);
    Feed(p->client, Drain(p->server));
    EXPECT_FALSE(tls_engine_status(p->client) & TLS_ST_FAILED) << tls_engine_error(p->client);
    EXPECT_EQ(32u, SplitRecords(Drain(p->client)).size());
    // Application data between resets the count.
    ASSERT_TRUE(WriteAll(p->server, "x"));
    Feed(p->client, Drain(p->server));
    EXPECT_EQ("x", ReadAll(p->client));
    QueueHelloRequests(p->server, 33);
    Feed(p->client, Drain(p->server));
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "HelloRequest: more than 32 renegotiation attempts with no "
                           "application data between"));
}

// Issue 13: a peer that sends without reading cannot make the engine queue without limit.
// Rounds of 32 HelloRequests and one byte of data each add 32 warnings to what the client
// must send; once more than TLS_ENGINE_SEND_HIGH_WATER waits, the client takes no input
// (recv_buf hands out nothing, no TLS_ST_WANT_RECV) until its output is sent.
TEST_F(Neg12, OutputOverTheHighWaterMarkStopsInput) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    p->Handshake();
    ASSERT_TRUE(p->Connected());
    int rounds = 0;
    size_t cap = 1;
    while (cap > 0 && rounds < 200) {
        QueueHelloRequests(p->server, 32);
        ASSERT_TRUE(WriteAll(p->server, "x"));
        Feed(p->client, Drain(p->server));
        ASSERT_FALSE(tls_engine_status(p->client) & TLS_ST_FAILED) << tls_engine_error(p->client);
        ReadAll(p->client); // the application reads; the network never takes our output
        rounds++;
        (void)tls_engine_recv_buf(p->client, &cap);
    }
    EXPECT_LT(rounds, 200) << "input never stopped";
    size_t pending = tls_engine_send_pending(p->client);
    EXPECT_GT(pending, (size_t)TLS_ENGINE_SEND_HIGH_WATER);
    EXPECT_LT(pending, (size_t)TLS_ENGINE_SEND_HIGH_WATER + 2048) << "bounded by one round";
    EXPECT_FALSE(tls_engine_status(p->client) & TLS_ST_WANT_RECV);
    EXPECT_TRUE(tls_engine_status(p->client) & TLS_ST_HAS_SEND);
    // Sending resumes input.
    Drain(p->client);
    EXPECT_NE(nullptr, tls_engine_recv_buf(p->client, &cap));
    EXPECT_GT(cap, 0u);
    EXPECT_TRUE(tls_engine_status(p->client) & TLS_ST_WANT_RECV);
}

TEST_F(Neg12, HelloRequestTwiceStillUsable) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    p->Handshake();
    ASSERT_TRUE(p->Connected());
    tlsio_empty_msg none = {0};
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(0,
                  tlsio_send_hs_msg(p->server, TLSIO_HS_HELLO_REQUEST, &tlsio_codec_empty, &none));
        ASSERT_EQ(0, tlsio_flush_hs(p->server));
    }
    Pump(p->client, p->server);
    EXPECT_TRUE(StillUsable(p));
}

} // namespace

namespace {

// RFC 5246 §7.4.1.1: a HelloRequest that arrives while the client is negotiating is ignored
// (and kept out of the transcript: the handshake still completes with matching Finished).
TEST_F(Neg12, HelloRequestDuringTheHandshakeIsIgnored) {
    EnginePair *p = Pair12(root, leaf, "example.com");
    Feed(p->server, Drain(p->client)); // ClientHello
    Bytes flight = Drain(p->server);   // ServerHello .. ServerHelloDone
    Bytes hello_request = PlainRecord(22, {0, 0, 0, 0});
    flight.insert(flight.end(), hello_request.begin(), hello_request.end());
    Feed(p->client, flight);
    EXPECT_FALSE(tls_engine_status(p->client) & TLS_ST_FAILED) << tls_engine_error(p->client);
    p->Handshake();
    EXPECT_TRUE(p->Connected()) << tls_engine_error(p->client) << " / "
                                << tls_engine_error(p->server);
}

} // namespace

namespace {

// A ServerKeyExchange whose point is longer than its group's (up to the 255 bytes the
// u8 length allows) is refused before anything is built from it: it once overflowed the
// stack buffer of the signed content.
TEST_F(Client12, ServerKeyExchangePointLongerThanTheGroupAllows) {
    for (size_t len : {33u, 200u, 255u}) {
        SCOPED_TRACE(len);
        tls_engine_free(client);
        Start();
        Bytes body = {3, 0x00, 0x1d, (uint8_t)len}; // named_curve x25519
        body.insert(body.end(), len, 0x42);
        Bytes sig(72, 0x01);
        body.insert(body.end(), {0x04, 0x03, 0x00, (uint8_t)sig.size()});
        body.insert(body.end(), sig.begin(), sig.end());
        ExpectRefused(
            Cat({ServerHello12(), Certificate12(leaf), HsMsg(TLSIO_HS_SERVER_KEY_EXCHANGE, body)}),
            TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL, "ServerKeyExchange.point");
    }
}

} // namespace
