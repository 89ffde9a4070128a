#!/bin/sh
# Lotsen's benchmarks. Prints each figure with the command that produced it; copy the lines
# into docs/benchmarks.md. Usage: bench/run.sh BUILD_DIR [api|kb|acd|web|report|sip|sip-peer|forecast|dos|reads|search|budget|mail|mailnet|directory|wfm-board|front|cluster|pg|fuzz|all]
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
# The case every case benchmark posts ("#######" becomes the request's number, so each
# request has a citizen of its own, as real traffic does) in $TMP/case.json, and the wrk
# script that posts it with TOKEN: case_post_script TOKEN LUA_FILE
case_post_script() {
	cat >"$TMP/case.json" <<'JSON'
{"group_id":2,"client_id":1,"category_id":3,"channel":"phone","outcome":"resolved","summary":"Frågade om avgift för hemtjänst och maxtaxa.","citizen":{"phone":"070-#######"}}
JSON
	cat >"$2" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $1"
local f = io.open("$TMP/case.json"); local body = f:read("*a"); f:close()
local threads = 0
function setup(thread) thread:set("base", 5000000 + threads * 1000000); threads = threads + 1 end
function init(args) n = base end
function request()
	n = n + 1
	return wrk.format(nil, nil, nil, (string.gsub(body, "#######", string.format("%07d", n))))
end
LUA
}

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
	say "## case API (durability=full: WAL, every commit fsynced before it is acknowledged)"
	# The machine's own stalls, before any load: a thread that only sleeps 1 ms at a time,
	# alone and beside two busy threads of the lowest priority.
	say "\$ $BUILD/bench/loadgen --rate 0 --duration 10 (host probe, idle machine)"
	"$ROOT/$BUILD/bench/loadgen" --rate 0 --duration 10
	say "\$ $BUILD/bench/loadgen --rate 0 --duration 10 --spin 2 (host probe, both cores busy at nice 19)"
	"$ROOT/$BUILD/bench/loadgen" --rate 0 --duration 10 --spin 2
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
	case_post_script "$TOKEN" "$TMP/post.lua"
	sed 's/#######/1234567/' "$TMP/case.json" >"$TMP/case-same.json"
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
	# The tail at 2 000/s moves with whatever else the host runs on the two cores: five
	# more runs of the same command give its spread, not one lucky or unlucky figure.
	# Each run's host_probe line counts how often a thread that only sleeps woke more than
	# 2 or 5 ms late meanwhile: stalls of the machine, not of the server.
	say "\$ $BUILD/bench/loadgen --rate 2000 --duration 10 --connections 32 --body case.json (five more runs)"
	for run in 1 2 3 4 5; do
		"$ROOT/$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --body "$TMP/case.json" \
			--rate 2000 --duration 10 --connections 32 || true
	done
	say "\$ $BUILD/bench/loadgen --rate 1000 --duration 10 --connections 32 --body case-same.json (one citizen, 20 earlier cases in every answer)"
	"$ROOT/$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --body "$TMP/case-same.json" \
		--rate 1000 --duration 10 --connections 32 || true
	say "rss_after_load_kb=$(awk '/VmRSS/ {print $2}' /proc/$(cat "$TMP/pid")/status)"
	kill "$(cat "$TMP/pid")"; wait "$(cat "$TMP/pid")" 2>/dev/null || true
	rm -f "$TMP/pid"

	# The same load without waiting for the disk (durability=normal: WAL written, never
	# fsynced): what is left of the tail is the CPU and the host, not the disk.
	"$BIN" serve --db "$TMP/api.db" --http "127.0.0.1:$PORT" --log-level warn \
		--durability normal 2>>"$TMP/server.log" &
	echo $! >"$TMP/pid"
	wait_http "$PORT"
	sleep 1
	say "\$ $BUILD/lotsen serve --durability normal …; $BUILD/bench/loadgen --rate 2000 --duration 10 --connections 32 --body case.json (three runs)"
	for run in 1 2 3; do
		"$ROOT/$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --body "$TMP/case.json" \
			--rate 2000 --duration 10 --connections 32 || true
	done
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
	say "## knowledge-base search (84 demo articles; 87 queries as citizens phrase them, then 72 colloquial ones)"
	say "\$ (cd $ROOT && $BUILD/bench/bench_kb demo/kb bench/kb_queries.tsv bench/kb_queries_colloquial.tsv)"
	(cd "$ROOT" && "$ROOT/$BUILD/bench/bench_kb" demo/kb bench/kb_queries.tsv \
		bench/kb_queries_colloquial.tsv)
	say "## knowledge-base search at scale (100 000 generated articles + the 84 demo ones, file database)"
	say "\$ (cd $ROOT && $BUILD/bench/bench_kb_scale $TMP/kb-scale.db 100000 demo/kb bench/kb_queries.tsv 20)"
	(cd "$ROOT" && "$ROOT/$BUILD/bench/bench_kb_scale" "$TMP/kb-scale.db" 100000 demo/kb \
		bench/kb_queries.tsv 20)
	say "\$ (cd $ROOT && $BUILD/bench/bench_kb_scale --reuse $TMP/kb-scale.db 100000 demo/kb bench/kb_queries_colloquial.tsv 20)"
	(cd "$ROOT" && "$ROOT/$BUILD/bench/bench_kb_scale" --reuse "$TMP/kb-scale.db" 100000 demo/kb \
		bench/kb_queries_colloquial.tsv 20)
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

