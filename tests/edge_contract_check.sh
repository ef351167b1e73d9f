#!/bin/sh
# The edge contract (core/hs_dispatch.h) holds only if nothing goes around the dispatcher:
#   - handshake messages enter the transcript in core/hs_dispatch.c (received) and
#     core/engine_send.c (sent) only: no handler hashes a message itself;
#   - the HelloRetryRequest restart happens in the dispatcher, or in the TLS 1.3 server's
#     ClientHello edge (which decides to send one after the ClientHello was hashed);
#   - the engine's state number is read and written by the dispatcher only: handlers pick
#     *next, and no code compares a state number or relies on an enum's order;
#   - nothing outside the dispatcher switches tables or says "connected" but the dispatcher's
#     tlsio_handshake_done.
set -eu
dir=$1
code() { # file:line:text of non-comment lines matching $1 in core/*.c, minus files in $2
  grep -nE "$1" "$dir"/*.c | grep -vE '^[^:]+:[0-9]+:\s*(/\*|\*|//)' |
    grep -vE "^$dir/($2):" || true
}
bad=""
add() { [ -z "$2" ] || bad="$bad
$1:
$2"; }
add "a message hashed outside the dispatcher" \
  "$(code '\b(tlsio_transcript_update|tlsio_hs_hash|tlsio_hs_keep_msg)\s*\(' 'hs_dispatch\.c|engine_send\.c|transcript\.c')"
add "a transcript restart outside the dispatcher" \
  "$(code '\btlsio_transcript_hrr_restart\s*\(' 'hs_dispatch\.c|hs13_server\.c|transcript\.c')"
add "the state number used outside the dispatcher" \
  "$(code '(->|\.)state\b' 'hs_dispatch\.c')"
add "the handshake declared done outside the dispatcher" \
  "$(code '\btlsio_handshake_done\s*\(' 'hs_dispatch\.c|hs_common\.c')"
if [ -n "$bad" ]; then
  echo "core/ goes around the edge contract (core/hs_dispatch.h):$bad"
  exit 1
fi
echo "core/ keeps the edge contract: transcript, states and completion belong to the dispatcher"
