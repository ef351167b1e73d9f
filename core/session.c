/* Sessions for resumption: the SessionState codec and the tls_session API (session.h). */
#include "session.h"

#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

#include "msgs.h"

#define ARR(a)          (a), TLSIO_NFIELDS(a)
#define U32ANY(nm, mem) TLSIO_FLD(nm, TLSIO_F_U32, 0, 0xffffffff, tlsio_sess_state, mem, NULL)

static const tlsio_field sess_state_fields[] = {
    TLSIO_FLD("format", TLSIO_F_U8, TLSIO_SESS_FORMAT, TLSIO_SESS_FORMAT, tlsio_sess_state, format,
              NULL),
    TLSIO_FLD("version", TLSIO_F_U16, TLS_VERSION_1_2, TLS_VERSION_1_3, tlsio_sess_state, version,
              NULL),
    TLSIO_FLD("cipher_suite", TLSIO_F_U16, 0, 0xffff, tlsio_sess_state, cipher_suite, NULL),
    TLSIO_FLD("group", TLSIO_F_U16, 0, 0xffff, tlsio_sess_state, group, NULL),
    TLSIO_FLD("secret", TLSIO_F_VEC8, 1, TLSIO_SESS_SECRET_MAX, tlsio_sess_state, secret, NULL),
    U32ANY("time_hi", time_hi),
    U32ANY("time_lo", time_lo),
    /* RFC 8446 §4.6.1: at most seven days. */
    TLSIO_FLD("lifetime", TLSIO_F_U32, 0, 604800, tlsio_sess_state, lifetime, NULL),
    U32ANY("age_add", age_add),
    TLSIO_FLD("ems", TLSIO_F_U8, 0, 1, tlsio_sess_state, ems, NULL),
    TLSIO_FLD("server_name", TLSIO_F_VEC8, 0, 255, tlsio_sess_state, server_name, NULL),
    TLSIO_FLD("alpn", TLSIO_F_VEC8, 0, 255, tlsio_sess_state, alpn, NULL),
    TLSIO_FLD("peer_sig_scheme", TLSIO_F_U16, 0, 0xffff, tlsio_sess_state, peer_sig_scheme, NULL),
    TLSIO_FLD("peer_subject", TLSIO_F_VEC8, 0, 255, tlsio_sess_state, peer_subject, NULL),
    TLSIO_FLD("peer_issuer", TLSIO_F_VEC8, 0, 255, tlsio_sess_state, peer_issuer, NULL),
    U32ANY("not_before_hi", nb_hi),
    U32ANY("not_before_lo", nb_lo),
    U32ANY("not_after_hi", na_hi),
    U32ANY("not_after_lo", na_lo),
    TLSIO_FLD("peer_sha256", TLSIO_F_VEC8, 0, 32, tlsio_sess_state, peer_sha256, NULL),
    TLSIO_FLD("peer_chain_kept", TLSIO_F_U8, 0, 1, tlsio_sess_state, peer_chain_kept, NULL),
    TLSIO_FLD("peer_chain", TLSIO_F_LIST24, 0, TLSIO_SESS_CHAIN_MAX, tlsio_sess_state, peer_chain,
              &tlsio_codec_asn1_cert),
};
const tlsio_codec tlsio_codec_sess_state = {"SessionState", ARR(sess_state_fields),
                                            sizeof(tlsio_sess_state), NULL};

/* The client's session on the wire of tls_session_encode: the state, then the ticket. */
static const tlsio_field session_fields[] = {
    TLSIO_FLD("state", TLSIO_F_STRUCT, 0, 0, struct tls_session, st, &tlsio_codec_sess_state),
    TLSIO_FLD("ticket", TLSIO_F_VEC16, 1, 0xffff, struct tls_session, ticket, NULL),
};
static const tlsio_codec codec_session = {"Session", ARR(session_fields),
                                          sizeof(struct tls_session), NULL};

int tlsio_sess_state_encode(const tlsio_sess_state *st, uint8_t *out, size_t cap, size_t *len,
                            tlsio_err *err) {
    CBB cbb;
    if (!CBB_init_fixed(&cbb, out, cap)) return tlsio_err_set(err, TLS_E_INTERNAL, "CBB");
    int rc = tlsio_encode(&tlsio_codec_sess_state, st, &cbb, err);
    if (rc == 0 && !CBB_finish(&cbb, NULL, len))
        rc = tlsio_err_set(err, TLS_E_INTERNAL, "SessionState: does not fit %zu bytes", cap);
    if (rc != 0) CBB_cleanup(&cbb);
    return rc;
}

