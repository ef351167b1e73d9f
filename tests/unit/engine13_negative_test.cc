// TLS 1.3 engine failures: each test asserts the failing side's alert code, error category and
// sentence and, where the alert reaches the peer, the peer's TLS_ERRCAT_PEER_ALERT.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>

#include "engine.h"
#include "engine_testing.h"
#include "enginepair.h"
#include "hswalk.h"
#include "hs_dispatch.h"
#include "keysched.h"
#include "msgs.h"
#include "record.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

constexpr uint16_t kExtAlpn = 16, kExtSupportedGroups = 10, kExtKeyShare = 51, kExtEarlyData = 42,
                   kExtPsk = 41, kExtPskModes = 45;

class Neg : public EngineFixture {
  public:
    // Handshake with a server using `server_leaf` and a client trusting `trusted`.
    void Run(const Cert &trusted, const Cert &server_leaf, const char *host, EnginePair **out) {
        Configs *c = new Configs;
        MakeConfigs(c, trusted, server_leaf);
        owned.emplace_back(c);
        *out = new EnginePair(c->client, c->server, host, pki.now());
        pairs.emplace_back(*out);
        (*out)->Handshake();
    }
    std::vector<std::unique_ptr<Configs>> owned;
    std::vector<std::unique_ptr<EnginePair>> pairs;
};

// ---- certificate verification -----------------------------------------------------------

TEST_F(Neg, WrongHostname) {
    EnginePair *p;
    Run(root, leaf, "other.example", &p);
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_BAD_CERTIFICATE, TLS_ERRCAT_CERTIFICATE,
                           "does not match host 'other.example'"));
    EXPECT_TRUE(
        FailedWith(p->server, TLS_ALERT_BAD_CERTIFICATE, TLS_ERRCAT_PEER_ALERT, "bad_certificate"));
}

TEST_F(Neg, UntrustedRoot) {
    Cert other = pki.MakeCa("Other Root");
    Configs c;
    MakeConfigs(&c, other, leaf);
    EnginePair p(c.client, c.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_CERTIFICATE,
                           "does not lead to a trusted root"));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_PEER_ALERT, "unknown_ca"));
}

TEST_F(Neg, ExpiredLeaf) {
    Cert old =
        pki.MakeLeaf(root, {.dns = {"example.com"}, .not_before = -30 * kDay, .not_after = -kDay});
    EnginePair *p;
    Run(root, old, "example.com", &p);
    EXPECT_TRUE(
        FailedWith(p->client, TLS_ALERT_CERTIFICATE_EXPIRED, TLS_ERRCAT_CERTIFICATE, "expired at"));
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_CERTIFICATE_EXPIRED, TLS_ERRCAT_PEER_ALERT,
                           "certificate_expired"));
}

TEST_F(Neg, LeafWithClientAuthOnlyEku) {
    Cert ca = pki.MakeLeaf(root, {.dns = {"example.com"}, .eku = Eku::kClientAuth});
    EnginePair *p;
    Run(root, ca, "example.com", &p);
    EXPECT_TRUE(FailedWith(p->client, TLS_ALERT_UNSUPPORTED_CERTIFICATE, TLS_ERRCAT_CERTIFICATE,
                           "is not allowed for TLS server authentication"));
    EXPECT_TRUE(FailedWith(p->server, TLS_ALERT_UNSUPPORTED_CERTIFICATE, TLS_ERRCAT_PEER_ALERT,
                           "unsupported_certificate"));
}

TEST_F(Neg, NoTrustAnchorsConfigured) {
    tls_config *bare = tls_config_new();
    EnginePair p(bare, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_CERTIFICATE,
                           "no trust anchors are configured"));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_PEER_ALERT, "unknown_ca"));
    tls_config_free(bare);
}

TEST_F(Neg, NoTimeGivenFailsLocallyAndTellsThePeer) {
    tls_engine *c = tls_engine_new_client(cfg.client, "example.com");
    tls_engine *s = tls_engine_new_server(cfg.server);
    Pump(c, s);
    EXPECT_TRUE(FailedWith(c, TLS_E_USAGE, TLS_ERRCAT_USAGE, "tls_engine_set_time"));
    // RFC 8446 §6.2: a fatal error is reported to the peer; a local one as internal_error.
    EXPECT_TRUE(FailedWith(s, TLS_ALERT_INTERNAL_ERROR, TLS_ERRCAT_PEER_ALERT, "internal_error"));
    tls_engine_free(c);
    tls_engine_free(s);
}

// ---- tampered handshake messages (hashed first, altered after) ---------------------------

struct TamperCase {
    bool server_side;
    uint8_t type;
    bool from_end;
    const char *phrase;
};

void Tamper(Neg *t, const TamperCase &tc) {
    EnginePair p(t->cfg.client, t->cfg.server, "example.com", t->pki.now());
    HsObserver obs;
    obs.flip_type = tc.type;
    obs.from_end = tc.from_end;
    obs.Attach(tc.server_side ? p.server : p.client);
    p.Handshake();
    tls_engine *victim = tc.server_side ? p.client : p.server;
    tls_engine *sender = tc.server_side ? p.server : p.client;
    EXPECT_EQ(1, obs.seen_flip_type);
    EXPECT_TRUE(FailedWith(victim, TLS_ALERT_DECRYPT_ERROR, TLS_ERRCAT_PROTOCOL, tc.phrase));
    EXPECT_TRUE(
        FailedWith(sender, TLS_ALERT_DECRYPT_ERROR, TLS_ERRCAT_PEER_ALERT, "decrypt_error"));
}

TEST_F(Neg, TamperedServerFinished) {
    Tamper(this, {true, TLSIO_HS_FINISHED, false,
                  "server Finished: verify_data does not match the handshake"});
}

TEST_F(Neg, TamperedServerCertificateVerify) {
    Tamper(this, {true, TLSIO_HS_CERTIFICATE_VERIFY, true,
                  "server CertificateVerify: signature does not verify"});
}

TEST_F(Neg, TamperedServerCertificateVerifyRsaPss) {
    Cert rsa = pki.MakeLeaf(root, {.dns = {"example.com"}, .key = KeyType::kRsa2048});
    Configs c;
    MakeConfigs(&c, root, rsa);
    std::swap(cfg.client, c.client);
    std::swap(cfg.server, c.server);
    Tamper(this, {true, TLSIO_HS_CERTIFICATE_VERIFY, true,
                  "server CertificateVerify: signature does not verify with rsa_pss_rsae"});
}

// RFC 8446 §4.4.4: verify_data is Hash.length bytes; a Finished of another length is a
// malformed message (decode_error), not a failed verification (decrypt_error). The tamper
// hook shortens the server's Finished by one byte in its handshake header, leaving the last
// byte as the start of a message that never completes.
TEST_F(Neg, ServerFinishedOfTheWrongLength) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    tlsio_testing_set_tamper(
        p.server,
        [](void *, uint8_t *msg, size_t len) {
            if (len == 4 + 32 && msg[0] == TLSIO_HS_FINISHED) msg[3] = 31;
        },
        nullptr);
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "server Finished.verify_data: length 31, expected 32"));
    EXPECT_TRUE(
        FailedWith(p.server, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PEER_ALERT, "decode_error"));
}

TEST_F(Neg, TamperedClientFinished) {
    Tamper(this, {false, TLSIO_HS_FINISHED, false,
                  "client Finished: verify_data does not match the handshake"});
}

// RFC 7301 §3.1: the server's ALPN answer must be one the client offered. The tamper hook turns
// the server's "h2" into "h3" after its transcript took "h2".
TEST_F(Neg, AlpnAnswerNotOffered) {
    ASSERT_EQ(0, tls_config_set_alpn(cfg.client, "h2"));
    ASSERT_EQ(0, tls_config_set_alpn(cfg.server, "h2"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.flip_type = TLSIO_HS_ENCRYPTED_EXTENSIONS;
    obs.from_end = true; // the '2' of "h2", before record_size_limit's 6 bytes (00 1c 00 02 40 01)
    obs.flip_offset = 6;
    obs.Attach(p.server);
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "EncryptedExtensions.alpn: 'h3' was not offered"));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PEER_ALERT,
                           "illegal_parameter"));
}

// ---- record protection ------------------------------------------------------------------

// Runs a handshake where bytes from one side pass through `edit` once.
void FlipInFlight(EnginePair *p, bool from_server, size_t record_from_end) {
    tls_engine *from = from_server ? p->server : p->client;
    tls_engine *to = from_server ? p->client : p->server;
    if (from_server) Feed(p->server, Drain(p->client)); // ClientHello
    std::vector<Record> recs = SplitRecords(Drain(from));
    ASSERT_GT(recs.size(), record_from_end);
    Record &r = recs[recs.size() - 1 - record_from_end];
    ASSERT_EQ(23, r.type);
    r.bytes[r.bytes.size() / 2] ^= 0x40;
    Feed(to, Join(recs));
    Pump(p->client, p->server);
}

