/* The TLS record layer: framing and AEAD protection, in place (see record.h). */
#include "record.h"

#include <openssl/bytestring.h>
#include <openssl/mem.h>
#include <string.h>

/* RFC 8446 §5.4: the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets. */
#define TLS13_MAX_INNER_PLAINTEXT (TLSIO_RECORD_MAX_PLAINTEXT + 1)
/* RFC 5246 §6.2.3.3: seq_num(8) + type(1) + version(2) + length(2). */
#define TLS12_AD_LEN 13

static const char *type_name(uint8_t type) {
    switch (type) {
    case TLSIO_CT_CHANGE_CIPHER_SPEC:
        return "change_cipher_spec";
    case TLSIO_CT_ALERT:
        return "alert";
    case TLSIO_CT_HANDSHAKE:
        return "handshake";
    case TLSIO_CT_APPLICATION_DATA:
        return "application_data";
    }
    return "unknown";
}

static const char *mode_name(tlsio_rl_mode mode) {
    switch (mode) {
    case TLSIO_RL_PLAINTEXT:
        break;
    case TLSIO_RL_TLS13:
        return "protected TLS 1.3";
    case TLSIO_RL_TLS12_GCM:
    case TLSIO_RL_TLS12_CHACHA:
        return "protected TLS 1.2";
    }
    return "plaintext";
}

static size_t protocol_max_fragment(tlsio_rl_mode mode) {
    switch (mode) {
    case TLSIO_RL_PLAINTEXT:
        break;
    case TLSIO_RL_TLS13:
        return TLSIO_RECORD_MAX_TLS13_CIPHERTEXT;
    case TLSIO_RL_TLS12_GCM:
    case TLSIO_RL_TLS12_CHACHA:
        return TLSIO_RECORD_MAX_TLS12_CIPHERTEXT;
    }
    return TLSIO_RECORD_MAX_PLAINTEXT;
}

/* RFC 8449 §4.1: what protection adds to the plaintext the record_size_limit counts. Our
 * AEADs add a fixed amount: the tag, and the explicit nonce of TLS 1.2 AES-GCM (TLS 1.3's
 * content type byte is plaintext there). */
static size_t expansion(const tlsio_rl_dir *d) {
    size_t n =
        tlsio_rl_seal_prefix_len(d) - TLSIO_RECORD_HEADER_LEN + tlsio_rl_seal_suffix_len(d, 0);
    return d->mode == TLSIO_RL_TLS13 ? n - 1 : n;
}

/* Whether d->size_limit governs records under d: a protected mode (RFC 8449 §4: unprotected
 * records are not subject to it) and a limit below the protocol's own, which §4 puts at 2^14
 * for TLS 1.2 and 2^14+1 for TLS 1.3 (its content type byte counts). */
static int size_limited(const tlsio_rl_dir *d) {
    if (d->mode == TLSIO_RL_PLAINTEXT || d->size_limit == 0) return 0;
    return d->size_limit < TLSIO_RECORD_MAX_PLAINTEXT + (d->mode == TLSIO_RL_TLS13);
}

size_t tlsio_rl_max_fragment(const tlsio_rl_dir *rd) {
    return size_limited(rd) ? rd->size_limit + expansion(rd) : protocol_max_fragment(rd->mode);
}

/* record_overflow for a fragment longer than tlsio_rl_max_fragment(rd), else 0. Under a
 * record_size_limit the fixed expansion makes the length say the plaintext's exact size, so
 * the sentence names both. */
static int check_length(const tlsio_rl_dir *rd, size_t length, tlsio_err *err) {
    size_t max = tlsio_rl_max_fragment(rd);
    if (length <= max) return 0;
    /* RFC 8449 §4: a record larger than the limit we advertised MUST get record_overflow. */
    if (size_limited(rd))
        return tlsio_err_set(err, TLS_ALERT_RECORD_OVERFLOW,
                             "record: %s record of length %zu carries %zu bytes of plaintext, "
                             "over our record_size_limit of %u (RFC 8449 §4)",
                             mode_name(rd->mode), length, length - expansion(rd),
                             (unsigned)rd->size_limit);
    return tlsio_err_set(err, TLS_ALERT_RECORD_OVERFLOW,
                         "record: length %zu exceeds %zu for %s records", length, max,
                         mode_name(rd->mode));
}

