/*
 * The BoGo shim: lets BoringSSL's conformance runner (ssl/test/runner) drive tlsio.
 *
 * The runner starts this program once per test with command-line flags, always including
 * `-port N -shim-id K` (and `-ipv6` when it listens on [::1]). The shim connects to the
 * runner, sends K as an 8-byte little-endian integer and then runs one TLS connection over
 * that socket with tlsio's buffer engine (<tlsio/core.h>):
 *
 *   handshake; the -expect-* checks; "hello" if -shim-writes-first; then, unless
 *   -shim-shuts-down, read application data and echo every byte XOR 0xff until the peer
 *   closes; then the shutdown rules (see do_shutdown).
 *
 * Exit status: 0 for success (stderr empty); 1 with ":CODE: sentence" on stderr for a failure
 * (CODE is tls_error_code_name() upper-cased, ":PEER_ALERT_CODE:" for a fatal alert the peer
 * sent, ":EXPECTATION_FAILED:" for a -expect-* mismatch); 89 for a flag or feature tlsio does
 * not implement (the runner then counts the test as skipped). Unknown flags exit 89 rather than
 * being ignored, so a test is never passed by accident. tests/bogo/README.md lists the flags.
 *
 * Test code: it reads files and uses sockets and libcrypto directly, and is not part of the
 * library.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/aead.h>
#include <openssl/base64.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tlsio/core.h>
#include <tlsio/tls.h>

#include "engine_testing.h"

/* The runner's convention for "not implemented: skip this test". */
#define EXIT_UNIMPLEMENTED 89

/* The DNS name in every certificate the runner makes (runner.go's baseCertTemplate); the shim
 * verifies the runner's certificate against it unless -host-name names another. */
#define RUNNER_CERT_NAME "test"

#define MAX_INT_LIST 16

typedef struct shim_opts {
    int64_t port;
    int64_t shim_id;
    int ipv6;
    int server;
    int64_t resume_count;
    int64_t min_version, max_version, expect_version;
    int no_tls12, no_tls13;
    const char *key_file, *cert_file, *trust_cert;
    int shim_writes_first, shim_shuts_down, check_close_notify, read_with_unfinished_write;
    int export_traffic_secrets;
    const char *host_name, *expect_server_name;
    const char *advertise_alpn, *select_alpn, *expect_alpn, *expect_advertised_alpn;
    const char *use_client_ca_list, *expect_client_ca_list, *expect_certificate_types;
    int decline_alpn, reject_alpn;
    int64_t curves[MAX_INT_LIST];
    size_t n_curves;
    int64_t expect_curve_id;
    int expect_hrr, expect_no_hrr;
    int key_update;
    int expect_ems;
    int64_t max_send_fragment, read_size;
    int64_t export_keying_material;
    const char *export_label, *export_context;
    int use_export_context;
    int verify_peer, require_any_client_cert;
    int retain_only_sha256_client_cert, expect_sha256_client_cert;
    int expect_session_miss, expect_no_session;
    int64_t signing_prefs[MAX_INT_LIST], verify_prefs[MAX_INT_LIST];
    size_t n_signing_prefs, n_verify_prefs;
    int64_t expect_peer_sigalg;
    int64_t expect_peer_verify_prefs[MAX_INT_LIST];
    size_t n_expect_peer_verify_prefs;
    int verify_fail, custom_verify_callback, expect_verify_result;
    const char *expect_msg_callback;
    int peek_then_read, extra_handshake;
    const char *cipher, *expect_peer_cert_file;
    int64_t expect_cipher_aes, expect_cipher_no_aes;
    /* Resumption (see one_connection): session expectations, ticket keys, the clock. */
    int no_ticket, expect_ticket_renewal, expect_ticket_supports_early_data;
    int use_ticket_callback, renew_ticket, expect_session_id, expect_no_session_id;
    const char *ticket_key, *expect_early_data_reason;
    int64_t resumption_delay, expect_ticket_age_skew;
    int reverify_on_resume;
    int noop; /* target of the flags accepted as no-ops */
    const char *noop_str;
} shim_opts;

enum flag_kind {
    F_BOOL,    /* sets an int to 1 */
    F_INT,     /* one int64_t parameter */
    F_INTLIST, /* repeated int64_t parameter, appended (the count field follows the array) */
    F_STR      /* one string parameter */
};

typedef struct flag_def {
    const char *name;
    enum flag_kind kind;
    size_t off;       /* of the field in shim_opts */
    size_t count_off; /* F_INTLIST: of the size_t count */
} flag_def;

#define FB(n, f)                                                                                   \
    { n, F_BOOL, offsetof(shim_opts, f), 0 }
#define FI(n, f)                                                                                   \
    { n, F_INT, offsetof(shim_opts, f), 0 }
#define FS(n, f)                                                                                   \
    { n, F_STR, offsetof(shim_opts, f), 0 }
#define FL(n, f, c)                                                                                \
    { n, F_INTLIST, offsetof(shim_opts, f), offsetof(shim_opts, c) }

/* Every flag the shim knows. A flag that is parsed here may still exit 89 later when its
 * value asks for something tlsio lacks (see check_supported). */
static const flag_def kFlags[] = {
    FI("-port", port),
    FI("-shim-id", shim_id),
    FB("-ipv6", ipv6),
    FB("-server", server),
    FI("-resume-count", resume_count),
    FI("-min-version", min_version),
    FI("-max-version", max_version),
    FI("-expect-version", expect_version),
    FB("-no-tls12", no_tls12),
    FB("-no-tls13", no_tls13),
    FS("-key-file", key_file),
    FS("-cert-file", cert_file),
    FS("-trust-cert", trust_cert),
    FB("-shim-writes-first", shim_writes_first),
    FB("-read-with-unfinished-write", read_with_unfinished_write),
    FB("-export-traffic-secrets", export_traffic_secrets),
    FB("-shim-shuts-down", shim_shuts_down),
    FB("-check-close-notify", check_close_notify),
    FS("-host-name", host_name),
    FS("-expect-server-name", expect_server_name),
    FS("-advertise-alpn", advertise_alpn),
    FS("-select-alpn", select_alpn),
    FS("-expect-alpn", expect_alpn),
    FS("-expect-advertised-alpn", expect_advertised_alpn),
    FB("-decline-alpn", decline_alpn),
    FB("-reject-alpn", reject_alpn),
    FS("-use-client-ca-list", use_client_ca_list),
    FS("-expect-client-ca-list", expect_client_ca_list),
    FS("-expect-certificate-types", expect_certificate_types),
    FL("-curves", curves, n_curves),
    FI("-expect-curve-id", expect_curve_id),
    FB("-expect-hrr", expect_hrr),
    FB("-expect-no-hrr", expect_no_hrr),
    FB("-key-update", key_update),
    FB("-expect-extended-master-secret", expect_ems),
    FI("-max-send-fragment", max_send_fragment),
    FI("-read-size", read_size),
    FI("-export-keying-material", export_keying_material),
    FS("-export-label", export_label),
    FS("-export-context", export_context),
    FB("-use-export-context", use_export_context),
    FB("-verify-peer", verify_peer),
    FB("-retain-only-sha256-client-cert", retain_only_sha256_client_cert),
    FB("-expect-sha256-client-cert", expect_sha256_client_cert),
    FB("-require-any-client-certificate", require_any_client_cert),
    FB("-expect-session-miss", expect_session_miss),
    FB("-expect-no-session", expect_no_session),
    FL("-signing-prefs", signing_prefs, n_signing_prefs),
    FL("-verify-prefs", verify_prefs, n_verify_prefs),
    FI("-expect-peer-signature-algorithm", expect_peer_sigalg),
    FL("-expect-peer-verify-pref", expect_peer_verify_prefs, n_expect_peer_verify_prefs),
    FB("-verify-fail", verify_fail),
    FB("-use-custom-verify-callback", custom_verify_callback),
    FB("-expect-verify-result", expect_verify_result),
    FS("-expect-msg-callback", expect_msg_callback),
    FB("-peek-then-read", peek_then_read),
    FB("-no-op-extra-handshake", extra_handshake),
    FS("-cipher", cipher),
    FS("-expect-peer-cert-file", expect_peer_cert_file),
    FI("-expect-cipher-aes", expect_cipher_aes),
    FI("-expect-cipher-no-aes", expect_cipher_no_aes),
    FB("-no-ticket", no_ticket),
    FB("-expect-ticket-renewal", expect_ticket_renewal),
    FB("-expect-ticket-supports-early-data", expect_ticket_supports_early_data),
    FB("-use-ticket-callback", use_ticket_callback),
    FB("-renew-ticket", renew_ticket),
    FB("-expect-session-id", expect_session_id),
    FB("-expect-no-session-id", expect_no_session_id),
    FS("-ticket-key", ticket_key),
    FS("-expect-early-data-reason", expect_early_data_reason),
    FI("-resumption-delay", resumption_delay),
    FI("-expect-ticket-age-skew", expect_ticket_age_skew),
    FB("-reverify-on-resume", reverify_on_resume),
    /* No-ops: blocking I/O and an explicit handshake give the same observable behaviour;
     * tlsio never speaks SSL 3.0 / TLS 1.0 / 1.1; extension order is not a checked property. */
    FB("-async", noop),
    FB("-implicit-handshake", noop),
    FB("-no-tls1", noop),
    FB("-no-tls11", noop),
    FB("-no-ssl3", noop),
    FB("-permute-extensions", noop),
    /* DTLS-SRTP (RFC 5764) is for DTLS: over TLS it is never offered or accepted. */
    FS("-srtp-profiles", noop_str),
    /* BoringSSL's old client-certificate callback hands over the -cert-file chain when a
     * server asks; a tlsio client presents its configured chain when asked: the same. */
    FB("-use-old-client-cert-callback", noop),
    /* The split-handshake helper's path, passed to every shim; tlsio has no handshaker. */
    FS("-handshaker-path", noop_str),
};

