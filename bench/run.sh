#!/bin/sh
# Lotsen's benchmarks. Prints each figure with the command that produced it; copy the lines
# into docs/benchmarks.md. Usage: bench/run.sh BUILD_DIR [api|kb|acd|web|all]
set -eu
BUILD=${1:-build}
WHAT=${2:-all}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/lotsen"
TMP=$(mktemp -d /tmp/lotsen-bench.XXXXXX)
trap 'kill $(cat "$TMP/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$TMP"' EXIT

say() { printf '%s\n' "$*"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {
	i=0
	until curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -gt 600 ] && { echo "server did not start" >&2; exit 1; }
		sleep 0.01
	done
}

# The server's own CPU time (user, system) and bytes written per request over one run:
# figures that, unlike latency, hold when the machine is shared.
server_use_before() {
	USE0=$(cut -d' ' -f14,15 "/proc/$(cat "$TMP/pid")/stat")
	WCHAR0=$(awk '/^wchar/ {print $2}' "/proc/$(cat "$TMP/pid")/io")
}
server_use_after() {
	use=$(cut -d' ' -f14,15 "/proc/$(cat "$TMP/pid")/stat")
	wchar=$(awk '/^wchar/ {print $2}' "/proc/$(cat "$TMP/pid")/io")
	say "$(echo "$USE0 $use $WCHAR0 $wchar" | awk -v n="$1" -v hz="$(getconf CLK_TCK)" \
		'{printf "server_per_request user_ms=%.3f sys_ms=%.3f written_kb=%.1f", ($3 - $1) * 1000 / hz / n, ($4 - $2) * 1000 / hz / n, ($6 - $5) / 1024 / n}')"
}

bench_api() {
	say "## case API (durability=full, WAL, synchronous=FULL)"
	say "\$ $BUILD/bench/bench_sqlite_insert $TMP/raw.db full 3000"
	"$ROOT/$BUILD/bench/bench_sqlite_insert" "$TMP/raw.db" full 3000

	PORT=$(free_port)
	"$BIN" demo --db "$TMP/api.db" >/dev/null
	# start-up time on an existing database: exec to first /healthz answer
	t0=$(date +%s%N)
	"$BIN" serve --db "$TMP/api.db" --http "127.0.0.1:$PORT" --log-level warn 2>"$TMP/server.log" &
	echo $! >"$TMP/pid"
	wait_http "$PORT"
	t1=$(date +%s%N)
	say "startup_ms=$(( (t1 - t0) / 1000000 )) (exec to first /healthz 200, existing demo database)"
	sleep 1
	say "idle_rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$(cat "$TMP/pid")/status) (after start, demo loaded, no requests)"

	TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/login" \
		-d '{"username":"anna","password":"lotsen-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	# Every request carries its own citizen ("#######" becomes the request's number), as
	# real traffic does; the last run repeats one citizen whose history keeps growing.
	cat >"$TMP/case.json" <<'JSON'
{"group_id":2,"client_id":1,"category_id":3,"channel":"phone","outcome":"resolved","summary":"Frågade om avgift för hemtjänst och maxtaxa.","citizen":{"phone":"070-#######"}}
JSON
	sed 's/#######/1234567/' "$TMP/case.json" >"$TMP/case-same.json"
	cat >"$TMP/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
local f = io.open("$TMP/case.json"); local body = f:read("*a"); f:close()
local threads = 0
function setup(thread) thread:set("base", 5000000 + threads * 1000000); threads = threads + 1 end
function init(args) n = base end
function request()
	n = n + 1
	return wrk.format(nil, nil, nil, (string.gsub(body, "#######", string.format("%07d", n))))
end
LUA
	say "\$ wrk -t2 -c16 -d10s --latency -s post.lua http://127.0.0.1:PORT/api/v1/cases"
	wrk -t2 -c16 -d10s --latency -s "$TMP/post.lua" "http://127.0.0.1:$PORT/api/v1/cases" |
		grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || true
	for rate in 500 1000 2000; do
		say "\$ $BUILD/bench/loadgen --rate $rate --duration 10 --connections 32 --body case.json (open loop)"
		server_use_before
		"$ROOT/$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --body "$TMP/case.json" \
			--rate "$rate" --duration 10 --connections 32 || true
		server_use_after $((rate * 10))
	done
	say "\$ $BUILD/bench/loadgen --rate 1000 --duration 10 --connections 32 --body case-same.json (one citizen, 20 earlier cases in every answer)"
	"$ROOT/$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --body "$TMP/case-same.json" \
		--rate 1000 --duration 10 --connections 32 || true
	say "rss_after_load_kb=$(awk '/VmRSS/ {print $2}' /proc/$(cat "$TMP/pid")/status)"
	kill "$(cat "$TMP/pid")"; wait "$(cat "$TMP/pid")" 2>/dev/null || true
	rm -f "$TMP/pid"
}

bench_acd() {
	say "## ACD engine: routing decisions (1 000 agents, 100 groups) and memory per waiting call"
	say "\$ $BUILD/bench/bench_acd_route"
	"$ROOT/$BUILD/bench/bench_acd_route"
	say "## ACD simulator: a year of Stockholm-sized traffic through the real engine"
	say "\$ $BUILD/bench/bench_acd_sim"
	"$ROOT/$BUILD/bench/bench_acd_sim"
}

bench_kb() {
	say "## knowledge-base search (84 demo articles, 87 queries as citizens phrase them)"
	say "\$ (cd $ROOT && $BUILD/bench/bench_kb demo/kb bench/kb_queries.tsv)"
	(cd "$ROOT" && "$ROOT/$BUILD/bench/bench_kb" demo/kb bench/kb_queries.tsv)
	say "## knowledge-base search at scale (100 000 generated articles + the 84 demo ones, file database)"
	say "\$ (cd $ROOT && $BUILD/bench/bench_kb_scale $TMP/kb-scale.db 100000 demo/kb bench/kb_queries.tsv 20)"
	(cd "$ROOT" && "$ROOT/$BUILD/bench/bench_kb_scale" "$TMP/kb-scale.db" 100000 demo/kb \
		bench/kb_queries.tsv 20)
}

bench_web() {
	say "## web pages: weight of what each page loads, and times measured by headless Chromium"
	for page in agent wallboard; do
		files="$ROOT/web/$page.html $ROOT/web/css/lotsen.css $ROOT/web/js/$page.js $ROOT/web/js/api.js"
		bytes=$(cat $files | wc -c)
		gz=$(cat $files | gzip -9 | wc -c)
		say "web_${page}_bytes=$bytes gzip9=$gz (cat web/$page.html web/css/lotsen.css web/js/$page.js web/js/api.js | wc -c)"
	done
	say "\$ (cd tests/integration && LOTSEN_BIN=../../$BUILD/lotsen python3 -m unittest test_web 2>&1 | grep web_figures)"
	(cd "$ROOT/tests/integration" && LOTSEN_BIN="$ROOT/$BUILD/lotsen" python3 -m unittest test_web 2>&1 | grep web_figures) || true
}

case "$WHAT" in
api) bench_api ;;
acd) bench_acd ;;
kb) bench_kb ;;
web) bench_web ;;
*) bench_api; bench_kb; bench_acd; bench_web ;;
esac
