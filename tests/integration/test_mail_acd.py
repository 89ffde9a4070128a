"""E-mail as a work item in the queue, on a real server: mail imported with `lotsen mail
import` waits in its group's queue (rebuilt from the database at start), an idle agent with
the e-mail channel hears the offer on the event stream, an agent on a call does not, take
and put back, the answer finishes it, and the routes' roles and bad input. The live path
(IMAP from Dovecot into a running server) is MailQueueLiveTest."""
import http.client
import json
import os
import shutil
import subprocess
import threading
import time
import unittest

from harness import BIN, ROOT, Server, connect
from test_mail_net import DOMAIN, MailNetBase, message

DATA = os.path.join(ROOT, "tests", "data", "mail")
BOX = "forskola-in@lotsen.example"
FORSKOLA = 4  # the demo's group "Förskola": lars, fatima, lead.forskola are members
ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}
ROLES = {"agent": "lars", "group_lead": "lead.forskola", "manager": "chef.barn", "admin": "admin",
         "client_viewer": "viewer.aldre"}


def wait_for(pred, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


class Stream:
    """An agent's /api/v1/acd/stream, read on a thread into a list of (event, data)."""

    def __init__(self, srv, token):
        self.events = []
        self.conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        self.conn.request("GET", "/api/v1/acd/stream", headers={"Authorization": "Bearer " + token})
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        ev = None
        try:
            while True:
                line = self.resp.fp.readline().decode()
                if not line:
                    return
                if line.startswith("event: "):
                    ev = line[7:].strip()
                elif line.startswith("data: ") and ev:
                    self.events.append((ev, json.loads(line[6:])))
        except (OSError, ValueError, AttributeError):  # closed under the reader
            return

    def of(self, kind):
        return [d for e, d in list(self.events) if e == kind]

    def close(self):
        try:
            self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()


class MailQueueTest(unittest.TestCase):
    """One demo database; three mails imported into Förskola's mailbox before the start."""

    @classmethod
    def setUpClass(cls):
        srv = Server(demo=True).start()
        code = srv.stop()
        assert code == 0, (code, srv.logs()[-3000:])
        con = connect(srv.db)
        con.execute("INSERT INTO mailboxes(address, group_id) VALUES (?, ?)", (BOX, FORSKOLA))
        con.commit()
        con.close()
        maildir = os.path.join(srv.dir, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub))
        for i, name in enumerate(["plain-utf8.eml", "latin1-qp.eml", "alternative.eml"]):
            shutil.copy(os.path.join(DATA, name), os.path.join(maildir, "cur", f"{i}.lotsen:2,S"))
        r = subprocess.run([BIN, "mail", "import", "--mailbox", BOX, "--db", srv.db, maildir],
                           capture_output=True, text=True, timeout=300, cwd=srv.cwd)
        assert r.returncode == 0, r.stderr
        srv.start()
        cls.srv = srv
        cls.tokens = {}
        for g in range(1, 9):
            r = cls.api_as("admin", "PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS, "wrapup_s": 0})
            assert r.status == 200, r
        cls.ids = {a["name"]: a["agent_id"] for a in
                   cls.api_as("lead.forskola", "GET", "/api/v1/acd/agents").json["items"]}

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.srv.logs()[-4000:]}")

    @classmethod
    def api_as(cls, user, method, path, body=None, **kw):
        if user not in cls.tokens:
            cls.tokens[user] = cls.srv.login(user)
        return cls.srv.request(method, path, body, token=cls.tokens[user], **kw)

    def api(self, method, path, body=None, user="admin", **kw):
        return self.api_as(user, method, path, body, **kw)

    def assertProblem(self, r, status, kind=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"), r)
        if kind:
            self.assertEqual(r.json["type"].rsplit("problem-", 1)[-1], kind, r.json)

    def state(self, user, state):
        r = self.api("POST", "/api/v1/acd/agents/me/state", {"state": state}, user=user)
        self.assertEqual(r.status, 200, r)
        return r.json

    def queue(self, user="lars"):
        r = self.api("GET", f"/api/v1/mail/queue?group={FORSKOLA}", user=user)
        self.assertEqual(r.status, 200, r)
        return r.json["items"]

    def channels(self, user, voice, email, by="lead.forskola"):
        r = self.api("PUT", f"/api/v1/acd/agents/{self.ids[user]}/channels",
                     {"voice": voice, "email": email}, user=by)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_1_imported_mail_waits_in_due_order_with_subject_and_sender(self):
        items = self.queue()
        self.assertEqual(len(items), 3, items)
        self.assertEqual([i["state"] for i in items], ["waiting"] * 3)
        self.assertEqual([i["position"] for i in items], [1, 2, 3])
        dues = [(i["due_at"], i["arrived_at"], i["item_id"]) for i in items]
        self.assertEqual(dues, sorted(dues))
        first = [i for i in items if i["subject"] == "Fråga om förskoleplats"]
        self.assertEqual(len(first), 1, items)
        self.assertEqual(first[0]["from"], "anna.svensson@example.se")
        case = self.api("GET", f"/api/v1/cases/{first[0]['case_id']}").json
        self.assertEqual((case["channel"], case["group_id"]), ("email", FORSKOLA))
        # the senders are personal data: the read is audited
        self.assertGreaterEqual(self.srv.sql("SELECT count(*) FROM audit_log WHERE action = 'read'"
                                             " AND entity = 'mail_queue' AND entity_id = ?",
                                             FORSKOLA)[0][0], 1)
        # the group's snapshot counts them, calls not
        g = self.api("GET", f"/api/v1/acd/groups/{FORSKOLA}", user="lars").json
        self.assertEqual((g["emails_waiting"], g["waiting"]), (3, 0), g)

    def test_2_offer_to_idle_agent_not_to_agent_on_call_then_take_and_answer(self):
        self.assertEqual(self.channels("Fatima Ali", True, True)["channels"],
                         {"voice": True, "email": True})
        self.channels("Lars Svensson", True, True)
        me = self.api("GET", "/api/v1/acd/agents/me", user="lars").json
        self.assertEqual(me["channels"], {"voice": True, "email": True})
        fatima = Stream(self.srv, self.srv.login("fatima"))
        lars = Stream(self.srv, self.srv.login("lars"))
        try:
            # Fatima takes a call: a call waits before she is ready, calls come first
            self.state("fatima", "logged_in")
            c = self.api("POST", "/api/v1/acd/calls", {"group_id": FORSKOLA})
            self.assertEqual(c.status, 201, c)
            self.state("fatima", "ready")
            call_id = c.json["call_id"]
            self.assertEqual(self.api("GET", f"/api/v1/acd/calls/{call_id}").json["agent_id"],
                             self.ids["Fatima Ali"])
            r = self.api("POST", f"/api/v1/acd/calls/{call_id}/answer", user="fatima")
            self.assertEqual(r.status, 200, r)
            # Lars, idle with e-mail on, gets the first due e-mail over the stream
            first = self.queue()[0]
            self.state("lars", "logged_in")
            self.state("lars", "ready")
            offer = wait_for(lambda: lars.of("email_offer"), "Lars's e-mail offer")[0]
            self.assertEqual(offer["item_id"], first["item_id"])
            self.assertEqual(offer["state"], "offered")
            self.assertEqual(offer["subject"], first["subject"])
            self.assertEqual(self.api("GET", "/api/v1/acd/agents/me", user="lars").json["email_item_id"],
                             first["item_id"])
            # Fatima, on her call, was offered no e-mail, and may not take one by hand
            me = self.api("GET", "/api/v1/acd/agents/me", user="fatima").json
            self.assertEqual((me["state"], me["email_item_id"]), ("talking", None), me)
            self.assertEqual(fatima.of("email_offer"), [])
            second = self.queue()[0]
            self.assertProblem(self.api("POST", f"/api/v1/mail/items/{second['item_id']}/take",
                                        user="fatima"), 409, "taken")
            # Lars accepts; the lead's take of the same item is refused
            r = self.api("POST", f"/api/v1/mail/items/{first['item_id']}/take", user="lars")
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json["state"], r.json["agent_id"]), ("taken", self.ids["Lars Svensson"]))
            self.state("lead.forskola", "logged_in")
            self.assertProblem(self.api("POST", f"/api/v1/mail/items/{first['item_id']}/take",
                                        user="lead.forskola"), 409, "taken")
            self.assertNotIn(first["item_id"], [i["item_id"] for i in self.queue()])
            # the wait, arrival → taken, is in the event log
            ev = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod").json["items"]
            taken = [e for e in ev if e["kind"] == "email_taken" and e.get("call_id") == first["item_id"]]
            self.assertEqual(len(taken), 1, ev[-10:])
            self.assertGreater(taken[0]["wait_ms"], 0)
            today = self.api("GET", f"/api/v1/acd/groups/{FORSKOLA}", user="lars").json["emails_today"]
            self.assertEqual((today["queued"], today["taken"]), (3, 1), today)
            self.assertGreater(today["average_wait_s"], 0)
            # put back: it waits again, and Lars (ready again) is offered the next one
            r = self.api("POST", f"/api/v1/mail/items/{first['item_id']}/release", user="lars")
            self.assertEqual((r.status, r.json["state"]), (200, "waiting"), r)
            nxt = wait_for(lambda: [o for o in lars.of("email_offer") if o["item_id"] != first["item_id"]],
                           "the next offer to Lars")[0]
            self.assertEqual(nxt["item_id"], second["item_id"])
            # he declines it: it waits again, not offered to him again; the third comes
            r = self.api("POST", f"/api/v1/mail/items/{nxt['item_id']}/release", user="lars")
            self.assertEqual(r.status, 200, r)
            third = wait_for(lambda: [o for o in lars.of("email_offer")
                                      if o["item_id"] not in (first["item_id"], second["item_id"])],
                             "the third offer to Lars")[0]
            # he takes it and answers the case: that finishes the item, he is ready again
            r = self.api("POST", f"/api/v1/mail/items/{third['item_id']}/take", user="lars")
            self.assertEqual(r.status, 200, r)
            r = self.api("POST", f"/api/v1/cases/{third['case_id']}/mails",
                         {"text": "Hej!\n\nBesked kommer i mars."}, user="lars")
            self.assertEqual(r.status, 201, r)
            self.assertEqual(self.api("GET", f"/api/v1/mail/items/{third['item_id']}", user="lars")
                             .json["state"], "done")
            me = self.api("GET", "/api/v1/acd/agents/me", user="lars").json
            self.assertEqual((me["state"], me["email_item_id"]), ("ready", None), me)
            self.assertEqual(sorted(i["item_id"] for i in self.queue()),
                             sorted([first["item_id"], second["item_id"]]))
            # Fatima's call ends with e-mail off: she gets no e-mail
            self.channels("Fatima Ali", True, False)
            self.api("POST", f"/api/v1/acd/calls/{call_id}/hangup", user="fatima")
            self.state("fatima", "logged_out")
            self.assertEqual(fatima.of("email_offer"), [])
        finally:
            fatima.close()
            lars.close()

    def test_3_roles_and_bad_input(self):
        item = self.queue()[-1]["item_id"]
        # route × role: who gets past the route's role check (unknown ids: 404, not 403)
        phones = {"agent", "group_lead"}
        staff = phones | {"manager", "admin"}
        routes = [
            ("GET", f"/api/v1/mail/queue?group={FORSKOLA}", None, staff),
            ("GET", "/api/v1/mail/items/987654", None, staff),
            ("POST", "/api/v1/mail/items/987654/take", None, phones),
            ("POST", "/api/v1/mail/items/987654/release", None, phones),
            ("PUT", "/api/v1/acd/agents/987654/channels", {"voice": True, "email": False},
             {"group_lead", "manager", "admin"}),
        ]
        for method, path, body, allowed in routes:
            self.assertProblem(self.srv.request(method, path, body), 401)
            for role, user in ROLES.items():
                r = self.api(method, path, body, user=user)
                if role in allowed:
                    self.assertNotIn(r.status, (401, 403, 405), (method, path, role, r))
                else:
                    self.assertProblem(r, 403)
        self.assertProblem(self.api("POST", "/api/v1/mail/items/987654/take", user="lars"), 404, "not-found")
        self.assertProblem(self.api("PUT", "/api/v1/acd/agents/987654/channels",
                                    {"voice": True, "email": False}), 404)
        # an agent of another group: neither the queue nor the item
        self.assertProblem(self.api("GET", f"/api/v1/mail/queue?group={FORSKOLA}", user="anna"), 403)
        self.assertProblem(self.api("POST", f"/api/v1/mail/items/{item}/take", user="anna"), 403)
        # malformed and wrong input
        self.assertProblem(self.api("POST", f"/api/v1/mail/items/{item}/take", user="lars",
                                    raw=b"{not json"), 400)
        self.assertProblem(self.api("POST", f"/api/v1/mail/items/{item}/take", {"x": 1}, user="lars"), 422)
        self.assertProblem(self.api("GET", "/api/v1/mail/queue", user="lars"), 400)
        self.assertProblem(self.api("GET", "/api/v1/mail/queue?group=abc", user="lars"), 400)
        self.assertProblem(self.api("GET", "/api/v1/mail/queue?group=999", user="chef.barn"), 404)
        lars = self.ids["Lars Svensson"]
        self.assertProblem(self.api("PUT", f"/api/v1/acd/agents/{lars}/channels", raw=b"[1,"), 400)
        for body in ({"voice": "yes", "email": True}, {"voice": False, "email": False},
                     {"voice": True}, {"voice": True, "email": True, "fax": True}):
            self.assertProblem(self.api("PUT", f"/api/v1/acd/agents/{lars}/channels", body), 422)
        # nothing above changed the item
        self.assertEqual(self.api("GET", f"/api/v1/mail/items/{item}").json["state"], "waiting")

    def test_3b_group_answer_target_is_a_group_setting(self):
        r = self.api("PATCH", f"/api/v1/groups/{FORSKOLA}", {"email_answer_days": 21})
        self.assertProblem(r, 422)
        self.assertEqual(r.json["errors"][0]["field"], "email_answer_days")
        r = self.api("PATCH", f"/api/v1/groups/{FORSKOLA}", {"email_answer_days": "2"})
        self.assertProblem(r, 422)
        r = self.api("PATCH", f"/api/v1/groups/{FORSKOLA}", {"email_answer_days": 2})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.api("GET", f"/api/v1/groups/{FORSKOLA}").json["email_answer_days"], 2)
        self.assertProblem(self.api("PATCH", f"/api/v1/groups/{FORSKOLA}", {"email_answer_days": 3},
                                    user="lead.forskola"), 403)
        r = self.api("PATCH", f"/api/v1/groups/{FORSKOLA}", {"email_answer_days": None})
        self.assertEqual(r.status, 200, r)

    def test_4_restart_rebuilds_the_waiting_list(self):
        before = [i["item_id"] for i in self.queue()]
        self.assertEqual(len(before), 2)
        # Lars holds one when the server stops: it stays his, the other waits again
        r = self.api("POST", f"/api/v1/mail/items/{before[0]}/take", user="lars")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.srv.stop(), 0)
        self.srv.start()
        self.tokens.clear()
        self.assertEqual([i["item_id"] for i in self.queue()], before[1:])
        self.assertEqual(self.api("GET", f"/api/v1/mail/items/{before[0]}", user="lars").json["state"],
                         "taken")
        # put back after the restart (he is logged out now): it waits again, in due order
        r = self.api("POST", f"/api/v1/mail/items/{before[0]}/release", user="lars")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(i["item_id"] for i in self.queue()), sorted(before))
        # the rollups count each e-mail once, not again for the restart
        rows = self.srv.sql("SELECT sum(queued), sum(taken) FROM acd_mail_intervals WHERE group_id = ?",
                            FORSKOLA)
        self.assertEqual(rows[0][1], 2, rows)


