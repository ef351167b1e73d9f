/*
 * The configuration object: memory-only setters, freezing, reference counting.
 * Reading files and the system trust store lives in sockapi/config_files.c (the core does no
 * I/O); this file sees only bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/mem.h>

#include "crypto_kex.h"
#include "crypto_pem.h"
#include "suites.h"
#include "ticket.h"

#define FROZEN_MSG "config is in use by a connection and can no longer change"

/* Longest part of a caller's name that a sentence quotes. */
#define QUOTE_MAX 64

/* The groups tlsio implements, in default preference order (RFC 8446 §4.2.7 values). */
static const uint16_t default_groups[] = {TLSIO_GROUP_X25519, TLSIO_GROUP_SECP256R1,
                                          TLSIO_GROUP_SECP384R1};

/* The SignatureSchemes tlsio implements, in default preference order (RFC 8446 §4.2.3
 * values). rsa_pkcs1_* are for TLS 1.2 only: a TLS 1.3 CertificateVerify never uses them
 * (RFC 8446 §4.2.3), and a TLS 1.3 ClientHello lists them last (same section). */
static const uint16_t default_sigalgs[TLSIO_MAX_SIGALGS] = {TLSIO_SIG_ECDSA_SECP256R1_SHA256,
                                                            TLSIO_SIG_ECDSA_SECP384R1_SHA384,
                                                            TLSIO_SIG_ED25519,
                                                            TLSIO_SIG_RSA_PSS_RSAE_SHA256,
                                                            TLSIO_SIG_RSA_PSS_RSAE_SHA384,
                                                            TLSIO_SIG_RSA_PSS_RSAE_SHA512,
                                                            TLSIO_SIG_RSA_PKCS1_SHA256,
                                                            TLSIO_SIG_RSA_PKCS1_SHA384,
                                                            TLSIO_SIG_RSA_PKCS1_SHA512};

/* RSA keys we serve with: the floor is TLSIO_RSA_MIN_BITS; above 4096 bits handshakes get
 * slow for no gain, and peers commonly cap what they verify. */
#define RSA_MAX_BITS 4096

tls_config *tls_config_new(void) {
    tls_config *cfg = OPENSSL_malloc(sizeof(*cfg));
    if (cfg == NULL) return NULL;
    memset(cfg, 0, sizeof(*cfg));
    atomic_init(&cfg->refs, 1);
    atomic_init(&cfg->frozen, 0);
    cfg->min_version = TLS_VERSION_1_2;
    cfg->max_version = TLS_VERSION_1_3;
    cfg->max_send_fragment = TLS_MAX_SEND_FRAGMENT;
    cfg->record_size_limit = TLS_MAX_SEND_FRAGMENT;
    cfg->tickets = TLSIO_DEFAULT_TICKETS;
    cfg->ticket_lifetime = TLSIO_DEFAULT_TICKET_LIFETIME;
    cfg->session_cache_size = TLSIO_DEFAULT_SESSION_CACHE;
    cfg->max_cert_chain = TLSIO_DEFAULT_MAX_CERT_CHAIN;
    cfg->handshake_timeout_ms = TLSIO_DEFAULT_HANDSHAKE_TIMEOUT_MS;
    atomic_init(&cfg->ticket_keys.lock, 0);
    for (size_t i = 0; i < tlsio_suite_count() && i < TLSIO_MAX_SUITES; i++)
        cfg->suites[cfg->n_suites++] = tlsio_suite_at(i)->id;
    for (size_t i = 0; i < sizeof(default_groups) / sizeof(default_groups[0]); i++)
        cfg->groups[cfg->n_groups++] = default_groups[i];
    for (size_t i = 0; i < TLSIO_MAX_SIGALGS; i++)
        cfg->sigalgs[cfg->n_sigalgs++] = default_sigalgs[i];
    /* alpn_len 0, trust NULL (the socket facade loads the system store when freezing),
     * no chains, rng {NULL, NULL} = libcrypto's RNG: all zero from the memset. */
    return cfg;
}

tls_config *tls_config_ref(tls_config *cfg) {
    if (cfg != NULL) atomic_fetch_add_explicit(&cfg->refs, 1, memory_order_relaxed);
    return cfg;
}

static void chain_release(tlsio_chain *c) {
    tlsio_pkey_free(c->key);
    tlsio_x509_cert_free(c->leaf);
    if (c->der != NULL) {
        OPENSSL_cleanse(c->der, c->der_len);
        OPENSSL_free(c->der);
    }
    memset(c, 0, sizeof(*c));
}

static void drop_keylog(tls_config *cfg);

