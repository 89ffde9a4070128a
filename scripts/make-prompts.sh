#!/bin/sh
# Speak the prompt texts (prompts/sv/NAME.txt) into 8 kHz mono 16-bit WAVs (OUT/NAME.wav)
# with espeak-ng and sox; run by the build. Recorded WAVs of the same names may replace them.
# Usage: make-prompts.sh SRC_DIR OUT_DIR
set -eu
src=$1
out=$2
mkdir -p "$out"
tmp=$(mktemp "${TMPDIR:-/tmp}/lotsen-prompt.XXXXXX")
trap 'rm -f "$tmp"' EXIT
for txt in "$src"/*.txt; do
	name=$(basename "$txt" .txt)
	espeak-ng -v sv -s 150 -w "$tmp" -f "$txt"
	sox -q "$tmp" -r 8000 -c 1 -b 16 -e signed-integer "$out/$name.wav"
done
touch "$out/.stamp"