# Reports at scale over `lotsen demo --years N --contacts-per-year M`: by default 1 year of
# 1 000 000 cases so that it ends in minutes; REPORT_YEARS=10 REPORT_PER_YEAR=5000000 and
# REPORT_DB=/work/tmp-bench/big.db (a big disk: about 10 GB) for the full-size run.
bench_report() {
	YEARS=${REPORT_YEARS:-1}
	PER_YEAR=${REPORT_PER_YEAR:-1000000}
	DB=${REPORT_DB:-$TMP/report.db}
	if [ -e "$DB" ]; then
		# a database generated before: generating again would add another N years
		say "## reports at scale over the existing $DB (not generated again)"
		"$BIN" migrate --db "$DB" >/dev/null 2>&1
	else
		say "## reports at scale: $YEARS years × $PER_YEAR cases a year"
		say "\$ $BUILD/lotsen demo --years $YEARS --contacts-per-year $PER_YEAR --db $DB"
		t0=$(date +%s)
		"$BIN" demo --years "$YEARS" --contacts-per-year "$PER_YEAR" --db "$DB" 2>/dev/null | tail -1
		t1=$(date +%s)
		say "generation_s=$((t1 - t0))"
	fi
	say "db_bytes=$(du -b "$DB" | cut -f1)"
	say "\$ $BUILD/bench/bench_report $DB 7"
	"$ROOT/$BUILD/bench/bench_report" "$DB" 7 2>/dev/null
	[ -n "${REPORT_DB:-}" ] || rm -f "$DB" "$DB-wal" "$DB-shm"
}

# ---- SIP: calls waiting with hold music, and calls set up and torn down per second -------

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# ns the loop thread waited on the run queue (runnable, no core free): the share of the
# machine other work took from the server.
runq_ns() { awk '{print $2}' "/proc/$1/schedstat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
sip_calls() { curl -fs "http://127.0.0.1:$1/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sip_calls"])'; }

# sipp's statistics file: successful and failed calls at the end of its run.
sipp_result() {
	python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
h, last = rows[0], rows[-1]
secs = lambda t: sum(int(x) * m for x, m in zip(t.split(".")[0].split(":"), (3600, 60, 1)))
# When the last call was set up: the rate calls came in at, without the last calls' hold.
total = int(last[h.index("OutgoingCall(C)")])
setup = next(r for r in rows[1:] if int(r[h.index("OutgoingCall(C)")]) >= total)
print(f"calls_placed={total} all_placed_after_s={secs(setup[h.index('ElapsedTime(C)')])} ", end="")
print(f"successful={last[h.index('SuccessfulCall(C)')]} failed={last[h.index('FailedCall(C)')]} "
      f"retransmissions={last[h.index('Retransmissions(C)')]} "
      f"sipp_elapsed={last[h.index('ElapsedTime(C)')]} sipp_call_rate={float(last[h.index('CallRate(C)')]):.1f}/s")
PY
}

# Per call, from the server's tel.call_end lines: RTP packets sent to the caller per second
# of the call (the hold tone runs at 50), averaged over the calls.
tx_per_s() {
	python3 - "$1" "$2" <<'PY'
import re, sys
tx = [int(m) for m in re.findall(r"event=tel.call_end call=\d+ codec=\S+ caller_rx=\d+ caller_tx=(\d+)", open(sys.argv[1], errors="replace").read())]
hold = float(sys.argv[2])
print(f"calls_ended={len(tx)} caller_tx_per_call_avg={sum(tx) / max(1, len(tx)):.0f} rtp_per_s_per_call={sum(tx) / max(1, len(tx)) / hold:.1f} min_rtp_per_s={min(tx or [0]) / hold:.1f}")
PY
}

bench_sip() {
	say "## SIP: concurrent calls on hold, and calls per second (sipp, UDP, loopback)"
	command -v sipp >/dev/null || { say "sipp is missing: scripts/install-test-peers.sh"; return 0; }
	# Every RTP leg is two descriptors in Lotsen; sipp needs a few too.
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	say "fd_limit=$(ulimit -n) cores=$(nproc) load_at_start=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	HP=$(free_port)
	SP=$(free_port)
	SCEN="$ROOT/bench/sip/caller_hold.xml"
	"$BIN" demo --db "$TMP/sip.db" >/dev/null 2>&1
	"$BIN" serve --db "$TMP/sip.db" --http "127.0.0.1:$HP" --sip "127.0.0.1:$SP" --rtp-timeout 3600 \
		--log-level info 2>"$TMP/sip.log" &
	echo $! >"$TMP/pid"
	PID=$(cat "$TMP/pid")
	wait_http "$HP"
	until grep -q "event=tel.ready" "$TMP/sip.log"; do sleep 0.05; done
	TOKEN=$(curl -fs -X POST "http://127.0.0.1:$HP/api/v1/login" \
		-d '{"username":"admin","password":"lotsen-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	# Group 2 (0850836000) open around the clock, no agent logged in, no callback offer and
	# no overflow while the bench runs: every caller waits hearing the tone.
	curl -fs -X PATCH "http://127.0.0.1:$HP/api/v1/groups/2" -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: application/json" -d '{"opening_hours":{"weekly":{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]},"holidays":"ignore"},"callback_threshold_s":null,"max_wait_s":null}' >/dev/null
	sleep 1
	IDLE=$(rss_kb "$PID")
	say "idle_rss_kb=$IDLE"

	PARTS=${SIP_PARTS:-hold rate}
	case " $PARTS " in *" hold "*) bench_sip_hold ;; esac
	case " $PARTS " in *" rate "*) bench_sip_rate ;; esac
	say "calls_held_after=$(sip_calls "$HP") rss_after_kb=$(rss_kb "$PID") log_lines=$(wc -l <"$TMP/sip.log")"
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	rm -f "$TMP/pid"
}

