/*
 * TLS 1.2 key derivation with the PRF (RFC 5246 §5, P_SHA256 or P_SHA384): the extended master
 * secret (RFC 7627 §4), the AEAD key block (RFC 5246 §6.3 with RFC 5288 / RFC 7905 IVs),
 * Finished.verify_data (RFC 5246 §7.4.9) and the exporter (RFC 5705). The hash is the suite's
 * PRF hash. Failures fill err and return the code. There is deliberately no RFC 5246 §8.1
 * master secret and no bare PRF: tlsio requires the extended master secret in both roles.
 */
#ifndef TLSIO_PRF12_H
#define TLSIO_PRF12_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_aead.h"
#include "crypto_hash.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLSIO_TLS12_RANDOM_LEN 32
#define TLSIO_TLS12_MASTER_LEN 48
#define TLSIO_TLS12_VERIFY_LEN 12
/* RFC 7905 §2: ChaCha20-Poly1305 takes its whole 12-byte nonce mask from the key block. */
#define TLSIO_TLS12_MAX_FIXED_IV_LEN 12
/* Our bound on label + seed (one stack buffer; the exporter context is the only long seed). */
#define TLSIO_PRF12_MAX_LABEL_SEED 1024

/* The AEAD keys of one TLS 1.2 connection, both directions (RFC 5246 §6.3). */
typedef struct tlsio_tls12_keys {
    uint8_t client_key[TLSIO_AEAD_MAX_KEY_LEN];
    uint8_t server_key[TLSIO_AEAD_MAX_KEY_LEN];
    size_t key_len;
    uint8_t client_iv[TLSIO_TLS12_MAX_FIXED_IV_LEN];
    uint8_t server_iv[TLSIO_TLS12_MAX_FIXED_IV_LEN];
    size_t iv_len; /* 4: GCM implicit salt (RFC 5288 §3); 12: ChaCha20 nonce mask (RFC 7905) */
} tlsio_tls12_keys;

/*
 * RFC 7627 §4: PRF(pms, "extended master secret", session_hash)[0..47], session_hash being the
 * hash of the handshake messages up to and including ClientKeyExchange.
 */
int tlsio_prf12_extended_master_secret(tlsio_hash_alg alg, const uint8_t *pms, size_t pms_len,
                                       const uint8_t *session_hash, size_t session_hash_len,
                                       uint8_t out[TLSIO_TLS12_MASTER_LEN],
                                       tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 5246 §6.3: key_block = PRF(master, "key expansion", server_random || client_random),
 * cut into client/server write keys and fixed IVs (no MAC keys for AEAD suites).
 */
int tlsio_prf12_key_block(tlsio_hash_alg alg, tlsio_aead_alg aead,
                          const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                          const uint8_t client_random[TLSIO_TLS12_RANDOM_LEN],
                          const uint8_t server_random[TLSIO_TLS12_RANDOM_LEN],
                          tlsio_tls12_keys *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 5246 §7.4.9: verify_data = PRF(master, "client finished" | "server finished",
 * Hash(handshake_messages))[0..11]; from_client picks the label.
 */
int tlsio_prf12_finished(tlsio_hash_alg alg, const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                         int from_client, const uint8_t *handshake_hash, size_t hash_len,
                         uint8_t out[TLSIO_TLS12_VERIFY_LEN], tlsio_err *err) TLSIO_MUST_CHECK;

/* Checks a received verify_data in constant time: TLS_ALERT_DECRYPT_ERROR if it differs. */
int tlsio_prf12_finished_check(tlsio_hash_alg alg, const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                               int from_client, const uint8_t *handshake_hash, size_t hash_len,
                               const uint8_t *got, size_t got_len, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 5705 §4: PRF(master, label, client_random || server_random [|| uint16 len || context]).
 * context == NULL means no context, which differs from an empty one. The labels TLS uses
 * itself ("client finished", "master secret", "key expansion"...) are refused.
 */
int tlsio_prf12_export(tlsio_hash_alg alg, const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                       const uint8_t client_random[TLSIO_TLS12_RANDOM_LEN],
                       const uint8_t server_random[TLSIO_TLS12_RANDOM_LEN], const char *label,
                       size_t label_len, const uint8_t *context, size_t context_len, uint8_t *out,
                       size_t out_len, tlsio_err *err) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
