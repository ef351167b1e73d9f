/* The TLS 1.2 client (RFC 5246, ECDHE per RFC 8422, EMS per RFC 7627): table and handlers. */
#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

#include "hs12.h"
#include "hs_common.h"
#include "hs_hello.h"
#include "resume.h"

enum {
    C12_WAIT_CERT,
    C12_WAIT_SKE,
    C12_WAIT_CR_SHD,
    C12_WAIT_SHD,
    C12_WAIT_NST, /* the ServerHello acknowledged session_ticket (RFC 5077 §3.3) */
    C12_WAIT_CCS,
    C12_WAIT_FIN,
    /* The abbreviated handshake (RFC 5246 §7.3, RFC 5077 §3.1): the ServerHello resumed. */
    C12_R_WAIT_NST,
    C12_R_WAIT_CCS,
    C12_R_WAIT_FIN,
    C12_CONNECTED,
    C12__COUNT
};

/* The longest lifetime a session holds, in seconds (session.c's bound, RFC 8446 §4.6.1). */
#define SESSION_LIFETIME_MAX 604800u

static const char *const states12[C12__COUNT] = {"WAIT_CERTIFICATE",
                                                 "WAIT_SERVER_KEY_EXCHANGE",
                                                 "WAIT_CERT_REQUEST_OR_DONE",
                                                 "WAIT_SERVER_HELLO_DONE",
                                                 "WAIT_NEW_SESSION_TICKET",
                                                 "WAIT_CHANGE_CIPHER_SPEC",
                                                 "WAIT_FINISHED",
                                                 "RESUME_WAIT_NEW_SESSION_TICKET",
                                                 "RESUME_WAIT_CHANGE_CIPHER_SPEC",
                                                 "RESUME_WAIT_FINISHED",
                                                 "CONNECTED"};

/* The TLS 1.3 client table hands a TLS 1.2 ServerHello over here, checked (hs_hello.c). */
int tlsio12_client_take_server_hello(tls_engine *e, const tlsio_server_hello *sh, uint8_t *next) {
    int rc = tlsio_client_take_server_hello12(e, sh);
    if (rc != 0) return rc;
    e->table = &tlsio_hs12_client_table;
    *next = C12_WAIT_CERT;
    rc = tlsio_transcript_set_hash(&e->hs->transcript, e->suite->hash, &e->err);
    if (rc != 0 || !e->hs->h12.resuming) return rc;
    /* RFC 5246 §7.3: resuming, the session's master secret with the new randoms; no
     * certificate comes, so the session's peer identity is this connection's. */
    tlsio_hs_drop_msgs12(e->hs);
    memcpy(e->hs->h12.master, CBS_data(&e->offer->st.secret), TLSIO_TLS12_MASTER_LEN);
    rc = tlsio12_derive_keys(e);
    if (rc == 0) rc = tlsio_resume_accepted(e, &e->offer->st);
    *next = e->hs->h12.send_ticket ? C12_R_WAIT_NST : C12_R_WAIT_CCS;
    return rc;
}

static int on_certificate(tls_engine *e, const tlsio_certificate12 *c, uint8_t *next) {
    CBS certs[TLSIO_X509_MAX_DEPTH];
    size_t n = 0;
    int rc = tlsio12_take_cert_list(e, c, certs, &n);
    if (rc == 0) rc = tlsio_verify_peer_chain(e, certs, n);
    if (rc != 0) return rc;
    /* RFC 8422 §5.3 / RFC 5246 §7.4.2: the key must suit the suite's authentication. */
    if (!tlsio12_key_fits_suite(e->suite, e->hs->peer_key))
        return tlsio_err_setc(&e->err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                              "server Certificate: key type %s cannot serve %s",
                              tlsio_key_type_name(tlsio_pkey_type(e->hs->peer_key)),
                              e->suite->name);
    /* RFC 8422 §5.1, §5.3: the server's ECDSA key must be on a curve our supported_groups
     * listed (we always send the extension); one we cannot take is an unsupported
     * certificate, as for a key of the wrong type above. */
    uint16_t g = tlsio12_ecdsa_key_group(e->hs->peer_key);
    if (g != 0 && !tlsio_offered_u16(e->hs->offered_groups, e->hs->n_offered_groups, g))
        return tlsio_err_setc(&e->err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                              "server Certificate: ECDSA key on %s, which our supported_groups "
                              "did not offer",
                              tlsio_group_name(g));
    *next = C12_WAIT_SKE;
    return 0;
}

