/*
 * tls-server's HTTP/1.x request reading (--mode http): where a request's header block ends,
 * and what the block asks for. Bytes only; the server does the buffering and the answers.
 */
#ifndef TLSIO_HTTP_REQ_H
#define TLSIO_HTTP_REQ_H

#include <stddef.h>
#include <stdint.h>

/* The largest header block tls-server reads (request line, header fields and the empty line
 * that ends them, line endings included): beyond it the answer is 431 and the connection
 * closes. Bodies (Content-Length) are not held, so they may be of any size. */
#define HTTP_HEADER_MAX      65536
#define HTTP_HEADER_MAX_TEXT "65536" /* the same, for sentences */

/* What a header block asks for. */
typedef struct http_req {
    int status;        /* 200, or the error to answer: 400, 501 or 505 */
    const char *why;   /* status != 200: what was wrong (a constant sentence) */
    int close;         /* close the connection after the answer (RFC 9112 §9.3, §9.6) */
    int head;          /* a HEAD request: the answer has no body (RFC 9110 §9.3.2) */
    uint64_t body_len; /* Content-Length: body bytes that follow the block, to skip */
} http_req;

/* Bytes at the start of buf[0, len) that are empty lines ("\r\n" or "\n"), which come before a
 * request line and are ignored (RFC 9112 §2.2). */
size_t http_leading_empty_lines(const char *buf, size_t len);

/* The length of the header block at the start of buf[0, len): up to and including the empty
 * line that ends it, or 0 if it has not ended yet. A line ends in "\r\n" or in a bare "\n"
 * (RFC 9112 §2.2). *scanned is where to resume the search on the next call (0 at first; the
 * caller resets it once a block has been taken out), so feeding a block in many small pieces
 * does not search it again and again. */
size_t http_header_end(const char *buf, size_t len, size_t *scanned);

/* Reads the header block buf[0, len) (as http_header_end measured it) into *req. */
void http_parse(const char *buf, size_t len, http_req *req);

#endif
