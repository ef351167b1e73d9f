/*
 * The engine's state, at the bottom of the protocol layer: the connection object and the
 * handshake-only state, and how a failure is recorded. Everything above it (the record
 * paths, the dispatcher, the handshake modules, the public calls in engine.c) includes this;
 * it calls nothing above it but the alert output (engine_send.c).
 */
#ifndef TLSIO_ENGINE_STATE_H
#define TLSIO_ENGINE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <tlsio/core.h>

#include "config.h"
#include "crypto_kex.h"
#include "crypto_sig.h"
#include "err.h"
#include "reassembly.h"
#include "keysched.h"
#include "msgs.h"
#include "prf12.h"
#include "record.h"
#include "suites.h"
#include "transcript.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tlsio_hs_table;

/* TLS 1.3 handshake-only state (RFC 8446). */
typedef struct tlsio_hs13 {
    tlsio_keysched ks;
    uint8_t c_hs_secret[TLSIO_MAX_HASH_LEN]; /* client_handshake_traffic_secret */
    uint8_t s_hs_secret[TLSIO_MAX_HASH_LEN]; /* server_handshake_traffic_secret */
    uint8_t *cookie;                         /* HelloRetryRequest cookie to echo (heap) */
    size_t cookie_len;
    int hrr_seen;         /* a HelloRetryRequest was sent / received */
    int skip_early_data;  /* server: the client offered 0-RTT, which we reject (§4.2.10) */
    size_t early_skipped; /* server: bytes of rejected early data skipped so far */
    uint8_t *cr_context;  /* client: CertificateRequest context to echo (heap) */
    size_t cr_context_len;
    /* Resumption (RFC 8446 §2.2, §4.2.11). psk: the PSK of the ticket the client offers or the
     * server accepted (psk_len 0: none); psk_accepted once the ServerHello selected it, so
     * the Early Secret is HKDF-Extract(0, psk) rather than of zeros. */
    uint8_t psk[TLSIO_MAX_HASH_LEN];
    size_t psk_len;
    tlsio_hash_alg psk_hash;
    int psk_accepted;
    uint16_t psk_identity; /* server: the index of the identity accepted */
    int client_psk_dhe;    /* server: the client's psk_key_exchange_modes list psk_dhe_ke */
    /* Server: the transcript before the ClientHello being taken and that ClientHello's raw
     * bytes, for its PSK binder (TLSIO_T_BEFORE_PSK; §4.2.11.2). Valid during take only. */
    tlsio_transcript pre_ch;
    const uint8_t *ch_raw;
    size_t ch_raw_len;
    /* Server, from a HelloRetryRequest to the second ClientHello: the first one's bytes
     * (heap) and whether it offered a PSK we could resume with (hs13_second_hello.c). */
    uint8_t *ch1;
    size_t ch1_len;
    int ch1_psk_usable;
} tlsio_hs13;

/* TLS 1.2 handshake-only state (RFC 5246, RFC 7627). */
typedef struct tlsio_hs12 {
    uint8_t master[48];                    /* master secret (RFC 7627 extended) */
    tlsio_tls12_keys keys;                 /* key block */
    uint8_t pms[TLSIO_KEX_MAX_SECRET_LEN]; /* premaster secret until used */
    size_t pms_len;
    /* The handshake messages themselves, kept while a TLS 1.2 CertificateVerify may have to
     * sign them (client) or be checked over them (server): RFC 5246 §7.4.8 signs
     * handshake_messages, not a transcript hash (Ed25519 takes the whole message and the
     * scheme's hash need not be the PRF's). Kept only when it may be needed (a client with a
     * certificate offering TLS 1.2; a TLS 1.2 server asking for one); dropped as soon as it
     * cannot be. */
    uint8_t *msgs; /* heap */
    size_t msgs_len, msgs_cap;
    int keep_msgs;
    /* Session tickets (RFC 5077). ticket_ext: the client sent session_ticket (client: we did;
     * server: it did); offered: the client offered e->offer's ticket with hs->session_id, so
     * a ServerHello echoing that id resumes it (RFC 5077 §3.4); send_ticket: the ServerHello
     * acknowledged the extension, so a NewSessionTicket comes (§3.3). Client: a received
     * ticket (heap) and its lifetime, kept as a session once the server's Finished verified. */
    int ticket_ext, offered, send_ticket;
    int resuming; /* the abbreviated handshake (RFC 5246 §7.3): the ServerHello resumed */
    /* Server, resuming: the session's issue time (Unix ms) and lifetime (seconds), which a
     * renewed ticket keeps. */
    int64_t issued_ms;
    uint32_t lifetime;
    uint8_t *nst;
    size_t nst_len;
    uint32_t nst_lifetime;
    int nst_received;
} tlsio_hs12;

