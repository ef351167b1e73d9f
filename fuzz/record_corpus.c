/*
 * Records the seed corpora of the fuzz targets from real in-memory handshakes of every
 * scenario (fuzz_support.h: both versions, HelloRetryRequest, client authentication,
 * resumption, Ed25519 and ECDSA servers), each followed by application data both ways, a
 * KeyUpdate (TLS 1.3) or a renegotiation attempt (TLS 1.2) and close_notify.
 *
 *   fuzz_record_corpus <dir>      writes <dir>/<target>/<hash> for every target
 *
 * A seed's file name is a hash of its bytes, so recording again changes nothing. The targets
 * and this program share the scenarios, RNG and PKI, so a seed means to a target exactly the
 * handshake it was recorded from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exts.h"
#include "fuzz_support.h"
#include "msgs.h"
#include "session.h"
#include "ticket.h"

static const char *out_dir;
static size_t n_written;

static void mkdir_p(const char *path) {
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
}

/* Writes one seed of a target: <dir>/<target>/<FNV-1a of the bytes>. */
static void seed(const char *target, const uint8_t *p, size_t n) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * UINT64_C(0x100000001b3);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, target);
    mkdir_p(path);
    snprintf(path, sizeof path, "%s/%s/%016llx", out_dir, target, (unsigned long long)h);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    n_written++;
}

/* A seed that starts with its scenario (and optionally a second selector byte). */
static void seed_sc(const char *target, int sc, int piece, const fuzz_buf *body) {
    fuzz_buf b = {0};
    fuzz_buf_u8(&b, (uint8_t)sc);
    if (piece >= 0) fuzz_buf_u8(&b, (uint8_t)piece);
    fuzz_buf_add(&b, body->p, body->len);
    seed(target, b.p, b.len);
    fuzz_buf_free(&b);
}

/* ---- a whole conversation, both byte streams kept -------------------------------------- */

typedef struct conv {
    tls_engine *c, *s;
    fuzz_buf c2s, s2c; /* everything each side sent */
} conv;

/* Moves bytes both ways until nothing moves, keeping a copy of each stream. */
static void pump(conv *v) {
    fuzz_buf to_s = {0}, to_c = {0}, reply = {0};
    fuzz_drain(v->c, &to_s);
    fuzz_drain(v->s, &to_c);
    for (int i = 0; i < 64 && (to_s.len > 0 || to_c.len > 0); i++) {
        fuzz_buf_add(&v->c2s, to_s.p, to_s.len);
        fuzz_feed(v->s, to_s.p, to_s.len, 0, &reply);
        to_s.len = 0;
        fuzz_buf_add(&to_c, reply.p, reply.len);
        reply.len = 0;
        fuzz_buf_add(&v->s2c, to_c.p, to_c.len);
        fuzz_feed(v->c, to_c.p, to_c.len, 0, &reply);
        to_c.len = 0;
        fuzz_buf_add(&to_s, reply.p, reply.len);
        reply.len = 0;
    }
    fuzz_buf_free(&to_s);
    fuzz_buf_free(&to_c);
    fuzz_buf_free(&reply);
}

static void write_str(tls_engine *e, const char *s) {
    size_t room = 0, n = strlen(s);
    uint8_t *w = tls_engine_write_buf(e, &room);
    if (w == NULL || room < n) return;
    memcpy(w, s, n);
    (void)tls_engine_write_ack(e, n);
}

static const char request[] = "GET / HTTP/1.0\r\nHost: example.com\r\n\r\n";
static const char response[] = "HTTP/1.0 200 OK\r\n\r\nhello";

static void check_connected(int sc, tls_engine *e, const char *who) {
    if (!(tls_engine_status(e) & TLS_ST_CONNECTED)) {
        fprintf(stderr, "%s: %s did not connect: %s\n", fuzz_scenario_name(sc), who,
                tls_engine_error(e));
        exit(1);
    }
}

/* ---- codec seeds ------------------------------------------------------------------------ */

