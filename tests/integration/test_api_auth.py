"""Login, tokens and role checks over real HTTP."""
import http.client
import json
import threading

from harness import Response, ServerTest


class AuthTest(ServerTest):
    def test_healthz_needs_no_login(self):
        r = self.srv.request("GET", "/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")

    def test_login_gives_token_and_me(self):
        r = self.srv.request("POST", "/api/v1/login", {"username": "anna", "password": "lotsen-demo"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["token"]), 43)
        self.assertEqual(r.json["role"], "agent")
        me = self.srv.request("GET", "/api/v1/me", token=r.json["token"])
        self.assertEqual(me.status, 200)
        self.assertEqual(me.json["username"], "anna")
        self.assertTrue(any(g["name"] == "Äldre direkt" for g in me.json["groups"]))

    def test_wrong_password_is_401_and_audited(self):
        r = self.srv.request("POST", "/api/v1/login", {"username": "anna", "password": "fel-lösenord"})
        self.assertProblem(r, 401)
        rows = self.srv.sql("SELECT action, detail FROM audit_log WHERE action='login_failed'")
        self.assertIn(("login_failed", "anna"), rows)

    def test_unknown_user_is_401(self):
        r = self.srv.request("POST", "/api/v1/login", {"username": "ingen", "password": "whatever123"})
        self.assertProblem(r, 401)

    def test_login_missing_fields_names_them(self):
        r = self.srv.request("POST", "/api/v1/login", {"username": 5})
        self.assertProblem(r, 400, "username")
        self.assertIn("password", [e["field"] for e in r.json["errors"]])

    def test_missing_token_is_401(self):
        r = self.srv.request("GET", "/api/v1/cases")
        self.assertProblem(r, 401)
        self.assertIn("Bearer", r.json["detail"])

    def test_garbage_token_is_401(self):
        r = self.srv.request("GET", "/api/v1/cases", token="x" * 43)
        self.assertProblem(r, 401)

    def test_logout_ends_the_token(self):
        tok = self.srv.login("erik")
        self.assertEqual(self.srv.request("POST", "/api/v1/logout", token=tok).status, 204)
        self.assertProblem(self.srv.request("GET", "/api/v1/me", token=tok), 401)

    def test_agent_may_not_create_users(self):
        r = self.api("POST", "/api/v1/users", {"username": "x1", "display_name": "X", "role": "admin",
                                                "password": "abcdefghijk"}, user="anna")
        self.assertProblem(r, 403)

    def test_client_viewer_may_not_log_cases_or_read_users(self):
        r = self.api("POST", "/api/v1/cases", {}, user="viewer.aldre")
        self.assertProblem(r, 403)
        r = self.api("GET", "/api/v1/users", user="viewer.aldre")
        self.assertProblem(r, 403)
        r = self.api("GET", "/api/v1/audit", user="anna")
        self.assertProblem(r, 403)

    def test_swedish_by_default_english_on_request(self):
        r = self.srv.request("GET", "/api/v1/cases")
        self.assertEqual(r.json["title"], "Inloggning krävs")
        r = self.srv.request("GET", "/api/v1/cases", headers={"Accept-Language": "en-GB,en;q=0.8"})
        self.assertEqual(r.json["title"], "Login required")

    def test_unknown_path_and_method(self):
        self.assertProblem(self.srv.request("GET", "/api/v1/nothing-here"), 404)
        self.assertProblem(self.api("DELETE", "/api/v1/cases"), 405)

    def test_deactivated_user_loses_access(self):
        r = self.api("POST", "/api/v1/users", {"username": "tillfallig", "display_name": "Tillfällig",
                                                "role": "agent", "password": "langt-losenord"})
        self.assertEqual(r.status, 201, r)
        tok = self.srv.login("tillfallig", "langt-losenord")
        self.assertEqual(self.api("PATCH", f"/api/v1/users/{r.json['id']}", {"active": False}).status, 200)
        self.assertProblem(self.srv.request("GET", "/api/v1/me", token=tok), 401)
        r = self.srv.request("POST", "/api/v1/login", {"username": "tillfallig", "password": "langt-losenord"})
        self.assertProblem(r, 401)

    def test_password_is_stored_as_argon2id_and_never_returned(self):
        rows = self.srv.sql("SELECT password_hash FROM users WHERE username='admin'")
        self.assertTrue(rows[0][0].startswith("$argon2id$"))
        # a password Lotsen sets gets the interactive cost: 64 MiB, two passes (the demo
        # users of the test templates have a lighter one, harness.light_demo_hash)
        r = self.api("POST", "/api/v1/users", {"username": "kostnad", "display_name": "Kostnad",
                                               "role": "agent", "password": "langt-losenord"})
        self.assertEqual(r.status, 201, r)
        rows = self.srv.sql("SELECT password_hash FROM users WHERE username='kostnad'")
        self.assertTrue(rows[0][0].startswith("$argon2id$v=19$m=65536,t=2,p=1$"), rows[0][0])
        r = self.api("GET", "/api/v1/users?limit=5")
        self.assertEqual(r.status, 200)
        for u in r.json["items"]:
            self.assertNotIn("password", u)
            self.assertNotIn("password_hash", u)


