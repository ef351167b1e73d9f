/* The table-driven handshake dispatcher: decode, look up the edge, run the handler. */
#include "hs_dispatch.h"

#include <string.h>

const tlsio_hs_edge *tlsio_hs_find_edge(const tlsio_hs_table *t, uint8_t state, uint8_t type,
                                        uint8_t variant) {
    for (size_t i = 0; i < t->n_edges; i++) {
        const tlsio_hs_edge *ed = &t->edges[i];
        if (ed->from == state && ed->msg_type == type && ed->variant == variant) return ed;
    }
    return NULL;
}

static const char *state_name(const tlsio_hs_table *t, uint8_t s) {
    return s < t->n_states ? t->state_names[s] : "?";
}

static const char *msg_name(uint8_t type, uint8_t variant) {
    if (variant == TLSIO_VAR_HRR) return "HelloRetryRequest";
    const tlsio_msg_info *info = tlsio_msg_lookup(type);
    return info != NULL ? info->name : "unknown handshake message";
}

/* Decoding takes the negotiated version's message forms; before a version is known the
 * first messages (hellos) have the same layout in both, so the table's version is used. */
static uint16_t decode_version(const tls_engine *e) {
    return e->version != 0 ? e->version : e->table->version;
}

/* Runs an edge's handler and checks where it went: one of the edge's next states, or, when
 * the handler handed the connection to another version's table, one of that table's entry
 * states. */
static int run_edge(tls_engine *e, const tlsio_hs_edge *ed, const tlsio_any_msg *u,
                    const tlsio_hs_msg *m) {
    const tlsio_hs_table *before = e->table;
    uint8_t next = e->state;
    int rc = ed->handle(e, u, m, &next);
    if (rc != 0) return tlsio_engine_failed(e, rc);
    uint32_t allowed = e->table == before ? ed->next : e->table->entry;
    if ((allowed & TLSIO_ST(next)) == 0)
        return tlsio_engine_fail(e, TLS_E_INTERNAL, "%s: handler moved from %s to unlisted %s",
                                 before->name, state_name(before, e->state),
                                 state_name(e->table, next));
    e->state = next;
    return 0;
}

int tlsio_dispatch(tls_engine *e, const tlsio_hs_msg *m) {
    tlsio_any_msg u;
    memset(&u, 0, sizeof(u));

    /* Question 1: are these bytes a valid message? */
    const tlsio_codec *codec = tlsio_msg_codec(m->type, decode_version(e), &e->err);
    if (codec == NULL) return tlsio_engine_failed(e, e->err.code);
    CBS body;
    CBS_init(&body, m->body, m->len);
    int rc = tlsio_decode(codec, &body, &u, &e->err);
    if (rc != 0) return tlsio_engine_failed(e, rc);

    /* Question 2: is it valid in this state? */
    uint8_t variant = TLSIO_VAR_ANY;
    if (m->type == TLSIO_HS_SERVER_HELLO && tlsio_server_hello_is_hrr(&u.sh))
        variant = TLSIO_VAR_HRR;
    const tlsio_hs_edge *ed = tlsio_hs_find_edge(e->table, e->state, m->type, variant);
    if (ed == NULL)
        return tlsio_engine_fail(e, TLS_ALERT_UNEXPECTED_MESSAGE, "%s: unexpected %s in state %s",
                                 e->table->name, msg_name(m->type, variant),
                                 state_name(e->table, e->state));

    if (ed->flags & TLSIO_EDGE_HASH) {
        rc = tlsio_hs_hash(e, m->raw, m->raw_len);
        if (rc != 0) return tlsio_engine_failed(e, rc);
    }
    return run_edge(e, ed, &u, m);
}

int tlsio_dispatch_ccs(tls_engine *e) {
    const tlsio_hs_edge *ed = tlsio_hs_find_edge(e->table, e->state, TLSIO_PSEUDO_CCS, 0);
    if (ed == NULL)
        return tlsio_engine_fail(e, TLS_ALERT_UNEXPECTED_MESSAGE,
                                 "%s: unexpected ChangeCipherSpec in state %s", e->table->name,
                                 state_name(e->table, e->state));
    tlsio_any_msg none;
    memset(&none, 0, sizeof(none));
    return run_edge(e, ed, &none, NULL);
}
