/*
 * Signals for poll-loop tools: SIGTERM and SIGINT ask to stop, SIGHUP asks to reload. The
 * handlers only write to or close a pipe (both async-signal-safe, POSIX.1-2017 §2.4.3), so a
 * poll loop sees a signal as a readable descriptor and acts on it outside the handler.
 *
 * Stop is a broadcast: the first SIGTERM or SIGINT closes the write end of the stop pipe,
 * which leaves its read end readable (end of file) for good, so every thread that polls it
 * sees it, however many there are and whenever they look. Reload is taken once: each SIGHUP
 * puts a byte in the reload pipe and the first poller to drain it does the reload. A second
 * SIGTERM or SIGINT, while the first one's drain runs, ends the process at once (exit 1).
 */
#ifndef TLSIO_TOOLSIG_H
#define TLSIO_TOOLSIG_H

typedef struct toolsig {
    int stop_fd;   /* readable (POLLIN or POLLHUP) once SIGTERM or SIGINT came; never drained */
    int reload_fd; /* readable while a SIGHUP is pending: toolsig_take_reload drains it */
} toolsig;

/* Creates the pipes (nonblocking, close-on-exec) and installs the three handlers, each
 * blocking the others while it runs. Once per process, before any thread starts. SIGPIPE is
 * ignored as well (a peer that leaves must not end the process). 0, or -1 with errno. */
int toolsig_install(toolsig *s);

/* Whether a stop was asked for (does not wait). */
int toolsig_stopping(const toolsig *s);

/* 1 if a SIGHUP was pending and this caller took it (the pipe is now drained: act on it),
 * 0 if none was (or another thread took it first). */
int toolsig_take_reload(const toolsig *s);

#endif