void tls_config_free(tls_config *cfg) {
    if (cfg == NULL) return;
    /* acq_rel: the last owner must see every other owner's writes before tearing down. */
    if (atomic_fetch_sub_explicit(&cfg->refs, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < cfg->n_chains; i++)
        chain_release(&cfg->chains[i]);
    tlsio_trust_free(cfg->trust);
    tlsio_trust_free(cfg->client_trust);
    OPENSSL_free(cfg->client_ca_names);
    tlsio_ticket_keys_wipe(&cfg->ticket_keys);
    void *cache = atomic_load_explicit(&cfg->session_cache, memory_order_acquire);
    if (cache != NULL && cfg->session_cache_free != NULL) cfg->session_cache_free(cache);
    drop_keylog(cfg);
    OPENSSL_cleanse(cfg, sizeof(*cfg));
    OPENSSL_free(cfg);
}

static int is_frozen(const tls_config *cfg) {
    /* A frozen config's members are only read (by any thread); freezing (state 1) counts. */
    return atomic_load_explicit((atomic_int *)&cfg->frozen, memory_order_acquire) != 0;
}

const char *tls_config_error(const tls_config *cfg) {
    if (cfg == NULL) return "no config (NULL)"; /* as tls_error_msg(NULL) says it */
    /* Every setter on a frozen config fails for this reason, and none may record it: the
     * config is shared between threads, so the answer is a constant, not the error slot. */
    if (is_frozen(cfg)) return FROZEN_MSG;
    if (cfg->err.code == 0) return "";
    return cfg->err.msg;
}

int tlsio_config_check_mutable(tls_config *cfg) {
    if (cfg == NULL) return TLS_E_USAGE;
    /* Refused without writing a byte of the config (not even its error slot): other threads
     * may be reading it. tls_config_error says why. */
    return is_frozen(cfg) ? TLS_E_USAGE : 0;
}

/* Every setter starts here: refuse a frozen config, else forget the previous failure. */
static int setter_begin(tls_config *cfg) {
    if (cfg == NULL) return TLS_E_USAGE;
    int r = tlsio_config_check_mutable(cfg);
    if (r != 0) return r;
    tlsio_err_clear(&cfg->err);
    return 0;
}

int tlsio_config_freeze(tls_config *cfg, int (*load_system)(tls_config *cfg, tlsio_err *err)) {
    return tlsio_config_freeze_with(cfg, NULL, load_system);
}

int tlsio_config_freeze_with(tls_config *cfg, void (*prepare)(tls_config *cfg),
                             int (*load_system)(tls_config *cfg, tlsio_err *err)) {
    if (cfg == NULL) return TLS_E_USAGE;
    int expected = 0;
    if (atomic_compare_exchange_strong_explicit(&cfg->frozen, &expected, 1, memory_order_acq_rel,
                                                memory_order_acquire)) {
        /* We won: nobody else touches the config until we publish 2. */
        if (prepare != NULL) prepare(cfg);
        if (cfg->trust == NULL && !cfg->trust_explicit && load_system != NULL) {
            /* The loader's sentence goes to a slot of our own, never to cfg->err: another
             * thread may be reading that through tls_config_error, having seen the config
             * still unfrozen an instant ago. */
            tlsio_err why;
            tlsio_err_clear(&why);
            int r = load_system(cfg, &why);
            if (r != 0 && why.code == 0)
                tlsio_err_set(&why, r, "the system trust store could not be loaded (%s)",
                              tls_error_code_name(r));
            if (r != 0 || cfg->trust == NULL) {
                /* Not fatal: a server needs no anchors, and a client will fail verification
                 * with unknown_ca quoting trust_err. */
                tlsio_err_clear(&cfg->trust_err);
                tlsio_err_set(&cfg->trust_err, r != 0 ? r : TLS_E_USAGE, "%s",
                              r != 0 ? why.msg : "the system trust store is empty");
            }
        } else if (cfg->trust == NULL) {
            tlsio_err_clear(&cfg->trust_err);
            tlsio_err_set(&cfg->trust_err, TLS_E_USAGE, "%s",
                          cfg->trust_explicit
                              ? "no trust anchors were loaded"
                              : "no trust anchors were added with tls_config_add_ca_*");
        }
        atomic_store_explicit(&cfg->frozen, 2, memory_order_release);
        return 0;
    }
    /*
     * Another thread is freezing (state 1) or has frozen (state 2). Wait for 2: a plain spin,
     * since the core may not use thread primitives; the only slow part is loading the system
     * store once per config (milliseconds), so the wait is short and rare.
     */
    while (atomic_load_explicit(&cfg->frozen, memory_order_acquire) != 2) {
    }
    return 0;
}

/* ---- name lists ---- */

/*
 * Tokenizer for "a:b,c" lists. *cur walks the string; each call yields the next name (possibly
 * empty, for "a::b" or a trailing separator) and returns 1, or returns 0 at the end.
 */
static int next_name(const char **cur, const char *seps, const char **name, size_t *len) {
    const char *p = *cur;
    if (p == NULL) return 0;
    const char *start = p;
    while (*p != 0 && strchr(seps, *p) == NULL)
        p++;
    *name = start;
    *len = (size_t)(p - start);
    *cur = *p == 0 ? NULL : p + 1;
    return 1;
}

static int has_prefix(const char *s, size_t len, const char *prefix) {
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static int contains(const char *s, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(s + i, needle, n) == 0) return 1;
    return 0;
}

/* Why a suite name we do not implement is refused, when we can tell ("" otherwise). */
static const char *suite_refusal_hint(const char *s, size_t len) {
    if (contains(s, len, "-"))
        return ": use the IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    if (contains(s, len, "_CBC_"))
        return ": CBC suites are refused, only AEAD ones are offered (RFC 7457 §2)";
    if (has_prefix(s, len, "TLS_RSA_"))
        return ": RSA key exchange has no forward secrecy and is refused";
    if (has_prefix(s, len, "TLS_DHE_") || has_prefix(s, len, "TLS_DH_") ||
        has_prefix(s, len, "TLS_ECDH_") || has_prefix(s, len, "TLS_PSK_") ||
        has_prefix(s, len, "TLS_ECDHE_PSK_"))
        return ": only ECDHE key exchange with certificates is implemented";
    if (contains(s, len, "_CCM")) return ": AES-CCM suites are not offered";
    if (contains(s, len, "NULL") || contains(s, len, "RC4") || contains(s, len, "DES") ||
        contains(s, len, "EXPORT") || contains(s, len, "anon"))
        return ": the suite is insecure";
    return "";
}

/* 1 if at least one suite is usable with some version in [min, max]. */
static int suites_fit_versions(const uint16_t *suites, size_t n, uint16_t min, uint16_t max) {
    for (size_t i = 0; i < n; i++) {
        const tlsio_suite *s = tlsio_suite_find(suites[i]);
        if (s != NULL && s->version >= min && s->version <= max) return 1;
    }
    return 0;
}

int tls_config_set_ciphers(tls_config *cfg, const char *names) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (names == NULL || names[0] == 0)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "cipher suite list is empty");
    uint16_t ids[TLSIO_MAX_SUITES];
    size_t n = 0;
    const char *cur = names, *name;
    size_t len;
    while (next_name(&cur, ":,", &name, &len)) {
        if (len == 0)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "cipher suite list '%.*s' has an empty name", QUOTE_MAX, names);
        int shown = len > QUOTE_MAX ? QUOTE_MAX : (int)len;
        const tlsio_suite *s = tlsio_suite_by_name(name, len);
        if (s == NULL) {
            char valid[400];
            size_t used = 0;
            valid[0] = '\0';
            for (size_t i = 0; i < tlsio_suite_count(); i++) {
                int k = snprintf(valid + used, sizeof(valid) - used, "%s%s", i ? ", " : "",
                                 tlsio_suite_at(i)->name);
                if (k < 0 || (size_t)k >= sizeof(valid) - used) break;
                used += (size_t)k;
            }
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "unknown or unsupported cipher suite '%.*s'%s (valid: %s)", shown,
                                 name, suite_refusal_hint(name, len), valid);
        }
        for (size_t i = 0; i < n; i++)
            if (ids[i] == s->id)
                return tlsio_err_set(&cfg->err, TLS_E_USAGE, "cipher suite '%s' is listed twice",
                                     s->name);
        /* Duplicates are refused and the table has TLSIO_MAX_SUITES entries, so n fits. */
        ids[n++] = s->id;
    }
    if (!suites_fit_versions(ids, n, cfg->min_version, cfg->max_version))
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "none of these cipher suites is usable with the enabled versions "
                             "(%s to %s)",
                             tls_version_name(cfg->min_version),
                             tls_version_name(cfg->max_version));
    memcpy(cfg->suites, ids, n * sizeof(ids[0]));
    cfg->n_suites = n;
    return 0;
}

