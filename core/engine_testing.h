/*
 * Test-only hooks into the engine. Not part of the public API: programs must not use them.
 * They exist so tests can prove that the peer's checks fire (a corrupted Finished or
 * CertificateVerify must be refused) and so a conformance shim can force states.
 */
#ifndef TLSIO_ENGINE_TESTING_H
#define TLSIO_ENGINE_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* fn sees every outgoing handshake message (header + body) after our transcript took it. */
static inline void tlsio_testing_set_tamper(tls_engine *e,
                                            void (*fn)(void *ctx, uint8_t *msg, size_t len),
                                            void *ctx) {
    e->test_tamper = fn;
    e->test_tamper_ctx = ctx;
}

/* Whether a HelloRetryRequest was sent (server) or received (client) in the handshake under
 * way: 1 or 0, or -1 once the handshake state is gone (after it completed or failed). The BoGo
 * shim (tests/bogo) polls it to check -expect-hrr / -expect-no-hrr. */
static inline int tlsio_testing_hrr_seen(const tls_engine *e) {
    return e->hs != NULL ? (e->hs->h13.hrr_seen != 0) : -1;
}

/* TLS 1.3: a copy of the key schedule of the handshake under way (the current stage secret:
 * a server that sent its flight is at the Master Secret), 0; or -1 when there is none. The
 * structure-aware fuzz target (fuzz/fuzz_client_structured.c) goes on from a real server's
 * ServerHello with messages of its own, and derives the application secrets for them from it
 * (RFC 8446 §7.1). */
static inline int tlsio_testing_hs13_keysched(const tls_engine *e, tlsio_keysched *out) {
    if (e->hs == NULL || e->version != TLS_VERSION_1_3) return -1;
    *out = e->hs->h13.ks;
    return 0;
}

#ifdef __cplusplus
}
#endif
#endif
