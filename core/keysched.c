/* TLS 1.3 key schedule: HKDF-Expand-Label, Derive-Secret and the secrets built from them. */
#include "keysched.h"

#include <string.h>
#include <openssl/bytestring.h>
#include <openssl/mem.h>

/* RFC 8446 §7.1: every HkdfLabel.label starts with this. */
static const char label_prefix[] = "tls13 ";
#define LABEL_PREFIX_LEN (sizeof(label_prefix) - 1)
/* uint16 length || <7..255> label || <0..255> context */
#define HKDF_INFO_MAX (2 + 1 + 255 + 1 + 255)

/* RFC 8446 §7.1: which stage secret each Derive-Secret output comes from, and its label. */
struct derive_rule {
    tlsio_ks_stage stage;
    const char *label;
    int empty_messages; /* Messages is "" whatever the caller passes */
};

static const struct derive_rule derive_rules[] = {
    [TLSIO_KS_EXT_BINDER] = {TLSIO_KS_EARLY, "ext binder", 1},
    [TLSIO_KS_RES_BINDER] = {TLSIO_KS_EARLY, "res binder", 1},
    [TLSIO_KS_C_E_TRAFFIC] = {TLSIO_KS_EARLY, "c e traffic", 0},
    [TLSIO_KS_E_EXP_MASTER] = {TLSIO_KS_EARLY, "e exp master", 0},
    [TLSIO_KS_C_HS_TRAFFIC] = {TLSIO_KS_HANDSHAKE, "c hs traffic", 0},
    [TLSIO_KS_S_HS_TRAFFIC] = {TLSIO_KS_HANDSHAKE, "s hs traffic", 0},
    [TLSIO_KS_C_AP_TRAFFIC] = {TLSIO_KS_MASTER, "c ap traffic", 0},
    [TLSIO_KS_S_AP_TRAFFIC] = {TLSIO_KS_MASTER, "s ap traffic", 0},
    [TLSIO_KS_EXP_MASTER] = {TLSIO_KS_MASTER, "exp master", 0},
    [TLSIO_KS_RES_MASTER] = {TLSIO_KS_MASTER, "res master", 0},
};

/*
 * Values of RFC 8446 §7.1 that depend on the hash alone, so they are tables rather than work
 * done in every handshake (tests/unit/keysched_test.cc recomputes each one):
 *   empty   = Hash("")
 *   early   = HKDF-Extract(salt 0, IKM 0): the Early Secret without a PSK (RFC 8448 §3 shows
 *             the SHA-256 one)
 *   derived = Derive-Secret(early, "derived", ""): the salt of the Handshake Secret then
 */
struct hash_consts {
    uint8_t empty[TLSIO_MAX_HASH_LEN];
    uint8_t early[TLSIO_MAX_HASH_LEN];
    uint8_t derived[TLSIO_MAX_HASH_LEN];
};

static const struct hash_consts sha256_consts = {
    {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
     0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
     0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55},
    {0x33, 0xad, 0x0a, 0x1c, 0x60, 0x7e, 0xc0, 0x3b, 0x09, 0xe6, 0xcd,
     0x98, 0x93, 0x68, 0x0c, 0xe2, 0x10, 0xad, 0xf3, 0x00, 0xaa, 0x1f,
     0x26, 0x60, 0xe1, 0xb2, 0x2e, 0x10, 0xf1, 0x70, 0xf9, 0x2a},
    {0x6f, 0x26, 0x15, 0xa1, 0x08, 0xc7, 0x02, 0xc5, 0x67, 0x8f, 0x54,
     0xfc, 0x9d, 0xba, 0xb6, 0x97, 0x16, 0xc0, 0x76, 0x18, 0x9c, 0x48,
     0x25, 0x0c, 0xeb, 0xea, 0xc3, 0x57, 0x6c, 0x36, 0x11, 0xba},
};

