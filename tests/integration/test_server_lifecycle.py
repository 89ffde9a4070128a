"""The server as an operator meets it: CLI, config file, shutdown, crash durability."""
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BIN, Server, on_pg, pg_database


def run(*args, input=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=input, timeout=120)


class LifecycleTest(unittest.TestCase):
    def test_a_sigterm_while_starting_ends_it_cleanly(self):
        """A service manager (or a test) may stop a server that is still starting — its
        HTTP port answers before its loop runs. The signal waits for the loop, and the
        server stops as usual with 0, instead of being killed by it half started."""
        srv = Server(demo=True)
        args = [BIN, "serve", "--db", srv.db, "--http", f"127.0.0.1:{srv.port}", "--log-level",
                "info", "--demo"]
        with open(srv.log_path, "ab") as log:
            p = subprocess.Popen(args, stdout=log, stderr=log, cwd=srv.cwd)
            deadline = time.time() + 60  # the demo is loaded before the server listens
            while "event=demo.loaded" not in srv.logs() and p.poll() is None and time.time() < deadline:
                time.sleep(0.01)
            p.send_signal(signal.SIGTERM)
            code = p.wait(timeout=60)
        logs = srv.logs()
        self.assertEqual(code, 0, logs[-2000:])
        self.assertIn("event=server.signal signal=15 action=shutdown", logs)
        self.assertIn("event=server.ready", logs)  # it finished starting first

    def test_acknowledged_case_survives_kill_9(self):
        srv = Server().start()
        tok = srv.login("anna")
        g = srv.sql("SELECT id FROM groups WHERE name='Förskola'")[0][0]
        cl = srv.sql("SELECT id FROM clients WHERE name='Utbildningsförvaltningen'")[0][0]
        cat = srv.sql("SELECT id FROM categories WHERE name LIKE 'Förskoleplats%'")[0][0]
        created = []
        for i in range(20):
            r = srv.request("POST", "/api/v1/cases", {"group_id": g, "client_id": cl, "category_id": cat,
                                                      "channel": "phone", "outcome": "resolved",
                                                      "summary": f"Kötid, samtal {i}"}, token=tok)
            self.assertEqual(r.status, 201, r)
            created.append(r.json["id"])
        srv.kill9()
        srv2 = Server(db=srv.db, demo=False).start()
        tok = srv2.login("anna")
        for cid in created:
            r = srv2.request("GET", f"/api/v1/cases/{cid}", token=tok)
            self.assertEqual(r.status, 200, r)
        self.assertEqual(srv2.request("GET", f"/api/v1/cases/{created[-1]}", token=tok).json["summary"],
                         "Kötid, samtal 19")
        self.assertEqual(srv2.stop(), 0)

    def _writers(self, srv, tok, n_threads, stop):
        """Threads logging cases back to back; returns the ids acknowledged with 201."""
        g = srv.sql("SELECT id FROM groups WHERE name='Förskola'")[0][0]
        cl = srv.sql("SELECT id FROM clients WHERE name='Utbildningsförvaltningen'")[0][0]
        cat = srv.sql("SELECT id FROM categories WHERE name LIKE 'Förskoleplats%'")[0][0]
        acked, lock = [], threading.Lock()

        def write(t):
            i = 0
            while not stop.is_set():
                try:
                    r = srv.request("POST", "/api/v1/cases", {
                        "group_id": g, "client_id": cl, "category_id": cat, "channel": "phone",
                        "outcome": "resolved", "summary": f"Skrivare {t}, samtal {i}"}, token=tok)
                except OSError:
                    return  # the server is gone
                if r.status == 201:
                    with lock:
                        acked.append((r.json["id"], f"Skrivare {t}, samtal {i}"))
                i += 1

        threads = [threading.Thread(target=write, args=(t,)) for t in range(n_threads)]
        for t in threads:
            t.start()
        return acked, threads

    def test_cases_acknowledged_under_concurrent_writes_survive_kill_9(self):
        """Sixteen writers at once: the answers of a batch wait for its fsync on the sync
        thread, so every 201 names a case that is there after kill -9."""
        srv = Server().start()
        tok = srv.login("anna")
        stop = threading.Event()
        acked, threads = self._writers(srv, tok, 16, stop)
        time.sleep(2)
        srv.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.assertGreater(len(acked), 50)
        srv2 = Server(db=srv.db, demo=False).start()
        rows = dict(srv2.sql("SELECT id, summary FROM cases WHERE summary LIKE 'Skrivare %'"))
        for cid, summary in acked:
            self.assertEqual(rows.get(cid), summary)
        self.assertEqual(srv2.stop(), 0)

    # On PostgreSQL the commit completes on the loop, and the HTTP side once committed
    # batch after batch while writers kept coming, never giving the SIGTERM its turn
    # (http/server.c: RUN_ROUNDS).
    def test_sigterm_under_concurrent_writes_keeps_every_acknowledged_case(self):
        """SIGTERM while writers are busy: the batch on its way to disk and the one collecting
        are finished and answered, the server exits cleanly, and every 201 is stored."""
        srv = Server().start()
        tok = srv.login("anna")
        stop = threading.Event()
        acked, threads = self._writers(srv, tok, 16, stop)
        time.sleep(1.5)
        code = srv.stop(signal.SIGTERM)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(code, 0, srv.logs()[-3000:])
        self.assertIn("server.stopped", srv.logs())
        self.assertGreater(len(acked), 20)
        rows = dict(srv.sql("SELECT id, summary FROM cases WHERE summary LIKE 'Skrivare %'"))
        for cid, summary in acked:
            self.assertEqual(rows.get(cid), summary)

    def test_sigint_and_sigterm_shut_down_cleanly(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            srv = Server().start()
            self.assertEqual(srv.request("GET", "/healthz").status, 200)
            self.assertEqual(srv.stop(sig), 0, srv.logs()[-3000:])
            self.assertIn("server.stopped", srv.logs())

    def test_structured_log_lines(self):
        srv = Server().start()
        srv.stop()
        lines = [l for l in srv.logs().splitlines() if "event=server.ready" in l]
        self.assertTrue(lines)
        self.assertRegex(lines[0], r"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info event=server\.ready ")

    def test_config_file_keys_mirror_flags(self):
        d = tempfile.mkdtemp()
        port = __import__("harness").free_port()
        cfg = os.path.join(d, "lotsen.conf")
        with open(cfg, "w") as f:
            f.write(f"# Lotsen test\ndb = {d}/conf.db\nhttp = 127.0.0.1:{port}\ndemo = true\n"
                    "municipality = \"Testköpings kommun\"\nrtp-timeout = 0\n")
        p = subprocess.Popen([BIN, "serve", "--config", cfg], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        srv = Server(db=f"{d}/conf.db", demo=False)
        srv.port = port
        import socket, time
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.assertEqual(srv.request("GET", "/healthz").status, 200)
        self.assertTrue(srv.login("admin"))
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=60), 0)

    def test_bad_config_is_reported(self):
        d = tempfile.mkdtemp()
        cfg = os.path.join(d, "bad.conf")
        with open(cfg, "w") as f:
            f.write("db = x.db\nhttpport = 8080\n")
        r = run("serve", "--config", cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.conf:2", r.stderr)
        self.assertIn("unknown setting", r.stderr)
        r = run("serve", "--durability", "maybe")
        self.assertEqual(r.returncode, 2)
        self.assertIn("durability", r.stderr)
        for bad in ("-1", "soon", "86401"):
            r = run("serve", "--rtp-timeout", bad)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("rtp-timeout", r.stderr)
            self.assertIn("0–86400", r.stderr)

    def test_port_in_use_fails_with_message(self):
        srv = Server().start()
        r = run("serve", "--db", os.path.join(srv.dir, "other.db"), "--http", f"127.0.0.1:{srv.port}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot listen", r.stderr)
        srv.stop()

    def test_migrate_user_add_and_demo_commands(self):
        d = tempfile.mkdtemp()
        db = pg_database(d) if on_pg() else os.path.join(d, "cli.db")
        r = run("migrate", "--db", db)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("user", "add", "karin", "--role", "manager", "--password-stdin", "--db", db,
                input="ett-bra-losenord\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("user", "add", "karin", "--role", "manager", "--password-stdin", "--db", db,
                input="ett-bra-losenord\n")
        self.assertNotEqual(r.returncode, 0)
        r = run("user", "add", "bo", "--role", "kung", "--password-stdin", "--db", db, input="ett-bra-losenord\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("role", r.stderr)
        r = run("user", "add", "bo", "--role", "agent", "--password-stdin", "--db", db, input="kort\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("password", r.stderr)
        srv = Server(db=db, demo=False).start()
        self.assertTrue(srv.login("karin", "ett-bra-losenord"))
        srv.stop()
        r = run("demo", "--db", pg_database(d) if on_pg() else os.path.join(d, "demo.db"))
        self.assertEqual(r.returncode, 0, r.stderr)

    @unittest.skipUnless(on_pg(), "a PostgreSQL URL")
    def test_the_log_never_shows_the_databases_password(self):
        url = pg_database().replace("postgresql://lotsen@", "postgresql://lotsen:hemligt-ord@")
        srv = Server(db=url).start()
        self.assertEqual(srv.request("GET", "/healthz").status, 200)
        self.assertEqual(srv.stop(), 0)
        self.assertIn('db="postgresql://lotsen@/', srv.logs())
        self.assertNotIn("hemligt-ord", srv.logs())

    def test_unknown_command(self):
        r = run("fly")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)


if __name__ == "__main__":
    unittest.main()
