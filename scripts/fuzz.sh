#!/bin/sh
# Run every libFuzzer harness for SECONDS each, one at a time and niced (the machine is
# shared): `scripts/fuzz.sh BUILD_DIR SECONDS [NAME…]`. New inputs go to
# BUILD_DIR/fuzz/corpus/NAME (the seeds in fuzz/corpus/NAME stay small), crashes to
# BUILD_DIR/fuzz/crashes/NAME/, each run's log to BUILD_DIR/fuzz/NAME.log; the last
# status line of every run is printed (executions, cov:, ft:). With SECONDS 0 every
# harness only replays its seeds once (a quick regression check). fuzz/NAME.dict, when
# there, is the harness's dictionary (libFuzzer -dict). BUILD_DIR/fuzz/NAME.cpu: the CPU
# time the run took (GNU time).
#
# With FUZZ_CPU=1, SECONDS are CPU seconds instead: each harness runs (nice -n 19) until
# its process has used that much CPU time (user + system, from /proc), then is stopped
# with SIGINT so libFuzzer prints its final figures; on a shared machine this is what
# "N CPU-minutes" means. FUZZ_WALL_LIMIT (seconds, default 4 x SECONDS) stops it anyway.
#
# FUZZ_TIMEOUT (default 60): libFuzzer's -timeout, wall seconds for one input. At nice 19 on
# a busy machine a harness that opens a demo database on its first input (http_request,
# mail_intake) has been starved past 10 s with half a CPU-second used.
set -eu
build=$1
secs=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
names=${*:-$(cd "$src/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
failed=0
tmo=${FUZZ_TIMEOUT:-60}
for n in $names; do
	bin=$build/fuzz/fuzz_$n
	seeds=$src/fuzz/corpus/$n
	work=$build/fuzz/corpus/$n
	crashes=$build/fuzz/crashes/$n
	dict=""
	[ -f "$src/fuzz/$n.dict" ] && dict="-dict=$src/fuzz/$n.dict"
	mkdir -p "$work" "$crashes"
	if [ "$secs" = 0 ]; then
		"$bin" -runs=0 "$seeds" >"$build/fuzz/$n.log" 2>&1 || failed=1
	elif [ "${FUZZ_CPU:-0}" = 1 ]; then
		tick=$(getconf CLK_TCK)
		limit=${FUZZ_WALL_LIMIT:-$((secs * 4))}
		start=$(date +%s)
		nice -n 19 "$bin" -timeout="$tmo" -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
			-print_final_stats=1 $dict "$work" "$seeds" >"$build/fuzz/$n.log" 2>&1 &
		pid=$!
		ticks=0
		cpu=0
		while kill -0 "$pid" 2>/dev/null; do
			ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo "$ticks")
			cpu=$((ticks / tick))
			if [ "$cpu" -ge "$secs" ] || [ $(($(date +%s) - start)) -ge "$limit" ]; then
				kill -INT "$pid" 2>/dev/null || true
				break
			fi
			sleep 2
		done
		# libFuzzer stopped by SIGINT exits with 72 (-interrupted_exitcode); a crash with 1.
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 72 ] || failed=1
		echo "cpu: $cpu s (user + system), wall $(($(date +%s) - start)) s" >"$build/fuzz/$n.cpu"
	else
		/usr/bin/time -o "$build/fuzz/$n.cpu" -f "cpu: user %U s, system %S s, wall %e s" \
			nice -n 19 "$bin" -max_total_time="$secs" -timeout="$tmo" -rss_limit_mb=2048 \
			-artifact_prefix="$crashes/" -print_final_stats=1 $dict "$work" "$seeds" \
			>"$build/fuzz/$n.log" 2>&1 || failed=1
	fi
	echo "$n: $(grep -E '^#[0-9]+' "$build/fuzz/$n.log" | tail -1)"
	grep -E 'stat::number_of_executed_units|ERROR: |SUMMARY' "$build/fuzz/$n.log" || true
	cat "$build/fuzz/$n.cpu" 2>/dev/null || true
done
exit $failed
