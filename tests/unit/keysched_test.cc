// TLS 1.3 key schedule and transcript hash against RFC 8448 (Example Handshake Traces for
// TLS 1.3): §3 simple 1-RTT, §4 resumption PSK and binder, §5 HelloRetryRequest. The traces'
// values are in rfc8448.h; a value the RFC does not print (KeyUpdate, exporter output) is
// recomputed here by hand from the RFC 8446 definition with raw HKDF.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <openssl/bytestring.h>
#include <openssl/curve25519.h>

#include "hex.h"
#include "keysched.h"
#include "msgs.h"
#include "record.h"
#include "rfc8448.h"
#include "transcript.h"

using tlsio_test::Bytes;
using tlsio_test::Hex;
using tlsio_test::ToHex;
using namespace tlsio_test::rfc8448;

namespace {

void Add(tlsio_transcript *t, const char *msg) {
    Bytes b = Hex(msg);
    tlsio_transcript_update(t, b.data(), b.size());
}

std::string Digest(const tlsio_transcript &t) {
    tlsio_err err;
    tlsio_err_clear(&err);
    uint8_t out[TLSIO_MAX_HASH_LEN];
    size_t n = 0;
    EXPECT_EQ(0, tlsio_transcript_digest(&t, out, &n, &err)) << err.msg;
    return ToHex(out, n);
}

class KeySchedTest : public ::testing::Test {
  protected:
    void SetUp() override {
        tlsio_err_clear(&err);
    }
    std::string Derive(const tlsio_keysched &ks, tlsio_ks_secret which, const Bytes &th) {
        uint8_t out[TLSIO_MAX_HASH_LEN];
        EXPECT_EQ(0, tlsio_ks_derive(&ks, which, th.empty() ? nullptr : th.data(), out, &err))
            << err.msg;
        return ToHex(out, tlsio_hash_len(ks.alg));
    }
    // RFC 8448 prints each traffic key/iv pair; checks one.
    void ExpectKeys(const char *secret, const char *key, const char *iv) {
        tlsio_traffic_keys k;
        Bytes s = Hex(secret);
        ASSERT_EQ(0, tlsio_traffic_keys_derive(TLSIO_SHA256, TLSIO_AES_128_GCM, s.data(), &k, &err))
            << err.msg;
        EXPECT_EQ(key, ToHex(k.key, k.key_len));
        EXPECT_EQ(iv, ToHex(k.iv, sizeof(k.iv)));
        tlsio_traffic_keys_wipe(&k);
    }
    std::string FinishedKey(const char *base) {
        Bytes b = Hex(base);
        uint8_t out[32];
        EXPECT_EQ(0, tlsio_finished_key(TLSIO_SHA256, b.data(), out, &err)) << err.msg;
        return ToHex(out, 32);
    }
    std::string VerifyData(const char *base, const std::string &th_hex) {
        Bytes b = Hex(base), th = Hex(th_hex);
        uint8_t out[32];
        EXPECT_EQ(0, tlsio_finished_verify_data(TLSIO_SHA256, b.data(), th.data(), out, &err))
            << err.msg;
        return ToHex(out, 32);
    }
    // Opens one TLS 1.3 record (TLS_AES_128_GCM_SHA256, sequence number 0) with the keys of
    // a traffic secret; returns the plaintext, which must be handshake messages.
    Bytes OpenRecord(const char *secret_hex, const char *record_hex) {
        Bytes secret = Hex(secret_hex), rec = Hex(record_hex);
        tlsio_traffic_keys k;
        tlsio_rl_dir d;
        tlsio_rl_dir_init(&d);
        EXPECT_EQ(
            0, tlsio_traffic_keys_derive(TLSIO_SHA256, TLSIO_AES_128_GCM, secret.data(), &k, &err));
        EXPECT_EQ(0, tlsio_rl_set_tls13(&d, TLSIO_AES_128_GCM, k.key, k.key_len, k.iv, &err));
        tlsio_traffic_keys_wipe(&k);
        uint8_t type = 0, *pt = nullptr;
        size_t n = 0;
        EXPECT_EQ(0, tlsio_rl_open(&d, rec.data(), rec.size(), &type, &pt, &n, &err)) << err.msg;
        tlsio_rl_dir_wipe(&d);
        EXPECT_EQ(TLSIO_CT_HANDSHAKE, type);
        return pt != nullptr ? Bytes(pt, pt + n) : Bytes();
    }
    tlsio_err err;
};

// The transcript hashes RFC 8448 §3 prints, from the raw messages it prints.
TEST(Transcript, Rfc8448SimpleHandshakeHashes) {
    tlsio_transcript t;
    tlsio_transcript_init(&t);
    Add(&t, kClientHello);
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA256, &err));
    Add(&t, kServerHello);
    EXPECT_EQ(kThChSh, Digest(t));
    for (const char *m : {kEncryptedExtensions, kCertificate, kCertificateVerify, kServerFinished})
        Add(&t, m);
    EXPECT_EQ(kThChSfin, Digest(t));
    Add(&t, kClientFinished);
    EXPECT_EQ(kThChCfin, Digest(t));
    tlsio_transcript_wipe(&t);
}

// Before the suite is known both hashes run over the same bytes.
TEST(Transcript, BothHashesRunUntilOneIsChosen) {
    tlsio_transcript t;
    tlsio_transcript_init(&t);
    Add(&t, kClientHello);
    Bytes ch = Hex(kClientHello);
    uint8_t got[48], want[48];
    tlsio_err err;
    tlsio_err_clear(&err);
    tlsio_hash_oneshot(TLSIO_SHA384, ch.data(), ch.size(), want);

    // Asking for "the" digest before the choice is a usage error with a sentence.
    size_t n = 0;
    EXPECT_EQ(TLS_E_USAGE, tlsio_transcript_digest(&t, got, &n, &err));
    EXPECT_STREQ("transcript: hash not chosen yet", err.msg);

    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA384, &err));
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA384, &err)); // same again: fine
    ASSERT_EQ(0, tlsio_transcript_digest(&t, got, &n, &err));
    EXPECT_EQ(48u, n);
    EXPECT_EQ(ToHex(want, 48), ToHex(got, 48));

    // The choice is final.
    EXPECT_EQ(TLS_E_USAGE, tlsio_transcript_set_hash(&t, TLSIO_SHA256, &err));
    EXPECT_STREQ("transcript: hash already chosen", err.msg);
    tlsio_transcript_wipe(&t);
}