# (a) N callers waiting at once, the hold tone flowing to each.
bench_sip_hold() {
	N=${SIP_CALLS:-1000}
	HOLD=${SIP_HOLD_S:-40}
	RAMP=${SIP_RAMP:-100}
	say "\$ sipp -sf bench/sip/caller_hold.xml -s 0850836000 -r $RAMP -l $N -m $N -d $((HOLD * 1000)) -mp MEDIA_PORT 127.0.0.1:SIP_PORT"
	(
		cd "$TMP"
		rc=0
		sipp -sf "$SCEN" -s 0850836000 -i 127.0.0.1 -p "$(free_port)" -mp 40000 -r "$RAMP" \
			-l "$N" -m "$N" -d $((HOLD * 1000)) -nostdin -trace_stat -stf hold.csv -fd 1 \
			-trace_err -error_file hold_err.log -trace_screen -screen_file hold_screen.log \
			"127.0.0.1:$SP" >/dev/null 2>&1 || rc=$?
		echo $rc >hold.rc
	) &
	# Ramp up, then measure while they wait (all N, unless some failed to set up).
	END=$(($(date +%s) + N / RAMP + 5))
	while [ "$(sip_calls "$HP")" -lt "$N" ] && [ "$(date +%s)" -lt "$END" ]; do
		sleep 0.2
	done
	sleep 2
	HELD=$(sip_calls "$HP")
	C0=$(cpu_ticks "$PID")
	Q0=$(runq_ns "$PID")
	T0=$(date +%s%N)
	W=${SIP_WINDOW_S:-15}
	sleep "$W"
	C1=$(cpu_ticks "$PID")
	Q1=$(runq_ns "$PID")
	T1=$(date +%s%N)
	RSS=$(rss_kb "$PID")
	FDS=$(ls "/proc/$PID/fd" | wc -l)
	python3 - "$HELD" "$C0" "$C1" "$T0" "$T1" "$IDLE" "$RSS" "$(getconf CLK_TCK)" "$FDS" "$Q0" "$Q1" <<'PY'
import sys
held, c0, c1, t0, t1, idle, rss, hz, fds, q0, q1 = map(int, sys.argv[1:])
secs = (t1 - t0) / 1e9
cpu = (c1 - c0) / hz / secs
print(f"calls_held={held} window_s={secs:.1f} server_cpu={cpu * 100:.1f}% "
      f"cpu_per_call={cpu * 1000 / max(1, held):.3f}ms_per_s rss_kb={rss} "
      f"rss_per_call_kb={(rss - idle) / max(1, held):.1f} server_fds={fds} "
      f"runq_wait={(q1 - q0) / 1e9 / secs * 100:.1f}% load=\"{open('/proc/loadavg').read().split()[0]}\"")
PY
	wait_file "$TMP/hold.rc" $((HOLD + N / RAMP + 60))
	say "sipp_exit=$(cat "$TMP/hold.rc") $(sipp_result "$TMP/hold.csv")"
	# sipp's own table: messages, retransmissions and timeouts per step of the scenario
	grep -E "^ +(INVITE|100|180|200|ACK|Pause|BYE|\[)" "$TMP/hold_screen.log" | head -12 || true
	tx_per_s "$TMP/sip.log" "$HOLD"
	i=0
	until [ "$(sip_calls "$HP")" -eq 0 ] || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
	say "calls_held_after=$(sip_calls "$HP") rss_after_kb=$(rss_kb "$PID")"
}

# (b) Calls set up, held SIP_RATE_HOLD_MS (default 1 s) and torn down at a steady rate.
bench_sip_rate() {
	RATE=${SIP_RATE:-100}
	DUR=${SIP_RATE_S:-60}
	RHOLD=${SIP_RATE_HOLD_MS:-1000}
	M=$((RATE * DUR))
	# SIP_TRANSPORT: sipp's -t (u1: UDP, the default; t1: one TCP connection)
	ST=${SIP_TRANSPORT:-u1}
	say "\$ sipp -sf bench/sip/caller_hold.xml -s 0850836000 -t $ST -r $RATE -m $M -d $RHOLD -mp MEDIA_PORT 127.0.0.1:SIP_PORT"
	C0=$(cpu_ticks "$PID")
	Q0=$(runq_ns "$PID")
	T0=$(date +%s%N)
	(
		cd "$TMP"
		rc=0
		sipp -sf "$SCEN" -s 0850836000 -t "$ST" -i 127.0.0.1 -p "$(free_port)" -mp 40100 -r "$RATE" \
			-m "$M" -d "$RHOLD" -nostdin -trace_stat -stf rate.csv -fd 1 -trace_err \
			-error_file rate_err.log "127.0.0.1:$SP" >/dev/null 2>&1 || rc=$?
		echo $rc >rate.rc
	)
	C1=$(cpu_ticks "$PID")
	Q1=$(runq_ns "$PID")
	T1=$(date +%s%N)
	say "sipp_exit=$(cat "$TMP/rate.rc") $(sipp_result "$TMP/rate.csv")"
	python3 - "$M" "$C0" "$C1" "$T0" "$T1" "$(getconf CLK_TCK)" "$Q0" "$Q1" <<'PY'
import sys
m, c0, c1, t0, t1, hz, q0, q1 = map(int, sys.argv[1:])
secs = (t1 - t0) / 1e9
cpu = (c1 - c0) / hz
print(f"calls={m} run_s={secs:.1f} achieved_calls_per_s={m / secs:.1f} server_cpu={cpu / secs * 100:.1f}% "
      f"cpu_per_call={cpu * 1000 / m:.2f}ms runq_wait={(q1 - q0) / 1e9 / secs * 100:.1f}% "
      f"load=\"{open('/proc/loadavg').read().split()[0]}\"")
PY
}

