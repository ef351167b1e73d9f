/*
 * The server's check that a ClientHello after a HelloRetryRequest is the first one again
 * (RFC 8446 §4.1.2): "the client MUST send the same ClientHello without modification, except"
 * a new key_share, no early_data, the cookie the HelloRetryRequest carried, an updated
 * pre_shared_key and any padding. A client that changes anything else (its suites, its
 * versions, its signature schemes, its server name) would make the handshake negotiate
 * against a hello the transcript only holds as a hash.
 *
 * The first ClientHello's bytes are kept from the HelloRetryRequest until the second
 * arrives, then compared field by field so the error names the field that changed. Memory:
 * at most TLSIO_MAX_CLIENT_HELLO bytes per connection between the two hellos (a client can
 * hold as much in the reassembly buffer by sending a hello slowly); time: one pass over each.
 */
#include <openssl/mem.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs13.h"

/* A ClientHello's fields as raw views (RFC 8446 §4.1.2), handshake header skipped. */
typedef struct hello_fields {
    CBS legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods;
    CBS extensions; /* the block's body; empty when there is no block */
} hello_fields;

/* The fields compared as bytes, in wire order. */
static const struct {
    const char *name;
    size_t off;
} fixed_fields[] = {
    {"legacy_version", offsetof(hello_fields, legacy_version)},
    {"random", offsetof(hello_fields, random)},
    {"legacy_session_id", offsetof(hello_fields, legacy_session_id)},
    {"cipher_suites", offsetof(hello_fields, cipher_suites)},
    {"legacy_compression_methods", offsetof(hello_fields, legacy_compression_methods)},
};

/* Splits a ClientHello the codec has already accepted: failure is our bug. */
static int split(const uint8_t *msg, size_t len, hello_fields *f) {
    CBS m;
    CBS_init(&m, msg, len);
    CBS_init(&f->extensions, NULL, 0);
    if (!CBS_skip(&m, 4) || !CBS_get_bytes(&m, &f->legacy_version, 2) ||
        !CBS_get_bytes(&m, &f->random, 32) ||
        !CBS_get_u8_length_prefixed(&m, &f->legacy_session_id) ||
        !CBS_get_u16_length_prefixed(&m, &f->cipher_suites) ||
        !CBS_get_u8_length_prefixed(&m, &f->legacy_compression_methods))
        return 0;
    return CBS_len(&m) == 0 ||
           (CBS_get_u16_length_prefixed(&m, &f->extensions) && CBS_len(&m) == 0);
}

static int same(const CBS *a, const CBS *b) {
    return CBS_len(a) == CBS_len(b) && memcmp(CBS_data(a), CBS_data(b), CBS_len(a)) == 0;
}

/* The extensions §4.1.2 lets change. The cookie is not among them: tlsio's HelloRetryRequest
 * carries none, so a cookie the first hello lacked is an addition like any other. */
static int may_change(uint16_t type) {
    return type == TLSIO_EXTTYPE_KEY_SHARE || type == TLSIO_EXTTYPE_EARLY_DATA ||
           type == TLSIO_EXTTYPE_PRE_SHARED_KEY || type == TLSIO_EXTTYPE_PADDING;
}

/* Walks an extension block, skipping those that may change; notes a pre_shared_key. */
typedef struct ext_walk {
    CBS rest;
    int has_psk;
} ext_walk;

static int next_kept(ext_walk *w, uint16_t *type, CBS *body) {
    while (CBS_len(&w->rest) > 0) {
        if (!CBS_get_u16(&w->rest, type) || !CBS_get_u16_length_prefixed(&w->rest, body)) return 0;
        if (*type == TLSIO_EXTTYPE_PRE_SHARED_KEY) w->has_psk = 1;
        if (!may_change(*type)) return 1;
    }
    return 0;
}

static const char *ext_label(uint16_t type, char *buf, size_t cap) {
    const char *name = tlsio_ext_name(type);
    if (name != NULL) return name;
    snprintf(buf, cap, "extension 0x%04x", type);
    return buf;
}

static int changed(tls_engine *e, const char *what) {
    return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                         "second ClientHello: %s changed after HelloRetryRequest (RFC 8446 "
                         "§4.1.2 allows only key_share, early_data, pre_shared_key and padding to)",
                         what);
}

