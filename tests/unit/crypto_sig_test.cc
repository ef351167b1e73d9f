// Signatures (core/crypto_sig): key loading, the SignatureScheme policy of RFC 8446 §4.2.3,
// sign/verify for every scheme and key type, RFC 8032 and RFC 8448 known answers.
#include <gtest/gtest.h>

#include <openssl/base64.h>
#include <openssl/bytestring.h>
#include <openssl/cipher.h>
#include <openssl/digest.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "crypto_sig.h"
#include "hex.h"
#include "rfc8448.h"
#include "testerr.h"
#include "testpki.h"

using tlsio_test::Bytes;
using tlsio_test::Cert;
using tlsio_test::Err;
using tlsio_test::Hex;
using tlsio_test::KeyType;
using tlsio_test::TestPki;
using tlsio_test::ToHex;

namespace rfc8448 = tlsio_test::rfc8448;

namespace {

struct KeyDeleter {
    void operator()(tlsio_pkey *k) const {
        tlsio_pkey_free(k);
    }
};
using Key = std::unique_ptr<tlsio_pkey, KeyDeleter>;

Key LoadPem(const std::string &pem) {
    tlsio_pkey *k = nullptr;
    Err err;
    EXPECT_EQ(
        0, tlsio_pkey_from_pem(&k, reinterpret_cast<const uint8_t *>(pem.data()), pem.size(), &err))
        << err.msg();
    return Key(k);
}

Key CertKey(const Bytes &der) {
    tlsio_pkey *k = nullptr;
    Err err;
    EXPECT_EQ(0, tlsio_pkey_from_cert_der(&k, der.data(), der.size(), &err)) << err.msg();
    return Key(k);
}

// Signs msg; returns the signature or an empty vector (and *code) on failure.
Bytes Sign(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use, const Bytes &msg,
           int *code = nullptr, std::string *why = nullptr) {
    bssl::ScopedCBB cbb;
    EXPECT_TRUE(CBB_init(cbb.get(), 0));
    Err err;
    int r = tlsio_sig_sign(k, scheme, use, msg.data(), msg.size(), cbb.get(), &err);
    if (code) *code = r;
    if (why) *why = err.msg();
    if (r != 0) return {};
    return Bytes(CBB_data(cbb.get()), CBB_data(cbb.get()) + CBB_len(cbb.get()));
}

int Verify(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use, const Bytes &msg,
           const Bytes &sig, std::string *why = nullptr) {
    Err err;
    int r = tlsio_sig_verify(k, scheme, use, msg.data(), msg.size(), sig.data(), sig.size(),
                             "CertificateVerify", &err);
    if (why) *why = err.msg();
    return r;
}

const uint16_t kAllSchemes[] = {TLSIO_SIG_RSA_PKCS1_SHA1,
                                TLSIO_SIG_ECDSA_SHA1,
                                TLSIO_SIG_RSA_PKCS1_SHA256,
                                TLSIO_SIG_RSA_PKCS1_SHA384,
                                TLSIO_SIG_RSA_PKCS1_SHA512,
                                TLSIO_SIG_ECDSA_SECP256R1_SHA256,
                                TLSIO_SIG_ECDSA_SECP384R1_SHA384,
                                TLSIO_SIG_ECDSA_SECP521R1_SHA512,
                                TLSIO_SIG_RSA_PSS_RSAE_SHA256,
                                TLSIO_SIG_RSA_PSS_RSAE_SHA384,
                                TLSIO_SIG_RSA_PSS_RSAE_SHA512,
                                TLSIO_SIG_ED25519,
                                TLSIO_SIG_RSA_PSS_PSS_SHA256,
                                TLSIO_SIG_RSA_PSS_PSS_SHA384,
                                TLSIO_SIG_RSA_PSS_PSS_SHA512,
                                0x0202 /* dsa_sha1 */,
                                0x0808 /* ed448 */,
                                0xfefe};

const KeyType kKeyTypes[] = {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kEcdsaP521,
                             KeyType::kRsa2048, KeyType::kEd25519};

// The schemes each key type may use, per RFC 8446 §4.2.3 (TLS 1.3) and RFC 5246 §7.4.1.4.1
// (TLS 1.2: ECDSA schemes name the hash only).
std::set<uint16_t> Expected(KeyType t, tlsio_sig_use use) {
    const bool tls13 = use == TLSIO_SIG_USE_TLS13;
    const bool tls12 = use == TLSIO_SIG_USE_TLS12;
    std::set<uint16_t> ecdsa_all = {0x0403, 0x0503, 0x0603};
    switch (t) {
    case KeyType::kEcdsaP256:
        return tls12 ? ecdsa_all : std::set<uint16_t>{0x0403};
    case KeyType::kEcdsaP384:
        return tls12 ? ecdsa_all : std::set<uint16_t>{0x0503};
    case KeyType::kEcdsaP521:
        return tls12 ? ecdsa_all : std::set<uint16_t>{0x0603};
    case KeyType::kRsa2048:
        return tls13 ? std::set<uint16_t>{0x0804, 0x0805, 0x0806}
                     : std::set<uint16_t>{0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806};
    case KeyType::kEd25519:
        return {0x0807};
    default:
        return {};
    }
}

const char *UseName(tlsio_sig_use u) {
    return u == TLSIO_SIG_USE_TLS13 ? "TLS13" : u == TLSIO_SIG_USE_TLS12 ? "TLS12" : "CERT";
}

} // namespace

