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
// The hex below is copied from RFC 8448 (as in keysched_test.cc and msgs_test.cc).
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
#include "testpki.h"
#include "transcript.h"

using namespace tlsio_test;

namespace {

// ---- RFC 8448 §2: the server's RSA key -------------------------------------------------

const char kRsaN[] = R"(
    b4 bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26 d3 90 1a 24
    61 ea fd 2d e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09
    98 e1 87 a8 0e e0 cc b0 52 4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46
    74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93 ef f0 ab 9a 80 02 c4
    74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f)";
const char kRsaE[] = "01 00 01";
const char kRsaD[] = R"(
    04 de a7 05 d4 3a 6e a7 20 9d d8 07 21 11 a8 3c 81 e3 22 a5 92 78 b3 34 80 64 1e af 7c
    0a 69 85 b8 e3 1c 44 f6 de 62 e1 b4 c2 30 9f 61 26 e7 7b 7c 41 e9 23 31 4b bf a3 88 13
    05 dc 12 17 f1 6c 81 9c e5 38 e9 22 f3 69 82 8d 0e 57 19 5d 8c 84 88 46 02 07 b2 fa a7
    26 bc f7 08 bb d7 db 7f 67 9f 89 34 92 fc 2a 62 2e 08 97 0a ac 44 1c e4 e0 c3 08 8d f2
    5a e6 79 23 3d f8 a3 bd a2 ff 99 41)";
const char kRsaP[] = R"(
    e4 35 fb 7c c8 37 37 75 6d ac ea 96 ab 7f 59 a2 cc 10 69 db 7d eb 19 0e 17 e3 3a 53 2b
    27 3f 30 a3 27 aa 0a aa bc 58 cd 67 46 6a f9 84 5f ad c6 75 fe 09 4a f9 2c 4b d1 f2 c1
    bc 33 dd 2e 05 15)";
const char kRsaQ[] = R"(
    ca bd 3b c0 e0 43 86 64 c8 d4 cc 9f 99 97 7a 94 d9 bb fe ad 8e 43 87 0a ba e3 f7 eb 8b
    4e 0e ee 8a f1 d9 b4 71 9b a6 19 6c f2 cb ba ee eb f8 b3 49 0a fe 9e 9f fa 74 a8 8a a5
    1f c6 45 62 93 03)";

// ---- RFC 8448 §3 -----------------------------------------------------------------------

const char kClientHello[] = R"(
    01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12
    ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b
    00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18
    00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38
    1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a
    af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08
    06 04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40
    01)";

const char kServerHello[] = R"(
    02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14
    34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76
    11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f
    00 2b 00 02 03 04)";

// "server: create an ephemeral x25519 key pair": the private key.
const char kServerX25519Private[] = "b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c c8 10 e9 98 "
                                    "01 91 ec 8d 05 83 08 ce a2 16 a2 1e";
// The server's Random, as it appears in the ServerHello above.
const char kServerRandom[] = "a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 "
                             "da c1 55 77 2e d3 e2 69 28";

const char kCertificate[] = R"(
    0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30
    0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72
    73 61 30 1e 17 0d 31 36 30 37 33 30 30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30
    31 32 33 35 39 5a 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 81 9f 30 0d 06
    09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4 bb 49 8f 82
    79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d
    e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87
    a8 0e e0 cc b0 52 4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74 80
    30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93 ef f0 ab 9a 80 02 c4 74
    28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03 01 00 01 a3 1a 30 18 30 09 06 03 55 1d 13 04
    02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d 01 01
    0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a 72 67 17 06 18 a5 4c 5f
    8a 7b 33 7d 2d f7 a5 94 36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5
    5b 80 f2 1a 03 01 51 56 72 60 96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1
    fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb 2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59
    40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4 2b 4d e1 00 00)";

const char kCHsTraffic[] = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
const char kSHsTraffic[] = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";

// ---- RFC 8448 §5 -----------------------------------------------------------------------

const char kHrrClientHello1[] = R"(
    01 00 00 b0 03 03 b0 b1 c5 a5 aa 37 c5 91 9f 2e d1 d5 c6 ff f7 fc b7 84 97 16 94 5a
    2b 8c ee 92 58 a3 46 67 7b 6f 00 00 06 13 01 13 03 13 02 01 00 00 81 00 00 00 0b 00
    09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 08 00 06 00 1d 00 17 00 18 00
    33 00 26 00 24 00 1d 00 20 e8 e8 e3 f3 b9 3a 25 ed 97 a1 4a 7d ca cb 8a 27 2c 62 88
    e5 85 c6 48 4d 05 26 2f ca d0 62 ad 1f 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03
    05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02
    00 2d 00 02 01 01 00 1c 00 02 40 01)";

