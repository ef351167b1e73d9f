/* The poll loop of tls-proxy: accept, pump, expire, and at stop drain and return. */
#define _POSIX_C_SOURCE 200809L
#define _GNU_SOURCE     /* accept4 */
#include "proxy_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy_log.h"

/* New connections taken per wake-up, so that a flood of them cannot starve the open ones. */
#define ACCEPT_BATCH 64

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

tls_config *shared_config(proxy_shared *sh) {
    pthread_mutex_lock(&sh->lock);
    tls_config *cfg = tls_config_ref(sh->cfg);
    pthread_mutex_unlock(&sh->lock);
    return cfg;
}

/* After SIGHUP: new connections use the new config; open ones keep theirs. */
static void refresh_config(proxy_loop *L) {
    unsigned gen = atomic_load(&L->sh->cfg_gen);
    if (L->cfg != NULL && gen == L->gen) return;
    tls_config_free(L->cfg);
    L->cfg = shared_config(L->sh);
    L->gen = gen;
}

static int grow(proxy_loop *L) {
    size_t cap = L->cap ? L->cap * 2 : 64;
    proxy_conn **c = realloc(L->conn, cap * sizeof *c);
    if (c == NULL) return -1;
    L->conn = c;
    struct pollfd *p = realloc(L->pfd, (2 + 2 * cap) * sizeof *p);
    if (p == NULL) return -1;
    L->pfd = p;
    L->cap = cap;
    return 0;
}

/* The line is written after the sockets are closed, so a reader of the log knows that a
 * logged connection holds nothing; one fputs keeps lines from several loops whole. */
static void finish(proxy_loop *L, size_t i, int64_t now) {
    char line[2048];
    conn_log_line(L->conn[i], now, line, sizeof line);
    conn_free(L->conn[i]);
    fputs(line, stdout);
    fflush(stdout);
    L->conn[i] = L->conn[--L->n];
    atomic_fetch_sub(&L->sh->conns, 1);
}

/* Takes a connection slot from the shared count, if max_conns allows. */
static int take_slot(proxy_shared *sh) {
    int n = atomic_fetch_add(&sh->conns, 1);
    if (n < sh->max_conns) return 1;
    atomic_fetch_sub(&sh->conns, 1);
    return 0;
}

static void accept_some(proxy_loop *L, int64_t now) {
    for (int k = 0; k < ACCEPT_BATCH; k++) {
        if (L->n == L->cap && grow(L) != 0) return;
        if (!take_slot(L->sh)) return; /* the rest wait in the backlog */
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(L->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            atomic_fetch_sub(&L->sh->conns, 1);
            if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
                fprintf(stderr, "tls-proxy: accept: %s\n", strerror(errno));
            return;
        }
        char why[256];
        proxy_conn *c =
            conn_new(&L->sh->set, L->cfg, fd, (struct sockaddr *)&ss, len, now, why, sizeof why);
        if (c == NULL) {
            atomic_fetch_sub(&L->sh->conns, 1);
            fprintf(stderr, "tls-proxy: %s\n", why);
            continue;
        }
        L->conn[L->n++] = c;
        if (conn_pump(c, now) != 0) finish(L, L->n - 1, now); /* the ClientHello may be here */
    }
}

/* Fills the poll set; returns the poll timeout (ms, -1: none). */
static int prepare(proxy_loop *L, int accepting, int64_t now) {
    int64_t next = INT64_MAX;
    L->pfd[0] = (struct pollfd){.fd = accepting ? L->lfd : -1, .events = POLLIN};
    /* The stop pipe stays readable once written: after stopping it would only spin us. */
    L->pfd[1] = (struct pollfd){.fd = L->lfd >= 0 ? L->sh->wake_fd : -1, .events = POLLIN};
    for (size_t i = 0; i < L->n; i++) {
        conn_events(L->conn[i], &L->pfd[2 + 2 * i]);
        int64_t d = conn_deadline(L->conn[i]);
        if (d < next) next = d;
    }
    if (next == INT64_MAX) return -1;
    return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

/* SIGTERM/SIGINT seen: stop listening, let every connection drain. */
static void begin_stop(proxy_loop *L, int64_t now) {
    close(L->lfd);
    L->lfd = -1;
    for (size_t i = L->n; i-- > 0;) {
        conn_stop(L->conn[i], now);
        /* Start the drain now: no event may come for a connection that is quiet. */
        if (conn_pump(L->conn[i], now) || conn_expire(L->conn[i], now)) finish(L, i, now);
    }
}

int loop_run(proxy_loop *L) {
    if (grow(L) != 0) return 1;
    for (;;) {
        int64_t now = now_ms();
        if (L->lfd >= 0 && atomic_load(&L->sh->stop)) begin_stop(L, now);
        if (L->lfd < 0 && L->n == 0) break;
        int accepting = L->lfd >= 0 && atomic_load(&L->sh->conns) < L->sh->max_conns;
        int timeout = prepare(L, accepting, now);
        if (poll(L->pfd, 2 + 2 * L->n, timeout) < 0 && errno != EINTR) {
            perror("tls-proxy: poll");
            return 1;
        }
        now = now_ms();
        /* Backwards: finish() moves the last connection into the freed slot. */
        for (size_t i = L->n; i-- > 0;) {
            int ready = L->pfd[2 + 2 * i].revents | L->pfd[3 + 2 * i].revents;
            proxy_conn *c = L->conn[i];
            if ((ready && conn_pump(c, now)) || conn_expire(c, now)) finish(L, i, now);
        }
        if (L->lfd >= 0 && (L->pfd[0].revents & POLLIN)) {
            refresh_config(L); /* a SIGHUP may have come while this loop slept */
            accept_some(L, now);
        }
    }
    tls_config_free(L->cfg);
    free(L->conn);
    free(L->pfd);
    return 0;
}