/* ---- output ---------------------------------------------------------------------------- */

/* "illegal_parameter" -> "ILLEGAL_PARAMETER". */
static void upper_snake(const char *in, char *out, size_t cap) {
    size_t i = 0;
    for (; in[i] != '\0' && i + 1 < cap; i++)
        out[i] = (in[i] >= 'a' && in[i] <= 'z') ? (char)(in[i] - 'a' + 'A') : in[i];
    out[i] = '\0';
}

static int unimplemented(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Says why on stderr, and, when TLSIO_BOGO_UNIMPLEMENTED_LOG names a file, appends the same
 * line there too: the runner does not keep a shim's stderr, and that file is how the
 * unimplemented tests are counted by reason (one short line per write, O_APPEND, so the
 * runner's parallel shims do not interleave). */
static int unimplemented(const char *fmt, ...) {
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    fprintf(stderr, "bogo shim: not implemented: %s\n", why);
    const char *log = getenv("TLSIO_BOGO_UNIMPLEMENTED_LOG");
    FILE *f = log != NULL ? fopen(log, "a") : NULL;
    if (f != NULL) {
        fprintf(f, "%s\n", why);
        fclose(f);
    }
    return EXIT_UNIMPLEMENTED;
}

static int shim_error(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int shim_error(const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, ":%s: ", code);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* ---- flags ----------------------------------------------------------------------------- */

static int parse_int(const char *s, int64_t *out) {
    if (s == NULL || *s == '\0') return 0;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0') return 0;
    *out = (int64_t)v;
    return 1;
}

static int remove_prefix(const char **name, const char *prefix) {
    size_t n = strlen(prefix);
    if (strncmp(*name, prefix, n) == 0 && (*name)[n] == '-') {
        *name += n;
        return 1;
    }
    return 0;
}

/* Sets flag f with parameter param (NULL for a boolean) in o. 0, 1 for a malformed parameter,
 * or EXIT_UNIMPLEMENTED. */
static int set_flag(shim_opts *o, const flag_def *f, const char *arg, const char *param) {
    char *field = (char *)o + f->off;
    int64_t v = 0;
    switch (f->kind) {
    case F_BOOL:
        *(int *)(void *)field = 1;
        break;
    case F_STR:
        *(const char **)(void *)field = param;
        break;
    case F_INT:
    case F_INTLIST:
        if (!parse_int(param, &v)) {
            fprintf(stderr, "bogo shim: invalid parameter for %s: %s\n", arg, param);
            return 1;
        }
        if (f->kind == F_INT) {
            *(int64_t *)(void *)field = v;
        } else {
            size_t *n = (size_t *)(void *)((char *)o + f->count_off);
            if (*n >= MAX_INT_LIST) return unimplemented("more than %d %s", MAX_INT_LIST, arg);
            ((int64_t *)(void *)field)[(*n)++] = v;
        }
        break;
    }
    return 0;
}

/*
 * Fills the options of the first connection (initial) and of every resumption (resume), as
 * test_config.cc's ParseConfig does: an unprefixed flag applies to both, -on-initial-X to the
 * first only, -on-resume-X to the resumptions only, and -on-retry-X to the connection retried
 * after a 0-RTT rejection, which this shim never makes (no early data): checked, then ignored.
 * -on-shim-X applies, -on-handshaker-X is for the split handshaker (none here).
 * Returns 0, EXIT_UNIMPLEMENTED for an unknown flag, or 1 for a malformed command line.
 */
static int parse_flags(int argc, char **argv, shim_opts *initial, shim_opts *resume) {
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        int to_initial = 1, to_resume = 1;
        if (remove_prefix(&name, "-on-shim")) {
        } else if (remove_prefix(&name, "-on-handshaker")) {
            to_initial = to_resume = 0;
        }
        if (remove_prefix(&name, "-on-initial")) {
            to_resume = 0;
        } else if (remove_prefix(&name, "-on-resume")) {
            to_initial = 0;
        } else if (remove_prefix(&name, "-on-retry")) {
            to_initial = to_resume = 0;
        }
        const flag_def *f = NULL;
        for (size_t k = 0; k < sizeof(kFlags) / sizeof(kFlags[0]); k++)
            if (strcmp(kFlags[k].name, name) == 0) f = &kFlags[k];
        if (f == NULL) return unimplemented("flag %s", argv[i]);
        const char *param = NULL;
        if (f->kind != F_BOOL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "bogo shim: missing parameter for %s\n", argv[i]);
                return 1;
            }
            param = argv[++i];
        }
        int rc = 0;
        if (to_initial) rc = set_flag(initial, f, argv[i - (param != NULL)], param);
        if (rc == 0 && to_resume) rc = set_flag(resume, f, argv[i - (param != NULL)], param);
        if (rc != 0) return rc;
    }
    return 0;
}

/* ---- configuration ----------------------------------------------------------------------- */

/* Whether the certificate in the PEM file names host (DNS name or IP literal). */
static int cert_file_names_host(const char *path, const char *host) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x == NULL) return 0;
    int ok =
        X509_check_host(x, host, strlen(host), 0, NULL) == 1 || X509_check_ip_asc(x, host, 0) == 1;
    X509_free(x);
    return ok;
}

/* ---- signature schemes: BoringSSL's two lists onto tlsio's two ---------------------------- */

/* tlsio's schemes in its default order (docs/tls_config.md). */
static const uint16_t kTlsioSigalgs[] = {0x0403, 0x0503, 0x0807, 0x0804, 0x0805,
                                         0x0806, 0x0401, 0x0501, 0x0601};
#define N_TLSIO_SIGALGS (sizeof(kTlsioSigalgs) / sizeof(kTlsioSigalgs[0]))

static int in_list(const uint16_t *l, size_t n, uint16_t v) {
    for (size_t i = 0; i < n; i++)
        if (l[i] == v) return 1;
    return 0;
}

/* SHA-1 and MD5 schemes, which tlsio refuses by design (RFC 9155): rsa_pkcs1_sha1, ecdsa_sha1,
 * the legacy dsa/sha1 and md5 code points, and BoringSSL's internal MD5+SHA-1 value. */
static int refused_by_design(int64_t v) {
    return v == 0x0201 || v == 0x0202 || v == 0x0203 || v == 0x0101 || v == 0x0103 || v == 0xff01;
}

/* One -signing-prefs / -verify-prefs list into tlsio values. SHA-1/MD5 schemes are dropped
 * (tlsio never signs or accepts them, so a BoringSSL list naming them means the same minus
 * them); any other scheme tlsio lacks (P-521, rsa_pss_pss_*, unknown) exits 89. */
static int filter_prefs(const int64_t *in, size_t n, const char *flag, uint16_t *out,
                        size_t *n_out) {
    *n_out = 0;
    for (size_t i = 0; i < n; i++) {
        if (refused_by_design(in[i])) continue;
        if (in[i] < 0 || in[i] > 0xffff ||
            !in_list(kTlsioSigalgs, N_TLSIO_SIGALGS, (uint16_t)in[i]))
            return unimplemented("%s %lld (not a tlsio signature scheme)", flag, (long long)in[i]);
        if (!in_list(out, *n_out, (uint16_t)in[i])) out[(*n_out)++] = (uint16_t)in[i];
    }
    if (n > 0 && *n_out == 0)
        return unimplemented("%s names only SHA-1/MD5 schemes, which tlsio refuses", flag);
    return 0;
}

/* A scheme list as tlsio names ("" when n is 0). */
static void scheme_names(const uint16_t *l, size_t n, char *names, size_t cap) {
    names[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0) strncat(names, ":", cap - strlen(names) - 1);
        strncat(names, tls_signature_scheme_name(l[i]), cap - strlen(names) - 1);
    }
}

/*
 * BoringSSL's verify prefs (what it offers and accepts) are tls_config_set_signature_schemes;
 * its signing prefs are tls_config_set_signing_schemes. With verify prefs alone BoringSSL
 * still signs in its default order, whereas tlsio would then sign in the verify order, within
 * it: the shim passes tlsio's default list as the signing list in that case.
 * Writes the two lists ("" for no call) and returns 0, or EXIT_UNIMPLEMENTED.
 */
static int sigalg_lists(const shim_opts *o, char *verify, char *sign, size_t cap) {
    uint16_t sp[MAX_INT_LIST], vp[MAX_INT_LIST];
    size_t nsp, nvp;
    int rc = filter_prefs(o->signing_prefs, o->n_signing_prefs, "-signing-prefs", sp, &nsp);
    if (rc == 0) rc = filter_prefs(o->verify_prefs, o->n_verify_prefs, "-verify-prefs", vp, &nvp);
    if (rc != 0) return rc;
    scheme_names(vp, nvp, verify, cap);
    if (nsp > 0)
        scheme_names(sp, nsp, sign, cap);
    else
        scheme_names(kTlsioSigalgs, nvp > 0 ? N_TLSIO_SIGALGS : 0, sign, cap);
    return 0;
}

/*
 * -ticket-key: BoringSSL's 48-byte ticket key (SSL_CTX_set_tlsext_ticket_keys: 16 bytes of
 * name, 16 of HMAC key, 16 of AES key), base64. tlsio's keys are 48 bytes too (16 of name, 32
 * of AES-256-GCM key): the same bytes are used as one, so every connection of the test shares
 * it as BoringSSL's would. The runner cannot read tlsio's tickets either way (they are
 * tlsio's own format), so the tests that rewrite them are disabled in config.json.
 */
