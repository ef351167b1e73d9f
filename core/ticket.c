/* Session tickets: the config's key ring and the AEAD that seals and opens tickets (ticket.h). */
#include "ticket.h"

#include <openssl/mem.h>
#include <string.h>

#include "crypto_aead.h"

#define NONCE_LEN TLSIO_AEAD_NONCE_LEN
#define KEY_OFF   TLSIO_TICKET_NAME_LEN /* the AEAD key follows the name */

/* The ring may change under running connections: every access holds the spin lock, for a
 * copy of at most four 48-byte keys (config.h). */
static void lock(tlsio_ticket_keys *k) {
    int expected = 0;
    while (!atomic_compare_exchange_weak_explicit(&k->lock, &expected, 1, memory_order_acquire,
                                                  memory_order_relaxed))
        expected = 0;
}

static void unlock(tlsio_ticket_keys *k) {
    atomic_store_explicit(&k->lock, 0, memory_order_release);
}

/* Makes the first key at random if there is none (under the lock). */
static void ensure_key(tls_config *cfg) {
    tlsio_ticket_keys *k = &cfg->ticket_keys;
    if (k->n > 0) return;
    tlsio_rng_bytes(&cfg->rng, k->keys[0], TLS_TICKET_KEY_LEN);
    k->n = 1;
}

/* Puts key first, keeping the others behind it (the oldest falls off and is wiped). */
static void push_front(tlsio_ticket_keys *k, const uint8_t *key) {
    size_t keep = k->n < TLSIO_TICKET_KEYS_MAX ? k->n : TLSIO_TICKET_KEYS_MAX - 1;
    OPENSSL_cleanse(k->keys[TLSIO_TICKET_KEYS_MAX - 1], TLS_TICKET_KEY_LEN);
    memmove(k->keys[1], k->keys[0], keep * TLS_TICKET_KEY_LEN);
    memcpy(k->keys[0], key, TLS_TICKET_KEY_LEN);
    k->n = keep + 1;
}

/* Where these setters put the sentence for tls_config_error. Like every setter, on a config
 * being built: the config's slot, cleared first (the previous setter's failure is forgotten).
 * Unlike the others they also run on a config in use, whose slot is never written (other
 * threads may be reading it, config.h): there a scratch slot takes it, and tls_config_error
 * keeps the frozen config's constant. */
static tlsio_err *error_slot(tls_config *cfg, tlsio_err *scratch) {
    tlsio_err *err = tlsio_config_check_mutable(cfg) == 0 ? &cfg->err : scratch;
    tlsio_err_clear(err);
    return err;
}

int tls_config_set_ticket_keys(tls_config *cfg, const uint8_t *keys, size_t n_keys) {
    if (cfg == NULL) return TLS_E_USAGE;
    tlsio_err scratch, *err = error_slot(cfg, &scratch);
    if (n_keys == 0 || n_keys > TLSIO_TICKET_KEYS_MAX)
        return tlsio_err_set(err, TLS_E_USAGE, "ticket keys: %zu keys, must be 1..%d", n_keys,
                             TLSIO_TICKET_KEYS_MAX);
    if (keys == NULL) return tlsio_err_set(err, TLS_E_USAGE, "ticket keys are NULL");
    tlsio_ticket_keys *k = &cfg->ticket_keys;
    lock(k);
    OPENSSL_cleanse(k->keys, sizeof(k->keys));
    memcpy(k->keys, keys, n_keys * TLS_TICKET_KEY_LEN);
    k->n = n_keys;
    unlock(k);
    return 0;
}

int tls_config_rotate_ticket_key(tls_config *cfg, const uint8_t *key) {
    if (cfg == NULL) return TLS_E_USAGE;
    tlsio_err scratch;
    (void)error_slot(cfg, &scratch); /* nothing else can be refused: key NULL means random */
    uint8_t fresh[TLS_TICKET_KEY_LEN];
    if (key == NULL) tlsio_rng_bytes(&cfg->rng, fresh, sizeof(fresh));
    tlsio_ticket_keys *k = &cfg->ticket_keys;
    lock(k);
    ensure_key(cfg); /* the key being rotated out keeps opening its tickets */
    push_front(k, key != NULL ? key : fresh);
    unlock(k);
    OPENSSL_cleanse(fresh, sizeof(fresh));
    return 0;
}

