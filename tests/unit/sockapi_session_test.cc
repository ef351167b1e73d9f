// Session resumption through the socket facade (issue 14): the config's client cache (bound,
// eviction, one use per ticket, expiry, thread safety), tls_config_add_session,
// tls_conn_session, the clock the facade installs, and resumption end to end against our own
// server over loopback TCP, one thread and several.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <errno.h>
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
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <tlsio/tls.h>

#include "../../sockapi/session_cache.h"
#include "config.h"
#include "session.h"
#include "loopback.h"
#include "testpki.h"

namespace {

using tlsio_test::Cert;
using tlsio_test::TestPki;

using CfgPtr = std::unique_ptr<tls_config, decltype(&tls_config_free)>;
using TlsPtr = std::unique_ptr<tls, decltype(&tls_free)>;
using SessPtr = std::unique_ptr<tls_session, decltype(&tls_session_free)>;

using tlsio_test::ListenLoopback;
using tlsio_test::SetTimeouts;

// A session for server name `name`, issued at issued_ms for lifetime_s seconds, whose ticket
// is `tag` in 4 bytes (so tests can tell sessions apart).
tls_session *MakeSession(const char *name, int64_t issued_ms, uint32_t lifetime_s, uint32_t tag) {
    static const uint8_t kSecret[32] = {1, 2, 3};
    tlsio_sess_state st = {};
    st.format = TLSIO_SESS_FORMAT;
    st.version = TLS_VERSION_1_3;
    st.cipher_suite = 0x1301;
    CBS_init(&st.secret, kSecret, sizeof kSecret);
    tlsio_sess_split(static_cast<uint64_t>(issued_ms), &st.time_hi, &st.time_lo);
    st.lifetime = lifetime_s;
    st.ems = 1;
    CBS_init(&st.server_name, reinterpret_cast<const uint8_t *>(name), strlen(name));
    const uint8_t id[4] = {static_cast<uint8_t>(tag >> 24), static_cast<uint8_t>(tag >> 16),
                           static_cast<uint8_t>(tag >> 8), static_cast<uint8_t>(tag)};
    CBS ticket;
    CBS_init(&ticket, id, sizeof id);
    tlsio_err err = {};
    tls_session *s = tlsio_session_new(&st, &ticket, &err);
    EXPECT_NE(nullptr, s) << err.msg;
    return s;
}

// The ticket byte MakeSession put in s.
int Tag(const tls_session *s) {
    if (s == nullptr || CBS_len(&s->ticket) != 4) return -1;
    const uint8_t *p = CBS_data(&s->ticket);
    return static_cast<int>((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
                            p[3]);
}

std::string Key(const char *name, unsigned port) {
    char k[TLSIO_SESSION_KEY_MAX];
    EXPECT_EQ(0, tlsio_session_key(k, sizeof k, name, port));
    return k;
}

int64_t FixedClock(void *arg) {
    return *static_cast<std::atomic<int64_t> *>(arg);
}

int64_t NowMs() {
    return static_cast<int64_t>(time(nullptr)) * 1000;
}

TEST(SessionCache, KeyIsLowerCaseNameAndNumericPort) {
    EXPECT_EQ("443 example.com", Key("Example.COM", 443));
    char small[8];
    EXPECT_EQ(-1, tlsio_session_key(small, sizeof small, "example.com", 443));
}

TEST(SessionCache, EachSessionIsHandedOutOnceNewestFirst) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    std::string k = Key("a.example", 443);
    for (uint8_t tag = 1; tag <= 3; tag++)
        ASSERT_EQ(0, tlsio_session_cache_put(cfg.get(), k.c_str(),
                                             MakeSession("a.example", NowMs(), 600, tag)));
    EXPECT_EQ(3u, tlsio_session_cache_count(cfg.get(), k.c_str()));
    // RFC 8446 §C.4: a ticket goes to one connection only; the freshest first.
    for (int want = 3; want >= 1; want--) {
        SessPtr s(tlsio_session_cache_take(cfg.get(), k.c_str(), NowMs()), tls_session_free);
        EXPECT_EQ(want, Tag(s.get()));
    }
    EXPECT_EQ(nullptr, tlsio_session_cache_take(cfg.get(), k.c_str(), NowMs()));
    EXPECT_EQ(0u, tlsio_session_cache_count(cfg.get(), nullptr));
}

TEST(SessionCache, KeysDoNotMix) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    std::string a = Key("a.example", 443), b = Key("b.example", 443), a2 = Key("a.example", 8443);
    ASSERT_EQ(0, tlsio_session_cache_put(cfg.get(), a.c_str(),
                                         MakeSession("a.example", NowMs(), 600, 1)));
    EXPECT_EQ(nullptr, tlsio_session_cache_take(cfg.get(), b.c_str(), NowMs()));
    EXPECT_EQ(nullptr, tlsio_session_cache_take(cfg.get(), a2.c_str(), NowMs()));
    SessPtr s(tlsio_session_cache_take(cfg.get(), a.c_str(), NowMs()), tls_session_free);
    EXPECT_EQ(1, Tag(s.get()));
}

