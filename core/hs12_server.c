/* The TLS 1.2 server (RFC 5246, ECDHE per RFC 8422, EMS per RFC 7627): table and handlers. */
#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

#include "hs12.h"
#include "hs_common.h"
#include "hs_hello.h"
#include "resume.h"

enum {
    S12_WAIT_CERT, /* sent a CertificateRequest (client authentication) */
    S12_WAIT_CKE,
    S12_WAIT_CV, /* the client sent a non-empty Certificate */
    S12_WAIT_CCS,
    S12_WAIT_FIN,
    /* The abbreviated handshake (RFC 5246 §7.3): we resumed and sent our Finished first. */
    S12_R_WAIT_CCS,
    S12_R_WAIT_FIN,
    S12_CONNECTED,
    S12__COUNT
};

static const char *const states12[S12__COUNT] = {"WAIT_CERT",
                                                 "WAIT_CLIENT_KEY_EXCHANGE",
                                                 "WAIT_CERTIFICATE_VERIFY",
                                                 "WAIT_CHANGE_CIPHER_SPEC",
                                                 "WAIT_FINISHED",
                                                 "RESUME_WAIT_CHANGE_CIPHER_SPEC",
                                                 "RESUME_WAIT_FINISHED",
                                                 "CONNECTED"};

/* RFC 5246 §7.4.4 ClientCertificateType, with RFC 8422 §5.5's ecdsa_sign. */
#define CERT_TYPE_RSA_SIGN   1
#define CERT_TYPE_ECDSA_SIGN 64

/* RFC 7507: TLS_FALLBACK_SCSV; RFC 5746 §3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV. */
#define FALLBACK_SCSV                 0x5600
#define EMPTY_RENEGOTIATION_INFO_SCSV 0x00ff

static int check_client_hello(tls_engine *e, const tlsio_client_hello *ch) {
    const tlsio_exts *x = &ch->extensions;
    /* RFC 7507 §3: a fallback retry while we support a higher version is refused. */
    if (tlsio_u16_list_has(&ch->cipher_suites, FALLBACK_SCSV) &&
        tlsio_cfg_offers_version(e->cfg, TLS_VERSION_1_3))
        return tlsio_err_set(&e->err, TLS_ALERT_INAPPROPRIATE_FALLBACK,
                             "ClientHello: TLS_FALLBACK_SCSV, but this server supports TLS 1.3");
    /* RFC 5246 §7.4.1.2: the list must contain the null method. */
    CBS cm = ch->legacy_compression_methods;
    uint8_t m;
    int has_null = 0;
    while (CBS_get_u8(&cm, &m))
        has_null |= m == 0;
    if (!has_null)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ClientHello.compression_methods: null is not listed");
    /* RFC 7627 §5.3 allows a server to refuse clients without EMS; tlsio does. */
    if (!tlsio_exts_has(x, TLSIO_EXT_EXTENDED_MASTER_SECRET))
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ClientHello: no extended_master_secret (RFC 7627), which tlsio "
                             "requires for TLS 1.2");
    int rc = tlsio12_check_reneg_info(e, x, "ClientHello");
    if (rc == 0) rc = tlsio12_check_point_formats(e, x, "ClientHello");
    return rc;
}

/* Our group: the first of ours the client lists (RFC 8422 §5.1.1). Every TLS 1.2 suite of
 * ours is ECDHE, and RFC 8422 §5.1 has such a client list its curves; RFC 4492's "then any
 * curve will do" is not taken: a client with the extended master secret (which we require)
 * sends supported_groups, and guessing a curve for one that does not would be a guess. */
static int choose_group(tls_engine *e, const tlsio_exts *x) {
    if (!tlsio_exts_has(x, TLSIO_EXT_SUPPORTED_GROUPS))
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ClientHello: no supported_groups, so no ECDHE group can be "
                             "chosen (RFC 8422 §5.1)");
    for (size_t i = 0; i < e->cfg->n_groups; i++) {
        uint16_t g = e->cfg->groups[i];
        if (tlsio_u16_list_has(&x->supported_groups, g)) {
            e->group = g;
            return 0;
        }
    }
    return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                         "ClientHello.supported_groups: no group in common");
}

