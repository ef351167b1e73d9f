// Client certificates on the server side: tls_config_set_client_verify (RFC 8446 §4.3.2,
// §4.4.2.4, §4.4.3; RFC 5246 §7.4.4, §7.4.6, §7.4.8), with a tlsio client answering.
//
// Each case runs in TLS 1.3 and TLS 1.2: required / optional x a chain sent / none x a valid,
// untrusted, serverAuth-only or expired chain, and a CertificateVerify whose signature does
// not verify. Every failure is checked for its alert and its sentence.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <openssl/mem.h>
#include <openssl/x509.h>

#include "engine.h"
#include "enginepair.h"
#include "msgs.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class ServerClientAuth : public EngineFixtureP<uint16_t> {
  public:
    const Cert &server_leaf = leaf;
    Cert client_root = pki.MakeCa("Client Root");

    void SetUp() override {
        EngineFixtureP<uint16_t>::SetUp();
        ASSERT_EQ(0, tls_config_set_versions(cfg.server, GetParam(), GetParam()));
    }
    uint16_t version() const {
        return GetParam();
    }
    void Verify(int mode) {
        ASSERT_EQ(0, tls_config_set_client_verify(cfg.server, mode));
        std::string pem = client_root.cert_pem();
        ASSERT_EQ(0, tls_config_add_client_ca_pem(cfg.server, pem.data(), pem.size()))
            << tls_config_error(cfg.server);
    }
    Cert ClientLeaf(CertOptions o = {.cn = "client", .eku = Eku::kClientAuth}) {
        return pki.MakeLeaf(client_root, o);
    }
    // The alert the required-but-empty case gets in this version.
    int EmptyAlert() const {
        return version() == TLS_VERSION_1_3 ? TLS_ALERT_CERTIFICATE_REQUIRED
                                            : TLS_ALERT_HANDSHAKE_FAILURE;
    }
};

std::string SubjectOf(tls_engine *e) {
    const char *s = tls_engine_peer_subject(e);
    return s ? s : "(null)";
}

TEST_P(ServerClientAuth, RequiredValidChainIsVerified) {
    Verify(TLS_CLIENT_VERIFY_REQUIRED);
    ASSERT_TRUE(AddChain(cfg.client, ClientLeaf()));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.Attach(p.client);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(version(), tls_engine_version(p.server));
    EXPECT_EQ("CN=client", SubjectOf(p.server));
    EXPECT_NE(0, tls_engine_peer_signature_scheme(p.server));
    EXPECT_EQ(1, obs.Count(TLSIO_HS_CERTIFICATE));
    EXPECT_EQ(1, obs.Count(TLSIO_HS_CERTIFICATE_VERIFY));
}

TEST_P(ServerClientAuth, OptionalValidChainIsVerified) {
    Verify(TLS_CLIENT_VERIFY_OPTIONAL);
    ASSERT_TRUE(AddChain(
        cfg.client,
        ClientLeaf({.key = KeyType::kRsa2048, .cn = "rsa client", .eku = Eku::kServerAndClient})));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ("CN=rsa client", SubjectOf(p.server));
}

TEST_P(ServerClientAuth, Ed25519ChainIsVerified) {
    Verify(TLS_CLIENT_VERIFY_REQUIRED);
    ASSERT_TRUE(AddChain(
        cfg.client,
        ClientLeaf({.key = KeyType::kEd25519, .cn = "ed client", .eku = Eku::kClientAuth})));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(0x0807, tls_engine_peer_signature_scheme(p.server));
}

TEST_P(ServerClientAuth, RequiredEmptyIsRefused) {
    Verify(TLS_CLIENT_VERIFY_REQUIRED);
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, EmptyAlert(), TLS_ERRCAT_PROTOCOL,
                           "client Certificate: empty, but this server requires a client "
                           "certificate"));
    EXPECT_TRUE(FailedWith(p.client, EmptyAlert(), TLS_ERRCAT_PEER_ALERT));
}

TEST_P(ServerClientAuth, OptionalEmptyIsAccepted) {
    Verify(TLS_CLIENT_VERIFY_OPTIONAL);
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.Attach(p.client);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(nullptr, tls_engine_peer_subject(p.server));
    EXPECT_EQ(0, tls_engine_peer_signature_scheme(p.server));
    EXPECT_EQ(1, obs.Count(TLSIO_HS_CERTIFICATE)); // the empty answer
    EXPECT_EQ(0, obs.Count(TLSIO_HS_CERTIFICATE_VERIFY));
}