static void codec_seed(int idx, const uint8_t *p, size_t n) {
    if (idx < 0) return;
    fuzz_buf b = {0};
    fuzz_buf_u8(&b, (uint8_t)idx);
    fuzz_buf_add(&b, p, n);
    seed("fuzz_codec_roundtrip", b.p, b.len);
    fuzz_buf_free(&b);
}

/* A handshake message's body, its list elements, and the body of each extension it has. */
static void codec_seeds_of(const uint8_t *msg, size_t len, uint16_t version) {
    if (len < 4) return;
    tlsio_err err;
    tlsio_err_clear(&err);
    const tlsio_codec *c = tlsio_msg_codec(msg[0], version, &err);
    if (c == NULL) return;
    codec_seed(fuzz_codec_index(c, NULL), msg + 4, len - 4);
    static _Alignas(16) uint8_t st[4096];
    CBS in;
    CBS_init(&in, msg + 4, len - 4);
    if (c->size > sizeof st || tlsio_decode(c, &in, st, &err) != 0) return;
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field *f = &c->fields[i];
        if (f->kind >= TLSIO_F_LIST8 && f->kind <= TLSIO_F_LIST24) {
            CBS list = *(const CBS *)(st + f->offset);
            static _Alignas(16) uint8_t el[4096];
            while (CBS_len(&list) > 0) {
                const uint8_t *start = CBS_data(&list);
                size_t before = CBS_len(&list);
                if (tlsio_list_next(f->sub, &list, el, &err) != 0) break;
                codec_seed(fuzz_codec_index(f->sub, NULL), start, before - CBS_len(&list));
            }
        }
        if (f->kind != TLSIO_F_EXTS && f->kind != TLSIO_F_EXTS_OPT) continue;
        const tlsio_exts *x = (const tlsio_exts *)(st + f->offset);
        for (size_t r = 0; r < tlsio_ext_table_len; r++) {
            const tlsio_ext_row *row = &tlsio_ext_table[r];
            if (row->ctx != x->ctx || !tlsio_exts_has(x, (tlsio_ext_id)row->id)) continue;
            CBB body;
            if (!CBB_init(&body, 64)) exit(1);
            if (tlsio_encode(row->body, (const uint8_t *)x + row->offset, &body, &err) == 0)
                codec_seed(fuzz_codec_index(NULL, row), CBB_data(&body), CBB_len(&body));
            CBB_cleanup(&body);
        }
    }
}

/* A ClientHello message with n unknown extensions (types from `first` on, one repeated when
 * dup) put in front of its own: more than tlsio_exts keeps (TLSIO_EXTS_MAX_UNKNOWN), which a
 * mutation rarely builds from a real hello. 0, or -1 if msg is not a ClientHello. */
static int many_unknown(const uint8_t *msg, size_t len, int n, uint16_t first, int dup,
                        fuzz_buf *out) {
    CBS body, sid, suites, comp, exts;
    uint16_t version;
    if (len < 4 || msg[0] != TLSIO_HS_CLIENT_HELLO) return -1;
    CBS_init(&body, msg + 4, len - 4);
    if (!CBS_get_u16(&body, &version) || !CBS_skip(&body, 32) ||
        !CBS_get_u8_length_prefixed(&body, &sid) || !CBS_get_u16_length_prefixed(&body, &suites) ||
        !CBS_get_u8_length_prefixed(&body, &comp))
        return -1;
    size_t prefix = len - 4 - CBS_len(&body);
    if (!CBS_get_u16_length_prefixed(&body, &exts)) return -1;
    fuzz_buf block = {0};
    for (int i = 0; i < n; i++) {
        fuzz_buf_u16(&block, (uint16_t)(dup && i == n - 1 ? first : first + i));
        fuzz_buf_u16(&block, 1);
        fuzz_buf_u8(&block, (uint8_t)i);
    }
    fuzz_buf_add(&block, CBS_data(&exts), CBS_len(&exts));
    fuzz_buf_u8(out, TLSIO_HS_CLIENT_HELLO);
    fuzz_buf_u24(out, (uint32_t)(prefix + 2 + block.len));
    fuzz_buf_add(out, msg + 4, prefix);
    fuzz_buf_u16(out, (uint16_t)block.len);
    fuzz_buf_add(out, block.p, block.len);
    fuzz_buf_free(&block);
    return 0;
}

