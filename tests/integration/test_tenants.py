"""Two municipalities on one PostgreSQL cluster (`lotsen tenant add`): each its own database
and role, a Lotsen node each, and nothing of one reachable from the other.

Always on PostgreSQL: the class starts its own cluster with tests/pg/start.sh (trust
authentication on a Unix socket, superuser `lotsen`)."""
import datetime
import os
import re
import subprocess
import unittest

from harness import BIN, ROOT, Server, free_port

NUMBER = "+46850899999"  # configured in both municipalities, each for its own group


def lotsen(*args):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=120)


def psql(url, sql):
    return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-d", url, "-c", sql],
                          capture_output=True, text=True, timeout=60)


class TenantTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = subprocess.run([os.path.join(ROOT, "tests", "pg", "start.sh")], check=True,
                                     capture_output=True, text=True).stdout.strip()
        cls.host = cls.cluster.split("host=", 1)[1]
        cls.servers = []
        try:
            cls._set_up()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _set_up(cls):
        a = lotsen("tenant", "add", "a", "--cluster", cls.cluster)
        assert a.returncode == 0, a.stderr
        cls.add_a = a.stdout
        b = lotsen("tenant", "add", "b", "--cluster", cls.cluster, "--no-password")
        assert b.returncode == 0, b.stderr
        cls.add_b = b.stdout
        cls.url_a = re.search(r"^url: (\S+)$", a.stdout, re.M).group(1)
        cls.url_b = re.search(r"^url: (\S+)$", b.stdout, re.M).group(1)
        cls.a = Server(db=cls.url_a).start()
        cls.servers.append(cls.a)
        cls.b = Server(db=cls.url_b).start()
        cls.servers.append(cls.b)
        cls.tok_a = cls.a.login("admin")
        cls.tok_b = cls.b.login("admin")
        cls.month = datetime.date.today().strftime("%Y-%m")
        cls.report_a = cls.cases_reported(cls.a, cls.tok_a)
        cls.report_b = cls.cases_reported(cls.b, cls.tok_b)
        # What only A has: a user, a case of a citizen, a local holiday.
        r = cls.a.request("POST", "/api/v1/users",
                          {"username": "kalle.a", "display_name": "Kalle i A", "role": "agent",
                           "password": "kalles-losenord-a"}, token=cls.tok_a)
        assert r.status == 201, r
        group = cls.a.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
        client = cls.a.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0]
        cat = cls.a.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0]
        r = cls.a.request("POST", "/api/v1/cases",
                          {"group_id": group, "client_id": client, "category_id": cat,
                           "channel": "phone", "outcome": "resolved",
                           "summary": "Frågade om trygghetslarm i kommun A.",
                           "citizen": {"name": "Astrid i A", "personal_id": "19811218-9876"}},
                          token=cls.a.login("anna"))
        assert r.status == 201, r
        cls.case_a = r.json

    @classmethod
    def tearDownClass(cls):
        codes = [s.stop() for s in cls.servers]
        subprocess.run([os.path.join(ROOT, "tests", "pg", "stop.sh"), cls.host], check=False)
        if any(codes):
            raise AssertionError(f"a server exited with {codes}")

    @staticmethod
    def cases_reported(srv, token):
        r = srv.request("GET", f"/api/v1/reports/monthly?month={datetime.date.today():%Y-%m}",
                        token=token)
        assert r.status == 200, r
        return r.json["totals"]["cases"]

    def roles(self):
        return psql(self.cluster, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'lotsen\\_%'"
                                  " ORDER BY 1").stdout.split()

    def databases(self):
        return psql(self.cluster, "SELECT datname FROM pg_database"
                                  " WHERE datname LIKE 'lotsen\\_%' ORDER BY 1").stdout.split()

    # ------------------------------------------------------------------ what tenant add made

    def test_add_makes_a_role_owning_a_database_only_it_may_connect_to(self):
        self.assertEqual(self.url_a, f"postgresql://lotsen_a@/lotsen_a?host={self.host}")
        self.assertNotIn("password", self.url_a)
        pw = re.search(r"^password: (\S+)$", self.add_a, re.M).group(1)
        self.assertGreaterEqual(len(pw), 20)
        self.assertNotIn("password:", self.add_b)  # --no-password
        # The server keeps only the SCRAM verifier; B's role has no password at all.
        rows = psql(self.cluster, "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole,"
                                  " rolcanlogin, coalesce(left(rolpassword, 14), '-')"
                                  " FROM pg_authid WHERE rolname IN ('lotsen_a', 'lotsen_b')"
                                  " ORDER BY 1").stdout.split()
        self.assertEqual(rows, ["lotsen_a|f|f|f|t|SCRAM-SHA-256$", "lotsen_b|f|f|f|t|-"])
        owners = psql(self.cluster, "SELECT datname, pg_get_userbyid(datdba), datacl::text"
                                    " FROM pg_database WHERE datname IN ('lotsen_a', 'lotsen_b')"
                                    " ORDER BY 1").stdout.split()
        self.assertEqual(owners, ["lotsen_a|lotsen_a|{lotsen_a=CTc/lotsen_a}",
                                  "lotsen_b|lotsen_b|{lotsen_b=CTc/lotsen_b}"])
        # No one but the owner creates objects in the schema public.
        acl = psql(self.url_a, "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'")
        self.assertNotRegex(acl.stdout, r"(^|[{,])=[A-Za-z]*C")

    def test_list_shows_the_tenants(self):
        r = lotsen("tenant", "list", "--cluster", self.cluster)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split() for line in r.stdout.splitlines()]
        self.assertIn(["a", "lotsen_a", "lotsen_a"], rows)
        self.assertIn(["b", "lotsen_b", "lotsen_b"], rows)
        self.assertNotIn("lotsen", [row[1] for row in rows])  # the cluster's own database

    # ------------------------------------------------------------------ crossing over HTTP

    def test_users_and_tokens_of_a_are_unknown_to_b(self):
        login = {"username": "kalle.a", "password": "kalles-losenord-a"}
        self.assertEqual(self.a.request("POST", "/api/v1/login", login).status, 200)
        self.assertEqual(self.b.request("POST", "/api/v1/login", login).status, 401)
        r = self.b.request("GET", "/api/v1/users?username=kalle.a", token=self.tok_b)
        self.assertEqual((r.status, r.json["total"]), (200, 0))
        # Both have a demo admin; A's token is A's alone.
        self.assertEqual(self.b.request("GET", "/api/v1/me", token=self.tok_a).status, 401)
        self.assertEqual(self.a.request("GET", "/api/v1/me", token=self.tok_a).status, 200)

    def test_case_of_a_is_not_found_on_b(self):
        cid = self.case_a["id"]
        self.assertEqual(self.a.request("GET", f"/api/v1/cases/{cid}", token=self.tok_a).status, 200)
        r = self.b.request("GET", f"/api/v1/cases/{cid}", token=self.tok_b)
        self.assertEqual(r.status, 404, r)

    def test_lists_and_searches_of_b_show_none_of_a(self):
        pnr = "198112189876"
        r = self.a.read(f"/api/v1/cases?personal_id={pnr}", token=self.tok_a)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([c["id"] for c in r.json["items"]], [self.case_a["id"]])
        r = self.b.read(f"/api/v1/cases?personal_id={pnr}", token=self.tok_b)
        self.assertEqual((r.status, r.json and r.json.get("items")), (200, []), r)
        cid = self.case_a["citizen"]["id"]
        r = self.b.read(f"/api/v1/cases?citizen_id={cid}", token=self.tok_b)
        self.assertEqual((r.status, r.json and r.json.get("items")), (200, []), r)
        r = self.b.read("/api/v1/cases?limit=200", token=self.tok_b)
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("Frågade om trygghetslarm i kommun A.",
                         [c.get("summary") for c in r.json["items"]])

    def test_reports_of_b_count_none_of_a(self):
        self.assertEqual(self.cases_reported(self.a, self.tok_a), self.report_a + 1)
        self.assertEqual(self.cases_reported(self.b, self.tok_b), self.report_b)

    def test_local_holiday_of_a_is_not_in_b_calendar(self):
        today = datetime.date.fromisoformat(
            self.a.request("GET", "/api/v1/public/contact").json["today"])
        day = (today + datetime.timedelta(days=3)).isoformat()
        gid = self.a.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
        hours = self.a.request("GET", f"/api/v1/groups/{gid}", token=self.tok_a).json["opening_hours"]
        hours = dict(hours or {"weekly": {d: [["08:00", "16:00"]] for d in
                                          ("mon", "tue", "wed", "thu", "fri")}})
        hours["exceptions"] = [{"date": day, "hours": []}]  # the municipality's own day off
        r = self.a.request("PATCH", f"/api/v1/groups/{gid}", {"opening_hours": hours},
                           token=self.tok_a)
        self.assertEqual(r.status, 200, r)

        def that_day(srv):
            g = [g for g in srv.request("GET", "/api/v1/public/contact").json["groups"]
                 if g["name"] == "Äldre direkt"][0]
            return [h for h in g["hours"] if h["date"] == day][0]

        self.assertEqual((that_day(self.a)["why"], that_day(self.a)["spans"]), ("exception", []))
        self.assertNotEqual(that_day(self.b)["why"], "exception")
        g = self.b.request("GET", f"/api/v1/groups/{gid}", token=self.tok_b).json
        self.assertNotIn(day, str(g.get("opening_hours")))

    def test_same_number_in_both_is_each_ones_own(self):
        def put_number(srv, token, group_name):
            gid = srv.sql("SELECT id FROM groups WHERE name=?", group_name)[0][0]
            g = srv.request("GET", f"/api/v1/groups/{gid}", token=token).json
            r = srv.request("PATCH", f"/api/v1/groups/{gid}",
                            {"entry_numbers": g["entry_numbers"] + [NUMBER]}, token=token)
            self.assertEqual(r.status, 200, r)
            return gid

        ga = put_number(self.a, self.tok_a, "Äldre direkt")
        gb = put_number(self.b, self.tok_b, "Förskola")
        self.assertNotEqual(ga, gb)

        def owner(srv, token):
            entries = srv.request("GET", "/api/v1/telephony", token=token).json["entries"]
            return [e["group_id"] for e in entries if e["number"] == NUMBER]

        self.assertEqual(owner(self.a, self.tok_a), [ga])
        self.assertEqual(owner(self.b, self.tok_b), [gb])

    # ------------------------------------------------------------------ crossing in PostgreSQL

    def test_role_of_a_cannot_connect_to_database_of_b(self):
        r = psql(f"postgresql://lotsen_a@/lotsen_b?host={self.host}", "SELECT 1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('permission denied for database "lotsen_b"', r.stderr)
        self.assertEqual(psql(self.url_a, "SELECT 1").stdout.strip(), "1")
        # Nor can anyone else who is not the cluster's administrator.
        psql(self.cluster, "CREATE ROLE someone LOGIN")
        r = psql(f"postgresql://someone@/lotsen_a?host={self.host}", "SELECT 1")
        self.assertIn('permission denied for database "lotsen_a"', r.stderr)
        # And no tenant can install a bridge to another database.
        r = psql(self.url_a, "CREATE EXTENSION IF NOT EXISTS dblink")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("permission denied", r.stderr)

    def test_node_with_role_of_a_on_database_of_b_refuses_to_start(self):
        port = free_port()
        r = subprocess.run([BIN, "serve", "--db", f"postgresql://lotsen_a@/lotsen_b?host={self.host}",
                            "--http", f"127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=60, cwd=self.a.dir)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('permission denied for database "lotsen_b"', r.stderr)
        self.assertIn("cannot open database", r.stderr)
        self.assertIn("Permission denied", r.stderr.strip().splitlines()[-1])

    # ------------------------------------------------------------------ tenant add refusing

    def test_bad_names_are_refused_and_nothing_is_made(self):
        roles, dbs = self.roles(), self.databases()
        for name in ("Sollentuna", "solna-kommun", "a b", 'x"; DROP DATABASE lotsen_a; --',
                     "å", "", "s" * 41):
            r = lotsen("tenant", "add", name, "--cluster", self.cluster)
            self.assertEqual(r.returncode, 2, (name, r.stdout, r.stderr))
            if name:
                self.assertIn("bad tenant name", r.stderr)
        self.assertEqual(lotsen("tenant", "add", "s" * 40, "--cluster", self.cluster,
                                "--no-password").returncode, 0)
        self.assertEqual((self.roles(), self.databases()),
                         (sorted(roles + ["lotsen_" + "s" * 40]), sorted(dbs + ["lotsen_" + "s" * 40])))

    def test_existing_tenant_is_refused_and_left_as_it_was(self):
        r = lotsen("tenant", "add", "a", "--cluster", self.cluster)
        self.assertEqual(r.returncode, 2)
        self.assertIn("tenant a exists already", r.stderr)
        self.assertEqual(self.a.request("GET", f"/api/v1/cases/{self.case_a['id']}",
                                        token=self.tok_a).status, 200)
        # A role of that name alone (made by hand) is not taken over either.
        psql(self.cluster, "CREATE ROLE lotsen_c LOGIN")
        r = lotsen("tenant", "add", "c", "--cluster", self.cluster)
        self.assertEqual(r.returncode, 2)
        self.assertIn("role lotsen_c", r.stderr)
        self.assertNotIn("lotsen_c", self.databases())
        self.assertIn("lotsen_c", self.roles())

    def test_failing_step_leaves_nothing_half_made(self):
        # An administrator who may create roles but not databases: the role is made, the
        # database is refused, and the role goes again.
        psql(self.cluster, "CREATE ROLE roles_only LOGIN CREATEROLE")
        roles, dbs = self.roles(), self.databases()
        r = lotsen("tenant", "add", "d", "--cluster", f"postgresql://roles_only@/lotsen?host={self.host}")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("cannot create the database: ERROR:  permission denied", r.stderr)
        self.assertEqual((self.roles(), self.databases()), (roles, dbs))

    def test_administrator_need_not_be_superuser(self):
        psql(self.cluster, "CREATE ROLE tenant_admin LOGIN CREATEROLE CREATEDB")
        admin = f"postgresql://tenant_admin@/lotsen?host={self.host}"
        r = lotsen("tenant", "add", "e", "--cluster", admin, "--no-password")
        self.assertEqual(r.returncode, 0, r.stderr)
        url = re.search(r"^url: (\S+)$", r.stdout, re.M).group(1)
        self.assertEqual(psql(url, "SELECT count(*) FROM users").stdout.strip(), "0")
        self.assertIn("e ", lotsen("tenant", "list", "--cluster", admin).stdout)

    def test_unreachable_cluster_is_a_clear_error(self):
        r = lotsen("tenant", "add", "f", "--cluster", f"postgresql://lotsen@/lotsen?host={self.host}/nowhere")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot connect to the cluster", r.stderr)
        r = lotsen("tenant", "add", "f", "--cluster", f"postgresql://nobody_here@/lotsen?host={self.host}")
        self.assertEqual(r.returncode, 1)
        self.assertIn('role "nobody_here" does not exist', r.stderr)
        self.assertNotIn("lotsen_f", self.databases())
        self.assertEqual(lotsen("tenant", "add", "--cluster", self.cluster).returncode, 2)  # no name


if __name__ == "__main__":
    unittest.main()
