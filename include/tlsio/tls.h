/*
 * tlsio: TLS 1.3 and 1.2 for careful C programmers.
 *
 * This is the header most programs need: a configuration object and (with the socket
 * facade) connect/read/write/close calls that behave like their POSIX counterparts.
 * Verification of the peer's certificate chain and host name always runs; there is no
 * switch to turn it off.
 */
#ifndef TLSIO_TLS_H
#define TLSIO_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <tlsio/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: only what the public headers declare (see <tlsio/core.h>). */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

/* ---------------------------------------------------------------------------------------
 * Configuration.
 *
 * A config is built once, then used. The first connection made with it freezes it: from
 * then on it is immutable, reference-counted and safe to share across threads and
 * connections; setters on a frozen config fail with TLS_E_USAGE and write nothing (not even
 * the error sentence: other threads may be reading the config).
 *
 * With no setter called, a config means: TLS 1.2 and 1.3 (1.3 preferred); suites
 * TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 (and their
 * ECDHE TLS 1.2 equivalents); groups x25519, secp256r1, secp384r1; the system trust store.
 *
 * Setters return 0, or an error code (see <tlsio/core.h>) with tls_config_error() saying why.
 * ------------------------------------------------------------------------------------- */

tls_config *tls_config_new(void);
/* Adds a reference (for sharing); each reference is dropped with tls_config_free. */
tls_config *tls_config_ref(tls_config *cfg);
void tls_config_free(tls_config *cfg);
/* Why the last setter failed (one sentence), or "" if none did; "no config (NULL)" for NULL.
 * Once the config is frozen (in use by a connection): always the constant "config is in use
 * by a connection and can no longer change", the reason every setter then fails. Any thread
 * may call it while others connect with the config: neither freezing nor a refused setter
 * writes what it reads (only a setter on a config being built does, so build it first). */
const char *tls_config_error(const tls_config *cfg);

/* Trust anchors. Any of these replaces the system store default; they may be combined. */
int tls_config_add_ca_pem(tls_config *cfg, const char *pem, size_t len);
int tls_config_add_ca_file(tls_config *cfg, const char *path);
/* The system store: $SSL_CERT_FILE / $SSL_CERT_DIR, else Debian's
 * /etc/ssl/certs/ca-certificates.crt. */
int tls_config_add_ca_system(tls_config *cfg);

/* A certificate chain (leaf first, PEM) and its private key (PEM). May be called several
 * times: a server picks a chain by the client's server_name and signature algorithms. A
 * client answers a CertificateRequest (TLS 1.3 or 1.2) with the first chain whose key fits
 * the request (TLS 1.2: its certificate_types), can sign with one of the server's signature
 * algorithms and, when the server named CAs, lies under one of them; if chains are
 * configured but no key fits, the handshake fails with handshake_failure. A client without
 * chains, or whose fitting chains are under none of the named CAs, sends an empty
 * Certificate (the server decides). */
int tls_config_add_cert_pem(tls_config *cfg, const char *chain_pem, size_t chain_len,
                            const char *key_pem, size_t key_len);
int tls_config_add_cert_file(tls_config *cfg, const char *chain_path, const char *key_path);

/* ALPN protocols in preference order, comma-separated: "h2,http/1.1". */
int tls_config_set_alpn(tls_config *cfg, const char *protocols);

/* Version range, each TLS_VERSION_1_2 or TLS_VERSION_1_3. */
int tls_config_set_versions(tls_config *cfg, uint16_t min_version, uint16_t max_version);

/* Restrict cipher suites / groups to a subset of the safe defaults, in preference order.
 * Names are IANA names ("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
 * or group names ("x25519", "secp256r1", "secp384r1"), separated by ':' or ','. */
int tls_config_set_ciphers(tls_config *cfg, const char *names);
int tls_config_set_groups(tls_config *cfg, const char *names);

