// X.509 (core/crypto_x509): trust stores, chain verification and RFC 9525 host checks,
// against certificates made on the fly by tests/support/testpki (nothing here can expire).
#include <gtest/gtest.h>

#include <openssl/bytestring.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <cstring>
#include <string>
#include <vector>

#include "crypto_sig.h"
#include "crypto_x509.h"
#include "hex.h"
#include "testpki.h"

using tlsio_test::Bc;
using tlsio_test::Bytes;
using tlsio_test::Cert;
using tlsio_test::CertOptions;
using tlsio_test::Eku;
using tlsio_test::kDay;
using tlsio_test::KeyType;
using tlsio_test::TestPki;

namespace {

struct TrustDeleter {
    void operator()(tlsio_trust *t) const {
        tlsio_trust_free(t);
    }
};
using Trust = std::unique_ptr<tlsio_trust, TrustDeleter>;

Trust MakeTrust(const std::vector<Cert> &anchors) {
    tlsio_trust *t = nullptr;
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_trust_new(&t, &err));
    for (const Cert &c : anchors)
        EXPECT_EQ(0, tlsio_trust_add_der(t, c.der().data(), c.der().size(), &err)) << err.msg;
    return Trust(t);
}

// Distinct certificates in a store (a tlsio_trust is libcrypto's X509_STORE).
size_t Count(const tlsio_trust *t) {
    return sk_X509_OBJECT_num(
        X509_STORE_get0_objects(reinterpret_cast<X509_STORE *>(const_cast<tlsio_trust *>(t))));
}

struct Result {
    int code;
    int category;
    std::string msg;
};

Result Verify(const tlsio_trust *t, const std::vector<Bytes> &chain, const char *host, int64_t now,
              tlsio_cert_purpose purpose = TLSIO_PURPOSE_SERVER) {
    std::vector<CBS> cbs(chain.size());
    for (size_t i = 0; i < chain.size(); i++)
        CBS_init(&cbs[i], chain[i].data(), chain[i].size());
    tlsio_err err;
    tlsio_err_clear(&err);
    tlsio_x509_leaf leaf;
    int r =
        tlsio_x509_verify_chain_leaf(t, cbs.data(), cbs.size(), host, purpose, now, &leaf, &err);
    tlsio_pkey_free(leaf.key);
    EXPECT_EQ(0u, ERR_peek_error()) << "libcrypto's error queue must be left empty";
    EXPECT_EQ(r, err.code);
    return Result{r, err.category, err.msg};
}

// The host check as a client meets it: c's chain, trusted up to its root, verified for host.
Result CheckHost(const TestPki &pki, const Cert &c, const char *host) {
    const Cert *root = &c;
    while (root->issuer() != nullptr)
        root = root->issuer();
    Trust t = MakeTrust({*root});
    return Verify(t.get(), c.chain_der(), host, pki.now());
}

// A root, an intermediate and a leaf for example.com, all valid at pki.now().
struct Chain3 {
    TestPki pki;
    Cert root, mid, leaf;
    explicit Chain3(CertOptions leaf_opts = {.dns = {"example.com"}},
                    KeyType root_key = KeyType::kEcdsaP256, KeyType mid_key = KeyType::kEcdsaP384) {
        // CAs valid for a year either side of now, so leaf validity is what is tested.
        root =
            pki.MakeCa("Test Root", root_key, {.not_before = -365 * kDay, .not_after = 365 * kDay});
        mid = pki.MakeIntermediate(root, "Test Intermediate", mid_key,
                                   {.not_before = -365 * kDay, .not_after = 365 * kDay});
        leaf = pki.MakeLeaf(mid, leaf_opts);
    }
};

} // namespace

// ---- trust stores ----

TEST(TrustStore, DuplicatesAreHarmless) {
    TestPki pki;
    Cert a = pki.MakeCa("Root A"), b = pki.MakeCa("Root B", KeyType::kRsa2048);
    Trust t = MakeTrust({a, b, a});
    EXPECT_EQ(2u, Count(t.get())); // two distinct anchors
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_trust_add_der(t.get(), b.der().data(), b.der().size(), &err));
    EXPECT_EQ(2u, Count(t.get()));
    EXPECT_EQ(0u, ERR_peek_error());
}

TEST(TrustStore, RefusesEmptyAndMalformedInput) {
    Trust t = MakeTrust({});
    tlsio_err err;
    Bytes der = {0x30, 0x03, 0x02, 0x01, 0x00};
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_E_USAGE, tlsio_trust_add_der(t.get(), der.data(), der.size(), &err));
    EXPECT_STREQ("trust store: malformed certificate DER", err.msg);
    EXPECT_EQ(0u, ERR_peek_error());
}

// ---- chains ----

TEST(VerifyChain, ValidLeafIntermediateRoot) {
    Chain3 c;
    Trust t = MakeTrust({c.root});
    std::vector<Bytes> chain = c.leaf.chain_der();
    ASSERT_EQ(2u, chain.size()); // leaf + intermediate, the root is not sent
    Result r = Verify(t.get(), chain, "example.com", c.pki.now());
    EXPECT_EQ(0, r.code) << r.msg;
    EXPECT_EQ(0, Verify(t.get(), chain, nullptr, c.pki.now()).code);
    // The root may be sent too; extra unrelated certificates do no harm.
    TestPki other;
    chain.push_back(other.MakeCa("Unrelated").der());
    chain.push_back(c.root.der());
    EXPECT_EQ(0, Verify(t.get(), chain, "example.com", c.pki.now()).code);
}

