/*
 * Extensions: one table row per (extension type, message context) in which the extension is
 * allowed, giving the body codec of that form and where the decoded body lives in tlsio_exts.
 *
 * Contexts follow RFC 8446 §4.2 (CH, SH, HRR, EE, CT, CR, NST) plus the TLS 1.2 ServerHello
 * (SH12: RFC 5246 §7.4.1.4 and the RFCs of each extension). A TLS 1.2 ClientHello uses CH.
 *
 * An extension's body layout depends on the message it is in, so the body codec belongs to
 * the (type, context) row, never to the type: key_share has three forms (CH, SH, HRR),
 * status_request four (CH: CertificateStatusRequest; CR and SH12: empty; CT:
 * CertificateStatus), server_name is a list in CH and empty in EE/SH12. A body is decoded
 * only with the codec of the row for the context the block is read in.
 *
 * The extension-block decoder enforces (RFC 8446 §4.2), first over the whole block:
 *   - framing (type, length) -> decode_error
 *   - the same type twice, known or not -> decode_error: the block is malformed as a whole
 *     (§4.2 forbids duplicates without naming an alert; §6.2's decode_error is for messages
 *     that cannot be decoded), so this is checked before any single extension is judged
 *       "ServerHello.extensions: duplicate key_share"
 * then extension by extension:
 *   - a known type in a context it is not allowed -> illegal_parameter
 *       "EncryptedExtensions.extensions: key_share not allowed here"
 *   - an unknown type: ignored (kept for order) in CH, CR and NST (RFC 8446 §4.2, §4.3.2,
 *     §4.6.1); in SH, HRR, EE, CT and SH12 -> unsupported_extension, because we never send an
 *     unknown extension so it cannot be an answer to one of ours
 *       "EncryptedExtensions.extensions: unknown extension 0xfafa"
 *   - pre_shared_key not the last extension of a ClientHello (RFC 8446 §4.2.11)
 *     -> illegal_parameter  "ClientHello.extensions: pre_shared_key is not the last extension"
 *   - a malformed body -> decode_error "<Message>.extensions.<ext_name>.<field>: ..."
 *   - record_size_limit < 64 (RFC 8449 §4) -> illegal_parameter
 * Checks that need the connection's state (a known response extension we did not offer,
 * missing mandatory extensions, ALPN answer with exactly one name, early_data refused, ...)
 * are the engine's.
 */
#ifndef TLSIO_EXTS_H
#define TLSIO_EXTS_H

#include "codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Message contexts an extension block is decoded in. */
typedef enum tlsio_ext_ctx {
    TLSIO_CTX_CH = 0, /* ClientHello (TLS 1.3 and 1.2) */
    TLSIO_CTX_SH,     /* TLS 1.3 ServerHello */
    TLSIO_CTX_HRR,    /* HelloRetryRequest */
    TLSIO_CTX_EE,     /* EncryptedExtensions */
    TLSIO_CTX_CT,     /* TLS 1.3 CertificateEntry */
    TLSIO_CTX_CR,     /* TLS 1.3 CertificateRequest */
    TLSIO_CTX_NST,    /* TLS 1.3 NewSessionTicket */
    TLSIO_CTX_SH12,   /* TLS 1.2 ServerHello */
    TLSIO_CTX__COUNT,
    TLSIO_CTX_PICK = 0xff /* codec's pick_ext_ctx hook decides (ServerHello) */
} tlsio_ext_ctx;

