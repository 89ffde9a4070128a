"""The desk's e-mail in headless Chromium (tests/web/mail_flow.mjs): mail imported into
Förskola's mailbox is listed on Lars's desk with subject, sender, waited and due; he takes
one with the keyboard, its case's mail opens and his answer goes out; ready again, the
queue offers the next e-mail in the call bar and he takes it there. axe-core finds nothing
serious or critical; the screenshot is desk-email-1366x768.png."""
import json
import os
import shutil
import subprocess

from browser import ALWAYS, browser_once, needs_axe, needs_browser, run_flow
from harness import BIN, ROOT, ServerTest, connect

SCRIPT = os.path.join(ROOT, "tests", "web", "mail_flow.mjs")
DATA = os.path.join(ROOT, "tests", "data", "mail")
BOX = "forskola-in@lotsen.example"
FORSKOLA = 4


@needs_browser
class WebMailDeskTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_mail_acd")
        super().setUpClass()
        s = cls.srv
        assert (code := s.stop()) == 0, (code, s.logs()[-3000:])
        con = connect(s.db)
        con.execute("INSERT INTO mailboxes(address, group_id) VALUES (?, ?)", (BOX, FORSKOLA))
        con.commit()
        con.close()
        maildir = os.path.join(s.dir, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub))
        for i, name in enumerate(["plain-utf8.eml", "latin1-qp.eml", "alternative.eml"]):
            shutil.copy(os.path.join(DATA, name), os.path.join(maildir, "cur", f"{i}.lotsen:2,S"))
        r = subprocess.run([BIN, "mail", "import", "--mailbox", BOX, "--db", s.db, maildir],
                           capture_output=True, text=True, timeout=300, cwd=s.cwd)
        assert r.returncode == 0, r.stderr
        s.start()
        admin = s.login("admin")
        for g in range(1, 9):
            r = s.request("PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        lars = {a["name"]: a["agent_id"] for a in
                s.request("GET", "/api/v1/acd/agents", token=s.login("lead.forskola")).json["items"]}["Lars Svensson"]
        r = s.request("PUT", f"/api/v1/acd/agents/{lars}/channels", {"voice": True, "email": True}, token=admin)
        assert r.status == 200, r
        cls.result, cls.stderr = run_flow(s, SCRIPT, [], lambda what, arg: {}, timeout=150)
        with open(os.path.join(s.dir, "result.json"), "w") as f:
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")
        self.assertTrue(self.result["flowOk"], self.result.get("flowError"))

    def test_the_desk_lists_the_groups_waiting_email(self):
        r = self.result
        self.assertEqual(len(r["listed"]), 3, r["listed"])
        self.assertIn("Fråga om förskoleplats", r["listed"])
        self.assertTrue(any("anna.svensson@example.se" in f for f in r["listedFrom"]), r["listedFrom"])
        for hint in r["listedHints"]:
            self.assertRegex(hint, r"^Väntat \d+ min · svar senast \w+")
        self.assertEqual(r["mailCount"], "(3)")
        self.assertTrue(r["takeLabel"].startswith("Ta e-posten "), r["takeLabel"])

    def test_taking_opens_the_case_and_the_answer_goes_out(self):
        r = self.result
        self.assertEqual(r["stateWorking"], "Arbetar med e-post")
        self.assertEqual(r["focusAfterTake"], "mail-answer")
        self.assertRegex(r["caseLink"], r"^case\.html\?id=\d+$")
        case = int(r["caseLink"].split("=")[1])
        self.assertTrue(r["workText"].strip(), r)
        self.assertIn("skickat", r["sentStatus"])
        out = self.srv.sql("SELECT count(*) FROM mail_messages WHERE case_id = ? AND direction = 'out'"
                           " AND kind = 'answer'", case)
        self.assertEqual(out[0][0], 1)
        self.assertEqual(self.srv.sql("SELECT count(*) FROM acd_mail_items WHERE case_id = ?"
                                      " AND done_ms IS NOT NULL", case)[0][0], 1)

    def test_the_offered_email_is_shown_like_a_call_and_taken_there(self):
        r = self.result
        self.assertEqual(r["stateOffered"], "E-post erbjuds")
        self.assertIn("E-post erbjuds", r["offerText"])
        self.assertTrue(r["offerInView"])
        self.assertTrue(r["listInView"])  # the list beside it, at 1366×768
        self.assertNotIn(r["offerTakenTitle"], r["listedAtOffer"])  # offered: not waiting
        self.assertTrue(r["offerTakenTitle"])
        self.assertLessEqual(r["deskWidth"], 1366)

    @needs_axe
    def test_no_serious_or_critical_accessibility_violations(self):
        for name, vs in self.result["axe"].items():
            bad = [v for v in vs if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], name)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
        self.assertEqual(self.result["consoleErrors"], [])
