#!/usr/bin/env python3
"""How Lotsen holds up under abuse: the latency of /healthz (HTTP) and of SIP OPTIONS (UDP)
while an attacker floods logins or holds thousands of slow connections (slowloris).

Usage: bench/dos.py --http PORT --sip PORT [--phase-s S] [--slow N] [--addrs K]

Probes run open-loop at a fixed rate (latency counts from the scheduled send, so a stalled
server cannot hide its queue); each phase prints p50/p99/max and how many probes failed.
Phases: idle, login flood (16 clients sending wrong passwords back to back), slowloris from
one address (N connections sending a header line every 10 s) and from K addresses."""
import argparse
import json
import resource
import socket
import threading
import time
import urllib.request


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


class Probe(threading.Thread):
    """Sends one probe every 1/rate s and records each latency in ms (None: failed)."""

    def __init__(self, fn, rate):
        super().__init__(daemon=True)
        self.fn, self.rate, self.stop, self.lat = fn, rate, threading.Event(), []

    def run(self):
        t = time.monotonic()
        while not self.stop.is_set():
            t += 1 / self.rate
            delay = t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                self.fn()
                self.lat.append((time.monotonic() - t) * 1e3)
            except Exception:
                self.lat.append(None)

    def report(self, name):
        ok = [x for x in self.lat if x is not None]
        return (f"{name}: n={len(self.lat)} failed={len(self.lat) - len(ok)} "
                f"p50_ms={pct(ok, 0.5):.1f} p99_ms={pct(ok, 0.99):.1f} max_ms={max(ok, default=float('nan')):.1f}")


def healthz(port):
    def fn():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
            r.read()
            if r.status != 200:
                raise RuntimeError(r.status)
    return fn


def sip_options(port):
    seq = [0]

    def fn():
        seq[0] += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(30)
        s.bind(("127.0.0.1", 0))
        lp = s.getsockname()[1]
        msg = (f"OPTIONS sip:probe@127.0.0.1:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK-dos{seq[0]}-{lp}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1>;tag=b{seq[0]}\r\n"
               f"To: <sip:probe@127.0.0.1>\r\nCall-ID: dos-{seq[0]}-{lp}@127.0.0.1\r\n"
               f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        try:
            s.sendto(msg.encode(), ("127.0.0.1", port))
            data, _ = s.recvfrom(4096)
            if not data.startswith(b"SIP/2.0 200"):
                raise RuntimeError(data[:40])
        finally:
            s.close()
    return fn


def login_flood(port, stop, counts, i):
    body = json.dumps({"username": f"angripare{i}", "password": "fel-losenord"}).encode()
    src = f"127.0.7.{i + 1}"
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(src, 0))
            s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            head = s.recv(64)
            s.close()
            key = head[9:12].decode() if head.startswith(b"HTTP/1.1") else "closed"
            counts[key] = counts.get(key, 0) + 1
        except OSError:
            counts["error"] = counts.get("error", 0) + 1


def slowloris(port, n, addrs, stop, stats):
    socks = []
    for i in range(n):
        src = f"127.0.{8 + (i % addrs) // 250}.{1 + (i % addrs) % 250}"
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            stats["refused"] = stats.get("refused", 0) + 1
    stats["opened"] = len(socks)
    while not stop.is_set():
        for s in list(socks):
            try:
                if s.recv(1) == b"":
                    raise ConnectionResetError
            except BlockingIOError:
                pass
            except OSError:
                socks.remove(s)
                continue
            try:
                s.send(b"X-a: b\r\n")
            except OSError:
                socks.remove(s)
        stop.wait(10)
    for s in list(socks):  # still open when the phase ends?
        try:
            if s.recv(1) == b"":
                socks.remove(s)
        except BlockingIOError:
            pass
        except OSError:
            socks.remove(s)
    stats["open_at_end"] = len(socks)
    for s in socks:
        s.close()


def phase(name, args, attack=None):
    probes = [Probe(healthz(args.http), args.rate)]
    if args.sip:
        probes.append(Probe(sip_options(args.sip), args.rate))
    stop = threading.Event()
    threads, info = [], {}
    if attack:
        threads = attack(stop, info)
        time.sleep(2)  # let the attack build up before probing
    for p in probes:
        p.start()
    time.sleep(args.phase_s)
    for p in probes:
        p.stop.set()
    for p in probes:
        p.join()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    print(f"### {name}" + (f" {info}" if info else ""))
    print(probes[0].report("healthz"))
    if args.sip:
        print(probes[1].report("sip_options"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", type=int, required=True)
    ap.add_argument("--sip", type=int, default=0)
    ap.add_argument("--phase-s", type=float, default=20)
    ap.add_argument("--rate", type=float, default=20, help="probes per second, each kind")
    ap.add_argument("--slow", type=int, default=4100)
    ap.add_argument("--addrs", type=int, default=40)
    ap.add_argument("--flooders", type=int, default=16)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    phase("idle", args)

    def flood(stop, info):
        ts = [threading.Thread(target=login_flood, args=(args.http, stop, info, i), daemon=True)
              for i in range(args.flooders)]
        for t in ts:
            t.start()
        return ts
    phase(f"login flood ({args.flooders} clients, wrong passwords, answers counted by status)", args, flood)

    def slow(addrs):
        def attack(stop, info):
            t = threading.Thread(target=slowloris, args=(args.http, args.slow, addrs, stop, info), daemon=True)
            t.start()
            while "opened" not in info and t.is_alive():
                time.sleep(0.1)
            return [t]
        return attack
    phase(f"slowloris from 1 address ({args.slow} connections, a header line every 10 s)", args, slow(1))
    phase(f"slowloris from {args.addrs} addresses ({args.slow} connections)", args, slow(args.addrs))


if __name__ == "__main__":
    main()