/* The names a group is known by, case-insensitively: tlsio_group_name's (the RFC 8446 §4.2.7
 * NamedGroup name) and the common spellings of OpenSSL, NIST and curl users. */
static const struct {
    const char *name;
    uint16_t group;
} group_names[] = {
    {"x25519", TLSIO_GROUP_X25519},       {"secp256r1", TLSIO_GROUP_SECP256R1},
    {"P-256", TLSIO_GROUP_SECP256R1},     {"prime256v1", TLSIO_GROUP_SECP256R1},
    {"secp384r1", TLSIO_GROUP_SECP384R1}, {"P-384", TLSIO_GROUP_SECP384R1},
};

static int ascii_lower(int c) {
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The group called name (any spelling of group_names, any case), or 0. */
static uint16_t group_by_name(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++) {
        const char *n = group_names[i].name;
        if (strlen(n) != len || !tlsio_group_supported(group_names[i].group)) continue;
        size_t k = 0;
        while (k < len && ascii_lower((unsigned char)n[k]) == ascii_lower((unsigned char)name[k]))
            k++;
        if (k == len) return group_names[i].group;
    }
    return 0;
}

int tls_config_set_groups(tls_config *cfg, const char *names) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (names == NULL || names[0] == 0)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "group list is empty");
    uint16_t ids[TLSIO_MAX_GROUPS];
    size_t n = 0;
    const char *cur = names, *name;
    size_t len;
    while (next_name(&cur, ":,", &name, &len)) {
        if (len == 0)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE, "group list '%.*s' has an empty name",
                                 QUOTE_MAX, names);
        uint16_t g = group_by_name(name, len);
        if (g == 0)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "unknown or unsupported group '%.*s' (valid: x25519, secp256r1 "
                                 "or P-256, secp384r1 or P-384; any case)",
                                 len > QUOTE_MAX ? QUOTE_MAX : (int)len, name);
        for (size_t i = 0; i < n; i++)
            if (ids[i] == g)
                return tlsio_err_set(&cfg->err, TLS_E_USAGE, "group '%s' is listed twice",
                                     tlsio_group_name(g));
        ids[n++] = g; /* no duplicates among TLSIO_MAX_GROUPS known groups: n fits */
    }
    memcpy(cfg->groups, ids, n * sizeof(ids[0]));
    cfg->n_groups = n;
    return 0;
}