TEST_P(ServerClientAuth, UntrustedChainIsUnknownCa) {
    for (int mode : {TLS_CLIENT_VERIFY_REQUIRED, TLS_CLIENT_VERIFY_OPTIONAL}) {
        SCOPED_TRACE(mode);
        Configs c;
        MakeConfigs(&c, root, server_leaf);
        ASSERT_EQ(0, tls_config_set_versions(c.server, version(), version()));
        ASSERT_EQ(0, tls_config_set_client_verify(c.server, mode));
        // No CA names: a tlsio client would otherwise keep its stranger chain to itself.
        ASSERT_EQ(0, tls_config_set_client_ca_names(c.server, nullptr, 0));
        std::string pem = client_root.cert_pem();
        ASSERT_EQ(0, tls_config_add_client_ca_pem(c.server, pem.data(), pem.size()));
        Cert other = pki.MakeCa("Other Root");
        ASSERT_TRUE(
            AddChain(c.client, pki.MakeLeaf(other, {.cn = "stranger", .eku = Eku::kClientAuth})));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_CERTIFICATE,
                               "client certificate"));
        EXPECT_EQ(nullptr, tls_engine_peer_subject(p.server));
    }
}

// The anchors a client uses for servers are not client CAs.
TEST_P(ServerClientAuth, ServerAnchorsDoNotVerifyClients) {
    ASSERT_EQ(0, tls_config_set_client_verify(cfg.server, TLS_CLIENT_VERIFY_REQUIRED));
    std::string pem = client_root.cert_pem();
    ASSERT_EQ(0, tls_config_add_ca_pem(cfg.server, pem.data(), pem.size()));
    ASSERT_TRUE(AddChain(cfg.client, ClientLeaf()));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_CERTIFICATE,
                           "client certificate cannot be verified: no client CA is configured "
                           "(tls_config_add_client_ca_*)"));
}

// A chain that is sent is verified whatever the mode: each bad one is refused with its alert
// and sentence when certificates are required and when they are optional.
void ExpectRefusedInBothModes(ServerClientAuth *t, const Cert &client, int alert,
                              const char *sentence) {
    for (int mode : {TLS_CLIENT_VERIFY_REQUIRED, TLS_CLIENT_VERIFY_OPTIONAL}) {
        SCOPED_TRACE(mode);
        Configs c;
        MakeConfigs(&c, t->root, t->server_leaf);
        ASSERT_EQ(0, tls_config_set_versions(c.server, t->version(), t->version()));
        ASSERT_EQ(0, tls_config_set_client_verify(c.server, mode));
        std::string pem = t->client_root.cert_pem();
        ASSERT_EQ(0, tls_config_add_client_ca_pem(c.server, pem.data(), pem.size()));
        ASSERT_TRUE(AddChain(c.client, client));
        EnginePair p(c.client, c.server, "example.com", t->pki.now());
        p.Handshake();
        EXPECT_TRUE(FailedWith(p.server, alert, TLS_ERRCAT_CERTIFICATE, sentence));
        EXPECT_EQ(nullptr, tls_engine_peer_subject(p.server));
    }
}

// RFC 5280 §4.2.1.12: a serverAuth-only certificate is not for client authentication.
TEST_P(ServerClientAuth, ServerAuthOnlyEkuIsRefused) {
    ExpectRefusedInBothModes(this, ClientLeaf({.cn = "wrong eku", .eku = Eku::kServerAuth}),
                             TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                             "client certificate 'CN=wrong eku' is not allowed for TLS client "
                             "authentication");
}

TEST_P(ServerClientAuth, ExpiredChainIsRefused) {
    ExpectRefusedInBothModes(
        this,
        ClientLeaf(
            {.cn = "old", .not_before = -30 * kDay, .not_after = -kDay, .eku = Eku::kClientAuth}),
        TLS_ALERT_CERTIFICATE_EXPIRED, "client certificate 'CN=old' expired");
}

// One bit of the client's signature flipped: the CertificateVerify does not verify.
TEST_P(ServerClientAuth, BadCertificateVerifyIsDecryptError) {
    for (KeyType k : {KeyType::kEcdsaP256, KeyType::kRsa2048}) {
        SCOPED_TRACE(KeyTypeName(k));
        Configs c;
        MakeConfigs(&c, root, server_leaf);
        ASSERT_EQ(0, tls_config_set_versions(c.server, version(), version()));
        ASSERT_EQ(0, tls_config_set_client_verify(c.server, TLS_CLIENT_VERIFY_OPTIONAL));
        std::string pem = client_root.cert_pem();
        ASSERT_EQ(0, tls_config_add_client_ca_pem(c.server, pem.data(), pem.size()));
        ASSERT_TRUE(
            AddChain(c.client, ClientLeaf({.key = k, .cn = "client", .eku = Eku::kClientAuth})));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        HsObserver obs;
        obs.flip_type = TLSIO_HS_CERTIFICATE_VERIFY;
        obs.flip_offset = 1;
        obs.from_end = true;
        obs.Attach(p.client);
        p.Handshake();
        EXPECT_EQ(1, obs.seen_flip_type);
        EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_DECRYPT_ERROR, TLS_ERRCAT_PROTOCOL,
                               "client CertificateVerify"));
    }
}

