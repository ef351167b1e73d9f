/* Handshake pieces both protocol versions use: the peer's certificate chain, ALPN and SNI,
 * our credential and signature schemes, signing into a CertificateVerify, the check of
 * response extensions, and the end of the handshake. */
#include "hs_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the getters tls_engine_peer_* report about a verified chain: one allocation holding
 * the leaf's details, the chain's DER as the peer sent it and the issuer line. */
struct tlsio_peer_cert {
    int64_t not_before, not_after;
    uint8_t sha256[32];
    size_t n_certs;
    size_t offs[TLSIO_X509_MAX_DEPTH + 1]; /* certificate i is der[offs[i] .. offs[i + 1]) */
    const char *issuer;                    /* points behind the DER */
    uint8_t der[];
};

/* Keeps the details of a chain (replacing any earlier ones): a chain that passed our checks
 * now, or one a resumed session's original handshake verified. */
static int keep_peer_details(tls_engine *e, const CBS *certs, size_t n, int64_t not_before,
                             int64_t not_after, const uint8_t sha256[32], const char *issuer,
                             size_t issuer_len) {
    if (n > TLSIO_X509_MAX_DEPTH) n = TLSIO_X509_MAX_DEPTH; /* callers bound n already */
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += CBS_len(&certs[i]);
    struct tlsio_peer_cert *pc = malloc(sizeof(*pc) + total + issuer_len + 1);
    if (pc == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    pc->not_before = not_before;
    pc->not_after = not_after;
    memcpy(pc->sha256, sha256, sizeof(pc->sha256));
    pc->n_certs = n;
    pc->offs[0] = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(pc->der + pc->offs[i], CBS_data(&certs[i]), CBS_len(&certs[i]));
        pc->offs[i + 1] = pc->offs[i] + CBS_len(&certs[i]);
    }
    char *copy = (char *)pc->der + total;
    memcpy(copy, issuer, issuer_len);
    copy[issuer_len] = '\0';
    pc->issuer = copy;
    free(e->peer_cert);
    e->peer_cert = pc;
    return 0;
}

static int keep_peer_cert(tls_engine *e, const CBS *certs, size_t n, const tlsio_x509_leaf *leaf) {
    if (e->cfg->drop_peer_chain) n = 0; /* the identity alone (tls_config_set_keep_peer_chain) */
    return keep_peer_details(e, certs, n, leaf->not_before, leaf->not_after, leaf->sha256,
                             leaf->issuer, strlen(leaf->issuer));
}

/* ---- the peer identity in a resumption session ---------------------------------------- */

static CBS cstr(const char *s) {
    CBS c;
    CBS_init(&c, (const uint8_t *)(s != NULL ? s : ""), s != NULL ? tlsio_strlen_max(s, 255) : 0);
    return c;
}

int tlsio_peer_to_state(tls_engine *e, tlsio_sess_state *st, CBB *chain) {
    st->peer_sig_scheme = e->peer_sig_scheme;
    st->peer_subject = cstr(e->peer_subject);
    const struct tlsio_peer_cert *pc = e->peer_cert;
    st->peer_issuer = cstr(pc != NULL ? pc->issuer : NULL);
    CBS_init(&st->peer_sha256, pc != NULL ? pc->sha256 : NULL, pc != NULL ? 32 : 0);
    CBS_init(&st->peer_chain, NULL, 0);
    st->peer_chain_kept = !e->cfg->drop_peer_chain;
    if (pc == NULL) return 0;
    tlsio_sess_split((uint64_t)pc->not_before, &st->nb_hi, &st->nb_lo);
    tlsio_sess_split((uint64_t)pc->not_after, &st->na_hi, &st->na_lo);
    /* The whole chain if it fits the session's bound, else the leaf alone, else nothing (the
     * subject, issuer, validity and fingerprint still describe the leaf). */
    size_t n = pc->n_certs;
    if (pc->offs[n] + 3 * n > TLSIO_SESS_CHAIN_MAX) n = 1;
    if (pc->offs[n] + 3 * n > TLSIO_SESS_CHAIN_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        CBB cert;
        if (!CBB_add_u24_length_prefixed(chain, &cert) ||
            !CBB_add_bytes(&cert, pc->der + pc->offs[i], pc->offs[i + 1] - pc->offs[i]) ||
            !CBB_flush(chain))
            return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    }
    CBS_init(&st->peer_chain, CBB_data(chain), CBB_len(chain));
    return 0;
}

