"""The queue over HTTP: agent states, calls through the test entry, routing rules as a user
sees them, the event stream, interval statistics and their survival across a restart."""
import http.client
import json
import os
import socket
import time

from harness import Server, ServerTest

ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}
VIEWER = "viewer.aldre"
NEVER = {"weekly": {}, "holidays": "closed"}


class QueueTest(ServerTest):
    """Each class gets its own demo server; groups are opened around the clock so the
    tests do not depend on the hour they run at."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens = {}
        admin = cls.srv.login("admin")
        for g in range(1, 9):
            r = cls.srv.request("PATCH", f"/api/v1/groups/{g}",
                                {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        cls.ids = {a["name"]: a["agent_id"] for a in
                   cls.srv.request("GET", "/api/v1/acd/agents",
                                   token=cls.srv.login("lead.aldre")).json["items"]}

    def state(self, user, state, reason=None):
        body = {"state": state}
        if reason:
            body["reason"] = reason
        r = self.api("POST", "/api/v1/acd/agents/me/state", body, user=user)
        self.assertEqual(r.status, 200, r)
        return r.json

    def call(self, **body):
        r = self.api("POST", "/api/v1/acd/calls", body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def events_of(self, call_id):
        r = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod")
        self.assertEqual(r.status, 200, r)
        return [e["kind"] for e in r.json["items"] if e.get("call_id") == call_id]


class CallFlowTest(QueueTest):
    def test_answered_call_from_queue_to_statistics(self):
        anna = self.ids["Anna Lindqvist"]
        self.assertEqual(self.api("GET", "/api/v1/acd/agents/me", user="anna").json["state"],
                         "logged_out")
        self.assertEqual(self.state("anna", "logged_in")["state"], "paused")
        self.assertEqual(self.state("anna", "ready")["state"], "ready")
        c = self.call(group_id=2, caller="070-123 45 67", ivr="2,1")
        self.assertEqual(c["agent_id"], anna, c)
        self.assertEqual(c["caller"], "+46701234567")
        self.assertEqual([h["kind"] for h in c["path"]], ["entry"])
        self.assertEqual(c["path"][0]["group"], "Äldre direkt")
        self.assertEqual(self.api("GET", "/api/v1/acd/agents/me", user="anna").json["state"], "offered")
        r = self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/answer", user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["talking"])
        # Where the caller has been, for the agent who answers ("Var är jag?").
        r = self.api("GET", f"/api/v1/acd/calls/{c['call_id']}", user="anna")
        self.assertEqual((r.status, r.json["ivr"]), (200, "2,1"), r)
        audit = self.srv.sql("SELECT action FROM audit_log WHERE entity='call' AND entity_id=?", c["call_id"])
        self.assertIn(("read",), audit)
        r = self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup", user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.events_of(c["call_id"]),
                         ["call_arrived", "call_queued", "call_offered", "call_answered", "call_ended"])
        r = self.api("GET", "/api/v1/acd/intervals?group_id=2", user="lead.aldre")
        self.assertEqual(r.status, 200, r)
        t = r.json["totals"]
        self.assertGreaterEqual(t["offered"], 1)
        self.assertEqual(t["answered"], t["answered_60"])
        self.assertEqual(t["service_level_60"], 1.0)
        a = r.json["agents"]
        self.assertGreater(a["logged_in_s"], 0, a)
        self.assertGreater(a["talk_s"], 0, a)
        self.assertTrue(0 < a["occupancy"] <= 1, a)
        g = self.api("GET", "/api/v1/acd/groups/2", user="anna").json
        self.assertGreaterEqual(g["today"]["answered"], 1)
        self.assertEqual(self.state("anna", "logged_out")["state"], "logged_out")

    def test_longest_idle_agent_gets_the_call_and_no_answer_pauses(self):
        # erik became ready before fatima in a group both answer at level 1 (Förskola has
        # lars and lead.forskola at level 1; use Skola, group 5, where fatima is level 1).
        self.state("lars", "logged_in")
        self.state("lars", "ready")
        time.sleep(0.01)
        self.state("fatima", "logged_in")
        self.assertEqual(self.state("fatima", "ready")["state"], "ready")
        c = self.call(group_id=5)
        # fatima is level 1 in Skola, lars level 2: the best level wins over idle time.
        self.assertEqual(c["agent_id"], self.ids["Fatima Ali"], c)
        # fatima does not take it: the call goes back to the front, she is paused.
        r = self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/reject", user="fatima")
        self.assertEqual(r.status, 200, r)
        me = self.api("GET", "/api/v1/acd/agents/me", user="fatima").json
        self.assertEqual((me["state"], me["pause_reason"]), ("paused", "no_answer"))
        self.assertIn("call_no_answer", self.events_of(c["call_id"]))
        # Back at the front of the queue, the call goes to the next agent who can take it.
        r = self.api("GET", f"/api/v1/acd/calls/{c['call_id']}")
        self.assertEqual(r.json["agent_id"], self.ids["Lars Svensson"], r)
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup")
        self.assertEqual(self.events_of(c["call_id"])[-1], "call_abandoned")
        for u in ("lars", "fatima"):
            self.state(u, "logged_out")

    def test_closed_group_plays_the_closed_message_or_overflows(self):
        r = self.api("PATCH", "/api/v1/groups/8", {"opening_hours": NEVER, "overflow_group_id": None})
        self.assertEqual(r.status, 200, r)
        c = self.call(group_id=8)
        self.assertTrue(c.get("ended"), c)
        self.assertIn("call_closed", self.events_of(c["call_id"]))
        # With an overflow group the caller reaches Stockholm direkt instead.
        self.assertEqual(self.api("PATCH", "/api/v1/groups/8", {"overflow_group_id": 1}).status, 200)
        c = self.call(group_id=8)
        self.assertEqual(c["group_id"], 1, c)
        self.assertEqual([(h["kind"], h["group_id"]) for h in c["path"]], [("entry", 8), ("overflow", 1)], c)
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup")
        self.assertEqual(self.events_of(c["call_id"])[-1], "call_abandoned")
        g = self.api("GET", "/api/v1/acd/groups/8", user="peter").json
        self.assertFalse(g["open"])
        self.api("PATCH", "/api/v1/groups/8", {"opening_hours": ALWAYS, "overflow_group_id": None})

    def test_scheduled_closure_sends_callers_to_the_overflow_group(self):
        self.api("PATCH", "/api/v1/groups/7", {"overflow_group_id": 1})
        now = time.time()
        r = self.api("POST", "/api/v1/closures", {
            "group_id": 7, "reason": "APT-möte",
            "starts_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60)),
            "ends_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600))})
        self.assertEqual(r.status, 201, r)
        c = self.call(group_id=7)
        self.assertEqual(c["group_id"], 1, c)
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup")

    def test_urgent_callers_are_forwarded_to_the_on_call_number(self):
        self.assertEqual(self.api("PATCH", "/api/v1/groups/6", {"urgent_number": "08-508 111 11"}).status, 200)
        c = self.call(group_id=6, urgent=True)
        self.assertTrue(c.get("ended"), c)
        self.assertIn("call_forwarded", self.events_of(c["call_id"]))
        ev = [e for e in self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod").json["items"]
              if e.get("call_id") == c["call_id"] and e["kind"] == "call_forwarded"]
        self.assertEqual(ev[0]["text"], "+46850811111")

    def test_entry_number_leads_to_its_group(self):
        c = self.call(entry="08-508 290 00", caller="0701112233")
        self.assertEqual(c["group_id"], 3, c)
        self.assertEqual(c["entry"], "08-508 290 00")
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup")


class CallbackTest(QueueTest):
    def test_callback_keeps_the_callers_place(self):
        # Nobody ready in Felanmälan (group 7): the first caller asks to be called back.
        first = self.call(group_id=7, caller="070-555 00 01")
        r = self.api("POST", f"/api/v1/acd/calls/{first['call_id']}/callback")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["callback"])
        second = self.call(group_id=7, caller="070-555 00 02")
        self.assertEqual(second["position"], 2, second)
        g = self.api("GET", "/api/v1/acd/groups/7", user="linnea").json
        self.assertEqual((g["waiting"], g["callbacks_waiting"]), (1, 1), g)
        # linnea becomes ready: the callback, first in line, is dialled for her.
        self.state("linnea", "logged_in")
        self.state("linnea", "ready")
        me = self.api("GET", "/api/v1/acd/agents/me", user="linnea").json
        self.assertEqual((me["state"], me["call_id"]), ("offered", first["call_id"]), me)
        self.assertIn("callback_dialled", self.events_of(first["call_id"]))
        r = self.api("POST", f"/api/v1/acd/calls/{first['call_id']}/callback-result", {"answered": True})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["talking"])
        self.api("POST", f"/api/v1/acd/calls/{first['call_id']}/hangup", user="linnea")
        # Straight to the second caller (no wrap-up configured).
        me = self.api("GET", "/api/v1/acd/agents/me", user="linnea").json
        self.assertEqual(me["call_id"], second["call_id"], me)
        self.api("POST", f"/api/v1/acd/calls/{second['call_id']}/answer", user="linnea")
        self.api("POST", f"/api/v1/acd/calls/{second['call_id']}/hangup", user="linnea")
        t = self.api("GET", "/api/v1/acd/intervals?group_id=7", user="lead.aldre").json["totals"]
        self.assertEqual((t["callbacks_requested"], t["callbacks_answered"], t["answered"]), (1, 1, 2), t)
        self.state("linnea", "logged_out")

    def test_stream_tells_the_agent_of_an_offer(self):
        self.state("peter", "logged_in")
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        conn.request("GET", "/api/v1/acd/stream", headers={"Authorization": "Bearer " + self.token("peter")})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/event-stream"))

        def next_event(kind):
            ev = None
            deadline = time.time() + 10
            while time.time() < deadline:
                line = resp.fp.readline().decode()
                if line.startswith("event: "):
                    ev = line[7:].strip()
                elif line.startswith("data: ") and ev == kind:
                    return json.loads(line[6:])
            self.fail(f"no {kind} event")

        first = next_event("group")
        self.assertIn("waiting", first)
        self.state("peter", "ready")
        c = self.call(group_id=6)
        while True:
            a = next_event("action")
            if a["action"] == "offer":
                break
        self.assertEqual((a["call_id"], a["agent_id"]), (c["call_id"], self.ids["Peter Holm"]))
        conn.close()
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/reject", user="peter")
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup")
        self.state("peter", "logged_out")

    def test_stream_takes_the_token_in_the_query_and_nothing_else_does(self):
        # EventSource cannot send headers: the stream alone accepts ?access_token=.
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        conn.request("GET", "/api/v1/acd/stream?access_token=" + self.token("anna"))
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/event-stream"))
        conn.close()
        self.assertEqual(self.srv.request("GET", "/api/v1/acd/stream?access_token=nonsense").status, 401)
        self.assertEqual(self.srv.request("GET", "/api/v1/me?access_token=" + self.token("anna")).status, 401)
        self.assertEqual(self.srv.request("GET", "/api/v1/acd/groups?access_token=" + self.token("anna")).status,
                         401)
        self.assertProblem(self.srv.request("GET", "/api/v1/acd/stream?access_token=" + self.token(VIEWER)), 403)


class QueueErrorsTest(QueueTest):
    def test_bad_calls_are_refused_with_the_field(self):
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", {"group_id": 999}), 422, "group_id")
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", {"group_id": "2"}), 422, "group_id")
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", {}), 422, "group_id")
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", {"entry": "08-000 000 00"}), 422, "entry")
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", {"group_id": 2, "caller": "hej"}), 422, "caller")
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", {"group_id": 2, "urgent": "ja"}), 422, "urgent")
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", raw=b'{"group_id": 2'), 400)
        # Only the test entry (an admin) injects calls; no login, no queue.
        self.assertProblem(self.api("POST", "/api/v1/acd/calls", {"group_id": 2}, user="anna"), 403)
        self.assertEqual(self.api("POST", "/api/v1/acd/calls", {"group_id": 2}, user=None).status, 401)

    def test_agent_state_changes_are_checked(self):
        self.assertProblem(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "lunch"}, user="erik"),
                           422, "state")
        self.assertProblem(self.api("POST", "/api/v1/acd/agents/me/state",
                                    {"state": "paused", "reason": "no_answer"}, user="erik"), 422, "reason")
        self.assertProblem(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "ready"}, user="admin"), 403)
        self.assertProblem(self.api("GET", "/api/v1/acd/agents", user="anna"), 403)
        self.assertEqual(self.api("GET", "/api/v1/acd/stream", user=None).status, 401)
        # Logging out while talking is refused and changes nothing.
        self.state("erik", "logged_in")
        self.state("erik", "ready")
        c = self.call(group_id=3)
        self.assertEqual(c["agent_id"], self.ids["Erik Johansson"], c)
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/answer", user="erik")
        self.assertProblem(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user="erik"), 409)
        self.assertEqual(self.api("GET", "/api/v1/acd/agents/me", user="erik").json["state"], "talking")
        # Someone else's call, an unknown call, a second answer.
        self.assertProblem(self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup", user="anna"), 403)
        self.assertProblem(self.api("POST", "/api/v1/acd/calls/999999/answer", user="erik"), 404)
        self.assertProblem(self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/answer", user="erik"), 409)
        self.assertProblem(self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/transfer",
                                    {"group_id": 77}, user="erik"), 422, "group_id")
        # A transfer sends the caller on with the path kept.
        r = self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/transfer", {"group_id": 1}, user="erik")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([h["kind"] for h in r.json["path"]], ["entry", "transfer"])
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup")
        self.state("erik", "logged_out")

    def test_lists_need_the_right_role_and_valid_queries(self):
        self.assertProblem(self.api("GET", "/api/v1/acd/intervals?group_id=x", user="lead.aldre"), 400)
        self.assertProblem(self.api("GET", "/api/v1/acd/intervals?from=igår", user="lead.aldre"), 400)
        self.assertProblem(self.api("GET", "/api/v1/acd/intervals?from=2026-11-23&to=2026-11-22",
                                    user="lead.aldre"), 400)
        self.assertProblem(self.api("GET", "/api/v1/acd/events", user="anna"), 403)
        self.assertProblem(self.api("GET", "/api/v1/acd/groups/999", user="anna"), 404)
        self.assertProblem(self.api("GET", "/api/v1/acd/stream", user=VIEWER), 403)


class RestartTest(QueueTest):
    def test_statistics_agree_with_the_event_log_after_a_restart(self):
        self.state("mikael", "logged_in")
        for caller in ("070-100 00 01", "070-100 00 02"):
            self.state("mikael", "ready")
            c = self.call(group_id=8, caller=caller)
            self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/answer", user="mikael")
            self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup", user="mikael")
        waiting = self.call(group_id=8)      # nobody free: it waits, then the caller gives up
        time.sleep(0.1)
        self.api("POST", f"/api/v1/acd/calls/{waiting['call_id']}/hangup")
        before = self.api("GET", "/api/v1/acd/intervals?group_id=8", user="lead.aldre").json
        self.assertEqual(before["totals"]["answered"], 2, before)
        self.assertEqual(before["totals"]["short_abandoned"], 1, before)
        # One caller is still waiting when the server stops: the process takes the call
        # with it, and the next start closes it in the log as abandoned.
        left = self.call(group_id=8)
        # mikael is still logged in when the server stops, and the rollup table is lost
        # as if the process had died before writing it: the event log rebuilds it.
        self.assertEqual(self.srv.stop(), 0)
        con = self.srv.connect()
        con.execute("DELETE FROM acd_group_intervals")
        con.execute("DELETE FROM acd_state")
        con.commit()
        con.close()
        self.srv.start()
        self.tokens.clear()
        after = self.api("GET", "/api/v1/acd/intervals?group_id=8", user="lead.aldre").json
        self.assertEqual(self.events_of(left["call_id"])[-1], "call_abandoned")
        expected = dict(before["totals"], short_abandoned=before["totals"]["short_abandoned"] + 1)
        self.assertEqual(after["totals"], expected)
        me = self.api("GET", "/api/v1/acd/agents/me", user="mikael").json
        self.assertEqual(me["state"], "logged_out")
        kinds = [e["kind"] for e in self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod").json["items"]
                 if e.get("agent_id") == self.ids["Mikael Öberg"]]
        self.assertEqual(kinds[-1], "agent_logout")
        # New calls get new ids; a call of the earlier run is unknown now.
        c = self.call(group_id=8)
        self.assertGreater(c["call_id"], left["call_id"])
        self.assertProblem(self.api("GET", f"/api/v1/acd/calls/{left['call_id']}"), 404)
        self.api("POST", f"/api/v1/acd/calls/{c['call_id']}/hangup")
        # A second restart with nothing left open changes nothing.
        again = self.api("GET", "/api/v1/acd/intervals?group_id=8", user="lead.aldre").json
        self.assertEqual(self.srv.stop(), 0)
        self.srv.start()
        self.tokens.clear()
        self.assertEqual(self.api("GET", "/api/v1/acd/intervals?group_id=8", user="lead.aldre").json, again)
