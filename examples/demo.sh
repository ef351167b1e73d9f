#!/bin/sh
# The README's first command: installs what is missing (Debian, as root), builds tlsio in
# build/plain, and runs examples/demo: a verified TLS 1.3 round trip on loopback with a CA and
# server certificate made in memory. Exits 0 when the round trip worked.
set -eu
cd "$(dirname "$0")/.."
sh .ci/deps.sh
cmake -S . -B build/plain -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "building tlsio in build/plain..."
if ! log=$(cmake --build build/plain -j "$(nproc 2>/dev/null || echo 2)" --target demo 2>&1); then
    printf '%s\n' "$log"
    exit 1
fi
echo
exec ./build/plain/examples/demo
