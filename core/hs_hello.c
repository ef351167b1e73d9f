/* Version negotiation and the ClientHello, for both versions: the client's ClientHello
 * (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2), what it offered, its checks of a TLS 1.2
 * ServerHello (the version decision: RFC 8446 §4.1.3), and the server's version choice. The
 * tables (hs13_client.c, hs12_client.c, hs13_server.c) pick the next state. */
#include "hs_hello.h"

#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

#include "hs12.h"
#include "hs13.h"
#include "hs_common.h"
#include "resume.h"

/* ---- the ClientHello --------------------------------------------------------------------- */

/* Byte strings a ClientHello points into while it is encoded. */
typedef struct ch_parts {
    uint8_t suites[2 * TLSIO_MAX_SUITES];
    uint8_t groups[2 * TLSIO_MAX_GROUPS];
    uint8_t versions[4];
    uint8_t compression[1];
    uint8_t key_share[4 + 2 + TLSIO_KEX_MAX_PUBLIC_LEN];
    uint8_t sni[5 + 256];
    uint8_t sigalgs[2 * TLSIO_MAX_SIGALGS];
} ch_parts;

static size_t put_u16s(uint8_t *out, const uint16_t *v, size_t n, uint16_t version_filter) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (version_filter) {
            const tlsio_suite *s = tlsio_suite_find(v[i]);
            if (s == NULL || s->version != version_filter) continue;
        }
        out[len++] = (uint8_t)(v[i] >> 8);
        out[len++] = (uint8_t)v[i];
    }
    return len;
}

/* Encodes one element with a codec into a fixed buffer; returns its length in *len. */
static int encode_into(tls_engine *e, const tlsio_codec *c, const void *in, uint8_t *buf,
                       size_t cap, size_t *len) {
    CBB cbb;
    if (!CBB_init_fixed(&cbb, buf, cap)) return tlsio_err_set(&e->err, TLS_E_INTERNAL, "CBB");
    int rc = tlsio_encode(c, in, &cbb, &e->err);
    if (rc == 0 && !CBB_finish(&cbb, NULL, len)) rc = TLS_E_INTERNAL;
    if (rc != 0) CBB_cleanup(&cbb);
    return rc;
}

static int push(tls_engine *e, tlsio_exts *x, tlsio_ext_id id) {
    return tlsio_exts_push(x, id, &e->err);
}

/* cipher_suites and supported_versions: TLS 1.3 first, then TLS 1.2, as configured. */
static int ch_versions(tls_engine *e, ch_parts *p, tlsio_client_hello *ch) {
    const tls_config *cfg = e->cfg;
    size_t n = 0, nv = 0;
    uint16_t versions[2];
    /* A version is offered only with a suite for it (tlsio_cfg_offers_version): listing
     * TLS 1.3 without a TLS 1.3 suite would make a TLS 1.3 server answer TLS 1.2 with the
     * RFC 8446 §4.1.3 downgrade sentinel. */
    if (tlsio_cfg_offers_version(cfg, TLS_VERSION_1_3)) {
        n += put_u16s(p->suites, cfg->suites, cfg->n_suites, TLS_VERSION_1_3);
        versions[nv++] = TLS_VERSION_1_3;
    }
    if (tlsio_cfg_offers_version(cfg, TLS_VERSION_1_2)) {
        n += put_u16s(p->suites + n, cfg->suites, cfg->n_suites, TLS_VERSION_1_2);
        versions[nv++] = TLS_VERSION_1_2;
    }
    if (n == 0)
        return tlsio_err_set(&e->err, TLS_E_USAGE,
                             "no cipher suite is configured for the enabled versions");
    CBS_init(&ch->cipher_suites, p->suites, n);
    CBS_init(&ch->extensions.supported_versions, p->versions,
             put_u16s(p->versions, versions, nv, 0));
    return tlsio_exts_push(&ch->extensions, TLSIO_EXT_SUPPORTED_VERSIONS, &e->err);
}

/* RFC 6066 §3: SNI carries DNS names only, never IP literals. */
static int ch_server_name(tls_engine *e, ch_parts *p, tlsio_exts *x) {
    if (tlsio_host_is_ip_literal(e->server_name)) return 0;
    tlsio_server_name sn = {.name_type = 0};
    CBS_init(&sn.host_name, (const uint8_t *)e->server_name, strlen(e->server_name));
    size_t len = 0;
    int rc = encode_into(e, &tlsio_codec_server_name, &sn, p->sni, sizeof(p->sni), &len);
    CBS_init(&x->server_name_list, p->sni, len);
    return rc ? rc : push(e, x, TLSIO_EXT_SERVER_NAME);
}