static int is_known_type(uint8_t type) {
    return type >= TLSIO_CT_CHANGE_CIPHER_SPEC && type <= TLSIO_CT_APPLICATION_DATA;
}

static void put_u64_be(uint8_t out[8], uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

/*
 * RFC 8446 §5.3 (and RFC 7905 §2 for TLS 1.2 ChaCha20-Poly1305): the 64-bit sequence number in
 * network byte order, left-padded with zeros to the IV length, XORed with the static IV.
 */
static void xor_nonce(const tlsio_rl_dir *d, uint8_t nonce[TLSIO_AEAD_NONCE_LEN]) {
    uint8_t seq[8];
    put_u64_be(seq, d->seq);
    memcpy(nonce, d->iv, TLSIO_AEAD_NONCE_LEN);
    for (size_t i = 0; i < 8; i++)
        nonce[TLSIO_AEAD_NONCE_LEN - 8 + i] ^= seq[i];
}

/* RFC 5246 §6.2.3.3: additional_data = seq_num + type + version + length (of the plaintext). */
static void tls12_ad(uint8_t ad[TLS12_AD_LEN], uint64_t seq, uint8_t type, uint16_t version,
                     size_t pt_len) {
    put_u64_be(ad, seq);
    ad[8] = type;
    ad[9] = (uint8_t)(version >> 8);
    ad[10] = (uint8_t)version;
    ad[11] = (uint8_t)(pt_len >> 8);
    ad[12] = (uint8_t)pt_len;
}

static int write_header(uint8_t out[TLSIO_RECORD_HEADER_LEN], uint8_t type, uint16_t version,
                        size_t len) {
    CBB cbb;
    size_t written = 0;
    if (!CBB_init_fixed(&cbb, out, TLSIO_RECORD_HEADER_LEN) || !CBB_add_u8(&cbb, type) ||
        !CBB_add_u16(&cbb, version) || !CBB_add_u16(&cbb, (uint16_t)len) ||
        !CBB_finish(&cbb, NULL, &written)) {
        CBB_cleanup(&cbb);
        return 0;
    }
    return written == TLSIO_RECORD_HEADER_LEN;
}

void tlsio_rl_dir_init(tlsio_rl_dir *d) {
    memset(d, 0, sizeof(*d));
    d->mode = TLSIO_RL_PLAINTEXT;
    d->limit = UINT64_MAX;
    d->record_version = TLS_VERSION_1_2;
}

void tlsio_rl_dir_wipe(tlsio_rl_dir *d) {
    tlsio_aead_free(&d->aead);
    OPENSSL_cleanse(d->iv, sizeof(d->iv));
    tlsio_rl_dir_init(d);
}

static const char *alg_name(tlsio_aead_alg alg) {
    switch (alg) {
    case TLSIO_AES_128_GCM:
        return "AES-128-GCM";
    case TLSIO_AES_256_GCM:
        return "AES-256-GCM";
    case TLSIO_CHACHA20_POLY1305:
        return "ChaCha20-Poly1305";
    }
    return "unknown AEAD";
}

/* Common part of key installation: wipe, key the AEAD, reset seq, set the usage limit. */
static int install(tlsio_rl_dir *d, tlsio_rl_mode mode, tlsio_aead_alg alg, const uint8_t *key,
                   size_t key_len, tlsio_err *err) {
    uint16_t record_version = d->record_version, size_limit = d->size_limit;
    uint32_t epoch = d->epoch;
    tlsio_rl_dir_wipe(d);
    d->record_version = record_version;
    d->size_limit = size_limit;
    d->epoch = epoch + 1;
    if (key == NULL || tlsio_aead_init(&d->aead, alg, key, key_len) != 0) {
        tlsio_rl_dir_wipe(d);
        return tlsio_err_set(err, TLS_E_INTERNAL, "record: cannot install a %zu-byte %s key",
                             key_len, alg_name(alg));
    }
    d->mode = mode;
    d->seq = 0; /* RFC 8446 §5.3, RFC 5246 §6.1: each new key starts at sequence 0 */
    /* RFC 8446 §5.5: AES-GCM keys wear out after about 2^24.5 records; ChaCha20-Poly1305 keys
     * outlast the 64-bit sequence number, which must never wrap (RFC 8446 §5.3). */
    d->limit = alg == TLSIO_CHACHA20_POLY1305 ? UINT64_MAX : TLSIO_RL_AES_GCM_RECORD_LIMIT;
    return 0;
}

int tlsio_rl_set_tls13(tlsio_rl_dir *d, tlsio_aead_alg alg, const uint8_t *key, size_t key_len,
                       const uint8_t iv[TLSIO_AEAD_NONCE_LEN], tlsio_err *err) {
    if (iv == NULL) {
        tlsio_rl_dir_wipe(d);
        return tlsio_err_set(err, TLS_E_USAGE, "record: TLS 1.3 key without an IV");
    }
    int rc = install(d, TLSIO_RL_TLS13, alg, key, key_len, err);
    if (rc != 0) return rc;
    memcpy(d->iv, iv, TLSIO_AEAD_NONCE_LEN);
    return 0;
}

int tlsio_rl_set_tls12(tlsio_rl_dir *d, tlsio_aead_alg alg, const uint8_t *key, size_t key_len,
                       const uint8_t *iv, size_t iv_len, tlsio_err *err) {
    /* RFC 5288 §3: a 4-byte salt for AES-GCM; RFC 7905 §2: a 12-byte IV for ChaCha20. */
    int chacha = alg == TLSIO_CHACHA20_POLY1305;
    size_t want = chacha ? TLSIO_AEAD_NONCE_LEN : TLSIO_TLS12_GCM_SALT_LEN;
    if (iv == NULL || iv_len != want) {
        tlsio_rl_dir_wipe(d);
        return tlsio_err_set(err, TLS_E_USAGE, "record: TLS 1.2 %s needs a %zu-byte IV, got %zu",
                             alg_name(alg), want, iv == NULL ? (size_t)0 : iv_len);
    }
    int rc =
        install(d, chacha ? TLSIO_RL_TLS12_CHACHA : TLSIO_RL_TLS12_GCM, alg, key, key_len, err);
    if (rc != 0) return rc;
    memcpy(d->iv, iv, iv_len);
    return 0;
}

/*
 * What a record header that is not TLS most likely is, as a clause for the error sentence
 * ("" if nothing is recognised). The usual cause is a plain-HTTP peer: the wrong port, or a
 * server without TLS on it; its first bytes are an HTTP method, an HTTP/1.x status line
 * ("HTTP/"), the HTTP/2 preface ("PRI *", RFC 9113 §3.4) or an HTML page ('<').
 */
static const char *not_tls_hint(const uint8_t hdr[TLSIO_RECORD_HEADER_LEN]) {
    static const char *const http[] = {"GET ",  "POST ", "HEAD ", "PUT ",  "DELET", "OPTIO",
                                       "CONNE", "PATCH", "TRACE", "HTTP/", "PRI *"};
    for (size_t i = 0; i < sizeof(http) / sizeof(http[0]); i++)
        if (memcmp(hdr, http[i], strlen(http[i])) == 0)
            return "; the peer sent plain HTTP, not TLS (wrong port, or TLS not enabled there?)";
    if (hdr[0] == '<')
        return "; the peer sent what looks like HTML, not TLS (a plain HTTP server?)";
    if (memcmp(hdr, "SSH-", 4) == 0) return "; the peer is an SSH server, not TLS";
    return "";
}

int tlsio_rl_parse_header(const tlsio_rl_dir *rd, const uint8_t hdr[TLSIO_RECORD_HEADER_LEN],
                          unsigned flags, tlsio_rl_header *out, tlsio_err *err) {
    CBS cbs;
    uint8_t type;
    uint16_t version, length;
    CBS_init(&cbs, hdr, TLSIO_RECORD_HEADER_LEN);
    if (!CBS_get_u8(&cbs, &type) || !CBS_get_u16(&cbs, &version) || !CBS_get_u16(&cbs, &length))
        return tlsio_err_set(err, TLS_E_INTERNAL, "record: header parse failed");

    /* The version is checked before the type: a first record whose version is not {03,XX}
     * is not TLS at all (an SSL 2.0 ClientHello, HTTP, garbage), and protocol_version says so
     * better than a complaint about its first byte. */
    if (flags & TLSIO_RL_HDR_INITIAL) {
        /* RFC 5246 Appendix E.1: servers MUST accept any {03,XX} record version for the
         * ClientHello; RFC 8446 §5.1 lets the initial ClientHello carry 0x0301. */
        if ((version >> 8) != 0x03)
            return tlsio_err_set(err, TLS_ALERT_PROTOCOL_VERSION,
                                 "record: the first record is not TLS: legacy_record_version "
                                 "0x%04x is not a TLS version%s",
                                 version, not_tls_hint(hdr));
    } else if ((flags & TLSIO_RL_HDR_TLS13) && version >= 0x0301 && version <= 0x0303) {
        /* accepted: see TLSIO_RL_HDR_TLS13 */
    } else if (version != TLS_VERSION_1_2) {
        /* RFC 8446 §5.1: 0x0303 for all records but an initial ClientHello; TLS 1.2 records
         * carry the negotiated version, 0x0303 (RFC 5246 §6.2.1). */
        return tlsio_err_set(err, TLS_ALERT_PROTOCOL_VERSION,
                             "record: legacy_record_version 0x%04x, expected 0x0303%s", version,
                             not_tls_hint(hdr));
    }

    /* RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST
     * terminate the connection with an unexpected_message alert." */
    if (!is_known_type(type))
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE, "record: unknown content type %u%s",
                             type, not_tls_hint(hdr));

    /* RFC 8446 §5.1/§5.2, RFC 5246 §6.2.1/§6.2.3: over the limit is record_overflow. */
    int rc = check_length(rd, length, err);
    if (rc != 0) return rc;

    /*
     * RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types";
     * RFC 5246 §6.2.1 adds Alert and ChangeCipherSpec. RFC 8446 §5.4 names the alert for a
     * received one: unexpected_message. Protected records are checked after decryption.
     */
    if (rd->mode == TLSIO_RL_PLAINTEXT && length == 0 && type != TLSIO_CT_APPLICATION_DATA)
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE, "record: zero-length %s record",
                             type_name(type));

    out->type = type;
    out->version = version;
    out->length = length;
    return 0;
}