const char kHelloRetryRequest[] = R"(
    02 00 00 ac 03 03 cf 21 ad 74 e5 9a 61 11 be 1d 8c 02 1e 65 b8 91 c2 a2 11 16 7a bb
    8c 5e 07 9e 09 e2 c8 a8 33 9c 00 13 01 00 00 84 00 33 00 02 00 17 00 2c 00 74 00 72
    71 dc d0 4b b8 8b c3 18 91 19 39 8a 00 00 00 00 ee fa fc 76 c1 46 b8 23 b0 96 f8 aa
    ca d3 65 dd 00 30 95 3f 4e df 62 56 36 e5 f2 1b b2 e2 3f cc 65 4b 1b 5b 40 31 8d 10
    d1 37 ab cb b8 75 74 e3 6e 8a 1f 02 5f 7d fa 5d 6e 50 78 1b 5e da 4a a1 5b 0c 8b e7
    78 25 7d 16 aa 30 30 e9 e7 84 1d d9 e4 c0 34 22 67 e8 ca 0c af 57 1f b2 b7 cf f0 f9
    34 b0 00 2b 00 02 03 04)";

// The second ClientHello (it echoes the trace's cookie and adds padding).
const char kHrrClientHello2[] = R"(
    01 00 01 fc 03 03 b0 b1 c5 a5 aa 37 c5 91 9f 2e d1 d5 c6 ff f7 fc b7 84 97 16 94 5a
    2b 8c ee 92 58 a3 46 67 7b 6f 00 00 06 13 01 13 03 13 02 01 00 01 cd 00 00 00 0b 00
    09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 08 00 06 00 1d 00 17 00 18 00
    33 00 47 00 45 00 17 00 41 04 a6 da 73 92 ec 59 1e 17 ab fd 53 59 64 b9 98 94 d1 3b
    ef b2 21 b3 de f2 eb e3 83 0e ac 8f 01 51 81 26 77 c4 d6 d2 23 7e 85 cf 01 d6 91 0c
    fb 83 95 4e 76 ba 73 52 83 05 34 15 98 97 e8 06 57 80 00 2b 00 03 02 03 04 00 0d 00
    20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05
    02 06 02 02 02 00 2c 00 74 00 72 71 dc d0 4b b8 8b c3 18 91 19 39 8a 00 00 00 00 ee
    fa fc 76 c1 46 b8 23 b0 96 f8 aa ca d3 65 dd 00 30 95 3f 4e df 62 56 36 e5 f2 1b b2
    e2 3f cc 65 4b 1b 5b 40 31 8d 10 d1 37 ab cb b8 75 74 e3 6e 8a 1f 02 5f 7d fa 5d 6e
    50 78 1b 5e da 4a a1 5b 0c 8b e7 78 25 7d 16 aa 30 30 e9 e7 84 1d d9 e4 c0 34 22 67
    e8 ca 0c af 57 1f b2 b7 cf f0 f9 34 b0 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00
    af 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00)";

// "server: create an ephemeral secp256r1 key pair": the private key, and the Random.
const char kHrrServerP256Private[] = "8c 51 06 01 f9 76 5b fb 8e d6 93 44 9a 48 98 98 59 b5 cf a8 "
                                     "79 cb 9f 54 43 c4 1c 5f f1 06 34 ed";
const char kHrrServerRandom[] = "bb 34 1d 84 7f d7 89 c4 7c 38 71 72 dc 0c 9b f1 47 fc ca cb 50 43 "
                                "d8 6c a4 c5 98 d3 ff 57 1b 98";

const char kHrrServerHello[] = R"(
    02 00 00 77 03 03 bb 34 1d 84 7f d7 89 c4 7c 38 71 72 dc 0c 9b f1 47 fc ca cb 50 43
    d8 6c a4 c5 98 d3 ff 57 1b 98 00 13 01 00 00 4f 00 33 00 45 00 17 00 41 04 58 3e 05
    4b 7a 66 67 2a e0 20 ad 9d 26 86 fc c8 5b 5a d4 1a 13 4a 0f 03 ee 72 b8 93 05 2b d8
    5b 4c 8d e6 77 6f 5b 04 ac 07 d8 35 40 ea b3 e3 d9 c5 47 bc 65 28 c4 31 7d 29 46 86
    09 3a 6c ad 7d 00 2b 00 02 03 04)";

