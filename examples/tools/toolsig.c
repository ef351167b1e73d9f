/* SIGTERM/SIGINT (stop) and SIGHUP (reload) turned into pipe events: see toolsig.h. */
#define _POSIX_C_SOURCE 200809L
#include "toolsig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

/* A signal handler can reach only static storage: these are the write ends the handlers use
 * (-1: none, or the stop pipe already closed). Lock-free atomics may be used in a handler
 * (C11 7.14.1.1); the exchange makes the close happen once even when two stop signals run
 * their handlers at the same time on two threads (sa_mask blocks them in one thread only). */
static atomic_int stop_w = -1, reload_w = -1;

static void on_signal(int sig) {
    int saved = errno; /* the interrupted code may be about to read errno */
    if (sig == SIGHUP) {
        int fd = atomic_load(&reload_w);
        if (fd >= 0) (void)!write(fd, "h", 1); /* full pipe: one is pending */
    } else {
        int fd = atomic_exchange(&stop_w, -1);
        if (fd < 0) _exit(1); /* a second stop signal: the operator will not wait for the drain */
        close(fd);
    }
    errno = saved;
}

static int nonblocking_pipe(int p[2]) {
    if (pipe(p) != 0) return -1;
    for (int k = 0; k < 2; k++) {
        fcntl(p[k], F_SETFD, FD_CLOEXEC);
        fcntl(p[k], F_SETFL, fcntl(p[k], F_GETFL) | O_NONBLOCK);
    }
    return 0;
}

int toolsig_install(toolsig *s) {
    int stop[2], reload[2];
    if (nonblocking_pipe(stop) != 0) return -1;
    if (nonblocking_pipe(reload) != 0) {
        close(stop[0]);
        close(stop[1]);
        return -1;
    }
    s->stop_fd = stop[0];
    s->reload_fd = reload[0];
    atomic_store(&stop_w, stop[1]);
    atomic_store(&reload_w, reload[1]);
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < 3; k++)
        sigaddset(&sa.sa_mask, sigs[k]);
    for (int k = 0; k < 3; k++)
        if (sigaction(sigs[k], &sa, NULL) != 0) return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int toolsig_stopping(const toolsig *s) {
    struct pollfd p = {.fd = s->stop_fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

int toolsig_take_reload(const toolsig *s) {
    char buf[64];
    int took = 0;
    while (read(s->reload_fd, buf, sizeof buf) > 0)
        took = 1;
    return took;
}