/* Handshake-only state: allocated at the start, wiped and freed once connected. What both
 * versions use, then each version's own part (a ClientHello offering both versions fills
 * parts of both before the ServerHello decides). */
typedef struct tlsio_hs {
    tlsio_transcript transcript;
    tlsio_kex kex; /* our ephemeral key share */
    uint8_t client_random[32];
    uint8_t server_random[32];
    uint8_t session_id[32]; /* legacy_session_id (RFC 8446 §4.1.2, D.4) */
    size_t session_id_len;
    int cert_requested;   /* a CertificateRequest was received (client) / sent (server) */
    tlsio_pkey *peer_key; /* the peer's leaf public key, until CertificateVerify */
    uint16_t offered_groups[TLSIO_MAX_GROUPS]; /* client: groups in supported_groups */
    size_t n_offered_groups;
    /* The peer's signature_algorithms (ClientHello or CertificateRequest): the schemes
     * tlsio names, once each, in its order; and how many entries were others. */
    uint16_t peer_sigalgs[TLSIO_SIG_SCHEMES_KNOWN];
    size_t n_peer_sigalgs, n_peer_sigalgs_other;
    /* Our credential for this handshake: the server's chain for the ClientHello, or the
     * client's for a CertificateRequest (NULL: answer with an empty Certificate). */
    const tlsio_chain *chain; /* chosen certificate chain */
    uint16_t sig_scheme;      /* chosen CertificateVerify (or ServerKeyExchange) scheme */
    /* RFC 8449: the record_size_limit value we offered (client) or will answer with (server,
     * the client offered one); 0: none. */
    uint16_t rsl_ours;
    tlsio_hs13 h13;
    tlsio_hs12 h12;
} tlsio_hs;

/* A send buffer replaced while part of it was handed out by tls_engine_send_buf. */
typedef struct tlsio_retired_buf {
    struct tlsio_retired_buf *next;
    uint8_t *buf;
    size_t cap;
} tlsio_retired_buf;

struct tls_engine {
    tls_config *cfg;
    int is_server;
    const struct tlsio_hs_table *table; /* the role's (and later version's) state machine */
    uint8_t state;

    uint16_t version;         /* negotiated; 0 before */
    const tlsio_suite *suite; /* negotiated; NULL before */
    uint16_t group;           /* negotiated key exchange group */
    char *server_name;        /* client: name to verify; server: SNI received (heap) */
    char *alpn;               /* negotiated protocol (heap), NULL if none */
    char *peer_subject;       /* the verified peer leaf's subject (heap), NULL if none */
    uint16_t peer_sig_scheme; /* the scheme of the peer's verified signature; 0 if none */

    /* The verified peer chain's details for tls_engine_peer_* (hs_common.c), NULL if none. */
    struct tlsio_peer_cert *peer_cert;
    /* Client: the DistinguishedName list (wire form, each with its u16 length) the server's
     * CertificateRequest named, for tls_engine_requested_ca_name; NULL when none. */
    uint8_t *req_ca_names;
    size_t req_ca_names_len;
    /* Client, TLS 1.2: the CertificateRequest's certificate_types, for
     * tls_engine_requested_cert_types; NULL when none. */
    uint8_t *req_cert_types;
    size_t req_cert_types_len;

    tlsio_err err;
    int64_t now;
    int have_now;
    int64_t bad_now; /* the last implausible tls_engine_set_time value, if have_bad_now */
    int have_bad_now;
    /* client: we answered a CertificateRequest with an empty Certificate (no credential
     * configured), so a later refusal from the server is most likely about that */
    int sent_empty_client_cert;

    /* record layer */
    tlsio_rl_dir rd, wd;

    /* network input: in[in_start..in_end) holds received, unprocessed bytes. in_hw is the
     * highest in_end so far: records are decrypted in place below it, and nothing above it
     * was ever ours (only bytes the caller wrote and did not acknowledge), so wiping
     * in[0..in_hw) is enough and a short handshake does not pay for a 16 KiB memset. */
    uint8_t *in;
    size_t in_cap, in_start, in_end, in_hw;
    /* decrypted application data waiting for the caller (a view into `in`) */
    uint8_t *app;
    size_t app_len;

    /* network output: out[out_start..out_end) holds records ready to send */
    uint8_t *out;
    size_t out_cap, out_start, out_end;
    /* The buffer contract (core.h). What each buf call handed out and is not acknowledged:
     * recv_lent bytes at in + in_end; send_lent bytes at out + out_start, which must not
     * move or be freed until acknowledged (an async writer holds the pointer), so a send
     * buffer that has to grow meanwhile leaves the old one on `retired` until send_lent is
     * 0; write_lent bytes of plaintext room at out + out_end + the seal prefix, cleared when
     * any other output is queued there (tlsio_out_reserve); read_lent bytes at app. */
    size_t recv_lent, send_lent, write_lent, read_lent;
    struct tlsio_retired_buf *retired;
    /* handshake messages queued for the next flush (same key, same content type) */
    uint8_t *hsq;
    size_t hsq_cap, hsq_len;

