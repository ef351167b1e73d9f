// Writes the benchmark's certificates (made with tests/support/testpki, valid from an hour
// ago for 90 days) into a directory: ca_ecdsa.pem + ecdsa_chain.pem + ecdsa_key.pem (P-256
// root -> P-256 leaf) and ca_rsa.pem + rsa_chain.pem + rsa_key.pem (RSA-2048 root -> leaf).
// Leaves name "bench.example" and "localhost".
#include <cstdio>
#include <ctime>
#include <string>

#include "testpki.h"

using tlsio_test::KeyType;

static bool Write(const std::string &path, const std::string &text) {
    FILE *f = fopen(path.c_str(), "w");
    if (f == nullptr) return false;
    bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
    return fclose(f) == 0 && ok;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    std::string dir = argv[1];
    tlsio_test::TestPki pki((int64_t)time(nullptr));
    struct {
        const char *name;
        KeyType key;
    } const kinds[] = {{"ecdsa", KeyType::kEcdsaP256}, {"rsa", KeyType::kRsa2048}};
    for (const auto &k : kinds) {
        tlsio_test::Cert ca = pki.MakeCa(std::string("Bench Root ") + k.name, k.key);
        tlsio_test::Cert leaf = pki.MakeLeaf(
            ca, {.dns = {"bench.example", "localhost"}, .key = k.key, .not_before = -3600});
        std::string n = k.name;
        if (!Write(dir + "/ca_" + n + ".pem", ca.cert_pem()) ||
            !Write(dir + "/" + n + "_chain.pem", leaf.chain_pem()) ||
            !Write(dir + "/" + n + "_key.pem", leaf.key_pem())) {
            perror(dir.c_str());
            return 1;
        }
    }
    return 0;
}