TEST(VerifyChain, IntermediatesInAnyOrder) {
    TestPki pki;
    Cert root = pki.MakeCa("Root");
    Cert i1 = pki.MakeIntermediate(root, "Intermediate 1");
    Cert i2 = pki.MakeIntermediate(i1, "Intermediate 2");
    Cert leaf = pki.MakeLeaf(i2, {.dns = {"example.com"}});
    Trust t = MakeTrust({root});
    EXPECT_EQ(0, Verify(t.get(), {leaf.der(), i1.der(), i2.der()}, "example.com", pki.now()).code);
}

TEST(VerifyChain, KeyTypes) {
    for (KeyType leaf_key :
         {KeyType::kRsa2048, KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kEd25519}) {
        for (KeyType ca_key : {KeyType::kRsa2048, KeyType::kEcdsaP384, KeyType::kEd25519}) {
            SCOPED_TRACE(std::string(tlsio_test::KeyTypeName(leaf_key)) + " leaf, " +
                         tlsio_test::KeyTypeName(ca_key) + " CAs");
            Chain3 c({.dns = {"example.com"}, .key = leaf_key}, ca_key, ca_key);
            Trust t = MakeTrust({c.root});
            Result r = Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now());
            EXPECT_EQ(0, r.code) << r.msg;
        }
    }
}

TEST(VerifyChain, MissingIntermediateIsUnknownCa) {
    Chain3 c;
    Trust t = MakeTrust({c.root});
    Result r = Verify(t.get(), {c.leaf.der()}, "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
    EXPECT_EQ(TLS_ERRCAT_CERTIFICATE, r.category);
    EXPECT_EQ("server certificate chain does not lead to a trusted root: unable to get local "
              "issuer certificate (depth 0, issuer 'CN=Test Intermediate')",
              r.msg);
}

TEST(VerifyChain, UntrustedRootIsUnknownCa) {
    Chain3 c;
    TestPki other;
    Trust t = MakeTrust({other.MakeCa("Other Root")});
    Result r = Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
    EXPECT_EQ("server certificate chain does not lead to a trusted root: unable to get local "
              "issuer certificate (depth 1, issuer 'CN=Test Root')",
              r.msg);
    // The same when the peer sends its (untrusted) root along.
    std::vector<Bytes> with_root = c.leaf.chain_der();
    with_root.push_back(c.root.der());
    r = Verify(t.get(), with_root, "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
    EXPECT_EQ("server certificate chain does not lead to a trusted root: self signed certificate "
              "in certificate chain (depth 2, issuer 'CN=Test Root')",
              r.msg);
}

TEST(VerifyChain, SelfSignedLeaf) {
    TestPki pki;
    Cert self = pki.MakeSelfSignedLeaf({.dns = {"example.com"}});
    Trust empty = MakeTrust({});
    Result r = Verify(empty.get(), {self.der()}, "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
    EXPECT_EQ("server certificate chain does not lead to a trusted root: self signed certificate "
              "(depth 0, issuer 'CN=example.com')",
              r.msg);
    // Pinned: the certificate itself is the trust anchor.
    Trust pinned = MakeTrust({self});
    r = Verify(pinned.get(), {self.der()}, "example.com", pki.now());
    EXPECT_EQ(0, r.code) << r.msg;
}

TEST(VerifyChain, ExpiredLeaf) {
    Chain3 c({.dns = {"example.com"}, .not_before = -30 * kDay, .not_after = -kDay});
    Trust t = MakeTrust({c.root});
    Result r = Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_CERTIFICATE_EXPIRED, r.code);
    EXPECT_EQ(TLS_ERRCAT_CERTIFICATE, r.category);
    // now = 1700000000 = 2023-11-14 22:13:20 UTC.
    EXPECT_EQ("server certificate 'CN=example.com' expired at 2023-11-13 22:13:20 UTC (now "
              "2023-11-14 22:13:20 UTC, depth 0)",
              r.msg);
    // One second before notAfter it is still valid; a second after, it is not.
    EXPECT_EQ(0, Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now() - kDay - 1).code);
    EXPECT_EQ(TLS_ALERT_CERTIFICATE_EXPIRED,
              Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now() - kDay + 1).code);
}

TEST(VerifyChain, NotYetValidLeaf) {
    Chain3 c({.dns = {"example.com"}, .not_before = 2 * kDay, .not_after = 30 * kDay});
    Trust t = MakeTrust({c.root});
    Result r = Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_CERTIFICATE_EXPIRED, r.code);
    EXPECT_EQ("server certificate 'CN=example.com' is not valid before 2023-11-16 22:13:20 UTC "
              "(now 2023-11-14 22:13:20 UTC, depth 0)",
              r.msg);
    EXPECT_EQ(0, Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now() + 2 * kDay).code);
}

