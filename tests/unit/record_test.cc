// The record layer (core/record.h): framing, TLS 1.3 and TLS 1.2 AEAD protection, limits.
#include <gtest/gtest.h>

#include <openssl/aead.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "hex.h"
#include "record.h"
#include "rfc8448.h"
#include "testerr.h"

using tlsio_test::Bytes;
using tlsio_test::Err;
using tlsio_test::Hex;
using tlsio_test::ToHex;
using namespace tlsio_test::rfc8448;

namespace {

// ---------------------------------------------------------------------------------------
// RFC 8448 §3 (Simple 1-RTT Handshake, TLS_AES_128_GCM_SHA256): the "complete record" of each
// protected record in the trace and the plaintext it carries (rfc8448.h).
// ---------------------------------------------------------------------------------------

struct Rfc8448Record {
    const char *name;
    const char *key;
    const char *iv;
    uint64_t seq;
    uint8_t type;
    Bytes plaintext;
    const char *record;
};

Bytes Counting(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; i++)
        b[i] = static_cast<uint8_t>(i);
    return b;
}

std::vector<Rfc8448Record> Rfc8448Records() {
    // The application data in both directions is the 50 bytes 00 01 .. 31; both alerts are
    // close_notify (warning, 0).
    return {
        {"server EE..Finished", kServerHsKey, kServerHsIv, 0, TLSIO_CT_HANDSHAKE, Hex(kEePt),
         kEeRec},
        {"client Finished", kClientHsKey, kClientHsIv, 0, TLSIO_CT_HANDSHAKE, Hex(kClientFinished),
         kCfinRec},
        {"server NewSessionTicket", kServerApKey, kServerApIv, 0, TLSIO_CT_HANDSHAKE, Hex(kNstPt),
         kNstRec},
        {"client application_data", kClientApKey, kClientApIv, 0, TLSIO_CT_APPLICATION_DATA,
         Counting(50), kCAppRec},
        {"server application_data", kServerApKey, kServerApIv, 1, TLSIO_CT_APPLICATION_DATA,
         Counting(50), kSAppRec},
        {"client alert", kClientApKey, kClientApIv, 1, TLSIO_CT_ALERT, Hex("0100"), kCAlertRec},
        {"server alert", kServerApKey, kServerApIv, 2, TLSIO_CT_ALERT, Hex("0100"), kSAlertRec},
    };
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

// A direction that wipes itself.
struct Dir {
    tlsio_rl_dir d;
    Dir() {
        tlsio_rl_dir_init(&d);
    }
    ~Dir() {
        tlsio_rl_dir_wipe(&d);
    }
    Dir(const Dir &) = delete;
    Dir &operator=(const Dir &) = delete;
};

void Set13(tlsio_rl_dir *d, tlsio_aead_alg alg, const Bytes &key, const Bytes &iv) {
    Err err;
    ASSERT_EQ(0, tlsio_rl_set_tls13(d, alg, key.data(), key.size(), iv.data(), &err.e))
        << err.msg();
}

void Set12(tlsio_rl_dir *d, tlsio_aead_alg alg, const Bytes &key, const Bytes &iv) {
    Err err;
    ASSERT_EQ(0, tlsio_rl_set_tls12(d, alg, key.data(), key.size(), iv.data(), iv.size(), &err.e))
        << err.msg();
}

struct Sealed {
    int rc = -1;
    Bytes rec;
    std::string msg;
};

Sealed Seal(tlsio_rl_dir *d, uint8_t type, const Bytes &pt, size_t pad = 0) {
    Sealed s;
    size_t pre = tlsio_rl_seal_prefix_len(d);
    Bytes buf(pre + pt.size() + tlsio_rl_seal_suffix_len(d, pad), 0xee);
    if (!pt.empty()) memcpy(buf.data() + pre, pt.data(), pt.size());
    size_t n = 0;
    Err err;
    s.rc = tlsio_rl_seal(d, type, buf.data(), buf.size(), pt.size(), pad, &n, &err.e);
    s.msg = err.msg();
    if (s.rc == 0) {
        EXPECT_EQ(buf.size(), n);
        buf.resize(n);
        s.rec = buf;
    }
    return s;
}

struct Opened {
    int rc = -1;
    uint8_t type = 0;
    Bytes pt;
    size_t offset = 0; // where the plaintext starts inside the record
    std::string msg;
};

Opened Open(tlsio_rl_dir *d, Bytes rec) {
    Opened o;
    uint8_t *pt = nullptr;
    size_t pt_len = 0;
    Err err;
    o.rc = tlsio_rl_open(d, rec.data(), rec.size(), &o.type, &pt, &pt_len, &err.e);
    o.msg = err.msg();
    if (o.rc == 0) {
        EXPECT_GE(pt, rec.data());
        EXPECT_LE(pt + pt_len, rec.data() + rec.size());
        o.offset = static_cast<size_t>(pt - rec.data());
        o.pt.assign(pt, pt + pt_len);
    }
    return o;
}

struct Parsed {
    int rc = -1;
    tlsio_rl_header h{};
    std::string msg;
};

Parsed Parse(const tlsio_rl_dir *d, const Bytes &hdr, unsigned flags = 0) {
    Parsed p;
    Err err;
    p.rc = tlsio_rl_parse_header(d, hdr.data(), flags, &p.h, &err.e);
    p.msg = err.msg();
    return p;
}

Bytes Header(uint8_t type, uint16_t version, size_t len) {
    return {type, static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version),
            static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
}

// --- Independent reference computations straight from the RFC definitions, using
// --- libcrypto's EVP_AEAD directly (not the record layer or the tlsio AEAD adapter).

const EVP_AEAD *EvpAead(tlsio_aead_alg alg) {
    switch (alg) {
    case TLSIO_AES_128_GCM:
        return EVP_aead_aes_128_gcm();
    case TLSIO_AES_256_GCM:
        return EVP_aead_aes_256_gcm();
    case TLSIO_CHACHA20_POLY1305:
        return EVP_aead_chacha20_poly1305();
    }
    return nullptr;
}

Bytes EvpSeal(tlsio_aead_alg alg, const Bytes &key, const Bytes &nonce, const Bytes &ad,
              const Bytes &pt) {
    EVP_AEAD_CTX ctx;
    EXPECT_EQ(1, EVP_AEAD_CTX_init(&ctx, EvpAead(alg), key.data(), key.size(), 16, nullptr));
    Bytes out(pt.size() + 16);
    size_t n = 0;
    EXPECT_EQ(1, EVP_AEAD_CTX_seal(&ctx, out.data(), &n, out.size(), nonce.data(), nonce.size(),
                                   pt.data(), pt.size(), ad.data(), ad.size()));
    EVP_AEAD_CTX_cleanup(&ctx);
    out.resize(n);
    return out;
}

Bytes Be64(uint64_t v) {
    Bytes b(8);
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = static_cast<uint8_t>(v);
    return b;
}

// RFC 8446 §5.3 / RFC 7905 §2: iv XOR (seq, left-padded to 12 bytes).
Bytes XorNonce(const Bytes &iv, uint64_t seq) {
    Bytes n = iv, s = Be64(seq);
    for (size_t i = 0; i < 8; i++)
        n[4 + i] ^= s[i];
    return n;
}

Bytes Concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes &p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

// A TLS 1.3 record with an arbitrary TLSInnerPlaintext (RFC 8446 §5.2): lets the tests build
// records the record layer itself refuses to produce.
Bytes Tls13Craft(tlsio_aead_alg alg, const Bytes &key, const Bytes &iv, uint64_t seq,
                 const Bytes &inner, uint8_t outer_type = TLSIO_CT_APPLICATION_DATA) {
    Bytes hdr = Header(outer_type, 0x0303, inner.size() + 16);
    return Concat({hdr, EvpSeal(alg, key, XorNonce(iv, seq), hdr, inner)});
}

// A TLS 1.2 AEAD record (RFC 5246 §6.2.3.3): AD = seq || type || version || length; AES-GCM
// nonce = salt || explicit (RFC 5288 §3, explicit = seq), ChaCha20 nonce = iv XOR seq (RFC 7905).
Bytes Tls12Reference(tlsio_aead_alg alg, const Bytes &key, const Bytes &iv, uint64_t seq,
                     uint8_t type, const Bytes &pt) {
    Bytes ad =
        Concat({Be64(seq), Bytes{type, 0x03, 0x03},
                Bytes{static_cast<uint8_t>(pt.size() >> 8), static_cast<uint8_t>(pt.size())}});
    if (alg == TLSIO_CHACHA20_POLY1305) {
        Bytes ct = EvpSeal(alg, key, XorNonce(iv, seq), ad, pt);
        return Concat({Header(type, 0x0303, ct.size()), ct});
    }
    Bytes ct = EvpSeal(alg, key, Concat({iv, Be64(seq)}), ad, pt);
    return Concat({Header(type, 0x0303, 8 + ct.size()), Be64(seq), ct});
}

Bytes Pattern(size_t n, uint8_t start) {
    Bytes b(n);
    for (size_t i = 0; i < n; i++)
        b[i] = static_cast<uint8_t>(start + i);
    return b;
}

} // namespace

