"""The switchboard's directory over HTTP: search by name, unit, role and number through its
index (å/ä/ö without regard to case), who may search, who may set whose presence, and the
clear 400/404/422 answers to bad input."""
import unittest

from harness import ServerTest


class DirectoryApiTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        admin = s.login("admin")
        r = s.request("POST", "/api/v1/contacts", {"client_id": 1, "name": "Östen Ågren", "role": "Bygglovshandläggare",
                                                   "phone": "08-508 777 12"}, token=admin)
        assert r.status == 201, r
        cls.contact = r.json["id"]
        cls.ids = {u: i for i, u in s.sql("SELECT id, username FROM users")}

    def search(self, q, user="anna", **params):
        extra = "".join(f"&{k}={v}" for k, v in params.items())
        return self.api("GET", f"/api/v1/directory?q={q}{extra}", user=user)

    def names(self, q, user="anna"):
        r = self.search(q, user)
        self.assertEqual(r.status, 200, r)
        return [i["name"] for i in r.json["items"]]

    # ---- searching ------------------------------------------------------------------

    def test_name_prefix_finds_a_contact_in_any_case_of_a_o(self):
        for q in ("öst", "ÖSTEN", "ågren", "Östen Åg"):
            self.assertIn("Östen Ågren", self.names(q), q)

    def test_a_and_o_do_not_stand_for_a_ring_or_umlaut(self):
        self.assertNotIn("Östen Ågren", self.names("osten"))
        self.assertNotIn("Östen Ågren", self.names("agren"))

    def test_role_and_unit_find_entries(self):
        self.assertIn("Östen Ågren", self.names("bygglov"))
        r = self.search("stöd")
        self.assertTrue(any(i["kind"] == "staff" and i["unit"] == "Stöd och omsorg" for i in r.json["items"]), r.json)

    def test_number_found_as_written_and_in_international_form(self):
        for q in ("08-508 777", "0850877712", "+46850877", "4685087"):
            r = self.search(q)
            self.assertEqual(r.status, 200, r)
            hits = [i for i in r.json["items"] if i["kind"] == "contact" and i["id"] == self.contact]
            self.assertEqual(len(hits), 1, (q, r.json))
            self.assertEqual(hits[0]["phone"], "+46850877712")

    def test_contacts_come_first_and_paging_counts_all_hits(self):
        r = self.search("a", limit=2)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["limit"], 2)
        self.assertLessEqual(len(r.json["items"]), 2)
        self.assertGreater(r.json["total"], 2)
        everything = self.search("a", limit=100).json["items"]
        kinds = [i["kind"] for i in everything]
        self.assertEqual(kinds, sorted(kinds), "contacts before staff")

    def test_default_page_is_twenty(self):
        self.assertEqual(self.search("a").json["limit"], 20)

    def test_a_renamed_contact_is_found_by_its_new_name_only(self):
        r = self.api("POST", "/api/v1/contacts", {"client_id": 1, "name": "Tillfällig Jour"})
        self.assertEqual(r.status, 201, r)
        cid = r.json["id"]
        r = self.api("PATCH", f"/api/v1/contacts/{cid}", {"name": "Beredskap Norr"})
        self.assertEqual(r.status, 200, r)
        self.assertIn("Beredskap Norr", self.names("beredskap"))
        self.assertNotIn("Tillfällig Jour", self.names("tillfällig"))

    def test_client_viewers_are_not_listed_as_staff(self):
        self.assertEqual([i for i in self.search("viewer", limit=100).json["items"] if i["kind"] == "staff"], [])

    # ---- roles ---------------------------------------------------------------------

    def test_who_may_search(self):
        for user, status in (("anna", 200), ("lead.aldre", 200), ("chef.stod", 200), ("admin", 200),
                             ("viewer.aldre", 403)):
            self.assertEqual(self.search("anna", user=user).status, status, user)
        self.assertEqual(self.api("GET", "/api/v1/directory?q=anna", user=None).status, 401)

    def test_who_may_set_whose_presence(self):
        body = {"status": "meeting", "until": "2026-03-02T10:00:00+01:00"}
        peter, sara = self.ids["peter"], self.ids["sara"]
        cases = (
            ("anna", self.ids["anna"], 200),      # oneself
            ("anna", sara, 403),                  # an agent, another agent
            ("lead.aldre", sara, 200),            # a lead, a member of their groups
            ("lead.aldre", peter, 403),           # a lead, someone outside their groups
            ("chef.miljo", sara, 200),            # a manager, anyone
            ("admin", peter, 200),
            ("viewer.aldre", sara, 403),
        )
        for user, target, status in cases:
            r = self.api("PUT", f"/api/v1/directory/staff/{target}/presence", body, user=user)
            self.assertEqual(r.status, status, (user, target, r))
        self.assertEqual(self.api("PUT", f"/api/v1/directory/staff/{sara}/presence", body, user=None).status, 401)

    def test_a_lead_sets_a_members_presence_and_the_search_shows_it(self):
        sara = self.ids["sara"]
        r = self.api("PUT", f"/api/v1/directory/staff/{sara}/presence",
                     {"status": "away", "until": "2026-03-02T13:00:00+01:00"}, user="lead.aldre")
        self.assertEqual(r.status, 200, r)
        hit = [i for i in self.search("sara", limit=100).json["items"] if i["kind"] == "staff" and i["id"] == sara]
        self.assertEqual(hit[0]["presence"], "away")
        self.assertTrue(hit[0]["presence_until"].startswith("2026-03-02T12:00:00"), hit[0])
        audit = self.srv.sql("SELECT user_id FROM audit_log WHERE action='presence' AND entity_id=?", sara)
        self.assertIn((self.ids["lead.aldre"],), audit)

    # ---- bad input -----------------------------------------------------------------

    def test_bad_queries_are_400_naming_q_or_limit(self):
        for path, field in (("/api/v1/directory", "q"), ("/api/v1/directory?q=", "q"),
                            ("/api/v1/directory?q=---", "q"), ("/api/v1/directory?q=" + "x" * 201, "q"),
                            ("/api/v1/directory?q=%FF", "q"), ("/api/v1/directory?q=a&limit=101", "limit"),
                            ("/api/v1/directory?q=a&limit=-1", "limit"), ("/api/v1/directory?q=a&offset=x", "offset")):
            r = self.api("GET", path, user="anna")
            self.assertEqual(r.status, 400, (path, r))
            self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"), r.headers)
            self.assertEqual(r.json["errors"][0]["field"], field, (path, r.json))

    def test_fts_syntax_in_q_is_only_text(self):
        for q in ('a"b', "a*", "NOT", "name:anna", "(a OR b)", "NEAR(a b)"):
            r = self.search(q.replace(" ", "%20"))
            self.assertEqual(r.status, 200, (q, r))

    def test_bad_presence_bodies_are_422_and_change_nothing(self):
        sara = self.ids["sara"]
        before = self.srv.sql("SELECT status, until FROM directory_presence WHERE user_id=?", sara)
        for body, field in (({"status": "lunch"}, "status"), ({}, "status"), ({"status": 3}, "status"),
                            ({"status": "away", "until": "i morgon"}, "until"), ({"status": "away", "until": 5}, "until")):
            r = self.api("PUT", f"/api/v1/directory/staff/{sara}/presence", body, user="admin")
            self.assertEqual(r.status, 422, (body, r))
            self.assertIn(field, [e["field"] for e in r.json["errors"]], r.json)
        for raw in (b"{", b"[]", b"x" * 70000):
            r = self.api("PUT", f"/api/v1/directory/staff/{sara}/presence", raw=raw, user="admin")
            self.assertIn(r.status, (400, 413), (raw[:10], r))
        self.assertEqual(self.srv.sql("SELECT status, until FROM directory_presence WHERE user_id=?", sara), before)

    def test_unknown_staff_is_404(self):
        for target in (999999, self.ids["viewer.aldre"]):
            r = self.api("PUT", f"/api/v1/directory/staff/{target}/presence", {"status": "in"}, user="admin")
            self.assertEqual(r.status, 404, (target, r))
        r = self.api("PUT", f"/api/v1/directory/contact/{self.contact}/presence", {"status": "in"}, user="admin")
        self.assertEqual(r.status, 404, r)


if __name__ == "__main__":
    unittest.main()
