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
# SQL is written only in store/, in the domain folders (core/, kb/, report/, intake/) and in
# the other modules' *_store*.c files: http/ parses, authorizes, calls the domain and
# answers; the queue engine, telephony, mail, planning and sign-on keep theirs in their
# store files. text/text_fts.c asks SQLite for its FTS5 interface ("SELECT fts5(?1)"), the
# one way SQLite offers; an IMAP SELECT in a message is not SQL.
sql=$(git ls-files 'src/*.c' 'src/*.h' |
	grep -vE '^src/(store|core|kb|report|intake)/|_store[a-z_]*\.c$|^src/text/text_fts\.c$' |
	xargs grep -nE '"[^"]*\b(SELECT|INSERT[[:space:]]+INTO|UPDATE[[:space:]]+[a-z_]+[[:space:]]+SET|DELETE[[:space:]]+FROM|REPLACE[[:space:]]+INTO|CREATE[[:space:]]+(TABLE|INDEX))\b' |
	grep -vE '"SELECT %' || true)
if [ -n "$sql" ]; then
	echo "SQL outside store/, the domain folders and the *_store.c files (move it behind a store function):"
	echo "$sql"
	exit 1
fi