TEST(SessionCache, BoundedInAllOldestEvictedFirst) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    ASSERT_EQ(0, tls_config_set_session_cache(cfg.get(), 3));
    // Five servers, one session each, in order: the first two are evicted.
    for (uint8_t i = 0; i < 5; i++) {
        std::string name = "s" + std::to_string(i) + ".example";
        ASSERT_EQ(0, tlsio_session_cache_put(cfg.get(), Key(name.c_str(), 443).c_str(),
                                             MakeSession(name.c_str(), NowMs(), 600, i)));
        EXPECT_LE(tlsio_session_cache_count(cfg.get(), nullptr), 3u);
    }
    EXPECT_EQ(3u, tlsio_session_cache_count(cfg.get(), nullptr));
    for (uint8_t i = 0; i < 5; i++) {
        std::string name = "s" + std::to_string(i) + ".example";
        SessPtr s(tlsio_session_cache_take(cfg.get(), Key(name.c_str(), 443).c_str(), NowMs()),
                  tls_session_free);
        EXPECT_EQ(i < 2 ? -1 : i, Tag(s.get())) << name;
    }
}

TEST(SessionCache, OneServerCannotPushTheOthersOut) {
    CfgPtr cfg(tls_config_new(), tls_config_free); // default size 64
    std::string other = Key("other.example", 443), busy = Key("busy.example", 443);
    ASSERT_EQ(0, tlsio_session_cache_put(cfg.get(), other.c_str(),
                                         MakeSession("other.example", NowMs(), 600, 200)));
    for (int i = 0; i < 40; i++)
        ASSERT_EQ(0, tlsio_session_cache_put(
                         cfg.get(), busy.c_str(),
                         MakeSession("busy.example", NowMs(), 600, static_cast<uint8_t>(i))));
    EXPECT_EQ(static_cast<size_t>(TLSIO_SESSION_CACHE_PER_SERVER),
              tlsio_session_cache_count(cfg.get(), busy.c_str()));
    EXPECT_EQ(1u, tlsio_session_cache_count(cfg.get(), other.c_str()));
    // The busy server keeps its newest.
    SessPtr s(tlsio_session_cache_take(cfg.get(), busy.c_str(), NowMs()), tls_session_free);
    EXPECT_EQ(39, Tag(s.get()));
}

TEST(SessionCache, ExpiredSessionsAreDroppedNotOffered) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    std::string k = Key("a.example", 443);
    const int64_t t0 = INT64_C(1700000000000);
    ASSERT_EQ(0,
              tlsio_session_cache_put(cfg.get(), k.c_str(), MakeSession("a.example", t0, 10, 1)));
    ASSERT_EQ(0,
              tlsio_session_cache_put(cfg.get(), k.c_str(), MakeSession("a.example", t0, 1000, 2)));
    ASSERT_EQ(0,
              tlsio_session_cache_put(cfg.get(), k.c_str(), MakeSession("a.example", t0, 10, 3)));
    // At t0 + 20 s sessions 1 and 3 have expired: 3 is dropped on the way to 2, 1 stays
    // until a lookup reaches it.
    SessPtr s(tlsio_session_cache_take(cfg.get(), k.c_str(), t0 + 20000), tls_session_free);
    EXPECT_EQ(2, Tag(s.get()));
    EXPECT_EQ(1u, tlsio_session_cache_count(cfg.get(), nullptr));
    EXPECT_EQ(nullptr, tlsio_session_cache_take(cfg.get(), k.c_str(), t0 + 20000));
    EXPECT_EQ(0u, tlsio_session_cache_count(cfg.get(), nullptr));
}

