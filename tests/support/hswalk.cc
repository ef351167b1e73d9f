#include "hswalk.h"

#include <openssl/bytestring.h>

#include <cstring>

#include "engine.h"

namespace tlsio_test {

namespace {

void Push(tlsio_exts *x, tlsio_ext_id id) {
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_exts_push(x, id, &err)) << err.msg;
}

const uint8_t kZeros[64] = {0};
const uint8_t kSigAlgs[] = {0x04, 0x03};
const uint8_t kCompression[] = {0};
const uint8_t kVersions[] = {0x03, 0x04};
const uint8_t kCertTypes[] = {64}; // ecdsa_sign
const uint8_t kPoint[] = {0x04, 1, 2, 3};

} // namespace

Bytes MinimalClientHello(uint16_t version) {
    static const uint8_t suites13[] = {0x13, 0x01}, suites12[] = {0xc0, 0x2b};
    tlsio_client_hello m;
    memset(&m, 0, sizeof(m));
    m.legacy_version = 0x0303;
    CBS_init(&m.random, kZeros, 32);
    CBS_init(&m.legacy_session_id, kZeros, 0);
    CBS_init(&m.cipher_suites, version == TLS_VERSION_1_3 ? suites13 : suites12, 2);
    CBS_init(&m.legacy_compression_methods, kCompression, 1);
    if (version == TLS_VERSION_1_3) {
        CBS_init(&m.extensions.supported_versions, kVersions, 2);
        Push(&m.extensions, TLSIO_EXT_SUPPORTED_VERSIONS);
    } else {
        Push(&m.extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET);
    }
    return EncodeHs(TLSIO_HS_CLIENT_HELLO, &tlsio_codec_client_hello, &m);
}

Bytes MinimalServerHello(uint16_t version, bool hrr) {
    static const uint8_t random[32] = {7};
    static const uint8_t pub[32] = {9};
    tlsio_server_hello m;
    memset(&m, 0, sizeof(m));
    m.legacy_version = 0x0303;
    CBS_init(&m.random, hrr ? tlsio_hrr_random : random, 32);
    CBS_init(&m.legacy_session_id_echo, kZeros, 0);
    if (version == TLS_VERSION_1_3 || hrr) {
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
    } else {
        m.cipher_suite = 0xc02b;
        Push(&m.extensions, TLSIO_EXT_EXTENDED_MASTER_SECRET);
    }
    return EncodeHs(TLSIO_HS_SERVER_HELLO, &tlsio_codec_server_hello, &m);
}

