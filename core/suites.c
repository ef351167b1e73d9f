/* The cipher suites tlsio implements, and the names of protocol constants. */
#include "suites.h"

#include <string.h>
#include <tlsio/core.h>

#include "crypto_kex.h"
#include "crypto_sig.h"

/*
 * Default preference order: TLS 1.3 first (RFC 8446 §B.4), then the TLS 1.2 ECDHE AEAD
 * suites (RFC 5289 §3.2 for AES-GCM, RFC 7905 §2 for ChaCha20-Poly1305). AES-128 before
 * AES-256 and ChaCha20 last, ECDSA before RSA within each cipher. Every suite has forward
 * secrecy and an AEAD: no CBC, no RSA key transport, no static DH.
 */
static const tlsio_suite suites[] = {
    {TLSIO_TLS_AES_128_GCM_SHA256, TLS_VERSION_1_3, TLSIO_AES_128_GCM, TLSIO_SHA256, TLSIO_AUTH_ANY,
     "TLS_AES_128_GCM_SHA256"},
    {TLSIO_TLS_AES_256_GCM_SHA384, TLS_VERSION_1_3, TLSIO_AES_256_GCM, TLSIO_SHA384, TLSIO_AUTH_ANY,
     "TLS_AES_256_GCM_SHA384"},
    {TLSIO_TLS_CHACHA20_POLY1305_SHA256, TLS_VERSION_1_3, TLSIO_CHACHA20_POLY1305, TLSIO_SHA256,
     TLSIO_AUTH_ANY, "TLS_CHACHA20_POLY1305_SHA256"},
    {TLSIO_ECDHE_ECDSA_AES_128_GCM_SHA256, TLS_VERSION_1_2, TLSIO_AES_128_GCM, TLSIO_SHA256,
     TLSIO_AUTH_ECDSA, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {TLSIO_ECDHE_RSA_AES_128_GCM_SHA256, TLS_VERSION_1_2, TLSIO_AES_128_GCM, TLSIO_SHA256,
     TLSIO_AUTH_RSA, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {TLSIO_ECDHE_ECDSA_AES_256_GCM_SHA384, TLS_VERSION_1_2, TLSIO_AES_256_GCM, TLSIO_SHA384,
     TLSIO_AUTH_ECDSA, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {TLSIO_ECDHE_RSA_AES_256_GCM_SHA384, TLS_VERSION_1_2, TLSIO_AES_256_GCM, TLSIO_SHA384,
     TLSIO_AUTH_RSA, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    /* RFC 7905 §2: the TLS 1.2 ChaCha20-Poly1305 suites use SHA-256 for the PRF. */
    {TLSIO_ECDHE_ECDSA_CHACHA20_POLY1305, TLS_VERSION_1_2, TLSIO_CHACHA20_POLY1305, TLSIO_SHA256,
     TLSIO_AUTH_ECDSA, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {TLSIO_ECDHE_RSA_CHACHA20_POLY1305, TLS_VERSION_1_2, TLSIO_CHACHA20_POLY1305, TLSIO_SHA256,
     TLSIO_AUTH_RSA, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

const tlsio_suite *tlsio_suite_find(uint16_t id) {
    for (size_t i = 0; i < N_SUITES; i++)
        if (suites[i].id == id) return &suites[i];
    return NULL;
}

const tlsio_suite *tlsio_suite_by_name(const char *name, size_t len) {
    if (name == NULL) return NULL;
    for (size_t i = 0; i < N_SUITES; i++)
        if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0)
            return &suites[i];
    return NULL;
}

const tlsio_suite *tlsio_suite_at(size_t i) {
    return i < N_SUITES ? &suites[i] : NULL;
}

size_t tlsio_suite_count(void) {
    return N_SUITES;
}

const char *tls_cipher_suite_name(uint16_t suite) {
    const tlsio_suite *s = tlsio_suite_find(suite);
    return s != NULL ? s->name : "unknown";
}

const char *tls_version_name(uint16_t version) {
    /* Wire values: RFC 8446 §4.2.1 (0x0304), RFC 5246 §A.1 (0x0303), RFC 4346 (0x0302),
     * RFC 2246 (0x0301), RFC 6101 (0x0300). The old ones are named only so that messages
     * about refused peers can say what they offered. */
    switch (version) {
    case TLS_VERSION_1_3:
        return "TLSv1.3";
    case TLS_VERSION_1_2:
        return "TLSv1.2";
    case 0x0302:
        return "TLSv1.1";
    case 0x0301:
        return "TLSv1.0";
    case 0x0300:
        return "SSLv3";
    default:
        return "unknown";
    }
}

const char *tls_group_name(uint16_t group) {
    const char *n = tlsio_group_name(group);
    return n != NULL ? n : "unknown";
}

const char *tls_signature_scheme_name(uint16_t scheme) {
    const char *n = tlsio_sig_scheme_name(scheme);
    return n != NULL ? n : "unknown";
}