/* RFC 8422 §5.1 (and RFC 4492 §5.1 before it): in TLS 1.2 the client's supported_groups
 * also names the curves it can verify ECDSA signatures on, so an ECDSA certificate whose
 * curve the client did not list cannot be used. Ed25519 is governed by signature_algorithms
 * alone (RFC 8422 §5.1.3 / §5.10), RSA is not concerned. */
static int curve_acceptable(const tlsio_exts *x, const tlsio_pkey *k) {
    uint16_t g = tlsio12_ecdsa_key_group(k);
    if (g == 0 || !tlsio_exts_has(x, TLSIO_EXT_SUPPORTED_GROUPS)) return 1;
    return tlsio_u16_list_has(&x->supported_groups, g);
}

/* Suite, certificate chain and signature scheme together: the server's preference order
 * of suites, a chain whose key suits the suite (and matches the SNI name if one does), and
 * a scheme the client accepts for that key (RFC 5246 §7.4.1.4.1). */
static int choose_suite_and_chain(tls_engine *e, const tlsio_client_hello *ch) {
    tlsio_hs *hs = e->hs;
    for (size_t i = 0; i < e->cfg->n_suites; i++) {
        const tlsio_suite *s = tlsio_suite_find(e->cfg->suites[i]);
        if (s == NULL || s->version != TLS_VERSION_1_2 ||
            !tlsio_u16_list_has(&ch->cipher_suites, s->id))
            continue;
        const tlsio_chain *pick = NULL;
        uint16_t pick_scheme = 0;
        for (size_t c = 0; c < e->cfg->n_chains; c++) {
            const tlsio_chain *ch2 = &e->cfg->chains[c];
            uint16_t scheme;
            if (!tlsio12_key_fits_suite(s, ch2->key) ||
                !curve_acceptable(&ch->extensions, ch2->key) ||
                !tlsio_choose_sig_scheme(e, ch2->key, TLSIO_SIG_USE_TLS12, &scheme))
                continue;
            int name_ok = tlsio_x509_cert_matches_host(ch2->leaf, e->server_name);
            if (pick == NULL || name_ok) {
                pick = ch2;
                pick_scheme = scheme;
            }
            if (name_ok) break;
        }
        if (pick != NULL) {
            e->suite = s;
            hs->chain = pick;
            hs->sig_scheme = pick_scheme;
            return 0;
        }
    }
    return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                         "ClientHello: no TLS 1.2 ECDHE+AEAD suite in common that our "
                         "certificates and the client's signature_algorithms and "
                         "supported_groups (ECDSA curves) can serve%s",
                         tlsio_sign_list_hint(e->cfg));
}

