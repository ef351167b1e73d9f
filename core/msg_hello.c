/*
 * ClientHello and ServerHello (including the HelloRetryRequest form): descriptors only, plus
 * the one choice the wire cannot describe as data: which extension context a ServerHello's
 * block is decoded in.
 */
#include <string.h>

#include "msgs.h"

#define ARR(a) (a), TLSIO_NFIELDS(a)

/* RFC 8446 §4.1.3: SHA-256("HelloRetryRequest"). */
const uint8_t tlsio_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
/* RFC 8446 §4.1.3: 44 4F 57 4E 47 52 44 01 / 00. */
const uint8_t tlsio_downgrade_tls12[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
const uint8_t tlsio_downgrade_tls11[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00};

/* RFC 8446 §4.1.2: struct { ProtocolVersion legacy_version = 0x0303; Random random;
   opaque legacy_session_id<0..32>; CipherSuite cipher_suites<2..2^16-2>;
   opaque legacy_compression_methods<1..2^8-1>; Extension extensions<8..2^16-1>; }
   The extensions bound 8.. is TLS 1.3's; a TLS 1.2 ClientHello (RFC 5246 §7.4.1.2) may have a
   shorter block or none, so the codec takes 0.. and the engine requires supported_versions. */
static const tlsio_field client_hello_fields[] = {
    TLSIO_FLD("legacy_version", TLSIO_F_U16, 0, 0xffff, tlsio_client_hello, legacy_version, NULL),
    TLSIO_FLD("random", TLSIO_F_FIXED, 32, 32, tlsio_client_hello, random, NULL),
    TLSIO_FLD("legacy_session_id", TLSIO_F_VEC8, 0, 32, tlsio_client_hello, legacy_session_id,
              NULL),
    TLSIO_FLD("cipher_suites", TLSIO_F_LIST16, 2, 0xfffe, tlsio_client_hello, cipher_suites,
              &tlsio_codec_u16_elem),
    TLSIO_FLD("legacy_compression_methods", TLSIO_F_LIST8, 1, 0xff, tlsio_client_hello,
              legacy_compression_methods, &tlsio_codec_u8_elem),
    TLSIO_FLD_EXTS("extensions", TLSIO_F_EXTS_OPT, 0, 0xffff, tlsio_client_hello, extensions,
                   TLSIO_CTX_CH),
};
const tlsio_codec tlsio_codec_client_hello = {"ClientHello", ARR(client_hello_fields),
                                              sizeof(tlsio_client_hello), NULL};

int tlsio_server_hello_is_hrr(const tlsio_server_hello *sh) {
    return CBS_len(&sh->random) == sizeof tlsio_hrr_random &&
           memcmp(CBS_data(&sh->random), tlsio_hrr_random, sizeof tlsio_hrr_random) == 0;
}

/* Whether a raw extension block holds a supported_versions extension that selects TLS 1.3
   or later (a lenient scan; the real decode that follows reports any malformation, so a body
   that is not a single uint16 counts as "TLS 1.3" and is refused there). */
static int block_selects_tls13(CBS block) {
    uint16_t type, v;
    CBS body;
    while (CBS_get_u16(&block, &type) && CBS_get_u16_length_prefixed(&block, &body))
        if (type == TLSIO_EXTTYPE_SUPPORTED_VERSIONS)
            return CBS_len(&body) != 2 || !CBS_get_u16(&body, &v) || v >= TLS_VERSION_1_3;
    return 0;
}

/* RFC 8446 §4.1.3: a ServerHello whose random is the special value is a HelloRetryRequest.
   §4.2.1: a TLS 1.3 ServerHello carries supported_versions selecting TLS 1.3, and a TLS 1.2
   one never carries it (it is not a TLS 1.2 extension). So supported_versions selecting
   TLS 1.3 (or a later, unknown version the engine then refuses) means the TLS 1.3 form;
   anything else is the TLS 1.2 form, where a supported_versions extension (one selecting an
   older version: illegal_parameter by §4.2.1) is "not allowed here", before any of the
   TLS 1.2 extensions around it could be misjudged as misplaced TLS 1.3 ones. */
static int server_hello_ctx(const void *msg, const CBS *block) {
    const tlsio_server_hello *sh = msg;
    if (tlsio_server_hello_is_hrr(sh)) return TLSIO_CTX_HRR;
    /* Encoding (no block) writes what the struct holds: its supported_versions, whatever
       version it selects, is written in the TLS 1.3 form. */
    int tls13 = block ? block_selects_tls13(*block)
                      : tlsio_exts_has(&sh->extensions, TLSIO_EXT_SUPPORTED_VERSIONS);
    return tls13 ? TLSIO_CTX_SH : TLSIO_CTX_SH12;
}

/* RFC 8446 §4.1.3: struct { ProtocolVersion legacy_version = 0x0303; Random random;
   opaque legacy_session_id_echo<0..32>; CipherSuite cipher_suite;
   uint8 legacy_compression_method = 0; Extension extensions<6..2^16-1>; }
   RFC 5246 §7.4.1.3 has the same layout with an optional block. The compression method is
   taken as any byte here: the alert for a non-zero one differs by version (see msgs.h). */
static const tlsio_field server_hello_fields[] = {
    TLSIO_FLD("legacy_version", TLSIO_F_U16, 0, 0xffff, tlsio_server_hello, legacy_version, NULL),
    TLSIO_FLD("random", TLSIO_F_FIXED, 32, 32, tlsio_server_hello, random, NULL),
    TLSIO_FLD("legacy_session_id_echo", TLSIO_F_VEC8, 0, 32, tlsio_server_hello,
              legacy_session_id_echo, NULL),
    TLSIO_FLD("cipher_suite", TLSIO_F_U16, 0, 0xffff, tlsio_server_hello, cipher_suite, NULL),
    TLSIO_FLD("legacy_compression_method", TLSIO_F_U8, 0, 0xff, tlsio_server_hello,
              legacy_compression_method, NULL),
    TLSIO_FLD_EXTS("extensions", TLSIO_F_EXTS_OPT, 0, 0xffff, tlsio_server_hello, extensions,
                   TLSIO_CTX_PICK),
};
const tlsio_codec tlsio_codec_server_hello = {"ServerHello", ARR(server_hello_fields),
                                              sizeof(tlsio_server_hello), server_hello_ctx};
