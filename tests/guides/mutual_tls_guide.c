/*
 * docs/guide-mutual-tls.md's two C snippets, compiled as they are printed (CMake copies them
 * out of the guide at configure time; the client's "8443" becomes the test's port) and run
 * against each other in the current directory, which guide_check.py fills with the guide's
 * certificates. The guide's promises are checked here: the server sees "CN=alice"; without
 * alice's files the client sends no certificate and the server refuses it.
 *   mutual_tls_guide with-cert|without-cert
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tlsio/tls.h>

/* The server snippet; 0 when it accepted "CN=alice", 1 when the connection failed (the
 * sentence in refusal). */
static int guide_server(int listen_fd, char *refusal, size_t cap) {
#include "guide_mtls_server.inc"
    int rc = 1;
    if (t != NULL && tls_handshake(t) == 0) { /* done already: 0 again */
        const char *who = tls_conn_peer_subject(t);
        rc = who != NULL && strcmp(who, "CN=alice") == 0 ? 0 : 2;
        char c;
        if (tls_write(t, "!", 1) != 1 || tls_read(t, &c, 1) != 1) rc = 3;
        tls_close(t);
    } else {
        snprintf(refusal, cap, "%s", t != NULL ? tls_error_msg(t) : why.msg);
    }
    tls_free(t);
    tls_config_free(cfg);
    return rc;
}

/* The client snippet; 0 when it talked to the server. */
static int guide_client(const char *port) {
#include "guide_mtls_client.inc"
    int rc = 1;
    if (t != NULL) {
        char c;
        /* In TLS 1.3 a refusal of our certificate arrives after our Finished: on this read. */
        rc = tls_read(t, &c, 1) == 1 && tls_write(t, "?", 1) == 1 ? 0 : 1;
        tls_close(t);
        tls_free(t);
    } else {
        fprintf(stderr, "guide client: %s\n", why.msg);
    }
    tls_config_free(cfg);
    return rc;
}

int main(int argc, char **argv) {
    int with_cert = argc == 2 && strcmp(argv[1], "with-cert") == 0;
    if (argc != 2 || (!with_cert && strcmp(argv[1], "without-cert") != 0)) {
        fprintf(stderr, "usage: mutual_tls_guide with-cert|without-cert\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        perror("listen");
        return 2;
    }
    char port[16];
    snprintf(port, sizeof(port), "%u", (unsigned)ntohs(a.sin_port));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd);
        alarm(20); /* every wait is bounded */
        _exit(guide_client(port));
    }
    alarm(30);
    char refusal[256] = "";
    int srv = guide_server(fd, refusal, sizeof(refusal));
    int status = 0;
    waitpid(pid, &status, 0);
    int cl = WIFEXITED(status) ? WEXITSTATUS(status) : 99;
    printf("server %d, client %d%s%s\n", srv, cl, refusal[0] ? ", server refused: " : "", refusal);
    if (with_cert) return srv == 0 && cl == 0 ? 0 : 1;
    /* No client certificate: the server refuses, the client fails too. */
    return srv == 1 && cl != 0 && strstr(refusal, "requires a client certificate") != NULL ? 0 : 1;
}
