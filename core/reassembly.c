/* Handshake message reassembly across records (see reassembly.h). */
#include "reassembly.h"

#include <openssl/bytestring.h>
#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation for a spanning message; doubled until the message fits. */
#define HS_BUF_INITIAL 256

void tlsio_reasm_init(tlsio_reasm *r, size_t max_msg) {
    memset(r, 0, sizeof(*r));
    r->max_msg = max_msg != 0 ? max_msg : TLSIO_HS_DEFAULT_MAX_MSG;
}

static void release_buf(tlsio_reasm *r) {
    if (r->buf != NULL) {
        OPENSSL_cleanse(r->buf, r->buf_cap);
        free(r->buf);
    }
    r->buf = NULL;
    r->buf_len = 0;
    r->buf_cap = 0;
    r->buf_done = 0;
}

void tlsio_reasm_set_gate(tlsio_reasm *r, int (*gate)(void *ctx, uint8_t type, size_t len),
                          void *ctx) {
    r->gate = gate;
    r->gate_ctx = ctx;
}

void tlsio_reasm_free(tlsio_reasm *r) {
    size_t max_msg = r->max_msg;
    int (*gate)(void *, uint8_t, size_t) = r->gate;
    void *ctx = r->gate_ctx;
    release_buf(r);
    tlsio_reasm_init(r, max_msg);
    tlsio_reasm_set_gate(r, gate, ctx);
}

/* A message already handed out from the buffer is dropped on the next call. */
static void drop_done(tlsio_reasm *r) {
    if (r->buf_done) release_buf(r);
}

/*
 * Appends n bytes to the buffer, growing it by doubling but never past final (the size of the
 * whole message once its header is known, else the header size). malloc + copy + wipe + free
 * rather than realloc, so no copy of handshake data is left behind unwiped.
 */
static int append(tlsio_reasm *r, const uint8_t *data, size_t n, size_t final, tlsio_err *err) {
    size_t need = r->buf_len + n;
    if (need > r->buf_cap) {
        size_t cap = r->buf_cap != 0 ? r->buf_cap * 2 : HS_BUF_INITIAL;
        if (cap > final) cap = final;
        if (cap < need) cap = need;
        uint8_t *nb = malloc(cap);
        if (nb == NULL)
            return tlsio_err_set(err, TLS_E_NOMEM,
                                 "handshake: cannot allocate %zu bytes for a message spanning "
                                 "records",
                                 cap);
        if (r->buf_len != 0) memcpy(nb, r->buf, r->buf_len);
        if (r->buf != NULL) {
            OPENSSL_cleanse(r->buf, r->buf_cap);
            free(r->buf);
        }
        r->buf = nb;
        r->buf_cap = cap;
    }
    if (n != 0) memcpy(r->buf + r->buf_len, data, n);
    r->buf_len = need;
    return 0;
}

/*
 * Reads a handshake header (RFC 8446 §4: msg_type, uint24 length) and enforces the cap. The
 * RFC has no alert for "larger than this implementation accepts". We send decode_error, whose
 * RFC 8446 §6.2 meaning ("some field was out of the specified range or the length of the
 * message was incorrect") fits a length beyond our range, as rustls does
 * (InvalidMessage::HandshakePayloadTooLarge -> decode_error); OpenSSL and BoringSSL send
 * illegal_parameter (SSL_R_EXCESSIVE_MESSAGE_SIZE) and Go internal_error. Checking here, on
 * the header, means an oversized message is refused before any of it is buffered.
 */
static int read_header(const tlsio_reasm *r, const uint8_t hdr[TLSIO_HS_HEADER_LEN], uint8_t *type,
                       size_t *body_len, tlsio_err *err) {
    CBS cbs;
    uint8_t t;
    uint32_t len;
    CBS_init(&cbs, hdr, TLSIO_HS_HEADER_LEN);
    if (!CBS_get_u8(&cbs, &t) || !CBS_get_u24(&cbs, &len))
        return tlsio_err_set(err, TLS_E_INTERNAL, "handshake: header parse failed");
    if (r->gate != NULL) {
        int rc = r->gate(r->gate_ctx, t, len);
        if (rc != 0) return rc;
    }
    if (len > r->max_msg)
        return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR,
                             "handshake: message type %u of %u bytes exceeds the %zu-byte limit", t,
                             (unsigned)len, r->max_msg);
    *type = t;
    *body_len = len;
    return 0;
}