static int on_server_key_exchange(tls_engine *e, const tlsio_server_key_exchange_ecdhe *ske,
                                  uint8_t *next) {
    tlsio_hs *hs = e->hs;
    uint16_t group = (uint16_t)ske->named_curve, scheme = (uint16_t)ske->sig_algorithm;
    if (!tlsio_offered_u16(hs->offered_groups, hs->n_offered_groups, group))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerKeyExchange.named_curve: 0x%04x was not offered", group);
    /* RFC 5246 §7.4.1.4.1: the server must sign with a pair the client listed in its
     * signature_algorithms; anything else is refused as an illegal parameter. */
    if (!tlsio_cfg_has_sigalg(e->cfg, scheme))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerKeyExchange.algorithm: 0x%04x was not offered (%s is not in "
                             "our signature_algorithms)",
                             scheme, tls_signature_scheme_name(scheme));
    /* RFC 8422 §5.4, RFC 8446 §4.2.8.2: the point's length is fixed by the group. */
    if (CBS_len(&ske->point) != tlsio_group_public_len(group))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerKeyExchange.point: %zu bytes, %s needs %zu",
                             CBS_len(&ske->point), tlsio_group_name(group),
                             tlsio_group_public_len(group));
    uint8_t content[TLSIO12_SKE_CONTENT_MAX];
    size_t n = tlsio12_ske_content(e, group, CBS_data(&ske->point), CBS_len(&ske->point), content);
    int rc = tlsio_sig_verify(hs->peer_key, scheme, TLSIO_SIG_USE_TLS12, content, n,
                              CBS_data(&ske->signature), CBS_len(&ske->signature),
                              "ServerKeyExchange", &e->err);
    if (rc == 0) e->peer_sig_scheme = scheme;
    /* Our share for the server's group, and the premaster secret (RFC 8422 §5.10). */
    tlsio_kex_wipe(&hs->kex);
    if (rc == 0) rc = tlsio_kex_generate(&hs->kex, group, &e->cfg->rng, &e->err);
    if (rc == 0)
        rc = tlsio_kex_compute(&hs->kex, CBS_data(&ske->point), CBS_len(&ske->point), hs->h12.pms,
                               &hs->h12.pms_len, &e->err);
    e->group = group;
    *next = C12_WAIT_CR_SHD;
    return rc;
}

static int on_certificate_request(tls_engine *e, const tlsio_certificate_request12 *cr,
                                  uint8_t *next) {
    /* RFC 5246 §7.4.4: the server names the certificate types and signature algorithms it
     * can verify, and the CAs it would like a chain under; all three pick our chain. */
    tlsio_save_peer_sigalgs(e, &cr->supported_signature_algorithms);
    e->hs->cert_requested = 1;
    *next = C12_WAIT_SHD;
    int rc = tlsio_client_keep_request(e, &cr->certificate_types, &cr->certificate_authorities);
    if (rc == 0) rc = tlsio_client_choose_credential(e, &cr->certificate_types);
    /* No credential: the empty Certificate needs no CertificateVerify, so nothing to keep. */
    if (rc != 0 || e->hs->chain == NULL) tlsio_hs_drop_msgs12(e->hs);
    return rc;
}

/* RFC 5246 §7.4.6: the answer to a CertificateRequest, our chain or an empty list. */
static int send_client_certificate(tls_engine *e) {
    e->sent_empty_client_cert = e->hs->chain == NULL;
    return tlsio12_send_certificate(e, e->hs->chain);
}

