/* The TLS 1.3 client (RFC 8446): its state table and one handler per edge. */
#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

#include "hs12.h"
#include "hs_dispatch.h"
#include "hs13.h"
#include "hs_common.h"
#include "hs_hello.h"

enum {
    C_START,
    C_WAIT_SH,
    C_WAIT_SH2, /* after a HelloRetryRequest: a second one is unexpected (RFC 8446 §4.1.4) */
    C_WAIT_EE,
    C_WAIT_CERT_CR,
    C_WAIT_CERT,
    C_WAIT_CV,
    C_WAIT_FIN,
    C_CONNECTED,
    C__COUNT
};

static const char *const client_states[C__COUNT] = {
    "START",     "WAIT_SH", "WAIT_SH2",      "WAIT_EE",   "WAIT_CERT_CR",
    "WAIT_CERT", "WAIT_CV", "WAIT_FINISHED", "CONNECTED",
};

/* ---- ClientHello --------------------------------------------------------------------- */

/* The client speaks first: the ClientHello for every version we offer (hs_hello.c). */
static int client_start(tls_engine *e, uint8_t *next) {
    int rc = tlsio_client_hello_start(e);
    *next = C_WAIT_SH;
    return rc;
}

/* ---- ServerHello and HelloRetryRequest ------------------------------------------------ */

/* RFC 8446 §4.1.3 checks common to ServerHello and HelloRetryRequest. */
static int check_hello_common(tls_engine *e, const tlsio_server_hello *sh, const char *what) {
    if (sh->legacy_version != TLS_VERSION_1_2)
        return tlsio_err_set(&e->err, TLS_ALERT_PROTOCOL_VERSION,
                             "%s.legacy_version: 0x%04x, not 0x0303", what, sh->legacy_version);
    if (!(sh->extensions.present & TLSIO_EXT_BIT(TLSIO_EXT_SUPPORTED_VERSIONS)))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s: no supported_versions (a HelloRetryRequest is TLS 1.3 only)",
                             what);
    /* RFC 8446 §4.2.1: a version we did not offer, or older than 1.3, is illegal_parameter. */
    if (sh->extensions.selected_version != TLS_VERSION_1_3 ||
        !tlsio_cfg_offers_version(e->cfg, TLS_VERSION_1_3))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s.supported_versions: 0x%04x was not offered", what,
                             sh->extensions.selected_version);
    /* RFC 8446 §4.1.3: "uint8 legacy_compression_method = 0": the value is part of the
     * message's definition, so another one is not a TLS 1.3 ServerHello or HelloRetryRequest
     * at all (§6.2 decode_error), unlike TLS 1.2's choice from our list (hs12_client.c). */
    if (sh->legacy_compression_method != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR,
                             "%s.legacy_compression_method: %u, must be 0 in TLS 1.3", what,
                             sh->legacy_compression_method);
    if (!CBS_mem_equal(&sh->legacy_session_id_echo, e->hs->session_id, e->hs->session_id_len))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s.legacy_session_id_echo: does not echo our session id", what);
    if (!tlsio_offered_suite13(e, (uint16_t)sh->cipher_suite))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s.cipher_suite: 0x%04x was not offered", what, sh->cipher_suite);
    /* RFC 8446 §4.1.4: after a HelloRetryRequest the suite must not change. */
    if (e->suite != NULL && e->suite->id != sh->cipher_suite)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s.cipher_suite: 0x%04x differs from the HelloRetryRequest's 0x%04x",
                             what, sh->cipher_suite, e->suite->id);
    e->suite = tlsio_suite_find((uint16_t)sh->cipher_suite);
    e->version = TLS_VERSION_1_3;
    tlsio_hs_drop_msgs12(e->hs); /* TLS 1.3 signs transcript hashes (RFC 8446 §4.4.3) */
    return tlsio_transcript_set_hash(&e->hs->transcript, e->suite->hash, &e->err);
}

