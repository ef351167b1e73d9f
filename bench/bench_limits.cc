// The ceilings: what libcrypto alone (BoringSSL's, the one tlsio uses) can do.
//  - AEAD seal + open in place, MB/s of plaintext, for 16 KiB and 1 KiB records.
//  - The cost of each crypto operation one full handshake needs, summed per handshake kind,
//    giving the handshakes/s no TLS implementation on this libcrypto can exceed.
// Output format as in bench_driver.h (impl "limit").
#include <openssl/aead.h>
#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/hkdf.h>
#include <openssl/hmac.h>
#include <openssl/nid.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

double Now() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void Emit(const std::string &metric, double value, const char *unit) {
    printf("{\"impl\":\"limit\",\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n",
           metric.c_str(), value, unit);
    fflush(stdout);
}

[[noreturn]] void Die(const char *what) {
    fprintf(stderr, "limit: %s failed\n", what);
    exit(1);
}

// Seconds per call of fn, timed over about budget seconds.
double PerCall(double budget, const std::function<void()> &fn) {
    for (int i = 0; i < 4; i++)
        fn();
    long n = 0, batch = 1;
    double t0 = Now(), t = t0;
    while (t - t0 < budget) {
        for (long i = 0; i < batch; i++)
            fn();
        n += batch;
        if (batch < 1024) batch *= 2;
        t = Now();
    }
    return (t - t0) / (double)n;
}

double AeadSealOpen(const EVP_AEAD *aead, size_t len, double budget) {
    uint8_t key[32] = {1}, nonce[12] = {2}, ad[5] = {0x17, 3, 3, 0, 0};
    EVP_AEAD_CTX ctx;
    if (!EVP_AEAD_CTX_init(&ctx, aead, key, EVP_AEAD_key_length(aead), 16, nullptr))
        Die("EVP_AEAD_CTX_init");
    std::vector<uint8_t> buf(len + 16, 0x5a);
    double per = PerCall(budget, [&] {
        size_t out = 0;
        nonce[11]++;
        if (!EVP_AEAD_CTX_seal(&ctx, buf.data(), &out, buf.size(), nonce, 12, buf.data(), len, ad,
                               5) ||
            !EVP_AEAD_CTX_open(&ctx, buf.data(), &out, buf.size(), nonce, 12, buf.data(), len + 16,
                               ad, 5))
            Die("AEAD");
    });
    EVP_AEAD_CTX_cleanup(&ctx);
    return (double)len / per / 1e6;
}

bssl::UniquePtr<EVP_PKEY> MakeKey(bool rsa) {
    bssl::UniquePtr<EVP_PKEY> pk(EVP_PKEY_new());
    if (rsa) {
        bssl::UniquePtr<RSA> r(RSA_new());
        bssl::UniquePtr<BIGNUM> e(BN_new());
        if (!r || !e || !BN_set_word(e.get(), RSA_F4) ||
            !RSA_generate_key_ex(r.get(), 2048, e.get(), nullptr) ||
            !EVP_PKEY_assign_RSA(pk.get(), r.release()))
            Die("RSA keygen");
    } else {
        bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
        if (!ec || !EC_KEY_generate_key(ec.get()) ||
            !EVP_PKEY_assign_EC_KEY(pk.get(), ec.release()))
            Die("EC keygen");
    }
    return pk;
}

// Signs msg (PSS when pss) and returns the seconds per sign and per verify.
void SignVerifyCost(EVP_PKEY *key, bool pss, size_t msg_len, double budget, double *sign,
                    double *verify) {
    std::vector<uint8_t> msg(msg_len, 0x20), sig(EVP_PKEY_size(key));
    size_t sig_len = 0;
    auto do_sign = [&] {
        bssl::ScopedEVP_MD_CTX ctx;
        EVP_PKEY_CTX *pctx = nullptr;
        sig_len = sig.size();
        if (!EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) ||
            (pss && (!EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) ||
                     !EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1))) ||
            !EVP_DigestSign(ctx.get(), sig.data(), &sig_len, msg.data(), msg.size()))
            Die("sign");
    };
    *sign = PerCall(budget, do_sign);
    do_sign();
    *verify = PerCall(budget, [&] {
        bssl::ScopedEVP_MD_CTX ctx;
        EVP_PKEY_CTX *pctx = nullptr;
        if (!EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) ||
            (pss && (!EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) ||
                     !EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1))) ||
            !EVP_DigestVerify(ctx.get(), sig.data(), sig_len, msg.data(), msg.size()))
            Die("verify");
    });
}