int tlsio_peer_from_state(tls_engine *e, const tlsio_sess_state *st) {
    e->peer_sig_scheme = (uint16_t)st->peer_sig_scheme;
    if (CBS_len(&st->peer_subject) == 0 && CBS_len(&st->peer_sha256) == 0) return 0;
    int rc = tlsio_engine_set_string(e, &e->peer_subject, CBS_data(&st->peer_subject),
                                     CBS_len(&st->peer_subject));
    if (rc != 0 || CBS_len(&st->peer_sha256) != 32) return rc;
    CBS certs[TLSIO_X509_MAX_DEPTH], list = st->peer_chain;
    size_t n = 0;
    while (n < TLSIO_X509_MAX_DEPTH && CBS_get_u24_length_prefixed(&list, &certs[n]))
        n++;
    return keep_peer_details(e, certs, n, (int64_t)tlsio_sess_u64(st->nb_hi, st->nb_lo),
                             (int64_t)tlsio_sess_u64(st->na_hi, st->na_lo),
                             CBS_data(&st->peer_sha256), (const char *)CBS_data(&st->peer_issuer),
                             CBS_len(&st->peer_issuer));
}

const char *tls_engine_peer_issuer(const tls_engine *e) {
    return e->peer_cert != NULL ? e->peer_cert->issuer : NULL;
}

int tls_engine_peer_validity(const tls_engine *e, int64_t *not_before, int64_t *not_after) {
    if (e->peer_cert == NULL) return TLS_E_USAGE;
    if (not_before != NULL) *not_before = e->peer_cert->not_before;
    if (not_after != NULL) *not_after = e->peer_cert->not_after;
    return 0;
}

const uint8_t *tls_engine_peer_cert_sha256(const tls_engine *e) {
    return e->peer_cert != NULL ? e->peer_cert->sha256 : NULL;
}

const uint8_t *tls_engine_peer_chain(const tls_engine *e, size_t i, size_t *len) {
    if (len != NULL) *len = 0;
    if (e->peer_cert == NULL || i >= e->peer_cert->n_certs) return NULL;
    if (len != NULL) *len = e->peer_cert->offs[i + 1] - e->peer_cert->offs[i];
    return e->peer_cert->der + e->peer_cert->offs[i];
}

const uint8_t *tls_engine_requested_ca_name(const tls_engine *e, size_t i, size_t *len) {
    if (len != NULL) *len = 0;
    if (e == NULL || e->req_ca_names == NULL) return NULL;
    CBS list, name;
    CBS_init(&list, e->req_ca_names, e->req_ca_names_len);
    for (size_t k = 0; CBS_get_u16_length_prefixed(&list, &name); k++)
        if (k == i) {
            if (len != NULL) *len = CBS_len(&name);
            return CBS_data(&name);
        }
    return NULL;
}

const uint8_t *tls_engine_requested_cert_types(const tls_engine *e, size_t *len) {
    if (len != NULL) *len = e != NULL ? e->req_cert_types_len : 0;
    return e != NULL ? e->req_cert_types : NULL;
}

/* *dst becomes a copy of src (NULL when src is empty): the message goes away after this. */
static int keep_copy(tls_engine *e, uint8_t **dst, size_t *dst_len, const CBS *src) {
    free(*dst);
    *dst = NULL;
    *dst_len = 0;
    if (CBS_len(src) == 0) return 0;
    *dst = malloc(CBS_len(src));
    if (*dst == NULL)
        return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory keeping the CertificateRequest");
    memcpy(*dst, CBS_data(src), CBS_len(src));
    *dst_len = CBS_len(src);
    return 0;
}

int tlsio_client_keep_request(tls_engine *e, const CBS *cert_types, const CBS *names) {
    /* At most 255 type bytes and 65535 name bytes: the fields' bounds in the codec. */
    CBS none;
    CBS_init(&none, NULL, 0);
    int rc = keep_copy(e, &e->req_cert_types, &e->req_cert_types_len,
                       cert_types != NULL ? cert_types : &none);
    return rc != 0 ? rc : keep_copy(e, &e->req_ca_names, &e->req_ca_names_len, names);
}

