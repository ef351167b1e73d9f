#!/usr/bin/env python3
"""Plays the BoGo runner's part against tests/bogo/shim, with Python's ssl module as the peer.

    shim_test.py --shim PATH/tests/bogo/shim [--only REGEX]

Each case does what BoringSSL's runner does for one test: listen on loopback (a free port),
start the shim with `-port N -shim-id K` plus the case's flags, accept, read the 8-byte
little-endian shim id, then run TLS over the socket as the peer (an OpenSSL server or client
through Python's ssl module) and check the shim's echo (every byte XOR 0xff), its first write,
its shutdown, its exit status (0, 1 with ":CODE:" on stderr, or 89 for "not implemented") and
its stderr. Certificates are made for this run with the openssl CLI the way the runner makes
its own: self-signed, CA:TRUE, named "test", passed to the shim with -trust-cert.

Every wait is bounded; only processes this script started are stopped. Each case prints one
line; the last line is `N passed, M failed`; the exit status is 1 if any case failed.
"""
import argparse
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile

TIMEOUT = 15  # seconds for any single wait
# The versions whose resumption cases run: add ssl.TLSVersion.TLSv1_2 once TLS 1.2 tickets
# (RFC 5077, branch tls12) are on main; the cases already handle both versions.
RESUMPTION_VERSIONS = (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2)
UNIMPLEMENTED = 89
TLS12, TLS13 = 771, 772


class CaseFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CaseFailure(what)


def xor(data):
    return bytes(b ^ 0xFF for b in data)


def make_cert(d, name, dns="test"):
    """A self-signed ECDSA P-256 certificate like the runner's (CA:TRUE, SAN dNSName)."""
    cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=test cert",
         "-addext", "subjectAltName=DNS:" + dns,
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    return cert, key


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise CaseFailure(f"stream ended after {len(out)} of {n} bytes")
        out += chunk
    return out


class Run:
    def __init__(self, rc, stdout, stderr, peer_error):
        self.rc, self.stdout, self.stderr, self.peer_error = rc, stdout, stderr, peer_error


