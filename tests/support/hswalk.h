// The state-machine walks: a minimal valid message of every handshake type, and a walk over
// every (state, message) pair of a handshake table. Uses only the tables' shape (states, edges:
// from, msg_type, variant, next) and tlsio_hs_find_edge, never what an edge does.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "enginepair.h"
#include "hs_dispatch.h"
#include "msgs.h"

namespace tlsio_test {

// A handshake message to dispatch: type, variant (TLSIO_VAR_*), a name for failure messages,
// and the whole message (header + body; empty for the ChangeCipherSpec pseudo message).
struct HsSample {
    uint8_t type;
    uint8_t variant;
    std::string name;
    Bytes raw;
};

// A minimal valid ClientHello / ServerHello for version (TLS_VERSION_1_3 or TLS_VERSION_1_2);
// with hrr a HelloRetryRequest (the same for both versions).
Bytes MinimalClientHello(uint16_t version);
Bytes MinimalServerHello(uint16_t version, bool hrr);
// A minimal valid message of info's type in version's form when it has one, else in the other.
Bytes MinimalMessage(const tlsio_msg_info &info, uint16_t version);
// One sample of every type of tlsio_msg_table, the HelloRetryRequest variant, an unknown type
// 99 and the ChangeCipherSpec pseudo message.
std::vector<HsSample> AllHsSamples(uint16_t version);

// Removes an extension from a decoded message's extensions (present bit and wire order).
void RemoveExt(tlsio_exts *x, tlsio_ext_id id);

// Hands s to e's state machine (tlsio_dispatch, or tlsio_dispatch_ccs for the CCS pseudo type).
int DispatchSample(tls_engine *e, const HsSample &s);

// Puts e in state, hands it s, and checks the refusal every walk expects: unexpected_message,
// returned and sticky (protocol category), the state unchanged and the alert queued for the
// peer. Returns e's error sentence.
std::string ExpectRefusedInState(tls_engine *e, const tlsio_hs_table *t, uint8_t state,
                                 const HsSample &s);

// "<table> state <STATE>, <sample>", for failure messages.
std::string Where(const tlsio_hs_table *t, uint8_t state, const HsSample &s);

// The shape every table has: at most 32 states, a connected state among them, and edges from a
// real state to a non-empty set of real states, none shadowed by an earlier duplicate. Calls
// per_edge with each edge and its index for the caller's own checks.
void CheckTableShape(const tlsio_hs_table *t,
                     const std::function<void(const tlsio_hs_edge &, size_t)> &per_edge = {});

// Calls refuse(state, sample) for every state of t and every sample without an edge there,
// checks that every edge was met exactly once, and returns how many pairs were refused.
int WalkMissingEdges(const tlsio_hs_table *t, const std::vector<HsSample> &samples,
                     const std::function<void(uint8_t, const HsSample &)> &refuse);

// WalkMissingEdges with a fresh engine from make() for every pair: the engine must refuse the
// sample (ExpectRefusedInState), then check(e, state, sample, error sentence) looks further.
int WalkRefusals(
    const tlsio_hs_table *t, const std::vector<HsSample> &samples,
    const std::function<tls_engine *()> &make,
    const std::function<void(tls_engine *, uint8_t, const HsSample &, const std::string &)> &check);

} // namespace tlsio_test
