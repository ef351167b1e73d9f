#!/usr/bin/env python3
"""tls-server with 1 and 2 poll-loop threads side by side: full handshakes/s (issue 13).

Each round starts `tls-server --threads N` (TLS 1.3, no tickets, an RSA-2048 certificate by
default) on 127.0.0.1, drives it with `bench_hs_load` (one process, one poll loop, 16
handshakes in flight, every one full and verified) for SECONDS after a short warm-up, stops
it, and does the same for the next N; the order rotates each round. Reported: the median
handshakes/s per N, the ratio of the medians and the median of the per-round ratios, the
server's CPU time per handshake and the cores it used, and the load generator's cores (if
those reach 1.0, the generator was the limit, not the server). Next to each server run,
`bench_hs_load --spin N` measures the cores N threads that only burn CPU get at that moment:
on a machine shared with other work, that (not the core count) is what a second server
thread can add, and the summary sets the server's ratio beside the spinners'.

RSA-2048 by default because it makes the server side dominate (a PSS signature costs ~470 us,
the client's two verifications ~30 us): on a 2-core machine the load generator has to share
the cores with the server, so a server-heavy handshake is the one that shows what a second
loop adds. --cert ecdsa shows the other case.

    python3 bench/server_threads.py [--build-dir DIR] [--rounds 5] [--seconds 3]
                                    [--threads 1,2] [--cert rsa|ecdsa] [--json FILE]

Also run by bench/run.py (--server-threads-seconds). Loopback only; every process it starts
is stopped by its pid; every wait is bounded.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    """utime + stime of a process (all its threads), seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def start_server(server, pki, cert, threads, out_path):
    argv = [server, "--cert", os.path.join(pki, f"{cert}_chain.pem"),
            "--key", os.path.join(pki, f"{cert}_key.pem"), "--tls1.3", "--no-tickets",
            "--threads", str(threads), "--port", "0", "--max-conns", "256"]
    # stderr to a file: tls-server logs a line per connection there, and an unread pipe would
    # fill and stall it.
    out, err = open(out_path, "w"), open(out_path + ".err", "w")
    p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    out.close()
    err.close()
    end = time.monotonic() + 10
    while time.monotonic() < end:
        with open(out_path) as f:
            m = re.search(r"^listening on 127\.0\.0\.1:(\d+)$", f.read(), re.M)
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.02)
    p.kill()
    p.wait()
    with open(out_path + ".err") as f:
        raise RuntimeError(f"tls-server did not start: {f.read()[-500:]}")


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def one_run(build_dir, pki, cert, threads, seconds, inflight, tmp):
    server = os.path.join(build_dir, "examples", "tls-server")
    load = os.path.join(build_dir, "bench", "bench_hs_load")
    p, port = start_server(server, pki, cert, threads, os.path.join(tmp, "server.out"))
    try:
        cpu0, t0 = proc_cpu_s(p.pid), time.monotonic()
        r = subprocess.run([load, "127.0.0.1", str(port), "bench.example",
                            os.path.join(pki, f"ca_{cert}.pem"), str(seconds), str(inflight)],
                           stdout=subprocess.PIPE, text=True, timeout=seconds + 60)
        cpu1, t1 = proc_cpu_s(p.pid), time.monotonic()
    finally:
        stop(p)
    if r.returncode != 0:
        raise RuntimeError(f"bench_hs_load failed ({r.returncode})")
    rec = {j["metric"]: j["value"] for j in map(json.loads, r.stdout.splitlines())}
    if rec["failed"]:
        raise RuntimeError(f"{rec['failed']:.0f} handshakes failed")
    return {
        "hs_per_s": rec["hs_per_s"],
        "server_cpu_us_per_hs": (cpu1 - cpu0) / rec["handshakes_total"] * 1e6,
        "server_cores": (cpu1 - cpu0) / (t1 - t0),
        "client_cores": rec["client_cpu_share"],
    }


def spin_cores(build_dir, threads, seconds):
    """The cores `threads` CPU-burning threads get now (the machine's other load decides)."""
    load = os.path.join(build_dir, "bench", "bench_hs_load")
    r = subprocess.run([load, "--spin", str(threads), str(seconds)], stdout=subprocess.PIPE,
                       text=True, check=True, timeout=seconds + 30)
    return json.loads(r.stdout.splitlines()[0])["value"]


