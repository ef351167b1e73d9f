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
#include "hs_dispatch.h"
#include "msgs.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

struct Sample {
    uint8_t type;
    uint8_t variant;
    std::string name;
    Bytes raw; // header + body
};

Bytes Enc(uint8_t type, const tlsio_codec *c, const void *body) {
    return EncodeHs(type, c, body);
}

void Push(tlsio_exts *x, tlsio_ext_id id) {
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_exts_push(x, id, &err)) << err.msg;
}

const uint8_t kZeros[64] = {0};
const uint8_t kU16List[] = {0x04, 0x03};
const uint8_t kCompression[] = {0};
const uint8_t kVersions[] = {0x03, 0x04};
const uint8_t kPoint[] = {0x04, 1, 2, 3};

Bytes ClientHelloBody() {
    tlsio_client_hello m;
    memset(&m, 0, sizeof(m));
    m.legacy_version = 0x0303;
    CBS_init(&m.random, kZeros, 32);
    CBS_init(&m.legacy_session_id, kZeros, 0);
    static const uint8_t suites[] = {0x13, 0x01};
    CBS_init(&m.cipher_suites, suites, 2);
    CBS_init(&m.legacy_compression_methods, kCompression, 1);
    CBS_init(&m.extensions.supported_versions, kVersions, 2);
    Push(&m.extensions, TLSIO_EXT_SUPPORTED_VERSIONS);
    return Enc(TLSIO_HS_CLIENT_HELLO, &tlsio_codec_client_hello, &m);
}

Bytes ServerHelloBody(bool hrr) {
    static const uint8_t random[32] = {7};
    static const uint8_t pub[32] = {9};
    tlsio_server_hello m;
    memset(&m, 0, sizeof(m));
    m.legacy_version = 0x0303;
    CBS_init(&m.random, hrr ? tlsio_hrr_random : random, 32);
    CBS_init(&m.legacy_session_id_echo, kZeros, 0);
    m.cipher_suite = 0x1301;
    m.extensions.selected_version = 0x0304;
    Push(&m.extensions, TLSIO_EXT_SUPPORTED_VERSIONS);
    if (hrr) {
        m.extensions.key_share_selected_group = 0x0017;
    } else {
        m.extensions.key_share_server_share.group = 0x001d;
        CBS_init(&m.extensions.key_share_server_share.key_exchange, pub, 32);
    }
    Push(&m.extensions, TLSIO_EXT_KEY_SHARE);
    return Enc(TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &m);
}

