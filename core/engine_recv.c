/*
 * The input path: records out of the receive buffer, routed by content type to the alert
 * handler, the ChangeCipherSpec rule, the handshake reassembler + dispatcher, or the
 * application.
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "hs13.h"
#include "hs_dispatch.h"

/*
 * Records that carry nothing (warning and user_canceled alerts, empty application data, TLS 1.3
 * compatibility change_cipher_spec records, KeyUpdates with no data after them) cost us work
 * but move the connection nowhere; a peer could send them forever. Floods are cut off with
 * unexpected_message after small allowances, like BoringSSL's. The cost: a peer that really
 * sends more than this many in a row is refused; none of the protocol's uses need more.
 */
#define MAX_WARNINGS_IN_ROW      4  /* TLS 1.2 warnings and user_canceled */
#define MAX_EMPTY_RECORDS_IN_ROW 32 /* empty application data and change_cipher_spec records */

/* "In a row" means with no record that carries something (a handshake fragment, application
 * data) between them: records that do nothing never reset either count, so alternating
 * warnings and change_cipher_spec records cannot keep a handshake alive. */
static void carried_something(tls_engine *e) {
    e->warnings_in_row = 0;
    e->empty_in_row = 0;
}

static int count_empty(tls_engine *e, const char *what) {
    if (++e->empty_in_row <= MAX_EMPTY_RECORDS_IN_ROW) return 0;
    return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                         "more than %d records without data in a row (the last: %s)",
                         MAX_EMPTY_RECORDS_IN_ROW, what);
}

/* A change_cipher_spec record: the state table says whether one may arrive now (TLS 1.2's is
 * a step of the handshake, RFC 5246 §7.1; TLS 1.3's a compatibility record dropped inside the
 * window of RFC 8446 §5 and D.4); no edge is unexpected_message. */
static int on_ccs(tls_engine *e, const uint8_t *p, size_t n) {
    tlsio_trace(e, TLS_TRACE_RECEIVED, TLSIO_CT_CHANGE_CIPHER_SPEC, p, n);
    int rc = tlsio_reasm_check_boundary(&e->reasm, "change_cipher_spec record", &e->err);
    if (rc == 0) rc = count_empty(e, "change_cipher_spec");
    if (rc == 0) rc = tlsio_rl_check_ccs(p, n, 1, &e->err);
    return rc ? rc : tlsio_dispatch_ccs(e);
}

static int on_alert(tls_engine *e, const uint8_t *p, size_t n) {
    int rc = tlsio_reasm_check_boundary(&e->reasm, "alert record", &e->err);
    if (rc != 0) return rc;
    /* RFC 8446 §6 / RFC 5246 §7.2: an alert is exactly level + description. */
    if (n != 2)
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR, "alert record: length %zu, not 2", n);
    tlsio_trace(e, TLS_TRACE_RECEIVED, TLSIO_CT_ALERT, p, n);
    uint8_t level = p[0], desc = p[1];
    /* RFC 8446 §6 / RFC 5246 §7.2: AlertLevel is warning(1) or fatal(2); any other value is a
     * field the peer made up, not an alert we can act on. */
    if (level != 1 && level != 2)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "alert record: level %u is neither warning(1) nor fatal(2)", level);
    if (desc == TLS_ALERT_CLOSE_NOTIFY) {
        /* RFC 8446 §6.1: nothing follows close_notify, so a handshake it interrupts can
         * never finish; after the handshake our side may still write. */
        if (!e->connected)
            return tlsio_err_setc(&e->err, TLS_ERRCAT_PEER_ALERT, TLS_E_CLOSED,
                                  "the peer sent close_notify before the handshake completed");
        e->close_received = 1;
        return 0;
    }
    int tls13 = e->version == TLS_VERSION_1_3;
    /* RFC 5246 §7.2: after a TLS 1.2 warning the connection may go on (e.g. unrecognized_name,
     * RFC 6066 §3, sent before the ServerHello; no_renegotiation, RFC 5746 §4.2). RFC 8446
     * §6.1: user_canceled is followed by close_notify, so it is skipped in both versions. */
    if (level == 1 && (desc == TLS_ALERT_USER_CANCELED || !tls13)) {
        if (++e->warnings_in_row > MAX_WARNINGS_IN_ROW)
            return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                                 "alert record: more than %d warning alerts in a row (last: %s)",
                                 MAX_WARNINGS_IN_ROW, tls_error_code_name(desc));
        return 0;
    }
    /* RFC 8446 §6: in TLS 1.3 every alert but close_notify and user_canceled "MUST be sent with
     * AlertLevel=fatal"; a warning-level one is malformed. It still ends the connection (it
     * "MUST be treated as an error alert"), and we say why with decode_error. */
    if (level == 1 && tls13)
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR,
                             "alert record: TLS 1.3 %s alert at level warning; only close_notify "
                             "and user_canceled may be warnings (RFC 8446 §6)",
                             tls_error_code_name(desc));
    /* RFC 8446 §4.4.2.4: a server that requires a client certificate and gets an empty
     * Certificate "MAY abort the handshake with a "certificate_required" alert"; TLS 1.2
     * servers (RFC 5246 §7.4.6) use handshake_failure, and some pick others (GnuTLS 3.7 in
     * TLS 1.2 sends decode_error). Until the server sends data, an alert after our empty
     * Certificate is most likely about it: say so. */
    const char *why = "";
    if (e->sent_empty_client_cert)
        why = desc == TLS_ALERT_CERTIFICATE_REQUIRED || desc == TLS_ALERT_HANDSHAKE_FAILURE ||
                      desc == TLS_ALERT_BAD_CERTIFICATE || desc == TLS_ALERT_ACCESS_DENIED ||
                      desc == TLS_ALERT_CERTIFICATE_UNKNOWN
                  ? ": the server asked for a client certificate and none is configured "
                    "(tls_config_add_cert_file)"
                  : "; the server asked for a client certificate and none is configured "
                    "(tls_config_add_cert_file), which is the likely cause";
    return tlsio_err_setc(&e->err, TLS_ERRCAT_PEER_ALERT, desc, "the peer sent a %s alert (%s)%s",
                          level == 1 ? "warning" : "fatal", tls_error_code_name(desc), why);
}

