/* PEM certificate blocks to DER, through libcrypto's PEM reader. */
#include "crypto_pem.h"

#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/mem.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* 1 if der is exactly one certificate that libcrypto can parse (no trailing bytes). */
static int well_formed_cert(const uint8_t *der, size_t len) {
    const uint8_t *p = der;
    X509 *x = len <= (size_t)INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    int ok = x != NULL && p == der + len;
    X509_free(x);
    ERR_clear_error();
    return ok;
}

/* RFC 7468 §5.1: "CERTIFICATE"; §5.3 lists "X509 CERTIFICATE" as a label seen in the wild. */
static int is_cert_label(const char *name) {
    return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

int tlsio_pem_certs_to_der(const uint8_t *pem, size_t pem_len, size_t max_certs, const char *what,
                           CBB *out, size_t *n_certs, tlsio_err *err) {
    static const uint8_t empty[1] = {0};
    size_t count = 0, blocks = 0;
    int ret = 0;
    *n_certs = 0;
    if (pem_len > (size_t)INT32_MAX) return tlsio_err_set(err, TLS_E_USAGE, "%s: too long", what);
    BIO *bio = BIO_new_mem_buf(pem != NULL ? pem : empty, pem != NULL ? (int)pem_len : 0);
    if (bio == NULL) return tlsio_err_set(err, TLS_E_NOMEM, "%s: out of memory", what);
    for (;;) {
        char *name = NULL, *header = NULL;
        uint8_t *data = NULL;
        long len = 0;
        if (!PEM_read_bio(bio, &name, &header, &data, &len)) {
            uint32_t e = ERR_peek_last_error();
            ERR_clear_error();
            /* PEM_R_NO_START_LINE: no further block. Anything else: a broken block. */
            if (!(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
                ret = tlsio_err_set(err, TLS_E_USAGE, "%s: block %zu is not valid PEM", what,
                                    blocks + 1);
            break;
        }
        blocks++;
        if (is_cert_label(name)) {
            if (max_certs != 0 && count == max_certs)
                ret = tlsio_err_set(err, TLS_E_USAGE, "%s: more than %zu certificates", what,
                                    max_certs);
            else if (!well_formed_cert(data, (size_t)len))
                ret = tlsio_err_set(err, TLS_E_USAGE, "%s: certificate %zu is malformed", what,
                                    count + 1);
            else if (!CBB_add_bytes(out, data, (size_t)len))
                ret = tlsio_err_set(err, TLS_E_NOMEM, "%s: out of memory", what);
            else
                count++;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (ret != 0) break;
    }
    BIO_free(bio);
    if (ret == 0 && count == 0)
        ret = tlsio_err_set(err, TLS_E_USAGE, "%s: no CERTIFICATE block found", what);
    if (ret == 0) *n_certs = count;
    return ret;
}
