/*
 * The config setters that read files: CA files, certificate chain and key files, and the
 * system trust store. The core never touches files, so these read whole files into memory
 * and hand the bytes to the memory-only setters in core/config.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bytestring.h>
#include <openssl/mem.h>
#include <tlsio/tls.h>

#include "config.h"
#include "crypto_pem.h"

/* No certificate or key file we read is allowed to be larger (a full CA bundle is ~200 KiB). */
#define MAX_FILE_SIZE (16u * 1024 * 1024)

/* Debian's (and Ubuntu's) bundle of the system trust store. */
#define DEBIAN_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

typedef struct file_buf {
    uint8_t *data;
    size_t len;
} file_buf;

/* Wipes (it may hold a private key) and frees the buffer. */
static void file_buf_release(file_buf *b) {
    if (b->data != NULL) {
        OPENSSL_cleanse(b->data, b->len);
        free(b->data);
    }
    b->data = NULL;
    b->len = 0;
}

/*
 * Reads a regular file of at most MAX_FILE_SIZE bytes into b. `what` names it in sentences.
 * Returns 0, or TLS_E_USAGE / TLS_E_NOMEM with a sentence in err.
 */
static int read_file(const char *what, const char *path, file_buf *b, tlsio_err *err) {
    char why[128];
    b->data = NULL;
    b->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (strerror_r(e, why, sizeof(why)) != 0) snprintf(why, sizeof(why), "errno %d", e);
        return tlsio_err_set(err, TLS_E_USAGE, "%s '%s': cannot open: %s", what, path, why);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tlsio_err_set(err, TLS_E_USAGE, "%s '%s': not a regular file", what, path);
    }
    if ((unsigned long long)st.st_size > MAX_FILE_SIZE) {
        close(fd);
        return tlsio_err_set(err, TLS_E_USAGE, "%s '%s': larger than 16 MiB", what, path);
    }
    /* The file may grow after fstat: read up to one byte beyond the limit to notice. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    uint8_t *data = malloc(cap);
    if (data == NULL) {
        close(fd);
        return tlsio_err_set(err, TLS_E_NOMEM, "%s '%s': out of memory", what, path);
    }
    for (;;) {
        if (len == cap) {
            if (cap > MAX_FILE_SIZE) {
                OPENSSL_cleanse(data, len);
                free(data);
                close(fd);
                return tlsio_err_set(err, TLS_E_USAGE, "%s '%s': larger than 16 MiB", what, path);
            }
            size_t ncap = cap * 2 > MAX_FILE_SIZE + 1 ? MAX_FILE_SIZE + 1 : cap * 2;
            uint8_t *n = malloc(ncap);
            if (n == NULL) {
                OPENSSL_cleanse(data, len);
                free(data);
                close(fd);
                return tlsio_err_set(err, TLS_E_NOMEM, "%s '%s': out of memory", what, path);
            }
            memcpy(n, data, len);
            OPENSSL_cleanse(data, len);
            free(data);
            data = n;
            cap = ncap;
        }
        ssize_t got = read(fd, data + len, cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int e = errno;
            if (strerror_r(e, why, sizeof(why)) != 0) snprintf(why, sizeof(why), "errno %d", e);
            OPENSSL_cleanse(data, len);
            free(data);
            close(fd);
            return tlsio_err_set(err, TLS_E_USAGE, "%s '%s': cannot read: %s", what, path, why);
        }
        if (got == 0) break;
        len += (size_t)got;
    }
    close(fd);
    b->data = data;
    b->len = len;
    return 0;
}

/* Puts "<prefix>: " in front of the sentence in cfg->err (after a *_pem setter failed). */
static void prefix_error(tls_config *cfg, const char *prefix) {
    if (tlsio_config_check_mutable(cfg) != 0) return; /* frozen meanwhile: never written */
    tlsio_err old = cfg->err;
    tlsio_err_clear(&cfg->err);
    tlsio_err_setc(&cfg->err, old.category, old.code, "%s: %s", prefix, old.msg);
    OPENSSL_cleanse(&old, sizeof(old));
}

