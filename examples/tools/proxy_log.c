/* The per-connection log line of tls-proxy, through toollog. */
#include "proxy_log.h"

#include "toollog.h"

void conn_log_line(const proxy_conn *c, char *line, size_t n) {
    const tls *t = conn_tls(c);
    toollog_conn lc = {.start_ms = c->start_ms,
                       /* The PROXY header went first to the backend: not the client's bytes. */
                       .in = c->dir[0].bytes > c->pp2_len ? c->dir[0].bytes - c->pp2_len : 0,
                       .out = c->dir[1].bytes,
                       .clean = c->end == NULL,
                       .why = c->end != NULL ? c->why : NULL,
                       .to_server = c->set->originate};
    toollog_set_peer(&lc, (const struct sockaddr *)&c->peer, c->peer_len);
    size_t off = toollog_begin(line, n, "conn", t, &lc);
    toollog_kv(line, n, &off, "backend", c->set->backend_name);
    if (c->set->originate) toollog_kv(line, n, &off, "upstream", tls_conn_peer_subject(t));
    toollog_kv(line, n, &off, "cause", c->end);
    toollog_end_line(line, n, off, t, &lc);
}