static int send_server_hello(tls_engine *e, const tlsio_client_hello *ch) {
    tlsio_hs *hs = e->hs;
    tlsio_rng_bytes(&e->cfg->rng, hs->server_random, 32);
    /* RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 marks its random. */
    if (tlsio_cfg_offers_version(e->cfg, TLS_VERSION_1_3))
        memcpy(hs->server_random + 24, tlsio_downgrade_tls12, 8);
    tlsio_server_hello sh;
    memset(&sh, 0, sizeof(sh));
    sh.legacy_version = TLS_VERSION_1_2;
    CBS_init(&sh.random, hs->server_random, 32);
    /* RFC 5077 §3.4: accepting a ticket, echo the client's session id. Otherwise an empty one:
     * there is no session cache, and a server that will issue a ticket SHOULD send an empty
     * one (§3.4 again). */
    if (hs->h12.resuming)
        sh.legacy_session_id_echo = ch->legacy_session_id;
    else
        CBS_init(&sh.legacy_session_id_echo, NULL, 0);
    sh.cipher_suite = e->suite->id;
    const tlsio_exts *cx = &ch->extensions;
    tlsio_exts *x = &sh.extensions;
    static const uint8_t uncompressed[] = {0};
    int rc = 0;
    /* RFC 5746 §3.6: answer the client's indication with an empty renegotiation_info. */
    if (tlsio_exts_has(cx, TLSIO_EXT_RENEGOTIATION_INFO) ||
        tlsio_u16_list_has(&ch->cipher_suites, EMPTY_RENEGOTIATION_INFO_SCSV))
        rc = tlsio_exts_push(x, TLSIO_EXT_RENEGOTIATION_INFO, &e->err);
    if (rc == 0) rc = tlsio_exts_push(x, TLSIO_EXT_EXTENDED_MASTER_SECRET, &e->err);
    if (rc == 0 && tlsio_exts_has(cx, TLSIO_EXT_EC_POINT_FORMATS)) {
        CBS_init(&x->ec_point_formats, uncompressed, 1);
        rc = tlsio_exts_push(x, TLSIO_EXT_EC_POINT_FORMATS, &e->err);
    }
    uint8_t alpn[256];
    size_t n = e->alpn ? strlen(e->alpn) : 0;
    if (rc == 0 && n > 0) {
        alpn[0] = (uint8_t)n;
        memcpy(alpn + 1, e->alpn, n);
        CBS_init(&x->alpn, alpn, n + 1);
        rc = tlsio_exts_push(x, TLSIO_EXT_ALPN, &e->err);
    }
    /* RFC 6066 §3: a server resuming a session does not answer server_name. */
    if (rc == 0 && tlsio_exts_has(cx, TLSIO_EXT_SERVER_NAME) && !hs->h12.resuming)
        rc = tlsio_exts_push(x, TLSIO_EXT_SERVER_NAME, &e->err);
    /* RFC 5077 §3.2: an empty session_ticket says a NewSessionTicket will follow. */
    if (rc == 0 && hs->h12.send_ticket) rc = tlsio_exts_push(x, TLSIO_EXT_SESSION_TICKET, &e->err);
    tlsio_rsl_take_offer(e, cx); /* RFC 8449 §4 */
    if (rc == 0) rc = tlsio_rsl_answer(e, x);
    if (rc == 0) rc = tlsio_send_hs_msg(e, TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &sh);
    return rc;
}

/* RFC 5246 §7.4.4 (RFC 8422 §5.4): asks for the client's certificate after the
 * ServerKeyExchange. certificate_types: rsa_sign and ecdsa_sign (which RFC 8422 §5.5 also
 * lets an Ed25519 certificate answer); supported_signature_algorithms: our list, for the
 * CertificateVerify and the chain's signatures; certificate_authorities: our client CAs. */
static int send_certificate_request(tls_engine *e) {
    static const uint8_t types[] = {CERT_TYPE_ECDSA_SIGN, CERT_TYPE_RSA_SIGN};
    uint8_t sigalgs[2 * TLSIO_MAX_SIGALGS];
    tlsio_certificate_request12 cr;
    memset(&cr, 0, sizeof(cr));
    CBS_init(&cr.certificate_types, types, sizeof(types));
    CBS_init(&cr.supported_signature_algorithms, sigalgs, tlsio_our_sigalgs(e->cfg, 0, sigalgs));
    CBS_init(&cr.certificate_authorities, e->cfg->client_ca_names, e->cfg->client_ca_names_len);
    int rc =
        tlsio_send_hs_msg(e, TLSIO_HS_CERTIFICATE_REQUEST, &tlsio_codec_certificate_request12, &cr);
    if (rc == 0) e->hs->cert_requested = 1;
    return rc;
}

