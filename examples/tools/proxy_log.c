/* The per-connection log line of tls-proxy. */
#define _POSIX_C_SOURCE 200809L
#include "proxy_log.h"

#include <inttypes.h>
#include <netdb.h>
#include <string.h>

void addr_text(const struct sockaddr *sa, socklen_t len, char *out, size_t out_len) {
    char host[INET6_ADDRSTRLEN + 1] = "?", serv[16] = "?";
    getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(out, out_len, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, serv);
}

static const char *or_dash(const char *s) {
    return s != NULL && s[0] != '\0' ? s : "-";
}

/* A quoted value: '"' and '\' in it become '\'' (a log reader can split on quotes). */
static void quoted(char *out, size_t out_len, const char *s) {
    size_t j = 0;
    out[j++] = '"';
    for (; s != NULL && *s != '\0' && j + 2 < out_len; s++)
        out[j++] = (*s == '"' || *s == '\\') ? '\'' : *s;
    out[j++] = '"';
    out[j] = '\0';
}

void conn_log_line(const proxy_conn *c, int64_t now, char *out, size_t out_len) {
    const tls *t = conn_tls(c);
    char client[64], id[300], why[300];
    addr_text((const struct sockaddr *)&c->peer, c->peer_len, client, sizeof client);
    quoted(id, sizeof id, or_dash(tls_conn_peer_subject(t)));
    quoted(why, sizeof why, c->end != NULL ? c->why : "both sides closed");
    snprintf(out, out_len,
             "conn client=%s sni=%s version=%s cipher=%s alpn=%s resumed=%s identity=%s"
             " up=%" PRIu64 " down=%" PRIu64 " ms=%" PRId64 " end=%s why=%s\n",
             client, or_dash(tls_conn_servername(t)), or_dash(tls_conn_version(t)),
             or_dash(tls_conn_cipher(t)), or_dash(tls_conn_alpn(t)),
             tls_conn_resumed(t) == 1 ? "yes" : "no", id, c->dir[0].bytes, c->dir[1].bytes,
             now - c->start_ms, c->end != NULL ? c->end : "clean", why);
}
