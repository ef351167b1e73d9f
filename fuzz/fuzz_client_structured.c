/*
 * Structure-aware client target: the fuzzer writes the server's messages after the
 * ServerHello in plaintext, and the harness makes them authentic, so that mutations reach
 * every parser behind the server's encryption and signature and the connected state.
 *
 * A real client and server of the scenario exchange hellos (through a HelloRetryRequest when
 * the scenario has one); the client gets the server's real ServerHello alone. From then on
 * the harness is the server:
 *   TLS 1.3: records are sealed with the server's handshake key (its key log), then with the
 *   application key derived from the server's Master Secret (copied from the real server,
 *   core/engine_testing.h) over the transcript of the messages actually sent; a
 *   CertificateVerify naming ed25519 is re-signed with the server's Ed25519 key over that
 *   transcript (RFC 8446 §4.4.3); a Finished gets the right verify_data (§4.4.4); a
 *   KeyUpdate moves the server's key on (§4.6.3).
 *   TLS 1.2: handshake records go in the clear until the fuzzer sends a ChangeCipherSpec,
 *   then under the server's write key, made from the master secret the client logged (so any
 *   ServerKeyExchange point the client accepts works); a ServerKeyExchange naming ed25519 is
 *   re-signed over the randoms and its params (RFC 8422 §5.4); a Finished gets the right
 *   verify_data over the client's transcript (RFC 5246 §7.4.9).
 * The ECDSA scenarios cannot be re-signed (their key is not Ed25519): there the fuzzer's
 * signatures stand, which mostly stops at the signature check.
 *
 * Input: <scenario> then elements in the fuzz_client_structured format of fuzz_support.h.
 * The seeds are real servers' messages of every scenario, so the handshake completes and
 * tickets, KeyUpdates, data and alerts follow unless the fuzzer breaks it.
 */
#include <openssl/curve25519.h>
#include <stdlib.h>
#include <string.h>

#include "engine_testing.h"
#include "fuzz_support.h"
#include "keysched.h"
#include "msgs.h"
#include "prf12.h"
#include "suites.h"

#define SCHEME_ED25519 0x0807

typedef struct harness {
    tls_engine *c;
    int tls13;
    const tlsio_suite *suite;
    fuzz_sealer key; /* what the next record is sealed with (not live: the clear) */
    fuzz_buf pending;
    int pending_clear;
    /* TLS 1.3 */
    tlsio_keysched ks;
    tlsio_transcript t;
    uint8_t s_hs[48];
    int app_phase;
    /* TLS 1.2 */
    uint8_t client_random[32], server_random[32];
    uint8_t ed25519[64]; /* the server's private key */
    uint16_t rsl;        /* the record_size_limit the client offered (RFC 8449), 0: none */
} harness;

/* Seals what waits for the record being filled and hands it to the client. */
static void send_record(harness *h, uint8_t type, const uint8_t *p, size_t n, int clear) {
    fuzz_buf wire = {0};
    /* A real server keeps to the client's limit; so does the harness, or every seed with one
     * would stop at the first long record. */
    h->key.d.size_limit = h->rsl;
    fuzz_seal(clear ? NULL : &h->key, type, p, n, 0, &wire);
    fuzz_feed(h->c, wire.p, wire.len, 0, NULL);
    fuzz_buf_free(&wire);
}

static void flush(harness *h) {
    if (h->pending.len == 0) return;
    send_record(h, TLSIO_CT_HANDSHAKE, h->pending.p, h->pending.len, h->pending_clear);
    h->pending.len = 0;
}

static void sign(harness *h, const uint8_t *msg, size_t n, fuzz_buf *body) {
    uint8_t sig[64];
    if (!ED25519_sign(sig, msg, n, h->ed25519)) abort();
    fuzz_buf_u16(body, SCHEME_ED25519);
    fuzz_buf_u16(body, sizeof sig);
    fuzz_buf_add(body, sig, sizeof sig);
}

/* TLS 1.2: the hash of the client's transcript so far: every handshake message it sent or
 * processed but HelloRequest (RFC 5246 §7.4.1.1), which is what a server would have hashed. */
