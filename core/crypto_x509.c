/*
 * X.509 adapter: trust stores, chain verification through libcrypto's verifier, and
 * RFC 9525 host name checks. The caller supplies the time and the anchors as bytes.
 */
#include "crypto_x509.h"
#include "crypto_sig.h" /* TLSIO_RSA_MIN_BITS, tlsio_pkey_from_x509 */

#include <stdio.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* tlsio_trust is libcrypto's X509_STORE under another name (refcounting comes with it). */
static X509_STORE *store_of(const tlsio_trust *t) {
    return (X509_STORE *)t;
}

/* Most untrusted certificates we look at in one chain (the peer may send extras). */
#define MAX_PEER_CERTS 32

/* ---- small text helpers (no libc locale, no clock) ---- */

/* Appends s to out (cap bytes, NUL-terminated); returns 0 once out is full. */
static int append(char *out, size_t cap, size_t *used, const char *s) {
    size_t n = strlen(s);
    if (*used + n + 1 > cap) return 0;
    memcpy(out + *used, s, n + 1);
    *used += n;
    return 1;
}

/* Copies a name from a certificate for a message: non-printable bytes become '?'. */
static void printable(char *dst, size_t cap, const uint8_t *src, size_t len) {
    size_t i = 0;
    for (; i < len && i + 1 < cap; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    if (cap > 0) dst[i] = 0;
}

/* Days since 1970-01-01 -> civil date (proleptic Gregorian; Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Unix time -> "2024-01-31 23:59:59 UTC". */
static void format_time(int64_t t, char *out, size_t cap) {
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) secs += 86400, days -= 1;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, cap, "%04lld-%02u-%02u %02u:%02u:%02u UTC", (long long)y, m, d,
             (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

/* An ASN1_TIME -> Unix seconds; 0 on success, -1 if unreadable. */
static int asn1_time_unix(const ASN1_TIME *t, int64_t *out) {
    int days = 0, secs = 0;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int ok = epoch != NULL && t != NULL && ASN1_TIME_diff(&days, &secs, epoch, t);
    ASN1_TIME_free(epoch);
    ERR_clear_error();
    if (ok) *out = (int64_t)days * 86400 + secs;
    return ok ? 0 : -1;
}

/* An ASN1_TIME -> "YYYY-MM-DD HH:MM:SS UTC", or "(unreadable)". */
static void format_asn1_time(const ASN1_TIME *t, char *out, size_t cap) {
    int days = 0, secs = 0;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    if (epoch != NULL && t != NULL && ASN1_TIME_diff(&days, &secs, epoch, t))
        format_time((int64_t)days * 86400 + secs, out, cap);
    else
        snprintf(out, cap, "(unreadable)");
    ASN1_TIME_free(epoch);
    ERR_clear_error();
}

/* An X509_NAME as one RFC 2253 line ("CN=x,O=y"); "" if it cannot be printed. */
static void format_name(const X509_NAME *name, char *out, size_t cap) {
    if (cap == 0) return;
    out[0] = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || name == NULL) {
        BIO_free(bio);
        return;
    }
    /* RFC 2253 escaping keeps control and non-ASCII bytes out of our messages. */
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        const uint8_t *p = NULL;
        size_t len = 0;
        if (BIO_mem_contents(bio, &p, &len)) printable(out, cap, p, len);
    }
    BIO_free(bio);
    ERR_clear_error();
}

/* ---- IP literals (RFC 791 dotted quad; RFC 4291 §2.2 text forms) ---- */