/*
 * The most plaintext bytes tlsio puts in one record it sends (handshake messages, alerts and
 * application data alike), from TLS_MIN_SEND_FRAGMENT to TLS_MAX_SEND_FRAGMENT (the default,
 * 2^14: RFC 8446 §5.1, RFC 5246 §6.2.1). TLS 1.3's inner content type byte is not counted.
 * Smaller records suit peers with little memory and cut the latency to the first decrypted
 * byte, at the cost of more records (each adds 21-29 bytes and an AEAD call). A peer's
 * record_size_limit (below) may lower it further: the smaller wins. Other values: TLS_E_USAGE.
 */
#define TLS_MIN_SEND_FRAGMENT 64
#define TLS_MAX_SEND_FRAGMENT 16384
int tls_config_set_max_send_fragment(tls_config *cfg, size_t max_plaintext);

/*
 * The most plaintext bytes we are willing to receive in one protected record, advertised in
 * the record_size_limit extension (RFC 8449), from TLS_MIN_SEND_FRAGMENT to
 * TLS_MAX_SEND_FRAGMENT (the default: no limit below the protocol's). A client always offers
 * the extension and a server answers a client that offers it, both versions; on the wire
 * TLS 1.3 adds one for its content type byte (so a client offering both versions sends
 * n + 1, and a TLS 1.2 server may then send it n + 1 bytes, within 2^14). Once the peer
 * answered, a protected record over the limit ends the connection with record_overflow.
 * Both roles honour the peer's limit in what they send, whatever this is set to. Records
 * sent in the clear (the TLS 1.2 hellos and certificates) are not covered (RFC 8449 §4).
 * Other values: TLS_E_USAGE.
 */
int tls_config_set_record_size_limit(tls_config *cfg, size_t max_plaintext);

/* Restrict and order the signature schemes (RFC 8446 §4.2.3 names, ':' or ',' separated) for
 * both roles and both versions: what we offer in signature_algorithms, what we accept in the
 * peer's CertificateVerify / ServerKeyExchange (anything else is illegal_parameter), and which
 * we sign with (the first of this list that the peer accepts and our key can make). Valid:
 * ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ed25519, rsa_pss_rsae_sha256/384/512,
 * rsa_pkcs1_sha256/384/512 (the default, in that order). rsa_pkcs1_* serve TLS 1.2 only: TLS
 * 1.3 never signs or accepts them in CertificateVerify. SHA-1 schemes, unknown names,
 * duplicates and an empty list are refused. Without a call the peer's order picks the scheme
 * we sign with. docs/tls_config.md. */
int tls_config_set_signature_schemes(tls_config *cfg, const char *names);

/* Order the schemes we sign with, and only those (same names and refusals as above), leaving
 * what we offer and accept to tls_config_set_signature_schemes: we sign with the first of
 * this list that the peer accepts and our key can make; none is handshake_failure. E.g. sign
 * only with rsa_pss_rsae_sha512 while accepting a peer's rsa_pss_rsae_sha256. Without a call:
 * the order of tls_config_set_signature_schemes, else the peer's. docs/tls_config.md. */
int tls_config_set_signing_schemes(tls_config *cfg, const char *names);

/*
 * Client certificate authentication (a server's settings; a client ignores them).
 *
 * TLS_CLIENT_VERIFY_NONE (the default) never asks for a certificate. OPTIONAL sends a
 * CertificateRequest and verifies a chain the client sends, but accepts a client that sends
 * none. REQUIRED refuses such a client: certificate_required in TLS 1.3 (RFC 8446 §4.4.2.4),
 * handshake_failure in TLS 1.2 (RFC 5246 §7.4.6). A chain that is sent is always verified,
 * like a server's: against the client CAs below (never the anchors a client uses for servers),
 * the validity dates and the clientAuth purpose, and its CertificateVerify signature against
 * the handshake; nothing switches these off. The verified identity is tls_conn_peer_subject.
 * Post-handshake authentication (RFC 8446 §4.6.2) is never offered or honoured.
 */
