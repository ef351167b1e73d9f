// The workloads every implementation runs, written once. Each bench_<impl>.cc defines the
// hooks declared below (a connection pair over in-memory transport) and then includes this
// header, which supplies main(). No TLS library header is included here, so the same
// driver compiles against tlsio, BoringSSL libssl or OpenSSL libssl without mixing them.
//
// Output: one JSON object per line on stdout, {"impl":..,"metric":..,"value":..,"unit":..}.
#pragma once

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace bench {

// The connection kinds. Every handshake runs X25519 (TLS 1.2 also offers P-256 in
// supported_groups: RFC 8422 §5.1 ties an ECDSA certificate's curve to that list) and has the
// client verify the chain (leaf signed directly by a root it trusts) and the host name
// "bench.example".
enum Kind {
    kTls13Ecdsa,  // TLS 1.3, TLS_AES_128_GCM_SHA256, ECDSA P-256 certificate
    kTls13Rsa,    // TLS 1.3, TLS_AES_128_GCM_SHA256, RSA-2048 certificate (rsa_pss_rsae_sha256)
    kTls12Ecdsa,  // TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256, extended master secret
    kTls13Chacha, // TLS 1.3, TLS_CHACHA20_POLY1305_SHA256, ECDSA P-256 certificate
    // Resumption: as kTls13Ecdsa / kTls12Ecdsa, but the server issues one session ticket per
    // connection (stateless, sealed under the server's ticket key) and the client keeps it.
    // TLS 1.3 resumes with psk_dhe_ke (PSK plus a fresh X25519 exchange, no certificate);
    // TLS 1.2 with an RFC 5077 ticket (abbreviated handshake, extended master secret).
    kTls13EcdsaTicket,
    kTls12EcdsaTicket,
    kKinds
};

inline bool IsTls12(int k) {
    return k == kTls12Ecdsa || k == kTls12EcdsaTicket;
}
inline bool HasTickets(int k) {
    return k == kTls13EcdsaTicket || k == kTls12EcdsaTicket;
}

constexpr const char *kHostName = "bench.example";

// Transport between the two ends: bytes move through an intermediate buffer (copied in by the
// sender, copied out by the receiver) for every implementation, like a socket or memory BIO.

struct Pair; // defined by the implementation

// ---- hooks each implementation defines ---------------------------------------------------
extern const char *const kImplName;
// Loads certificates and keys from the PKI directory (see bench/README in docs/performance.md).
bool ImplInit(const std::string &pki_dir);
Pair *PairNew(Kind k);
// Runs the handshake to completion on both sides; false on any failure.
bool PairHandshake(Pair *p);
// Client writes len bytes (len <= 16 KiB) with one write call; the server reads all of them.
bool PairTransfer(Pair *p, const uint8_t *data, size_t len);
// The negotiated cipher suite (IANA value) as the client sees it.
uint16_t PairSuite(Pair *p);
// The negotiated key-exchange group (IANA value; x25519 is 29).
uint16_t PairGroup(Pair *p);
// Frees the server's / client's TLS object (not the transport the pair wrapper owns).
void PairFreeServer(Pair *p);
void PairFreeClient(Pair *p);
// Frees whatever is left (transport buffers, the wrapper).
void PairFree(Pair *p);

// Resumption, for the kinds with tickets. A Session is what a client keeps to resume: one
// ticket and its secrets (SSL_SESSION, tls_session).
struct Session;
// After PairHandshake: the client reads what the server sent after its handshake (TLS 1.3
// NewSessionTicket) and hands over the newest session it received, or nullptr if none came.
Session *PairTakeSession(Pair *p);
// A new pair whose client offers s (s stays the caller's).
Pair *PairNewResume(Kind k, const Session *s);
// True if both ends say the handshake resumed a session.
bool PairResumed(Pair *p);
void SessionFree(Session *s);

// First-request latency over loopback TCP (real sockets, the library's own socket calls).
// Request and response are kLatencyBytes each. The server serves n connections one after
// another on listen_fd (TLS 1.3, ECDSA certificate, the library's default settings): finish
// the handshake, read the whole request, write the response, read until the client closes.
// Sockets: kSockDefault as each library leaves them (tlsio's tls_connect/tls_accept set
// TCP_NODELAY; libssl on a plain socket does not), kSockNodelay TCP_NODELAY set on both ends
// by the program, kSockNagle TCP_NODELAY off on both ends (tlsio: tls_client_fd/tls_server_fd
// on the program's sockets).
enum SockMode { kSockDefault, kSockNodelay, kSockNagle };
constexpr size_t kLatencyBytes = 100;
bool LatencyServe(int listen_fd, int n, SockMode mode);
// One client connection to 127.0.0.1:port: connect and handshake (not timed; "localhost" is
// the name verified), then the seconds from the handshake call returning to the first byte of
// the response, the request written with one write call. Negative on failure.
double LatencyClientOnce(uint16_t port, SockMode mode);

inline uint16_t ExpectedSuite(Kind k) {
    switch (k) {
    case kTls12Ecdsa:
    case kTls12EcdsaTicket:
        return 0xC02B; // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    case kTls13Chacha:
        return 0x1303; // TLS_CHACHA20_POLY1305_SHA256
    default:
        return 0x1301; // TLS_AES_128_GCM_SHA256
    }
}

inline double Now() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

// Heap bytes in use (glibc: main arena chunks plus mmapped chunks). Single-threaded program,
// so everything lives in the main arena; chunk headers are included.
inline long long HeapInUse() {
    struct mallinfo2 mi = mallinfo2();
    return (long long)mi.uordblks + (long long)mi.hblkhd;
}

inline void Emit(const char *metric, double value, const char *unit) {
    printf("{\"impl\":\"%s\",\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n", kImplName,
           metric, value, unit);
    fflush(stdout);
}

[[noreturn]] inline void Die(const char *what) {
    fprintf(stderr, "%s: %s\n", kImplName, what);
    exit(1);
}

// Full handshakes per second over seconds of wall time (new objects each time, both sides).
inline double HandshakeRate(Kind k, double seconds) {
    // Warm up (lazy tables, first-use allocations).
    for (int i = 0; i < 3; i++) {
        Pair *p = PairNew(k);
        if (p == nullptr || !PairHandshake(p)) Die("handshake failed");
        if (PairSuite(p) != ExpectedSuite(k)) Die("unexpected cipher suite");
        if (PairGroup(p) != 29) Die("unexpected group (want x25519)");
        PairFree(p);
    }
    long n = 0;
    double t0 = Now(), t = t0;
    while (t - t0 < seconds) {
        for (int i = 0; i < 8; i++) {
            Pair *p = PairNew(k);
            if (p == nullptr || !PairHandshake(p)) Die("handshake failed");
            PairFree(p);
            n++;
        }
        t = Now();
    }
    return (double)n / (t - t0);
}

// Checks a finished handshake: the suite, and X25519 wherever a key exchange happened (a
// TLS 1.2 abbreviated handshake has none).
inline void CheckNegotiated(Pair *p, Kind k, bool resumed) {
    if (PairSuite(p) != ExpectedSuite(k)) Die("unexpected cipher suite");
    if (!(resumed && IsTls12(k)) && PairGroup(p) != 29) Die("unexpected group (want x25519)");
}

// Full handshakes/s on a kind with tickets: the server issues one ticket and the client
// takes it (the first connection to a server, which later connections resume from).
inline double TicketHandshakeRate(Kind k, double seconds) {
    long n = 0;
    double t0 = Now(), t = t0;
    for (int warm = 3; warm > 0 || t - t0 < seconds;) {
        for (int i = 0; i < 8; i++) {
            Pair *p = PairNew(k);
            if (p == nullptr || !PairHandshake(p)) Die("handshake failed");
            Session *s = PairTakeSession(p);
            if (s == nullptr) Die("no session ticket after a full handshake");
            if (warm > 0) CheckNegotiated(p, k, false);
            SessionFree(s);
            PairFree(p);
            n++;
        }
        if (warm > 0 && --warm == 0) n = 0, t0 = Now(); // warm-up rounds are not counted
        t = Now();
    }
    return (double)n / (t - t0);
}

// Resumed handshakes/s: new objects each time, both sides' CPU, the client offering the
// newest session it holds. A TLS 1.3 server issues a new ticket in every resumed connection
// and the client uses each ticket once (RFC 8446 §C.4); a TLS 1.2 server may issue none on an
// abbreviated handshake (RFC 5077 §3.1), and then the client offers the same session again.
// Every connection must resume on both ends. Returns a negative value if the implementation
// does not resume this kind at all (its first attempt is a full handshake).
inline double ResumedHandshakeRate(Kind k, double seconds) {
    Pair *p = PairNew(k);
    if (p == nullptr || !PairHandshake(p)) Die("handshake failed");
    Session *s = PairTakeSession(p);
    PairFree(p);
    if (s == nullptr) return -1;
    long n = 0;
    double t0 = Now(), t = t0;
    for (int warm = 3; warm > 0 || t - t0 < seconds;) {
        for (int i = 0; i < 8; i++) {
            p = PairNewResume(k, s);
            if (p == nullptr || !PairHandshake(p)) Die("resumed handshake failed");
            if (!PairResumed(p)) {
                if (warm == 3 && n == 0) { // never resumed: not supported by this build
                    PairFree(p);
                    SessionFree(s);
                    return -1;
                }
                Die("a handshake did not resume");
            }
            Session *next = PairTakeSession(p);
            if (warm > 0) CheckNegotiated(p, k, true);
            if (next != nullptr) {
                SessionFree(s);
                s = next;
            } else if (!IsTls12(k)) {
                Die("no new ticket after a TLS 1.3 resumption");
            }
            PairFree(p);
            n++;
        }
        if (warm > 0 && --warm == 0) n = 0, t0 = Now();
        t = Now();
    }
    SessionFree(s);
    return (double)n / (t - t0);
}

// Application-data MB/s (10^6 bytes) moving total bytes in writes of chunk bytes.
inline double BulkRate(Kind k, size_t total, size_t chunk) {
    std::vector<uint8_t> data(chunk);
    for (size_t i = 0; i < chunk; i++)
        data[i] = (uint8_t)(i * 131 + 7);
    Pair *p = PairNew(k);
    if (p == nullptr || !PairHandshake(p)) Die("handshake failed");
    if (PairSuite(p) != ExpectedSuite(k)) Die("unexpected cipher suite");
    if (PairGroup(p) != 29) Die("unexpected group (want x25519)");
    // Warm up the record path (buffers grow on first use).
    for (int i = 0; i < 16; i++)
        if (!PairTransfer(p, data.data(), chunk)) Die("transfer failed");
    size_t n = total / chunk;
    double t0 = Now();
    for (size_t i = 0; i < n; i++)
        if (!PairTransfer(p, data.data(), chunk)) Die("transfer failed");
    double dt = Now() - t0;
    PairFree(p);
    return (double)(n * chunk) / dt / 1e6;
}

// Heap bytes held per established idle TLS 1.3 connection, client and server separately:
// conns pairs are established, then all servers are freed (the drop is the servers' share),
// then all clients. Transport buffers belong to the wrapper and are freed afterwards.
inline void IdleMemory(int conns, double *client_bytes, double *server_bytes) {
    {
        Pair *p = PairNew(kTls13Ecdsa);
        if (p == nullptr || !PairHandshake(p)) Die("handshake failed");
        PairFree(p);
    }
    std::vector<Pair *> pairs((size_t)conns);
    for (int i = 0; i < conns; i++) {
        pairs[(size_t)i] = PairNew(kTls13Ecdsa);
        if (pairs[(size_t)i] == nullptr || !PairHandshake(pairs[(size_t)i]))
            Die("handshake failed");
    }
    long long m0 = HeapInUse();
    for (Pair *p : pairs)
        PairFreeServer(p);
    long long m1 = HeapInUse();
    for (Pair *p : pairs)
        PairFreeClient(p);
    long long m2 = HeapInUse();
    for (Pair *p : pairs)
        PairFree(p);
    *server_bytes = (double)(m0 - m1) / conns;
    *client_bytes = (double)(m1 - m2) / conns;
}

// Sets or clears TCP_NODELAY as the mode asks (kSockDefault: leaves the socket alone).
inline void ApplySockMode(int fd, SockMode mode) {
    if (mode == kSockDefault) return;
    int on = mode == kSockNodelay;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) Die("TCP_NODELAY");
}

