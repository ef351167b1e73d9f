/* The fuzz targets' shared harness (fuzz_support.h). */
#include "fuzz_support.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exts.h"
#include "keysched.h"
#include "msgs.h"
#include "prf12.h"
#include "session.h"
#include "suites.h"

static void die(const char *what) {
    fprintf(stderr, "fuzz harness: %s\n", what);
    abort();
}

/* ---- bytes ------------------------------------------------------------------------------ */

void fuzz_buf_add(fuzz_buf *b, const void *p, size_t n) {
    if (n == 0) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL) die("out of memory");
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void fuzz_buf_u8(fuzz_buf *b, uint8_t v) {
    fuzz_buf_add(b, &v, 1);
}

void fuzz_buf_u16(fuzz_buf *b, uint16_t v) {
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    fuzz_buf_add(b, x, 2);
}

void fuzz_buf_u24(fuzz_buf *b, uint32_t v) {
    uint8_t x[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    fuzz_buf_add(b, x, 3);
}

void fuzz_buf_free(fuzz_buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

uint8_t fuzz_take_u8(fuzz_in *in) {
    if (in->n == 0) return 0;
    in->n--;
    return *in->p++;
}

uint16_t fuzz_take_u16(fuzz_in *in) {
    uint16_t hi = fuzz_take_u8(in);
    return (uint16_t)(hi << 8 | fuzz_take_u8(in));
}

const uint8_t *fuzz_take(fuzz_in *in, size_t want, size_t *got) {
    const uint8_t *p = in->p;
    *got = want < in->n ? want : in->n;
    in->p += *got;
    in->n -= *got;
    return p;
}

/* ---- the deterministic RNG and clock ------------------------------------------------------ */

/* SplitMix64: a counter through a mixing function. Nothing here needs secrecy, only the same
 * bytes for the same calls in every run. */
typedef struct fuzz_rng {
    uint64_t seed, state;
} fuzz_rng;

static void rng_fill(void *ctx, uint8_t *out, size_t len) {
    fuzz_rng *r = ctx;
    while (len > 0) {
        uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        z ^= z >> 31;
        for (int i = 0; i < 8 && len > 0; i++, len--)
            *out++ = (uint8_t)(z >> (8 * i));
    }
}

static int64_t fixed_clock(void *arg) {
    (void)arg;
    return (int64_t)FUZZ_NOW * 1000;
}

/* ---- the PKI ---------------------------------------------------------------------------- */

/* root (Ed25519) -> intermediate (Ed25519) -> server leaves (Ed25519, ECDSA P-256) and a client
 * leaf (Ed25519). Keys from fixed seeds, fixed serials and dates, Ed25519 signatures: the same
 * DER in every process. */
typedef struct fuzz_pki {
    char *root;
    char *server_ed25519_chain, *server_ed25519_key;
    char *server_p256_chain, *server_p256_key;
    char *client_chain, *client_key;
} fuzz_pki;

static uint8_t seed_of(int which, uint8_t out[32]) {
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(which * 37 + i * 11 + 1);
    return out[0];
}

static EVP_PKEY *ed25519_key(int which) {
    uint8_t seed[32];
    seed_of(which, seed);
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
    if (k == NULL) die("Ed25519 key");
    return k;
}

static EVP_PKEY *p256_key(int which) {
    uint8_t seed[32];
    seed_of(which, seed);
    seed[0] = 0x01; /* below the group order */
    EC_KEY *ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *d = BN_bin2bn(seed, sizeof seed, NULL);
    EC_POINT *pub = ec ? EC_POINT_new(EC_KEY_get0_group(ec)) : NULL;
    EVP_PKEY *k = EVP_PKEY_new();
    if (ec == NULL || d == NULL || pub == NULL || k == NULL || !EC_KEY_set_private_key(ec, d) ||
        !EC_POINT_mul(EC_KEY_get0_group(ec), pub, d, NULL, NULL, NULL) ||
        !EC_KEY_set_public_key(ec, pub) || !EVP_PKEY_assign_EC_KEY(k, ec))
        die("P-256 key");
    EC_POINT_free(pub);
    BN_free(d);
    return k;
}

static void add_ext(X509 *x, int nid, const char *value) {
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, NULL, nid, value);
    if (ext == NULL || !X509_add_ext(x, ext, -1)) die("certificate extension");
    X509_EXTENSION_free(ext);
}

static X509 *make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, int ca, const char *eku, const char *dns) {
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    ASN1_TIME *nb = ASN1_TIME_set(NULL, 1600000000), *na = ASN1_TIME_set(NULL, 2000000000);
    if (x == NULL || name == NULL || nb == NULL || na == NULL ||
        !X509_set_version(x, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const uint8_t *)cn, -1, -1, 0) ||
        !X509_set_subject_name(x, name) ||
        !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
        !X509_set1_notBefore(x, nb) || !X509_set1_notAfter(x, na) || !X509_set_pubkey(x, key))
        die("certificate fields");
    add_ext(x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (eku) add_ext(x, NID_ext_key_usage, eku);
    if (dns) add_ext(x, NID_subject_alt_name, dns);
    if (!X509_sign(x, issuer_key ? issuer_key : key, NULL)) die("X509_sign");
    X509_NAME_free(name);
    ASN1_TIME_free(nb);
    ASN1_TIME_free(na);
    return x;
}

