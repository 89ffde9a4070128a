#!/bin/sh
# Install the programs Lotsen's tests and benchmarks talk to (load generators, SIP peers,
# headless Chromium with playwright-core and axe-core for the web application's tests, the
# OpenID provider oidc-provider for the login with the municipality's account, unzip
# to read XLSX exports back, poppler-utils to render PDF exports, systemd for systemd-analyze
# verify of the installed unit, nginx and openssl for TLS in front of Lotsen, prometheus for
# `promtool check metrics` on GET /metrics: only promtool is used; the Prometheus service the
# package installs is neither needed nor started by the tests, and its recommended
# node-exporter is left out by --no-install-recommends; @seriousme/openapi-schema-validator
# from npm validates GET /api/v1/openapi.json).
# Idempotent: installs only what is missing, so `make test` may call it every time.
set -eu
cd "$(dirname "$0")/.."
PKGS="wrk sip-tester baresip chromium unzip poppler-utils systemd nginx-light openssl prometheus"
# npm comes with some Node.js builds; Debian's package only when there is none.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-test-peers: installing$missing"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q \
		--no-install-recommends $missing
fi
# npm packages pinned by package-lock.json; npm ci only when node_modules is older than the
# lock (npm writes node_modules/.package-lock.json after each install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
	[ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] ||
	[ ! -d node_modules/oidc-provider ] || [ ! -d node_modules/@seriousme/openapi-schema-validator ]; then
	echo "install-test-peers: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
