#!/usr/bin/env python3
"""Whether long reads stall the loop: the latency of /healthz (HTTP) and SIP OPTIONS (UDP)
while N clients search the case log back to back, and the loop's longest callback as
/healthz reports it (loop_max_ms, loop_probe_ms; "n/a" for a server without them).

Usage: bench/reads.py --http PORT --sip PORT --token TOKEN [--clients 8 (0: idle)]
       [--phase-s S] [--path /api/v1/cases?q=…] [--load-nice N]

The searching clients run in a process of their own (so the probes do not wait for
Python's lock behind them); --load-nice lowers that process's priority, standing in for
clients that in a center run on the agents' own machines, not on the server's cores.

Probes run open-loop at a fixed rate as in bench/dos.py; each phase prints p50/p99/max and
how many probes failed, the searches done and their latency."""
import argparse
import json
import multiprocessing
import os
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dos import Probe, pct, sip_options  # noqa: E402

SEARCHES = [
    "/api/v1/cases?q=parkering&limit=50",
    "/api/v1/cases?q=zzzz&limit=50",
    "/api/v1/cases?phone=0701234567&limit=50",
    "/api/v1/cases?limit=50&offset=950",  # the deepest offset (past it: the after= cursor)
    "/api/v1/cases?group_id=2&channel=phone&limit=50",
]


class Loop:
    """The largest loop figures /healthz reported during a phase."""

    def __init__(self):
        self.max_ms = None
        self.cpu_ms = None
        self.probe_ms = None

    def note(self, j):
        if "loop_max_ms" in j:
            self.max_ms = max(self.max_ms or 0, j["loop_max_ms"])
            self.probe_ms = max(self.probe_ms or 0, j["loop_probe_ms"])
            self.cpu_ms = max(self.cpu_ms or 0, j.get("loop_max_cpu_ms", 0))

    def report(self):
        f = lambda x: "n/a" if x is None else f"{x:.1f}"  # noqa: E731
        return (f"loop: max_callback_ms={f(self.max_ms)} max_callback_cpu_ms={f(self.cpu_ms)} "
                f"probe_late_ms={f(self.probe_ms)}")


def healthz(port, loop):
    def fn():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
            body = r.read()
            if r.status != 200:
                raise RuntimeError(r.status)
        loop.note(json.loads(body))
    return fn


def searcher(port, token, paths, stop, lat, errors, i):
    n = i
    while not stop.is_set():
        path = paths[n % len(paths)]
        n += 1
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"Bearer {token}"})
        t = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                r.read()
            lat.append((time.monotonic() - t) * 1e3)
        except Exception:
            errors.append(1)


def load_process(args, searchers, paths, stop, out):
    """The searching clients, in their own process at --load-nice."""
    if args.load_nice:
        os.nice(args.load_nice)
    lat, errors = [], []
    halt = threading.Event()
    threads = [threading.Thread(target=searcher, daemon=True,
                                args=(args.http, args.token, paths, halt, lat, errors, i))
               for i in range(searchers)]
    for t in threads:
        t.start()
    stop.wait()
    halt.set()
    for t in threads:
        t.join(timeout=120)
    out.put((lat, len(errors)))


def phase(name, args, searchers):
    loop = Loop()
    probes = [Probe(healthz(args.http, loop), args.rate)]
    if args.sip:
        probes.append(Probe(sip_options(args.sip), args.rate))
    stop = multiprocessing.Event()
    out = multiprocessing.Queue()
    paths = [args.path] if args.path else SEARCHES
    load = None
    if searchers:
        load = multiprocessing.Process(target=load_process,
                                       args=(args, searchers, paths, stop, out))
        load.start()
        time.sleep(1)
    # The window of /healthz's loop figures is 10 s: start from a clean one.
    for p in probes:
        p.start()
    time.sleep(args.phase_s)
    for p in probes:
        p.stop.set()
    for p in probes:
        p.join()
    stop.set()
    lat, errors = [], 0
    if load:
        lat, errors = out.get(timeout=180)
        load.join(timeout=60)
    print(f"### {name}")
    print(probes[0].report("healthz"))
    if args.sip:
        print(probes[1].report("sip_options"))
    if searchers:
        print(f"searches: n={len(lat)} errors={errors} load_nice={args.load_nice} p50_ms={pct(lat, 0.5):.0f} "
              f"p99_ms={pct(lat, 0.99):.0f} per_s={len(lat) / (args.phase_s + 1):.1f}")
    print(loop.report())
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", type=int, required=True)
    ap.add_argument("--sip", type=int, default=0)
    ap.add_argument("--token", required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--phase-s", type=float, default=30)
    ap.add_argument("--rate", type=float, default=20, help="probes per second, each kind")
    ap.add_argument("--path", default="", help="one search instead of the mix")
    ap.add_argument("--load-nice", type=int, default=0,
                    help="nice value of the searching clients' process")
    args = ap.parse_args()
    phase(f"{args.clients} clients searching back to back" if args.clients else "idle", args,
          args.clients)


if __name__ == "__main__":
    main()
