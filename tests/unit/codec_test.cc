// The codec interpreter: its rules on small hand-written descriptors, and properties checked over
// EVERY descriptor in the message and extension tables (bounds at min-1/min/max/max+1, value
// ranges, round trips, random mutations), so a field added to a table is covered automatically.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "hex.h"
#include "msgs.h"

using tlsio_test::Bytes;
using tlsio_test::Hex;
using tlsio_test::ToHex;

namespace {

// ---- hand-written descriptors exercising each field kind --------------------------------

struct Triple {
    uint32_t a, b, c; // three u24s
};
const tlsio_field kTripleFields[] = {
    TLSIO_FLD("a", TLSIO_F_U24, 0, 0xffffff, Triple, a, nullptr),
    TLSIO_FLD("b", TLSIO_F_U24, 0, 0xffffff, Triple, b, nullptr),
    TLSIO_FLD("c", TLSIO_F_U24, 0, 0xffffff, Triple, c, nullptr),
};
const tlsio_codec kTriple = {"Triple", kTripleFields, 3, sizeof(Triple), nullptr};

struct Inner {
    uint32_t tag;
    CBS data;
};
const tlsio_field kInnerFields[] = {
    TLSIO_FLD("tag", TLSIO_F_U8, 1, 9, Inner, tag, nullptr),
    TLSIO_FLD("data", TLSIO_F_VEC8, 0, 4, Inner, data, nullptr),
};
const tlsio_codec kInner = {"Inner", kInnerFields, 2, sizeof(Inner), nullptr};

struct Outer {
    CBS magic;
    Inner inner;
    CBS triples;
    uint32_t n32;
    CBS tail;
};
const tlsio_field kOuterFields[] = {
    TLSIO_FLD("magic", TLSIO_F_FIXED, 2, 2, Outer, magic, nullptr),
    TLSIO_FLD("inner", TLSIO_F_STRUCT, 0, 0, Outer, inner, &kInner),
    TLSIO_FLD("triples", TLSIO_F_LIST24, 0, 18, Outer, triples, &kTriple),
    TLSIO_FLD("n32", TLSIO_F_U32, 0, 0xffffffff, Outer, n32, nullptr),
    TLSIO_FLD("tail", TLSIO_F_REST, 0, 3, Outer, tail, nullptr),
};
const tlsio_codec kOuter = {"Outer", kOuterFields, 5, sizeof(Outer), nullptr};

struct Res {
    int code;
    std::string msg;
};

template <typename T> Res Dec(const tlsio_codec *c, const Bytes &b, T *out) {
    CBS in;
    CBS_init(&in, b.data(), b.size());
    tlsio_err err;
    tlsio_err_clear(&err);
    int r = tlsio_decode(c, &in, out, &err);
    return {r, err.msg};
}

template <typename T> Res Enc(const tlsio_codec *c, const T *in, std::string *hex) {
    CBB out;
    if (!CBB_init(&out, 16)) return {-1, "CBB_init"};
    tlsio_err err;
    tlsio_err_clear(&err);
    int r = tlsio_encode(c, in, &out, &err);
    if (r == 0 && hex) *hex = ToHex(CBB_data(&out), CBB_len(&out));
    CBB_cleanup(&out);
    return {r, err.msg};
}

TEST(Interpreter, AllKindsDecodeAndEncode) {
    Bytes b = Hex("ca fe 05 02 aa bb 00 00 09 00 00 01 00 00 02 00 00 03 de ad be ef 01 02");
    Outer o;
    Res r = Dec(&kOuter, b, &o);
    ASSERT_EQ(0, r.code) << r.msg;
    EXPECT_EQ("cafe", ToHex(CBS_data(&o.magic), CBS_len(&o.magic)));
    EXPECT_EQ(5u, o.inner.tag);
    EXPECT_EQ("aabb", ToHex(CBS_data(&o.inner.data), CBS_len(&o.inner.data)));
    EXPECT_EQ(9u, CBS_len(&o.triples)); // one Triple
    EXPECT_EQ(0xdeadbeefu, o.n32);
    EXPECT_EQ("0102", ToHex(CBS_data(&o.tail), CBS_len(&o.tail)));
    // Views into the input, not copies.
    EXPECT_EQ(b.data() + 4, CBS_data(&o.inner.data));
    EXPECT_EQ(b.data() + 9, CBS_data(&o.triples));
    std::string hex;
    ASSERT_EQ(0, Enc(&kOuter, &o, &hex).code);
    EXPECT_EQ(ToHex(b), hex);
}

TEST(Interpreter, ListOfNonPowerOfTwoElementsNeedsWholeElements) {
    // 6-byte body for 9-byte elements: "length 6 not a multiple of 9".
    Bytes b = Hex("ca fe 05 00 00 00 06 00 00 01 00 00 02 00 00 00 00");
    Outer o;
    Res r = Dec(&kOuter, b, &o);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("Outer.triples: length 6 not a multiple of 9", r.msg);

    Bytes ok = Hex("ca fe 05 00 00 00 12 00 00 01 00 00 02 00 00 03 00 00 04 00 00 05 00 00 06"
                   " 00 00 00 07");
    ASSERT_EQ(0, Dec(&kOuter, ok, &o).code);
    CBS list = o.triples;
    EXPECT_EQ(18u, CBS_len(&list)); // two Triples
    Triple t;
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_list_next(&kTriple, &list, &t, &err));
    EXPECT_EQ(1u, t.a);
    EXPECT_EQ(3u, t.c);
    ASSERT_EQ(0, tlsio_list_next(&kTriple, &list, &t, &err));
    EXPECT_EQ(4u, t.a);
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&kTriple, &list, &t, &err));
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&kTriple, &list, &t, &err));
    EXPECT_EQ(0, err.code);
    EXPECT_EQ(7u, o.n32);

    std::string hex;
    ASSERT_EQ(0, Enc(&kOuter, &o, &hex).code);
    EXPECT_EQ(ToHex(ok), hex);
}

