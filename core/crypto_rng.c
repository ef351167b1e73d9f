/* The RNG adapter: an injected generator or libcrypto's. */
#include "crypto_rng.h"

#include <openssl/rand.h>

void tlsio_rng_bytes(const tlsio_rng *rng, uint8_t *out, size_t n) {
    if (rng != NULL && rng->fn != NULL) {
        rng->fn(rng->ctx, out, n);
        return;
    }
    RAND_bytes(out, n); /* BoringSSL's RAND_bytes cannot fail; it aborts instead */
}
