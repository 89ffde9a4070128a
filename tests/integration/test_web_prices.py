"""The "Prisklasser" section of the administration page in headless Chromium: a manager
creates a price class, a duplicate is refused at the name field (focused, aria-invalid),
the agreement form prices the class and the category kinds, the class is retired; axe-core
finds nothing serious or critical. tests/web/price_admin.mjs drives it."""
import json
import os
import subprocess

from browser import NODE, browser_once, needs_axe, needs_browser
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "price_admin.mjs")


@needs_browser
class WebPricesTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_api_admin and test_api_dept")
        super().setUpClass()
        p = subprocess.run([NODE, SCRIPT, f"http://127.0.0.1:{cls.srv.port}", cls.srv.dir], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        cls.result = None
        for line in p.stdout.splitlines():
            if line.startswith("RESULT "):
                cls.result = json.loads(line[7:])
        cls.stderr = p.stderr

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")
        self.assertTrue(self.result["ok"], self.result.get("error"))

    def test_create_duplicate_retire(self):
        r = self.result
        self.assertTrue(r["visible"])
        self.assertEqual(r["heading"], "Prisklasser")
        self.assertIn("Mycket komplex", r["created"])
        self.assertIn("Mycket komplex", r["rows"])
        self.assertIn("redan", r["duplicate"]["text"])
        self.assertEqual(r["duplicate"]["invalid"], "true")
        self.assertEqual(r["duplicate"]["focused"], "pc-name")
        self.assertTrue(any("Mycket komplex" in x and "Avvecklad" in x for x in r["retired"]), r["retired"])
        self.assertEqual(self.srv.sql("SELECT active, description FROM price_classes WHERE name = ?",
                                      "Mycket komplex"), [(0, "Ärenden över 30 minuter")])

    def test_agreement_form_prices_classes_and_kinds(self):
        p = self.result["agreementPrices"]
        self.assertIn("channel:phone", p)
        self.assertIn("kinds:complaint", p)
        self.assertIn("classes:Mycket komplex", p)

    @needs_axe
    def test_no_serious_accessibility_problems(self):
        for key in ("axe", "axeAfter"):
            bad = [v for v in self.result[key] if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], key)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
        self.assertEqual(self.result["consoleErrors"], [])