// Without client verification no CertificateRequest is sent and the client sends nothing.
TEST_P(ServerClientAuth, OffByDefault) {
    ASSERT_TRUE(AddChain(cfg.client, ClientLeaf()));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver s, c;
    s.Attach(p.server);
    c.Attach(p.client);
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    EXPECT_EQ(0, s.Count(TLSIO_HS_CERTIFICATE_REQUEST));
    EXPECT_EQ(0, c.Count(TLSIO_HS_CERTIFICATE));
    EXPECT_EQ(nullptr, tls_engine_peer_subject(p.server));
}

// The CertificateRequest names the client CA (certificate_authorities, RFC 8446 §4.2.4 /
// RFC 5246 §7.4.4): the root's subject DER is in it.
TEST_P(ServerClientAuth, CertificateRequestNamesTheClientCa) {
    Verify(TLS_CLIENT_VERIFY_OPTIONAL);
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver s;
    s.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    ASSERT_EQ(1, s.Count(TLSIO_HS_CERTIFICATE_REQUEST));
    Bytes cr;
    for (const Bytes &m : s.sent)
        if (m[0] == TLSIO_HS_CERTIFICATE_REQUEST) cr = m;
    uint8_t *der = nullptr;
    int n = i2d_X509_NAME(X509_get_subject_name(client_root.x509()), &der);
    ASSERT_GT(n, 0);
    Bytes name(der, der + n);
    OPENSSL_free(der);
    EXPECT_NE(cr.end(), std::search(cr.begin(), cr.end(), name.begin(), name.end()));
}

Bytes NameDer(const Cert &c) {
    uint8_t *der = nullptr;
    int n = i2d_X509_NAME(X509_get_subject_name(c.x509()), &der);
    Bytes name(der, der + (n > 0 ? n : 0));
    OPENSSL_free(der);
    return name;
}

// What a client saw in the CertificateRequest, name by name.
std::vector<Bytes> RequestedNames(tls_engine *client) {
    std::vector<Bytes> v;
    size_t len = 0;
    const uint8_t *p;
    for (size_t i = 0; (p = tls_engine_requested_ca_name(client, i, &len)) != nullptr; i++)
        v.emplace_back(p, p + len);
    return v;
}

// By default the client CAs' subjects are named; the client reports them.
TEST_P(ServerClientAuth, ClientSeesTheRequestedCaNames) {
    Verify(TLS_CLIENT_VERIFY_OPTIONAL);
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(std::vector<Bytes>{NameDer(client_root)}, RequestedNames(p.client));
    EXPECT_EQ(nullptr, tls_engine_requested_ca_name(p.server, 0, nullptr)) << "client only";
    // TLS 1.2 only (RFC 5246 §7.4.4): ecdsa_sign and rsa_sign, as our server sends them.
    size_t n = 99;
    const uint8_t *types = tls_engine_requested_cert_types(p.client, &n);
    if (GetParam() == TLS_VERSION_1_2) {
        ASSERT_NE(nullptr, types);
        EXPECT_EQ((Bytes{64, 1}), Bytes(types, types + n));
    } else {
        EXPECT_EQ(nullptr, types);
        EXPECT_EQ(0u, n);
    }
    EXPECT_EQ(nullptr, tls_engine_requested_cert_types(p.server, &n)) << "client only";
    EXPECT_EQ(0u, n);
}