// TLS 1.2 PRF, P_SHA256 (RFC 5246 §5), out_len bytes, done as cheaply as libcrypto allows: the
// HMAC key is set up once for all the MACs, and no A(i+1) follows the last block.
void Prf(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
         uint8_t *out, size_t out_len) {
    uint8_t a[32], block[32];
    unsigned n = 0;
    bssl::ScopedHMAC_CTX ctx;
    auto mac = [&](const uint8_t *x, size_t x_len, const uint8_t *y, size_t y_len, uint8_t *md) {
        if (!HMAC_Init_ex(ctx.get(), nullptr, 0, nullptr, nullptr) ||
            !HMAC_Update(ctx.get(), x, x_len) || !HMAC_Update(ctx.get(), y, y_len) ||
            !HMAC_Final(ctx.get(), md, &n))
            Die("HMAC");
    };
    if (!HMAC_Init_ex(ctx.get(), secret, secret_len, EVP_sha256(), nullptr)) Die("HMAC key");
    mac(seed, seed_len, nullptr, 0, a);
    for (size_t off = 0; off < out_len; off += 32) {
        mac(a, 32, seed, seed_len, block);
        memcpy(out + off, block, out_len - off < 32 ? out_len - off : 32);
        if (off + 32 < out_len) mac(a, 32, nullptr, 0, a);
    }
}

} // namespace

