/*
 * The one interpreter over codec descriptors (codec.h): decode, encode, list iteration, and
 * extension blocks (exts.h). No allocation, no copies: decoded bytes are CBS views.
 */
#include "codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exts.h"

/*
 * The dotted path of the field being worked on, for error sentences. It is kept for every
 * field of every message decoded and read only when something fails, so it is a stack of
 * references (names from the static codec tables, list indexes) rendered by path_str on
 * failure; keeping it costs two stores per field.
 */
#define PATH_MAX_DEPTH 24

typedef struct path_seg {
    const char *a, *b; /* text appended (either may be NULL) */
    size_t index;      /* with a == b == NULL: "[index]" */
} path_seg;

typedef struct path {
    path_seg seg[PATH_MAX_DEPTH];
    size_t depth, dropped; /* segments past PATH_MAX_DEPTH are counted, not kept */
    char buf[TLSIO_ERR_MSG_MAX];
} path;

static size_t path_push(path *p, path_seg s) {
    size_t old = p->depth + p->dropped;
    if (p->depth < PATH_MAX_DEPTH)
        p->seg[p->depth++] = s;
    else
        p->dropped++;
    return old;
}

/* Appends text to the path; returns the old depth for path_pop. */
static size_t path_append(path *p, const char *a, const char *b) {
    return path_push(p, (path_seg){a, b, 0});
}

/* Appends "[i]" for list element i. */
static size_t path_index(path *p, size_t i) {
    return path_push(p, (path_seg){NULL, NULL, i});
}

static void path_pop(path *p, size_t old) {
    if (old < PATH_MAX_DEPTH) {
        p->depth = old;
        p->dropped = 0;
    } else {
        p->dropped = old - PATH_MAX_DEPTH;
    }
}

static void path_init(path *p, const char *name) {
    p->depth = p->dropped = 0;
    path_append(p, name, NULL);
}

static void put_str(char *buf, size_t cap, size_t *len, const char *s) {
    for (; s != NULL && *s != '\0' && *len + 1 < cap; s++)
        buf[(*len)++] = *s;
}

/* The path as text (truncated at the buffer's end), for an error sentence. */
static const char *path_str(path *p) {
    size_t len = 0;
    for (size_t i = 0; i < p->depth; i++) {
        const path_seg *s = &p->seg[i];
        if (s->a == NULL && s->b == NULL) {
            char digits[24];
            snprintf(digits, sizeof digits, "[%zu]", s->index);
            put_str(p->buf, sizeof p->buf, &len, digits);
        } else {
            put_str(p->buf, sizeof p->buf, &len, s->a);
            put_str(p->buf, sizeof p->buf, &len, s->b);
        }
    }
    if (p->dropped) put_str(p->buf, sizeof p->buf, &len, "...");
    p->buf[len] = '\0';
    return p->buf;
}

/* Adds ".field" unless the field is anonymous (single-field extension bodies). */
static size_t path_field(path *p, const tlsio_field *f) {
    if (f->name[0] == '\0') return p->depth + p->dropped;
    return path_append(p, ".", f->name);
}

static const char *plural(size_t n) {
    return n == 1 ? "" : "s";
}

/* ---- shared helpers ------------------------------------------------------------------- */

static int int_width(uint8_t kind) {
    switch (kind) {
    case TLSIO_F_U8:
        return 1;
    case TLSIO_F_U16:
        return 2;
    case TLSIO_F_U24:
        return 3;
    case TLSIO_F_U32:
        return 4;
    default:
        return 0;
    }
}

static int prefix_width(uint8_t kind) {
    switch (kind) {
    case TLSIO_F_VEC8:
    case TLSIO_F_LIST8:
        return 1;
    case TLSIO_F_VEC16:
    case TLSIO_F_LIST16:
    case TLSIO_F_EXTS:
    case TLSIO_F_EXTS_OPT:
        return 2;
    case TLSIO_F_VEC24:
    case TLSIO_F_LIST24:
        return 3;
    default:
        return 0;
    }
}

/* The fixed wire size of an element codec made of integers and FIXED fields only; 0 if the
   element has any variable-length part. */
