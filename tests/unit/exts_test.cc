// Extension blocks: every (extension, context) form round-trips, and the RFC 8446 §4.2 rules
// (duplicates, misplaced, unknown, pre_shared_key last) fail with the right alert and sentence.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hex.h"
#include "msgs.h"

using tlsio_test::Bytes;
using tlsio_test::Hex;
using tlsio_test::Rep;
using tlsio_test::ToHex;

namespace {

union AnyMsg {
    tlsio_client_hello ch;
    tlsio_server_hello sh;
    tlsio_encrypted_extensions ee;
    tlsio_certificate13 cert13;
    tlsio_certificate_entry entry;
    tlsio_certificate_request13 cr13;
    tlsio_new_session_ticket13 nst13;
};

Bytes U16(size_t n) {
    return {static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
}

Bytes Cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes &p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

const std::string kSv13 = "00 2b 00 02 03 04"; // supported_versions selecting TLS 1.3

// Wraps an extension block (without its length) into the smallest message of a context.
// The TLS 1.3 ServerHello form needs supported_versions in the block to be chosen.
struct Wrapped {
    const tlsio_codec *codec;
    Bytes body;
};

Wrapped Wrap(tlsio_ext_ctx ctx, const Bytes &block) {
    Bytes b = Cat({U16(block.size()), block});
    Bytes hrr(tlsio_hrr_random, tlsio_hrr_random + 32);
    switch (ctx) {
    case TLSIO_CTX_CH:
        return {&tlsio_codec_client_hello,
                Cat({Hex("03 03" + Rep("00", 32) + "00 00 02 13 01 01 00"), b})};
    case TLSIO_CTX_SH:
    case TLSIO_CTX_SH12:
        return {&tlsio_codec_server_hello, Cat({Hex("03 03" + Rep("01", 32) + "00 13 01 00"), b})};
    case TLSIO_CTX_HRR:
        return {&tlsio_codec_server_hello, Cat({Hex("03 03"), hrr, Hex("00 13 01 00"), b})};
    case TLSIO_CTX_EE:
        return {&tlsio_codec_encrypted_extensions, b};
    case TLSIO_CTX_CT: {
        Bytes entry = Cat({Hex("00 00 01 aa"), b});
        Bytes list = Cat({Hex("00"), U16(entry.size()), entry});
        return {&tlsio_codec_certificate13, Cat({Hex("00"), list})};
    }
    case TLSIO_CTX_CR:
        return {&tlsio_codec_certificate_request13, Cat({Hex("00"), b})};
    case TLSIO_CTX_NST:
        return {&tlsio_codec_new_session_ticket13,
                Cat({Hex("00 00 00 01 00 00 00 02 00 00 01 aa"), b})};
    default:
        return {nullptr, {}};
    }
}

// The decoded block of a wrapped message (for CT: of its first certificate entry).
const tlsio_exts *ExtsOf(tlsio_ext_ctx ctx, AnyMsg *m, tlsio_certificate_entry *entry) {
    switch (ctx) {
    case TLSIO_CTX_CH:
        return &m->ch.extensions;
    case TLSIO_CTX_SH:
    case TLSIO_CTX_SH12:
    case TLSIO_CTX_HRR:
        return &m->sh.extensions;
    case TLSIO_CTX_EE:
        return &m->ee.extensions;
    case TLSIO_CTX_CT: {
        CBS list = m->cert13.certificate_list;
        tlsio_err err;
        tlsio_err_clear(&err);
        if (tlsio_list_next(&tlsio_codec_certificate_entry, &list, entry, &err) != 0)
            return nullptr;
        return &entry->extensions;
    }
    case TLSIO_CTX_CR:
        return &m->cr13.extensions;
    case TLSIO_CTX_NST:
        return &m->nst13.extensions;
    default:
        return nullptr;
    }
}

struct Result {
    int code;
    std::string msg;
};

// Decoded views point into *keep, which must outlive *m.
Result DecodeBlock(tlsio_ext_ctx ctx, const std::string &block_hex, AnyMsg *m = nullptr,
                   Bytes *keep = nullptr) {
    AnyMsg local;
    Bytes local_keep;
    if (!m) m = &local;
    if (!keep) keep = &local_keep;
    Wrapped w = Wrap(ctx, Hex(block_hex));
    *keep = w.body;
    CBS in;
    CBS_init(&in, keep->data(), keep->size());
    tlsio_err err;
    tlsio_err_clear(&err);
    int r = tlsio_decode(w.codec, &in, m, &err);
    return {r, err.msg};
}

// ---- one sample per (extension, context) form ------------------------------------------------

struct FormSample {
    tlsio_ext_ctx ctx;
    uint16_t type;
    std::string ext; // type, length and body
};

std::vector<FormSample> FormSamples() {
    return {
        {TLSIO_CTX_CH, 0, "00 00 00 0e 00 0c 00 00 09 6c 6f 63 61 6c 68 6f 73 74"},
        {TLSIO_CTX_EE, 0, "00 00 00 00"},
        {TLSIO_CTX_SH12, 0, "00 00 00 00"},
        {TLSIO_CTX_CH, 5, "00 05 00 05 01 00 00 00 00"},
        {TLSIO_CTX_CR, 5, "00 05 00 00"}, // RFC 8446 §4.4.2.1: empty in a CertificateRequest
        {TLSIO_CTX_CT, 5, "00 05 00 08 01 00 00 04 30 03 0a 01"},
        {TLSIO_CTX_SH12, 5, "00 05 00 00"},
        {TLSIO_CTX_CH, 10, "00 0a 00 06 00 04 00 1d 00 17"},
        {TLSIO_CTX_EE, 10, "00 0a 00 04 00 02 00 18"},
        {TLSIO_CTX_SH12, 10, "00 0a 00 04 00 02 00 18"},
        {TLSIO_CTX_CH, 11, "00 0b 00 02 01 00"},
        {TLSIO_CTX_SH12, 11, "00 0b 00 04 03 00 01 02"},
        {TLSIO_CTX_CH, 13, "00 0d 00 06 00 04 04 03 08 04"},
        {TLSIO_CTX_CR, 13, "00 0d 00 04 00 02 08 07"},
        {TLSIO_CTX_CH, 50, "00 32 00 04 00 02 04 03"},
        {TLSIO_CTX_CR, 50, "00 32 00 06 00 04 08 04 04 01"},
        {TLSIO_CTX_CH, 16, "00 10 00 0e 00 0c 02 68 32 08 68 74 74 70 2f 31 2e 31"},
        {TLSIO_CTX_EE, 16, "00 10 00 05 00 03 02 68 32"},
        {TLSIO_CTX_SH12, 16, "00 10 00 0b 00 09 08 68 74 74 70 2f 31 2e 31"},
        {TLSIO_CTX_CH, 21, "00 15 00 05 00 00 00 00 00"},
        {TLSIO_CTX_CH, 23, "00 17 00 00"},
        {TLSIO_CTX_SH12, 23, "00 17 00 00"},
        {TLSIO_CTX_CH, 28, "00 1c 00 02 40 01"},
        {TLSIO_CTX_EE, 28, "00 1c 00 02 00 40"},
        {TLSIO_CTX_SH12, 28, "00 1c 00 02 ff ff"},
        {TLSIO_CTX_CH, 35, "00 23 00 04 01 02 03 04"},
        {TLSIO_CTX_SH12, 35, "00 23 00 00"},
        {TLSIO_CTX_CH, 41, "00 29 00 2e 00 09 00 03 aa bb cc 00 00 00 07 00 21 20" + Rep("0b", 32)},
        {TLSIO_CTX_SH, 41, "00 29 00 02 00 00"},
        {TLSIO_CTX_CH, 42, "00 2a 00 00"},
        {TLSIO_CTX_EE, 42, "00 2a 00 00"},
        {TLSIO_CTX_NST, 42, "00 2a 00 04 00 00 40 00"},
        {TLSIO_CTX_CH, 43, "00 2b 00 05 04 03 04 03 03"},
        {TLSIO_CTX_SH, 43, "00 2b 00 02 03 04"},
        {TLSIO_CTX_HRR, 43, "00 2b 00 02 03 04"},
        {TLSIO_CTX_CH, 44, "00 2c 00 05 00 03 c0 0c 1e"},
        {TLSIO_CTX_HRR, 44, "00 2c 00 04 00 02 ab cd"},
        {TLSIO_CTX_CH, 45, "00 2d 00 03 02 01 00"},
        {TLSIO_CTX_CH, 47, "00 2f 00 09 00 07 00 02 30 00 00 01 31"},
        {TLSIO_CTX_CR, 47, "00 2f 00 05 00 03 00 01 30"},
        {TLSIO_CTX_CH, 51, "00 33 00 0e 00 0c 00 1d 00 02 aa bb 00 17 00 02 cc dd"},
        {TLSIO_CTX_CH, 51, "00 33 00 02 00 00"}, // empty client_shares (RFC 8446 §4.2.8)
        {TLSIO_CTX_SH, 51, "00 33 00 07 00 1d 00 03 01 02 03"},
        {TLSIO_CTX_HRR, 51, "00 33 00 02 00 17"},
        {TLSIO_CTX_CH, 0xff01, "ff 01 00 01 00"},
        {TLSIO_CTX_SH12, 0xff01, "ff 01 00 19 18" + Rep("0c", 24)},
    };
}

std::string ContextBlock(const FormSample &s) {
    // A TLS 1.3 ServerHello must carry supported_versions to be read as one.
    if (s.ctx == TLSIO_CTX_SH && s.type != TLSIO_EXTTYPE_SUPPORTED_VERSIONS)
        return kSv13 + " " + s.ext;
    return s.ext;
}

class ExtForm : public ::testing::TestWithParam<FormSample> {};

TEST_P(ExtForm, DecodesInItsContextAndRoundTrips) {
    const FormSample &s = GetParam();
    Wrapped w = Wrap(s.ctx, Hex(ContextBlock(s)));
    CBS in;
    CBS_init(&in, w.body.data(), w.body.size());
    AnyMsg m;
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_decode(w.codec, &in, &m, &err)) << err.msg;
    tlsio_certificate_entry entry;
    const tlsio_exts *e = ExtsOf(s.ctx, &m, &entry);
    ASSERT_NE(nullptr, e);
    EXPECT_EQ(s.ctx, e->ctx);
    int id = tlsio_ext_id_of(s.type);
    ASSERT_GE(id, 0);
    EXPECT_TRUE(tlsio_exts_has(e, static_cast<tlsio_ext_id>(id)));
    CBB out;
    ASSERT_TRUE(CBB_init(&out, 64));
    ASSERT_EQ(0, tlsio_encode(w.codec, &m, &out, &err)) << err.msg;
    EXPECT_EQ(ToHex(w.body), ToHex(CBB_data(&out), CBB_len(&out)));
    CBB_cleanup(&out);
}

TEST_P(ExtForm, RejectedInEveryContextWithoutARow) {
    const FormSample &s = GetParam();
    for (int c = 0; c < TLSIO_CTX__COUNT; c++) {
        tlsio_ext_ctx ctx = static_cast<tlsio_ext_ctx>(c);
        if (tlsio_ext_find(s.type, ctx)) continue;
        // In a ServerHello, supported_versions is what selects the TLS 1.3 form (SH), so it
        // can never be "misplaced" in the TLS 1.2 form.
        if (ctx == TLSIO_CTX_SH12 && s.type == TLSIO_EXTTYPE_SUPPORTED_VERSIONS) continue;
        FormSample moved = {ctx, s.type, s.ext};
        Result r = DecodeBlock(ctx, ContextBlock(moved));
        // SH without supported_versions is read as SH12; it is still "not allowed here".
        EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code) << tlsio_ext_ctx_name(ctx) << ": " << r.msg;
        EXPECT_NE(std::string::npos,
                  r.msg.find(std::string(tlsio_ext_name(s.type)) + " not allowed here"))
            << r.msg;
    }
}