static int parse_ipv4(const char *s, uint8_t out[4]) {
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9') {
            if (digits == 1 && v == 0) return 0; /* no leading zeros ("010" is ambiguous) */
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255) return 0;
        }
        if (digits == 0) return 0;
        out[part] = (uint8_t)v;
        if (part < 3 && *s++ != '.') return 0;
    }
    return *s == 0;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int parse_ipv6(const char *s, uint8_t out[16]) {
    uint16_t w[8];
    int n = 0, gap = -1;
    if (s[0] == ':') {
        if (s[1] != ':') return 0;
        gap = 0;
        s += 2;
    }
    while (*s) {
        if (n >= 8) return 0;
        const char *q = s;
        while (*q && *q != ':' && *q != '.')
            q++;
        if (*q == '.') { /* RFC 4291 §2.2 form 3: trailing dotted IPv4 */
            uint8_t v4[4];
            if (n > 6 || !parse_ipv4(s, v4)) return 0;
            w[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break;
        }
        unsigned v = 0, digits = 0;
        int h;
        while ((h = hex_value(*s)) >= 0) {
            v = v << 4 | (unsigned)h;
            s++;
            if (++digits > 4) return 0;
        }
        if (digits == 0) return 0;
        w[n++] = (uint16_t)v;
        if (*s == 0) break;
        if (*s++ != ':') return 0;
        if (*s == ':') {
            if (gap >= 0) return 0; /* only one "::" */
            gap = n;
            s++;
        } else if (*s == 0) {
            return 0; /* a single trailing colon */
        }
    }
    if (gap < 0 ? n != 8 : n > 7) return 0;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : n - gap;
    int head = n - tail;
    for (int i = 0; i < head; i++)
        out[2 * i] = (uint8_t)(w[i] >> 8), out[2 * i + 1] = (uint8_t)w[i];
    for (int i = 0; i < tail; i++) {
        int pos = 8 - tail + i;
        out[2 * pos] = (uint8_t)(w[head + i] >> 8), out[2 * pos + 1] = (uint8_t)w[head + i];
    }
    return 1;
}

/* Returns 4 or 16 for an IP literal (bytes in out), else 0. */
static size_t parse_ip(const char *host, uint8_t out[16]) {
    if (parse_ipv4(host, out)) return 4;
    if (strchr(host, ':') != NULL && parse_ipv6(host, out)) return 16;
    return 0;
}

int tlsio_host_is_ip_literal(const char *host) {
    uint8_t ip[16];
    return host != NULL && parse_ip(host, ip) != 0;
}

static int normalize_dns(const char *host, char *out, size_t cap);

int tlsio_host_is_reference(const char *host) {
    char buf[256];
    return host != NULL && (tlsio_host_is_ip_literal(host) || normalize_dns(host, buf, sizeof buf));
}

static void format_ip(const uint8_t *ip, size_t len, char *out, size_t cap) {
    if (len == 4) {
        snprintf(out, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        return;
    }
    if (len != 16) {
        snprintf(out, cap, "(%zu-byte address)", len);
        return;
    }
    /* RFC 5952 §4.2: compress the longest run (of 2+) of zero groups with "::". */
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && ip[2 * j] == 0 && ip[2 * j + 1] == 0)
            j++;
        if (j - i > best_len) best = i, best_len = j - i;
        i = j > i ? j : i + 1;
    }
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < 8; i++) {
        char g[8];
        if (i == best) {
            append(out, cap, &used, "::");
            i += best_len - 1;
            continue;
        }
        snprintf(g, sizeof(g), "%s%x", (i > 0 && i != best + best_len) ? ":" : "",
                 (unsigned)(ip[2 * i] << 8 | ip[2 * i + 1]));
        append(out, cap, &used, g);
    }
}

/*
 * A reference DNS name (RFC 9525 §6.2: the name the client was asked to reach). Copies it
 * without one trailing dot; refuses empty labels, wildcards and characters outside
 * letters, digits, '-' and '_', and an all-numeric top label (that would be an IP).
 */
static int normalize_dns(const char *host, char *out, size_t cap) {
    size_t len = strlen(host);
    if (len > 0 && host[len - 1] == '.') len--; /* an absolute name "example.com." */
    if (len == 0 || len > 253 || len + 1 > cap) return 0;
    size_t label = 0;
    int numeric_label = 1;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (c == '.') {
            if (label == 0) return 0;
            label = 0;
            numeric_label = 1;
            continue;
        }
        int digit = c >= '0' && c <= '9';
        int ok = digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
        if (!ok || ++label > 63) return 0;
        if (!digit) numeric_label = 0;
    }
    if (label == 0 || numeric_label) return 0;
    memcpy(out, host, len);
    out[len] = 0;
    return 1;
}

/* ---- names in a certificate ---- */

