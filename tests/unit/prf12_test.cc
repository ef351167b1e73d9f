// TLS 1.2 PRF and derivations against published vectors, plus an independent reference PRF
// written here straight from RFC 5246 §5 on libcrypto's HMAC for what has no published vector.
// The library has no bare PRF and no RFC 5246 master secret (it requires EMS): the published
// vectors for those check the reference PRF here, and the library's derivations are checked
// against vectors or the reference.
#include <gtest/gtest.h>

#include <openssl/digest.h>
#include <openssl/hmac.h>

#include <string>

#include "hex.h"
#include "prf12.h"

using tlsio_test::Bytes;
using tlsio_test::Hex;
using tlsio_test::ToHex;

namespace {

// RFC 5246 §5, independently of core/prf12.c: P_hash(secret, label || seed).
Bytes RefPrf(const EVP_MD *md, const Bytes &secret, const std::string &label, const Bytes &seed,
             size_t len) {
    auto hmac = [&](const Bytes &data) {
        Bytes out(EVP_MD_size(md));
        unsigned n = 0;
        HMAC(md, secret.data(), secret.size(), data.data(), data.size(), out.data(), &n);
        return out;
    };
    Bytes s(label.begin(), label.end());
    s.insert(s.end(), seed.begin(), seed.end());
    Bytes a = s, out;
    while (out.size() < len) {
        a = hmac(a);
        Bytes in = a;
        in.insert(in.end(), s.begin(), s.end());
        Bytes block = hmac(in);
        out.insert(out.end(), block.begin(), block.end());
    }
    out.resize(len);
    return out;
}

Bytes Concat(Bytes a, const Bytes &b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

class Prf12Test : public ::testing::Test {
  protected:
    void SetUp() override {
        tlsio_err_clear(&err);
    }
    static Bytes Prf(tlsio_hash_alg alg, const Bytes &secret, const std::string &label,
                     const Bytes &seed, size_t len) {
        return RefPrf(alg == TLSIO_SHA256 ? EVP_sha256() : EVP_sha384(), secret, label, seed, len);
    }
    // The library's PRF through its exporter: PRF(master, label, randoms), len bytes.
    Bytes Export(tlsio_hash_alg alg, const Bytes &master, const std::string &label,
                 const Bytes &randoms, size_t len) {
        Bytes out(len);
        EXPECT_EQ(0,
                  tlsio_prf12_export(alg, master.data(), randoms.data(), randoms.data() + 32,
                                     label.data(), label.size(), nullptr, 0, out.data(), len, &err))
            << err.msg;
        return out;
    }
    tlsio_err err;
};

// Test vectors posted to the IETF TLS WG list for the TLS 1.2 PRF (checking the reference PRF)
// (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), used by many libraries.
TEST_F(Prf12Test, Sha256KnownAnswer) {
    Bytes out = Prf(TLSIO_SHA256, Hex("9bbe436ba940f017b17652849a71db35"), "test label",
                    Hex("a0ba9f936cda311827a6f796ffd5198c"), 100);
    EXPECT_EQ("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9"
              "c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789ba"
              "a48082d122ee42c5a72e5a5110fff70187347b66",
              ToHex(out));
}

TEST_F(Prf12Test, Sha384KnownAnswer) {
    Bytes out = Prf(TLSIO_SHA384, Hex("b80b733d6ceefcdc71566ea48e5567df"), "test label",
                    Hex("cd665cf6a8447dd6ff8b27555edb7465"), 148);
    EXPECT_EQ("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe3"
              "4f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3"
              "d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236"
              "a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f",
              ToHex(out));
}

// The library's PRF: any output length is a prefix of a longer one, across block boundaries
// and below one block, and equal to the reference.
TEST_F(Prf12Test, ShortOutputsArePrefixes) {
    Bytes master(48, 0x5a), randoms(64, 0x33);
    for (tlsio_hash_alg alg : {TLSIO_SHA256, TLSIO_SHA384}) {
        Bytes full = Export(alg, master, "x", randoms, 97);
        EXPECT_EQ(ToHex(Prf(alg, master, "x", randoms, 97)), ToHex(full));
        for (size_t n : {1u, 12u, 31u, 32u, 33u, 48u, 49u, 96u}) {
            Bytes part = Export(alg, master, "x", randoms, n);
            EXPECT_EQ(ToHex(full).substr(0, 2 * n), ToHex(part)) << n;
        }
    }
}

// "The Illustrated TLS 1.2 Connection" (https://tls12.xargs.org): x25519 pre-master secret,
// randoms 00..1f / 70..8f, SHA-256 PRF. It prints the master secret, the key_block (as MAC keys,
// keys and IVs of its CBC suite) and the client Finished.
const char kXargsPms[] = "df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624";
const char kXargsClientRandom[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const char kXargsServerRandom[] =
    "707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f";
const char kXargsMaster[] = "916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e"
                            "19fc1eb2a7387ac06ae237344c";
// The first 104 key_block bytes as printed: 2 MAC keys (20), 2 keys (16), 2 IVs (16).
const char kXargsKeyBlock[] = "1b7d117c7d5f690bc263cae8ef60af0f1878acc2"
                              "2ad8bdd8c601a617126f63540eb20906f781fad2"
                              "f656d037b173ef3e11169f27231a84b6"
                              "752a18e7a9fcb7cbcdd8f98dd8f769eb"
                              "a0d2550c9238eebfef5c32251abb67d6"
                              "434528db4937d540d393135e06a11bb8";

// RFC 5246 §8.1 (not in the library, which requires EMS): the page's master secret, from which
// the key block and Finished below are derived.
TEST_F(Prf12Test, MasterSecretIllustratedTls12) {
    Bytes pms = Hex(kXargsPms), cr = Hex(kXargsClientRandom), sr = Hex(kXargsServerRandom);
    EXPECT_EQ(kXargsMaster, ToHex(Prf(TLSIO_SHA256, pms, "master secret", Concat(cr, sr), 48)));
}

// The AEAD suites cut the same key_block with no MAC keys: client key, server key, client IV,
// server IV (RFC 5246 §6.3), IVs of 4 bytes for GCM (RFC 5288 §3) and 12 for ChaCha20 (RFC 7905).
TEST_F(Prf12Test, KeyBlockLayoutPerAead) {
    Bytes ms = Hex(kXargsMaster), cr = Hex(kXargsClientRandom), sr = Hex(kXargsServerRandom);
    std::string kb = ToHex(Hex(kXargsKeyBlock));
    struct Case {
        tlsio_aead_alg aead;
        size_t key, iv;
    } cases[] = {
        {TLSIO_AES_128_GCM, 16, 4}, {TLSIO_AES_256_GCM, 32, 4}, {TLSIO_CHACHA20_POLY1305, 32, 12}};
    for (const Case &c : cases) {
        tlsio_tls12_keys k;
        ASSERT_EQ(0, tlsio_prf12_key_block(TLSIO_SHA256, c.aead, ms.data(), cr.data(), sr.data(),
                                           &k, &err))
            << err.msg;
        ASSERT_EQ(c.key, k.key_len);
        ASSERT_EQ(c.iv, k.iv_len);
        size_t at = 0;
        auto next = [&](size_t n) {
            std::string s = kb.substr(2 * at, 2 * n);
            at += n;
            return s;
        };
        EXPECT_EQ(next(c.key), ToHex(k.client_key, k.key_len)) << c.aead;
        EXPECT_EQ(next(c.key), ToHex(k.server_key, k.key_len)) << c.aead;
        EXPECT_EQ(next(c.iv), ToHex(k.client_iv, k.iv_len)) << c.aead;
        EXPECT_EQ(next(c.iv), ToHex(k.server_iv, k.iv_len)) << c.aead;
    }
    tlsio_tls12_keys k;
    EXPECT_EQ(TLS_E_USAGE, tlsio_prf12_key_block(TLSIO_SHA256, static_cast<tlsio_aead_alg>(0),
                                                 ms.data(), cr.data(), sr.data(), &k, &err));
    EXPECT_STREQ("key block: unknown AEAD 0", err.msg);
}

// tls12.xargs.org client Finished: verify_data over the SHA-256 of ClientHello..ClientKeyExchange.
TEST_F(Prf12Test, FinishedIllustratedTls12) {
    Bytes ms = Hex(kXargsMaster);
    Bytes hh = Hex("061dda04b3c2217ff73bd79b9cf88a2bb6ec505404aac8722db03ef417b54cb4");
    uint8_t vd[12];
    ASSERT_EQ(0, tlsio_prf12_finished(TLSIO_SHA256, ms.data(), 1, hh.data(), hh.size(), vd, &err))
        << err.msg;
    EXPECT_EQ("cf919626f1360c536aaad73a", ToHex(vd, 12));

    // The server label, against the reference PRF.
    ASSERT_EQ(0, tlsio_prf12_finished(TLSIO_SHA256, ms.data(), 0, hh.data(), hh.size(), vd, &err));
    EXPECT_EQ(ToHex(RefPrf(EVP_sha256(), ms, "server finished", hh, 12)), ToHex(vd, 12));

    // Checking: right value passes; a flipped bit, a short value or the other side's label fail.
    Bytes good = Hex("cf919626f1360c536aaad73a");
    EXPECT_EQ(0, tlsio_prf12_finished_check(TLSIO_SHA256, ms.data(), 1, hh.data(), hh.size(),
                                            good.data(), good.size(), &err));
    Bytes bad = good;
    bad[0] ^= 0x80;
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
              tlsio_prf12_finished_check(TLSIO_SHA256, ms.data(), 1, hh.data(), hh.size(),
                                         bad.data(), bad.size(), &err));
    EXPECT_STREQ("Finished.verify_data: mismatch", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
              tlsio_prf12_finished_check(TLSIO_SHA256, ms.data(), 1, hh.data(), hh.size(),
                                         good.data(), 11, &err));
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_ALERT_DECRYPT_ERROR,
              tlsio_prf12_finished_check(TLSIO_SHA256, ms.data(), 0, hh.data(), hh.size(),
                                         good.data(), good.size(), &err));
    tlsio_err_clear(&err);
    // The handshake hash must be the PRF's hash.
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_prf12_finished(TLSIO_SHA384, ms.data(), 1, hh.data(), hh.size(), vd, &err));
    EXPECT_STREQ("Finished: hash length 32, the PRF hash has 48", err.msg);
}