int main(int argc, char **argv) {
    double budget = 0.15;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            budget = 0.04;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return 2;
        }
    }

    // ---- AEAD ceilings -------------------------------------------------------------------
    Emit("bulk_aes128gcm_16k", AeadSealOpen(EVP_aead_aes_128_gcm(), 16384, budget), "MB/s");
    Emit("bulk_aes128gcm_1k", AeadSealOpen(EVP_aead_aes_128_gcm(), 1024, budget), "MB/s");
    Emit("bulk_chacha20_16k", AeadSealOpen(EVP_aead_chacha20_poly1305(), 16384, budget), "MB/s");
    Emit("bulk_chacha20_1k", AeadSealOpen(EVP_aead_chacha20_poly1305(), 1024, budget), "MB/s");

    // ---- one operation at a time (seconds each) -------------------------------------------
    uint8_t pub[32], priv[32], peer_pub[32], peer_priv[32], shared[32];
    X25519_keypair(peer_pub, peer_priv);
    double x_keygen = PerCall(budget, [&] { X25519_keypair(pub, priv); });
    double x_agree = PerCall(budget, [&] {
        if (!X25519(shared, priv, peer_pub)) Die("X25519");
    });
    auto ec = MakeKey(false), rsa = MakeKey(true);
    // TLS 1.3 CertificateVerify content: 64 spaces, context string, 0, 32-byte hash = 130 B.
    // A certificate's tbsCertificate is ~300 B (ECDSA) / ~700 B (RSA); the hash is included.
    double ec_sign, ec_verify_cv, rsa_sign_pss, rsa_verify_pss, unused, ec_verify_cert,
        rsa_verify_cert;
    SignVerifyCost(ec.get(), false, 130, budget, &ec_sign, &ec_verify_cv);
    SignVerifyCost(ec.get(), false, 300, budget, &unused, &ec_verify_cert);
    SignVerifyCost(rsa.get(), true, 130, budget, &rsa_sign_pss, &rsa_verify_pss);
    SignVerifyCost(rsa.get(), false, 700, budget, &unused, &rsa_verify_cert);
    // TLS 1.2 ServerKeyExchange signature input: two randoms + ECDHE params (~101 B).
    double ec_sign_ske, ec_verify_ske;
    SignVerifyCost(ec.get(), false, 101, budget, &ec_sign_ske, &ec_verify_ske);

    // Transcript hashing, per byte (each side hashes every handshake message once).
    std::vector<uint8_t> tbuf(1024, 0x33);
    uint8_t digest[32];
    double sha_1k = PerCall(budget, [&] { SHA256(tbuf.data(), tbuf.size(), digest); });
    uint8_t prk[32], okm[32], ikm[32] = {7}, info[64] = {0};
    size_t prk_len = 0;
    double hkdf_extract = PerCall(budget, [&] {
        if (!HKDF_extract(prk, &prk_len, EVP_sha256(), ikm, 32, okm, 32)) Die("HKDF_extract");
    });
    // HkdfLabel for "tls13 c hs traffic" with a 32-byte context: 2+1+18+1+32 = 54 bytes.
    double hkdf_expand = PerCall(budget, [&] {
        if (!HKDF_expand(okm, 32, EVP_sha256(), prk, 32, info, 54)) Die("HKDF_expand");
    });
    unsigned mac_len = 0;
    double hmac = PerCall(budget, [&] { HMAC(EVP_sha256(), prk, 32, digest, 32, okm, &mac_len); });
    uint8_t seed[77] = {0}, out48[48];
    double prf48 = PerCall(budget, [&] { Prf(prk, 32, seed, 77, out48, 48); });
    double prf40 = PerCall(budget, [&] { Prf(prk, 48, seed, 77, out48, 40); });
    double prf12 = PerCall(budget, [&] { Prf(prk, 48, seed, 47, out48, 12); });

    // A session ticket: the server seals one (key setup, AES-256-GCM over ~200 B of session
    // state) and opens the one the client offers (the same again), as tlsio's tickets are made.
    std::vector<uint8_t> tkey(32, 0x4b), tstate(200 + EVP_AEAD_MAX_OVERHEAD, 0x21);
    uint8_t tnonce[12] = {1};
    double ticket = PerCall(budget, [&] {
        bssl::ScopedEVP_AEAD_CTX ctx;
        size_t n = 0, m = 0;
        if (!EVP_AEAD_CTX_init(ctx.get(), EVP_aead_aes_256_gcm(), tkey.data(), tkey.size(),
                               EVP_AEAD_DEFAULT_TAG_LENGTH, nullptr) ||
            !EVP_AEAD_CTX_seal(ctx.get(), tstate.data(), &n, tstate.size(), tnonce, 12,
                               tstate.data(), 200, tkey.data(), 16))
            Die("ticket seal");
        bssl::ScopedEVP_AEAD_CTX ctx2;
        if (!EVP_AEAD_CTX_init(ctx2.get(), EVP_aead_aes_256_gcm(), tkey.data(), tkey.size(),
                               EVP_AEAD_DEFAULT_TAG_LENGTH, nullptr) ||
            !EVP_AEAD_CTX_open(ctx2.get(), tstate.data(), &m, tstate.size(), tnonce, 12,
                               tstate.data(), n, tkey.data(), 16))
            Die("ticket open");
    });

    const double us = 1e6;
    Emit("op_ticket_seal_open", ticket * us, "us");
    Emit("op_x25519_keygen", x_keygen * us, "us");
    Emit("op_x25519_agree", x_agree * us, "us");
    Emit("op_ecdsa_p256_sign", ec_sign * us, "us");
    Emit("op_ecdsa_p256_verify", ec_verify_cv * us, "us");
    Emit("op_rsa2048_pss_sign", rsa_sign_pss * us, "us");
    Emit("op_rsa2048_pss_verify", rsa_verify_pss * us, "us");
    Emit("op_rsa2048_pkcs1_verify_cert", rsa_verify_cert * us, "us");
    Emit("op_sha256_1k", sha_1k * us, "us");
    Emit("op_hkdf_extract", hkdf_extract * us, "us");
    Emit("op_hkdf_expand", hkdf_expand * us, "us");
    Emit("op_tls12_prf48", prf48 * us, "us");

    // ---- per-handshake sums (both sides) -----------------------------------------------------
    // Key exchange: each side generates one X25519 share and computes one agreement.
    double kex = 2 * x_keygen + 2 * x_agree;
    // TLS 1.3 key schedule per side (RFC 8446 §7.1): 3 HKDF-Extract; 6 Derive-Secret
    // ("derived" x2, c/s hs traffic, c/s ap traffic); key + iv for 4 traffic secrets (8);
    // 2 finished_key expansions and 2 Finished HMACs.
    double ks13 = 2 * (3 * hkdf_extract + 16 * hkdf_expand + 2 * hmac);
    // Transcript: ~1.3 KB (ECDSA) / ~2.1 KB (RSA) of handshake messages, hashed by each side.
    double hash_ec = 2 * 1.3 * sha_1k, hash_rsa = 2 * 2.1 * sha_1k;
    // Server signs CertificateVerify; client verifies it and the leaf certificate.
    double hs13_ec = kex + ks13 + hash_ec + ec_sign + ec_verify_cv + ec_verify_cert;
    double hs13_rsa = kex + ks13 + hash_rsa + rsa_sign_pss + rsa_verify_pss + rsa_verify_cert;
    // TLS 1.2 (RFC 5246, RFC 7627): the server signs ServerKeyExchange; the client verifies
    // it and the certificate; per side the PRF makes the master secret (48 B), the key block
    // (40 B for AES-128-GCM) and two Finished values (12 B).
    double hs12 = kex + hash_ec + ec_sign_ske + ec_verify_ske + ec_verify_cert +
                  2 * (prf48 + prf40 + 2 * prf12);
    // Resumed TLS 1.3 (psk_dhe_ke, one new ticket): the same X25519 work, no signature or
    // certificate; per side the key schedule above plus the PSK's Early Secret (the no-PSK one
    // is a constant), the binder (binder key, finished key, HMAC: computed by the client,
    // checked by the server), resumption_master_secret and the ticket's PSK; ~0.8 KB of
    // messages hashed by each side (a ClientHello carrying a ticket, ServerHello,
    // EncryptedExtensions, two Finished, a NewSessionTicket); one ticket sealed, one opened.
    double hs13_res = kex + ks13 + 2 * (4 * hkdf_expand + hmac) + 2 * 0.8 * sha_1k + ticket;
    // Resumed TLS 1.2 (RFC 5077, abbreviated): no key exchange or signature; per side the key
    // block and two Finished values from the ticket's master secret; ~0.6 KB hashed per side;
    // the server opens the ticket (half the seal+open above) and issues none.
    double hs12_res = 2 * (prf40 + 2 * prf12) + 2 * 0.6 * sha_1k + ticket / 2;
    Emit("hs_cost_tls13_ecdsa_resumed", hs13_res * us, "us");
    Emit("hs_cost_tls12_ecdsa_resumed", hs12_res * us, "us");
    Emit("hs_tls13_ecdsa_resumed", 1 / hs13_res, "hs/s");
    Emit("hs_tls12_ecdsa_resumed", 1 / hs12_res, "hs/s");
    Emit("hs_cost_tls13_x25519_ecdsa", hs13_ec * us, "us");
    Emit("hs_cost_tls13_x25519_rsa2048", hs13_rsa * us, "us");
    Emit("hs_cost_tls12_ecdhe_ecdsa_aes128gcm", hs12 * us, "us");
    Emit("hs_tls13_x25519_ecdsa", 1 / hs13_ec, "hs/s");
    Emit("hs_tls13_x25519_rsa2048", 1 / hs13_rsa, "hs/s");
    Emit("hs_tls12_ecdhe_ecdsa_aes128gcm", 1 / hs12, "hs/s");
    return 0;
}
