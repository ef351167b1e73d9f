/* The key log (core.h, tls_config_set_keylog): NSS key log lines for the config's callback. */
#ifndef TLSIO_KEYLOG_H
#define TLSIO_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#include "engine_state.h"

/* Gives the config's key log callback, if any, the line "LABEL <client_random> <secret>"
 * (hex) for this connection; the line is wiped after the call. */
void tlsio_keylog(const tls_engine *e, const char *label, const uint8_t *secret, size_t len);

#endif