TEST(SessionCache, SizeZeroKeepsNothing) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    ASSERT_EQ(0, tls_config_set_session_cache(cfg.get(), 0));
    std::string k = Key("a.example", 443);
    ASSERT_EQ(0, tlsio_session_cache_put(cfg.get(), k.c_str(),
                                         MakeSession("a.example", NowMs(), 600, 1)));
    EXPECT_EQ(nullptr, tlsio_session_cache_take(cfg.get(), k.c_str(), NowMs()));
    EXPECT_EQ(nullptr, atomic_load(&cfg->session_cache)); // never made
    SessPtr s(MakeSession("a.example", NowMs(), 600, 1), tls_session_free);
    errno = 0;
    EXPECT_EQ(-1, tls_config_add_session(cfg.get(), "a.example", "443", s.get()));
    EXPECT_EQ(EINVAL, errno);
}

TEST(SessionCache, AddSessionChecksTheNameAndNamesThePortAsConnectDoes) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    SessPtr s(MakeSession("a.example", NowMs(), 600, 7), tls_session_free);
    errno = 0;
    EXPECT_EQ(-1, tls_config_add_session(cfg.get(), "b.example", "443", s.get()));
    EXPECT_EQ(EINVAL, errno);
    EXPECT_EQ(-1, tls_config_add_session(cfg.get(), "a.example", "no-such-service-x", s.get()));
    EXPECT_EQ(-1, tls_config_add_session(cfg.get(), "a.example", "443", nullptr));
    EXPECT_EQ(-1, tls_config_add_session(nullptr, "a.example", "443", s.get()));
    // A service name is the same port as its number; the name compares without case.
    ASSERT_EQ(0, tls_config_add_session(cfg.get(), "A.Example", "https", s.get()));
    // The cache keeps its own copy: s is still the caller's.
    EXPECT_EQ(7, Tag(s.get()));
    SessPtr got(tlsio_session_cache_take(cfg.get(), Key("a.example", 443).c_str(), NowMs()),
                tls_session_free);
    EXPECT_EQ(7, Tag(got.get()));
}

TEST(SessionCache, ThreadsSharingOneCacheNeverGetTheSameSessionTwice) {
    CfgPtr cfg(tls_config_new(), tls_config_free);
    ASSERT_EQ(0, tls_config_set_session_cache(cfg.get(), 16));
    // Producers add sessions with distinct tags (two keys); consumers take them; every tag
    // taken is counted, and none may come out twice.
    constexpr int kThreads = 4, kPerThread = 200;
    std::string keys[2] = {Key("a.example", 443), Key("b.example", 443)};
    std::vector<std::atomic<int>> seen(kThreads * kPerThread);
    std::atomic<int> dup{0};
    std::vector<std::thread> th;
    for (int t = 0; t < kThreads; t++) {
        th.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; i++) {
                int id = t * kPerThread + i;
                const char *name = id % 2 ? "b.example" : "a.example";
                tls_session *s = MakeSession(name, NowMs(), 600, static_cast<uint32_t>(id));
                (void)tlsio_session_cache_put(cfg.get(), keys[id % 2].c_str(), s);
                SessPtr got(tlsio_session_cache_take(cfg.get(), keys[(id / 2) % 2].c_str(), -1),
                            tls_session_free);
                int tag = Tag(got.get());
                if (tag >= 0 && seen[static_cast<size_t>(tag)]++ != 0) dup++;
            }
        });
    }
    for (auto &x : th)
        x.join();
    EXPECT_EQ(0, dup.load());
    EXPECT_LE(tlsio_session_cache_count(cfg.get(), nullptr), 16u);
}

// ---- through the facade, over loopback TCP ----

// Our server on loopback: one thread accepts, one thread per connection answers each line
// with "pong:" + line and closes. It remembers whether each connection resumed.
class EchoServer {
  public:
    // How a connection ends after the answer: close_notify; the socket shut without it (a
    // truncation); or bytes that are no valid record (the client fails with a fatal alert).
    enum End { kCloseNotify, kTruncate, kGarbage };
    explicit EchoServer(tls_config *cfg, End end = kCloseNotify) : cfg_(cfg), end_(end) {
        lfd_ = ListenLoopback(&port_, 64);
        EXPECT_GE(lfd_, 0) << strerror(errno);
        acceptor_ = std::thread([this] { Accept(); });
    }
    ~EchoServer() {
        stop_ = true;
        acceptor_.join();
        for (auto &t : conns_)
            t.join();
        close(lfd_);
    }
    std::string port() const {
        return std::to_string(port_);
    }
    int resumed() const {
        return resumed_;
    }
    int full() const {
        return full_;
    }
    int failed() const {
        return failed_;
    }

