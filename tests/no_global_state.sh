#!/bin/sh
# Asserts that the library keeps no global state: no writable global or static data at all.
# nm's B/b (bss) and D/d (data) symbols are writable storage. Tables of pointers that the
# compiler puts in .data.rel.ro are read-only after relocation (RELRO), so those are allowed:
# objdump tells us which section each d symbol lives in.
set -eu
lib=$1
[ -f "$lib" ] || { echo "no library at $lib"; exit 1; }
bad=$(objdump -t "$lib" | awk '
  NF >= 6 && $0 ~ / (\.data|\.bss|\.tbss|\.tdata)[^ \t]*[ \t]/ {
    for (i = 1; i <= NF; i++) if ($i ~ /^\.(data|bss|tbss|tdata)/) sec = $i
    if (sec ~ /^\.data\.rel\.ro/) next
    if ($0 ~ /[ \t]d[ \t]/ && $(NF-1) ~ /^0+$/) next   # empty section symbol, no storage
    print
  }')
nm_wr=$(nm -A "$lib" 2>/dev/null | awk '$(NF-1) ~ /^[BbDd]$/' || true)
if [ -n "$bad" ]; then
  echo "writable global/static data found in $lib:"
  echo "$bad"
  echo "nm view (B/b/D/d):"
  echo "$nm_wr"
  exit 1
fi
n=$(printf '%s\n' "$nm_wr" | grep -c . || true)
echo "no writable data in $lib ($n nm D/d symbols, all in .data.rel.ro)"