// RFC 8446 §4.4.1 synthetic message, checked byte by byte with SHA-384 (the RFC 8448 HRR trace
// below covers SHA-256).
TEST(Transcript, HrrRestartBuildsMessageHash) {
    Bytes ch1 = Hex(kClientHello), extra = {0x02, 0x00, 0x00, 0x00};
    tlsio_transcript t;
    tlsio_transcript_init(&t);
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_E_USAGE, tlsio_transcript_hrr_restart(&t, &err));
    EXPECT_STREQ("transcript: HelloRetryRequest rule needs the hash chosen first", err.msg);
    tlsio_err_clear(&err);

    tlsio_transcript_update(&t, ch1.data(), ch1.size());
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA384, &err));
    ASSERT_EQ(0, tlsio_transcript_hrr_restart(&t, &err));
    tlsio_transcript_update(&t, extra.data(), extra.size());

    Bytes expect = {254, 0, 0, 48};
    expect.resize(4 + 48);
    tlsio_hash_oneshot(TLSIO_SHA384, ch1.data(), ch1.size(), expect.data() + 4);
    expect.insert(expect.end(), extra.begin(), extra.end());
    uint8_t want[48], got[48];
    tlsio_hash_oneshot(TLSIO_SHA384, expect.data(), expect.size(), want);
    size_t n = 0;
    ASSERT_EQ(0, tlsio_transcript_digest(&t, got, &n, &err));
    EXPECT_EQ(ToHex(want, 48), ToHex(got, n));
    tlsio_transcript_wipe(&t);
}

// RFC 8448 §3: every secret, key, IV and Finished value of the trace, in the trace's order.
TEST_F(KeySchedTest, Rfc8448Simple1Rtt) {
    tlsio_keysched ks;
    tlsio_ks_init(&ks, TLSIO_SHA256);
    ASSERT_EQ(0, tlsio_ks_early(&ks, nullptr, 0, &err)) << err.msg;
    EXPECT_EQ(kEarly, ToHex(ks.secret, 32));

    uint8_t derived[32];
    ASSERT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, ks.secret, "derived", nullptr, derived, &err));
    EXPECT_EQ(kDerivedForHs, ToHex(derived, 32));

    Bytes ecdhe = Hex(kEcdhe);
    ASSERT_EQ(0, tlsio_ks_handshake(&ks, ecdhe.data(), ecdhe.size(), &err)) << err.msg;
    EXPECT_EQ(kHandshake, ToHex(ks.secret, 32));

    tlsio_transcript t;
    tlsio_transcript_init(&t);
    Add(&t, kClientHello);
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA256, &err));
    Add(&t, kServerHello);
    Bytes th = Hex(Digest(t));
    EXPECT_EQ(kCHsTraffic, Derive(ks, TLSIO_KS_C_HS_TRAFFIC, th));
    EXPECT_EQ(kSHsTraffic, Derive(ks, TLSIO_KS_S_HS_TRAFFIC, th));

    ASSERT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, ks.secret, "derived", nullptr, derived, &err));
    EXPECT_EQ(kDerivedForMs, ToHex(derived, 32));
    ASSERT_EQ(0, tlsio_ks_master(&ks, &err)) << err.msg;
    EXPECT_EQ(kMaster, ToHex(ks.secret, 32));

    // {server} derive write traffic keys for handshake data
    ExpectKeys(kSHsTraffic, "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30");

    // {server} calculate finished "tls13 finished", over ClientHello..CertificateVerify
    for (const char *m : {kEncryptedExtensions, kCertificate, kCertificateVerify})
        Add(&t, m);
    std::string th_cv = Digest(t);
    EXPECT_EQ("008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8",
              FinishedKey(kSHsTraffic));
    EXPECT_EQ("9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718",
              VerifyData(kSHsTraffic, th_cv));

    Add(&t, kServerFinished);
    th = Hex(Digest(t));
    EXPECT_EQ(kCApTraffic, Derive(ks, TLSIO_KS_C_AP_TRAFFIC, th));
    EXPECT_EQ(kSApTraffic, Derive(ks, TLSIO_KS_S_AP_TRAFFIC, th));
    EXPECT_EQ(kExpMaster, Derive(ks, TLSIO_KS_EXP_MASTER, th));

    // {server} derive write traffic keys for application data
    ExpectKeys(kSApTraffic, "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984");
    // {server} derive read traffic keys for handshake data (the client's handshake keys)
    ExpectKeys(kCHsTraffic, "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f");

    // {client} calculate finished "tls13 finished", over ClientHello..server Finished
    EXPECT_EQ("b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4",
              FinishedKey(kCHsTraffic));
    EXPECT_EQ("a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61",
              VerifyData(kCHsTraffic, kThChSfin));

    // {client} derive write traffic keys for application data
    ExpectKeys(kCApTraffic, "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9");

    Add(&t, kClientFinished);
    th = Hex(Digest(t));
    EXPECT_EQ(kResMaster, Derive(ks, TLSIO_KS_RES_MASTER, th));

    tlsio_ks_wipe(&ks);
    tlsio_transcript_wipe(&t);
    EXPECT_EQ(Bytes(32, 0), Bytes(ks.secret, ks.secret + 32));
}

