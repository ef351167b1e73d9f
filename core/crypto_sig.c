/* Signature adapter: keys, SignatureScheme policy, sign/verify over libcrypto's EVP. */
#include "crypto_sig.h"

#include <stdio.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/obj.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* tlsio_pkey is libcrypto's EVP_PKEY under another name (refcounting comes with it). */
static EVP_PKEY *evp(const tlsio_pkey *k) {
    return (EVP_PKEY *)k;
}

enum sig_kind {
    KIND_REFUSED,
    KIND_RSA_PKCS1,
    KIND_RSA_PSS_RSAE,
    KIND_RSA_PSS_PSS,
    KIND_ECDSA,
    KIND_ED25519
};
enum sig_hash { HASH_NONE, HASH_SHA1, HASH_SHA256, HASH_SHA384, HASH_SHA512 };

struct scheme_info {
    uint16_t id;
    const char *name;
    enum sig_kind kind;
    enum sig_hash hash;
    tlsio_key_type curve; /* ECDSA: the curve the scheme names (RFC 8446 §4.2.3) */
};

static const struct scheme_info schemes[] = {
    {TLSIO_SIG_RSA_PKCS1_SHA1, "rsa_pkcs1_sha1", KIND_REFUSED, HASH_SHA1, TLSIO_KEY_NONE},
    {TLSIO_SIG_ECDSA_SHA1, "ecdsa_sha1", KIND_REFUSED, HASH_SHA1, TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256", KIND_RSA_PKCS1, HASH_SHA256, TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384", KIND_RSA_PKCS1, HASH_SHA384, TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512", KIND_RSA_PKCS1, HASH_SHA512, TLSIO_KEY_NONE},
    {TLSIO_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256", KIND_ECDSA, HASH_SHA256,
     TLSIO_KEY_EC_P256},
    {TLSIO_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384", KIND_ECDSA, HASH_SHA384,
     TLSIO_KEY_EC_P384},
    {TLSIO_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512", KIND_ECDSA, HASH_SHA512,
     TLSIO_KEY_EC_P521},
    {TLSIO_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256", KIND_RSA_PSS_RSAE, HASH_SHA256,
     TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384", KIND_RSA_PSS_RSAE, HASH_SHA384,
     TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512", KIND_RSA_PSS_RSAE, HASH_SHA512,
     TLSIO_KEY_NONE},
    {TLSIO_SIG_ED25519, "ed25519", KIND_ED25519, HASH_NONE, TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256", KIND_RSA_PSS_PSS, HASH_SHA256,
     TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384", KIND_RSA_PSS_PSS, HASH_SHA384,
     TLSIO_KEY_NONE},
    {TLSIO_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512", KIND_RSA_PSS_PSS, HASH_SHA512,
     TLSIO_KEY_NONE},
};

static const struct scheme_info *find_scheme(uint16_t id) {
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (schemes[i].id == id) return &schemes[i];
    return NULL;
}

static const EVP_MD *md_of(enum sig_hash h) {
    switch (h) {
    case HASH_SHA256:
        return EVP_sha256();
    case HASH_SHA384:
        return EVP_sha384();
    case HASH_SHA512:
        return EVP_sha512();
    default:
        return NULL; /* Ed25519 hashes internally (RFC 8032) */
    }
}

_Static_assert(sizeof(schemes) / sizeof(schemes[0]) == TLSIO_SIG_SCHEMES_KNOWN,
               "TLSIO_SIG_SCHEMES_KNOWN counts the scheme table");

int tlsio_sig_scheme_index(uint16_t scheme) {
    const struct scheme_info *s = find_scheme(scheme);
    return s != NULL ? (int)(s - schemes) : -1;
}

const char *tlsio_sig_scheme_name(uint16_t scheme) {
    const struct scheme_info *s = find_scheme(scheme);
    return s ? s->name : NULL;
}

/* ---- keys ---- */

static tlsio_key_type type_of(const EVP_PKEY *pk) {
    switch (EVP_PKEY_id(pk)) {
    case EVP_PKEY_RSA:
        return TLSIO_KEY_RSA;
    case EVP_PKEY_ED25519:
        return TLSIO_KEY_ED25519;
    case EVP_PKEY_EC: {
        const EC_GROUP *g = EC_KEY_get0_group(EVP_PKEY_get0_EC_KEY(pk));
        switch (g ? EC_GROUP_get_curve_name(g) : NID_undef) {
        case NID_X9_62_prime256v1:
            return TLSIO_KEY_EC_P256;
        case NID_secp384r1:
            return TLSIO_KEY_EC_P384;
        case NID_secp521r1:
            return TLSIO_KEY_EC_P521;
        default:
            return TLSIO_KEY_NONE;
        }
    }
    default:
        return TLSIO_KEY_NONE;
    }
}

tlsio_key_type tlsio_pkey_type(const tlsio_pkey *k) {
    return type_of(evp(k));
}

const char *tlsio_key_type_name(tlsio_key_type t) {
    switch (t) {
    case TLSIO_KEY_RSA:
        return "RSA";
    case TLSIO_KEY_EC_P256:
        return "ECDSA P-256";
    case TLSIO_KEY_EC_P384:
        return "ECDSA P-384";
    case TLSIO_KEY_EC_P521:
        return "ECDSA P-521";
    case TLSIO_KEY_ED25519:
        return "Ed25519";
    default:
        return "unsupported";
    }
}

unsigned tlsio_pkey_bits(const tlsio_pkey *k) {
    int b = EVP_PKEY_bits(evp(k));
    return b > 0 ? (unsigned)b : 0;
}

int tlsio_pkey_has_private(const tlsio_pkey *k) {
    EVP_PKEY *pk = evp(k);
    switch (EVP_PKEY_id(pk)) {
    case EVP_PKEY_RSA: {
        const BIGNUM *d = NULL;
        RSA_get0_key(EVP_PKEY_get0_RSA(pk), NULL, NULL, &d);
        return d != NULL;
    }
    case EVP_PKEY_EC:
        return EC_KEY_get0_private_key(EVP_PKEY_get0_EC_KEY(pk)) != NULL;
    case EVP_PKEY_ED25519: {
        size_t len = 0;
        int has = EVP_PKEY_get_raw_private_key(pk, NULL, &len) == 1;
        ERR_clear_error(); /* a public-only key leaves an error on the queue */
        return has;
    }
    default:
        return 0;
    }
}

int tlsio_pkey_same_public(const tlsio_pkey *a, const tlsio_pkey *b) {
    return EVP_PKEY_cmp(evp(a), evp(b)) == 1;
}

void tlsio_pkey_free(tlsio_pkey *k) {
    EVP_PKEY_free(evp(k));
}

/*
 * Refuses key types we do not sign or verify with, and RSA keys below min_rsa bits.
 * Returns NULL or the reason, written into buf.
 */
static const char *unsupported_reason(const EVP_PKEY *pk, unsigned min_rsa, char *buf, size_t cap) {
    tlsio_key_type t = type_of(pk);
    if (t == TLSIO_KEY_NONE) {
        snprintf(buf, cap, "key type is not RSA, ECDSA P-256/P-384/P-521 or Ed25519");
        return buf;
    }
    if (t == TLSIO_KEY_RSA && EVP_PKEY_bits(pk) < (int)min_rsa) {
        snprintf(buf, cap, "RSA key has %d bits; at least %u are required", EVP_PKEY_bits(pk),
                 min_rsa);
        return buf;
    }
    return NULL;
}

/* A password callback that refuses: encrypted keys must be decrypted by the caller. */
static int no_password(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

static int accept_private(tlsio_pkey **out, EVP_PKEY *pk, const char *what, tlsio_err *err) {
    char buf[96];
    const char *why = unsupported_reason(pk, TLSIO_RSA_MIN_BITS, buf, sizeof(buf));
    if (why != NULL) {
        EVP_PKEY_free(pk);
        return tlsio_err_set(err, TLS_E_USAGE, "%s: %s", what, why);
    }
    *out = (tlsio_pkey *)pk;
    return 0;
}

int tlsio_pkey_from_pem(tlsio_pkey **out, const uint8_t *pem, size_t pem_len, tlsio_err *err) {
    *out = NULL;
    if (pem_len > (size_t)INT32_MAX)
        return tlsio_err_set(err, TLS_E_USAGE, "private key PEM: too long");
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    if (bio == NULL) return tlsio_err_set(err, TLS_E_NOMEM, "private key PEM: out of memory");
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    BIO_free(bio);
    if (pk == NULL) {
        uint32_t e = ERR_peek_last_error();
        ERR_clear_error();
        int encrypted =
            ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_BAD_PASSWORD_READ;
        return tlsio_err_set(err, TLS_E_USAGE, "%s",
                             encrypted ? "private key PEM: encrypted keys are not supported"
                                       : "private key PEM: no readable PRIVATE KEY, RSA PRIVATE "
                                         "KEY or EC PRIVATE KEY block");
    }
    return accept_private(out, pk, "private key PEM", err);
}

/* Applies the key policy to a peer's public key (from a certificate or an SPKI). */
static int accept_public(tlsio_pkey **out, EVP_PKEY *pk, unsigned min_rsa, const char *what,
                         tlsio_err *err) {
    char buf[96];
    const char *why = unsupported_reason(pk, min_rsa, buf, sizeof(buf));
    if (why != NULL) {
        EVP_PKEY_free(pk);
        /* RFC 8446 §6.2: unsupported_certificate, "a certificate was of an unsupported type". */
        return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                              "%s: %s", what, why);
    }
    *out = (tlsio_pkey *)pk;
    return 0;
}

int tlsio_pkey_from_x509(tlsio_pkey **out, X509 *x, unsigned min_rsa_bits, tlsio_err *err) {
    *out = NULL;
    EVP_PKEY *pk = X509_get_pubkey(x);
    if (pk == NULL) {
        ASN1_OBJECT *alg = NULL;
        char oid[80] = "?";
        if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(x)) && alg)
            OBJ_obj2txt(oid, sizeof(oid), alg, 0);
        ERR_clear_error();
        return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                              "certificate: public key algorithm %s is not supported", oid);
    }
    return accept_public(out, pk, min_rsa_bits, "certificate", err);
}