TEST(VerifyChain, ExpiredIntermediate) {
    TestPki pki;
    Cert root = pki.MakeCa("Root");
    Cert mid = pki.MakeIntermediate(root, "Old Intermediate", KeyType::kEcdsaP256,
                                    {.not_before = -400 * kDay, .not_after = -10 * kDay});
    Cert leaf = pki.MakeLeaf(mid, {.dns = {"example.com"}});
    Trust t = MakeTrust({root});
    Result r = Verify(t.get(), leaf.chain_der(), "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_CERTIFICATE_EXPIRED, r.code);
    EXPECT_EQ("server certificate 'CN=Old Intermediate' expired at 2023-11-04 22:13:20 UTC (now "
              "2023-11-14 22:13:20 UTC, depth 1)",
              r.msg);
}

TEST(VerifyChain, TimesFarInTheFuture) {
    // GeneralizedTime (after 2049) and a 64-bit now.
    TestPki pki(4102444800); // 2100-01-01 00:00:00 UTC
    Cert root = pki.MakeCa("Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}, .not_after = 59 * kDay});
    Trust t = MakeTrust({root});
    EXPECT_EQ(0, Verify(t.get(), leaf.chain_der(), "example.com", pki.now()).code);
    // 2100 is not a leap year: 59 days after January 1st is March 1st.
    Result r = Verify(t.get(), leaf.chain_der(), "example.com", pki.now() + 60 * kDay + 3723);
    EXPECT_EQ(TLS_ALERT_CERTIFICATE_EXPIRED, r.code);
    EXPECT_EQ("server certificate 'CN=example.com' expired at 2100-03-01 00:00:00 UTC (now "
              "2100-03-02 01:02:03 UTC, depth 0)",
              r.msg);
}

TEST(VerifyChain, ExtendedKeyUsage) {
    // RFC 5280 §4.2.1.12: with an EKU present, TLS server authentication needs serverAuth.
    // BoringSSL and OpenSSL answer X509_V_ERR_INVALID_PURPOSE with unsupported_certificate.
    Chain3 client_only({.dns = {"example.com"}, .eku = Eku::kClientAuth});
    Trust t = MakeTrust({client_only.root});
    Result r = Verify(t.get(), client_only.leaf.chain_der(), "example.com", client_only.pki.now());
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE, r.code);
    EXPECT_EQ("server certificate 'CN=example.com' is not allowed for TLS server authentication: "
              "unsupported certificate purpose (depth 0)",
              r.msg);
    // The same certificate is a fine client certificate.
    EXPECT_EQ(0, Verify(t.get(), client_only.leaf.chain_der(), nullptr, client_only.pki.now(),
                        TLSIO_PURPOSE_CLIENT)
                     .code);

    Chain3 server_only({.dns = {"example.com"}, .eku = Eku::kServerAuth});
    Trust t2 = MakeTrust({server_only.root});
    r = Verify(t2.get(), server_only.leaf.chain_der(), nullptr, server_only.pki.now(),
               TLSIO_PURPOSE_CLIENT);
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE, r.code);
    EXPECT_EQ("client certificate 'CN=example.com' is not allowed for TLS client authentication: "
              "unsupported certificate purpose (depth 0)",
              r.msg);

    // No EKU at all, or both: any purpose.
    for (Eku e : {Eku::kNone, Eku::kServerAndClient}) {
        Chain3 c({.dns = {"example.com"}, .eku = e});
        Trust tt = MakeTrust({c.root});
        EXPECT_EQ(0, Verify(tt.get(), c.leaf.chain_der(), "example.com", c.pki.now()).code);
        EXPECT_EQ(
            0,
            Verify(tt.get(), c.leaf.chain_der(), nullptr, c.pki.now(), TLSIO_PURPOSE_CLIENT).code);
    }

    // An intermediate restricted to clientAuth cannot issue server certificates.
    TestPki pki;
    Cert root = pki.MakeCa("Root");
    Cert mid =
        pki.MakeIntermediate(root, "Client CA", KeyType::kEcdsaP256, {.eku = Eku::kClientAuth});
    Cert leaf = pki.MakeLeaf(mid, {.dns = {"example.com"}});
    Trust t3 = MakeTrust({root});
    r = Verify(t3.get(), leaf.chain_der(), "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE, r.code);
    EXPECT_NE(std::string::npos, r.msg.find("'CN=Client CA'")) << r.msg;
}

TEST(VerifyChain, IssuerThatIsNotACa) {
    for (Bc bc : {Bc::kNotCa, Bc::kAbsent}) {
        TestPki pki;
        Cert root = pki.MakeCa("Root");
        Cert mid = pki.MakeIntermediate(root, "Not A CA", KeyType::kEcdsaP256,
                                        {.bc = bc, .key_usage = tlsio_test::kKuKeyCertSign});
        Cert leaf = pki.MakeLeaf(mid, {.dns = {"example.com"}});
        Trust t = MakeTrust({root});
        Result r = Verify(t.get(), leaf.chain_der(), "example.com", pki.now());
        EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
        EXPECT_EQ("server certificate chain is not valid: invalid CA certificate (depth 1, "
                  "subject 'CN=Not A CA')",
                  r.msg);
    }
}

TEST(VerifyChain, PathLengthConstraint) {
    // RFC 5280 §4.2.1.9: pathLenConstraint 0 lets "Intermediate 1" issue only end-entity
    // certificates. (A trust anchor's own constraint is not processed: RFC 5280 §6.1.)
    TestPki pki;
    Cert root = pki.MakeCa("Root");
    Cert i1 = pki.MakeIntermediate(root, "Intermediate 1", KeyType::kEcdsaP256, {.path_len = 0});
    Cert direct = pki.MakeLeaf(i1, {.dns = {"example.com"}});
    Cert i2 = pki.MakeIntermediate(i1, "Intermediate 2");
    Cert leaf = pki.MakeLeaf(i2, {.dns = {"example.com"}});
    Trust t = MakeTrust({root});
    EXPECT_EQ(0, Verify(t.get(), direct.chain_der(), "example.com", pki.now()).code);
    Result r = Verify(t.get(), leaf.chain_der(), "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
    EXPECT_EQ("server certificate chain is not valid: path length constraint exceeded (depth 2, "
              "subject 'CN=Intermediate 1')",
              r.msg);
}

TEST(VerifyChain, DepthLimit) {
    // TLSIO_X509_MAX_DEPTH certificates in all (leaf .. root) verify; one more does not.
    TestPki pki;
    Cert root = pki.MakeCa("Root 0");
    std::vector<Cert> cas = {root};
    for (int i = 1; i < TLSIO_X509_MAX_DEPTH; i++)
        cas.push_back(pki.MakeIntermediate(cas.back(), "CA " + std::to_string(i)));
    Trust t = MakeTrust({root});
    // Leaf under CA 8: leaf + 8 intermediates + root = 10 certificates.
    Cert ok_leaf = pki.MakeLeaf(cas[TLSIO_X509_MAX_DEPTH - 2], {.dns = {"example.com"}});
    ASSERT_EQ(size_t(TLSIO_X509_MAX_DEPTH - 1), ok_leaf.chain_der().size());
    Result r = Verify(t.get(), ok_leaf.chain_der(), "example.com", pki.now());
    EXPECT_EQ(0, r.code) << r.msg;
    Cert long_leaf = pki.MakeLeaf(cas[TLSIO_X509_MAX_DEPTH - 1], {.dns = {"example.com"}});
    ASSERT_EQ(size_t(TLSIO_X509_MAX_DEPTH), long_leaf.chain_der().size());
    r = Verify(t.get(), long_leaf.chain_der(), "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
    EXPECT_EQ("server certificate chain is longer than 10 certificates", r.msg);
    // Much longer chains say the same.
    Cert c = cas.back();
    for (int i = 0; i < 5; i++)
        c = pki.MakeIntermediate(c, "Extra " + std::to_string(i));
    Cert longer = pki.MakeLeaf(c, {.dns = {"example.com"}});
    r = Verify(t.get(), longer.chain_der(), "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA, r.code);
    EXPECT_EQ("server certificate chain is longer than 10 certificates", r.msg);
    // A chain of 10 whose root is not trusted still says what is missing.
    TestPki other;
    Trust wrong = MakeTrust({other.MakeCa("Other")});
    r = Verify(wrong.get(), ok_leaf.chain_der(), "example.com", pki.now());
    EXPECT_EQ("server certificate chain does not lead to a trusted root: unable to get local "
              "issuer certificate (depth 8, issuer 'CN=Root 0')",
              r.msg);
}

TEST(VerifyChain, MalformedAndTamperedCertificates) {
    Chain3 c;
    Trust t = MakeTrust({c.root});
    std::vector<Bytes> chain = c.leaf.chain_der();
    chain[1].resize(chain[1].size() - 3);
    Result r = Verify(t.get(), chain, "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code); // not DER at all: cannot be decoded
    EXPECT_EQ("server certificate 2 of 2: malformed DER", r.msg);

    chain = c.leaf.chain_der();
    chain[0].push_back(0x00); // trailing garbage after the certificate
    r = Verify(t.get(), chain, "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code); // not DER at all: cannot be decoded
    EXPECT_EQ("server certificate 1 of 2: malformed DER", r.msg);

    // A flipped bit in the leaf's signature (the last bytes of the DER).
    chain = c.leaf.chain_der();
    chain[0][chain[0].size() - 5] ^= 0x01;
    r = Verify(t.get(), chain, "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, r.code);
    EXPECT_EQ("server certificate 'CN=example.com' is bad: certificate signature failure (depth 0)",
              r.msg);

    r = Verify(t.get(), {}, "example.com", c.pki.now());
    EXPECT_EQ(TLS_E_USAGE, r.code);
    EXPECT_EQ("server certificate chain is empty", r.msg);
}

TEST(VerifyChain, ShortRsaKeysRefusedAlongTheChain) {
    TestPki pki;
    Cert root = pki.MakeCa("Root", KeyType::kRsa2048);
    Cert weak_mid = pki.MakeIntermediate(root, "Weak Intermediate", KeyType::kRsa1024);
    Cert leaf = pki.MakeLeaf(weak_mid, {.dns = {"example.com"}});
    Trust t = MakeTrust({root});
    Result r = Verify(t.get(), leaf.chain_der(), "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE, r.code);
    EXPECT_EQ("server certificate 'CN=Weak Intermediate' (depth 1) has a 1024-bit RSA key; at "
              "least 2048 bits are required",
              r.msg);
    // A 1024-bit trust anchor is the caller's decision.
    Cert weak_root = pki.MakeCa("Weak Root", KeyType::kRsa1024);
    Cert leaf2 = pki.MakeLeaf(weak_root, {.dns = {"example.com"}});
    Trust t2 = MakeTrust({weak_root});
    EXPECT_EQ(0, Verify(t2.get(), leaf2.chain_der(), "example.com", pki.now()).code);
}

TEST(VerifyChain, HostMismatchAfterAValidChain) {
    Chain3 c({.dns = {"a.example", "b.example"}, .ip = {"192.0.2.7"}});
    Trust t = MakeTrust({c.root});
    Result r = Verify(t.get(), c.leaf.chain_der(), "example.com", c.pki.now());
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, r.code);
    EXPECT_EQ(TLS_ERRCAT_CERTIFICATE, r.category);
    EXPECT_EQ("server certificate does not match host 'example.com' (SANs: a.example, b.example, "
              "IP:192.0.2.7)",
              r.msg);
    EXPECT_EQ(0, Verify(t.get(), c.leaf.chain_der(), "b.example", c.pki.now()).code);
    EXPECT_EQ(0, Verify(t.get(), c.leaf.chain_der(), "192.0.2.7", c.pki.now()).code);
    // A chain error is reported before a name mismatch.
    TestPki other;
    Trust wrong = MakeTrust({other.MakeCa("Other")});
    EXPECT_EQ(TLS_ALERT_UNKNOWN_CA,
              Verify(wrong.get(), c.leaf.chain_der(), "example.com", c.pki.now()).code);
    // A reference name that is neither a DNS name nor an IP literal is the caller's error.
    r = Verify(t.get(), c.leaf.chain_der(), "exa mple.com", c.pki.now());
    EXPECT_EQ(TLS_E_USAGE, r.code);
    EXPECT_EQ("host 'exa mple.com' is neither a DNS name nor an IP address", r.msg);
}

// ---- the leaf handed back by tlsio_x509_verify_chain_leaf ----

namespace {

struct LeafResult {
    int code;
    std::string msg;
    tlsio_pkey *key;
    std::string subject;
};

LeafResult VerifyLeaf(const tlsio_trust *t, const std::vector<Bytes> &chain, const char *host,
                      int64_t now, tlsio_cert_purpose purpose = TLSIO_PURPOSE_SERVER) {
    std::vector<CBS> cbs(chain.size());
    for (size_t i = 0; i < chain.size(); i++)
        CBS_init(&cbs[i], chain[i].data(), chain[i].size());
    tlsio_err err;
    tlsio_err_clear(&err);
    tlsio_x509_leaf leaf;
    memset(&leaf, 0x5a, sizeof(leaf)); // garbage in: every field is written
    int r =
        tlsio_x509_verify_chain_leaf(t, cbs.data(), cbs.size(), host, purpose, now, &leaf, &err);
    EXPECT_EQ(0u, ERR_peek_error()) << "libcrypto's error queue must be left empty";
    EXPECT_EQ(r, err.code);
    EXPECT_LT(strlen(leaf.subject), sizeof(leaf.subject));
    return LeafResult{r, err.msg, leaf.key, leaf.subject};
}

} // namespace

TEST(VerifyChainLeaf, HandsBackTheLeafKeyAndSubject) {
    for (KeyType k :
         {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kRsa2048, KeyType::kEd25519}) {
        SCOPED_TRACE(tlsio_test::KeyTypeName(k));
        Chain3 c({.dns = {"example.com"}, .key = k, .cn = "Leaf, Inc", .org = "Example Org"});
        Trust t = MakeTrust({c.root});
        LeafResult r = VerifyLeaf(t.get(), c.leaf.chain_der(), "example.com", c.pki.now());
        ASSERT_EQ(0, r.code) << r.msg;
        ASSERT_NE(nullptr, r.key);
        EXPECT_EQ("CN=Leaf\\, Inc,O=Example Org", r.subject);
        // The same key and subject the DER-based functions read from the leaf.
        tlsio_pkey *want = nullptr;
        tlsio_err err;
        tlsio_err_clear(&err);
        ASSERT_EQ(0,
                  tlsio_pkey_from_cert_der(&want, c.leaf.der().data(), c.leaf.der().size(), &err));
        EXPECT_EQ(1, tlsio_pkey_same_public(want, r.key));
        EXPECT_EQ(tlsio_pkey_type(want), tlsio_pkey_type(r.key));
        EXPECT_EQ(0, tlsio_pkey_has_private(r.key));
        char subject[TLSIO_X509_SUBJECT_MAX];
        ASSERT_EQ(0, tlsio_x509_subject(c.leaf.der().data(), c.leaf.der().size(), subject,
                                        sizeof subject));
        EXPECT_EQ(std::string(subject), r.subject);
        tlsio_pkey_free(want);
        tlsio_pkey_free(r.key);
    }
}

TEST(VerifyChainLeaf, ClientCertificatesAndNoHost) {
    Chain3 c({.cn = "client 7", .eku = Eku::kClientAuth});
    Trust t = MakeTrust({c.root});
    LeafResult r =
        VerifyLeaf(t.get(), c.leaf.chain_der(), nullptr, c.pki.now(), TLSIO_PURPOSE_CLIENT);
    ASSERT_EQ(0, r.code) << r.msg;
    EXPECT_EQ("CN=client 7", r.subject);
    EXPECT_EQ(TLSIO_KEY_EC_P256, tlsio_pkey_type(r.key));
    tlsio_pkey_free(r.key);
}

TEST(VerifyChainLeaf, ErrorsAreThoseOfVerifyChainAndLeaveNoKey) {
    Chain3 c({.dns = {"a.example"}});
    Trust t = MakeTrust({c.root});
    TestPki other;
    Trust wrong = MakeTrust({other.MakeCa("Other")});
    Bytes truncated = c.leaf.der();
    truncated.resize(truncated.size() - 1);
    struct Case {
        const tlsio_trust *t;
        std::vector<Bytes> chain;
        const char *host;
        int64_t now;
    } cases[] = {
        {t.get(), c.leaf.chain_der(), "b.example", c.pki.now()},              // host mismatch
        {wrong.get(), c.leaf.chain_der(), "a.example", c.pki.now()},          // unknown CA
        {t.get(), c.leaf.chain_der(), "a.example", c.pki.now() + 400 * kDay}, // expired
        {t.get(), {truncated, c.mid.der()}, "a.example", c.pki.now()},        // malformed DER
        {t.get(), c.leaf.chain_der(), "a b", c.pki.now()},                    // bad reference name
    };
    for (const Case &k : cases) {
        Result want = Verify(k.t, k.chain, k.host, k.now);
        ASSERT_NE(0, want.code);
        LeafResult got = VerifyLeaf(k.t, k.chain, k.host, k.now);
        EXPECT_EQ(want.code, got.code);
        EXPECT_EQ(want.msg, got.msg);
        EXPECT_EQ(nullptr, got.key);
        EXPECT_EQ("", got.subject);
    }
    LeafResult empty = VerifyLeaf(t.get(), {}, "a.example", c.pki.now());
    EXPECT_EQ(TLS_E_USAGE, empty.code);
    EXPECT_EQ("server certificate chain is empty", empty.msg);
    EXPECT_EQ(nullptr, empty.key);
}

TEST(VerifyChainLeaf, LeafKeyPolicyAppliesToAPinnedLeaf) {
    // A pinned self-signed leaf is its own trust anchor, so the chain's RSA floor (which
    // spares the anchor) lets it through; the leaf key policy of tlsio_pkey_from_cert_der
    // still refuses its 1024-bit key.
    TestPki pki;
    Cert weak = pki.MakeSelfSignedLeaf({.dns = {"example.com"}, .key = KeyType::kRsa1024});
    Trust pinned = MakeTrust({weak});
    LeafResult r = VerifyLeaf(pinned.get(), {weak.der()}, "example.com", pki.now());
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE, r.code);
    EXPECT_EQ("certificate: RSA key has 1024 bits; at least 2048 are required", r.msg);
    EXPECT_EQ(nullptr, r.key);
    EXPECT_EQ("", r.subject);
}

// ---- host names (RFC 9525 §6) ----

TEST(CheckHost, ExactAndCaseInsensitiveAndTrailingDot) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"Example.COM", "www.example.com"}});
    for (const char *ok :
         {"example.com", "EXAMPLE.com", "example.com.", "WWW.Example.Com", "www.example.com."})
        EXPECT_EQ(0, CheckHost(pki, leaf, ok).code) << ok;
    Result r = CheckHost(pki, leaf, "example.org");
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, r.code);
    EXPECT_EQ("server certificate does not match host 'example.org' (SANs: Example.COM, "
              "www.example.com)",
              r.msg);
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, leaf, "xexample.com").code);
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, leaf, "a.example.com").code);
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, leaf, "example.co").code);
}