static int on_hrr(tls_engine *e, const tlsio_server_hello *hrr, uint8_t *next) {
    tlsio_hs *hs = e->hs;
    int rc = check_hello_common(e, hrr, "HelloRetryRequest");
    if (rc != 0) return rc;
    const tlsio_exts *x = &hrr->extensions;
    int has_ks = tlsio_exts_has(x, TLSIO_EXT_KEY_SHARE),
        has_cookie = tlsio_exts_has(x, TLSIO_EXT_COOKIE);
    /* RFC 8446 §4.1.4: a HelloRetryRequest that would not change the ClientHello. */
    if (!has_ks && !has_cookie)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "HelloRetryRequest: asks for no change (no key_share, no cookie)");
    if (has_ks) {
        uint16_t g = (uint16_t)x->key_share_selected_group;
        /* RFC 8446 §4.2.8: the group must be offered and not the one we sent a share for. */
        if (!tlsio_offered_u16(hs->offered_groups, hs->n_offered_groups, g) || g == hs->kex.group)
            return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                                 "HelloRetryRequest.key_share: group 0x%04x %s", g,
                                 g == hs->kex.group ? "already had a key share"
                                                    : "was not offered");
        tlsio_kex_wipe(&hs->kex);
        rc = tlsio_kex_generate(&hs->kex, g, &e->cfg->rng, &e->err);
        if (rc != 0) return rc;
    }
    if (has_cookie) {
        hs->h13.cookie_len = CBS_len(&x->cookie);
        hs->h13.cookie = malloc(hs->h13.cookie_len);
        if (hs->h13.cookie == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
        memcpy(hs->h13.cookie, CBS_data(&x->cookie), hs->h13.cookie_len);
    }
    hs->h13.hrr_seen = 1;
    *next = C_WAIT_SH2;
    return 0;
}

/* After the transcript's HelloRetryRequest step: the second ClientHello. */
static int send_second_client_hello(tls_engine *e) {
    int rc = tlsio_send_ccs_record(e); /* RFC 8446 D.4: before the second ClientHello */
    return rc ? rc : tlsio_send_client_hello(e);
}

static int on_server_hello(tls_engine *e, const tlsio_server_hello *sh, uint8_t *next) {
    tlsio_hs *hs = e->hs;
    /* RFC 8446 §4.1.3: no supported_versions means the server chose TLS 1.2 or older. */
    if (!tlsio_exts_has(&sh->extensions, TLSIO_EXT_SUPPORTED_VERSIONS))
        return tlsio12_client_take_server_hello(e, sh, next);
    int rc = check_hello_common(e, sh, "ServerHello");
    if (rc != 0) return rc;
    const tlsio_exts *x = &sh->extensions;
    uint32_t allowed =
        TLSIO_EXT_BIT(TLSIO_EXT_SUPPORTED_VERSIONS) | TLSIO_EXT_BIT(TLSIO_EXT_KEY_SHARE);
    if (hs->h13.psk_len > 0) allowed |= TLSIO_EXT_BIT(TLSIO_EXT_PRE_SHARED_KEY);
    rc = tlsio_check_response_exts(e, x, allowed, "ServerHello");
    if (rc == 0) rc = tlsio13_client_take_psk_answer(e, sh);
    if (rc != 0) return rc;
    /* RFC 8446 §9.2: key_share is mandatory; with a PSK too, as we offer psk_dhe_ke only
     * (§4.2.9). */
    if (!tlsio_exts_has(x, TLSIO_EXT_KEY_SHARE))
        return tlsio_err_set(&e->err, TLS_ALERT_MISSING_EXTENSION, "ServerHello: no key_share");
    const tlsio_key_share_entry *ks = &x->key_share_server_share;
    if (ks->group != hs->kex.group)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello.key_share: group 0x%04x, but our key share is 0x%04x",
                             ks->group, hs->kex.group);
    uint8_t ecdhe[TLSIO_KEX_MAX_SECRET_LEN];
    size_t ecdhe_len = 0;
    rc = tlsio_kex_compute(&hs->kex, CBS_data(&ks->key_exchange), CBS_len(&ks->key_exchange), ecdhe,
                           &ecdhe_len, &e->err);
    if (rc == 0) rc = tlsio13_derive_handshake(e, ecdhe, ecdhe_len);
    OPENSSL_cleanse(ecdhe, sizeof(ecdhe));
    tlsio_kex_wipe(&hs->kex);
    e->group = (uint16_t)ks->group;
    memcpy(hs->server_random, CBS_data(&sh->random), 32);
    if (rc == 0) rc = tlsio13_install_read(e, hs->h13.s_hs_secret);
    if (rc == 0) rc = tlsio_send_ccs_record(e);
    if (rc == 0) rc = tlsio13_install_write(e, hs->h13.c_hs_secret);
    *next = C_WAIT_EE;
    return rc;
}

