/*
 * The server engine fed what a client sends, from its first byte: ClientHello parsing and
 * every choice made on it (version, suite, group, HelloRetryRequest, SNI, ALPN, PSK binders and
 * tickets, client authentication), record framing and reassembly, and as far into the
 * handshake as the bytes go. The seeds are whole client streams of real handshakes, which
 * replay to the end (the server's side is deterministic), so later client records are reached
 * too when they are left intact.
 *
 * Input: <scenario> <piece size> <wire bytes>. The scenario byte's low 4 bits pick the
 * scenario (modulo the count); its bit 0x10 makes the harness slow: output and data are taken
 * only when the engine refuses input (its backpressure). The piece size splits the bytes the
 * way a network might: 0 as many as the engine takes, 1..127 that many, 128..255
 * (n - 127) * 128.
 */
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    uint8_t first = fuzz_take_u8(&in);
    int sc = (first & 0x0f) % FUZZ_SC__COUNT;
    unsigned flags = first & 0x10 ? FUZZ_FEED_LAZY : 0;
    uint8_t piece = fuzz_take_u8(&in);
    size_t chunk = piece < 128 ? piece : (size_t)(piece - 127) * 128;
    fuzz_reset();
    tls_engine *s = fuzz_server_new(sc);
    fuzz_feed_ex(s, in.p, in.n, chunk, NULL, flags);
    fuzz_report("fuzz_server_first_flight", sc, s);
    fuzz_exercise(s);
    tls_engine_free(s);
    return 0;
}
