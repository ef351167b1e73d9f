/* tls-proxy's one line per connection, written when it ends. */
#ifndef TLSIO_PROXY_LOG_H
#define TLSIO_PROXY_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "proxy_conn.h"

/* "127.0.0.1:4433", "[::1]:4433" (numeric). */
void addr_text(const struct sockaddr *sa, socklen_t len, char *out, size_t out_len);

/* Formats, newline included (a line longer than out_len is cut):
 *   conn client=ADDR sni=NAME version=V cipher=C alpn=P resumed=yes|no identity="SUBJECT"
 *        up=BYTES down=BYTES ms=DURATION end=WORD why="SENTENCE"
 * up: client to backend, down: backend to client; "-" for what is absent; identity is the
 * verified client certificate's subject (terminate) or the backend's (originate). */
void conn_log_line(const proxy_conn *c, int64_t now, char *out, size_t out_len);

#endif
