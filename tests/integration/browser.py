"""What the browser tests share: the peers they need (Debian chromium, node, and
playwright-core and axe-core in node_modules, all installed by
scripts/install-test-peers.sh), a skip when one is missing, and opening hours that keep a
group open whenever the test runs, and running a Node flow that asks the test for things
over the NEED/RESULT line protocol."""
import json
import os
import shutil
import subprocess
import threading
import unittest

from harness import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node")
# The screenshots in docs/screenshots are refreshed with LOTSEN_SCREENSHOTS=docs/screenshots;
# by default they go to the test server's directory so a test run leaves the tree clean.
SHOTS = os.environ.get("LOTSEN_SCREENSHOTS")
PEERS = "scripts/install-test-peers.sh installs them"
# axe-core checks what the server sends the browser: the same pages with the same demo data
# whatever the build or the store, and a fifth of a flow's CPU. So a run checks them once,
# in its first pass (tests/run.py sets LOTSEN_AXE=0 in the others: the sanitizer build's,
# PostgreSQL's); there the flows skip axe-core and the checks say they were skipped.
AXE = os.environ.get("LOTSEN_AXE", "1") != "0"
needs_axe = unittest.skipUnless(AXE, "axe-core checks the pages in the run's first pass (LOTSEN_AXE=0)")
ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}


def browser_once(covered_by):
    """For a browser test's setUpClass: under a sanitizer build, skip the class. What the
    flow checks is the page in the browser, and the server side of every request it makes
    runs under the sanitizers in `covered_by` (the API or SIP files named); a browser flow
    costs several seconds of Chromium's CPU per page, three passes over. test_web and
    test_sso keep one browser-driven run of the server under the sanitizers."""
    if os.environ.get("LOTSEN_SANITIZED") == "1" or os.environ.get("LOTSEN_BUILD", "").rstrip("/").endswith("asan"):
        raise unittest.SkipTest(f"the page's server side runs under the sanitizers in {covered_by};"
                                " the browser once is enough")


def _missing():
    if not os.path.exists(CHROMIUM):
        return f"no {CHROMIUM}; {PEERS}"
    if not NODE:
        return f"no node; {PEERS}"
    for mod in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(ROOT, "node_modules", mod)):
            return f"no playwright-core/axe-core in node_modules; {PEERS}"
    return None


def needs_browser(cls):
    """Skips the test class when a browser peer is missing, saying which."""
    why = _missing()
    return unittest.skip(why)(cls) if why else cls


def run_flow(srv, script, args, answer, timeout):
    """Runs `node script BASE_URL SHOT_DIR *args`, answering each `NEED what {arg}` line with
    the JSON of `answer(what, arg)`; returns the flow's RESULT (None if it printed none) and
    its stderr. The flow is killed after `timeout` seconds times LOTSEN_HANG_FACTOR (default
    4): a guard against a hung browser, never a measure of speed — on a shared, busy CI
    machine a flow may take several times as long as on a quiet one."""
    timeout *= float(os.environ.get("LOTSEN_HANG_FACTOR", "4"))
    shots = os.path.join(ROOT, SHOTS) if SHOTS else srv.dir
    os.makedirs(shots, exist_ok=True)
    err = open(os.path.join(srv.dir, "browser.log"), "w+")
    proc = subprocess.Popen([NODE, script, f"http://127.0.0.1:{srv.port}", shots, *args], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    result = None
    try:
        for line in proc.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[7:])
            elif line.startswith("NEED "):
                _, what, arg = line.rstrip("\n").split(" ", 2)
                proc.stdin.write(json.dumps(answer(what, json.loads(arg))) + "\n")
                proc.stdin.flush()
        proc.wait(timeout=10)
    finally:
        proc.stdin.close()
        proc.stdout.close()
        killer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err.seek(0)
    stderr = err.read()
    err.close()
    return result, stderr