// A minimal valid message of `type` in its TLS 1.3 form when it has one, else its TLS 1.2 one.
Bytes MinimalMessage(const tlsio_msg_info &info) {
    const tlsio_codec *c = info.codec13 ? info.codec13 : info.codec12;
    switch (info.msg_type) {
    case TLSIO_HS_CLIENT_HELLO:
        return ClientHelloBody();
    case TLSIO_HS_SERVER_HELLO:
        return ServerHelloBody(false);
    case TLSIO_HS_NEW_SESSION_TICKET: {
        tlsio_new_session_ticket13 m;
        memset(&m, 0, sizeof(m));
        CBS_init(&m.ticket_nonce, kZeros, 0);
        CBS_init(&m.ticket, kZeros, 8);
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_CERTIFICATE: {
        tlsio_certificate13 m;
        CBS_init(&m.certificate_request_context, kZeros, 0);
        CBS_init(&m.certificate_list, kZeros, 0);
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_SERVER_KEY_EXCHANGE: {
        tlsio_server_key_exchange_ecdhe m;
        memset(&m, 0, sizeof(m));
        m.curve_type = 3;
        m.named_curve = 0x0017;
        CBS_init(&m.point, kPoint, sizeof(kPoint));
        m.sig_algorithm = 0x0403;
        CBS_init(&m.signature, kZeros, 8);
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_CERTIFICATE_REQUEST: {
        tlsio_certificate_request13 m;
        memset(&m, 0, sizeof(m));
        CBS_init(&m.certificate_request_context, kZeros, 0);
        CBS_init(&m.extensions.signature_algorithms, kU16List, 2);
        Push(&m.extensions, TLSIO_EXT_SIGNATURE_ALGORITHMS);
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_CERTIFICATE_VERIFY: {
        tlsio_certificate_verify m;
        m.algorithm = 0x0403;
        CBS_init(&m.signature, kZeros, 8);
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_CLIENT_KEY_EXCHANGE: {
        tlsio_client_key_exchange_ecdhe m;
        CBS_init(&m.point, kPoint, sizeof(kPoint));
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_FINISHED: {
        tlsio_finished m;
        CBS_init(&m.verify_data, kZeros, 32);
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_KEY_UPDATE: {
        tlsio_key_update m = {.request_update = 0};
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_ENCRYPTED_EXTENSIONS: {
        tlsio_encrypted_extensions m;
        memset(&m, 0, sizeof(m));
        return Enc(info.msg_type, c, &m);
    }
    case TLSIO_HS_MESSAGE_HASH: // RFC 8446 §4.4.1: Hash(ClientHello1) as the body
        return HsMsg(info.msg_type, Bytes(32, 0xab));
    default: // the empty-bodied ones: HelloRequest, EndOfEarlyData, ServerHelloDone
        EXPECT_NE(nullptr, c) << info.name;
        if (c == nullptr) return {};
        return Enc(info.msg_type, c, nullptr);
    }
}

std::vector<Sample> AllSamples() {
    std::vector<Sample> v;
    for (size_t i = 0; i < tlsio_msg_table_len; i++) {
        const tlsio_msg_info &info = tlsio_msg_table[i];
        v.push_back({info.msg_type, TLSIO_VAR_ANY, info.name, MinimalMessage(info)});
        if (info.msg_type == TLSIO_HS_SERVER_HELLO)
            v.push_back({info.msg_type, TLSIO_VAR_HRR, "HelloRetryRequest", ServerHelloBody(true)});
    }
    v.push_back({99, TLSIO_VAR_ANY, "unknown type 99", HsMsg(99, {1, 2, 3})});
    return v;
}

// Every sample is a message the codec accepts (for its version), so a refusal below is the
// state machine's and not the decoder's.
TEST(StateMachine, SamplesAreValidMessages) {
    for (const Sample &s : AllSamples()) {
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
        ASSERT_LE(t->n_states, 32u) << t->name;
        EXPECT_LT(t->connected_state, t->n_states) << t->name;
        for (size_t i = 0; i < t->n_edges; i++) {
            const tlsio_hs_edge &ed = t->edges[i];
            EXPECT_LT(ed.from, t->n_states) << t->name << " edge " << i;
            EXPECT_NE(0u, ed.next) << t->name << " edge " << i;
            EXPECT_EQ(0u, ed.next >> t->n_states) << t->name << " edge " << i;
            EXPECT_EQ(&ed, tlsio_hs_find_edge(t, ed.from, ed.msg_type, ed.variant))
                << t->name << " edge " << i << " is shadowed by an earlier duplicate";
            if (ed.msg_type != TLSIO_PSEUDO_CCS) {
                EXPECT_NE(nullptr, tlsio_msg_lookup(ed.msg_type)) << t->name << " edge " << i;
            }
        }
    }
}

class Walk : public ::testing::Test {
  protected:
    TestPki pki;
    Cert root = pki.MakeCa("Walk Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}});
    Configs cfg;
    void SetUp() override {
        MakeConfigs(&cfg, root, leaf);
    }
    tls_engine *NewEngine(bool server) {
        tls_engine *e = server ? tls_engine_new_server(cfg.server)
                               : tls_engine_new_client(cfg.client, "example.com");
        if (e) tls_engine_set_time(e, pki.now());
        return e;
    }
    // Returns how many (state, message) pairs without an edge were dispatched.
    int WalkTable(bool server, const tlsio_hs_table *t) {
        std::vector<Sample> samples = AllSamples();
        int refused = 0, with_edge = 0;
        for (uint8_t st = 0; st < t->n_states; st++) {
            for (const Sample &s : samples) {
                if (tlsio_hs_find_edge(t, st, s.type, s.variant) != nullptr) {
                    with_edge++;
                    continue;
                }
                tls_engine *e = NewEngine(server);
                EXPECT_NE(nullptr, e);
                if (e == nullptr) continue;
                EXPECT_EQ(t, e->table);
                e->state = st;
                tlsio_hs_msg m;
                m.type = s.type;
                m.raw = s.raw.data();
                m.raw_len = s.raw.size();
                m.body = s.raw.data() + 4;
                m.len = s.raw.size() - 4;
                int rc = tlsio_dispatch(e, &m);
                std::string where =
                    std::string(t->name) + " state " + t->state_names[st] + ", " + s.name;
                EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, rc) << where << ": " << tls_engine_error(e);
                EXPECT_TRUE(FailedWith(e, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL))
                    << where;
                EXPECT_EQ(st, e->state) << where << ": the state must not move";
                const tlsio_msg_info *info = tlsio_msg_lookup(s.type);
                if (info != nullptr && info->codec13 != nullptr && !info->never_valid) {
                    // Decoded fine: refused by the table, with a sentence naming both.
                    // The type alone decides (before the body is parsed) unless an edge of
                    // another variant of it exists here.
                    bool type_known = false;
                    for (size_t i = 0; i < t->n_edges; i++)
                        type_known |= t->edges[i].from == st && t->edges[i].msg_type == s.type;
                    std::string name =
                        type_known || s.variant == TLSIO_VAR_ANY ? s.name : info->name;
                    std::string want =
                        std::string("unexpected ") + name + " in state " + t->state_names[st];
                    EXPECT_NE(std::string::npos, std::string(tls_engine_error(e)).find(want))
                        << where << ": " << tls_engine_error(e);
                }
                // The alert was queued for the peer.
                EXPECT_TRUE(tls_engine_status(e) & TLS_ST_HAS_SEND) << where;
                tls_engine_free(e);
                refused++;
            }
        }
        int ccs_edges = 0; // walked by StateMachine12.Tls13CompatCcsWindow
        for (size_t i = 0; i < t->n_edges; i++)
            ccs_edges += t->edges[i].msg_type == TLSIO_PSEUDO_CCS;
        EXPECT_EQ((int)t->n_edges - ccs_edges, with_edge) << t->name << ": every edge is met once";
        EXPECT_EQ((int)(t->n_states * samples.size()) - with_edge, refused);
        return refused;
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
