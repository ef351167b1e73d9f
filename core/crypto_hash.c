/* Hash, HMAC and HKDF adapter over libcrypto. */
#include "crypto_hash.h"

#include <openssl/digest.h>
#include <openssl/hkdf.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>

static const EVP_MD *md_of(tlsio_hash_alg alg) {
    return alg == TLSIO_SHA384 ? EVP_sha384() : EVP_sha256();
}

size_t tlsio_hash_len(tlsio_hash_alg alg) {
    return alg == TLSIO_SHA384 ? SHA384_DIGEST_LENGTH : SHA256_DIGEST_LENGTH;
}

void tlsio_hash_init(tlsio_hash *h, tlsio_hash_alg alg) {
    h->alg = alg;
    if (alg == TLSIO_SHA384)
        SHA384_Init(&h->u.sha384);
    else
        SHA256_Init(&h->u.sha256);
}

void tlsio_hash_update(tlsio_hash *h, const void *data, size_t len) {
    if (h->alg == TLSIO_SHA384)
        SHA384_Update(&h->u.sha384, data, len);
    else
        SHA256_Update(&h->u.sha256, data, len);
}

void tlsio_hash_peek(const tlsio_hash *h, uint8_t *out) {
    tlsio_hash copy = *h;
    if (copy.alg == TLSIO_SHA384)
        SHA384_Final(out, &copy.u.sha384);
    else
        SHA256_Final(out, &copy.u.sha256);
    tlsio_hash_wipe(&copy);
}

void tlsio_hash_oneshot(tlsio_hash_alg alg, const void *data, size_t len, uint8_t *out) {
    tlsio_hash h;
    tlsio_hash_init(&h, alg);
    tlsio_hash_update(&h, data, len);
    tlsio_hash_peek(&h, out);
    tlsio_hash_wipe(&h);
}

void tlsio_hash_wipe(tlsio_hash *h) {
    OPENSSL_cleanse(h, sizeof(*h));
}

int tlsio_hmac(tlsio_hash_alg alg, const uint8_t *key, size_t key_len, const uint8_t *data,
               size_t data_len, uint8_t *out) {
    unsigned out_len = 0;
    if (HMAC(md_of(alg), key, key_len, data, data_len, out, &out_len) == NULL)
        return TLS_E_INTERNAL;
    return 0;
}

int tlsio_hmac_key_init(tlsio_hmac_key *k, tlsio_hash_alg alg, const uint8_t *key, size_t key_len) {
    HMAC_CTX_init(&k->ctx);
    return HMAC_Init_ex(&k->ctx, key, key_len, md_of(alg), NULL) ? 0 : TLS_E_INTERNAL;
}

int tlsio_hmac_with(tlsio_hmac_key *k, const uint8_t *a, size_t a_len, const uint8_t *b,
                    size_t b_len, uint8_t *out) {
    unsigned out_len = 0;
    /* A NULL key and digest restart from the prepared key state (no re-keying). */
    if (!HMAC_Init_ex(&k->ctx, NULL, 0, NULL, NULL) || !HMAC_Update(&k->ctx, a, a_len) ||
        !HMAC_Update(&k->ctx, b, b_len) || !HMAC_Final(&k->ctx, out, &out_len))
        return TLS_E_INTERNAL;
    return 0;
}

void tlsio_hmac_key_wipe(tlsio_hmac_key *k) {
    HMAC_CTX_cleanup(&k->ctx); /* frees and cleanses the three digest states */
}

int tlsio_hkdf_extract(tlsio_hash_alg alg, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                       size_t ikm_len, uint8_t *out) {
    size_t out_len = 0;
    if (!HKDF_extract(out, &out_len, md_of(alg), ikm, ikm_len, salt, salt_len))
        return TLS_E_INTERNAL;
    return 0;
}

int tlsio_hkdf_expand(tlsio_hash_alg alg, const uint8_t *prk, size_t prk_len, const uint8_t *info,
                      size_t info_len, uint8_t *out, size_t out_len) {
    if (!HKDF_expand(out, out_len, md_of(alg), prk, prk_len, info, info_len)) return TLS_E_INTERNAL;
    return 0;
}