enum tls_client_verify {
    TLS_CLIENT_VERIFY_NONE = 0,
    TLS_CLIENT_VERIFY_OPTIONAL = 1,
    TLS_CLIENT_VERIFY_REQUIRED = 2
};
int tls_config_set_client_verify(tls_config *cfg, int mode);
/* Trust anchors for client chains (PEM, one or more certificates). Their subjects are also
 * sent as the CertificateRequest's certificate_authorities, so a client can pick its chain
 * (none are sent once they exceed the field's 65535 bytes). */
int tls_config_add_client_ca_pem(tls_config *cfg, const char *pem, size_t len);
int tls_config_add_client_ca_file(tls_config *cfg, const char *path);
/* The CA names sent instead of the client CAs' subjects (RFC 8446 §4.2.4, RFC 5246 §7.4.4),
 * e.g. to send none (len 0: an empty list in TLS 1.2, no certificate_authorities in TLS 1.3)
 * or to name a root above the client CAs. names: DER distinguished names (each a SEQUENCE,
 * RFC 5280 §4.1.2.4) back to back, at most 65535 bytes in the message. The list only helps a
 * client choose a chain: verification still uses the client CAs. */
int tls_config_set_client_ca_names(tls_config *cfg, const uint8_t *names, size_t len);

/* Whether a connection keeps the peer's verified chain (DER) after the handshake: 1 (the
 * default) or 0. With 0 it keeps only the leaf's identity (subject, issuer, validity and
 * SHA-256 fingerprint: tls_conn_peer_subject and the like still answer), tls_conn_peer_chain
 * returns NULL, and session tickets carry no chain: a server verifying many clients saves
 * their chains' memory and ticket bytes. Both roles. A session made under the other setting is
 * not resumed (a client does not offer it, a server declines it) when it has a peer identity,
 * so a connection never reports a chain in the form the config did not ask for. */
int tls_config_set_keep_peer_chain(tls_config *cfg, int keep);

/* The largest Certificate message accepted from the peer, in bytes (both roles): 4096 to
 * 1048576, default 65536 (a chain of a few certificates is 2-6 KiB). A larger one is
 * refused with decode_error as soon as its header arrives, before it is buffered. Raise it
 * for peers with long chains or large certificates; every handshaking connection may then
 * hold that much. Other messages have fixed limits (docs/tls_config.md). */
int tls_config_set_max_cert_chain(tls_config *cfg, size_t bytes);

/*
 * Session resumption (RFC 8446 §2.2 and §4.6.1 for TLS 1.3, RFC 5077 with RFC 7627 for TLS
 * 1.2). Tickets are stateless: the server seals what a resumption needs under a ticket key
 * that the config holds, and keeps nothing per session. A TLS 1.3 resumption is PSK with
 * (EC)DHE, never PSK alone, so it keeps forward secrecy; a TLS 1.2 session without the
 * extended master secret is never resumed. There is no 0-RTT.
 *
 * Server: count tickets after each TLS 1.3 handshake (default 2, at most 8), one after a TLS
 * 1.2 one; 0 turns tickets and resumption off. lifetime: how long a ticket is good for, in
 * seconds: 1 to 604800 (RFC 8446 §4.6.1), default 7200; 0 is refused (turn tickets off with
 * count 0). Values outside: TLS_E_USAGE.
 */
int tls_config_set_session_tickets(tls_config *cfg, unsigned count);
int tls_config_set_session_lifetime(tls_config *cfg, unsigned seconds);

/*
 * Ticket keys. By default each config makes its own random key on first use, so a ticket
 * opens only on the config (the process) that issued it. Servers that share tickets (a fleet
 * behind one name) set the same keys on each: n_keys keys of TLS_TICKET_KEY_LEN bytes each
 * (16 bytes of key name, then 32 of AES-256-GCM key, all secret and random), the first one
 * sealing new tickets, all of them opening (at most 4). tls_config_rotate_ticket_key makes
 * key (NULL: a new random one) the sealing key and keeps the previous ones for opening,
 * dropping the oldest beyond 4.
 * Unlike every other setter, these two work on a config in use: connections on other
 * threads see the new keys from their next handshake. Old keys are wiped when dropped.
 * keys NULL or n_keys outside 1..4: TLS_E_USAGE, with tls_config_error saying why while the
 * config is being built; on a config in use a refusal writes nothing (other threads may be
 * reading it) and tls_config_error keeps saying "config is in use...", which does not apply
 * to these two: their return value is the answer.
 */