static int send_certificate_and_key(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    int rc = tlsio12_send_certificate(e, hs->chain);
    if (rc == 0) rc = tlsio_kex_generate(&hs->kex, e->group, &e->cfg->rng, &e->err);
    if (rc != 0) return rc;
    size_t pub_len = 0;
    const uint8_t *pub = tlsio_kex_public(&hs->kex, &pub_len);
    uint8_t content[TLSIO12_SKE_CONTENT_MAX];
    size_t n = tlsio12_ske_content(e, e->group, pub, pub_len, content);
    CBB sig;
    rc = tlsio_hs_sign(e, hs->chain->key, hs->sig_scheme, TLSIO_SIG_USE_TLS12, content, n, &sig);
    tlsio_server_key_exchange_ecdhe ske = {
        .curve_type = 3, .named_curve = e->group, .sig_algorithm = hs->sig_scheme};
    CBS_init(&ske.point, pub, pub_len);
    CBS_init(&ske.signature, CBB_data(&sig), CBB_len(&sig));
    if (rc == 0)
        rc = tlsio_send_hs_msg(e, TLSIO_HS_SERVER_KEY_EXCHANGE,
                               &tlsio_codec_server_key_exchange_ecdhe, &ske);
    CBB_cleanup(&sig);
    if (rc == 0 && e->cfg->client_verify != TLS_CLIENT_VERIFY_NONE)
        rc = send_certificate_request(e);
    tlsio_empty_msg done = {0};
    if (rc == 0) rc = tlsio_send_hs_msg(e, TLSIO_HS_SERVER_HELLO_DONE, &tlsio_codec_empty, &done);
    if (rc == 0) rc = tlsio_flush_hs(e);
    return rc;
}

/* RFC 5077 §3.3: a ticket for the session of this handshake (its master secret and, through
 * resume.c, its peer identity, server name and ALPN), with the lifetime we will honour. A
 * resumed session's renewed ticket ends when the session does: the hint is what is left. */
static int send_new_session_ticket(tls_engine *e) {
    const tlsio_hs12 *h = &e->hs->h12;
    CBB ticket;
    if (!CBB_init(&ticket, 512)) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    uint32_t hint = e->cfg->ticket_lifetime;
    int rc;
    if (h->resuming) {
        int64_t left_ms = h->issued_ms + (int64_t)h->lifetime * 1000 - tlsio_now_ms(e);
        hint = left_ms > 1000 ? (uint32_t)(left_ms / 1000) : 1;
        rc = tlsio_resume_reseal(e, h->master, TLSIO_TLS12_MASTER_LEN, 0, h->issued_ms, h->lifetime,
                                 &ticket);
    } else {
        rc = tlsio_resume_seal(e, h->master, TLSIO_TLS12_MASTER_LEN, 0, &ticket);
    }
    tlsio_new_session_ticket12 nst = {.ticket_lifetime_hint = hint};
    CBS_init(&nst.ticket, CBB_data(&ticket), CBB_len(&ticket));
    if (rc == 0)
        rc = tlsio_send_hs_msg(e, TLSIO_HS_NEW_SESSION_TICKET, &tlsio_codec_new_session_ticket12,
                               &nst);
    CBB_cleanup(&ticket);
    return rc;
}

/* Our half of the end of a handshake: [NewSessionTicket], ChangeCipherSpec, Finished (RFC
 * 5077 §3.3: the ticket comes before our ChangeCipherSpec, in both handshakes). */
static int send_ccs_and_finished(tls_engine *e) {
    int rc = e->hs->h12.send_ticket ? send_new_session_ticket(e) : 0;
    if (rc == 0) rc = tlsio12_send_ccs_and_switch(e);
    return rc ? rc : tlsio12_send_finished(e);
}

/* 1 if the suite a session was made with can serve this connection: one we enable for TLS 1.2
 * and the client still offers (RFC 5246 §7.4.1.2: a resumed session keeps its suite). */
static int session_suite_ok(const tls_engine *e, const tlsio_client_hello *ch, uint32_t id) {
    const tlsio_suite *s = tlsio_suite_find((uint16_t)id);
    return s != NULL && s->version == TLS_VERSION_1_2 &&
           tlsio_offered_u16(e->cfg->suites, e->cfg->n_suites, s->id) &&
           tlsio_u16_list_has(&ch->cipher_suites, s->id);
}

/* RFC 5077 §3.4, RFC 5246 §7.3: resumes the session of the client's ticket when it opens and
 * passes the common checks (tlsio_resume_open: ours, not expired, same server name), was made
 * with the extended master secret (RFC 7627 §5.3: never resume a session without it), and its
 * suite can serve. Otherwise hs->h12.resuming stays 0: a full handshake, no alert. */