// failing could not authenticate a record and told peer so (bad_record_mac).
void ExpectBadMac(tls_engine *failing, tls_engine *peer) {
    EXPECT_TRUE(FailedWith(failing, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PROTOCOL,
                           "authentication failed"));
    EXPECT_TRUE(
        FailedWith(peer, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PEER_ALERT, "bad_record_mac"));
}

TEST_F(Neg, BitFlipInServerFlight) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    FlipInFlight(&p, true, 0);
    ExpectBadMac(p.client, p.server);
}

TEST_F(Neg, BitFlipInClientFinished) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Feed(p.server, Drain(p.client));
    Feed(p.client, Drain(p.server));
    ASSERT_TRUE(tls_engine_status(p.client) & TLS_ST_CONNECTED);
    FlipInFlight(&p, false, 0);
    ExpectBadMac(p.server, p.client);
}

TEST_F(Neg, BitFlipInApplicationData) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    ASSERT_TRUE(WriteAll(p.client, "some application data"));
    FlipInFlight(&p, false, 0);
    ExpectBadMac(p.server, p.client);
    EXPECT_EQ("", ReadAll(p.server));
}

// ---- ClientHellos the server must refuse ------------------------------------------------

class ServerSide : public Neg, public HelloExchange {
  public:
    void SetUp() override {
        Neg::SetUp();
        Begin(NewEngine(false), NewEngine(true));
    }
};

TEST_F(ServerSide, DuplicateExtension) {
    ch.exts.push_back(*std::find_if(ch.exts.begin(), ch.exts.end(),
                                    [](auto &x) { return x.first == kExtSupportedGroups; }));
    Send();
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "ClientHello.extensions: duplicate supported_groups"));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PEER_ALERT, "decode_error"));
}

TEST_F(ServerSide, X25519ShareOf31Bytes) {
    Bytes ks = {0x00, 0x23, 0x00, 0x1d, 0x00, 0x1f};
    ks.resize(ks.size() + 31, 0x42);
    *ch.Find(kExtKeyShare) = ks;
    Send();
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL, "x25519"));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PEER_ALERT,
                           "illegal_parameter"));
}

TEST_F(ServerSide, KeyShareForAGroupNotInSupportedGroups) {
    // supported_groups: secp256r1 only, but the share is x25519 (RFC 8446 §4.2.8).
    *ch.Find(kExtSupportedGroups) = {0x00, 0x02, 0x00, 0x17};
    Send();
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "not in supported_groups"));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PEER_ALERT));
}

// A u16 list body (length, then values) of n values from `first` on, then `tail`.
Bytes U16List(size_t n, uint16_t first, const std::vector<uint16_t> &tail) {
    Bytes out;
    size_t len = 2 * (n + tail.size());
    out.push_back((uint8_t)(len >> 8));
    out.push_back((uint8_t)len);
    for (size_t i = 0; i < n + tail.size(); i++) {
        uint16_t v = i < n ? (uint16_t)(first + i) : tail[i - n];
        out.push_back((uint8_t)(v >> 8));
        out.push_back((uint8_t)v);
    }
    return out;
}

// The hostile hello of issue 13: 8,000 groups tlsio does not know, 8,000 one-byte shares for
// them, x25519 and its share last. Every list is read whole and linearly (checked by the
// benchmark's hello case); the server answers with a ServerHello for x25519.
TEST_F(ServerSide, ThousandsOfUnknownGroupsAndSharesStillFindX25519) {
    const size_t n = 8000;
    Bytes ks_old = *ch.Find(kExtKeyShare);
    Bytes x25519;
    CBS list, entry;
    CBS_init(&list, ks_old.data() + 2, ks_old.size() - 2);
    while (CBS_get_bytes(&list, &entry, 4) && CBS_len(&entry) == 4) {
        uint16_t g = (uint16_t)(CBS_data(&entry)[0] << 8 | CBS_data(&entry)[1]);
        uint16_t len = (uint16_t)(CBS_data(&entry)[2] << 8 | CBS_data(&entry)[3]);
        CBS key;
        ASSERT_TRUE(CBS_get_bytes(&list, &key, len));
        if (g == 0x001d) {
            x25519.assign(CBS_data(&entry), CBS_data(&entry) + 4);
            x25519.insert(x25519.end(), CBS_data(&key), CBS_data(&key) + len);
        }
    }
    ASSERT_EQ(36u, x25519.size());
    Bytes shares;
    for (size_t i = 0; i < n; i++) {
        uint16_t g = (uint16_t)(0x4000 + i);
        Bytes one = {(uint8_t)(g >> 8), (uint8_t)g, 0x00, 0x01, 0x42};
        shares.insert(shares.end(), one.begin(), one.end());
    }
    shares.insert(shares.end(), x25519.begin(), x25519.end());
    Bytes ks = {(uint8_t)(shares.size() >> 8), (uint8_t)shares.size()};
    ks.insert(ks.end(), shares.begin(), shares.end());
    *ch.Find(kExtKeyShare) = ks;
    *ch.Find(kExtSupportedGroups) = U16List(n, 0x4000, {0x001d});
    Send();
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    EXPECT_EQ(0x001d, tls_engine_group(server));
}

// RFC 8446 §4.2.8's two rules hold at any position, not only among the first shares.
TEST_F(ServerSide, DuplicateShareDeepInTheListIsRefused) {
    Bytes shares;
    for (uint16_t i = 0; i < 40; i++) {
        uint16_t g = (uint16_t)(0x4000 + (i == 39 ? 30 : i)); // the 40th repeats the 31st
        Bytes one = {(uint8_t)(g >> 8), (uint8_t)g, 0x00, 0x01, 0x42};
        shares.insert(shares.end(), one.begin(), one.end());
    }
    Bytes ks = {(uint8_t)(shares.size() >> 8), (uint8_t)shares.size()};
    ks.insert(ks.end(), shares.begin(), shares.end());
    *ch.Find(kExtKeyShare) = ks;
    *ch.Find(kExtSupportedGroups) = U16List(40, 0x4000, {0x001d});
    Send();
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "ClientHello.key_share: two shares for group 0x401e"));
}

// A usable signature scheme after 20,000 unknown ones is found (the list is read whole).
TEST_F(ServerSide, UsableSignatureSchemeAfterThirtyTwoThousandUnknownOnes) {
    // 32,700 entries: a hello of ~65.5 KB, over the old generic 64 KiB message limit.
    *ch.Find(13) = U16List(32700, 0x7000, {0x0403}); // signature_algorithms
    Send();
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    ASSERT_NE(nullptr, server->hs);
    EXPECT_EQ(0x0403, server->hs->sig_scheme) << "signed with the one usable scheme";
}

// ---- the header gate: type first, then the type's size limit, before any body is read ----

// A server engine fed one handshake header (no body): what it does with it alone.
int FeedHeader(tls_engine *server, uint8_t type, uint32_t len) {
    return Feed(server,
                PlainRecord(22, {type, (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len}));
}

// Issue 13: a ClientHello body sent under another type got decode_error or
// illegal_parameter; the state refuses the type first, from the header, at any length.
TEST_F(Neg, WrongTypeAtTheStartIsUnexpectedMessageFromTheHeaderAlone) {
    for (uint8_t type : {2, 4, 8, 11, 13, 15, 20, 24, 0, 12, 14, 16, 99}) {
        SCOPED_TRACE((int)type);
        tls_engine *server = tls_engine_new_server(cfg.server);
        ASSERT_NE(nullptr, server);
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, FeedHeader(server, type, 60000))
            << tls_engine_error(server);
        EXPECT_TRUE(FailedWith(server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL));
        tls_engine_free(server);
    }
}

// The ClientHello limit (TLSIO_MAX_CLIENT_HELLO, hs_dispatch.c): one byte over is
// decode_error on the header; the limit itself is read on.
TEST_F(Neg, ClientHelloLimitIsCheckedOnTheHeader) {
    tls_engine *server = tls_engine_new_server(cfg.server);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, FeedHeader(server, 1, TLSIO_MAX_CLIENT_HELLO + 1));
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "ClientHello of 69633 bytes: tlsio reads at most 69632 bytes for it"));
    Bytes wire = Drain(server);
    EXPECT_TRUE(IsPlainAlert(wire, TLS_ALERT_DECODE_ERROR)) << "the alert goes out";
    tls_engine_free(server);
    server = tls_engine_new_server(cfg.server);
    EXPECT_EQ(0, FeedHeader(server, 1, TLSIO_MAX_CLIENT_HELLO));
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    tls_engine_free(server);
}