void tlsio_ticket_keys_wipe(tlsio_ticket_keys *k) {
    OPENSSL_cleanse(k->keys, sizeof(k->keys));
    k->n = 0;
}

int tlsio_ticket_seal(tls_config *cfg, const uint8_t *state, size_t len, CBB *out, tlsio_err *err) {
    uint8_t key[TLS_TICKET_KEY_LEN], nonce[NONCE_LEN];
    tlsio_ticket_keys *k = &cfg->ticket_keys;
    lock(k);
    ensure_key(cfg);
    memcpy(key, k->keys[0], sizeof(key));
    unlock(k);
    /* RFC 5077 §4: a fresh nonce per ticket; 96 random bits under a key that is rotated. */
    tlsio_rng_bytes(&cfg->rng, nonce, sizeof(nonce));
    tlsio_aead aead;
    memset(&aead, 0, sizeof(aead));
    uint8_t *p = NULL;
    int rc = tlsio_aead_init(&aead, TLSIO_AES_256_GCM, key + KEY_OFF, 32);
    if (rc == 0 && (!CBB_add_bytes(out, key, TLSIO_TICKET_NAME_LEN) ||
                    !CBB_add_bytes(out, nonce, sizeof(nonce)) ||
                    !CBB_add_space(out, &p, len + TLSIO_AEAD_TAG_LEN)))
        rc = TLS_E_NOMEM;
    if (rc == 0) {
        memcpy(p, state, len);
        rc = tlsio_aead_seal(&aead, nonce, key, TLSIO_TICKET_NAME_LEN, p, len);
    }
    tlsio_aead_free(&aead);
    OPENSSL_cleanse(key, sizeof(key));
    if (rc != 0) return tlsio_err_set(err, rc, "session ticket: sealing failed");
    return 0;
}

/* Copies the key named `name` out of the ring; 0 if no key has that name. */
static int find_key(tls_config *cfg, const uint8_t *name, uint8_t *key) {
    tlsio_ticket_keys *k = &cfg->ticket_keys;
    int found = 0;
    lock(k);
    for (size_t i = 0; i < k->n && !found; i++) {
        /* Key names are not secret (they travel in the clear); the keys are. */
        if (memcmp(k->keys[i], name, TLSIO_TICKET_NAME_LEN) == 0) {
            memcpy(key, k->keys[i], TLS_TICKET_KEY_LEN);
            found = 1;
        }
    }
    unlock(k);
    return found;
}

int tlsio_ticket_open(tls_config *cfg, const CBS *ticket, uint8_t *out, size_t cap, size_t *len) {
    size_t n = CBS_len(ticket);
    /* out receives the ciphertext and its tag before they are opened in place. */
    if (n < TLSIO_TICKET_OVERHEAD || n - TLSIO_TICKET_NAME_LEN - NONCE_LEN > cap) return 1;
    const uint8_t *t = CBS_data(ticket);
    uint8_t key[TLS_TICKET_KEY_LEN];
    if (!find_key(cfg, t, key)) return 1;
    tlsio_aead aead;
    memset(&aead, 0, sizeof(aead));
    size_t body = n - TLSIO_TICKET_NAME_LEN - NONCE_LEN;
    memcpy(out, t + TLSIO_TICKET_NAME_LEN + NONCE_LEN, body);
    int rc = tlsio_aead_init(&aead, TLSIO_AES_256_GCM, key + KEY_OFF, 32);
    if (rc == 0)
        rc = tlsio_aead_open(&aead, t + TLSIO_TICKET_NAME_LEN, t, TLSIO_TICKET_NAME_LEN, out, body,
                             len);
    tlsio_aead_free(&aead);
    OPENSSL_cleanse(key, sizeof(key));
    if (rc != 0) {
        OPENSSL_cleanse(out, body);
        return 1;
    }
    return 0;
}
