/* SIGTERM/SIGINT (stop) and SIGHUP (reload) turned into pipe events: see toolsig.h. */
#define _POSIX_C_SOURCE 200809L
#include "toolsig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

/* A signal handler can reach only static storage: these are the write ends the handlers use
 * (-1: none, or the stop pipe already closed). sig_atomic_t: read and written whole. */
static volatile sig_atomic_t stop_w = -1, reload_w = -1;

static void on_signal(int sig) {
    int saved = errno; /* the interrupted code may be about to read errno */
    if (sig == SIGHUP) {
        if (reload_w >= 0) (void)!write(reload_w, "h", 1); /* full pipe: one is pending */
    } else if (stop_w >= 0) {
        int fd = stop_w;
        stop_w = -1; /* the others are blocked while we run (sa_mask): no second close */
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
    stop_w = stop[1];
    reload_w = reload[1];
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