// RFC 7627 §4 with SHA-384: vector from s2n-tls tests/unit/s2n_tls_prf_test.c (taken from an
// OpenSSL TLS 1.2 EMS session with ECDHE-ECDSA-AES256-GCM-SHA384).
TEST_F(Prf12Test, ExtendedMasterSecretSha384KnownAnswer) {
    Bytes pms = Hex("05e12675c9264d82b53fa15d589c829af9be1ae3d881ab0b023b7b8cad8bc058");
    Bytes sh = Hex("e6cbbaa03909ea387714fe70c07546086dedfcee086fd2985dfdd50924393619"
                   "009115758e490e2e3b0c13bebdad5fbb");
    uint8_t ms[48];
    ASSERT_EQ(0, tlsio_prf12_extended_master_secret(TLSIO_SHA384, pms.data(), pms.size(), sh.data(),
                                                    sh.size(), ms, &err))
        << err.msg;
    EXPECT_EQ("aef116e65e2cd77d4e96b1ceeadb7912ddd9aaf3a907aa3344ec3a2de6cc3b69"
              "9ca768fe389eab3b53c98d8ccd830b06",
              ToHex(ms, 48));
}

// RFC 7627 §4 with SHA-256, cross-checked against the reference PRF, and different from the
// RFC 5246 master secret of the same pre-master secret.
TEST_F(Prf12Test, ExtendedMasterSecretSha256MatchesReference) {
    Bytes pms = Hex(kXargsPms);
    Bytes sh = Hex("061dda04b3c2217ff73bd79b9cf88a2bb6ec505404aac8722db03ef417b54cb4");
    uint8_t ms[48];
    ASSERT_EQ(0, tlsio_prf12_extended_master_secret(TLSIO_SHA256, pms.data(), pms.size(), sh.data(),
                                                    sh.size(), ms, &err));
    EXPECT_EQ(ToHex(RefPrf(EVP_sha256(), pms, "extended master secret", sh, 48)), ToHex(ms, 48));
    EXPECT_NE(kXargsMaster, ToHex(ms, 48));
    EXPECT_EQ(TLS_E_USAGE, tlsio_prf12_extended_master_secret(TLSIO_SHA256, pms.data(), pms.size(),
                                                              sh.data(), 31, ms, &err));
    EXPECT_STREQ("extended master secret: hash length 31, the PRF hash has 32", err.msg);
}

