/* The table-driven handshake dispatcher: the one place that enforces an edge row's contract
 * (hs_dispatch.h): type before body, decoding, transcript, record-layer effects, next state. */
#include "hs_dispatch.h"

#include "hs_common.h"

#include <stdio.h>
#include <string.h>

static const tlsio_codec *const form_codecs[TLSIO_FORM__COUNT] = {[TLSIO_FORM_none] = NULL,
#define TLSIO_X_(m, T, codec) [TLSIO_FORM_##m] = &codec,
                                                                  TLSIO_HS_FORMS(TLSIO_X_)
#undef TLSIO_X_
};

const tlsio_codec *tlsio_hs_form_codec(tlsio_hs_form form) {
    return (unsigned)form < TLSIO_FORM__COUNT ? form_codecs[form] : NULL;
}

const tlsio_hs_edge *tlsio_hs_find_edge(const tlsio_hs_table *t, uint8_t state, uint8_t type,
                                        uint8_t variant) {
    for (size_t i = 0; i < t->n_edges; i++) {
        const tlsio_hs_edge *ed = &t->edges[i];
        if (ed->from == state && ed->msg_type == type && ed->variant == variant) return ed;
    }
    return NULL;
}

/* Any edge for (state, type), whatever its variant: the type alone decides whether the
 * message can be expected here. */
static const tlsio_hs_edge *find_type(const tlsio_hs_table *t, uint8_t state, uint8_t type) {
    for (size_t i = 0; i < t->n_edges; i++)
        if (t->edges[i].from == state && t->edges[i].msg_type == type) return &t->edges[i];
    return NULL;
}

static const char *state_name(const tlsio_hs_table *t, uint8_t s) {
    return s < t->n_states ? t->state_names[s] : "?";
}

static const char *msg_name(uint8_t type, uint8_t variant) {
    if (type == TLSIO_PSEUDO_CCS) return "ChangeCipherSpec";
    if (variant == TLSIO_VAR_HRR) return "HelloRetryRequest";
    const tlsio_msg_info *info = tlsio_msg_lookup(type);
    return info != NULL ? info->name : "unknown handshake message";
}

static int unexpected(tls_engine *e, uint8_t type, uint8_t variant) {
    /* RFC 8446 §5: outside its window a change_cipher_spec record is an unexpected record. */
    if (type == TLSIO_PSEUDO_CCS)
        return tlsio_engine_fail(e, TLS_ALERT_UNEXPECTED_MESSAGE,
                                 "%s: unexpected ChangeCipherSpec in state %s (a "
                                 "change_cipher_spec record at a point it is not allowed)",
                                 e->table->name, state_name(e->table, e->state));
    return tlsio_engine_fail(e, TLS_ALERT_UNEXPECTED_MESSAGE, "%s: unexpected %s in state %s",
                             e->table->name, msg_name(type, variant),
                             state_name(e->table, e->state));
}

/* Calls the take slot that matches the message's form, through the checked accessor. */
static int call_take(tls_engine *e, const tlsio_hs_edge *ed, const tlsio_hs_decoded *d,
                     uint8_t *next) {
    switch ((tlsio_hs_form)ed->form) {
    case TLSIO_FORM_none:
        return ed->take.none(e, next);
#define TLSIO_X_(m, T, codec)                                                                      \
    case TLSIO_FORM_##m: {                                                                         \
        const T *msg = tlsio_hs_as_##m(d);                                                         \
        if (msg != NULL) return ed->take.m(e, msg, next);                                          \
        break;                                                                                     \
    }
        TLSIO_HS_FORMS(TLSIO_X_)
#undef TLSIO_X_
    case TLSIO_FORM__COUNT:
        break;
    }
    return tlsio_err_set(&e->err, TLS_E_INTERNAL, "%s: edge from %s expects another message form",
                         e->table->name, state_name(e->table, ed->from));
}