  private:
    void Accept() {
        while (!stop_) {
            struct pollfd p = {lfd_, POLLIN, 0};
            if (poll(&p, 1, 50) != 1) continue;
            tls *t = tls_accept(cfg_, lfd_, nullptr);
            if (t == nullptr) continue;
            SetTimeouts(tls_fd(t));
            std::lock_guard<std::mutex> g(mu_);
            conns_.emplace_back([this, t] { Serve(t); });
        }
    }
    void Serve(tls *raw) {
        TlsPtr t(raw, tls_free);
        if (tls_handshake(t.get()) != 0) {
            failed_++;
            return;
        }
        (tls_conn_resumed(t.get()) ? resumed_ : full_)++;
        std::string got;
        char buf[256];
        while (got.find('\n') == std::string::npos) {
            ssize_t n = tls_read(t.get(), buf, sizeof buf);
            if (n <= 0) return;
            got.append(buf, static_cast<size_t>(n));
        }
        std::string reply = "pong:" + got;
        (void)tls_write(t.get(), reply.data(), reply.size());
        if (end_ == kCloseNotify) {
            (void)tls_close(t.get());
            return;
        }
        // A TLS 1.3 record header whose body cannot decrypt: bad_record_mac at the client.
        static const uint8_t garbage[] = {0x17, 0x03, 0x03, 0x00, 0x11, 1,  2,  3,  4,  5,  6,
                                          7,    8,    9,    10,   11,   12, 13, 14, 15, 16, 17};
        if (end_ == kGarbage) (void)!write(tls_fd(t.get()), garbage, sizeof garbage);
        shutdown(tls_fd(t.get()), SHUT_RDWR);
    }

    tls_config *cfg_;
    End end_;
    int lfd_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> resumed_{0}, full_{0}, failed_{0};
    std::mutex mu_;
    std::thread acceptor_;
    std::vector<std::thread> conns_;
};

class FacadeResumption : public ::testing::Test {
  protected:
    FacadeResumption() : pki_(static_cast<int64_t>(time(nullptr))) {
        ca_ = pki_.MakeCa("Session Test Root");
        leaf_ = pki_.MakeLeaf(ca_, {.dns = {"localhost"}, .ip = {"127.0.0.1"}});
    }
    CfgPtr ServerCfg() {
        CfgPtr c(tls_config_new(), tls_config_free);
        std::string chain = leaf_.chain_pem(), key = leaf_.key_pem();
        EXPECT_EQ(
            0, tls_config_add_cert_pem(c.get(), chain.data(), chain.size(), key.data(), key.size()))
            << tls_config_error(c.get());
        return c;
    }
    CfgPtr ClientCfg() {
        CfgPtr c(tls_config_new(), tls_config_free);
        std::string pem = ca_.cert_pem();
        EXPECT_EQ(0, tls_config_add_ca_pem(c.get(), pem.data(), pem.size()))
            << tls_config_error(c.get());
        return c;
    }

    // One request: connect, write a line, read the answer with one tls_read (the way many
    // clients do; no read to EOF), close. Returns tls_conn_resumed, or -1 on failure.
    static int Request(tls_config *cfg, const std::string &port, const char *host = "localhost") {
        tls_error why;
        TlsPtr t(tls_connect(cfg, host, port.c_str(), &why), tls_free);
        if (!t) {
            ADD_FAILURE() << why.msg;
            return -1;
        }
        SetTimeouts(tls_fd(t.get()));
        int resumed = tls_conn_resumed(t.get());
        if (tls_write(t.get(), "ping\n", 5) != 5) {
            ADD_FAILURE() << tls_error_msg(t.get());
            return -1;
        }
        char buf[64];
        ssize_t n = tls_read(t.get(), buf, sizeof buf);
        if (n <= 0 || std::string(buf, static_cast<size_t>(n)).rfind("pong:", 0) != 0) {
            ADD_FAILURE() << "read " << n << ": " << tls_error_msg(t.get());
            return -1;
        }
        (void)tls_close(t.get());
        return resumed;
    }

