// Client certificates on the client side: what a tlsio client answers to a CertificateRequest.
//
// TLS 1.2 (RFC 5246 §7.4.4, §7.4.6, §7.4.8): tlsio's server never asks for a client
// certificate, so a real tlsio server gives the first flight and the test inserts a
// hand-built CertificateRequest before ServerHelloDone. The test then plays the checking
// peer: the client's Certificate must carry its chain and its CertificateVerify must verify,
// with the client's public key, over every handshake message up to ClientKeyExchange.
//
// TLS 1.3 (RFC 8446 §4.3.2, §4.4.2): the CertificateRequest travels encrypted, so the test
// puts a client engine in WAIT_CERT_CR and dispatches a CertificateRequest to it.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "crypto_sig.h"
#include "engine.h"
#include "enginepair.h"
#include "hs_dispatch.h"
#include "msgs.h"
#include "suites.h"
#include "testpki.h"

using namespace tlsio_test;

namespace {

constexpr uint8_t kRsaSign = 1, kEcdsaSign = 64;

// Splits a run of handshake messages into whole messages (header + body).
std::vector<Bytes> SplitHs(const Bytes &in) {
    std::vector<Bytes> out;
    size_t at = 0;
    while (at + 4 <= in.size()) {
        size_t len = (size_t)in[at + 1] << 16 | (size_t)in[at + 2] << 8 | in[at + 3];
        if (at + 4 + len > in.size()) break;
        out.emplace_back(in.begin() + at, in.begin() + at + 4 + len);
        at += 4 + len;
    }
    return out;
}

// The plaintext handshake bytes of the records before the first ChangeCipherSpec.
Bytes PlainHandshake(const std::vector<Record> &recs) {
    Bytes out;
    for (const Record &r : recs) {
        if (r.type != 22) break;
        out.insert(out.end(), r.bytes.begin() + 5, r.bytes.end());
    }
    return out;
}

Bytes Cat(const std::vector<Bytes> &parts) {
    Bytes out;
    for (const Bytes &b : parts)
        out.insert(out.end(), b.begin(), b.end());
    return out;
}

Bytes U16s(const std::vector<uint16_t> &v) {
    Bytes out;
    for (uint16_t x : v) {
        out.push_back((uint8_t)(x >> 8));
        out.push_back((uint8_t)x);
    }
    return out;
}

Bytes CertificateRequest12(const Bytes &types, const std::vector<uint16_t> &sigalgs) {
    Bytes algs = U16s(sigalgs);
    tlsio_certificate_request12 cr;
    memset(&cr, 0, sizeof(cr));
    CBS_init(&cr.certificate_types, types.data(), types.size());
    CBS_init(&cr.supported_signature_algorithms, algs.data(), algs.size());
    CBS_init(&cr.certificate_authorities, nullptr, 0);
    return EncodeHs(TLSIO_HS_CERTIFICATE_REQUEST, &tlsio_codec_certificate_request12, &cr);
}

// A TLS 1.2 Certificate message body for the DER certificates given.
Bytes Certificate12(const std::vector<Bytes> &ders) {
    Bytes list;
    for (const Bytes &der : ders) {
        list.push_back((uint8_t)(der.size() >> 16));
        list.push_back((uint8_t)(der.size() >> 8));
        list.push_back((uint8_t)der.size());
        list.insert(list.end(), der.begin(), der.end());
    }
    Bytes body = {(uint8_t)(list.size() >> 16), (uint8_t)(list.size() >> 8), (uint8_t)list.size()};
    body.insert(body.end(), list.begin(), list.end());
    return HsMsg(TLSIO_HS_CERTIFICATE, body);
}

class ClientAuth : public EngineFixture {
  public:
    const Cert &server_leaf = leaf;
    tls_engine *client = nullptr, *server = nullptr;

    void SetUp() override {
        EngineFixture::SetUp();
        ASSERT_EQ(0, tls_config_set_versions(cfg.server, TLS_VERSION_1_2, TLS_VERSION_1_2));
    }
    void TearDown() override {
        tls_engine_free(client);
        tls_engine_free(server);
    }
    Cert ClientLeaf(KeyType k) {
        return pki.MakeLeaf(root, {.key = k, .cn = "client", .eku = Eku::kClientAuth});
    }
    void AddClientChain(const Cert &c) {
        ASSERT_TRUE(AddChain(cfg.client, c));
    }

