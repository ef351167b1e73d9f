/*
 * Resumption pieces both versions share (RFC 8446 §2.2 and §4.6.1, RFC 5077): the state a
 * session carries, made from the connection; the server's ticket, sealed and opened with the
 * checks that decide whether it can resume this connection; the client's store of received
 * tickets and the checks that decide whether its session may be offered.
 */
#ifndef TLSIO_RESUME_H
#define TLSIO_RESUME_H

#include "engine_state.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How far an issue time may lie in the future of our clock (servers sharing ticket keys
 * have clocks apart), and how far a TLS 1.3 client's ticket age may differ from ours
 * (RFC 8446 §8.3 suggests a window; with no 0-RTT this only refuses tickets replayed long
 * after they were seen), in milliseconds. */
#define TLSIO_TICKET_SKEW_MS INT64_C(60000)

/* Server: whether this connection issues tickets (tickets configured, a clock to date them). */
int tlsio_resume_issues(const tls_engine *e);

/* Server: seals a ticket for this connection (secret: the TLS 1.3 PSK or the TLS 1.2 master
 * secret; age_add: TLS 1.3's obfuscation, 0 for TLS 1.2) and appends it to out. */
int tlsio_resume_seal(tls_engine *e, const uint8_t *secret, size_t len, uint32_t age_add,
                      CBB *out) TLSIO_MUST_CHECK;

/* Server: as tlsio_resume_seal, renewing the ticket of a resumed session: the new ticket keeps
 * the session's issue time (Unix ms) and lifetime (tlsio_resume_lifetime), so that renewing a
 * ticket never extends how long a session, and the authentication it carries, lasts (RFC 5077
 * §5.6: the server controls a ticket's lifetime; renewed ones would otherwise never end). */
int tlsio_resume_reseal(tls_engine *e, const uint8_t *secret, size_t len, uint32_t age_add,
                        int64_t issued, uint32_t lifetime, CBB *out) TLSIO_MUST_CHECK;

/* Server: how long, in seconds from its issue time, the session st describes may resume here:
 * its own lifetime, bounded by ours. */
uint32_t tlsio_resume_lifetime(const tls_engine *e, const tlsio_sess_state *st);

/* Server: opens a ticket the client offers into buf (cap bytes, wiped by the caller) and
 * decodes it into *st. 1 when it may resume this connection: ours, same version, not
 * expired, made for the same server name, carrying a client identity when this server
 * requires one, and under our tls_config_set_keep_peer_chain setting; 0 when not (RFC 8446 §4.2.11
 * and RFC 5077 §3.4: a full handshake follows, no alert). The cipher suite is the caller's check
 * (TLS 1.3 needs the same hash, TLS 1.2 the same suite). */
int tlsio_resume_open(tls_engine *e, const CBS *ticket, uint8_t *buf, size_t cap,
                      tlsio_sess_state *st);

/* Client: 1 if e->offer may be offered for version v: a version and suite we enable, not
 * expired by our clock, under our tls_config_set_keep_peer_chain setting, and, for TLS 1.2,
 * made with the extended master secret. */
int tlsio_resume_offerable(const tls_engine *e, uint16_t v);
/* 1 if st has no peer identity, or was made under cfg's tls_config_set_keep_peer_chain
 * setting; a session made under the other is not resumed. */
int tlsio_resume_same_retention(const tls_config *cfg, const tlsio_sess_state *st);

/* Client: keeps a ticket the server sent as a session for tls_engine_take_session (the
 * oldest beyond TLSIO_SESSIONS_KEPT is dropped). lifetime in seconds. */
int tlsio_resume_keep(tls_engine *e, const uint8_t *secret, size_t len, uint32_t lifetime,
                      uint32_t age_add, const CBS *ticket) TLSIO_MUST_CHECK;

/* Client: keeps (a copy of) e->offer again, as it is: a TLS 1.2 session that resumed without
 * a renewed ticket stays usable (RFC 5077 §3.4: the server may resume it again until its
 * ticket expires). */
int tlsio_resume_keep_offer(tls_engine *e) TLSIO_MUST_CHECK;

/* Both roles: the handshake resumes the session st describes: its peer identity becomes the
 * connection's. */
int tlsio_resume_accepted(tls_engine *e, const tlsio_sess_state *st) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
