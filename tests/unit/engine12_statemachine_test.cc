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
#include "hs_dispatch.h"
#include "msgs.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

struct Sample {
    uint8_t type;
    uint8_t variant;
    std::string name;
    Bytes raw; // header + body; empty for the CCS pseudo message
};

void Push(tlsio_exts *x, tlsio_ext_id id) {
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_exts_push(x, id, &err)) << err.msg;
}

const uint8_t kZeros[64] = {0};
const uint8_t kSigAlgs[] = {0x04, 0x03};
const uint8_t kCompression[] = {0};
const uint8_t kCertTypes[] = {64}; // ecdsa_sign
const uint8_t kPoint[] = {0x04, 1, 2, 3};

Bytes ClientHello12() {
    static const uint8_t suites[] = {0xc0, 0x2b};
    tlsio_client_hello m;
    memset(&m, 0, sizeof(m));
    m.legacy_version = 0x0303;
    CBS_init(&m.random, kZeros, 32);
    CBS_init(&m.legacy_session_id, kZeros, 0);
    CBS_init(&m.cipher_suites, suites, 2);
    CBS_init(&m.legacy_compression_methods, kCompression, 1);
    Push(&m.extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET);
    return EncodeHs(TLSIO_HS_CLIENT_HELLO, &tlsio_codec_client_hello, &m);
}

Bytes ServerHello12(bool hrr) {
    static const uint8_t random[32] = {7};
    tlsio_server_hello m;
    memset(&m, 0, sizeof(m));
    m.legacy_version = 0x0303;
    CBS_init(&m.random, hrr ? tlsio_hrr_random : random, 32);
    CBS_init(&m.legacy_session_id_echo, kZeros, 0);
    if (hrr) {
        m.cipher_suite = 0x1301;
        m.extensions.selected_version = 0x0304;
        Push(&m.extensions, TLSIO_EXT_SUPPORTED_VERSIONS);
        m.extensions.key_share_selected_group = 0x0017;
        Push(&m.extensions, TLSIO_EXT_KEY_SHARE);
    } else {
        m.cipher_suite = 0xc02b;
        Push(&m.extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET);
    }
    return EncodeHs(TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &m);
}