TEST(Interpreter, ListNextOnMalformedBodyReportsError) {
    Bytes b = Hex("00 00 01 00 00");
    CBS list;
    CBS_init(&list, b.data(), b.size());
    Triple t;
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, tlsio_list_next(&kTriple, &list, &t, &err));
    EXPECT_STREQ("Triple.b: truncated", err.msg);
}

TEST(Interpreter, ErrorSentences) {
    Outer o;
    struct Case {
        std::string hex, msg;
        int code;
    };
    const std::vector<Case> cases = {
        {"", "Outer.magic: truncated (2 bytes needed, 0 left)", TLS_ALERT_DECODE_ERROR},
        {"ca fe", "Outer.inner.tag: truncated", TLS_ALERT_DECODE_ERROR},
        {"ca fe 00", "Outer.inner.tag: value 0 not allowed (allowed 1..9)",
         TLS_ALERT_ILLEGAL_PARAMETER},
        {"ca fe 0a", "Outer.inner.tag: value 10 not allowed (allowed 1..9)",
         TLS_ALERT_ILLEGAL_PARAMETER},
        {"ca fe 05", "Outer.inner.data: truncated length", TLS_ALERT_DECODE_ERROR},
        {"ca fe 05 03 aa", "Outer.inner.data: length 3 exceeds the 1 bytes left",
         TLS_ALERT_DECODE_ERROR},
        {"ca fe 05 05 01 02 03 04 05", "Outer.inner.data: length 5 above maximum 4",
         TLS_ALERT_DECODE_ERROR},
        {"ca fe 05 00 00 00", "Outer.triples: truncated length", TLS_ALERT_DECODE_ERROR},
        {"ca fe 05 00 00 00 15" + std::string(21 * 2, '0'),
         "Outer.triples: length 21 above maximum 18", TLS_ALERT_DECODE_ERROR},
        {"ca fe 05 00 00 00 00 00 00 00", "Outer.n32: truncated", TLS_ALERT_DECODE_ERROR},
        {"ca fe 05 00 00 00 00 00 00 00 00 01 02 03 04", "Outer.tail: length 4 above maximum 3",
         TLS_ALERT_DECODE_ERROR},
    };
    for (const Case &c : cases) {
        Res r = Dec(&kOuter, Hex(c.hex), &o);
        EXPECT_EQ(c.code, r.code) << c.hex;
        EXPECT_EQ(c.msg, r.msg) << c.hex;
    }
}

