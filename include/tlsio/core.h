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

/* Protocol versions as they appear on the wire. */
#define TLS_VERSION_1_2 0x0303
#define TLS_VERSION_1_3 0x0304

/*
 * Error codes. 0 is success. 1..255 are TLS alert descriptions (RFC 8446 §6): when the
 * engine fails with one of these it sends that alert to the peer. Values from 0x100 up are
 * local conditions that have no alert of their own.
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
    TLS_E_CLOSED = 0x104     /* the connection was closed; no more data either way */
};

/* What kind of failure an error is. */
enum tls_error_category {
    TLS_ERRCAT_NONE = 0,
    TLS_ERRCAT_PEER_ALERT,  /* the peer sent a fatal alert; its number is the code */
    TLS_ERRCAT_PROTOCOL,    /* the peer broke the protocol; we sent the code as an alert */
    TLS_ERRCAT_CERTIFICATE, /* certificate or hostname verification failed */
    TLS_ERRCAT_USAGE,       /* local misuse of the API */
    TLS_ERRCAT_INTERNAL,    /* resource or libcrypto failure */
    TLS_ERRCAT_TRANSPORT    /* the transport ended early */
};

/* The alert's RFC name ("illegal_parameter") or a local code's name; never NULL. */
const char *tls_error_code_name(int code);

/*
 * A source of random bytes. The default (none given) is libcrypto's RNG; tests inject a
 * deterministic one to replay published traces. Must fill all len bytes.
 */
typedef void (*tls_rng_fn)(void *ctx, uint8_t *out, size_t len);

/* Library version string, e.g. "0.1.0". */
const char *tlsio_version(void);

#ifdef __cplusplus
}
#endif
#endif
