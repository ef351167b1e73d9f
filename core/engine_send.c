/* The output path: handshake messages and alerts become records in the send buffer. */
#include "engine_send.h"

#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

/* Grows *buf (wiping the old copy: it may hold handshake secrets' outputs) to hold need. */
static int grow(uint8_t **buf, size_t *cap, size_t used, size_t need) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    uint8_t *p = malloc(n);
    if (p == NULL) return TLS_E_NOMEM;
    if (*buf != NULL) {
        memcpy(p, *buf, used);
        OPENSSL_cleanse(*buf, *cap);
        free(*buf);
    }
    *buf = p;
    *cap = n;
    return 0;
}

void tlsio_out_release_retired(tls_engine *e) {
    while (e->retired != NULL) {
        tlsio_retired_buf *r = e->retired;
        e->retired = r->next;
        OPENSSL_cleanse(r->buf, r->cap);
        free(r->buf);
        free(r);
    }
}

int tlsio_out_reserve(tls_engine *e, size_t n) {
    /* Whatever plaintext room write_buf handed out is where this output goes: that region
     * ends here, and a later write_ack for it is refused (core.h). */
    e->write_lent = 0;
    if (e->out_start > 0 && e->out_start == e->out_end) e->out_start = e->out_end = 0;
    if (e->out_cap - e->out_end >= n) return 0;
    size_t unsent = e->out_end - e->out_start;
    /* Slide unsent bytes to the front, unless the caller holds a pointer to them. */
    if (e->out_start > 0 && e->send_lent == 0) {
        memmove(e->out, e->out + e->out_start, unsent);
        e->out_end = unsent;
        e->out_start = 0;
        if (e->out_cap - e->out_end >= n) return 0;
    }
    /* A new buffer with the unsent bytes at its front. While part of the old one is handed
     * out (an async send in progress), the old buffer stays alive, unchanged, until that
     * part is acknowledged: the caller's pointer must never dangle (core.h). */
    uint8_t *old = e->out;
    size_t old_cap = e->out_cap;
    uint8_t *copy = NULL;
    size_t copy_cap = 0;
    if (grow(&copy, &copy_cap, 0, unsent + n) != 0)
        return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory growing the send buffer");
    if (unsent) memcpy(copy, old + e->out_start, unsent);
    if (e->send_lent > 0) {
        tlsio_retired_buf *r = malloc(sizeof(*r));
        if (r == NULL) {
            OPENSSL_cleanse(copy, copy_cap);
            free(copy);
            return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory growing the send buffer");
        }
        r->buf = old;
        r->cap = old_cap;
        r->next = e->retired;
        e->retired = r;
    } else if (old != NULL) {
        OPENSSL_cleanse(old, old_cap);
        free(old);
    }
    e->out = copy;
    e->out_cap = copy_cap;
    e->out_start = 0;
    e->out_end = unsent;
    return 0;
}

int tlsio_hs_hash(tls_engine *e, const uint8_t *msg, size_t len) {
    tlsio_transcript_update(&e->hs->transcript, msg, len);
    return tlsio_hs_keep_msg(e, msg, len);
}

int tlsio_hs_keep_msg(tls_engine *e, const uint8_t *msg, size_t len) {
    tlsio_hs *hs = e->hs;
    if (!hs->h12.keep_msgs) return 0;
    if (grow(&hs->h12.msgs, &hs->h12.msgs_cap, hs->h12.msgs_len, hs->h12.msgs_len + len) != 0)
        return tlsio_err_set(&e->err, TLS_E_NOMEM,
                             "out of memory keeping the handshake for a CertificateVerify");
    memcpy(hs->h12.msgs + hs->h12.msgs_len, msg, len);
    hs->h12.msgs_len += len;
    return 0;
}

void tlsio_hs_drop_msgs12(tlsio_hs *hs) {
    if (hs->h12.msgs != NULL) OPENSSL_cleanse(hs->h12.msgs, hs->h12.msgs_cap);
    free(hs->h12.msgs);
    hs->h12.msgs = NULL;
    hs->h12.msgs_len = hs->h12.msgs_cap = 0;
    hs->h12.keep_msgs = 0;
}