TEST(CryptoSig, SchemeNames) {
    EXPECT_STREQ("ecdsa_secp256r1_sha256", tlsio_sig_scheme_name(0x0403));
    EXPECT_STREQ("ecdsa_secp384r1_sha384", tlsio_sig_scheme_name(0x0503));
    EXPECT_STREQ("ecdsa_secp521r1_sha512", tlsio_sig_scheme_name(0x0603));
    EXPECT_STREQ("rsa_pss_rsae_sha256", tlsio_sig_scheme_name(0x0804));
    EXPECT_STREQ("rsa_pss_rsae_sha384", tlsio_sig_scheme_name(0x0805));
    EXPECT_STREQ("rsa_pss_rsae_sha512", tlsio_sig_scheme_name(0x0806));
    EXPECT_STREQ("ed25519", tlsio_sig_scheme_name(0x0807));
    EXPECT_STREQ("rsa_pss_pss_sha256", tlsio_sig_scheme_name(0x0809));
    EXPECT_STREQ("rsa_pkcs1_sha256", tlsio_sig_scheme_name(0x0401));
    EXPECT_STREQ("rsa_pkcs1_sha1", tlsio_sig_scheme_name(0x0201));
    EXPECT_STREQ("ecdsa_sha1", tlsio_sig_scheme_name(0x0203));
    EXPECT_EQ(nullptr, tlsio_sig_scheme_name(0x0808));
}

TEST(CryptoSig, SchemePolicyPerUse) {
    // rsa_pkcs1_*: TLS 1.2 and certificates only (RFC 8446 §4.2.3).
    for (uint16_t s : {0x0401, 0x0501, 0x0601}) {
        EXPECT_FALSE(tlsio_sig_scheme_allowed(s, TLSIO_SIG_USE_TLS13)) << s;
        EXPECT_TRUE(tlsio_sig_scheme_allowed(s, TLSIO_SIG_USE_TLS12)) << s;
        EXPECT_TRUE(tlsio_sig_scheme_allowed(s, TLSIO_SIG_USE_CERT)) << s;
    }
    // SHA-1 schemes, RSASSA-PSS keys and unknown values: never.
    for (uint16_t s : {0x0201, 0x0203, 0x0809, 0x080a, 0x080b, 0x0202, 0x0808, 0xfefe}) {
        for (tlsio_sig_use u : {TLSIO_SIG_USE_TLS13, TLSIO_SIG_USE_TLS12, TLSIO_SIG_USE_CERT})
            EXPECT_FALSE(tlsio_sig_scheme_allowed(s, u)) << s << " " << UseName(u);
    }
    for (uint16_t s : {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807}) {
        for (tlsio_sig_use u : {TLSIO_SIG_USE_TLS13, TLSIO_SIG_USE_TLS12, TLSIO_SIG_USE_CERT})
            EXPECT_TRUE(tlsio_sig_scheme_allowed(s, u)) << s << " " << UseName(u);
    }
}

class SigByKeyType : public ::testing::TestWithParam<KeyType> {};

