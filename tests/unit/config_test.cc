// The configuration object: defaults, every setter's success and failure sentences, freezing,
// reference counting, and loading anchors, chains and the system store from files.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config.h"
#include "crypto_kex.h"
#include "crypto_pem.h"
#include "hex.h"
#include "suites.h"
#include "testpki.h"

namespace {

using tlsio_test::Bytes;
using tlsio_test::Cert;
using tlsio_test::CertOptions;
using tlsio_test::KeyType;
using tlsio_test::TestPki;
using tlsio_test::ToHex;

const char kFrozen[] = "config is in use by a connection and can no longer change";

using CfgPtr = std::unique_ptr<tls_config, decltype(&tls_config_free)>;
CfgPtr NewCfg() {
    return CfgPtr(tls_config_new(), tls_config_free);
}

std::vector<uint16_t> Suites(const tls_config *c) {
    return std::vector<uint16_t>(c->suites, c->suites + c->n_suites);
}
std::vector<uint16_t> Sigalgs(const tls_config *c) {
    return std::vector<uint16_t>(c->sigalgs, c->sigalgs + c->n_sigalgs);
}

std::vector<uint16_t> Groups(const tls_config *c) {
    return std::vector<uint16_t>(c->groups, c->groups + c->n_groups);
}
std::string Alpn(const tls_config *c) {
    return ToHex(c->alpn, c->alpn_len);
}
Bytes CbsBytes(const CBS &c) {
    return Bytes(CBS_data(&c), CBS_data(&c) + CBS_len(&c));
}
size_t TrustCount(const tls_config *c) {
    // A tlsio_trust is libcrypto's X509_STORE (core/crypto_x509.c).
    return c->trust == nullptr ? 0
                               : sk_X509_OBJECT_num(X509_STORE_get0_objects(
                                     reinterpret_cast<X509_STORE *>(c->trust)));
}

int AddCert(tls_config *c, const std::string &chain, const std::string &key) {
    return tls_config_add_cert_pem(c, chain.data(), chain.size(), key.data(), key.size());
}
int AddCa(tls_config *c, const std::string &pem) {
    return tls_config_add_ca_pem(c, pem.data(), pem.size());
}

// A private directory under /tmp, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        char t[] = "/tmp/tlsio_config_test_XXXXXX";
        if (mkdtemp(t) == nullptr) abort();
        path_ = t;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string &path() const {
        return path_;
    }
    std::string Write(const std::string &name, const std::string &content) const {
        std::string p = path_ + "/" + name;
        std::ofstream f(p, std::ios::binary);
        f << content;
        return p;
    }

  private:
    std::string path_;
};

// Sets SSL_CERT_FILE / SSL_CERT_DIR for one test and restores them afterwards.
class EnvGuard {
  public:
    EnvGuard() {
        for (const char *n : {"SSL_CERT_FILE", "SSL_CERT_DIR"}) {
            const char *v = getenv(n);
            saved_.push_back({n, v ? std::optional<std::string>(v) : std::nullopt});
            unsetenv(n);
        }
    }
    ~EnvGuard() {
        for (auto &[n, v] : saved_) {
            if (v)
                setenv(n.c_str(), v->c_str(), 1);
            else
                unsetenv(n.c_str());
        }
    }
    void Set(const char *name, const std::string &value) {
        setenv(name, value.c_str(), 1);
    }

  private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// An RSA key of 4104 bits (over our 4096-bit cap), kept here because generating one at test
// time takes seconds. A test key, never used for anything else.
const char kRsa4104KeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIIJRgIBADANBgkqhkiG9w0BAQEFAASCCTAwggksAgEAAoICAgDBjaW04WvqPc2+
lyHGwHOnCc8yMTTgOQ1LUWv9s3zBAJFH8zAl7SK81mOMvUWBwsBi8P+5ECt8D6/6
9mDj/zhxNZdW6YbN5yRCRSmyIvKL+Knhrd87RpXzUVHsKeybUsI2DhfgO0UXG9XG
x7NtCTDpRKwCkq9sICYCBvT049jq6oM5p8JMtvkTpxuOxFJRmcnZz2hUzqyrLtWI
4ItxFmjgT10SQxLc3+Sh9IMekkm5luYYREtKU10tUEitfbkxSCDy5Zp5ZLZ1dfaT
zFDuNzT+KkdC9hL7UeGW8hfYgnzSO8iIfa/T8YRdm2zEkkd2v35l909DctFnD5m9
bQkhx84BftH+HhE07JA0YkpALH65xbbNr/J5jUWjzsqh042b/tOu1JItl9djF4v+
qoXBeyS72fJqh2TGWkY/29bapSFmy1N0Fjg6EvKvQaDWXp/H1HQVERh14mYRrt70
Wjg4ejxgyrGgl+XBKIDy3C1u48sHKP9BG6gB7RdD5M4Xq2YdF34JHtL1e9uhfMEu
OAeGSzNiaRLUA70jIW6QudplN4NPjZ/tbAL8y+eCvEcXs6XAAwKsR9a4KssFnDpD
pDNBAtgN0xn9+MSzkLMJw+FVVlXv6GjD6Iu+Cvl2VcJo6cj1dGhYkKT53D9TMGHf
ugSIkOCX9Sx1tcoWvN0wlcy1VHdIgPMCAwEAAQKCAgEm0ZniZTOXjz2sc/M6QW7w
mW8MygGo1shryrC1+UGUE+EPZR7K/HxzEyx0FaHTHJQpQ9yF6VBPWXYaBz/3ekB/
tBfePofi0/DZubVbHNc4a27m7FBROx7n5e9gRihGHpsE7F6tgjWhJNwDOhoqTCWb
I0K8YV79eJUm4u5OD0R6GP6omZTGfgwGfQVx5L39z7JEFOz/1VOcIZCCG0bcL3pp
QoGQIBOwaNcaBEgn4X8X0cPkKg5PodiWNfvdj9GMqMKy9Im+vww5EqeZjOjOXhQq
xZ/1NhUogouUEonlyoXuRD874Lla8J1ziLCP3CapEk7vdGJZTLXizaYv76ZdOA2B
Ca/pL7vrTDrlkCeA8ZHpSwAUVEAQWMkTm/d2tc1xe620rw+8Knxl5jR7z7hcDDWL
LTdac33Np3KD6K2vadGQ33OnSqfYQG1XyZ7yt+XdnvzNnZGiFzzphFjjzcbbVMWG
AGis+3vetlgm+4vJBVGCXrVGZ359RpT5GW/zOSn8i1zBL8CAhW7RhnR2jEe/7u/v
AfQakhyyIiAneGr3T5e1xfUO5i8rZR1hk6X/zxlQ78UU6W8JDU92IIYo2BR+M602
pTDDZBaIC9KXxbxs01VwCnW9AD3mLG70hiIFrfEaQrxhv+gf6bXF+Wr2ABFRD0Ev
oUHaRFMXB5lqc2VaE7jWlMECggEBDqPQFz7oc5Y63ZlscXwq8rDfJMhfzBLDdW5p
5iyErWm7Q5sZySnGB9ELUb/5gKurhgu31RHgOSws7y2AZzzFGBHj0vSC2ho72Uj0
ZVOPFt3IV5O7OZVyLcGsRalxX08qmeyXyACEvdRrneYq27aPCe/0NO4YOf5DZJgd
hKIgSnjrVDe+CSuAify2ogDVyK9LIjLdZGBWbRj5Ug+xOMya+WRzNGxinuw/nxYJ
8+52IFnQseoesmON6Oa87znpe8Sv7MjSD21Mm1qIU48JF6LQV7IGAK4Hka8EkFVF
hPQ2U78U0QlzgPe4VQfvqjVU5a7Fh4acKbL2X8Kwjj/CBS85Zz0CggEBDTiQMgm1
fMBKA5RKwBigpaetpCoquMHToUkoPlIloYRuuJx8yB+BRq+Jd9qWL2sNeCf9bmJ1
OADEVS5CQZ0Prx3oLIhfVqcN1ocCZ8HojvOylHMhAuTdLnyiygcLH+Vd9oWDguhP
OhUhbPfeQ7T2U0ONyD9Z8RE3sH4HD+pcrV1fnMO49+urXOo7bYxLab6PhwJPUIkf
nqHAr0Mmx2tX6n9RLN/1jeG8ASdTdB/+c3KzGnGdb9MRLRaTrHTHZdIxInjkdHHP
TpMtSygF0oWPcNDF5DnUMEVIsYK40ZymbzeXBk9WBNlLuEZ49kT5YjsJYe7bc9XG
kDOLxwxMad5fi+8CggEBBjfzJkykdKS1sHeBJtt1as1Sm885UfgOao1SEmGKohat
YtQ5KcfCxIM5aapAEzXYkAHePnVvZxmqpJYRWsjnd4fx3CPciURnc66XkYri1vWy
KfEosBcY/vKreJO3AqMgF232MxB1UiUu6U1hmx56t9/jPbB9PfURL2Ol9jbfvIKM
g6OB52dBHFvqP/pW1P4QziAJBqAdVg4rqX3c66GNmq3eecAoTBVSGQNFiwYZyzgb
e9dU3rWHDA0m5/8TfG1ZxRywjbkBt2PHUKcLV6zjDr0h65wAvxM2vxBZjVYm1X/v
GbQIChovhH7wgL5Sp5WLdjvpjZTlLlwGnwXaJlWe7okCggEBBEyGJp8dkkj8SBmq
DLh1VCgnwB+t8JGl/OXK3ijb758eWY0YzgHgiVl+u6gp+ZU3tgBa2c/OCb3GGWSH
SsqFVQ3GduSJC6YaS81urMpSklkPklG1RDmi6gDA9ixAI8jzOrvDPYfIazx/t+0J
Kr7m8cAflCN1XXuZvhvctAIizIR2GIVT2dmZyQao+EAMLYA3L1FC9Q8BZxV1kAen
zmRLHAb2ID9amx3xgfaFnlbg6C09q7WR2dCp3x1eO09lnugv7eOddXekTwpwSeXj
rsabE7XvAv0C0AdXUdENw6rKO5O52eVmNQFrK6pOntViudw0etGuLgYvIKiCJOEM
38fdDaUCggEBBjTpNGBcXwD2KkSIa1yv/VHH5J4poiKhMmvK9yWeUin4HUaHttoc
YZj/o7lr1GLPgnt030zgrmAuNE8w24m26qAB9+Y7zsgHtt1JM7qsgSBw2nHIM2qR
tpW3HdfgTjKgenVqIazpEQQmSuWE/JcvxgwkR6RwIkvfGgyUO7QkqMHYeKjSHEyq
Zcl/9q386Ll1MuUROzqNsVNBuBelooFdlGxFBXsCvXYDrUN9Rezd0nlP1gXq8ws4
P5Vyw/B8a8h2WIl/KUb5xZ8GzLuD9fuIL6Wubb/MjNXvqIt2BhlhvuVih1Ux8p6f
CTvqumdcjE7O9Zzm0uiKJl2Cfe8DGvIhn9w=
-----END PRIVATE KEY-----
)";

