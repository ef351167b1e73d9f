// The edge contract (core/hs_dispatch.h), checked on a small table of its own: the dispatcher,
// not the handler, decides by type before the body is parsed, decodes with the edge's form,
// hashes by the edge's transcript rule, refuses record-layer effects the row does not declare,
// refuses unlisted next states, and ends the handshake at the connected state.
#include <gtest/gtest.h>

#include <string>

#include "enginepair.h"
#include "hs_dispatch.h"

using namespace tlsio_test;

namespace {

enum { T_START, T_MIDDLE, T_DONE, T__COUNT };
const char *const kStates[T__COUNT] = {"START", "MIDDLE", "DONE"};

// What the take step saw: the length of the kept handshake messages (hs->h12.msgs, which the
// dispatcher's transcript step appends to when hs->h12.keep_msgs is set).
size_t g_seen_kept = 0;
int g_take_rc = 0;
uint8_t g_next = T_MIDDLE;

int ObserveTake(tls_engine *e, const tlsio_encrypted_extensions *, uint8_t *next) {
    g_seen_kept = e->hs->h12.msgs_len;
    *next = g_next;
    return g_take_rc;
}

int QueueTake(tls_engine *e, const tlsio_encrypted_extensions *, uint8_t *next) {
    static const uint8_t kHelloRequest[4] = {0, 0, 0, 0};
    *next = T_MIDDLE;
    return tlsio_send_hs(e, kHelloRequest, sizeof(kHelloRequest));
}

int KeyTake(tls_engine *e, const tlsio_encrypted_extensions *, uint8_t *next) {
    static const uint8_t kKey[16] = {0}, kIv[12] = {0};
    *next = T_MIDDLE;
    return tlsio_rl_set_tls13(&e->rd, TLSIO_AES_128_GCM, kKey, sizeof(kKey), kIv, &e->err);
}

int g_replies = 0;
int CountReply(tls_engine *) {
    g_replies++;
    return 0;
}

tlsio_hs_edge EeEdge(uint8_t transcript, uint8_t effects,
                     int (*take)(tls_engine *, const tlsio_encrypted_extensions *, uint8_t *)) {
    tlsio_hs_edge ed{};
    ed.from = T_START;
    ed.msg_type = TLSIO_HS_ENCRYPTED_EXTENSIONS;
    ed.variant = TLSIO_VAR_ANY;
    ed.form = TLSIO_FORM_ee;
    ed.transcript = transcript;
    ed.effects = effects;
    ed.take.ee = take;
    ed.reply = CountReply;
    ed.next = TLSIO_ST(T_MIDDLE) | TLSIO_ST(T_DONE);
    return ed;
}

tlsio_hs_table Table(const tlsio_hs_edge *ed) {
    tlsio_hs_table t{};
    t.name = "test table";
    t.state_names = kStates;
    t.n_states = T__COUNT;
    t.edges = ed;
    t.n_edges = 1;
    t.initial = T_START;
    t.connected_state = T_DONE;
    return t;
}

// EncryptedExtensions with an empty extension block: the smallest valid message of its form.
const Bytes kEe = {TLSIO_HS_ENCRYPTED_EXTENSIONS, 0, 0, 2, 0, 0};

tlsio_hs_msg Msg(const Bytes &raw) {
    tlsio_hs_msg m;
    m.type = raw[0];
    m.raw = raw.data();
    m.raw_len = raw.size();
    m.body = raw.data() + 4;
    m.len = raw.size() - 4;
    return m;
}

class Dispatch : public EngineFixture {
  protected:
    tls_engine *e = nullptr;
    tlsio_hs_edge edge{};
    tlsio_hs_table table{};
    void Use(const tlsio_hs_edge &ed) {
        edge = ed;
        table = Table(&edge);
        e = NewEngine(true);
        ASSERT_NE(nullptr, e);
        e->table = &table;
        e->state = T_START;
        e->hs->h12.keep_msgs = 1; // makes the transcript step visible as hs->h12.msgs_len
        g_seen_kept = 0;
        g_take_rc = 0;
        g_next = T_MIDDLE;
        g_replies = 0;
    }
    int Run(const Bytes &raw) {
        tlsio_hs_msg m = Msg(raw);
        return tlsio_dispatch(e, &m);
    }
    // Two EncryptedExtensions in one record; dispatches the first while the second waits.
    int RunFirstOfTwoInOneRecord() {
        Bytes rec = kEe;
        rec.insert(rec.end(), kEe.begin(), kEe.end());
        tlsio_hs_msg m;
        int got = 0;
        EXPECT_EQ(0, tlsio_reasm_feed(&e->reasm, rec.data(), rec.size(), &e->err));
        EXPECT_EQ(0, tlsio_reasm_next(&e->reasm, &m, &got, &e->err));
        EXPECT_TRUE(got);
        return got ? tlsio_dispatch(e, &m) : -1;
    }
    void TearDown() override {
        tls_engine_free(e);
    }
};

TEST_F(Dispatch, HashBeforeTake) {
    Use(EeEdge(TLSIO_T_BEFORE, 0, ObserveTake));
    ASSERT_EQ(0, Run(kEe)) << tls_engine_error(e);
    EXPECT_EQ(kEe.size(), g_seen_kept) << "take sees the message in the transcript";
    EXPECT_EQ(kEe.size(), e->hs->h12.msgs_len);
    EXPECT_EQ(T_MIDDLE, e->state);
    EXPECT_EQ(1, g_replies);
}

TEST_F(Dispatch, HashAfterTake) {
    Use(EeEdge(TLSIO_T_AFTER, 0, ObserveTake));
    ASSERT_EQ(0, Run(kEe)) << tls_engine_error(e);
    EXPECT_EQ(0u, g_seen_kept) << "take checks against the transcript before the message";
    EXPECT_EQ(kEe.size(), e->hs->h12.msgs_len);
}

TEST_F(Dispatch, HashNever) {
    Use(EeEdge(TLSIO_T_NEVER, 0, ObserveTake));
    ASSERT_EQ(0, Run(kEe)) << tls_engine_error(e);
    EXPECT_EQ(0u, e->hs->h12.msgs_len);
}

TEST_F(Dispatch, FailedTakeIsNotHashedAndSendsNothingMore) {
    Use(EeEdge(TLSIO_T_AFTER, 0, ObserveTake));
    g_take_rc = tlsio_err_set(&e->err, TLS_ALERT_ILLEGAL_PARAMETER, "take refused it");
    EXPECT_EQ(TLS_ALERT_ILLEGAL_PARAMETER, Run(kEe));
    EXPECT_EQ(0, g_replies) << "no reply after a failed take";
    EXPECT_EQ(T_START, e->state);
    EXPECT_TRUE(FailedWith(e, TLS_ALERT_ILLEGAL_PARAMETER, TLS_ERRCAT_PROTOCOL, "take refused"));
}

TEST_F(Dispatch, TypeIsJudgedBeforeTheBody) {
    Use(EeEdge(TLSIO_T_BEFORE, 0, ObserveTake));
    // A Certificate with a body that could never decode: refused for its type, not its bytes.
    Bytes bad_cert = {TLSIO_HS_CERTIFICATE, 0, 0, 3, 0xff, 0xff, 0xff};
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, Run(bad_cert));
    EXPECT_TRUE(FailedWith(e, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "test table: unexpected Certificate in state START"));
    EXPECT_EQ(0u, e->hs->h12.msgs_len) << "nothing of a refused message is hashed";
}

