// Test PKI generator (see testpki.h).
#include "testpki.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/ec_key.h>
#include <openssl/nid.h>
#include <openssl/obj.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace tlsio_test {

namespace {

[[noreturn]] void Fail(const char *what) {
    throw std::runtime_error(std::string("testpki: ") + what);
}

void Check(int ok, const char *what) {
    if (!ok) Fail(what);
}

std::string BioString(BIO *bio) {
    const uint8_t *p = nullptr;
    size_t len = 0;
    Check(BIO_mem_contents(bio, &p, &len), "BIO_mem_contents");
    return std::string(reinterpret_cast<const char *>(p), len);
}

bssl::UniquePtr<EVP_PKEY> MakeEc(int nid) {
    bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(nid));
    Check(ec && EC_KEY_generate_key(ec.get()), "EC key generation");
    bssl::UniquePtr<EVP_PKEY> pk(EVP_PKEY_new());
    Check(pk && EVP_PKEY_assign_EC_KEY(pk.get(), ec.release()), "EVP_PKEY_assign_EC_KEY");
    return pk;
}

bssl::UniquePtr<EVP_PKEY> MakeRsa(int bits) {
    bssl::UniquePtr<RSA> rsa(RSA_new());
    bssl::UniquePtr<BIGNUM> e(BN_new());
    Check(rsa && e && BN_set_word(e.get(), RSA_F4) &&
              RSA_generate_key_ex(rsa.get(), bits, e.get(), nullptr),
          "RSA key generation");
    bssl::UniquePtr<EVP_PKEY> pk(EVP_PKEY_new());
    Check(pk && EVP_PKEY_assign_RSA(pk.get(), rsa.release()), "EVP_PKEY_assign_RSA");
    return pk;
}

const EVP_MD *DigestFor(EVP_PKEY *signer) {
    if (EVP_PKEY_id(signer) == EVP_PKEY_ED25519) return nullptr; // PureEdDSA
    if (EVP_PKEY_id(signer) == EVP_PKEY_EC) {
        int bits = EVP_PKEY_bits(signer);
        if (bits > 384) return EVP_sha512();
        if (bits > 256) return EVP_sha384();
    }
    return EVP_sha256();
}

bssl::UniquePtr<ASN1_TIME> TimeAt(int64_t t) {
    bssl::UniquePtr<ASN1_TIME> at(ASN1_TIME_set(nullptr, static_cast<time_t>(t)));
    Check(at != nullptr, "ASN1_TIME_set");
    return at;
}

void AddExt(X509 *x, int nid, void *value, bool critical) {
    Check(X509_add1_ext_i2d(x, nid, value, critical ? 1 : 0, X509V3_ADD_DEFAULT) == 1,
          "X509_add1_ext_i2d");
}

Bytes SubjectKeyId(EVP_PKEY *key) {
    // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING contents.
    uint8_t *spki = nullptr;
    int len = i2d_PUBKEY(key, &spki);
    Check(len > 0, "i2d_PUBKEY");
    bssl::UniquePtr<uint8_t> owner(spki);
    const uint8_t *p = spki;
    bssl::UniquePtr<X509_PUBKEY> pub(d2i_X509_PUBKEY(nullptr, &p, len));
    Check(pub != nullptr, "d2i_X509_PUBKEY");
    const uint8_t *bits = nullptr;
    int bits_len = 0;
    Check(X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, nullptr, pub.get()),
          "X509_PUBKEY_get0_param");
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned out_len = 0;
    Check(EVP_Digest(bits, bits_len, out.data(), &out_len, EVP_sha1(), nullptr), "EVP_Digest");
    out.resize(out_len);
    return out;
}

} // namespace

const char *KeyTypeName(KeyType t) {
    switch (t) {
    case KeyType::kEcdsaP256:
        return "EcdsaP256";
    case KeyType::kEcdsaP384:
        return "EcdsaP384";
    case KeyType::kEcdsaP521:
        return "EcdsaP521";
    case KeyType::kRsa2048:
        return "Rsa2048";
    case KeyType::kRsa1024:
        return "Rsa1024";
    case KeyType::kEd25519:
        return "Ed25519";
    }
    return "?";
}

