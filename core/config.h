/*
 * The configuration object behind <tlsio/tls.h>'s tls_config (internal view).
 *
 * Built with setters, then frozen by the first connection: after that it is read-only and
 * shared (reference counted with atomics) by any number of connections and threads.
 */
#ifndef TLSIO_CONFIG_H
#define TLSIO_CONFIG_H

#ifdef __cplusplus
/* C++ tests see the struct too: std::atomic_int has the layout of C11's atomic_int. */
#include <atomic>
using std::atomic_int;
typedef std::atomic<void *> tlsio_atomic_ptr;
#else
#include <stdatomic.h>
typedef _Atomic(void *) tlsio_atomic_ptr;
#endif
#include <stddef.h>
#include <stdint.h>
#include <openssl/bytestring.h>
#include <tlsio/core.h>
#include <tlsio/tls.h>

#include "crypto_rng.h"
#include "crypto_sig.h"
#include "crypto_x509.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLSIO_MAX_CHAINS    8  /* certificate chains a server may hold */
#define TLSIO_MAX_CHAIN_LEN 10 /* certificates in one chain, leaf first */
#define TLSIO_MAX_SUITES    9  /* 3 TLS 1.3 + 6 TLS 1.2 */
#define TLSIO_MAX_GROUPS    3
#define TLSIO_MAX_SIGALGS   9   /* the SignatureSchemes tlsio implements (config.c) */
#define TLSIO_MAX_ALPN_WIRE 512 /* ProtocolNameList body bytes */

#define TLSIO_DEFAULT_TICKETS         2 /* TLS 1.3 NewSessionTickets per handshake */
#define TLSIO_MAX_TICKETS             8
#define TLSIO_DEFAULT_TICKET_LIFETIME 7200 /* seconds */
#define TLSIO_DEFAULT_SESSION_CACHE   64   /* the facade's client cache, in tickets */
#define TLSIO_MAX_SESSION_CACHE       65536

/* Session ticket keys (ticket.c): keys[0] seals and opens, the others only open (keys being
 * rotated out). The only part of a frozen config that changes: tls_config_set_ticket_keys and
 * _rotate_ticket_key may run while connections use it, so every access holds `lock` (a spin
 * lock of C11 atomics: the core has no thread header; it is held for a 48-byte copy). */
#define TLSIO_TICKET_KEYS_MAX 4
/* The Certificate message limit (tls_config_set_max_cert_chain): default and ceiling. */
#define TLSIO_DEFAULT_MAX_CERT_CHAIN 65536
#define TLSIO_MAX_CERT_CHAIN_LIMIT   (1 << 20)
/* The socket facade's handshake timeout (tls_config_set_handshake_timeout), in ms. 30 s:
 * long enough for a handshake that meets loss on a slow path (TCP resends a lost SYN after
 * 1, 3, 7 and 15 s, so a connect that needs four retries still fits, and a handshake's two
 * or three round trips take seconds only on the worst satellite or mobile links), short
 * enough that a black-holed address gives up in a quarter of the ~2 minutes Linux takes
 * (tcp_syn_retries 6: 127 s), and that a client that connects and stays silent holds a
 * server's connection for 30 s, not for ever. The core never reads it: it has no clock. */
#define TLSIO_DEFAULT_HANDSHAKE_TIMEOUT_MS 30000

typedef struct tlsio_ticket_keys {
    atomic_int lock;
    size_t n; /* 0: none yet (a random key is made on first use) */
    uint8_t keys[TLSIO_TICKET_KEYS_MAX][TLS_TICKET_KEY_LEN];
} tlsio_ticket_keys;

/* One certificate chain with its private key. */
typedef struct tlsio_chain {
    tlsio_pkey *key;                /* private key; its public half matches certs[0] */
    uint8_t *der;                   /* heap: all certificates' DER back to back */
    CBS certs[TLSIO_MAX_CHAIN_LEN]; /* views into der, leaf first */
    tlsio_x509_cert *leaf;          /* certs[0] parsed once, for SNI matching per handshake */
    size_t n_certs;
    size_t der_len; /* bytes at der (all certificates) */
} tlsio_chain;

