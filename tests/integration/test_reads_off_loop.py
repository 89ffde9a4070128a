"""Searches, lists and reports run on read workers: while a long search runs, the loop
goes on answering /healthz and SIP OPTIONS, and the search still answers what it would
have answered on the loop."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest
import urllib.request
import uuid

from harness import BIN, Server, free_port

SIPP = shutil.which("sipp")
HERE = os.path.dirname(os.path.abspath(__file__))

# Large enough that a search scanning every case takes a while on any machine.
YEARS, CONTACTS = "1", "200000"
SEARCHES = [
    "/api/v1/cases?q=zzzz&limit=50",
    "/api/v1/cases?q=parkering&limit=50",
    "/api/v1/cases?q=hemtj%C3%A4nst&group_id=2&limit=20&offset=10",
    "/api/v1/cases?phone=070-123%2045%2067&limit=50",
    "/api/v1/cases?outcome=handed_over&channel=email&limit=50",
    "/api/v1/handovers?limit=50",
    "/api/v1/audit?limit=20&entity=case",
]


def sip_options(port, timeout=30):
    """One SIP OPTIONS over UDP; the status line of the answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        lport = s.getsockname()[1]
        call = uuid.uuid4().hex
        msg = (f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{call[:12]}\r\n"
               f"From: <sip:monitor@127.0.0.1:{lport}>;tag={call[:8]}\r\n"
               f"To: <sip:127.0.0.1:{port}>\r\n"
               f"Call-ID: {call}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
               "Content-Length: 0\r\n\r\n")
        s.settimeout(timeout)
        s.sendto(msg.encode(), ("127.0.0.1", port))
        data, _ = s.recvfrom(65535)
        return data.split(b"\r\n", 1)[0].decode()
    finally:
        s.close()


class ReadsOffLoopTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lotsen-reads-")
        cls.db = os.path.join(cls.dir, "big.db")
        subprocess.run([BIN, "demo", "--db", cls.db, "--years", YEARS, "--contacts-per-year",
                        CONTACTS], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=600)
        cls.sip_port = free_port()
        cls.srv = Server(demo=False, db=cls.db,
                         extra=("--sip", f"127.0.0.1:{cls.sip_port}")).start()
        cls.token = cls.srv.login("admin")

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)
        assert code == 0, f"server exit {code}:\n{cls.srv.logs()[-3000:]}"

    def get(self, path):
        r = self.srv.request("GET", path, token=self.token)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_loop_answers_while_searches_run(self):
        """Searches that scan every case are under way (more than the read workers take at
        once); meanwhile /healthz and SIP OPTIONS are answered, before the searches end."""
        done = []
        answers = {}

        def search(i):
            r = self.srv.request("GET", "/api/v1/cases?q=zzzz&limit=50", token=self.token)
            answers[i] = r
            done.append(i)

        threads = [threading.Thread(target=search, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        try:
            health = self.srv.request("GET", "/healthz")
            status = sip_options(self.sip_port)
        finally:
            for t in threads:
                t.join(timeout=300)
        self.assertEqual(health.status, 200, health)
        self.assertIn("loop_max_ms", health.json)
        self.assertIn("loop_probe_ms", health.json)
        self.assertEqual(status, "SIP/2.0 200 OK")
        # Whether some searches were still running when the loop answered depends on the
        # machine's speed (the indexed search may end first): only what was answered counts.
        for i in range(8):
            self.assertEqual(answers[i].status, 200, answers[i])
            self.assertEqual(answers[i].json["items"], [])
            self.assertEqual(answers[i].json["total"], 0)

    @unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
    def test_sipp_options_while_searches_run(self):
        threads = [threading.Thread(target=self.srv.request,
                                    args=("GET", "/api/v1/cases?q=zzzz&limit=50"),
                                    kwargs={"token": self.token}) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            p = subprocess.run([SIPP, "-sf", os.path.join(HERE, "sipp", "options.xml"), "-m", "1",
                                "-timeout", "20s", "-timeout_error", "-i", "127.0.0.1",
                                "-p", str(free_port()), "-nostdin",
                                f"127.0.0.1:{self.sip_port}"], cwd=self.dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        finally:
            for t in threads:
                t.join(timeout=300)
        self.assertEqual(p.returncode, 0)

    def test_answers_are_those_of_the_loop(self):
        """Every converted list answers the same off the loop as with the reads on the loop
        (read-workers 0), a citizen search leaves its audit row, and a search beside others
        still answers its own query."""
        off = {}
        threads = []

        def fetch(path):
            off[path] = self.get(path)

        for path in SEARCHES:
            threads.append(threading.Thread(target=fetch, args=(path,)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        audit = self.get("/api/v1/audit?limit=50&entity=citizen")
        self.assertTrue(any(a["action"] == "search" and a["detail"] == "by phone"
                            for a in audit["items"]), audit)

        on = Server(demo=False, db=self.db, extra=("--read-workers", "0")).start()
        try:
            token = on.login("admin")
            for path in SEARCHES:
                r = on.request("GET", path, token=token)
                self.assertEqual(r.status, 200, r)
                if path.startswith("/api/v1/audit"):
                    continue  # the logins and searches above added rows
                self.assertEqual(json.dumps(off[path], sort_keys=True),
                                 json.dumps(r.json, sort_keys=True), path)
        finally:
            self.assertEqual(on.stop(), 0)

    def test_reports_and_exports_off_the_loop(self):
        """A report and its export are made on a read worker; a month of no cases is a
        report of zeros, as on the loop."""
        r = self.srv.request("GET", "/api/v1/reports/monthly?month=2000-01", token=self.token)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"), r)
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.srv.port}/api/v1/reports/invoice?month=2000-01&format=xlsx",
            headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=60) as f:
            self.assertEqual(f.status, 200)
            self.assertIn("fakturaunderlag-2000-01.xlsx", f.headers.get("Content-Disposition"))
            self.assertEqual(f.read(2), b"PK")  # a zip, as every XLSX file
        viewer = self.srv.login("viewer.trafik")
        r = self.srv.request("GET", "/api/v1/reports/monthly?month=2000-01&client_id=1",
                             token=viewer)
        self.assertEqual(r.status, 403, r)
        self.assertTrue(r.json["type"].endswith("forbidden"), r)

    def test_confidential_cases_stay_hidden_off_the_loop(self):
        s = self.srv
        anna = s.login("anna")
        group = s.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
        client = s.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0]
        cat = s.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0]
        c = {"group_id": group, "client_id": client, "category_id": cat, "channel": "phone",
             "outcome": "resolved", "summary": "Skyddad identitet xqzlotsen.",
             "confidential": True}
        r = s.request("POST", "/api/v1/cases", c, token=anna)
        self.assertEqual(r.status, 201, r)
        q = "/api/v1/cases?q=xqzlotsen"
        self.assertEqual(s.request("GET", q, token=s.login("lars")).json["total"], 0)
        self.assertEqual(s.request("GET", q, token=s.login("erik")).json["total"], 1)
        self.assertEqual(s.request("GET", q, token=s.login("chef.barn")).json["total"], 1)
        tk = s.request("GET", "/api/v1/cases?limit=200", token=s.login("viewer.trafik")).json
        self.assertTrue(all(x["client"] == "Trafikkontoret" for x in tk["items"]))


if __name__ == "__main__":
    unittest.main()
