/* Random bytes, always reached through a handle the config owns (never a global). */
#ifndef TLSIO_CRYPTO_RNG_H
#define TLSIO_CRYPTO_RNG_H

#include <tlsio/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlsio_rng {
    tls_rng_fn fn; /* NULL: libcrypto's RAND_bytes */
    void *ctx;
} tlsio_rng;

/* Fills out with n random bytes. A NULL rng means libcrypto's RNG. */
void tlsio_rng_bytes(const tlsio_rng *rng, uint8_t *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
