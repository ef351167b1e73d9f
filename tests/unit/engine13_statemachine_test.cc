// The TLS 1.3 state machines, walked exhaustively: for every state of each role's table and
// every handshake type of tlsio_msg_table (both ServerHello variants, plus an unknown type),
// a valid message with no edge in the table must fail with unexpected_message (RFC 8446 §6.2:
// "An inappropriate message (e.g., the wrong handshake message ...) was received").
// States and types come from the tables, not from a hand-written list.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine.h"
#include "enginepair.h"
#include "hswalk.h"

using namespace tlsio_test;

namespace {

// Every sample is a message the codec accepts (for its version), so a refusal below is the
// state machine's and not the decoder's.
TEST(StateMachine, SamplesAreValidMessages) {
    for (const HsSample &s : AllHsSamples(TLS_VERSION_1_3)) {
        const tlsio_msg_info *info = tlsio_msg_lookup(s.type);
        if (info == nullptr || (info->codec13 == nullptr && info->codec12 == nullptr)) continue;
        const tlsio_codec *c = info->codec13 ? info->codec13 : info->codec12;
        CBS body;
        ASSERT_GE(s.raw.size(), 4u) << s.name;
        CBS_init(&body, s.raw.data() + 4, s.raw.size() - 4);
        tlsio_err err;
        tlsio_err_clear(&err);
        // Decoded into a real struct: a NULL output cannot decode a ServerHello (its
        // extension context is picked from the decoded random).
        tlsio_any_msg out;
        EXPECT_EQ(0, tlsio_decode(c, &body, &out, &err)) << s.name << ": " << err.msg;
    }
}

// The tables are well formed: edges name real states and allowed next states.
TEST(StateMachine, TablesAreWellFormed) {
    for (const tlsio_hs_table *t : {&tlsio_hs13_client_table, &tlsio_hs13_server_table}) {
        ASSERT_NO_FATAL_FAILURE(CheckTableShape(t, [t](const tlsio_hs_edge &ed, size_t i) {
            if (ed.msg_type == TLSIO_PSEUDO_CCS) return; // the compatibility record's window
            EXPECT_NE(nullptr, tlsio_msg_lookup(ed.msg_type)) << t->name << " edge " << i;
        }));
    }
}

class Walk : public EngineFixture {
  protected:
    // Returns how many (state, message) pairs without an edge were dispatched.
    int WalkTable(bool server, const tlsio_hs_table *t) {
        auto make = [&] {
            tls_engine *e = NewEngine(server);
            if (e != nullptr) {
                EXPECT_EQ(t, e->table);
            }
            return e;
        };
        return WalkRefusals(
            t, AllHsSamples(TLS_VERSION_1_3), make,
            [&](tls_engine *, uint8_t st, const HsSample &s, const std::string &err) {
                const tlsio_msg_info *info = tlsio_msg_lookup(s.type);
                if (info == nullptr || info->codec13 == nullptr || info->never_valid) return;
                // Refused by the table, with a sentence naming both. The type alone decides
                // (before the body is parsed) unless an edge of another variant of it exists.
                bool type_known = false;
                for (size_t i = 0; i < t->n_edges; i++)
                    type_known |= t->edges[i].from == st && t->edges[i].msg_type == s.type;
                std::string name = type_known || s.variant == TLSIO_VAR_ANY ? s.name : info->name;
                std::string want =
                    std::string("unexpected ") + name + " in state " + t->state_names[st];
                EXPECT_NE(std::string::npos, err.find(want)) << Where(t, st, s) << ": " << err;
            });
    }
};

TEST_F(Walk, ClientTableRefusesEveryMessageWithoutAnEdge) {
    int n = WalkTable(false, &tlsio_hs13_client_table);
    EXPECT_GT(n, 100);
}

TEST_F(Walk, ServerTableRefusesEveryMessageWithoutAnEdge) {
    int n = WalkTable(true, &tlsio_hs13_server_table);
    EXPECT_GT(n, 50);
}

} // namespace
