// Timeouts in the socket facade (issue 16): the handshake deadline of
// tls_config_set_handshake_timeout (its default, tls_connect's TCP connect and handshake,
// a server whose client never sends a ClientHello, blocking and nonblocking sockets,
// tls_handshake_remaining_ms), and a caller's SO_RCVTIMEO/SO_SNDTIMEO behaving for tls_read,
// tls_write and the handshake as they do for recv/send. Every peer is on 127.0.0.1 or a
// socketpair; every timeout under test is 100-300 ms and every other wait is bounded.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <tlsio/tls.h>

#include "loopback.h"
#include "sock.h" // white box: the engine under a connection, to send half a record
#include "testpki.h"

namespace {

using tlsio_test::Cert;
using tlsio_test::ListenLoopback;
using tlsio_test::SetTimeouts;
using tlsio_test::TestPki;

using CfgPtr = std::unique_ptr<tls_config, decltype(&tls_config_free)>;
using TlsPtr = std::unique_ptr<tls, decltype(&tls_free)>;
using Clock = std::chrono::steady_clock;

long MsSince(Clock::time_point start) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// Open descriptors of this process: what a call that must leak none leaves behind.
int OpenFds() {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == nullptr) return -1;
    while (readdir(d) != nullptr)
        n++;
    closedir(d);
    return n;
}

void SetSockTimeout(int fd, int opt, int ms) {
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv)) << strerror(errno);
}

// A blocking TCP socket connected to 127.0.0.1:port (the connection waits in the listener's
// accept queue), its waits bounded by SetTimeouts.
int ConnectRaw(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    SetTimeouts(fd);
    return fd;
}

uint16_t LocalPort(int fd) {
    struct sockaddr_in a = {};
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    return ntohs(a.sin_port);
}

// Reads fd until the peer closes it: true if it did within the socket's timeout (the bytes
// before that, a ClientHello say, are dropped).
bool SeesEof(int fd) {
    char buf[4096];
    for (;;) {
        ssize_t k = recv(fd, buf, sizeof buf, 0);
        if (k == 0) return true;
        if (k < 0) return false;
    }
}

// Writes data[sent..] to c, whose SO_SNDTIMEO may run out (EAGAIN: again), then what tlsio
// still holds (counted is committed: bytes the socket had no room for go out with the next
// call). Returns how many bytes were counted, all of data unless a write failed or 20 s
// passed.
size_t FinishWriting(tls *c, const std::vector<uint8_t> &data, size_t sent) {
    auto end = Clock::now() + std::chrono::seconds(20);
    while (sent < data.size() && Clock::now() < end) {
        ssize_t k = tls_write(c, data.data() + sent, data.size() - sent);
        if (k > 0)
            sent += (size_t)k;
        else if (errno != EAGAIN)
            return sent;
    }
    while (tls_engine_send_pending(c->e) > 0 && Clock::now() < end)
        if (tls_write(c, "", 0) < 0 && errno != EAGAIN) break;
    return sent;
}

class TimeoutTest : public ::testing::Test {
  protected:
    TimeoutTest() : pki_(static_cast<int64_t>(time(nullptr))) {
        ca_ = pki_.MakeCa("Timeout Test Root");
        leaf_ = pki_.MakeLeaf(ca_, {.dns = {"localhost"}, .ip = {"127.0.0.1"}});
    }

    // A config with the handshake timeout ms (a server's when server, else a client's).
    CfgPtr Cfg(bool server, unsigned ms) {
        CfgPtr c(tls_config_new(), tls_config_free);
        std::string a = server ? leaf_.chain_pem() : ca_.cert_pem(), key = leaf_.key_pem();
        int rc = server
                     ? tls_config_add_cert_pem(c.get(), a.data(), a.size(), key.data(), key.size())
                     : tls_config_add_ca_pem(c.get(), a.data(), a.size());
        EXPECT_EQ(0, rc) << tls_config_error(c.get());
        EXPECT_EQ(0, tls_config_set_handshake_timeout(c.get(), ms));
        return c;
    }

