#!/usr/bin/env python3
"""tls-proxy beside stunnel4 and hitch: the same job, the same certificate, one run (issue 17).

Each proxy terminates TLS 1.3 on 127.0.0.1 for a plain TCP backend (this script's own, an
asyncio echo/stream server), with an ECDSA P-256 certificate made for the run. Measured, per
proxy and per round (the proxies' order rotates each round):

  full_cps      new connections/s, every handshake full: `bench_hs_load --request` (16 in
                flight, one poll loop): handshake, one byte to the backend and back, close.
  resumed_cps   the same with the client's session cache on (`--resume`): after the first
                connections every one offers a ticket; `resumed_share` says how many resumed.
  bulk_mb_s     one connection streaming BULK bytes from the backend through the proxy.
  idle_rss_kib  the proxy's resident memory (all its processes) holding IDLE idle proxied
                connections (bench_idle_client: TLS 1.3, handshake done, nothing sent), minus
                its RSS before them.

The summary gives the median of each and tls-proxy's ratio to each peer (for RSS, the peer's
over ours: higher is better for tls-proxy everywhere). The machine is shared and noisy: quote
ratios and medians.

    python3 bench/proxy_bench.py [--build-dir build/bench] [--rounds 3] [--seconds 4]
        [--threads N] [--bulk BYTES] [--idle N] [--only tls-proxy,stunnel4,hitch] [--json FILE]

Loopback only; every process it starts is stopped by its pid; every wait is bounded. A peer
that is not installed is reported and left out (CI does not run this; .ci/deps.sh does not
install stunnel4 or hitch: `apt-get install stunnel4 hitch`).
"""
import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 60


# ---- the backend: echo on one port, a stream of BULK bytes on another ----------------------

