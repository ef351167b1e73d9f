/*
 * Signatures for TLS: private/public keys, SignatureScheme policy (RFC 8446 §4.2.3),
 * signing and verification, and the TLS 1.3 CertificateVerify content (RFC 8446 §4.4.3).
 * Part of the crypto adapter: the only code besides CBS/CBB that calls libcrypto.
 */
#ifndef TLSIO_CRYPTO_SIG_H
#define TLSIO_CRYPTO_SIG_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/bytestring.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SignatureScheme values (RFC 8446 §4.2.3). */
#define TLSIO_SIG_RSA_PKCS1_SHA1         0x0201 /* always refused */
#define TLSIO_SIG_ECDSA_SHA1             0x0203 /* always refused */
#define TLSIO_SIG_RSA_PKCS1_SHA256       0x0401
#define TLSIO_SIG_RSA_PKCS1_SHA384       0x0501
#define TLSIO_SIG_RSA_PKCS1_SHA512       0x0601
#define TLSIO_SIG_ECDSA_SECP256R1_SHA256 0x0403
#define TLSIO_SIG_ECDSA_SECP384R1_SHA384 0x0503
#define TLSIO_SIG_ECDSA_SECP521R1_SHA512 0x0603
#define TLSIO_SIG_RSA_PSS_RSAE_SHA256    0x0804
#define TLSIO_SIG_RSA_PSS_RSAE_SHA384    0x0805
#define TLSIO_SIG_RSA_PSS_RSAE_SHA512    0x0806
#define TLSIO_SIG_ED25519                0x0807
#define TLSIO_SIG_RSA_PSS_PSS_SHA256     0x0809 /* unsupported: libcrypto has no PSS keys */
#define TLSIO_SIG_RSA_PSS_PSS_SHA384     0x080a
#define TLSIO_SIG_RSA_PSS_PSS_SHA512     0x080b

/*
 * Where a signature is used; the allowed schemes differ (RFC 8446 §4.2.3):
 * rsa_pkcs1_* are allowed in TLS 1.2 and in certificates, never in a TLS 1.3
 * CertificateVerify; in TLS 1.3 an ECDSA scheme also fixes the curve.
 */
typedef enum tlsio_sig_use {
    TLSIO_SIG_USE_TLS13 = 1, /* TLS 1.3 CertificateVerify */
    TLSIO_SIG_USE_TLS12 = 2, /* TLS 1.2 ServerKeyExchange / CertificateVerify */
    TLSIO_SIG_USE_CERT = 3   /* signatures inside certificates (signature_algorithms_cert) */
} tlsio_sig_use;

typedef enum tlsio_key_type {
    TLSIO_KEY_NONE = 0,
    TLSIO_KEY_RSA = 1, /* rsaEncryption, >= 2048 bits */
    TLSIO_KEY_EC_P256 = 2,
    TLSIO_KEY_EC_P384 = 3,
    TLSIO_KEY_EC_P521 = 4,
    TLSIO_KEY_ED25519 = 5
} tlsio_key_type;

/* Minimum RSA modulus we accept anywhere (private keys and peer certificates). */
#define TLSIO_RSA_MIN_BITS 2048

/* A private or public key (wraps an EVP_PKEY; reference counted). */
typedef struct tlsio_pkey tlsio_pkey;

/*
 * Loads a private key from PEM text in memory: "PRIVATE KEY" (PKCS#8),
 * "RSA PRIVATE KEY" or "EC PRIVATE KEY". Encrypted PEM is refused. Key types other than
 * tlsio_key_type's, or RSA below 2048 bits, are refused. Returns 0, TLS_E_USAGE with a
 * sentence, or TLS_E_NOMEM.
 */
int tlsio_pkey_from_pem(tlsio_pkey **out, const uint8_t *pem, size_t pem_len,
                        tlsio_err *err) TLSIO_MUST_CHECK;
/*
 * The public key of a DER certificate. Malformed DER -> TLS_ALERT_BAD_CERTIFICATE; a key
 * type we do not support (or RSA < 2048) -> TLS_ALERT_UNSUPPORTED_CERTIFICATE.
 */
int tlsio_pkey_from_cert_der(tlsio_pkey **out, const uint8_t *der, size_t der_len,
                             tlsio_err *err) TLSIO_MUST_CHECK;
/*
 * As tlsio_pkey_from_cert_der with another RSA floor. Only for replaying published traces:
 * RFC 8448's server certificate has a 1024-bit RSA key.
 */