// ------------------------------------------------------------------------------------------
// Defaults

TEST(ConfigDefaults, AsDocumented) {
    CfgPtr c = NewCfg();
    ASSERT_TRUE(c);
    EXPECT_EQ(1, c->refs.load());
    EXPECT_EQ(0, c->frozen.load());
    EXPECT_EQ(TLS_VERSION_1_2, c->min_version);
    EXPECT_EQ(TLS_VERSION_1_3, c->max_version);
    EXPECT_EQ((std::vector<uint16_t>{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                     0xcca8}),
              Suites(c.get()));
    EXPECT_EQ(
        (std::vector<uint16_t>{TLSIO_GROUP_X25519, TLSIO_GROUP_SECP256R1, TLSIO_GROUP_SECP384R1}),
        Groups(c.get()));
    // RFC 8446 §4.2.3 values; rsa_pkcs1_* last (TLS 1.2 only).
    EXPECT_EQ((std::vector<uint16_t>{0x0403, 0x0503, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
                                     0x0601}),
              Sigalgs(c.get()));
    EXPECT_EQ(0, c->sigalgs_set);
    EXPECT_EQ(0u, c->alpn_len);
    EXPECT_EQ(16384u, c->max_send_fragment);
    EXPECT_EQ(16384u, c->record_size_limit);
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_EQ(0, c->trust_explicit);
    EXPECT_EQ(0u, c->n_chains);
    EXPECT_EQ(nullptr, c->rng.fn);
    EXPECT_EQ(nullptr, c->rng.ctx);
    EXPECT_EQ(0, c->err.code);
    EXPECT_EQ(0, c->trust_err.code);
    EXPECT_STREQ("", tls_config_error(c.get()));
    EXPECT_EQ(0, tlsio_config_check_mutable(c.get()));
}

TEST(ConfigDefaults, NullConfigIsRefused) {
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_versions(nullptr, TLS_VERSION_1_2, TLS_VERSION_1_3));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ciphers(nullptr, "TLS_AES_128_GCM_SHA256"));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_groups(nullptr, "x25519"));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_alpn(nullptr, "h2"));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_rng(nullptr, nullptr, nullptr));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_pem(nullptr, "", 0));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_pem(nullptr, "", 0, "", 0));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_file(nullptr, "/x"));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_file(nullptr, "/x", "/y"));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_system(nullptr));
    EXPECT_EQ(TLS_E_USAGE, tlsio_config_freeze(nullptr, nullptr));
    EXPECT_STREQ("no config (NULL)", tls_config_error(nullptr));
    EXPECT_EQ(nullptr, tls_config_ref(nullptr));
    tls_config_free(nullptr);
}

// ------------------------------------------------------------------------------------------
// Versions

TEST(ConfigMaxSendFragment, AcceptsTheDocumentedRangeOnly) {
    CfgPtr c = NewCfg();
    ASSERT_TRUE(c);
    for (size_t n : {64, 512, 16384}) {
        EXPECT_EQ(0, tls_config_set_max_send_fragment(c.get(), n)) << n;
        EXPECT_EQ(n, c->max_send_fragment);
    }
    for (size_t n : {0, 63, 16385}) {
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_max_send_fragment(c.get(), n)) << n;
        EXPECT_EQ("maximum send fragment " + std::to_string(n) + " is outside 64..16384 bytes",
                  std::string(tls_config_error(c.get())));
        EXPECT_EQ(16384u, c->max_send_fragment); // unchanged
    }
}

TEST(ConfigRecordSizeLimit, AcceptsTheDocumentedRangeOnly) {
    CfgPtr c = NewCfg();
    ASSERT_TRUE(c);
    for (size_t n : {64, 513, 16384}) {
        EXPECT_EQ(0, tls_config_set_record_size_limit(c.get(), n)) << n;
        EXPECT_EQ(n, c->record_size_limit);
        EXPECT_STREQ("", tls_config_error(c.get()));
    }
    ASSERT_EQ(0, tls_config_set_record_size_limit(c.get(), 1000));
    for (size_t n : {0, 63, 16385, 65535}) {
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_record_size_limit(c.get(), n)) << n;
        EXPECT_EQ("record size limit " + std::to_string(n) + " is outside 64..16384 bytes",
                  std::string(tls_config_error(c.get())));
        EXPECT_EQ(1000u, c->record_size_limit); // unchanged
    }
    EXPECT_EQ(16384u, c->max_send_fragment); // the other record size setting is untouched
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_record_size_limit(nullptr, 1024));
}

TEST(ConfigVersions, AcceptsEachValidRange) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_versions(c.get(), TLS_VERSION_1_3, TLS_VERSION_1_3));
    EXPECT_EQ(TLS_VERSION_1_3, c->min_version);
    EXPECT_EQ(TLS_VERSION_1_3, c->max_version);
    ASSERT_EQ(0, tls_config_set_versions(c.get(), TLS_VERSION_1_2, TLS_VERSION_1_2));
    EXPECT_EQ(TLS_VERSION_1_2, c->min_version);
    EXPECT_EQ(TLS_VERSION_1_2, c->max_version);
    ASSERT_EQ(0, tls_config_set_versions(c.get(), TLS_VERSION_1_2, TLS_VERSION_1_3));
    EXPECT_EQ(TLS_VERSION_1_2, c->min_version);
    EXPECT_EQ(TLS_VERSION_1_3, c->max_version);
    EXPECT_STREQ("", tls_config_error(c.get()));
}

struct VersionCase {
    uint16_t min, max;
    const char *msg;
};

TEST(ConfigVersions, RefusesWithASentenceAndChangesNothing) {
    const VersionCase cases[] = {
        {0x0302, TLS_VERSION_1_3, "minimum version TLSv1.1: TLS 1.1 and below are not supported"},
        {0x0301, TLS_VERSION_1_2, "minimum version TLSv1.0: TLS 1.1 and below are not supported"},
        {0x0300, TLS_VERSION_1_3, "minimum version SSLv3: TLS 1.1 and below are not supported"},
        {TLS_VERSION_1_2, 0x0302, "maximum version TLSv1.1: TLS 1.1 and below are not supported"},
        {TLS_VERSION_1_2, 0x0305,
         "maximum version 0x0305 is not TLS_VERSION_1_2 (0x0303) or TLS_VERSION_1_3 (0x0304)"},
        {0, TLS_VERSION_1_3,
         "minimum version 0x0000 is not TLS_VERSION_1_2 (0x0303) or TLS_VERSION_1_3 (0x0304)"},
        {0x7f1c, TLS_VERSION_1_3,
         "minimum version 0x7f1c is not TLS_VERSION_1_2 (0x0303) or TLS_VERSION_1_3 (0x0304)"},
        {TLS_VERSION_1_3, TLS_VERSION_1_2,
         "minimum version TLSv1.3 is above maximum version TLSv1.2"},
    };
    for (const VersionCase &vc : cases) {
        SCOPED_TRACE(vc.msg);
        CfgPtr c = NewCfg();
        ASSERT_EQ(0, tls_config_set_versions(c.get(), TLS_VERSION_1_3, TLS_VERSION_1_3));
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_versions(c.get(), vc.min, vc.max));
        EXPECT_STREQ(vc.msg, tls_config_error(c.get()));
        EXPECT_EQ(TLS_ERRCAT_USAGE, c->err.category);
        EXPECT_EQ(TLS_VERSION_1_3, c->min_version);
        EXPECT_EQ(TLS_VERSION_1_3, c->max_version);
    }
}

TEST(ConfigVersions, RefusesARangeNoConfiguredSuiteCanServe) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_ciphers(c.get(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_versions(c.get(), TLS_VERSION_1_3, TLS_VERSION_1_3));
    EXPECT_STREQ("none of the configured cipher suites is usable with TLSv1.3 to TLSv1.3",
                 tls_config_error(c.get()));
    EXPECT_EQ(TLS_VERSION_1_2, c->min_version);
    EXPECT_EQ(TLS_VERSION_1_3, c->max_version);
    EXPECT_EQ(0, tls_config_set_versions(c.get(), TLS_VERSION_1_2, TLS_VERSION_1_2));
}

// What an unknown group or suite name is answered with: the names that would work.
const std::string kValidGroups =
    " (valid: x25519, secp256r1 or P-256, secp384r1 or P-384; any case)";
std::string ValidSuites() {
    std::string s = " (valid: ";
    for (size_t i = 0; i < tlsio_suite_count(); i++)
        s += std::string(i ? ", " : "") + tlsio_suite_at(i)->name;
    return s + ")";
}

TEST(ConfigErrors, ErrorReportsTheLastSetterOnly) {
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_groups(c.get(), "x448"));
    EXPECT_EQ("unknown or unsupported group 'x448'" + kValidGroups, tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ciphers(c.get(), "BAR"));
    EXPECT_EQ("unknown or unsupported cipher suite 'BAR'" + ValidSuites(),
              tls_config_error(c.get()));
    EXPECT_EQ(0, tls_config_set_alpn(c.get(), "h2"));
    EXPECT_STREQ("", tls_config_error(c.get()));
    EXPECT_EQ(0, c->err.code);
}

