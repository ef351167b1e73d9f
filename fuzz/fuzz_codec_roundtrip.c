/*
 * The declarative codec (core/codec.c) over every message family: each handshake message of
 * both versions (msgs.h), each list element codec, the body of each (extension, message) row
 * of the extension table (exts.h), and the SessionState tickets seal (session.h). Input: one byte
 * choosing the codec, then the bytes to decode.
 *
 * The properties checked:
 *   - decoding fails only with an alert (1..255) and a sentence, never a local error;
 *   - decoding into no struct (validation only) says the same as decoding into one;
 *   - anything decode accepts encodes back to the same bytes; so does every element of every
 *     list inside it (walked with tlsio_list_next), and the lists inside each extension body.
 *
 * One legitimate exception, skipped: an extension block with more unknown extensions than
 * tlsio_exts keeps (TLSIO_EXTS_MAX_UNKNOWN) is decoded with order_truncated set; the ones
 * beyond are checked and ignored, not kept, so that block cannot be written back.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exts.h"
#include "fuzz_support.h"
#include "msgs.h"

/* Room for the largest decoded struct (a hello with its tlsio_exts). */
#define SCRATCH 4096

static void fail(const char *what, const tlsio_codec *c, const char *detail) {
    fprintf(stderr, "codec round trip: %s: %s: %s\n", c->name, what, detail ? detail : "");
    abort();
}

/* Whether a decoded struct holds an extension block that cannot be written back. */
static int truncated(const tlsio_codec *c, const uint8_t *st) {
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field *f = &c->fields[i];
        if ((f->kind == TLSIO_F_EXTS || f->kind == TLSIO_F_EXTS_OPT) &&
            ((const tlsio_exts *)(st + f->offset))->order_truncated)
            return 1;
        if (f->kind == TLSIO_F_STRUCT && truncated(f->sub, st + f->offset)) return 1;
    }
    return 0;
}

/* Encodes st with c and compares with want[0..n). */
static void check_encode(const tlsio_codec *c, const uint8_t *st, const uint8_t *want, size_t n) {
    CBB out;
    tlsio_err err;
    tlsio_err_clear(&err);
    if (!CBB_init(&out, n + 16)) abort();
    if (tlsio_encode(c, st, &out, &err) != 0) fail("decoded but does not encode", c, err.msg);
    if (CBB_len(&out) != n || memcmp(CBB_data(&out), want, n) != 0) {
        fprintf(stderr, "encoded %zu bytes, decoded %zu\n", CBB_len(&out), n);
        fail("encodes to other bytes", c, NULL);
    }
    CBB_cleanup(&out);
}

static void deep(const tlsio_codec *c, const uint8_t *st, int depth);

/* Every element of a list: decodes (decode validated them), and encodes to its bytes. */
static void walk_list(const tlsio_codec *elem, CBS list, int depth) {
    alignas(max_align_t) uint8_t e[SCRATCH];
    if (elem->size > sizeof e) fail("element struct too large for the harness", elem, NULL);
    for (;;) {
        const uint8_t *start = CBS_data(&list);
        size_t before = CBS_len(&list);
        tlsio_err err;
        tlsio_err_clear(&err);
        int rc = tlsio_list_next(elem, &list, e, &err);
        if (rc == TLSIO_LIST_END) break;
        if (rc != 0) fail("a validated list element does not decode", elem, err.msg);
        if (!truncated(elem, e)) check_encode(elem, e, start, before - CBS_len(&list));
        deep(elem, e, depth + 1);
    }
}

/* The lists inside a decoded struct, its nested structs and its extension bodies. */
static void deep(const tlsio_codec *c, const uint8_t *st, int depth) {
    if (depth > 8) return;
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field *f = &c->fields[i];
        const uint8_t *at = st + f->offset;
        switch (f->kind) {
        case TLSIO_F_LIST8:
        case TLSIO_F_LIST16:
        case TLSIO_F_LIST24:
            walk_list(f->sub, *(const CBS *)at, depth);
            break;
        case TLSIO_F_STRUCT:
            deep(f->sub, at, depth + 1);
            break;
        case TLSIO_F_EXTS:
        case TLSIO_F_EXTS_OPT: {
            const tlsio_exts *x = (const tlsio_exts *)at;
            for (size_t r = 0; r < tlsio_ext_table_len; r++) {
                const tlsio_ext_row *row = &tlsio_ext_table[r];
                if (row->ctx == x->ctx && tlsio_exts_has(x, (tlsio_ext_id)row->id))
                    deep(row->body, (const uint8_t *)x + row->offset, depth + 1);
            }
            break;
        }
        default:
            break;
        }
    }
}

static void roundtrip(const tlsio_codec *c, const uint8_t *p, size_t n) {
    alignas(max_align_t) uint8_t st[SCRATCH];
    if (c->size > sizeof st) fail("struct too large for the harness", c, NULL);
    tlsio_err err;
    tlsio_err_clear(&err);
    CBS in;
    CBS_init(&in, p, n);
    int rc = tlsio_decode(c, &in, st, &err);
    if (rc < 0 || rc > 255) fail("decode failed with a local error", c, err.msg);
    if (rc != 0 && err.msg[0] == '\0') fail("decode failed without a sentence", c, NULL);
    /* Without a struct there is nothing to pick a ServerHello's extension context from. */
    if (c->pick_ext_ctx == NULL) {
        tlsio_err err2;
        tlsio_err_clear(&err2);
        CBS_init(&in, p, n);
        int rc2 = tlsio_decode(c, &in, NULL, &err2);
        if (rc2 != rc) {
            fprintf(stderr, "with a struct: %d (%s); without: %d (%s)\n", rc, err.msg, rc2,
                    err2.msg);
            fail("validation alone disagrees with decoding", c, NULL);
        }
    }
    if (rc != 0 || truncated(c, st)) return;
    check_encode(c, st, p, n);
    deep(c, st, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const fuzz_codec *fc = fuzz_codec_at(data[0] % fuzz_codec_count());
    roundtrip(fc->codec, data + 1, size - 1);
    return 0;
}
