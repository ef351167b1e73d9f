/* TLS 1.2 handshake pieces both roles share: master secret, keys, CCS, Finished, the
 * ServerKeyExchange signature content, and the extension answers of RFC 5746 / 7627 / 8422. */
#include <openssl/mem.h>
#include <string.h>

#include "hs12.h"
#include "hs_common.h"
#include "keylog.h"

static tlsio_hash_alg hash12(const tls_engine *e) {
    return e->suite->hash;
}

int tlsio12_derive_keys(tls_engine *e) {
    int rc =
        tlsio_prf12_key_block(hash12(e), e->suite->aead, e->hs->h12.master, e->hs->client_random,
                              e->hs->server_random, &e->hs->h12.keys, &e->err);
    if (rc == 0) { /* the exporter's inputs (RFC 5705 §4) */
        memcpy(e->exporter, e->hs->h12.master, TLSIO_TLS12_MASTER_LEN);
        memcpy(e->exporter + TLSIO_TLS12_MASTER_LEN, e->hs->client_random, 32);
        memcpy(e->exporter + TLSIO_TLS12_MASTER_LEN + 32, e->hs->server_random, 32);
        tlsio_keylog(e, "CLIENT_RANDOM", e->hs->h12.master, TLSIO_TLS12_MASTER_LEN);
    }
    return rc;
}

int tlsio12_derive_master(tls_engine *e, const uint8_t *pms, size_t pms_len) {
    /* RFC 7627 §4: the session hash covers the handshake through ClientKeyExchange. */
    uint8_t session_hash[TLSIO_MAX_HASH_LEN];
    size_t n = 0;
    int rc = tlsio_transcript_digest(&e->hs->transcript, session_hash, &n, &e->err);
    if (rc == 0)
        rc = tlsio_prf12_extended_master_secret(hash12(e), pms, pms_len, session_hash, n,
                                                e->hs->h12.master, &e->err);
    return rc ? rc : tlsio12_derive_keys(e);
}

/* Installs the keys one side writes with: the client's for client writes / server reads. */
static int install(tls_engine *e, tlsio_rl_dir *d, int client_keys) {
    const tlsio_tls12_keys *k = &e->hs->h12.keys;
    return tlsio_rl_set_tls12(d, e->suite->aead, client_keys ? k->client_key : k->server_key,
                              k->key_len, client_keys ? k->client_iv : k->server_iv, k->iv_len,
                              &e->err);
}

int tlsio12_send_ccs_and_switch(tls_engine *e) {
    /* RFC 5246 §7.1: ChangeCipherSpec, then the pending write state becomes current. */
    int rc = tlsio_flush_hs(e);
    if (rc == 0) rc = tlsio_send_ccs_record(e);
    if (rc == 0) rc = install(e, &e->wd, !e->is_server);
    return rc;
}

int tlsio12_on_ccs(tls_engine *e) {
    return install(e, &e->rd, e->is_server);
}

int tlsio12_send_finished(tls_engine *e) {
    uint8_t th[TLSIO_MAX_HASH_LEN], vd[TLSIO_TLS12_VERIFY_LEN];
    size_t n = 0;
    int rc = tlsio_transcript_digest(&e->hs->transcript, th, &n, &e->err);
    if (rc == 0)
        rc = tlsio_prf12_finished(hash12(e), e->hs->h12.master, !e->is_server, th, n, vd, &e->err);
    if (rc == 0) {
        tlsio_finished fin;
        CBS_init(&fin.verify_data, vd, sizeof(vd));
        rc = tlsio_send_hs_msg(e, TLSIO_HS_FINISHED, &tlsio_codec_finished, &fin);
    }
    if (rc == 0) rc = tlsio_flush_hs(e);
    return rc;
}

int tlsio12_check_finished(tls_engine *e, const tlsio_finished *fin) {
    uint8_t th[TLSIO_MAX_HASH_LEN];
    size_t n = 0;
    int rc = tlsio_transcript_digest(&e->hs->transcript, th, &n, &e->err);
    if (rc != 0) return rc;
    const char *who = e->is_server ? "client" : "server";
    /* RFC 5246 §7.4.9: verify_data is 12 bytes for every suite we have; another length is a
     * malformed message: decode_error, which RFC 5246 §7.2.2 / RFC 8446 §6.2 define for "the
     * length of the message was incorrect". decrypt_error (§7.4.9 / RFC 8446 §4.4.4) is for
     * contents that do not verify, which a message of the wrong length never reaches. (Some
     * stacks compare first and so answer decrypt_error; the length is checked first here.) */
    if (CBS_len(&fin->verify_data) != TLSIO_TLS12_VERIFY_LEN)
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR,
                             "%s Finished.verify_data: length %zu, expected %d", who,
                             CBS_len(&fin->verify_data), TLSIO_TLS12_VERIFY_LEN);
    /* A mismatch is decrypt_error (compared in constant time by the PRF module). */
    tlsio_err generic; /* a mismatch gets a sentence naming the sender instead */
    tlsio_err_clear(&generic);
    rc = tlsio_prf12_finished_check(hash12(e), e->hs->h12.master, e->is_server, th, n,
                                    CBS_data(&fin->verify_data), CBS_len(&fin->verify_data),
                                    &generic);
    if (rc == TLS_ALERT_DECRYPT_ERROR)
        return tlsio_err_set(&e->err, rc, "%s Finished: verify_data does not match the handshake",
                             who);
    if (rc != 0) return tlsio_err_setc(&e->err, generic.category, rc, "%s", generic.msg);
    return rc;
}