/* Wire extension types (IANA). */
enum {
    TLSIO_EXTTYPE_SERVER_NAME = 0,
    TLSIO_EXTTYPE_STATUS_REQUEST = 5,
    TLSIO_EXTTYPE_SUPPORTED_GROUPS = 10,
    TLSIO_EXTTYPE_EC_POINT_FORMATS = 11,
    TLSIO_EXTTYPE_SIGNATURE_ALGORITHMS = 13,
    TLSIO_EXTTYPE_ALPN = 16,
    TLSIO_EXTTYPE_PADDING = 21,
    TLSIO_EXTTYPE_EXTENDED_MASTER_SECRET = 23,
    TLSIO_EXTTYPE_RECORD_SIZE_LIMIT = 28,
    TLSIO_EXTTYPE_SESSION_TICKET = 35,
    TLSIO_EXTTYPE_PRE_SHARED_KEY = 41,
    TLSIO_EXTTYPE_EARLY_DATA = 42,
    TLSIO_EXTTYPE_SUPPORTED_VERSIONS = 43,
    TLSIO_EXTTYPE_COOKIE = 44,
    TLSIO_EXTTYPE_PSK_KEY_EXCHANGE_MODES = 45,
    TLSIO_EXTTYPE_CERTIFICATE_AUTHORITIES = 47,
    TLSIO_EXTTYPE_SIGNATURE_ALGORITHMS_CERT = 50,
    TLSIO_EXTTYPE_KEY_SHARE = 51,
    TLSIO_EXTTYPE_RENEGOTIATION_INFO = 0xff01
};

/* Our index of each known extension: its bit in tlsio_exts.present. */
typedef enum tlsio_ext_id {
    TLSIO_EXT_SERVER_NAME = 0,
    TLSIO_EXT_STATUS_REQUEST,
    TLSIO_EXT_SUPPORTED_GROUPS,
    TLSIO_EXT_EC_POINT_FORMATS,
    TLSIO_EXT_SIGNATURE_ALGORITHMS,
    TLSIO_EXT_ALPN,
    TLSIO_EXT_PADDING,
    TLSIO_EXT_EXTENDED_MASTER_SECRET,
    TLSIO_EXT_RECORD_SIZE_LIMIT,
    TLSIO_EXT_SESSION_TICKET,
    TLSIO_EXT_PRE_SHARED_KEY,
    TLSIO_EXT_EARLY_DATA,
    TLSIO_EXT_SUPPORTED_VERSIONS,
    TLSIO_EXT_COOKIE,
    TLSIO_EXT_PSK_KEY_EXCHANGE_MODES,
    TLSIO_EXT_CERTIFICATE_AUTHORITIES,
    TLSIO_EXT_SIGNATURE_ALGORITHMS_CERT,
    TLSIO_EXT_KEY_SHARE,
    TLSIO_EXT_RENEGOTIATION_INFO,
    TLSIO_EXT__COUNT
} tlsio_ext_id;

#define TLSIO_EXT_BIT(id) (UINT32_C(1) << (id))

/* --- element structs of lists inside extension bodies -------------------------------- */

/* RFC 8446 §4.2.8: struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } */
typedef struct tlsio_key_share_entry {
    uint32_t group;
    CBS key_exchange;
} tlsio_key_share_entry;
extern const tlsio_codec tlsio_codec_key_share_entry;

/* RFC 8446 §4.2.11: struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } */
typedef struct tlsio_psk_identity {
    CBS identity;
    uint32_t obfuscated_ticket_age;
} tlsio_psk_identity;
extern const tlsio_codec tlsio_codec_psk_identity;
/* RFC 8446 §4.2.11: opaque PskBinderEntry<32..255>; element struct tlsio_bytes. */
extern const tlsio_codec tlsio_codec_psk_binder;

/* RFC 6066 §3: struct { NameType name_type; HostName host_name<1..2^16-1>; } */
typedef struct tlsio_server_name {
    uint32_t name_type; /* 0 = host_name */
    CBS host_name;
} tlsio_server_name;
extern const tlsio_codec tlsio_codec_server_name;
/* RFC 7301 §3.1: opaque ProtocolName<1..2^8-1>; element struct tlsio_bytes. */
extern const tlsio_codec tlsio_codec_protocol_name;
/* RFC 8446 §4.2.4: opaque DistinguishedName<1..2^16-1>; element struct tlsio_bytes. */
extern const tlsio_codec tlsio_codec_distinguished_name;

/* --- body structs of multi-field extension forms --------------------------------------- */

/* RFC 6066 §8 CertificateStatusRequest (CH only): status_type + two opaque u16 vectors. */
typedef struct tlsio_ext_status_request {
    uint32_t status_type;  /* 1 = ocsp */
    CBS responder_id_list; /* ResponderID responder_id_list<0..2^16-1> (opaque here) */
    CBS request_extensions;
} tlsio_ext_status_request;

