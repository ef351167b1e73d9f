// RFC 8448 (Example Handshake Traces for TLS 1.3) replayed against our SERVER engine.
//
// §3 "Simple 1-RTT Handshake": the trace's ClientHello goes in; the server's randomness (its
// x25519 private key, then its Random, in the order the engine draws them) comes from a
// scripted RNG given to tls_config_set_rng, and it serves the trace's RSA certificate with the
// key rebuilt from §2's modulus, exponents and primes. Our ServerHello must then be the trace's,
// byte for byte, and the handshake secrets we derive the trace's.
//
// What cannot be byte-exact, by design: the encrypted flight. Our EncryptedExtensions carries
// the server_name acknowledgement and record_size_limit (the trace's also repeats
// supported_groups, and orders them differently), and RSA-PSS signatures are randomized (libcrypto
// draws the salt), so CertificateVerify, the server Finished and every later secret differ.
// Instead the test decrypts that flight with the trace's server handshake keys, finds the
// trace's Certificate message in it byte for byte, checks the Finished against the trace's
// handshake secret, and completes the handshake with a client Finished computed from the
// trace's client handshake secret.
//
// §5 "HelloRetryRequest": the trace's first ClientHello goes in; our HelloRetryRequest must be
// the trace's except for the cookie extension, which the trace's server sends and ours does
// not (we keep no state in cookies), so the trace's HRR is compared with its cookie removed.
// The trace's second ClientHello then gives the trace's ServerHello byte for byte, and the
// Handshake and Master Secrets (which do not depend on the transcript) are the trace's; the
// traffic secrets are checked against our own transcript, which lacks the cookie.
//
// §4 "Resumed 0-RTT Handshake", both roles, as far as the trace allows without 0-RTT (the key
// schedule of §4 itself, byte for byte, is in keysched_test.cc):
// - Server: the trace's ticket was sealed by another server, so no tlsio server can open it.
//   We seal a ticket of our own holding the trace's PSK (its age and age_add as in the trace)
//   and put it in the trace's ClientHello in place of the trace's, with the binder recomputed
//   over that edited ClientHello. With the trace's x25519 key and Random our ServerHello is the
//   trace's byte for byte, and the Handshake and Master Secrets are the trace's (they depend on
//   the PSK and the (EC)DHE secret, not on the transcript). The traffic secrets and both
//   Finished differ from the trace's, since the transcript holds our ticket: they are checked
//   against our own transcript. The trace's early_data is refused (tlsio has no 0-RTT): no
//   early_data in our EncryptedExtensions, so the client's Finished follows without the
//   trace's EndOfEarlyData.
// - Client: a session holding the trace's ticket and PSK, received 6 ms before the
//   ClientHello with the trace's ticket_age_add, makes our client offer the trace's identity
//   and obfuscated_ticket_age byte for byte. Its ClientHello is not the trace's (no
//   early_data, our extension list, a compatibility session id), so its binder is not the
//   trace's: it is checked over our own truncated ClientHello. The trace's ServerHello is then
//   fed back with its legacy_session_id_echo set to ours (the trace's client sent none), and
//   our client reaches the trace's Handshake and Master Secrets from the trace's key share.
//
// The trace's hex is in tests/support/rfc8448.cc, shared with the other tests that use it.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <cstring>
#include <deque>
#include <string>

#include "engine.h"
#include "enginepair.h"
#include "keysched.h"
#include "msgs.h"
#include "record.h"
#include "rfc8448.h"
#include "session.h"
#include "testpki.h"
#include "ticket.h"
#include "transcript.h"

using namespace tlsio_test;
using namespace tlsio_test::rfc8448;

