/* The key log written to a file (tls_config_set_keylog_file): the core's key log lines, one
 * per line, appended to a file only the owner may read. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/mem.h>
#include <tlsio/core.h>
#include <tlsio/tls.h>

#include "../core/config.h"

/* The longest core line (keylog.c) and its newline. */
#define LINE_MAX_BYTES 256

/* One write(2) per line on an O_APPEND descriptor: lines of connections on several threads
 * never interleave, nothing is held back in a stdio buffer (a crash loses none, and no copy
 * of a secret stays in a buffer), and the line is wiped after. */
static void write_line(void *arg, const tls_engine *e, const char *line) {
    (void)e;
    int fd = *(int *)arg;
    char buf[LINE_MAX_BYTES];
    size_t n = strlen(line);
    if (n + 1 > sizeof buf) return;
    memcpy(buf, line, n);
    buf[n++] = '\n';
    ssize_t w;
    do
        w = write(fd, buf, n);
    while (w < 0 && errno == EINTR);
    OPENSSL_cleanse(buf, sizeof buf);
}

static void close_file(void *arg) {
    close(*(int *)arg);
    free(arg);
}

/* Opens path for appending key log lines: a regular file of ours, not a symlink, made
 * readable by its owner only (an existing file too: it is about to hold secrets). The
 * descriptor, or -1 with errno. */
static int open_keylog(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int tls_config_set_keylog_file(tls_config *cfg, const char *path) {
    if (cfg == NULL) return TLS_E_USAGE;
    int rc = tlsio_config_check_mutable(cfg);
    if (rc != 0) return rc;
    tlsio_err_clear(&cfg->err);
    if (path == NULL) return tls_config_set_keylog(cfg, NULL, NULL);
    errno = 0;
    int *fd = malloc(sizeof(*fd));
    if (fd == NULL) return tlsio_err_set(&cfg->err, TLS_E_NOMEM, "key log file: out of memory");
    *fd = open_keylog(path);
    if (*fd < 0) {
        int err = errno;
        free(fd);
        return tlsio_err_set(&cfg->err, TLS_E_USAGE,
                             "key log file '%s': %s (it must be a regular file of ours, not a "
                             "symbolic link)",
                             path, strerror(err));
    }
    rc = tls_config_set_keylog(cfg, write_line, fd);
    if (rc != 0) {
        close_file(fd);
        return rc;
    }
    cfg->keylog_free = close_file;
    return 0;
}
