#!/usr/bin/env python3
"""The libuv examples (examples/uv/) against real peers.

    uv_examples.py --server PATH/uv_echo_server --get PATH/uv_get

uv_echo_server against Python's ssl (TLS 1.3 and 1.2): small and multi-megabyte echoes
checked byte for byte (the engine's backpressure and libuv's one-write-in-flight at work),
several clients at once, a client's close_notify answered with ours, a truncated client
reported as such while the others go on, and SIGTERM sending close_notify to an open client
before a clean exit. uv_get against `openssl s_server -www` (TLS 1.3 and 1.2) prints the
page and exits 0; against an untrusted or wrongly named certificate it exits 1 with tlsio's
sentence. All on 127.0.0.1 with certificates made for the run; every wait is bounded and
only processes started here are stopped. The last line is `N passed, M failed`.
"""
import argparse
import hashlib
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 20


def make_pki(d):
    def run(*args):
        subprocess.run(args, check=True, capture_output=True, timeout=TIMEOUT)

    def leaf(name, san):
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr", "-subj", f"/CN={name}")
        with open(f"{d}/{name}.ext", "w") as f:
            f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n")
        run("openssl", "x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.pem", "-CAkey",
            f"{d}/ca.key", "-CAcreateserial", "-days", "30", "-out", f"{d}/{name}.pem",
            "-extfile", f"{d}/{name}.ext")

    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "30", "-subj",
        "/CN=uv test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    leaf("localhost", "DNS:localhost,IP:127.0.0.1")
    leaf("elsewhere", "DNS:elsewhere.example")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", f"{d}/self.key", "-out", f"{d}/self.pem", "-days", "30", "-subj",
        "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1")


class EchoServer:
    """uv_echo_server on a free port; its stderr (one line per connection) is collected."""

    def __init__(self, binary, d):
        self.p = subprocess.Popen([binary, f"{d}/localhost.pem", f"{d}/localhost.key", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"uv_echo_server did not start: {line!r}")
        self.port = int(m.group(1))
        self.log = []
        self.t = threading.Thread(target=self._collect, daemon=True)
        self.t.start()

    def _collect(self):
        for line in self.p.stderr:
            self.log.append(line.rstrip("\n"))

    def wait_log(self, pattern, timeout=5):
        end = time.time() + timeout
        while time.time() < end:
            if any(re.search(pattern, l) for l in self.log):
                return True
            time.sleep(0.05)
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(timeout=TIMEOUT)


def client_ctx(d, version):
    ctx = ssl.create_default_context(cafile=f"{d}/ca.pem")
    ctx.minimum_version = ctx.maximum_version = version
    return ctx


def connect(port, ctx):
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False)


def echo_roundtrip(port, ctx, size):
    """Sends size random bytes and reads the echo at the same time, on one thread (an
    SSLSocket must not be read and written from two threads at once); compares hashes."""
    s = connect(port, ctx)
    data = os.urandom(size)
    got = hashlib.sha256()
    sent = received = 0
    deadline = time.time() + TIMEOUT
    s.setblocking(False)
    while received < size and time.time() < deadline:
        moved = False
        if sent < size:
            try:
                sent += s.send(data[sent:sent + 16384])
                moved = True
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        try:
            chunk = s.recv(65536)
            if not chunk:
                break
            got.update(chunk)
            received += len(chunk)
            moved = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        if not moved:
            select.select([s], [s] if sent < size else [], [], 0.5)
    s.setblocking(True)
    s.settimeout(TIMEOUT)
    ok = received == size and got.digest() == hashlib.sha256(data).digest()
    s.unwrap()  # our close_notify, then the server's
    s.close()
    return ok, f"{received} of {size} bytes echoed, hash {'equal' if ok else 'differs'}"


def case_echo(args, d, version, size):
    with EchoServer(args.server, d) as srv:
        ok, detail = echo_roundtrip(srv.port, client_ctx(d, version), size)
        ok = ok and srv.wait_log(r"127\.0\.0\.1:\d+: closed cleanly")
        return ok, detail + ("" if ok else f"; server log: {srv.log}")


def case_concurrent(args, d):
    results = []
    with EchoServer(args.server, d) as srv:
        def one(i):
            version = ssl.TLSVersion.TLSv1_3 if i % 2 else ssl.TLSVersion.TLSv1_2
            results.append(echo_roundtrip(srv.port, client_ctx(d, version), 4096 * (i + 1))[0])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        ok = len(results) == 20 and all(results)
        return ok, f"{sum(results)} of 20 concurrent clients echoed intact"