static char *bio_string(BIO *bio) {
    const uint8_t *p;
    size_t n;
    if (!BIO_mem_contents(bio, &p, &n)) die("BIO_mem_contents");
    char *s = malloc(n + 1);
    if (s == NULL) die("out of memory");
    memcpy(s, p, n);
    s[n] = '\0';
    BIO_free(bio);
    return s;
}

static char *pem_certs(X509 *a, X509 *b) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_X509(bio, a) || (b && !PEM_write_bio_X509(bio, b)))
        die("certificate PEM");
    return bio_string(bio);
}

static char *pem_key(EVP_PKEY *k) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)) die("key PEM");
    return bio_string(bio);
}

enum { KEY_ROOT = 1, KEY_INTER, KEY_SERVER_ED25519, KEY_SERVER_P256, KEY_CLIENT };

static const fuzz_pki *pki_get(void) {
    static fuzz_pki pki;
    if (pki.root != NULL) return &pki;
    EVP_PKEY *root_k = ed25519_key(KEY_ROOT), *inter_k = ed25519_key(KEY_INTER);
    EVP_PKEY *sed_k = ed25519_key(KEY_SERVER_ED25519), *sp_k = p256_key(KEY_SERVER_P256);
    EVP_PKEY *cl_k = ed25519_key(KEY_CLIENT);
    X509 *root = make_cert("Fuzz Root", 1, root_k, NULL, NULL, 1, NULL, NULL);
    X509 *inter = make_cert("Fuzz Intermediate", 2, inter_k, root, root_k, 1, NULL, NULL);
    X509 *sed = make_cert(FUZZ_HOST, 3, sed_k, inter, inter_k, 0, "serverAuth",
                          "DNS:" FUZZ_HOST ",DNS:*.example.net");
    X509 *sp = make_cert(FUZZ_HOST, 4, sp_k, inter, inter_k, 0, "serverAuth", "DNS:" FUZZ_HOST);
    X509 *cl = make_cert("fuzz client", 5, cl_k, inter, inter_k, 0, "clientAuth", NULL);
    pki.root = pem_certs(root, NULL);
    pki.server_ed25519_chain = pem_certs(sed, inter);
    pki.server_ed25519_key = pem_key(sed_k);
    pki.server_p256_chain = pem_certs(sp, inter);
    pki.server_p256_key = pem_key(sp_k);
    pki.client_chain = pem_certs(cl, inter);
    pki.client_key = pem_key(cl_k);
    X509 *certs[] = {root, inter, sed, sp, cl};
    EVP_PKEY *keys[] = {root_k, inter_k, sed_k, sp_k, cl_k};
    for (size_t i = 0; i < 5; i++) {
        X509_free(certs[i]);
        EVP_PKEY_free(keys[i]);
    }
    return &pki;
}

const uint8_t *fuzz_server_ed25519_seed(void) {
    static uint8_t seed[32];
    seed_of(KEY_SERVER_ED25519, seed);
    return seed;
}

/* ---- capture ------------------------------------------------------------------------------ */

static fuzz_capture capture;

const fuzz_capture *fuzz_capture_get(void) {
    return &capture;
}

static void on_trace(void *arg, const tls_engine *e, int direction, uint8_t content_type,
                     const uint8_t *msg, size_t len) {
    (void)arg;
    if (capture.n_msgs == FUZZ_MAX_MSGS) return;
    fuzz_msg *m = &capture.msgs[capture.n_msgs++];
    m->e = e;
    m->sent = direction == TLS_TRACE_SENT;
    m->content_type = content_type;
    m->off = capture.bytes.len;
    m->len = len;
    fuzz_buf_add(&capture.bytes, msg, len);
}

static int unhex(const char *s, uint8_t *out, size_t max, size_t *len) {
    size_t n = 0;
    for (; s[0] && s[0] != ' '; s += 2) {
        if (!s[1] || n == max) return -1;
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) return -1;
        out[n++] = (uint8_t)v;
    }
    *len = n;
    return 0;
}

/* "LABEL <client_random hex> <secret hex>" (<tlsio/core.h> tls_keylog_fn). */
static void on_keylog(void *arg, const tls_engine *e, const char *line) {
    (void)arg;
    const char *sp = strchr(line, ' ');
    if (capture.n_secrets == FUZZ_MAX_SECRETS || sp == NULL) return;
    fuzz_secret *s = &capture.secrets[capture.n_secrets];
    size_t label_len = (size_t)(sp - line), cr_len = 0;
    if (label_len >= sizeof s->label) return;
    memcpy(s->label, line, label_len);
    s->label[label_len] = '\0';
    const char *sp2 = strchr(sp + 1, ' ');
    if (sp2 == NULL || unhex(sp + 1, s->client_random, 32, &cr_len) != 0 || cr_len != 32 ||
        unhex(sp2 + 1, s->v, sizeof s->v, &s->len) != 0)
        return;
    s->e = e;
    capture.n_secrets++;
}

