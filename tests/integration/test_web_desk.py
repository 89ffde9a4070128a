"""The desk built around the call in headless Chromium (tests/web/desk_flow.mjs): at
1366×768 an offered call's Svara is in the viewport with urgent notices and the caller's
earlier cases shown; a case logged from the desk carries the caller and is linked to their
earlier cases; a letter is logged with its date stamp; a transfer to a contact found in the
directory reaches the API; no staff page is wider than a 390 px screen; axe-core finds
nothing serious or critical."""
import json
import os

from browser import ALWAYS, browser_once, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "desk_flow.mjs")
CALLER = "070-555 12 34"


@needs_browser
class WebDeskTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_api_acd, test_api_cases and test_api_directory")
        super().setUpClass()
        s = cls.srv
        admin = s.login("admin")
        for g in range(1, 9):
            r = s.request("PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        cat = s.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst%' ORDER BY id")[0][0]
        # The caller's earlier case, and the department contact the switchboard finds.
        r = s.request("POST", "/api/v1/cases", {
            "group_id": 2, "client_id": 1, "category_id": cat, "channel": "phone", "outcome": "resolved",
            "summary": "Frågade om trygghetslarm.", "citizen": {"name": "Sven Svensson", "phone": CALLER}},
            token=s.login("anna"))
        assert r.status == 201, r
        cls.earlier = r.json["id"]
        r = s.request("POST", "/api/v1/contacts", {"client_id": 1, "name": "Bygglovsjour Berg", "role": "Jourhavande",
                                                   "phone": "08-508 999 00", "phone_hours": {"weekly": {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}}, token=admin)
        assert r.status == 201, r
        cls.contact = r.json["id"]
        cls.calls = []

        def answer(what, arg):
            if what == "call":
                r = s.request("POST", "/api/v1/acd/calls", arg, token=admin)
                assert r.status == 201, r
                cls.calls.append(r.json)
                return r.json
            if what == "hangup":
                r = s.request("POST", f"/api/v1/acd/calls/{arg['call_id']}/hangup", token=admin)
                return {"status": r.status}
            return {"error": f"unknown need {what}"}

        cls.result, cls.stderr = run_flow(s, SCRIPT, [], answer, timeout=150)
        with open(os.path.join(s.dir, "result.json"), "w") as f:
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")

    def test_svara_is_in_the_viewport_for_an_offered_call(self):
        r = self.result
        self.assertTrue(r["deskOk"], r.get("deskError"))
        self.assertTrue(r["noticesShown"], r)
        self.assertTrue(r["answerInView"], r["answerBox"])
        self.assertIn("Alt+S", r["answerText"])
        self.assertEqual(r["callerPrefilled"], "+46705551234")
        self.assertLessEqual(r["deskWidth"], 1366)
        self.assertRegex(r["talkTimer"], r"^\d+:\d\d$")

    def test_case_from_the_desk_is_linked_to_the_callers_earlier_cases(self):
        r = self.result
        self.assertTrue(r["deskOk"], r.get("deskError"))
        c = self.api("GET", f"/api/v1/cases/{r['phoneCaseId']}").json
        self.assertEqual(c["channel"], "phone")
        self.assertEqual(c["citizen"]["name"], "Sven Svensson")
        self.assertIn(self.earlier, [e["id"] for e in c["earlier_cases"]], c)

    def test_letter_case_carries_its_date_stamp(self):
        r = self.result
        self.assertTrue(r["deskOk"], r.get("deskError"))
        c = self.api("GET", f"/api/v1/cases/{r['letterCaseId']}").json
        self.assertEqual(c["channel"], "letter")
        self.assertIsNone(c.get("call_id"))
        self.assertTrue(c["received_at"].startswith(("2026-01-11T2", "2026-01-12")), c["received_at"])

    def test_transfer_to_a_directory_contact(self):
        r = self.result
        self.assertTrue(r["deskOk"], r.get("deskError"))
        self.assertEqual(r["dirFocused"], "dir-q")
        self.assertIn("Bygglovsjour Berg", r["dirHits"])
        # No outbound trunk in the test server: the API answered 409 and the desk says so.
        self.assertIn("Bygglovsjour Berg", r["dirError"] + r["dirStatus"])
        audit = self.srv.sql("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%transfer%'")
        self.assertIsNotNone(audit)

    def test_no_staff_page_wider_than_the_phone(self):
        r = self.result
        self.assertTrue(r["narrowOk"], r.get("narrowError"))
        for page, width in r["narrow"].items():
            self.assertLessEqual(width, 390, (page, r["narrow"]))

    @needs_axe
    def test_no_serious_or_critical_accessibility_violations(self):
        for name, vs in self.result["axe"].items():
            bad = [v for v in vs if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], name)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
