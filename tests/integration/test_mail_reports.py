"""Monthly reports by e-mail over real servers (issue 14): when a month's report is stored,
each agreement with recipients gets it once through Postfix, read back from Dovecot with
imaplib, with the PDF and the CSV attached; an agreement without recipients sends nothing;
a broken address is refused with a field error; storing again (a restart, a second run)
sends nothing twice."""
import email
import email.policy
import subprocess

from harness import BIN, connect
from mailservers import DOMAIN, MailServers
from test_mail_net import MailNetBase

SUBJECT = "Månadsrapport november 2026 – Äldreförvaltningen"


def parsed(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


class ReportMailTest(MailNetBase):
    @classmethod
    def setUpClass(cls):
        cls.mail = MailServers.shared(users=("kontaktcenter", "anna", "ledare"))

    def db(self):
        return connect(self.srv.db)

    def agreements(self):
        c = self.db()
        try:
            aldre = c.execute("SELECT a.id FROM agreements a JOIN clients c ON c.id = a.client_id"
                              " WHERE c.name = 'Äldreförvaltningen' ORDER BY a.id").fetchone()[0]
            other = c.execute("SELECT a.id FROM agreements a JOIN clients c ON c.id = a.client_id"
                              " WHERE c.name <> 'Äldreförvaltningen' ORDER BY a.id").fetchone()[0]
            return aldre, other
        finally:
            c.close()

    def deliver(self, now):
        out = subprocess.run([BIN, "report", "deliver", "--now", now, "--db", self.srv.db],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, cwd=self.srv.cwd)
        self.assertEqual(out.returncode, 0, out.stderr.decode())

    def test_invalid_recipient_refused_with_field_error(self):
        self.start()
        aldre, _ = self.agreements()
        before = self.api("GET", f"/api/v1/agreements/{aldre}").json
        for bad in (["inte-en-adress"], "anna@example.se", [f"anna@{DOMAIN}", 42],
                    ["a b@example.se"]):
            with self.subTest(bad=bad):
                r = self.api("PATCH", f"/api/v1/agreements/{aldre}", {"recipients": bad})
                self.assertEqual(r.status, 422, r)
                self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"))
                self.assertIn("recipients", [e["field"] for e in r.json["errors"]], r.json)
        # nothing half-written
        self.assertEqual(self.api("GET", f"/api/v1/agreements/{aldre}").json, before)
        # a good list is kept lower-case, duplicates once
        r = self.api("PATCH", f"/api/v1/agreements/{aldre}",
                     {"recipients": [f"Anna@{DOMAIN}", f"anna@{DOMAIN}"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["recipients"], [f"anna@{DOMAIN}"])

    def month_rows(self, month):
        c = self.db()
        try:
            return c.execute("SELECT to_addr FROM mail_outbox WHERE kind = 'report'"
                             " AND subject LIKE ? ORDER BY to_addr", (f"%{month}%",)).fetchall()
        finally:
            c.close()

    def forget_stored(self, month):
        c = connect(self.srv.db)
        with c:
            c.execute("DELETE FROM report_stored WHERE month = ?", (month,))
        c.close()

    def stored(self, month):
        c = self.db()
        try:
            return c.execute("SELECT count(*) FROM report_stored WHERE month = ?",
                             (month,)).fetchone()[0]
        finally:
            c.close()

    def test_stored_report_mailed_once_with_pdf_and_csv(self):
        self.start()
        self.add_mailbox()
        aldre, other = self.agreements()
        r = self.api("PATCH", f"/api/v1/agreements/{aldre}",
                     {"recipients": [f"anna@{DOMAIN}", f"ledare@{DOMAIN}"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.api("GET", f"/api/v1/agreements/{other}").json.get("recipients"),
                         None)
        self.assertEqual(self.srv.stop(), 0)
        # November's reports were not made yet (the server was down on the first working
        # day): the next start stores them, and the report goes out by mail
        self.forget_stored("2026-11")
        self.start(db=self.srv.db)
        for user in ("anna", "ledare"):
            got = self.wait_for(lambda: [m for m in self.mail.messages(user)
                                         if SUBJECT in str(parsed(m[1])["Subject"])],
                                f"the report in {user}'s mailbox")
            self.assertEqual(len(got), 1)
            msg = parsed(got[0][1])
            self.assertEqual(msg["Auto-Submitted"], "auto-generated")
            self.assertEqual(msg["From"].addresses[0].addr_spec, f"kontaktcenter@{DOMAIN}")
            self.assertIn("november 2026", msg.get_body(("plain",)).get_content())
            atts = {a.get_filename(): a for a in msg.iter_attachments()}
            self.assertEqual(sorted(atts), ["Månadsrapport 2026-11 Äldreförvaltningen.csv",
                                            "Månadsrapport 2026-11 Äldreförvaltningen.pdf"])
            pdf = atts["Månadsrapport 2026-11 Äldreförvaltningen.pdf"]
            self.assertEqual(pdf.get_content_type(), "application/pdf")
            self.assertTrue(pdf.get_content().startswith(b"%PDF"))
            csv = atts["Månadsrapport 2026-11 Äldreförvaltningen.csv"]
            self.assertEqual(csv.get_content_type(), "text/csv")
            text = csv.get_content()
            self.assertIn("2026-11", text if isinstance(text, str) else text.decode("utf-8"))
        # the department's readers got an in-app notice
        notes = self.api("GET", "/api/v1/notifications", user="viewer.aldre")
        self.assertEqual(notes.status, 200, notes)
        items = notes.json["items"] if isinstance(notes.json, dict) else notes.json
        self.assertTrue(any(SUBJECT in n["message"] for n in items), items)
        # a restart that stores the month again sends nothing twice
        self.assertEqual(self.srv.stop(), 0)
        self.forget_stored("2026-11")
        self.start(db=self.srv.db)
        self.wait_for(lambda: self.stored("2026-11") > 0, "November stored again")
        self.assertEqual(self.month_rows("november 2026"),
                         [(f"anna@{DOMAIN}",), (f"ledare@{DOMAIN}",)])
        # `lotsen report deliver` for December: the same, once, and only for the agreement
        # that has recipients
        self.assertEqual(self.srv.stop(), 0)
        self.deliver("2027-01-04T09:00")
        self.deliver("2027-01-04T10:00")
        self.forget_stored("2026-12")
        self.deliver("2027-01-04T11:00")
        self.assertEqual(self.month_rows("december 2026"),
                         [(f"anna@{DOMAIN}",), (f"ledare@{DOMAIN}",)])
        c = connect(self.srv.db)
        try:
            sends = c.execute("SELECT agreement_id, month, recipients FROM mail_report_sends"
                              " ORDER BY month").fetchall()
        finally:
            c.close()
        self.assertEqual(sends, [(aldre, "2026-11", 2), (aldre, "2026-12", 2)])
        self.srv = None
