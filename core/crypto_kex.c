/* Key-share adapter: X25519 (RFC 7748) and the NIST curves P-256/P-384 over libcrypto. */
#include "crypto_kex.h"

#include <string.h>
#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/ec.h>
#include <openssl/mem.h>
#include <openssl/nid.h>

struct group_info {
    uint16_t id;
    const char *name;
    int nid;           /* NID_undef for X25519 */
    size_t scalar_len; /* private key bytes */
    size_t public_len; /* key_exchange bytes (RFC 8446 §4.2.8.2) */
    size_t secret_len; /* shared secret bytes (RFC 8446 §7.4) */
};

static const struct group_info groups[] = {
    {TLSIO_GROUP_X25519, "x25519", NID_undef, 32, 32, 32},
    {TLSIO_GROUP_SECP256R1, "secp256r1", NID_X9_62_prime256v1, 32, 65, 32},
    {TLSIO_GROUP_SECP384R1, "secp384r1", NID_secp384r1, 48, 97, 48},
};

static const struct group_info *find_group(uint16_t id) {
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (groups[i].id == id) return &groups[i];
    return NULL;
}

int tlsio_group_supported(uint16_t group) {
    return find_group(group) != NULL;
}

const char *tlsio_group_name(uint16_t group) {
    const struct group_info *g = find_group(group);
    return g ? g->name : NULL;
}

size_t tlsio_group_public_len(uint16_t group) {
    const struct group_info *g = find_group(group);
    return g ? g->public_len : 0;
}

void tlsio_kex_wipe(tlsio_kex *k) {
    OPENSSL_cleanse(k, sizeof(*k));
}

/*
 * Constant-time check that the big-endian scalar s (len bytes) lies in [1, order-1]:
 * the RNG draw is secret, so the comparison does not branch on its bytes.
 */
static int scalar_in_range(const uint8_t *s, const uint8_t *order, size_t len) {
    unsigned lt = 0, gt = 0, nonzero = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned a = s[i], b = order[i];
        unsigned undecided = 1u ^ (lt | gt);
        /* (a - b) >> 8 is 1 when a < b for 8-bit values. */
        lt |= undecided & ((a - b) >> 8 & 1u);
        gt |= undecided & ((b - a) >> 8 & 1u);
        nonzero |= a;
    }
    return (int)(lt & (unsigned)(nonzero != 0));
}

/* Computes the uncompressed public point for k->priv on a NIST curve into k->pub. */
static int nist_public(tlsio_kex *k, const struct group_info *g, tlsio_err *err) {
    int ret = TLS_E_INTERNAL;
    EC_GROUP *grp = EC_GROUP_new_by_curve_name(g->nid);
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *d = BN_bin2bn(k->priv, g->scalar_len, NULL);
    EC_POINT *p = grp ? EC_POINT_new(grp) : NULL;
    if (grp == NULL || ctx == NULL || d == NULL || p == NULL) goto out;
    if (!EC_POINT_mul(grp, p, d, NULL, NULL, ctx)) goto out;
    if (EC_POINT_point2oct(grp, p, POINT_CONVERSION_UNCOMPRESSED, k->pub, sizeof(k->pub), ctx) !=
        g->public_len)
        goto out;
    k->pub_len = g->public_len;
    ret = 0;
out:
    EC_POINT_free(p);
    BN_clear_free(d);
    BN_CTX_free(ctx);
    EC_GROUP_free(grp);
    if (ret != 0) return tlsio_err_set(err, ret, "key_share: cannot make a %s key pair", g->name);
    return 0;
}

int tlsio_kex_generate(tlsio_kex *k, uint16_t group, const tlsio_rng *rng, tlsio_err *err) {
    memset(k, 0, sizeof(*k));
    const struct group_info *g = find_group(group);
    if (g == NULL)
        return tlsio_err_set(err, TLS_E_USAGE, "key_share: group 0x%04x is not supported", group);
    k->group = group;
    k->priv_len = g->scalar_len;
    if (g->nid == NID_undef) {
        /* RFC 7748 §6.1: the private key is 32 random bytes; X25519 clamps them itself. */
        tlsio_rng_bytes(rng, k->priv, 32);
        X25519_public_from_private(k->pub, k->priv);
        k->pub_len = 32;
        return 0;
    }
    /* FIPS 186-4 B.4.2 style: draw scalar_len bytes until the value is in [1, n-1]. */
    uint8_t order[TLSIO_KEX_MAX_PRIVATE_LEN];
    EC_GROUP *grp = EC_GROUP_new_by_curve_name(g->nid);
    int have_order =
        grp != NULL && BN_bn2bin_padded(order, g->scalar_len, EC_GROUP_get0_order(grp));
    EC_GROUP_free(grp);
    if (!have_order) {
        tlsio_kex_wipe(k);
        return tlsio_err_set(err, TLS_E_INTERNAL, "key_share: no %s group", g->name);
    }
    do {
        tlsio_rng_bytes(rng, k->priv, g->scalar_len);
    } while (!scalar_in_range(k->priv, order, g->scalar_len));
    int r = nist_public(k, g, err);
    if (r != 0) tlsio_kex_wipe(k);
    return r;
}