// =======================================================================================
// RFC 8448 §3 known answers
// =======================================================================================

TEST(RecordRfc8448, OpensEveryProtectedRecordToTheTracePlaintext) {
    for (const Rfc8448Record &r : Rfc8448Records()) {
        SCOPED_TRACE(r.name);
        Dir rd;
        Set13(&rd.d, TLSIO_AES_128_GCM, Hex(r.key), Hex(r.iv));
        rd.d.seq = r.seq;
        Bytes rec = Hex(r.record);
        Parsed p = Parse(&rd.d, Bytes(rec.begin(), rec.begin() + 5));
        ASSERT_EQ(0, p.rc) << p.msg;
        EXPECT_EQ(rec.size() - 5, p.h.length);
        EXPECT_EQ(TLSIO_CT_APPLICATION_DATA, p.h.type);
        Opened o = Open(&rd.d, rec);
        ASSERT_EQ(0, o.rc) << o.msg;
        EXPECT_EQ(r.type, o.type);
        EXPECT_EQ(ToHex(r.plaintext), ToHex(o.pt));
        EXPECT_EQ(5u, o.offset); // in place: the plaintext sits where the ciphertext was
        EXPECT_EQ(r.seq + 1, rd.d.seq);
    }
}

TEST(RecordRfc8448, SealsEveryTracePlaintextToTheTraceRecord) {
    for (const Rfc8448Record &r : Rfc8448Records()) {
        SCOPED_TRACE(r.name);
        Dir wd;
        Set13(&wd.d, TLSIO_AES_128_GCM, Hex(r.key), Hex(r.iv));
        wd.d.seq = r.seq;
        EXPECT_EQ(5u, tlsio_rl_seal_prefix_len(&wd.d));
        EXPECT_EQ(17u, tlsio_rl_seal_suffix_len(&wd.d, 0));
        Sealed s = Seal(&wd.d, r.type, r.plaintext);
        ASSERT_EQ(0, s.rc) << s.msg;
        EXPECT_EQ(ToHex(Hex(r.record)), ToHex(s.rec));
        EXPECT_EQ(r.seq + 1, wd.d.seq);
    }
}

TEST(RecordRfc8448, ServerApplicationRecordsOpenInSequence) {
    // NewSessionTicket (seq 0), application data (1), close_notify (2) under one read key.
    Dir rd;
    Set13(&rd.d, TLSIO_AES_128_GCM, Hex(kServerApKey), Hex(kServerApIv));
    Opened a = Open(&rd.d, Hex(kNstRec));
    ASSERT_EQ(0, a.rc) << a.msg;
    EXPECT_EQ(TLSIO_CT_HANDSHAKE, a.type);
    // Out of order: the application record cannot be opened as sequence 2.
    rd.d.seq = 2;
    Opened wrong = Open(&rd.d, Hex(kSAppRec));
    EXPECT_EQ(TLS_ALERT_BAD_RECORD_MAC, wrong.rc);
    EXPECT_EQ("record: authentication failed (bad_record_mac) at sequence 2", wrong.msg);
    rd.d.seq = 1;
    Opened b = Open(&rd.d, Hex(kSAppRec));
    ASSERT_EQ(0, b.rc) << b.msg;
    EXPECT_EQ(ToHex(Counting(50)), ToHex(b.pt));
    Opened c = Open(&rd.d, Hex(kSAlertRec));
    ASSERT_EQ(0, c.rc) << c.msg;
    EXPECT_EQ(TLSIO_CT_ALERT, c.type);
    EXPECT_EQ("0100", ToHex(c.pt));
    EXPECT_EQ(3u, rd.d.seq);
}

// Every single-bit flip of a record is rejected: a flip in the fragment (ciphertext or tag)
// is bad_record_mac; a flip in the header either fails the header checks or, because the
// header is the AEAD's additional data (RFC 8446 §5.2), authentication.
static void ExpectEveryBitFlipRejected13(const char *key, const char *iv, const char *record) {
    Bytes rec = Hex(record);
    for (size_t bit = 0; bit < rec.size() * 8; bit++) {
        Dir rd;
        Set13(&rd.d, TLSIO_AES_128_GCM, Hex(key), Hex(iv));
        Bytes c = rec;
        c[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        if (bit / 8 >= 5) {
            Opened o = Open(&rd.d, c);
            ASSERT_EQ(TLS_ALERT_BAD_RECORD_MAC, o.rc) << "bit " << bit;
            ASSERT_EQ("record: authentication failed (bad_record_mac) at sequence 0", o.msg);
            ASSERT_EQ(0u, rd.d.seq) << "a failed record must not advance the sequence";
            continue;
        }
        if (bit / 8 == 1 || bit / 8 == 2) {
            // legacy_record_version: refused by the header check, and authenticated too.
            EXPECT_EQ(TLS_ALERT_PROTOCOL_VERSION, Parse(&rd.d, c).rc) << "bit " << bit;
            EXPECT_EQ(TLS_ALERT_BAD_RECORD_MAC, Open(&rd.d, c).rc) << "bit " << bit;
            continue;
        }
        Parsed p = Parse(&rd.d, c);
        if (p.rc != 0) continue; // refused at the header
        size_t want = 5 + p.h.length;
        if (want > c.size()) continue; // the record never completes
        c.resize(want);
        Opened o = Open(&rd.d, c);
        EXPECT_NE(0, o.rc) << "bit " << bit;
    }
}

TEST(RecordRfc8448, EveryBitFlipOfClientFinishedRecordIsRejected) {
    ExpectEveryBitFlipRejected13(kClientHsKey, kClientHsIv, kCfinRec);
}

TEST(RecordRfc8448, EveryBitFlipOfServerFlightRecordIsRejected) {
    ExpectEveryBitFlipRejected13(kServerHsKey, kServerHsIv, kEeRec);
}

// =======================================================================================
// Header checks
// =======================================================================================

TEST(RecordHeader, UnknownContentTypeIsUnexpectedMessage) {
    Dir d;
    for (int t : {0, 19, 24, 0x80, 255}) {
        Parsed p = Parse(&d.d, Header(static_cast<uint8_t>(t), 0x0303, 10));
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, p.rc) << t;
        EXPECT_EQ("record: unknown content type " + std::to_string(t), p.msg);
    }
    for (int t = 20; t <= 23; t++)
        EXPECT_EQ(0, Parse(&d.d, Header(t, 0x0303, 10)).rc) << t;
}

