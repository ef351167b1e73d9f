#!/usr/bin/env python3
"""tls-proxy tests: the proxy between real clients and backends, on 127.0.0.1.

    proxy_test.py --proxy PATH/tls-proxy [--only REGEX] [--load N] [--fd-conns N]

Terminate mode (TLS in, TCP out): curl and Python's ssl through tls-proxy to a Python
http.server, TLS 1.3 and 1.2; N concurrent clients (--load, default 200) moving random small
and large payloads through an echo backend, every byte checked (SHA-256); half-close both
ways (close_notify -> FIN, FIN -> close_notify, the other direction still flowing); a
truncated TLS stream reaches the backend as a reset, never a FIN; a backend that refuses
(the client gets close_notify and the log says why) or closes early; a client that stops
mid-handshake (the handshake timeout ends it, others are served); a client that stops
reading (the proxy's memory stays bounded and the backend is held back); no fd left behind
after --fd-conns mixed good and bad connections. Originate mode (TCP in, TLS out): a plain
client through tls-proxy to `openssl s_server -www`, verified (and refused when the name or
the chain is wrong), and --proxy-protocol to a Python upstream that reads the v2 header before
its TLS handshake. Options: --threads, --max-conns, --alpn, --verify-client, --proxy-protocol
(the v2 header parsed here), several --cert/--key pairs chosen by SNI, session tickets (also
across a SIGHUP), --timeout, --idle-timeout, SIGHUP reload and SIGTERM drain. The connection
lines are read from stderr (toollog.h's fields plus backend=, upstream=, cause=).

Every wait is bounded; only processes this script started are stopped. One line per case,
then `N passed, M failed`; exit status 1 if any failed.
"""
import argparse
import asyncio
import hashlib
import os
import random
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib

TIMEOUT = 15  # seconds, any single wait


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


class Proc:
    """A started program; stdout and stderr collected by threads."""

    def __init__(self, argv, preexec_fn=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, preexec_fn=preexec_fn)
        self.out, self.err = bytearray(), bytearray()
        self.cond = threading.Condition()
        self.threads = [threading.Thread(target=self._read, args=(f, b), daemon=True)
                        for f, b in ((self.p.stdout, self.out), (self.p.stderr, self.err))]
        for t in self.threads:
            t.start()

    def _read(self, f, buf):
        while True:
            chunk = os.read(f.fileno(), 65536)
            with self.cond:
                buf.extend(chunk)
                self.cond.notify_all()
            if not chunk:
                return

    def wait_for(self, rx, count=1, timeout=TIMEOUT, stream="out"):
        """Waits until rx matches count times on stdout; returns the matches."""
        rx = re.compile(rx)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                text = bytes(self.out if stream == "out" else self.err).decode("utf-8", "replace")
                found = rx.findall(text)
                if len(found) >= count:
                    return found
                left = end - time.monotonic()
                if left <= 0:
                    raise Fail(f"no {count} x {rx.pattern!r} within {timeout}s; {self.diag()}")
                self.cond.wait(min(left, 0.2))

    def text(self):
        with self.cond:
            return bytes(self.out).decode("utf-8", "replace")

    def diag(self):
        with self.cond:
            return f"stdout {bytes(self.out[-1500:])!r} stderr {bytes(self.err[-800:])!r}"

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout)
        for t in self.threads:
            t.join(timeout)
        return self.p.returncode


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time of the process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


LOG_LINE = r"(?m)^conn [^\n]*"  # a connection's line, on stderr (toollog.h)


def log_fields(line):
    """The key=value pairs of a `conn ...` log line (quoted values unquoted, their \\" and
    \\\\ unescaped)."""
    pairs = re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line)
    return {k: re.sub(r'\\(.)', r'\1', v[1:-1]) if v.startswith('"') else v for k, v in pairs}


# ---- a TLS client with full control over close_notify (MemoryBIO) ---------------------------

class TlsRaw:
    """A TLS client over a plain socket: sends close_notify only when told, and tells a
    close_notify from a TCP FIN and a reset."""

    def __init__(self, port, ctx, name="localhost", handshake=True, rcvbuf=None):
        self.s = socket.socket()
        self.s.settimeout(TIMEOUT)
        if rcvbuf:  # a small window: what the proxy sends last waits in its send queue
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.connect(("127.0.0.1", port))
        self.inc, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.o = ctx.wrap_bio(self.inc, self.outb, server_hostname=name)
        if handshake:
            self.handshake()

    def _flush(self):
        data = self.outb.read()
        if data:
            self.s.sendall(data)

    def _feed(self):
        data = self.s.recv(65536)
        if not data:
            return False
        self.inc.write(data)
        return True

    def handshake(self):
        while True:
            try:
                self.o.do_handshake()
                self._flush()
                return
            except ssl.SSLWantReadError:
                self._flush()
                check(self._feed(), "EOF during the handshake")

    def send(self, data):
        self.o.write(data)
        self._flush()

    def close_notify(self):
        try:
            self.o.unwrap()
        except ssl.SSLWantReadError:
            pass
        self._flush()

    def read_until_end(self, limit=None):
        """Reads until the stream ends: (data, 'close_notify' | 'eof' | 'reset')."""
        got = bytearray()
        while limit is None or len(got) < limit:
            try:
                d = self.o.read(65536)
                if not d:
                    return bytes(got), "close_notify"
                got += d
            except ssl.SSLWantReadError:
                try:
                    if not self._feed():
                        return bytes(got), "eof"
                except ConnectionResetError:
                    return bytes(got), "reset"
            except ssl.SSLZeroReturnError:
                return bytes(got), "close_notify"
            except ssl.SSLError as e:
                return bytes(got), f"error {e}"
        return bytes(got), "limit"

    def close(self):
        self.s.close()


# ---- backends ---------------------------------------------------------------------------------

