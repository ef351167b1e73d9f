/* tls-proxy's one line per connection, in the tools' common form (toollog.h). */
#ifndef TLSIO_PROXY_LOG_H
#define TLSIO_PROXY_LOG_H

#include <stddef.h>

#include "proxy_conn.h"

/* Formats c's line into line (size n), newline included, without writing it (the caller
 * frees c first, then toollog_write: a logged connection holds nothing). The toollog fields
 * describe the TLS side; in= counts the bytes from the client delivered to the backend, out=
 * those from the backend delivered to the client. Then the proxy's own:
 *   backend=HOST:PORT  the --backend or --connect target
 *   upstream=SUBJECT   originating: the upstream's verified certificate (client= is "-")
 *   cause=WORD         how it ended, for grep: - (ok), client-error, backend-error,
 *                      client-handshake, backend-handshake, backend-failed,
 *                      handshake-timeout, idle-timeout, shutdown, error
 * and end=, "ok" or the sentence saying why. */
void conn_log_line(const proxy_conn *c, char *line, size_t n);

#endif
