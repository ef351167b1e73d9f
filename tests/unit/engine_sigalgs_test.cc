// Signature scheme preferences (tls_config_set_signature_schemes) through whole handshakes:
// what a client offers in signature_algorithms (RFC 8446 §4.2.3), that a peer signing with a
// scheme we did not offer is refused with illegal_parameter (RFC 8446 §4.4.3, RFC 5246
// §7.4.1.4.1), that a server signs with the first of its own list the client accepts, and the
// getters for the scheme the peer signed with. (A client's own CertificateVerify choice is in
// engine_client_auth_test.cc.)
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine.h"
#include "engine_testing.h"
#include "enginepair.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class Sigalgs : public EngineFixture {
  public:
    const Cert &ecdsa = leaf;
    Cert rsa = pki.MakeLeaf(root, {.dns = {"example.com"}, .key = KeyType::kRsa2048});

    void SetUp() override {} // each test picks its server's chain with Use()
    void Use(const Cert &server_leaf) {
        MakeConfigs(&cfg, root, server_leaf);
    }
    // The signature_algorithms body (u16 length + list) of the client's first ClientHello.
    Bytes OfferedBody() {
        tls_engine *c = tls_engine_new_client(cfg.client, "example.com");
        EXPECT_NE(nullptr, c);
        if (c == nullptr) return {};
        std::vector<Record> recs = SplitRecords(Drain(c));
        tls_engine_free(c);
        EXPECT_FALSE(recs.empty());
        if (recs.empty()) return {};
        Hello h;
        EXPECT_TRUE(h.Parse(Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end())));
        Bytes *b = h.Find(13);
        EXPECT_NE(nullptr, b);
        return b ? *b : Bytes{};
    }
};

// The body of an u16 list as it travels: length, then the values.
Bytes ListBody(const std::vector<uint16_t> &v) {
    Bytes out = {(uint8_t)(v.size() * 2 >> 8), (uint8_t)(v.size() * 2)};
    for (uint16_t x : v) {
        out.push_back((uint8_t)(x >> 8));
        out.push_back((uint8_t)x);
    }
    return out;
}

// ---- what the client offers ---------------------------------------------------------------

TEST_F(Sigalgs, DefaultClientHelloOffersTheDefaultList) {
    Use(ecdsa);
    EXPECT_EQ(ListBody({0x0403, 0x0503, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601}),
              OfferedBody());
}

TEST_F(Sigalgs, ClientHelloOffersExactlyTheConfiguredListInOrder) {
    Use(ecdsa);
    ASSERT_EQ(0, tls_config_set_versions(cfg.client, TLS_VERSION_1_2, TLS_VERSION_1_2));
    ASSERT_EQ(0, tls_config_set_signature_schemes(
                     cfg.client, "rsa_pkcs1_sha256:ecdsa_secp384r1_sha384:rsa_pss_rsae_sha512"));
    EXPECT_EQ(ListBody({0x0401, 0x0503, 0x0806}), OfferedBody());
}

// RFC 8446 §4.2.3: a client offering rsa_pkcs1_* for TLS 1.2 lists them after all others.
TEST_F(Sigalgs, ClientHelloOfferingTls13ListsRsaPkcs1Last) {
    Use(ecdsa);
    ASSERT_EQ(0, tls_config_set_signature_schemes(
                     cfg.client, "rsa_pkcs1_sha384:ed25519:rsa_pkcs1_sha256:rsa_pss_rsae_sha256"));
    EXPECT_EQ(ListBody({0x0807, 0x0804, 0x0501, 0x0401}), OfferedBody());
}

// ---- which scheme the server signs with, and the getters ----------------------------------

struct SignCase {
    uint16_t max_version;
    const char *server_list; // nullptr: the default
    const char *client_list; // nullptr: the default
    uint16_t want;
};