static size_t fixed_size(const tlsio_codec *c) {
    size_t total = 0;
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field *f = &c->fields[i];
        if (int_width(f->kind))
            total += (size_t)int_width(f->kind);
        else if (f->kind == TLSIO_F_FIXED)
            total += f->min;
        else if (f->kind == TLSIO_F_STRUCT && fixed_size(f->sub))
            total += fixed_size(f->sub);
        else
            return 0;
    }
    return total;
}

static int get_int(CBS *in, int width, uint32_t *v) {
    uint8_t u8;
    uint16_t u16;
    switch (width) {
    case 1:
        if (!CBS_get_u8(in, &u8)) return 0;
        *v = u8;
        return 1;
    case 2:
        if (!CBS_get_u16(in, &u16)) return 0;
        *v = u16;
        return 1;
    case 3:
        return CBS_get_u24(in, v);
    default:
        return CBS_get_u32(in, v);
    }
}

static int add_int(CBB *out, int width, uint32_t v) {
    switch (width) {
    case 1:
        return CBB_add_u8(out, (uint8_t)v);
    case 2:
        return CBB_add_u16(out, (uint16_t)v);
    case 3:
        return CBB_add_u24(out, v);
    default:
        return CBB_add_u32(out, v);
    }
}

static int get_prefixed(CBS *in, int width, CBS *body, size_t *declared) {
    uint32_t n;
    if (!get_int(in, width, &n)) return 0;
    *declared = n;
    return CBS_get_bytes(in, body, n) ? 1 : -1;
}

static uint32_t width_max(int width) {
    return width == 4 ? UINT32_MAX : (UINT32_C(1) << (8 * width)) - 1;
}

/* ---- decode --------------------------------------------------------------------------- */

static int dec_fields(const tlsio_codec *c, CBS *in, uint8_t *out, path *p, tlsio_err *err);
static int dec_exts(uint8_t ctx, CBS block, tlsio_exts *out, path *p, tlsio_err *err);

static int bad_len(int code, path *p, tlsio_err *err, size_t len, const tlsio_field *f) {
    if (len < f->min)
        return tlsio_err_set(err, code, "%s: length %zu below minimum %u", path_str(p), len,
                             f->min);
    return tlsio_err_set(err, code, "%s: length %zu above maximum %u", path_str(p), len, f->max);
}

/* True if every value of an element's wire bytes is valid: integers without a range, FIXED
   bytes, and structs of those. Such a list needs only its length checked, element by element
   decoding would find nothing more (a cipher_suites or supported_groups list, say). */
static int accepts_any_bytes(const tlsio_codec *c) {
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field *f = &c->fields[i];
        int iw = int_width(f->kind);
        if (iw                          ? (f->min != 0 || f->max < width_max(iw))
            : f->kind == TLSIO_F_STRUCT ? !accepts_any_bytes(f->sub)
                                        : f->kind != TLSIO_F_FIXED)
            return 0;
    }
    return 1;
}

/* Checks that a list body is a whole number of valid elements. `internal`: called from encode,
   so a bad body is our own bug (TLS_E_INTERNAL, same sentence). */
static int validate_list(const tlsio_codec *elem, CBS body, int internal, path *p, tlsio_err *err) {
    int code = internal ? TLS_E_INTERNAL : TLS_ALERT_DECODE_ERROR;
    size_t fs = fixed_size(elem);
    if (fs > 1 && CBS_len(&body) % fs != 0) {
        if (fs == 2) return tlsio_err_set(err, code, "%s: odd length", path_str(p));
        return tlsio_err_set(err, code, "%s: length %zu not a multiple of %zu", path_str(p),
                             CBS_len(&body), fs);
    }
    if (fs > 0 && accepts_any_bytes(elem)) return 0;
    tlsio_err scratch;
    tlsio_err_clear(&scratch);
    for (size_t i = 0; CBS_len(&body) > 0; i++) {
        size_t old = path_index(p, i);
        int r = dec_fields(elem, &body, NULL, p, internal ? &scratch : err);
        path_pop(p, old);
        if (r != 0) return internal ? tlsio_err_set(err, code, "%s", scratch.msg) : r;
    }
    return 0;
}