class Backend:
    """An asyncio server on a thread: ECHO echoes; STREAM sends `bulk` bytes after the first
    byte it receives, then closes."""

    def __init__(self, bulk):
        self.bulk = bulk
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()
        if not self.ready.wait(10):
            raise RuntimeError("backend did not start")

    async def _echo(self, r, w):
        try:
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        except (ConnectionError, OSError):
            pass
        w.close()

    async def _stream(self, r, w):
        chunk = b"\0" * (1 << 20)
        try:
            await r.readexactly(1)
            left = self.bulk
            while left > 0:
                w.write(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
                await w.drain()
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        w.close()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        echo = self.loop.run_until_complete(
            asyncio.start_server(self._echo, "127.0.0.1", 0, backlog=4096))
        stream = self.loop.run_until_complete(
            asyncio.start_server(self._stream, "127.0.0.1", 0, backlog=64))
        self.echo_port = echo.sockets[0].getsockname()[1]
        self.stream_port = stream.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()


# ---- the proxies --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, p, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if p.poll() is not None:
            raise RuntimeError(f"exited with {p.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"not listening on {port} after {timeout}s")


def argv_tls_proxy(a, pki, port, backend, tmp):
    return [a.tls_proxy, "--listen", f"127.0.0.1:{port}", "--cert", f"{pki}/chain.pem", "--key",
            f"{pki}/key.pem", "--backend", f"127.0.0.1:{backend}", "--threads", str(a.threads),
            "--max-conns", str(a.idle + 1000)]


def argv_stunnel(a, pki, port, backend, tmp):
    conf = os.path.join(tmp, f"stunnel-{port}.conf")
    with open(conf, "w") as f:
        f.write(f"foreground = yes\npid =\ndebug = 3\n[bench]\naccept = 127.0.0.1:{port}\n"
                f"connect = 127.0.0.1:{backend}\ncert = {pki}/chain.pem\nkey = {pki}/key.pem\n")
    return ["stunnel4", conf]


def argv_hitch(a, pki, port, backend, tmp):
    conf = os.path.join(tmp, f"hitch-{port}.conf")
    with open(conf, "w") as f:
        f.write(f'frontend = "[127.0.0.1]:{port}"\nbackend = "[127.0.0.1]:{backend}"\n'
                f'pem-file = "{pki}/combined.pem"\nworkers = {a.threads}\ndaemon = off\n'
                f'tls-protos = TLSv1.2 TLSv1.3\nbacklog = 1024\n')
        if os.getuid() == 0:  # hitch refuses to run its workers as root
            f.write('user = "nobody"\n')
    return ["hitch", "--config", conf]


PROXIES = {"tls-proxy": argv_tls_proxy, "stunnel4": argv_stunnel, "hitch": argv_hitch}


class Proxy:
    def __init__(self, name, a, pki, backend_port, tmp):
        self.port = free_port()
        argv = PROXIES[name](a, pki, self.port, backend_port, tmp)
        self.log = open(os.path.join(tmp, f"{name}-{self.port}.log"), "w")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_listening(self.port, self.p)
        except RuntimeError as e:
            self.stop()
            raise RuntimeError(f"{name}: {e} (log: {self.log.name})")

    def pids(self):
        """The proxy and its descendants (hitch forks its workers)."""
        out, todo = [], [self.p.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return out

    def rss_kib(self):
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    total += int(next(l for l in f if l.startswith("VmRSS:")).split()[1])
            except (OSError, StopIteration):
                pass
        return total

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                for pid in self.pids():
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                self.p.wait(timeout=10)
        self.log.close()


# ---- the measurements ---------------------------------------------------------------------

def run_json(argv, timeout):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    rec = {}
    for line in r.stdout.splitlines():
        j = json.loads(line)
        rec[j["metric"]] = j["value"]
    if r.returncode != 0:
        raise RuntimeError(f"{os.path.basename(argv[0])} failed ({r.returncode}): "
                           f"{r.stderr.strip()[:300]}")
    return rec


def measure_cps(a, pki, proxy, resume):
    argv = [a.load] + (["--resume"] if resume else []) + [
        "--request", "127.0.0.1", str(proxy.port), "localhost", f"{pki}/ca.pem",
        str(a.seconds), "16"]
    rec = run_json(argv, a.seconds + TIMEOUT)
    if rec["failed"]:
        raise RuntimeError(f"{rec['failed']:.0f} connections failed")
    return rec["hs_per_s"], rec["resumed_share"]


def measure_bulk(a, pki, proxy):
    rec = run_json([a.load, "--bulk", str(a.bulk), "127.0.0.1", str(proxy.port), "localhost",
                    f"{pki}/ca.pem"], TIMEOUT * 2)
    return rec["bulk_mb_per_s"]


def measure_idle(a, pki, proxy):
    base = proxy.rss_kib()
    c = subprocess.Popen([a.idle_client, "127.0.0.1", str(proxy.port), "localhost",
                          f"{pki}/ca.pem", str(a.idle)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = ""
        end = time.monotonic() + TIMEOUT * 2
        while time.monotonic() < end and not line.startswith("established"):
            line = c.stdout.readline()
            if not line and c.poll() is not None:
                break
        if not line.startswith("established"):
            raise RuntimeError("idle client did not finish its handshakes")
        established = int(line.split()[1])
        time.sleep(2)  # the proxy's backend connections and last handshake steps settle
        return proxy.rss_kib() - base, established
    finally:
        c.kill()
        c.wait(timeout=10)


def one_round(a, pki, backend, tmp, name):
    out = {}
    for key, port, fn in (("full_cps", backend.echo_port, lambda p: measure_cps(a, pki, p, 0)),
                          ("resumed_cps", backend.echo_port,
                           lambda p: measure_cps(a, pki, p, 1)),
                          ("bulk_mb_s", backend.stream_port, lambda p: measure_bulk(a, pki, p)),
                          ("idle_rss_kib", backend.echo_port,
                           lambda p: measure_idle(a, pki, p))):
        if key == "idle_rss_kib" and a.idle == 0:
            continue
        proxy = Proxy(name, a, pki, port, tmp)
        try:
            value = fn(proxy)
        finally:
            proxy.stop()
        if key == "full_cps":
            out[key] = value[0]
        elif key == "resumed_cps":
            out[key], out["resumed_share"] = value
        elif key == "idle_rss_kib":
            out[key], out["idle_conns"] = value
        else:
            out[key] = value
    return out


# ---- setup and report ---------------------------------------------------------------------

def make_pki(d):
    def run(*args):
        subprocess.run(args, check=True, capture_output=True, timeout=TIMEOUT)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem",
        "-days", "30", "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    run("openssl", "req", *ec, "-keyout", f"{d}/key.pem", "-out", f"{d}/leaf.csr", "-subj",
        "/CN=localhost")
    with open(f"{d}/leaf.ext", "w") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n")
    run("openssl", "x509", "-req", "-in", f"{d}/leaf.csr", "-CA", f"{d}/ca.pem", "-CAkey",
        f"{d}/ca.key", "-CAcreateserial", "-days", "30", "-out", f"{d}/leaf.pem", "-extfile",
        f"{d}/leaf.ext")
    with open(f"{d}/chain.pem", "w") as f:
        f.write(open(f"{d}/leaf.pem").read() + open(f"{d}/ca.pem").read())
    with open(f"{d}/combined.pem", "w") as f:  # hitch wants the key and chain in one file
        f.write(open(f"{d}/key.pem").read() + open(f"{d}/chain.pem").read())


METRICS = [("full_cps", "new TLS 1.3 connections/s, full", "1/s", False),
           ("resumed_cps", "new TLS 1.3 connections/s, resumed", "1/s", False),
           ("resumed_share", "  of which resumed", "ratio", None),
           ("bulk_mb_s", "one large transfer", "MB/s", False),
           ("idle_rss_kib", "RSS of the idle connections", "KiB", True)]


def report(results, names, a):
    med = {n: {k: statistics.median(r[k] for r in results[n]) for k in results[n][0]}
           for n in names if results[n]}
    print(f"\nmedians of {a.rounds} rounds ({a.threads} thread(s)/worker(s) each; idle: "
          f"{a.idle} connections)")
    peers = [n for n in med if n != "tls-proxy"]
    head = f"{'':40}" + "".join(f"{n:>12}" for n in med)
    if "tls-proxy" in med:
        head += "".join(f"{'vs ' + p:>14}" for p in peers)
    print(head)
    for key, label, unit, lower_better in METRICS:
        if not all(key in med[n] for n in med):
            continue
        row = f"{label + ' (' + unit + ')':40}" + "".join(f"{med[n][key]:>12.2f}" for n in med)
        if "tls-proxy" in med and lower_better is not None:
            for p in peers:
                ours, theirs = med["tls-proxy"][key], med[p][key]
                ratio = (theirs / ours if lower_better else ours / theirs) if ours and theirs else 0
                row += f"{ratio:>13.2f}x"
        print(row)
    return med


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default="build/bench")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--bulk", type=int, default=512 << 20)
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--only", default="tls-proxy,stunnel4,hitch")
    ap.add_argument("--json")
    a = ap.parse_args()
    a.tls_proxy = os.path.join(a.build_dir, "examples", "tls-proxy")
    a.load = os.path.join(a.build_dir, "bench", "bench_hs_load")
    a.idle_client = os.path.join(a.build_dir, "bench", "bench_idle_client")
    names = []
    for n in a.only.split(","):
        exe = a.tls_proxy if n == "tls-proxy" else shutil.which(n)
        if exe is None or not os.path.exists(exe):
            print(f"{n}: not installed, left out", file=sys.stderr)
        else:
            names.append(n)
    # Every idle connection costs the proxy two descriptors (client and backend side); the
    # proxies inherit this limit. 64 covers their listening sockets, pipes, logs and libraries.
    want = 2 * a.idle + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
        except (ValueError, OSError):
            a.idle = max(0, (hard - 64) // 2)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            print(f"fd limit {hard}: idle connections lowered to {a.idle}", file=sys.stderr)
    results = {n: [] for n in names}
    backend = Backend(a.bulk)
    with tempfile.TemporaryDirectory() as tmp:
        make_pki(tmp)
        for r in range(a.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for n in order:
                try:
                    res = one_round(a, tmp, backend, tmp, n)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print(f"round {r + 1} {n}: FAILED: {e}", file=sys.stderr)
                    continue
                results[n].append(res)
                print(json.dumps({"round": r + 1, "proxy": n, **res}), flush=True)
    med = report(results, names, a)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rounds": results, "medians": med}, f, indent=1)
    return 0 if all(results[n] for n in names) else 1


if __name__ == "__main__":
    sys.exit(main())