#define TLS_TICKET_KEY_LEN 48
int tls_config_set_ticket_keys(tls_config *cfg, const uint8_t *keys, size_t n_keys);
int tls_config_rotate_ticket_key(tls_config *cfg, const uint8_t *key);

/*
 * Client: tls_connect and tls_client_fd resume by default. Each config keeps a cache of the
 * tickets its connections received, keyed by the server name verified (tls_connect's host)
 * and the port number, holding at most `entries` tickets (default 64, at most 65536, else
 * TLS_E_USAGE; the oldest goes first; at most 8 per server; 0 turns the cache and resumption
 * off). Thread-safe; each ticket is used once (RFC 8446 §C.4) and never for another server
 * name. Tickets are stored as they arrive: TLS 1.3 ones come after the handshake and are
 * stored by tls_read (and tls_close, tls_free). tls_conn_resumed says whether a connection
 * was resumed. See docs/resumption.md.
 */
int tls_config_set_session_cache(tls_config *cfg, size_t entries);

/*
 * Timeouts (the socket facade's): every connection made with cfg must finish its handshake
 * within ms milliseconds, default 30000 (30 s); 0 means no limit. tls_connect and
 * tls_connect_servername count it from their start, over everything they do: name resolution
 * (whose time counts, though it cannot be cut short), the TCP connect to each address in turn
 * (each gets an equal share of what is left, so one dead address cannot use it all), then the
 * handshake. tls_accept, tls_accept4, tls_client_fd and tls_server_fd count it from when they
 * make the connection. Past it, the call fails with errno ETIMEDOUT and a sentence saying what
 * timed out and with whom; the connection has failed for good (tls_free it). A blocking
 * socket's handshake waits in poll() for at most the time left; a nonblocking one is never
 * held up, but the first tls_handshake/tls_read/tls_write after the deadline fails, and
 * tls_handshake_remaining_ms says how long a poll() may sleep until then. Once the handshake
 * is done the limit no longer applies: bound reads and writes with the socket's
 * SO_RCVTIMEO/SO_SNDTIMEO (tls_read, tls_write). Every value is accepted (TLS_E_USAGE only
 * on a frozen config). docs/tls_connect.md.
 */
int tls_config_set_handshake_timeout(tls_config *cfg, unsigned ms);

/*
 * Debugging: appends the secrets of every connection made with cfg to the file at path, in
 * the NSS key log format Wireshark reads (the lines tls_config_set_keylog gives, <tlsio/
 * core.h>), one per line. Whoever reads the file can decrypt those connections: it must be a
 * regular file of the caller's (not a symbolic link), and is made readable by its owner only
 * (0600, an existing file too); nothing is logged unless this is called. The tools call it
 * when SSLKEYLOGFILE is set. path NULL stops logging. TLS_E_USAGE if the file cannot be
 * opened or is refused (tls_config_error says why).
 */
int tls_config_set_keylog_file(tls_config *cfg, const char *path);

/* A deterministic RNG for tests and trace replays. Never use one in production. */
int tls_config_set_rng(tls_config *cfg, tls_rng_fn fn, void *ctx);

