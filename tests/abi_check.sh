#!/bin/sh
# The shared library's ABI is exactly its API: every function include/tlsio/*.h declares is
# exported by libtlsio.so, nothing else is (no internal tlsio_* helper an application could
# collide with or come to depend on), and the SONAME is the one CMakeLists.txt promises.
#   sh tests/abi_check.sh LIBTLSIO.so SOURCE_DIR EXPECTED_SONAME
set -eu
lib=$1
src=$2
soname=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat "$src"/include/tlsio/*.h | awk -f "$src/tests/c_prototypes.awk" | cut -f1 | sort -u \
    >"$tmp/declared"
# Defined dynamic symbols of any kind but absolute ones (the linker's _end, _edata, ...).
nm -D --defined-only "$lib" | awk 'NF == 3 && $2 != "A" { print $3 }' | sed 's/@.*//' |
    sort -u >"$tmp/exported"

rc=0
if ! [ -s "$tmp/declared" ]; then
    echo "abi_check: no declarations found in $src/include/tlsio" >&2
    exit 1
fi
comm -13 "$tmp/declared" "$tmp/exported" >"$tmp/extra"
comm -23 "$tmp/declared" "$tmp/exported" >"$tmp/missing"
if [ -s "$tmp/extra" ]; then
    echo "abi_check: exported but not declared in include/tlsio/*.h:" >&2
    sed 's/^/  /' "$tmp/extra" >&2
    rc=1
fi
if [ -s "$tmp/missing" ]; then
    echo "abi_check: declared but not exported by $lib:" >&2
    sed 's/^/  /' "$tmp/missing" >&2
    rc=1
fi
got=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
if [ "$got" != "$soname" ]; then
    echo "abi_check: SONAME is '$got', expected '$soname'" >&2
    rc=1
fi
[ $rc = 0 ] && echo "abi_check: $(wc -l <"$tmp/exported") symbols exported, each declared in" \
    "include/tlsio; all declared ones exported; SONAME $got"
exit $rc
