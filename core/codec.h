/*
 * The declarative codec: "parse, then process".
 *
 * Every handshake message and extension body is written down ONCE as data: a tlsio_codec is a
 * table of tlsio_field descriptors (wire kind, RFC bounds, where the value lives in a C struct).
 * One interpreter walks such a table to decode (wire -> struct) and to encode (struct -> wire).
 *
 * Decoding never copies and never allocates: byte strings, vectors and lists are stored as CBS
 * views into the input, so the input must outlive the decoded struct. Integers of every width are
 * stored as uint32_t.
 *
 * Rules the interpreter enforces (RFC 8446 §3, §4):
 *   - a vector shorter than its length prefix says, a body outside [min, max], a list whose
 *     body is not a whole number of valid elements, or bytes left over anywhere (after the last
 *     field of a top-level message, of an extension body, or inside a vector of structs)
 *     -> decode_error;
 *   - an integer outside its field's allowed values [min, max] -> illegal_parameter (this is how
 *     the RFC's value rules are written down: KeyUpdate.request_update 0..1, ECDHE curve_type
 *     3..3, record_size_limit 64..65535, ServerHello.legacy_compression_method 0..0);
 *   - extension blocks: see exts.h.
 * Every failure fills the tlsio_err with one sentence that names the path, e.g.
 *   "ClientHello.cipher_suites: odd length"
 *   "Certificate.certificate_list[2].cert_data: length 0 below minimum 1"
 *   "ClientHello.extensions.supported_versions.versions: length 1 not a multiple of 2"
 *
 * Encoding checks the same bounds (and validates every list body it is given): a struct that
 * does not fit its own descriptor is a bug in the caller, reported as TLS_E_INTERNAL with the
 * same kind of sentence.
 */
#ifndef TLSIO_CODEC_H
#define TLSIO_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/bytestring.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tlsio_field_kind {
    /* Big-endian integers, stored as uint32_t. min..max are the ALLOWED VALUES (inclusive);
       a value outside them is illegal_parameter. Use the full range for "any value". */
    TLSIO_F_U8 = 1,
    TLSIO_F_U16,
    TLSIO_F_U24,
    TLSIO_F_U32,
    /* Exactly `min` bytes (max must equal min), stored as a CBS view. E.g. Random. */
    TLSIO_F_FIXED,
    /* opaque x<min..max> with a 1/2/3-byte length prefix; stored as a CBS view of the body. */
    TLSIO_F_VEC8,
    TLSIO_F_VEC16,
    TLSIO_F_VEC24,
    /* T x<min..max> where T is described by `sub` (the element codec): a length-prefixed
       vector whose body is a sequence of elements. Stored as a CBS view of the body (without
       the prefix). Decode validates every element (walk it later with tlsio_list_next or,
       for scalar elements, plain CBS_get_u8/u16). If the element is a fixed-size scalar
       (tlsio_codec_u16_elem ...) a body that is not a whole number of them is "odd length"
       (size 2) / "length N not a multiple of K". */
    TLSIO_F_LIST8,
    TLSIO_F_LIST16,
    TLSIO_F_LIST24,
    /* An inline nested struct described by `sub`, stored at `offset` as that struct. */
    TLSIO_F_STRUCT,
    /* An extension block Extension extensions<min..max> (u16 length prefix) decoded in
       context `ctx` into a tlsio_exts at `offset` (see exts.h). */
    TLSIO_F_EXTS,
    /* As TLSIO_F_EXTS, but the whole block may be absent (TLS 1.2 hellos, RFC 5246 §7.4.1.2:
       "the presence of extensions can be detected by determining whether there are bytes
       following"). Must be the last field. tlsio_exts.absent records which it was, and encode
       omits the block when absent is set. */
    TLSIO_F_EXTS_OPT,
    /* All remaining bytes of the enclosing message/body, length in [min, max]; stored as a CBS.
       Must be the last field. E.g. Finished.verify_data. */
    TLSIO_F_REST
} tlsio_field_kind;