// Small messages have small limits: a 5-byte KeyUpdate is decode_error on its header.
TEST_F(Neg, ConnectedKeyUpdateOverItsLimitIsDecodeError) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, tlsio_dispatch_header(p.server, TLSIO_HS_KEY_UPDATE, 5));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "KeyUpdate of 5 bytes: tlsio reads at most 1 bytes for it"));
}

// The Certificate limit is the config's (tls_config_set_max_cert_chain).
TEST_F(Neg, PeerCertificateOverTheConfiguredLimitIsDecodeError) {
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_max_cert_chain(cfg.client, 4095));
    EXPECT_STREQ("certificate chain limit 4095 bytes: use 4096 to 1048576",
                 tls_config_error(cfg.client));
    ASSERT_EQ(0, tls_config_set_max_cert_chain(cfg.client, 4096));
    Cert mid1 = pki.MakeIntermediate(root, "Mid One", KeyType::kRsa2048);
    Cert mid2 = pki.MakeIntermediate(mid1, "Mid Two", KeyType::kRsa2048);
    Cert mid3 = pki.MakeIntermediate(mid2, "Mid Three", KeyType::kRsa2048);
    Cert mid4 = pki.MakeIntermediate(mid3, "Mid Four", KeyType::kRsa2048);
    Cert mid5 = pki.MakeIntermediate(mid4, "Mid Five", KeyType::kRsa2048);
    Cert big = pki.MakeLeaf(mid5, {.dns = {"example.com"}, .key = KeyType::kRsa2048});
    ASSERT_GT(big.chain_pem().size() * 3 / 4, 4096u) << "the chain must exceed the limit";
    tls_config *server = tls_config_new();
    ASSERT_TRUE(AddChain(server, big));
    EnginePair p(cfg.client, server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "bytes for it (tls_config_set_max_cert_chain)"));
    tls_config_free(server);
    // The default reads it.
    Configs d;
    MakeConfigs(&d, root, big);
    EnginePair ok(d.client, d.server, "example.com", pki.now());
    ok.Handshake();
    EXPECT_TRUE(ok.Connected()) << ok.Errors();
}

// RFC 8446 Appendix D.5: legacy_version 0x0300 or less is protocol_version even with TLS 1.3
// in supported_versions; 0x0301 and 0x0302 are ignored there (§4.2.1).
TEST_F(ServerSide, LegacyVersion0300IsRefusedEvenWithSupportedVersions) {
    ch.prefix[0] = 0x03;
    ch.prefix[1] = 0x00;
    Send();
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PROTOCOL,
                           "ClientHello.legacy_version 0x0300: SSL 3.0 or older"));
}

TEST_F(ServerSide, LegacyVersion0301WithSupportedVersionsIsIgnored) {
    ch.prefix[0] = 0x03;
    ch.prefix[1] = 0x01;
    Send();
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    EXPECT_EQ(TLS_VERSION_1_3, tls_engine_version(server));
}

// TLS 1.2-only rules do not apply to a hello that negotiates TLS 1.3: an ec_point_formats
// without uncompressed (RFC 8422 §5.1.2, a TLS 1.2 rule) is ignored (issue 13). Its
// structure is still checked, like every extension's (parse, then process).
TEST_F(ServerSide, Tls12PointFormatRuleIsIgnoredInTls13) {
    ASSERT_NE(nullptr, ch.Find(11));  // our client sends ec_point_formats for TLS 1.2
    *ch.Find(11) = Bytes{0x01, 0x01}; // ansiX962_compressed_prime only
    Send();
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    EXPECT_EQ(TLS_VERSION_1_3, tls_engine_version(server));
}

// RFC 6066 §3: host_name is an ASCII hostname. Control bytes, UTF-8 and escapes are
// illegal_parameter (issue 13), so what the application logs is plain ASCII.
TEST_F(ServerSide, ServerNameOutsideHostnameCharactersIsRefused) {
    struct {
        std::string name;
        const char *phrase;
    } cases[] = {
        {"exa\x1b[31mmple.com", "byte 0x1b at offset 3"},
        {"b\xc3\xbc"
         "cher.example",
         "byte 0xc3 at offset 1"},
        {"a b.example", "byte 0x20 at offset 1"},
        {std::string("a\0b", 3), "byte 0x00 at offset 1"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.phrase);
        HelloExchange x; // a fresh pair per case (it frees its engines)
        x.Begin(NewEngine(false), NewEngine(true));
        Bytes name(c.name.begin(), c.name.end());
        Bytes sni = {(uint8_t)((name.size() + 3) >> 8), (uint8_t)(name.size() + 3), 0,
                     (uint8_t)(name.size() >> 8), (uint8_t)name.size()};
        sni.insert(sni.end(), name.begin(), name.end());
        ASSERT_NE(nullptr, x.ch.Find(0));
        *x.ch.Find(0) = sni;
        x.Send();
        EXPECT_TRUE(
            FailedWith(x.server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL, c.phrase));
    }
}

TEST_F(ServerSide, ServerNameWithUnderscoreAndDigitsIsTaken) {
    Bytes name = {'s', 'v', 'c', '_', '1', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'};
    Bytes sni = {0, (uint8_t)(name.size() + 3), 0, 0, (uint8_t)name.size()};
    sni.insert(sni.end(), name.begin(), name.end());
    *ch.Find(0) = sni;
    Send();
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    EXPECT_STREQ("svc_1.example", tls_engine_server_name(server));
}

TEST_F(ServerSide, MissingKeyShare) {
    ch.Remove(kExtKeyShare);
    Send();
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_MISSING_EXTENSION, TLS_ERRCAT_PROTOCOL,
                           "ClientHello: no key_share"));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_MISSING_EXTENSION, TLS_ERRCAT_PEER_ALERT));
}

TEST_F(ServerSide, PskWithoutPskKeyExchangeModes) {
    // RFC 8446 §4.2.9: "If clients offer pre_shared_key without a psk_key_exchange_modes
    // extension, servers MUST abort the handshake."
    Bytes psk = Hex("000a 0004 7469636b 00000000 0021 20");
    psk.resize(psk.size() + 32, 0x11);
    ch.Remove(kExtPskModes); // our client lists psk_dhe_ke in every TLS 1.3 ClientHello
    ch.exts.emplace_back(kExtPsk, psk);
    Send();
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_MISSING_EXTENSION, TLS_ERRCAT_PROTOCOL,
                           "psk_key_exchange_modes"));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_MISSING_EXTENSION, TLS_ERRCAT_PEER_ALERT));
}

TEST_F(ServerSide, HandshakeBytesBehindTheClientHelloInItsRecord) {
    // RFC 8446 §5.1: a ClientHello ends its record; the client has nothing else to send
    // before our answer. Refused before it is answered: only the alert goes out.
    Bytes rec = ch.Encode();
    rec.push_back(TLSIO_HS_FINISHED);
    Feed(server, PlainRecord(22, rec));
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "handshake: end of the ClientHello with 1 handshake bytes not yet "
                           "processed"));
    std::vector<Record> out = SplitRecords(Drain(server));
    ASSERT_EQ(1u, out.size());
    EXPECT_EQ(PlainRecord(21, {2, TLS_ALERT_UNEXPECTED_MESSAGE}), out[0].bytes);
}

TEST_F(ServerSide, ServerHelloSentToTheServer) {
    Feed(server,
         PlainRecord(22, HsMsg(TLSIO_HS_SERVER_HELLO, Hex("0303" + std::string(64, '1') +
                                                          "00 1301 00 0006 002b00020304"))));
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "unexpected ServerHello in state WAIT_CH"));
    EXPECT_TRUE(IsPlainAlert(Drain(server), TLS_ALERT_UNEXPECTED_MESSAGE));
}

// RFC 8446 §5.1: after the first record the record version is ignored within the TLS
// versions: a compatibility CCS carrying the ClientHello's 0x0301 is fine (issue 13); a
// version no TLS stack sends is still protocol_version.
TEST_F(ServerSide, CompatibilityCcsWithRecordVersion0301IsAccepted) {
    Send();
    ASSERT_EQ(0, tls_engine_error_code(client)) << tls_engine_error(client);
    Bytes flight = Drain(client);
    Bytes wire = PlainRecord(20, {1}, 0x0301);
    wire.insert(wire.end(), flight.begin(), flight.end());
    Feed(server, wire);
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    EXPECT_TRUE(tls_engine_status(server) & TLS_ST_CONNECTED);
}