namespace {

// The trace's values (keys, randoms, messages, secrets) are in rfc8448.h. The stage secrets
// depend on the (EC)DHE secret, not on the transcript, so ours must be the trace's even where
// our messages differ from it.

constexpr uint16_t kExtCookie = 44;
// Our server's EncryptedExtensions for the trace's ClientHellos (§3 and §4): the empty
// server_name (RFC 6066 §3) acknowledging SNI, then our answer to the trace's
// record_size_limit (RFC 8449 §4): 2^14 + 1, as the trace's server.
constexpr const char kOurEncryptedExtensions[] = "0800000c"
                                                 "000a"
                                                 "00000000"
                                                 "001c00024001";
constexpr uint16_t kExtEarlyData = 42;
constexpr uint16_t kExtPreSharedKey = 41;

// ---- a scripted RNG ------------------------------------------------------------------------

// Hands out the trace's values in order; each request must have exactly the expected length.
struct ScriptedRng {
    std::deque<Bytes> script;
    std::vector<size_t> asked; // every request's length, for the failure message
    int mismatches = 0;
    static void Fill(void *ctx, uint8_t *out, size_t len) {
        ScriptedRng *r = static_cast<ScriptedRng *>(ctx);
        r->asked.push_back(len);
        if (r->script.empty() || r->script.front().size() != len) {
            r->mismatches++;
            memset(out, 0, len);
            return;
        }
        memcpy(out, r->script.front().data(), len);
        r->script.pop_front();
    }
    std::string Log() const {
        std::string s;
        for (size_t n : asked)
            s += std::to_string(n) + " ";
        return "requests: " + s;
    }
};

// ---- the trace's RSA key and certificate ---------------------------------------------------

bssl::UniquePtr<BIGNUM> Bn(const char *hex) {
    Bytes b = Hex(hex);
    return bssl::UniquePtr<BIGNUM>(BN_bin2bn(b.data(), b.size(), nullptr));
}

// RFC 8448 §2 gives n, e, d, p, q; the CRT values are derived here.
bssl::UniquePtr<EVP_PKEY> TraceRsaKey() {
    bssl::UniquePtr<RSA> rsa(RSA_new());
    bssl::UniquePtr<BN_CTX> ctx(BN_CTX_new());
    auto n = Bn(kRsaN), e = Bn(kRsaE), d = Bn(kRsaD), p = Bn(kRsaP), q = Bn(kRsaQ);
    bssl::UniquePtr<BIGNUM> pq(BN_new()), p1(BN_dup(p.get())), q1(BN_dup(q.get()));
    bssl::UniquePtr<BIGNUM> dmp1(BN_new()), dmq1(BN_new()), iqmp(BN_new());
    EXPECT_TRUE(BN_mul(pq.get(), p.get(), q.get(), ctx.get()));
    EXPECT_EQ(0, BN_cmp(pq.get(), n.get())) << "p * q != n";
    EXPECT_TRUE(BN_sub_word(p1.get(), 1) && BN_sub_word(q1.get(), 1));
    EXPECT_TRUE(BN_mod(dmp1.get(), d.get(), p1.get(), ctx.get()));
    EXPECT_TRUE(BN_mod(dmq1.get(), d.get(), q1.get(), ctx.get()));
    EXPECT_NE(nullptr, BN_mod_inverse(iqmp.get(), q.get(), p.get(), ctx.get()));
    EXPECT_TRUE(RSA_set0_key(rsa.get(), n.release(), e.release(), d.release()));
    EXPECT_TRUE(RSA_set0_factors(rsa.get(), p.release(), q.release()));
    EXPECT_TRUE(RSA_set0_crt_params(rsa.get(), dmp1.release(), dmq1.release(), iqmp.release()));
    EXPECT_TRUE(RSA_check_key(rsa.get()));
    bssl::UniquePtr<EVP_PKEY> pk(EVP_PKEY_new());
    EXPECT_TRUE(EVP_PKEY_assign_RSA(pk.get(), rsa.release()));
    return pk;
}

// The certificate's DER, out of the trace's Certificate message.
Bytes TraceCertDer() {
    Bytes msg = Hex(kCertificate);
    CBS m, ctx, list, cert;
    CBS_init(&m, msg.data(), msg.size());
    EXPECT_TRUE(CBS_skip(&m, 4) && CBS_get_u8_length_prefixed(&m, &ctx) &&
                CBS_get_u24_length_prefixed(&m, &list) &&
                CBS_get_u24_length_prefixed(&list, &cert));
    return Bytes(CBS_data(&cert), CBS_data(&cert) + CBS_len(&cert));
}

// A server config that serves the trace's 1024-bit RSA certificate and key.
//
// tlsio refuses RSA keys under 2048 bits through its API (checked first), so the chain is put
// in place white-box: a generated RSA-2048 chain is added, then its certificate and key are
// swapped for the trace's (tlsio_pkey is libcrypto's EVP_PKEY, see crypto_sig.c).
class TraceServerConfig {
  public:
    explicit TraceServerConfig(ScriptedRng *rng) {
        cfg_ = tls_config_new();
        bssl::UniquePtr<EVP_PKEY> key = TraceRsaKey();
        // The rebuilt key is the certificate's.
        const uint8_t *p = cert_.data();
        bssl::UniquePtr<X509> x(d2i_X509(nullptr, &p, (long)cert_.size()));
        EXPECT_NE(nullptr, x);
        bssl::UniquePtr<EVP_PKEY> cert_key(X509_get_pubkey(x.get()));
        EXPECT_EQ(1, EVP_PKEY_cmp(cert_key.get(), key.get()));
        // Through the API: PEM in, refused for its size.
        std::string key_pem = PrivateKeyPem(key.get(), true);
        bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
        EXPECT_TRUE(PEM_write_bio_X509(bio.get(), x.get()));
        const uint8_t *pem = nullptr;
        size_t pem_len = 0;
        EXPECT_TRUE(BIO_mem_contents(bio.get(), &pem, &pem_len));
        EXPECT_EQ(TLS_E_USAGE, tls_config_add_cert_pem(cfg_, (const char *)pem, pem_len,
                                                       key_pem.data(), key_pem.size()));
        EXPECT_NE(nullptr, strstr(tls_config_error(cfg_), "1024 bits"));
        // White-box: a valid chain, then the trace's certificate and key in its place.
        TestPki pki;
        Cert stand_in = pki.MakeSelfSignedLeaf({.dns = {"server"}, .key = KeyType::kRsa2048});
        EXPECT_TRUE(AddChain(cfg_, stand_in));
        tlsio_chain *c = &cfg_->chains[0];
        tlsio_pkey_free(c->key);
        c->key = reinterpret_cast<tlsio_pkey *>(key.release());
        CBS_init(&c->certs[0], cert_.data(), cert_.size());
        c->n_certs = 1;
        EXPECT_EQ(0, tls_config_set_rng(cfg_, ScriptedRng::Fill, rng));
    }
    ~TraceServerConfig() {
        tls_config_free(cfg_);
    }
    tls_config *get() {
        return cfg_;
    }

