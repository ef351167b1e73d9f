/*
 * TLS 1.3 resumption (RFC 8446 §2.2, §4.2.9, §4.2.11, §4.6.1): the server's choice among the
 * PSKs a ClientHello offers and its binder check, the NewSessionTickets it sends; the client's
 * offer of a session with its binder, its check of the ServerHello's answer, and the tickets
 * it keeps. Tickets are stateless (resume.c seals and opens them). Only psk_dhe_ke is ever
 * offered or accepted: a resumption always runs (EC)DHE too, so it keeps forward secrecy.
 * There is no 0-RTT.
 */
#include <openssl/mem.h>
#include <stdlib.h>
#include <string.h>

#include "hs13.h"
#include "resume.h"

/* RFC 8446 §4.2.9 */
#define PSK_DHE_KE 1
/* How many offered identities the server tries to open: each costs an AEAD open, and a
 * ClientHello can list thousands (a client of ours offers one). */
#define PSK_TRIES 4
/* The ticket_nonce we use: the ticket's index within the connection, unique as §4.6.1
 * requires. */
#define NONCE_LEN 1

static int has_u8(const CBS *list, uint8_t v) {
    CBS l = *list;
    uint8_t b;
    while (CBS_get_u8(&l, &b))
        if (b == v) return 1;
    return 0;
}

/* Transcript-Hash(prior messages || Truncate(ClientHello)) with the PSK's hash (§4.2.11.2):
 * prior is the transcript before the ClientHello (empty, or message_hash and the
 * HelloRetryRequest), msg[0..trunc) the ClientHello up to its binders list. */
static int binder_transcript(tls_engine *e, const tlsio_transcript *prior, tlsio_hash_alg alg,
                             const uint8_t *msg, size_t trunc, uint8_t *th) {
    size_t n = 0;
    return tlsio_transcript_digest_with(prior, alg, msg, trunc, th, &n, &e->err);
}

/* ---- server ------------------------------------------------------------------------ */

/* Counts a validated list's elements. */
static size_t count(const tlsio_codec *c, const CBS *list, tlsio_err *err) {
    CBS l = *list;
    size_t n = 0;
    union {
        tlsio_psk_identity id;
        tlsio_bytes b;
    } scratch;
    while (tlsio_list_next(c, &l, &scratch, err) == 0)
        n++;
    return n;
}

/* The binder entry at index i of a validated list. */
static CBS nth_binder(const CBS *list, size_t i, tlsio_err *err) {
    CBS l = *list;
    tlsio_bytes b;
    memset(&b, 0, sizeof(b));
    for (size_t k = 0; k <= i; k++)
        if (tlsio_list_next(&tlsio_codec_psk_binder, &l, &b, err) != 0) break;
    return b.v;
}

/* A ticket opens into this much stack; a longer one (a client chain inside) into the heap. */
#define OPEN_ON_STACK 1024

/* Opens one offered identity into st (views into *buf, which grows to the heap if needed and
 * is the caller's to wipe and free) and applies the TLS 1.3 checks on top of resume.c's: a
 * suite with the hash we negotiated, and the client's view of the ticket's age within the
 * window around ours (§4.2.11.1, §8.3). */
static int usable(tls_engine *e, const tlsio_psk_identity *id, uint8_t **buf, size_t *cap,
                  tlsio_sess_state *st) {
    size_t need = CBS_len(&id->identity);
    if (need > *cap) {
        uint8_t *big = malloc(need);
        if (big == NULL) return 0;
        if (*cap > OPEN_ON_STACK) {
            OPENSSL_cleanse(*buf, *cap);
            free(*buf);
        }
        *buf = big;
        *cap = need;
    }
    if (tlsio_resume_open(e, &id->identity, *buf, *cap, st) != 1) return 0;
    const tlsio_suite *s = tlsio_suite_find((uint16_t)st->cipher_suite);
    if (s == NULL || s->version != TLS_VERSION_1_3 || s->hash != e->suite->hash) return 0;
    uint32_t age = id->obfuscated_ticket_age - st->age_add; /* mod 2^32 */
    int64_t ours = tlsio_now_ms(e) - (int64_t)tlsio_sess_u64(st->time_hi, st->time_lo);
    e->ticket_age_skew_ms = (int64_t)age - ours; /* the last tried is the one picked */
    return (int64_t)age <= ours + TLSIO_TICKET_SKEW_MS &&
           (int64_t)age >= ours - TLSIO_TICKET_SKEW_MS;
}