bssl::UniquePtr<EVP_PKEY> MakeKey(KeyType t) {
    switch (t) {
    case KeyType::kEcdsaP256:
        return MakeEc(NID_X9_62_prime256v1);
    case KeyType::kEcdsaP384:
        return MakeEc(NID_secp384r1);
    case KeyType::kEcdsaP521:
        return MakeEc(NID_secp521r1);
    case KeyType::kRsa2048:
        return MakeRsa(2048);
    case KeyType::kRsa1024:
        return MakeRsa(1024);
    case KeyType::kEd25519: {
        bssl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
        EVP_PKEY *pk = nullptr;
        Check(ctx && EVP_PKEY_keygen_init(ctx.get()) && EVP_PKEY_keygen(ctx.get(), &pk),
              "Ed25519 key generation");
        return bssl::UniquePtr<EVP_PKEY>(pk);
    }
    }
    Fail("unknown key type");
}

std::string PrivateKeyPem(EVP_PKEY *key, bool traditional) {
    bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    int ok = 0;
    if (traditional && EVP_PKEY_id(key) == EVP_PKEY_RSA)
        ok = PEM_write_bio_RSAPrivateKey(bio.get(), EVP_PKEY_get0_RSA(key), nullptr, nullptr, 0,
                                         nullptr, nullptr);
    else if (traditional && EVP_PKEY_id(key) == EVP_PKEY_EC)
        ok = PEM_write_bio_ECPrivateKey(bio.get(), EVP_PKEY_get0_EC_KEY(key), nullptr, nullptr, 0,
                                        nullptr, nullptr);
    else
        ok = PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    Check(ok, "writing a private key PEM");
    return BioString(bio.get());
}

Bytes PrivateKeyDer(EVP_PKEY *key) {
    bssl::ScopedCBB cbb;
    uint8_t *out = nullptr;
    size_t len = 0;
    Check(CBB_init(cbb.get(), 256) && EVP_marshal_private_key(cbb.get(), key) &&
              CBB_finish(cbb.get(), &out, &len),
          "EVP_marshal_private_key");
    Bytes der(out, out + len);
    OPENSSL_free(out);
    return der;
}

struct Cert::Data {
    bssl::UniquePtr<X509> x509;
    bssl::UniquePtr<EVP_PKEY> key;
    KeyType key_type;
    std::string cn;
    Bytes der;
    std::shared_ptr<Cert> issuer; // null when self-signed
};

const Bytes &Cert::der() const {
    return d_->der;
}

std::string Cert::cert_pem() const {
    bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    Check(PEM_write_bio_X509(bio.get(), d_->x509.get()), "PEM_write_bio_X509");
    return BioString(bio.get());
}

std::string Cert::key_pem(bool traditional) const {
    return PrivateKeyPem(d_->key.get(), traditional);
}

Bytes Cert::key_der() const {
    return PrivateKeyDer(d_->key.get());
}

std::vector<Bytes> Cert::chain_der() const {
    std::vector<Bytes> out;
    out.push_back(der());
    for (const Cert *c = issuer(); c != nullptr && c->issuer() != nullptr; c = c->issuer())
        out.push_back(c->der());
    return out;
}

std::string Cert::chain_pem() const {
    std::string out = cert_pem();
    for (const Cert *c = issuer(); c != nullptr && c->issuer() != nullptr; c = c->issuer())
        out += c->cert_pem();
    return out;
}

X509 *Cert::x509() const {
    return d_->x509.get();
}

EVP_PKEY *Cert::key() const {
    return d_->key.get();
}

KeyType Cert::key_type() const {
    return d_->key_type;
}

const std::string &Cert::cn() const {
    return d_->cn;
}

const Cert *Cert::issuer() const {
    return d_->issuer.get();
}

Cert TestPki::MakeCa(const std::string &cn, KeyType key, CertOptions o) {
    o.cn = cn;
    o.key = key;
    return Make(nullptr, std::move(o), true);
}