class Backend:
    """A plain TCP server on a free port; handler(conn) runs on a thread per connection.
    Records how each connection's input ended ('eof' or 'reset')."""

    def __init__(self, handler):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1024)
        self.port = self.ls.getsockname()[1]
        self.handler = handler
        self.ends = []
        self.received = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            c.settimeout(TIMEOUT)
            threading.Thread(target=self._run, args=(c,), daemon=True).start()

    def _run(self, c):
        try:
            self.handler(self, c)
        except Exception as e:  # recorded, the test decides
            self.note("error", repr(e).encode())
        finally:
            c.close()

    def note(self, end, data=b""):
        with self.lock:
            self.ends.append(end)
            self.received.append(data)

    def read_all(self, c):
        """Reads until the input ends; records ('eof'|'reset', data) and returns both."""
        got = bytearray()
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    self.note("eof", bytes(got))
                    return bytes(got), "eof"
                got += d
        except ConnectionResetError:
            self.note("reset", bytes(got))
            return bytes(got), "reset"

    def wait_ends(self, n, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.ends) >= n:
                    return list(self.ends)
            time.sleep(0.02)
        raise Fail(f"backend saw {len(self.ends)} connections end, wanted {n}")

    def close(self):
        self.stopped = True
        self.ls.close()


def echo_handler(b, c):
    while True:
        try:
            d = c.recv(65536)
        except ConnectionResetError:
            return
        if not d:
            c.shutdown(socket.SHUT_WR)
            return
        c.sendall(d)


def wait_port(port, proc, name):
    """Waits until proc (a server we started) accepts on port; returns the port."""
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return port
        except OSError:
            time.sleep(0.05)
    raise Fail(f"{name} did not start; {proc.diag()}")


def wait_dropped(s, t0):
    """Reads s until the proxy ends it: (what came, seconds since t0); a reset is an end."""
    try:
        got = s.recv(100)
    except ConnectionResetError:
        got = b""
    return got, time.monotonic() - t0


