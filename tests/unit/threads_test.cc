// Threads (issue 13): one client config and one server config, frozen by the first of many
// threads to connect and then shared by all of them, handshaking at once (TLS 1.3 and 1.2),
// resuming through the shared client session cache and the server's ticket key (made on
// first use by whichever thread seals first, rotated while others open with it), while
// another thread calls every setter on the frozen configs. Meant for ThreadSanitizer
// (`-DTLSIO_SANITIZE=thread`, the tsan variant of tests/run-all.sh); it also checks its
// results in the plain and ASan builds.
//
// Each worker drives both ends of its connections itself, over a nonblocking socketpair, so
// the only state the workers share is the two configs (and what hangs off them).
#include <gtest/gtest.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <tlsio/core.h>
#include <tlsio/tls.h>

#include "testpki.h"

namespace {

using tlsio_test::Cert;
using tlsio_test::TestPki;

using CfgPtr = std::unique_ptr<tls_config, decltype(&tls_config_free)>;
using TlsPtr = std::unique_ptr<tls, decltype(&tls_free)>;

constexpr int kThreads = 8;
constexpr int kRounds = 10; // connections per thread
const char kFrozen[] = "config is in use by a connection and can no longer change";

// What one connection saw, from both ends.
struct Outcome {
    std::string error; // empty: both ends handshook, echoed a line and closed cleanly
    bool client_resumed = false, server_resumed = false;
    std::string client_version, server_version;
};

// Steps a nonblocking call until it returns >= 0 or fails with something else than EAGAIN;
// the other end is stepped in between by the caller's loop.
enum Step { kDone, kAgain, kFailed };
Step StepOf(long rc) {
    if (rc >= 0) return kDone;
    return errno == EAGAIN ? kAgain : kFailed;
}

// One connection: client and server over a nonblocking socketpair, both driven by this
// thread. Handshake, a line from the client, its echo, close_notify both ways.
Outcome OneConnection(tls_config *ccfg, tls_config *scfg, int id) {
    Outcome out;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        out.error = std::string("socketpair: ") + strerror(errno);
        return out;
    }
    for (int fd : fds)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    tls_error why;
    TlsPtr c(tls_client_fd(ccfg, fds[0], "localhost", &why), tls_free);
    if (!c) {
        close(fds[0]);
        close(fds[1]);
        out.error = std::string("tls_client_fd: ") + why.msg;
        return out;
    }
    TlsPtr s(tls_server_fd(scfg, fds[1], &why), tls_free);
    if (!s) {
        close(fds[1]);
        out.error = std::string("tls_server_fd: ") + why.msg;
        return out;
    }
    auto fail = [&](const char *what, tls *t) {
        out.error = std::string(what) + ": " + tls_error_msg(t);
        return out;
    };

    // The handshake: each step of one end lets the other move. A full TLS 1.2 or 1.3
    // handshake takes a handful of steps; 1,000 means something is stuck.
    bool cdone = false, sdone = false;
    for (int i = 0; i < 1000 && !(cdone && sdone); i++) {
        if (!cdone) {
            Step st = StepOf(tls_handshake(c.get()));
            if (st == kFailed) return fail("client handshake", c.get());
            cdone = st == kDone;
        }
        if (!sdone) {
            Step st = StepOf(tls_handshake(s.get()));
            if (st == kFailed) return fail("server handshake", s.get());
            sdone = st == kDone;
        }
    }
    if (!(cdone && sdone)) {
        out.error = "handshake did not finish";
        return out;
    }
    out.client_resumed = tls_conn_resumed(c.get()) == 1;
    out.server_resumed = tls_conn_resumed(s.get()) == 1;
    out.client_version = tls_conn_version(c.get()) ? tls_conn_version(c.get()) : "";
    out.server_version = tls_conn_version(s.get()) ? tls_conn_version(s.get()) : "";