/* RFC 8446 §4.2.8: one share, for our first group (or the group a HelloRetryRequest named). */
static int ch_key_share(tls_engine *e, ch_parts *p, tlsio_exts *x) {
    tlsio_key_share_entry ks = {.group = e->hs->kex.group};
    size_t pub_len = 0, ks_len = 0;
    const uint8_t *pub = tlsio_kex_public(&e->hs->kex, &pub_len);
    CBS_init(&ks.key_exchange, pub, pub_len);
    int rc = encode_into(e, &tlsio_codec_key_share_entry, &ks, p->key_share, sizeof(p->key_share),
                         &ks_len);
    CBS_init(&x->key_share_client_shares, p->key_share, ks_len);
    return rc ? rc : push(e, x, TLSIO_EXT_KEY_SHARE);
}

/* What a TLS 1.2 server needs to hear: uncompressed points (RFC 8422 §5.1.2), the extended
 * master secret (RFC 7627) and secure renegotiation indication (RFC 5746 §3.4, empty). */
static int ch_tls12_exts(tls_engine *e, tlsio_exts *x) {
    static const uint8_t uncompressed[] = {0};
    CBS_init(&x->ec_point_formats, uncompressed, 1);
    CBS_init(&x->renegotiation_info, NULL, 0);
    int rc = push(e, x, TLSIO_EXT_EC_POINT_FORMATS);
    if (rc == 0) rc = push(e, x, TLSIO_EXT_EXTENDED_MASTER_SECRET);
    return rc ? rc : push(e, x, TLSIO_EXT_RENEGOTIATION_INFO);
}

/* RFC 5077 §3.4: offering a TLS 1.2 session's ticket, a client sends a session id, which
 * the server echoes when it accepts the ticket: that echo is how we tell a resumption. A
 * fresh random one; when TLS 1.3 is also offered, the middlebox compatibility id (RFC 8446
 * D.4) is already 32 random bytes and serves both. Without a session we still ask for a
 * ticket (an empty extension, RFC 5077 §3.2) unless resumption is off for this config. */
static void ch_ticket12_start(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    const tls_config *cfg = e->cfg;
    hs->h12.offered = tlsio_resume_offerable(e, TLS_VERSION_1_2);
    hs->h12.ticket_ext = hs->h12.offered || (tlsio_cfg_offers_version(cfg, TLS_VERSION_1_2) &&
                                             cfg->session_cache_size > 0);
    if (hs->h12.offered && hs->session_id_len == 0) {
        hs->session_id_len = 32;
        tlsio_rng_bytes(&cfg->rng, hs->session_id, 32);
    }
}

/* RFC 5077 §3.2: session_ticket carries the ticket we offer, or nothing to ask for one. */
static int ch_ticket12(tls_engine *e, tlsio_exts *x) {
    if (!e->hs->h12.ticket_ext) return 0;
    const tls_session *s = e->hs->h12.offered ? e->offer : NULL;
    CBS_init(&x->session_ticket, s != NULL ? CBS_data(&s->ticket) : NULL,
             s != NULL ? CBS_len(&s->ticket) : 0);
    return push(e, x, TLSIO_EXT_SESSION_TICKET);
}

