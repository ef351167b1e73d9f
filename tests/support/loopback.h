// Test helpers: loopback TCP sockets with bounded waits, for the socket facade's tests.
#pragma once
#include <cstdint>

namespace tlsio_test {

// Blocking sockets in the facade's tests give up after this long instead of hanging.
constexpr int kIoTimeoutSec = 10;

// Bounds every blocking send/recv/accept on fd by kIoTimeoutSec (SO_RCVTIMEO, SO_SNDTIMEO).
void SetTimeouts(int fd);

// A listening TCP socket on 127.0.0.1 with an OS-chosen port (*port), accept() bounded by
// SetTimeouts; -1 on failure.
int ListenLoopback(uint16_t *port, int backlog = 8);

} // namespace tlsio_test