static int on_handshake(tls_engine *e, const uint8_t *p, size_t n) {
    if (n > 0) carried_something(e);
    int rc = tlsio_reasm_feed(&e->reasm, p, n, &e->err);
    for (int got = 1; rc == 0 && got && !e->err.code;) {
        tlsio_hs_msg m;
        rc = tlsio_reasm_next(&e->reasm, &m, &got, &e->err);
        if (rc != 0 || !got) break;
        tlsio_trace(e, TLS_TRACE_RECEIVED, TLSIO_CT_HANDSHAKE, m.raw, m.raw_len);
        /* The dispatcher enforces the edge's record rules (flight end, key change). */
        rc = tlsio_dispatch(e, &m);
    }
    return rc;
}

static int on_app_data(tls_engine *e, uint8_t *p, size_t n) {
    int rc = tlsio_reasm_check_boundary(&e->reasm, "application data record", &e->err);
    if (rc != 0) return rc;
    /* RFC 8446 §2, §4.2.10: no application data before the handshake completes (we never
     * accept 0-RTT); after close_notify nothing more may arrive (§6.1). */
    if (!e->connected)
        return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "application data record before the handshake completed");
    /* Empty application data is allowed (RFC 8446 §5.1), endless runs of it are not. */
    if (n == 0 && (rc = count_empty(e, "empty application data")) != 0) return rc;
    if (n > 0) {
        carried_something(e);
        e->key_updates_in_row = 0;
        e->refused_in_row = 0;
    }
    e->app = p;
    e->app_len = n;
    e->sent_empty_client_cert = 0; /* the server accepted it: later alerts are not about that */
    return 0;
}

/*
 * RFC 8446 §4.2.10: a server that rejects 0-RTT skips the client's early data: after a
 * HelloRetryRequest every application_data record before the second ClientHello; otherwise
 * each record that fails to deprotect under the handshake key, until one deprotects (the
 * client's second flight). The skipped amount is capped like max_early_data_size would be.
 */
#define MAX_EARLY_DATA_SKIPPED 65536

static int skipping_early_data(const tls_engine *e, const uint8_t *rec) {
    return e->hs != NULL && e->hs->h13.skip_early_data && rec[0] == TLSIO_CT_APPLICATION_DATA;
}

