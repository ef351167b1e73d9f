/* A config swapped whole on reload, shared by threads: see toolcfg.h. */
#include "toolcfg.h"

#include <stdio.h>

#include "toollog.h"

int toolcfg_init(toolcfg *tc, toolcfg_build_fn build, void *arg, char *why, size_t n) {
    tc->build = build;
    tc->arg = arg;
    atomic_init(&tc->generation, 1);
    tc->cur = build(arg, why, n);
    if (tc->cur == NULL) return -1;
    pthread_mutex_init(&tc->lock, NULL);
    return 0;
}

tls_config *toolcfg_get(toolcfg *tc) {
    pthread_mutex_lock(&tc->lock);
    tls_config *cfg = tls_config_ref(tc->cur);
    pthread_mutex_unlock(&tc->lock);
    return cfg;
}

unsigned toolcfg_generation(toolcfg *tc) {
    return atomic_load(&tc->generation);
}

int toolcfg_reload(toolcfg *tc, char *why, size_t n) {
    tls_config *fresh = tc->build(tc->arg, why, n);
    if (fresh == NULL) return -1;
    pthread_mutex_lock(&tc->lock);
    tls_config *old = tc->cur;
    tc->cur = fresh;
    atomic_fetch_add(&tc->generation, 1); /* after cur: a reader of the new number gets it */
    pthread_mutex_unlock(&tc->lock);
    tls_config_free(old); /* freed now only if no connection holds it */
    return 0;
}

void toolcfg_reload_logged(toolcfg *tc) {
    char why[512], gen[16];
    if (toolcfg_reload(tc, why, sizeof why) != 0) {
        toollog_event("reload", "result", "failed", "why", why, "kept", "the previous config",
                      (char *)NULL);
        return;
    }
    snprintf(gen, sizeof gen, "%u", toolcfg_generation(tc));
    toollog_event("reload", "result", "ok", "generation", gen, (char *)NULL);
}

void toolcfg_destroy(toolcfg *tc) {
    tls_config_free(tc->cur);
    tc->cur = NULL;
    pthread_mutex_destroy(&tc->lock);
}
