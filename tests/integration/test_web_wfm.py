"""The planning page in headless Chromium: a lead adds a shift with the keyboard alone and
the day's coverage shows it; the daily steering board (BA) counts a call offered while the
page is open (through the stream's wfm event); the wallboard's steering line; axe-core at
1366×768 and 390×844 with no sideways scrolling on the phone. tests/web/wfm_flow.mjs drives
the browser; this test starts the server, gives group 2 a history to forecast from, offers
the call it asks for and checks what the API stored."""
import datetime as dt
import json
import os
import unittest
import zoneinfo

from browser import ALWAYS, browser_once, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest
from test_api_wfm import add_history

SCRIPT = os.path.join(ROOT, "tests", "web", "wfm_flow.mjs")
STO = zoneinfo.ZoneInfo("Europe/Stockholm")


@needs_browser
class WebWfmTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_api_wfm")
        super().setUpClass()
        s = cls.srv
        admin = s.login("admin")
        r = s.request("PATCH", "/api/v1/groups/2", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
        assert r.status == 200, r
        add_history(s, 2, calls=6)
        cls.day = dt.datetime.now(STO).date()
        cls.anna = s.sql("SELECT id FROM users WHERE username = 'anna'")[0][0]
        cls.calls = []

        def answer(what, arg):
            if what == "call":
                r = s.request("POST", "/api/v1/acd/calls", arg, token=admin)
                assert r.status == 201, r
                cls.calls.append(r.json)
                return r.json
            if what == "hangup":
                # The board as the page last saw it: a call hung up within 5 s is a short
                # abandon and leaves the day's offered calls.
                cls.board = s.request("GET", "/api/v1/wfm/today?group_id=2", token=admin).json
                r = s.request("POST", f"/api/v1/acd/calls/{arg['call_id']}/hangup", token=admin)
                return {"status": r.status}
            return {"error": f"unknown need {what}"}

        cls.result, cls.stderr = run_flow(s, SCRIPT, [str(cls.anna), cls.day.isoformat()], answer, timeout=150)
        with open(os.path.join(s.dir, "result.json"), "w") as f:  # for a failing run
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")
        self.assertTrue(self.result["ok"], self.result.get("error"))

    def test_lead_adds_a_shift_by_keyboard_and_coverage_shows_it(self):
        r = self.result
        self.assertEqual(r["group"], "Äldre direkt")
        self.assertIn(self.day.isoformat(), r["addLabel"])
        self.assertEqual(r["editorFocused"], "e-start")
        self.assertEqual(r["saved"], "Passet sparades.")
        self.assertTrue(r["editorHidden"])
        self.assertIn("Arbetspass 09:00–12:00", r["chip"])
        self.assertIn(r["scheduledBefore"], (None, "0"))
        self.assertEqual((r["scheduledAfter"], r["scheduled1130"]), ("1", "1"), r)
        self.assertIn(r["scheduled1200"], (None, "0"))
        # The shift as stored: anna, group 2, 09–12 Stockholm time today.
        rows = self.srv.sql("SELECT user_id, group_id, kind, starts_at, ends_at FROM wfm_entries")
        start = int(dt.datetime(self.day.year, self.day.month, self.day.day, 9, tzinfo=STO).timestamp())
        self.assertEqual(rows, [(self.anna, 2, "shift", start, start + 3 * 3600)])

    def test_board_counts_a_call_offered_while_open(self):
        r = self.result
        self.assertEqual(r["baAfter"], r["baBefore"] + 1, r)
        self.assertEqual(len(self.calls), 1)
        self.assertEqual(self.board["totals"]["actual_today"], r["baAfter"], self.board["totals"])
        self.assertTrue(r["baCurrentRow"][0].endswith("(nu)"), r["baCurrentRow"])

    def test_wallboard_shows_the_steering_line(self):
        r = self.result
        calls, agents, rate = r["wallboardBa"]
        self.assertIn("samtal i dag / prognos hittills", calls)
        self.assertTrue(calls.startswith(str(r["baAfter"])), calls)
        self.assertIn("inloggade / behov nu", agents)
        self.assertIn("inloggningsgrad", rate)

    @needs_axe
    def test_accessible_at_desk_and_phone_sizes(self):
        r = self.result
        self.assertEqual(sorted(r["axe"]), ["planering-1366", "planering-390", "wallboard-1366", "wallboard-390"])
        for page, violations in r["axe"].items():
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], f"{page}: {json.dumps(bad, ensure_ascii=False)}")

    def test_no_sideways_scrolling_on_the_phone(self):
        self.assertLessEqual(self.result["overflow390"], 0, self.result.get("wide390"))
        self.assertLessEqual(self.result["wallboardOverflow390"], 0)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual((self.result["pageErrors"], self.result["consoleErrors"]), ([], []))


if __name__ == "__main__":
    unittest.main()