int tlsio_send_hs(tls_engine *e, const uint8_t *msg, size_t len) {
    if (grow(&e->hsq, &e->hsq_cap, e->hsq_len, e->hsq_len + len) != 0)
        return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory queueing a handshake message");
    memcpy(e->hsq + e->hsq_len, msg, len);
    e->spoke = 1;
    /* Post-handshake messages (KeyUpdate, NewSessionTicket) are not part of the transcript. */
    if (e->hs != NULL) {
        int rc = tlsio_hs_hash(e, msg, len);
        if (rc != 0) return rc;
    }
    if (e->test_tamper != NULL) e->test_tamper(e->test_tamper_ctx, e->hsq + e->hsq_len, len);
    tlsio_trace(e, TLS_TRACE_SENT, TLSIO_CT_HANDSHAKE, e->hsq + e->hsq_len, len);
    e->hsq_len += len;
    return 0;
}

int tlsio_send_hs_msg(tls_engine *e, uint8_t msg_type, const tlsio_codec *codec, const void *body) {
    CBB cbb;
    if (!CBB_init(&cbb, 256)) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    int rc = tlsio_hs_encode(msg_type, codec, body, &cbb, &e->err);
    if (rc == 0) rc = tlsio_send_hs(e, CBB_data(&cbb), CBB_len(&cbb));
    CBB_cleanup(&cbb);
    return rc;
}

/* Seals payload bytes already placed at out + out_end + prefix as one record. */
static int seal_in_out(tls_engine *e, uint8_t type, size_t len) {
    size_t rec_len = 0;
    int rc = tlsio_rl_seal(&e->wd, type, e->out + e->out_end, e->out_cap - e->out_end, len, 0,
                           &rec_len, &e->err);
    if (rc != 0) return rc;
    e->out_end += rec_len;
    return 0;
}

static int seal_copy(tls_engine *e, uint8_t type, const uint8_t *p, size_t len) {
    size_t pre = tlsio_rl_seal_prefix_len(&e->wd), post = tlsio_rl_seal_suffix_len(&e->wd, 0);
    int rc = tlsio_out_reserve(e, pre + len + post);
    if (rc != 0) return rc;
    memcpy(e->out + e->out_end + pre, p, len);
    return seal_in_out(e, type, len);
}

int tlsio_flush_hs(tls_engine *e) {
    /* RFC 8446 §5.1: handshake messages may be coalesced into one record or fragmented
     * across several; each record carries at most 2^14 bytes, or the configured maximum
     * (tls_config_set_max_send_fragment), or what the peer's record_size_limit allows
     * (RFC 8449 §4). Records are filled: only the last is short. */
    size_t max = tlsio_send_fragment_max(e);
    for (size_t off = 0; off < e->hsq_len;) {
        size_t n = e->hsq_len - off;
        if (n > max) n = max;
        int rc = seal_copy(e, TLSIO_CT_HANDSHAKE, e->hsq + off, n);
        if (rc != 0) return rc;
        off += n;
    }
    if (e->hsq_len) OPENSSL_cleanse(e->hsq, e->hsq_len);
    e->hsq_len = 0;
    return 0;
}

int tlsio_send_ccs_record(tls_engine *e) {
    /* One unprotected change_cipher_spec: TLS 1.2's ChangeCipherSpec (RFC 5246 §7.1), or the
     * one TLS 1.3 middlebox compatibility mode sends (RFC 8446 D.4). */
    if (e->ccs_sent) return 0;
    int rc = tlsio_out_reserve(e, TLSIO_CCS_RECORD_LEN);
    if (rc != 0) return rc;
    e->out_end += tlsio_rl_write_ccs(e->out + e->out_end);
    e->ccs_sent = 1;
    static const uint8_t ccs_body[1] = {1};
    tlsio_trace(e, TLS_TRACE_SENT, TLSIO_CT_CHANGE_CIPHER_SPEC, ccs_body, sizeof(ccs_body));
    return 0;
}

int tlsio_send_alert(tls_engine *e, uint8_t desc) {
    /* RFC 8446 §6: in TLS 1.3 every alert but close_notify and user_canceled is fatal; the
     * level byte is fatal(2) for those, warning(1) for the closure alerts. */
    uint8_t alert[2] = {2, desc};
    if (desc == TLS_ALERT_CLOSE_NOTIFY || desc == TLS_ALERT_USER_CANCELED) alert[0] = 1;
    /* RFC 5746 §4.2 / RFC 5246 §7.2.2: refusing renegotiation is a warning in TLS 1.2. */
    if (desc == TLS_ALERT_NO_RENEGOTIATION && e->version == TLS_VERSION_1_2) alert[0] = 1;
    if (desc != TLS_ALERT_CLOSE_NOTIFY) e->hsq_len = 0; /* a failed flight is never sent */
    tlsio_trace(e, TLS_TRACE_SENT, TLSIO_CT_ALERT, alert, sizeof(alert));
    return seal_copy(e, TLSIO_CT_ALERT, alert, sizeof(alert));
}
