#!/bin/sh
# The poll-server memory check (docs/performance.md): examples/tools tls-server holding N idle
# TLS 1.3 connections on loopback, opened by bench_idle_client; reports the server's RSS.
# Loopback only, bounded in time (TIMEOUT seconds, default 120). Prints JSON lines like the
# other benchmark programs.
#
#   sh bench/idle10k.sh BUILD_DIR PKI_DIR [N=10000]
set -eu
BUILD=$1
PKI=$2
N=${3:-10000}
TIMEOUT=${TIMEOUT:-120}
SERVER=$BUILD/examples/tls-server
CLIENT=$BUILD/bench/bench_idle_client
for f in "$SERVER" "$CLIENT" "$PKI/ecdsa_chain.pem"; do
    [ -e "$f" ] || { echo "idle10k: missing $f" >&2; exit 1; }
done

# Each process needs N descriptors plus a few. Raise the soft limit up to the hard one.
want=$((N + 64))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
    echo "idle10k: hard fd limit $hard < $want: measuring $((hard - 64)) connections" >&2
    N=$((hard - 64))
    want=$hard
fi
ulimit -n "$want"

TMP=$(mktemp -d)
SPID=
CPID=
WPID=
cleanup() {
    [ -n "$CPID" ] && kill "$CPID" 2>/dev/null || true
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
    [ -n "$WPID" ] && kill "$WPID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# The time bound: ends this script's own server and client after TIMEOUT seconds. Its sleep
# dies with it (TERM), and it never holds the caller's stdout open.
watchdog() {
    (
        trap 'kill $! 2>/dev/null; exit 0' TERM
        sleep "$TIMEOUT" &
        wait $!
        echo "idle10k: timed out after ${TIMEOUT}s" >&2
        kill $SPID $CPID 2>/dev/null
    ) >/dev/null &
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
emit() { printf '{"impl":"tlsio","metric":"%s","value":%s,"unit":"%s"}\n' "$1" "$2" "$3"; }

"$SERVER" --bind 127.0.0.1 --port 0 --tls1.3 --max-conns "$N" \
    --cert "$PKI/ecdsa_chain.pem" --key "$PKI/ecdsa_key.pem" >"$TMP/server.out" 2>"$TMP/server.err" &
SPID=$!
watchdog
WPID=$!
i=0
until grep -q '^listening on' "$TMP/server.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "idle10k: server did not start" >&2; cat "$TMP/server.err" >&2; exit 1; }
    sleep 0.05
done
PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$TMP/server.out")
BASE=$(rss_kib "$SPID")

mkfifo "$TMP/hold"
start=$(date +%s)
"$CLIENT" 127.0.0.1 "$PORT" localhost "$PKI/ca_ecdsa.pem" "$N" \
    <"$TMP/hold" >"$TMP/client.out" 2>"$TMP/client.err" &
CPID=$!
kill "$WPID" 2>/dev/null || true
watchdog
WPID=$!
exec 3>"$TMP/hold" # keeps the client's stdin open: it holds its connections until fd 3 closes
until grep -q '^established' "$TMP/client.out" 2>/dev/null; do
    if ! kill -0 "$CPID" 2>/dev/null; then
        echo "idle10k: client exited early" >&2; head -5 "$TMP/client.err" >&2; exit 1
    fi
    sleep 0.2
done
setup=$(( $(date +%s) - start ))
sleep 1 # let the server finish the last handshakes (client Finished) and go idle
OK=$(awk '{print $2}' "$TMP/client.out")
RSS=$(rss_kib "$SPID")
head -3 "$TMP/client.err" >&2 || true
emit idle_conns "$OK" "conns"
emit idle_setup_seconds "$setup" "s"
emit poll_server_rss_base "$BASE" "KiB"
emit poll_server_rss "$RSS" "KiB"
emit poll_server_rss_per_conn "$(awk -v a="$RSS" -v b="$BASE" -v n="$OK" 'BEGIN{ if (n > 0) printf "%.1f", (a-b)*1024/n; else print 0 }')" "B"
exec 3>&-
