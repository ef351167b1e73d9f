/*
 * Handshake framing, the remaining messages (EncryptedExtensions, Finished, NewSessionTicket,
 * KeyUpdate, empty ones) and the HandshakeType -> codec table.
 */
#include "msgs.h"

#define ARR(a) (a), TLSIO_NFIELDS(a)

int tlsio_hs_encode(uint8_t msg_type, const tlsio_codec *c, const void *body, CBB *out,
                    tlsio_err *err) {
    CBB child;
    if (!CBB_add_u8(out, msg_type) || !CBB_add_u24_length_prefixed(out, &child))
        return tlsio_err_set(err, TLS_E_INTERNAL, "%s: output buffer failure", c->name);
    int r = tlsio_encode(c, body, &child, err);
    if (r) return r;
    if (!CBB_flush(out))
        return tlsio_err_set(err, TLS_E_INTERNAL, "%s: output buffer failure", c->name);
    return 0;
}

/* RFC 8446 §4.3.1: struct { Extension extensions<0..2^16-1>; } */
static const tlsio_field encrypted_extensions_fields[] = {
    TLSIO_FLD_EXTS("extensions", TLSIO_F_EXTS, 0, 0xffff, tlsio_encrypted_extensions, extensions,
                   TLSIO_CTX_EE),
};
const tlsio_codec tlsio_codec_encrypted_extensions = {"EncryptedExtensions",
                                                      ARR(encrypted_extensions_fields),
                                                      sizeof(tlsio_encrypted_extensions), NULL};

/* RFC 8446 §4.4.4: opaque verify_data[Hash.length]; RFC 5246 §7.4.9: verify_data[12].
   The exact length is the engine's check; the codec bounds it to what any suite can give. */
static const tlsio_field finished_fields[] = {
    TLSIO_FLD("verify_data", TLSIO_F_REST, TLSIO_FINISHED_MIN, TLSIO_FINISHED_MAX, tlsio_finished,
              verify_data, NULL),
};
const tlsio_codec tlsio_codec_finished = {"Finished", ARR(finished_fields), sizeof(tlsio_finished),
                                          NULL};

/* RFC 8446 §4.6.1: struct { uint32 ticket_lifetime; uint32 ticket_age_add;
   opaque ticket_nonce<0..255>; opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>; } */
static const tlsio_field nst13_fields[] = {
    TLSIO_FLD("ticket_lifetime", TLSIO_F_U32, 0, 0xffffffff, tlsio_new_session_ticket13,
              ticket_lifetime, NULL),
    TLSIO_FLD("ticket_age_add", TLSIO_F_U32, 0, 0xffffffff, tlsio_new_session_ticket13,
              ticket_age_add, NULL),
    TLSIO_FLD("ticket_nonce", TLSIO_F_VEC8, 0, 255, tlsio_new_session_ticket13, ticket_nonce, NULL),
    TLSIO_FLD("ticket", TLSIO_F_VEC16, 1, 0xffff, tlsio_new_session_ticket13, ticket, NULL),
    TLSIO_FLD_EXTS("extensions", TLSIO_F_EXTS, 0, 0xfffe, tlsio_new_session_ticket13, extensions,
                   TLSIO_CTX_NST),
};
const tlsio_codec tlsio_codec_new_session_ticket13 = {"NewSessionTicket", ARR(nst13_fields),
                                                      sizeof(tlsio_new_session_ticket13), NULL};

/* RFC 5077 §3.3: struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } */
static const tlsio_field nst12_fields[] = {
    TLSIO_FLD("ticket_lifetime_hint", TLSIO_F_U32, 0, 0xffffffff, tlsio_new_session_ticket12,
              ticket_lifetime_hint, NULL),
    TLSIO_FLD("ticket", TLSIO_F_VEC16, 0, 0xffff, tlsio_new_session_ticket12, ticket, NULL),
};
const tlsio_codec tlsio_codec_new_session_ticket12 = {"NewSessionTicket", ARR(nst12_fields),
                                                      sizeof(tlsio_new_session_ticket12), NULL};

/* RFC 8446 §4.6.3: enum { update_not_requested(0), update_requested(1), (255) }; "If an
   implementation receives any other value, it MUST terminate the connection with an
   illegal_parameter alert." */
static const tlsio_field key_update_fields[] = {
    TLSIO_FLD("request_update", TLSIO_F_U8, 0, 1, tlsio_key_update, request_update, NULL),
};
const tlsio_codec tlsio_codec_key_update = {"KeyUpdate", ARR(key_update_fields),
                                            sizeof(tlsio_key_update), NULL};

