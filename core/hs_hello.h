/* Version negotiation and the ClientHello for both versions (hs_hello.c). */
#ifndef TLSIO_HS_HELLO_H
#define TLSIO_HS_HELLO_H

#include "engine_send.h"
#include "engine_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Client: the first ClientHello (random, legacy_session_id, our key share), sent and flushed. */
int tlsio_client_hello_start(tls_engine *e) TLSIO_MUST_CHECK;
/* Client: sends (and flushes) the ClientHello from hs: the first, or the second after a
 * HelloRetryRequest (its cookie and new key share). */
int tlsio_send_client_hello(tls_engine *e) TLSIO_MUST_CHECK;

/* 1 if v is in list[0..n): "did we offer it" for our suites and groups. */
int tlsio_offered_u16(const uint16_t *list, size_t n, uint16_t v);
/* 1 if id is a TLS 1.3 suite we offered. */
int tlsio_offered_suite13(const tls_engine *e, uint16_t id);

/* Client: checks a ServerHello choosing TLS 1.2 (version, downgrade sentinel, suite, session
 * id, extensions) and takes its suite, version and random. The TLS 1.2 client table then
 * takes over (tlsio12_client_take_server_hello). */
int tlsio_client_take_server_hello12(tls_engine *e, const tlsio_server_hello *sh) TLSIO_MUST_CHECK;

/* Server: the TLS 1.3 suite for the client's offer, or NULL (hs13_server.c). */
typedef const tlsio_suite *(*tlsio_choose_suite13_fn)(const tls_engine *e, const CBS *offered);
/* Server: the version for this ClientHello (RFC 8446 §4.2.1, RFC 5246 Appendix E.1);
 * choose_suite13 says whether a TLS 1.3 suite is in common. */
int tlsio_server_choose_version(tls_engine *e, const tlsio_client_hello *ch,
                                tlsio_choose_suite13_fn choose_suite13,
                                uint16_t *v) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
