"""Starts a real `lotsen serve` on loopback with its own SQLite file and speaks HTTP to it."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BIN = os.environ.get("LOTSEN_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "lotsen"))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_PASSWORD = "lotsen-demo"


_next_port = [30000 + (os.getpid() % 100) * 27]


def ports_free(base, span, kinds=(socket.SOCK_STREAM, socket.SOCK_DGRAM), host="127.0.0.1"):
    """Whether `span` ports from `base` can be bound now, for every socket kind given."""
    socks = []
    try:
        for p in range(base, base + span):
            for kind in kinds:
                s = socket.socket(socket.AF_INET, kind)
                socks.append(s)
                s.bind((host, p))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_port(span=1):
    """A port for a server under test, free for both TCP and UDP (a SIP listener takes both),
    with `span` free ports from it. Picked below the kernel's ephemeral range and never twice
    in a run, so a client's outgoing connection cannot take it between the pick and the
    server's bind."""
    for _ in range(3000):
        base = _next_port[0]
        _next_port[0] = base + span if base + span < 32700 else 30000
        if ports_free(base, span):
            return base
    raise RuntimeError("no free port between 30000 and 32700")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


# LOTSEN_TEST_DB=pg: every Server without a `db` of its own gets a fresh database on one
# PostgreSQL this process starts (tests/pg/start.sh: a temp directory, a Unix socket, no
# TCP port) and stops at exit. Default: a SQLite file per server.
_pg = {}


def pg_database():
    """The URL of a new, empty database on the test run's PostgreSQL."""
    import atexit
    if not _pg:
        out = subprocess.run([os.path.join(ROOT, "tests", "pg", "start.sh")], check=True,
                             capture_output=True, text=True).stdout.strip()
        _pg["url"] = out
        _pg["dir"] = out.split("host=", 1)[1]
        _pg["n"] = 0
        atexit.register(lambda: subprocess.run(
            [os.path.join(ROOT, "tests", "pg", "stop.sh"), _pg["dir"]], check=False))
    _pg["n"] += 1
    name = f"lotsen_{os.getpid()}_{_pg['n']}"
    subprocess.run(["psql", "-q", "-h", _pg["dir"], "-U", "lotsen", "-d", "lotsen", "-c",
                    f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return f"postgresql://lotsen@/{name}?host={_pg['dir']}"


def pg_sql(url, query, params):
    """A query through psql with `?` parameters passed as psql variables (quoted by psql)."""
    out, args, n, quote = [], [], 0, False
    for ch in query:
        if ch == "'":
            quote = not quote
        if ch == "?" and not quote:
            n += 1
            out.append(f":'p{n}'")
            continue
        out.append(ch)
    for i, p in enumerate(params, 1):
        args += ["-v", f"p{i}={p}"]
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-d", url] + args,
                       input="".join(out) + ";\n", check=True, capture_output=True, text=True)
    rows = []
    for line in r.stdout.splitlines():
        rows.append(tuple(int(v) if v.lstrip("-").isdigit() else (None if v == "" else v)
                          for v in line.split("\x1f")))
    return rows


def on_pg():
    return os.environ.get("LOTSEN_TEST_DB", "") == "pg"


class Server:
    """One server process. `extra` adds flags; `db` reuses a database file."""

    def __init__(self, demo=True, db=None, extra=()):
        self.dir = tempfile.mkdtemp(prefix="lotsen-test-")
        self.db = db or (pg_database() if on_pg() else os.path.join(self.dir, "lotsen.db"))
        self.port = free_port()
        self.demo = demo
        self.extra = list(extra)
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    def start(self):
        args = [BIN, "serve", "--db", self.db, "--http", f"127.0.0.1:{self.port}",
                "--static", os.path.join(ROOT, "web"), "--log-level", "info"] + self.extra
        if self.demo:
            args.append("--demo")
        self.log = open(self.log_path, "ab")
        # On PostgreSQL the server keeps its files in lotsen.files of its working
        # directory: the server's own temp directory, not the checkout.
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                     cwd=self.dir if self.db.startswith("postgresql://") else None)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start:\n" + self.logs())

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM):
        """Stop and return the exit code; a clean stop is 0 (sanitizers make leaks non-zero)."""
        if not self.proc:
            return 0
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self.log.close()
        return code

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.log.close()

    def request(self, method, path, body=None, token=None, raw=None, headers=None):
        url = f"http://127.0.0.1:{self.port}" + urllib.parse.quote(path, safe="/?&=:%+,")
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Response(r.status, dict(r.headers), r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers), e.read().decode("utf-8"))

    def login(self, username, password=DEMO_PASSWORD):
        r = self.request("POST", "/api/v1/login", {"username": username, "password": password})
        if r.status != 200:
            raise AssertionError(f"login {username}: {r}")
        return r.json["token"]

    def sql(self, query, *params):
        """Read the database directly, as an operator would with sqlite3 (psql on
        PostgreSQL: values come back as text, digits as int)."""
        if self.db.startswith("postgresql://"):
            return pg_sql(self.db, query, params)
        import sqlite3
        con = sqlite3.connect(self.db)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()


class ServerTest(unittest.TestCase):
    """One demo server for the whole class; each test logs in as it needs."""
    demo = True
    extra = ()

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=cls.demo, extra=cls.extra).start()
        cls.tokens = {}

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.srv.logs()[-4000:]}")

    def token(self, user):
        if user not in self.tokens:
            self.tokens[user] = self.srv.login(user)
        return self.tokens[user]

    def api(self, method, path, body=None, user="admin", **kw):
        return self.srv.request(method, path, body, token=self.token(user) if user else None, **kw)

    def assertProblem(self, r, status, field=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"), r.headers)
        self.assertEqual(r.json["status"], status)
        self.assertIn("title", r.json)
        if field:
            fields = [e["field"] for e in r.json.get("errors", [])]
            self.assertIn(field, fields, r)
