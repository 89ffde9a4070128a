#!/usr/bin/env python3
"""Runs every Lotsen test: the cmocka unit binaries and the integration suites that start the
real server on loopback, on SQLite and (the release build's) again on PostgreSQL. Prints one
line per test file and pass and ends with `N passed, N failed`."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CMOCKA_PASS = re.compile(r"\[  PASSED  \] (\d+) test")
CMOCKA_FAIL = re.compile(r"\[  FAILED  \] (\d+) test")


def unit_tasks(build, env):
    """The cmocka binaries of one build, as tasks for run_tasks: each a process of its own,
    counted by cmocka's summary."""
    udir = os.path.join(build, "tests", "unit")
    if not os.path.isdir(udir):
        return []
    return [(f"unit ({build})", "unit:" + os.path.join(os.path.abspath(udir), name), env)
            for name in sorted(os.listdir(udir))
            if name.startswith("test_") and os.access(os.path.join(udir, name), os.X_OK)]


def unit_counts(text, returncode):
    """passed, failed of a cmocka binary's output."""
    ok = sum(int(m) for m in CMOCKA_PASS.findall(text))
    bad = sum(int(m) for m in CMOCKA_FAIL.findall(text))
    if returncode != 0 and bad == 0:
        bad = 1  # crashed, leaked or aborted before cmocka could count
    return ok, bad


# Integration files run side by side, LOTSEN_TEST_JOBS at a time (default 4): they spend
# most of their time waiting on servers, sipp scenarios and timers, not on the CPU. Each
# worker is a process of its own with its own slice of ports (harness.port_slice). These
# run alone after the others: they measure a failover or a load against a deadline, or
# install into the system.
SERIAL = {"test_cluster", "test_install", "test_reads_off_loop", "test_server_lifecycle"}
# Except that the builds' test_cluster files run two at a time: they mostly wait on
# failovers (20–30 s of CPU in 75 s), their deadlines are generous (bench/cluster.py
# measures the failover), and each has its own nodes, Kamailio and databases.
PAIRED = {"test_cluster"}
FILE_TIMEOUT = 1800  # s; a file that runs longer is stopped and counted as failed


def integration_names():
    d = os.path.join(ROOT, "tests", "integration")
    return sorted(f[:-3] for f in os.listdir(d) if f.startswith("test_") and f.endswith(".py"))


def run_tasks(tasks):
    """Run integration files and unit binaries ("unit:PATH"), each task (label, name, env)
    in a process of its own, LOTSEN_TEST_JOBS at a time, the passes mixed in one queue so
    no pass waits for another's last file; the SERIAL files after, one at a time (PAIRED
    ones two at a time). Print a
    line per file (the whole output of a file that failed); return {label: [passed,
    failed, skipped]}."""
    idir = os.path.join(ROOT, "tests", "integration")
    jobs = max(1, int(os.environ.get("LOTSEN_TEST_JOBS", "4") or 4))
    # the largest files first (a sanitizer build's count half again): they take longest,
    # and the small ones fill in after
    weight = lambda t: (os.path.getsize(t[1][5:]) / 100 if t[1].startswith("unit:") else
                        os.path.getsize(os.path.join(idir, t[1] + ".py"))) * \
        (1.5 if t[2].get("LOTSEN_SANITIZED") else 1)
    waves = [(sorted((t for t in tasks if t[1] not in SERIAL), key=weight, reverse=True), jobs),
             ([t for t in tasks if t[1] in PAIRED], min(2, jobs)),
             ([t for t in tasks if t[1] in SERIAL - PAIRED], 1)]
    totals = {label: [0, 0, 0] for label, _, _ in tasks}
    for queue, slots in waves:
        queue = list(queue)
        running = {}  # slot → (label, name, process, output, result file, start)
        while queue or running:
            for slot in range(slots):
                if slot in running or not queue:
                    continue
                label, name, env = queue.pop(0)
                out = tempfile.TemporaryFile("w+")
                res = tempfile.NamedTemporaryFile("r", prefix="lotsen-result-")
                e = dict(env, LOTSEN_TEST_SLOT=str(slot), LOTSEN_TEST_SLOTS=str(slots))
                cmd = [name[5:]] if name.startswith("unit:") else \
                    [sys.executable, os.path.abspath(__file__), "--files", res.name, name]
                p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=e,
                                     cwd=ROOT if name.startswith("unit:") else idir,
                                     start_new_session=True)
                running[slot] = (label, name, p, out, res, time.time())
            time.sleep(0.2)
            for slot, (label, name, p, out, res, t0) in list(running.items()):
                late = time.time() - t0 > FILE_TIMEOUT
                # wait4: the CPU time of the file and of every process it waited for (its
                # servers; not a PostgreSQL started by pg_ctl), beside the wall time
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid == 0 and not late:
                    continue
                if pid == 0:
                    os.killpg(p.pid, 9)
                    pid, status, usage = os.wait4(p.pid, 0)
                p.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                del running[slot]
                out.seek(0)
                text = out.read()
                out.close()
                if name.startswith("unit:"):
                    m = not late
                    ok, bad = unit_counts(text, p.returncode) if m else (0, 1)
                    skipped, name = 0, os.path.basename(name)
                else:
                    m = re.match(r"(\d+) (\d+) (\d+)$", res.read().strip())
                    ok, bad, skipped = (int(x) for x in m.groups()) if m else (0, 1, 0)
                res.close()
                for i, v in enumerate((ok, bad, skipped)):
                    totals[label][i] += v
                why = " (stopped after %d s)" % FILE_TIMEOUT if late else \
                      "" if m else f" (ended without a result, exit {p.returncode})"
                print(f"{'ok' if bad == 0 else 'FAIL':4} {label} {name}: {ok} passed, {bad} failed, "
                      f"{skipped} skipped ({time.time() - t0:.1f}s, cpu {cpu:.1f}s){why}", flush=True)
                if bad:
                    print(text[-30000:], flush=True)
    return totals


