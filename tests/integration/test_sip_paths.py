"""Telephony paths that were not covered: position announcements not repeated when nothing
changed, and repeated when the position did (a callback given up after busy retries is in
test_sip_trunks.py); the survey no longer
offered once its max_answers are in (and offered again after a reset); a coach listening in
to a bridged call."""
import os
import re
import time
import unittest

from harness import ServerTest, free_port, connect
from test_sip import ALWAYS, SIPP, Sipp

SIP_PORT = free_port()


def skip_under_asan(test):
    """Flows that add no new C paths (queue logic, an existing survey call) run once, in the
    normal build, to keep the ASan run short."""
    if os.environ.get("LOTSEN_BUILD", "").rstrip("/").endswith("asan"):
        test.skipTest("logic only: run in the normal build")
ENTRY = "0850836000"  # group 2 "Äldre direkt" in the demo
FORSKOLA = "0850833500"  # group 4 "Förskola"


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class SipPathsTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.srv.login("admin")
        for g in range(1, 9):
            r = cls.srv.request("PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        cls.anna = cls.srv.request("GET", "/api/v1/acd/agents/me", token=cls.srv.login("anna")).json["agent_id"]

    def setUp(self):
        self.state("logged_out")

    def sipp(self, scenario, *args, **kw):
        return Sipp(scenario, *args, sip_port=SIP_PORT, **kw)

    def state(self, state):
        r = self.api("POST", "/api/v1/acd/agents/me/state", {"state": state}, user="anna")
        self.assertEqual(r.status, 200, r)

    def phone(self, port):
        r = self.api("PATCH", f"/api/v1/users/{self.anna}", {"sip_uri": f"sip:anna@127.0.0.1:{port}"})
        self.assertEqual(r.status, 200, r)

    def group_sql(self, group, **cols):
        """Values the API keeps above what a quick test can wait (retry ≥ 30 s, announcements
        ≥ 15 s), written as an operator would; a PATCH then makes the engine reload them."""
        con = connect(self.srv.db)
        for k, v in cols.items():
            con.execute(f"UPDATE groups SET {k} = ? WHERE id = ?", (v, group))
        con.commit()
        con.close()
        r = self.api("PATCH", f"/api/v1/groups/{group}", {"wrapup_s": 0})
        self.assertEqual(r.status, 200, r)

    def events(self, call_id):
        r = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod")
        return [e["kind"] for e in r.json["items"] if e.get("call_id") == call_id]

    def wait(self, pattern, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.srv.logs())
            if m:
                return m
            time.sleep(0.05)
        self.fail(f"no {pattern!r}:\n" + self.srv.logs()[-3000:])

    def new_call(self, start, timeout=5):
        m = None
        deadline = time.time() + timeout
        while not m and time.time() < deadline:
            m = re.search(r"event=tel.invite result=accepted call=(\d+)", self.srv.logs()[start:])
            time.sleep(0.05)
        self.assertTrue(m, self.srv.logs()[-3000:])
        return int(m.group(1))

    # ---- tests -----------------------------------------------------------------

    def test_b_position_announcement_is_said_again_only_when_it_changed(self):
        skip_under_asan(self)
        self.group_sql(4, announce_every_s=1, callback_threshold_s=0)
        try:
            start = len(self.srv.logs())
            first = self.sipp("caller.xml", "-s", FORSKOLA, "-d", "1500")
            one = self.new_call(start)
            time.sleep(0.5)
            start2 = len(self.srv.logs())
            second = self.sipp("caller.xml", "-s", FORSKOLA, "-d", "4000")
            two = self.new_call(start2)
            self.assertEqual(first.wait(), 0, first.errors())  # the first caller leaves: 2 → 1
            self.assertEqual(second.wait(), 0, second.errors())
            logs = self.srv.logs()
            said_one = re.findall(rf"event=tel.announce call={one} position=(\d+)", logs)
            said_two = re.findall(rf"event=tel.announce call={two} position=(\d+)", logs)
            skipped_two = re.findall(rf"event=tel.announce call={two} skipped=unchanged", logs)
            # One announcement while nothing changed for the first caller; the second hears
            # "number 2" once, then "number 1" once, and the repeats in between are skipped.
            self.assertEqual(said_one, ["1"], logs[-3000:])
            self.assertEqual(said_two, ["2", "1"], logs[-3000:])
            self.assertGreaterEqual(len(skipped_two), 2, logs[-3000:])
        finally:
            self.group_sql(4, announce_every_s=None)

    def test_c_survey_is_not_offered_once_max_answers_are_in(self):
        skip_under_asan(self)
        g = self.api("GET", "/api/v1/groups/2").json
        self.assertEqual(self.api("PATCH", "/api/v1/groups/2", {"callback_threshold_s": 0}).status, 200)
        r = self.api("PATCH", "/api/v1/telephony/groups/2/policy",
                     {"survey": {"active": True, "questions": ["tal_1"], "max_answers": 1}})
        self.assertEqual(r.status, 200, r)
        try:
            start = len(self.srv.logs())
            caller = self.sipp("caller_survey.xml", "-s", ENTRY)
            call_id = self.new_call(start)
            self.wait(rf"event=tel.survey call={call_id} optin=true")
            agent = self.sipp("agent_hangup.xml", "-d", "800", remote=False)
            self.phone(agent.port)
            time.sleep(0.3)
            self.state("logged_in")
            self.state("ready")
            self.assertEqual(agent.wait(), 0, agent.errors())
            self.assertEqual(caller.wait(), 0, caller.errors())
            citizen = self.sipp("survey_answer_one.xml", port=caller.port, remote=False)
            self.assertEqual(citizen.wait(), 0, citizen.errors())
            self.wait(rf"event=tel.survey call={call_id} end=true answered=true answers=1")
            pol = [p for p in self.api("GET", "/api/v1/telephony").json["policies"] if p["group_id"] == 2][0]
            self.assertEqual(pol["survey_calls"], 1, pol)
            self.state("logged_out")
            # The one answer the survey wanted is in: the next caller is not offered it.
            start = len(self.srv.logs())
            caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "800")
            two = self.new_call(start)
            self.assertEqual(caller.wait(), 0, caller.errors())
            self.wait(rf"event=tel.call_end call={two} ")
            self.assertNotRegex(self.srv.logs()[start:], rf"event=tel.survey call={two} offered=true")
            # Counting again from 0: offered again.
            r = self.api("PATCH", "/api/v1/telephony/groups/2/policy", {"reset_survey_calls": True})
            self.assertEqual(r.json["survey_calls"], 0, r)
            start = len(self.srv.logs())
            caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "800")
            three = self.new_call(start)
            self.assertEqual(caller.wait(), 0, caller.errors())
            self.wait(rf"event=tel.survey call={three} offered=true")
        finally:
            self.api("PATCH", "/api/v1/telephony/groups/2/policy", {"survey": None})
            self.api("PATCH", "/api/v1/groups/2", {"callback_threshold_s": g.get("callback_threshold_s")})

    def test_d_coach_listens_in_one_way_to_caller_and_agent_mixed(self):
        agent = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
        self.phone(agent.port)
        self.state("logged_in")
        self.state("ready")
        time.sleep(0.3)
        self.assertProblem(self.api("POST", "/api/v1/calls/99999/listen", {"uri": "sip:x@127.0.0.1:5"},
                                    user="lead.aldre"), 404)
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "5000")  # plays speech (g711a.pcap)
        call_id = self.new_call(start)
        self.wait(rf"event=tel.agent call={call_id} agent={self.anna} answered=true")
        path = f"/api/v1/calls/{call_id}/listen"
        self.assertProblem(self.api("POST", path, {"uri": "sip:coach@127.0.0.1:5"}, user="anna"), 403)
        self.assertProblem(self.api("POST", path, {"uri": "tel:+4681234"}, user="lead.aldre"), 422, "uri")
        self.assertProblem(self.api("POST", path, {}, user="lead.aldre"), 422, "uri")  # no phone of her own
        # The first coach hangs up after a second; the call goes on, and a second coach
        # listens until the call ends (then Lotsen hangs that coach up: sipp waits for BYE).
        first = self.sipp("agent_hangup.xml", "-d", "1000", remote=False)
        r = self.api("POST", path, {"uri": f"sip:coach@127.0.0.1:{first.port}"}, user="lead.aldre")
        self.assertEqual(r.status, 202, r)
        self.assertProblem(self.api("POST", path, {"uri": "sip:coach@127.0.0.1:5"}, user="lead.aldre"), 409)
        self.assertEqual(first.wait(), 0, first.errors())
        m1 = self.wait(rf'event=tel.listen call={call_id} coach=\d+ end=true reason="coach hung up" '
                       rf'frames=(\d+) loud=(\d+) tx=(\d+)')
        second = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
        r = self.api("POST", path, {"uri": f"sip:coach@127.0.0.1:{second.port}"}, user="lead.aldre")
        self.assertEqual(r.status, 202, r)
        self.assertEqual(caller.wait(), 0, caller.errors())
        self.assertEqual(second.wait(), 0, second.errors())
        self.assertEqual(agent.wait(), 0, agent.errors())
        m2 = self.wait(rf'event=tel.listen call={call_id} coach=\d+ end=true reason="call ended" '
                       rf'frames=(\d+) loud=(\d+) tx=(\d+) rx=(\d+)')
        frames, loud, tx, rx = map(int, m2.groups())
        # A frame every 20 ms went to the coach, most of it the caller's speech and the
        # agent's echo of it; the coach's sipp echoed it back, so it did arrive.
        self.assertGreater(tx, 50, m2.group(0))
        self.assertGreater(loud, 20, m2.group(0))
        self.assertGreater(rx, 20, m2.group(0))
        self.assertGreater(int(m1.group(3)), 20, m1.group(0))
        # Nothing the coach sent reached the call: the agent's leg relayed only the caller.
        end = self.wait(rf"event=tel.call_end call={call_id} .*caller_relayed=(\d+) .*agent_tx=(\d+)")
        self.assertEqual(end.group(1), end.group(2), end.group(0))
        audits = self.srv.sql("SELECT action, entity_id FROM audit_log WHERE entity = 'call' AND action = 'listen'")
        self.assertEqual(audits, [("listen", call_id), ("listen", call_id)])


if __name__ == "__main__":
    unittest.main()