/* The scheme called name (RFC 8446 §4.2.3 spelling) among tlsio's, or 0. */
static uint16_t sigalg_by_name(const char *name, size_t len) {
    for (size_t i = 0; i < TLSIO_MAX_SIGALGS; i++) {
        const char *n = tlsio_sig_scheme_name(default_sigalgs[i]);
        if (n != NULL && strlen(n) == len && memcmp(n, name, len) == 0) return default_sigalgs[i];
    }
    return 0;
}

/* Why a scheme name outside tlsio's set is refused, when we can tell. */
static const char *sigalg_refusal_hint(const char *s, size_t len) {
    if (contains(s, len, "sha1") || contains(s, len, "md5")) return " is refused (SHA-1: RFC 9155)";
    if (has_prefix(s, len, "rsa_pss_pss_")) return " is refused (no PSS keys)";
    if (has_prefix(s, len, "ecdsa_secp521r1")) return " is refused (no P-521 keys)";
    return " is unknown";
}

/* The valid names, for the sentence of a refusal (which then quotes at most 22 bytes of the
 * caller's name, so that the sentence fits tlsio_err's 256 bytes). */
#define SIGALG_QUOTE_MAX 22
#define SIGALG_NAMES                                                                               \
    "ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ed25519, rsa_pss_rsae_sha256, "               \
    "rsa_pss_rsae_sha384, rsa_pss_rsae_sha512, rsa_pkcs1_sha256, rsa_pkcs1_sha384, "               \
    "rsa_pkcs1_sha512"

/* Parses a ':' or ','-separated list of scheme names into ids (at most TLSIO_MAX_SIGALGS:
 * duplicates are refused, so every valid list fits). `what` names the list in sentences. */
static int parse_schemes(tls_config *cfg, const char *names, const char *what,
                         uint16_t ids[TLSIO_MAX_SIGALGS], size_t *n_out) {
    if (names == NULL || names[0] == 0)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "%s list is empty; use: " SIGALG_NAMES, what);
    size_t n = 0;
    const char *cur = names, *name;
    size_t len;
    while (next_name(&cur, ":,", &name, &len)) {
        if (len == 0)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE, "%s list '%.*s' has an empty name", what,
                                 QUOTE_MAX, names);
        uint16_t id = sigalg_by_name(name, len);
        if (id == 0)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE, "%s '%.*s'%s; use: " SIGALG_NAMES, what,
                                 len > SIGALG_QUOTE_MAX ? SIGALG_QUOTE_MAX : (int)len, name,
                                 sigalg_refusal_hint(name, len));
        for (size_t i = 0; i < n; i++)
            if (ids[i] == id)
                return tlsio_err_set(&cfg->err, TLS_E_USAGE, "%s '%s' is listed twice", what,
                                     tlsio_sig_scheme_name(id));
        ids[n++] = id;
    }
    *n_out = n;
    return 0;
}

int tls_config_set_signature_schemes(tls_config *cfg, const char *names) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    uint16_t ids[TLSIO_MAX_SIGALGS];
    size_t n;
    if ((r = parse_schemes(cfg, names, "signature scheme", ids, &n)) != 0) return r;
    memcpy(cfg->sigalgs, ids, n * sizeof(ids[0]));
    cfg->n_sigalgs = n;
    cfg->sigalgs_set = 1;
    return 0;
}

int tls_config_set_signing_schemes(tls_config *cfg, const char *names) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    uint16_t ids[TLSIO_MAX_SIGALGS];
    size_t n;
    if ((r = parse_schemes(cfg, names, "signing scheme", ids, &n)) != 0) return r;
    memcpy(cfg->sign_sigalgs, ids, n * sizeof(ids[0]));
    cfg->n_sign_sigalgs = n;
    return 0;
}

/* ---- versions ---- */

static int version_ok(tls_config *cfg, const char *which, uint16_t v) {
    if (v == TLS_VERSION_1_2 || v == TLS_VERSION_1_3) return 0;
    /* RFC 8996: TLS 1.0 and 1.1 are deprecated; SSL 3.0 by RFC 7568. */
    if (v >= 0x0300 && v < TLS_VERSION_1_2)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "%s version %s: TLS 1.1 and below are not supported", which,
                             tls_version_name(v));
    return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                         "%s version 0x%04x is not TLS_VERSION_1_2 (0x0303) or TLS_VERSION_1_3 "
                         "(0x0304)",
                         which, v);
}