    // A blocking client/server pair over socketpair() with both handshakes done (the
    // server's in a thread), every wait bounded by SetTimeouts.
    void BlockingPair(TlsPtr &c, TlsPtr &s, tls_config *ccfg, tls_config *scfg) {
        int fds[2];
        ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
        SetTimeouts(fds[0]);
        SetTimeouts(fds[1]);
        c.reset(tls_client_fd(ccfg, fds[0], "localhost", nullptr));
        s.reset(tls_server_fd(scfg, fds[1], nullptr));
        ASSERT_TRUE(c && s);
        int src = -1;
        std::thread th([&] { src = tls_handshake(s.get()); });
        int crc = tls_handshake(c.get());
        th.join();
        ASSERT_EQ(0, crc) << tls_error_msg(c.get());
        ASSERT_EQ(0, src) << tls_error_msg(s.get());
    }

    // tls_connect to 127.0.0.1:port with a timeout of ms fails with ETIMEDOUT after about
    // that long (a generous upper bound), with this sentence, and leaves no descriptor open.
    void ExpectConnectTimesOut(uint16_t port, unsigned ms, const std::string &sentence) {
        CfgPtr ccfg = Cfg(false, ms);
        int fds_before = OpenFds();
        tls_error why;
        auto start = Clock::now();
        errno = 0;
        EXPECT_EQ(nullptr,
                  tls_connect(ccfg.get(), "127.0.0.1", std::to_string(port).c_str(), &why));
        long took = MsSince(start);
        EXPECT_EQ(ETIMEDOUT, errno);
        EXPECT_GE(took, (long)ms - 10);
        EXPECT_LT(took, 3000);
        EXPECT_EQ(-ETIMEDOUT, why.code);
        EXPECT_EQ(TLS_ERRCAT_TRANSPORT, why.category);
        EXPECT_EQ(sentence, std::string(why.msg));
        EXPECT_EQ(fds_before, OpenFds());
    }

    // A listener on 127.0.0.1, a client connected to it that never sends a byte, and the
    // server's end accepted (tls_accept4 with flags) with a 200 ms handshake timeout.
    struct SilentClient {
        int lfd = -1, cfd = -1;
        CfgPtr cfg{nullptr, tls_config_free};
        TlsPtr server{nullptr, tls_free};
        ~SilentClient() {
            server.reset();
            if (cfd >= 0) close(cfd);
            if (lfd >= 0) close(lfd);
        }
    };
    void AcceptSilentClient(SilentClient &sc, int flags) {
        uint16_t port = 0;
        sc.lfd = ListenLoopback(&port);
        ASSERT_GE(sc.lfd, 0);
        sc.cfd = ConnectRaw(port);
        ASSERT_GE(sc.cfd, 0);
        sc.cfg = Cfg(true, 200);
        tls_error why;
        sc.server.reset(tls_accept4(sc.cfg.get(), sc.lfd, flags, &why));
        ASSERT_NE(nullptr, sc.server) << why.msg;
    }
    // The server's handshake failed for its deadline, says so naming the client, and stays
    // failed: the next call fails the same way, and there is nothing left to poll for.
    static void ExpectTimedOut(const SilentClient &sc) {
        tls *s = sc.server.get();
        EXPECT_EQ("the TLS handshake with 127.0.0.1 port " + std::to_string(LocalPort(sc.cfd)) +
                      " did not complete within 200 ms",
                  std::string(tls_error_msg(s)));
        EXPECT_EQ(-ETIMEDOUT, tls_error_code(s));
        EXPECT_EQ(TLS_ERRCAT_TRANSPORT, tls_error_category(s));
        EXPECT_EQ(-1, tls_handshake_remaining_ms(s));
        EXPECT_EQ(0, tls_events(s));
        char b[8];
        EXPECT_EQ(-1, tls_read(s, b, sizeof b));
        EXPECT_EQ(ETIMEDOUT, errno);
    }