// A minimal valid message of `type` in its TLS 1.2 form when it has one, else its TLS 1.3 one
// (which a TLS 1.2 table refuses before decoding: "not a TLS 1.2 message").
Bytes MinimalMessage(const tlsio_msg_info &info) {
    const tlsio_codec *c = info.codec12 ? info.codec12 : info.codec13;
    switch (info.msg_type) {
    case TLSIO_HS_CLIENT_HELLO:
        return ClientHello12();
    case TLSIO_HS_SERVER_HELLO:
        return ServerHello12(false);
    case TLSIO_HS_NEW_SESSION_TICKET: {
        tlsio_new_session_ticket12 m;
        m.ticket_lifetime_hint = 60;
        CBS_init(&m.ticket, kZeros, 8);
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_CERTIFICATE: {
        tlsio_certificate12 m;
        CBS_init(&m.certificate_list, kZeros, 0);
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_SERVER_KEY_EXCHANGE: {
        tlsio_server_key_exchange_ecdhe m;
        memset(&m, 0, sizeof(m));
        m.curve_type = 3;
        m.named_curve = 0x0017;
        CBS_init(&m.point, kPoint, sizeof(kPoint));
        m.sig_algorithm = 0x0403;
        CBS_init(&m.signature, kZeros, 8);
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_CERTIFICATE_REQUEST: {
        tlsio_certificate_request12 m;
        CBS_init(&m.certificate_types, kCertTypes, 1);
        CBS_init(&m.supported_signature_algorithms, kSigAlgs, 2);
        CBS_init(&m.certificate_authorities, kZeros, 0);
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_CERTIFICATE_VERIFY: {
        tlsio_certificate_verify m;
        m.algorithm = 0x0403;
        CBS_init(&m.signature, kZeros, 8);
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_CLIENT_KEY_EXCHANGE: {
        tlsio_client_key_exchange_ecdhe m;
        CBS_init(&m.point, kPoint, sizeof(kPoint));
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_FINISHED: {
        tlsio_finished m;
        CBS_init(&m.verify_data, kZeros, 12);
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_KEY_UPDATE: {
        tlsio_key_update m = {.request_update = 0};
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_ENCRYPTED_EXTENSIONS: {
        tlsio_encrypted_extensions m;
        memset(&m, 0, sizeof(m));
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_MESSAGE_HASH:
        return HsMsg(info.msg_type, Bytes(32, 0xab));
    default: // the empty-bodied ones: HelloRequest, EndOfEarlyData, ServerHelloDone
        EXPECT_NE(nullptr, c) << info.name;
        if (c == nullptr) return {};
        return EncodeHs(info.msg_type, c, nullptr);
    }
}

std::vector<Sample> AllSamples() {
    std::vector<Sample> v;
    for (size_t i = 0; i < tlsio_msg_table_len; i++) {
        const tlsio_msg_info &info = tlsio_msg_table[i];
        v.push_back({info.msg_type, TLSIO_VAR_ANY, info.name, MinimalMessage(info)});
        if (info.msg_type == TLSIO_HS_SERVER_HELLO)
            v.push_back({info.msg_type, TLSIO_VAR_HRR, "HelloRetryRequest", ServerHello12(true)});
    }
    v.push_back({99, TLSIO_VAR_ANY, "unknown type 99", HsMsg(99, {1, 2, 3})});
    v.push_back({TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY, "ChangeCipherSpec", {}});
    return v;
}

// Every TLS 1.2 sample decodes with its TLS 1.2 codec, so a refusal below is the table's.
TEST(StateMachine12, SamplesAreValidMessages) {
    int n = 0;
    for (const Sample &s : AllSamples()) {
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
        ASSERT_LE(t->n_states, 32u) << t->name;
        EXPECT_LT(t->connected_state, t->n_states) << t->name;
        EXPECT_NE(0u, t->entry) << t->name << ": the TLS 1.3 table hands over to an entry state";
        EXPECT_EQ(0u, t->entry >> t->n_states) << t->name;
        int ccs_edges = 0;
        for (size_t i = 0; i < t->n_edges; i++) {
            const tlsio_hs_edge &ed = t->edges[i];
            EXPECT_LT(ed.from, t->n_states) << t->name << " edge " << i;
            EXPECT_NE(0u, ed.next) << t->name << " edge " << i;
            EXPECT_EQ(0u, ed.next >> t->n_states) << t->name << " edge " << i;
            EXPECT_EQ(&ed, tlsio_hs_find_edge(t, ed.from, ed.msg_type, ed.variant))
                << t->name << " edge " << i << " is shadowed by an earlier duplicate";
            if (ed.msg_type == TLSIO_PSEUDO_CCS) {
                ccs_edges++;
                continue;
            }
            const tlsio_msg_info *info = tlsio_msg_lookup(ed.msg_type);
            ASSERT_NE(nullptr, info) << t->name << " edge " << i;
            EXPECT_NE(nullptr, info->codec12)
                << t->name << " edge " << i << ": " << info->name << " has no TLS 1.2 form";
            EXPECT_EQ(info->codec12, tlsio_hs_form_codec((tlsio_hs_form)ed.form))
                << t->name << " edge " << i << ": " << info->name << " decoded as another form";
        }
        // RFC 5246 §7.1: exactly one ChangeCipherSpec from the peer per handshake.
        EXPECT_EQ(1, ccs_edges) << t->name;
    }
}

class Walk12 : public ::testing::Test {
  protected:
    TestPki pki;
    Cert root = pki.MakeCa("Walk12 Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}});
    Configs cfg;
    void SetUp() override {
        MakeConfigs(&cfg, root, leaf);
    }
    // A fresh engine of the role, moved into the TLS 1.2 table as a version switch would.
    tls_engine *NewEngine(bool server, const tlsio_hs_table *t) {
        tls_engine *e = server ? tls_engine_new_server(cfg.server)
                               : tls_engine_new_client(cfg.client, "example.com");
        if (e == nullptr) return nullptr;
        tls_engine_set_time(e, pki.now());
        Drain(e); // the ClientHello
        e->table = t;
        e->version = TLS_VERSION_1_2;
        return e;
    }
    int WalkTable(bool server, const tlsio_hs_table *t) {
        std::vector<Sample> samples = AllSamples();
        int refused = 0, with_edge = 0;
        for (uint8_t st = 0; st < t->n_states; st++) {
            for (const Sample &s : samples) {
                if (tlsio_hs_find_edge(t, st, s.type, s.variant) != nullptr) {
                    with_edge++;
                    continue;
                }
                tls_engine *e = NewEngine(server, t);
                EXPECT_NE(nullptr, e);
                if (e == nullptr) continue;
                e->state = st;
                std::string where =
                    std::string(t->name) + " state " + t->state_names[st] + ", " + s.name;
                int rc;
                if (s.type == TLSIO_PSEUDO_CCS) {
                    rc = tlsio_dispatch_ccs(e);
                } else {
                    tlsio_hs_msg m;
                    m.type = s.type;
                    m.raw = s.raw.data();
                    m.raw_len = s.raw.size();
                    m.body = s.raw.data() + 4;
                    m.len = s.raw.size() - 4;
                    rc = tlsio_dispatch(e, &m);
                }
                EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, rc) << where << ": " << tls_engine_error(e);
                EXPECT_TRUE(FailedWith(e, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL))
                    << where;
                EXPECT_EQ(st, e->state) << where << ": the state must not move";
                EXPECT_EQ(t, e->table) << where << ": the table must not change";
                const tlsio_msg_info *info = tlsio_msg_lookup(s.type);
                std::string err = tls_engine_error(e);
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
                // The alert was queued for the peer.
                EXPECT_TRUE(tls_engine_status(e) & TLS_ST_HAS_SEND) << where;
                tls_engine_free(e);
                refused++;
            }
        }
        EXPECT_EQ((int)t->n_edges, with_edge) << t->name << ": every edge is met once";
        EXPECT_EQ((int)(t->n_states * samples.size()) - with_edge, refused);
        return refused;
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