Cert TestPki::MakeIntermediate(const Cert &issuer, const std::string &cn, KeyType key,
                               CertOptions o) {
    o.cn = cn;
    o.key = key;
    return Make(&issuer, std::move(o), true);
}

Cert TestPki::MakeLeaf(const Cert &issuer, CertOptions o) {
    return Make(&issuer, std::move(o), false);
}

Cert TestPki::MakeSelfSignedLeaf(CertOptions o) {
    return Make(nullptr, std::move(o), false);
}

// subjectKeyIdentifier and authorityKeyIdentifier for x (key: its own; issuer: NULL when
// self-signed).
static void AddKeyIds(X509 *x, EVP_PKEY *key, const Cert *issuer) {
    Bytes skid = SubjectKeyId(key);
    bssl::UniquePtr<ASN1_OCTET_STRING> skid_str(ASN1_OCTET_STRING_new());
    Check(skid_str && ASN1_OCTET_STRING_set(skid_str.get(), skid.data(), (int)skid.size()), "SKID");
    AddExt(x, NID_subject_key_identifier, skid_str.get(), false);
    Bytes akid = issuer ? SubjectKeyId(issuer->key()) : skid;
    bssl::UniquePtr<AUTHORITY_KEYID> ak(AUTHORITY_KEYID_new());
    Check(ak != nullptr, "AUTHORITY_KEYID_new");
    ak->keyid = ASN1_OCTET_STRING_new();
    Check(ak->keyid && ASN1_OCTET_STRING_set(ak->keyid, akid.data(), (int)akid.size()), "AKID");
    AddExt(x, NID_authority_key_identifier, ak.get(), false);
}

