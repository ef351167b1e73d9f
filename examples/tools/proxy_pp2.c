/* Builds PROXY protocol v2 headers (see proxy_pp2.h for the reference). */
#define _POSIX_C_SOURCE 200809L
#include "proxy_pp2.h"

#include <netinet/in.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/nid.h>
#include <openssl/x509.h>

/* The 12-byte signature every v2 header starts with (section 2.2). */
static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

enum {
    VER_CMD_PROXY = 0x21, /* version 2, command PROXY */
    FAM_TCP4 = 0x11,      /* AF_INET, SOCK_STREAM */
    FAM_TCP6 = 0x21,      /* AF_INET6, SOCK_STREAM */
    TLV_ALPN = 0x01,
    TLV_AUTHORITY = 0x02, /* the SNI host name */
    TLV_SSL = 0x20,
    SUB_SSL_VERSION = 0x21,
    SUB_SSL_CN = 0x22,
    SUB_SSL_CIPHER = 0x23,
    CLIENT_SSL = 0x01,
    CLIENT_CERT_CONN = 0x02,
    CLIENT_CERT_SESS = 0x04
};

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    int overflow;
} wbuf;

static void put(wbuf *w, const void *v, size_t n) {
    if (w->overflow || w->cap - w->len < n) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p + w->len, v, n);
    w->len += n;
}

static void put_u8(wbuf *w, unsigned v) {
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void put_u16(wbuf *w, unsigned v) {
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}

/* Patches a big-endian length at off: the bytes written since off + 2. */
static void patch_len(wbuf *w, size_t off) {
    if (w->overflow) return;
    size_t n = w->len - off - 2;
    w->p[off] = (uint8_t)(n >> 8);
    w->p[off + 1] = (uint8_t)n;
}

static void put_tlv(wbuf *w, unsigned type, const void *s, size_t n) {
    if (s == NULL || n > 0xFFFF) return;
    put_u8(w, type);
    put_u16(w, (unsigned)n);
    put(w, s, n);
}

/* The address as 16 bytes of IPv6 (IPv4 mapped, RFC 4291 §2.5.5.2) or 4 of IPv4, and its
 * port (network order). 0 if the family is neither. */
static size_t addr_bytes(const struct sockaddr *sa, int as6, uint8_t *out, uint16_t *port) {
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        memcpy(out, &a->sin6_addr, 16);
        *port = a->sin6_port;
        return 16;
    }
    if (sa->sa_family != AF_INET) return 0;
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    *port = a->sin_port;
    if (!as6) {
        memcpy(out, &a->sin_addr, 4);
        return 4;
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    memcpy(out, mapped, 12);
    memcpy(out + 12, &a->sin_addr, 4);
    return 16;
}

size_t pp2_cert_cn(const uint8_t *der, size_t len, uint8_t **out) {
    *out = NULL;
    const uint8_t *p = der;
    X509 *x = der != NULL ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (x == NULL) return 0;
    X509_NAME *name = X509_get_subject_name(x);
    int at = -1;
    for (int k; (k = X509_NAME_get_index_by_NID(name, NID_commonName, at)) >= 0;)
        at = k;
    int n = at < 0
                ? -1
                : ASN1_STRING_to_UTF8(out, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
    X509_free(x);
    if (n >= 0) return (size_t)n;
    *out = NULL;
    return 0;
}

/* PP2_TYPE_SSL (section 2.2.5): client flags, verify, then sub-TLVs. verify is 0 only when
 * the client presented a certificate and it was verified (tlsio verifies every one it
 * accepts); without one it is non-zero, so a backend never takes "no certificate" for a
 * verified one. */
static void put_ssl(wbuf *w, const pp2_tls_info *info) {
    put_u8(w, TLV_SSL);
    size_t len_at = w->len;
    put_u16(w, 0);
    put_u8(w, CLIENT_SSL | (info->cert_conn ? CLIENT_CERT_CONN : 0) |
                  (info->cert_sess ? CLIENT_CERT_SESS : 0));
    uint8_t verify[4] = {0, 0, 0, info->cert_sess ? 0 : 1};
    put(w, verify, 4);
    if (info->version) put_tlv(w, SUB_SSL_VERSION, info->version, strlen(info->version));
    if (info->cipher) put_tlv(w, SUB_SSL_CIPHER, info->cipher, strlen(info->cipher));
    if (info->cn != NULL) put_tlv(w, SUB_SSL_CN, info->cn, info->cn_len);
    patch_len(w, len_at);
}

size_t pp2_header(uint8_t *out, size_t cap, const struct sockaddr *src, const struct sockaddr *dst,
                  const pp2_tls_info *info) {
    wbuf w = {.p = out, .cap = cap};
    int as6 = src->sa_family == AF_INET6 || dst->sa_family == AF_INET6;
    uint8_t sa[16], da[16];
    uint16_t sp, dp;
    size_t n = addr_bytes(src, as6, sa, &sp);
    if (n == 0 || addr_bytes(dst, as6, da, &dp) != n) return 0;
    put(&w, sig, sizeof sig);
    put_u8(&w, VER_CMD_PROXY);
    put_u8(&w, as6 ? FAM_TCP6 : FAM_TCP4);
    size_t len_at = w.len;
    put_u16(&w, 0);
    put(&w, sa, n); /* source address, destination address, then the two ports */
    put(&w, da, n);
    put(&w, &sp, 2);
    put(&w, &dp, 2);
    if (info != NULL) {
        if (info->alpn) put_tlv(&w, TLV_ALPN, info->alpn, strlen(info->alpn));
        if (info->sni) put_tlv(&w, TLV_AUTHORITY, info->sni, strlen(info->sni));
        put_ssl(&w, info);
    }
    patch_len(&w, len_at);
    return w.overflow ? 0 : w.len;
}
