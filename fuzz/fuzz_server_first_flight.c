/*
 * The server engine fed what a client sends, from its first byte: ClientHello parsing and
 * every choice made on it (version, suite, group, HelloRetryRequest, SNI, ALPN, PSK binders and
 * tickets, client authentication), record framing and reassembly, and as far into the
 * handshake as the bytes go. The seeds are whole client streams of real handshakes, which
 * replay to the end (the server's side is deterministic), so later client records are reached
 * too when they are left intact.
 *
 * Input: <scenario> <piece size> <wire bytes>. The piece size splits the bytes the way a
 * network might: 0 as many as the engine takes, 1..127 that many, 128..255 (n - 127) * 128.
 */
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    int sc = fuzz_take_u8(&in) % FUZZ_SC__COUNT;
    uint8_t piece = fuzz_take_u8(&in);
    size_t chunk = piece < 128 ? piece : (size_t)(piece - 127) * 128;
    fuzz_reset();
    tls_engine *s = fuzz_server_new(sc);
    fuzz_feed(s, in.p, in.n, chunk, NULL);
    fuzz_report("fuzz_server_first_flight", sc, s);
    fuzz_exercise(s);
    tls_engine_free(s);
    return 0;
}
