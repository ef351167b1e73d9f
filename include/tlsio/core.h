/*
 * tlsio core: the buffer-only TLS engine (lower-level API).
 *
 * Nothing here does I/O, reads a clock or touches global state. Most programs want
 * <tlsio/tls.h> instead; this header is for event loops and embedders that move bytes
 * themselves.
 */
#ifndef TLSIO_CORE_H
#define TLSIO_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shared library hides every symbol but the ones declared here (it is built with
 * -fvisibility=hidden): a declaration in this block is the API and the ABI, nothing else is
 * (tests/abi_check.sh compares the library's dynamic symbols with these headers). */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

/* Protocol versions as they appear on the wire. */
#define TLS_VERSION_1_2 0x0303
#define TLS_VERSION_1_3 0x0304

/*
 * Error codes. 0 is success. 1..255 are TLS alert descriptions (RFC 8446 §6): when the
 * engine fails with one of these it sends that alert to the peer. Values from 0x100 up are
 * local conditions that have no alert of their own. close_notify's number is 0 too, but it
 * is never a failure code: a clean close leaves the code 0, and a close_notify that ends a
 * handshake is TLS_E_CLOSED.
 */
enum tls_alert {
    TLS_ALERT_CLOSE_NOTIFY = 0,
    TLS_ALERT_UNEXPECTED_MESSAGE = 10,
    TLS_ALERT_BAD_RECORD_MAC = 20,
    TLS_ALERT_RECORD_OVERFLOW = 22,
    TLS_ALERT_HANDSHAKE_FAILURE = 40,
    TLS_ALERT_BAD_CERTIFICATE = 42,
    TLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
    TLS_ALERT_CERTIFICATE_REVOKED = 44,
    TLS_ALERT_CERTIFICATE_EXPIRED = 45,
    TLS_ALERT_CERTIFICATE_UNKNOWN = 46,
    TLS_ALERT_ILLEGAL_PARAMETER = 47,
    TLS_ALERT_UNKNOWN_CA = 48,
    TLS_ALERT_ACCESS_DENIED = 49,
    TLS_ALERT_DECODE_ERROR = 50,
    TLS_ALERT_DECRYPT_ERROR = 51,
    TLS_ALERT_PROTOCOL_VERSION = 70,
    TLS_ALERT_INSUFFICIENT_SECURITY = 71,
    TLS_ALERT_INTERNAL_ERROR = 80,
    TLS_ALERT_INAPPROPRIATE_FALLBACK = 86,
    TLS_ALERT_USER_CANCELED = 90,
    TLS_ALERT_NO_RENEGOTIATION = 100,
    TLS_ALERT_MISSING_EXTENSION = 109,
    TLS_ALERT_UNSUPPORTED_EXTENSION = 110,
    TLS_ALERT_UNRECOGNIZED_NAME = 112,
    TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
    TLS_ALERT_UNKNOWN_PSK_IDENTITY = 115,
    TLS_ALERT_CERTIFICATE_REQUIRED = 116,
    TLS_ALERT_NO_APPLICATION_PROTOCOL = 120
};

enum tls_local_error {
    TLS_E_INTERNAL = 0x100,  /* a libcrypto call failed or an invariant broke */
    TLS_E_USAGE = 0x101,     /* the caller used the API wrongly */
    TLS_E_NOMEM = 0x102,     /* an allocation failed */
    TLS_E_TRUNCATED = 0x103, /* the transport ended without close_notify */
    TLS_E_CLOSED = 0x104     /* the peer sent close_notify before the handshake completed */
};

/* What kind of failure an error is. */
enum tls_error_category {
    TLS_ERRCAT_NONE = 0,
    TLS_ERRCAT_PEER_ALERT,  /* the peer sent a fatal alert (its number is the code), or
                               close_notify during the handshake (TLS_E_CLOSED) */
    TLS_ERRCAT_PROTOCOL,    /* the peer broke the protocol; we sent the code as an alert */
    TLS_ERRCAT_CERTIFICATE, /* certificate or hostname verification failed */
    TLS_ERRCAT_USAGE,       /* local misuse of the API */
    TLS_ERRCAT_INTERNAL,    /* resource or libcrypto failure */
    TLS_ERRCAT_TRANSPORT    /* the transport ended early */
};

/* The alert's RFC name ("illegal_parameter") or a local code's name; never NULL. It names
 * alert numbers as well as error codes, so 0 gives "close_notify" (as for an alert a trace
 * hook reports); as an error code 0 means no error: test for it before naming a code. */
const char *tls_error_code_name(int code);

/*
 * A source of random bytes. The default (none given) is libcrypto's RNG; tests inject a
 * deterministic one to replay published traces. Must fill all len bytes.
 */
typedef void (*tls_rng_fn)(void *ctx, uint8_t *out, size_t len);

/* ---------------------------------------------------------------------------------------
 * The engine: one TLS connection over caller-moved buffers.
 *
 * The engine never does I/O. The caller moves bytes with four buffer/ack pairs:
 *
 *   network -> engine:  p = tls_engine_recv_buf(e, &n); copy up to n received bytes to p;
 *                       tls_engine_recv_ack(e, got);
 *   engine -> network:  p = tls_engine_send_buf(e, &n); send up to n bytes from p;
 *                       tls_engine_send_ack(e, sent);
 *   app -> engine:      p = tls_engine_write_buf(e, &n); put up to n plaintext bytes at p;
 *                       tls_engine_write_ack(e, put);        (seals one record in place)
 *   engine -> app:      p = tls_engine_read_buf(e, &n); consume up to n decrypted bytes;
 *                       tls_engine_read_ack(e, used);
 *
 * A buffer call returns NULL with *n == 0 when that direction has nothing (yet). The
 * handshake runs as a side effect of moving bytes. tls_engine_status() says what the engine
 * needs next; TLS_ST_WANT_RECV maps to POLLIN and TLS_ST_HAS_SEND to POLLOUT.
 *
 * Backpressure. While more than TLS_ENGINE_SEND_HIGH_WATER bytes wait in send_buf, recv_buf
 * hands out nothing and the status leaves out TLS_ST_WANT_RECV: send first. Answers to the
 * peer (alerts, KeyUpdates, a flight) are then never queued without limit for a peer that
 * sends without reading.
 *
 * Acknowledging. Each ack says how many bytes of the region its buf call handed out were
 * used, from the region's start; an ack may cover part of it, and a later ack the next part.
 * A second buf call of the same kind replaces the region (from the same first byte). One
 * policy for all four acks: acknowledging 0 bytes is always allowed and does nothing;
 * acknowledging more than was handed out and not yet acknowledged -- including any ack with
 * no region outstanding -- is TLS_E_USAGE: the engine fails (sticky, as below, with a
 * sentence naming the call and both numbers) and nothing of that ack is applied. In
 * particular write_ack never seals bytes that did not come through write_buf.
 *
 * How long each pointer stays valid:
 *   recv_buf   until recv_ack, tls_engine_trim or tls_engine_free (the next recv_buf call
 *              may move the unprocessed bytes: use only its new pointer).
 *   send_buf   the region stays valid and unchanged until it is acknowledged, whatever is
 *              called meanwhile (write_buf/write_ack, recv_ack, close, key_update, trim):
 *              an asynchronous writer (libuv's uv_write, io_uring) may hold it across other
 *              calls and send_ack when the write completes. Only tls_engine_free ends it.
 *   write_buf  until write_ack, or until any call that queues other output in its place
 *              (recv_ack or read_ack answering a KeyUpdate, close, key_update, a failure):
 *              a write_ack after that is TLS_E_USAGE; call write_buf again.
 *   read_buf   until read_ack consumes it, or tls_engine_free.
 * The engine never calls back during these calls except for the config's hooks.
 *
 * Reading: recv_buf returns NULL (with *n == 0) while decrypted data waits to be read
 * (TLS_ST_HAS_READ): the engine keeps the record it decrypted in place in its receive
 * buffer until the application has taken it. So drain before feeding more:
 *
 *     for (;;) {
 *         const uint8_t *d; size_t n;
 *         while ((d = tls_engine_read_buf(e, &n)) != NULL) {   // first what waits
 *             size_t used = app_consume(d, n);                 // may be < n
 *             tls_engine_read_ack(e, used);
 *             if (used < n) return;                            // app is full: no POLLIN
 *         }
 *         uint8_t *p = tls_engine_recv_buf(e, &n);
 *         if (p == NULL) break;                                // closed, failed, or full
 *         ssize_t got = recv(fd, p, n, 0);
 *         if (got <= 0) { if (got == 0) tls_engine_recv_eof(e); break; }  // EAGAIN: wait
 *         tls_engine_recv_ack(e, (size_t)got);
 *     }
 *
 * Errors are sticky: once an ack call fails, every later call fails with the same code and
 * tls_engine_error_* describe it -- except send_buf/send_ack and read_buf/read_ack, which go
 * on working so that the alert can be flushed and data decrypted before the failure read.
 * When the failure is ours to report, the alert is queued for sending (flush it:
 * TLS_ST_HAS_SEND stays set until it is sent).
 * ------------------------------------------------------------------------------------- */

typedef struct tls_config tls_config; /* see <tlsio/tls.h> */
typedef struct tls_engine tls_engine;

/* Status bits. */
#define TLS_ST_WANT_RECV   0x01 /* the engine needs bytes from the network */
#define TLS_ST_HAS_SEND    0x02 /* bytes wait in tls_engine_send_buf() */
#define TLS_ST_CAN_WRITE   0x04 /* application data can be written now */
#define TLS_ST_HAS_READ    0x08 /* decrypted application data waits */
#define TLS_ST_CONNECTED   0x10 /* the handshake has completed */
#define TLS_ST_PEER_CLOSED 0x20 /* close_notify received: no more application data in */
#define TLS_ST_CLOSED      0x40 /* close_notify sent and peer's received, or failed */
#define TLS_ST_FAILED      0x80 /* a fatal error occurred; see tls_engine_error_code() */

/*
 * Configuration. An engine takes everything but the server name and the time from a
 * tls_config built with <tlsio/tls.h>: tls_config_new(), then tls_config_add_ca_file /
 * _add_ca_system (trust), tls_config_add_cert_file (our chain and key), tls_config_set_ciphers,
 * _set_groups, _set_versions, _set_alpn, ... and the hooks below. The engine takes a reference
 * and freezes the config: setters fail with TLS_E_USAGE afterwards, and one config serves any
 * number of engines on any threads. The core itself reads no files or environment; the
 * system trust store is loaded by the socket facade, or with tls_config_add_ca_system().
 */

/* Why a constructor returned NULL: a code (TLS_E_USAGE, TLS_E_NOMEM) and one sentence. */
typedef struct tls_engine_new_error {
    int code;
    char msg[256];
} tls_engine_new_error;

/*
 * New client engine. server_name is the name verified against the server certificate (a DNS
 * name or an IPv4/IPv6 literal without brackets) and sent as SNI when it is a DNS name; it is
 * required: an unverified connection is not offered. A name that can never be verified
 * ("a b", "*.example.com", "[::1]", empty) is refused here, before anything is sent. The
 * config gains a reference. NULL on bad arguments or out of memory; the _ex form then fills
 * *why (if why is not NULL) with the reason.
 */
tls_engine *tls_engine_new_client(tls_config *cfg, const char *server_name);
tls_engine *tls_engine_new_client_ex(tls_config *cfg, const char *server_name,
                                     tls_engine_new_error *why);
/* New server engine; the config must hold at least one certificate chain and key. */
tls_engine *tls_engine_new_server(tls_config *cfg);
tls_engine *tls_engine_new_server_ex(tls_config *cfg, tls_engine_new_error *why);
void tls_engine_free(tls_engine *e);

/*
 * The current time (Unix seconds) used for certificate validity. The core has no clock: the
 * caller provides it before the peer's certificate arrives (the socket facade does, from
 * time(NULL)). A value before 2000 or after 3000 is a clock or unit mistake (milliseconds,
 * say): it is refused with TLS_E_USAGE and not used; if no good time is given afterwards,
 * the handshake fails at the certificate check with a sentence about the clock (not about the
 * certificate's dates). Returns 0 or TLS_E_USAGE.
 */
int tls_engine_set_time(tls_engine *e, int64_t unix_seconds);

unsigned tls_engine_status(const tls_engine *e);

/* The four buffer/ack pairs (see above for the contract and pointer lifetimes). Each ack
 * returns 0 or the error code. send_ack and read_ack keep working after a failure (within
 * their regions): that is how the alert reaches the peer and earlier data the caller. */
#define TLS_ENGINE_SEND_HIGH_WATER (64 * 1024)
uint8_t *tls_engine_recv_buf(tls_engine *e, size_t *len);
int tls_engine_recv_ack(tls_engine *e, size_t len);
const uint8_t *tls_engine_send_buf(tls_engine *e, size_t *len);
int tls_engine_send_ack(tls_engine *e, size_t len);
uint8_t *tls_engine_write_buf(tls_engine *e, size_t *len);
int tls_engine_write_ack(tls_engine *e, size_t len);
const uint8_t *tls_engine_read_buf(tls_engine *e, size_t *len);
int tls_engine_read_ack(tls_engine *e, size_t len);

/* Bytes queued to send (handed out by send_buf or not), without handing any out: for a
 * high-water mark on output ("stop writing above 64 KiB"). 0 when nothing waits. */
size_t tls_engine_send_pending(const tls_engine *e);

/* Tells the engine the transport reached EOF. Without a prior close_notify this is a
 * truncation error (TLS_E_TRUNCATED), distinct from a clean close. */
int tls_engine_recv_eof(tls_engine *e);

/* Releases the buffers that hold nothing right now (receive, send, handshake reassembly),
 * so an idle connection costs little memory; they come back on demand. Call it when the
 * transport has nothing to read (the socket facade does, on EAGAIN). */
void tls_engine_trim(tls_engine *e);

/* Queues close_notify (RFC 8446 §6.1); no application data may be written afterwards. */
int tls_engine_close(tls_engine *e);

/* Asks for a KeyUpdate (TLS 1.3; request_peer also asks the peer to update). */
int tls_engine_key_update(tls_engine *e, int request_peer);

/*
 * Keying material exporter (RFC 8446 §7.5 for TLS 1.3, RFC 5705 with RFC 7627 for TLS 1.2):
 * out_len bytes bound to this connection, the same on both ends for the same label and
 * context. context NULL means "no context"; TLS 1.2 tells that apart from an empty context,
 * TLS 1.3 does not; NULL with context_len > 0 is refused. An empty label ("") is allowed
 * (RFC 8446 §7.5). Labels TLS itself uses (RFC 5705 §4) are refused. Returns 0, or
 * TLS_E_USAGE before the handshake completes or for a bad label/context/length. Never fails
 * the connection.
 */
int tls_engine_export_keying_material(const tls_engine *e, const char *label, size_t label_len,
                                      const uint8_t *context, size_t context_len, uint8_t *out,
                                      size_t out_len);

/* ---------------------------------------------------------------------------------------
 * Sessions (resumption; see tls_config_set_session_tickets in <tlsio/tls.h>).
 *
 * A session is an opaque value the caller owns: what a client needs to resume with one server
 * ticket. A client engine collects the tickets the server sends (TLS 1.3 NewSessionTicket
 * after the handshake, TLS 1.2 during it); tls_engine_take_session hands them out one at a
 * time, each once. Pass one to tls_engine_new_client_resume for a later connection to the
 * same server name. A session holds a secret: keep it as carefully as a private key.
 * ------------------------------------------------------------------------------------- */
typedef struct tls_session tls_session;

/* A client engine like tls_engine_new_client_ex that offers session s (NULL: none). s is
 * copied. It is not offered, and the handshake is a full one, when it is for another server
 * name, has expired by the config's clock (tls_config_set_clock; without one, the time given
 * to tls_engine_set_time; with neither it is not offered), its version or cipher suite is
 * not enabled in cfg, or it holds a peer identity kept under the other
 * tls_config_set_keep_peer_chain setting. */
tls_engine *tls_engine_new_client_resume(tls_config *cfg, const char *server_name,
                                         const tls_session *s, tls_engine_new_error *why);
/* Client: the oldest ticket received and not yet taken, as a new session the caller frees;
 * NULL when none waits. The engine keeps at most the 4 newest. A TLS 1.2 resumption without
 * a renewed ticket leaves the resumed session itself (its ticket may be offered again). */
tls_session *tls_engine_take_session(tls_engine *e);
/* Client: the i-th CA name (a DER distinguished name) the server listed in its
 * CertificateRequest (RFC 8446 §4.2.4 certificate_authorities, RFC 5246 §7.4.4), *len set;
 * NULL past the last, or when the server asked for no certificate or named none. */
const uint8_t *tls_engine_requested_ca_name(const tls_engine *e, size_t i, size_t *len);
/* TLS 1.2 client: the certificate_types of the server's CertificateRequest (RFC 5246 §7.4.4,
 * RFC 8422 §5.5: 1 rsa_sign, 64 ecdsa_sign, others as sent), *len set; NULL and 0 when no
 * certificate was requested, and in TLS 1.3 (which has no such field). */
const uint8_t *tls_engine_requested_cert_types(const tls_engine *e, size_t *len);
/* 1 once the handshake resumed a session (both roles), else 0. */
int tls_engine_resumed(const tls_engine *e);
/* TLS 1.3 server, resumed: the ticket age the client reported minus the one the server
 * measured, in milliseconds (RFC 8446 §4.2.11.1; positive: the client's clock ran ahead).
 * Resumption is refused beyond 60 s either way. 0 when the handshake resumed nothing. */
int64_t tls_engine_ticket_age_skew_ms(const tls_engine *e);

/* Serialises s into out[0..cap): 0 with *len set, or TLS_E_USAGE when cap is too small (then
 * *len is the size needed; out may be NULL to ask). */
int tls_session_encode(const tls_session *s, uint8_t *out, size_t cap, size_t *len);
/* A session from tls_session_encode's bytes, or NULL if they are not one. */
tls_session *tls_session_decode(const uint8_t *in, size_t len);
tls_session *tls_session_dup(const tls_session *s);
void tls_session_free(tls_session *s); /* wipes the secret; NULL: nothing */
uint16_t tls_session_version(const tls_session *s);
const char *tls_session_server_name(const tls_session *s);
/* When the ticket expires, Unix milliseconds (by the clock of the engine that received it). */
int64_t tls_session_expiry(const tls_session *s);

/* Error details: code (0, alert, or TLS_E_*), enum tls_error_category, one sentence. */
int tls_engine_error_code(const tls_engine *e);
int tls_engine_error_category(const tls_engine *e);
const char *tls_engine_error(const tls_engine *e);

/* Negotiated parameters (0 / NULL before they are known). */
uint16_t tls_engine_version(const tls_engine *e);
uint16_t tls_engine_cipher_suite(const tls_engine *e);
uint16_t tls_engine_group(const tls_engine *e);
const char *tls_engine_alpn(const tls_engine *e);
const char *tls_engine_server_name(const tls_engine *e);
/* The verified peer certificate's subject, one line ("CN=example.com"), or NULL: on a
 * server, the client's (tls_config_set_client_verify), NULL if it sent none. */
const char *tls_engine_peer_subject(const tls_engine *e);
/* The SignatureScheme (RFC 8446 §4.2.3) the peer signed with, e.g. 0x0804, once its
 * signature verified: its CertificateVerify (TLS 1.3; a TLS 1.2 client's) or a TLS 1.2
 * server's ServerKeyExchange. 0 when the peer has not signed. */
uint16_t tls_engine_peer_signature_scheme(const tls_engine *e);

/*
 * More of the verified peer certificate, kept when the chain passed verification (NULL /
 * TLS_E_USAGE when there is none: before, on a server that asked for no certificate, or for
 * a client that sent none). Valid until tls_engine_free.
 *   issuer: the leaf's issuer, one line like the subject.
 *   validity: the leaf's notBefore and notAfter as Unix seconds (either pointer may be NULL).
 *   cert_sha256: SHA-256 of the leaf's DER, 32 bytes (the usual certificate fingerprint).
 *   chain: certificate i (0 = leaf) in DER, as the peer sent it; NULL with *len 0 past the
 *   end (at most 10 are kept).
 */
const char *tls_engine_peer_issuer(const tls_engine *e);
int tls_engine_peer_validity(const tls_engine *e, int64_t *not_before, int64_t *not_after);
const uint8_t *tls_engine_peer_cert_sha256(const tls_engine *e);
const uint8_t *tls_engine_peer_chain(const tls_engine *e, size_t i, size_t *len);

/* ---------------------------------------------------------------------------------------
 * Lower-level hooks. Set on a config before its first connection (TLS_E_USAGE after); they
 * run inside the engine's ack calls, on the thread that makes the call, and must not call
 * back into the same engine.
 * ------------------------------------------------------------------------------------- */

/* What a peer check is told about the peer's certificate chain. */
typedef struct tls_peer_check_info {
    int is_server;               /* 1: we are the server and this is the client's chain */
    int verdict;                 /* 0: tlsio's own checks passed; else the code they failed with */
    const char *server_name;     /* the name verified (client) or the SNI received (server) */
    size_t n_certs;              /* certificates as the peer sent them, leaf first */
    const uint8_t *const *certs; /* DER of each; valid only during the call */
    const size_t *cert_lens;
} tls_peer_check_info;

/*
 * An extra check of the peer's certificate chain (pinning, an allow-list of subjects,
 * logging). It cannot replace or switch off tlsio's checks: chain building, validity dates,
 * key usage and the host name are always checked first, and their verdict stands.
 *
 * Called once per received Certificate message that is not empty. With info->verdict == 0
 * (tlsio's checks passed) the return value decides: 0 accepts the chain; an alert number
 * (1..255, e.g. TLS_ALERT_BAD_CERTIFICATE or TLS_ALERT_CERTIFICATE_UNKNOWN) refuses it: the
 * handshake fails with that alert sent to the peer and the error category
 * TLS_ERRCAT_CERTIFICATE. Any other value refuses with certificate_unknown. With
 * info->verdict != 0 the handshake fails whatever the hook returns; the call only reports it.
 * fn NULL removes the hook.
 */
typedef int (*tls_peer_check_fn)(void *arg, const tls_peer_check_info *info);
int tls_config_set_peer_check(tls_config *cfg, tls_peer_check_fn fn, void *arg);

/*
 * Server: chooses the ALPN protocol (RFC 7301 §3.2) instead of taking the first of the
 * config's list (tls_config_set_alpn) that the client offers. Called only when the client
 * sent an ALPN extension, with its protocol_name_list as sent: each name after a one-byte
 * length, all non-empty (checked before the call). Returns the index (0-based) of the
 * chosen name in that list, so it is always one the client offered; TLS_ALPN_NONE to go on
 * without ALPN (the client sees none selected); or TLS_ALPN_REFUSE (or any other value) to
 * fail the handshake with no_application_protocol. fn NULL removes the hook.
 */
#define TLS_ALPN_NONE   (-1)
#define TLS_ALPN_REFUSE (-2)
typedef int (*tls_alpn_select_fn)(void *arg, const uint8_t *offered, size_t offered_len);
int tls_config_set_alpn_select(tls_config *cfg, tls_alpn_select_fn fn, void *arg);

/*
 * The clock: Unix time in milliseconds. The core reads no clock of its own; it asks this one
 * for ticket ages and lifetimes (resumption) and, when tls_engine_set_time was not called,
 * for certificate validity. The socket facade sets the system's real-time clock when the
 * config has none; tests set a fixed one. fn NULL removes it: engines then date tickets by
 * the time given to tls_engine_set_time (to the second), and with neither issue and offer
 * none.
 */
typedef int64_t (*tls_clock_fn)(void *arg);
int tls_config_set_clock(tls_config *cfg, tls_clock_fn fn, void *arg);

/* Message trace direction. */
#define TLS_TRACE_RECEIVED 0
#define TLS_TRACE_SENT     1

/*
 * A trace of the protocol messages of every connection made with the config, both
 * directions, like `openssl s_client -msg`: content_type 22 (handshake) gives a whole
 * handshake message, 4-byte header included; 20 (change_cipher_spec) its one byte; 21
 * (alert) level and description. Received messages are reported when they are processed
 * (after decryption and reassembly), before the engine acts on them; sent ones when they
 * are queued for sending. Application data is not reported. fn NULL removes the trace.
 */
typedef void (*tls_trace_fn)(void *arg, const tls_engine *e, int direction, uint8_t content_type,
                             const uint8_t *msg, size_t len);
int tls_config_set_trace(tls_config *cfg, tls_trace_fn fn, void *arg);

/*
 * The key log: one line per secret in the NSS key log format that Wireshark reads, for
 * debugging only (whoever holds the lines can decrypt the connection). TLS 1.3:
 * CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0 and EXPORTER_SECRET; TLS 1.2: CLIENT_RANDOM (the master secret,
 * also for a resumed session). Each line is "LABEL <ClientHello.random> <secret>" in
 * lower-case hex, with no newline; it is valid only during the call (then wiped). Both
 * roles, each connection made with the config, as the secrets are derived. Off unless set;
 * fn NULL removes it.
 */
typedef void (*tls_keylog_fn)(void *arg, const tls_engine *e, const char *line);
int tls_config_set_keylog(tls_config *cfg, tls_keylog_fn fn, void *arg);

/* Names of protocol constants ("TLSv1.3", "TLS_AES_128_GCM_SHA256", "x25519"); "unknown"
 * for values tlsio does not know. */
const char *tls_version_name(uint16_t version);
const char *tls_cipher_suite_name(uint16_t suite);
const char *tls_group_name(uint16_t group);
const char *tls_signature_scheme_name(uint16_t scheme); /* "ecdsa_secp256r1_sha256" */

/* Library version string, e.g. "0.1.0". */
const char *tlsio_version(void);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif
