/* TLS 1.2 PRF and what is derived with it: master secrets, key block, Finished, exporter. */
#include "prf12.h"

#include <string.h>
#include <openssl/mem.h>

/* One piece of label || seed; the PRF callers build the seed from several. */
struct part {
    const void *p;
    size_t n;
};

#define NPARTS(a) (sizeof(a) / sizeof((a)[0]))

static int check_alg(tlsio_hash_alg alg, tlsio_err *err) {
    if (alg == TLSIO_SHA256 || alg == TLSIO_SHA384) return 0;
    return tlsio_err_set(err, TLS_E_USAGE, "TLS 1.2 PRF: unknown hash %d", (int)alg);
}

/*
 * RFC 5246 §5: P_hash(secret, s) = HMAC(secret, A(1) || s) || HMAC(secret, A(2) || s) || ...
 * with A(0) = s and A(i) = HMAC(secret, A(i-1)); s = label || seed. The key is prepared once
 * for all the MACs, and no A(i+1) is computed after the last block.
 */
static int p_hash(tlsio_hash_alg alg, const uint8_t *secret, size_t secret_len,
                  const struct part *parts, size_t nparts, uint8_t *out, size_t out_len,
                  tlsio_err *err) {
    int rc = check_alg(alg, err);
    if (rc != 0) return rc;
    size_t n = tlsio_hash_len(alg), s_len = 0;
    uint8_t s[TLSIO_PRF12_MAX_LABEL_SEED], a[TLSIO_MAX_HASH_LEN], block[TLSIO_MAX_HASH_LEN];
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].n > sizeof(s) - s_len)
            return tlsio_err_set(err, TLS_E_USAGE, "TLS 1.2 PRF: label and seed over %d bytes",
                                 TLSIO_PRF12_MAX_LABEL_SEED);
        if (parts[i].n) memcpy(s + s_len, parts[i].p, parts[i].n);
        s_len += parts[i].n;
    }
    tlsio_hmac_key key;
    rc = tlsio_hmac_key_init(&key, alg, secret, secret_len);
    /* A(1) = HMAC(secret, s) */
    if (rc == 0) rc = tlsio_hmac_with(&key, s, s_len, NULL, 0, a);
    for (size_t done = 0; rc == 0 && done < out_len; done += n) {
        rc = tlsio_hmac_with(&key, a, n, s, s_len, block);
        if (rc == 0) memcpy(out + done, block, out_len - done < n ? out_len - done : n);
        if (rc == 0 && done + n < out_len) rc = tlsio_hmac_with(&key, a, n, NULL, 0, a);
    }
    tlsio_hmac_key_wipe(&key);
    OPENSSL_cleanse(s, sizeof(s));
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(block, sizeof(block));
    return rc == 0 ? 0 : tlsio_err_set(err, TLS_E_INTERNAL, "TLS 1.2 PRF: HMAC failed");
}

/* A literal label as a part, without its NUL (RFC 5246 §5: no length byte, no NUL). */
#define LABEL(s)                                                                                   \
    { (s), sizeof(s) - 1 }

/* The hashes fed to the PRF as seeds are the PRF's own hash (RFC 5246 §7.4.9, RFC 7627 §3). */
static int check_hash_len(tlsio_hash_alg alg, size_t len, const char *what, tlsio_err *err) {
    int rc = check_alg(alg, err);
    if (rc == 0 && len != tlsio_hash_len(alg))
        rc = tlsio_err_set(err, TLS_E_USAGE, "%s: hash length %zu, the PRF hash has %zu", what, len,
                           tlsio_hash_len(alg));
    return rc;
}

int tlsio_prf12_extended_master_secret(tlsio_hash_alg alg, const uint8_t *pms, size_t pms_len,
                                       const uint8_t *session_hash, size_t session_hash_len,
                                       uint8_t out[TLSIO_TLS12_MASTER_LEN], tlsio_err *err) {
    int rc = check_hash_len(alg, session_hash_len, "extended master secret", err);
    if (rc != 0) return rc;
    const struct part parts[] = {LABEL("extended master secret"), {session_hash, session_hash_len}};
    return p_hash(alg, pms, pms_len, parts, NPARTS(parts), out, TLSIO_TLS12_MASTER_LEN, err);
}

/* Fixed IV length per AEAD: RFC 5288 §3 (4-byte salt), RFC 7905 §2 (12-byte mask). */
static size_t fixed_iv_len(tlsio_aead_alg aead) {
    switch (aead) {
    case TLSIO_AES_128_GCM:
    case TLSIO_AES_256_GCM:
        return 4;
    case TLSIO_CHACHA20_POLY1305:
        return 12;
    }
    return 0;
}