static int dec_field(const tlsio_codec *c, const tlsio_field *f, CBS *in, uint8_t *out, path *p,
                     tlsio_err *err) {
    uint8_t *dst = out ? out + f->offset : NULL;
    int iw = int_width(f->kind);
    if (iw) {
        uint32_t v;
        if (!get_int(in, iw, &v))
            return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR, "%s: truncated", path_str(p));
        if (v < f->min || v > f->max) {
            if (f->min == f->max)
                return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                                     "%s: value %u not allowed (must be %u)", path_str(p), v,
                                     f->min);
            return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                                 "%s: value %u not allowed (allowed %u..%u)", path_str(p), v,
                                 f->min, f->max);
        }
        if (dst) memcpy(dst, &v, sizeof v);
        return 0;
    }
    CBS body;
    switch (f->kind) {
    case TLSIO_F_FIXED:
        if (!CBS_get_bytes(in, &body, f->min))
            return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR,
                                 "%s: truncated (%u bytes needed, %zu left)", path_str(p), f->min,
                                 CBS_len(in));
        break;
    case TLSIO_F_REST:
        CBS_init(&body, CBS_data(in), CBS_len(in));
        CBS_skip(in, CBS_len(in));
        if (CBS_len(&body) < f->min || CBS_len(&body) > f->max)
            return bad_len(TLS_ALERT_DECODE_ERROR, p, err, CBS_len(&body), f);
        break;
    case TLSIO_F_VEC8:
    case TLSIO_F_VEC16:
    case TLSIO_F_VEC24:
    case TLSIO_F_LIST8:
    case TLSIO_F_LIST16:
    case TLSIO_F_LIST24:
    case TLSIO_F_EXTS:
    case TLSIO_F_EXTS_OPT: {
        if (f->kind == TLSIO_F_EXTS_OPT && CBS_len(in) == 0) {
            /* RFC 5246 §7.4.1.2: no bytes after compression_methods = no extensions. */
            if (dst) {
                tlsio_exts *e = (tlsio_exts *)dst;
                memset(e, 0, sizeof *e);
                e->absent = 1;
                e->ctx = f->ctx;
                if (f->ctx == TLSIO_CTX_PICK && c->pick_ext_ctx)
                    e->ctx = (uint8_t)c->pick_ext_ctx(out, NULL);
            }
            return 0;
        }
        size_t declared = 0;
        int r = get_prefixed(in, prefix_width(f->kind), &body, &declared);
        if (r == 0)
            return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR, "%s: truncated length", path_str(p));
        if (r < 0)
            return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR,
                                 "%s: length %zu exceeds the %zu bytes left", path_str(p), declared,
                                 CBS_len(in));
        if (CBS_len(&body) < f->min || CBS_len(&body) > f->max)
            return bad_len(TLS_ALERT_DECODE_ERROR, p, err, CBS_len(&body), f);
        if (f->kind == TLSIO_F_LIST8 || f->kind == TLSIO_F_LIST16 || f->kind == TLSIO_F_LIST24) {
            r = validate_list(f->sub, body, 0, p, err);
            if (r) return r;
        }
        if (f->kind == TLSIO_F_EXTS || f->kind == TLSIO_F_EXTS_OPT) {
            uint8_t ctx = f->ctx;
            if (ctx == TLSIO_CTX_PICK) {
                if (!out || !c->pick_ext_ctx)
                    return tlsio_err_set(err, TLS_E_INTERNAL, "%s: context needs a decoded message",
                                         path_str(p));
                ctx = (uint8_t)c->pick_ext_ctx(out, &body);
            }
            return dec_exts(ctx, body, (tlsio_exts *)dst, p, err);
        }
        break;
    }
    case TLSIO_F_STRUCT:
        return dec_fields(f->sub, in, dst, p, err);
    default:
        return tlsio_err_set(err, TLS_E_INTERNAL, "%s: bad field kind %d", path_str(p), f->kind);
    }
    if (dst) memcpy(dst, &body, sizeof body);
    return 0;
}

static int dec_fields(const tlsio_codec *c, CBS *in, uint8_t *out, path *p, tlsio_err *err) {
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field *f = &c->fields[i];
        size_t old = path_field(p, f);
        int r = dec_field(c, f, in, out, p, err);
        path_pop(p, old);
        if (r) return r;
    }
    return 0;
}