TEST(CheckHost, WildcardOnlyAsTheWholeLeftMostLabel) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert wild = pki.MakeLeaf(ca, {.dns = {"*.example.com"}});
    EXPECT_EQ(0, CheckHost(pki, wild, "a.example.com").code);
    EXPECT_EQ(0, CheckHost(pki, wild, "A-B.Example.Com").code);
    EXPECT_EQ(0, CheckHost(pki, wild, "xa.example.com.").code);
    // "*" stands for exactly one label (RFC 9525 §6.3).
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, wild, "example.com").code);
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, wild, "a.b.example.com").code);
    EXPECT_EQ(TLS_E_USAGE, CheckHost(pki, wild, ".example.com").code); // not a valid host
    Result r = CheckHost(pki, wild, "a.example.org");
    EXPECT_EQ("server certificate does not match host 'a.example.org' (SANs: *.example.com)",
              r.msg);

    // Partial-label wildcards ("x*", "*x", "f*o") never match.
    Cert partial =
        pki.MakeLeaf(ca, {.dns = {"x*.example.com", "*b.example.com", "f*o.example.com"}});
    for (const char *host : {"xa.example.com", "x.example.com", "ab.example.com", "b.example.com",
                             "foo.example.com", "fo.example.com"})
        EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, partial, host).code) << host;

    // A wildcard that is not the left-most label is not a wildcard.
    Cert inner = pki.MakeLeaf(ca, {.dns = {"a.*.example.com"}});
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, inner, "a.b.example.com").code);
    // Nor does "*" alone or "*.tld" cover a whole public suffix.
    Cert broad = pki.MakeLeaf(ca, {.dns = {"*", "*.com"}});
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, broad, "example.com").code);
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, broad, "com").code);
    // A reference name with a wildcard is not a valid host.
    Result star = CheckHost(pki, wild, "*.example.com");
    EXPECT_EQ(TLS_E_USAGE, star.code);
    EXPECT_EQ("host '*.example.com' is neither a DNS name nor an IP address", star.msg);
}

