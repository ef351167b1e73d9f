/*
 * uvtls: one TLS connection over a libuv TCP handle, driven by tlsio's buffer engine
 * (<tlsio/core.h>). tlsio makes no socket call here: libuv reads into the engine's receive
 * buffer and writes straight from its send buffer; the engine only turns bytes into bytes.
 * See docs/guide-event-loop.md for the walk-through.
 *
 * One uvtls per connection. The program fills the callbacks, then calls uvtls_start once the
 * TCP handle is connected (client) or accepted (server). Everything runs on the loop's thread.
 */
#ifndef TLSIO_EXAMPLES_UVTLS_H
#define TLSIO_EXAMPLES_UVTLS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <tlsio/core.h>

typedef struct uvtls uvtls;

/* Decrypted application data: returns how many bytes it took (fewer than n pauses reading
 * from the network until the connection is pumped again, e.g. after the app's own writes). */
typedef size_t (*uvtls_data_fn)(uvtls *c, const uint8_t *data, size_t n);
/* The handshake completed (called once). */
typedef void (*uvtls_ready_fn)(uvtls *c);
/* The peer sent close_notify: no more data will come. */
typedef void (*uvtls_peer_closed_fn)(uvtls *c);
/* The handle is closed and the engine freed: error is 0 after a clean close, else the
 * engine's code (or a libuv error as a negative number) and why the one sentence. The
 * callback may free the uvtls. */
typedef void (*uvtls_done_fn)(uvtls *c, int error, const char *why);

struct uvtls {
    uv_tcp_t tcp;    /* the transport; tcp.data points back at this struct */
    tls_engine *e;   /* owned: freed when the handle closes */
    uv_write_t wr;   /* the one write in flight (the engine hands out one send region) */
    size_t writing;  /* bytes of that region libuv is sending; 0: none */
    int reading;     /* uv_read_start is active */
    int ready;       /* on_ready was called */
    int close_sent;  /* uvtls_close queued our close_notify */
    int peer_closed; /* the peer's close_notify was reported */
    int eof;         /* the transport reached EOF */
    int pumping;     /* inside uvtls_pump: callbacks that call it again return at once */
    int closing;     /* uv_close was called */
    int uv_error;    /* a transport error (negative libuv code), 0 if none */
    uvtls_data_fn on_data;
    uvtls_ready_fn on_ready;
    uvtls_peer_closed_fn on_peer_closed;
    uvtls_done_fn on_done;
    void *app; /* for the program */
};

/* Takes ownership of e (a client or server engine) and starts moving bytes over c->tcp,
 * which must be initialised on a loop and connected. */
void uvtls_start(uvtls *c, tls_engine *e);
/* Seals up to n bytes of application data; returns how many were taken (0 before the
 * handshake completes, after close, or while more than the engine's high-water mark waits to
 * be sent: the data callback's next call is the moment to try again). */
size_t uvtls_write(uvtls *c, const void *data, size_t n);
/* Sends close_notify; the handle closes once it is flushed (and on_done follows). */
void uvtls_close(uvtls *c);
/* Moves everything the engine and libuv allow right now; the callbacks above call it. */
void uvtls_pump(uvtls *c);

#endif