int tlsio_send_client_hello(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    tls_config *cfg = e->cfg;
    ch_parts p;
    tlsio_client_hello ch;
    memset(&ch, 0, sizeof(ch));
    ch.legacy_version = TLS_VERSION_1_2; /* RFC 8446 §4.1.2 */
    CBS_init(&ch.random, hs->client_random, 32);
    CBS_init(&ch.legacy_session_id, hs->session_id, hs->session_id_len);
    p.compression[0] = 0;
    CBS_init(&ch.legacy_compression_methods, p.compression, 1);
    tlsio_exts *x = &ch.extensions;
    int rc = ch_server_name(e, &p, x);
    for (size_t i = 0; i < cfg->n_groups; i++)
        hs->offered_groups[i] = cfg->groups[i];
    hs->n_offered_groups = cfg->n_groups;
    CBS_init(&x->supported_groups, p.groups, put_u16s(p.groups, cfg->groups, cfg->n_groups, 0));
    if (rc == 0) rc = push(e, x, TLSIO_EXT_SUPPORTED_GROUPS);
    CBS_init(&x->signature_algorithms, p.sigalgs,
             tlsio_our_sigalgs(cfg, tlsio_cfg_offers_version(cfg, TLS_VERSION_1_3), p.sigalgs));
    if (rc == 0) rc = push(e, x, TLSIO_EXT_SIGNATURE_ALGORITHMS);
    if (rc == 0) rc = ch_versions(e, &p, &ch);
    if (rc == 0 && tlsio_cfg_offers_version(cfg, TLS_VERSION_1_3)) rc = ch_key_share(e, &p, x);
    if (rc == 0 && tlsio_cfg_offers_version(cfg, TLS_VERSION_1_2)) rc = ch_tls12_exts(e, x);
    if (rc == 0 && cfg->alpn_len > 0) {
        CBS_init(&x->alpn, cfg->alpn, cfg->alpn_len);
        rc = push(e, x, TLSIO_EXT_ALPN);
    }
    if (rc == 0) rc = tlsio_rsl_offer(e, x); /* RFC 8449 §4 */
    if (rc == 0) rc = ch_ticket12(e, x);
    if (rc == 0 &&
        hs->h13.cookie != NULL) { /* RFC 8446 §4.2.2: echo the HelloRetryRequest cookie */
        CBS_init(&x->cookie, hs->h13.cookie, hs->h13.cookie_len);
        rc = push(e, x, TLSIO_EXT_COOKIE);
    }
    /* RFC 8446 §4.2.11: a session to resume, offered last (it carries the binder). */
    tlsio13_psk_parts psk;
    memset(&psk, 0, sizeof(psk));
    if (rc == 0 && tlsio_cfg_offers_version(cfg, TLS_VERSION_1_3))
        rc = tlsio13_client_offer_psk(e, x, &psk);
    if (rc == 0 && psk.active) rc = tlsio13_send_client_hello_psk(e, &ch);
    if (rc == 0 && !psk.active)
        rc = tlsio_send_hs_msg(e, TLSIO_HS_CLIENT_HELLO, &tlsio_codec_client_hello, &ch);
    tlsio13_psk_parts_free(&psk);
    if (rc == 0) rc = tlsio_flush_hs(e);
    return rc;
}

/* The client speaks first: the ClientHello (RFC 8446 §4.1.2). */
int tlsio_client_hello_start(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    tls_config *cfg = e->cfg;
    tlsio_rng_bytes(&cfg->rng, hs->client_random, 32);
    /* RFC 8446 D.4: offering TLS 1.3, middlebox compatibility mode: a non-empty
     * legacy_session_id. Offering only TLS 1.2, an empty one unless we offer a ticket (below):
     * RFC 5246 §7.4.1.2 makes a session_id a request to resume that session. */
    hs->session_id_len = 0;
    if (tlsio_cfg_offers_version(cfg, TLS_VERSION_1_3)) {
        hs->session_id_len = 32;
        tlsio_rng_bytes(&cfg->rng, hs->session_id, 32);
    }
    ch_ticket12_start(e);
    /* A TLS 1.2 CertificateVerify would sign the handshake messages themselves, from this
     * ClientHello on (RFC 5246 §7.4.8): keep them while that can still happen. */
    hs->h12.keep_msgs = cfg->n_chains > 0 && tlsio_cfg_offers_version(cfg, TLS_VERSION_1_2);
    int rc = 0;
    if (tlsio_cfg_offers_version(cfg, TLS_VERSION_1_3))
        rc = tlsio_kex_generate(&hs->kex, cfg->groups[0], &cfg->rng, &e->err);
    /* RFC 8446 §5.1: the initial ClientHello's record MAY carry 0x0301 "for compatibility
     * purposes" (servers that predate TLS 1.2 choke on a higher one); every later record,
     * a second ClientHello included, carries 0x0303. */
    e->wd.record_version = 0x0301;
    if (rc == 0) rc = tlsio_send_client_hello(e);
    e->wd.record_version = TLS_VERSION_1_2;
    return rc;
}

/* ---- what we offered -------------------------------------------------------------------- */

int tlsio_offered_u16(const uint16_t *list, size_t n, uint16_t v) {
    for (size_t i = 0; i < n; i++)
        if (list[i] == v) return 1;
    return 0;
}

int tlsio_offered_suite13(const tls_engine *e, uint16_t id) {
    const tlsio_suite *s = tlsio_suite_find(id);
    if (s == NULL || s->version != TLS_VERSION_1_3) return 0;
    for (size_t i = 0; i < e->cfg->n_suites; i++)
        if (e->cfg->suites[i] == id) return 1;
    return 0;
}

/* ---- the client's version decision: a TLS 1.2 ServerHello ---------------------------------- */

/* RFC 8446 §4.1.3: a TLS 1.3-capable client must refuse a TLS 1.2 answer that carries
 * the server's downgrade sentinel. */
