/* The peer's certificate chain and ALPN answer, checked the same way in TLS 1.3 and 1.2. */
#include "hs_peer.h"

#include <stdlib.h>
#include <string.h>

/* tlsio's own checks: chain to a trust anchor, validity, key usage, host name. */
static int own_checks(tls_engine *e, const CBS *certs, size_t n) {
    const char *who = e->is_server ? "client" : "server";
    tlsio_cert_purpose purpose = e->is_server ? TLSIO_PURPOSE_CLIENT : TLSIO_PURPOSE_SERVER;
    /* Bytes that are no certificate are a decode error whatever we trust. */
    if (e->cfg->trust == NULL && tlsio_x509_check_der(certs, n, purpose, &e->err) != 0)
        return e->err.code;
    if (e->cfg->trust == NULL)
        return tlsio_err_setc(
            &e->err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNKNOWN_CA,
            "%s certificate cannot be verified: no trust anchors are configured%s%s", who,
            e->cfg->trust_err.msg[0] ? ": " : "", e->cfg->trust_err.msg);
    if (!e->have_now)
        return tlsio_err_set(&e->err, TLS_E_USAGE,
                             "%s certificate cannot be verified: the current time was not given "
                             "(tls_engine_set_time)",
                             who);
    /* One parse of the leaf gives the chain and host checks, the key and the subject. */
    tlsio_x509_leaf leaf;
    int rc =
        tlsio_x509_verify_chain_leaf(e->cfg->trust, certs, n, e->is_server ? NULL : e->server_name,
                                     purpose, e->now, &leaf, &e->err);
    if (rc != 0) return rc;
    tlsio_pkey_free(e->hs->peer_key);
    e->hs->peer_key = leaf.key;
    rc = tlsio_engine_set_string(e, &e->peer_subject, (const uint8_t *)leaf.subject,
                                 strlen(leaf.subject));
    return rc;
}

/* The application's peer check (tls_config_set_peer_check): told the verdict of ours, it may
 * refuse a chain we accepted, never accept one we refused. */
static int application_check(tls_engine *e, const CBS *certs, size_t n, int verdict) {
    const uint8_t *der[TLSIO_X509_MAX_DEPTH];
    size_t lens[TLSIO_X509_MAX_DEPTH];
    if (n > TLSIO_X509_MAX_DEPTH) n = TLSIO_X509_MAX_DEPTH; /* callers bound n already */
    for (size_t i = 0; i < n; i++) {
        der[i] = CBS_data(&certs[i]);
        lens[i] = CBS_len(&certs[i]);
    }
    tls_peer_check_info info = {e->is_server, verdict, e->server_name, n, der, lens};
    int answer = e->cfg->peer_check(e->cfg->peer_check_arg, &info);
    if (verdict != 0 || answer == 0) return verdict;
    if (answer < 1 || answer > 255) answer = TLS_ALERT_CERTIFICATE_UNKNOWN;
    return tlsio_err_setc(&e->err, TLS_ERRCAT_CERTIFICATE, answer,
                          "%s certificate refused by the application's peer check (%s)",
                          e->is_server ? "client" : "server", tls_error_code_name(answer));
}

int tlsio_verify_peer_chain(tls_engine *e, const CBS *certs, size_t n) {
    if (n == 0)
        return tlsio_err_set(&e->err, TLS_ALERT_DECODE_ERROR, "%s Certificate: empty list",
                             e->is_server ? "client" : "server");
    int rc = own_checks(e, certs, n);
    if (e->cfg->peer_check == NULL) return rc;
    return application_check(e, certs, n, rc);
}

int tlsio_take_alpn_answer(tls_engine *e, const CBS *list, const char *msg) {
    CBS l = *list, name;
    if (!CBS_get_u8_length_prefixed(&l, &name) || CBS_len(&l) != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s.alpn: must name exactly one protocol", msg);
    CBS ours, o;
    CBS_init(&ours, e->cfg->alpn, e->cfg->alpn_len);
    while (CBS_get_u8_length_prefixed(&ours, &o)) {
        if (CBS_len(&o) == CBS_len(&name) && CBS_mem_equal(&o, CBS_data(&name), CBS_len(&name))) {
            return tlsio_engine_set_string(e, &e->alpn, CBS_data(&name), CBS_len(&name));
        }
    }
    return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER, "%s.alpn: '%.*s' was not offered",
                         msg, (int)CBS_len(&name), (const char *)CBS_data(&name));
}

int tlsio_server_take_sni(tls_engine *e, const tlsio_exts *x) {
    if (!tlsio_exts_has(x, TLSIO_EXT_SERVER_NAME)) return 0;
    CBS list = x->server_name_list;
    tlsio_server_name sn;
    int rc, n_host = 0;
    while ((rc = tlsio_list_next(&tlsio_codec_server_name, &list, &sn, &e->err)) == 0) {
        if (sn.name_type != 0) continue;
        if (n_host++ > 0)
            return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                                 "ClientHello.server_name: more than one host_name");
        size_t n = CBS_len(&sn.host_name);
        if (n > 255 || memchr(CBS_data(&sn.host_name), 0, n) != NULL)
            return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                                 "ClientHello.server_name: malformed host_name");
        free(e->server_name);
        e->server_name = malloc(n + 1);
        if (e->server_name == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
        memcpy(e->server_name, CBS_data(&sn.host_name), n);
        e->server_name[n] = '\0';
    }
    return rc == TLSIO_LIST_END ? 0 : rc;
}

int tlsio_server_choose_alpn(tls_engine *e, const tlsio_exts *x) {
    if (!tlsio_exts_has(x, TLSIO_EXT_ALPN) || e->cfg->alpn_len == 0) return 0;
    CBS ours, o;
    CBS_init(&ours, e->cfg->alpn, e->cfg->alpn_len);
    while (CBS_get_u8_length_prefixed(&ours, &o)) {
        CBS theirs = x->alpn, t;
        while (CBS_get_u8_length_prefixed(&theirs, &t)) {
            if (CBS_len(&t) == CBS_len(&o) && CBS_mem_equal(&t, CBS_data(&o), CBS_len(&o))) {
                return tlsio_engine_set_string(e, &e->alpn, CBS_data(&o), CBS_len(&o));
            }
        }
    }
    return tlsio_err_set(&e->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,
                         "ClientHello.alpn: no protocol in common with ours");
}