/* tlsio's own checks: chain to a trust anchor, validity, key usage, host name. */
static int own_checks(tls_engine *e, const CBS *certs, size_t n) {
    const char *who = e->is_server ? "client" : "server";
    tlsio_cert_purpose purpose = e->is_server ? TLSIO_PURPOSE_CLIENT : TLSIO_PURPOSE_SERVER;
    /* A server verifies client chains against its client CAs only, never the anchors a
     * client uses for servers (tls_config_add_client_ca_*). */
    const tlsio_trust *trust = e->is_server ? e->cfg->client_trust : e->cfg->trust;
    /* Bytes that are no certificate are a decode error whatever we trust. */
    if (trust == NULL && tlsio_x509_check_der(certs, n, purpose, &e->err) != 0) return e->err.code;
    if (trust == NULL && e->is_server)
        return tlsio_err_setc(&e->err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNKNOWN_CA,
                              "client certificate cannot be verified: no client CA is configured "
                              "(tls_config_add_client_ca_*)");
    if (trust == NULL)
        return tlsio_err_setc(
            &e->err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNKNOWN_CA,
            "%s certificate cannot be verified: no trust anchors are configured%s%s", who,
            e->cfg->trust_err.msg[0] ? ": " : "", e->cfg->trust_err.msg);
    /* Without tls_engine_set_time, the config's clock (tls_config_set_clock) tells the time. */
    if (!e->have_now && !e->have_bad_now && e->cfg->clock != NULL) {
        int64_t ms = e->cfg->clock(e->cfg->clock_arg);
        if (tlsio_engine_set_now(e, ms / 1000) != 0) e->bad_now = ms;
    }
    if (!e->have_now && e->have_bad_now) {
        int64_t t = e->bad_now;
        const char *hint = "";
        if (t / 1000 >= INT64_C(946684800) && t / 1000 <= INT64_C(32503680000))
            hint = " (it looks like milliseconds)";
        else if (t / 1000000 >= INT64_C(946684800) && t / 1000000 <= INT64_C(32503680000))
            hint = " (it looks like microseconds)";
        return tlsio_err_set(&e->err, TLS_E_USAGE,
                             "%s certificate cannot be verified: the clock is wrong: "
                             "tls_engine_set_time was given %lld, which is not a time in Unix "
                             "seconds between 2000 and 3000%s",
                             who, (long long)t, hint);
    }
    if (!e->have_now)
        return tlsio_err_set(&e->err, TLS_E_USAGE,
                             "%s certificate cannot be verified: the current time was not given "
                             "(tls_engine_set_time)",
                             who);
    /* One parse of the leaf gives the chain and host checks, the key and the subject. */
    tlsio_x509_leaf leaf;
    int rc = tlsio_x509_verify_chain_leaf(trust, certs, n, e->is_server ? NULL : e->server_name,
                                          purpose, e->now, &leaf, &e->err);
    if (rc != 0) return rc;
    tlsio_pkey_free(e->hs->peer_key);
    e->hs->peer_key = leaf.key;
    rc = tlsio_engine_set_string(e, &e->peer_subject, (const uint8_t *)leaf.subject,
                                 strlen(leaf.subject));
    if (rc == 0) rc = keep_peer_cert(e, certs, n, &leaf);
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
        if (n > 255)
            return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                                 "ClientHello.server_name: host_name of %zu bytes (at most 255)",
                                 n);
        /* RFC 6066 §3: a DNS hostname in ASCII. Only letters, digits, '-', '_' and '.' are
         * taken: a name with control bytes, UTF-8 or escapes is refused here, so the name an
         * application logs or compares is plain ASCII. */
        const uint8_t *h = CBS_data(&sn.host_name);
        for (size_t i = 0; i < n; i++) {
            uint8_t c = h[i];
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.';
            if (!ok)
                return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                                     "ClientHello.server_name: byte 0x%02x at offset %zu of the "
                                     "host_name is not a hostname character (letters, digits, "
                                     "'-', '_', '.')",
                                     c, i);
        }
        free(e->server_name);
        e->server_name = malloc(n + 1);
        if (e->server_name == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
        memcpy(e->server_name, CBS_data(&sn.host_name), n);
        e->server_name[n] = '\0';
    }
    return rc == TLSIO_LIST_END ? 0 : rc;
}