INSTANTIATE_TEST_SUITE_P(All, ExtForm, ::testing::ValuesIn(FormSamples()),
                         [](const ::testing::TestParamInfo<FormSample> &i) {
                             return std::string(tlsio_ext_name(i.param.type)) + "_" +
                                    std::to_string(i.param.ctx) + "_" + std::to_string(i.index);
                         });

TEST(ExtTable, EveryRowHasASample) {
    std::set<std::pair<int, int>> sampled;
    for (const FormSample &s : FormSamples())
        sampled.insert({s.type, s.ctx});
    for (size_t i = 0; i < tlsio_ext_table_len; i++) {
        const tlsio_ext_row &row = tlsio_ext_table[i];
        EXPECT_TRUE(sampled.count({row.type, row.ctx}))
            << row.name << " in " << tlsio_ext_ctx_name(static_cast<tlsio_ext_ctx>(row.ctx));
        EXPECT_EQ(row.type, tlsio_ext_type_of(static_cast<tlsio_ext_id>(row.id)));
        EXPECT_STREQ(row.name, tlsio_ext_name(row.type));
        EXPECT_EQ(&row, tlsio_ext_find(row.type, static_cast<tlsio_ext_ctx>(row.ctx)));
    }
}

// RFC 8446 §4.2's table, for TLS 1.3 messages, spelled out independently of ext_table.c.
TEST(ExtTable, MatchesRfc8446Section42) {
    struct Want {
        uint16_t type;
        std::set<int> ctxs;
    };
    const std::vector<Want> want = {
        {0, {TLSIO_CTX_CH, TLSIO_CTX_EE}},
        {5, {TLSIO_CTX_CH, TLSIO_CTX_CR, TLSIO_CTX_CT}},
        {10, {TLSIO_CTX_CH, TLSIO_CTX_EE}},
        {13, {TLSIO_CTX_CH, TLSIO_CTX_CR}},
        {16, {TLSIO_CTX_CH, TLSIO_CTX_EE}},
        {21, {TLSIO_CTX_CH}},
        {51, {TLSIO_CTX_CH, TLSIO_CTX_SH, TLSIO_CTX_HRR}},
        {41, {TLSIO_CTX_CH, TLSIO_CTX_SH}},
        {45, {TLSIO_CTX_CH}},
        {42, {TLSIO_CTX_CH, TLSIO_CTX_EE, TLSIO_CTX_NST}},
        {44, {TLSIO_CTX_CH, TLSIO_CTX_HRR}},
        {43, {TLSIO_CTX_CH, TLSIO_CTX_SH, TLSIO_CTX_HRR}},
        {47, {TLSIO_CTX_CH, TLSIO_CTX_CR}},
        {50, {TLSIO_CTX_CH, TLSIO_CTX_CR}},
        {28, {TLSIO_CTX_CH, TLSIO_CTX_EE}}, // RFC 8449 §4
    };
    const int tls13_ctxs[] = {TLSIO_CTX_CH, TLSIO_CTX_SH, TLSIO_CTX_HRR, TLSIO_CTX_EE,
                              TLSIO_CTX_CT, TLSIO_CTX_CR, TLSIO_CTX_NST};
    for (const Want &w : want)
        for (int c : tls13_ctxs)
            EXPECT_EQ(w.ctxs.count(c) == 1,
                      tlsio_ext_find(w.type, static_cast<tlsio_ext_ctx>(c)) != nullptr)
                << tlsio_ext_name(w.type) << " in "
                << tlsio_ext_ctx_name(static_cast<tlsio_ext_ctx>(c));
    // TLS 1.2-only extensions never appear in TLS 1.3 server messages.
    for (uint16_t t : {23, 11, 35, 0xff01})
        for (int c : tls13_ctxs)
            if (c != TLSIO_CTX_CH) {
                EXPECT_EQ(nullptr, tlsio_ext_find(t, static_cast<tlsio_ext_ctx>(c)));
            }
}

