// Errors: one function maps a code to its category (core/err.c tlsio_err_category), and the
// first failure is the one reported, by an error slot, an engine and the socket facade.
#include <gtest/gtest.h>
#include <tlsio/core.h>
#include <tlsio/tls.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "engine.h"
#include "enginepair.h"
#include "err.h"

using tlsio_test::Bytes;
using tlsio_test::Feed;
using tlsio_test::PlainRecord;

namespace {

TEST(ErrCategory, OneMapping) {
    const struct {
        int code, category;
    } cases[] = {
        {0, TLS_ERRCAT_NONE},
        {TLS_ALERT_DECODE_ERROR, TLS_ERRCAT_PROTOCOL},
        {TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL},
        // RFC 8446 §6.2: internal_error is "unrelated to the protocol" (docs/errors.md).
        {TLS_ALERT_INTERNAL_ERROR, TLS_ERRCAT_INTERNAL},
        {TLS_E_INTERNAL, TLS_ERRCAT_INTERNAL},
        {TLS_E_NOMEM, TLS_ERRCAT_INTERNAL},
        {TLS_E_USAGE, TLS_ERRCAT_USAGE},
        {TLS_E_CLOSED, TLS_ERRCAT_USAGE},
        {TLS_E_TRUNCATED, TLS_ERRCAT_TRANSPORT},
        {-ECONNRESET, TLS_ERRCAT_TRANSPORT},
    };
    for (const auto &c : cases)
        EXPECT_EQ(c.category, tlsio_err_category(c.code)) << tls_error_code_name(c.code);
}

// Every code, set through a slot and failed through an engine, gets the same category.
TEST(ErrCategory, SlotAndEngineAgree) {
    tls_config *cfg = tls_config_new();
    ASSERT_NE(nullptr, cfg);
    const int codes[] = {TLS_ALERT_UNEXPECTED_MESSAGE,
                         TLS_ALERT_DECODE_ERROR,
                         TLS_ALERT_INTERNAL_ERROR,
                         TLS_ALERT_ILLEGAL_PARAMETER,
                         TLS_E_INTERNAL,
                         TLS_E_USAGE,
                         TLS_E_NOMEM,
                         TLS_E_TRUNCATED,
                         TLS_E_CLOSED};
    for (int code : codes) {
        SCOPED_TRACE(tls_error_code_name(code));
        tlsio_err slot;
        tlsio_err_clear(&slot);
        EXPECT_EQ(code, tlsio_err_set(&slot, code, "x"));
        tls_engine *e = tls_engine_new_client(cfg, "example.com");
        ASSERT_NE(nullptr, e);
        EXPECT_EQ(code, tlsio_engine_fail(e, code, "x"));
        EXPECT_EQ(slot.category, tls_engine_error_category(e));
        EXPECT_EQ(tlsio_err_category(code), tls_engine_error_category(e));
        tls_engine_free(e);
    }
    tls_config_free(cfg);
}

// A category the code can tell is not taken from the caller; the two it cannot tell are.
TEST(ErrCategory, ExplicitOnlyForPeerAlertAndCertificate) {
    tlsio_err a, b, c;
    tlsio_err_clear(&a);
    tlsio_err_clear(&b);
    tlsio_err_clear(&c);
    tlsio_err_setc(&a, TLS_ERRCAT_USAGE, TLS_ALERT_DECODE_ERROR, "x");
    EXPECT_EQ(TLS_ERRCAT_PROTOCOL, a.category);
    tlsio_err_setc(&b, TLS_ERRCAT_PEER_ALERT, TLS_ALERT_DECODE_ERROR, "x");
    EXPECT_EQ(TLS_ERRCAT_PEER_ALERT, b.category);
    tlsio_err_setc(&c, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE, "x");
    EXPECT_EQ(TLS_ERRCAT_CERTIFICATE, c.category);
}

TEST(ErrSticky, SlotKeepsTheFirst) {
    tlsio_err e;
    tlsio_err_clear(&e);
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, tlsio_err_set(&e, TLS_ALERT_DECODE_ERROR, "first %d", 1));
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, tlsio_err_set(&e, TLS_E_INTERNAL, "second"));
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR,
              tlsio_err_setc(&e, TLS_ERRCAT_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE, "third"));
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, e.code);
    EXPECT_EQ(TLS_ERRCAT_PROTOCOL, e.category);
    EXPECT_STREQ("first 1", e.msg);
}