def login_from(srv, source, username, password):
    """A login sent from another loopback address (the whole of 127.0.0.0/8 is ours)."""
    con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60, source_address=(source, 0))
    try:
        con.request("POST", "/api/v1/login", json.dumps({"username": username, "password": password}),
                    {"Content-Type": "application/json"})
        r = con.getresponse()
        body = r.read().decode()
        return Response(r.status, dict(r.getheaders()), body)
    finally:
        con.close()


class LoginThrottleTest(ServerTest):
    """Wrong passwords are limited per username and per address; the server's own limits
    are set low here so the tests stay short."""
    extra = ("--login-limit", "3/600", "--login-address-limit", "4/600")

    def assertThrottled(self, r):
        self.assertProblem(r, 429)
        self.assertTrue(r.json["type"].endswith("problem-too-many-logins"), r.json)
        self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)

    def test_right_password_after_too_many_wrong_ones_is_429(self):
        for _ in range(3):
            self.assertProblem(login_from(self.srv, "127.0.2.1", "sara", "fel-lösenord"), 401)
        self.assertThrottled(login_from(self.srv, "127.0.2.1", "sara", "fel-lösenord"))
        # The right password too, and from another address: the username is locked for now.
        self.assertThrottled(login_from(self.srv, "127.0.2.1", "sara", "lotsen-demo"))
        self.assertThrottled(login_from(self.srv, "127.0.2.2", "sara", "lotsen-demo"))
        # Other users are not held up.
        self.assertEqual(login_from(self.srv, "127.0.2.3", "anna", "lotsen-demo").status, 200)
        logs = self.srv.logs()
        self.assertIn("auth.login_throttled", logs)
        self.assertIn('user="sara" addr=127.0.2.1', logs)

    def test_unknown_usernames_count_as_wrong_passwords(self):
        for i in range(3):
            self.assertProblem(login_from(self.srv, "127.0.3.1", "finns-inte", f"gissning-{i}"), 401)
        self.assertThrottled(login_from(self.srv, "127.0.3.1", "finns-inte", "gissning"))

    def test_one_address_trying_many_usernames_is_429(self):
        for i in range(4):
            self.assertProblem(login_from(self.srv, "127.0.4.1", f"gissad{i}", "fel-lösenord"), 401)
        r = login_from(self.srv, "127.0.4.1", "lars", "lotsen-demo")
        self.assertThrottled(r)
        self.assertIn("addr=127.0.4.1", self.srv.logs())
        # Another address is not affected.
        self.assertEqual(login_from(self.srv, "127.0.4.2", "lars", "lotsen-demo").status, 200)

    def test_concurrent_logins_all_get_their_own_answer(self):
        """The passwords are checked on worker threads: each answer still matches its login."""
        users = ["admin", "anna", "erik", "peter"] * 2
        results = {}

        def one(i, user):
            pw = "lotsen-demo" if i % 2 == 0 else "fel-men-langt"
            results[i] = (pw, login_from(self.srv, f"127.0.5.{i + 1}", user, pw))

        threads = [threading.Thread(target=one, args=(i, u)) for i, u in enumerate(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(len(results), len(users))
        for i, (pw, r) in results.items():
            if pw == "lotsen-demo":
                self.assertEqual(r.status, 200, r)
                me = self.srv.request("GET", "/api/v1/me", token=r.json["token"])
                self.assertEqual(me.json["username"], users[i])
            else:
                self.assertProblem(r, 401)