/* The hook's choice (core.h): the index-th name of the client's list, none, or a refusal. */
static int hook_alpn(tls_engine *e, const CBS *offered) {
    const tls_config *cfg = e->cfg;
    int k = cfg->alpn_select(cfg->alpn_select_arg, CBS_data(offered), CBS_len(offered));
    if (k == TLS_ALPN_NONE) return 0;
    CBS list = *offered, name;
    for (int i = 0; k >= 0 && CBS_get_u8_length_prefixed(&list, &name); i++) {
        if (i != k) continue;
        /* Names are opaque bytes (RFC 7301 §3.1), but ours are C strings: one with a NUL
         * would go out cut short, naming a protocol the client may not have offered. */
        if (memchr(CBS_data(&name), 0, CBS_len(&name)) != NULL)
            return tlsio_err_set(&e->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,
                                 "ClientHello.alpn: the ALPN hook chose protocol %d, which "
                                 "contains a NUL byte",
                                 k);
        return tlsio_engine_set_string(e, &e->alpn, CBS_data(&name), CBS_len(&name));
    }
    if (k >= 0)
        return tlsio_err_set(&e->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,
                             "ClientHello.alpn: the ALPN hook chose protocol %d of the client's "
                             "list, which has fewer",
                             k);
    return tlsio_err_set(&e->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,
                         "ClientHello.alpn: the ALPN hook refused every protocol offered");
}

