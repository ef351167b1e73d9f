/* Certificate, CertificateRequest and CertificateVerify (TLS 1.3 and 1.2 forms): descriptors. */
#include "msgs.h"

#define ARR(a) (a), TLSIO_NFIELDS(a)

/* RFC 8446 §4.4.2: struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; }
   (the X509 arm: we never negotiate RawPublicKey). */
static const tlsio_field certificate_entry_fields[] = {
    TLSIO_FLD("cert_data", TLSIO_F_VEC24, 1, 0xffffff, tlsio_certificate_entry, cert_data, NULL),
    TLSIO_FLD_EXTS("extensions", TLSIO_F_EXTS, 0, 0xffff, tlsio_certificate_entry, extensions,
                   TLSIO_CTX_CT),
};
const tlsio_codec tlsio_codec_certificate_entry = {
    "CertificateEntry", ARR(certificate_entry_fields), sizeof(tlsio_certificate_entry), NULL};

/* RFC 8446 §4.4.2: struct { opaque certificate_request_context<0..2^8-1>;
   CertificateEntry certificate_list<0..2^24-1>; } */
static const tlsio_field certificate13_fields[] = {
    TLSIO_FLD("certificate_request_context", TLSIO_F_VEC8, 0, 0xff, tlsio_certificate13,
              certificate_request_context, NULL),
    TLSIO_FLD("certificate_list", TLSIO_F_LIST24, 0, 0xffffff, tlsio_certificate13,
              certificate_list, &tlsio_codec_certificate_entry),
};
const tlsio_codec tlsio_codec_certificate13 = {"Certificate", ARR(certificate13_fields),
                                               sizeof(tlsio_certificate13), NULL};

/* RFC 5246 §7.4.2: opaque ASN.1Cert<1..2^24-1>; */
static const tlsio_field asn1_cert_fields[] = {
    TLSIO_FLD("", TLSIO_F_VEC24, 1, 0xffffff, tlsio_bytes, v, NULL),
};
const tlsio_codec tlsio_codec_asn1_cert = {"ASN.1Cert", ARR(asn1_cert_fields), sizeof(tlsio_bytes),
                                           NULL};

/* RFC 5246 §7.4.2: struct { ASN.1Cert certificate_list<0..2^24-1>; } */
static const tlsio_field certificate12_fields[] = {
    TLSIO_FLD("certificate_list", TLSIO_F_LIST24, 0, 0xffffff, tlsio_certificate12,
              certificate_list, &tlsio_codec_asn1_cert),
};
const tlsio_codec tlsio_codec_certificate12 = {"Certificate", ARR(certificate12_fields),
                                               sizeof(tlsio_certificate12), NULL};

/* RFC 8446 §4.3.2: struct { opaque certificate_request_context<0..2^8-1>;
   Extension extensions<2..2^16-1>; } */
static const tlsio_field certificate_request13_fields[] = {
    TLSIO_FLD("certificate_request_context", TLSIO_F_VEC8, 0, 0xff, tlsio_certificate_request13,
              certificate_request_context, NULL),
    TLSIO_FLD_EXTS("extensions", TLSIO_F_EXTS, 2, 0xffff, tlsio_certificate_request13, extensions,
                   TLSIO_CTX_CR),
};
const tlsio_codec tlsio_codec_certificate_request13 = {"CertificateRequest",
                                                       ARR(certificate_request13_fields),
                                                       sizeof(tlsio_certificate_request13), NULL};

/* RFC 5246 §7.4.4: struct { ClientCertificateType certificate_types<1..2^8-1>;
   SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;
   DistinguishedName certificate_authorities<0..2^16-1>; } with opaque
   DistinguishedName<1..2^16-1>. The RFC writes the middle vector without a floor; it is the
   list of the signature_algorithms extension (§7.4.1.4.1: <2..2^16-2>, whole 2-byte
   entries), and an empty one would leave the client nothing to sign with, so it is bounded
   the same way (an empty or odd-length list is a decode_error). */
static const tlsio_field certificate_request12_fields[] = {
    TLSIO_FLD("certificate_types", TLSIO_F_LIST8, 1, 0xff, tlsio_certificate_request12,
              certificate_types, &tlsio_codec_u8_elem),
    TLSIO_FLD("supported_signature_algorithms", TLSIO_F_LIST16, 2, 0xfffe,
              tlsio_certificate_request12, supported_signature_algorithms, &tlsio_codec_u16_elem),
    TLSIO_FLD("certificate_authorities", TLSIO_F_LIST16, 0, 0xffff, tlsio_certificate_request12,
              certificate_authorities, &tlsio_codec_distinguished_name),
};
const tlsio_codec tlsio_codec_certificate_request12 = {"CertificateRequest",
                                                       ARR(certificate_request12_fields),
                                                       sizeof(tlsio_certificate_request12), NULL};

/* RFC 8446 §4.4.3: struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } */
static const tlsio_field certificate_verify_fields[] = {
    TLSIO_FLD("algorithm", TLSIO_F_U16, 0, 0xffff, tlsio_certificate_verify, algorithm, NULL),
    TLSIO_FLD("signature", TLSIO_F_VEC16, 0, 0xffff, tlsio_certificate_verify, signature, NULL),
};
const tlsio_codec tlsio_codec_certificate_verify = {
    "CertificateVerify", ARR(certificate_verify_fields), sizeof(tlsio_certificate_verify), NULL};