TEST(RecordHeader, LegacyRecordVersion) {
    Dir d;
    Parsed ok = Parse(&d.d, Header(TLSIO_CT_HANDSHAKE, 0x0303, 7));
    ASSERT_EQ(0, ok.rc);
    EXPECT_EQ(TLSIO_CT_HANDSHAKE, ok.h.type);
    EXPECT_EQ(0x0303, ok.h.version);
    EXPECT_EQ(7u, ok.h.length);
    for (uint16_t v : {0x0301, 0x0302, 0x0304, 0x0300, 0x0203, 0x0000}) {
        Parsed p = Parse(&d.d, Header(TLSIO_CT_HANDSHAKE, v, 7));
        EXPECT_EQ(TLS_ALERT_PROTOCOL_VERSION, p.rc) << v;
        char want[80];
        snprintf(want, sizeof want, "record: legacy_record_version 0x%04x, expected 0x0303", v);
        EXPECT_EQ(want, p.msg);
    }
    // TLS 1.3 after the first record: the TLS versions 0x0301..0x0303 (RFC 8446 §5.1 says
    // to ignore the field; a compatibility CCS may carry its ClientHello's 0x0301), nothing
    // else.
    for (uint16_t v : {0x0301, 0x0302, 0x0303})
        EXPECT_EQ(0, Parse(&d.d, Header(TLSIO_CT_HANDSHAKE, v, 7), TLSIO_RL_HDR_TLS13).rc) << v;
    for (uint16_t v : {0x0300, 0x0304, 0x03ff, 0x0203, 0x0000})
        EXPECT_EQ(TLS_ALERT_PROTOCOL_VERSION,
                  Parse(&d.d, Header(TLSIO_CT_HANDSHAKE, v, 7), TLSIO_RL_HDR_TLS13).rc)
            << v;
    // The first record: any {03,XX} (RFC 5246 Appendix E.1; 0x0301 per RFC 8446 §5.1).
    for (uint16_t v : {0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x03ff})
        EXPECT_EQ(0, Parse(&d.d, Header(TLSIO_CT_HANDSHAKE, v, 7), TLSIO_RL_HDR_INITIAL).rc) << v;
    Parsed bad = Parse(&d.d, Header(TLSIO_CT_HANDSHAKE, 0x0203, 7), TLSIO_RL_HDR_INITIAL);
    EXPECT_EQ(TLS_ALERT_PROTOCOL_VERSION, bad.rc);
    EXPECT_EQ("record: the first record is not TLS: legacy_record_version 0x0203 is not a TLS "
              "version",
              bad.msg);
}

// A peer that is not TLS at all is named when its bytes say what it is: an HTTP request or
// response (the wrong port, or a server without TLS there), HTML, SSH.
TEST(RecordHeader, NonTlsPeerIsNamed) {
    Dir d;
    const std::string http = "; the peer sent plain HTTP, not TLS (wrong port, or TLS not enabled "
                             "there?)";
    struct Case {
        const char *bytes;
        std::string msg;
    };
    const Case cases[] = {
        {"GET /", "record: the first record is not TLS: legacy_record_version 0x4554 is not a TLS "
                  "version" +
                      http},
        {"HTTP/", "record: the first record is not TLS: legacy_record_version 0x5454 is not a TLS "
                  "version" +
                      http},
        {"POST ", "record: the first record is not TLS: legacy_record_version 0x4f53 is not a TLS "
                  "version" +
                      http},
        {"PRI *", "record: the first record is not TLS: legacy_record_version 0x5249 is not a TLS "
                  "version" +
                      http},
        {"<html", "record: the first record is not TLS: legacy_record_version 0x6874 is not a TLS "
                  "version; the peer sent what looks like HTML, not TLS (a plain HTTP server?)"},
        {"SSH-2", "record: the first record is not TLS: legacy_record_version 0x5348 is not a TLS "
                  "version; the peer is an SSH server, not TLS"},
        {"blah!", "record: the first record is not TLS: legacy_record_version 0x6c61 is not a TLS "
                  "version"},
    };
    for (const Case &c : cases) {
        Bytes hdr(c.bytes, c.bytes + 5);
        Parsed p = Parse(&d.d, hdr, TLSIO_RL_HDR_INITIAL);
        EXPECT_EQ(TLS_ALERT_PROTOCOL_VERSION, p.rc) << c.bytes;
        EXPECT_EQ(c.msg, p.msg);
    }
    // Later in the connection too (a proxy that answers in plain HTTP mid-stream).
    Parsed later = Parse(&d.d, Bytes{'H', 'T', 'T', 'P', '/'});
    EXPECT_EQ("record: legacy_record_version 0x5454, expected 0x0303" + http, later.msg);
    // '<' with a TLS-looking version: the "unknown content type 60" of an HTML answer.
    Parsed lt = Parse(&d.d, Bytes{'<', 0x03, 0x03, 0, 10});
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, lt.rc);
    EXPECT_EQ("record: unknown content type 60; the peer sent what looks like HTML, not TLS (a "
              "plain HTTP server?)",
              lt.msg);
}

TEST(RecordHeader, VersionIsCheckedBeforeType) {
    Dir d;
    // "blah", an SSL 2.0 ClientHello, "GET /": a first record that is not TLS at all is
    // protocol_version, not a complaint about its first byte.
    for (const Bytes &hdr : {Bytes{'b', 'l', 'a', 'h', 0}, Bytes{0x80, 0x2e, 0x01, 0x03, 0x01},
                             Bytes{'G', 'E', 'T', ' ', '/'}}) {
        Parsed p = Parse(&d.d, hdr, TLSIO_RL_HDR_INITIAL);
        EXPECT_EQ(TLS_ALERT_PROTOCOL_VERSION, p.rc) << ToHex(hdr);
        EXPECT_NE(std::string::npos, p.msg.find("is not a TLS version")) << p.msg;
        EXPECT_EQ(TLS_ALERT_PROTOCOL_VERSION, Parse(&d.d, hdr).rc) << ToHex(hdr);
    }
    // A TLS version with an unknown type is still unexpected_message.
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE,
              Parse(&d.d, Header(0x80, 0x0301, 10), TLSIO_RL_HDR_INITIAL).rc);
}

TEST(RecordHeader, LengthLimitPerMode) {
    struct Case {
        const char *what;
        int mode; // 0 plaintext, 1 TLS 1.3, 2 TLS 1.2 GCM, 3 TLS 1.2 ChaCha
        size_t limit;
        const char *name;
    };
    const Case cases[] = {
        {"plaintext (RFC 8446 §5.1)", 0, 16384, "plaintext"},
        {"TLS 1.3 (RFC 8446 §5.2)", 1, 16640, "protected TLS 1.3"},
        {"TLS 1.2 GCM (RFC 5246 §6.2.3)", 2, 18432, "protected TLS 1.2"},
        {"TLS 1.2 ChaCha (RFC 5246 §6.2.3)", 3, 18432, "protected TLS 1.2"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.what);
        Dir d;
        if (c.mode == 1) Set13(&d.d, TLSIO_AES_128_GCM, Bytes(16, 1), Bytes(12, 2));
        if (c.mode == 2) Set12(&d.d, TLSIO_AES_128_GCM, Bytes(16, 1), Bytes(4, 2));
        if (c.mode == 3) Set12(&d.d, TLSIO_CHACHA20_POLY1305, Bytes(32, 1), Bytes(12, 2));
        for (uint8_t type : {TLSIO_CT_HANDSHAKE, TLSIO_CT_APPLICATION_DATA}) {
            Parsed at = Parse(&d.d, Header(type, 0x0303, c.limit));
            EXPECT_EQ(0, at.rc) << at.msg;
            EXPECT_EQ(c.limit, at.h.length);
            Parsed over = Parse(&d.d, Header(type, 0x0303, c.limit + 1));
            EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, over.rc);
            EXPECT_EQ("record: length " + std::to_string(c.limit + 1) + " exceeds " +
                          std::to_string(c.limit) + " for " + c.name + " records",
                      over.msg);
        }
        // The open path checks the limit again on its own.
        Bytes big = Header(TLSIO_CT_APPLICATION_DATA, 0x0303, c.limit + 1);
        big.resize(5 + c.limit + 1);
        EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, Open(&d.d, big).rc);
    }
    Dir d13;
    Set13(&d13.d, TLSIO_AES_128_GCM, Bytes(16, 1), Bytes(12, 2));
    EXPECT_EQ("record: length 16645 exceeds 16640 for protected TLS 1.3 records",
              Parse(&d13.d, Header(TLSIO_CT_APPLICATION_DATA, 0x0303, 16645)).msg);
    EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW,
              Parse(&d13.d, Header(TLSIO_CT_APPLICATION_DATA, 0x0303, 0xffff)).rc);
}