/* Adds the message to the transcript. Handshake state must exist (post-handshake edges are
 * TLSIO_T_NEVER). For a HelloRetryRequest the transcript first restarts with
 * message_hash(ClientHello1) (RFC 8446 §4.4.1). */
static int hash_step(tls_engine *e, const tlsio_hs_msg *raw, int restart) {
    if (e->hs == NULL || raw == NULL)
        return tlsio_err_set(&e->err, TLS_E_INTERNAL, "%s: transcript step without handshake state",
                             e->table->name);
    int rc = restart ? tlsio_transcript_hrr_restart(&e->hs->transcript, &e->err) : 0;
    return rc ? rc : tlsio_hs_hash(e, raw->raw, raw->raw_len);
}

/* TLSIO_T_BEFORE_PSK: what a PSK binder is computed over, kept while take runs. */
static int keep_pre_transcript(tls_engine *e, const tlsio_hs_msg *raw) {
    if (e->hs == NULL || raw == NULL)
        return tlsio_err_set(&e->err, TLS_E_INTERNAL, "%s: transcript step without handshake state",
                             e->table->name);
    e->hs->h13.pre_ch = e->hs->transcript;
    e->hs->h13.ch_raw = raw->raw;
    e->hs->h13.ch_raw_len = raw->raw_len;
    return 0;
}

static void drop_pre_transcript(tls_engine *e) {
    tlsio_transcript_wipe(&e->hs->h13.pre_ch);
    e->hs->h13.ch_raw = NULL;
    e->hs->h13.ch_raw_len = 0;
}

static int record_boundary(tls_engine *e, const char *what) {
    return tlsio_reasm_check_boundary(&e->reasm, what, &e->err);
}

/* RFC 8446 §5.1: a message the peer must wait on after sending (ClientHello,
 * HelloRetryRequest; RFC 5246 §7.3 for TLS 1.2) ends its record, as a key change may follow. */
static int check_flight_end(tls_engine *e, uint8_t type, uint8_t variant) {
    if (!tlsio_reasm_pending(&e->reasm)) return 0; /* the sentence only when it is needed */
    char what[64];
    snprintf(what, sizeof(what), "end of the %s", msg_name(type, variant));
    return record_boundary(e, what);
}

/* What the edge did that its row does not declare is a bug of ours, never sent. */
static int check_effects(tls_engine *e, const tlsio_hs_edge *ed, uint32_t rd_epoch,
                         uint32_t wd_epoch) {
    const char *what = NULL;
    if (e->rd.epoch != rd_epoch && !(ed->effects & TLSIO_FX_READ_KEY)) what = "a new read key";
    if (e->wd.epoch != wd_epoch && !(ed->effects & TLSIO_FX_WRITE_KEY)) what = "a new write key";
    if (e->hsq_len > 0 && !(ed->effects & TLSIO_FX_REPLY)) what = "handshake output";
    if (what == NULL) return 0;
    return tlsio_err_set(&e->err, TLS_E_INTERNAL,
                         "%s: the edge from %s on %s made %s it does "
                         "not declare",
                         e->table->name, state_name(e->table, ed->from),
                         msg_name(ed->msg_type, ed->variant), what);
}