static int decode_ticket_key(const char *b64, uint8_t out[TLS_TICKET_KEY_LEN]) {
    size_t max = 0, len = 0;
    if (!EVP_DecodedLength(&max, strlen(b64))) return -1;
    uint8_t *buf = malloc(max ? max : 1);
    if (buf == NULL) return -1;
    int ok = EVP_DecodeBase64(buf, &len, max, (const uint8_t *)b64, strlen(b64)) &&
             len == TLS_TICKET_KEY_LEN;
    if (ok) memcpy(out, buf, TLS_TICKET_KEY_LEN);
    OPENSSL_cleanse(buf, max);
    free(buf);
    return ok ? 0 : -1;
}

/* Decisions that need no connection: which flags ask for what tlsio does not do. Returns 0 or
 * EXIT_UNIMPLEMENTED (or 1 for contradictory flags). */
static int check_supported(const shim_opts *o) {
    if (o->resume_count < 0) {
        fprintf(stderr, "bogo shim: negative -resume-count\n");
        return 1;
    }
    /* tlsio has no 0-RTT: its tickets never allow early data (RFC 8446 §4.2.10). */
    if (o->expect_ticket_supports_early_data)
        return unimplemented("-expect-ticket-supports-early-data (tlsio has no 0-RTT)");
    /* BoringSSL's SSL_get_early_data_reason: "disabled" means early data was not enabled by
     * configuration, which is always so in tlsio; any other reason needs 0-RTT. */
    if (o->expect_early_data_reason != NULL && strcmp(o->expect_early_data_reason, "disabled") != 0)
        return unimplemented("-expect-early-data-reason %s (tlsio has no 0-RTT)",
                             o->expect_early_data_reason);
    /* A resumed tlsio connection inherits the original authentication (RFC 8446 §2.2); it
     * neither keeps the peer's chain in the session nor verifies it again. */
    if (o->reverify_on_resume) return unimplemented("-reverify-on-resume");
    /* Stateless tickets only (RFC 5077): a tlsio server never keeps sessions by ID. */
    if (o->expect_session_id)
        return unimplemented("-expect-session-id (tlsio keeps no session-ID cache)");
    /* On a server it always holds; on a client it would be about the client's own cache. */
    if (o->expect_no_session_id && !o->server)
        return unimplemented("-expect-no-session-id on a client");
    if (o->no_ticket && !o->server)
        return unimplemented("-no-ticket on a client (tlsio clients always accept tickets)");
    if (o->ticket_key != NULL) {
        uint8_t key[TLS_TICKET_KEY_LEN];
        if (decode_ticket_key(o->ticket_key, key) != 0)
            return unimplemented("-ticket-key of another size than %d bytes", TLS_TICKET_KEY_LEN);
    }
    if (o->export_keying_material > 1 << 16)
        return unimplemented("-export-keying-material above 65536 bytes");
    /* On a client, -require-any-client-certificate (BoringSSL: SSL_VERIFY_PEER |
     * SSL_VERIFY_FAIL_IF_NO_PEER_CERT) asks for what a tlsio client always does: require the
     * server's certificate and verify it. Like -verify-peer on a client, it changes nothing. */
    char verify[256], sign[256];
    int rc = sigalg_lists(o, verify, sign, sizeof(verify));
    if (rc != 0) return rc;
    if (o->max_version != 0 && o->max_version < TLS_VERSION_1_2)
        return unimplemented("-max-version %lld (tlsio speaks TLS 1.2 and 1.3 only)",
                             (long long)o->max_version);
    if (o->min_version > TLS_VERSION_1_3 || o->max_version > TLS_VERSION_1_3)
        return unimplemented("a version above TLS 1.3");
    if (o->expect_version != 0 && o->expect_version != TLS_VERSION_1_2 &&
        o->expect_version != TLS_VERSION_1_3)
        return unimplemented("-expect-version %lld", (long long)o->expect_version);
    for (size_t i = 0; i < o->n_curves; i++) {
        if (o->curves[i] < 0 || o->curves[i] > 0xffff ||
            strcmp(tls_group_name((uint16_t)o->curves[i]), "unknown") == 0)
            return unimplemented("group %lld", (long long)o->curves[i]);
    }
    if (o->advertise_alpn != NULL && !o->server) {
        /* Wire form (u8-length-prefixed names); tlsio's setter takes a comma-separated list. */
        const unsigned char *p = (const unsigned char *)o->advertise_alpn;
        size_t len = strlen(o->advertise_alpn);
        for (size_t i = 0; i < len;) {
            size_t n = p[i];
            if (n == 0 || i + 1 + n > len) {
                fprintf(stderr, "bogo shim: malformed -advertise-alpn\n");
                return 1;
            }
            if (memchr(p + i + 1, ',', n) != NULL)
                return unimplemented("an ALPN protocol name containing ','");
            i += 1 + n;
        }
    }
    if (o->select_alpn != NULL && strchr(o->select_alpn, ',') != NULL)
        return unimplemented("an ALPN protocol name containing ','");
    if (o->select_alpn != NULL && o->select_alpn[0] == '\0')
        return unimplemented("selecting an empty ALPN protocol");
    if (!o->server && o->host_name != NULL && o->trust_cert != NULL && o->trust_cert[0] != '\0' &&
        !cert_file_names_host(o->trust_cert, o->host_name))
        /* tlsio always verifies the server's name; BoringSSL's shim does not verify it. */
        return unimplemented("-host-name %s, which the runner's certificate does not name "
                             "(tlsio cannot skip host name verification)",
                             o->host_name);
    if (o->max_send_fragment < 0 || o->read_size < 0) {
        fprintf(stderr, "bogo shim: negative size\n");
        return 1;
    }
    return 0;
}

/* ---- hooks: the peer check and the message trace ----------------------------------------- */

/* What the config's hooks saw during the connection. */
typedef struct shim_hooks {
    const shim_opts *o;
    int checked;       /* the peer check ran */
    int verdict;       /* tlsio's verdict it was told (0: the chain verified) */
    char *trace;       /* BoringSSL's message-callback text ("write hs 1\n" ...) */
    uint8_t *peer_der; /* the peer's certificates as sent, DER back to back */
    size_t peer_der_len;
    size_t trace_len, trace_cap;
    /* The peer's signature_algorithms as received (ClientHello on a server, CertificateRequest
     * on a client); n_peer_sigalgs < 0 while none was seen. */
    uint16_t peer_sigalgs[64];
    int n_peer_sigalgs;
    int client_ca_guessed; /* server: the client CA is the shim's own -cert-file */
    int tickets12;         /* client: TLS 1.2 NewSessionTickets received with a ticket */
    int alpn_mismatch;     /* server: the client's ALPN list was not -expect-advertised-alpn */
    /* TLS 1.3 application traffic secrets, from the key log (-export-traffic-secrets) */
    uint8_t c_ap[48], s_ap[48];
    size_t c_ap_len, s_ap_len;
} shim_hooks;

/* Decodes the last field of a key log line (the secret, hex) into out; its length. */
static size_t keylog_secret(const char *line, uint8_t *out, size_t cap) {
    const char *hex = strrchr(line, ' ');
    size_t n = hex != NULL ? strlen(++hex) / 2 : 0;
    if (n > cap) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return 0;
        out[i] = (uint8_t)v;
    }
    return n;
}

/* The key log, as BoringSSL's shim uses its keylog callback: keeps what
 * -export-traffic-secrets sends to the runner. */
static void shim_keylog(void *arg, const tls_engine *e, const char *line) {
    (void)e;
    shim_hooks *h = arg;
    if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0)
        h->c_ap_len = keylog_secret(line, h->c_ap, sizeof h->c_ap);
    else if (strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0)
        h->s_ap_len = keylog_secret(line, h->s_ap, sizeof h->s_ap);
}

/* Server ALPN, as BoringSSL's shim's select callback: check the list the client offered
 * (-expect-advertised-alpn, in wire form), then decline (-decline-alpn: no ALPN), refuse
 * (-reject-alpn: no_application_protocol) or pick -select-alpn when the client offered it. */
static int select_alpn(void *arg, const uint8_t *offered, size_t len) {
    shim_hooks *h = arg;
    const shim_opts *o = h->o;
    const char *want = o->expect_advertised_alpn;
    if (want != NULL && (strlen(want) != len || memcmp(want, offered, len) != 0)) {
        h->alpn_mismatch = 1;
        return TLS_ALPN_REFUSE;
    }
    if (o->reject_alpn) return TLS_ALPN_REFUSE;
    if (o->decline_alpn || o->select_alpn == NULL) return TLS_ALPN_NONE;
    size_t sel = strlen(o->select_alpn);
    for (size_t i = 0, k = 0; i < len; i += 1 + offered[i], k++)
        if (offered[i] == sel && memcmp(offered + i + 1, o->select_alpn, sel) == 0) return (int)k;
    return TLS_ALPN_NONE;
}

/* -verify-fail: refuse the chain as BoringSSL's verify callbacks do: its legacy callback's
 * failure is handshake_failure, a custom callback's certificate_unknown. */
