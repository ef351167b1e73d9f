/*
 * Hashes, HMAC and HKDF (RFC 5869) for the two hashes TLS suites use here.
 * Part of the crypto adapter: the only code besides CBS/CBB that calls libcrypto.
 */
#ifndef TLSIO_CRYPTO_HASH_H
#define TLSIO_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tlsio_hash_alg { TLSIO_SHA256 = 1, TLSIO_SHA384 = 2 } tlsio_hash_alg;

#define TLSIO_MAX_HASH_LEN 48

/* A running hash (a transcript, say); no heap, copyable by assignment. */
typedef struct tlsio_hash {
    tlsio_hash_alg alg;
    union {
        SHA256_CTX sha256;
        SHA512_CTX sha384;
    } u;
} tlsio_hash;

size_t tlsio_hash_len(tlsio_hash_alg alg);
void tlsio_hash_init(tlsio_hash *h, tlsio_hash_alg alg);
void tlsio_hash_update(tlsio_hash *h, const void *data, size_t len);
/* Writes the digest of everything hashed so far; h itself goes on unchanged. */
void tlsio_hash_peek(const tlsio_hash *h, uint8_t *out);
void tlsio_hash_oneshot(tlsio_hash_alg alg, const void *data, size_t len, uint8_t *out);
/* Wipes the state (it may hold a transcript derived from secrets). */
void tlsio_hash_wipe(tlsio_hash *h);

/* HMAC(key, data) -> out (tlsio_hash_len(alg) bytes). Returns 0 or TLS_E_INTERNAL. */
int tlsio_hmac(tlsio_hash_alg alg, const uint8_t *key, size_t key_len, const uint8_t *data,
               size_t data_len, uint8_t *out) TLSIO_MUST_CHECK;

/*
 * An HMAC key prepared once for several MACs under it (the TLS 1.2 PRF makes up to a dozen
 * per derivation): the padded-key hashes are computed by tlsio_hmac_key_init only, which
 * halves the cost of a short MAC. tlsio_hmac_key_wipe frees and wipes it.
 */
typedef struct tlsio_hmac_key {
    HMAC_CTX ctx;
} tlsio_hmac_key;

int tlsio_hmac_key_init(tlsio_hmac_key *k, tlsio_hash_alg alg, const uint8_t *key,
                        size_t key_len) TLSIO_MUST_CHECK;
/* HMAC(key, a || b) -> out (tlsio_hash_len bytes); b may be empty. The key stays usable. */
int tlsio_hmac_with(tlsio_hmac_key *k, const uint8_t *a, size_t a_len, const uint8_t *b,
                    size_t b_len, uint8_t *out) TLSIO_MUST_CHECK;
void tlsio_hmac_key_wipe(tlsio_hmac_key *k);

/* HKDF-Extract(salt, ikm) -> out (tlsio_hash_len(alg) bytes). */
int tlsio_hkdf_extract(tlsio_hash_alg alg, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                       size_t ikm_len, uint8_t *out) TLSIO_MUST_CHECK;

/* HKDF-Expand(prk, info) -> out_len bytes. */
int tlsio_hkdf_expand(tlsio_hash_alg alg, const uint8_t *prk, size_t prk_len, const uint8_t *info,
                      size_t info_len, uint8_t *out, size_t out_len) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
