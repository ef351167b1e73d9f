/*
 * The TLS record layer: framing (RFC 8446 §5.1, RFC 5246 §6.2) and AEAD protection
 * (TLS 1.3: RFC 8446 §5.2-5.5; TLS 1.2: RFC 5246 §6.2.3.3 with RFC 5288 AES-GCM and
 * RFC 7905 ChaCha20-Poly1305).
 *
 * The engine owns the buffers; everything here works in place on them:
 *
 *   receive:  tlsio_rl_parse_header(rd, first 5 bytes) -> wait for 5 + hdr.length bytes ->
 *             tlsio_rl_open(rd, record) -> (content type, plaintext view inside the record).
 *   send:     put the payload at out + tlsio_rl_seal_prefix_len(wd), leave
 *             tlsio_rl_seal_suffix_len(wd, pad) bytes after it, tlsio_rl_seal(...) writes
 *             the header, encrypts and tags in place and says how long the record is.
 *
 * One tlsio_rl_dir holds the protection state of one direction. Every failing function fills
 * err with one sentence naming the check and returns the code (an alert or TLS_E_*).
 */
#ifndef TLSIO_RECORD_H
#define TLSIO_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_aead.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 8446 §5.1 / RFC 5246 §6.2.1 ContentType. */
#define TLSIO_CT_CHANGE_CIPHER_SPEC 20
#define TLSIO_CT_ALERT              21
#define TLSIO_CT_HANDSHAKE          22
#define TLSIO_CT_APPLICATION_DATA   23

#define TLSIO_RECORD_HEADER_LEN 5
/* RFC 8446 §5.1, RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14. */
#define TLSIO_RECORD_MAX_PLAINTEXT 16384
/* RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256. */
#define TLSIO_RECORD_MAX_TLS13_CIPHERTEXT (16384 + 256)
/* RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
#define TLSIO_RECORD_MAX_TLS12_CIPHERTEXT (16384 + 2048)
/* The largest record any mode accepts, header included: size receive buffers with this. */
#define TLSIO_RECORD_MAX_LEN (TLSIO_RECORD_HEADER_LEN + TLSIO_RECORD_MAX_TLS12_CIPHERTEXT)
/* RFC 5288 §3: GCMNonce.nonce_explicit, carried in front of each TLS 1.2 AES-GCM record. */
#define TLSIO_TLS12_GCM_EXPLICIT_NONCE_LEN 8
/* RFC 5288 §3: GCMNonce.salt, the implicit part (client/server_write_IV). */
#define TLSIO_TLS12_GCM_SALT_LEN 4
/* The largest record tlsio_rl_seal can produce (TLS 1.3 with the most padding allowed). */
#define TLSIO_RECORD_MAX_SEALED_LEN (TLSIO_RECORD_HEADER_LEN + TLSIO_RECORD_MAX_TLS13_CIPHERTEXT)

/*
 * RFC 8446 §5.5: at most 2^24.5 full-size records per AES-GCM key. We stop at the integer 2^24
 * (a conservative bound) and report "update due" TLSIO_RL_KEY_UPDATE_MARGIN records earlier so
 * the TLS 1.3 engine sends a KeyUpdate before the hard stop.
 */
#define TLSIO_RL_AES_GCM_RECORD_LIMIT (UINT64_C(1) << 24)
#define TLSIO_RL_KEY_UPDATE_MARGIN    (UINT64_C(1) << 16)

typedef enum tlsio_rl_mode {
    TLSIO_RL_PLAINTEXT = 0, /* no protection yet (initial state) */
    TLSIO_RL_TLS13,         /* RFC 8446 §5.2: inner content type, nonce = iv XOR seq */
    TLSIO_RL_TLS12_GCM,     /* RFC 5288: 4-byte salt + 8-byte explicit nonce per record */
    TLSIO_RL_TLS12_CHACHA   /* RFC 7905 §2: nonce = iv XOR seq, no explicit nonce */
} tlsio_rl_mode;