TEST_P(SigByKeyType, PemPkcs8AndTraditionalLoadWithTheRightType) {
    bssl::UniquePtr<EVP_PKEY> key = tlsio_test::MakeKey(GetParam());
    const tlsio_key_type want = GetParam() == KeyType::kEcdsaP256   ? TLSIO_KEY_EC_P256
                                : GetParam() == KeyType::kEcdsaP384 ? TLSIO_KEY_EC_P384
                                : GetParam() == KeyType::kEcdsaP521 ? TLSIO_KEY_EC_P521
                                : GetParam() == KeyType::kRsa2048   ? TLSIO_KEY_RSA
                                                                    : TLSIO_KEY_ED25519;
    for (bool traditional : {false, true}) {
        std::string pem = tlsio_test::PrivateKeyPem(key.get(), traditional);
        if (traditional && GetParam() == KeyType::kRsa2048) {
            EXPECT_NE(std::string::npos, pem.find("BEGIN RSA PRIVATE KEY"));
        }
        if (traditional && GetParam() == KeyType::kEcdsaP256) {
            EXPECT_NE(std::string::npos, pem.find("BEGIN EC PRIVATE KEY"));
        }
        Key k = LoadPem(pem);
        ASSERT_TRUE(k);
        EXPECT_EQ(want, tlsio_pkey_type(k.get()));
        EXPECT_TRUE(tlsio_pkey_has_private(k.get()));
    }
}

TEST_P(SigByKeyType, CertificateKeyMatchesPrivateKeyAndHasNoPrivatePart) {
    TestPki pki;
    Cert ca = pki.MakeCa("Sig Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"example.com"}, .key = GetParam()});
    Key priv = LoadPem(leaf.key_pem());
    Key pub = CertKey(leaf.der());
    ASSERT_TRUE(priv && pub);
    EXPECT_FALSE(tlsio_pkey_has_private(pub.get()));
    EXPECT_TRUE(tlsio_pkey_same_public(priv.get(), pub.get()));
    Key other = CertKey(ca.der());
    EXPECT_FALSE(tlsio_pkey_same_public(priv.get(), other.get()));
    EXPECT_EQ(tlsio_pkey_type(priv.get()), tlsio_pkey_type(pub.get()));
    EXPECT_EQ(tlsio_pkey_bits(priv.get()), tlsio_pkey_bits(pub.get()));
}

// Every scheme × use: the key supports exactly the expected set; each supported scheme
// signs and verifies (with the certificate's public key); a flipped bit anywhere in the
// signature or message is decrypt_error; every other scheme is refused on both sides.
TEST_P(SigByKeyType, EverySchemeSignsAndVerifiesOrIsRefused) {
    TestPki pki;
    Cert ca = pki.MakeCa("Sig Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"example.com"}, .key = GetParam()});
    Key priv = LoadPem(leaf.key_pem());
    Key pub = CertKey(leaf.der());
    ASSERT_TRUE(priv && pub);
    Bytes msg(130, 0x20);
    msg.push_back(0x42);
    for (tlsio_sig_use use : {TLSIO_SIG_USE_TLS13, TLSIO_SIG_USE_TLS12, TLSIO_SIG_USE_CERT}) {
        std::set<uint16_t> want = Expected(GetParam(), use);
        for (uint16_t scheme : kAllSchemes) {
            SCOPED_TRACE(std::string(UseName(use)) + " scheme " + std::to_string(scheme));
            bool supported = want.count(scheme) != 0;
            EXPECT_EQ(supported, tlsio_sig_key_supports(priv.get(), scheme, use) != 0);
            EXPECT_EQ(supported, tlsio_sig_key_supports(pub.get(), scheme, use) != 0);
            int code = 0;
            std::string why;
            Bytes sig = Sign(priv.get(), scheme, use, msg, &code, &why);
            if (!supported) {
                EXPECT_EQ(TLS_E_USAGE, code);
                EXPECT_NE(std::string::npos, why.find("does not fit our")) << why;
                // A peer using it is illegal_parameter (a real signature from another
                // key type cannot even be checked).
                EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
                          Verify(pub.get(), scheme, use, msg, Bytes(64, 1), &why));
                continue;
            }
            ASSERT_EQ(0, code) << why;
            EXPECT_LE(sig.size(), tlsio_sig_max_len(priv.get()));
            EXPECT_EQ(0, Verify(pub.get(), scheme, use, msg, sig, &why)) << why;
            EXPECT_EQ(0, Verify(priv.get(), scheme, use, msg, sig, &why)) << why;
            const std::string bad =
                std::string("CertificateVerify: signature does not verify with ") +
                tlsio_sig_scheme_name(scheme);
            for (size_t i : {size_t(0), sig.size() / 2, sig.size() - 1}) {
                Bytes t = sig;
                t[i] ^= 0x01;
                EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR, Verify(pub.get(), scheme, use, msg, t, &why));
                EXPECT_EQ(bad, why);
            }
            Bytes m2 = msg;
            m2[5] ^= 0x80;
            EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR, Verify(pub.get(), scheme, use, m2, sig, &why));
            Bytes truncated(sig.begin(), sig.end() - 1);
            EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
                      Verify(pub.get(), scheme, use, msg, truncated, &why));
            EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR, Verify(pub.get(), scheme, use, msg, {}, &why));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Keys, SigByKeyType, ::testing::ValuesIn(kKeyTypes),
                         [](const ::testing::TestParamInfo<KeyType> &info) {
                             return std::string(tlsio_test::KeyTypeName(info.param));
                         });