int tls_config_add_ca_file(tls_config *cfg, const char *path) {
    if (cfg == NULL) return TLS_E_USAGE;
    int r = tlsio_config_check_mutable(cfg);
    if (r != 0) return r;
    tlsio_err_clear(&cfg->err);
    if (path == NULL) return tlsio_err_set(&cfg->err, TLS_E_USAGE, "CA file path is NULL");
    file_buf b;
    if ((r = read_file("CA file", path, &b, &cfg->err)) != 0) return r;
    r = tls_config_add_ca_pem(cfg, (const char *)b.data, b.len);
    file_buf_release(&b);
    if (r != 0) {
        char prefix[200];
        snprintf(prefix, sizeof(prefix), "CA file '%s'", path);
        prefix_error(cfg, prefix);
    }
    return r;
}

int tls_config_add_cert_file(tls_config *cfg, const char *chain_path, const char *key_path) {
    if (cfg == NULL) return TLS_E_USAGE;
    int r = tlsio_config_check_mutable(cfg);
    if (r != 0) return r;
    tlsio_err_clear(&cfg->err);
    if (chain_path == NULL || key_path == NULL)
        return tlsio_err_set(&cfg->err, TLS_E_USAGE, "certificate chain or key file path is NULL");
    file_buf chain, key;
    if ((r = read_file("certificate chain file", chain_path, &chain, &cfg->err)) != 0) return r;
    if ((r = read_file("private key file", key_path, &key, &cfg->err)) != 0) {
        file_buf_release(&chain);
        return r;
    }
    r = tls_config_add_cert_pem(cfg, (const char *)chain.data, chain.len, (const char *)key.data,
                                key.len);
    file_buf_release(&chain);
    file_buf_release(&key);
    if (r != 0) {
        /* Name the file the sentence is about: the key's own parse errors say "private key
         * PEM"; everything else concerns the chain (or both, for a mismatch). */
        char prefix[200];
        if (strncmp(cfg->err.msg, "private key PEM", 15) == 0 ||
            strncmp(cfg->err.msg, "RSA private key", 15) == 0 ||
            strncmp(cfg->err.msg, "private key type", 16) == 0)
            snprintf(prefix, sizeof(prefix), "private key file '%s'", key_path);
        else
            snprintf(prefix, sizeof(prefix), "certificate chain file '%s'", chain_path);
        prefix_error(cfg, prefix);
    }
    return r;
}

int tls_config_add_client_ca_file(tls_config *cfg, const char *path) {
    if (cfg == NULL) return TLS_E_USAGE;
    int r = tlsio_config_check_mutable(cfg);
    if (r != 0) return r;
    tlsio_err_clear(&cfg->err);
    if (path == NULL) return tlsio_err_set(&cfg->err, TLS_E_USAGE, "client CA file path is NULL");
    file_buf b;
    if ((r = read_file("client CA file", path, &b, &cfg->err)) != 0) return r;
    r = tls_config_add_client_ca_pem(cfg, (const char *)b.data, b.len);
    file_buf_release(&b);
    if (r != 0) {
        char prefix[200];
        snprintf(prefix, sizeof(prefix), "client CA file '%s'", path);
        prefix_error(cfg, prefix);
    }
    return r;
}

/* ---- the system trust store ---- */

/* Appends the certificates of one PEM file to der. Returns 0 or an error (sentence in err). */
static int append_pem_file(const char *what, const char *path, CBB *der, tlsio_err *err) {
    file_buf b;
    int r = read_file(what, path, &b, err);
    if (r != 0) return r;
    char label[200];
    snprintf(label, sizeof(label), "%s '%s'", what, path);
    CBB one;
    size_t n;
    if (!CBB_init(&one, b.len / 4 * 3 + 16)) {
        file_buf_release(&b);
        return tlsio_err_set(err, TLS_E_NOMEM, "%s: out of memory", label);
    }
    r = tlsio_pem_certs_to_der(b.data, b.len, 0, label, &one, &n, err);
    file_buf_release(&b);
    if (r == 0 && !CBB_add_bytes(der, CBB_data(&one), CBB_len(&one)))
        r = tlsio_err_set(err, TLS_E_NOMEM, "%s: out of memory", label);
    CBB_cleanup(&one);
    return r;
}

