// Handshake message reassembly (core/reassembly.h): messages split across records, several
// per record, the size cap, and the RFC 8446 §5.1 boundary rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hex.h"
#include "reassembly.h"
#include "testerr.h"

using tlsio_test::Bytes;
using tlsio_test::Err;
using tlsio_test::Hex;
using tlsio_test::ToHex;

namespace {

struct Reasm {
    tlsio_reasm r;
    explicit Reasm(size_t max = 0) {
        tlsio_reasm_init(&r, max);
    }
    ~Reasm() {
        tlsio_reasm_free(&r);
    }
    Reasm(const Reasm &) = delete;
    Reasm &operator=(const Reasm &) = delete;
};

// Handshake = msg_type(1) + uint24 length + body (RFC 8446 §4).
Bytes Msg(uint8_t type, const Bytes &body) {
    Bytes m = {type, static_cast<uint8_t>(body.size() >> 16),
               static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
    m.insert(m.end(), body.begin(), body.end());
    return m;
}

Bytes Body(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; i++)
        b[i] = static_cast<uint8_t>(seed + i * 7);
    return b;
}

struct Got {
    uint8_t type;
    Bytes body;
    Bytes raw;
    const uint8_t *body_ptr;
};

// Feeds one record and drains every complete message from it.
std::vector<Got> FeedAll(tlsio_reasm *r, const Bytes &record, int *rc_out = nullptr,
                         std::string *msg_out = nullptr) {
    std::vector<Got> out;
    Err err;
    int rc = tlsio_reasm_feed(r, record.data(), record.size(), &err.e);
    while (rc == 0) {
        tlsio_hs_msg m;
        int got = -1;
        rc = tlsio_reasm_next(r, &m, &got, &err.e);
        if (rc != 0 || !got) break;
        EXPECT_EQ(m.raw + TLSIO_HS_HEADER_LEN, m.body);
        EXPECT_EQ(TLSIO_HS_HEADER_LEN + m.len, m.raw_len);
        out.push_back(
            {m.type, Bytes(m.body, m.body + m.len), Bytes(m.raw, m.raw + m.raw_len), m.body});
    }
    if (rc_out != nullptr) *rc_out = rc;
    if (msg_out != nullptr) *msg_out = err.msg();
    if (rc_out == nullptr) {
        EXPECT_EQ(0, rc) << err.msg();
    }
    return out;
}

} // namespace

TEST(HsReassembly, WholeMessageIsAViewIntoTheRecord) {
    Reasm a;
    Bytes rec = Msg(8, Hex("0000")); // EncryptedExtensions with no extensions
    Err err;
    ASSERT_EQ(0, tlsio_reasm_feed(&a.r, rec.data(), rec.size(), &err.e));
    EXPECT_TRUE(tlsio_reasm_pending(&a.r));
    tlsio_hs_msg m;
    int got = 0;
    ASSERT_EQ(0, tlsio_reasm_next(&a.r, &m, &got, &err.e));
    ASSERT_EQ(1, got);
    EXPECT_EQ(8, m.type);
    EXPECT_EQ(2u, m.len);
    EXPECT_EQ(rec.data(), m.raw); // no copy
    EXPECT_EQ(rec.data() + 4, m.body);
    EXPECT_FALSE(tlsio_reasm_pending(&a.r));
    ASSERT_EQ(0, tlsio_reasm_next(&a.r, &m, &got, &err.e));
    EXPECT_EQ(0, got);
    EXPECT_EQ(nullptr, a.r.buf); // nothing was buffered
}

TEST(HsReassembly, SeveralMessagesInOneRecordIncludingEmptyBodies) {
    // RFC 8446 §5.1: several handshake messages may share a record. ServerHelloDone (14) and
    // EndOfEarlyData (5) have empty bodies.
    Reasm a;
    Bytes sh = Body(70, 1), cert = Body(300, 2);
    Bytes rec = Msg(2, sh);
    for (const Bytes &m : {Msg(14, {}), Msg(11, cert), Msg(5, {})})
        rec.insert(rec.end(), m.begin(), m.end());
    std::vector<Got> got = FeedAll(&a.r, rec);
    ASSERT_EQ(4u, got.size());
    EXPECT_EQ(2, got[0].type);
    EXPECT_EQ(ToHex(sh), ToHex(got[0].body));
    EXPECT_EQ(14, got[1].type);
    EXPECT_TRUE(got[1].body.empty());
    EXPECT_EQ("0e000000", ToHex(got[1].raw));
    EXPECT_EQ(11, got[2].type);
    EXPECT_EQ(ToHex(cert), ToHex(got[2].body));
    EXPECT_EQ(ToHex(Msg(11, cert)), ToHex(got[2].raw));
    EXPECT_EQ(5, got[3].type);
    EXPECT_TRUE(got[3].body.empty());
    EXPECT_FALSE(tlsio_reasm_pending(&a.r));
}

