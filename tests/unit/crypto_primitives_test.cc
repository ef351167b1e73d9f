// The crypto adapter's hash/HKDF/AEAD parts against published vectors.
#include <gtest/gtest.h>

#include "crypto_aead.h"
#include "crypto_hash.h"
#include "hex.h"

using tlsio_test::Bytes;
using tlsio_test::Hex;
using tlsio_test::ToHex;

// RFC 5869 Appendix A.1 (HKDF-SHA256, basic case).
TEST(CryptoHash, HkdfRfc5869Case1) {
    Bytes ikm = Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    Bytes salt = Hex("000102030405060708090a0b0c");
    Bytes info = Hex("f0f1f2f3f4f5f6f7f8f9");
    uint8_t prk[32], okm[42];
    ASSERT_EQ(
        0, tlsio_hkdf_extract(TLSIO_SHA256, salt.data(), salt.size(), ikm.data(), ikm.size(), prk));
    EXPECT_EQ("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", ToHex(prk, 32));
    ASSERT_EQ(0, tlsio_hkdf_expand(TLSIO_SHA256, prk, 32, info.data(), info.size(), okm, 42));
    EXPECT_EQ(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ToHex(okm, 42));
}

TEST(CryptoHash, PeekDoesNotDisturbRunningHash) {
    tlsio_hash h;
    tlsio_hash_init(&h, TLSIO_SHA384);
    tlsio_hash_update(&h, "ab", 2);
    uint8_t mid[48], full[48], oneshot[48];
    tlsio_hash_peek(&h, mid);
    tlsio_hash_update(&h, "c", 1);
    tlsio_hash_peek(&h, full);
    tlsio_hash_oneshot(TLSIO_SHA384, "abc", 3, oneshot);
    EXPECT_EQ(ToHex(oneshot, 48), ToHex(full, 48));
    EXPECT_NE(ToHex(mid, 48), ToHex(full, 48));
    // FIPS 180-2 SHA-384("abc").
    EXPECT_EQ(
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baec"
        "a134c825a7",
        ToHex(full, 48));
    tlsio_hash_wipe(&h);
}

class AeadTest : public ::testing::TestWithParam<tlsio_aead_alg> {};

TEST_P(AeadTest, SealOpenInPlaceAndEveryBitFlipFails) {
    tlsio_aead a;
    Bytes key(tlsio_aead_key_len(GetParam()), 0x42);
    ASSERT_EQ(0, tlsio_aead_init(&a, GetParam(), key.data(), key.size()));
    uint8_t nonce[12] = {1, 2, 3};
    uint8_t ad[5] = {23, 3, 3, 0, 21};
    Bytes buf = {'h', 'e', 'l', 'l', 'o'};
    buf.resize(5 + TLSIO_AEAD_TAG_LEN);
    ASSERT_EQ(0, tlsio_aead_seal(&a, nonce, ad, sizeof ad, buf.data(), 5));
    for (size_t bit = 0; bit < buf.size() * 8; bit++) {
        Bytes c = buf;
        c[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        size_t n = 0;
        EXPECT_EQ(TLS_ALERT_BAD_RECORD_MAC,
                  tlsio_aead_open(&a, nonce, ad, sizeof ad, c.data(), c.size(), &n));
    }
    size_t n = 0;
    ASSERT_EQ(0, tlsio_aead_open(&a, nonce, ad, sizeof ad, buf.data(), buf.size(), &n));
    EXPECT_EQ(5u, n);
    EXPECT_EQ(0, memcmp(buf.data(), "hello", 5));
    tlsio_aead_free(&a);
}

INSTANTIATE_TEST_SUITE_P(AllAeads, AeadTest,
                         ::testing::Values(TLSIO_AES_128_GCM, TLSIO_AES_256_GCM,
                                           TLSIO_CHACHA20_POLY1305));

TEST(Err, StickyFirstErrorWinsAndNamesAreRfcNames) {
    tlsio_err e;
    tlsio_err_clear(&e);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR,
              tlsio_err_set(&e, TLS_ALERT_DECODE_ERROR, "ClientHello.cipher_suites: odd length"));
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, tlsio_err_set(&e, TLS_ALERT_INTERNAL_ERROR, "later"));
    EXPECT_STREQ("ClientHello.cipher_suites: odd length", e.msg);
    EXPECT_EQ(TLS_ERRCAT_PROTOCOL, e.category);
    EXPECT_STREQ("decode_error", tls_error_code_name(TLS_ALERT_DECODE_ERROR));
    EXPECT_STREQ("no_application_protocol", tls_error_code_name(120));
}
