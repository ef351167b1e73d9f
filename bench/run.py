#!/usr/bin/env python3
"""One command for the benchmarks (docs/performance.md).

Runs tlsio, BoringSSL libssl, OpenSSL libssl and the libcrypto limits as separate processes,
interleaved round by round (the order rotates each round), takes medians, and prints a table
with every tlsio figure's ratio to BoringSSL, OpenSSL and the limit. Then runs the poll-server
idle-connection check (bench/idle10k.sh) and tls-server's handshakes/s with 1 and 2 poll-loop
threads side by side (bench/server_threads.py).

    sh bench/run.sh [--quick] [--rounds N] [--idle-conns N] [--server-threads-seconds S]
                    [--json FILE]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import server_threads

IMPLS = ["tlsio", "boringssl", "openssl", "limit"]

# metric, label, better ("hi"/"lo"), target description, target check(tlsio, bssl, limit)
ROWS = [
    ("hs_tls13_x25519_ecdsa", "handshakes/s TLS1.3 X25519+ECDSA-P256", "hi",
     ">=1.05x BSSL, >=97% lim", lambda t, b, l: t >= 1.05 * b and t >= 0.97 * l),
    ("hs_tls13_x25519_rsa2048", "handshakes/s TLS1.3 X25519+RSA-2048", "hi",
     ">=1.05x BSSL, >=98% lim", lambda t, b, l: t >= 1.05 * b and t >= 0.98 * l),
    ("hs_tls12_ecdhe_ecdsa_aes128gcm", "handshakes/s TLS1.2 ECDHE-ECDSA-AES128GCM", "hi",
     ">=1.05x BSSL, >=97% lim", lambda t, b, l: t >= 1.05 * b and t >= 0.97 * l),
    # Resumption (issue 14): one ticket per connection; the full row is the first connection.
    ("hs_tls13_ecdsa_ticket_full", "handshakes/s TLS1.3 ECDSA full + 1 ticket", "hi", "-", None),
    ("hs_tls13_ecdsa_resumed", "handshakes/s TLS1.3 resumed (PSK-DHE X25519)", "hi",
     ">=1.05x BSSL, >=95% lim", lambda t, b, l: t >= 1.05 * b and t >= 0.95 * l),
    ("hs_tls12_ecdsa_ticket_full", "handshakes/s TLS1.2 ECDSA full + ticket", "hi", "-", None),
    ("hs_tls12_ecdsa_resumed", "handshakes/s TLS1.2 resumed (RFC 5077 ticket)", "hi",
     ">=1.05x BSSL, >=95% lim", lambda t, b, l: t >= 1.05 * b and t >= 0.95 * l),
    ("bulk_aes128gcm_16k", "bulk MB/s AES-128-GCM 16 KiB writes", "hi",
     ">=95% lim", lambda t, b, l: t >= 0.95 * l),
    ("bulk_aes128gcm_1k", "bulk MB/s AES-128-GCM 1 KiB writes", "hi",
     ">=1.4x BSSL", lambda t, b, l: t >= 1.4 * b),
    ("bulk_chacha20_16k", "bulk MB/s CHACHA20-POLY1305 16 KiB", "hi", "-", None),
    ("bulk_chacha20_1k", "bulk MB/s CHACHA20-POLY1305 1 KiB", "hi", "-", None),
    ("rec_overhead_aes_1k", "per-record overhead us, AES 1 KiB", "lo",
     "<0.3 us", lambda t, b, l: t < 0.3),
    ("mem_idle_client", "idle TLS1.3 conn heap B, client", "lo",
     "<=4 KB", lambda t, b, l: t <= 4096),
    ("mem_idle_server", "idle TLS1.3 conn heap B, server", "lo",
     "<=3 KB", lambda t, b, l: t <= 3072),
    # connect returned -> first response byte, 100-byte request and response, 127.0.0.1.
    ("first_request_loopback_us", "first request us, loopback, 100 B each way", "lo",
     "<=1.1x min(BSSL,OSSL)+50us, <10 ms",
     lambda t, b, l, o: t <= 1.1 * min(b, o or b) + 50 and t < 10000),
    ("first_request_nodelay_us", "first request us, TCP_NODELAY both ends", "lo",
     "<=1.1x min(BSSL,OSSL)+50us", lambda t, b, l, o: t <= 1.1 * min(b, o or b) + 50),
    ("first_request_nagle_us", "first request us, Nagle on both ends", "lo",
     "<10 ms (no delayed-ACK stall)", lambda t, b, l: t < 10000),
]


def run_one(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", os.path.join(repo, "build", "bench")))
    ap.add_argument("--quick", action="store_true", help="smaller sizes, 3 rounds, 2,000 idle conns (~1 min)")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--idle-conns", type=int, default=None, help="poll-server check size (0: skip)")
    ap.add_argument("--server-threads-seconds", type=float, default=None,
                    help="tls-server --threads 1 vs 2: seconds per run (0: skip; default 3, "
                         "quick 1.5)")
    ap.add_argument("--json", help="also write every sample here")
    a = ap.parse_args()
    rounds = a.rounds or (3 if a.quick else 7)
    idle = a.idle_conns if a.idle_conns is not None else (2000 if a.quick else 10000)
    st_seconds = (a.server_threads_seconds if a.server_threads_seconds is not None
                  else (1.5 if a.quick else 3.0))
    bdir = os.path.join(a.build_dir, "bench")
    qflag = ["--quick"] if a.quick else []

    t_start = time.time()
    samples = {}  # (impl, metric) -> [values]
    extra = {}
    with tempfile.TemporaryDirectory(prefix="tlsio-bench-") as pki:
        subprocess.run([os.path.join(bdir, "bench_pki"), pki], check=True)
        cmds = {
            "tlsio": [os.path.join(bdir, "bench_tlsio"), "--pki", pki] + qflag,
            "boringssl": [os.path.join(bdir, "bench_boringssl"), "--pki", pki] + qflag,
            "openssl": [os.path.join(bdir, "bench_openssl"), "--pki", pki] + qflag,
            "limit": [os.path.join(bdir, "bench_limits")] + qflag,
        }
        for r in range(rounds):
            order = IMPLS[r % 4:] + IMPLS[:r % 4]
            print(f"round {r + 1}/{rounds}: {' '.join(order)}", file=sys.stderr, flush=True)
            for impl in order:
                for rec in run_one(cmds[impl]):
                    samples.setdefault((rec["impl"], rec["metric"]), []).append(rec["value"])
                if impl == "tlsio":  # hostile ClientHellos (issue 13), tlsio's server only
                    for rec in run_one([os.path.join(bdir, "bench_hello"), "--pki", pki] + qflag):
                        samples.setdefault((rec["impl"], rec["metric"]), []).append(rec["value"])
        if idle > 0:
            print(f"poll server: {idle} idle connections", file=sys.stderr, flush=True)
            for rec in run_one(["sh", os.path.join(here, "idle10k.sh"), a.build_dir, pki, str(idle)]):
                extra[rec["metric"]] = rec["value"]
        threads_samples = None
        if st_seconds > 0:
            print("tls-server --threads 1 and 2: full handshakes/s", file=sys.stderr, flush=True)
            threads_samples = server_threads.measure(a.build_dir, pki, rounds, st_seconds)

    med = {k: statistics.median(v) for k, v in samples.items()}
    # Per-record overhead at 1 KiB: time per record beyond the AEAD's own seal+open.
    lim1k = med.get(("limit", "bulk_aes128gcm_1k"))
    for impl in IMPLS[:3]:
        v = med.get((impl, "bulk_aes128gcm_1k"))
        if v and lim1k:
            med[(impl, "rec_overhead_aes_1k")] = 1024 / v - 1024 / lim1k
    spread = {}
    for (impl, m), v in samples.items():
        if impl == "tlsio" and len(v) > 1 and med[(impl, m)]:
            spread[m] = (max(v) - min(v)) / med[(impl, m)] * 100

    def fmt(x):
        if x is None:
            return "-"
        return f"{x:.0f}" if abs(x) >= 100 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"

    def ratio(t, o):
        return f"{t / o:.2f}x" if t is not None and o else "-"

    hdr = ["metric (median of %d rounds)" % rounds, "tlsio", "BoringSSL", "OpenSSL", "limit",
           "/BSSL", "/OSSL", "/limit", "spread", "target", "met"]
    rows = []
    for m, label, _, target, check in ROWS:
        t, b, o, l = (med.get((i, m)) for i in IMPLS)
        met = "-"
        if check and t is not None and b is not None:
            args = (t, b, l if l else 0) + ((o,) if check.__code__.co_argcount == 4 else ())
            met = "yes" if check(*args) else "NO"
        rows.append([label, fmt(t), fmt(b), fmt(o), fmt(l), ratio(t, b), ratio(t, o), ratio(t, l),
                     f"{spread[m]:.0f}%" if m in spread else "-", target, met])
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join("---" for _ in hdr) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    # Resumed over full handshakes, each implementation against itself (same runs).
    for v, full in (("tls13", "hs_tls13_x25519_ecdsa"), ("tls12", "hs_tls12_ecdhe_ecdsa_aes128gcm")):
        parts = []
        for impl in IMPLS[:3]:
            r, f, ft = (med.get((impl, m)) for m in
                        (f"hs_{v}_ecdsa_resumed", full, f"hs_{v}_ecdsa_ticket_full"))
            if r and f and ft:
                parts.append(f"{impl} {r / f:.2f}x full, {r / ft:.2f}x full+ticket")
            else:
                parts.append(f"{impl} -")
        print(f"resumed/full {v.replace('tls1', 'TLS 1.')}: " + "; ".join(parts))
    print("crypto cost of one handshake (limit, us): " + ", ".join(
        f"{m[8:]} {med[('limit', m)]:.0f}" for m in sorted(k[1] for k in med if k[0] == "limit" and k[1].startswith("hs_cost_"))))
    print("libcrypto operations (us): " + ", ".join(
        f"{k[1][3:]} {v:.2f}" for k, v in sorted(med.items()) if k[0] == "limit" and k[1].startswith("op_")))
    base = med.get(("tlsio", "hello_normal_us"))
    if base:
        parts = [f"normal {base:.0f} us"]
        worst = 0
        for v, label in (("groups8000", "8,000 groups + shares"), ("sigalgs_max", "max signature_algorithms"),
                         ("exts_max", "max unknown extensions")):
            us, size = med.get(("tlsio", f"hello_{v}_us")), med.get(("tlsio", f"hello_{v}_bytes"))
            if us and size:
                worst = max(worst, us / base)
                parts.append(f"{label} ({size / 1024:.0f} KiB) {us:.0f} us = {us / base:.1f}x")
        print("hostile ClientHello, tlsio server to its first flight: " + "; ".join(parts) +
              f"; target <= 5x: {'yes' if worst <= 5 else 'NO'}")
    if extra:
        rss = extra.get("poll_server_rss", 0)
        print(f"poll server (tls-server, TLS 1.3, loopback): {extra.get('idle_conns', 0):.0f} idle connections, "
              f"RSS {rss / 1024:.1f} MiB (base {extra.get('poll_server_rss_base', 0) / 1024:.1f} MiB, "
              f"{extra.get('poll_server_rss_per_conn', 0):.0f} B/conn), target <= 64 MiB at 10,000: "
              f"{'yes' if rss <= 65536 and extra.get('idle_conns', 0) >= 10000 else 'NO'}; "
              f"setup {extra.get('idle_setup_seconds', 0):.0f} s")
    if threads_samples:
        print(server_threads.summary(threads_samples))
    print(f"total {time.time() - t_start:.0f} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"samples": {f"{i}/{m}": v for (i, m), v in samples.items()}, "idle": extra,
                       "server_threads": {str(n): v for n, v in (threads_samples or {}).items()}},
                      f, indent=1)


if __name__ == "__main__":
    main()
