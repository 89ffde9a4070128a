"""Kiosk paging of the wallboard in headless Chromium (tests/web/wallboard_paging.mjs): all
nine demo groups on a 1920×1080 (and a 1366×768) wall screen are shown a page at a time with
"Sida 1 av N"; the pages together show every group once, each page fits the screen (no
vertical or horizontal overflow), the indicator advances (the turn is driven by
?page_s=1 and waited for by its text; no time is measured); a group in alarm (a caller
waiting past its wait target) is on every page, first; with prefers-reduced-motion nothing
on the board animates; axe-core finds nothing serious or critical."""
import json
import os

from browser import ALWAYS, browser_once, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "wallboard_paging.mjs")


@needs_browser
class WebWallboardPagingTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_api_wallboard")
        super().setUpClass()
        s = cls.srv
        cls.groups = [g for (g,) in s.sql("SELECT id FROM groups WHERE active = 1 ORDER BY id")]
        # The last group goes into alarm: its wait target is 2 s and a caller waits (no agent
        # is logged in); the board is read only once the tile says alarm.
        cls.alarm = cls.groups[-1]
        admin = s.login("admin")
        r = s.request("PATCH", f"/api/v1/groups/{cls.alarm}",
                      {"opening_hours": ALWAYS, "max_wait_s": 600, "callback_threshold_s": None,
                       "wait_warn_s": 1, "wait_alarm_s": 2}, token=admin)
        assert r.status == 200, r
        r = s.request("POST", "/api/v1/acd/calls", {"group_id": cls.alarm}, token=admin)
        assert r.status == 201, r
        cls.result, cls.stderr = run_flow(cls.srv, SCRIPT, [], lambda what, arg: {}, timeout=120)
        with open(os.path.join(cls.srv.dir, "result.json"), "w") as f:
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")

    def screens(self):
        for tag, width in (("1920", 1920), ("1366", 1366)):
            self.assertTrue(self.result[tag + "Ok"], self.result.get(tag + "Error"))
            yield tag, width, self.result[tag]

    def test_every_group_is_on_a_page_and_the_indicator_advances(self):
        self.assertEqual(len(self.groups), 8)  # the demo's groups; with the e-mail tile, nine tiles
        for tag, _, r in self.screens():
            with self.subTest(tag):
                n = len(r["pages"])
                self.assertGreaterEqual(n, 2, r)  # nine groups do not fit on one screen
                self.assertEqual([p["indicator"] for p in r["pages"]], [f"Sida {i} av {n}" for i in range(1, n + 1)])
                shown = [g for p in r["pages"] for g in p["groups"] if g != self.alarm]
                self.assertEqual(sorted(shown), [g for g in self.groups if g != self.alarm])  # each once
                self.assertEqual(sum(p["mail"] for p in r["pages"]), 1)  # and the e-mail tile once
                self.assertTrue(r["wrapped"])

    def test_a_group_in_alarm_is_on_every_page_first(self):
        for tag, _, r in self.screens():
            with self.subTest(tag):
                self.assertEqual(r["alarmGroups"], [self.alarm])  # the only group in alarm
                self.assertEqual([p["groups"][0] for p in r["pages"]], [self.alarm] * len(r["pages"]))
                self.assertEqual([p["levels"][0] for p in r["pages"]], ["alarm"] * len(r["pages"]))
                self.assertEqual([p["groups"].count(self.alarm) for p in r["pages"]], [1] * len(r["pages"]))

    def test_no_page_overflows_the_screen(self):
        for tag, width, r in self.screens():
            for p in r["pages"]:
                self.assertLessEqual(p["scrollHeight"], p["innerHeight"], (tag, p))
                self.assertLessEqual(p["scrollWidth"], width, (tag, p))

    def test_nothing_moves_with_reduced_motion(self):
        for tag, _, r in self.screens():
            self.assertEqual([p["moving"] for p in r["pages"]], [0] * len(r["pages"]), tag)

    def test_screenshot_at_full_hd(self):
        from browser import SHOTS
        shots = os.path.join(ROOT, SHOTS) if SHOTS else self.srv.dir
        with open(os.path.join(shots, "wallboard-kiosk-paged-1920x1080.png"), "rb") as f:
            head = f.read(24)
        self.assertEqual((int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")), (1920, 1080))
        self.assertEqual((self.result["pageErrors"], self.result["consoleErrors"]), ([], []))

    @needs_axe
    def test_no_serious_or_critical_accessibility_violations(self):
        self.assertTrue(self.result["axe"])
        for name, vs in self.result["axe"].items():
            bad = [v for v in vs if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], f"{name}: {json.dumps(bad, ensure_ascii=False)}")
