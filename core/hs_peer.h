/* Checks of what the peer sent that both protocol versions share: its certificate chain
 * and its ALPN answer. */
#ifndef TLSIO_HS_PEER_H
#define TLSIO_HS_PEER_H

#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Verifies the peer's chain (leaf first) against the config's trust anchors and the time
 * given, plus the host name for a client; keeps the leaf key and subject. */
int tlsio_verify_peer_chain(tls_engine *e, const CBS *certs, size_t n) TLSIO_MUST_CHECK;

/* RFC 7301 §3.1: the server's ALPN answer names exactly one protocol, one we offered. */
int tlsio_take_alpn_answer(tls_engine *e, const CBS *list, const char *msg) TLSIO_MUST_CHECK;

/* Server: keeps the ClientHello's host_name (RFC 6066 §3: at most one) as e->server_name. */
int tlsio_server_take_sni(tls_engine *e, const tlsio_exts *x) TLSIO_MUST_CHECK;

/* Server: picks the first of our ALPN protocols the client offers (RFC 7301 §3.2: none in
 * common is no_application_protocol). */
int tlsio_server_choose_alpn(tls_engine *e, const tlsio_exts *x) TLSIO_MUST_CHECK;

/*
 * Client: picks the credential that answers a CertificateRequest into hs->chain and
 * hs->sig_scheme, from hs->peer_sigalgs (the request's signature algorithms, in the
 * server's order) and, for TLS 1.2, the request's certificate_types (NULL for TLS 1.3).
 * The first configured chain whose key fits gets the server's most preferred scheme that
 * tlsio allows for the version (with tls_config_set_signature_schemes: the first of our
 * list that the server accepts; tlsio_choose_sig_scheme). No chain configured: hs->chain = NULL (an
 * empty Certificate). Chains configured but none fits: handshake_failure with a sentence naming
 * what the server accepts and what our keys are.
 */
int tlsio_client_choose_credential(tls_engine *e, const CBS *cert_types) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