TEST(RecordHeader, EmptyPlaintextRecords) {
    // RFC 8446 §5.1/§5.4, RFC 5246 §6.2.1: no zero-length handshake, alert or CCS fragments.
    Dir d;
    const struct {
        uint8_t type;
        const char *name;
    } refused[] = {{TLSIO_CT_HANDSHAKE, "handshake"},
                   {TLSIO_CT_ALERT, "alert"},
                   {TLSIO_CT_CHANGE_CIPHER_SPEC, "change_cipher_spec"}};
    for (const auto &r : refused) {
        Parsed p = Parse(&d.d, Header(r.type, 0x0303, 0));
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, p.rc);
        EXPECT_EQ(std::string("record: zero-length ") + r.name + " record", p.msg);
        Opened o = Open(&d.d, Header(r.type, 0x0303, 0));
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, o.rc);
        EXPECT_EQ(std::string("record: zero-length ") + r.name + " record", o.msg);
    }
    // Zero-length application data is legal framing (RFC 8446 §5.1) but never plaintext.
    EXPECT_EQ(0, Parse(&d.d, Header(TLSIO_CT_APPLICATION_DATA, 0x0303, 0)).rc);
    Opened app = Open(&d.d, Header(TLSIO_CT_APPLICATION_DATA, 0x0303, 0));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, app.rc);
    EXPECT_EQ("record: application_data record before encryption is on", app.msg);
}

// =======================================================================================
// Plaintext mode
// =======================================================================================

TEST(RecordPlaintext, OpenReturnsTheFragmentInPlace) {
    Dir d;
    Bytes rec = Concat({Header(TLSIO_CT_HANDSHAKE, 0x0303, 4), Hex("0e000000")});
    Opened o = Open(&d.d, rec);
    ASSERT_EQ(0, o.rc) << o.msg;
    EXPECT_EQ(TLSIO_CT_HANDSHAKE, o.type);
    EXPECT_EQ("0e000000", ToHex(o.pt));
    EXPECT_EQ(5u, o.offset);
    EXPECT_EQ(0u, d.d.seq);
}

TEST(RecordPlaintext, SealWritesTheHeaderOnly) {
    Dir d;
    EXPECT_EQ(5u, tlsio_rl_seal_prefix_len(&d.d));
    EXPECT_EQ(0u, tlsio_rl_seal_suffix_len(&d.d, 0));
    Sealed s = Seal(&d.d, TLSIO_CT_HANDSHAKE, Hex("01000002abcd"));
    ASSERT_EQ(0, s.rc) << s.msg;
    EXPECT_EQ("160303000601000002abcd", ToHex(s.rec));
    // RFC 8446 §5.1: an initial ClientHello may carry 0x0301.
    d.d.record_version = 0x0301;
    s = Seal(&d.d, TLSIO_CT_HANDSHAKE, Hex("01000002abcd"));
    ASSERT_EQ(0, s.rc) << s.msg;
    EXPECT_EQ("160301000601000002abcd", ToHex(s.rec));
    EXPECT_FALSE(tlsio_rl_key_update_due(&d.d));
}

// =======================================================================================
// TLS 1.3 protection
// =======================================================================================

class Tls13Test : public ::testing::TestWithParam<tlsio_aead_alg> {
  protected:
    void SetUp() override {
        key = Pattern(tlsio_aead_key_len(GetParam()), 0x40);
        iv = Pattern(12, 0x90);
        Set13(&wd.d, GetParam(), key, iv);
        Set13(&rd.d, GetParam(), key, iv);
    }
    Bytes key, iv;
    Dir wd, rd;
};

TEST_P(Tls13Test, RoundTripEveryContentType) {
    const uint8_t types[] = {TLSIO_CT_HANDSHAKE, TLSIO_CT_APPLICATION_DATA, TLSIO_CT_ALERT};
    for (uint8_t type : types) {
        Bytes pt = Pattern(type == TLSIO_CT_ALERT ? 2 : 300, type);
        Sealed s = Seal(&wd.d, type, pt);
        ASSERT_EQ(0, s.rc) << s.msg;
        EXPECT_EQ(5 + pt.size() + 1 + 16, s.rec.size());
        EXPECT_EQ("170303", ToHex(Bytes(s.rec.begin(), s.rec.begin() + 3))); // outer type 23
        // An independent computation of the same record (RFC 8446 §5.2).
        Bytes inner = pt;
        inner.push_back(type);
        EXPECT_EQ(ToHex(Tls13Craft(GetParam(), key, iv, rd.d.seq, inner)), ToHex(s.rec));
        Opened o = Open(&rd.d, s.rec);
        ASSERT_EQ(0, o.rc) << o.msg;
        EXPECT_EQ(type, o.type);
        EXPECT_EQ(ToHex(pt), ToHex(o.pt));
    }
    EXPECT_EQ(3u, wd.d.seq);
    EXPECT_EQ(3u, rd.d.seq);
}

TEST_P(Tls13Test, PaddingIsWrittenAndStripped) {
    Bytes pt = Hex("68656c6c6f");
    for (size_t pad : {size_t{1}, size_t{100}, size_t{16384 - 5}}) {
        SCOPED_TRACE(pad);
        EXPECT_EQ(1 + pad + 16, tlsio_rl_seal_suffix_len(&wd.d, pad));
        Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, pt, pad);
        ASSERT_EQ(0, s.rc) << s.msg;
        EXPECT_EQ(5 + pt.size() + 1 + pad + 16, s.rec.size());
        Opened o = Open(&rd.d, s.rec);
        ASSERT_EQ(0, o.rc) << o.msg;
        EXPECT_EQ(TLSIO_CT_APPLICATION_DATA, o.type);
        EXPECT_EQ("68656c6c6f", ToHex(o.pt));
    }
    // A received record with padding after a content whose own last byte is zero: only the
    // bytes after the content type are padding (RFC 8446 §5.4).
    Opened o = Open(&rd.d, Tls13Craft(GetParam(), key, iv, rd.d.seq, Hex("0100 15 000000")));
    ASSERT_EQ(0, o.rc) << o.msg;
    EXPECT_EQ(TLSIO_CT_ALERT, o.type);
    EXPECT_EQ("0100", ToHex(o.pt));
}

TEST_P(Tls13Test, AllZeroPlaintextIsUnexpectedMessage) {
    // RFC 8446 §5.4: no non-zero octet in the cleartext -> unexpected_message.
    for (size_t n : {size_t{0}, size_t{1}, size_t{40}}) {
        Dir r;
        Set13(&r.d, GetParam(), key, iv);
        Opened o = Open(&r.d, Tls13Craft(GetParam(), key, iv, 0, Bytes(n, 0)));
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, o.rc) << n;
        EXPECT_EQ("record: TLS 1.3 record holds no content type (all-zero plaintext)", o.msg);
    }
}

TEST_P(Tls13Test, InnerPlaintextLimit) {
    // RFC 8446 §5.4: TLSInnerPlaintext (content + type + padding) at most 2^14 + 1.
    Bytes inner(16384, 'a');
    inner.push_back(TLSIO_CT_APPLICATION_DATA);
    Opened ok = Open(&rd.d, Tls13Craft(GetParam(), key, iv, 0, inner));
    ASSERT_EQ(0, ok.rc) << ok.msg;
    EXPECT_EQ(16384u, ok.pt.size());
    inner.push_back(0); // one byte of padding too many
    Opened over = Open(&rd.d, Tls13Craft(GetParam(), key, iv, 1, inner));
    EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, over.rc);
    EXPECT_EQ("record: TLS 1.3 inner plaintext of 16386 bytes exceeds 16385", over.msg);
    Bytes big(16385, 'b');
    big.push_back(TLSIO_CT_APPLICATION_DATA);
    Dir r;
    Set13(&r.d, GetParam(), key, iv);
    EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, Open(&r.d, Tls13Craft(GetParam(), key, iv, 0, big)).rc);
}