int tls_config_set_versions(tls_config *cfg, uint16_t min_version, uint16_t max_version) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if ((r = version_ok(cfg, "minimum", min_version)) != 0) return r;
    if ((r = version_ok(cfg, "maximum", max_version)) != 0) return r;
    if (min_version > max_version)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "minimum version %s is above maximum version %s",
                             tls_version_name(min_version), tls_version_name(max_version));
    if (!suites_fit_versions(cfg->suites, cfg->n_suites, min_version, max_version))
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "none of the configured cipher suites is usable with %s to %s",
                             tls_version_name(min_version), tls_version_name(max_version));
    cfg->min_version = min_version;
    cfg->max_version = max_version;
    return 0;
}

/* ---- record size ---- */

/* RFC 8446 §5.1 / RFC 5246 §6.2.1: no record carries more than 2^14 bytes; RFC 8449 §4: no
 * peer may ask for records under 64 bytes (nor advertise a smaller record_size_limit). */
static int record_size_setter(tls_config *cfg, size_t *slot, const char *what, size_t n) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (n < TLS_MIN_SEND_FRAGMENT || n > TLS_MAX_SEND_FRAGMENT)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "%s %zu is outside %d..%d bytes", what, n,
                             TLS_MIN_SEND_FRAGMENT, TLS_MAX_SEND_FRAGMENT);
    *slot = n;
    return 0;
}

int tls_config_set_max_send_fragment(tls_config *cfg, size_t max_plaintext) {
    return record_size_setter(cfg, cfg ? &cfg->max_send_fragment : NULL, "maximum send fragment",
                              max_plaintext);
}

int tls_config_set_record_size_limit(tls_config *cfg, size_t max_plaintext) {
    return record_size_setter(cfg, cfg ? &cfg->record_size_limit : NULL, "record size limit",
                              max_plaintext);
}

/* ---- ALPN ---- */

int tls_config_set_alpn(tls_config *cfg, const char *protocols) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (protocols == NULL || protocols[0] == 0) {
        cfg->alpn_len = 0;
        return 0;
    }
    uint8_t wire[TLSIO_MAX_ALPN_WIRE];
    size_t wire_len = 0;
    const char *cur = protocols, *name;
    size_t len;
    while (next_name(&cur, ",", &name, &len)) {
        int shown = len > QUOTE_MAX ? QUOTE_MAX : (int)len;
        /* RFC 7301 §3.1: ProtocolName is opaque<1..2^8-1>; empty names are not allowed. */
        if (len == 0)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE, "ALPN list '%.*s' has an empty name",
                                 QUOTE_MAX, protocols);
        if (len > 255)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "ALPN protocol '%.*s...' is longer than 255 bytes", shown, name);
        for (size_t i = 0; i < len; i++)
            if ((uint8_t)name[i] <= 0x20 || name[i] == 0x7f)
                return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                     "ALPN protocol '%.*s' contains a space or control character",
                                     shown, name);
        if (wire_len + 1 + len > sizeof(wire))
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "ALPN list is longer than %d bytes in wire format",
                                 TLSIO_MAX_ALPN_WIRE);
        /* Look for the same name among those already encoded. */
        CBS seen, one;
        CBS_init(&seen, wire, wire_len);
        while (CBS_get_u8_length_prefixed(&seen, &one))
            if (CBS_len(&one) == len && memcmp(CBS_data(&one), name, len) == 0)
                return tlsio_err_set(&cfg->err, TLS_E_USAGE, "ALPN protocol '%.*s' is listed twice",
                                     shown, name);
        wire[wire_len++] = (uint8_t)len;
        memcpy(wire + wire_len, name, len);
        wire_len += len;
    }
    memcpy(cfg->alpn, wire, wire_len);
    cfg->alpn_len = wire_len;
    return 0;
}

/* ---- RNG ---- */

int tls_config_set_rng(tls_config *cfg, tls_rng_fn fn, void *ctx) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    cfg->rng.fn = fn; /* NULL: back to libcrypto's RNG */
    cfg->rng.ctx = fn != NULL ? ctx : NULL;
    return 0;
}

/* ---- resumption ---- */

int tls_config_set_session_tickets(tls_config *cfg, unsigned count) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (count > TLSIO_MAX_TICKETS)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "session tickets: %u per handshake, at most %d", count,
                             TLSIO_MAX_TICKETS);
    cfg->tickets = count;
    return 0;
}

int tls_config_set_session_lifetime(tls_config *cfg, unsigned seconds) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    /* RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds". */
    if (seconds == 0 || seconds > 604800)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "session lifetime: %u seconds, must be 1..604800 (7 days, RFC 8446 "
                             "§4.6.1)",
                             seconds);
    cfg->ticket_lifetime = seconds;
    return 0;
}

int tls_config_set_session_cache(tls_config *cfg, size_t entries) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (entries > TLSIO_MAX_SESSION_CACHE)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "session cache: %zu entries, at most %d",
                             entries, TLSIO_MAX_SESSION_CACHE);
    cfg->session_cache_size = entries;
    return 0;
}

int tls_config_set_clock(tls_config *cfg, tls_clock_fn fn, void *arg) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    cfg->clock = fn;
    cfg->clock_arg = fn != NULL ? arg : NULL;
    return 0;
}

