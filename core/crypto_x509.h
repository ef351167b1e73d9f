/*
 * X.509: trust stores, certificate chain verification and host name checks (RFC 9525).
 * Part of the crypto adapter: the only code besides CBS/CBB that calls libcrypto.
 *
 * The core has no clock and reads no files: callers hand in the current Unix time and
 * the trust anchors as bytes.
 */
#ifndef TLSIO_CRYPTO_X509_H
#define TLSIO_CRYPTO_X509_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/bytestring.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest chain we build, leaf and trust anchor included. */
#define TLSIO_X509_MAX_DEPTH 10

/* A set of trust anchors (wraps an X509_STORE; reference counted, read-only once built). */
typedef struct tlsio_trust tlsio_trust;

int tlsio_trust_new(tlsio_trust **out, tlsio_err *err) TLSIO_MUST_CHECK;
/* Adds one DER certificate. Malformed -> TLS_E_USAGE. */
int tlsio_trust_add_der(tlsio_trust *t, const uint8_t *der, size_t der_len,
                        tlsio_err *err) TLSIO_MUST_CHECK;
void tlsio_trust_free(tlsio_trust *t); /* NULL is fine */

typedef enum tlsio_cert_purpose {
    TLSIO_PURPOSE_SERVER = 1, /* we are a client checking a server: EKU serverAuth */
    TLSIO_PURPOSE_CLIENT = 2  /* we are a server checking a client: EKU clientAuth */
} tlsio_cert_purpose;

/* Only parses each certificate (for a peer's chain that cannot be verified anyway): 0, or
 * decode_error naming the first one that is not a DER certificate. */
int tlsio_x509_check_der(const CBS *certs, size_t n_certs, tlsio_cert_purpose purpose,
                         tlsio_err *err) TLSIO_MUST_CHECK;

/* Room for a leaf's subject line (tlsio_x509_leaf.subject), NUL included. */
#define TLSIO_X509_SUBJECT_MAX 256

/* What tlsio_x509_verify_chain_leaf hands back about the leaf of a chain it accepted. */
typedef struct tlsio_x509_leaf {
    struct tlsio_pkey *key; /* the leaf's public key: one reference, for tlsio_pkey_free */
    char subject[TLSIO_X509_SUBJECT_MAX]; /* as tlsio_x509_subject formats it */
    char issuer[TLSIO_X509_SUBJECT_MAX];  /* the leaf's issuer, formatted the same way */
    int64_t not_before, not_after;        /* the leaf's validity, Unix seconds */
    uint8_t sha256[32];                   /* SHA-256 of certs[0]'s DER (a fingerprint) */
} tlsio_x509_leaf;

/*
 * Verifies a peer's chain: certs[0] is the leaf, the rest are untrusted intermediates in
 * any order. `now` is Unix time (seconds) for validity checks. If host is not NULL the
 * leaf must match it (RFC 9525: DNS-IDs (subjectAltName dNSName) only, no Common Name
 * fallback; "*" only as the whole left-most label, matching exactly one label; ASCII
 * case-insensitive; a trailing dot in host is ignored; an IPv4/IPv6 literal matches only
 * iPAddress SANs). Returns 0 or an alert; the sentence (TLS_ERRCAT_CERTIFICATE) names the check:
 *   no path to a trust anchor, CA:FALSE issuer, too long ->  TLS_ALERT_UNKNOWN_CA
 *     "server certificate chain does not lead to a trusted root: unable to get local
 *      issuer certificate (depth 1, issuer 'CN=Intermediate')"
 *   expired or not yet valid -> TLS_ALERT_CERTIFICATE_EXPIRED (with the dates)
 *   wrong extended key usage -> TLS_ALERT_UNSUPPORTED_CERTIFICATE
 *   malformed DER, bad signature -> TLS_ALERT_BAD_CERTIFICATE
 *   host mismatch -> TLS_ALERT_BAD_CERTIFICATE, "server certificate does not match host
 *     'example.com' (SANs: a.example, b.example)"
 *   anything else libcrypto reports -> TLS_ALERT_CERTIFICATE_UNKNOWN
 * n_certs == 0 or a host that is neither a DNS name nor an IP literal -> TLS_E_USAGE.
 * Then, from the same parse of certs[0], the leaf's public key (the policy and sentences of
 * tlsio_pkey_from_cert_der: a key type we do not support or RSA below TLSIO_RSA_MIN_BITS ->
 * TLS_ALERT_UNSUPPORTED_CERTIFICATE), its subject and issuer lines, validity dates and
 * SHA-256 fingerprint.
 * On success out->key holds a reference the caller frees; on any error out->key is NULL
 * and out->subject is "".
 */
int tlsio_x509_verify_chain_leaf(const tlsio_trust *t, const CBS *certs, size_t n_certs,
                                 const char *host, tlsio_cert_purpose purpose, int64_t now,
                                 tlsio_x509_leaf *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * A certificate parsed once and kept for repeated host checks, e.g. a server's own leaf
 * matched against each ClientHello's server_name (wraps an X509; reference counted;
 * read-only once parsed, so connections on several threads may check one concurrently).
 */
typedef struct tlsio_x509_cert tlsio_x509_cert;

/* Parses one DER certificate (no trailing bytes). Malformed -> TLS_ALERT_BAD_CERTIFICATE. */
int tlsio_x509_cert_parse(tlsio_x509_cert **out, const uint8_t *der, size_t der_len,
                          tlsio_err *err) TLSIO_MUST_CHECK;
/*
 * 1 if c matches host under the host rules of tlsio_x509_verify_chain_leaf, else 0 (also for a host
 * that is neither a DNS name nor an IP literal, and for NULL). Builds no sentence: for
 * choosing among certificates, where a mismatch is not an error.
 */
int tlsio_x509_cert_matches_host(const tlsio_x509_cert *c, const char *host);
void tlsio_x509_cert_free(tlsio_x509_cert *c); /* NULL is fine */

/* 1 if host is an IPv4 dotted-quad or IPv6 literal (no brackets), else 0. */
int tlsio_host_is_ip_literal(const char *host);
/* 1 if host can be verified against a certificate (RFC 9525 §6.2): an IP literal, or a DNS
 * name as the host check reads it (letters, digits, '-', '_', non-empty labels of at
 * most 63, at most 253 in all, one trailing dot allowed, no wildcard), else 0. */
int tlsio_host_is_reference(const char *host);

/* 0 when the certificate's key may sign TLS handshakes: no keyUsage extension, or one with
 * digitalSignature (RFC 8446 §4.4.2.2); else unsupported_certificate with a sentence naming
 * `who` ("server", "client", "our") and the subject. */
int tlsio_x509_check_signing_usage(const uint8_t *der, size_t der_len, const char *who,
                                   tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * The certificate's subject as one line, RFC 2253 style ("CN=example.com,O=Example"),
 * truncated to fit cap (always NUL-terminated). Returns 0 or TLS_ALERT_BAD_CERTIFICATE.
 */
int tlsio_x509_subject(const uint8_t *der, size_t der_len, char *out, size_t cap) TLSIO_MUST_CHECK;

/* The issuer and subject Names of one DER certificate (RFC 5280 §4.1: tbsCertificate's
 * fourth and sixth fields), as views of their DER. 1, or 0 if cert is not shaped so. */
int tlsio_cert_names(const CBS *cert, CBS *issuer, CBS *subject);

#ifdef __cplusplus
}
#endif
#endif