    // What the client saw and sent in a TLS 1.2 handshake whose server asked for a
    // certificate with `cr` (inserted before ServerHelloDone).
    struct Run12 {
        Bytes seen;                // ClientHello .. ServerHelloDone, as the client hashed them
        std::vector<Bytes> flight; // the client's plaintext second flight, message by message
        std::vector<Record> records;
    };
    void Handshake12(const Bytes &cr, Run12 *r) {
        client = tls_engine_new_client(cfg.client, "example.com");
        server = tls_engine_new_server(cfg.server);
        ASSERT_NE(nullptr, client);
        ASSERT_NE(nullptr, server);
        tls_engine_set_time(client, pki.now());
        tls_engine_set_time(server, pki.now());
        Bytes ch = Drain(client);
        Feed(server, ch);
        std::vector<Record> s1 = SplitRecords(Drain(server));
        ASSERT_FALSE(s1.empty());
        std::vector<Bytes> msgs = SplitHs(PlainHandshake(s1));
        ASSERT_EQ(4u, msgs.size()); // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone
        ASSERT_EQ(TLSIO_HS_SERVER_HELLO_DONE, msgs.back()[0]);
        msgs.insert(msgs.end() - 1, cr);
        Bytes fed = Cat(msgs);
        r->seen = Bytes(ch.begin() + 5, ch.end());
        r->seen.insert(r->seen.end(), fed.begin(), fed.end());
        for (size_t at = 0; at < fed.size(); at += 16384) {
            size_t n = std::min<size_t>(16384, fed.size() - at);
            Feed(client, PlainRecord(22, Bytes(fed.begin() + at, fed.begin() + at + n)));
        }
        r->records = SplitRecords(Drain(client));
        r->flight = SplitHs(PlainHandshake(r->records));
    }

