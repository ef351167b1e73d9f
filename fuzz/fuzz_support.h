/*
 * What the fuzz targets (fuzz_*.c) and the corpus recorder (record_corpus.c) share: a PKI
 * and RNG that are the same in every process, the configs of each scenario, real handshakes
 * run to the point a target takes over, the capture of handshake messages and secrets, and
 * the input formats the targets read (written down here once, for both sides).
 *
 * Determinism is the point: libFuzzer replays an input to minimise it, and a seed recorded by
 * one process must mean the same to the target in another. So every key is derived from a
 * fixed seed, certificates and the server's CertificateVerify are signed with Ed25519 (whose
 * signatures are deterministic; the ECDSA scenarios are marked as not replaying byte for
 * byte), every config draws from a counter-based RNG that fuzz_reset() restarts, and the
 * clock is fixed at FUZZ_NOW.
 */
#ifndef TLSIO_FUZZ_SUPPORT_H
#define TLSIO_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <tlsio/tls.h>

#include "record.h"
#include "transcript.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Unix seconds every engine and ticket lives at; the PKI is valid from 2020 to 2033. */
#define FUZZ_NOW  1700000000
#define FUZZ_HOST "example.com"

/* ---- bytes ------------------------------------------------------------------------------ */

/* A growable byte string. Out of memory aborts: a harness has no better answer. */
typedef struct fuzz_buf {
    uint8_t *p;
    size_t len, cap;
} fuzz_buf;
void fuzz_buf_add(fuzz_buf *b, const void *p, size_t n);
void fuzz_buf_u8(fuzz_buf *b, uint8_t v);
void fuzz_buf_u16(fuzz_buf *b, uint16_t v);
void fuzz_buf_u24(fuzz_buf *b, uint32_t v);
void fuzz_buf_free(fuzz_buf *b);

/* The fuzzer's input, read from the front. Reading past the end gives zeros / nothing. */
typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in;
uint8_t fuzz_take_u8(fuzz_in *in);
uint16_t fuzz_take_u16(fuzz_in *in);
/* Up to want bytes (fewer at the end); *got says how many. */
const uint8_t *fuzz_take(fuzz_in *in, size_t want, size_t *got);

/* ---- scenarios ---------------------------------------------------------------------------- */

/*
 * A scenario is a client config and a server config that shake hands in a known way. Inputs
 * of the engine targets start with a scenario byte (taken modulo FUZZ_SC__COUNT).
 */
enum fuzz_scenario {
    FUZZ_SC_TLS13,             /* x25519, Ed25519 server, ALPN, 2 tickets */
    FUZZ_SC_TLS13_HRR,         /* the client's share is secp256r1, the server takes x25519 only */
    FUZZ_SC_TLS13_CLIENT_AUTH, /* CertificateRequest; the client has an Ed25519 chain */
    FUZZ_SC_TLS13_RESUME,      /* the client offers a ticket of an earlier handshake */
    FUZZ_SC_TLS13_P256,        /* ECDSA P-256 server, secp384r1 key exchange */
    FUZZ_SC_TLS12,             /* ECDHE_ECDSA with an Ed25519 server, extended master secret */
    FUZZ_SC_TLS12_CLIENT_AUTH,
    FUZZ_SC_TLS12_RESUME, /* RFC 5077 ticket */
    FUZZ_SC_TLS12_P256,   /* ECDSA P-256 server, ChaCha20-Poly1305 */
    FUZZ_SC__COUNT
};
const char *fuzz_scenario_name(int sc);
/* TLS_VERSION_1_3 or TLS_VERSION_1_2: what the scenario negotiates. */
uint16_t fuzz_scenario_version(int sc);
/* 1 when the server signs with Ed25519, so its whole handshake is the same in every run. */
int fuzz_scenario_replays(int sc);

/* Restarts every config's RNG and clears the capture: call first for each input. */
void fuzz_reset(void);

/* A new client (time set; offering the scenario's session when it has one) or server. Abort
 * on failure: these are the harness's own configs. */
tls_engine *fuzz_client_new(int sc);
tls_engine *fuzz_server_new(int sc);
/* The same, offering session s instead of the scenario's (NULL: none). */
tls_engine *fuzz_client_resume(int sc, const tls_session *s);
/* The session a resumption scenario's client offers (NULL for the others). */
const tls_session *fuzz_scenario_session(int sc);
/* The scenario's server config (to seal tickets under its key). */
tls_config *fuzz_server_config(int sc);
/* The Ed25519 seed of the server key of the Ed25519 scenarios (to re-sign as that server). */
const uint8_t *fuzz_server_ed25519_seed(void);