struct Snapshot {
    int code, category;
    std::string msg;
    explicit Snapshot(const tls_engine *e)
        : code(tls_engine_error_code(e)), category(tls_engine_error_category(e)),
          msg(tls_engine_error(e)) {}
    bool operator==(const Snapshot &o) const {
        return code == o.code && category == o.category && msg == o.msg;
    }
};

// A client engine that met garbage keeps that failure through everything that follows:
// more bad input, EOF, misuse, and failures reported from inside the core.
TEST(ErrSticky, EngineKeepsTheFirst) {
    tls_config *cfg = tls_config_new();
    ASSERT_NE(nullptr, cfg);
    tls_engine *e = tls_engine_new_client(cfg, "example.com");
    ASSERT_NE(nullptr, e);
    (void)tlsio_test::Drain(e); // the ClientHello
    // A handshake record whose message is an unknown type: the client refuses it.
    int rc = Feed(e, PlainRecord(22, Bytes{0x63, 0, 0, 1, 0}));
    ASSERT_NE(0, rc);
    ASSERT_TRUE(tls_engine_status(e) & TLS_ST_FAILED);
    const Snapshot first(e);
    ASSERT_NE(0, first.code);
    ASSERT_NE(std::string(), first.msg);

    EXPECT_EQ(first.code, Feed(e, Bytes{0xff, 0xff, 0xff, 0xff, 0xff}));
    EXPECT_TRUE(Snapshot(e) == first);
    (void)tls_engine_recv_eof(e);
    EXPECT_TRUE(Snapshot(e) == first);
    (void)tls_engine_write_ack(e, 1);
    (void)tls_engine_key_update(e, 1);
    (void)tls_engine_close(e);
    EXPECT_TRUE(Snapshot(e) == first);
    EXPECT_EQ(first.code, tlsio_engine_fail(e, TLS_E_INTERNAL, "a later failure"));
    EXPECT_EQ(first.code, tlsio_engine_failed(e, TLS_ALERT_BAD_RECORD_MAC));
    EXPECT_TRUE(Snapshot(e) == first);
    tls_engine_free(e);
    tls_config_free(cfg);
}

// The socket facade: refusals before a connection exists carry the mapped category.
TEST(ErrCategory, FacadeRefusals) {
    tls_error why;
    memset(&why, 0, sizeof(why));
    EXPECT_EQ(nullptr, tls_connect(nullptr, "localhost", "443", &why));
    EXPECT_EQ(TLS_E_USAGE, why.code);
    EXPECT_EQ(tlsio_err_category(TLS_E_USAGE), why.category);
    tls_config *cfg = tls_config_new();
    ASSERT_NE(nullptr, cfg);
    memset(&why, 0, sizeof(why));
    EXPECT_EQ(nullptr, tls_client_fd(cfg, -1, "example.com", &why));
    EXPECT_EQ(TLS_E_USAGE, why.code);
    EXPECT_EQ(TLS_ERRCAT_USAGE, why.category);
    tls_config_free(cfg);
}

// The library's version string is the one CMakeLists.txt's project() declares (passed to this
// test as TLSIO_PROJECT_VERSION by tests/CMakeLists.txt): the two cannot drift apart.
TEST(Version, IsTheProjectVersion) {
    EXPECT_STREQ(TLSIO_PROJECT_VERSION, tlsio_version());
}

} // namespace