    // Verifies a CertificateVerify message the way the server would: with the public key of
    // `leaf` over `signed_msgs`. Returns the scheme it used.
    static ::testing::AssertionResult Verifies(const Bytes &cv_msg, const Cert &leaf,
                                               const Bytes &signed_msgs, uint16_t *scheme) {
        CBS body;
        CBS_init(&body, cv_msg.data() + 4, cv_msg.size() - 4);
        tlsio_certificate_verify cv;
        tlsio_err err;
        tlsio_err_clear(&err);
        if (tlsio_decode(&tlsio_codec_certificate_verify, &body, &cv, &err) != 0)
            return ::testing::AssertionFailure() << err.msg;
        *scheme = (uint16_t)cv.algorithm;
        tlsio_pkey *pub = nullptr;
        if (tlsio_pkey_from_cert_der(&pub, leaf.der().data(), leaf.der().size(), &err) != 0)
            return ::testing::AssertionFailure() << err.msg;
        int rc = tlsio_sig_verify(pub, *scheme, TLSIO_SIG_USE_TLS12, signed_msgs.data(),
                                  signed_msgs.size(), CBS_data(&cv.signature),
                                  CBS_len(&cv.signature), "client CertificateVerify", &err);
        tlsio_pkey_free(pub);
        if (rc != 0) return ::testing::AssertionFailure() << err.msg;
        return ::testing::AssertionSuccess();
    }
};

// ---- TLS 1.2: the certificate and a CertificateVerify that verifies -----------------------

struct SignCase {
    const char *name;
    KeyType key;
    std::vector<uint16_t> server_algs; // the CertificateRequest's, in the server's order
    uint16_t want;
};

class ClientAuth12Sign : public ClientAuth, public ::testing::WithParamInterface<SignCase> {};

TEST_P(ClientAuth12Sign, CertificateThenVerifiableCertificateVerify) {
    const SignCase &c = GetParam();
    Cert leaf = ClientLeaf(c.key);
    AddClientChain(leaf);
    Run12 r;
    Handshake12(CertificateRequest12({kRsaSign, kEcdsaSign}, c.server_algs), &r);
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    // RFC 5246 §7.3: Certificate, ClientKeyExchange, CertificateVerify, then CCS + Finished.
    ASSERT_EQ(3u, r.flight.size());
    EXPECT_EQ(TLSIO_HS_CERTIFICATE, r.flight[0][0]);
    EXPECT_EQ(TLSIO_HS_CLIENT_KEY_EXCHANGE, r.flight[1][0]);
    EXPECT_EQ(TLSIO_HS_CERTIFICATE_VERIFY, r.flight[2][0]);
    EXPECT_EQ(Certificate12(leaf.chain_der()), r.flight[0]);
    // RFC 5246 §7.4.8: handshake_messages from ClientHello through ClientKeyExchange.
    Bytes signed_msgs = Cat({r.seen, r.flight[0], r.flight[1]});
    uint16_t scheme = 0;
    EXPECT_TRUE(Verifies(r.flight[2], leaf, signed_msgs, &scheme));
    EXPECT_EQ(c.want, scheme) << tlsio_sig_scheme_name(scheme);
    // The check has teeth: one byte of the transcript different and it fails.
    signed_msgs[10] ^= 1;
    EXPECT_FALSE(Verifies(r.flight[2], leaf, signed_msgs, &scheme));
    // Then ChangeCipherSpec and the (protected) Finished.
    size_t n = r.records.size();
    ASSERT_GE(n, 3u);
    EXPECT_EQ(PlainRecord(20, {1}), r.records[n - 2].bytes);
    EXPECT_EQ(22, r.records[n - 1].type);
}

const SignCase kSignCases[] = {
    // The server's first scheme that fits the key wins; TLS 1.2 ECDSA names only the hash.
    {"EcdsaP256", KeyType::kEcdsaP256, {0x0807, 0x0403, 0x0804}, 0x0403},
    {"EcdsaP384Sha256", KeyType::kEcdsaP384, {0x0804, 0x0403}, 0x0403},
    {"EcdsaSha512", KeyType::kEcdsaP256, {0x0603}, 0x0603},
    {"RsaPss", KeyType::kRsa2048, {0x0807, 0x0403, 0x0804, 0x0401}, 0x0804},
    // A hash other than the suite's PRF hash (SHA-256): the messages themselves are signed.
    {"RsaPkcs1Sha512", KeyType::kRsa2048, {0x0601}, 0x0601},
    {"RsaPkcs1Sha384AfterSha1", KeyType::kRsa2048, {0x0201, 0x0203, 0x2a01, 0x0501}, 0x0501},
    // Ed25519 has no prehash (RFC 8422 §5.10): only the kept messages can serve.
    {"Ed25519", KeyType::kEd25519, {0x0403, 0x0807}, 0x0807},
};

INSTANTIATE_TEST_SUITE_P(Schemes, ClientAuth12Sign, ::testing::ValuesIn(kSignCases),
                         [](const ::testing::TestParamInfo<SignCase> &i) {
                             return std::string(i.param.name);
                         });

// ---- TLS 1.2: which credential ----------------------------------------------------------

TEST_F(ClientAuth, Tls12CertificateTypesPickTheChain) {
    Cert rsa = ClientLeaf(KeyType::kRsa2048), ecdsa = ClientLeaf(KeyType::kEcdsaP256);
    AddClientChain(rsa); // first, but the server asks for ecdsa_sign only
    AddClientChain(ecdsa);
    Run12 r;
    Handshake12(CertificateRequest12({kEcdsaSign}, {0x0804, 0x0403}), &r);
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    ASSERT_EQ(3u, r.flight.size());
    EXPECT_EQ(Certificate12(ecdsa.chain_der()), r.flight[0]);
    uint16_t scheme = 0;
    EXPECT_TRUE(Verifies(r.flight[2], ecdsa, Cat({r.seen, r.flight[0], r.flight[1]}), &scheme));
    EXPECT_EQ(0x0403, scheme);
}

TEST_F(ClientAuth, Tls12SignatureAlgorithmsPickTheChain) {
    Cert rsa = ClientLeaf(KeyType::kRsa2048), ecdsa = ClientLeaf(KeyType::kEcdsaP256);
    AddClientChain(rsa); // first, but the server verifies only ECDSA
    AddClientChain(ecdsa);
    Run12 r;
    Handshake12(CertificateRequest12({kRsaSign, kEcdsaSign}, {0x0503}), &r);
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    ASSERT_EQ(3u, r.flight.size());
    EXPECT_EQ(Certificate12(ecdsa.chain_der()), r.flight[0]);
    uint16_t scheme = 0;
    EXPECT_TRUE(Verifies(r.flight[2], ecdsa, Cat({r.seen, r.flight[0], r.flight[1]}), &scheme));
    EXPECT_EQ(0x0503, scheme);
}

// RFC 5246 §7.4.1.4.1 / §7.4.8: the same rule in TLS 1.2; the server's order would pick
// rsa_pkcs1_sha256, ours picks rsa_pss_rsae_sha256. (ECDSA stays listed: the server's
// certificate signs its ServerKeyExchange with it.)
TEST_F(ClientAuth, Tls12ConfiguredListOrdersTheSchemeWeSignWith) {
    Cert leaf = ClientLeaf(KeyType::kRsa2048);
    AddClientChain(leaf);
    ASSERT_EQ(0, tls_config_set_signature_schemes(
                     cfg.client, "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256:rsa_pkcs1_sha256"));
    Run12 r;
    Handshake12(CertificateRequest12({kRsaSign, kEcdsaSign}, {0x0401, 0x0403, 0x0804}), &r);
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    ASSERT_EQ(3u, r.flight.size());
    uint16_t scheme = 0;
    EXPECT_TRUE(Verifies(r.flight[2], leaf, Cat({r.seen, r.flight[0], r.flight[1]}), &scheme));
    EXPECT_EQ(0x0804, scheme);
    EXPECT_EQ(0x0403, tls_engine_peer_signature_scheme(client)); // the server's SKE
}

// RFC 5246 §7.4.6: no certificate configured -> an empty Certificate, no CertificateVerify.
TEST_F(ClientAuth, Tls12NoCertificateConfiguredSendsAnEmptyCertificate) {
    Run12 r;
    Handshake12(CertificateRequest12({kRsaSign, kEcdsaSign}, {0x0403}), &r);
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    ASSERT_EQ(2u, r.flight.size());
    EXPECT_EQ(HsMsg(TLSIO_HS_CERTIFICATE, {0, 0, 0}), r.flight[0]);
    EXPECT_EQ(TLSIO_HS_CLIENT_KEY_EXCHANGE, r.flight[1][0]);
}

// A server that requires a certificate refuses the empty one with an alert (RFC 5246 §7.4.6:
// handshake_failure; GnuTLS sends decode_error): the sentence says what is missing.
TEST_F(ClientAuth, Tls12RefusedEmptyCertificateIsExplained) {
    for (uint8_t alert : {TLS_ALERT_HANDSHAKE_FAILURE, TLS_ALERT_DECODE_ERROR}) {
        Run12 r;
        Handshake12(CertificateRequest12({kRsaSign, kEcdsaSign}, {0x0403}), &r);
        ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
        Feed(client, PlainRecord(21, {2, alert}));
        EXPECT_TRUE(FailedWith(client, alert, TLS_ERRCAT_PEER_ALERT,
                               "the server asked for a client certificate and none is "
                               "configured (tls_config_add_cert_file)"));
        tls_engine_free(client);
        tls_engine_free(server);
        client = server = nullptr;
    }
}

// Without a CertificateRequest the client's flight is unchanged, certificate or not.
TEST_F(ClientAuth, Tls12NoRequestNoCertificate) {
    AddClientChain(ClientLeaf(KeyType::kEcdsaP256));
    EnginePair p(cfg.client, cfg.server, "example.com", pki.now());
    HsObserver obs;
    obs.Attach(p.client);
    p.Handshake();
    ASSERT_TRUE(p.Connected()) << tls_engine_error(p.client) << tls_engine_error(p.server);
    EXPECT_EQ(0, obs.Count(TLSIO_HS_CERTIFICATE));
    EXPECT_EQ(0, obs.Count(TLSIO_HS_CERTIFICATE_VERIFY));
}

// ---- TLS 1.2: nothing fits -> handshake_failure ------------------------------------------

void ExpectPlainAlert(const Bytes &wire, uint8_t code) {
    std::vector<Record> recs = SplitRecords(wire);
    ASSERT_FALSE(recs.empty());
    EXPECT_EQ(PlainRecord(21, {2, code}), recs.back().bytes);
}

TEST_F(ClientAuth, Tls12NoFittingSchemeIsHandshakeFailure) {
    AddClientChain(ClientLeaf(KeyType::kEcdsaP256));
    Run12 r;
    Handshake12(CertificateRequest12({kRsaSign, kEcdsaSign}, {0x0401, 0x0203, 0x2a01}), &r);
    EXPECT_TRUE(
        FailedWith(client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                   "CertificateRequest.supported_signature_algorithms: the server "
                   "accepts rsa_pkcs1_sha256, ecdsa_sha1 (and 1 unknown); our ECDSA P-256 key "
                   "can sign with none of them in TLS 1.2"));
    EXPECT_TRUE(r.flight.empty());
    ASSERT_EQ(1u, r.records.size());
    ExpectPlainAlert(r.records[0].bytes, TLS_ALERT_HANDSHAKE_FAILURE);
}

TEST_F(ClientAuth, Tls12NoFittingCertificateTypeIsHandshakeFailure) {
    AddClientChain(ClientLeaf(KeyType::kRsa2048));
    Run12 r;
    Handshake12(CertificateRequest12({kEcdsaSign, 66}, {0x0403, 0x0804}), &r);
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "CertificateRequest.certificate_types: the server accepts ecdsa_sign, "
                           "ecdsa_fixed_ecdh; our RSA-2048 key fits none of them"));
    ASSERT_EQ(1u, r.records.size());
    ExpectPlainAlert(r.records[0].bytes, TLS_ALERT_HANDSHAKE_FAILURE);
}