Bytes MinimalMessage(const tlsio_msg_info &info, uint16_t version) {
    const bool v13 = version == TLS_VERSION_1_3;
    const tlsio_codec *c = v13 ? (info.codec13 ? info.codec13 : info.codec12)
                               : (info.codec12 ? info.codec12 : info.codec13);
    switch (info.msg_type) {
    case TLSIO_HS_CLIENT_HELLO:
        return MinimalClientHello(version);
    case TLSIO_HS_SERVER_HELLO:
        return MinimalServerHello(version, false);
    case TLSIO_HS_NEW_SESSION_TICKET: {
        if (v13) {
            tlsio_new_session_ticket13 m;
            memset(&m, 0, sizeof(m));
            CBS_init(&m.ticket_nonce, kZeros, 0);
            CBS_init(&m.ticket, kZeros, 8);
            return EncodeHs(info.msg_type, c, &m);
        }
        tlsio_new_session_ticket12 m;
        m.ticket_lifetime_hint = 60;
        CBS_init(&m.ticket, kZeros, 8);
        return EncodeHs(info.msg_type, c, &m);
    }
    case TLSIO_HS_CERTIFICATE: {
        if (v13) {
            tlsio_certificate13 m;
            CBS_init(&m.certificate_request_context, kZeros, 0);
            CBS_init(&m.certificate_list, kZeros, 0);
            return EncodeHs(info.msg_type, c, &m);
        }
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
        if (v13) {
            tlsio_certificate_request13 m;
            memset(&m, 0, sizeof(m));
            CBS_init(&m.certificate_request_context, kZeros, 0);
            CBS_init(&m.extensions.signature_algorithms, kSigAlgs, 2);
            Push(&m.extensions, TLSIO_EXT_SIGNATURE_ALGORITHMS);
            return EncodeHs(info.msg_type, c, &m);
        }
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
        CBS_init(&m.verify_data, kZeros, v13 ? 32 : 12);
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
    case TLSIO_HS_MESSAGE_HASH: // RFC 8446 §4.4.1: Hash(ClientHello1) as the body
        return HsMsg(info.msg_type, Bytes(32, 0xab));
    default: // the empty-bodied ones: HelloRequest, EndOfEarlyData, ServerHelloDone
        EXPECT_NE(nullptr, c) << info.name;
        if (c == nullptr) return {};
        return EncodeHs(info.msg_type, c, nullptr);
    }
}

std::vector<HsSample> AllHsSamples(uint16_t version) {
    std::vector<HsSample> v;
    for (size_t i = 0; i < tlsio_msg_table_len; i++) {
        const tlsio_msg_info &info = tlsio_msg_table[i];
        v.push_back({info.msg_type, TLSIO_VAR_ANY, info.name, MinimalMessage(info, version)});
        if (info.msg_type == TLSIO_HS_SERVER_HELLO)
            v.push_back({info.msg_type, TLSIO_VAR_HRR, "HelloRetryRequest",
                         MinimalServerHello(version, true)});
    }
    v.push_back({99, TLSIO_VAR_ANY, "unknown type 99", HsMsg(99, {1, 2, 3})});
    // TLS 1.2's handshake step, TLS 1.3's compatibility record: both tables say when.
    v.push_back({TLSIO_PSEUDO_CCS, TLSIO_VAR_ANY, "ChangeCipherSpec", {}});
    return v;
}

void RemoveExt(tlsio_exts *x, tlsio_ext_id id) {
    x->present &= ~TLSIO_EXT_BIT(id);
    uint16_t t = tlsio_ext_type_of(id);
    size_t j = 0;
    for (size_t i = 0; i < x->n_order; i++)
        if (x->order[i] != t) x->order[j++] = x->order[i];
    x->n_order = (uint8_t)j;
}

int DispatchSample(tls_engine *e, const HsSample &s) {
    if (s.type == TLSIO_PSEUDO_CCS) return tlsio_dispatch_ccs(e);
    tlsio_hs_msg m;
    m.type = s.type;
    m.raw = s.raw.data();
    m.raw_len = s.raw.size();
    m.body = s.raw.data() + 4;
    m.len = s.raw.size() - 4;
    return tlsio_dispatch(e, &m);
}

std::string Where(const tlsio_hs_table *t, uint8_t state, const HsSample &s) {
    return std::string(t->name) + " state " + t->state_names[state] + ", " + s.name;
}

std::string ExpectRefusedInState(tls_engine *e, const tlsio_hs_table *t, uint8_t state,
                                 const HsSample &s) {
    e->state = state;
    std::string where = Where(t, state, s);
    int rc = DispatchSample(e, s);
    EXPECT_EQ(TLS_ALERT_UNEXPECTED_MESSAGE, rc) << where << ": " << tls_engine_error(e);
    EXPECT_TRUE(FailedWith(e, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_ERRCAT_PROTOCOL)) << where;
    EXPECT_EQ(state, e->state) << where << ": the state must not move";
    // The alert was queued for the peer.
    EXPECT_TRUE(tls_engine_status(e) & TLS_ST_HAS_SEND) << where;
    return tls_engine_error(e);
}

void CheckTableShape(const tlsio_hs_table *t,
                     const std::function<void(const tlsio_hs_edge &, size_t)> &per_edge) {
    ASSERT_LE(t->n_states, 32u) << t->name;
    EXPECT_LT(t->connected_state, t->n_states) << t->name;
    for (size_t i = 0; i < t->n_edges; i++) {
        const tlsio_hs_edge &ed = t->edges[i];
        EXPECT_LT(ed.from, t->n_states) << t->name << " edge " << i;
        EXPECT_NE(0u, ed.next) << t->name << " edge " << i;
        EXPECT_EQ(0u, ed.next >> t->n_states) << t->name << " edge " << i;
        EXPECT_EQ(&ed, tlsio_hs_find_edge(t, ed.from, ed.msg_type, ed.variant))
            << t->name << " edge " << i << " is shadowed by an earlier duplicate";
        if (per_edge) per_edge(ed, i);
    }
}

int WalkMissingEdges(const tlsio_hs_table *t, const std::vector<HsSample> &samples,
                     const std::function<void(uint8_t, const HsSample &)> &refuse) {
    int refused = 0, with_edge = 0;
    for (uint8_t st = 0; st < t->n_states; st++) {
        for (const HsSample &s : samples) {
            if (tlsio_hs_find_edge(t, st, s.type, s.variant) != nullptr) {
                with_edge++;
                continue;
            }
            refuse(st, s);
            refused++;
        }
    }
    EXPECT_EQ((int)t->n_edges, with_edge) << t->name << ": every edge is met once";
    EXPECT_EQ((int)(t->n_states * samples.size()) - with_edge, refused);
    return refused;
}

int WalkRefusals(const tlsio_hs_table *t, const std::vector<HsSample> &samples,
                 const std::function<tls_engine *()> &make,
                 const std::function<void(tls_engine *, uint8_t, const HsSample &,
                                          const std::string &)> &check) {
    return WalkMissingEdges(t, samples, [&](uint8_t st, const HsSample &s) {
        tls_engine *e = make();
        EXPECT_NE(nullptr, e);
        if (e == nullptr) return;
        std::string err = ExpectRefusedInState(e, t, st, s);
        check(e, st, s, err);
        tls_engine_free(e);
    });
}

} // namespace tlsio_test
