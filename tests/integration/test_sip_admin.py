"""Telephony administration through the API: voice menus checked fully before they are
stored, announcements and the crisis message changed while the server runs (and heard by
the next caller), survey and recording policy per group, recordings past their retention
deleted. sipp plays the citizen."""
import base64
import math
import os
import re
import struct
import tempfile
import time
import unittest

from harness import ServerTest, free_port, connect
from test_sip import ALWAYS, SIPP, Sipp

SIP_PORT = free_port()
ENTRY = "0850836000"  # group 2 "Äldre direkt" in the demo
MENU_NUMBER = "+46850800100"  # Stockholm direkt's number with the demo's menu


def wav(rate=8000, channels=1, seconds=0.5):
    """A 440 Hz tone as a 16-bit PCM WAV file."""
    n = int(rate * seconds)
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) * channels
                      for i in range(n))
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(frames)) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


def b64(data):
    return base64.b64encode(data).decode()


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class TelAdminTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.srv.login("admin")
        for g in range(1, 9):
            r = cls.srv.request("PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS, "wrapup_s": 0},
                                token=admin)
            assert r.status == 200, r

    def sipp(self, scenario, *args, **kw):
        return Sipp(scenario, *args, sip_port=SIP_PORT, **kw)

    def audits(self, entity):
        return self.srv.sql("SELECT action, entity_id, detail FROM audit_log WHERE entity = ?", entity)

    def wait_log(self, pattern, timeout=8):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.srv.logs())
            if m:
                return m
            time.sleep(0.05)
        self.fail(f"no log line {pattern!r}:\n" + self.srv.logs()[-3000:])

    def call_of(self, after_log_len):
        m = re.search(r"event=tel.invite result=accepted call=(\d+)", self.srv.logs()[after_log_len:])
        return int(m.group(1)) if m else None

    # ---- tests -----------------------------------------------------------------

    def test_a_only_admins_and_every_problem_names_its_field(self):
        for path, method, body in (("/api/v1/telephony", "GET", None),
                                   ("/api/v1/telephony/menus", "PUT", {"number": MENU_NUMBER, "menu": None}),
                                   ("/api/v1/telephony/crisis", "PUT", {"active": False}),
                                   ("/api/v1/telephony/groups/2/policy", "PATCH", {"record": True})):
            self.assertProblem(self.api(method, path, body, user="chef.stod"), 403)
        r = self.api("GET", "/api/v1/telephony")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["running"])
        self.assertIn(MENU_NUMBER, [e["number"] for e in r.json["entries"]])
        bad = {"prompt": "finns_inte", "timeout_s": 0, "max_invalid": 9, "colour": "red",
               "options": {"1": {"group": 999}, "x": {"group": 1}, "2": {"group": 1, "repeat": True},
                           "3": {"menu": {"prompt": "tal_3", "options": {"1": {"menu": {
                               "prompt": "tal_3", "options": {"1": {"menu": {
                                   "prompt": "tal_3", "options": {"1": {"group": 1}}}}}}}}}},
                           "4": {"announcement": "finns_inte_heller"}, "5": {"repeat": 1}}}
        r = self.api("PUT", "/api/v1/telephony/menus", {"number": MENU_NUMBER, "menu": bad})
        self.assertProblem(r, 422)
        fields = {e["field"] for e in r.json["errors"]}
        for f in ("menu.prompt", "menu.timeout_s", "menu.max_invalid", "menu.colour", "menu.options.1.group",
                  "menu.options.x", "menu.options.2", "menu.options.3.menu.options.1.menu.options.1.menu",
                  "menu.options.4.announcement", "menu.options.5.repeat"):
            self.assertIn(f, fields, r.json)
        self.assertProblem(self.api("PUT", "/api/v1/telephony/menus", {"number": "hej", "menu": None}), 422, "number")
        self.assertProblem(self.api("PUT", "/api/v1/telephony/menus", {"number": MENU_NUMBER}), 422, "menu")
        self.assertProblem(self.api("PUT", "/api/v1/telephony/menus", {"number": "08-123 456 78", "menu": None}), 404)
        # Nothing was stored by the refused menu: the demo's is still there.
        menu = self.srv.sql("SELECT menu FROM entry_numbers WHERE number = ?", MENU_NUMBER)[0][0]
        self.assertIn("meny_stockholm", menu)
        self.assertProblem(self.api("PATCH", "/api/v1/telephony/groups/2/policy",
                                    {"recording_days": -1, "record": "yes"}), 422, "recording_days")
        r = self.api("PATCH", "/api/v1/telephony/groups/2/policy",
                     {"survey": {"questions": ["finns_inte", {"prompt": "enkat_1", "max": 12}], "max_answers": 0}})
        self.assertProblem(r, 422)
        fields = {e["field"] for e in r.json["errors"]}
        self.assertEqual(fields, {"survey.questions[0]", "survey.questions[1]", "survey.max_answers"}, r.json)
        self.assertProblem(self.api("PATCH", "/api/v1/telephony/groups/999/policy", {"record": True}), 404)
        self.assertProblem(self.api("PUT", "/api/v1/telephony/groups/2/announcement",
                                    {"wav_base64": b64(wav(rate=16000))}), 422, "wav_base64")
        self.assertProblem(self.api("PUT", "/api/v1/telephony/groups/2/announcement",
                                    {"wav_base64": b64(wav(channels=2))}), 422, "wav_base64")
        self.assertProblem(self.api("PUT", "/api/v1/telephony/groups/2/announcement",
                                    {"wav_base64": b64(b"not a wav at all")}), 422, "wav_base64")
        self.assertProblem(self.api("PUT", "/api/v1/telephony/groups/2/announcement", {"text": ""}), 422, "text")
        self.assertProblem(self.api("PUT", "/api/v1/telephony/groups/2/announcement", {"text": "x" * 1001}),
                           422, "text")
        self.assertProblem(self.api("PUT", "/api/v1/telephony/crisis", {"active": True}), 422, "active")
        self.assertEqual(self.audits("entry_menu"), [])  # refused changes leave no audit row

    def test_b_nested_menu_leads_through_a_submenu_to_its_group(self):
        menu = {"prompt": "meny_stockholm", "timeout_s": 10, "default_group": 1,
                "options": {"1": {"group": 2}, "0": {"repeat": True},
                            "2": {"menu": {"prompt": "oppettider", "options": {"1": {"group": 4}}}}}}
        r = self.api("PUT", "/api/v1/telephony/menus", {"number": "08-508 001 00", "menu": menu})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.audits("entry_menu")[-1], ("update", None, MENU_NUMBER))
        start = len(self.srv.logs())
        caller = self.sipp("caller_info_keys.xml", "-s", "0850800100", "-key", "d1", "2", "-key", "d2", "1",
                           "-d", "1500")
        self.assertEqual(caller.wait(), 0, caller.errors())
        call_id = self.call_of(start)
        self.assertIsNotNone(call_id, self.srv.logs()[-3000:])
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}")
        if r.status == 200:
            self.assertEqual((r.json["group_id"], r.json["ivr"]), (4, "21"), r.json)
        self.assertRegex(self.srv.logs()[start:], rf"result=accepted call={call_id} group=4 entry={re.escape(MENU_NUMBER)} ivr=\"21\"")

    def test_c_announcement_and_crisis_change_without_a_restart(self):
        r = self.api("PUT", "/api/v1/telephony/groups/2/announcement",
                     {"text": "Just nu har vi många samtal om färdtjänst."})
        self.assertEqual(r.status, 200, r)
        ann = [a for a in r.json["announcements"] if a["group_id"] == 2][0]
        self.assertEqual((ann["source"], ann["active"]), ("text", True), ann)
        self.assertGreater(ann["duration_ms"], 500, ann)
        r = self.api("PUT", "/api/v1/telephony/crisis", {"wav_base64": b64(wav(seconds=0.4)), "active": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["crisis"]["active"], r.json["crisis"]["source"]), (True, "wav"), r.json)
        self.assertEqual(len(self.audits("tel_crisis")), 1)
        self.assertEqual(len(self.audits("tel_announcement")), 1)
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "1500")
        self.assertEqual(caller.wait(), 0, caller.errors())
        call_id = self.call_of(start)
        self.wait_log(rf"event=tel.crisis call={call_id} entry=\+46850836000 played=true")
        self.wait_log(rf"event=tel.announcement call={call_id} group=2 played=true")
        # Switched off: the next caller hears neither the crisis message nor (deleted) the
        # group's announcement.
        self.assertEqual(self.api("PUT", "/api/v1/telephony/crisis", {"active": False}).status, 200)
        self.assertEqual(self.api("DELETE", "/api/v1/telephony/groups/2/announcement").status, 204)
        self.assertProblem(self.api("DELETE", "/api/v1/telephony/groups/2/announcement"), 404)
        start = len(self.srv.logs())
        caller = self.sipp("caller.xml", "-s", ENTRY, "-d", "1000")
        self.assertEqual(caller.wait(), 0, caller.errors())
        call_id = self.call_of(start)
        self.assertIsNotNone(call_id)
        self.wait_log(rf"event=tel.call_end call={call_id} ")
        self.assertNotRegex(self.srv.logs()[start:], rf"tel.crisis call={call_id} ")
        self.assertNotRegex(self.srv.logs()[start:], rf"tel.announcement call={call_id} ")

    def test_d_shorter_retention_deletes_old_recordings_at_once(self):
        d = tempfile.mkdtemp(prefix="lotsen-rec-")
        old, new = os.path.join(d, "old.wav"), os.path.join(d, "new.wav")
        for p in (old, new):
            with open(p, "wb") as f:
                f.write(wav())
        now = int(time.time() * 1000)
        con = connect(self.srv.db)
        con.execute("INSERT INTO tel_calls(call_id, group_id, ended_ms, end_reason, recording_path, recording_ms)"
                    " VALUES (9001, 3, ?, 'ended', ?, 500)", (now - 3 * 86400000, old))
        con.execute("INSERT INTO tel_calls(call_id, group_id, ended_ms, end_reason, recording_path, recording_ms)"
                    " VALUES (9002, 3, ?, 'ended', ?, 500)", (now - 3600000, new))
        con.commit()
        con.close()
        r = self.api("PATCH", "/api/v1/telephony/groups/3/policy", {"record": True, "recording_days": 2})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["record"], r.json["recording_days"], r.json["recordings_expired"]), (True, 2, 1))
        self.assertFalse(os.path.exists(old))
        self.assertTrue(os.path.exists(new))
        rows = dict(self.srv.sql("SELECT call_id, recording_path FROM tel_calls WHERE call_id IN (9001, 9002)"))
        self.assertEqual(rows, {9001: None, 9002: new})
        self.assertEqual(self.audits("tel_policy")[-1][:2], ("update", 3))
        # Only what is given changes.
        r = self.api("PATCH", "/api/v1/telephony/groups/3/policy", {"survey": {"questions": ["enkat_3"], "active": False}})
        self.assertEqual((r.json["record"], r.json["recording_days"], r.json["survey"]["active"]), (True, 2, False), r)


if __name__ == "__main__":
    unittest.main()