/* ---- moving bytes ------------------------------------------------------------------------ */

/* Takes everything e has to send into out (NULL: dropped). Returns the byte count. */
size_t fuzz_drain(tls_engine *e, fuzz_buf *out);
/* Takes the decrypted application data waiting in e (dropped). */
void fuzz_read_app(tls_engine *e);
/* Hands wire bytes to e in pieces of at most chunk bytes (0: as many as it takes), taking its
 * output into out (NULL: dropped) and its application data between pieces, until all are
 * taken or e takes no more (failed, closed). Returns the bytes e took. */
size_t fuzz_feed(tls_engine *e, const uint8_t *p, size_t n, size_t chunk, fuzz_buf *out);
/* fuzz_feed, and with FUZZ_FEED_LAZY output and data are taken only when e refuses input
 * (its backpressure, core.h), as from a peer that is slow to read and an application that is
 * slow to consume. */
#define FUZZ_FEED_LAZY 1
size_t fuzz_feed_ex(tls_engine *e, const uint8_t *p, size_t n, size_t chunk, fuzz_buf *out,
                    unsigned flags);
/* Moves bytes both ways until nothing moves. */
void fuzz_pump(tls_engine *a, tls_engine *b);
/* What an application does with a connection once the input is spent: reads, writes, exports
 * keying material, asks for a KeyUpdate, closes; all output is dropped. Reaches the paths
 * that send in whatever state the input left e. */
void fuzz_exercise(tls_engine *e);

/* With TLSIO_FUZZ_VERBOSE set in the environment: one line on stderr saying how far e got
 * (connected or not, its error), for checking what the seeds reach. */
void fuzz_report(const char *target, int sc, const tls_engine *e);

/* ---- what the hooks saw -------------------------------------------------------------------- */

/* One protocol message as the trace hook reported it (<tlsio/core.h> tls_trace_fn). */
typedef struct fuzz_msg {
    const tls_engine *e;
    int sent; /* 1: e sent it; 0: e received (and processed) it */
    uint8_t content_type;
    size_t off, len; /* in fuzz_capture.bytes */
} fuzz_msg;

typedef struct fuzz_secret {
    const tls_engine *e;
    char label[40];
    uint8_t client_random[32];
    uint8_t v[48];
    size_t len;
} fuzz_secret;

#define FUZZ_MAX_MSGS    256
#define FUZZ_MAX_SECRETS 32

/* Every message and secret of every engine since fuzz_reset (beyond the maxima: dropped). */
typedef struct fuzz_capture {
    fuzz_buf bytes;
    fuzz_msg msgs[FUZZ_MAX_MSGS];
    size_t n_msgs;
    fuzz_secret secrets[FUZZ_MAX_SECRETS];
    size_t n_secrets;
} fuzz_capture;
const fuzz_capture *fuzz_capture_get(void);
static inline const uint8_t *fuzz_msg_bytes(const fuzz_msg *m) {
    return fuzz_capture_get()->bytes.p + m->off;
}
/* The last secret e logged under label (NSS key log labels), or NULL. */
const fuzz_secret *fuzz_secret_find(const tls_engine *e, const char *label);
/* The last handshake message of type msg_type that e sent (sent = 1) or processed, or NULL. */
const fuzz_msg *fuzz_msg_find(const tls_engine *e, int sent, uint8_t msg_type);
/* 1 if the server hello message is a HelloRetryRequest (RFC 8446 §4.1.3). */
int fuzz_is_hrr(const uint8_t *msg, size_t len);

/* ---- handshakes up to where a target takes over ---------------------------------------- */

/*
 * Moves the client's first flight to the server and the server's answer to the client (again
 * after a HelloRetryRequest), and stops once the client has its own write key (TLS 1.3: the
 * handshake traffic secret; TLS 1.2: the master secret): what the client sends from then on
 * (its second flight) is left in client_out and never reaches the server. 0, or -1 if the
 * handshake did not get there.
 */
int fuzz_run_to_client_flight(tls_engine *c, tls_engine *s, fuzz_buf *client_out);