def integration_tasks(build, env):
    """The integration files of one build, on SQLite (and whatever a file picks itself)."""
    label = f"integration ({build})"
    env = dict(env, LOTSEN_BIN=os.path.join(os.path.abspath(build), "lotsen"))
    if sanitized(build):
        env["LOTSEN_SANITIZED"] = "1"
    return [(label, n, env) for n in integration_names()]


# The PostgreSQL pass (LOTSEN_TEST_DB=pg: every server on a fresh database of one
# PostgreSQL the harness starts, tests/pg/start.sh) runs every integration file whose
# behaviour goes through the store, except these: what they test the database cannot
# change, or they make their own SQLite file on purpose.
PG_SKIP = {
    "test_install": "make install and the systemd unit: no database",
    "test_layers": "scripts/check-layers.sh on the source tree: no database",
    "test_http_robust": "HTTP protocol abuse and slow clients: answered before any storage",
    "test_nginx": "the nginx front: the proxy's headers and TLS, not the store",
    "test_proxy": "the trusted-proxy rules of the HTTP front, not the store",
    "test_sip_robust": "SIP parser and media robustness: the signalling, not the store",
    "test_sip_baresip": "RTP media with a real softphone: the audio path, not the store",
    "test_reads_off_loop": "SQLite's read workers on a large SQLite file it builds itself",
    "test_cli_forecast": "the forecast CLI on a SQLite demo file it builds itself",
    "test_web": "layout and axe-core checks of the pages in Chromium",
    "test_web_wallboard_paging": "the wallboard's page layout on wall screens in Chromium",
    "test_web_prices": "a form's focus and aria-invalid in Chromium (the API: test_api_admin)",
    "test_cluster": "always on PostgreSQL: it ran in the SQLite pass already",
}

# Files that wait for a fix on PostgreSQL, each with the reason (none now).
PG_PENDING = {}


def pg_server():
    """The PostgreSQL server programs tests/pg/start.sh needs, or None."""
    import glob
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(bins[-1]) if bins else None


def pg_tasks(build, env, url):
    """The integration files again, every server on PostgreSQL: the run's PostgreSQL
    (tests/pg/start.sh at `url`), a database of its own for each server."""
    for name, why in sorted(PG_SKIP.items()):
        print(f"skip {name} on PostgreSQL: {why}")
    for name, why in sorted(PG_PENDING.items()):
        print(f"skip {name} on PostgreSQL until {why}")
    penv = dict(env, LOTSEN_TEST_DB="pg", LOTSEN_TEST_PG=url,
                LOTSEN_BIN=os.path.join(os.path.abspath(build), "lotsen"))
    return [(f"integration on PostgreSQL ({build})", n, penv) for n in integration_names()
            if n not in PG_SKIP and n not in PG_PENDING]