TEST(CheckHost, NoCommonNameFallback) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert cn_only = pki.MakeLeaf(ca, {.cn = "example.com"});
    Result r = CheckHost(pki, cn_only, "example.com");
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, r.code);
    EXPECT_EQ("server certificate does not match host 'example.com' (SANs: none; subject "
              "'CN=example.com' is not used for matching, RFC 9525 §6.3)",
              r.msg);
    // Also not when SANs exist but do not list the name the CN carries.
    Cert both = pki.MakeLeaf(ca, {.dns = {"other.example"}, .cn = "example.com"});
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, both, "example.com").code);
    EXPECT_EQ(0, CheckHost(pki, both, "other.example").code);
}

TEST(CheckHost, IpLiteralsMatchOnlyIpAddressSans) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    // DNS SANs spelled like addresses must never match an IP reference (RFC 9525 §6.2.1).
    Cert dns_ips = pki.MakeLeaf(ca, {.dns = {"192.0.2.1", "2001:db8::1"}});
    Result r = CheckHost(pki, dns_ips, "192.0.2.1");
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, r.code);
    EXPECT_EQ("server certificate does not match host '192.0.2.1' (SANs: 192.0.2.1, 2001:db8::1)",
              r.msg);
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, dns_ips, "2001:db8::1").code);

    Cert ip = pki.MakeLeaf(ca, {.dns = {"example.com"}, .ip = {"192.0.2.1", "2001:db8::1", "::1"}});
    EXPECT_EQ(0, CheckHost(pki, ip, "192.0.2.1").code);
    EXPECT_EQ(0, CheckHost(pki, ip, "2001:db8::1").code);
    EXPECT_EQ(0, CheckHost(pki, ip, "2001:DB8:0:0:0:0:0:1").code);
    EXPECT_EQ(0, CheckHost(pki, ip, "2001:0db8::0001").code);
    EXPECT_EQ(0, CheckHost(pki, ip, "::1").code);
    EXPECT_EQ(0, CheckHost(pki, ip, "example.com").code);
    r = CheckHost(pki, ip, "192.0.2.2");
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, r.code);
    EXPECT_EQ(
        "server certificate does not match host '192.0.2.2' (SANs: example.com, IP:192.0.2.1, "
        "IP:2001:db8::1, IP:::1)",
        r.msg);
    // An IPv4 address does not match its IPv4-mapped IPv6 form or vice versa.
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, ip, "::ffff:192.0.2.1").code);
    // An IP SAN never matches a DNS reference name.
    Cert ip_only = pki.MakeLeaf(ca, {.ip = {"192.0.2.1"}});
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE, CheckHost(pki, ip_only, "example.com").code);
    // Leading zeros are ambiguous (octal?) and refused as input.
    EXPECT_EQ(TLS_E_USAGE, CheckHost(pki, ip, "192.0.2.01").code);
    EXPECT_EQ(TLS_E_USAGE, CheckHost(pki, ip, "1.2.3").code);
}