/* RFC 8446 §5.4 (and RFC 5246 §6.2.1): no empty handshake, alert or CCS content. */
static int check_not_empty(uint8_t type, size_t len, tlsio_err *err) {
    if (len == 0 && type != TLSIO_CT_APPLICATION_DATA)
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE, "record: zero-length %s record",
                             type_name(type));
    return 0;
}

static int seq_exhausted(const tlsio_rl_dir *d, tlsio_err *err, const char *dir, int code) {
    /* RFC 8446 §5.3: sequence numbers must not wrap; we never use 2^64-1. */
    return tlsio_err_set(err, code,
                         "record: %s sequence number exhausted at %llu; the connection must close",
                         dir, (unsigned long long)d->seq);
}

static int auth_failed(const tlsio_rl_dir *rd, tlsio_err *err) {
    return tlsio_err_set(err, TLS_ALERT_BAD_RECORD_MAC,
                         "record: authentication failed (bad_record_mac) at sequence %llu",
                         (unsigned long long)rd->seq);
}

static int open_tls13(tlsio_rl_dir *rd, uint8_t *rec, size_t flen, uint8_t *type, uint8_t **pt,
                      size_t *pt_len, tlsio_err *err) {
    uint8_t *frag = rec + TLSIO_RECORD_HEADER_LEN;
    uint8_t nonce[TLSIO_AEAD_NONCE_LEN];
    size_t n = 0;

    /* RFC 8446 §5.2: additional_data = the record header as received. */
    xor_nonce(rd, nonce);
    int rc = tlsio_aead_open(&rd->aead, nonce, rec, TLSIO_RECORD_HEADER_LEN, frag, flen, &n);
    OPENSSL_cleanse(nonce, sizeof(nonce));
    if (rc != 0) return auth_failed(rd, err);
    rd->seq++;

    if (n > TLS13_MAX_INNER_PLAINTEXT)
        return tlsio_err_set(err, TLS_ALERT_RECORD_OVERFLOW,
                             "record: TLS 1.3 inner plaintext of %zu bytes exceeds %d", n,
                             TLS13_MAX_INNER_PLAINTEXT);

    /*
     * RFC 8446 §5.4: strip the zero padding; the last non-zero byte is the content type. The
     * scan's length depends only on the padding the peer chose, which tells an observer of our
     * timing nothing the record's size did not.
     */
    while (n > 0 && frag[n - 1] == 0)
        n--;
    if (n == 0)
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "record: TLS 1.3 record holds no content type (all-zero plaintext)");
    uint8_t inner = frag[n - 1];
    n--;
    if (inner == TLSIO_CT_CHANGE_CIPHER_SPEC)
        /* RFC 8446 §5: a protected change_cipher_spec record MUST abort the handshake. */
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "record: protected change_cipher_spec record");
    if (!is_known_type(inner))
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "record: unknown inner content type %u", inner);
    rc = check_not_empty(inner, n, err);
    if (rc != 0) return rc;
    *type = inner;
    *pt = frag;
    *pt_len = n;
    return 0;
}

