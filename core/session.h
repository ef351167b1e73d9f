/*
 * Sessions for resumption: the state a resumption needs, written down once as a codec that
 * serves both the server's ticket plaintext (ticket.h seals it) and the client's tls_session
 * (that state as the client saw it, plus the opaque ticket).
 */
#ifndef TLSIO_SESSION_H
#define TLSIO_SESSION_H

#include <openssl/bytestring.h>
#include <tlsio/core.h>

#include "codec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLSIO_SESS_FORMAT     2
#define TLSIO_SESS_SECRET_MAX 48    /* TLS 1.3 PSK (Hash.length) or TLS 1.2 master secret */
#define TLSIO_SESS_CHAIN_MAX  16384 /* peer chain bytes kept; a longer chain keeps its leaf */
#define TLSIO_SESS_STATE_MAX  (TLSIO_SESS_CHAIN_MAX + 2048)
#define TLSIO_SESSIONS_KEPT   4 /* tickets a client engine holds for tls_engine_take_session */

/*
 * "SessionState". Times are Unix milliseconds (issued: the server's clock when it sealed the
 * ticket; the client keeps the time it received it), 64-bit as two uint32 halves. The peer
 * fields describe the certificate the original handshake verified (empty when none was).
 */
typedef struct tlsio_sess_state {
    uint32_t format;       /* TLSIO_SESS_FORMAT */
    uint32_t version;      /* TLS_VERSION_1_2 or _1_3 */
    uint32_t cipher_suite; /* the suite of the original handshake */
    uint32_t group;        /* its key exchange group (a TLS 1.2 resumption reports it) */
    CBS secret;            /* 1.3: the PSK (RFC 8446 §4.6.1); 1.2: the master secret */
    uint32_t time_hi, time_lo;
    uint32_t lifetime; /* seconds */
    uint32_t age_add;  /* TLS 1.3 ticket_age_add */
    uint32_t ems;      /* TLS 1.2: 1 = extended master secret (RFC 7627); always 1 here */
    CBS server_name;   /* the SNI the session was made for (0..255 bytes) */
    CBS alpn;          /* the protocol negotiated (0..255 bytes) */
    uint32_t peer_sig_scheme;
    CBS peer_subject; /* 0..255 bytes */
    CBS peer_issuer;
    uint32_t nb_hi, nb_lo, na_hi, na_lo; /* the peer leaf's validity, Unix seconds */
    CBS peer_sha256;                     /* 0 or 32 bytes */
    /* 1: made by a config that keeps peer chains (tls_config_set_keep_peer_chain), so an
     * empty peer_chain means it did not fit; 0: one that keeps the identity alone. */
    uint32_t peer_chain_kept;
    CBS peer_chain; /* list of ASN.1Cert, leaf first */
} tlsio_sess_state;
extern const tlsio_codec tlsio_codec_sess_state;

static inline uint64_t tlsio_sess_u64(uint32_t hi, uint32_t lo) {
    return ((uint64_t)hi << 32) | lo;
}
static inline void tlsio_sess_split(uint64_t v, uint32_t *hi, uint32_t *lo) {
    *hi = (uint32_t)(v >> 32);
    *lo = (uint32_t)v;
}

/* The client's session: the state and the ticket, one buffer (`buf`) that both view. */
struct tls_session {
    uint8_t *buf;
    size_t len;
    tlsio_sess_state st;
    CBS ticket;
    char server_name[256]; /* st.server_name with a NUL */
};

/* Encodes st into out[0..cap) for sealing; 0 with *len, or an error with err set. */
int tlsio_sess_state_encode(const tlsio_sess_state *st, uint8_t *out, size_t cap, size_t *len,
                            tlsio_err *err) TLSIO_MUST_CHECK;
/* Decodes an opened ticket's state into st (views into in); 0, or 1 if it is not one. */
int tlsio_sess_state_decode(const uint8_t *in, size_t len, tlsio_sess_state *st) TLSIO_MUST_CHECK;

/* A new client session of st and ticket (copied). NULL with err set on failure. */
tls_session *tlsio_session_new(const tlsio_sess_state *st, const CBS *ticket, tlsio_err *err);

/* Milliseconds when s stops being usable (received + lifetime). */
int64_t tlsio_session_expiry_ms(const tlsio_sess_state *st);

#ifdef __cplusplus
}
#endif
#endif
