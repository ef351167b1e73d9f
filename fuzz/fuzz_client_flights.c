/*
 * The client engine fed what a server sends: ServerHello and HelloRetryRequest parsing and
 * checks, the downgrade to TLS 1.2, and for TLS 1.2 the flight in the clear (Certificate and
 * chain verification, ServerKeyExchange, CertificateRequest, ServerHelloDone,
 * NewSessionTicket); the seeds are whole server streams of real handshakes of every scenario,
 * which replay to the end (the client is deterministic), so intact encrypted records are
 * reached too. What lies behind a TLS 1.3 server's encryption is fuzz_client_structured's.
 *
 * Input: <scenario> <piece size> <wire bytes>, both as in fuzz_server_first_flight.
 * The client's own output (its ClientHellos and second flight) is dropped.
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
    tls_engine *c = fuzz_client_new(sc);
    fuzz_drain(c, NULL); /* the ClientHello */
    fuzz_feed_ex(c, in.p, in.n, chunk, NULL, flags);
    tls_session *s;
    while ((s = tls_engine_take_session(c)) != NULL) {
        uint8_t buf[4096];
        size_t len = 0;
        if (tls_session_encode(s, buf, sizeof buf, &len) == 0) {
            tls_session *back = tls_session_decode(buf, len);
            tls_session_free(back);
        }
        tls_session_free(s);
    }
    fuzz_report("fuzz_client_flights", sc, c);
    fuzz_exercise(c);
    tls_engine_free(c);
    return 0;
}