    TestPki pki_;
    Cert ca_, leaf_;
};

TEST_F(FacadeResumption, TheFacadeGivesAConfigWithoutAClockTheRealOne) {
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    EXPECT_EQ(nullptr, scfg->clock);
    EXPECT_EQ(nullptr, ccfg->clock);
    int fds[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    TlsPtr s(tls_server_fd(scfg.get(), fds[1], nullptr), tls_free);
    TlsPtr c(tls_client_fd(ccfg.get(), fds[0], "localhost", nullptr), tls_free);
    ASSERT_TRUE(s && c);
    for (tls_config *cfg : {scfg.get(), ccfg.get()}) {
        ASSERT_NE(nullptr, cfg->clock);
        int64_t now = cfg->clock(cfg->clock_arg), sys = NowMs();
        EXPECT_LE(std::llabs(now - sys), 2000) << "Unix milliseconds, real time";
    }
    // A clock the program set is kept.
    std::atomic<int64_t> fixed{INT64_C(1700000000000)};
    CfgPtr mine = ClientCfg();
    ASSERT_EQ(0, tls_config_set_clock(mine.get(), FixedClock, &fixed));
    int fds2[2];
    ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fds2));
    TlsPtr c2(tls_client_fd(mine.get(), fds2[0], "localhost", nullptr), tls_free);
    close(fds2[1]);
    EXPECT_EQ(INT64_C(1700000000000), mine->clock(mine->clock_arg));
}

TEST_F(FacadeResumption, ASecondConnectResumesAndBothSidesSaySo) {
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    EchoServer srv(scfg.get());
    EXPECT_EQ(0, Request(ccfg.get(), srv.port()));
    // The server's tickets were read with the answer, before tls_close: in the cache now.
    std::string key = Key("localhost", static_cast<unsigned>(std::stoi(srv.port())));
    EXPECT_EQ(2u, tlsio_session_cache_count(ccfg.get(), key.c_str()));
    EXPECT_EQ(1, Request(ccfg.get(), srv.port()));
    EXPECT_EQ(1, Request(ccfg.get(), srv.port()));
    // Another name (same server, same port) has no session: a full handshake.
    EXPECT_EQ(0, Request(ccfg.get(), srv.port(), "127.0.0.1"));
    EXPECT_EQ(0, srv.failed());
    EXPECT_EQ(2, srv.resumed());
    EXPECT_EQ(2, srv.full());
}

static TlsPtr Connect(tls_config *cfg, const std::string &port) {
    tls_error why;
    TlsPtr t(tls_connect(cfg, "localhost", port.c_str(), &why), tls_free);
    if (!t) ADD_FAILURE() << why.msg;
    if (t) SetTimeouts(tls_fd(t.get()));
    return t;
}

// Reads the answer, then on to the end the server chose: returns tls_read's last result and
// leaves t open for its getters.
static ssize_t RequestToEnd(tls *t) {
    char buf[64];
    if (tls_write(t, "ping\n", 5) != 5) return -2;
    ssize_t n;
    while ((n = tls_read(t, buf, sizeof buf)) > 0) {
    }
    return n;
}

TEST_F(FacadeResumption, AServerThatClosesWithoutCloseNotifyStillLeavesItsSessions) {
    // RFC 5246 §7.2.1: since TLS 1.1 an improper close no longer forbids resumption (and
    // servers such as bssl-tool server -www do close so).
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    EchoServer srv(scfg.get(), EchoServer::kTruncate);
    std::string key = Key("localhost", static_cast<unsigned>(std::stoi(srv.port())));
    TlsPtr t = Connect(ccfg.get(), srv.port());
    ASSERT_TRUE(t);
    EXPECT_EQ(-1, RequestToEnd(t.get()));
    EXPECT_EQ(ECONNRESET, errno);
    EXPECT_EQ(TLS_E_TRUNCATED, tls_error_code(t.get()));
    EXPECT_EQ(2u, tlsio_session_cache_count(ccfg.get(), key.c_str()));
    SessPtr s(tls_conn_session(t.get()), tls_session_free);
    EXPECT_NE(nullptr, s);
    t.reset();
    EXPECT_EQ(1, Request(ccfg.get(), srv.port()));
}

