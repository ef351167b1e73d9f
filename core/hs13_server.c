/* The TLS 1.3 server (RFC 8446): its state table and one handler per edge. */
#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

#include "hs12.h"
#include "hs_dispatch.h"
#include "hs13.h"
#include "hs_common.h"
#include "hs_hello.h"

enum {
    S_WAIT_CH,
    S_WAIT_CH2,  /* sent a HelloRetryRequest */
    S_WAIT_CERT, /* sent a CertificateRequest (client authentication) */
    S_WAIT_CV,   /* the client sent a non-empty Certificate */
    S_WAIT_FIN,
    S_CONNECTED,
    S__COUNT
};

static const char *const server_states[S__COUNT] = {
    "WAIT_CH", "WAIT_CH2", "WAIT_CERT", "WAIT_CERTIFICATE_VERIFY", "WAIT_FINISHED", "CONNECTED"};

/* ---- choosing ---------------------------------------------------------------------- */

/*
 * RFC 8446 §4.1.1: the server picks. We use our own preference order, with one exception:
 * ChaCha20-Poly1305 is taken when the client lists it first among the suites we share (a
 * client does that when it has no AES instructions) or when we have none ourselves. The
 * suites are equally strong; without AES instructions ChaCha20 is several times faster and
 * AES-GCM in software is not constant-time.
 */
static const tlsio_suite *choose_suite(const tls_engine *e, const CBS *offered) {
    const tlsio_suite *ours = NULL, *chacha = NULL;
    for (size_t i = 0; i < e->cfg->n_suites; i++) {
        const tlsio_suite *s = tlsio_suite_find(e->cfg->suites[i]);
        if (s == NULL || s->version != TLS_VERSION_1_3 || !tlsio_u16_list_has(offered, s->id))
            continue;
        if (ours == NULL) ours = s;
        if (s->id == TLSIO_TLS_CHACHA20_POLY1305_SHA256) chacha = s;
    }
    if (chacha == NULL || ours == chacha) return ours;
    if (!tlsio_aead_aes_is_fast()) return chacha;
    /* The client's first suite that we share. */
    CBS list = *offered;
    uint16_t id;
    while (CBS_get_u16(&list, &id)) {
        const tlsio_suite *s = tlsio_suite_find(id);
        if (s == NULL || s->version != TLS_VERSION_1_3) continue;
        for (size_t i = 0; i < e->cfg->n_suites; i++)
            if (e->cfg->suites[i] == id) return id == chacha->id ? chacha : ours;
    }
    return ours;
}

/*
 * RFC 8446 §4.2.8: one share per group, and only for groups in supported_groups. Linear in
 * both lists whatever their lengths (a hostile hello may carry thousands of entries): the
 * 16-bit group space as a bitmap, filled from supported_groups, each share taking its bit.
 * A share whose bit is gone was a duplicate or never offered; the second scan that tells
 * which runs only on that refusal.
 */
static int check_shares(tls_engine *e, const tlsio_exts *x) {
    uint64_t offered[65536 / 64]; /* 8 KiB of stack, once per ClientHello */
    memset(offered, 0, sizeof(offered));
    CBS groups = x->supported_groups, list = x->key_share_client_shares;
    uint16_t g;
    while (CBS_get_u16(&groups, &g))
        offered[g >> 6] |= UINT64_C(1) << (g & 63);
    /* The codec validated every KeyShareEntry when it decoded the hello: walking them here
     * needs only their framing (group, then key_exchange<1..2^16-1>), which is 5x cheaper
     * than decoding each again through the field table. */
    CBS key;
    uint16_t v;
    while (CBS_get_u16(&list, &v) && CBS_get_u16_length_prefixed(&list, &key)) {
        uint64_t bit = UINT64_C(1) << (v & 63);
        if (offered[v >> 6] & bit) {
            offered[v >> 6] &= ~bit;
            continue;
        }
        if (tlsio_u16_list_has(&x->supported_groups, v))
            return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                                 "ClientHello.key_share: two shares for group 0x%04x", v);
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ClientHello.key_share: group 0x%04x is not in supported_groups", v);
    }
    return 0;
}