# (c) The same rate from sipp to sipp (uac -> uas) on this machine: what the machine and
# sipp itself manage, for comparison with (b). No Lotsen involved.
bench_sip_peer() {
	say "## SIP: sipp -> sipp (uac -> uas, UDP, loopback) for comparison"
	command -v sipp >/dev/null || { say "sipp is missing: scripts/install-test-peers.sh"; return 0; }
	RATE=${SIP_RATE:-100}
	DUR=${SIP_RATE_S:-60}
	RHOLD=${SIP_RATE_HOLD_MS:-1000}
	M=$((RATE * DUR))
	UP=$(free_port)
	ST=${SIP_TRANSPORT:-u1}
	say "\$ sipp -sn uas -t $ST -p UAS_PORT & sipp -sn uac -t $ST -r $RATE -m $M -d $RHOLD 127.0.0.1:UAS_PORT"
	(cd "$TMP" && exec sipp -sn uas -t "$ST" -i 127.0.0.1 -p "$UP" -nostdin >/dev/null 2>&1) &
	UASPID=$!
	sleep 0.5
	(
		cd "$TMP"
		rc=0
		sipp -sn uac -t "$ST" -i 127.0.0.1 -p "$(free_port)" -r "$RATE" -m "$M" -d "$RHOLD" -nostdin \
			-trace_stat -stf peer.csv -fd 1 "127.0.0.1:$UP" >/dev/null 2>&1 || rc=$?
		echo $rc >peer.rc
	)
	say "sipp_exit=$(cat "$TMP/peer.rc") $(sipp_result "$TMP/peer.csv")"
	kill "$UASPID" 2>/dev/null || true
	wait "$UASPID" 2>/dev/null || true
}

bench_forecast() {
	say "## forecast and staffing"
	"$ROOT/bench/forecast_accuracy.sh" "$BUILD"
	say "\$ $BUILD/bench/bench_wfm 20 8"
	"$ROOT/$BUILD/bench/bench_wfm" 20 8
}

# /healthz and SIP OPTIONS latency while logins are flooded and slow connections pile up.
# The login limits are off, so every login of the flood costs a password hash.
bench_dos() {
	say "## Abuse: /healthz and SIP OPTIONS during a login flood and slowloris"
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	say "fd_limit=$(ulimit -n) cores=$(nproc) load_at_start=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	HP=$(free_port)
	SP=$(free_port)
	"$BIN" demo --db "$TMP/dos.db" >/dev/null 2>&1
	"$BIN" serve --db "$TMP/dos.db" --http "127.0.0.1:$HP" --sip "127.0.0.1:$SP" \
		--login-limit off --login-address-limit off --log-level warn 2>"$TMP/dos.log" &
	echo $! >"$TMP/pid"
	wait_http "$HP"
	sleep 1
	say "\$ bench/dos.py --http HTTP_PORT --sip SIP_PORT ${DOS_ARGS:-} (server: --login-limit off --login-address-limit off)"
	# shellcheck disable=SC2086
	python3 "$ROOT/bench/dos.py" --http "$HP" --sip "$SP" ${DOS_ARGS:-}
	kill "$(cat "$TMP/pid")"
	wait "$(cat "$TMP/pid")" 2>/dev/null || true
	rm -f "$TMP/pid"
}

# Long reads beside calls: 8 clients search the case log back to back (text, no hit, phone,
# a deep offset) while /healthz and SIP OPTIONS are probed and calls wait in a queue; the
# loop's longest callback comes from /healthz. The demo database (READS_YEARS years of
# READS_CONTACTS contacts) is made once and kept in bench/.cache (LOTSEN_BENCH_CACHE);
# each run gets a copy. READS_BEFORE=/path/to/an/older/lotsen runs the same against it first.
bench_reads() {
	say "## Reads beside calls: searches, /healthz, SIP OPTIONS and queued calls"
	command -v sipp >/dev/null || { say "sipp is missing: scripts/install-test-peers.sh"; return 0; }
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	RY=${READS_YEARS:-1}
	RC=${READS_CONTACTS:-1000000}
	CACHE=${LOTSEN_BENCH_CACHE:-$ROOT/bench/.cache}
	mkdir -p "$CACHE"
	RDB="$CACHE/reads-${RY}y-${RC}.db"
	if [ ! -s "$RDB" ]; then
		t0=$(date +%s)
		"$BIN" demo --db "$RDB.tmp" --years "$RY" --contacts-per-year "$RC" >/dev/null 2>&1
		mv "$RDB.tmp" "$RDB"
		say "\$ $BUILD/lotsen demo --years $RY --contacts-per-year $RC: $(($(date +%s) - t0)) s"
	fi
	say "db=$RDB cases=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM cases").fetchone()[0])' "$RDB") size_mb=$(($(stat -c %s "$RDB") / 1048576)) cores=$(nproc) load_at_start=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	if [ -n "${READS_BEFORE:-}" ]; then
		reads_run "$READS_BEFORE" before
	fi
	reads_run "$BIN" after
}

