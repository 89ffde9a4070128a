"""Telephony over SIP: sipp plays the citizen's phone and the agent's phone against a real
server; the queue's event log shows what the engine made of it."""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from harness import ServerTest, free_port, ports_free, port_slice, connect

SIPP = shutil.which("sipp")
HERE = os.path.dirname(os.path.abspath(__file__))
SCEN = os.path.join(HERE, "sipp")
SIP_PORT = free_port()
SHUTDOWN_SIP_PORT = free_port()
ENTRY = "0850836000"  # "08-508 360 00", group 2 "Äldre direkt" in the demo
ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}


def free_udp_port():
    return free_port()


_media_lo, _media_hi, _media_first = port_slice(10000, 30000)
_next_media = [_media_first - _media_first % 4]


def free_media_port():
    """sipp binds its media port and the three after it (RTCP, video RTP/RTCP): pick a
    block of four free UDP ports below the kernel's ephemeral range, never the same twice
    in a run, so a port another socket took meanwhile cannot fail a scenario."""
    while True:
        base = _next_media[0]
        _next_media[0] = base + 4 if base + 8 <= _media_hi else _media_lo
        if ports_free(base, 4, kinds=(socket.SOCK_DGRAM,), host="0.0.0.0"):
            return base


class Sipp:
    """One sipp process; `wait()` returns its exit code (0: the scenario passed)."""

    def __init__(self, scenario, *args, port=None, media_port=None, remote=True, sip_port=None):
        self.dir = tempfile.mkdtemp(prefix="lotsen-sipp-")
        self.port = port or free_udp_port()
        cmd = [SIPP, "-sf", os.path.join(SCEN, scenario), "-m", "1", "-timeout", "20s",
               "-timeout_error", "-i", "127.0.0.1", "-p", str(self.port),
               "-mp", str(media_port or free_media_port()), "-nostdin", "-trace_err"] + list(args)
        if remote:
            cmd.append(f"127.0.0.1:{sip_port or SIP_PORT}")
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def wait(self, timeout=30):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "timeout"

    def errors(self):
        out = []
        for name in os.listdir(self.dir):
            with open(os.path.join(self.dir, name), errors="replace") as f:
                out.append(f"{name}:\n{f.read()[-2000:]}")
        return "\n".join(out)


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class SipTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.srv.login("admin")
        for g in range(1, 9):
            r = cls.srv.request("PATCH", f"/api/v1/groups/{g}",
                                {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        cls.anna = cls.srv.request("GET", "/api/v1/acd/agents/me",
                                   token=cls.srv.login("anna")).json["agent_id"]

    def setUp(self):
        self.state("anna", "logged_out")

    # ---- helpers ---------------------------------------------------------------

    def state(self, user, state):
        r = self.api("POST", "/api/v1/acd/agents/me/state", {"state": state}, user=user)
        self.assertEqual(r.status, 200, r)
        return r.json

    def phone(self, port):
        r = self.api("PATCH", f"/api/v1/users/{self.anna}", {"sip_uri": f"sip:anna@127.0.0.1:{port}"})
        self.assertEqual(r.status, 200, r)

    def menu(self, number, menu):
        """Menus are data on the entry number (no API yet): written as an operator would."""
        con = connect(self.srv.db)
        # replaced (SQLite's INSERT OR REPLACE, in the SQL of both backends)
        con.execute("DELETE FROM entry_numbers WHERE number = ?", (number,))
        con.execute("INSERT INTO entry_numbers(number, group_id, menu) VALUES (?, 1, ?)",
                    (number, json.dumps(menu)))
        con.commit()
        con.close()

    def call_json(self, call_id):
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}")
        self.assertEqual(r.status, 200, r)
        return r.json

    def last_event_id(self):
        r = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod")
        self.assertEqual(r.status, 200, r)
        return r.json["next_after"]

    def events_since(self, after):
        r = self.api("GET", f"/api/v1/acd/events?after_id={after}&limit=5000", user="chef.stod")
        self.assertEqual(r.status, 200, r)
        return r.json["items"]

    def new_call(self, after, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in self.events_since(after):
                if e["kind"] == "call_arrived":
                    return e["call_id"]
            time.sleep(0.05)
        self.fail("no call arrived:\n" + self.srv.logs()[-3000:])

    def kinds(self, after, call_id, until=None, timeout=5):
        deadline = time.time() + timeout
        while True:
            k = [e["kind"] for e in self.events_since(after) if e.get("call_id") == call_id]
            if until is None or until in k or time.time() > deadline:
                return k
            time.sleep(0.05)

    def assertSipp(self, p, code=0):
        self.assertEqual(p.wait(), code, p.errors())

    # ---- tests -----------------------------------------------------------------

    def test_a_options_is_answered(self):
        self.assertSipp(Sipp("options.xml"))

    def test_b_unknown_number_is_404(self):
        self.assertSipp(Sipp("invite_unknown.xml", "-s", "0812345678"))

    def test_c_call_is_answered_by_the_agent_phone_with_media_relayed(self):
        agent = Sipp("agent_answer.xml", "-rtp_echo", remote=False)
        self.phone(agent.port)
        self.state("anna", "logged_in")
        self.assertEqual(self.state("anna", "ready")["state"], "ready")
        time.sleep(0.3)  # the agent's sipp is listening
        mark = self.last_event_id()
        caller = Sipp("caller.xml", "-s", ENTRY, "-d", "2500")
        call_id = self.new_call(mark)
        deadline = time.time() + 5
        talking = False
        while time.time() < deadline and not talking:
            r = self.api("GET", f"/api/v1/acd/calls/{call_id}")
            talking = r.status == 200 and r.json.get("talking")
            time.sleep(0.05)
        self.assertTrue(talking, self.srv.logs()[-3000:])
        self.assertSipp(caller)
        self.assertSipp(agent)
        self.assertEqual(self.kinds(mark, call_id, until="call_ended"),
                         ["call_arrived", "call_queued", "call_offered", "call_answered", "call_ended"])
        m = None
        deadline = time.time() + 5
        while not m and time.time() < deadline:
            m = re.search(rf"event=tel.call_end call={call_id} .*caller_relayed=(\d+) .*agent_relayed=(\d+)",
                          self.srv.logs())
            time.sleep(0.05)
        self.assertTrue(m, self.srv.logs()[-3000:])
        # The caller's audio reached the agent, and the agent's echo came back.
        self.assertGreater(int(m.group(1)), 10, m.group(0))
        self.assertGreater(int(m.group(2)), 10, m.group(0))
        me = self.api("GET", "/api/v1/acd/agents/me", user="anna").json
        self.assertEqual(me["state"], "ready", me)

    def test_d_caller_hangs_up_while_queued(self):
        mark = self.last_event_id()
        caller = Sipp("caller.xml", "-s", ENTRY, "-d", "1000")
        call_id = self.new_call(mark)
        self.assertSipp(caller)
        k = self.kinds(mark, call_id, until="call_abandoned")
        # With nobody serving the group the wait estimate is long: a callback is offered.
        self.assertEqual(k[:2], ["call_arrived", "call_queued"], k)
        self.assertEqual(k[-1], "call_abandoned", k)
        self.assertNotIn("call_offered", k)

    def test_e_busy_agent_phone_sends_the_call_back_to_the_queue(self):
        agent = Sipp("agent_busy.xml", remote=False)
        self.phone(agent.port)
        self.state("anna", "logged_in")
        self.state("anna", "ready")
        time.sleep(0.3)
        mark = self.last_event_id()
        caller = Sipp("caller.xml", "-s", ENTRY, "-d", "3000")
        call_id = self.new_call(mark)
        self.assertSipp(agent)
        k = self.kinds(mark, call_id, until="call_no_answer")
        self.assertIn("call_no_answer", k)
        me = self.api("GET", "/api/v1/acd/agents/me", user="anna").json
        self.assertEqual((me["state"], me["pause_reason"]), ("paused", "no_answer"), me)
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}")
        self.assertEqual((r.status, r.json.get("talking")), (200, False), r)
        self.assertSipp(caller)
        self.assertEqual(self.kinds(mark, call_id, until="call_abandoned")[-1], "call_abandoned")

    def test_g_agent_hangs_up_and_the_caller_gets_bye(self):
        agent = Sipp("agent_hangup.xml", "-d", "1000", remote=False)
        self.phone(agent.port)
        self.state("anna", "logged_in")
        self.state("anna", "ready")
        time.sleep(0.3)
        mark = self.last_event_id()
        caller = Sipp("caller_hungup.xml", "-s", ENTRY)
        call_id = self.new_call(mark)
        self.assertSipp(agent)
        self.assertSipp(caller)
        self.assertEqual(self.kinds(mark, call_id, until="call_ended"),
                         ["call_arrived", "call_queued", "call_offered", "call_answered", "call_ended"])

    def test_h_closed_group_answers_and_hangs_up(self):
        never = {"weekly": {}, "holidays": "closed"}
        r = self.api("PATCH", "/api/v1/groups/1", {"opening_hours": never})
        self.assertEqual(r.status, 200, r)
        try:
            mark = self.last_event_id()
            caller = Sipp("caller_hungup.xml", "-s", "0850800000")  # Stockholm direkt
            call_id = self.new_call(mark)
            self.assertSipp(caller)
            self.assertIn("call_closed", self.kinds(mark, call_id, until="call_closed"))
        finally:
            r = self.api("PATCH", "/api/v1/groups/1", {"opening_hours": ALWAYS})
            self.assertEqual(r.status, 200, r)

    def test_i_closed_group_with_an_outside_number_is_forwarded_by_302(self):
        never = {"weekly": {}, "holidays": "closed"}
        r = self.api("PATCH", "/api/v1/groups/1", {"opening_hours": never,
                                                   "overflow_number": "08-508 111 11"})
        self.assertEqual(r.status, 200, r)
        try:
            mark = self.last_event_id()
            self.assertSipp(Sipp("invite_forwarded.xml", "-s", "0850800000"))
            call_id = self.new_call(mark)
            self.assertIn("call_forwarded", self.kinds(mark, call_id, until="call_forwarded"))
            self.assertRegex(self.srv.logs(), rf"event=tel.forward call={call_id} number=\S+ via=302")
        finally:
            r = self.api("PATCH", "/api/v1/groups/1", {"opening_hours": ALWAYS, "overflow_number": None})
            self.assertEqual(r.status, 200, r)

    def test_j_hangup_from_the_desktop_ends_both_legs(self):
        agent = Sipp("agent_answer.xml", remote=False)
        self.phone(agent.port)
        self.state("anna", "logged_in")
        self.state("anna", "ready")
        time.sleep(0.3)
        mark = self.last_event_id()
        caller = Sipp("caller_hungup.xml", "-s", ENTRY)
        call_id = self.new_call(mark)
        self.assertIn("call_answered", self.kinds(mark, call_id, until="call_answered"))
        r = self.api("POST", f"/api/v1/acd/calls/{call_id}/hangup", user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertSipp(caller)
        self.assertSipp(agent)
        self.assertEqual(self.kinds(mark, call_id)[-1], "call_ended")

    def test_k_menu_digit_1_queues_in_the_chosen_group_with_the_ivr_path(self):
        # The demo's menu number "08-508 001 00": 1 Äldre direkt (2), 2 Skola (5), 9 hours.
        mark = self.last_event_id()
        caller = Sipp("caller_dtmf.xml", "-s", "0850800100", "-d", "1500")
        call_id = self.new_call(mark, timeout=8)
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["group_id"], r.json["ivr"]), (2, "1"), r.json)
        self.assertEqual([h["group_id"] for h in r.json["path"]], [2], r.json)
        self.assertSipp(caller)
        self.assertEqual(self.kinds(mark, call_id, until="call_abandoned")[-1], "call_abandoned")
        self.assertRegex(self.srv.logs(), r"event=tel.menu entry=\+46850800100 digit=1")

    def test_l_callback_by_keypress_then_dialled_and_bridged(self):
        mark = self.last_event_id()
        caller = Sipp("caller_callback.xml", "-s", ENTRY)
        call_id = self.new_call(mark)
        self.assertSipp(caller)  # pressed 1, heard the confirmation, got our BYE
        k = self.kinds(mark, call_id, until="callback_requested")
        self.assertIn("callback_offered", k)
        self.assertIn("callback_requested", k)
        self.assertNotIn("call_abandoned", k)
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}")
        self.assertEqual((r.status, r.json.get("callback")), (200, True), r)
        # No trunk yet: the citizen is called at the host and port of the INVITE's Contact,
        # where sipp now answers as the citizen's phone and hangs up after a while.
        citizen = Sipp("agent_hangup.xml", "-d", "1500", port=caller.port, remote=False)
        agent = Sipp("agent_answer.xml", remote=False)
        self.phone(agent.port)
        time.sleep(0.3)
        self.state("anna", "logged_in")
        self.state("anna", "ready")
        self.assertSipp(citizen)
        self.assertSipp(agent)
        k = self.kinds(mark, call_id, until="call_ended")
        self.assertIn("callback_dialled", k)
        self.assertIn("callback_answered", k)
        self.assertEqual(k[-1], "call_ended", k)

    def test_m_menu_invalid_digits_by_sip_info_end_in_the_default_group(self):
        # "5" has no option: the menu again, then the default group with an empty path.
        self.menu("+46850899901", {"prompt": "tal_1", "timeout_s": 10, "default_group": 5,
                                   "options": {"1": {"group": 2}}})
        mark = self.last_event_id()
        caller = Sipp("caller_info.xml", "-s", "0850899901", "-d", "1000")
        call_id = self.new_call(mark, timeout=8)
        c = self.call_json(call_id)
        self.assertEqual((c["group_id"], c["ivr"]), (5, ""), c)
        self.assertSipp(caller)
        self.assertEqual(len(re.findall(r"event=tel.menu entry=\+46850899901 digit=5", self.srv.logs())), 2)

    def test_n_menu_without_a_digit_goes_to_the_default_group(self):
        self.menu("+46850899902", {"prompt": "tal_2", "timeout_s": 1, "options": {"1": {"group": 2}}})
        mark = self.last_event_id()
        caller = Sipp("caller.xml", "-s", "0850899902", "-d", "3500")
        call_id = self.new_call(mark, timeout=8)
        c = self.call_json(call_id)
        self.assertEqual((c["group_id"], c["ivr"]), (1, ""), c)  # the number's own group
        self.assertSipp(caller)
        self.assertRegex(self.srv.logs(), r"event=tel.menu entry=\+46850899902 digit=none")

    def test_o_queue_announces_position_and_wait(self):
        r = self.api("PATCH", "/api/v1/groups/4", {"announce_every_s": 15})
        self.assertEqual(r.status, 200, r)
        try:
            mark = self.last_event_id()
            caller = Sipp("caller.xml", "-s", "0850833500", "-d", "1500")  # Förskola
            call_id = self.new_call(mark)
            self.assertSipp(caller)
            m = re.search(rf"event=tel.announce call={call_id} position=(\d+) minutes=(\d+)", self.srv.logs())
            self.assertTrue(m, self.srv.logs()[-3000:])
            self.assertEqual(m.group(1), "1")
            self.assertGreaterEqual(int(m.group(2)), 1)
        finally:
            r = self.api("PATCH", "/api/v1/groups/4", {"announce_every_s": None})
            self.assertEqual(r.status, 200, r)

    # ---- third slice: call records, recording, transfer ---------------------------

    def answered_call(self, caller_args=("-d", "2500"), agent_scen="agent_answer.xml", agent_args=("-rtp_echo",)):
        agent = Sipp(agent_scen, *agent_args, remote=False)
        self.phone(agent.port)
        self.state("anna", "logged_in")
        self.state("anna", "ready")
        time.sleep(0.3)
        mark = self.last_event_id()
        caller = Sipp("caller.xml", "-s", ENTRY, *caller_args)
        call_id = self.new_call(mark)
        self.assertIn("call_answered", self.kinds(mark, call_id, until="call_answered"))
        return mark, call_id, caller, agent

    def call_records(self, call_id, n=1, timeout=5, query="?group_id=2"):
        deadline = time.time() + timeout
        while True:
            r = self.api("GET", "/api/v1/calls" + query, user="lead.aldre")
            self.assertEqual(r.status, 200, r)
            rows = [c for c in r.json["items"] if c["call_id"] == call_id]
            if len(rows) >= n or time.time() > deadline:
                return rows
            time.sleep(0.05)

    def test_p_an_answered_call_leaves_one_call_record(self):
        _, call_id, caller, agent = self.answered_call()
        self.assertSipp(caller)
        self.assertSipp(agent)
        rows = self.call_records(call_id)
        self.assertEqual(len(rows), 1, rows)
        c = rows[0]
        self.assertEqual((c["agent_id"], c["caller"], c["entry"], c["end_reason"]),
                         (self.anna, "+46701234567", "+46850836000", "caller_hangup"), c)
        self.assertTrue(c["caller_sip_callid"] and c["agent_sip_callid"], c)
        self.assertLessEqual(c["arrived_ms"], c["answered_ms"])
        self.assertLess(c["answered_ms"], c["ended_ms"])
        self.assertIsNone(c["recording_path"], c)
        # Caller numbers are personal data: the list read is audited.
        con = connect(self.srv.db)
        n = con.execute("SELECT count(*) FROM audit_log WHERE entity = 'call' AND action = 'list'").fetchone()[0]
        con.close()
        self.assertGreaterEqual(n, 1)
        self.assertEqual(self.api("GET", "/api/v1/calls", user="anna").status, 403)

    def test_q_recording_by_group_policy_is_as_long_as_the_talk(self):
        con = connect(self.srv.db)
        con.execute("DELETE FROM tel_group_policy WHERE group_id = 2")
        con.execute("INSERT INTO tel_group_policy(group_id, record) VALUES (2, 1)")
        con.commit()
        try:
            _, call_id, caller, agent = self.answered_call(caller_args=("-d", "3000"))
            self.assertSipp(caller)
            self.assertSipp(agent)
        finally:
            con.execute("DELETE FROM tel_group_policy WHERE group_id = 2")
            con.commit()
            con.close()
        c = self.call_records(call_id)[0]
        path = c["recording_path"]
        self.assertTrue(path and os.path.exists(path), c)
        with open(path, "rb") as f:
            h = f.read(44)
            data = f.read()
        self.assertEqual((h[:4], h[8:16], h[36:40]), (b"RIFF", b"WAVEfmt ", b"data"))
        rate, bits, ch = int.from_bytes(h[24:28], "little"), int.from_bytes(h[34:36], "little"), h[22]
        self.assertEqual((rate, bits, ch), (8000, 16, 1))
        size = int.from_bytes(h[40:44], "little")
        self.assertEqual(size, len(data))
        talk = (c["ended_ms"] - c["answered_ms"]) / 1000
        self.assertAlmostEqual(size / 16000, talk, delta=0.5)
        self.assertAlmostEqual(c["recording_ms"] / 1000, talk, delta=0.5)
        self.assertTrue(any(data[i] for i in range(0, len(data), 7)), "the recording is silent")

    def test_r_transfer_through_the_api_byes_the_agent_and_requeues(self):
        _, call_id, caller, agent = self.answered_call(caller_args=("-d", "3000"), agent_args=())
        r = self.api("POST", f"/api/v1/acd/calls/{call_id}/transfer", {"group_id": 4}, user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertSipp(agent)  # the agent's phone got BYE
        c = self.call_json(call_id)
        self.assertEqual((c["group_id"], c["talking"]), (4, False), c)
        self.assertIn("transfer", [h["kind"] for h in c["path"]], c)
        self.assertSipp(caller)  # heard the queue of group 4, then hung up
        rows = self.call_records(call_id, n=2, query="")
        self.assertEqual([(x["end_reason"], x["group_id"]) for x in rows],
                         [("transferred", 2), ("abandoned", 4)], rows)
        self.assertEqual(rows[0]["agent_id"], self.anna, rows)

    # ---- fourth slice: the post-call survey ------------------------------------------

    STOCKHOLM_SURVEY = {"questions": [{"prompt": "enkat_1", "max": 4}, {"prompt": "enkat_2", "max": 3},
                                      "enkat_3", "enkat_4", "enkat_5", "enkat_6"],
                        "max_answers": 500}

    def test_s_survey_opt_in_then_called_back_and_answered_by_dtmf(self):
        g = self.api("GET", "/api/v1/groups/2").json
        threshold = g.get("callback_threshold_s")
        # No callback offer in the way: "1" is the survey's.
        r = self.api("PATCH", "/api/v1/groups/2", {"callback_threshold_s": 0})
        self.assertEqual(r.status, 200, r)
        con = connect(self.srv.db)
        con.execute("DELETE FROM tel_group_policy WHERE group_id = 2")
        con.execute("INSERT INTO tel_group_policy(group_id, survey) VALUES (2, ?)",
                    (json.dumps(self.STOCKHOLM_SURVEY),))
        con.commit()
        try:
            mark = self.last_event_id()
            caller = Sipp("caller_survey.xml", "-s", ENTRY)
            call_id = self.new_call(mark)
            deadline = time.time() + 6
            while f"event=tel.survey call={call_id} optin=true" not in self.srv.logs():
                self.assertLess(time.time(), deadline, self.srv.logs()[-3000:])
                time.sleep(0.05)
            agent = Sipp("agent_hangup.xml", "-d", "1000", remote=False)
            self.phone(agent.port)
            time.sleep(0.3)
            self.state("anna", "logged_in")
            self.state("anna", "ready")
            self.assertSipp(agent)
            self.assertSipp(caller)  # the agent's hang-up reached the caller
            # Lotsen calls back at the caller's Contact, where sipp now answers the survey.
            citizen = Sipp("survey_answer.xml", port=caller.port, remote=False)
            self.assertSipp(citizen)
            deadline = time.time() + 5
            while True:
                r = self.api("GET", "/api/v1/surveys/answers?group_id=2", user="lead.aldre")
                self.assertEqual(r.status, 200, r)
                rows = [a for a in r.json["items"] if a["call_id"] == call_id]
                if len(rows) >= 6 or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual([(a["question"], a["prompt"], a["answer"], a["agent_id"]) for a in rows],
                             [(i, f"enkat_{i}", 1, self.anna) for i in range(1, 7)], self.srv.logs()[-3000:])
            n = con.execute("SELECT survey_calls FROM tel_group_policy WHERE group_id = 2").fetchone()[0]
            self.assertEqual(n, 1)
        finally:
            con.execute("DELETE FROM tel_group_policy WHERE group_id = 2")
            con.commit()
            con.close()
            r = self.api("PATCH", "/api/v1/groups/2", {"callback_threshold_s": threshold})
            self.assertEqual(r.status, 200, r)

    def register(self, scenario, secret, contact_port, expires=3600, user="anna"):
        return Sipp(scenario, "-s", user, "-au", user, "-ap", secret,
                    "-key", "contact_port", str(contact_port), "-key", "expires", str(expires))

    def test_t_registered_phone_is_rung_at_its_contact_without_sip_uri(self):
        secret = "anna-telefon-hemlig"
        # Setting the secret: admin only, at least 12 characters, stored as HA1 only.
        r = self.api("POST", f"/api/v1/users/{self.anna}/sip-secret", {"secret": secret}, user="chef.stod")
        self.assertEqual(r.status, 403, r)
        r = self.api("POST", f"/api/v1/users/{self.anna}/sip-secret", {"secret": "kort"})
        self.assertProblem(r, 422, "secret")
        r = self.api("POST", "/api/v1/users/999999/sip-secret", {"secret": secret})
        self.assertEqual(r.status, 404, r)
        r = self.api("POST", f"/api/v1/users/{self.anna}/sip-secret", {"secret": secret})
        self.assertEqual(r.status, 200, r)
        con = connect(self.srv.db)
        (ha1,) = con.execute("SELECT ha1 FROM tel_sip_secrets WHERE user_id = ?", (self.anna,)).fetchone()
        con.close()
        self.assertEqual(ha1, hashlib.md5(f"anna:lotsen:{secret}".encode()).hexdigest())
        # No sip_uri: only the registration can lead to the phone.
        r = self.api("PATCH", f"/api/v1/users/{self.anna}", {"sip_uri": None})
        self.assertEqual(r.status, 200, r)
        agent = Sipp("agent_answer.xml", "-rtp_echo", remote=False)
        # Wrong secret, unknown user: 403 after the challenge; too short: 423.
        self.assertSipp(self.register("register_forbidden.xml", "fel-losenord-123", agent.port))
        self.assertSipp(self.register("register_forbidden.xml", secret, agent.port, user="ingen.alls"))
        self.assertSipp(self.register("register_brief.xml", secret, agent.port, expires=30))
        self.assertSipp(self.register("register.xml", secret, agent.port))
        self.assertIn(f'event=tel.register result=200 user="anna" contact="sip:anna@127.0.0.1:{agent.port}" '
                      'expires=3600', self.srv.logs())
        self.state("anna", "logged_in")
        self.assertEqual(self.state("anna", "ready")["state"], "ready")
        time.sleep(0.3)
        mark = self.last_event_id()
        caller = Sipp("caller.xml", "-s", ENTRY, "-d", "1500")
        call_id = self.new_call(mark)
        self.assertSipp(caller)
        self.assertSipp(agent)
        self.assertEqual(self.kinds(mark, call_id, until="call_ended"),
                         ["call_arrived", "call_queued", "call_offered", "call_answered", "call_ended"])
        # Expires 0 removes the binding.
        self.assertSipp(self.register("register.xml", secret, agent.port, expires=0))
        self.assertIn('event=tel.register result=200 user="anna" removed=true', self.srv.logs())

    def test_f_malformed_sip_does_not_stop_the_server(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.bind(("127.0.0.1", 0))
        lport = s.getsockname()[1]
        dst = ("127.0.0.1", SIP_PORT)

        def invite(headers, body=b""):
            lines = [f"INVITE sip:{ENTRY}@127.0.0.1:{SIP_PORT} SIP/2.0",
                     f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{time.time_ns()}"]
            lines += headers + [f"Content-Length: {len(body)}", "", ""]
            return "\r\n".join(lines).encode() + body

        base = [f"From: <sip:070123@127.0.0.1:{lport}>;tag=f1", f"To: <sip:{ENTRY}@127.0.0.1>",
                "CSeq: 1 INVITE", "Max-Forwards: 70"]
        for junk in (b"", b"\x00\xff" * 40, b"INVITE", b"INVITE sip:x SIP/2.0\r\nVia: garbage\r\n\r\n",
                     invite(base)[:60], b"SIP/2.0 200 OK\r\n\r\n", os.urandom(1400)):
            s.sendto(junk, dst)

        def status(msg):
            s.sendto(msg, dst)
            deadline = time.time() + 3
            while time.time() < deadline:
                data = s.recv(65535).decode(errors="replace")
                code = int(data.split(" ")[1])
                if code >= 200:
                    return code
            return None

        # No Contact, no SDP, no usable codec: refused with the reason, nothing kept.
        self.assertEqual(status(invite(base + [f"Call-ID: a{time.time_ns()}"])), 400)
        with_contact = base + [f"Contact: <sip:070123@127.0.0.1:{lport}>"]
        self.assertEqual(status(invite(with_contact + [f"Call-ID: b{time.time_ns()}"])), 488)
        sdp = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               b"m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n")
        self.assertEqual(status(invite(with_contact + [f"Call-ID: c{time.time_ns()}",
                                                       "Content-Type: application/sdp"], sdp)), 488)
        self.assertEqual(status(invite(with_contact + [f"Call-ID: d{time.time_ns()}",
                                                       "Content-Type: application/sdp"], b"v=0\r\nm=")), 488)
        s.close()
        self.assertSipp(Sipp("options.xml"))
        self.assertEqual(self.api("GET", "/api/v1/acd/groups/2").status, 200)


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class SipShutdownTest(ServerTest):
    """Stopping the server with callers on the line hangs them up and leaks nothing."""
    extra = ("--sip", f"127.0.0.1:{SHUTDOWN_SIP_PORT}")
    caller = None

    def test_stop_with_a_caller_waiting(self):
        mark = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod").json["next_after"]
        caller = Sipp("caller_hungup.xml", "-s", ENTRY, sip_port=SHUTDOWN_SIP_PORT)
        self.__class__.caller = caller
        deadline = time.time() + 5
        arrived = False
        while not arrived and time.time() < deadline:
            r = self.api("GET", f"/api/v1/acd/events?after_id={mark}", user="chef.stod")
            arrived = any(e["kind"] == "call_arrived" for e in r.json["items"])
            time.sleep(0.05)
        self.assertTrue(arrived, self.srv.logs()[-2000:])
        # tearDownClass stops the server and checks its exit code (leaks fail under ASan).

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        # The server's BYE on the way out ended the caller's scenario.
        if cls.caller:
            assert cls.caller.wait(timeout=10) == 0, cls.caller.errors()


if __name__ == "__main__":
    unittest.main()