int tlsio_pkey_from_cert_der_min_rsa(tlsio_pkey **out, const uint8_t *der, size_t der_len,
                                     unsigned min_rsa_bits, tlsio_err *err) TLSIO_MUST_CHECK;
/*
 * The public key of an already parsed certificate (x keeps its own reference), with the
 * policy and sentences of tlsio_pkey_from_cert_der_min_rsa. For the X.509 adapter, which
 * parses a peer's leaf once (tlsio_x509_verify_chain_leaf).
 */
int tlsio_pkey_from_x509(tlsio_pkey **out, X509 *x, unsigned min_rsa_bits,
                         tlsio_err *err) TLSIO_MUST_CHECK;

tlsio_key_type tlsio_pkey_type(const tlsio_pkey *k);
/* "RSA-2048", "ECDSA P-256", "Ed25519", ... (for messages). */
const char *tlsio_key_type_name(tlsio_key_type t);
unsigned tlsio_pkey_bits(const tlsio_pkey *k);
int tlsio_pkey_has_private(const tlsio_pkey *k);
/* 1 if the two keys have the same public part (a certificate matches its key). */
int tlsio_pkey_same_public(const tlsio_pkey *a, const tlsio_pkey *b);
void tlsio_pkey_free(tlsio_pkey *k); /* NULL is fine */

/* "ecdsa_secp256r1_sha256" etc. (RFC 8446 names), or NULL for an unknown scheme. */
const char *tlsio_sig_scheme_name(uint16_t scheme);
/* How many schemes tlsio names (tlsio_sig_scheme_name), and the index of one (0 to
 * TLSIO_SIG_SCHEMES_KNOWN - 1), or -1 for any other value. */
#define TLSIO_SIG_SCHEMES_KNOWN 15
int tlsio_sig_scheme_index(uint16_t scheme);
/* 1 if we implement `scheme` for `use` at all (key aside); sha1 schemes never. */
int tlsio_sig_scheme_allowed(uint16_t scheme, tlsio_sig_use use);
/*
 * 1 if key k can make/verify `scheme` in `use`: the scheme is allowed and the key type
 * matches (RSA for rsa_pss_rsae_* / rsa_pkcs1_*; Ed25519 for ed25519; for ECDSA in TLS 1.3
 * and certificates the curve must match the scheme; in TLS 1.2 the ECDSA hash is free).
 */
int tlsio_sig_key_supports(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use);

/* Upper bound of a signature by k (for sizing buffers). */
size_t tlsio_sig_max_len(const tlsio_pkey *k);

/*
 * Signs msg with k under scheme and appends the raw signature to out (no length prefix).
 * RSA-PSS uses a salt as long as the hash (RFC 8446 §4.2.3). A scheme the key does not
 * support -> TLS_E_USAGE; libcrypto failure -> TLS_E_INTERNAL.
 */
int tlsio_sig_sign(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use, const uint8_t *msg,
                   size_t msg_len, CBB *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Verifies sig over msg with public key k under scheme. `what` names the message for the
 * sentence (e.g. "CertificateVerify"). A scheme not allowed for `use` or not matching the
 * key -> TLS_ALERT_ILLEGAL_PARAMETER ("CertificateVerify: ecdsa_secp384r1_sha384 does not
 * match the ECDSA P-256 certificate key"); a bad signature -> TLS_ALERT_DECRYPT_ERROR
 * ("CertificateVerify: signature does not verify with rsa_pss_rsae_sha256").
 */
int tlsio_sig_verify(const tlsio_pkey *k, uint16_t scheme, tlsio_sig_use use, const uint8_t *msg,
                     size_t msg_len, const uint8_t *sig, size_t sig_len, const char *what,
                     tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 8446 §4.4.3: the content a TLS 1.3 CertificateVerify signs: 64 spaces, the context
 * string "TLS 1.3, server CertificateVerify" (or client), one 0x00, the transcript hash.
 * out needs TLSIO_CERTVERIFY_MAX_LEN bytes; returns the length written, or 0 if
 * th_len > 64 (never happens with SHA-256/384).
 */
#define TLSIO_CERTVERIFY_MAX_LEN (64 + 33 + 1 + 64)
size_t tlsio_certverify_content(int is_server, const uint8_t *transcript_hash, size_t th_len,
                                uint8_t out[TLSIO_CERTVERIFY_MAX_LEN]);

#ifdef __cplusplus
}
#endif
#endif
