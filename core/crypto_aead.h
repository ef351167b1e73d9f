/*
 * AEAD adapter: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, all with 12-byte nonces and
 * 16-byte tags. Sealing and opening work in place so records are never copied.
 */
#ifndef TLSIO_CRYPTO_AEAD_H
#define TLSIO_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/aead.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tlsio_aead_alg {
    TLSIO_AES_128_GCM = 1,
    TLSIO_AES_256_GCM = 2,
    TLSIO_CHACHA20_POLY1305 = 3
} tlsio_aead_alg;

#define TLSIO_AEAD_NONCE_LEN   12
#define TLSIO_AEAD_TAG_LEN     16
#define TLSIO_AEAD_MAX_KEY_LEN 32

typedef struct tlsio_aead {
    EVP_AEAD_CTX ctx;
    tlsio_aead_alg alg;
    int live; /* ctx holds a key and must be cleaned up */
} tlsio_aead;

size_t tlsio_aead_key_len(tlsio_aead_alg alg);

/* Whether this CPU has AES instructions (libcrypto's own check). Without them AES-GCM is
 * several times slower than ChaCha20-Poly1305 and not constant-time in software. */
int tlsio_aead_aes_is_fast(void);

/* Keys the AEAD (a is overwritten; call tlsio_aead_free on an older key first). */
int tlsio_aead_init(tlsio_aead *a, tlsio_aead_alg alg, const uint8_t *key,
                    size_t key_len) TLSIO_MUST_CHECK;
/* Wipes the key; safe on a zeroed or already-freed tlsio_aead. */
void tlsio_aead_free(tlsio_aead *a);

/*
 * Encrypts buf[0..len) in place and appends the tag: buf must have room for
 * len + TLSIO_AEAD_TAG_LEN bytes. Returns 0 or TLS_E_INTERNAL.
 */
int tlsio_aead_seal(const tlsio_aead *a, const uint8_t nonce[TLSIO_AEAD_NONCE_LEN],
                    const uint8_t *ad, size_t ad_len, uint8_t *buf, size_t len) TLSIO_MUST_CHECK;

/*
 * Decrypts buf[0..len) (ciphertext then tag) in place; on success *out_len is the
 * plaintext length. Returns 0, or TLS_ALERT_BAD_RECORD_MAC for any authentication failure.
 */
int tlsio_aead_open(const tlsio_aead *a, const uint8_t nonce[TLSIO_AEAD_NONCE_LEN],
                    const uint8_t *ad, size_t ad_len, uint8_t *buf, size_t len,
                    size_t *out_len) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
