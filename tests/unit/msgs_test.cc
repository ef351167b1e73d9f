// Handshake message codecs against real bytes: RFC 8448 traces and hand-built TLS 1.2 messages.
// Every sample must round-trip byte-exact, and every truncation must fail cleanly.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hex.h"
#include "msgs.h"

using tlsio_test::Bytes;
using tlsio_test::Hex;
using tlsio_test::ToHex;

namespace {

// Big enough, aligned storage for any decoded message.
union AnyMsg {
    tlsio_client_hello ch;
    tlsio_server_hello sh;
    tlsio_encrypted_extensions ee;
    tlsio_certificate13 cert13;
    tlsio_certificate12 cert12;
    tlsio_certificate_request13 cr13;
    tlsio_certificate_request12 cr12;
    tlsio_certificate_verify cv;
    tlsio_server_key_exchange_ecdhe ske;
    tlsio_client_key_exchange_ecdhe cke;
    tlsio_finished fin;
    tlsio_new_session_ticket13 nst13;
    tlsio_new_session_ticket12 nst12;
    tlsio_key_update ku;
    tlsio_empty_msg empty;
};

// ---- RFC 8448 §3 (simple 1-RTT handshake) ---------------------------------------------------
const char *kCH =
    "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2"
    "ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65"
    "72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03"
    "01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba"
    "fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04"
    "03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d"
    "00 02 01 01 00 1c 00 02 40 01";
const char *kSH = "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb"
                  "14 34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82"
                  "88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e"
                  "75 1f 0f 00 2b 00 02 03 04";
const char *kEE = "08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01"
                  "03 01 04 00 1c 00 02 40 01 00 00 00 00";
const char *kCert =
    "0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30 0d 06 09"
    "2a 86 48 86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 1e 17 0d"
    "31 36 30 37 33 30 30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 39 5a 30 0e 31"
    "0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00"
    "03 81 8d 00 30 81 89 02 81 81 00 b4 bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de"
    "55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e aa 6a"
    "f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52 4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a"
    "5f da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93 ef f0 ab 9a"
    "80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03 01 00 01 a3 1a 30 18 30 09 06 03 55 1d 13"
    "04 02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05"
    "00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a 72 67 17 06 18 a5 4c 5f 8a 7b 33 7d 2d"
    "f7 a5 94 36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2 1a 03 01 51 56"
    "72 60 96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c"
    "3c 54 e9 b9 eb 2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96"
    "12 29 ac 91 87 b4 2b 4d e1 00 00";
const char *kCV = "0f 00 00 84 08 04 00 80 5a 74 7c 5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82"
                  "4c d4 84 14 5a b3 ff 52 f1 fd a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07 86"
                  "53 fa 6b ef 78 0c 5e a2 48 ee aa a7 85 c4 f3 94 ca b6 d3 0b be 8d 48 59 ee 51 1f"
                  "60 29 57 b1 54 11 ac 02 76 71 45 9e 46 44 5c 9e a5 8c 18 1e 81 8e 95 b8 c3 fb 0b"
                  "f3 27 84 09 d3 be 15 2a 3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d 53 df ac d4 2f 74"
                  "f3";
const char *kServerFinished = "14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4"
                              "2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18";
const char *kClientFinished = "14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1"
                              "76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61";
const char *kTicket = // the 178-byte ticket inside the NewSessionTicket (and §4's PSK identity)
    "2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00 00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf"
    "1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9 82 11 72 83 f8 2a 03"
    "a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d"
    "a4 d2 9e e0 37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90 6c 5b 3f 7d 8f"
    "92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7"
    "91 41 ef 5f 7d e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57";
std::string NstHex() {
    return std::string("04 00 00 c9 00 00 00 1e fa d6 aa c5 02 00 00 00 b2") + kTicket +
           "00 08 00 2a 00 04 00 00 04 00";
}
// ---- RFC 8448 §4 (resumed 0-RTT ClientHello, with pre_shared_key and padding) ----------------
std::string ResumedChHex() {
    std::string s = "01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff 93 83 55 b5 a5 0a db 6d b2 1b 7a 6a"
                    "f6 49 d7 b4 bc 41 9d 78 76 48 7d 95 00 00 06 13 01 13 03 13 02 01 00 01 cd 00"
                    "00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12 00"
                    "1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 33 00 26 00 24 00 1d 00"
                    "20 e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34 6c 6b e1 64 82 ba dd da fe 05 1a"
                    "66 b4 f1 8d 66 8f 0b 00 2a 00 00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03"
                    "05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02"
                    "02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00 57";
    for (int i = 0; i < 0x57; i++)
        s += " 00";
    s += "00 29 00 dd 00 b8 00 b2";
    s += kTicket;
    s += "fa d6 aa c5 00 21 20 3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92"
         "4d 57 bb 6f a3 1b 9e 5f 9d";
    return s;
}
// ---- RFC 8448 §5 (HelloRetryRequest) ----------------------------------------------------------
const char *kHRR =
    "02 00 00 ac 03 03 cf 21 ad 74 e5 9a 61 11 be 1d 8c 02 1e 65 b8 91 c2 a2 11 16 7a bb 8c 5e 07"
    "9e 09 e2 c8 a8 33 9c 00 13 01 00 00 84 00 33 00 02 00 17 00 2c 00 74 00 72 71 dc d0 4b b8 8b"
    "c3 18 91 19 39 8a 00 00 00 00 ee fa fc 76 c1 46 b8 23 b0 96 f8 aa ca d3 65 dd 00 30 95 3f 4e"
    "df 62 56 36 e5 f2 1b b2 e2 3f cc 65 4b 1b 5b 40 31 8d 10 d1 37 ab cb b8 75 74 e3 6e 8a 1f 02"
    "5f 7d fa 5d 6e 50 78 1b 5e da 4a a1 5b 0c 8b e7 78 25 7d 16 aa 30 30 e9 e7 84 1d d9 e4 c0 34"
    "22 67 e8 ca 0c af 57 1f b2 b7 cf f0 f9 34 b0 00 2b 00 02 03 04";

std::string Rep(const char *byte, int n) {
    std::string s;
    for (int i = 0; i < n; i++)
        (s += " ") += byte;
    return s;
}

// Wraps a body in a handshake header.
std::string Msg(int type, const std::string &body_hex) {
    Bytes b = Hex(body_hex);
    char hdr[16];
    snprintf(hdr, sizeof hdr, "%02x %06zx ", type, b.size());
    return hdr + body_hex;
}

struct Sample {
    std::string name;
    uint16_t version;
    std::string hex; // a whole handshake message, header included
};

std::vector<Sample> Samples() {
    const std::string rnd = Rep("11", 32);
    std::vector<Sample> v = {
        {"rfc8448_client_hello", TLS_VERSION_1_3, kCH},
        {"rfc8448_server_hello", TLS_VERSION_1_3, kSH},
        {"rfc8448_encrypted_extensions", TLS_VERSION_1_3, kEE},
        {"rfc8448_certificate", TLS_VERSION_1_3, kCert},
        {"rfc8448_certificate_verify", TLS_VERSION_1_3, kCV},
        {"rfc8448_server_finished", TLS_VERSION_1_3, kServerFinished},
        {"rfc8448_client_finished", TLS_VERSION_1_3, kClientFinished},
        {"rfc8448_new_session_ticket", TLS_VERSION_1_3, NstHex()},
        {"rfc8448_resumed_client_hello", TLS_VERSION_1_3, ResumedChHex()},
        {"rfc8448_hello_retry_request", TLS_VERSION_1_3, kHRR},
        // TLS 1.3, hand-built.
        {"cr13", TLS_VERSION_1_3,
         Msg(13, "00 00 1b 00 0d 00 06 00 04 04 03 08 04 00 2f 00 05 00 03 00 01 41"
                 " 00 05 00 00 fa fa 00 00")}, // status_request is empty here (RFC 8446 §4.4.2.1)
        {"cr13_with_context", TLS_VERSION_1_3,
         Msg(13, "04 01 02 03 04 00 0a 00 32 00 06 00 04 04 03 08 04")},
        {"cert13_with_ocsp_and_two_entries", TLS_VERSION_1_3,
         Msg(11, "00 00 00 1a 00 00 03 aa bb cc 00 0b 00 05 00 07 01 00 00 03 01 02 03"
                 " 00 00 02 dd ee 00 00")},
        {"cert13_empty_list_with_context", TLS_VERSION_1_3, Msg(11, "02 ab cd 00 00 00")},
        {"ee_alpn_sni_early_rsl", TLS_VERSION_1_3,
         Msg(8, "00 17 00 10 00 05 00 03 02 68 32 00 00 00 00 00 2a 00 00 00 1c 00 02 40 01")},
        {"ee_empty", TLS_VERSION_1_3, Msg(8, "00 00")},
        {"key_update_0", TLS_VERSION_1_3, Msg(24, "00")},
        {"key_update_1", TLS_VERSION_1_3, Msg(24, "01")},
        {"finished_sha384", TLS_VERSION_1_3, Msg(20, Rep("5a", 48))},
        {"nst13_unknown_ext", TLS_VERSION_1_3,
         Msg(4, "00 00 1c 20 01 02 03 04 01 00 00 02 ab cd 00 04 fe fe 00 00")},
        {"sh13_with_psk", TLS_VERSION_1_3,
         Msg(2, "03 03" + rnd +
                    " 00 13 02 00 00 16 00 2b 00 02 03 04 00 29 00 02 00 00"
                    " 00 33 00 06 00 17 00 02 ab cd")},
        // TLS 1.2, hand-built.
        {"ch12_no_extensions", TLS_VERSION_1_2,
         Msg(1, "03 03" + rnd + " 00 00 04 c0 2f c0 30 01 00")},
        {"ch12_all_extensions", TLS_VERSION_1_2,
         Msg(1, "03 03" + rnd + " 20" + Rep("22", 32) +
                    " 00 02 c0 2f 01 00 00 5f"
                    " 00 00 00 0e 00 0c 00 00 09 6c 6f 63 61 6c 68 6f 73 74" // server_name
                    " 00 17 00 00"                                           // EMS
                    " ff 01 00 01 00"                                        // renegotiation_info
                    " 00 0b 00 02 01 00"                                     // ec_point_formats
                    " 00 0a 00 04 00 02 00 17"                               // supported_groups
                    " 00 0d 00 06 00 04 04 03 08 04"                         // signature_algorithms
                    " 00 23 00 00"                                           // session_ticket
                    " 00 10 00 0e 00 0c 02 68 32 08 68 74 74 70 2f 31 2e 31" // ALPN
                    " 00 05 00 05 01 00 00 00 00"                            // status_request
                    " 00 1c 00 02 40 01"                                     // record_size_limit
                    " 00 15 00 03 00 00 00")},                               // padding
        {"sh12_no_extensions", TLS_VERSION_1_2, Msg(2, "03 03" + rnd + " 00 c0 2f 00")},
        {"sh12_extensions", TLS_VERSION_1_2,
         Msg(2, "03 03" + rnd + " 20" + Rep("33", 32) +
                    " c0 2f 00 00 2a"
                    " ff 01 00 01 00 00 17 00 00 00 0b 00 02 01 00 00 23 00 00 00 00 00 00"
                    " 00 05 00 00 00 10 00 05 00 03 02 68 32 00 1c 00 02 40 00")},
        {"cert12", TLS_VERSION_1_2, Msg(11, "00 00 0b 00 00 03 01 02 03 00 00 02 04 05")},
        {"cert12_empty", TLS_VERSION_1_2, Msg(11, "00 00 00")},
        {"ske_ecdhe", TLS_VERSION_1_2,
         Msg(12, "03 00 1d 20" + Rep("44", 32) + " 08 04 00 08" + Rep("55", 8))},
        {"shd", TLS_VERSION_1_2, Msg(14, "")},
        {"hello_request", TLS_VERSION_1_2, Msg(0, "")},
        {"cke_ecdhe", TLS_VERSION_1_2, Msg(16, "41 04" + Rep("66", 64))},
        {"cr12_no_cas", TLS_VERSION_1_2, Msg(13, "02 01 40 00 04 04 01 04 03 00 00")},
        {"cr12_cas", TLS_VERSION_1_2,
         Msg(13, "01 01 00 02 04 01 00 0a 00 03 30 01 00 00 03 30 01 01")},
        {"cv12", TLS_VERSION_1_2, Msg(15, "04 01 00 03 01 02 03")},
        {"finished12", TLS_VERSION_1_2, Msg(20, Rep("77", 12))},
        {"nst12", TLS_VERSION_1_2, Msg(4, "00 00 1c 20 00 04 de ad be ef")},
        {"nst12_empty_ticket", TLS_VERSION_1_2, Msg(4, "00 00 00 00 00 00")},
    };
    return v;
}

// Decodes a whole handshake message with the table's codec.
int DecodeMsg(const Bytes &msg, uint16_t version, AnyMsg *out, tlsio_err *err,
              const tlsio_codec **codec, uint8_t *type, CBS *body) {
    CBS in;
    CBS_init(&in, msg.data(), msg.size());
    uint8_t msg_type;
    uint32_t length;
    if (!CBS_get_u8(&in, &msg_type) || !CBS_get_u24(&in, &length)) return -101;
    if (length != CBS_len(&in)) return -100;
    *type = msg_type;
    *codec = tlsio_msg_codec(*type, version, err);
    if (!*codec) return err->code;
    *body = in;
    return tlsio_decode(*codec, &in, out, err);
}

class MsgSample : public ::testing::TestWithParam<Sample> {};

TEST_P(MsgSample, RoundTripsByteExact) {
    Bytes msg = Hex(GetParam().hex);
    AnyMsg m;
    tlsio_err err;
    tlsio_err_clear(&err);
    const tlsio_codec *c = nullptr;
    uint8_t type = 0;
    CBS body;
    ASSERT_EQ(0, DecodeMsg(msg, GetParam().version, &m, &err, &c, &type, &body)) << err.msg;
    CBB out;
    ASSERT_TRUE(CBB_init(&out, 64));
    int r = tlsio_hs_encode(type, c, &m, &out, &err);
    EXPECT_EQ(0, r) << err.msg;
    EXPECT_EQ(ToHex(msg), ToHex(CBB_data(&out), CBB_len(&out)));
    CBB_cleanup(&out);
}

TEST_P(MsgSample, EveryTruncationFailsWithDecodeError) {
    Bytes msg = Hex(GetParam().hex);
    AnyMsg m;
    tlsio_err err;
    tlsio_err_clear(&err);
    const tlsio_codec *c = nullptr;
    uint8_t type = 0;
    CBS body;
    ASSERT_EQ(0, DecodeMsg(msg, GetParam().version, &m, &err, &c, &type, &body)) << err.msg;
    const bool opt_exts = c->n > 0 && c->fields[c->n - 1].kind == TLSIO_F_EXTS_OPT;
    const size_t body_len = CBS_len(&body);
    // Body truncation: a copy of exactly k bytes, so ASan sees any over-read.
    int accepted = 0;
    for (size_t k = 0; k < body_len; k++) {
        std::vector<uint8_t> copy(CBS_data(&body), CBS_data(&body) + k);
        CBS in;
        CBS_init(&in, copy.data(), k);
        tlsio_err_clear(&err);
        // Finished's length is not on the wire: the engine checks it against the length it
        // expects (the hash's), which is what makes every cut detectable.
        int r = tlsio_decode(c, &in, &m, &err);
        if (r == 0 && c == &tlsio_codec_finished && CBS_len(&m.fin.verify_data) != body_len)
            r = tlsio_err_set(&err, TLS_ALERT_DECODE_ERROR, "Finished.verify_data: length %zu",
                              CBS_len(&m.fin.verify_data));
        if (r == 0) {
            // Only legal cut: a TLS 1.2-style hello ending right before its extension block
            // (RFC 5246 §7.4.1.2), which decodes with the block absent.
            ASSERT_TRUE(opt_exts) << "prefix " << k << " accepted";
            const tlsio_exts *e =
                c == &tlsio_codec_client_hello ? &m.ch.extensions : &m.sh.extensions;
            EXPECT_EQ(1, e->absent);
            const uint8_t *p = CBS_data(&body) + k;
            EXPECT_EQ(body_len, k + 2 + (size_t(p[0]) << 8 | p[1]));
            accepted++;
            continue;
        }
        EXPECT_EQ(TLS_ALERT_DECODE_ERROR, r) << "prefix " << k << ": " << err.msg;
        EXPECT_NE(0u, strlen(err.msg));
    }
    EXPECT_LE(accepted, 1);
}

TEST_P(MsgSample, TrailingByteIsDecodeError) {
    Bytes msg = Hex(GetParam().hex);
    AnyMsg m;
    tlsio_err err;
    tlsio_err_clear(&err);
    const tlsio_codec *c = nullptr;
    uint8_t type = 0;
    CBS body;
    ASSERT_EQ(0, DecodeMsg(msg, GetParam().version, &m, &err, &c, &type, &body)) << err.msg;
    std::vector<uint8_t> longer(CBS_data(&body), CBS_data(&body) + CBS_len(&body));
    longer.push_back(0);
    CBS in;
    CBS_init(&in, longer.data(), longer.size());
    tlsio_err_clear(&err);
    int r = tlsio_decode(c, &in, &m, &err);
    // A trailing byte lands in the last field when that field takes the rest (Finished) or
    // makes an absent optional block malformed; everywhere else it is "N trailing byte".
    if (c == &tlsio_codec_finished) {
        EXPECT_TRUE(r == 0 || r == TLS_ALERT_DECODE_ERROR);
    } else {
        ASSERT_EQ(TLS_ALERT_DECODE_ERROR, r);
        const bool absent_block =
            (c == &tlsio_codec_client_hello || c == &tlsio_codec_server_hello) &&
            std::string(err.msg).find("extensions") != std::string::npos;
        if (!absent_block) {
            EXPECT_EQ(std::string(c->name) + ": 1 trailing byte", err.msg);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(All, MsgSample, ::testing::ValuesIn(Samples()),
                         [](const ::testing::TestParamInfo<Sample> &i) { return i.param.name; });

// ---- decoded values of the RFC 8448 samples ------------------------------------------------

template <typename T> T Decode(const tlsio_codec *c, const Bytes &msg, tlsio_err *err, int *r) {
    T out;
    CBS in;
    CBS_init(&in, msg.data() + 4, msg.size() - 4);
    tlsio_err_clear(err);
    *r = tlsio_decode(c, &in, &out, err);
    return out;
}

std::string H(const CBS &c) {
    return ToHex(CBS_data(&c), CBS_len(&c));
}

TEST(Rfc8448, ClientHelloFields) {
    Bytes msg = Hex(kCH);
    tlsio_err err;
    int r;
    auto ch = Decode<tlsio_client_hello>(&tlsio_codec_client_hello, msg, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    EXPECT_EQ(0x0303u, ch.legacy_version);
    EXPECT_EQ("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7", H(ch.random));
    EXPECT_EQ(0u, CBS_len(&ch.legacy_session_id));
    EXPECT_EQ("130113031302", H(ch.cipher_suites));
    EXPECT_EQ(6u, CBS_len(&ch.cipher_suites)); // three suites
    EXPECT_EQ("00", H(ch.legacy_compression_methods));
    const tlsio_exts &e = ch.extensions;
    EXPECT_EQ(TLSIO_CTX_CH, e.ctx);
    EXPECT_EQ(0, e.absent);
    // Wire order: server_name, renegotiation_info, supported_groups, session_ticket, key_share,
    // supported_versions, signature_algorithms, psk_key_exchange_modes, record_size_limit.
    const uint16_t order[] = {0, 0xff01, 10, 35, 51, 43, 13, 45, 28};
    ASSERT_EQ(9, e.n_order);
    for (int i = 0; i < 9; i++)
        EXPECT_EQ(order[i], e.order[i]) << i;
    EXPECT_EQ(0, e.n_unknown);
    for (auto id : {TLSIO_EXT_SERVER_NAME, TLSIO_EXT_RENEGOTIATION_INFO, TLSIO_EXT_SUPPORTED_GROUPS,
                    TLSIO_EXT_SESSION_TICKET, TLSIO_EXT_KEY_SHARE, TLSIO_EXT_SUPPORTED_VERSIONS,
                    TLSIO_EXT_SIGNATURE_ALGORITHMS, TLSIO_EXT_PSK_KEY_EXCHANGE_MODES,
                    TLSIO_EXT_RECORD_SIZE_LIMIT})
        EXPECT_TRUE(tlsio_exts_has(&e, id)) << id;
    EXPECT_FALSE(tlsio_exts_has(&e, TLSIO_EXT_PRE_SHARED_KEY));
    EXPECT_EQ(0x4001u, e.record_size_limit);
    EXPECT_EQ("0304", H(e.supported_versions));
    EXPECT_EQ("0101", H(e.psk_ke_modes).substr(0, 2) + "01");
    EXPECT_EQ("001d00170018001901000101010201030104", H(e.supported_groups));

    CBS names = e.server_name_list;
    tlsio_server_name sn;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_server_name, &names, &sn, &err));
    EXPECT_EQ(0u, sn.name_type);
    EXPECT_EQ("server", std::string(reinterpret_cast<const char *>(CBS_data(&sn.host_name)),
                                    CBS_len(&sn.host_name)));
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&tlsio_codec_server_name, &names, &sn, &err));

    CBS shares = e.key_share_client_shares;
    tlsio_key_share_entry ks;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_key_share_entry, &shares, &ks, &err));
    EXPECT_EQ(0x001du, ks.group);
    EXPECT_EQ("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c",
              H(ks.key_exchange));
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&tlsio_codec_key_share_entry, &shares, &ks, &err));
}