void ExpectServerSigned(Sigalgs *t, const SignCase &c) {
    t->Use(t->rsa);
    ASSERT_EQ(0, tls_config_set_versions(t->cfg.server, TLS_VERSION_1_2, c.max_version));
    if (c.server_list) {
        ASSERT_EQ(0, tls_config_set_signature_schemes(t->cfg.server, c.server_list));
    }
    if (c.client_list) {
        ASSERT_EQ(0, tls_config_set_signature_schemes(t->cfg.client, c.client_list));
    }
    EnginePair p(t->cfg.client, t->cfg.server, "example.com", t->pki.now());
    EXPECT_EQ(0, tls_engine_peer_signature_scheme(p.client)); // nothing signed yet
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(c.max_version, tls_engine_version(p.client));
    EXPECT_EQ(c.want, tls_engine_peer_signature_scheme(p.client))
        << tls_signature_scheme_name(tls_engine_peer_signature_scheme(p.client));
    EXPECT_EQ(0, tls_engine_peer_signature_scheme(p.server)); // the client did not sign
}

// Default: the client's order decides (rsa_pss_rsae_sha256 comes first in its list).
TEST_F(Sigalgs, Tls13DefaultServerFollowsTheClientsOrder) {
    ExpectServerSigned(this, {TLS_VERSION_1_3, nullptr, nullptr, 0x0804});
}

TEST_F(Sigalgs, Tls12DefaultServerFollowsTheClientsOrder) {
    ExpectServerSigned(this, {TLS_VERSION_1_2, nullptr, nullptr, 0x0804});
}

// RFC 8446 §4.2.3 leaves the choice among the client's schemes to the signer: with a list of
// its own the server signs with the first of it that the client offers.
TEST_F(Sigalgs, Tls13ServerSignsWithTheFirstOfItsListTheClientAccepts) {
    ExpectServerSigned(
        this, {TLS_VERSION_1_3, "rsa_pss_rsae_sha512:rsa_pss_rsae_sha256", nullptr, 0x0806});
}

// rsa_pkcs1_sha256 is offered but no TLS 1.3 CertificateVerify scheme (RFC 8446 §4.2.3);
// rsa_pss_rsae_sha512 is not offered; rsa_pss_rsae_sha384 is the first that serves.
TEST_F(Sigalgs, Tls13ServerSkipsRsaPkcs1AndWhatTheClientDoesNotOffer) {
    ExpectServerSigned(this,
                       {TLS_VERSION_1_3, "rsa_pkcs1_sha256:rsa_pss_rsae_sha512:rsa_pss_rsae_sha384",
                        "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pkcs1_sha256", 0x0805});
}

// RFC 5246 §7.4.1.4.1: the same rule for the TLS 1.2 ServerKeyExchange; rsa_pkcs1 is fine.
TEST_F(Sigalgs, Tls12ServerSignsWithTheFirstOfItsListTheClientAccepts) {
    ExpectServerSigned(this,
                       {TLS_VERSION_1_2, "rsa_pkcs1_sha384:rsa_pss_rsae_sha256", nullptr, 0x0501});
}

// No scheme in common with the server's list: handshake_failure, saying the list narrowed it.
TEST_F(Sigalgs, Tls13ServerWithNothingInCommonFails) {
    Use(rsa);
    ASSERT_EQ(0, tls_config_set_signature_schemes(cfg.server, "rsa_pss_rsae_sha512"));
    ASSERT_EQ(0, tls_config_set_signature_schemes(cfg.client, "rsa_pss_rsae_sha256"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "ClientHello.signature_algorithms: none matches our certificate keys "
                           "within our configured signature schemes"));
}

// ---- the signing list (tls_config_set_signing_schemes) --------------------------------------