reads_run() {
	HP=$(free_port)
	SP=$(free_port)
	cp "$RDB" "$TMP/reads.db"
	rm -f "$TMP/reads.db-wal" "$TMP/reads.db-shm"
	"$1" serve --db "$TMP/reads.db" --http "127.0.0.1:$HP" --sip "127.0.0.1:$SP" \
		--rtp-timeout 3600 --log-level info 2>"$TMP/reads-$2.log" &
	echo $! >"$TMP/pid"
	wait_http "$HP"
	until grep -q "event=tel.ready" "$TMP/reads-$2.log"; do sleep 0.05; done
	TOKEN=$(curl -fs -X POST "http://127.0.0.1:$HP/api/v1/login" \
		-d '{"username":"admin","password":"lotsen-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	curl -fs -X PATCH "http://127.0.0.1:$HP/api/v1/groups/2" -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: application/json" -d '{"opening_hours":{"weekly":{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]},"holidays":"ignore"},"callback_threshold_s":null,"max_wait_s":null}' >/dev/null
	# Start-up work (the monthly reports' delivery) out of the way of the figures: the
	# loop figures of /healthz cover the current and the last 10 s window.
	sleep 21
	PS=${READS_PHASE_S:-30}
	say "### $2: $1"
	say "\$ bench/reads.py --http HTTP_PORT --sip SIP_PORT --token T --clients 0 --phase-s $PS"
	python3 "$ROOT/bench/reads.py" --http "$HP" --sip "$SP" --token "$TOKEN" --clients 0 --phase-s "$PS"
	# The searching clients at nice 0 (they share the server's cores as equals) and at
	# nice 10 (standing in for clients on other machines, as agents' browsers are).
	for LN in ${READS_LOAD_NICE:-0 10}; do
		say "\$ sipp -sf bench/sip/caller_hold.xml -s 0850836000 -r 2 -m $((PS * 2 - 6)) -d 5000 127.0.0.1:SIP_PORT & bench/reads.py … --clients 8 --load-nice $LN --phase-s $PS"
		(
			cd "$TMP"
			rc=0
			sipp -sf "$ROOT/bench/sip/caller_hold.xml" -s 0850836000 -i 127.0.0.1 -p "$(free_port)" \
				-mp 40200 -r 2 -m $((PS * 2 - 6)) -d 5000 -nostdin -trace_stat -stf "reads-$2-$LN.csv" \
				-fd 1 -trace_err -error_file "reads-$2-$LN-err.log" "127.0.0.1:$SP" >/dev/null 2>&1 || rc=$?
			echo $rc >"reads-$2-$LN.rc"
		) &
		LP=$(cat "$TMP/pid")
		Q0=$(awk '{print $1, $2}' "/proc/$LP/task/$LP/schedstat")
		T0=$(date +%s%N)
		OUT=$(python3 "$ROOT/bench/reads.py" --http "$HP" --sip "$SP" --token "$TOKEN" --clients 8 --load-nice "$LN" --phase-s "$PS")
		Q1=$(awk '{print $1, $2}' "/proc/$LP/task/$LP/schedstat")
		T1=$(date +%s%N)
		say "$OUT"
		NS=$(echo "$OUT" | sed -n 's/^searches: n=\([0-9]*\).*/\1/p')
		# The loop thread's own time on a core and waiting for one over the phase: waiting
		# much means the machine, not Lotsen, made the probes late. Its time on a core per
		# search (everything else the loop does in the phase included) is the figure that
		# holds on a shared machine.
		echo "$Q0 $Q1 $T0 $T1 ${NS:-0}" | awk '{s = ($6 - $5) / 1e9; printf "loop_thread: on_cpu=%.1f%% runq_wait=%.1f%% cpu_us_per_search=%.0f load=\"%s\"\n", ($3 - $1) / 1e9 / s * 100, ($4 - $2) / 1e9 / s * 100, $7 ? ($3 - $1) / 1e3 / $7 : 0, "'"$(cut -d' ' -f1 /proc/loadavg)"'"}'
		wait_file "$TMP/reads-$2-$LN.rc" 60
		say "sipp_exit=$(cat "$TMP/reads-$2-$LN.rc") $(sipp_result "$TMP/reads-$2-$LN.csv")"
	done
	grep "event=loop.lag" "$TMP/reads-$2.log" | tail -3 || true
	# With LOTSEN_LOOP_TRACE_MS set the server logs every longer loop callback (loop.slow):
	# how many of each kind, and the five longest.
	if [ -n "${LOTSEN_LOOP_TRACE_MS:-}" ]; then
		say "loop_slow_over_ms=$LOTSEN_LOOP_TRACE_MS by_callback: $(grep -o 'event=loop.slow what=[a-z_]*' "$TMP/reads-$2.log" | sed 's/.*what=//' | sort | uniq -c | tr '\n' ' ')"
		grep "event=loop.slow" "$TMP/reads-$2.log" | sed 's/.*event=loop.slow //' |
			awk '{split($2, w, "="); print w[2], $0}' | sort -g -r | cut -d' ' -f2- | head -5 || true
	fi
	kill "$(cat "$TMP/pid")"
	wait "$(cat "$TMP/pid")" 2>/dev/null || true
	# The loop connection's commits and the checkpoints it made itself, over the whole run.
	grep "event=loop.storage" "$TMP/reads-$2.log" | sed 's/.*event=//' || true
	rm -f "$TMP/pid" "$TMP/reads.db" "$TMP/reads.db-wal" "$TMP/reads.db-shm"
}