int tlsio_server_choose_alpn(tls_engine *e, const tlsio_exts *x) {
    if (!tlsio_exts_has(x, TLSIO_EXT_ALPN)) return 0;
    if (e->cfg->alpn_select != NULL) return hook_alpn(e, &x->alpn);
    if (e->cfg->alpn_len == 0) return 0;
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

/* ---- the client's credential for a CertificateRequest ------------------------------- */

/* RFC 5246 §7.4.4 ClientCertificateType and RFC 8422 §5.5's additions. */
#define CERT_TYPE_RSA_SIGN   1
#define CERT_TYPE_ECDSA_SIGN 64

static const char *cert_type_name(uint8_t t) {
    switch (t) {
    case 1:
        return "rsa_sign";
    case 2:
        return "dss_sign";
    case 3:
        return "rsa_fixed_dh";
    case 4:
        return "dss_fixed_dh";
    case 64:
        return "ecdsa_sign";
    case 65:
        return "rsa_fixed_ecdh";
    case 66:
        return "ecdsa_fixed_ecdh";
    default:
        return NULL;
    }
}

/* Whether a signing key of k's type is one of the requested certificate types: rsa_sign
 * takes an RSA key (RFC 5246 §7.4.4); ecdsa_sign an ECDSA- or EdDSA-capable key (RFC 8422
 * §5.5). The fixed (EC)DH types need a key-agreement certificate, which tlsio never has. */
static int key_fits_cert_types(const tlsio_pkey *k, const CBS *types) {
    CBS t = *types;
    uint8_t v;
    tlsio_key_type kt = tlsio_pkey_type(k);
    while (CBS_get_u8(&t, &v)) {
        if (v == CERT_TYPE_RSA_SIGN && kt == TLSIO_KEY_RSA) return 1;
        if (v == CERT_TYPE_ECDSA_SIGN && (kt == TLSIO_KEY_EC_P256 || kt == TLSIO_KEY_EC_P384 ||
                                          kt == TLSIO_KEY_EC_P521 || kt == TLSIO_KEY_ED25519))
            return 1;
    }
    return 0;
}

/* snprintf at the end of what buf holds; a full buffer just stays truncated. */
static void append(char *buf, size_t cap, const char *fmt, ...) TLSIO_PRINTF(3, 4);
static void append(char *buf, size_t cap, const char *fmt, ...) {
    size_t used = strlen(buf);
    if (used + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

/* "RSA-2048", "ECDSA P-256 and Ed25519": the keys of the chains marked in use_chain.
 * Returns how many. */
static size_t describe_keys(const tls_config *cfg, const unsigned char *use_chain, char *buf,
                            size_t cap) {
    buf[0] = '\0';
    size_t n = 0, total = 0;
    for (size_t i = 0; i < cfg->n_chains; i++)
        total += use_chain[i];
    for (size_t i = 0; i < cfg->n_chains; i++) {
        if (!use_chain[i]) continue;
        const tlsio_pkey *k = cfg->chains[i].key;
        append(buf, cap, "%s", n == 0 ? "" : n + 1 == total ? " and " : ", ");
        if (tlsio_pkey_type(k) == TLSIO_KEY_RSA)
            append(buf, cap, "RSA-%u", tlsio_pkey_bits(k));
        else
            append(buf, cap, "%s", tlsio_key_type_name(tlsio_pkey_type(k)));
        n++;
    }
    return n;
}

/* The server's list for a sentence: names where we know them, at most 5, then "...". */
static void describe_schemes(const tlsio_hs *hs, char *buf, size_t cap) {
    buf[0] = '\0';
    size_t n = hs->n_peer_sigalgs;
    for (size_t i = 0; i < n && i < 5; i++)
        append(buf, cap, "%s%s", i ? ", " : "", tlsio_sig_scheme_name(hs->peer_sigalgs[i]));
    if (n > 5) append(buf, cap, ", ...");
    if (n == 0) append(buf, cap, "nothing tlsio knows");
    if (hs->n_peer_sigalgs_other > 0)
        append(buf, cap, " (and %zu unknown)", hs->n_peer_sigalgs_other);
}

static void describe_cert_types(const CBS *types, char *buf, size_t cap) {
    buf[0] = '\0';
    CBS t = *types;
    uint8_t v;
    for (int i = 0; CBS_get_u8(&t, &v); i++) {
        const char *name = cert_type_name(v);
        append(buf, cap, "%s", i ? ", " : "");
        if (name != NULL)
            append(buf, cap, "%s", name);
        else
            append(buf, cap, "%u", v);
    }
}

/* Whether chain c lies under one of the CAs the server named (RFC 8446 §4.2.4, RFC 5246
 * §7.4.4): one of its certificates is issued by a named CA or is one. Names compare as DER
 * bytes, as they are sent. No names (the server sent none): any chain will do.
 * The server controls the list (up to 21,844 names in 64 KiB): it is walked once per chain,
 * and a name is compared only when its length is one of the chain's name lengths (a bitmap
 * of the 16-bit length space), so tiny or odd-sized names cost one bit test each. */
static int chain_named(const tlsio_chain *c, const uint8_t *names, size_t names_len) {
    if (names == NULL || names_len == 0) return 1;
    CBS ours[2 * TLSIO_MAX_CHAIN_LEN];
    size_t n = 0;
    uint8_t lens[65536 / 8];
    memset(lens, 0, sizeof(lens));
    for (size_t i = 0; i < c->n_certs && i < TLSIO_MAX_CHAIN_LEN; i++) {
        if (!tlsio_cert_names(&c->certs[i], &ours[n], &ours[n + 1])) continue;
        for (size_t k = n; k < n + 2; k++)
            if (CBS_len(&ours[k]) <= 0xffff)
                lens[CBS_len(&ours[k]) >> 3] |= (uint8_t)(1u << (CBS_len(&ours[k]) & 7));
        n += 2;
    }
    CBS list, name;
    CBS_init(&list, names, names_len);
    while (CBS_get_u16_length_prefixed(&list, &name)) {
        size_t len = CBS_len(&name);
        if (!(lens[len >> 3] & (1u << (len & 7)))) continue;
        for (size_t k = 0; k < n; k++)
            if (CBS_len(&ours[k]) == len && memcmp(CBS_data(&name), CBS_data(&ours[k]), len) == 0)
                return 1;
    }
    return 0;
}

int tlsio_client_choose_credential(tls_engine *e, const CBS *cert_types) {
    tlsio_hs *hs = e->hs;
    const tls_config *cfg = e->cfg;
    tlsio_sig_use use = cert_types != NULL ? TLSIO_SIG_USE_TLS12 : TLSIO_SIG_USE_TLS13;
    hs->chain = NULL;
    hs->sig_scheme = 0;
    /* RFC 8446 §4.4.2.3 / RFC 5246 §7.4.6: with no certificate at all the client answers
     * with an empty Certificate and the server decides. */
    if (cfg->n_chains == 0) return 0;
    unsigned char fits_type[TLSIO_MAX_CHAINS];
    int any_type = 0, usable = 0;
    for (size_t i = 0; i < cfg->n_chains; i++) {
        const tlsio_chain *c = &cfg->chains[i];
        fits_type[i] =
            (unsigned char)(cert_types == NULL || key_fits_cert_types(c->key, cert_types));
        any_type |= fits_type[i];
        uint16_t scheme;
        /* The server's list is in its order of preference (RFC 5246 §7.4.4, RFC 8446
         * §4.2.3); tlsio_choose_sig_scheme follows it, or our own list when the application
         * set one, and keeps to what tlsio allows for this version (no SHA-1 anywhere, no
         * rsa_pkcs1 in TLS 1.3, curve-bound ECDSA in TLS 1.3). */
        if (fits_type[i] && tlsio_choose_sig_scheme(e, c->key, use, &scheme)) {
            usable = 1;
            if (!chain_named(c, e->req_ca_names, e->req_ca_names_len)) continue;
            hs->chain = c;
            hs->sig_scheme = scheme;
            return 0;
        }
    }
    /* Chains that could answer, none under a CA the server named: an empty Certificate
     * (RFC 8446 §4.4.2.3, RFC 5246 §7.4.6). The server decides; it would refuse a chain it
     * cannot verify anyway, and one that makes certificates optional goes on without. */
    if (usable) return 0;
    /* A certificate is configured but none can answer this request. RFC 5246 §7.4.6 and
     * RFC 8446 §4.4.2.3 would allow an empty Certificate; tlsio fails instead, as BoringSSL
     * does: the application asked to authenticate, and going on anonymously would turn a
     * configuration mismatch into an anonymous connection or a vaguer failure later. */
    char ours[96], theirs[160];
    unsigned char all[TLSIO_MAX_CHAINS];
    memset(all, 1, sizeof(all));
    if (!any_type) {
        size_t n = describe_keys(cfg, all, ours, sizeof(ours));
        describe_cert_types(cert_types, theirs, sizeof(theirs));
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "CertificateRequest.certificate_types: the server accepts %s; our "
                             "%s key%s fit%s none of them",
                             theirs, ours, n > 1 ? "s" : "", n > 1 ? "" : "s");
    }
    size_t n = describe_keys(cfg, fits_type, ours, sizeof(ours));
    describe_schemes(hs, theirs, sizeof(theirs));
    return tlsio_err_set(
        &e->err, TLS_ALERT_HANDSHAKE_FAILURE,
        "CertificateRequest.%s: the server accepts %s; our %s key%s can sign "
        "with none of them in TLS %s%s",
        cert_types != NULL ? "supported_signature_algorithms" : "signature_algorithms", theirs,
        ours, n > 1 ? "s" : "", cert_types != NULL ? "1.2" : "1.3", tlsio_sign_list_hint(cfg));
}

/* ---- signature schemes, signing --------------------------------------------------------- */

size_t tlsio_our_sigalgs(const tls_config *cfg, int tls13, uint8_t out[2 * TLSIO_MAX_SIGALGS]) {
    size_t len = 0;
    /* Pass 0: every scheme (or, for TLS 1.3, all but rsa_pkcs1_*); pass 1: rsa_pkcs1_* last. */
    for (int pass = 0; pass < (tls13 ? 2 : 1); pass++) {
        for (size_t i = 0; i < cfg->n_sigalgs; i++) {
            uint16_t s = cfg->sigalgs[i];
            int pkcs1 = !tlsio_sig_scheme_allowed(s, TLSIO_SIG_USE_TLS13);
            if (tls13 && pkcs1 != pass) continue;
            out[len++] = (uint8_t)(s >> 8);
            out[len++] = (uint8_t)s;
        }
    }
    return len;
}

int tlsio_cfg_has_sigalg(const tls_config *cfg, uint16_t scheme) {
    for (size_t i = 0; i < cfg->n_sigalgs; i++)
        if (cfg->sigalgs[i] == scheme) return 1;
    return 0;
}

static int peer_offers(const tlsio_hs *hs, uint16_t scheme) {
    for (size_t i = 0; i < hs->n_peer_sigalgs; i++)
        if (hs->peer_sigalgs[i] == scheme) return 1;
    return 0;
}

const char *tlsio_sign_list_hint(const tls_config *cfg) {
    if (cfg->n_sign_sigalgs > 0) return " within our configured signing schemes";
    return cfg->sigalgs_set ? " within our configured signature schemes" : "";
}

int tlsio_choose_sig_scheme(const tls_engine *e, const tlsio_pkey *k, tlsio_sig_use use,
                            uint16_t *out) {
    const tls_config *cfg = e->cfg;
    const tlsio_hs *hs = e->hs;
    *out = 0;
    /* Our order when the application gave one: the signing list, else the accept list. */
    const uint16_t *ours = cfg->n_sign_sigalgs > 0 ? cfg->sign_sigalgs : cfg->sigalgs;
    size_t n_ours = cfg->n_sign_sigalgs > 0 ? cfg->n_sign_sigalgs : cfg->n_sigalgs;
    if (cfg->n_sign_sigalgs > 0 || cfg->sigalgs_set) {
        /* tlsio_sig_key_supports applies the version rules: never SHA-1, no rsa_pkcs1_* in
         * TLS 1.3, a TLS 1.3 ECDSA scheme names the key's curve (RFC 8446 §4.2.3). */
        for (size_t i = 0; i < n_ours; i++) {
            if (peer_offers(hs, ours[i]) && tlsio_sig_key_supports(k, ours[i], use)) {
                *out = ours[i];
                return 1;
            }
        }
        return 0;
    }
    for (size_t i = 0; i < hs->n_peer_sigalgs; i++) {
        if (tlsio_sig_key_supports(k, hs->peer_sigalgs[i], use)) {
            *out = hs->peer_sigalgs[i];
            return 1;
        }
    }
    return 0;
}

void tlsio_save_peer_sigalgs(tls_engine *e, const CBS *list) {
    /* The whole list, however long (up to 32,767 entries): only schemes tlsio can name can
     * ever be chosen, so those are kept, once each, in the peer's order. Linear: one lookup
     * in the 15-entry scheme table per entry. */
    tlsio_hs *hs = e->hs;
    CBS c = *list;
    uint16_t v;
    hs->n_peer_sigalgs = 0;
    hs->n_peer_sigalgs_other = 0;
    uint32_t seen = 0;
    while (CBS_get_u16(&c, &v)) {
        int i = tlsio_sig_scheme_index(v);
        if (i < 0) {
            hs->n_peer_sigalgs_other++;
        } else if (!(seen & (UINT32_C(1) << i))) {
            seen |= UINT32_C(1) << i;
            hs->peer_sigalgs[hs->n_peer_sigalgs++] = v;
        }
    }
}

int tlsio_hs_sign(tls_engine *e, const tlsio_pkey *key, uint16_t scheme, tlsio_sig_use use,
                  const uint8_t *content, size_t n, CBB *sig) {
    if (!CBB_init(sig, tlsio_sig_max_len(key)))
        return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    return tlsio_sig_sign(key, scheme, use, content, n, sig, &e->err);
}

int tlsio_send_certificate_verify(tls_engine *e, const tlsio_pkey *key, uint16_t scheme,
                                  tlsio_sig_use use, const uint8_t *content, size_t n) {
    CBB sig;
    int rc = tlsio_hs_sign(e, key, scheme, use, content, n, &sig);
    if (rc == 0) {
        /* RFC 8446 §4.4.3 / RFC 5246 §7.4.8: the algorithm, then the signature<0..2^16-1>. */
        tlsio_certificate_verify cv;
        cv.algorithm = scheme;
        CBS_init(&cv.signature, CBB_data(&sig), CBB_len(&sig));
        rc =
            tlsio_send_hs_msg(e, TLSIO_HS_CERTIFICATE_VERIFY, &tlsio_codec_certificate_verify, &cv);
    }
    CBB_cleanup(&sig);
    return rc;
}

/* ---- responses, the end ----------------------------------------------------------------- */

int tlsio_check_response_exts(tls_engine *e, const tlsio_exts *x, uint32_t allowed,
                              const char *msg) {
    uint32_t extra = x->present & ~allowed;
    if (extra == 0) return 0;
    int id = 0;
    while (!(extra & TLSIO_EXT_BIT(id)))
        id++;
    const char *name = tlsio_ext_name(tlsio_ext_type_of((tlsio_ext_id)id));
    return tlsio_err_set(&e->err, TLS_ALERT_UNSUPPORTED_EXTENSION,
                         "%s: %s extension was not requested", msg, name ? name : "?");
}

void tlsio_handshake_done(tls_engine *e) {
    e->connected = 1;
    tlsio_hs_state_free(e);
}