static int try_resume(tls_engine *e, const tlsio_client_hello *ch) {
    const tlsio_exts *x = &ch->extensions;
    if (!tlsio_exts_has(x, TLSIO_EXT_SESSION_TICKET) || CBS_len(&x->session_ticket) == 0) return 0;
    /* The state is shorter than its ticket: on the stack unless a client chain is inside. */
    uint8_t stack[1024];
    size_t cap = CBS_len(&x->session_ticket);
    uint8_t *buf = cap <= sizeof(stack) ? stack : malloc(cap);
    if (buf == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    tlsio_sess_state st;
    int rc = 0;
    if (tlsio_resume_open(e, &x->session_ticket, buf, cap, &st) && st.ems &&
        CBS_len(&st.secret) == TLSIO_TLS12_MASTER_LEN && session_suite_ok(e, ch, st.cipher_suite)) {
        e->suite = tlsio_suite_find((uint16_t)st.cipher_suite);
        memcpy(e->hs->h12.master, CBS_data(&st.secret), TLSIO_TLS12_MASTER_LEN);
        e->hs->h12.resuming = 1;
        e->hs->h12.issued_ms = (int64_t)tlsio_sess_u64(st.time_hi, st.time_lo);
        e->hs->h12.lifetime = tlsio_resume_lifetime(e, &st);
        rc = tlsio_resume_accepted(e, &st);
    }
    OPENSSL_cleanse(buf, cap);
    if (buf != stack) free(buf);
    return rc;
}

/* The abbreviated handshake's first flight: ServerHello, [NewSessionTicket], ChangeCipherSpec,
 * Finished (RFC 5246 §7.3, RFC 5077 §3.1). No certificate, key exchange or CertificateRequest:
 * the session's master secret and peer identity stand. */
static int resume(tls_engine *e, const tlsio_client_hello *ch, uint8_t *next) {
    tlsio_hs *hs = e->hs;
    tlsio_hs_drop_msgs12(hs); /* no client CertificateVerify comes */
    int rc = tlsio_server_choose_alpn(e, &ch->extensions);
    if (rc == 0) rc = tlsio_transcript_set_hash(&hs->transcript, e->suite->hash, &e->err);
    if (rc == 0) rc = send_server_hello(e, ch);
    if (rc == 0) rc = tlsio12_derive_keys(e);
    if (rc == 0) rc = send_ccs_and_finished(e);
    *next = S12_R_WAIT_CCS;
    return rc;
}

int tlsio12_server_take_client_hello(tls_engine *e, const tlsio_client_hello *ch, uint8_t *next) {
    tlsio_hs *hs = e->hs;
    e->version = TLS_VERSION_1_2;
    e->table = &tlsio_hs12_server_table;
    memcpy(hs->client_random, CBS_data(&ch->random), 32);
    /* hs->h12.msgs holds this ClientHello already if a client CertificateVerify may come (the
     * server table's start asks for it to be kept, RFC 5246 §7.4.8). */
    int rc = check_client_hello(e, ch);
    if (rc != 0) return rc;
    const tlsio_exts *x = &ch->extensions;
    /* RFC 5246 §7.4.1.4.1: no signature_algorithms means SHA-1, which tlsio refuses. */
    if (!tlsio_exts_has(x, TLSIO_EXT_SIGNATURE_ALGORITHMS))
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ClientHello: no signature_algorithms (the TLS 1.2 default is "
                             "SHA-1, which tlsio does not accept)");
    tlsio_save_peer_sigalgs(e, &x->signature_algorithms);
    rc = tlsio_server_take_sni(e, x);
    /* RFC 5077 §3.2: tickets for a client that asks, while we issue them. */
    hs->h12.ticket_ext = tlsio_exts_has(x, TLSIO_EXT_SESSION_TICKET);
    hs->h12.send_ticket = hs->h12.ticket_ext && tlsio_resume_issues(e);
    if (rc == 0) rc = try_resume(e, ch);
    if (rc == 0 && hs->h12.resuming) return resume(e, ch, next);
    if (rc == 0) rc = choose_suite_and_chain(e, ch);
    if (rc == 0) rc = tlsio_server_choose_alpn(e, x);
    if (rc == 0) rc = choose_group(e, x);
    if (rc == 0) rc = tlsio_transcript_set_hash(&hs->transcript, e->suite->hash, &e->err);
    if (rc == 0) rc = send_server_hello(e, ch);
    if (rc == 0) rc = send_certificate_and_key(e);
    *next = hs->cert_requested ? S12_WAIT_CERT : S12_WAIT_CKE;
    return rc;
}

/* RFC 5246 §7.4.6: the client's answer to our CertificateRequest, maybe an empty list. */
static int on_client_certificate(tls_engine *e, const tlsio_certificate12 *c, uint8_t *next) {
    CBS certs[TLSIO_X509_MAX_DEPTH];
    size_t n = 0;
    int rc = tlsio12_take_cert_list(e, c, certs, &n);
    if (rc != 0) return rc;
    *next = S12_WAIT_CKE;
    if (n == 0) {
        /* RFC 5246 §7.4.6: without a client certificate the server may continue without
         * client authentication or answer with a fatal handshake_failure. */
        tlsio_hs_drop_msgs12(e->hs); /* no CertificateVerify follows an empty Certificate */
        if (e->cfg->client_verify == TLS_CLIENT_VERIFY_REQUIRED)
            return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                                 "client Certificate: empty, but this server requires a client "
                                 "certificate");
        return 0;
    }
    return tlsio_verify_peer_chain(e, certs, n);
}

