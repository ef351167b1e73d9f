/* Smoke check: links the shared library and calls its public API. */
#include <stdio.h>
#include <tlsio/core.h>

int main(void) {
    printf("tlsio %s: library loads; alert 47 is %s\n", tlsio_version(),
           tls_error_code_name(TLS_ALERT_ILLEGAL_PARAMETER));
    return 0;
}