const tlsio_codec tlsio_codec_server_hello_done = {"ServerHelloDone", NULL, 0,
                                                   sizeof(tlsio_empty_msg), NULL};
const tlsio_codec tlsio_codec_hello_request = {"HelloRequest", NULL, 0, sizeof(tlsio_empty_msg),
                                               NULL};
const tlsio_codec tlsio_codec_end_of_early_data = {"EndOfEarlyData", NULL, 0,
                                                   sizeof(tlsio_empty_msg), NULL};

/* Which messages exist in which version (RFC 8446 §4, RFC 5246 §7.4). */
const tlsio_msg_info tlsio_msg_table[] = {
    {TLSIO_HS_HELLO_REQUEST, "HelloRequest", NULL, &tlsio_codec_hello_request, 0},
    {TLSIO_HS_CLIENT_HELLO, "ClientHello", &tlsio_codec_client_hello, &tlsio_codec_client_hello, 0},
    {TLSIO_HS_SERVER_HELLO, "ServerHello", &tlsio_codec_server_hello, &tlsio_codec_server_hello, 0},
    {TLSIO_HS_NEW_SESSION_TICKET, "NewSessionTicket", &tlsio_codec_new_session_ticket13,
     &tlsio_codec_new_session_ticket12, 0},
    /* RFC 8446 §4.5: sent only after 0-RTT data was accepted; we never accept 0-RTT. */
    {TLSIO_HS_END_OF_EARLY_DATA, "EndOfEarlyData", &tlsio_codec_end_of_early_data, NULL, 1},
    {TLSIO_HS_ENCRYPTED_EXTENSIONS, "EncryptedExtensions", &tlsio_codec_encrypted_extensions, NULL,
     0},
    {TLSIO_HS_CERTIFICATE, "Certificate", &tlsio_codec_certificate13, &tlsio_codec_certificate12,
     0},
    {TLSIO_HS_SERVER_KEY_EXCHANGE, "ServerKeyExchange", NULL,
     &tlsio_codec_server_key_exchange_ecdhe, 0},
    {TLSIO_HS_CERTIFICATE_REQUEST, "CertificateRequest", &tlsio_codec_certificate_request13,
     &tlsio_codec_certificate_request12, 0},
    {TLSIO_HS_SERVER_HELLO_DONE, "ServerHelloDone", NULL, &tlsio_codec_server_hello_done, 0},
    {TLSIO_HS_CERTIFICATE_VERIFY, "CertificateVerify", &tlsio_codec_certificate_verify,
     &tlsio_codec_certificate_verify, 0},
    {TLSIO_HS_CLIENT_KEY_EXCHANGE, "ClientKeyExchange", NULL,
     &tlsio_codec_client_key_exchange_ecdhe, 0},
    {TLSIO_HS_FINISHED, "Finished", &tlsio_codec_finished, &tlsio_codec_finished, 0},
    {TLSIO_HS_KEY_UPDATE, "KeyUpdate", &tlsio_codec_key_update, NULL, 0},
    /* RFC 8446 §4.4.1: synthetic, only ever hashed, never on the wire. */
    {TLSIO_HS_MESSAGE_HASH, "message_hash", NULL, NULL, 1},
};
const size_t tlsio_msg_table_len = sizeof(tlsio_msg_table) / sizeof(tlsio_msg_table[0]);

const tlsio_msg_info *tlsio_msg_lookup(uint8_t msg_type) {
    for (size_t i = 0; i < tlsio_msg_table_len; i++)
        if (tlsio_msg_table[i].msg_type == msg_type) return &tlsio_msg_table[i];
    return NULL;
}

const tlsio_codec *tlsio_msg_codec(uint8_t msg_type, uint16_t version, tlsio_err *err) {
    const tlsio_msg_info *m = tlsio_msg_lookup(msg_type);
    if (!m) {
        tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE, "handshake type %u: unknown", msg_type);
        return NULL;
    }
    if (m->never_valid) {
        tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE, "%s: never accepted%s", m->name,
                      msg_type == TLSIO_HS_END_OF_EARLY_DATA ? " (no 0-RTT)" : "");
        return NULL;
    }
    const tlsio_codec *c = version == TLS_VERSION_1_3 ? m->codec13 : m->codec12;
    if (!c)
        tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE, "%s: not a TLS %s message", m->name,
                      version == TLS_VERSION_1_3 ? "1.3" : "1.2");
    return c;
}
