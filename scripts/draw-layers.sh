#!/bin/sh
# Prints Lotsen's module graph from the includes: each folder under src/ (and main.c) on
# its layer, and the arrows that exist with how many #include lines make each one.
# A folder's layer is one above the highest folder it includes (base/ is 0); includes
# scripts/check-layers.sh lists as known exceptions are shown apart and do not count.
#
#   scripts/draw-layers.sh [--root DIR]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ $# -ge 2 ] && [ "$1" = "--root" ]; then
	root=$2
elif [ $# -gt 0 ]; then
	echo "usage: scripts/draw-layers.sh [--root DIR]" >&2
	exit 2
fi
table=$(sh "$here/check-layers.sh" --table)
cd "$root"

# shellcheck disable=SC2046
grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' \
	$(ls src/*/*.c src/*/*.h src/main.c) /dev/null |
	awk -v table="$table" '
function folder_of(path, p) {
	if (path == "src/main.c")
		return "main"
	split(path, p, "/")
	return p[2]
}
function layer_of(f, k, l, m) {
	if (f in layer)
		return layer[f]
	layer[f] = 0 # a cycle would stop here; check-layers.sh reports it
	m = 0
	for (k = 1; k <= nto[f]; k++) {
		l = layer_of(to[f, k]) + 1
		if (l > m)
			m = l
	}
	layer[f] = m
	return m
}
BEGIN {
	n = split(table, lines, "\n")
	for (i = 1; i <= n; i++) {
		m = split(lines[i], w, /[: ]+/)
		for (j = 2; j <= m; j++)
			if (w[j] != "")
				allowed[w[1], w[j]] = 1
	}
}
{
	file = $0
	sub(/:.*/, "", file)
	inc = $0
	sub(/^[^"]*"/, "", inc)
	sub(/".*/, "", inc)
	from = folder_of(file)
	split(inc, p, "/")
	target = p[1]
	if (!(from in isf)) {
		isf[from] = 1
		fs[++nf] = from
	}
	if (target == from)
		next
	if (!((from, target) in count)) {
		if ((from, target) in allowed)
			to[from, ++nto[from]] = target
		else
			odd[++nodd] = from SUBSEP target
	}
	count[from, target]++
}
END {
	top = 0
	for (i = 1; i <= nf; i++)
		if (layer_of(fs[i]) > top)
			top = layer_of(fs[i])
	for (l = top; l >= 0; l--) {
		line = ""
		for (i = 1; i <= nf; i++)
			if (layer[fs[i]] == l)
				line = line (line == "" ? "" : " ") fs[i]
		names[l] = line
	}
	# Folders of a layer in alphabetical order (a few names: insertion sort).
	for (l = top; l >= 0; l--) {
		k = split(names[l], w, " ")
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && w[j - 1] > w[j]; j--) {
				t = w[j]; w[j] = w[j - 1]; w[j - 1] = t
			}
		line = ""
		for (i = 1; i <= k; i++)
			line = line (i > 1 ? ", " : "") w[i]
		printf "layer %d  %s\n", l, line
		sorted[l] = k
		for (i = 1; i <= k; i++)
			at[l, i] = w[i]
	}
	print ""
	print "arrows (folder -> folders it includes, #include lines):"
	for (l = top; l >= 0; l--)
		for (i = 1; i <= sorted[l]; i++) {
			f = at[l, i]
			line = ""
			# Targets from the highest layer down, then by name.
			for (tl = top; tl >= 0; tl--)
				for (j = 1; j <= sorted[tl]; j++) {
					t = at[tl, j]
					if (((f, t) in count) && ((f, t) in allowed))
						line = line (line == "" ? "" : ", ") t " " count[f, t]
				}
			printf "  %-8s -> %s\n", f, (line == "" ? "(nothing)" : line)
		}
	if (nodd > 0) {
		print ""
		print "against the table (known exceptions in scripts/check-layers.sh):"
		for (i = 1; i <= nodd; i++) {
			split(odd[i], w, SUBSEP)
			printf "  %-8s -> %s %d\n", w[1], w[2], count[w[1], w[2]]
		}
	}
}'
