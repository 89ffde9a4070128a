"""The reports page in headless Chromium: a manager and a department user choose a period,
see tables and SVG charts with text alternatives, and download the CSV (UTF-8 with a byte
order mark, `;`, decimal comma). axe-core finds nothing serious or critical at 1366×768 and
390×844, and the phone-sized page does not scroll sideways. tests/web/report_flow.mjs drives
the browser and takes docs/screenshots/rapporter.png and rapporter-mobil.png."""
import json
import os

from browser import needs_browser, run_flow
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "report_flow.mjs")


@needs_browser
class WebReportsTest(ServerTest):
    @classmethod
    def setUpClass(cls):
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
                         ["Servicenivå 60 s per svarsgrupp", "Kontakter per kanal", "Utfall", "Ärenden per kategori"])
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

    def test_no_serious_accessibility_problems(self):
        r = self.result
        for name, violations in r["axe"].items():
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], name)
        self.assertEqual(r["pageErrors"], [])
        self.assertEqual(r["consoleErrors"], [])