// The HkdfLabel bytes RFC 8448 §3 prints as "info" for each expansion: HKDF-Expand with the
// trace's info must give what HKDF-Expand-Label gives.
TEST_F(KeySchedTest, ExpandLabelEncodesTheTraceInfo) {
    struct Case {
        const char *prk, *label, *context, *info;
        size_t len;
    } cases[] = {
        {kEarly, "derived", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "00200d746c733133206465726976656420e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
         "95991b7852b855",
         32},
        {kHandshake, "c hs traffic", kThChSh,
         "002012746c7331332063206873207472616666696320860c06edc07858ee8e78f0e7428c58edd6b43f2ca3"
         "e6e95f02ed063cf0e1cad8",
         32},
        {kSHsTraffic, "key", "", "001009746c733133206b657900", 16},
        {kSHsTraffic, "iv", "", "000c08746c733133206976 00", 12},
        {kSHsTraffic, "finished", "", "00200e746c7331332066696e697368656400", 32},
    };
    for (const Case &c : cases) {
        Bytes prk = Hex(c.prk), ctx = Hex(c.context), info = Hex(c.info);
        Bytes want(c.len), got(c.len);
        ASSERT_EQ(0, tlsio_hkdf_expand(TLSIO_SHA256, prk.data(), prk.size(), info.data(),
                                       info.size(), want.data(), want.size()));
        ASSERT_EQ(0, tlsio_hkdf_expand_label(TLSIO_SHA256, prk.data(), c.label, strlen(c.label),
                                             ctx.data(), ctx.size(), got.data(), got.size(), &err))
            << err.msg;
        EXPECT_EQ(ToHex(want), ToHex(got)) << c.label;
    }
}

// RFC 8448 §3's NewSessionTicket, decoded with our codec, gives §4's PSK: its ticket_nonce
// into tlsio_ticket_psk with §3's resumption_master_secret (RFC 8446 §4.6.1). The ticket is
// the identity §4's ClientHello offers, and the ticket age it reports is age_add + 6 ms.
TEST_F(KeySchedTest, Rfc8448TicketGivesTheResumedPsk) {
    Bytes nst_msg = Hex(kNstPt);
    ASSERT_EQ(205u, nst_msg.size()); // "NewSessionTicket (205 octets)"
    ASSERT_EQ(TLSIO_HS_NEW_SESSION_TICKET, nst_msg[0]);
    CBS body;
    CBS_init(&body, nst_msg.data() + 4, nst_msg.size() - 4);
    tlsio_new_session_ticket13 nst;
    ASSERT_EQ(0, tlsio_decode(&tlsio_codec_new_session_ticket13, &body, &nst, &err)) << err.msg;
    EXPECT_EQ(30u, nst.ticket_lifetime);
    EXPECT_EQ("0000", ToHex(CBS_data(&nst.ticket_nonce), CBS_len(&nst.ticket_nonce)));
    EXPECT_EQ(ToHex(Hex(kTicket)), ToHex(CBS_data(&nst.ticket), CBS_len(&nst.ticket)));

    Bytes res = Hex(kResMaster);
    uint8_t psk[32];
    ASSERT_EQ(0, tlsio_ticket_psk(TLSIO_SHA256, res.data(), CBS_data(&nst.ticket_nonce),
                                  CBS_len(&nst.ticket_nonce), psk, &err))
        << err.msg;
    EXPECT_EQ(kResPsk, ToHex(psk, 32));
    // The same, spelled out: HKDF-Expand-Label(res_master, "resumption", nonce, Hash.length).
    uint8_t by_label[32];
    ASSERT_EQ(0, tlsio_hkdf_expand_label(TLSIO_SHA256, res.data(), "resumption", 10,
                                         CBS_data(&nst.ticket_nonce), CBS_len(&nst.ticket_nonce),
                                         by_label, sizeof by_label, &err));
    EXPECT_EQ(kResPsk, ToHex(by_label, 32));

    // §4's ClientHello offers exactly this ticket; obfuscated_ticket_age - ticket_age_add is the
    // ticket's age in milliseconds (RFC 8446 §4.2.11.1), mod 2^32.
    Bytes ch_msg = Hex(kResClientHello);
    CBS ch_body;
    CBS_init(&ch_body, ch_msg.data() + 4, ch_msg.size() - 4);
    tlsio_client_hello ch;
    ASSERT_EQ(0, tlsio_decode(&tlsio_codec_client_hello, &ch_body, &ch, &err)) << err.msg;
    CBS ids = ch.extensions.psk_offered.identities;
    tlsio_psk_identity id;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_psk_identity, &ids, &id, &err)) << err.msg;
    EXPECT_EQ(ToHex(CBS_data(&nst.ticket), CBS_len(&nst.ticket)),
              ToHex(CBS_data(&id.identity), CBS_len(&id.identity)));
    EXPECT_EQ(6u, id.obfuscated_ticket_age - nst.ticket_age_add);
}