class MailQueueLiveTest(MailNetBase):
    """Dovecot delivers, the running server fetches: the stored mail enters the queue at
    once and an idle e-mail agent of the mailbox's group hears the offer."""

    def test_fetched_mail_is_offered_to_an_idle_email_agent(self):
        srv = self.start()
        self.add_mailbox()  # group 1, Stockholm direkt: sara is a member
        sara = {a["name"]: a["agent_id"] for a in
                self.api("GET", "/api/v1/acd/agents", user="lead.aldre").json["items"]}["Sara Ahmed"]
        r = self.api("PUT", f"/api/v1/acd/agents/{sara}/channels", {"voice": False, "email": True})
        self.assertEqual(r.status, 200, r)
        stream = Stream(srv, srv.login("sara"))
        try:
            self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_in"},
                                      user="sara").status, 200)
            self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "ready"},
                                      user="sara").status, 200)
            self.mail.send("medborgare", "kontaktcenter",
                           message("medborgare", "Var hämtar jag soptunnan?", "Hej! Var?", "live-1"))
            try:
                offer = wait_for(lambda: stream.of("email_offer"), "the offer to Sara")
            except AssertionError as e:
                lines = [l for l in srv.logs().splitlines() if "event=acd" in l or "event=mail" in l]
                raise AssertionError(f"{e}\n{stream.events[-5:]}\n" + "\n".join(lines[-20:])) from None
            offer = offer[0]
            self.assertEqual(offer["subject"], "Var hämtar jag soptunnan?")
            self.assertEqual(offer["from"], f"medborgare@{DOMAIN}")
            r = self.api("POST", f"/api/v1/mail/items/{offer['item_id']}/take", user="sara")
            self.assertEqual((r.status, r.json["state"]), (200, "taken"), r)
        finally:
            stream.close()


if __name__ == "__main__":
    unittest.main()
