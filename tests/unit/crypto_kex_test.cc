// Key shares (core/crypto_kex) against RFC 8448, RFC 7748 and RFC 5903 vectors, plus the
// strict validation RFC 8446 §4.2.8.2 / §7.4 asks of a peer's share.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "crypto_kex.h"
#include "hex.h"
#include "rfc8448.h"
#include "testerr.h"

using tlsio_test::Bytes;
using tlsio_test::Err;
using tlsio_test::Hex;
using tlsio_test::ToHex;

namespace rfc8448 = tlsio_test::rfc8448;

namespace {

// An RNG that hands out a fixed byte string, then fails the test if asked for more.
struct ScriptedRng {
    Bytes bytes;
    size_t pos = 0;
    static void Fill(void *ctx, uint8_t *out, size_t len) {
        auto *self = static_cast<ScriptedRng *>(ctx);
        ASSERT_LE(self->pos + len, self->bytes.size()) << "RNG script exhausted";
        memcpy(out, self->bytes.data() + self->pos, len);
        self->pos += len;
    }
    tlsio_rng rng() {
        return tlsio_rng{&ScriptedRng::Fill, this};
    }
};

// Generates a key pair whose private key is exactly `priv` (first RNG draw).
tlsio_kex KeyFrom(uint16_t group, const std::string &priv_hex) {
    ScriptedRng script{Hex(priv_hex)};
    tlsio_rng rng = script.rng();
    tlsio_kex k;
    Err err;
    EXPECT_EQ(0, tlsio_kex_generate(&k, group, &rng, &err)) << err.msg();
    EXPECT_EQ(script.bytes.size(), script.pos);
    return k;
}

std::string PublicHex(const tlsio_kex &k) {
    size_t len = 0;
    const uint8_t *p = tlsio_kex_public(&k, &len);
    return ToHex(p, len);
}

// Computes the secret; returns "" and sets *code on failure.
std::string Secret(const tlsio_kex &k, const Bytes &peer, int *code = nullptr,
                   std::string *msg = nullptr) {
    uint8_t out[TLSIO_KEX_MAX_SECRET_LEN];
    size_t len = 99;
    Err err;
    int r = tlsio_kex_compute(&k, peer.data(), peer.size(), out, &len, &err);
    if (code) *code = r;
    if (msg) *msg = err.msg();
    if (r != 0) {
        EXPECT_EQ(0u, len);
        return "";
    }
    return ToHex(out, len);
}

// RFC 5903 §8.1 (256-bit random ECP group).
const char kP256I[] = "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433";
const char kP256Gi[] = "04 DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
                       "   5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3";
const char kP256Gr[] = "04 D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
                       "   56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB";
const char kP256Girx[] = "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE";

// RFC 5903 §8.2 (384-bit random ECP group).
const char kP384I[] = "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
                      "E35B5380 41E649EE 3FAEF896 783AB194";
const char kP384Gi[] = "04 667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
                       "   DE3AC808 ACB4BDB4 C88732AE E95F41AA"
                       "   9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
                       "   EB9FCFF3 C2C947DA E69B4C63 4573A81C";
const char kP384Gr[] = "04 E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
                       "   0D1AC43A 0336DEF9 6FDA41D0 774A3571"
                       "   DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
                       "   F83FA401 42209DFF 5EAAD96D B9E6386C";
const char kP384Girx[] = "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
                         "D6031355 69B9E9D0 9CF5D4A2 70F59746";

std::string Lower(std::string s) {
    for (char &c : s)
        c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string H(const char *s) {
    return Lower(ToHex(Hex(s)));
}

} // namespace

TEST(CryptoKex, GroupNamesAndSizes) {
    EXPECT_STREQ("x25519", tlsio_group_name(0x001d));
    EXPECT_STREQ("secp256r1", tlsio_group_name(0x0017));
    EXPECT_STREQ("secp384r1", tlsio_group_name(0x0018));
    EXPECT_EQ(nullptr, tlsio_group_name(0x0019)); // secp521r1: not offered
    EXPECT_EQ(nullptr, tlsio_group_name(0x001e)); // x448
    EXPECT_EQ(nullptr, tlsio_group_name(0x0100)); // ffdhe2048
    EXPECT_TRUE(tlsio_group_supported(TLSIO_GROUP_X25519));
    EXPECT_TRUE(tlsio_group_supported(TLSIO_GROUP_SECP256R1));
    EXPECT_TRUE(tlsio_group_supported(TLSIO_GROUP_SECP384R1));
    EXPECT_FALSE(tlsio_group_supported(0x0019));
    EXPECT_FALSE(tlsio_group_supported(0));
    EXPECT_EQ(32u, tlsio_group_public_len(TLSIO_GROUP_X25519));
    EXPECT_EQ(65u, tlsio_group_public_len(TLSIO_GROUP_SECP256R1));
    EXPECT_EQ(97u, tlsio_group_public_len(TLSIO_GROUP_SECP384R1));
    EXPECT_EQ(0u, tlsio_group_public_len(0x0019));
}

TEST(CryptoKex, Rfc8448ClientAndServerX25519) {
    tlsio_kex client = KeyFrom(TLSIO_GROUP_X25519, rfc8448::kClientX25519Private);
    tlsio_kex server = KeyFrom(TLSIO_GROUP_X25519, rfc8448::kServerX25519Private);
    EXPECT_EQ(H(rfc8448::kClientX25519Public), PublicHex(client));
    EXPECT_EQ(H(rfc8448::kServerX25519Public), PublicHex(server));
    EXPECT_EQ(H(rfc8448::kEcdhe), Secret(client, Hex(rfc8448::kServerX25519Public)));
    EXPECT_EQ(H(rfc8448::kEcdhe), Secret(server, Hex(rfc8448::kClientX25519Public)));
    tlsio_kex_wipe(&client);
    tlsio_kex_wipe(&server);
}

TEST(CryptoKex, Rfc7748Section52ScalarMultiplication) {
    // X25519(k, u) with k as our private key and u as the peer's share.
    tlsio_kex k1 = KeyFrom(TLSIO_GROUP_X25519,
                           "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    EXPECT_EQ("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
              Secret(k1, Hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")));
    tlsio_kex k2 = KeyFrom(TLSIO_GROUP_X25519,
                           "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");
    EXPECT_EQ("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
              Secret(k2, Hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")));
    tlsio_kex_wipe(&k1);
    tlsio_kex_wipe(&k2);
}

TEST(CryptoKex, Rfc7748Section61DiffieHellman) {
    tlsio_kex alice = KeyFrom(TLSIO_GROUP_X25519,
                              "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    tlsio_kex bob = KeyFrom(TLSIO_GROUP_X25519,
                            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    EXPECT_EQ("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", PublicHex(alice));
    EXPECT_EQ("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", PublicHex(bob));
    const char shared[] = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    size_t n = 0;
    const uint8_t *bob_pub = tlsio_kex_public(&bob, &n);
    EXPECT_EQ(shared, Secret(alice, Bytes(bob_pub, bob_pub + n)));
    const uint8_t *alice_pub = tlsio_kex_public(&alice, &n);
    EXPECT_EQ(shared, Secret(bob, Bytes(alice_pub, alice_pub + n)));
}

TEST(CryptoKex, Rfc5903P256) {
    tlsio_kex k = KeyFrom(TLSIO_GROUP_SECP256R1, kP256I);
    EXPECT_EQ(H(kP256Gi), PublicHex(k)); // RFC 8446 §4.2.8.2: 0x04 || X || Y, 65 bytes
    EXPECT_EQ(H(kP256Girx), Secret(k, Hex(kP256Gr)));
    tlsio_kex_wipe(&k);
}

TEST(CryptoKex, Rfc5903P384) {
    tlsio_kex k = KeyFrom(TLSIO_GROUP_SECP384R1, kP384I);
    EXPECT_EQ(H(kP384Gi), PublicHex(k));
    EXPECT_EQ(H(kP384Girx), Secret(k, Hex(kP384Gr)));
    tlsio_kex_wipe(&k);
}

TEST(CryptoKex, NistScalarRejectionSampling) {
    // P-256 order n = FFFFFFFF 00000000 FFFFFFFF FFFFFFFF BCE6FAAD A7179E84 F3B9CAC2 FC632551.
    // Draws of 0, n and 2^256-1 are out of [1, n-1] and must be skipped; the fourth draw
    // (the RFC 5903 scalar) is used.
    std::string script = std::string(64, '0') +
                         "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551" +
                         std::string(64, 'F') + kP256I;
    ScriptedRng rng_script{Hex(script)};
    tlsio_rng rng = rng_script.rng();
    tlsio_kex k;
    Err err;
    ASSERT_EQ(0, tlsio_kex_generate(&k, TLSIO_GROUP_SECP256R1, &rng, &err)) << err.msg();
    EXPECT_EQ(rng_script.bytes.size(), rng_script.pos);
    EXPECT_EQ(H(kP256Gi), PublicHex(k));

    // n - 1 is the largest valid scalar: accepted on the first draw.
    ScriptedRng edge{Hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550")};
    rng = edge.rng();
    ASSERT_EQ(0, tlsio_kex_generate(&k, TLSIO_GROUP_SECP256R1, &rng, &err)) << err.msg();
    EXPECT_EQ(32u, edge.pos);
    // (n-1)·G = -G: the generator's X with the negated Y.
    EXPECT_EQ("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
              PublicHex(k).substr(2, 64));
    tlsio_kex_wipe(&k);
}

TEST(CryptoKex, DefaultRngGivesFreshKeysThatAgree) {
    for (uint16_t group : {TLSIO_GROUP_X25519, TLSIO_GROUP_SECP256R1, TLSIO_GROUP_SECP384R1}) {
        tlsio_kex a, b;
        Err err;
        ASSERT_EQ(0, tlsio_kex_generate(&a, group, nullptr, &err)) << err.msg();
        ASSERT_EQ(0, tlsio_kex_generate(&b, group, nullptr, &err)) << err.msg();
        EXPECT_NE(PublicHex(a), PublicHex(b));
        size_t n = 0;
        const uint8_t *pa = tlsio_kex_public(&a, &n);
        EXPECT_EQ(tlsio_group_public_len(group), n);
        std::string ab = Secret(a, Bytes(tlsio_kex_public(&b, &n), tlsio_kex_public(&b, &n) + n));
        std::string ba = Secret(b, Bytes(pa, pa + tlsio_group_public_len(group)));
        EXPECT_EQ(ab, ba);
        // x25519 and P-256: 32-byte secrets; P-384: 48 (the X coordinate), in hex.
        EXPECT_EQ(group == TLSIO_GROUP_SECP384R1 ? 96u : 64u, ab.size());
        tlsio_kex_wipe(&a);
        tlsio_kex_wipe(&b);
    }
}

TEST(CryptoKex, WipeClearsPrivateKey) {
    tlsio_kex k = KeyFrom(TLSIO_GROUP_X25519, rfc8448::kClientX25519Private);
    tlsio_kex_wipe(&k);
    const uint8_t zero[sizeof(tlsio_kex)] = {};
    EXPECT_EQ(0, memcmp(&k, zero, sizeof(k)));
    // A wiped key computes nothing.
    int code = 0;
    Secret(k, Hex(rfc8448::kServerX25519Public), &code);
    EXPECT_EQ(TLS_E_USAGE, code);
}

TEST(CryptoKex, UnsupportedGroupRefused) {
    tlsio_kex k;
    Err err;
    EXPECT_EQ(TLS_E_USAGE, tlsio_kex_generate(&k, 0x0019, nullptr, &err));
    EXPECT_EQ("key_share: group 0x0019 is not supported", err.msg());
}

TEST(CryptoKex, X25519BadLengthsRefused) {
    tlsio_kex k = KeyFrom(TLSIO_GROUP_X25519, rfc8448::kClientX25519Private);
    for (size_t len : {0, 31, 33, 65}) {
        int code = 0;
        std::string msg;
        Bytes peer(len, 0x42);
        EXPECT_EQ("", Secret(k, peer, &code, &msg));
        EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, code);
        EXPECT_EQ("key_share: x25519 share is " + std::to_string(len) + " bytes, not 32", msg);
    }
}

TEST(CryptoKex, X25519LowOrderPointsGiveAllZeroAndAreRefused) {
    // RFC 7748 §6.1 / RFC 8446 §7.4.2: small-order u-coordinates give an all-zero secret.
    tlsio_kex k = KeyFrom(TLSIO_GROUP_X25519, rfc8448::kClientX25519Private);
    const char *low_order[] = {
        "0000000000000000000000000000000000000000000000000000000000000000", // 0
        "0100000000000000000000000000000000000000000000000000000000000000", // 1
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
    };
    for (const char *u : low_order) {
        int code = 0;
        std::string msg;
        EXPECT_EQ("", Secret(k, Hex(u), &code, &msg)) << u;
        EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, code) << u;
        EXPECT_EQ("key_share: x25519 shared secret is all zeros (low-order point)", msg);
    }
}

class NistInvalidShare : public ::testing::TestWithParam<uint16_t> {
  protected:
    tlsio_kex Key() {
        return GetParam() == TLSIO_GROUP_SECP256R1 ? KeyFrom(GetParam(), kP256I)
                                                   : KeyFrom(GetParam(), kP384I);
    }
    Bytes Peer() {
        return Hex(GetParam() == TLSIO_GROUP_SECP256R1 ? kP256Gr : kP384Gr);
    }
    std::string Name() {
        return tlsio_group_name(GetParam());
    }
    void ExpectRefused(const Bytes &peer, const std::string &want_msg) {
        tlsio_kex k = Key();
        int code = 0;
        std::string msg;
        EXPECT_EQ("", Secret(k, peer, &code, &msg));
        EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, code);
        EXPECT_EQ(want_msg, msg);
        tlsio_kex_wipe(&k);
    }
};

TEST_P(NistInvalidShare, PointNotOnCurve) {
    Bytes p = Peer();
    p.back() ^= 1; // Y off by one
    ExpectRefused(p, "key_share: " + Name() + " point not on curve");
    Bytes all_aa(p.size(), 0xaa);
    all_aa[0] = 0x04;
    ExpectRefused(all_aa, "key_share: " + Name() + " point not on curve");
}

TEST_P(NistInvalidShare, CoordinateOutsideFieldRefused) {
    // X = 2^n - 1, which is above the field prime p of both curves.
    Bytes p = Peer();
    std::fill(p.begin() + 1, p.begin() + 1 + (p.size() - 1) / 2, 0xff);
    ExpectRefused(p, "key_share: " + Name() + " point not on curve");
}

TEST_P(NistInvalidShare, CompressedAndOtherFormatsRefused) {
    Bytes p = Peer();
    size_t flen = (p.size() - 1) / 2;
    // Compressed form (RFC 8446 §4.2.8.2 allows only uncompressed): wrong length too.
    Bytes compressed(p.begin(), p.begin() + 1 + flen);
    compressed[0] = 0x02 | (p.back() & 1);
    ExpectRefused(compressed, "key_share: " + Name() + " share is " +
                                  std::to_string(compressed.size()) + " bytes, not " +
                                  std::to_string(p.size()));
    // Right length, format byte of a hybrid (0x06/0x07) or compressed point.
    for (uint8_t form : {0x02, 0x03, 0x06, 0x07, 0x00}) {
        Bytes q = p;
        q[0] = form;
        char want[128];
        snprintf(want, sizeof want,
                 "key_share: %s share is not an uncompressed point (format 0x%02x)", Name().c_str(),
                 form);
        ExpectRefused(q, want);
    }
}

TEST_P(NistInvalidShare, BadLengthsRefused) {
    Bytes p = Peer();
    for (size_t len : {size_t(0), size_t(1), p.size() - 1, p.size() + 1, size_t(32)}) {
        Bytes q(len, 0x04);
        ExpectRefused(q, "key_share: " + Name() + " share is " + std::to_string(len) +
                             " bytes, not " + std::to_string(p.size()));
    }
    // The point at infinity's one-byte encoding.
    ExpectRefused(Bytes{0x00},
                  "key_share: " + Name() + " share is 1 bytes, not " + std::to_string(p.size()));
}

INSTANTIATE_TEST_SUITE_P(Curves, NistInvalidShare,
                         ::testing::Values(TLSIO_GROUP_SECP256R1, TLSIO_GROUP_SECP384R1),
                         [](const ::testing::TestParamInfo<uint16_t> &info) {
                             return std::string(tlsio_group_name(info.param));
                         });

TEST(CryptoKex, FirstErrorIsKeptInErrSlot) {
    tlsio_kex k = KeyFrom(TLSIO_GROUP_X25519, rfc8448::kClientX25519Private);
    Err err;
    uint8_t out[48];
    size_t len = 0;
    Bytes zero(32, 0);
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, tlsio_kex_compute(&k, zero.data(), 31, out, &len, &err));
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, tlsio_kex_compute(&k, zero.data(), 32, out, &len, &err));
    EXPECT_EQ("key_share: x25519 share is 31 bytes, not 32", err.msg());
    EXPECT_EQ(TLS_ERRCAT_PROTOCOL, err.e.category);
}
