#!/bin/sh
# Run a command and print, on stderr, the CPU time the whole machine was busy meanwhile
# (/proc/stat: user, nice, system, irq, softirq, steal) beside the wall time: what a test
# run costs, the processes it leaves to others included (Chromium's, PostgreSQL's).
#   usage: scripts/busy-cpu.sh make test
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
b0=$(busy)
t0=$(date +%s)
"$@"
rc=$?
b1=$(busy)
t1=$(date +%s)
echo "busy CPU: $(( (b1 - b0) / $(getconf CLK_TCK) )) s over $((t1 - t0)) s of wall time" >&2
exit $rc
