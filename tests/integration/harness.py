"""Starts a real `lotsen serve` on loopback with its own SQLite file and speaks HTTP to it."""
import ctypes
import ctypes.util
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BIN = os.environ.get("LOTSEN_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "lotsen"))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_PASSWORD = "lotsen-demo"


def port_slice(lo, hi):
    """The part of the ports [lo, hi) this process may pick from, and where it starts: all of
    it from a point the pid picks, or, when tests/run.py runs files side by side
    (LOTSEN_TEST_SLOT=k of LOTSEN_TEST_SLOTS=n), the k-th of n slices, so workers never pick
    the same port."""
    n = int(os.environ.get("LOTSEN_TEST_SLOTS", "0") or 0)
    if n > 1:
        k = int(os.environ.get("LOTSEN_TEST_SLOT", "0"))
        width = (hi - lo) // n
        return lo + k * width, lo + (k + 1) * width, lo + k * width
    return lo, hi, lo + (os.getpid() % 100) * ((hi - lo) // 100)


# Ports for servers under test, below the kernel's ephemeral range (32768-).
_port_lo, _port_hi, _port_first = port_slice(30000, 32700)
_next_port = [_port_first]


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
        if base + span > _port_hi:
            base = _port_lo
        _next_port[0] = base + span
        if ports_free(base, span):
            return base
    raise RuntimeError(f"no free port between {_port_lo} and {_port_hi}")


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
# TCP port) and stops at exit, or on the one LOTSEN_TEST_PG names (tests/run.py starts one
# for all its workers). Default: a SQLite file per server.
_pg = {}
_pg_dirs = {}  # database URL → the working directory of its servers


def pg_database(workdir=None):
    """The URL of a new, empty database on the test run's PostgreSQL; `workdir`: the
    working directory of its servers (where they keep their files), if not the first
    server's temp directory."""
    import atexit
    if not _pg and os.environ.get("LOTSEN_TEST_PG"):
        _pg["url"] = os.environ["LOTSEN_TEST_PG"]
        _pg["dir"] = _pg["url"].split("host=", 1)[1]
        _pg["n"] = 0
    if not _pg:
        out = subprocess.run([os.path.join(ROOT, "tests", "pg", "start.sh")], check=True,
                             capture_output=True, text=True).stdout.strip()
        _pg["url"] = out
        _pg["dir"] = out.split("host=", 1)[1]
        _pg["n"] = 0
        atexit.register(lambda: subprocess.run(
            [os.path.join(ROOT, "tests", "pg", "stop.sh"), _pg["dir"]], check=False))
        # a run stopped with SIGTERM stops its PostgreSQL too (atexit runs on exit only)
        import signal as sig
        if sig.getsignal(sig.SIGTERM) == sig.SIG_DFL:
            sig.signal(sig.SIGTERM, lambda *_: sys.exit(143))
    _pg["n"] += 1
    name = f"lotsen_{os.getpid()}_{_pg['n']}"
    if _pg_admin(f"CREATE DATABASE {name}") is None:
        raise RuntimeError(f"PostgreSQL at {_pg['dir']}: CREATE DATABASE {name} failed")
    url = f"postgresql://lotsen@/{name}?host={_pg['dir']}"
    if workdir:
        _pg_dirs[url] = workdir
    return url


def pg_literal(v):
    """A Python value as a PostgreSQL literal (standard_conforming_strings: a quote is
    doubled, a backslash is itself)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "'\\x" + bytes(v).hex() + "'::bytea"
    return "'" + str(v).replace("'", "''") + "'"


def pg_bind(query, params):
    """`query` with its `?` parameters replaced by literals (outside quoted text)."""
    out, quote, it = [], None, iter(params)
    for ch in query:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append(pg_literal(next(it)))
            continue
        out.append(ch)
    return "".join(out)


_pg_conns = {}  # database URL → this process's connection to it (the last two)
_pg_typed = []  # psycopg2's casts registered (once a process)


def _pg_connect(url):
    """A connection to `url` through libpq (python3-psycopg2), typed as sqlite3 types its
    values: numeric (SUM, AVG) as int or float, json as its text, a timestamp as the ISO
    text PostgreSQL's own JSON gives; bytea comes back as memoryview (bytes in pg_run)."""
    try:
        import psycopg2
        import psycopg2.extensions as ext
        import psycopg2.extras
    except ImportError:
        raise RuntimeError("no psycopg2 in this Python: scripts/install-test-peers.sh installs"
                           " python3-psycopg2 for Debian's /usr/bin/python3") from None
    if not _pg_typed:
        _pg_typed.append(True)
        num = lambda v, cur: None if v is None else int(v) if re.fullmatch(r"-?[0-9]+", v) else float(v)
        ext.register_type(ext.new_type((1700,), "LOTSEN_NUMERIC", num))
        iso = lambda v, cur: None if v is None else v.replace(" ", "T", 1)
        ext.register_type(ext.new_type((1114, 1184), "LOTSEN_TIMESTAMP", iso))
        ext.register_type(ext.new_type((1082, 1083, 1266), "LOTSEN_DATE", lambda v, cur: v))
        psycopg2.extras.register_default_json(loads=lambda v: v, globally=True)
        psycopg2.extras.register_default_jsonb(loads=lambda v: v, globally=True)
    con = _pg_conns.pop(url, None)
    if con is None or con.closed:
        if len(_pg_conns) >= 2:  # a test file goes through many databases: keep the last two
            _pg_conns.pop(next(iter(_pg_conns))).close()
        con = psycopg2.connect(url)
    _pg_conns[url] = con  # the newest last
    return con


def _pg_value(v):
    return bytes(v) if isinstance(v, memoryview) else v


def _returns_rows(query):
    q = query.lstrip().lower()
    return q.startswith("select") or q.startswith("with") or q.startswith("values") or \
        " returning " in f" {q.replace(chr(10), ' ')} "


def pg_run(url, statements):
    """Runs [(query, params)] in one transaction on this process's connection to `url`;
    returns the rows of the last statement, typed as sqlite3 would give them (int, float,
    str, bytes, None). A statement that fails rolls the whole back and raises RuntimeError."""
    import psycopg2
    for attempt in (0, 1):
        con = _pg_connect(url)
        try:
            with con.cursor() as cur:
                for query, params in statements:
                    # the values inlined as literals: no placeholder for psycopg2 to expand
                    cur.execute(pg_bind(query.strip().rstrip(";"), params))
                rows = [tuple(_pg_value(v) for v in row) for row in cur.fetchall()] \
                    if cur.description else []
            con.commit()
            return rows
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
            # a connection the server closed (a restart, a dropped database): once more, anew
            _pg_conns.pop(url, None)
            con.close()
            if attempt:
                raise RuntimeError(f"PostgreSQL: {e}") from None
        except psycopg2.Error as e:
            con.rollback()
            text = "\n".join(pg_bind(q, p) for q, p in statements)
            raise RuntimeError(f"PostgreSQL: {str(e).strip()}\n{text[:2000]}") from None


def pg_sql(url, query, params):
    """One query with `?` parameters; rows as sqlite3 gives them."""
    return pg_run(url, [(query, params)])


class _Rows:
    def __init__(self, rows):
        self.rows = rows

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def __iter__(self):
        return iter(self.rows)


class PgConnection:
    """What the tests use of a sqlite3 connection, on PostgreSQL: execute() returns rows
    (fetchall, fetchone); statements that return none are kept and run together, in one
    transaction, at commit() or before the next query that reads."""

    def __init__(self, url):
        self.url = url
        self.pending = []

    def execute(self, query, params=()):
        if _returns_rows(query):
            rows = pg_run(self.url, self.pending + [(query, tuple(params))])
            self.pending = []
            return _Rows(rows)
        self.pending.append((query, tuple(params)))
        return _Rows([])

    def executemany(self, query, seq):
        for params in seq:
            self.execute(query, params)

    def commit(self):
        if self.pending:
            pg_run(self.url, self.pending)
        self.pending = []

    def rollback(self):
        self.pending = []

    def close(self):
        self.commit()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.rollback()


def connect(db, timeout=10):
    """A connection to a server's database, sqlite3's or (a postgresql:// URL) PgConnection."""
    if db.startswith("postgresql://"):
        return PgConnection(db)
    import sqlite3
    return sqlite3.connect(db, timeout=timeout)


def on_pg():
    return os.environ.get("LOTSEN_TEST_DB", "") == "pg"


_TEMPLATES = os.path.join(tempfile.gettempdir(), f"lotsen-test-templates-{os.getuid()}")


def _template_key(binary):
    """The binary and the hour a template is made for, or None when there is no binary."""
    try:
        st = os.stat(binary)
    except OSError:
        return None
    return "%s-%d-%s-h1" % (hashlib.sha1(os.path.abspath(binary).encode()).hexdigest()[:12],
                            int(st.st_mtime), time.strftime("%Y%m%d%H", time.gmtime()))


_light_hash = []


def light_demo_hash():
    """The demo password as argon2id at libsodium's least cost (one pass over 8 KiB), or
    None without libsodium. The test templates' demo users get it instead of Lotsen's own
    interactive cost (64 MiB, ~180 ms of CPU a login): a run logs in thousands of times,
    and those logins were a quarter of all the CPU Lotsen spent in a run. The check is
    the same (libsodium verifies whatever cost the hash names); a password Lotsen sets
    itself still gets the interactive cost (test_api_auth, test_auth)."""
    if not _light_hash:
        _light_hash.append(None)
        name = ctypes.util.find_library("sodium")
        if name:
            lib = ctypes.CDLL(name)
            lib.crypto_pwhash_str.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong,
                                              ctypes.c_ulonglong, ctypes.c_size_t]
            out = ctypes.create_string_buffer(128)
            pw = DEMO_PASSWORD.encode()
            if lib.sodium_init() >= 0 and lib.crypto_pwhash_str(out, pw, len(pw), 1, 8192) == 0:
                h = out.value.decode()
                # inlined in SQL below: only the encoding's own characters
                if re.fullmatch(r"\$argon2id\$[A-Za-z0-9$=,+/]+", h):
                    _light_hash[0] = h
    return _light_hash[0]


def _lighten_demo_users_sql():
    """The UPDATE that gives the demo users (they share one hash: admin's) the light hash."""
    h = light_demo_hash()
    return h and ("UPDATE users SET password_hash = '%s' WHERE password_hash ="
                  " (SELECT password_hash FROM users WHERE username = 'admin')" % h)


_admin = []


def _pg_admin(sql):
    """Runs one statement (CREATE DATABASE and the like: outside a transaction) on the run's
    PostgreSQL as its owner; its rows, or None when it failed."""
    import psycopg2
    if not _admin or _admin[0].closed:
        _admin[:] = [psycopg2.connect(f"postgresql://lotsen@/lotsen?host={_pg['dir']}")]
        _admin[0].autocommit = True
    try:
        with _admin[0].cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else []
    except psycopg2.Error:
        return None


def pg_from_template(binary, url):
    """Make the empty database at `url` (pg_database's) a copy of a template database with
    the demo municipality as a first start leaves it, made once per binary, hour and
    PostgreSQL server as demo_template makes its file. False when it cannot be made (the
    database is left as it was)."""
    key = _template_key(binary)
    if os.environ.get("LOTSEN_TEST_FRESH_DEMO") == "1" or not key or not _pg:
        return False
    name = url.split("/", 3)[3].split("?", 1)[0]
    tpl = "lotsen_tpl_" + hashlib.sha1(key.encode()).hexdigest()[:12]
    os.makedirs(_TEMPLATES, exist_ok=True)
    lock_path = os.path.join(_TEMPLATES, hashlib.sha1(_pg["dir"].encode()).hexdigest()[:12] + ".pglock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{tpl}'"):
            work = tpl + "_make"
            _pg_admin(f"DROP DATABASE IF EXISTS {work}")
            if _pg_admin(f"CREATE DATABASE {work}") is None:
                return False
            wurl = f"postgresql://lotsen@/{work}?host={_pg['dir']}"
            for cmd in (["demo"], ["report", "deliver"]):
                p = subprocess.run([binary] + cmd + ["--db", wurl], capture_output=True,
                                   timeout=600, cwd=tempfile.gettempdir())
                if p.returncode != 0:
                    return False
            light = _lighten_demo_users_sql()
            if light:
                try:
                    pg_run(wurl, [(light, ())])
                except RuntimeError:
                    return False
                finally:  # no connection may stay on a database that becomes a template
                    con = _pg_conns.pop(wurl, None)
                    if con:
                        con.close()
            if _pg_admin(f"ALTER DATABASE {work} RENAME TO {tpl}") is None:
                return False
        if _pg_admin(f"DROP DATABASE {name}") is None:
            return False
        if _pg_admin(f"CREATE DATABASE {name} TEMPLATE {tpl}") is None:
            _pg_admin(f"CREATE DATABASE {name}")
            return False
    return True


def demo_template(binary):
    """A SQLite file with the demo municipality as a first start leaves it (`lotsen demo`,
    then `lotsen report deliver`: last month's reports stored), made once per binary and
    hour and shared by the run's processes, or None when it cannot be made. A server's copy
    of it starts in a fraction of the time and CPU that loading the demo takes (several
    seconds under ASan, hundreds of times in a run). Within the hour the demo's dates are
    the same as a fresh load's. LOTSEN_TEST_FRESH_DEMO=1 loads the demo at every start."""
    key = _template_key(binary)
    if os.environ.get("LOTSEN_TEST_FRESH_DEMO") == "1" or not key:
        return None
    path = os.path.join(_TEMPLATES, key + ".db")
    if os.path.exists(path):
        return path
    os.makedirs(_TEMPLATES, exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(path):
            return path
        tmp = path + ".tmp"
        for f in (tmp, tmp + "-wal", tmp + "-shm"):
            if os.path.exists(f):
                os.unlink(f)
        for cmd in (["demo"], ["report", "deliver"]):
            p = subprocess.run([binary] + cmd + ["--db", tmp], capture_output=True, timeout=600)
            if p.returncode != 0:
                return None  # the server's own start shows why
        light = _lighten_demo_users_sql()
        if light:
            con = sqlite3.connect(tmp)
            with con:
                con.execute(light)
            con.close()
        if os.path.exists(tmp + "-wal"):
            return None
        os.rename(tmp, path)
    return path


class Server:
    """One server process. `extra` adds flags; `db` reuses a database file."""

    def __init__(self, demo=True, db=None, extra=()):
        self.dir = tempfile.mkdtemp(prefix="lotsen-test-")
        self.db = db or (pg_database() if on_pg() else os.path.join(self.dir, "lotsen.db"))
        # On PostgreSQL the server keeps its files in lotsen.files of its working
        # directory: the first server's temp directory for a database, not the checkout.
        self.cwd = None
        if self.db.startswith("postgresql://"):
            self.cwd = _pg_dirs.setdefault(self.db, self.dir)
        self.port = free_port()
        self.fresh = db is None  # a database of its own, not started yet
        self.demo = demo
        self.extra = list(extra)
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    def start(self):
        if self.demo and self.fresh and self.db.startswith("postgresql://"):
            pg_from_template(BIN, self.db)
        elif self.demo and not self.db.startswith("postgresql://") and not os.path.exists(self.db):
            template = demo_template(BIN)
            if template:
                shutil.copyfile(template, self.db)
        self.fresh = False
        args = [BIN, "serve", "--db", self.db, "--http", f"127.0.0.1:{self.port}",
                "--static", os.path.join(ROOT, "web"), "--log-level", "info"] + self.extra
        if self.demo:
            args.append("--demo")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, cwd=self.cwd)
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

    def read(self, path, token=None, tries=5):
        """GET as docs/api.md asks of a client: a 503 with Retry-After (many reads at once,
        the queue on another node) is asked again after that many seconds (at most 5)."""
        for i in range(tries):
            r = self.request("GET", path, token=token)
            after = r.headers.get("Retry-After")
            if r.status != 503 or not after or i == tries - 1:
                return r
            time.sleep(min(float(after), 5))
        return r

    def login(self, username, password=DEMO_PASSWORD):
        r = self.request("POST", "/api/v1/login", {"username": username, "password": password})
        if r.status != 200:
            raise AssertionError(f"login {username}: {r}")
        return r.json["token"]

    def sql(self, query, *params):
        """Read (or change) the database directly, as an operator would with sqlite3 (libpq
        on PostgreSQL, the values typed as sqlite3 gives them)."""
        if self.db.startswith("postgresql://"):
            return pg_sql(self.db, query, params)
        import sqlite3
        con = sqlite3.connect(self.db, timeout=10)
        try:
            rows = con.execute(query, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def connect(self):
        """A connection to this server's database (see connect())."""
        return connect(self.db)

    @property
    def files(self):
        """Where the server keeps its files (attachments, mail): beside the database file,
        or on PostgreSQL in lotsen.files of its working directory; `--files DIR` if given."""
        if "--files" in self.extra:
            return self.extra[self.extra.index("--files") + 1]
        if self.db.startswith("postgresql://"):
            return os.path.join(self.cwd, "lotsen.files")
        return self.db + ".files"


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
        """A GET is asked again after a 503 with Retry-After, as docs/api.md asks of clients."""
        token = self.token(user) if user else None
        if method == "GET" and body is None and not kw:
            return self.srv.read(path, token)
        return self.srv.request(method, path, body, token=token, **kw)

    def assertProblem(self, r, status, field=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"), r.headers)
        self.assertEqual(r.json["status"], status)
        self.assertIn("title", r.json)
        if field:
            fields = [e["field"] for e in r.json.get("errors", [])]
            self.assertIn(field, fields, r)