TEST_F(ServerSide, CompatibilityCcsWithRecordVersion03ffIsRefused) {
    Send();
    Drain(client);
    Feed(server, PlainRecord(20, {1}, 0x03ff));
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_PROTOCOL_VERSION, TLS_ERRCAT_PROTOCOL,
                           "legacy_record_version 0x03ff"));
}

// Compatibility CCS records carry nothing: a flood of them ends the handshake (issue 13).
TEST_F(ServerSide, FloodOfCompatibilityCcsRecordsIsRefused) {
    Send();
    Drain(client);
    Bytes wire;
    for (int i = 0; i < 40; i++) {
        Bytes ccs = PlainRecord(20, {1});
        wire.insert(wire.end(), ccs.begin(), ccs.end());
    }
    Feed(server, wire);
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "change_cipher_spec record: more than 4 in a TLS 1.3 handshake"));
}

TEST_F(ServerSide, CcsBeforeClientHello) {
    Feed(server, PlainRecord(20, {1}));
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "change_cipher_spec record at a point it is not allowed"));
}

// ---- truncation and interleaving (RFC 8446 §5.1, §6.1) -----------------------------------

TEST_F(ServerSide, ClientHelloCutShortThenEof) {
    Bytes rec = PlainRecord(22, ch.Encode());
    rec.resize(rec.size() / 2);
    EXPECT_EQ(0, Feed(server, rec));
    EXPECT_TRUE(tls_engine_status(server) & TLS_ST_WANT_RECV);
    EXPECT_EQ(TLS_E_TRUNCATED, tls_engine_recv_eof(server));
    EXPECT_TRUE(FailedWith(server, TLS_E_TRUNCATED, TLS_ERRCAT_TRANSPORT,
                           "without close_notify during the handshake"));
}

void Interleaved(ServerSide *t, const Bytes &between, const char *phrase) {
    Bytes msg = t->ch.Encode();
    size_t half = msg.size() / 2;
    Bytes wire = PlainRecord(22, Bytes(msg.begin(), msg.begin() + half));
    Bytes tail = PlainRecord(22, Bytes(msg.begin() + half, msg.end()));
    wire.insert(wire.end(), between.begin(), between.end());
    wire.insert(wire.end(), tail.begin(), tail.end());
    Feed(t->server, wire);
    EXPECT_TRUE(FailedWith(t->server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL, phrase));
    Feed(t->client, Drain(t->server));
    EXPECT_TRUE(FailedWith(t->client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT));
}

TEST_F(ServerSide, SplitClientHelloInterruptedByAlert) {
    Interleaved(this, PlainRecord(21, {1, 0}), "alert record");
}

TEST_F(ServerSide, SplitClientHelloInterruptedByApplicationData) {
    // In plaintext the record layer refuses it before reassembly is asked (RFC 8446 §5.1).
    Interleaved(this, PlainRecord(23, {1, 2, 3}), "application_data record before encryption");
}

TEST_F(ServerSide, SplitClientHelloInterruptedByCcs) {
    Interleaved(this, PlainRecord(20, {1}), "change_cipher_spec record");
}

TEST_F(ServerSide, SplitClientHelloInOrderIsFine) {
    Bytes msg = ch.Encode();
    Bytes wire;
    for (size_t off = 0; off < msg.size(); off += 7) {
        Bytes part(msg.begin() + off, msg.begin() + std::min(msg.size(), off + 7));
        Bytes r = PlainRecord(22, part);
        wire.insert(wire.end(), r.begin(), r.end());
    }
    EXPECT_EQ(0, Feed(server, wire));
    Pump(client, server);
    EXPECT_TRUE(tls_engine_status(client) & TLS_ST_CONNECTED) << tls_engine_error(client);
    EXPECT_TRUE(tls_engine_status(server) & TLS_ST_CONNECTED) << tls_engine_error(server);
}

// ---- crafted server messages, client side ----------------------------------------------

const char kX25519Pub[] = "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f";

class ClientSide : public Neg {
  public:
    tls_engine *client = nullptr;
    Bytes sid;
    uint8_t random[32];
    Bytes pub = Hex(kX25519Pub);
    void SetUp() override {
        Neg::SetUp();
        memset(random, 0x5a, sizeof(random));
    }
    void TearDown() override {
        tls_engine_free(client);
    }
    void Start(tls_config *c = nullptr) {
        client = tls_engine_new_client(c ? c : cfg.client, "example.com");
        tls_engine_set_time(client, pki.now());
        std::vector<Record> recs = SplitRecords(Drain(client));
        ASSERT_EQ(1u, recs.size());
        sid = SessionIdOf(Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end()));
        ASSERT_EQ(32u, sid.size());
    }
    // A ServerHello (or HRR when hrr) built with the codec; edit adjusts it before encoding.
    Bytes Hello(bool hrr, const std::function<void(tlsio_server_hello *)> &edit) {
        tlsio_server_hello sh;
        memset(&sh, 0, sizeof(sh));
        sh.legacy_version = TLS_VERSION_1_2;
        CBS_init(&sh.random, hrr ? tlsio_hrr_random : random, 32);
        CBS_init(&sh.legacy_session_id_echo, sid.data(), sid.size());
        sh.cipher_suite = 0x1301;
        tlsio_exts *x = &sh.extensions;
        tlsio_err err;
        tlsio_err_clear(&err);
        x->selected_version = TLS_VERSION_1_3;
        EXPECT_EQ(0, tlsio_exts_push(x, TLSIO_EXT_SUPPORTED_VERSIONS, &err));
        if (hrr) {
            x->key_share_selected_group = 0x0017;
        } else {
            x->key_share_server_share.group = 0x001d;
            CBS_init(&x->key_share_server_share.key_exchange, pub.data(), pub.size());
        }
        EXPECT_EQ(0, tlsio_exts_push(x, TLSIO_EXT_KEY_SHARE, &err));
        if (edit) edit(&sh);
        return EncodeHs(TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &sh);
    }
    // Feeds a handshake message in a plaintext record; expects the client to fail with code.
    void ExpectRefused(const Bytes &msg, int code, const char *phrase) {
        Feed(client, PlainRecord(22, msg));
        EXPECT_TRUE(FailedWith(client, code, TLS_ERRCAT_PROTOCOL, phrase));
        EXPECT_TRUE(IsPlainAlert(Drain(client), (uint8_t)code));
    }
};

TEST_F(ClientSide, ValidServerHelloIsTaken) {
    Start();
    Feed(client, PlainRecord(22, Hello(false, nullptr)));
    EXPECT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    EXPECT_EQ(0x001d, tls_engine_group(client));
}

// RFC 8446 §4.1.3: legacy_compression_method = 0 is part of the TLS 1.3 message's definition.
TEST_F(ClientSide, CompressionMethodInTls13Hellos) {
    for (bool hrr : {true, false}) {
        SCOPED_TRACE(hrr ? "HelloRetryRequest" : "ServerHello");
        tls_engine_free(client);
        Start();
        ExpectRefused(Hello(hrr, [](tlsio_server_hello *m) { m->legacy_compression_method = 1; }),
                      TLS_ALERT_DECODE_ERROR,
                      hrr ? "HelloRetryRequest.legacy_compression_method: 1, must be 0 in TLS 1.3"
                          : "ServerHello.legacy_compression_method: 1, must be 0 in TLS 1.3");
    }
}

TEST_F(ClientSide, HandshakeBytesBehindTheHelloRetryRequestInItsRecord) {
    Start();
    // RFC 8446 §5.1: a ServerHello, and so a HelloRetryRequest, ends its record. Refused
    // before the second ClientHello goes out: only the alert is sent.
    Bytes msg = Hello(true, nullptr);
    msg.push_back(TLSIO_HS_SERVER_HELLO);
    ExpectRefused(msg, TLS_ALERT_UNEXPECTED_MESSAGE,
                  "handshake: end of the HelloRetryRequest with 1 handshake bytes");
}

TEST_F(ClientSide, OnlyTheInitialClientHelloRecordCarries0301) {
    client = tls_engine_new_client(cfg.client, "example.com");
    tls_engine_set_time(client, pki.now());
    std::vector<Record> recs = SplitRecords(Drain(client));
    ASSERT_EQ(1u, recs.size());
    // RFC 8446 §5.1: 0x0301 "for compatibility purposes" on the initial ClientHello only.
    EXPECT_EQ(Bytes({22, 0x03, 0x01}), Bytes(recs[0].bytes.begin(), recs[0].bytes.begin() + 3));
    sid = SessionIdOf(Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end()));
    ASSERT_EQ(32u, sid.size()); // RFC 8446 D.4: compatibility mode when offering TLS 1.3
    Feed(client, PlainRecord(22, Hello(true, nullptr)));
    std::vector<Record> out = SplitRecords(Drain(client));
    ASSERT_EQ(2u, out.size()) << tls_engine_error(client);
    EXPECT_EQ(Bytes({22, 0x03, 0x03}), Bytes(out[1].bytes.begin(), out[1].bytes.begin() + 3));
}