  private:
    Bytes cert_ = TraceCertDer();
    tls_config *cfg_ = nullptr;
};

// Opens the server's TLS 1.3 records with a traffic secret; returns the handshake bytes.
Bytes OpenAll(const std::vector<Record> &recs, const Bytes &secret) {
    tlsio_err err;
    tlsio_err_clear(&err);
    const tlsio_suite *suite = tlsio_suite_find(0x1301);
    tlsio_traffic_keys k;
    tlsio_rl_dir d;
    tlsio_rl_dir_init(&d);
    EXPECT_EQ(0, tlsio_traffic_keys_derive(suite->hash, suite->aead, secret.data(), &k, &err));
    EXPECT_EQ(0, tlsio_rl_set_tls13(&d, suite->aead, k.key, k.key_len, k.iv, &err));
    Bytes out;
    for (Record r : recs) {
        uint8_t type = 0, *pt = nullptr;
        size_t n = 0;
        EXPECT_EQ(0, tlsio_rl_open(&d, r.bytes.data(), r.bytes.size(), &type, &pt, &n, &err))
            << err.msg;
        EXPECT_EQ(TLSIO_CT_HANDSHAKE, type);
        if (pt) out.insert(out.end(), pt, pt + n);
    }
    tlsio_rl_dir_wipe(&d);
    return out;
}

// Splits concatenated handshake messages.
std::vector<Bytes> Messages(const Bytes &b) {
    std::vector<Bytes> out;
    size_t off = 0;
    while (b.size() - off >= 4) {
        size_t len = (size_t)b[off + 1] << 16 | (size_t)b[off + 2] << 8 | b[off + 3];
        if (b.size() - off < 4 + len) break;
        out.emplace_back(b.begin() + off, b.begin() + off + 4 + len);
        off += 4 + len;
    }
    EXPECT_EQ(off, b.size());
    return out;
}

std::string TranscriptHash(const std::vector<Bytes> &msgs) {
    tlsio_transcript t;
    tlsio_err err;
    tlsio_err_clear(&err);
    tlsio_transcript_init(&t);
    EXPECT_EQ(0, tlsio_transcript_set_hash(&t, TLSIO_SHA256, &err));
    for (const Bytes &m : msgs)
        tlsio_transcript_update(&t, m.data(), m.size());
    uint8_t out[TLSIO_MAX_HASH_LEN];
    size_t n = 0;
    EXPECT_EQ(0, tlsio_transcript_digest(&t, out, &n, &err));
    tlsio_transcript_wipe(&t);
    return ToHex(out, n);
}

// Seals handshake messages in one TLS 1.3 record (sequence number 0) under a traffic secret.
Bytes SealHandshake(const Bytes &msgs, const std::string &secret_hex) {
    const tlsio_suite *suite = tlsio_suite_find(0x1301);
    tlsio_traffic_keys k;
    tlsio_err err;
    tlsio_err_clear(&err);
    Bytes secret = Hex(secret_hex);
    EXPECT_EQ(0, tlsio_traffic_keys_derive(suite->hash, suite->aead, secret.data(), &k, &err));
    tlsio_rl_dir d;
    tlsio_rl_dir_init(&d);
    EXPECT_EQ(0, tlsio_rl_set_tls13(&d, suite->aead, k.key, k.key_len, k.iv, &err));
    tlsio_traffic_keys_wipe(&k);
    Bytes rec(TLSIO_RECORD_MAX_SEALED_LEN);
    memcpy(rec.data() + 5, msgs.data(), msgs.size());
    size_t n = 0;
    EXPECT_EQ(
        0, tlsio_rl_seal(&d, TLSIO_CT_HANDSHAKE, rec.data(), rec.size(), msgs.size(), 0, &n, &err));
    tlsio_rl_dir_wipe(&d);
    rec.resize(n);
    return rec;
}

Bytes VerifyData(const char *base_key_hex, const std::string &th_hex) {
    Bytes base = Hex(base_key_hex), th = Hex(th_hex), out(32);
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0,
              tlsio_finished_verify_data(TLSIO_SHA256, base.data(), th.data(), out.data(), &err));
    return out;
}

