// Keying material exporters (RFC 8446 §7.5, RFC 5705): both ends agree, inputs matter.
#include <gtest/gtest.h>

#include <string>

#include "enginepair.h"
#include "hex.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

class Exporter : public EngineFixtureP<uint16_t> {
  protected:
    void SetUp() override {
        EngineFixtureP<uint16_t>::SetUp();
        ASSERT_EQ(0, tls_config_set_versions(cfg.server, GetParam(), GetParam()));
    }
    static Bytes Export(tls_engine *e, const std::string &label, const uint8_t *ctx, size_t n,
                        size_t len = 32) {
        Bytes out(len);
        EXPECT_EQ(0, tls_engine_export_keying_material(e, label.data(), label.size(), ctx, n,
                                                       out.data(), out.size()));
        return out;
    }
};

TEST_P(Exporter, BothEndsAgreeAndInputsMatter) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    uint8_t out[16];
    // Not before the handshake completes.
    EXPECT_EQ(TLS_E_USAGE, tls_engine_export_keying_material(p.client, "EXPORTER-x", 10, nullptr, 0,
                                                             out, sizeof out));
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    ASSERT_EQ(GetParam(), tls_engine_version(p.client));
    const uint8_t ctx[] = {1, 2, 3};
    Bytes c = Export(p.client, "EXPORTER-test", ctx, sizeof ctx);
    EXPECT_EQ(ToHex(c), ToHex(Export(p.server, "EXPORTER-test", ctx, sizeof ctx)));
    EXPECT_NE(ToHex(c), ToHex(Export(p.client, "EXPORTER-other", ctx, sizeof ctx)));
    EXPECT_NE(ToHex(c), ToHex(Export(p.client, "EXPORTER-test", ctx, 2)));
    // The TLS 1.2 PRF output for more bytes extends the shorter one; TLS 1.3 binds the
    // length into HkdfLabel (RFC 8446 §7.1), so there the prefix differs.
    Bytes longer = Export(p.client, "EXPORTER-test", ctx, sizeof ctx, 100);
    if (GetParam() == TLS_VERSION_1_2)
        EXPECT_EQ(ToHex(c), ToHex(Bytes(longer.begin(), longer.begin() + 32)));
    else
        EXPECT_NE(ToHex(c), ToHex(Bytes(longer.begin(), longer.begin() + 32)));
    // RFC 8446 §7.5: no context and an empty context are the same in TLS 1.3; RFC 5705 §4:
    // they differ in TLS 1.2.
    Bytes none = Export(p.client, "EXPORTER-test", nullptr, 0);
    Bytes empty = Export(p.client, "EXPORTER-test", ctx, 0);
    if (GetParam() == TLS_VERSION_1_3)
        EXPECT_EQ(ToHex(none), ToHex(empty));
    else
        EXPECT_NE(ToHex(none), ToHex(empty));
    // A context length without a context is refused, not read through NULL (issue 13).
    EXPECT_EQ(TLS_E_USAGE, tls_engine_export_keying_material(p.client, "EXPORTER-test", 13, nullptr,
                                                             5, out, sizeof out));
    // Refusals leave the connection usable.
    EXPECT_NE(0,
              tls_engine_export_keying_material(p.client, nullptr, 0, nullptr, 0, out, sizeof out));
    EXPECT_FALSE(tls_engine_status(p.client) & TLS_ST_FAILED);
    ASSERT_TRUE(WriteAll(p.client, "still fine"));
    Pump(p.client, p.server);
    EXPECT_EQ("still fine", ReadAll(p.server));
}

// RFC 8446 §7.5 / RFC 5705 §4 put no bound on the label: an empty one works in both versions.
TEST_P(Exporter, EmptyLabel) {
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    p.Handshake();
    ASSERT_TRUE(p.Connected());
    const uint8_t ctx[] = {1};
    for (const uint8_t *c : {static_cast<const uint8_t *>(nullptr), ctx}) {
        Bytes a(64), b(64);
        ASSERT_EQ(0, tls_engine_export_keying_material(p.client, "", 0, c, 0, a.data(), a.size()));
        ASSERT_EQ(0, tls_engine_export_keying_material(p.server, "", 0, c, 0, b.data(), b.size()));
        EXPECT_EQ(ToHex(a), ToHex(b));
        EXPECT_NE(ToHex(a), ToHex(Export(p.client, "EXPORTER-test", c, 0, 64)));
    }
}

TEST_P(Exporter, DiffersBetweenConnections) {
    EnginePair a(cfg.client, cfg.server, "example.com", pki.now());
    EnginePair b(cfg.client, cfg.server, "example.com", pki.now());
    a.Handshake();
    b.Handshake();
    ASSERT_TRUE(a.Connected() && b.Connected());
    EXPECT_NE(ToHex(Export(a.client, "EXPORTER-test", nullptr, 0)),
              ToHex(Export(b.client, "EXPORTER-test", nullptr, 0)));
}

INSTANTIATE_TEST_SUITE_P(Versions, Exporter, ::testing::Values(TLS_VERSION_1_3, TLS_VERSION_1_2),
                         [](const ::testing::TestParamInfo<uint16_t> &i) {
                             return std::string(i.param == TLS_VERSION_1_3 ? "Tls13" : "Tls12");
                         });

} // namespace