struct tlsio_codec;

typedef struct tlsio_field {
    const char *name; /* the RFC member name; "" = do not add a path component */
    uint8_t kind;     /* tlsio_field_kind */
    uint8_t ctx;      /* EXTS/EXTS_OPT only: tlsio_ext_ctx (exts.h) */
    uint32_t min;     /* integers: allowed values; vectors/lists/rest: body byte length */
    uint32_t max;
    size_t offset;                 /* offsetof(the struct, member) */
    const struct tlsio_codec *sub; /* LIST*: element codec; STRUCT: nested codec */
} tlsio_field;

typedef struct tlsio_codec {
    const char *name; /* "ClientHello", "KeyShareEntry": the first component of error paths */
    const tlsio_field *fields;
    size_t n;
    size_t size; /* sizeof the C struct this codec fills (used for element scratch space) */
    /* Optional: for an EXTS field whose ctx is TLSIO_CTX_PICK, returns the context to use.
       Decode: `msg` holds the fields decoded so far and `block` the raw extension block
       (NULL if the optional block is absent). Encode: `msg` is the full input, `block` NULL.
       Only ServerHello has one (HelloRetryRequest vs TLS 1.3 vs TLS 1.2 ServerHello). */
    int (*pick_ext_ctx)(const void *msg, const CBS *block);
} tlsio_codec;

/*
 * Descriptor helpers (designated initialisers, every member in declaration order, so the
 * macros also compile as C++ in tests that write their own descriptors).
 *
 * The interpreter writes through `offset` blindly (a uint32_t for every integer kind, a CBS for
 * every byte string, list, FIXED and REST field), so a descriptor pointing at a member of another
 * width would write past it or leave half of it unset. The macros therefore check the member's
 * size against its kind at compile time: a mismatch does not compile ("codec field: ..."). STRUCT
 * members are checked by the codec that owns them (its size), EXTS ones only through
 * TLSIO_FLD_EXTS (a tlsio_exts, exts.h); TLSIO_FLD with an EXTS kind does not compile.
 * tests/compile_checks/wrong_width.c proves that a wrong width fails to build.
 */
#ifdef __cplusplus
#define TLSIO_STATIC_CHECK(cond, msg) (0 * sizeof(char[(cond) ? 1 : -1]))
#else
#define TLSIO_STATIC_CHECK(cond, msg)                                                              \
    (0 * sizeof(struct {                                                                           \
         _Static_assert(cond, msg);                                                                \
         char c;                                                                                   \
     }))
#endif
/* The bytes a member of kind k must have (member_size itself for STRUCT, 0 = never right). */
#define TLSIO_KIND_STORAGE(k, member_size)                                                         \
    ((k) >= TLSIO_F_U8 && (k) <= TLSIO_F_U32 ? sizeof(uint32_t)                                    \
     : (k) == TLSIO_F_STRUCT                 ? (member_size)                                       \
     : (k) == TLSIO_F_FIXED || ((k) >= TLSIO_F_VEC8 && (k) <= TLSIO_F_LIST24) ||                   \
             (k) == TLSIO_F_REST                                                                   \
         ? sizeof(CBS)                                                                             \
         : 0)
#define TLSIO_MEMBER_SIZE(st, mem) sizeof(((st *)0)->mem)
/* offsetof(st, mem), refusing to compile if the member's size does not fit kind k. */
#define TLSIO_FLD_OFFSET(k, st, mem)                                                               \
    (offsetof(st, mem) +                                                                           \
     TLSIO_STATIC_CHECK(TLSIO_MEMBER_SIZE(st, mem) ==                                              \
                            TLSIO_KIND_STORAGE(k, TLSIO_MEMBER_SIZE(st, mem)),                     \
                        "codec field: the member size does not fit the field kind (integers "      \
                        "are uint32_t, byte strings and lists CBS, extension blocks tlsio_exts "   \
                        "via TLSIO_FLD_EXTS)"))