TEST(Interpreter, ValidateOnlyWithNullOutput) {
    Bytes b = Hex("ca fe 05 00 00 00 00 00 00 00 00");
    CBS in;
    CBS_init(&in, b.data(), b.size());
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_decode(&kOuter, &in, nullptr, &err));
    Bytes bad = Hex("ca fe 0b 00 00 00 00 00 00 00 00");
    CBS_init(&in, bad.data(), bad.size());
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, tlsio_decode(&kOuter, &in, nullptr, &err));
}

TEST(Interpreter, EncodeChecksBoundsAsInternalErrors) {
    Outer o = {};
    const uint8_t magic[] = {1, 2, 3};
    const uint8_t five[] = {1, 2, 3, 4, 5};
    CBS_init(&o.magic, magic, 3);
    o.inner.tag = 1;
    Res r = Enc(&kOuter, &o, nullptr);
    EXPECT_EQ(TLS_E_INTERNAL, r.code);
    EXPECT_EQ("Outer.magic: length 3 above maximum 2", r.msg);

    CBS_init(&o.magic, magic, 2);
    o.inner.tag = 12;
    r = Enc(&kOuter, &o, nullptr);
    EXPECT_EQ(TLS_E_INTERNAL, r.code);
    EXPECT_EQ("Outer.inner.tag: value 12 not allowed (allowed 1..9)", r.msg);

    o.inner.tag = 1;
    CBS_init(&o.inner.data, five, 5);
    r = Enc(&kOuter, &o, nullptr);
    EXPECT_EQ("Outer.inner.data: length 5 above maximum 4", r.msg);

    CBS_init(&o.inner.data, five, 0);
    CBS_init(&o.triples, five, 5);
    r = Enc(&kOuter, &o, nullptr);
    EXPECT_EQ(TLS_E_INTERNAL, r.code);
    EXPECT_EQ("Outer.triples: length 5 not a multiple of 9", r.msg);

    // A u16 value that does not fit its field.
    tlsio_certificate_verify cv = {};
    cv.algorithm = 0x10000;
    r = Enc(&tlsio_codec_certificate_verify, &cv, nullptr);
    EXPECT_EQ(TLS_E_INTERNAL, r.code);
    EXPECT_EQ("CertificateVerify.algorithm: value 65536 not allowed (allowed 0..65535)", r.msg);
}

// ---- sentences the engine and its tests rely on ----------------------------------------------

TEST(Sentences, OddCipherSuites) {
    Bytes b = Hex("03 03" + std::string(64, '0') + "00 00 03 13 01 13 01 00 00 00");
    tlsio_client_hello ch;
    Res r = Dec(&tlsio_codec_client_hello, b, &ch);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("ClientHello.cipher_suites: odd length", r.msg);
}

TEST(Sentences, CertificateEntryIndexInPath) {
    // Three entries; the third has an empty cert_data.
    Bytes b = Hex("00 00 00 12 00 00 01 aa 00 00 00 00 02 bb cc 00 00 00 00 00 00 00");
    tlsio_certificate13 c;
    Res r = Dec(&tlsio_codec_certificate13, b, &c);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("Certificate.certificate_list[2].cert_data: length 0 below minimum 1", r.msg);
}

TEST(Sentences, TrailingBytes) {
    tlsio_key_update ku;
    Res r = Dec(&tlsio_codec_key_update, Hex("01 00 00"), &ku);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("KeyUpdate: 2 trailing bytes", r.msg);
    tlsio_empty_msg e;
    r = Dec(&tlsio_codec_server_hello_done, Hex("00"), &e);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("ServerHelloDone: 1 trailing byte", r.msg);
}

// ---- generated from the tables: every descriptor, every bound -------------------------------

constexpr size_t kHuge = size_t(1) << 26;

int IntW(uint8_t k) {
    switch (k) {
    case TLSIO_F_U8:
        return 1;
    case TLSIO_F_U16:
        return 2;
    case TLSIO_F_U24:
        return 3;
    case TLSIO_F_U32:
        return 4;
    default:
        return 0;
    }
}

