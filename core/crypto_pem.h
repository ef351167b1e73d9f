/*
 * PEM certificates to DER (RFC 7468 §5: "CERTIFICATE" blocks hold one X.509 certificate each).
 * Part of the crypto adapter: the only code besides CBS/CBB that calls libcrypto.
 */
#ifndef TLSIO_CRYPTO_PEM_H
#define TLSIO_CRYPTO_PEM_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/bytestring.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reads every "CERTIFICATE" block (also the legacy label "X509 CERTIFICATE") of a PEM text in
 * order, checks that each holds exactly one well-formed DER X.509 certificate, and appends the
 * DER certificates back to back to `out` (each is one DER SEQUENCE, so CBS_get_asn1_element
 * splits them again). Blocks with other labels (e.g. a private key in the same file) and text
 * between blocks are skipped. `what` names the input in sentences ("CA PEM"). max_certs == 0
 * means no limit. Returns 0 with *n_certs set, or:
 *   TLS_E_USAGE  "<what>: no CERTIFICATE block found"
 *                "<what>: more than <max> certificates"
 *                "<what>: block <n> is not valid PEM"
 *                "<what>: certificate <n> is malformed"
 *   TLS_E_NOMEM  out of memory.
 * On failure `out` may hold part of the output; callers discard it.
 */
int tlsio_pem_certs_to_der(const uint8_t *pem, size_t pem_len, size_t max_certs, const char *what,
                           CBB *out, size_t *n_certs, tlsio_err *err) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
