"""The knowledge-base page's own words in headless Chromium: a lead adds a synonym and an
agent's next search finds the article by it; "Menade du …?" corrects a misspelt word; an
agent confirms an urgent notice and the lead sees who has not; a lead connects a missed
question, and a search that found nothing, to its article in one step. tests/web/kb_flow.mjs drives the browser."""
import json
import os

from browser import browser_once, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "kb_flow.mjs")
LEKPLATS = "Fel på lekplats, parkbänk eller papperskorg"
SYNPUNKT = "Lämna synpunkt, klagomål eller beröm (Tyck till)"


@needs_browser
class WebKnowledgeBaseTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_api_kb")
        super().setUpClass()
        s = cls.srv
        anna = s.login("anna")
        r = s.request("POST", "/api/v1/kb/missing", {"question": "vill ge beröm till personalen"}, token=anna)
        assert r.status == 201, r
        cls.result, cls.stderr = run_flow(s, SCRIPT, [], lambda what, arg: {}, timeout=120)
        with open(os.path.join(s.dir, "result.json"), "w") as f:  # for a failing run
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")
        self.assertTrue(self.result["ok"], self.result.get("error"))

    def test_a_leads_synonym_finds_the_article_at_once(self):
        r = self.result
        self.assertNotIn(LEKPLATS, r["before"][:1])
        self.assertIn("klätterställning", r["synonymDone"])
        self.assertIn(LEKPLATS, r["synonymDone"])
        self.assertEqual(r["synonymRow"][0], "lekplats gunga")
        self.assertEqual(r["after"][0], LEKPLATS)
        rows = self.srv.sql("SELECT means FROM kb_synonyms WHERE word = 'klätterställning'")
        self.assertEqual(rows, [("lekplats gunga",)])

    def test_did_you_mean(self):
        r = self.result
        self.assertEqual(r["didYouMean"], {"shown": True, "text": "avgift förskola"})
        self.assertEqual(r["followed"], {"q": "avgift förskola", "hidden": True})

    def test_agent_confirms_a_notice_and_the_lead_sees_who_has_not(self):
        r = self.result
        self.assertTrue(r["notices"], r)
        self.assertIn("Bekräftat", r["readDone"])
        self.assertNotIn("Anna Lindqvist", r["unread"])
        self.assertEqual(r["confirmed"], "1")
        rows = self.srv.sql("SELECT u.username FROM kb_reads k JOIN users u ON u.id = k.user_id"
                            " WHERE k.article_id = ?", r["notices"][0])
        self.assertEqual(rows, [("anna",)])

    def test_lead_connects_a_missed_question(self):
        r = self.result
        self.assertIn("Kopplat", r["missDone"])
        self.assertIn(SYNPUNKT, r["missDone"])
        self.assertNotIn("vill ge beröm till personalen", r["missLeft"])
        self.assertEqual(r["after2"][0], SYNPUNKT)
        self.assertEqual(r["english"], {"words": "Our own words: synonyms", "misses": "Questions and searches without an article",
                                        "unread": "Who has not read the urgent notices"})

    def test_lead_connects_a_search_that_found_nothing(self):
        r = self.result
        self.assertEqual(r["noHit"], [])
        self.assertIn("Utan träff: 1", r["searchMissCounts"])
        self.assertIn("Kopplat", r["searchMissDone"])
        self.assertIn(SYNPUNKT, r["searchMissDone"])
        self.assertNotIn("zqxjv qwpzk", r["searchMissLeft"])
        self.assertEqual(r["after3"][0], SYNPUNKT)
        rows = self.srv.sql("SELECT no_hit, resolved_at IS NOT NULL FROM kb_search_misses WHERE query = 'zqxjv qwpzk'")
        self.assertEqual(rows, [(1, 1)])
        # The agent's search whose hits were shown but not opened, once a new search began.
        rows = self.srv.sql("SELECT no_click FROM kb_search_misses WHERE query = 'klätterställningen'")
        self.assertEqual(rows, [(1,)])

    @needs_axe
    def test_pages_are_accessible(self):
        for name, violations in self.result["axe"].items():
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], name)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
        self.assertEqual(self.result["consoleErrors"], [])
