/* The socket facade's connection object: construction, release, and what was negotiated. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/config.h"
#include "sock.h"

void tlsio_sock_set_why(tls_error *why, int code, const char *fmt, ...) {
    if (why == NULL) return;
    why->code = code;
    why->category = tlsio_err_category(code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
    va_end(ap);
}

void tlsio_sock_copy_why(tls_error *why, int code, int category, const char *msg) {
    if (why == NULL) return;
    why->code = code;
    why->category = category;
    snprintf(why->msg, sizeof(why->msg), "%s", msg);
}

/* The facade's clock (tls_config_set_clock): the system's real time in Unix milliseconds. */
static int64_t realtime_ms(void *arg) {
    (void)arg;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs in the one thread that freezes the config, before any connection reads it: a config
 * without a clock gets the real one, without which a server issues no tickets and a client
 * offers none (ticket ages and lifetimes, RFC 8446 §4.6.1). A clock the program set stays. */
static void install_clock(tls_config *cfg) {
    if (cfg->clock == NULL) {
        cfg->clock = realtime_ms;
        cfg->clock_arg = NULL;
    }
}

/* The peer's port, from the connected socket (0 when it is not an IP socket): the cache key
 * names the port as a number, so that "https" and "443" find the same sessions. */
static unsigned peer_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

/* A port as tls_connect takes it (a number or a service name), as a number; -1 if unknown. */
static long port_number(const char *port) {
    char *end = NULL;
    long n = strtol(port, &end, 10);
    if (end != port && *end == '\0') return n >= 0 && n <= 65535 ? n : -1;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(NULL, port, &hints, &res) != 0 || res == NULL) return -1;
    long out = res->ai_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)res->ai_addr)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port);
    freeaddrinfo(res);
    return out;
}

/* The clock engines of cfg use, or -1 for none. */
static int64_t cfg_now_ms(const tls_config *cfg) {
    return cfg->clock != NULL ? cfg->clock(cfg->clock_arg) : -1;
}

tls *tlsio_sock_new(tls_config *cfg, int fd, const char *servername, int server, tls_error *why) {
    if (cfg == NULL || fd < 0 || (!server && (servername == NULL || !servername[0]))) {
        tlsio_sock_set_why(why, TLS_E_USAGE,
                           server
                               ? "a config and a socket are required"
                               : "a config, a socket and the server name to verify are required");
        errno = EINVAL;
        return NULL;
    }
    /* The system trust store is read here, outside the core, once per config. */
    if (tlsio_config_freeze_with(cfg, install_clock, tlsio_config_load_system_store) != 0) {
        tlsio_sock_set_why(why, TLS_E_USAGE, "%s", tls_config_error(cfg));
        errno = EINVAL;
        return NULL;
    }
    tls *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        tlsio_sock_set_why(why, TLS_E_NOMEM, "out of memory");
        errno = ENOMEM;
        return NULL;
    }
    t->fd = fd;
    t->is_server = server;
    t->cfg = cfg;
    /* The handshake's time counts from here (tls_accept: from when the client was accepted). */
    tlsio_sock_deadline_start(t, cfg->handshake_timeout_ms);
    tls_engine_new_error reason = {0, ""};
    tls_session *offer = NULL;
    if (!server && cfg->session_cache_size > 0 &&
        tlsio_session_key(t->cache_key, sizeof(t->cache_key), servername, peer_port(fd)) == 0)
        /* Taken out, so no other connection offers it too (RFC 8446 §C.4); the engine makes
         * its own copy. */
        offer = tlsio_session_cache_take(cfg, t->cache_key, cfg_now_ms(cfg));
    else
        t->cache_key[0] = '\0';
    t->e = server ? tls_engine_new_server(cfg)
                  : tls_engine_new_client_resume(cfg, servername, offer, &reason);
    tls_session_free(offer);
    if (t->e == NULL) {
        /* The client's reason is the engine's sentence (a server name that can never be
         * verified is refused there, before anything is sent). */
        if (server)
            tlsio_sock_set_why(why, TLS_E_USAGE,
                               "the config holds no certificate and key for a server");
        else
            tlsio_sock_set_why(why, reason.code ? reason.code : TLS_E_USAGE, "%s", reason.msg);
        free(t);
        errno = EINVAL;
        return NULL;
    }
#ifdef SO_NOSIGPIPE
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
    /* The core has no clock: certificate validity is judged against the time given here. */
    tls_engine_set_time(t->e, (int64_t)time(NULL));
    return t;
}

