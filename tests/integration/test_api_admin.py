"""Units, groups, clients, contacts, categories, agreements, boundaries and users over HTTP."""
from harness import ServerTest


class AdminTest(ServerTest):
    def test_demo_is_listed(self):
        r = self.api("GET", "/api/v1/groups?limit=100", user="anna")
        self.assertEqual(r.status, 200, r)
        names = [g["name"] for g in r.json["items"]]
        for n in ("Äldre direkt", "Förskola", "Parkeringstillstånd", "Stockholm direkt"):
            self.assertIn(n, names)
        aldre = next(g for g in r.json["items"] if g["name"] == "Äldre direkt")
        self.assertEqual(aldre["entry_numbers"], ["+46850836000"])
        self.assertIn("weekly", aldre["opening_hours"])
        units = [u["name"] for u in self.api("GET", "/api/v1/units").json["items"]]
        self.assertIn("Stöd och omsorg", units)

    def test_create_unit_group_and_read_back(self):
        u = self.api("POST", "/api/v1/units", {"name": "Servicecenter Norr"})
        self.assertEqual(u.status, 201, u)
        g = self.api("POST", "/api/v1/groups", {
            "name": "Färdtjänst", "unit_id": u.json["id"], "email": "fardtjanst@lotsen.example",
            "entry_numbers": ["08-508 111 00"], "max_wait_s": 180, "wrapup_s": 30,
            "opening_hours": {"weekly": {"mon": [["08:00", "16:30"]]},
                              "exceptions": [{"date": "2026-12-23", "hours": [["08:00", "12:00"]]}]}})
        self.assertEqual(g.status, 201, g)
        self.assertEqual(g.json["entry_numbers"], ["+46850811100"])
        got = self.api("GET", f"/api/v1/groups/{g.json['id']}")
        self.assertEqual(got.json["opening_hours"]["weekly"]["mon"], [["08:00", "16:30"]])
        self.assertTrue(got.json["active"])
        # update one field, the rest stays
        p = self.api("PATCH", f"/api/v1/groups/{g.json['id']}", {"max_wait_s": 240})
        self.assertEqual(p.status, 200, p)
        self.assertEqual(p.json["max_wait_s"], 240)
        self.assertEqual(p.json["email"], "fardtjanst@lotsen.example")

    def test_etag_and_if_match_on_records(self):
        """Two administrators edit the same client: the second one's stale write is refused
        with 412 and changes nothing; with the fresh ETag it goes through."""
        c = self.api("POST", "/api/v1/clients", {"name": "Kulturförvaltningen"})
        self.assertEqual(c.status, 201, c)
        url = f"/api/v1/clients/{c.json['id']}"
        self.assertTrue(c.headers.get("ETag", "").startswith('"'), c.headers)
        first = self.api("GET", url)
        tag = first.headers["ETag"]
        self.assertEqual(tag, c.headers["ETag"])
        self.assertEqual(self.api("GET", url).headers["ETag"], tag)  # stable while unchanged
        # The first editor writes with the tag she read: accepted, a new tag comes back.
        p = self.api("PATCH", url, {"name": "Kultur och fritid"}, headers={"If-Match": tag})
        self.assertEqual(p.status, 200, p)
        self.assertNotEqual(p.headers["ETag"], tag)
        self.assertEqual(self.api("GET", url).headers["ETag"], p.headers["ETag"])
        # The second editor still holds the old tag: 412, and the name stays the first one's.
        for method in ("PATCH", "PUT"):
            r = self.api(method, url, {"name": "Kulturen"}, headers={"If-Match": tag})
            self.assertProblem(r, 412)
            self.assertEqual(r.headers["ETag"], p.headers["ETag"])
        self.assertEqual(self.api("GET", url).json["name"], "Kultur och fritid")
        # A weak tag never matches; * and a list holding the current tag do.
        self.assertProblem(self.api("PATCH", url, {"name": "x y"}, headers={"If-Match": "W/" + p.headers["ETag"]}), 412)
        r = self.api("PATCH", url, {"name": "Kultur"}, headers={"If-Match": f'"r0", {p.headers["ETag"]}'})
        self.assertEqual(r.status, 200, r)
        r = self.api("PATCH", url, {"name": "Kultur och fritid"}, headers={"If-Match": "*"})
        self.assertEqual(r.status, 200, r)
        # Without If-Match a write goes through as before; an unknown id stays 404.
        self.assertEqual(self.api("PATCH", url, {"name": "Kulturförvaltningen"}).status, 200)
        self.assertProblem(self.api("PATCH", "/api/v1/clients/424242", {"name": "x"},
                                    headers={"If-Match": tag}), 404)
        # Other kinds of records carry tags too (users, groups).
        for kind in ("users", "groups", "units", "categories"):
            r = self.api("GET", f"/api/v1/{kind}/1")
            self.assertEqual(r.status, 200, r)
            self.assertRegex(r.headers.get("ETag", ""), r'^"r[0-9a-f]{32}"$')

    def test_unknown_field_lists_accepted_ones(self):
        r = self.api("POST", "/api/v1/units", {"name": "X", "namn": "Y"})
        self.assertProblem(r, 422, "namn")
        self.assertIn("name", r.json["errors"][0]["message"])

    def test_wrong_type(self):
        r = self.api("POST", "/api/v1/groups", {"name": 12, "unit_id": "1"})
        self.assertProblem(r, 422, "name")
        self.assertIn("unit_id", [e["field"] for e in r.json["errors"]])

    def test_unknown_reference(self):
        r = self.api("POST", "/api/v1/groups", {"name": "Ny grupp", "unit_id": 99999})
        self.assertProblem(r, 422, "unit_id")
        self.assertIn("99999", r.json["errors"][0]["message"])

    def test_missing_required(self):
        r = self.api("POST", "/api/v1/groups", {"name": "Utan enhet"})
        self.assertProblem(r, 422, "unit_id")

    def test_bad_opening_hours_name_the_path(self):
        r = self.api("POST", "/api/v1/groups", {"name": "Fel tider", "unit_id": 1,
                                                 "opening_hours": {"weekly": {"mon": [["08:00", "25:00"]]}}})
        self.assertProblem(r, 422, "opening_hours")
        self.assertIn("weekly.mon", r.json["errors"][0]["message"])

    def test_duplicate_name_is_409(self):
        r = self.api("POST", "/api/v1/units", {"name": "Stöd och omsorg"})
        self.assertProblem(r, 409)

    def test_unknown_id_is_404(self):
        self.assertProblem(self.api("GET", "/api/v1/groups/424242"), 404)
        self.assertProblem(self.api("PATCH", "/api/v1/clients/424242", {"name": "x"}), 404)

    def test_malformed_json(self):
        r = self.api("POST", "/api/v1/units", raw=b'{"name": "Trasig')
        self.assertProblem(r, 400)
        self.assertIn("JSON", r.json["detail"])
        r = self.api("POST", "/api/v1/units", raw=b'[1,2]')
        self.assertProblem(r, 400)

    def test_contact_phone_normalized_and_bad_email_rejected(self):
        c = self.api("POST", "/api/v1/contacts", {"client_id": 1, "name": "Handläggare Test",
                                                   "phone": "070-123 45 67", "email": "test@lotsen.example"},
                     user="lead.aldre")
        self.assertEqual(c.status, 201, c)
        self.assertEqual(c.json["phone"], "+46701234567")
        r = self.api("POST", "/api/v1/contacts", {"client_id": 1, "name": "X", "email": "inte-en-adress"})
        self.assertProblem(r, 422, "email")
        r = self.api("POST", "/api/v1/contacts", {"client_id": 1, "name": "X", "phone": "ring mig"})
        self.assertProblem(r, 422, "phone")

    def test_agreement_needs_a_price_and_sane_dates(self):
        r = self.api("POST", "/api/v1/agreements", {"client_id": 1, "name": "Utan pris", "valid_from": "2026-01-01"})
        self.assertProblem(r, 422, "prices")
        r = self.api("POST", "/api/v1/agreements", {"client_id": 1, "name": "Bakvänt", "valid_from": "2026-05-01",
                                                     "valid_to": "2026-01-01", "prices": {"phone": 40}})
        self.assertProblem(r, 422, "valid_to")
        r = self.api("POST", "/api/v1/agreements", {"client_id": 1, "name": "Okänd kanal", "valid_from": "2026-01-01",
                                                     "prices": {"telefon": 40}})
        self.assertProblem(r, 422, "prices")
        r = self.api("POST", "/api/v1/agreements", {"client_id": 1, "name": "Fel datum", "valid_from": "2026-02-30",
                                                     "prices": {"phone": 40}})
        self.assertProblem(r, 422, "valid_from")
        ok = self.api("POST", "/api/v1/agreements", {"client_id": 1, "name": "Tilläggsavtal",
                                                      "valid_from": "2026-01-01", "prices": {"phone": 40, "email": 30},
                                                      "group_ids": [1, 2]})
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.json["group_ids"], [1, 2])
        self.assertEqual(ok.json["prices"]["phone"], 40)

    def test_boundary_handover_needs_contact_of_same_client(self):
        agr = self.api("GET", "/api/v1/agreements?client_id=1").json["items"][0]
        other_contact = self.api("GET", "/api/v1/contacts?client_id=2").json["items"][0]
        cat = self.api("POST", "/api/v1/categories", {"name": "Ny kategori", "kind": "matter"}).json
        r = self.api("POST", "/api/v1/boundaries", {"agreement_id": agr["id"], "category_id": cat["id"],
                                                     "action": "handover"})
        self.assertProblem(r, 422, "contact_id")
        r = self.api("POST", "/api/v1/boundaries", {"agreement_id": agr["id"], "category_id": cat["id"],
                                                     "action": "handover", "contact_id": other_contact["id"]})
        self.assertProblem(r, 422, "contact_id")
        r = self.api("POST", "/api/v1/boundaries", {"agreement_id": agr["id"], "category_id": cat["id"],
                                                     "action": "lös"})
        self.assertProblem(r, 422, "action")

    def test_category_kind_enumerated(self):
        r = self.api("POST", "/api/v1/categories", {"name": "X", "kind": "gnäll"})
        self.assertProblem(r, 422, "kind")
        self.assertIn("complaint", r.json["errors"][0]["message"])

    def test_category_checklist_is_a_list_of_short_steps(self):
        r = self.api("POST", "/api/v1/categories", {"name": "Checklisteprov", "kind": "question",
                                                    "checklist": ["Fråga efter adress.", "Säg när svar kommer."]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["checklist"], ["Fråga efter adress.", "Säg när svar kommer."])
        cid = r.json["id"]
        self.assertProblem(self.api("PATCH", f"/api/v1/categories/{cid}", {"checklist": "Fråga"}), 422, "checklist")
        r = self.api("PATCH", f"/api/v1/categories/{cid}", {"checklist": ["Ett", " "]})
        self.assertProblem(r, 422, "checklist")
        self.assertIn("steg 2", r.json["errors"][0]["message"])
        self.assertProblem(self.api("PATCH", f"/api/v1/categories/{cid}", {"checklist": ["x" * 201]}), 422, "checklist")
        self.assertProblem(self.api("PATCH", f"/api/v1/categories/{cid}", {"checklist": ["x"] * 31}), 422, "checklist")
        r = self.api("PATCH", f"/api/v1/categories/{cid}", {"checklist": None})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["checklist"])
        # The demo's categories carry some, and agents read them with the category.
        demo = self.api("GET", "/api/v1/categories?limit=500", user="anna").json["items"]
        bist = next(c for c in demo if c["name"].startswith("Biståndsbedömning"))
        self.assertEqual(len(bist["checklist"]), 4, bist)
        self.assertProblem(self.api("PATCH", f"/api/v1/categories/{cid}", {"checklist": []}, user="anna"), 403)
        self.assertEqual({a for (a,) in self.srv.sql("SELECT action FROM audit_log WHERE entity='categories'"
                                                     " AND entity_id=?", cid)}, {"create", "update"})

    def test_closure_must_end_after_start(self):
        r = self.api("POST", "/api/v1/closures", {"group_id": 1, "starts_at": "2026-12-01T10:00:00Z",
                                                   "ends_at": "2026-12-01T09:00:00Z", "reason": "APT"})
        self.assertProblem(r, 422, "ends_at")
        r = self.api("POST", "/api/v1/closures", {"group_id": 1, "starts_at": "2026-12-01T09:00:00Z",
                                                   "ends_at": "2026-12-01T10:00:00Z", "reason": "Arbetsplatsträff"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["starts_at"], "2026-12-01T09:00:00Z")

    def test_user_rules(self):
        r = self.api("POST", "/api/v1/users", {"username": "kort", "display_name": "Kort", "role": "agent",
                                                "password": "kort"})
        self.assertProblem(r, 422, "password")
        r = self.api("POST", "/api/v1/users", {"username": "lasare", "display_name": "Läsare",
                                                "role": "client_viewer", "password": "langt-losenord"})
        self.assertProblem(r, 422, "client_id")
        r = self.api("POST", "/api/v1/users", {"username": "Stora Bokstäver", "display_name": "X",
                                                "role": "agent", "password": "langt-losenord"})
        self.assertProblem(r, 422, "username")
        r = self.api("POST", "/api/v1/users", {"username": "ny.agent", "display_name": "Ny Agent", "role": "agent",
                                                "password": "langt-losenord",
                                                "groups": [{"group_id": 1, "skill": 1}, {"group_id": 2, "skill": 2}]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["groups"], [{"group_id": 1, "skill": 1}, {"group_id": 2, "skill": 2}])
        audit = self.srv.sql("SELECT action FROM audit_log WHERE entity='users' AND entity_id=?", r.json["id"])
        self.assertIn(("create",), audit)

    def test_failed_write_leaves_nothing(self):
        before = self.srv.sql("SELECT COUNT(*) FROM groups")[0][0]
        r = self.api("POST", "/api/v1/groups", {"name": "Halv", "unit_id": 1, "entry_numbers": ["08-508 360 00"]})
        self.assertProblem(r, 409)  # the number belongs to Äldre direkt
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM groups")[0][0], before)

    def test_paging_and_filters(self):
        r = self.api("GET", "/api/v1/categories?limit=2&offset=1")
        self.assertEqual(len(r.json["items"]), 2)
        self.assertGreater(r.json["total"], 2)
        r = self.api("GET", "/api/v1/categories?kind=fault_report")
        self.assertTrue(all(c["kind"] == "fault_report" for c in r.json["items"]))
        self.assertProblem(self.api("GET", "/api/v1/categories?limit=x"), 400)
        self.assertProblem(self.api("GET", "/api/v1/categories?group_id=abc"), 400)