// ------------------------------------------------------------------------------------------
// Cipher suites

TEST(ConfigCiphers, KeepsTheGivenOrderWithEitherSeparator) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_ciphers(c.get(),
                                        "TLS_CHACHA20_POLY1305_SHA256:TLS_ECDHE_RSA_WITH_AES_256_"
                                        "GCM_SHA384,TLS_AES_128_GCM_SHA256"));
    EXPECT_EQ((std::vector<uint16_t>{0x1303, 0xc030, 0x1301}), Suites(c.get()));
    ASSERT_EQ(0, tls_config_set_ciphers(c.get(), "TLS_AES_256_GCM_SHA384"));
    EXPECT_EQ((std::vector<uint16_t>{0x1302}), Suites(c.get()));
    // All nine, reversed.
    std::string all;
    for (size_t i = tlsio_suite_count(); i-- > 0;)
        all += std::string(tlsio_suite_at(i)->name) + (i ? ":" : "");
    ASSERT_EQ(0, tls_config_set_ciphers(c.get(), all.c_str()));
    EXPECT_EQ((std::vector<uint16_t>{0xcca8, 0xcca9, 0xc030, 0xc02c, 0xc02f, 0xc02b, 0x1303, 0x1302,
                                     0x1301}),
              Suites(c.get()));
}

struct NameCase {
    const char *input;
    const char *msg;
};

TEST(ConfigCiphers, RefusesEveryOtherNameWithASentence) {
    const NameCase cases[] = {
        {"FOO", "unknown or unsupported cipher suite 'FOO'"},
        {"tls_aes_128_gcm_sha256", "unknown or unsupported cipher suite 'tls_aes_128_gcm_sha256'"},
        {"TLS_AES_128_GCM_SHA256:TLS_RSA_WITH_AES_128_GCM_SHA256",
         "unknown or unsupported cipher suite 'TLS_RSA_WITH_AES_128_GCM_SHA256': RSA key "
         "exchange has no forward secrecy and is refused"},
        {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
         "unknown or unsupported cipher suite 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA': CBC suites "
         "are refused, only AEAD ones are offered (RFC 7457 §2)"},
        {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
         "unknown or unsupported cipher suite 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256': only ECDHE "
         "key exchange with certificates is implemented"},
        {"TLS_AES_128_CCM_SHA256", "unknown or unsupported cipher suite 'TLS_AES_128_CCM_SHA256': "
                                   "AES-CCM suites are not offered"},
        {"TLS_ECDHE_RSA_WITH_NULL_SHA",
         "unknown or unsupported cipher suite 'TLS_ECDHE_RSA_WITH_NULL_SHA': the suite is "
         "insecure"},
        {"ECDHE-RSA-AES128-GCM-SHA256",
         "unknown or unsupported cipher suite 'ECDHE-RSA-AES128-GCM-SHA256': use the IANA name, "
         "e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
        {"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256",
         "cipher suite 'TLS_AES_128_GCM_SHA256' is listed twice"},
        {"", "cipher suite list is empty"},
        {"TLS_AES_128_GCM_SHA256::TLS_AES_256_GCM_SHA384",
         "cipher suite list 'TLS_AES_128_GCM_SHA256::TLS_AES_256_GCM_SHA384' has an empty name"},
        {"TLS_AES_128_GCM_SHA256:",
         "cipher suite list 'TLS_AES_128_GCM_SHA256:' has an empty name"},
        {",TLS_AES_128_GCM_SHA256",
         "cipher suite list ',TLS_AES_128_GCM_SHA256' has an empty name"},
        {"TLS_AES_128_GCM_SHA256 ",
         "unknown or unsupported cipher suite 'TLS_AES_128_GCM_SHA256 '"},
    };
    for (const NameCase &nc : cases) {
        SCOPED_TRACE(nc.input);
        CfgPtr c = NewCfg();
        ASSERT_EQ(0, tls_config_set_ciphers(c.get(), "TLS_AES_256_GCM_SHA384"));
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_ciphers(c.get(), nc.input));
        std::string want = nc.msg;
        if (want.rfind("unknown or unsupported", 0) == 0) want += ValidSuites();
        EXPECT_EQ(want, tls_config_error(c.get()));
        EXPECT_EQ((std::vector<uint16_t>{0x1302}), Suites(c.get())); // unchanged
    }
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ciphers(c.get(), nullptr));
    EXPECT_STREQ("cipher suite list is empty", tls_config_error(c.get()));
    EXPECT_EQ(9u, c->n_suites);
}

TEST(ConfigCiphers, QuotesAtMost64BytesOfAName) {
    CfgPtr c = NewCfg();
    std::string longname(300, 'A');
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ciphers(c.get(), longname.c_str()));
    EXPECT_EQ("unknown or unsupported cipher suite '" + std::string(64, 'A') + "'" + ValidSuites(),
              tls_config_error(c.get()));
}

TEST(ConfigCiphers, RefusesSuitesUnusableWithTheEnabledVersions) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_versions(c.get(), TLS_VERSION_1_3, TLS_VERSION_1_3));
    EXPECT_EQ(TLS_E_USAGE,
              tls_config_set_ciphers(c.get(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_"
                                              "RSA_WITH_AES_128_GCM_SHA256"));
    EXPECT_STREQ("none of these cipher suites is usable with the enabled versions (TLSv1.3 to "
                 "TLSv1.3)",
                 tls_config_error(c.get()));
    EXPECT_EQ(9u, c->n_suites);
    // One usable suite is enough.
    EXPECT_EQ(0, tls_config_set_ciphers(c.get(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:TLS_AES_"
                                                 "128_GCM_SHA256"));
}

// ------------------------------------------------------------------------------------------
// Groups

TEST(ConfigGroups, KeepsTheGivenOrder) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_groups(c.get(), "secp384r1,x25519"));
    EXPECT_EQ((std::vector<uint16_t>{TLSIO_GROUP_SECP384R1, TLSIO_GROUP_X25519}), Groups(c.get()));
    ASSERT_EQ(0, tls_config_set_groups(c.get(), "secp256r1:secp384r1:x25519"));
    EXPECT_EQ(
        (std::vector<uint16_t>{TLSIO_GROUP_SECP256R1, TLSIO_GROUP_SECP384R1, TLSIO_GROUP_X25519}),
        Groups(c.get()));
}

// The spellings users bring from OpenSSL, NIST and curl, in any case.
TEST(ConfigGroups, AcceptsCommonSpellingsInAnyCase) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_groups(c.get(), "X25519:P-256:P-384")) << tls_config_error(c.get());
    EXPECT_EQ(
        (std::vector<uint16_t>{TLSIO_GROUP_X25519, TLSIO_GROUP_SECP256R1, TLSIO_GROUP_SECP384R1}),
        Groups(c.get()));
    // One group under two spellings is still listed twice.
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_groups(c.get(), "p-384,prime256v1,SECP384R1:x25519"));
    EXPECT_EQ("group 'secp384r1' is listed twice", std::string(tls_config_error(c.get())));
    ASSERT_EQ(0, tls_config_set_groups(c.get(), "Secp256R1,p-384,X25519"));
    EXPECT_EQ(
        (std::vector<uint16_t>{TLSIO_GROUP_SECP256R1, TLSIO_GROUP_SECP384R1, TLSIO_GROUP_X25519}),
        Groups(c.get()));
}

TEST(ConfigGroups, RefusesWithASentenceAndChangesNothing) {
    const NameCase cases[] = {
        {"secp521r1", "unknown or unsupported group 'secp521r1'"},
        {"x25519:x448", "unknown or unsupported group 'x448'"},
        {"x25519:X25519", "group 'x25519' is listed twice"},
        {"P-521", "unknown or unsupported group 'P-521'"},
        {"ffdhe2048", "unknown or unsupported group 'ffdhe2048'"},
        {"x25519:secp256r1,x25519", "group 'x25519' is listed twice"},
        {"", "group list is empty"},
        {"x25519:", "group list 'x25519:' has an empty name"},
        {"x25519,,secp256r1", "group list 'x25519,,secp256r1' has an empty name"},
    };
    for (const NameCase &nc : cases) {
        SCOPED_TRACE(nc.input);
        CfgPtr c = NewCfg();
        ASSERT_EQ(0, tls_config_set_groups(c.get(), "secp256r1"));
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_groups(c.get(), nc.input));
        std::string want = nc.msg;
        if (want.rfind("unknown or unsupported", 0) == 0) want += kValidGroups;
        EXPECT_EQ(want, tls_config_error(c.get()));
        EXPECT_EQ((std::vector<uint16_t>{TLSIO_GROUP_SECP256R1}), Groups(c.get()));
    }
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_groups(c.get(), nullptr));
    EXPECT_STREQ("group list is empty", tls_config_error(c.get()));
}

// ------------------------------------------------------------------------------------------
// Signature schemes

TEST(ConfigSignatureSchemes, KeepsTheGivenOrder) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_signature_schemes(c.get(), "rsa_pss_rsae_sha384,ed25519"));
    EXPECT_EQ((std::vector<uint16_t>{0x0805, 0x0807}), Sigalgs(c.get()));
    EXPECT_EQ(1, c->sigalgs_set);
    ASSERT_EQ(0, tls_config_set_signature_schemes(
                     c.get(), "rsa_pkcs1_sha512:rsa_pkcs1_sha384:rsa_pkcs1_sha256:rsa_pss_rsae_"
                              "sha512:rsa_pss_rsae_sha384:rsa_pss_rsae_sha256:ed25519:ecdsa_"
                              "secp384r1_sha384:ecdsa_secp256r1_sha256"));
    EXPECT_EQ((std::vector<uint16_t>{0x0601, 0x0501, 0x0401, 0x0806, 0x0805, 0x0804, 0x0807, 0x0503,
                                     0x0403}),
              Sigalgs(c.get()));
    EXPECT_STREQ("", tls_config_error(c.get()));
}

