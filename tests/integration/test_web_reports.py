"""The reports page in headless Chromium: a manager and a department user choose a period,
see tables and SVG charts with text alternatives, and download the CSV (UTF-8 with a byte
order mark, `;`, decimal comma). axe-core finds nothing serious or critical at 1366×768 and
390×844, and the phone-sized page does not scroll sideways. tests/web/report_flow.mjs drives
the browser and takes docs/screenshots/rapporter.png and rapporter-mobil.png."""
import json
import os

from browser import browser_once, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "report_flow.mjs")


@needs_browser
class WebReportsTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_api_reports and test_api_reports_lead")
        super().setUpClass()
        cls.result, cls.stderr = run_flow(cls.srv, SCRIPT, [], lambda what, arg: {}, timeout=180)
        with open(os.path.join(cls.srv.dir, "result.json"), "w") as f:
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")

    def test_manager_sees_tables_and_charts(self):
        r = self.result
        self.assertTrue(r["managerOk"], r.get("managerError"))
        m = r["manager"]
        self.assertTrue(m["heading"].startswith("Rapport för "), m)
        self.assertEqual(m["focused"], "h-result")
        self.assertEqual([c["title"] for c in m["charts"]],
                         ["Servicenivå 60 s per svarsgrupp", "Kontakter per kanal", "Utfall", "Ärenden per kategori",
                          "När ringer medborgarna? Erbjudna samtal per veckodag och timme",
                          "Servicenivå 60 s per timme på dygnet",
                          "Nöjdhet: svar 1–5 på frågan om bemötande",
                          "Andel nöjda (svar 4–5) per månad"])
        for c in m["charts"]:
            self.assertTrue(c["desc"], c)  # the numbers as text
        self.assertIn("Per kategori", m["tables"])
        self.assertIn("Per underenhet", m["tables"])

    def test_csv_download_for_swedish_excel(self):
        r = self.result
        c = r["managerCsv"]
        self.assertTrue(c["name"].startswith("rapport-") and c["name"].endswith(".csv"), c)
        self.assertEqual(c["bom"], [0xEF, 0xBB, 0xBF])
        self.assertTrue(c["head"].startswith("Månad;Svarsgrupp;Förvaltning;"), c["head"])

    def test_department_user_on_a_phone(self):
        r = self.result
        self.assertTrue(r["viewerOk"], r.get("viewerError"))
        self.assertIn("Rapporter", r["viewerLink"])
        self.assertLessEqual(r["viewer"]["overflow"], 0)
        self.assertNotIn("Trafikkontoret", r["viewer"]["text"])
        self.assertEqual(r["viewerCsv"]["body"], "OWN")
        self.assertEqual(r["viewerCsv"]["bom"], [0xEF, 0xBB, 0xBF])

    def test_group_lead_sees_their_groups_charts_and_files(self):
        r = self.result
        self.assertTrue(r["leadOk"], r.get("leadError"))
        uid = self.srv.sql("SELECT id FROM users WHERE username = 'lead.aldre'")[0][0]
        theirs = {n for (n,) in self.srv.sql(
            "SELECT g.name FROM groups g JOIN user_groups u ON u.group_id = g.id WHERE u.user_id = ?", uid)}
        others = {n for (n,) in self.srv.sql(
            "SELECT name FROM groups WHERE id NOT IN (SELECT group_id FROM user_groups WHERE user_id = ?)", uid)}
        self.assertTrue(r["leadLink1366"])
        for size in ("lead1366", "lead390"):
            x = r[size]
            self.assertTrue(x["groupRowVisible"], size)
            self.assertFalse(x["clientRowVisible"], size)
            self.assertEqual(set(x["groups"]), theirs)
            for row in x["rowGroups"]:
                self.assertIn(row.split(" – ")[0], theirs)
                self.assertNotIn(row.split(" – ")[0], others)
            titles = {c["title"]: c["desc"] for c in x["charts"]}
            heat = titles["När ringer medborgarna? Erbjudna samtal per veckodag och timme"]
            self.assertTrue(heat.startswith("Mest samtal:") or heat.startswith("Inga samtal"), heat)
            self.assertIn("Erbjudna samtal per veckodag och timme (tabell)", x["heatTable"])
            self.assertTrue(titles["Nöjdhet: svar 1–5 på frågan om bemötande"].startswith("Svar 1:"))
            self.assertIn("Nöjdhet per månad", x["tables"])
        self.assertLessEqual(r["lead390"]["overflow"], 0)
        f = r["leadFiles"]
        self.assertEqual(f["csv"]["head"][:3], [0xEF, 0xBB, 0xBF])
        self.assertEqual(f["xlsx"]["head"][:2], [0x50, 0x4B])
        self.assertEqual(bytes(f["pdf"]["head"]), b"%PDF")

    @needs_axe
    def test_no_serious_accessibility_problems(self):
        for name, violations in self.result["axe"].items():
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], name)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
        self.assertEqual(self.result["consoleErrors"], [])