/* ---- encrypted flight ---------------------------------------------------------------- */

static int on_encrypted_extensions(tls_engine *e, const tlsio_encrypted_extensions *ee,
                                   uint8_t *next) {
    const tlsio_exts *x = &ee->extensions;
    uint32_t allowed = TLSIO_EXT_BIT(TLSIO_EXT_SUPPORTED_GROUPS);
    if (!tlsio_host_is_ip_literal(e->server_name)) allowed |= TLSIO_EXT_BIT(TLSIO_EXT_SERVER_NAME);
    if (e->cfg->alpn_len) allowed |= TLSIO_EXT_BIT(TLSIO_EXT_ALPN);
    allowed |= tlsio_rsl_allowed(e);
    int rc = tlsio_check_response_exts(e, x, allowed, "EncryptedExtensions");
    if (rc == 0) rc = tlsio_rsl_take_answer(e, x, "EncryptedExtensions");
    if (rc == 0 && tlsio_exts_has(x, TLSIO_EXT_ALPN))
        rc = tlsio_take_alpn_answer(e, &x->alpn, "EncryptedExtensions");
    /* Resuming, the PSK authenticates the server: no Certificate follows (RFC 8446 §2.2). */
    *next = e->hs->h13.psk_accepted ? C_WAIT_FIN : C_WAIT_CERT_CR;
    return rc;
}

static int on_certificate_request(tls_engine *e, const tlsio_certificate_request13 *cr,
                                  uint8_t *next) {
    tlsio_hs *hs = e->hs;
    /* RFC 8446 §4.3.2: signature_algorithms MUST be present. */
    if (!tlsio_exts_has(&cr->extensions, TLSIO_EXT_SIGNATURE_ALGORITHMS))
        return tlsio_err_set(&e->err, TLS_ALERT_MISSING_EXTENSION,
                             "CertificateRequest: no signature_algorithms");
    /* RFC 8446 §4.3.2: the context "SHALL be zero length unless used for the post-handshake
     * authentication exchanges"; this edge is the in-handshake request, so the field's only
     * allowed length is 0 and anything else is a malformed message (§6.2 decode_error: "a
     * field was out of the specified range"). tlsio does no post-handshake authentication. */
    if (CBS_len(&cr->certificate_request_context) != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR,
                             "CertificateRequest.certificate_request_context: length %zu, must be "
                             "empty in the handshake",
                             CBS_len(&cr->certificate_request_context));
    tlsio_save_peer_sigalgs(e, &cr->extensions.signature_algorithms);
    hs->cert_requested = 1;
    *next = C_WAIT_CERT;
    CBS none;
    CBS_init(&none, NULL, 0);
    const CBS *names = tlsio_exts_has(&cr->extensions, TLSIO_EXT_CERTIFICATE_AUTHORITIES)
                           ? &cr->extensions.certificate_authorities
                           : &none;
    int rc = tlsio_client_keep_request(e, NULL, names);
    /* RFC 8446 §4.4.2.2: our certificate and CertificateVerify must suit the request. */
    return rc != 0 ? rc : tlsio_client_choose_credential(e, NULL);
}