static const struct hash_consts sha384_consts = {
    {0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
     0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
     0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
     0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b},
    {0x7e, 0xe8, 0x20, 0x6f, 0x55, 0x70, 0x02, 0x3e, 0x6d, 0xc7, 0x51, 0x9e,
     0xb1, 0x07, 0x3b, 0xc4, 0xe7, 0x91, 0xad, 0x37, 0xb5, 0xc3, 0x82, 0xaa,
     0x10, 0xba, 0x18, 0xe2, 0x35, 0x7e, 0x71, 0x69, 0x71, 0xf9, 0x36, 0x2f,
     0x2c, 0x2f, 0xe2, 0xa7, 0x6b, 0xfd, 0x78, 0xdf, 0xec, 0x4e, 0xa9, 0xb5},
    {0x15, 0x91, 0xda, 0xc5, 0xcb, 0xbf, 0x03, 0x30, 0xa4, 0xa8, 0x4d, 0xe9,
     0xc7, 0x53, 0x33, 0x0e, 0x92, 0xd0, 0x1f, 0x0a, 0x88, 0x21, 0x4b, 0x44,
     0x64, 0x97, 0x2f, 0xd6, 0x68, 0x04, 0x9e, 0x93, 0xe5, 0x2f, 0x2b, 0x16,
     0xfa, 0xd9, 0x22, 0xfd, 0xc0, 0x58, 0x44, 0x78, 0x42, 0x8f, 0x28, 0x2b},
};

static const struct hash_consts *consts_of(tlsio_hash_alg alg) {
    switch (alg) {
    case TLSIO_SHA256:
        return &sha256_consts;
    case TLSIO_SHA384:
        return &sha384_consts;
    default:
        return NULL;
    }
}

const uint8_t *tlsio_empty_hash(tlsio_hash_alg alg) {
    const struct hash_consts *c = consts_of(alg);
    return c != NULL ? c->empty : NULL;
}

static const char *const stage_names[] = {
    [TLSIO_KS_NONE] = "no secret yet",
    [TLSIO_KS_EARLY] = "the early secret",
    [TLSIO_KS_HANDSHAKE] = "the handshake secret",
    [TLSIO_KS_MASTER] = "the master secret",
};

static int check_alg(tlsio_hash_alg alg, tlsio_err *err) {
    if (alg == TLSIO_SHA256 || alg == TLSIO_SHA384) return 0;
    return tlsio_err_set(err, TLS_E_USAGE, "key schedule: unknown hash %d", (int)alg);
}

/* HKDF-Expand-Label with the shortest label allowed given: 1 for TLS's own labels (RFC 8446
 * §7.1: HkdfLabel.label<7..255> with the 6-byte "tls13 " prefix), 0 for exporter labels. */
static int expand_label(tlsio_hash_alg alg, const uint8_t *secret, const char *label,
                        size_t label_len, size_t label_min, const uint8_t *context,
                        size_t context_len, uint8_t *out, size_t out_len, tlsio_err *err) {
    int rc = check_alg(alg, err);
    if (rc != 0) return rc;
    if (label_len < label_min || label_len > TLSIO_HKDF_LABEL_MAX)
        return tlsio_err_set(err, TLS_E_USAGE, "HKDF-Expand-Label: label length %zu not in %zu..%d",
                             label_len, label_min, TLSIO_HKDF_LABEL_MAX);
    if (context_len > TLSIO_HKDF_CONTEXT_MAX)
        return tlsio_err_set(err, TLS_E_USAGE, "HKDF-Expand-Label: context length %zu over %d",
                             context_len, TLSIO_HKDF_CONTEXT_MAX);
    /* HkdfLabel.length is a uint16; HKDF itself stops at 255 blocks (RFC 5869 §2.3). */
    if (out_len == 0 || out_len > 0xffff || out_len > 255 * tlsio_hash_len(alg))
        return tlsio_err_set(err, TLS_E_USAGE, "HKDF-Expand-Label: output length %zu out of range",
                             out_len);

    uint8_t info[HKDF_INFO_MAX];
    uint8_t *info_data = NULL;
    size_t info_len = 0;
    CBB cbb, child;
    if (!CBB_init_fixed(&cbb, info, sizeof(info)) || !CBB_add_u16(&cbb, (uint16_t)out_len) ||
        !CBB_add_u8_length_prefixed(&cbb, &child) ||
        !CBB_add_bytes(&child, (const uint8_t *)label_prefix, LABEL_PREFIX_LEN) ||
        !CBB_add_bytes(&child, (const uint8_t *)label, label_len) ||
        !CBB_add_u8_length_prefixed(&cbb, &child) || !CBB_add_bytes(&child, context, context_len) ||
        !CBB_finish(&cbb, &info_data, &info_len)) {
        CBB_cleanup(&cbb);
        return tlsio_err_set(err, TLS_E_INTERNAL, "HKDF-Expand-Label: encoding HkdfLabel failed");
    }
    if (tlsio_hkdf_expand(alg, secret, tlsio_hash_len(alg), info_data, info_len, out, out_len))
        return tlsio_err_set(err, TLS_E_INTERNAL, "HKDF-Expand-Label: HKDF-Expand failed");
    return 0;
}