// tls_config_set_client_ca_names replaces them, whatever CAs come after; verification still
// uses the client CAs. 0 bytes names none.
TEST_P(ServerClientAuth, ExplicitCaNamesReplaceTheDefaultOrNameNone) {
    Cert other = pki.MakeCa("Named Elsewhere");
    Bytes names = NameDer(other), t = NameDer(client_root);
    names.insert(names.end(), t.begin(), t.end());
    ASSERT_EQ(0, tls_config_set_client_ca_names(cfg.server, names.data(), names.size()))
        << tls_config_error(cfg.server);
    Verify(TLS_CLIENT_VERIFY_REQUIRED); // adds client_root's anchor after the names were set
    ASSERT_TRUE(AddChain(cfg.client, ClientLeaf()));
    {
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ((std::vector<Bytes>{NameDer(other), NameDer(client_root)}),
                  RequestedNames(p.client));
        EXPECT_EQ("CN=client", SubjectOf(p.server));
    }
    Configs none;
    MakeConfigs(&none, root, leaf);
    ASSERT_EQ(0, tls_config_set_versions(none.server, GetParam(), GetParam()));
    ASSERT_EQ(0, tls_config_set_client_ca_names(none.server, nullptr, 0));
    ASSERT_EQ(0, tls_config_set_client_verify(none.server, TLS_CLIENT_VERIFY_OPTIONAL));
    std::string pem = client_root.cert_pem();
    ASSERT_EQ(0, tls_config_add_client_ca_pem(none.server, pem.data(), pem.size()));
    EnginePair p(none.client, none.server, "example.com", pki.now());
    HsObserver s;
    s.Attach(p.server);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ(1, s.Count(TLSIO_HS_CERTIFICATE_REQUEST));
    EXPECT_TRUE(RequestedNames(p.client).empty());
}

// The client answers with a chain under a CA the server named (RFC 8446 §4.2.4, RFC 5246
// §7.4.4), here its second; with names and no chain under them, an empty Certificate; with
// no names, its first chain that fits.
TEST_P(ServerClientAuth, ClientPicksTheChainUnderANamedCa) {
    Verify(TLS_CLIENT_VERIFY_OPTIONAL);
    Cert elsewhere_root = pki.MakeCa("Elsewhere Root");
    ASSERT_TRUE(AddChain(cfg.client, pki.MakeLeaf(elsewhere_root, {.cn = "elsewhere client",
                                                                   .eku = Eku::kClientAuth})));
    ASSERT_TRUE(AddChain(cfg.client, ClientLeaf()));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << p.Errors();
    EXPECT_EQ("CN=client", SubjectOf(p.server));
}

TEST_P(ServerClientAuth, NoChainUnderANamedCaSendsAnEmptyCertificate) {
    Verify(TLS_CLIENT_VERIFY_OPTIONAL);
    Cert elsewhere_root = pki.MakeCa("Elsewhere Root");
    ASSERT_TRUE(AddChain(cfg.client, pki.MakeLeaf(elsewhere_root, {.cn = "elsewhere client",
                                                                   .eku = Eku::kClientAuth})));
    {
        EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
        HsObserver c;
        c.Attach(p.client);
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << p.Errors() << " (optional: anonymous is fine)";
        EXPECT_EQ("(null)", SubjectOf(p.server));
        EXPECT_EQ(1, c.Count(TLSIO_HS_CERTIFICATE));
        EXPECT_EQ(0, c.Count(TLSIO_HS_CERTIFICATE_VERIFY));
    }
    // The same server naming no CA: the client's only chain goes, and fails verification.
    Configs unnamed;
    MakeConfigs(&unnamed, root, leaf);
    ASSERT_EQ(0, tls_config_set_versions(unnamed.server, GetParam(), GetParam()));
    ASSERT_EQ(0, tls_config_set_client_ca_names(unnamed.server, nullptr, 0));
    ASSERT_EQ(0, tls_config_set_client_verify(unnamed.server, TLS_CLIENT_VERIFY_OPTIONAL));
    std::string pem = client_root.cert_pem();
    ASSERT_EQ(0, tls_config_add_client_ca_pem(unnamed.server, pem.data(), pem.size()));
    ASSERT_TRUE(AddChain(unnamed.client, pki.MakeLeaf(elsewhere_root, {.cn = "elsewhere client",
                                                                       .eku = Eku::kClientAuth})));
    EnginePair p(unnamed.client, unnamed.server, "example.com", pki.now());
    p.Handshake();
    EXPECT_TRUE(FailedWith(p.server, TLS_ALERT_UNKNOWN_CA, TLS_ERRCAT_CERTIFICATE, "client"))
        << p.Errors();
}

