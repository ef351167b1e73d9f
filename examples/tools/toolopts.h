/* Options the tls-client and tls-server tools share: how they build their config. */
#ifndef TLSIO_TOOLOPTS_H
#define TLSIO_TOOLOPTS_H

#include <tlsio/tls.h>

/* Applies one shared option (argv[*i], maybe consuming its argument) to cfg.
 * Returns 1 if it was a shared option, 0 if not, -1 on error (message printed). */
int toolopt_apply(tls_config *cfg, int argc, char **argv, int *i);

/* SSLKEYLOGFILE (the variable browsers and curl honour): when set, cfg appends its
 * connections' secrets there for Wireshark, and the tool says so on stderr. 0 or -1. */
int toolopt_keylog_from_env(tls_config *cfg, const char *tool);

/* Prints the shared options' help lines. */
void toolopt_usage(void);

/* Writes all of buf to t, waiting with poll() while the socket is full. 0 or -1. */
int tool_write_all(tls *t, const void *buf, size_t len);

#endif