int tlsio_hkdf_expand_label(tlsio_hash_alg alg, const uint8_t *secret, const char *label,
                            size_t label_len, const uint8_t *context, size_t context_len,
                            uint8_t *out, size_t out_len, tlsio_err *err) {
    return expand_label(alg, secret, label, label_len, 1, context, context_len, out, out_len, err);
}

/* Derive-Secret with a counted label (the exporter's label is caller data, not a C string). */
static int derive_secret_n(tlsio_hash_alg alg, const uint8_t *secret, const char *label,
                           size_t label_len, const uint8_t *th, uint8_t *out, tlsio_err *err) {
    int rc = check_alg(alg, err);
    if (rc != 0) return rc;
    size_t n = tlsio_hash_len(alg);
    /* RFC 8446 §7.1: Transcript-Hash("") is the hash of the empty string. */
    if (th == NULL) th = tlsio_empty_hash(alg);
    return tlsio_hkdf_expand_label(alg, secret, label, label_len, th, n, out, n, err);
}

int tlsio_derive_secret(tlsio_hash_alg alg, const uint8_t *secret, const char *label,
                        const uint8_t *th, uint8_t *out, tlsio_err *err) {
    return derive_secret_n(alg, secret, label, strlen(label), th, out, err);
}

void tlsio_ks_init(tlsio_keysched *ks, tlsio_hash_alg alg) {
    OPENSSL_cleanse(ks, sizeof(*ks));
    ks->alg = alg;
    ks->stage = TLSIO_KS_NONE;
}

static int need_stage(const tlsio_keysched *ks, tlsio_ks_stage stage, const char *what,
                      tlsio_err *err) {
    if (ks->stage == stage) return 0;
    return tlsio_err_set(err, TLS_E_USAGE, "key schedule: %s needs %s, not %s", what,
                         stage_names[stage], stage_names[ks->stage]);
}

/* HKDF-Extract(salt, ikm or Hash.length zeros) replaces the stage secret. */
static int extract_into(tlsio_keysched *ks, const uint8_t *salt, const uint8_t *ikm, size_t ikm_len,
                        tlsio_ks_stage next, tlsio_err *err) {
    static const uint8_t zeros[TLSIO_MAX_HASH_LEN] = {0};
    size_t n = tlsio_hash_len(ks->alg);
    if (ikm == NULL) {
        /* RFC 8446 §7.1: a missing input is "0", a string of Hash.length zero bytes. */
        ikm = zeros;
        ikm_len = n;
    }
    uint8_t secret[TLSIO_MAX_HASH_LEN];
    if (tlsio_hkdf_extract(ks->alg, salt, n, ikm, ikm_len, secret)) {
        OPENSSL_cleanse(secret, sizeof(secret));
        return tlsio_err_set(err, TLS_E_INTERNAL, "key schedule: HKDF-Extract failed");
    }
    memcpy(ks->secret, secret, n);
    OPENSSL_cleanse(secret, sizeof(secret));
    ks->stage = next;
    return 0;
}

/* The next stage: HKDF-Extract(Derive-Secret(current, "derived", ""), ikm). */
static int advance(tlsio_keysched *ks, tlsio_ks_stage from, const uint8_t *ikm, size_t ikm_len,
                   const char *what, tlsio_err *err) {
    int rc = need_stage(ks, from, what, err);
    if (rc != 0) return rc;
    uint8_t derived[TLSIO_MAX_HASH_LEN];
    if (from == TLSIO_KS_EARLY && ks->no_psk)
        memcpy(derived, consts_of(ks->alg)->derived, tlsio_hash_len(ks->alg));
    else
        rc = tlsio_derive_secret(ks->alg, ks->secret, "derived", NULL, derived, err);
    if (rc == 0) rc = extract_into(ks, derived, ikm, ikm_len, (tlsio_ks_stage)(from + 1), err);
    OPENSSL_cleanse(derived, sizeof(derived));
    return rc;
}