static int compute_x25519(const tlsio_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out,
                          tlsio_err *err) {
    if (peer_len != 32)
        return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "key_share: x25519 share is %zu bytes, not 32", peer_len);
    /*
     * RFC 7748 §6.1 / RFC 8446 §7.4.2: an all-zero result means the peer sent a
     * low-order point; libcrypto's X25519 reports it (in constant time) by returning 0.
     */
    if (!X25519(out, k->priv, peer))
        return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "key_share: x25519 shared secret is all zeros (low-order point)");
    return 0;
}

static int compute_nist(const tlsio_kex *k, const struct group_info *g, const uint8_t *peer,
                        size_t peer_len, uint8_t *out, tlsio_err *err) {
    /*
     * RFC 8446 §4.2.8.2: the share is UncompressedPointRepresentation, 0x04 || X || Y; any
     * other length or format byte (compressed 0x02/0x03, hybrid, infinity) is refused.
     */
    if (peer_len != g->public_len)
        return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "key_share: %s share is %zu bytes, not %zu", g->name, peer_len,
                             g->public_len);
    if (peer[0] != POINT_CONVERSION_UNCOMPRESSED)
        return tlsio_err_set(err, TLS_ALERT_ILLEGAL_PARAMETER,
                             "key_share: %s share is not an uncompressed point (format 0x%02x)",
                             g->name, peer[0]);
    int ret = TLS_E_INTERNAL;
    const char *why = "cannot compute the shared secret";
    EC_GROUP *grp = EC_GROUP_new_by_curve_name(g->nid);
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *d = BN_bin2bn(k->priv, g->scalar_len, NULL);
    BIGNUM *x = BN_new();
    EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
    EC_POINT *s = grp ? EC_POINT_new(grp) : NULL;
    if (grp == NULL || ctx == NULL || d == NULL || x == NULL || q == NULL || s == NULL) goto out;
    /* RFC 8446 §4.2.8.2: the receiver MUST validate the point is on the curve. Coordinates
     * >= p are refused by the decoder as well. */
    if (!EC_POINT_oct2point(grp, q, peer, peer_len, ctx)) {
        ret = TLS_ALERT_ILLEGAL_PARAMETER;
        why = "point not on curve";
        goto out;
    }
    if (!EC_POINT_mul(grp, s, NULL, q, d, ctx)) goto out;
    /* With cofactor 1 and a valid point this cannot be infinity; refuse it anyway. */
    if (EC_POINT_is_at_infinity(grp, s)) {
        ret = TLS_ALERT_ILLEGAL_PARAMETER;
        why = "shared point is at infinity";
        goto out;
    }
    /* RFC 8446 §7.4.1: the shared secret is the X coordinate, padded to the field size. */
    if (!EC_POINT_get_affine_coordinates_GFp(grp, s, x, NULL, ctx)) goto out;
    if (!BN_bn2bin_padded(out, g->secret_len, x)) goto out;
    ret = 0;
out:
    EC_POINT_clear_free(s); /* the shared point is secret */
    EC_POINT_free(q);
    BN_clear_free(x);
    BN_clear_free(d);
    BN_CTX_free(ctx);
    EC_GROUP_free(grp);
    if (ret != 0) return tlsio_err_set(err, ret, "key_share: %s %s", g->name, why);
    return 0;
}

int tlsio_kex_compute(const tlsio_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out,
                      size_t *out_len, tlsio_err *err) {
    *out_len = 0;
    const struct group_info *g = find_group(k->group);
    if (g == NULL) return tlsio_err_set(err, TLS_E_USAGE, "key_share: no key pair was generated");
    int r = g->nid == NID_undef ? compute_x25519(k, peer, peer_len, out, err)
                                : compute_nist(k, g, peer, peer_len, out, err);
    if (r != 0) {
        OPENSSL_cleanse(out, g->secret_len);
        return r;
    }
    *out_len = g->secret_len;
    return 0;
}
