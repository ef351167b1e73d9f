#!/usr/bin/env python3
"""Interop tests: tlsio's tls-client and tls-server against real TLS peers.

    interop.py --client PATH/tls-client --server PATH/tls-server [--only REGEX] [--load N]

Our client against `openssl s_server`, `gnutls-serv` and `bssl-tool server`; our server
against `openssl s_client`, `gnutls-cli`, `curl` and Python's ssl module: TLS 1.3 with each
suite and the groups X25519 and P-256, with ALPN and SNI, each moving data both ways; TLS 1.2
(ECDHE_ECDSA and ECDHE_RSA with AES-128-GCM, AES-256-GCM, ChaCha20) against the same peers
restricted to 1.2, version negotiation and the downgrade sentinel; our client presenting an
ECDSA and an RSA client certificate (TLS 1.2 and 1.3) to an `openssl s_server` that requires
and verifies one, and servers (`gnutls-serv`, `openssl s_server`) that ask for a client
certificate, optionally or requiring one, with and without one on our side; the other way
round, `openssl s_client`, `gnutls-cli`, curl and Python's ssl presenting an ECDSA and an RSA
client certificate (TLS 1.2 and 1.3) to `tls-server --verify-client`, which names the subject
it verified, refuses a peer without one (certificate_required / handshake_failure) and takes it
with --verify-client-optional, and our client presenting one to `bssl-tool server
-require-any-client-cert`, whose report names its subject (refused without one). RFC 8449
record_size_limit against GnuTLS (`--recordsize`): the records our client and server send obey
the peer's limit. Session resumption (issue 14): our client resumes against `openssl
s_server` (reconnecting through its cache, and with --sess-out/--sess-in across processes) and
`gnutls-serv`; `openssl s_client -sess_out/-sess_in`, `gnutls-cli --resume`, `bssl-tool
client -test-resumption`, Python's ssl
(`session=`) and curl (two URLs) resume against `tls-server`; each asserts that both sides
saw the resumption. `tls-server --mode http` against Python's ssl and curl: bare-LF line
endings, pipelining, header blocks from 8 KiB to the 65,536-byte limit (in one write and in
small pieces), 431 beyond it, 400/501/505 for malformed requests, each error answer followed by
close_notify (never a reset or a silent drop). `tls-server --threads N` (N poll loops sharing one config, each with its
own SO_REUSEPORT listening socket): Python clients are served by every loop and resume across
loops. Then failure cases
(including TLS 1.2 peers without the extended master secret) and a load case (1,000
concurrent clients against one tls-server, then 300 against `--threads 2`).

Everything runs on 127.0.0.1 with certificates made for this run (openssl CLI) in a
temporary directory. Every wait is bounded; only processes this script started are stopped.
Each case prints one line; the last line is `N passed, M failed`; the exit status is 1 if
any case failed (a missing peer program is a failure, not a skip).
"""
import argparse
import calendar
import os
import re
import resource
import selectors
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

# (IANA name, gnutls priority token)
SUITES = [
    ("TLS_AES_128_GCM_SHA256", "AES-128-GCM"),
    ("TLS_AES_256_GCM_SHA384", "AES-256-GCM"),
    ("TLS_CHACHA20_POLY1305_SHA256", "CHACHA20-POLY1305"),
]

# TLS 1.2: (IANA name, OpenSSL name, gnutls cipher token, gnutls kx token, certificate)
TLS12_SUITES = [
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "AES-128-GCM",
     "ECDHE-ECDSA", "leaf"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", "AES-256-GCM",
     "ECDHE-ECDSA", "leaf"),
    ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
     "CHACHA20-POLY1305", "ECDHE-ECDSA", "leaf"),
    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "AES-128-GCM",
     "ECDHE-RSA", "rsa"),
    ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "AES-256-GCM",
     "ECDHE-RSA", "rsa"),
    ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
     "CHACHA20-POLY1305", "ECDHE-RSA", "rsa"),
]

# RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random of a TLS 1.3 server negotiating 1.2.
DOWNGRADE_TLS12 = bytes.fromhex("444f574e47524401")


class Suite12:
    def __init__(self, row):
        self.iana, self.openssl, self.gnutls, self.gnutls_kx, self.cert = row


class Group:
    def __init__(self, ours, openssl, gnutls, bssl, openssl_tempkey, gnutls_desc):
        self.ours = ours                  # tlsio name (--group, summary line)
        self.openssl = openssl            # openssl -groups / curl --curves
        self.gnutls = gnutls              # gnutls priority token
        self.bssl = bssl                  # bssl-tool -curves and its "ECDHE curve:" line
        self.openssl_tempkey = openssl_tempkey  # s_client "Server Temp Key:" wording
        self.gnutls_desc = gnutls_desc    # gnutls "- Description:" part


GROUPS = [
    Group("x25519", "X25519", "GROUP-X25519", "X25519", "X25519", "ECDHE-X25519"),
    Group("secp256r1", "P-256", "GROUP-SECP256R1", "P-256", "prime256v1", "ECDHE-SECP256R1"),
]

TIMEOUT = 15  # seconds for any single wait


class CaseFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CaseFailure(what)


def python_echo(s, msg):
    """Sends msg over the Python ssl socket s and checks the server echoes it whole."""
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        chunk = s.recv(65536)
        check(chunk, f"connection ended after {len(got)} bytes")
        got += chunk
    check(got == msg, "echo differs")


def tail(b, n=600):
    s = b.decode("utf-8", "replace")
    return s if len(s) <= n else "..." + s[-n:]


