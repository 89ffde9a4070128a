"""Issue 15/18 over HTTP: group leads read the reports of the groups they lead (group=ID),
legal holds set, listed and released by route (and kept by the retention run), price
classes created, edited and retired, each route per role."""
import datetime
import shutil
import subprocess
import urllib.request
import zoneinfo

from harness import BIN, ServerTest

NOW = datetime.datetime.now(datetime.timezone.utc)
LATER = (NOW + datetime.timedelta(days=550)).strftime("%Y-%m-%dT%H:%M:%SZ")
ROLES = {"agent": "anna", "group_lead": "lead.aldre", "manager": "chef.stod", "admin": "admin",
         "client_viewer": "viewer.aldre"}


def this_year():
    return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Stockholm")).strftime("%Y")


class LeadReportTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.period = this_year()
        uid = cls.srv.sql("SELECT id FROM users WHERE username = 'lead.aldre'")[0][0]
        cls.lead_groups = sorted(g for (g,) in cls.srv.sql(
            "SELECT group_id FROM user_groups WHERE user_id = ?", uid))
        cls.other = cls.srv.sql(
            "SELECT id FROM groups WHERE id NOT IN (SELECT group_id FROM user_groups"
            " WHERE user_id = ?) ORDER BY id LIMIT 1", uid)[0][0]

    def report(self, q, user):
        return self.api("GET", f"/api/v1/reports/period?period={self.period}{q}", user=user)

    def test_lead_without_filter_gets_their_groups_only(self):
        r = self.report("", "lead.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["group_ids"], self.lead_groups)
        seen = {x["group_id"] for x in r.json["rows"]} | {
            x["group_id"] for x in r.json["breakdowns"]["groups"]}
        self.assertTrue(seen)
        self.assertLessEqual(seen, set(self.lead_groups))
        # the cases are exactly those of their groups
        q = ",".join("?" * len(self.lead_groups))
        self.assertEqual(r.json["totals"]["cases"], sum(x["cases"] for x in r.json["rows"]))
        self.assertGreater(self.srv.sql(
            f"SELECT COUNT(*) FROM cases WHERE group_id IN ({q})", *self.lead_groups)[0][0], 0)

    def test_lead_may_name_one_of_their_groups_repeated_or_as_a_list(self):
        one = self.lead_groups[0]
        r = self.report(f"&group={one}", "lead.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual({x["group_id"] for x in r.json["rows"]}, {one})
        both = "&".join(f"group={g}" for g in self.lead_groups)
        a = self.report("&" + both, "lead.aldre")
        b = self.report("&group=" + ",".join(map(str, self.lead_groups)), "lead.aldre")
        self.assertEqual(a.status, 200, a)
        self.assertEqual(a.json["totals"], b.json["totals"])

    def test_lead_asking_for_another_group_is_403(self):
        self.assertProblem(self.report(f"&group={self.other}", "lead.aldre"), 403)
        mixed = f"&group={self.lead_groups[0]},{self.other}"
        self.assertProblem(self.report(mixed, "lead.aldre"), 403)
        # and files too
        self.assertProblem(self.report(f"&group={self.other}&format=csv", "lead.aldre"), 403)

    def test_lead_may_not_read_the_invoice_or_monthly_routes(self):
        for path in (f"/api/v1/reports/invoice?month={self.period}-01",
                     f"/api/v1/reports/monthly?month={self.period}-01"):
            self.assertProblem(self.api("GET", path, user="lead.aldre"), 403)

    def test_manager_names_any_group_viewer_keeps_their_department(self):
        r = self.report(f"&group={self.other}", "chef.stod")
        self.assertEqual(r.status, 200, r)
        self.assertLessEqual({x["group_id"] for x in r.json["rows"]}, {self.other})
        r = self.report(f"&group={self.other}", "viewer.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertLessEqual({x["client_id"] for x in r.json["rows"]}, {1})
        self.assertProblem(self.report("", "anna"), 403)

    def test_bad_and_unknown_groups(self):
        for bad in ("x", "0", "-3", "1,,2", "1;2", ""):
            self.assertProblem(self.report(f"&group={bad}", "chef.stod"), 400, "group")
        self.assertProblem(self.report("&group=987654", "chef.stod"), 404)

    def test_new_chart_data_is_there(self):
        r = self.report("", "chef.stod")
        self.assertEqual(r.status, 200, r)
        hours = r.json["service_level_hours"]
        self.assertEqual([h["hour"] for h in hours], list(range(24)))
        self.assertEqual(sum(h["offered"] for h in hours), r.json["totals"]["calls"]["offered"])
        months = r.json["satisfaction_months"]
        self.assertEqual(len(months), 12)
        self.assertEqual(sum(m["answers"] for m in months),
                         r.json["totals"]["satisfaction"]["answers"])
        self.assertEqual(sum(r.json["totals"]["satisfaction"]["distribution"]),
                         r.json["totals"]["satisfaction"]["answers"])

    def test_lead_downloads_csv_xlsx_pdf(self):
        for fmt, head in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
            req = urllib.request.Request(
                f"http://127.0.0.1:{self.srv.port}/api/v1/reports/period?period={self.period}"
                f"&format={fmt}", headers={"Authorization": "Bearer " + self.token("lead.aldre")})
            with urllib.request.urlopen(req, timeout=60) as r:
                self.assertEqual(r.status, 200, fmt)
                body = r.read()
                self.assertTrue(body.startswith(head), fmt)
            if fmt == "pdf" and shutil.which("pdftotext"):
                # the PDF has the category and sub-unit tables, as the CSV and XLSX
                text = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True,
                                      timeout=60).stdout.decode("utf-8")
                self.assertIn("Kategori", text)
                self.assertIn("Förvaltningens underenhet", text)


class HoldTest(ServerTest):
    def closed_case(self, n=0):
        return self.srv.sql("SELECT id FROM cases WHERE citizen_id IS NOT NULL AND"
                            " status = 'closed' ORDER BY id LIMIT 1 OFFSET ?", n)[0][0]

    def test_set_list_release_and_unhappy_paths(self):
        cid = self.closed_case(1)
        r = self.api("POST", f"/api/v1/cases/{cid}/hold", {"reason": "Begärd av JO"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["case_id"], cid)
        self.assertProblem(self.api("POST", f"/api/v1/cases/{cid}/hold", {"reason": "igen"}), 409)
        r = self.api("GET", "/api/v1/holds", user="chef.stod")
        self.assertEqual(r.status, 200, r)
        self.assertIn(cid, [h["case_id"] for h in r.json["items"]])
        self.assertGreater(self.srv.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'hold'"
                                        " AND entity = 'case' AND entity_id = ?", cid)[0][0], 0)
        self.assertGreater(self.srv.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'read'"
                                        " AND entity = 'legal_holds'")[0][0], 0)
        for body in ({}, {"reason": ""}, {"reason": 7}, {"reason": "x" * 1001}):
            self.assertProblem(self.api("POST", f"/api/v1/cases/{cid}/hold", body), 400, "reason")
        r = self.srv.request("POST", f"/api/v1/cases/{cid}/hold", raw=b"{nope",
                             token=self.token("admin"))
        self.assertProblem(r, 400)
        self.assertProblem(self.api("POST", "/api/v1/cases/987654/hold", {"reason": "x"}), 404)
        self.assertProblem(self.api("DELETE", "/api/v1/cases/987654/hold"), 404)
        r = self.api("DELETE", f"/api/v1/cases/{cid}/hold")
        self.assertEqual(r.status, 204, r)
        self.assertProblem(self.api("DELETE", f"/api/v1/cases/{cid}/hold"), 404)
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM legal_holds WHERE case_id = ? AND"
                                      " released_at IS NULL", cid)[0][0], 0)

    def test_roles(self):
        cid = self.closed_case(2)
        for role, user in ROLES.items():
            r = self.api("GET", "/api/v1/holds", user=user)
            self.assertEqual(r.status, 200 if role in ("admin", "manager") else 403, (role, r))
            if role != "admin":
                self.assertProblem(self.api("POST", f"/api/v1/cases/{cid}/hold",
                                            {"reason": "x"}, user=user), 403)
                self.assertProblem(self.api("DELETE", f"/api/v1/cases/{cid}/hold", user=user), 403)
        self.assertProblem(self.srv.request("GET", "/api/v1/holds"), 401)

    def test_the_retention_run_skips_a_case_held_over_http(self):
        held, free = self.closed_case(3), self.closed_case(4)
        summary = self.srv.sql("SELECT summary FROM cases WHERE id = ?", held)[0][0]
        r = self.api("POST", f"/api/v1/cases/{held}/hold", {"reason": "Tvist i förvaltningsrätten"})
        self.assertEqual(r.status, 201, r)
        p = subprocess.run([BIN, "retention", "run", "--db", self.srv.db, "--now", LATER,
                            "--months", "12"], capture_output=True, text=True, timeout=600,
                           cwd=self.srv.cwd)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.api("GET", f"/api/v1/cases/{held}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["summary"], summary)
        self.assertIsNotNone(r.json.get("citizen_id") or r.json.get("citizen"))
        r = self.api("GET", f"/api/v1/cases/{free}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["summary"], "")


class PriceClassTest(ServerTest):
    def test_crud_and_unhappy_paths(self):
        r = self.api("POST", "/api/v1/price_classes", {"name": "komplex-test",
                                                       "description": "Mer än 15 min"})
        self.assertEqual(r.status, 201, r)
        pid = r.json["id"]
        self.assertTrue(r.json["active"])
        r = self.api("GET", "/api/v1/price_classes?limit=500", user="chef.stod")
        self.assertIn("komplex-test", [x["name"] for x in r.json["items"]])
        r = self.api("PATCH", f"/api/v1/price_classes/{pid}", {"description": "Över 15 min"},
                     user="chef.stod")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["description"], "Över 15 min")
        r = self.api("PATCH", f"/api/v1/price_classes/{pid}", {"active": False})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["active"])
        # duplicate, bad bodies, unknown id
        r = self.api("POST", "/api/v1/price_classes", {"name": "komplex-test"})
        self.assertEqual(r.status, 409, r)
        for body in ({}, {"name": ""}, {"name": 5}, {"name": "x" * 61}, {"name": "a", "active": "ja"}):
            r = self.api("POST", "/api/v1/price_classes", body)
            self.assertIn(r.status, (400, 422), (body, r))
        r = self.srv.request("POST", "/api/v1/price_classes", raw=b"[1,", token=self.token("admin"))
        self.assertProblem(r, 400)
        self.assertProblem(self.api("GET", "/api/v1/price_classes/987654"), 404)
        self.assertProblem(self.api("PATCH", "/api/v1/price_classes/987654", {"name": "y"}), 404)
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM price_classes WHERE name = ''")[0][0], 0)

    def test_roles(self):
        for role, user in ROLES.items():
            r = self.api("POST", "/api/v1/price_classes", {"name": f"klass-{role}"}, user=user)
            self.assertEqual(r.status, 201 if role in ("admin", "manager") else 403, (role, r))
