/* Resumption pieces both versions share (resume.h). */
#include "resume.h"

#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hs_common.h"
#include "ticket.h"

/* The state of this connection with the given secret, issued now. `chain` holds the peer
 * chain the state views. */
static int make_state(tls_engine *e, const uint8_t *secret, size_t len, uint32_t lifetime,
                      uint32_t age_add, int64_t now, tlsio_sess_state *st, CBB *chain) {
    memset(st, 0, sizeof(*st));
    st->format = TLSIO_SESS_FORMAT;
    st->version = e->version;
    st->cipher_suite = e->suite->id;
    st->group = e->group;
    CBS_init(&st->secret, secret, len);
    tlsio_sess_split((uint64_t)now, &st->time_hi, &st->time_lo);
    st->lifetime = lifetime;
    st->age_add = age_add;
    st->ems = 1; /* tlsio's TLS 1.2 always uses the extended master secret (RFC 7627) */
    const char *name = e->server_name != NULL ? e->server_name : "";
    CBS_init(&st->server_name, (const uint8_t *)name, tlsio_strlen_max(name, 255));
    const char *alpn = e->alpn != NULL ? e->alpn : "";
    CBS_init(&st->alpn, (const uint8_t *)alpn, tlsio_strlen_max(alpn, 255));
    return tlsio_peer_to_state(e, st, chain);
}

int tlsio_resume_issues(const tls_engine *e) {
    return e->cfg->tickets > 0 && tlsio_now_ms(e) >= 0;
}

/* Seals the state of this connection with secret, issued at `issued` (Unix ms) for lifetime
 * seconds. */
static int seal(tls_engine *e, const uint8_t *secret, size_t len, uint32_t lifetime,
                uint32_t age_add, int64_t issued, CBB *out) {
    tlsio_sess_state st;
    CBB chain, state;
    /* Sized by what is there (a few hundred bytes without a client chain), not the bound. */
    if (!CBB_init(&chain, 0)) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    if (!CBB_init(&state, 256)) {
        CBB_cleanup(&chain);
        return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    }
    int rc = make_state(e, secret, len, lifetime, age_add, issued, &st, &chain);
    if (rc == 0) rc = tlsio_encode(&tlsio_codec_sess_state, &st, &state, &e->err);
    if (rc == 0 && !CBB_flush(&state)) rc = tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    if (rc == 0) rc = tlsio_ticket_seal(e->cfg, CBB_data(&state), CBB_len(&state), out, &e->err);
    if (CBB_len(&state) > 0) OPENSSL_cleanse((uint8_t *)CBB_data(&state), CBB_len(&state));
    CBB_cleanup(&state);
    CBB_cleanup(&chain);
    return rc;
}

int tlsio_resume_seal(tls_engine *e, const uint8_t *secret, size_t len, uint32_t age_add,
                      CBB *out) {
    return seal(e, secret, len, e->cfg->ticket_lifetime, age_add, tlsio_now_ms(e), out);
}

int tlsio_resume_reseal(tls_engine *e, const uint8_t *secret, size_t len, uint32_t age_add,
                        int64_t issued, uint32_t lifetime, CBB *out) {
    return seal(e, secret, len, lifetime, age_add, issued, out);
}

uint32_t tlsio_resume_lifetime(const tls_engine *e, const tlsio_sess_state *st) {
    return st->lifetime < e->cfg->ticket_lifetime ? st->lifetime : e->cfg->ticket_lifetime;
}

static int same_name(const CBS *ticket_name, const char *ours) {
    size_t n = ours != NULL ? strlen(ours) : 0;
    return CBS_len(ticket_name) == n &&
           (n == 0 || strncasecmp((const char *)CBS_data(ticket_name), ours, n) == 0);
}

