"""Mail over the network with real servers: Dovecot (IMAP, LMTP) and Postfix (SMTP) on
loopback, started by the tests (mailservers.py). Lotsen fetches from a group mailbox,
stores exactly once across kill -9, answers and receipts go out through Postfix and are
read back from the recipient's mailbox with imaplib."""
import email
import email.policy
import os
import time
import unittest

from harness import Server, connect
from mailservers import DOMAIN, PASSWORD, MailServers

# Our Message-IDs carry this domain; citizens write from DOMAIN (the test's only mail
# domain), so it must differ or every citizen would look like Lotsen itself.
OWN_DOMAIN = "kc." + DOMAIN
DEADLINE = 30.0  # generous: the assertions are about what happens, never how fast


def message(sender, subject, body, msgid, extra=""):
    return (f"From: Medborgare <{sender}@{DOMAIN}>\r\n"
            f"To: kontaktcenter@{DOMAIN}\r\n"
            f"Subject: {subject}\r\n"
            f"Message-ID: <{msgid}@{DOMAIN}>\r\n"
            f"Date: Sun, 06 Dec 2026 08:00:00 +0100\r\n"
            f"{extra}"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            f"{body}\r\n").encode()


def wait_for(pred, what, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


class MailNetBase(unittest.TestCase):
    """The file's mail servers (MailServers.shared); a Lotsen server per test (some tests
    kill it)."""

    @classmethod
    def setUpClass(cls):
        cls.mail = MailServers.shared()

    def setUp(self):
        self.srv = None
        self.token_cache = {}
        # Each test starts from empty mailboxes.
        for u in self.mail.users:
            for folder in ("INBOX", "Behandlat"):
                self.mail.expunge(u, folder)

    def tearDown(self):
        if self.srv and self.srv.proc:
            code = self.srv.stop()
            if code != 0:
                raise AssertionError(f"server exited with {code}:\n{self.srv.logs()[-4000:]}")

    def wait_for(self, pred, what, timeout=DEADLINE):
        """wait_for, with the server's mail log lines when it fails."""
        try:
            return wait_for(pred, what, timeout)
        except AssertionError as e:
            mail_log = "\n".join(l for l in self.srv.logs().splitlines() if "event=mail." in l)
            raise AssertionError(f"{e}\n{mail_log[-3000:]}") from None

    def conf(self, smtp=True, ca=True, **extra):
        path = os.path.join(self.mail.dir, f"lotsen-{self.id().split('.')[-1]}.conf")
        lines = ["mail-poll-seconds = 1", f"mail-domain = {OWN_DOMAIN}"]
        if ca:  # the test servers' certificate is self-signed: trust it by name
            lines += [f"mail-ca-file = {self.mail.cert}", f"smtp-ca-file = {self.mail.cert}"]
        if smtp:
            lines += [f"smtp-url = smtp://127.0.0.1:{self.mail.smtp_port}",
                      f"smtp-user = kontaktcenter@{DOMAIN}", f"smtp-password = {PASSWORD}"]
        lines += [f"{k.replace('_', '-')} = {v}" for k, v in extra.items()]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start(self, db=None, env=None, **conf):
        self.srv = Server(db=db, extra=["--config", self.conf(**conf)])
        old = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update(env or {})
        try:
            self.srv.start()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.token_cache = {}
        return self.srv

    def api(self, method, path, body=None, user="admin"):
        if user not in self.token_cache:
            self.token_cache[user] = self.srv.login(user)
        return self.srv.request(method, path, body, token=self.token_cache[user])

    def add_mailbox(self, imap_security="starttls", **extra):
        body = self.mail.mailbox_settings("kontaktcenter", security=imap_security, group_id=1,
                                          **extra)
        r = self.api("POST", "/api/v1/mailboxes", body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def mail_rows(self, db=None):
        con = connect(db or self.srv.db)
        try:
            return con.execute("SELECT id, case_id, direction, subject, message_id"
                               " FROM mail_messages ORDER BY id").fetchall()
        finally:
            con.close()

    def incoming(self):
        return [r for r in self.mail_rows() if r[2] == "in"]


class FetchTest(MailNetBase):
    def test_delivered_mail_becomes_an_email_case_and_is_moved(self):
        self.start()
        box = self.add_mailbox(processed_folder="Behandlat")
        self.assertTrue(box["imap_password_set"])
        self.mail.send("medborgare", "kontaktcenter",
                       message("medborgare", "Fråga om förskoleplats", "Hej! När får vi besked?",
                               "fetch-1"))
        rows = self.wait_for(self.incoming, "the message stored")
        self.assertEqual(len(rows), 1)
        case_id = rows[0][1]
        case = self.api("GET", f"/api/v1/cases/{case_id}")
        self.assertEqual(case.status, 200, case)
        self.assertEqual(case.json["channel"], "email")
        self.assertEqual(case.json["group_id"], 1)
        # Taken from the inbox into the processed folder on the server.
        self.wait_for(lambda: len(self.mail.messages("kontaktcenter", "Behandlat")) == 1,
                 "the message moved to Behandlat")
        self.assertEqual(self.mail.messages("kontaktcenter"), [])
        st = self.api("GET", f"/api/v1/mailboxes/{box['id']}").json["fetch"]
        self.assertTrue(st["running"])
        self.assertEqual(st["fetched"], 1)
        self.assertIsNone(st["last_error"])

    def test_without_processed_folder_the_message_is_flagged_and_taken_once(self):
        self.start()
        self.add_mailbox(imap_security="none")
        self.mail.save("kontaktcenter", message("medborgare", "Parkering", "Hej", "flag-1"))
        self.wait_for(self.incoming, "the message stored")
        msgs = self.wait_for(lambda: [m for m in self.mail.messages("kontaktcenter")
                                 if "$Lotsen" in m[0]], "the message flagged")
        self.assertIn("\\Seen", msgs[0][0])
        # A second message: the first is not taken again.
        self.mail.save("kontaktcenter", message("medborgare", "Parkering 2", "Hej igen", "flag-2"))
        self.wait_for(lambda: len(self.incoming()) == 2, "the second message stored")
        time.sleep(1.5)  # a few more polling rounds
        self.assertEqual(len(self.incoming()), 2)

    def test_imap_over_tls_with_a_custom_folder(self):
        self.start(smtp=False)
        self.add_mailbox(imap_security="tls", folder="Behandlat", processed_folder="INBOX")
        self.mail.save("kontaktcenter", message("medborgare", "TLS", "Hej", "tls-1"),
                       folder="Behandlat")
        self.wait_for(self.incoming, "the message stored")
        self.wait_for(lambda: len(self.mail.messages("kontaktcenter")) == 1, "moved to INBOX")
        self.assertEqual(self.mail.messages("kontaktcenter", "Behandlat"), [])

    def test_imap_server_restarted_the_fetcher_reconnects(self):
        self.start(smtp=False)
        box = self.add_mailbox(processed_folder="Behandlat")
        self.wait_for(lambda: self.api("GET", f"/api/v1/mailboxes/{box['id']}").json["fetch"]
                      ["idle"], "idling")
        self.mail.stop_dovecot()
        try:
            st = self.wait_for(
                lambda: (lambda f: f if f["last_error"] else None)(
                    self.api("GET", f"/api/v1/mailboxes/{box['id']}").json["fetch"]),
                "the lost connection shown")
            self.assertFalse(st["connected"])
            self.assertIsNone(self.srv.proc.poll())  # no SIGPIPE or other end
        finally:
            self.mail.start_dovecot_again()
        self.mail.save("kontaktcenter", message("medborgare", "Efter omstart", "Hej", "restart-1"))
        self.wait_for(self.incoming, "the message stored after the reconnect", timeout=60)
        self.assertIsNone(self.srv.proc.poll())

    def test_wrong_password_is_shown_on_the_mailbox_and_retried(self):
        self.start()
        body = self.mail.mailbox_settings("kontaktcenter", group_id=1)
        body["imap_password"] = "fel-lösenord"
        box = self.api("POST", "/api/v1/mailboxes", body).json
        st = self.wait_for(lambda: self.api("GET", f"/api/v1/mailboxes/{box['id']}").json["fetch"]
                      if self.api("GET", f"/api/v1/mailboxes/{box['id']}").json["fetch"]
                      ["last_error"] else None, "the login failure shown")
        self.assertIn("LOGIN", st["last_error"])
        self.assertNotIn("fel-lösenord", st["last_error"])
        # Corrected: the fetcher starts over and takes the message.
        self.mail.save("kontaktcenter", message("medborgare", "Rätt nu", "Hej", "pw-1"))
        r = self.api("PATCH", f"/api/v1/mailboxes/{box['id']}", {"imap_password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        self.wait_for(self.incoming, "the message stored after the fix")
        self.assertNotIn("fel-lösenord", self.srv.logs())


class CrashTest(MailNetBase):
    HOOKS = {"LOTSEN_TEST_HOOKS": "1"}

    def crash_then_restart(self, when):
        srv = self.start(mail_test_crash=when, env=self.HOOKS)
        self.add_mailbox(processed_folder="Behandlat")
        db = srv.db
        self.mail.save("kontaktcenter", message("medborgare", f"Krasch {when}", "Hej", when))
        # The hook kills the process (SIGKILL) at that point of the first message.
        srv.proc.wait(timeout=DEADLINE)
        srv.proc = None
        srv.log.close()
        self.assertIn("mail.test_crash", srv.logs())
        stored_before = len(self.mail_rows(db))
        # Nothing was moved: the message is still in the inbox.
        self.assertEqual(len(self.mail.messages("kontaktcenter")), 1)
        self.start(db=db)
        self.wait_for(lambda: len(self.mail.messages("kontaktcenter", "Behandlat")) == 1,
                 "the message moved after the restart")
        time.sleep(1.0)
        rows = self.incoming()
        self.assertEqual(len(rows), 1, rows)
        cases = {r[1] for r in rows}
        self.assertEqual(len(cases), 1)
        self.assertEqual(self.mail.messages("kontaktcenter"), [])
        return stored_before

    def test_kill_after_store_before_move_neither_loses_nor_doubles(self):
        self.assertEqual(self.crash_then_restart("after-store"), 1)

    def test_kill_before_store_fetches_again(self):
        self.assertEqual(self.crash_then_restart("before-store"), 0)

    def test_hook_is_ignored_without_the_environment(self):
        self.start(mail_test_crash="after-store")
        self.add_mailbox(processed_folder="Behandlat")
        self.mail.save("kontaktcenter", message("medborgare", "Ingen krasch", "Hej", "nohook"))
        self.wait_for(lambda: len(self.mail.messages("kontaktcenter", "Behandlat")) == 1,
                 "the message moved")
        self.assertIsNone(self.srv.proc.poll())


class SendTest(MailNetBase):
    def receipts_to(self, user):
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for _, raw in self.mail.messages(user)]

    def test_receipt_once_and_never_to_automatic_senders(self):
        self.start()
        self.add_mailbox(processed_folder="Behandlat", receipt_reply=True)
        self.mail.send("medborgare", "kontaktcenter",
                       message("medborgare", "Fråga", "Hej", "rcpt-1"))
        got = self.mail.wait_messages("medborgare", 1, timeout=DEADLINE)
        self.assertEqual(len(got), 1)
        receipt = email.message_from_bytes(got[0][1], policy=email.policy.default)
        self.assertEqual(receipt["Auto-Submitted"], "auto-replied")
        self.assertEqual(receipt["In-Reply-To"], f"<rcpt-1@{DOMAIN}>")
        self.assertRegex(receipt["Subject"], r"\[Lotsen #\d+\]")
        self.assertTrue(receipt["Message-ID"].endswith(f"@{OWN_DOMAIN}>"), receipt["Message-ID"])
        # An automatic sender and a bulk sender get none; neither does the receipt's own
        # echo (an auto-reply from the citizen's side).
        self.mail.send("handlaggare", "kontaktcenter",
                       message("handlaggare", "Frånvaro", "Jag är borta", "auto-1",
                               "Auto-Submitted: auto-replied\r\n"))
        self.mail.send("forskola", "kontaktcenter",
                       message("forskola", "Nyhetsbrev", "Nytt", "bulk-1", "Precedence: bulk\r\n"))
        self.wait_for(lambda: len(self.incoming()) == 3, "all three stored")
        self.wait_for(lambda: not self.api("GET", "/api/v1/mail/outbox?status=queued").json["items"],
                 "the outbox empty")
        time.sleep(1.0)
        self.assertEqual(self.mail.messages("handlaggare"), [])
        self.assertEqual(self.mail.messages("forskola"), [])
        self.assertEqual(len(self.mail.messages("medborgare")), 1)
        outbox = self.api("GET", "/api/v1/mail/outbox?status=sent").json
        self.assertEqual(outbox["total"], 1, outbox)
        self.assertEqual(outbox["items"][0]["kind"], "receipt")
        self.assertNotIn("raw", outbox["items"][0])

    def test_smtp_down_is_retried_and_shown_then_sent(self):
        self.start()
        self.mail.stop_postfix()
        try:
            self.add_mailbox(processed_folder="Behandlat", receipt_reply=True)
            self.mail.save("kontaktcenter", message("medborgare", "Fråga", "Hej", "down-1"))
            row = self.wait_for(lambda: [o for o in self.api("GET", "/api/v1/mail/outbox").json["items"]
                                    if o["attempts"] >= 1 and o["last_error"]],
                           "the failed attempt shown")[0]
            self.assertEqual(row["status"], "queued")
            self.assertGreater(row["next_attempt_at"], int(time.time()))
            self.assertNotIn(PASSWORD, row["last_error"])
            r = self.api("GET", "/api/v1/mail/outbox?status=queued", user="lead.aldre")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["total"], 1)
        finally:
            self.mail.start_postfix()
        # The retry is due later (backoff); the test moves its time forward as an
        # operator would see it pass, instead of waiting a minute.
        con = connect(self.srv.db)
        with con:
            con.execute("UPDATE mail_outbox SET next_attempt_at = 0 WHERE id = ?", (row["id"],))
        con.close()
        self.wait_for(lambda: self.api("GET", "/api/v1/mail/outbox?status=sent").json["total"] == 1,
                 "sent once the server is back")
        self.assertEqual(len(self.mail.wait_messages("medborgare", 1)), 1)
        self.assertNotIn(PASSWORD, self.srv.logs())

    def test_outbox_is_for_leads_and_admins(self):
        self.start(smtp=False)
        self.assertEqual(self.api("GET", "/api/v1/mail/outbox", user="anna").status, 403)
        r = self.api("GET", "/api/v1/mail/outbox?status=lost")
        self.assertEqual(r.status, 400, r)
        self.assertIn("status", r.body)


class AnswerTest(MailNetBase):
    def test_answer_arrives_threaded_and_the_reply_joins_the_case(self):
        self.start()
        self.add_mailbox(processed_folder="Behandlat")
        self.mail.send("medborgare", "kontaktcenter",
                       message("medborgare", "Snöröjning", "När plogas vår gata?", "ans-1"))
        rows = self.wait_for(self.incoming, "the message stored")
        case_id = rows[0][1]
        r = self.api("POST", f"/api/v1/cases/{case_id}/mails",
                     {"text": "Hej! Er gata plogas i morgon."}, user="anna")
        if r.status == 404 and "Ingen resurs" in r.body:
            self.skipTest("the answer API is not on this branch yet")
        self.assertIn(r.status, (200, 201), r)
        got = self.mail.wait_messages("medborgare", 1, timeout=DEADLINE)
        self.assertEqual(len(got), 1)
        ans = email.message_from_bytes(got[0][1], policy=email.policy.default)
        self.assertEqual(ans["In-Reply-To"], f"<ans-1@{DOMAIN}>")
        self.assertIn(f"<ans-1@{DOMAIN}>", ans["References"])
        self.assertIn(f"[Lotsen #{case_id}]", ans["Subject"])
        self.assertTrue(ans["Message-ID"].endswith(f"@{OWN_DOMAIN}>"))
        self.assertIn("plogas i morgon", ans.get_body(("plain",)).get_content())
        # The citizen answers the answer: it joins the same case.
        reply = (f"From: Medborgare <medborgare@{DOMAIN}>\r\n"
                 f"To: kontaktcenter@{DOMAIN}\r\n"
                 f"Subject: Re: {ans['Subject']}\r\n"
                 f"Message-ID: <ans-2@{DOMAIN}>\r\n"
                 f"In-Reply-To: {ans['Message-ID']}\r\n"
                 f"References: <ans-1@{DOMAIN}> {ans['Message-ID']}\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\n\r\nTack!\r\n")
        self.mail.send("medborgare", "kontaktcenter", reply)
        rows = self.wait_for(lambda: len(self.incoming()) == 2 and self.incoming(), "the reply stored")
        self.assertEqual({r[1] for r in rows}, {case_id})


class MailboxAdminTest(MailNetBase):
    def test_password_is_write_only_and_admins_only(self):
        self.start(smtp=False)
        box = self.add_mailbox()
        for r in (self.api("GET", "/api/v1/mailboxes"),
                  self.api("GET", f"/api/v1/mailboxes/{box['id']}"),
                  self.api("PATCH", f"/api/v1/mailboxes/{box['id']}", {"signature": "Hälsningar"})):
            self.assertEqual(r.status, 200, r)
            self.assertNotIn(PASSWORD, r.body)
            self.assertNotIn('"imap_password"', r.body)
            self.assertIn('"imap_password_set":true', r.body)
        for user in ("anna", "lead.aldre", "chef.stod"):
            self.assertEqual(self.api("GET", "/api/v1/mailboxes", user=user).status, 403)
            self.assertEqual(self.api("POST", "/api/v1/mailboxes",
                                      self.mail.mailbox_settings("forskola", group_id=4),
                                      user=user).status, 403)
        # Cleared: no password is set any more.
        r = self.api("PATCH", f"/api/v1/mailboxes/{box['id']}", {"imap_password": None})
        self.assertIn('"imap_password_set":false', r.body)
        self.assertNotIn(PASSWORD, self.srv.logs())
        audit = connect(self.srv.db).execute("SELECT * FROM audit_log").fetchall()
        self.assertNotIn(PASSWORD, repr(audit))

    def test_bad_settings_are_refused_naming_the_field(self):
        self.start(smtp=False)
        cases = [
            ({"imap_port": 70000}, "imap_port"),
            ({"imap_port": "993"}, "imap_port"),
            ({"imap_security": "ssl"}, "imap_security"),
            ({"imap_host": "imap://x.se"}, "imap_host"),
            ({"group_id": 9999}, "group_id"),
            ({"address": "inte-en-adress"}, "address"),
            ({"folder": "INBOX", "processed_folder": "INBOX"}, "processed_folder"),
            ({"processed_folder": "bad\"name"}, "processed_folder"),
            ({"imap_pasword": "typo"}, "imap_pasword"),
        ]
        for change, field in cases:
            body = self.mail.mailbox_settings("kontaktcenter", group_id=1)
            body.update(change)
            r = self.api("POST", "/api/v1/mailboxes", body)
            self.assertIn(r.status, (400, 404, 409, 422), (change, r))
            self.assertTrue(r.headers["Content-Type"].startswith("application/problem+json"))
            self.assertIn(field, r.body, (change, r))
        self.assertEqual(self.api("GET", "/api/v1/mailboxes").json["total"], 0)
        r = self.srv.request("POST", "/api/v1/mailboxes", raw=b"{not json",
                             token=self.token_cache["admin"])
        self.assertEqual(r.status, 400, r)
        box = self.add_mailbox()
        r = self.api("POST", "/api/v1/mailboxes", self.mail.mailbox_settings("kontaktcenter",
                                                                            group_id=1))
        self.assertEqual(r.status, 409, r)
        self.assertEqual(self.api("GET", "/api/v1/mailboxes/999").status, 404)
        self.assertEqual(self.api("DELETE", f"/api/v1/mailboxes/{box['id']}").status, 204)
        self.assertEqual(self.api("GET", f"/api/v1/mailboxes/{box['id']}").status, 404)

    def test_a_mailbox_with_mail_is_turned_off_not_removed(self):
        self.start(smtp=False)
        box = self.add_mailbox(processed_folder="Behandlat")
        self.mail.save("kontaktcenter", message("medborgare", "Hej", "Hej", "del-1"))
        self.wait_for(self.incoming, "the message stored")
        r = self.api("DELETE", f"/api/v1/mailboxes/{box['id']}")
        self.assertEqual(r.status, 409, r)
        r = self.api("PATCH", f"/api/v1/mailboxes/{box['id']}", {"active": False})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["fetch"]["running"])
        self.mail.save("kontaktcenter", message("medborgare", "Efter", "Hej", "del-2"))
        time.sleep(1.5)
        self.assertEqual(len(self.incoming()), 1)


if __name__ == "__main__":
    unittest.main()