TEST_F(FacadeResumption, AFatalAlertDropsTheServersSessions) {
    // RFC 5246 §7.2.2: a connection that ends with a fatal alert is not resumed. The tickets
    // came (and were cached) before the failure; they go, as does what tls_conn_session had.
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    EchoServer srv(scfg.get(), EchoServer::kGarbage);
    std::string key = Key("localhost", static_cast<unsigned>(std::stoi(srv.port())));
    TlsPtr t = Connect(ccfg.get(), srv.port());
    ASSERT_TRUE(t);
    EXPECT_EQ(-1, RequestToEnd(t.get()));
    EXPECT_EQ(EPROTO, errno);
    EXPECT_EQ(TLS_ALERT_BAD_RECORD_MAC, tls_error_code(t.get())) << tls_error_msg(t.get());
    EXPECT_EQ(0u, tlsio_session_cache_count(ccfg.get(), key.c_str()));
    EXPECT_EQ(nullptr, tls_conn_session(t.get()));
    t.reset();
    EXPECT_EQ(0u, tlsio_session_cache_count(ccfg.get(), key.c_str())) << "tls_free stores none";
}

TEST_F(FacadeResumption, NoCacheNoResumption) {
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    ASSERT_EQ(0, tls_config_set_session_cache(ccfg.get(), 0));
    EchoServer srv(scfg.get());
    EXPECT_EQ(0, Request(ccfg.get(), srv.port()));
    EXPECT_EQ(0, Request(ccfg.get(), srv.port()));
    EXPECT_EQ(0, srv.resumed());
}

TEST_F(FacadeResumption, NoTicketsNoResumption) {
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    ASSERT_EQ(0, tls_config_set_session_tickets(scfg.get(), 0));
    EchoServer srv(scfg.get());
    EXPECT_EQ(0, Request(ccfg.get(), srv.port()));
    EXPECT_EQ(0u, tlsio_session_cache_count(ccfg.get(), nullptr));
    EXPECT_EQ(0, Request(ccfg.get(), srv.port()));
    EXPECT_EQ(0, srv.resumed());
}

TEST_F(FacadeResumption, ConnSessionAndAddSessionCarryASessionToAnotherConfig) {
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    EchoServer srv(scfg.get());
    // With the cache off, the tickets stay in the connection for tls_conn_session.
    ASSERT_EQ(0, tls_config_set_session_cache(ccfg.get(), 0));
    tls_error why;
    TlsPtr t(tls_connect(ccfg.get(), "localhost", srv.port().c_str(), &why), tls_free);
    ASSERT_TRUE(t) << why.msg;
    SetTimeouts(tls_fd(t.get()));
    ASSERT_EQ(5, tls_write(t.get(), "ping\n", 5));
    char buf[64];
    ASSERT_GT(tls_read(t.get(), buf, sizeof buf), 0) << tls_error_msg(t.get());
    SessPtr s1(tls_conn_session(t.get()), tls_session_free);
    SessPtr s2(tls_conn_session(t.get()), tls_session_free);
    ASSERT_TRUE(s1 && s2);
    EXPECT_EQ(nullptr, tls_conn_session(t.get())); // two tickets, each handed out once
    t.reset();
    EXPECT_STREQ("localhost", tls_session_server_name(s1.get()));
    EXPECT_EQ(TLS_VERSION_1_3, tls_session_version(s1.get()));

    // Stored and loaded ("another process"), added to a fresh config: it resumes.
    size_t len = 0;
    EXPECT_NE(0, tls_session_encode(s1.get(), nullptr, 0, &len));
    std::vector<uint8_t> enc(len);
    ASSERT_EQ(0, tls_session_encode(s1.get(), enc.data(), enc.size(), &len));
    SessPtr back(tls_session_decode(enc.data(), enc.size()), tls_session_free);
    ASSERT_TRUE(back);
    CfgPtr fresh = ClientCfg();
    ASSERT_EQ(0, tls_config_add_session(fresh.get(), "localhost", srv.port().c_str(), back.get()));
    EXPECT_EQ(1, Request(fresh.get(), srv.port()));

    // With the cache on, tls_conn_session takes one this connection put in the cache.
    CfgPtr cached = ClientCfg();
    TlsPtr u(tls_connect(cached.get(), "localhost", srv.port().c_str(), &why), tls_free);
    ASSERT_TRUE(u) << why.msg;
    SetTimeouts(tls_fd(u.get()));
    ASSERT_EQ(5, tls_write(u.get(), "ping\n", 5));
    ASSERT_GT(tls_read(u.get(), buf, sizeof buf), 0) << tls_error_msg(u.get());
    std::string key = Key("localhost", static_cast<unsigned>(std::stoi(srv.port())));
    EXPECT_EQ(2u, tlsio_session_cache_count(cached.get(), key.c_str()));
    SessPtr from_cache(tls_conn_session(u.get()), tls_session_free);
    EXPECT_TRUE(from_cache);
    EXPECT_EQ(1u, tlsio_session_cache_count(cached.get(), key.c_str()));
}

