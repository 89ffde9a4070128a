#!/bin/sh
# Lotsen's module layers: reads the `#include "..."` lines of src/*/*.c|h and src/main.c
# and fails, naming file:line, when a folder includes one it may not, when folders
# include each other in a cycle, or when a private header is included from another folder.
#
#   scripts/check-layers.sh [--root DIR]   check the tree at DIR (default: this checkout)
#   scripts/check-layers.sh --table        print the table of allowed arrows
set -eu

# The allowed arrows, written once: "folder: the folders it may include". A folder not
# listed here may not exist under src/; main is src/main.c. Add a module here first.
TABLE='
base:
text:
store: text base
cluster: acdhost acd store base
acd: base
wfm: store base
core: text store base
kb: text core store base
acdhost: acd store base
report: acd core store base
tel: acdhost acd core store base
intake: core store base
sso: core store base
mail: acdhost acd core store base
http: sso intake mail acdhost acd kb report tel wfm core text store base
main: cluster http sso intake mail tel report kb acdhost acd wfm core text store base
'

# Headers only their own folder may include (besides these, every *_int.h).
PRIVATE='kb_art.h'

# Known includes against the table, each a file and the header it includes. Each one is
# allowed here only until it is gone; the check prints them as warnings. None today.
EXCEPTIONS='
'

root=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
	case "$1" in
	--root)
		[ $# -ge 2 ] || { echo "check-layers: --root needs a directory" >&2; exit 2; }
		root=$2
		shift 2
		;;
	--table)
		printf '%s\n' "$TABLE" | sed '/^$/d'
		exit 0
		;;
	*)
		echo "usage: scripts/check-layers.sh [--root DIR] [--table]" >&2
		exit 2
		;;
	esac
done
[ -d "$root/src" ] || { echo "check-layers: no src/ under $root" >&2; exit 2; }
cd "$root"

files=$(ls src/*/*.c src/*/*.h src/main.c 2>/dev/null || true)
[ -n "$files" ] || { echo "check-layers: no sources under $root/src" >&2; exit 2; }

# shellcheck disable=SC2086
grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $files /dev/null |
	awk -v table="$TABLE" -v private="$PRIVATE" -v exceptions="$EXCEPTIONS" '
function folder_of(path, n, p) {
	if (path == "src/main.c")
		return "main"
	n = split(path, p, "/")
	return p[2]
}
# Depth-first search for a cycle among the arrows that exist.
function visit(f, i, t, k) {
	state[f] = 1
	stack[++depth] = f
	for (k = 1; k <= nto[f]; k++) {
		t = to[f, k]
		if (state[t] == 1) {
			line = t
			for (i = depth; i >= 1 && stack[i] != t; i--)
				line = stack[i] " -> " line
			line = t " -> " line
			print what line
			bad = 1
		} else if (state[t] == 0) {
			visit(t)
		}
	}
	depth--
	state[f] = 2
}
BEGIN {
	n = split(table, lines, "\n")
	for (i = 1; i <= n; i++) {
		if (lines[i] == "")
			continue
		m = split(lines[i], w, /[: ]+/)
		known[w[1]] = 1
		folders[++nf] = w[1]
		for (j = 2; j <= m; j++)
			if (w[j] != "")
				allowed[w[1], w[j]] = 1
	}
	n = split(private, w, /[ \n]+/)
	for (i = 1; i <= n; i++)
		if (w[i] != "")
			priv[w[i]] = 1
	n = split(exceptions, lines, "\n")
	for (i = 1; i <= n; i++) {
		if (split(lines[i], w, / +/) == 2)
			exc[w[1], w[2]] = 1
	}
	bad = 0
}
{
	# file:line:#include "path"
	file = $0
	sub(/:.*/, "", file)
	rest = substr($0, length(file) + 2)
	lineno = rest
	sub(/:.*/, "", lineno)
	inc = rest
	sub(/^[^"]*"/, "", inc)
	sub(/".*/, "", inc)
	from = folder_of(file)
	if (!(from in known) && !(from in reported)) {
		print file ": folder " from "/ is not in the table of scripts/check-layers.sh"
		reported[from] = 1
		bad = 1
	}
	if (index(inc, "/") == 0)
		next # a header beside the file, same folder
	n = split(inc, p, "/")
	target = p[1]
	base = p[n]
	if ((file, inc) in exc) {
		print "warning: " file ":" lineno ": " from " -> " target " (" inc ") is a known exception"
		next
	}
	if (target == from)
		next
	if (!(target in known)) {
		print file ":" lineno ": includes " inc " from folder " target "/, which is not in the table"
		bad = 1
		next
	}
	if (!((from, target) in allowed)) {
		print file ":" lineno ": " from " -> " target " is not allowed (" inc ")"
		bad = 1
	}
	if (base ~ /_int\.h$/ || (base in priv)) {
		print file ":" lineno ": " from " includes the private header " inc " of " target "/"
		bad = 1
	}
	if (!((from, target) in seen)) {
		seen[from, target] = 1
		to[from, ++nto[from]] = target
	}
}
END {
	what = "cycle between folders: "
	for (i = 1; i <= nf; i++)
		if (state[folders[i]] == 0)
			visit(folders[i])
	# The table itself must point one way too.
	split("", state)
	split("", nto)
	for (i = 1; i <= nf; i++)
		for (j = 1; j <= nf; j++)
			if ((folders[i], folders[j]) in allowed)
				to[folders[i], ++nto[folders[i]]] = folders[j]
	what = "cycle in the table of scripts/check-layers.sh: "
	for (i = 1; i <= nf; i++)
		if (state[folders[i]] == 0)
			visit(folders[i])
	if (bad)
		exit 1
}'