TEST(Rfc8448, ServerHelloPicksTls13Context) {
    Bytes msg = Hex(kSH);
    tlsio_err err;
    int r;
    auto sh = Decode<tlsio_server_hello>(&tlsio_codec_server_hello, msg, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    EXPECT_FALSE(tlsio_server_hello_is_hrr(&sh));
    EXPECT_EQ(TLSIO_CTX_SH, sh.extensions.ctx);
    EXPECT_EQ(0x1301u, sh.cipher_suite);
    EXPECT_EQ(0x0304u, sh.extensions.selected_version);
    EXPECT_EQ(0x001du, sh.extensions.key_share_server_share.group);
    EXPECT_EQ("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f",
              H(sh.extensions.key_share_server_share.key_exchange));
}

TEST(Rfc8448, HelloRetryRequestPicksHrrContext) {
    Bytes msg = Hex(kHRR);
    tlsio_err err;
    int r;
    auto sh = Decode<tlsio_server_hello>(&tlsio_codec_server_hello, msg, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    EXPECT_TRUE(tlsio_server_hello_is_hrr(&sh));
    EXPECT_EQ(TLSIO_CTX_HRR, sh.extensions.ctx);
    EXPECT_EQ(0x0017u, sh.extensions.key_share_selected_group);
    EXPECT_EQ(0x0304u, sh.extensions.selected_version);
    EXPECT_EQ(0x72u, CBS_len(&sh.extensions.cookie));
    EXPECT_TRUE(tlsio_exts_has(&sh.extensions, TLSIO_EXT_COOKIE));
}

TEST(Rfc8448, CertificateAndVerifyAndTicket) {
    tlsio_err err;
    int r;
    Bytes cert = Hex(kCert);
    auto c = Decode<tlsio_certificate13>(&tlsio_codec_certificate13, cert, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    EXPECT_EQ(0u, CBS_len(&c.certificate_request_context));
    CBS list = c.certificate_list;
    tlsio_certificate_entry ce;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_certificate_entry, &list, &ce, &err));
    EXPECT_EQ(0x1b0u, CBS_len(&ce.cert_data));
    EXPECT_EQ(0x30, CBS_data(&ce.cert_data)[0]);
    EXPECT_EQ(0u, ce.extensions.present);
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&tlsio_codec_certificate_entry, &list, &ce, &err));

    Bytes cvb = Hex(kCV);
    auto cv = Decode<tlsio_certificate_verify>(&tlsio_codec_certificate_verify, cvb, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    EXPECT_EQ(0x0804u, cv.algorithm);
    EXPECT_EQ(0x80u, CBS_len(&cv.signature));

    Bytes nstb = Hex(NstHex());
    auto nst =
        Decode<tlsio_new_session_ticket13>(&tlsio_codec_new_session_ticket13, nstb, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    EXPECT_EQ(0x1eu, nst.ticket_lifetime);
    EXPECT_EQ(0xfad6aac5u, nst.ticket_age_add);
    EXPECT_EQ("0000", H(nst.ticket_nonce));
    EXPECT_EQ(178u, CBS_len(&nst.ticket));
    EXPECT_TRUE(tlsio_exts_has(&nst.extensions, TLSIO_EXT_EARLY_DATA));
    EXPECT_EQ(0x400u, nst.extensions.early_data_max_size);

    Bytes fin = Hex(kServerFinished);
    auto f = Decode<tlsio_finished>(&tlsio_codec_finished, fin, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    EXPECT_EQ("9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718", H(f.verify_data));
}

TEST(Rfc8448, ResumedClientHelloOfferedPsk) {
    Bytes msg = Hex(ResumedChHex());
    ASSERT_EQ(512u, msg.size()); // RFC 8448 §4: "ClientHello (512 octets)"
    tlsio_err err;
    int r;
    auto ch = Decode<tlsio_client_hello>(&tlsio_codec_client_hello, msg, &err, &r);
    ASSERT_EQ(0, r) << err.msg;
    const tlsio_exts &e = ch.extensions;
    ASSERT_TRUE(tlsio_exts_has(&e, TLSIO_EXT_PRE_SHARED_KEY));
    EXPECT_EQ(TLSIO_EXTTYPE_PRE_SHARED_KEY, e.order[e.n_order - 1]);
    EXPECT_TRUE(tlsio_exts_has(&e, TLSIO_EXT_EARLY_DATA));
    EXPECT_EQ(0x57u, CBS_len(&e.padding));
    CBS ids = e.psk_offered.identities;
    tlsio_psk_identity id;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_psk_identity, &ids, &id, &err));
    EXPECT_EQ(178u, CBS_len(&id.identity));
    EXPECT_EQ(0xfad6aac5u, id.obfuscated_ticket_age);
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&tlsio_codec_psk_identity, &ids, &id, &err));
    CBS binders = e.psk_offered.binders;
    tlsio_bytes b;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_psk_binder, &binders, &b, &err));
    EXPECT_EQ("3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d", H(b.v));
}

