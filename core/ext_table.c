/*
 * The extension table (exts.h): body codecs of every extension form and the rows saying in
 * which message each form is allowed. Data only; the interpreter is in codec.c.
 */
#include <stddef.h>

#include "exts.h"

#define ARR(a) (a), TLSIO_NFIELDS(a)

/* ---- element codecs ---------------------------------------------------------------------- */

/* RFC 8446 §4.2.8 */
static const tlsio_field key_share_entry_fields[] = {
    TLSIO_FLD("group", TLSIO_F_U16, 0, 0xffff, tlsio_key_share_entry, group, NULL),
    TLSIO_FLD("key_exchange", TLSIO_F_VEC16, 1, 0xffff, tlsio_key_share_entry, key_exchange, NULL),
};
const tlsio_codec tlsio_codec_key_share_entry = {"KeyShareEntry", ARR(key_share_entry_fields),
                                                 sizeof(tlsio_key_share_entry), NULL};

/* RFC 8446 §4.2.11 */
static const tlsio_field psk_identity_fields[] = {
    TLSIO_FLD("identity", TLSIO_F_VEC16, 1, 0xffff, tlsio_psk_identity, identity, NULL),
    TLSIO_FLD("obfuscated_ticket_age", TLSIO_F_U32, 0, 0xffffffff, tlsio_psk_identity,
              obfuscated_ticket_age, NULL),
};
const tlsio_codec tlsio_codec_psk_identity = {"PskIdentity", ARR(psk_identity_fields),
                                              sizeof(tlsio_psk_identity), NULL};

static const tlsio_field psk_binder_fields[] = {
    TLSIO_FLD("", TLSIO_F_VEC8, 32, 255, tlsio_bytes, v, NULL),
};
const tlsio_codec tlsio_codec_psk_binder = {"PskBinderEntry", ARR(psk_binder_fields),
                                            sizeof(tlsio_bytes), NULL};

/* RFC 6066 §3. Only host_name (0) is defined; its layout is the only one we can parse. */
static const tlsio_field server_name_fields[] = {
    TLSIO_FLD("name_type", TLSIO_F_U8, 0, 0xff, tlsio_server_name, name_type, NULL),
    TLSIO_FLD("host_name", TLSIO_F_VEC16, 1, 0xffff, tlsio_server_name, host_name, NULL),
};
const tlsio_codec tlsio_codec_server_name = {"ServerName", ARR(server_name_fields),
                                             sizeof(tlsio_server_name), NULL};

/* RFC 7301 §3.1 */
static const tlsio_field protocol_name_fields[] = {
    TLSIO_FLD("", TLSIO_F_VEC8, 1, 0xff, tlsio_bytes, v, NULL),
};
const tlsio_codec tlsio_codec_protocol_name = {"ProtocolName", ARR(protocol_name_fields),
                                               sizeof(tlsio_bytes), NULL};

/* RFC 8446 §4.2.4 */
static const tlsio_field distinguished_name_fields[] = {
    TLSIO_FLD("", TLSIO_F_VEC16, 1, 0xffff, tlsio_bytes, v, NULL),
};
const tlsio_codec tlsio_codec_distinguished_name = {
    "DistinguishedName", ARR(distinguished_name_fields), sizeof(tlsio_bytes), NULL};

/* RFC 6066 §8: opaque ResponderID<1..2^16-1>. */
static const tlsio_codec responder_id = {"ResponderID", ARR(distinguished_name_fields),
                                         sizeof(tlsio_bytes), NULL};

/* ---- body codecs (each fills the tlsio_exts member its row points at) -------------------- */

/*
 * A body codec whose single field is the whole member at offset 0. Every body codec `var` has a
 * type `var##_body` (the C type it fills), so ROW below can refuse at compile time to point a
 * row at a tlsio_exts member of another size.
 */