/* RFC 5246 §7.4.8: the client's signature over handshake_messages from ClientHello up to and
 * including ClientKeyExchange, checked with the verified leaf's key. */
static int on_client_certificate_verify(tls_engine *e, const tlsio_certificate_verify *cv,
                                        uint8_t *next) {
    tlsio_hs *hs = e->hs;
    uint16_t scheme = (uint16_t)cv->algorithm;
    /* RFC 5246 §7.4.8: the algorithm must be one of our CertificateRequest's
     * supported_signature_algorithms. */
    if (!tlsio_cfg_has_sigalg(e->cfg, scheme))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "client CertificateVerify.algorithm: 0x%04x (%s) was not offered in "
                             "our CertificateRequest",
                             scheme, tls_signature_scheme_name(scheme));
    if (!hs->h12.keep_msgs)
        return tlsio_err_set(&e->err, TLS_E_INTERNAL,
                             "client CertificateVerify: the handshake messages were not kept");
    int rc = tlsio_sig_verify(hs->peer_key, scheme, TLSIO_SIG_USE_TLS12, hs->h12.msgs,
                              hs->h12.msgs_len, CBS_data(&cv->signature), CBS_len(&cv->signature),
                              "client CertificateVerify", &e->err);
    tlsio_hs_drop_msgs12(hs);
    if (rc != 0) return rc;
    e->peer_sig_scheme = scheme;
    *next = S12_WAIT_CCS;
    return 0;
}

static int on_client_key_exchange(tls_engine *e, const tlsio_client_key_exchange_ecdhe *cke,
                                  uint8_t *next) {
    tlsio_hs *hs = e->hs;
    int rc = tlsio_kex_compute(&hs->kex, CBS_data(&cke->point), CBS_len(&cke->point), hs->h12.pms,
                               &hs->h12.pms_len, &e->err);
    tlsio_kex_wipe(&hs->kex);
    if (rc == 0) rc = tlsio12_derive_master(e, hs->h12.pms, hs->h12.pms_len);
    OPENSSL_cleanse(hs->h12.pms, sizeof(hs->h12.pms));
    /* RFC 5246 §7.3: a client that sent a certificate proves it with CertificateVerify next
     * (peer_key is set only by a verified client chain). */
    if (hs->peer_key != NULL) {
        *next = S12_WAIT_CV;
    } else {
        tlsio_hs_drop_msgs12(hs);
        *next = S12_WAIT_CCS;
    }
    return rc;
}

static int on_ccs(tls_engine *e, uint8_t *next) {
    *next = S12_WAIT_FIN;
    return tlsio12_on_ccs(e);
}

static int on_ccs_resumed(tls_engine *e, uint8_t *next) {
    *next = S12_R_WAIT_FIN;
    return tlsio12_on_ccs(e);
}