/* The client's share for group g, if any (the list was validated when the hello was decoded). */
static void find_share(const tlsio_exts *x, uint16_t g, tlsio_key_share_entry *out, int *found) {
    CBS list = x->key_share_client_shares, key;
    uint16_t v;
    *found = 0;
    while (CBS_get_u16(&list, &v) && CBS_get_u16_length_prefixed(&list, &key)) {
        if (v == g) {
            out->group = v;
            out->key_exchange = key;
            *found = 1;
            return;
        }
    }
}

/* Picks the group: prefer one the client already sent a share for (no extra round trip),
 * in our preference order; otherwise our first mutually supported group, via HRR. */
static int choose_group(tls_engine *e, const tlsio_exts *x, uint16_t *group,
                        tlsio_key_share_entry *share, int *have_share) {
    uint16_t fallback = 0;
    *have_share = 0;
    int rc = check_shares(e, x);
    if (rc != 0) return rc;
    for (size_t i = 0; i < e->cfg->n_groups; i++) {
        uint16_t g = e->cfg->groups[i];
        if (!tlsio_u16_list_has(&x->supported_groups, g)) continue;
        if (fallback == 0) fallback = g;
        find_share(x, g, share, have_share);
        if (*have_share) {
            *group = g;
            return 0;
        }
    }
    if (fallback == 0)
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ClientHello.supported_groups: no group in common (we support "
                             "x25519, secp256r1, secp384r1 as configured)");
    *group = fallback;
    return 0;
}

/* Picks a chain: one whose leaf matches the SNI name and can sign with a scheme the client
 * offered; else the first chain that can sign. */
static int choose_chain(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    const tlsio_chain *fallback = NULL;
    uint16_t fallback_scheme = 0;
    for (size_t i = 0; i < e->cfg->n_chains; i++) {
        const tlsio_chain *c = &e->cfg->chains[i];
        uint16_t scheme;
        if (!tlsio_choose_sig_scheme(e, c->key, TLSIO_SIG_USE_TLS13, &scheme)) continue;
        int name_ok = tlsio_x509_cert_matches_host(c->leaf, e->server_name);
        if (name_ok || e->server_name == NULL) {
            hs->chain = c;
            hs->sig_scheme = scheme;
            return 0;
        }
        if (fallback == NULL) {
            fallback = c;
            fallback_scheme = scheme;
        }
    }
    if (fallback == NULL)
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ClientHello.signature_algorithms: none matches our certificate "
                             "keys%s",
                             tlsio_sign_list_hint(e->cfg));
    hs->chain = fallback;
    hs->sig_scheme = fallback_scheme;
    return 0;
}

/* ---- ClientHello checks ------------------------------------------------------------ */

static int check_client_hello(tls_engine *e, const tlsio_client_hello *ch) {
    const tlsio_exts *x = &ch->extensions;
    /* RFC 8446 §4.1.2: exactly one compression method, null. */
    if (CBS_len(&ch->legacy_compression_methods) != 1 ||
        CBS_data(&ch->legacy_compression_methods)[0] != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ClientHello.legacy_compression_methods: must be exactly [null]");
    /* RFC 8446 §9.2: mandatory extensions for a certificate-authenticated handshake. */
    static const struct {
        tlsio_ext_id id;
        const char *name;
    } required[] = {{TLSIO_EXT_SIGNATURE_ALGORITHMS, "signature_algorithms"},
                    {TLSIO_EXT_SUPPORTED_GROUPS, "supported_groups"},
                    {TLSIO_EXT_KEY_SHARE, "key_share"}};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!tlsio_exts_has(x, required[i].id))
            return tlsio_err_set(&e->err, TLS_ALERT_MISSING_EXTENSION, "ClientHello: no %s",
                                 required[i].name);
    /* RFC 8446 §4.2.9: "If clients offer pre_shared_key without a psk_key_exchange_modes
     * extension, servers MUST abort the handshake." */
    if (tlsio_exts_has(x, TLSIO_EXT_PRE_SHARED_KEY) &&
        !tlsio_exts_has(x, TLSIO_EXT_PSK_KEY_EXCHANGE_MODES))
        return tlsio_err_set(&e->err, TLS_ALERT_MISSING_EXTENSION,
                             "ClientHello: pre_shared_key without psk_key_exchange_modes");
    return 0;
}

