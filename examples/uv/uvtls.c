/* uvtls: the glue between libuv's stream callbacks and tlsio's buffer engine (uvtls.h). */
#define _POSIX_C_SOURCE 200809L /* uv.h needs POSIX types (pthread_rwlock_t) */
#include "uvtls.h"

#include <stdio.h>
#include <string.h>

/* libuv asks where to put the next read: straight into the engine's receive buffer. A NULL
 * region (the engine holds decrypted data the app has not taken, or output over its high-water
 * mark) makes libuv report UV_ENOBUFS; pump_reading then stops reading until the engine wants
 * bytes again. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    uvtls *c = h->data;
    size_t n = 0;
    uint8_t *p = tls_engine_recv_buf(c->e, &n);
    *buf = uv_buf_init((char *)p, p != NULL ? (unsigned)n : 0);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
    (void)buf;
    uvtls *c = s->data;
    if (nread > 0) {
        (void)tls_engine_recv_ack(c->e, (size_t)nread); /* a failure shows in the status */
    } else if (nread == 0) {
        tls_engine_trim(c->e); /* nothing to read now: idle, so give the buffers back */
    } else if (nread == UV_EOF) {
        c->eof = 1;
        (void)tls_engine_recv_eof(c->e); /* truncation unless close_notify came first */
    } else if (nread != UV_ENOBUFS) {
        c->uv_error = (int)nread;
    }
    uvtls_pump(c);
}

/* The region libuv just finished sending is acknowledged only now: the engine keeps it valid
 * and unchanged until then (core.h, "How long each pointer stays valid"). */
static void on_written(uv_write_t *req, int status) {
    uvtls *c = req->data;
    size_t done = c->writing;
    c->writing = 0;
    if (status < 0) {
        if (c->uv_error == 0) c->uv_error = status;
    } else {
        (void)tls_engine_send_ack(c->e, done);
    }
    uvtls_pump(c);
}

static void on_closed(uv_handle_t *h) {
    uvtls *c = h->data;
    char why[256];
    int code = tls_engine_error_code(c->e);
    if (c->uv_error != 0) {
        code = c->uv_error;
        snprintf(why, sizeof(why), "transport: %s", uv_strerror(c->uv_error));
    } else {
        snprintf(why, sizeof(why), "%s", code != 0 ? tls_engine_error(c->e) : "closed");
    }
    tls_engine_free(c->e);
    c->e = NULL;
    if (c->on_done != NULL) c->on_done(c, code, why);
}

/* Hands decrypted data to the application, and the handshake's completion and the peer's
 * close_notify, each once. */
static void deliver(uvtls *c) {
    if (!c->ready && (tls_engine_status(c->e) & TLS_ST_CONNECTED)) {
        c->ready = 1;
        if (c->on_ready != NULL) c->on_ready(c);
    }
    const uint8_t *d;
    size_t n;
    while (!c->close_sent && (d = tls_engine_read_buf(c->e, &n)) != NULL) {
        size_t used = c->on_data != NULL ? c->on_data(c, d, n) : n;
        (void)tls_engine_read_ack(c->e, used);
        if (used < n) break; /* the application is full: leave the rest in the engine */
    }
    if (!c->peer_closed && (tls_engine_status(c->e) & TLS_ST_PEER_CLOSED) &&
        tls_engine_read_buf(c->e, &n) == NULL) {
        c->peer_closed = 1;
        if (c->on_peer_closed != NULL) {
            c->on_peer_closed(c);
        } else {
            uvtls_close(c);
        }
    }
}

/* Starts one write of what the engine has to send, if none is in flight. */
static void flush(uvtls *c) {
    if (c->writing != 0 || c->uv_error != 0) return;
    size_t n;
    const uint8_t *p = tls_engine_send_buf(c->e, &n);
    if (p == NULL || n == 0) return;
    /* libuv only reads from the buffer; its type is not const-qualified. */
    uv_buf_t b = uv_buf_init((char *)(uintptr_t)p, (unsigned)n);
    c->wr.data = c;
    int rc = uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc != 0) {
        c->uv_error = rc;
    } else {
        c->writing = n;
    }
}

/* Done once a transport error happened, or everything is sent and the connection is over:
 * closed both ways, failed (its alert flushed), or our close_notify is out. */
static int finished(const uvtls *c) {
    if (c->uv_error != 0) return 1;
    if (c->writing != 0 || tls_engine_send_pending(c->e) != 0) return 0;
    return c->close_sent || c->eof || (tls_engine_status(c->e) & (TLS_ST_CLOSED | TLS_ST_FAILED));
}

/* Reads only while the engine wants bytes: that is the backpressure towards the peer. */
static void pump_reading(uvtls *c) {
    int want = !c->eof && (tls_engine_status(c->e) & TLS_ST_WANT_RECV);
    if (want && !c->reading) {
        c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

void uvtls_pump(uvtls *c) {
    if (c->closing || c->pumping) return; /* a callback of deliver(): the outer pump goes on */
    c->pumping = 1;
    deliver(c);
    flush(c);
    if (finished(c)) {
        c->closing = 1;
        if (c->reading) uv_read_stop((uv_stream_t *)&c->tcp);
        uv_close((uv_handle_t *)&c->tcp, on_closed);
    } else {
        pump_reading(c);
    }
    c->pumping = 0;
}

void uvtls_start(uvtls *c, tls_engine *e) {
    c->e = e;
    c->tcp.data = c;
    uvtls_pump(c); /* a client's ClientHello goes out now; a server starts reading */
}

size_t uvtls_write(uvtls *c, const void *data, size_t n) {
    size_t taken = 0;
    while (taken < n && !c->closing) {
        size_t cap;
        uint8_t *p = tls_engine_write_buf(c->e, &cap);
        if (p == NULL) break;
        size_t k = n - taken < cap ? n - taken : cap;
        memcpy(p, (const uint8_t *)data + taken, k);
        if (tls_engine_write_ack(c->e, k) != 0) break;
        taken += k;
    }
    flush(c);
    return taken;
}

void uvtls_close(uvtls *c) {
    if (c->close_sent || c->closing) return;
    c->close_sent = 1;
    (void)tls_engine_close(c->e);
    uvtls_pump(c);
}
