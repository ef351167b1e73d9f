/* The poll loop of tls-proxy: accept, pump, expire, and at stop drain and return. */
#define _POSIX_C_SOURCE 200809L
#define _GNU_SOURCE     /* accept4 */
#include "proxy_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy_log.h"
#include "toollog.h"

/* New connections taken per wake-up, so that a flood of them cannot starve the open ones. */
#define ACCEPT_BATCH 64
/* Out of descriptors (EMFILE, ENFILE): the pending connection stays in the backlog and the
 * listener readable, so polling it would only spin. It rests this long instead. */
#define ACCEPT_PAUSE_MS 100

/* The poll set: listening socket, stop and reload pipes, then two entries per connection. */
enum { P_LISTEN, P_STOP, P_RELOAD, P_CONNS };

/* After SIGHUP: new connections use the new config; open ones keep theirs. Only a changed
 * generation costs a lock. */
static void refresh_config(proxy_loop *L) {
    unsigned gen = toolcfg_generation(&L->sh->cfg);
    if (L->cfg != NULL && gen == L->gen) return;
    tls_config_free(L->cfg);
    L->cfg = toolcfg_get(&L->sh->cfg);
    L->gen = gen;
}

static int grow(proxy_loop *L) {
    size_t cap = L->cap ? L->cap * 2 : 64;
    proxy_conn **c = realloc(L->conn, cap * sizeof *c);
    if (c == NULL) return -1;
    L->conn = c;
    struct pollfd *p = realloc(L->pfd, (P_CONNS + 2 * cap) * sizeof *p);
    if (p == NULL) return -1;
    L->pfd = p;
    L->cap = cap;
    return 0;
}

/* The line is written after the sockets are closed, so a reader of the log knows that a
 * logged connection holds nothing (toollog_end_line, then toollog_write). */
static void finish(proxy_loop *L, size_t i) {
    char line[2048];
    conn_log_line(L->conn[i], line, sizeof line);
    conn_free(L->conn[i]);
    toollog_write(line);
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

/* accept4 failed with err: nothing pending, or a pause when out of descriptors (one
 * message per episode, not one per try). */
static void accept_failed(proxy_loop *L, int err, int64_t now) {
    if (err == EAGAIN || err == ECONNABORTED || err == EINTR) return;
    if (err == EMFILE || err == ENFILE) {
        L->accept_paused_until = now + ACCEPT_PAUSE_MS;
        if (L->accept_paused) return;
        L->accept_paused = 1;
        fprintf(stderr, "tls-proxy: accept: %s: new connections wait until some end\n",
                strerror(err));
        return;
    }
    fprintf(stderr, "tls-proxy: accept: %s\n", strerror(err));
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
            accept_failed(L, errno, now);
            return;
        }
        L->accept_paused = 0;
        char why[256];
        proxy_conn *c =
            conn_new(&L->sh->set, L->cfg, fd, (struct sockaddr *)&ss, len, now, why, sizeof why);
        if (c == NULL) {
            atomic_fetch_sub(&L->sh->conns, 1);
            fprintf(stderr, "tls-proxy: %s\n", why);
            continue;
        }
        L->conn[L->n++] = c;
        if (conn_pump(c, now) != 0) finish(L, L->n - 1); /* the ClientHello may be here */
    }
}

/* Fills the poll set; returns the poll timeout (ms, -1: none). */
static int prepare(proxy_loop *L, int accepting, int64_t now) {
    int64_t next = INT64_MAX;
    if (accepting && now < L->accept_paused_until) {
        accepting = 0;
        next = L->accept_paused_until;
    }
    L->pfd[P_LISTEN] = (struct pollfd){.fd = accepting ? L->lfd : -1, .events = POLLIN};
    /* The stop pipe stays readable once closed: after stopping it would only spin us. */
    L->pfd[P_STOP] = (struct pollfd){.fd = L->lfd >= 0 ? L->sh->sig.stop_fd : -1, .events = POLLIN};
    L->pfd[P_RELOAD] = (struct pollfd){.fd = L->sh->sig.reload_fd, .events = POLLIN};
    for (size_t i = 0; i < L->n; i++) {
        conn_events(L->conn[i], &L->pfd[P_CONNS + 2 * i]);
        int64_t d = conn_hot(L->conn[i]) ? now : conn_deadline(L->conn[i]);
        if (d < next) next = d;
    }
    if (next == INT64_MAX) return -1;
    return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

/* SIGTERM/SIGINT seen: stop listening, let every connection drain. */
static void begin_stop(proxy_loop *L, int64_t now) {
    char open[24], idx[16];
    snprintf(open, sizeof open, "%zu", L->n);
    snprintf(idx, sizeof idx, "%d", L->index);
    toollog_event("stop", "open", open, "loop", idx, (char *)NULL);
    close(L->lfd);
    L->lfd = -1;
    for (size_t i = L->n; i-- > 0;) {
        conn_stop(L->conn[i], now);
        /* Start the drain now: no event may come for a connection that is quiet. */
        if (conn_pump(L->conn[i], now) || conn_expire(L->conn[i], now)) finish(L, i);
    }
}

int loop_run(proxy_loop *L) {
    if (grow(L) != 0) return 1;
    for (;;) {
        int64_t now = toollog_now_ms();
        if (L->lfd < 0 && L->n == 0) break;
        int accepting = L->lfd >= 0 && atomic_load(&L->sh->conns) < L->sh->max_conns;
        int timeout = prepare(L, accepting, now);
        if (poll(L->pfd, P_CONNS + 2 * L->n, timeout) < 0) {
            if (errno == EINTR) continue; /* a signal: its pipe says which */
            perror("tls-proxy: poll");
            return 1;
        }
        now = toollog_now_ms();
        /* Backwards: finish() moves the last connection into the freed slot. */
        for (size_t i = L->n; i-- > 0;) {
            struct pollfd *p = &L->pfd[P_CONNS + 2 * i];
            proxy_conn *c = L->conn[i];
            int ready = (p[0].revents | p[1].revents) || conn_hot(c);
            if ((ready && conn_pump(c, now)) || conn_expire(c, now)) finish(L, i);
        }
        /* One loop takes a SIGHUP; the others see the new generation at their next accept. */
        if ((L->pfd[P_RELOAD].revents & POLLIN) && toolsig_take_reload(&L->sh->sig))
            toolcfg_reload_logged(&L->sh->cfg);
        if (L->pfd[P_STOP].revents) {
            begin_stop(L, now);
            continue;
        }
        if (L->lfd >= 0 && (L->pfd[P_LISTEN].revents & POLLIN)) {
            refresh_config(L); /* a SIGHUP may have come while this loop slept */
            accept_some(L, now);
        }
    }
    tls_config_free(L->cfg);
    free(L->conn);
    free(L->pfd);
    return 0;
}