size_t tlsio12_ske_content(const tls_engine *e, uint16_t group, const uint8_t *point,
                           size_t point_len, uint8_t *out) {
    /* RFC 8422 §5.4: signed = client_random + server_random + ServerECDHParams. */
    uint8_t *p = out;
    memcpy(p, e->hs->client_random, 32);
    memcpy(p + 32, e->hs->server_random, 32);
    p += 64;
    *p++ = 3; /* named_curve */
    *p++ = (uint8_t)(group >> 8);
    *p++ = (uint8_t)group;
    *p++ = (uint8_t)point_len;
    memcpy(p, point, point_len);
    return (size_t)(p - out) + point_len;
}

int tlsio12_check_reneg_info(tls_engine *e, const tlsio_exts *x, const char *msg) {
    /* RFC 5746 §3.4, §3.6: on an initial handshake renegotiated_connection is empty. */
    if (tlsio_exts_has(x, TLSIO_EXT_RENEGOTIATION_INFO) && CBS_len(&x->renegotiation_info) != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "%s.renegotiation_info: not empty on an initial handshake", msg);
    return 0;
}

int tlsio12_check_point_formats(tls_engine *e, const tlsio_exts *x, const char *msg) {
    /* RFC 8422 §5.1.2: uncompressed points are the only format; it must be listed. */
    if (!tlsio_exts_has(x, TLSIO_EXT_EC_POINT_FORMATS)) return 0;
    CBS l = x->ec_point_formats;
    uint8_t f;
    while (CBS_get_u8(&l, &f))
        if (f == 0) return 0;
    return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                         "%s.ec_point_formats: uncompressed is not listed", msg);
}

int tlsio12_key_fits_suite(const tlsio_suite *s, const tlsio_pkey *k) {
    tlsio_key_type t = tlsio_pkey_type(k);
    if (s->auth == TLSIO_AUTH_RSA) return t == TLSIO_KEY_RSA;
    return t == TLSIO_KEY_EC_P256 || t == TLSIO_KEY_EC_P384 || t == TLSIO_KEY_EC_P521 ||
           t == TLSIO_KEY_ED25519;
}

int tlsio12_send_certificate(tls_engine *e, const tlsio_chain *chain) {
    /* RFC 5246 §7.4.2: the sender's certificate first, each following one certifying the one
     * before; RFC 5246 §7.4.6: a client without a suitable certificate sends an empty list. */
    CBB list;
    if (!CBB_init(&list, 4096)) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; chain != NULL && i < chain->n_certs && rc == 0; i++) {
        tlsio_bytes b = {.v = chain->certs[i]};
        rc = tlsio_encode(&tlsio_codec_asn1_cert, &b, &list, &e->err);
    }
    tlsio_certificate12 c;
    CBS_init(&c.certificate_list, CBB_data(&list), CBB_len(&list));
    if (rc == 0) rc = tlsio_send_hs_msg(e, TLSIO_HS_CERTIFICATE, &tlsio_codec_certificate12, &c);
    CBB_cleanup(&list);
    return rc;
}

int tlsio12_take_cert_list(tls_engine *e, const tlsio_certificate12 *c, CBS *certs, size_t *n) {
    /* RFC 5246 §7.4.2: certificate_list is a sequence of ASN.1Cert, sender's first. */
    CBS list = c->certificate_list;
    tlsio_bytes one;
    int rc;
    *n = 0;
    while ((rc = tlsio_list_next(&tlsio_codec_asn1_cert, &list, &one, &e->err)) == 0) {
        if (*n == TLSIO_X509_MAX_DEPTH)
            return tlsio_err_setc(&e->err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                                  "%s Certificate: more than %d certificates",
                                  e->is_server ? "client" : "server", TLSIO_X509_MAX_DEPTH);
        certs[(*n)++] = one.v;
    }
    return rc == TLSIO_LIST_END ? 0 : rc;
}

int tlsio12_send_certificate_verify(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    /* RFC 5246 §7.4.8: the signature covers handshake_messages, every handshake message from
     * ClientHello up to but not including this one (ClientKeyExchange is the last), as the
     * bytes themselves: the scheme brings its own hash (or none, Ed25519, RFC 8422 §5.10). */
    if (hs->chain == NULL || !hs->h12.keep_msgs)
        return tlsio_err_set(&e->err, TLS_E_INTERNAL,
                             "CertificateVerify: no credential or handshake messages kept");
    return tlsio_send_certificate_verify(e, hs->chain->key, hs->sig_scheme, TLSIO_SIG_USE_TLS12,
                                         hs->h12.msgs, hs->h12.msgs_len);
}

uint16_t tlsio12_ecdsa_key_group(const tlsio_pkey *k) {
    switch (tlsio_pkey_type(k)) {
    case TLSIO_KEY_EC_P256:
        return TLSIO_GROUP_SECP256R1;
    case TLSIO_KEY_EC_P384:
        return TLSIO_GROUP_SECP384R1;
    case TLSIO_KEY_EC_P521:
        return 0x0019; /* secp521r1 */
    default:
        return 0;
    }
}

/* Each refusal is a record we send for a few bytes received (a HelloRequest is 4 bytes, many
 * fit in one record): past this many with no application data between, the peer is not
 * renegotiating but flooding (BoringSSL allows as many). */
#define MAX_REFUSED_IN_ROW 32

int tlsio12_refuse_renegotiation(tls_engine *e, const char *what) {
    if (++e->refused_in_row > MAX_REFUSED_IN_ROW)
        return tlsio_err_set(&e->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "%s: more than %d renegotiation attempts with no application data "
                             "between",
                             what, MAX_REFUSED_IN_ROW);
    return tlsio_send_alert(e, TLS_ALERT_NO_RENEGOTIATION);
}