// ---- message table -----------------------------------------------------------------------

TEST(MsgTable, VersionsAndNeverValid) {
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(&tlsio_codec_certificate13, tlsio_msg_codec(11, TLS_VERSION_1_3, &err));
    EXPECT_EQ(&tlsio_codec_certificate12, tlsio_msg_codec(11, TLS_VERSION_1_2, &err));
    EXPECT_EQ(&tlsio_codec_new_session_ticket12, tlsio_msg_codec(4, TLS_VERSION_1_2, &err));
    EXPECT_EQ(0, err.code);

    EXPECT_EQ(nullptr, tlsio_msg_codec(TLSIO_HS_END_OF_EARLY_DATA, TLS_VERSION_1_3, &err));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, err.code);
    EXPECT_STREQ("EndOfEarlyData: never accepted (no 0-RTT)", err.msg);

    tlsio_err_clear(&err);
    EXPECT_EQ(nullptr, tlsio_msg_codec(TLSIO_HS_SERVER_KEY_EXCHANGE, TLS_VERSION_1_3, &err));
    EXPECT_STREQ("ServerKeyExchange: not a TLS 1.3 message", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(nullptr, tlsio_msg_codec(TLSIO_HS_KEY_UPDATE, TLS_VERSION_1_2, &err));
    EXPECT_STREQ("KeyUpdate: not a TLS 1.2 message", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(nullptr, tlsio_msg_codec(TLSIO_HS_ENCRYPTED_EXTENSIONS, TLS_VERSION_1_2, &err));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, err.code);
    tlsio_err_clear(&err);
    EXPECT_EQ(nullptr, tlsio_msg_codec(99, TLS_VERSION_1_3, &err));
    EXPECT_STREQ("handshake type 99: unknown", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(nullptr, tlsio_msg_codec(TLSIO_HS_MESSAGE_HASH, TLS_VERSION_1_3, &err));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, err.code);
}

