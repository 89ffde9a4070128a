#!/usr/bin/env python3
"""How soon the steering board (BA) shows a call: the time from a call offered through the
API's test entry to the `wfm` event on a lead's stream, then to the board's figures fetched
again (GET /api/v1/wfm/today), as the planning page does on that event. Goal: within 1 s.

Usage: bench/wfm_board.py --http PORT [--calls 50] [--group 1]"""
import argparse
import http.client
import json
import time
import urllib.request


def login(port, user):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/login",
                                 data=json.dumps({"username": user, "password": "lotsen-demo"}).encode())
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["token"]


def call(port, token, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", type=int, required=True)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--group", type=int, default=1)
    a = ap.parse_args()
    admin, lead = login(a.http, "admin"), login(a.http, "lead.forskola")
    conn = http.client.HTTPConnection("127.0.0.1", a.http, timeout=30)
    conn.request("GET", "/api/v1/acd/stream", headers={"Authorization": f"Bearer {lead}"})
    resp = conn.getresponse()
    to_event, to_board = [], []
    ev = None
    for _ in range(a.calls):
        t0 = time.monotonic()
        call(a.http, admin, "POST", "/api/v1/acd/calls", {"group_id": a.group})
        while True:
            line = resp.fp.readline().decode()
            if line.startswith("event: "):
                ev = line[7:].strip()
            elif line.startswith("data: ") and ev == "wfm" and json.loads(line[6:])["group_id"] == a.group:
                break
        t1 = time.monotonic()
        call(a.http, lead, "GET", f"/api/v1/wfm/today?group_id={a.group}")
        t2 = time.monotonic()
        to_event.append((t1 - t0) * 1e3)
        to_board.append((t2 - t0) * 1e3)
    print(f"calls={a.calls} wfm_event_ms p50={pct(to_event, .5):.1f} p99={pct(to_event, .99):.1f} "
          f"max={max(to_event):.1f}")
    print(f"board_refetched_ms p50={pct(to_board, .5):.1f} p99={pct(to_board, .99):.1f} "
          f"max={max(to_board):.1f} (goal: within 1000)")


if __name__ == "__main__":
    main()
