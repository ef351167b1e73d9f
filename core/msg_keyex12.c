/* TLS 1.2 ECDHE key exchange messages (RFC 8422 §5.4, §5.7): descriptors. */
#include "msgs.h"

#define ARR(a) (a), TLSIO_NFIELDS(a)

/* RFC 8422 §5.4: ServerECDHParams { ECParameters { ECCurveType curve_type (named_curve = 3,
   the only type RFC 8422 §5.4 keeps); NamedCurve namedcurve; }; ECPoint { opaque
   point<1..2^8-1>; } } followed by the TLS 1.2 DigitallySigned { SignatureAndHashAlgorithm;
   opaque signature<0..2^16-1>; } (RFC 5246 §4.7). */
static const tlsio_field ske_fields[] = {
    TLSIO_FLD("curve_type", TLSIO_F_U8, 3, 3, tlsio_server_key_exchange_ecdhe, curve_type, NULL),
    TLSIO_FLD("named_curve", TLSIO_F_U16, 0, 0xffff, tlsio_server_key_exchange_ecdhe, named_curve,
              NULL),
    TLSIO_FLD("point", TLSIO_F_VEC8, 1, 0xff, tlsio_server_key_exchange_ecdhe, point, NULL),
    TLSIO_FLD("sig_algorithm", TLSIO_F_U16, 0, 0xffff, tlsio_server_key_exchange_ecdhe,
              sig_algorithm, NULL),
    TLSIO_FLD("signature", TLSIO_F_VEC16, 0, 0xffff, tlsio_server_key_exchange_ecdhe, signature,
              NULL),
};
const tlsio_codec tlsio_codec_server_key_exchange_ecdhe = {
    "ServerKeyExchange", ARR(ske_fields), sizeof(tlsio_server_key_exchange_ecdhe), NULL};

/* RFC 8422 §5.7: ClientECDiffieHellmanPublic { ECPoint ecdh_Yc; } (explicit form only). */
static const tlsio_field cke_fields[] = {
    TLSIO_FLD("point", TLSIO_F_VEC8, 1, 0xff, tlsio_client_key_exchange_ecdhe, point, NULL),
};
const tlsio_codec tlsio_codec_client_key_exchange_ecdhe = {
    "ClientKeyExchange", ARR(cke_fields), sizeof(tlsio_client_key_exchange_ecdhe), NULL};
