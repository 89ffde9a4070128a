"""`lotsen backup`: a consistent copy of a live database while cases are being logged."""
import os
import sqlite3
import subprocess
import threading
import unittest

from harness import BIN, ServerTest, on_pg


def backup(*args):
    return subprocess.run([BIN, "backup", *args], capture_output=True, text=True, timeout=300)


ON_PG = "lotsen backup copies a SQLite file; a PostgreSQL database is copied with pg_dump"


class BackupTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        cls.case = {"group_id": s.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0],
                    "client_id": s.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0],
                    "category_id": s.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0],
                    "channel": "phone", "outcome": "resolved", "summary": "Frågade om hemtjänstavgift."}

    def out(self, name):
        return os.path.join(self.srv.dir, name)

    @unittest.skipIf(on_pg(), ON_PG)
    def test_copy_while_cases_are_logged(self):
        token = self.token("anna")
        acked = []  # ids the server answered 201 for, in order
        failures = []
        stop = threading.Event()
        started = threading.Event()

        def write():
            while not stop.is_set():
                r = self.srv.request("POST", "/api/v1/cases", self.case, token=token)
                if r.status != 201:
                    failures.append(r)
                    return
                acked.append(r.json["id"])
                if len(acked) >= 20:
                    started.set()

        t = threading.Thread(target=write)
        t.start()
        try:
            self.assertTrue(started.wait(120), failures)
            before = list(acked)  # acknowledged before the backup started
            p = backup("--db", self.srv.db, "--out", self.out("copy.db"))
            after_backup = len(acked)
            # The server keeps taking cases after the copy, too.
            while len(acked) < after_backup + 5 and not failures:
                stop.wait(0.05)
        finally:
            stop.set()
            t.join(60)
        self.assertEqual(failures, [])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("integrity_check ok", p.stdout)

        con = sqlite3.connect(self.out("copy.db"))
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            have = {r[0] for r in con.execute("SELECT id FROM cases")}
            users = con.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        finally:
            con.close()
        missing = [i for i in before if i not in have]
        self.assertEqual(missing, [], "cases acknowledged before the backup are missing")
        self.assertGreater(users, 0)
        # No partial file is left beside the copy.
        self.assertFalse(os.path.exists(self.out("copy.db.partial")))

    @unittest.skipIf(on_pg(), ON_PG)
    def test_refuses_to_overwrite_without_force(self):
        dst = self.out("exists.db")
        with open(dst, "w") as f:
            f.write("keep me")
        p = backup("--db", self.srv.db, "--out", dst)
        self.assertEqual(p.returncode, 1)
        self.assertIn("exists", p.stderr)
        self.assertIn("--force", p.stderr)
        with open(dst) as f:
            self.assertEqual(f.read(), "keep me")
        p = backup("--db", self.srv.db, "--out", dst, "--force")
        self.assertEqual(p.returncode, 0, p.stderr)
        con = sqlite3.connect(dst)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        finally:
            con.close()

    @unittest.skipIf(on_pg(), ON_PG)
    def test_clear_errors(self):
        p = backup("--db", self.out("no-such.db"), "--out", self.out("x.db"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("no database file at", p.stderr)
        self.assertFalse(os.path.exists(self.out("x.db")))

        notdb = self.out("not-a-database.txt")
        with open(notdb, "w") as f:
            f.write("this is text, not SQLite\n" * 100)
        p = backup("--db", notdb, "--out", self.out("y.db"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a database", p.stderr)
        self.assertFalse(os.path.exists(self.out("y.db")))
        self.assertFalse(os.path.exists(self.out("y.db.partial")))

        p = backup("--db", self.srv.db)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: lotsen backup", p.stderr)

        p = backup("--db", self.srv.db, "--out", os.path.join(self.out("no-dir"), "z.db"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot create the copy", p.stderr)

    @unittest.skipUnless(on_pg(), "on PostgreSQL only")
    def test_refuses_a_postgresql_url_naming_its_tools(self):
        p = backup("--db", self.srv.db, "--out", self.out("copy.db"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("pg_dump", p.stderr)
        self.assertNotIn(self.srv.db, p.stderr)  # the URL may hold a password
        self.assertFalse(os.path.exists(self.out("copy.db")))


if __name__ == "__main__":
    unittest.main()