// An extension's body depends on the message it is in (exts.h). Spelled out independently of
// ext_table.c: the (type, message) forms whose body is empty, from each extension's RFC.
TEST(ExtTable, BodyLayoutDependsOnTheMessage) {
    const std::set<std::pair<int, int>> empty = {
        {0, TLSIO_CTX_EE},    {0, TLSIO_CTX_SH12},  // RFC 6066 §3
        {5, TLSIO_CTX_CR},                          // RFC 8446 §4.4.2.1
        {5, TLSIO_CTX_SH12},                        // RFC 6066 §8
        {23, TLSIO_CTX_CH},   {23, TLSIO_CTX_SH12}, // RFC 7627 §5.1
        {35, TLSIO_CTX_SH12},                       // RFC 5077 §3.2
        {42, TLSIO_CTX_CH},   {42, TLSIO_CTX_EE},   // RFC 8446 §4.2.10
    };
    for (size_t i = 0; i < tlsio_ext_table_len; i++) {
        const tlsio_ext_row &row = tlsio_ext_table[i];
        EXPECT_EQ(empty.count({row.type, row.ctx}) == 1, row.body->n == 0)
            << row.name << " in " << tlsio_ext_ctx_name(static_cast<tlsio_ext_ctx>(row.ctx));
    }
    // status_request: one type, three layouts.
    const tlsio_ext_row *ch = tlsio_ext_find(5, TLSIO_CTX_CH);
    const tlsio_ext_row *cr = tlsio_ext_find(5, TLSIO_CTX_CR);
    const tlsio_ext_row *ct = tlsio_ext_find(5, TLSIO_CTX_CT);
    ASSERT_TRUE(ch && cr && ct);
    EXPECT_STREQ("CertificateStatusRequest", ch->body->name);
    EXPECT_STREQ("CertificateStatus", ct->body->name);
    EXPECT_EQ(0u, cr->body->n);
}

