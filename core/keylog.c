/*
 * NSS key log lines (the format Wireshark and other tools read): one line per secret, the
 * label, the connection's ClientHello.random and the secret, both in hex. Only when the
 * config asks (tls_config_set_keylog): the lines let anyone who holds them decrypt the
 * connection.
 */
#include "keylog.h"

#include <string.h>
#include <openssl/mem.h>

#include "config.h"
#include "hexstr.h"

/* The longest label ("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), two spaces, 64 + 2 * 48 hex digits. */
#define KEYLOG_LINE_MAX 200

void tlsio_keylog(const tls_engine *e, const char *label, const uint8_t *secret, size_t len) {
    const tls_config *cfg = e->cfg;
    size_t label_len = strlen(label);
    if (cfg->keylog == NULL || e->hs == NULL || len > TLSIO_MAX_HASH_LEN ||
        label_len + 2 + 64 + 2 * len + 1 > KEYLOG_LINE_MAX)
        return;
    char line[KEYLOG_LINE_MAX];
    size_t n = 0;
    memcpy(line, label, label_len);
    n += label_len;
    line[n++] = ' ';
    n += tlsio_hex_lower(line + n, e->hs->client_random, sizeof(e->hs->client_random));
    line[n++] = ' ';
    n += tlsio_hex_lower(line + n, secret, len);
    line[n] = '\0';
    cfg->keylog(cfg->keylog_arg, e, line);
    OPENSSL_cleanse(line, sizeof(line));
}