TEST(CryptoSig, MismatchSentences) {
    TestPki pki;
    Cert ca = pki.MakeCa("Sig Root");
    Cert p256 = pki.MakeLeaf(ca, {.dns = {"a.example"}, .key = KeyType::kEcdsaP256});
    Cert rsa = pki.MakeLeaf(ca, {.dns = {"b.example"}, .key = KeyType::kRsa2048});
    Key k256 = CertKey(p256.der());
    Key krsa = CertKey(rsa.der());
    Bytes msg = {1, 2, 3};
    std::string why;
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
              Verify(k256.get(), 0x0503, TLSIO_SIG_USE_TLS13, msg, Bytes(70, 1), &why));
    EXPECT_EQ("CertificateVerify: ecdsa_secp384r1_sha384 does not match the ECDSA P-256 "
              "certificate key",
              why);
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
              Verify(krsa.get(), 0x0403, TLSIO_SIG_USE_TLS13, msg, Bytes(70, 1), &why));
    EXPECT_EQ("CertificateVerify: ecdsa_secp256r1_sha256 does not match the RSA-2048 "
              "certificate key",
              why);
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
              Verify(krsa.get(), 0x0401, TLSIO_SIG_USE_TLS13, msg, Bytes(256, 1), &why));
    EXPECT_EQ("CertificateVerify: signature scheme rsa_pkcs1_sha256 is not allowed here", why);
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
              Verify(krsa.get(), 0x0201, TLSIO_SIG_USE_TLS12, msg, Bytes(256, 1), &why));
    EXPECT_EQ("CertificateVerify: signature scheme rsa_pkcs1_sha1 is not allowed here", why);
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
              Verify(krsa.get(), 0x1234, TLSIO_SIG_USE_TLS13, msg, Bytes(256, 1), &why));
    EXPECT_EQ("CertificateVerify: unknown signature scheme 0x1234", why);

    // Signing with a public-only key is a usage error.
    int code = 0;
    Sign(k256.get(), 0x0403, TLSIO_SIG_USE_TLS13, msg, &code, &why);
    EXPECT_EQ(TLS_E_USAGE, code);
    EXPECT_EQ("sign: the ECDSA P-256 key has no private part", why);
}