/* §4.2.11: the first of the first PSK_TRIES identities the server can resume with. */
static int pick_identity(tls_engine *e, const CBS *ids, uint8_t **buf, size_t *cap,
                         tlsio_sess_state *st, size_t *index) {
    CBS l = *ids;
    tlsio_psk_identity id;
    for (size_t i = 0;
         i < PSK_TRIES && tlsio_list_next(&tlsio_codec_psk_identity, &l, &id, &e->err) == 0; i++)
        if (usable(e, &id, buf, cap, st)) {
            *index = i;
            return 1;
        }
    return 0;
}

/* §4.2.11.2: the binder must verify before the PSK is trusted; a wrong one is a failed
 * handshake (decrypt_error), not a fallback. Compared in constant time. */
static int check_binder(tls_engine *e, const CBS *binders, size_t index, const uint8_t *psk,
                        size_t psk_len) {
    tlsio_hs13 *h = &e->hs->h13;
    tlsio_hash_alg alg = e->suite->hash;
    size_t hlen = tlsio_hash_len(alg);
    /* The binders list ends the ClientHello (pre_shared_key is last, exts.h). */
    size_t list_len = 2 + CBS_len(binders);
    if (h->ch_raw == NULL || h->ch_raw_len < list_len ||
        CBS_data(binders) + CBS_len(binders) != h->ch_raw + h->ch_raw_len)
        return tlsio_err_set(&e->err, TLS_E_INTERNAL,
                             "ClientHello.pre_shared_key: binders are not at its end");
    CBS got = nth_binder(binders, index, &e->err);
    uint8_t th[TLSIO_MAX_HASH_LEN], want[TLSIO_MAX_HASH_LEN];
    int rc = binder_transcript(e, &h->pre_ch, alg, h->ch_raw, h->ch_raw_len - list_len, th);
    if (rc == 0) rc = tlsio_psk_binder(alg, psk, psk_len, th, want, &e->err);
    if (rc == 0 && (CBS_len(&got) != hlen || CRYPTO_memcmp(CBS_data(&got), want, hlen) != 0))
        rc = tlsio_err_set(&e->err, TLS_ALERT_DECRYPT_ERROR,
                           "ClientHello.pre_shared_key.binders[%zu]: does not verify (RFC 8446 "
                           "§4.2.11.2)",
                           index);
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}