#define SIGALG_NAMES                                                                               \
    "use: ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ed25519, rsa_pss_rsae_sha256, "          \
    "rsa_pss_rsae_sha384, rsa_pss_rsae_sha512, rsa_pkcs1_sha256, rsa_pkcs1_sha384, "               \
    "rsa_pkcs1_sha512"

TEST(ConfigSignatureSchemes, RefusesWithASentenceNamingTheValidOnesAndChangesNothing) {
    const NameCase cases[] = {
        // RFC 9155 / RFC 8446 §4.2.3: no SHA-1 (or MD5) signatures.
        {"rsa_pkcs1_sha1",
         "signature scheme 'rsa_pkcs1_sha1' is refused (SHA-1: RFC 9155); " SIGALG_NAMES},
        {"ed25519:ecdsa_sha1",
         "signature scheme 'ecdsa_sha1' is refused (SHA-1: RFC 9155); " SIGALG_NAMES},
        {"rsa_pkcs1_md5",
         "signature scheme 'rsa_pkcs1_md5' is refused (SHA-1: RFC 9155); " SIGALG_NAMES},
        // libcrypto loads no RSASSA-PSS keys; tlsio's ECDSA keys are P-256 and P-384.
        {"rsa_pss_pss_sha256",
         "signature scheme 'rsa_pss_pss_sha256' is refused (no PSS keys); " SIGALG_NAMES},
        {"ecdsa_secp521r1_sha512",
         "signature scheme 'ecdsa_secp521r1_sha512' is refused (no P-521 keys); " SIGALG_NAMES},
        {"ed448", "signature scheme 'ed448' is unknown; " SIGALG_NAMES},
        {"ECDSA_SECP256R1_SHA256",
         "signature scheme 'ECDSA_SECP256R1_SHA256' is unknown; " SIGALG_NAMES},
        {"rsa_pss_rsae_sha256_and_a_long_tail",
         "signature scheme 'rsa_pss_rsae_sha256_an' is unknown; " SIGALG_NAMES},
        {"ed25519:rsa_pss_rsae_sha256,ed25519", "signature scheme 'ed25519' is listed twice"},
        {"", "signature scheme list is empty; " SIGALG_NAMES},
        {"ed25519:", "signature scheme list 'ed25519:' has an empty name"},
        {"ed25519,,rsa_pss_rsae_sha256",
         "signature scheme list 'ed25519,,rsa_pss_rsae_sha256' has an empty name"},
    };
    for (const NameCase &nc : cases) {
        SCOPED_TRACE(nc.input);
        CfgPtr c = NewCfg();
        ASSERT_EQ(0, tls_config_set_signature_schemes(c.get(), "ecdsa_secp384r1_sha384"));
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_signature_schemes(c.get(), nc.input));
        EXPECT_STREQ(nc.msg, tls_config_error(c.get()));
        EXPECT_EQ((std::vector<uint16_t>{0x0503}), Sigalgs(c.get()));
    }
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_signature_schemes(c.get(), nullptr));
    EXPECT_STREQ("signature scheme list is empty; " SIGALG_NAMES, tls_config_error(c.get()));
    EXPECT_EQ(0, c->sigalgs_set); // a refused call leaves the default in place
    EXPECT_EQ(9u, c->n_sigalgs);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_signature_schemes(nullptr, "ed25519"));
}

// The signing list is parsed by the same rules, names itself in its sentences, and leaves the
// offered/accepted list alone (and is left alone by it).
TEST(ConfigSigningSchemes, KeepsItsOwnOrderApartFromTheAcceptedList) {
    CfgPtr c = NewCfg();
    EXPECT_EQ(0u, c->n_sign_sigalgs);
    ASSERT_EQ(0, tls_config_set_signing_schemes(c.get(), "rsa_pss_rsae_sha512,ed25519"));
    EXPECT_EQ((std::vector<uint16_t>{0x0806, 0x0807}),
              std::vector<uint16_t>(c->sign_sigalgs, c->sign_sigalgs + c->n_sign_sigalgs));
    EXPECT_EQ(0, c->sigalgs_set);
    EXPECT_EQ(9u, c->n_sigalgs);
    ASSERT_EQ(0, tls_config_set_signature_schemes(c.get(), "ecdsa_secp256r1_sha256"));
    EXPECT_EQ(2u, c->n_sign_sigalgs);
    EXPECT_STREQ("", tls_config_error(c.get()));
}

TEST(ConfigSigningSchemes, RefusesWithASentenceAndChangesNothing) {
    const NameCase cases[] = {
        {"rsa_pkcs1_sha1",
         "signing scheme 'rsa_pkcs1_sha1' is refused (SHA-1: RFC 9155); " SIGALG_NAMES},
        {"ed448", "signing scheme 'ed448' is unknown; " SIGALG_NAMES},
        {"ed25519,ed25519", "signing scheme 'ed25519' is listed twice"},
        {"", "signing scheme list is empty; " SIGALG_NAMES},
        {":ed25519", "signing scheme list ':ed25519' has an empty name"},
    };
    for (const NameCase &nc : cases) {
        SCOPED_TRACE(nc.input);
        CfgPtr c = NewCfg();
        ASSERT_EQ(0, tls_config_set_signing_schemes(c.get(), "ecdsa_secp384r1_sha384"));
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_signing_schemes(c.get(), nc.input));
        EXPECT_STREQ(nc.msg, tls_config_error(c.get()));
        ASSERT_EQ(1u, c->n_sign_sigalgs);
        EXPECT_EQ(0x0503, c->sign_sigalgs[0]);
    }
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_signing_schemes(nullptr, "ed25519"));
}

TEST(ConfigSignatureSchemes, NamesOfSchemes) {
    EXPECT_STREQ("rsa_pss_rsae_sha256", tls_signature_scheme_name(0x0804));
    EXPECT_STREQ("ecdsa_secp384r1_sha384", tls_signature_scheme_name(0x0503));
    EXPECT_STREQ("ed25519", tls_signature_scheme_name(0x0807));
    EXPECT_STREQ("unknown", tls_signature_scheme_name(0x2a01));
    EXPECT_STREQ("unknown", tls_signature_scheme_name(0));
}

// ------------------------------------------------------------------------------------------
// ALPN

TEST(ConfigAlpn, StoresTheProtocolNameListBody) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), "h2,http/1.1"));
    // RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, each opaque<1..2^8-1>.
    EXPECT_EQ("02"
              "6832"
              "08"
              "687474702f312e31",
              Alpn(c.get()));
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), "x"));
    EXPECT_EQ("0178", Alpn(c.get()));
}

TEST(ConfigAlpn, NullOrEmptyClears) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), "h2"));
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), nullptr));
    EXPECT_EQ(0u, c->alpn_len);
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), "h2"));
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), ""));
    EXPECT_EQ(0u, c->alpn_len);
}

TEST(ConfigAlpn, LengthLimits) {
    CfgPtr c = NewCfg();
    std::string n255(255, 'a'), n256(256, 'a');
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), n255.c_str()));
    EXPECT_EQ(256u, c->alpn_len);
    EXPECT_EQ(255, c->alpn[0]);
    // Two 255-byte names fill the 512-byte wire limit exactly.
    std::string two = n255 + "," + std::string(255, 'b');
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), two.c_str()));
    EXPECT_EQ(512u, c->alpn_len);
    std::string three = two + ",c";
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_alpn(c.get(), three.c_str()));
    EXPECT_STREQ("ALPN list is longer than 512 bytes in wire format", tls_config_error(c.get()));
    EXPECT_EQ(512u, c->alpn_len);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_alpn(c.get(), ("h2," + n256).c_str()));
    EXPECT_EQ("ALPN protocol '" + std::string(64, 'a') + "...' is longer than 255 bytes",
              tls_config_error(c.get()));
    EXPECT_EQ(512u, c->alpn_len);
}

TEST(ConfigAlpn, RefusesWithASentenceAndChangesNothing) {
    const NameCase cases[] = {
        {"h2,,http/1.1", "ALPN list 'h2,,http/1.1' has an empty name"},
        {",h2", "ALPN list ',h2' has an empty name"},
        {"h2,", "ALPN list 'h2,' has an empty name"},
        {"h2, http/1.1", "ALPN protocol ' http/1.1' contains a space or control character"},
        {"h2\t", "ALPN protocol 'h2\t' contains a space or control character"},
        {"h2,http/1.1,h2", "ALPN protocol 'h2' is listed twice"},
    };
    for (const NameCase &nc : cases) {
        SCOPED_TRACE(nc.input);
        CfgPtr c = NewCfg();
        ASSERT_EQ(0, tls_config_set_alpn(c.get(), "h2"));
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_alpn(c.get(), nc.input));
        EXPECT_STREQ(nc.msg, tls_config_error(c.get()));
        EXPECT_EQ("026832", Alpn(c.get()));
    }
}

// ------------------------------------------------------------------------------------------
// RNG

void CountingRng(void *ctx, uint8_t *out, size_t len) {
    memset(out, 0x5a, len);
    ++*static_cast<int *>(ctx);
}

TEST(ConfigRng, SetsAndResets) {
    CfgPtr c = NewCfg();
    int calls = 0;
    ASSERT_EQ(0, tls_config_set_rng(c.get(), CountingRng, &calls));
    EXPECT_EQ(&CountingRng, c->rng.fn);
    EXPECT_EQ(&calls, c->rng.ctx);
    uint8_t b[4];
    tlsio_rng_bytes(&c->rng, b, sizeof b);
    EXPECT_EQ(1, calls);
    EXPECT_EQ("5a5a5a5a", ToHex(b, 4));
    ASSERT_EQ(0, tls_config_set_rng(c.get(), nullptr, &calls));
    EXPECT_EQ(nullptr, c->rng.fn);
    EXPECT_EQ(nullptr, c->rng.ctx);
}

// ------------------------------------------------------------------------------------------
// Resumption settings: the limits tls.h gives, each refusal with a sentence.

TEST(ConfigResumption, SessionTicketsUpToEight) {
    CfgPtr c = NewCfg();
    EXPECT_EQ(0, tls_config_set_session_tickets(c.get(), 0));
    EXPECT_EQ(0, tls_config_set_session_tickets(c.get(), 8));
    EXPECT_EQ(8u, c->tickets);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_session_tickets(c.get(), 9));
    EXPECT_STREQ("session tickets: 9 per handshake, at most 8", tls_config_error(c.get()));
    EXPECT_EQ(8u, c->tickets);
}