    tlsio_reasm reasm;
    tlsio_hs *hs; /* NULL once connected */

    /* The exporter's secret: TLS 1.3 exporter_master_secret (RFC 8446 §7.5), or the TLS 1.2
     * master secret followed by client_random || server_random (RFC 5705 §4). */
    uint8_t exporter[TLSIO_MAX_HASH_LEN + 64];

    /* Resumption (resume.c). Client: the session it offers (its copy; NULL: none), the
     * tickets received and not yet taken (oldest first), and, for TLS 1.3 tickets that come
     * after the handshake, resumption_master_secret (RFC 8446 §4.6.1). Both roles: whether the
     * handshake resumed. */
    struct tls_session *offer;
    struct tls_session *sessions[4];
    size_t n_sessions;
    uint8_t res_master[TLSIO_MAX_HASH_LEN];
    int resumed;
    int64_t ticket_age_skew_ms; /* TLS 1.3 server: of the PSK it resumed (hs13_psk.c) */

    /* TLS 1.3 application traffic secrets, kept for KeyUpdate (RFC 8446 §7.2) */
    uint8_t c_ap_secret[TLSIO_MAX_HASH_LEN];
    uint8_t s_ap_secret[TLSIO_MAX_HASH_LEN];

    /* Test hook (core/engine_testing.h): sees each outgoing handshake message after it was
     * hashed into our transcript and may alter it, to prove the peer's checks. */
    void (*test_tamper)(void *ctx, uint8_t *msg, size_t len);
    void *test_tamper_ctx;

    uint8_t warnings_in_row;    /* warnings and user_canceled since a record carried data */
    uint8_t empty_in_row;       /* empty app data and CCS records since one carried data */
    uint8_t ccs13_received;     /* TLS 1.3 compatibility change_cipher_spec records dropped */
    uint8_t key_updates_in_row; /* KeyUpdates received with no application data since */
    uint8_t refused_in_row;     /* TLS 1.2 HelloRequests / renegotiation hellos, likewise */

    unsigned connected : 1;
    unsigned close_sent : 1;
    unsigned close_received : 1;
    unsigned alert_queued : 1;
    unsigned key_update_pending : 1; /* we owe the peer a KeyUpdate(update_not_requested) */
    unsigned ccs_sent : 1;
    unsigned spoke : 1; /* a handshake message was queued: a peer now expects our alerts */
};

/* Hash length of the negotiated suite. */
static inline size_t tlsio_engine_hash_len(const tls_engine *e) {
    return tlsio_hash_len(e->suite->hash);
}

/* Reports a protocol message to the config's trace hook, if one is set (<tlsio/core.h>). */
static inline void tlsio_trace(const tls_engine *e, int direction, uint8_t content_type,
                               const uint8_t *msg, size_t len) {
    if (e->cfg->trace != NULL)
        e->cfg->trace(e->cfg->trace_arg, e, direction, content_type, msg, len);
}

/* ---- failing ---------------------------------------------------------------------- */

/* Records the failure (sticky) and queues the alert when the code is one (1..255) that we
 * owe the peer. Returns the (first) error code. */
int tlsio_engine_fail(tls_engine *e, int code, const char *fmt, ...) TLSIO_PRINTF(3, 4);
/* After a callee filled e->err: make it the connection's failure (queues the alert). */
int tlsio_engine_failed(tls_engine *e, int code);

/* Replaces *slot with a heap copy of p[0..n) plus a NUL (negotiated strings). */
int tlsio_engine_set_string(tls_engine *e, char **slot, const uint8_t *p,
                            size_t n) TLSIO_MUST_CHECK;

/* Sets the time certificates are checked at (tls_engine_set_time): TLS_E_USAGE, remembered
 * for the error sentence, when it is not a plausible time in Unix seconds. */
int tlsio_engine_set_now(tls_engine *e, int64_t unix_seconds);
/* Now in Unix milliseconds for ticket ages and lifetimes: the config's clock, else the time
 * given to tls_engine_set_time, else -1 (unknown: no tickets are issued or offered). */
int64_t tlsio_now_ms(const tls_engine *e);

/* strlen(s), at most max: session fields are bounded strings (strnlen is POSIX, not C11). */
static inline size_t tlsio_strlen_max(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* Frees handshake-only state (wiping secrets). */
void tlsio_hs_state_free(tls_engine *e);

#ifdef __cplusplus
}
#endif
#endif
