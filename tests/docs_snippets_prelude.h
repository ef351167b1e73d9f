/* What tests/docs_snippets.py puts before each C snippet of the docs: the headers a program
 * using tlsio includes, and the names the snippets take for granted (the reader's config,
 * connection, socket, buffers). Declared, never defined: the snippets are only compiled. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <tlsio/core.h>
#include <tlsio/tls.h>

extern tls_config *cfg;
extern tls *t;
extern tls_engine *e;
extern tls_error why;
extern int fd, listen_fd;
extern char buf[16384];
extern uint8_t keys[4 * TLS_TICKET_KEY_LEN];
extern size_t n, len, req_len;
extern unsigned n_keys;
extern const char *req;
extern const uint8_t *data;