/* Protection state of one direction (one for reading, one for writing). */
typedef struct tlsio_rl_dir {
    tlsio_rl_mode mode;
    tlsio_aead aead;
    /* TLS 1.3 / ChaCha: the 12-byte nonce mask; TLS 1.2 GCM: the salt in iv[0..4). */
    uint8_t iv[TLSIO_AEAD_NONCE_LEN];
    /*
     * Sequence number of the next record (RFC 8446 §5.3, RFC 5246 §6.1). Both protocols reset
     * it to 0 whenever a key is installed, so it is also the count of records protected under
     * the current key and drives the usage limits.
     */
    uint64_t seq;
    /* seq must stay below this: 2^24 for AES-GCM writes, 2^64-1 otherwise (never wraps). */
    uint64_t limit;
    /* legacy_record_version written by tlsio_rl_seal: 0x0303, which tlsio_rl_dir_init sets.
     * RFC 8446 §5.1 lets the initial ClientHello use 0x0301; the engine may set that. */
    uint16_t record_version;
    /*
     * RFC 8449 §4 record_size_limit in force for this direction, or 0 for none below the
     * protocol's own: the most plaintext a protected record may carry, counted as the
     * extension counts it (TLS 1.3: the whole TLSInnerPlaintext, content type and padding
     * included). Reading: the limit we advertised and the peer acknowledged; a longer record
     * is record_overflow. Writing: the peer's; tlsio_rl_seal refuses to exceed it. Plaintext
     * records are not subject to it (§4). Set by the engine; kept when a key is installed.
     */
    uint16_t size_limit;
    /* Keys installed in this direction so far. The handshake dispatcher compares it before and
     * after an edge to see whether the edge changed a key, which its row must declare. */
    uint32_t epoch;
} tlsio_rl_dir;

/* A parsed record header. */
typedef struct tlsio_rl_header {
    uint8_t type;     /* one of TLSIO_CT_* */
    uint16_t version; /* legacy_record_version as received */
    size_t length;    /* fragment length: the full record is TLSIO_RECORD_HEADER_LEN + length */
} tlsio_rl_header;

/* tlsio_rl_parse_header flags. */
/*
 * The first record of the connection (the ClientHello a server reads, the ServerHello/HRR a
 * client reads): any {03,XX} legacy_record_version is accepted (RFC 5246 Appendix E.1,
 * RFC 8446 §5.1 and Appendix D.1: the field is to be ignored there). Without it only 0x0303.
 */
#define TLSIO_RL_HDR_INITIAL 0x1
/*
 * TLS 1.3 after the first record: RFC 8446 §5.1 says legacy_record_version "MUST be ignored
 * for all purposes", and some peers keep their ClientHello's 0x0301 for the compatibility
 * change_cipher_spec that follows it. The TLS versions 0x0301..0x0303 are accepted; any other
 * value (0x03ff, garbage) is still protocol_version, as BoringSSL does, since no TLS stack
 * sends it and it more likely marks a stream that is not this connection's.
 */
#define TLSIO_RL_HDR_TLS13 0x2

/* Plaintext mode, no key, seq 0, record_version 0x0303. */
void tlsio_rl_dir_init(tlsio_rl_dir *d);

/* Wipes keys and IV and returns d to plaintext mode (safe on an initialised dir). */
void tlsio_rl_dir_wipe(tlsio_rl_dir *d);

/*
 * Installs a TLS 1.3 traffic key (RFC 8446 §7.3: [sender]_write_key, [sender]_write_iv of 12
 * bytes). The old key is wiped first and seq restarts at 0 (RFC 8446 §5.3). On failure d is
 * left wiped (plaintext mode); the engine must not continue.
 */