/* ---- records -------------------------------------------------------------------------------- */

/* Protection for one direction made from secrets the hooks logged. */
typedef struct fuzz_sealer {
    tlsio_rl_dir d;
    uint16_t suite;
    uint8_t secret[48]; /* TLS 1.3: the traffic secret in use (for KeyUpdate) */
    size_t secret_len;
    int live;
} fuzz_sealer;
/* TLS 1.3: keys from a traffic secret (RFC 8446 §7.3). 0 or -1. */
int fuzz_sealer_tls13(fuzz_sealer *s, uint16_t suite, const uint8_t *secret, size_t len);
/* TLS 1.3 KeyUpdate: the next traffic secret (RFC 8446 §7.2) and its keys. */
int fuzz_sealer_update(fuzz_sealer *s);
/* TLS 1.2: one side's write keys of the key block (RFC 5246 §6.3). 0 or -1. */
int fuzz_sealer_tls12(fuzz_sealer *s, uint16_t suite, const uint8_t master[48],
                      const uint8_t client_random[32], const uint8_t server_random[32],
                      int client_write);
void fuzz_sealer_free(fuzz_sealer *s);
/* Appends records carrying payload (split at 2^14 bytes, or at s->d.size_limit when the
 * caller set one; an empty payload is one empty record) of content type, sealed under s with pad
 * bytes of TLS 1.3 padding, or in the clear when s is NULL or not live. */
void fuzz_seal(fuzz_sealer *s, uint8_t type, const uint8_t *p, size_t n, size_t pad, fuzz_buf *out);

/* ---- input formats ------------------------------------------------------------------------ */

/*
 * fuzz_server_sealed: <scenario> then records, each
 *     <flags> <content type> <length u16> <payload>
 * flags & 3: 0 in the clear; 1 under the client's handshake key (TLS 1.3) or its key (TLS
 * 1.2); 2 under the client's application key (TLS 1.3; TLS 1.2: its key); 3 the payload is
 * raw wire bytes, header and all. flags & 4: first move the application key on by one
 * KeyUpdate. flags >> 4: TLS 1.3 padding, 16 bytes per step.
 */
#define FUZZ_REC_PLAIN      0
#define FUZZ_REC_HS_KEY     1
#define FUZZ_REC_APP_KEY    2
#define FUZZ_REC_RAW        3
#define FUZZ_REC_KEY_UPDATE 4
void fuzz_put_record(fuzz_buf *b, uint8_t flags, uint8_t type, const uint8_t *p, size_t n);

/*
 * fuzz_client_structured: <scenario> then elements, each
 *     <kind> <length u16> <data>
 * kind & 3: 0 a handshake message, data = msg_type then body (the harness adds the length);
 * 1 application data; 2 an alert (data = level, description); 3 a record of content type
 * data[0] carrying the rest. kind & 4: end the record being filled first; kind & 8: keep a
 * CertificateVerify signature / ServerKeyExchange signature / Finished as given (no fixing
 * up); kind & 16: send it in the clear whatever the keys.
 */
#define FUZZ_EL_HS        0
#define FUZZ_EL_APP       1
#define FUZZ_EL_ALERT     2
#define FUZZ_EL_RECORD    3
#define FUZZ_EL_FLUSH     4
#define FUZZ_EL_NO_FIXUP  8
#define FUZZ_EL_CLEARTEXT 16
void fuzz_put_element(fuzz_buf *b, uint8_t kind, const uint8_t *p, size_t n);

/* ---- codecs ---------------------------------------------------------------------------------- */

/* Every codec the round-trip target decodes: the handshake messages of both versions, the
 * list element codecs, and each (extension, message) row's body. An input's first byte picks
 * one (modulo the count). */
struct tlsio_codec;
struct tlsio_ext_row;
typedef struct fuzz_codec {
    const char *name;
    const struct tlsio_codec *codec;
    const struct tlsio_ext_row *row; /* extension bodies: the row; else NULL */
} fuzz_codec;
size_t fuzz_codec_count(void);
const fuzz_codec *fuzz_codec_at(size_t i);
/* The index of codec c (a message or element codec), or of the row's body; -1 if none. */
int fuzz_codec_index(const struct tlsio_codec *c, const struct tlsio_ext_row *row);

#ifdef __cplusplus
}
#endif
#endif