int tlsio_pkey_from_cert_der_min_rsa(tlsio_pkey **out, const uint8_t *der, size_t der_len,
                                     unsigned min_rsa_bits, tlsio_err *err) {
    *out = NULL;
    const uint8_t *p = der;
    X509 *x = der_len <= (size_t)INT32_MAX ? d2i_X509(NULL, &p, (long)der_len) : NULL;
    if (x == NULL || p != der + der_len) {
        X509_free(x);
        ERR_clear_error();
        /* RFC 8446 §6.2: bad_certificate, "a certificate was corrupt". */
        return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                              "certificate: malformed DER");
    }
    int rc = tlsio_pkey_from_x509(out, x, min_rsa_bits, err);
    X509_free(x);
    return rc;
}

int tlsio_pkey_from_cert_der(tlsio_pkey **out, const uint8_t *der, size_t der_len, tlsio_err *err) {
    return tlsio_pkey_from_cert_der_min_rsa(out, der, der_len, TLSIO_RSA_MIN_BITS, err);
}

/* ---- scheme policy ---- */

static int scheme_allowed(const struct scheme_info *s, tlsio_sig_use use) {
    switch (s->kind) {
    case KIND_RSA_PKCS1:
        /* RFC 8446 §4.2.3: rsa_pkcs1_* only for certificate signatures (and TLS 1.2). */
        return use == TLSIO_SIG_USE_TLS12 || use == TLSIO_SIG_USE_CERT;
    case KIND_RSA_PSS_RSAE:
    case KIND_ECDSA:
    case KIND_ED25519: /* RFC 8422 §5.1.3 brings Ed25519 to TLS 1.2 too */
        return use == TLSIO_SIG_USE_TLS13 || use == TLSIO_SIG_USE_TLS12 ||
               use == TLSIO_SIG_USE_CERT;
    default:
        /* SHA-1 schemes (RFC 8446 §4.2.3: MUST NOT be offered or negotiated for
         * CertificateVerify); rsa_pss_pss_*: libcrypto cannot load RSASSA-PSS keys. */
        return 0;
    }
}