TEST(CryptoSig, RsaPssSaltIsHashLength) {
    // RFC 8446 §4.2.3: the salt length MUST equal the digest length. Check our signature
    // with libcrypto's PSS verifier pinned to sLen = hLen, and not to another length.
    bssl::UniquePtr<EVP_PKEY> key = tlsio_test::MakeKey(KeyType::kRsa2048);
    Key k = LoadPem(tlsio_test::PrivateKeyPem(key.get()));
    Bytes msg = {'h', 'i'};
    struct {
        uint16_t scheme;
        const EVP_MD *md;
    } cases[] = {{0x0804, EVP_sha256()}, {0x0805, EVP_sha384()}, {0x0806, EVP_sha512()}};
    for (auto &c : cases) {
        Bytes sig = Sign(k.get(), c.scheme, TLSIO_SIG_USE_TLS13, msg);
        ASSERT_EQ(256u, sig.size());
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned dlen = 0;
        ASSERT_TRUE(EVP_Digest(msg.data(), msg.size(), digest, &dlen, c.md, nullptr));
        RSA *rsa = EVP_PKEY_get0_RSA(key.get());
        EXPECT_TRUE(RSA_verify_pss_mgf1(rsa, digest, dlen, c.md, nullptr, (long)dlen, sig.data(),
                                        sig.size()))
            << c.scheme;
        EXPECT_FALSE(RSA_verify_pss_mgf1(rsa, digest, dlen, c.md, nullptr, (long)dlen + 1,
                                         sig.data(), sig.size()))
            << c.scheme;
        ERR_clear_error();
    }
}

// What a handshake does with a peer's list: the first scheme our key supports (the choosing
// itself lives with its callers; here the per-scheme answers it rests on).
TEST(CryptoSig, FirstPeerSchemeOurKeySupports) {
    bssl::UniquePtr<EVP_PKEY> rsa_key = tlsio_test::MakeKey(KeyType::kRsa2048);
    bssl::UniquePtr<EVP_PKEY> ec_key = tlsio_test::MakeKey(KeyType::kEcdsaP384);
    Key rsa = LoadPem(tlsio_test::PrivateKeyPem(rsa_key.get()));
    Key ec = LoadPem(tlsio_test::PrivateKeyPem(ec_key.get()));
    auto first = [](const tlsio_pkey *k, const std::vector<uint16_t> &peer, tlsio_sig_use use) {
        for (uint16_t s : peer)
            if (tlsio_sig_key_supports(k, s, use)) return s;
        return uint16_t{0};
    };
    // RFC 8448's ClientHello signature_algorithms list.
    const std::vector<uint16_t> peer = {0x0403, 0x0503, 0x0603, 0x0203, 0x0804,
                                        0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                                        0x0201, 0x0402, 0x0502, 0x0602, 0x0202};
    EXPECT_EQ(0x0804, first(rsa.get(), peer, TLSIO_SIG_USE_TLS13));
    EXPECT_EQ(0x0503, first(ec.get(), peer, TLSIO_SIG_USE_TLS13));
    EXPECT_EQ(0x0403, first(ec.get(), peer, TLSIO_SIG_USE_TLS12)); // P-384 may sign with SHA-256
    EXPECT_EQ(0x0401, first(rsa.get(), {0x0401, 0x0804}, TLSIO_SIG_USE_TLS12));
    EXPECT_EQ(0x0804, first(rsa.get(), {0x0401, 0x0804}, TLSIO_SIG_USE_TLS13));
    EXPECT_EQ(0, first(ec.get(), {0x0403, 0x0203}, TLSIO_SIG_USE_TLS13));
}

TEST(CryptoSig, RefusedPrivateKeys) {
    bssl::UniquePtr<EVP_PKEY> small = tlsio_test::MakeKey(KeyType::kRsa1024);
    std::string pem = tlsio_test::PrivateKeyPem(small.get(), true);
    tlsio_pkey *k = nullptr;
    Err err;
    EXPECT_EQ(TLS_E_USAGE, tlsio_pkey_from_pem(&k, reinterpret_cast<const uint8_t *>(pem.data()),
                                               pem.size(), &err));
    EXPECT_EQ(nullptr, k);
    EXPECT_EQ("private key PEM: RSA key has 1024 bits; at least 2048 are required", err.msg());

    // Encrypted PEM: refused without prompting for a password.
    bssl::UniquePtr<EVP_PKEY> ec = tlsio_test::MakeKey(KeyType::kEcdsaP256);
    bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    char pass[] = "secret";
    ASSERT_TRUE(PEM_write_bio_PKCS8PrivateKey(bio.get(), ec.get(), EVP_aes_128_cbc(), pass,
                                              sizeof(pass) - 1, nullptr, nullptr));
    const uint8_t *p = nullptr;
    size_t len = 0;
    ASSERT_TRUE(BIO_mem_contents(bio.get(), &p, &len));
    ASSERT_NE(std::string::npos,
              std::string(reinterpret_cast<const char *>(p), len).find("ENCRYPTED PRIVATE KEY"));
    Err err2;
    EXPECT_EQ(TLS_E_USAGE, tlsio_pkey_from_pem(&k, p, len, &err2));
    EXPECT_EQ("private key PEM: encrypted keys are not supported", err2.msg());

    Err err3;
    const std::string junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    EXPECT_EQ(TLS_E_USAGE, tlsio_pkey_from_pem(&k, reinterpret_cast<const uint8_t *>(junk.data()),
                                               junk.size(), &err3));
    EXPECT_EQ("private key PEM: no readable PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block",
              err3.msg());

    EXPECT_EQ(0u, ERR_peek_error()) << "libcrypto's error queue must be left empty";
}

