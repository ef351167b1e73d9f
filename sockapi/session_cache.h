/*
 * The socket facade's client session cache (internal): the tickets a config's connections
 * received, for later connections to the same server to resume with.
 *
 * One cache per config, made on first use and hung on cfg->session_cache (freed by
 * tls_config_free through cfg->session_cache_free). Keyed by server name and port. Bounded
 * by cfg->session_cache_size sessions in all (the oldest goes first) and by
 * TLSIO_SESSION_CACHE_PER_SERVER per server (so one busy server cannot push every other one
 * out). Thread-safe: one mutex, held for list surgery only. Each session is handed out once
 * (RFC 8446 §C.4: a client uses a ticket for one connection only).
 */
#ifndef TLSIO_SESSION_CACHE_H
#define TLSIO_SESSION_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <tlsio/tls.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sessions kept per server name and port: twice what one engine keeps, enough for several
 * connections to one server in flight while its tickets are replaced. */
#define TLSIO_SESSION_CACHE_PER_SERVER 8
/* The longest key: a server name (at most 253 bytes, RFC 1035) + ' ' + a port. */
#define TLSIO_SESSION_KEY_MAX 264

/* The cache key for server name and port: "port name" with the name in lower case (names
 * compare without case, as the engine compares them). 0, or -1 if it does not fit. */
int tlsio_session_key(char *out, size_t cap, const char *server_name, unsigned port);

/* Adds s (the cache takes it over, and frees it when it cannot keep it) under key. Makes the
 * cache on first use. Nothing is kept when cfg's cache size is 0. 0, or -1 (ENOMEM). */
int tlsio_session_cache_put(tls_config *cfg, const char *key, tls_session *s);

/* Takes the newest session under key out of the cache (the caller frees it), dropping the
 * ones that have expired by now_ms (Unix milliseconds; < 0: unknown, nothing is dropped).
 * NULL when there is none, or no cache. */
tls_session *tlsio_session_cache_take(tls_config *cfg, const char *key, int64_t now_ms);

/* Drops every session under key (a connection to that server ended with a fatal alert). */
void tlsio_session_cache_forget(tls_config *cfg, const char *key);

/* Sessions held now (all keys, or those under key when key is not NULL): for tests. */
size_t tlsio_session_cache_count(tls_config *cfg, const char *key);

#ifdef __cplusplus
}
#endif
#endif
