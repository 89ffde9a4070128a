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