/* ---- lower-level hooks ---- */

int tls_config_set_peer_check(tls_config *cfg, tls_peer_check_fn fn, void *arg) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    cfg->peer_check = fn;
    cfg->peer_check_arg = fn != NULL ? arg : NULL;
    return 0;
}

int tls_config_set_alpn_select(tls_config *cfg, tls_alpn_select_fn fn, void *arg) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    cfg->alpn_select = fn;
    cfg->alpn_select_arg = fn != NULL ? arg : NULL;
    return 0;
}

static void drop_keylog(tls_config *cfg) {
    if (cfg->keylog_free != NULL) cfg->keylog_free(cfg->keylog_arg);
    cfg->keylog_free = NULL;
}

int tls_config_set_keylog(tls_config *cfg, tls_keylog_fn fn, void *arg) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    drop_keylog(cfg);
    cfg->keylog = fn;
    cfg->keylog_arg = fn != NULL ? arg : NULL;
    return 0;
}

int tls_config_set_trace(tls_config *cfg, tls_trace_fn fn, void *arg) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    cfg->trace = fn;
    cfg->trace_arg = fn != NULL ? arg : NULL;
    return 0;
}

/* ---- trust anchors ---- */

/* Adds DER certificates (back to back) to the store at *slot, creating it if needed. */
static int add_der_to(tlsio_trust **slot, const uint8_t *der, size_t der_len, tlsio_err *err) {
    /* Check the framing of every certificate before the store changes. */
    CBS all, one;
    size_t n = 0;
    CBS_init(&all, der, der_len);
    while (CBS_len(&all) != 0) {
        if (!CBS_get_asn1_element(&all, &one, CBS_ASN1_SEQUENCE))
            return tlsio_err_set(err, TLS_E_USAGE, "CA certificate %zu: malformed DER", n + 1);
        n++;
    }
    if (n == 0) return tlsio_err_set(err, TLS_E_USAGE, "no CA certificate given");
    tlsio_trust *t = *slot;
    int fresh = t == NULL;
    if (fresh) {
        int r = tlsio_trust_new(&t, err);
        if (r != 0) return r;
    }
    CBS_init(&all, der, der_len);
    while (CBS_get_asn1_element(&all, &one, CBS_ASN1_SEQUENCE)) {
        int r = tlsio_trust_add_der(t, CBS_data(&one), CBS_len(&one), err);
        if (r != 0) {
            if (fresh) tlsio_trust_free(t);
            return r;
        }
    }
    *slot = t;
    return 0;
}

int tlsio_config_add_ca_der(tls_config *cfg, const uint8_t *der, size_t der_len, tlsio_err *err) {
    return add_der_to(&cfg->trust, der, der_len, err);
}

int tls_config_add_ca_pem(tls_config *cfg, const char *pem, size_t len) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (pem == NULL && len != 0) return tlsio_err_set(&cfg->err, TLS_E_USAGE, "CA PEM is NULL");
    CBB der;
    size_t n;
    if (!CBB_init(&der, len / 4 * 3 + 16))
        return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "CA PEM: out of memory");
    r = tlsio_pem_certs_to_der((const uint8_t *)pem, len, 0, "CA PEM", &der, &n, &cfg->err);
    if (r == 0) r = tlsio_config_add_ca_der(cfg, CBB_data(&der), CBB_len(&der), &cfg->err);
    CBB_cleanup(&der);
    if (r == 0) cfg->trust_explicit = 1;
    return r;
}

/* ---- client certificate authentication (server) ---- */

int tls_config_set_max_cert_chain(tls_config *cfg, size_t bytes) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (bytes < 4096 || bytes > TLSIO_MAX_CERT_CHAIN_LIMIT)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "certificate chain limit %zu bytes: use 4096 to %d", bytes,
                             TLSIO_MAX_CERT_CHAIN_LIMIT);
    cfg->max_cert_chain = bytes;
    return 0;
}

int tls_config_set_keep_peer_chain(tls_config *cfg, int keep) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (keep != 0 && keep != 1)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "keep peer chain %d: use 1 or 0", keep);
    cfg->drop_peer_chain = !keep;
    return 0;
}

int tls_config_set_client_verify(tls_config *cfg, int mode) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (mode != TLS_CLIENT_VERIFY_NONE && mode != TLS_CLIENT_VERIFY_OPTIONAL &&
        mode != TLS_CLIENT_VERIFY_REQUIRED)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "client verify mode %d: use TLS_CLIENT_VERIFY_NONE, _OPTIONAL or "
                             "_REQUIRED",
                             mode);
    cfg->client_verify = mode;
    return 0;
}

/* Appends each certificate's subject to cfg->client_ca_names as a DistinguishedName
 * (RFC 8446 §4.2.4, RFC 5246 §7.4.4: opaque DistinguishedName<1..2^16-1>, the DER Name).
 * When the whole list would not fit certificate_authorities<3..2^16-1>, no names are sent. */
