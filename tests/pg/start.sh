#!/bin/sh
# Start a throwaway PostgreSQL for Lotsen's tests: `initdb` in a temp directory, the
# server listening only on a Unix socket in that directory (no TCP port, no system
# service), one database `lotsen`. Prints the connection URL on stdout; stop it with
# tests/pg/stop.sh DIR (DIR is the URL's host). initdb refuses to run as root: as root the
# cluster is owned by and run as `nobody`, in a directory only it can write.
#   usage: tests/pg/start.sh [DIR]      (DIR: default a new mktemp -d)
set -eu
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || { echo "start.sh: no PostgreSQL server (apt-get install postgresql-15)" >&2; exit 1; }
dir=${1:-$(mktemp -d /tmp/lotsen-pg.XXXXXX)}
mkdir -p "$dir"
as=""
if [ "$(id -u)" -eq 0 ]; then
	chown nobody:nogroup "$dir"
	chmod 0755 "$dir" # the tests (root) reach the socket; only nobody writes
	as="runuser -u nobody --"
fi
$as "$PGBIN/initdb" -D "$dir/data" -U lotsen -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }
# Durability as in production (fsync, synchronous_commit on): the tests see the real
# commit path. Small buffers: several helpers share the machine. Lock waits and statements
# slower than a second go to server.log (LOTSEN_PG_KEEP=1 keeps it: tests/pg/stop.sh).
$as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	-o "-c listen_addresses='' -c unix_socket_directories='$dir' -c shared_buffers=16MB -c max_connections=100 -c synchronous_commit=on -c fsync=on -c log_lock_waits=on -c deadlock_timeout=500ms -c log_min_duration_statement=1000" \
	start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
"$PGBIN/createdb" -h "$dir" -U lotsen lotsen
echo "postgresql://lotsen@/lotsen?host=$dir"
