#!/usr/bin/env python3
"""Operating the tools: tls-server's log, signals and reload; tls-client's --showcerts and
--keylog.

    tool_ops.py --client PATH/tls-client --server PATH/tls-server [--only REGEX]

tls-server writes one key=value line per connection on stderr: its fields are checked for a
TLS 1.3 and a TLS 1.2 connection (Python's ssl as the client, with SNI, ALPN and a client
certificate), and for a client that sends garbage (end= holds the error sentence). SIGTERM
closes an open connection with close_notify (Python's ssl reads b"" with
suppress_ragged_eofs=False: a truncation would raise) and the server exits 0, with one poll
loop and with --threads 2. SIGHUP with a new certificate in the files: a connection opened
before keeps working, a new one sees the new certificate; SIGHUP with a broken key: the old
certificate is still served and the log says why. tls-client --showcerts lists both
certificates of a leaf + CA chain; --keylog writes the secrets and says so.

Everything runs on 127.0.0.1 with certificates made for this run (openssl CLI, as interop.py
makes them). Every wait is bounded; only processes this script started are stopped. The last
line is `N passed, M failed`; the exit status is 1 if any case failed.
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop import TIMEOUT, Case, CaseFailure, Interop, check  # noqa: E402

CONN = re.compile(r"^conn (.*)$", re.M)


def fields(line):
    """A log line's key=value pairs as a dict (values unquoted as a POSIX shell would); the
    first word, the event, is not one."""
    return dict(kv.split("=", 1) for kv in shlex.split(line)[1:])


def cpu_seconds(pid):
    """User + system CPU time of the process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ToolOps:
    def __init__(self, args, tmp):
        self.client = os.path.abspath(args.client)
        self.server = os.path.abspath(args.server)
        self.tmp = tmp
        self.only = re.compile(args.only) if args.only else None
        self.results = []
        # The certificates, made the way interop.py makes its own.
        self.pki = Interop.__new__(Interop)
        self.pki.tmp = tmp
        self.pki.make_ca("ca", "tlsio ops CA")
        self.pki.make_leaf("leaf", "localhost", "DNS:localhost,IP:127.0.0.1")
        self.pki.make_leaf("renewed", "localhost renewed", "DNS:localhost,IP:127.0.0.1")
        self.pki.make_leaf("client", "tlsio ops client", "DNS:client.example", eku="clientAuth")
        self.ctx = ssl.create_default_context(cafile=self.f("ca.pem"))  # shared: resumption

    def f(self, name):
        return os.path.join(self.tmp, name)

    def run(self, name, fn):
        if self.only and not self.only.search(name):
            return
        case = Case()
        t0 = time.monotonic()
        try:
            fn(case)
            ok, why = True, ""
        except CaseFailure as e:
            ok, why = False, str(e)
        except Exception as e:  # a bug in a case or an unexpected reaction
            ok, why = False, f"{type(e).__name__}: {e}"
        finally:
            case.close()
        self.results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name} ({time.monotonic() - t0:.1f}s)"
              f"{'' if ok else ': ' + why}", flush=True)

    # ---- helpers -------------------------------------------------------------------------

    def start_server(self, case, *opts, cert="leaf.pem", key="leaf.key"):
        p = case.spawn("tls-server", [self.server, "--cert", self.f(cert), "--key",
                                      self.f(key), "--port", "0", *opts], stdin=False)
        m = p.wait_for(r"listening on 127\.0\.0\.1:(\d+)\n")
        return p, int(m.group(1))

    def connect(self, port, tls12=False, alpn=None, client_cert=False, session=None):
        ctx = self.ctx
        if tls12 or alpn or client_cert:  # a context of its own: sessions stay apart
            ctx = ssl.create_default_context(cafile=self.f("ca.pem"))
        if tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if alpn:
            ctx.set_alpn_protocols([alpn])
        if client_cert:
            ctx.load_cert_chain(self.f("client.pem"), self.f("client.key"))
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        return ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False,
                               session=session)

    @staticmethod
    def echo(s, msg):
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = s.recv(65536)
            check(chunk, f"the connection ended after {len(got)} bytes")
            got += chunk
        check(got == msg, "the echo differs")

    @staticmethod
    def conn_lines(srv, n):
        """Waits for n connection log lines; returns their fields."""
        srv.wait_for(r"(?m)(?:^conn .*\n[\s\S]*?){%d}" % n, "err")
        return [fields("conn " + m) for m in CONN.findall(srv.text("err"))]

    def der(self, name):
        with open(self.f(name)) as pem:
            return ssl.PEM_cert_to_DER_cert(pem.read())

    # ---- tls-server's log line -------------------------------------------------------------

    def log_good(self, case, tls12):
        srv, port = self.start_server(case, "--alpn", "http/1.1", "--verify-client",
                                      self.f("ca.pem"), "--verify-client-optional")
        with self.connect(port, tls12=tls12, alpn="http/1.1", client_cert=True) as s:
            local = s.getsockname()
            self.echo(s, b"hello, log")
            s.unwrap()  # close_notify both ways: a clean end
        (f,) = self.conn_lines(srv, 1)
        want = {
            "peer": f"{local[0]}:{local[1]}", "sni": "localhost",
            "version": "TLSv1.2" if tls12 else "TLSv1.3", "group": "x25519",
            "alpn": "http/1.1", "resumed": "no", "client": "CN=tlsio ops client",
            "in": "10", "out": "10", "end": "ok"}
        for k, v in want.items():
            check(f.get(k) == v, f"{k}={f.get(k)!r}, not {v!r}: {f}")
        check(re.fullmatch(r"TLS_\w+", f["cipher"]), f"cipher: {f}")
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", f["time"]), f"time: {f}")
        check(f["ms"].isdigit() and int(f["ms"]) < TIMEOUT * 1000, f"ms: {f}")
        case.sanitizer_check([srv])

    def log_garbage(self, case):
        srv, port = self.start_server(case)
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
            try:
                while raw.recv(4096):  # our alert, then the end of the connection
                    pass
            except ConnectionResetError:
                pass
        (f,) = self.conn_lines(srv, 1)
        sentence = srv.wait_for(r"tls-server: handshake failed: (.*)\n", "err").group(1)
        check(f["end"] == sentence.decode(), f"end={f['end']!r}, not the error sentence "
                                             f"{sentence!r}")
        check(f["version"] == "-" and f["in"] == "0", f"fields: {f}")
        case.sanitizer_check([srv])

    def silent_client(self, case):
        """--timeout 300: a client that connects and never sends a ClientHello is dropped
        once its handshake time is up (the poll loop wakes for it), while another client,
        connected after it, is served normally."""
        srv, port = self.start_server(case, "--timeout", "300")
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            t0 = time.monotonic()
            with self.connect(port) as s:  # served while the silent one waits
                self.echo(s, b"not held up")
                s.unwrap()
            raw.settimeout(2.0)
            try:
                check(raw.recv(4096) == b"", "the server sent bytes to a silent client")
            except ConnectionResetError:
                pass  # closed, as a reset: dropped all the same
            except socket.timeout:
                raise CaseFailure("the silent client was still open after 2 s")
            waited = time.monotonic() - t0
        check(0.2 <= waited < 2.0, f"closed after {waited:.2f} s, not ~0.3 s")
        lines = self.conn_lines(srv, 2)
        ends = sorted(f["end"] for f in lines)
        check(ends[0] == "ok", f"the other client did not end cleanly: {lines}")
        check(re.fullmatch(r"the TLS handshake with .* did not complete within 300 ms",
                           ends[1]), f"end= does not name the timeout: {lines}")
        check(srv.alive(), "the server ended")
        case.sanitizer_check([srv])

    # ---- SIGTERM ------------------------------------------------------------------------

    def sigterm(self, case, threads):
        srv, port = self.start_server(case, "--threads", str(threads))
        conns = [self.connect(port) for _ in range(2 * threads)]
        try:
            for s in conns:
                self.echo(s, b"before the signal")
            os.kill(srv.pid, signal.SIGTERM)
            for s in conns:  # close_notify: b"" (a truncation raises SSLEOFError)
                check(s.recv(100) == b"", "data after SIGTERM instead of close_notify")
        finally:
            for s in conns:
                s.close()
        rc = srv.wait()
        check(rc == 0, f"tls-server exit {rc} after SIGTERM; {srv.diag()}")
        lines = self.conn_lines(srv, len(conns))
        check(all(f["end"] == "ok" for f in lines), f"unclean ends: {lines}")
        check(len(re.findall(r"^stop ", srv.text("err"), re.M)) == threads,
              f"not one stop line per loop; {srv.diag()}")
        case.sanitizer_check([srv])

    def second_sigterm(self, case):
        """A client that never answers close_notify holds the 2 s drain; a second SIGTERM ends
        the process at once, with status 1."""
        srv, port = self.start_server(case)
        s = self.connect(port)
        try:
            self.echo(s, b"before the signals")
            os.kill(srv.pid, signal.SIGTERM)
            time.sleep(0.3)
            check(srv.alive(), "tls-server did not wait for the client's close_notify")
            t0 = time.monotonic()
            os.kill(srv.pid, signal.SIGTERM)
            rc = srv.wait()
            took = time.monotonic() - t0
        finally:
            s.close()
        check(rc == 1, f"tls-server exit {rc} after a second SIGTERM; {srv.diag()}")
        check(took < 1.0, f"the second SIGTERM took {took:.2f} s to end the process")

    def out_of_fds(self, case):
        """Under a 32-descriptor limit, 40 clients that never send a ClientHello exhaust the
        server: it says so once, does not spin on the failing accept, and serves again as soon
        as descriptors are free."""
        srv = case.spawn("tls-server", ["sh", "-c", 'ulimit -n 32 && exec "$@"', "sh",
                                        self.server, "--cert", self.f("leaf.pem"), "--key",
                                        self.f("leaf.key"), "--port", "0"], stdin=False)
        port = int(srv.wait_for(r"listening on 127\.0\.0\.1:(\d+)\n").group(1))
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
        try:
            time.sleep(0.5)  # the server accepts what it can and runs out
            cpu0 = cpu_seconds(srv.pid)
            time.sleep(1.0)
            spent = cpu_seconds(srv.pid) - cpu0
            check(spent < 0.2, f"tls-server used {spent:.2f} s of CPU in 1 s out of descriptors")
            said = len(re.findall(r"accept: Too many open files", srv.text("err")))
            check(1 <= said <= 3, f"the shortage was logged {said} times; {srv.diag()}")
        finally:
            for s in idle:
                s.close()
        s = self.connect(port)  # the idle ones are gone: served again
        try:
            self.echo(s, b"after the shortage")
        finally:
            s.close()
        case.sanitizer_check([srv])

    def fair_turns(self, case):
        """A client streaming as fast as openssl s_client can does not starve another one:
        its round trips stay short while the stream runs."""
        srv, port = self.start_server(case)
        big = case.spawn("openssl", ["sh", "-c", "exec openssl s_client -quiet -connect "
                                     f"127.0.0.1:{port} -CAfile {self.f('ca.pem')} "
                                     "-servername localhost < /dev/zero > /dev/null"],
                         stdin=False)
        time.sleep(0.5)  # the stream is running
        s = self.connect(port)
        try:
            worst = 0.0
            for i in range(20):
                t0 = time.monotonic()
                self.echo(s, b"small %d" % i)
                worst = max(worst, time.monotonic() - t0)
            check(big.alive(), f"the streaming client ended early; {big.diag()}")
            check(worst < 0.25, f"a small round trip took {worst * 1000:.0f} ms beside a stream")
        finally:
            s.close()
            big.stop()
        case.sanitizer_check([srv])

    def sigint_idle(self, case):
        srv, _ = self.start_server(case)
        os.kill(srv.pid, signal.SIGINT)
        rc = srv.wait()
        check(rc == 0, f"tls-server exit {rc} after SIGINT; {srv.diag()}")

    # ---- SIGHUP -------------------------------------------------------------------------

    def serving_copy(self, src):
        for ext in ("pem", "key"):
            shutil.copyfile(self.f(f"{src}.{ext}"), self.f(f"serving.{ext}"))

    def served_der(self, port):
        with self.connect(port) as s:
            self.echo(s, b"x")
            return s.getpeercert(binary_form=True)

    def sighup_renewed(self, case, threads):
        self.serving_copy("leaf")
        srv, port = self.start_server(case, "--threads", str(threads), cert="serving.pem",
                                      key="serving.key")
        with self.connect(port) as before:
            self.echo(before, b"first")  # a TLS 1.3 ticket came before the echo
            check(before.getpeercert(binary_form=True) == self.der("leaf.pem"), "not the leaf")
            session = before.session
            self.serving_copy("renewed")
            os.kill(srv.pid, signal.SIGHUP)
            srv.wait_for(r"^reload .* result=ok generation=2\n", "err")
            for _ in range(3 * threads):  # every loop: the new certificate
                check(self.served_der(port) == self.der("renewed.pem"),
                      "a connection after SIGHUP got the old certificate")
            self.echo(before, b"still served, on the old config")
            before.unwrap()
        # Every config of the process seals tickets with one key: a session resumes across
        # the reload.
        with self.connect(port, session=session) as again:
            self.echo(again, b"resumed")
            check(again.session_reused, "a session from before SIGHUP did not resume")
        case.sanitizer_check([srv])

    def sighup_broken(self, case):
        self.serving_copy("leaf")
        srv, port = self.start_server(case, cert="serving.pem", key="serving.key")
        with open(self.f("serving.key"), "w") as k:
            k.write("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
        os.kill(srv.pid, signal.SIGHUP)
        m = srv.wait_for(r"^reload .* result=failed .*\n", "err")
        why = fields(m.group(0).decode())["why"]
        check("key" in why, f"the reload line does not say why: {m.group(0)!r}")
        check(self.served_der(port) == self.der("leaf.pem"), "the old certificate is gone")
        check(srv.alive(), "the server ended")
        case.sanitizer_check([srv])

    # ---- tls-client --------------------------------------------------------------------

    def showcerts(self, case):
        with open(self.f("chain.pem"), "w") as out:
            for part in ("leaf.pem", "ca.pem"):
                with open(self.f(part)) as src:
                    out.write(src.read())
        srv, port = self.start_server(case, cert="chain.pem")
        keylog = self.f("keys.log")
        cl = case.spawn("tls-client", [self.client, "--ca", self.f("ca.pem"), "--showcerts",
                                       "--keylog", keylog, "localhost", str(port)])
        cl.close_stdin()
        rc = cl.wait()
        check(rc == 0, f"tls-client exit {rc}; {cl.diag()}")
        err = cl.text("err")
        for want in ("cert0-subject=CN=localhost", "cert0-issuer=CN=tlsio ops CA",
                     "cert1-subject=CN=tlsio ops CA", "cert1-issuer=CN=tlsio ops CA",
                     "certs=2", f"writing TLS secrets to {keylog}"):
            check(want + "\n" in err if want.startswith("cert") else want in err,
                  f"no {want!r}; {cl.diag()}")
        check(len(re.findall(r"^cert\d-not(?:before|after)=\w{3} [ \d]\d ", err, re.M)) == 4,
              f"validity lines; {cl.diag()}")
        with open(keylog) as k:
            check("CLIENT_TRAFFIC_SECRET_0 " in k.read(), "the key log holds no secret")
        case.sanitizer_check([cl, srv])

    def all(self):
        self.run("log: TLS 1.3 connection", lambda c: self.log_good(c, False))
        self.run("log: TLS 1.2 connection", lambda c: self.log_good(c, True))
        self.run("log: garbage instead of a ClientHello", self.log_garbage)
        self.run("--timeout: a silent client is dropped", self.silent_client)
        self.run("SIGTERM: close_notify and exit 0", lambda c: self.sigterm(c, 1))
        self.run("SIGTERM: --threads 2", lambda c: self.sigterm(c, 2))
        self.run("SIGTERM twice: exit 1 at once", self.second_sigterm)
        self.run("out of descriptors: no spin, then serves", self.out_of_fds)
        self.run("a streaming client does not starve another", self.fair_turns)
        self.run("SIGINT: idle server exits 0", self.sigint_idle)
        self.run("SIGHUP: renewed certificate", lambda c: self.sighup_renewed(c, 1))
        self.run("SIGHUP: renewed certificate, --threads 2", lambda c: self.sighup_renewed(c, 2))
        self.run("SIGHUP: broken key keeps the old config", self.sighup_broken)
        self.run("tls-client --showcerts --keylog", self.showcerts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--client", required=True, help="path to tls-client")
    ap.add_argument("--server", required=True, help="path to tls-server")
    ap.add_argument("--only", help="run only the cases whose name matches this regex")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tlsio-toolops-") as tmp:
        ops = ToolOps(args, tmp)
        ops.all()
    passed = sum(ops.results)
    print(f"{passed} passed, {len(ops.results) - passed} failed")
    return 1 if not ops.results or passed != len(ops.results) else 0


if __name__ == "__main__":
    sys.exit(main())