/* ---- sending ----------------------------------------------------------------------- */

static int send_server_hello(tls_engine *e, const CBS *session_id, int hrr, uint16_t group) {
    tlsio_hs *hs = e->hs;
    tlsio_server_hello sh;
    memset(&sh, 0, sizeof(sh));
    sh.legacy_version = TLS_VERSION_1_2;
    if (hrr) {
        CBS_init(&sh.random, tlsio_hrr_random, 32);
    } else {
        tlsio_rng_bytes(&e->cfg->rng, hs->server_random, 32);
        CBS_init(&sh.random, hs->server_random, 32);
    }
    sh.legacy_session_id_echo = *session_id;
    sh.cipher_suite = e->suite->id;
    /* (pre_shared_key,) key_share, then supported_versions: the order of the RFC 8448
     * traces. */
    tlsio_exts *x = &sh.extensions;
    int rc = 0;
    if (!hrr && hs->h13.psk_accepted) {
        x->psk_selected_identity = hs->h13.psk_identity;
        rc = tlsio_exts_push(x, TLSIO_EXT_PRE_SHARED_KEY, &e->err);
    }
    if (hrr) {
        x->key_share_selected_group = group;
    } else {
        size_t pub_len = 0;
        const uint8_t *pub = tlsio_kex_public(&hs->kex, &pub_len);
        x->key_share_server_share.group = group;
        CBS_init(&x->key_share_server_share.key_exchange, pub, pub_len);
    }
    if (rc == 0) rc = tlsio_exts_push(x, TLSIO_EXT_KEY_SHARE, &e->err);
    x->selected_version = TLS_VERSION_1_3;
    if (rc == 0) rc = tlsio_exts_push(x, TLSIO_EXT_SUPPORTED_VERSIONS, &e->err);
    if (rc == 0) rc = tlsio_send_hs_msg(e, TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &sh);
    if (rc == 0) rc = tlsio_flush_hs(e);
    /* RFC 8446 D.4: a server in compatibility mode sends CCS after its first flight piece
     * when the client sent a non-empty legacy_session_id. */
    if (rc == 0 && CBS_len(session_id) > 0) rc = tlsio_send_ccs_record(e);
    return rc;
}

static int send_encrypted_extensions(tls_engine *e, int sni_acked) {
    tlsio_encrypted_extensions ee;
    memset(&ee, 0, sizeof(ee));
    tlsio_exts *x = &ee.extensions;
    int rc = 0;
    /* RFC 6066 §3: an empty server_name tells the client its name was used. */
    if (sni_acked) rc = tlsio_exts_push(x, TLSIO_EXT_SERVER_NAME, &e->err);
    uint8_t alpn[1 + 255];
    size_t n = e->alpn ? strlen(e->alpn) : 0;
    if (rc == 0 && n > 0) {
        alpn[0] = (uint8_t)n;
        memcpy(alpn + 1, e->alpn, n);
        CBS_init(&x->alpn, alpn, n + 1);
        rc = tlsio_exts_push(x, TLSIO_EXT_ALPN, &e->err);
    }
    if (rc == 0) rc = tlsio_rsl_answer(e, x); /* RFC 8449 §4: in EncryptedExtensions */
    if (rc == 0)
        rc = tlsio_send_hs_msg(e, TLSIO_HS_ENCRYPTED_EXTENSIONS, &tlsio_codec_encrypted_extensions,
                               &ee);
    return rc;
}

