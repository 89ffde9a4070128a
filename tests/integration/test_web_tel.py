"""The telephony section of the administration page in headless Chromium: an admin sets a
voice menu (a wrong one first: the server's field error is shown and focused), the crisis
message, a group's survey and recording policy and its announcement; axe-core finds no
serious violation; a manager does not see the section. tests/web/tel_admin.mjs drives it."""
import json
import os
import subprocess
import unittest

from browser import NODE, SHOTS, browser_once, needs_axe, needs_browser
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "tel_admin.mjs")


@needs_browser
class WebTelTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_sip_admin")
        super().setUpClass()
        shots = os.path.join(ROOT, SHOTS) if SHOTS else cls.srv.dir
        p = subprocess.run([NODE, SCRIPT, f"http://127.0.0.1:{cls.srv.port}", shots], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        cls.result = None
        for line in p.stdout.splitlines():
            if line.startswith("RESULT "):
                cls.result = json.loads(line[7:])
        cls.stderr = p.stderr

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")
        self.assertTrue(self.result["ok"], self.result.get("error"))

    def test_menu_error_names_the_field_and_a_good_menu_is_stored(self):
        r = self.result
        self.assertIn("menu.options.1.group", r["menuError"]["text"])
        self.assertEqual((r["menuError"]["focused"], r["menuError"]["invalid"]), ("tm-menu", "true"))
        self.assertEqual(r["menuSaved"], "Menyn är sparad.")
        menu = json.loads(self.srv.sql("SELECT menu FROM entry_numbers WHERE number = '+46850800100'")[0][0])
        self.assertEqual(menu["options"], {"1": {"group": 2}, "0": {"repeat": True}})

    def test_crisis_policy_and_announcement_are_stored(self):
        r = self.result
        self.assertEqual(r["crisisSaved"], "Krismeddelandet är på.")
        tel = self.api("GET", "/api/v1/telephony").json
        self.assertEqual((tel["crisis"]["active"], tel["crisis"]["text"]),
                         (True, "Vi har en driftstörning i e-tjänsterna."))
        self.assertIn("recording_days", r["policyError"]["text"])
        self.assertEqual(r["policyError"]["focused"], "tp-days")
        pol = [p for p in tel["policies"] if p["group_id"] == 2][0]
        self.assertEqual((pol["recording_days"], pol["survey"]),
                         (30, {"active": True, "questions": [{"prompt": "enkat_1", "max": 4}, "enkat_6"],
                               "max_answers": 200}))
        self.assertEqual([a["group_id"] for a in tel["announcements"]], [3])
        self.assertEqual(r["announcementSaved"], "Talsvaret är sparat.")
        entities = {e for (e,) in self.srv.sql("SELECT entity FROM audit_log WHERE action = 'update'")}
        self.assertTrue({"entry_menu", "tel_crisis", "tel_policy", "tel_announcement"} <= entities, entities)

    @needs_axe
    def test_accessible(self):
        for name in ("axe", "axeAfter"):
            serious = [v for v in self.result[name] if v["impact"] in ("serious", "critical")]
            self.assertEqual(serious, [], json.dumps(serious, indent=1))

    def test_in_both_languages_and_only_for_admins(self):
        r = self.result
        self.assertEqual(r["english"], {"heading": "Telephony", "save": "Save menu"})
        self.assertTrue(r["visible"])
        self.assertFalse(r["managerSees"])
        self.assertEqual((r["pageErrors"], r["consoleErrors"]), ([], []))


if __name__ == "__main__":
    unittest.main()