static int open_tls12(tlsio_rl_dir *rd, uint8_t *rec, size_t flen, uint8_t *type, uint8_t **pt,
                      size_t *pt_len, tlsio_err *err) {
    uint8_t rtype = rec[0];
    uint16_t version = (uint16_t)(rec[1] << 8 | rec[2]);
    uint8_t *frag = rec + TLSIO_RECORD_HEADER_LEN;
    uint8_t nonce[TLSIO_AEAD_NONCE_LEN];
    uint8_t ad[TLS12_AD_LEN];
    size_t explicit_len = rd->mode == TLSIO_RL_TLS12_GCM ? TLSIO_TLS12_GCM_EXPLICIT_NONCE_LEN : 0;
    size_t n = 0;

    if (flen < explicit_len + TLSIO_AEAD_TAG_LEN) return auth_failed(rd, err);
    size_t ct_len = flen - explicit_len;
    if (rd->mode == TLSIO_RL_TLS12_GCM) {
        /* RFC 5288 §3: nonce = salt (implicit, 4) || nonce_explicit (from the record, 8). */
        memcpy(nonce, rd->iv, TLSIO_TLS12_GCM_SALT_LEN);
        memcpy(nonce + TLSIO_TLS12_GCM_SALT_LEN, frag, TLSIO_TLS12_GCM_EXPLICIT_NONCE_LEN);
    } else {
        xor_nonce(rd, nonce); /* RFC 7905 §2 */
    }
    tls12_ad(ad, rd->seq, rtype, version, ct_len - TLSIO_AEAD_TAG_LEN);
    int rc = tlsio_aead_open(&rd->aead, nonce, ad, sizeof(ad), frag + explicit_len, ct_len, &n);
    OPENSSL_cleanse(nonce, sizeof(nonce));
    if (rc != 0) return auth_failed(rd, err);
    rd->seq++;

    /* RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14. */
    if (n > TLSIO_RECORD_MAX_PLAINTEXT)
        return tlsio_err_set(err, TLS_ALERT_RECORD_OVERFLOW,
                             "record: TLS 1.2 plaintext of %zu bytes exceeds %d", n,
                             TLSIO_RECORD_MAX_PLAINTEXT);
    rc = check_not_empty(rtype, n, err);
    if (rc != 0) return rc;
    *type = rtype;
    *pt = frag + explicit_len;
    *pt_len = n;
    return 0;
}