TEST(Rfc8448Server, SimpleHandshakeServerHelloAndSecrets) {
    ScriptedRng rng;
    rng.script = {Hex(kServerX25519Private), Hex(kServerRandom)};
    TraceServerConfig cfg(&rng);
    tls_engine *s = tls_engine_new_server(cfg.get());
    ASSERT_NE(nullptr, s);

    Bytes ch = Hex(kClientHello);
    ASSERT_EQ(0, Feed(s, PlainRecord(22, ch, 0x0301))) << tls_engine_error(s);
    EXPECT_EQ(0, rng.mismatches) << rng.Log();
    EXPECT_TRUE(rng.script.empty()) << "the engine drew less than the trace holds; " << rng.Log();

    std::vector<Record> recs = SplitRecords(Drain(s));
    // ServerHello (plaintext), then the encrypted flight. The trace's ClientHello has an empty
    // legacy_session_id, so no compatibility change_cipher_spec follows (RFC 8446 D.4).
    ASSERT_GE(recs.size(), 2u);
    Bytes sh = Hex(kServerHello);
    EXPECT_EQ(ToHex(PlainRecord(22, sh)), ToHex(recs[0].bytes));
    for (size_t i = 1; i < recs.size(); i++)
        EXPECT_EQ(23, recs[i].type);

    // White-box: the handshake secrets, alive until the client's Finished.
    ASSERT_NE(nullptr, s->hs);
    EXPECT_EQ(kCHsTraffic, ToHex(s->hs->h13.c_hs_secret, 32));
    EXPECT_EQ(kSHsTraffic, ToHex(s->hs->h13.s_hs_secret, 32));
    // The server flight is out, so the key schedule has moved on to the Master Secret.
    EXPECT_EQ(TLSIO_KS_MASTER, s->hs->h13.ks.stage);
    EXPECT_EQ(kMaster, ToHex(s->hs->h13.ks.secret, 32));
    EXPECT_STREQ("server", tls_engine_server_name(s));
    EXPECT_EQ(0x001d, tls_engine_group(s));
    EXPECT_EQ(0x1301, tls_engine_cipher_suite(s));

    // The encrypted flight opens with the trace's server handshake traffic keys.
    std::vector<Record> enc(recs.begin() + 1, recs.end());
    std::vector<Bytes> msgs = Messages(OpenAll(enc, Hex(kSHsTraffic)));
    ASSERT_EQ(4u, msgs.size());
    EXPECT_EQ(kOurEncryptedExtensions, ToHex(msgs[0]));
    // Certificate: the trace's own bytes (same certificate, no entry extensions).
    EXPECT_EQ(ToHex(Hex(kCertificate)), ToHex(msgs[1]));
    // CertificateVerify: rsa_pss_rsae_sha256 like the trace's, 128 signature bytes (randomized).
    ASSERT_EQ(4u + 4 + 128, msgs[2].size());
    EXPECT_EQ("0f000084"
              "0804"
              "0080",
              ToHex(Bytes(msgs[2].begin(), msgs[2].begin() + 8)));
    // Finished: HMAC over our transcript with the trace's server handshake secret.
    std::vector<Bytes> transcript = {ch, sh, msgs[0], msgs[1], msgs[2]};
    Bytes want = VerifyData(kSHsTraffic, TranscriptHash(transcript));
    EXPECT_EQ(ToHex(HsMsg(TLSIO_HS_FINISHED, want)), ToHex(msgs[3]));

    // The client's Finished, made from the trace's client handshake secret, completes it.
    transcript.push_back(msgs[3]);
    Bytes cfin = HsMsg(TLSIO_HS_FINISHED, VerifyData(kCHsTraffic, TranscriptHash(transcript)));
    EXPECT_EQ(0, Feed(s, SealHandshake(cfin, kCHsTraffic))) << tls_engine_error(s);
    EXPECT_TRUE(tls_engine_status(s) & TLS_ST_CONNECTED) << tls_engine_error(s);
    tls_engine_free(s);
}