TEST(MsgValues, KeyUpdateValueOutsideRangeIsIllegalParameter) {
    for (int v = 2; v < 256; v += 37) {
        uint8_t b = static_cast<uint8_t>(v);
        CBS in;
        CBS_init(&in, &b, 1);
        tlsio_key_update ku;
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
                  tlsio_decode(&tlsio_codec_key_update, &in, &ku, &err));
        EXPECT_EQ("KeyUpdate.request_update: value " + std::to_string(v) +
                      " not allowed (allowed 0..1)",
                  err.msg);
    }
}

TEST(MsgValues, ServerKeyExchangeCurveTypeMustBeNamedCurve) {
    Bytes body = Hex("01 00 1d 01 aa 04 03 00 00"); // explicit_prime (1)
    CBS in;
    CBS_init(&in, body.data(), body.size());
    tlsio_server_key_exchange_ecdhe ske;
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER,
              tlsio_decode(&tlsio_codec_server_key_exchange_ecdhe, &in, &ske, &err));
    EXPECT_STREQ("ServerKeyExchange.curve_type: value 1 not allowed (must be 3)", err.msg);
}

// The compression method is decoded as any byte; the client refuses a non-zero one with the
// alert of the negotiated version (engine12_negative_test, engine13_negative_test).
TEST(MsgValues, ServerHelloCompressionIsDecodedAsIs) {
    Bytes body = Hex("03 03" + Rep("00", 32) + " 00 c0 2f 01");
    CBS in;
    CBS_init(&in, body.data(), body.size());
    tlsio_server_hello sh;
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_decode(&tlsio_codec_server_hello, &in, &sh, &err)) << err.msg;
    EXPECT_EQ(1u, sh.legacy_compression_method);
}

