/* The key log written to a file (tls_config_set_keylog_file): the core's key log lines, one
 * per line, appended to a file only the owner may read. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tlsio/core.h>
#include <tlsio/tls.h>

#include "../core/config.h"

/* One fprintf per line: stdio locks the FILE for the call, so the lines of connections on
 * several threads never interleave; flushed at once, so a crash loses none. */
static void write_line(void *arg, const tls_engine *e, const char *line) {
    (void)e;
    FILE *f = arg;
    fprintf(f, "%s\n", line);
    fflush(f);
}

static void close_file(void *arg) {
    fclose(arg);
}

int tls_config_set_keylog_file(tls_config *cfg, const char *path) {
    if (cfg == NULL) return TLS_E_USAGE;
    int rc = tlsio_config_check_mutable(cfg);
    if (rc != 0) return rc;
    tlsio_err_clear(&cfg->err);
    if (path == NULL) return tls_config_set_keylog(cfg, NULL, NULL);
    /* The lines decrypt the connections: never readable by others (0600, as SSLKEYLOGFILE
     * files of other libraries are not, but should be). */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (f == NULL) {
        int err = errno;
        if (fd >= 0) close(fd);
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "key log file '%s': %s", path, strerror(err));
    }
    rc = tls_config_set_keylog(cfg, write_line, f);
    if (rc != 0) {
        fclose(f);
        return rc;
    }
    cfg->keylog_free = close_file;
    return 0;
}
