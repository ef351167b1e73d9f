// Handshake message codecs against real bytes: RFC 8448 traces and hand-built TLS 1.2 messages.
// Every sample must round-trip byte-exact, and every truncation must fail cleanly.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hex.h"
#include "msgs.h"
#include "rfc8448.h"

using tlsio_test::Bytes;
using tlsio_test::Hex;
using tlsio_test::Rep;
using tlsio_test::ToHex;
using namespace tlsio_test::rfc8448;

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

// ---- RFC 8448 (the trace's messages are in rfc8448.h) ----------------------------------------

// §3: the NewSessionTicket.
std::string NstHex() {
    return std::string("04 00 00 c9 00 00 00 1e fa d6 aa c5 02 00 00 00 b2") + kTicket +
           "00 08 00 2a 00 04 00 00 04 00";
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
        {"rfc8448_client_hello", TLS_VERSION_1_3, kClientHello},
        {"rfc8448_server_hello", TLS_VERSION_1_3, kServerHello},
        {"rfc8448_encrypted_extensions", TLS_VERSION_1_3, kEncryptedExtensions},
        {"rfc8448_certificate", TLS_VERSION_1_3, kCertificate},
        {"rfc8448_certificate_verify", TLS_VERSION_1_3, kCertificateVerify},
        {"rfc8448_server_finished", TLS_VERSION_1_3, kServerFinished},
        {"rfc8448_client_finished", TLS_VERSION_1_3, kClientFinished},
        {"rfc8448_new_session_ticket", TLS_VERSION_1_3, NstHex()},
        {"rfc8448_resumed_client_hello", TLS_VERSION_1_3, kResClientHello},
        {"rfc8448_hello_retry_request", TLS_VERSION_1_3, kHelloRetryRequest},
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

// Each test starts from the sample decoded: its bytes, message, codec, type and body.
class MsgSample : public ::testing::TestWithParam<Sample> {
  protected:
    Bytes msg;
    AnyMsg m;
    tlsio_err err;
    const tlsio_codec *c = nullptr;
    uint8_t type = 0;
    CBS body;
    void DecodeParam() {
        msg = Hex(GetParam().hex);
        tlsio_err_clear(&err);
        ASSERT_EQ(0, DecodeMsg(msg, GetParam().version, &m, &err, &c, &type, &body)) << err.msg;
    }
};

TEST_P(MsgSample, RoundTripsByteExact) {
    ASSERT_NO_FATAL_FAILURE(DecodeParam());
    CBB out;
    ASSERT_TRUE(CBB_init(&out, 64));
    int r = tlsio_hs_encode(type, c, &m, &out, &err);
    EXPECT_EQ(0, r) << err.msg;
    EXPECT_EQ(ToHex(msg), ToHex(CBB_data(&out), CBB_len(&out)));
    CBB_cleanup(&out);
}

TEST_P(MsgSample, EveryTruncationFailsWithDecodeError) {
    ASSERT_NO_FATAL_FAILURE(DecodeParam());
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
    ASSERT_NO_FATAL_FAILURE(DecodeParam());
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
    Bytes msg = Hex(kClientHello);
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
    Bytes msg = Hex(kServerHello);
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
    Bytes msg = Hex(kHelloRetryRequest);
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
    Bytes cert = Hex(kCertificate);
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

    Bytes cvb = Hex(kCertificateVerify);
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
    Bytes msg = Hex(kResClientHello);
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
    EXPECT_EQ(0xfad6aacbu, id.obfuscated_ticket_age); // the ticket is 6 ms old
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&tlsio_codec_psk_identity, &ids, &id, &err));
    CBS binders = e.psk_offered.binders;
    tlsio_bytes b;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_psk_binder, &binders, &b, &err));
    EXPECT_EQ(kResBinder, H(b.v));
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
