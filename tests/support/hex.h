// Test helpers: hex <-> bytes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tlsio_test {

using Bytes = std::vector<uint8_t>;

// Parses hex, ignoring whitespace (RFC traces are wrapped). Aborts the test on bad input.
Bytes Hex(const std::string &hex);
std::string ToHex(const uint8_t *p, size_t n);
inline std::string ToHex(const Bytes &b) {
    return ToHex(b.data(), b.size());
}
// The hex byte `byte` n times, each after a space (for long runs in a hex message).
inline std::string Rep(const char *byte, int n) {
    std::string s;
    for (int i = 0; i < n; i++)
        (s += " ") += byte;
    return s;
}

} // namespace tlsio_test
