/* The output path (engine_send.c) and record_size_limit (record_limit.c): queueing,
 * hashing and sealing what we send. */
#ifndef TLSIO_ENGINE_SEND_H
#define TLSIO_ENGINE_SEND_H

#include "engine_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- output (engine_send.c) ------------------------------------------------------- */

/* Adds a whole handshake message to the transcript (and to hs->h12.msgs while it is kept).
 * TLS_E_NOMEM if the kept copy cannot grow. */
int tlsio_hs_hash(tls_engine *e, const uint8_t *msg, size_t len) TLSIO_MUST_CHECK;
/* Appends a message to hs->h12.msgs only (not the transcript), if it is being kept. */
int tlsio_hs_keep_msg(tls_engine *e, const uint8_t *msg, size_t len) TLSIO_MUST_CHECK;
/* Stops keeping hs->h12.msgs and wipes what was kept. */
void tlsio_hs_drop_msgs12(tlsio_hs *hs);

/* Appends a whole handshake message (header + body) to the queue and the transcript. */
int tlsio_send_hs(tls_engine *e, const uint8_t *msg, size_t len) TLSIO_MUST_CHECK;
/* Encodes body with codec as handshake message msg_type, then as tlsio_send_hs. */
int tlsio_send_hs_msg(tls_engine *e, uint8_t msg_type, const tlsio_codec *codec,
                      const void *body) TLSIO_MUST_CHECK;
/* Seals the queued handshake messages into records under the current write key. */
int tlsio_flush_hs(tls_engine *e) TLSIO_MUST_CHECK;
/* Queues our one unprotected change_cipher_spec record (no-op once sent): TLS 1.2's
 * ChangeCipherSpec (RFC 5246 §7.1) or TLS 1.3's middlebox-compatibility record (RFC 8446
 * D.4). */
int tlsio_send_ccs_record(tls_engine *e) TLSIO_MUST_CHECK;
/* Seals an alert record (level fatal unless close_notify/user_canceled). */
int tlsio_send_alert(tls_engine *e, uint8_t desc) TLSIO_MUST_CHECK;
/* Makes room for n more bytes at out + out_end. Never moves the bytes handed out by
 * tls_engine_send_buf and not yet acknowledged; ends any write_buf region (the caller is
 * about to queue other output where it was). */
int tlsio_out_reserve(tls_engine *e, size_t n) TLSIO_MUST_CHECK;
/* Frees the send buffers kept for a region handed out by send_buf (once it is acked). */
void tlsio_out_release_retired(tls_engine *e);

/* ---- record_size_limit, RFC 8449 (record_limit.c) ------------------------------------- */

/* The most plaintext bytes one record we send now may carry: the config's maximum send
 * fragment, or less if the peer's record_size_limit says so (the smaller wins). */
size_t tlsio_send_fragment_max(const tls_engine *e);
/* Client: adds our record_size_limit to the ClientHello extensions being built. */
int tlsio_rsl_offer(tls_engine *e, tlsio_exts *x) TLSIO_MUST_CHECK;
/* Client: record_size_limit's bit for tlsio_check_response_exts if we offered it, else 0. */
uint32_t tlsio_rsl_allowed(const tls_engine *e);
/* Client: takes the server's answer, if x (EncryptedExtensions or a TLS 1.2 ServerHello,
 * named msg) has one: the limits then apply in both directions. */
int tlsio_rsl_take_answer(tls_engine *e, const tlsio_exts *x, const char *msg) TLSIO_MUST_CHECK;
/* Server, once e->version is chosen: takes the client's offer from its ClientHello
 * extensions ch (our records obey it from now on), so that tlsio_rsl_answer answers it. */
void tlsio_rsl_take_offer(tls_engine *e, const tlsio_exts *ch);
/* Server: adds our answer to the EncryptedExtensions or TLS 1.2 ServerHello extensions x if
 * the client offered the extension; our receive limit applies from then on. */
int tlsio_rsl_answer(tls_engine *e, tlsio_exts *x) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