// Two pinned self-signed client certificates with one name (a renewed one, say): whichever
// the client presents verifies, whatever order the server added them in. (This libcrypto's
// chain builder alone would try only the first of the name.)
TEST_P(ServerClientAuth, PinnedSelfSignedCertificatesWithOneNameBothVerify) {
    CertOptions o = {.cn = "device", .eku = Eku::kClientAuth, .key_ids = false};
    Cert first = pki.MakeSelfSignedLeaf(o), second = pki.MakeSelfSignedLeaf(o);
    for (const Cert *presented : {&first, &second}) {
        SCOPED_TRACE(presented == &first ? "first" : "second");
        Configs c;
        MakeConfigs(&c, root, server_leaf);
        ASSERT_EQ(0, tls_config_set_versions(c.server, version(), version()));
        ASSERT_EQ(0, tls_config_set_client_verify(c.server, TLS_CLIENT_VERIFY_REQUIRED));
        for (const Cert *anchor : {&first, &second}) {
            std::string pem = anchor->cert_pem();
            ASSERT_EQ(0, tls_config_add_client_ca_pem(c.server, pem.data(), pem.size()));
        }
        ASSERT_TRUE(AddChain(c.client, *presented));
        EnginePair p(c.client, c.server, "example.com", pki.now());
        p.Handshake();
        ASSERT_TRUE(p.Connected()) << p.Errors();
        EXPECT_EQ("CN=device", SubjectOf(p.server));
    }
}

TEST(ClientVerifyConfig, CaNamesMustBeDerNames) {
    tls_config *cfg = tls_config_new();
    const uint8_t junk[] = {0x04, 0x01, 0x00};
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_client_ca_names(cfg, junk, sizeof junk));
    EXPECT_NE(std::string::npos,
              std::string(tls_config_error(cfg)).find("client CA name 1 is not a DER SEQUENCE"))
        << tls_config_error(cfg);
    const uint8_t truncated[] = {0x30, 0x05, 0x31};
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_client_ca_names(cfg, truncated, sizeof truncated));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_client_ca_names(cfg, nullptr, 3));
    std::vector<uint8_t> big;
    for (int i = 0; i < 700; i++) { // 700 x (2 + 100) bytes: over certificate_authorities' 65535
        big.push_back(0x30);
        big.push_back(98);
        big.insert(big.end(), 98, 0);
    }
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_client_ca_names(cfg, big.data(), big.size()));
    EXPECT_NE(std::string::npos, std::string(tls_config_error(cfg)).find("at most 65535"))
        << tls_config_error(cfg);
    tls_config_free(cfg);
}

TEST(ClientVerifyConfig, BadModeIsUsage) {
    tls_config *cfg = tls_config_new();
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_client_verify(cfg, 3));
    EXPECT_NE(std::string::npos, std::string(tls_config_error(cfg)).find("client verify mode 3"));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_client_ca_pem(cfg, "junk", 4));
    tls_config_free(cfg);
}

// More client CA subjects than certificate_authorities can carry (65535 bytes): the anchors
// are kept and no names are sent.
TEST(ClientVerifyConfig, TooManyCaNamesAreNotSent) {
    TestPki pki;
    tls_config *cfg = tls_config_new();
    std::string long_org(64, 'o');  // the longest O (RFC 5280 ub-organization-name)
    for (int i = 0; i < 700; i++) { // about 110 bytes of subject each
        Cert ca = pki.MakeCa("CA " + std::to_string(i), KeyType::kEcdsaP256, {.org = long_org});
        std::string pem = ca.cert_pem();
        ASSERT_EQ(0, tls_config_add_client_ca_pem(cfg, pem.data(), pem.size()))
            << tls_config_error(cfg);
    }
    EXPECT_EQ(1, cfg->client_ca_names_dropped);
    EXPECT_EQ(0u, cfg->client_ca_names_len);
    EXPECT_NE(nullptr, cfg->client_trust);
    tls_config_free(cfg);
}

// A frozen config is never written: the client-verification setters refuse.
TEST(ClientVerifyConfig, FrozenConfigRefuses) {
    TestPki pki;
    Cert root = pki.MakeCa("Frozen Root");
    Configs cfg;
    MakeConfigs(&cfg, root, pki.MakeLeaf(root, {.dns = {"example.com"}}));
    tls_engine *e = tls_engine_new_server(cfg.server);
    ASSERT_NE(nullptr, e);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_client_verify(cfg.server, TLS_CLIENT_VERIFY_REQUIRED));
    std::string pem = root.cert_pem();
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_client_ca_pem(cfg.server, pem.data(), pem.size()));
    EXPECT_EQ(TLS_CLIENT_VERIFY_NONE, cfg.server->client_verify);
    EXPECT_EQ(nullptr, cfg.server->client_trust);
    tls_engine_free(e);
}

INSTANTIATE_TEST_SUITE_P(Versions, ServerClientAuth,
                         ::testing::Values(TLS_VERSION_1_3, TLS_VERSION_1_2),
                         [](const ::testing::TestParamInfo<uint16_t> &i) {
                             return std::string(i.param == TLS_VERSION_1_3 ? "Tls13" : "Tls12");
                         });

} // namespace