int PrefixW(uint8_t k) {
    switch (k) {
    case TLSIO_F_VEC8:
    case TLSIO_F_LIST8:
        return 1;
    case TLSIO_F_VEC16:
    case TLSIO_F_LIST16:
    case TLSIO_F_EXTS:
    case TLSIO_F_EXTS_OPT:
        return 2;
    case TLSIO_F_VEC24:
    case TLSIO_F_LIST24:
        return 3;
    default:
        return 0;
    }
}

bool IsList(uint8_t k) {
    return k == TLSIO_F_LIST8 || k == TLSIO_F_LIST16 || k == TLSIO_F_LIST24;
}
bool IsExts(uint8_t k) {
    return k == TLSIO_F_EXTS || k == TLSIO_F_EXTS_OPT;
}
bool IsVar(uint8_t k) {
    return PrefixW(k) > 0 || k == TLSIO_F_REST;
}

size_t PrefixMax(uint8_t k) {
    int w = PrefixW(k);
    return w == 0 ? kHuge : (size_t(1) << (8 * w)) - 1;
}

void PutN(Bytes *out, size_t v, int w) {
    for (int i = w - 1; i >= 0; i--)
        out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

size_t CodecMin(const tlsio_codec *c);
size_t CodecMax(const tlsio_codec *c);

// Size of an element if all its fields are integers / fixed; 0 otherwise.
size_t FixedSize(const tlsio_codec *c) {
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field &f = c->fields[i];
        if (IntW(f.kind))
            n += IntW(f.kind);
        else if (f.kind == TLSIO_F_FIXED)
            n += f.min;
        else
            return 0;
    }
    return n;
}

size_t BodyMin(const tlsio_field &f) {
    if (IsList(f.kind)) {
        if (f.min == 0) return 0;
        size_t fs = FixedSize(f.sub);
        if (fs) return (f.min + fs - 1) / fs * fs;
        return std::max<size_t>(f.min, CodecMin(f.sub));
    }
    if (IsExts(f.kind)) return f.min == 0 ? 0 : std::max<size_t>(f.min, 4);
    return f.min;
}

size_t FieldMin(const tlsio_field &f) {
    if (IntW(f.kind)) return IntW(f.kind);
    if (f.kind == TLSIO_F_FIXED) return f.min;
    if (f.kind == TLSIO_F_STRUCT) return CodecMin(f.sub);
    return PrefixW(f.kind) + BodyMin(f);
}

size_t FieldMax(const tlsio_field &f) {
    if (IntW(f.kind)) return IntW(f.kind);
    if (f.kind == TLSIO_F_FIXED) return f.min;
    if (f.kind == TLSIO_F_STRUCT) return CodecMax(f.sub);
    return PrefixW(f.kind) + std::min<size_t>(f.max, PrefixMax(f.kind));
}

size_t CodecMin(const tlsio_codec *c) {
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += FieldMin(c->fields[i]);
    return n;
}

size_t CodecMax(const tlsio_codec *c) {
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n = std::min(kHuge, n + FieldMax(c->fields[i]));
    return n;
}

bool SynthExact(const tlsio_codec *c, size_t n, Bytes *out);

// A valid extension block body of exactly L bytes for a context.
bool SynthExts(uint8_t ctx, size_t L, Bytes *out) {
    if (ctx == TLSIO_CTX_PICK) ctx = TLSIO_CTX_SH12; // synthesized hellos have a zero random
    if (L == 0) return true;
    if (L < 4 || L - 4 > 0xffff) return false;
    if (tlsio_ext_ctx_ignores_unknown(static_cast<tlsio_ext_ctx>(ctx))) {
        PutN(out, 0xfafa, 2);
        PutN(out, L - 4, 2);
        out->insert(out->end(), L - 4, 0x5a);
        return true;
    }
    for (size_t i = 0; i < tlsio_ext_table_len; i++) {
        const tlsio_ext_row &row = tlsio_ext_table[i];
        if (row.ctx != ctx) continue;
        Bytes body;
        if (!SynthExact(row.body, L - 4, &body)) continue;
        PutN(out, row.type, 2);
        PutN(out, L - 4, 2);
        out->insert(out->end(), body.begin(), body.end());
        return true;
    }
    return false;
}

