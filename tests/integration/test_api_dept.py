"""Issue 15, the departments' side and the case's life over real HTTP: case status and its
conflicts, If-Match/ETag, the department's acts on a handover, sub-units, attachments with
their limits, and every new route for every role."""
import os
import shutil
import tempfile

from harness import ServerTest, on_pg

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ROLES = {"agent": "anna", "group_lead": "lead.aldre", "manager": "chef.stod", "admin": "admin",
         "client_viewer": "viewer.aldre"}


class DeptTest(ServerTest):
    # Attachments in a directory of their own (`--files`), as several nodes sharing one
    # mount have them, on SQLite and on PostgreSQL alike.
    FILES = tempfile.mkdtemp(prefix="lotsen-files-")
    extra = ("--attachment-max-bytes", "4096", "--files", FILES)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        cls.group = s.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
        cls.client = s.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0]
        cls.cat_resolve = s.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0]
        cls.cat_handover = s.sql("SELECT id FROM categories WHERE name LIKE 'Biståndsbedömning%'")[0][0]
        cls.files = s.files  # the --files directory above
        assert cls.files == cls.FILES

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.FILES, ignore_errors=True)

    def create(self, handover=True, user="anna", **kw):
        c = {"group_id": self.group, "client_id": self.client, "channel": "phone",
             "summary": "Ansökan om hemtjänst, ring upp."}
        if handover:
            c.update(category_id=self.cat_handover, outcome="handed_over",
                     handover=handover if isinstance(handover, dict)
                     else {"message": "Kontakta medborgaren om beslut."})
        else:
            c.update(category_id=self.cat_resolve, outcome="resolved")
        c.update(kw)
        r = self.api("POST", "/api/v1/cases", c, user=user)
        self.assertEqual(r.status, 201, r)
        return r.json

    def history(self, case_id):
        return self.srv.sql("SELECT field, old_value, new_value FROM case_history WHERE case_id=? ORDER BY id", case_id)

    # --- status ---------------------------------------------------------------------------

    def test_new_cases_get_a_status_from_their_outcome(self):
        self.assertEqual(self.create()["status"], "waiting_for_department")
        c = self.create(handover=False)
        self.assertEqual((c["status"], c["closed_by"] is not None), ("closed", True))
        self.assertEqual(self.create(handover=False, status="open")["status"], "open")
        r = self.api("POST", "/api/v1/cases", {"group_id": self.group, "client_id": self.client,
                     "category_id": self.cat_resolve, "channel": "phone", "outcome": "resolved",
                     "summary": "x", "status": "half-done"}, user="anna")
        self.assertProblem(r, 422, "status")

    def test_close_twice_is_a_conflict_and_nothing_changes(self):
        c = self.create(handover=False, status="open")
        self.assertProblem(self.api("POST", f"/api/v1/cases/{c['id']}/status", {"status": "closed"}, user="anna"),
                           422, "reason")
        r = self.api("POST", f"/api/v1/cases/{c['id']}/status",
                     {"status": "closed", "reason": "Besked lämnat.", "citizen_informed": "email"}, user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["citizen_informed"], r.json["closing_reason"]),
                         ("closed", "email", "Besked lämnat."))
        before = self.history(c["id"])
        self.assertProblem(self.api("POST", f"/api/v1/cases/{c['id']}/status",
                                    {"status": "closed", "reason": "Igen."}, user="anna"), 409)
        self.assertProblem(self.api("POST", f"/api/v1/cases/{c['id']}/status",
                                    {"status": "waiting_for_citizen"}, user="anna"), 409)
        self.assertEqual(self.history(c["id"]), before)
        for bad in ({"status": "waiting_for_department"}, {"status": 3}, {"status": "open", "extra": 1},
                    {"status": "closed", "reason": "x", "citizen_informed": "fax"}):
            self.assertProblem(self.api("POST", f"/api/v1/cases/{c['id']}/status", bad, user="anna"), 422)
        self.assertProblem(self.api("POST", "/api/v1/cases/987654/status", {"status": "open"}, user="anna"), 404)
        r = self.srv.request("POST", f"/api/v1/cases/{c['id']}/status", raw=b"{not json",
                             token=self.token("anna"))
        self.assertProblem(r, 400)
        self.assertEqual(self.history(c["id"]), before)
        # reopened and listed by status
        self.assertEqual(self.api("POST", f"/api/v1/cases/{c['id']}/status", {"status": "open"},
                                  user="anna").json["status"], "open")
        listed = self.api("GET", "/api/v1/cases?status=open&limit=500", user="anna").json["items"]
        self.assertIn(c["id"], [x["id"] for x in listed])
        self.assertTrue(all(x["status"] == "open" for x in listed))
        self.assertProblem(self.api("GET", "/api/v1/cases?status=half", user="anna"), 400)

    def test_etag_and_if_match(self):
        c = self.create(handover=False, status="open")
        r = self.api("GET", f"/api/v1/cases/{c['id']}", user="anna")
        etag = r.headers["ETag"]
        self.assertEqual(etag, f'"{r.json["version"]}"')
        # the first writer wins, the second gets 412 and nothing is written
        ok = self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "Först."}, user="anna",
                      headers={"If-Match": etag})
        self.assertEqual(ok.status, 200, ok)
        self.assertNotEqual(ok.headers["ETag"], etag)
        stale = self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "Sist."}, user="erik",
                         headers={"If-Match": etag})
        self.assertProblem(stale, 412)
        self.assertEqual(stale.headers["ETag"], ok.headers["ETag"])
        self.assertEqual(self.srv.sql("SELECT summary FROM cases WHERE id=?", c["id"]), [("Först.",)])
        self.assertProblem(self.api("POST", f"/api/v1/cases/{c['id']}/status", {"status": "waiting_for_citizen"},
                                    user="anna", headers={"If-Match": etag}), 412)
        self.assertProblem(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "W."}, user="anna",
                                    headers={"If-Match": "W/" + ok.headers["ETag"]}), 412)
        self.assertEqual(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "Alla."}, user="anna",
                                  headers={"If-Match": "*"}).status, 200)
        # without If-Match: as before
        self.assertEqual(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "Utan."}, user="erik").status, 200)
        # a handover's answer checks its case's version
        h = self.create()
        hid = h["handovers"][0]["id"]
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "Ja."}, user="viewer.aldre",
                                    headers={"If-Match": '"1"'}), 412)
        self.assertEqual(self.srv.sql("SELECT status FROM handovers WHERE id=?", hid), [("open",)])

    # --- the department -------------------------------------------------------------------

    def test_department_answers_and_the_agent_hears(self):
        c = self.create()
        hid = c["handovers"][0]["id"]
        anna = self.srv.sql("SELECT id FROM users WHERE username='anna'")[0][0]
        notes = self.srv.sql("SELECT COUNT(*) FROM notifications WHERE user_id=?", anna)[0][0]
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "x"}, user="viewer.trafik"), 403)
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "x", "via": "phone"},
                                    user="viewer.aldre"), 422, "via")
        r = self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "Beslut skickat."}, user="viewer.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "open")
        self.assertEqual(r.json["handovers"][0]["status"], "answered")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM notifications WHERE user_id=?", anna)[0][0], notes + 1)
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "Igen."}, user="viewer.aldre"), 409)
        # ask back, the center replies, then the department closes
        c = self.create()
        hid = c["handovers"][0]["id"]
        r = self.api("POST", f"/api/v1/handovers/{hid}/question", {"question": "Vilket datum?"}, user="viewer.aldre")
        self.assertEqual((r.status, r.json["status"], r.json["handovers"][0]["status"]), (200, "open", "question"))
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{hid}/reply", {"reply": "x"}, user="viewer.aldre"), 403)
        r = self.api("POST", f"/api/v1/handovers/{hid}/reply", {"reply": "Den 3 juni."}, user="anna")
        self.assertEqual(r.json["status"], "waiting_for_department")
        r = self.api("POST", f"/api/v1/handovers/{hid}/answer",
                     {"answer": "Beviljat.", "close": True, "citizen_informed": "letter"}, user="viewer.aldre")
        self.assertEqual((r.json["status"], r.json["closing_reason"], r.json["citizen_informed"]),
                         ("closed", "Beviljat.", "letter"))
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{hid}/takeover", {"text": "x"}, user="viewer.aldre"), 409)
        # staff record an answer given by phone; a take-over closes the center's part
        c = self.create()
        r = self.api("POST", f"/api/v1/handovers/{c['handovers'][0]['id']}/answer",
                     {"answer": "Ringde och svarade.", "via": "phone"}, user="erik")
        self.assertEqual(r.json["handovers"][0]["answered_via"], "phone")
        c = self.create()
        r = self.api("POST", f"/api/v1/handovers/{c['handovers'][0]['id']}/takeover", {"text": "Vi tar det."},
                     user="viewer.aldre")
        self.assertEqual((r.json["status"], r.json["handovers"][0]["status"]), ("closed", "taken_over"))
        self.assertProblem(self.api("POST", "/api/v1/handovers/987654/question", {"question": "x"}, user="viewer.aldre"), 404)

    def test_department_sees_only_its_own_and_overdue_first(self):
        a = self.create()
        late = self.create()
        # a handover due in the past cannot be made through the API (as an operator would)
        self.srv.sql("UPDATE handovers SET due_date='2020-01-02' WHERE id=?", late["handovers"][0]["id"])
        items = self.api("GET", "/api/v1/handovers?open=true&limit=1000", user="viewer.aldre").json["items"]
        self.assertEqual(items[0]["id"], late["handovers"][0]["id"])
        self.assertTrue(items[0]["overdue"])
        self.assertLess(items[0]["working_days_left"], 0)
        self.assertIn(a["handovers"][0]["id"], [h["id"] for h in items])
        self.assertTrue(all(h["client_id"] == self.client for h in items))
        other = self.api("GET", "/api/v1/handovers?open=true&limit=1000", user="viewer.trafik").json["items"]
        self.assertNotIn(a["handovers"][0]["id"], [h["id"] for h in other])
        self.assertProblem(self.api("GET", f"/api/v1/cases/{a['id']}/attachments", user="viewer.trafik"), 403)
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{a['handovers'][0]['id']}/takeover", {"text": "x"},
                                    user="viewer.trafik"), 403)

    def test_sub_units(self):
        r = self.api("POST", "/api/v1/client_units", {"client_id": self.client, "name": "Hemtjänst norr"})
        self.assertEqual(r.status, 201, r)
        unit = r.json["id"]
        other = self.srv.sql("SELECT id FROM clients WHERE id <> ? LIMIT 1", self.client)[0][0]
        self.assertEqual(self.api("POST", "/api/v1/client_units", {"client_id": self.client, "name": "Hemtjänst norr"}).status, 409)
        c = self.create(handover={"message": "Till norr.", "client_unit_id": unit})
        self.assertEqual((c["client_unit_id"], c["client_unit"]), (unit, "Hemtjänst norr"))
        items = self.api("GET", f"/api/v1/handovers?client_unit_id={unit}", user="viewer.aldre").json["items"]
        self.assertEqual([h["case_id"] for h in items], [c["id"]])
        self.assertEqual([x["id"] for x in self.api("GET", f"/api/v1/cases?client_unit_id={unit}", user="anna").json["items"]],
                         [c["id"]])
        # a sub-unit of another department is refused, nothing written
        before = self.srv.sql("SELECT COUNT(*) FROM cases")[0][0]
        r2 = self.api("POST", "/api/v1/client_units", {"client_id": other, "name": "Annan"})
        r = self.api("POST", "/api/v1/cases", {"group_id": self.group, "client_id": self.client, "channel": "phone",
                     "category_id": self.cat_handover, "outcome": "handed_over", "summary": "x",
                     "handover": {"message": "x", "client_unit_id": r2.json["id"]}}, user="anna")
        self.assertProblem(r, 422, "handover.client_unit_id")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM cases")[0][0], before)

        # the department's report per sub-unit and per category, and narrowed to either
        import datetime
        import zoneinfo
        month = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Stockholm")).strftime("%Y-%m")
        r = self.api("GET", f"/api/v1/reports/period?period={month}", user="viewer.aldre")
        self.assertEqual(r.status, 200, r)
        units = {u["client_unit_id"]: u for u in r.json["breakdowns"]["client_units"]}
        self.assertEqual((units[unit]["client_unit_name"], units[unit]["cases"]), ("Hemtjänst norr", 1))
        cats = {x["category_id"]: x["cases"] for x in r.json["breakdowns"]["categories"]}
        self.assertEqual(sum(cats.values()), r.json["totals"]["cases"])
        self.assertEqual(sum(u["cases"] for u in units.values()), r.json["totals"]["cases"])
        r = self.api("GET", f"/api/v1/reports/period?period={month}&client_unit_id={unit}", user="viewer.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["client_unit_id"], r.json["totals"]["cases"], r.json["totals"]["handed_over"]),
                         (unit, 1, 1))
        r = self.api("GET", f"/api/v1/reports/period?period={month}&category_id={self.cat_handover}",
                     user="viewer.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["totals"]["cases"], cats[self.cat_handover])
        self.assertEqual([x["category_id"] for x in r.json["breakdowns"]["categories"]], [self.cat_handover])
        # another department's sub-unit, unknown and bad ids
        self.assertProblem(self.api("GET", f"/api/v1/reports/period?period={month}&client_unit_id={r2.json['id']}",
                                    user="viewer.aldre"), 403)
        self.assertProblem(self.api("GET", f"/api/v1/reports/period?period={month}&client_unit_id=99999"), 404)
        self.assertProblem(self.api("GET", f"/api/v1/reports/period?period={month}&category_id=99999"), 404)
        self.assertProblem(self.api("GET", f"/api/v1/reports/period?period={month}&category_id=x"), 400,
                           "category_id")

    def test_lead_sees_what_waited_longest(self):
        self.create()
        r = self.api("GET", "/api/v1/cases/waiting?limit=5", user="lead.aldre")
        self.assertEqual(r.status, 200, r)
        at = [x["status_changed_at"] for x in r.json["items"]]
        self.assertEqual(at, sorted(at))
        self.assertTrue(all(x["status"] != "closed" for x in r.json["items"]))

    # --- attachments ----------------------------------------------------------------------

    def upload(self, case_id, data, ctype, name="brev.pdf", user="anna"):
        return self.srv.request("POST", f"/api/v1/cases/{case_id}/attachments?filename={name}", raw=data,
                                token=self.token(user), headers={"Content-Type": ctype})

    def test_attachments(self):
        c = self.create()
        r = self.upload(c["id"], PDF, "application/pdf", name="Skannat brev å.pdf")
        self.assertEqual(r.status, 201, r)
        att = r.json
        stored = self.srv.sql("SELECT stored_name FROM attachments WHERE id=?", att["id"])[0][0]
        path = os.path.join(self.files, "cases", str(c["id"]), stored)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), PDF)
        # whoever may read the case may read the file, audited
        for user in ("anna", "viewer.aldre", "admin"):
            r = self.srv.request("GET", f"/api/v1/attachments/{att['id']}", token=self.token(user))
            self.assertEqual(r.status, 200, (user, r))
            self.assertEqual(r.headers["Content-Type"], "application/pdf")
            self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
            self.assertTrue(r.headers["Content-Disposition"].startswith("attachment;"))
        self.assertTrue(self.srv.sql("SELECT 1 FROM audit_log a JOIN users u ON u.id=a.user_id WHERE a.action='read'"
                                     " AND a.entity='attachment' AND a.entity_id=? AND u.username='viewer.aldre'", att["id"]))
        self.assertProblem(self.srv.request("GET", f"/api/v1/attachments/{att['id']}", token=self.token("viewer.trafik")), 403)
        listed = self.api("GET", f"/api/v1/cases/{c['id']}/attachments", user="viewer.aldre").json["items"]
        self.assertEqual([(a["filename"], a["size"]) for a in listed], [("Skannat brev å.pdf", len(PDF))])
        # limits: nothing is written on any of them
        rows = self.srv.sql("SELECT COUNT(*) FROM attachments")[0][0]
        files = sum(len(fs) for _, _, fs in os.walk(self.files))
        self.assertProblem(self.upload(c["id"], b"%PDF-" + b"x" * 5000, "application/pdf"), 413)
        self.assertProblem(self.upload(c["id"], b"MZ\x90\x00", "application/x-msdownload", name="a.exe"), 415)
        self.assertProblem(self.upload(c["id"], b"<html>", "application/pdf"), 415)  # not what it says
        self.assertProblem(self.upload(c["id"], b"a\x00b", "text/plain", name="a.txt"), 415)
        self.assertProblem(self.upload(987654, PDF, "application/pdf"), 404)
        self.assertProblem(self.upload(c["id"], PDF, "application/pdf", name="..%2Fx"), 422, "filename")
        self.assertProblem(self.upload(c["id"], b"", "text/plain", name="tom.txt"), 422, "body")
        self.assertProblem(self.upload(c["id"], PDF, "application/pdf", user="viewer.aldre"), 403)
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM attachments")[0][0], rows)
        self.assertEqual(sum(len(fs) for _, _, fs in os.walk(self.files)), files)
        # a photo, then removed by a writer: row and file gone
        r = self.upload(c["id"], PNG, "image/png", name="foto.png")
        self.assertEqual(r.status, 201, r)
        png = self.srv.sql("SELECT stored_name FROM attachments WHERE id=?", r.json["id"])[0][0]
        self.assertProblem(self.api("DELETE", f"/api/v1/attachments/{r.json['id']}", user="viewer.aldre"), 403)
        self.assertEqual(self.api("DELETE", f"/api/v1/attachments/{r.json['id']}", user="anna").status, 204)
        self.assertFalse(os.path.exists(os.path.join(self.files, "cases", str(c["id"]), png)))
        self.assertProblem(self.api("GET", f"/api/v1/attachments/{r.json['id']}", user="anna"), 404)

    # --- every new route × every role -----------------------------------------------------

    def test_route_role_matrix(self):
        c = self.create(handover=False, status="open")
        h = self.create()
        hid = h["handovers"][0]["id"]
        att = self.upload(h["id"], PDF, "application/pdf").json["id"]
        # (method, path, body, roles allowed past the route's role check)
        staff = {"agent", "group_lead", "manager", "admin"}
        routes = [
            ("POST", f"/api/v1/cases/{c['id']}/status", {"status": "bogus"}, staff),
            ("GET", "/api/v1/cases/waiting", None, {"group_lead", "manager", "admin"}),
            ("POST", f"/api/v1/handovers/{hid}/question", {"question": ""}, staff | {"client_viewer"}),
            ("POST", f"/api/v1/handovers/{hid}/reply", {"reply": ""}, staff),
            ("POST", f"/api/v1/handovers/{hid}/takeover", {"text": ""}, staff | {"client_viewer"}),
            ("POST", f"/api/v1/handovers/{hid}/answer", {"answer": ""}, staff | {"client_viewer"}),
            ("GET", f"/api/v1/cases/{h['id']}/attachments", None, staff | {"client_viewer"}),
            ("GET", f"/api/v1/attachments/{att}", None, staff | {"client_viewer"}),
            ("DELETE", "/api/v1/attachments/987654", None, staff),
            ("POST", f"/api/v1/cases/{h['id']}/attachments?filename=a.txt", None, staff),
            ("GET", "/api/v1/client_units", None, staff),
            ("GET", "/api/v1/wallboard", None, staff | {"wallboard"}),
            ("GET", "/api/v1/wfm/summary", None, staff | {"wallboard"}),
            ("POST", "/api/v1/displays", {"name": ""}, {"admin"}),
            ("GET", "/api/v1/displays", None, {"admin"}),
            ("DELETE", "/api/v1/displays/987654", None, {"admin"}),
            # reports for group leads, legal holds, price classes (issue 15, 18)
            ("GET", "/api/v1/reports/period?period=bogus", None,
             {"group_lead", "manager", "admin", "client_viewer"}),
            ("GET", "/api/v1/holds", None, {"manager", "admin"}),
            ("POST", f"/api/v1/cases/{c['id']}/hold", {"reason": ""}, {"admin"}),
            ("DELETE", "/api/v1/cases/987654/hold", None, {"admin"}),
            ("GET", "/api/v1/price_classes", None, staff),
            ("POST", "/api/v1/price_classes", {"name": ""}, {"manager", "admin"}),
            ("PATCH", "/api/v1/price_classes/987654", {"name": ""}, {"manager", "admin"}),
        ]
        # The wallboard role is a wall screen's display login, not a user's.
        display = self.api("POST", "/api/v1/displays", {"name": "Matrisens skärm"})
        self.assertEqual(display.status, 201, display)
        for method, path, body, allowed in routes:
            r = self.srv.request(method, path, body)
            self.assertProblem(r, 401)
            for role, user in ROLES.items():
                r = self.api(method, path, body, user=user)
                if role in allowed:
                    self.assertNotIn(r.status, (401, 403, 405), (method, path, role, r))
                else:
                    self.assertProblem(r, 403)
            r = self.srv.request(method, path, body, token=display.json["token"])
            if "wallboard" in allowed:
                self.assertNotIn(r.status, (401, 403, 405), (method, path, "wallboard", r))
            else:
                self.assertProblem(r, 403)
        # nothing above changed the handover or wrote an attachment
        self.assertEqual(self.srv.sql("SELECT status FROM handovers WHERE id=?", hid), [("open",)])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM attachments WHERE case_id=?", h["id"]), [(1,)])