static int on_finished(tls_engine *e, const tlsio_finished *fin, uint8_t *next) {
    *next = S12_CONNECTED;
    return tlsio12_check_finished(e, fin);
}

static int on_renegotiation(tls_engine *e, const tlsio_client_hello *ch, uint8_t *next) {
    (void)ch;
    /* RFC 5746 §4.4 / RFC 5246 §7.2.2: refuse with a no_renegotiation warning; the
     * connection stays up and no handshake starts. */
    *next = S12_CONNECTED;
    return tlsio12_refuse_renegotiation(e, "ClientHello after the handshake");
}

static const tlsio_hs_edge server12_edges[] = {
    TLSIO_EDGE(S12_WAIT_CERT, TLSIO_HS_CERTIFICATE, TLSIO_VAR_ANY, cert12, TLSIO_T_BEFORE, 0,
               on_client_certificate, NULL, TLSIO_ST(S12_WAIT_CKE)),
    TLSIO_EDGE(S12_WAIT_CKE, TLSIO_HS_CLIENT_KEY_EXCHANGE, TLSIO_VAR_ANY, cke, TLSIO_T_BEFORE, 0,
               on_client_key_exchange, NULL, TLSIO_ST(S12_WAIT_CV) | TLSIO_ST(S12_WAIT_CCS)),
    TLSIO_EDGE(S12_WAIT_CV, TLSIO_HS_CERTIFICATE_VERIFY, TLSIO_VAR_ANY, cv, TLSIO_T_AFTER, 0,
               on_client_certificate_verify, NULL, TLSIO_ST(S12_WAIT_CCS)),
    /* RFC 5246 §7.1: the client's ChangeCipherSpec switches our read key. */
    TLSIO_EDGE(S12_WAIT_CCS, TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY, none, TLSIO_T_NEVER,
               TLSIO_FX_READ_KEY, on_ccs, NULL, TLSIO_ST(S12_WAIT_FIN)),
    /* After the client Finished entered the transcript (ours covers it, RFC 5246 §7.4.9): our
     * [NewSessionTicket], ChangeCipherSpec and Finished. */
    TLSIO_EDGE(S12_WAIT_FIN, TLSIO_HS_FINISHED, TLSIO_VAR_ANY, fin, TLSIO_T_AFTER,
               TLSIO_FX_WRITE_KEY | TLSIO_FX_REPLY, on_finished, send_ccs_and_finished,
               TLSIO_ST(S12_CONNECTED)),
    /* The abbreviated handshake (RFC 5246 §7.3): the client's ChangeCipherSpec and Finished
     * answer ours; nothing follows its Finished in our transcript. */
    TLSIO_EDGE(S12_R_WAIT_CCS, TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY, none, TLSIO_T_NEVER,
               TLSIO_FX_READ_KEY, on_ccs_resumed, NULL, TLSIO_ST(S12_R_WAIT_FIN)),
    TLSIO_EDGE(S12_R_WAIT_FIN, TLSIO_HS_FINISHED, TLSIO_VAR_ANY, fin, TLSIO_T_NEVER, 0, on_finished,
               NULL, TLSIO_ST(S12_CONNECTED)),
    /* A ClientHello after the handshake still ends the client's flight (it waits for us). */
    TLSIO_EDGE(S12_CONNECTED, TLSIO_HS_CLIENT_HELLO, TLSIO_VAR_ANY, ch, TLSIO_T_NEVER,
               TLSIO_FX_ENDS_PEER_FLIGHT, on_renegotiation, NULL, TLSIO_ST(S12_CONNECTED)),
};

const tlsio_hs_table tlsio_hs12_server_table = {
    .name = "TLS 1.2 server",
    .state_names = states12,
    .n_states = S12__COUNT,
    .edges = server12_edges,
    .n_edges = sizeof(server12_edges) / sizeof(server12_edges[0]),
    .connected_state = S12_CONNECTED,
    .entry = TLSIO_ST(S12_WAIT_CERT) | TLSIO_ST(S12_WAIT_CKE) | TLSIO_ST(S12_R_WAIT_CCS),
};