const fuzz_secret *fuzz_secret_find(const tls_engine *e, const char *label) {
    for (size_t i = capture.n_secrets; i-- > 0;)
        if (capture.secrets[i].e == e && strcmp(capture.secrets[i].label, label) == 0)
            return &capture.secrets[i];
    return NULL;
}

const fuzz_msg *fuzz_msg_find(const tls_engine *e, int sent, uint8_t msg_type) {
    for (size_t i = capture.n_msgs; i-- > 0;) {
        const fuzz_msg *m = &capture.msgs[i];
        if (m->e == e && m->sent == sent && m->content_type == TLSIO_CT_HANDSHAKE && m->len > 0 &&
            fuzz_msg_bytes(m)[0] == msg_type)
            return m;
    }
    return NULL;
}

int fuzz_is_hrr(const uint8_t *msg, size_t len) {
    /* header (4), legacy_version (2), then the random */
    return len >= 4 + 2 + 32 && msg[0] == TLSIO_HS_SERVER_HELLO &&
           memcmp(msg + 6, tlsio_hrr_random, 32) == 0;
}

/* ---- scenarios ------------------------------------------------------------------------------ */

typedef struct scenario {
    const char *name;
    uint16_t version;          /* what it negotiates */
    int replays;               /* Ed25519 server: the same handshake in every run */
    uint16_t client_max;       /* the highest version the client offers */
    uint16_t server_max;       /* and the server takes */
    const char *client_groups; /* NULL: the defaults */
    const char *server_groups;
    const char *server_ciphers;
    int server_p256; /* the server's chain is the ECDSA one */
    int client_auth; /* the server asks (TLS_CLIENT_VERIFY_*); the client has a chain */
    int resume;      /* the client offers a session of an earlier handshake */
    /* Less common settings, spread over the scenarios so each is reached somewhere. */
    int drop_chains;        /* tls_config_set_keep_peer_chain(0), both sides */
    size_t client_rsl;      /* the client's record_size_limit (0: none) */
    size_t server_rsl;      /* the server's */
    size_t server_frag;     /* the server's max_send_fragment (0: default) */
    int hooks;              /* a peer check on the client, ALPN selection on the server */
    int server_chains_both; /* the server holds the P-256 and the Ed25519 chain */
} scenario;

#define V13 TLS_VERSION_1_3
#define V12 TLS_VERSION_1_2
static const scenario scenarios[FUZZ_SC__COUNT] = {
    [FUZZ_SC_TLS13] =
        {.name = "tls13", .version = V13, .replays = 1, .client_max = V13, .server_max = V13},
    /* The client's first share is secp256r1, which the server does not take; its records
     * are held to 512 bytes of plaintext. */
    [FUZZ_SC_TLS13_HRR] = {.name = "tls13_hrr",
                           .version = V13,
                           .replays = 1,
                           .client_max = V13,
                           .server_max = V13,
                           .client_groups = "secp256r1:x25519:secp384r1",
                           .server_groups = "x25519",
                           .client_rsl = 512},
    [FUZZ_SC_TLS13_CLIENT_AUTH] = {.name = "tls13_client_auth",
                                   .version = V13,
                                   .replays = 1,
                                   .client_max = V13,
                                   .server_max = V13,
                                   .client_auth = TLS_CLIENT_VERIFY_REQUIRED,
                                   .drop_chains = 1},
    [FUZZ_SC_TLS13_RESUME] = {.name = "tls13_resume",
                              .version = V13,
                              .replays = 1,
                              .client_max = V13,
                              .server_max = V13,
                              .resume = 1},
    /* The server holds both chains and picks the ECDSA one (the first that fits). */
    [FUZZ_SC_TLS13_P256] = {.name = "tls13_p256",
                            .version = V13,
                            .client_max = V13,
                            .server_max = V13,
                            .client_groups = "secp384r1:x25519",
                            .server_groups = "secp384r1",
                            .server_ciphers = "TLS_AES_256_GCM_SHA384",
                            .server_p256 = 1,
                            .hooks = 1,
                            .server_chains_both = 1},
    /* The client offers TLS 1.3 too: the server's TLS 1.2 answer is a downgrade it accepts. */
    [FUZZ_SC_TLS12] = {.name = "tls12",
                       .version = V12,
                       .replays = 1,
                       .client_max = V13,
                       .server_max = V12,
                       .server_rsl = 1024,
                       .server_frag = 2048},
    [FUZZ_SC_TLS12_CLIENT_AUTH] = {.name = "tls12_client_auth",
                                   .version = V12,
                                   .replays = 1,
                                   .client_max = V12,
                                   .server_max = V12,
                                   .client_auth = TLS_CLIENT_VERIFY_OPTIONAL},
    [FUZZ_SC_TLS12_RESUME] = {.name = "tls12_resume",
                              .version = V12,
                              .replays = 1,
                              .client_max = V12,
                              .server_max = V12,
                              .resume = 1},
    [FUZZ_SC_TLS12_P256] = {.name = "tls12_p256",
                            .version = V12,
                            .client_max = V12,
                            .server_max = V12,
                            .server_groups = "secp256r1:x25519",
                            .server_ciphers = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                            .server_p256 = 1,
                            .hooks = 1},
};
#undef V13
#undef V12