static int shim_peer_check(void *arg, const tls_peer_check_info *info) {
    shim_hooks *h = arg;
    h->checked = 1;
    h->verdict = info->verdict;
    size_t total = 0;
    for (size_t i = 0; i < info->n_certs; i++)
        total += info->cert_lens[i];
    free(h->peer_der);
    h->peer_der = malloc(total ? total : 1);
    h->peer_der_len = 0;
    for (size_t i = 0; h->peer_der != NULL && i < info->n_certs; i++) {
        memcpy(h->peer_der + h->peer_der_len, info->certs[i], info->cert_lens[i]);
        h->peer_der_len += info->cert_lens[i];
    }
    if (!h->o->verify_fail) return 0;
    return h->o->custom_verify_callback ? TLS_ALERT_CERTIFICATE_UNKNOWN
                                        : TLS_ALERT_HANDSHAKE_FAILURE;
}

static void trace_append(shim_hooks *h, const char *line) {
    size_t n = strlen(line);
    if (h->trace_len + n + 1 > h->trace_cap) {
        size_t cap = (h->trace_cap + n + 1) * 2;
        char *p = realloc(h->trace, cap);
        if (p == NULL) return; /* the comparison at the end then fails */
        h->trace = p;
        h->trace_cap = cap;
    }
    memcpy(h->trace + h->trace_len, line, n + 1);
    h->trace_len += n;
}

/* The body of extension `type` in an extension block (u16 length included), or 0. */
static int find_ext(const uint8_t *p, size_t len, uint16_t type, const uint8_t **body,
                    size_t *body_len) {
    if (len < 2 || (size_t)(p[0] << 8 | p[1]) != len - 2) return 0;
    for (size_t at = 2; at + 4 <= len;) {
        uint16_t t = (uint16_t)(p[at] << 8 | p[at + 1]);
        size_t n = (size_t)(p[at + 2] << 8 | p[at + 3]);
        if (at + 4 + n > len) return 0;
        if (t == type) {
            *body = p + at + 4;
            *body_len = n;
            return 1;
        }
        at += 4 + n;
    }
    return 0;
}

/* Keeps a signature_algorithms list (u16 length + values) as the peer's verify prefs. */
static void keep_sigalgs(shim_hooks *h, const uint8_t *p, size_t len) {
    if (len < 2 || (size_t)(p[0] << 8 | p[1]) != len - 2) return;
    h->n_peer_sigalgs = 0;
    for (size_t at = 2; at + 2 <= len && h->n_peer_sigalgs < 64; at += 2)
        h->peer_sigalgs[h->n_peer_sigalgs++] = (uint16_t)(p[at] << 8 | p[at + 1]);
}

/* -expect-peer-verify-pref: the signature_algorithms of a received ClientHello (RFC 8446
 * §4.1.2 layout, TLS 1.2's too) or CertificateRequest (RFC 8446 §4.3.2 extension, or RFC
 * 5246 §7.4.4's supported_signature_algorithms after certificate_types). */
static void peer_sigalgs_from(shim_hooks *h, const tls_engine *e, const uint8_t *msg, size_t len) {
    const uint8_t *b = NULL;
    size_t n = 0, at = 4;
    if (len < 4) return;
    if (msg[0] == 1) { /* ClientHello */
        at += 2 + 32;
        if (at + 1 > len) return;
        at += 1 + msg[at];
        if (at + 2 > len) return;
        at += 2 + (size_t)(msg[at] << 8 | msg[at + 1]);
        if (at + 1 > len) return;
        at += 1 + msg[at];
        if (at <= len && find_ext(msg + at, len - at, 13, &b, &n)) keep_sigalgs(h, b, n);
    } else if (msg[0] == 13 && tls_engine_version(e) == TLS_VERSION_1_3) {
        if (at + 1 > len) return;
        at += 1 + msg[at];
        if (at <= len && find_ext(msg + at, len - at, 13, &b, &n)) keep_sigalgs(h, b, n);
    } else if (msg[0] == 13) {
        if (at + 1 > len) return;
        at += 1 + msg[at];
        if (at + 2 <= len) keep_sigalgs(h, msg + at, 2 + (size_t)(msg[at] << 8 | msg[at + 1]));
    }
}

/* The text BoringSSL's shim builds from its message callback (test_config.cc). */
static void shim_trace(void *arg, const tls_engine *e, int direction, uint8_t type,
                       const uint8_t *msg, size_t len) {
    shim_hooks *h = arg;
    if (direction == TLS_TRACE_RECEIVED && type == 22) peer_sigalgs_from(h, e, msg, len);
    /* A TLS 1.2 NewSessionTicket (RFC 5077 §3.3: lifetime hint, then ticket<0..2^16-1>) that
     * carries a ticket: the one thing a tlsio session can come from (check_resumption). */
    if (direction == TLS_TRACE_RECEIVED && type == 22 && len >= 10 && msg[0] == 4 &&
        tls_engine_version(e) == TLS_VERSION_1_2 && (msg[8] != 0 || msg[9] != 0))
        h->tickets12++;
    if (h->o->expect_msg_callback == NULL) return;
    char line[48];
    const char *dir = direction == TLS_TRACE_SENT ? "write" : "read";
    if (type == 22 && len >= 1)
        snprintf(line, sizeof(line), "%s hs %u\n", dir, msg[0]);
    else if (type == 20)
        snprintf(line, sizeof(line), "%s ccs\n", dir);
    else if (type == 21 && len == 2)
        snprintf(line, sizeof(line), "%s alert %u %u\n", dir, msg[0], msg[1]);
    else
        snprintf(line, sizeof(line), "%s ? type %u length %zu\n", dir, type, len);
    trace_append(h, line);
}

/* Whether the PEM file's certificates, in order, are exactly der[0..len). */
static int pem_file_is(const char *path, const uint8_t *der, size_t len) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    X509 *x;
    size_t off = 0;
    int same = 1;
    while (same && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        uint8_t *one = NULL;
        int n = i2d_X509(x, &one);
        same = n > 0 && off + (size_t)n <= len && memcmp(der + off, one, (size_t)n) == 0;
        off += n > 0 ? (size_t)n : 0;
        OPENSSL_free(one);
        X509_free(x);
    }
    fclose(f);
    return same && off == len;
}

static int check_hooks(const shim_hooks *h) {
    const shim_opts *o = h->o;
    if (o->n_expect_peer_verify_prefs > 0) {
        int same = h->n_peer_sigalgs == (int)o->n_expect_peer_verify_prefs;
        for (int i = 0; same && i < h->n_peer_sigalgs; i++)
            same = h->peer_sigalgs[i] == o->expect_peer_verify_prefs[i];
        if (!same)
            return shim_error("EXPECTATION_FAILED",
                              "-expect-peer-verify-pref: the peer's signature_algorithms had %d "
                              "entries (first 0x%04x), expected %zu (first 0x%04llx)",
                              h->n_peer_sigalgs, h->n_peer_sigalgs > 0 ? h->peer_sigalgs[0] : 0,
                              o->n_expect_peer_verify_prefs,
                              (long long)o->expect_peer_verify_prefs[0]);
    }
    if (o->expect_peer_cert_file != NULL &&
        !pem_file_is(o->expect_peer_cert_file, h->peer_der, h->peer_der_len))
        return shim_error("EXPECTATION_FAILED",
                          "-expect-peer-cert-file: the peer's chain differs from %s",
                          o->expect_peer_cert_file);
    if (o->expect_verify_result && h->checked && h->verdict != 0)
        return shim_error("EXPECTATION_FAILED", "-expect-verify-result: verification failed (%s)",
                          tls_error_code_name(h->verdict));
    if (o->expect_msg_callback != NULL &&
        strcmp(h->trace ? h->trace : "", o->expect_msg_callback) != 0)
        return shim_error("EXPECTATION_FAILED", "-expect-msg-callback: wanted\n%sgot\n%s",
                          o->expect_msg_callback, h->trace ? h->trace : "");
    return 0;
}

static int config_error(tls_config *cfg, const char *what) {
    return shim_error("USAGE", "%s: %s", what, tls_config_error(cfg));
}

/*
 * -cipher: BoringSSL's cipher string sets the TLS 1.2 suites only ("[A|B]" groups are of equal
 * preference). The names tlsio implements are kept in order, the others (RSA key exchange,
 * CBC) left out; TLS 1.3's suites stay enabled, as in BoringSSL. Anything but plain suite
 * names, DEFAULT/ALL (all of ours) and !X (drop suites with component X) exits 89.
 */
static int cipher_list(const char *spec, char *out, size_t cap) {
    static const char *const kOurs12[] = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                                          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                                          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"};
    enum { N = sizeof(kOurs12) / sizeof(kOurs12[0]) };
    size_t order[N], n = 0;
    char tok[96];
    for (const char *p = spec; *p != '\0';) {
        size_t len = strcspn(p, ":|[]");
        if (len >= sizeof(tok)) return unimplemented("-cipher %s", spec);
        memcpy(tok, p, len);
        tok[len] = '\0';
        if (strcmp(tok, "DEFAULT") == 0 || strcmp(tok, "ALL") == 0) {
            for (size_t i = 0; i < N; i++) {
                size_t k = 0;
                while (k < n && order[k] != i)
                    k++;
                if (k == n) order[n++] = i;
            }
        } else if (tok[0] == '!' && tok[1] != '\0') {
            /* "!AES": drop every suite with that component, as an OpenSSL-style rule does. */
            char word[100];
            snprintf(word, sizeof(word), "_%s_", tok + 1);
            size_t w = 0;
            for (size_t k = 0; k < n; k++)
                if (strstr(kOurs12[order[k]], word) == NULL) order[w++] = order[k];
            n = w;
        } else if (len > 0) {
            if (strncmp(tok, "TLS_", 4) != 0)
                return unimplemented("-cipher %s (keyword %s)", spec, tok);
            for (size_t i = 0; i < N; i++)
                if (strcmp(tok, kOurs12[i]) == 0) order[n++] = i;
        }
        p += len;
        if (*p != '\0') p++;
    }
    if (n == 0) return unimplemented("-cipher %s (no suite tlsio implements)", spec);
    out[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        strncat(out, kOurs12[order[k]], cap - strlen(out) - 1);
        strncat(out, ":", cap - strlen(out) - 1);
    }
    strncat(out, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
            cap - strlen(out) - 1);
    return 0;
}

