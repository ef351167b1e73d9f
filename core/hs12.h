/* TLS 1.2 (RFC 5246 with RFC 8422 ECDHE, RFC 7627 EMS, RFC 5746): internal interface. */
#ifndef TLSIO_HS12_H
#define TLSIO_HS12_H

#include "hs_dispatch.h"
#include "prf12.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The TLS 1.3 tables hand over here once TLS 1.2 is chosen. */
int tlsio12_client_take_server_hello(tls_engine *e, const tlsio_server_hello *sh,
                                     uint8_t *next) TLSIO_MUST_CHECK;
int tlsio12_server_take_client_hello(tls_engine *e, const tlsio_client_hello *ch,
                                     uint8_t *next) TLSIO_MUST_CHECK;

/* Shared pieces (hs12_common.c). */
int tlsio12_derive_master(tls_engine *e, const uint8_t *pms, size_t pms_len) TLSIO_MUST_CHECK;
/* The key block and the exporter's inputs from hs->h12.master and this handshake's randoms
 * (RFC 5246 §6.3); derive_master ends with it, a resumption (whose master secret is the
 * session's, RFC 5246 §7.3) calls it once both randoms are known. */
int tlsio12_derive_keys(tls_engine *e) TLSIO_MUST_CHECK;
int tlsio12_send_ccs_and_switch(tls_engine *e) TLSIO_MUST_CHECK;
int tlsio12_on_ccs(tls_engine *e) TLSIO_MUST_CHECK;
int tlsio12_send_finished(tls_engine *e) TLSIO_MUST_CHECK;
int tlsio12_check_finished(tls_engine *e, const tlsio_finished *fin) TLSIO_MUST_CHECK;
/* Sends a TLS 1.2 Certificate with the chain (NULL: the empty list a client may send). */
int tlsio12_send_certificate(tls_engine *e, const tlsio_chain *chain) TLSIO_MUST_CHECK;
/* Splits a received TLS 1.2 Certificate's list into certs[TLSIO_X509_MAX_DEPTH] (views, leaf
 * first) and counts them in *n; more than that many is bad_certificate. */
int tlsio12_take_cert_list(tls_engine *e, const tlsio_certificate12 *c, CBS *certs,
                           size_t *n) TLSIO_MUST_CHECK;
/* Client: sends CertificateVerify with hs->chain's key under hs->sig_scheme over the
 * handshake messages kept in hs->h12.msgs. */
int tlsio12_send_certificate_verify(tls_engine *e) TLSIO_MUST_CHECK;
/* The bytes a ServerKeyExchange signs; out needs 64 + 4 + point_len bytes. */
size_t tlsio12_ske_content(const tls_engine *e, uint16_t group, const uint8_t *point,
                           size_t point_len, uint8_t *out);
/* A HelloRequest (client) or a renegotiation ClientHello (server) after the handshake: we
 * never renegotiate, so the answer is a no_renegotiation warning (RFC 5746 §4.2, §4.4), up to
 * a limit with no application data between; past it the connection ends. `what` names the
 * message. */
int tlsio12_refuse_renegotiation(tls_engine *e, const char *what) TLSIO_MUST_CHECK;
int tlsio12_check_reneg_info(tls_engine *e, const tlsio_exts *x, const char *msg) TLSIO_MUST_CHECK;
int tlsio12_check_point_formats(tls_engine *e, const tlsio_exts *x,
                                const char *msg) TLSIO_MUST_CHECK;
/* 1 if a certificate key of this type can serve the suite's authentication. */
int tlsio12_key_fits_suite(const tlsio_suite *s, const tlsio_pkey *k);
/* The NamedGroup of an ECDSA key's curve, or 0 for a key not bound to a curve group (RSA,
 * Ed25519). RFC 8422 §5.1: in TLS 1.2 supported_groups also names the curves an endpoint
 * takes ECDSA keys on, so both roles check a peer's or their own ECDSA key against it. */
uint16_t tlsio12_ecdsa_key_group(const tlsio_pkey *k);

/* ServerECDHParams carry an ECPoint point<1..2^8-1> (RFC 8422 §5.4): room for the longest. */
#define TLSIO12_SKE_CONTENT_MAX (64 + 4 + 255)

#ifdef __cplusplus
}
#endif
#endif