int tlsio13_server_take_psk(tls_engine *e, const tlsio_client_hello *ch) {
    const tlsio_exts *x = &ch->extensions;
    tlsio_hs13 *h = &e->hs->h13;
    h->psk_accepted = 0;
    /* §4.6.1: a ticket is only worth sending to a client that can use it with psk_dhe_ke. */
    h->client_psk_dhe = has_u8(&x->psk_ke_modes, PSK_DHE_KE);
    if (!tlsio_exts_has(x, TLSIO_EXT_PRE_SHARED_KEY)) return 0;
    const CBS *ids = &x->psk_offered.identities, *binders = &x->psk_offered.binders;
    size_t n_ids = count(&tlsio_codec_psk_identity, ids, &e->err);
    size_t n_binders = count(&tlsio_codec_psk_binder, binders, &e->err);
    if (n_ids != n_binders)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ClientHello.pre_shared_key: %zu identities but %zu binders", n_ids,
                             n_binders);
    /* §4.2.9: we only resume with (EC)DHE; a client allowing psk_ke alone gets a full
     * handshake. */
    if (!has_u8(&x->psk_ke_modes, PSK_DHE_KE)) return 0;
    uint8_t stack[OPEN_ON_STACK], *buf = stack;
    size_t cap = sizeof(stack);
    tlsio_sess_state st;
    size_t index = 0;
    int rc = 0;
    if (pick_identity(e, ids, &buf, &cap, &st, &index)) {
        rc = check_binder(e, binders, index, CBS_data(&st.secret), CBS_len(&st.secret));
        if (rc == 0 && CBS_len(&st.secret) == tlsio_hash_len(e->suite->hash)) {
            memcpy(h->psk, CBS_data(&st.secret), CBS_len(&st.secret));
            h->psk_len = CBS_len(&st.secret);
            h->psk_identity = (uint16_t)index;
            h->psk_accepted = 1;
            rc = tlsio_resume_accepted(e, &st);
        }
    }
    OPENSSL_cleanse(buf, cap);
    if (buf != stack) free(buf);
    return rc;
}

int tlsio13_server_psk_usable(tls_engine *e, const tlsio_client_hello *ch) {
    const tlsio_exts *x = &ch->extensions;
    if (!tlsio_exts_has(x, TLSIO_EXT_PRE_SHARED_KEY) || !has_u8(&x->psk_ke_modes, PSK_DHE_KE))
        return 0;
    uint8_t stack[OPEN_ON_STACK], *buf = stack;
    size_t cap = sizeof(stack), index = 0;
    tlsio_sess_state st;
    int64_t skew = e->ticket_age_skew_ms; /* usable() notes the last one tried */
    int found = pick_identity(e, &x->psk_offered.identities, &buf, &cap, &st, &index);
    e->ticket_age_skew_ms = skew;
    OPENSSL_cleanse(buf, cap);
    if (buf != stack) free(buf);
    return found;
}

int tlsio13_server_send_tickets(tls_engine *e) {
    if (!tlsio_resume_issues(e) || !e->hs->h13.client_psk_dhe) return 0;
    tlsio_hash_alg alg = e->suite->hash;
    size_t hlen = tlsio_hash_len(alg);
    uint8_t th[TLSIO_MAX_HASH_LEN], psk[TLSIO_MAX_HASH_LEN];
    /* §7.1: resumption_master_secret covers the transcript through the client Finished. */
    int rc = tlsio13_transcript_hash(e, th);
    if (rc == 0)
        rc = tlsio_ks_derive(&e->hs->h13.ks, TLSIO_KS_RES_MASTER, th, e->res_master, &e->err);
    for (unsigned i = 0; rc == 0 && i < e->cfg->tickets; i++) {
        uint8_t nonce[NONCE_LEN] = {(uint8_t)i};
        uint8_t age_add[4];
        tlsio_rng_bytes(&e->cfg->rng, age_add, sizeof(age_add));
        CBB ticket;
        if (!CBB_init(&ticket, 256)) {
            rc = tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
            break;
        }
        tlsio_new_session_ticket13 nst;
        memset(&nst, 0, sizeof(nst));
        nst.ticket_lifetime = e->cfg->ticket_lifetime;
        nst.ticket_age_add = (uint32_t)age_add[0] << 24 | (uint32_t)age_add[1] << 16 |
                             (uint32_t)age_add[2] << 8 | age_add[3];
        CBS_init(&nst.ticket_nonce, nonce, sizeof(nonce));
        rc = tlsio_ticket_psk(alg, e->res_master, nonce, sizeof(nonce), psk, &e->err);
        if (rc == 0) rc = tlsio_resume_seal(e, psk, hlen, nst.ticket_age_add, &ticket);
        if (rc == 0) {
            CBS_init(&nst.ticket, CBB_data(&ticket), CBB_len(&ticket));
            rc = tlsio_send_hs_msg(e, TLSIO_HS_NEW_SESSION_TICKET,
                                   &tlsio_codec_new_session_ticket13, &nst);
        }
        CBB_cleanup(&ticket);
    }
    OPENSSL_cleanse(psk, sizeof(psk));
    OPENSSL_cleanse(e->res_master, sizeof(e->res_master)); /* the server needs it no more */
    return rc;
}