/* The runner writes every certificate it generates (self-signed leaves, roots, chains) to
 * files named test-cert* in one temporary directory, the one that holds the shim's own
 * -cert-file. BoringSSL's shim accepts any client certificate; tlsio verifies every client
 * chain, so the closest a server test can come is to trust each of those files as a client
 * CA: the chain, its signatures, validity and key usage and the client's CertificateVerify
 * are all still checked. All the runner's self-signed certificates share one name ("CN=test
 * cert", no key identifiers); tlsio verifies a self-issued client certificate against the
 * anchor that is that exact certificate (crypto_x509.c), so the name clash does not matter.
 * 0, or -1 with the config's error set. */
static int trust_runner_certs(tls_config *cfg, const char *cert_file) {
    char dir[4096];
    const char *slash = strrchr(cert_file, '/');
    size_t n = slash != NULL ? (size_t)(slash - cert_file) : 0;
    if (slash == NULL || n + 1 > sizeof dir) return 0;
    memcpy(dir, cert_file, n);
    dir[n] = '\0';
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    int rc = 0;
    struct dirent *ent;
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        if (strncmp(ent->d_name, "test-cert", 9) != 0) continue;
        char path[4096 + 256];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (strcmp(path, cert_file) != 0) rc = tls_config_add_client_ca_file(cfg, path);
    }
    closedir(d);
    return rc;
}

/* The runner's CA name list: DER names in hex, comma-separated; "<NULL>" and "<EMPTY>" (no
 * names) give 0 bytes. Decoded back to back into out; the length, or -1 if malformed. */
static long decode_ca_list(const char *in, uint8_t *out, size_t cap) {
    if (strcmp(in, "<NULL>") == 0 || strcmp(in, "<EMPTY>") == 0) return 0;
    size_t n = 0;
    for (const char *p = in; *p != '\0'; p++) {
        if (*p == ',') continue;
        unsigned v;
        if (p[1] == '\0' || n >= cap || sscanf(p, "%2x", &v) != 1) return -1;
        out[n++] = (uint8_t)v;
        p++;
    }
    return (long)n;
}

static int build_config(const shim_opts *o, tls_config *cfg, shim_hooks *hooks) {
    if (o->cipher != NULL) {
        char list[512];
        int rc = cipher_list(o->cipher, list, sizeof(list));
        if (rc != 0) return rc;
        if (tls_config_set_ciphers(cfg, list) != 0) return config_error(cfg, "-cipher");
    }
    if (tls_config_set_peer_check(cfg, shim_peer_check, hooks) != 0 ||
        tls_config_set_trace(cfg, shim_trace, hooks) != 0 ||
        (o->export_traffic_secrets && tls_config_set_keylog(cfg, shim_keylog, hooks) != 0))
        return config_error(cfg, "hooks");
    uint16_t min = TLS_VERSION_1_2, max = TLS_VERSION_1_3;
    if (o->min_version > min) min = (uint16_t)o->min_version;
    if (o->max_version != 0 && o->max_version < max) max = (uint16_t)o->max_version;
    if (o->no_tls13 && max > TLS_VERSION_1_2) max = TLS_VERSION_1_2;
    if (o->no_tls12 && min < TLS_VERSION_1_3) min = TLS_VERSION_1_3;
    if (min > max) return shim_error("USAGE", "no protocol version is enabled");
    if (tls_config_set_versions(cfg, min, max) != 0) return config_error(cfg, "versions");

    char verify[256], sign[256];
    if (sigalg_lists(o, verify, sign, sizeof(verify)) != 0) return EXIT_UNIMPLEMENTED;
    if (verify[0] != '\0' && tls_config_set_signature_schemes(cfg, verify) != 0)
        return config_error(cfg, "-verify-prefs");
    if (sign[0] != '\0' && tls_config_set_signing_schemes(cfg, sign) != 0)
        return config_error(cfg, "-signing-prefs");

    if (o->n_curves > 0) {
        char names[256] = "";
        for (size_t i = 0; i < o->n_curves; i++) {
            if (i > 0) strncat(names, ":", sizeof(names) - strlen(names) - 1);
            strncat(names, tls_group_name((uint16_t)o->curves[i]),
                    sizeof(names) - strlen(names) - 1);
        }
        if (tls_config_set_groups(cfg, names) != 0) return config_error(cfg, "-curves");
    }

    if (o->max_send_fragment > 0) {
        /* Clamped to the engine's range, as BoringSSL clamps; below it, write_app's own split
         * still bounds application data records. */
        size_t n = (size_t)o->max_send_fragment;
        if (n < TLS_MIN_SEND_FRAGMENT) n = TLS_MIN_SEND_FRAGMENT;
        if (n > TLS_MAX_SEND_FRAGMENT) n = TLS_MAX_SEND_FRAGMENT;
        if (tls_config_set_max_send_fragment(cfg, n) != 0)
            return config_error(cfg, "-max-send-fragment");
    }

    if (o->server && (o->expect_advertised_alpn || o->decline_alpn || o->reject_alpn)) {
        if (tls_config_set_alpn_select(cfg, select_alpn, hooks) != 0)
            return config_error(cfg, "ALPN hook");
    } else if (o->server) {
        if (o->select_alpn != NULL && tls_config_set_alpn(cfg, o->select_alpn) != 0)
            return config_error(cfg, "-select-alpn");
    } else if (o->advertise_alpn != NULL) {
        const unsigned char *p = (const unsigned char *)o->advertise_alpn;
        size_t len = strlen(o->advertise_alpn);
        char *list = malloc(len + 1);
        if (list == NULL) return shim_error("OUT_OF_MEMORY", "ALPN list");
        size_t w = 0;
        for (size_t i = 0; i < len; i += 1 + p[i]) {
            if (w > 0) list[w++] = ',';
            memcpy(list + w, p + i + 1, p[i]);
            w += p[i];
        }
        list[w] = '\0';
        int rc = tls_config_set_alpn(cfg, list);
        free(list);
        if (rc != 0) return config_error(cfg, "-advertise-alpn");
    }

    /* BoringSSL's SSL_set_retain_only_sha256_of_client_certs keeps the client leaf's hash and
     * drops the certificates; tlsio's tls_config_set_keep_peer_chain(cfg, 0) keeps the leaf's
     * identity (hash, subject...) without the chain. Both decline sessions of the other kind. */
    if (o->retain_only_sha256_client_cert && tls_config_set_keep_peer_chain(cfg, 0) != 0)
        return config_error(cfg, "-retain-only-sha256-client-cert");

    /* A server with -verify-peer asks for a certificate and verifies one that is sent
     * (optional); -require-any-client-certificate refuses a client without one (required). */
    if (o->server && (o->verify_peer || o->require_any_client_cert)) {
        int mode =
            o->require_any_client_cert ? TLS_CLIENT_VERIFY_REQUIRED : TLS_CLIENT_VERIFY_OPTIONAL;
        if (tls_config_set_client_verify(cfg, mode) != 0) return config_error(cfg, "-verify-peer");
        /* tlsio always verifies the client's chain, while BoringSSL's shim accepts any chain
         * unless told to fail, and the runner passes no anchor for server tests. Its
         * certificates are self-signed, and most server tests have the client present the
         * same one as the shim's -cert-file: that file (or -trust-cert, if given) becomes the
         * client CA. A client chain that does not verify against it is a test this shim
         * cannot run (see engine_failure). */
        const char *anchor =
            o->trust_cert != NULL && o->trust_cert[0] != '\0' ? o->trust_cert : o->cert_file;
        if (anchor != NULL && tls_config_add_client_ca_file(cfg, anchor) != 0)
            return config_error(cfg, "client CA");
        hooks->client_ca_guessed = anchor == o->cert_file;
        if (hooks->client_ca_guessed && trust_runner_certs(cfg, o->cert_file) != 0)
            return config_error(cfg, "client CA (the runner's certificates)");
    }
    if (o->server && o->use_client_ca_list != NULL) {
        static uint8_t names[65536];
        long n = decode_ca_list(o->use_client_ca_list, names, sizeof names);
        if (n < 0) return shim_error("BAD_FLAG", "-use-client-ca-list: malformed");
        if (tls_config_set_client_ca_names(cfg, names, (size_t)n) != 0)
            return config_error(cfg, "-use-client-ca-list");
    }
    /* The runner passes an empty -trust-cert for chains that have no root (garbage leaves):
     * then nothing is trusted. */
    if (o->trust_cert != NULL && o->trust_cert[0] != '\0' &&
        tls_config_add_ca_file(cfg, o->trust_cert) != 0)
        return config_error(cfg, "-trust-cert");
    if (o->cert_file != NULL || o->key_file != NULL) {
        if (o->cert_file == NULL || o->key_file == NULL)
            return shim_error("USAGE", "-cert-file and -key-file go together");
        if (tls_config_add_cert_file(cfg, o->cert_file, o->key_file) != 0)
            return config_error(cfg, "-cert-file/-key-file");
    }
    return 0;
}

/* ---- the connection ---------------------------------------------------------------------- */