typedef struct world {
    tls_config *client, *server;
    fuzz_rng crng, srng;
    tls_session *session;
} world;

static world worlds[FUZZ_SC__COUNT];

static int valid_sc(int sc) {
    return sc >= 0 && sc < FUZZ_SC__COUNT;
}

const char *fuzz_scenario_name(int sc) {
    return valid_sc(sc) ? scenarios[sc].name : "?";
}

uint16_t fuzz_scenario_version(int sc) {
    return valid_sc(sc) ? scenarios[sc].version : 0;
}

int fuzz_scenario_replays(int sc) {
    return valid_sc(sc) && scenarios[sc].replays;
}

static void check(int rc, tls_config *cfg, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "fuzz harness: %s: %s\n", what, tls_config_error(cfg));
        abort();
    }
}

/* The one ticket key of every server config, so a recorded ticket opens in any process. */
static const uint8_t ticket_key[TLS_TICKET_KEY_LEN] =
    "fuzz ticket key name and 32 bytes of AES key!!";

static tls_config *common_config(fuzz_rng *rng, int sc, uint64_t seed) {
    tls_config *cfg = tls_config_new();
    if (cfg == NULL) die("tls_config_new");
    rng->seed = rng->state = seed + (uint64_t)sc * 1000;
    check(tls_config_set_rng(cfg, rng_fill, rng), cfg, "rng");
    check(tls_config_set_clock(cfg, fixed_clock, NULL), cfg, "clock");
    check(tls_config_set_trace(cfg, on_trace, NULL), cfg, "trace");
    check(tls_config_set_keylog(cfg, on_keylog, NULL), cfg, "keylog");
    check(tls_config_set_alpn(cfg, "h2,http/1.1"), cfg, "alpn");
    return cfg;
}

/* The hooks of the .hooks scenarios: a pin that accepts the chain it is shown (after looking
 * at every certificate), and an ALPN choice of the client's last protocol. */
static int peer_check(void *arg, const tls_peer_check_info *info) {
    (void)arg;
    size_t total = 0;
    for (size_t i = 0; i < info->n_certs; i++)
        total += info->cert_lens[i] + (info->certs[i][0] == 0x30 ? 0 : 1);
    return total > 0 ? 0 : TLS_ALERT_BAD_CERTIFICATE;
}

static int alpn_select(void *arg, const uint8_t *offered, size_t len) {
    (void)arg;
    int last = TLS_ALPN_NONE, i = 0;
    for (size_t at = 0; at < len; at += 1 + offered[at], i++)
        last = i;
    return last;
}

static void make_world(int sc) {
    const scenario *s = &scenarios[sc];
    const fuzz_pki *pki = pki_get();
    world *w = &worlds[sc];

    tls_config *c = common_config(&w->crng, sc, 1);
    check(tls_config_add_ca_pem(c, pki->root, strlen(pki->root)), c, "client trust");
    check(tls_config_set_versions(c, TLS_VERSION_1_2, s->client_max), c, "client versions");
    if (s->client_groups) check(tls_config_set_groups(c, s->client_groups), c, "client groups");
    if (s->client_auth)
        check(tls_config_add_cert_pem(c, pki->client_chain, strlen(pki->client_chain),
                                      pki->client_key, strlen(pki->client_key)),
              c, "client chain");
    if (s->client_rsl) check(tls_config_set_record_size_limit(c, s->client_rsl), c, "rsl");
    if (s->drop_chains) check(tls_config_set_keep_peer_chain(c, 0), c, "keep chain");
    if (s->hooks) check(tls_config_set_peer_check(c, peer_check, NULL), c, "peer check");

    tls_config *v = common_config(&w->srng, sc, 2);
    if (s->server_chains_both)
        check(tls_config_add_cert_pem(v, pki->server_p256_chain, strlen(pki->server_p256_chain),
                                      pki->server_p256_key, strlen(pki->server_p256_key)),
              v, "server chain");
    const char *chain = s->server_p256 ? pki->server_p256_chain : pki->server_ed25519_chain;
    const char *key = s->server_p256 ? pki->server_p256_key : pki->server_ed25519_key;
    check(tls_config_add_cert_pem(v, chain, strlen(chain), key, strlen(key)), v, "server chain");
    check(tls_config_set_versions(v, TLS_VERSION_1_2, s->server_max), v, "server versions");
    if (s->server_groups) check(tls_config_set_groups(v, s->server_groups), v, "server groups");
    if (s->server_ciphers) check(tls_config_set_ciphers(v, s->server_ciphers), v, "ciphers");
    check(tls_config_set_ticket_keys(v, ticket_key, 1), v, "ticket keys");
    if (s->client_auth) {
        check(tls_config_set_client_verify(v, s->client_auth), v, "client verify");
        check(tls_config_add_client_ca_pem(v, pki->root, strlen(pki->root)), v, "client CA");
    }
    if (s->server_rsl) check(tls_config_set_record_size_limit(v, s->server_rsl), v, "rsl");
    if (s->server_frag) check(tls_config_set_max_send_fragment(v, s->server_frag), v, "frag");
    if (s->drop_chains) check(tls_config_set_keep_peer_chain(v, 0), v, "keep chain");
    if (s->hooks) check(tls_config_set_alpn_select(v, alpn_select, NULL), v, "alpn select");
    w->client = c;
    w->server = v;

    if (s->resume) {
        /* The session comes from a full handshake between the same configs, run the same way
         * in every process. */
        tls_engine *ce = tls_engine_new_client(c, FUZZ_HOST), *se = tls_engine_new_server(v);
        if (ce == NULL || se == NULL) die("engines for the session");
        tls_engine_set_time(ce, FUZZ_NOW);
        tls_engine_set_time(se, FUZZ_NOW);
        fuzz_pump(ce, se);
        fuzz_read_app(ce); /* TLS 1.3 tickets are taken as records are read */
        w->session = tls_engine_take_session(ce);
        if (w->session == NULL) die("no session from the earlier handshake");
        tls_engine_free(ce);
        tls_engine_free(se);
    }
}