/* RFC 8446 §4.4.2.1 / RFC 6066 §8 CertificateStatus (CT): status_type ocsp(1) + response. */
typedef struct tlsio_ext_cert_status {
    uint32_t status_type; /* must be 1 (ocsp) */
    CBS ocsp_response;    /* opaque OCSPResponse<1..2^24-1> */
} tlsio_ext_cert_status;

/* RFC 8446 §4.2.11 OfferedPsks (CH): two validated lists. */
typedef struct tlsio_ext_offered_psks {
    CBS identities; /* list of tlsio_psk_identity, 7..2^16-1 bytes */
    CBS binders;    /* list of PskBinderEntry (tlsio_bytes), 33..2^16-1 bytes */
} tlsio_ext_offered_psks;

/* Unknown extensions kept (for wire order / re-encoding). */
#define TLSIO_EXTS_MAX_UNKNOWN 16
#define TLSIO_EXTS_MAX_ORDER   (TLSIO_EXT__COUNT + TLSIO_EXTS_MAX_UNKNOWN)

typedef struct tlsio_unknown_ext {
    uint16_t type;
    CBS body;
} tlsio_unknown_ext;

/*
 * A decoded extension block. Which member holds a given extension's body depends on the
 * context (the comments say which); only members whose bit is set in `present` are meaningful.
 * Lists are validated CBS views of the list body (without its length prefix).
 *
 * Encoding: set the presence bits and bodies, and list the wire types in `order` (use
 * tlsio_exts_push, which does both bit and order for a known id). Extensions are written in
 * `order`; an unknown type in `order` takes its body from `unknown[]`. A present bit missing
 * from `order` (or the reverse) is TLS_E_INTERNAL. Zero-initialise before filling.
 */
typedef struct tlsio_exts {
    uint32_t present; /* TLSIO_EXT_BIT(id) for every known extension in the block */
    uint8_t ctx;      /* decode: the context the block was decoded in (tlsio_ext_ctx) */
    uint8_t absent;   /* EXTS_OPT fields: 1 = no block at all on the wire */
    uint8_t n_order;
    uint8_t n_unknown;
    uint8_t order_truncated; /* decode: more unknown extensions than TLSIO_EXTS_MAX_UNKNOWN
                                 (they are still checked and ignored, but not re-encodable) */
    uint16_t order[TLSIO_EXTS_MAX_ORDER]; /* wire types, in wire order */
    tlsio_unknown_ext unknown[TLSIO_EXTS_MAX_UNKNOWN];

    /* server_name. CH: ServerNameList server_name_list<1..2^16-1>, list of tlsio_server_name.
       EE, SH12: empty body (RFC 6066 §3). */
    CBS server_name_list;
    /* status_request. CH: tlsio_ext_status_request. CR (RFC 8446 §4.4.2.1), SH12: empty. */
    tlsio_ext_status_request status_request;
    /* status_request. CT: CertificateStatus. */
    tlsio_ext_cert_status cert_status;
    /* supported_groups. CH, EE, SH12: NamedGroup named_group_list<2..2^16-1>, list of u16
       (in EE and SH12 the server's groups: informational, ignored). */
    CBS supported_groups;
    /* ec_point_formats. CH, SH12: ECPointFormat ec_point_format_list<1..2^8-1>, list of u8
       (RFC 8422 §5.1.2). */
    CBS ec_point_formats;
    /* signature_algorithms. CH, CR: SignatureScheme supported_signature_algorithms
       <2..2^16-2>, list of u16. */
    CBS signature_algorithms;
    /* signature_algorithms_cert. CH, CR: same shape. */
    CBS signature_algorithms_cert;
    /* application_layer_protocol_negotiation. CH, EE, SH12: ProtocolNameList
       protocol_name_list<2..2^16-1>, list of ProtocolName (tlsio_bytes). In EE/SH12 the
       engine checks it holds exactly one (RFC 7301 §3.1). */
    CBS alpn;
    /* padding. CH: any bytes (RFC 7685). */
    CBS padding;
    /* extended_master_secret. CH, SH12: empty (RFC 7627 §5.1). */
    /* record_size_limit. CH, EE, SH12: uint16, allowed by the codec as 64..65535 (RFC 8449
       §4: < 64 is illegal_parameter). record_limit.c judges the rest: a server's value above
       its version's maximum (2^14 in TLS 1.2, 2^14+1 in TLS 1.3) is illegal_parameter, a
       client's is read as no limit below the protocol's. */
    uint32_t record_size_limit;
    /* session_ticket. CH: the ticket, any bytes (RFC 5077 §3.2). SH12: empty. */
    CBS session_ticket;
    /* pre_shared_key. CH: OfferedPsks. SH: selected_identity (uint16). */
    tlsio_ext_offered_psks psk_offered;
    uint32_t psk_selected_identity;
    /* early_data. CH, EE: empty. NST: uint32 max_early_data_size. */
    uint32_t early_data_max_size;
    /* supported_versions. CH: ProtocolVersion versions<2..254>, list of u16 (u8 prefix).
       SH, HRR: selected_version (uint16). */
    CBS supported_versions;
    uint32_t selected_version;
    /* cookie. CH, HRR: opaque cookie<1..2^16-1>. */
    CBS cookie;
    /* psk_key_exchange_modes. CH: PskKeyExchangeMode ke_modes<1..255>, list of u8. */
    CBS psk_ke_modes;
    /* certificate_authorities. CH, CR: DistinguishedName authorities<3..2^16-1>, list of
       tlsio_bytes. */
    CBS certificate_authorities;
    /* key_share. CH: KeyShareEntry client_shares<0..2^16-1>, list of tlsio_key_share_entry.
       SH: KeyShareEntry server_share. HRR: NamedGroup selected_group. */
    CBS key_share_client_shares;
    tlsio_key_share_entry key_share_server_share;
    uint32_t key_share_selected_group;
    /* renegotiation_info. CH, SH12: opaque renegotiated_connection<0..255> (RFC 5746 §3.2). */
    CBS renegotiation_info;
} tlsio_exts;

