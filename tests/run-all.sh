#!/bin/sh
# Builds and runs every test twice: a normal build, then the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer. Then a ThreadSanitizer build of the library
# and the one test that shares configs between threads (tests/unit/threads_test.cc): only
# that target is built, to keep the third build short. This is the README's test command.
# Warnings fail these builds (-DTLSIO_WERROR=ON); a plain `cmake` build only reports them.
set -eu
cd "$(dirname "$0")/.."
sh .ci/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for variant in plain asan tsan; do
    dir=build/$variant
    flags=""
    [ $variant = asan ] && flags="-DTLSIO_SANITIZE=ON"
    [ $variant = tsan ] && flags="-DTLSIO_SANITIZE=thread -DTLSIO_BUILD_EXAMPLES=OFF"
    echo "== $variant build =="
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSIO_WERROR=ON $flags >/dev/null
    if [ $variant = tsan ]; then
        cmake --build "$dir" -j "$jobs" --target threads_test
        # halt_on_error: the first data race fails the run (TSan's exit code 66 otherwise
        # comes only at exit, after the remaining tests).
        TSAN_OPTIONS="${TSAN_OPTIONS:-} halt_on_error=1" timeout 600 "$dir/tests/threads_test"
        continue
    fi
    cmake --build "$dir" -j "$jobs"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