/* Runs one edge: take, the transcript rule, reply, then the row's checks and effects. */
static int run_edge(tls_engine *e, const tlsio_hs_edge *ed, const tlsio_hs_decoded *d,
                    const tlsio_hs_msg *raw) {
    const tlsio_hs_table *before = e->table;
    uint8_t from = e->state, next = e->state;
    uint32_t rd_epoch = e->rd.epoch, wd_epoch = e->wd.epoch;
    int rc = 0;
    if (ed->effects & TLSIO_FX_ENDS_PEER_FLIGHT)
        rc = check_flight_end(e, ed->msg_type, ed->variant);
    if (rc == 0 && ed->transcript == TLSIO_T_BEFORE_PSK) rc = keep_pre_transcript(e, raw);
    if (rc == 0 && (ed->transcript == TLSIO_T_BEFORE || ed->transcript == TLSIO_T_BEFORE_PSK))
        rc = hash_step(e, raw, 0);
    if (rc == 0) rc = call_take(e, ed, d, &next);
    if (ed->transcript == TLSIO_T_BEFORE_PSK && e->hs != NULL) drop_pre_transcript(e);
    if (rc == 0 && (ed->transcript == TLSIO_T_AFTER || ed->transcript == TLSIO_T_HRR))
        rc = hash_step(e, raw, ed->transcript == TLSIO_T_HRR);
    if (rc == 0 && ed->reply != NULL) rc = ed->reply(e);
    if (rc == 0) rc = check_effects(e, ed, rd_epoch, wd_epoch);
    if (rc == 0 && (ed->effects & TLSIO_FX_REPLY)) rc = tlsio_flush_hs(e);
    if (rc != 0) return tlsio_engine_failed(e, rc);

    uint32_t allowed = e->table == before ? ed->next : e->table->entry;
    if ((allowed & TLSIO_ST(next)) == 0)
        return tlsio_engine_fail(e, TLS_E_INTERNAL, "%s: handler moved from %s to unlisted %s",
                                 before->name, state_name(before, from),
                                 state_name(e->table, next));
    e->state = next;
    if (next == e->table->connected_state && !e->connected) tlsio_handshake_done(e);
    /* RFC 8446 §5.1: a key change must fall on a record boundary. */
    if (e->rd.epoch != rd_epoch) {
        rc = record_boundary(e, "handshake message before a key change");
        if (rc != 0) return tlsio_engine_failed(e, rc);
    }
    return 0;
}

int tlsio_hs_begin(tls_engine *e, const tlsio_hs_table *t) {
    e->table = t;
    e->state = t->initial;
    if (t->start == NULL) return 0;
    tlsio_hs_decoded none;
    memset(&none, 0, sizeof(none));
    return run_edge(e, t->start, &none, NULL);
}

/* No edge takes this type here. An unknown type, one we never accept (EndOfEarlyData) or one
 * of the other version keeps the message table's own sentence; before a version is
 * negotiated the hellos are read as TLS 1.3's. */
static int refuse_type(tls_engine *e, uint8_t type) {
    uint16_t v = e->version != 0 ? e->version : TLS_VERSION_1_3;
    if (tlsio_msg_codec(type, v, &e->err) == NULL) return tlsio_engine_failed(e, e->err.code);
    return unexpected(e, type, TLSIO_VAR_ANY);
}

/*
 * The most body bytes tlsio reads for each message type. The RFCs bound most fields at 2^16
 * - 1 bytes, far above what real peers send, and every byte accepted is memory a peer makes
 * us hold before any authentication; so each type gets what its largest valid use needs:
 *  - ClientHello: a full extension block (2^16 - 1, RFC 8446 §4.1.2) and 4 KiB for the
 *    fields before it (real clients send under 300 bytes there). OpenSSL reads ~128 KiB,
 *    BoringSSL 16 KiB; 16 KiB would refuse valid hellos (long signature_algorithms lists,
 *    post-quantum key shares, padding).
 *  - Certificate: the config's chain limit (tls_config_set_max_cert_chain, 64 KiB default).
 *  - ServerKeyExchange, CertificateVerify: an ECDHE point and a signature, 4 KiB (an
 *    RSA-16384 signature is 2 KiB). ClientKeyExchange: a point<1..255>. Finished: 12 bytes
 *    in TLS 1.2, Hash.length in 1.3 (the exact length is checked on decode).
 *  - The empty ones (HelloRequest, ServerHelloDone, EndOfEarlyData): 0; KeyUpdate: 1.
 *  - NewSessionTicket: a ticket<1..2^16-1> and its small fixed fields.
 *  - ServerHello, EncryptedExtensions, CertificateRequest: 64 KiB.
 */