int tlsio_sig_scheme_allowed(uint16_t scheme, tlsio_sig_use use) {
    const struct scheme_info *s = find_scheme(scheme);
    return s != NULL && scheme_allowed(s, use);
}

static size_t hash_len(enum sig_hash h) {
    return h == HASH_SHA512 ? 64 : h == HASH_SHA384 ? 48 : 32;
}

/*
 * Key size policy (RSA >= 2048 bits) is applied when a key is loaded; here only the type
 * has to fit the scheme.
 */
static int key_fits(const EVP_PKEY *pk, const struct scheme_info *s, tlsio_sig_use use) {
    if (!scheme_allowed(s, use)) return 0;
    tlsio_key_type t = type_of(pk);
    switch (s->kind) {
    case KIND_RSA_PKCS1:
        return t == TLSIO_KEY_RSA;
    case KIND_RSA_PSS_RSAE:
        /* rsaEncryption keys (RFC 8446 §4.2.3). RFC 8017 §9.1.1: PSS with salt = hash
         * length needs a modulus of at least 2*hLen + 2 bytes (met by any 2048-bit key). */
        return t == TLSIO_KEY_RSA && (size_t)EVP_PKEY_size(pk) >= 2 * hash_len(s->hash) + 2;
    case KIND_ED25519:
        return t == TLSIO_KEY_ED25519;
    case KIND_ECDSA:
        /* RFC 8446 §4.2.3: in TLS 1.3 the scheme fixes the curve; in TLS 1.2 it names only
         * the hash (RFC 5246 §7.4.1.4.1), so any of our curves will do. */
        if (use == TLSIO_SIG_USE_TLS12)
            return t == TLSIO_KEY_EC_P256 || t == TLSIO_KEY_EC_P384 || t == TLSIO_KEY_EC_P521;
        return t == s->curve;
    default:
        return 0;
    }
}

int tlsio_sig_key_supports(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use) {
    const struct scheme_info *s = find_scheme(scheme);
    return s != NULL && key_fits(evp(k), s, use);
}