static int send_client_key_exchange(tls_engine *e) {
    tlsio_client_key_exchange_ecdhe cke;
    size_t pub_len = 0;
    const uint8_t *pub = tlsio_kex_public(&e->hs->kex, &pub_len);
    CBS_init(&cke.point, pub, pub_len);
    return tlsio_send_hs_msg(e, TLSIO_HS_CLIENT_KEY_EXCHANGE,
                             &tlsio_codec_client_key_exchange_ecdhe, &cke);
}

static int on_server_hello_done(tls_engine *e, const tlsio_empty_msg *shd, uint8_t *next) {
    (void)shd;
    tlsio_hs *hs = e->hs;
    int rc = 0;
    /* RFC 5246 §7.3 order: Certificate (if requested), ClientKeyExchange, CertificateVerify
     * (if we sent a certificate), ChangeCipherSpec, Finished. The master secret is derived
     * right after ClientKeyExchange: RFC 7627 §4's session hash ends there, before the
     * CertificateVerify, which signs the same messages (RFC 5246 §7.4.8). */
    int sign = hs->cert_requested && hs->chain != NULL;
    if (!sign) tlsio_hs_drop_msgs12(hs);
    if (hs->cert_requested) rc = send_client_certificate(e);
    if (rc == 0) rc = send_client_key_exchange(e);
    if (rc == 0) rc = tlsio12_derive_master(e, hs->h12.pms, hs->h12.pms_len);
    OPENSSL_cleanse(hs->h12.pms, sizeof(hs->h12.pms));
    tlsio_kex_wipe(&hs->kex);
    if (rc == 0 && sign) rc = tlsio12_send_certificate_verify(e);
    tlsio_hs_drop_msgs12(hs);
    if (rc == 0) rc = tlsio12_send_ccs_and_switch(e);
    if (rc == 0) rc = tlsio12_send_finished(e);
    *next = hs->h12.send_ticket ? C12_WAIT_NST : C12_WAIT_CCS;
    return rc;
}

/* RFC 5077 §3.3: the ticket comes before the server's ChangeCipherSpec, in both handshakes. It
 * is kept aside until the server's Finished, which covers it, verified. An empty ticket means
 * the server changed its mind: nothing to keep. */