static void sans_of(X509 *x, char *out, size_t cap) {
    size_t used = 0;
    if (cap == 0) return;
    out[0] = 0;
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    ERR_clear_error();
    if (gens == NULL) return;
    int first = 1;
    for (size_t i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        char item[300];
        if (g->type == GEN_DNS) {
            printable(item, sizeof(item), ASN1_STRING_get0_data(g->d.dNSName),
                      (size_t)ASN1_STRING_length(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            char ip[64];
            format_ip(ASN1_STRING_get0_data(g->d.iPAddress),
                      (size_t)ASN1_STRING_length(g->d.iPAddress), ip, sizeof(ip));
            snprintf(item, sizeof(item), "IP:%s", ip);
        } else {
            continue; /* e-mail, URI...: not identities TLS servers are checked against */
        }
        /* Keep room for ", ..." so a long list ends visibly truncated. */
        char piece[304];
        snprintf(piece, sizeof(piece), "%s%s", first ? "" : ", ", item);
        if (!append(out, cap > 5 ? cap - 5 : 0, &used, piece)) {
            append(out, cap, &used, first ? "..." : ", ...");
            break;
        }
        first = 0;
    }
    GENERAL_NAMES_free(gens);
}

static X509 *parse_cert(const uint8_t *der, size_t der_len) {
    const uint8_t *p = der;
    X509 *x = der_len <= (size_t)INT32_MAX ? d2i_X509(NULL, &p, (long)der_len) : NULL;
    if (x != NULL && p != der + der_len) {
        X509_free(x);
        x = NULL;
    }
    if (x == NULL) ERR_clear_error();
    return x;
}

int tlsio_x509_subject(const uint8_t *der, size_t der_len, char *out, size_t cap) {
    if (cap > 0) out[0] = 0;
    X509 *x = parse_cert(der, der_len);
    if (x == NULL) return TLS_ALERT_BAD_CERTIFICATE;
    format_name(X509_get_subject_name(x), out, cap);
    X509_free(x);
    return 0;
}

/* ---- host names (RFC 9525) ---- */

/* 1 if x matches host, 0 if not, -1 if host is neither a DNS name nor an IP literal. */
static int host_matches(X509 *x, const char *host) {
    char name[256];
    uint8_t ip[16];
    size_t ip_len = parse_ip(host, ip);
    int match;
    if (ip_len != 0) {
        /* RFC 9525 §6.3 / §7.2: an IP reference identity matches only iPAddress SANs. */
        match = X509_check_ip(x, ip, ip_len, 0) == 1;
    } else {
        if (!normalize_dns(host, name, sizeof(name))) return -1;
        /*
         * RFC 9525 §6.3: DNS-IDs only, never the subject Common Name; "*" only as the whole
         * left-most label, standing for exactly one label; ASCII case-insensitive.
         * libcrypto never matches partial ("x*") or multi-label wildcards; the unit tests
         * pin each rule down.
         */
        match = X509_check_host(x, name, strlen(name),
                                X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                                NULL) == 1;
    }
    ERR_clear_error();
    return match;
}

static int check_host_x509(X509 *x, const char *host, tlsio_err *err) {
    int match = host_matches(x, host);
    if (match < 0)
        return tlsio_err_setc(err, TLS_ERRCAT_USAGE, TLS_E_USAGE,
                              "host '%.100s' is neither a DNS name nor an IP address", host);
    if (match) return 0;
    char sans[200], subject[120];
    sans_of(x, sans, sizeof(sans));
    if (sans[0] != 0)
        return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                              "server certificate does not match host '%s' (SANs: %s)", host, sans);
    format_name(X509_get_subject_name(x), subject, sizeof(subject));
    return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                          "server certificate does not match host '%s' (SANs: none; subject "
                          "'%s' is not used for matching, RFC 9525 §6.3)",
                          host, subject);
}

/* tlsio_x509_cert is libcrypto's X509 under another name (refcounting comes with it). */
static X509 *x509_of(const tlsio_x509_cert *c) {
    return (X509 *)c;
}

int tlsio_x509_cert_parse(tlsio_x509_cert **out, const uint8_t *der, size_t der_len,
                          tlsio_err *err) {
    X509 *x = parse_cert(der, der_len);
    *out = (tlsio_x509_cert *)x;
    if (x == NULL)
        return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                              "certificate: malformed DER");
    return 0;
}

