/*
 * The TLS 1.3 key schedule (RFC 8446 §7.1-7.3, §7.5, §4.4.4, §4.6.1, §4.6.3).
 *
 *   0 -> HKDF-Extract(0 or PSK)          = Early Secret      (binder, c e traffic, e exp master)
 *     -> Derive-Secret(., "derived", "") -> HKDF-Extract(., (EC)DHE) = Handshake Secret
 *                                                             (c hs traffic, s hs traffic)
 *     -> Derive-Secret(., "derived", "") -> HKDF-Extract(., 0)       = Master Secret
 *                                          (c ap traffic, s ap traffic, exp master, res master)
 *
 * A tlsio_keysched holds the current stage secret for one hash; each step replaces (and wipes)
 * the previous one. Derive-Secret here takes the transcript *hash* (tlsio_transcript_digest),
 * not the messages. Every function that fails fills err with a sentence and returns its code.
 */
#ifndef TLSIO_KEYSCHED_H
#define TLSIO_KEYSCHED_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_aead.h"
#include "crypto_hash.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 8446 §7.1: HkdfLabel.label is <7..255> including the 6-byte "tls13 " prefix. */
#define TLSIO_HKDF_LABEL_MAX 249
/* RFC 8446 §7.1: HkdfLabel.context is <0..255>. */
#define TLSIO_HKDF_CONTEXT_MAX 255
/* RFC 8446 §5.3: every TLS 1.3 AEAD here uses a 12-byte per-record nonce. */
#define TLSIO_TLS13_IV_LEN 12

typedef enum tlsio_ks_stage {
    TLSIO_KS_NONE = 0,
    TLSIO_KS_EARLY,
    TLSIO_KS_HANDSHAKE,
    TLSIO_KS_MASTER
} tlsio_ks_stage;

/* The secrets Derive-Secret yields from the stage secrets (RFC 8446 §7.1). */
typedef enum tlsio_ks_secret {
    TLSIO_KS_EXT_BINDER = 0, /* early: "ext binder", Messages = "" */
    TLSIO_KS_RES_BINDER,     /* early: "res binder", Messages = "" */
    TLSIO_KS_C_E_TRAFFIC,    /* early: "c e traffic", ClientHello */
    TLSIO_KS_E_EXP_MASTER,   /* early: "e exp master", ClientHello */
    TLSIO_KS_C_HS_TRAFFIC,   /* handshake: "c hs traffic", ClientHello..ServerHello */
    TLSIO_KS_S_HS_TRAFFIC,   /* handshake: "s hs traffic", ClientHello..ServerHello */
    TLSIO_KS_C_AP_TRAFFIC,   /* master: "c ap traffic", ClientHello..server Finished */
    TLSIO_KS_S_AP_TRAFFIC,   /* master: "s ap traffic", ClientHello..server Finished */
    TLSIO_KS_EXP_MASTER,     /* master: "exp master", ClientHello..server Finished */
    TLSIO_KS_RES_MASTER      /* master: "res master", ClientHello..client Finished */
} tlsio_ks_secret;

typedef struct tlsio_keysched {
    tlsio_hash_alg alg;
    tlsio_ks_stage stage;
    /* 1 when the Early Secret is HKDF-Extract(0, 0) (no PSK): a constant, and so is its
     * Derive-Secret(., "derived", ""); both come from tables instead of three HMACs. */
    int no_psk;
    uint8_t secret[TLSIO_MAX_HASH_LEN]; /* the current stage secret, tlsio_hash_len(alg) bytes */
} tlsio_keysched;

/* TLS 1.3 traffic protection material for one direction (RFC 8446 §7.3). */
typedef struct tlsio_traffic_keys {
    uint8_t key[TLSIO_AEAD_MAX_KEY_LEN];
    size_t key_len;
    uint8_t iv[TLSIO_TLS13_IV_LEN];
} tlsio_traffic_keys;

/*
 * RFC 8446 §7.1 HKDF-Expand-Label(secret, label, context, out_len): label without the
 * "tls13 " prefix (1..249 bytes), context 0..255 bytes, out_len 1..65535.
 */