TEST_P(Tls13Test, EmptyRecordsOfEachType) {
    // Zero-length application data is allowed (RFC 8446 §5.4: cover traffic).
    Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Bytes());
    ASSERT_EQ(0, s.rc) << s.msg;
    EXPECT_EQ(5u + 1 + 16, s.rec.size());
    Opened o = Open(&rd.d, s.rec);
    ASSERT_EQ(0, o.rc) << o.msg;
    EXPECT_EQ(TLSIO_CT_APPLICATION_DATA, o.type);
    EXPECT_TRUE(o.pt.empty());
    // Handshake and alert: never sent, and unexpected_message when received (RFC 8446 §5.4).
    const struct {
        uint8_t type;
        const char *name;
    } refused[] = {{TLSIO_CT_HANDSHAKE, "handshake"}, {TLSIO_CT_ALERT, "alert"}};
    for (const auto &r : refused) {
        Sealed bad = Seal(&wd.d, r.type, Bytes());
        EXPECT_EQ(TLS_E_USAGE, bad.rc);
        EXPECT_EQ(std::string("record: cannot seal a zero-length ") + r.name + " record", bad.msg);
        Opened got = Open(&rd.d, Tls13Craft(GetParam(), key, iv, rd.d.seq, Bytes{r.type, 0, 0}));
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, got.rc);
        EXPECT_EQ(std::string("record: zero-length ") + r.name + " record", got.msg);
    }
}

TEST_P(Tls13Test, InnerContentTypeChecks) {
    // RFC 8446 §5: a protected change_cipher_spec is unexpected_message.
    Opened ccs = Open(&rd.d, Tls13Craft(GetParam(), key, iv, 0, Hex("01 14")));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, ccs.rc);
    EXPECT_EQ("record: protected change_cipher_spec record", ccs.msg);
    Opened unknown = Open(&rd.d, Tls13Craft(GetParam(), key, iv, 1, Hex("01 18 00")));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, unknown.rc);
    EXPECT_EQ("record: unknown inner content type 24", unknown.msg);
}

TEST_P(Tls13Test, OuterTypeMustBeApplicationData) {
    // RFC 8446 §5.2: the outer type is always 23; a handshake or alert record sent in the clear
    // after keys are in use is unexpected.
    Bytes inner = Hex("0100 15");
    Opened hs = Open(&rd.d, Tls13Craft(GetParam(), key, iv, 0, inner, TLSIO_CT_HANDSHAKE));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, hs.rc);
    EXPECT_EQ("record: unprotected handshake record while TLS 1.3 protection is on", hs.msg);
    Opened al = Open(&rd.d, Concat({Header(TLSIO_CT_ALERT, 0x0303, 2), Hex("0228")}));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, al.rc);
    EXPECT_EQ(0u, rd.d.seq);
}

TEST_P(Tls13Test, UnprotectedChangeCipherSpecPassesThrough) {
    // RFC 8446 §5: the compatibility CCS is detected before deprotection.
    uint8_t ccs[TLSIO_CCS_RECORD_LEN];
    ASSERT_EQ(6u, tlsio_rl_write_ccs(ccs));
    EXPECT_EQ("140303000101", ToHex(ccs, sizeof ccs));
    Parsed p = Parse(&rd.d, Bytes(ccs, ccs + 5));
    ASSERT_EQ(0, p.rc) << p.msg;
    Opened o = Open(&rd.d, Bytes(ccs, ccs + 6));
    ASSERT_EQ(0, o.rc) << o.msg;
    EXPECT_EQ(TLSIO_CT_CHANGE_CIPHER_SPEC, o.type);
    EXPECT_EQ("01", ToHex(o.pt));
    EXPECT_EQ(0u, rd.d.seq);
    Err err;
    EXPECT_EQ(0, tlsio_rl_check_ccs(o.pt.data(), o.pt.size(), 1, &err.e));
    // And the write side never protects one.
    Sealed s = Seal(&wd.d, TLSIO_CT_CHANGE_CIPHER_SPEC, Hex("01"));
    EXPECT_EQ(TLS_E_USAGE, s.rc);
    EXPECT_EQ(0u, wd.d.seq);
}

TEST_P(Tls13Test, SealRefusesBadArguments) {
    Bytes buf(20000);
    size_t n = 0;
    Err e1;
    EXPECT_EQ(TLS_E_USAGE, tlsio_rl_seal(&wd.d, TLSIO_CT_APPLICATION_DATA, buf.data(), buf.size(),
                                         16385, 0, &n, &e1.e));
    EXPECT_EQ("record: payload of 16385 bytes exceeds 16384", e1.msg());
    Err e2;
    EXPECT_EQ(TLS_E_USAGE, tlsio_rl_seal(&wd.d, TLSIO_CT_APPLICATION_DATA, buf.data(), buf.size(),
                                         100, 16285, &n, &e2.e));
    EXPECT_EQ("record: 100 payload + 16285 padding bytes exceed 16384", e2.msg());
    Err e3;
    EXPECT_EQ(TLS_E_USAGE, tlsio_rl_seal(&wd.d, TLSIO_CT_APPLICATION_DATA, buf.data(), 5 + 100 + 16,
                                         100, 0, &n, &e3.e));
    EXPECT_EQ("record: 121-byte buffer too small for 122", e3.msg());
    Err e4;
    EXPECT_EQ(TLS_E_USAGE, tlsio_rl_seal(&wd.d, 24, buf.data(), buf.size(), 10, 0, &n, &e4.e));
    EXPECT_EQ("record: cannot seal content type 24", e4.msg());
    EXPECT_EQ(0u, wd.d.seq);
    // The exact fit works.
    Err e5;
    EXPECT_EQ(0, tlsio_rl_seal(&wd.d, TLSIO_CT_APPLICATION_DATA, buf.data(), 5 + 100 + 17, 100, 0,
                               &n, &e5.e))
        << e5.msg();
    EXPECT_EQ(122u, n);
}

TEST_P(Tls13Test, SequenceNumberNeverWraps) {
    // RFC 8446 §5.3. ChaCha20-Poly1305 has no lower usage limit, so the sequence number is
    // what runs out; AES-GCM stops at its usage limit long before (see KeyUsageLimit).
    if (GetParam() == TLSIO_CHACHA20_POLY1305) {
        wd.d.seq = UINT64_MAX - 1;
        rd.d.seq = UINT64_MAX - 1;
        Sealed last = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("aa"));
        ASSERT_EQ(0, last.rc) << last.msg;
        EXPECT_EQ(UINT64_MAX, wd.d.seq);
        Sealed none = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("bb"));
        EXPECT_EQ(TLS_E_INTERNAL, none.rc);
        EXPECT_EQ("record: write sequence number exhausted at 18446744073709551615; the "
                  "connection must close",
                  none.msg);
        EXPECT_EQ(UINT64_MAX, wd.d.seq);
        Opened o = Open(&rd.d, last.rec);
        ASSERT_EQ(0, o.rc) << o.msg; // the nonce at seq 2^64-2 matches on both sides
        EXPECT_EQ("aa", ToHex(o.pt));
    }
    // Reading is not bound by the AES-GCM write limit, only by the sequence number.
    rd.d.seq = UINT64_MAX - 1;
    Opened ok = Open(&rd.d, Tls13Craft(GetParam(), key, iv, UINT64_MAX - 1, Hex("cc17")));
    ASSERT_EQ(0, ok.rc) << ok.msg;
    Opened no = Open(&rd.d, Tls13Craft(GetParam(), key, iv, UINT64_MAX, Hex("dd17")));
    EXPECT_EQ(TLS_ALERT_INTERNAL_ERROR, no.rc);
    EXPECT_EQ("record: read sequence number exhausted at 18446744073709551615; the connection "
              "must close",
              no.msg);
}