int tlsio_x509_cert_matches_host(const tlsio_x509_cert *c, const char *host) {
    return c != NULL && host != NULL && host_matches(x509_of(c), host) == 1;
}

void tlsio_x509_cert_free(tlsio_x509_cert *c) {
    X509_free(x509_of(c));
}

/* ---- trust stores ---- */

int tlsio_trust_new(tlsio_trust **out, tlsio_err *err) {
    X509_STORE *st = X509_STORE_new();
    *out = (tlsio_trust *)st;
    if (st == NULL) return tlsio_err_set(err, TLS_E_NOMEM, "trust store: out of memory");
    return 0;
}

void tlsio_trust_free(tlsio_trust *t) {
    X509_STORE_free(store_of(t));
}

/* Adds x (the store takes its own reference); a duplicate is not an error. */
static int add_cert(X509_STORE *st, X509 *x) {
    if (X509_STORE_add_cert(st, x)) return 1;
    uint32_t e = ERR_peek_last_error();
    ERR_clear_error();
    return ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_CERT_ALREADY_IN_HASH_TABLE;
}

int tlsio_trust_add_der(tlsio_trust *t, const uint8_t *der, size_t der_len, tlsio_err *err) {
    X509 *x = parse_cert(der, der_len);
    if (x == NULL) return tlsio_err_set(err, TLS_E_USAGE, "trust store: malformed certificate DER");
    int ok = add_cert(store_of(t), x);
    X509_free(x);
    if (!ok) return tlsio_err_set(err, TLS_E_NOMEM, "trust store: cannot add a certificate");
    return 0;
}

/* ---- chain verification ---- */

/* Maps libcrypto's verify error to an alert and writes the sentence. */
static int chain_error(X509_STORE_CTX *ctx, const char *who, int64_t now, tlsio_err *err) {
    int code = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    const char *why = X509_verify_cert_error_string(code);
    char subject[160], issuer[160], when[40], at[40];
    format_name(cur ? X509_get_subject_name(cur) : NULL, subject, sizeof(subject));
    format_name(cur ? X509_get_issuer_name(cur) : NULL, issuer, sizeof(issuer));
    const int cat = TLS_ERRCAT_CERTIFICATE;
    switch (code) {
    /*
     * RFC 8446 §6.2 unknown_ca: "the CA certificate could not be located or could not be
     * matched with a known trust anchor". BoringSSL's and OpenSSL's ssl_verify_alarm_type
     * also send unknown_ca for an issuer that is not a CA or a chain that is too long.
     */
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
        return tlsio_err_setc(err, cat, TLS_ALERT_UNKNOWN_CA,
                              "%s certificate chain does not lead to a trusted root: %s "
                              "(depth %d, issuer '%s')",
                              who, why, depth, issuer);
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
        return tlsio_err_setc(err, cat, TLS_ALERT_UNKNOWN_CA,
                              "%s certificate chain is not valid: %s (depth %d, subject '%s')", who,
                              why, depth, subject);
    /* RFC 8446 §6.2 certificate_expired: "has expired or is not currently valid". */
    case X509_V_ERR_CERT_HAS_EXPIRED:
        format_asn1_time(cur ? X509_get0_notAfter(cur) : NULL, when, sizeof(when));
        format_time(now, at, sizeof(at));
        return tlsio_err_setc(err, cat, TLS_ALERT_CERTIFICATE_EXPIRED,
                              "%s certificate '%s' expired at %s (now %s, depth %d)", who, subject,
                              when, at, depth);
    case X509_V_ERR_CERT_NOT_YET_VALID:
        format_asn1_time(cur ? X509_get0_notBefore(cur) : NULL, when, sizeof(when));
        format_time(now, at, sizeof(at));
        return tlsio_err_setc(err, cat, TLS_ALERT_CERTIFICATE_EXPIRED,
                              "%s certificate '%s' is not valid before %s (now %s, depth %d)", who,
                              subject, when, at, depth);
    /* RFC 8446 §6.2 unsupported_certificate; BoringSSL and OpenSSL send it for
     * X509_V_ERR_INVALID_PURPOSE (an extendedKeyUsage without serverAuth/clientAuth). */
    case X509_V_ERR_INVALID_PURPOSE:
        return tlsio_err_setc(err, cat, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                              "%s certificate '%s' is not allowed for TLS %s authentication: "
                              "%s (depth %d)",
                              who, subject, who, why, depth);
    case X509_V_ERR_OUT_OF_MEM:
        return tlsio_err_set(err, TLS_E_NOMEM, "%s certificate chain: out of memory", who);
    /* RFC 8446 §6.2 bad_certificate: "corrupt, contained signatures that did not verify
     * correctly, etc.". */
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
    case X509_V_ERR_INVALID_EXTENSION:
        return tlsio_err_setc(err, cat, TLS_ALERT_BAD_CERTIFICATE,
                              "%s certificate '%s' is bad: %s (depth %d)", who, subject, why,
                              depth);
    default:
        /* RFC 8446 §6.2 certificate_unknown: "some other (unspecified) issue". */
        return tlsio_err_setc(err, cat, TLS_ALERT_CERTIFICATE_UNKNOWN,
                              "%s certificate chain rejected: %s (depth %d, subject '%s')", who,
                              why, depth, subject);
    }
}