// RFC 8448 §4: the binder over Transcript-Hash(Truncate(ClientHello)) of the trace's own
// ClientHello. Truncate (RFC 8446 §4.2.11.2) drops the binders list, its 2-byte length
// included, which is where the decoded OfferedPsks.binders view starts; the binder computed
// with tlsio_psk_binder from the trace's PSK must be the one the ClientHello carries.
TEST_F(KeySchedTest, Rfc8448ResumedClientHelloBinder) {
    Bytes msg = Hex(kResClientHello);
    ASSERT_EQ(512u, msg.size()); // "ClientHello (512 octets)"
    CBS body;
    CBS_init(&body, msg.data() + 4, msg.size() - 4);
    tlsio_client_hello ch;
    ASSERT_EQ(0, tlsio_decode(&tlsio_codec_client_hello, &body, &ch, &err)) << err.msg;
    // pre_shared_key is the last extension, so the binders list ends the message.
    const CBS &binders = ch.extensions.psk_offered.binders;
    ASSERT_EQ(msg.data() + msg.size(), CBS_data(&binders) + CBS_len(&binders));
    size_t truncated = (size_t)(CBS_data(&binders) - msg.data()) - 2;
    EXPECT_EQ(477u, truncated); // "ClientHello prefix (477 octets)"
    EXPECT_EQ(CBS_len(&binders), (size_t)(msg[truncated] << 8 | msg[truncated + 1]));

    // The ClientHello is hashed before any suite is chosen: both hashes run over it; the PSK's
    // suite (TLS_AES_128_GCM_SHA256) picks SHA-256.
    tlsio_transcript t;
    tlsio_transcript_init(&t);
    tlsio_transcript_update(&t, msg.data(), truncated);
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA256, &err)) << err.msg;
    std::string th = Digest(t);
    tlsio_transcript_wipe(&t);
    EXPECT_EQ(kResBinderHash, th);

    Bytes psk = Hex(kResPsk), th_bytes = Hex(th);
    uint8_t binder[32];
    ASSERT_EQ(0,
              tlsio_psk_binder(TLSIO_SHA256, psk.data(), psk.size(), th_bytes.data(), binder, &err))
        << err.msg;
    EXPECT_EQ(kResBinder, ToHex(binder, 32));
    CBS list = binders;
    tlsio_bytes entry;
    ASSERT_EQ(0, tlsio_list_next(&tlsio_codec_psk_binder, &list, &entry, &err)) << err.msg;
    EXPECT_EQ(ToHex(binder, 32), ToHex(CBS_data(&entry.v), CBS_len(&entry.v)));
    EXPECT_EQ(TLSIO_LIST_END, tlsio_list_next(&tlsio_codec_psk_binder, &list, &entry, &err));

    // The same binder step by step: binder_key = Derive-Secret(Early Secret, "res binder",
    // ""), then a Finished computed with it as the base key (RFC 8448 prints its finished_key).
    tlsio_keysched ks;
    tlsio_ks_init(&ks, TLSIO_SHA256);
    ASSERT_EQ(0, tlsio_ks_early(&ks, psk.data(), psk.size(), &err));
    std::string binder_key = Derive(ks, TLSIO_KS_RES_BINDER, Bytes());
    EXPECT_EQ(kResBinderKey, binder_key);
    EXPECT_EQ(binder_key, Derive(ks, TLSIO_KS_RES_BINDER, Bytes(32, 0xee))); // Messages = ""
    EXPECT_EQ("5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa",
              FinishedKey(binder_key.c_str()));
    EXPECT_EQ(kResBinder, VerifyData(binder_key.c_str(), th));
    tlsio_ks_wipe(&ks);

    // A binder computed from any other PSK (one bit off) or transcript differs.
    psk[0] ^= 1;
    ASSERT_EQ(
        0, tlsio_psk_binder(TLSIO_SHA256, psk.data(), psk.size(), th_bytes.data(), binder, &err));
    EXPECT_NE(kResBinder, ToHex(binder, 32));
}

// RFC 8448 §4: the resumed handshake's key schedule from the trace's PSK and (EC)DHE secret,
// over the trace's messages: early secret, binder key, the early secrets (c e traffic is
// checked though tlsio never sends early data), handshake secrets, both Finished, master and
// application secrets, exporter and resumption secrets, and every traffic key the trace
// prints. The server's flight record opens with the keys derived here and holds the trace's
// EncryptedExtensions and Finished byte for byte.
TEST_F(KeySchedTest, Rfc8448ResumedHandshakeSecrets) {
    Bytes psk = Hex(kResPsk);
    tlsio_keysched ks;
    tlsio_ks_init(&ks, TLSIO_SHA256);
    ASSERT_EQ(0, tlsio_ks_early(&ks, psk.data(), psk.size(), &err)) << err.msg;
    EXPECT_EQ(kResEarly, ToHex(ks.secret, 32));
    EXPECT_EQ(0, ks.no_psk);
    EXPECT_EQ(kResBinderKey, Derive(ks, TLSIO_KS_RES_BINDER, Bytes()));

    tlsio_transcript t;
    tlsio_transcript_init(&t);
    Add(&t, kResClientHello);
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA256, &err));
    std::string th_ch = Digest(t);
    EXPECT_EQ(kResThCh, th_ch);
    EXPECT_EQ(kResCETraffic, Derive(ks, TLSIO_KS_C_E_TRAFFIC, Hex(th_ch)));
    EXPECT_EQ(kResEExpMaster, Derive(ks, TLSIO_KS_E_EXP_MASTER, Hex(th_ch)));
    ExpectKeys(kResCETraffic, "920205a5b7bf2115e6fc5c2942834f54", "6d475f0993c8e564610db2b9");

    // The X25519 agreement the trace prints, from both sides' keys.
    uint8_t shared[32];
    Bytes c_priv = Hex(kResClientX25519Private), s_pub = Hex(kResServerX25519Public);
    Bytes s_priv = Hex(kResServerX25519Private), c_pub = Hex(kResClientX25519Public);
    ASSERT_EQ(1, X25519(shared, c_priv.data(), s_pub.data()));
    EXPECT_EQ(kResEcdhe, ToHex(shared, 32));
    ASSERT_EQ(1, X25519(shared, s_priv.data(), c_pub.data()));
    EXPECT_EQ(kResEcdhe, ToHex(shared, 32));

    uint8_t derived[32];
    ASSERT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, ks.secret, "derived", nullptr, derived, &err));
    EXPECT_EQ(kResDerivedForHs, ToHex(derived, 32));
    Bytes ecdhe = Hex(kResEcdhe);
    ASSERT_EQ(0, tlsio_ks_handshake(&ks, ecdhe.data(), ecdhe.size(), &err)) << err.msg;
    EXPECT_EQ(kResHandshake, ToHex(ks.secret, 32));
    // The early secrets belong to the stage left behind.
    uint8_t out[32];
    EXPECT_EQ(TLS_E_USAGE, tlsio_ks_derive(&ks, TLSIO_KS_RES_BINDER, nullptr, out, &err));
    tlsio_err_clear(&err);

    Add(&t, kResServerHello);
    std::string th_sh = Digest(t);
    EXPECT_EQ(kResThChSh, th_sh);
    EXPECT_EQ(kResCHsTraffic, Derive(ks, TLSIO_KS_C_HS_TRAFFIC, Hex(th_sh)));
    EXPECT_EQ(kResSHsTraffic, Derive(ks, TLSIO_KS_S_HS_TRAFFIC, Hex(th_sh)));
    ExpectKeys(kResSHsTraffic, "27c6bdc0a3dcea39a47326d79bc9e4ee", "9569ecdd4d0536705e9ef725");
    ExpectKeys(kResCHsTraffic, "b1530806f4adfeac83f1413032bbfa82", "eb50c16be7654abf99dd06d9");

    // The server's Finished over ClientHello..EncryptedExtensions (no Certificate or
    // CertificateVerify in a PSK handshake).
    Add(&t, kResEncryptedExtensions);
    EXPECT_EQ(ToHex(Hex(kResServerFinished)).substr(8), VerifyData(kResSHsTraffic, Digest(t)));
    Add(&t, kResServerFinished);
    std::string th_sfin = Digest(t);
    EXPECT_EQ(kResThChSfin, th_sfin);

    ASSERT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, ks.secret, "derived", nullptr, derived, &err));
    EXPECT_EQ(kResDerivedForMs, ToHex(derived, 32));
    ASSERT_EQ(0, tlsio_ks_master(&ks, &err)) << err.msg;
    EXPECT_EQ(kResMasterSecret, ToHex(ks.secret, 32));
    EXPECT_EQ(kResCApTraffic, Derive(ks, TLSIO_KS_C_AP_TRAFFIC, Hex(th_sfin)));
    EXPECT_EQ(kResSApTraffic, Derive(ks, TLSIO_KS_S_AP_TRAFFIC, Hex(th_sfin)));
    EXPECT_EQ(kResExpMaster, Derive(ks, TLSIO_KS_EXP_MASTER, Hex(th_sfin)));
    ExpectKeys(kResSApTraffic, "e857c690a34c5a9129d833619684f95e", "0685d6b561aab9ef1013faf9");
    ExpectKeys(kResCApTraffic, "3cf122f301c6358ca7989553250efd72", "ab1aec26aa78b8fc1176b9ac");

    // The trace's client sent early data, so its EndOfEarlyData is in the transcript before
    // its Finished (RFC 8446 §4.4.1); a tlsio client never sends one.
    Add(&t, kResEndOfEarlyData);
    EXPECT_EQ(ToHex(Hex(kResClientFinished)).substr(8), VerifyData(kResCHsTraffic, Digest(t)));
    Add(&t, kResClientFinished);
    std::string th_cfin = Digest(t);
    EXPECT_EQ(kResThChCfin, th_cfin);
    EXPECT_EQ(kResResMaster, Derive(ks, TLSIO_KS_RES_MASTER, Hex(th_cfin)));
    tlsio_ks_wipe(&ks);
    tlsio_transcript_wipe(&t);

    // The server's encrypted flight opens with the server handshake keys derived above: the
    // trace's EncryptedExtensions then Finished, one record.
    EXPECT_EQ(ToHex(Hex(kResEncryptedExtensions)) + ToHex(Hex(kResServerFinished)),
              ToHex(OpenRecord(kResSHsTraffic, kResServerFlightRec)));
    EXPECT_EQ(ToHex(Hex(kResClientFinished)),
              ToHex(OpenRecord(kResCHsTraffic, kResClientFinishedRec)));
}

