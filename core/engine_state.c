/* The engine's state: freeing the handshake-only part, negotiated strings, and recording a
 * failure (with the alert we owe the peer). */
#include "engine_state.h"

#include <openssl/mem.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine_send.h"

/*
 * The alert that reports a failure with this code to the peer, or -1 for none. RFC 8446 §6.2:
 * a fatal error SHOULD be reported with an alert. Not when the peer's alert ended the
 * connection, the transport is gone (TLS_E_TRUNCATED), our close_notify already went out
 * (§6.1: nothing follows it), or a client has not sent its ClientHello (no peer yet). A local
 * failure (libcrypto, memory, misuse) is internal_error: "unrelated to the peer".
 */
static int alert_for(const tls_engine *e, int code) {
    if (e->err.category == TLS_ERRCAT_PEER_ALERT || code == TLS_E_TRUNCATED || e->close_sent)
        return -1;
    if (!e->is_server && !e->spoke) return -1;
    return code > 0 && code < 0x100 ? code : TLS_ALERT_INTERNAL_ERROR;
}

int tlsio_engine_failed(tls_engine *e, int code) {
    if (e->err.code == 0) tlsio_err_set(&e->err, code, "%s", tls_error_code_name(code));
    code = e->err.code;
    int alert = alert_for(e, code);
    if (!e->alert_queued && alert >= 0) {
        e->alert_queued = 1;
        if (tlsio_send_alert(e, (uint8_t)alert) != 0) {
            /* the connection has failed already; an alert that cannot be sealed is dropped */
        }
    }
    return code;
}

int tlsio_engine_fail(tls_engine *e, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    tlsio_err_vsetc(&e->err, tlsio_err_category(code), code, fmt, ap);
    va_end(ap);
    return tlsio_engine_failed(e, code);
}

int tlsio_engine_set_string(tls_engine *e, char **slot, const uint8_t *p, size_t n) {
    char *s = malloc(n + 1);
    if (s == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    memcpy(s, p, n);
    s[n] = '\0';
    free(*slot);
    *slot = s;
    return 0;
}

void tlsio_hs_state_free(tls_engine *e) {
    tlsio_hs *hs = e->hs;
    if (hs == NULL) return;
    tlsio_transcript_wipe(&hs->transcript);
    tlsio_transcript_wipe(&hs->h13.pre_ch);
    tlsio_ks_wipe(&hs->h13.ks);
    tlsio_kex_wipe(&hs->kex);
    tlsio_pkey_free(hs->peer_key);
    free(hs->h13.cookie);
    if (hs->h13.ch1 != NULL) OPENSSL_cleanse(hs->h13.ch1, hs->h13.ch1_len);
    free(hs->h13.ch1);
    free(hs->h13.cr_context);
    tlsio_hs_drop_msgs12(hs);
    free(hs->h12.nst);
    OPENSSL_cleanse(hs, sizeof(*hs));
    free(hs);
    e->hs = NULL;
}

/* 2000-01-01 and 3000-01-01 00:00 UTC in Unix seconds. A clock outside them is a unit or
 * clock mistake (milliseconds, an unset RTC), and certificate validity (RFC 5280 §4.1.2.5)
 * checked against it would blame the certificate's dates instead. */
#define PLAUSIBLE_TIME_MIN INT64_C(946684800)
#define PLAUSIBLE_TIME_MAX INT64_C(32503680000)

int tlsio_engine_set_now(tls_engine *e, int64_t unix_seconds) {
    if (unix_seconds < PLAUSIBLE_TIME_MIN || unix_seconds > PLAUSIBLE_TIME_MAX) {
        /* Refused, and remembered: a handshake that goes on without a good time fails with
         * this sentence at the certificate check (hs_common.c), not with notBefore/notAfter. */
        e->have_now = 0;
        e->bad_now = unix_seconds;
        e->have_bad_now = 1;
        return TLS_E_USAGE;
    }
    e->now = unix_seconds;
    e->have_now = 1;
    e->have_bad_now = 0;
    return 0;
}

int64_t tlsio_now_ms(const tls_engine *e) {
    if (e->cfg->clock != NULL) return e->cfg->clock(e->cfg->clock_arg);
    return e->have_now ? e->now * 1000 : -1;
}
