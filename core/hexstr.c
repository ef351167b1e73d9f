/* Lower-case hex strings (hexstr.h). */
#include "hexstr.h"

size_t tlsio_hex_lower(char *out, const uint8_t *in, size_t len) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    return 2 * len;
}