int tlsio_reasm_feed(tlsio_reasm *r, const uint8_t *data, size_t len, tlsio_err *err) {
    if (r->in_off < r->in_len)
        return tlsio_err_set(err, TLS_E_USAGE,
                             "handshake: a record was fed before the previous one was consumed");
    if (data == NULL && len != 0)
        return tlsio_err_set(err, TLS_E_USAGE, "handshake: record data missing");
    drop_done(r);
    r->in = data;
    r->in_len = len;
    r->in_off = 0;
    return 0;
}

static void set_msg(tlsio_hs_msg *msg, const uint8_t *raw, uint8_t type, size_t body_len) {
    msg->type = type;
    msg->raw = raw;
    msg->raw_len = TLSIO_HS_HEADER_LEN + body_len;
    msg->body = raw + TLSIO_HS_HEADER_LEN;
    msg->len = body_len;
}

int tlsio_reasm_next(tlsio_reasm *r, tlsio_hs_msg *msg, int *got, tlsio_err *err) {
    uint8_t type = 0;
    size_t body_len = 0;
    int rc;

    *got = 0;
    drop_done(r);
    const uint8_t *in = r->in != NULL ? r->in + r->in_off : NULL;
    size_t avail = r->in_len - r->in_off;

    if (r->buf_len > 0) {
        /* Continue the message that spans records: first its header, then its body. */
        if (r->buf_len < TLSIO_HS_HEADER_LEN) {
            size_t take = TLSIO_HS_HEADER_LEN - r->buf_len;
            if (take > avail) take = avail;
            rc = append(r, in, take, TLSIO_HS_HEADER_LEN, err);
            if (rc != 0) return rc;
            in += take;
            avail -= take;
            r->in_off += take;
            if (r->buf_len < TLSIO_HS_HEADER_LEN) return 0;
        }
        rc = read_header(r, r->buf, &type, &body_len, err);
        if (rc != 0) return rc;
        size_t total = TLSIO_HS_HEADER_LEN + body_len;
        size_t take = total - r->buf_len;
        if (take > avail) take = avail;
        rc = append(r, in, take, total, err);
        if (rc != 0) return rc;
        r->in_off += take;
        if (r->buf_len < total) return 0;
        set_msg(msg, r->buf, type, body_len);
        r->buf_done = 1;
        *got = 1;
        return 0;
    }

    if (avail == 0) return 0;
    size_t final = TLSIO_HS_HEADER_LEN;
    if (avail >= TLSIO_HS_HEADER_LEN) {
        rc = read_header(r, in, &type, &body_len, err);
        if (rc != 0) return rc;
        if (avail - TLSIO_HS_HEADER_LEN >= body_len) {
            /* The whole message is inside this record: hand out a view, no copy. */
            set_msg(msg, in, type, body_len);
            r->in_off += TLSIO_HS_HEADER_LEN + body_len;
            *got = 1;
            return 0;
        }
        final = TLSIO_HS_HEADER_LEN + body_len;
    }
    /* RFC 8446 §5.1: the message continues in the next record(s); keep the tail. */
    rc = append(r, in, avail, final, err);
    if (rc != 0) return rc;
    r->in_off = r->in_len;
    return 0;
}

static size_t held_bytes(const tlsio_reasm *r) {
    return (r->buf_done ? 0 : r->buf_len) + (r->in_len - r->in_off);
}

int tlsio_reasm_pending(const tlsio_reasm *r) {
    return held_bytes(r) != 0;
}

int tlsio_reasm_check_boundary(const tlsio_reasm *r, const char *event, tlsio_err *err) {
    /* RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types and
     * MUST NOT span key changes; a violation is unexpected_message. */
    if (tlsio_reasm_pending(r))
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "handshake: %s with %zu handshake bytes not yet processed "
                             "(RFC 8446 §5.1)",
                             event != NULL ? event : "record boundary", held_bytes(r));
    return 0;
}