/*
 * Bytes that are not one DER certificate cannot be decoded at all: decode_error, as OpenSSL,
 * BoringSSL and rustls send (RFC 8446 §6.2 keeps bad_certificate for certificates that parse
 * but are unacceptable).
 */
static int malformed(tlsio_err *err, const char *who, size_t i, size_t n_certs) {
    return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_DECODE_ERROR,
                          "%s certificate %zu of %zu: malformed DER", who, i + 1, n_certs);
}

int tlsio_x509_check_der(const CBS *certs, size_t n_certs, tlsio_cert_purpose purpose,
                         tlsio_err *err) {
    const char *who = purpose == TLSIO_PURPOSE_CLIENT ? "client" : "server";
    for (size_t i = 0; i < n_certs && i < MAX_PEER_CERTS; i++) {
        X509 *x = parse_cert(CBS_data(&certs[i]), CBS_len(&certs[i]));
        if (x == NULL) return malformed(err, who, i, n_certs);
        X509_free(x);
    }
    return 0;
}

/*
 * The verification both public entry points share. On success with leaf_out != NULL, the
 * parsed leaf is handed over in *leaf_out (the caller frees it); otherwise it is freed.
 */
/*
 * A self-issued peer certificate that is itself one of our anchors (a pinned self-signed
 * client certificate, say) verifies as that anchor. This libcrypto looks such a leaf up in
 * the store by name and tries only the first anchor of that name, so with two anchors of one
 * name and no key identifiers (renewed self-signed certificates) the order they were added
 * in decided. When the store holds this exact certificate, the chain is built against it
 * alone; every other check runs as before. *same and *pinned are the caller's to free
 * (sk_X509_pop_free / sk_X509_free); 0, or -1 on allocation failure.
 */
static int pin_self_issued_anchor(X509_STORE_CTX *ctx, X509 *leaf, STACK_OF(X509) * *same,
                                  STACK_OF(X509) * *pinned) {
    if (X509_NAME_cmp(X509_get_subject_name(leaf), X509_get_issuer_name(leaf)) != 0) return 0;
    *same = X509_STORE_get1_certs(ctx, X509_get_subject_name(leaf));
    ERR_clear_error(); /* none found is not an error */
    for (size_t i = 0; *same != NULL && i < sk_X509_num(*same); i++) {
        X509 *x = sk_X509_value(*same, i);
        if (X509_cmp(x, leaf) != 0) continue;
        *pinned = sk_X509_new_null();
        if (*pinned == NULL || !sk_X509_push(*pinned, x)) return -1;
        X509_STORE_CTX_trusted_stack(ctx, *pinned);
        return 0;
    }
    return 0;
}

/*
 * Every tlsio key exchange is ECDHE authenticated by a signature of the leaf's key (TLS 1.3
 * CertificateVerify, TLS 1.2 ServerKeyExchange or client CertificateVerify), so a leaf with a
 * keyUsage extension must have digitalSignature (RFC 8446 §4.4.2.2, RFC 5246 §7.4.2, RFC 8422
 * §5.3, RFC 5280 §4.2.1.3). libcrypto's SSL purposes also pass keyAgreement or
 * keyEncipherment alone, which serve key exchanges tlsio never does. Checked before the
 * chain: it is a fact of the certificate as sent, whoever issued it.
 */