int tlsio_rl_open(tlsio_rl_dir *rd, uint8_t *rec, size_t rec_len, uint8_t *type, uint8_t **pt,
                  size_t *pt_len, tlsio_err *err) {
    if (rec == NULL || rec_len < TLSIO_RECORD_HEADER_LEN ||
        rec_len - TLSIO_RECORD_HEADER_LEN != (size_t)(rec[3] << 8 | rec[4]))
        return tlsio_err_set(err, TLS_E_USAGE,
                             "record: open needs exactly one whole record (header + fragment)");
    uint8_t rtype = rec[0];
    size_t flen = rec_len - TLSIO_RECORD_HEADER_LEN;
    if (!is_known_type(rtype))
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE, "record: unknown content type %u",
                             rtype);
    int rc = check_length(rd, flen, err);
    if (rc != 0) return rc;

    switch (rd->mode) {
    case TLSIO_RL_PLAINTEXT: {
        /* Application data is never sent before keys are in use (RFC 8446 §2, RFC 5246 §7.4). */
        if (rtype == TLSIO_CT_APPLICATION_DATA)
            return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                                 "record: application_data record before encryption is on");
        rc = check_not_empty(rtype, flen, err);
        if (rc != 0) return rc;
        *type = rtype;
        *pt = rec + TLSIO_RECORD_HEADER_LEN;
        *pt_len = flen;
        return 0;
    }
    case TLSIO_RL_TLS13:
        /* RFC 8446 §5: an unprotected CCS may arrive while protected records are expected; it
         * is detected before deprotection and judged by tlsio_rl_check_ccs. */
        if (rtype == TLSIO_CT_CHANGE_CIPHER_SPEC) {
            *type = rtype;
            *pt = rec + TLSIO_RECORD_HEADER_LEN;
            *pt_len = flen;
            return 0;
        }
        /* RFC 8446 §5.2: "The outer opaque_type field of a TLSCiphertext record is always set
         * to the value 23 (application_data)". */
        if (rtype != TLSIO_CT_APPLICATION_DATA)
            return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                                 "record: unprotected %s record while TLS 1.3 protection is on",
                                 type_name(rtype));
        if (rd->seq == UINT64_MAX) return seq_exhausted(rd, err, "read", TLS_ALERT_INTERNAL_ERROR);
        return open_tls13(rd, rec, flen, type, pt, pt_len, err);
    case TLSIO_RL_TLS12_GCM:
    case TLSIO_RL_TLS12_CHACHA:
        if (rd->seq == UINT64_MAX) return seq_exhausted(rd, err, "read", TLS_ALERT_INTERNAL_ERROR);
        return open_tls12(rd, rec, flen, type, pt, pt_len, err);
    }
    return tlsio_err_set(err, TLS_E_INTERNAL, "record: read state has an unknown mode");
}

