"""Intake from a real Dovecot: N generated, real-looking messages (plain, multipart/
alternative with HTML, attachments, ISO-8859-1 quoted-printable) are put in a mailbox with
`doveadm import`; then the mailbox is configured in a running `lotsen serve`, which fetches
them over IMAP (STARTTLS) and stores each as a case. Prints messages/s end to end (from the
mailbox's creation to the last message stored) and the loop's figures from /healthz,
sampled every 0.5 s while it runs.

While it runs a thread asks GET /healthz every 20 ms (the loop answers it) and keeps each
answer's latency: its p50/p99 idle and during the intake are what "calls and API must not
notice" means from the outside.

Usage: python3 bench/mailnet.py BUILD_DIR [N] [BEFORE_BUILD_DIR]
With BEFORE_BUILD_DIR the same messages are taken in first by that build's lotsen, then by
BUILD_DIR's, in one run, and the ratio of the two rates is printed (this machine is shared
and noisy: a ratio from one run says more than two figures from two runs).
"""
import base64
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("LOTSEN_BIN", os.path.join(ROOT, sys.argv[1] if len(sys.argv) > 1 else "build",
                                                 "lotsen"))
from harness import Server  # noqa: E402
from mailservers import DOMAIN, MailServers  # noqa: E402

N = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
WORDS = ("hej jag undrar över bygglov för altan förskoleplats hösten parkeringstillstånd "
         "snöröjning gatan lampa trasig tack på förhand vänliga hälsningar ansökan beslut "
         "handläggningstid avgift faktura hemtjänst biblioteket öppettider").split()


