"""The wall screens' logins and the wallboard's figures: an admin issues a display (its token
shown once, only its hash kept, never listed, never logged), the display reads the board
and nothing else (every other route of the API answers 403), its revocation answers 401
at the next request and ends its open live stream; the groups' targets are stored and
checked with the group; the board counts e-mails waiting and the oldest."""
import http.client
import re
import socket

from harness import ServerTest

# What a display may call: its board's figures, the live stream and the steering line.
DISPLAY_ROUTES = {("GET", "/api/v1/wallboard"), ("GET", "/api/v1/acd/stream"),
                  ("GET", "/api/v1/wfm/summary")}


class WallboardApiTest(ServerTest):
    def issue(self, name="Väggen i Kontaktcenter", groups=None, user="admin"):
        body = {"name": name}
        if groups is not None:
            body["groups"] = groups
        r = self.api("POST", "/api/v1/displays", body, user=user)
        self.assertEqual(r.status, 201, r)
        return r.json

    def display(self, tok, method="GET", path="/api/v1/wallboard", body=None):
        return self.srv.request(method, path, body, token=tok)

    # --- issuing, listing, revoking -----------------------------------------------------

    def test_issue_list_and_revoke(self):
        d = self.issue(groups=[1, 2])
        tok = d["token"]
        self.assertEqual(len(tok), 43)
        self.assertEqual(d["login_path"], "/wallboard.html?kiosk=1#token=" + tok)
        self.assertEqual(d["groups"], [1, 2])
        # only a hash is kept
        stored = self.srv.sql("SELECT token_hash FROM displays WHERE id=?", d["id"])[0][0]
        self.assertEqual(len(stored), 32)
        self.assertNotIn(tok.encode(), stored)
        # the list never shows the token
        r = self.api("GET", "/api/v1/displays")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(tok, r.body)
        row = [x for x in r.json["items"] if x["id"] == d["id"]][0]
        self.assertEqual((row["name"], row["groups"], row["revoked_at"]), ("Väggen i Kontaktcenter", [1, 2], None))
        self.assertNotIn("token", row)
        self.assertNotIn("token_hash", row)
        # the display reads its board: only its groups, and no one's name
        r = self.display(tok)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([g["group_id"] for g in r.json["groups"]], [1, 2])
        self.assertEqual(r.json["display"], {"id": d["id"], "name": "Väggen i Kontaktcenter"})
        # … and its planning figures only for those groups too, while staff see every group
        r = self.display(tok, path="/api/v1/wfm/summary")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(g["group_id"] for g in r.json["groups"]), [1, 2])
        staff = self.api("GET", "/api/v1/wfm/summary")
        self.assertGreater(len(staff.json["groups"]), 2)
        names = [x[0] for x in self.srv.sql("SELECT display_name FROM users")]
        for n in names:
            self.assertNotIn(n, r.body)
        # revoked: the next request is 401, a second revoke is 409, the list shows when
        r = self.api("DELETE", f"/api/v1/displays/{d['id']}")
        self.assertEqual(r.status, 204, r)
        self.assertProblem(self.display(tok), 401)
        self.assertProblem(self.api("DELETE", f"/api/v1/displays/{d['id']}"), 409)
        self.assertProblem(self.api("DELETE", "/api/v1/displays/987654"), 404)
        row = [x for x in self.api("GET", "/api/v1/displays").json["items"] if x["id"] == d["id"]][0]
        self.assertIsNotNone(row["revoked_at"])
        # issuing and revoking are audited, without the token
        audit = self.srv.sql("SELECT action, detail FROM audit_log WHERE entity='display' AND entity_id=?"
                             " ORDER BY id", d["id"])
        self.assertEqual([a[0] for a in audit], ["create", "revoke"])
        self.assertNotIn(tok, repr(audit))
        # and the token is in no log line
        self.assertNotIn(tok, self.srv.logs())

    def test_bad_input_writes_nothing(self):
        before = self.srv.sql("SELECT count(*) FROM displays")[0][0]
        self.assertProblem(self.api("POST", "/api/v1/displays", {}), 422, "name")
        self.assertProblem(self.api("POST", "/api/v1/displays", {"name": ""}), 422, "name")
        self.assertProblem(self.api("POST", "/api/v1/displays", {"name": 7}), 422, "name")
        self.assertProblem(self.api("POST", "/api/v1/displays", {"name": "x" * 121}), 422, "name")
        self.assertProblem(self.api("POST", "/api/v1/displays", {"name": "Vägg", "groups": "1"}), 422, "groups")
        self.assertProblem(self.api("POST", "/api/v1/displays", {"name": "Vägg", "groups": [1, "2"]}), 422, "groups")
        self.assertProblem(self.api("POST", "/api/v1/displays", {"name": "Vägg", "groups": [987654]}), 422, "groups")
        self.assertProblem(self.srv.request("POST", "/api/v1/displays", raw=b"{nope",
                                            token=self.token("admin")), 400)
        self.assertEqual(self.srv.sql("SELECT count(*) FROM displays")[0][0], before)
        self.assertEqual(self.srv.sql("SELECT count(*) FROM audit_log WHERE entity='display' AND action='create'")[0][0],
                         before)

    def test_only_admins_manage_displays(self):
        d = self.issue()
        for user in ("anna", "lead.aldre", "chef.stod", "viewer.aldre"):
            self.assertProblem(self.api("POST", "/api/v1/displays", {"name": "x"}, user=user), 403)
            self.assertProblem(self.api("GET", "/api/v1/displays", user=user), 403)
            self.assertProblem(self.api("DELETE", f"/api/v1/displays/{d['id']}", user=user), 403)
        self.assertProblem(self.srv.request("GET", "/api/v1/displays"), 401)
        # staff see the board too (all groups); a department's viewer does not
        r = self.api("GET", "/api/v1/wallboard", user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["display"])
        self.assertProblem(self.api("GET", "/api/v1/wallboard", user="viewer.aldre"), 403)

    # --- the route × role matrix for the wallboard role ---------------------------------

    def test_display_is_refused_every_other_route(self):
        tok = self.issue()["token"]
        doc = self.api("GET", "/api/v1/openapi.json").json
        checked = 0
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                    continue
                key = (method.upper(), path)
                roles = op.get("x-roles", [])
                if not roles:
                    continue  # public: login, health, the citizens' forms
                self.assertEqual("wallboard" in roles, key in DISPLAY_ROUTES, key)
                if key in DISPLAY_ROUTES:
                    continue
                concrete = re.sub(r"\{[^}]+\}", "1", path)
                r = self.display(tok, method.upper(), concrete, {} if method.upper() in ("POST", "PUT", "PATCH") else None)
                self.assertProblem(r, 403)
                checked += 1
        self.assertGreater(checked, 100)
        for path in ("/api/v1/wallboard", "/api/v1/wfm/summary"):
            self.assertEqual(self.display(tok, "GET", path).status, 200, path)

    def test_revoke_ends_the_open_stream(self):
        d = self.issue(groups=[2])
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=20)
        conn.request("GET", "/api/v1/acd/stream?access_token=" + d["token"])
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        first = b""
        while b"\n\n" not in first.split(b"retry: 2000\n\n", 1)[-1]:
            first += resp.read1(4096)
        # only its own group's snapshot, never an agent's state
        self.assertIn(b'"group_id":2', first)
        self.assertNotIn(b'"group_id":1,', first)
        self.assertNotIn(b"event: agent", first)
        self.assertEqual(self.api("DELETE", f"/api/v1/displays/{d['id']}").status, 204)
        rest = b""
        try:
            while True:
                chunk = resp.read1(4096)
                if not chunk:
                    break
                rest += chunk
        except (socket.timeout, TimeoutError):
            self.fail("the revoked display's stream stayed open")
        conn.close()
        self.assertProblem(self.srv.request("GET", "/api/v1/acd/stream?access_token=" + d["token"]), 401)

    # --- targets with the group ---------------------------------------------------------

    def test_group_targets_are_stored_and_checked(self):
        t = {"target_sl_pct": 85, "target_sl_s": 60, "wait_warn_s": 60, "wait_alarm_s": 120,
             "abandon_warn_pct": 5, "abandon_alarm_pct": 10}
        r = self.api("PATCH", "/api/v1/groups/3", t)
        self.assertEqual(r.status, 200, r)
        for k, v in t.items():
            self.assertEqual(r.json[k], v, k)
        board = self.api("GET", "/api/v1/wallboard").json
        g = [x for x in board["groups"] if x["group_id"] == 3][0]
        self.assertEqual(g["targets"], t)
        # warn above alarm, against what is stored; seconds the statistics do not count
        self.assertProblem(self.api("PATCH", "/api/v1/groups/3", {"wait_warn_s": 300}), 422, "wait_warn_s")
        self.assertProblem(self.api("PATCH", "/api/v1/groups/3", {"abandon_alarm_pct": 2}), 422, "abandon_alarm_pct")
        self.assertProblem(self.api("PATCH", "/api/v1/groups/3", {"target_sl_s": 30}), 422, "target_sl_s")
        self.assertProblem(self.api("PATCH", "/api/v1/groups/3", {"target_sl_pct": 101}), 422, "target_sl_pct")
        self.assertProblem(self.api("PATCH", "/api/v1/groups/3", {"wait_alarm_s": "2"}), 422, "wait_alarm_s")
        self.assertEqual(self.srv.sql("SELECT wait_warn_s, abandon_alarm_pct, target_sl_s FROM groups WHERE id=3"),
                         [(60, 10, 60)])
        # cleared again: not judged
        r = self.api("PATCH", "/api/v1/groups/3", {k: None for k in t})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.srv.sql("SELECT target_sl_pct, wait_alarm_s FROM groups WHERE id=3"), [(None, None)])

    # --- e-mail waiting -----------------------------------------------------------------

    def test_board_counts_emails_waiting_and_the_oldest(self):
        before = self.api("GET", "/api/v1/wallboard").json["email"]
        exp = self.srv.sql("SELECT count(*), min(received_at) FROM cases WHERE channel='email' AND status='open'")[0]
        self.assertEqual((before["waiting"], before["oldest_received_at"]), exp)
        metrics = self.srv.request("GET", "/metrics").body
        m = re.search(r"^lotsen_mail_cases_open (\d+)$", metrics, re.M)
        if m:  # /metrics may be limited to some addresses; the same figure when shown
            self.assertEqual(int(m.group(1)), before["waiting"])