TEST_F(Dispatch, ExpectedTypeWithABadBodyIsDecodeError) {
    Use(EeEdge(TLSIO_T_BEFORE, 0, ObserveTake));
    Bytes bad_ee = {TLSIO_HS_ENCRYPTED_EXTENSIONS, 0, 0, 3, 0, 0, 0}; // a trailing byte
    EXPECT_EQ(TLS_ALERT_DECODE_ERROR, Run(bad_ee));
    EXPECT_EQ(0u, e->hs->h12.msgs_len);
}

TEST_F(Dispatch, UndeclaredOutputIsRefused) {
    Use(EeEdge(TLSIO_T_NEVER, 0, QueueTake));
    EXPECT_EQ(TLS_E_INTERNAL, Run(kEe));
    EXPECT_TRUE(FailedWith(e, TLS_E_INTERNAL, TLS_ERRCAT_INTERNAL,
                           "made handshake output it does not declare"));
}

TEST_F(Dispatch, DeclaredOutputIsFlushed) {
    Use(EeEdge(TLSIO_T_NEVER, TLSIO_FX_REPLY, QueueTake));
    ASSERT_EQ(0, Run(kEe)) << tls_engine_error(e);
    EXPECT_EQ(0u, e->hsq_len) << "the dispatcher flushed the flight";
    EXPECT_TRUE(tls_engine_status(e) & TLS_ST_HAS_SEND);
}