/* RFC 8446 §4.3.2: asks for the client's certificate. The context is empty (an in-handshake
 * request; tlsio never offers post-handshake authentication, §4.6.2); signature_algorithms
 * (required) is our list, which governs both the CertificateVerify and, as we send no
 * signature_algorithms_cert (§4.2.3), the certificates' signatures, so rsa_pkcs1_* stay
 * listed (last) for those; certificate_authorities (§4.2.4) names our client CAs. */
static int send_certificate_request(tls_engine *e) {
    tlsio_certificate_request13 cr;
    memset(&cr, 0, sizeof(cr));
    CBS_init(&cr.certificate_request_context, NULL, 0);
    tlsio_exts *x = &cr.extensions;
    uint8_t sigalgs[2 * TLSIO_MAX_SIGALGS];
    CBS_init(&x->signature_algorithms, sigalgs, tlsio_our_sigalgs(e->cfg, 1, sigalgs));
    int rc = tlsio_exts_push(x, TLSIO_EXT_SIGNATURE_ALGORITHMS, &e->err);
    if (rc == 0 && e->cfg->client_ca_names_len > 0) {
        CBS_init(&x->certificate_authorities, e->cfg->client_ca_names, e->cfg->client_ca_names_len);
        rc = tlsio_exts_push(x, TLSIO_EXT_CERTIFICATE_AUTHORITIES, &e->err);
    }
    if (rc == 0)
        rc = tlsio_send_hs_msg(e, TLSIO_HS_CERTIFICATE_REQUEST, &tlsio_codec_certificate_request13,
                               &cr);
    if (rc == 0) e->hs->cert_requested = 1;
    return rc;
}

/* ServerHello .. Finished, and the key changes between them. */
static int send_server_flight(tls_engine *e, const tlsio_client_hello *ch,
                              const tlsio_key_share_entry *share) {
    tlsio_hs *hs = e->hs;
    tlsio_rsl_take_offer(e, &ch->extensions); /* RFC 8449 §4 */
    int rc = tlsio_kex_generate(&hs->kex, (uint16_t)share->group, &e->cfg->rng, &e->err);
    uint8_t ecdhe[TLSIO_KEX_MAX_SECRET_LEN];
    size_t ecdhe_len = 0;
    if (rc == 0)
        rc = tlsio_kex_compute(&hs->kex, CBS_data(&share->key_exchange),
                               CBS_len(&share->key_exchange), ecdhe, &ecdhe_len, &e->err);
    if (rc == 0) rc = send_server_hello(e, &ch->legacy_session_id, 0, (uint16_t)share->group);
    if (rc == 0) rc = tlsio13_derive_handshake(e, ecdhe, ecdhe_len);
    OPENSSL_cleanse(ecdhe, sizeof(ecdhe));
    tlsio_kex_wipe(&hs->kex);
    e->group = (uint16_t)share->group;
    if (rc == 0) rc = tlsio13_install_write(e, hs->h13.s_hs_secret);
    if (rc == 0) rc = tlsio13_install_read(e, hs->h13.c_hs_secret);
    if (rc == 0)
        rc = send_encrypted_extensions(e, tlsio_exts_has(&ch->extensions, TLSIO_EXT_SERVER_NAME));
    /* A resumption is authenticated by the PSK: no certificates either way (RFC 8446 §2.2;
     * §4.3.2: no CertificateRequest with a PSK). */
    int certs = !hs->h13.psk_accepted;
    /* RFC 8446 §4.3.2: a CertificateRequest follows EncryptedExtensions. */
    if (rc == 0 && certs && e->cfg->client_verify != TLS_CLIENT_VERIFY_NONE)
        rc = send_certificate_request(e);
    if (rc == 0 && certs) rc = tlsio13_send_certificate(e, NULL, 0, hs->chain);
    if (rc == 0 && certs) rc = tlsio13_send_certificate_verify(e, hs->chain->key, hs->sig_scheme);
    if (rc == 0) rc = tlsio13_send_finished(e, hs->h13.s_hs_secret);
    if (rc == 0) rc = tlsio13_derive_application(e);
    if (rc == 0) rc = tlsio13_install_write(e, e->s_ap_secret);
    return rc;
}

