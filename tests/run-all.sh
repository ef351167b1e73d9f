#!/bin/sh
# Builds and runs every test twice: a normal build, then the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer. This is the README's test command.
set -eu
cd "$(dirname "$0")/.."
sh .ci/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for variant in plain asan; do
    dir=build/$variant
    flags=""
    [ $variant = asan ] && flags="-DTLSIO_SANITIZE=ON"
    echo "== $variant build =="
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo $flags >/dev/null
    cmake --build "$dir" -j "$jobs"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