TEST_F(ClientSide, Tls12OnlyClientSendsNoSessionId) {
    // RFC 5246 §7.4.1.2: a session_id asks to resume that session; we never resume, and
    // compatibility mode (RFC 8446 D.4) is a TLS 1.3 matter.
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_2, TLS_VERSION_1_2));
    client = tls_engine_new_client(cfg.client, "example.com");
    std::vector<Record> recs = SplitRecords(Drain(client));
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ(0u, SessionIdOf(Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end())).size());
}

TEST_F(ClientSide, HelloRetryRequestThatChangesNothing) {
    Start();
    ExpectRefused(
        Hello(true, [](tlsio_server_hello *m) { RemoveExt(&m->extensions, TLSIO_EXT_KEY_SHARE); }),
        TLS_ALERT_ILLEGAL_PARAMETER, "asks for no change");
}

TEST_F(ClientSide, HelloRetryRequestForTheGroupAlreadyShared) {
    Start();
    ExpectRefused(
        Hello(true, [](tlsio_server_hello *m) { m->extensions.key_share_selected_group = 0x001d; }),
        TLS_ALERT_ILLEGAL_PARAMETER, "group 0x001d already had a key share");
}

TEST_F(ClientSide, HelloRetryRequestForAGroupNotOffered) {
    Start();
    ExpectRefused(
        Hello(true, [](tlsio_server_hello *m) { m->extensions.key_share_selected_group = 0x0019; }),
        TLS_ALERT_ILLEGAL_PARAMETER, "group 0x0019 was not offered");
}

TEST_F(ClientSide, SecondHelloRetryRequest) {
    Start();
    Feed(client, PlainRecord(22, Hello(true, nullptr)));
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    // The second ClientHello follows a compatibility CCS (RFC 8446 D.4) and has a P-256 share.
    std::vector<Record> out = SplitRecords(Drain(client));
    ASSERT_EQ(2u, out.size());
    EXPECT_EQ(PlainRecord(20, {1}), out[0].bytes);
    tlsio_test::Hello ch2;
    ASSERT_TRUE(ch2.Parse(Bytes(out[1].bytes.begin() + 5, out[1].bytes.end())));
    ASSERT_NE(nullptr, ch2.Find(kExtKeyShare));
    EXPECT_EQ(0x17, (*ch2.Find(kExtKeyShare))[3]);
    // RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message.
    ExpectRefused(
        Hello(true, [](tlsio_server_hello *m) { m->extensions.key_share_selected_group = 0x0018; }),
        TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected HelloRetryRequest in state WAIT_SH2");
}

TEST_F(ClientSide, ServerHelloAfterHrrWithAnotherSuite) {
    Start();
    Feed(client, PlainRecord(22, Hello(true, nullptr)));
    Drain(client);
    ExpectRefused(Hello(false, [](tlsio_server_hello *m) { m->cipher_suite = 0x1302; }),
                  TLS_ALERT_ILLEGAL_PARAMETER, "differs from the HelloRetryRequest's");
}

TEST_F(ClientSide, ServerHelloAfterHrrWithTheOldGroup) {
    Start();
    Feed(client, PlainRecord(22, Hello(true, nullptr)));
    Drain(client);
    ExpectRefused(Hello(false, nullptr), TLS_ALERT_ILLEGAL_PARAMETER,
                  "group 0x001d, but our key share is 0x0017");
}

TEST_F(ClientSide, ServerHelloWithSuiteNotOffered) {
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, "TLS_AES_128_GCM_SHA256"));
    Start();
    ExpectRefused(Hello(false, [](tlsio_server_hello *m) { m->cipher_suite = 0x1302; }),
                  TLS_ALERT_ILLEGAL_PARAMETER, "cipher_suite: 0x1302 was not offered");
}

TEST_F(ClientSide, ServerHelloWithWrongSessionIdEcho) {
    Start();
    Bytes other(32, 0x77);
    ExpectRefused(Hello(false,
                        [&](tlsio_server_hello *m) {
                            CBS_init(&m->legacy_session_id_echo, other.data(), other.size());
                        }),
                  TLS_ALERT_ILLEGAL_PARAMETER, "does not echo our session id");
}

TEST_F(ClientSide, ServerHelloSelectingTls12InSupportedVersions) {
    Start();
    ExpectRefused(
        Hello(false,
              [](tlsio_server_hello *m) { m->extensions.selected_version = TLS_VERSION_1_2; }),
        TLS_ALERT_ILLEGAL_PARAMETER, "ServerHello.extensions: supported_versions not allowed here");
}

// RFC 8446 §4.2.1: a TLS 1.2 ServerHello (with its TLS 1.2 extensions) that also carries
// supported_versions selecting TLS 1.2 is refused for that extension, not for the TLS 1.2
// extensions a TLS 1.3 ServerHello could not carry.
TEST_F(ClientSide, Tls12ServerHelloWithSupportedVersions) {
    Start();
    // The codec writes a struct with supported_versions in the TLS 1.3 form, so the TLS 1.2
    // extensions (renegotiation_info, extended_master_secret) are appended by hand.
    Bytes msg = Hello(false, [](tlsio_server_hello *m) {
        m->extensions.selected_version = TLS_VERSION_1_2;
        RemoveExt(&m->extensions, TLSIO_EXT_KEY_SHARE);
    });
    const Bytes tls12_exts = Hex("ff 01 00 01 00 00 17 00 00");
    msg.insert(msg.end(), tls12_exts.begin(), tls12_exts.end());
    size_t body_len = msg.size() - 4, block_len = 6 + tls12_exts.size();
    msg[1] = static_cast<uint8_t>(body_len >> 16);
    msg[2] = static_cast<uint8_t>(body_len >> 8);
    msg[3] = static_cast<uint8_t>(body_len);
    size_t at = msg.size() - block_len - 2;
    msg[at] = static_cast<uint8_t>(block_len >> 8);
    msg[at + 1] = static_cast<uint8_t>(block_len);
    ExpectRefused(msg, TLS_ALERT_ILLEGAL_PARAMETER,
                  "ServerHello.extensions: supported_versions not allowed here");
}

// A later version than TLS 1.3 in supported_versions is read as the TLS 1.3 form and refused
// because we did not offer it.
TEST_F(ClientSide, ServerHelloSelectingAnUnofferedLaterVersion) {
    Start();
    ExpectRefused(
        Hello(false, [](tlsio_server_hello *m) { m->extensions.selected_version = 0x0305; }),
        TLS_ALERT_ILLEGAL_PARAMETER, "ServerHello.supported_versions: 0x0305 was not offered");
}

TEST_F(ClientSide, Tls12ServerHelloToTls13OnlyClient) {
    // A client configured for TLS 1.3 only refuses a TLS 1.2 ServerHello.
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_3, TLS_VERSION_1_3));
    Start();
    ExpectRefused(Hello(false,
                        [](tlsio_server_hello *m) {
                            memset(&m->extensions, 0, sizeof(m->extensions));
                            m->extensions.absent = 1;
                            CBS_init(&m->legacy_session_id_echo, nullptr, 0);
                            m->cipher_suite = 0xc02b;
                        }),
                  TLS_ALERT_PROTOCOL_VERSION, "this client accepts TLS 1.3 only");
}

TEST_F(ClientSide, Tls12ServerHelloEchoingOurSessionIdIsAFakeResumption) {
    Start();
    ExpectRefused(Hello(false,
                        [](tlsio_server_hello *m) {
                            memset(&m->extensions, 0, sizeof(m->extensions));
                            m->extensions.absent = 1;
                            m->cipher_suite = 0xc02b;
                        }),
                  TLS_ALERT_ILLEGAL_PARAMETER, "resumes a session this client never had");
}

TEST_F(ClientSide, ServerHelloWithExtensionNeverSent) {
    Start();
    ExpectRefused(Hello(false,
                        [](tlsio_server_hello *m) {
                            tlsio_err err;
                            tlsio_err_clear(&err);
                            m->extensions.psk_selected_identity = 0;
                            EXPECT_EQ(
                                0, tlsio_exts_push(&m->extensions, TLSIO_EXT_PRE_SHARED_KEY, &err));
                        }),
                  TLS_ALERT_UNSUPPORTED_EXTENSION, "pre_shared_key extension was not requested");
}