/* ---- client ------------------------------------------------------------------------ */

/* Whether the ClientHello about to be sent offers e->offer: a TLS 1.3 session we may offer
 * (resume.c), whose hash is the HelloRetryRequest's suite's if there was one (§4.1.4). */
static const tlsio_suite *offered_suite(const tls_engine *e) {
    if (!tlsio_resume_offerable(e, TLS_VERSION_1_3)) return NULL;
    const tlsio_suite *s = tlsio_suite_find((uint16_t)e->offer->st.cipher_suite);
    if (s == NULL || CBS_len(&e->offer->st.secret) != tlsio_hash_len(s->hash)) return NULL;
    if (e->suite != NULL && e->suite->hash != s->hash) return NULL;
    return s;
}

int tlsio13_client_offer_psk(tls_engine *e, tlsio_exts *x, tlsio13_psk_parts *p) {
    tlsio_hs13 *h = &e->hs->h13;
    memset(p, 0, sizeof(*p));
    h->psk_len = 0;
    static const uint8_t modes[] = {PSK_DHE_KE};
    CBS_init(&x->psk_ke_modes, modes, sizeof(modes));
    /* §4.2.9: the modes are sent with or without a PSK: servers issue tickets only to
     * clients that list a mode they can be used with (§4.6.1). */
    int rc = tlsio_exts_push(x, TLSIO_EXT_PSK_KEY_EXCHANGE_MODES, &e->err);
    const tlsio_suite *s = offered_suite(e);
    if (rc != 0 || s == NULL) return rc;
    const tlsio_sess_state *st = &e->offer->st;
    /* §4.2.11.1: the ticket's age in milliseconds, plus ticket_age_add, mod 2^32. */
    int64_t age = tlsio_now_ms(e) - (int64_t)tlsio_sess_u64(st->time_hi, st->time_lo);
    tlsio_psk_identity id = {.identity = e->offer->ticket,
                             .obfuscated_ticket_age = (uint32_t)age + st->age_add};
    CBB ids, one;
    if (!CBB_init(&ids, CBS_len(&id.identity) + 8))
        return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    rc = tlsio_encode(&tlsio_codec_psk_identity, &id, &ids, &e->err);
    if (rc == 0 && !CBB_finish(&ids, &p->ids, &p->ids_len))
        rc = tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    if (rc != 0) {
        CBB_cleanup(&ids);
        return rc;
    }
    /* A binder of the right length, filled in once the ClientHello is encoded. */
    size_t hlen = tlsio_hash_len(s->hash);
    CBB_init_fixed(&one, p->binders, sizeof(p->binders));
    uint8_t *room = NULL;
    if (!CBB_add_u8(&one, (uint8_t)hlen) || !CBB_add_space(&one, &room, hlen) ||
        !CBB_finish(&one, NULL, &p->binders_len))
        return tlsio_err_set(&e->err, TLS_E_INTERNAL, "ClientHello: binder does not fit");
    memset(room, 0, hlen);
    CBS_init(&x->psk_offered.identities, p->ids, p->ids_len);
    CBS_init(&x->psk_offered.binders, p->binders, p->binders_len);
    /* §4.2.11: pre_shared_key is the last extension. */
    rc = tlsio_exts_push(x, TLSIO_EXT_PRE_SHARED_KEY, &e->err);
    memcpy(h->psk, CBS_data(&st->secret), CBS_len(&st->secret));
    h->psk_len = CBS_len(&st->secret);
    h->psk_hash = s->hash;
    p->active = 1;
    return rc;
}

