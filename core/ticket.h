/*
 * Session tickets: sealing a session's state for a client to carry, and opening it again
 * (RFC 5077 §4's recommended construction with an AEAD, used by both versions). A ticket is
 *
 *     key_name[16] || nonce[12] || AES-256-GCM(state) || tag[16]     (key_name is the AD)
 *
 * under one of the config's ticket keys (config.h tlsio_ticket_keys). The key ring's own
 * setters (tls_config_set_ticket_keys, _rotate_ticket_key) live in ticket.c too.
 */
#ifndef TLSIO_TICKET_H
#define TLSIO_TICKET_H

#include <openssl/bytestring.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLSIO_TICKET_NAME_LEN 16
#define TLSIO_TICKET_OVERHEAD (TLSIO_TICKET_NAME_LEN + 12 + 16)

/* Seals state[0..len) as a ticket appended to out under the current key (made at random on
 * first use). Returns 0, or TLS_E_NOMEM / TLS_E_INTERNAL with err set. */
int tlsio_ticket_seal(tls_config *cfg, const uint8_t *state, size_t len, CBB *out,
                      tlsio_err *err) TLSIO_MUST_CHECK;

/* Opens a ticket into out[0..cap) (the state, *len bytes). 0 on success; 1 when the ticket is
 * not ours to open (unknown key name, too short, altered: the caller goes on without it). */
int tlsio_ticket_open(tls_config *cfg, const CBS *ticket, uint8_t *out, size_t cap,
                      size_t *len) TLSIO_MUST_CHECK;

/* Wipes the key ring (tls_config_free). */
void tlsio_ticket_keys_wipe(tlsio_ticket_keys *k);

#ifdef __cplusplus
}
#endif
#endif
