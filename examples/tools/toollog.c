/* The tools' one-line-per-connection log: see toollog.h. */
#define _POSIX_C_SOURCE 200809L
#include "toollog.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_LEN 2048

int64_t toollog_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void toollog_set_peer(toollog_conn *c, const struct sockaddr *sa, socklen_t len) {
    char host[INET6_ADDRSTRLEN + 8], serv[16];
    if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(c->peer, sizeof c->peer, "-");
        return;
    }
    const char *fmt = sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s";
    snprintf(c->peer, sizeof c->peer, fmt, host, serv);
}

void toollog_start(toollog_conn *c, const struct sockaddr *sa, socklen_t len) {
    memset(c, 0, sizeof *c);
    toollog_set_peer(c, sa, len);
    c->start_ms = toollog_now_ms();
}

static void put(char *buf, size_t n, size_t *off, char ch) {
    if (*off + 1 < n) buf[(*off)++] = ch;
    buf[*off < n ? *off : n - 1] = '\0';
}

static void puts_raw(char *buf, size_t n, size_t *off, const char *s) {
    while (*s)
        put(buf, n, off, *s++);
}

void toollog_kv(char *buf, size_t n, size_t *off, const char *key, const char *value) {
    if (value == NULL || value[0] == '\0') value = "-";
    int quote = strpbrk(value, " \t\"'\\=") != NULL;
    put(buf, n, off, ' ');
    puts_raw(buf, n, off, key);
    put(buf, n, off, '=');
    if (quote) put(buf, n, off, '"');
    for (const char *p = value; *p; p++) {
        /* Control characters (a subject can hold any) would break the line: shown as '?'. */
        char ch = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
        if (quote && (ch == '"' || ch == '\\')) put(buf, n, off, '\\');
        put(buf, n, off, ch);
    }
    if (quote) put(buf, n, off, '"');
}

const char *toollog_end(const tls *t, const toollog_conn *c) {
    if (c->why != NULL) return c->why;
    if (c->clean) return "ok";
    const char *msg = tls_error_msg(t);
    return msg != NULL && msg[0] != '\0' ? msg : "the connection ended without close_notify";
}

/* "time=" and the wall-clock time now, in UTC with milliseconds (RFC 3339). */
static void put_time(char *buf, size_t n, size_t *off) {
    struct timespec ts;
    struct tm tm;
    char stamp[40], full[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(full, sizeof full, "%s.%03dZ", stamp, (int)(ts.tv_nsec / 1000000) % 1000);
    toollog_kv(buf, n, off, "time", full);
}

static void put_u64(char *buf, size_t n, size_t *off, const char *key, uint64_t v) {
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    toollog_kv(buf, n, off, key, num);
}

size_t toollog_begin(char *buf, size_t n, const char *event, const tls *t, const toollog_conn *c) {
    size_t off = 0;
    buf[0] = '\0';
    puts_raw(buf, n, &off, event);
    put_time(buf, n, &off);
    toollog_kv(buf, n, &off, "peer", c->peer);
    toollog_kv(buf, n, &off, "sni", tls_conn_servername(t));
    toollog_kv(buf, n, &off, "version", tls_conn_version(t));
    toollog_kv(buf, n, &off, "cipher", tls_conn_cipher(t));
    toollog_kv(buf, n, &off, "group", tls_conn_group(t));
    toollog_kv(buf, n, &off, "alpn", tls_conn_alpn(t));
    /* Before the handshake ends nothing was resumed or verified: "-" rather than a guess. */
    int done = tls_conn_version(t) != NULL;
    toollog_kv(buf, n, &off, "resumed", !done ? NULL : tls_conn_resumed(t) ? "yes" : "no");
    toollog_kv(buf, n, &off, "client", c->to_server ? NULL : tls_conn_peer_subject(t));
    put_u64(buf, n, &off, "in", c->in);
    put_u64(buf, n, &off, "out", c->out);
    int64_t ms = toollog_now_ms() - c->start_ms;
    put_u64(buf, n, &off, "ms", ms > 0 ? (uint64_t)ms : 0);
    return off;
}

static void end_line(char *buf, size_t n, size_t off) {
    if (off + 1 >= n) off = n - 2; /* truncated: still one whole line */
    buf[off] = '\n';
    buf[off + 1] = '\0';
}

void toollog_write(const char *line) {
    fputs(line, stderr); /* stderr is unbuffered: one write; stdio's lock keeps it whole */
}

void toollog_end_line(char *buf, size_t n, size_t off, const tls *t, const toollog_conn *c) {
    toollog_kv(buf, n, &off, "end", toollog_end(t, c));
    end_line(buf, n, off);
}

void toollog_finish(char *buf, size_t n, size_t off, const tls *t, const toollog_conn *c) {
    toollog_end_line(buf, n, off, t, c);
    toollog_write(buf);
}

void toollog_conn_line(const tls *t, const toollog_conn *c) {
    char buf[LINE_MAX_LEN];
    size_t off = toollog_begin(buf, sizeof buf, "conn", t, c);
    toollog_finish(buf, sizeof buf, off, t, c);
}

void toollog_event(const char *event, ...) {
    char buf[LINE_MAX_LEN];
    size_t off = 0;
    buf[0] = '\0';
    puts_raw(buf, sizeof buf, &off, event);
    put_time(buf, sizeof buf, &off);
    va_list ap;
    va_start(ap, event);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;)
        toollog_kv(buf, sizeof buf, &off, k, va_arg(ap, const char *));
    va_end(ap);
    end_line(buf, sizeof buf, off);
    toollog_write(buf);
}