TEST_F(ClientSide, ServerHelloWithShortKeyShare) {
    Start();
    Bytes short_pub(pub.begin(), pub.end() - 1);
    ExpectRefused(Hello(false,
                        [&](tlsio_server_hello *m) {
                            CBS_init(&m->extensions.key_share_server_share.key_exchange,
                                     short_pub.data(), short_pub.size());
                        }),
                  TLS_ALERT_ILLEGAL_PARAMETER, "x25519");
}

TEST_F(ClientSide, FinishedBeforeServerHello) {
    Start();
    ExpectRefused(HsMsg(TLSIO_HS_FINISHED, Bytes(32, 0)), TLS_ALERT_UNEXPECTED_MESSAGE,
                  "unexpected Finished in state WAIT_SH");
}

TEST_F(ClientSide, PlaintextApplicationDataBeforeServerHello) {
    Start();
    Feed(client, PlainRecord(23, {'h', 'i'}));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "application_data record before encryption is on"));
    EXPECT_TRUE(IsPlainAlert(Drain(client), TLS_ALERT_UNEXPECTED_MESSAGE));
}

TEST_F(ClientSide, CompatCcsIsDroppedOtherCcsIsNot) {
    Start();
    EXPECT_EQ(0, Feed(client, PlainRecord(20, {1})));
    EXPECT_EQ(0, Feed(client, PlainRecord(20, {1})));
    EXPECT_FALSE(tls_engine_status(client) & TLS_ST_FAILED);
    Feed(client, PlainRecord(20, {2}));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "change_cipher_spec body is not the single byte 0x01"));
    EXPECT_TRUE(IsPlainAlert(Drain(client), TLS_ALERT_UNEXPECTED_MESSAGE));
}

// ---- over a real exchange ------------------------------------------------------------------

TEST_F(Neg, ExtraCcsBeforeServerHelloIsDropped) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Feed(p.server, Drain(p.client));
    Bytes flight = Drain(p.server);
    std::vector<Record> recs = SplitRecords(flight);
    // Compatibility mode (RFC 8446 D.4): the server's CCS follows its ServerHello.
    ASSERT_GE(recs.size(), 3u);
    EXPECT_EQ(22, recs[0].type);
    EXPECT_EQ(PlainRecord(20, {1}), recs[1].bytes);
    Bytes wire = PlainRecord(20, {1});
    wire.insert(wire.end(), flight.begin(), flight.end());
    EXPECT_EQ(0, Feed(p.client, wire));
    Pump(p.client, p.server);
    EXPECT_TRUE(p.Connected()) << p.Errors();
}

TEST_F(Neg, CcsAfterTheHandshake) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    Feed(p.server, PlainRecord(20, {1}));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "change_cipher_spec record at a point it is not allowed"));
    Pump(p.client, p.server);
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT));
}

// Seals records under a TLS 1.3 traffic secret, from sequence number 0 on.
class Sealer {
  public:
    Sealer(const tlsio_suite *suite, const uint8_t *secret) {
        tlsio_err err;
        tlsio_err_clear(&err);
        tlsio_traffic_keys k;
        tlsio_rl_dir_init(&d_);
        EXPECT_EQ(0, tlsio_traffic_keys_derive(suite->hash, suite->aead, secret, &k, &err));
        EXPECT_EQ(0, tlsio_rl_set_tls13(&d_, suite->aead, k.key, k.key_len, k.iv, &err));
        tlsio_traffic_keys_wipe(&k);
    }
    ~Sealer() {
        tlsio_rl_dir_wipe(&d_);
    }
    Record Seal(uint8_t type, const Bytes &pt) {
        tlsio_err err;
        tlsio_err_clear(&err);
        Record r;
        r.type = 23;
        r.bytes.resize(TLSIO_RECORD_MAX_SEALED_LEN);
        memcpy(r.bytes.data() + tlsio_rl_seal_prefix_len(&d_), pt.data(), pt.size());
        size_t n = 0;
        EXPECT_EQ(0,
                  tlsio_rl_seal(&d_, type, r.bytes.data(), r.bytes.size(), pt.size(), 0, &n, &err))
            << err.msg;
        r.bytes.resize(n);
        return r;
    }

  private:
    tlsio_rl_dir d_;
};

TEST_F(Neg, EncryptedApplicationDataBeforeServerFinished) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Feed(p.server, Drain(p.client));
    std::vector<Record> recs = SplitRecords(Drain(p.server));
    ASSERT_GE(recs.size(), 3u);
    // Before the server's encrypted flight: application data under the server's handshake key
    // (sequence 0), which the client can decrypt but must refuse (RFC 8446 §2).
    Sealer sealer(p.server->suite, p.server->hs->h13.s_hs_secret);
    recs.insert(recs.begin() + 2, sealer.Seal(23, {'e', 'a', 'r', 'l'}));
    Feed(p.client, Join(recs));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "application data record before the handshake completed"));
    Pump(p.client, p.server);
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT));
}

TEST_F(Neg, KeyUpdateBeforeTheHandshakeCompletes) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    Feed(p.server, Drain(p.client));
    std::vector<Record> recs = SplitRecords(Drain(p.server));
    Sealer sealer(p.server->suite, p.server->hs->h13.s_hs_secret);
    recs.insert(recs.begin() + 2, sealer.Seal(22, HsMsg(24, {0})));
    Feed(p.client, Join(recs));
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "unexpected KeyUpdate in state WAIT_EE"));
    Pump(p.client, p.server);
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT));
}

// The server's encrypted flight (EncryptedExtensions .. Finished) resealed by the test in two
// records, the first ending inside a message, with `between` sealed in the middle.
void SplitEncryptedFlight(Neg *t,
                          const std::function<void(Sealer *, std::vector<Record> *)> &between,
                          bool expect_ok, const char *phrase) {
    EnginePair p(t->cfg.client, t->cfg.server, "example.com", t->pki.now());
    HsObserver sobs;
    sobs.Attach(p.server);
    Feed(p.server, Drain(p.client));
    std::vector<Record> recs = SplitRecords(Drain(p.server));
    ASSERT_EQ(5u, sobs.sent.size()); // ServerHello, EE, Certificate, CertificateVerify, Finished
    Bytes flight;
    for (size_t i = 1; i < sobs.sent.size(); i++)
        flight.insert(flight.end(), sobs.sent[i].begin(), sobs.sent[i].end());
    size_t cut = sobs.sent[1].size() + 10; // inside the Certificate
    Sealer sealer(p.server->suite, p.server->hs->h13.s_hs_secret);
    std::vector<Record> wire(recs.begin(), recs.begin() + 2); // ServerHello, CCS
    wire.push_back(sealer.Seal(22, Bytes(flight.begin(), flight.begin() + cut)));
    if (between) between(&sealer, &wire);
    wire.push_back(sealer.Seal(22, Bytes(flight.begin() + cut, flight.end())));
    Feed(p.client, Join(wire));
    Pump(p.client, p.server);
    if (expect_ok) {
        EXPECT_TRUE(p.Connected()) << p.Errors();
        return;
    }
    EXPECT_TRUE(FailedWith(p.client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL, phrase));
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT));
}

TEST_F(Neg, EncryptedFlightSplitAcrossRecordsIsFine) {
    SplitEncryptedFlight(this, nullptr, true, "");
}

TEST_F(Neg, SplitHandshakeMessageInterruptedByApplicationData) {
    SplitEncryptedFlight(
        this, [](Sealer *s, std::vector<Record> *w) { w->push_back(s->Seal(23, {'x'})); }, false,
        "application data record");
}

TEST_F(Neg, SplitHandshakeMessageInterruptedByAlert) {
    SplitEncryptedFlight(
        this,
        [](Sealer *s, std::vector<Record> *w) {
            w->push_back(s->Seal(21, {1, 0}));
        },
        false, "alert record");
}

// ---- rejected 0-RTT (RFC 8446 §4.2.10) -----------------------------------------------------

// Makes the ClientHello offer 0-RTT (early_data, psk_key_exchange_modes, a pre_shared_key the
// server cannot use) and makes the client's transcript take the edited message, so the
// handshake can still complete: our client never sends early data itself.
void OfferEarlyData(ServerSide *t) {
    t->ch.exts.emplace_back(kExtEarlyData, Bytes());
    t->ch.Remove(kExtPskModes); // moved after early_data: pre_shared_key stays last
    t->ch.exts.emplace_back(kExtPskModes, Bytes{0x01, 0x01});
    Bytes psk = Hex("000a 0004 7469636b 00000000 0021 20");
    psk.resize(psk.size() + 32, 0x11);
    t->ch.exts.emplace_back(kExtPsk, psk);
    Bytes msg = t->ch.Encode();
    tlsio_transcript_init(&t->client->hs->transcript);
    tlsio_transcript_update(&t->client->hs->transcript, msg.data(), msg.size());
}

