#!/bin/sh
# Stop a PostgreSQL started by tests/pg/start.sh and remove its directory (kept, with its
# server.log, when LOTSEN_PG_KEEP=1).
#   usage: tests/pg/stop.sh DIR
set -eu
dir=$1
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
as=""
[ "$(id -u)" -eq 0 ] && as="runuser -u nobody --"
[ -d "$dir/data" ] && $as "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
if [ "${LOTSEN_PG_KEEP:-0}" = 1 ]; then echo "stop.sh: kept $dir" >&2; else rm -rf "$dir"; fi