// RFC 8448 §5 "HelloRetryRequest" (TLS_AES_128_GCM_SHA256, P-256 after the retry): the
// message_hash rule must reproduce the trace's transcript, keys and Finished values.
TEST_F(KeySchedTest, Rfc8448HelloRetryRequest) {
    ASSERT_EQ(180u, Hex(kHrrClientHello1).size());
    ASSERT_EQ(512u, Hex(kHrrClientHello2).size());

    // Client side: ClientHello1 goes in before the hash is known; the HRR names the suite.
    tlsio_transcript t;
    tlsio_transcript_init(&t);
    Add(&t, kHrrClientHello1);
    ASSERT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA256, &err));
    ASSERT_EQ(0, tlsio_transcript_hrr_restart(&t, &err)) << err.msg;
    for (const char *m : {kHelloRetryRequest, kHrrClientHello2, kHrrServerHello})
        Add(&t, m);
    std::string th_sh = Digest(t);
    EXPECT_EQ("8aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfcc21b438d7bf8", th_sh);

    tlsio_keysched ks;
    tlsio_ks_init(&ks, TLSIO_SHA256);
    ASSERT_EQ(0, tlsio_ks_early(&ks, nullptr, 0, &err));
    EXPECT_EQ(kEarly, ToHex(ks.secret, 32));
    // The P-256 shared secret of the second key share.
    Bytes ecdhe = Hex("c142ce13ca11b5c2233652e63ad3d97844f1621fbfb9de69d547dc8fedeabeb4");
    ASSERT_EQ(0, tlsio_ks_handshake(&ks, ecdhe.data(), ecdhe.size(), &err));
    EXPECT_EQ("ce022e5e6e81e50736d773f2d3adfce8220d049bf510f0dbfac927ef4243b148",
              ToHex(ks.secret, 32));
    Bytes th = Hex(th_sh);
    std::string c_hs = Derive(ks, TLSIO_KS_C_HS_TRAFFIC, th);
    std::string s_hs = Derive(ks, TLSIO_KS_S_HS_TRAFFIC, th);
    EXPECT_EQ("158aa7ab8855073582b41d674b4055cabcc534728f659314861b4e08e2011566", c_hs);
    EXPECT_EQ("3403e781e2af7b6508da28574f6e95a1abf162de83a97927c37672a4a0cef8a1", s_hs);

    ExpectKeys(s_hs.c_str(), "4646bfac1712c426cd78d8a24a8a6f6b", "c7d395c08d62f297d13768ea");
    ExpectKeys(c_hs.c_str(), "2f1f918663d590e7421149a29d94b0b6", "414d5485235e1a688793bd74");
    EXPECT_EQ("e7f8bb3ea4b6c30c4710b3d09c3313658117e70b097e850368e2510ca5631f74",
              FinishedKey(s_hs.c_str()));
    EXPECT_EQ("81be4131fbb9b6f4471450846f74fd1e68c5224ba7c2a8677f5c53ad226fdc13",
              FinishedKey(c_hs.c_str()));

    for (const char *m : {kHrrEncryptedExtensions, kCertificate, kHrrCertificateVerify})
        Add(&t, m);
    EXPECT_EQ(ToHex(Hex(kHrrServerFinished)).substr(8), VerifyData(s_hs.c_str(), Digest(t)));
    Add(&t, kHrrServerFinished);
    std::string th_sfin = Digest(t);
    EXPECT_EQ(ToHex(Hex(kHrrClientFinished)).substr(8), VerifyData(c_hs.c_str(), th_sfin));

    uint8_t derived[32];
    ASSERT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, ks.secret, "derived", nullptr, derived, &err));
    EXPECT_EQ("ad1cbcd3a0dc7053eeb3ed3a47901d16a9fc63a73c64beb567481a7dfb3a2cb3",
              ToHex(derived, 32));
    ASSERT_EQ(0, tlsio_ks_master(&ks, &err));
    EXPECT_EQ("1131545d0baf79ddce9b87f06945781a57dd18ef378dcd2060f8f9a569027ed8",
              ToHex(ks.secret, 32));
    th = Hex(th_sfin);
    std::string c_ap = Derive(ks, TLSIO_KS_C_AP_TRAFFIC, th);
    std::string s_ap = Derive(ks, TLSIO_KS_S_AP_TRAFFIC, th);
    EXPECT_EQ("75ecf4b972525aa0dcd057c9944d4cd5d82671d8843141d7dc2a4ff15a21dc51", c_ap);
    EXPECT_EQ("5c74f87df04225db0f8209c9de6429e49435fdefa7cad61864874d12f31cfc8d", s_ap);
    EXPECT_EQ("7c06d3ae106a3a374ace4837b3985cac67780a6e2c5c04b58319d584df09d223",
              Derive(ks, TLSIO_KS_EXP_MASTER, th));
    ExpectKeys(s_ap.c_str(), "f27a5d97bd25550c4823b0f3e5d29388", "0dd631f7b71cbbc797c35fe7");
    ExpectKeys(c_ap.c_str(), "a7eb2a0525eb4331d58fcbf9f7ca2e9c", "86e8be227c1bd2b3e39cb444");
    Add(&t, kHrrClientFinished);
    std::string th_cfin = Digest(t);
    EXPECT_EQ("0e8b349158b855fdcd0c11dbbc4e83e43caa6e483c6c65df53151888e50165f4", th_cfin);
    EXPECT_EQ("09170c6d472721566f9cf99b08699daff561ec8fb22d5a32c3f94ce009b69975",
              Derive(ks, TLSIO_KS_RES_MASTER, Hex(th_cfin)));
    tlsio_ks_wipe(&ks);
    tlsio_transcript_wipe(&t);
}

