/*
 * Handshake state machines as data.
 *
 * Each role and version has one table of edges {from state, message type (and variant), the
 * handler, the states it may move to}. The dispatcher first decodes the message with the
 * codec ("are these bytes a valid message?"), then looks up the edge for (state, message)
 * ("is this message valid now?"): no edge means unexpected_message. A handler may only move
 * to one of its edge's listed next states. Because the tables are data, tests walk every
 * (state, message) pair and docs/ can draw the machines from them.
 */
#ifndef TLSIO_HS_DISPATCH_H
#define TLSIO_HS_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "hs_reassembly.h"
#include "msgs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Variants of one HandshakeType that the tables tell apart. */
#define TLSIO_VAR_ANY 0
#define TLSIO_VAR_HRR 1 /* ServerHello carrying the HelloRetryRequest random */

/* TLS 1.2's ChangeCipherSpec is a record, not a handshake message, but it is a step of the
 * handshake (RFC 5246 §7.1), so the tables list it under this pseudo message type. */
#define TLSIO_PSEUDO_CCS 0xfd

/* Edge flags. */
#define TLSIO_EDGE_HASH 0x01 /* the dispatcher adds the message to the transcript first */

/* Every decoded message form a handler may receive. */
typedef union tlsio_any_msg {
    tlsio_client_hello ch;
    tlsio_server_hello sh;
    tlsio_encrypted_extensions ee;
    tlsio_certificate13 cert13;
    tlsio_certificate12 cert12;
    tlsio_certificate_request13 cr13;
    tlsio_certificate_request12 cr12;
    tlsio_certificate_verify cv;
    tlsio_finished fin;
    tlsio_new_session_ticket13 nst13;
    tlsio_new_session_ticket12 nst12;
    tlsio_key_update ku;
    tlsio_server_key_exchange_ecdhe ske;
    tlsio_client_key_exchange_ecdhe cke;
    tlsio_empty_msg empty;
} tlsio_any_msg;

/* A handler: acts on a decoded message and picks the next state. */
typedef int (*tlsio_hs_handler)(tls_engine *e, const tlsio_any_msg *m, const tlsio_hs_msg *raw,
                                uint8_t *next);

typedef struct tlsio_hs_edge {
    uint8_t from;
    uint8_t msg_type;
    uint8_t variant;
    uint8_t flags;
    tlsio_hs_handler handle;
    uint32_t next; /* bit per state the handler may move to */
} tlsio_hs_edge;

#define TLSIO_ST(s) (UINT32_C(1) << (s))

typedef struct tlsio_hs_table {
    const char *name;               /* "TLS 1.3 client" */
    uint16_t version;               /* which message forms to decode */
    const char *const *state_names; /* indexed by state */
    size_t n_states;
    const tlsio_hs_edge *edges;
    size_t n_edges;
    uint8_t connected_state; /* the state where application data flows */
    uint32_t entry; /* states a handler of another table may hand over to (version switch) */
} tlsio_hs_table;

extern const tlsio_hs_table tlsio_hs13_client_table;
extern const tlsio_hs_table tlsio_hs13_server_table;
extern const tlsio_hs_table tlsio_hs12_client_table;
extern const tlsio_hs_table tlsio_hs12_server_table;

/* The edge for (state, type, variant), or NULL. */
const tlsio_hs_edge *tlsio_hs_find_edge(const tlsio_hs_table *t, uint8_t state, uint8_t type,
                                        uint8_t variant);

/* Decodes, checks against the table and runs one handshake message. */
int tlsio_dispatch(tls_engine *e, const tlsio_hs_msg *m) TLSIO_MUST_CHECK;

/* Runs the table's ChangeCipherSpec step (TLS 1.2); no edge is unexpected_message. */
int tlsio_dispatch_ccs(tls_engine *e) TLSIO_MUST_CHECK;

/* First actions of each role (send ClientHello / nothing). */
int tlsio13_client_start(tls_engine *e) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
