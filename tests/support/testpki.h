// Test PKI: makes CAs, intermediates and leaf certificates in memory (libcrypto's X509 API),
// so no test depends on fixture files that expire.
//
//   tlsio_test::TestPki pki;                       // certificates are relative to pki.now()
//   auto ca = pki.MakeCa("Test Root");              // self-signed, ECDSA P-256
//   auto mid = pki.MakeIntermediate(ca, "Test Intermediate", KeyType::kEcdsaP384);
//   auto leaf = pki.MakeLeaf(mid, {.dns = {"example.com"}, .key = KeyType::kRsa2048});
//   leaf.cert_pem(); leaf.key_pem(); leaf.chain_pem();  // leaf + intermediates, no root
//   ca.cert_pem();                                        // what a trust store is given
//
// Options are set with designated initializers in declaration order (see CertOptions).
#pragma once
#include <openssl/base.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hex.h"

namespace tlsio_test {

enum class KeyType {
    kEcdsaP256,
    kEcdsaP384,
    kEcdsaP521,
    kRsa2048,
    kRsa1024, // too short for tlsio: for refusal tests
    kEd25519
};
const char *KeyTypeName(KeyType t);

// A fresh key pair of the given type.
bssl::UniquePtr<EVP_PKEY> MakeKey(KeyType t);
// PEM of a private key: PKCS#8 ("PRIVATE KEY"), or the traditional form ("RSA PRIVATE KEY" /
// "EC PRIVATE KEY"; PKCS#8 for Ed25519, which has no other).
std::string PrivateKeyPem(EVP_PKEY *key, bool traditional = false);
Bytes PrivateKeyDer(EVP_PKEY *key); // PKCS#8

// Which extendedKeyUsage the certificate carries.
enum class Eku { kDefault, kNone, kServerAuth, kClientAuth, kServerAndClient };
// basicConstraints: default is CA:TRUE for MakeCa/MakeIntermediate, CA:FALSE for leaves.
enum class Bc { kDefault, kCa, kNotCa, kAbsent };

// keyUsage bits (RFC 5280 §4.2.1.3 bit numbers as flags).
constexpr unsigned kKuDigitalSignature = 1u << 0;
constexpr unsigned kKuKeyEncipherment = 1u << 2;
constexpr unsigned kKuKeyAgreement = 1u << 4;
constexpr unsigned kKuKeyCertSign = 1u << 5;
constexpr unsigned kKuCrlSign = 1u << 6;
constexpr unsigned kKuDefault = 0x80000000u; // CA: keyCertSign|cRLSign; leaf: digitalSignature
constexpr unsigned kKuAbsent = 0;            // no keyUsage extension

constexpr int64_t kDay = 86400;

struct CertOptions {
    std::vector<std::string> dns = {}; // subjectAltName dNSName entries
    std::vector<std::string> ip = {};  // subjectAltName iPAddress entries ("192.0.2.1", "::1")
    KeyType key = KeyType::kEcdsaP256;
    std::string cn = {};           // subject CN; empty: first DNS name, else a default
    int64_t not_before = -kDay;    // seconds relative to TestPki::now()
    int64_t not_after = 90 * kDay; // seconds relative to TestPki::now()
    Eku eku = Eku::kDefault;       // leaf default: serverAuth; CA default: none
    Bc bc = Bc::kDefault;
    unsigned key_usage = kKuDefault;
    int path_len = -1;    // basicConstraints pathLenConstraint; -1: absent
    std::string org = {}; // subject O, if not empty
    bool key_ids = true;  // subject/authority key identifiers (false: neither, as some PKIs)
};

// One certificate with its private key and its issuers (shared, cheap to copy).
class Cert {
  public:
    Cert() = default;
    const Bytes &der() const;
    std::string cert_pem() const;
    std::string key_pem(bool traditional = false) const; // see PrivateKeyPem
    Bytes key_der() const;                               // PKCS#8
    // What a peer sends: this certificate then its issuers, excluding the self-signed root.
    std::string chain_pem() const;
    std::vector<Bytes> chain_der() const;
    X509 *x509() const;
    EVP_PKEY *key() const;
    KeyType key_type() const;
    const std::string &cn() const;
    const Cert *issuer() const; // nullptr for a self-signed certificate
    bool valid() const {
        return d_ != nullptr;
    }

  private:
    friend class TestPki;
    struct Data;
    std::shared_ptr<const Data> d_;
};

class TestPki {
  public:
    // 2023-11-14 22:13:20 UTC: a fixed "now" so tests are reproducible.
    static constexpr int64_t kDefaultNow = 1700000000;
    explicit TestPki(int64_t now = kDefaultNow) : now_(now) {}
    int64_t now() const {
        return now_;
    }

    // A self-signed root CA.
    Cert MakeCa(const std::string &cn, KeyType key = KeyType::kEcdsaP256, CertOptions o = {});
    // An intermediate CA signed by issuer.
    Cert MakeIntermediate(const Cert &issuer, const std::string &cn,
                          KeyType key = KeyType::kEcdsaP256, CertOptions o = {});
    // An end-entity certificate signed by issuer.
    Cert MakeLeaf(const Cert &issuer, CertOptions o);
    // A self-signed end-entity certificate (CA:FALSE unless o.bc says otherwise; default
    // keyUsage digitalSignature + keyCertSign so it can be pinned as its own trust anchor).
    Cert MakeSelfSignedLeaf(CertOptions o);

  private:
    Cert Make(const Cert *issuer, CertOptions o, bool ca);
    int64_t now_;
    long serial_ = 1;
};

} // namespace tlsio_test