TEST(ConfigResumption, SessionLifetimeFromOneSecondToSevenDays) {
    CfgPtr c = NewCfg();
    EXPECT_EQ(7200u, c->ticket_lifetime);
    EXPECT_EQ(0, tls_config_set_session_lifetime(c.get(), 1));
    EXPECT_EQ(0, tls_config_set_session_lifetime(c.get(), 604800));
    EXPECT_STREQ("", tls_config_error(c.get()));
    for (unsigned bad : {0u, 604801u}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(TLS_E_USAGE, tls_config_set_session_lifetime(c.get(), bad));
        EXPECT_EQ("session lifetime: " + std::to_string(bad) +
                      " seconds, must be 1..604800 (7 days, RFC 8446 §4.6.1)",
                  tls_config_error(c.get()));
        EXPECT_EQ(604800u, c->ticket_lifetime);
    }
}

TEST(ConfigResumption, SessionCacheUpTo65536) {
    CfgPtr c = NewCfg();
    EXPECT_EQ(64u, c->session_cache_size);
    EXPECT_EQ(0, tls_config_set_session_cache(c.get(), 0));
    EXPECT_EQ(0, tls_config_set_session_cache(c.get(), 65536));
    EXPECT_EQ(65536u, c->session_cache_size);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_session_cache(c.get(), 65537));
    EXPECT_STREQ("session cache: 65537 entries, at most 65536", tls_config_error(c.get()));
    EXPECT_EQ(65536u, c->session_cache_size);
}

TEST(ConfigTicketKeys, RefusalsHaveASentenceAndSuccessClearsIt) {
    CfgPtr c = NewCfg();
    uint8_t keys[5 * TLS_TICKET_KEY_LEN];
    for (size_t i = 0; i < sizeof keys; i++)
        keys[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(c.get(), keys, 0));
    EXPECT_STREQ("ticket keys: 0 keys, must be 1..4", tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(c.get(), keys, 5));
    EXPECT_STREQ("ticket keys: 5 keys, must be 1..4", tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(c.get(), nullptr, 2));
    EXPECT_STREQ("ticket keys are NULL", tls_config_error(c.get()));
    EXPECT_EQ(0u, c->ticket_keys.n); // nothing was set
    EXPECT_EQ(0, tls_config_set_ticket_keys(c.get(), keys, 4));
    EXPECT_STREQ("", tls_config_error(c.get()));
    EXPECT_EQ(4u, c->ticket_keys.n);
    // Rotating clears an earlier setter's sentence too, as every setter does.
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(c.get(), keys, 5));
    EXPECT_NE(std::string(""), tls_config_error(c.get()));
    EXPECT_EQ(0, tls_config_rotate_ticket_key(c.get(), keys + 4 * TLS_TICKET_KEY_LEN));
    EXPECT_STREQ("", tls_config_error(c.get()));
    EXPECT_EQ(0, memcmp(c->ticket_keys.keys[0], keys + 4 * TLS_TICKET_KEY_LEN, TLS_TICKET_KEY_LEN));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(nullptr, keys, 1));
    EXPECT_EQ(TLS_E_USAGE, tls_config_rotate_ticket_key(nullptr, keys));
}

TEST(ConfigTicketKeys, OnAConfigInUseRefusalsWriteNothing) {
    CfgPtr c = NewCfg();
    uint8_t keys[2 * TLS_TICKET_KEY_LEN] = {1};
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_alpn(c.get(), ",")); // a sentence from before
    std::string before = c->err.msg;
    ASSERT_NE("", before);
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), nullptr));
    // Other threads may read a frozen config's error slot: a refusal leaves it alone, and
    // tls_config_error keeps the frozen config's constant.
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(c.get(), keys, 5));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(c.get(), nullptr, 1));
    EXPECT_STREQ(kFrozen, tls_config_error(c.get()));
    EXPECT_EQ(before, c->err.msg);
    // These two still work there, writing nothing but the keys.
    EXPECT_EQ(0, tls_config_set_ticket_keys(c.get(), keys, 2));
    EXPECT_EQ(0, tls_config_rotate_ticket_key(c.get(), nullptr));
    EXPECT_EQ(3u, c->ticket_keys.n);
    EXPECT_EQ(before, c->err.msg);
}

// ------------------------------------------------------------------------------------------
// Certificate chains

struct CertTest : ::testing::Test {
    TestPki pki;
    Cert ca = pki.MakeCa("Test Root");
    Cert mid = pki.MakeIntermediate(ca, "Test Intermediate", KeyType::kEcdsaP384);
};

TEST_F(CertTest, StoresTheChainLeafFirst) {
    Cert leaf = pki.MakeLeaf(mid, {.dns = {"a.example"}});
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, AddCert(c.get(), leaf.chain_pem(), leaf.key_pem())) << tls_config_error(c.get());
    ASSERT_EQ(1u, c->n_chains);
    const tlsio_chain &ch = c->chains[0];
    ASSERT_EQ(2u, ch.n_certs);
    EXPECT_EQ(leaf.der(), CbsBytes(ch.certs[0]));
    EXPECT_EQ(mid.der(), CbsBytes(ch.certs[1]));
    EXPECT_EQ(leaf.der().size() + mid.der().size(), ch.der_len);
    EXPECT_EQ(ch.der, CBS_data(&ch.certs[0]));
    ASSERT_NE(nullptr, ch.key);
    EXPECT_EQ(TLSIO_KEY_EC_P256, tlsio_pkey_type(ch.key));
    EXPECT_TRUE(tlsio_pkey_has_private(ch.key));
    EXPECT_STREQ("", tls_config_error(c.get()));
}

TEST_F(CertTest, AcceptsEachSupportedKeyTypeInEitherPemForm) {
    const std::pair<KeyType, tlsio_key_type> types[] = {
        {KeyType::kEcdsaP256, TLSIO_KEY_EC_P256},
        {KeyType::kEcdsaP384, TLSIO_KEY_EC_P384},
        {KeyType::kRsa2048, TLSIO_KEY_RSA},
        {KeyType::kEd25519, TLSIO_KEY_ED25519},
    };
    for (auto [kt, want] : types) {
        for (bool traditional : {false, true}) {
            SCOPED_TRACE(std::string(tlsio_test::KeyTypeName(kt)) + (traditional ? " trad" : ""));
            Cert leaf = pki.MakeLeaf(ca, {.dns = {"k.example"}, .key = kt});
            CfgPtr c = NewCfg();
            ASSERT_EQ(0, AddCert(c.get(), leaf.chain_pem(), leaf.key_pem(traditional)))
                << tls_config_error(c.get());
            EXPECT_EQ(want, tlsio_pkey_type(c->chains[0].key));
            EXPECT_EQ(1u, c->chains[0].n_certs);
        }
    }
}

TEST_F(CertTest, KeyThatDoesNotMatchTheLeafIsRefused) {
    Cert a = pki.MakeLeaf(ca, {.dns = {"a.example"}});
    Cert b = pki.MakeLeaf(ca, {.dns = {"b.example"}, .org = "Example Org"});
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), a.chain_pem(), b.key_pem()));
    EXPECT_STREQ("private key does not match the certificate 'CN=a.example'",
                 tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), b.chain_pem(), a.key_pem()));
    EXPECT_STREQ("private key does not match the certificate 'CN=b.example,O=Example Org'",
                 tls_config_error(c.get()));
    // Same type, different key; and different types.
    Cert r = pki.MakeLeaf(ca, {.dns = {"r.example"}, .key = KeyType::kRsa2048});
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), r.chain_pem(), a.key_pem()));
    EXPECT_STREQ("private key does not match the certificate 'CN=r.example'",
                 tls_config_error(c.get()));
    // The key of the intermediate (second in the chain) does not count either.
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), a.cert_pem() + mid.cert_pem(), mid.key_pem()));
    EXPECT_EQ(0u, c->n_chains);
}

// A leaf whose keyUsage forbids signing would be refused by every peer (RFC 8446 §4.4.2.2):
// say so when it is configured.
TEST_F(CertTest, LeafThatMayNotSignIsRefused) {
    Cert ka = pki.MakeLeaf(ca, {.dns = {"ka.example"}, .key_usage = tlsio_test::kKuKeyAgreement});
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), ka.chain_pem(), ka.key_pem()));
    EXPECT_STREQ("our certificate 'CN=ka.example' has a keyUsage without digitalSignature: its "
                 "key may not sign the handshake (RFC 8446 §4.4.2.2, RFC 5246 §7.4.2)",
                 tls_config_error(c.get()));
    EXPECT_EQ(0u, c->n_chains);
    Cert none = pki.MakeLeaf(ca, {.dns = {"n.example"}, .key_usage = tlsio_test::kKuAbsent});
    EXPECT_EQ(0, AddCert(c.get(), none.chain_pem(), none.key_pem())) << tls_config_error(c.get());
}

TEST_F(CertTest, Rsa1024IsRefused) {
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"weak.example"}, .key = KeyType::kRsa1024});
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), leaf.chain_pem(), leaf.key_pem()));
    // The sentence is crypto_sig's; it names the input, the size found and the minimum.
    std::string msg = tls_config_error(c.get());
    EXPECT_EQ(0u, msg.find("private key PEM: ")) << msg;
    EXPECT_NE(std::string::npos, msg.find("1024")) << msg;
    EXPECT_NE(std::string::npos, msg.find("2048")) << msg;
    EXPECT_EQ(0u, c->n_chains);
}

TEST_F(CertTest, RsaAbove4096BitsIsRefused) {
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"big.example"}});
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), leaf.chain_pem(), kRsa4104KeyPem));
    EXPECT_STREQ("RSA private key has 4104 bits; tlsio supports 2048 to 4096",
                 tls_config_error(c.get()));
    EXPECT_EQ(0u, c->n_chains);
}