/* One row of the extension table. */
typedef struct tlsio_ext_row {
    uint16_t type;           /* wire type */
    uint8_t id;              /* tlsio_ext_id */
    uint8_t ctx;             /* tlsio_ext_ctx */
    const char *name;        /* RFC name, e.g. "key_share" */
    const tlsio_codec *body; /* the body's codec in this context (n == 0: must be empty) */
    size_t offset;           /* where the body struct lives: offsetof(tlsio_exts, ...) */
} tlsio_ext_row;

extern const tlsio_ext_row tlsio_ext_table[];
extern const size_t tlsio_ext_table_len;

/* The row for (type, ctx), or NULL if the type is unknown or not allowed in ctx. */
const tlsio_ext_row *tlsio_ext_find(uint16_t type, tlsio_ext_ctx ctx);
/* The id of a known type, or -1 for an unknown one. */
int tlsio_ext_id_of(uint16_t type);
/* The wire type of a known id. */
uint16_t tlsio_ext_type_of(tlsio_ext_id id);
/* The RFC name of a type ("key_share"), or NULL if unknown. */
const char *tlsio_ext_name(uint16_t type);
/* The message name of a context ("EncryptedExtensions"). */
const char *tlsio_ext_ctx_name(tlsio_ext_ctx ctx);
/* Whether unknown extension types are ignored (CH, CR, NST) rather than refused. */
int tlsio_ext_ctx_ignores_unknown(tlsio_ext_ctx ctx);

/* Marks a known extension present and appends it to the encode order.
   Returns 0, or TLS_E_INTERNAL if it is already present or the order is full. */
int tlsio_exts_push(tlsio_exts *e, tlsio_ext_id id, tlsio_err *err) TLSIO_MUST_CHECK;
/* 1 if known extension id is present. */
static inline int tlsio_exts_has(const tlsio_exts *e, tlsio_ext_id id) {
    return (e->present & TLSIO_EXT_BIT(id)) != 0;
}

#ifdef __cplusplus
}
#endif
#endif