static int client_transcript12(harness *h, uint8_t *out, size_t *len) {
    const fuzz_capture *cap = fuzz_capture_get();
    tlsio_transcript t;
    tlsio_err err;
    tlsio_err_clear(&err);
    tlsio_transcript_init(&t);
    for (size_t i = 0; i < cap->n_msgs; i++) {
        const fuzz_msg *m = &cap->msgs[i];
        if (m->e == h->c && m->content_type == TLSIO_CT_HANDSHAKE && m->len > 0 &&
            fuzz_msg_bytes(m)[0] != TLSIO_HS_HELLO_REQUEST)
            tlsio_transcript_update(&t, fuzz_msg_bytes(m), m->len);
    }
    int rc = tlsio_transcript_set_hash(&t, h->suite->hash, &err);
    if (rc == 0) rc = tlsio_transcript_digest(&t, out, len, &err);
    return rc;
}

/* The fuzzer's body, or one the server would really have sent in its place. */
static void fix_up(harness *h, uint8_t type, const uint8_t *p, size_t n, fuzz_buf *body) {
    uint8_t th[TLSIO_MAX_HASH_LEN], vd[TLSIO_MAX_HASH_LEN];
    size_t th_len = 0;
    tlsio_err err;
    tlsio_err_clear(&err);
    if (h->tls13 && !h->app_phase && type == TLSIO_HS_CERTIFICATE_VERIFY && n >= 2 &&
        (p[0] << 8 | p[1]) == SCHEME_ED25519 &&
        tlsio_transcript_digest(&h->t, th, &th_len, &err) == 0) {
        uint8_t content[TLSIO_CERTVERIFY_MAX_LEN];
        size_t len = tlsio_certverify_content(1, th, th_len, content);
        sign(h, content, len, body);
        return;
    }
    if (h->tls13 && !h->app_phase && type == TLSIO_HS_FINISHED &&
        tlsio_transcript_digest(&h->t, th, &th_len, &err) == 0 &&
        tlsio_finished_verify_data(h->suite->hash, h->s_hs, th, vd, &err) == 0) {
        fuzz_buf_add(body, vd, th_len);
        return;
    }
    if (!h->tls13 && type == TLSIO_HS_SERVER_KEY_EXCHANGE && n >= 4 && n >= 4u + p[3] + 2 &&
        (p[4 + p[3]] << 8 | p[5 + p[3]]) == SCHEME_ED25519) {
        /* RFC 8422 §5.4: the signature covers ClientHello.random + ServerHello.random +
         * ServerECDHParams (curve_type, named_curve, point). */
        size_t params = 4u + p[3];
        fuzz_buf signed_data = {0};
        fuzz_buf_add(&signed_data, h->client_random, 32);
        fuzz_buf_add(&signed_data, h->server_random, 32);
        fuzz_buf_add(&signed_data, p, params);
        fuzz_buf_add(body, p, params);
        sign(h, signed_data.p, signed_data.len, body);
        fuzz_buf_free(&signed_data);
        return;
    }
    if (!h->tls13 && type == TLSIO_HS_FINISHED) {
        const fuzz_secret *ms = fuzz_secret_find(h->c, "CLIENT_RANDOM");
        if (ms != NULL && ms->len == TLSIO_TLS12_MASTER_LEN &&
            client_transcript12(h, th, &th_len) == 0 &&
            tlsio_prf12_finished(h->suite->hash, ms->v, 0, th, th_len, vd, &err) == 0) {
            fuzz_buf_add(body, vd, TLSIO_TLS12_VERIFY_LEN);
            return;
        }
    }
    fuzz_buf_add(body, p, n);
}