    TestPki pki_;
    Cert ca_, leaf_;
};

// The documented default, 30 s, is what a new config gives a connection; 0 means no limit;
// a frozen config refuses a change; NULL is refused.
TEST_F(TimeoutTest, DefaultIsThirtySecondsAndZeroMeansNone) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    int fds[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds));
    TlsPtr t(tls_client_fd(cfg.get(), fds[0], "localhost", nullptr), tls_free);
    ASSERT_NE(nullptr, t);
    int left = tls_handshake_remaining_ms(t.get());
    EXPECT_GT(left, 29000);
    EXPECT_LE(left, 30000);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_handshake_timeout(cfg.get(), 100)); // frozen

    CfgPtr none = Cfg(false, 0);
    TlsPtr u(tls_client_fd(none.get(), fds[1], "localhost", nullptr), tls_free);
    ASSERT_NE(nullptr, u);
    EXPECT_EQ(-1, tls_handshake_remaining_ms(u.get()));

    errno = 0;
    EXPECT_EQ(-1, tls_handshake_remaining_ms(nullptr));
    EXPECT_EQ(EINVAL, errno);
    EXPECT_EQ(TLS_E_USAGE, tls_config_set_handshake_timeout(nullptr, 100));
}

// A listener that takes the TCP connection but never answers: tls_connect gives up after
// the timeout, says so in one sentence, and leaves no descriptor behind (the listener's end
// sees the connection closed).
TEST_F(TimeoutTest, ConnectToListenerThatNeverAnswers) {
    uint16_t port = 0;
    int lfd = ListenLoopback(&port);
    ASSERT_GE(lfd, 0);
    ExpectConnectTimesOut(port, 250,
                          "the TLS handshake with 127.0.0.1 port " + std::to_string(port) +
                              " did not complete within 250 ms");
    int afd = accept(lfd, nullptr, nullptr);
    ASSERT_GE(afd, 0) << strerror(errno);
    SetTimeouts(afd);
    EXPECT_TRUE(SeesEof(afd));
    close(afd);
    close(lfd);
}

// A TCP connect that never completes: a listener with backlog 0 whose accept queue is full
// drops further SYNs (Linux), so connect() would wait for the kernel's retries (minutes);
// tls_connect stops at its timeout and says the TCP connection is what timed out. A kernel
// that completes connects past a full queue (some do) still leaves a peer that never
// answers: there the same budget ends the handshake instead, and the sentence says so.
TEST_F(TimeoutTest, ConnectThatNeverCompletes) {
    uint16_t port = 0;
    int lfd = ListenLoopback(&port, 0);
    ASSERT_GE(lfd, 0);
    // Connections nobody accepts, until one hangs: the queue is full from then on.
    std::vector<int> fillers;
    bool stuck = false;
    for (int i = 0; i < 8 && !stuck; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ASSERT_GE(fd, 0);
        fillers.push_back(fd);
        struct sockaddr_in a = {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) continue;
        ASSERT_EQ(EINPROGRESS, errno) << strerror(errno);
        struct pollfd p = {fd, POLLOUT, 0};
        stuck = poll(&p, 1, 200) == 0;
    }
    std::string p = std::to_string(port);
    ExpectConnectTimesOut(port, 300,
                          stuck ? "cannot connect to 127.0.0.1 port " + p +
                                      ": no TCP connection within 300 ms (1 of 1 address tried)"
                                : "the TLS handshake with 127.0.0.1 port " + p +
                                      " did not complete within 300 ms");
    for (int fd : fillers)
        close(fd);
    close(lfd);
}

