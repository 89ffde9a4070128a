"""Two Lotsen nodes behind Kamailio (dist/kamailio/lotsen.cfg), over real SIP on loopback:
a citizen's call goes through the front to the node of highest priority, the call's BYE
follows the recorded route back through the front, and when that node dies (kill -9) the
next calls are taken by the other node; when it comes back, the front's OPTIONS probes
find it and calls go to it again.

Each node here has its own SQLite file: what is shown is the SIP side of several nodes
(routing, probing, failover). The shared store and the queue's ownership across nodes
are issue 19's PostgreSQL part."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import ROOT, Server, free_port
from test_sip import ALWAYS, SIPP, Sipp

KAMAILIO = shutil.which("kamailio") or (os.path.exists("/usr/sbin/kamailio") and "/usr/sbin/kamailio")
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
ENTRY = "0850836000"  # group 2 "Äldre direkt" in the demo


class Front:
    """Kamailio with Lotsen's configuration, in the foreground, in a temp directory."""

    def __init__(self, nodes, tenants=None):
        """`nodes`: (priority, port) in set 1, or (set, priority, port); `tenants`: called
        number prefixes and their sets, for several municipalities on one front."""
        self.dir = tempfile.mkdtemp(prefix="lotsen-kamailio-")
        self.port = free_port()
        self.list = os.path.join(self.dir, "nodes.list")
        with open(self.list, "w") as f:
            for n in nodes:
                ds, prio, port = n if len(n) == 3 else (1, *n)
                f.write(f"{ds} sip:127.0.0.1:{port} 0 {prio}\n")
        defines = []
        if tenants:
            tdir = os.path.join(self.dir, "tenants")
            os.mkdir(tdir)
            with open(os.path.join(tdir, "version"), "w") as f:
                f.write("table_name(str) table_version(int)\ntenants:1\n")
            with open(os.path.join(tdir, "tenants"), "w") as f:
                f.write("id(int,auto) tprefix(string) tvalue(string)\n")
                for i, (prefix, ds) in enumerate(tenants.items(), 1):
                    f.write(f"{i}:{prefix}:{ds}\n")
            defines = ["-A", f'TENANTS="text://{tdir}"']
        self.log_path = os.path.join(self.dir, "kamailio.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [KAMAILIO, "-DD", "-E", "-f", os.path.join(ROOT, "dist", "kamailio", "lotsen.cfg"),
             "-L", MODULES, "-Y", self.dir, "-P", os.path.join(self.dir, "kamailio.pid"),
             "-A", f"LISTEN_ADDR=127.0.0.1:{self.port}", "-A", f'DS_LIST="{self.list}"',
             "-A", "FR_TIMER_MS=1000", "-A", "PING_S=1"] + defines,
            stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while "front: " not in self.logs() and "Listening on" not in self.logs():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("kamailio did not start:\n" + self.logs()[-3000:])
            time.sleep(0.1)

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def node(port, db=None):
    return Server(db=db, extra=("--sip", f"127.0.0.1:{port}"))