static int check_downgrade(tls_engine *e, const CBS *random) {
    if (!tlsio_cfg_offers_version(e->cfg, TLS_VERSION_1_3)) return 0;
    const uint8_t *tail = CBS_data(random) + 24;
    if (memcmp(tail, tlsio_downgrade_tls12, 8) == 0 || memcmp(tail, tlsio_downgrade_tls11, 8) == 0)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello.random: downgrade sentinel from a TLS 1.3 server "
                             "negotiating TLS 1.2 (RFC 8446 §4.1.3)");
    return 0;
}

static int check_sh12_exts(tls_engine *e, const tlsio_exts *x) {
    uint32_t allowed = TLSIO_EXT_BIT(TLSIO_EXT_EXTENDED_MASTER_SECRET) |
                       TLSIO_EXT_BIT(TLSIO_EXT_RENEGOTIATION_INFO) |
                       TLSIO_EXT_BIT(TLSIO_EXT_EC_POINT_FORMATS) |
                       /* We always offer it; a server's list is informational and ignored. */
                       TLSIO_EXT_BIT(TLSIO_EXT_SUPPORTED_GROUPS);
    if (!tlsio_host_is_ip_literal(e->server_name)) allowed |= TLSIO_EXT_BIT(TLSIO_EXT_SERVER_NAME);
    if (e->cfg->alpn_len) allowed |= TLSIO_EXT_BIT(TLSIO_EXT_ALPN);
    /* RFC 5077 §3.2: the server answers session_ticket only if we sent it. */
    if (e->hs->h12.ticket_ext) allowed |= TLSIO_EXT_BIT(TLSIO_EXT_SESSION_TICKET);
    allowed |= tlsio_rsl_allowed(e);
    int rc = tlsio_check_response_exts(e, x, allowed, "ServerHello");
    if (rc == 0) rc = tlsio_rsl_take_answer(e, x, "ServerHello");
    /* RFC 7627 §5.2: tlsio requires the extended master secret in both roles. */
    if (rc == 0 && !tlsio_exts_has(x, TLSIO_EXT_EXTENDED_MASTER_SECRET))
        rc = tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                           "ServerHello: the server does not support extended_master_secret "
                           "(RFC 7627), which tlsio requires for TLS 1.2");
    if (rc == 0) rc = tlsio12_check_reneg_info(e, x, "ServerHello");
    if (rc == 0) rc = tlsio12_check_point_formats(e, x, "ServerHello");
    if (rc == 0 && tlsio_exts_has(x, TLSIO_EXT_ALPN))
        rc = tlsio_take_alpn_answer(e, &x->alpn, "ServerHello");
    return rc;
}

/* A ServerHello that resumes our session must keep what the session fixed. */
static int check_resumption12(tls_engine *e, const tlsio_server_hello *sh) {
    uint16_t was = (uint16_t)e->offer->st.cipher_suite;
    /* RFC 5246 §7.4.1.3: a resumed session's cipher_suite is the session's. */
    if (sh->cipher_suite != was)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello.cipher_suite: 0x%04x resumes a session made with 0x%04x",
                             sh->cipher_suite, was);
    /* RFC 7627 §5.3: a session with the extended master secret resumes only with it. */
    if (!tlsio_exts_has(&sh->extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET))
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ServerHello: resumes a session but has no extended_master_secret "
                             "(RFC 7627 §5.3)");
    return 0;
}

