#!/bin/sh
# Install the programs Lotsen's tests and benchmarks talk to (load generators, SIP peers).
# Idempotent: installs only what is missing, so `make test` may call it every time.
set -eu
PKGS="wrk sip-tester"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-test-peers: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