/* ---- per scenario ------------------------------------------------------------------------ */

/* The real conversation: seeds of the raw-stream targets, the codec, and the structured
 * client target (the server's messages after its ServerHello, as elements). */
static void record_conversation(int sc) {
    conv v = {0};
    fuzz_reset();
    v.c = fuzz_client_new(sc);
    v.s = fuzz_server_new(sc);
    pump(&v);
    check_connected(sc, v.c, "client");
    check_connected(sc, v.s, "server");
    int tls13 = fuzz_scenario_version(sc) == TLS_VERSION_1_3;

    write_str(v.c, request);
    pump(&v);
    fuzz_read_app(v.s);
    write_str(v.s, response);
    if (tls13) (void)tls_engine_key_update(v.s, 1);
    write_str(v.s, "after the KeyUpdate");
    pump(&v);
    fuzz_read_app(v.c);
    (void)tls_engine_close(v.c);
    pump(&v);
    (void)tls_engine_close(v.s);
    pump(&v);

    /* As it came, and in small pieces to a slow harness (0x10: output and data taken only
     * when the engine refuses input). */
    for (int piece = 0; piece < 2; piece++) {
        seed_sc("fuzz_server_first_flight", sc | (piece ? 0x10 : 0), piece ? 7 : 0, &v.c2s);
        seed_sc("fuzz_client_flights", sc | (piece ? 0x10 : 0), piece ? 200 : 0, &v.s2c);
    }

    /* The client's first ClientHello with 20 unknown extensions (and with one of them twice),
     * for the server and the codec. */
    const fuzz_capture *cap = fuzz_capture_get();
    const fuzz_msg *ch = NULL;
    for (size_t i = 0; i < cap->n_msgs && ch == NULL; i++)
        if (cap->msgs[i].e == v.c && cap->msgs[i].sent && cap->msgs[i].content_type == 22)
            ch = &cap->msgs[i];
    for (int dup = 0; ch != NULL && dup < 2; dup++) {
        fuzz_buf msg = {0}, rec = {0};
        if (many_unknown(fuzz_msg_bytes(ch), ch->len, 20, (uint16_t)(0x0a0a + 0x1000 * sc), dup,
                         &msg) == 0) {
            fuzz_seal(NULL, TLSIO_CT_HANDSHAKE, msg.p, msg.len, 0, &rec);
            seed_sc("fuzz_server_first_flight", sc, 0, &rec);
            codec_seeds_of(msg.p, msg.len, fuzz_scenario_version(sc));
        }
        fuzz_buf_free(&msg);
        fuzz_buf_free(&rec);
    }

    /* Every handshake message either side sent, for the codec. */
    for (size_t i = 0; i < cap->n_msgs; i++) {
        const fuzz_msg *m = &cap->msgs[i];
        if (m->content_type == 22 && m->sent)
            codec_seeds_of(fuzz_msg_bytes(m), m->len, fuzz_scenario_version(sc));
    }

    /* The server's part after its (last) ServerHello, for the structured client target. */
    size_t from = 0;
    for (size_t i = 0; i < cap->n_msgs; i++) {
        const fuzz_msg *m = &cap->msgs[i];
        if (m->e == v.s && m->sent && m->content_type == 22 && fuzz_msg_bytes(m)[0] == 2)
            from = i + 1;
    }
    fuzz_buf el = {0}, coalesced = {0};
    uint8_t after_flight = 0; /* the next element starts a record: TLS 1.2 ServerHelloDone */
    for (size_t i = from; i < cap->n_msgs; i++) {
        const fuzz_msg *m = &cap->msgs[i];
        if (m->e != v.s || !m->sent) continue;
        const uint8_t *b = fuzz_msg_bytes(m);
        /* Handshake messages and ChangeCipherSpec; the KeyUpdate and alerts of the
         * conversation come in the tail below, after the data. */
        if (m->content_type == 22 && b[0] != TLSIO_HS_KEY_UPDATE) {
            /* msg_type, then the body: the harness writes the length */
            fuzz_buf d = {0};
            fuzz_buf_u8(&d, b[0]);
            fuzz_buf_add(&d, b + 4, m->len - 4);
            fuzz_put_element(&el, FUZZ_EL_HS, d.p, d.len);
            fuzz_put_element(&coalesced, FUZZ_EL_HS | after_flight, d.p, d.len);
            after_flight = b[0] == TLSIO_HS_SERVER_HELLO_DONE ? FUZZ_EL_FLUSH : 0;
            fuzz_buf_free(&d);
        } else if (m->content_type == 20) {
            uint8_t ccs[2] = {20, 1};
            uint8_t kind = FUZZ_EL_RECORD | (tls13 ? FUZZ_EL_CLEARTEXT : 0);
            fuzz_put_element(&el, kind, ccs, 2);
            fuzz_put_element(&coalesced, kind, ccs, 2);
        }
    }
    /* The structured target sends no data by itself: add what the server wrote, a
     * renegotiation request (TLS 1.2 HelloRequest) and its close_notify. */
    fuzz_buf tail = {0};
    fuzz_put_element(&tail, FUZZ_EL_APP, (const uint8_t *)response, strlen(response));
    if (!tls13) {
        uint8_t hello_request[1] = {0};
        fuzz_put_element(&tail, FUZZ_EL_HS | FUZZ_EL_FLUSH, hello_request, 1);
    } else {
        uint8_t ku[2] = {24, 1};
        fuzz_put_element(&tail, FUZZ_EL_HS | FUZZ_EL_FLUSH, ku, 2);
    }
    fuzz_put_element(&tail, FUZZ_EL_APP | FUZZ_EL_FLUSH, (const uint8_t *)"more", 4);
    uint8_t close_notify[2] = {1, 0};
    fuzz_put_element(&tail, FUZZ_EL_ALERT, close_notify, 2);
    /* One seed with a record per message, one with the messages of a flight together. */
    fuzz_buf one = {0};
    fuzz_buf_add(&one, el.p, el.len);
    for (size_t at = 0; at < one.len;) {
        one.p[at] |= FUZZ_EL_FLUSH;
        at += 3 + ((size_t)one.p[at + 1] << 8 | one.p[at + 2]);
    }
    fuzz_buf_add(&one, tail.p, tail.len);
    fuzz_buf_add(&coalesced, tail.p, tail.len);
    seed_sc("fuzz_client_structured", sc, -1, &one);
    seed_sc("fuzz_client_structured", sc, -1, &coalesced);
    fuzz_buf_free(&one);
    fuzz_buf_free(&coalesced);
    fuzz_buf_free(&el);
    fuzz_buf_free(&tail);

    /* What the server sealed in each ticket the client kept, for the session target. */
    tls_session *sess;
    while ((sess = tls_engine_take_session(v.c)) != NULL) {
        static uint8_t state[TLSIO_SESS_STATE_MAX + 64];
        size_t n = 0;
        if (tlsio_ticket_open(fuzz_server_config(sc), &sess->ticket, state, sizeof state, &n) ==
            0) {
            fuzz_buf b = {0};
            fuzz_buf_add(&b, state, n);
            seed_sc("fuzz_session_resumption", sc, -1, &b);
            fuzz_buf_free(&b);
            codec_seed(fuzz_codec_index(&tlsio_codec_sess_state, NULL), state, n);
        }
        tls_session_free(sess);
    }

    tls_engine_free(v.c);
    tls_engine_free(v.s);
    fuzz_buf_free(&v.c2s);
    fuzz_buf_free(&v.s2c);
}