static void handshake_message(harness *h, uint8_t kind, const uint8_t *p, size_t n) {
    if (n == 0) return;
    uint8_t type = p[0];
    int clear = (kind & FUZZ_EL_CLEARTEXT) || !h->key.live;
    /* The TLS 1.2 Finished is checked over what the client has processed: all of it first. */
    if (!h->tls13 && type == TLSIO_HS_FINISHED) flush(h);
    if (h->pending.len > 0 && clear != h->pending_clear) flush(h);
    fuzz_buf body = {0}, msg = {0};
    if (kind & FUZZ_EL_NO_FIXUP)
        fuzz_buf_add(&body, p + 1, n - 1);
    else
        fix_up(h, type, p + 1, n - 1, &body);
    fuzz_buf_u8(&msg, type);
    fuzz_buf_u24(&msg, (uint32_t)body.len);
    fuzz_buf_add(&msg, body.p, body.len);
    fuzz_buf_add(&h->pending, msg.p, msg.len);
    h->pending_clear = clear;
    if (h->tls13 && !h->app_phase) tlsio_transcript_update(&h->t, msg.p, msg.len);
    if (h->tls13 && !h->app_phase && type == TLSIO_HS_FINISHED) {
        /* RFC 8446 §7.1: the server's application secret covers CH..server Finished; the
         * Finished itself goes under the handshake key. */
        uint8_t th[TLSIO_MAX_HASH_LEN], s_ap[TLSIO_MAX_HASH_LEN];
        size_t th_len = 0;
        tlsio_err err;
        tlsio_err_clear(&err);
        flush(h);
        if (tlsio_transcript_digest(&h->t, th, &th_len, &err) == 0 &&
            tlsio_ks_derive(&h->ks, TLSIO_KS_S_AP_TRAFFIC, th, s_ap, &err) == 0)
            (void)fuzz_sealer_tls13(&h->key, h->suite->id, s_ap, th_len);
        h->app_phase = 1;
    } else if (h->tls13 && h->app_phase && type == TLSIO_HS_KEY_UPDATE) {
        flush(h); /* RFC 8446 §4.6.3: sent under the old key */
        (void)fuzz_sealer_update(&h->key);
    }
    fuzz_buf_free(&body);
    fuzz_buf_free(&msg);
}

static void other_record(harness *h, uint8_t kind, uint8_t type, const uint8_t *p, size_t n) {
    flush(h);
    send_record(h, type, p, n, (kind & FUZZ_EL_CLEARTEXT) || !h->key.live);
    /* RFC 5246 §7.1: after its ChangeCipherSpec the server writes under the new key. */
    if (!h->tls13 && type == TLSIO_CT_CHANGE_CIPHER_SPEC && !h->key.live) {
        const fuzz_secret *ms = fuzz_secret_find(h->c, "CLIENT_RANDOM");
        if (ms != NULL && ms->len == TLSIO_TLS12_MASTER_LEN)
            (void)fuzz_sealer_tls12(&h->key, h->suite->id, ms->v, h->client_random,
                                    h->server_random, 0);
    }
}