typedef struct shim_conn {
    const shim_opts *o;
    tls_engine *e;
    int fd;
    int eof;               /* the socket reached end of stream */
    int hrr_seen;          /* last tlsio_testing_hrr_seen() value while the handshake ran */
    int client_ca_guessed; /* server: the client CA is the shim's own -cert-file */
    const shim_hooks *hooks;
    int is_resume;              /* a connection after the first (-resume-count) */
    tls_session *session;       /* client: the newest session received so far (owned) */
    const tls_session *offered; /* client: the session this connection offered, or NULL */
    int got_session;            /* client: a session arrived since the last take_sessions */
} shim_conn;

static int connect_runner(const shim_opts *o) {
    if (o->port <= 0 || o->port > 65535) {
        fprintf(stderr, "bogo shim: -port is required\n");
        return -1;
    }
    int fd = socket(o->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int rc;
    if (o->ipv6) {
        struct sockaddr_in6 a;
        memset(&a, 0, sizeof(a));
        a.sin6_family = AF_INET6;
        a.sin6_port = htons((uint16_t)o->port);
        a.sin6_addr = in6addr_loopback;
        rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    } else {
        struct sockaddr_in a;
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)o->port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    }
    if (rc != 0) {
        fprintf(stderr, "bogo shim: connect to port %lld: %s\n", (long long)o->port,
                strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Sends everything the engine has queued. 0, or -1 after a socket error (reported). */
static int flush_out(shim_conn *c) {
    size_t n;
    const uint8_t *p;
    while ((p = tls_engine_send_buf(c->e, &n)) != NULL) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            fprintf(stderr, ":SOCKET: send: %s\n", strerror(errno));
            return -1;
        }
        tls_engine_send_ack(c->e, (size_t)w);
    }
    return 0;
}

/* Reports the engine's failure (after sending its alert, best effort). Returns 1. */
/*
 * Closing a socket that still holds unread bytes makes the kernel send a TCP RST, and a
 * peer that receives the RST may lose our last records (an alert) before reading them: the
 * runner then sees EOF instead of the alert. So: half-close, drain what the runner sent for
 * at most a second, then close.
 */
static void close_gracefully(int fd) {
    shutdown(fd, SHUT_WR);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint8_t buf[4096];
    for (int i = 0; i < 64 && poll(&p, 1, 1000) == 1; i++)
        if (recv(fd, buf, sizeof(buf), 0) <= 0) break;
    close(fd);
}

static int engine_failure(shim_conn *c) {
    size_t n;
    while (tls_engine_send_buf(c->e, &n) != NULL) {
        const uint8_t *p = tls_engine_send_buf(c->e, &n);
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) break;
        tls_engine_send_ack(c->e, (size_t)w);
    }
    if (c->hooks != NULL && c->hooks->alpn_mismatch)
        return shim_error("EXPECTATION_FAILED", "the client's ALPN list is not "
                                                "-expect-advertised-alpn");
    char name[64];
    upper_snake(tls_error_code_name(tls_engine_error_code(c->e)), name, sizeof(name));
    int cat = tls_engine_error_category(c->e);
    if (c->client_ca_guessed && cat == TLS_ERRCAT_CERTIFICATE &&
        tls_engine_error_code(c->e) == TLS_ALERT_UNKNOWN_CA)
        return unimplemented("the runner's client certificate does not verify against the "
                             "client CAs the shim could guess (tlsio always verifies client "
                             "chains; the runner passes no trust anchor to a server): %s",
                             tls_engine_error(c->e));
    if (cat == TLS_ERRCAT_PEER_ALERT)
        fprintf(stderr, ":PEER_ALERT_%s: %s\n", name, tls_engine_error(c->e));
    else /* ":CERTIFICATE:" marks every failure of certificate verification, whatever alert */
        fprintf(stderr, "%s:%s: %s\n", cat == TLS_ERRCAT_CERTIFICATE ? ":CERTIFICATE:" : "", name,
                tls_engine_error(c->e));
    return 1;
}

/*
 * One read from the socket into the engine. At end of stream: with `eof_is_error` (during the
 * handshake, or with -check-close-notify) the engine records truncation unless close_notify
 * came first; otherwise c->eof is set and it is left to the caller. Returns 0, 1 after an engine
 * failure or -1 after a socket error (both reported).
 */