def measure(build_dir, pki, rounds=5, seconds=3.0, threads=(1, 2), cert="rsa", inflight=16,
            log=sys.stderr):
    """{threads: [sample dict per round]}, the order of threads rotating each round."""
    samples = {n: [] for n in threads}
    with tempfile.TemporaryDirectory(prefix="tlsio-srvthreads-") as tmp:
        for r in range(rounds):
            order = list(threads[r % len(threads):]) + list(threads[:r % len(threads)])
            for n in order:
                s = one_run(build_dir, pki, cert, n, seconds, inflight, tmp)
                s["spin_cores"] = spin_cores(build_dir, n, min(seconds, 1.0))
                samples[n].append(s)
                print(f"  round {r + 1}/{rounds}: --threads {n}: {s['hs_per_s']:.0f} hs/s, "
                      f"server {s['server_cores']:.2f} cores, load generator "
                      f"{s['client_cores']:.2f}; {n} spinning threads got "
                      f"{s['spin_cores']:.2f} cores", file=log, flush=True)
    return samples


def summary(samples, cert="rsa"):
    threads = sorted(samples)
    med = {n: statistics.median(s["hs_per_s"] for s in samples[n]) for n in threads}
    lines = [f"tls-server --threads N, TLS 1.3 full handshakes ({'RSA-2048' if cert == 'rsa' else 'ECDSA P-256'}"
             f" server, X25519, no tickets), loopback, {len(samples[threads[0]])} rounds; "
             f"load average {os.getloadavg()[0]:.1f}:",
             "| threads | handshakes/s median | min..max | vs 1 thread | server CPU us/handshake | "
             "server cores | load generator cores | N spinning threads got (cores) |",
             "|---|---|---|---|---|---|---|---|"]
    for n in threads:
        hs = [s["hs_per_s"] for s in samples[n]]
        m = lambda k: statistics.median(s[k] for s in samples[n])
        lines.append(f"| {n} | {med[n]:.0f} | {min(hs):.0f}..{max(hs):.0f} | "
                     f"{med[n] / med[threads[0]]:.2f}x | {m('server_cpu_us_per_hs'):.0f} | "
                     f"{m('server_cores'):.2f} | {m('client_cores'):.2f} | "
                     f"{m('spin_cores'):.2f} |")
    if len(threads) > 1:
        a, b = threads[0], threads[-1]
        per_round = [y["hs_per_s"] / x["hs_per_s"] for x, y in zip(samples[a], samples[b])]
        spin = [y["spin_cores"] / x["spin_cores"] for x, y in zip(samples[a], samples[b])]
        lines.append(f"{b} threads / {a}: ratio of medians {med[b] / med[a]:.2f}x, median of "
                     f"per-round ratios {statistics.median(per_round):.2f}x "
                     f"(range {min(per_round):.2f}..{max(per_round):.2f}); spinning threads "
                     f"{b} / {a} at the same time: {statistics.median(spin):.2f}x")
    # The server is the limit only if it used the cores it had threads for (up to what the
    # load generator leaves of the machine). If not, other processes had the CPU and the
    # ratio measures the scheduler's share, not tls-server.
    cores = os.cpu_count() or 1
    for n in threads:
        used = statistics.median(s["server_cores"] for s in samples[n])
        client = statistics.median(s["client_cores"] for s in samples[n])
        if client < 0.9 and used < 0.8 * min(n, cores - client):
            lines.append(f"note: with --threads {n} the server used {used:.2f} cores and the "
                         f"load generator {client:.2f} of {cores}: the machine was busy with "
                         f"other work, so these figures are the share the scheduler gave, "
                         f"not tls-server's limit")
    return "\n".join(lines)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get(
        "BUILD_DIR", os.path.join(os.path.dirname(here), "build", "bench")))
    ap.add_argument("--pki", help="bench_pki's directory (default: made for this run)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--cert", choices=("rsa", "ecdsa"), default="rsa")
    ap.add_argument("--inflight", type=int, default=16)
    ap.add_argument("--json", help="also write every sample here")
    a = ap.parse_args()
    threads = tuple(int(x) for x in a.threads.split(","))
    with tempfile.TemporaryDirectory(prefix="tlsio-bench-") as made:
        pki = a.pki
        if pki is None:
            subprocess.run([os.path.join(a.build_dir, "bench", "bench_pki"), made], check=True)
            pki = made
        samples = measure(a.build_dir, pki, a.rounds, a.seconds, threads, a.cert, a.inflight)
    print(summary(samples, a.cert))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({str(n): v for n, v in samples.items()}, f, indent=1)


if __name__ == "__main__":
    main()