// The signing list alone decides what the server signs with; the client's list still
// decides what the client accepts.
TEST_F(Sigalgs, Tls13ServerSigningListOverridesItsAcceptedList) {
    Use(rsa);
    ASSERT_EQ(0, tls_config_set_signature_schemes(cfg.server, "rsa_pss_rsae_sha256"));
    ASSERT_EQ(0, tls_config_set_signing_schemes(cfg.server, "rsa_pss_rsae_sha384"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(0x0805, tls_engine_peer_signature_scheme(p.client));
}

// What BoringSSL's separate prefs exist for: a client that signs only with
// rsa_pss_rsae_sha512 yet accepts a server signing with rsa_pss_rsae_sha256 (one list could
// not say both for an RSA client). Both versions.
TEST_F(Sigalgs, ClientSignsWithItsSigningListAndAcceptsItsAcceptedList) {
    for (uint16_t v : {TLS_VERSION_1_2, TLS_VERSION_1_3}) {
        SCOPED_TRACE(v);
        Configs c; // one pair per version
        MakeConfigs(&c, root, rsa);
        Cert client =
            pki.MakeLeaf(root, {.key = KeyType::kRsa2048, .cn = "client", .eku = Eku::kClientAuth});
        ASSERT_EQ(0, tls_config_set_versions(c.client, TLS_VERSION_1_2, v));
        ASSERT_EQ(0, tls_config_set_signature_schemes(c.client,
                                                      "rsa_pss_rsae_sha256:rsa_pss_rsae_sha512"));
        ASSERT_EQ(0, tls_config_set_signing_schemes(c.server, "rsa_pss_rsae_sha256"));
        ASSERT_EQ(0, tls_config_set_signing_schemes(c.client, "rsa_pss_rsae_sha512"));
        // The server accepts (and so asks for) rsa_pss_rsae_sha512 from the client only.
        ASSERT_EQ(0, tls_config_set_signature_schemes(c.server, "rsa_pss_rsae_sha512"));
        ASSERT_EQ(0, tls_config_set_client_verify(c.server, TLS_CLIENT_VERIFY_REQUIRED));
        std::string ca = root.cert_pem();
        ASSERT_EQ(0, tls_config_add_client_ca_pem(c.server, ca.data(), ca.size()));
        ASSERT_TRUE(AddChain(c.client, client));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ(0x0804, tls_engine_peer_signature_scheme(p.client));
        EXPECT_EQ(0x0806, tls_engine_peer_signature_scheme(p.server));
    }
}

// Nothing of the signing list that the peer accepts: handshake_failure naming the list.
TEST_F(Sigalgs, Tls13ServerSigningListWithNothingInCommonFails) {
    Use(rsa);
    ASSERT_EQ(0, tls_config_set_signing_schemes(cfg.server, "rsa_pss_rsae_sha512"));
    ASSERT_EQ(0, tls_config_set_signature_schemes(cfg.client, "rsa_pss_rsae_sha256"));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "ClientHello.signature_algorithms: none matches our certificate keys "
                           "within our configured signing schemes"));
}

// ---- a peer signing with a scheme we did not offer ----------------------------------------

// Rewrites the u16 at `offset` in the body of the first outgoing message of `type` (after our
// transcript took it, so only the receiver's check can notice).
struct SetU16 {
    uint8_t type;
    size_t offset;
    uint16_t value;
    int seen = 0;
};

void SetU16Hook(void *ctx, uint8_t *msg, size_t len) {
    SetU16 *s = static_cast<SetU16 *>(ctx);
    if (msg[0] != s->type || s->seen++ != 0 || 4 + s->offset + 2 > len) return;
    msg[4 + s->offset] = (uint8_t)(s->value >> 8);
    msg[4 + s->offset + 1] = (uint8_t)s->value;
}

struct RefuseCase {
    bool rsa_server;
    uint16_t max_version;
    const char *client_list; // nullptr: the default
    uint8_t type;            // the message whose algorithm is rewritten
    size_t offset;           // of the algorithm in its body
    uint16_t value;
    int code;
    const char *phrase;
};

void ExpectRefused(Sigalgs *t, const RefuseCase &c) {
    t->Use(c.rsa_server ? t->rsa : t->ecdsa);
    ASSERT_EQ(0, tls_config_set_versions(t->cfg.server, TLS_VERSION_1_2, c.max_version));
    if (c.client_list) {
        ASSERT_EQ(0, tls_config_set_signature_schemes(t->cfg.client, c.client_list));
    }
    EnginePair p(t->cfg.client, t->cfg.server, "example.com", t->pki.now());
    SetU16 hook{c.type, c.offset, c.value};
    tlsio_testing_set_tamper(p.server, SetU16Hook, &hook);
    p.Handshake();
    EXPECT_EQ(1, hook.seen);
    EXPECT_TRUE(FailedWith(p.client, c.code, TLS_ERRCAT_PROTOCOL, c.phrase));
    EXPECT_TRUE(FailedWith(p.server, c.code, TLS_ERRCAT_PEER_ALERT, tls_error_code_name(c.code)));
    EXPECT_EQ(0, tls_engine_peer_signature_scheme(p.client));
}