@unittest.skipUnless(SIPP and KAMAILIO, "sipp or kamailio is missing (scripts/install-test-peers.sh)")
class FrontTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ports = {"a": free_port(), "b": free_port()}
        cls.nodes = {}
        for name, port in cls.ports.items():
            srv = node(port).start()
            admin = srv.login("admin")
            r = srv.request("PATCH", "/api/v1/groups/2", {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
            cls.nodes[name] = srv
        cls.front = Front([(10, cls.ports["a"]), (5, cls.ports["b"])])

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()
        for srv in cls.nodes.values():
            if srv.proc:
                srv.stop()

    def call(self):
        """One citizen through the front: queued, hears the tone, hangs up. sipp's exit."""
        # every message in sipp's trace, for a failure to show which one never came; the
        # guard against a hang is 50 s (a loaded machine's fsync holds the 200 OK)
        p = Sipp("caller_routed.xml", "-s", ENTRY, "-d", "300", "-trace_msg", "-timeout", "50s",
                 sip_port=self.front.port)
        return p, p.wait(timeout=60)

    def accepted(self, name):
        return len(re.findall(r"event=tel\.invite result=accepted", self.nodes[name].logs()))

    def wait_for(self, what, timeout=30):
        deadline = time.time() + timeout
        while not what():
            if time.time() > deadline:
                return False
            time.sleep(0.1)
        return True

    def test_1_calls_go_to_the_first_node_and_end_through_the_front(self):
        a0, b0 = self.accepted("a"), self.accepted("b")
        for _ in range(3):
            p, rc = self.call()
            self.assertEqual(rc, 0, p.errors() + self.front.logs()[-2000:] +
                             "\nnode a:\n" + self.nodes["a"].logs()[-4000:])
        self.assertEqual(self.accepted("a") - a0, 3)
        self.assertEqual(self.accepted("b") - b0, 0)
        # the BYEs came along the recorded route (sipp got its 200 for each, above), and
        # node a has no call left open
        self.assertTrue(self.wait_for(lambda: self.sip_calls("a") == 0), self.nodes["a"].logs()[-2000:])

    def sip_calls(self, name):
        return self.nodes[name].request("GET", "/healthz").json["sip_calls"]

    def test_2_a_dead_node_is_passed_over_and_found_again(self):
        a = self.nodes["a"]
        db = a.db
        a.kill9()
        b0 = self.accepted("b")
        # the first call after the kill: node a is silent, the front tries node b
        p, rc = self.call()
        self.assertEqual(rc, 0, p.errors() + self.front.logs()[-3000:])
        self.assertEqual(self.accepted("b") - b0, 1, self.front.logs()[-3000:])
        # and the next ones go to b directly (a is marked inactive)
        p, rc = self.call()
        self.assertEqual(rc, 0, p.errors())
        self.assertEqual(self.accepted("b") - b0, 2)

        # node a comes back on the same database and port: the probes find it
        back = node(self.ports["a"], db=db)
        back.demo = False
        self.nodes["a"] = back.start()
        a0 = self.accepted("a")
        landed = False
        for _ in range(30):
            p, rc = self.call()
            self.assertEqual(rc, 0, p.errors())
            if self.accepted("a") > a0:
                landed = True
                break
            time.sleep(0.5)
        self.assertTrue(landed, self.front.logs()[-3000:])


OTHER = "0850899999"  # the second municipality's number (added to its group 2)


@unittest.skipUnless(SIPP and KAMAILIO, "sipp or kamailio is missing (scripts/install-test-peers.sh)")
class TenantFrontTest(unittest.TestCase):
    """Two municipalities behind one front: each has its own set of nodes (here one node
    each), and the number called picks the set (dist/kamailio/lotsen.cfg, TENANTS)."""

    @classmethod
    def setUpClass(cls):
        cls.ports = {"a": free_port(), "b": free_port()}
        cls.nodes = {}
        for name, port in cls.ports.items():
            srv = node(port).start()
            cls.nodes[name] = srv
            admin = srv.login("admin")
            numbers = srv.request("GET", "/api/v1/groups/2", token=admin).json["entry_numbers"]
            if name == "b":
                numbers = numbers + [OTHER]
            r = srv.request("PATCH", "/api/v1/groups/2",
                            {"opening_hours": ALWAYS, "wrapup_s": 0, "entry_numbers": numbers},
                            token=admin)
            assert r.status == 200, r
        # A's numbers start 085083, B's 0850899; the longer prefix wins.
        cls.front = Front([(1, 10, cls.ports["a"]), (2, 10, cls.ports["b"])],
                          tenants={"085083": 1, "0850899": 2})

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()
        for srv in cls.nodes.values():
            srv.stop()

    def accepted(self, name):
        return len(re.findall(r"event=tel\.invite result=accepted", self.nodes[name].logs()))

    def call(self, number):
        p = Sipp("caller_routed.xml", "-s", number, "-d", "300", sip_port=self.front.port)
        return p, p.wait(timeout=60)

    def test_the_number_called_picks_the_municipality(self):
        a0, b0 = self.accepted("a"), self.accepted("b")
        p, rc = self.call(ENTRY)
        self.assertEqual(rc, 0, p.errors() + self.front.logs()[-2000:])
        self.assertEqual((self.accepted("a") - a0, self.accepted("b") - b0), (1, 0))
        p, rc = self.call(OTHER)
        self.assertEqual(rc, 0, p.errors() + self.front.logs()[-2000:])
        self.assertEqual((self.accepted("a") - a0, self.accepted("b") - b0), (1, 1))

    def test_a_number_of_no_municipality_is_not_found(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.5)
        me = sock.getsockname()[1]
        invite = (f"INVITE sip:0701234567@127.0.0.1:{self.front.port} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK-tenant-1\r\n"
                  "Max-Forwards: 70\r\n"
                  f"From: <sip:citizen@127.0.0.1:{me}>;tag=1\r\n"
                  f"To: <sip:0701234567@127.0.0.1:{self.front.port}>\r\n"
                  "Call-ID: tenant-unknown-1\r\nCSeq: 1 INVITE\r\n"
                  f"Contact: <sip:citizen@127.0.0.1:{me}>\r\nContent-Length: 0\r\n\r\n")
        a0, b0 = self.accepted("a"), self.accepted("b")
        # as a phone does over UDP: the INVITE again every 0.5 s until an answer comes (a
        # loaded machine may drop or hold a datagram)
        status, deadline = "", time.time() + 30
        while not status and time.time() < deadline:
            sock.sendto(invite.encode(), ("127.0.0.1", self.front.port))
            try:
                status = sock.recv(4096).decode(errors="replace").split("\r\n", 1)[0]
            except TimeoutError:
                continue
            while status.startswith("SIP/2.0 1"):  # a provisional 100 first, perhaps
                sock.settimeout(10)
                status = sock.recv(4096).decode(errors="replace").split("\r\n", 1)[0]
        sock.close()
        self.assertEqual(status, "SIP/2.0 404 Not Found")
        self.assertEqual((self.accepted("a"), self.accepted("b")), (a0, b0))


if __name__ == "__main__":
    unittest.main()