class Proc:
    """A started program with its stdout and stderr collected by reader threads."""

    def __init__(self, name, argv, stdin=True, env=None):
        self.name = name
        self.argv = argv
        try:
            self.p = subprocess.Popen(
                argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        except FileNotFoundError:
            raise CaseFailure(f"missing program {argv[0]!r} (CI installs it: see .ci/deps.sh)")
        self.out = bytearray()
        self.err = bytearray()
        self.cond = threading.Condition()
        self.threads = [threading.Thread(target=self._pump, args=(self.p.stdout, self.out),
                                         daemon=True),
                        threading.Thread(target=self._pump, args=(self.p.stderr, self.err),
                                         daemon=True)]
        for t in self.threads:
            t.start()

    def _pump(self, f, buf):
        while True:
            chunk = os.read(f.fileno(), 65536)
            with self.cond:
                if not chunk:
                    self.cond.notify_all()
                    return
                buf.extend(chunk)
                self.cond.notify_all()

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def wait_for(self, pattern, stream="out", timeout=TIMEOUT):
        """Waits until stdout (or stderr, or "any") matches the regex; returns the match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                bufs = {"out": [self.out], "err": [self.err], "any": [self.out, self.err]}[stream]
                for b in bufs:
                    m = rx.search(bytes(b))
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0 or (not self.alive() and not any(t.is_alive() for t in self.threads)):
                    raise CaseFailure(f"{self.name}: no {pattern!r} on std{stream} within "
                                      f"{timeout}s (exit {self.p.poll()}); {self.diag()}")
                self.cond.wait(min(left, 0.2))

    def send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except BrokenPipeError:
            raise CaseFailure(f"{self.name}: exited before reading its input; {self.diag()}")

    def close_stdin(self):
        if self.p.stdin and not self.p.stdin.closed:
            try:
                self.p.stdin.close()
            except BrokenPipeError:
                pass

    def wait(self, timeout=TIMEOUT):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise CaseFailure(f"{self.name}: still running after {timeout}s; {self.diag()}")
        for t in self.threads:
            t.join(timeout)
        return rc

    def stop(self):
        """Ends this process (ours by construction) and collects the rest of its output."""
        self.close_stdin()
        if self.alive():
            self.p.terminate()
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(3)
        for t in self.threads:
            t.join(3)

    def text(self, stream="out"):
        with self.cond:
            return bytes(self.out if stream == "out" else self.err).decode("utf-8", "replace")

    def diag(self):
        with self.cond:
            return f"stdout: {tail(self.out)!r} stderr: {tail(self.err)!r}"


class Case:
    """One named sub-case: the processes it starts are stopped when it ends."""

    def __init__(self):
        self.procs = []

    def spawn(self, name, argv, stdin=True, env=None):
        p = Proc(name, argv, stdin=stdin, env=env)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            p.stop()

    def sanitizer_check(self, ours):
        """Fails the case if one of our programs reported a sanitizer error."""
        for p in ours:
            err = p.text("err")
            if ("AddressSanitizer" in err or "LeakSanitizer" in err or "runtime error:" in err
                    or "ThreadSanitizer" in err):
                raise CaseFailure(f"{p.name}: sanitizer report: {tail(p.err, 2000)}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listeners(port):
    """How many sockets listen on port (from /proc/net/tcp{,6}: no connection is made)."""
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        n += 1
        except FileNotFoundError:
            pass
    return n


def listening(port):
    """Whether some socket listens on port."""
    return listeners(port) > 0


def start_peer_server(case, name, make_argv, stdin=True):
    """Starts a peer server on a free port; retries with another port if that one was taken."""
    last = None
    for _ in range(3):
        port = free_port()
        p = case.spawn(name, make_argv(port), stdin=stdin)
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end and p.alive() and not listening(port):
            time.sleep(0.02)
        if p.alive() and listening(port):
            return p, port
        p.stop()
        last = p
    raise CaseFailure(f"{name} did not start listening; {last.diag()}")


class Interop:
    def __init__(self, args, tmp):
        self.client = os.path.abspath(args.client)
        self.server = os.path.abspath(args.server)
        self.tmp = tmp
        self.results = []
        self.only = re.compile(args.only) if args.only else None
        self.load_n = args.load
        self.make_pki()

    # ---- certificates ------------------------------------------------------------------

    def f(self, name):
        return os.path.join(self.tmp, name)

    def openssl(self, *argv):
        r = subprocess.run(["openssl", *argv], cwd=self.tmp, capture_output=True, timeout=60)
        if r.returncode != 0:
            sys.exit(f"openssl {' '.join(argv)} failed: {r.stderr.decode()}")

    def make_ca(self, name, cn):
        self.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj",
                     f"/CN={cn}", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def make_leaf(self, name, cn, sans, rsa=False, eku="serverAuth"):
        with open(self.f(f"{name}.ext"), "w") as f:
            f.write(f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\n"
                    f"keyUsage=critical,digitalSignature\nextendedKeyUsage={eku}\n")
        key = ["rsa:2048"] if rsa else ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        self.openssl("req", "-newkey", *key, "-nodes",
                     "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}")
        self.openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                     "-set_serial", str(abs(hash(name)) % 100000 + 2), "-days", "2",
                     "-extfile", f"{name}.ext", "-out", f"{name}.pem")
        # bssl-tool server takes the key and the certificate from one PEM file.
        with open(self.f(f"{name}.keycert.pem"), "w") as out:
            for part in (f"{name}.key", f"{name}.pem"):
                with open(self.f(part)) as src:
                    out.write(src.read())

    def make_pki(self):
        if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
            sys.exit("interop: the openssl program is needed to make the test certificates")
        self.make_ca("ca", "tlsio interop CA")
        self.make_ca("other-ca", "tlsio untrusted CA")
        # The default chain, and a second one our server must pick by SNI.
        self.make_leaf("leaf", "localhost", "DNS:localhost,DNS:test.example,IP:127.0.0.1")
        self.make_leaf("other", "other.example", "DNS:other.example")
        # ECDHE_RSA suites (TLS 1.2) need an RSA key; our server holds it as a third chain.
        self.make_leaf("rsa", "other.example",
                       "DNS:other.example,DNS:localhost,DNS:test.example,IP:127.0.0.1", rsa=True)
        # Client certificates (our client presents them when a server asks).
        self.make_leaf("client-ecdsa", "tlsio client ecdsa", "DNS:client.example",
                       eku="clientAuth")
        self.make_leaf("client-rsa", "tlsio client rsa", "DNS:client.example", rsa=True,
                       eku="clientAuth")

    # ---- running cases -----------------------------------------------------------------

    def run(self, name, fn, *a):
        if self.only and not self.only.search(name):
            return
        case = Case()
        t0 = time.monotonic()
        try:
            fn(case, *a)
            ok, why = True, ""
        except CaseFailure as e:
            ok, why = False, str(e)
        except Exception as e:  # a bug in a case or an unexpected peer reaction
            ok, why = False, f"{type(e).__name__}: {e}"
        finally:
            case.close()
        self.results.append(ok)
        dt = time.monotonic() - t0
        print(f"{'PASS' if ok else 'FAIL'} {name} ({dt:.1f}s){'' if ok else ': ' + why}",
              flush=True)

    def our_client(self, case, port, *opts, servername="test.example", ca="ca.pem", env=None):
        return case.spawn("tls-client", [self.client, "--ca", self.f(ca), "--servername",
                                         servername, *opts, "127.0.0.1", str(port)], env=env)

    def our_server(self, case, *opts, mode="echo", env=None):
        p = case.spawn("tls-server", [
            self.server, "--cert", self.f("leaf.pem"), "--key", self.f("leaf.key"),
            "--cert", self.f("other.pem"), "--key", self.f("other.key"),
            "--cert", self.f("rsa.pem"), "--key", self.f("rsa.key"),
            "--port", "0", "--mode", mode, *opts], stdin=False, env=env)
        m = p.wait_for(r"listening on 127\.0\.0\.1:(\d+)\n")
        return p, int(m.group(1))

    @staticmethod
    def check_summary(client, suite, group, alpn):
        want = f"version=TLSv1.3 cipher={suite} group={group.ours} alpn={alpn} verified=yes"
        client.wait_for(re.escape(want), "err")

    # ---- our client against peer servers -------------------------------------------------

    def client_vs_openssl(self, case, suite, group):
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
            "-key", self.f("leaf.key"), "-tls1_3", "-ciphersuites", suite, "-groups",
            group.openssl, "-alpn", "h2,http/1.1", "-rev", "-naccept", "1"])
        cl = self.our_client(case, port, "--alpn", "h2,http/1.1", "--cipher", suite, "--group",
                             group.ours)
        line = "hello from tlsio"
        cl.send(line.encode() + b"\n")
        cl.wait_for(re.escape(line[::-1] + "\n"))  # s_server -rev reverses each line
        self.check_summary(cl, suite, group, "h2")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        check(srv.wait() == 0, f"s_server failed; {srv.diag()}")
        out = srv.text() + srv.text("err")
        check(f"Ciphersuite: {suite}" in out, f"s_server saw another suite: {out!r}")
        check("ALPN protocols selected: h2" in out, f"s_server selected no h2: {out!r}")
        case.sanitizer_check([cl])

    def client_trace_vs_openssl(self, case, tls12):
        # tls-client --trace lists each handshake message both ways; s_server -msg lists the
        # same messages from its side: every type we say we sent, it says it received, in order.
        ver = "-tls1_2" if tls12 else "-tls1_3"
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
            "-key", self.f("leaf.key"), ver, "-msg", "-rev", "-naccept", "1"])
        cl = self.our_client(case, port, "--trace")
        cl.send(b"trace\n")
        cl.wait_for(re.escape("ecart\n"))
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        srv.wait()
        ours = re.findall(r"^(>>>|<<<) handshake (\w+) \(type (\d+)", cl.text("err"), re.M)
        check(ours and ours[0][1] == "ClientHello" and ours[0][0] == ">>>",
              f"trace does not start with our ClientHello: {cl.text('err')!r}")
        sent = [t for d, _, t in ours if d == ">>>"]
        recv = [t for d, _, t in ours if d == "<<<"]
        # s_server -msg: "<<< TLS 1.3, Handshake [length 00c4], ClientHello" (received) and
        # ">>> ... ServerHello" (sent); names as OpenSSL spells them.
        names = {"ClientHello": "1", "ServerHello": "2", "NewSessionTicket": "4",
                 "EncryptedExtensions": "8", "Certificate": "11", "ServerKeyExchange": "12",
                 "CertificateRequest": "13", "ServerHelloDone": "14", "CertificateVerify": "15",
                 "ClientKeyExchange": "16", "Finished": "20"}
        theirs = re.findall(r"^(>>>|<<<) [^\n]*?Handshake \[length [0-9a-f]+\], (\w+)",
                            srv.text(), re.M)
        their_recv = [names.get(n, n) for d, n in theirs if d == "<<<"]
        their_sent = [names.get(n, n) for d, n in theirs if d == ">>>"]
        check(sent == their_recv, f"we traced sending {sent}, s_server received {their_recv}")
        check(recv == their_sent[:len(recv)],
              f"we traced receiving {recv}, s_server sent {their_sent}")
        want = ["1", "16", "20"] if tls12 else ["1", "20"]
        check(sent == want, f"our flights {sent}, expected {want}")
        check(re.search(r"^>>> alert warning close_notify$", cl.text("err"), re.M),
              f"no close_notify in the trace: {cl.text('err')!r}")
        case.sanitizer_check([cl])

    def client_peer_cert_vs_openssl(self, case):
        # tls_conn_peer_*: what our client reports about s_server's certificate is what the
        # openssl CLI says about the same file (issuer, dates, SHA-256 fingerprint).
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
            "-key", self.f("leaf.key"), "-rev", "-naccept", "1"])
        cl = self.our_client(case, port, "--peer-cert")
        cl.send(b"cert\n")
        cl.wait_for(re.escape("trec\n"))
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        srv.wait()
        got = dict(re.findall(r"^peer-([a-z]+)=(.*)$", cl.text("err"), re.M))
        r = subprocess.run(["openssl", "x509", "-in", self.f("leaf.pem"), "-noout", "-issuer",
                            "-startdate", "-enddate", "-fingerprint", "-sha256",
                            "-nameopt", "RFC2253", "-dateopt", "iso_8601"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, f"openssl x509 failed: {r.stderr}")
        want = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
        fp = next(v for k, v in want.items() if k.lower().endswith("fingerprint"))
        check(got.get("hash") == "SHA256:" + fp.replace(":", "").lower(),
              f"hash {got.get('hash')!r}, openssl says {fp!r}")
        check(got.get("issuer") == want["issuer"],
              f"issuer {got.get('issuer')!r}, openssl says {want['issuer']!r}")
        for ours, theirs in (("notbefore", "notBefore"), ("notafter", "notAfter")):
            t = calendar.timegm(time.strptime(want[theirs].rstrip("Z"), "%Y-%m-%d %H:%M:%S"))
            check(got.get(ours) == str(int(t)), f"{ours} {got.get(ours)!r}, openssl says "
                  f"{want[theirs]!r} ({int(t)})")
        check(got.get("chain") == "1", f"chain length {got.get('chain')!r}, s_server sent 1")
        case.sanitizer_check([cl])

    def client_export_vs_openssl(self, case, tls12):
        # RFC 8446 §7.5 / RFC 5705: both ends derive the same keying material. s_server prints
        # its side in the connection report (not in -rev mode, so no echo here).
        label = "EXPERIMENTAL-tlsio-interop"
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
            "-key", self.f("leaf.key"), "-tls1_2" if tls12 else "-tls1_3", "-keymatexport",
            label, "-keymatexportlen", "32", "-naccept", "1"])
        cl = self.our_client(case, port, "--export", label)
        m = cl.wait_for(r"export=([0-9A-F]{64})\n", "err")
        ours = m.group(1)
        ours = ours.decode() if isinstance(ours, bytes) else ours
        srv.wait_for(r"Keying material: [0-9A-F]{64}")
        cl.close_stdin()
        check(cl.wait() == 0, f"tls-client failed; {cl.diag()}")
        srv.wait()
        out = srv.text()
        check(f"Keying material: {ours}" in out,
              f"s_server exported something else than {ours}: {out!r}")
        case.sanitizer_check([cl])

    def client_vs_openssl_sni(self, case):
        # s_server reports the SNI only with -servername (a second context; it then selects no
        # ALPN, so this case checks SNI alone). -servername_fatal: a mismatch is an alert.
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
            "-key", self.f("leaf.key"), "-cert2", self.f("leaf.pem"), "-key2",
            self.f("leaf.key"), "-servername", "test.example", "-servername_fatal", "-tls1_3",
            "-rev", "-naccept", "1"])
        cl = self.our_client(case, port)
        cl.send(b"sni\n")
        cl.wait_for(re.escape("ins\n"))
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        srv.wait()
        check('Hostname in TLS extension: "test.example"' in srv.text() + srv.text("err"),
              f"s_server did not report the SNI; {srv.diag()}")
        case.sanitizer_check([cl])

    def client_vs_gnutls(self, case, suite, gsuite, group):
        prio = (f"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+{gsuite}:-GROUP-ALL:+{group.gnutls}")
        # --sni-hostname-fatal: the handshake fails unless our client sent SNI test.example.
        srv, port = start_peer_server(case, "gnutls-serv", lambda port: [
            "gnutls-serv", "--echo", "-p", str(port), "--x509certfile", self.f("leaf.pem"),
            "--x509keyfile", self.f("leaf.key"), "--priority", prio, "--alpn", "h2",
            "--alpn", "http/1.1", "--sni-hostname", "test.example", "--sni-hostname-fatal",
            "--disable-client-cert"])
        cl = self.our_client(case, port, "--alpn", "http/1.1,h2")
        cl.send(b"hello gnutls\n")
        cl.wait_for(re.escape("hello gnutls\n"))
        self.check_summary(cl, suite, group, "http/1.1")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        srv.stop()  # it serves forever; its report is complete once it exits
        out = srv.text()
        check("- Given server name[1]: test.example" in out, f"gnutls-serv saw no SNI: {out!r}")
        check("- Application protocol: http/1.1" in out, f"gnutls-serv: no ALPN: {out!r}")
        check(f"(TLS1.3-X.509)-({group.gnutls_desc})" in out and f"-({gsuite})" in out,
              f"gnutls-serv negotiated something else: {out!r}")
        case.sanitizer_check([cl])

    def client_vs_bssl(self, case, suite, group):
        # bssl-tool server has no ALPN option and no echo mode: -www answers a GET with a report
        # of the connection (suite, curve, SNI). It then closes without close_notify, which
        # our client rightly reports as a possible truncation (exit 1 with that sentence).
        srv, port = start_peer_server(case, "bssl-tool server", lambda port: [
            "bssl-tool", "server", "-accept", str(port), "-key", self.f("leaf.keycert.pem"),
            "-min-version", "tls1.3", "-max-version", "tls1.3", "-curves", group.bssl, "-www"])
        cl = self.our_client(case, port, "--alpn", "h2", "--cipher", suite, "--group",
                             group.ours)
        cl.send(b"GET / HTTP/1.0\r\n\r\n")
        cl.wait_for(r"Encrypted ClientHello: no")
        self.check_summary(cl, suite, group, "none")
        out = cl.text()
        check(out.startswith("HTTP/1.0 200 OK"), f"no HTTP 200 from bssl: {out!r}")
        for want in (f"Version: TLSv1.3", f"Cipher: {suite}", f"ECDHE curve: {group.bssl}",
                     "Client sent SNI: test.example"):
            check(want in out, f"bssl report lacks {want!r}: {out!r}")
        # Our client must notice the end by itself (stdin stays open: a close_notify sent
        # after bssl closed its socket would only draw a TCP reset).
        rc = cl.wait()
        check(rc == 1 and "read: the peer closed the connection without close_notify"
              in cl.text("err"), f"tls-client exit {rc}; {cl.diag()}")
        case.sanitizer_check([cl])

    # ---- peer clients against our server -------------------------------------------------

    def openssl_vs_server(self, case, suite, group):
        srv, port = self.our_server(case, "--alpn", "h2,http/1.1", "--cipher", suite,
                                    "--group", group.ours)
        # SNI other.example: verification only passes if our server chose that chain by SNI.
        cl = case.spawn("openssl s_client", [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
            "other.example", "-verify_hostname", "other.example", "-CAfile", self.f("ca.pem"),
            "-verify_return_error", "-tls1_3", "-ciphersuites", suite, "-groups", group.openssl,
            "-alpn", "h2"])
        cl.wait_for(r"Verify return code: 0 \(ok\)")
        cl.send(b"hello from s_client\n")
        cl.wait_for(r"\nhello from s_client\n")
        cl.close_stdin()
        rc = cl.wait()
        out = cl.text()
        check(rc == 0, f"s_client exit {rc}; {cl.diag()}")
        for want in (f"New, TLSv1.3, Cipher is {suite}", "ALPN protocol: h2",
                     f"Server Temp Key: {'ECDH, ' if group.ours != 'x25519' else ''}"
                     f"{group.openssl_tempkey}", "subject=CN = other.example",
                     "Verified peername: other.example"):
            check(want in out, f"s_client output lacks {want!r}; {cl.diag()}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def gnutls_vs_server(self, case, suite, gsuite, group):
        srv, port = self.our_server(case, "--alpn", "h2,http/1.1", "--cipher", suite,
                                    "--group", group.ours)
        prio = (f"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+{gsuite}:-GROUP-ALL:+{group.gnutls}")
        cl = case.spawn("gnutls-cli", [
            "gnutls-cli", "-p", str(port), "--x509cafile", self.f("ca.pem"), "--sni-hostname",
            "other.example", "--verify-hostname", "other.example", "--priority", prio,
            "--alpn", "http/1.1", "127.0.0.1"])
        cl.wait_for(r"- Handshake was completed", "any")
        cl.send(b"hello from gnutls\n")
        cl.wait_for(r"hello from gnutls\n")
        cl.close_stdin()
        rc = cl.wait()
        text = cl.text() + cl.text("err")
        check(rc == 0, f"gnutls-cli exit {rc}; {cl.diag()}")
        for want in (f"- Description: (TLS1.3-X.509)-({group.gnutls_desc})-", f"-({gsuite})",
                     "- Application protocol: http/1.1", "The certificate is trusted"):
            check(want in text, f"gnutls-cli output lacks {want!r}; {cl.diag()}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    # ---- record_size_limit (RFC 8449) with GnuTLS, which implements it --------------------

    # What GnuTLS's debug log (-d 5) says about each protected record it receives.
    RECEIVED = re.compile(r"(Application Data|Handshake|Alert) packet received\. Epoch (\d+), "
                          r"length: (\d+)")

    def received_records(self, proc):
        text = proc.text() + proc.text("err")
        return [(t, int(ep), int(n)) for t, ep, n in self.RECEIVED.findall(text) if ep != "0"]

    def record_limit_client_vs_gnutls(self, case, version):
        """gnutls-serv --recordsize=512 answers our client's record_size_limit with 512 (TLS 1.2)
        or 513 (TLS 1.3): our client must then cut a 3000-byte line into records of at most 512
        bytes of content. GnuTLS's debug log shows each record's length."""
        vers = {"1.2": "VERS-TLS1.2", "1.3": "VERS-TLS1.3"}[version]
        srv, port = start_peer_server(case, "gnutls-serv", lambda port: [
            "gnutls-serv", "--echo", "-p", str(port), "--x509certfile", self.f("leaf.pem"),
            "--x509keyfile", self.f("leaf.key"), "--priority",
            f"NORMAL:-VERS-ALL:+{vers}:-CIPHER-ALL:+AES-128-GCM", "--recordsize=512",
            "--disable-client-cert", "-d", "5"])
        cl = self.our_client(case, port)
        line = "l" * 3000 + "\n"
        cl.send(line.encode())
        cl.wait_for(re.escape(line))
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        srv.stop()
        data = [n for t, _, n in self.received_records(srv) if t == "Application Data"]
        # 512 bytes of content: + 1 content type + 16 tag (TLS 1.3), + 8 nonce + 16 tag (1.2).
        most = 512 + (17 if version == "1.3" else 24)
        check(len(data) >= 6 and max(data) == most,
              f"gnutls-serv received records of {data}, want >= 6 of at most {most}")

    def record_limit_gnutls_vs_server(self, case):
        """gnutls-cli --recordsize=512 offers 513 in TLS 1.3: our server answers and cuts its
        encrypted flight (EncryptedExtensions .. Finished, over 512 bytes with the certificate)
        into records of at most 512 bytes of content."""
        srv, port = self.our_server(case, "--tls1.3")
        cl = case.spawn("gnutls-cli", [
            "gnutls-cli", "-p", str(port), "--x509cafile", self.f("ca.pem"), "--sni-hostname",
            "other.example", "--verify-hostname", "other.example", "--recordsize=512", "-d", "5",
            "127.0.0.1"])
        cl.wait_for(r"- Handshake was completed", "any")
        cl.send(b"hello record limit\n")
        cl.wait_for(r"hello record limit\n")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"gnutls-cli exit {rc}; {cl.diag()}")
        flight = [n for _, ep, n in self.received_records(cl) if ep == 1]
        check(len(flight) >= 2 and max(flight) == 512 + 17,
              f"gnutls-cli received a handshake flight of {flight}, want records of at most 529")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def curl_vs_server(self, case, suite, group):
        srv, port = self.our_server(case, "--alpn", "http/1.1", "--cipher", suite, "--group",
                                    group.ours, mode="http")
        cl = case.spawn("curl", [
            "curl", "-sS", "-v", "--max-time", "10", "--cacert", self.f("ca.pem"), "--resolve",
            f"other.example:{port}:127.0.0.1", "--tlsv1.3", "--tls13-ciphers", suite,
            "--curves", group.openssl, "--http1.1", "-w", "\nstatus=%{http_code}\n",
            f"https://other.example:{port}/"], stdin=False)
        rc = cl.wait()
        out, err = cl.text(), cl.text("err")
        check(rc == 0, f"curl exit {rc}; {cl.diag()}")
        check(out == "hello from tlsio\n\nstatus=200\n", f"curl got {out!r}")
        check(f"SSL connection using TLSv1.3 / {suite}" in err, f"curl: {tail(cl.err)!r}")
        check(re.search(r"ALPN.*server accepted.*http/1\.1", err), f"curl ALPN: {err!r}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def python_vs_server(self, case, suite, group):
        srv, port = self.our_server(case, "--alpn", "h2,http/1.1", "--cipher", suite,
                                    "--group", group.ours)
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname="other.example") as s:
                check(s.version() == "TLSv1.3", f"version {s.version()}")
                check(s.cipher()[0] == suite, f"cipher {s.cipher()}")
                check(s.selected_alpn_protocol() == "h2", f"alpn {s.selected_alpn_protocol()}")
                cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
                check(cn == "other.example", f"server chose the certificate for {cn}")
                msg = b"python says hello\n" * 1000  # several records
                python_echo(s, msg)
                s.unwrap()  # close_notify both ways
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    # ---- session resumption (issue 14) ----------------------------------------------------

    RESUMED = re.compile(r"verified=yes resumed=(yes|no)\n")
    SERVER_RESUMED = re.compile(r"client: .* resumed=(yes|no)\n")

    @staticmethod
    def one_line(cl, line, answer, what="tls-client"):
        """Sends line through our client, waits for the peer's answer, ends stdin (close_notify,
        then reading until the server closes) and expects exit 0."""
        cl.send(line.encode() + b"\n")
        cl.wait_for(re.escape(answer + "\n"))
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"{what} exit {rc}; {cl.diag()}")

    def summaries(self, proc):
        """resumed=yes/no of each summary line tls-client printed, in order."""
        return [m == "yes" for m in self.RESUMED.findall(proc.text("err"))]

    def server_resumed(self, srv, n):
        """Waits until tls-server has printed n connection lines; their resumed flags."""
        end = time.monotonic() + TIMEOUT
        while True:
            got = [m == "yes" for m in self.SERVER_RESUMED.findall(srv.text())]
            if len(got) >= n or time.monotonic() > end:
                return got
            time.sleep(0.05)

    def openssl_server_argv(self, version, naccept):
        def argv(port):
            return ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                    self.f("leaf.pem"), "-key", self.f("leaf.key"),
                    f"-tls{version.replace('.', '_')}", "-rev", "-naccept", str(naccept)]
        return argv

    @staticmethod
    def openssl_server_hits(srv):
        """s_server's "N session cache hits" (printed when -naccept is used up): resumptions."""
        srv.wait(TIMEOUT)
        m = re.search(r"(\d+) session cache hits", srv.text())
        check(m, f"s_server printed no statistics; {srv.diag()}")
        return int(m.group(1))

    def resume_client_vs_openssl(self, case, version):
        """Our client, then two reconnections through the same config's cache (tls-client
        --reconnect 2), against s_server: the first handshake is full, the next two resume
        (TLS 1.3 tickets arrive after the handshake; each connection reads until s_server
        closes, so each leaves fresh tickets behind). s_server counts the resumptions."""
        srv, port = start_peer_server(case, "openssl s_server",
                                      self.openssl_server_argv(version, 3), stdin=False)
        cl = self.our_client(case, port, "--reconnect", "2")
        line = f"resume over tls {version}"
        self.one_line(cl, line, line[::-1])
        got = self.summaries(cl)
        hits = self.openssl_server_hits(srv)
        check(got == [False, True, True], f"tls-client resumed {got}; {cl.diag()}")
        check(hits == 2, f"s_server counted {hits} resumptions, want 2; {srv.diag()}")
        case.sanitizer_check([cl])

    def resume_client_sess_file_vs_openssl(self, case):
        """tls-client --sess-out F, then a second tls-client process with --sess-in F (like
        s_client -sess_out/-sess_in): the second resumes, and s_server counts one hit."""
        srv, port = start_peer_server(case, "openssl s_server",
                                      self.openssl_server_argv("1.3", 2), stdin=False)
        sess = self.f("tls-client-session.bin")
        for i, opt in enumerate(("--sess-out", "--sess-in")):
            cl = self.our_client(case, port, opt, sess)
            line = f"session file, connection {i}"
            self.one_line(cl, line, line[::-1], f"tls-client {opt}")
            check(self.summaries(cl) == [i == 1], f"tls-client {opt}: {cl.diag()}")
            check(os.path.getsize(sess) > 0, "--sess-out wrote nothing")
            check(os.stat(sess).st_mode & 0o077 == 0, "the session file is readable by others")
            case.sanitizer_check([cl])
        hits = self.openssl_server_hits(srv)
        check(hits == 1, f"s_server counted {hits} resumptions, want 1; {srv.diag()}")

    def resume_client_vs_gnutls(self, case, version):
        srv, port = start_peer_server(case, "gnutls-serv", lambda port: [
            "gnutls-serv", "--echo", "-p", str(port), "--x509certfile", self.f("leaf.pem"),
            "--x509keyfile", self.f("leaf.key"), "--priority",
            f"NORMAL:-VERS-ALL:+VERS-TLS{version}"])
        cl = self.our_client(case, port, "--reconnect", "1")
        self.one_line(cl, "resume against gnutls", "resume against gnutls")
        check(self.summaries(cl) == [False, True], f"tls-client: {cl.diag()}")
        srv.wait_for(r"\*\*\* This is a resumed session", "any")
        case.sanitizer_check([cl])

    def resume_ours_vs_ours(self, case, tickets):
        """Our client against our server, reconnecting twice: resumed on both sides, unless
        the server runs with --no-tickets (then full handshakes on both)."""
        srv, port = self.our_server(case, *(() if tickets else ("--no-tickets",)))
        cl = self.our_client(case, port, "--reconnect", "2")
        self.one_line(cl, "ours and ours", "ours and ours")
        want = [False, tickets, tickets]
        check(self.summaries(cl) == want, f"tls-client: {cl.diag()}")
        got = self.server_resumed(srv, 3)
        check(got == want, f"tls-server resumed {got}, want {want}; {srv.diag()}")
        case.sanitizer_check([cl, srv])

    def resume_openssl_vs_server(self, case, version):
        """openssl s_client -sess_out F, then -sess_in F against tls-server: s_client says
        "Reused" and our server says resumed=yes for the second connection."""
        srv, port = self.our_server(case)
        sess = self.f(f"s_client-session-{version}.pem")
        for i, opt in enumerate(("-sess_out", "-sess_in")):
            cl = case.spawn("openssl s_client", [
                "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
                "localhost", "-verify_hostname", "localhost", "-CAfile", self.f("ca.pem"),
                "-verify_return_error", f"-tls{version.replace('.', '_')}", opt, sess])
            # Data both ways first: TLS 1.3 tickets come after the handshake, and s_client
            # only stores what it has read.
            cl.send(f"s_client session {i}\n".encode())
            cl.wait_for(re.escape(f"s_client session {i}\n"))
            cl.close_stdin()
            rc = cl.wait()
            check(rc == 0, f"s_client {opt} exit {rc}; {cl.diag()}")
            want = f"{'Reused' if i == 1 else 'New'}, TLSv{version}, Cipher is"
            check(want in cl.text(), f"s_client {opt} lacks {want!r}; {cl.diag()}")
        got = self.server_resumed(srv, 2)
        want = [False, True]
        check(got == want, f"tls-server resumed {got}, want {want}; {srv.diag()}")
        case.sanitizer_check([srv])

    def resume_gnutls_vs_server(self, case, version):
        srv, port = self.our_server(case)
        cl = case.spawn("gnutls-cli", [
            "gnutls-cli", "-p", str(port), "--x509cafile", self.f("ca.pem"), "--resume",
            "--priority", f"NORMAL:-VERS-ALL:+VERS-TLS{version}", "localhost"])
        cl.wait_for(r"- Resume Handshake was completed", "any")
        self.one_line(cl, "gnutls resumed", "gnutls resumed", "gnutls-cli")
        check("*** This is a resumed session" in cl.text() + cl.text("err"),
              f"gnutls-cli did not resume; {cl.diag()}")
        got = self.server_resumed(srv, 2)
        check(got == [False, True], f"tls-server resumed {got}; {srv.diag()}")
        case.sanitizer_check([srv])

    def resume_bssl_vs_server(self, case, version):
        """bssl-tool client -test-resumption: two connections, the second offering the first's
        session; bssl-tool prints "Resumed session: no", then "yes", and tls-server agrees."""
        srv, port = self.our_server(case)
        cl = case.spawn("bssl-tool client", [
            "bssl-tool", "client", "-connect", f"127.0.0.1:{port}", "-server-name", "localhost",
            "-root-certs", self.f("ca.pem"), "-test-resumption", "-min-version",
            f"tls{version}", "-max-version", f"tls{version}"])
        cl.wait_for(r"Resumed session: yes", "any")
        out = cl.text() + cl.text("err")
        got = re.findall(r"Resumed session: (yes|no)", out)
        check(got == ["no", "yes"], f"bssl-tool client resumed {got}; {cl.diag()}")
        got = self.server_resumed(srv, 2)
        check(got == [False, True], f"tls-server resumed {got}; {srv.diag()}")
        case.sanitizer_check([srv])

    def resume_client_vs_bssl(self, case, version):
        """tls-client --sess-out F, then --sess-in F, against bssl-tool server -www, whose
        report says "Resumed session: no", then "yes". bssl-tool closes without close_notify
        (tls-client exits 1 saying so), which does not stop the session from being kept
        (RFC 5246 §7.2.1)."""
        srv, port = start_peer_server(case, "bssl-tool server", lambda port: [
            "bssl-tool", "server", "-accept", str(port), "-key", self.f("leaf.keycert.pem"),
            "-min-version", f"tls{version}", "-max-version", f"tls{version}", "-loop", "-www"])
        sess = self.f(f"tls-client-bssl-{version}.bin")
        for i, opt in enumerate(("--sess-out", "--sess-in")):
            cl = self.our_client(case, port, opt, sess, f"--tls{version}")
            cl.send(b"GET / HTTP/1.0\r\n\r\n")
            rc = cl.wait()
            check(rc == 1 and "without close_notify" in cl.text("err"),
                  f"tls-client {opt} exit {rc}; {cl.diag()}")
            check(self.summaries(cl) == [i == 1], f"tls-client {opt}: {cl.diag()}")
            out = cl.text()
            want = f"Resumed session: {'yes' if i == 1 else 'no'}"
            check(f"Version: TLSv{version}" in out and want in out,
                  f"bssl report lacks {want!r}: {out!r}")
            case.sanitizer_check([cl])

    def resume_python_vs_server(self, case, version):
        srv, port = self.our_server(case)
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        ctx.minimum_version = ctx.maximum_version = (
            ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2)
        session, reused = None, []
        for i in range(2):
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                    s.sendall(b"python resumes\n")
                    got = b""
                    while not got.endswith(b"\n"):  # the tickets come before the echo
                        chunk = s.recv(100)
                        check(chunk, "connection ended early")
                        got += chunk
                    reused.append(s.session_reused)
                    session = s.session
                    s.unwrap()
        want = [False, True]
        check(reused == want, f"Python session_reused {reused}, want {want}")
        got = self.server_resumed(srv, 2)
        check(got == want, f"tls-server resumed {got}, want {want}; {srv.diag()}")
        case.sanitizer_check([srv])

    def resume_curl_vs_server(self, case, version):
        """curl with two URLs in one process: "Connection: close" makes our server close after
        each answer, so the second URL takes a new connection, which resumes. Not in TLS 1.2:
        curl turns tickets off there (SSL_OP_NO_TICKET: its ClientHello has no session_ticket
        extension) and resumes by session ID only, and tlsio keeps no session-ID cache
        (stateless tickets only), so both TLS 1.2 connections are full, and work."""
        srv, port = self.our_server(case, mode="http")
        cl = case.spawn("curl", [
            "curl", "-sS", "-v", "--max-time", "10", "--cacert", self.f("ca.pem"), "--resolve",
            f"localhost:{port}:127.0.0.1", f"--tlsv{version}", "--tls-max", version, "-H",
            "Connection: close",
            f"https://localhost:{port}/one", f"https://localhost:{port}/two"], stdin=False)
        rc = cl.wait()
        check(rc == 0, f"curl exit {rc}; {cl.diag()}")
        check(cl.text() == "hello from tlsio\n" * 2, f"curl got {cl.text()!r}")
        want = [False, version == "1.3"]
        got = self.server_resumed(srv, 2)
        check(got == want, f"tls-server resumed {got}, want {want}; {srv.diag()}")
        case.sanitizer_check([srv])

    @staticmethod
    def keylog_lines(path):
        """The key log file's lines (comments left out), as a set."""
        with open(path) as f:
            return {l.strip() for l in f if l.strip() and not l.startswith("#")}

    def keylog_vs_openssl(self, case, version, ours_is_client):
        """SSLKEYLOGFILE for our tool, -keylogfile for openssl on the other side: both files
        hold the same lines (TLS 1.3: five secrets; TLS 1.2: CLIENT_RANDOM), our file is
        0600, and the tool said on stderr that it writes it."""
        ours, theirs = self.f(f"keylog-ours-{version}.txt"), self.f(f"keylog-openssl-{version}.txt")
        for f in (ours, theirs):
            if os.path.exists(f):
                os.unlink(f)
        env = dict(os.environ, SSLKEYLOGFILE=ours)
        flag = f"-tls{version.replace('.', '_')}"
        if ours_is_client:
            srv, port = start_peer_server(case, "openssl s_server", lambda port: [
                "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                self.f("leaf.pem"), "-key", self.f("leaf.key"), flag, "-rev", "-naccept", "1",
                "-keylogfile", theirs])
            cl = self.our_client(case, port, env=env)
            self.one_line(cl, "keylog", "golyek")
            tool = cl
        else:
            srv, port = self.our_server(case, env=env)
            cl = case.spawn("openssl s_client", [
                "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
                "localhost", "-CAfile", self.f("ca.pem"), "-verify_return_error", flag,
                "-keylogfile", theirs])
            cl.send(b"secrets\n")  # not "k...": s_client takes a line starting so as KeyUpdate
            cl.wait_for(r"secrets\n")
            cl.close_stdin()
            cl.wait()
            self.server_resumed(srv, 1)
            tool = srv
        check("writing TLS secrets to" in tool.text("err"), f"no notice on stderr; {tool.diag()}")
        check(os.stat(ours).st_mode & 0o077 == 0, "the key log file is readable by others")
        mine, other = self.keylog_lines(ours), self.keylog_lines(theirs)
        labels = sorted(l.split()[0] for l in mine)
        want = ["CLIENT_RANDOM"] if version == "1.2" else [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"]
        check(labels == want, f"our key log has {labels}, want {want}")
        check(mine == other, f"key logs differ:\nours {sorted(mine)}\nopenssl {sorted(other)}")
        case.sanitizer_check([tool])

    def all_keylog(self):
        for v in ("1.3", "1.2"):
            self.run(f"keylog tls{v} client-vs-openssl-s_server same-lines",
                     self.keylog_vs_openssl, v, True)
            self.run(f"keylog tls{v} openssl-s_client-vs-server same-lines",
                     self.keylog_vs_openssl, v, False)

    def all_resume(self):
        for v in ("1.3", "1.2"):
            self.run(f"resume tls{v} client-vs-openssl-s_server reconnect",
                     self.resume_client_vs_openssl, v)
            self.run(f"resume tls{v} client-vs-gnutls-serv", self.resume_client_vs_gnutls, v)
            self.run(f"resume tls{v} client-vs-bssl-tool-server sess-out/sess-in",
                     self.resume_client_vs_bssl, v)
            self.run(f"resume tls{v} openssl-s_client-vs-server sess_out/sess_in",
                     self.resume_openssl_vs_server, v)
            self.run(f"resume tls{v} gnutls-cli-vs-server --resume",
                     self.resume_gnutls_vs_server, v)
            self.run(f"resume tls{v} python-ssl-vs-server", self.resume_python_vs_server, v)
            self.run(f"resume tls{v} bssl-tool-client-vs-server -test-resumption",
                     self.resume_bssl_vs_server, v)
            what = "" if v == "1.3" else " full (curl offers no ticket in 1.2)"
            self.run(f"resume tls{v} curl-vs-server two-urls{what}", self.resume_curl_vs_server,
                     v)
        self.run("resume tls1.3 client-vs-openssl-s_server sess-out/sess-in",
                 self.resume_client_sess_file_vs_openssl)
        self.run("resume tls1.3 client-vs-server", self.resume_ours_vs_ours, True)
        self.run("resume tls1.3 client-vs-server --no-tickets is full", self.resume_ours_vs_ours,
                 False)

    # ---- failures --------------------------------------------------------------------------

    def client_wrong_host(self, case):
        srv, port = self.our_server(case)
        cl = self.our_client(case, port, servername="wrong.example")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 1, f"tls-client exit {rc}; {cl.diag()}")
        check("does not match host 'wrong.example'" in cl.text("err"), cl.diag())
        case.sanitizer_check([cl, srv])

    def client_untrusted_ca(self, case):
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
            "-key", self.f("leaf.key"), "-naccept", "1"])
        cl = self.our_client(case, port, ca="other-ca.pem")
        cl.close_stdin()
        rc = cl.wait()
        err = cl.text("err")
        check(rc == 1, f"tls-client exit {rc}; {cl.diag()}")
        check("does not lead to a trusted root" in err, cl.diag())
        srv.wait()
        # RFC 8446 §6.2: the failure is reported with unknown_ca (48).
        check("alert unknown ca" in srv.text("err") + srv.text(), srv.diag())
        case.sanitizer_check([cl])

    # ---- TLS 1.2 (RFC 5246, RFC 8422 ECDHE, RFC 7627 EMS) -----------------------------------

    @staticmethod
    def check_summary12(client, suite, group, alpn):
        want = (f"version=TLSv1.2 cipher={suite.iana} group={group.ours} alpn={alpn} "
                "verified=yes")
        client.wait_for(re.escape(want), "err")

    @staticmethod
    def server_hello_random(s_client_out):
        """The ServerHello.random from `openssl s_client -msg` output (hex dump lines)."""
        m = re.search(r"<<< TLS 1\.[23], Handshake \[length [0-9a-f]+\], ServerHello\n((?:    [0-9a-f ]+\n)+)",
                      s_client_out)
        check(m, f"no ServerHello dump in s_client -msg output: {s_client_out[-2000:]!r}")
        b = bytes.fromhex("".join(m.group(1).split()))
        check(len(b) >= 38 and b[0] == 2 and b[4:6] == b"\x03\x03", f"ServerHello dump {b.hex()}")
        return b[6:38]

    def client12_vs_openssl(self, case, suite, group):
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
            self.f(f"{suite.cert}.pem"), "-key", self.f(f"{suite.cert}.key"), "-tls1_2",
            "-cipher", suite.openssl, "-groups", self.groups12(group), "-alpn", "h2,http/1.1",
            "-rev", "-naccept", "1"])
        # Our client offers 1.3 and 1.2 and all its groups (the default): a 1.2-only server
        # sets no sentinel, and s_server picks the group by its own preference.
        cl = self.our_client(case, port, "--alpn", "h2,http/1.1")
        line = "hello over tls 1.2"
        cl.send(line.encode() + b"\n")
        cl.wait_for(re.escape(line[::-1] + "\n"))
        self.check_summary12(cl, suite, group, "h2")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        check(srv.wait() == 0, f"s_server failed; {srv.diag()}")
        out = srv.text() + srv.text("err")
        check("Protocol version: TLSv1.2" in out, f"s_server: not TLS 1.2: {out!r}")
        check(f"Ciphersuite: {suite.openssl}" in out, f"s_server saw another suite: {out!r}")
        check("ALPN protocols selected: h2" in out, f"s_server selected no h2: {out!r}")
        case.sanitizer_check([cl])

    def client_cert_vs_openssl(self, case, version, name):
        """s_server requires and verifies a client certificate (-Verify 1
        -verify_return_error); our client presents `name`'s chain and signs the
        CertificateVerify (RFC 5246 §7.4.8 / RFC 8446 §4.4.3)."""
        srv, port = start_peer_server(case, "openssl s_server", lambda port: [
            "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
            "-key", self.f("leaf.key"), f"-tls{version.replace('.', '_')}", "-Verify", "1",
            "-verify_return_error", "-CAfile", self.f("ca.pem"), "-rev", "-naccept", "1"])
        cl = self.our_client(case, port, "--cert", self.f(f"{name}.pem"), "--key",
                             self.f(f"{name}.key"))
        line = f"client certificate over tls {version}"
        cl.send(line.encode() + b"\n")
        cl.wait_for(re.escape(line[::-1] + "\n"))
        cl.wait_for(re.escape(f"version=TLSv{version} "), "err")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        check(srv.wait() == 0, f"s_server failed; {srv.diag()}")
        out = srv.text() + srv.text("err")
        kind = name.split("-")[1]
        check(f"Peer certificate: CN = tlsio client {kind}" in out,
              f"s_server got no (or another) client certificate: {out!r}")
        check("Verification: OK" in out, f"s_server did not verify it: {out!r}")
        sig = "ECDSA" if kind == "ecdsa" else "RSA-PSS"
        check(f"Signature type: {sig}" in out, f"s_server saw another signature: {out!r}")
        case.sanitizer_check([cl])

    def client_cert_request(self, case, peer, version, required, name):
        """A server that asks for a client certificate (RFC 8446 §4.3.2, RFC 5246 §7.4.4),
        optionally or requiring one; our client with the chain `name` or none (an empty
        Certificate: RFC 8446 §4.4.2.3, RFC 5246 §7.4.6). A default gnutls-serv asks with an
        empty status_request in its TLS 1.3 CertificateRequest (RFC 8446 §4.4.2.1)."""
        if peer == "gnutls-serv":
            def argv(port):
                a = ["gnutls-serv", "--echo", "-p", str(port), "--x509certfile",
                     self.f("leaf.pem"), "--x509keyfile", self.f("leaf.key"), "--x509cafile",
                     self.f("ca.pem"), "--priority", f"NORMAL:-VERS-ALL:+VERS-TLS{version}"]
                return a + (["--require-client-cert"] if required else [])
            answer = lambda line: line  # noqa: E731
        else:
            def argv(port):
                return ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                        self.f("leaf.pem"), "-key", self.f("leaf.key"),
                        f"-tls{version.replace('.', '_')}", "-Verify" if required else "-verify",
                        "1", "-verify_return_error", "-CAfile", self.f("ca.pem"), "-rev",
                        "-naccept", "1"]
            answer = lambda line: line[::-1]  # noqa: E731
        srv, port = start_peer_server(case, peer, argv)
        opts = ["--cert", self.f(f"{name}.pem"), "--key", self.f(f"{name}.key")] if name else []
        cl = self.our_client(case, port, *opts)
        if required and not name:
            # The server refuses the empty Certificate with an alert: in TLS 1.3 after our
            # Finished (we see it on the first read), in TLS 1.2 before its Finished.
            rc = cl.wait()
            err = cl.text("err")
            check(rc == 1, f"tls-client exit {rc}; {cl.diag()}")
            check("the server asked for a client certificate and none is configured" in err,
                  f"no sentence about the missing client certificate; {cl.diag()}")
            srv.stop()
            case.sanitizer_check([cl])
            return
        line = f"{peer} asks for a certificate over tls {version}"
        cl.send(line.encode() + b"\n")
        cl.wait_for(re.escape(answer(line) + "\n"))
        cl.wait_for(re.escape(f"version=TLSv{version} "), "err")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        srv.stop()
        out = srv.text() + srv.text("err")
        if name and peer == "openssl s_server":
            check("Peer certificate: CN = tlsio client ecdsa" in out and "Verification: OK" in out,
                  f"s_server got no verified client certificate: {out!r}")
        elif name:
            check("tlsio client ecdsa" in out, f"gnutls-serv got no client certificate: {out!r}")
        case.sanitizer_check([cl])

    # ---- client certificates presented to our server (tls-server --verify-client) ----------

    # What our server sends when a required client certificate is missing: certificate_required
    # (116) in TLS 1.3 (RFC 8446 §4.4.2.4), handshake_failure (40) in TLS 1.2 (RFC 5246
    # §7.4.6); the words as OpenSSL spells them, and the alert number.
    NO_CERT_ALERT = {"1.3": ("certificate required", 116), "1.2": ("handshake failure", 40)}
    NO_CERT_SENTENCE = ("tls-server: handshake failed: client Certificate: empty, but this "
                        "server requires a client certificate")
    SERVER_CLIENT = re.compile(r"^client: (.*) resumed=(?:yes|no)$", re.M)

    def server_subjects(self, srv, n):
        """Waits until tls-server has printed n "client:" lines; the subjects they name."""
        end = time.monotonic() + TIMEOUT
        while True:
            got = self.SERVER_CLIENT.findall(srv.text())
            if len(got) >= n or time.monotonic() > end:
                return got
            time.sleep(0.05)

    def verify_client_vs_server(self, case, peer, version, name, optional):
        """tls-server --verify-client ca.pem (the CA that issued client-ecdsa and client-rsa)
        asks for a client certificate (RFC 8446 §4.3.2, RFC 5246 §7.4.4) and requires one, or
        with --verify-client-optional also takes a client without one. `peer`, pinned to
        `version`, presents `name`'s chain or none (name None). Our server prints the subject
        it verified ("client: CN=..."), or "(no certificate)"; a missing required certificate
        ends the handshake with an alert the peer reports and a sentence on our stderr. When
        refused, the peers send no data: in TLS 1.3 the alert comes after their Finished, and
        data our server had not read when it closes could draw a TCP reset instead."""
        opts = ["--verify-client", self.f("ca.pem")]
        if optional:
            opts.append("--verify-client-optional")
        srv, port = self.our_server(case, *opts, mode="http" if peer == "curl" else "echo")
        refused = name is None and not optional
        run = {"openssl-s_client": self.verify_client_openssl,
               "gnutls-cli": self.verify_client_gnutls, "curl": self.verify_client_curl,
               "python-ssl": self.verify_client_python}[peer]
        run(case, port, version, name, refused)
        if refused:
            srv.wait_for(re.escape(self.NO_CERT_SENTENCE), "err")
            check(not self.SERVER_CLIENT.search(srv.text()),
                  f"tls-server took a client without a certificate; {srv.diag()}")
        else:
            got = self.server_subjects(srv, 1)
            want = [f"CN=tlsio client {name.split('-')[1]}" if name else "(no certificate)"]
            check(got == want, f"tls-server saw clients {got}, want {want}; {srv.diag()}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def verify_client_openssl(self, case, port, version, name, refused):
        cert = ["-cert", self.f(f"{name}.pem"), "-key", self.f(f"{name}.key")] if name else []
        cl = case.spawn("openssl s_client", [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-verify_hostname", "localhost", "-CAfile", self.f("ca.pem"), "-verify_return_error",
            f"-tls{version.replace('.', '_')}", *cert])
        if refused:
            words, _ = self.NO_CERT_ALERT[version]
            cl.wait_for(re.escape(f"alert {words}"), "err")
            rc = cl.wait()
            check(rc != 0, f"s_client exit {rc} after the alert; {cl.diag()}")
            return
        line = f"s_client with {name or 'no certificate'} over tls {version}"
        cl.send(line.encode() + b"\n")
        # Not anchored at a line start: s_client may print the echo amid its dump of our
        # tickets (large here: they carry the client's certificate, RFC 8446 §4.6.1).
        cl.wait_for(re.escape(line + "\n"))
        cl.close_stdin()
        rc = cl.wait()
        out = cl.text()
        check(rc == 0, f"s_client exit {rc}; {cl.diag()}")
        # Our CertificateRequest names the CA it trusts (certificate_authorities in TLS 1.3,
        # RFC 8446 §4.2.4; certificate_authorities list in TLS 1.2, RFC 5246 §7.4.4).
        for want in (f"New, TLSv{version}, Cipher is",
                     "Acceptable client certificate CA names\nCN = tlsio interop CA\n",
                     "Verify return code: 0 (ok)"):
            check(want in out, f"s_client output lacks {want!r}; {cl.diag()}")

    def verify_client_gnutls(self, case, port, version, name, refused):
        cert = ["--x509certfile", self.f(f"{name}.pem"), "--x509keyfile",
                self.f(f"{name}.key")] if name else []
        cl = case.spawn("gnutls-cli", [
            "gnutls-cli", "-p", str(port), "--x509cafile", self.f("ca.pem"), "--sni-hostname",
            "localhost", "--verify-hostname", "localhost", *cert, "--priority",
            f"NORMAL:-VERS-ALL:+VERS-TLS{version}", "127.0.0.1"])
        if refused:
            _, code = self.NO_CERT_ALERT[version]
            cl.wait_for(re.escape(f"*** Received alert [{code}]"), "any")
            rc = cl.wait()
            check(rc != 0, f"gnutls-cli exit {rc} after the alert; {cl.diag()}")
            return
        cl.wait_for(r"- Handshake was completed", "any")
        line = f"gnutls-cli with {name or 'no certificate'} over tls {version}"
        self.one_line(cl, line, line, "gnutls-cli")
        text = cl.text() + cl.text("err")
        wants = [f"- Successfully sent {1 if name else 0} certificate(s) to server.",
                 f"- Description: (TLS{version}-X.509)", "The certificate is trusted"]
        if version == "1.3":  # gnutls-cli says so in TLS 1.3 only
            wants.append("- Server has requested a certificate.")
        for want in wants:
            check(want in text, f"gnutls-cli output lacks {want!r}; {cl.diag()}")

    def verify_client_curl(self, case, port, version, name, refused):
        cert = ["--cert", self.f(f"{name}.pem"), "--key", self.f(f"{name}.key")] if name else []
        cl = case.spawn("curl", [
            "curl", "-sS", "-v", "--max-time", "10", "--cacert", self.f("ca.pem"), "--resolve",
            f"localhost:{port}:127.0.0.1", f"--tlsv{version}", "--tls-max", version, *cert,
            "-w", "\nstatus=%{http_code}\n", f"https://localhost:{port}/"], stdin=False)
        rc = cl.wait()
        out, err = cl.text(), cl.text("err")
        if refused:
            words, _ = self.NO_CERT_ALERT[version]
            check(rc != 0 and f"alert {words}" in err, f"curl exit {rc}; {cl.diag()}")
            return
        check(rc == 0, f"curl exit {rc}; {cl.diag()}")
        check(out == "hello from tlsio\n\nstatus=200\n", f"curl got {out!r}")
        v = f"TLSv{version}"
        check(f"SSL connection using {v} /" in err, f"curl: {tail(cl.err)!r}")
        check(f"{v} (IN), TLS handshake, Request CERT (13)" in err,
              f"curl saw no CertificateRequest: {err!r}")
        # curl signs a CertificateVerify only with a certificate (RFC 8446 §4.4.3).
        signed = f"{v} (OUT), TLS handshake, CERT verify (15)" in err
        check(signed == bool(name), f"curl CertificateVerify sent: {signed}: {err!r}")

    def verify_client_python(self, case, port, version, name, refused):
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        ctx.minimum_version = ctx.maximum_version = (
            ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2)
        if name:
            ctx.load_cert_chain(self.f(f"{name}.pem"), self.f(f"{name}.key"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    check(s.version() == f"TLSv{version}", f"version {s.version()}")
                    if refused:  # TLS 1.3: the alert follows our Finished
                        got = s.recv(100)
                        raise CaseFailure(f"Python read {got!r} instead of an alert")
                    msg = f"python with {name or 'no certificate'}\n".encode() * 100
                    python_echo(s, msg)
                    s.unwrap()
        except ssl.SSLError as e:
            words, _ = self.NO_CERT_ALERT[version]
            want = "ALERT_" + words.upper().replace(" ", "_")
            check(refused and want in str(e), f"Python: {e}")

    def client_cert_vs_bssl(self, case, version, name):
        """bssl-tool server -require-any-client-cert (it requires a certificate but verifies
        no chain) with -www: our client presents `name`'s chain and the report bssl-tool sends
        back (and prints on its stdout) names the certificate's subject and issuer. Without a
        certificate (name None) bssl-tool refuses with certificate_required (TLS 1.3) or
        handshake_failure (TLS 1.2), which our client reports with a sentence."""
        srv, port = start_peer_server(case, "bssl-tool server", lambda port: [
            "bssl-tool", "server", "-accept", str(port), "-key", self.f("leaf.keycert.pem"),
            "-min-version", f"tls{version}", "-max-version", f"tls{version}",
            "-require-any-client-cert", "-www"])
        opts = ["--cert", self.f(f"{name}.pem"), "--key", self.f(f"{name}.key")] if name else []
        cl = self.our_client(case, port, *opts)
        if not name:
            # Nothing sent (see verify_client_vs_server): in TLS 1.3 the alert comes on our
            # first read after the handshake, in TLS 1.2 during it.
            rc = cl.wait()
            err = cl.text("err")
            alert = "certificate_required" if version == "1.3" else "handshake_failure"
            check(rc == 1 and f"the peer sent a fatal alert ({alert})" in err and
                  "the server asked for a client certificate and none is configured" in err,
                  f"tls-client exit {rc}; {cl.diag()}")
            srv.wait_for(r"PEER_DID_NOT_RETURN_A_CERTIFICATE", "any")
            case.sanitizer_check([cl])
            return
        cl.send(b"GET / HTTP/1.0\r\n\r\n")
        cl.wait_for(r"Cert issuer: [^\n]*\n")
        cl.wait_for(re.escape(f"version=TLSv{version} "), "err")
        out = cl.text()
        kind = name.split("-")[1]
        subject = f"Cert subject: CN = tlsio client {kind}"
        # "Signature algorithm" is the peer's: our CertificateVerify's scheme.
        sig = "rsa_pss_rsae_sha256" if kind == "rsa" else (
            "ecdsa_secp256r1_sha256" if version == "1.3" else "ecdsa_sha256")
        check(out.startswith("HTTP/1.0 200 OK"), f"no HTTP 200 from bssl: {out!r}")
        for want in (f"Version: TLSv{version}", subject, "Cert issuer: CN = tlsio interop CA",
                     f"Signature algorithm: {sig}"):
            check(want in out, f"bssl report lacks {want!r}: {out!r}")
        srv.wait_for(re.escape(subject), "err")  # bssl-tool's own report, on its stderr
        # bssl-tool closes without close_notify (see client_vs_bssl).
        rc = cl.wait()
        check(rc == 1 and "the peer closed the connection without close_notify"
              in cl.text("err"), f"tls-client exit {rc}; {cl.diag()}")
        case.sanitizer_check([cl])

    def all_verify_client(self):
        """Client certificates the other way round: peers presenting one to tls-server
        --verify-client, and our client presenting one to bssl-tool server."""
        peers = ("openssl-s_client", "gnutls-cli", "curl", "python-ssl")
        for version in ("1.3", "1.2"):
            for peer in peers:
                for name in ("client-ecdsa", "client-rsa"):
                    self.run(f"client-certificate tls{version} {peer}-vs-server-verify-client "
                             f"with {name}", self.verify_client_vs_server, peer, version, name,
                             False)
                self.run(f"client-certificate tls{version} {peer}-vs-server-verify-client-"
                         "optional without-certificate", self.verify_client_vs_server, peer,
                         version, None, True)
                self.run(f"fail client-certificate tls{version} {peer}-vs-server-verify-client "
                         "without-certificate", self.verify_client_vs_server, peer, version,
                         None, False)
            for name in ("client-ecdsa", "client-rsa", None):
                fail = "" if name else "fail "
                self.run(f"{fail}client-certificate tls{version} client-vs-bssl-tool-server "
                         f"-require-any-client-cert {'with ' + name if name else 'without-'}"
                         f"{'' if name else 'certificate'}", self.client_cert_vs_bssl, version,
                         name)

    @staticmethod
    def groups12(group):
        """An OpenSSL groups list preferring `group` that also lists P-256: in TLS 1.2 the
        client's supported_groups also names the curves of ECDSA certificates it accepts
        (RFC 8422 §5.1), and OpenSSL enforces that on both sides."""
        return group.openssl if group.openssl == "P-256" else f"{group.openssl}:P-256"

    def gnutls_prio12(self, suite, group, extra=""):
        # As groups12: P-256 stays listed for the ECDSA certificate's curve (RFC 8422 §5.1).
        groups = f"+{group.gnutls}" + ("" if group.ours == "secp256r1" else ":+GROUP-SECP256R1")
        return (f"NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+{suite.gnutls}:-KX-ALL:"
                f"+{suite.gnutls_kx}:-GROUP-ALL:{groups}{extra}")

    def client12_vs_gnutls(self, case, suite, group):
        srv, port = start_peer_server(case, "gnutls-serv", lambda port: [
            "gnutls-serv", "--echo", "-p", str(port), "--x509certfile",
            self.f(f"{suite.cert}.pem"), "--x509keyfile", self.f(f"{suite.cert}.key"),
            "--priority", self.gnutls_prio12(suite, group), "--alpn", "h2", "--alpn",
            "http/1.1", "--sni-hostname", "test.example", "--sni-hostname-fatal",
            "--disable-client-cert"])
        cl = self.our_client(case, port, "--alpn", "http/1.1,h2")
        cl.send(b"hello gnutls 1.2\n")
        cl.wait_for(re.escape("hello gnutls 1.2\n"))
        self.check_summary12(cl, suite, group, "http/1.1")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        srv.stop()
        out = srv.text()
        check("- Given server name[1]: test.example" in out, f"gnutls-serv saw no SNI: {out!r}")
        check(f"(TLS1.2-X.509)-({group.gnutls_desc})" in out and f"-({suite.gnutls})" in out,
              f"gnutls-serv negotiated something else: {out!r}")
        case.sanitizer_check([cl])

    def client12_vs_bssl(self, case, suite, group):
        srv, port = start_peer_server(case, "bssl-tool server", lambda port: [
            "bssl-tool", "server", "-accept", str(port), "-key",
            self.f(f"{suite.cert}.keycert.pem"), "-min-version", "tls1.2", "-max-version",
            "tls1.2", "-cipher", suite.openssl, "-curves", group.bssl, "-www"])
        # As groups12: P-256 stays listed for the ECDSA certificate's curve (RFC 8422 §5.1),
        # which tlsio's client enforces like OpenSSL's and BoringSSL's; the server's -curves
        # still makes `group` the ECDHE group.
        ours = group.ours if group.ours == "secp256r1" else f"{group.ours}:secp256r1"
        cl = self.our_client(case, port, "--group", ours)
        cl.send(b"GET / HTTP/1.0\r\n\r\n")
        cl.wait_for(r"Client sent SNI: \S+")
        self.check_summary12(cl, suite, group, "none")
        out = cl.text()
        check(out.startswith("HTTP/1.0 200 OK"), f"no HTTP 200 from bssl: {out!r}")
        for want in ("Version: TLSv1.2", f"Cipher: {suite.iana}", f"ECDHE curve: {group.bssl}",
                     "Client sent SNI: test.example"):
            check(want in out, f"bssl report lacks {want!r}: {out!r}")
        rc = cl.wait()
        check(rc == 1 and "the peer closed the connection without close_notify"
              in cl.text("err"), f"tls-client exit {rc}; {cl.diag()}")
        case.sanitizer_check([cl])

    def openssl12_vs_server(self, case, suite, group, server_opts):
        srv, port = self.our_server(case, "--alpn", "h2,http/1.1", "--group", group.ours,
                                    *server_opts)
        cl = case.spawn("openssl s_client", [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
            "other.example", "-verify_hostname", "other.example", "-CAfile", self.f("ca.pem"),
            "-verify_return_error", "-tls1_2", "-cipher", suite.openssl, "-groups",
            self.groups12(group), "-alpn", "h2", "-msg"])
        cl.wait_for(r"Verify return code: 0 \(ok\)")
        cl.send(b"hello from s_client 1.2\n")
        cl.wait_for(r"\nhello from s_client 1\.2\n")
        cl.close_stdin()
        rc = cl.wait()
        out = cl.text()
        check(rc == 0, f"s_client exit {rc}; {cl.diag()}")
        for want in (f"New, TLSv1.2, Cipher is {suite.openssl}", "ALPN protocol: h2",
                     f"Server Temp Key: {'ECDH, ' if group.ours != 'x25519' else ''}"
                     f"{group.openssl_tempkey}",
                     "Extended master secret: yes", "Secure Renegotiation IS supported",
                     "subject=CN = other.example", "Verified peername: other.example"):
            check(want in out, f"s_client output lacks {want!r}; {cl.diag()}")
        # RFC 8446 §4.1.3: a server that supports TLS 1.3 marks a TLS 1.2 ServerHello; one
        # configured for TLS 1.2 only does not.
        tail8 = self.server_hello_random(out)[24:]
        if "--tls1.2" in server_opts:
            check(tail8[:7] != DOWNGRADE_TLS12[:7], f"sentinel from a 1.2-only server: {tail8}")
        else:
            check(tail8 == DOWNGRADE_TLS12, f"no downgrade sentinel: {tail8.hex()}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def gnutls12_vs_server(self, case, suite, group):
        srv, port = self.our_server(case, "--alpn", "h2,http/1.1", "--group", group.ours,
                                    "--tls1.2")
        cl = case.spawn("gnutls-cli", [
            "gnutls-cli", "-p", str(port), "--x509cafile", self.f("ca.pem"), "--sni-hostname",
            "other.example", "--verify-hostname", "other.example", "--priority",
            self.gnutls_prio12(suite, group), "--alpn", "http/1.1", "127.0.0.1"])
        cl.wait_for(r"- Handshake was completed", "any")
        cl.send(b"hello from gnutls 1.2\n")
        cl.wait_for(r"hello from gnutls 1\.2\n")
        cl.close_stdin()
        rc = cl.wait()
        text = cl.text() + cl.text("err")
        check(rc == 0, f"gnutls-cli exit {rc}; {cl.diag()}")
        for want in (f"- Description: (TLS1.2-X.509)-({group.gnutls_desc})-", f"-({suite.gnutls})",
                     "- Application protocol: http/1.1", "The certificate is trusted",
                     "- Options: extended master secret, safe renegotiation"):
            check(want in text, f"gnutls-cli output lacks {want!r}; {cl.diag()}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def curl12_vs_server(self, case, suite, group):
        srv, port = self.our_server(case, "--alpn", "http/1.1", "--group", group.ours,
                                    mode="http")
        cl = case.spawn("curl", [
            "curl", "-sS", "-v", "--max-time", "10", "--cacert", self.f("ca.pem"), "--resolve",
            f"other.example:{port}:127.0.0.1", "--tlsv1.2", "--tls-max", "1.2", "--ciphers",
            suite.openssl, "--curves", self.groups12(group), "--http1.1", "-w",
            "\nstatus=%{http_code}\n", f"https://other.example:{port}/"], stdin=False)
        rc = cl.wait()
        out, err = cl.text(), cl.text("err")
        check(rc == 0, f"curl exit {rc}; {cl.diag()}")
        check(out == "hello from tlsio\n\nstatus=200\n", f"curl got {out!r}")
        check(f"SSL connection using TLSv1.2 / {suite.openssl}" in err, f"curl: {tail(cl.err)!r}")
        check(re.search(r"ALPN.*server accepted.*http/1\.1", err), f"curl ALPN: {err!r}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def python12_vs_server(self, case, suite, group):
        srv, port = self.our_server(case, "--alpn", "h2,http/1.1", "--group", group.ours,
                                    "--tls1.2")
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(suite.openssl)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname="other.example") as s:
                check(s.version() == "TLSv1.2", f"version {s.version()}")
                check(s.cipher()[0] == suite.openssl, f"cipher {s.cipher()}")
                check(s.selected_alpn_protocol() == "h2", f"alpn {s.selected_alpn_protocol()}")
                cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
                check(cn == "other.example", f"server chose the certificate for {cn}")
                msg = b"python says hello over 1.2\n" * 1000
                python_echo(s, msg)
                s.unwrap()
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    # ---- version negotiation ---------------------------------------------------------------

    def python_default_vs_server_default(self, case):
        # A 1.2+1.3 peer and our default server agree on TLS 1.3.
        srv, port = self.our_server(case)
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        check(ctx.minimum_version <= ssl.TLSVersion.TLSv1_2, "python context refuses 1.2")
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                check(s.version() == "TLSv1.3", f"version {s.version()}")
                s.sendall(b"v\n")
                check(s.recv(10) == b"v\n", "no echo")
        case.sanitizer_check([srv])

    def openssl_default_vs_server12(self, case):
        # s_client offers 1.3 and 1.2; our --tls1.2 server answers 1.2 without the sentinel
        # (it does not support 1.3), so s_client, which checks it, accepts.
        srv, port = self.our_server(case, "--tls1.2")
        cl = case.spawn("openssl s_client", [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-verify_hostname", "localhost", "-CAfile", self.f("ca.pem"),
            "-verify_return_error", "-msg"])
        cl.wait_for(r"Verify return code: 0 \(ok\)")
        cl.send(b"negotiated\n")
        cl.wait_for(r"\nnegotiated\n")
        cl.close_stdin()
        rc = cl.wait()
        out = cl.text()
        check(rc == 0, f"s_client exit {rc}; {cl.diag()}")
        check("New, TLSv1.2, Cipher is ECDHE-ECDSA-" in out, f"not TLS 1.2: {cl.diag()}")
        check(self.server_hello_random(out)[24:31] != DOWNGRADE_TLS12[:7], "sentinel set")
        case.sanitizer_check([srv])

    def client_default_vs_server12(self, case):
        srv, port = self.our_server(case, "--tls1.2")
        cl = self.our_client(case, port)
        cl.send(b"ours\n")
        cl.wait_for(r"ours\n")
        cl.wait_for(r"version=TLSv1\.2 cipher=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ", "err")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        case.sanitizer_check([cl, srv])

    def client12_vs_server_default(self, case):
        # Our 1.2-only client against our 1.3-capable server: 1.2 with the sentinel, which a
        # client that did not offer 1.3 accepts.
        srv, port = self.our_server(case)
        cl = self.our_client(case, port, "--tls1.2")
        cl.send(b"ours\n")
        cl.wait_for(r"ours\n")
        cl.wait_for(r"version=TLSv1\.2 ", "err")
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        case.sanitizer_check([cl, srv])

    # ---- TLS 1.2 refusals ------------------------------------------------------------------

    def client_vs_gnutls_no_ems(self, case):
        # RFC 7627: tlsio requires the extended master secret.
        srv, port = start_peer_server(case, "gnutls-serv", lambda port: [
            "gnutls-serv", "--echo", "-p", str(port), "--x509certfile", self.f("leaf.pem"),
            "--x509keyfile", self.f("leaf.key"), "--priority",
            "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH", "--disable-client-cert"])
        cl = self.our_client(case, port)
        cl.close_stdin()
        rc = cl.wait()
        err = cl.text("err")
        check(rc == 1, f"tls-client exit {rc}; {cl.diag()}")
        check("does not support extended_master_secret" in err, cl.diag())
        # RFC 7627 §5.2 / our policy: the refusal is a handshake_failure alert (40). Waited
        # for: gnutls-serv may log it after our client has exited (stopping it at once lost
        # the line now and then).
        srv.wait_for(r"Error in handshake: A TLS fatal alert has been received", "any")
        case.sanitizer_check([cl])

    def gnutls_no_ems_vs_server(self, case, server_opts):
        srv, port = self.our_server(case, *server_opts)
        cl = case.spawn("gnutls-cli", [
            "gnutls-cli", "-p", str(port), "--x509cafile", self.f("ca.pem"), "--priority",
            "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH", "localhost"])
        cl.close_stdin()
        rc = cl.wait()
        text = cl.text() + cl.text("err")
        check(rc != 0, f"gnutls-cli succeeded without EMS; {cl.diag()}")
        check("Received alert [40]: Handshake failed" in text, cl.diag())
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def tls11_client_refused(self, case):
        srv, port = self.our_server(case)
        cl = case.spawn("openssl s_client", [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_1", "-cipher",
            "DEFAULT:@SECLEVEL=0", "-CAfile", self.f("ca.pem")])
        cl.close_stdin()
        rc = cl.wait()
        check(rc != 0, f"s_client succeeded with TLS 1.1; {cl.diag()}")
        check("alert protocol version" in cl.text("err"), cl.diag())
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def cbc_only_client_refused(self, case):
        srv, port = self.our_server(case, "--tls1.2")
        cl = case.spawn("openssl s_client", [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-cipher",
            "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256",
            "-CAfile", self.f("ca.pem")])
        cl.close_stdin()
        rc = cl.wait()
        check(rc != 0, f"s_client succeeded with CBC / RSA key exchange; {cl.diag()}")
        check("alert handshake failure" in cl.text("err"), cl.diag())
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    # ---- tls-server --mode http -------------------------------------------------------------

    HTTP_HEADER_MAX = 65536  # examples/tools/http_req.h

    def http_conn(self, port):
        """A Python TLS connection that tells close_notify (recv() gives b"") from a TCP end
        without it (SSLEOFError) and from a reset."""
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        return ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False)

    @staticmethod
    def http_read(s, n_answers, head=()):
        """Reads n_answers HTTP responses (the ones whose index is in head have no body):
        [(status, {lower-case name: value}, body)]."""
        buf, out = b"", []
        while len(out) < n_answers:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                chunk = s.recv(65536)
                check(chunk, f"connection ended after {len(out)} answers: {buf!r}")
                buf += chunk
                continue
            lines = buf[:end].decode().split("\r\n")
            m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0])
            check(m, f"not a status line: {lines[0]!r}")
            hdrs = dict((k.lower(), v.strip()) for k, v in (x.split(":", 1) for x in lines[1:]))
            size = 0 if len(out) in head else int(hdrs["content-length"])
            while len(buf) < end + 4 + size:
                chunk = s.recv(65536)
                check(chunk, "connection ended inside a body")
                buf += chunk
            out.append((int(m.group(1)), hdrs, buf[end + 4:end + 4 + size]))
            buf = buf[end + 4 + size:]
        check(buf == b"", f"more bytes after the answers: {buf!r}")
        return out

    @staticmethod
    def http_ends_with_close_notify(s):
        """The server's close_notify comes next (then its TCP FIN): not a reset, not a bare
        end of stream, nothing else."""
        try:
            rest = s.recv(65536)
        except ssl.SSLEOFError:
            raise CaseFailure("the connection ended without close_notify")
        except ConnectionResetError:
            raise CaseFailure("the connection was reset (the answer may be lost)")
        check(rest == b"", f"bytes after the last answer: {rest!r}")

    def http_bare_lf(self, case):
        """Lines ending in a bare LF (RFC 9112 §2.2), mixed with CRLF, pipelined: each request
        answered; HEAD gets no body; "Connection: close" closes with close_notify."""
        srv, port = self.our_server(case, mode="http")
        with self.http_conn(port) as s:
            s.sendall(b"GET / HTTP/1.1\nHost: localhost\n\n"
                      b"\r\nGET /two HTTP/1.1\r\nHost: localhost\nAccept: */*\r\n\n"
                      b"HEAD / HTTP/1.1\nHost: localhost\nConnection: close\n\n")
            got = self.http_read(s, 3, head=(2,))
            check([a[0] for a in got] == [200] * 3, f"statuses {[a[0] for a in got]}")
            check(got[0][2] == b"hello from tlsio\n", f"body {got[0][2]!r}")
            check("connection" not in got[1][1], f"second answer closes: {got[1][1]}")
            check(got[2][1].get("connection") == "close", f"third answer: {got[2][1]}")
            self.http_ends_with_close_notify(s)
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def http_header_block(self, size, pieces=None):
        """A GET whose header block is exactly size bytes (CRLF endings), padded by X-Fill
        fields of at most 8,000 bytes each."""
        head = b"GET /big HTTP/1.1\r\nHost: localhost\r\n"
        fill = []
        left = size - len(head) - 2
        while left > 0:
            n = min(left, 8000)
            check(n >= 12, "size not reachable")
            if left - n in range(1, 12):  # keep the last field long enough to be a field
                n -= 12
            fill.append(b"X-Fill: " + b"f" * (n - 10) + b"\r\n")
            left -= n
        block = head + b"".join(fill) + b"\r\n"
        check(len(block) == size, f"built {len(block)} bytes, want {size}")
        return block

    def http_large_headers(self, case):
        """Header blocks past the old 8 KiB limit are answered, up to HTTP_HEADER_MAX bytes
        exactly, whether they come in one write or in many small ones; the connection stays
        open for the next request."""
        srv, port = self.our_server(case, mode="http")
        with self.http_conn(port) as s:
            for size in (8193, 40000, self.HTTP_HEADER_MAX):
                s.sendall(self.http_header_block(size))
                got = self.http_read(s, 1)
                check(got[0][0] == 200, f"{size}-byte header block: {got[0][0]} {got[0][2]!r}")
            # The limit again, 1 to 700 bytes per record (the server's search resumes).
            block, i, k = self.http_header_block(self.HTTP_HEADER_MAX), 0, 1
            while i < len(block):
                s.sendall(block[i:i + k])
                i, k = i + k, k % 700 + 37
            got = self.http_read(s, 1)
            check(got[0][0] == 200, f"limit in pieces: {got[0][0]} {got[0][2]!r}")
            s.sendall(b"GET /after HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            got = self.http_read(s, 1)
            check(got[0][0] == 200, f"after: {got[0][0]}")
            self.http_ends_with_close_notify(s)
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def http_too_large(self, case):
        """One byte past HTTP_HEADER_MAX, a megabyte of header fields, and a header that never
        ends: each gets 431 and close_notify, never a silent drop or a reset (the server
        reads and drops what the client still sends)."""
        srv, port = self.our_server(case, mode="http")
        big = b"GET / HTTP/1.1\r\nHost: localhost\r\n" + b"X-Fill: 0123456789\r\n" * 52000
        for what, data in (("limit + 1", self.http_header_block(self.HTTP_HEADER_MAX + 1)),
                           ("1 MB block", big + b"\r\n"),
                           ("no end", b"GET / HTTP/1.1\r\nX-Long: " + b"x" * 200000)):
            with self.http_conn(port) as s:
                s.sendall(data)
                got = self.http_read(s, 1)
                st, hdrs, body = got[0]
                check(st == 431, f"{what}: {st} {body!r}")
                check(hdrs.get("connection") == "close", f"{what}: {hdrs}")
                check(b"65536" in body, f"{what}: body {body!r}")
                self.http_ends_with_close_notify(s)
        srv.wait_for(r"tls-server: http: answered 431 ", "err")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def http_malformed(self, case):
        """Requests that cannot be read are answered with 400 (or 501/505), then close_notify."""
        srv, port = self.our_server(case, mode="http")
        cases = [
            (400, b"GARBAGE\r\n\r\n"),
            (400, b"GET /\r\nHost: x\r\n\r\n"),
            (400, b"GET / HTTP/1.1\r\nHost : localhost\r\n\r\n"),  # space before colon
            (400, b"GET / HTTP/1.1\r\nHost: localhost\r\nNoColon\r\n\r\n"),
            (400, b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n  folded\r\n\r\n"),
            (400, b"GET / HTTP/1.1\r\nHost: local\rhost\r\n\r\n"),  # bare CR
            (400, b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),  # no Host
            (400, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            (400, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                  b"Content-Length: 6\r\n\r\n"),
            (400, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
            (501, b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (505, b"GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
        ]
        for want, req in cases:
            with self.http_conn(port) as s:
                # A good request first: the bad one ends a connection that was working.
                s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n" + req +
                          b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                got = self.http_read(s, 2)
                check(got[0][0] == 200, f"{req!r}: first answer {got[0][0]}")
                st, hdrs, body = got[1]
                check(st == want, f"{req!r}: {st}, want {want}: {body!r}")
                check(hdrs.get("connection") == "close", f"{req!r}: {hdrs}")
                # What followed the bad request is not read as a request.
                self.http_ends_with_close_notify(s)
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def http_bodies_and_versions(self, case):
        """Content-Length bodies (larger than any header block) are skipped, pipelined requests
        after them answered; HTTP/1.0 closes unless it asks for keep-alive."""
        srv, port = self.our_server(case, mode="http")
        with self.http_conn(port) as s:
            body = bytes(range(256)) * 1000
            s.sendall(b"POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                      + str(len(body)).encode() + b"\r\n\r\n" + body[:1000])
            s.sendall(body[1000:] + b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                      b"GET / HTTP/1.0\r\n\r\n")
            got = self.http_read(s, 3)
            check([a[0] for a in got] == [200] * 3, f"statuses {[a[0] for a in got]}")
            check("connection" not in got[1][1], f"keep-alive answer: {got[1][1]}")
            check(got[2][1].get("connection") == "close", f"HTTP/1.0 answer: {got[2][1]}")
            self.http_ends_with_close_notify(s)
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def http_curl_large_header(self, case, size, want):
        """curl sending one header field of about size bytes: 200 below the limit, 431 above."""
        srv, port = self.our_server(case, mode="http")
        cl = case.spawn("curl", [
            "curl", "-sS", "--max-time", "10", "--cacert", self.f("ca.pem"), "--resolve",
            f"localhost:{port}:127.0.0.1", "--http1.1", "-H", "X-Big: " + "b" * size,
            "-w", "\nstatus=%{http_code}\n", f"https://localhost:{port}/"], stdin=False)
        rc = cl.wait()
        out = cl.text()
        check(rc == 0, f"curl exit {rc}; {cl.diag()}")
        check(out.endswith(f"\nstatus={want}\n"), f"curl got {out[-200:]!r}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def all_http(self):
        self.run("http python-ssl-vs-server bare-LF lines, pipelined, HEAD", self.http_bare_lf)
        self.run("http python-ssl-vs-server header blocks 8193..65536 bytes",
                 self.http_large_headers)
        self.run("http python-ssl-vs-server header block over 65536 bytes: 431, close_notify",
                 self.http_too_large)
        self.run("http python-ssl-vs-server malformed: 400/501/505, close_notify",
                 self.http_malformed)
        self.run("http python-ssl-vs-server bodies skipped, HTTP/1.0 keep-alive",
                 self.http_bodies_and_versions)
        self.run("http curl-vs-server 20 KB header field", self.http_curl_large_header, 20000,
                 200)
        self.run("http curl-vs-server 70 KB header field: 431", self.http_curl_large_header,
                 70000, 431)

    # ---- tls-server --threads ---------------------------------------------------------------

    SERVER_LOOP = re.compile(r"client: .* resumed=(yes|no) loop=(\d+)\n")

    def server_threads(self, case, version, threads):
        """tls-server --threads N: N poll loops on N threads, each with its own listening socket
        on the one port (SO_REUSEPORT), sharing one config. 40 Python clients in turn (each
        from a new source port, which the kernel hashes over the sockets): every one is echoed,
        every loop serves some, and sessions resume across loops (one ticket key per config),
        both sides agreeing on each connection."""
        srv, port = self.our_server(case, "--threads", str(threads))
        n_listen = listeners(port)
        check(n_listen == threads, f"{n_listen} sockets listen on port {port}, want {threads}")
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        ctx.minimum_version = ctx.maximum_version = (
            ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2)
        n = 40
        session, reused = None, []
        for i in range(n):
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
                # Every 8th connection starts afresh: full handshakes on several loops too.
                offer = session if i % 8 else None
                with ctx.wrap_socket(raw, server_hostname="localhost", session=offer) as s:
                    python_echo(s, f"connection {i}\n".encode())
                    reused.append(s.session_reused)
                    session = s.session
                    s.unwrap()
        end = time.monotonic() + TIMEOUT
        while len(self.SERVER_LOOP.findall(srv.text())) < n and time.monotonic() < end:
            time.sleep(0.05)
        lines = [(r == "yes", int(k)) for r, k in self.SERVER_LOOP.findall(srv.text())]
        check(len(lines) == n, f"tls-server printed {len(lines)} client lines, want {n}; "
                               f"{srv.diag()}")
        # One client at a time: the server's lines are in the clients' order.
        check([r for r, _ in lines] == reused,
              f"resumed: tls-server {[r for r, _ in lines]}, Python {reused}")
        want = set(range(threads))
        check({k for _, k in lines} == want, f"loops that served: {sorted({k for _, k in lines})}")
        check({k for r, k in lines if r} == want,
              f"loops that resumed a session: {sorted({k for r, k in lines if r})}")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        case.sanitizer_check([srv])

    def server_threads_one_is_default(self, case):
        """--threads 1 is the default: one listening socket, no loop= on the client lines."""
        srv, port = self.our_server(case, "--threads", "1")
        check(listeners(port) == 1, f"{listeners(port)} sockets listen on port {port}")
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                python_echo(s, b"one loop\n")
        got = self.server_resumed(srv, 1)
        check(got == [False], f"client lines {got}; {srv.diag()}")
        case.sanitizer_check([srv])

    def all_server_threads(self):
        for v in ("1.3", "1.2"):
            self.run(f"threads tls{v} python-ssl-vs-server --threads 2", self.server_threads, v, 2)
        self.run("threads tls1.3 python-ssl-vs-server --threads 3", self.server_threads, "1.3", 3)
        self.run("threads python-ssl-vs-server --threads 1", self.server_threads_one_is_default)

    # ---- load --------------------------------------------------------------------------------

    def load(self, case, n, *server_opts):
        srv, port = self.our_server(case, "--max-conns", str(n + 24), *server_opts)
        fd_dir = f"/proc/{srv.pid}/fd"
        baseline = len(os.listdir(fd_dir))
        deadline = time.monotonic() + 60
        ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        sel = selectors.DefaultSelector()
        conns = {}  # fileno -> state

        # A few clients that connect and leave before the handshake ends.
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            s.close()

        class Conn:
            pass

        def want(c, ev):
            sel.modify(c.s, ev, c) if c.registered else sel.register(c.s, ev, c)
            c.registered = True

        for i in range(n):
            raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            raw.setblocking(False)
            c = Conn()
            c.i = i
            c.s = ctx.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
            c.state = "hs"
            c.msg = f"client {i} of {n}: hello\n".encode() * 10
            c.got = b""
            c.registered = False
            conns[c.s.fileno()] = c
            want(c, selectors.EVENT_WRITE)
            # Drive what is ready so far, so the accept backlog never fills.
            self._load_step(sel, want, 0)

        while any(c.state != "done" for c in conns.values()):
            check(time.monotonic() < deadline,
                  f"load: {sum(c.state == 'done' for c in conns.values())}/{n} clients done "
                  f"after 60s; {srv.diag()}")
            check(srv.alive(), f"tls-server died under load; {srv.diag()}")
            self._load_step(sel, want, 0.5)

        # All n are open at once: the server holds one socket per client.
        held = len(os.listdir(fd_dir)) - baseline
        check(held >= n, f"server holds {held} sockets for {n} open clients")
        for c in conns.values():
            if c.i % 2 == 0:  # half close cleanly, half just drop the socket
                try:
                    c.s.unwrap()
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, OSError):
                    pass
            sel.unregister(c.s)
            c.s.close()
        sel.close()
        end = time.monotonic() + 20
        while time.monotonic() < end and len(os.listdir(fd_dir)) > baseline:
            time.sleep(0.05)
        now = len(os.listdir(fd_dir))
        check(now == baseline, f"server fds: {now} after all closed, {baseline} at start")
        check(srv.alive(), f"tls-server died; {srv.diag()}")
        # Still serving.
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"still there?\n")
                check(s.recv(100) == b"still there?\n", "no echo after the load")
        case.sanitizer_check([srv])
        print(f"     load: {n} concurrent clients{' ' + ' '.join(server_opts) if server_opts else ''}"
              f", server fds back to {baseline}", flush=True)

    @staticmethod
    def _load_step(sel, want, timeout):
        for key, _ in sel.select(timeout):
            c = key.data
            try:
                if c.state == "hs":
                    c.s.do_handshake()
                    c.state = "send"
                if c.state == "send":
                    c.s.sendall(c.msg)
                    c.state = "recv"
                    want(c, selectors.EVENT_READ)
                if c.state == "recv":
                    while len(c.got) < len(c.msg):
                        chunk = c.s.recv(65536)
                        if not chunk:
                            raise CaseFailure(f"load client {c.i}: server closed early")
                        c.got += chunk
                    if c.got != c.msg:
                        raise CaseFailure(f"load client {c.i}: echo differs")
                    c.state = "done"
                    want(c, selectors.EVENT_READ)
            except ssl.SSLWantReadError:
                want(c, selectors.EVENT_READ)
            except ssl.SSLWantWriteError:
                want(c, selectors.EVENT_WRITE)

    # ---- the matrix ------------------------------------------------------------------------

    def all(self):
        for suite, gsuite in SUITES:
            for g in GROUPS:
                self.run(f"client-vs-openssl-s_server {suite} {g.ours}",
                         self.client_vs_openssl, suite, g)
        self.run("client-vs-openssl-s_server sni", self.client_vs_openssl_sni)
        self.run("exporter client-vs-openssl-s_server tls1.3", self.client_export_vs_openssl, False)
        self.run("exporter client-vs-openssl-s_server tls1.2", self.client_export_vs_openssl, True)
        for suite, gsuite in SUITES:
            for g in GROUPS:
                self.run(f"client-vs-gnutls-serv {suite} {g.ours}", self.client_vs_gnutls,
                         suite, gsuite, g)
        for suite, gsuite in SUITES:
            for g in GROUPS:
                self.run(f"client-vs-bssl-server {suite} {g.ours}", self.client_vs_bssl,
                         suite, g)
        for suite, gsuite in SUITES:
            for g in GROUPS:
                self.run(f"openssl-s_client-vs-server {suite} {g.ours}",
                         self.openssl_vs_server, suite, g)
        for suite, gsuite in SUITES:
            for g in GROUPS:
                self.run(f"gnutls-cli-vs-server {suite} {g.ours}", self.gnutls_vs_server,
                         suite, gsuite, g)
        for suite, gsuite in SUITES:
            for g in GROUPS:
                self.run(f"curl-vs-server {suite} {g.ours}", self.curl_vs_server, suite, g)
        for suite, gsuite in SUITES:
            for g in GROUPS:
                self.run(f"python-ssl-vs-server {suite} {g.ours}", self.python_vs_server,
                         suite, g)
        for version in ("1.3", "1.2"):
            self.run(f"record-size-limit tls{version} client-vs-gnutls-serv",
                     self.record_limit_client_vs_gnutls, version)
        self.run("record-size-limit tls1.3 gnutls-cli-vs-server", self.record_limit_gnutls_vs_server)
        self.run("client-trace-vs-openssl-s_server tls1.3", self.client_trace_vs_openssl, False)
        self.run("client-trace-vs-openssl-s_server tls1.2", self.client_trace_vs_openssl, True)
        self.run("client-peer-cert-vs-openssl-s_server", self.client_peer_cert_vs_openssl)
        self.run("fail client-wrong-hostname", self.client_wrong_host)
        self.run("fail client-untrusted-ca", self.client_untrusted_ca)
        self.all12()
        self.all_verify_client()
        self.all_resume()
        self.all_keylog()
        self.all_http()
        self.all_server_threads()
        if self.load_n > 0:
            self.run(f"load {self.load_n}-concurrent-clients", self.load, self.load_n)
            # Two poll loops: each holds the clients its listening socket took.
            n = min(self.load_n, 300)
            self.run(f"load {n}-concurrent-clients tls-server --threads 2", self.load, n,
                     "--threads", "2")

    def all12(self):
        suites = [Suite12(r) for r in TLS12_SUITES]
        for su in suites:
            for g in GROUPS:
                self.run(f"tls1.2 client-vs-openssl-s_server {su.iana} {g.ours}",
                         self.client12_vs_openssl, su, g)
        for su in suites:
            for g in GROUPS:
                self.run(f"tls1.2 client-vs-gnutls-serv {su.iana} {g.ours}",
                         self.client12_vs_gnutls, su, g)
        for su in suites:
            for g in GROUPS:
                self.run(f"tls1.2 client-vs-bssl-server {su.iana} {g.ours}",
                         self.client12_vs_bssl, su, g)
        for su in suites:
            for g in GROUPS:
                # Our server in its default mode (1.2 and 1.3) and TLS 1.2 only, alternately.
                opts = ("--tls1.2",) if g.ours == "secp256r1" else ()
                self.run(f"tls1.2 openssl-s_client-vs-server{'' if not opts else '-tls1.2'} "
                         f"{su.iana} {g.ours}", self.openssl12_vs_server, su, g, opts)
        for su in suites:
            for g in GROUPS:
                self.run(f"tls1.2 gnutls-cli-vs-server-tls1.2 {su.iana} {g.ours}",
                         self.gnutls12_vs_server, su, g)
        for su in suites:
            for g in GROUPS:
                self.run(f"tls1.2 curl-vs-server {su.iana} {g.ours}", self.curl12_vs_server,
                         su, g)
        for su in suites:
            for g in GROUPS:
                self.run(f"tls1.2 python-ssl-vs-server-tls1.2 {su.iana} {g.ours}",
                         self.python12_vs_server, su, g)
        self.run("negotiate python-default-vs-server-default is 1.3",
                 self.python_default_vs_server_default)
        self.run("negotiate openssl-default-vs-server-tls1.2 is 1.2",
                 self.openssl_default_vs_server12)
        self.run("negotiate client-default-vs-server-tls1.2 is 1.2",
                 self.client_default_vs_server12)
        self.run("negotiate client-tls1.2-vs-server-default is 1.2",
                 self.client12_vs_server_default)
        self.run("fail tls1.2 client-vs-gnutls-serv-without-ems", self.client_vs_gnutls_no_ems)
        self.run("fail tls1.2 gnutls-cli-without-ems-vs-server", self.gnutls_no_ems_vs_server,
                 ())
        self.run("fail tls1.2 gnutls-cli-without-ems-vs-server-tls1.2",
                 self.gnutls_no_ems_vs_server, ("--tls1.2",))
        for version in ("1.2", "1.3"):
            for name in ("client-ecdsa", "client-rsa"):
                self.run(f"client-certificate tls{version} client-vs-openssl-s_server {name}",
                         self.client_cert_vs_openssl, version, name)
        for peer in ("gnutls-serv", "openssl s_server"):
            for version in ("1.3", "1.2"):
                for required in (False, True):
                    for name in ("client-ecdsa", None):
                        what = "required" if required else "optional"
                        fail = "fail " if required and not name else ""
                        self.run(f"{fail}client-certificate-request tls{version} "
                                 f"client-vs-{peer.replace(' ', '-')} {what} "
                                 f"{'with ' + name if name else 'without-certificate'}",
                                 self.client_cert_request, peer, version, required, name)
        self.run("fail tls1.1-client-refused", self.tls11_client_refused)
        self.run("fail tls1.2 cbc-and-rsa-kex-only-client-refused", self.cbc_only_client_refused)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--client", required=True, help="path to tls-client")
    ap.add_argument("--server", required=True, help="path to tls-server")
    ap.add_argument("--only", help="run only the cases whose name matches this regex")
    ap.add_argument("--load", type=int, default=1000, help="clients in the load case (0: none)")
    args = ap.parse_args()
    for tool in (args.client, args.server):
        if not os.access(tool, os.X_OK):
            sys.exit(f"interop: {tool} is not an executable")
    # The load case holds a socket per client in this process and in the server.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.load + 256
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tlsio-interop-") as tmp:
        it = Interop(args, tmp)
        it.all()
    passed = sum(it.results)
    failed = len(it.results) - passed
    print(f"interop: {len(it.results)} cases in {time.monotonic() - t0:.0f}s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not it.results else 0


if __name__ == "__main__":
    sys.exit(main())
