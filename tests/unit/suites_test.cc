// The cipher suite table and the names of protocol constants.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "crypto_kex.h"
#include "suites.h"

namespace {

struct Expected {
    uint16_t id;
    uint16_t version;
    tlsio_aead_alg aead;
    tlsio_hash_alg hash;
    tlsio_suite_auth auth;
    const char *name;
};

// RFC 8446 §B.4, RFC 5289 §3.2, RFC 7905 §2 code points and names, in tlsio's default order.
const Expected kExpected[] = {
    {0x1301, TLS_VERSION_1_3, TLSIO_AES_128_GCM, TLSIO_SHA256, TLSIO_AUTH_ANY,
     "TLS_AES_128_GCM_SHA256"},
    {0x1302, TLS_VERSION_1_3, TLSIO_AES_256_GCM, TLSIO_SHA384, TLSIO_AUTH_ANY,
     "TLS_AES_256_GCM_SHA384"},
    {0x1303, TLS_VERSION_1_3, TLSIO_CHACHA20_POLY1305, TLSIO_SHA256, TLSIO_AUTH_ANY,
     "TLS_CHACHA20_POLY1305_SHA256"},
    {0xc02b, TLS_VERSION_1_2, TLSIO_AES_128_GCM, TLSIO_SHA256, TLSIO_AUTH_ECDSA,
     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc02f, TLS_VERSION_1_2, TLSIO_AES_128_GCM, TLSIO_SHA256, TLSIO_AUTH_RSA,
     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc02c, TLS_VERSION_1_2, TLSIO_AES_256_GCM, TLSIO_SHA384, TLSIO_AUTH_ECDSA,
     "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc030, TLS_VERSION_1_2, TLSIO_AES_256_GCM, TLSIO_SHA384, TLSIO_AUTH_RSA,
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xcca9, TLS_VERSION_1_2, TLSIO_CHACHA20_POLY1305, TLSIO_SHA256, TLSIO_AUTH_ECDSA,
     "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcca8, TLS_VERSION_1_2, TLSIO_CHACHA20_POLY1305, TLSIO_SHA256, TLSIO_AUTH_RSA,
     "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

TEST(Suites, TableHoldsTheNineSuitesInDefaultOrder) {
    ASSERT_EQ(9u, tlsio_suite_count());
    for (size_t i = 0; i < 9; i++) {
        SCOPED_TRACE(kExpected[i].name);
        const tlsio_suite *s = tlsio_suite_at(i);
        ASSERT_NE(nullptr, s);
        EXPECT_EQ(kExpected[i].id, s->id);
        EXPECT_EQ(kExpected[i].version, s->version);
        EXPECT_EQ(kExpected[i].aead, s->aead);
        EXPECT_EQ(kExpected[i].hash, s->hash);
        EXPECT_EQ(kExpected[i].auth, s->auth);
        EXPECT_STREQ(kExpected[i].name, s->name);
    }
    EXPECT_EQ(nullptr, tlsio_suite_at(9));
    EXPECT_EQ(nullptr, tlsio_suite_at(SIZE_MAX));
}

TEST(Suites, ConstantsMatchTheTable) {
    EXPECT_EQ(0x1301, TLSIO_TLS_AES_128_GCM_SHA256);
    EXPECT_EQ(0x1302, TLSIO_TLS_AES_256_GCM_SHA384);
    EXPECT_EQ(0x1303, TLSIO_TLS_CHACHA20_POLY1305_SHA256);
    EXPECT_EQ(0xc02b, TLSIO_ECDHE_ECDSA_AES_128_GCM_SHA256);
    EXPECT_EQ(0xc02c, TLSIO_ECDHE_ECDSA_AES_256_GCM_SHA384);
    EXPECT_EQ(0xc02f, TLSIO_ECDHE_RSA_AES_128_GCM_SHA256);
    EXPECT_EQ(0xc030, TLSIO_ECDHE_RSA_AES_256_GCM_SHA384);
    EXPECT_EQ(0xcca8, TLSIO_ECDHE_RSA_CHACHA20_POLY1305);
    EXPECT_EQ(0xcca9, TLSIO_ECDHE_ECDSA_CHACHA20_POLY1305);
}

TEST(Suites, FindByIdReturnsTheTableEntry) {
    for (size_t i = 0; i < tlsio_suite_count(); i++) {
        const tlsio_suite *s = tlsio_suite_at(i);
        EXPECT_EQ(s, tlsio_suite_find(s->id));
    }
}

TEST(Suites, FindRefusesSuitesWeDoNotImplement) {
    // TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_GCM_SHA256 (no forward secrecy),
    // TLS_AES_128_CCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_NULL_WITH_NULL_NULL,
    // TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV, a GREASE value (RFC 8701).
    for (uint16_t id : {0x002f, 0x009c, 0x1304, 0xc013, 0x0000, 0x00ff, 0x5600, 0x0a0a})
        EXPECT_EQ(nullptr, tlsio_suite_find(id)) << std::hex << id;
}

TEST(Suites, ByNameIsExactAndCaseSensitive) {
    for (size_t i = 0; i < tlsio_suite_count(); i++) {
        const tlsio_suite *s = tlsio_suite_at(i);
        EXPECT_EQ(s, tlsio_suite_by_name(s->name, strlen(s->name)));
    }
    const char *n = "TLS_AES_128_GCM_SHA256";
    EXPECT_EQ(nullptr, tlsio_suite_by_name("tls_aes_128_gcm_sha256", strlen(n)));
    // A prefix, or the name followed by more bytes, is a different name.
    EXPECT_EQ(nullptr, tlsio_suite_by_name(n, strlen(n) - 1));
    EXPECT_EQ(nullptr, tlsio_suite_by_name("TLS_AES_128_GCM_SHA2567", strlen(n) + 1));
    // len bounds the name: the rest of the buffer is ignored.
    EXPECT_EQ(tlsio_suite_find(0x1301), tlsio_suite_by_name("TLS_AES_128_GCM_SHA256:x", strlen(n)));
    EXPECT_EQ(nullptr, tlsio_suite_by_name("", 0));
    EXPECT_EQ(nullptr, tlsio_suite_by_name(nullptr, 0));
    EXPECT_EQ(nullptr, tlsio_suite_by_name("ECDHE-RSA-AES128-GCM-SHA256", 27));
}

TEST(Suites, NamesAreUnique) {
    std::set<std::string> names;
    std::set<uint16_t> ids;
    for (size_t i = 0; i < tlsio_suite_count(); i++) {
        names.insert(tlsio_suite_at(i)->name);
        ids.insert(tlsio_suite_at(i)->id);
    }
    EXPECT_EQ(tlsio_suite_count(), names.size());
    EXPECT_EQ(tlsio_suite_count(), ids.size());
}

TEST(Names, CipherSuiteName) {
    for (const Expected &e : kExpected)
        EXPECT_STREQ(e.name, tls_cipher_suite_name(e.id));
    EXPECT_STREQ("unknown", tls_cipher_suite_name(0x002f));
    EXPECT_STREQ("unknown", tls_cipher_suite_name(0x1304));
    EXPECT_STREQ("unknown", tls_cipher_suite_name(0xffff));
}

TEST(Names, VersionName) {
    EXPECT_STREQ("TLSv1.3", tls_version_name(TLS_VERSION_1_3));
    EXPECT_STREQ("TLSv1.2", tls_version_name(TLS_VERSION_1_2));
    EXPECT_STREQ("TLSv1.1", tls_version_name(0x0302));
    EXPECT_STREQ("TLSv1.0", tls_version_name(0x0301));
    EXPECT_STREQ("SSLv3", tls_version_name(0x0300));
    EXPECT_STREQ("unknown", tls_version_name(0x0305));
    EXPECT_STREQ("unknown", tls_version_name(0x7f1c)); // a TLS 1.3 draft version
    EXPECT_STREQ("unknown", tls_version_name(0));
}

TEST(Names, GroupName) {
    EXPECT_STREQ("x25519", tls_group_name(TLSIO_GROUP_X25519));
    EXPECT_STREQ("secp256r1", tls_group_name(TLSIO_GROUP_SECP256R1));
    EXPECT_STREQ("secp384r1", tls_group_name(TLSIO_GROUP_SECP384R1));
    EXPECT_STREQ("x25519", tls_group_name(0x001d));
    // secp521r1, x448, ffdhe2048, X25519MLKEM768: not offered by tlsio.
    for (uint16_t g : {0x0019, 0x001e, 0x0100, 0x11ec, 0})
        EXPECT_STREQ("unknown", tls_group_name(g)) << std::hex << g;
}

} // namespace