static int take_new_session_ticket(tls_engine *e, const tlsio_new_session_ticket12 *nst) {
    tlsio_hs12 *h = &e->hs->h12;
    size_t n = CBS_len(&nst->ticket);
    if (n == 0) return 0;
    h->nst = malloc(n);
    if (h->nst == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    memcpy(h->nst, CBS_data(&nst->ticket), n);
    h->nst_len = n;
    /* RFC 5077 §3.3: a lifetime hint of 0 leaves the lifetime unspecified: use our default,
     * and never more than the seven days a session can hold (RFC 8446 §4.6.1's bound). */
    uint32_t life = nst->ticket_lifetime_hint;
    if (life == 0) life = TLSIO_DEFAULT_TICKET_LIFETIME;
    h->nst_lifetime = life < SESSION_LIFETIME_MAX ? life : SESSION_LIFETIME_MAX;
    h->nst_received = 1;
    return 0;
}

static int on_new_session_ticket(tls_engine *e, const tlsio_new_session_ticket12 *nst,
                                 uint8_t *next) {
    *next = C12_WAIT_CCS;
    return take_new_session_ticket(e, nst);
}

static int on_new_session_ticket_resumed(tls_engine *e, const tlsio_new_session_ticket12 *nst,
                                         uint8_t *next) {
    *next = C12_R_WAIT_CCS;
    return take_new_session_ticket(e, nst);
}

static int on_ccs(tls_engine *e, uint8_t *next) {
    *next = C12_WAIT_FIN;
    return tlsio12_on_ccs(e);
}

static int on_ccs_resumed(tls_engine *e, uint8_t *next) {
    *next = C12_R_WAIT_FIN;
    return tlsio12_on_ccs(e);
}

/* The server's Finished verified: the ticket it sent (if any) becomes a session. A resumed
 * session without a renewed ticket is kept again as it was: its ticket still opens until it
 * expires (RFC 5077 §3.4), and many servers (OpenSSL, GnuTLS) do not renew. */
static int check_finished_and_keep(tls_engine *e, const tlsio_finished *fin) {
    tlsio_hs12 *h = &e->hs->h12;
    int rc = tlsio12_check_finished(e, fin);
    if (rc == 0 && h->resuming && h->nst_len == 0) return tlsio_resume_keep_offer(e);
    if (rc != 0 || h->nst_len == 0) return rc;
    CBS ticket;
    CBS_init(&ticket, h->nst, h->nst_len);
    return tlsio_resume_keep(e, h->master, TLSIO_TLS12_MASTER_LEN, h->nst_lifetime, 0, &ticket);
}

static int on_finished(tls_engine *e, const tlsio_finished *fin, uint8_t *next) {
    *next = C12_CONNECTED;
    return check_finished_and_keep(e, fin);
}

/* RFC 5246 §7.3: in the abbreviated handshake the server finishes first; ours follows and
 * covers its Finished. */
static int send_ccs_and_finished(tls_engine *e) {
    int rc = tlsio12_send_ccs_and_switch(e);
    return rc ? rc : tlsio12_send_finished(e);
}

static int on_hello_request(tls_engine *e, const tlsio_empty_msg *hr, uint8_t *next) {
    (void)hr;
    /* RFC 5246 §7.4.1.1, RFC 5746 §4.2: we never renegotiate; say so with a warning and
     * keep the connection. */
    *next = C12_CONNECTED;
    return tlsio12_refuse_renegotiation(e, "HelloRequest");
}

/* RFC 5246 §7.4.1.1: a HelloRequest while a handshake is under way is ignored (and, like
 * every HelloRequest, kept out of the transcript). */
static int ignore_hello_request(tls_engine *e, const tlsio_empty_msg *hr, uint8_t *next) {
    (void)e, (void)hr, (void)next; /* *next stays the current state */
    return 0;
}

#define IGNORE_HR(st)                                                                              \
    TLSIO_EDGE(st, TLSIO_HS_HELLO_REQUEST, TLSIO_VAR_ANY, hr, TLSIO_T_NEVER, 0,                    \
               ignore_hello_request, NULL, TLSIO_ST(st))

static const tlsio_hs_edge client12_edges[] = {
    IGNORE_HR(C12_WAIT_CERT),
    IGNORE_HR(C12_WAIT_SKE),
    IGNORE_HR(C12_WAIT_CR_SHD),
    IGNORE_HR(C12_WAIT_SHD),
    IGNORE_HR(C12_WAIT_CCS),
    IGNORE_HR(C12_WAIT_NST),
    IGNORE_HR(C12_R_WAIT_NST),
    IGNORE_HR(C12_R_WAIT_CCS),
    TLSIO_EDGE(C12_WAIT_CERT, TLSIO_HS_CERTIFICATE, TLSIO_VAR_ANY, cert12, TLSIO_T_BEFORE, 0,
               on_certificate, NULL, TLSIO_ST(C12_WAIT_SKE)),
    TLSIO_EDGE(C12_WAIT_SKE, TLSIO_HS_SERVER_KEY_EXCHANGE, TLSIO_VAR_ANY, ske, TLSIO_T_BEFORE, 0,
               on_server_key_exchange, NULL, TLSIO_ST(C12_WAIT_CR_SHD)),
    TLSIO_EDGE(C12_WAIT_CR_SHD, TLSIO_HS_CERTIFICATE_REQUEST, TLSIO_VAR_ANY, cr12, TLSIO_T_BEFORE,
               0, on_certificate_request, NULL, TLSIO_ST(C12_WAIT_SHD)),
    /* After ServerHelloDone our flight: [Certificate], ClientKeyExchange, [CertificateVerify],
     * ChangeCipherSpec (the new write key), Finished. ServerHelloDone ends the server's flight
     * (RFC 5246 §7.3): nothing of its next one may share the record. */
    TLSIO_EDGE(C12_WAIT_CR_SHD, TLSIO_HS_SERVER_HELLO_DONE, TLSIO_VAR_ANY, shd, TLSIO_T_BEFORE,
               TLSIO_FX_ENDS_PEER_FLIGHT | TLSIO_FX_WRITE_KEY | TLSIO_FX_REPLY,
               on_server_hello_done, NULL, TLSIO_ST(C12_WAIT_NST) | TLSIO_ST(C12_WAIT_CCS)),
    TLSIO_EDGE(C12_WAIT_SHD, TLSIO_HS_SERVER_HELLO_DONE, TLSIO_VAR_ANY, shd, TLSIO_T_BEFORE,
               TLSIO_FX_ENDS_PEER_FLIGHT | TLSIO_FX_WRITE_KEY | TLSIO_FX_REPLY,
               on_server_hello_done, NULL, TLSIO_ST(C12_WAIT_NST) | TLSIO_ST(C12_WAIT_CCS)),
    /* RFC 5077 §3.3: the ticket enters the transcript that the server's Finished covers. */
    TLSIO_EDGE(C12_WAIT_NST, TLSIO_HS_NEW_SESSION_TICKET, TLSIO_VAR_ANY, nst12, TLSIO_T_BEFORE, 0,
               on_new_session_ticket, NULL, TLSIO_ST(C12_WAIT_CCS)),
    /* RFC 5246 §7.1: the server's ChangeCipherSpec switches our read key. */
    TLSIO_EDGE(C12_WAIT_CCS, TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY, none, TLSIO_T_NEVER,
               TLSIO_FX_READ_KEY, on_ccs, NULL, TLSIO_ST(C12_WAIT_FIN)),
    /* Nothing follows the server Finished in our transcript: ours was sent first. */
    TLSIO_EDGE(C12_WAIT_FIN, TLSIO_HS_FINISHED, TLSIO_VAR_ANY, fin, TLSIO_T_NEVER, 0, on_finished,
               NULL, TLSIO_ST(C12_CONNECTED)),
    /* The abbreviated handshake: ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished
     * from the server, then our ChangeCipherSpec and Finished (RFC 5246 §7.3, RFC 5077 §3.1). */
    TLSIO_EDGE(C12_R_WAIT_NST, TLSIO_HS_NEW_SESSION_TICKET, TLSIO_VAR_ANY, nst12, TLSIO_T_BEFORE, 0,
               on_new_session_ticket_resumed, NULL, TLSIO_ST(C12_R_WAIT_CCS)),
    TLSIO_EDGE(C12_R_WAIT_CCS, TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY, none, TLSIO_T_NEVER,
               TLSIO_FX_READ_KEY, on_ccs_resumed, NULL, TLSIO_ST(C12_R_WAIT_FIN)),
    /* Checked against the transcript before it, then hashed: our Finished covers it. */
    TLSIO_EDGE(C12_R_WAIT_FIN, TLSIO_HS_FINISHED, TLSIO_VAR_ANY, fin, TLSIO_T_AFTER,
               TLSIO_FX_WRITE_KEY | TLSIO_FX_REPLY, on_finished, send_ccs_and_finished,
               TLSIO_ST(C12_CONNECTED)),
    TLSIO_EDGE(C12_CONNECTED, TLSIO_HS_HELLO_REQUEST, TLSIO_VAR_ANY, hr, TLSIO_T_NEVER, 0,
               on_hello_request, NULL, TLSIO_ST(C12_CONNECTED)),
};

const tlsio_hs_table tlsio_hs12_client_table = {
    .name = "TLS 1.2 client",
    .state_names = states12,
    .n_states = C12__COUNT,
    .edges = client12_edges,
    .n_edges = sizeof(client12_edges) / sizeof(client12_edges[0]),
    .connected_state = C12_CONNECTED,
    .entry = TLSIO_ST(C12_WAIT_CERT) | TLSIO_ST(C12_R_WAIT_NST) | TLSIO_ST(C12_R_WAIT_CCS),
};
