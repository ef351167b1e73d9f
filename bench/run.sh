#!/bin/sh
# Builds the benchmarks (RelWithDebInfo, -DTLSIO_BUILD_BENCH=ON) and runs them all:
#   sh bench/run.sh [--quick] [--rounds N] [--idle-conns N] [--server-threads-seconds S]
#                   [--json FILE]
# BUILD_DIR overrides the build directory (default build/bench).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSIO_BUILD_BENCH=ON \
    -DTLSIO_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target bench >/dev/null
exec python3 "$ROOT/bench/run.py" --build-dir "$BUILD_DIR" "$@"