void tlsio13_psk_parts_free(tlsio13_psk_parts *p) {
    OPENSSL_free(p->ids);
    memset(p, 0, sizeof(*p));
}

int tlsio13_send_client_hello_psk(tls_engine *e, const tlsio_client_hello *ch) {
    tlsio_hs13 *h = &e->hs->h13;
    size_t hlen = tlsio_hash_len(h->psk_hash);
    CBB cbb;
    uint8_t *msg = NULL;
    size_t len = 0;
    if (!CBB_init(&cbb, 512)) return tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    int rc = tlsio_hs_encode(TLSIO_HS_CLIENT_HELLO, &tlsio_codec_client_hello, ch, &cbb, &e->err);
    if (rc == 0 && !CBB_finish(&cbb, &msg, &len))
        rc = tlsio_err_set(&e->err, TLS_E_NOMEM, "out of memory");
    if (rc != 0) {
        CBB_cleanup(&cbb);
        return rc;
    }
    /* §4.2.11.2: the binders list (2-byte length, one entry of 1 + hlen bytes) ends it. */
    uint8_t th[TLSIO_MAX_HASH_LEN];
    size_t list_len = 2 + 1 + hlen;
    rc = binder_transcript(e, &e->hs->transcript, h->psk_hash, msg, len - list_len, th);
    if (rc == 0)
        rc = tlsio_psk_binder(h->psk_hash, h->psk, h->psk_len, th, msg + len - hlen, &e->err);
    if (rc == 0) rc = tlsio_send_hs(e, msg, len);
    OPENSSL_free(msg);
    return rc;
}

int tlsio13_client_take_psk_answer(tls_engine *e, const tlsio_server_hello *sh) {
    tlsio_hs13 *h = &e->hs->h13;
    if (!tlsio_exts_has(&sh->extensions, TLSIO_EXT_PRE_SHARED_KEY)) {
        OPENSSL_cleanse(h->psk, sizeof(h->psk)); /* a full handshake */
        h->psk_len = 0;
        return 0;
    }
    /* §4.2.11: within the identities we sent (one), with the PSK's hash. */
    if (sh->extensions.psk_selected_identity != 0)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "ServerHello.pre_shared_key: selected_identity %u, but we offered one "
                             "PSK",
                             sh->extensions.psk_selected_identity);
    if (e->suite->hash != h->psk_hash)
        return tlsio_err_set(
            &e->err, TLS_ALERT_ILLEGAL_PARAMETER,
            "ServerHello.cipher_suite: 0x%04x does not use the hash of the session "
            "it resumes",
            e->suite->id);
    h->psk_accepted = 1;
    return tlsio_resume_accepted(e, &e->offer->st);
}

int tlsio13_client_derive_res_master(tls_engine *e) {
    uint8_t th[TLSIO_MAX_HASH_LEN];
    int rc = tlsio13_transcript_hash(e, th);
    return rc ? rc
              : tlsio_ks_derive(&e->hs->h13.ks, TLSIO_KS_RES_MASTER, th, e->res_master, &e->err);
}

int tlsio13_client_take_ticket(tls_engine *e, const tlsio_new_session_ticket13 *nst) {
    tlsio_hash_alg alg = e->suite->hash;
    uint8_t psk[TLSIO_MAX_HASH_LEN];
    /* §4.6.1: servers must not exceed seven days; a longer lifetime is kept at seven. */
    uint32_t lifetime = nst->ticket_lifetime < 604800 ? nst->ticket_lifetime : 604800;
    int rc = tlsio_ticket_psk(alg, e->res_master, CBS_data(&nst->ticket_nonce),
                              CBS_len(&nst->ticket_nonce), psk, &e->err);
    if (rc == 0)
        rc = tlsio_resume_keep(e, psk, tlsio_hash_len(alg), lifetime, nst->ticket_age_add,
                               &nst->ticket);
    OPENSSL_cleanse(psk, sizeof(psk));
    return rc;
}