// RFC 8446 §7.2, spelled out with raw HKDF-Expand: HkdfLabel = uint16 Hash.length,
// <"tls13 traffic upd">, <""> and the PRK the current secret.
TEST_F(KeySchedTest, KeyUpdateMatchesRfcDefinition) {
    for (tlsio_hash_alg alg : {TLSIO_SHA256, TLSIO_SHA384}) {
        size_t n = tlsio_hash_len(alg);
        Bytes secret(n);
        for (size_t i = 0; i < n; i++)
            secret[i] = static_cast<uint8_t>(i * 7 + 1);
        const char label[] = "tls13 traffic upd";
        Bytes info = {0, static_cast<uint8_t>(n), static_cast<uint8_t>(sizeof(label) - 1)};
        info.insert(info.end(), label, label + sizeof(label) - 1);
        info.push_back(0); // empty context
        Bytes want(n);
        ASSERT_EQ(
            0, tlsio_hkdf_expand(alg, secret.data(), n, info.data(), info.size(), want.data(), n));
        Bytes got = secret;
        ASSERT_EQ(0, tlsio_traffic_secret_update(alg, got.data(), &err)) << err.msg;
        EXPECT_EQ(ToHex(want), ToHex(got));
        EXPECT_NE(ToHex(secret), ToHex(got));
    }
    // And from the RFC 8448 §3 server application secret, chained twice.
    Bytes s = Hex(kSApTraffic);
    ASSERT_EQ(0, tlsio_traffic_secret_update(TLSIO_SHA256, s.data(), &err));
    std::string first = ToHex(s);
    ASSERT_EQ(0, tlsio_traffic_secret_update(TLSIO_SHA256, s.data(), &err));
    EXPECT_NE(first, ToHex(s));
}

// RFC 8446 §7.5 with SHA-256 over the RFC 8448 §3 exporter_master_secret, spelled out:
// Derive-Secret(ems, label, "") then HKDF-Expand-Label(., "exporter", Hash(context), L).
TEST_F(KeySchedTest, ExporterMatchesRfcDefinition) {
    Bytes ems = Hex(kExpMaster);
    const std::string label = "EXPORTER-tlsio-test";
    const Bytes context = {1, 2, 3};

    Bytes empty_hash(32), ctx_hash(32);
    tlsio_hash_oneshot(TLSIO_SHA256, "", 0, empty_hash.data());
    tlsio_hash_oneshot(TLSIO_SHA256, context.data(), context.size(), ctx_hash.data());
    std::string full = "tls13 " + label;
    Bytes info1 = {0, 32, static_cast<uint8_t>(full.size())};
    info1.insert(info1.end(), full.begin(), full.end());
    info1.push_back(32);
    info1.insert(info1.end(), empty_hash.begin(), empty_hash.end());
    Bytes derived(32);
    ASSERT_EQ(0, tlsio_hkdf_expand(TLSIO_SHA256, ems.data(), 32, info1.data(), info1.size(),
                                   derived.data(), 32));
    const std::string exporter = "tls13 exporter";
    Bytes info2 = {0, 42, static_cast<uint8_t>(exporter.size())};
    info2.insert(info2.end(), exporter.begin(), exporter.end());
    info2.push_back(32);
    info2.insert(info2.end(), ctx_hash.begin(), ctx_hash.end());
    Bytes want(42);
    ASSERT_EQ(0, tlsio_hkdf_expand(TLSIO_SHA256, derived.data(), 32, info2.data(), info2.size(),
                                   want.data(), want.size()));

    Bytes got(42);
    ASSERT_EQ(0, tlsio_tls13_export(TLSIO_SHA256, ems.data(), label.data(), label.size(),
                                    context.data(), context.size(), got.data(), got.size(), &err))
        << err.msg;
    EXPECT_EQ(ToHex(want), ToHex(got));

    // Label and context both separate outputs; no context equals an empty one (§7.5).
    Bytes other(42), none(42), empty(42);
    ASSERT_EQ(0, tlsio_tls13_export(TLSIO_SHA256, ems.data(), "EXPORTER-other", 14, context.data(),
                                    context.size(), other.data(), 42, &err));
    EXPECT_NE(ToHex(got), ToHex(other));
    ASSERT_EQ(0, tlsio_tls13_export(TLSIO_SHA256, ems.data(), label.data(), label.size(), nullptr,
                                    0, none.data(), 42, &err));
    uint8_t nothing = 0;
    ASSERT_EQ(0, tlsio_tls13_export(TLSIO_SHA256, ems.data(), label.data(), label.size(), &nothing,
                                    0, empty.data(), 42, &err));
    EXPECT_EQ(ToHex(none), ToHex(empty));
    EXPECT_NE(ToHex(got), ToHex(none));
}