def text(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate(i, rnd):
    sender = f"medborgare{rnd.randrange(3000)}@exempel.se"
    head = (f"From: Medborgare {i} <{sender}>\r\nTo: kontaktcenter@{DOMAIN}\r\n"
            f"Message-ID: <bench-{i}@exempel.se>\r\nDate: Sun, 06 Dec 2026 08:00:00 +0100\r\n"
            "MIME-Version: 1.0\r\n")
    body = "\r\n".join(text(rnd, 12) for _ in range(rnd.randrange(2, 12)))
    kind = i % 4
    if kind == 0:
        return (head + f"Subject: Fråga {i}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n").encode()
    if kind == 1:
        html = "<html><body><p>" + body.replace("\r\n", "</p><p>") + "</p></body></html>"
        return (head + f"Subject: =?utf-8?q?Fr=C3=A5ga_{i}?=\r\n"
                'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
                "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
                "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--b1--\r\n").encode()
    if kind == 2:
        blob = base64.encodebytes(rnd.randbytes(rnd.randrange(2000, 60000))).decode()
        blob = blob.replace("\n", "\r\n")
        return (head + f"Subject: Bilaga {i}\r\n"
                'Content-Type: multipart/mixed; boundary="m1"\r\n\r\n'
                "--m1\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
                "--m1\r\nContent-Type: application/pdf; name=\"ansokan.pdf\"\r\n"
                "Content-Disposition: attachment; filename=\"ansokan.pdf\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" + blob + "--m1--\r\n").encode()
    latin = body.encode("iso-8859-1", "replace")
    qp = latin.replace(b"\xe5", b"=E5").replace(b"\xe4", b"=E4").replace(b"\xf6", b"=F6")
    return (head.encode() + f"Subject: =?iso-8859-1?q?Synpunkt_{i}?=\r\n".encode() +
            b"Content-Type: text/plain; charset=iso-8859-1\r\n"
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + b"\r\n")


def healthz(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
        return json.loads(r.read())


class Sampler(threading.Thread):
    """GET /healthz every 20 ms; the latencies (ms) land in `marks[label]`."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.label, self.marks, self.stop = port, None, {}, False

    def run(self):
        while not self.stop:
            t = time.monotonic()
            try:
                healthz(self.port)
            except Exception:
                pass
            ms = (time.monotonic() - t) * 1000
            if self.label:
                self.marks.setdefault(self.label, []).append(ms)
            time.sleep(max(0.0, 0.02 - ms / 1000))


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else 0.0


def messages_dir(mail):
    rnd = random.Random(14)
    src = tempfile.mkdtemp(prefix="mailnet-src-", dir=mail.dir)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(src, sub))
    total_bytes = 0
    for i in range(N):
        raw = generate(i, rnd)
        total_bytes += len(raw)
        with open(os.path.join(src, "cur", f"{1700000000 + i}.{i}.bench:2,"), "wb") as f:
            f.write(raw)
    os.system(f"chown -R {mail.uid}:{mail.gid} {src}")
    return src, total_bytes


def run(mail, src, total_bytes, binary, name):
    srv = None
    mail.expunge("kontaktcenter")
    mail.expunge("kontaktcenter", "Behandlat")
    t = time.monotonic()
    subprocess.run(["doveadm", "-c", mail.conf, "import", "-u", f"kontaktcenter@{DOMAIN}",
                    f"maildir:{src}", "", "all"], check=True)
    print(f"[{name}] doveadm_import messages={N} bytes={total_bytes} s={time.monotonic() - t:.1f}")
    conf = os.path.join(mail.dir, "lotsen.conf")
    with open(conf, "w") as f:
        # the test servers' certificate is self-signed: trust it by name, as the tests do
        f.write(f"mail-poll-seconds = 1\nlog-level = warn\nmail-ca-file = {mail.cert}\n" +
                os.environ.get("MAILNET_CONF", ""))
    os.environ["LOTSEN_BIN"] = binary
    import harness
    harness.BIN = binary
    try:
        srv = Server(extra=["--config", conf]).start()
        token = srv.login("admin")
        # Start-up work (the demo's stored reports) is behind us before the clock starts:
        # wait until /healthz's 10 s window shows a quiet loop.
        calm_deadline = time.monotonic() + 60
        while time.monotonic() < calm_deadline and healthz(srv.port).get("loop_probe_ms", 0) > 50:
            time.sleep(0.5)
        sampler = Sampler(srv.port)
        sampler.start()
        sampler.label = "idle"
        time.sleep(5)
        idle = healthz(srv.port)
        print(f"[{name}] before loop_max_ms={idle.get('loop_max_ms', 0):.1f} "
              f"loop_probe_late_ms={idle.get('loop_probe_ms', 0):.1f} (idle server, last 10 s)")
        sampler.label = "intake"
        t0 = time.monotonic()
        r = srv.request("POST", "/api/v1/mailboxes",
                        mail.mailbox_settings("kontaktcenter", group_id=1,
                                              processed_folder="Behandlat"), token=token)
        assert r.status == 201, r
        loop_max = probe = cpu = 0.0
        con = sqlite3.connect(srv.db, timeout=30)
        stored = 0
        while stored < N and time.monotonic() - t0 < 1800:
            time.sleep(0.5)
            h = healthz(srv.port)
            loop_max = max(loop_max, h.get("loop_max_ms", 0))
            probe = max(probe, h.get("loop_probe_ms", 0))
            cpu = max(cpu, h.get("loop_max_cpu_ms", 0))
            stored = con.execute("SELECT count(*) FROM mail_messages WHERE direction='in'").fetchone()[0]
        t1 = time.monotonic()
        sampler.label = None
        sampler.stop = True
        cases = con.execute("SELECT count(DISTINCT case_id) FROM mail_messages").fetchone()[0]
        con.close()
        rate = stored / (t1 - t0)
        print(f"[{name}] mailnet_intake messages={stored} cases={cases} s={t1 - t0:.1f} "
              f"msgs_per_s={rate:.0f} "
              f"loop_max_ms={loop_max:.1f} loop_max_cpu_ms={cpu:.1f} loop_probe_late_ms={probe:.1f} "
              f"(largest over the run, /healthz every 0.5 s)")
        for label in ("idle", "intake"):
            v = sampler.marks.get(label, [])
            print(f"[{name}] healthz_latency {label} n={len(v)} p50_ms={pct(v, 0.5):.1f} "
                  f"p99_ms={pct(v, 0.99):.1f}")
        left = len(mail.messages("kontaktcenter")) if stored == N else -1
        print(f"[{name}] left_in_inbox={left}")
        return rate
    finally:
        if srv:
            srv.stop()


def main():
    after = os.path.join(ROOT, sys.argv[1] if len(sys.argv) > 1 else "build", "lotsen")
    before = os.path.join(ROOT, sys.argv[3], "lotsen") if len(sys.argv) > 3 else None
    mail = MailServers(users=("kontaktcenter",), postfix=False).start()
    try:
        src, total_bytes = messages_dir(mail)
        rates = {}
        if before:
            rates["before"] = run(mail, src, total_bytes, before, "before")
        rates["after"] = run(mail, src, total_bytes, after, "after")
        if before and rates["before"]:
            print(f"ratio after/before msgs_per_s={rates['after'] / rates['before']:.2f}")
    finally:
        mail.stop()


if __name__ == "__main__":
    main()
