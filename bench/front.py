#!/usr/bin/env python3
"""Failover of the SIP front: two Lotsen nodes behind Kamailio (dist/kamailio/lotsen.cfg).
KILLS times: kill -9 the node taking the calls, place a call through the front at once,
and time how long until the other node has accepted it; then restart the killed node and
time how long until the front's probes send a call to it again.

  bench/front.py BUILD_DIR [--kills 20]

Prints one line per kill and a summary (min, median, max). Each node has its own SQLite
file (the shared store is the PostgreSQL part of issue 19)."""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCEN = os.path.join(ROOT, "tests", "integration", "sipp", "caller_routed.xml")
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
ENTRY = "0850836000"
ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue


def http(port, method, path, body=None, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


class Node:
    def __init__(self, binary, tmp, name):
        self.binary, self.name = binary, name
        self.db = os.path.join(tmp, f"{name}.db")
        self.log_path = os.path.join(tmp, f"{name}.log")
        self.http, self.sip = free_port(), free_port()
        self.proc = None
        self.demo = True

    def start(self):
        args = [self.binary, "serve", "--db", self.db, "--http", f"127.0.0.1:{self.http}",
                "--sip", f"127.0.0.1:{self.sip}", "--log-level", "info"]
        if self.demo:
            args.append("--demo")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        while "event=tel.ready" not in self.logs():
            if self.proc.poll() is not None:
                sys.exit(f"{self.name} exited:\n{self.logs()[-2000:]}")
            time.sleep(0.02)
        if self.demo:
            token = http(self.http, "POST", "/api/v1/login", {"username": "admin", "password": "lotsen-demo"})["token"]
            http(self.http, "PATCH", "/api/v1/groups/2", {"opening_hours": ALWAYS, "wrapup_s": 0}, token)
            self.demo = False
        return self

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def accepted(self):
        return self.logs().count("event=tel.invite result=accepted")

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
            self.log.close()


def call(front_port, tmp):
    return subprocess.Popen(
        ["sipp", "-sf", SCEN, "-s", ENTRY, "-m", "1", "-d", "200", "-timeout", "30s", "-timeout_error",
         "-i", "127.0.0.1", "-p", str(free_port()), "-mp", str(free_port()), "-nostdin",
         f"127.0.0.1:{front_port}"], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def until(what, limit=60):
    t0 = time.monotonic()
    while not what():
        if time.monotonic() - t0 > limit:
            return None
        time.sleep(0.005)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--kills", type=int, default=20)
    a = ap.parse_args()
    for prog in ("sipp", "kamailio"):
        if not shutil.which(prog) and not os.path.exists(f"/usr/sbin/{prog}"):
            print(f"{prog} is missing: scripts/install-test-peers.sh")
            return 0
    tmp = tempfile.mkdtemp(prefix="lotsen-bench-front-")
    binary = os.path.join(os.path.abspath(a.build), "lotsen")
    first, second = Node(binary, tmp, "a").start(), Node(binary, tmp, "b").start()
    fport = free_port()
    lst = os.path.join(tmp, "nodes.list")
    with open(lst, "w") as f:
        f.write(f"1 sip:127.0.0.1:{first.sip} 0 10\n1 sip:127.0.0.1:{second.sip} 0 5\n")
    klog = open(os.path.join(tmp, "kamailio.log"), "ab")
    kam = subprocess.Popen(
        [shutil.which("kamailio") or "/usr/sbin/kamailio", "-DD", "-E", "-f",
         os.path.join(ROOT, "dist", "kamailio", "lotsen.cfg"), "-L", MODULES, "-Y", tmp,
         "-P", os.path.join(tmp, "kamailio.pid"), "-A", f"LISTEN_ADDR=127.0.0.1:{fport}",
         "-A", f'DS_LIST="{lst}"', "-A", "FR_TIMER_MS=1000", "-A", "PING_S=1"],
        stdout=klog, stderr=klog, stdin=subprocess.DEVNULL)
    time.sleep(1.5)
    print(f"nodes=2 front=kamailio fr_timer_ms=1000 ping_s=1 cores={os.cpu_count()} "
          f"load_at_start=\"{' '.join(open('/proc/loadavg').read().split()[:3])}\"")
    over, back, failed = [], [], 0
    try:
        # warm-up: the first node takes a call
        c = call(fport, tmp)
        failed += c.wait(timeout=60) != 0
        for i in range(a.kills):
            b0 = second.accepted()
            first.kill9()
            t0 = time.monotonic()
            c = call(fport, tmp)
            dt = until(lambda: second.accepted() > b0)
            failed += c.wait(timeout=60) != 0
            first.start()
            a0 = first.accepted()
            t1 = time.monotonic()
            # calls keep coming, one after the other: how long until the front uses it again
            pending = []

            def landed():
                if not pending or pending[-1].poll() is not None:
                    pending.append(call(fport, tmp))
                return first.accepted() > a0
            db = until(landed)
            for p in pending:
                failed += p.wait(timeout=60) != 0
            print(f"kill={i + 1} taken_over_s={dt if dt is None else round(dt, 3)} "
                  f"back_in_s={db if db is None else round(db, 3)}")
            if dt is not None:
                over.append(dt)
            if db is not None:
                back.append(db)
    finally:
        kam.send_signal(signal.SIGTERM)
        kam.wait(timeout=20)
        first.stop()
        second.stop()

    def summary(xs):
        return (f"n={len(xs)} min_s={min(xs):.3f} median_s={statistics.median(xs):.3f} max_s={max(xs):.3f}"
                if xs else "n=0")
    print(f"first_call_after_kill_answered_by_other_node: {summary(over)}")
    print(f"killed_node_restarted_until_it_takes_calls: {summary(back)}")
    print(f"calls_failed={failed}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed or len(over) < a.kills else 0


if __name__ == "__main__":
    sys.exit(main())