def refused_port():
    """A port nobody listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- the test run -----------------------------------------------------------------------------

class Tests:
    def __init__(self, args, tmp):
        self.proxy = os.path.abspath(args.proxy)
        self.tmp = tmp
        self.args = args
        self.only = re.compile(args.only) if args.only else None
        self.results = []
        self.procs = []
        self.make_pki()

    # certificates
    def f(self, name):
        return os.path.join(self.tmp, name)

    def openssl(self, *argv):
        r = subprocess.run(["openssl", *argv], cwd=self.tmp, capture_output=True, timeout=60)
        if r.returncode != 0:
            sys.exit(f"openssl {' '.join(argv)}: {r.stderr.decode()}")

    def leaf(self, name, cn, sans, eku="serverAuth", subj=None):
        with open(self.f(name + ".ext"), "w") as f:
            f.write(f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\n"
                    f"keyUsage=critical,digitalSignature\nextendedKeyUsage={eku}\n")
        self.openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", name + ".key", "-out", name + ".csr", "-subj", subj or "/CN=" + cn)
        self.openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", name + ".ext",
                     "-out", name + ".pem")

    def make_pki(self):
        self.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Proxy Test CA",
                     "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.leaf("leaf", "localhost", "DNS:localhost,IP:127.0.0.1")
        self.leaf("a", "a.test", "DNS:a.test")
        self.leaf("b", "b.test", "DNS:b.test")
        self.leaf("alice", "alice", "DNS:alice", eku="clientAuth")
        # Names a subject string misleads about: an escaped "," in the CN, a "CN=" in an OU.
        self.leaf("doe", None, "DNS:doe", eku="clientAuth", subj="/CN=Doe, John/O=Example")
        self.leaf("nocn", None, "DNS:nocn", eku="clientAuth", subj="/OU=x,CN=admin/O=Example")

    def ctx(self, version=None, cert=None, alpn=None):
        c = ssl.create_default_context(cafile=self.f("ca.pem"))
        if version:
            c.minimum_version = c.maximum_version = version
        if cert:
            c.load_cert_chain(self.f(cert + ".pem"), self.f(cert + ".key"))
        if alpn:
            c.set_alpn_protocols(alpn)
        return c

    # processes
    def start_proxy(self, *argv, certs=("leaf",), preexec_fn=None):
        args = [self.proxy, "--listen", "127.0.0.1:0"]
        for c in certs:
            args += ["--cert", self.f(c + ".pem"), "--key", self.f(c + ".key")]
        p = Proc(args + list(argv), preexec_fn)
        self.procs.append(p)
        m = p.wait_for(r"listening on 127\.0\.0\.1:(\d+)")
        p.port = int(m[0])
        return p

    def logs(self, p, n, rx=LOG_LINE):
        return [log_fields(x) for x in p.wait_for(rx, n, stream="err")]

    def run(self, name, fn, *a):
        if self.only and not self.only.search(name):
            return
        t0 = time.monotonic()
        self.procs = []
        try:
            fn(*a)
            ok, why = True, ""
        except Fail as e:
            ok, why = False, str(e)
        except Exception:
            ok, why = False, traceback.format_exc()
        for p in self.procs:
            p.stop(signal.SIGKILL)
            err = p.err.decode("utf-8", "replace")
            if ok and ("Sanitizer" in err or "runtime error:" in err):
                ok, why = False, "sanitizer report: " + err[-2000:]
        self.results.append(ok)
        print(f"{'ok' if ok else 'FAIL'} {name} ({time.monotonic() - t0:.1f}s)"
              + ("" if ok else f": {why}"), flush=True)

    def stop_clean(self, p):
        rc = p.stop(signal.SIGTERM, timeout=10)
        check(rc == 0, f"tls-proxy exited {rc} on SIGTERM; {p.diag()}")

    # ---- terminate: real clients, a real HTTP server ------------------------------------------

    def http_backend(self):
        """python3 -m http.server serving tmp (it holds ca.pem: a known body)."""
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        p = Proc([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                  "--directory", self.tmp])
        self.procs.append(p)
        return wait_port(port, p, "http.server")

    def curl_through(self, version):
        port = self.http_backend()
        p = self.start_proxy("--backend", f"127.0.0.1:{port}")
        flag = ["--tlsv1.3"] if version == "1.3" else ["--tlsv1.2", "--tls-max", "1.2"]
        r = subprocess.run(["curl", "-sS", "--max-time", str(TIMEOUT), "--cacert",
                            self.f("ca.pem"), *flag, f"https://localhost:{p.port}/ca.pem"],
                           capture_output=True, timeout=TIMEOUT + 5)
        check(r.returncode == 0, f"curl exit {r.returncode}: {r.stderr.decode()}")
        with open(self.f("ca.pem"), "rb") as f:
            check(r.stdout == f.read(), "curl got another body than the file")
        log = self.logs(p, 1)[0]
        check(log["version"] == "TLSv" + version and log["sni"] == "localhost" and
              log["end"] == "ok" and log["backend"] == f"127.0.0.1:{port}", f"log line: {log}")
        check(int(log["out"]) > len(r.stdout) and int(log["in"]) > 0, f"byte counts: {log}")

    def python_through(self, version):
        import http.client
        port = self.http_backend()
        p = self.start_proxy("--backend", f"127.0.0.1:{port}")
        v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
        conn = http.client.HTTPSConnection("localhost", p.port, timeout=TIMEOUT,
                                           context=self.ctx(v))
        conn.request("GET", "/ca.pem")
        got_version = conn.sock.version()
        resp = conn.getresponse()
        body = resp.read()
        check(resp.status == 200, f"status {resp.status}")
        check(got_version == "TLSv" + version, f"version {got_version}")
        with open(self.f("ca.pem"), "rb") as f:
            check(body == f.read(), "body differs")
        conn.close()
        self.logs(p, 1)

    # ---- terminate: many clients, every byte checked ------------------------------------------

    def load(self, n, threads):
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--threads", str(threads))
        rnd = random.Random(self.args.seed)
        sizes = [rnd.randint(1, 4000) if rnd.random() < 0.7 else rnd.randint(65536, 1 << 20)
                 for _ in range(n)]
        ctx = self.ctx()

        async def client(i):
            data = rnd.randbytes(sizes[i])
            r, w = await asyncio.open_connection("127.0.0.1", p.port, ssl=ctx,
                                                 server_hostname="localhost")

            async def send():
                for k in range(0, len(data), 32768):
                    w.write(data[k:k + 32768])
                    await w.drain()

            sender = asyncio.ensure_future(send())
            h, got = hashlib.sha256(), 0
            while got < len(data):
                chunk = await r.read(65536)
                check(chunk, f"client {i}: the stream ended after {got} of {len(data)} bytes")
                h.update(chunk)
                got += len(chunk)
            await sender
            check(got == len(data), f"client {i}: {got} bytes back, sent {len(data)}")
            check(h.digest() == hashlib.sha256(data).digest(), f"client {i}: checksum differs")
            w.close()
            try:
                await w.wait_closed()
            except (ssl.SSLError, ConnectionError):
                pass

        async def main():
            await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(n))),
                                   TIMEOUT * 8)

        asyncio.run(main())
        logs = self.logs(p, n)
        total = sum(sizes)
        check(sum(int(x["in"]) for x in logs) == total and
              sum(int(x["out"]) for x in logs) == total,
              f"logged bytes differ from the {total} sent each way")
        b.close()
        self.stop_clean(p)

    # ---- terminate: half-close, truncation, failures ------------------------------------------

    def half_close_client_first(self):
        """close_notify from the client -> FIN to the backend; the backend still answers,
        then its FIN -> close_notify to the client."""
        def handler(b, c):
            data, how = b.read_all(c)
            c.sendall(b"answer to " + data)
        b = Backend(handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}")
        t = TlsRaw(p.port, self.ctx())
        t.send(b"question")
        t.close_notify()
        data, how = t.read_until_end()
        check(how == "close_notify", f"client saw {how}, not close_notify")
        check(data == b"answer to question", f"client got {data!r}")
        check(b.wait_ends(1) == ["eof"], f"backend saw {b.ends}")
        t.close()
        check(self.logs(p, 1)[0]["end"] == "ok", "not a clean end")

    def half_close_backend_first(self):
        """FIN from the backend -> close_notify to the client after the data; the client
        still sends, the backend still receives, then the client's close_notify -> FIN."""
        def handler(b, c):
            c.sendall(b"x" * 100000)
            c.shutdown(socket.SHUT_WR)
            b.read_all(c)
        b = Backend(handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}")
        t = TlsRaw(p.port, self.ctx())
        data, how = t.read_until_end()
        check(how == "close_notify" and data == b"x" * 100000, f"client: {len(data)} bytes, {how}")
        t.send(b"late data " * 1000)
        t.close_notify()
        check(b.wait_ends(1) == ["eof"] and b.received[0] == b"late data " * 1000,
              f"backend: {b.ends} {len(b.received[0]) if b.received else 0} bytes")
        t.close()
        check(self.logs(p, 1)[0]["end"] == "ok", "not a clean end")

    def truncated(self):
        """EOF without close_notify from the client: the backend gets a reset, not a FIN."""
        b = Backend(lambda b, c: b.read_all(c))
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}")
        t = TlsRaw(p.port, self.ctx())
        t.send(b"partial")
        time.sleep(0.2)
        t.s.shutdown(socket.SHUT_WR)  # a TCP FIN, no close_notify
        ends = b.wait_ends(1)
        check(ends == ["reset"], f"backend saw {ends}, not a reset")
        check(b.received[0] == b"partial", f"backend got {b.received[0]!r}")
        log = self.logs(p, 1)[0]
        check(log["cause"] == "client-error", f"log: {log}")
        t.close()

    def backend_refused(self):
        p = self.start_proxy("--backend", f"127.0.0.1:{refused_port()}")
        t = TlsRaw(p.port, self.ctx())
        data, how = t.read_until_end()
        check(how == "close_notify" and data == b"", f"client saw {how} with {data!r}")
        log = self.logs(p, 1)[0]
        check(log["cause"] == "backend-failed" and "refused" in log["end"], f"log: {log}")
        t.close()

    def backend_refused_request(self, rounds=20):
        """The client sends its request at once: the proxy reads and drops it after its
        close_notify, so closing does not reset that close_notify away."""
        p = self.start_proxy("--backend", f"127.0.0.1:{refused_port()}")
        seen = []
        for _ in range(rounds):
            t = TlsRaw(p.port, self.ctx(), rcvbuf=1)
            time.sleep(0.05)  # the proxy has sent its close_notify (not all of it taken yet)
            try:
                t.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n" * 20)
            except (BrokenPipeError, ConnectionResetError):
                pass  # already reset: what it reads says so
            time.sleep(0.05)
            seen.append(t.read_until_end())
            t.close()
        check(all(x == (b"", "close_notify") for x in seen),
              f"{sum(x[1] != 'close_notify' for x in seen)} of {rounds}: {set(x[1] for x in seen)}")
        check(len(self.logs(p, rounds)) == rounds, "log lines")

    def fairness(self, mib=512):
        """One client streams MIB MiB as fast as it can (another process) into a sink that
        hashes it, while another does small round trips through an echo: those stay fast
        (the busy connection's pump yields after a budget) and every streamed byte arrives."""
        sums = {}

        def handler(b, c):
            first = c.recv(1)
            if first != b"B":  # a small client: echo
                c.sendall(first)
                return echo_handler(b, c)
            crc, n = 0, 0  # CRC-32: cheap, so that the sink keeps up with the proxy
            while True:
                d = c.recv(1 << 22)
                if not d:
                    break
                crc = zlib.crc32(d, crc)
                n += len(d)
            sums["big"] = (n, f"{crc:08x}")
            c.sendall(b"done")
        b = Backend(handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}")
        code = (
            "import socket, ssl, sys, zlib\n"
            "ctx = ssl.create_default_context(cafile=sys.argv[2])\n"
            "s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1]))),\n"
            "                    server_hostname='localhost')\n"
            "chunk, crc = bytes(range(256)) * 4096, 0\n"
            "s.sendall(b'B')\n"
            "for _ in range(int(sys.argv[3])):\n"
            "    s.sendall(chunk)\n"
            "    crc = zlib.crc32(chunk, crc)\n"
            "print(f'{crc:08x}', flush=True)\n"
            "try:\n"
            "    s.unwrap()  # close_notify; the sink's answer comes after it\n"
            "except ssl.SSLError:\n"
            "    pass\n")
        big = Proc([sys.executable, "-c", code, str(p.port), self.f("ca.pem"), str(mib)])
        self.procs.append(big)
        small = TlsRaw(p.port, self.ctx())
        time.sleep(0.3)  # the stream is under way
        rtts = []
        while big.p.poll() is None and len(rtts) < 200:
            t0 = time.monotonic()
            small.send(b"ping")
            got = b""
            while len(got) < 4:
                got += small.o.read(4 - len(got)) if small.o.pending() else b""
                if len(got) < 4:
                    try:
                        got += small.o.read(4 - len(got))
                    except ssl.SSLWantReadError:
                        check(small._feed(), "the small client's connection ended")
            rtts.append(time.monotonic() - t0)
            time.sleep(0.01)
        want = big.wait_for(r"(?m)^([0-9a-f]{8})$", timeout=60)[0]
        b.wait_ends(0)
        end = time.monotonic() + TIMEOUT
        while "big" not in sums and time.monotonic() < end:
            time.sleep(0.05)
        big.stop()
        check(sums.get("big") == (mib << 20, want),
              f"stream: {sums.get('big', (0, ''))[0]} of {mib << 20} bytes, sums differ?")
        check(len(rtts) >= 5, f"only {len(rtts)} round trips while the stream ran")
        check(max(rtts) < 0.2, f"round trips up to {max(rtts) * 1000:.0f} ms "
              f"(median {sorted(rtts)[len(rtts) // 2] * 1000:.0f}) beside the stream")
        small.close()

    def backend_closes_early(self):
        def handler(b, c):
            c.recv(10)
            c.sendall(b"bye")
        b = Backend(handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}")
        t = TlsRaw(p.port, self.ctx())
        t.send(b"hello")
        data, how = t.read_until_end()
        check(data == b"bye" and how == "close_notify", f"client: {data!r} {how}")
        t.close_notify()
        t.close()
        log = self.logs(p, 1)[0]
        check(log["end"] == "ok", f"log: {log}")
        self.curl_like_ok(p)

    def curl_like_ok(self, p):
        """One good echo-free exchange: the proxy still serves (a fresh TlsRaw, any answer)."""
        t = TlsRaw(p.port, self.ctx())
        t.close_notify()
        t.read_until_end()
        t.close()

    def mid_handshake(self):
        """A client that stops mid-handshake is ended by the handshake timeout; another
        client is served meanwhile."""
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--handshake-timeout", "700")
        stuck = socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT)
        stuck.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello's start
        t0 = time.monotonic()
        good = TlsRaw(p.port, self.ctx())
        good.send(b"ping")
        good.close_notify()
        data, how = good.read_until_end()
        check(data == b"ping" and how == "close_notify", f"good client: {data!r} {how}")
        ended, took = wait_dropped(stuck, t0)
        check(ended == b"" and 0.4 < took < 5, f"stuck client: {ended!r} after {took:.1f}s")
        logs = self.logs(p, 2)
        check(any(x["cause"] == "handshake-timeout" for x in logs), f"logs: {logs}")
        stuck.close()
        good.close()

    def timeout_option(self):
        """--timeout (the tools' shared option) is the connect + handshake limit: a client that
        connects and says nothing is dropped after it."""
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--timeout", "300")
        silent = socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT)
        ended, took = wait_dropped(silent, time.monotonic())
        check(ended == b"" and 0.2 < took < 3, f"silent client: {ended!r} after {took:.2f}s")
        log = self.logs(p, 1)[0]
        check(log["cause"] == "handshake-timeout" and "300 ms" in log["end"], f"log: {log}")
        silent.close()

    def slow_reader(self):
        """The client stops reading: the backend is held back, the proxy's RSS stays flat and it
        does not spin."""
        sent = [0]
        blocked = threading.Event()

        def handler(b, c):
            c.settimeout(1.5)
            chunk = b"z" * 65536
            try:
                while sent[0] < 256 << 20:
                    c.sendall(chunk)
                    sent[0] += len(chunk)
            except socket.timeout:
                blocked.set()
            c.settimeout(TIMEOUT)
            b.read_all(c)
        b = Backend(handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}")
        t = TlsRaw(p.port, self.ctx())
        rss0 = rss_kib(p.p.pid)
        check(blocked.wait(TIMEOUT), f"backend never blocked after {sent[0]} bytes")
        cpu0 = cpu_seconds(p.p.pid)
        time.sleep(1)
        spent = cpu_seconds(p.p.pid) - cpu0
        check(spent < 0.2, f"the stalled proxy used {spent:.2f}s of CPU in 1s (spinning?)")
        rss1 = rss_kib(p.p.pid)
        # Socket buffers hold megabytes; the proxy itself at most 2 x 16 KiB + tlsio's queue.
        check(sent[0] < 64 << 20, f"the backend pushed {sent[0]} bytes into a stalled client")
        check(rss1 - rss0 < 4096, f"proxy RSS grew {rss1 - rss0} KiB ({rss0} -> {rss1})")
        data, how = t.read_until_end(limit=sent[0])
        check(len(data) == sent[0] and data == b"z" * len(data), "the held data arrived damaged")
        t.close_notify()
        t.close()

    def fd_leak(self, n):
        """N mixed connections (good, truncated, garbage, gone at once, mid-handshake, refused
        by a full handshake with a wrong name) leave the proxy with the fds it had, and its
        memory where the first half left it; then it exits cleanly (the sanitizer build's
        leak check runs at that exit)."""
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--handshake-timeout", "2000")
        before = fd_count(p.p.pid)
        ctx, bad_ctx = self.ctx(), ssl.create_default_context()

        def one(i):
            kind = i % 5
            if kind == 0:
                t = TlsRaw(p.port, ctx)
                t.send(b"abc" * (i % 50 + 1))
                t.close_notify()
                data, how = t.read_until_end()
                check(data == b"abc" * (i % 50 + 1), f"conn {i}: echo differs")
                t.close()
            elif kind == 1:
                t = TlsRaw(p.port, ctx)
                t.send(b"cut")
                t.close()
            elif kind == 2:
                s = socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT)
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                s.recv(100)
                s.close()
            elif kind == 3:
                socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT).close()
            else:
                t = TlsRaw(p.port, bad_ctx, handshake=False)
                try:
                    t.handshake()  # the test CA is not trusted here: the client aborts
                except (ssl.SSLError, Fail, ConnectionError):
                    pass
                t.close()

        errors = []

        def batch(lo, hi):
            """Connections lo..hi-1 from 8 threads, then their log lines (written once each
            connection's sockets are closed)."""
            def worker(k):
                for i in range(lo + k, hi, 8):
                    try:
                        one(i)
                    except Exception as e:
                        errors.append(f"{i}: {e!r}")
            ths = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
            for th in ths:
                th.start()
            for th in ths:
                th.join(TIMEOUT * 20 + hi - lo)
            check(not errors, f"{len(errors)} clients failed: {errors[:3]}")
            p.wait_for(LOG_LINE, hi, timeout=TIMEOUT * 2, stream="err")

        batch(0, n // 2)  # the allocator and the loop's arrays reach their working size
        mid = rss_kib(p.p.pid)
        batch(n // 2, n)
        after, end = fd_count(p.p.pid), rss_kib(p.p.pid)
        print(f"  {n} connections: fds {before} -> {after}; RSS after the first half {mid} KiB,"
              f" after all {end} KiB", flush=True)
        check(after == before, f"fds: {before} before, {after} after {n} connections")
        # 1 MiB: at 100,000 connections a leak of 21 bytes per connection would show.
        check(self.args.sanitized or end - mid <= 1024,
              f"RSS grew {end - mid} KiB over the second {n - n // 2} connections "
              f"({mid} -> {end} KiB)")
        self.stop_clean(p)
        b.close()

    # ---- originate -------------------------------------------------------------------------------

    def s_server(self, *extra):
        port = refused_port()
        s = Proc(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", self.f("leaf.pem"),
                  "-key", self.f("leaf.key"), "-www", "-naccept", "100", *extra])
        self.procs.append(s)
        return wait_port(port, s, "s_server")

    def originate(self, name, ca, ok):
        port = self.s_server()
        p = self.start_proxy("--connect", f"127.0.0.1:{port}", "--servername", name,
                             *(["--ca", self.f(ca)] if ca else []), certs=())
        c = socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT)
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = bytearray()
        while True:
            try:
                d = c.recv(65536)
            except ConnectionResetError:
                break
            if not d:
                break
            data += d
        c.close()
        log = self.logs(p, 1)[0]
        if ok:
            check(data.startswith(b"HTTP/1.0 200 ok") and b"TLSv1.3" in data,
                  f"answer: {bytes(data[:200])!r}")
            check(log["upstream"] == "CN=localhost" and log["client"] == "-" and
                  log["end"] == "ok", f"log: {log}")
        else:
            check(data == b"", f"a refused upstream still answered: {bytes(data[:100])!r}")
            check(log["cause"] == "backend-handshake", f"log: {log}")

    def originate_proxy_protocol(self):
        """--proxy-protocol when originating: the upstream reads a PROXY v2 header (the
        client's address, no TLVs: the client spoke plain TCP) from the raw socket, then the
        TLS handshake on the same socket, as behind HAProxy's send-proxy-v2."""
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)
        ls.settimeout(TIMEOUT)
        port, got = ls.getsockname()[1], {}
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(self.f("leaf.pem"), self.f("leaf.key"))

        def recv_exact(c, n):  # exactly n bytes: what follows (the ClientHello) stays queued
            data = b""
            while len(data) < n:
                d = c.recv(n - len(data))
                check(d, f"the upstream's input ended after {len(data)} of {n} header bytes")
                data += d
            return data

        def upstream():
            try:
                c, _ = ls.accept()
                c.settimeout(TIMEOUT)
                head = recv_exact(c, 16)
                got["header"] = head + recv_exact(c, struct.unpack(">H", head[14:16])[0])
                with sctx.wrap_socket(c, server_side=True) as s:
                    s.sendall(b"upstream got " + s.recv(100))
                    s.unwrap()
            except Exception as e:  # the client's checks below say what went wrong
                got["error"] = repr(e)
        th = threading.Thread(target=upstream, daemon=True)
        th.start()
        p = self.start_proxy("--connect", f"127.0.0.1:{port}", "--servername", "localhost",
                             "--ca", self.f("ca.pem"), "--proxy-protocol", certs=())
        c = socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT)
        me = c.getsockname()
        c.sendall(b"hello")
        data = bytearray()
        while True:
            d = c.recv(65536)
            if not d:
                break
            data += d
        c.close()
        th.join(TIMEOUT)
        ls.close()
        check(data == b"upstream got hello", f"client got {bytes(data)!r}; upstream {got}")
        h = got.get("header", b"")
        check(h[:12] == b"\r\n\r\n\x00\r\nQUIT\n" and h[12] == 0x21 and h[13] == 0x11,
              f"header {h!r}")
        check(len(h) == 28, f"{len(h) - 28} bytes of TLVs after the addresses: {h[28:]!r}")
        src, dst = socket.inet_ntoa(h[16:20]), socket.inet_ntoa(h[20:24])
        sport, dport = struct.unpack(">HH", h[24:28])
        check((src, sport) == me and (dst, dport) == ("127.0.0.1", p.port),
              f"addresses {src}:{sport} -> {dst}:{dport}, client {me}, proxy {p.port}")
        log = self.logs(p, 1)[0]
        check(log["upstream"] == "CN=localhost" and log["end"] == "ok" and
              log["in"] == "5" and log["out"] == str(len(data)), f"log: {log}")

    # ---- options --------------------------------------------------------------------------------

    def fd_limit(self):
        """With 64 descriptors (RLIMIT_NOFILE 64/64) --max-conns is lowered to fit, and more
        clients than fit wait without making the proxy spin; once some leave, they are
        served."""
        import resource

        def low():
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", preexec_fn=low)
        held = [TlsRaw(p.port, self.ctx(), handshake=False) for _ in range(40)]
        time.sleep(0.3)
        c0 = cpu_seconds(p.p.pid)
        time.sleep(1)
        cpu = cpu_seconds(p.p.pid) - c0
        check(cpu < 0.2, f"{cpu:.2f} s of CPU in 1 s with the descriptors used up")
        for t in held[:20]:
            t.close()
        late = held[20:]
        for t in late:  # their handshakes finish once the first ones have gone
            t.s.settimeout(TIMEOUT)
            t.handshake()
            t.send(b"late")
            t.close_notify()
            check(t.read_until_end() == (b"late", "close_notify"), "a late client's echo")
            t.close()
        err = p.err.decode("utf-8", "replace")
        check("lowered" in err, f"no word of the lowered --max-conns: {err[-300:]!r}")
        check(err.count("tls-proxy: accept") <= 5, f"accept errors logged: {err[-300:]!r}")

    def max_conns(self):
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--max-conns", "2")
        held = [TlsRaw(p.port, self.ctx()) for _ in range(2)]
        third = TlsRaw(p.port, self.ctx(), handshake=False)
        third.s.settimeout(1.0)
        try:
            third.handshake()
            raise Fail("a third connection was served beyond --max-conns 2")
        except socket.timeout:
            pass
        held[0].close_notify()
        held[0].read_until_end()
        held[0].close()
        third.s.settimeout(TIMEOUT)
        third.handshake()  # served once a slot is free
        for t in (held[1], third):
            t.close_notify()
            t.read_until_end()
            t.close()

    def alpn(self):
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--alpn", "h2,http/1.1")
        t = TlsRaw(p.port, self.ctx(alpn=["http/1.1"]))
        check(t.o.selected_alpn_protocol() == "http/1.1", f"alpn {t.o.selected_alpn_protocol()}")
        t.close_notify()
        t.read_until_end()
        t.close()
        check(self.logs(p, 1)[0]["alpn"] == "http/1.1", "log alpn")

    def verify_client(self):
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--verify-client",
                             self.f("ca.pem"))
        t = TlsRaw(p.port, self.ctx(cert="alice"))
        t.send(b"hi")
        t.close_notify()
        check(t.read_until_end() == (b"hi", "close_notify"), "alice's echo")
        t.close()
        nocert = TlsRaw(p.port, self.ctx(), handshake=False)
        try:
            nocert.handshake()
            nocert.send(b"hi")  # TLS 1.3: the refusal comes after the client's Finished
            data, how = nocert.read_until_end()
            check(how.startswith("error") or how in ("eof", "reset"), f"no-cert client: {how}")
        except (ssl.SSLError, ConnectionError):
            pass
        nocert.close()
        logs = self.logs(p, 2)
        check(logs[0]["client"] == "CN=alice", f"log: {logs[0]}")
        check(logs[1]["cause"] == "client-handshake", f"log: {logs[1]}")

    def pp2_through(self, p, b, got, cert=None, alpn=None):
        """One client (cert: its certificate) through p to b: the PROXY v2 header b got,
        parsed: (header bytes, TLVs, PP2_TYPE_SSL's flags, verify, sub-TLVs, what followed)."""
        t = TlsRaw(p.port, self.ctx(cert=cert, alpn=alpn))
        t.send(b"payload")
        t.close_notify()
        t.read_until_end()
        t.me = t.s.getsockname()
        t.close()
        b.wait_ends(len(got) + 1)
        d = b.received[len(got)]
        got.append(d)
        check(d[:12] == b"\r\n\r\n\x00\r\nQUIT\n", f"no v2 signature: {d[:16]!r}")
        n = struct.unpack(">H", d[14:16])[0]
        tlvs, k = {}, 28
        while k < 16 + n:
            typ, ln = d[k], struct.unpack(">H", d[k + 1:k + 3])[0]
            tlvs[typ] = d[k + 3:k + 3 + ln]
            k += 3 + ln
        ssl_tlv = tlvs.get(0x20, b"\x00" * 5)
        subs, k = {}, 5
        while k < len(ssl_tlv):
            typ, ln = ssl_tlv[k], struct.unpack(">H", ssl_tlv[k + 1:k + 3])[0]
            subs[typ] = ssl_tlv[k + 3:k + 3 + ln]
            k += 3 + ln
        verify = struct.unpack(">I", ssl_tlv[1:5])[0]
        return t, d[:16 + n], tlvs, ssl_tlv[0], verify, subs, d[16 + n:]

    def proxy_protocol(self):
        got = []
        b = Backend(lambda b, c: b.read_all(c))
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--proxy-protocol",
                             "--verify-client", self.f("ca.pem"), "--alpn", "http/1.1")
        t, d, tlvs, flags, verify, subs, rest = self.pp2_through(p, b, got, "alice",
                                                                 ["http/1.1"])
        check(d[12] == 0x21 and d[13] == 0x11, f"version/command {d[12]:#x}, family {d[13]:#x}")
        src, dst = socket.inet_ntoa(d[16:20]), socket.inet_ntoa(d[20:24])
        sport, dport = struct.unpack(">HH", d[24:28])
        check((src, sport) == t.me and (dst, dport) == ("127.0.0.1", p.port),
              f"addresses {src}:{sport} -> {dst}:{dport}, client {t.me}, proxy {p.port}")
        check(rest == b"payload", f"after the header: {rest!r}")
        check(tlvs.get(0x01) == b"http/1.1" and tlvs.get(0x02) == b"localhost", f"tlvs {tlvs}")
        check(flags == 0x07 and verify == 0, f"PP2_TYPE_SSL flags {flags:#x} verify {verify}")
        check(subs.get(0x21) == b"TLSv1.3" and subs.get(0x22) == b"alice" and 0x23 in subs,
              f"ssl sub-TLVs {subs}")

    def proxy_protocol_names(self):
        """The CN TLV comes from the certificate's parsed name: a CN with a "," is sent whole,
        a certificate without CN (an OU "x,CN=admin") sends none."""
        got = []
        b = Backend(lambda b, c: b.read_all(c))
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--proxy-protocol",
                             "--verify-client", self.f("ca.pem"))
        _, _, _, flags, verify, subs, _ = self.pp2_through(p, b, got, "doe")
        check(subs.get(0x22) == "Doe, John".encode() and verify == 0 and flags == 0x07,
              f"CN {subs.get(0x22)!r}, verify {verify}, flags {flags:#x}")
        _, _, _, flags, verify, subs, _ = self.pp2_through(p, b, got, "nocn")
        check(0x22 not in subs and verify == 0 and flags == 0x07,
              f"no-CN certificate: sub-TLVs {subs}, verify {verify}, flags {flags:#x}")

    def proxy_protocol_no_cert(self):
        """Section 2.2.5: verify is zero only for a presented and verified certificate."""
        got = []
        b = Backend(lambda b, c: b.read_all(c))
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--proxy-protocol")
        _, _, _, flags, verify, subs, rest = self.pp2_through(p, b, got)
        check(flags == 0x01 and verify != 0 and 0x22 not in subs and rest == b"payload",
              f"no certificate: flags {flags:#x}, verify {verify}, sub-TLVs {subs}")

    def sni_certs(self):
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", certs=("a", "b"))
        for name in ("a.test", "b.test"):
            t = TlsRaw(p.port, self.ctx(), name=name)  # verifies the chain and the name
            cert = t.o.getpeercert()
            check(dict(x[0] for x in cert["subject"])["commonName"] == name, f"{name}: {cert}")
            t.close_notify()
            t.read_until_end()
            t.close()

    def tickets(self):
        """A ticket resumes a session, also one issued before a SIGHUP reload (one ticket key
        for every config the process builds)."""
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}")
        ctx, session, reused = self.ctx(), None, []
        for i in range(3):
            if i == 2:
                p.p.send_signal(signal.SIGHUP)
                p.wait_for(r"(?m)^reload [^\n]*result=ok", stream="err")
            with socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                    s.sendall(b"x")
                    check(s.recv(1) == b"x", "echo")  # TLS 1.3 tickets come with the data
                    session = s.session
                    reused.append(s.session_reused)
        check(reused == [False, True, True], f"resumed: {reused} (the third after a reload)")
        logs = self.logs(p, 3)
        check([x["resumed"] for x in logs] == ["no", "yes", "yes"], f"logs: {logs}")

    def idle_timeout(self):
        b = Backend(lambda b, c: b.read_all(c))
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--idle-timeout", "400")
        t = TlsRaw(p.port, self.ctx())
        t.send(b"x")
        data, how = t.read_until_end()
        check(how in ("reset", "eof"), f"client saw {how}: an idle timeout is no clean end")
        check(b.wait_ends(1) == ["reset"], f"backend saw {b.ends}")
        check(self.logs(p, 1)[0]["cause"] == "idle-timeout", "log")
        t.close()

    def sighup(self):
        import shutil
        for ext in ("pem", "key"):
            shutil.copy(self.f("a." + ext), self.f("live." + ext))
        b = Backend(echo_handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", certs=("live",))
        old = TlsRaw(p.port, self.ctx(), name="a.test")
        for ext in ("pem", "key"):
            shutil.copy(self.f("b." + ext), self.f("live." + ext))
        p.p.send_signal(signal.SIGHUP)
        p.wait_for(r"(?m)^reload [^\n]*result=ok", stream="err")
        new = TlsRaw(p.port, self.ctx(), name="b.test")  # the new certificate verifies
        for t, msg in ((old, b"old"), (new, b"new")):
            t.send(msg)
            t.close_notify()
            check(t.read_until_end() == (msg, "close_notify"), f"{msg} connection after reload")
            t.close()

    def sigterm(self):
        b = Backend(lambda b, c: b.read_all(c))
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--drain-timeout", "3000")
        t = TlsRaw(p.port, self.ctx())
        t.send(b"before")
        time.sleep(0.2)
        t0 = time.monotonic()
        p.p.send_signal(signal.SIGTERM)
        data, how = t.read_until_end()
        check(how == "close_notify", f"client saw {how} at shutdown")
        check(b.wait_ends(1) == ["eof"] and b.received[0] == b"before", f"backend {b.ends}")
        t.close_notify()
        t.close()
        check(p.p.wait(TIMEOUT) == 0, f"exit status {p.p.returncode}")
        check(time.monotonic() - t0 < 3, "the drain took too long")

    def sigterm_pipelined(self, rounds=5):
        """The client sends more after SIGTERM (a pipelined request): the proxy drops it rather
        than leave it unread, and the client gets the backend's answer and close_notify, no
        reset."""
        answer = b"a" * 20000  # fits in the proxy's send buffer, not in the client's window

        def handler(b, c):
            data, how = b.read_all(c)
            c.sendall(data + answer)
        b = Backend(handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--drain-timeout", "5000")
        ts = [TlsRaw(p.port, self.ctx(), rcvbuf=1) for _ in range(rounds)]
        for t in ts:
            t.send(b"first")
        time.sleep(0.2)
        p.p.send_signal(signal.SIGTERM)
        p.wait_for(r"(?m)^stop ", stream="err")
        time.sleep(0.3)  # the proxy has written the answer and its close_notify
        for t in ts:
            t.send(b"second" * 500)
        for t in ts:
            data, how = t.read_until_end()
            check((data == b"first" + answer, how) == (True, "close_notify"),
                  f"client saw {len(data)} of {5 + len(answer)} bytes then {how}")
            t.close()
        check(p.p.wait(TIMEOUT) == 0, f"exit status {p.p.returncode}")

    def sigterm_twice(self):
        """A second SIGTERM during the drain ends the process at once, with status 1."""
        b = Backend(lambda b, c: (b.read_all(c), time.sleep(5)))  # no answer, no end
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--drain-timeout", "10000")
        t = TlsRaw(p.port, self.ctx(), rcvbuf=1)
        t.send(b"x")
        time.sleep(0.2)
        p.p.send_signal(signal.SIGTERM)
        p.wait_for(r"(?m)^stop ", stream="err")
        t0 = time.monotonic()
        p.p.send_signal(signal.SIGTERM)
        check(p.p.wait(TIMEOUT) == 1, f"exit status {p.p.returncode} after a second SIGTERM")
        check(time.monotonic() - t0 < 1, "the second SIGTERM did not end the drain at once")
        t.close()

    def sigterm_full(self):
        """SIGTERM with a stalled reader (every buffer full) and a client mid-handshake: the
        backend gets a FIN, the first client every byte the backend sent (the drain never
        cuts an answer short), then close_notify; the second is ended at once; the proxy
        exits 0 within the drain time."""
        blocked, sent = threading.Event(), [0]

        def handler(b, c):
            if blocked.is_set():  # the mid-handshake client's backend connection
                b.read_all(c)
                return
            c.settimeout(1)
            try:
                while True:
                    c.sendall(b"y" * 65536)
                    sent[0] += 65536
            except socket.timeout:
                blocked.set()  # every buffer on the way is full (a partial chunk is lost)
            c.settimeout(TIMEOUT)
            b.read_all(c)
        b = Backend(handler)
        p = self.start_proxy("--backend", f"127.0.0.1:{b.port}", "--drain-timeout", "1500")
        t = TlsRaw(p.port, self.ctx())
        check(blocked.wait(TIMEOUT), "the backend never blocked")
        stuck = socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT)
        time.sleep(0.2)
        t0 = time.monotonic()
        p.p.send_signal(signal.SIGTERM)
        data, how = t.read_until_end()
        check(how == "close_notify" and len(data) >= sent[0],
              f"stalled client: {len(data)} of {sent[0]} bytes, then {how}; {p.diag()}")
        check(p.p.wait(TIMEOUT) == 0, f"exit status {p.p.returncode}")
        check(time.monotonic() - t0 < 3, "the drain outlasted --drain-timeout")
        ends = sorted(x["cause"] for x in self.logs(p, 2))
        check(ends == ["-", "shutdown"], f"ends: {ends}")
        stuck.close()
        t.close()

    def all(self):
        for v in ("1.3", "1.2"):
            self.run(f"terminate curl tls{v}", self.curl_through, v)
            self.run(f"terminate python-ssl tls{v}", self.python_through, v)
        self.run("terminate half-close client-first", self.half_close_client_first)
        self.run("terminate half-close backend-first", self.half_close_backend_first)
        self.run("terminate truncated-stream resets-backend", self.truncated)
        self.run("terminate backend-refused", self.backend_refused)
        self.run("terminate backend-refused request-dropped", self.backend_refused_request)
        self.run("terminate backend-closes-early", self.backend_closes_early)
        self.run("terminate mid-handshake-timeout", self.mid_handshake)
        self.run("option timeout drops-silent-client", self.timeout_option)
        self.run("terminate slow-reader bounded", self.slow_reader)
        self.run("terminate fairness beside-a-stream", self.fairness)
        self.run("originate s_server verified", self.originate, "localhost", "ca.pem", True)
        self.run("originate wrong-name refused", self.originate, "other.test", "ca.pem", False)
        self.run("originate untrusted-chain refused", self.originate, "localhost", None, False)
        self.run("originate proxy-protocol v2", self.originate_proxy_protocol)
        self.run("option max-conns", self.max_conns)
        self.run("option max-conns fits-rlimit-nofile", self.fd_limit)
        self.run("option alpn", self.alpn)
        self.run("option verify-client", self.verify_client)
        self.run("option proxy-protocol v2", self.proxy_protocol)
        self.run("option proxy-protocol cn-from-certificate", self.proxy_protocol_names)
        self.run("option proxy-protocol verify-without-cert", self.proxy_protocol_no_cert)
        self.run("option sni-chooses-cert", self.sni_certs)
        self.run("option session-tickets", self.tickets)
        self.run("option idle-timeout", self.idle_timeout)
        self.run("signal sighup-reload", self.sighup)
        self.run("signal sigterm-drain", self.sigterm)
        self.run("signal sigterm-drain-full-buffers", self.sigterm_full)
        self.run("signal sigterm-drain pipelined-input", self.sigterm_pipelined)
        self.run("signal sigterm-twice exits-1", self.sigterm_twice)
        if self.args.load:
            self.run(f"load {self.args.load} clients", self.load, self.args.load, 1)
            self.run(f"load {self.args.load // 2} clients threads=2", self.load,
                     self.args.load // 2, 2)
        if self.args.fd_conns:
            self.run(f"fd-leak {self.args.fd_conns} mixed", self.fd_leak, self.args.fd_conns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proxy", required=True, help="path to tls-proxy")
    ap.add_argument("--only", help="run only the cases whose name matches this regex")
    ap.add_argument("--load", type=int, default=200, help="concurrent clients (0: none)")
    ap.add_argument("--fd-conns", type=int, default=500, help="connections in the fd check")
    ap.add_argument("--seed", type=int, default=17, help="payload sizes and bytes")
    ap.add_argument("--sanitized", action="store_true",
                    help="tls-proxy is an ASan build: its RSS says nothing about leaks (freed "
                         "memory waits in ASan's quarantine); LeakSanitizer checks at exit")
    args = ap.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 4 * args.load + 256
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tlsio-proxy-") as tmp:
        t = Tests(args, tmp)
        t.all()
    passed = sum(t.results)
    print(f"proxy: {len(t.results)} cases in {time.monotonic() - t0:.0f}s")
    print(f"{passed} passed, {len(t.results) - passed} failed")
    return 1 if passed != len(t.results) or not t.results else 0


if __name__ == "__main__":
    sys.exit(main())
