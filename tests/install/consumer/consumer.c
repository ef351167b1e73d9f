/*
 * A program outside the tlsio tree, built against an installed tlsio (tests/install/run.sh):
 * a verified TLS handshake between a client and a server engine in memory, then a message
 * each way. Prints the version and cipher; exit status 0 only if all of it worked.
 *
 *   consumer CHAIN.pem KEY.pem CA.pem
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <tlsio/tls.h>

/* Moves what a has to send into b's receive buffer. */
static void move(tls_engine *a, tls_engine *b) {
    size_t n, room;
    const uint8_t *p = tls_engine_send_buf(a, &n);
    uint8_t *q = tls_engine_recv_buf(b, &room);
    if (p == NULL || q == NULL) return;
    size_t k = n < room ? n : room;
    memcpy(q, p, k);
    tls_engine_send_ack(a, k);
    tls_engine_recv_ack(b, k);
}

static int say(tls_engine *from, tls_engine *to, const char *msg) {
    size_t room, n;
    uint8_t *w = tls_engine_write_buf(from, &room);
    if (w == NULL || room < strlen(msg)) return -1;
    memcpy(w, msg, strlen(msg));
    tls_engine_write_ack(from, strlen(msg));
    move(from, to);
    const uint8_t *r = tls_engine_read_buf(to, &n);
    if (r == NULL || n != strlen(msg) || memcmp(r, msg, n) != 0) return -1;
    return tls_engine_read_ack(to, n);
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    tls_config *scfg = tls_config_new(), *ccfg = tls_config_new();
    if (tls_config_add_cert_file(scfg, argv[1], argv[2]) != 0 ||
        tls_config_add_ca_file(ccfg, argv[3]) != 0) {
        fprintf(stderr, "config: %s%s\n", tls_config_error(scfg), tls_config_error(ccfg));
        return 1;
    }
    tls_engine *c = tls_engine_new_client(ccfg, "localhost"), *s = tls_engine_new_server(scfg);
    tls_engine_set_time(c, (int64_t)time(NULL));
    for (int i = 0; i < 20; i++) {
        move(c, s);
        move(s, c);
    }
    int ok = (tls_engine_status(c) & tls_engine_status(s) & TLS_ST_CONNECTED) &&
             say(c, s, "ping") == 0 && say(s, c, "pong") == 0;
    if (ok) {
        printf("tlsio %s: %s %s\n", tlsio_version(), tls_version_name(tls_engine_version(c)),
               tls_cipher_suite_name(tls_engine_cipher_suite(c)));
    } else {
        fprintf(stderr, "handshake: client '%s', server '%s'\n", tls_engine_error(c),
                tls_engine_error(s));
    }
    tls_engine_free(c);
    tls_engine_free(s);
    tls_config_free(ccfg);
    tls_config_free(scfg);
    return ok ? 0 : 1;
}
