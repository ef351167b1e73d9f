/* TLS 1.3 handshake pieces both roles share: keys, Finished, Certificate, CertificateVerify,
 * KeyUpdate. */
#include <openssl/mem.h>
#include <string.h>

#include "hs13.h"
#include "keylog.h"
#include "hs_common.h"

static tlsio_hash_alg suite_hash(const tls_engine *e) {
    return e->suite->hash;
}

int tlsio13_transcript_hash(tls_engine *e, uint8_t *th) {
    size_t n = 0;
    return tlsio_transcript_digest(&e->hs->transcript, th, &n, &e->err);
}

static int install(tls_engine *e, tlsio_rl_dir *d, const uint8_t *secret) {
    tlsio_traffic_keys k;
    int rc = tlsio_traffic_keys_derive(suite_hash(e), e->suite->aead, secret, &k, &e->err);
    if (rc == 0) rc = tlsio_rl_set_tls13(d, e->suite->aead, k.key, k.key_len, k.iv, &e->err);
    tlsio_traffic_keys_wipe(&k);
    return rc;
}

/* The dispatcher sees the new read key (its edge declares TLSIO_FX_READ_KEY) and checks the
 * record boundary (RFC 8446 §5.1). */
int tlsio13_install_read(tls_engine *e, const uint8_t *secret) {
    return install(e, &e->rd, secret);
}

int tlsio13_install_write(tls_engine *e, const uint8_t *secret) {
    /* Everything queued so far goes out under the old key. */
    int rc = tlsio_flush_hs(e);
    return rc ? rc : install(e, &e->wd, secret);
}

int tlsio13_derive_handshake(tls_engine *e, const uint8_t *ecdhe, size_t ecdhe_len) {
    tlsio_hs *hs = e->hs;
    uint8_t th[TLSIO_MAX_HASH_LEN];
    tlsio_ks_init(&hs->h13.ks, suite_hash(e));
    /* RFC 8446 §7.1: a resumption's Early Secret comes from the PSK, else from zeros. */
    int psk = hs->h13.psk_accepted;
    int rc =
        tlsio_ks_early(&hs->h13.ks, psk ? hs->h13.psk : NULL, psk ? hs->h13.psk_len : 0, &e->err);
    if (rc == 0) rc = tlsio_ks_handshake(&hs->h13.ks, ecdhe, ecdhe_len, &e->err);
    if (rc == 0) rc = tlsio13_transcript_hash(e, th);
    if (rc == 0)
        rc = tlsio_ks_derive(&hs->h13.ks, TLSIO_KS_C_HS_TRAFFIC, th, hs->h13.c_hs_secret, &e->err);
    if (rc == 0)
        rc = tlsio_ks_derive(&hs->h13.ks, TLSIO_KS_S_HS_TRAFFIC, th, hs->h13.s_hs_secret, &e->err);
    if (rc == 0) {
        size_t n = tlsio_engine_hash_len(e);
        tlsio_keylog(e, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", hs->h13.c_hs_secret, n);
        tlsio_keylog(e, "SERVER_HANDSHAKE_TRAFFIC_SECRET", hs->h13.s_hs_secret, n);
    }
    return rc;
}

int tlsio13_derive_application(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    uint8_t th[TLSIO_MAX_HASH_LEN];
    int rc = tlsio_ks_master(&hs->h13.ks, &e->err);
    if (rc == 0) rc = tlsio13_transcript_hash(e, th);
    if (rc == 0)
        rc = tlsio_ks_derive(&hs->h13.ks, TLSIO_KS_C_AP_TRAFFIC, th, e->c_ap_secret, &e->err);
    if (rc == 0)
        rc = tlsio_ks_derive(&hs->h13.ks, TLSIO_KS_S_AP_TRAFFIC, th, e->s_ap_secret, &e->err);
    if (rc == 0) rc = tlsio_ks_derive(&hs->h13.ks, TLSIO_KS_EXP_MASTER, th, e->exporter, &e->err);
    if (rc == 0) {
        size_t n = tlsio_engine_hash_len(e);
        tlsio_keylog(e, "CLIENT_TRAFFIC_SECRET_0", e->c_ap_secret, n);
        tlsio_keylog(e, "SERVER_TRAFFIC_SECRET_0", e->s_ap_secret, n);
        tlsio_keylog(e, "EXPORTER_SECRET", e->exporter, n);
    }
    return rc;
}

int tlsio13_send_finished(tls_engine *e, const uint8_t *base_key) {
    uint8_t th[TLSIO_MAX_HASH_LEN], vd[TLSIO_MAX_HASH_LEN];
    int rc = tlsio13_transcript_hash(e, th);
    if (rc == 0) rc = tlsio_finished_verify_data(suite_hash(e), base_key, th, vd, &e->err);
    if (rc == 0) {
        tlsio_finished fin;
        CBS_init(&fin.verify_data, vd, tlsio_engine_hash_len(e));
        rc = tlsio_send_hs_msg(e, TLSIO_HS_FINISHED, &tlsio_codec_finished, &fin);
    }
    OPENSSL_cleanse(vd, sizeof(vd));
    return rc;
}

int tlsio13_check_finished(tls_engine *e, const uint8_t *base_key, const CBS *verify_data,
                           const char *who) {
    /* RFC 8446 §4.4.4: verify_data is Hash.length bytes. Another length is a malformed message
     * (§6.2 decode_error: "the length of the message was incorrect"), as in TLS 1.2
     * (hs12_common.c); decrypt_error is for contents that do not verify. */
    if (CBS_len(verify_data) != tlsio_engine_hash_len(e))
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR,
                             "%s Finished.verify_data: length %zu, expected %zu", who,
                             CBS_len(verify_data), tlsio_engine_hash_len(e));
    uint8_t th[TLSIO_MAX_HASH_LEN];
    int rc = tlsio13_transcript_hash(e, th);
    if (rc != 0) return rc;
    /* RFC 8446 §4.4.4: a wrong verify_data is decrypt_error; compared in constant time. */
    tlsio_err generic; /* replaced by a sentence naming the sender */
    tlsio_err_clear(&generic);
    rc = tlsio_finished_check(suite_hash(e), base_key, th, CBS_data(verify_data),
                              CBS_len(verify_data), &generic);
    if (rc != 0)
        return tlsio_err_set(&e->err, rc, "%s Finished: verify_data does not match the handshake",
                             who);
    return 0;
}