// A client that connects and never sends its ClientHello: a blocking server handshake
// (tls_accept) ends at the deadline with ETIMEDOUT and a sentence naming the client; the
// failure stays; the client sees the connection closed once it is freed.
TEST_F(TimeoutTest, BlockingServerWithSilentClient) {
    SilentClient sc;
    AcceptSilentClient(sc, 0);
    if (::testing::Test::HasFatalFailure()) return;
    tls *s = sc.server.get();
    SetTimeouts(tls_fd(s)); // a safety net only: 10 s, far beyond the deadline
    auto start = Clock::now();
    EXPECT_EQ(-1, tls_handshake(s));
    long ms = MsSince(start);
    EXPECT_EQ(ETIMEDOUT, errno);
    EXPECT_GE(ms, 150); // counted from tls_accept, a moment earlier
    EXPECT_LT(ms, 3000);
    ExpectTimedOut(sc);
    sc.server.reset();
    EXPECT_TRUE(SeesEof(sc.cfd));
}

// A poll() server on a nonblocking socket: tls_handshake_remaining_ms is how long it may
// sleep; the first tls_handshake after the deadline fails with ETIMEDOUT.
TEST_F(TimeoutTest, NonblockingServerPollsForTheRemainingTime) {
    SilentClient sc;
    AcceptSilentClient(sc, TLS_SOCK_NONBLOCK);
    if (::testing::Test::HasFatalFailure()) return;
    tls *s = sc.server.get();
    auto start = Clock::now();
    int rc = 0, rounds = 0, last_left = 201;
    while ((rc = tls_handshake(s)) != 0 && errno == EAGAIN && rounds++ < 100) {
        int left = tls_handshake_remaining_ms(s);
        ASSERT_GE(left, 0);
        ASSERT_LE(left, last_left);
        last_left = left;
        struct pollfd p = {tls_fd(s), (short)tls_events(s), 0};
        ASSERT_GE(poll(&p, 1, left), 0);
    }
    long ms = MsSince(start);
    EXPECT_EQ(-1, rc);
    EXPECT_EQ(ETIMEDOUT, errno) << tls_error_msg(s);
    EXPECT_LT(rounds, 10); // it slept; it did not spin
    EXPECT_GE(ms, 150);
    EXPECT_LT(ms, 3000);
    ExpectTimedOut(sc);
}

// A nonblocking client whose server never answers: a tls_write after the deadline fails with
// ETIMEDOUT (not EAGAIN), naming the peer of a Unix socket as "the peer".
TEST_F(TimeoutTest, NonblockingWriteAfterDeadlineFails) {
    int fds[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds));
    CfgPtr ccfg = Cfg(false, 100);
    TlsPtr c(tls_client_fd(ccfg.get(), fds[0], "localhost", nullptr), tls_free);
    ASSERT_NE(nullptr, c);
    EXPECT_EQ(-1, tls_write(c.get(), "x", 1));
    EXPECT_EQ(EAGAIN, errno);
    int left = tls_handshake_remaining_ms(c.get());
    ASSERT_GT(left, 0);
    struct pollfd p = {fds[0], POLLIN, 0};
    EXPECT_EQ(0, poll(&p, 1, left)); // the server says nothing
    EXPECT_EQ(0, tls_handshake_remaining_ms(c.get()));
    EXPECT_EQ(-1, tls_write(c.get(), "x", 1));
    EXPECT_EQ(ETIMEDOUT, errno);
    EXPECT_STREQ("the TLS handshake with the peer did not complete within 100 ms",
                 tls_error_msg(c.get()));
    close(fds[1]);
}

// SO_RCVTIMEO on a blocking socket bounds each handshake step as it bounds recv: -1/EAGAIN,
// the connection still good, and later calls finish the handshake. With and without a
// handshake deadline (the two paths: poll, or recv itself).
class SoRcvtimeoHandshake : public TimeoutTest, public ::testing::WithParamInterface<unsigned> {};

