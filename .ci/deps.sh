#!/bin/sh
# Installs the Debian packages tlsio needs to build and test, only when one is missing.
# Used by the README quick start and by CI (run as root on a fresh Debian machine).
set -eu
pkgs="build-essential cmake pkg-config android-libboringssl-dev libgtest-dev clang-format
      openssl gnutls-bin android-boringssl curl python3 binutils groff-base mandoc man-db
      clang libclang-rt-14-dev libuv1-dev"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