static int check_leaf_signs(X509 *leaf, const char *who, tlsio_err *err) {
    uint32_t ku = X509_get_key_usage(leaf);
    if (ku & KU_DIGITAL_SIGNATURE) return 0; /* UINT32_MAX: no keyUsage, any use */
    char subject[160];
    format_name(X509_get_subject_name(leaf), subject, sizeof(subject));
    return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                          "%s certificate '%s' has a keyUsage without digitalSignature: its key "
                          "may not sign the handshake (RFC 8446 §4.4.2.2, RFC 5246 §7.4.2)",
                          who, subject);
}

int tlsio_x509_check_signing_usage(const uint8_t *der, size_t der_len, const char *who,
                                   tlsio_err *err) {
    X509 *x = parse_cert(der, der_len);
    if (x == NULL)
        return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                              "%s certificate is not a valid X.509 certificate", who);
    int ret = check_leaf_signs(x, who, err);
    X509_free(x);
    return ret;
}

static int verify_chain(const tlsio_trust *t, const CBS *certs, size_t n_certs, const char *host,
                        tlsio_cert_purpose purpose, int64_t now, X509 **leaf_out, tlsio_err *err) {
    const char *who = purpose == TLSIO_PURPOSE_CLIENT ? "client" : "server";
    if (n_certs == 0) return tlsio_err_set(err, TLS_E_USAGE, "%s certificate chain is empty", who);
    if (host != NULL) {
        char name[256];
        uint8_t ip[16];
        if (parse_ip(host, ip) == 0 && !normalize_dns(host, name, sizeof(name)))
            return tlsio_err_setc(err, TLS_ERRCAT_USAGE, TLS_E_USAGE,
                                  "host '%.100s' is neither a DNS name nor an IP address", host);
    }
    if (n_certs > MAX_PEER_CERTS)
        return tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE,
                              "%s certificate chain has %zu certificates; at most %d are read", who,
                              n_certs, MAX_PEER_CERTS);

    int ret = TLS_E_NOMEM;
    X509 *leaf = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *same_name = NULL, *pinned = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (untrusted == NULL) goto out;
    for (size_t i = 0; i < n_certs; i++) {
        X509 *x = parse_cert(CBS_data(&certs[i]), CBS_len(&certs[i]));
        if (x == NULL) {
            ret = malformed(err, who, i, n_certs);
            goto out;
        }
        if (i == 0) {
            leaf = x;
        } else if (!sk_X509_push(untrusted, x)) {
            X509_free(x);
            goto out;
        }
    }
    if ((ret = check_leaf_signs(leaf, who, err)) != 0) goto out;
    ret = TLS_E_NOMEM;
    ctx = X509_STORE_CTX_new();
    if (ctx == NULL || !X509_STORE_CTX_init(ctx, store_of(t), leaf, untrusted)) goto out;
    if (pin_self_issued_anchor(ctx, leaf, &same_name, &pinned) != 0) goto out;
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    /*
     * libcrypto builds chains of at most depth + 1 certificates and then reports a missing
     * issuer. One more than our limit lets us tell "too long" apart (checked below).
     */
    X509_VERIFY_PARAM_set_depth(param, TLSIO_X509_MAX_DEPTH);
    X509_VERIFY_PARAM_set_time(param, (time_t)now);
    /* serverAuth / clientAuth EKU (RFC 5280 §4.2.1.12) along the whole chain. */
    if (!X509_STORE_CTX_set_purpose(ctx, purpose == TLSIO_PURPOSE_CLIENT ? X509_PURPOSE_SSL_CLIENT
                                                                         : X509_PURPOSE_SSL_SERVER))
        goto out;
    int verified = X509_verify_cert(ctx) == 1;
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    if (verified ? (chain == NULL || sk_X509_num(chain) > TLSIO_X509_MAX_DEPTH)
                 : X509_STORE_CTX_get_error_depth(ctx) >= TLSIO_X509_MAX_DEPTH) {
        /* As BoringSSL and OpenSSL do for X509_V_ERR_CERT_CHAIN_TOO_LONG: unknown_ca. */
        ret = tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNKNOWN_CA,
                             "%s certificate chain is longer than %d certificates", who,
                             TLSIO_X509_MAX_DEPTH);
        goto out;
    }
    if (!verified) {
        ret = chain_error(ctx, who, now, err);
        goto out;
    }
    /* Our RSA floor (see crypto_sig.h) holds along the chain; the anchor is the caller's. */
    for (size_t i = 0; chain != NULL && i + 1 < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        EVP_PKEY *pk = X509_get_pubkey(c);
        int bits = pk != NULL && EVP_PKEY_id(pk) == EVP_PKEY_RSA ? EVP_PKEY_bits(pk) : 0;
        EVP_PKEY_free(pk);
        if (bits != 0 && bits < TLSIO_RSA_MIN_BITS) {
            char subject[160];
            format_name(X509_get_subject_name(c), subject, sizeof(subject));
            /* RFC 8446 §6.2 unsupported_certificate: "of an unsupported type". */
            ret = tlsio_err_setc(err, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                                 "%s certificate '%s' (depth %zu) has a %d-bit RSA key; at least "
                                 "%d bits are required",
                                 who, subject, i, bits, TLSIO_RSA_MIN_BITS);
            goto out;
        }
    }
    ret = host != NULL ? check_host_x509(leaf, host, err) : 0;