def run_named(out, names):
    """In a worker's own process: run the named files, write `ok bad skipped` to the file
    `out`."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    suite = unittest.TestLoader().loadTestsFromNames(names)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=1).run(suite)
    bad = len(result.failures) + len(result.errors)
    # a class skipped whole counts as skipped but not as run
    ok = max(0, result.testsRun - bad - len(result.skipped))
    with open(out, "w") as f:
        f.write(f"{ok} {bad} {len(result.skipped)}\n")
    return 0


def sanitized(build):
    """Whether a build directory is a sanitizer build (its CMake cache says so)."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            return re.search(r"^LOTSEN_SANITIZE:BOOL=ON$", f.read(), re.M) is not None
    except OSError:
        return False


def pg_cpu(url):
    """The CPU time of the run's PostgreSQL: its postmaster's and its backends' (which the
    postmaster waits for), from /proc; 0 when it cannot be read."""
    try:
        with open(os.path.join(url.split("host=", 1)[1], "data", "postmaster.pid")) as f:
            pid = int(f.readline())
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True)
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--no-pg", action="store_true",
                    help="leave out the integration pass on PostgreSQL")
    ap.add_argument("--pg-only", action="store_true",
                    help="only the integration pass on PostgreSQL (of the first build)")
    if len(sys.argv) > 1 and sys.argv[1] == "--files":
        return run_named(sys.argv[2], sys.argv[3:])
    args = ap.parse_args()
    t0 = time.time()
    passed = failed = 0
    tasks, pg_build = [], None
    # axe-core checks the pages in the first integration pass only (tests/integration/browser.py)
    axe = os.environ.get("LOTSEN_AXE", "1") != "0"
    for build in args.build:
        env = dict(os.environ)
        # Sanitizer builds: leaks fail the run, and a report names the place.
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=23"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        env["LOTSEN_BUILD"] = os.path.abspath(build)
        # the PostgreSQL pass once, with the release build (not under ASan)
        if pg_build is None and not args.no_pg and not sanitized(build):
            pg_build = (build, env)
        if args.pg_only:
            break
        tasks += unit_tasks(build, env)
        if not args.unit_only:
            tasks += integration_tasks(build, dict(env, LOTSEN_AXE="1" if axe else "0"))
            axe = False
    if args.unit_only:
        pg_build = None
    url = None
    if pg_build and not pg_server():
        print("FAIL integration on PostgreSQL: no PostgreSQL server "
              "(scripts/install-test-peers.sh installs postgresql-15)")
        failed += 1
        pg_build = None
    if tasks or pg_build:
        # One PostgreSQL for the run: the PostgreSQL pass's servers, and the files that
        # always use it (test_cluster) in the other passes, each on a database of its own.
        if pg_server() and (pg_build or any(not n.startswith("unit:") for _, n, _ in tasks)):
            url = subprocess.run([os.path.join(ROOT, "tests", "pg", "start.sh")], check=True,
                                 capture_output=True, text=True).stdout.strip()
            tasks = [(label, name, dict(env, LOTSEN_TEST_PG=url)) for label, name, env in tasks]
        if pg_build:
            tasks += pg_tasks(pg_build[0], dict(pg_build[1], LOTSEN_AXE="1" if axe else "0"), url)
        try:
            totals = run_tasks(tasks)
        finally:
            if url:
                print(f"PostgreSQL's own CPU time: {pg_cpu(url):.0f} s", flush=True)
                subprocess.run([os.path.join(ROOT, "tests", "pg", "stop.sh"),
                                url.split("host=", 1)[1]], check=False)
        for label, (ok, bad, skipped) in totals.items():
            print(f"{'ok' if bad == 0 else 'FAIL':4} {label}: {ok} passed, {bad} failed, "
                  f"{skipped} skipped")
            passed += ok
            failed += bad
    print(f"integration and unit tests took {time.time() - t0:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