// ---- the block rules ------------------------------------------------------------------------

// The CertificateRequest a default gnutls-serv sends to ask for an optional client certificate
// (captured from gnutls-serv 3.7.9): an empty status_request beside signature_algorithms. It
// used to fail as "status_request.status_type: truncated" (read with the ClientHello layout).
TEST(ExtRules, GnuTlsCertificateRequestWithEmptyStatusRequest) {
    AnyMsg m;
    Bytes keep;
    Result r = DecodeBlock(TLSIO_CTX_CR, "00 05 00 00 00 0d 00 06 00 04 04 03 08 04", &m, &keep);
    ASSERT_EQ(0, r.code) << r.msg;
    EXPECT_TRUE(tlsio_exts_has(&m.cr13.extensions, TLSIO_EXT_STATUS_REQUEST));
    EXPECT_TRUE(tlsio_exts_has(&m.cr13.extensions, TLSIO_EXT_SIGNATURE_ALGORITHMS));
    // The ClientHello layout is not accepted there: the RFC says empty.
    r = DecodeBlock(TLSIO_CTX_CR, "00 05 00 05 01 00 00 00 00");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("CertificateRequest.extensions.status_request: must be empty in a "
              "CertificateRequest, has 5 bytes",
              r.msg);
    // And the empty form is not accepted in a ClientHello.
    r = DecodeBlock(TLSIO_CTX_CH, "00 05 00 00");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("ClientHello.extensions.status_request.status_type: truncated", r.msg);
}

