"""Several Lotsen nodes on one PostgreSQL (issue 19): one node holds the queue lease and runs
the queue engine; the others are standbys that serve the rest of the API, answer the queue's
endpoints 503 queue-elsewhere (so a proxy tries the next node) and SIP 503 (so Kamailio's
probes leave them out), and show the holder's live events on their streams. When the
holder dies (kill -9) a standby takes the lease and the queue; when it could not renew (its
process stopped) and another node took the lease meanwhile, it exits with code 3 on waking;
when nobody did (its database stalled), it renews and keeps the queue.

This file always uses PostgreSQL (tests/pg/start.sh through the harness), whatever
LOTSEN_TEST_DB says. Deadlines are generous: the durations are bench/cluster.py's."""
import http.client
import json
import os
import signal
import subprocess
import threading
import time
import unittest

from harness import Server, free_port, pg_database
from test_mail_acd import Stream as AgentStream
from test_mail_net import MailNetBase, message
from test_sip import ALWAYS, SIPP, Sipp
from test_sip_front import ENTRY, KAMAILIO, Front

GROUP = 2  # "Äldre direkt" in the demo, reached on ENTRY


def start_node(url, name, demo=False, sip_port=None):
    extra = ["--node", name]
    if sip_port:
        extra += ["--sip", f"127.0.0.1:{sip_port}"]
    srv = Server(demo=demo, db=url, extra=extra)
    srv.name = name
    return srv.start()


def role(srv):
    """"holder" or "standby" from /healthz; None when the node does not answer."""
    if not srv or not srv.proc:
        return None
    try:
        return srv.request("GET", "/healthz").json.get("queue")
    except OSError:
        return None


def jobs(srv):
    """"here" or "elsewhere": where the e-mail, delivery and retention run (/healthz)."""
    try:
        return srv.request("GET", "/healthz").json.get("jobs")
    except OSError:
        return None


def wait_for(what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = what()
        if v:
            return v
        time.sleep(0.1)
    return None


class Stream:
    """GET /api/v1/acd/stream on one node, read on a thread: (monotonic time, event, data)."""

    def __init__(self, srv, token):
        self.events = []
        self.conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
        self.conn.request("GET", "/api/v1/acd/stream", headers={"Authorization": "Bearer " + token})
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, self.resp.status
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        ev = None
        try:
            while True:
                line = self.resp.fp.readline()
                if not line:
                    return
                line = line.decode()
                if line.startswith("event: "):
                    ev = line[7:].strip()
                elif line.startswith("data: ") and ev:
                    self.events.append((time.monotonic(), ev, json.loads(line[6:])))
        except (OSError, ValueError):
            return

    def since(self, t, kind):
        return [d for (at, e, d) in list(self.events) if at >= t and e == kind]

    def close(self):
        try:
            self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()


def case_body(srv):
    group = srv.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
    client = srv.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0]
    cat = srv.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0]
    return {"group_id": group, "client_id": client, "category_id": cat, "channel": "phone",
            "outcome": "resolved", "summary": "Frågade om hemtjänstavgift."}