TEST_P(SoRcvtimeoHandshake, EagainThenCompletes) {
    int fds[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    SetTimeouts(fds[0]);
    SetSockTimeout(fds[1], SO_RCVTIMEO, 100);
    CfgPtr scfg = Cfg(true, GetParam()), ccfg = Cfg(false, 0);
    TlsPtr s(tls_server_fd(scfg.get(), fds[1], nullptr), tls_free);
    ASSERT_NE(nullptr, s);
    auto start = Clock::now();
    EXPECT_EQ(-1, tls_handshake(s.get()));
    long ms = MsSince(start);
    EXPECT_EQ(EAGAIN, errno);
    EXPECT_GE(ms, 90);
    EXPECT_LT(ms, 3000);
    EXPECT_EQ(0, tls_error_code(s.get()));
    EXPECT_EQ(POLLIN, tls_events(s.get()));

    TlsPtr c(tls_client_fd(ccfg.get(), fds[0], "localhost", nullptr), tls_free);
    ASSERT_NE(nullptr, c);
    std::thread client([&] {
        EXPECT_EQ(0, tls_handshake(c.get())) << tls_error_msg(c.get());
        EXPECT_EQ(4, tls_write(c.get(), "ping", 4));
    });
    int rc, rounds = 0;
    while ((rc = tls_handshake(s.get())) != 0 && errno == EAGAIN && rounds++ < 50) {
    }
    EXPECT_EQ(0, rc) << tls_error_msg(s.get());
    char b[8] = {};
    EXPECT_EQ(4, tls_read(s.get(), b, sizeof b));
    EXPECT_STREQ("ping", b);
    client.join();
}

INSTANTIATE_TEST_SUITE_P(Deadline, SoRcvtimeoHandshake, ::testing::Values(0u, 10000u));

// SO_RCVTIMEO on a blocking socket: tls_read says -1/EAGAIN when it runs out, like recv,
// also in the middle of a record, and the next call returns the data intact.
TEST_F(TimeoutTest, ReadHonoursSoRcvtimeo) {
    CfgPtr scfg = Cfg(true, 0), ccfg = Cfg(false, 0);
    TlsPtr c(nullptr, tls_free), s(nullptr, tls_free);
    BlockingPair(c, s, ccfg.get(), scfg.get());
    if (::testing::Test::HasFatalFailure()) return;
    SetSockTimeout(tls_fd(c.get()), SO_RCVTIMEO, 150);
    char b[64] = {};
    auto start = Clock::now();
    EXPECT_EQ(-1, tls_read(c.get(), b, sizeof b));
    long ms = MsSince(start);
    EXPECT_EQ(EAGAIN, errno);
    EXPECT_GE(ms, 140);
    EXPECT_LT(ms, 3000);
    EXPECT_EQ(0, tls_error_code(c.get())) << tls_error_msg(c.get());

    // The server seals a record and sends all of it but its last 10 bytes.
    static const char kMsg[] = "a record that arrives in two parts";
    tls_engine *e = s->e;
    size_t cap = 0, n = 0;
    uint8_t *w = tls_engine_write_buf(e, &cap);
    ASSERT_NE(nullptr, w);
    ASSERT_GE(cap, sizeof kMsg);
    memcpy(w, kMsg, sizeof kMsg);
    ASSERT_EQ(0, tls_engine_write_ack(e, sizeof kMsg));
    const uint8_t *out = tls_engine_send_buf(e, &n);
    ASSERT_GT(n, 10u);
    ASSERT_EQ((ssize_t)(n - 10), send(tls_fd(s.get()), out, n - 10, 0));
    tls_engine_send_ack(e, n - 10);
    start = Clock::now();
    EXPECT_EQ(-1, tls_read(c.get(), b, sizeof b));
    EXPECT_EQ(EAGAIN, errno);
    EXPECT_GE(MsSince(start), 140);
    out = tls_engine_send_buf(e, &n);
    ASSERT_EQ(10u, n);
    ASSERT_EQ(10, send(tls_fd(s.get()), out, n, 0));
    tls_engine_send_ack(e, n);
    EXPECT_EQ((ssize_t)sizeof kMsg, tls_read(c.get(), b, sizeof b)) << tls_error_msg(c.get());
    EXPECT_STREQ(kMsg, b);
    // And the connection goes on.
    EXPECT_EQ(2, tls_write(s.get(), "ok", 2));
    EXPECT_EQ(2, tls_read(c.get(), b, sizeof b));
}

// SO_SNDTIMEO on a blocking socket and a peer that does not read: tls_write returns a short
// count (or -1/EAGAIN) after about the timeout, like send; once the peer reads, the rest goes
// through and the peer receives every byte once, in order (a record sent in part is finished,
// not sealed again).
TEST_F(TimeoutTest, WriteHonoursSoSndtimeo) {
    CfgPtr scfg = Cfg(true, 0), ccfg = Cfg(false, 0);
    TlsPtr c(nullptr, tls_free), s(nullptr, tls_free);
    BlockingPair(c, s, ccfg.get(), scfg.get());
    if (::testing::Test::HasFatalFailure()) return;
    SetSockTimeout(tls_fd(c.get()), SO_SNDTIMEO, 300);
    std::vector<uint8_t> data(4 << 20);
    for (size_t i = 0; i < data.size(); i++)
        data[i] = static_cast<uint8_t>(i * 7 + (i >> 16));

    auto start = Clock::now();
    ssize_t n = tls_write(c.get(), data.data(), data.size());
    long ms = MsSince(start);
    ASSERT_TRUE((n > 0 && (size_t)n < data.size()) || (n == -1 && errno == EAGAIN))
        << n << " " << strerror(errno);
    // One timeout, as send waits: not a second one in another send after a short one.
    EXPECT_GE(ms, 290);
    EXPECT_LT(ms, 540);
    size_t sent = n > 0 ? (size_t)n : 0;
    // Still nobody reads: the next call sends nothing and says so after the timeout.
    start = Clock::now();
    EXPECT_EQ(-1, tls_write(c.get(), data.data() + sent, data.size() - sent));
    EXPECT_EQ(EAGAIN, errno);
    EXPECT_GE(MsSince(start), 290);
    EXPECT_EQ(0, tls_error_code(c.get())) << tls_error_msg(c.get());

    std::vector<uint8_t> got;
    std::thread reader([&] {
        std::vector<uint8_t> buf(65536);
        while (got.size() < data.size()) {
            ssize_t k = tls_read(s.get(), buf.data(), buf.size());
            if (k <= 0) break;
            got.insert(got.end(), buf.begin(), buf.begin() + k);
        }
    });
    EXPECT_EQ(data.size(), FinishWriting(c.get(), data, sent)) << tls_error_msg(c.get());
    reader.join();
    ASSERT_EQ(data.size(), got.size()) << tls_error_msg(s.get());
    EXPECT_TRUE(got == data);
}

// One tls_read may take many recv calls (a record split over segments), and a recv returns
// as soon as a byte comes: SO_RCVTIMEO must bound the call, not each recv, or a peer that
// trickles a byte at a time holds a read for as long as it likes. Here a 300-byte record
// comes a byte every 40 ms (12 s in all): the read still returns EAGAIN after ~200 ms, and
// once the rest is there the record arrives intact.
TEST_F(TimeoutTest, TrickledRecordCannotStretchSoRcvtimeo) {
    CfgPtr scfg = Cfg(true, 0), ccfg = Cfg(false, 0);
    TlsPtr c(nullptr, tls_free), s(nullptr, tls_free);
    BlockingPair(c, s, ccfg.get(), scfg.get());
    if (::testing::Test::HasFatalFailure()) return;
    SetSockTimeout(tls_fd(c.get()), SO_RCVTIMEO, 200);
    std::string msg(280, 'q');
    tls_engine *e = s->e;
    size_t cap = 0, n = 0;
    uint8_t *w = tls_engine_write_buf(e, &cap);
    ASSERT_NE(nullptr, w);
    ASSERT_GE(cap, msg.size());
    memcpy(w, msg.data(), msg.size());
    ASSERT_EQ(0, tls_engine_write_ack(e, msg.size()));
    const uint8_t *out = tls_engine_send_buf(e, &n);
    std::vector<uint8_t> rec(out, out + n);
    tls_engine_send_ack(e, n);

    std::atomic<bool> stop{false};
    std::atomic<size_t> trickled{0};
    std::thread trickler([&] {
        while (!stop && trickled + 1 < rec.size()) {
            if (send(tls_fd(s.get()), &rec[trickled], 1, 0) != 1) return;
            trickled++;
            std::this_thread::sleep_for(std::chrono::milliseconds(40));
        }
    });
    char b[512];
    auto start = Clock::now();
    ssize_t r = tls_read(c.get(), b, sizeof b);
    long ms = MsSince(start);
    int err = errno;
    stop = true;
    trickler.join();
    EXPECT_EQ(-1, r);
    EXPECT_EQ(EAGAIN, err);
    EXPECT_GE(ms, 190);
    EXPECT_LT(ms, 1000) << "one SO_RCVTIMEO per recv, not per call";
    EXPECT_EQ(0, tls_error_code(c.get())) << tls_error_msg(c.get());
    size_t rest = rec.size() - trickled;
    ASSERT_EQ((ssize_t)rest, send(tls_fd(s.get()), &rec[trickled], rest, 0));
    ASSERT_EQ((ssize_t)msg.size(), tls_read(c.get(), b, sizeof b)) << tls_error_msg(c.get());
    EXPECT_EQ(msg, std::string(b, msg.size()));
}

// The same for SO_SNDTIMEO: a peer that reads a little now and then makes every send take
// some bytes, so a timeout per send would hold an 8 MiB tls_write for about a minute. The
// call returns a short count after ~300 ms; then every byte arrives once, in order.
TEST_F(TimeoutTest, SlowReaderCannotStretchSoSndtimeo) {
    CfgPtr scfg = Cfg(true, 0), ccfg = Cfg(false, 0);
    TlsPtr c(nullptr, tls_free), s(nullptr, tls_free);
    BlockingPair(c, s, ccfg.get(), scfg.get());
    if (::testing::Test::HasFatalFailure()) return;
    SetSockTimeout(tls_fd(c.get()), SO_SNDTIMEO, 300);
    std::vector<uint8_t> data(8 << 20);
    for (size_t i = 0; i < data.size(); i++)
        data[i] = static_cast<uint8_t>(i * 13 + (i >> 12));

    std::atomic<bool> slow{true};
    std::vector<uint8_t> got;
    std::thread reader([&] {
        std::vector<uint8_t> buf(16384);
        auto end = Clock::now() + std::chrono::seconds(30);
        while (got.size() < data.size() && Clock::now() < end) {
            if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            ssize_t k = tls_read(s.get(), buf.data(), slow ? 4096 : buf.size());
            if (k <= 0) break;
            got.insert(got.end(), buf.begin(), buf.begin() + k);
        }
    });
    auto start = Clock::now();
    ssize_t n = tls_write(c.get(), data.data(), data.size());
    long ms = MsSince(start);
    int err = errno;
    slow = false;
    EXPECT_TRUE((n > 0 && (size_t)n < data.size()) || (n == -1 && err == EAGAIN))
        << n << " " << strerror(err);
    EXPECT_GE(ms, 290);
    EXPECT_LT(ms, 1500) << "one SO_SNDTIMEO per send, not per call";
    size_t sent = n > 0 ? (size_t)n : 0;
    EXPECT_EQ(data.size(), FinishWriting(c.get(), data, sent)) << tls_error_msg(c.get());
    reader.join();
    ASSERT_EQ(data.size(), got.size()) << tls_error_msg(s.get());
    EXPECT_TRUE(got == data);
}

} // namespace
