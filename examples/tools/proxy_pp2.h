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
    const char *subject; /* the verified client certificate's subject; its CN is sent */
    int cert_conn;       /* the client sent a certificate on this connection */
    int cert_sess;       /* ... on this connection or the session it resumed */
} pp2_tls_info;

/* Writes the header of a TCP connection from src (the client) to dst (the address it
 * reached), both AF_INET or AF_INET6 (a mixed pair is sent as IPv6, the IPv4 one mapped),
 * with info's TLVs (info NULL: none). Its length, or 0 if it does not fit in cap or an
 * address is of another family. */
size_t pp2_header(uint8_t *out, size_t cap, const struct sockaddr *src, const struct sockaddr *dst,
                  const pp2_tls_info *info);

#endif