static world *world_get(int sc) {
    if (!valid_sc(sc) || worlds[sc].client == NULL) die("bad scenario, or fuzz_reset not called");
    return &worlds[sc];
}

void fuzz_reset(void) {
    /* Every world is made before the first input, so that making one (and the handshake a
     * resumption scenario's session comes from) never moves an RNG an input depends on. */
    static int made;
    if (!made) {
        made = 1;
        for (int i = 0; i < FUZZ_SC__COUNT; i++)
            make_world(i);
    }
    for (int i = 0; i < FUZZ_SC__COUNT; i++) {
        worlds[i].crng.state = worlds[i].crng.seed;
        worlds[i].srng.state = worlds[i].srng.seed;
    }
    capture.bytes.len = 0;
    capture.n_msgs = 0;
    capture.n_secrets = 0;
}

tls_engine *fuzz_client_resume(int sc, const tls_session *s) {
    world *w = world_get(sc);
    tls_engine_new_error why;
    tls_engine *e = tls_engine_new_client_resume(w->client, FUZZ_HOST, s, &why);
    if (e == NULL) die(why.msg);
    tls_engine_set_time(e, FUZZ_NOW);
    return e;
}

tls_engine *fuzz_client_new(int sc) {
    return fuzz_client_resume(sc, world_get(sc)->session);
}

const tls_session *fuzz_scenario_session(int sc) {
    return world_get(sc)->session;
}

tls_config *fuzz_server_config(int sc) {
    return world_get(sc)->server;
}

tls_engine *fuzz_server_new(int sc) {
    world *w = world_get(sc);
    tls_engine_new_error why;
    tls_engine *e = tls_engine_new_server_ex(w->server, &why);
    if (e == NULL) die(why.msg);
    tls_engine_set_time(e, FUZZ_NOW);
    return e;
}

/* ---- moving bytes ------------------------------------------------------------------------ */

static void broken(const char *what, const uint8_t *rec, size_t left) {
    fprintf(stderr, "fuzz harness: the engine sent %s:", what);
    for (size_t i = 0; i < left && i < 16; i++)
        fprintf(stderr, " %02x", rec[i]);
    fprintf(stderr, "\n");
    abort();
}

/* What any input may make an engine send is still a stream of whole, well-formed records
 * (RFC 8446 §5.1, RFC 5246 §6.2): a known content type, a TLS record version, a length
 * within the protocol's maximum, ChangeCipherSpec as its one byte, a plaintext alert of a
 * real level. */
static void check_records(const uint8_t *p, size_t n) {
    while (n > 0) {
        if (n < TLSIO_RECORD_HEADER_LEN) broken("a partial record header", p, n);
        uint16_t version = (uint16_t)(p[1] << 8 | p[2]);
        size_t len = (size_t)p[3] << 8 | p[4];
        if (p[0] < TLSIO_CT_CHANGE_CIPHER_SPEC || p[0] > TLSIO_CT_APPLICATION_DATA)
            broken("a record of unknown type", p, n);
        if (version < 0x0301 || version > 0x0303) broken("a record of another version", p, n);
        if (len > TLSIO_RECORD_MAX_TLS12_CIPHERTEXT) broken("an oversized record", p, n);
        if (n - TLSIO_RECORD_HEADER_LEN < len) broken("a partial record", p, n);
        const uint8_t *body = p + TLSIO_RECORD_HEADER_LEN;
        if (p[0] == TLSIO_CT_CHANGE_CIPHER_SPEC && (len != 1 || body[0] != 1))
            broken("a malformed ChangeCipherSpec", p, n);
        if (p[0] != TLSIO_CT_APPLICATION_DATA && len == 0) broken("an empty record", p, n);
        if (p[0] == TLSIO_CT_ALERT && len == 2 && body[0] != 1 && body[0] != 2)
            broken("an alert of no level", p, n);
        p += TLSIO_RECORD_HEADER_LEN + len;
        n -= TLSIO_RECORD_HEADER_LEN + len;
    }
}

size_t fuzz_drain(tls_engine *e, fuzz_buf *out) {
    size_t total = 0, n;
    const uint8_t *p;
    while ((p = tls_engine_send_buf(e, &n)) != NULL && n > 0) {
        check_records(p, n);
        if (out) fuzz_buf_add(out, p, n);
        if (tls_engine_send_ack(e, n) != 0) break;
        total += n;
    }
    return total;
}

