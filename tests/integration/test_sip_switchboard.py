"""The switchboard over real SIP: calls routed by the language the caller asks for (an entry
number's or a menu option's), a menu key that sends the caller to an outside number through
the outbound trunk, and the consultative (announced) transfer with a note that follows the
call. sipp plays the citizen, the agents' phones and the switchboard behind the trunk."""
import re
import time
import unittest

from harness import ServerTest, free_port
from test_sip import ALWAYS, SIPP, Sipp, free_udp_port

SIP_PORT = free_port()
ENTRY = "0850836000"  # group 2 "Äldre direkt" in the demo; Anna and Erik answer it
FI_ENTRY = "0850836011"  # the same group for callers who want Finnish
MENU_ENTRY = "0850836022"  # a menu: 1 the switchboard outside, 2 Finnish, 3 urgent
NOTE = "Vill flytta besöket till fredag"


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class SwitchboardTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.srv.login("admin")
        r = cls.srv.request("PATCH", "/api/v1/groups/1", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
        assert r.status == 200, r
        r = cls.srv.request("PATCH", "/api/v1/groups/2",
                            {"opening_hours": ALWAYS, "wrapup_s": 0,
                             "entry_numbers": [ENTRY, FI_ENTRY, MENU_ENTRY]}, token=admin)
        assert r.status == 200, r
        cls.ids = {u: cls.srv.request("GET", "/api/v1/acd/agents/me", token=cls.srv.login(u)).json["agent_id"]
                   for u in ("anna", "erik")}

    def setUp(self):
        for u in ("anna", "erik"):
            self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user=u)

    # ---- helpers ---------------------------------------------------------------

    def sipp(self, scenario, *args, **kw):
        return Sipp(scenario, *args, sip_port=SIP_PORT, **kw)

    def wait(self, pattern, start=0, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.srv.logs()[start:])
            if m:
                return m
            time.sleep(0.05)
        self.fail(f"no {pattern!r}:\n" + self.srv.logs()[-4000:])

    def phone(self, user, port):
        r = self.api("PATCH", f"/api/v1/users/{self.ids[user]}", {"sip_uri": f"sip:{user}@127.0.0.1:{port}"})
        self.assertEqual(r.status, 200, r)

    def ready(self, user):
        for s in ("logged_in", "ready"):
            r = self.api("POST", "/api/v1/acd/agents/me/state", {"state": s}, user=user)
            self.assertEqual(r.status, 200, r)

    def assertSipp(self, p):
        self.assertEqual(p.wait(), 0, p.errors())

    def trunk(self, proxy_port):
        r = self.api("POST", "/api/v1/telephony/trunks",
                     {"name": "Växeln", "sources": ["127.0.0.1"], "outbound": True,
                      "proxy": f"127.0.0.1:{proxy_port}", "from_number": "08-508 000 00"})
        self.assertEqual(r.status, 201, r)
        self.addCleanup(lambda: self.api("DELETE", f"/api/v1/telephony/trunks/{r.json['id']}"))
        return r.json["id"]

    def talking_call(self, start):
        """Anna answers a caller to ENTRY: the call's id once she talks."""
        m = self.wait(r"event=tel.invite result=accepted call=(\d+)", start)
        call_id = int(m.group(1))
        self.wait(rf"event=tel.agent call={call_id} agent={self.ids['anna']} answered=true", start)
        return call_id

    # ---- languages ----------------------------------------------------------------

    def test_a_languages_are_validated_and_kept_per_agent(self):
        path = f"/api/v1/agents/{self.ids['erik']}/languages"
        self.assertProblem(self.api("PUT", path, {"languages": ["FI"]}), 422, "languages[0]")
        self.assertProblem(self.api("PUT", path, {"languages": ["finska"]}), 422, "languages[0]")
        self.assertProblem(self.api("PUT", path, {"languages": "fi"}), 422, "languages")
        self.assertProblem(self.api("PUT", path, {"languages": ["sv"] * 9}), 422, "languages")
        self.assertProblem(self.srv.request("PUT", path, raw=b"{not json", token=self.token("admin")), 400)
        self.assertProblem(self.api("PUT", path, {"languages": ["fi"]}, user="anna"), 403)
        self.assertProblem(self.api("PUT", "/api/v1/agents/99999/languages", {"languages": ["fi"]}), 404)
        # Nothing half-written by the refusals.
        self.assertEqual(self.api("GET", path, user="lead.aldre").json["languages"], [])
        r = self.api("PUT", path, {"languages": ["sv", "fi"]}, user="lead.aldre")
        self.assertEqual((r.status, r.json["languages"]), (200, ["sv", "fi"]), r)
        self.assertEqual(self.srv.sql("SELECT detail FROM audit_log WHERE action = 'update' AND"
                                      " entity = 'agent_languages' AND entity_id = ?", self.ids["erik"]),
                         [("sv,fi",)])
        r = self.api("PUT", "/api/v1/telephony/menus", {"number": FI_ENTRY, "menu": None, "language": "Finska"})
        self.assertProblem(r, 422, "language")
        self.assertProblem(self.api("PATCH", "/api/v1/groups/2", {"language_widen_s": 0}), 422)

    def test_b_a_caller_asking_for_finnish_gets_the_finnish_speaking_agent_then_anyone(self):
        self.assertEqual(self.api("PUT", f"/api/v1/agents/{self.ids['anna']}/languages",
                                  {"languages": ["sv"]}).status, 200)
        self.assertEqual(self.api("PUT", f"/api/v1/agents/{self.ids['erik']}/languages",
                                  {"languages": ["sv", "fi"]}).status, 200)
        r = self.api("PUT", "/api/v1/telephony/menus", {"number": FI_ENTRY, "menu": None, "language": "fi"})
        self.assertEqual((r.status, r.json["language"]), (200, "fi"), r)
        r = self.api("PATCH", "/api/v1/groups/2", {"language_widen_s": 2})
        self.assertEqual((r.status, r.json["language_widen_s"]), (200, 2), r)
        # Anna (Swedish only) has been ready longest; Erik speaks Finnish.
        anna = self.sipp("agent_ring.xml", remote=False)
        erik = self.sipp("agent_answer_fi.xml", "-rtp_echo", remote=False)
        self.phone("anna", anna.port)
        self.phone("erik", erik.port)
        self.ready("anna")
        time.sleep(0.3)
        self.ready("erik")
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", FI_ENTRY, "-d", "1500")
        m = self.wait(r"event=tel.invite result=accepted call=(\d+) .*lang=fi", start)
        call_id = int(m.group(1))
        self.wait(rf"event=tel.agent call={call_id} agent={self.ids['erik']} answered=true", start)
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}", user="erik")  # what Erik's desk shows
        self.assertEqual((r.status, r.json.get("lang")), (200, "fi"), r)
        self.assertSipp(caller)
        self.assertSipp(erik)  # the offer said Finnish; answered, BYE at the end
        self.assertNotRegex(self.srv.logs()[start:], rf"event=tel.offer call={call_id} agent={self.ids['anna']}")
        self.assertEqual(self.srv.sql("SELECT agent_id, lang FROM tel_calls WHERE call_id = ?", call_id),
                         [(self.ids["erik"], "fi")])
        anna.proc.kill()
        anna.wait()
        # With Erik away, the Finnish caller (from the menu's option 2) waits for the widen time,
        # then Anna takes the call.
        self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user="erik")
        r = self.api("PUT", "/api/v1/telephony/menus",
                     {"number": MENU_ENTRY, "menu": {"prompt": "meny_stockholm", "options": {
                         "1": {"group": 2, "lang": "fi"}}}})
        self.assertEqual(r.status, 200, r)
        anna = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
        self.phone("anna", anna.port)
        self.ready("anna")
        time.sleep(0.3)
        start = len(self.srv.logs())
        caller = self.sipp("caller_dtmf.xml", "-s", MENU_ENTRY, "-d", "5000")
        m = self.wait(r"event=tel.invite result=accepted call=(\d+) group=2 .*lang=fi", start)
        call_id = int(m.group(1))
        self.wait(rf"event=tel.agent call={call_id} agent={self.ids['anna']} answered=true", start)
        # The queue's own log: offered to Anna only once the group's 2 s for Finnish had passed.
        ev = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod").json["items"]
        t = {e["kind"]: e["t_ms"] for e in ev if e.get("call_id") == call_id}
        self.assertGreaterEqual(t["call_offered"] - t["call_queued"], 2000, t)
        self.assertSipp(caller)
        self.assertSipp(anna)
        self.assertEqual(self.srv.sql("SELECT agent_id, lang FROM tel_calls WHERE call_id = ?", call_id),
                         [(self.ids["anna"], "fi")])

    # ---- a menu key to an outside number ----------------------------------------

    def test_c_a_menu_key_sends_the_caller_to_the_switchboard_through_the_trunk(self):
        bad = self.api("PUT", "/api/v1/telephony/menus", {"number": MENU_ENTRY, "menu": {
            "prompt": "meny_stockholm", "options": {"1": {"outside": "ring växeln"}, "2": {"group": 2, "lang": "FI"},
                                          "3": {"announcement": "oppettider", "urgent": True}}}})
        self.assertProblem(bad, 422)
        self.assertEqual({e["field"] for e in bad.json["errors"]},
                         {"menu.options.1.outside", "menu.options.2.lang", "menu.options.3.urgent"}, bad.json)
        r = self.api("PUT", "/api/v1/telephony/menus", {"number": MENU_ENTRY, "menu": {
            "prompt": "meny_stockholm", "options": {"1": {"outside": "08-508 000 99"},
                                                     "3": {"group": 2, "urgent": True}}}})
        self.assertEqual(r.status, 200, r)
        proxy_port = free_udp_port()
        tid = self.trunk(proxy_port)
        switchboard = self.sipp("outside_answer.xml", "-rtp_echo", port=proxy_port, remote=False)
        time.sleep(0.3)
        start = len(self.srv.logs())
        caller = self.sipp("caller_dtmf.xml", "-s", MENU_ENTRY, "-d", "2000")
        self.assertSipp(caller)  # pressed 1, talked, hung up
        self.assertSipp(switchboard)  # the INVITE asked for the number; the caller's BYE reached it
        self.wait(rf'event=tel.menu_outside call=0 entry=\+46850836022 ivr="1" '
                  rf'dial="sip:\+46850800099@127.0.0.1:{proxy_port}" trunk={tid}', start)
        self.assertNotRegex(self.srv.logs()[start:], r"event=tel.invite result=accepted")  # never queued
        rows = []
        deadline = time.time() + 5
        while not rows and time.time() < deadline:
            rows = self.srv.sql("SELECT end_reason, outside_number, answered_ms IS NOT NULL FROM tel_calls"
                                " WHERE entry = '+46850836022' AND outside_number IS NOT NULL")
            time.sleep(0.05)
        self.assertEqual(rows, [("caller_hangup", "+46850800099", 1)])
        # Key 3 marks the call urgent: the group sends urgent callers to its on-call line, and
        # the caller, answered by the menu already, is relayed there through the trunk.
        g = self.api("GET", "/api/v1/groups/2").json
        self.assertEqual(self.api("PATCH", "/api/v1/groups/2", {"urgent_number": "08-508 000 98"}).status, 200)
        self.addCleanup(lambda: self.api("PATCH", "/api/v1/groups/2", {"urgent_number": g.get("urgent_number")}))
        oncall = self.sipp("urgent_answer.xml", "-rtp_echo", port=proxy_port, remote=False)
        time.sleep(0.3)
        start = len(self.srv.logs())
        caller = self.sipp("caller_dtmf3.xml", "-s", MENU_ENTRY, "-d", "2000")
        self.assertSipp(caller)
        self.assertSipp(oncall)
        m = self.wait(r"event=tel.invite result=accepted call=(\d+) group=2 .*urgent=true", start)
        call_id = int(m.group(1))
        self.wait(rf"event=tel.call_end call={call_id} ", start)
        self.assertEqual(self.srv.sql("SELECT end_reason, outside_number FROM tel_calls WHERE call_id = ?", call_id),
                         [("forwarded", "+46850800098")])
        ev = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod").json["items"]
        self.assertIn("call_forwarded", [e["kind"] for e in ev if e.get("call_id") == call_id])

    # ---- consultative transfer --------------------------------------------------

    def test_d_consultative_transfer_completes_with_the_note_and_cancels_back(self):
        proxy_port = free_udp_port()
        self.trunk(proxy_port)
        erik_phone = self.sipp("consult_answer.xml", "-rtp_echo", remote=False)
        self.phone("erik", erik_phone.port)  # Erik logs in once Anna talks with the caller
        anna = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
        self.phone("anna", anna.port)
        self.ready("anna")
        time.sleep(0.3)
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "6000")
        call_id = self.talking_call(start)
        path = f"/api/v1/calls/{call_id}/consult"
        # Unhappy paths first: unknown call, someone else's call, nothing to complete, bad body.
        self.assertProblem(self.api("POST", "/api/v1/calls/999999/consult", {"number": "0850800099"},
                                    user="anna"), 404)
        self.assertProblem(self.api("POST", path, {"number": "0850800099"}, user="erik"), 403)
        self.assertProblem(self.api("POST", path + "/complete", None, user="anna"), 409)
        self.assertProblem(self.api("POST", path, {"note": NOTE}, user="anna"), 422, "agent_id")
        self.assertProblem(self.api("POST", path, {"agent_id": self.ids["erik"], "note": "x" * 600},
                                    user="anna"), 422, "note")
        self.assertProblem(self.api("POST", path, {"group_id": 2}, user="anna"), 409)  # nobody else ready
        self.assertProblem(self.api("POST", path, {"group_id": 999}, user="anna"), 422, "group_id")
        self.assertProblem(self.api("POST", path, {"number": 850800099}, user="anna"), 422, "number")
        self.assertProblem(self.api("POST", path, {"number": "0850800099", "agent_id": self.ids["erik"]},
                                    user="anna"), 422, "agent_id")
        self.assertProblem(self.api("POST", path, {"contact_id": 987654}, user="anna"), 422, "contact_id")
        self.assertProblem(self.api("POST", path, {"number": "0850800099"}, user="viewer.aldre"), 403)
        # Anna holds the caller and calls her group, where Erik is free, with a note; she
        # hears him, then hands over.
        self.ready("erik")
        r = self.api("POST", path, {"group_id": 2, "note": NOTE}, user="anna")
        self.assertEqual((r.status, r.json["state"]), (202, "consulting"), r)
        self.assertProblem(self.api("POST", path, {"number": "0850800099"}, user="anna"), 409)
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}", user="anna")
        self.assertEqual((r.json.get("note"), r.json.get("consulting")), (NOTE, True), r)
        self.wait(rf"event=tel.consult call={call_id} agent={self.ids['anna']} answered=true", start)
        self.assertProblem(self.api("POST", path + "/complete", None, user="erik"), 403)
        r = self.api("POST", path + "/complete", None, user="anna")
        self.assertEqual((r.status, r.json["state"]), (200, "transferred"), r)
        self.assertSipp(anna)  # Anna's phone got BYE at once
        self.assertSipp(caller)
        self.assertSipp(erik_phone)  # the offer carried the note; the caller's BYE reached Erik
        end = self.wait(rf"event=tel.call_end call={call_id} .*caller_relayed=(\d+) .*agent_relayed=(\d+)", start)
        self.assertGreater(int(end.group(2)), 20, end.group(0))  # Erik's echo reached the caller
        rows = self.srv.sql("SELECT agent_id, end_reason, note FROM tel_calls WHERE call_id = ? ORDER BY id",
                            call_id)
        self.assertEqual(rows, [(self.ids["anna"], "consult_transferred", NOTE),
                                (self.ids["erik"], "caller_hangup", NOTE)])
        me = self.api("GET", "/api/v1/acd/agents/me", user="anna").json
        self.assertIn(me["state"], ("ready", "wrapup"), me)
        self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user="erik")

        # Cancelled: the switchboard (through the trunk) is rung, then let go; Anna talks on.
        switchboard = self.sipp("agent_answer.xml", "-rtp_echo", port=proxy_port, remote=False)
        anna = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
        self.phone("anna", anna.port)
        self.api("POST", "/api/v1/acd/agents/me/state", {"state": "ready"}, user="anna")
        time.sleep(0.3)
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "5000")
        call_id = self.talking_call(start)
        path = f"/api/v1/calls/{call_id}/consult"
        r = self.api("POST", path, {"number": "08-508 000 99"}, user="anna")
        self.assertEqual((r.status, r.json["number"]), (202, "+46850800099"), r)
        self.wait(rf"event=tel.consult call={call_id} agent={self.ids['anna']} answered=true", start)
        r = self.api("POST", path + "/cancel", None, user="anna")
        self.assertEqual((r.status, r.json["state"]), (200, "talking"), r)
        self.assertSipp(switchboard)  # got BYE when Anna cancelled
        self.assertProblem(self.api("POST", path + "/cancel", None, user="anna"), 409)
        self.assertSipp(caller)
        self.assertSipp(anna)  # still talking with the caller until the caller hung up
        self.wait(rf"event=tel.call_end call={call_id} ", start)
        self.assertEqual(self.srv.sql("SELECT agent_id, end_reason FROM tel_calls WHERE call_id = ?", call_id),
                         [(self.ids["anna"], "caller_hangup")])
        audit = self.srv.sql("SELECT action FROM audit_log WHERE entity = 'call' AND entity_id = ?"
                             " ORDER BY id", call_id)
        self.assertEqual(audit, [("consult",), ("consult_cancel",)])

    def test_g_a_consulted_agent_is_offered_no_queue_call_until_the_consultation_ends(self):
        # Erik's phone answers twice: Anna's consultation, then the queue's call.
        erik_phone = self.sipp("agent_answer.xml", "-rtp_echo", "-m", "2", remote=False)
        self.phone("erik", erik_phone.port)
        anna = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
        self.phone("anna", anna.port)
        self.ready("anna")
        time.sleep(0.3)
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "12000")
        call_id = self.talking_call(start)
        self.ready("erik")
        path = f"/api/v1/calls/{call_id}/consult"
        r = self.api("POST", path, {"agent_id": self.ids["erik"], "note": NOTE}, user="anna")
        self.assertEqual((r.status, r.json["agent_id"]), (202, self.ids["erik"]), r)
        self.wait(rf"event=tel.consult call={call_id} agent={self.ids['anna']} answered=true", start)
        me = self.api("GET", "/api/v1/acd/agents/me", user="erik").json
        self.assertEqual((me["state"], me["call_id"]), ("talking", None), me)  # "i samtal"
        board = self.api("GET", "/api/v1/wallboard", user="anna")
        g2 = next(g for g in board.json["groups"] if g["group_id"] == 2)
        self.assertEqual(g2["agent_states"].get("talking", {}).get("count"), 2, g2)  # both busy
        # A second caller to the group waits: nobody is offered it (Anna talks, Erik is
        # consulted), and Erik cannot be consulted by anyone else or make himself ready.
        caller2 = self.sipp("caller.xml", "-s", ENTRY, "-d", "8000")
        m = self.wait(r"event=tel.invite result=accepted call=(\d+)", start + 1)
        while int(m.group(1)) == call_id:
            m = self.wait(r"event=tel.invite result=accepted call=(\d+)", start + m.end())
        call2 = int(m.group(1))
        c2 = self.api("GET", f"/api/v1/acd/calls/{call2}")
        self.assertEqual(c2.status, 200, c2)
        self.assertEqual((c2.json["agent_id"], c2.json["position"], c2.json["talking"]), (None, 1, False), c2)
        self.assertProblem(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "ready"}, user="erik"),
                           409)
        me = self.api("GET", "/api/v1/acd/agents/me", user="erik").json
        self.assertEqual(me["state"], "talking", me)
        # Anna takes her caller back: Erik is free and gets the waiting caller at once.
        r = self.api("POST", path + "/cancel", None, user="anna")
        self.assertEqual((r.status, r.json["state"]), (200, "talking"), r)
        self.wait(rf"event=tel.agent call={call2} agent={self.ids['erik']} answered=true", start)
        c2 = self.api("GET", f"/api/v1/acd/calls/{call2}").json
        self.assertEqual((c2["agent_id"], c2["talking"]), (self.ids["erik"], True), c2)
        self.assertSipp(caller2)
        self.assertSipp(erik_phone)
        self.assertSipp(caller)
        self.assertSipp(anna)
        self.wait(rf"event=tel.call_end call={call2} ", start)
        me = self.api("GET", "/api/v1/acd/agents/me", user="erik").json
        self.assertEqual(me["state"], "ready", me)  # wrap-up 0 in the group

    def test_f_a_blind_transfer_carries_its_note_to_the_next_agent(self):
        anna = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
        erik = self.sipp("agent_answer_note.xml", "-rtp_echo", remote=False)
        self.phone("anna", anna.port)
        self.phone("erik", erik.port)
        self.ready("anna")
        time.sleep(0.3)
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "4000")
        call_id = self.talking_call(start)
        self.ready("erik")  # Erik also answers group 1
        path = f"/api/v1/acd/calls/{call_id}/transfer"
        self.assertProblem(self.api("POST", path, {"group_id": 1, "note": ["lista"]}, user="anna"), 422, "note")
        self.assertProblem(self.api("POST", path, {"group_id": 1, "note": "x" * 512}, user="anna"), 422, "note")
        r = self.api("POST", path, {"group_id": 1, "note": NOTE}, user="anna")
        self.assertEqual(r.status, 200, r)
        self.wait(rf"event=tel.agent call={call_id} agent={self.ids['erik']} answered=true", start)
        self.assertSipp(anna)
        self.assertSipp(caller)
        self.assertSipp(erik)  # the offer carried the note
        self.wait(rf"event=tel.call_end call={call_id} ", start)
        rows = self.srv.sql("SELECT agent_id, end_reason, note FROM tel_calls WHERE call_id = ? ORDER BY id", call_id)
        self.assertEqual(rows, [(self.ids["anna"], "transferred", NOTE), (self.ids["erik"], "caller_hangup", NOTE)])

    # ---- every new route × every role ----------------------------------------------

    def test_e_route_role_matrix(self):
        roles = {"agent": "anna", "group_lead": "lead.aldre", "manager": "chef.stod", "admin": "admin",
                 "client_viewer": "viewer.aldre"}
        phones = {"agent", "group_lead"}
        erik = self.ids["erik"]
        # (method, path, body, roles let past the route's role check); bodies and ids that
        # change nothing (unknown calls, invalid codes).
        routes = [
            ("GET", f"/api/v1/agents/{erik}/languages", None, {"group_lead", "manager", "admin"}),
            ("PUT", f"/api/v1/agents/{erik}/languages", {"languages": ["X"]}, {"group_lead", "admin"}),
            ("POST", "/api/v1/calls/999999/consult", {"number": "0850800099"}, phones),
            ("POST", "/api/v1/calls/999999/consult/complete", None, phones),
            ("POST", "/api/v1/calls/999999/consult/cancel", None, phones),
        ]
        before = self.srv.sql("SELECT count(*) FROM agent_languages")
        for method, path, body, allowed in routes:
            self.assertProblem(self.srv.request(method, path, body), 401)
            for role, user in roles.items():
                r = self.api(method, path, body, user=user)
                if role in allowed:
                    self.assertNotIn(r.status, (401, 403, 405), (method, path, role, r))
                else:
                    self.assertProblem(r, 403)
        self.assertProblem(self.api("POST", "/api/v1/calls/999999/consult/cancel", None, user="anna"), 404)
        self.assertEqual(self.srv.sql("SELECT count(*) FROM agent_languages"), before)
        doc = self.api("GET", "/api/v1/openapi.json").json
        op = doc["paths"]["/api/v1/calls/{id}/consult"]["post"]
        self.assertEqual(sorted(op["x-roles"]), ["agent", "group_lead"])
        self.assertEqual(op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
                         "#/components/schemas/Consult")
        self.assertIn("language_widen_s", doc["components"]["schemas"]["Group"]["properties"])


if __name__ == "__main__":
    unittest.main()
