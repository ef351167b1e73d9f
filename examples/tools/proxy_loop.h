/* A tls-proxy poll loop: one listening socket, its connections, its timers. --threads N runs
 * N of them, one per thread, sharing a proxy_shared. */
#ifndef TLSIO_PROXY_LOOP_H
#define TLSIO_PROXY_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "proxy_conn.h"
#include "toolcfg.h"
#include "toolsig.h"

typedef struct proxy_shared {
    proxy_settings set;
    int max_conns;    /* all loops together */
    atomic_int conns; /* open connections, all loops */
    toolcfg cfg;      /* what new connections use; SIGHUP swaps it (toolcfg.h) */
    toolsig sig;      /* stop (SIGTERM/SIGINT) and reload (SIGHUP) pipes, polled by every loop */
} proxy_shared;

typedef struct proxy_loop {
    proxy_shared *sh;
    int lfd;         /* its listening socket (SO_REUSEPORT with several loops) */
    int index;       /* 0..threads-1, for its stop line */
    tls_config *cfg; /* its reference to the config of generation gen */
    unsigned gen;
    proxy_conn **conn; /* n open connections */
    size_t n, cap;
    struct pollfd *pfd;          /* P_CONNS + 2 * cap */
    int64_t accept_paused_until; /* out of descriptors: the listener is not polled till then */
    int accept_paused;           /* in such an episode (logged once; an accept ends it) */
    pthread_t thread;
} proxy_loop;

/* Runs the loop until the proxy stops and its connections are gone: 0, or 1 if it cannot
 * go on (poll failed, out of memory). */
int loop_run(proxy_loop *L);

#endif