static int trailing(path *p, tlsio_err *err, size_t n) {
    return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR, "%s: %zu trailing byte%s", path_str(p), n,
                         plural(n));
}

/* An extension's name for an error sentence; only called once something failed (a printf
 * per extension of every message showed up in handshake profiles). */
typedef struct {
    char buf[24];
} ext_label_buf;

static const char *ext_label(ext_label_buf *b, uint16_t type) {
    const char *name = tlsio_ext_name(type);
    if (name) return name;
    snprintf(b->buf, sizeof b->buf, "extension 0x%04x", type);
    return b->buf;
}

/* Takes the next {type, body} of an extension block, checking only the framing. */
static int next_ext(CBS *block, uint16_t *type, CBS *body, path *p, tlsio_err *err) {
    if (!CBS_get_u16(block, type))
        return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR, "%s: truncated extension type",
                             path_str(p));
    size_t declared;
    int r = get_prefixed(block, 2, body, &declared);
    ext_label_buf lb;
    if (r == 0)
        return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR, "%s.%s: truncated length", path_str(p),
                             ext_label(&lb, *type));
    if (r < 0)
        return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR,
                             "%s.%s: length %zu exceeds the %zu bytes left", path_str(p),
                             ext_label(&lb, *type), declared, CBS_len(block));
    return 0;
}

/* First pass over a block: framing and duplicates, before any extension is judged on its own.
 * RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given
 * extension block" (RFC 5246 §7.4.1.4 likewise). A block that breaks this is malformed as a
 * whole, so it is a decode_error (RFC 8446 §6.2), whatever the repeated type is: an unknown or
 * misplaced type that is also repeated is reported as the duplicate. */
static int check_block_shape(CBS block, path *p, tlsio_err *err) {
    /* Linear for any block: known types are one bit each; the first few unknown types are
     * compared in a short list, and only a block with more of them pays for clearing a bit
     * per possible type (8 KiB, which every hello paid before). */
    uint32_t known = 0;
    uint16_t few[16];
    size_t n_few = 0;
    uint8_t seen[65536 / 8];
    int seen_ready = 0;
    ext_label_buf lb;
    while (CBS_len(&block) > 0) {
        uint16_t type;
        CBS body;
        int r = next_ext(&block, &type, &body, p, err);
        if (r) return r;
        int dup = 0, id = tlsio_ext_id_of(type);
        if (id >= 0) {
            dup = (known & TLSIO_EXT_BIT(id)) != 0;
            known |= TLSIO_EXT_BIT(id);
        } else if (!seen_ready && n_few < sizeof few / sizeof few[0]) {
            for (size_t i = 0; i < n_few; i++)
                dup |= few[i] == type;
            few[n_few++] = type;
        } else {
            if (!seen_ready) {
                memset(seen, 0, sizeof seen);
                for (size_t i = 0; i < n_few; i++)
                    seen[few[i] / 8] |= (uint8_t)(1u << (few[i] % 8));
                seen_ready = 1;
            }
            dup = (seen[type / 8] & (1u << (type % 8))) != 0;
            seen[type / 8] |= (uint8_t)(1u << (type % 8));
        }
        if (dup)
            return tlsio_err_set(err, TLS_ALERT_DECODE_ERROR, "%s: duplicate %s", path_str(p),
                                 ext_label(&lb, type));
    }
    return 0;
}