TEST(CheckHost, IpLiteralParsing) {
    for (const char *ok : {"0.0.0.0", "255.255.255.255", "192.0.2.1", "::", "::1",
                           "1::", "2001:db8::1", "2001:db8:0:0:0:0:2:1", "::ffff:192.0.2.128",
                           "64:ff9b::192.0.2.33", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4"})
        EXPECT_TRUE(tlsio_host_is_ip_literal(ok)) << ok;
    for (const char *bad : {"",
                            "256.0.0.1",
                            "1.2.3",
                            "1.2.3.4.5",
                            "01.2.3.4",
                            "1..2.3",
                            "1.2.3.4 ",
                            "[::1]",
                            ":::",
                            "1:2:3:4:5:6:7:8:9",
                            "1::2::3",
                            "12345::",
                            "1:2:3:4:5:6:7",
                            ":1",
                            "1:",
                            "fe80::1%eth0",
                            "::1.2.3",
                            "g::1",
                            "1:2:3:4:5:6:7:1.2.3.4",
                            "example.com",
                            "localhost",
                            (const char *)nullptr})
        EXPECT_FALSE(tlsio_host_is_ip_literal(bad)) << (bad ? bad : "(null)");
}

TEST(CheckHost, ReferenceNameValidation) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"example.com"}});
    for (const char *bad : {"", ".", "example..com", ".example.com", "example.com..",
                            "exa_mple!.com", "1.2.3.400", "example.123"}) {
        Result r = CheckHost(pki, leaf, bad);
        EXPECT_EQ(TLS_E_USAGE, r.code) << bad;
    }
    std::string long_label = std::string(64, 'a') + ".example.com";
    EXPECT_EQ(TLS_E_USAGE, CheckHost(pki, leaf, long_label.c_str()).code);
    Cert under = pki.MakeLeaf(ca, {.dns = {"_srv.example.com"}});
    EXPECT_EQ(0, CheckHost(pki, under, "_srv.example.com").code);
    Result r = CheckHost(pki, leaf, "a\nb");
    EXPECT_EQ(TLS_E_USAGE, r.code);
}

