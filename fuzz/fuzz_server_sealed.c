/*
 * The server after a real ClientHello, fed records sealed with the client's real keys: a real
 * client and server of the scenario shake hands up to the client's second flight (through a
 * HelloRetryRequest, resumption or client authentication as the scenario has it); the
 * client's keys come from its key log, and from then on the fuzzer speaks for the client.
 * Mutations thus reach what the server reads under encryption: the client's Certificate,
 * CertificateVerify and Finished (TLS 1.3), ClientKeyExchange, ChangeCipherSpec and Finished
 * (TLS 1.2), and once connected application data, alerts, KeyUpdate, renegotiation attempts
 * and close_notify.
 *
 * Input: <scenario> then records in the fuzz_server_sealed format of fuzz_support.h. The seeds
 * are the real client's own records, so the handshake completes unless the fuzzer breaks it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"

typedef struct keys {
    int tls13;
    fuzz_sealer hs, app; /* TLS 1.2: both the one client write key */
} keys;

static int client_keys(tls_engine *c, tls_engine *s, keys *k) {
    uint16_t suite = tls_engine_cipher_suite(c);
    k->tls13 = tls_engine_version(c) == TLS_VERSION_1_3;
    if (k->tls13) {
        const fuzz_secret *hs = fuzz_secret_find(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
        const fuzz_secret *ap = fuzz_secret_find(c, "CLIENT_TRAFFIC_SECRET_0");
        if (hs == NULL || ap == NULL) return -1;
        if (fuzz_sealer_tls13(&k->hs, suite, hs->v, hs->len) != 0 ||
            fuzz_sealer_tls13(&k->app, suite, ap->v, ap->len) != 0)
            return -1;
        return 0;
    }
    const fuzz_secret *ms = fuzz_secret_find(c, "CLIENT_RANDOM");
    const fuzz_msg *sh = fuzz_msg_find(s, 1, 2 /* ServerHello */);
    if (ms == NULL || ms->len != 48 || sh == NULL || sh->len < 4 + 2 + 32) return -1;
    const uint8_t *server_random = fuzz_msg_bytes(sh) + 6;
    if (fuzz_sealer_tls12(&k->hs, suite, ms->v, ms->client_random, server_random, 1) != 0 ||
        fuzz_sealer_tls12(&k->app, suite, ms->v, ms->client_random, server_random, 1) != 0)
        return -1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    int sc = fuzz_take_u8(&in) % FUZZ_SC__COUNT;
    fuzz_reset();
    tls_engine *c = fuzz_client_new(sc), *s = fuzz_server_new(sc);
    keys k;
    memset(&k, 0, sizeof k);
    fuzz_sealer_free(&k.hs);
    fuzz_sealer_free(&k.app);
    if (fuzz_run_to_client_flight(c, s, NULL) != 0 || client_keys(c, s, &k) != 0)
        abort(); /* the harness's own handshake must get there */
    tls_engine_free(c);

    fuzz_buf wire = {0};
    while (in.n > 0) {
        uint8_t flags = fuzz_take_u8(&in), type = fuzz_take_u8(&in);
        size_t n;
        const uint8_t *p = fuzz_take(&in, fuzz_take_u16(&in), &n);
        fuzz_sealer *key = NULL;
        /* TLS 1.2 has one key: the TLS 1.2 "application key" is the same one, in sequence. */
        switch (flags & 3) {
        case FUZZ_REC_HS_KEY:
            key = &k.hs;
            break;
        case FUZZ_REC_APP_KEY:
            key = k.tls13 ? &k.app : &k.hs;
            break;
        case FUZZ_REC_RAW:
            fuzz_buf_add(&wire, p, n);
            continue;
        default:
            break;
        }
        if ((flags & FUZZ_REC_KEY_UPDATE) && k.tls13) (void)fuzz_sealer_update(&k.app);
        fuzz_seal(key, type, p, n, (size_t)(flags >> 4) * 16, &wire);
    }
    fuzz_feed(s, wire.p, wire.len, 0, NULL);
    fuzz_report("fuzz_server_sealed", sc, s);
    fuzz_exercise(s);
    fuzz_buf_free(&wire);
    fuzz_sealer_free(&k.hs);
    fuzz_sealer_free(&k.app);
    tls_engine_free(s);
    return 0;
}
