/*
 * Handshake message reassembly (RFC 8446 §5.1, RFC 5246 §6.2.1): handshake messages may be
 * split across records and several may share one record. The engine hands over each
 * handshake record's plaintext and takes complete messages out:
 *
 *   tlsio_reasm_feed(r, pt, pt_len, err);
 *   while ((rc = tlsio_reasm_next(r, &msg, &got, err)) == 0 && got) { ...process msg... }
 *
 * A message wholly inside the record is returned as a view into the caller's record (no
 * copy); only a message that spans records is collected in an owned buffer that grows on
 * demand up to the cap (the sole allocation; wiped when freed). Views stay valid until the
 * next tlsio_reasm_feed/tlsio_reasm_next/tlsio_reasm_free call, and record views only as long as
 * the caller keeps the record's bytes.
 */
#ifndef TLSIO_REASSEMBLY_H
#define TLSIO_REASSEMBLY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 8446 §4 / RFC 5246 §7.4: Handshake = msg_type(1) + uint24 length + body. */
#ifndef TLSIO_HS_HEADER_LEN
#define TLSIO_HS_HEADER_LEN 4
#endif
/*
 * Default cap on a handshake message body: 64 KiB, enough for the certificate chains seen in
 * practice (a few 1-2 KiB certificates). Not a protocol limit (uint24 allows 16 MiB); an
 * engine that meets larger chains may raise it (BoringSSL and OpenSSL allow ~100 KiB).
 */
#define TLSIO_HS_DEFAULT_MAX_MSG 65536

/* One complete handshake message. */
typedef struct tlsio_hs_msg {
    uint8_t type; /* HandshakeType */
    const uint8_t *body;
    size_t len;         /* body length (may be 0, e.g. ServerHelloDone, EndOfEarlyData) */
    const uint8_t *raw; /* header + body, contiguous: what the transcript hashes */
    size_t raw_len;     /* TLSIO_HS_HEADER_LEN + len */
} tlsio_hs_msg;

typedef struct tlsio_reasm {
    /* The record being consumed (borrowed from the caller). */
    const uint8_t *in;
    size_t in_len;
    size_t in_off;
    /* A message spanning records (owned): buf[0..buf_len) collected, buf_cap allocated. */
    uint8_t *buf;
    size_t buf_len;
    size_t buf_cap;
    int buf_done;   /* buf holds a message already returned; dropped on the next call */
    size_t max_msg; /* cap on a message body */
    /* Asked about each message as soon as its 4-byte header is in, before any of its body is
     * buffered: 0 to go on, else an error code (the gate has set its own error). The engine's
     * gate refuses a type its state does not expect, and a length over that type's limit. */
    int (*gate)(void *ctx, uint8_t type, size_t len);
    void *gate_ctx;
} tlsio_reasm;

/* Empty reassembler; max_msg == 0 means TLSIO_HS_DEFAULT_MAX_MSG. No gate. */
void tlsio_reasm_init(tlsio_reasm *r, size_t max_msg);
/* Sets the header gate (see tlsio_reasm); it survives tlsio_reasm_free. */
void tlsio_reasm_set_gate(tlsio_reasm *r, int (*gate)(void *ctx, uint8_t type, size_t len),
                          void *ctx);

/* Frees (and wipes) the buffer; r is empty afterwards and can be reused. */
void tlsio_reasm_free(tlsio_reasm *r);

/*
 * Takes the plaintext of one handshake record (not copied: it must stay put until
 * tlsio_reasm_next reports got == 0). TLS_E_USAGE if the previous record is not consumed yet.
 */
int tlsio_reasm_feed(tlsio_reasm *r, const uint8_t *data, size_t len,
                     tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Yields the next complete message (*got = 1) or, when the record holds no more complete
 * message, keeps any partial tail in the buffer and sets *got = 0: feed the next handshake
 * record then. Errors: a body longer than the cap -> TLS_ALERT_DECODE_ERROR (see
 * reassembly.c for why), allocation failure -> TLS_E_NOMEM.
 */
int tlsio_reasm_next(tlsio_reasm *r, tlsio_hs_msg *msg, int *got, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * True when bytes are held that do not yet form a returned message: a partial message from an
 * earlier record, or unconsumed bytes of the current record.
 */
int tlsio_reasm_pending(const tlsio_reasm *r);

/*
 * Fails with unexpected_message when tlsio_reasm_pending: for RFC 8446 §5.1 "handshake messages
 * MUST NOT span key changes" (call before installing a new read key) and "MUST NOT be
 * interleaved with other record types" (call on any non-handshake record). event names what
 * happened, for the sentence: "key change after ServerHello", "alert record".
 */
int tlsio_reasm_check_boundary(const tlsio_reasm *r, const char *event,
                               tlsio_err *err) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