/* ---- handlers ---------------------------------------------------------------------- */

/* The ClientHello we answer with our flight (the first, or the second after a
 * HelloRetryRequest): resume when an offered PSK is good (RFC 8446 §4.2.11), else a full
 * handshake with a certificate. */
static int answer_client_hello(tls_engine *e, const tlsio_client_hello *ch,
                               const tlsio_key_share_entry *share, uint8_t *next) {
    int rc = tlsio13_server_take_psk(e, ch);
    if (rc == 0 && !e->hs->h13.psk_accepted && e->hs->chain == NULL) rc = choose_chain(e);
    if (rc != 0) return rc;
    *next = !e->hs->h13.psk_accepted && e->cfg->client_verify != TLS_CLIENT_VERIFY_NONE
                ? S_WAIT_CERT
                : S_WAIT_FIN;
    return send_server_flight(e, ch, share);
}

static int on_client_hello(tls_engine *e, const tlsio_client_hello *ch, uint8_t *next) {
    tlsio_hs *hs = e->hs;
    uint16_t version = 0;
    int rc = tlsio_server_choose_version(e, ch, choose_suite, &version);
    if (rc != 0) return rc;
    if (version == TLS_VERSION_1_2) return tlsio12_server_take_client_hello(e, ch, next);
    tlsio_hs_drop_msgs12(hs); /* TLS 1.3 signs transcript hashes (RFC 8446 §4.4.3) */
    rc = check_client_hello(e, ch);
    if (rc != 0) return rc;
    const tlsio_exts *x = &ch->extensions;
    memcpy(hs->client_random, CBS_data(&ch->random), 32);
    /* RFC 8446 §4.2.10: we never accept 0-RTT (no early_data in EncryptedExtensions), so any
     * early data the client sends is skipped (engine_recv.c). */
    hs->h13.skip_early_data = tlsio_exts_has(x, TLSIO_EXT_EARLY_DATA);
    e->suite = choose_suite(e, &ch->cipher_suites);
    if (e->suite == NULL)
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ClientHello.cipher_suites: no TLS 1.3 suite in common");
    e->version = TLS_VERSION_1_3;
    rc = tlsio_transcript_set_hash(&hs->transcript, e->suite->hash, &e->err);
    tlsio_save_peer_sigalgs(e, &x->signature_algorithms);
    if (rc == 0) rc = tlsio_server_take_sni(e, x);
    /* Offering a PSK, the client may need no certificate: chosen with the flight. */
    if (rc == 0 && !tlsio_exts_has(x, TLSIO_EXT_PRE_SHARED_KEY)) rc = choose_chain(e);
    if (rc == 0) rc = tlsio_server_choose_alpn(e, x);
    uint16_t group = 0;
    tlsio_key_share_entry share;
    int have_share = 0;
    if (rc == 0) rc = choose_group(e, x, &group, &share, &have_share);
    if (rc != 0) return rc;
    if (have_share) return answer_client_hello(e, ch, &share, next);
    /* RFC 8446 §4.1.4: ask for a share of the group we chose. The transcript restarts with
     * message_hash(ClientHello1), then the HelloRetryRequest. */
    rc = tlsio13_keep_first_hello(e, ch);
    if (rc == 0) rc = tlsio_transcript_hrr_restart(&hs->transcript, &e->err);
    if (rc == 0) rc = send_server_hello(e, &ch->legacy_session_id, 1, group);
    hs->h13.hrr_seen = 1;
    e->group = group;
    *next = S_WAIT_CH2;
    return rc;
}