void fuzz_read_app(tls_engine *e) {
    size_t n;
    while (tls_engine_read_buf(e, &n) != NULL && n > 0)
        if (tls_engine_read_ack(e, n) != 0) break;
}

size_t fuzz_feed_ex(tls_engine *e, const uint8_t *p, size_t n, size_t chunk, fuzz_buf *out,
                    unsigned flags) {
    size_t off = 0;
    while (off < n) {
        if (!(flags & FUZZ_FEED_LAZY)) fuzz_read_app(e);
        size_t room = 0;
        uint8_t *d = tls_engine_recv_buf(e, &room);
        if (d == NULL || room == 0) {
            /* Backpressure or data waiting (core.h): output first, then data, then try once
             * more; an engine that still takes nothing is done. */
            if (fuzz_drain(e, out) > 0) continue;
            size_t waiting = 0;
            if (tls_engine_read_buf(e, &waiting) != NULL && waiting > 0) {
                fuzz_read_app(e);
                continue;
            }
            break;
        }
        size_t k = n - off < room ? n - off : room;
        if (chunk > 0 && k > chunk) k = chunk;
        memcpy(d, p + off, k);
        off += k;
        int rc = tls_engine_recv_ack(e, k);
        if (!(flags & FUZZ_FEED_LAZY)) fuzz_drain(e, out);
        if (rc != 0) break;
    }
    fuzz_read_app(e);
    fuzz_drain(e, out);
    return off;
}

size_t fuzz_feed(tls_engine *e, const uint8_t *p, size_t n, size_t chunk, fuzz_buf *out) {
    return fuzz_feed_ex(e, p, n, chunk, out, 0);
}

void fuzz_pump(tls_engine *a, tls_engine *b) {
    fuzz_buf to_a = {0}, to_b = {0};
    fuzz_drain(a, &to_b);
    fuzz_drain(b, &to_a);
    for (int i = 0; i < 64 && (to_a.len > 0 || to_b.len > 0); i++) {
        fuzz_buf answer = {0};
        fuzz_feed(b, to_b.p, to_b.len, 0, &answer);
        to_b.len = 0;
        fuzz_buf_add(&to_a, answer.p, answer.len);
        answer.len = 0;
        fuzz_feed(a, to_a.p, to_a.len, 0, &answer);
        to_a.len = 0;
        fuzz_buf_add(&to_b, answer.p, answer.len);
        fuzz_buf_free(&answer);
    }
    fuzz_buf_free(&to_a);
    fuzz_buf_free(&to_b);
}

/* Reads every getter, so that what a handshake left behind (strings, a restored peer
 * identity) is looked at by ASan. */
static void look(const tls_engine *e) {
    size_t n = 0, sum = 0;
    int64_t nb, na;
    const char *strs[] = {tls_engine_alpn(e),         tls_engine_server_name(e),
                          tls_engine_peer_subject(e), tls_engine_peer_issuer(e),
                          tls_engine_error(e),        tls_version_name(tls_engine_version(e))};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        sum += strs[i] != NULL ? strlen(strs[i]) : 0;
    const uint8_t *p = tls_engine_peer_cert_sha256(e);
    if (p != NULL) sum += p[0] + p[31];
    for (size_t i = 0; (p = tls_engine_peer_chain(e, i, &n)) != NULL; i++)
        sum += n + p[0] + p[n - 1];
    for (size_t i = 0; (p = tls_engine_requested_ca_name(e, i, &n)) != NULL; i++)
        sum += n + (n ? p[n - 1] : 0);
    if ((p = tls_engine_requested_cert_types(e, &n)) != NULL) sum += n + p[0];
    if (tls_engine_peer_validity(e, &nb, &na) == 0) sum += (size_t)(nb ^ na);
    sum += tls_engine_cipher_suite(e) + tls_engine_group(e) + tls_engine_peer_signature_scheme(e);
    sum += (size_t)tls_engine_resumed(e) + (size_t)tls_engine_ticket_age_skew_ms(e);
    sum += strlen(tls_cipher_suite_name(tls_engine_cipher_suite(e)));
    /* Keep the reads: the sum goes nowhere else. */
    __asm__ volatile("" : : "r"(sum));
}

/* core.h: a failure is sticky, with a code, a category and a sentence. */
static void check_failure(const tls_engine *e, int code) {
    if (!(tls_engine_status(e) & TLS_ST_FAILED)) return;
    if (tls_engine_error_code(e) == 0 || tls_engine_error_category(e) == TLS_ERRCAT_NONE ||
        tls_engine_error(e)[0] == '\0')
        die("a failed engine without an error code, category or sentence");
    if (code != 0 && tls_engine_error_code(e) != code) die("an engine's failure changed");
}

