/*
 * Must NOT compile (tests/compile_checks/CMakeLists.txt, codec_width_refused_*): a TLSIO_F_U16
 * field describing a uint16_t member. The codec stores integers of every width as uint32_t, so
 * decoding into this descriptor would write 4 bytes into a 2-byte member. With -DTLSIO_WIDTH_OK
 * the member is a uint32_t and the file compiles (codec_width_ok_*).
 */
#include "codec.h"

#ifdef TLSIO_WIDTH_OK
typedef uint32_t member_type;
#else
typedef uint16_t member_type;
#endif

typedef struct narrow {
    uint32_t version;
    member_type cipher_suite;
} narrow;

static const tlsio_field narrow_fields[] = {
    TLSIO_FLD("version", TLSIO_F_U16, 0, 0xffff, narrow, version, NULL),
    TLSIO_FLD("cipher_suite", TLSIO_F_U16, 0, 0xffff, narrow, cipher_suite, NULL),
};

const tlsio_codec narrow_codec = {"Narrow", narrow_fields, TLSIO_NFIELDS(narrow_fields),
                                  sizeof(narrow), NULL};