struct tls_config {
    atomic_int refs;
    atomic_int frozen; /* 0 building, 1 freezing, 2 frozen */

    uint16_t min_version, max_version; /* TLS_VERSION_1_2 / _1_3 */
    uint16_t suites[TLSIO_MAX_SUITES]; /* preference order, both versions mixed */
    size_t n_suites;
    uint16_t groups[TLSIO_MAX_GROUPS]; /* preference order; groups[0] gets a key share */
    size_t n_groups;
    /* SignatureSchemes we offer and accept, in preference order (tls_config_set_signature_
     * schemes). sigalgs_set: the application chose them, so our order also decides which
     * scheme we sign with; 0: the default list, and the peer's order decides (as before). */
    uint16_t sigalgs[TLSIO_MAX_SIGALGS];
    size_t n_sigalgs;
    int sigalgs_set;
    /* SignatureSchemes we sign with, in preference order (tls_config_set_signing_schemes);
     * n_sign_sigalgs 0: as above (our order when sigalgs_set, else the peer's). Independent
     * of what we accept, as BoringSSL's signing and verify prefs are. */
    uint16_t sign_sigalgs[TLSIO_MAX_SIGALGS];
    size_t n_sign_sigalgs;
    uint8_t alpn[TLSIO_MAX_ALPN_WIRE]; /* ProtocolNameList body (u8-prefixed names) */
    size_t alpn_len;                   /* 0: no ALPN */

    tlsio_trust *trust; /* NULL until an anchor is added */
    int trust_explicit; /* the user chose anchors (no system default) */

    /* tls_config_set_keep_peer_chain(cfg, 0): after verification the engine and its
     * sessions keep the peer leaf's identity (subject, issuer, validity, SHA-256), not the
     * chain's DER. 0 by default: the chain is kept. */
    int drop_peer_chain;
    /* The largest Certificate message body read from the peer (tls_config_set_max_cert_
     * chain), both roles. */
    size_t max_cert_chain;

    /* Server: client certificate authentication (tls_config_set_client_verify). */
    int client_verify;           /* enum tls_client_verify */
    tlsio_trust *client_trust;   /* anchors for client chains; NULL until one is added */
    uint8_t *client_ca_names;    /* heap: their subjects as DistinguishedName<1..2^16-1> each */
    size_t client_ca_names_len;  /* the certificate_authorities list body; 0: none */
    int client_ca_names_dropped; /* the subjects exceeded 65535 bytes: none are sent */
    int client_ca_names_set;     /* tls_config_set_client_ca_names chose them: CAs add none */

    tlsio_chain chains[TLSIO_MAX_CHAINS];
    size_t n_chains;

    size_t max_send_fragment; /* plaintext bytes per record we send (64..2^14) */
    size_t record_size_limit; /* plaintext bytes per record we receive (64..2^14, RFC 8449) */

    tlsio_rng rng;
    /* The clock (<tlsio/core.h> tls_config_set_clock): Unix milliseconds; NULL: none. */
    tls_clock_fn clock;
    void *clock_arg;

    /* Resumption (session.c, ticket_keys.c). Server: tickets per TLS 1.3 handshake (0: no
     * tickets and no resumption, both versions) and their lifetime; the key ring. Client:
     * the socket facade's session cache size (the cache itself is the facade's). */
    unsigned tickets;
    uint32_t ticket_lifetime; /* seconds, 1..604800 (RFC 8446 §4.6.1) */
    tlsio_ticket_keys ticket_keys;
    size_t session_cache_size;
    /* The socket facade's bound on tls_connect and the handshake, in ms (0: none). */
    unsigned handshake_timeout_ms;
    /* The facade's cache (sockapi/session_cache.c) and how to free it; NULL until first use. */
    tlsio_atomic_ptr session_cache;
    void (*session_cache_free)(void *cache);

