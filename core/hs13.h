/* TLS 1.3 (RFC 8446) pieces both roles share (hs13_common.c): keys, Finished, Certificate,
 * CertificateVerify, KeyUpdate, the compatibility change_cipher_spec. */
#ifndef TLSIO_HS13_H
#define TLSIO_HS13_H

#include "engine_send.h"
#include "engine_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses the peer's Certificate (TLS 1.3 form), verifies the chain (and host name for a
 * client) and keeps the leaf key for CertificateVerify. */
int tlsio13_take_peer_certificate(tls_engine *e, const tlsio_certificate13 *c) TLSIO_MUST_CHECK;

/* Installs a TLS 1.3 key derived from a traffic secret for reading or writing. Writing, what
 * is queued goes out under the old key first. */
int tlsio13_install_read(tls_engine *e, const uint8_t *secret) TLSIO_MUST_CHECK;
int tlsio13_install_write(tls_engine *e, const uint8_t *secret) TLSIO_MUST_CHECK;
/* Current transcript hash into th (TLSIO_MAX_HASH_LEN bytes of room). */
int tlsio13_transcript_hash(tls_engine *e, uint8_t *th) TLSIO_MUST_CHECK;
/* Sends Finished computed from base_key over the current transcript. */
int tlsio13_send_finished(tls_engine *e, const uint8_t *base_key) TLSIO_MUST_CHECK;
/* Checks a received Finished (RFC 8446 §4.4.4) against base_key over the transcript before it. */
int tlsio13_check_finished(tls_engine *e, const uint8_t *base_key, const CBS *verify_data,
                           const char *who) TLSIO_MUST_CHECK;
/* Derives and installs the handshake traffic keys after ServerHello (both roles). */
int tlsio13_derive_handshake(tls_engine *e, const uint8_t *ecdhe,
                             size_t ecdhe_len) TLSIO_MUST_CHECK;
/* Derives the application traffic secrets (transcript up to server Finished). */
int tlsio13_derive_application(tls_engine *e) TLSIO_MUST_CHECK;
/* Sends CertificateVerify signed with key under scheme over the current transcript. */
int tlsio13_send_certificate_verify(tls_engine *e, const tlsio_pkey *key,
                                    uint16_t scheme) TLSIO_MUST_CHECK;
/* Sends a Certificate message with the given chain (NULL: empty list). */
int tlsio13_send_certificate(tls_engine *e, const uint8_t *ctx, size_t ctx_len,
                             const tlsio_chain *chain) TLSIO_MUST_CHECK;
/* Verifies a received CertificateVerify against hs->peer_key (transcript before it). */
int tlsio13_check_certificate_verify(tls_engine *e,
                                     const tlsio_certificate_verify *cv) TLSIO_MUST_CHECK;
/* Handles a post-handshake KeyUpdate / sends one. */
int tlsio13_handle_key_update(tls_engine *e, uint32_t request_update) TLSIO_MUST_CHECK;
int tlsio13_send_key_update(tls_engine *e, int request_peer) TLSIO_MUST_CHECK;
/* ---- resumption (hs13_psk.c; RFC 8446 §4.2.11, §4.6.1) ---- */

/* Server: picks and checks an offered PSK (ClientHello taken with TLSIO_T_BEFORE_PSK). 0 with
 * hs->h13.psk_accepted set when it resumes, 0 without when a full handshake follows, or an
 * error (identities and binders that do not pair up, a binder that does not verify). */
int tlsio13_server_take_psk(tls_engine *e, const tlsio_client_hello *ch) TLSIO_MUST_CHECK;
/* Server: 1 if a ClientHello offers, among the identities the server tries, a PSK it could
 * resume with under the suite chosen (binders unchecked; no state changes). */
int tlsio13_server_psk_usable(tls_engine *e, const tlsio_client_hello *ch);
/* Server: after the client Finished entered the transcript, the NewSessionTickets. */
int tlsio13_server_send_tickets(tls_engine *e) TLSIO_MUST_CHECK;

/* Client: what a ClientHello's PSK extensions point into while it is encoded. */
typedef struct tlsio13_psk_parts {
    int active;   /* a PSK is offered */
    uint8_t *ids; /* the identities list body (OPENSSL_malloc) */
    size_t ids_len;
    uint8_t binders[1 + TLSIO_MAX_HASH_LEN]; /* the binders list body */
    size_t binders_len;
} tlsio13_psk_parts;
/* Client: adds psk_key_exchange_modes (always: servers send tickets only to clients that list
 * psk_dhe_ke) and, when e->offer may be offered, pre_shared_key (last); p->active says whether
 * it was. Free p with tlsio13_psk_parts_free. */
int tlsio13_client_offer_psk(tls_engine *e, tlsio_exts *x, tlsio13_psk_parts *p) TLSIO_MUST_CHECK;
void tlsio13_psk_parts_free(tlsio13_psk_parts *p);
/* Client: encodes ch, fills in its binder (§4.2.11.2) and queues it. */
int tlsio13_send_client_hello_psk(tls_engine *e, const tlsio_client_hello *ch) TLSIO_MUST_CHECK;
/* Client: the ServerHello's pre_shared_key (or its absence: a full handshake). */
int tlsio13_client_take_psk_answer(tls_engine *e, const tlsio_server_hello *sh) TLSIO_MUST_CHECK;
/* Client: resumption_master_secret, once our Finished entered the transcript. */
int tlsio13_client_derive_res_master(tls_engine *e) TLSIO_MUST_CHECK;
/* Client: keeps a NewSessionTicket as a session (tls_engine_take_session). */
int tlsio13_client_take_ticket(tls_engine *e,
                               const tlsio_new_session_ticket13 *nst) TLSIO_MUST_CHECK;

/* ---- the second ClientHello (hs13_second_hello.c; RFC 8446 §4.1.2) ---- */

/* Server, sending a HelloRetryRequest: keeps the ClientHello being taken (TLSIO_T_BEFORE_PSK)
 * to compare the second with. */
int tlsio13_keep_first_hello(tls_engine *e, const tlsio_client_hello *ch) TLSIO_MUST_CHECK;
/* Server, taking the second ClientHello: illegal_parameter naming the field if it differs
 * from the first other than as §4.1.2 allows. Drops the first either way. */
int tlsio13_check_second_hello(tls_engine *e) TLSIO_MUST_CHECK;
void tlsio13_drop_first_hello(tlsio_hs13 *h);

/* Drops a TLS 1.3 compatibility change_cipher_spec (RFC 8446 D.4), within an allowance. */
int tlsio13_drop_compat_ccs(tls_engine *e, uint8_t *next) TLSIO_MUST_CHECK;
/* The table row that drops a compatibility change_cipher_spec in state st (RFC 8446 D.4: the
 * peer may send one after the first ClientHello until its Finished). Needs hs_dispatch.h. */
#define TLSIO13_COMPAT_CCS_EDGE(st)                                                                \
    TLSIO_EDGE(st, TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY, none, TLSIO_T_NEVER, 0,                        \
               tlsio13_drop_compat_ccs, NULL, TLSIO_ST(st))

#ifdef __cplusplus
}
#endif
#endif