/* Whether the rest of a walk holds an extension of this type (walks a copy). */
static int still_has(ext_walk w, uint16_t type) {
    uint16_t t;
    CBS body;
    while (next_kept(&w, &t, &body))
        if (t == type) return 1;
    return 0;
}

/* Both blocks pair up, in order, once the changeable extensions are set aside. At the first
 * pair that differs, a second look tells a removal, an addition and a move apart. */
static int compare_extensions(tls_engine *e, ext_walk *w1, ext_walk *w2) {
    char b1[32], b2[32], what[128];
    for (;;) {
        uint16_t t1 = 0, t2 = 0;
        CBS x1, x2;
        int h1 = next_kept(w1, &t1, &x1), h2 = next_kept(w2, &t2, &x2);
        if (!h1 && !h2) return 0;
        if (h1 && h2 && t1 == t2) {
            if (same(&x1, &x2)) continue;
            snprintf(what, sizeof(what), "extensions.%s", ext_label(t1, b1, sizeof(b1)));
        } else if (!h2 || (h1 && !still_has(*w2, t1))) {
            snprintf(what, sizeof(what), "extensions (%s removed)", ext_label(t1, b1, sizeof(b1)));
        } else if (!h1 || !still_has(*w1, t2)) {
            snprintf(what, sizeof(what), "extensions (%s added)", ext_label(t2, b2, sizeof(b2)));
        } else {
            snprintf(what, sizeof(what), "extensions (order: %s where the first had %s)",
                     ext_label(t2, b2, sizeof(b2)), ext_label(t1, b1, sizeof(b1)));
        }
        return changed(e, what);
    }
}

int tlsio13_keep_first_hello(tls_engine *e, const tlsio_client_hello *ch) {
    tlsio_hs13 *h = &e->hs->h13;
    if (h->ch_raw == NULL)
        return tlsio_err_set(&e->err, TLS_E_INTERNAL, "first ClientHello: raw bytes not kept");
    h->ch1 = malloc(h->ch_raw_len);
    if (h->ch1 == NULL) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    memcpy(h->ch1, h->ch_raw, h->ch_raw_len);
    h->ch1_len = h->ch_raw_len;
    h->ch1_psk_usable = tlsio13_server_psk_usable(e, ch);
    return 0;
}

void tlsio13_drop_first_hello(tlsio_hs13 *h) {
    if (h->ch1 != NULL) OPENSSL_cleanse(h->ch1, h->ch1_len);
    free(h->ch1);
    h->ch1 = NULL;
    h->ch1_len = 0;
}

static int compare(tls_engine *e) {
    tlsio_hs13 *h = &e->hs->h13;
    hello_fields f1, f2;
    if (h->ch1 == NULL || h->ch_raw == NULL || !split(h->ch1, h->ch1_len, &f1) ||
        !split(h->ch_raw, h->ch_raw_len, &f2))
        return tlsio_err_set(&e->err, TLS_E_INTERNAL, "second ClientHello: no first to compare");
    for (size_t i = 0; i < sizeof(fixed_fields) / sizeof(fixed_fields[0]); i++) {
        const CBS *a = (const CBS *)((const uint8_t *)&f1 + fixed_fields[i].off);
        const CBS *b = (const CBS *)((const uint8_t *)&f2 + fixed_fields[i].off);
        if (!same(a, b)) return changed(e, fixed_fields[i].name);
    }
    ext_walk w1 = {f1.extensions, 0}, w2 = {f2.extensions, 0};
    int rc = compare_extensions(e, &w1, &w2);
    if (rc != 0) return rc;
    if (!w1.has_psk && w2.has_psk) return changed(e, "extensions (pre_shared_key added)");
    /* §4.1.2 lets the client drop only PSKs "incompatible with the server's indicated cipher
     * suite": dropping one we could have resumed with is a change. */
    if (w1.has_psk && !w2.has_psk && h->ch1_psk_usable)
        return changed(e, "extensions (pre_shared_key with a PSK usable with the chosen suite "
                          "removed)");
    return 0;
}

int tlsio13_check_second_hello(tls_engine *e) {
    int rc = compare(e);
    tlsio13_drop_first_hello(&e->hs->h13);
    return rc;
}
