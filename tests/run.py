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


def run_unit(build, env):
    passed = failed = 0
    udir = os.path.join(build, "tests", "unit")
    if not os.path.isdir(udir):
        return 0, 0
    for name in sorted(os.listdir(udir)):
        path = os.path.join(udir, name)
        if not (name.startswith("test_") and os.access(path, os.X_OK)):
            continue
        t0 = time.time()
        p = subprocess.run([path], capture_output=True, text=True, env=env, timeout=600)
        out = p.stdout + p.stderr
        ok = sum(int(m) for m in CMOCKA_PASS.findall(out))
        bad = sum(int(m) for m in CMOCKA_FAIL.findall(out))
        if p.returncode != 0 and bad == 0:
            bad = 1  # crashed, leaked or aborted before cmocka could count
        passed += ok
        failed += bad
        status = "ok" if bad == 0 else "FAIL"
        print(f"{status:4} unit {name}: {ok} passed, {bad} failed ({time.time() - t0:.1f}s)")
        if bad:
            print(out[-6000:])
    return passed, failed


def run_integration(build, env):
    os.environ.update(env)
    os.environ["LOTSEN_BIN"] = os.path.join(os.path.abspath(build), "lotsen")
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    loader = unittest.TestLoader()
    suite = loader.discover(os.path.join(ROOT, "tests", "integration"), pattern="test_*.py",
                            top_level_dir=os.path.join(ROOT, "tests", "integration"))
    t0 = time.time()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=1).run(suite)
    bad = len(result.failures) + len(result.errors)
    ok = result.testsRun - bad - len(result.skipped)
    print(f"{'ok' if bad == 0 else 'FAIL':4} integration ({build}): {ok} passed, {bad} failed, "
          f"{len(result.skipped)} skipped ({time.time() - t0:.1f}s)")
    return ok, bad


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
}

# Files that wait for a fix on PostgreSQL, each with the reason (none now).
PG_PENDING = {}


def pg_server():
    """The PostgreSQL server programs tests/pg/start.sh needs, or None."""
    import glob
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(bins[-1]) if bins else None


def run_integration_pg(build, env):
    """The integration files again, each server on PostgreSQL, in a process of its own
    (the harness's PostgreSQL lives as long as that process)."""
    t0 = time.time()
    if not pg_server():
        print("FAIL integration on PostgreSQL: no PostgreSQL server "
              "(scripts/install-test-peers.sh installs postgresql-15)")
        return 0, 1
    for name, why in sorted(PG_SKIP.items()):
        print(f"skip {name} on PostgreSQL: {why}")
    for name, why in sorted(PG_PENDING.items()):
        print(f"skip {name} on PostgreSQL until {why}")
    names = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "tests", "integration"))
                   if f.startswith("test_") and f.endswith(".py") and f[:-3] not in PG_SKIP
                   and f[:-3] not in PG_PENDING)
    penv = dict(env, LOTSEN_TEST_DB="pg", LOTSEN_BIN=os.path.join(os.path.abspath(build), "lotsen"))
    with tempfile.NamedTemporaryFile("r", prefix="lotsen-pg-result-") as res:
        sys.stdout.flush()
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--pg-files", res.name]
                           + names, env=penv, cwd=os.path.join(ROOT, "tests", "integration"))
        m = re.match(r"(\d+) (\d+) (\d+)$", res.read().strip())
    if not m:
        print(f"FAIL integration on PostgreSQL ({build}): the run ended without a result "
              f"(exit {p.returncode})")
        return 0, 1
    ok, bad, skipped = (int(x) for x in m.groups())
    print(f"{'ok' if bad == 0 else 'FAIL':4} integration on PostgreSQL ({build}): {ok} passed, "
          f"{bad} failed, {skipped} skipped ({time.time() - t0:.1f}s)")
    return ok, bad


def pg_files(out, names):
    """In the PostgreSQL pass's own process: run the named files, write `ok bad skipped`
    to the file `out`."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    suite = unittest.TestLoader().loadTestsFromNames(names)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=1).run(suite)
    bad = len(result.failures) + len(result.errors)
    ok = result.testsRun - bad - len(result.skipped)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True)
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--no-pg", action="store_true",
                    help="leave out the integration pass on PostgreSQL")
    ap.add_argument("--pg-only", action="store_true",
                    help="only the integration pass on PostgreSQL (of the first build)")
    if len(sys.argv) > 1 and sys.argv[1] == "--pg-files":
        return pg_files(sys.argv[2], sys.argv[3:])
    args = ap.parse_args()
    pg_done = False
    passed = failed = 0
    for build in args.build:
        env = dict(os.environ)
        # Sanitizer builds: leaks fail the run, and a report names the place.
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=23"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        env["LOTSEN_BUILD"] = os.path.abspath(build)
        print(f"== {build}")
        if args.pg_only:
            p, f = run_integration_pg(build, env)
            passed += p
            failed += f
            break
        p, f = run_unit(build, env)
        passed += p
        failed += f
        if not args.unit_only:
            p, f = run_integration(build, env)
            passed += p
            failed += f
            # the same files on PostgreSQL, once, with the release build (not under ASan)
            if not args.no_pg and not pg_done and not sanitized(build):
                pg_done = True
                p, f = run_integration_pg(build, env)
                passed += p
                failed += f
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
