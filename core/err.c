/* Error slots and the names of alert and local codes. */
#include "err.h"

#include <stdio.h>
#include <string.h>

/* tlsio_version(): the version of CMakeLists.txt's project(), passed in by the build as
 * TLSIO_VERSION_STRING (a compile definition on tlsio_objs), so there is no second copy to
 * drift; err_test (Version.IsTheProjectVersion) checks the two agree. */
#ifndef TLSIO_VERSION_STRING
#error "TLSIO_VERSION_STRING must come from the build (CMakeLists.txt, tlsio_objs)"
#endif

struct code_name {
    int code;
    const char *name;
};

/* RFC 8446 §6 alert names, and ours for local codes. */
static const struct code_name code_names[] = {
    {TLS_ALERT_CLOSE_NOTIFY, "close_notify"},
    {TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected_message"},
    {TLS_ALERT_BAD_RECORD_MAC, "bad_record_mac"},
    {TLS_ALERT_RECORD_OVERFLOW, "record_overflow"},
    {TLS_ALERT_HANDSHAKE_FAILURE, "handshake_failure"},
    {TLS_ALERT_BAD_CERTIFICATE, "bad_certificate"},
    {TLS_ALERT_UNSUPPORTED_CERTIFICATE, "unsupported_certificate"},
    {TLS_ALERT_CERTIFICATE_REVOKED, "certificate_revoked"},
    {TLS_ALERT_CERTIFICATE_EXPIRED, "certificate_expired"},
    {TLS_ALERT_CERTIFICATE_UNKNOWN, "certificate_unknown"},
    {TLS_ALERT_ILLEGAL_PARAMETER, "illegal_parameter"},
    {TLS_ALERT_UNKNOWN_CA, "unknown_ca"},
    {TLS_ALERT_ACCESS_DENIED, "access_denied"},
    {TLS_ALERT_DECODE_ERROR, "decode_error"},
    {TLS_ALERT_DECRYPT_ERROR, "decrypt_error"},
    {TLS_ALERT_PROTOCOL_VERSION, "protocol_version"},
    {TLS_ALERT_INSUFFICIENT_SECURITY, "insufficient_security"},
    {TLS_ALERT_INTERNAL_ERROR, "internal_error"},
    {TLS_ALERT_INAPPROPRIATE_FALLBACK, "inappropriate_fallback"},
    {TLS_ALERT_USER_CANCELED, "user_canceled"},
    {TLS_ALERT_NO_RENEGOTIATION, "no_renegotiation"},
    {TLS_ALERT_MISSING_EXTENSION, "missing_extension"},
    {TLS_ALERT_UNSUPPORTED_EXTENSION, "unsupported_extension"},
    {TLS_ALERT_UNRECOGNIZED_NAME, "unrecognized_name"},
    {TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE, "bad_certificate_status_response"},
    {TLS_ALERT_UNKNOWN_PSK_IDENTITY, "unknown_psk_identity"},
    {TLS_ALERT_CERTIFICATE_REQUIRED, "certificate_required"},
    {TLS_ALERT_NO_APPLICATION_PROTOCOL, "no_application_protocol"},
    {TLS_E_INTERNAL, "internal"},
    {TLS_E_USAGE, "usage"},
    {TLS_E_NOMEM, "out_of_memory"},
    {TLS_E_TRUNCATED, "truncated"},
    {TLS_E_CLOSED, "closed"},
};

const char *tls_error_code_name(int code) {
    for (size_t i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
        if (code_names[i].code == code) return code_names[i].name;
    return code < 0x100 ? "unknown_alert" : "unknown_error";
}

const char *tlsio_version(void) {
    return TLSIO_VERSION_STRING;
}

int tlsio_err_category(int code) {
    if (code == 0) return TLS_ERRCAT_NONE;
    if (code == TLS_E_USAGE || code == TLS_E_CLOSED) return TLS_ERRCAT_USAGE;
    if (code == TLS_E_TRUNCATED || code < 0) return TLS_ERRCAT_TRANSPORT;
    if (code >= 0x100 || code == TLS_ALERT_INTERNAL_ERROR) return TLS_ERRCAT_INTERNAL;
    return TLS_ERRCAT_PROTOCOL;
}

int tlsio_err_vsetc(tlsio_err *e, int category, int code, const char *fmt, va_list ap) {
    if (e->code != 0) return e->code; /* sticky: the first, most precise error wins */
    if (category != TLS_ERRCAT_PEER_ALERT && category != TLS_ERRCAT_CERTIFICATE)
        category = tlsio_err_category(code);
    e->code = code;
    e->category = category;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    return code;
}

int tlsio_err_setc(tlsio_err *e, int category, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = tlsio_err_vsetc(e, category, code, fmt, ap);
    va_end(ap);
    return r;
}

int tlsio_err_set(tlsio_err *e, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = tlsio_err_vsetc(e, tlsio_err_category(code), code, fmt, ap);
    va_end(ap);
    return r;
}

void tlsio_err_clear(tlsio_err *e) {
    /* Not a memset of the 512-byte message: this runs for every message handled, and an
     * empty string is all a reader of msg looks at. */
    e->code = 0;
    e->category = TLS_ERRCAT_NONE;
    e->msg[0] = '\0';
}
