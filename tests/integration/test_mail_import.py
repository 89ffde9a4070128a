"""`lotsen mail import` on a Maildir, then the cases and mails through the API, and an
answer composed into the outbox with its threading headers (read back with Python's email)."""
import email
import email.policy
import os
import shutil
import subprocess
import unittest

from harness import BIN, ROOT, Server, connect

DATA = os.path.join(ROOT, "tests", "data", "mail")
BOX = "kontaktcenter@lotsen.example"


def run(*args, srv=None):
    # the server's working directory: where it keeps its files on PostgreSQL
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300,
                          cwd=srv.cwd if srv else None)


class MailImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        srv = Server(demo=True).start()
        assert (code := srv.stop()) == 0, (code, srv.logs()[-3000:])
        cls.srv = srv
        srv.sql("SELECT 1")
        con = connect(srv.db)
        con.execute("INSERT INTO mailboxes(address, group_id, signature) SELECT ?, id, ?"
                    " FROM groups WHERE name = 'Förskola'", (BOX, "Förskolan\nLotsens kommun"))
        con.commit()
        con.close()
        cls.maildir = os.path.join(srv.dir, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(cls.maildir, sub))
        # cur/ is read before new/, names in order: the first message before its reply
        for i, (sub, name) in enumerate([("cur", "plain-utf8.eml"), ("cur", "attachment-inline.eml"),
                                         ("new", "reply-in-reply-to.eml"), ("new", "8bit-headers.eml")]):
            shutil.copy(os.path.join(DATA, name), os.path.join(cls.maildir, sub, f"{i}.lotsen:2,S"))
        cls.first = run("mail", "import", "--mailbox", BOX, "--db", srv.db, cls.maildir, srv=srv)
        cls.again = run("mail", "import", "--mailbox", BOX, "--db", srv.db, cls.maildir, srv=srv)
        srv.start()
        cls.tokens = {}

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.srv.logs()[-4000:]}")

    def api(self, method, path, body=None, user="admin", **kw):
        if user not in self.tokens:
            self.tokens[user] = self.srv.login(user)
        return self.srv.request(method, path, body, token=self.tokens[user], **kw)

    def case_of(self, message_id):
        return self.srv.sql("SELECT case_id FROM mail_messages WHERE message_id = ?", message_id)[0][0]

    def test_import_counts_and_run_twice(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        self.assertIn("taken 4 (threaded 1, raw only 0, for review 0), duplicates 0, failed 0",
                      self.first.stdout)
        self.assertEqual(self.again.returncode, 0, self.again.stderr)
        self.assertIn("taken 0 (threaded 0, raw only 0, for review 0), duplicates 4, failed 0",
                      self.again.stdout)

    def test_unknown_mailbox_and_usage(self):
        r = run("mail", "import", "--mailbox", "nobody@lotsen.example", "--db", self.srv.db,
                self.maildir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no mailbox nobody@lotsen.example", r.stderr)
        self.assertEqual(run("mail", "import", "--db", self.srv.db).returncode, 2)

    def test_cases_and_mails_in_the_api(self):
        case = self.case_of("plain-1@example.se")
        self.assertEqual(self.case_of("plain-2@example.se"), case)
        c = self.api("GET", f"/api/v1/cases/{case}")
        self.assertEqual(c.status, 200, c)
        self.assertEqual(c.json["channel"], "email")
        self.assertEqual(c.json["summary"], "Fråga om förskoleplats")
        self.assertEqual(c.json["citizen"]["email"], "anna.svensson@example.se")
        r = self.api("GET", f"/api/v1/cases/{case}/mails")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([m["message_id"] for m in r.json["items"] if m["direction"] == "in"],
                         ["plain-1@example.se", "plain-2@example.se"])
        self.assertIn("besked om förskoleplats", r.json["items"][0]["text"])
        audited = self.srv.sql("SELECT count(*) FROM audit_log WHERE action = 'read'"
                               " AND entity = 'case_mails' AND entity_id = ?", case)[0][0]
        self.assertGreaterEqual(audited, 1)
        # the group's lead sees it, a department viewer does not (not handed over)
        self.assertEqual(self.api("GET", f"/api/v1/cases/{case}/mails", user="lead.forskola").status, 200)
        self.assertProblem(self.api("GET", f"/api/v1/cases/{case}/mails", user="viewer.aldre"), 403)
        self.assertProblem(self.api("GET", "/api/v1/cases/99999999/mails"), 404)
        self.assertProblem(self.api("GET", "/api/v1/mails/99999999"), 404)

    def test_attachments_and_raw(self):
        row = self.srv.sql("SELECT id FROM mail_messages WHERE message_id = 'att-1@example.se'")[0][0]
        r = self.api("GET", f"/api/v1/mails/{row}")
        self.assertEqual(r.status, 200, r)
        names = [a["filename"] for a in r.json["attachments"]]
        self.assertEqual(len(names), 3)
        self.assertIn("ansökan.pdf", names)
        pdf = [a for a in r.json["attachments"] if a["filename"] == "ansökan.pdf"][0]
        d = self.api("GET", f"/api/v1/mail-attachments/{pdf['id']}")
        self.assertEqual(d.status, 200, d)
        self.assertTrue(d.body.startswith("%PDF-1.4"))
        self.assertTrue(d.headers["Content-Disposition"].startswith("attachment;"))
        self.assertIn("filename*=UTF-8''ans%C3%B6kan.pdf", d.headers["Content-Disposition"])
        self.assertEqual(d.headers["X-Content-Type-Options"], "nosniff")
        raw = self.api("GET", f"/api/v1/mails/{row}/raw")
        self.assertEqual(raw.status, 200, raw)
        self.assertEqual(raw.headers["Content-Type"], "message/rfc822")
        self.assertIn("Message-ID: <att-1@example.se>", raw.body)
        # department viewers never get the raw message
        self.assertProblem(self.api("GET", f"/api/v1/mails/{row}/raw", user="viewer.aldre"), 403)

    def test_answer_threads(self):
        case = self.case_of("plain-1@example.se")
        r = self.api("POST", f"/api/v1/cases/{case}/mails",
                     {"text": "Hej Anna!\n\nBesked om förskoleplats kommer i mars."}, user="lars")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["status"], "queued")
        self.assertEqual(r.json["to"], "anna.svensson@example.se")
        self.assertEqual(r.json["from"], BOX)
        raw = self.srv.sql("SELECT raw FROM mail_outbox WHERE id = ?", r.json["id"])[0][0]
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg["In-Reply-To"], "<plain-2@example.se>")
        self.assertEqual(msg["References"].split(), ["<plain-1@example.se>", "<plain-2@example.se>"])
        self.assertEqual(msg["Message-ID"], "<" + r.json["message_id"] + ">")
        self.assertTrue(r.json["message_id"].startswith(f"lotsen.{case}."))
        self.assertIn(f"[Lotsen #{case}]", msg["Subject"])
        self.assertTrue(msg["Subject"].startswith("Re: Fråga om förskoleplats"))
        self.assertEqual(msg["Auto-Submitted"], "no")
        body = msg.get_content().replace("\r\n", "\n")
        self.assertIn("Besked om förskoleplats kommer i mars.", body)
        self.assertIn("-- \nFörskolan\nLotsens kommun", body)
        # kept on the case as an outgoing mail
        mails = self.api("GET", f"/api/v1/cases/{case}/mails").json["items"]
        self.assertEqual(mails[-1]["direction"], "out")
        self.assertEqual(mails[-1]["outbox_status"], "queued")

    def test_answer_refused(self):
        case = self.case_of("plain-1@example.se")
        phone = self.srv.sql("SELECT id FROM cases WHERE channel = 'phone' ORDER BY id LIMIT 1")[0][0]
        self.assertProblem(self.api("POST", f"/api/v1/cases/{case}/mails", {}), 422, "text")
        self.assertProblem(self.api("POST", f"/api/v1/cases/{case}/mails", {"text": 5}), 422, "text")
        self.assertProblem(self.api("POST", f"/api/v1/cases/{case}/mails", {"text": " "}), 422, "text")
        self.assertProblem(self.api("POST", f"/api/v1/cases/{case}/mails", {"text": "x", "cc": "y"}),
                           422, "cc")
        r = self.api("POST", f"/api/v1/cases/{case}/mails", raw=b"{not json")
        self.assertProblem(r, 400)
        self.assertProblem(self.api("POST", f"/api/v1/cases/{phone}/mails", {"text": "Hej"}), 400)
        self.assertProblem(self.api("POST", "/api/v1/cases/99999999/mails", {"text": "Hej"}), 404)
        self.assertProblem(self.api("POST", f"/api/v1/cases/{case}/mails", {"text": "Hej"},
                                    user="viewer.aldre"), 403)
        before = self.srv.sql("SELECT count(*) FROM mail_outbox")[0][0]
        self.assertEqual(self.srv.sql("SELECT count(*) FROM mail_outbox")[0][0], before)

    def assertProblem(self, r, status, field=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"), r.headers)
        if field:
            self.assertIn(field, [e["field"] for e in r.json.get("errors", [])], r)


if __name__ == "__main__":
    unittest.main()