TEST(ExtRules, DuplicateIsDecodeError) {
    Result r =
        DecodeBlock(TLSIO_CTX_SH, kSv13 + " 00 33 00 05 00 17 00 01 aa 00 33 00 05 00 17 00 01 aa");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("ServerHello.extensions: duplicate key_share", r.msg);

    r = DecodeBlock(TLSIO_CTX_EE, "00 0a 00 04 00 02 00 17 00 0a 00 04 00 02 00 17");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("EncryptedExtensions.extensions: duplicate supported_groups", r.msg);

    // Unknown types are also checked for duplicates (one bit per type, any count).
    r = DecodeBlock(TLSIO_CTX_CH, "fa fa 00 00 1a 1a 00 00 fa fa 00 01 00");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("ClientHello.extensions: duplicate extension 0xfafa", r.msg);
}

// The whole block is checked for duplicates before any one extension is judged: a repeated
// type is a malformed block even where its first copy would already be refused for another
// reason (unknown in a response, or not allowed in this message).
TEST(ExtRules, DuplicateFoundBeforeUnknownOrMisplaced) {
    Result r = DecodeBlock(TLSIO_CTX_EE, "ff ff 00 00 ff ff 00 00");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("EncryptedExtensions.extensions: duplicate extension 0xffff", r.msg);

    r = DecodeBlock(TLSIO_CTX_SH12, "ff ff 00 00 ff ff 00 00");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("ServerHello.extensions: duplicate extension 0xffff", r.msg);

    r = DecodeBlock(TLSIO_CTX_EE, "00 33 00 05 00 17 00 01 aa 00 33 00 05 00 17 00 01 aa");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("EncryptedExtensions.extensions: duplicate key_share", r.msg);

    // Framing is checked over the whole block too, before any duplicate or rule.
    r = DecodeBlock(TLSIO_CTX_EE, "ff ff 00 00 ff ff 00 05 00");
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code);
    EXPECT_EQ("EncryptedExtensions.extensions.extension 0xffff: length 5 exceeds the 1 bytes left",
              r.msg);
}

TEST(ExtRules, MisplacedIsIllegalParameter) {
    Result r = DecodeBlock(TLSIO_CTX_EE, "00 33 00 05 00 17 00 01 aa");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
    EXPECT_EQ("EncryptedExtensions.extensions: key_share not allowed here", r.msg);

    r = DecodeBlock(TLSIO_CTX_CT, "00 2b 00 02 03 04");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
    EXPECT_EQ("Certificate.certificate_list[0].extensions: supported_versions not allowed here",
              r.msg);

    r = DecodeBlock(TLSIO_CTX_HRR, "00 29 00 02 00 00");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
    EXPECT_EQ("ServerHello.extensions: pre_shared_key not allowed here", r.msg);
}

TEST(ExtRules, UnknownIgnoredOnlyWhereTheRfcSaysSo) {
    // Ignored (and kept for re-encoding) in ClientHello, CertificateRequest, NewSessionTicket.
    for (tlsio_ext_ctx ctx : {TLSIO_CTX_CH, TLSIO_CTX_CR, TLSIO_CTX_NST}) {
        AnyMsg m;
        Bytes keep;
        std::string block = "fa fa 00 03 01 02 03";
        if (ctx == TLSIO_CTX_CR) block += " 00 0d 00 04 00 02 04 03";
        Result r = DecodeBlock(ctx, block, &m, &keep);
        ASSERT_EQ(0, r.code) << tlsio_ext_ctx_name(ctx) << ": " << r.msg;
        const tlsio_exts *e = ExtsOf(ctx, &m, nullptr);
        ASSERT_EQ(1, e->n_unknown);
        EXPECT_EQ(0xfafa, e->unknown[0].type);
        EXPECT_EQ("010203", ToHex(CBS_data(&e->unknown[0].body), CBS_len(&e->unknown[0].body)));
        EXPECT_EQ(0xfafa, e->order[0]);
    }
    // Refused everywhere else: we never send unknown extensions, so none can be an answer.
    const std::vector<std::pair<tlsio_ext_ctx, std::string>> refused = {
        {TLSIO_CTX_EE, "EncryptedExtensions.extensions"},
        {TLSIO_CTX_SH, "ServerHello.extensions"},
        {TLSIO_CTX_SH12, "ServerHello.extensions"},
        {TLSIO_CTX_HRR, "ServerHello.extensions"},
        {TLSIO_CTX_CT, "Certificate.certificate_list[0].extensions"},
    };
    for (const auto &p : refused) {
        std::string block = "fa fa 00 00";
        if (p.first == TLSIO_CTX_SH) block = kSv13 + " " + block;
        Result r = DecodeBlock(p.first, block);
        EXPECT_EQ(TLS_ALERT_UNSUPPORTED_EXTENSION, r.code) << tlsio_ext_ctx_name(p.first);
        EXPECT_EQ(p.second + ": unknown extension 0xfafa", r.msg);
    }
}