TEST(CryptoSig, RefusedCertificateKeys) {
    TestPki pki;
    Cert ca = pki.MakeCa("Sig Root");
    Cert small = pki.MakeLeaf(ca, {.dns = {"small.example"}, .key = KeyType::kRsa1024});
    tlsio_pkey *k = nullptr;
    Err err;
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE,
              tlsio_pkey_from_cert_der(&k, small.der().data(), small.der().size(), &err));
    EXPECT_EQ("certificate: RSA key has 1024 bits; at least 2048 are required", err.msg());
    EXPECT_EQ(TLS_ERRCAT_CERTIFICATE, err.e.category);
    // The replay-only variant with a lower floor accepts it.
    Err ok;
    ASSERT_EQ(
        0, tlsio_pkey_from_cert_der_min_rsa(&k, small.der().data(), small.der().size(), 1024, &ok));
    EXPECT_EQ(1024u, tlsio_pkey_bits(k));
    tlsio_pkey_free(k);

    Bytes broken = ca.der();
    broken.resize(broken.size() - 1);
    Err err2;
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE,
              tlsio_pkey_from_cert_der(&k, broken.data(), broken.size(), &err2));
    EXPECT_EQ("certificate: malformed DER", err2.msg());
    Bytes trailing = ca.der();
    trailing.push_back(0);
    Err err3;
    EXPECT_EQ(TLS_ALERT_BAD_CERTIFICATE,
              tlsio_pkey_from_cert_der(&k, trailing.data(), trailing.size(), &err3));
    EXPECT_EQ(0u, ERR_peek_error());
}

TEST(CryptoSig, KeyFromParsedCertificateFollowsTheDerPolicy) {
    TestPki pki;
    Cert ca = pki.MakeCa("Sig Root");
    for (KeyType t :
         {KeyType::kEcdsaP256, KeyType::kEcdsaP521, KeyType::kRsa2048, KeyType::kEd25519}) {
        SCOPED_TRACE(tlsio_test::KeyTypeName(t));
        Cert leaf = pki.MakeLeaf(ca, {.dns = {"x.example"}, .key = t});
        tlsio_pkey *k = nullptr;
        Err err;
        ASSERT_EQ(0, tlsio_pkey_from_x509(&k, leaf.x509(), TLSIO_RSA_MIN_BITS, &err)) << err.msg();
        Key got(k);
        Key want = CertKey(leaf.der());
        EXPECT_EQ(1, tlsio_pkey_same_public(want.get(), got.get()));
        EXPECT_EQ(tlsio_pkey_type(want.get()), tlsio_pkey_type(got.get()));
        EXPECT_EQ(0, tlsio_pkey_has_private(got.get()));
    }
    // The same refusal, sentence and floor override as tlsio_pkey_from_cert_der(_min_rsa).
    Cert small = pki.MakeLeaf(ca, {.dns = {"small.example"}, .key = KeyType::kRsa1024});
    tlsio_pkey *k = reinterpret_cast<tlsio_pkey *>(&pki); // garbage in: set to NULL
    Err err;
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE,
              tlsio_pkey_from_x509(&k, small.x509(), TLSIO_RSA_MIN_BITS, &err));
    EXPECT_EQ(nullptr, k);
    EXPECT_EQ("certificate: RSA key has 1024 bits; at least 2048 are required", err.msg());
    EXPECT_EQ(TLS_ERRCAT_CERTIFICATE, err.e.category);
    Err ok;
    ASSERT_EQ(0, tlsio_pkey_from_x509(&k, small.x509(), 1024, &ok)) << ok.msg();
    EXPECT_EQ(1024u, tlsio_pkey_bits(k));
    tlsio_pkey_free(k);
    EXPECT_EQ(0u, ERR_peek_error());
}