#define BODY1(var, nm, k, lo, hi, subc, type)                                                      \
    typedef type var##_body;                                                                       \
    static const tlsio_field var##_fields[] = {TLSIO_FLD_AT0(nm, k, lo, hi, subc, type)};          \
    static const tlsio_codec var = {#var, ARR(var##_fields), sizeof(type), NULL}

/* RFC 6066 §3: ServerNameList server_name_list<1..2^16-1> */
BODY1(server_name_ch, "server_name_list", TLSIO_F_LIST16, 1, 0xffff, &tlsio_codec_server_name, CBS);
/* RFC 8446 §4.2.7: NamedGroup named_group_list<2..2^16-1> */
BODY1(supported_groups, "named_group_list", TLSIO_F_LIST16, 2, 0xffff, &tlsio_codec_u16_elem, CBS);
/* RFC 8422 §5.1.2: ECPointFormat ec_point_format_list<1..2^8-1> */
BODY1(ec_point_formats, "ec_point_format_list", TLSIO_F_LIST8, 1, 0xff, &tlsio_codec_u8_elem, CBS);
/* RFC 8446 §4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2> */
BODY1(signature_algorithms, "supported_signature_algorithms", TLSIO_F_LIST16, 2, 0xfffe,
      &tlsio_codec_u16_elem, CBS);
/* RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1> */
BODY1(alpn, "protocol_name_list", TLSIO_F_LIST16, 2, 0xffff, &tlsio_codec_protocol_name, CBS);
/* RFC 7685 §3: zero bytes in practice; any content is accepted and ignored. */
BODY1(padding, "", TLSIO_F_REST, 0, 0xffff, NULL, CBS);
/* RFC 8449 §4: uint16 RecordSizeLimit; "MUST NOT send a value smaller than 64 ... MUST treat
   receipt of a smaller value as a fatal error and generate an illegal_parameter alert". */
BODY1(record_size_limit, "", TLSIO_F_U16, 64, 0xffff, NULL, uint32_t);
/* RFC 5077 §3.2: the ClientHello extension data is the ticket (possibly empty). */
BODY1(session_ticket_ch, "", TLSIO_F_REST, 0, 0xffff, NULL, CBS);
/* RFC 8446 §4.2.11: uint16 selected_identity */
BODY1(psk_sh, "selected_identity", TLSIO_F_U16, 0, 0xffff, NULL, uint32_t);
/* RFC 8446 §4.2.10: uint32 max_early_data_size */
BODY1(early_data_nst, "max_early_data_size", TLSIO_F_U32, 0, 0xffffffff, NULL, uint32_t);
/* RFC 8446 §4.2.1: ProtocolVersion versions<2..254> */
BODY1(supported_versions_ch, "versions", TLSIO_F_LIST8, 2, 254, &tlsio_codec_u16_elem, CBS);
/* RFC 8446 §4.2.1: ProtocolVersion selected_version */
BODY1(supported_versions_sh, "selected_version", TLSIO_F_U16, 0, 0xffff, NULL, uint32_t);
/* RFC 8446 §4.2.2: opaque cookie<1..2^16-1> */
BODY1(cookie, "", TLSIO_F_VEC16, 1, 0xffff, NULL, CBS);
/* RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255> */
BODY1(psk_ke_modes, "ke_modes", TLSIO_F_LIST8, 1, 255, &tlsio_codec_u8_elem, CBS);
/* RFC 8446 §4.2.4: DistinguishedName authorities<3..2^16-1> */
BODY1(certificate_authorities, "authorities", TLSIO_F_LIST16, 3, 0xffff,
      &tlsio_codec_distinguished_name, CBS);
/* RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1> */
BODY1(key_share_ch, "client_shares", TLSIO_F_LIST16, 0, 0xffff, &tlsio_codec_key_share_entry, CBS);
/* RFC 8446 §4.2.8: KeyShareEntry server_share */
BODY1(key_share_sh, "server_share", TLSIO_F_STRUCT, 0, 0, &tlsio_codec_key_share_entry,
      tlsio_key_share_entry);
/* RFC 8446 §4.2.8: NamedGroup selected_group */
BODY1(key_share_hrr, "selected_group", TLSIO_F_U16, 0, 0xffff, NULL, uint32_t);
/* RFC 5746 §3.2: opaque renegotiated_connection<0..255> */
BODY1(renegotiation_info, "renegotiated_connection", TLSIO_F_VEC8, 0, 255, NULL, CBS);

/* RFC 6066 §8: CertificateStatusRequest { CertificateStatusType status_type;
   ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions; } */
static const tlsio_field status_request_fields[] = {
    TLSIO_FLD("status_type", TLSIO_F_U8, 0, 0xff, tlsio_ext_status_request, status_type, NULL),
    TLSIO_FLD("responder_id_list", TLSIO_F_LIST16, 0, 0xffff, tlsio_ext_status_request,
              responder_id_list, &responder_id),
    TLSIO_FLD("request_extensions", TLSIO_F_VEC16, 0, 0xffff, tlsio_ext_status_request,
              request_extensions, NULL),
};
typedef tlsio_ext_status_request status_request_body;
static const tlsio_codec status_request = {"CertificateStatusRequest", ARR(status_request_fields),
                                           sizeof(tlsio_ext_status_request), NULL};

/* RFC 6066 §8 / RFC 8446 §4.4.2.1: CertificateStatus { status_type ocsp(1);
   opaque OCSPResponse<1..2^24-1>; }: ocsp is the only type, and the only one we request. */
static const tlsio_field cert_status_fields[] = {
    TLSIO_FLD("status_type", TLSIO_F_U8, 1, 1, tlsio_ext_cert_status, status_type, NULL),
    TLSIO_FLD("ocsp_response", TLSIO_F_VEC24, 1, 0xffffff, tlsio_ext_cert_status, ocsp_response,
              NULL),
};
typedef tlsio_ext_cert_status cert_status_body;
static const tlsio_codec cert_status = {"CertificateStatus", ARR(cert_status_fields),
                                        sizeof(tlsio_ext_cert_status), NULL};

/* RFC 8446 §4.2.11: OfferedPsks { PskIdentity identities<7..2^16-1>;
   PskBinderEntry binders<33..2^16-1>; } */
static const tlsio_field offered_psks_fields[] = {
    TLSIO_FLD("identities", TLSIO_F_LIST16, 7, 0xffff, tlsio_ext_offered_psks, identities,
              &tlsio_codec_psk_identity),
    TLSIO_FLD("binders", TLSIO_F_LIST16, 33, 0xffff, tlsio_ext_offered_psks, binders,
              &tlsio_codec_psk_binder),
};
typedef tlsio_ext_offered_psks offered_psks_body;
static const tlsio_codec offered_psks = {"OfferedPsks", ARR(offered_psks_fields),
                                         sizeof(tlsio_ext_offered_psks), NULL};

#define E_(ctx) TLSIO_CTX_##ctx
/* A row: `body` names a body codec (its C type is body##_body), filling tlsio_exts.member. */
#define ROW(t, i, c, nm, body, member)                                                             \
    {                                                                                              \
        TLSIO_EXTTYPE_##t, TLSIO_EXT_##i, E_(c), nm, &body,                                        \
            offsetof(tlsio_exts, member) +                                                         \
                TLSIO_STATIC_CHECK(TLSIO_MEMBER_SIZE(tlsio_exts, member) == sizeof(body##_body),   \
                                   "extension row: the member does not fit the body codec")        \
    }
#define ROW_EMPTY(t, i, c, nm)                                                                     \
    { TLSIO_EXTTYPE_##t, TLSIO_EXT_##i, E_(c), nm, &tlsio_codec_empty, 0 }

/*
 * Where each extension may appear: RFC 8446 §4.2's table for TLS 1.3 messages; for the TLS 1.2
 * ServerHello (SH12) the extension's own RFC. Not listed = "not allowed here".
 */
const tlsio_ext_row tlsio_ext_table[] = {
    /* RFC 6066 §3: the server's answer is an empty extension. */
    ROW(SERVER_NAME, SERVER_NAME, CH, "server_name", server_name_ch, server_name_list),
    ROW_EMPTY(SERVER_NAME, SERVER_NAME, EE, "server_name"),
    ROW_EMPTY(SERVER_NAME, SERVER_NAME, SH12, "server_name"),
    /* One type, three bodies: the ClientHello asks with a CertificateStatusRequest (RFC 6066
       §8); a TLS 1.3 CertificateRequest asks with an *empty* body (RFC 8446 §4.4.2.1: "by
       sending an empty status_request extension", as GnuTLS servers do); the response rides
       in the CertificateEntry (CT); a TLS 1.2 ServerHello acknowledges with an empty body
       (RFC 6066 §8). */
    ROW(STATUS_REQUEST, STATUS_REQUEST, CH, "status_request", status_request, status_request),
    ROW_EMPTY(STATUS_REQUEST, STATUS_REQUEST, CR, "status_request"),
    ROW(STATUS_REQUEST, STATUS_REQUEST, CT, "status_request", cert_status, cert_status),
    ROW_EMPTY(STATUS_REQUEST, STATUS_REQUEST, SH12, "status_request"),
    /* RFC 8446 §4.2.7: CH, EE (the server's groups, informational). RFC 8422 §5.2 defines
       no ServerHello form, but RFC 5246 §7.4.1.4 only forbids a server extension the client
       did not send, and we send supported_groups: servers that echo theirs (RFC 8446 §4.2.7
       style) are read with the same body and the answer is ignored. */
    ROW(SUPPORTED_GROUPS, SUPPORTED_GROUPS, CH, "supported_groups", supported_groups,
        supported_groups),
    ROW(SUPPORTED_GROUPS, SUPPORTED_GROUPS, EE, "supported_groups", supported_groups,
        supported_groups),
    ROW(SUPPORTED_GROUPS, SUPPORTED_GROUPS, SH12, "supported_groups", supported_groups,
        supported_groups),
    /* RFC 8422 §5.1.2, §5.2 */
    ROW(EC_POINT_FORMATS, EC_POINT_FORMATS, CH, "ec_point_formats", ec_point_formats,
        ec_point_formats),
    ROW(EC_POINT_FORMATS, EC_POINT_FORMATS, SH12, "ec_point_formats", ec_point_formats,
        ec_point_formats),
    /* RFC 8446 §4.2.3: CH, CR. (TLS 1.2 servers must not send it: RFC 5246 §7.4.1.4.1.) */
    ROW(SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS, CH, "signature_algorithms",
        signature_algorithms, signature_algorithms),
    ROW(SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS, CR, "signature_algorithms",
        signature_algorithms, signature_algorithms),
    ROW(SIGNATURE_ALGORITHMS_CERT, SIGNATURE_ALGORITHMS_CERT, CH, "signature_algorithms_cert",
        signature_algorithms, signature_algorithms_cert),
    ROW(SIGNATURE_ALGORITHMS_CERT, SIGNATURE_ALGORITHMS_CERT, CR, "signature_algorithms_cert",
        signature_algorithms, signature_algorithms_cert),
    /* RFC 7301 §3.1; RFC 8446 §4.2: CH, EE */
    ROW(ALPN, ALPN, CH, "application_layer_protocol_negotiation", alpn, alpn),
    ROW(ALPN, ALPN, EE, "application_layer_protocol_negotiation", alpn, alpn),
    ROW(ALPN, ALPN, SH12, "application_layer_protocol_negotiation", alpn, alpn),
    /* RFC 7685: ClientHello only. */
    ROW(PADDING, PADDING, CH, "padding", padding, padding),
    /* RFC 7627 §5.1: empty in both hellos (TLS 1.2 only). */
    ROW_EMPTY(EXTENDED_MASTER_SECRET, EXTENDED_MASTER_SECRET, CH, "extended_master_secret"),
    ROW_EMPTY(EXTENDED_MASTER_SECRET, EXTENDED_MASTER_SECRET, SH12, "extended_master_secret"),
    /* RFC 8449 §4: CH, EE (TLS 1.3), ServerHello (TLS 1.2). */
    ROW(RECORD_SIZE_LIMIT, RECORD_SIZE_LIMIT, CH, "record_size_limit", record_size_limit,
        record_size_limit),
    ROW(RECORD_SIZE_LIMIT, RECORD_SIZE_LIMIT, EE, "record_size_limit", record_size_limit,
        record_size_limit),
    ROW(RECORD_SIZE_LIMIT, RECORD_SIZE_LIMIT, SH12, "record_size_limit", record_size_limit,
        record_size_limit),
    /* RFC 5077 §3.2: CH carries the ticket; the server's answer is empty. */
    ROW(SESSION_TICKET, SESSION_TICKET, CH, "session_ticket", session_ticket_ch, session_ticket),
    ROW_EMPTY(SESSION_TICKET, SESSION_TICKET, SH12, "session_ticket"),
    /* RFC 8446 §4.2.11 */
    ROW(PRE_SHARED_KEY, PRE_SHARED_KEY, CH, "pre_shared_key", offered_psks, psk_offered),
    ROW(PRE_SHARED_KEY, PRE_SHARED_KEY, SH, "pre_shared_key", psk_sh, psk_selected_identity),
    /* RFC 8446 §4.2.10 */
    ROW_EMPTY(EARLY_DATA, EARLY_DATA, CH, "early_data"),
    ROW_EMPTY(EARLY_DATA, EARLY_DATA, EE, "early_data"),
    ROW(EARLY_DATA, EARLY_DATA, NST, "early_data", early_data_nst, early_data_max_size),
    /* RFC 8446 §4.2.1 */
    ROW(SUPPORTED_VERSIONS, SUPPORTED_VERSIONS, CH, "supported_versions", supported_versions_ch,
        supported_versions),
    ROW(SUPPORTED_VERSIONS, SUPPORTED_VERSIONS, SH, "supported_versions", supported_versions_sh,
        selected_version),
    ROW(SUPPORTED_VERSIONS, SUPPORTED_VERSIONS, HRR, "supported_versions", supported_versions_sh,
        selected_version),
    /* RFC 8446 §4.2.2 */
    ROW(COOKIE, COOKIE, CH, "cookie", cookie, cookie),
    ROW(COOKIE, COOKIE, HRR, "cookie", cookie, cookie),
    /* RFC 8446 §4.2.9 */
    ROW(PSK_KEY_EXCHANGE_MODES, PSK_KEY_EXCHANGE_MODES, CH, "psk_key_exchange_modes", psk_ke_modes,
        psk_ke_modes),
    /* RFC 8446 §4.2.4 */
    ROW(CERTIFICATE_AUTHORITIES, CERTIFICATE_AUTHORITIES, CH, "certificate_authorities",
        certificate_authorities, certificate_authorities),
    ROW(CERTIFICATE_AUTHORITIES, CERTIFICATE_AUTHORITIES, CR, "certificate_authorities",
        certificate_authorities, certificate_authorities),
    /* RFC 8446 §4.2.8: three forms. */
    ROW(KEY_SHARE, KEY_SHARE, CH, "key_share", key_share_ch, key_share_client_shares),
    ROW(KEY_SHARE, KEY_SHARE, SH, "key_share", key_share_sh, key_share_server_share),
    ROW(KEY_SHARE, KEY_SHARE, HRR, "key_share", key_share_hrr, key_share_selected_group),
    /* RFC 5746 §3.2 */
    ROW(RENEGOTIATION_INFO, RENEGOTIATION_INFO, CH, "renegotiation_info", renegotiation_info,
        renegotiation_info),
    ROW(RENEGOTIATION_INFO, RENEGOTIATION_INFO, SH12, "renegotiation_info", renegotiation_info,
        renegotiation_info),
};
const size_t tlsio_ext_table_len = sizeof(tlsio_ext_table) / sizeof(tlsio_ext_table[0]);

/* id -> wire type and name (indexed by tlsio_ext_id). */
static const struct {
    uint16_t type;
    const char *name;
} ext_ids[TLSIO_EXT__COUNT] = {
    [TLSIO_EXT_SERVER_NAME] = {TLSIO_EXTTYPE_SERVER_NAME, "server_name"},
    [TLSIO_EXT_STATUS_REQUEST] = {TLSIO_EXTTYPE_STATUS_REQUEST, "status_request"},
    [TLSIO_EXT_SUPPORTED_GROUPS] = {TLSIO_EXTTYPE_SUPPORTED_GROUPS, "supported_groups"},
    [TLSIO_EXT_EC_POINT_FORMATS] = {TLSIO_EXTTYPE_EC_POINT_FORMATS, "ec_point_formats"},
    [TLSIO_EXT_SIGNATURE_ALGORITHMS] = {TLSIO_EXTTYPE_SIGNATURE_ALGORITHMS, "signature_algorithms"},
    [TLSIO_EXT_ALPN] = {TLSIO_EXTTYPE_ALPN, "application_layer_protocol_negotiation"},
    [TLSIO_EXT_PADDING] = {TLSIO_EXTTYPE_PADDING, "padding"},
    [TLSIO_EXT_EXTENDED_MASTER_SECRET] = {TLSIO_EXTTYPE_EXTENDED_MASTER_SECRET,
                                          "extended_master_secret"},
    [TLSIO_EXT_RECORD_SIZE_LIMIT] = {TLSIO_EXTTYPE_RECORD_SIZE_LIMIT, "record_size_limit"},
    [TLSIO_EXT_SESSION_TICKET] = {TLSIO_EXTTYPE_SESSION_TICKET, "session_ticket"},
    [TLSIO_EXT_PRE_SHARED_KEY] = {TLSIO_EXTTYPE_PRE_SHARED_KEY, "pre_shared_key"},
    [TLSIO_EXT_EARLY_DATA] = {TLSIO_EXTTYPE_EARLY_DATA, "early_data"},
    [TLSIO_EXT_SUPPORTED_VERSIONS] = {TLSIO_EXTTYPE_SUPPORTED_VERSIONS, "supported_versions"},
    [TLSIO_EXT_COOKIE] = {TLSIO_EXTTYPE_COOKIE, "cookie"},
    [TLSIO_EXT_PSK_KEY_EXCHANGE_MODES] = {TLSIO_EXTTYPE_PSK_KEY_EXCHANGE_MODES,
                                          "psk_key_exchange_modes"},
    [TLSIO_EXT_CERTIFICATE_AUTHORITIES] = {TLSIO_EXTTYPE_CERTIFICATE_AUTHORITIES,
                                           "certificate_authorities"},
    [TLSIO_EXT_SIGNATURE_ALGORITHMS_CERT] = {TLSIO_EXTTYPE_SIGNATURE_ALGORITHMS_CERT,
                                             "signature_algorithms_cert"},
    [TLSIO_EXT_KEY_SHARE] = {TLSIO_EXTTYPE_KEY_SHARE, "key_share"},
    [TLSIO_EXT_RENEGOTIATION_INFO] = {TLSIO_EXTTYPE_RENEGOTIATION_INFO, "renegotiation_info"},
};

int tlsio_ext_id_of(uint16_t type) {
    /* Every type tlsio knows is below 64 but renegotiation_info: the thousands of distinct
     * unknown types a hostile hello can carry are turned away without a scan. */
    if (type >= 64 && type != TLSIO_EXTTYPE_RENEGOTIATION_INFO) return -1;
    for (int i = 0; i < TLSIO_EXT__COUNT; i++)
        if (ext_ids[i].type == type) return i;
    return -1;
}

uint16_t tlsio_ext_type_of(tlsio_ext_id id) {
    return (unsigned)id < TLSIO_EXT__COUNT ? ext_ids[id].type : 0xffff;
}

const char *tlsio_ext_name(uint16_t type) {
    int id = tlsio_ext_id_of(type);
    return id < 0 ? NULL : ext_ids[id].name;
}

const tlsio_ext_row *tlsio_ext_find(uint16_t type, tlsio_ext_ctx ctx) {
    for (size_t i = 0; i < tlsio_ext_table_len; i++)
        if (tlsio_ext_table[i].type == type && tlsio_ext_table[i].ctx == ctx)
            return &tlsio_ext_table[i];
    return NULL;
}

const char *tlsio_ext_ctx_name(tlsio_ext_ctx ctx) {
    static const char *const names[TLSIO_CTX__COUNT] = {
        [TLSIO_CTX_CH] = "ClientHello",        [TLSIO_CTX_SH] = "ServerHello",
        [TLSIO_CTX_HRR] = "HelloRetryRequest", [TLSIO_CTX_EE] = "EncryptedExtensions",
        [TLSIO_CTX_CT] = "Certificate",        [TLSIO_CTX_CR] = "CertificateRequest",
        [TLSIO_CTX_NST] = "NewSessionTicket",  [TLSIO_CTX_SH12] = "ServerHello (TLS 1.2)",
    };
    return (unsigned)ctx < TLSIO_CTX__COUNT ? names[ctx] : "?";
}

/* RFC 8446 §4.2: servers ignore unrecognised extensions in the ClientHello; §4.3.2: clients
   ignore unrecognised CertificateRequest extensions; §4.6.1: likewise for NewSessionTicket.
   Everywhere else an extension is a response to one we sent, and we send no unknown ones:
   "MUST abort the handshake with an unsupported_extension alert". */
int tlsio_ext_ctx_ignores_unknown(tlsio_ext_ctx ctx) {
    return ctx == TLSIO_CTX_CH || ctx == TLSIO_CTX_CR || ctx == TLSIO_CTX_NST;
}

int tlsio_exts_push(tlsio_exts *e, tlsio_ext_id id, tlsio_err *err) {
    if ((unsigned)id >= TLSIO_EXT__COUNT)
        return tlsio_err_set(err, TLS_E_INTERNAL, "extensions: bad extension id %d", (int)id);
    if (e->present & TLSIO_EXT_BIT(id))
        return tlsio_err_set(err, TLS_E_INTERNAL, "extensions: %s pushed twice", ext_ids[id].name);
    if (e->n_order >= TLSIO_EXTS_MAX_ORDER)
        return tlsio_err_set(err, TLS_E_INTERNAL, "extensions: order full");
    e->present |= TLSIO_EXT_BIT(id);
    e->order[e->n_order++] = ext_ids[id].type;
    return 0;
}
