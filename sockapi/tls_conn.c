/* The socket facade's connection object: construction, release, and what was negotiated. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    if (tlsio_config_freeze(cfg, tlsio_config_load_system_store) != 0) {
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
    tls_engine_new_error reason = {0, ""};
    t->e = server ? tls_engine_new_server(cfg) : tls_engine_new_client_ex(cfg, servername, &reason);
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

void tls_free(tls *t) {
    if (t == NULL) return;
    tls_engine_free(t->e);
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
    if (label == NULL || out == NULL)
        return tlsio_sock_misuse(t, "tls_export_keying_material: a label and an output buffer "
                                    "are required");
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
 * refused call was refused; else the engine's state (nothing yet: 0, ""). */
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