// ---- a parsed certificate kept for repeated host checks ----

TEST(ParsedCert, MatchesHostAgreesWithCheckHost) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    std::vector<Cert> certs = {
        pki.MakeLeaf(ca, {.dns = {"Example.COM", "www.example.com"}}),
        pki.MakeLeaf(ca, {.dns = {"*.example.com"}}),
        pki.MakeLeaf(ca, {.dns = {"x*.example.com", "a.*.example.com", "*", "*.com"}}),
        pki.MakeLeaf(ca, {.dns = {"example.com"}, .ip = {"192.0.2.1", "2001:db8::1"}}),
        pki.MakeLeaf(ca, {.dns = {"192.0.2.1"}}),
        pki.MakeLeaf(ca, {.cn = "example.com"}), // no SAN: the CN is never used
    };
    const char *hosts[] = {
        "example.com",     "EXAMPLE.com.",   "www.example.com", "a.example.com",
        "a.b.example.com", "xa.example.com", "example.org",     "com",
        "192.0.2.1",       "2001:DB8::1",    "192.0.2.2",       "::ffff:192.0.2.1",
        "*.example.com",   "exa mple.com",   "192.0.2.01",      ""};
    int matches = 0;
    for (const Cert &c : certs) {
        tlsio_x509_cert *parsed = nullptr;
        tlsio_err err;
        tlsio_err_clear(&err);
        ASSERT_EQ(0, tlsio_x509_cert_parse(&parsed, c.der().data(), c.der().size(), &err));
        ASSERT_NE(nullptr, parsed);
        for (const char *h : hosts) {
            int want = CheckHost(pki, c, h).code == 0;
            EXPECT_EQ(want, tlsio_x509_cert_matches_host(parsed, h)) << h;
            matches += want;
        }
        EXPECT_EQ(0, tlsio_x509_cert_matches_host(parsed, nullptr));
        tlsio_x509_cert_free(parsed);
    }
    EXPECT_EQ(10, matches); // both outcomes are covered
    EXPECT_EQ(0, tlsio_x509_cert_matches_host(nullptr, "example.com"));
    EXPECT_EQ(0u, ERR_peek_error());
}