/* The real client's second flight and what follows, as records the harness seals. */
static void record_client_records(int sc) {
    fuzz_reset();
    tls_engine *c = fuzz_client_new(sc), *s = fuzz_server_new(sc);
    size_t first = 0;
    if (fuzz_run_to_client_flight(c, s, NULL) != 0) {
        fprintf(stderr, "%s: no client flight\n", fuzz_scenario_name(sc));
        exit(1);
    }
    const fuzz_capture *cap = fuzz_capture_get();
    const fuzz_msg *last_ch = NULL;
    for (size_t i = 0; i < cap->n_msgs; i++) {
        const fuzz_msg *m = &cap->msgs[i];
        if (m->e == c && m->sent && m->content_type == 22 && fuzz_msg_bytes(m)[0] == 1) {
            last_ch = m;
            first = i + 1;
        }
    }
    int tls13 = fuzz_scenario_version(sc) == TLS_VERSION_1_3;
    fuzz_buf recs = {0}, together = {0}, flight = {0};
    for (size_t i = first; i < cap->n_msgs; i++) {
        const fuzz_msg *m = &cap->msgs[i];
        if (m->e != c || !m->sent) continue;
        const uint8_t *b = fuzz_msg_bytes(m);
        /* TLS 1.3: the compatibility CCS in the clear, the flight under the handshake key.
         * TLS 1.2: the messages before ChangeCipherSpec in the clear, Finished under the key. */
        int after_ccs = 0;
        for (size_t j = first; j < i; j++)
            after_ccs |=
                cap->msgs[j].e == c && cap->msgs[j].sent && cap->msgs[j].content_type == 20;
        uint8_t flags = m->content_type == 20                           ? FUZZ_REC_PLAIN
                        : tls13 || (after_ccs && m->content_type == 22) ? FUZZ_REC_HS_KEY
                                                                        : FUZZ_REC_PLAIN;
        fuzz_put_record(&recs, flags, m->content_type, b, m->len);
        if (m->content_type == 22 && flags == FUZZ_REC_HS_KEY)
            fuzz_buf_add(&flight, b, m->len);
        else
            fuzz_put_record(&together, flags, m->content_type, b, m->len);
    }
    if (flight.len > 0) fuzz_put_record(&together, FUZZ_REC_HS_KEY, 22, flight.p, flight.len);
    /* Then as a connected client: data, a KeyUpdate (TLS 1.3) or a renegotiating ClientHello
     * (TLS 1.2), more data under the new key, close_notify. */
    fuzz_buf tail = {0};
    fuzz_put_record(&tail, FUZZ_REC_APP_KEY, 23, (const uint8_t *)request, strlen(request));
    if (tls13) {
        uint8_t ku[5] = {24, 0, 0, 1, 1};
        fuzz_put_record(&tail, FUZZ_REC_APP_KEY, 22, ku, sizeof ku);
        fuzz_put_record(&tail, FUZZ_REC_APP_KEY | FUZZ_REC_KEY_UPDATE | 0x10, 23,
                        (const uint8_t *)"after", 5);
    } else if (last_ch != NULL) {
        fuzz_put_record(&tail, FUZZ_REC_APP_KEY, 22, fuzz_msg_bytes(last_ch), last_ch->len);
    }
    uint8_t close_notify[2] = {1, 0};
    fuzz_put_record(&tail, FUZZ_REC_APP_KEY, 21, close_notify, 2);
    fuzz_buf_add(&recs, tail.p, tail.len);
    fuzz_buf_add(&together, tail.p, tail.len);
    seed_sc("fuzz_server_sealed", sc, -1, &recs);
    seed_sc("fuzz_server_sealed", sc, -1, &together);
    fuzz_buf_free(&recs);
    fuzz_buf_free(&together);
    fuzz_buf_free(&flight);
    fuzz_buf_free(&tail);
    tls_engine_free(c);
    tls_engine_free(s);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    mkdir_p(out_dir);
    for (int sc = 0; sc < FUZZ_SC__COUNT; sc++) {
        record_conversation(sc);
        record_client_records(sc);
    }
    printf("fuzz_record_corpus: %zu seeds in %s\n", n_written, out_dir);
    return 0;
}
