"""Retention (gallring) on the two-year demo and the citizen's export (registerutdrag)."""
import datetime
import json
import os
import subprocess
import tempfile
import unittest

from harness import BIN, Server, connect, on_pg, pg_database

NOW = datetime.datetime.now(datetime.timezone.utc)
# A year and a half on, with a 12-month period, every demo case is past it.
LATER = (NOW + datetime.timedelta(days=550)).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(*args):
    # in the test's directory: where the files go on PostgreSQL (lotsen.files)
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=600,
                       cwd=RetentionTest.dir)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout


class RetentionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lotsen-retention-")
        cls.db = pg_database(cls.dir) if on_pg() else os.path.join(cls.dir, "lotsen.db")
        # two years either way; fewer cases on PostgreSQL, where the demo's inserts are
        # round trips to the server (the behaviour is the same at any volume)
        run("demo", "--years", "2", "--contacts-per-year", "5000" if on_pg() else "20000",
            "--db", cls.db)
        first = datetime.datetime.fromtimestamp(cls.sql("SELECT MIN(received_at) FROM cases")[0][0],
                                                datetime.timezone.utc).strftime("%Y-%m-%d")
        cls.period = f"{first}..{NOW.strftime('%Y-%m-%d')}"

    @classmethod
    def sql(cls, q, *params):
        c = connect(cls.db)
        try:
            return c.execute(q, params).fetchall()
        finally:
            c.close()

    def report(self):
        out = run("report", "period", "--period", self.period, "--db", self.db)
        return json.loads(out)

    def test_export_then_retention(self):
        citizen = self.sql("SELECT citizen_id FROM cases WHERE citizen_id IS NOT NULL"
                           " GROUP BY citizen_id ORDER BY COUNT(*) DESC LIMIT 1")[0][0]
        n_cases = self.sql("SELECT COUNT(*) FROM cases WHERE citizen_id = ?", citizen)[0][0]
        srv = Server(demo=False, db=self.db).start()
        try:
            r = srv.request("GET", f"/api/v1/citizens/{citizen}/export",
                            token=srv.login("admin"))
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["citizen"]["id"], citizen)
            self.assertEqual(len(r.json["cases"]), n_cases)
            self.assertTrue(all("history" in c and "emails" in c for c in r.json["cases"]))
            r = srv.request("GET", f"/api/v1/citizens/{citizen}/export", token=srv.login("anna"))
            self.assertEqual(r.status, 403, r)
            self.assertTrue(r.headers.get("Content-Type").startswith("application/problem+json"))
            r = srv.request("GET", "/api/v1/citizens/99999999/export", token=srv.login("admin"))
            self.assertEqual(r.status, 404, r)
            self.assertTrue(r.headers.get("Content-Type").startswith("application/problem+json"))
        finally:
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'export'"
                                  " AND entity = 'citizen' AND entity_id = ?", citizen)[0][0], 1)
        # The CLI gives the same document, and a PDF.
        out = os.path.join(self.dir, "utdrag.json")
        run("citizen", "export", "--db", self.db, "--id", str(citizen), "--out", out)
        with open(out, encoding="utf-8") as f:
            self.assertEqual(len(json.load(f)["cases"]), n_cases)
        pdf = os.path.join(self.dir, "utdrag.pdf")
        run("citizen", "export", "--db", self.db, "--id", str(citizen), "--out", pdf)
        with open(pdf, "rb") as f:
            self.assertEqual(f.read(4), b"%PDF")

        # A legal hold on one closed case with a citizen.
        held, held_summary = self.sql(
            "SELECT id, summary FROM cases WHERE citizen_id IS NOT NULL AND status = 'closed'"
            " AND citizen_id <> ? ORDER BY id LIMIT 1", citizen)[0]
        run("retention", "hold", "--db", self.db, "--case", str(held), "--reason",
            "begärd av förvaltningsrätten")

        before = self.report()
        dry = run("retention", "run", "--db", self.db, "--now", LATER, "--months", "12",
                  "--dry-run")
        self.assertIn("dry run", dry)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM cases WHERE anonymized_at IS NOT NULL")
                         [0][0], 0)
        run("retention", "run", "--db", self.db, "--now", LATER, "--months", "12")
        self.assertEqual(self.report(), before)

        # Past the period: no text, no citizen; closed cases only; the citizen gone.
        left = self.sql("SELECT COUNT(*) FROM cases WHERE status = 'closed' AND"
                        " anonymized_at IS NULL AND id <> ?", held)[0][0]
        self.assertEqual(left, 0)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM cases WHERE anonymized_at IS NOT NULL"
                                  " AND (summary <> '' OR citizen_id IS NOT NULL)")[0][0], 0)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM handovers h JOIN cases c ON"
                                  " c.id = h.case_id WHERE c.anonymized_at IS NOT NULL"
                                  " AND h.message <> ''")[0][0], 0)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM citizens c WHERE NOT EXISTS"
                                  " (SELECT 1 FROM cases WHERE citizen_id = c.id)")[0][0], 0)
        self.assertEqual(self.sql("SELECT summary FROM cases WHERE id = ?", held)[0][0],
                         held_summary)
        self.assertGreater(self.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'retention'")
                           [0][0], 0)
        # Open cases are never anonymized, whatever their age.
        self.assertEqual(self.sql("SELECT COUNT(*) FROM cases WHERE status <> 'closed' AND"
                                  " anonymized_at IS NOT NULL")[0][0], 0)


if __name__ == "__main__":
    unittest.main()
