#!/bin/sh
# Install the Debian packages Lotsen builds and tests with; does nothing when all are present.
set -eu
PKGS="build-essential cmake pkg-config python3 curl clang-format
libre-dev libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
libcmocka-dev libstemmer-dev libcmark-dev libxlsxwriter-dev libcairo2-dev libfontconfig-dev fonts-dejavu-core
espeak-ng sox tzdata hunspell-sv libhunspell-dev libgmime-3.0-dev libetpan-dev libcurl4-gnutls-dev libgnutls28-dev libcjose-dev libpq-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
