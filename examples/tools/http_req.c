/* tls-server's HTTP/1.x request reading (see http_req.h). */
#include "http_req.h"

#include <string.h>

/* RFC 9110 §5.6.2: tchar, the characters of a token (methods, field names). */
static int is_tchar(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 if [p, p+n) is `word` ignoring ASCII case. */
static int same_word(const char *p, size_t n, const char *word) {
    if (strlen(word) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != word[i]) return 0;
    return 1;
}

size_t http_leading_empty_lines(const char *buf, size_t len) {
    size_t i = 0;
    for (;;) {
        if (i < len && buf[i] == '\n')
            i++;
        else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
            i += 2;
        else
            return i;
    }
}

size_t http_header_end(const char *buf, size_t len, size_t *scanned) {
    size_t i = *scanned;
    for (; i < len; i++) {
        if (buf[i] != '\n') continue;
        /* A line ended at i; the block ends if the next line is empty: "\n" or "\r\n". */
        if (i + 1 < len && buf[i + 1] == '\n') return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') return i + 3;
        if (i + 1 == len || (i + 2 == len && buf[i + 1] == '\r')) break; /* cannot tell yet */
    }
    *scanned = i; /* this line end is looked at again when more bytes come */
    return 0;
}

static void fail(http_req *req, int status, const char *why) {
    req->status = status;
    req->why = why;
    req->close = 1; /* after an error the rest of the input cannot be trusted to frame */
}

/* The request line, RFC 9112 §3: method SP request-target SP HTTP-version. */
static void request_line(const char *p, size_t n, http_req *req, int *http10) {
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    size_t method_len = i;
    if (method_len == 0 || i == n || p[i] != ' ') {
        fail(req, 400, "malformed request line (RFC 9112 §3: method SP target SP version)");
        return;
    }
    size_t target = ++i;
    while (i < n && (unsigned char)p[i] > 0x20 && p[i] != 0x7f)
        i++;
    if (i == target || i == n || p[i] != ' ') {
        fail(req, 400, "malformed request line (RFC 9112 §3: method SP target SP version)");
        return;
    }
    const char *v = p + i + 1;
    size_t vn = n - i - 1;
    /* RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive. */
    if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9') {
        fail(req, 400, "malformed HTTP version in the request line (RFC 9112 §2.3)");
        return;
    }
    if (v[5] != '1') {
        fail(req, 505, "only HTTP/1.x is served here");
        return;
    }
    *http10 = v[7] == '0';
    req->head = method_len == 4 && memcmp(p, "HEAD", 4) == 0;
}

/* Connection: a comma-separated list of options (RFC 9110 §7.6.1), case-insensitive. */
static void connection_options(const char *p, size_t n, int *close, int *keep_alive) {
    size_t i = 0;
    while (i < n) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
            i++;
        size_t start = i;
        while (i < n && p[i] != ',' && p[i] != ' ' && p[i] != '\t')
            i++;
        if (same_word(p + start, i - start, "close")) *close = 1;
        if (same_word(p + start, i - start, "keep-alive")) *keep_alive = 1;
    }
}

void http_parse(const char *buf, size_t len, http_req *req) {
    memset(req, 0, sizeof(*req));
    req->status = 200;
    int http10 = 0, hosts = 0, conn_close = 0, keep_alive = 0, chunked = 0, have_length = 0;
    uint64_t length = 0;
    size_t pos = 0;
    for (int first = 1; pos < len; first = 0) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        if (nl == NULL) break; /* cannot happen: the block ends with an empty line */
        const char *p = buf + pos;
        size_t n = (size_t)(nl - p);
        pos += n + 1;
        if (n > 0 && p[n - 1] == '\r') n--; /* CRLF or a bare LF (RFC 9112 §2.2) */
        /* RFC 9112 §2.2: a bare CR is invalid; RFC 9110 §5.5: so is NUL in a field. */
        if (memchr(p, '\r', n) != NULL || memchr(p, '\0', n) != NULL) {
            fail(req, 400, "a bare CR or a NUL byte in the request (RFC 9112 §2.2)");
            return;
        }
        if (first) {
            request_line(p, n, req, &http10);
            if (req->status != 200) return;
            continue;
        }
        if (n == 0) break; /* the empty line: the end of the block */
        if (p[0] == ' ' || p[0] == '\t') {
            fail(req, 400, "obsolete line folding in a header field (RFC 9112 §5.2)");
            return;
        }
        size_t k = 0;
        while (k < n && is_tchar((unsigned char)p[k]))
            k++;
        /* RFC 9112 §5.1: no whitespace between the field name and the colon (a 400). */
        if (k == 0 || k == n || p[k] != ':') {
            fail(req, 400, "malformed header field line (RFC 9112 §5.1: name, colon, value)");
            return;
        }
        const char *v = p + k + 1, *vend = p + n;
        while (v < vend && (*v == ' ' || *v == '\t'))
            v++;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        size_t vn = (size_t)(vend - v);
        if (same_word(p, k, "host")) {
            hosts++;
        } else if (same_word(p, k, "connection")) {
            connection_options(v, vn, &conn_close, &keep_alive);
        } else if (same_word(p, k, "transfer-encoding")) {
            chunked = 1;
        } else if (same_word(p, k, "content-length")) {
            /* RFC 9110 §8.6: 1*DIGIT. RFC 9112 §6.3: an invalid or conflicting one is an
             * unrecoverable framing error. */
            uint64_t x = 0;
            size_t d = 0;
            for (; d < vn && v[d] >= '0' && v[d] <= '9' && x <= UINT64_MAX / 10 - 1; d++)
                x = x * 10 + (uint64_t)(v[d] - '0');
            if (vn == 0 || d != vn || (have_length && x != length)) {
                fail(req, 400, "invalid or conflicting Content-Length (RFC 9112 §6.3)");
                return;
            }
            have_length = 1;
            length = x;
        }
    }
    /* RFC 9112 §3.2: a 400 for an HTTP/1.1 request without a Host field, and for any
     * request with more than one. */
    if (hosts > 1 || (hosts == 0 && !http10)) {
        fail(req, 400, "a request needs one Host header field (RFC 9112 §3.2)");
        return;
    }
    /* RFC 9112 §6.1: a transfer coding the server does not understand is a 501. This server
     * reads no chunked bodies. */
    if (chunked) {
        fail(req, 501, "Transfer-Encoding (chunked bodies) is not implemented here");
        return;
    }
    req->body_len = length;
    /* RFC 9112 §9.3: HTTP/1.0 closes unless it asked to keep alive; §9.6: "close". */
    req->close = conn_close || (http10 && !keep_alive);
}