static int on_certificate(tls_engine *e, const tlsio_certificate13 *c, uint8_t *next) {
    /* RFC 8446 §4.4.2: for server authentication the context "SHALL be zero length"; as for
     * the CertificateRequest, another length is a malformed message (§6.2 decode_error). */
    if (CBS_len(&c->certificate_request_context) != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR,
                             "server Certificate.certificate_request_context: length %zu, must be "
                             "empty for server authentication",
                             CBS_len(&c->certificate_request_context));
    *next = C_WAIT_CV;
    return tlsio13_take_peer_certificate(e, c);
}

static int on_certificate_verify(tls_engine *e, const tlsio_certificate_verify *cv, uint8_t *next) {
    *next = C_WAIT_FIN;
    return tlsio13_check_certificate_verify(e, cv);
}

/* RFC 8446 §4.4.2, §4.4.3: answer a CertificateRequest with the chain chosen for it (or
 * none: an empty Certificate and no CertificateVerify, §4.4.2.3). */
static int send_client_auth(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    e->sent_empty_client_cert = hs->chain == NULL;
    int rc = tlsio13_send_certificate(e, hs->h13.cr_context, hs->h13.cr_context_len, hs->chain);
    if (rc == 0 && hs->chain != NULL)
        rc = tlsio13_send_certificate_verify(e, hs->chain->key, hs->sig_scheme);
    return rc;
}

static int on_finished(tls_engine *e, const tlsio_finished *fin, uint8_t *next) {
    *next = C_CONNECTED;
    return tlsio13_check_finished(e, e->hs->h13.s_hs_secret, &fin->verify_data, "server");
}

/* After the server Finished entered the transcript: application keys, our last flight. */
static int send_client_finished(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    int rc = tlsio13_derive_application(e);
    if (rc == 0) rc = tlsio13_install_read(e, e->s_ap_secret);
    if (rc == 0 && hs->cert_requested) rc = send_client_auth(e);
    if (rc == 0) rc = tlsio13_send_finished(e, hs->h13.c_hs_secret);
    if (rc == 0) rc = tlsio13_client_derive_res_master(e); /* RFC 8446 §7.1: for tickets */
    if (rc == 0) rc = tlsio13_install_write(e, e->c_ap_secret);
    return rc;
}

/* ---- post-handshake ---------------------------------------------------------------- */

static int on_new_session_ticket(tls_engine *e, const tlsio_new_session_ticket13 *nst,
                                 uint8_t *next) {
    *next = C_CONNECTED;
    return tlsio13_client_take_ticket(e, nst);
}

static int on_key_update(tls_engine *e, const tlsio_key_update *ku, uint8_t *next) {
    *next = C_CONNECTED;
    return tlsio13_handle_key_update(e, ku->request_update);
}

static const tlsio_hs_edge client_start_edge =
    TLSIO_EDGE(C_START, 0, TLSIO_VAR_ANY, none, TLSIO_T_NEVER, TLSIO_FX_REPLY, client_start, NULL,
               TLSIO_ST(C_WAIT_SH));

