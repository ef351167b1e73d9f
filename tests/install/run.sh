#!/bin/sh
# Installs this build into a temporary prefix, then builds tests/install/consumer out of tree
# the two ways an application would -- CMake's find_package(tlsio) and `pkg-config tlsio` --
# each against the shared and the static library, and runs all four (a verified in-memory
# TLS handshake). Checks the installed layout and which library each program really uses.
#   sh tests/install/run.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install test: $*" >&2; exit 1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install failed"; }
# lib/ or lib/<multiarch>/ (GNUInstallDirs): wherever tlsio.pc went, in pkgconfig/.
pc=$(find "$prefix" -name tlsio.pc)
[ -n "$pc" ] || fail "tlsio.pc not installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libtlsio.a" "$libdir/libtlsio.so" "$libdir/cmake/tlsio/tlsioConfig.cmake" \
    "$libdir/cmake/tlsio/tlsioConfigVersion.cmake" "$prefix/include/tlsio/tls.h" \
    "$prefix/include/tlsio/core.h" "$prefix/bin/tls-client" "$prefix/bin/tls-server"; do
    [ -e "$f" ] || fail "not installed: ${f#$prefix/}"
done
ls "$prefix"/share/man/man3/tls_connect.3 >/dev/null || fail "man pages not installed"
# The installed tools start from the temporary prefix: they find libtlsio and libcrypto by
# their run path (a loader failure would exit 127 with "cannot open shared object file").
for tool in tls-client tls-server tls-proxy; do
    out=$("$prefix/bin/$tool" 2>&1) && rc=0 || rc=$?
    case "$out" in *usage*) ;; *) fail "installed $tool does not start (exit $rc): $out" ;; esac
done

# Certificates for the handshake.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    2>/dev/null || fail "openssl could not make a certificate"
run() { # NAME BINARY WANT_NEEDED(yes|no)
    out=$("$2" "$tmp/cert.pem" "$tmp/key.pem" "$tmp/cert.pem") || fail "$1: did not work: $out"
    needed=$(readelf -d "$2" | grep -c 'NEEDED.*libtlsio' || true)
    if [ "$3" = yes ] && [ "$needed" = 0 ]; then fail "$1: does not use libtlsio.so"; fi
    if [ "$3" = no ] && [ "$needed" != 0 ]; then fail "$1: uses libtlsio.so, not the .a"; fi
    echo "$1: $out"
}

# 1. CMake: find_package(tlsio) with the prefix on CMAKE_PREFIX_PATH.
cmake -S "$src/tests/install/consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "find_package(tlsio) failed"; }
cmake --build "$tmp/cmake" >"$tmp/cmake-build.log" 2>&1 ||
    { cat "$tmp/cmake-build.log"; fail "the CMake consumer did not build"; }
run "cmake tlsio::tlsio" "$tmp/cmake/consumer_shared" yes
run "cmake tlsio::tlsio_static" "$tmp/cmake/consumer_static" no

# 2. pkg-config, shared (the loader finds the prefix's library through -rpath, as an
#    application installed beside it would set) and static (--static, the .a by name).
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc=${CC:-cc}
# shellcheck disable=SC2046
$cc -o "$tmp/pc_shared" "$src/tests/install/consumer/consumer.c" $(pkg-config --cflags --libs tlsio) \
    -Wl,-rpath,"$libdir" || fail "pkg-config --cflags --libs tlsio did not build"
run "pkg-config shared" "$tmp/pc_shared" yes
static_libs=$(pkg-config --static --libs tlsio | sed "s|-ltlsio|$libdir/libtlsio.a|")
# shellcheck disable=SC2046,SC2086
$cc -o "$tmp/pc_static" "$src/tests/install/consumer/consumer.c" $(pkg-config --cflags tlsio) \
    $static_libs || fail "pkg-config --static --libs tlsio did not build"
run "pkg-config static" "$tmp/pc_static" no
echo "install test: passed"
