/* The client session cache a config holds (see session_cache.h). */
#define _POSIX_C_SOURCE 200809L
#include "session_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"

/* One session, in a list ordered by arrival: head the oldest, tail the newest. A linear scan
 * finds a key: the cache holds at most TLSIO_MAX_SESSION_CACHE sessions and is consulted once
 * per connection, which costs far less than the handshake it saves. */
typedef struct cache_node {
    struct cache_node *prev, *next;
    tls_session *s;
    char key[TLSIO_SESSION_KEY_MAX];
} cache_node;

typedef struct session_cache {
    pthread_mutex_t mu;
    cache_node *head, *tail;
    size_t n;
} session_cache;

int tlsio_session_key(char *out, size_t cap, const char *server_name, unsigned port) {
    int k = snprintf(out, cap, "%u %s", port, server_name);
    if (k < 0 || (size_t)k >= cap) return -1;
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return 0;
}

static void unlink_node(session_cache *c, cache_node *n) {
    if (n->prev)
        n->prev->next = n->next;
    else
        c->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        c->tail = n->prev;
    c->n--;
}

static void node_free(cache_node *n) {
    tls_session_free(n->s); /* wipes the secret */
    free(n);
}

/* Frees nodes chained by next (unlinked under the lock, freed outside it). */
static void free_list(cache_node *drop) {
    while (drop != NULL) {
        cache_node *next = drop->next;
        node_free(drop);
        drop = next;
    }
}

static void cache_free(void *p) {
    session_cache *c = p;
    for (cache_node *n = c->head, *next; n != NULL; n = next) {
        next = n->next;
        node_free(n);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* cfg's cache; made (and published with a compare-exchange, so that threads racing to make
 * it agree on one) when create is set. NULL when there is none (or no memory). */
static session_cache *get_cache(tls_config *cfg, int create) {
    session_cache *c = atomic_load_explicit(&cfg->session_cache, memory_order_acquire);
    if (c != NULL || !create) return c;
    session_cache *mine = calloc(1, sizeof(*mine));
    if (mine == NULL) return NULL;
    if (pthread_mutex_init(&mine->mu, NULL) != 0) {
        free(mine);
        return NULL;
    }
    void *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&cfg->session_cache, &expected, mine,
                                                 memory_order_acq_rel, memory_order_acquire)) {
        cache_free(mine); /* another thread's cache won */
        return expected;
    }
    /* Only the thread that published the cache writes this, and tls_config_free (which
     * reads it) runs after every user of the config, this one included, let go of it. */
    cfg->session_cache_free = cache_free;
    return mine;
}

int tlsio_session_cache_put(tls_config *cfg, const char *key, tls_session *s) {
    size_t cap = cfg->session_cache_size;
    if (s == NULL) return 0;
    if (cap == 0 || strlen(key) >= TLSIO_SESSION_KEY_MAX) {
        tls_session_free(s);
        return 0;
    }
    session_cache *c = get_cache(cfg, 1);
    cache_node *add = c != NULL ? malloc(sizeof(*add)) : NULL;
    if (add == NULL) {
        tls_session_free(s);
        errno = ENOMEM;
        return -1;
    }
    add->s = s;
    memcpy(add->key, key, strlen(key) + 1);
    cache_node *drop = NULL; /* freed outside the lock */
    pthread_mutex_lock(&c->mu);
    /* This server's oldest goes when it holds its share already. */
    size_t same = 0;
    cache_node *oldest_same = NULL;
    for (cache_node *n = c->tail; n != NULL; n = n->prev)
        if (strcmp(n->key, key) == 0) {
            same++;
            oldest_same = n;
        }
    if (same >= TLSIO_SESSION_CACHE_PER_SERVER) {
        unlink_node(c, oldest_same);
        oldest_same->next = drop;
        drop = oldest_same;
    }
    /* Then the oldest of all, until there is room. */
    while (c->n >= cap && c->head != NULL) {
        cache_node *n = c->head;
        unlink_node(c, n);
        n->next = drop;
        drop = n;
    }
    add->next = NULL;
    add->prev = c->tail;
    if (c->tail)
        c->tail->next = add;
    else
        c->head = add;
    c->tail = add;
    c->n++;
    pthread_mutex_unlock(&c->mu);
    free_list(drop);
    return 0;
}

tls_session *tlsio_session_cache_take(tls_config *cfg, const char *key, int64_t now_ms) {
    if (cfg->session_cache_size == 0) return NULL;
    session_cache *c = get_cache(cfg, 0);
    if (c == NULL) return NULL;
    cache_node *found = NULL, *drop = NULL;
    pthread_mutex_lock(&c->mu);
    for (cache_node *n = c->tail, *prev; n != NULL && found == NULL; n = prev) {
        prev = n->prev;
        if (strcmp(n->key, key) != 0) continue;
        unlink_node(c, n);
        /* An expired ticket can never be offered (RFC 8446 §4.6.1): forget it now. */
        if (now_ms >= 0 && tls_session_expiry(n->s) <= now_ms) {
            n->next = drop;
            drop = n;
        } else {
            found = n;
        }
    }
    pthread_mutex_unlock(&c->mu);
    free_list(drop);
    if (found == NULL) return NULL;
    tls_session *s = found->s;
    free(found);
    return s;
}

void tlsio_session_cache_forget(tls_config *cfg, const char *key) {
    session_cache *c = get_cache(cfg, 0);
    if (c == NULL) return;
    cache_node *drop = NULL;
    pthread_mutex_lock(&c->mu);
    for (cache_node *n = c->head, *next; n != NULL; n = next) {
        next = n->next;
        if (strcmp(n->key, key) != 0) continue;
        unlink_node(c, n);
        n->next = drop;
        drop = n;
    }
    pthread_mutex_unlock(&c->mu);
    free_list(drop);
}

size_t tlsio_session_cache_count(tls_config *cfg, const char *key) {
    session_cache *c = get_cache(cfg, 0);
    if (c == NULL) return 0;
    size_t k = 0;
    pthread_mutex_lock(&c->mu);
    for (cache_node *n = c->head; n != NULL; n = n->next)
        if (key == NULL || strcmp(n->key, key) == 0) k++;
    pthread_mutex_unlock(&c->mu);
    return k;
}