def case_truncated(args, d):
    """A client that drops TCP mid-connection is reported; a client beside it is unaffected."""
    with EchoServer(args.server, d) as srv:
        bad = connect(srv.port, client_ctx(d, ssl.TLSVersion.TLSv1_3))
        bad.sendall(b"x" * 100)
        bad.recv(100)
        good = connect(srv.port, client_ctx(d, ssl.TLSVersion.TLSv1_3))
        bad.close()  # SSLSocket.close sends no close_notify: a truncation
        reported = srv.wait_log(r"without close_notify")
        good.sendall(b"still here")
        echoed = good.recv(100)
        good.unwrap()
        good.close()
        ok = reported and echoed == b"still here"
        return ok, f"truncation reported: {reported}; other client echoed: {echoed!r}"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def case_slow_reader(args, d):
    """A client that sends without reading: the server stops reading too (its memory stays
    bounded), and once the client reads, every byte comes back in order."""
    with EchoServer(args.server, d) as srv:
        s = connect(srv.port, client_ctx(d, ssl.TLSVersion.TLSv1_3))
        before = rss_kib(srv.p.pid)
        data = os.urandom(1 << 20)  # the stream is data repeated: byte i is data[i % len]
        s.setblocking(False)
        sent, end = 0, time.time() + 1.5
        while time.time() < end:  # write until blocked, and a while longer
            try:
                sent += s.send(data[sent % len(data):][:16384])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                time.sleep(0.01)  # a refused write is retried with the same bytes below
        grown = rss_kib(srv.p.pid) - before
        got, received, deadline = hashlib.sha256(), 0, time.time() + TIMEOUT
        stream_end = None  # set once the refused write went through
        while (stream_end is None or received < stream_end) and time.time() < deadline:
            if stream_end is None:
                try:
                    sent += s.send(data[sent % len(data):][:16384])
                    stream_end = sent
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            try:
                chunk = s.recv(65536)
                got.update(chunk)
                received += len(chunk)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                select.select([s], [], [], 0.2)
        want = hashlib.sha256()
        for off in range(0, received, len(data)):
            want.update(data[:min(len(data), received - off)])
        s.setblocking(True)
        s.settimeout(TIMEOUT)
        s.unwrap()
        s.close()
        ok = received == stream_end and got.digest() == want.digest() and grown < 8192
        return ok, (f"client stopped reading with {sent} bytes sent; server RSS grew {grown} "
                    f"KiB; {received} echoed, hash {'equal' if ok else 'differs'}")


def case_sigterm(args, d):
    with EchoServer(args.server, d) as srv:
        s = connect(srv.port, client_ctx(d, ssl.TLSVersion.TLSv1_3))
        s.sendall(b"ping")
        s.recv(4)
        srv.p.send_signal(signal.SIGTERM)
        try:
            tail = s.recv(100)  # b"" only for a close_notify (ragged EOFs raise)
            clean = tail == b""
        except (ssl.SSLError, OSError) as e:
            clean, tail = False, repr(e)
        rc = srv.p.wait(timeout=TIMEOUT)
        s.close()
        ok = clean and rc == 0
        return ok, f"client saw close_notify: {clean} ({tail!r}); server exit status {rc}"


def s_server(d, cert, extra):
    p = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                          f"{d}/{cert}.pem", "-key", f"{d}/{cert}.key", "-www"] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    end = time.time() + TIMEOUT
    while time.time() < end:
        line = p.stdout.readline()
        m = re.search(r"ACCEPT .*:(\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, m.group(1)
        if not line and p.poll() is not None:
            break
    p.kill()
    raise RuntimeError("openssl s_server did not start")


def case_get(args, d, cert, extra, host, cafile, want_ok, want_err=None):
    p, port = s_server(d, cert, extra)
    try:
        r = subprocess.run([args.get, host, port, "/", f"{d}/{cafile}"], capture_output=True,
                           timeout=TIMEOUT)
        out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        if want_ok:
            ok = r.returncode == 0 and out.startswith("HTTP/1.0 200 ok")
        else:
            ok = r.returncode == 1 and want_err in err and "HTTP/" not in out
        return ok, f"exit {r.returncode}; stdout {out[:40]!r}; stderr {err.strip()!r}"
    finally:
        p.kill()
        p.wait(timeout=TIMEOUT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--get", required=True)
    args = ap.parse_args()
    v13, v12 = ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2
    cases = [
        ("echo 1.3 small", lambda d: case_echo(args, d, v13, 1000)),
        ("echo 1.2 small", lambda d: case_echo(args, d, v12, 1000)),
        ("echo 1.3 4 MiB", lambda d: case_echo(args, d, v13, 4 << 20)),
        ("echo 1.2 4 MiB", lambda d: case_echo(args, d, v12, 4 << 20)),
        ("echo 20 concurrent", lambda d: case_concurrent(args, d)),
        ("slow reader: bounded",  lambda d: case_slow_reader(args, d)),
        ("truncated client", lambda d: case_truncated(args, d)),
        ("SIGTERM closes cleanly", lambda d: case_sigterm(args, d)),
        ("get 1.3", lambda d: case_get(args, d, "localhost", ["-tls1_3"], "127.0.0.1", "ca.pem",
                                       True)),
        ("get 1.2", lambda d: case_get(args, d, "localhost", ["-tls1_2"], "localhost", "ca.pem",
                                       True)),
        ("get untrusted", lambda d: case_get(args, d, "self", [], "127.0.0.1", "ca.pem", False,
                                             "does not lead to a trusted root")),
        ("get wrong name", lambda d: case_get(args, d, "elsewhere", [], "127.0.0.1", "ca.pem",
                                              False, "127.0.0.1")),
    ]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as d:
        make_pki(d)
        for name, fn in cases:
            try:
                ok, detail = fn(d)
            except Exception as e:  # a case that crashes fails; the others still run
                ok, detail = False, f"exception: {e!r}"
            print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
            passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