TEST(HsReassembly, MessageSplitByteByByteAcrossRecords) {
    Reasm a;
    Bytes body = Body(1000, 9);
    Bytes stream = Msg(11, body);
    Bytes done = Msg(14, {});
    stream.insert(stream.end(), done.begin(), done.end());
    std::vector<Got> all;
    for (size_t i = 0; i < stream.size(); i++) {
        Bytes one = {stream[i]};
        std::vector<Got> got = FeedAll(&a.r, one);
        if (i + 1 == TLSIO_HS_HEADER_LEN + body.size()) {
            ASSERT_EQ(1u, got.size()) << i;
        } else if (i + 1 == stream.size()) {
            ASSERT_EQ(1u, got.size()) << i; // the empty ServerHelloDone completes on its header
        } else {
            ASSERT_TRUE(got.empty()) << i;
            // A message is in progress: other record types and key changes are refused.
            ASSERT_TRUE(tlsio_reasm_pending(&a.r)) << i;
        }
        all.insert(all.end(), got.begin(), got.end());
    }
    ASSERT_EQ(2u, all.size());
    EXPECT_EQ(11, all[0].type);
    EXPECT_EQ(ToHex(body), ToHex(all[0].body));
    EXPECT_EQ(14, all[1].type);
    EXPECT_TRUE(all[1].body.empty());
    EXPECT_FALSE(tlsio_reasm_pending(&a.r));
    // The growth buffer is wiped and released once its message is consumed.
    Err err;
    tlsio_hs_msg m;
    int got = 1;
    ASSERT_EQ(0, tlsio_reasm_next(&a.r, &m, &got, &err.e));
    EXPECT_EQ(0, got);
    EXPECT_EQ(nullptr, a.r.buf);
}

TEST(HsReassembly, MessagesStraddlingRecordsInEveryWay) {
    // Three messages cut into records at every pair of split points.
    Bytes stream;
    const Bytes bodies[] = {Body(10, 1), Bytes(), Body(25, 3)};
    const uint8_t types[] = {2, 14, 20};
    for (int i = 0; i < 3; i++) {
        Bytes m = Msg(types[i], bodies[i]);
        stream.insert(stream.end(), m.begin(), m.end());
    }
    for (size_t cut1 = 1; cut1 < stream.size(); cut1++) {
        for (size_t cut2 = cut1; cut2 < stream.size(); cut2++) {
            Reasm a;
            std::vector<Got> all;
            const Bytes recs[] = {Bytes(stream.begin(), stream.begin() + cut1),
                                  Bytes(stream.begin() + cut1, stream.begin() + cut2),
                                  Bytes(stream.begin() + cut2, stream.end())};
            for (const Bytes &rec : recs) {
                std::vector<Got> got = FeedAll(&a.r, rec);
                all.insert(all.end(), got.begin(), got.end());
            }
            ASSERT_EQ(3u, all.size()) << cut1 << "," << cut2;
            for (int i = 0; i < 3; i++) {
                EXPECT_EQ(types[i], all[i].type);
                EXPECT_EQ(ToHex(bodies[i]), ToHex(all[i].body));
            }
            EXPECT_FALSE(tlsio_reasm_pending(&a.r));
        }
    }
}

TEST(HsReassembly, LargeMessageOverFullSizeRecords) {
    // A 40000-byte Certificate over 2^14-byte records: the buffer grows on demand.
    Reasm a;
    Bytes body = Body(40000, 5);
    Bytes stream = Msg(11, body);
    std::vector<Got> all;
    for (size_t off = 0; off < stream.size(); off += 16384) {
        size_t n = std::min<size_t>(16384, stream.size() - off);
        std::vector<Got> got = FeedAll(&a.r, Bytes(stream.begin() + off, stream.begin() + off + n));
        all.insert(all.end(), got.begin(), got.end());
        if (all.empty()) {
            EXPECT_LE(a.r.buf_cap, stream.size());
        }
    }
    ASSERT_EQ(1u, all.size());
    EXPECT_EQ(ToHex(body), ToHex(all[0].body));
}