out:
    if (ret == TLS_E_NOMEM)
        tlsio_err_set(err, TLS_E_NOMEM, "%s certificate chain: out of memory", who);
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    sk_X509_free(pinned);
    sk_X509_pop_free(same_name, X509_free);
    sk_X509_pop_free(untrusted, X509_free);
    if (ret == 0 && leaf_out != NULL) {
        *leaf_out = leaf;
        leaf = NULL;
    }
    X509_free(leaf);
    return ret;
}

int tlsio_x509_verify_chain_leaf(const tlsio_trust *t, const CBS *certs, size_t n_certs,
                                 const char *host, tlsio_cert_purpose purpose, int64_t now,
                                 tlsio_x509_leaf *out, tlsio_err *err) {
    memset(out, 0, sizeof(*out));
    X509 *leaf = NULL;
    int ret = verify_chain(t, certs, n_certs, host, purpose, now, &leaf, err);
    if (ret != 0) return ret;
    /* The leaf parsed once serves the chain check, the host check, the key and the subject. */
    ret = tlsio_pkey_from_x509(&out->key, leaf, TLSIO_RSA_MIN_BITS, err);
    if (ret == 0) {
        format_name(X509_get_subject_name(leaf), out->subject, sizeof(out->subject));
        format_name(X509_get_issuer_name(leaf), out->issuer, sizeof(out->issuer));
        /* Dates the chain check just accepted are readable; 0 stays for "unknown". */
        (void)asn1_time_unix(X509_get0_notBefore(leaf), &out->not_before);
        (void)asn1_time_unix(X509_get0_notAfter(leaf), &out->not_after);
        SHA256(CBS_data(&certs[0]), CBS_len(&certs[0]), out->sha256);
    }
    X509_free(leaf);
    return ret;
}

int tlsio_cert_names(const CBS *cert, CBS *issuer, CBS *subject) {
    CBS c = *cert, crt, tbs, skip;
    return CBS_get_asn1(&c, &crt, CBS_ASN1_SEQUENCE) &&
           CBS_get_asn1(&crt, &tbs, CBS_ASN1_SEQUENCE) &&
           CBS_get_optional_asn1(&tbs, NULL, NULL,
                                 CBS_ASN1_CONSTRUCTED | CBS_ASN1_CONTEXT_SPECIFIC | 0) &&
           CBS_get_asn1(&tbs, &skip, CBS_ASN1_INTEGER) &&  /* serialNumber */
           CBS_get_asn1(&tbs, &skip, CBS_ASN1_SEQUENCE) && /* signature */
           CBS_get_asn1_element(&tbs, issuer, CBS_ASN1_SEQUENCE) &&
           CBS_get_asn1(&tbs, &skip, CBS_ASN1_SEQUENCE) && /* validity */
           CBS_get_asn1_element(&tbs, subject, CBS_ASN1_SEQUENCE);
}
