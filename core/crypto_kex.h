/*
 * Key exchange for TLS key shares (RFC 8446 §4.2.8): X25519, secp256r1, secp384r1.
 * Part of the crypto adapter: the only code besides CBS/CBB that calls libcrypto.
 *
 * A tlsio_kex holds one ephemeral private key as plain bytes (no heap), so it can live
 * inside a handshake state and be copied by assignment. Always release it with
 * tlsio_kex_wipe.
 */
#ifndef TLSIO_CRYPTO_KEX_H
#define TLSIO_CRYPTO_KEX_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_rng.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NamedGroup values (RFC 8446 §4.2.7). */
#define TLSIO_GROUP_SECP256R1 0x0017
#define TLSIO_GROUP_SECP384R1 0x0018
#define TLSIO_GROUP_X25519    0x001d

/* Longest public share (secp384r1 uncompressed point: 1 + 2*48) and shared secret. */
#define TLSIO_KEX_MAX_PUBLIC_LEN  97
#define TLSIO_KEX_MAX_SECRET_LEN  48
#define TLSIO_KEX_MAX_PRIVATE_LEN 48

typedef struct tlsio_kex {
    uint16_t group;                          /* 0: empty */
    uint8_t priv[TLSIO_KEX_MAX_PRIVATE_LEN]; /* X25519 scalar or big-endian NIST scalar */
    uint8_t pub[TLSIO_KEX_MAX_PUBLIC_LEN];   /* our encoded share */
    size_t priv_len;
    size_t pub_len;
} tlsio_kex;

/* 1 if we implement the group, else 0. */
int tlsio_group_supported(uint16_t group);
/* "x25519", "secp256r1", "secp384r1", or NULL for a group we do not know. */
const char *tlsio_group_name(uint16_t group);
/* Length of a key_exchange value (RFC 8446 §4.2.8.2) for the group; 0 if unsupported. */
size_t tlsio_group_public_len(uint16_t group);

/*
 * Generates a fresh key pair for `group` from `rng` (NULL: libcrypto's RNG).
 * X25519: the private key is exactly the next 32 RNG bytes (so a test can inject a
 * published private key). secp256r1/secp384r1: the scalar is the first RNG draw of
 * 32/48 bytes (big-endian) that lies in [1, n-1]; draws outside are rejected and redrawn.
 * Returns 0, TLS_E_USAGE for an unsupported group, or TLS_E_INTERNAL.
 */
int tlsio_kex_generate(tlsio_kex *k, uint16_t group, const tlsio_rng *rng,
                       tlsio_err *err) TLSIO_MUST_CHECK;

/* Our public share (k->pub, k->pub_len): 32 bytes, or 0x04||X||Y (65/97 bytes). */
static inline const uint8_t *tlsio_kex_public(const tlsio_kex *k, size_t *len) {
    *len = k->pub_len;
    return k->pub;
}

/*
 * Computes the shared secret with the peer's key_exchange value. Writes the group's secret
 * (32 bytes for x25519 and secp256r1, 48 for secp384r1; room for TLSIO_KEX_MAX_SECRET_LEN
 * suffices) to out and sets *out_len. The peer's share is validated strictly (RFC 8446
 * §4.2.8.2, §7.4): wrong length, a point not on the curve, a compressed or other
 * non-uncompressed encoding, or an all-zero X25519 result (RFC 7748 §6.1) ->
 * TLS_ALERT_ILLEGAL_PARAMETER with a sentence like
 * "key_share: secp256r1 point not on curve". NIST result = the X coordinate, padded to
 * the field length (RFC 8446 §7.4.1). On failure out is zeroed.
 */
int tlsio_kex_compute(const tlsio_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out,
                      size_t *out_len, tlsio_err *err) TLSIO_MUST_CHECK;

/* Wipes the private key; safe on a zeroed or already-wiped tlsio_kex. */
void tlsio_kex_wipe(tlsio_kex *k);

#ifdef __cplusplus
}
#endif
#endif