TEST_P(Tls13Test, KeyUsageLimit) {
    const uint64_t limit = UINT64_C(1) << 24;
    if (GetParam() == TLSIO_CHACHA20_POLY1305) {
        // RFC 8446 §5.5: ChaCha20-Poly1305 is bounded only by the sequence number.
        wd.d.seq = limit;
        EXPECT_FALSE(tlsio_rl_key_update_due(&wd.d));
        EXPECT_EQ(0, Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("01")).rc);
        wd.d.seq = UINT64_MAX - TLSIO_RL_KEY_UPDATE_MARGIN - 1;
        EXPECT_FALSE(tlsio_rl_key_update_due(&wd.d));
        wd.d.seq++;
        EXPECT_TRUE(tlsio_rl_key_update_due(&wd.d));
        return;
    }
    // RFC 8446 §5.5: AES-GCM, at most 2^24.5 records; we stop at 2^24 and ask for a KeyUpdate
    // TLSIO_RL_KEY_UPDATE_MARGIN records before.
    EXPECT_EQ(limit, TLSIO_RL_AES_GCM_RECORD_LIMIT);
    EXPECT_FALSE(tlsio_rl_key_update_due(&wd.d));
    wd.d.seq = limit - TLSIO_RL_KEY_UPDATE_MARGIN - 1;
    EXPECT_FALSE(tlsio_rl_key_update_due(&wd.d));
    ASSERT_EQ(0, Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("01")).rc);
    EXPECT_TRUE(tlsio_rl_key_update_due(&wd.d));
    wd.d.seq = limit - 1;
    Sealed last = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("02"));
    ASSERT_EQ(0, last.rc) << last.msg;
    Sealed refused = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("03"));
    EXPECT_EQ(TLS_E_INTERNAL, refused.rc);
    EXPECT_EQ("record: write key reached its usage limit of 16777216 records (RFC 8446 §5.5)",
              refused.msg);
    // A KeyUpdate installs a fresh key: counting starts again (RFC 8446 §5.3).
    Set13(&wd.d, GetParam(), Pattern(key.size(), 0x41), iv);
    EXPECT_EQ(0u, wd.d.seq);
    EXPECT_FALSE(tlsio_rl_key_update_due(&wd.d));
    EXPECT_EQ(0, Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("04")).rc);
}

TEST_P(Tls13Test, KeyChangeWipesAndRestartsTheSequence) {
    ASSERT_EQ(0, Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("01")).rc);
    ASSERT_EQ(1u, wd.d.seq);
    Bytes key2 = Pattern(key.size(), 0x77);
    Set13(&wd.d, GetParam(), key2, iv);
    EXPECT_EQ(0u, wd.d.seq);
    Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("0203"));
    ASSERT_EQ(0, s.rc);
    EXPECT_EQ(ToHex(Tls13Craft(GetParam(), key2, iv, 0, Hex("0203 17"))), ToHex(s.rec));
    // The old read key no longer authenticates the new records.
    EXPECT_EQ(TLS_ALERT_BAD_RECORD_MAC, Open(&rd.d, s.rec).rc);
    tlsio_rl_dir_wipe(&wd.d);
    EXPECT_EQ(TLSIO_RL_PLAINTEXT, wd.d.mode);
    EXPECT_EQ(0, wd.d.aead.live);
    EXPECT_EQ(Bytes(12, 0), Bytes(wd.d.iv, wd.d.iv + 12));
}

INSTANTIATE_TEST_SUITE_P(AllAeads, Tls13Test,
                         ::testing::Values(TLSIO_AES_128_GCM, TLSIO_AES_256_GCM,
                                           TLSIO_CHACHA20_POLY1305));

// =======================================================================================
// TLS 1.2 AEAD protection
// =======================================================================================

// Known answers computed independently (pyca/cryptography, not libcrypto) from the RFC
// definitions: AD = seq || type || version || length (RFC 5246 §6.2.3.3); AES-GCM nonce =
// salt a0a1a2a3 || explicit nonce = seq (RFC 5288 §3); ChaCha20-Poly1305 nonce = iv XOR seq
// (RFC 7905 §2). Type application_data, "GET / HTTP/1.1\r\n\r\n"; AES keys 10..1f / 20..3f
// with seq 0xa1b2c3 (below the AES-GCM usage limit), ChaCha key 20..3f, iv c0..cb, seq
// 0x0102030405060708.
TEST(RecordTls12, KnownAnswers) {
    const Bytes pt = {'G', 'E', 'T', ' ', '/', ' ',  'H',  'T',  'T',
                      'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n'};
    const struct {
        tlsio_aead_alg alg;
        Bytes key, iv;
        uint64_t seq;
        const char *record;
    } cases[] = {
        {TLSIO_AES_128_GCM, Pattern(16, 0x10), Hex("a0a1a2a3"), 0xa1b2c3,
         "170303002a0000000000a1b2c3cf8f7f8b35040233bcb544b20bfc84a127941664d5f30de2d7c53d75f5"
         "295ff770ce"},
        {TLSIO_AES_256_GCM, Pattern(32, 0x20), Hex("a0a1a2a3"), 0xa1b2c3,
         "170303002a0000000000a1b2c3f8af44bcdac53e5f044df929b3686de72627cd18592266c9feb1c2d25a"
         "9395da32c6"},
        {TLSIO_CHACHA20_POLY1305, Pattern(32, 0x20), Pattern(12, 0xc0), 0x0102030405060708,
         "170303002204aba04b42cbcc9ca339525e49b32327bd97ea6fd103a87f1cb29e768e1806e00e1b"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.alg);
        Dir wd, rd;
        Set12(&wd.d, c.alg, c.key, c.iv);
        Set12(&rd.d, c.alg, c.key, c.iv);
        wd.d.seq = rd.d.seq = c.seq;
        Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, pt);
        ASSERT_EQ(0, s.rc) << s.msg;
        EXPECT_EQ(c.record, ToHex(s.rec));
        Opened o = Open(&rd.d, Hex(c.record));
        ASSERT_EQ(0, o.rc) << o.msg;
        EXPECT_EQ(TLSIO_CT_APPLICATION_DATA, o.type);
        EXPECT_EQ(ToHex(pt), ToHex(o.pt));
        EXPECT_EQ(c.alg == TLSIO_CHACHA20_POLY1305 ? 5u : 13u, o.offset);
    }
}