TEST(MsgValues, Tls12ServerHelloWithoutSupportedVersionsUsesSh12Context) {
    Bytes body = Hex("03 03" + Rep("00", 32) + " 00 c0 2f 00 00 04 00 17 00 00");
    CBS in;
    CBS_init(&in, body.data(), body.size());
    tlsio_server_hello sh;
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_decode(&tlsio_codec_server_hello, &in, &sh, &err)) << err.msg;
    EXPECT_EQ(TLSIO_CTX_SH12, sh.extensions.ctx);
    EXPECT_TRUE(tlsio_exts_has(&sh.extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET));
    // key_share belongs to TLS 1.3 only: in a TLS 1.2 ServerHello it is misplaced.
    Bytes bad = Hex("03 03" + Rep("00", 32) + " 00 c0 2f 00 00 06 00 33 00 02 00 17");
    CBS_init(&in, bad.data(), bad.size());
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, tlsio_decode(&tlsio_codec_server_hello, &in, &sh, &err));
    EXPECT_STREQ("ServerHello.extensions: key_share not allowed here", err.msg);
}

TEST(MsgValues, FinishedLengthBounds) {
    for (size_t n : {0, 11, 49}) {
        Bytes body(n, 0xab);
        CBS in;
        CBS_init(&in, body.data(), body.size());
        tlsio_finished f;
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(TLS_ALERT_DECODE_ERROR, tlsio_decode(&tlsio_codec_finished, &in, &f, &err));
    }
}