int tlsio13_send_certificate(tls_engine *e, const uint8_t *ctx, size_t ctx_len,
                             const tlsio_chain *chain) {
    CBB list;
    if (!CBB_init(&list, 4096)) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; chain != NULL && i < chain->n_certs && rc == 0; i++) {
        tlsio_certificate_entry ent;
        memset(&ent, 0, sizeof(ent));
        ent.cert_data = chain->certs[i];
        rc = tlsio_encode(&tlsio_codec_certificate_entry, &ent, &list, &e->err);
    }
    if (rc == 0) {
        tlsio_certificate13 c;
        CBS_init(&c.certificate_request_context, ctx, ctx_len);
        CBS_init(&c.certificate_list, CBB_data(&list), CBB_len(&list));
        rc = tlsio_send_hs_msg(e, TLSIO_HS_CERTIFICATE, &tlsio_codec_certificate13, &c);
    }
    CBB_cleanup(&list);
    return rc;
}

int tlsio13_send_certificate_verify(tls_engine *e, const tlsio_pkey *key, uint16_t scheme) {
    uint8_t th[TLSIO_MAX_HASH_LEN], content[TLSIO_CERTVERIFY_MAX_LEN];
    int rc = tlsio13_transcript_hash(e, th);
    if (rc != 0) return rc;
    size_t n = tlsio_certverify_content(e->is_server, th, tlsio_engine_hash_len(e), content);
    return tlsio_send_certificate_verify(e, key, scheme, TLSIO_SIG_USE_TLS13, content, n);
}

int tlsio13_check_certificate_verify(tls_engine *e, const tlsio_certificate_verify *cv) {
    uint16_t scheme = (uint16_t)cv->algorithm;
    const char *who = e->is_server ? "client" : "server";
    const char *name = tlsio_sig_scheme_name(scheme) ? tlsio_sig_scheme_name(scheme) : "unknown";
    /* RFC 8446 §4.4.3: the algorithm must be one offered in our signature_algorithms. */
    if (!tlsio_cfg_has_sigalg(e->cfg, scheme))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s CertificateVerify.algorithm: 0x%04x (%s) was not offered in our "
                             "signature_algorithms",
                             who, scheme, name);
    /* RFC 8446 §4.2.3: rsa_pkcs1_* may be offered for TLS 1.2 but never sign a TLS 1.3
     * CertificateVerify. */
    if (!tlsio_sig_scheme_allowed(scheme, TLSIO_SIG_USE_TLS13))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s CertificateVerify.algorithm: %s is not allowed in TLS 1.3 "
                             "(RFC 8446 §4.2.3)",
                             who, name);
    uint8_t th[TLSIO_MAX_HASH_LEN], content[TLSIO_CERTVERIFY_MAX_LEN];
    int rc = tlsio13_transcript_hash(e, th);
    if (rc != 0) return rc;
    /* The content names the peer's role (RFC 8446 §4.4.3). */
    size_t n = tlsio_certverify_content(!e->is_server, th, tlsio_engine_hash_len(e), content);
    rc = tlsio_sig_verify(e->hs->peer_key, scheme, TLSIO_SIG_USE_TLS13, content, n,
                          CBS_data(&cv->signature), CBS_len(&cv->signature),
                          e->is_server ? "client CertificateVerify" : "server CertificateVerify",
                          &e->err);
    if (rc == 0) e->peer_sig_scheme = scheme;
    return rc;
}