// RFC 8449 §4: under a record_size_limit of 100 (which counts the content type byte and the
// padding), seal makes no record over it and open refuses one from its length alone. The
// limit survives a key change; the protocol's maximum (2^14 + 1) is no limit.
TEST_P(Tls13Test, RecordSizeLimit) {
    wd.d.size_limit = rd.d.size_limit = 100;
    Set13(&wd.d, GetParam(), key, iv);
    Set13(&rd.d, GetParam(), key, iv);
    EXPECT_EQ(100u, rd.d.size_limit);
    EXPECT_EQ(99u, tlsio_rl_max_payload(&wd.d));
    EXPECT_EQ(116u, tlsio_rl_max_fragment(&rd.d));
    Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Bytes(99, 'a'));
    ASSERT_EQ(0, s.rc) << s.msg;
    ASSERT_EQ(5 + 116u, s.rec.size());
    EXPECT_EQ(0, Open(&rd.d, s.rec).rc);
    EXPECT_EQ(0, Seal(&wd.d, TLSIO_CT_HANDSHAKE, Bytes(98, 'h'), 1).rc);
    Sealed over = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Bytes(100, 'a'));
    EXPECT_EQ(TLS_E_USAGE, over.rc);
    EXPECT_EQ("record: 100 payload + 0 padding bytes exceed the peer's record_size_limit of 100",
              over.msg);
    EXPECT_EQ(TLS_E_USAGE, Seal(&wd.d, TLSIO_CT_HANDSHAKE, Bytes(98, 'h'), 2).rc);

    Bytes inner(99, 'b');
    inner.push_back(TLSIO_CT_APPLICATION_DATA);
    inner.push_back(0); // padding counts
    std::string why = "record: protected TLS 1.3 record of length 117 carries 101 bytes of "
                      "plaintext, over our record_size_limit of 100 (RFC 8449 §4)";
    Opened o = Open(&rd.d, Tls13Craft(GetParam(), key, iv, rd.d.seq, inner));
    EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, o.rc);
    EXPECT_EQ(why, o.msg);
    Parsed ph = Parse(&rd.d, Header(TLSIO_CT_APPLICATION_DATA, 0x0303, 117));
    EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, ph.rc);
    EXPECT_EQ(why, ph.msg);
    EXPECT_EQ(0, Parse(&rd.d, Header(TLSIO_CT_APPLICATION_DATA, 0x0303, 116)).rc);

    rd.d.size_limit = wd.d.size_limit = 16385;
    EXPECT_EQ(16384u, tlsio_rl_max_payload(&wd.d));
    EXPECT_EQ(16384u + 256, tlsio_rl_max_fragment(&rd.d));
}

// RFC 8449 §4: unprotected records are not subject to the limit.
TEST(RecordPlaintext, RecordSizeLimitDoesNotApply) {
    Dir d;
    d.d.size_limit = 64;
    EXPECT_EQ(16384u, tlsio_rl_max_payload(&d.d));
    EXPECT_EQ(16384u, tlsio_rl_max_fragment(&d.d));
    EXPECT_EQ(0, Seal(&d.d, TLSIO_CT_HANDSHAKE, Bytes(1000, 'p')).rc);
    EXPECT_EQ(0, Parse(&d.d, Header(TLSIO_CT_HANDSHAKE, 0x0303, 16384)).rc);
}

class Tls12Test : public ::testing::TestWithParam<tlsio_aead_alg> {
  protected:
    void SetUp() override {
        key = Pattern(tlsio_aead_key_len(GetParam()), 0x30);
        iv = Pattern(GetParam() == TLSIO_CHACHA20_POLY1305 ? 12 : 4, 0xa0);
        Set12(&wd.d, GetParam(), key, iv);
        Set12(&rd.d, GetParam(), key, iv);
    }
    bool gcm() const {
        return GetParam() != TLSIO_CHACHA20_POLY1305;
    }
    Bytes key, iv;
    Dir wd, rd;
};

TEST_P(Tls12Test, RoundTripMatchesIndependentComputation) {
    // Independent computation: EVP_AEAD used directly from the RFC definitions (labelled
    // "Tls12Reference" above), across several sequence numbers and every content type.
    EXPECT_EQ(gcm() ? 13u : 5u, tlsio_rl_seal_prefix_len(&wd.d));
    EXPECT_EQ(16u, tlsio_rl_seal_suffix_len(&wd.d, 0));
    const uint8_t types[] = {TLSIO_CT_HANDSHAKE, TLSIO_CT_CHANGE_CIPHER_SPEC, TLSIO_CT_ALERT,
                             TLSIO_CT_APPLICATION_DATA};
    for (uint64_t seq :
         {UINT64_C(0), UINT64_C(1), UINT64_C(0xabcdef), UINT64_C(0xfedcba98765432)}) {
        // AES-GCM write keys stop at 2^24 records (RFC 8446 §5.5).
        if (gcm() && seq >= TLSIO_RL_AES_GCM_RECORD_LIMIT) continue;
        for (uint8_t type : types) {
            wd.d.seq = rd.d.seq = seq;
            Bytes pt = Pattern(type == TLSIO_CT_CHANGE_CIPHER_SPEC ? 1 : 77, type);
            Sealed s = Seal(&wd.d, type, pt);
            ASSERT_EQ(0, s.rc) << s.msg;
            EXPECT_EQ(ToHex(Tls12Reference(GetParam(), key, iv, seq, type, pt)), ToHex(s.rec));
            if (gcm()) { // RFC 5288 §3: the explicit nonce we send is the sequence number
                EXPECT_EQ(ToHex(Be64(seq)), ToHex(Bytes(s.rec.begin() + 5, s.rec.begin() + 13)));
            }
            Opened o = Open(&rd.d, s.rec);
            ASSERT_EQ(0, o.rc) << o.msg;
            EXPECT_EQ(type, o.type);
            EXPECT_EQ(ToHex(pt), ToHex(o.pt));
            EXPECT_EQ(seq + 1, rd.d.seq);
        }
    }
    // Padding is a TLS 1.3 feature only.
    Sealed padded = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("01"), 3);
    EXPECT_EQ(TLS_E_USAGE, padded.rc);
    EXPECT_EQ("record: padding exists only in TLS 1.3", padded.msg);
}

TEST_P(Tls12Test, EveryBitFlipIsBadRecordMac) {
    Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("000102030405060708090a0b0c0d0e0f10"));
    ASSERT_EQ(0, s.rc) << s.msg;
    for (size_t bit = 0; bit < s.rec.size() * 8; bit++) {
        size_t byte = bit / 8;
        if (byte == 3 || byte == 4) continue; // the length: the header check's business
        Bytes c = s.rec;
        c[byte] ^= static_cast<uint8_t>(1u << (bit % 8));
        // Type and version are in the additional data (RFC 5246 §6.2.3.3); the explicit nonce
        // feeds the GCM nonce; ciphertext and tag are authenticated.
        if (byte == 0 && (c[0] < 20 || c[0] > 23)) {
            EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, Open(&rd.d, c).rc) << "bit " << bit;
            continue;
        }
        Opened o = Open(&rd.d, c);
        ASSERT_EQ(TLS_ALERT_BAD_RECORD_MAC, o.rc) << "bit " << bit;
        ASSERT_EQ("record: authentication failed (bad_record_mac) at sequence 0", o.msg);
    }
    EXPECT_EQ(0u, rd.d.seq);
    EXPECT_EQ(0, Open(&rd.d, s.rec).rc);
}

TEST_P(Tls12Test, ShortRecordIsBadRecordMac) {
    size_t min = gcm() ? 24 : 16; // explicit nonce + tag / tag
    Bytes rec = Concat({Header(TLSIO_CT_APPLICATION_DATA, 0x0303, min - 1), Bytes(min - 1, 0)});
    EXPECT_EQ(TLS_ALERT_BAD_RECORD_MAC, Open(&rd.d, rec).rc);
    Bytes empty = Header(TLSIO_CT_APPLICATION_DATA, 0x0303, 0);
    EXPECT_EQ(TLS_ALERT_BAD_RECORD_MAC, Open(&rd.d, empty).rc);
}

TEST_P(Tls12Test, PlaintextLimit) {
    // RFC 5246 §6.2.1: TLSPlaintext.length at most 2^14, even inside a valid AEAD record.
    Opened ok = Open(&rd.d, Tls12Reference(GetParam(), key, iv, 0, TLSIO_CT_APPLICATION_DATA,
                                           Bytes(16384, 'x')));
    ASSERT_EQ(0, ok.rc) << ok.msg;
    EXPECT_EQ(16384u, ok.pt.size());
    Opened over = Open(&rd.d, Tls12Reference(GetParam(), key, iv, 1, TLSIO_CT_APPLICATION_DATA,
                                             Bytes(16385, 'x')));
    EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, over.rc);
    EXPECT_EQ("record: TLS 1.2 plaintext of 16385 bytes exceeds 16384", over.msg);
}