bool SynthList(const tlsio_codec *elem, size_t L, Bytes *out) {
    if (L == 0) return true;
    size_t emin = CodecMin(elem), emax = std::min(CodecMax(elem), L);
    if (emin == 0 || emax < emin) return false;
    size_t k = (L + emax - 1) / emax;
    if (k * emin > L) return false;
    for (size_t i = 0; i < k; i++) {
        size_t sz = L / k + (i < L % k ? 1 : 0);
        if (!SynthExact(elem, sz, out)) return false;
    }
    return true;
}

// The body (without prefix) of a variable field, exactly L bytes and valid.
bool SynthBody(const tlsio_field &f, size_t L, Bytes *out) {
    if (IsList(f.kind)) return SynthList(f.sub, L, out);
    if (IsExts(f.kind)) return SynthExts(f.ctx, L, out);
    out->insert(out->end(), L, 0x61);
    return true;
}

// A whole field of encoded size `total`.
bool SynthField(const tlsio_field &f, size_t total, Bytes *out) {
    if (IntW(f.kind)) {
        PutN(out, f.min, IntW(f.kind));
        return true;
    }
    if (f.kind == TLSIO_F_FIXED) {
        out->insert(out->end(), f.min, 0);
        return true;
    }
    if (f.kind == TLSIO_F_STRUCT) return SynthExact(f.sub, total, out);
    size_t L = total - PrefixW(f.kind);
    if (L < f.min || L > f.max) return false;
    Bytes body;
    if (!SynthBody(f, L, &body)) return false;
    PutN(out, L, PrefixW(f.kind));
    out->insert(out->end(), body.begin(), body.end());
    return true;
}

bool SynthExact(const tlsio_codec *c, size_t n, Bytes *out) {
    size_t lo = CodecMin(c), hi = CodecMax(c);
    if (n < lo || n > hi) return false;
    size_t slack = n - lo;
    Bytes acc;
    for (size_t i = 0; i < c->n; i++) {
        const tlsio_field &f = c->fields[i];
        size_t fmin = FieldMin(f), extra = std::min(slack, FieldMax(f) - fmin);
        bool ok = false;
        for (int tries = 0; tries < 8 && !ok; tries++) {
            Bytes one;
            if (SynthField(f, fmin + extra, &one)) {
                acc.insert(acc.end(), one.begin(), one.end());
                ok = true;
            } else if (extra == 0) {
                break;
            } else {
                extra--;
            }
        }
        if (!ok) return false;
        slack -= extra;
    }
    if (slack != 0) return false;
    out->insert(out->end(), acc.begin(), acc.end());
    return true;
}

// All codecs reachable from the message and extension tables.
std::vector<const tlsio_codec *> AllCodecs() {
    std::vector<const tlsio_codec *> out;
    std::set<const tlsio_codec *> seen;
    std::vector<const tlsio_codec *> pending;
    for (size_t i = 0; i < tlsio_msg_table_len; i++) {
        if (tlsio_msg_table[i].codec13) pending.push_back(tlsio_msg_table[i].codec13);
        if (tlsio_msg_table[i].codec12) pending.push_back(tlsio_msg_table[i].codec12);
    }
    for (size_t i = 0; i < tlsio_ext_table_len; i++)
        pending.push_back(tlsio_ext_table[i].body);
    while (!pending.empty()) {
        const tlsio_codec *c = pending.back();
        pending.pop_back();
        if (!seen.insert(c).second) continue;
        out.push_back(c);
        for (size_t i = 0; i < c->n; i++)
            if (c->fields[i].sub) pending.push_back(c->fields[i].sub);
    }
    return out;
}

struct Buf {
    std::vector<std::max_align_t> mem;
    explicit Buf(size_t n) : mem(n / sizeof(std::max_align_t) + 1) {}
    void *p() {
        return mem.data();
    }
};

std::string PathOf(const tlsio_codec *c, const tlsio_field &f) {
    std::string p = c->name;
    if (f.name[0]) p += std::string(".") + f.name;
    return p;
}

// Builds c with field fi encoded as `field` and every other field minimal and valid.
bool BuildWith(const tlsio_codec *c, size_t fi, const Bytes &field, Bytes *out) {
    for (size_t i = 0; i < c->n; i++) {
        if (i == fi) {
            out->insert(out->end(), field.begin(), field.end());
        } else if (!SynthField(c->fields[i], FieldMin(c->fields[i]), out)) {
            return false;
        }
    }
    return true;
}