/* RFC 8446 §4.2: the rules of an extension block (see exts.h). */
static int dec_exts(uint8_t ctx, CBS block, tlsio_exts *out, path *p, tlsio_err *err) {
    int psk_seen = 0;
    ext_label_buf lb;
    if (out) {
        memset(out, 0, sizeof *out);
        out->ctx = ctx;
    }
    if (ctx >= TLSIO_CTX__COUNT)
        return tlsio_err_set(err, TLS_E_INTERNAL, "%s: bad extension context %u", path_str(p), ctx);
    int r = check_block_shape(block, p, err);
    if (r) return r;
    while (CBS_len(&block) > 0) {
        uint16_t type;
        CBS body;
        r = next_ext(&block, &type, &body, p, err);
        if (r) return r;
        /* RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello. */
        if (psk_seen)
            return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                                 "%s: pre_shared_key is not the last extension", path_str(p));
        if (ctx == TLSIO_CTX_CH && type == TLSIO_EXTTYPE_PRE_SHARED_KEY) psk_seen = 1;

        if (tlsio_ext_id_of(type) < 0) {
            if (!tlsio_ext_ctx_ignores_unknown((tlsio_ext_ctx)ctx))
                return tlsio_err_set(err, TLS_ALERT_UNSUPPORTED_EXTENSION,
                                     "%s: unknown extension 0x%04x", path_str(p), type);
            if (out) {
                if (out->n_unknown < TLSIO_EXTS_MAX_UNKNOWN &&
                    out->n_order < TLSIO_EXTS_MAX_ORDER) {
                    out->unknown[out->n_unknown].type = type;
                    out->unknown[out->n_unknown].body = body;
                    out->n_unknown++;
                    out->order[out->n_order++] = type;
                } else {
                    out->order_truncated = 1;
                }
            }
            continue;
        }
        const tlsio_ext_row *row = tlsio_ext_find(type, (tlsio_ext_ctx)ctx);
        if (!row)
            return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER, "%s: %s not allowed here",
                                 path_str(p), ext_label(&lb, type));
        size_t old = path_append(p, ".", row->name);
        uint8_t *dst = out ? (uint8_t *)out + row->offset : NULL;
        /* The body's layout is the row's, i.e. this message's: the same type can be a list in
         * one message and empty in another (exts.h). Say so when an empty form is not. */
        if (row->body->n == 0 && CBS_len(&body) != 0)
            r = tlsio_err_set(err, TLS_ALERT_DECODE_ERROR,
                              "%s: must be empty in a %s, has %zu byte%s", path_str(p),
                              tlsio_ext_ctx_name((tlsio_ext_ctx)ctx), CBS_len(&body),
                              plural(CBS_len(&body)));
        else
            r = dec_fields(row->body, &body, dst, p, err);
        if (r == 0 && CBS_len(&body) != 0) r = trailing(p, err, CBS_len(&body));
        path_pop(p, old);
        if (r) return r;
        if (out) {
            out->present |= TLSIO_EXT_BIT(row->id);
            out->order[out->n_order++] = type; /* known types are distinct: always fits */
        }
    }
    return 0;
}

int tlsio_decode(const tlsio_codec *c, CBS *in, void *out, tlsio_err *err) {
    path p;
    path_init(&p, c->name);
    if (out) memset(out, 0, c->size);
    int r = dec_fields(c, in, out, &p, err);
    if (r) return r;
    if (CBS_len(in) != 0) return trailing(&p, err, CBS_len(in));
    return 0;
}

int tlsio_list_next(const tlsio_codec *elem, CBS *list, void *out_elem, tlsio_err *err) {
    if (CBS_len(list) == 0) return TLSIO_LIST_END;
    path p;
    path_init(&p, elem->name);
    if (out_elem) memset(out_elem, 0, elem->size);
    return dec_fields(elem, list, out_elem, &p, err);
}

/* ---- encode --------------------------------------------------------------------------- */

static int enc_fields(const tlsio_codec *c, const uint8_t *in, CBB *out, path *p, tlsio_err *err);
static int enc_exts(uint8_t ctx, const tlsio_exts *e, CBB *out, path *p, tlsio_err *err);

static int cbb_fail(path *p, tlsio_err *err) {
    return tlsio_err_set(err, TLS_E_INTERNAL, "%s: output buffer failure", path_str(p));
}

