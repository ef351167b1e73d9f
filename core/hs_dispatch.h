/*
 * Handshake state machines as data: the edge row is the whole contract.
 *
 * Each role and version has one table of edges. An edge says everything the dispatcher
 * (hs_dispatch.c) enforces around its handler, so no handler has to remember a convention:
 *
 *   from, msg_type, variant  when the edge applies. The dispatcher looks the message type up
 *                            before decoding anything: no edge for (state, type) is
 *                            unexpected_message, decided from the type alone (RFC 8446 §6.2);
 *   form                     the decoded shape the handler takes (tlsio_hs_form): the body is
 *                            decoded with that form's codec, and the handler receives exactly
 *                            that struct (its type is checked by the compiler through
 *                            TLSIO_EDGE, and the tag again at run time);
 *   transcript               when the message enters the transcript: before the handler,
 *                            after it succeeded, never, or HelloRetryRequest's restart
 *                            (RFC 8446 §4.4.1). The dispatcher hashes; handlers never do;
 *   effects                  what the edge may do to the record layer: require that the
 *                            message ended its record (the peer's flight is over), install a
 *                            new read or write key, send a flight. A key change or queued
 *                            output the row does not declare is an internal error; a declared
 *                            new read key makes the dispatcher check the record boundary
 *                            (RFC 8446 §5.1); a declared reply is flushed after the edge;
 *   take, reply              the handler, in two steps around the transcript: take checks
 *                            the message and picks the next state, reply (optional) sends;
 *   next                     the states take may move to (or, after a version switch, the
 *                            new table's entry states).
 *
 * The TLS 1.2 ChangeCipherSpec and the TLS 1.3 compatibility change_cipher_spec record are
 * listed under a pseudo message type, so the tables also say when one may arrive. Reaching
 * the table's connected state ends the handshake (tlsio_handshake_done). Tests walk every
 * (state, message) pair, and docs/state-machines.md is drawn from the same tables.
 */
#ifndef TLSIO_HS_DISPATCH_H
#define TLSIO_HS_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "engine_send.h"
#include "engine_state.h"
#include "reassembly.h"
#include "msgs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Variants of one HandshakeType that the tables tell apart. */
#define TLSIO_VAR_ANY 0
#define TLSIO_VAR_HRR 1 /* ServerHello carrying the HelloRetryRequest random */

/* A change_cipher_spec record is not a handshake message, but the tables say when one may
 * arrive: TLS 1.2's is a step of the handshake (RFC 5246 §7.1), TLS 1.3's a compatibility
 * record to drop inside a window (RFC 8446 §5, D.4). */
#define TLSIO_PSEUDO_CCS 0xfd

/*
 * Every decoded form a handler may take: X(member, C type, codec). The member names the
 * union member, the handler slot and the form (TLSIO_FORM_<member>).
 */
#define TLSIO_HS_FORMS(X)                                                                          \
    X(ch, tlsio_client_hello, tlsio_codec_client_hello)                                            \
    X(sh, tlsio_server_hello, tlsio_codec_server_hello)                                            \
    X(ee, tlsio_encrypted_extensions, tlsio_codec_encrypted_extensions)                            \
    X(cert13, tlsio_certificate13, tlsio_codec_certificate13)                                      \
    X(cert12, tlsio_certificate12, tlsio_codec_certificate12)                                      \
    X(cr13, tlsio_certificate_request13, tlsio_codec_certificate_request13)                        \
    X(cr12, tlsio_certificate_request12, tlsio_codec_certificate_request12)                        \
    X(cv, tlsio_certificate_verify, tlsio_codec_certificate_verify)                                \
    X(fin, tlsio_finished, tlsio_codec_finished)                                                   \
    X(nst13, tlsio_new_session_ticket13, tlsio_codec_new_session_ticket13)                         \
    X(nst12, tlsio_new_session_ticket12, tlsio_codec_new_session_ticket12)                         \
    X(ku, tlsio_key_update, tlsio_codec_key_update)                                                \
    X(ske, tlsio_server_key_exchange_ecdhe, tlsio_codec_server_key_exchange_ecdhe)                 \
    X(cke, tlsio_client_key_exchange_ecdhe, tlsio_codec_client_key_exchange_ecdhe)                 \
    X(shd, tlsio_empty_msg, tlsio_codec_server_hello_done)                                         \
    X(hr, tlsio_empty_msg, tlsio_codec_hello_request)

typedef enum tlsio_hs_form {
    TLSIO_FORM_none, /* no body: the change_cipher_spec pseudo message, a table's start */
#define TLSIO_X_(m, T, codec) TLSIO_FORM_##m,
    TLSIO_HS_FORMS(TLSIO_X_)
#undef TLSIO_X_
        TLSIO_FORM__COUNT
} tlsio_hs_form;

/* Every decoded message form, one member per form. */
typedef union tlsio_any_msg {
#define TLSIO_X_(m, T, codec) T m;
    TLSIO_HS_FORMS(TLSIO_X_)
#undef TLSIO_X_
} tlsio_any_msg;

/* A decoded message and the form it was decoded as. */
typedef struct tlsio_hs_decoded {
    tlsio_hs_form form;
    tlsio_any_msg u;
} tlsio_hs_decoded;

/* Checked accessors: the member for the form the message was decoded as, or NULL. */
#define TLSIO_X_(m, T, codec)                                                                      \
    static inline const T *tlsio_hs_as_##m(const tlsio_hs_decoded *d) {                            \
        return d->form == TLSIO_FORM_##m ? &d->u.m : NULL;                                         \
    }
