#!/bin/bash
# Builds the fuzz targets (if needed), records the seed corpora and fuzzes each target in turn
# (fuzz/README.md).
#
#   fuzz/run.sh [options] [target...]      all targets when none is named
#     -t SECONDS   per target (default 600)
#     -j N         N parallel fuzzing processes per target (libFuzzer -fork=N; default 1)
#     -b DIR       build directory (default build/fuzz)
#     --short      CI: 25 s per target
#     --replay     run each target once over its corpus and seeds, no fuzzing
#     --coverage   build with source-based coverage in DIR-cov, replay the corpora there and
#                  print llvm-cov's report over core/
#
# The corpus a campaign grows is kept in DIR/corpus/<target> (seeds: DIR/seeds/<target>); a
# crash leaves its input in DIR/artifacts/<target>/ and makes the script fail. Logs:
# DIR/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=600
jobs=1
build=build/fuzz
mode=fuzz
targets=()
while [ $# -gt 0 ]; do
    case $1 in
    -t) seconds=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    -b) build=$2; shift 2 ;;
    --short) seconds=25; shift ;;
    --replay) mode=replay; shift ;;
    --coverage) mode=coverage; shift ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
    esac
done
all=(fuzz_codec_roundtrip fuzz_server_first_flight fuzz_server_sealed fuzz_client_flights
     fuzz_client_structured fuzz_session_resumption)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

configure() { # dir, extra cmake options
    local dir=$1
    shift
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DTLSIO_BUILD_FUZZ=ON -DTLSIO_BUILD_TESTS=OFF -DTLSIO_BUILD_EXAMPLES=OFF -DTLSIO_WERROR=ON \
            "$@" >/dev/null
    fi
    mkdir -p "$build/logs"
    if ! cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" --target "${all[@]}" \
        fuzz_record_corpus >"$build/logs/build.log" 2>&1; then
        tail -n 50 "$build/logs/build.log"
        exit 1
    fi
}

bindir=$build
[ $mode = coverage ] && bindir=$build-cov
if [ $mode = coverage ]; then
    configure "$bindir" -DTLSIO_FUZZ_COVERAGE=ON
else
    configure "$build"
fi
LLVM_PROFILE_FILE=$build/logs/recorder.profraw "$bindir/fuzz/fuzz_record_corpus" "$build/seeds" >/dev/null

status=0
for t in "${targets[@]}"; do
    corpus=$build/corpus/$t
    artifacts=$build/artifacts/$t
    mkdir -p "$corpus" "$artifacts"
    log=$build/logs/$t.log
    bin=$bindir/fuzz/$t
    case $mode in
    replay)
        "$bin" -runs=0 "$corpus" "$build/seeds/$t" >"$log" 2>&1 || status=1
        echo "$t: replayed $(ls "$corpus" "$build/seeds/$t" | wc -l) inputs: $(grep -c 'ERROR' "$log" || true) errors"
        ;;
    coverage)
        rm -f "$build/logs/$t.profraw"
        LLVM_PROFILE_FILE=$build/logs/$t.profraw "$bin" -runs=0 "$corpus" "$build/seeds/$t" \
            >"$log" 2>&1 || status=1
        ;;
    fuzz)
        fork=()
        [ "$jobs" -gt 1 ] && fork=(-fork="$jobs")
        start=$(date +%s)
        rc=0
        "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/" \
            -timeout=20 -rss_limit_mb=2048 "${fork[@]}" "$corpus" "$build/seeds/$t" >"$log" 2>&1 || rc=$?
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
        [ -n "$runs" ] || runs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#' || true)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
        echo "$t: $(($(date +%s) - start)) s, ${runs:-?} runs, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l)"
        if [ $rc -ne 0 ]; then
            status=1
            echo "$t: FAILED (exit $rc); inputs in $artifacts:"
            ls "$artifacts"
            grep -m 1 -A 30 -E '^==[0-9]+==ERROR|runtime error|codec round trip|fuzz harness|deadly signal' "$log" || tail -n 40 "$log"
        fi
        ;;
    esac
done

if [ $mode = coverage ]; then
    objs=()
    raws=()
    for t in "${targets[@]}"; do
        objs+=(-object "$bindir/fuzz/$t")
        raws+=("$build/logs/$t.profraw")
    done
    llvm-profdata-14 merge -sparse "${raws[@]}" -o "$build/logs/fuzz.profdata"
    llvm-cov-14 report "${objs[@]:1}" -instr-profile="$build/logs/fuzz.profdata" \
        "$(pwd)/core"
fi
exit $status