TEST(HsReassembly, MessageLargerThanTheCapIsDecodeError) {
    {
        // The default cap: 64 KiB bodies pass, one byte more is refused on the header alone.
        Reasm a;
        EXPECT_EQ(size_t{TLSIO_HS_DEFAULT_MAX_MSG}, a.r.max_msg);
        Bytes ok = Msg(11, Bytes(65536, 1));
        std::vector<Got> got = FeedAll(&a.r, ok);
        ASSERT_EQ(1u, got.size());
        int rc = 0;
        std::string msg;
        FeedAll(&a.r, Hex("0b010001"), &rc, &msg); // type 11, length 65537, no body yet
        EXPECT_EQ(TLS_ALERT_DECODE_ERROR, rc);
        EXPECT_EQ("handshake: message type 11 of 65537 bytes exceeds the 65536-byte limit", msg);
        EXPECT_EQ(nullptr, a.r.buf); // refused before anything was buffered
    }
    {
        // A configured cap, with the header itself split across records.
        Reasm a(100);
        std::vector<Got> got = FeedAll(&a.r, Msg(1, Bytes(100, 2)));
        ASSERT_EQ(1u, got.size());
        EXPECT_TRUE(FeedAll(&a.r, Hex("01")).empty());
        EXPECT_TRUE(FeedAll(&a.r, Hex("0000")).empty());
        int rc = 0;
        std::string msg;
        FeedAll(&a.r, Hex("65 00000000"), &rc, &msg);
        EXPECT_EQ(TLS_ALERT_DECODE_ERROR, rc);
        EXPECT_EQ("handshake: message type 1 of 101 bytes exceeds the 100-byte limit", msg);
    }
    {
        // The largest uint24 length against the default cap.
        Reasm a;
        int rc = 0;
        FeedAll(&a.r, Hex("04ffffff00"), &rc);
        EXPECT_EQ(TLS_ALERT_DECODE_ERROR, rc);
    }
}

TEST(HsReassembly, InterleavingAndKeyChangeBoundaries) {
    // RFC 8446 §5.1: a split message must not be interleaved with other record types, and
    // handshake messages must not span key changes.
    Reasm a;
    Err ok;
    EXPECT_EQ(0, tlsio_reasm_check_boundary(&a.r, "alert record", &ok.e));
    Bytes fin = Msg(20, Body(32, 4));
    EXPECT_TRUE(FeedAll(&a.r, Bytes(fin.begin(), fin.begin() + 10)).empty());
    Err inter;
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE,
              tlsio_reasm_check_boundary(&a.r, "application data record", &inter.e));
    EXPECT_EQ("handshake: application data record with 10 handshake bytes not yet processed "
              "(RFC 8446 §5.1)",
              inter.msg());
    std::vector<Got> got = FeedAll(&a.r, Bytes(fin.begin() + 10, fin.end()));
    ASSERT_EQ(1u, got.size());
    Err after;
    EXPECT_EQ(0, tlsio_reasm_check_boundary(&a.r, "application data record", &after.e));

    // A key-changing message followed by more bytes in the same record (e.g. ServerHello with
    // the start of EncryptedExtensions): the engine asks right after processing ServerHello.
    Bytes rec = Msg(2, Body(40, 6));
    Bytes ee = Msg(8, Hex("0000"));
    rec.insert(rec.end(), ee.begin(), ee.end());
    Err err;
    ASSERT_EQ(0, tlsio_reasm_feed(&a.r, rec.data(), rec.size(), &err.e));
    tlsio_hs_msg m;
    int have = 0;
    ASSERT_EQ(0, tlsio_reasm_next(&a.r, &m, &have, &err.e));
    ASSERT_EQ(1, have);
    EXPECT_EQ(2, m.type);
    Err key;
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE,
              tlsio_reasm_check_boundary(&a.r, "key change after ServerHello", &key.e));
    EXPECT_EQ("handshake: key change after ServerHello with 6 handshake bytes not yet processed "
              "(RFC 8446 §5.1)",
              key.msg());
    ASSERT_EQ(0, tlsio_reasm_next(&a.r, &m, &have, &err.e));
    ASSERT_EQ(1, have);
    EXPECT_EQ(8, m.type);
    Err clean;
    EXPECT_EQ(0, tlsio_reasm_check_boundary(&a.r, "key change after Finished", &clean.e));
}

TEST(HsReassembly, FeedingBeforeTheRecordIsConsumedIsMisuse) {
    Reasm a;
    Bytes rec = Msg(8, Hex("0000"));
    Err err;
    ASSERT_EQ(0, tlsio_reasm_feed(&a.r, rec.data(), rec.size(), &err.e));
    Err again;
    EXPECT_EQ(TLS_E_USAGE, tlsio_reasm_feed(&a.r, rec.data(), rec.size(), &again.e));
    EXPECT_EQ("handshake: a record was fed before the previous one was consumed", again.msg());
}

TEST(HsReassembly, FreeReleasesAndTheReassemblerIsReusable) {
    Reasm a(500);
    Bytes msg = Msg(11, Body(300, 8));
    EXPECT_TRUE(FeedAll(&a.r, Bytes(msg.begin(), msg.begin() + 100)).empty());
    EXPECT_NE(nullptr, a.r.buf);
    tlsio_reasm_free(&a.r);
    EXPECT_EQ(nullptr, a.r.buf);
    EXPECT_FALSE(tlsio_reasm_pending(&a.r));
    EXPECT_EQ(500u, a.r.max_msg);
    std::vector<Got> got = FeedAll(&a.r, msg);
    ASSERT_EQ(1u, got.size());
    EXPECT_EQ(ToHex(Body(300, 8)), ToHex(got[0].body));
}