static int on_client_hello2(tls_engine *e, const tlsio_client_hello *ch, uint8_t *next) {
    uint16_t version = 0;
    int rc = tlsio_server_choose_version(e, ch, choose_suite, &version);
    /* RFC 8446 §4.1.4: after a HelloRetryRequest only TLS 1.3 can follow. */
    if (rc == 0 && version != TLS_VERSION_1_3)
        rc = tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                           "second ClientHello: no longer offers TLS 1.3");
    if (rc == 0) rc = check_client_hello(e, ch);
    /* RFC 8446 §4.1.2: the first ClientHello again, but for what the HelloRetryRequest asked
     * for; and exactly the one share we asked for (below). */
    if (rc == 0) rc = tlsio13_check_second_hello(e);
    if (rc != 0) return rc;
    /* RFC 8446 §4.2.10: "A client MUST NOT include the early_data extension in its followup
     * ClientHello." Early data sent before it has been skipped; nothing more may come. */
    if (tlsio_exts_has(&ch->extensions, TLSIO_EXT_EARLY_DATA))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "second ClientHello: early_data after HelloRetryRequest");
    e->hs->h13.skip_early_data = 0;
    tlsio_key_share_entry share;
    int found = 0;
    rc = check_shares(e, &ch->extensions);
    if (rc != 0) return rc;
    find_share(&ch->extensions, e->group, &share, &found);
    /* One entry exactly: its 4 header bytes and key are the whole list body. */
    if (!found ||
        CBS_len(&ch->extensions.key_share_client_shares) != 4 + CBS_len(&share.key_exchange))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "second ClientHello.key_share: must hold only the requested group "
                             "0x%04x",
                             e->group);
    return answer_client_hello(e, ch, &share, next);
}

/* RFC 8446 §4.4.2: the client's answer to our CertificateRequest. */
static int on_client_certificate(tls_engine *e, const tlsio_certificate13 *c, uint8_t *next) {
    /* RFC 8446 §4.4.2: the context echoes the CertificateRequest's, which was empty. */
    if (CBS_len(&c->certificate_request_context) != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "client Certificate.certificate_request_context: length %zu, but our "
                             "CertificateRequest's was empty",
                             CBS_len(&c->certificate_request_context));
    if (CBS_len(&c->certificate_list) == 0) {
        /* RFC 8446 §4.4.2.4: with no certificate the server may go on without client
         * authentication or abort with certificate_required. */
        if (e->cfg->client_verify == TLS_CLIENT_VERIFY_REQUIRED)
            return tlsio_err_set(&e->err, TLS_ALERT_CERTIFICATE_REQUIRED,
                                 "client Certificate: empty, but this server requires a client "
                                 "certificate");
        *next = S_WAIT_FIN; /* no CertificateVerify follows an empty Certificate (§4.4.3) */
        return 0;
    }
    *next = S_WAIT_CV;
    return tlsio13_take_peer_certificate(e, c);
}

/* RFC 8446 §4.4.3: the client's signature over the transcript through its Certificate, with
 * the client context string; checked against the verified leaf's key. */
static int on_client_certificate_verify(tls_engine *e, const tlsio_certificate_verify *cv,
                                        uint8_t *next) {
    *next = S_WAIT_FIN;
    return tlsio13_check_certificate_verify(e, cv);
}

static int on_client_finished(tls_engine *e, const tlsio_finished *fin, uint8_t *next) {
    int rc = tlsio13_check_finished(e, e->hs->h13.c_hs_secret, &fin->verify_data, "client");
    if (rc == 0) rc = tlsio13_install_read(e, e->c_ap_secret);
    *next = S_CONNECTED;
    return rc;
}

static int on_key_update(tls_engine *e, const tlsio_key_update *ku, uint8_t *next) {
    *next = S_CONNECTED;
    return tlsio13_handle_key_update(e, ku->request_update);
}

/* A TLS 1.2 client's CertificateVerify signs every handshake message from the ClientHello on
 * (RFC 5246 §7.4.8): while one may come, keep them (dropped once TLS 1.3 is chosen). */
