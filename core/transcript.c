/* The running handshake transcript: both hashes until the suite picks one. */
#include "transcript.h"

#include <openssl/mem.h>

#include "msgs.h" /* TLSIO_HS_MESSAGE_HASH */

static int alg_valid(tlsio_hash_alg alg) {
    return alg == TLSIO_SHA256 || alg == TLSIO_SHA384;
}

/* The state of a hash that is still running, or NULL once it has been dropped. */
static const tlsio_hash *running(const tlsio_transcript *t, tlsio_hash_alg alg) {
    if (!alg_valid(alg) || (t->alg != 0 && t->alg != alg)) return NULL;
    return alg == TLSIO_SHA384 ? &t->sha384 : &t->sha256;
}

void tlsio_transcript_init(tlsio_transcript *t) {
    tlsio_hash_init(&t->sha256, TLSIO_SHA256);
    tlsio_hash_init(&t->sha384, TLSIO_SHA384);
    t->alg = 0;
}

void tlsio_transcript_update(tlsio_transcript *t, const uint8_t *msg, size_t len) {
    if (t->alg != TLSIO_SHA384) tlsio_hash_update(&t->sha256, msg, len);
    if (t->alg != TLSIO_SHA256) tlsio_hash_update(&t->sha384, msg, len);
}

int tlsio_transcript_set_hash(tlsio_transcript *t, tlsio_hash_alg alg, tlsio_err *err) {
    if (!alg_valid(alg))
        return tlsio_err_set(err, TLS_E_USAGE, "transcript: unknown hash %d", (int)alg);
    if (t->alg == alg) return 0;
    if (t->alg != 0) return tlsio_err_set(err, TLS_E_USAGE, "transcript: hash already chosen");
    t->alg = alg;
    /* The dropped hash covered the same bytes; nothing reads it again. */
    tlsio_hash_wipe(alg == TLSIO_SHA256 ? &t->sha384 : &t->sha256);
    return 0;
}

int tlsio_transcript_digest(const tlsio_transcript *t, uint8_t *out, size_t *out_len,
                            tlsio_err *err) {
    if (t->alg == 0) return tlsio_err_set(err, TLS_E_USAGE, "transcript: hash not chosen yet");
    tlsio_hash_peek(running(t, t->alg), out);
    *out_len = tlsio_hash_len(t->alg);
    return 0;
}

int tlsio_transcript_digest_with(const tlsio_transcript *t, tlsio_hash_alg alg,
                                 const uint8_t *extra, size_t n, uint8_t *out, size_t *out_len,
                                 tlsio_err *err) {
    tlsio_transcript copy = *t;
    int rc = tlsio_transcript_set_hash(&copy, alg, err);
    if (rc == 0) {
        tlsio_transcript_update(&copy, extra, n);
        rc = tlsio_transcript_digest(&copy, out, out_len, err);
    }
    tlsio_transcript_wipe(&copy);
    return rc;
}

int tlsio_transcript_hrr_restart(tlsio_transcript *t, tlsio_err *err) {
    if (t->alg == 0)
        return tlsio_err_set(err, TLS_E_USAGE,
                             "transcript: HelloRetryRequest rule needs the hash chosen first");
    size_t n = tlsio_hash_len(t->alg);
    /* RFC 8446 §4.4.1: Handshake{msg_type=message_hash, length=Hash.length, Hash(CH1)}. */
    uint8_t synthetic[4 + TLSIO_MAX_HASH_LEN] = {TLSIO_HS_MESSAGE_HASH, 0, 0, (uint8_t)n};
    tlsio_hash *h = t->alg == TLSIO_SHA384 ? &t->sha384 : &t->sha256;
    tlsio_hash_peek(h, synthetic + 4);
    tlsio_hash_wipe(h);
    tlsio_hash_init(h, t->alg);
    tlsio_hash_update(h, synthetic, 4 + n);
    OPENSSL_cleanse(synthetic, sizeof(synthetic));
    return 0;
}

void tlsio_transcript_wipe(tlsio_transcript *t) {
    OPENSSL_cleanse(t, sizeof(*t));
}