// RFC 8446 §7.5 puts no bound on an exporter label: an empty one is derived with an HkdfLabel
// label of just "tls13 " (what other implementations compute), while TLS's own labels keep
// their 1-byte minimum.
TEST_F(KeySchedTest, ExporterTakesAnEmptyLabel) {
    Bytes ems = Hex(kExpMaster);
    Bytes empty_hash(32);
    tlsio_hash_oneshot(TLSIO_SHA256, "", 0, empty_hash.data());
    Bytes info1 = {0, 32, 6, 't', 'l', 's', '1', '3', ' ', 32};
    info1.insert(info1.end(), empty_hash.begin(), empty_hash.end());
    Bytes derived(32);
    ASSERT_EQ(0, tlsio_hkdf_expand(TLSIO_SHA256, ems.data(), 32, info1.data(), info1.size(),
                                   derived.data(), 32));
    const std::string exporter = "tls13 exporter";
    Bytes info2 = {0, 16, static_cast<uint8_t>(exporter.size())};
    info2.insert(info2.end(), exporter.begin(), exporter.end());
    info2.push_back(32);
    info2.insert(info2.end(), empty_hash.begin(), empty_hash.end());
    Bytes want(16);
    ASSERT_EQ(0, tlsio_hkdf_expand(TLSIO_SHA256, derived.data(), 32, info2.data(), info2.size(),
                                   want.data(), want.size()));
    Bytes got(16);
    ASSERT_EQ(0, tlsio_tls13_export(TLSIO_SHA256, ems.data(), "", 0, nullptr, 0, got.data(),
                                    got.size(), &err))
        << err.msg;
    EXPECT_EQ(ToHex(want), ToHex(got));

    uint8_t out[32];
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_hkdf_expand_label(TLSIO_SHA256, ems.data(), "", 0, nullptr, 0, out, 32, &err));
}

TEST_F(KeySchedTest, StagesMustComeInOrder) {
    tlsio_keysched ks;
    tlsio_ks_init(&ks, TLSIO_SHA384);
    uint8_t out[48];
    Bytes th(48, 0);
    EXPECT_EQ(TLS_E_USAGE, tlsio_ks_master(&ks, &err));
    EXPECT_STREQ("key schedule: the master secret needs the handshake secret, not no secret yet",
                 err.msg);
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_ks_early(&ks, nullptr, 0, &err));
    EXPECT_EQ(TLS_E_USAGE, tlsio_ks_derive(&ks, TLSIO_KS_C_AP_TRAFFIC, th.data(), out, &err));
    EXPECT_STREQ("key schedule: c ap traffic needs the master secret, not the early secret",
                 err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_E_USAGE, tlsio_ks_early(&ks, nullptr, 0, &err));
    EXPECT_STREQ("key schedule: the early secret comes first (tlsio_ks_init again)", err.msg);
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_ks_handshake(&ks, nullptr, 0, &err)); // psk_ke: no (EC)DHE
    EXPECT_EQ(TLS_E_USAGE, tlsio_ks_derive(&ks, TLSIO_KS_C_HS_TRAFFIC, nullptr, out, &err));
    EXPECT_STREQ("key schedule: c hs traffic needs a transcript hash", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_ks_derive(&ks, static_cast<tlsio_ks_secret>(99), th.data(), out, &err));
    EXPECT_STREQ("key schedule: unknown secret 99", err.msg);
    tlsio_ks_wipe(&ks);

    tlsio_ks_init(&ks, static_cast<tlsio_hash_alg>(7));
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_E_USAGE, tlsio_ks_early(&ks, nullptr, 0, &err));
    EXPECT_STREQ("key schedule: unknown hash 7", err.msg);
}

// SHA-384 schedule without PSK or (EC)DHE input stays consistent with the raw definition:
// Early Secret = HKDF-Extract(48 zeros, 48 zeros).
TEST_F(KeySchedTest, Sha384ZeroInputsUseHashLength) {
    tlsio_keysched ks;
    tlsio_ks_init(&ks, TLSIO_SHA384);
    ASSERT_EQ(0, tlsio_ks_early(&ks, nullptr, 0, &err));
    uint8_t zeros[48] = {0}, want[48];
    ASSERT_EQ(0, tlsio_hkdf_extract(TLSIO_SHA384, zeros, 48, zeros, 48, want));
    EXPECT_EQ(ToHex(want, 48), ToHex(ks.secret, 48));
    tlsio_ks_wipe(&ks);
}

