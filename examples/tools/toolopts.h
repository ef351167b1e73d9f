/* Options the tls-client and tls-server tools share: how they build their config. */
#ifndef TLSIO_TOOLOPTS_H
#define TLSIO_TOOLOPTS_H

#include <stddef.h>

#include <tlsio/tls.h>

/* Applies one shared option (argv[*i], maybe consuming its argument) to cfg.
 * Returns 1 if it was a shared option, 0 if not, -1 on error (message printed). */
int toolopt_apply(tls_config *cfg, int argc, char **argv, int *i);

/* The same, printing nothing (no notice either): on -1 the reason, one sentence naming the
 * option, is in why (size n). For rebuilding a config on reload. */
int toolopt_apply_quiet(tls_config *cfg, int argc, char **argv, int *i, char *why, size_t n);

/* SSLKEYLOGFILE (the variable browsers and curl honour): when set, cfg appends its
 * connections' secrets there for Wireshark, and the tool says so on stderr. 0 or -1. */
int toolopt_keylog_from_env(tls_config *cfg, const char *tool);

/* The same, printing nothing: on -1 the reason is in why (size n). */
int toolopt_keylog_from_env_quiet(tls_config *cfg, char *why, size_t n);

/* A new config with SSLKEYLOGFILE applied, for a server's config builder (toolcfg.h); say:
 * print the notice (the first build; a reload's own log line says what it did). NULL with
 * the reason in why (size n): out of memory, or a key log file that cannot be used. */
tls_config *toolopt_config_new(const char *tool, int say, char *why, size_t n);

/* Prints the shared options' help lines. */
void toolopt_usage(void);

/* The same without opt's lines ("--timeout"), for a tool that gives that option its own
 * meaning and help line. */
void toolopt_usage_except(const char *opt);

/* For a server, which holds descriptors per client: raises the soft RLIMIT_NOFILE to the hard
 * one (the soft one, often 1024, is a default for programs that do not expect many). Returns
 * the soft limit now, LONG_MAX when there is none, -1 if it cannot be read. */
long tool_raise_fd_limit(void);

/* Writes all of buf to t, waiting with poll() while the socket is full. 0 or -1. */
int tool_write_all(tls *t, const void *buf, size_t len);

#endif