#define TLSIO_FLD(nm, k, lo, hi, st, mem, subc)                                                    \
    {                                                                                              \
        .name = (nm), .kind = (k), .ctx = 0, .min = (lo), .max = (hi),                             \
        .offset = TLSIO_FLD_OFFSET(k, st, mem), .sub = (subc)                                      \
    }
/* A field that is the whole struct at offset 0 (single-field bodies); the struct type `st` is
   checked like a member's. */
#define TLSIO_FLD_AT0(nm, k, lo, hi, subc, st)                                                     \
    {                                                                                              \
        .name = (nm), .kind = (k), .ctx = 0, .min = (lo), .max = (hi),                             \
        .offset = TLSIO_STATIC_CHECK(sizeof(st) == TLSIO_KIND_STORAGE(k, sizeof(st)),              \
                                     "codec field: the body type does not fit the field kind"),    \
        .sub = (subc)                                                                              \
    }
/* An extension block: the member must be a tlsio_exts (exts.h must be included where this is
   used). */
#define TLSIO_FLD_EXTS(nm, k, lo, hi, st, mem, c)                                                  \
    {                                                                                              \
        .name = (nm), .kind = (k), .ctx = (c), .min = (lo), .max = (hi),                           \
        .offset = offsetof(st, mem) +                                                              \
                  TLSIO_STATIC_CHECK(((k) == TLSIO_F_EXTS || (k) == TLSIO_F_EXTS_OPT) &&           \
                                         TLSIO_MEMBER_SIZE(st, mem) == sizeof(tlsio_exts),         \
                                     "codec field: an extension block is a tlsio_exts"),           \
        .sub = NULL                                                                                \
    }
#define TLSIO_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Scalar element codecs for lists of plain integers; each fills a tlsio_uint. */
typedef struct tlsio_uint {
    uint32_t v;
} tlsio_uint;
extern const tlsio_codec tlsio_codec_u8_elem;
extern const tlsio_codec tlsio_codec_u16_elem;
/* A codec with no fields: the body must be empty (any struct, e.g. tlsio_empty_msg, or NULL). */
extern const tlsio_codec tlsio_codec_empty;
/* Element struct of lists of opaque vectors (ProtocolName, PskBinderEntry, DistinguishedName,
   ASN.1Cert). To build a list body, tlsio_encode each element into one CBB. */
typedef struct tlsio_bytes {
    CBS v;
} tlsio_bytes;

/*
 * Decodes `in` (all of it: leftover bytes are decode_error "<Name>: N trailing bytes") into
 * `out` (a struct of the codec's type; fully overwritten). Returns 0, or an alert with `err` set.
 * `out` may be NULL to validate only.
 */
int tlsio_decode(const tlsio_codec *c, CBS *in, void *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Appends the wire form of `in` to `out`. Returns 0, or TLS_E_INTERNAL with `err` set when the
 * struct breaks its own descriptor (a bound, an invalid list body, an extension order that does
 * not match the presence bits) or the CBB fails. After a failure the CBB's content is
 * unspecified: CBB_cleanup it.
 */
int tlsio_encode(const tlsio_codec *c, const void *in, CBB *out, tlsio_err *err) TLSIO_MUST_CHECK;

/*
 * Iterates a list body (a LIST* field's CBS, already validated by decode): decodes the next
 * element of codec `elem` from the front of `list` into `out_elem` and advances `list`.
 * Returns 0 when an element was produced, TLSIO_LIST_END (negative) when `list` is empty, or
 * an alert (decode_error...) with `err` set if the body is malformed (only possible for a body
 * that did not come from decode).
 */
#define TLSIO_LIST_END (-1)
int tlsio_list_next(const tlsio_codec *elem, CBS *list, void *out_elem,
                    tlsio_err *err) TLSIO_MUST_CHECK;

/* 1 if a validated list body of u16 elements holds v. */
int tlsio_u16_list_has(const CBS *list, uint16_t v);

#ifdef __cplusplus
}
#endif
#endif