TEST(Rfc8448Server, HelloRetryRequestMatchesTheTraceButTheCookie) {
    ScriptedRng rng; // a HelloRetryRequest draws nothing: its Random is fixed (RFC 8446 §4.1.3)
    TraceServerConfig cfg(&rng);
    // The trace's server wants secp256r1 while the client sent an x25519 share.
    ASSERT_EQ(0, tls_config_set_groups(cfg.get(), "secp256r1"));
    tls_engine *s = tls_engine_new_server(cfg.get());
    ASSERT_NE(nullptr, s);
    ASSERT_EQ(0, Feed(s, PlainRecord(22, Hex(kHrrClientHello1), 0x0301))) << tls_engine_error(s);
    EXPECT_TRUE(rng.asked.empty()) << rng.Log();
    std::vector<Record> recs = SplitRecords(Drain(s));
    ASSERT_EQ(1u, recs.size()); // empty legacy_session_id: no compatibility CCS

    Hello want;
    ASSERT_TRUE(want.Parse(Hex(kHelloRetryRequest)));
    // The trace's order is key_share, cookie, supported_versions; ours is the same minus the
    // cookie (RFC 8446 §4.2.2: only a server that wants one sends it).
    ASSERT_EQ(3u, want.exts.size());
    EXPECT_EQ(kExtCookie, want.exts[1].first);
    want.Remove(kExtCookie);
    Bytes hrr = want.Encode();
    EXPECT_EQ(ToHex(PlainRecord(22, hrr)), ToHex(recs[0].bytes));
    EXPECT_EQ(0x0017, tls_engine_group(s));

    // The trace's second ClientHello without its cookie: the cookie is the trace server's,
    // and ours asked for none, so a second hello carrying one would differ from the first
    // other than RFC 8446 §4.1.2 allows. With the trace's P-256 key and Random our
    // ServerHello is the trace's byte for byte.
    rng.script = {Hex(kHrrServerP256Private), Hex(kHrrServerRandom)};
    Hello second;
    ASSERT_TRUE(second.Parse(Hex(kHrrClientHello2)));
    ASSERT_NE(nullptr, second.Find(kExtCookie));
    second.Remove(kExtCookie);
    Bytes ch1 = Hex(kHrrClientHello1), ch2 = second.Encode(), sh = Hex(kHrrServerHello);
    ASSERT_EQ(0, Feed(s, PlainRecord(22, ch2))) << tls_engine_error(s);
    EXPECT_EQ(0, rng.mismatches) << rng.Log();
    EXPECT_TRUE(rng.script.empty()) << rng.Log();
    recs = SplitRecords(Drain(s));
    ASSERT_GE(recs.size(), 2u);
    EXPECT_EQ(ToHex(PlainRecord(22, sh)), ToHex(recs[0].bytes));
    ASSERT_NE(nullptr, s->hs);
    EXPECT_EQ(kHrrMasterSecret, ToHex(s->hs->h13.ks.secret, 32));

    // The handshake traffic secrets follow RFC 8446 §4.4.1 over OUR messages:
    // message_hash(ClientHello1), our HelloRetryRequest, ClientHello2, ServerHello.
    uint8_t ch1_hash[32];
    SHA256(ch1.data(), ch1.size(), ch1_hash);
    Bytes message_hash = HsMsg(TLSIO_HS_MESSAGE_HASH, Bytes(ch1_hash, ch1_hash + 32));
    Bytes th = Hex(TranscriptHash({message_hash, hrr, ch2, sh}));
    Bytes hs_secret = Hex(kHrrHandshakeSecret);
    uint8_t c_hs[32], s_hs[32];
    tlsio_err err;
    tlsio_err_clear(&err);
    ASSERT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, hs_secret.data(), "c hs traffic", th.data(),
                                     c_hs, &err));
    ASSERT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, hs_secret.data(), "s hs traffic", th.data(),
                                     s_hs, &err));
    EXPECT_EQ(ToHex(c_hs, 32), ToHex(s->hs->h13.c_hs_secret, 32));
    EXPECT_EQ(ToHex(s_hs, 32), ToHex(s->hs->h13.s_hs_secret, 32));
    tls_engine_free(s);
}

// ---- §4: resumption --------------------------------------------------------------------

int64_t ClockOf(void *arg) {
    return *static_cast<int64_t *>(arg);
}

// The trace's NewSessionTicket (§3): ticket_lifetime 30 s, ticket_age_add fad6aac5; the
// ClientHello (§4) reports fad6aacb, a ticket 6 ms old.
constexpr uint32_t kTraceLifetime = 30;
constexpr uint32_t kTraceAgeAdd = 0xfad6aac5;
constexpr uint32_t kTraceObfuscatedAge = 0xfad6aacb;
constexpr int64_t kNowMs = INT64_C(1700000000000);

// The state a ticket of the §3 session carries, issued at issued_ms, for the name "server".
tlsio_sess_state TraceSessionState(const Bytes &psk, int64_t issued_ms) {
    tlsio_sess_state st;
    memset(&st, 0, sizeof(st));
    st.format = TLSIO_SESS_FORMAT;
    st.version = TLS_VERSION_1_3;
    st.cipher_suite = 0x1301;
    CBS_init(&st.secret, psk.data(), psk.size());
    tlsio_sess_split((uint64_t)issued_ms, &st.time_hi, &st.time_lo);
    st.lifetime = kTraceLifetime;
    st.age_add = kTraceAgeAdd;
    st.ems = 1;
    static const char name[] = "server";
    CBS_init(&st.server_name, (const uint8_t *)name, sizeof(name) - 1);
    return st;
}