static int enc_field(const tlsio_codec *c, const tlsio_field *f, const uint8_t *in, CBB *out,
                     path *p, tlsio_err *err) {
    const uint8_t *src = in + f->offset;
    int iw = int_width(f->kind);
    if (iw) {
        uint32_t v;
        memcpy(&v, src, sizeof v);
        if (v < f->min || v > f->max || v > width_max(iw))
            return tlsio_err_set(err, TLS_E_INTERNAL, "%s: value %u not allowed (allowed %u..%u)",
                                 path_str(p), v, f->min, f->max);
        return add_int(out, iw, v) ? 0 : cbb_fail(p, err);
    }
    CBS body;
    CBB child;
    switch (f->kind) {
    case TLSIO_F_FIXED:
    case TLSIO_F_REST:
        memcpy(&body, src, sizeof body);
        if (CBS_len(&body) < f->min || CBS_len(&body) > f->max)
            return bad_len(TLS_E_INTERNAL, p, err, CBS_len(&body), f);
        return CBB_add_bytes(out, CBS_data(&body), CBS_len(&body)) ? 0 : cbb_fail(p, err);
    case TLSIO_F_VEC8:
    case TLSIO_F_VEC16:
    case TLSIO_F_VEC24:
    case TLSIO_F_LIST8:
    case TLSIO_F_LIST16:
    case TLSIO_F_LIST24: {
        int pw = prefix_width(f->kind);
        memcpy(&body, src, sizeof body);
        if (CBS_len(&body) < f->min || CBS_len(&body) > f->max || CBS_len(&body) > width_max(pw))
            return bad_len(TLS_E_INTERNAL, p, err, CBS_len(&body), f);
        if (f->kind == TLSIO_F_LIST8 || f->kind == TLSIO_F_LIST16 || f->kind == TLSIO_F_LIST24) {
            int r = validate_list(f->sub, body, 1, p, err);
            if (r) return r;
        }
        if (!add_int(out, pw, (uint32_t)CBS_len(&body)) ||
            !CBB_add_bytes(out, CBS_data(&body), CBS_len(&body)))
            return cbb_fail(p, err);
        return 0;
    }
    case TLSIO_F_STRUCT:
        return enc_fields(f->sub, src, out, p, err);
    case TLSIO_F_EXTS:
    case TLSIO_F_EXTS_OPT: {
        const tlsio_exts *e = (const tlsio_exts *)src;
        if (f->kind == TLSIO_F_EXTS_OPT && e->absent) {
            if (e->present || e->n_order)
                return tlsio_err_set(err, TLS_E_INTERNAL, "%s: marked absent but has extensions",
                                     path_str(p));
            return 0;
        }
        uint8_t ctx = f->ctx;
        if (ctx == TLSIO_CTX_PICK) {
            if (!c->pick_ext_ctx)
                return tlsio_err_set(err, TLS_E_INTERNAL, "%s: no context chooser", path_str(p));
            ctx = (uint8_t)c->pick_ext_ctx(in, NULL);
        }
        if (!CBB_add_u16_length_prefixed(out, &child)) return cbb_fail(p, err);
        int r = enc_exts(ctx, e, &child, p, err);
        if (r) return r;
        size_t len = CBB_len(&child);
        if (len < f->min || len > f->max) return bad_len(TLS_E_INTERNAL, p, err, len, f);
        return CBB_flush(out) ? 0 : cbb_fail(p, err);
    }
    default:
        return tlsio_err_set(err, TLS_E_INTERNAL, "%s: bad field kind %d", path_str(p), f->kind);
    }
}

static int enc_fields(const tlsio_codec *c, const uint8_t *in, CBB *out, path *p, tlsio_err *err) {
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field *f = &c->fields[i];
        size_t old = path_field(p, f);
        int r = enc_field(c, f, in, out, p, err);
        path_pop(p, old);
        if (r) return r;
    }
    return 0;
}

