#!/bin/sh
# Install the programs Lotsen's tests and benchmarks talk to (load generators, SIP peers,
# headless Chromium with playwright-core and axe-core for the web application's tests, the
# OpenID provider oidc-provider for the login with the municipality's account, unzip
# to read XLSX exports back, poppler-utils to render PDF exports, systemd for systemd-analyze
# verify of the installed unit, nginx and openssl for TLS in front of Lotsen, Dovecot and Postfix as the mail tests' IMAP, LMTP and SMTP
# servers: tests/integration/mailservers.py runs them as ordinary processes with their own
# configuration in a temp directory; the system-wide services are never started; prometheus
# for `promtool check metrics` on GET /metrics: only promtool is used, the service is neither
# needed nor started, node-exporter is left out by --no-install-recommends;
# @seriousme/openapi-schema-validator from npm validates GET /api/v1/openapi.json; kamailio
# as the SIP front of several nodes in test_sip_front.py and bench/front.py, run in the
# foreground from a temp directory, the system service never started; the PostgreSQL 15
# server for the store on PostgreSQL: tests/pg/start.sh runs initdb and pg_ctl in a temp
# directory, the system-wide service is never needed; python3-psycopg2, libpq for the tests'
# own reads and writes of a server's database on PostgreSQL, tests/integration/harness.py).
# Idempotent: installs only what is missing, so `make test` may call it every time.
set -eu
cd "$(dirname "$0")/.."
PKGS="wrk sip-tester baresip chromium unzip poppler-utils systemd nginx-light openssl
dovecot-core dovecot-imapd dovecot-submissiond dovecot-lmtpd postfix prometheus kamailio postgresql-15
python3-psycopg2"
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
	$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
	# Postfix asks how to configure the system's mail: not at all (the tests bring their own).
	echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q \
		--no-install-recommends $missing
	# The packages start the system's Dovecot, Postfix, Kamailio and PostgreSQL where there is
	# an init system; the tests need none of them, so the ones installed just now are stopped and left disabled.
	for svc in dovecot postfix kamailio postgresql; do
		case "$missing" in *" $svc"*|*" $svc-core"*|*" $svc-15"*)
			if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
				$SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
			fi ;;
		esac
	done
fi
# npm packages pinned by package-lock.json; npm ci only when node_modules is older than the
# lock (npm writes node_modules/.package-lock.json after each install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
	[ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] ||
	[ ! -d node_modules/oidc-provider ] || [ ! -d node_modules/@seriousme/openapi-schema-validator ]; then
	echo "install-test-peers: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