int tlsio_hkdf_expand_label(tlsio_hash_alg alg, const uint8_t *secret, const char *label,
                            size_t label_len, const uint8_t *context, size_t context_len,
                            uint8_t *out, size_t out_len, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 8446 §7.1 Derive-Secret(secret, label, Messages) given th = Transcript-Hash(Messages);
 * th == NULL stands for the empty Messages (Hash("")). Writes tlsio_hash_len(alg) bytes.
 */
int tlsio_derive_secret(tlsio_hash_alg alg, const uint8_t *secret, const char *label,
                        const uint8_t *th, uint8_t *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Hash("") for alg (RFC 8446 §7.1: the transcript hash of empty Messages), from a table;
 * tlsio_hash_len(alg) bytes. NULL for an unknown alg.
 */
const uint8_t *tlsio_empty_hash(tlsio_hash_alg alg);

/* Prepares ks for alg with no secret yet. */
void tlsio_ks_init(tlsio_keysched *ks, tlsio_hash_alg alg);

/* Early Secret = HKDF-Extract(0, PSK); psk == NULL means no PSK (IKM of Hash.length zeros). */
int tlsio_ks_early(tlsio_keysched *ks, const uint8_t *psk, size_t psk_len,
                   tlsio_err *err) TLSIO_MUST_CHECK;

/* Handshake Secret from the Early Secret; ecdhe == NULL (psk_ke) means Hash.length zeros. */
int tlsio_ks_handshake(tlsio_keysched *ks, const uint8_t *ecdhe, size_t ecdhe_len,
                       tlsio_err *err) TLSIO_MUST_CHECK;

/* Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
int tlsio_ks_master(tlsio_keysched *ks, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Derives one of the secrets above from the current stage secret and th (the transcript hash
 * the RFC names for it; ignored for the binder keys, whose Messages are empty). Writes
 * tlsio_hash_len(ks->alg) bytes. TLS_E_USAGE if ks is not at the stage the secret needs.
 */
int tlsio_ks_derive(const tlsio_keysched *ks, tlsio_ks_secret which, const uint8_t *th,
                    uint8_t *out, tlsio_err *err) TLSIO_MUST_CHECK;

/* Wipes the stage secret. */
void tlsio_ks_wipe(tlsio_keysched *ks);

/* RFC 8446 §7.3: [sender]_write_key and _iv from a traffic secret, for the AEAD chosen. */
int tlsio_traffic_keys_derive(tlsio_hash_alg alg, tlsio_aead_alg aead,
                              const uint8_t *traffic_secret, tlsio_traffic_keys *out,
                              tlsio_err *err) TLSIO_MUST_CHECK;
void tlsio_traffic_keys_wipe(tlsio_traffic_keys *k);

/* RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length). */
int tlsio_finished_key(tlsio_hash_alg alg, const uint8_t *base_key, uint8_t *out,
                       tlsio_err *err) TLSIO_MUST_CHECK;

/* RFC 8446 §4.4.4: verify_data = HMAC(finished_key, th); Hash.length bytes. */
int tlsio_finished_verify_data(tlsio_hash_alg alg, const uint8_t *base_key, const uint8_t *th,
                               uint8_t *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Checks a received Finished.verify_data in constant time; a wrong length or value is
 * TLS_ALERT_DECRYPT_ERROR (RFC 8446 §4.4.4).
 */
int tlsio_finished_check(tlsio_hash_alg alg, const uint8_t *base_key, const uint8_t *th,
                         const uint8_t *got, size_t got_len, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 8446 §7.2 KeyUpdate: secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "",
 * Hash.length), in place; the old secret is overwritten.
 */
int tlsio_traffic_secret_update(tlsio_hash_alg alg, uint8_t *secret,
                                tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 8446 §4.2.11.2: the binder of a resumption PSK (binder_key = Derive-Secret(Early
 * Secret, "res binder", "")) over th = Transcript-Hash(Truncate(ClientHello)) (with, after a
 * HelloRetryRequest, the messages before it). Writes tlsio_hash_len(alg) bytes.
 */
int tlsio_psk_binder(tlsio_hash_alg alg, const uint8_t *psk, size_t psk_len, const uint8_t *th,
                     uint8_t *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 8446 §4.6.1: a ticket's PSK = HKDF-Expand-Label(resumption_master_secret,
 * "resumption", ticket_nonce, Hash.length).
 */
int tlsio_ticket_psk(tlsio_hash_alg alg, const uint8_t *res_master, const uint8_t *nonce,
                     size_t nonce_len, uint8_t *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 8446 §7.5 TLS-Exporter(label, context, out_len) =
 *   HKDF-Expand-Label(Derive-Secret(exporter_secret, label, ""), "exporter", Hash(context),
 *   out_len). No context and an empty context are the same in TLS 1.3. The label may be
 *   empty (0..249 bytes).
 */
int tlsio_tls13_export(tlsio_hash_alg alg, const uint8_t *exporter_secret, const char *label,
                       size_t label_len, const uint8_t *context, size_t context_len, uint8_t *out,
                       size_t out_len, tlsio_err *err) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