// RFC 5705 §4 against the reference PRF: no context, empty context and a context all differ.
TEST_F(Prf12Test, ExporterMatchesReference) {
    Bytes ms = Hex(kXargsMaster), cr = Hex(kXargsClientRandom), sr = Hex(kXargsServerRandom);
    const std::string label = "EXPORTER-tlsio-test";
    Bytes randoms = Concat(cr, sr);
    Bytes ctx = {0xaa, 0xbb, 0xcc};
    struct Case {
        const uint8_t *context;
        size_t len;
        Bytes seed;
    } cases[] = {
        {nullptr, 0, randoms},
        {ctx.data(), 0, Concat(randoms, {0, 0})},
        {ctx.data(), 3, Concat(Concat(randoms, {0, 3}), ctx)},
    };
    std::string seen[3];
    for (tlsio_hash_alg alg : {TLSIO_SHA256, TLSIO_SHA384}) {
        const EVP_MD *md = alg == TLSIO_SHA256 ? EVP_sha256() : EVP_sha384();
        for (int i = 0; i < 3; i++) {
            Bytes out(70);
            ASSERT_EQ(0, tlsio_prf12_export(alg, ms.data(), cr.data(), sr.data(), label.data(),
                                            label.size(), cases[i].context, cases[i].len,
                                            out.data(), out.size(), &err))
                << err.msg;
            EXPECT_EQ(ToHex(RefPrf(md, ms, label, cases[i].seed, 70)), ToHex(out)) << i;
            seen[i] = ToHex(out);
        }
        EXPECT_NE(seen[0], seen[1]);
        EXPECT_NE(seen[1], seen[2]);
    }
    Bytes out(12);
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_prf12_export(TLSIO_SHA256, ms.data(), cr.data(), sr.data(), "client finished",
                                 15, nullptr, 0, out.data(), 12, &err));
    EXPECT_STREQ("exporter: label \"client finished\" is reserved by TLS", err.msg);
}