static int add_client_ca_names(tls_config *cfg, const uint8_t *der, size_t der_len) {
    if (cfg->client_ca_names_dropped || cfg->client_ca_names_set) return 0;
    CBB cbb;
    if (!CBB_init(&cbb, cfg->client_ca_names_len + der_len / 8 + 64) ||
        !CBB_add_bytes(&cbb, cfg->client_ca_names, cfg->client_ca_names_len)) {
        CBB_cleanup(&cbb);
        return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "client CA names: out of memory");
    }
    CBS all, one, subject;
    CBS_init(&all, der, der_len);
    size_t i = 0;
    while (CBS_get_asn1_element(&all, &one, CBS_ASN1_SEQUENCE)) {
        i++;
        CBB name;
        CBS issuer;
        if (!tlsio_cert_names(&one, &issuer, &subject)) {
            CBB_cleanup(&cbb);
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "client CA certificate %zu: no subject could be read", i);
        }
        if (!CBB_add_u16_length_prefixed(&cbb, &name) ||
            !CBB_add_bytes(&name, CBS_data(&subject), CBS_len(&subject)) || !CBB_flush(&cbb)) {
            CBB_cleanup(&cbb);
            return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "client CA names: out of memory");
        }
    }
    if (CBB_len(&cbb) > 0xffff) {
        /* certificate_authorities<3..2^16-1> cannot carry them all. The names only help a
         * client choose (RFC 8446 §4.2.4, RFC 5246 §7.4.4 allows an empty list), so none
         * are sent from now on; the anchors are still added. */
        CBB_cleanup(&cbb);
        OPENSSL_free(cfg->client_ca_names);
        cfg->client_ca_names = NULL;
        cfg->client_ca_names_len = 0;
        cfg->client_ca_names_dropped = 1;
        return 0;
    }
    uint8_t *p;
    size_t n;
    if (!CBB_finish(&cbb, &p, &n)) {
        CBB_cleanup(&cbb);
        return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "client CA names: out of memory");
    }
    OPENSSL_free(cfg->client_ca_names);
    cfg->client_ca_names = p;
    cfg->client_ca_names_len = n;
    return 0;
}

int tls_config_set_client_ca_names(tls_config *cfg, const uint8_t *names, size_t len) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (names == NULL && len != 0)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "client CA names are NULL");
    CBB cbb;
    if (!CBB_init(&cbb, len + 64))
        return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "client CA names: out of memory");
    CBS all, one;
    CBS_init(&all, names, len);
    for (size_t i = 1; CBS_len(&all) > 0; i++) {
        CBB name;
        /* RFC 5280 §4.1.2.4: a Name is a DER SEQUENCE (an empty one is allowed); the
         * DistinguishedName that carries it is 1..65535 bytes (RFC 8446 §4.2.4). */
        if (!CBS_get_asn1_element(&all, &one, CBS_ASN1_SEQUENCE)) {
            CBB_cleanup(&cbb);
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "client CA name %zu is not a DER SEQUENCE (a distinguished "
                                 "name, RFC 5280 §4.1.2.4)",
                                 i);
        }
        if (!CBB_add_u16_length_prefixed(&cbb, &name) ||
            !CBB_add_bytes(&name, CBS_data(&one), CBS_len(&one)) || !CBB_flush(&cbb)) {
            CBB_cleanup(&cbb);
            return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "client CA names: out of memory");
        }
    }
    if (CBB_len(&cbb) > 0xffff) {
        size_t n = CBB_len(&cbb);
        CBB_cleanup(&cbb);
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "client CA names take %zu bytes; certificate_authorities holds at "
                             "most 65535",
                             n);
    }
    uint8_t *p = NULL;
    size_t n = 0;
    if (!CBB_finish(&cbb, &p, &n)) {
        CBB_cleanup(&cbb);
        return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "client CA names: out of memory");
    }
    OPENSSL_free(cfg->client_ca_names);
    cfg->client_ca_names = n > 0 ? p : NULL;
    if (n == 0) OPENSSL_free(p);
    cfg->client_ca_names_len = n;
    cfg->client_ca_names_set = 1;
    return 0;
}

int tls_config_add_client_ca_pem(tls_config *cfg, const char *pem, size_t len) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if (pem == NULL && len != 0)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "client CA PEM is NULL");
    CBB der;
    size_t n;
    if (!CBB_init(&der, len / 4 * 3 + 16))
        return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "client CA PEM: out of memory");
    r = tlsio_pem_certs_to_der((const uint8_t *)pem, len, 0, "client CA PEM", &der, &n, &cfg->err);
    /* Names first: a failure there leaves the store as it was. */
    if (r == 0) r = add_client_ca_names(cfg, CBB_data(&der), CBB_len(&der));
    if (r == 0) r = add_der_to(&cfg->client_trust, CBB_data(&der), CBB_len(&der), &cfg->err);
    CBB_cleanup(&der);
    return r;
}

/* ---- certificate chains ---- */

