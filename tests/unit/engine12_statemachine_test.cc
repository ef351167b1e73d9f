// The TLS 1.2 state machines, walked exhaustively: for every state of tlsio_hs12_client_table
// and tlsio_hs12_server_table and every handshake type of tlsio_msg_table in its TLS 1.2 form
// (plus the HelloRetryRequest variant, an unknown type, and the ChangeCipherSpec pseudo type),
// a message with no edge in the table must fail with unexpected_message (RFC 5246 §7.2.2: "An
// inappropriate message was received") and leave the state where it was. States and types come
// from the tables, not from a hand-written list.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine.h"
#include "enginepair.h"
#include "hswalk.h"

using namespace tlsio_test;

namespace {

// Every TLS 1.2 sample decodes with its TLS 1.2 codec, so a refusal below is the table's.
TEST(StateMachine12, SamplesAreValidMessages) {
    int n = 0;
    for (const HsSample &s : AllHsSamples(TLS_VERSION_1_2)) {
        const tlsio_msg_info *info = tlsio_msg_lookup(s.type);
        if (info == nullptr || info->codec12 == nullptr || s.raw.empty()) continue;
        CBS body;
        ASSERT_GE(s.raw.size(), 4u) << s.name;
        CBS_init(&body, s.raw.data() + 4, s.raw.size() - 4);
        tlsio_err err;
        tlsio_err_clear(&err);
        tlsio_any_msg out;
        EXPECT_EQ(0, tlsio_decode(info->codec12, &body, &out, &err)) << s.name << ": " << err.msg;
        n++;
    }
    EXPECT_GE(n, 11); // HelloRequest .. Finished, both ServerHello forms
}

TEST(StateMachine12, TablesAreWellFormed) {
    for (const tlsio_hs_table *t : {&tlsio_hs12_client_table, &tlsio_hs12_server_table}) {
        EXPECT_EQ(TLS_VERSION_1_2, t->version) << t->name;
        EXPECT_NE(0u, t->entry) << t->name << ": the TLS 1.3 table hands over to an entry state";
        int ccs_edges = 0;
        ASSERT_NO_FATAL_FAILURE(CheckTableShape(t, [&](const tlsio_hs_edge &ed, size_t i) {
            if (ed.msg_type == TLSIO_PSEUDO_CCS) {
                ccs_edges++;
                return;
            }
            const tlsio_msg_info *info = tlsio_msg_lookup(ed.msg_type);
            ASSERT_NE(nullptr, info) << t->name << " edge " << i;
            EXPECT_NE(nullptr, info->codec12)
                << t->name << " edge " << i << ": " << info->name << " has no TLS 1.2 form";
        }));
        EXPECT_EQ(0u, t->entry >> t->n_states) << t->name;
        // RFC 5246 §7.1: exactly one ChangeCipherSpec from the peer per handshake.
        EXPECT_EQ(1, ccs_edges) << t->name;
    }
}

class Walk12 : public EngineFixture {
  protected:
    // A fresh engine of the role, moved into the TLS 1.2 table as a version switch would.
    tls_engine *NewEngine12(bool server, const tlsio_hs_table *t) {
        tls_engine *e = NewEngine(server);
        if (e == nullptr) return nullptr;
        Drain(e); // the ClientHello
        e->table = t;
        e->version = TLS_VERSION_1_2;
        return e;
    }
    int WalkTable(bool server, const tlsio_hs_table *t) {
        return WalkRefusals(
            t, AllHsSamples(TLS_VERSION_1_2), [&] { return NewEngine12(server, t); },
            [&](tls_engine *e, uint8_t st, const HsSample &s, const std::string &err) {
                std::string where = Where(t, st, s);
                EXPECT_EQ(t, e->table) << where << ": the table must not change";
                const tlsio_msg_info *info = tlsio_msg_lookup(s.type);
                if (s.type == TLSIO_PSEUDO_CCS ||
                    (info != nullptr && info->codec12 != nullptr && !info->never_valid)) {
                    // Decoded fine: refused by the table, with a sentence naming both.
                    std::string want = std::string(t->name) + ": unexpected " + s.name +
                                       " in state " + t->state_names[st];
                    EXPECT_NE(std::string::npos, err.find(want)) << where << ": " << err;
                } else if (info != nullptr && !info->never_valid) {
                    EXPECT_NE(std::string::npos, err.find("not a TLS 1.2 message"))
                        << where << ": " << err;
                }
            });
    }
};

TEST_F(Walk12, ClientTableRefusesEveryMessageWithoutAnEdge) {
    int n = WalkTable(false, &tlsio_hs12_client_table);
    EXPECT_GT(n, 90);
}

TEST_F(Walk12, ServerTableRefusesEveryMessageWithoutAnEdge) {
    int n = WalkTable(true, &tlsio_hs12_server_table);
    EXPECT_GT(n, 50);
}

// The TLS 1.3 tables have no ChangeCipherSpec edge at all: there it is a record the input
// path drops (RFC 8446 D.4), never a step of the handshake.
TEST(StateMachine12, Tls13TablesHaveNoCcsEdge) {
    for (const tlsio_hs_table *t : {&tlsio_hs13_client_table, &tlsio_hs13_server_table})
        for (size_t i = 0; i < t->n_edges; i++)
            EXPECT_NE(TLSIO_PSEUDO_CCS, t->edges[i].msg_type) << t->name << " edge " << i;
}

} // namespace
