#!/usr/bin/env python3
"""Runs docs/guide-mutual-tls.md as a reader would, in a temporary directory.

    guide_check.py --docs DIR --harness PATH --client PATH --server PATH

1. The certificate commands, as printed: the test CA and server leaf of guide-migrating.md,
   then the guide's client certificate for alice.
2. The guide's two C snippets (compiled into --harness by CMake) against each other: the
   server sees CN=alice; without alice's files the server refuses the client.
3. "Trying it with the tools", as printed but on a free port: tls-server --verify-client
   prints alice's subject for tls-client and for openssl s_client.
Every wait is bounded; only processes started here are stopped. Exit 1 on any failure.
"""
import argparse
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 20


def fail(msg):
    print(f"FAIL {msg}")
    sys.exit(1)


def sh_blocks(path):
    """The ```sh blocks of a Markdown file, in order."""
    return re.findall(r"```sh\n(.*?)```", open(path, encoding="utf-8").read(), re.S)


def tool_lines(path):
    """The indented command lines under the guide's "Trying it with the tools" heading."""
    text = open(path, encoding="utf-8").read()
    section = text.split("## Trying it with the tools", 1)[1].split("\n## ", 1)[0]
    return [ln.strip() for ln in section.splitlines() if ln.startswith("    ") and ln.strip()]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail(f"tls-server exited {proc.returncode}: {proc.stderr.read()!r}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    fail(f"nothing listens on port {port}")


def echo(argv, cwd):
    """Runs a client, sends a line, and closes its stdin only once the echo came back (s_client
    quits at the end of its input, without waiting for the answer). (exit status, output)."""
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    os.set_blocking(p.stdout.fileno(), False)
    p.stdin.write(b"hello guide\n")
    p.stdin.flush()
    out = b""
    deadline = time.monotonic() + TIMEOUT
    while b"hello guide" not in out and time.monotonic() < deadline and p.poll() is None:
        chunk = p.stdout.read()
        if chunk:
            out += chunk
        else:
            time.sleep(0.05)
    p.stdin.close()
    try:
        p.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    os.set_blocking(p.stdout.fileno(), True)
    out += p.stdout.read()
    return p.returncode, out


def main():
    ap = argparse.ArgumentParser()
    for a in ("--docs", "--harness", "--client", "--server"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    for a in ("docs", "harness", "client", "server"):  # the commands run in a temporary dir
        setattr(args, a, os.path.abspath(getattr(args, a)))
    guide = os.path.join(args.docs, "guide-mutual-tls.md")
    ca_block = [b for b in sh_blocks(os.path.join(args.docs, "guide-migrating.md"))
                if "ca.pem" in b and "chain.pem" in b]
    if len(ca_block) != 1:
        fail("guide-migrating.md: no single ```sh block making ca.pem and chain.pem")
    with tempfile.TemporaryDirectory(prefix="tlsio-guide-") as tmp:
        # 1. Certificates, as printed.
        for block in ca_block + sh_blocks(guide):
            r = subprocess.run(["sh", "-ec", block], cwd=tmp, capture_output=True,
                               timeout=TIMEOUT)
            if r.returncode != 0:
                fail(f"certificate commands: {r.stderr.decode()!r}\n{block}")
        for f in ("ca.pem", "chain.pem", "key.pem", "alice.pem", "alice.key"):
            if not os.path.exists(os.path.join(tmp, f)):
                fail(f"the guide's commands made no {f}")
        print("ok   the guide's certificate commands")

        # 2. The C snippets.
        r = subprocess.run([args.harness, "with-cert"], cwd=tmp, capture_output=True,
                           timeout=2 * TIMEOUT)
        if r.returncode != 0 or b"client: CN=alice" not in r.stdout:
            fail(f"snippets with alice's certificate: {r.stdout!r} {r.stderr!r}")
        print("ok   the C snippets: the server sees CN=alice")
        os.rename(os.path.join(tmp, "alice.pem"), os.path.join(tmp, "alice.pem.away"))
        r = subprocess.run([args.harness, "without-cert"], cwd=tmp, capture_output=True,
                           timeout=2 * TIMEOUT)
        os.rename(os.path.join(tmp, "alice.pem.away"), os.path.join(tmp, "alice.pem"))
        if r.returncode != 0:
            fail(f"snippets without a client certificate: {r.stdout!r} {r.stderr!r}")
        print("ok   the C snippets: without alice's files the server refuses the client")

        # 3. The tool lines, on a free port.
        port = str(free_port())
        lines = tool_lines(guide)
        if len(lines) != 3:
            fail(f"expected three tool lines, found {lines!r}")
        paths = {"tls-server": args.server, "tls-client": args.client}
        argvs = []
        for ln in lines:
            argv = [port if w == "8443" else w for w in shlex.split(ln.replace(":8443", ":" +
                                                                                 port))]
            argvs.append([paths.get(argv[0], argv[0])] + argv[1:])
        server = subprocess.Popen(argvs[0], cwd=tmp, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            wait_listening(int(port), server)
            for argv in argvs[1:]:
                rc, out = echo(argv, tmp)
                if rc != 0 or b"hello guide" not in out:
                    fail(f"{' '.join(argv)}: exit {rc}, {out[-600:]!r}")
                print(f"ok   {os.path.basename(argv[0])} talked to tls-server --verify-client")
        finally:
            server.terminate()
            try:
                out, err = server.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                out, err = server.communicate()
        if out.count("client: CN=alice") != 2:
            fail(f"tls-server did not print alice's subject twice: {out!r} {err!r}")
        print("ok   tls-server printed CN=alice for both clients")
    print("guide-mutual-tls: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