// The TLS 1.2 ServerKeyExchange body (RFC 8422 §5.4) with x25519: curve_type(1),
// named_curve(2), the 32-byte point with its length byte, then the algorithm.
constexpr size_t kSkeAlgorithm = 1 + 2 + 1 + 32;

// RFC 8446 §4.4.3: the CertificateVerify algorithm must be one we offered.
TEST_F(Sigalgs, Tls13CertificateVerifyOutsideOurListIsIllegalParameter) {
    ExpectRefused(this, {false, TLS_VERSION_1_3, "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256",
                         TLSIO_HS_CERTIFICATE_VERIFY, 0, 0x0503, TLS_ALERT_ILLEGAL_PARAMETER,
                         "server CertificateVerify.algorithm: 0x0503 (ecdsa_secp384r1_sha384) "
                         "was not offered in our signature_algorithms"});
}

// With the default list the same scheme was offered: the refusal comes later, from the key.
TEST_F(Sigalgs, Tls13CertificateVerifyInTheDefaultListFailsOnTheKeyInstead) {
    ExpectRefused(this, {false, TLS_VERSION_1_3, nullptr, TLSIO_HS_CERTIFICATE_VERIFY, 0, 0x0503,
                         TLS_ALERT_ILLEGAL_PARAMETER,
                         "server CertificateVerify: ecdsa_secp384r1_sha384 does not match the "
                         "ECDSA P-256 certificate key"});
}

// RFC 8446 §4.2.3: rsa_pkcs1_* offered (for TLS 1.2) never sign a TLS 1.3 CertificateVerify.
TEST_F(Sigalgs, Tls13RsaPkcs1CertificateVerifyIsIllegalParameterEvenWhenOffered) {
    ExpectRefused(this, {true, TLS_VERSION_1_3, "rsa_pss_rsae_sha256:rsa_pkcs1_sha256",
                         TLSIO_HS_CERTIFICATE_VERIFY, 0, 0x0401, TLS_ALERT_ILLEGAL_PARAMETER,
                         "server CertificateVerify.algorithm: rsa_pkcs1_sha256 is not allowed in "
                         "TLS 1.3 (RFC 8446 §4.2.3)"});
}

// RFC 5246 §7.4.1.4.1: the ServerKeyExchange must use a pair the client listed.
TEST_F(Sigalgs, Tls12ServerKeyExchangeOutsideOurListIsIllegalParameter) {
    ExpectRefused(this,
                  {false, TLS_VERSION_1_2, "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256",
                   TLSIO_HS_SERVER_KEY_EXCHANGE, kSkeAlgorithm, 0x0503, TLS_ALERT_ILLEGAL_PARAMETER,
                   "ServerKeyExchange.algorithm: 0x0503 was not offered "
                   "(ecdsa_secp384r1_sha384 is not in our signature_algorithms)"});
}

// In TLS 1.2 an ECDSA scheme names only the hash: with the default list 0x0503 was offered
// and fits the P-256 key, so only the signature (made with SHA-256) fails.
TEST_F(Sigalgs, Tls12ServerKeyExchangeInTheDefaultListFailsOnTheSignatureInstead) {
    ExpectRefused(this, {false, TLS_VERSION_1_2, nullptr, TLSIO_HS_SERVER_KEY_EXCHANGE,
                         kSkeAlgorithm, 0x0503, TLS_ALERT_DECRYPT_ERROR,
                         "ServerKeyExchange: signature does not verify with "
                         "ecdsa_secp384r1_sha384"});
}

} // namespace