/* Refuses key types and sizes we do not serve with; 0 if k is fine. */
static int check_cert_key(tls_config *cfg, const tlsio_pkey *k) {
    tlsio_key_type t = tlsio_pkey_type(k);
    switch (t) {
    case TLSIO_KEY_EC_P256:
    case TLSIO_KEY_EC_P384:
    case TLSIO_KEY_ED25519:
        return 0;
    case TLSIO_KEY_RSA: {
        unsigned bits = tlsio_pkey_bits(k);
        if (bits < TLSIO_RSA_MIN_BITS || bits > RSA_MAX_BITS)
            return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                                 "RSA private key has %u bits; tlsio supports 2048 to 4096", bits);
        return 0;
    }
    default:
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "private key type %s is not supported for certificates (use ECDSA "
                             "P-256/P-384, RSA 2048-4096 or Ed25519)",
                             tlsio_key_type_name(t));
    }
}

int tls_config_add_cert_pem(tls_config *cfg, const char *chain_pem, size_t chain_len,
                            const char *key_pem, size_t key_len) {
    int r = setter_begin(cfg);
    if (r != 0) return r;
    if ((chain_pem == NULL && chain_len != 0) || (key_pem == NULL && key_len != 0))
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "certificate chain or key PEM is NULL");
    if (cfg->n_chains == TLSIO_MAX_CHAINS)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "at most %d certificate chains can be configured", TLSIO_MAX_CHAINS);

    tlsio_chain c;
    memset(&c, 0, sizeof(c));
    tlsio_pkey *leaf_key = NULL;
    CBB der;
    CBB_zero(&der);
    if (!CBB_init(&der, chain_len / 4 * 3 + 16)) {
        r = tlsio_err_set(&cfg->err, TLS_E_NOMEM, "certificate chain PEM: out of memory");
        goto done;
    }
    r = tlsio_pem_certs_to_der((const uint8_t *)chain_pem, chain_len, TLSIO_MAX_CHAIN_LEN,
                               "certificate chain PEM", &der, &c.n_certs, &cfg->err);
    if (r != 0) goto done;
    if (!CBB_finish(&der, &c.der, &c.der_len)) {
        r = tlsio_err_set(&cfg->err, TLS_E_NOMEM, "certificate chain PEM: out of memory");
        goto done;
    }
    CBS all;
    CBS_init(&all, c.der, c.der_len);
    for (size_t i = 0; i < c.n_certs; i++) {
        if (!CBS_get_asn1_element(&all, &c.certs[i], CBS_ASN1_SEQUENCE)) {
            /* tlsio_pem_certs_to_der checked each certificate: this cannot happen. */
            r = tlsio_err_set(&cfg->err, TLS_E_INTERNAL, "certificate chain: lost framing");
            goto done;
        }
    }

    r = tlsio_pkey_from_pem(&c.key, (const uint8_t *)key_pem, key_len, &cfg->err);
    if (r != 0) goto done;
    if ((r = check_cert_key(cfg, c.key)) != 0) goto done;

    tlsio_err leaf_err;
    tlsio_err_clear(&leaf_err);
    r = tlsio_pkey_from_cert_der(&leaf_key, CBS_data(&c.certs[0]), CBS_len(&c.certs[0]), &leaf_err);
    if (r != 0) {
        /* An alert code means nothing to a setter's caller: report it as misuse. */
        r = tlsio_err_set(&cfg->err, TLS_E_USAGE, "leaf %s", leaf_err.msg);
        goto done;
    }
    if (!tlsio_pkey_same_public(c.key, leaf_key)) {
        char subject[160];
        if (tlsio_x509_subject(CBS_data(&c.certs[0]), CBS_len(&c.certs[0]), subject,
                               sizeof(subject)) != 0)
            strcpy(subject, "?");
        r = tlsio_err_set(&cfg->err, TLS_E_USAGE, "private key does not match the certificate '%s'",
                          subject);
        goto done;
    }
    /* A certificate peers must refuse (see crypto_x509.c) is a mistake to report now. */
    r = tlsio_x509_check_signing_usage(CBS_data(&c.certs[0]), CBS_len(&c.certs[0]), "our",
                                       &leaf_err);
    if (r != 0) {
        r = tlsio_err_set(&cfg->err, TLS_E_USAGE, "%s", leaf_err.msg);
        goto done;
    }
    r = tlsio_x509_cert_parse(&c.leaf, CBS_data(&c.certs[0]), CBS_len(&c.certs[0]), &leaf_err);
    if (r != 0) {
        r = tlsio_err_set(&cfg->err, TLS_E_USAGE, "leaf certificate: %s", leaf_err.msg);
        goto done;
    }
    cfg->chains[cfg->n_chains++] = c;
    memset(&c, 0, sizeof(c)); /* now owned by cfg */

done:
    tlsio_pkey_free(leaf_key);
    chain_release(&c);
    CBB_cleanup(&der);
    return r;
}

int tlsio_cfg_offers_version(const tls_config *cfg, uint16_t v) {
    if (v < cfg->min_version || v > cfg->max_version) return 0;
    for (size_t i = 0; i < cfg->n_suites; i++) {
        const tlsio_suite *s = tlsio_suite_find(cfg->suites[i]);
        if (s != NULL && s->version == v) return 1;
    }
    return 0;
}
