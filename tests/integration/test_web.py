"""The web application in headless Chromium: the agent desktop from login to a handed-over
case, the wallboard following the queue live, axe-core's accessibility check of every page,
and a client viewer sent to the department's page and refused the desk. tests/web/agent_flow.mjs drives the browser; this test
starts the server, injects the calls it asks for and checks what the API recorded."""
import json
import os
import sys
import time
import unittest

from browser import ALWAYS, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest

SCRIPT = os.path.join(ROOT, "tests", "web", "agent_flow.mjs")


@needs_browser
class WebTest(ServerTest):
    # One feedback message per address in ten minutes: the form's second message is refused.
    extra = ("--feedback-limit", "1/600")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.srv.login("admin")
        for g in range(1, 9):
            r = cls.srv.request("PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        cls.result, cls.calls, cls.stderr = cls.run_browser()
        with open(os.path.join(cls.srv.dir, "result.json"), "w") as f:  # for a failing run
            json.dump(cls.result, f, ensure_ascii=False, indent=1)
        if cls.result:
            # One line for bench/run.sh web: the timings the browser measured.
            print("web_figures agent_ready_ms=%s offer_ms=%s wallboard_ready_ms=%s" % (
                cls.result.get("agentReadyMs"), cls.result.get("offerMs"),
                cls.result.get("wallboardReadyMs")), file=sys.stderr)

    @classmethod
    def run_browser(cls):
        """Run the Node script, answering its NEED lines; return its RESULT."""
        admin = cls.srv.login("admin")
        calls = []

        def answer(what, arg):
            if what in ("call", "queued-call"):
                r = cls.srv.request("POST", "/api/v1/acd/calls", arg, token=admin)
                assert r.status == 201, r
                calls.append((what, time.time(), r.json))
                return r.json
            if what == "answered-call":
                return cls.answered_call(admin, arg)
            if what == "hangup":
                r = cls.srv.request("POST", f"/api/v1/acd/calls/{arg['call_id']}/hangup", token=admin)
                return {"status": r.status}
            return {"error": f"unknown need {what}"}

        # eight flows on a shared machine
        result, stderr = run_flow(cls.srv, SCRIPT, [], answer, timeout=150)
        return result, calls, stderr

    @classmethod
    def answered_call(cls, admin, arg):
        """erik gets ready, takes a call in the group and hangs up: today's intervals get one."""
        erik = cls.srv.login("erik")
        for state in ("logged_in", "ready"):
            r = cls.srv.request("POST", "/api/v1/acd/agents/me/state", {"state": state}, token=erik)
            assert r.status == 200, r
        r = cls.srv.request("POST", "/api/v1/acd/calls", arg, token=admin)
        assert r.status == 201, r
        call_id = r.json["call_id"]
        for _ in range(50):
            r = cls.srv.request("POST", f"/api/v1/acd/calls/{call_id}/answer", token=erik)
            if r.status == 200:
                break
            time.sleep(0.05)
        assert r.status == 200, r
        time.sleep(0.3)
        r = cls.srv.request("POST", f"/api/v1/acd/calls/{call_id}/hangup", token=erik)
        assert r.status == 200, r
        r = cls.srv.request("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, token=erik)
        assert r.status == 200, r
        return {"call_id": call_id}

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")

    def test_agent_takes_an_offered_call_and_hands_over_a_case(self):
        r = self.result
        self.assertTrue(r["agentOk"], r.get("agentError"))
        self.assertEqual(r["landedOn"], "/agent.html")
        self.assertIn("Inkommande samtal", r["offerLive"])
        self.assertIn("+46701234567", r["offerLive"])
        self.assertIn("Äldre direkt", r["offerLive"])  # "Var är jag?": the call's path
        self.assertEqual(r["answerFocused"], "btn-answer")
        self.assertEqual(r["formFocused"], "f-category")
        self.assertEqual(r["form"]["outcome"], "handed_over", r["form"])
        self.assertEqual(r["form"]["due"], r["dueWanted"], r["form"])
        # The first try had a due date in the past: the problem's field got the message.
        self.assertEqual(r["dueError"], {"text": "får inte ligga i det förflutna", "invalid": "true",
                                         "focused": "f-due"})
        self.assertIn(str(r["caseId"]), r["confirmation"])
        case = self.api("GET", f"/api/v1/cases/{r['caseId']}", user="chef.stod")
        self.assertEqual(case.status, 200, case)
        c = case.json
        self.assertEqual((c["outcome"], c["group_id"], c["client_id"], c["channel"]), ("handed_over", 2, 1, "phone"), c)
        self.assertTrue(c["summary"].startswith("Anhörig vill ha kontakt"), c)
        self.assertEqual(len(c["handovers"]), 1, c)
        self.assertEqual(c["handovers"][0]["due_date"], r["dueWanted"], c["handovers"])
        self.assertEqual(c["handovers"][0]["contact_id"], int(r["form"]["contact"]), c["handovers"])
        self.assertEqual(str(c.get("call_id")), str(r["offerCallId"]), c)

    def test_agent_searches_the_knowledge_base(self):
        r = self.result
        self.assertTrue(r["agentOk"], r.get("agentError"))
        self.assertIn("Ansöka om hemtjänst", r["kbHits"])
        self.assertGreater(r["kbMarks"], 0)
        self.assertTrue(all(h.startswith("kb.html#article-") for h in r["kbLinks"]), r["kbLinks"])
        # Its hits left unopened when the next search began: counted for the owners.
        rows = self.srv.sql("SELECT no_click FROM kb_search_misses WHERE query = 'hemtjänst'")
        self.assertEqual(rows, [(1,)])

    def test_wallboard_shows_a_waiting_caller(self):
        r = self.result
        self.assertTrue(r["wallboardOk"], r.get("wallboardError"))
        self.assertEqual(r["waitingBefore"], "0")
        # The steering line counts the day's calls in the group as the queue's line does.
        calls, agents, rate = r["wallboardBa"]
        offered = int(r["wallboardToday"].split(":")[1].split()[0])
        self.assertGreaterEqual(offered, 1, r["wallboardToday"])
        self.assertTrue(calls.startswith(f"{offered}\u00a0/"), (calls, r["wallboardToday"]))
        self.assertIn("inloggade / behov nu", agents)
        self.assertIn("inloggningsgrad", rate)
        # The English switch changes the page's language and the texts written by script.
        self.assertEqual(r["wallboardEnglish"], {"lang": "en", "heading": "Lotsen – wallboard", "label": "waiting"})

    @needs_axe
    def test_no_serious_or_critical_accessibility_violations(self):
        r = self.result
        self.assertEqual(sorted(r["axe"]), ["admin", "admin-agreement", "admin-boundary", "agent", "agent-case", "index",
                                            "kb-edit", "kb-list", "kontakt", "lead", "lead-manager", "tyck-till",
                                            "tyck-till-limited", "wallboard"], r["axe"])
        for page, violations in r["axe"].items():
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], f"{page}: {json.dumps(bad, ensure_ascii=False)}")

    def test_client_viewer_gets_a_message_not_the_desk(self):
        r = self.result
        self.assertTrue(r["viewerOk"], r.get("viewerError"))
        self.assertEqual(r["viewerLanding"], "/forvaltning.html")
        self.assertIn(403, r["viewerStatuses"])
        self.assertIn("inte tillgång till agentskrivbordet", r["viewerMessage"])
        self.assertTrue(r["viewerDeskHidden"])

    def test_lead_view_shows_todays_intervals(self):
        r = self.result
        self.assertTrue(r["leadOk"], r.get("leadError"))
        self.assertTrue(r["leadLinkVisible"])
        self.assertEqual(r["leadGroup"], "Äldre direkt")
        # Totals: label, offered, answered, SL 60, ASA, abandoned. The desk's call, the
        # queued call the wallboard saw and the answered one: at least two answered.
        totals = r["leadTotals"]
        self.assertEqual(totals[0], "Hela dagen", totals)
        self.assertGreaterEqual(int(totals[1]), 2, totals)
        self.assertGreaterEqual(int(totals[2]), 2, totals)
        self.assertTrue(totals[3].endswith("%"), totals)
        self.assertGreaterEqual(r["leadRows"], 1)
        self.assertTrue(r["leadOccupancy"].endswith("%") or r["leadOccupancy"] == "–", r["leadOccupancy"])
        admin = self.token("admin")
        iv = self.srv.request("GET", "/api/v1/acd/intervals?group_id=2", token=admin).json
        self.assertEqual(str(iv["totals"]["offered"]), totals[1], (iv["totals"], totals))

    def test_contact_page_lists_groups_numbers_and_a_busy_chart(self):
        r = self.result
        self.assertTrue(r["publicOk"], r.get("publicError"))
        self.assertEqual(r["contactGroups"][:2], ["Stockholm direkt", "Äldre direkt"])
        self.assertEqual(len(r["contactGroups"]), 8)
        self.assertIn("08-508 360 00", r["contactNumbers"])
        self.assertEqual(r["contactCharts"], 8)
        self.assertGreater(r["contactBars"], 0)  # today's calls in Äldre direkt
        self.assertIn("flest samtal", r["contactChartTitle"])
        self.assertGreaterEqual(r["contactTableRows"], 5)
        self.assertEqual(r["contactEnglish"], {"lang": "en", "heading": "Contact us"})

    def test_feedback_form_creates_a_web_case(self):
        r = self.result
        self.assertTrue(r["publicOk"], r.get("publicError"))
        self.assertEqual(r["feedbackTooLong"]["invalid"], "true", r["feedbackTooLong"])
        self.assertEqual(r["feedbackTooLong"]["focused"], "f-message")
        self.assertIn("högst 4000 tecken", r["feedbackTooLong"]["text"])
        self.assertIn("Tack", r["feedbackDone"])
        self.assertEqual(r["feedbackFocused"], "h-done")
        case = self.api("GET", f"/api/v1/cases/{r['feedbackCaseId']}")
        self.assertEqual(case.status, 200, case)
        c = case.json
        self.assertEqual((c["channel"], c["client_id"], c["group_id"], c["summary"]),
                         ("web", r["feedbackClient"], 1, r["feedbackMessage"]), c)
        self.assertEqual(c["citizen"]["name"], "Greta Gustafsson", c)

    def test_admin_edits_a_groups_hours_and_max_wait(self):
        r = self.result
        self.assertTrue(r["adminOk"], r.get("adminError"))
        self.assertTrue(r["adminLinkVisible"])
        self.assertEqual(r["adminEditFocused"], "h-edit")
        self.assertEqual(r["adminSavedGroup"], 3)
        g = self.api("GET", "/api/v1/groups/3").json
        self.assertEqual(g["max_wait_s"], 240, g)
        self.assertEqual(g["opening_hours"]["weekly"]["tue"], [["08:15", "12:30"]], g["opening_hours"])
        # The other days and the holiday rule are as they were.
        self.assertEqual(g["opening_hours"]["weekly"]["mon"], [["00:00", "24:00"]], g["opening_hours"])
        self.assertEqual(g["opening_hours"]["holidays"], "ignore", g["opening_hours"])

    def test_admin_closure_ending_before_it_starts_shows_the_field_error(self):
        r = self.result
        self.assertTrue(r["adminOk"], r.get("adminError"))
        self.assertEqual(r["adminClosureError"], {"text": "måste vara efter starts_at", "invalid": "true",
                                                  "focused": "f-ends_at"})
        closures = self.api("GET", "/api/v1/closures?group_id=3").json
        self.assertFalse([c for c in closures["items"] if c["reason"] == "Arbetsplatsträff"], closures)
        self.assertEqual(r["adminEnglish"], {"heading": "Lotsen – administration", "list": "Closures", "save": "Save"})

    def test_agent_is_told_the_administration_is_not_allowed(self):
        r = self.result
        self.assertTrue(r["adminOk"], r.get("adminError"))
        self.assertFalse(r["adminLinkForAgent"])
        self.assertIn(403, r["adminAgentStatuses"])
        self.assertIn("inte tillgång till administrationen", r["adminAgentMessage"])
        self.assertTrue(r["adminAgentHidden"])

    def test_lead_edits_an_article_and_sees_the_diff(self):
        r = self.result
        self.assertTrue(r["kbOk"], r.get("kbError"))
        self.assertTrue(r["kbLinkVisible"])
        self.assertGreater(r["kbVersionAfter"], r["kbVersionBefore"])
        a = self.api("GET", f"/api/v1/kb/articles/{r['kbArticleId']}", user="lead.aldre").json
        self.assertEqual(a["title"], "Ansöka om hemtjänst", a)
        self.assertEqual(a["version"], r["kbVersionAfter"], a)
        self.assertIn(r["kbLine"], a["body"])
        self.assertIn(r["kbLine"], r["kbPreview"])
        self.assertIn("+" + r["kbLine"], r["kbDiffAdded"])
        self.assertGreaterEqual(r["kbVersionRows"], 2)
        versions = self.api("GET", f"/api/v1/kb/articles/{r['kbArticleId']}/versions", user="lead.aldre").json
        self.assertEqual(versions["items"][0]["note"], "Tillägg om tider", versions)

    def test_article_html_from_authors_never_runs(self):
        r = self.result
        self.assertTrue(r["kbOk"], r.get("kbError"))
        self.assertEqual(r["kbDialogs"], [])
        self.assertEqual((r["kbScript"]["scripts"], r["kbScript"]["handlers"], r["kbScript"]["jsLinks"],
                          r["kbScript"]["owned"]), (0, 0, 0, False), r["kbScript"])
        self.assertIn("Hej", r["kbScript"]["text"])

    def test_agent_flags_an_article_and_the_lead_sees_it(self):
        r = self.result
        self.assertTrue(r["kbOk"], r.get("kbError"))
        self.assertTrue(r["kbLinkForAgent"])
        self.assertFalse(r["kbAgentCanEdit"])
        flags = [f for f in r["kbFlags"] if f["id"] == str(r["kbFlagId"])]
        self.assertEqual(len(flags), 1, r["kbFlags"])
        self.assertIn("Ansöka om hemtjänst", flags[0]["text"])
        self.assertIn("Telefontiderna stämmer inte längre.", flags[0]["text"])
        self.assertEqual(r["kbEnglish"], {"heading": "Lotsen – knowledge base", "search": "Search"})
        api = self.api("GET", "/api/v1/kb/flags?status=open", user="lead.aldre").json
        self.assertIn(r["kbFlagId"], [f["id"] for f in api["items"]])

    def test_agent_sees_the_categorys_checklist_and_ticks_by_keyboard(self):
        r = self.result
        self.assertTrue(r["agentOk"], r.get("agentError"))
        c = r["checklist"]
        self.assertEqual(c["title"], "Checklista: Biståndsbedömning – kontakt med handläggare", c)
        cat = self.api("GET", "/api/v1/categories?limit=500").json["items"]
        bist = next(x for x in cat if x["name"].startswith("Biståndsbedömning"))
        self.assertEqual(c["steps"], bist["checklist"])
        self.assertIn("4 steg", c["live"])
        self.assertEqual(r["checklistTicked"], [False, True, False, False])
        self.assertTrue(r["checklistAfterSave"])  # the next case starts without it

    def test_agent_sees_urgent_notices_and_own_figures(self):
        r = self.result
        self.assertTrue(r["agentOk"], r.get("agentError"))
        # The notices of anna's groups (Äldre direkt and Stockholm direkt), each once.
        titles = {n["title"] for g in (1, 2)
                  for n in self.api("GET", f"/api/v1/kb/notices?group_id={g}", user="anna").json["items"]}
        self.assertTrue(titles)
        self.assertEqual(sorted(r["notices"]), sorted(titles))
        before, after = r["todayBefore"], r["todayAfter"]
        self.assertEqual(after["cases"], before["cases"] + 2, r)
        self.assertEqual(after["handedOver"], before["handedOver"] + 1, r)
        self.assertEqual(after["answered"], before["answered"] + 1, r)
        self.assertRegex(after["aht"], r"^\d+:\d\d$")
        mine = self.api("GET", "/api/v1/me/today", user="anna").json
        self.assertEqual(mine["cases"]["total"], after["cases"])

    def test_threat_case_logged_by_keyboard(self):
        r = self.result
        self.assertTrue(r["agentOk"], r.get("agentError"))
        c = self.api("GET", f"/api/v1/cases/{r['threatCaseId']}", user="chef.stod").json
        self.assertTrue(c["threat"], c)
        self.assertEqual(c["outcome"], "resolved")

    def test_manager_sees_the_case_in_todays_figures_and_lists(self):
        r = self.result
        self.assertTrue(r["managerOk"], r.get("managerError"))
        self.assertTrue(r["managerLeadLink"])
        self.assertEqual(r["managerGroup"], "Äldre direkt")
        counts = self.api("GET", "/api/v1/cases/counts?group_id=2", user="chef.stod").json
        m = r["managerCases"]
        self.assertEqual(int(m["total"]), counts["total"], (m, counts))
        self.assertGreaterEqual(int(m["total"]), 2)
        self.assertGreaterEqual(int(m["handed_over"]), 1)
        self.assertGreaterEqual(int(m["threat"]), 1)
        self.assertTrue(m["fcr"].endswith("%"), m)
        row = [h for h in r["managerHandovers"] if h[0] == str(r["caseId"])]
        self.assertEqual(row, [[str(r["caseId"]), "Äldreförvaltningen", row[0][2] if row else "", r["dueWanted"]]],
                         r["managerHandovers"])
        self.assertIn("hotade", r["managerThreat"])
        self.assertTrue(r["managerNoteLink"])
        self.assertEqual(r["managerNoteJump"], f"#threat-{r['threatCaseId']}")
        n = self.api("GET", "/api/v1/notifications", user="chef.stod").json["items"]
        self.assertTrue(next(x for x in n if x["id"] == r["managerNoteRead"])["read"])

    def test_client_viewer_cannot_see_other_departments_data(self):
        r = self.result
        self.assertTrue(r["viewerOk"], r.get("viewerError"))
        v = r["viewerOther"]
        self.assertEqual((v["caseStatus"], v["threatStatus"], v["countsStatus"]), (403, 403, 403), v)
        self.assertEqual(v["threatTotal"], 0, v)
        self.assertTrue(set(v["clients"]) <= {"Trafikkontoret"}, v)
        self.assertTrue(set(v["handoverClients"]) <= {"Trafikkontoret"}, v)
        self.assertIn("inte tillgång till ledningsvyn", r["viewerLeadMessage"])

    def test_feedback_form_says_when_to_try_again(self):
        r = self.result
        self.assertTrue(r["publicOk"], r.get("publicError"))
        f = r["feedbackLimited"]
        self.assertIn("För många meddelanden", f["text"])
        self.assertIn("Försök igen om 10 minuter", f["text"])
        self.assertEqual(f["focused"], "form-error")
        self.assertEqual(f["kept"], "Fler parkbänkar i Vasaparken.")
        self.assertTrue(f["formShown"])

    def test_admin_edits_categories_agreements_and_boundaries(self):
        r = self.result
        self.assertTrue(r["adminOk"], r.get("adminError"))
        cat = self.api("GET", f"/api/v1/categories/{r['adminCategoryId']}").json
        self.assertEqual((cat["name"], cat["kind"], cat["group_id"]), ("Bostadsanpassning – frågor", "question", 2), cat)
        self.assertEqual(cat["checklist"], ["Fråga vilket hjälpmedel det gäller.", "Fråga om intyg från arbetsterapeut finns."])
        self.assertEqual(r["adminAgreementSaved"], 1)
        agr = self.api("GET", "/api/v1/agreements/1").json
        self.assertEqual(agr["prices"]["phone"], 49.5, agr)
        self.assertEqual(agr["prices"]["email"], 36.0, agr)  # the others as they were
        self.assertEqual(r["adminBoundaryError"]["invalid"], "true", r["adminBoundaryError"])
        self.assertEqual(r["adminBoundaryError"]["focused"], "f-contact_id")
        self.assertIn("krävs när action är handover", r["adminBoundaryError"]["text"])
        self.assertEqual(r["adminUnits"], ["Barn och ungdom", "Stadsmiljö och teknik", "Stöd och omsorg"])
        audit = self.srv.sql("SELECT action FROM audit_log WHERE entity='agreements' AND entity_id=1")
        self.assertIn(("update",), audit)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
        self.assertEqual(self.result["consoleErrors"], [])


if __name__ == "__main__":
    unittest.main()
