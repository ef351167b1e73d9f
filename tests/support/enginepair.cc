#include "enginepair.h"

#include <openssl/bytestring.h>

#include <algorithm>
#include <cstring>

#include "engine_testing.h"
#include "msgs.h"

namespace tlsio_test {

static size_t MoveOne(tls_engine *from, tls_engine *to) {
    size_t n = 0, cap = 0;
    const uint8_t *p = tls_engine_send_buf(from, &n);
    if (n == 0) return 0;
    uint8_t *d = tls_engine_recv_buf(to, &cap);
    if (d == nullptr || cap == 0) {
        // A failed peer takes nothing more: drop what it cannot take. A full one waits.
        if (tls_engine_status(to) & TLS_ST_FAILED) tls_engine_send_ack(from, n);
        return 0;
    }
    size_t k = std::min(n, cap);
    memcpy(d, p, k);
    tls_engine_send_ack(from, k);
    (void)tls_engine_recv_ack(to, k);
    return k;
}

size_t Pump(tls_engine *a, tls_engine *b, int max_rounds) {
    size_t total = 0;
    for (int i = 0; i < max_rounds; i++) {
        size_t moved = MoveOne(a, b) + MoveOne(b, a);
        total += moved;
        if (moved == 0) break;
    }
    return total;
}

bool WriteAll(tls_engine *e, const std::string &data) {
    size_t off = 0;
    while (off < data.size()) {
        size_t cap = 0;
        uint8_t *p = tls_engine_write_buf(e, &cap);
        if (p == nullptr) return false;
        size_t k = std::min(cap, data.size() - off);
        memcpy(p, data.data() + off, k);
        if (tls_engine_write_ack(e, k) != 0) return false;
        off += k;
    }
    return true;
}

std::string ReadAll(tls_engine *e) {
    std::string out;
    for (;;) {
        size_t n = 0;
        const uint8_t *p = tls_engine_read_buf(e, &n);
        if (n == 0) break;
        out.append(reinterpret_cast<const char *>(p), n);
        tls_engine_read_ack(e, n);
    }
    return out;
}

Configs::~Configs() {
    tls_config_free(client);
    tls_config_free(server);
}

bool AddChain(tls_config *server, const Cert &leaf) {
    std::string chain = leaf.chain_pem(), key = leaf.key_pem();
    return tls_config_add_cert_pem(server, chain.data(), chain.size(), key.data(), key.size()) == 0;
}

void MakeConfigs(Configs *c, const Cert &root, const Cert &leaf) {
    c->client = tls_config_new();
    c->server = tls_config_new();
    std::string ca = root.cert_pem();
    if (tls_config_add_ca_pem(c->client, ca.data(), ca.size()) != 0) abort();
    if (!AddChain(c->server, leaf)) abort();
}

EnginePair::EnginePair(tls_config *ccfg, tls_config *scfg, const char *host, int64_t now) {
    client = tls_engine_new_client(ccfg, host);
    server = tls_engine_new_server(scfg);
    if (client) tls_engine_set_time(client, now);
    if (server) tls_engine_set_time(server, now);
}

EnginePair::~EnginePair() {
    tls_engine_free(client);
    tls_engine_free(server);
}

void EnginePair::Handshake() {
    Pump(client, server);
}

std::string EnginePair::Errors() const {
    return std::string("client: ") + tls_engine_error(client) +
           " / server: " + tls_engine_error(server);
}

bool EnginePair::Connected() const {
    return (tls_engine_status(client) & TLS_ST_CONNECTED) &&
           (tls_engine_status(server) & TLS_ST_CONNECTED);
}

::testing::AssertionResult IsPlainAlert(const Bytes &wire, uint8_t code) {
    std::vector<Record> recs = SplitRecords(wire);
    if (recs.empty()) return ::testing::AssertionFailure() << "nothing was sent";
    Bytes want = PlainRecord(21, {2, code});
    if (recs.back().bytes != want)
        return ::testing::AssertionFailure()
               << "last record " << ToHex(recs.back().bytes) << ", want " << ToHex(want);
    return ::testing::AssertionSuccess();
}

HelloExchange::~HelloExchange() {
    tls_engine_free(client);
    tls_engine_free(server);
}

void HelloExchange::Begin(tls_engine *c, tls_engine *s) {
    client = c;
    server = s;
    std::vector<Record> recs = SplitRecords(Drain(client));
    ASSERT_EQ(1u, recs.size());
    ASSERT_TRUE(ch.Parse(Bytes(recs[0].bytes.begin() + 5, recs[0].bytes.end())));
}

void HelloExchange::Send() {
    // A hello over 2^14 bytes travels in several records (RFC 8446 §5.1).
    Bytes msg = ch.Encode(), wire;
    for (size_t at = 0; at < msg.size(); at += 16384) {
        Bytes rec = PlainRecord(
            22, Bytes(msg.begin() + at, msg.begin() + std::min(msg.size(), at + 16384)));
        wire.insert(wire.end(), rec.begin(), rec.end());
    }
    Feed(server, wire);
    Feed(client, Drain(server));
}

// ---- one engine at a time ---------------------------------------------------------------

Bytes Drain(tls_engine *e) {
    size_t n = 0;
    const uint8_t *p = tls_engine_send_buf(e, &n);
    Bytes out(p, p + n);
    tls_engine_send_ack(e, n);
    return out;
}

int Feed(tls_engine *e, const Bytes &wire) {
    size_t off = 0;
    while (off < wire.size()) {
        size_t cap = 0;
        uint8_t *d = tls_engine_recv_buf(e, &cap);
        if (d == nullptr || cap == 0) return tls_engine_error_code(e);
        size_t k = std::min(cap, wire.size() - off);
        memcpy(d, wire.data() + off, k);
        off += k;
        int rc = tls_engine_recv_ack(e, k);
        if (rc != 0) return rc;
    }
    return 0;
}

std::vector<Record> SplitRecords(const Bytes &wire) {
    std::vector<Record> out;
    size_t off = 0;
    while (wire.size() - off >= 5) {
        size_t len = (size_t)wire[off + 3] << 8 | wire[off + 4];
        if (wire.size() - off < 5 + len) break;
        Record r;
        r.type = wire[off];
        r.bytes.assign(wire.begin() + off, wire.begin() + off + 5 + len);
        out.push_back(r);
        off += 5 + len;
    }
    return out;
}

Bytes Join(const std::vector<Record> &recs) {
    Bytes out;
    for (const Record &r : recs)
        out.insert(out.end(), r.bytes.begin(), r.bytes.end());
    return out;
}

/* Not `Bytes out = {header...}; out.insert(out.end(), body...)`: GCC 12 at -O3 follows the
 * reallocation it inlines into that insert with the header's exact size and reports a
 * -Warray-bounds overflow that cannot happen. Sizing the vector first leaves no such path. */
Bytes Prefixed(std::initializer_list<uint8_t> head, const Bytes &body) {
    Bytes out(head.size() + body.size());
    std::copy(head.begin(), head.end(), out.begin());
    std::copy(body.begin(), body.end(), out.begin() + (std::ptrdiff_t)head.size());
    return out;
}

Bytes PlainRecord(uint8_t type, const Bytes &payload, uint16_t version) {
    return Prefixed({type, (uint8_t)(version >> 8), (uint8_t)version,
                     (uint8_t)(payload.size() >> 8), (uint8_t)payload.size()},
                    payload);
}

Bytes HsMsg(uint8_t type, const Bytes &body) {
    return Prefixed(
        {type, (uint8_t)(body.size() >> 16), (uint8_t)(body.size() >> 8), (uint8_t)body.size()},
        body);
}

Bytes EncodeHs(uint8_t type, const tlsio_codec *codec, const void *body) {
    CBB cbb;
    tlsio_err err;
    tlsio_err_clear(&err);
    if (!CBB_init(&cbb, 256)) abort();
    int rc = tlsio_hs_encode(type, codec, body, &cbb, &err);
    Bytes out;
    if (rc == 0) out.assign(CBB_data(&cbb), CBB_data(&cbb) + CBB_len(&cbb));
    CBB_cleanup(&cbb);
    EXPECT_EQ(0, rc) << err.msg;
    return out;
}

bool Hello::Parse(const Bytes &msg) {
    CBS m, body, sid, suites, comp, exts;
    CBS_init(&m, msg.data(), msg.size());
    uint8_t t;
    if (!CBS_get_u8(&m, &t) || !CBS_get_u24_length_prefixed(&m, &body) || CBS_len(&m) != 0)
        return false;
    type = t;
    const uint8_t *start = CBS_data(&body);
    if (!CBS_skip(&body, 2 + 32) || !CBS_get_u8_length_prefixed(&body, &sid)) return false;
    if (t == 1) {
        if (!CBS_get_u16_length_prefixed(&body, &suites) ||
            !CBS_get_u8_length_prefixed(&body, &comp))
            return false;
    } else if (!CBS_skip(&body, 3)) {
        return false;
    }
    prefix.assign(start, CBS_data(&body));
    this->exts.clear();
    if (!CBS_get_u16_length_prefixed(&body, &exts) || CBS_len(&body) != 0) return false;
    while (CBS_len(&exts) > 0) {
        uint16_t et;
        CBS eb;
        if (!CBS_get_u16(&exts, &et) || !CBS_get_u16_length_prefixed(&exts, &eb)) return false;
        this->exts.emplace_back(et, Bytes(CBS_data(&eb), CBS_data(&eb) + CBS_len(&eb)));
    }
    return true;
}

Bytes Hello::Encode() const {
    Bytes ext;
    for (const auto &x : exts) {
        ext.push_back((uint8_t)(x.first >> 8));
        ext.push_back((uint8_t)x.first);
        ext.push_back((uint8_t)(x.second.size() >> 8));
        ext.push_back((uint8_t)x.second.size());
        ext.insert(ext.end(), x.second.begin(), x.second.end());
    }
    Bytes body = prefix;
    body.push_back((uint8_t)(ext.size() >> 8));
    body.push_back((uint8_t)ext.size());
    body.insert(body.end(), ext.begin(), ext.end());
    return HsMsg(type, body);
}

Bytes *Hello::Find(uint16_t ext_type) {
    for (auto &x : exts)
        if (x.first == ext_type) return &x.second;
    return nullptr;
}

void Hello::Remove(uint16_t ext_type) {
    exts.erase(
        std::remove_if(exts.begin(), exts.end(),
                       [&](const std::pair<uint16_t, Bytes> &x) { return x.first == ext_type; }),
        exts.end());
}

Bytes SessionIdOf(const Bytes &ch) {
    if (ch.size() < 4 + 2 + 32 + 1) return {};
    size_t n = ch[4 + 2 + 32];
    if (ch.size() < 4 + 2 + 32 + 1 + n) return {};
    return Bytes(ch.begin() + 4 + 2 + 32 + 1, ch.begin() + 4 + 2 + 32 + 1 + n);
}

::testing::AssertionResult FailedWith(tls_engine *e, int code, int category,
                                      const std::string &phrase) {
    const char *msg = tls_engine_error(e);
    std::string got = std::string("code ") + std::to_string(tls_engine_error_code(e)) + " (" +
                      tls_error_code_name(tls_engine_error_code(e)) + "), category " +
                      std::to_string(tls_engine_error_category(e)) + ", \"" + msg + "\"";
    if (!(tls_engine_status(e) & TLS_ST_FAILED))
        return ::testing::AssertionFailure() << "engine has not failed: " << got;
    if (tls_engine_error_code(e) != code || tls_engine_error_category(e) != category ||
        std::string(msg).find(phrase) == std::string::npos)
        return ::testing::AssertionFailure()
               << "want code " << code << " (" << tls_error_code_name(code) << "), category "
               << category << ", phrase \"" << phrase << "\"; got " << got;
    return ::testing::AssertionSuccess() << got;
}

static void Observe(void *ctx, uint8_t *msg, size_t len) {
    HsObserver *o = static_cast<HsObserver *>(ctx);
    o->sent.emplace_back(msg, msg + len);
    if (o->flip_type == 0 || msg[0] != o->flip_type) return;
    if (o->seen_flip_type++ != o->flip_index) return;
    size_t body = len - 4;
    size_t off = o->from_end ? body - 1 - o->flip_offset : o->flip_offset;
    if (off < body) msg[4 + off] ^= 0x01;
}

void HsObserver::Attach(tls_engine *e) {
    tlsio_testing_set_tamper(e, Observe, this);
}

int HsObserver::Count(uint8_t type) const {
    int n = 0;
    for (const Bytes &m : sent)
        if (!m.empty() && m[0] == type) n++;
    return n;
}

} // namespace tlsio_test