// Several threads connect through one config: every connection succeeds, both sides agree on
// how many resumed, no ticket is offered twice (seen in the ClientHellos the trace shows),
// and the cache stays within its bound. Run under ASan/UBSan by tests/run-all.sh too.
struct TicketLog {
    std::mutex mu;
    std::vector<std::string> tickets; // every ticket a NewSessionTicket carried
    std::vector<std::string> hellos;  // every ClientHello sent
};

void Trace(void *arg, const tls_engine *, int direction, uint8_t type, const uint8_t *msg,
           size_t len) {
    auto *log = static_cast<TicketLog *>(arg);
    if (type != 22 || len < 4) return;
    std::lock_guard<std::mutex> g(log->mu);
    if (direction == TLS_TRACE_SENT && msg[0] == 1) {
        log->hellos.emplace_back(reinterpret_cast<const char *>(msg), len);
    } else if (direction == TLS_TRACE_RECEIVED && msg[0] == 4) {
        // RFC 8446 §4.6.1: lifetime(4) age_add(4) nonce<0..255> ticket<1..2^16-1> ...
        CBS body, nonce, ticket;
        CBS_init(&body, msg + 4, len - 4);
        if (CBS_skip(&body, 8) && CBS_get_u8_length_prefixed(&body, &nonce) &&
            CBS_get_u16_length_prefixed(&body, &ticket))
            log->tickets.emplace_back(reinterpret_cast<const char *>(CBS_data(&ticket)),
                                      CBS_len(&ticket));
    }
}

TEST_F(FacadeResumption, ThreadsConnectingThroughOneConfig) {
    CfgPtr scfg = ServerCfg(), ccfg = ClientCfg();
    TicketLog log;
    ASSERT_EQ(0, tls_config_set_trace(ccfg.get(), Trace, &log));
    ASSERT_EQ(0, tls_config_set_session_cache(ccfg.get(), 6));
    EchoServer srv(scfg.get());
    constexpr int kThreads = 4, kEach = 6;
    std::atomic<int> resumed{0}, failed{0};
    std::vector<std::thread> th;
    for (int i = 0; i < kThreads; i++)
        th.emplace_back([&] {
            for (int j = 0; j < kEach; j++) {
                int r = Request(ccfg.get(), srv.port());
                if (r < 0) failed++;
                if (r > 0) resumed++;
            }
        });
    for (auto &x : th)
        x.join();
    EXPECT_EQ(0, failed.load());
    EXPECT_EQ(0, srv.failed());
    EXPECT_EQ(resumed.load(), srv.resumed());
    EXPECT_EQ(kThreads * kEach, srv.resumed() + srv.full());
    // Once the first connections completed, tickets were nearly always at hand (a thread may
    // find the cache emptied by the others now and then).
    EXPECT_GE(resumed.load(), kThreads * kEach / 2);
    EXPECT_LE(tlsio_session_cache_count(ccfg.get(), nullptr), 6u);
    // RFC 8446 §C.4: no ticket appears in two ClientHellos.
    std::lock_guard<std::mutex> g(log.mu);
    int offered = 0;
    for (const std::string &tk : log.tickets) {
        int uses = 0;
        for (const std::string &h : log.hellos)
            if (h.find(tk) != std::string::npos) uses++;
        EXPECT_LE(uses, 1);
        offered += uses;
    }
    EXPECT_EQ(resumed.load(), offered);
}

} // namespace