# ---- Case search at scale -------------------------------------------------------------
# `lotsen demo --years 4 --contacts-per-year 1000000` (4 M cases) is generated once, by the
# binary given as SEARCH_OLD_BIN (main before the search indexes; default: this build) into
# $SEARCH_CACHE/demo-4y-before.db (default /tmp/lotsen-bench-cache, about 0.7 GB); a copy
# migrated by this build (the backfill of the text index, timed) is demo-4y.db (1.1 GB).
# Each query shape then runs for SEARCH_S seconds on one connection (wrk, closed loop),
# as the agent anna, with 50-row answers; with SEARCH_OLD_BIN the same shapes run against
# the old binary first. Case creation (the api section's POST) runs on fresh demo
# databases with both binaries, one after the other.
search_token() {
	curl -fs -X POST "http://127.0.0.1:$1/api/v1/login" \
		-d '{"username":"anna","password":"lotsen-demo"}' |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

search_shapes() { # PORT TOKEN LABEL
	# A citizen with a personnummer, and the cursor of a page deep in the list.
	curl -fs -X POST -H "Authorization: Bearer $2" "http://127.0.0.1:$1/api/v1/cases" \
		-d '{"group_id":2,"client_id":1,"category_id":3,"channel":"phone","outcome":"resolved","summary":"Frågade om parkering vid äldreboendet.","citizen":{"personal_id":"19811218-9876","phone":"070-111 22 33"}}' >/dev/null
	after=$(curl -fs -H "Authorization: Bearer $2" "http://127.0.0.1:$1/api/v1/cases?limit=50&to=2024-06-01" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("next") or "")')
	for shape in "q=genererat" "q=genererat&group_id=3" "q=parkering" "q=zzzz" "q=hemtj%C3%A4nsten" "q=parkering&group_id=6" \
		"q=avgift&from=2025-01-01&to=2025-02-01" "phone=070-037%2066%2079" \
		"personal_id=198112189876" "group_id=4" "category_id=3" "agent_id=9" \
		"client_id=1&channel=email" "group_id=2&outcome=handed_over&from=2024-01-01&to=2025-01-01" \
		"threat=true" "" "offset=1000" "offset=1000000" "after=$after"; do
		url="http://127.0.0.1:$1/api/v1/cases?limit=50&$shape"
		code=$(curl -s -o "$TMP/shape.json" -w '%{http_code}' -H "Authorization: Bearer $2" "$url")
		n=$(python3 -c 'import json,sys
try: print(len(json.load(open(sys.argv[1])).get("items", [])))
except Exception: print("-")' "$TMP/shape.json")
		lat=$(wrk -t1 -c1 -d"${SEARCH_S:-5}s" --timeout 30s --latency -H "Authorization: Bearer $2" "$url" |
			awk '/ 50%/ {p50=$2} / 99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {printf "p50=%s p99=%s req_s=%s", p50, p99, rps}')
		say "$3 GET /api/v1/cases?limit=50&$shape status=$code rows=$n $lat"
	done
}

search_serve() { # BIN DB
	PORT=$(free_port)
	"$1" serve --db "$2" --http "127.0.0.1:$PORT" --log-level warn 2>>"$TMP/server.log" &
	echo $! >"$TMP/pid"
	wait_http "$PORT"
}

search_stop() {
	kill "$(cat "$TMP/pid")"; wait "$(cat "$TMP/pid")" 2>/dev/null || true
	rm -f "$TMP/pid"
}

search_create() { # BIN LABEL [DB to copy instead of a fresh demo]
	if [ -n "${3:-}" ]; then
		cp "$3" "$TMP/create-$2.db"
	else
		"$1" demo --db "$TMP/create-$2.db" >/dev/null 2>&1
	fi
	search_serve "$1" "$TMP/create-$2.db"
	tok=$(search_token "$PORT")
	case_post_script "$tok" "$TMP/create.lua"
	say "$2 \$ wrk -t2 -c16 -d10s --latency -s create.lua http://127.0.0.1:PORT/api/v1/cases ($2 binary, ${3:-fresh demo database})"
	wrk -t2 -c16 -d10s --latency -s "$TMP/create.lua" "http://127.0.0.1:$PORT/api/v1/cases" |
		grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" | sed "s/^/$2 /" || true
	search_stop
	rm -f "$TMP/create-$2.db"*
}

bench_search() {
	CACHE=${SEARCH_CACHE:-/tmp/lotsen-bench-cache}
	OLD=${SEARCH_OLD_BIN:-}
	GEN=${OLD:-$BIN}
	mkdir -p "$CACHE"
	say "## case search at scale: 4 years × 1 000 000 cases (cached in $CACHE)"
	if [ ! -e "$CACHE/demo-4y-before.db" ]; then
		say "\$ $GEN demo --years 4 --contacts-per-year 1000000 --db $CACHE/demo-4y-before.db"
		t0=$(date +%s)
		"$GEN" demo --years 4 --contacts-per-year 1000000 --db "$CACHE/demo-4y-before.db" 2>/dev/null | tail -1
		say "generation_s=$(( $(date +%s) - t0 ))"
	fi
	if [ ! -e "$CACHE/demo-4y.db" ]; then
		cp "$CACHE/demo-4y-before.db" "$CACHE/demo-4y.db"
		say "\$ $BUILD/lotsen migrate --db $CACHE/demo-4y.db (adds the text index and the filter indexes)"
		t0=$(date +%s%N)
		"$BIN" migrate --db "$CACHE/demo-4y.db" >/dev/null 2>&1
		say "migration_s=$(( ($(date +%s%N) - t0) / 1000000000 )) db_bytes_before=$(du -b "$CACHE/demo-4y-before.db" | cut -f1) db_bytes_after=$(du -b "$CACHE/demo-4y.db" | cut -f1)"
	fi
	if [ -n "$OLD" ] && [ -z "${SEARCH_AFTER_ONLY:-}" ]; then
		search_serve "$OLD" "$CACHE/demo-4y-before.db"
		search_shapes "$PORT" "$(search_token "$PORT")" before
		search_stop
	fi
	search_serve "$BIN" "$CACHE/demo-4y.db"
	search_shapes "$PORT" "$(search_token "$PORT")" after
	search_stop
	say "## case creation with and without the search indexes"
	[ -z "$OLD" ] || search_create "$OLD" before
	search_create "$BIN" after
	# The same on copies of the 4 M databases: every index is deep there.
	[ -z "$OLD" ] || search_create "$OLD" before "$CACHE/demo-4y-before.db"
	search_create "$BIN" after "$CACHE/demo-4y.db"
}

wait_file() {
	i=0
	until [ -s "$1" ] || [ $i -gt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
}

bench_mail() {
	say "## mail intake (parse with GMime, files, case, threading; one transaction a message)"
	say "command: $BUILD/bench/mail_intake 10000 normal"
	"$ROOT/$BUILD/bench/mail_intake" 10000 normal 2>/dev/null
}

# Intake from a real Dovecot (started by the script in a temp directory, as the tests do):
# 10 000 generated messages fetched over IMAP STARTTLS, stored as cases, moved; messages/s
# end to end and the loop's figures from /healthz meanwhile.
bench_mailnet() {
	say "## Mail intake from Dovecot over IMAP"
	# MAILNET_BEFORE=DIR: the same messages first through DIR's lotsen (a build of the
	# commit before a change), then this build's, and their ratio.
	say "\$ python3 bench/mailnet.py $BUILD ${MAILNET_N:-10000} ${MAILNET_BEFORE:-}"
	python3 "$ROOT/bench/mailnet.py" "$BUILD" "${MAILNET_N:-10000}" ${MAILNET_BEFORE:+"$MAILNET_BEFORE"}
}

# The read budget's cost (db_budget_set): its clocks and one long statement's CPU time with
# and without it, in one process.
bench_budget() {
	say "## read budget: clocks and a 3 M-row statement's CPU time with and without it"
	say "\$ $BUILD/bench/bench_budget 9"
	"$ROOT/$BUILD/bench/bench_budget" 9
}

bench_directory() {
	say "## switchboard directory: GET /api/v1/directory's query at 20 000 entries (goal p99 < 50 ms)"
	say "\$ $BUILD/bench/bench_directory $TMP/directory.db 20000"
	"$ROOT/$BUILD/bench/bench_directory" "$TMP/directory.db" 20000 2>/dev/null
}

# The steering board: a call offered through the test entry, then the `wfm` event on a lead's
# stream and the board's figures fetched again, as the planning page does (goal: within 1 s).
bench_wfm_board() {
	say "## Steering board: a call to the board's figures"
	HP=$(free_port)
	"$BIN" serve --db "$TMP/board.db" --http "127.0.0.1:$HP" --demo --log-level warn 2>"$TMP/board.log" &
	echo $! >"$TMP/pid"
	wait_http "$HP"
	say "\$ bench/wfm_board.py --http HTTP_PORT --calls 50 (server: lotsen serve --demo)"
	python3 "$ROOT/bench/wfm_board.py" --http "$HP" --calls 50
	kill "$(cat "$TMP/pid")"
	wait "$(cat "$TMP/pid")" 2>/dev/null || true
	rm -f "$TMP/pid"
}

# The mail intake's libFuzzer harness (parse, HTML to text, threading, a case per mail) for
# FUZZ_SECONDS (60) of wall time at nice 19, as issue 14 asks: a crash fails the bench; its
# input (FUZZ_BUILD/fuzz/crashes/mail_intake/) becomes a seed in fuzz/corpus/mail_intake/
# and a test. Needs clang: the harness is built with `make fuzz-build` when missing.
bench_fuzz() {
	fb=${FUZZ_BUILD:-build-fuzz}
	secs=${FUZZ_SECONDS:-60}
	say "## fuzz: mail intake for $secs s (libFuzzer, ASan + UBSan)"
	if [ ! -x "$ROOT/$fb/fuzz/fuzz_mail_intake" ]; then
		(cd "$ROOT" && make -s fuzz-build FUZZ_BUILD="$fb")
	fi
	say "\$ scripts/fuzz.sh $fb $secs mail_intake"
	if ! "$ROOT/scripts/fuzz.sh" "$ROOT/$fb" "$secs" mail_intake; then
		say "fuzz_mail_intake FAILED: a crash, input in $fb/fuzz/crashes/mail_intake/"
		exit 1
	fi
}

# Three nodes on one PostgreSQL behind Kamailio: kill -9 of the queue lease's holder to the
# first new call answered through the front.
bench_cluster() {
	say "## Queue failover: three nodes on PostgreSQL behind Kamailio, ${CLUSTER_KILLS:-20} kills"
	say "\$ bench/cluster.py $BUILD --kills ${CLUSTER_KILLS:-20}"
	python3 "$ROOT/bench/cluster.py" "$BUILD" --kills "${CLUSTER_KILLS:-20}"
}

# Two nodes behind Kamailio (dist/kamailio/lotsen.cfg): FRONT_KILLS (20) times kill -9 the
# node taking the calls and time the first call after it until the other node accepted it,
# then the restarted node until the front sends it a call again.
bench_front() {
	say "## SIP front: two nodes behind Kamailio, failover over ${FRONT_KILLS:-20} kills"
	say "\$ bench/front.py $BUILD --kills ${FRONT_KILLS:-20}"
	python3 "$ROOT/bench/front.py" "$BUILD" --kills "${FRONT_KILLS:-20}"
}

# The case API on PostgreSQL beside pgbench's own insert rate, on one throwaway cluster on
# this machine (tests/pg/start.sh: fsync on, synchronous_commit on, as Lotsen sets per
# connection): what the database alone commits per second with the same durability, and
# what Lotsen acknowledges on it, and on SQLite in the same run.
bench_pg() {
	say "## case API on PostgreSQL beside pgbench (synchronous_commit=on, fsync=on)"
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	url=$("$ROOT/tests/pg/start.sh") # its own temp directory: the cluster runs as nobody
	PGDIR=${url#*host=}
	trap 'kill $(cat "$TMP/pid" "$TMP/pids" 2>/dev/null) 2>/dev/null || true; "$ROOT/tests/pg/stop.sh" "$PGDIR" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
	psql -q -h "$PGDIR" -U lotsen -d lotsen -c "CREATE TABLE bench_cases (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, created_at bigint NOT NULL, phone text NOT NULL, summary text NOT NULL); CREATE INDEX ON bench_cases (phone); CREATE INDEX ON bench_cases (created_at);"
	cat >"$TMP/insert.sql" <<'SQL'
\set n random(1, 9999999)
INSERT INTO bench_cases (created_at, phone, summary) VALUES (extract(epoch from now())::bigint, '070' || :n, 'Frågade om avgift för hemtjänst och maxtaxa.');
SQL
	for c in 1 16; do
		say "\$ pgbench -n -c $c -j 2 -T 10 -f insert.sql (one row with two indexes per transaction)"
		"$PGBIN/pgbench" -n -h "$PGDIR" -U lotsen -c "$c" -j 2 -T 10 -f "$TMP/insert.sql" lotsen 2>&1 |
			grep -E "^tps|latency average" || true
	done
	createdb_url() { psql -q -h "$PGDIR" -U lotsen -d lotsen -c "CREATE DATABASE $1"; echo "postgresql://lotsen@/$1?host=$PGDIR"; }
	for db in pg sqlite; do
		if [ "$db" = pg ]; then dburl=$(createdb_url lotsen_api); else dburl="$TMP/api.db"; fi
		PORT=$(free_port)
		"$BIN" serve --db "$dburl" --http "127.0.0.1:$PORT" --demo --log-level warn 2>"$TMP/server-$db.log" &
		echo $! >"$TMP/pid"
		wait_http "$PORT"
		TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/login" \
			-d '{"username":"anna","password":"lotsen-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
		case_post_script "$TOKEN" "$TMP/post.lua"
		for c in 1 16; do
			say "\$ lotsen serve --db $db; wrk -t1 -c$c -d10s --latency -s post.lua http://127.0.0.1:PORT/api/v1/cases"
			server_use_before
			out=$(wrk -t1 -c"$c" -d10s --latency -s "$TMP/post.lua" "http://127.0.0.1:$PORT/api/v1/cases")
			printf '%s\n' "$out" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || true
			n=$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')
			[ -n "$n" ] && [ "$n" -gt 0 ] && server_use_after "$n"
		done
		kill "$(cat "$TMP/pid")"; wait "$(cat "$TMP/pid")" 2>/dev/null || true
		rm -f "$TMP/pid"
	done

	# One node against three on the same database and the same two cores: 18 connections
	# on one node, then 6 on each of three (each node its own loop and connection; the
	# first holds the queue, all three write cases).
	dburl=$(createdb_url lotsen_nodes)
	for n in 1 2 3; do
		eval "P$n=$(free_port)"
		port=$(eval echo "\$P$n")
		demo=""; [ "$n" = 1 ] && demo="--demo"
		"$BIN" serve --db "$dburl" --http "127.0.0.1:$port" --node "n$n" $demo --log-level warn 2>"$TMP/node$n.log" &
		echo $! >>"$TMP/pids"
		wait_http "$port"
	done
	TOKEN=$(curl -fs -X POST "http://127.0.0.1:$P1/api/v1/login" \
		-d '{"username":"anna","password":"lotsen-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	sed -i "s/Bearer .*\"/Bearer $TOKEN\"/" "$TMP/post.lua"
	say "\$ 3 × lotsen serve --db pg --node nN; wrk -t1 -c18 -d10s -s post.lua (one node)"
	wrk -t1 -c18 -d10s -s "$TMP/post.lua" "http://127.0.0.1:$P1/api/v1/cases" | grep -E "Requests/sec|Non-2xx" || true
	say "\$ 3 × lotsen serve --db pg --node nN; wrk -t1 -c6 -d10s -s post.lua, one per node at once (three nodes)"
	for n in 1 2 3; do
		port=$(eval echo "\$P$n")
		wrk -t1 -c6 -d10s -s "$TMP/post.lua" "http://127.0.0.1:$port/api/v1/cases" >"$TMP/wrk$n.txt" &
		wrks="${wrks:-} $!"
	done
	wait $wrks 2>/dev/null || true
	cat "$TMP/wrk1.txt" "$TMP/wrk2.txt" "$TMP/wrk3.txt" | grep -E "Non-2xx" || true
	say "three_nodes_requests_per_s=$(cat "$TMP/wrk1.txt" "$TMP/wrk2.txt" "$TMP/wrk3.txt" | awk '/Requests\/sec/ {s += $2} END {printf "%.1f", s}')"
	kill $(cat "$TMP/pids") 2>/dev/null || true
	rm -f "$TMP/pids"
}

case "$WHAT" in
api) bench_api ;;
front) bench_front ;;
cluster) bench_cluster ;;
pg) bench_pg ;;
fuzz) bench_fuzz ;;
directory) bench_directory ;;
acd) bench_acd ;;
kb) bench_kb ;;
web) bench_web ;;
report) bench_report ;;
sip) bench_sip ;;
sip-peer) bench_sip_peer ;;
forecast) bench_forecast ;;
mail) bench_mail ;;
mailnet) bench_mailnet ;;
wfm-board) bench_wfm_board ;;
dos) bench_dos ;;
reads) bench_reads ;;
search) bench_search ;;
budget) bench_budget ;;
*) bench_api; bench_kb; bench_acd; bench_web; bench_report; bench_sip; bench_forecast; bench_reads; bench_budget; bench_directory; bench_front; bench_cluster; bench_fuzz ;;
esac
