/* AEAD adapter over libcrypto's EVP_AEAD. */
#include "crypto_aead.h"

#include <openssl/err.h>
#include <openssl/mem.h>
#include <string.h>

static const EVP_AEAD *aead_of(tlsio_aead_alg alg) {
    switch (alg) {
    case TLSIO_AES_128_GCM:
        return EVP_aead_aes_128_gcm();
    case TLSIO_AES_256_GCM:
        return EVP_aead_aes_256_gcm();
    case TLSIO_CHACHA20_POLY1305:
        return EVP_aead_chacha20_poly1305();
    }
    return NULL;
}

size_t tlsio_aead_key_len(tlsio_aead_alg alg) {
    return alg == TLSIO_AES_128_GCM ? 16 : 32;
}

int tlsio_aead_init(tlsio_aead *a, tlsio_aead_alg alg, const uint8_t *key, size_t key_len) {
    const EVP_AEAD *aead = aead_of(alg);
    memset(a, 0, sizeof(*a));
    if (aead == NULL || key_len != EVP_AEAD_key_length(aead)) return TLS_E_INTERNAL;
    if (!EVP_AEAD_CTX_init(&a->ctx, aead, key, key_len, TLSIO_AEAD_TAG_LEN, NULL)) {
        ERR_clear_error();
        return TLS_E_INTERNAL;
    }
    a->alg = alg;
    a->live = 1;
    return 0;
}

void tlsio_aead_free(tlsio_aead *a) {
    if (a->live) EVP_AEAD_CTX_cleanup(&a->ctx);
    OPENSSL_cleanse(a, sizeof(*a));
}

int tlsio_aead_seal(const tlsio_aead *a, const uint8_t nonce[TLSIO_AEAD_NONCE_LEN],
                    const uint8_t *ad, size_t ad_len, uint8_t *buf, size_t len) {
    size_t out_len = 0;
    if (!a->live || !EVP_AEAD_CTX_seal(&a->ctx, buf, &out_len, len + TLSIO_AEAD_TAG_LEN, nonce,
                                       TLSIO_AEAD_NONCE_LEN, buf, len, ad, ad_len)) {
        ERR_clear_error();
        return TLS_E_INTERNAL;
    }
    return 0;
}

int tlsio_aead_open(const tlsio_aead *a, const uint8_t nonce[TLSIO_AEAD_NONCE_LEN],
                    const uint8_t *ad, size_t ad_len, uint8_t *buf, size_t len, size_t *out_len) {
    if (!a->live || len < TLSIO_AEAD_TAG_LEN) return TLS_ALERT_BAD_RECORD_MAC;
    if (!EVP_AEAD_CTX_open(&a->ctx, buf, out_len, len, nonce, TLSIO_AEAD_NONCE_LEN, buf, len, ad,
                           ad_len)) {
        ERR_clear_error();
        return TLS_ALERT_BAD_RECORD_MAC;
    }
    return 0;
}

int tlsio_aead_aes_is_fast(void) {
    return EVP_has_aes_hardware();
}