/*
 * Every regular file in one directory that holds PEM certificates (OpenSSL's hashed
 * "<hash>.0" links and the *.pem files they point at, or a plain directory of PEM files).
 * Files that are not PEM certificates are skipped silently, as OpenSSL does; so are
 * directories that cannot be opened. Adds the number of files that contributed to *n_files.
 */
static int append_pem_dir(const char *dir, size_t dir_len, CBB *der, size_t *n_files) {
    char *path = malloc(dir_len + 1 + 256 + 1);
    if (path == NULL) return TLS_E_NOMEM;
    memcpy(path, dir, dir_len);
    path[dir_len] = 0;
    DIR *d = opendir(path);
    if (d == NULL) {
        free(path);
        return 0;
    }
    int r = 0;
    struct dirent *ent;
    while (r == 0 && (ent = readdir(d)) != NULL) {
        size_t nl = strlen(ent->d_name);
        if (ent->d_name[0] == '.' || nl > 255) continue;
        path[dir_len] = '/';
        memcpy(path + dir_len + 1, ent->d_name, nl + 1);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue; /* follows symlinks */
        tlsio_err ignored;
        tlsio_err_clear(&ignored);
        size_t before = CBB_len(der);
        int fr = append_pem_file("file", path, der, &ignored);
        if (fr == TLS_E_NOMEM)
            r = fr;
        else if (fr == 0 && CBB_len(der) > before)
            (*n_files)++;
    }
    closedir(d);
    free(path);
    return r;
}

/*
 * Loads the system store into cfg (no mutability check; the freeze-time loader uses this).
 * $SSL_CERT_FILE if set, else every directory in $SSL_CERT_DIR (colon-separated, as in
 * OpenSSL) if set, else Debian's bundle. The sentence goes to err.
 */
static int load_system(tls_config *cfg, tlsio_err *err) {
    CBB der;
    if (!CBB_init(&der, 256 * 1024))
        return tlsio_err_set(err, TLS_E_NOMEM, "system trust store: out of memory");
    int r;
    const char *file = getenv("SSL_CERT_FILE");
    const char *dirs = getenv("SSL_CERT_DIR");
    if (file != NULL && file[0] != 0) {
        r = append_pem_file("SSL_CERT_FILE", file, &der, err);
    } else if (dirs != NULL && dirs[0] != 0) {
        size_t n_files = 0;
        r = 0;
        for (const char *p = dirs; r == 0 && *p != 0;) {
            const char *end = strchr(p, ':');
            size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
            if (len != 0) r = append_pem_dir(p, len, &der, &n_files);
            p += len;
            if (*p == ':') p++;
        }
        if (r == TLS_E_NOMEM)
            r = tlsio_err_set(err, r, "system trust store: out of memory");
        else if (n_files == 0)
            r = tlsio_err_set(err, TLS_E_USAGE,
                              "SSL_CERT_DIR '%.150s': no readable PEM certificate file", dirs);
    } else {
        r = append_pem_file("system CA bundle", DEBIAN_BUNDLE, &der, err);
    }
    if (r == 0) r = tlsio_config_add_ca_der(cfg, CBB_data(&der), CBB_len(&der), err);
    CBB_cleanup(&der);
    return r;
}

int tls_config_add_ca_system(tls_config *cfg) {
    if (cfg == NULL) return TLS_E_USAGE;
    int r = tlsio_config_check_mutable(cfg);
    if (r != 0) return r;
    tlsio_err_clear(&cfg->err);
    r = load_system(cfg, &cfg->err);
    if (r == 0) cfg->trust_explicit = 1;
    return r;
}

int tlsio_config_load_system_store(tls_config *cfg, tlsio_err *err) {
    /* Runs inside tlsio_config_freeze, which gives it a sentence slot of its own. */
    return load_system(cfg, err);
}