TLSIO_HS_FORMS(TLSIO_X_)
#undef TLSIO_X_

/* The handler's first step, typed by the edge's form. It checks and takes the message and
 * picks *next (which starts as the current state). */
typedef union tlsio_hs_take {
    int (*none)(tls_engine *e, uint8_t *next);
#define TLSIO_X_(m, T, codec) int (*m)(tls_engine * e, const T *msg, uint8_t *next);
    TLSIO_HS_FORMS(TLSIO_X_)
#undef TLSIO_X_
} tlsio_hs_take;

/* When the dispatcher adds the message to the transcript. */
typedef enum tlsio_hs_transcript {
    TLSIO_T_NEVER,      /* not part of it (post-handshake messages, HelloRequest, CCS), or not
                           needed by anything that follows */
    TLSIO_T_BEFORE,     /* before take: the handler derives from a transcript that includes it */
    TLSIO_T_AFTER,      /* after take succeeded, before reply: take checks the message against the
                           transcript before it (Finished, CertificateVerify) */
    TLSIO_T_BEFORE_PSK, /* as BEFORE, keeping the transcript before the message and its raw
                           bytes in hs->h13 while take runs: a ClientHello's PSK binder covers
                           the transcript up to the binders (RFC 8446 §4.2.11.2) */
    TLSIO_T_HRR,        /* HelloRetryRequest, after take (which fixed the hash): the transcript
                           restarts with message_hash(ClientHello1), then the HRR (RFC 8446 §4.4.1) */
} tlsio_hs_transcript;

/* What an edge may do to the record layer. */
#define TLSIO_FX_ENDS_PEER_FLIGHT                                                                  \
    0x01                       /* the message must end its record: the peer waits for              \
                                  our answer (RFC 8446 §5.1, RFC 5246 §7.3) */
#define TLSIO_FX_READ_KEY 0x02 /* may install a new read key (then: record boundary) */
#define TLSIO_FX_WRITE_KEY                                                                         \
    0x04                    /* may install a new write key (what is queued goes out                \
                               under the old key first) */
#define TLSIO_FX_REPLY 0x08 /* may queue handshake messages, flushed after the edge */

typedef struct tlsio_hs_edge {
    uint8_t from;
    uint8_t msg_type;
    uint8_t variant;
    uint8_t form;       /* tlsio_hs_form */
    uint8_t transcript; /* tlsio_hs_transcript */
    uint8_t effects;    /* TLSIO_FX_* */
    tlsio_hs_take take;
    int (*reply)(tls_engine *e); /* NULL: nothing to send after the transcript step */
    uint32_t next;               /* bit per state take may move to */
} tlsio_hs_edge;

#define TLSIO_ST(s) (UINT32_C(1) << (s))

/* One edge row. `form` is a member of TLSIO_HS_FORMS (or none): a take function of another
 * form's type does not compile (-Wincompatible-pointer-types). */
#define TLSIO_EDGE(from_, type_, variant_, form_, transcript_, effects_, take_, reply_, next_)     \
    {                                                                                              \
        .from = (from_), .msg_type = (type_), .variant = (variant_), .form = TLSIO_FORM_##form_,   \
        .transcript = (transcript_), .effects = (effects_), .take.form_ = (take_),                 \
        .reply = (reply_), .next = (next_)                                                         \
    }

typedef struct tlsio_hs_table {
    const char *name;               /* "TLS 1.3 client" */
    const char *const *state_names; /* indexed by state */
    size_t n_states;
    const tlsio_hs_edge *edges;
    size_t n_edges;
    uint8_t initial;         /* the state a new engine of this role starts in */
    uint8_t connected_state; /* the state where application data flows: reaching it ends the
                                handshake */
    uint32_t entry; /* states a handler of another table may hand over to (version switch) */
    /* What a new engine of this role does first (send the ClientHello), as an edge from
     * `initial` with no message; NULL: wait for the peer. */
    const tlsio_hs_edge *start;
} tlsio_hs_table;

extern const tlsio_hs_table tlsio_hs13_client_table;
extern const tlsio_hs_table tlsio_hs13_server_table;
extern const tlsio_hs_table tlsio_hs12_client_table;
extern const tlsio_hs_table tlsio_hs12_server_table;

/* The edge for (state, type, variant), or NULL. */
const tlsio_hs_edge *tlsio_hs_find_edge(const tlsio_hs_table *t, uint8_t state, uint8_t type,
                                        uint8_t variant);

/* The codec of a form (NULL for none). */
const tlsio_codec *tlsio_hs_form_codec(tlsio_hs_form form);

/* Starts the engine on its role's table: initial state, then the table's start edge. */
int tlsio_hs_begin(tls_engine *e, const tlsio_hs_table *t) TLSIO_MUST_CHECK;

/* Checks one handshake message against the table, decodes it and runs its edge. */
int tlsio_dispatch(tls_engine *e, const tlsio_hs_msg *m) TLSIO_MUST_CHECK;
/* The reassembler's gate (reassembly.h), for a message whose header just arrived: the same
 * type-first decision as tlsio_dispatch (unexpected_message for a type no edge takes here),
 * then the type's size limit (decode_error). 0 to read the body, else the engine failed. */
int tlsio_dispatch_header(tls_engine *e, uint8_t type, size_t len) TLSIO_MUST_CHECK;
/* The largest ClientHello body tlsio reads: 2^16 for the extensions, 4 KiB for the rest. */
#define TLSIO_MAX_CLIENT_HELLO (65536 + 4096)

/* Runs the table's change_cipher_spec edge; no edge is unexpected_message. */
int tlsio_dispatch_ccs(tls_engine *e) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