int tlsio_prf12_key_block(tlsio_hash_alg alg, tlsio_aead_alg aead,
                          const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                          const uint8_t client_random[TLSIO_TLS12_RANDOM_LEN],
                          const uint8_t server_random[TLSIO_TLS12_RANDOM_LEN],
                          tlsio_tls12_keys *out, tlsio_err *err) {
    size_t iv_len = fixed_iv_len(aead);
    if (iv_len == 0)
        return tlsio_err_set(err, TLS_E_USAGE, "key block: unknown AEAD %d", (int)aead);
    size_t key_len = tlsio_aead_key_len(aead);
    uint8_t block[2 * TLSIO_AEAD_MAX_KEY_LEN + 2 * TLSIO_TLS12_MAX_FIXED_IV_LEN];
    /* RFC 5246 §6.3: note the seed is server_random first here. */
    const struct part parts[] = {LABEL("key expansion"),
                                 {server_random, TLSIO_TLS12_RANDOM_LEN},
                                 {client_random, TLSIO_TLS12_RANDOM_LEN}};
    OPENSSL_cleanse(out, sizeof(*out));
    int rc = p_hash(alg, master, TLSIO_TLS12_MASTER_LEN, parts, NPARTS(parts), block,
                    2 * key_len + 2 * iv_len, err);
    if (rc == 0) {
        /* client_write_key, server_write_key, client_write_IV, server_write_IV; the AEAD
         * suites have no MAC keys (mac_key_length 0). */
        out->key_len = key_len;
        out->iv_len = iv_len;
        memcpy(out->client_key, block, key_len);
        memcpy(out->server_key, block + key_len, key_len);
        memcpy(out->client_iv, block + 2 * key_len, iv_len);
        memcpy(out->server_iv, block + 2 * key_len + iv_len, iv_len);
    }
    OPENSSL_cleanse(block, sizeof(block));
    return rc;
}

int tlsio_prf12_finished(tlsio_hash_alg alg, const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                         int from_client, const uint8_t *handshake_hash, size_t hash_len,
                         uint8_t out[TLSIO_TLS12_VERIFY_LEN], tlsio_err *err) {
    int rc = check_hash_len(alg, hash_len, "Finished", err);
    if (rc != 0) return rc;
    const struct part client[] = {LABEL("client finished"), {handshake_hash, hash_len}};
    const struct part server[] = {LABEL("server finished"), {handshake_hash, hash_len}};
    return p_hash(alg, master, TLSIO_TLS12_MASTER_LEN, from_client ? client : server, 2, out,
                  TLSIO_TLS12_VERIFY_LEN, err);
}

int tlsio_prf12_finished_check(tlsio_hash_alg alg, const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                               int from_client, const uint8_t *handshake_hash, size_t hash_len,
                               const uint8_t *got, size_t got_len, tlsio_err *err) {
    uint8_t want[TLSIO_TLS12_VERIFY_LEN];
    int rc = tlsio_prf12_finished(alg, master, from_client, handshake_hash, hash_len, want, err);
    /* RFC 5246 §7.4.9 fixes verify_data at 12 bytes for these suites; the length is public. */
    if (rc == 0 &&
        (got_len != TLSIO_TLS12_VERIFY_LEN || CRYPTO_memcmp(want, got, TLSIO_TLS12_VERIFY_LEN)))
        rc = tlsio_err_set(err, TLS_ALERT_DECRYPT_ERROR, "Finished.verify_data: mismatch");
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}

/* The PRF labels TLS itself uses with the master secret or pre-master secret. */
static const char *const reserved_labels[] = {"client finished", "server finished", "master secret",
                                              "extended master secret", "key expansion"};

/* RFC 5705 §4 warns that exporter labels could collide with TLS's own PRF labels; refusing
 * those keeps exported values apart from anything TLS derives for itself. */
static int label_reserved(const char *label, size_t label_len) {
    for (size_t i = 0; i < NPARTS(reserved_labels); i++)
        if (strlen(reserved_labels[i]) == label_len &&
            memcmp(reserved_labels[i], label, label_len) == 0)
            return 1;
    return 0;
}

int tlsio_prf12_export(tlsio_hash_alg alg, const uint8_t master[TLSIO_TLS12_MASTER_LEN],
                       const uint8_t client_random[TLSIO_TLS12_RANDOM_LEN],
                       const uint8_t server_random[TLSIO_TLS12_RANDOM_LEN], const char *label,
                       size_t label_len, const uint8_t *context, size_t context_len, uint8_t *out,
                       size_t out_len, tlsio_err *err) {
    if (label_reserved(label, label_len))
        return tlsio_err_set(err, TLS_E_USAGE, "exporter: label \"%.*s\" is reserved by TLS",
                             (int)label_len, label);
    if (context != NULL && context_len > 0xffff)
        return tlsio_err_set(err, TLS_E_USAGE, "exporter: context length %zu over 65535",
                             context_len);
    /* RFC 5705 §4: with a context the seed carries its uint16 length, so "no context" and an
     * empty context give different output. */
    const uint8_t len16[2] = {(uint8_t)(context_len >> 8), (uint8_t)context_len};
    const struct part parts[] = {{label, label_len},
                                 {client_random, TLSIO_TLS12_RANDOM_LEN},
                                 {server_random, TLSIO_TLS12_RANDOM_LEN},
                                 {len16, sizeof(len16)},
                                 {context, context_len}};
    size_t nparts = context != NULL ? NPARTS(parts) : 3;
    return p_hash(alg, master, TLSIO_TLS12_MASTER_LEN, parts, nparts, out, out_len, err);
}