class LeaseTest(unittest.TestCase):
    """Two nodes, no telephony: the lease, the standby's answers, the relayed events."""

    @classmethod
    def setUpClass(cls):
        cls.url = pg_database()
        cls.nodes = {"a": start_node(cls.url, "a", demo=True)}
        assert wait_for(lambda: role(cls.nodes["a"]) == "holder"), cls.nodes["a"].logs()[-3000:]
        cls.admin = cls.nodes["a"].login("admin")
        r = cls.nodes["a"].request("PATCH", f"/api/v1/groups/{GROUP}",
                                   {"opening_hours": ALWAYS, "wrapup_s": 0}, token=cls.admin)
        assert r.status == 200, r
        cls.nodes["b"] = start_node(cls.url, "b")
        assert wait_for(lambda: role(cls.nodes["b"]) == "standby"), cls.nodes["b"].logs()[-3000:]

    @classmethod
    def tearDownClass(cls):
        for srv in cls.nodes.values():
            if srv.proc:
                srv.stop()

    def test_1_the_standby_serves_cases_and_sends_the_queue_elsewhere(self):
        a, b = self.nodes["a"], self.nodes["b"]
        self.assertEqual(b.request("GET", "/healthz").json["node"], "b")
        r = b.request("GET", "/api/v1/acd/groups", token=self.admin)
        self.assertEqual(r.status, 503, r)
        self.assertTrue(r.headers["Content-Type"].startswith("application/problem+json"), r.headers)
        self.assertEqual(r.json["type"].rsplit("-", 1)[-1], "elsewhere")
        self.assertIn("annan nod", r.json["detail"])
        self.assertEqual(r.headers.get("Retry-After"), "1")
        # the agent's own state, and a state change, go to the holder too
        anna_b = b.login("anna")
        self.assertEqual(b.request("POST", "/api/v1/acd/agents/me/state", {"state": "ready"},
                                   token=anna_b).status, 503)
        self.assertEqual(a.request("GET", "/api/v1/acd/groups", token=self.admin).status, 200)
        # everything else works on the standby: a case written there is read on the holder
        r = b.request("POST", "/api/v1/cases", case_body(b), token=anna_b)
        self.assertEqual(r.status, 201, r)
        got = a.request("GET", f"/api/v1/cases/{r.json['id']}", token=a.login("anna"))
        self.assertEqual(got.status, 200, got)

    def test_1a_the_jobs_went_to_the_node_that_had_nothing(self):
        """The first node held both leases alone; the second asked for the jobs and the
        first handed them over: the queue on one node, the e-mail and reports on the
        other."""
        a, b = self.nodes["a"], self.nodes["b"]
        self.assertTrue(wait_for(lambda: jobs(b) == "here"), b.logs()[-3000:])
        self.assertEqual(jobs(a), "elsewhere")
        self.assertIn("event=cluster.handover ", a.logs())
        self.assertIn("event=server.jobs node=\"a\" action=stop reason=handover", a.logs())
        self.assertIn("event=cluster.want", b.logs())
        self.assertEqual((role(a), role(b)), ("holder", "standby"))
        time.sleep(2)  # it stays so: nobody asks back
        self.assertEqual((jobs(a), jobs(b)), ("elsewhere", "here"))
        self.assertEqual(a.logs().count("event=cluster.handover "), 1)

    def test_1b_both_nodes_write_cases_at_once_and_none_fails(self):
        """Each node batches many requests in one transaction (group commit) and the cases'
        rollup rows and citizens are the same on both: a deadlock between two nodes' batches
        would make PostgreSQL abort one (a 503 to an agent). The writers' lock (db_pg.c)
        lets writing batches take turns; this asserts what agents see: every case stored."""
        a, b = self.nodes["a"], self.nodes["b"]
        body = case_body(a)
        tokens = {"a": a.login("anna"), "b": b.login("anna")}
        results, ids = [], []
        lock = threading.Lock()

        def writer(srv, token, k):
            for i in range(25):
                # the same citizens on both nodes at once, as a busy morning has them
                c = dict(body, citizen={"phone": f"070-{k % 4:02d}{i:05d}"})
                try:
                    r = srv.request("POST", "/api/v1/cases", c, token=token)
                except OSError as e:
                    r = e
                with lock:
                    results.append(getattr(r, "status", r))
                    if getattr(r, "status", 0) == 201:
                        ids.append(r.json["id"])

        threads = [threading.Thread(target=writer, args=(srv, tokens[name], k))
                   for k, (name, srv) in enumerate([("a", a), ("b", b)] * 8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(len(results), 400)
        self.assertEqual([r for r in results if r != 201], [])
        # every acknowledged case is there, once
        n = a.sql(f"SELECT count(*) FROM cases WHERE id IN ({','.join(map(str, ids))})")[0][0]
        self.assertEqual(n, 400)

    def test_2_the_holders_live_events_reach_a_stream_on_the_standby(self):
        a, b = self.nodes["a"], self.nodes["b"]
        s = Stream(b, self.admin)
        try:
            t0 = time.monotonic()
            r = a.request("POST", "/api/v1/acd/calls", {"group_id": GROUP}, token=self.admin)
            self.assertIn(r.status, (200, 201), r)
            call = r.json["call_id"]
            self.assertTrue(wait_for(lambda: [g for g in s.since(t0, "group")
                                              if g["group_id"] == GROUP and g["waiting"] >= 1]),
                            s.events[-5:])
            self.assertTrue(wait_for(lambda: [x for x in s.since(t0, "action")
                                              if x["call_id"] == call]), s.events[-5:])
            a.request("POST", f"/api/v1/acd/calls/{call}/hangup", token=self.admin)
        finally:
            s.close()

    def test_3_a_change_to_a_group_on_the_standby_reaches_the_holders_queue(self):
        a, b = self.nodes["a"], self.nodes["b"]
        before = a.logs().count("event=cluster.reload")
        r = b.request("PATCH", f"/api/v1/groups/{GROUP}", {"wrapup_s": 5}, token=self.admin)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(wait_for(lambda: a.logs().count("event=cluster.reload") > before),
                        a.logs()[-2000:])
        b.request("PATCH", f"/api/v1/groups/{GROUP}", {"wrapup_s": 0}, token=self.admin)

    def agents(self, srv):
        """{name: (state, pause_reason)} of the queue's agents, as the node shows them."""
        r = srv.request("GET", "/api/v1/acd/agents", token=self.admin)
        self.assertEqual(r.status, 200, r)
        return {x["name"]: (x["state"], x.get("pause_reason")) for x in r.json["items"]}

    def test_4_a_killed_holder_is_replaced_and_comes_back_as_a_standby(self):
        a = self.nodes["a"]
        # two agents on the phones: Sara ready, Anna on a break
        for user, states in (("sara", [{"state": "logged_in"}, {"state": "ready"}]),
                             ("anna", [{"state": "logged_in"}, {"state": "paused", "reason": "break"}])):
            token = a.login(user)
            for body in states:
                r = a.request("POST", "/api/v1/acd/agents/me/state", body, token=token)
                self.assertEqual(r.status, 200, r)
        before = self.agents(a)
        self.assertEqual(before["Sara Ahmed"][0], "ready")
        self.assertEqual(before["Anna Lindqvist"], ("paused", "break"))
        a.kill9()
        self.assertTrue(wait_for(lambda: role(self.nodes["b"]) == "holder"),
                        self.nodes["b"].logs()[-3000:])
        self.assertIn("event=cluster.lease_taken", self.nodes["b"].logs())
        self.assertEqual(self.nodes["b"].request("GET", "/api/v1/acd/groups", token=self.admin).status, 200)
        # the agents did not notice: the same states on the new holder, nobody else on
        after = self.agents(self.nodes["b"])
        self.assertEqual(after["Sara Ahmed"][0], "ready")
        self.assertEqual(after["Anna Lindqvist"], ("paused", "break"))
        self.assertEqual({n for n, (st, _) in after.items() if st != "logged_out"},
                         {n for n, (st, _) in before.items() if st != "logged_out"})
        self.assertIn("event=acd.agents_kept", self.nodes["b"].logs())
        # the survivor runs everything now ...
        self.assertTrue(wait_for(lambda: jobs(self.nodes["b"]) == "here"))
        handed = self.nodes["b"].logs().count("event=cluster.handover ")
        self.nodes["a"] = start_node(self.url, "a")
        self.assertTrue(wait_for(lambda: role(self.nodes["a"]) == "standby"), self.nodes["a"].logs()[-3000:])
        # ... and the restarted node gets the jobs back: the leases are spread again
        self.assertTrue(wait_for(lambda: jobs(self.nodes["a"]) == "here"), self.nodes["a"].logs()[-3000:])
        self.assertEqual(jobs(self.nodes["b"]), "elsewhere")
        self.assertEqual(self.nodes["b"].logs().count("event=cluster.handover "), handed + 1)
        time.sleep(4)  # longer than the lease (3 s): the standby stays one
        self.assertEqual(role(self.nodes["a"]), "standby")
        self.assertEqual(role(self.nodes["b"]), "holder")
        self.assertEqual((jobs(self.nodes["a"]), jobs(self.nodes["b"])), ("here", "elsewhere"))

    def test_5_a_holder_that_could_not_renew_gives_up_on_waking(self):
        holder = self.nodes["b"]
        holder.proc.send_signal(signal.SIGSTOP)  # a paused VM, a stalled process
        try:
            self.assertTrue(wait_for(lambda: role(self.nodes["a"]) == "holder"),
                            self.nodes["a"].logs()[-3000:])
        finally:
            holder.proc.send_signal(signal.SIGCONT)
        self.assertEqual(holder.proc.wait(timeout=30), 3)
        self.assertIn("event=cluster.lease_lost", holder.logs())
        holder.proc = None
        holder.log.close()
        self.assertEqual(role(self.nodes["a"]), "holder")
        self.nodes["b"] = start_node(self.url, "b")
        self.assertTrue(wait_for(lambda: role(self.nodes["b"]) == "standby"))

    def test_5b_a_holder_whose_database_stalls_past_its_lease_keeps_the_queue(self):
        """A database stalled longer than the lease (a disk's hiccup, a checkpoint on a busy
        machine): the holder is late, its engine waits at the fence, and since nobody took
        the lease meanwhile it renews and goes on. A queue action asked during the stall is
        done after it, not lost, and the node does not exit."""
        holder, standby = self.nodes["a"], self.nodes["b"]
        self.assertEqual(role(holder), "holder")
        standby.proc.send_signal(signal.SIGSTOP)  # alone: only the stall decides
        try:
            stall = subprocess.Popen(
                ["psql", "-X", "-q", self.url, "-c",
                 "BEGIN; LOCK TABLE cluster_leases IN ACCESS EXCLUSIVE MODE; "
                 "SELECT pg_sleep(4.5); COMMIT;"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self.assertTrue(wait_for(lambda: "event=cluster.lease_late" in holder.logs(), 15),
                            holder.logs()[-2000:])
            r = holder.request("POST", "/api/v1/acd/calls", {"group_id": GROUP}, token=self.admin)
            self.assertIn(r.status, (200, 201), r)
            _, err = stall.communicate(timeout=30)
            self.assertEqual(stall.returncode, 0, err)
            self.assertTrue(wait_for(lambda: "event=cluster.lease_kept" in holder.logs(), 15),
                            holder.logs()[-2000:])
            self.assertIsNone(holder.proc.poll(), holder.logs()[-2000:])
            self.assertNotIn("event=cluster.lease_lost", holder.logs())
            self.assertIn("event=cluster.fence", holder.logs())  # the call waited there
            self.assertEqual(role(holder), "holder")
            got = holder.request("GET", f"/api/v1/acd/calls/{r.json['call_id']}", token=self.admin)
            self.assertEqual(got.status, 200, got)
            holder.request("POST", f"/api/v1/acd/calls/{r.json['call_id']}/hangup", token=self.admin)
        finally:
            standby.proc.send_signal(signal.SIGCONT)
        time.sleep(1)
        self.assertEqual(role(standby), "standby")

    def test_6_a_clean_stop_hands_the_lease_on(self):
        holder = self.nodes["a"]
        self.assertEqual(holder.stop(), 0)
        self.assertIn("event=cluster.release", holder.logs())
        self.assertTrue(wait_for(lambda: role(self.nodes["b"]) == "holder"))


@unittest.skipUnless(SIPP and KAMAILIO, "sipp or kamailio is missing (scripts/install-test-peers.sh)")
class FailoverTest(unittest.TestCase):
    """Three nodes behind Kamailio, API load and calls, kill -9 of the holder."""

    @classmethod
    def setUpClass(cls):
        cls.url = pg_database()
        cls.sip = {n: free_port() for n in ("n1", "n2", "n3")}
        cls.nodes = {"n1": start_node(cls.url, "n1", demo=True, sip_port=cls.sip["n1"])}
        assert wait_for(lambda: role(cls.nodes["n1"]) == "holder"), cls.nodes["n1"].logs()[-3000:]
        cls.admin = cls.nodes["n1"].login("admin")
        r = cls.nodes["n1"].request("PATCH", f"/api/v1/groups/{GROUP}",
                                    {"opening_hours": ALWAYS, "wrapup_s": 0}, token=cls.admin)
        assert r.status == 200, r
        for n in ("n2", "n3"):
            cls.nodes[n] = start_node(cls.url, n, sip_port=cls.sip[n])
            assert wait_for(lambda: role(cls.nodes[n]) == "standby"), cls.nodes[n].logs()[-3000:]
        cls.front = Front([(10, cls.sip[n]) for n in ("n1", "n2", "n3")])

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()
        for srv in cls.nodes.values():
            if srv.proc:
                srv.stop()

    def call(self, hold_ms=300):
        p = Sipp("caller_routed.xml", "-s", ENTRY, "-d", str(hold_ms), sip_port=self.front.port)
        return p

    def answered_call(self, timeout=30):
        """Calls through the front until one is answered; the time it was."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = self.call()
            if p.wait(timeout=60) == 0:
                return time.monotonic()
            time.sleep(0.2)
        return None

    def holder(self):
        return next((n for n, s in self.nodes.items() if role(s) == "holder"), None)

    def accepted(self, name):
        return self.nodes[name].logs().count("event=tel.invite result=accepted")

    def test_failover_under_load(self):
        self.assertIsNotNone(self.answered_call(), self.front.logs()[-3000:])
        self.assertEqual(self.holder(), "n1")
        body = case_body(self.nodes["n1"])
        token = self.nodes["n1"].login("anna")  # sessions are rows: good on every node
        acked, stop = [], threading.Event()

        def load():
            i = 0
            while not stop.is_set():
                alive = [s for s in self.nodes.values() if s.proc]
                srv = alive[i % len(alive)]
                i += 1
                try:
                    r = srv.request("POST", "/api/v1/cases", body, token=token)
                except OSError:
                    continue
                if r.status == 201:
                    acked.append(r.json["id"])

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        # a caller waiting in the queue on the holder, and a wallboard on a standby
        waiting = self.call(hold_ms=15000)
        self.assertTrue(wait_for(lambda: self.nodes["n1"].request("GET", "/healthz").json["sip_calls"] >= 1))
        stream = Stream(self.nodes["n2"], self.admin)
        try:
            time.sleep(1)
            n_before = len(acked)
            killed_at = time.monotonic()
            self.nodes["n1"].kill9()

            # new calls through the front are answered, by the new holder
            self.assertIsNotNone(self.answered_call(), self.front.logs()[-3000:])
            new = wait_for(self.holder)
            self.assertIn(new, ("n2", "n3"))
            self.assertGreaterEqual(self.accepted(new), 1)
            # the wallboard on the standby shows group snapshots again (the new holder's)
            self.assertTrue(wait_for(lambda: [g for g in stream.since(killed_at, "group")
                                              if g["group_id"] == GROUP]),
                            stream.events[-3:])
        finally:
            stream.close()
        # the caller who waited on the dead node lost the call: their hang-up got no answer
        self.assertNotEqual(waiting.wait(timeout=60), 0)
        self.assertIn("event=acd.lost_call", self.nodes[new].logs())

        time.sleep(1)
        stop.set()
        loader.join(timeout=60)
        self.assertGreater(len(acked), n_before, "the load went on after the kill")
        # every acknowledged case is there, read on a surviving node
        reader = self.nodes[new]
        anna = reader.login("anna")
        for cid in acked:
            r = reader.request("GET", f"/api/v1/cases/{cid}", token=anna)
            self.assertEqual(r.status, 200, (cid, r))

        # the killed node comes back as a standby ...
        self.nodes["n1"] = start_node(self.url, "n1", sip_port=self.sip["n1"])
        self.assertTrue(wait_for(lambda: role(self.nodes["n1"]) == "standby"))
        # ... and takes the queue when the others die
        for n in ("n2", "n3"):
            self.nodes[n].kill9()
        self.assertTrue(wait_for(lambda: role(self.nodes["n1"]) == "holder"), self.nodes["n1"].logs()[-3000:])
        before = self.accepted("n1")
        self.assertIsNotNone(self.answered_call(), self.front.logs()[-3000:])
        self.assertGreater(self.accepted("n1"), before)

    def test_phones_and_agents_carry_over_a_failover(self):
        """An agent ready with a registered phone (through the front) when the holder dies:
        the new holder knows the phone and the agent is still ready, so the next call rings
        that phone and is answered — without the phone registering again or the agent
        logging in again."""
        for n in ("n2", "n3"):  # back after the last test killed them
            if not self.nodes[n].proc:
                self.nodes[n] = start_node(self.url, n, sip_port=self.sip[n])
        holder = wait_for(self.holder)
        self.assertIsNotNone(holder)
        srv = self.nodes[holder]
        admin = srv.login("admin")
        anna = srv.request("GET", "/api/v1/me", token=srv.login("anna")).json["id"]
        secret = "anna-telefon-hemlig"
        r = srv.request("POST", f"/api/v1/users/{anna}/sip-secret", {"secret": secret}, token=admin)
        self.assertEqual(r.status, 200, r)
        r = srv.request("PATCH", f"/api/v1/users/{anna}", {"sip_uri": None}, token=admin)
        self.assertEqual(r.status, 200, r)
        phone = Sipp("agent_answer.xml", "-rtp_echo", remote=False)
        reg = Sipp("register.xml", "-s", "anna", "-au", "anna", "-ap", secret, "-key", "contact_port",
                   str(phone.port), "-key", "expires", "600", sip_port=self.front.port)
        self.assertEqual(reg.wait(), 0, reg.errors())
        self.assertIn('event=tel.register result=200 user="anna"', srv.logs())
        token = srv.login("anna")
        for state in ("logged_in", "ready"):
            r = srv.request("POST", "/api/v1/acd/agents/me/state", {"state": state}, token=token)
            self.assertEqual(r.status, 200, r)

        srv.kill9()
        new = wait_for(lambda: next((n for n in self.nodes if n != holder and role(self.nodes[n]) == "holder"), None))
        self.assertIsNotNone(new)
        self.assertIn("event=tel.register loaded=1", self.nodes[new].logs())
        caller = None
        deadline = time.time() + 30
        while time.time() < deadline:  # until the front sends calls to the new holder
            caller = self.call(hold_ms=1500)
            if caller.wait(timeout=60) == 0:
                break
            time.sleep(0.2)
        self.assertEqual(phone.wait(timeout=60), 0, phone.errors() + self.nodes[new].logs()[-3000:])
        self.assertIn("event=acd.agents_kept", self.nodes[new].logs())
        states = {x["name"]: x["state"] for x in self.nodes[new].request(
            "GET", "/api/v1/acd/agents", token=self.nodes[new].login("admin")).json["items"]}
        self.assertIn(states["Anna Lindqvist"], ("ready", "wrapup"))


class JobsNodeMailTest(MailNetBase):
    """E-mail across two nodes: the mailbox is added on the queue's node, the other node
    runs the jobs (the fetchers), and what it fetches is offered by the queue's engine."""

    def test_mail_fetched_on_the_jobs_node_is_offered_by_the_queue_node(self):
        url = pg_database()
        conf = self.conf()
        a = Server(demo=True, db=url, extra=["--config", conf, "--node", "a"]).start()
        self.srv = a  # self.api talks to it; tearDown stops it
        b = Server(db=url, extra=["--config", conf, "--node", "b"]).start()
        stream = None
        try:
            self.assertTrue(wait_for(lambda: jobs(b) == "here"), b.logs()[-3000:])
            self.assertEqual((role(a), jobs(a)), ("holder", "elsewhere"))
            box = self.add_mailbox()  # on a, which fetches nothing: b's fetchers start over
            st = wait_for(lambda: b.request("GET", f"/api/v1/mailboxes/{box['id']}",
                                            token=b.login("admin")).json["fetch"]["running"])
            self.assertTrue(st, b.logs()[-3000:])
            sara = {x["name"]: x["agent_id"] for x in self.api(
                "GET", "/api/v1/acd/agents", user="lead.aldre").json["items"]}["Sara Ahmed"]
            r = self.api("PUT", f"/api/v1/acd/agents/{sara}/channels", {"voice": False, "email": True})
            self.assertEqual(r.status, 200, r)
            stream = AgentStream(a, a.login("sara"))
            for state in ("logged_in", "ready"):
                r = self.api("POST", "/api/v1/acd/agents/me/state", {"state": state}, user="sara")
                self.assertEqual(r.status, 200, r)
            self.mail.send("medborgare", "kontaktcenter",
                           message("medborgare", "Tömning av slamavskiljare", "Hej! När?", "jobs-1"))
            offer = wait_for(lambda: stream.of("email_offer"))
            self.assertTrue(offer, (stream.events[-5:], b.logs()[-3000:], a.logs()[-3000:]))
            self.assertEqual(offer[0]["subject"], "Tömning av slamavskiljare")
            self.assertIn("event=mail.intake", b.logs())  # fetched and stored on b ...
            self.assertNotIn("event=mail.intake", a.logs())  # ... offered on a
            r = self.api("POST", f"/api/v1/mail/items/{offer[0]['item_id']}/take", user="sara")
            self.assertEqual((r.status, r.json["state"]), (200, "taken"), r)
        finally:
            if stream:
                stream.close()
            code = b.stop()
        self.assertEqual(code, 0, b.logs()[-3000:])
        self.assertIn("event=cluster.release node=\"b\" lease=jobs", b.logs())


if __name__ == "__main__":
    unittest.main()