void fuzz_exercise(tls_engine *e) {
    static const uint8_t label[] = "EXPERIMENTAL fuzz";
    uint8_t km[32];
    int failed_with = tls_engine_status(e) & TLS_ST_FAILED ? tls_engine_error_code(e) : 0;
    check_failure(e, failed_with);
    look(e);
    fuzz_read_app(e);
    (void)tls_engine_export_keying_material(e, (const char *)label, sizeof label - 1, NULL, 0, km,
                                            sizeof km);
    (void)tls_engine_export_keying_material(e, "", 0, km, 3, km, sizeof km);
    size_t room = 0;
    uint8_t *w = tls_engine_write_buf(e, &room);
    if (w != NULL && room >= 5) {
        memcpy(w, "ping\n", 5);
        (void)tls_engine_write_ack(e, 5);
    }
    (void)tls_engine_key_update(e, 1);
    w = tls_engine_write_buf(e, &room);
    if (w != NULL && room > 0) (void)tls_engine_write_ack(e, 0);
    (void)tls_engine_close(e);
    fuzz_drain(e, NULL);
    (void)tls_engine_recv_eof(e);
    tls_engine_trim(e);
    check_failure(e, failed_with);
    look(e);
}

void fuzz_report(const char *target, int sc, const tls_engine *e) {
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("TLSIO_FUZZ_VERBOSE") != NULL;
    if (!verbose) return;
    unsigned st = tls_engine_status(e);
    fprintf(stderr, "%s %s: %s%s%s%s %s\n", target, fuzz_scenario_name(sc),
            st & TLS_ST_CONNECTED ? "connected" : "not connected",
            tls_engine_resumed(e) ? ", resumed" : "",
            st & TLS_ST_PEER_CLOSED ? ", peer closed" : "", st & TLS_ST_FAILED ? ", failed:" : "",
            st & TLS_ST_FAILED ? tls_engine_error(e) : "");
}

/* ---- handshakes ---------------------------------------------------------------------------- */

int fuzz_run_to_client_flight(tls_engine *c, tls_engine *s, fuzz_buf *client_out) {
    fuzz_buf to_s = {0}, to_c = {0};
    int rc = -1;
    fuzz_drain(c, &to_s);
    for (int round = 0; round < 4 && to_s.len > 0; round++) {
        fuzz_feed(s, to_s.p, to_s.len, 0, &to_c);
        to_s.len = 0;
        fuzz_feed(c, to_c.p, to_c.len, 0, &to_s);
        to_c.len = 0;
        /* Only now does the client know the version. */
        uint16_t v = tls_engine_version(c);
        const char *label = v == TLS_VERSION_1_3   ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
                            : v == TLS_VERSION_1_2 ? "CLIENT_RANDOM"
                                                   : NULL;
        if (label != NULL && fuzz_secret_find(c, label) != NULL) {
            if (client_out) fuzz_buf_add(client_out, to_s.p, to_s.len);
            rc = 0;
            break;
        }
    }
    fuzz_buf_free(&to_s);
    fuzz_buf_free(&to_c);
    return rc;
}

/* ---- records -------------------------------------------------------------------------------- */

static const tlsio_suite *suite_of(uint16_t id) {
    const tlsio_suite *s = tlsio_suite_find(id);
    if (s == NULL) die("unknown suite");
    return s;
}

int fuzz_sealer_tls13(fuzz_sealer *s, uint16_t suite, const uint8_t *secret, size_t len) {
    const tlsio_suite *st = suite_of(suite);
    tlsio_err err;
    tlsio_traffic_keys k;
    fuzz_sealer_free(s);
    if (len > sizeof s->secret || len != tlsio_hash_len(st->hash)) return -1;
    memcpy(s->secret, secret, len);
    s->secret_len = len;
    s->suite = suite;
    tlsio_err_clear(&err);
    int rc = tlsio_traffic_keys_derive(st->hash, st->aead, secret, &k, &err);
    if (rc == 0) rc = tlsio_rl_set_tls13(&s->d, st->aead, k.key, k.key_len, k.iv, &err);
    tlsio_traffic_keys_wipe(&k);
    s->live = rc == 0;
    return rc == 0 ? 0 : -1;
}

int fuzz_sealer_update(fuzz_sealer *s) {
    if (!s->live || s->d.mode != TLSIO_RL_TLS13) return -1;
    tlsio_err err;
    tlsio_err_clear(&err);
    uint8_t next[48];
    memcpy(next, s->secret, s->secret_len);
    if (tlsio_traffic_secret_update(suite_of(s->suite)->hash, next, &err) != 0) return -1;
    return fuzz_sealer_tls13(s, s->suite, next, s->secret_len);
}

int fuzz_sealer_tls12(fuzz_sealer *s, uint16_t suite, const uint8_t master[48],
                      const uint8_t client_random[32], const uint8_t server_random[32],
                      int client_write) {
    const tlsio_suite *st = suite_of(suite);
    tlsio_tls12_keys k;
    tlsio_err err;
    tlsio_err_clear(&err);
    fuzz_sealer_free(s);
    s->suite = suite;
    int rc =
        tlsio_prf12_key_block(st->hash, st->aead, master, client_random, server_random, &k, &err);
    if (rc == 0)
        rc =
            tlsio_rl_set_tls12(&s->d, st->aead, client_write ? k.client_key : k.server_key,
                               k.key_len, client_write ? k.client_iv : k.server_iv, k.iv_len, &err);
    memset(&k, 0, sizeof k);
    s->live = rc == 0;
    return rc == 0 ? 0 : -1;
}