// The key schedule's stage secrets. They depend on the (EC)DHE secret, not on the transcript,
// so ours must be the trace's even where our messages differ from it.
const char kHrrHandshakeSecret[] =
    "ce022e5e6e81e50736d773f2d3adfce8220d049bf510f0dbfac927ef4243b148";
const char kHrrMasterSecret[] = "1131545d0baf79ddce9b87f06945781a57dd18ef378dcd2060f8f9a569027ed8";
const char kMasterSecret[] = "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919";

constexpr uint16_t kExtCookie = 44;

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
    EXPECT_EQ(kCHsTraffic, ToHex(s->hs->c_hs_secret, 32));
    EXPECT_EQ(kSHsTraffic, ToHex(s->hs->s_hs_secret, 32));
    // The server flight is out, so the key schedule has moved on to the Master Secret.
    EXPECT_EQ(TLSIO_KS_MASTER, s->hs->ks.stage);
    EXPECT_EQ(kMasterSecret, ToHex(s->hs->ks.secret, 32));
    EXPECT_STREQ("server", tls_engine_server_name(s));
    EXPECT_EQ(0x001d, tls_engine_group(s));
    EXPECT_EQ(0x1301, tls_engine_cipher_suite(s));

    // The encrypted flight opens with the trace's server handshake traffic keys.
    std::vector<Record> enc(recs.begin() + 1, recs.end());
    std::vector<Bytes> msgs = Messages(OpenAll(enc, Hex(kSHsTraffic)));
    ASSERT_EQ(4u, msgs.size());
    // EncryptedExtensions: the empty server_name (RFC 6066 §3) acknowledging SNI, then our
    // answer to the trace's record_size_limit (RFC 8449 §4): 2^14 + 1, as the trace's server.
    EXPECT_EQ("0800000c"
              "000a"
              "00000000"
              "001c00024001",
              ToHex(msgs[0]));
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
    const tlsio_suite *suite = tlsio_suite_find(0x1301);
    tlsio_traffic_keys k;
    tlsio_err err;
    tlsio_err_clear(&err);
    Bytes chs = Hex(kCHsTraffic);
    ASSERT_EQ(0, tlsio_traffic_keys_derive(suite->hash, suite->aead, chs.data(), &k, &err));
    tlsio_rl_dir d;
    tlsio_rl_dir_init(&d);
    ASSERT_EQ(0, tlsio_rl_set_tls13(&d, suite->aead, k.key, k.key_len, k.iv, &err));
    Bytes rec(TLSIO_RECORD_MAX_SEALED_LEN);
    memcpy(rec.data() + 5, cfin.data(), cfin.size());
    size_t n = 0;
    ASSERT_EQ(
        0, tlsio_rl_seal(&d, TLSIO_CT_HANDSHAKE, rec.data(), rec.size(), cfin.size(), 0, &n, &err));
    rec.resize(n);
    tlsio_rl_dir_wipe(&d);
    EXPECT_EQ(0, Feed(s, rec)) << tls_engine_error(s);
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

    // The trace's second ClientHello (its cookie is the trace server's; ours asked for none
    // and does not look at it). With the trace's P-256 key and Random our ServerHello is the
    // trace's byte for byte.
    rng.script = {Hex(kHrrServerP256Private), Hex(kHrrServerRandom)};
    Bytes ch1 = Hex(kHrrClientHello1), ch2 = Hex(kHrrClientHello2), sh = Hex(kHrrServerHello);
    ASSERT_EQ(0, Feed(s, PlainRecord(22, ch2))) << tls_engine_error(s);
    EXPECT_EQ(0, rng.mismatches) << rng.Log();
    EXPECT_TRUE(rng.script.empty()) << rng.Log();
    recs = SplitRecords(Drain(s));
    ASSERT_GE(recs.size(), 2u);
    EXPECT_EQ(ToHex(PlainRecord(22, sh)), ToHex(recs[0].bytes));
    ASSERT_NE(nullptr, s->hs);
    EXPECT_EQ(kHrrMasterSecret, ToHex(s->hs->ks.secret, 32));

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
    EXPECT_EQ(ToHex(c_hs, 32), ToHex(s->hs->c_hs_secret, 32));
    EXPECT_EQ(ToHex(s_hs, 32), ToHex(s->hs->s_hs_secret, 32));
    tls_engine_free(s);
}

} // namespace