// Decodes, and for a valid input checks encode(decode(x)) == x.
Res DecodeAndReencode(const tlsio_codec *c, const Bytes &msg, bool *roundtrip_ok) {
    Buf buf(c->size);
    CBS in;
    CBS_init(&in, msg.data(), msg.size());
    tlsio_err err;
    tlsio_err_clear(&err);
    int r = tlsio_decode(c, &in, buf.p(), &err);
    *roundtrip_ok = true;
    if (r == 0) {
        CBB out;
        if (!CBB_init(&out, msg.size() + 8)) return {-1, "CBB_init"};
        tlsio_err eerr;
        tlsio_err_clear(&eerr);
        int e = tlsio_encode(c, buf.p(), &out, &eerr);
        *roundtrip_ok = e == 0 && CBB_len(&out) == msg.size() &&
                        std::equal(msg.begin(), msg.end(), CBB_data(&out));
        CBB_cleanup(&out);
    }
    return {r, err.msg};
}

TEST(Generated, EveryCodecHasAValidMinimalInstanceThatRoundTrips) {
    auto codecs = AllCodecs();
    EXPECT_GE(codecs.size(), 40u);
    for (const tlsio_codec *c : codecs) {
        SCOPED_TRACE(c->name);
        Bytes msg;
        ASSERT_TRUE(SynthExact(c, CodecMin(c), &msg));
        bool rt = false;
        Res r = DecodeAndReencode(c, msg, &rt);
        EXPECT_EQ(0, r.code) << r.msg << " " << ToHex(msg);
        EXPECT_TRUE(rt) << ToHex(msg);
    }
}

TEST(Generated, EveryLengthBoundAtMinMinusOneMinMaxMaxPlusOne) {
    size_t checks = 0;
    for (const tlsio_codec *c : AllCodecs()) {
        for (size_t fi = 0; fi < c->n; fi++) {
            const tlsio_field &f = c->fields[fi];
            if (!IsVar(f.kind)) continue;
            const size_t cap = PrefixMax(f.kind);
            std::vector<size_t> lens = {f.min, std::min<size_t>(f.max, cap)};
            if (f.min > 0) lens.push_back(f.min - 1);
            if (size_t(f.max) + 1 <= cap) lens.push_back(size_t(f.max) + 1);
            for (size_t L : lens) {
                SCOPED_TRACE(PathOf(c, f) + " length " + std::to_string(L));
                const bool in_bounds = L >= f.min && L <= f.max;
                Bytes field;
                PutN(&field, L, PrefixW(f.kind));
                Bytes body;
                size_t fs = IsList(f.kind) ? FixedSize(f.sub) : 0;
                bool whole = fs == 0 || L % fs == 0;
                // Some RFC minimums are below one element (server_name_list<1..>, whose
                // smallest ServerName is 4 bytes): such a length is in bounds but can never
                // hold valid elements, so it must fail on the element instead.
                bool below_one = (IsList(f.kind) && L > 0 && L < CodecMin(f.sub)) ||
                                 (IsExts(f.kind) && L > 0 && L < 4);
                if (in_bounds && whole && !below_one) {
                    ASSERT_TRUE(SynthBody(f, L, &body)) << "generator cannot fill this field";
                } else {
                    body.assign(L, 0);
                }
                field.insert(field.end(), body.begin(), body.end());
                Bytes msg;
                ASSERT_TRUE(BuildWith(c, fi, field, &msg));
                bool rt = false;
                Res r = DecodeAndReencode(c, msg, &rt);
                checks++;
                if (!in_bounds) {
                    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
                    EXPECT_EQ(PathOf(c, f) + ": length " + std::to_string(L) +
                                  (L < f.min ? " below minimum " + std::to_string(f.min)
                                             : " above maximum " + std::to_string(f.max)),
                              r.msg);
                } else if (!whole) {
                    // A bound that is not a whole number of elements (e.g. 2^16-1 of u16s).
                    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
                    EXPECT_EQ(PathOf(c, f) + (fs == 2
                                                  ? ": odd length"
                                                  : ": length " + std::to_string(L) +
                                                        " not a multiple of " + std::to_string(fs)),
                              r.msg);
                } else if (below_one) {
                    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
                    EXPECT_EQ(0u, r.msg.find(PathOf(c, f))) << r.msg;
                } else {
                    EXPECT_EQ(0, r.code) << r.msg;
                    EXPECT_TRUE(rt);
                }
            }
        }
    }
    EXPECT_GE(checks, 140u); // 144 when written; a drop means fields went missing
}