// RFC 8449 §4: in TLS 1.2 the limit counts the plaintext alone.
TEST_P(Tls12Test, RecordSizeLimit) {
    wd.d.size_limit = rd.d.size_limit = 100;
    size_t expansion = gcm() ? 8 + 16 : 16;
    EXPECT_EQ(100u, tlsio_rl_max_payload(&wd.d));
    EXPECT_EQ(100 + expansion, tlsio_rl_max_fragment(&rd.d));
    Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Bytes(100, 'a'));
    ASSERT_EQ(0, s.rc) << s.msg;
    EXPECT_EQ(0, Open(&rd.d, s.rec).rc);
    EXPECT_EQ(TLS_E_USAGE, Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Bytes(101, 'a')).rc);
    Opened o = Open(&rd.d, Tls12Reference(GetParam(), key, iv, rd.d.seq, TLSIO_CT_APPLICATION_DATA,
                                          Bytes(101, 'x')));
    EXPECT_EQ(TLS_ALERT_RECORD_OVERFLOW, o.rc);
    EXPECT_EQ("record: protected TLS 1.2 record of length " + std::to_string(101 + expansion) +
                  " carries 101 bytes of plaintext, over our record_size_limit of 100 (RFC 8449 "
                  "§4)",
              o.msg);
    rd.d.size_limit = wd.d.size_limit = 16384; // the protocol's maximum: no limit
    EXPECT_EQ(16384u + 2048, tlsio_rl_max_fragment(&rd.d));
}

TEST_P(Tls12Test, EmptyRecordsOfEachType) {
    Sealed s = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Bytes());
    ASSERT_EQ(0, s.rc) << s.msg;
    Opened o = Open(&rd.d, s.rec);
    ASSERT_EQ(0, o.rc) << o.msg;
    EXPECT_TRUE(o.pt.empty());
    // RFC 5246 §6.2.1: no zero-length handshake, alert or change_cipher_spec fragments.
    const struct {
        uint8_t type;
        const char *name;
    } refused[] = {{TLSIO_CT_HANDSHAKE, "handshake"},
                   {TLSIO_CT_ALERT, "alert"},
                   {TLSIO_CT_CHANGE_CIPHER_SPEC, "change_cipher_spec"}};
    for (const auto &r : refused) {
        EXPECT_EQ(TLS_E_USAGE, Seal(&wd.d, r.type, Bytes()).rc);
        Opened got = Open(&rd.d, Tls12Reference(GetParam(), key, iv, rd.d.seq, r.type, Bytes()));
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, got.rc);
        EXPECT_EQ(std::string("record: zero-length ") + r.name + " record", got.msg);
    }
}

TEST_P(Tls12Test, LimitsAndExhaustion) {
    if (gcm()) {
        // The AES-GCM bound holds in TLS 1.2 as well; with no KeyUpdate the connection closes.
        wd.d.seq = TLSIO_RL_AES_GCM_RECORD_LIMIT - TLSIO_RL_KEY_UPDATE_MARGIN;
        EXPECT_TRUE(tlsio_rl_key_update_due(&wd.d));
        wd.d.seq = TLSIO_RL_AES_GCM_RECORD_LIMIT - 1;
        ASSERT_EQ(0, Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("01")).rc);
        EXPECT_EQ(TLS_E_INTERNAL, Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("02")).rc);
    } else {
        wd.d.seq = UINT64_MAX - 1;
        Sealed last = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("01"));
        ASSERT_EQ(0, last.rc) << last.msg;
        EXPECT_EQ(ToHex(Tls12Reference(GetParam(), key, iv, UINT64_MAX - 1,
                                       TLSIO_CT_APPLICATION_DATA, Hex("01"))),
                  ToHex(last.rec));
        Sealed none = Seal(&wd.d, TLSIO_CT_APPLICATION_DATA, Hex("02"));
        EXPECT_EQ(TLS_E_INTERNAL, none.rc);
        EXPECT_EQ("record: write sequence number exhausted at 18446744073709551615; the "
                  "connection must close",
                  none.msg);
    }
    rd.d.seq = UINT64_MAX;
    Opened o = Open(&rd.d, Tls12Reference(GetParam(), key, iv, UINT64_MAX,
                                          TLSIO_CT_APPLICATION_DATA, Hex("03")));
    EXPECT_EQ(TLS_ALERT_INTERNAL_ERROR, o.rc);
}

INSTANTIATE_TEST_SUITE_P(AllAeads, Tls12Test,
                         ::testing::Values(TLSIO_AES_128_GCM, TLSIO_AES_256_GCM,
                                           TLSIO_CHACHA20_POLY1305));

// =======================================================================================
// Key installation, CCS helper, API misuse
// =======================================================================================

TEST(RecordKeys, BadKeyMaterialLeavesTheDirectionWiped) {
    Dir d;
    Set13(&d.d, TLSIO_AES_128_GCM, Bytes(16, 1), Bytes(12, 2));
    Err e1;
    Bytes short_key(15, 1), iv(12, 2);
    EXPECT_EQ(TLS_E_INTERNAL, tlsio_rl_set_tls13(&d.d, TLSIO_AES_128_GCM, short_key.data(),
                                                 short_key.size(), iv.data(), &e1.e));
    EXPECT_EQ("record: cannot install a 15-byte AES-128-GCM key", e1.msg());
    EXPECT_EQ(TLSIO_RL_PLAINTEXT, d.d.mode);
    EXPECT_EQ(0, d.d.aead.live);

    Set12(&d.d, TLSIO_AES_256_GCM, Bytes(32, 1), Bytes(4, 2));
    EXPECT_EQ(TLSIO_RL_TLS12_GCM, d.d.mode);
    Err e2;
    Bytes key(32, 1);
    EXPECT_EQ(TLS_E_USAGE, tlsio_rl_set_tls12(&d.d, TLSIO_AES_256_GCM, key.data(), key.size(),
                                              iv.data(), 12, &e2.e));
    EXPECT_EQ("record: TLS 1.2 AES-256-GCM needs a 4-byte IV, got 12", e2.msg());
    EXPECT_EQ(TLSIO_RL_PLAINTEXT, d.d.mode);
    Err e3;
    EXPECT_EQ(TLS_E_USAGE, tlsio_rl_set_tls12(&d.d, TLSIO_CHACHA20_POLY1305, key.data(), key.size(),
                                              iv.data(), 4, &e3.e));
    EXPECT_EQ("record: TLS 1.2 ChaCha20-Poly1305 needs a 12-byte IV, got 4", e3.msg());
    Set12(&d.d, TLSIO_CHACHA20_POLY1305, key, iv);
    EXPECT_EQ(TLSIO_RL_TLS12_CHACHA, d.d.mode);
}

TEST(RecordCcs, BodyAndWindow) {
    Err ok;
    const uint8_t one = 0x01;
    EXPECT_EQ(0, tlsio_rl_check_ccs(&one, 1, 1, &ok.e));
    Err outside;
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, tlsio_rl_check_ccs(&one, 1, 0, &outside.e));
    EXPECT_EQ("record: change_cipher_spec record at a point it is not allowed", outside.msg());
    const Bytes bad[] = {Hex("02"), Hex("00"), Hex("0101"), Bytes()};
    for (const Bytes &b : bad) {
        Err e;
        EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, tlsio_rl_check_ccs(b.data(), b.size(), 1, &e.e));
        EXPECT_EQ("record: change_cipher_spec body is not the single byte 0x01", e.msg());
    }
}

TEST(RecordApi, OpenNeedsExactlyOneRecord) {
    Dir d;
    Bytes rec = Concat({Header(TLSIO_CT_HANDSHAKE, 0x0303, 4), Hex("0e000000")});
    Bytes longer = rec;
    longer.push_back(0);
    Opened o = Open(&d.d, longer);
    EXPECT_EQ(TLS_E_USAGE, o.rc);
    EXPECT_EQ("record: open needs exactly one whole record (header + fragment)", o.msg);
    EXPECT_EQ(TLS_E_USAGE, Open(&d.d, Bytes(rec.begin(), rec.end() - 1)).rc);
    EXPECT_EQ(TLS_E_USAGE, Open(&d.d, Hex("16030300")).rc);
}