/* ---- post-handshake ------------------------------------------------------------------ */

static uint8_t *my_ap_secret(tls_engine *e) {
    return e->is_server ? e->s_ap_secret : e->c_ap_secret;
}

static uint8_t *peer_ap_secret(tls_engine *e) {
    return e->is_server ? e->c_ap_secret : e->s_ap_secret;
}

int tlsio13_send_key_update(tls_engine *e, int request_peer) {
    tlsio_key_update ku = {.request_update = request_peer ? 1 : 0};
    /* RFC 8446 §4.6.3: KeyUpdate goes out under the old key, then the sender switches. */
    int rc = tlsio_send_hs_msg(e, TLSIO_HS_KEY_UPDATE, &tlsio_codec_key_update, &ku);
    if (rc == 0) rc = tlsio_flush_hs(e);
    if (rc == 0) rc = tlsio_traffic_secret_update(e->suite->hash, my_ap_secret(e), &e->err);
    if (rc == 0) rc = install(e, &e->wd, my_ap_secret(e));
    if (rc == 0) e->key_update_pending = 0;
    return rc;
}

/* KeyUpdates accepted with no application data between them. Each costs a key derivation;
 * a peer that sends nothing else is cut off (BoringSSL allows as many). Senders rekey after
 * millions of records, so a legitimate peer never comes near this. */
#define MAX_KEY_UPDATES_IN_ROW 32

int tlsio13_handle_key_update(tls_engine *e, uint32_t request_update) {
    if (++e->key_updates_in_row > MAX_KEY_UPDATES_IN_ROW)
        return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "KeyUpdate: more than %d in a row with no application data between",
                             MAX_KEY_UPDATES_IN_ROW);
    /* RFC 8446 §4.6.3: switch the read key. If asked, our own KeyUpdate (update_not_requested)
     * goes out "prior to sending its next Application Data record" (tls_engine_write_buf), so
     * several requests received while we are silent get a single answer, as the RFC intends. */
    int rc = tlsio_traffic_secret_update(e->suite->hash, peer_ap_secret(e), &e->err);
    if (rc == 0) rc = tlsio13_install_read(e, peer_ap_secret(e));
    if (rc == 0 && request_update && !e->close_sent) e->key_update_pending = 1;
    return rc;
}

/* RFC 8446 D.4: each side sends one compatibility change_cipher_spec; a peer that keeps
 * sending them makes us loop for nothing, so past a small allowance the record is
 * unexpected. */
#define MAX_TLS13_CCS 4

int tlsio13_drop_compat_ccs(tls_engine *e, uint8_t *next) {
    (void)next; /* the state stays */
    if (++e->ccs13_received > MAX_TLS13_CCS)
        return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "change_cipher_spec record: more than %d in a TLS 1.3 handshake "
                             "(RFC 8446 D.4 sends one)",
                             MAX_TLS13_CCS);
    return 0;
}

int tlsio13_take_peer_certificate(tls_engine *e, const tlsio_certificate13 *c) {
    const char *who = e->is_server ? "client" : "server";
    CBS certs[TLSIO_X509_MAX_DEPTH];
    size_t n = 0;
    CBS list = c->certificate_list;
    tlsio_certificate_entry ent;
    int rc;
    while ((rc = tlsio_list_next(&tlsio_codec_certificate_entry, &list, &ent, &e->err)) == 0) {
        if (n == TLSIO_X509_MAX_DEPTH)
            return tlsio_err_setc(&e->err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                                  "%s Certificate: more than %d certificates", who,
                                  TLSIO_X509_MAX_DEPTH);
        /* RFC 8446 §4.4.2: entry extensions answer ours; we request none (no OCSP/SCT). */
        rc = tlsio_check_response_exts(e, &ent.extensions, 0, "Certificate entry");
        if (rc != 0) return rc;
        certs[n++] = ent.cert_data;
    }
    if (rc != TLSIO_LIST_END) return rc;
    /* RFC 8446 §4.4.2.4: an empty server Certificate is a decode_error (checked there). */
    return tlsio_verify_peer_chain(e, certs, n);
}