tls *tls_client_fd(tls_config *cfg, int fd, const char *servername, tls_error *why) {
    return tlsio_sock_new(cfg, fd, servername, 0, why);
}

tls *tls_server_fd(tls_config *cfg, int fd, tls_error *why) {
    return tlsio_sock_new(cfg, fd, NULL, 1, why);
}

/* How much unread input tls_free discards before closing: what a peer can have in flight
 * when we end the connection (a whole ClientHello, say), bounded so a flood costs little. */
#define DRAIN_MAX (256 * 1024)

/* Closing a TCP socket with unread input sends a reset, and a reset may make the peer's
 * stack drop what we sent last (our alert or close_notify) before it reads it. So the input
 * that has arrived is read and discarded first, without waiting for more. */
static void drain_before_close(int fd) {
    uint8_t buf[4096];
    for (size_t total = 0; total < DRAIN_MAX;) {
        ssize_t k = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return;
        total += (size_t)k;
    }
}

void tls_free(tls *t) {
    if (t == NULL) return;
    tlsio_sock_store_sessions(t); /* tickets that came with the last bytes read */
    /* A failure that no call reported yet (tls_write returned a partial count, say) still
     * drops the server's sessions (sock.h). */
    if (!t->is_server && t->cache_key[0] != '\0' && !tlsio_sock_sessions_usable(t))
        tlsio_session_cache_forget(t->cfg, t->cache_key);
    int ended = t->failed || t->closed || (tls_engine_status(t->e) & TLS_ST_FAILED);
    tls_engine_free(t->e);
    if (t->fd >= 0 && ended) drain_before_close(t->fd);
    if (t->fd >= 0) close(t->fd);
    free(t->fail);
    free(t->peer_hash);
    free(t);
}

int tls_export_keying_material(tls *t, const char *label, const void *context, size_t context_len,
                               void *out, size_t out_len) {
    if (t == NULL) {
        errno = EINVAL;
        return -1;
    }
    tlsio_sock_begin_call(t);
    if (label == NULL || out == NULL)
        return tlsio_sock_misuse(t, "tls_export_keying_material: a label and an output buffer "
                                    "are required");
    if (context == NULL && context_len > 0)
        return tlsio_sock_misuse(t, "tls_export_keying_material: context is NULL but "
                                    "context_len is not 0");
    if (tls_engine_export_keying_material(t->e, label, strlen(label), context, context_len, out,
                                          out_len) != 0)
        return tlsio_sock_misuse(t, "tls_export_keying_material: refused (the handshake is not "
                                    "complete, the label is one TLS uses, or the length is too "
                                    "large)");
    return 0;
}

int tls_fd(const tls *t) {
    if (t == NULL) {
        errno = EINVAL;
        return -1;
    }
    return t->fd;
}

/* The getters report the connection's first failure; if it has not failed, why the last
 * call was refused, when it was (tlsio_sock_begin_call); else the engine's state (nothing
 * yet: 0, ""). */
static int misuse_shown(const tls *t) {
    return !t->failed && t->misuse != NULL && t->sock_errno == 0 &&
           tls_engine_error_code(t->e) == 0;
}

const char *tls_error_msg(const tls *t) {
    if (t == NULL) return "no connection (NULL)";
    if (t->failed) return t->fail ? t->fail->msg : "the connection failed (out of memory)";
    if (misuse_shown(t)) return t->misuse;
    if (t->sock_errno != 0 && tls_engine_error_code(t->e) == 0) return strerror(t->sock_errno);
    return tls_engine_error(t->e);
}

int tls_error_code(const tls *t) {
    if (t == NULL) return TLS_E_USAGE;
    if (t->failed) return t->fail ? t->fail->code : TLS_E_NOMEM;
    if (misuse_shown(t)) return TLS_E_USAGE;
    int code = tls_engine_error_code(t->e);
    return code != 0 || t->sock_errno == 0 ? code : -t->sock_errno;
}

int tls_error_category(const tls *t) {
    if (t == NULL) return tlsio_err_category(TLS_E_USAGE);
    if (t->failed) return t->fail ? t->fail->category : tlsio_err_category(TLS_E_NOMEM);
    if (misuse_shown(t)) return tlsio_err_category(TLS_E_USAGE);
    int cat = tls_engine_error_category(t->e);
    return cat != 0 || t->sock_errno == 0 ? cat : tlsio_err_category(-t->sock_errno);
}

#define NULL_CONN(ret)                                                                             \
    do {                                                                                           \
        if (t == NULL) {                                                                           \
            errno = EINVAL;                                                                        \
            return ret;                                                                            \
        }                                                                                          \
    } while (0)