// A hello may list thousands of PSK identities; the server opens at most PSK_TRIES of them
// (each is an AEAD open) and, none opening, runs a full handshake.
TEST_F(ServerSide, ThousandPskIdentitiesCostAFewTicketOpensThenAFullHandshake) {
    const size_t n = 1000;
    Bytes ids, binders;
    for (size_t i = 0; i < n; i++) {
        Bytes id = Hex("0004 7469636b 00000000");
        ids.insert(ids.end(), id.begin(), id.end());
        binders.push_back(32);
        binders.insert(binders.end(), 32, 0x11);
    }
    Bytes psk;
    psk.push_back((uint8_t)(ids.size() >> 8));
    psk.push_back((uint8_t)ids.size());
    psk.insert(psk.end(), ids.begin(), ids.end());
    psk.push_back((uint8_t)(binders.size() >> 8));
    psk.push_back((uint8_t)binders.size());
    psk.insert(psk.end(), binders.begin(), binders.end());
    ch.exts.emplace_back(kExtPsk, psk); // after psk_key_exchange_modes, last
    Bytes msg = ch.Encode();
    tlsio_transcript_init(&client->hs->transcript);
    tlsio_transcript_update(&client->hs->transcript, msg.data(), msg.size());
    Send();
    Pump(client, server);
    ASSERT_TRUE(tls_engine_status(server) & TLS_ST_CONNECTED) << tls_engine_error(server);
    EXPECT_TRUE(tls_engine_status(client) & TLS_ST_CONNECTED) << tls_engine_error(client);
    EXPECT_EQ(0, tls_engine_resumed(server));
}

// RFC 8446 §4.6.1, §4.2.9: a client whose psk_key_exchange_modes lacks psk_dhe_ke (here
// psk_ke alone, which tlsio never accepts) could not use our tickets: none are sent.
TEST_F(ServerSide, NoTicketsForAClientWithoutPskDheKe) {
    *ch.Find(kExtPskModes) = Bytes{0x01, 0x00};
    Bytes msg = ch.Encode();
    tlsio_transcript_init(&client->hs->transcript);
    tlsio_transcript_update(&client->hs->transcript, msg.data(), msg.size());
    Send();
    Pump(client, server);
    ASSERT_TRUE(tls_engine_status(client) & TLS_ST_CONNECTED) << tls_engine_error(client);
    ASSERT_TRUE(tls_engine_status(server) & TLS_ST_CONNECTED) << tls_engine_error(server);
    EXPECT_EQ(nullptr, tls_engine_take_session(client));
}

TEST_F(Neg, TlsOneThreeOnlyWithNoSuiteInCommonIsHandshakeFailure) {
    // RFC 8446 §4.1.1: no common parameters is handshake_failure; protocol_version is for no
    // version in common (§4.2.1), and TLS 1.3 is common here.
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_3, TLS_VERSION_1_3));
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.client, "TLS_AES_256_GCM_SHA384"));
    ASSERT_EQ(0, tls_config_set_ciphers(cfg.server, "TLS_AES_128_GCM_SHA256"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "no TLS 1.3 suite in common"));
}

// Records the client would have protected with its early traffic key: to the server, which
// does not have that key, they are undecryptable.
Bytes EarlyRecords(const std::vector<size_t> &sizes) {
    Bytes out;
    for (size_t n : sizes) {
        Bytes r = PlainRecord(23, Bytes(n, 0xe0));
        out.insert(out.end(), r.begin(), r.end());
    }
    return out;
}

// The ClientHello offering 0-RTT, a compatibility CCS and early records of 100, 1000 and
// 2^14 + 256 bytes go to the server, which skips the early data: the handshake completes.
void SkipEarlyDataAndConnect(ServerSide *t) {
    OfferEarlyData(t);
    Bytes wire = PlainRecord(22, t->ch.Encode());
    Bytes ccs = PlainRecord(20, {1}), early = EarlyRecords({100, 1000, 16384 + 256});
    wire.insert(wire.end(), ccs.begin(), ccs.end());
    wire.insert(wire.end(), early.begin(), early.end());
    EXPECT_EQ(0, Feed(t->server, wire)) << tls_engine_error(t->server);
    Pump(t->client, t->server);
    ASSERT_TRUE(tls_engine_status(t->client) & TLS_ST_CONNECTED) << tls_engine_error(t->client);
    ASSERT_TRUE(tls_engine_status(t->server) & TLS_ST_CONNECTED) << tls_engine_error(t->server);
}

TEST_F(ServerSide, RejectedEarlyDataIsSkipped) {
    SkipEarlyDataAndConnect(this);
    ASSERT_TRUE(WriteAll(client, "1-RTT data"));
    Pump(client, server);
    EXPECT_EQ("1-RTT data", ReadAll(server));
}

// RFC 8449 §4 binds a record to the limits of the handshake that made its key: early data
// predates our record_size_limit, so records over it are skipped too, not record_overflow.
TEST_F(ServerSide, RejectedEarlyDataIsSkippedWhateverOurRecordSizeLimit) {
    tls_engine_free(server);
    tls_config *scfg = tls_config_new();
    ASSERT_TRUE(AddChain(scfg, leaf));
    ASSERT_EQ(0, tls_config_set_record_size_limit(scfg, 100));
    server = tls_engine_new_server(scfg);
    tls_config_free(scfg);
    tls_engine_set_time(server, pki.now());
    SkipEarlyDataAndConnect(this);
    EXPECT_EQ(101, server->rd.size_limit);
    ASSERT_TRUE(WriteAll(client, std::string(300, 'd')));
    Pump(client, server);
    EXPECT_EQ(std::string(300, 'd'), ReadAll(server));
}

TEST_F(ServerSide, RejectedEarlyDataHasACap) {
    OfferEarlyData(this);
    Bytes wire = PlainRecord(22, ch.Encode());
    Bytes early = EarlyRecords({16000, 16000, 16000, 16000, 16000});
    wire.insert(wire.end(), early.begin(), early.end());
    Feed(server, wire);
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "rejected early data: more than 65536 bytes to skip"));
    Feed(client, Drain(server));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PEER_ALERT));
}

TEST_F(ServerSide, UndecryptableRecordWithoutEarlyDataOffered) {
    Bytes wire = PlainRecord(22, ch.Encode());
    Bytes early = EarlyRecords({100});
    wire.insert(wire.end(), early.begin(), early.end());
    Feed(server, wire);
    EXPECT_TRUE(
        FailedWith(server, TLS_ALERT_BAD_RECORD_MAC, TLS_ERRCAT_PROTOCOL, "authentication failed"));
}

TEST_F(ServerSide, RejectedEarlyDataSkippedAfterHelloRetryRequest) {
    tls_engine_free(server);
    tls_config *scfg = tls_config_new();
    ASSERT_TRUE(AddChain(scfg, leaf));
    ASSERT_EQ(0, tls_config_set_groups(scfg, "secp256r1"));
    server = tls_engine_new_server(scfg);
    tls_config_free(scfg);
    OfferEarlyData(this);
    Bytes wire = PlainRecord(22, ch.Encode());
    // Full-size early records are TLSCiphertext (2^14 + 256), more than a plaintext record may
    // hold, although the server still reads plaintext after its HelloRetryRequest.
    Bytes early = EarlyRecords({500, 16384 + 256, 600});
    wire.insert(wire.end(), early.begin(), early.end());
    EXPECT_EQ(0, Feed(server, wire)) << tls_engine_error(server);
    Pump(client, server);
    EXPECT_TRUE(tls_engine_status(client) & TLS_ST_CONNECTED) << tls_engine_error(client);
    EXPECT_TRUE(tls_engine_status(server) & TLS_ST_CONNECTED) << tls_engine_error(server);
    EXPECT_EQ(0x0017, tls_engine_group(server));
}

TEST_F(ServerSide, EarlyDataInSecondClientHello) {
    tls_engine_free(server);
    tls_config *scfg = tls_config_new();
    ASSERT_TRUE(AddChain(scfg, leaf));
    ASSERT_EQ(0, tls_config_set_groups(scfg, "secp256r1"));
    server = tls_engine_new_server(scfg);
    tls_config_free(scfg);
    Send(); // ClientHello1 -> HelloRetryRequest -> client
    std::vector<Record> recs = SplitRecords(Drain(client));
    ASSERT_EQ(2u, recs.size()); // CCS, ClientHello2
    tlsio_test::Hello ch2;
    ASSERT_TRUE(ch2.Parse(Bytes(recs[1].bytes.begin() + 5, recs[1].bytes.end())));
    ch2.exts.emplace_back(kExtEarlyData, Bytes());
    Feed(server, PlainRecord(22, ch2.Encode()));
    EXPECT_TRUE(FailedWith(server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                           "early_data after HelloRetryRequest"));
}