// pre_shared_key's ClientHello body (OfferedPsks) with one identity and one binder.
Bytes OfferedPsks(const Bytes &ticket, uint32_t obfuscated_age, const Bytes &binder) {
    Bytes b;
    size_t ids = 2 + ticket.size() + 4;
    b.push_back((uint8_t)(ids >> 8));
    b.push_back((uint8_t)ids);
    b.push_back((uint8_t)(ticket.size() >> 8));
    b.push_back((uint8_t)ticket.size());
    b.insert(b.end(), ticket.begin(), ticket.end());
    for (int shift = 24; shift >= 0; shift -= 8)
        b.push_back((uint8_t)(obfuscated_age >> shift));
    b.push_back(0);
    b.push_back((uint8_t)(1 + binder.size()));
    b.push_back((uint8_t)binder.size());
    b.insert(b.end(), binder.begin(), binder.end());
    return b;
}

// RFC 8446 §4.2.11.2: the binder of a ClientHello whose pre_shared_key (last) holds one 32-byte
// binder: over the message without its binders list (2 + 1 + 32 bytes).
Bytes BinderOf(const Bytes &ch, const Bytes &psk) {
    uint8_t th[32], binder[32];
    SHA256(ch.data(), ch.size() - (2 + 1 + 32), th);
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_psk_binder(TLSIO_SHA256, psk.data(), psk.size(), th, binder, &err));
    return Bytes(binder, binder + 32);
}

std::string Derived(const char *stage_secret_hex, const char *label, const std::string &th_hex) {
    Bytes secret = Hex(stage_secret_hex), th = Hex(th_hex);
    uint8_t out[32];
    tlsio_err err;
    tlsio_err_clear(&err);
    EXPECT_EQ(0, tlsio_derive_secret(TLSIO_SHA256, secret.data(), label, th.data(), out, &err));
    return ToHex(out, 32);
}

TEST(Rfc8448Server, ResumedClientHelloWithOurTicketGivesTheTraceServerHello) {
    ScriptedRng rng;
    TraceServerConfig cfg(&rng);
    int64_t now_ms = kNowMs;
    ASSERT_EQ(0, tls_config_set_clock(cfg.get(), ClockOf, &now_ms));
    Bytes key(TLS_TICKET_KEY_LEN, 0x4b); // a fixed ticket key: making one would draw randomness
    ASSERT_EQ(0, tls_config_set_ticket_keys(cfg.get(), key.data(), 1));

    // Our ticket for the trace's session: the trace's PSK, issued 6 ms ago with the trace's
    // ticket_age_add, so the trace's obfuscated_ticket_age is the right one for it.
    Bytes psk = Hex(kResPsk);
    tlsio_sess_state st = TraceSessionState(psk, now_ms - 6);
    tlsio_err err;
    tlsio_err_clear(&err);
    Bytes state(TLSIO_SESS_STATE_MAX);
    size_t state_len = 0;
    ASSERT_EQ(0, tlsio_sess_state_encode(&st, state.data(), state.size(), &state_len, &err))
        << err.msg;
    rng.script = {Bytes(12, 0x6e)}; // the ticket's AEAD nonce
    CBB cbb;
    ASSERT_TRUE(CBB_init(&cbb, 256));
    ASSERT_EQ(0, tlsio_ticket_seal(cfg.get(), state.data(), state_len, &cbb, &err)) << err.msg;
    Bytes ticket(CBB_data(&cbb), CBB_data(&cbb) + CBB_len(&cbb));
    CBB_cleanup(&cbb);

    // The trace's ClientHello with our ticket as its identity and the binder for that.
    Hello ch;
    ASSERT_TRUE(ch.Parse(Hex(kResClientHello)));
    ASSERT_EQ(kExtPreSharedKey, ch.exts.back().first);
    ASSERT_EQ(OfferedPsks(Hex(kTicket), kTraceObfuscatedAge, Hex(kResBinder)),
              ch.exts.back().second); // the trace's own, rebuilt: the edit below is only this
    ch.exts.back().second = OfferedPsks(ticket, kTraceObfuscatedAge, Bytes(32, 0));
    Bytes msg = ch.Encode();
    Bytes binder = BinderOf(msg, psk);
    memcpy(msg.data() + msg.size() - 32, binder.data(), 32);

    Bytes sh = Hex(kResServerHello);
    rng.script = {Hex(kResServerX25519Private), Bytes(sh.begin() + 6, sh.begin() + 38)};
    tls_engine *s = tls_engine_new_server(cfg.get());
    ASSERT_NE(nullptr, s);
    ASSERT_EQ(0, Feed(s, PlainRecord(22, msg, 0x0301))) << tls_engine_error(s);
    EXPECT_EQ(0, rng.mismatches) << rng.Log();
    EXPECT_TRUE(rng.script.empty()) << rng.Log();

    // The trace's ServerHello, byte for byte: pre_shared_key selecting identity 0, the
    // server's x25519 share, TLS 1.3.
    std::vector<Record> recs = SplitRecords(Drain(s));
    ASSERT_GE(recs.size(), 2u);
    EXPECT_EQ(ToHex(PlainRecord(22, sh)), ToHex(recs[0].bytes));
    EXPECT_EQ(1, tls_engine_resumed(s));

    // White-box: the Master Secret is the trace's; the handshake traffic secrets follow from
    // the trace's Handshake Secret over our transcript.
    ASSERT_NE(nullptr, s->hs);
    EXPECT_EQ(TLSIO_KS_MASTER, s->hs->h13.ks.stage);
    EXPECT_EQ(kResMasterSecret, ToHex(s->hs->h13.ks.secret, 32));
    std::string th_sh = TranscriptHash({msg, sh});
    std::string c_hs = Derived(kResHandshake, "c hs traffic", th_sh);
    std::string s_hs = Derived(kResHandshake, "s hs traffic", th_sh);
    EXPECT_EQ(c_hs, ToHex(s->hs->h13.c_hs_secret, 32));
    EXPECT_EQ(s_hs, ToHex(s->hs->h13.s_hs_secret, 32));

    // A resumed flight: EncryptedExtensions and Finished, no Certificate or CertificateVerify.
    // Our EncryptedExtensions acknowledges SNI and answers record_size_limit like §3's, and
    // has no early_data: the trace's 0-RTT offer is refused (RFC 8446 §4.2.10).
    std::vector<Record> enc(recs.begin() + 1, recs.end());
    std::vector<Bytes> msgs = Messages(OpenAll(enc, Hex(s_hs)));
    ASSERT_EQ(2u, msgs.size());
    EXPECT_EQ(kOurEncryptedExtensions, ToHex(msgs[0]));
    std::vector<Bytes> transcript = {msg, sh, msgs[0]};
    Bytes want = VerifyData(s_hs.c_str(), TranscriptHash(transcript));
    EXPECT_EQ(ToHex(HsMsg(TLSIO_HS_FINISHED, want)), ToHex(msgs[1]));

    // The client's Finished over ClientHello..server Finished (no EndOfEarlyData: our server
    // accepted no early data) completes the resumed handshake.
    transcript.push_back(msgs[1]);
    std::string th_sfin = TranscriptHash(transcript);
    Bytes cfin = HsMsg(TLSIO_HS_FINISHED, VerifyData(c_hs.c_str(), th_sfin));
    EXPECT_EQ(0, Feed(s, SealHandshake(cfin, c_hs))) << tls_engine_error(s);
    EXPECT_TRUE(tls_engine_status(s) & TLS_ST_CONNECTED) << tls_engine_error(s);
    EXPECT_EQ(1, tls_engine_resumed(s));
    EXPECT_EQ(Derived(kResMasterSecret, "s ap traffic", th_sfin), ToHex(s->s_ap_secret, 32));
    tls_engine_free(s);
}