// The tables behind the no-PSK shortcut (Hash(""), the Early Secret and its "derived" salt)
// against the definitions of RFC 8446 §7.1 computed with raw HKDF, and the shortcut against
// the computed path a PSK of Hash.length zero bytes takes (same inputs, same secrets).
TEST_F(KeySchedTest, NoPskTablesMatchTheirDefinitions) {
    for (tlsio_hash_alg alg : {TLSIO_SHA256, TLSIO_SHA384}) {
        SCOPED_TRACE(alg == TLSIO_SHA256 ? "SHA-256" : "SHA-384");
        size_t n = tlsio_hash_len(alg);
        uint8_t empty[48], zeros[48] = {0}, early[48], derived[48], hs[48], master[48];
        tlsio_hash_oneshot(alg, "", 0, empty);
        ASSERT_NE(nullptr, tlsio_empty_hash(alg));
        EXPECT_EQ(ToHex(empty, n), ToHex(tlsio_empty_hash(alg), n));
        ASSERT_EQ(0, tlsio_hkdf_extract(alg, zeros, n, zeros, n, early));
        ASSERT_EQ(0, tlsio_hkdf_expand_label(alg, early, "derived", 7, empty, n, derived, n, &err));
        Bytes ecdhe(32, 0x42);
        ASSERT_EQ(0, tlsio_hkdf_extract(alg, derived, n, ecdhe.data(), ecdhe.size(), hs));
        ASSERT_EQ(0, tlsio_hkdf_expand_label(alg, hs, "derived", 7, empty, n, derived, n, &err));
        ASSERT_EQ(0, tlsio_hkdf_extract(alg, derived, n, zeros, n, master));

        tlsio_keysched table, computed;
        tlsio_ks_init(&table, alg);
        tlsio_ks_init(&computed, alg);
        ASSERT_EQ(0, tlsio_ks_early(&table, nullptr, 0, &err));
        ASSERT_EQ(0, tlsio_ks_early(&computed, zeros, n, &err));
        EXPECT_EQ(ToHex(early, n), ToHex(table.secret, n));
        EXPECT_EQ(ToHex(early, n), ToHex(computed.secret, n));
        ASSERT_EQ(0, tlsio_ks_handshake(&table, ecdhe.data(), ecdhe.size(), &err));
        ASSERT_EQ(0, tlsio_ks_handshake(&computed, ecdhe.data(), ecdhe.size(), &err));
        EXPECT_EQ(ToHex(hs, n), ToHex(table.secret, n));
        EXPECT_EQ(ToHex(hs, n), ToHex(computed.secret, n));
        ASSERT_EQ(0, tlsio_ks_master(&table, &err));
        ASSERT_EQ(0, tlsio_ks_master(&computed, &err));
        EXPECT_EQ(ToHex(master, n), ToHex(table.secret, n));
        EXPECT_EQ(ToHex(master, n), ToHex(computed.secret, n));
        tlsio_ks_wipe(&table);
        tlsio_ks_wipe(&computed);
    }
    EXPECT_EQ(nullptr, tlsio_empty_hash(static_cast<tlsio_hash_alg>(7)));
    uint8_t secret[32] = {0}, out[32];
    EXPECT_EQ(TLS_E_USAGE, tlsio_derive_secret(static_cast<tlsio_hash_alg>(7), secret, "derived",
                                               nullptr, out, &err));
    EXPECT_STREQ("key schedule: unknown hash 7", err.msg);
}

TEST_F(KeySchedTest, ExpandLabelBounds) {
    uint8_t secret[32] = {0}, out[32];
    std::string long_label(250, 'a');
    EXPECT_EQ(TLS_E_USAGE, tlsio_hkdf_expand_label(TLSIO_SHA256, secret, long_label.data(), 250,
                                                   nullptr, 0, out, 32, &err));
    EXPECT_STREQ("HKDF-Expand-Label: label length 250 not in 1..249", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_hkdf_expand_label(TLSIO_SHA256, secret, long_label.data(), 249, nullptr, 0,
                                         out, 32, &err));
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_hkdf_expand_label(TLSIO_SHA256, secret, "", 0, nullptr, 0, out, 32, &err));
    tlsio_err_clear(&err);
    Bytes ctx(256, 1);
    EXPECT_EQ(TLS_E_USAGE, tlsio_hkdf_expand_label(TLSIO_SHA256, secret, "key", 3, ctx.data(), 256,
                                                   out, 32, &err));
    EXPECT_STREQ("HKDF-Expand-Label: context length 256 over 255", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(
        0, tlsio_hkdf_expand_label(TLSIO_SHA256, secret, "key", 3, ctx.data(), 255, out, 32, &err));
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_hkdf_expand_label(TLSIO_SHA256, secret, "key", 3, nullptr, 0, out, 0, &err));
    EXPECT_STREQ("HKDF-Expand-Label: output length 0 out of range", err.msg);
    tlsio_err_clear(&err);
    tlsio_traffic_keys k;
    EXPECT_EQ(TLS_E_USAGE, tlsio_traffic_keys_derive(TLSIO_SHA256, static_cast<tlsio_aead_alg>(9),
                                                     secret, &k, &err));
    EXPECT_STREQ("traffic keys: unknown AEAD 9", err.msg);
}

// RFC 8446 §4.4.4: a wrong Finished is decrypt_error, whether the value or the length differs.
TEST_F(KeySchedTest, FinishedCheckIsDecryptError) {
    Bytes base = Hex(kSHsTraffic), th = Hex(kThChSfin), good = Hex(kClientFinished);
    good.erase(good.begin(), good.begin() + 4);
    Bytes c_base = Hex(kCHsTraffic);
    EXPECT_EQ(0, tlsio_finished_check(TLSIO_SHA256, c_base.data(), th.data(), good.data(),
                                      good.size(), &err));
    Bytes bad = good;
    bad[31] ^= 1;
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
              tlsio_finished_check(TLSIO_SHA256, c_base.data(), th.data(), bad.data(), 32, &err));
    EXPECT_STREQ("Finished.verify_data: mismatch", err.msg);
    EXPECT_EQ(TLS_ERRCAT_PROTOCOL, err.category);
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
              tlsio_finished_check(TLSIO_SHA256, c_base.data(), th.data(), good.data(), 31, &err));
    tlsio_err_clear(&err);
    // The server's key does not verify the client's Finished.
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
              tlsio_finished_check(TLSIO_SHA256, base.data(), th.data(), good.data(), 32, &err));
}

} // namespace
