/*
 * A tool's current config, rebuilt from its files on demand (SIGHUP) and shared by threads.
 *
 * A tls_config is immutable once in use, so a reload builds a NEW one and swaps it in:
 * connections made from then on use it, while each open connection keeps the config it was
 * made with alive through its own reference (tls_config_ref, taken by tls_server_fd and
 * dropped by tls_free) and finishes on it. If the new build fails, the current config stays.
 */
#ifndef TLSIO_TOOLCFG_H
#define TLSIO_TOOLCFG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <tlsio/tls.h>

/* Builds a config from the tool's options and files: a new config, or NULL with a sentence
 * in why (size n). Called once by toolcfg_init and once by each toolcfg_reload. */
typedef tls_config *(*toolcfg_build_fn)(void *arg, char *why, size_t n);

typedef struct toolcfg {
    pthread_mutex_t lock; /* guards cur: the swap and the reference taking */
    tls_config *cur;      /* a reference of our own */
    toolcfg_build_fn build;
    void *arg;
    atomic_uint generation; /* 1 after init, +1 per successful reload: toolcfg_generation */
} toolcfg;

/* Builds the first config. 0, or -1 with why set. */
int toolcfg_init(toolcfg *tc, toolcfg_build_fn build, void *arg, char *why, size_t n);

/* A new reference to the current config (drop it with tls_config_free; a connection made
 * with it holds its own). Any thread. */
tls_config *toolcfg_get(toolcfg *tc);

/* The current generation, without the lock: a thread that keeps a reference of its own
 * (toolcfg_get) needs a new one only when this has changed since, so it takes no lock per
 * connection. Any thread. */
unsigned toolcfg_generation(toolcfg *tc);

/* Builds a new config and makes it current; the previous one lives on while connections
 * hold it. 0, or -1 with why set and the current config kept. Any thread; the build runs
 * outside the lock, and two reloads at once each install theirs in turn. */
int toolcfg_reload(toolcfg *tc, char *why, size_t n);

/* toolcfg_reload, then its log line (toollog.h): "reload result=ok generation=N", or
 * "reload result=failed why=SENTENCE kept=..." when the current config stays. */
void toolcfg_reload_logged(toolcfg *tc);

/* Drops our reference to the current config. */
void toolcfg_destroy(toolcfg *tc);

#endif
