/*
 * The running handshake transcript (RFC 8446 §4.4.1, RFC 5246 §7.4.9).
 *
 * A client sends its ClientHello before it knows the cipher suite and therefore the hash, so
 * both SHA-256 and SHA-384 run until tlsio_transcript_set_hash() picks one; from then on only
 * that one is updated and the other is wiped. No heap; copyable by assignment.
 */
#ifndef TLSIO_TRANSCRIPT_H
#define TLSIO_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_hash.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlsio_transcript {
    tlsio_hash sha256;
    tlsio_hash sha384;
    tlsio_hash_alg alg; /* 0 while both run; the chosen hash afterwards */
} tlsio_transcript;

/* Starts an empty transcript with both hashes running. */
void tlsio_transcript_init(tlsio_transcript *t);

/* Appends one complete handshake message, including its 4-byte header. */
void tlsio_transcript_update(tlsio_transcript *t, const uint8_t *msg, size_t len);

/*
 * Picks the hash of the negotiated suite; the other one stops and is wiped. Calling it again
 * with the same hash is harmless; a different one is TLS_E_USAGE.
 */
int tlsio_transcript_set_hash(tlsio_transcript *t, tlsio_hash_alg alg,
                              tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Writes Transcript-Hash(messages so far) with the chosen hash to out (TLSIO_MAX_HASH_LEN
 * bytes of room) and its length to *out_len; the transcript goes on. TLS_E_USAGE before
 * set_hash.
 */
int tlsio_transcript_digest(const tlsio_transcript *t, uint8_t *out, size_t *out_len,
                            tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * The digest t would have with extra[0..n) appended, using hash alg (which must be t's chosen
 * hash if it has one); t itself does not change. For a PSK binder (RFC 8446 §4.2.11.2), which
 * covers the transcript so far and a ClientHello up to its binders.
 */
int tlsio_transcript_digest_with(const tlsio_transcript *t, tlsio_hash_alg alg,
                                 const uint8_t *extra, size_t n, uint8_t *out, size_t *out_len,
                                 tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * RFC 8446 §4.4.1: on HelloRetryRequest the transcript so far (exactly ClientHello1) is
 * replaced by message_hash(254) || 00 00 Hash.length || Hash(ClientHello1), using the chosen
 * hash. Call after set_hash and before adding the HelloRetryRequest itself.
 */
int tlsio_transcript_hrr_restart(tlsio_transcript *t, tlsio_err *err) TLSIO_MUST_CHECK;

/* Wipes both hash states (a transcript can reveal a PSK-derived binder's input). */
void tlsio_transcript_wipe(tlsio_transcript *t);

#ifdef __cplusplus
}
#endif
#endif
