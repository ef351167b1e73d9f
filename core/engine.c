/* The engine's public face: lifecycle, the four buffer/ack pairs, status and getters. */
#include "engine.h"
#include "session.h"

#include <openssl/mem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto_x509.h"
#include "hs13.h"
#include "hs_dispatch.h"

/* Receive buffer: one record of the largest kind plus one more header, so a record and the
 * start of the next can be read in one call. */
#define IN_CAP (TLSIO_RECORD_MAX_LEN + TLSIO_RECORD_HEADER_LEN)

/* Wipes the first `used` bytes (all that ever held anything of ours) and frees. */
static void free_buf(uint8_t **p, size_t used) {
    if (*p != NULL) OPENSSL_cleanse(*p, used);
    free(*p);
    *p = NULL;
}

/* Fills the constructor's out-parameter (if given); returns NULL for the caller to return. */
static tls_engine *refuse(tls_engine_new_error *why, int code, const char *fmt, ...)
    TLSIO_PRINTF(3, 4);
static tls_engine *refuse(tls_engine_new_error *why, int code, const char *fmt, ...) {
    if (why != NULL) {
        why->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static int header_gate(void *ctx, uint8_t type, size_t len) {
    return tlsio_dispatch_header((tls_engine *)ctx, type, len);
}

static tls_engine *engine_new(tls_config *cfg, int is_server, tls_engine_new_error *why) {
    const char *fn = is_server ? "tls_engine_new_server" : "tls_engine_new_client";
    if (cfg == NULL) return refuse(why, TLS_E_USAGE, "%s: the config is NULL (tls_config_new)", fn);
    if (tlsio_config_freeze(cfg, NULL) != 0)
        return refuse(why, TLS_E_USAGE, "%s: the config could not be frozen", fn);
    tls_engine *e = calloc(1, sizeof(*e));
    if (e == NULL) return refuse(why, TLS_E_NOMEM, "%s: out of memory", fn);
    e->cfg = tls_config_ref(cfg);
    e->is_server = is_server;
    tlsio_rl_dir_init(&e->rd);
    tlsio_rl_dir_init(&e->wd);
    /* Each message is checked on its header (hs_dispatch.c); the reassembler's own cap is
     * the largest of those limits. */
    size_t cap =
        cfg->max_cert_chain > TLSIO_MAX_CLIENT_HELLO ? cfg->max_cert_chain : TLSIO_MAX_CLIENT_HELLO;
    tlsio_reasm_init(&e->reasm, cap);
    tlsio_reasm_set_gate(&e->reasm, header_gate, e);
    e->hs = calloc(1, sizeof(*e->hs));
    if (e->hs == NULL) {
        tls_engine_free(e);
        return refuse(why, TLS_E_NOMEM, "%s: out of memory", fn);
    }
    tlsio_transcript_init(&e->hs->transcript);
    return e;
}

/* A client engine offering session s (NULL: none) when it is for this server name. */
static tls_engine *new_client(tls_config *cfg, const char *server_name, const tls_session *s,
                              tls_engine_new_error *why) {
    if (why != NULL) {
        why->code = 0;
        why->msg[0] = '\0';
    }
    if (server_name == NULL || server_name[0] == '\0')
        return refuse(why, TLS_E_USAGE,
                      "tls_engine_new_client: a server name is required (the name the server "
                      "certificate is verified against); unverified connections are not offered");
    /* Refused here rather than at the certificate check: a name that can never match is a
     * mistake of the caller's, and nothing should be sent for it (RFC 9525 §6.2). */
    if (!tlsio_host_is_reference(server_name))
        return refuse(why, TLS_E_USAGE,
                      "tls_engine_new_client: server name '%.64s%s' is neither a DNS name "
                      "(letters, digits, '-', '.', labels of 1 to 63, at most 253 in all, no "
                      "wildcard) nor an IPv4/IPv6 address literal (without brackets)",
                      server_name, strlen(server_name) > 64 ? "..." : "");
    tls_engine *e = engine_new(cfg, 0, why);
    if (e == NULL) return NULL;
    size_t n = strlen(server_name);
    e->server_name = malloc(n + 1);
    if (e->server_name == NULL) {
        tls_engine_free(e);
        return refuse(why, TLS_E_NOMEM, "tls_engine_new_client: out of memory");
    }
    memcpy(e->server_name, server_name, n + 1);
    /* RFC 8446 §4.6.1: never offer a session to a server name it was not made for. Whether
     * it can be offered at all (version, suite, age) is decided by the ClientHello. */
    if (s != NULL && strcasecmp(s->server_name, server_name) == 0) {
        e->offer = tls_session_dup(s);
        if (e->offer == NULL) {
            tls_engine_free(e);
            return refuse(why, TLS_E_NOMEM, "tls_engine_new_client: out of memory");
        }
    }
    if (tlsio_hs_begin(e, &tlsio_hs13_client_table) != 0) {
        /* the failure is sticky and visible through the status and error calls */
    }
    return e;
}

tls_engine *tls_engine_new_client_ex(tls_config *cfg, const char *server_name,
                                     tls_engine_new_error *why) {
    return new_client(cfg, server_name, NULL, why);
}

tls_engine *tls_engine_new_client_resume(tls_config *cfg, const char *server_name,
                                         const tls_session *s, tls_engine_new_error *why) {
    return new_client(cfg, server_name, s, why);
}

tls_session *tls_engine_take_session(tls_engine *e) {
    if (e == NULL || e->is_server || e->n_sessions == 0) return NULL;
    tls_session *s = e->sessions[0];
    memmove(e->sessions, e->sessions + 1, (e->n_sessions - 1) * sizeof(e->sessions[0]));
    e->sessions[--e->n_sessions] = NULL;
    return s;
}

int tls_engine_resumed(const tls_engine *e) {
    return e != NULL && e->resumed;
}

int64_t tls_engine_ticket_age_skew_ms(const tls_engine *e) {
    return e != NULL && e->resumed && e->is_server ? e->ticket_age_skew_ms : 0;
}

tls_engine *tls_engine_new_client(tls_config *cfg, const char *server_name) {
    return tls_engine_new_client_ex(cfg, server_name, NULL);
}

tls_engine *tls_engine_new_server_ex(tls_config *cfg, tls_engine_new_error *why) {
    if (why != NULL) {
        why->code = 0;
        why->msg[0] = '\0';
    }
    if (cfg != NULL && cfg->n_chains == 0)
        return refuse(why, TLS_E_USAGE,
                      "tls_engine_new_server: the config has no certificate chain and key "
                      "(tls_config_add_cert_file or tls_config_add_cert_pem)");
    tls_engine *e = engine_new(cfg, 1, why);
    if (e == NULL) return NULL;
    if (tlsio_hs_begin(e, &tlsio_hs13_server_table) != 0) {
        /* the failure is sticky and visible through the status and error calls */
    }
    return e;
}

tls_engine *tls_engine_new_server(tls_config *cfg) {
    return tls_engine_new_server_ex(cfg, NULL);
}

void tls_engine_free(tls_engine *e) {
    if (e == NULL) return;
    tlsio_hs_state_free(e);
    tlsio_reasm_free(&e->reasm);
    tlsio_rl_dir_wipe(&e->rd);
    tlsio_rl_dir_wipe(&e->wd);
    free_buf(&e->in, e->in_hw);
    free_buf(&e->out, e->out_cap);
    tlsio_out_release_retired(e);
    free_buf(&e->hsq, e->hsq_cap);
    free(e->server_name);
    free(e->alpn);
    free(e->peer_subject);
    free(e->peer_cert);
    free(e->req_ca_names);
    free(e->req_cert_types);
    tls_session_free(e->offer);
    for (size_t i = 0; i < e->n_sessions; i++)
        tls_session_free(e->sessions[i]);
    tls_config_free(e->cfg);
    OPENSSL_cleanse(e, sizeof(*e));
    free(e);
}

void tls_engine_trim(tls_engine *e) {
    if (e->in != NULL && e->in_start == e->in_end && e->app_len == 0) {
        free_buf(&e->in, e->in_hw);
        e->in_cap = e->in_start = e->in_end = e->in_hw = 0;
        e->recv_lent = 0; /* core.h: trim ends a recv_buf region */
    }
    /* Not while write_buf's room is handed out: the caller may be filling it. */
    if (e->out != NULL && e->out_start == e->out_end && e->write_lent == 0) {
        free_buf(&e->out, e->out_cap);
        e->out_cap = e->out_start = e->out_end = 0;
    }
    if (e->hsq != NULL && e->hsq_len == 0) {
        free_buf(&e->hsq, e->hsq_cap);
        e->hsq_cap = 0;
    }
    if (!tlsio_reasm_pending(&e->reasm)) tlsio_reasm_free(&e->reasm);
}

int tls_engine_set_time(tls_engine *e, int64_t unix_seconds) {
    return tlsio_engine_set_now(e, unix_seconds);
}

/* ---- failing --------------------------------------------------------------------------- */

static int failed(const tls_engine *e) {
    return e->err.code != 0;
}

/* ---- status ---------------------------------------------------------------------------- */

/* Output the peer has not taken beyond this stops input (core.h, "Backpressure"). */
static int over_high_water(const tls_engine *e) {
    return e->out_end - e->out_start > TLS_ENGINE_SEND_HIGH_WATER;
}

unsigned tls_engine_status(const tls_engine *e) {
    unsigned st = 0;
    if (e->out_end > e->out_start) st |= TLS_ST_HAS_SEND;
    if (failed(e)) return st | TLS_ST_FAILED | TLS_ST_CLOSED;
    if (e->connected) st |= TLS_ST_CONNECTED;
    if (e->app_len > 0) st |= TLS_ST_HAS_READ;
    if (e->close_received) st |= TLS_ST_PEER_CLOSED;
    if (e->close_received && e->close_sent) st |= TLS_ST_CLOSED;
    if (!e->close_received && e->app_len == 0 && !over_high_water(e)) st |= TLS_ST_WANT_RECV;
    if (e->connected && !e->close_sent) st |= TLS_ST_CAN_WRITE;
    return st;
}

/* ---- network in ------------------------------------------------------------------------ */

uint8_t *tls_engine_recv_buf(tls_engine *e, size_t *len) {
    *len = e->recv_lent = 0; /* each call replaces the region the previous one handed out */
    if (failed(e) || e->close_received || over_high_water(e)) return NULL;
    if (e->in == NULL) {
        e->in = malloc(IN_CAP);
        if (e->in == NULL) {
            (void)tlsio_engine_fail(e, TLS_E_NOMEM, "out of memory for the receive buffer");
            return NULL;
        }
        e->in_cap = IN_CAP;
    }
    /* Move the unprocessed tail to the front once no decrypted data points into it. */
    if (e->app_len == 0 && e->in_start > 0) {
        memmove(e->in, e->in + e->in_start, e->in_end - e->in_start);
        e->in_end -= e->in_start;
        e->in_start = 0;
    }
    if (e->in_end == e->in_cap) return NULL;
    *len = e->recv_lent = e->in_cap - e->in_end;
    return e->in + e->in_end;
}

/* The one over-ack policy of all four ack calls (core.h): acknowledging more than the
 * matching buf call handed out (and is not acknowledged yet) is TLS_E_USAGE, sticky, with
 * this sentence; nothing of the ack is applied. */
static int over_ack(tls_engine *e, const char *ack, const char *buf, size_t len, size_t lent) {
    if (lent == 0)
        return tlsio_engine_fail(e, TLS_E_USAGE,
                                 "tls_engine_%s: %zu bytes acknowledged, but no tls_engine_%s "
                                 "region is outstanding",
                                 ack, len, buf);
    return tlsio_engine_fail(e, TLS_E_USAGE,
                             "tls_engine_%s: %zu bytes acknowledged, but tls_engine_%s handed "
                             "out only %zu",
                             ack, len, buf, lent);
}

int tls_engine_recv_ack(tls_engine *e, size_t len) {
    if (failed(e)) return e->err.code;
    if (len > e->recv_lent) return over_ack(e, "recv_ack", "recv_buf", len, e->recv_lent);
    e->recv_lent -= len;
    e->in_end += len;
    if (e->in_end > e->in_hw) e->in_hw = e->in_end;
    return tlsio_process_input(e);
}

int tls_engine_recv_eof(tls_engine *e) {
    if (failed(e)) return e->err.code;
    if (e->close_received) return 0;
    /* RFC 8446 §6.1: a stream that ends without close_notify may have been truncated. */
    return tlsio_engine_fail(e, TLS_E_TRUNCATED,
                             "the peer closed the connection without close_notify%s",
                             e->connected ? "" : " during the handshake");
}

/* ---- network out ----------------------------------------------------------------------- */

const uint8_t *tls_engine_send_buf(tls_engine *e, size_t *len) {
    *len = e->send_lent = e->out_end - e->out_start;
    return *len ? e->out + e->out_start : NULL;
}

size_t tls_engine_send_pending(const tls_engine *e) {
    return e->out_end - e->out_start;
}

int tls_engine_send_ack(tls_engine *e, size_t len) {
    /* Works after a failure too: that is how the alert reaches the peer. */
    if (len > e->send_lent) return over_ack(e, "send_ack", "send_buf", len, e->send_lent);
    e->send_lent -= len;
    e->out_start += len;
    if (e->send_lent == 0) tlsio_out_release_retired(e);
    /* Rewind an empty buffer, but not under write_buf's room (it sits at out_end). */
    if (e->out_start == e->out_end && e->write_lent == 0) e->out_start = e->out_end = 0;
    return 0;
}

/* ---- application out ------------------------------------------------------------------- */

uint8_t *tls_engine_write_buf(tls_engine *e, size_t *len) {
    *len = e->write_lent = 0;
    if (failed(e) || !e->connected || e->close_sent) return NULL;
    /* RFC 8446 §5.5: update the key before it reaches its usage limit. */
    if (e->version == TLS_VERSION_1_3 &&
        (tlsio_rl_key_update_due(&e->wd) || e->key_update_pending)) {
        if (tlsio13_send_key_update(e, 0) != 0) return NULL;
    }
    size_t pre = tlsio_rl_seal_prefix_len(&e->wd), post = tlsio_rl_seal_suffix_len(&e->wd, 0);
    size_t frag = tlsio_send_fragment_max(e);
    if (tlsio_out_reserve(e, pre + frag + post) != 0) return NULL;
    *len = e->write_lent = frag;
    return e->out + e->out_end + pre;
}

int tls_engine_write_ack(tls_engine *e, size_t len) {
    if (failed(e)) return e->err.code;
    if (len == 0) return 0; /* nothing written: no record (and the region stays usable) */
    if (!e->connected || e->close_sent)
        return tlsio_engine_fail(
            e, TLS_E_USAGE, "tls_engine_write_ack: %zu bytes acknowledged %s", len,
            e->close_sent ? "after tls_engine_close" : "before the handshake completed");
    /* Never seal bytes the caller did not put there: without a write_buf region (or after
     * other output took its place) the bytes at out_end are stale or zero. */
    if (len > e->write_lent) return over_ack(e, "write_ack", "write_buf", len, e->write_lent);
    e->write_lent = 0;
    size_t rec_len = 0;
    int rc = tlsio_rl_seal(&e->wd, TLSIO_CT_APPLICATION_DATA, e->out + e->out_end,
                           e->out_cap - e->out_end, len, 0, &rec_len, &e->err);
    if (rc != 0) return tlsio_engine_failed(e, rc);
    e->out_end += rec_len;
    return 0;
}

/* ---- application in -------------------------------------------------------------------- */

const uint8_t *tls_engine_read_buf(tls_engine *e, size_t *len) {
    *len = e->read_lent = e->app_len;
    return e->app_len ? e->app : NULL;
}

int tls_engine_read_ack(tls_engine *e, size_t len) {
    /* Works after a failure too: data decrypted before it can still be read. */
    if (len > e->read_lent) return over_ack(e, "read_ack", "read_buf", len, e->read_lent);
    e->read_lent -= len;
    e->app += len;
    e->app_len -= len;
    if (e->app_len == 0 && !failed(e)) {
        /* Records behind the one just drained may already be buffered. */
        if (tlsio_process_input(e) != 0) {
            /* sticky: visible through tls_engine_status / tls_engine_error */
        }
    }
    return 0;
}

/* ---- closing, key update --------------------------------------------------------------- */

int tls_engine_close(tls_engine *e) {
    if (failed(e)) return e->err.code;
    if (e->close_sent) return 0;
    int rc = tlsio_send_alert(e, TLS_ALERT_CLOSE_NOTIFY);
    if (rc != 0) return tlsio_engine_failed(e, rc);
    e->close_sent = 1;
    return 0;
}

int tls_engine_key_update(tls_engine *e, int request_peer) {
    if (failed(e)) return e->err.code;
    /* Misuse is reported, but does not end the connection. */
    if (!e->connected || e->version != TLS_VERSION_1_3 || e->close_sent) return TLS_E_USAGE;
    return tlsio13_send_key_update(e, request_peer);
}

/* ---- exporter -------------------------------------------------------------------------- */

int tls_engine_export_keying_material(const tls_engine *e, const char *label, size_t label_len,
                                      const uint8_t *context, size_t context_len, uint8_t *out,
                                      size_t out_len) {
    if (!e->connected || e->err.code != 0 || label == NULL || out == NULL) return TLS_E_USAGE;
    /* A length without bytes is the caller's mistake, never a read through NULL. */
    if (context == NULL && context_len > 0) return TLS_E_USAGE;
    /* A scratch error slot: a refused export is the caller's mistake, not the connection's. */
    tlsio_err err;
    tlsio_err_clear(&err);
    if (e->version == TLS_VERSION_1_3)
        return tlsio_tls13_export(e->suite->hash, e->exporter, label, label_len, context,
                                  context_len, out, out_len, &err);
    const uint8_t *master = e->exporter, *randoms = e->exporter + TLSIO_TLS12_MASTER_LEN;
    return tlsio_prf12_export(e->suite->hash, master, randoms, randoms + 32, label, label_len,
                              context, context_len, out, out_len, &err);
}

/* ---- errors and getters ---------------------------------------------------------------- */

int tls_engine_error_code(const tls_engine *e) {
    return e->err.code;
}

int tls_engine_error_category(const tls_engine *e) {
    return e->err.category;
}

const char *tls_engine_error(const tls_engine *e) {
    return e->err.msg;
}

uint16_t tls_engine_version(const tls_engine *e) {
    return e->connected || e->suite ? e->version : 0;
}

uint16_t tls_engine_cipher_suite(const tls_engine *e) {
    return e->suite ? e->suite->id : 0;
}

uint16_t tls_engine_group(const tls_engine *e) {
    return e->group;
}

const char *tls_engine_alpn(const tls_engine *e) {
    return e->alpn;
}

const char *tls_engine_server_name(const tls_engine *e) {
    return e->server_name;
}

const char *tls_engine_peer_subject(const tls_engine *e) {
    return e->peer_subject;
}

uint16_t tls_engine_peer_signature_scheme(const tls_engine *e) {
    return e->peer_sig_scheme;
}