size_t tlsio_rl_max_payload(const tlsio_rl_dir *wd) {
    if (!size_limited(wd)) return TLSIO_RECORD_MAX_PLAINTEXT;
    return wd->size_limit - (wd->mode == TLSIO_RL_TLS13);
}

size_t tlsio_rl_seal_prefix_len(const tlsio_rl_dir *wd) {
    return TLSIO_RECORD_HEADER_LEN +
           (wd->mode == TLSIO_RL_TLS12_GCM ? TLSIO_TLS12_GCM_EXPLICIT_NONCE_LEN : 0);
}

size_t tlsio_rl_seal_suffix_len(const tlsio_rl_dir *wd, size_t pad) {
    switch (wd->mode) {
    case TLSIO_RL_PLAINTEXT:
        break;
    case TLSIO_RL_TLS13:
        return 1 + pad + TLSIO_AEAD_TAG_LEN;
    case TLSIO_RL_TLS12_GCM:
    case TLSIO_RL_TLS12_CHACHA:
        return TLSIO_AEAD_TAG_LEN;
    }
    return 0;
}

int tlsio_rl_seal(tlsio_rl_dir *wd, uint8_t type, uint8_t *out, size_t cap, size_t pt_len,
                  size_t pad, size_t *rec_len, tlsio_err *err) {
    if (out == NULL || rec_len == NULL)
        return tlsio_err_set(err, TLS_E_USAGE, "record: seal without an output buffer");
    if (!is_known_type(type))
        return tlsio_err_set(err, TLS_E_USAGE, "record: cannot seal content type %u", type);
    if (pt_len > TLSIO_RECORD_MAX_PLAINTEXT)
        return tlsio_err_set(err, TLS_E_USAGE, "record: payload of %zu bytes exceeds %d", pt_len,
                             TLSIO_RECORD_MAX_PLAINTEXT);
    /* RFC 8446 §5.1 / §5.4, RFC 5246 §6.2.1: no zero-length handshake, alert or CCS. */
    if (pt_len == 0 && type != TLSIO_CT_APPLICATION_DATA)
        return tlsio_err_set(err, TLS_E_USAGE, "record: cannot seal a zero-length %s record",
                             type_name(type));
    if (wd->mode == TLSIO_RL_TLS13) {
        if (type == TLSIO_CT_CHANGE_CIPHER_SPEC)
            return tlsio_err_set(err, TLS_E_USAGE,
                                 "record: the TLS 1.3 change_cipher_spec is never protected "
                                 "(use tlsio_rl_write_ccs)");
        /* RFC 8446 §5.4: the TLSInnerPlaintext, padding included, is at most 2^14 + 1. */
        if (pad > TLSIO_RECORD_MAX_PLAINTEXT - pt_len)
            return tlsio_err_set(err, TLS_E_USAGE,
                                 "record: %zu payload + %zu padding bytes exceed %d", pt_len, pad,
                                 TLSIO_RECORD_MAX_PLAINTEXT);
    } else if (pad != 0) {
        return tlsio_err_set(err, TLS_E_USAGE, "record: padding exists only in TLS 1.3");
    }
    /* RFC 8449 §4: no protected record over the peer's record_size_limit (in TLS 1.3 the
     * content type and padding count). */
    if (size_limited(wd) && pt_len + pad > tlsio_rl_max_payload(wd))
        return tlsio_err_set(err, TLS_E_USAGE,
                             "record: %zu payload + %zu padding bytes exceed the peer's "
                             "record_size_limit of %u",
                             pt_len, pad, (unsigned)wd->size_limit);
    size_t prefix = tlsio_rl_seal_prefix_len(wd);
    size_t total = prefix + pt_len + tlsio_rl_seal_suffix_len(wd, pad);
    if (cap < total)
        return tlsio_err_set(err, TLS_E_USAGE, "record: %zu-byte buffer too small for %zu", cap,
                             total);

    if (wd->mode == TLSIO_RL_PLAINTEXT) {
        if (!write_header(out, type, wd->record_version, pt_len))
            return tlsio_err_set(err, TLS_E_INTERNAL, "record: header build failed");
        *rec_len = total;
        return 0;
    }

    if (wd->seq == UINT64_MAX) return seq_exhausted(wd, err, "write", TLS_E_INTERNAL);
    if (wd->seq >= wd->limit)
        /* RFC 8446 §5.5: past the limit the key must not be used; TLS 1.3 rekeys first (see
         * tlsio_rl_key_update_due), TLS 1.2 has no rekeying here and must close. */
        return tlsio_err_set(err, TLS_E_INTERNAL,
                             "record: write key reached its usage limit of %llu records "
                             "(RFC 8446 §5.5)",
                             (unsigned long long)wd->limit);

    uint8_t nonce[TLSIO_AEAD_NONCE_LEN];
    int rc;
    /* Protected records always carry 0x0303 (RFC 8446 §5.1, RFC 5246 §6.2.1). */
    if (wd->mode == TLSIO_RL_TLS13) {
        uint8_t *body = out + prefix;
        size_t inner = pt_len + 1 + pad;
        /* RFC 8446 §5.2: TLSInnerPlaintext = content || type || zeros; outer type 23. */
        body[pt_len] = type;
        memset(body + pt_len + 1, 0, pad);
        if (!write_header(out, TLSIO_CT_APPLICATION_DATA, TLS_VERSION_1_2,
                          inner + TLSIO_AEAD_TAG_LEN))
            return tlsio_err_set(err, TLS_E_INTERNAL, "record: header build failed");
        xor_nonce(wd, nonce);
        rc = tlsio_aead_seal(&wd->aead, nonce, out, TLSIO_RECORD_HEADER_LEN, body, inner);
    } else {
        uint8_t ad[TLS12_AD_LEN];
        size_t explicit_len = prefix - TLSIO_RECORD_HEADER_LEN;
        if (!write_header(out, type, TLS_VERSION_1_2, explicit_len + pt_len + TLSIO_AEAD_TAG_LEN))
            return tlsio_err_set(err, TLS_E_INTERNAL, "record: header build failed");
        if (wd->mode == TLSIO_RL_TLS12_GCM) {
            /* RFC 5288 §3: "The nonce_explicit MAY be the 64-bit sequence number": unique per
             * key by construction, and RFC 9325 §7.2.1 recommends it. */
            memcpy(nonce, wd->iv, TLSIO_TLS12_GCM_SALT_LEN);
            put_u64_be(nonce + TLSIO_TLS12_GCM_SALT_LEN, wd->seq);
            memcpy(out + TLSIO_RECORD_HEADER_LEN, nonce + TLSIO_TLS12_GCM_SALT_LEN,
                   TLSIO_TLS12_GCM_EXPLICIT_NONCE_LEN);
        } else {
            xor_nonce(wd, nonce); /* RFC 7905 §2 */
        }
        tls12_ad(ad, wd->seq, type, TLS_VERSION_1_2, pt_len);
        rc = tlsio_aead_seal(&wd->aead, nonce, ad, sizeof(ad), out + prefix, pt_len);
    }
    OPENSSL_cleanse(nonce, sizeof(nonce));
    if (rc != 0)
        return tlsio_err_set(err, TLS_E_INTERNAL, "record: AEAD seal failed at sequence %llu",
                             (unsigned long long)wd->seq);
    wd->seq++;
    *rec_len = total;
    return 0;
}