static size_t max_body(const tls_engine *e, uint8_t type) {
    static const struct {
        uint8_t type;
        uint32_t max;
    } limits[] = {
        {TLSIO_HS_HELLO_REQUEST, 0},
        {TLSIO_HS_CLIENT_HELLO, TLSIO_MAX_CLIENT_HELLO},
        {TLSIO_HS_SERVER_HELLO, 65536},
        {TLSIO_HS_NEW_SESSION_TICKET, 65536 + 512},
        {TLSIO_HS_END_OF_EARLY_DATA, 0},
        {TLSIO_HS_ENCRYPTED_EXTENSIONS, 65536},
        {TLSIO_HS_SERVER_KEY_EXCHANGE, 4096},
        {TLSIO_HS_CERTIFICATE_REQUEST, 65536},
        {TLSIO_HS_SERVER_HELLO_DONE, 0},
        {TLSIO_HS_CERTIFICATE_VERIFY, 4096},
        {TLSIO_HS_CLIENT_KEY_EXCHANGE, 256},
        {TLSIO_HS_FINISHED, 64},
        {TLSIO_HS_KEY_UPDATE, 1},
    };
    if (type == TLSIO_HS_CERTIFICATE) return e->cfg->max_cert_chain;
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
        if (limits[i].type == type) return limits[i].max;
    return 0; /* no edge takes other types: refused before this is asked */
}

int tlsio_dispatch_header(tls_engine *e, uint8_t type, size_t len) {
    /* The state decides from the type alone, before a byte of the body is buffered. */
    if (e->table == NULL) return 0; /* no table yet: tlsio_dispatch reports it */
    if (find_type(e->table, e->state, type) == NULL) return refuse_type(e, type);
    size_t max = max_body(e, type);
    if (len > max)
        /* RFC 8446 §6.2 decode_error: "a message could not be decoded because some field was
         * out of the specified range or the length of the message was incorrect". */
        return tlsio_engine_fail(
            e, TLS_ALERT_DECODE_ERROR, "%s of %zu bytes: tlsio reads at most %zu bytes for it%s",
            msg_name(type, TLSIO_VAR_ANY), len, max,
            type == TLSIO_HS_CERTIFICATE ? " (tls_config_set_max_cert_chain)" : "");
    return 0;
}

int tlsio_dispatch(tls_engine *e, const tlsio_hs_msg *m) {
    /* Is this message type valid in this state? Decided before its body is parsed. */
    const tlsio_hs_edge *ed = find_type(e->table, e->state, m->type);
    if (ed == NULL) return refuse_type(e, m->type);

    /* Are these bytes a valid message of the edge's form? */
    tlsio_hs_decoded d;
    memset(&d, 0, sizeof(d));
    d.form = (tlsio_hs_form)ed->form;
    const tlsio_codec *codec = tlsio_hs_form_codec(d.form);
    if (codec == NULL)
        return tlsio_engine_fail(e, TLS_E_INTERNAL, "%s: edge for %s has no message form",
                                 e->table->name, msg_name(m->type, TLSIO_VAR_ANY));
    CBS body;
    CBS_init(&body, m->body, m->len);
    int rc = tlsio_decode(codec, &body, &d.u, &e->err);
    if (rc != 0) return tlsio_engine_failed(e, rc);

    /* A variant the decoded message shows (HelloRetryRequest) may have no edge here. */
    uint8_t variant = TLSIO_VAR_ANY;
    if (d.form == TLSIO_FORM_sh && tlsio_server_hello_is_hrr(&d.u.sh)) variant = TLSIO_VAR_HRR;
    ed = tlsio_hs_find_edge(e->table, e->state, m->type, variant);
    if (ed == NULL) return unexpected(e, m->type, variant);
    return run_edge(e, ed, &d, m);
}

int tlsio_dispatch_ccs(tls_engine *e) {
    const tlsio_hs_edge *ed = tlsio_hs_find_edge(e->table, e->state, TLSIO_PSEUDO_CCS, 0);
    if (ed == NULL) return unexpected(e, TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY);
    tlsio_hs_decoded none;
    memset(&none, 0, sizeof(none));
    return run_edge(e, ed, &none, NULL);
}