/* ---------------------------------------------------------------------------------------
 * Connections over sockets: the calls mirror POSIX I/O.
 *
 *   tls_config *cfg = tls_config_new();
 *   tls_error why;
 *   tls *t = tls_connect(cfg, "example.com", "443", &why);
 *   if (t == NULL) { fprintf(stderr, "%s\n", why.msg); return 1; }
 *   tls_write(t, "GET / HTTP/1.0\r\n\r\n", 18);
 *   while ((n = tls_read(t, buf, sizeof buf)) > 0) fwrite(buf, 1, n, stdout);
 *   tls_close(t); tls_free(t); tls_config_free(cfg);
 *
 * tls_read/tls_write return a byte count, 0 (tls_read only) on a clean close
 * (close_notify received), or -1 with errno:
 *   EAGAIN      the socket is nonblocking and would block: poll for tls_events(t)
 *               (a read may need POLLOUT and a write POLLIN during a handshake or KeyUpdate);
 *               or a blocking socket's SO_RCVTIMEO/SO_SNDTIMEO ran out, as recv/send say
 *               it: the connection stays usable and the next call goes on where it stopped
 *   ETIMEDOUT   the handshake missed its deadline (tls_config_set_handshake_timeout)
 *   ECONNRESET  the peer ended the connection without close_notify (possible truncation)
 *   EPROTO      a protocol or certificate-verification failure: see tls_error(t)
 *   EINVAL      misuse (e.g. write after tls_close, a NULL connection)
 *   other       the socket's own error (EPIPE, a TCP ETIMEDOUT...)
 * Every failure has one sentence in tls_error_msg(t). The first failure of a connection
 * stays: later calls fail with the same errno and sentence. A refused misuse (EINVAL) does
 * not fail the connection: its sentence describes the call that was refused, until the next
 * tls_read, tls_write, tls_handshake, tls_close or tls_export_keying_material, which forgets
 * it (and records its own if refused too). Every call taking a tls * accepts NULL: -1/EINVAL
 * (NULL, 0 or -1 for the getters, as each says), and tls_error_msg(NULL) is "no connection
 * (NULL)".
 * SIGPIPE is never raised. Nothing sleeps; nothing touches global state.
 * ------------------------------------------------------------------------------------- */

typedef struct tls tls;

/* Why a connection could not be made (filled by calls that return NULL). */
typedef struct tls_error {
    int code;     /* 0, a TLS alert number, a TLS_E_* code, or -errno for socket errors */
    int category; /* enum tls_error_category */
    char msg[256];
} tls_error;

/* Resolves host (every address in turn), connects over TCP, runs the handshake and verifies
 * the certificate chain and that it names host. Blocking, for at most the handshake timeout
 * (tls_config_set_handshake_timeout: 30 s by default). NULL on failure, with *why filled
 * (why may be NULL); on success *why is zeroed. port is a number or service name ("443",
 * "https"). The socket gets TCP_NODELAY (TLS sends whole records; Nagle would only delay
 * them): clear it with setsockopt(tls_fd(t), IPPROTO_TCP, TCP_NODELAY, &zero, sizeof zero)
 * if you must. */
tls *tls_connect(tls_config *cfg, const char *host, const char *port, tls_error *why);
/* The same, but verifies (and sends as SNI) servername instead of host: for dialling an
 * address or an alias of the name the certificate carries. */
tls *tls_connect_servername(tls_config *cfg, const char *host, const char *port,
                            const char *servername, tls_error *why);

/* Accepts one connection on a listening socket and wraps it as a server connection (the
 * handshake runs on the first tls_read/tls_write/tls_handshake). The accepted socket gets
 * TCP_NODELAY (as tls_connect) and inherits nothing else: it is blocking unless the caller
 * makes it nonblocking, or uses tls_accept4 with TLS_SOCK_NONBLOCK. NULL on failure (with a
 * nonblocking listen_fd and nobody waiting: errno EAGAIN). */
tls *tls_accept(tls_config *cfg, int listen_fd, tls_error *why);
/* tls_accept with flags: TLS_SOCK_NONBLOCK makes the accepted socket nonblocking (like
 * accept4's SOCK_NONBLOCK). Other bits: NULL/EINVAL, before anything is accepted. */
#define TLS_SOCK_NONBLOCK 0x1
tls *tls_accept4(tls_config *cfg, int listen_fd, int flags, tls_error *why);