static int enc_exts(uint8_t ctx, const tlsio_exts *e, CBB *out, path *p, tlsio_err *err) {
    uint32_t done = 0;
    ext_label_buf lb;
    if (ctx >= TLSIO_CTX__COUNT)
        return tlsio_err_set(err, TLS_E_INTERNAL, "%s: bad extension context %u", path_str(p), ctx);
    if (e->n_order > TLSIO_EXTS_MAX_ORDER || e->n_unknown > TLSIO_EXTS_MAX_UNKNOWN)
        return tlsio_err_set(err, TLS_E_INTERNAL, "%s: order/unknown count out of range",
                             path_str(p));
    for (size_t i = 0; i < e->n_order; i++) {
        uint16_t type = e->order[i];
        if (ctx == TLSIO_CTX_CH && type == TLSIO_EXTTYPE_PRE_SHARED_KEY && i + 1 != e->n_order)
            return tlsio_err_set(err, TLS_E_INTERNAL,
                                 "%s: pre_shared_key is not the last extension", path_str(p));
        CBB body;
        if (!CBB_add_u16(out, type) || !CBB_add_u16_length_prefixed(out, &body))
            return cbb_fail(p, err);
        int id = tlsio_ext_id_of(type);
        if (id < 0) {
            size_t k = 0;
            while (k < e->n_unknown && e->unknown[k].type != type)
                k++;
            if (k == e->n_unknown)
                return tlsio_err_set(err, TLS_E_INTERNAL, "%s: %s in order but not in unknown[]",
                                     path_str(p), ext_label(&lb, type));
            for (size_t j = 0; j < i; j++)
                if (e->order[j] == type)
                    return tlsio_err_set(err, TLS_E_INTERNAL, "%s: duplicate %s", path_str(p),
                                         ext_label(&lb, type));
            const CBS *b = &e->unknown[k].body;
            if (!CBB_add_bytes(&body, CBS_data(b), CBS_len(b))) return cbb_fail(p, err);
        } else {
            const tlsio_ext_row *row = tlsio_ext_find(type, (tlsio_ext_ctx)ctx);
            if (!row)
                return tlsio_err_set(err, TLS_E_INTERNAL, "%s: %s not allowed here", path_str(p),
                                     ext_label(&lb, type));
            if (!(e->present & TLSIO_EXT_BIT(id)))
                return tlsio_err_set(err, TLS_E_INTERNAL, "%s: %s in order but not present",
                                     path_str(p), ext_label(&lb, type));
            if (done & TLSIO_EXT_BIT(id))
                return tlsio_err_set(err, TLS_E_INTERNAL, "%s: duplicate %s", path_str(p),
                                     ext_label(&lb, type));
            done |= TLSIO_EXT_BIT(id);
            size_t old = path_append(p, ".", row->name);
            int r = enc_fields(row->body, (const uint8_t *)e + row->offset, &body, p, err);
            if (r == 0 && CBB_len(&body) > 0xffff)
                r = tlsio_err_set(err, TLS_E_INTERNAL, "%s: body too long", path_str(p));
            path_pop(p, old);
            if (r) return r;
        }
        if (!CBB_flush(out)) return cbb_fail(p, err);
    }
    if (done != e->present) {
        for (int id = 0; id < TLSIO_EXT__COUNT; id++)
            if ((e->present & ~done) & TLSIO_EXT_BIT(id)) {
                return tlsio_err_set(err, TLS_E_INTERNAL, "%s: %s present but not in order",
                                     path_str(p),
                                     ext_label(&lb, tlsio_ext_type_of((tlsio_ext_id)id)));
            }
    }
    return 0;
}

int tlsio_encode(const tlsio_codec *c, const void *in, CBB *out, tlsio_err *err) {
    path p;
    path_init(&p, c->name);
    return enc_fields(c, (const uint8_t *)in, out, &p, err);
}

/* ---- scalar element codecs ------------------------------------------------------------ */

static const tlsio_field u8_elem_fields[] = {
    TLSIO_FLD("", TLSIO_F_U8, 0, 0xff, tlsio_uint, v, NULL),
};
const tlsio_codec tlsio_codec_u8_elem = {"uint8", u8_elem_fields, 1, sizeof(tlsio_uint), NULL};

static const tlsio_field u16_elem_fields[] = {
    TLSIO_FLD("", TLSIO_F_U16, 0, 0xffff, tlsio_uint, v, NULL),
};
const tlsio_codec tlsio_codec_u16_elem = {"uint16", u16_elem_fields, 1, sizeof(tlsio_uint), NULL};

const tlsio_codec tlsio_codec_empty = {"empty", NULL, 0, 1, NULL};

int tlsio_u16_list_has(const CBS *list, uint16_t v) {
    CBS c = *list;
    uint16_t x;
    while (CBS_get_u16(&c, &x))
        if (x == v) return 1;
    return 0;
}
