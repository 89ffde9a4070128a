"""Login, tokens and role checks over real HTTP."""
from harness import ServerTest


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
        r = self.api("GET", "/api/v1/users?limit=5")
        self.assertEqual(r.status, 200)
        for u in r.json["items"]:
            self.assertNotIn("password", u)
            self.assertNotIn("password_hash", u)
