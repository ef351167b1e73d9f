/* Cipher suites tlsio implements (all ECDHE + AEAD) and their parameters. */
#ifndef TLSIO_SUITES_H
#define TLSIO_SUITES_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_aead.h"
#include "crypto_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TLS 1.3 (RFC 8446 §B.4) */
#define TLSIO_TLS_AES_128_GCM_SHA256       0x1301
#define TLSIO_TLS_AES_256_GCM_SHA384       0x1302
#define TLSIO_TLS_CHACHA20_POLY1305_SHA256 0x1303
/* TLS 1.2 ECDHE AEAD (RFC 5289, RFC 7905) */
#define TLSIO_ECDHE_ECDSA_AES_128_GCM_SHA256 0xc02b
#define TLSIO_ECDHE_ECDSA_AES_256_GCM_SHA384 0xc02c
#define TLSIO_ECDHE_RSA_AES_128_GCM_SHA256   0xc02f
#define TLSIO_ECDHE_RSA_AES_256_GCM_SHA384   0xc030
#define TLSIO_ECDHE_RSA_CHACHA20_POLY1305    0xcca8
#define TLSIO_ECDHE_ECDSA_CHACHA20_POLY1305  0xcca9

typedef enum tlsio_suite_auth {
    TLSIO_AUTH_ANY = 0,   /* TLS 1.3: the certificate type is negotiated separately */
    TLSIO_AUTH_ECDSA = 1, /* TLS 1.2 ECDHE_ECDSA: ECDSA (or Ed25519) certificate */
    TLSIO_AUTH_RSA = 2    /* TLS 1.2 ECDHE_RSA: RSA certificate */
} tlsio_suite_auth;

typedef struct tlsio_suite {
    uint16_t id;
    uint16_t version; /* TLS_VERSION_1_3 or TLS_VERSION_1_2 */
    tlsio_aead_alg aead;
    tlsio_hash_alg hash;
    tlsio_suite_auth auth;
    const char *name; /* IANA name */
} tlsio_suite;

/* The suite with this id, or NULL if tlsio does not implement it. */
const tlsio_suite *tlsio_suite_find(uint16_t id);
/* The suite with this IANA name (exact, case-sensitive), or NULL. */
const tlsio_suite *tlsio_suite_by_name(const char *name, size_t len);
/* All suites, in tlsio's default preference order. */
const tlsio_suite *tlsio_suite_at(size_t i);
size_t tlsio_suite_count(void);

#ifdef __cplusplus
}
#endif
#endif
