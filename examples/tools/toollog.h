/*
 * One log line per connection for the tools: key=value pairs on one line, easy to grep and
 * to split (a value with a space, a quote, a backslash or '=' is double-quoted, with '"' and
 * '\' escaped by a backslash; a missing value is "-"). The fields, in this order:
 *   time=2026-12-07T10:00:00.123Z  when the connection ended (UTC)
 *   peer=ADDR:PORT  sni=NAME  version=TLSv1.3  cipher=NAME  group=NAME  alpn=PROTO
 *   resumed=yes|no  client=SUBJECT (a verified client certificate, else -)
 *   in=N out=N  application bytes received and sent
 *   ms=N  from accept to the end
 *   end=ok  or the sentence saying why it failed
 * A tool may append fields of its own with toollog_kv.
 */
#ifndef TLSIO_TOOLLOG_H
#define TLSIO_TOOLLOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tlsio/tls.h>

/* What a tool counts about one connection, besides what the connection itself reports. */
typedef struct toollog_conn {
    char peer[64];    /* "ADDR:PORT" ("[ADDR]:PORT" for IPv6): toollog_set_peer */
    int64_t start_ms; /* toollog_now_ms() when accepted */
    uint64_t in, out; /* application bytes read and written */
    int clean;        /* it ended as TLS means it to: close_notify (ours or the peer's) */
    const char *why;  /* the tool's own reason to end it (a sentence that outlives the line), or
                       * NULL */
    int to_server;    /* the connection is ours to a server (a proxy originating TLS): its peer
                       * is no client, so client= is "-" and the caller names the peer itself */
} toollog_conn;

/* Milliseconds on the monotonic clock. */
int64_t toollog_now_ms(void);

/* Fills c->peer from a socket address (as accept or getpeername give it). */
void toollog_set_peer(toollog_conn *c, const struct sockaddr *sa, socklen_t len);

/* Starts c for a connection accepted now from sa. */
void toollog_start(toollog_conn *c, const struct sockaddr *sa, socklen_t len);

/* Appends " key=value" (value quoted if it needs it, "-" if NULL or empty) to the line in
 * buf[0..*off), keeping it NUL-terminated and truncating at n. */
void toollog_kv(char *buf, size_t n, size_t *off, const char *key, const char *value);

/* How the connection ended: c->why, else "ok" if clean, else tls_error_msg(t) (a failure's
 * sentence), else "the connection ended without close_notify". */
const char *toollog_end(const tls *t, const toollog_conn *c);

/* Writes event ("conn") and the fields above for t into buf (size n), without the end= field,
 * so a caller may add its own before toollog_finish. Returns the length so far. */
size_t toollog_begin(char *buf, size_t n, const char *event, const tls *t, const toollog_conn *c);

/* Adds end= and the newline: the line in buf is complete, not written yet. For a caller
 * that must free the connection before the line appears (a reader of the log may take a
 * logged connection for one that holds nothing: no socket, no memory). */
void toollog_end_line(char *buf, size_t n, size_t off, const tls *t, const toollog_conn *c);

/* Writes a line that toollog_end_line completed to stderr in one call, so the lines of
 * several threads never mix. */
void toollog_write(const char *line);

/* toollog_end_line then toollog_write. */
void toollog_finish(char *buf, size_t n, size_t off, const tls *t, const toollog_conn *c);

/* A line of another event ("reload", "stop"): event, time=, then the key/value pairs given as
 * a NULL-terminated list of key, value, key, value... */
void toollog_event(const char *event, ...);

/* toollog_begin then toollog_finish: the whole line for a connection that ends now. */
void toollog_conn_line(const tls *t, const toollog_conn *c);

#endif