TEST(ParsedCert, MalformedDer) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Bytes trailing = ca.der();
    trailing.push_back(0);
    Bytes truncated = ca.der();
    truncated.resize(truncated.size() - 1);
    for (const Bytes &der : {trailing, truncated, Bytes{0x30, 0x00}}) {
        tlsio_x509_cert *parsed = reinterpret_cast<tlsio_x509_cert *>(&pki); // set to NULL
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE,
                  tlsio_x509_cert_parse(&parsed, der.data(), der.size(), &err));
        EXPECT_EQ(nullptr, parsed);
        EXPECT_STREQ("certificate: malformed DER", err.msg);
        EXPECT_EQ(TLS_ERRCAT_CERTIFICATE, err.category);
    }
    tlsio_x509_cert_free(nullptr);
    EXPECT_EQ(0u, ERR_peek_error());
}

// ---- names for messages ----

TEST(CertNames, SubjectAndSans) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"a.example", "b.example"},
                                  .ip = {"2001:db8::5"},
                                  .cn = "Leaf, Inc",
                                  .org = "Example Org"});
    char buf[200];
    ASSERT_EQ(0, tlsio_x509_subject(leaf.der().data(), leaf.der().size(), buf, sizeof buf));
    EXPECT_STREQ("CN=Leaf\\, Inc,O=Example Org", buf); // RFC 2253: most specific first
    // The SANs are listed where a user meets them: a host mismatch.
    EXPECT_EQ("server certificate does not match host 'c.example' (SANs: a.example, b.example, "
              "IP:2001:db8::5)",
              CheckHost(pki, leaf, "c.example").msg);
    ASSERT_EQ(0, tlsio_x509_subject(leaf.der().data(), leaf.der().size(), buf, 6));
    EXPECT_STREQ("CN=Le", buf);
    Bytes bad = {0x30, 0x00};
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE,
              tlsio_x509_subject(bad.data(), bad.size(), buf, sizeof buf));
    EXPECT_STREQ("", buf);
}

TEST(CertNames, LongSanListsAreTruncated) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    std::vector<std::string> names;
    for (int i = 0; i < 30; i++)
        names.push_back("name" + std::to_string(i) + ".example");
    Cert leaf = pki.MakeLeaf(ca, {.dns = names});
    std::string msg = CheckHost(pki, leaf, "other.example").msg;
    EXPECT_EQ(0u, msg.find("server certificate does not match host 'other.example' (SANs: "
                           "name0.example, name1.example, "))
        << msg;
    EXPECT_NE(std::string::npos, msg.find("...)")) << msg;
}

TEST(CertNames, ControlCharactersInSansAreNotCopied) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {std::string("evil\n.example")}});
    EXPECT_EQ("server certificate does not match host 'good.example' (SANs: evil?.example)",
              CheckHost(pki, leaf, "good.example").msg);
}

// Every tlsio handshake authenticates with a signature of the leaf's key: a keyUsage without
// digitalSignature is refused (RFC 8446 §4.4.2.2, RFC 5246 §7.4.2), in both roles, though
// libcrypto's SSL purposes would pass keyAgreement or keyEncipherment alone. No keyUsage at
// all allows any use (RFC 5280 §4.2.1.3).
TEST(VerifyChain, LeafKeyUsageMustAllowSigning) {
    using namespace tlsio_test;
    struct {
        unsigned ku;
        bool ok;
    } cases[] = {{kKuKeyAgreement, false},
                 {kKuKeyEncipherment, false},
                 {kKuKeyEncipherment | kKuKeyAgreement, false},
                 {kKuDigitalSignature, true},
                 {kKuDigitalSignature | kKuKeyEncipherment, true},
                 {kKuAbsent, true}};
    for (const auto &c : cases) {
        for (tlsio_cert_purpose purpose : {TLSIO_PURPOSE_SERVER, TLSIO_PURPOSE_CLIENT}) {
            SCOPED_TRACE(testing::Message() << "keyUsage " << c.ku << " purpose " << purpose);
            Chain3 ch({.dns = {"example.com"}, .eku = Eku::kNone, .key_usage = c.ku});
            Trust t = MakeTrust({ch.root});
            Result r = Verify(t.get(), ch.leaf.chain_der(),
                              purpose == TLSIO_PURPOSE_SERVER ? "example.com" : nullptr,
                              ch.pki.now(), purpose);
            if (c.ok) {
                EXPECT_EQ(0, r.code) << r.msg;
                continue;
            }
            EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE, r.code);
            EXPECT_EQ(std::string(purpose == TLSIO_PURPOSE_SERVER ? "server" : "client") +
                          " certificate 'CN=example.com' has a keyUsage without "
                          "digitalSignature: its key may not sign the handshake (RFC 8446 "
                          "§4.4.2.2, RFC 5246 §7.4.2)",
                      r.msg);
        }
    }
    // Checked on the certificate as sent, before the chain: an untrusted one says so too.
    Chain3 ch({.dns = {"example.com"}, .key_usage = kKuKeyAgreement});
    Chain3 other({.dns = {"example.com"}});
    Trust t = MakeTrust({other.root});
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE,
              Verify(t.get(), ch.leaf.chain_der(), "example.com", ch.pki.now()).code);
}