// ---- framing helpers ---------------------------------------------------------------------

TEST(Framing, EncodeBuildsHandshakeMessageFromStruct) {
    // What the engine does: fill a struct, encode with header, for the transcript.
    tlsio_finished f;
    uint8_t vd[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    CBS_init(&f.verify_data, vd, sizeof vd);
    CBB out;
    ASSERT_TRUE(CBB_init(&out, 16));
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_hs_encode(TLSIO_HS_FINISHED, &tlsio_codec_finished, &f, &out, &err));
    EXPECT_EQ("1400000c0102030405060708090a0b0c", ToHex(CBB_data(&out), CBB_len(&out)));
    CBB_cleanup(&out);
}

} // namespace

// RFC 5246 §7.4.4: the TLS 1.2 CertificateRequest's three lists are bounded and whole.
TEST(MsgValues, CertificateRequest12Bounds) {
    struct Case {
        const char *body, *msg;
    } cases[] = {
        {"00 00 02 04 03 00 00", "CertificateRequest.certificate_types: length 0 below minimum 1"},
        {"01 40 00 00 00 00",
         "CertificateRequest.supported_signature_algorithms: length 0 below minimum 2"},
        {"01 40 00 03 04 03 01 00 00", "CertificateRequest.supported_signature_algorithms"},
        {"01 40 00 02 04 03 00 02 00 00", "CertificateRequest.certificate_authorities"},
    };
    for (const Case &c : cases) {
        Bytes body = Hex(c.body);
        CBS in;
        CBS_init(&in, body.data(), body.size());
        tlsio_certificate_request12 cr;
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(TLS_ALERT_DECODE_ERROR,
                  tlsio_decode(&tlsio_codec_certificate_request12, &in, &cr, &err))
            << c.body;
        EXPECT_NE(std::string::npos, std::string(err.msg).find(c.msg)) << err.msg;
    }
}
