"""Trunks: with any trunk configured, only calls from a trunk's source address or with a
trunk's digest credentials (407 challenge) come in, others get 403; calls out (here the
callback — here one the citizen is busy for until it is given up —, a transfer to a
department contact) go through the outbound trunk's proxy showing its from-number. Administered by admins through the API, every change audited. sipp plays
the operator, the citizen and the department contact."""
import re
import time
import unittest

from harness import ServerTest, free_port, connect
from test_sip import ALWAYS, SIPP, Sipp, free_udp_port

SIP_PORT = free_port()
ENTRY = "0850836000"  # group 2 "Äldre direkt" in the demo
T = "/api/v1/telephony/trunks"


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class TrunkTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.srv.login("admin")
        r = cls.srv.request("PATCH", "/api/v1/groups/2", {"opening_hours": ALWAYS, "wrapup_s": 0,
                                                          "callback_threshold_s": 10}, token=admin)
        assert r.status == 200, r
        cls.anna = cls.srv.request("GET", "/api/v1/acd/agents/me", token=cls.srv.login("anna")).json["agent_id"]

    def sipp(self, scenario, *args, **kw):
        return Sipp(scenario, *args, sip_port=SIP_PORT, **kw)

    def wait(self, pattern, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.srv.logs())
            if m:
                return m
            time.sleep(0.05)
        self.fail(f"no {pattern!r}:\n" + self.srv.logs()[-3000:])

    def test_trunks_let_in_by_address_or_digest_and_take_calls_out(self):
        first_audit = self.srv.sql("SELECT coalesce(max(id), 0) FROM audit_log")[0][0]
        self.assertProblem(self.api("GET", T, user="chef.stod"), 403)
        self.assertProblem(self.api("POST", T, {"name": "x", "sources": ["127.0.0.1"]}, user="chef.stod"), 403)
        r = self.api("POST", T, {"name": "", "sources": ["192.0.2.300", "127.0.0.1"], "outbound": True,
                                 "secret": "kort", "from_number": "hej", "colour": 1})
        self.assertProblem(r, 422)
        self.assertEqual({e["field"] for e in r.json["errors"]},
                         {"name", "sources[0]", "proxy", "secret", "from_number", "colour"}, r.json)
        self.assertProblem(self.api("POST", T, {"name": "Tom", "sources": []}), 422, "sources")
        self.assertProblem(self.api("POST", T, {"name": "Halv", "username": "vaxel"}), 422, "secret")
        self.assertProblem(self.api("POST", T, {"name": "Ut", "outbound": True, "proxy": "vaxel.example:5060"}),
                           422, "proxy")
        # Calls from an operator at 192.0.2.10: our 127.0.0.1 caller is no longer let in.
        r = self.api("POST", T, {"name": "Operatören", "sources": ["192.0.2.10"]})
        self.assertEqual(r.status, 201, r)
        op = r.json["id"]
        self.assertEqual((r.json["digest"], r.json["active"], r.json["outbound"]), (False, True, False), r.json)
        p = self.sipp("invite_forbidden.xml", "-s", ENTRY)
        self.assertEqual(p.wait(), 0, p.errors())
        self.wait(r'event=tel.trunk src=127.0.0.1 result=403 reason="not a trunk\'s address"')
        # The operator's second address is ours: in.
        r = self.api("PATCH", f"{T}/{op}", {"sources": ["192.0.2.10", "127.0.0.1"]})
        self.assertEqual((r.status, r.json["sources"]), (200, ["192.0.2.10", "127.0.0.1"]), r)
        p = self.sipp("caller.xml", "-s", ENTRY, "-d", "300")
        self.assertEqual(p.wait(), 0, p.errors())
        # A PBX by digest instead: challenged with 407, let in with the right secret.
        self.assertEqual(self.api("PATCH", f"{T}/{op}", {"sources": ["192.0.2.10"]}).status, 200)
        r = self.api("POST", T, {"name": "Växeln", "username": "vaxel", "secret": "vaxel-hemlig-2026"})
        self.assertEqual((r.status, r.json["digest"]), (201, True), r)
        pbx = r.json["id"]
        self.assertNotIn("ha1", r.json)
        self.assertProblem(self.api("POST", T, {"name": "Kopia", "username": "vaxel", "secret": "x" * 12}), 409,
                           "username")
        start = len(self.srv.logs())
        p = self.sipp("caller_trunk_auth.xml", "-s", ENTRY, "-d", "300", "-au", "vaxel", "-ap", "vaxel-hemlig-2026")
        self.assertEqual(p.wait(), 0, p.errors())
        self.assertRegex(self.srv.logs()[start:], r"tel.trunk src=127.0.0.1 result=407")
        self.assertRegex(self.srv.logs()[start:], r"tel.invite result=accepted")
        start = len(self.srv.logs())
        p = self.sipp("caller_trunk_auth.xml", "-s", ENTRY, "-d", "300", "-au", "vaxel", "-ap", "fel-losenord-123")
        self.assertNotEqual(p.wait(), 0)  # the second INVITE gets 403, not 200
        self.wait(r'event=tel.trunk src=127.0.0.1 result=403 reason="wrong digest"')
        self.assertNotRegex(self.srv.logs()[start:], r"tel.invite result=accepted")

        # Calls out through the outbound trunk: the callback goes to its proxy, asking for the
        # citizen's number and showing the center's number. The citizen is busy both times
        # (the group at 2 attempts, the retry cut to 1 s by SQL, as an operator could): the
        # callback is given up, and the reserved agent's phone never rang.
        proxy_port = free_udp_port()
        r = self.api("POST", T, {"name": "Utgående", "outbound": True, "proxy": f"127.0.0.1:{proxy_port}",
                                 "from_number": "08-508 000 00"})
        self.assertEqual((r.status, r.json["from_number"]), (201, "+46850800000"), r)
        out = r.json["id"]
        self.assertEqual(self.api("PATCH", f"{T}/{op}", {"sources": ["127.0.0.1"]}).status, 200)
        g = self.api("GET", "/api/v1/groups/2").json
        self.assertEqual(self.api("PATCH", "/api/v1/groups/2", {"callback_attempts": 2}).status, 200)
        con = connect(self.srv.db)
        con.execute("UPDATE groups SET callback_retry_s = 1 WHERE id = 2")
        con.commit()
        con.close()
        self.assertEqual(self.api("PATCH", "/api/v1/groups/2", {"wrapup_s": 0}).status, 200)  # reload
        try:
            start = len(self.srv.logs())
            caller = self.sipp("caller_callback.xml", "-s", ENTRY)
            self.assertEqual(caller.wait(), 0, caller.errors())  # pressed 1; hung up by us
            call_id = int(re.search(r"tel.invite result=accepted call=(\d+)", self.srv.logs()[start:]).group(1))
            operator = self.sipp("trunk_busy.xml", "-m", "2", port=proxy_port, remote=False)
            agent = self.sipp("agent_answer.xml", remote=False)
            self.assertEqual(self.api("PATCH", f"/api/v1/users/{self.anna}",
                                      {"sip_uri": f"sip:anna@127.0.0.1:{agent.port}"}).status, 200)
            time.sleep(0.3)
            for s in ("logged_in", "ready"):
                self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": s}, user="anna").status,
                                 200)
            self.assertEqual(operator.wait(), 0, operator.errors())
            self.wait(rf"event=tel.callback call={call_id} gave_up=true")
            dials = re.findall(rf'event=tel.callback call={call_id} agent={self.anna} '
                               rf'dial="sip:\+46701234567@127.0.0.1:{proxy_port}" trunk={out}', self.srv.logs())
            busy = re.findall(rf"event=tel.callback call={call_id} answered=false scode=486", self.srv.logs())
            self.assertEqual((len(dials), len(busy)), (2, 2), self.srv.logs()[-3000:])
            r = self.api("GET", "/api/v1/acd/events?limit=5000", user="chef.stod")
            k = [e["kind"] for e in r.json["items"] if e.get("call_id") == call_id]
            self.assertEqual((k.count("callback_dialled"), k[-1]), (2, "callback_failed"), k)
            self.assertNotIn("callback_answered", k)
            self.assertEqual(self.srv.sql("SELECT end_reason FROM tel_calls WHERE call_id = ?", call_id),
                             [("callback_failed",)])
            self.assertNotRegex(self.srv.logs()[start:], rf"event=tel.offer call={call_id} ")
            self.assertEqual(self.api("GET", "/api/v1/acd/agents/me", user="anna").json["state"], "ready")
            agent.proc.kill()
            agent.wait()
        finally:
            self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user="anna")
            r = self.api("PATCH", "/api/v1/groups/2", {"callback_attempts": g.get("callback_attempts"),
                                                       "callback_retry_s": g.get("callback_retry_s")})
            self.assertEqual(r.status, 200, r)
        # Every change is in the audit log; deleting the trunks lets anyone in again.
        for tid in (op, pbx, out):
            self.assertEqual(self.api("DELETE", f"{T}/{tid}").status, 204)
        self.assertProblem(self.api("DELETE", f"{T}/{op}"), 404)
        audit = self.srv.sql("SELECT action, count(*) FROM audit_log WHERE entity = 'tel_trunk'"
                             " AND id > ? GROUP BY action", first_audit)
        self.assertEqual(dict(audit), {"create": 3, "update": 3, "delete": 3})
        self.assertEqual(self.api("GET", T).json, {"items": [], "total": 0, "limit": 100, "offset": 0})
        p = self.sipp("caller.xml", "-s", ENTRY, "-d", "300")
        self.assertEqual(p.wait(), 0, p.errors())

    def test_transfer_out_to_a_number_through_the_outbound_trunk(self):
        proxy_port = free_udp_port()
        r = self.api("POST", T, {"name": "In och ut", "sources": ["127.0.0.1"], "outbound": True,
                                 "proxy": f"127.0.0.1:{proxy_port}", "from_number": "08-508 000 00"})
        self.assertEqual(r.status, 201, r)
        tid = r.json["id"]
        try:
            agent = self.sipp("agent_answer.xml", "-rtp_echo", remote=False)
            self.assertEqual(self.api("PATCH", f"/api/v1/users/{self.anna}",
                                      {"sip_uri": f"sip:anna@127.0.0.1:{agent.port}"}).status, 200)
            for s in ("logged_in", "ready"):
                self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": s}, user="anna").status,
                                 200)
            time.sleep(0.3)
            start = len(self.srv.logs())
            caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "3000")  # speaks for 7 s (g711a.pcap)
            m = self.wait(r"event=tel.invite result=accepted call=(\d+)")
            call_id = int(re.findall(r"event=tel.invite result=accepted call=(\d+)", self.srv.logs()[start:])[0])
            self.wait(rf"event=tel.agent call={call_id} agent={self.anna} answered=true")
            path = f"/api/v1/calls/{call_id}/transfer-out"
            self.assertProblem(self.api("POST", path, {"number": "08-508 123 45"}, user="lead.aldre"), 403)
            self.assertProblem(self.api("POST", path, {"contact_id": 99999}, user="anna"), 422, "contact_id")
            self.assertProblem(self.api("POST", path, {"number": "ring handläggaren"}, user="anna"), 422, "number")
            contact = self.sipp("agent_answer.xml", "-rtp_echo", port=proxy_port, remote=False)
            time.sleep(0.2)
            r = self.api("POST", path, {"number": "08-508 123 45"}, user="anna")
            self.assertEqual((r.status, r.json["number"]), (202, "+46850812345"), r)
            self.assertEqual(agent.wait(), 0, agent.errors())  # Anna's phone got BYE at once
            self.assertEqual(caller.wait(), 0, caller.errors())
            self.assertEqual(contact.wait(), 0, contact.errors())  # the caller's BYE reached it
            self.wait(rf'event=tel.transfer_out call={call_id} agent={self.anna} '
                      rf'dial="sip:\+46850812345@127.0.0.1:{proxy_port}" trunk={tid}')
            self.wait(rf"event=tel.transfer_out call={call_id} answered=true")
            end = self.wait(rf"event=tel.call_end call={call_id} .*caller_relayed=(\d+) .*agent_relayed=(\d+)")
            # Anna's part and the contact's part together: the caller was heard and the
            # contact's echo came back.
            self.assertGreater(int(end.group(2)), 50, end.group(0))
            rows = self.srv.sql("SELECT end_reason, agent_id FROM tel_calls WHERE call_id = ?", call_id)
            self.assertEqual(rows, [("transferred_out", self.anna)])
            audit = self.srv.sql("SELECT detail FROM audit_log WHERE action = 'transfer_out' AND entity_id = ?",
                                 call_id)
            self.assertEqual(audit, [("+46850812345",)])
            me = self.api("GET", "/api/v1/acd/agents/me", user="anna").json
            self.assertIn(me["state"], ("ready", "wrapup"), me)
            # The same from the agent's phone: REFER to an outside number → 202, BYE, out.
            agent = self.sipp("agent_refer_out.xml", "-d", "800", "-key", "to", "0850812399", remote=False)
            self.assertEqual(self.api("PATCH", f"/api/v1/users/{self.anna}",
                                      {"sip_uri": f"sip:anna@127.0.0.1:{agent.port}"}).status, 200)
            self.api("POST", "/api/v1/acd/agents/me/state", {"state": "ready"}, user="anna")
            time.sleep(0.3)
            contact = self.sipp("agent_answer.xml", "-rtp_echo", port=proxy_port, remote=False)
            start = len(self.srv.logs())
            caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "2200")
            self.assertEqual(agent.wait(), 0, agent.errors())
            self.assertEqual(caller.wait(), 0, caller.errors())
            self.assertEqual(contact.wait(), 0, contact.errors())
            call_id = int(re.findall(r"event=tel.invite result=accepted call=(\d+)", self.srv.logs()[start:])[0])
            self.wait(rf'event=tel.refer call={call_id} agent={self.anna} to="\+46850812399" outside=true')
            self.wait(rf"event=tel.transfer_out call={call_id} answered=true")
            rows = self.srv.sql("SELECT end_reason FROM tel_calls WHERE call_id = ?", call_id)
            self.assertEqual(rows, [("transferred_out",)])
        finally:
            self.assertEqual(self.api("DELETE", f"{T}/{tid}").status, 204)
            self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user="anna")


if __name__ == "__main__":
    unittest.main()