    /* The last setter's failure. Never written once freezing starts (not even by the
     * freeze's own system-store loader, whose failure goes to trust_err): tls_config_error
     * may read it on another thread that saw the config unfrozen just before. */
    tlsio_err err;

    /* Lower-level hooks (<tlsio/core.h>); NULL when not set. */
    tls_peer_check_fn peer_check;
    void *peer_check_arg;
    tls_alpn_select_fn alpn_select;
    void *alpn_select_arg;
    tls_trace_fn trace;
    void *trace_arg;
    tls_keylog_fn keylog;
    void *keylog_arg;
    /* Frees keylog_arg when the key log is replaced or the config freed: the facade's key
     * log file (sockapi/keylog_file.c) sets it; NULL for a caller's own callback. */
    void (*keylog_free)(void *arg);

    /*
     * Set by tlsio_config_freeze when the config ends up frozen with trust == NULL: why there
     * are no trust anchors (the system store failed to load, or none were added and no loader
     * was given). Read-only once frozen, unlike err, so connections may quote it in their
     * unknown_ca sentence. code == 0 when trust != NULL.
     */
    tlsio_err trust_err;
};

/*
 * Freezes cfg for use by a connection (idempotent, thread-safe). If the config has no trust
 * anchors and load_system is not NULL, load_system(cfg, err) is called once first (the socket
 * facade passes its system-store loader; the core passes NULL), with a sentence slot of the
 * freeze's own. A loader failure does not stop the freeze: it is recorded in cfg->trust_err
 * only (cfg->err is never written by a freeze). Threads that lose the race to freeze spin
 * (C11 atomics only; the core has no thread header) until the winner is done.
 * Returns 0, or TLS_E_USAGE for a NULL cfg.
 */
int tlsio_config_freeze(tls_config *cfg,
                        int (*load_system)(tls_config *cfg, tlsio_err *err)) TLSIO_MUST_CHECK;
/* tlsio_config_freeze that first calls prepare(cfg) (if not NULL) in the one thread that
 * freezes, before anything else: the socket facade installs its real-time clock there when
 * the config has none (no other thread can be reading the config then). */
int tlsio_config_freeze_with(tls_config *cfg, void (*prepare)(tls_config *cfg),
                             int (*load_system)(tls_config *cfg, tlsio_err *err)) TLSIO_MUST_CHECK;

/* Setters check this first: TLS_E_USAGE once frozen (or freezing), writing nothing; from then
   on tls_config_error returns a constant sentence, never the error slot. */
int tlsio_config_check_mutable(tls_config *cfg) TLSIO_MUST_CHECK;

/*
 * Adds DER certificates (back to back, each one DER SEQUENCE; see crypto_pem.h) to cfg's
 * trust store, creating it if needed. Does not check mutability, clear cfg->err or set
 * trust_explicit: it is the shared back end of tls_config_add_ca_* and of the system-store
 * loader that runs while the config is being frozen. Every certificate is checked before any
 * is added; only an allocation failure inside libcrypto can leave part of them added to an
 * existing store. Returns 0, TLS_E_USAGE or TLS_E_NOMEM with a sentence in err.
 */
int tlsio_config_add_ca_der(tls_config *cfg, const uint8_t *der, size_t der_len,
                            tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * The socket facade's system-store loader (sockapi/config_files.c), to pass to
 * tlsio_config_freeze: loads $SSL_CERT_FILE / $SSL_CERT_DIR / the Debian bundle into cfg's
 * trust store without the mutability check. Returns 0, or an error with the reason in err.
 */
int tlsio_config_load_system_store(tls_config *cfg, tlsio_err *err) TLSIO_MUST_CHECK;

/* 1 if cfg enables version v and lists at least one cipher suite for it: what a client
 * offers in supported_versions and what a server counts as "supporting" for the RFC 8446
 * §4.1.3 downgrade sentinel. */
int tlsio_cfg_offers_version(const tls_config *cfg, uint16_t v);

#ifdef __cplusplus
}
#endif
#endif