/* Trial-opens a record while early data is skipped; *skip says the record is to be dropped. */
static int open_or_skip(tls_engine *e, uint8_t *rec, size_t len, uint8_t *type, uint8_t **pt,
                        size_t *pt_len, int *skip) {
    tlsio_hs *hs = e->hs;
    tlsio_err trial;
    tlsio_err_clear(&trial);
    *skip = 0;
    int rc = TLS_ALERT_BAD_RECORD_MAC; /* plaintext read state: early data cannot be opened */
    /* Early data is sent before the client knows our record_size_limit (RFC 8449 §4 holds
     * records to the limits of the handshake that made their keys): a record over it cannot
     * be the client's second flight, and is skipped unopened like any other early data. */
    if (e->rd.mode != TLSIO_RL_PLAINTEXT &&
        len - TLSIO_RECORD_HEADER_LEN <= tlsio_rl_max_fragment(&e->rd))
        rc = tlsio_rl_open(&e->rd, rec, len, type, pt, pt_len, &trial);
    if (rc == 0) {
        hs->h13.skip_early_data = 0; /* the client's second flight has begun */
        return 0;
    }
    if (rc != TLS_ALERT_BAD_RECORD_MAC) { /* it did deprotect, and is bad: a real failure */
        if (e->err.code == 0) e->err = trial;
        return rc;
    }
    hs->h13.early_skipped += len - TLSIO_RECORD_HEADER_LEN;
    if (hs->h13.early_skipped > MAX_EARLY_DATA_SKIPPED)
        return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "rejected early data: more than %d bytes to skip",
                             MAX_EARLY_DATA_SKIPPED);
    *skip = 1;
    return 0;
}

/* The read state whose limits a record header is checked against: early data to be skipped
 * is TLSCiphertext (up to 2^14 + 256 bytes, RFC 8446 §5.2) even while we still read
 * plaintext, after a HelloRetryRequest, and whatever record_size_limit we answer. */
static const tlsio_rl_dir *header_limits(const tls_engine *e, const uint8_t *hdr,
                                         tlsio_rl_dir *scratch) {
    if (!skipping_early_data(e, hdr)) return &e->rd;
    tlsio_rl_dir_init(scratch);
    scratch->mode = TLSIO_RL_TLS13;
    return scratch;
}

/* A TLS 1.3 client that cannot use our ServerHello has no keys and says so in the clear; its
 * first record under the handshake key may therefore be a plaintext alert (OpenSSL accepts
 * these too). Anything else in the clear stays refused by the record layer. */
static int plaintext_alert_after_server_hello(const tls_engine *e, const uint8_t *rec, size_t len) {
    return e->is_server && !e->connected && e->version == TLS_VERSION_1_3 &&
           e->rd.mode == TLSIO_RL_TLS13 && e->rd.seq == 0 && rec[0] == TLSIO_CT_ALERT &&
           len == TLSIO_RECORD_HEADER_LEN + 2;
}

static int process_record(tls_engine *e, uint8_t *rec, size_t len) {
    uint8_t type = 0, *pt = NULL;
    size_t pt_len = 0;
    int rc, skip = 0;
    if (plaintext_alert_after_server_hello(e, rec, len))
        return on_alert(e, rec + TLSIO_RECORD_HEADER_LEN, 2);
    if (skipping_early_data(e, rec))
        rc = open_or_skip(e, rec, len, &type, &pt, &pt_len, &skip);
    else
        rc = tlsio_rl_open(&e->rd, rec, len, &type, &pt, &pt_len, &e->err);
    if (rc != 0 || skip) return rc;
    if (e->close_received)
        return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE, "record after close_notify");
    switch (type) {
    case TLSIO_CT_CHANGE_CIPHER_SPEC:
        return on_ccs(e, pt, pt_len);
    case TLSIO_CT_ALERT:
        return on_alert(e, pt, pt_len);
    case TLSIO_CT_HANDSHAKE:
        return on_handshake(e, pt, pt_len);
    default:
        return on_app_data(e, pt, pt_len);
    }
}

int tlsio_process_input(tls_engine *e) {
    while (!e->err.code && e->app_len == 0 && !e->close_received) {
        size_t avail = e->in_end - e->in_start;
        if (avail < TLSIO_RECORD_HEADER_LEN) break;
        tlsio_rl_header h;
        tlsio_rl_dir scratch;
        /* RFC 8446 §5.1: legacy_record_version is ignored until a version is negotiated,
         * and in TLS 1.3 afterwards within the TLS versions (record.h). */
        unsigned flags = e->version == 0                 ? TLSIO_RL_HDR_INITIAL
                         : e->version == TLS_VERSION_1_3 ? TLSIO_RL_HDR_TLS13
                                                         : 0;
        const tlsio_rl_dir *limits = header_limits(e, e->in + e->in_start, &scratch);
        int rc = tlsio_rl_parse_header(limits, e->in + e->in_start, flags, &h, &e->err);
        if (rc != 0) return tlsio_engine_failed(e, rc);
        size_t rec_len = TLSIO_RECORD_HEADER_LEN + h.length;
        if (avail < rec_len) break;
        uint8_t *rec = e->in + e->in_start;
        e->in_start += rec_len;
        rc = process_record(e, rec, rec_len);
        if (rc != 0 || e->err.code) return tlsio_engine_failed(e, rc ? rc : e->err.code);
    }
    if (e->in_start == e->in_end && e->app_len == 0) e->in_start = e->in_end = 0;
    return e->err.code;
}