TEST(ExtRules, ManyUnknownExtensionsInClientHello) {
    std::string block;
    for (int i = 0; i < 40; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, " %02x %02x 00 00", 0xf0 + i / 16, 0x10 + i % 16);
        block += buf;
    }
    AnyMsg m;
    Result r = DecodeBlock(TLSIO_CTX_CH, block + " 00 17 00 00", &m);
    ASSERT_EQ(0, r.code) << r.msg;
    EXPECT_EQ(TLSIO_EXTS_MAX_UNKNOWN, m.ch.extensions.n_unknown);
    EXPECT_EQ(1, m.ch.extensions.order_truncated);
    EXPECT_TRUE(tlsio_exts_has(&m.ch.extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET));
}

TEST(ExtRules, PreSharedKeyMustBeLastInClientHello) {
    const std::string psk = "00 29 00 2e 00 09 00 03 aa bb cc 00 00 00 07 00 21 20" + Rep("0b", 32);
    Result r = DecodeBlock(TLSIO_CTX_CH, psk + " 00 17 00 00");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
    EXPECT_EQ("ClientHello.extensions: pre_shared_key is not the last extension", r.msg);
    // Also when what follows is unknown (which would otherwise be ignored).
    r = DecodeBlock(TLSIO_CTX_CH, psk + " fa fa 00 00");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
    EXPECT_EQ(0, DecodeBlock(TLSIO_CTX_CH, "00 17 00 00 " + psk).code);
}

TEST(ExtRules, RecordSizeLimitBelow64IsIllegalParameter) {
    Result r = DecodeBlock(TLSIO_CTX_EE, "00 1c 00 02 00 3f");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
    EXPECT_EQ("EncryptedExtensions.extensions.record_size_limit: value 63 not allowed (allowed "
              "64..65535)",
              r.msg);
    EXPECT_EQ(0, DecodeBlock(TLSIO_CTX_EE, "00 1c 00 02 00 40").code);
}

TEST(ExtRules, CertificateStatusTypeMustBeOcsp) {
    Result r = DecodeBlock(TLSIO_CTX_CT, "00 05 00 05 02 00 00 01 aa");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, r.code);
    EXPECT_EQ("Certificate.certificate_list[0].extensions.status_request.status_type: value 2 "
              "not allowed (must be 1)",
              r.msg);
}

TEST(ExtRules, BodyErrorsNameTheField) {
    struct Case {
        tlsio_ext_ctx ctx;
        std::string block, msg;
    };
    const std::vector<Case> cases = {
        {TLSIO_CTX_CH, "00 2b 00 04 03 03 04 03",
         "ClientHello.extensions.supported_versions.versions: odd length"},
        {TLSIO_CTX_CH, "00 2b 00 01 00",
         "ClientHello.extensions.supported_versions.versions: length 0 below minimum 2"},
        {TLSIO_CTX_CH, "00 33 00 0b 00 09 00 1d 00 01 aa 00 17 00 00",
         "ClientHello.extensions.key_share.client_shares[1].key_exchange: length 0 below "
         "minimum 1"},
        {TLSIO_CTX_CH, "00 33 00 08 00 06 00 1d 00 01 aa 00",
         "ClientHello.extensions.key_share.client_shares[1].group: truncated"},
        {TLSIO_CTX_SH, kSv13 + " 00 33 00 06 00 1d 00 01 aa 00",
         "ServerHello.extensions.key_share: 1 trailing byte"},
        {TLSIO_CTX_SH, "00 2b 00 03 03 04 00",
         "ServerHello.extensions.supported_versions: 1 "
         "trailing byte"},
        {TLSIO_CTX_EE, "00 17 00 00",
         "EncryptedExtensions.extensions: extended_master_secret not "
         "allowed here"},
        {TLSIO_CTX_SH12, "00 17 00 01 00",
         "ServerHello.extensions.extended_master_secret: must be empty in a ServerHello (TLS "
         "1.2), has 1 byte"},
        {TLSIO_CTX_CH, "00 10 00 03 00 01 00",
         "ClientHello.extensions.application_layer_protocol_negotiation.protocol_name_list: "
         "length 1 below minimum 2"},
        {TLSIO_CTX_CH, "00 10 00 04 00 02 00 00",
         "ClientHello.extensions.application_layer_protocol_negotiation.protocol_name_list[0]: "
         "length 0 below minimum 1"},
        {TLSIO_CTX_CH, "00 29 00 2d 00 09 00 03 aa bb cc 00 00 00 07 00 20 1f" + Rep("0b", 31),
         "ClientHello.extensions.pre_shared_key.binders: length 32 below minimum 33"},
        {TLSIO_CTX_CH, "00 00 00 05 00 03 00 00 00",
         "ClientHello.extensions.server_name.server_name_list[0].host_name: length 0 below "
         "minimum 1"},
        {TLSIO_CTX_CH, "00 0a 00 03 00 01 00",
         "ClientHello.extensions.supported_groups.named_group_list: length 1 below minimum 2"},
        {TLSIO_CTX_CH, "00 2d 00 01 00",
         "ClientHello.extensions.psk_key_exchange_modes.ke_modes: length 0 below minimum 1"},
        {TLSIO_CTX_CH, "00 2f 00 04 00 02 00 00",
         "ClientHello.extensions.certificate_authorities.authorities: length 2 below minimum 3"},
        {TLSIO_CTX_HRR, "00 2c 00 02 00 00",
         "ServerHello.extensions.cookie: length 0 below "
         "minimum 1"},
        {TLSIO_CTX_CH, "00 17", "ClientHello.extensions.extended_master_secret: truncated length"},
        {TLSIO_CTX_CH, "00", "ClientHello.extensions: truncated extension type"},
        {TLSIO_CTX_CH, "00 17 00 05 00",
         "ClientHello.extensions.extended_master_secret: length 5 exceeds the 1 bytes left"},
        {TLSIO_CTX_CH, "fa fa 00 05 00",
         "ClientHello.extensions.extension 0xfafa: length 5 "
         "exceeds the 1 bytes left"},
    };
    for (const Case &c : cases) {
        Result r = DecodeBlock(c.ctx, c.block);
        EXPECT_NE(0, r.code) << c.block;
        if (c.msg.find("not allowed") == std::string::npos) {
            EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r.code) << c.block;
        }
        EXPECT_EQ(c.msg, r.msg);
    }
}

