"""Notices by e-mail over real servers (issue 14): Lotsen sends through Postfix, the
recipients' mail is read back from Dovecot with imaplib. A handover tells the department
contact (case number, due date, link); the department's answer tells the agent who logged
the case; an overdue handover reminds the contact and the group lead once a working day
("now" fixed by the notice-test-now hook), not twice the same day."""
import email
import email.policy
import re
import time

from harness import connect
from mailservers import DOMAIN, MailServers
from test_mail_net import MailNetBase

PUBLIC = "https://lotsen.kommun.se"


def parsed(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


class NoticeBase(MailNetBase):
    @classmethod
    def setUpClass(cls):
        cls.mail = MailServers.shared(users=("kontaktcenter", "handlaggare", "anna", "ledare"))

    def setup_people(self):
        """The department contact, the agent and the group lead get their mailboxes here."""
        con = connect(self.srv.db)
        try:
            self.group = con.execute("SELECT id FROM groups WHERE name='Äldre direkt'").fetchone()[0]
            self.client = con.execute(
                "SELECT id FROM clients WHERE name='Äldreförvaltningen'").fetchone()[0]
            self.category = con.execute(
                "SELECT id FROM categories WHERE name LIKE 'Biståndsbedömning%'").fetchone()[0]
            contact = con.execute("SELECT b.contact_id FROM boundaries b WHERE b.category_id=?"
                                  " AND b.contact_id IS NOT NULL", (self.category,)).fetchone()[0]
            users = dict(con.execute("SELECT username, id FROM users").fetchall())
        finally:
            con.close()
        for path, body in ((f"/api/v1/contacts/{contact}", {"email": f"handlaggare@{DOMAIN}"}),
                           (f"/api/v1/users/{users['anna']}", {"email": f"anna@{DOMAIN}"}),
                           (f"/api/v1/users/{users['lead.aldre']}", {"email": f"ledare@{DOMAIN}"})):
            r = self.api("PATCH", path, body)
            self.assertEqual(r.status, 200, r)

    def handover(self):
        r = self.api("POST", "/api/v1/cases", {
            "group_id": self.group, "client_id": self.client, "category_id": self.category,
            "channel": "phone", "outcome": "handed_over", "summary": "Ansökan om hemtjänst.",
            "handover": {"message": "Kontakta medborgaren om beslut."}}, user="anna")
        self.assertEqual(r.status, 201, r)
        return r.json

    def inbox(self, user, n):
        return self.wait_for(lambda: (lambda m: m if len(m) >= n else None)(
            self.mail.messages(user)), f"{n} message(s) for {user}")


class HandoverNoticeTest(NoticeBase):
    def test_handover_notice_to_contact_and_answer_notice_to_agent(self):
        self.start(public_url=PUBLIC)
        self.add_mailbox()
        self.setup_people()
        case = self.handover()
        cid, h = case["id"], case["handovers"][0]
        msg = parsed(self.inbox("handlaggare", 1)[0][1])
        self.assertIn(str(cid), msg["Subject"])
        self.assertIn(h["due_date"], msg["Subject"])
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertEqual(msg["From"].addresses[0].addr_spec, f"kontaktcenter@{DOMAIN}")
        body = msg.get_body(("plain",)).get_content()
        self.assertIn(f"{PUBLIC}/case.html?id={cid}", body)
        self.assertIn(f"Svara senast {h['due_date']}", body)
        # the citizen's matter stays behind the login
        self.assertNotIn("hemtjänst", body)
        # the department answers on its web: the agent who logged the case hears by mail
        r = self.api("POST", f"/api/v1/handovers/{h['id']}/answer", {"answer": "Beslut skickat."},
                     user="viewer.aldre")
        self.assertEqual(r.status, 200, r)
        msg = parsed(self.inbox("anna", 1)[0][1])
        self.assertIn(f"svarat på ärende {cid}", msg["Subject"])
        self.assertIn(f"{PUBLIC}/case.html?id={cid}", msg.get_body(("plain",)).get_content())
        # and in-app
        notes = self.api("GET", "/api/v1/notifications", user="anna")
        if notes.status == 200:
            items = notes.json["items"] if isinstance(notes.json, dict) else notes.json
            self.assertTrue(any(n.get("case_id") == cid for n in items), items)


class OverdueReminderTest(NoticeBase):
    def test_overdue_handover_reminded_once_the_same_day(self):
        # Monday 7 December 2026, 09:00 in Stockholm, for the reminders
        self.start(env={"LOTSEN_TEST_HOOKS": "1"}, notice_test_now="2026-12-07T09:00",
                   notice_check_seconds=1, public_url=PUBLIC)
        self.add_mailbox()
        self.setup_people()
        case = self.handover()
        self.inbox("handlaggare", 1)  # the handover's own notice
        con = connect(self.srv.db)
        try:
            with con:
                con.execute("UPDATE handovers SET due_date='2026-12-01' WHERE id=?",
                            (case["handovers"][0]["id"],))
        finally:
            con.close()
        got = self.inbox("handlaggare", 2)
        reminder = parsed(got[1][1])
        self.assertIn("Påminnelse", reminder["Subject"])
        self.assertIn("2026-12-01", reminder["Subject"])
        self.assertIn(f"{PUBLIC}/case.html?id={case['id']}",
                      reminder.get_body(("plain",)).get_content())
        lead = parsed(self.inbox("ledare", 1)[0][1])
        self.assertIn("Påminnelse", lead["Subject"])
        # several more rounds of the check run the same day: nothing more is sent
        rounds = lambda: len(re.findall(r"event=mail\.reminders", self.srv.logs()))
        time.sleep(3)
        self.assertEqual(len(self.mail.messages("handlaggare")), 2)
        self.assertEqual(len(self.mail.messages("ledare")), 1)
        con = connect(self.srv.db)
        try:
            self.assertEqual(con.execute("SELECT day, recipients FROM mail_reminders"
                                         " WHERE handover_id=?",
                                         (case["handovers"][0]["id"],)).fetchall(),
                             [("2026-12-07", 2)])
        finally:
            con.close()
        self.assertLessEqual(rounds(), 1)


class TlsCheckedTest(NoticeBase):
    """The servers' certificate is self-signed: refused unless Lotsen is given it."""

    def fetch_state(self, box):
        return self.api("GET", f"/api/v1/mailboxes/{box['id']}").json["fetch"]

    def test_imap_self_signed_refused_without_the_ca_and_taken_with_it(self):
        for security in ("starttls", "tls"):
            with self.subTest(security=security):
                self.start(ca=False)
                box = self.add_mailbox(imap_security=security)
                self.assertTrue(box["tls_verify"])
                self.mail.save("kontaktcenter", (
                    "From: medborgare@example.se\r\nSubject: Hej\r\n"
                    f"Message-ID: <tls-{security}@example.se>\r\n\r\nHej!\r\n"))
                st = self.wait_for(lambda: (lambda f: f if f["last_error"] else None)(
                    self.fetch_state(box)), "the certificate refused")
                self.assertIn("certificate", st["last_error"])
                self.assertFalse(st["connected"])
                self.assertEqual(self.incoming(), [])
                self.assertEqual(self.srv.stop(), 0)
                # with the CA: taken
                self.start(db=self.srv.db, ca=True)
                self.wait_for(self.incoming, "the message taken with the CA given")
                self.srv.stop()
                self.srv = None
                self.mail.expunge("kontaktcenter")

    def test_tls_verify_off_per_mailbox(self):
        self.start(ca=False)
        box = self.add_mailbox(tls_verify=False)
        self.assertFalse(box["tls_verify"])
        self.mail.save("kontaktcenter", ("From: medborgare@example.se\r\nSubject: Hej\r\n"
                                         "Message-ID: <tls-off@example.se>\r\n\r\nHej!\r\n"))
        self.wait_for(self.incoming, "the message taken without the check")

    def test_smtp_starttls_refused_without_the_ca_and_sent_with_it(self):
        self.start(ca=False, smtp_starttls="yes")
        self.add_mailbox()
        self.setup_people()
        self.handover()
        con = lambda: connect(self.srv.db)
        row = self.wait_for(lambda: (lambda c: (c.execute(
            "SELECT attempts, last_error FROM mail_outbox WHERE kind='notice'"
            " AND attempts > 0").fetchone(), c.close())[0])(con()),
            "the send tried and refused")
        self.assertRegex(row[1] or "", r"(?i)certificate|SSL|TLS")
        self.assertEqual(self.mail.messages("handlaggare"), [])
        self.assertEqual(self.srv.stop(), 0)
        # with the CA the queued notice goes out (its retry made due now)
        c = con()
        with c:
            c.execute("UPDATE mail_outbox SET next_attempt_at = 0 WHERE status = 'queued'")
        c.close()
        self.start(db=self.srv.db, ca=True, smtp_starttls="yes")
        self.inbox("handlaggare", 1)