TEST(Generated, EveryRestrictedIntegerRange) {
    size_t checks = 0;
    for (const tlsio_codec *c : AllCodecs()) {
        for (size_t fi = 0; fi < c->n; fi++) {
            const tlsio_field &f = c->fields[fi];
            int w = IntW(f.kind);
            if (!w) continue;
            const uint64_t wmax = (uint64_t(1) << (8 * w)) - 1;
            std::vector<uint64_t> vals = {f.min, f.max};
            if (f.min > 0) vals.push_back(uint64_t(f.min) - 1);
            if (f.max < wmax) vals.push_back(uint64_t(f.max) + 1);
            if (vals.size() == 2) continue; // full range: nothing to reject
            for (uint64_t v : vals) {
                SCOPED_TRACE(PathOf(c, f) + " value " + std::to_string(v));
                Bytes field, msg;
                PutN(&field, static_cast<size_t>(v), w);
                ASSERT_TRUE(BuildWith(c, fi, field, &msg));
                bool rt = false;
                Res r = DecodeAndReencode(c, msg, &rt);
                checks++;
                if (v >= f.min && v <= f.max) {
                    EXPECT_EQ(0, r.code) << r.msg;
                    EXPECT_TRUE(rt);
                } else {
                    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
                    EXPECT_EQ(0u, r.msg.find(PathOf(c, f) + ": value " + std::to_string(v) +
                                             " not allowed"))
                        << r.msg;
                }
            }
        }
    }
    // KeyUpdate, curve_type, record_size_limit, cert status type. (The ServerHello compression
    // method is read as any byte: its alert depends on the version, so the engine checks it.)
    EXPECT_GE(checks, 14u);
}

// Deterministic mutations of valid synthesized instances: never a crash, only the three alerts
// a peer can cause, and anything accepted re-encodes to exactly the same bytes.
TEST(Generated, RandomMutationsFailCleanlyOrRoundTrip) {
    uint64_t s = 0x9e3779b97f4a7c15ull;
    auto rnd = [&s]() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    };
    size_t accepted = 0, total = 0;
    for (const tlsio_codec *c : AllCodecs()) {
        size_t lo = CodecMin(c);
        for (size_t target : {lo, lo + 7, lo + 40}) {
            Bytes base;
            if (!SynthExact(c, target, &base)) continue;
            for (int iter = 0; iter < 300; iter++) {
                Bytes m = base;
                int edits = 1 + static_cast<int>(rnd() % 3);
                for (int e = 0; e < edits && !m.empty(); e++) {
                    size_t pos = rnd() % m.size();
                    switch (rnd() % 4) {
                    case 0:
                        m[pos] ^= static_cast<uint8_t>(1u << (rnd() % 8));
                        break;
                    case 1:
                        m[pos] = static_cast<uint8_t>(rnd());
                        break;
                    case 2:
                        m.erase(m.begin() + static_cast<long>(pos));
                        break;
                    default:
                        m.insert(m.begin() + static_cast<long>(pos), static_cast<uint8_t>(rnd()));
                    }
                }
                Bytes exact(m); // exactly sized copy so ASan catches over-reads
                bool rt = false;
                Res r = DecodeAndReencode(c, exact, &rt);
                total++;
                if (r.code == 0) {
                    accepted++;
                    EXPECT_TRUE(rt) << c->name << " " << ToHex(exact);
                } else {
                    EXPECT_TRUE(r.code == TLS_ALERT_DECODE_ERROR ||
                                r.code == TLS_ALERT_ILLEGAL_PARAMETER ||
                                r.code == TLS_ALERT_UNSUPPORTED_EXTENSION)
                        << c->name << ": " << r.code << " " << r.msg;
                    EXPECT_FALSE(r.msg.empty());
                }
            }
        }
    }
    EXPECT_GT(total, 10000u);
    EXPECT_GT(accepted, 100u);
}

} // namespace