// ---- encode side (what the engine does) -----------------------------------------------------

TEST(ExtEncode, EngineBuildsClientHelloExtensions) {
    tlsio_client_hello ch = {};
    uint8_t random[32] = {0};
    const uint8_t suites[] = {0x13, 0x01};
    const uint8_t comp[] = {0};
    const uint8_t versions[] = {0x03, 0x04};
    const uint8_t groups[] = {0x00, 0x1d};
    const uint8_t share[] = {0x00, 0x1d, 0x00, 0x02, 0xaa, 0xbb};
    CBS_init(&ch.random, random, sizeof random);
    CBS_init(&ch.cipher_suites, suites, sizeof suites);
    CBS_init(&ch.legacy_compression_methods, comp, sizeof comp);
    ch.legacy_version = 0x0303;
    tlsio_err err;
    tlsio_err_clear(&err);
    tlsio_exts *e = &ch.extensions;
    ASSERT_EQ(0, tlsio_exts_push(e, TLSIO_EXT_SUPPORTED_VERSIONS, &err));
    CBS_init(&e->supported_versions, versions, sizeof versions);
    ASSERT_EQ(0, tlsio_exts_push(e, TLSIO_EXT_SUPPORTED_GROUPS, &err));
    CBS_init(&e->supported_groups, groups, sizeof groups);
    ASSERT_EQ(0, tlsio_exts_push(e, TLSIO_EXT_KEY_SHARE, &err));
    CBS_init(&e->key_share_client_shares, share, sizeof share);
    ASSERT_EQ(0, tlsio_exts_push(e, TLSIO_EXT_EXTENDED_MASTER_SECRET, &err));
    ASSERT_EQ(0, tlsio_exts_push(e, TLSIO_EXT_RECORD_SIZE_LIMIT, &err));
    e->record_size_limit = 0x4001;
    // An unknown extension (GREASE-like), empty body: in unknown[] and in the order.
    e->unknown[0].type = 0x0a0a;
    CBS_init(&e->unknown[0].body, nullptr, 0);
    e->n_unknown = 1;
    e->order[e->n_order++] = 0x0a0a;

    CBB out;
    ASSERT_TRUE(CBB_init(&out, 64));
    ASSERT_EQ(0, tlsio_encode(&tlsio_codec_client_hello, &ch, &out, &err)) << err.msg;
    EXPECT_EQ("0303" + std::string(64, '0') +
                  "00000213010100"
                  "0029"
                  "002b0003020304"
                  "000a00040002001d"
                  "003300080006001d0002aabb"
                  "00170000"
                  "001c00024001"
                  "0a0a0000",
              ToHex(CBB_data(&out), CBB_len(&out)));
    CBB_cleanup(&out);

    EXPECT_EQ(TLS_E_INTERNAL, tlsio_exts_push(e, TLSIO_EXT_KEY_SHARE, &err));
    EXPECT_STREQ("extensions: key_share pushed twice", err.msg);
}

