/* A tls-proxy poll loop: one listening socket, its connections, its timers. --threads N runs
 * N of them, one per thread, sharing a proxy_shared. */
#ifndef TLSIO_PROXY_LOOP_H
#define TLSIO_PROXY_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "proxy_conn.h"

typedef struct proxy_shared {
    proxy_settings set;
    int max_conns;        /* all loops together */
    atomic_int conns;     /* open connections, all loops */
    atomic_int stop;      /* SIGTERM/SIGINT: stop accepting and drain */
    atomic_uint cfg_gen;  /* bumped when cfg is replaced (SIGHUP) */
    pthread_mutex_t lock; /* guards cfg */
    tls_config *cfg;      /* what new connections use */
    int wake_fd;          /* read end of a pipe written at stop: readable for every loop */
} proxy_shared;

typedef struct proxy_loop {
    proxy_shared *sh;
    int lfd;         /* its listening socket (SO_REUSEPORT with several loops) */
    tls_config *cfg; /* its reference to the config of generation gen */
    unsigned gen;
    proxy_conn **conn; /* n open connections */
    size_t n, cap;
    struct pollfd *pfd; /* 2 + 2 * cap */
    pthread_t thread;
} proxy_loop;

/* Runs the loop until the proxy stops and its connections are gone: 0, or 1 if it cannot
 * go on (poll failed, out of memory). */
int loop_run(proxy_loop *L);

/* The shared config with a reference for the caller (tls_config_free it). */
tls_config *shared_config(proxy_shared *sh);

#endif