TEST_F(CertTest, P521IsRefused) {
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"p521.example"}, .key = KeyType::kEcdsaP521});
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), leaf.chain_pem(), leaf.key_pem()));
    EXPECT_STREQ("private key type ECDSA P-521 is not supported for certificates (use ECDSA "
                 "P-256/P-384, RSA 2048-4096 or Ed25519)",
                 tls_config_error(c.get()));
}

TEST_F(CertTest, LeafWithAnUnsupportedKeyIsRefused) {
    // A certificate whose key tlsio cannot use, with a private key that is fine on its own.
    Cert weak = pki.MakeLeaf(ca, {.dns = {"weak.example"}, .key = KeyType::kRsa1024});
    Cert good = pki.MakeLeaf(ca, {.dns = {"good.example"}, .key = KeyType::kRsa2048});
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), weak.cert_pem(), good.key_pem()));
    EXPECT_EQ(0, strncmp("leaf certificate: ", tls_config_error(c.get()), 18))
        << tls_config_error(c.get());
    EXPECT_EQ(TLS_ERRCAT_USAGE, c->err.category);
}

TEST_F(CertTest, ChainLengthIsBounded) {
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"a.example"}});
    std::string ten = leaf.cert_pem();
    for (int i = 1; i < TLSIO_MAX_CHAIN_LEN; i++)
        ten += mid.cert_pem();
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, AddCert(c.get(), ten, leaf.key_pem())) << tls_config_error(c.get());
    EXPECT_EQ(10u, c->chains[0].n_certs);
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), ten + ca.cert_pem(), leaf.key_pem()));
    EXPECT_STREQ("certificate chain PEM: more than 10 certificates", tls_config_error(c.get()));
    EXPECT_EQ(1u, c->n_chains);
}

TEST_F(CertTest, MalformedChainPemIsRefused) {
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"a.example"}});
    const std::string key = leaf.key_pem();
    // A DER SEQUENCE { INTEGER 1 }: valid base64 and DER, not a certificate.
    const std::string not_cert =
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    const std::string bad_b64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    const NameCase cases[] = {
        {"", "certificate chain PEM: no CERTIFICATE block found"},
        {"hello\n", "certificate chain PEM: no CERTIFICATE block found"},
        {key.c_str(), "certificate chain PEM: no CERTIFICATE block found"},
        {not_cert.c_str(), "certificate chain PEM: certificate 1 is malformed"},
        {bad_b64.c_str(), "certificate chain PEM: block 1 is not valid PEM"},
    };
    for (const NameCase &nc : cases) {
        SCOPED_TRACE(nc.input);
        CfgPtr c = NewCfg();
        EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), nc.input, key));
        EXPECT_STREQ(nc.msg, tls_config_error(c.get()));
        EXPECT_EQ(0u, c->n_chains);
    }
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), leaf.cert_pem() + not_cert, key));
    EXPECT_STREQ("certificate chain PEM: certificate 2 is malformed", tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), leaf.cert_pem() + bad_b64, key));
    EXPECT_STREQ("certificate chain PEM: block 2 is not valid PEM", tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_pem(c.get(), nullptr, 10, key.data(), key.size()));
    EXPECT_STREQ("certificate chain or key PEM is NULL", tls_config_error(c.get()));
    EXPECT_EQ(0u, c->n_chains);
}

TEST_F(CertTest, OtherPemBlocksInTheChainAreSkipped) {
    Cert leaf = pki.MakeLeaf(mid, {.dns = {"a.example"}});
    CfgPtr c = NewCfg();
    // A combined file: key first, then the chain, with comments between blocks.
    std::string combined =
        leaf.key_pem() + "# leaf\n" + leaf.cert_pem() + "# mid\n" + mid.cert_pem();
    ASSERT_EQ(0, AddCert(c.get(), combined, leaf.key_pem())) << tls_config_error(c.get());
    EXPECT_EQ(2u, c->chains[0].n_certs);
    EXPECT_EQ(leaf.der(), CbsBytes(c->chains[0].certs[0]));
}

TEST_F(CertTest, BadKeyPemIsRefused) {
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"a.example"}});
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), leaf.chain_pem(), "not a key"));
    EXPECT_EQ(0, strncmp("private key PEM: ", tls_config_error(c.get()), 17))
        << tls_config_error(c.get());
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), leaf.chain_pem(), leaf.cert_pem()));
    EXPECT_EQ(0, strncmp("private key PEM: ", tls_config_error(c.get()), 17));
    EXPECT_EQ(0u, c->n_chains);
}

TEST_F(CertTest, UpToEightChainsInOrder) {
    CfgPtr c = NewCfg();
    std::vector<Cert> leaves;
    const KeyType kinds[] = {KeyType::kEcdsaP256, KeyType::kRsa2048, KeyType::kEd25519,
                             KeyType::kEcdsaP384};
    for (int i = 0; i < TLSIO_MAX_CHAINS; i++) {
        std::string name = "s" + std::to_string(i) + ".example";
        leaves.push_back(pki.MakeLeaf(ca, {.dns = {name}, .key = kinds[i % 4]}));
        ASSERT_EQ(0, AddCert(c.get(), leaves.back().chain_pem(), leaves.back().key_pem()))
            << tls_config_error(c.get());
    }
    ASSERT_EQ(8u, c->n_chains);
    for (int i = 0; i < TLSIO_MAX_CHAINS; i++)
        EXPECT_EQ(leaves[i].der(), CbsBytes(c->chains[i].certs[0])) << i;
    Cert ninth = pki.MakeLeaf(ca, {.dns = {"s8.example"}});
    EXPECT_EQ(TLS_E_USAGE, AddCert(c.get(), ninth.chain_pem(), ninth.key_pem()));
    EXPECT_STREQ("at most 8 certificate chains can be configured", tls_config_error(c.get()));
    EXPECT_EQ(8u, c->n_chains);
}

// ------------------------------------------------------------------------------------------
// Trust anchors from memory

TEST_F(CertTest, CaPemWithSeveralCertificates) {
    Cert ca2 = pki.MakeCa("Second Root", KeyType::kRsa2048);
    Cert ca3 = pki.MakeCa("Third Root", KeyType::kEd25519);
    CfgPtr c = NewCfg();
    std::string bundle = "# Test Root\n" + ca.cert_pem() + "\n# Second\n" + ca2.cert_pem() +
                         ca3.cert_pem() + "trailing text\n";
    ASSERT_EQ(0, AddCa(c.get(), bundle)) << tls_config_error(c.get());
    EXPECT_EQ(3u, TrustCount(c.get()));
    EXPECT_EQ(1, c->trust_explicit);
    // More anchors accumulate; duplicates are harmless.
    ASSERT_EQ(0, AddCa(c.get(), mid.cert_pem() + ca.cert_pem()));
    EXPECT_EQ(4u, TrustCount(c.get()));
}

TEST_F(CertTest, CaPemFailureChangesNothing) {
    const std::string not_cert =
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, AddCa(c.get(), ca.cert_pem() + mid.cert_pem() + not_cert));
    EXPECT_STREQ("CA PEM: certificate 3 is malformed", tls_config_error(c.get()));
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_EQ(0, c->trust_explicit);
    EXPECT_EQ(TLS_E_USAGE, AddCa(c.get(), ""));
    EXPECT_STREQ("CA PEM: no CERTIFICATE block found", tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_pem(c.get(), nullptr, 3));
    EXPECT_STREQ("CA PEM is NULL", tls_config_error(c.get()));
    EXPECT_EQ(nullptr, c->trust);
    ASSERT_EQ(0, AddCa(c.get(), ca.cert_pem()));
    // A bad bundle leaves an existing store as it was: the good certificates before the bad
    // one are not added either.
    EXPECT_EQ(TLS_E_USAGE, AddCa(c.get(), mid.cert_pem() + not_cert));
    EXPECT_EQ(1u, TrustCount(c.get()));
}

TEST(ConfigCaDer, RefusesBrokenFraming) {
    CfgPtr c = NewCfg();
    tlsio_err err;
    tlsio_err_clear(&err);
    const uint8_t junk[] = {0x30, 0x05, 0x02, 0x01};
    EXPECT_EQ(TLS_E_USAGE, tlsio_config_add_ca_der(c.get(), junk, sizeof junk, &err));
    EXPECT_STREQ("CA certificate 1: malformed DER", err.msg);
    tlsio_err_clear(&err);
    EXPECT_EQ(TLS_E_USAGE, tlsio_config_add_ca_der(c.get(), junk, 0, &err));
    EXPECT_STREQ("no CA certificate given", err.msg);
    EXPECT_EQ(nullptr, c->trust);
}

TEST(ConfigPem, SplitsCertificatesIntoDer) {
    TestPki pki;
    Cert a = pki.MakeCa("A"), b = pki.MakeCa("B");
    std::string pem = a.cert_pem() + b.cert_pem();
    bssl::ScopedCBB cbb;
    ASSERT_TRUE(CBB_init(cbb.get(), 0));
    tlsio_err err;
    tlsio_err_clear(&err);
    size_t n = 0;
    ASSERT_EQ(0, tlsio_pem_certs_to_der(reinterpret_cast<const uint8_t *>(pem.data()), pem.size(),
                                        0, "test", cbb.get(), &n, &err));
    EXPECT_EQ(2u, n);
    Bytes want = a.der();
    want.insert(want.end(), b.der().begin(), b.der().end());
    EXPECT_EQ(ToHex(want), ToHex(CBB_data(cbb.get()), CBB_len(cbb.get())));
    // The legacy "X509 CERTIFICATE" label counts too (RFC 7468 §5.3).
    std::string legacy = a.cert_pem();
    for (const char *tag : {"BEGIN ", "END "}) {
        size_t at = legacy.find(std::string(tag) + "CERTIFICATE");
        legacy.insert(at + strlen(tag), "X509 ");
    }
    bssl::ScopedCBB cbb2;
    ASSERT_TRUE(CBB_init(cbb2.get(), 0));
    ASSERT_EQ(0, tlsio_pem_certs_to_der(reinterpret_cast<const uint8_t *>(legacy.data()),
                                        legacy.size(), 1, "test", cbb2.get(), &n, &err));
    EXPECT_EQ(1u, n);
    EXPECT_EQ(ToHex(a.der()), ToHex(CBB_data(cbb2.get()), CBB_len(cbb2.get())));
    // NULL with length 0 is an empty input.
    bssl::ScopedCBB cbb3;
    ASSERT_TRUE(CBB_init(cbb3.get(), 0));
    EXPECT_EQ(TLS_E_USAGE, tlsio_pem_certs_to_der(nullptr, 0, 0, "empty", cbb3.get(), &n, &err));
    EXPECT_STREQ("empty: no CERTIFICATE block found", err.msg);
    EXPECT_EQ(0u, n);
}