int tlsio_client_take_server_hello12(tls_engine *e, const tlsio_server_hello *sh) {
    tlsio_hs *hs = e->hs;
    if (sh->legacy_version != TLS_VERSION_1_2 || e->cfg->min_version > TLS_VERSION_1_2)
        return tlsio_err_set(&e->err, TLS_ALERT_PROTOCOL_VERSION,
                             "ServerHello: the server chose %s; this client accepts %s",
                             tls_version_name((uint16_t)sh->legacy_version),
                             e->cfg->min_version > TLS_VERSION_1_2 ? "TLS 1.3 only"
                                                                   : "TLS 1.2 and 1.3");
    /* RFC 8446 §4.1.4: after a HelloRetryRequest the server must negotiate TLS 1.3. */
    if (hs->h13.hrr_seen)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello: TLS 1.2 after a HelloRetryRequest");
    int rc = check_downgrade(e, &sh->random);
    if (rc != 0) return rc;
    /* RFC 5246 §7.4.1.3: the method is "selected by the server from the list in
     * ClientHello.compression_methods"; ours lists null (0) only. */
    if (sh->legacy_compression_method != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello.compression_method: %u was not offered (only null)",
                             sh->legacy_compression_method);
    const tlsio_suite *s = tlsio_suite_find((uint16_t)sh->cipher_suite);
    if (s == NULL || s->version != TLS_VERSION_1_2 ||
        !tlsio_offered_u16(e->cfg->suites, e->cfg->n_suites, s->id))
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello.cipher_suite: 0x%04x was not offered for TLS 1.2",
                             sh->cipher_suite);
    /* RFC 5077 §3.4: echoing the session id we sent with a ticket accepts the ticket; echoing
     * it when we offered no session is a lie. */
    int echo = CBS_len(&sh->legacy_session_id_echo) != 0 &&
               CBS_mem_equal(&sh->legacy_session_id_echo, hs->session_id, hs->session_id_len);
    if (echo && !hs->h12.offered)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello.session_id: resumes a session this client never had");
    if (echo) rc = check_resumption12(e, sh);
    hs->h12.resuming = echo;
    /* RFC 5077 §3.2: an empty session_ticket answer announces a NewSessionTicket. */
    hs->h12.send_ticket = tlsio_exts_has(&sh->extensions, TLSIO_EXT_SESSION_TICKET);
    if (rc == 0) rc = check_sh12_exts(e, &sh->extensions);
    if (rc != 0) return rc;
    e->suite = s;
    e->version = TLS_VERSION_1_2;
    memcpy(hs->server_random, CBS_data(&sh->random), 32);
    return 0;
}

/* ---- the server's version choice ----------------------------------------------------------- */

/* RFC 8446 §4.2.1 and RFC 5246 Appendix E.1: the version comes from supported_versions when
 * present, else from legacy_version. TLS 1.3 wins when both sides can do it (with a suite in
 * common); otherwise TLS 1.2 when both can; anything older is refused. */
int tlsio_server_choose_version(tls_engine *e, const tlsio_client_hello *ch,
                                tlsio_choose_suite13_fn choose_suite13, uint16_t *v) {
    const tlsio_exts *x = &ch->extensions;
    const tls_config *cfg = e->cfg;
    int sv = tlsio_exts_has(x, TLSIO_EXT_SUPPORTED_VERSIONS);
    /* RFC 8446 Appendix D.5: a hello with legacy_version 0x0300 or less MUST be refused with
     * protocol_version, even when supported_versions (which otherwise makes legacy_version
     * ignored, §4.2.1) offers TLS 1.3. Without supported_versions, anything below 0x0303
     * finds no version in common below. */
    if (sv && ch->legacy_version <= 0x0300)
        return tlsio_err_set(&e->err, TLS_ALERT_PROTOCOL_VERSION,
                             "ClientHello.legacy_version 0x%04x: SSL 3.0 or older, which RFC "
                             "8446 Appendix D.5 requires refusing",
                             (unsigned)ch->legacy_version);
    int c13 = sv && tlsio_u16_list_has(&x->supported_versions, TLS_VERSION_1_3);
    int c12 = sv ? tlsio_u16_list_has(&x->supported_versions, TLS_VERSION_1_2)
                 : ch->legacy_version >= TLS_VERSION_1_2;
    if (c13 && cfg->max_version >= TLS_VERSION_1_3 &&
        (choose_suite13(e, &ch->cipher_suites) != NULL || cfg->min_version > TLS_VERSION_1_2)) {
        *v = TLS_VERSION_1_3;
        return 0;
    }
    if (c12 && cfg->min_version <= TLS_VERSION_1_2) {
        *v = TLS_VERSION_1_2;
        return 0;
    }
    /* A version in common but no suite for it: parameters, not the version, are what is
     * missing (RFC 8446 §4.1.1: handshake_failure; §4.2.1 keeps protocol_version for no
     * version in common). */
    if (c13 && cfg->max_version >= TLS_VERSION_1_3)
        return tlsio_err_set(&e->err, TLS_ALERT_HANDSHAKE_FAILURE,
                             "ClientHello.cipher_suites: no TLS 1.3 suite in common (the client "
                             "offers TLS 1.3 only)");
    return tlsio_err_set(&e->err, TLS_ALERT_PROTOCOL_VERSION,
                         "ClientHello: no version in common (the client offers %s; this server "
                         "accepts %s)",
                         c13   ? "TLS 1.3"
                         : c12 ? "TLS 1.2"
                               : tls_version_name((uint16_t)ch->legacy_version),
                         cfg->min_version > TLS_VERSION_1_2   ? "TLS 1.3 only"
                         : cfg->max_version < TLS_VERSION_1_3 ? "TLS 1.2 only"
                                                              : "TLS 1.2 and 1.3");
}