def run_shim(shim, flags, peer=None, ipv6=False, shim_id=0x0102030405060708):
    """Starts the shim as the runner does; peer(sock) runs TLS over the accepted socket. peer
    may be a list: one peer per connection, in order (-resume-count N makes N + 1)."""
    peers = peer if isinstance(peer, list) else [] if peer is None else [peer]
    family = socket.AF_INET6 if ipv6 else socket.AF_INET
    lst = socket.socket(family, socket.SOCK_STREAM)
    lst.bind(("::1" if ipv6 else "127.0.0.1", 0))
    lst.listen(len(peers) or 1)
    lst.settimeout(TIMEOUT)
    argv = [shim, "-port", str(lst.getsockname()[1]), "-shim-id", str(shim_id)]
    if ipv6:
        argv.append("-ipv6")
    proc = subprocess.Popen(argv + flags, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peer_error = None
    conn = None
    try:
        for one in peers:
            conn, _ = lst.accept()
            conn.settimeout(TIMEOUT)
            got = int.from_bytes(recv_exact(conn, 8), "little")
            check(got == shim_id, f"shim id {got:#x}, expected {shim_id:#x}")
            one(conn)
            conn.close()
            conn = None
    except (CaseFailure, OSError) as e:
        peer_error = e
    finally:
        if conn is not None:
            conn.close()
        lst.close()
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise CaseFailure(f"shim did not exit; stderr: {err.decode(errors='replace')[-400:]}")
    return Run(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
               peer_error)


# ---- the peer's side ----------------------------------------------------------------------

def server_ctx(cert, key, max_version=None, min_version=None, alpn=None, curve=None,
               sni_seen=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if max_version:
        ctx.maximum_version = max_version
    if min_version:
        ctx.minimum_version = min_version
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if curve:
        ctx.set_ecdh_curve(curve)
    if sni_seen is not None:
        ctx.sni_callback = lambda s, name, c: sni_seen.append(name) and None
    return ctx


def client_ctx(ca, max_version=None, min_version=None, alpn=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if max_version:
        ctx.maximum_version = max_version
    if min_version:
        ctx.minimum_version = min_version
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def conversation(msgs=(b"hello shim", bytes(range(256)) * 3), writes_first=False, close="notify",
                 expect_version=None, expect_alpn=None, shim_shuts_down=False, resumed=None,
                 on_done=None):
    """What the peer does once the TLS socket is up (see run_shim). resumed: whether the
    peer must see the session resumed (None: not checked); on_done(tls) runs after the
    exchange, before the close (a client keeps its session there)."""

    def talk(tls):
        if resumed is not None:
            check(tls.session_reused == resumed,
                  f"the peer's session_reused is {tls.session_reused}, expected {resumed}")
        if expect_version:
            check(tls.version() == expect_version, f"peer negotiated {tls.version()}")
        if expect_alpn is not None:
            check(tls.selected_alpn_protocol() == expect_alpn,
                  f"peer's ALPN {tls.selected_alpn_protocol()!r}, expected {expect_alpn!r}")
        if writes_first:
            check(recv_exact(tls, 5) == b"hello", "shim's first write is not 'hello'")
        if shim_shuts_down:
            # The shim echoes nothing and closes: with close_notify if close == "bidirectional"
            # (-check-close-notify), else without (BoringSSL's quiet shutdown).
            try:
                rest = tls.recv(100)
                clean = True
            except ssl.SSLEOFError:
                rest, clean = b"", False
            check(rest == b"", f"shim sent data after shutting down: {rest!r}")
            if close == "bidirectional":
                check(clean, "the shim closed without close_notify")
                tls.unwrap()  # our close_notify, which the shim waits for
            else:
                check(not clean, "the shim sent close_notify without -check-close-notify")
            return
        for m in msgs:
            tls.sendall(m)
            got = recv_exact(tls, len(m))
            check(got == xor(m), f"echo of {len(m)} bytes is not XOR 0xff")
        if on_done:
            on_done(tls)
        if close == "raw":
            tls.close()  # no close_notify: Python's close() does not send one
        elif close == "bidirectional":
            tls.unwrap()  # raises unless the shim answers with its own close_notify
        else:
            try:
                tls.unwrap()
            except (ssl.SSLError, OSError):
                pass  # the shim may close the socket without answering (quiet shutdown)

    return talk


def as_server(ctx, talk=None):
    def peer(conn):
        tls = ctx.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False)
        try:
            if talk:
                talk(tls)
        finally:
            tls.close()  # the wrapped socket owns the descriptor now
    return peer


def as_client(ctx, talk=None, hostname="test", session=None):
    """session: a callable giving the session to offer (None: none)."""
    def peer(conn):
        tls = ctx.wrap_socket(conn, server_hostname=hostname, suppress_ragged_eofs=False,
                              session=session() if session else None)
        try:
            if talk:
                talk(tls)
        finally:
            tls.close()
    return peer


def resuming_clients(ctx, resumed, **conv):
    """Client peers for successive connections (-resume-count): each offers the session the
    previous one received and checks whether it was resumed (resumed: one bool each, the
    first False)."""
    box = {}

    def keep(tls):
        box["session"] = tls.session

    return [as_client(ctx, conversation(resumed=r, on_done=keep, **conv),
                      session=lambda: box.get("session")) for r in resumed]


def handshake_fails(peer):
    """For cases where the shim is expected to fail: the peer's own failure is expected too."""
    def run(conn):
        try:
            peer(conn)
        except (ssl.SSLError, OSError, CaseFailure):
            pass
    return run


# ---- cases --------------------------------------------------------------------------------

def expect_ok(r, peer_ok=True):
    check(r.rc == 0, f"exit {r.rc}, stderr: {r.stderr.strip()[-400:]}")
    check(r.stderr == "", f"stderr not empty: {r.stderr.strip()[-400:]}")
    if peer_ok:
        check(r.peer_error is None, f"peer: {r.peer_error}")


def expect_fail(r, pattern):
    check(r.rc == 1, f"exit {r.rc}, expected 1; stderr: {r.stderr.strip()[-400:]}")
    # One line: the code and the sentence (anything more, e.g. a sanitizer report, fails).
    check(len(r.stderr.splitlines()) == 1, f"stderr is not one line: {r.stderr[-600:]!r}")
    check(re.search(pattern, r.stderr, re.M) is not None,
          f"stderr {r.stderr.strip()[-400:]!r} does not match {pattern!r}")


def expect_unimplemented(r):
    check(r.rc == UNIMPLEMENTED, f"exit {r.rc}, expected 89; stderr: {r.stderr.strip()[-300:]}")


def build_cases(shim, pki):
    cert, key, other = pki["cert"], pki["key"], pki["other"]
    trust = ["-trust-cert", cert]
    srv = ["-server", "-cert-file", cert, "-key-file", key]
    V12, V13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
    cases = []

    def case(name):
        def reg(fn):
            cases.append((name, fn))
            return fn
        return reg

    @case("handshaker-supported")
    def _():
        p = subprocess.run([shim, "-is-handshaker-supported"], capture_output=True, timeout=TIMEOUT)
        check(p.returncode == 0 and p.stdout.decode().strip() == "No",
              f"exit {p.returncode}, stdout {p.stdout!r}")

    for flags in (["-dtls"], ["-no-such-flag"], ["-on-retry-no-such-flag"],
                  # no 0-RTT, no re-verification, no session-ID cache
                  ["-expect-ticket-supports-early-data"],
                  ["-resume-count", "1", "-on-resume-expect-early-data-reason", "accept"],
                  ["-reverify-on-resume"],
                  ["-expect-session-id"], ["-no-ticket"],
                  ["-server", "-ticket-key", "AAAA"],
                  ["-export-keying-material", "70000"],
                  ["-curves", "4588"], ["-max-version", "770"],
                  # ecdsa_secp521r1_sha512 is no tlsio scheme; rsa_pkcs1_sha1 alone leaves none.
                  ["-signing-prefs", "1539"], ["-verify-prefs", "513"],
                  ["-on-initial-bogus-flag"],
                  trust + ["-host-name", "example.com"]):
        @case("unimplemented " + " ".join(f for f in flags if not f.startswith("/")))
        def _(flags=flags):
            expect_unimplemented(run_shim(shim, flags))

    for v in (V12, V13):
        @case(f"client exports keying material first ({v.name})")
        def _(v=v):
            def talk(tls):
                material = recv_exact(tls, 32)
                check(len(set(material)) > 1, "exported material looks constant")
                conversation()(tls)
            expect_ok(run_shim(shim, trust + ["-export-keying-material", "32", "-export-label",
                                              "EXPERIMENTAL-test", "-use-export-context",
                                              "-export-context", "ctx"],
                               peer=as_server(server_ctx(cert, key, max_version=v), talk)))

    @case("server without a certificate exits 1 before connecting")
    def _():
        expect_fail(run_shim(shim, ["-server"]), r"^:USAGE: the engine could not be created")

    @case("unreadable -trust-cert exits 1 before connecting")
    def _():
        expect_fail(run_shim(shim, ["-trust-cert", cert + ".missing"]), r"^:USAGE: -trust-cert: ")

    @case("missing parameter exits 1")
    def _():
        r = run_shim(shim, ["-read-size"])
        check(r.rc == 1, f"exit {r.rc}")

    for ver, pyver, wire in ((V13, "TLSv1.3", TLS13), (V12, "TLSv1.2", TLS12)):
        @case(f"client {pyver} echo")
        def _(ver=ver, pyver=pyver, wire=wire):
            r = run_shim(shim, trust + ["-expect-version", str(wire)],
                         as_server(server_ctx(cert, key, max_version=ver),
                                   conversation(expect_version=pyver)))
            expect_ok(r)

        @case(f"client {pyver} -require-any-client-certificate changes nothing")
        def _(ver=ver, pyver=pyver, wire=wire):
            r = run_shim(shim, trust + ["-require-any-client-certificate"],
                         as_server(server_ctx(cert, key, max_version=ver),
                                   conversation(expect_version=pyver)))
            expect_ok(r)

        @case(f"server {pyver} echo")
        def _(ver=ver, pyver=pyver, wire=wire):
            r = run_shim(shim, srv + ["-expect-version", str(wire)],
                         as_client(client_ctx(cert, max_version=ver),
                                   conversation(expect_version=pyver)))
            expect_ok(r)

        @case(f"client {pyver} shim-writes-first")
        def _(ver=ver):
            r = run_shim(shim, trust + ["-shim-writes-first"],
                         as_server(server_ctx(cert, key, max_version=ver),
                                   conversation(writes_first=True)))
            expect_ok(r)

        @case(f"server {pyver} shim-writes-first")
        def _(ver=ver):
            r = run_shim(shim, srv + ["-shim-writes-first"],
                         as_client(client_ctx(cert, max_version=ver),
                                   conversation(writes_first=True)))
            expect_ok(r)

        @case(f"server {pyver} shim-shuts-down check-close-notify")
        def _(ver=ver):
            r = run_shim(shim, srv + ["-shim-shuts-down", "-check-close-notify"],
                         as_client(client_ctx(cert, max_version=ver),
                                   conversation(shim_shuts_down=True, close="bidirectional")))
            expect_ok(r)

        @case(f"client {pyver} shim-shuts-down quietly")
        def _(ver=ver):
            r = run_shim(shim, trust + ["-shim-shuts-down"],
                         as_server(server_ctx(cert, key, max_version=ver),
                                   conversation(shim_shuts_down=True, close="quiet")))
            expect_ok(r)

        @case(f"client {pyver} check-close-notify answered")
        def _(ver=ver):
            r = run_shim(shim, trust + ["-check-close-notify"],
                         as_server(server_ctx(cert, key, max_version=ver),
                                   conversation(close="bidirectional")))
            expect_ok(r)

        @case(f"server {pyver} check-close-notify refuses truncation")
        def _(ver=ver):
            r = run_shim(shim, srv + ["-check-close-notify"],
                         as_client(client_ctx(cert, max_version=ver), conversation(close="raw")))
            expect_fail(r, r"^:TRUNCATED: ")

        @case(f"server {pyver} truncation without check-close-notify is a clean end")
        def _(ver=ver):
            r = run_shim(shim, srv,
                         as_client(client_ctx(cert, max_version=ver), conversation(close="raw")))
            expect_ok(r)

        @case(f"client {pyver} read-size 1 max-send-fragment 7")
        def _(ver=ver):
            r = run_shim(shim, trust + ["-read-size", "1", "-max-send-fragment", "7"],
                         as_server(server_ctx(cert, key, max_version=ver),
                                   conversation(msgs=(b"x" * 100, bytes(range(256))))))
            expect_ok(r)

        @case(f"server {pyver} select-alpn")
        def _(ver=ver):
            r = run_shim(shim, srv + ["-select-alpn", "foo", "-expect-alpn", "foo"],
                         as_client(client_ctx(cert, max_version=ver, alpn=["bar", "foo"]),
                                   conversation(expect_alpn="foo")))
            expect_ok(r)

        @case(f"client {pyver} advertise-alpn")
        def _(ver=ver):
            r = run_shim(shim, trust + ["-advertise-alpn", "\x03foo\x03bar", "-expect-alpn", "bar"],
                         as_server(server_ctx(cert, key, max_version=ver, alpn=["bar"]),
                                   conversation(expect_alpn="bar")))
            expect_ok(r)

        @case(f"client {pyver} expect-extended-master-secret")
        def _(ver=ver):
            r = run_shim(shim, trust + ["-expect-extended-master-secret"],
                         as_server(server_ctx(cert, key, max_version=ver), conversation()))
            expect_ok(r)

    @case("client key-update TLS 1.3")
    def _():
        r = run_shim(shim, trust + ["-key-update"],
                     as_server(server_ctx(cert, key, max_version=V13),
                               conversation(msgs=(b"one", b"two", b"three" * 50))))
        expect_ok(r)

    def cert_client_ctx(v, with_cert=True):
        ctx = client_ctx(cert, max_version=v, min_version=v)
        if with_cert:
            ctx.load_cert_chain(cert, key)
        return ctx

    # Client authentication on the server: the client CA is the shim's own -cert-file (the
    # runner passes none to a server), which the peer here presents.
    for v in (V12, V13):
        @case(f"server require-any-client-certificate ({v.name})")
        def _(v=v):
            expect_ok(run_shim(shim, srv + ["-require-any-client-certificate"],
                               as_client(cert_client_ctx(v), conversation())))

        @case(f"server verify-peer accepts a client without a certificate ({v.name})")
        def _(v=v):
            expect_ok(run_shim(shim, srv + ["-verify-peer"],
                               as_client(cert_client_ctx(v, False), conversation())))

        @case(f"server require-any-client-certificate refuses a client without one ({v.name})")
        def _(v=v):
            r = run_shim(shim, srv + ["-require-any-client-certificate"],
                         handshake_fails(as_client(cert_client_ctx(v, False), conversation())))
            expect_fail(r, r"^:CERTIFICATE_REQUIRED: client Certificate: empty" if v == V13
                        else r"^:HANDSHAKE_FAILURE: client Certificate: empty")

    @case("server key-update TLS 1.3")
    def _():
        r = run_shim(shim, srv + ["-key-update"],
                     as_client(client_ctx(cert, max_version=V13),
                               conversation(msgs=(b"one", b"two", b"three" * 50))))
        expect_ok(r)

    @case("client key-update TLS 1.2 fails")
    def _():
        r = run_shim(shim, trust + ["-key-update"],
                     handshake_fails(as_server(server_ctx(cert, key, max_version=V12),
                                               conversation())))
        expect_fail(r, r"^:USAGE: -key-update")

    @case("client expect-version mismatch")
    def _():
        r = run_shim(shim, trust + ["-expect-version", str(TLS12)],
                     handshake_fails(as_server(server_ctx(cert, key), conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: -expect-version: negotiated 772")

    @case("on-initial prefix applies, on-resume prefix does not")
    def _():
        r = run_shim(shim, trust + ["-on-initial-expect-version", str(TLS12),
                                    "-on-resume-expect-version", str(TLS13)],
                     handshake_fails(as_server(server_ctx(cert, key), conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: -expect-version")
        r = run_shim(shim, trust + ["-on-resume-expect-version", str(TLS12),
                                    "-on-initial-expect-version", str(TLS13)],
                     as_server(server_ctx(cert, key), conversation()))
        expect_ok(r)

    @case("client min-version 1.3 against a TLS 1.2 server")
    def _():
        r = run_shim(shim, trust + ["-min-version", str(TLS13)],
                     handshake_fails(as_server(server_ctx(cert, key, max_version=V12))))
        expect_fail(r, r"^:(PEER_ALERT_)?PROTOCOL_VERSION: ")

    @case("server no-tls13 against a TLS 1.3-only client")
    def _():
        r = run_shim(shim, srv + ["-no-tls13"],
                     handshake_fails(as_client(client_ctx(cert, min_version=V13))))
        expect_fail(r, r"^:(PEER_ALERT_)?PROTOCOL_VERSION: ")

    @case("client no-tls12 max-version 1.3 ipv6")
    def _():
        if not socket.has_ipv6:
            raise CaseFailure("no IPv6 on this host")
        r = run_shim(shim, trust + ["-no-tls12", "-max-version", str(TLS13), "-expect-version",
                                    str(TLS13), "-async", "-no-tls11", "-permute-extensions"],
                     as_server(server_ctx(cert, key), conversation()), ipv6=True)
        expect_ok(r)

    @case("client refuses a certificate it was not told to trust")
    def _():
        r = run_shim(shim, ["-trust-cert", other],
                     handshake_fails(as_server(server_ctx(cert, key))))
        # Certificate failures carry the :CERTIFICATE: marker config.json maps to.
        expect_fail(r, r"^:CERTIFICATE::UNKNOWN_CA: .*certificate")

    @case("client host-name is sent as SNI")
    def _():
        seen = []
        r = run_shim(shim, trust + ["-host-name", "test"],
                     as_server(server_ctx(cert, key, sni_seen=seen), conversation()))
        expect_ok(r)
        check(seen == ["test"], f"SNI seen by the peer: {seen}")

    @case("server expect-server-name")
    def _():
        r = run_shim(shim, srv + ["-expect-server-name", "test"],
                     as_client(client_ctx(cert), conversation()))
        expect_ok(r)

    @case("client curves P-256 expect-curve-id expect-no-hrr")
    def _():
        r = run_shim(shim, trust + ["-curves", "23", "-expect-curve-id", "23", "-expect-no-hrr"],
                     as_server(server_ctx(cert, key), conversation()))
        expect_ok(r)

    @case("client HelloRetryRequest expect-hrr")
    def _():
        # The shim offers an x25519 key share first; the peer only takes P-256: HRR.
        r = run_shim(shim, trust + ["-curves", "29", "-curves", "23", "-expect-hrr",
                                    "-expect-curve-id", "23"],
                     as_server(server_ctx(cert, key, curve="prime256v1"), conversation()))
        expect_ok(r)

    @case("client expect-no-hrr fails after a HelloRetryRequest")
    def _():
        r = run_shim(shim, trust + ["-expect-no-hrr"],
                     handshake_fails(as_server(server_ctx(cert, key, curve="prime256v1"),
                                               conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: -expect-no-hrr")

    @case("server expect-hrr fails without one")
    def _():
        r = run_shim(shim, srv + ["-expect-hrr"],
                     handshake_fails(as_client(client_ctx(cert), conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: -expect-hrr")

    @case("server HelloRetryRequest for a group the client did not share")
    def _():
        # Python's client sends an x25519 key share; the shim takes only P-256.
        r = run_shim(shim, srv + ["-curves", "23", "-expect-hrr", "-expect-curve-id", "23"],
                     as_client(client_ctx(cert, max_version=V13), conversation()))
        expect_ok(r)

    @case("client expect-curve-id mismatch")
    def _():
        r = run_shim(shim, trust + ["-curves", "29", "-expect-curve-id", "23"],
                     handshake_fails(as_server(server_ctx(cert, key), conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: -expect-curve-id: negotiated 29")

    for v in (V12, V13):
        @case(f"client expect-peer-signature-algorithm ({v.name})")
        def _(v=v):
            # The P-256 certificate signs with ecdsa_secp256r1_sha256 (0x0403) in both versions
            # when it is all the shim offers.
            expect_ok(run_shim(shim, trust + ["-verify-prefs", "1027",
                                              "-expect-peer-signature-algorithm", "1027"],
                               peer=as_server(server_ctx(cert, key, max_version=v),
                                              conversation())))

    @case("client expect-peer-signature-algorithm mismatch")
    def _():
        r = run_shim(shim, trust + ["-verify-prefs", "1027", "-expect-peer-signature-algorithm",
                                    "2052"],
                     handshake_fails(as_server(server_ctx(cert, key), conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: -expect-peer-signature-algorithm: the peer signed "
                       r"with 0x0403")

    @case("client expect-alpn mismatch")
    def _():
        r = run_shim(shim, trust + ["-advertise-alpn", "\x03foo", "-expect-alpn", "bar"],
                     handshake_fails(as_server(server_ctx(cert, key, alpn=["foo"]),
                                               conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: -expect-alpn")

    # ---- resumption: -resume-count N makes N + 1 connections --------------------------------
    for v in RESUMPTION_VERSIONS:
        @case(f"client resumes ({v.name})")
        def _(v=v):
            # A TLS 1.2 server that resumes need not send a new ticket (OpenSSL's does not),
            # so the third connection would have no session to offer: two there.
            ctx = server_ctx(cert, key, max_version=v)
            resumed = (False, True, True) if v == V13 else (False, True)
            expect_ok(run_shim(shim, trust + ["-resume-count", str(len(resumed) - 1)],
                               [as_server(ctx, conversation(resumed=r)) for r in resumed]))

        @case(f"server resumes ({v.name})")
        def _(v=v):
            expect_ok(run_shim(shim, srv + ["-resume-count", "2"],
                               resuming_clients(client_ctx(cert, max_version=v),
                                                (False, True, True))))

        @case(f"server resumes with -ticket-key and -use-ticket-callback ({v.name})")
        def _(v=v):
            for flags in (["-ticket-key", "QUJD" * 16], ["-use-ticket-callback"]):
                expect_ok(run_shim(shim, srv + ["-resume-count", "1"] + flags,
                                   resuming_clients(client_ctx(cert, max_version=v),
                                                    (False, True))))

        @case(f"server -on-resume-no-ticket -expect-session-miss ({v.name})")
        def _(v=v):
            expect_ok(run_shim(shim, srv + ["-resume-count", "1", "-on-resume-no-ticket",
                                            "-expect-session-miss"],
                               resuming_clients(client_ctx(cert, max_version=v),
                                                (False, False))))

        @case(f"server resumption expected but refused ({v.name})")
        def _(v=v):
            r = run_shim(shim, srv + ["-resume-count", "1", "-on-resume-no-ticket"],
                         resuming_clients(client_ctx(cert, max_version=v), (False, False)))
            expect_fail(r, r"^:EXPECTATION_FAILED: the session unexpectedly was not resumed")

        @case(f"client -resumption-delay past the ticket lifetime ({v.name})")
        def _(v=v):
            # OpenSSL's tickets live 7200 s: 7201 s later the shim no longer offers one.
            ctx = server_ctx(cert, key, max_version=v)
            expect_ok(run_shim(shim, trust + ["-resume-count", "1", "-resumption-delay", "7201",
                                              "-expect-session-miss"],
                               [as_server(ctx, conversation(resumed=r)) for r in
                                (False, False)]))
            expect_ok(run_shim(shim, trust + ["-resume-count", "1", "-resumption-delay", "7000"],
                               [as_server(ctx, conversation(resumed=r)) for r in
                                (False, True)]))

        @case(f"client -on-resume- flags apply to the resumption only ({v.name})")
        def _(v=v):
            ctx = server_ctx(cert, key, max_version=v)
            expect_ok(run_shim(shim, trust + ["-resume-count", "1", "-on-resume-shim-writes-first",
                                              "-on-initial-expect-early-data-reason", "disabled"],
                               [as_server(ctx, conversation(resumed=False)),
                                as_server(ctx, conversation(resumed=True, writes_first=True))]))

        @case(f"client without tickets: -expect-no-session, or no session to offer ({v.name})")
        def _(v=v):
            ctx = server_ctx(cert, key, max_version=v)
            ctx.num_tickets = 0  # TLS 1.3
            ctx.options |= ssl.OP_NO_TICKET  # TLS 1.2 (then a session-ID session only)
            expect_ok(run_shim(shim, trust + ["-expect-no-session"],
                               as_server(ctx, conversation())))
            if v == V13:
                # In TLS 1.2 BoringSSL would have kept a session-ID session, which tlsio
                # never makes: the check applies only when a ticket came.
                r = run_shim(shim, trust, as_server(ctx, conversation()))
                expect_fail(r, r"^:EXPECTATION_FAILED: a new session was not received")
            r = run_shim(shim, trust + ["-resume-count", "1", "-expect-no-session"],
                         as_server(ctx, conversation()))
            expect_fail(r, r"^:NO_SESSION: ")

    @case("client TLS 1.2 -expect-no-session fails when a ticket came")
    def _():
        if ssl.TLSVersion.TLSv1_2 not in RESUMPTION_VERSIONS:
            return
        r = run_shim(shim, trust + ["-expect-no-session"],
                     handshake_fails(as_server(server_ctx(cert, key, max_version=V12),
                                               conversation())))
        expect_fail(r, r"^:EXPECTATION_FAILED: a new session was received in the handshake")

    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="tlsio-bogo-") as d:
        cert, key = make_cert(d, "runner")
        other, _ = make_cert(d, "other")
        for name, fn in build_cases(args.shim, {"cert": cert, "key": key, "other": other}):
            if args.only and not re.search(args.only, name):
                continue
            try:
                fn()
                print(f"ok   {name}")
                passed += 1
            except (CaseFailure, OSError, ssl.SSLError, subprocess.SubprocessError) as e:
                print(f"FAIL {name}: {e}")
                failed += 1
            sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