int tlsio_rl_key_update_due(const tlsio_rl_dir *wd) {
    if (wd->mode == TLSIO_RL_PLAINTEXT) return 0;
    return wd->seq >= wd->limit - TLSIO_RL_KEY_UPDATE_MARGIN;
}

size_t tlsio_rl_write_ccs(uint8_t out[TLSIO_CCS_RECORD_LEN]) {
    /* RFC 8446 §5 / Appendix D.4: type 20, version 0x0303, length 1, the byte 0x01. */
    static const uint8_t ccs[TLSIO_CCS_RECORD_LEN] = {
        TLSIO_CT_CHANGE_CIPHER_SPEC, 0x03, 0x03, 0x00, 0x01, 0x01};
    memcpy(out, ccs, sizeof(ccs));
    return sizeof(ccs);
}

int tlsio_rl_check_ccs(const uint8_t *frag, size_t len, int in_window, tlsio_err *err) {
    /* RFC 8446 §5: a CCS before the first ClientHello or after the peer's Finished "MUST be
     * treated as an unexpected record type". */
    if (!in_window)
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "record: change_cipher_spec record at a point it is not allowed");
    /* RFC 8446 §5: "An implementation which receives any other change_cipher_spec value ...
     * MUST abort the handshake with an unexpected_message alert"; RFC 5246 §7.1: one byte, 1. */
    if (frag == NULL || len != 1 || frag[0] != 0x01)
        return tlsio_err_set(err, TLS_ALERT_UNEXPECTED_MESSAGE,
                             "record: change_cipher_spec body is not the single byte 0x01");
    return 0;
}