// RFC 8032 §7.1 TEST 1: Ed25519 is deterministic, so the signature is a known answer.
TEST(CryptoSig, Ed25519Rfc8032Test1) {
    // RFC 8410 §7 PKCS#8 wrapping of the 32-byte seed.
    Bytes der = Hex("302e020100300506032b657004220420"
                    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    size_t b64_len = 0;
    ASSERT_TRUE(EVP_EncodedLength(&b64_len, der.size()));
    std::string b64(b64_len, '\0'); // NUL included
    b64.resize(EVP_EncodeBlock(reinterpret_cast<uint8_t *>(&b64[0]), der.data(), der.size()));
    Key priv = LoadPem("-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n");
    ASSERT_TRUE(priv);
    EXPECT_EQ(TLSIO_KEY_ED25519, tlsio_pkey_type(priv.get()));
    Bytes sig = Sign(priv.get(), TLSIO_SIG_ED25519, TLSIO_SIG_USE_TLS13, {});
    EXPECT_EQ("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
              "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
              ToHex(sig));
    // The public key alone, as an RFC 8410 SubjectPublicKeyInfo.
    Bytes spki = Hex("302a300506032b6570032100"
                     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    CBS spki_cbs;
    CBS_init(&spki_cbs, spki.data(), spki.size());
    // A tlsio_pkey is libcrypto's EVP_PKEY (core/crypto_sig.c); the library only takes public
    // keys from certificates, so the test parses the bare SubjectPublicKeyInfo itself.
    Key pub(reinterpret_cast<tlsio_pkey *>(EVP_parse_public_key(&spki_cbs)));
    ASSERT_TRUE(pub);
    EXPECT_TRUE(tlsio_pkey_same_public(priv.get(), pub.get()));
    EXPECT_EQ(0, Verify(pub.get(), TLSIO_SIG_ED25519, TLSIO_SIG_USE_TLS13, {}, sig));
    sig[63] ^= 0x40;
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
              Verify(pub.get(), TLSIO_SIG_ED25519, TLSIO_SIG_USE_TLS13, {}, sig));
}

TEST(CryptoSig, CertificateVerifyContentLayout) {
    // RFC 8446 §4.4.3.
    uint8_t th[48];
    for (int i = 0; i < 48; i++)
        th[i] = static_cast<uint8_t>(i);
    uint8_t out[TLSIO_CERTVERIFY_MAX_LEN];
    size_t n = tlsio_certverify_content(1, th, 32, out);
    ASSERT_EQ(64u + 33 + 1 + 32, n);
    EXPECT_EQ(std::string(64, ' '), std::string(reinterpret_cast<char *>(out), 64));
    EXPECT_EQ("TLS 1.3, server CertificateVerify",
              std::string(reinterpret_cast<char *>(out + 64), 33));
    EXPECT_EQ(0, out[97]);
    EXPECT_EQ(ToHex(th, 32), ToHex(out + 98, 32));
    n = tlsio_certverify_content(0, th, 48, out);
    ASSERT_EQ(64u + 33 + 1 + 48, n);
    EXPECT_EQ("TLS 1.3, client CertificateVerify",
              std::string(reinterpret_cast<char *>(out + 64), 33));
    EXPECT_EQ(ToHex(th, 48), ToHex(out + 98, 48));
    EXPECT_EQ(0u, tlsio_certverify_content(0, th, 65, out));
}

// RFC 8448 §3: the server's CertificateVerify (rsa_pss_rsae_sha256) verifies with the
// trace's certificate over Transcript-Hash(ClientHello .. Certificate).
TEST(CryptoSig, Rfc8448ServerCertificateVerify) {
    Bytes ch = Hex(rfc8448::kClientHello), sh = Hex(rfc8448::kServerHello);
    Bytes ee = Hex(rfc8448::kEncryptedExtensions), cert_msg = Hex(rfc8448::kCertificate);
    Bytes cv = Hex(rfc8448::kCertificateVerify);
    ASSERT_EQ(196u, ch.size());
    ASSERT_EQ(90u, sh.size());
    ASSERT_EQ(40u, ee.size());
    ASSERT_EQ(445u, cert_msg.size());
    ASSERT_EQ(136u, cv.size());

    SHA256_CTX h;
    SHA256_Init(&h);
    for (const Bytes *m : {&ch, &sh})
        SHA256_Update(&h, m->data(), m->size());
    uint8_t ch_sh[32];
    SHA256_CTX peek = h;
    SHA256_Final(ch_sh, &peek);
    // The trace's own check value for Transcript-Hash(ClientHello, ServerHello).
    EXPECT_EQ("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8", ToHex(ch_sh, 32));
    for (const Bytes *m : {&ee, &cert_msg})
        SHA256_Update(&h, m->data(), m->size());
    uint8_t th[32];
    SHA256_Final(th, &h);

    // Certificate: context(1)=0, list length(3), cert length(3), the DER, extensions(2).
    Bytes der(cert_msg.begin() + 11, cert_msg.end() - 2);
    ASSERT_EQ(0x1b0u, der.size());
    tlsio_pkey *k = nullptr;
    Err err;
    // The trace's server key has 1024 bits: refused by default...
    EXPECT_EQ(TLS_ALERT_UNSUPPORTED_CERTIFICATE,
              tlsio_pkey_from_cert_der(&k, der.data(), der.size(), &err));
    // ...and readable with the replay-only floor.
    Err err2;
    ASSERT_EQ(0, tlsio_pkey_from_cert_der_min_rsa(&k, der.data(), der.size(), 1024, &err2))
        << err2.msg();
    Key pub(k);
    EXPECT_EQ(TLSIO_KEY_RSA, tlsio_pkey_type(pub.get()));

    // CertificateVerify: type(1) length(3) scheme(2) sig length(2) signature.
    uint16_t scheme = static_cast<uint16_t>(cv[4] << 8 | cv[5]);
    ASSERT_EQ(TLSIO_SIG_RSA_PSS_RSAE_SHA256, scheme);
    Bytes sig(cv.begin() + 8, cv.end());
    ASSERT_EQ(0x80u, sig.size());
    uint8_t content[TLSIO_CERTVERIFY_MAX_LEN];
    size_t n = tlsio_certverify_content(1, th, 32, content);
    Bytes msg(content, content + n);
    std::string why;
    EXPECT_EQ(0, Verify(pub.get(), scheme, TLSIO_SIG_USE_TLS13, msg, sig, &why)) << why;
    // The client context string does not verify, nor does a changed transcript.
    n = tlsio_certverify_content(0, th, 32, content);
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR, Verify(pub.get(), scheme, TLSIO_SIG_USE_TLS13,
                                              Bytes(content, content + n), sig, &why));
    EXPECT_EQ("CertificateVerify: signature does not verify with rsa_pss_rsae_sha256", why);
    // rsa_pss_rsae_sha512 needs a modulus of 2*64+2 bytes: not with this 128-byte key.
    EXPECT_FALSE(
        tlsio_sig_key_supports(pub.get(), TLSIO_SIG_RSA_PSS_RSAE_SHA512, TLSIO_SIG_USE_TLS13));
    EXPECT_TRUE(
        tlsio_sig_key_supports(pub.get(), TLSIO_SIG_RSA_PSS_RSAE_SHA384, TLSIO_SIG_USE_TLS13));
}

TEST(CryptoSig, FreeAcceptsNull) {
    tlsio_pkey_free(nullptr);
}

TEST(CryptoSig, KeyTypeNames) {
    EXPECT_STREQ("RSA", tlsio_key_type_name(TLSIO_KEY_RSA));
    EXPECT_STREQ("ECDSA P-256", tlsio_key_type_name(TLSIO_KEY_EC_P256));
    EXPECT_STREQ("ECDSA P-384", tlsio_key_type_name(TLSIO_KEY_EC_P384));
    EXPECT_STREQ("ECDSA P-521", tlsio_key_type_name(TLSIO_KEY_EC_P521));
    EXPECT_STREQ("Ed25519", tlsio_key_type_name(TLSIO_KEY_ED25519));
    EXPECT_STREQ("unsupported", tlsio_key_type_name(TLSIO_KEY_NONE));
}
