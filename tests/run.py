#!/usr/bin/env python3
"""Runs every Lotsen test: the cmocka unit binaries and the integration suites that start the
real server on loopback. Prints one line per test file and ends with `N passed, N failed`."""
import argparse
import os
import re
import subprocess
import sys
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True)
    ap.add_argument("--unit-only", action="store_true")
    args = ap.parse_args()
    passed = failed = 0
    for build in args.build:
        env = dict(os.environ)
        # Sanitizer builds: leaks fail the run, and a report names the place.
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=23"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        env["LOTSEN_BUILD"] = os.path.abspath(build)
        print(f"== {build}")
        p, f = run_unit(build, env)
        passed += p
        failed += f
        if not args.unit_only:
            p, f = run_integration(build, env)
            passed += p
            failed += f
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
