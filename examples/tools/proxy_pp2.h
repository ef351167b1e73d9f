/* The PROXY protocol version 2 header (HAProxy's proxy-protocol.txt, section 2.2): the
 * binary block a proxy sends a backend first, saying who the client really is. */
#ifndef TLSIO_PROXY_PP2_H
#define TLSIO_PROXY_PP2_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What the TLS side negotiated, sent as TLVs (NULL strings are left out). */
typedef struct pp2_tls_info {
    const char *alpn, *sni, *version, *cipher;
    const uint8_t *cn; /* the verified client certificate's common name (UTF-8), or NULL */
    size_t cn_len;
    int cert_conn; /* the client sent a certificate on this connection */
    int cert_sess; /* ... on this connection or the session it resumed */
} pp2_tls_info;

/* The common name of a certificate (DER) in UTF-8, from its parsed subject: never cut out of
 * a subject string, where an escaped "," or a "CN=" inside another attribute would mislead.
 * Its length, *out to be freed with OPENSSL_free; 0 (and *out NULL) if it has none, or it
 * does not parse. The most specific (last) CN when there are several. */
size_t pp2_cert_cn(const uint8_t *der, size_t len, uint8_t **out);

/* Writes the header of a TCP connection from src (the client) to dst (the address it
 * reached), both AF_INET or AF_INET6 (a mixed pair is sent as IPv6, the IPv4 one mapped),
 * with info's TLVs (info NULL: none). Its length, or 0 if it does not fit in cap or an
 * address is of another family. */
size_t pp2_header(uint8_t *out, size_t cap, const struct sockaddr *src, const struct sockaddr *dst,
                  const pp2_tls_info *info);

#endif