static int fill_in(shim_conn *c, int eof_is_error) {
    size_t cap;
    uint8_t *p = tls_engine_recv_buf(c->e, &cap);
    if (p == NULL || cap == 0) return shim_error("INTERNAL", "the engine takes no input");
    ssize_t r;
    do {
        r = recv(c->fd, p, cap, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        fprintf(stderr, ":SOCKET: recv: %s\n", strerror(errno));
        return -1;
    }
    if (r == 0) {
        c->eof = 1;
        if (eof_is_error && tls_engine_recv_eof(c->e) != 0) return engine_failure(c);
        return 0;
    }
    int rc = tls_engine_recv_ack(c->e, (size_t)r);
    int hrr = tlsio_testing_hrr_seen(c->e);
    if (hrr >= 0) c->hrr_seen = hrr;
    if (rc != 0) return engine_failure(c);
    return 0;
}

static int do_handshake(shim_conn *c) {
    for (;;) {
        if (flush_out(c) != 0) return 1;
        unsigned st = tls_engine_status(c->e);
        if (st & TLS_ST_FAILED) return engine_failure(c);
        if (st & TLS_ST_CONNECTED) return 0;
        if (!(st & TLS_ST_WANT_RECV))
            return shim_error("INTERNAL", "the handshake stalled (status 0x%x)", st);
        int rc = fill_in(c, 1);
        if (rc != 0) return rc == EXIT_UNIMPLEMENTED ? rc : 1;
    }
}

/* Reads up to cap bytes of application data. >0 bytes, 0 at the end of the stream (peer's
 * close_notify, or a bare EOF without -check-close-notify), -1 after a reported failure. */
static long read_app(shim_conn *c, uint8_t *buf, size_t cap) {
    for (;;) {
        size_t n;
        const uint8_t *p = tls_engine_read_buf(c->e, &n);
        if (p != NULL && n > 0) {
            if (n > cap) n = cap;
            memcpy(buf, p, n);
            if (c->o->peek_then_read) {
                /* BoringSSL's peek-then-read: a read buffer not acked is still there, unchanged. */
                size_t again;
                const uint8_t *q = tls_engine_read_buf(c->e, &again);
                if (q != p || again < n || memcmp(q, buf, n) != 0)
                    return shim_error("EXPECTATION_FAILED", "-peek-then-read: data changed"), -1;
            }
            tls_engine_read_ack(c->e, n);
            return (long)n;
        }
        if (flush_out(c) != 0) return -1; /* e.g. our KeyUpdate answer */
        unsigned st = tls_engine_status(c->e);
        if (st & TLS_ST_FAILED) {
            engine_failure(c);
            return -1;
        }
        if (st & TLS_ST_PEER_CLOSED) return 0;
        if (c->eof) return 0;
        if (fill_in(c, c->o->check_close_notify) != 0) return -1;
    }
}

/* Writes all of buf, in records of at most -max-send-fragment bytes. 0 or 1 (reported).
 * With flush 0 the records stay in the engine's send buffer until the next flush. */
static int write_app_ex(shim_conn *c, const uint8_t *buf, size_t len, int flush) {
    size_t frag = c->o->max_send_fragment > 0 ? (size_t)c->o->max_send_fragment : 16384;
    while (len > 0) {
        size_t room;
        uint8_t *p = tls_engine_write_buf(c->e, &room);
        if (p == NULL || room == 0) {
            if (tls_engine_status(c->e) & TLS_ST_FAILED) return engine_failure(c);
            if (tls_engine_send_buf(c->e, &room) == NULL)
                return shim_error("USAGE", "the engine accepts no application data");
            if (flush_out(c) != 0) return 1;
            continue;
        }
        size_t m = len < room ? len : room;
        if (m > frag) m = frag;
        memcpy(p, buf, m);
        if (tls_engine_write_ack(c->e, m) != 0) return engine_failure(c);
        if (flush && flush_out(c) != 0) return 1;
        buf += m;
        len -= m;
    }
    return 0;
}

static int write_app(shim_conn *c, const uint8_t *buf, size_t len) {
    return write_app_ex(c, buf, len, 1);
}

/* -expect-client-ca-list: the names the server's CertificateRequest carried, in order. DER
 * names delimit themselves, so the lists are equal when their concatenations are. */
static int check_ca_list(shim_conn *c, const char *want) {
    static uint8_t expect[65536], got[65536];
    long n = decode_ca_list(want, expect, sizeof expect);
    size_t off = 0, len = 0;
    const uint8_t *name;
    for (size_t i = 0; (name = tls_engine_requested_ca_name(c->e, i, &len)) != NULL; i++) {
        if (len > sizeof got - off) return shim_error("EXPECTATION_FAILED", "CA names too long");
        memcpy(got + off, name, len);
        off += len;
    }
    if (n < 0 || (size_t)n != off || memcmp(got, expect, off) != 0)
        return shim_error("EXPECTATION_FAILED",
                          "the server's CA names are not -expect-client-ca-list");
    return 0;
}

/* -expect-certificate-types (base64): the TLS 1.2 CertificateRequest's certificate_types. */
static int check_cert_types(shim_conn *c, const char *b64) {
    uint8_t want[256];
    size_t n_want = 0, n_got = 0;
    const uint8_t *got = tls_engine_requested_cert_types(c->e, &n_got);
    if (!EVP_DecodeBase64(want, &n_want, sizeof want, (const uint8_t *)b64, strlen(b64)) ||
        n_want != n_got || (n_got > 0 && memcmp(want, got, n_got) != 0))
        return shim_error("EXPECTATION_FAILED",
                          "the server's certificate types (%zu bytes) are "
                          "not -expect-certificate-types",
                          n_got);
    return 0;
}

static int check_expectations(shim_conn *c) {
    const shim_opts *o = c->o;
    uint16_t v = tls_engine_version(c->e);
    if (o->expect_version != 0 && v != o->expect_version)
        return shim_error("EXPECTATION_FAILED",
                          "-expect-version: negotiated %u (%s), expected %lld", v,
                          tls_version_name(v), (long long)o->expect_version);
    /* The suite expected depends on whether this machine has AES instructions. */
    int64_t want_suite = EVP_has_aes_hardware() ? o->expect_cipher_aes : o->expect_cipher_no_aes;
    uint16_t suite = tls_engine_cipher_suite(c->e);
    if (want_suite != 0 && suite != want_suite)
        return shim_error("EXPECTATION_FAILED",
                          "-expect-cipher-%saes: negotiated %s, expected %lld",
                          EVP_has_aes_hardware() ? "" : "no-", tls_cipher_suite_name(suite),
                          (long long)want_suite);
    uint16_t g = tls_engine_group(c->e);
    if (o->expect_curve_id != 0 && g != o->expect_curve_id)
        return shim_error("EXPECTATION_FAILED",
                          "-expect-curve-id: negotiated %u (%s), expected %lld", g,
                          tls_group_name(g), (long long)o->expect_curve_id);
    uint16_t sig = tls_engine_peer_signature_scheme(c->e);
    if (o->expect_peer_sigalg != 0 && sig != o->expect_peer_sigalg)
        return shim_error("EXPECTATION_FAILED",
                          "-expect-peer-signature-algorithm: the peer signed with 0x%04x (%s), "
                          "expected 0x%04llx",
                          sig, sig ? tls_signature_scheme_name(sig) : "nothing",
                          (long long)o->expect_peer_sigalg);
    if (o->expect_hrr && !c->hrr_seen)
        return shim_error("EXPECTATION_FAILED", "-expect-hrr: there was no HelloRetryRequest");
    if (o->expect_no_hrr && c->hrr_seen)
        return shim_error("EXPECTATION_FAILED", "-expect-no-hrr: there was a HelloRetryRequest");
    const char *alpn = tls_engine_alpn(c->e);
    if (alpn == NULL) alpn = "";
    if (!o->server && o->expect_client_ca_list != NULL) {
        int rc = check_ca_list(c, o->expect_client_ca_list);
        if (rc != 0) return rc;
    }
    /* As BoringSSL's shim: the hash is there and the certificates are not. */
    if (o->expect_sha256_client_cert &&
        (tls_engine_peer_cert_sha256(c->e) == NULL || tls_engine_peer_chain(c->e, 0, NULL) != NULL))
        return shim_error("EXPECTATION_FAILED", "-expect-sha256-client-cert: want the hash "
                                                "without the chain");
    if (!o->server && o->expect_certificate_types != NULL) {
        int rc = check_cert_types(c, o->expect_certificate_types);
        if (rc != 0) return rc;
    }
    if (o->expect_alpn != NULL && strcmp(alpn, o->expect_alpn) != 0)
        return shim_error("EXPECTATION_FAILED", "-expect-alpn: negotiated \"%s\", expected \"%s\"",
                          alpn, o->expect_alpn);
    if (o->expect_server_name != NULL) {
        const char *sni = tls_engine_server_name(c->e);
        if (sni == NULL || strcmp(sni, o->expect_server_name) != 0)
            return shim_error("EXPECTATION_FAILED",
                              "-expect-server-name: got \"%s\", expected \"%s\"", sni ? sni : "",
                              o->expect_server_name);
    }
    /* -expect-extended-master-secret holds for every tlsio connection: TLS 1.2 requires
     * RFC 7627's extended master secret in both roles, and TLS 1.3's key schedule has its
     * properties (BoringSSL reports it as supported there too). */
    if (o->expect_ems && v != TLS_VERSION_1_2 && v != TLS_VERSION_1_3)
        return shim_error("EXPECTATION_FAILED", "-expect-extended-master-secret");
    return 0;
}

/*
 * BoringSSL's shim runs in "quiet shutdown" mode unless -check-close-notify: it then sends no
 * close_notify and does not require the peer's. With -check-close-notify: when the shim shuts
 * down first it sends close_notify and then waits for the peer's; otherwise the echo loop has
 * already seen the peer's close_notify (a bare EOF failed there) and the shim answers it.
 */
static int do_shutdown(shim_conn *c) {
    if (!c->o->check_close_notify) return 0;
    if (tls_engine_close(c->e) != 0) return engine_failure(c);
    if (flush_out(c) != 0) return 1;
    if (c->o->shim_shuts_down) {
        uint8_t sink[512];
        for (;;) {
            long n = read_app(c, sink, sizeof(sink));
            if (n < 0) return 1;
            if (n == 0) break;
            /* As SSL_shutdown: once we have said close_notify there is nobody to give
             * application data to, so receiving any is an error, not something to drop. */
            return shim_error("APPLICATION_DATA_ON_SHUTDOWN",
                              "%ld bytes of application data after our close_notify", n);
        }
    }
    return 0;
}

/* As BoringSSL's shim: export the keying material right after the handshake and send it to
 * the runner, which compares it with its own (RFC 8446 §7.5, RFC 5705). */
/* -export-traffic-secrets: our read then our write application traffic secret, after a
 * two-byte little-endian length, as BoringSSL's shim sends them. */
static int send_traffic_secrets(shim_conn *c) {
    const shim_hooks *h = c->hooks;
    const uint8_t *rd = c->o->server ? h->c_ap : h->s_ap, *wr = c->o->server ? h->s_ap : h->c_ap;
    size_t n = h->c_ap_len;
    if (n == 0 || n != h->s_ap_len)
        return shim_error("EXPECTATION_FAILED", "-export-traffic-secrets: no TLS 1.3 key log");
    uint8_t buf[2 + 2 * 48];
    buf[0] = (uint8_t)n;
    buf[1] = (uint8_t)(n >> 8);
    memcpy(buf + 2, rd, n);
    memcpy(buf + 2 + n, wr, n);
    int rc = write_app(c, buf, 2 + 2 * n);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

static int export_and_send(shim_conn *c) {
    const shim_opts *o = c->o;
    size_t n = (size_t)o->export_keying_material;
    const char *label = o->export_label ? o->export_label : "";
    const char *ctx = o->export_context ? o->export_context : "";
    uint8_t *out = malloc(n);
    if (out == NULL) return shim_error("OUT_OF_MEMORY", "exporter output");
    int rc = tls_engine_export_keying_material(c->e, label, strlen(label),
                                               o->use_export_context ? (const uint8_t *)ctx : NULL,
                                               o->use_export_context ? strlen(ctx) : 0, out, n);
    if (rc != 0) {
        free(out);
        return shim_error("EXPORT_FAILED", "failed to export keying material (%s)",
                          tls_error_code_name(rc));
    }
    rc = write_app(c, out, n);
    free(out);
    return rc;
}

/* 1 if a and b encode to the same bytes. */
static int same_session(const tls_session *a, const tls_session *b) {
    size_t na = 0, nb = 0;
    if (a == NULL || b == NULL) return 0;
    (void)tls_session_encode(a, NULL, 0, &na);
    (void)tls_session_encode(b, NULL, 0, &nb);
    if (na != nb) return 0;
    uint8_t *x = malloc(na), *y = malloc(nb);
    int same = x != NULL && y != NULL && tls_session_encode(a, x, na, &na) == 0 &&
               tls_session_encode(b, y, nb, &nb) == 0 && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Client: takes every session the engine holds, keeping the newest, as BoringSSL's
 * new-session callback keeps the last one it is given. */
static void take_sessions(shim_conn *c) {
    if (c->o->server) return;
    tls_session *s;
    while ((s = tls_engine_take_session(c->e)) != NULL) {
        /* A TLS 1.2 resumption the server did not renew hands the offered session back for
         * another use (RFC 5077 §3.4): the same session, not a new one. */
        if (!same_session(s, c->offered)) c->got_session = 1;
        tls_session_free(c->session);
        c->session = s;
    }
}

/*
 * The resumption checks of BoringSSL's shim (bssl_shim.cc, CheckHandshakeProperties), right
 * after the handshake: a resumption is expected on every connection after the first unless
 * -expect-session-miss; a TLS 1.2 client expects a new session during a full handshake, or a
 * resumed one with -expect-ticket-renewal, unless -expect-no-session. (A TLS 1.3 client's
 * tickets come after the handshake: see check_tls13_session.) -expect-no-session-id always
 * holds: a tlsio server keeps no session by ID.
 *
 * TLS 1.2: BoringSSL's client has a new session after a full handshake whenever the server
 * sent a session ID or a ticket; a tlsio client resumes by ticket only (issue 14: stateless,
 * no session-ID cache), so it can have one only when a ticket came. An expected session is
 * therefore required when the server sent a NewSessionTicket with a ticket; without one the
 * session BoringSSL would keep is a session-ID one, which tlsio never makes. An unexpected
 * session is always an error.
 */
static int check_resumption(shim_conn *c) {
    const shim_opts *o = c->o;
    int resumed = tls_engine_resumed(c->e);
    int want = c->is_resume && !o->expect_session_miss;
    if (resumed != want)
        return shim_error("EXPECTATION_FAILED", "the session unexpectedly was%s resumed",
                          resumed ? "" : " not");
    if (o->expect_ticket_age_skew != 0 && resumed) {
        /* BoringSSL reports whole seconds; ours is milliseconds: round to the nearest. */
        int64_t ms = tls_engine_ticket_age_skew_ms(c->e);
        int64_t sec = (ms + (ms < 0 ? -500 : 500)) / 1000;
        if (sec != o->expect_ticket_age_skew)
            return shim_error("EXPECTATION_FAILED", "ticket age skew %lld s (%lld ms), want %lld",
                              (long long)sec, (long long)ms, (long long)o->expect_ticket_age_skew);
    }
    if (!o->server && tls_engine_version(c->e) == TLS_VERSION_1_2) {
        take_sessions(c);
        int want_new = !o->expect_no_session && (!resumed || o->expect_ticket_renewal);
        if (c->got_session ? !want_new : want_new && c->hooks->tickets12 > 0)
            return shim_error("EXPECTATION_FAILED",
                              "a new session was%s received in the handshake, but we expected "
                              "the opposite",
                              c->got_session ? "" : " not");
    }
    return 0;
}

/* A TLS 1.3 client, once the peer has closed: a NewSessionTicket must have come unless
 * -expect-no-session (or -shim-shuts-down: the shim then reads nothing after the handshake). */
static int check_tls13_session(shim_conn *c) {
    const shim_opts *o = c->o;
    if (o->server || tls_engine_version(c->e) != TLS_VERSION_1_3) return 0;
    take_sessions(c);
    int want_new = !o->expect_no_session && !o->shim_shuts_down;
    if (want_new != c->got_session)
        return shim_error("EXPECTATION_FAILED",
                          "a new session was%s received, but we expected the opposite",
                          c->got_session ? "" : " not");
    return 0;
}

static int run_connection(shim_conn *c) {
    const shim_opts *o = c->o;
    uint8_t id[8];
    for (int i = 0; i < 8; i++)
        id[i] = (uint8_t)((uint64_t)o->shim_id >> (8 * i));
    if (send_all(c->fd, id, sizeof(id)) != 0)
        return shim_error("SOCKET", "sending the shim id: %s", strerror(errno));

    int rc = do_handshake(c);
    /* -no-op-extra-handshake: driving a finished handshake again changes nothing. */
    if (rc == 0 && o->extra_handshake) rc = do_handshake(c);
    if (rc == 0) rc = check_expectations(c);
    if (rc == 0) rc = check_resumption(c);
    if (rc != 0) return rc;

    if (o->export_keying_material > 0 && export_and_send(c) != 0) return 1;
    if (o->export_traffic_secrets && send_traffic_secrets(c) != 0) return 1;
    if (o->shim_writes_first && write_app(c, (const uint8_t *)"hello", 5) != 0) return 1;
    /* -read-with-unfinished-write: BoringSSL's shim starts this write, which the transport
     * blocks, and then reads. A tlsio engine always takes the whole record, so the nearest is
     * a record sealed but not sent when the reading starts: the read loop's flush sends it,
     * and the answers to the runner's KeyUpdates queue behind it, in order. */
    if (o->read_with_unfinished_write && write_app_ex(c, (const uint8_t *)"hello", 5, 0) != 0)
        return 1;
    if (!o->shim_shuts_down) {
        /* BoringSSL's shim reads 512 bytes at a time unless -read-size says otherwise, so
         * records are returned over several reads. */
        size_t cap = o->read_size > 0 ? (size_t)o->read_size : 512;
        uint8_t *buf = malloc(cap);
        if (buf == NULL) return shim_error("OUT_OF_MEMORY", "read buffer");
        for (;;) {
            long n = read_app(c, buf, cap);
            if (n < 0) {
                rc = 1;
                break;
            }
            if (n == 0) break;
            if (o->key_update) {
                int k = tls_engine_key_update(c->e, 0);
                if (k != 0) {
                    char name[64];
                    upper_snake(tls_error_code_name(k), name, sizeof(name));
                    rc = shim_error(name, "-key-update: KeyUpdate refused (%s)",
                                    tls_version_name(tls_engine_version(c->e)));
                    break;
                }
            }
            for (long i = 0; i < n; i++)
                buf[i] ^= 0xff;
            if (write_app(c, buf, (size_t)n) != 0) {
                rc = 1;
                break;
            }
        }
        free(buf);
        if (rc != 0) return rc;
    }
    rc = check_tls13_session(c);
    if (rc != 0) return rc;
    return do_shutdown(c);
}

/* ---- resumption: several connections ------------------------------------------------- */

/*
 * The shim's clock (tls_config_set_clock), Unix milliseconds. Like BoringSSL's shim clock it
 * stands still, so that ticket ages are exact (the runner checks them to the millisecond),
 * and moves only by -resumption-delay between connections. It starts at the real time:
 * certificate validity uses tls_engine_set_time, not this clock.
 */
static int64_t shim_clock(void *arg) {
    return *(const int64_t *)arg;
}

/* What the connections of one test share: the ticket key and the clock. */
typedef struct shim_shared {
    uint8_t ticket_key[TLS_TICKET_KEY_LEN]; /* random, unless a flag gives one */
    int64_t clock_ms;
} shim_shared;

/* The ticket keys of a connection's config. BoringSSL's shim carries its keys from one
 * connection's SSL_CTX to the next; here every config gets the same one. */
static int set_ticket_keys(const shim_opts *o, tls_config *cfg, const shim_shared *sh) {
    uint8_t key[TLS_TICKET_KEY_LEN];
    if (o->use_ticket_callback) /* BoringSSL's test ticket callback uses an all-zero key */
        memset(key, 0, sizeof(key));
    else if (o->ticket_key == NULL || decode_ticket_key(o->ticket_key, key) != 0)
        memcpy(key, sh->ticket_key, sizeof(key));
    int rc = tls_config_set_ticket_keys(cfg, key, 1);
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

/*
 * One connection, with its own config built from o (the initial or the resumption options)
 * and a fresh engine; a client offers *session (the previous connection's, or none) and
 * leaves the newest session it received there. Returns the exit status.
 */
static int one_connection(const shim_opts *o, int is_resume, shim_shared *sh,
                          tls_session **session) {
    tls_config *cfg = tls_config_new();
    if (cfg == NULL) return shim_error("OUT_OF_MEMORY", "tls_config_new");
    shim_hooks hooks;
    memset(&hooks, 0, sizeof(hooks));
    hooks.o = o;
    hooks.n_peer_sigalgs = -1;
    int rc = build_config(o, cfg, &hooks);
    if (rc == 0 && (tls_config_set_clock(cfg, shim_clock, &sh->clock_ms) != 0 ||
                    set_ticket_keys(o, cfg, sh) != 0 ||
                    (o->no_ticket && tls_config_set_session_tickets(cfg, 0) != 0)))
        rc = config_error(cfg, "resumption settings");
    if (rc != 0) {
        tls_config_free(cfg);
        return rc;
    }

    shim_conn c;
    memset(&c, 0, sizeof(c));
    c.o = o;
    c.client_ca_guessed = hooks.client_ca_guessed;
    c.is_resume = is_resume;
    c.hooks = &hooks;
    c.offered = o->server ? NULL : *session;
    /* The runner's certificates are self-signed and named "test" (runner.go); it passes the
     * certificate as -trust-cert. */
    const char *name = o->host_name ? o->host_name : RUNNER_CERT_NAME;
    tls_engine_new_error why;
    memset(&why, 0, sizeof(why));
    c.e = o->server ? tls_engine_new_server_ex(cfg, &why)
                    : tls_engine_new_client_resume(cfg, name, *session, &why);
    if (c.e == NULL) {
        tls_config_free(cfg);
        return shim_error("USAGE", "the engine could not be created: %s", why.msg);
    }
    tls_engine_set_time(c.e, (int64_t)time(NULL));
    c.fd = connect_runner(o);
    if (c.fd < 0) {
        rc = 1;
    } else {
        rc = run_connection(&c);
        close_gracefully(c.fd);
        if (rc == 0) rc = check_hooks(&hooks);
    }
    if (!o->server) {
        /* As BoringSSL's shim: the next connection offers what this one received, if any. */
        tls_session_free(*session);
        *session = c.session;
        c.session = NULL;
    }
    free(hooks.trace);
    free(hooks.peer_der);
    tls_engine_free(c.e);
    tls_config_free(cfg);
    return rc;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-is-handshaker-supported") == 0) {
            /* The runner asks before generating split-handshake tests: tlsio has none. */
            printf("No\n");
            return 0;
        }
    }

    /* opts[0]: the first connection; opts[1]: every resumption (-resume-count N makes N). */
    static shim_opts opts[2];
    int rc = parse_flags(argc, argv, &opts[0], &opts[1]);
    if (rc == 0) rc = check_supported(&opts[0]);
    if (rc == 0 && opts[0].resume_count > 0) rc = check_supported(&opts[1]);
    if (rc != 0) return rc;

    shim_shared sh;
    memset(&sh, 0, sizeof(sh));
    sh.clock_ms = (int64_t)time(NULL) * 1000;
    RAND_bytes(sh.ticket_key, sizeof(sh.ticket_key));

    tls_session *session = NULL;
    for (int64_t i = 0; rc == 0 && i <= opts[0].resume_count; i++) {
        const shim_opts *o = &opts[i > 0];
        if (i > 0 && !o->server && session == NULL) {
            rc = shim_error("NO_SESSION", "no session to offer on connection %lld",
                            (long long)i + 1);
            break;
        }
        rc = one_connection(o, i > 0, &sh, &session);
        sh.clock_ms += o->resumption_delay * 1000;
    }
    tls_session_free(session);
    OPENSSL_cleanse(sh.ticket_key, sizeof(sh.ticket_key));
    return rc;
}
