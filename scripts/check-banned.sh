#!/bin/sh
# Lotsen's banned C functions (STYLE.md rule 9): fails and names each use.
set -eu
cd "$(dirname "$0")/.."
hits=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c' 'fuzz/*.c' 'fuzz/*.h' |
	xargs grep -nE '(^|[^_a-zA-Z0-9.>])(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|gets|atoi|atol|localtime|gmtime)[[:space:]]*\(' || true)
if [ -n "$hits" ]; then
	echo "banned functions (use snprintf, memcpy with lengths, strto* with checks, *_r forms):"
	echo "$hits"
	exit 1
fi
# http/ parses, authorizes, calls the domain and answers: its SQL lives in the domain's
# modules (core/, intake/, the *_store.c files), never here.
sql=$(git ls-files 'src/http/*.c' 'src/http/*.h' |
	xargs grep -nE '"[^"]*\b(SELECT|INSERT[[:space:]]+INTO|UPDATE[[:space:]]+[a-z_]+[[:space:]]+SET|DELETE[[:space:]]+FROM|REPLACE[[:space:]]+INTO|CREATE[[:space:]]+(TABLE|INDEX))\b' || true)
if [ -n "$sql" ]; then
	echo "SQL in src/http/ (move it behind a domain function):"
	echo "$sql"
	exit 1
fi
