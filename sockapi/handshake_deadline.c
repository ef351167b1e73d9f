/* The handshake timeout: a deadline on the monotonic clock, set when a connection is made,
 * that the handshake must meet. Blocking sockets wait for it in poll; nonblocking ones learn
 * it from tls_handshake_remaining_ms and fail on the first call after it. The core has no
 * clock: only the facade reads one, here. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "../core/config.h"
#include "sock.h"

int tls_config_set_handshake_timeout(tls_config *cfg, unsigned ms) {
    if (cfg == NULL) return TLS_E_USAGE;
    int rc = tlsio_config_check_mutable(cfg);
    if (rc != 0) return rc;
    tlsio_err_clear(&cfg->err);
    cfg->handshake_timeout_ms = ms;
    return 0;
}

/* Monotonic: a wall clock set back or forward must not stretch or cut a timeout. */
int64_t tlsio_sock_now_ms(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tlsio_sock_deadline_start(tls *t, unsigned timeout_ms) {
    t->hs_timeout_ms = timeout_ms;
    t->hs_deadline = timeout_ms ? tlsio_sock_now_ms() + timeout_ms : 0; /* > 0 when set */
}

int tlsio_sock_deadline_passed(const tls *t) {
    return t->hs_deadline != 0 && tlsio_sock_now_ms() >= t->hs_deadline;
}

/* Rounded up, so that a poll given it does not wake just before the deadline and spin. */
int tls_handshake_remaining_ms(const tls *t) {
    if (t == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (t->hs_deadline == 0 || t->failed ||
        (tls_engine_status(t->e) & (TLS_ST_CONNECTED | TLS_ST_FAILED)))
        return -1;
    int64_t left = t->hs_deadline - tlsio_sock_now_ms();
    if (left <= 0) return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* "127.0.0.1 port 4433", "::1 port 4433", or "the peer" when the socket is not IP. */
static void describe_peer(int fd, char *out, size_t cap) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char addr[INET6_ADDRSTRLEN];
    unsigned port = 0;
    const void *where = NULL;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0) ss.ss_family = AF_UNSPEC;
    if (ss.ss_family == AF_INET) {
        where = &((struct sockaddr_in *)&ss)->sin_addr;
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        where = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    if (where != NULL && inet_ntop(ss.ss_family, where, addr, sizeof(addr)) != NULL)
        snprintf(out, cap, "%s port %u", addr, port);
    else
        snprintf(out, cap, "the peer");
}

void tlsio_sock_timeout_sentence(const tls *t, char *out, size_t cap) {
    char peer[INET6_ADDRSTRLEN + 16];
    describe_peer(t->fd, peer, sizeof(peer));
    snprintf(out, cap, "the TLS handshake with %s did not complete within %u ms", peer,
             t->hs_timeout_ms);
}
