// Session ticket sealing and the key ring (core/ticket.c): what opens, what does not, the
// bounds of the output buffer, rotation, and rotation while other threads seal and open.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "config.h"
#include "session.h"
#include "ticket.h"

namespace {

struct Cfg {
    tls_config *c = tls_config_new();
    ~Cfg() {
        tls_config_free(c);
    }
};

std::vector<uint8_t> Seal(tls_config *cfg, const std::vector<uint8_t> &state) {
    CBB cbb;
    EXPECT_TRUE(CBB_init(&cbb, 0));
    tlsio_err err;
    EXPECT_EQ(0, tlsio_ticket_seal(cfg, state.data(), state.size(), &cbb, &err)) << err.msg;
    std::vector<uint8_t> out(CBB_data(&cbb), CBB_data(&cbb) + CBB_len(&cbb));
    CBB_cleanup(&cbb);
    return out;
}

// 0 and the state on success, 1 when the ticket is not ours.
int Open(tls_config *cfg, const std::vector<uint8_t> &t, std::vector<uint8_t> *state,
         size_t cap = 4096) {
    CBS cbs;
    CBS_init(&cbs, t.data(), t.size());
    std::vector<uint8_t> buf(cap);
    size_t n = 0;
    int rc = tlsio_ticket_open(cfg, &cbs, buf.data(), buf.size(), &n);
    if (rc == 0 && state != nullptr) state->assign(buf.begin(), buf.begin() + n);
    return rc;
}

const std::vector<uint8_t> kState = {'s', 't', 'a', 't', 'e', 0, 1, 2, 3};

TEST(Ticket, SealsAndOpensWithAFreshNonceEachTime) {
    Cfg cfg;
    std::vector<uint8_t> a = Seal(cfg.c, kState), b = Seal(cfg.c, kState);
    EXPECT_EQ(kState.size() + TLSIO_TICKET_OVERHEAD, a.size());
    EXPECT_NE(a, b); // a new nonce, so a new ciphertext: tickets are unlinkable
    std::vector<uint8_t> got;
    ASSERT_EQ(0, Open(cfg.c, a, &got));
    EXPECT_EQ(kState, got);
    ASSERT_EQ(0, Open(cfg.c, b, &got));
    EXPECT_EQ(kState, got);
}

TEST(Ticket, AnythingAlteredOrForeignDoesNotOpen) {
    Cfg cfg, other;
    std::vector<uint8_t> t = Seal(cfg.c, kState);
    for (size_t i = 0; i < t.size(); i++) { // name, nonce, ciphertext and tag all count
        std::vector<uint8_t> bad = t;
        bad[i] ^= 1;
        EXPECT_EQ(1, Open(cfg.c, bad, nullptr)) << "byte " << i;
    }
    EXPECT_EQ(1, Open(other.c, t, nullptr)) << "another config's random key";
    std::vector<uint8_t> shortened(t.begin(), t.begin() + TLSIO_TICKET_OVERHEAD - 1);
    EXPECT_EQ(1, Open(cfg.c, shortened, nullptr));
    EXPECT_EQ(1, Open(cfg.c, {}, nullptr));
}

TEST(Ticket, OpenNeverWritesBeyondItsBuffer) {
    Cfg cfg;
    std::vector<uint8_t> t = Seal(cfg.c, kState);
    // The buffer holds the ciphertext and tag while they are opened in place.
    size_t need = kState.size() + 16;
    std::vector<uint8_t> got;
    EXPECT_EQ(0, Open(cfg.c, t, &got, need));
    EXPECT_EQ(kState, got);
    EXPECT_EQ(1, Open(cfg.c, t, nullptr, need - 1)); // refused, not overrun (ASan checks)
}

TEST(Ticket, RotationKeepsThreeOlderKeysForOpening) {
    Cfg cfg;
    std::vector<std::vector<uint8_t>> tickets;
    for (int i = 0; i < 5; i++) {
        tickets.push_back(Seal(cfg.c, kState));
        ASSERT_EQ(0, tls_config_rotate_ticket_key(cfg.c, nullptr));
    }
    // Five keys made, the current one plus three older ones kept: the two oldest are gone.
    EXPECT_EQ(1, Open(cfg.c, tickets[0], nullptr));
    EXPECT_EQ(1, Open(cfg.c, tickets[1], nullptr));
    for (int i = 2; i < 5; i++)
        EXPECT_EQ(0, Open(cfg.c, tickets[i], nullptr)) << i;
}

TEST(Ticket, ExplicitKeysAreSharedAcrossConfigs) {
    Cfg a, b;
    uint8_t keys[2 * TLS_TICKET_KEY_LEN];
    for (size_t i = 0; i < sizeof(keys); i++)
        keys[i] = (uint8_t)i;
    ASSERT_EQ(0, tls_config_set_ticket_keys(a.c, keys, 2));
    ASSERT_EQ(0, tls_config_set_ticket_keys(b.c, keys + TLS_TICKET_KEY_LEN, 1));
    std::vector<uint8_t> from_b = Seal(b.c, kState);
    EXPECT_EQ(0, Open(a.c, from_b, nullptr)) << "a's second key is b's sealing key";
    EXPECT_EQ(1, Open(b.c, Seal(a.c, kState), nullptr)) << "b does not have a's first key";
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(a.c, keys, 0));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(a.c, keys, 5));
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_ticket_keys(a.c, nullptr, 1));
}

TEST(Ticket, RotationWhileOtherThreadsSealAndOpen) {
    // The ring changes under running handshakes (tls_config_rotate_ticket_key on a config in
    // use): every seal and open sees a whole key, never a half-written one. A ticket may fail
    // to open if four rotations passed between its seal and open; it never opens wrongly.
    Cfg cfg;
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0}, opened{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; w++)
        workers.emplace_back([&] {
            while (!stop.load()) {
                std::vector<uint8_t> t = Seal(cfg.c, kState), got;
                if (Open(cfg.c, t, &got) == 0) {
                    opened++;
                    if (got != kState) wrong++;
                }
            }
        });
    for (int i = 0; i < 2000; i++) {
        ASSERT_EQ(0, tls_config_rotate_ticket_key(cfg.c, nullptr));
        if (i % 100 == 0) std::this_thread::yield();
    }
    while (opened.load() < 100)
        std::this_thread::yield();
    stop = true;
    for (std::thread &t : workers)
        t.join();
    EXPECT_EQ(0, wrong.load());
}

} // namespace
