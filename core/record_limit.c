/*
 * The record_size_limit extension (RFC 8449): what we advertise, what the peer advertised,
 * and the limits both put on the record layer (tlsio_rl_dir.size_limit). The handshake
 * modules call these at the points where the extension is sent or read.
 */
#include "engine_send.h"
#include "hs12.h"

/* RFC 8449 §4: the value counts TLS 1.3's content type byte, so a TLS 1.3 endpoint (and a
 * client that may get TLS 1.3) advertises one more than the plaintext it takes; the
 * protocol's own maxima are then 2^14 + 1 and 2^14. */
static uint16_t limit_on_wire(const tls_engine *e, int tls13) {
    return (uint16_t)(e->cfg->record_size_limit + (tls13 ? 1 : 0));
}

size_t tlsio_send_fragment_max(const tls_engine *e) {
    size_t peer = tlsio_rl_max_payload(&e->wd);
    return e->cfg->max_send_fragment < peer ? e->cfg->max_send_fragment : peer;
}

int tlsio_rsl_offer(tls_engine *e, tlsio_exts *x) {
    /* RFC 8449 §4: endpoints SHOULD advertise the extension even without a limit of their
     * own, so that the server may use one. */
    e->hs->rsl_ours = limit_on_wire(e, tlsio_cfg_offers_version(e->cfg, TLS_VERSION_1_3));
    x->record_size_limit = e->hs->rsl_ours;
    return tlsio_exts_push(x, TLSIO_EXT_RECORD_SIZE_LIMIT, &e->err);
}

uint32_t tlsio_rsl_allowed(const tls_engine *e) {
    return e->hs->rsl_ours != 0 ? TLSIO_EXT_BIT(TLSIO_EXT_RECORD_SIZE_LIMIT) : 0;
}

int tlsio_rsl_take_answer(tls_engine *e, const tlsio_exts *x, const char *msg) {
    if (!tlsio_exts_has(x, TLSIO_EXT_RECORD_SIZE_LIMIT)) return 0;
    int tls13 = x->ctx == TLSIO_CTX_EE;
    uint32_t max = TLSIO_RECORD_MAX_PLAINTEXT + (tls13 ? 1 : 0);
    /* RFC 8449 §4: a value above the protocol's maximum is reserved for later versions and
     * extensions; a client MAY refuse it with illegal_parameter, and we negotiated neither.
     * (Below 64 the codec already refused it.) */
    if (x->record_size_limit > max)
        return tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "%s.record_size_limit: %u is above the TLS %s maximum of %u "
                             "(RFC 8449 §4)",
                             msg, (unsigned)x->record_size_limit, tls13 ? "1.3" : "1.2",
                             (unsigned)max);
    /* RFC 8449 §4: negotiated. No protected record of ours may exceed the server's limit,
     * and a protected record of the server's over ours is record_overflow. */
    e->wd.size_limit = (uint16_t)x->record_size_limit;
    e->rd.size_limit = e->hs->rsl_ours;
    return 0;
}

void tlsio_rsl_take_offer(tls_engine *e, const tlsio_exts *ch) {
    e->hs->rsl_ours = 0;
    if (!tlsio_exts_has(ch, TLSIO_EXT_RECORD_SIZE_LIMIT)) return;
    /* RFC 8449 §4: a server MUST NOT refuse a value above its version's maximum (it may be
     * meant for a version or extension the server does not know); the record layer reads
     * any such value as no limit below the protocol's. */
    e->wd.size_limit = (uint16_t)ch->record_size_limit;
    e->hs->rsl_ours = limit_on_wire(e, e->version == TLS_VERSION_1_3);
}

int tlsio_rsl_answer(tls_engine *e, tlsio_exts *x) {
    if (e->hs->rsl_ours == 0) return 0;
    x->record_size_limit = e->hs->rsl_ours;
    e->rd.size_limit = e->hs->rsl_ours;
    return tlsio_exts_push(x, TLSIO_EXT_RECORD_SIZE_LIMIT, &e->err);
}