int tlsio_ks_early(tlsio_keysched *ks, const uint8_t *psk, size_t psk_len, tlsio_err *err) {
    int rc = check_alg(ks->alg, err);
    if (rc != 0) return rc;
    if (ks->stage != TLSIO_KS_NONE)
        return tlsio_err_set(err, TLS_E_USAGE,
                             "key schedule: the early secret comes first (tlsio_ks_init again)");
    ks->no_psk = psk == NULL;
    if (ks->no_psk) {
        /* HKDF-Extract(0, 0) below with both inputs fixed: the table holds its result. */
        memcpy(ks->secret, consts_of(ks->alg)->early, tlsio_hash_len(ks->alg));
        ks->stage = TLSIO_KS_EARLY;
        return 0;
    }
    /* RFC 8446 §7.1: the salt of the first HKDF-Extract is "0" (Hash.length zeros). */
    static const uint8_t zero_salt[TLSIO_MAX_HASH_LEN] = {0};
    return extract_into(ks, zero_salt, psk, psk_len, TLSIO_KS_EARLY, err);
}

int tlsio_ks_handshake(tlsio_keysched *ks, const uint8_t *ecdhe, size_t ecdhe_len, tlsio_err *err) {
    return advance(ks, TLSIO_KS_EARLY, ecdhe, ecdhe_len, "the handshake secret", err);
}

int tlsio_ks_master(tlsio_keysched *ks, tlsio_err *err) {
    return advance(ks, TLSIO_KS_HANDSHAKE, NULL, 0, "the master secret", err);
}

int tlsio_ks_derive(const tlsio_keysched *ks, tlsio_ks_secret which, const uint8_t *th,
                    uint8_t *out, tlsio_err *err) {
    if ((unsigned)which >= sizeof(derive_rules) / sizeof(derive_rules[0]))
        return tlsio_err_set(err, TLS_E_USAGE, "key schedule: unknown secret %d", (int)which);
    const struct derive_rule *r = &derive_rules[which];
    int rc = need_stage(ks, r->stage, r->label, err);
    if (rc != 0) return rc;
    if (!r->empty_messages && th == NULL)
        return tlsio_err_set(err, TLS_E_USAGE, "key schedule: %s needs a transcript hash",
                             r->label);
    return tlsio_derive_secret(ks->alg, ks->secret, r->label, r->empty_messages ? NULL : th, out,
                               err);
}

void tlsio_ks_wipe(tlsio_keysched *ks) {
    OPENSSL_cleanse(ks, sizeof(*ks));
}

int tlsio_traffic_keys_derive(tlsio_hash_alg alg, tlsio_aead_alg aead,
                              const uint8_t *traffic_secret, tlsio_traffic_keys *out,
                              tlsio_err *err) {
    if (aead != TLSIO_AES_128_GCM && aead != TLSIO_AES_256_GCM && aead != TLSIO_CHACHA20_POLY1305)
        return tlsio_err_set(err, TLS_E_USAGE, "traffic keys: unknown AEAD %d", (int)aead);
    OPENSSL_cleanse(out, sizeof(*out));
    out->key_len = tlsio_aead_key_len(aead);
    /* RFC 8446 §7.3: key = Expand-Label(s, "key", "", key_length), iv = (s, "iv", "", 12). */
    int rc = tlsio_hkdf_expand_label(alg, traffic_secret, "key", 3, NULL, 0, out->key, out->key_len,
                                     err);
    if (rc == 0)
        rc = tlsio_hkdf_expand_label(alg, traffic_secret, "iv", 2, NULL, 0, out->iv,
                                     TLSIO_TLS13_IV_LEN, err);
    if (rc != 0) tlsio_traffic_keys_wipe(out);
    return rc;
}

void tlsio_traffic_keys_wipe(tlsio_traffic_keys *k) {
    OPENSSL_cleanse(k, sizeof(*k));
}

int tlsio_finished_key(tlsio_hash_alg alg, const uint8_t *base_key, uint8_t *out, tlsio_err *err) {
    return tlsio_hkdf_expand_label(alg, base_key, "finished", 8, NULL, 0, out, tlsio_hash_len(alg),
                                   err);
}

