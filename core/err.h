/*
 * Errors inside the core: one value space (0 ok, 1..255 alert, >= 0x100 local; see
 * <tlsio/core.h>) plus one sentence saying what was wrong and where.
 */
#ifndef TLSIO_ERR_H
#define TLSIO_ERR_H

#include <stdarg.h>
#include <tlsio/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSIO_MUST_CHECK   __attribute__((warn_unused_result))
#define TLSIO_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define TLSIO_ERR_MSG_MAX 512 /* room for a list of valid names (config setters) */

typedef struct tlsio_err {
    int code;     /* 0, an alert number, or a TLS_E_* value */
    int category; /* enum tls_error_category */
    char msg[TLSIO_ERR_MSG_MAX];
} tlsio_err;

/*
 * The category of an error code: the one place that decides it (tlsio_err_set, the engine's
 * failures and the socket facade all ask here). TLS_E_USAGE, TLS_E_CLOSED -> USAGE;
 * TLS_E_TRUNCATED and a socket's -errno -> TRANSPORT; other local codes and internal_error
 * (RFC 8446 §6.2: "unrelated to the protocol") -> INTERNAL; every other alert -> PROTOCOL.
 * Two categories cannot be told from the code and are given explicitly (tlsio_err_setc):
 * PEER_ALERT (the peer sent it) and CERTIFICATE (our chain check refused it).
 */
int tlsio_err_category(int code);

/*
 * Records an error and returns its code. Sticky: only the first error is kept, so a
 * failure deep in a parser is not overwritten by the generic one its caller reports; a later
 * call returns the first error's code. The category is tlsio_err_category(code).
 */
int tlsio_err_set(tlsio_err *e, int code, const char *fmt, ...) TLSIO_PRINTF(3, 4);

/* As tlsio_err_set, for the two categories the code cannot tell: TLS_ERRCAT_PEER_ALERT or
   TLS_ERRCAT_CERTIFICATE. Any other category is replaced by tlsio_err_category(code). */
int tlsio_err_setc(tlsio_err *e, int category, int code, const char *fmt, ...) TLSIO_PRINTF(4, 5);

int tlsio_err_vsetc(tlsio_err *e, int category, int code, const char *fmt, va_list ap);

/* Clears an error slot (used only when a fresh one is set up). */
void tlsio_err_clear(tlsio_err *e);

#ifdef __cplusplus
}
#endif
#endif
