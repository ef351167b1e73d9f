// Two engines wired back to back in memory, for handshake and data tests, plus helpers to
// take a single engine's output apart and to feed it crafted records.
#pragma once
#include <gtest/gtest.h>
#include <tlsio/tls.h>

#include <cstdint>
#include <string>
#include <utility>
#include <initializer_list>
#include <vector>

#include "hex.h"
#include "testpki.h"

struct tlsio_codec;

namespace tlsio_test {

// Moves whatever one engine has to send into the other, both ways, until nothing moves.
// Returns the number of bytes moved.
size_t Pump(tls_engine *a, tls_engine *b, int max_rounds = 1000);

// Writes all of data as application data (several records if needed). False on failure.
bool WriteAll(tls_engine *e, const std::string &data);
// Reads every decrypted byte available now.
std::string ReadAll(tls_engine *e);

// A server config with one chain for leaf, and a client config trusting root.
struct Configs {
    tls_config *client = nullptr;
    tls_config *server = nullptr;
    ~Configs();
};
void MakeConfigs(Configs *c, const Cert &root, const Cert &leaf);
// Adds leaf's chain and key to a server config; false on failure.
bool AddChain(tls_config *server, const Cert &leaf);

// A client and a server engine over the given configs, time set to pki.now().
struct EnginePair {
    tls_engine *client = nullptr;
    tls_engine *server = nullptr;
    EnginePair() = default; // no engines yet (EngineFixture::Start makes them)
    EnginePair(tls_config *ccfg, tls_config *scfg, const char *host, int64_t now);
    EnginePair(const EnginePair &) = delete;
    EnginePair &operator=(const EnginePair &) = delete;
    ~EnginePair();
    // Pumps until both are connected or one failed.
    void Handshake();
    bool Connected() const;
    // "client: <its error> / server: <its error>", for failure messages.
    std::string Errors() const;
};

// The usual engine test: a test PKI with a root and an example.com leaf, configs in which the
// client trusts the root and the server serves the leaf (made in SetUp, so a test may change
// them before it makes engines). Base is ::testing::Test or a ::testing::TestWithParam<T>.
template <class Base = ::testing::Test> class EngineFixtureT : public Base {
  public:
    TestPki pki;
    Cert root = pki.MakeCa("Test Root");
    Cert leaf = pki.MakeLeaf(root, {.dns = {"example.com"}});
    Configs cfg;
    void SetUp() override {
        MakeConfigs(&cfg, root, leaf);
    }
    // A client for host, or a server, over cfg with its clock at pki.now().
    tls_engine *NewEngine(bool server, const char *host = "example.com") {
        tls_engine *e =
            server ? tls_engine_new_server(cfg.server) : tls_engine_new_client(cfg.client, host);
        if (e) tls_engine_set_time(e, pki.now());
        return e;
    }
    // Makes p's engines over cfg (as they are now) and runs the handshake as far as it goes.
    void Start(EnginePair &p, const char *host = "example.com") {
        p.client = NewEngine(false, host);
        p.server = NewEngine(true);
        p.Handshake();
    }
};
using EngineFixture = EngineFixtureT<>;
template <class T> using EngineFixtureP = EngineFixtureT<::testing::TestWithParam<T>>;

// ---- one engine at a time -----------------------------------------------------------

// Everything e has to send now (taken out of its send buffer).
Bytes Drain(tls_engine *e);
// Hands bytes to e as the network would, in pieces as large as its receive buffer takes.
// Returns the first non-zero tls_engine_recv_ack result, or 0.
int Feed(tls_engine *e, const Bytes &wire);

// One record as it travels: type, legacy version, and the whole record (header included).
struct Record {
    uint8_t type = 0;
    Bytes bytes;
};
// Splits a byte stream into records (a trailing partial record is dropped).
std::vector<Record> SplitRecords(const Bytes &wire);
Bytes Join(const std::vector<Record> &recs);
/* head, then body: for a message built from a short header and its contents. */
Bytes Prefixed(std::initializer_list<uint8_t> head, const Bytes &body);
// A plaintext record (TLSPlaintext) carrying payload.
Bytes PlainRecord(uint8_t type, const Bytes &payload, uint16_t version = 0x0303);
// A handshake message: msg_type, uint24 length, body.
Bytes HsMsg(uint8_t type, const Bytes &body);
// A handshake message whose body is encoded with a codec (tlsio_hs_encode).
Bytes EncodeHs(uint8_t type, const tlsio_codec *codec, const void *body);

// A ClientHello or ServerHello (whole message) split into the bytes before the extension
// block and the extensions, so tests can add, remove, duplicate or rewrite extensions.
struct Hello {
    uint8_t type = 0;
    Bytes prefix; // body bytes before the extensions' length prefix
    std::vector<std::pair<uint16_t, Bytes>> exts;
    bool Parse(const Bytes &msg);
    Bytes Encode() const;
    Bytes *Find(uint16_t ext_type);
    void Remove(uint16_t ext_type);
};

// The legacy_session_id of a ClientHello message (empty if unparsable).
Bytes SessionIdOf(const Bytes &client_hello_msg);

// The record a failing engine left in its send buffer (wire) is a plaintext fatal alert.
::testing::AssertionResult IsPlainAlert(const Bytes &wire, uint8_t code);

// A client and a server that have not met: the client's ClientHello, taken apart, waits in ch
// for a test to edit, and Send() hands it to the server and the server's answer to the client.
struct HelloExchange {
    tls_engine *client = nullptr, *server = nullptr;
    Hello ch;
    ~HelloExchange();
    // Takes both engines; the client's first flight must be one record, the ClientHello.
    void Begin(tls_engine *c, tls_engine *s);
    void Send();
};

// Checks the sticky failure of e: code, category and a phrase of the sentence.
::testing::AssertionResult FailedWith(tls_engine *e, int code, int category,
                                      const std::string &phrase = "");

// Records the type of every handshake message an engine sends (through the tamper hook, which
// leaves the bytes alone), and optionally flips one bit of the n-th message of a type.
struct HsObserver {
    std::vector<Bytes> sent;
    uint8_t flip_type = 0;  // 0: observe only
    int flip_index = 0;     // which message of flip_type (0 = first)
    size_t flip_offset = 0; // offset into the body; counted from the end if from_end
    bool from_end = false;
    int seen_flip_type = 0;
    void Attach(tls_engine *e);
    int Count(uint8_t type) const;
};

} // namespace tlsio_test
