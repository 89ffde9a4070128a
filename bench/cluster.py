#!/usr/bin/env python3
"""Failover of the queue: three Lotsen nodes on one PostgreSQL behind Kamailio
(dist/kamailio/lotsen.cfg). KILLS times: kill -9 the node holding the queue lease, then
place calls through the front until one is answered (200 to the INVITE), and time from the
kill to that answer. The killed node is
restarted (it comes back as a standby) before the next kill.

  bench/cluster.py BUILD_DIR [--kills 20]

Uses the integration tests' pieces (tests/integration: harness, test_cluster, the Front
of test_sip_front); PostgreSQL is a throwaway one (tests/pg/start.sh)."""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--kills", type=int, default=20)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    os.environ["LOTSEN_BIN"] = os.path.join(build, "lotsen")
    os.environ["LOTSEN_BUILD"] = build
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    from harness import free_port, pg_database
    from test_cluster import GROUP, start_node, role, wait_for
    from test_sip import ALWAYS, Sipp
    from test_sip_front import ENTRY, Front

    url = pg_database()
    names = ("n1", "n2", "n3")
    sip = {n: free_port() for n in names}
    nodes = {"n1": start_node(url, "n1", demo=True, sip_port=sip["n1"])}
    assert wait_for(lambda: role(nodes["n1"]) == "holder")
    admin = nodes["n1"].login("admin")
    nodes["n1"].request("PATCH", f"/api/v1/groups/{GROUP}", {"opening_hours": ALWAYS, "wrapup_s": 0},
                        token=admin)
    for n in names[1:]:
        nodes[n] = start_node(url, n, sip_port=sip[n])
        assert wait_for(lambda: role(nodes[n]) == "standby")
    front = Front([(10, sip[n]) for n in names])

    def answered(timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = Sipp("caller_routed.xml", "-s", ENTRY, "-d", "100", sip_port=front.port)
            if p.wait(timeout=60) == 0:
                return time.monotonic()
        return None

    answers = []
    try:
        assert answered() is not None, front.logs()[-3000:]
        for k in range(1, args.kills + 1):
            time.sleep(2)  # the front's probes have seen every node as it is now
            holder = next(n for n in names if role(nodes[n]) == "holder")
            t0 = time.monotonic()
            nodes[holder].kill9()
            t_answer = answered()
            if t_answer is None:
                print(f"kill {k}: {holder} killed, no call answered within 60 s", flush=True)
                continue
            new = wait_for(lambda: next((n for n in names if n != holder and role(nodes[n]) == "holder"), None))
            answers.append(t_answer - t0)
            print(f"kill {k}: {holder} -> {new}: first call answered {t_answer - t0:.2f} s after the kill",
                  flush=True)
            nodes[holder] = start_node(url, holder, sip_port=sip[holder])
            assert wait_for(lambda: role(nodes[holder]) == "standby")
        if answers:
            print(f"kill -9 of the holder to the first new call answered through Kamailio, {len(answers)} "
                  f"kills: min {min(answers):.2f} s, median {statistics.median(answers):.2f} s, "
                  f"max {max(answers):.2f} s (goal ≤ 5 s)")
    finally:
        front.stop()
        for srv in nodes.values():
            if srv.proc:
                srv.stop()


if __name__ == "__main__":
    main()
