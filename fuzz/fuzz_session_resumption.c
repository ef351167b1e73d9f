/*
 * Resumption with session state the fuzzer writes. Tickets are sealed under the server's key,
 * so raw bytes never get past the AEAD: here the harness seals the fuzzer's SessionState
 * (core/session.h) as a ticket under the server config's real ticket key (core/ticket.h), and
 * the server opens it and judges it as one it issued: version, suite and hash, issue time and
 * lifetimes, ticket age, server name, client authentication, the peer identity it restores.
 *
 * The client offers that ticket with the state the bytes decode to (or, if they do not, the
 * state of the scenario's real session of that version), so both ends hold the same secret:
 * the TLS 1.3 binder verifies and a state the server takes is resumed with, to the end of the
 * handshake. Then the bytes are tried as a whole tls_session (tls_session_decode, the public
 * form a client stores) offered to the server.
 *
 * Input: <scenario> <SessionState bytes>. Seeds: the states inside the real tickets of every
 * scenario's conversation.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "session.h"
#include "ticket.h"

static void resume(int sc, const tls_session *s) {
    tls_engine *c = fuzz_client_resume(sc, s), *v = fuzz_server_new(sc);
    fuzz_pump(c, v);
    fuzz_report("fuzz_session_resumption client", sc, c);
    fuzz_report("fuzz_session_resumption server", sc, v);
    fuzz_exercise(c);
    fuzz_exercise(v);
    tls_engine_free(c);
    tls_engine_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    int sc = fuzz_take_u8(&in) % FUZZ_SC__COUNT;
    fuzz_reset();

    CBB t;
    tlsio_err err;
    tlsio_err_clear(&err);
    if (!CBB_init(&t, in.n + 64)) abort();
    if (tlsio_ticket_seal(fuzz_server_config(sc), in.p, in.n, &t, &err) != 0) abort();
    CBS ticket;
    CBS_init(&ticket, CBB_data(&t), CBB_len(&t));
    tlsio_sess_state st;
    if (tlsio_sess_state_decode(in.p, in.n, &st) != 0) {
        int like = fuzz_scenario_version(sc) == TLS_VERSION_1_3 ? FUZZ_SC_TLS13_RESUME
                                                                : FUZZ_SC_TLS12_RESUME;
        st = fuzz_scenario_session(like)->st;
    }
    tls_session *s = tlsio_session_new(&st, &ticket, &err);
    if (s != NULL) resume(sc, s);
    tls_session_free(s);
    CBB_cleanup(&t);

    s = tls_session_decode(in.p, in.n);
    if (s != NULL) {
        uint8_t back[256];
        size_t len = 0;
        (void)tls_session_encode(s, back, sizeof back, &len);
        (void)tls_session_expiry(s);
        tls_session *d = tls_session_dup(s);
        resume(sc, d);
        tls_session_free(d);
    }
    tls_session_free(s);
    return 0;
}