// ------------------------------------------------------------------------------------------
// Freezing

// The loader receives only the config: tests reach their state through cfg->rng.ctx, which
// they set with tls_config_set_rng(cfg, NoRng, &state) before freezing.
void NoRng(void *, uint8_t *out, size_t len) {
    memset(out, 0, len);
}

struct LoaderState {
    std::atomic<int> calls{0};
    Bytes ca_der;
    int result = 0;
    const char *sentence = nullptr;
    int sleep_ms = 0;
};

int TestLoader(tls_config *cfg, tlsio_err *err) {
    auto *st = static_cast<LoaderState *>(cfg->rng.ctx);
    st->calls++;
    if (st->sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(st->sleep_ms));
    if (st->result != 0) {
        if (st->sentence) tlsio_err_set(err, st->result, "%s", st->sentence);
        return st->result;
    }
    return tlsio_config_add_ca_der(cfg, st->ca_der.data(), st->ca_der.size(), err);
}

TEST(ConfigFreeze, FrozenConfigRefusesEverySetterAndKeepsItsState) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"a.example"}});
    TempDir dir;
    std::string ca_path = dir.Write("ca.pem", ca.cert_pem());
    std::string chain_path = dir.Write("chain.pem", leaf.chain_pem());
    std::string key_path = dir.Write("key.pem", leaf.key_pem());

    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_alpn(c.get(), "h2"));
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), nullptr));
    EXPECT_EQ(2, c->frozen.load());
    EXPECT_EQ(TLS_E_USAGE, tlsio_config_check_mutable(c.get()));
    EXPECT_STREQ(kFrozen, tls_config_error(c.get()));

    std::string ca_pem = ca.cert_pem(), chain = leaf.chain_pem(), key = leaf.key_pem();
    int calls = 0;
    const std::vector<std::pair<const char *, std::function<int()>>> setters = {
        {"versions", [&] { return tls_config_set_versions(c.get(), 0x0304, 0x0304); }},
        {"ciphers", [&] { return tls_config_set_ciphers(c.get(), "TLS_AES_128_GCM_SHA256"); }},
        {"groups", [&] { return tls_config_set_groups(c.get(), "x25519"); }},
        {"sigalgs", [&] { return tls_config_set_signature_schemes(c.get(), "ed25519"); }},
        {"signing", [&] { return tls_config_set_signing_schemes(c.get(), "ed25519"); }},
        {"alpn", [&] { return tls_config_set_alpn(c.get(), "http/1.1"); }},
        {"alpn bad", [&] { return tls_config_set_alpn(c.get(), ",,"); }},
        {"rng", [&] { return tls_config_set_rng(c.get(), CountingRng, &calls); }},
        {"record size limit", [&] { return tls_config_set_record_size_limit(c.get(), 512); }},
        {"ca pem", [&] { return AddCa(c.get(), ca_pem); }},
        {"cert pem", [&] { return AddCert(c.get(), chain, key); }},
        {"ca file", [&] { return tls_config_add_ca_file(c.get(), ca_path.c_str()); }},
        {"cert file",
         [&] { return tls_config_add_cert_file(c.get(), chain_path.c_str(), key_path.c_str()); }},
        {"ca system", [&] { return tls_config_add_ca_system(c.get()); }},
    };
    for (auto &[name, fn] : setters) {
        SCOPED_TRACE(name);
        EXPECT_EQ(TLS_E_USAGE, fn());
        EXPECT_STREQ(kFrozen, tls_config_error(c.get()));
    }
    EXPECT_EQ(TLS_VERSION_1_2, c->min_version);
    EXPECT_EQ(9u, c->n_suites);
    EXPECT_EQ(3u, c->n_groups);
    EXPECT_EQ(9u, c->n_sigalgs);
    EXPECT_EQ(0, c->sigalgs_set);
    EXPECT_EQ("026832", Alpn(c.get()));
    EXPECT_EQ(nullptr, c->rng.fn);
    EXPECT_EQ(16384u, c->record_size_limit);
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_EQ(0, c->trust_explicit);
    EXPECT_EQ(0u, c->n_chains);
    EXPECT_EQ(2, c->frozen.load());
}

TEST(ConfigFreeze, LoadsTheSystemStoreOnceWhenNoAnchorsWereAdded) {
    TestPki pki;
    LoaderState st;
    st.ca_der = pki.MakeCa("System Root").der();
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_rng(c.get(), NoRng, &st));
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), TestLoader));
    EXPECT_EQ(1, st.calls.load());
    EXPECT_EQ(1u, TrustCount(c.get()));
    EXPECT_EQ(0, c->trust_explicit);
    EXPECT_EQ(0, c->trust_err.code);
    EXPECT_EQ(2, c->frozen.load());
    // Idempotent: freezing again does nothing.
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), TestLoader));
    EXPECT_EQ(1, st.calls.load());
}

TEST(ConfigFreeze, ExplicitAnchorsSkipTheLoader) {
    TestPki pki;
    LoaderState st;
    st.ca_der = pki.MakeCa("System Root").der();
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_rng(c.get(), NoRng, &st));
    ASSERT_EQ(0, AddCa(c.get(), pki.MakeCa("Mine").cert_pem()));
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), TestLoader));
    EXPECT_EQ(0, st.calls.load());
    EXPECT_EQ(1u, TrustCount(c.get()));
}

TEST(ConfigFreeze, ALoaderFailureIsRecordedButNotFatal) {
    LoaderState st;
    st.result = TLS_E_USAGE;
    st.sentence = "SSL_CERT_FILE '/nowhere': cannot open: No such file or directory";
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_rng(c.get(), NoRng, &st));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_groups(c.get(), "x448")); // an old failure
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), TestLoader));
    EXPECT_EQ(2, c->frozen.load());
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_STREQ(kFrozen, tls_config_error(c.get())); // frozen: the slot is not shown
    EXPECT_EQ(TLS_E_USAGE, c->trust_err.code);
    EXPECT_STREQ(st.sentence, c->trust_err.msg);
}

TEST(ConfigFreeze, ALoaderFailureWithoutASentenceGetsOne) {
    LoaderState st;
    st.result = TLS_E_NOMEM;
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_set_rng(c.get(), NoRng, &st));
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), TestLoader));
    EXPECT_STREQ(kFrozen, tls_config_error(c.get())); // frozen: the slot is not shown
    EXPECT_EQ(TLS_E_NOMEM, c->trust_err.code);
    EXPECT_STREQ("the system trust store could not be loaded (out_of_memory)", c->trust_err.msg);
}

TEST(ConfigFreeze, WithoutLoaderOrAnchorsTrustErrSaysWhy) {
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), nullptr));
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_STREQ("no trust anchors were added with tls_config_add_ca_*", c->trust_err.msg);
    EXPECT_STREQ(kFrozen, tls_config_error(c.get()));
}

TEST(ConfigFreeze, ConcurrentFreezeRunsTheLoaderOnceAndPublishesItsWork) {
    TestPki pki;
    for (int round = 0; round < 20; round++) {
        LoaderState st;
        st.ca_der = pki.MakeCa("System Root").der();
        st.sleep_ms = round == 0 ? 50 : 0; // one round with a slow loader, others racing tight
        CfgPtr c = NewCfg();
        ASSERT_EQ(0, tls_config_set_rng(c.get(), NoRng, &st));
        const int kThreads = 8;
        std::atomic<bool> go{false};
        std::atomic<int> ok{0}, saw_trust{0}, saw_frozen{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; i++)
            threads.emplace_back([&] {
                while (!go.load()) {
                }
                if (tlsio_config_freeze(c.get(), TestLoader) == 0) ok++;
                if (c->frozen.load() == 2) saw_frozen++;
                if (TrustCount(c.get()) == 1) saw_trust++;
            });
        go = true;
        for (auto &t : threads)
            t.join();
        EXPECT_EQ(1, st.calls.load());
        EXPECT_EQ(kThreads, ok.load());
        EXPECT_EQ(kThreads, saw_frozen.load());
        EXPECT_EQ(kThreads, saw_trust.load());
    }
}

// ------------------------------------------------------------------------------------------
// Reference counting

TEST(ConfigRefcount, TheLastFreeReleasesEverything) {
    TestPki pki;
    Cert ca = pki.MakeCa("Root");
    Cert leaf = pki.MakeLeaf(ca, {.dns = {"a.example"}, .key = KeyType::kRsa2048});
    tls_config *c = tls_config_new();
    ASSERT_NE(nullptr, c);
    ASSERT_EQ(0, AddCa(c, ca.cert_pem()));
    ASSERT_EQ(0, AddCert(c, leaf.chain_pem(), leaf.key_pem()));
    ASSERT_EQ(0, AddCert(c, leaf.chain_pem(), leaf.key_pem()));
    EXPECT_EQ(c, tls_config_ref(c));
    EXPECT_EQ(2, c->refs.load());
    EXPECT_EQ(c, tls_config_ref(c));
    EXPECT_EQ(3, c->refs.load());
    tls_config_free(c);
    tls_config_free(c);
    EXPECT_EQ(1, c->refs.load());
    ASSERT_EQ(0, tlsio_config_freeze(c, nullptr));
    tls_config_free(c); // LeakSanitizer (the ASan build) checks that everything went
}