TEST_F(ClientAuth, Tls12SeveralKeysNoneFitsNamesThemAll) {
    AddClientChain(ClientLeaf(KeyType::kRsa2048));
    AddClientChain(ClientLeaf(KeyType::kEd25519));
    Run12 r;
    Handshake12(CertificateRequest12({kRsaSign, kEcdsaSign}, {0x0403}), &r);
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "the server accepts ecdsa_secp256r1_sha256; our RSA-2048 and Ed25519 "
                           "keys can sign with none of them in TLS 1.2"));
}

// ---- TLS 1.3: a CertificateRequest dispatched in WAIT_CERT_CR -----------------------------

class ClientAuth13 : public ClientAuth {
  public:
    // A client engine moved to WAIT_CERT_CR as if ServerHello and EncryptedExtensions had
    // been taken, then given a CertificateRequest with these signature_algorithms.
    int Dispatch(const std::vector<uint16_t> &sigalgs) {
        client = tls_engine_new_client(cfg.client, "example.com");
        EXPECT_NE(nullptr, client);
        if (client == nullptr) return -1;
        tls_engine_set_time(client, pki.now());
        Drain(client);
        const tlsio_hs_table *t = client->table;
        int st = -1;
        for (uint8_t i = 0; i < t->n_states; i++)
            if (std::string(t->state_names[i]) == "WAIT_CERT_CR") st = i;
        EXPECT_GE(st, 0);
        client->state = (uint8_t)st;
        client->version = TLS_VERSION_1_3;
        client->suite = tlsio_suite_find(0x1301);
        tlsio_err err;
        tlsio_err_clear(&err);
        EXPECT_EQ(0, tlsio_transcript_set_hash(&client->hs->transcript, TLSIO_SHA256, &err));
        Bytes algs = U16s(sigalgs);
        tlsio_certificate_request13 cr;
        memset(&cr, 0, sizeof(cr));
        CBS_init(&cr.certificate_request_context, nullptr, 0);
        CBS_init(&cr.extensions.signature_algorithms, algs.data(), algs.size());
        EXPECT_EQ(0, tlsio_exts_push(&cr.extensions, TLSIO_EXT_SIGNATURE_ALGORITHMS, &err));
        raw = EncodeHs(TLSIO_HS_CERTIFICATE_REQUEST, &tlsio_codec_certificate_request13, &cr);
        tlsio_hs_msg m;
        m.type = TLSIO_HS_CERTIFICATE_REQUEST;
        m.raw = raw.data();
        m.raw_len = raw.size();
        m.body = raw.data() + 4;
        m.len = raw.size() - 4;
        return tlsio_dispatch(client, &m);
    }
    Bytes raw;
};