    // A line each way. Reading the echo also stores the TLS 1.3 tickets that came first in
    // the client config's cache, for the connections after this one (any thread's).
    const std::string line = "thread line " + std::to_string(id) + "\n";
    if (tls_write(c.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        return fail("client write", c.get());
    std::string at_server, at_client;
    char buf[256];
    for (int i = 0; i < 1000 && at_server.size() < line.size(); i++) {
        ssize_t n = tls_read(s.get(), buf, sizeof buf);
        if (n > 0) at_server.append(buf, static_cast<size_t>(n));
        if (n == 0 || StepOf(n) == kFailed) return fail("server read", s.get());
    }
    if (at_server != line) {
        out.error = "server got '" + at_server + "'";
        return out;
    }
    if (tls_write(s.get(), at_server.data(), at_server.size()) !=
        static_cast<ssize_t>(at_server.size()))
        return fail("server write", s.get());
    for (int i = 0; i < 1000 && at_client.size() < line.size(); i++) {
        ssize_t n = tls_read(c.get(), buf, sizeof buf);
        if (n > 0) at_client.append(buf, static_cast<size_t>(n));
        if (n == 0 || StepOf(n) == kFailed) return fail("client read", c.get());
    }
    if (at_client != line) {
        out.error = "client got '" + at_client + "'";
        return out;
    }

    // close_notify both ways: the server sees 0 from tls_read, answers, and so does the client.
    if (tls_close(c.get()) != 0) return fail("client close", c.get());
    ssize_t n = -1;
    for (int i = 0; i < 1000 && n != 0; i++) {
        n = tls_read(s.get(), buf, sizeof buf);
        if (n > 0 || StepOf(n) == kFailed) return fail("server read to close_notify", s.get());
    }
    if (n != 0 || tls_close(s.get()) != 0) return fail("server close", s.get());
    n = -1;
    for (int i = 0; i < 1000 && n != 0; i++) {
        n = tls_read(c.get(), buf, sizeof buf);
        if (n > 0 || StepOf(n) == kFailed) return fail("client read to close_notify", c.get());
    }
    if (n != 0) out.error = "client never saw close_notify";
    return out;
}

void NoTrace(void *, const tls_engine *, int, uint8_t, const uint8_t *, size_t) {}

// Every setter that must refuse a frozen config, with arguments that would be valid (or, for
// a few, invalid) on a config being built. None may write the config; a data race here is
// what ThreadSanitizer would report.
std::vector<std::pair<const char *, std::function<int(tls_config *)>>> FrozenSetters() {
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    return {
        {"versions", [](tls_config *c) { return tls_config_set_versions(c, 0x0303, 0x0304); }},
        {"versions bad", [](tls_config *c) { return tls_config_set_versions(c, 1, 2); }},
        {"ciphers",
         [](tls_config *c) { return tls_config_set_ciphers(c, "TLS_AES_128_GCM_SHA256"); }},
        {"groups", [](tls_config *c) { return tls_config_set_groups(c, "x25519"); }},
        {"sigalgs", [](tls_config *c) { return tls_config_set_signature_schemes(c, "ed25519"); }},
        {"signing", [](tls_config *c) { return tls_config_set_signing_schemes(c, "ed25519"); }},
        {"fragment", [](tls_config *c) { return tls_config_set_max_send_fragment(c, 1024); }},
        {"record limit", [](tls_config *c) { return tls_config_set_record_size_limit(c, 512); }},
        {"alpn", [](tls_config *c) { return tls_config_set_alpn(c, "http/1.1"); }},
        {"trace", [](tls_config *c) { return tls_config_set_trace(c, NoTrace, nullptr); }},
        {"keylog", [](tls_config *c) { return tls_config_set_keylog(c, nullptr, nullptr); }},
        {"keylog file",
         [](tls_config *c) { return tls_config_set_keylog_file(c, "/nonexistent/keys"); }},
        {"tickets", [](tls_config *c) { return tls_config_set_session_tickets(c, 1); }},
        {"lifetime", [](tls_config *c) { return tls_config_set_session_lifetime(c, 60); }},
        {"cache", [](tls_config *c) { return tls_config_set_session_cache(c, 4); }},
        {"clock", [](tls_config *c) { return tls_config_set_clock(c, nullptr, nullptr); }},
        {"client verify",
         [](tls_config *c) { return tls_config_set_client_verify(c, TLS_CLIENT_VERIFY_REQUIRED); }},
        {"keep chain", [](tls_config *c) { return tls_config_set_keep_peer_chain(c, 0); }},
        {"ca pem", [](tls_config *c) { return tls_config_add_ca_pem(c, pem, sizeof(pem) - 1); }},
        {"ca file", [](tls_config *c) { return tls_config_add_ca_file(c, "/nonexistent/ca.pem"); }},
        {"cert pem",
         [](tls_config *c) {
             return tls_config_add_cert_pem(c, pem, sizeof(pem) - 1, pem, sizeof(pem) - 1);
         }},
    };
}

// The threads start together: the first connection of each freezes the configs, so several
// race to freeze (and the facade's clock and system-store step run once).
class StartLine {
  public:
    explicit StartLine(int n) : left_(n) {}
    void Arrive() {
        std::unique_lock<std::mutex> g(mu_);
        if (--left_ == 0) cv_.notify_all();
        cv_.wait(g, [this] { return left_ == 0; });
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    int left_;
};

class Threads : public ::testing::TestWithParam<uint16_t> {
  protected:
    Threads() : pki_(static_cast<int64_t>(time(nullptr))) {
        ca_ = pki_.MakeCa("Threads Test Root");
        leaf_ = pki_.MakeLeaf(ca_, {.dns = {"localhost"}});
    }
    TestPki pki_;
    Cert ca_, leaf_;
};

TEST_P(Threads, ManyThreadsShareOneFrozenClientAndServerConfig) {
    const uint16_t version = GetParam();
    const char *version_name = version == TLS_VERSION_1_3 ? "TLSv1.3" : "TLSv1.2";

    // The server config allows both versions; the client config picks the one under test.
    // Neither has ticket keys: the server's is made on first use, by whichever thread seals
    // a ticket first.
    CfgPtr scfg(tls_config_new(), tls_config_free), ccfg(tls_config_new(), tls_config_free);
    ASSERT_TRUE(scfg && ccfg);
    std::string chain = leaf_.chain_pem(), key = leaf_.key_pem(), ca = ca_.cert_pem();
    ASSERT_EQ(
        0, tls_config_add_cert_pem(scfg.get(), chain.data(), chain.size(), key.data(), key.size()))
        << tls_config_error(scfg.get());
    ASSERT_EQ(0, tls_config_add_ca_pem(ccfg.get(), ca.data(), ca.size()));
    ASSERT_EQ(0, tls_config_set_versions(ccfg.get(), version, version));
    // Key log callbacks run on every thread at once, as a program's would.
    std::atomic<int> keylog_lines{0};
    ASSERT_EQ(0, tls_config_set_keylog(
                     scfg.get(),
                     [](void *arg, const tls_engine *, const char *) {
                         static_cast<std::atomic<int> *>(arg)->fetch_add(1);
                     },
                     &keylog_lines));

    std::vector<Outcome> outcomes(kThreads * kRounds);
    std::atomic<int> connections{0}, finished{0};
    StartLine start(kThreads + 1);
    std::vector<std::thread> workers;
    // Joined however this test ends (a failed ASSERT below must not leave them joinable).
    struct Joiner {
        std::vector<std::thread> &threads;
        ~Joiner() {
            for (auto &t : threads)
                if (t.joinable()) t.join();
        }
    } joiner{workers};
    for (int t = 0; t < kThreads; t++) {
        // Each worker holds its own references, as a thread handed the configs would.
        tls_config *mine_c = tls_config_ref(ccfg.get()), *mine_s = tls_config_ref(scfg.get());
        workers.emplace_back([&, t, mine_c, mine_s] {
            start.Arrive();
            auto setters = FrozenSetters();
            for (int r = 0; r < kRounds; r++) {
                outcomes[static_cast<size_t>(t * kRounds + r)] =
                    OneConnection(mine_c, mine_s, t * kRounds + r);
                connections++;
                // Between connections, each worker too tries a setter on each config (as
                // threads of a program that misuses a shared config would) and asks why it
                // failed.
                auto &[name, fn] = setters[static_cast<size_t>(t + r) % setters.size()];
                for (tls_config *cfg : {mine_c, mine_s}) {
                    EXPECT_EQ(TLS_E_USAGE, fn(cfg)) << name;
                    EXPECT_STREQ(kFrozen, tls_config_error(cfg)) << name;
                }
                // Three workers rotate the ticket key once each, halfway: with the key made
                // on first use that is four keys, all still opening (the ring holds four).
                if (r == kRounds / 2 && t < 3) {
                    EXPECT_EQ(0, tls_config_rotate_ticket_key(mine_s, nullptr));
                }
            }
            tls_config_free(mine_c);
            tls_config_free(mine_s);
            finished++;
        });
    }

    // Meanwhile: every setter on both frozen configs, over and over, until the workers end.
    // They start once a connection has been made, so both configs are frozen (a setter on a
    // config that another thread is freezing would be the caller's race, not the library's).
    start.Arrive();
    auto setters = FrozenSetters();
    int calls = 0, refused = 0, frozen_sentences = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (connections.load() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    do {
        for (auto &[name, fn] : setters)
            for (tls_config *cfg : {ccfg.get(), scfg.get()}) {
                calls++;
                if (fn(cfg) == TLS_E_USAGE) refused++;
                if (strcmp(tls_config_error(cfg), kFrozen) == 0) frozen_sentences++;
            }
    } while (finished.load() < kThreads && std::chrono::steady_clock::now() < deadline);
    for (auto &w : workers)
        w.join();

    EXPECT_EQ(kThreads * kRounds, connections.load());
    EXPECT_GT(calls, 0);
    EXPECT_EQ(calls, refused) << "a setter succeeded on a frozen config";
    EXPECT_EQ(calls, frozen_sentences);

    int resumed = 0;
    for (size_t i = 0; i < outcomes.size(); i++) {
        const Outcome &o = outcomes[i];
        SCOPED_TRACE("connection " + std::to_string(i));
        EXPECT_EQ("", o.error);
        EXPECT_EQ(version_name, o.client_version);
        EXPECT_EQ(version_name, o.server_version);
        EXPECT_EQ(o.client_resumed, o.server_resumed) << "the two ends disagree on resumption";
        resumed += o.client_resumed;
    }
    // The first connection of each thread finds the cache empty (all start at once); after
    // that, tickets from any thread's connections are at hand nearly always (each handshake,
    // resumed ones too, brings one ticket in TLS 1.2 and two in TLS 1.3; a thread may still
    // find the cache emptied by the others now and then).
    EXPECT_GE(resumed, kThreads * kRounds / 3) << resumed << " of " << kThreads * kRounds;
    printf("  %d connections on %d threads, %d resumed; %d setter calls refused meanwhile\n",
           kThreads * kRounds, kThreads, resumed, refused);
    // Every handshake logged its secrets through the shared callback (TLS 1.2: CLIENT_RANDOM;
    // TLS 1.3: five lines).
    EXPECT_GE(keylog_lines.load(), kThreads * kRounds * (version == TLS_VERSION_1_3 ? 5 : 1));
}

// The first connection freezes the config and, when it has no trust anchors, loads the system
// store meanwhile; another thread asking tls_config_error at that moment (it saw the config
// unfrozen an instant before) must not race with it: the freeze writes nothing that
// tls_config_error reads (the loader's failure goes to the config's trust_err).
TEST_F(Threads, ErrorSentenceAskedWhileAnotherThreadFreezes) {
    std::string chain = leaf_.chain_pem(), key = leaf_.key_pem();
    for (int round = 0; round < 5; round++) {
        CfgPtr cfg(tls_config_new(), tls_config_free);
        ASSERT_TRUE(cfg);
        ASSERT_EQ(0, tls_config_add_cert_pem(cfg.get(), chain.data(), chain.size(), key.data(),
                                             key.size()));
        std::atomic<bool> reading{false}, done{false};
        std::atomic<int> odd{0};
        std::thread reader([&] {
            while (!done.load()) {
                const char *m = tls_config_error(cfg.get());
                if (strcmp(m, "") != 0 && strcmp(m, kFrozen) != 0) odd++;
                reading = true;
            }
        });
        int fds[2];
        EXPECT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
        // The reader has read the unfrozen config's sentence at least once before the freeze.
        while (!reading.load()) {
        }
        tls_error why;
        TlsPtr s(tls_server_fd(cfg.get(), fds[1], &why), tls_free); // freezes cfg
        done = true;
        reader.join();
        close(fds[0]);
        EXPECT_TRUE(s) << why.msg;
        EXPECT_EQ(0, odd.load());
        EXPECT_STREQ(kFrozen, tls_config_error(cfg.get()));
    }
}

INSTANTIATE_TEST_SUITE_P(Versions, Threads, ::testing::Values(TLS_VERSION_1_3, TLS_VERSION_1_2),
                         [](const ::testing::TestParamInfo<uint16_t> &info) {
                             return std::string(info.param == TLS_VERSION_1_3 ? "TLS13" : "TLS12");
                         });

} // namespace