int tlsio_sess_state_decode(const uint8_t *in, size_t len, tlsio_sess_state *st) {
    CBS cbs;
    CBS_init(&cbs, in, len);
    tlsio_err err;
    tlsio_err_clear(&err);
    return tlsio_decode(&tlsio_codec_sess_state, &cbs, st, &err) == 0 ? 0 : 1;
}

/* Decodes buf (owned by s from now on) into s's views. */
static tls_session *adopt(uint8_t *buf, size_t len) {
    tls_session *s = calloc(1, sizeof(*s));
    CBS cbs;
    CBS_init(&cbs, buf, len);
    tlsio_err err;
    tlsio_err_clear(&err);
    if (s == NULL || tlsio_decode(&codec_session, &cbs, s, &err) != 0) {
        OPENSSL_cleanse(buf, len);
        free(buf);
        free(s);
        return NULL;
    }
    s->buf = buf;
    s->len = len;
    memcpy(s->server_name, CBS_data(&s->st.server_name), CBS_len(&s->st.server_name));
    s->server_name[CBS_len(&s->st.server_name)] = '\0';
    return s;
}

/* Serialises (st, ticket) into a new heap buffer. */
static int serialise(const tlsio_sess_state *st, const CBS *ticket, uint8_t **out, size_t *len,
                     tlsio_err *err) {
    struct tls_session tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.st = *st;
    tmp.ticket = *ticket;
    CBB cbb;
    if (!CBB_init(&cbb, 512)) return tlsio_err_set(err, TLS_E_NOMEM, "out of memory");
    int rc = tlsio_encode(&codec_session, &tmp, &cbb, err);
    if (rc == 0 && !CBB_finish(&cbb, out, len))
        rc = tlsio_err_set(err, TLS_E_NOMEM, "out of memory");
    if (rc != 0) CBB_cleanup(&cbb);
    return rc;
}

tls_session *tlsio_session_new(const tlsio_sess_state *st, const CBS *ticket, tlsio_err *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    if (serialise(st, ticket, &buf, &len, err) != 0) return NULL;
    /* CBB_finish's buffer is OPENSSL_malloc'ed; the session owns a plain malloc copy. */
    uint8_t *own = malloc(len);
    if (own != NULL) memcpy(own, buf, len);
    OPENSSL_cleanse(buf, len);
    OPENSSL_free(buf);
    tls_session *s = own != NULL ? adopt(own, len) : NULL;
    if (s == NULL) tlsio_err_set(err, TLS_E_NOMEM, "out of memory");
    return s;
}

int64_t tlsio_session_expiry_ms(const tlsio_sess_state *st) {
    return (int64_t)tlsio_sess_u64(st->time_hi, st->time_lo) + (int64_t)st->lifetime * 1000;
}

/* ---- the public API (<tlsio/core.h>) ---- */

int tls_session_encode(const tls_session *s, uint8_t *out, size_t cap, size_t *len) {
    if (s == NULL || len == NULL) return TLS_E_USAGE;
    *len = s->len;
    if (out == NULL || cap < s->len) return TLS_E_USAGE;
    memcpy(out, s->buf, s->len);
    return 0;
}

tls_session *tls_session_decode(const uint8_t *in, size_t len) {
    if (in == NULL || len == 0) return NULL;
    uint8_t *buf = malloc(len);
    if (buf == NULL) return NULL;
    memcpy(buf, in, len);
    return adopt(buf, len);
}

tls_session *tls_session_dup(const tls_session *s) {
    return s != NULL ? tls_session_decode(s->buf, s->len) : NULL;
}

void tls_session_free(tls_session *s) {
    if (s == NULL) return;
    OPENSSL_cleanse(s->buf, s->len);
    free(s->buf);
    OPENSSL_cleanse(s, sizeof(*s));
    free(s);
}

uint16_t tls_session_version(const tls_session *s) {
    return s != NULL ? (uint16_t)s->st.version : 0;
}

const char *tls_session_server_name(const tls_session *s) {
    return s != NULL ? s->server_name : NULL;
}

int64_t tls_session_expiry(const tls_session *s) {
    return s != NULL ? tlsio_session_expiry_ms(&s->st) : 0;
}