TEST_F(ClientAuth13, FittingSchemeIsChosen) {
    Cert rsa = ClientLeaf(KeyType::kRsa2048), ecdsa = ClientLeaf(KeyType::kEcdsaP384);
    AddClientChain(rsa);
    AddClientChain(ecdsa);
    // The RSA chain comes first, but rsa_pkcs1_* is no TLS 1.3 CertificateVerify scheme;
    // ecdsa_secp256r1_sha256 names the wrong curve for P-384, ecdsa_secp384r1_sha384 fits.
    ASSERT_EQ(0, Dispatch({0x0401, 0x0403, 0x0503}));
    EXPECT_EQ(&client->cfg->chains[1], client->hs->chain);
    EXPECT_EQ(0x0503, client->hs->sig_scheme);
}

TEST_F(ClientAuth13, NoFittingSchemeIsHandshakeFailure) {
    AddClientChain(ClientLeaf(KeyType::kRsa2048));
    // RSA in TLS 1.3 signs only with rsa_pss_* (RFC 8446 §4.2.3); SHA-1 never.
    EXPECT_EQ(TLS_ALERT_HANDSHAKE_FAILURE, Dispatch({0x0201, 0x0401, 0x0501, 0x0601}));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "CertificateRequest.signature_algorithms: the server accepts "
                           "rsa_pkcs1_sha1, rsa_pkcs1_sha256, rsa_pkcs1_sha384, rsa_pkcs1_sha512; "
                           "our RSA-2048 key can sign with none of them in TLS 1.3"));
    EXPECT_TRUE(tls_engine_status(client) & TLS_ST_HAS_SEND); // the alert is queued
}