static const tlsio_hs_edge client_edges[] = {
    TLSIO_EDGE(C_WAIT_SH, TLSIO_HS_SERVER_HELLO, TLSIO_VAR_ANY, sh, TLSIO_T_BEFORE,
               TLSIO_FX_READ_KEY | TLSIO_FX_WRITE_KEY, on_server_hello, NULL, TLSIO_ST(C_WAIT_EE)),
    TLSIO_EDGE(C_WAIT_SH, TLSIO_HS_SERVER_HELLO, TLSIO_VAR_HRR, sh, TLSIO_T_HRR,
               TLSIO_FX_ENDS_PEER_FLIGHT | TLSIO_FX_REPLY, on_hrr, send_second_client_hello,
               TLSIO_ST(C_WAIT_SH2)),
    TLSIO_EDGE(C_WAIT_SH2, TLSIO_HS_SERVER_HELLO, TLSIO_VAR_ANY, sh, TLSIO_T_BEFORE,
               TLSIO_FX_READ_KEY | TLSIO_FX_WRITE_KEY, on_server_hello, NULL, TLSIO_ST(C_WAIT_EE)),
    TLSIO_EDGE(C_WAIT_EE, TLSIO_HS_ENCRYPTED_EXTENSIONS, TLSIO_VAR_ANY, ee, TLSIO_T_BEFORE, 0,
               on_encrypted_extensions, NULL, TLSIO_ST(C_WAIT_CERT_CR) | TLSIO_ST(C_WAIT_FIN)),
    TLSIO_EDGE(C_WAIT_CERT_CR, TLSIO_HS_CERTIFICATE_REQUEST, TLSIO_VAR_ANY, cr13, TLSIO_T_BEFORE, 0,
               on_certificate_request, NULL, TLSIO_ST(C_WAIT_CERT)),
    TLSIO_EDGE(C_WAIT_CERT_CR, TLSIO_HS_CERTIFICATE, TLSIO_VAR_ANY, cert13, TLSIO_T_BEFORE, 0,
               on_certificate, NULL, TLSIO_ST(C_WAIT_CV)),
    TLSIO_EDGE(C_WAIT_CERT, TLSIO_HS_CERTIFICATE, TLSIO_VAR_ANY, cert13, TLSIO_T_BEFORE, 0,
               on_certificate, NULL, TLSIO_ST(C_WAIT_CV)),
    TLSIO_EDGE(C_WAIT_CV, TLSIO_HS_CERTIFICATE_VERIFY, TLSIO_VAR_ANY, cv, TLSIO_T_AFTER, 0,
               on_certificate_verify, NULL, TLSIO_ST(C_WAIT_FIN)),
    TLSIO_EDGE(C_WAIT_FIN, TLSIO_HS_FINISHED, TLSIO_VAR_ANY, fin, TLSIO_T_AFTER,
               TLSIO_FX_READ_KEY | TLSIO_FX_WRITE_KEY | TLSIO_FX_REPLY, on_finished,
               send_client_finished, TLSIO_ST(C_CONNECTED)),
    TLSIO_EDGE(C_CONNECTED, TLSIO_HS_NEW_SESSION_TICKET, TLSIO_VAR_ANY, nst13, TLSIO_T_NEVER, 0,
               on_new_session_ticket, NULL, TLSIO_ST(C_CONNECTED)),
    TLSIO_EDGE(C_CONNECTED, TLSIO_HS_KEY_UPDATE, TLSIO_VAR_ANY, ku, TLSIO_T_NEVER,
               TLSIO_FX_READ_KEY, on_key_update, NULL, TLSIO_ST(C_CONNECTED)),
    TLSIO13_COMPAT_CCS_EDGE(C_WAIT_SH),
    TLSIO13_COMPAT_CCS_EDGE(C_WAIT_SH2),
    TLSIO13_COMPAT_CCS_EDGE(C_WAIT_EE),
    TLSIO13_COMPAT_CCS_EDGE(C_WAIT_CERT_CR),
    TLSIO13_COMPAT_CCS_EDGE(C_WAIT_CERT),
    TLSIO13_COMPAT_CCS_EDGE(C_WAIT_CV),
    TLSIO13_COMPAT_CCS_EDGE(C_WAIT_FIN),
};

const tlsio_hs_table tlsio_hs13_client_table = {
    .name = "TLS 1.3 client",
    .state_names = client_states,
    .n_states = C__COUNT,
    .edges = client_edges,
    .n_edges = sizeof(client_edges) / sizeof(client_edges[0]),
    .initial = C_START,
    .connected_state = C_CONNECTED,
    .start = &client_start_edge,
};