/* Wraps a connected socket the caller made. The connection owns fd from then on
 * (tls_free closes it). Nonblocking if fd has O_NONBLOCK. servername is verified against the
 * server's certificate (a DNS name or an IP literal) and is required. Socket options are the
 * caller's: TCP_NODELAY is not set (see tls_handshake for what tlsio does instead). These
 * and tls_accept/tls_accept4 fill *why on failure and leave it untouched on success. */
tls *tls_client_fd(tls_config *cfg, int fd, const char *servername, tls_error *why);
tls *tls_server_fd(tls_config *cfg, int fd, tls_error *why);

/* Runs the handshake now: 0 when done, -1 with errno (EAGAIN: call again when
 * tls_events(t) is ready). tls_read and tls_write run it implicitly.
 * The client's last flight (Finished) always leaves before this returns 0. On a TCP socket
 * with Nagle on (TCP_NODELAY clear: a socket you made), the first request would then wait
 * ~40 ms for the server's delayed ACK of it; tlsio avoids that: when the handshake runs
 * inside tls_write, the Finished and the data leave in one segment, and the first tls_write
 * after tls_handshake is sent with TCP_NODELAY set for that call only (then cleared again). */
int tls_handshake(tls *t);

/* The milliseconds left before t's handshake deadline (tls_config_set_handshake_timeout),
 * rounded up, to pass to poll(): 0 once it has passed (the next tls_handshake, tls_read or
 * tls_write then fails with ETIMEDOUT), -1 when no deadline applies (no limit, the handshake
 * is complete, or the connection failed): poll's "no timeout". A server polling many
 * connections sleeps for the smallest, then calls tls_handshake on those at 0. NULL: -1
 * with errno EINVAL. */
int tls_handshake_remaining_ms(const tls *t);

/* Reads decrypted application data. Blocking sockets wait for data, EOF or an error, or
 * until their SO_RCVTIMEO runs out (-1/EAGAIN, like recv; a record that had partly arrived
 * is kept for the next call). The timeout bounds the whole call, however many recv it takes:
 * a record trickling in cannot stretch it. Post-handshake messages (KeyUpdate,
 * NewSessionTicket) are handled inside. */
ssize_t tls_read(tls *t, void *buf, size_t len);
/* Writes application data. On a blocking socket every byte is taken (like send()), unless
 * its SO_SNDTIMEO runs out: then, like send, the count is short (or -1/EAGAIN if no byte was
 * taken), and what was counted but not yet sent is sent first by the next call, as sealed
 * (never sealed again). On a nonblocking socket the count may be short: the bytes counted
 * are committed and, if the socket was full, wait inside tlsio; tls_events() then includes
 * POLLOUT and the next tls_write/tls_read/tls_close sends them. Call until -1/EAGAIN before
 * polling. */
ssize_t tls_write(tls *t, const void *buf, size_t len);

/* POLLIN and/or POLLOUT: what the connection waits for after EAGAIN. Full duplex: the union
 * of what the last tls_read, the last tls_write and the last tls_handshake/tls_close that
 * returned EAGAIN wait for (each kind is forgotten when a call of that kind succeeds), plus
 * POLLOUT while output is queued; POLLIN when nothing else is pending and input is expected;
 * 0 after a failure with nothing left to send. A program blocked on output that also asked
 * for input (tls_read said EAGAIN) gets POLLIN|POLLOUT; one that never reads, POLLOUT only.
 * NULL: 0 with errno EINVAL. */
int tls_events(const tls *t);

/* Decrypted bytes that tls_read can return without touching the socket. poll() cannot see
 * them: after a readable event, call tls_read until it returns -1/EAGAIN. NULL: 0 with errno
 * EINVAL. */
size_t tls_pending(const tls *t);

/* Sends close_notify (RFC 8446 §6.1) and flushes; -1/EAGAIN on a nonblocking socket means
 * call again when writable. Receiving the peer's close_notify is not awaited. On a failed
 * connection nothing more is sent (a fatal alert already was): -1 with the failure's errno. */