// label || seed is bounded at 1024 bytes: through the exporter, label "x" (1), the randoms (64),
// the context length (2) and up to 957 context bytes.
TEST_F(Prf12Test, BoundsAndUnknownHash) {
    Bytes ms(48, 1), cr(32, 3), sr(32, 4), ctx(958, 2), out(16);
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_prf12_export(TLSIO_SHA256, ms.data(), cr.data(), sr.data(), "x", 1, ctx.data(),
                                 ctx.size(), out.data(), out.size(), &err));
    EXPECT_STREQ("TLS 1.2 PRF: label and seed over 1024 bytes", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_prf12_export(TLSIO_SHA256, ms.data(), cr.data(), sr.data(), "x", 1,
                                    ctx.data(), 957, out.data(), out.size(), &err));
    Bytes seed = Concat(Concat(Concat(cr, sr), {0x03, 0xbd}), Bytes(957, 2));
    EXPECT_EQ(ToHex(RefPrf(EVP_sha256(), ms, "x", seed, 16)), ToHex(out));
    EXPECT_EQ(TLS_E_USAGE,
              tlsio_prf12_export(static_cast<tlsio_hash_alg>(5), ms.data(), cr.data(), sr.data(),
                                 "x", 1, nullptr, 0, out.data(), out.size(), &err));
    EXPECT_STREQ("TLS 1.2 PRF: unknown hash 5", err.msg);
}

} // namespace