// ---- the second ClientHello (RFC 8446 §4.1.2) ----------------------------------------------

// The server takes P-256 only, so the client's x25519 hello gets a HelloRetryRequest; the
// client's second ClientHello, edited, goes to the server. Returns the server's feed result.
int FeedEditedSecondHello(HelloExchange *t, const Cert &leaf,
                          const std::function<void(Hello &)> &edit) {
    tls_engine_free(t->server);
    tls_config *scfg = tls_config_new();
    EXPECT_TRUE(AddChain(scfg, leaf));
    EXPECT_EQ(0, tls_config_set_groups(scfg, "secp256r1"));
    t->server = tls_engine_new_server(scfg);
    tls_config_free(scfg);
    t->Send(); // ClientHello1 -> HelloRetryRequest -> client
    std::vector<Record> recs = SplitRecords(Drain(t->client));
    EXPECT_EQ(2u, recs.size()); // CCS, ClientHello2
    Hello ch2;
    if (recs.size() != 2 || !ch2.Parse(Bytes(recs[1].bytes.begin() + 5, recs[1].bytes.end())))
        return -1;
    edit(ch2);
    return Feed(t->server, PlainRecord(22, ch2.Encode()));
}

constexpr uint16_t kExtServerName = 0, kExtSigAlgs = 13, kExtPadding = 21, kExtVersions = 43,
                   kExtCookie = 44;

size_t IndexOf(const Hello &h, uint16_t type) {
    for (size_t i = 0; i < h.exts.size(); i++)
        if (h.exts[i].first == type) return i;
    ADD_FAILURE() << "no extension " << type;
    return 0;
}

struct SecondHelloChange {
    const char *name;
    std::function<void(Hello &)> edit;
    const char *phrase;
};

TEST_F(ServerSide, SecondClientHelloMayOnlyChangeWhatTheRfcAllows) {
    const SecondHelloChange cases[] = {
        {"legacy_version", [](Hello &h) { h.prefix[1] = 0x01; }, "legacy_version changed"},
        {"random", [](Hello &h) { h.prefix[2 + 31] ^= 1; }, "random changed"},
        {"session id", [](Hello &h) { h.prefix[2 + 32 + 1] ^= 1; }, "legacy_session_id changed"},
        {"suite order",
         [](Hello &h) {
             size_t at = 2 + 32 + 1 + h.prefix[2 + 32] + 2; // the first suite
             std::swap(h.prefix[at], h.prefix[at + 2]);
             std::swap(h.prefix[at + 1], h.prefix[at + 3]);
         },
         "cipher_suites changed"},
        {"signature schemes",
         [](Hello &h) {
             Bytes &b = h.exts[IndexOf(h, kExtSigAlgs)].second;
             b.resize(b.size() - 2);
             b[1] = (uint8_t)(b[1] - 2);
         },
         "extensions.signature_algorithms changed"},
        {"versions",
         [](Hello &h) {
             h.exts[IndexOf(h, kExtVersions)].second = Bytes{0x02, 0x03, 0x04};
         },
         "extensions.supported_versions changed"},
        {"server_name dropped", [](Hello &h) { h.Remove(kExtServerName); },
         "extensions (server_name removed)"},
        {"unknown extension added", [](Hello &h) { h.exts.emplace_back(0xfafa, Bytes()); },
         "extensions (extension 0xfafa added)"},
        {"unknown extension added first",
         [](Hello &h) {
             h.exts.insert(h.exts.begin(), {0xfafa, Bytes()});
         },
         "extensions (extension 0xfafa added)"},
        {"cookie added",
         [](Hello &h) {
             h.exts.emplace_back(kExtCookie, Bytes{0, 1, 7});
         },
         "extensions (cookie added)"},
        {"reordered",
         [](Hello &h) {
             std::swap(h.exts[IndexOf(h, kExtSigAlgs)], h.exts[IndexOf(h, kExtVersions)]);
         },
         "extensions (order: supported_versions where the first had signature_algorithms)"},
        {"pre_shared_key added",
         [](Hello &h) {
             Bytes psk = Hex("000a 0004 7469636b 00000000 0021 20");
             psk.resize(psk.size() + 32, 0x11);
             h.exts.emplace_back(kExtPsk, psk);
         },
         "extensions (pre_shared_key added)"},
    };
    for (const SecondHelloChange &c : cases) {
        SCOPED_TRACE(c.name);
        HelloExchange x;
        x.Begin(NewEngine(false), NewEngine(true));
        EXPECT_NE(0, FeedEditedSecondHello(&x, leaf, c.edit));
        EXPECT_TRUE(
            FailedWith(x.server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL, c.phrase));
        EXPECT_TRUE(FailedWith(x.server, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL,
                               "RFC 8446 §4.1.2"));
    }
}

// Padding may come, go or change (RFC 8446 §4.1.2, RFC 7685).
TEST_F(ServerSide, SecondClientHelloMayAddPadding) {
    EXPECT_EQ(0,
              FeedEditedSecondHello(this, leaf,
                                    [](Hello &h) {
                                        h.exts.insert(h.exts.begin(), {kExtPadding, Bytes(100, 0)});
                                    }))
        << tls_engine_error(server);
    EXPECT_EQ(0, tls_engine_error_code(server)) << tls_engine_error(server);
    EXPECT_TRUE(tls_engine_status(server) & TLS_ST_HAS_SEND);
}

TEST_F(ServerSide, UnchangedSecondClientHelloConnects) {
    EXPECT_EQ(0, FeedEditedSecondHello(this, leaf, [](Hello &) {})) << tls_engine_error(server);
    Pump(client, server);
    EXPECT_TRUE(tls_engine_status(client) & TLS_ST_CONNECTED) << tls_engine_error(client);
    EXPECT_TRUE(tls_engine_status(server) & TLS_ST_CONNECTED) << tls_engine_error(server);
    EXPECT_EQ(0x0017, tls_engine_group(server));
}

// Dispatches one handshake message to a client put in the named state of its TLS 1.3 table.
int DispatchInState(tls_engine *e, const char *state, const Bytes &msg) {
    const tlsio_hs_table *t = e->table;
    for (uint8_t st = 0; st < t->n_states; st++)
        if (std::string(t->state_names[st]) == state) e->state = st;
    EXPECT_EQ(std::string(state), t->state_names[e->state]);
    tlsio_hs_msg m;
    m.type = msg[0];
    m.raw = msg.data();
    m.raw_len = msg.size();
    m.body = msg.data() + 4;
    m.len = msg.size() - 4;
    return tlsio_dispatch(e, &m);
}

// RFC 8446 §4.3.2: a CertificateRequest inside the handshake has an empty context; only
// post-handshake authentication (which tlsio does not do) uses one.
TEST_F(ClientSide, CertificateRequestWithContextInTheHandshake) {
    Start();
    static const uint8_t context[] = {1, 2, 3};
    static const uint8_t sigalgs[] = {0x04, 0x03};
    tlsio_certificate_request13 cr;
    memset(&cr, 0, sizeof(cr));
    CBS_init(&cr.certificate_request_context, context, sizeof(context));
    CBS_init(&cr.extensions.signature_algorithms, sigalgs, sizeof(sigalgs));
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_exts_push(&cr.extensions, TLSIO_EXT_SIGNATURE_ALGORITHMS, &err));
    Bytes msg = EncodeHs(TLSIO_HS_CERTIFICATE_REQUEST, &tlsio_codec_certificate_request13, &cr);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, DispatchInState(client, "WAIT_CERT_CR", msg));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "CertificateRequest.certificate_request_context: length 3, must be "
                           "empty in the handshake"));
}

// RFC 8446 §4.4.2: the server's Certificate has an empty context.
TEST_F(ClientSide, ServerCertificateWithContext) {
    Start();
    static const uint8_t context[] = {9};
    tlsio_certificate13 c;
    memset(&c, 0, sizeof(c));
    CBS_init(&c.certificate_request_context, context, sizeof(context));
    CBS_init(&c.certificate_list, nullptr, 0);
    Bytes msg = EncodeHs(TLSIO_HS_CERTIFICATE, &tlsio_codec_certificate13, &c);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, DispatchInState(client, "WAIT_CERT_CR", msg));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL,
                           "server Certificate.certificate_request_context: length 1, must be "
                           "empty for server authentication"));
}

} // namespace
