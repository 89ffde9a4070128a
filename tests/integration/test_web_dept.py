"""The department's page in headless Chromium: a department user logs in, sees the overdue
handover first, answers it by keyboard and sees the case's status change; the agent reads
the answer and has a notice. axe-core finds nothing serious or critical at 1366×768 and
390×844. tests/web/dept_flow.mjs drives the browser."""
import json
import os

from browser import browser_once, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest, connect

SCRIPT = os.path.join(ROOT, "tests", "web", "dept_flow.mjs")
ANSWER = "Biståndshandläggaren ringer medborgaren i morgon."


@needs_browser
class WebDeptTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        browser_once("test_api_dept")
        super().setUpClass()
        s = cls.srv
        anna = s.login("anna")
        cat = s.sql("SELECT id FROM categories WHERE name LIKE 'Biståndsbedömning%'")[0][0]

        def handover(summary):
            r = s.request("POST", "/api/v1/cases", {
                "group_id": 2, "client_id": 1, "category_id": cat, "channel": "phone", "outcome": "handed_over",
                "summary": summary, "handover": {"message": "Ring upp om ansökan."}}, token=anna)
            assert r.status == 201, r
            return {"case": r.json["id"], "handover": r.json["handovers"][0]["id"]}

        cls.cases = {"later": handover("Vill ansöka om hemtjänst."), "late": handover("Väntar på beslut om hemtjänst."),
                     "answer": ANSWER}
        # Overdue: a due date in the past is set as an operator would (the API refuses it).
        con = connect(s.db)
        con.execute("UPDATE handovers SET due_date = '2020-01-02' WHERE id = ?", (cls.cases["late"]["handover"],))
        con.commit()
        con.close()
        cls.result, cls.stderr = run_flow(s, SCRIPT, [json.dumps(cls.cases)], lambda what, arg: {}, timeout=120)
        with open(os.path.join(s.dir, "result.json"), "w") as f:
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")

    def test_overdue_first_answered_and_status_changes(self):
        r = self.result
        self.assertTrue(r["deptOk"], r.get("deptError"))
        self.assertEqual(r["firstRow"]["id"], f"ho-{self.cases['late']['handover']}")
        self.assertIn("försenat", r["firstRow"]["text"])
        self.assertEqual(r["actFocused"], "h-act")
        self.assertEqual((r["emptyError"]["focused"], r["emptyError"]["invalid"]), ("a-text", "true"))
        self.assertIn("Öppet hos kontaktcentret", r["done"])
        self.assertEqual(r["doneStatus"], "open")
        self.assertEqual(r["doneFocused"], "done")
        self.assertNotIn(f"ho-{self.cases['late']['handover']}", r["rowsAfter"])
        got = self.srv.sql("SELECT c.status, h.status, h.answer FROM cases c JOIN handovers h ON h.case_id = c.id"
                           " WHERE h.id = ?", self.cases["late"]["handover"])
        self.assertEqual(got, [("open", "answered", ANSWER)])

    def test_the_agent_sees_the_answer(self):
        r = self.result
        self.assertTrue(r["agentOk"], r.get("agentError"))
        self.assertIn(ANSWER, r["agentHandovers"])
        self.assertIn(["handover_answer", self.cases["late"]["case"]], r["agentNotes"])

    def test_only_the_own_department(self):
        # the page lists what the API gives this department, nothing of another
        other = self.srv.login("viewer.trafik")
        items = self.srv.request("GET", "/api/v1/handovers?open=true&limit=1000", token=other).json["items"]
        self.assertNotIn(self.cases["later"]["handover"], [h["id"] for h in items])

    @needs_axe
    def test_no_serious_accessibility_problems(self):
        for name, violations in self.result["axe"].items():
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], name)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
        self.assertEqual(self.result["consoleErrors"], [])