void fuzz_sealer_free(fuzz_sealer *s) {
    if (s->live) tlsio_rl_dir_wipe(&s->d);
    memset(s, 0, sizeof *s);
    tlsio_rl_dir_init(&s->d);
}

void fuzz_seal(fuzz_sealer *s, uint8_t type, const uint8_t *p, size_t n, size_t pad,
               fuzz_buf *out) {
    size_t off = 0;
    do {
        /* Within the peer's record_size_limit when the sealer has one (RFC 8449 §4). */
        size_t max =
            s != NULL && s->live ? tlsio_rl_max_payload(&s->d) : TLSIO_RECORD_MAX_PLAINTEXT;
        size_t k = n - off > max ? max : n - off;
        if (s == NULL || !s->live) {
            fuzz_buf_u8(out, type);
            fuzz_buf_u16(out, 0x0303);
            fuzz_buf_u16(out, (uint16_t)k);
            fuzz_buf_add(out, p + off, k);
        } else {
            uint8_t rec[TLSIO_RECORD_MAX_SEALED_LEN];
            size_t pre = tlsio_rl_seal_prefix_len(&s->d), len = 0;
            size_t pd = s->d.mode == TLSIO_RL_TLS13 ? pad : 0;
            if (pd + k > TLSIO_RECORD_MAX_PLAINTEXT) pd = TLSIO_RECORD_MAX_PLAINTEXT - k;
            tlsio_err err;
            tlsio_err_clear(&err);
            memcpy(rec + pre, p + off, k);
            /* What seal refuses (an empty handshake record, say) goes out in the clear. */
            if (tlsio_rl_seal(&s->d, type, rec, sizeof rec, k, pd, &len, &err) == 0) {
                fuzz_buf_add(out, rec, len);
            } else {
                fuzz_buf_u8(out, type);
                fuzz_buf_u16(out, 0x0303);
                fuzz_buf_u16(out, (uint16_t)k);
                fuzz_buf_add(out, p + off, k);
            }
        }
        off += k;
    } while (off < n);
}

/* ---- input formats ------------------------------------------------------------------------ */

void fuzz_put_record(fuzz_buf *b, uint8_t flags, uint8_t type, const uint8_t *p, size_t n) {
    fuzz_buf_u8(b, flags);
    fuzz_buf_u8(b, type);
    fuzz_buf_u16(b, (uint16_t)n);
    fuzz_buf_add(b, p, n);
}

void fuzz_put_element(fuzz_buf *b, uint8_t kind, const uint8_t *p, size_t n) {
    fuzz_buf_u8(b, kind);
    fuzz_buf_u16(b, (uint16_t)n);
    fuzz_buf_add(b, p, n);
}

/* ---- codecs ---------------------------------------------------------------------------------- */

#define MAX_CODECS 128
static fuzz_codec codecs[MAX_CODECS];
static size_t n_codecs;

static void add_codec(const char *name, const tlsio_codec *c, const tlsio_ext_row *row) {
    if (c == NULL) return;
    for (size_t i = 0; i < n_codecs; i++)
        if (codecs[i].codec == c && codecs[i].row == row) return;
    if (n_codecs == MAX_CODECS) die("too many codecs");
    codecs[n_codecs++] = (fuzz_codec){name, c, row};
}

static void codecs_init(void) {
    if (n_codecs > 0) return;
    for (size_t i = 0; i < tlsio_msg_table_len; i++) {
        add_codec(tlsio_msg_table[i].name, tlsio_msg_table[i].codec13, NULL);
        add_codec(tlsio_msg_table[i].name, tlsio_msg_table[i].codec12, NULL);
    }
    const tlsio_codec *elems[] = {
        &tlsio_codec_certificate_entry,
        &tlsio_codec_asn1_cert,
        &tlsio_codec_key_share_entry,
        &tlsio_codec_psk_identity,
        &tlsio_codec_psk_binder,
        &tlsio_codec_server_name,
        &tlsio_codec_protocol_name,
        &tlsio_codec_distinguished_name,
        &tlsio_codec_u8_elem,
        &tlsio_codec_u16_elem,
        &tlsio_codec_empty,
    };
    for (size_t i = 0; i < sizeof elems / sizeof elems[0]; i++)
        add_codec(elems[i]->name, elems[i], NULL);
    for (size_t i = 0; i < tlsio_ext_table_len; i++)
        add_codec(tlsio_ext_table[i].name, tlsio_ext_table[i].body, &tlsio_ext_table[i]);
    /* What a ticket seals and a tls_session stores (session.h). */
    add_codec(tlsio_codec_sess_state.name, &tlsio_codec_sess_state, NULL);
}

size_t fuzz_codec_count(void) {
    codecs_init();
    return n_codecs;
}

const fuzz_codec *fuzz_codec_at(size_t i) {
    codecs_init();
    return i < n_codecs ? &codecs[i] : NULL;
}

int fuzz_codec_index(const tlsio_codec *c, const tlsio_ext_row *row) {
    codecs_init();
    for (size_t i = 0; i < n_codecs; i++)
        if (row ? codecs[i].row == row : (codecs[i].codec == c && codecs[i].row == NULL))
            return (int)i;
    return -1;
}