int tlsio_resume_open(tls_engine *e, const CBS *ticket, uint8_t *buf, size_t cap,
                      tlsio_sess_state *st) {
    const tls_config *cfg = e->cfg;
    int64_t now = tlsio_now_ms(e);
    size_t n = 0;
    if (cfg->tickets == 0 || now < 0) return 0;
    if (tlsio_ticket_open(e->cfg, ticket, buf, cap, &n) != 0) return 0;
    if (tlsio_sess_state_decode(buf, n, st) != 0 || st->version != e->version) return 0;
    /* Issued in the past (with a fleet's clock skew) and within its lifetime and ours. */
    int64_t issued = (int64_t)tlsio_sess_u64(st->time_hi, st->time_lo);
    uint32_t life = tlsio_resume_lifetime(e, st);
    if (issued > now + TLSIO_TICKET_SKEW_MS || now - issued >= (int64_t)life * 1000) return 0;
    /* RFC 8446 §4.2.11, RFC 6066 §3: a session is for the name it was made for. */
    if (!same_name(&st->server_name, e->server_name)) return 0;
    /* A server that requires client certificates resumes only authenticated sessions. */
    if (cfg->client_verify == TLS_CLIENT_VERIFY_REQUIRED && CBS_len(&st->peer_sha256) == 0)
        return 0;
    return tlsio_resume_same_retention(cfg, st);
}

int tlsio_resume_same_retention(const tls_config *cfg, const tlsio_sess_state *st) {
    /* A resumed connection reports the original peer identity; in the form this config asks
     * for (tls_config_set_keep_peer_chain), or a full handshake gives it that way. */
    return CBS_len(&st->peer_sha256) == 0 || (int)st->peer_chain_kept == !cfg->drop_peer_chain;
}

int tlsio_resume_offerable(const tls_engine *e, uint16_t v) {
    const tls_session *s = e->offer;
    if (s == NULL || s->st.version != v || !tlsio_cfg_offers_version(e->cfg, v)) return 0;
    if (v == TLS_VERSION_1_2 && !s->st.ems) return 0; /* RFC 7627 §5.3 */
    /* A TLS 1.2 session's secret is its 48-byte master secret (RFC 5246 §8.1). */
    if (v == TLS_VERSION_1_2 && CBS_len(&s->st.secret) != TLSIO_TLS12_MASTER_LEN) return 0;
    int suite_ok = 0;
    for (size_t i = 0; i < e->cfg->n_suites; i++)
        if (e->cfg->suites[i] == s->st.cipher_suite) suite_ok = 1;
    int64_t now = tlsio_now_ms(e);
    return suite_ok && now >= 0 && now < tlsio_session_expiry_ms(&s->st) &&
           tlsio_resume_same_retention(e->cfg, &s->st);
}

/* Adds s to the sessions tls_engine_take_session hands out, dropping the oldest beyond
 * TLSIO_SESSIONS_KEPT. */
static void store(tls_engine *e, tls_session *s) {
    if (e->n_sessions == TLSIO_SESSIONS_KEPT) {
        tls_session_free(e->sessions[0]);
        memmove(e->sessions, e->sessions + 1, (TLSIO_SESSIONS_KEPT - 1) * sizeof(e->sessions[0]));
        e->n_sessions--;
    }
    e->sessions[e->n_sessions++] = s;
}

int tlsio_resume_keep(tls_engine *e, const uint8_t *secret, size_t len, uint32_t lifetime,
                      uint32_t age_add, const CBS *ticket) {
    int64_t now = tlsio_now_ms(e);
    if (now < 0 || lifetime == 0) return 0; /* RFC 8446 §4.6.1: 0 means do not use it */
    tlsio_sess_state st;
    CBB chain;
    if (!CBB_init(&chain, 0)) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    int rc = make_state(e, secret, len, lifetime, age_add, now, &st, &chain);
    tls_session *s = rc == 0 ? tlsio_session_new(&st, ticket, &e->err) : NULL;
    CBB_cleanup(&chain);
    if (s == NULL) return rc != 0 ? rc : e->err.code;
    store(e, s);
    return 0;
}

int tlsio_resume_keep_offer(tls_engine *e) {
    tls_session *s = tls_session_dup(e->offer);
    if (s == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    store(e, s);
    return 0;
}

int tlsio_resume_accepted(tls_engine *e, const tlsio_sess_state *st) {
    e->resumed = 1;
    /* A TLS 1.2 resumption runs no key exchange: its keys still come from the original
     * one's, whose group it reports. TLS 1.3's PSK-DHE sets the group it runs. */
    if (e->version == TLS_VERSION_1_2) e->group = (uint16_t)st->group;
    return tlsio_peer_from_state(e, st);
}
