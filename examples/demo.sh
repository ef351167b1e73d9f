#!/bin/sh
# Builds tlsio and runs the demo (the README's first command).
set -eu
cd "$(dirname "$0")/.."
sh .ci/deps.sh
cmake -S . -B build/plain -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/plain -j "$(nproc 2>/dev/null || echo 2)" --target tlsio-smoke
./build/plain/examples/tlsio-smoke