/* The hellos, and the client holding the server's real ServerHello alone. */
static int start(harness *h, int sc) {
    tls_engine *s = fuzz_server_new(sc);
    fuzz_buf to_s = {0}, to_c = {0};
    const fuzz_msg *sh = NULL;
    int rc = -1;
    fuzz_drain(h->c, &to_s);
    for (int i = 0; i < 2; i++) {
        to_c.len = 0;
        fuzz_feed(s, to_s.p, to_s.len, 0, &to_c);
        to_s.len = 0;
        sh = fuzz_msg_find(s, 1, TLSIO_HS_SERVER_HELLO);
        if (sh == NULL || !fuzz_is_hrr(fuzz_msg_bytes(sh), sh->len)) break;
        fuzz_feed(h->c, to_c.p, to_c.len, 0, &to_s); /* the HelloRetryRequest flight */
    }
    if (sh == NULL || fuzz_is_hrr(fuzz_msg_bytes(sh), sh->len)) goto out;
    to_c.len = 0;
    fuzz_seal(NULL, TLSIO_CT_HANDSHAKE, fuzz_msg_bytes(sh), sh->len, 0, &to_c);
    fuzz_feed(h->c, to_c.p, to_c.len, 0, NULL);
    if (tls_engine_status(h->c) & TLS_ST_FAILED) goto out;
    h->suite = tlsio_suite_find(tls_engine_cipher_suite(h->c));
    if (h->suite == NULL) goto out;
    h->tls13 = tls_engine_version(h->c) == TLS_VERSION_1_3;

    /* The client's hellos, as it sent and processed them. */
    const fuzz_capture *cap = fuzz_capture_get();
    tlsio_err err;
    tlsio_err_clear(&err);
    tlsio_transcript_init(&h->t);
    for (size_t i = 0; i < cap->n_msgs; i++) {
        const fuzz_msg *m = &cap->msgs[i];
        if (m->e != h->c || m->content_type != TLSIO_CT_HANDSHAKE) continue;
        const uint8_t *b = fuzz_msg_bytes(m);
        if (m->sent && b[0] == TLSIO_HS_CLIENT_HELLO) {
            memcpy(h->client_random, b + 6, 32);
            tlsio_client_hello ch;
            CBS body;
            CBS_init(&body, b + 4, m->len - 4);
            if (tlsio_decode(&tlsio_codec_client_hello, &body, &ch, &err) == 0 &&
                tlsio_exts_has(&ch.extensions, TLSIO_EXT_RECORD_SIZE_LIMIT))
                h->rsl = (uint16_t)ch.extensions.record_size_limit;
        }
        if (!m->sent && b[0] == TLSIO_HS_SERVER_HELLO) memcpy(h->server_random, b + 6, 32);
        /* RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by its hash. */
        if (!m->sent && fuzz_is_hrr(b, m->len) &&
            (tlsio_transcript_set_hash(&h->t, h->suite->hash, &err) != 0 ||
             tlsio_transcript_hrr_restart(&h->t, &err) != 0))
            goto out;
        tlsio_transcript_update(&h->t, b, m->len);
    }
    if (tlsio_transcript_set_hash(&h->t, h->suite->hash, &err) != 0) goto out;

    uint8_t pub[32];
    ED25519_keypair_from_seed(pub, h->ed25519, fuzz_server_ed25519_seed());
    if (h->tls13) {
        const fuzz_secret *hs = fuzz_secret_find(s, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
        if (hs == NULL || tlsio_testing_hs13_keysched(s, &h->ks) != 0 ||
            fuzz_sealer_tls13(&h->key, h->suite->id, hs->v, hs->len) != 0)
            goto out;
        memcpy(h->s_hs, hs->v, hs->len);
    }
    rc = 0;
out:
    fuzz_buf_free(&to_s);
    fuzz_buf_free(&to_c);
    tls_engine_free(s);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    int sc = fuzz_take_u8(&in) % FUZZ_SC__COUNT;
    harness h;
    memset(&h, 0, sizeof h);
    fuzz_sealer_free(&h.key);
    fuzz_reset();
    h.c = fuzz_client_new(sc);
    if (start(&h, sc) != 0) abort(); /* the harness's own hellos must get there */
    while (in.n > 0) {
        uint8_t kind = fuzz_take_u8(&in);
        size_t n;
        const uint8_t *p = fuzz_take(&in, fuzz_take_u16(&in), &n);
        if (kind & FUZZ_EL_FLUSH) flush(&h);
        switch (kind & 3) {
        case FUZZ_EL_HS:
            handshake_message(&h, kind, p, n);
            break;
        case FUZZ_EL_APP:
            other_record(&h, kind, TLSIO_CT_APPLICATION_DATA, p, n);
            break;
        case FUZZ_EL_ALERT:
            other_record(&h, kind, TLSIO_CT_ALERT, p, n);
            break;
        default:
            if (n > 0) other_record(&h, kind, p[0], p + 1, n - 1);
            break;
        }
        if (tls_engine_status(h.c) & TLS_ST_FAILED) break;
    }
    flush(&h);
    fuzz_report("fuzz_client_structured", sc, h.c);
    fuzz_exercise(h.c);
    fuzz_buf_free(&h.pending);
    fuzz_sealer_free(&h.key);
    tlsio_ks_wipe(&h.ks);
    tls_engine_free(h.c);
    return 0;
}