static int server_start(tls_engine *e, uint8_t *next) {
    (void)next;
    e->hs->h12.keep_msgs = e->cfg->client_verify != TLS_CLIENT_VERIFY_NONE &&
                           tlsio_cfg_offers_version(e->cfg, TLS_VERSION_1_2);
    return 0;
}

/* A ClientHello ends the client's flight; answering it sends ours and installs both
 * handshake keys (or, choosing TLS 1.2, sends the TLS 1.2 flight). */
#define CH_EFFECTS                                                                                 \
    (TLSIO_FX_ENDS_PEER_FLIGHT | TLSIO_FX_READ_KEY | TLSIO_FX_WRITE_KEY | TLSIO_FX_REPLY)

static const tlsio_hs_edge server_start_edge = TLSIO_EDGE(
    S_WAIT_CH, 0, TLSIO_VAR_ANY, none, TLSIO_T_NEVER, 0, server_start, NULL, TLSIO_ST(S_WAIT_CH));

static const tlsio_hs_edge server_edges[] = {
    TLSIO_EDGE(S_WAIT_CH, TLSIO_HS_CLIENT_HELLO, TLSIO_VAR_ANY, ch, TLSIO_T_BEFORE_PSK, CH_EFFECTS,
               on_client_hello, NULL,
               TLSIO_ST(S_WAIT_FIN) | TLSIO_ST(S_WAIT_CERT) | TLSIO_ST(S_WAIT_CH2)),
    TLSIO_EDGE(S_WAIT_CH2, TLSIO_HS_CLIENT_HELLO, TLSIO_VAR_ANY, ch, TLSIO_T_BEFORE_PSK, CH_EFFECTS,
               on_client_hello2, NULL, TLSIO_ST(S_WAIT_FIN) | TLSIO_ST(S_WAIT_CERT)),
    TLSIO_EDGE(S_WAIT_CERT, TLSIO_HS_CERTIFICATE, TLSIO_VAR_ANY, cert13, TLSIO_T_BEFORE, 0,
               on_client_certificate, NULL, TLSIO_ST(S_WAIT_CV) | TLSIO_ST(S_WAIT_FIN)),
    TLSIO_EDGE(S_WAIT_CV, TLSIO_HS_CERTIFICATE_VERIFY, TLSIO_VAR_ANY, cv, TLSIO_T_AFTER, 0,
               on_client_certificate_verify, NULL, TLSIO_ST(S_WAIT_FIN)),
    /* The tickets (RFC 8446 §4.6.1) go out once the client Finished is in the transcript
     * (resumption_master_secret covers it). */
    TLSIO_EDGE(S_WAIT_FIN, TLSIO_HS_FINISHED, TLSIO_VAR_ANY, fin, TLSIO_T_AFTER,
               TLSIO_FX_READ_KEY | TLSIO_FX_REPLY, on_client_finished, tlsio13_server_send_tickets,
               TLSIO_ST(S_CONNECTED)),
    TLSIO_EDGE(S_CONNECTED, TLSIO_HS_KEY_UPDATE, TLSIO_VAR_ANY, ku, TLSIO_T_NEVER,
               TLSIO_FX_READ_KEY, on_key_update, NULL, TLSIO_ST(S_CONNECTED)),
    TLSIO13_COMPAT_CCS_EDGE(S_WAIT_CH2),
    TLSIO13_COMPAT_CCS_EDGE(S_WAIT_CERT),
    TLSIO13_COMPAT_CCS_EDGE(S_WAIT_CV),
    TLSIO13_COMPAT_CCS_EDGE(S_WAIT_FIN),
};

const tlsio_hs_table tlsio_hs13_server_table = {
    .name = "TLS 1.3 server",
    .state_names = server_states,
    .n_states = S__COUNT,
    .edges = server_edges,
    .n_edges = sizeof(server_edges) / sizeof(server_edges[0]),
    .initial = S_WAIT_CH,
    .connected_state = S_CONNECTED,
    .start = &server_start_edge,
};