TEST(Rfc8448Client, OffersTheTraceTicketAndReachesTheTraceSecrets) {
    // The client draws its Random, a compatibility session id, then its x25519 key.
    Bytes ch_trace = Hex(kResClientHello);
    Bytes random(ch_trace.begin() + 6, ch_trace.begin() + 38), sid(32, 0x5e);
    ScriptedRng rng;
    rng.script = {random, sid, Hex(kResClientX25519Private)};
    tls_config *cfg = tls_config_new();
    ASSERT_NE(nullptr, cfg);
    int64_t now_ms = kNowMs;
    ASSERT_EQ(0, tls_config_set_versions(cfg, TLS_VERSION_1_3, TLS_VERSION_1_3));
    ASSERT_EQ(0, tls_config_set_groups(cfg, "x25519"));
    ASSERT_EQ(0, tls_config_set_rng(cfg, ScriptedRng::Fill, &rng));
    ASSERT_EQ(0, tls_config_set_clock(cfg, ClockOf, &now_ms));

    // The session a client keeps from the §3 NewSessionTicket, received 6 ms ago.
    Bytes psk = Hex(kResPsk), trace_ticket = Hex(kTicket);
    tlsio_sess_state st = TraceSessionState(psk, now_ms - 6);
    CBS ticket_cbs;
    CBS_init(&ticket_cbs, trace_ticket.data(), trace_ticket.size());
    tlsio_err err;
    tlsio_err_clear(&err);
    tls_session *sess = tlsio_session_new(&st, &ticket_cbs, &err);
    ASSERT_NE(nullptr, sess) << err.msg;
    tls_engine *c = tls_engine_new_client_resume(cfg, "server", sess, nullptr);
    tls_session_free(sess);
    ASSERT_NE(nullptr, c);

    std::vector<Record> recs = SplitRecords(Drain(c));
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ(0, rng.mismatches) << rng.Log();
    EXPECT_TRUE(rng.script.empty()) << rng.Log();
    Bytes msg(recs[0].bytes.begin() + 5, recs[0].bytes.end());
    Hello ch;
    ASSERT_TRUE(ch.Parse(msg));
    EXPECT_EQ(nullptr, ch.Find(kExtEarlyData));
    // pre_shared_key last: the trace's identity (ticket and obfuscated_ticket_age) byte for
    // byte, and a binder that verifies over our own truncated ClientHello.
    ASSERT_EQ(kExtPreSharedKey, ch.exts.back().first);
    Bytes binder = BinderOf(msg, psk);
    EXPECT_EQ(ToHex(OfferedPsks(trace_ticket, kTraceObfuscatedAge, binder)),
              ToHex(ch.exts.back().second));
    // The trace's key share.
    Bytes *ks = ch.Find(51);
    ASSERT_NE(nullptr, ks);
    EXPECT_EQ("0024001d0020" + ToHex(Hex(kResClientX25519Public)), ToHex(*ks));

    // The trace's ServerHello, echoing our session id where the trace's client had none.
    Bytes sh_trace = Hex(kResServerHello);
    Hello sh;
    ASSERT_TRUE(sh.Parse(sh_trace));
    ASSERT_EQ(0, sh.prefix[34]); // the trace's empty legacy_session_id_echo
    sh.prefix[34] = 32;
    sh.prefix.insert(sh.prefix.begin() + 35, sid.begin(), sid.end());
    Bytes sh_msg = sh.Encode();
    ASSERT_EQ(0, Feed(c, PlainRecord(22, sh_msg))) << tls_engine_error(c);

    // White-box: the Handshake Secret is the trace's; the handshake traffic secrets follow from
    // it over our transcript.
    ASSERT_NE(nullptr, c->hs);
    EXPECT_EQ(1, c->hs->h13.psk_accepted);
    EXPECT_EQ(TLSIO_KS_HANDSHAKE, c->hs->h13.ks.stage);
    EXPECT_EQ(kResHandshake, ToHex(c->hs->h13.ks.secret, 32));
    std::string th_sh = TranscriptHash({msg, sh_msg});
    std::string c_hs = Derived(kResHandshake, "c hs traffic", th_sh);
    std::string s_hs = Derived(kResHandshake, "s hs traffic", th_sh);
    EXPECT_EQ(c_hs, ToHex(c->hs->h13.c_hs_secret, 32));
    EXPECT_EQ(s_hs, ToHex(c->hs->h13.s_hs_secret, 32));

    // The server's flight: the trace's EncryptedExtensions without early_data (our client
    // offered none), and a Finished over our transcript.
    Bytes ee = Hex(kResEncryptedExtensions);
    ASSERT_EQ("002a0000", ToHex(Bytes(ee.end() - 4, ee.end())));
    Bytes ee_body(ee.begin() + 4, ee.end() - 4); // extensions<..>: 2-byte length, then them
    ee_body[0] = 0;
    ee_body[1] = (uint8_t)(ee_body.size() - 2);
    ee = HsMsg(TLSIO_HS_ENCRYPTED_EXTENSIONS, ee_body);
    std::vector<Bytes> transcript = {msg, sh_msg, ee};
    Bytes sfin = HsMsg(TLSIO_HS_FINISHED, VerifyData(s_hs.c_str(), TranscriptHash(transcript)));
    Bytes flight = ee;
    flight.insert(flight.end(), sfin.begin(), sfin.end());
    ASSERT_EQ(0, Feed(c, SealHandshake(flight, s_hs))) << tls_engine_error(c);
    EXPECT_TRUE(tls_engine_status(c) & TLS_ST_CONNECTED) << tls_engine_error(c);
    EXPECT_EQ(1, tls_engine_resumed(c));

    // Its Finished (after the compatibility change_cipher_spec its session id asks for), and
    // its application and resumption secrets: from the trace's Master Secret.
    transcript.push_back(sfin);
    std::string th_sfin = TranscriptHash(transcript);
    std::vector<Record> sealed;
    for (const Record &r : SplitRecords(Drain(c)))
        if (r.type == TLSIO_CT_APPLICATION_DATA) sealed.push_back(r);
    std::vector<Bytes> out = Messages(OpenAll(sealed, Hex(c_hs)));
    ASSERT_EQ(1u, out.size());
    EXPECT_EQ(ToHex(HsMsg(TLSIO_HS_FINISHED, VerifyData(c_hs.c_str(), th_sfin))), ToHex(out[0]));
    EXPECT_EQ(Derived(kResMasterSecret, "c ap traffic", th_sfin), ToHex(c->c_ap_secret, 32));
    EXPECT_EQ(Derived(kResMasterSecret, "s ap traffic", th_sfin), ToHex(c->s_ap_secret, 32));
    transcript.push_back(out[0]);
    EXPECT_EQ(Derived(kResMasterSecret, "res master", TranscriptHash(transcript)),
              ToHex(c->res_master, 32));
    tls_engine_free(c);
    tls_config_free(cfg);
}

} // namespace