int tls_close(tls *t);
/* Releases the connection and closes its socket (NULL: nothing). After tls_close or a
 * failure, input that has already arrived (up to 256 KiB) is read and dropped first, without
 * waiting: closing over unread input would send a TCP reset, which may cost the peer our
 * close_notify or alert before it reads it. A failure's fatal alert is followed at once by
 * the end of our half of the stream (shutdown SHUT_WR). */
void tls_free(tls *t);

/* Keying material exporter (RFC 8446 §7.5, RFC 5705): see tls_engine_export_keying_material.
 * label is a string such as "EXPERIMENTAL my-protocol"; context may be NULL. 0, or -1 with
 * errno EINVAL. */
int tls_export_keying_material(tls *t, const char *label, const void *context, size_t context_len,
                               void *out, size_t out_len);

/* The socket (NULL: -1 with errno EINVAL). */
int tls_fd(const tls *t);

/* Why the connection failed (its first failure: it always wins, and stays), else why the
 * last call was refused for misuse if it was (TLS_E_USAGE; the next call that acts on the
 * connection forgets it, see above): one sentence, the code (alert, TLS_E_*, or -errno) and
 * its category; "" / 0 / 0 when nothing failed and the last call was not refused (after a
 * clean close_notify too: that is not a failure). NULL: "no connection (NULL)", TLS_E_USAGE,
 * TLS_ERRCAT_USAGE. */
const char *tls_error_msg(const tls *t);
int tls_error_code(const tls *t);
int tls_error_category(const tls *t);

/* 1 if the handshake resumed a session (no certificate was sent: the peer identity getters
 * report what the original handshake verified), 0 if it was a full one or has not finished. */
int tls_conn_resumed(const tls *t);
/* Client: a session from this connection to resume later (a ticket it received, taken out:
 * each ticket is used once), or NULL when none came. The caller frees it with
 * tls_session_free; tls_session_encode/_decode (<tlsio/core.h>) store it. */
tls_session *tls_conn_session(tls *t);
/* Client: adds a session to cfg's cache for host and port (as tls_connect names them), so that
 * the next tls_connect there offers it: a session stored by an earlier process. The cache
 * keeps its own copy. 0, or -1 with errno EINVAL (no cache, a session for another name). */
int tls_config_add_session(tls_config *cfg, const char *host, const char *port,
                           const tls_session *s);

/* What was negotiated ("TLSv1.3", "TLS_AES_128_GCM_SHA256", "x25519", "h2"); NULL before
 * the handshake or when absent (and for a NULL connection, with errno EINVAL). */
const char *tls_conn_version(const tls *t);
const char *tls_conn_cipher(const tls *t);
const char *tls_conn_group(const tls *t);
const char *tls_conn_alpn(const tls *t);
/* The verified server name (client) or the SNI the client sent (server). */
const char *tls_conn_servername(const tls *t);
/* The verified peer certificate (the leaf), or NULL / -1 if none (before verification, a
 * server that asked for no client certificate, a client that sent none; on a server with
 * client verification they describe the verified client's certificate):
 *   subject and issuer, one line each ("CN=example.com", "CN=Example CA,O=Example");
 *   notbefore / notafter: its validity as time_t;
 *   hash: "SHA256:" and the SHA-256 of its DER in lower-case hex (libtls's form), set once
 *   the handshake completes;
 *   chain: certificate i (0 = the leaf) in DER as the peer sent it, *len its length; NULL
 *   with *len 0 past the end. Pointers stay valid until tls_free. */
const char *tls_conn_peer_subject(const tls *t);
const char *tls_conn_peer_issuer(const tls *t);
time_t tls_conn_peer_notbefore(const tls *t);
time_t tls_conn_peer_notafter(const tls *t);
const char *tls_conn_peer_hash(const tls *t);
const uint8_t *tls_conn_peer_chain(const tls *t, size_t i, size_t *len);
/* The scheme the peer signed the handshake with ("rsa_pss_rsae_sha256"), or NULL if it did
 * not sign (a client that sent no certificate; before the handshake). */
const char *tls_conn_peer_signature_scheme(const tls *t);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif
