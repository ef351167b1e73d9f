// The TLS 1.2 state machines, walked exhaustively: for every state of tlsio_hs12_client_table
// and tlsio_hs12_server_table and every handshake type of tlsio_msg_table in its TLS 1.2 form
// (plus the HelloRetryRequest variant, an unknown type, and the ChangeCipherSpec pseudo type),
// a message with no edge in the table must fail with unexpected_message (RFC 5246 §7.2.2: "An
// inappropriate message was received") and leave the state where it was. States and types come
// from the tables, not from a hand-written list.
#include <gtest/gtest.h>

#include <algorithm>
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
            EXPECT_EQ(info->codec12, tlsio_hs_form_codec((tlsio_hs_form)ed.form))
                << t->name << " edge " << i << ": " << info->name << " decoded as another form";
        }));
        EXPECT_EQ(0u, t->entry >> t->n_states) << t->name;
        // RFC 5246 §7.1: exactly one ChangeCipherSpec from the peer per handshake: one edge
        // in the full handshake, one in the abbreviated one (§7.3, RFC 5077 §3.1).
        EXPECT_EQ(2, ccs_edges) << t->name;
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
                    // The type alone decides (before the body is parsed) unless an edge of
                    // another variant of it exists here.
                    bool type_known = false;
                    for (size_t i = 0; i < t->n_edges; i++)
                        type_known |= t->edges[i].from == st && t->edges[i].msg_type == s.type;
                    std::string name = s.type == TLSIO_PSEUDO_CCS ? "ChangeCipherSpec"
                                       : type_known || s.variant == TLSIO_VAR_ANY ? s.name
                                                                                  : info->name;
                    std::string want = std::string(t->name) + ": unexpected " + name +
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

// In TLS 1.3 a change_cipher_spec record is never a step of the handshake: the tables list
// it only to say when the compatibility record may arrive and be dropped (RFC 8446 §5, D.4),
// from the first ClientHello until the peer's Finished, and a walk of every state shows it.
TEST_F(Walk12, Tls13CompatCcsWindow) {
    struct Want {
        const tlsio_hs_table *t;
        bool server;
        std::vector<std::string> window;
    } wants[] = {
        {&tlsio_hs13_client_table,
         false,
         {"WAIT_SH", "WAIT_SH2", "WAIT_EE", "WAIT_CERT_CR", "WAIT_CERT", "WAIT_CV",
          "WAIT_FINISHED"}},
        {&tlsio_hs13_server_table,
         true,
         {"WAIT_CH2", "WAIT_CERT", "WAIT_CERTIFICATE_VERIFY", "WAIT_FINISHED"}},
    };
    for (const Want &w : wants) {
        for (uint8_t st = 0; st < w.t->n_states; st++) {
            std::string name = w.t->state_names[st];
            bool in_window = std::find(w.window.begin(), w.window.end(), name) != w.window.end();
            const tlsio_hs_edge *ed = tlsio_hs_find_edge(w.t, st, TLSIO_PSEUDO_CCS, 0);
            EXPECT_EQ(in_window, ed != nullptr) << w.t->name << " " << name;
            if (ed != nullptr) {
                EXPECT_EQ(TLSIO_ST(st), ed->next) << w.t->name << " " << name;
                EXPECT_EQ(TLSIO_T_NEVER, ed->transcript) << w.t->name << " " << name;
                EXPECT_EQ(0, ed->effects) << w.t->name << " " << name;
            }
            tls_engine *e = w.server ? tls_engine_new_server(cfg.server)
                                     : tls_engine_new_client(cfg.client, "example.com");
            ASSERT_NE(nullptr, e);
            e->state = st;
            int rc = tlsio_dispatch_ccs(e);
            EXPECT_EQ(in_window ? 0 : TLS_ALERT_UNEXPECTED_MESSAGE, rc)
                << w.t->name << " " << name << ": " << tls_engine_error(e);
            EXPECT_EQ(st, e->state) << w.t->name << " " << name;
            tls_engine_free(e);
        }
    }
}

} // namespace
