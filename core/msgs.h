/*
 * Handshake messages: C structs, their codecs (core/msg_*.c, data only) and a table from
 * HandshakeType to codec per protocol version.
 *
 * Decode a body with tlsio_decode(&tlsio_codec_X, &body, &x, err); encode with
 * tlsio_encode, or tlsio_hs_encode to get header + body (what the transcript hashes).
 * All CBS members are views into the decoded input. "list of T" means a validated list body
 * (see TLSIO_F_LIST*), iterate it with tlsio_list_next(&tlsio_codec_T, ...) or CBS_get_u16.
 */
#ifndef TLSIO_MSGS_H
#define TLSIO_MSGS_H

#include "codec.h"
#include "exts.h"

#ifdef __cplusplus
extern "C" {
#endif

/* HandshakeType (RFC 8446 §4, RFC 5246 §7.4). */
enum {
    TLSIO_HS_HELLO_REQUEST = 0, /* TLS 1.2 only */
    TLSIO_HS_CLIENT_HELLO = 1,
    TLSIO_HS_SERVER_HELLO = 2, /* also HelloRetryRequest (RFC 8446 §4.1.3) */
    TLSIO_HS_NEW_SESSION_TICKET = 4,
    TLSIO_HS_END_OF_EARLY_DATA = 5,
    TLSIO_HS_ENCRYPTED_EXTENSIONS = 8,
    TLSIO_HS_CERTIFICATE = 11,
    TLSIO_HS_SERVER_KEY_EXCHANGE = 12, /* TLS 1.2 only */
    TLSIO_HS_CERTIFICATE_REQUEST = 13,
    TLSIO_HS_SERVER_HELLO_DONE = 14, /* TLS 1.2 only */
    TLSIO_HS_CERTIFICATE_VERIFY = 15,
    TLSIO_HS_CLIENT_KEY_EXCHANGE = 16, /* TLS 1.2 only */
    TLSIO_HS_FINISHED = 20,
    TLSIO_HS_KEY_UPDATE = 24,   /* TLS 1.3 only */
    TLSIO_HS_MESSAGE_HASH = 254 /* synthetic, transcript only (RFC 8446 §4.4.1) */
};

/* RFC 8446 §4.1.3: the Random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
extern const uint8_t tlsio_hrr_random[32];
/* RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random that signal a downgrade. */
extern const uint8_t tlsio_downgrade_tls12[8]; /* "DOWNGRD" 01 */
extern const uint8_t tlsio_downgrade_tls11[8]; /* "DOWNGRD" 00 */

/* ---- framing ------------------------------------------------------------------------ */

/* RFC 8446 §4: struct { HandshakeType msg_type; uint24 length; ... } (read by reassembly.c) */
#define TLSIO_HS_HEADER_LEN 4

/*
 * Appends a whole handshake message: msg_type, uint24 length, body = tlsio_encode(c, body).
 * This is the byte string the transcript hash takes.
 */
int tlsio_hs_encode(uint8_t msg_type, const tlsio_codec *c, const void *body, CBB *out,
                    tlsio_err *err) TLSIO_MUST_CHECK;

/* ---- messages ------------------------------------------------------------------------ */

/* Messages without a body (ServerHelloDone, HelloRequest, EndOfEarlyData). */
typedef struct tlsio_empty_msg {
    uint8_t unused;
} tlsio_empty_msg;

/* RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2. Extensions may be absent (TLS 1.2);
   extensions.absent tells. A TLS 1.3 ClientHello without them is the engine's to reject. */
typedef struct tlsio_client_hello {
    uint32_t legacy_version;        /* any uint16 */
    CBS random;                     /* 32 bytes */
    CBS legacy_session_id;          /* 0..32 bytes */
    CBS cipher_suites;              /* list of u16, 2..2^16-2 bytes */
    CBS legacy_compression_methods; /* list of u8, 1..2^8-1 bytes */
    tlsio_exts extensions;          /* ctx CH, optional */
} tlsio_client_hello;
extern const tlsio_codec tlsio_codec_client_hello;

/*
 * RFC 8446 §4.1.3 (also the HelloRetryRequest form) / RFC 5246 §7.4.1.3. The extension
 * context is chosen by tlsio_server_hello_ctx: HRR if random == tlsio_hrr_random, else SH
 * (TLS 1.3) if a supported_versions extension is present, else SH12. extensions.ctx says
 * which was used. legacy_compression_method is decoded as any byte: whether a value other
 * than 0 is a malformed TLS 1.3 message (decode_error) or a TLS 1.2 server choosing a method
 * we did not offer (illegal_parameter) depends on the version, so the client's handlers check.
 */
typedef struct tlsio_server_hello {
    uint32_t legacy_version;
    CBS random;                 /* 32 bytes */
    CBS legacy_session_id_echo; /* 0..32 bytes */
    uint32_t cipher_suite;
    uint32_t legacy_compression_method; /* must be 0: checked by the client per version */
    tlsio_exts extensions;              /* optional (TLS 1.2) */
} tlsio_server_hello;
extern const tlsio_codec tlsio_codec_server_hello;
/* 1 if this ServerHello is a HelloRetryRequest (random is the special value). */
int tlsio_server_hello_is_hrr(const tlsio_server_hello *sh);

/* RFC 8446 §4.3.1 */
typedef struct tlsio_encrypted_extensions {
    tlsio_exts extensions; /* ctx EE */
} tlsio_encrypted_extensions;
extern const tlsio_codec tlsio_codec_encrypted_extensions;

/* RFC 8446 §4.4.2: CertificateEntry (element of Certificate13.certificate_list). */
typedef struct tlsio_certificate_entry {
    CBS cert_data;         /* 1..2^24-1 bytes (X.509 DER; we never negotiate RawPublicKey) */
    tlsio_exts extensions; /* ctx CT */
} tlsio_certificate_entry;
extern const tlsio_codec tlsio_codec_certificate_entry;

/* RFC 8446 §4.4.2 */
typedef struct tlsio_certificate13 {
    CBS certificate_request_context; /* 0..255 bytes */
    CBS certificate_list;            /* list of tlsio_certificate_entry, 0..2^24-1 bytes */
} tlsio_certificate13;
extern const tlsio_codec tlsio_codec_certificate13;

/* RFC 5246 §7.4.2: ASN.1Cert certificate_list<0..2^24-1>; opaque ASN.1Cert<1..2^24-1>. */
typedef struct tlsio_certificate12 {
    CBS certificate_list; /* list of tlsio_bytes (codec tlsio_codec_asn1_cert) */
} tlsio_certificate12;
extern const tlsio_codec tlsio_codec_certificate12;
extern const tlsio_codec tlsio_codec_asn1_cert;

/* RFC 8446 §4.3.2. (signature_algorithms being present is the engine's check.) */
typedef struct tlsio_certificate_request13 {
    CBS certificate_request_context; /* 0..255 bytes */
    tlsio_exts extensions;           /* ctx CR, 2..2^16-1 bytes */
} tlsio_certificate_request13;
extern const tlsio_codec tlsio_codec_certificate_request13;

/* RFC 5246 §7.4.4 */
typedef struct tlsio_certificate_request12 {
    CBS certificate_types;              /* list of u8, 1..2^8-1 bytes */
    CBS supported_signature_algorithms; /* list of u16, 2..2^16-2 bytes */
    CBS certificate_authorities;        /* list of DistinguishedName (tlsio_bytes), 0..2^16-1 */
} tlsio_certificate_request12;
extern const tlsio_codec tlsio_codec_certificate_request12;

/* RFC 8446 §4.4.3 (same layout as TLS 1.2's DigitallySigned, RFC 5246 §4.7). */
typedef struct tlsio_certificate_verify {
    uint32_t algorithm; /* SignatureScheme */
    CBS signature;      /* 0..2^16-1 bytes */
} tlsio_certificate_verify;
extern const tlsio_codec tlsio_codec_certificate_verify;

/*
 * RFC 8422 §5.4 ServerKeyExchange for ECDHE_ECDSA / ECDHE_RSA with TLS 1.2 signatures.
 * The signed ServerECDHParams are the first 4 + 1 + CBS_len(point) bytes of the body.
 */
typedef struct tlsio_server_key_exchange_ecdhe {
    uint32_t curve_type;    /* must be named_curve (3): illegal_parameter otherwise */
    uint32_t named_curve;   /* NamedGroup */
    CBS point;              /* opaque point<1..2^8-1> */
    uint32_t sig_algorithm; /* SignatureAndHashAlgorithm */
    CBS signature;          /* 0..2^16-1 bytes */
} tlsio_server_key_exchange_ecdhe;
extern const tlsio_codec tlsio_codec_server_key_exchange_ecdhe;

/* RFC 8422 §5.7: ClientECDiffieHellmanPublic, opaque point<1..2^8-1>. */
typedef struct tlsio_client_key_exchange_ecdhe {
    CBS point;
} tlsio_client_key_exchange_ecdhe;
extern const tlsio_codec tlsio_codec_client_key_exchange_ecdhe;

/*
 * RFC 8446 §4.4.4 / RFC 5246 §7.4.9: verify_data is the whole body. The codec accepts 12..48
 * bytes (TLS 1.2's 12 up to SHA-384's 48); the engine compares the exact length it expects
 * (12, or Hash.length) and the value (with CRYPTO_memcmp).
 */
typedef struct tlsio_finished {
    CBS verify_data;
} tlsio_finished;
extern const tlsio_codec tlsio_codec_finished;
#define TLSIO_FINISHED_MIN 12
#define TLSIO_FINISHED_MAX 48

/* RFC 8446 §4.6.1 */
typedef struct tlsio_new_session_ticket13 {
    uint32_t ticket_lifetime;
    uint32_t ticket_age_add;
    CBS ticket_nonce;      /* 0..255 bytes */
    CBS ticket;            /* 1..2^16-1 bytes */
    tlsio_exts extensions; /* ctx NST, 0..2^16-2 bytes */
} tlsio_new_session_ticket13;
extern const tlsio_codec tlsio_codec_new_session_ticket13;

/* RFC 5077 §3.3 */
typedef struct tlsio_new_session_ticket12 {
    uint32_t ticket_lifetime_hint;
    CBS ticket; /* 0..2^16-1 bytes */
} tlsio_new_session_ticket12;
extern const tlsio_codec tlsio_codec_new_session_ticket12;

/* RFC 8446 §4.6.3: request_update 0 (update_not_requested) or 1 (update_requested);
   anything else is illegal_parameter. */
typedef struct tlsio_key_update {
    uint32_t request_update;
} tlsio_key_update;
extern const tlsio_codec tlsio_codec_key_update;

/* Empty bodies (struct tlsio_empty_msg): ServerHelloDone (RFC 5246 §7.4.5), HelloRequest
   (§7.4.1.1), EndOfEarlyData (RFC 8446 §4.5; described, but the table marks it never valid). */
extern const tlsio_codec tlsio_codec_server_hello_done;
extern const tlsio_codec tlsio_codec_hello_request;
extern const tlsio_codec tlsio_codec_end_of_early_data;

/* ---- HandshakeType -> codec ---------------------------------------------------------- */

typedef struct tlsio_msg_info {
    uint8_t msg_type;
    const char *name;           /* "ClientHello" */
    const tlsio_codec *codec13; /* TLS 1.3 form; NULL: not a TLS 1.3 message */
    const tlsio_codec *codec12; /* TLS 1.2 form; NULL: not a TLS 1.2 message */
    uint8_t never_valid;        /* 1: we never accept it (EndOfEarlyData: no 0-RTT) */
} tlsio_msg_info;

extern const tlsio_msg_info tlsio_msg_table[];
extern const size_t tlsio_msg_table_len;

/* The table row of a msg_type, or NULL if the type is unknown. */
const tlsio_msg_info *tlsio_msg_lookup(uint8_t msg_type);

/*
 * The codec for msg_type under `version` (TLS_VERSION_1_3 or TLS_VERSION_1_2), or NULL with
 * err = unexpected_message ("EndOfEarlyData: never accepted (no 0-RTT)",
 * "ServerKeyExchange: not a TLS 1.3 message", "handshake type 99: unknown").
 * The caller decodes into the struct that the codec documents.
 */
const tlsio_codec *tlsio_msg_codec(uint8_t msg_type, uint16_t version, tlsio_err *err);

#ifdef __cplusplus
}
#endif
#endif