int tlsio_finished_verify_data(tlsio_hash_alg alg, const uint8_t *base_key, const uint8_t *th,
                               uint8_t *out, tlsio_err *err) {
    size_t n = tlsio_hash_len(alg);
    uint8_t key[TLSIO_MAX_HASH_LEN];
    int rc = tlsio_finished_key(alg, base_key, key, err);
    if (rc == 0 && tlsio_hmac(alg, key, n, th, n, out))
        rc = tlsio_err_set(err, TLS_E_INTERNAL, "Finished: HMAC failed");
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

int tlsio_finished_check(tlsio_hash_alg alg, const uint8_t *base_key, const uint8_t *th,
                         const uint8_t *got, size_t got_len, tlsio_err *err) {
    size_t n = tlsio_hash_len(alg);
    uint8_t want[TLSIO_MAX_HASH_LEN];
    int rc = tlsio_finished_verify_data(alg, base_key, th, want, err);
    /* The length is public (it is the suite's hash length); only the value is compared in
     * constant time. */
    if (rc == 0 && (got_len != n || CRYPTO_memcmp(want, got, n) != 0))
        rc = tlsio_err_set(err, TLS_ALERT_DECRYPT_ERROR, "Finished.verify_data: mismatch");
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}

int tlsio_traffic_secret_update(tlsio_hash_alg alg, uint8_t *secret, tlsio_err *err) {
    size_t n = tlsio_hash_len(alg);
    uint8_t next[TLSIO_MAX_HASH_LEN];
    int rc = tlsio_hkdf_expand_label(alg, secret, "traffic upd", 11, NULL, 0, next, n, err);
    if (rc == 0) memcpy(secret, next, n);
    OPENSSL_cleanse(next, sizeof(next));
    return rc;
}

int tlsio_tls13_export(tlsio_hash_alg alg, const uint8_t *exporter_secret, const char *label,
                       size_t label_len, const uint8_t *context, size_t context_len, uint8_t *out,
                       size_t out_len, tlsio_err *err) {
    int rc = check_alg(alg, err);
    if (rc != 0) return rc;
    uint8_t secret[TLSIO_MAX_HASH_LEN], context_hash[TLSIO_MAX_HASH_LEN];
    /* Derive-Secret(exporter_secret, label, ""). RFC 8446 §7.5 (like RFC 5705 for TLS 1.2)
     * puts no bound on the application's label, so an empty one is allowed: its HkdfLabel
     * carries just "tls13 ", which is what every other implementation derives for it. */
    size_t n = tlsio_hash_len(alg);
    rc = expand_label(alg, exporter_secret, label, label_len, 0, tlsio_empty_hash(alg), n, secret,
                      n, err);
    if (rc == 0) {
        if (context_len == 0)
            memcpy(context_hash, tlsio_empty_hash(alg), tlsio_hash_len(alg));
        else
            tlsio_hash_oneshot(alg, context, context_len, context_hash);
        rc = tlsio_hkdf_expand_label(alg, secret, "exporter", 8, context_hash, tlsio_hash_len(alg),
                                     out, out_len, err);
    }
    OPENSSL_cleanse(secret, sizeof(secret));
    return rc;
}

int tlsio_psk_binder(tlsio_hash_alg alg, const uint8_t *psk, size_t psk_len, const uint8_t *th,
                     uint8_t *out, tlsio_err *err) {
    tlsio_keysched ks;
    uint8_t binder_key[TLSIO_MAX_HASH_LEN];
    tlsio_ks_init(&ks, alg);
    int rc = tlsio_ks_early(&ks, psk, psk_len, err);
    if (rc == 0) rc = tlsio_ks_derive(&ks, TLSIO_KS_RES_BINDER, NULL, binder_key, err);
    /* §4.2.11.2: the binder is computed as a Finished is, with binder_key as the base key. */
    if (rc == 0) rc = tlsio_finished_verify_data(alg, binder_key, th, out, err);
    OPENSSL_cleanse(binder_key, sizeof(binder_key));
    tlsio_ks_wipe(&ks);
    return rc;
}

int tlsio_ticket_psk(tlsio_hash_alg alg, const uint8_t *res_master, const uint8_t *nonce,
                     size_t nonce_len, uint8_t *out, tlsio_err *err) {
    return tlsio_hkdf_expand_label(alg, res_master, "resumption", 10, nonce, nonce_len, out,
                                   tlsio_hash_len(alg), err);
}