TEST_F(Dispatch, UndeclaredKeyChangeIsRefused) {
    Use(EeEdge(TLSIO_T_NEVER, TLSIO_FX_WRITE_KEY, KeyTake));
    EXPECT_EQ(TLS_E_INTERNAL, Run(kEe));
    EXPECT_TRUE(FailedWith(e, TLS_E_INTERNAL, TLS_ERRCAT_INTERNAL,
                           "made a new read key it does not declare"));
}

TEST_F(Dispatch, DeclaredReadKeyMustFallOnARecordBoundary) {
    Use(EeEdge(TLSIO_T_NEVER, TLSIO_FX_READ_KEY, KeyTake));
    // Two messages in one record: the first changes the read key while the second waits.
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, RunFirstOfTwoInOneRecord());
    EXPECT_TRUE(FailedWith(e, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "handshake message before a key change"));
}

TEST_F(Dispatch, DeclaredReadKeyOnABoundaryIsFine) {
    Use(EeEdge(TLSIO_T_NEVER, TLSIO_FX_READ_KEY, KeyTake));
    ASSERT_EQ(0, Run(kEe)) << tls_engine_error(e);
    EXPECT_EQ(1u, e->rd.epoch);
}

TEST_F(Dispatch, EndsPeerFlightWantsTheRecordEnd) {
    Use(EeEdge(TLSIO_T_NEVER, TLSIO_FX_ENDS_PEER_FLIGHT, ObserveTake));
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, RunFirstOfTwoInOneRecord());
    EXPECT_TRUE(FailedWith(e, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL,
                           "end of the EncryptedExtensions"));
    EXPECT_EQ(0u, g_seen_kept) << "refused before the handler ran";
}

TEST_F(Dispatch, UnlistedNextStateIsRefused) {
    tlsio_hs_edge ed = EeEdge(TLSIO_T_NEVER, 0, ObserveTake);
    ed.next = TLSIO_ST(T_MIDDLE);
    Use(ed);
    g_next = T_DONE;
    EXPECT_EQ(TLS_E_INTERNAL, Run(kEe));
    EXPECT_TRUE(FailedWith(e, TLS_E_INTERNAL, TLS_ERRCAT_INTERNAL,
                           "handler moved from START to unlisted DONE"));
    EXPECT_EQ(T_START, e->state);
}

TEST_F(Dispatch, ReachingTheConnectedStateEndsTheHandshake) {
    Use(EeEdge(TLSIO_T_BEFORE, 0, ObserveTake));
    g_next = T_DONE;
    ASSERT_EQ(0, Run(kEe)) << tls_engine_error(e);
    EXPECT_EQ(T_DONE, e->state);
    EXPECT_TRUE(e->connected);
    EXPECT_EQ(nullptr, e->hs) << "handshake state (and its secrets) freed";
}

TEST_F(Dispatch, TransitionWithoutHandshakeStateCannotHash) {
    tlsio_hs_edge ed = EeEdge(TLSIO_T_BEFORE, 0, ObserveTake);
    Use(ed);
    tlsio_hs_state_free(e); // as after the handshake
    EXPECT_EQ(TLS_E_INTERNAL, Run(kEe));
    EXPECT_TRUE(FailedWith(e, TLS_E_INTERNAL, TLS_ERRCAT_INTERNAL,
                           "transcript step without handshake state"));
}

TEST(HsDecoded, AccessorsCheckTheForm) {
    tlsio_hs_decoded d{};
    d.form = TLSIO_FORM_ee;
    EXPECT_EQ(&d.u.ee, tlsio_hs_as_ee(&d));
    EXPECT_EQ(nullptr, tlsio_hs_as_sh(&d));
    EXPECT_EQ(nullptr, tlsio_hs_as_fin(&d));
    d.form = TLSIO_FORM_none;
    EXPECT_EQ(nullptr, tlsio_hs_as_ee(&d));
}

TEST(HsDecoded, EveryFormHasItsCodec) {
    EXPECT_EQ(nullptr, tlsio_hs_form_codec(TLSIO_FORM_none));
    for (int f = TLSIO_FORM_none + 1; f < TLSIO_FORM__COUNT; f++)
        EXPECT_NE(nullptr, tlsio_hs_form_codec((tlsio_hs_form)f)) << "form " << f;
    EXPECT_EQ(&tlsio_codec_certificate13, tlsio_hs_form_codec(TLSIO_FORM_cert13));
    EXPECT_EQ(&tlsio_codec_certificate12, tlsio_hs_form_codec(TLSIO_FORM_cert12));
}

} // namespace