// Median seconds from the client's connect/handshake call returning to the first response
// byte, over n fresh loopback connections (a delayed-ACK stall shows as ~40 ms).
inline double FirstRequestLatency(int n, SockMode mode) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        Die("cannot listen on 127.0.0.1");
    const int warm = 2;
    bool served = false;
    std::thread server([&] { served = LatencyServe(lfd, n + warm, mode); });
    std::vector<double> v;
    for (int i = 0; i < n + warm; i++) {
        double t = LatencyClientOnce(ntohs(a.sin_port), mode);
        if (t < 0) Die("latency client failed");
        if (i >= warm) v.push_back(t);
    }
    server.join();
    close(lfd);
    if (!served) Die("latency server failed");
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Options {
    std::string pki;
    double hs_seconds = 1.0;
    size_t bulk16_total = 256u << 20;
    size_t bulk1_total = 64u << 20;
    int conns = 1000;
    int latency_conns = 41;
    std::string only; // run one workload group: hs, resume, bulk, mem, lat
};

inline int DriverMain(int argc, char **argv) {
    Options o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (a == "--quick") {
            o.hs_seconds = 0.3;
            o.bulk16_total = 32u << 20;
            o.bulk1_total = 8u << 20;
            o.latency_conns = 11;
        } else if (a == "--pki" && v) {
            o.pki = v, i++;
        } else if (a == "--hs-seconds" && v) {
            o.hs_seconds = atof(v), i++;
        } else if (a == "--bulk-mib" && v) {
            o.bulk16_total = (size_t)atoi(v) << 20, o.bulk1_total = o.bulk16_total / 4, i++;
        } else if (a == "--conns" && v) {
            o.conns = atoi(v), i++;
        } else if (a == "--only" && v) {
            o.only = v, i++;
        } else {
            fprintf(stderr,
                    "usage: %s --pki DIR [--quick] [--hs-seconds S] [--bulk-mib N] "
                    "[--conns N] [--only hs|resume|resume13|resume12|bulk|mem|lat]\n",
                    argv[0]);
            return 2;
        }
    }
    if (o.pki.empty() || !ImplInit(o.pki)) Die("cannot load the PKI (--pki DIR)");
    if (o.only.empty() || o.only == "hs") {
        Emit("hs_tls13_x25519_ecdsa", HandshakeRate(kTls13Ecdsa, o.hs_seconds), "hs/s");
        Emit("hs_tls13_x25519_rsa2048", HandshakeRate(kTls13Rsa, o.hs_seconds), "hs/s");
        Emit("hs_tls12_ecdhe_ecdsa_aes128gcm", HandshakeRate(kTls12Ecdsa, o.hs_seconds), "hs/s");
    }
    if (o.only.empty() || o.only.rfind("resume", 0) == 0) {
        // Full handshakes issuing a ticket, then resumed ones, in the same process (the ratio).
        // "resume13" / "resume12" run one version only (for a profiler).
        for (Kind k : {kTls13EcdsaTicket, kTls12EcdsaTicket}) {
            const char *v = IsTls12(k) ? "tls12" : "tls13";
            if (o.only == (IsTls12(k) ? "resume13" : "resume12")) continue;
            double resumed = ResumedHandshakeRate(k, o.hs_seconds);
            if (resumed < 0) {
                fprintf(stderr, "%s: does not resume %s sessions; no %s resumption rows\n",
                        kImplName, v, v);
                continue;
            }
            Emit((std::string("hs_") + v + "_ecdsa_ticket_full").c_str(),
                 TicketHandshakeRate(k, o.hs_seconds), "hs/s");
            Emit((std::string("hs_") + v + "_ecdsa_resumed").c_str(), resumed, "hs/s");
        }
    }
    if (o.only.empty() || o.only == "bulk") {
        Emit("bulk_aes128gcm_16k", BulkRate(kTls13Ecdsa, o.bulk16_total, 16384), "MB/s");
        Emit("bulk_aes128gcm_1k", BulkRate(kTls13Ecdsa, o.bulk1_total, 1024), "MB/s");
        Emit("bulk_chacha20_16k", BulkRate(kTls13Chacha, o.bulk16_total, 16384), "MB/s");
        Emit("bulk_chacha20_1k", BulkRate(kTls13Chacha, o.bulk1_total, 1024), "MB/s");
    }
    if (o.only.empty() || o.only == "mem") {
        double c = 0, s = 0;
        IdleMemory(o.conns, &c, &s);
        Emit("mem_idle_client", c, "B");
        Emit("mem_idle_server", s, "B");
    }
    if (o.only.empty() || o.only == "lat") {
        Emit("first_request_loopback_us", FirstRequestLatency(o.latency_conns, kSockDefault) * 1e6,
             "us");
        Emit("first_request_nodelay_us", FirstRequestLatency(o.latency_conns, kSockNodelay) * 1e6,
             "us");
        Emit("first_request_nagle_us", FirstRequestLatency(o.latency_conns, kSockNagle) * 1e6,
             "us");
    }
    return 0;
}

} // namespace bench

int main(int argc, char **argv) {
    return bench::DriverMain(argc, argv);
}