TEST(ExtEncode, InconsistentStructsAreInternalErrors) {
    struct Case {
        void (*mutate)(tlsio_exts *);
        std::string msg;
    };
    static const uint8_t kGroupsOdd[] = {0x00, 0x1d, 0x00};
    const std::vector<Case> cases = {
        {[](tlsio_exts *e) { e->present |= TLSIO_EXT_BIT(TLSIO_EXT_KEY_SHARE); },
         "EncryptedExtensions.extensions: key_share present but not in order"},
        {[](tlsio_exts *e) { e->order[e->n_order++] = TLSIO_EXTTYPE_KEY_SHARE; },
         "EncryptedExtensions.extensions: key_share not allowed here"},
        {[](tlsio_exts *e) { e->order[e->n_order++] = TLSIO_EXTTYPE_EARLY_DATA; },
         "EncryptedExtensions.extensions: early_data in order but not present"},
        {[](tlsio_exts *e) { e->order[e->n_order++] = 0xfafa; },
         "EncryptedExtensions.extensions: extension 0xfafa in order but not in unknown[]"},
        {[](tlsio_exts *e) {
             e->present |= TLSIO_EXT_BIT(TLSIO_EXT_SUPPORTED_GROUPS);
             e->order[e->n_order++] = TLSIO_EXTTYPE_SUPPORTED_GROUPS;
             CBS_init(&e->supported_groups, kGroupsOdd, sizeof kGroupsOdd);
         },
         "EncryptedExtensions.extensions.supported_groups.named_group_list: odd length"},
        {[](tlsio_exts *e) {
             e->present |= TLSIO_EXT_BIT(TLSIO_EXT_RECORD_SIZE_LIMIT);
             e->order[e->n_order++] = TLSIO_EXTTYPE_RECORD_SIZE_LIMIT;
             e->record_size_limit = 10;
         },
         "EncryptedExtensions.extensions.record_size_limit: value 10 not allowed (allowed "
         "64..65535)"},
    };
    for (const Case &c : cases) {
        tlsio_encrypted_extensions ee = {};
        c.mutate(&ee.extensions);
        CBB out;
        ASSERT_TRUE(CBB_init(&out, 16));
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(TLS_E_INTERNAL, tlsio_encode(&tlsio_codec_encrypted_extensions, &ee, &out, &err));
        EXPECT_EQ(c.msg, err.msg);
        CBB_cleanup(&out);
    }
}

TEST(ExtEncode, PreSharedKeyNotLastIsInternalError) {
    AnyMsg m;
    const std::string psk = "00 29 00 2e 00 09 00 03 aa bb cc 00 00 00 07 00 21 20" + Rep("0b", 32);
    Bytes keep;
    ASSERT_EQ(0, DecodeBlock(TLSIO_CTX_CH, "00 17 00 00 " + psk, &m, &keep).code);
    std::swap(m.ch.extensions.order[0], m.ch.extensions.order[1]);
    CBB out;
    ASSERT_TRUE(CBB_init(&out, 16));
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_E_INTERNAL, tlsio_encode(&tlsio_codec_client_hello, &m.ch, &out, &err));
    EXPECT_STREQ("ClientHello.extensions: pre_shared_key is not the last extension", err.msg);
    CBB_cleanup(&out);
}

TEST(ExtEncode, ServerHelloContextFollowsPresenceWhenEncoding) {
    // A TLS 1.3 ServerHello built by the engine: supported_versions present -> SH rows.
    tlsio_server_hello sh = {};
    uint8_t random[32];
    for (int i = 0; i < 32; i++)
        random[i] = static_cast<uint8_t>(i);
    const uint8_t kx[] = {1, 2, 3};
    CBS_init(&sh.random, random, 32);
    sh.legacy_version = 0x0303;
    sh.cipher_suite = 0x1301;
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_exts_push(&sh.extensions, TLSIO_EXT_SUPPORTED_VERSIONS, &err));
    sh.extensions.selected_version = 0x0304;
    ASSERT_EQ(0, tlsio_exts_push(&sh.extensions, TLSIO_EXT_KEY_SHARE, &err));
    sh.extensions.key_share_server_share.group = 0x1d;
    CBS_init(&sh.extensions.key_share_server_share.key_exchange, kx, sizeof kx);
    CBB out;
    ASSERT_TRUE(CBB_init(&out, 64));
    ASSERT_EQ(0, tlsio_hs_encode(TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &sh, &out, &err))
        << err.msg;
    EXPECT_EQ("020000390303" + ToHex(random, 32) + "00130100" + "0011" + "002b00020304" +
                  "00330007001d0003010203",
              ToHex(CBB_data(&out), CBB_len(&out)));
    CBB_cleanup(&out);
}

} // namespace

// tlsio_ext_id_of turns away types of 64 and above (but renegotiation_info) without a scan:
// that holds only while every type tlsio knows is below 64.
TEST(ExtIds, EveryKnownTypeIsBelow64ButRenegotiationInfo) {
    for (int id = 0; id < TLSIO_EXT__COUNT; id++) {
        uint16_t t = tlsio_ext_type_of((tlsio_ext_id)id);
        EXPECT_TRUE(t < 64 || t == TLSIO_EXTTYPE_RENEGOTIATION_INFO) << t;
        EXPECT_EQ(id, tlsio_ext_id_of(t));
    }
    EXPECT_EQ(-1, tlsio_ext_id_of(0x5000));
    EXPECT_EQ(-1, tlsio_ext_id_of(63));
}