static const char *key_desc(const EVP_PKEY *pk, char *buf, size_t cap) {
    tlsio_key_type t = type_of(pk);
    if (t == TLSIO_KEY_RSA)
        snprintf(buf, cap, "RSA-%d", EVP_PKEY_bits(pk));
    else
        snprintf(buf, cap, "%s", tlsio_key_type_name(t));
    return buf;
}

size_t tlsio_sig_max_len(const tlsio_pkey *k) {
    int n = EVP_PKEY_size(evp(k));
    return n > 0 ? (size_t)n : 0;
}

/* Sets up ctx for scheme s: the hash, and PSS padding with salt = hash length. */
static int init_ctx(EVP_MD_CTX *ctx, const struct scheme_info *s, EVP_PKEY *pk, int sign) {
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *md = md_of(s->hash);
    int ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, pk)
                  : EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk);
    if (!ok) return 0;
    if (s->kind == KIND_RSA_PSS_RSAE) {
        /* RFC 8446 §4.2.3: "The length of the Salt MUST be equal to the length of the
         * output of the digest algorithm"; -1 asks libcrypto for exactly that. */
        if (!EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) ||
            !EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1))
            return 0;
    }
    return 1;
}

int tlsio_sig_sign(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use, const uint8_t *msg,
                   size_t msg_len, CBB *out, tlsio_err *err) {
    EVP_PKEY *pk = evp(k);
    const struct scheme_info *s = find_scheme(scheme);
    char desc[32];
    if (s == NULL || !key_fits(pk, s, use))
        return tlsio_err_set(err, TLS_E_USAGE, "sign: scheme 0x%04x does not fit our %s key",
                             scheme, key_desc(pk, desc, sizeof(desc)));
    if (!tlsio_pkey_has_private(k))
        return tlsio_err_set(err, TLS_E_USAGE, "sign: the %s key has no private part",
                             key_desc(pk, desc, sizeof(desc)));
    size_t cap = tlsio_sig_max_len(k), len = cap;
    uint8_t *dst = NULL;
    EVP_MD_CTX ctx;
    EVP_MD_CTX_init(&ctx);
    int ok = init_ctx(&ctx, s, pk, 1) && CBB_reserve(out, &dst, cap) &&
             EVP_DigestSign(&ctx, dst, &len, msg, msg_len) && CBB_did_write(out, len);
    EVP_MD_CTX_cleanup(&ctx);
    if (!ok) {
        ERR_clear_error();
        return tlsio_err_set(err, TLS_E_INTERNAL, "sign: %s failed", s->name);
    }
    return 0;
}

int tlsio_sig_verify(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use, const uint8_t *msg,
                     size_t msg_len, const uint8_t *sig, size_t sig_len, const char *what,
                     tlsio_err *err) {
    EVP_PKEY *pk = evp(k);
    const struct scheme_info *s = find_scheme(scheme);
    char desc[32];
    /* RFC 8446 §4.4.3: the scheme must be one we offered and fit the certificate key. */
    if (s == NULL)
        return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s: unknown signature scheme 0x%04x", what, scheme);
    if (!scheme_allowed(s, use))
        return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s: signature scheme %s is not allowed here", what, s->name);
    if (!key_fits(pk, s, use))
        return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s: %s does not match the %s certificate key", what, s->name,
                             key_desc(pk, desc, sizeof(desc)));
    EVP_MD_CTX ctx;
    EVP_MD_CTX_init(&ctx);
    int ok = init_ctx(&ctx, s, pk, 0) && EVP_DigestVerify(&ctx, sig, sig_len, msg, msg_len);
    EVP_MD_CTX_cleanup(&ctx);
    if (!ok) {
        ERR_clear_error();
        /* RFC 8446 §4.4.3: a CertificateVerify that does not verify -> decrypt_error. */
        return tlsio_err_set(err, TLS_ALERT_DECRYPT_ERROR, "%s: signature does not verify with %s",
                             what, s->name);
    }
    return 0;
}

size_t tlsio_certverify_content(int is_server, const uint8_t *transcript_hash, size_t th_len,
                                uint8_t out[TLSIO_CERTVERIFY_MAX_LEN]) {
    /* RFC 8446 §4.4.3: 64 x 0x20, the context string, a 0 byte, Transcript-Hash. */
    static const char server_ctx[] = "TLS 1.3, server CertificateVerify";
    static const char client_ctx[] = "TLS 1.3, client CertificateVerify";
    const char *c = is_server ? server_ctx : client_ctx;
    size_t clen = sizeof(server_ctx) - 1;
    if (th_len > 64) return 0;
    memset(out, 0x20, 64);
    memcpy(out + 64, c, clen);
    out[64 + clen] = 0;
    memcpy(out + 64 + clen + 1, transcript_hash, th_len);
    return 64 + clen + 1 + th_len;
}