Cert TestPki::Make(const Cert *issuer, CertOptions o, bool ca) {
    auto d = std::make_shared<Cert::Data>();
    d->key_type = o.key;
    d->key = MakeKey(o.key);
    d->cn = !o.cn.empty() ? o.cn : !o.dns.empty() ? o.dns[0] : std::string("Test Leaf");
    if (issuer != nullptr) d->issuer = std::make_shared<Cert>(*issuer);

    bssl::UniquePtr<X509> x(X509_new());
    Check(x && X509_set_version(x.get(), X509_VERSION_3), "X509_set_version");
    Check(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial_++), "serial");

    bssl::UniquePtr<X509_NAME> name(X509_NAME_new());
    if (!o.org.empty())
        Check(X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_UTF8,
                                         reinterpret_cast<const uint8_t *>(o.org.c_str()), -1, -1,
                                         0),
              "subject O");
    Check(X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const uint8_t *>(d->cn.c_str()), -1, -1, 0),
          "subject CN");
    Check(X509_set_subject_name(x.get(), name.get()), "X509_set_subject_name");
    X509_NAME *issuer_name = issuer ? X509_get_subject_name(issuer->x509()) : name.get();
    Check(X509_set_issuer_name(x.get(), issuer_name), "X509_set_issuer_name");

    Check(X509_set1_notBefore(x.get(), TimeAt(now_ + o.not_before).get()), "notBefore");
    Check(X509_set1_notAfter(x.get(), TimeAt(now_ + o.not_after).get()), "notAfter");
    Check(X509_set_pubkey(x.get(), d->key.get()), "X509_set_pubkey");

    // basicConstraints (RFC 5280 §4.2.1.9): critical in CA certificates.
    Bc bc = o.bc == Bc::kDefault ? (ca ? Bc::kCa : Bc::kNotCa) : o.bc;
    if (bc != Bc::kAbsent) {
        bssl::UniquePtr<BASIC_CONSTRAINTS> b(BASIC_CONSTRAINTS_new());
        Check(b != nullptr, "BASIC_CONSTRAINTS_new");
        b->ca = bc == Bc::kCa ? 0xff : 0;
        if (bc == Bc::kCa && o.path_len >= 0) {
            b->pathlen = ASN1_INTEGER_new();
            Check(b->pathlen && ASN1_INTEGER_set(b->pathlen, o.path_len), "pathlen");
        }
        AddExt(x.get(), NID_basic_constraints, b.get(), true);
    }

    // keyUsage (RFC 5280 §4.2.1.3).
    unsigned ku = o.key_usage;
    if (ku == kKuDefault) {
        ku = bc == Bc::kCa ? (kKuKeyCertSign | kKuCrlSign) : kKuDigitalSignature;
        // A self-signed end-entity certificate signs itself: libcrypto accepts it as its own
        // issuer (and so as a pinned trust anchor) only with keyCertSign.
        if (issuer == nullptr && bc != Bc::kCa) ku |= kKuKeyCertSign;
    }
    if (ku != kKuAbsent) {
        bssl::UniquePtr<ASN1_BIT_STRING> bits(ASN1_BIT_STRING_new());
        Check(bits != nullptr, "ASN1_BIT_STRING_new");
        for (int i = 0; i < 9; i++)
            if (ku & (1u << i)) Check(ASN1_BIT_STRING_set_bit(bits.get(), i, 1), "KU bit");
        AddExt(x.get(), NID_key_usage, bits.get(), true);
    }

    // extendedKeyUsage (RFC 5280 §4.2.1.12).
    Eku eku = o.eku == Eku::kDefault ? (ca ? Eku::kNone : Eku::kServerAuth) : o.eku;
    if (eku != Eku::kNone) {
        bssl::UniquePtr<EXTENDED_KEY_USAGE> e(sk_ASN1_OBJECT_new_null());
        Check(e != nullptr, "EKU");
        if (eku == Eku::kServerAuth || eku == Eku::kServerAndClient)
            Check(sk_ASN1_OBJECT_push(e.get(), OBJ_nid2obj(NID_server_auth)) != 0, "EKU push");
        if (eku == Eku::kClientAuth || eku == Eku::kServerAndClient)
            Check(sk_ASN1_OBJECT_push(e.get(), OBJ_nid2obj(NID_client_auth)) != 0, "EKU push");
        AddExt(x.get(), NID_ext_key_usage, e.get(), false);
    }

    // subjectAltName (RFC 5280 §4.2.1.6).
    if (!o.dns.empty() || !o.ip.empty()) {
        bssl::UniquePtr<GENERAL_NAMES> gens(GENERAL_NAMES_new());
        Check(gens != nullptr, "GENERAL_NAMES_new");
        for (const std::string &dns : o.dns) {
            bssl::UniquePtr<GENERAL_NAME> g(GENERAL_NAME_new());
            ASN1_IA5STRING *s = ASN1_IA5STRING_new();
            Check(g && s && ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size())),
                  "dNSName");
            GENERAL_NAME_set0_value(g.get(), GEN_DNS, s);
            Check(bssl::PushToStack(gens.get(), std::move(g)), "push dNSName");
        }
        for (const std::string &ip : o.ip) {
            uint8_t buf[16];
            int len = 0;
            if (inet_pton(AF_INET, ip.c_str(), buf) == 1)
                len = 4;
            else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1)
                len = 16;
            else
                Fail("bad IP address in CertOptions::ip");
            bssl::UniquePtr<GENERAL_NAME> g(GENERAL_NAME_new());
            ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
            Check(g && s && ASN1_OCTET_STRING_set(s, buf, len), "iPAddress");
            GENERAL_NAME_set0_value(g.get(), GEN_IPADD, s);
            Check(bssl::PushToStack(gens.get(), std::move(g)), "push iPAddress");
        }
        AddExt(x.get(), NID_subject_alt_name, gens.get(), false);
    }

    // subjectKeyIdentifier / authorityKeyIdentifier (RFC 5280 §4.2.1.1-2), unless left out.
    if (o.key_ids) AddKeyIds(x.get(), d->key.get(), issuer);

    EVP_PKEY *signer = issuer ? issuer->key() : d->key.get();
    Check(X509_sign(x.get(), signer, DigestFor(signer)) > 0, "X509_sign");

    uint8_t *der = nullptr;
    int der_len = i2d_X509(x.get(), &der);
    Check(der_len > 0, "i2d_X509");
    d->der.assign(der, der + der_len);
    OPENSSL_free(der);
    d->x509 = std::move(x);

    Cert c;
    c.d_ = std::move(d);
    return c;
}

} // namespace tlsio_test