TEST_F(ClientAuth13, EcdsaSha1IsNoScheme) {
    AddClientChain(ClientLeaf(KeyType::kEcdsaP256));
    EXPECT_EQ(TLS_ALERT_HANDSHAKE_FAILURE, Dispatch({0x2a01, 0x0203, 0xff01}));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "the server accepts ecdsa_sha1 (and 2 unknown); our ECDSA P-256 key "
                           "can sign with none of them in TLS 1.3"));
}

// RFC 8446 §4.2.3 leaves the choice among the server's schemes to the signer: with
// tls_config_set_signature_schemes the client signs with the first of its own list that the
// server accepts (without it, the server's order decides: FittingSchemeIsChosen).
TEST_F(ClientAuth13, ConfiguredListOrdersTheSchemeWeSignWith) {
    AddClientChain(ClientLeaf(KeyType::kRsa2048));
    ASSERT_EQ(0, tls_config_set_signature_schemes(
                     cfg.client, "rsa_pkcs1_sha256:rsa_pss_rsae_sha512:rsa_pss_rsae_sha256"));
    // rsa_pkcs1_sha256 is no TLS 1.3 CertificateVerify scheme; rsa_pss_rsae_sha512 is next.
    ASSERT_EQ(0, Dispatch({0x0804, 0x0401, 0x0806})) << tls_engine_error(client);
    EXPECT_EQ(0x0806, client->hs->sig_scheme);
}

TEST_F(ClientAuth13, ConfiguredListLimitsTheSchemesWeSignWith) {
    AddClientChain(ClientLeaf(KeyType::kRsa2048));
    ASSERT_EQ(0, tls_config_set_signature_schemes(cfg.client, "rsa_pss_rsae_sha384:ed25519"));
    EXPECT_EQ(TLS_ALERT_HANDSHAKE_FAILURE, Dispatch({0x0804, 0x0806}));
    EXPECT_TRUE(FailedWith(client, TLS_ALERT_HANDSHAKE_FAILURE, TLS_ERRCAT_PROTOCOL,
                           "CertificateRequest.signature_algorithms: the server accepts "
                           "rsa_pss_rsae_sha256, rsa_pss_rsae_sha512; our RSA-2048 key can sign "
                           "with none of them in TLS 1.3 within our configured signature "
                           "schemes"));
}

// RFC 8446 §4.4.2.3: with no certificate configured the answer is an empty Certificate.
TEST_F(ClientAuth13, NoCertificateConfiguredIsFine) {
    ASSERT_EQ(0, Dispatch({0x0201})) << tls_engine_error(client);
    EXPECT_EQ(nullptr, client->hs->chain);
    EXPECT_EQ(1, client->hs->cert_requested);
}

// A TLS 1.3 handshake keeps no copy of the messages for a TLS 1.2 CertificateVerify.
TEST_F(ClientAuth13, Tls13DropsTheKeptMessages) {
    AddClientChain(ClientLeaf(KeyType::kEcdsaP256));
    ASSERT_EQ(0, tls_config_set_versions(cfg.server, TLS_VERSION_1_2, TLS_VERSION_1_3));
    client = tls_engine_new_client(cfg.client, "example.com");
    server = tls_engine_new_server(cfg.server);
    tls_engine_set_time(client, pki.now());
    tls_engine_set_time(server, pki.now());
    EXPECT_EQ(1, client->hs->h12.keep_msgs);
    EXPECT_NE(0u, client->hs->h12.msgs_len); // the ClientHello
    Feed(server, Drain(client));
    Feed(client, Drain(server));
    ASSERT_FALSE(tls_engine_status(client) & TLS_ST_FAILED) << tls_engine_error(client);
    EXPECT_EQ(TLS_VERSION_1_3, tls_engine_version(client));
    if (client->hs != nullptr) {
        EXPECT_EQ(0, client->hs->h12.keep_msgs);
        EXPECT_EQ(nullptr, client->hs->h12.msgs);
    }
}

} // namespace
