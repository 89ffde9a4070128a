"""baresip, a real softphone, as the agent's phone: it REGISTERs with Lotsen's registrar as
Anna with the SIP secret an admin set (digest auth), answers automatically, and sends audio
from a file. A sipp caller dials the group; Lotsen rings the registered Contact, bridges the
two legs, and the call record names Anna."""
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest

from harness import ServerTest, free_port
from test_sip import ALWAYS, SIPP, Sipp

BARESIP = shutil.which("baresip")
MODULES = "/usr/lib/baresip/modules"
SIP_PORT = free_port()
ENTRY = "0850836000"  # group 2 "Äldre direkt" in the demo
SECRET = "anna-telefon-2026"


def free_phone_port():
    """A port for baresip: it listens on UDP and TCP at the port and, for SIP/TLS, on TCP at
    the port + 1 (it will not start if any of them is taken)."""
    return free_port(span=2)


def tone_wav(path, seconds=15.0, rate=8000):
    """What Anna 'says': a 300 Hz tone, 8 kHz mono 16-bit (aufile wants the call's rate)."""
    n = int(seconds * rate)
    data = b"".join(struct.pack("<h", int(6000 * math.sin(2 * math.pi * 300 * i / rate))) for i in range(n))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt +
                b"data" + struct.pack("<I", len(data)) + data)


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
@unittest.skipUnless(BARESIP and os.path.isdir(MODULES), "baresip is not installed (scripts/install-test-peers.sh)")
class BaresipTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    def setUp(self):
        admin = self.token("admin")
        r = self.srv.request("PATCH", "/api/v1/groups/2", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
        self.assertEqual(r.status, 200, r)
        self.anna = self.api("GET", "/api/v1/acd/agents/me", user="anna").json["agent_id"]
        r = self.api("POST", f"/api/v1/users/{self.anna}/sip-secret", {"secret": SECRET})
        self.assertEqual(r.status, 200, r)
        self.dir = tempfile.mkdtemp(prefix="lotsen-baresip-")
        tone_wav(os.path.join(self.dir, "anna.wav"))
        self.log = None
        for _ in range(3):  # a port taken between the check and baresip's bind: try another
            if self.start_phone():
                return
        self.fail(f"baresip did not start:\n{self.phone_log()}")

    def start_phone(self):
        """Starts baresip on a fresh port; False when it exits at once (a port was taken)."""
        if self.log:
            self.log.close()
        self.phone_port = free_phone_port()
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join([
                "poll_method epoll",
                f"sip_listen 127.0.0.1:{self.phone_port}",
                "sip_trans_def udp",
                f"audio_source aufile,{os.path.join(self.dir, 'anna.wav')}",
                "audio_player aubridge,nowhere",  # headless: what Anna hears is dumped below
                "audio_alert aubridge,nowhere",
                "audio_srate 8000",
                "audio_channels 1",
                f"module_path {MODULES}",
                "module g711.so", "module aufile.so", "module aubridge.so", "module sndfile.so",
                "module_app account.so", "module_app menu.so",
                f"snd_path {self.dir}", ""]))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(f"<sip:anna@127.0.0.1:{SIP_PORT};transport=udp>;auth_pass={SECRET};"
                    "answermode=auto;regint=600;audio_codecs=PCMU,PCMA\n")
        self.log = open(os.path.join(self.dir, "baresip.log"), "w")
        self.proc = subprocess.Popen([BARESIP, "-f", self.dir], stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.time() + 1.0
        while time.time() < deadline:
            if self.proc.poll() is not None or "init failed" in self.phone_log():
                if self.proc.poll() is None:
                    self.proc.kill()
                self.proc.wait()
                return False
            time.sleep(0.05)
        return True

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def phone_log(self):
        with open(os.path.join(self.dir, "baresip.log"), errors="replace") as f:
            return f.read()[-3000:]

    def wait_log(self, pattern, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.srv.logs())
            if m:
                return m
            time.sleep(0.05)
        self.fail(f"no {pattern!r} in the server log:\n{self.srv.logs()[-3000:]}\nbaresip:\n{self.phone_log()}")

    def test_registered_baresip_answers_and_the_call_is_bridged(self):
        m = self.wait_log(r'event=tel.register result=200 user="anna" contact="([^"]+)" expires=600')
        self.assertIn(f"127.0.0.1:{self.phone_port}", m.group(1))
        for s in ("logged_in", "ready"):
            self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": s}, user="anna").status, 200)
        caller = Sipp("caller.xml", "-s", ENTRY, "-d", "3000", sip_port=SIP_PORT)
        self.assertEqual(caller.wait(), 0, caller.errors() + "\n" + self.srv.logs()[-3000:])
        m = self.wait_log(r'event=tel.offer call=(\d+) agent=%d uri="([^"]+)"' % self.anna)
        call_id = int(m.group(1))
        self.assertEqual(m.group(2), re.search(r'result=200 user="anna" contact="([^"]+)"', self.srv.logs()).group(1))
        self.wait_log(rf"event=tel.agent call={call_id} agent={self.anna} answered=true")
        end = self.wait_log(rf"event=tel.call_end call={call_id} .*caller_relayed=(\d+) .*agent_rx=(\d+) "
                            rf"agent_tx=(\d+) agent_relayed=(\d+)")
        caller_relayed, agent_rx, agent_tx, agent_relayed = map(int, end.groups())
        # The caller's audio went on to baresip, and baresip's (its file) to the caller.
        self.assertGreater(caller_relayed, 50, end.group(0))
        self.assertGreater(agent_relayed, 50, end.group(0))
        self.assertGreater(agent_rx, 50, end.group(0))
        r = self.api("GET", "/api/v1/calls")
        rec = [c for c in r.json["items"] if c["call_id"] == call_id]
        self.assertEqual(len(rec), 1, r.json)
        self.assertEqual((rec[0]["agent_id"], rec[0]["end_reason"]), (self.anna, "caller_hangup"), rec[0])
        self.assertTrue(rec[0]["agent_sip_callid"], rec[0])
        self.assertLessEqual(rec[0]["arrived_ms"], rec[0]["answered_ms"])
        # baresip decoded what Lotsen relayed: its dump of the call holds over a second.
        deadline = time.time() + 5
        dec = []
        while time.time() < deadline and not dec:
            dec = [f for f in os.listdir(self.dir) if f.endswith("-dec.wav")]
            time.sleep(0.1)
        self.assertEqual(len(dec), 1, os.listdir(self.dir))
        self.assertGreater(os.path.getsize(os.path.join(self.dir, dec[0])), 44 + 16000, self.phone_log())
        # Quitting baresip removes its binding (REGISTER with Expires 0).
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=5)
        self.wait_log(r'event=tel.register result=200 user="anna" removed=true')


if __name__ == "__main__":
    unittest.main()
