"""Consultation from the desk in headless Chromium (tests/web/consult_flow.mjs) over real SIP:
Anna talks with a caller (sipp), finds Erik in the directory and consults him with a note;
the call bar says whom she consults with a timer; Erik shows as talking while consulted;
she hands the caller over and Erik has the call, the note on his phone's offer and on the
call's record. On a second call Erik is busy (the 409 shows in the call bar, the call
stays), Sara is consulted and the call taken back. The same at 1366×768 and 390×844 with
no horizontal overflow; axe-core finds nothing serious or critical."""
import json
import os
import re
import time

from browser import ALWAYS, browser_once, needs_axe, needs_browser, run_flow
from harness import ROOT, ServerTest, free_port
from test_sip import SIPP, Sipp

SCRIPT = os.path.join(ROOT, "tests", "web", "consult_flow.mjs")
SIP_PORT = free_port()
ENTRY = "0850836000"  # group 2 "Äldre direkt": Anna, Erik and Sara answer it
NOTE = "Vill flytta besöket till fredag"
CALLER = "+46701234567"  # caller.xml's 0701234567, as the desk shows it
LONG = ("-timeout", "150s")  # the flow's browser steps run while these calls last


@needs_browser
class WebConsultTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    @classmethod
    def setUpClass(cls):
        browser_once("test_sip_switchboard")
        super().setUpClass()
        if not SIPP:
            cls.result, cls.stderr = None, "sipp is not installed (scripts/install-test-peers.sh)"
            return
        s = cls.srv
        admin = s.login("admin")
        for g in (1, 2):
            r = s.request("PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        r = s.request("PATCH", "/api/v1/groups/2", {"entry_numbers": [ENTRY]}, token=admin)
        assert r.status == 200, r
        tokens = {u: s.login(u) for u in ("anna", "erik", "sara")}
        cls.ids = {u: s.request("GET", "/api/v1/acd/agents/me", token=tk).json["agent_id"] for u, tk in tokens.items()}
        cls.procs, cls.failed, cls.calls = [], [], []
        state = {"n": 0}

        def sipp(scenario, *args, **kw):
            p = Sipp(scenario, *args, *LONG, sip_port=SIP_PORT, **kw)
            cls.procs.append((scenario, p))
            return p

        def phone(user, scenario):
            p = sipp(scenario, "-rtp_echo", remote=False)
            r = s.request("PATCH", f"/api/v1/users/{cls.ids[user]}", {"sip_uri": f"sip:{user}@127.0.0.1:{p.port}"},
                          token=admin)
            assert r.status == 200, r

        def agent_state(user, st):
            return s.request("POST", "/api/v1/acd/agents/me/state", {"state": st}, token=tokens[user])

        def wait_log(pattern, start=0, timeout=30):
            deadline = time.time() + timeout * float(os.environ.get("LOTSEN_HANG_FACTOR", "4"))
            while time.time() < deadline:
                m = re.search(pattern, s.logs()[start:])
                if m:
                    return m
                time.sleep(0.05)
            return None

        def answer(what, arg):
            if what == "call":
                state["n"] += 1
                first = state["n"] % 2 == 1
                phone("anna", "agent_answer.xml")
                if first:  # Erik is free and answers the consultation
                    phone("erik", "consult_answer.xml")
                    for st in ("logged_in", "ready"):
                        agent_state("erik", st)
                else:  # Erik still talks with the first caller; Sara's phone answers
                    phone("sara", "consult_answer.xml")
                time.sleep(0.3)
                start = len(s.logs())
                sipp("caller.xml", "-s", ENTRY, "-d", "40000")
                m = wait_log(rf"event=tel.agent call=(\d+) agent={cls.ids['anna']} answered=true", start)
                if not m:
                    return {"error": "Anna's phone never answered"}
                cls.calls.append(int(m.group(1)))
                return {"call_id": int(m.group(1))}
            if what == "answered":
                m = wait_log(rf"event=tel.consult call={arg['call_id']} agent={cls.ids['anna']} answered=true")
                return {"answered": bool(m)}
            if what == "agent":
                return s.request("GET", "/api/v1/acd/agents/me", token=tokens[arg["user"]]).json
            if what == "end":
                # Both calls of the flow end (the callers hang up), every phone checked.
                for name, p in cls.procs:
                    rc = p.wait(timeout=180)
                    if rc != 0:
                        cls.failed.append((name, rc, p.errors()[-1500:]))
                cls.procs = []
                agent_state("erik", "logged_out")
                agent_state("anna", "logged_out")
                return {}
            return {"error": f"unknown need {what}"}

        cls.result, cls.stderr = run_flow(s, SCRIPT, [], answer, timeout=400)
        with open(os.path.join(s.dir, "result.json"), "w") as f:
            json.dump(cls.result, f, ensure_ascii=False, indent=1)

    def setUp(self):
        self.assertIsNotNone(self.result, f"the browser script gave no result:\n{self.stderr[-3000:]}")

    def flows(self):
        for tag in ("wide", "narrow"):
            self.assertTrue(self.result[tag + "Ok"], self.result.get(tag + "Error"))
            yield tag, self.result[tag]

    def test_consulting_an_agent_shows_in_the_call_bar_and_hands_the_call_over_with_the_note(self):
        for tag, r in self.flows():
            with self.subTest(tag):
                self.assertIn("Koppla över Alt+O", r["consultButtons"])
                self.assertIn("Återta samtalet Alt+T", r["consultButtons"])
                self.assertIn("Rådfråga gruppen Alt+R", r["consultButtons"])
                self.assertEqual(r["consultText"], "Rådfrågar Erik Johansson …")
                self.assertRegex(r["consultTimer"], r"^\d+:\d\d$")
                self.assertEqual(r["noteShown"], NOTE)
                self.assertEqual(r["erikWhileConsulted"], "talking")  # busy in the queue, "i samtal"
                self.assertIn("överkopplat till Erik Johansson", r["done"])
                self.assertTrue(r["consultHiddenAfter"])
                self.assertEqual(r["erikAfter"], "talking")  # he has the caller now
                rows = self.srv.sql("SELECT agent_id, end_reason, note FROM tel_calls WHERE call_id = ? ORDER BY id",
                                    r["call1"])
                self.assertEqual(rows, [(self.ids["anna"], "consult_transferred", NOTE),
                                        (self.ids["erik"], "caller_hangup", NOTE)])
        # Every phone passed its scenario: Erik's and Sara's checked the note on the offer.
        self.assertEqual(self.failed, [])

    def test_the_consulted_colleague_sees_who_consults_the_caller_and_the_note(self):
        for tag, r in self.flows():
            with self.subTest(tag):
                e = r["erikConsulted"]
                self.assertEqual(e["title"], "Anna Lindqvist rådfrågar dig")
                self.assertEqual(e["caller"], e["annaCaller"])
                self.assertEqual(e["caller"], CALLER)
                self.assertEqual(e["note"], NOTE)
                self.assertTrue(e["path"] and "Äldre direkt" in e["path"][0], e["path"])
                self.assertTrue(e["hangupDisabled"])  # still Anna's call
                self.assertTrue(e["answerDisabled"])
                self.assertTrue(e["consultControlsHidden"])  # Anna's Koppla över is not his
                self.assertEqual(e["state"], "I samtal")
        # Erik's desk read the caller's number: audited as the offered call's read is.
        rows = self.srv.sql("SELECT a.entity_id FROM audit_log a JOIN users u ON u.id = a.user_id"
                            " WHERE u.username = 'erik' AND a.action = 'read' AND a.entity = 'call'")
        read = {int(x) for (x,) in rows}
        for tag, r in self.flows():
            self.assertIn(r["call1"], read, tag)

    def test_after_the_hand_over_the_call_is_his_and_his_case_is_linked_to_the_caller(self):
        admin = self.srv.login("admin")
        for tag, r in self.flows():
            with self.subTest(tag):
                e = r["erikTaken"]
                self.assertEqual(e["title"], "Samtal pågår")
                self.assertEqual(e["from"], "Anna Lindqvist")
                self.assertEqual(e["caller"], CALLER)
                self.assertEqual(e["note"], NOTE)
                self.assertIn("Anna Lindqvist kopplade över samtalet till dig", e["done"])
                self.assertRegex(e["talk"], r"^\d+:\d\d$")
                self.assertTrue(e["hangupEnabled"])
                self.assertEqual((e["phone"], e["channel"], e["summary"]), (CALLER, "phone", NOTE))
                self.assertEqual(r["erikCaseError"], "")
                c = self.srv.request("GET", f"/api/v1/cases/{r['erikCaseId']}", token=admin).json
                self.assertEqual(c["channel"], "phone")
                self.assertEqual(c["call_id"], str(r["call1"]))
                self.assertEqual(c["agent_id"], self.ids["erik"])
                self.assertEqual(c["summary"], NOTE)
                self.assertEqual(c["citizen"]["phone"], CALLER)

    def test_a_busy_colleague_is_an_error_in_the_call_bar_and_the_call_is_taken_back(self):
        for tag, r in self.flows():
            with self.subTest(tag):
                self.assertIn("upptagen", r["busyError"].lower())
                self.assertIn("Erik Johansson", r["busyError"])
                self.assertTrue(r["callKeptAfterError"])
                self.assertTrue(r["consultHiddenAfterError"])
                self.assertEqual(r["consultText2"], "Rådfrågar Sara Ahmed …")
                self.assertEqual(r["errorCleared"], "")
                self.assertTrue(r["talkingAfterCancel"])
                self.assertIn("igen", r["backText"])
                rows = self.srv.sql("SELECT agent_id, end_reason FROM tel_calls WHERE call_id = ?", r["call2"])
                self.assertEqual(rows, [(self.ids["anna"], "caller_hangup")])
        audit = self.srv.sql("SELECT action FROM audit_log WHERE entity = 'call' AND action LIKE 'consult%'"
                             " ORDER BY id")
        self.assertEqual([a for (a,) in audit], ["consult", "consult_complete", "consult", "consult_cancel"] * 2)

    def test_no_horizontal_overflow(self):
        for tag, r in self.flows():
            limit = 1366 if tag == "wide" else 390
            for k in ("widthConsulting", "widthConsulting2", "widthAfter", "widthErikConsulted", "widthErikTaken"):
                self.assertLessEqual(r[k], limit, (tag, k))

    @needs_axe
    def test_no_serious_or_critical_accessibility_violations(self):
        self.assertTrue(self.result["axe"], self.result)
        for name, vs in self.result["axe"].items():
            bad = [v for v in vs if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], name)

    def test_pages_raise_no_script_errors(self):
        self.assertEqual(self.result["pageErrors"], [])
        self.assertEqual(self.result["consoleErrors"], [])