TEST(ConfigRefcount, RefAndFreeFromManyThreads) {
    tls_config *c = tls_config_new();
    ASSERT_NE(nullptr, c);
    ASSERT_EQ(0, tls_config_set_alpn(c, "h2"));
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; i++)
        threads.emplace_back([c] {
            for (int j = 0; j < 2000; j++) {
                tls_config *r = tls_config_ref(c);
                EXPECT_EQ(2u, r->alpn[0] == 2 ? 2u : 0u);
                tls_config_free(r);
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(1, c->refs.load());
    tls_config_free(c);
}

// ------------------------------------------------------------------------------------------
// Files

struct FileTest : CertTest {
    TempDir dir;
    EnvGuard env;
};

TEST_F(FileTest, CaFile) {
    Cert ca2 = pki.MakeCa("Second Root");
    std::string p = dir.Write("bundle.pem", ca.cert_pem() + ca2.cert_pem());
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_add_ca_file(c.get(), p.c_str())) << tls_config_error(c.get());
    EXPECT_EQ(2u, TrustCount(c.get()));
    EXPECT_EQ(1, c->trust_explicit);
    EXPECT_STREQ("", tls_config_error(c.get()));
}

TEST_F(FileTest, CaFileErrors) {
    CfgPtr c = NewCfg();
    std::string missing = dir.path() + "/missing.pem";
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_file(c.get(), missing.c_str()));
    EXPECT_EQ("CA file '" + missing + "': cannot open: No such file or directory",
              tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_file(c.get(), dir.path().c_str()));
    EXPECT_EQ("CA file '" + dir.path() + "': not a regular file", tls_config_error(c.get()));
    std::string text = dir.Write("text.pem", "just text\n");
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_file(c.get(), text.c_str()));
    EXPECT_EQ("CA file '" + text + "': CA PEM: no CERTIFICATE block found",
              tls_config_error(c.get()));
    // 16 MiB + 1 byte (sparse): refused before reading.
    std::string big = dir.Write("big.pem", "");
    ASSERT_EQ(0, truncate(big.c_str(), 16 * 1024 * 1024 + 1));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_file(c.get(), big.c_str()));
    EXPECT_EQ("CA file '" + big + "': larger than 16 MiB", tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_file(c.get(), nullptr));
    EXPECT_STREQ("CA file path is NULL", tls_config_error(c.get()));
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_EQ(0, c->trust_explicit);
}

TEST_F(FileTest, CertFile) {
    Cert leaf = pki.MakeLeaf(mid, {.dns = {"a.example"}, .key = KeyType::kEd25519});
    std::string chain = dir.Write("chain.pem", leaf.chain_pem());
    std::string key = dir.Write("key.pem", leaf.key_pem());
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_add_cert_file(c.get(), chain.c_str(), key.c_str()))
        << tls_config_error(c.get());
    ASSERT_EQ(1u, c->n_chains);
    EXPECT_EQ(2u, c->chains[0].n_certs);
    EXPECT_EQ(leaf.der(), CbsBytes(c->chains[0].certs[0]));
    EXPECT_EQ(TLSIO_KEY_ED25519, tlsio_pkey_type(c->chains[0].key));
}

TEST_F(FileTest, CertFileErrorsNameTheFile) {
    Cert a = pki.MakeLeaf(ca, {.dns = {"a.example"}});
    Cert b = pki.MakeLeaf(ca, {.dns = {"b.example"}});
    std::string chain = dir.Write("a.pem", a.chain_pem());
    std::string wrong_key = dir.Write("b.key", b.key_pem());
    std::string junk_key = dir.Write("junk.key", "junk\n");
    std::string missing = dir.path() + "/missing.key";
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_file(c.get(), chain.c_str(), wrong_key.c_str()));
    EXPECT_EQ("certificate chain file '" + chain +
                  "': private key does not match the certificate 'CN=a.example'",
              tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_file(c.get(), chain.c_str(), junk_key.c_str()));
    std::string prefix = "private key file '" + junk_key + "': private key PEM: ";
    EXPECT_EQ(prefix, std::string(tls_config_error(c.get())).substr(0, prefix.size()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_file(c.get(), chain.c_str(), missing.c_str()));
    EXPECT_EQ("private key file '" + missing + "': cannot open: No such file or directory",
              tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_file(c.get(), missing.c_str(), wrong_key.c_str()));
    EXPECT_EQ("certificate chain file '" + missing + "': cannot open: No such file or directory",
              tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_file(c.get(), junk_key.c_str(), wrong_key.c_str()));
    EXPECT_EQ("certificate chain file '" + junk_key +
                  "': certificate chain PEM: no CERTIFICATE block found",
              tls_config_error(c.get()));
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_file(c.get(), chain.c_str(), nullptr));
    EXPECT_STREQ("certificate chain or key file path is NULL", tls_config_error(c.get()));
    EXPECT_EQ(0u, c->n_chains);
}

TEST_F(FileTest, SystemStoreFromSslCertFile) {
    Cert ca2 = pki.MakeCa("Second Root");
    env.Set("SSL_CERT_FILE", dir.Write("bundle.pem", ca.cert_pem() + ca2.cert_pem()));
    env.Set("SSL_CERT_DIR", dir.path()); // SSL_CERT_FILE wins
    dir.Write("other.pem", mid.cert_pem());
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_add_ca_system(c.get())) << tls_config_error(c.get());
    EXPECT_EQ(2u, TrustCount(c.get()));
    EXPECT_EQ(1, c->trust_explicit);
}

TEST_F(FileTest, SystemStoreFromSslCertFileThatIsMissing) {
    std::string missing = dir.path() + "/none.pem";
    env.Set("SSL_CERT_FILE", missing);
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_system(c.get()));
    EXPECT_EQ("SSL_CERT_FILE '" + missing + "': cannot open: No such file or directory",
              tls_config_error(c.get()));
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_EQ(0, c->trust_explicit);
}

TEST_F(FileTest, SystemStoreFromSslCertDirList) {
    TempDir dir2;
    Cert ca2 = pki.MakeCa("Second Root"), ca3 = pki.MakeCa("Third Root");
    Cert ca4 = pki.MakeCa("Fourth Root");
    dir.Write("a.pem", ca.cert_pem());
    dir.Write("b.crt", ca2.cert_pem() + ca3.cert_pem());
    dir.Write("README", "not a certificate\n");
    dir.Write("key.pem", ca.key_pem());
    dir.Write("broken.pem", "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n");
    ASSERT_EQ(0, symlink((dir.path() + "/a.pem").c_str(), (dir.path() + "/1234abcd.0").c_str()));
    ASSERT_EQ(0, mkdir((dir.path() + "/sub").c_str(), 0700));
    dir2.Write("d.pem", ca4.cert_pem());
    env.Set("SSL_CERT_DIR", dir.path() + "::/nonexistent-tlsio-dir:" + dir2.path());
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tls_config_add_ca_system(c.get())) << tls_config_error(c.get());
    EXPECT_EQ(4u, TrustCount(c.get()));
    EXPECT_EQ(1, c->trust_explicit);
    EXPECT_STREQ("", tls_config_error(c.get()));
}

TEST_F(FileTest, SystemStoreFromSslCertDirWithoutCertificates) {
    dir.Write("README", "nothing here\n");
    env.Set("SSL_CERT_DIR", dir.path());
    CfgPtr c = NewCfg();
    EXPECT_EQ(TLS_E_USAGE, tls_config_add_ca_system(c.get()));
    EXPECT_EQ("SSL_CERT_DIR '" + dir.path() + "': no readable PEM certificate file",
              tls_config_error(c.get()));
    EXPECT_EQ(nullptr, c->trust);
    EXPECT_EQ(0, c->trust_explicit);
}

TEST_F(FileTest, FreezeLoadsTheSystemStoreFromSslCertFile) {
    env.Set("SSL_CERT_FILE", dir.Write("bundle.pem", ca.cert_pem()));
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), tlsio_config_load_system_store));
    EXPECT_EQ(1u, TrustCount(c.get()));
    EXPECT_EQ(0, c->trust_explicit); // the default, not the user's choice
    EXPECT_EQ(0, c->trust_err.code);
}

TEST_F(FileTest, FreezeRecordsWhyTheSystemStoreDidNotLoad) {
    std::string missing = dir.path() + "/none.pem";
    env.Set("SSL_CERT_FILE", missing);
    CfgPtr c = NewCfg();
    ASSERT_EQ(0, tlsio_config_freeze(c.get(), tlsio_config_load_system_store));
    EXPECT_EQ(2, c->frozen.load());
    EXPECT_EQ(nullptr, c->trust);
    std::string why = "SSL_CERT_FILE '" + missing + "': cannot open: No such file or directory";
    EXPECT_STREQ(kFrozen, tls_config_error(c.get())); // frozen: the slot is not shown
    EXPECT_EQ(why, c->trust_err.msg);
}

// Distinct certificates in a PEM bundle, counted with libcrypto directly.
size_t DistinctCertsIn(const std::string &path) {
    bssl::UniquePtr<BIO> bio(BIO_new_file(path.c_str(), "r"));
    std::set<Bytes> seen;
    if (!bio) return 0;
    while (X509 *x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        uint8_t *der = nullptr;
        int len = i2d_X509(x, &der);
        if (len > 0) seen.insert(Bytes(der, der + len));
        OPENSSL_free(der);
        X509_free(x);
    }
    ERR_clear_error();
    return seen.size();
}

TEST_F(FileTest, SystemStoreFromTheDebianBundle) {
    const std::string bundle = "/etc/ssl/certs/ca-certificates.crt";
    CfgPtr c = NewCfg();
    int r = tls_config_add_ca_system(c.get());
    if (access(bundle.c_str(), R_OK) == 0) {
        ASSERT_EQ(0, r) << tls_config_error(c.get());
        size_t want = DistinctCertsIn(bundle);
        EXPECT_GT(want, 0u);
        EXPECT_EQ(want, TrustCount(c.get()));
        EXPECT_EQ(1, c->trust_explicit);
    } else {
        EXPECT_EQ(TLS_E_USAGE, r);
        EXPECT_EQ(0, strncmp(tls_config_error(c.get()),
                             "system CA bundle '/etc/ssl/certs/ca-certificates.crt': cannot open",
                             66));
    }
}

} // namespace
