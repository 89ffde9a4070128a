"""Intake from a real Dovecot: N generated, real-looking messages (plain, multipart/
alternative with HTML, attachments, ISO-8859-1 quoted-printable) are put in a mailbox with
`doveadm import`; then the mailbox is configured in a running `lotsen serve`, which fetches
them over IMAP (STARTTLS) and stores each as a case. Prints messages/s end to end (from the
mailbox's creation to the last message stored) and the loop's figures from /healthz,
sampled every 0.5 s while it runs.

Usage: python3 bench/mailnet.py BUILD_DIR [N]
"""
import base64
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
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


def main():
    rnd = random.Random(14)
    mail = MailServers(users=("kontaktcenter",), postfix=False).start()
    srv = None
    try:
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
        t = time.monotonic()
        subprocess.run(["doveadm", "-c", mail.conf, "import", "-u", f"kontaktcenter@{DOMAIN}",
                        f"maildir:{src}", "", "all"], check=True)
        print(f"doveadm_import messages={N} bytes={total_bytes} s={time.monotonic() - t:.1f}")
        conf = os.path.join(mail.dir, "lotsen.conf")
        with open(conf, "w") as f:
            f.write("mail-poll-seconds = 1\nlog-level = warn\n" + os.environ.get("MAILNET_CONF", ""))
        srv = Server(extra=["--config", conf]).start()
        token = srv.login("admin")
        # Start-up work (the demo's stored reports) is behind us before the clock starts:
        # wait until /healthz's 10 s window shows a quiet loop.
        calm_deadline = time.monotonic() + 60
        while time.monotonic() < calm_deadline and healthz(srv.port).get("loop_probe_ms", 0) > 50:
            time.sleep(0.5)
        idle = healthz(srv.port)
        print(f"before loop_max_ms={idle.get('loop_max_ms', 0):.1f} "
              f"loop_probe_late_ms={idle.get('loop_probe_ms', 0):.1f} (idle server, last 10 s)")
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
        cases = con.execute("SELECT count(DISTINCT case_id) FROM mail_messages").fetchone()[0]
        con.close()
        print(f"mailnet_intake messages={stored} cases={cases} s={t1 - t0:.1f} "
              f"msgs_per_s={stored / (t1 - t0):.0f} "
              f"loop_max_ms={loop_max:.1f} loop_max_cpu_ms={cpu:.1f} loop_probe_late_ms={probe:.1f} "
              f"(largest over the run, /healthz every 0.5 s)")
        left = len(mail.messages("kontaktcenter")) if stored == N else -1
        print(f"left_in_inbox={left}")
    finally:
        if srv:
            srv.stop()
        mail.stop()


if __name__ == "__main__":
    main()