int tlsio_rl_set_tls13(tlsio_rl_dir *d, tlsio_aead_alg alg, const uint8_t *key, size_t key_len,
                       const uint8_t iv[TLSIO_AEAD_NONCE_LEN], tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Installs a TLS 1.2 AEAD key from the key block (RFC 5246 §6.3): AES-GCM with iv_len 4
 * (RFC 5288 §3 salt), ChaCha20-Poly1305 with iv_len 12 (RFC 7905 §2). Wipes the old key; seq
 * restarts at 0 (RFC 5246 §6.1: on ChangeCipherSpec). On failure d is left wiped.
 */
int tlsio_rl_set_tls12(tlsio_rl_dir *d, tlsio_aead_alg alg, const uint8_t *key, size_t key_len,
                       const uint8_t *iv, size_t iv_len, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Parses and checks the 5-byte header at hdr: content type (20..23, else unexpected_message,
 * RFC 8446 §5), legacy_record_version (0x0303, or {03,XX} with TLSIO_RL_HDR_INITIAL, or
 * 0x0301..0x0303 with TLSIO_RL_HDR_TLS13, else protocol_version), length against
 * tlsio_rl_max_fragment(rd) (record_overflow), and, in plaintext mode, zero-length handshake, alert
 * and change_cipher_spec fragments (unexpected_message, RFC 8446 §5.1 / RFC 5246 §6.2.1).
 */
/*
 * The longest fragment (TLSCiphertext.length) a record read under rd may have: 2^14
 * plaintext, 2^14+256 TLS 1.3, 2^14+2048 TLS 1.2; with rd->size_limit set, the limit plus
 * the AEAD's fixed expansion (RFC 8449 §4.1), so an oversize record is refused from its
 * header, before it is buffered or decrypted.
 */
size_t tlsio_rl_max_fragment(const tlsio_rl_dir *rd);

int tlsio_rl_parse_header(const tlsio_rl_dir *rd, const uint8_t hdr[TLSIO_RECORD_HEADER_LEN],
                          unsigned flags, tlsio_rl_header *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Opens one complete record in place: rec[0..rec_len) is header + fragment, already accepted
 * by tlsio_rl_parse_header (rec_len == 5 + hdr.length). On success *type is the real content
 * type and *pt / *pt_len the plaintext, which lies inside rec (no copy).
 *
 * - Plaintext mode: the fragment as is. application_data is refused (unexpected_message); an
 *   engine that must skip rejected 0-RTT records (RFC 8446 §4.2.10) looks at hdr.type first.
 * - TLS 1.3: an outer change_cipher_spec record is passed through unprotected (*type 20, the
 *   fragment; seq unchanged) and the engine must then call tlsio_rl_check_ccs. Any other outer
 *   type than application_data is unexpected_message. Authentication failure is
 *   bad_record_mac; inner plaintext over 2^14+1 bytes record_overflow; no non-zero byte or an
 *   inner type other than handshake/alert/application_data unexpected_message.
 * - TLS 1.2 AEAD: bad_record_mac on authentication failure, plaintext over 2^14
 *   record_overflow.
 * - Everywhere: an empty handshake/alert plaintext is unexpected_message.
 * seq advances once the record authenticates (a record that fails to may be skipped by the
 * caller, e.g. RFC 8446 §4.2.10); seq 2^64-1 is never used (RFC 8446 §5.3: it must not wrap)
 * -> internal_error. On failure the fragment bytes may have been overwritten.
 */
int tlsio_rl_open(tlsio_rl_dir *rd, uint8_t *rec, size_t rec_len, uint8_t *type, uint8_t **pt,
                  size_t *pt_len, tlsio_err *err) TLSIO_MUST_CHECK;

/* The most payload (content) bytes one record sealed under wd may carry: 2^14, or less under
 * wd->size_limit for a protected record (TLS 1.3: the limit less the content type byte). */
size_t tlsio_rl_max_payload(const tlsio_rl_dir *wd);

/* Bytes to leave in front of the payload: 5 (header), 13 for TLS 1.2 GCM (explicit nonce). */
size_t tlsio_rl_seal_prefix_len(const tlsio_rl_dir *wd);

/* Bytes to leave after the payload: TLS 1.3 1 (content type) + pad + 16 (tag); TLS 1.2 16;
 * plaintext 0. */
size_t tlsio_rl_seal_suffix_len(const tlsio_rl_dir *wd, size_t pad);

/*
 * Seals one record in place. out[0..cap) is the output area; the pt_len payload bytes are
 * already at out + tlsio_rl_seal_prefix_len(wd). Writes the header (record_version), for
 * TLS 1.3 the inner content type and pad zero bytes (RFC 8446 §5.4; pad must be 0 in other
 * modes), encrypts and tags; *rec_len is the whole record's length. TLS_E_USAGE if cap is too
 * small, pt_len > 2^14 (pt_len + pad > 2^14 for TLS 1.3) or over wd->size_limit, a
 * handshake/alert payload is empty (RFC 8446 §5.1), type is unknown, or type is
 * change_cipher_spec with a TLS 1.3 key (use tlsio_rl_write_ccs). TLS_E_INTERNAL when the
 * key has reached its usage limit (the TLS 1.3 engine avoids this with
 * tlsio_rl_key_update_due) or seq would wrap: the connection must fail closed.
 */
int tlsio_rl_seal(tlsio_rl_dir *wd, uint8_t type, uint8_t *out, size_t cap, size_t pt_len,
                  size_t pad, size_t *rec_len, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * True when the write key has protected enough records that a TLS 1.3 KeyUpdate
 * (RFC 8446 §4.6.3) should go out before more data: within TLSIO_RL_KEY_UPDATE_MARGIN
 * records of its limit (2^24 for AES-GCM, 2^64-1 for ChaCha20-Poly1305, RFC 8446 §5.5).
 */
int tlsio_rl_key_update_due(const tlsio_rl_dir *wd);

/*
 * RFC 8446 §5 and Appendix D.4: the compatibility change_cipher_spec record, always
 * unprotected: 14 03 03 00 01 01. Writes 6 bytes; returns 6.
 */
#define TLSIO_CCS_RECORD_LEN 6
size_t tlsio_rl_write_ccs(uint8_t out[TLSIO_CCS_RECORD_LEN]);

/*
 * Checks a received change_cipher_spec fragment (RFC 8446 §5: the single byte 0x01, only
 * between the first ClientHello and the peer's Finished; RFC 5246 §7.1 for TLS 1.2). in_window
 * is the engine's decision whether a CCS may arrive now. Returns 0 (drop it in TLS 1.3; in
 * TLS 1.2 the engine switches the read state) or unexpected_message.
 */
int tlsio_rl_check_ccs(const uint8_t *frag, size_t len, int in_window,
                       tlsio_err *err) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