const char *tls_conn_version(const tls *t) {
    NULL_CONN(NULL);
    uint16_t v = tls_engine_version(t->e);
    return v ? tls_version_name(v) : NULL;
}

const char *tls_conn_cipher(const tls *t) {
    NULL_CONN(NULL);
    uint16_t s = tls_engine_cipher_suite(t->e);
    return s ? tls_cipher_suite_name(s) : NULL;
}

const char *tls_conn_group(const tls *t) {
    NULL_CONN(NULL);
    uint16_t g = tls_engine_group(t->e);
    return g ? tls_group_name(g) : NULL;
}

const char *tls_conn_alpn(const tls *t) {
    NULL_CONN(NULL);
    return tls_engine_alpn(t->e);
}

const char *tls_conn_servername(const tls *t) {
    NULL_CONN(NULL);
    return tls_engine_server_name(t->e);
}

const char *tls_conn_peer_subject(const tls *t) {
    NULL_CONN(NULL);
    return tls_engine_peer_subject(t->e);
}

const char *tls_conn_peer_signature_scheme(const tls *t) {
    NULL_CONN(NULL);
    uint16_t s = tls_engine_peer_signature_scheme(t->e);
    return s ? tls_signature_scheme_name(s) : NULL;
}

const char *tls_conn_peer_issuer(const tls *t) {
    NULL_CONN(NULL);
    return tls_engine_peer_issuer(t->e);
}

time_t tls_conn_peer_notbefore(const tls *t) {
    NULL_CONN((time_t)-1);
    int64_t nb = 0;
    return tls_engine_peer_validity(t->e, &nb, NULL) == 0 ? (time_t)nb : (time_t)-1;
}

time_t tls_conn_peer_notafter(const tls *t) {
    NULL_CONN((time_t)-1);
    int64_t na = 0;
    return tls_engine_peer_validity(t->e, NULL, &na) == 0 ? (time_t)na : (time_t)-1;
}

const char *tls_conn_peer_hash(const tls *t) {
    NULL_CONN(NULL);
    return t->peer_hash;
}

const uint8_t *tls_conn_peer_chain(const tls *t, size_t i, size_t *len) {
    if (len != NULL) *len = 0;
    NULL_CONN(NULL);
    return tls_engine_peer_chain(t->e, i, len);
}

int tlsio_sock_sessions_usable(const tls *t) {
    int cat = t->failed ? (t->fail ? t->fail->category : TLS_ERRCAT_INTERNAL)
                        : tls_engine_error_category(t->e);
    return cat == TLS_ERRCAT_NONE || cat == TLS_ERRCAT_TRANSPORT;
}

void tlsio_sock_store_sessions(tls *t) {
    if (t->is_server || t->cache_key[0] == '\0' || !tlsio_sock_sessions_usable(t)) return;
    tls_session *s;
    while ((s = tls_engine_take_session(t->e)) != NULL)
        if (tlsio_session_cache_put(t->cfg, t->cache_key, s) == 0) t->stored++;
}

int tls_conn_resumed(const tls *t) {
    NULL_CONN(0);
    return tls_engine_resumed(t->e);
}

tls_session *tls_conn_session(tls *t) {
    NULL_CONN(NULL);
    if (t->is_server || !tlsio_sock_sessions_usable(t)) return NULL;
    /* A ticket still in the engine; else one this connection already moved into the cache
     * (taken out of it: each ticket is used once, RFC 8446 §C.4). */
    tls_session *s = tls_engine_take_session(t->e);
    if (s != NULL || t->stored == 0) return s;
    tls_config *cfg = t->cfg;
    s = tlsio_session_cache_take(cfg, t->cache_key, cfg_now_ms(cfg));
    if (s != NULL) t->stored--;
    return s;
}

int tls_config_add_session(tls_config *cfg, const char *host, const char *port,
                           const tls_session *s) {
    if (cfg == NULL || host == NULL || port == NULL || s == NULL || cfg->session_cache_size == 0 ||
        strcasecmp(tls_session_server_name(s), host) != 0) {
        errno = EINVAL;
        return -1;
    }
    long p = port_number(port);
    char key[TLSIO_SESSION_KEY_MAX];
    if (p < 0 || tlsio_session_key(key, sizeof(key), host, (unsigned)p) != 0) {
        errno = EINVAL;
        return -1;
    }
    tls_session *copy = tls_session_dup(s);
    if (copy == NULL) {
        errno = ENOMEM;
        return -1;
    }
    return tlsio_session_cache_put(cfg, key, copy);
}
