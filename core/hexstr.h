/* Lower-case hex strings, for the strings tlsio shows (key log lines, certificate fingerprints). */
#ifndef TLSIO_HEXSTR_H
#define TLSIO_HEXSTR_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2 * len hex digits for in[0..len) to out (no NUL); returns 2 * len. */
size_t tlsio_hex_lower(char *out, const uint8_t *in, size_t len);

#endif
