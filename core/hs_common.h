/* Checks of what the peer sent that both protocol versions share: its certificate chain
 * and its ALPN answer. */
#ifndef TLSIO_HS_COMMON_H
#define TLSIO_HS_COMMON_H

#include "engine_send.h"
#include "engine_state.h"
#include "session.h"

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
 * list that the server accepts; tlsio_choose_sig_scheme), among the chains under a CA the
 * server named (when it named any; tlsio_client_keep_ca_names first). No chain configured, or
 * chains that fit but none under a named CA: hs->chain = NULL (an empty Certificate). Chains
 * configured but none fits: handshake_failure with a sentence naming what the server accepts and
 * what our keys are.
 */
int tlsio_client_choose_credential(tls_engine *e, const CBS *cert_types) TLSIO_MUST_CHECK;

/* Client: keeps copies of the CertificateRequest's certificate_types (TLS 1.2; NULL in TLS
 * 1.3) and DistinguishedName list (its body; empty: none) for tls_engine_requested_cert_types
 * and tls_engine_requested_ca_name. 0 or TLS_E_NOMEM. */
int tlsio_client_keep_request(tls_engine *e, const CBS *cert_types,
                              const CBS *names) TLSIO_MUST_CHECK;

/* The signature_algorithms body we offer (u16 values, the config's list in its order) into
 * out, returning its length. With tls13 set (a ClientHello offering TLS 1.3) rsa_pkcs1_*
 * move after every other scheme, keeping their order: RFC 8446 §4.2.3 has clients that list
 * them for TLS 1.2 put them last. */
size_t tlsio_our_sigalgs(const tls_config *cfg, int tls13, uint8_t out[2 * TLSIO_MAX_SIGALGS]);
/* 1 if scheme is in the config's list: one we offer and accept (RFC 8446 §4.4.3). */
int tlsio_cfg_has_sigalg(const tls_config *cfg, uint16_t scheme);
/*
 * The scheme we sign with using key k for `use`, from hs->peer_sigalgs (the peer's
 * signature_algorithms): RFC 8446 §4.2.3 and RFC 5246 §7.4.1.4.1 leave the choice among the
 * peer's schemes to the signer. With an application order (tls_config_set_signing_schemes,
 * else tls_config_set_signature_schemes) the first of OUR list the peer offers and k can make;
 * with neither, the peer's most preferred one k can make. Returns 1 and *out, or 0 if none.
 */
/* " within our configured signing schemes" (or "signature schemes") when the application
 * chose the order we sign in, else "": the tail of a no-common-scheme sentence. */
const char *tlsio_sign_list_hint(const tls_config *cfg);
int tlsio_choose_sig_scheme(const tls_engine *e, const tlsio_pkey *k, tlsio_sig_use use,
                            uint16_t *out);
/* Keeps a validated u16 list (signature_algorithms), whole, in hs->peer_sigalgs: the schemes
 * tlsio names, once each, in order. */
void tlsio_save_peer_sigalgs(tls_engine *e, const CBS *list);
/* Any present extension outside `allowed` (bits of tlsio_ext_id) is one we never asked for:
 * unsupported_extension (RFC 8446 §4.2). */
int tlsio_check_response_exts(tls_engine *e, const tlsio_exts *x, uint32_t allowed,
                              const char *msg) TLSIO_MUST_CHECK;
/* Signs content with key under scheme into sig, which it initializes (the caller cleans it
 * up whatever the result): the one signing path of ServerKeyExchange and both versions'
 * CertificateVerify. */
int tlsio_hs_sign(tls_engine *e, const tlsio_pkey *key, uint16_t scheme, tlsio_sig_use use,
                  const uint8_t *content, size_t n, CBB *sig) TLSIO_MUST_CHECK;
/* Signs content and sends it as a CertificateVerify (same layout in TLS 1.3 and 1.2). */
int tlsio_send_certificate_verify(tls_engine *e, const tlsio_pkey *key, uint16_t scheme,
                                  tlsio_sig_use use, const uint8_t *content,
                                  size_t n) TLSIO_MUST_CHECK;
/* Resumption: the verified peer identity (subject, issuer, validity, fingerprint, chain up to
 * TLSIO_SESS_CHAIN_MAX bytes) into a session's state, the chain built in `chain` (which the
 * state then views); and back, when a session resumes (the peer getters then report what the
 * original handshake verified). */
int tlsio_peer_to_state(tls_engine *e, tlsio_sess_state *st, CBB *chain) TLSIO_MUST_CHECK;
int tlsio_peer_from_state(tls_engine *e, const tlsio_sess_state *st) TLSIO_MUST_CHECK;

/* The handshake finished: free handshake state, mark connected. */
void tlsio_handshake_done(tls_engine *e);

#ifdef __cplusplus
}
#endif
#endif
