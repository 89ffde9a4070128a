"""Who may read and change what: confidential cases and their handovers, citizens, users;
and what the case log checks on the way (phone and personnummer searches, history, call ids)."""
import urllib.parse

from harness import ServerTest


class AccessTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        cls.group = s.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
        cls.client = s.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0]
        cls.cat_resolve = s.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0]
        cls.cat_handover = s.sql("SELECT id FROM categories WHERE name LIKE 'Biståndsbedömning%'")[0][0]
        # lars (agent) and lead.forskola (group lead) work in other groups than Äldre direkt.
        for outsider in ("lars", "lead.forskola"):
            assert not s.sql("SELECT 1 FROM user_groups ug JOIN users u ON u.id = ug.user_id"
                             " WHERE u.username = ? AND ug.group_id = ?", outsider, cls.group)

    def base(self, **kw):
        c = {"group_id": self.group, "client_id": self.client, "category_id": self.cat_resolve,
             "channel": "phone", "outcome": "resolved", "summary": "Frågade om hemtjänstavgift."}
        c.update(kw)
        return c

    def create(self, user="anna", **kw):
        r = self.api("POST", "/api/v1/cases", self.base(**kw), user=user)
        self.assertEqual(r.status, 201, r)
        return r.json

    def confidential_handover(self, **kw):
        return self.create(category_id=self.cat_handover, outcome="handed_over", confidential=True,
                           handover={"message": "Skyddad identitet, ring upp."}, **kw)

    def history(self, case_id):
        return self.srv.sql("SELECT field, old_value, new_value FROM case_history WHERE case_id=? ORDER BY id",
                            case_id)

    # --- handovers and every other write on a case ------------------------------------

    def test_outsider_cannot_answer_a_confidential_handover(self):
        c = self.confidential_handover()
        hid = c["handovers"][0]["id"]
        self.assertProblem(self.api("GET", f"/api/v1/cases/{c['id']}", user="lars"), 403)
        before = self.history(c["id"])
        for user in ("lars", "lead.forskola"):
            r = self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "Fel svar."}, user=user)
            self.assertProblem(r, 403)
        self.assertEqual(self.history(c["id"]), before)
        self.assertEqual(self.srv.sql("SELECT answered_at, answer FROM handovers WHERE id=?", hid), [(None, None)])
        # the department's real answer still goes through, once
        r = self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "Handläggaren ringer."},
                     user="viewer.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertProblem(self.api("POST", f"/api/v1/handovers/{hid}/answer", {"answer": "x"},
                                    user="viewer.trafik"), 403)
        # staff of the group may record an answer given by phone on another handover
        c2 = self.confidential_handover()
        r = self.api("POST", f"/api/v1/handovers/{c2['handovers'][0]['id']}/answer",
                     {"answer": "Förvaltningen svarade per telefon."}, user="erik")
        self.assertEqual(r.status, 200, r)

    def test_outsider_cannot_change_a_confidential_case(self):
        c = self.create(confidential=True, summary="Skyddad adress.")
        before = self.history(c["id"])
        self.assertProblem(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "Ändrad."}, user="lars"), 403)
        self.assertProblem(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"threat": True}, user="lead.forskola"),
                           403)
        h = self.confidential_handover()
        hbefore = self.history(h["id"])
        r = self.api("POST", f"/api/v1/cases/{h['id']}/handovers", {"message": "Igen."}, user="lars")
        self.assertProblem(r, 403)
        article = self.srv.sql("SELECT id FROM kb_articles ORDER BY id LIMIT 1")
        if article:
            r = self.api("POST", f"/api/v1/cases/{c['id']}/articles", {"article_id": article[0][0]}, user="lars")
            self.assertProblem(r, 403)
            self.assertFalse(self.srv.sql("SELECT 1 FROM kb_case_articles WHERE case_id=?", c["id"]))
        self.assertEqual(self.history(c["id"]), before)
        self.assertEqual(self.history(h["id"]), hbefore)
        self.assertEqual(self.srv.sql("SELECT summary, threat FROM cases WHERE id=?", c["id"]),
                         [("Skyddad adress.", 0)])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM handovers WHERE case_id=?", h["id"]), [(1,)])
        # the group itself may change it
        self.assertEqual(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "Ändrad."}, user="erik").status,
                         200)

    # --- citizens ---------------------------------------------------------------------

    def test_citizen_of_a_hidden_case_is_not_found(self):
        c = self.create(confidential=True, summary="Skyddad identitet.",
                        citizen={"name": "Gömd Person", "phone": "070-555 01 01", "personal_id": "19790101-0004"})
        cid = c["citizen"]["id"]
        for path in (f"/api/v1/citizens/{cid}", f"/api/v1/citizens/{cid}/cases"):
            r = self.api("GET", path, user="lars")
            self.assertProblem(r, 404)
            self.assertNotIn("Gömd", r.body)
            self.assertNotIn("0004", r.body)
            # a hidden citizen answers exactly as one that does not exist
            missing = self.api("GET", path.replace(str(cid), "987654"), user="lars")
            self.assertEqual(r.json["title"], missing.json["title"])
        self.assertTrue(self.srv.sql("SELECT 1 FROM audit_log a JOIN users u ON u.id = a.user_id"
                                     " WHERE a.action='read_denied' AND a.entity='citizen' AND a.entity_id=?"
                                     " AND u.username='lars'", cid))
        self.assertFalse(self.srv.sql("SELECT 1 FROM audit_log a JOIN users u ON u.id = a.user_id"
                                      " WHERE a.action='read' AND a.entity='citizen' AND a.entity_id=?"
                                      " AND u.username='lars'", cid))
        for user in ("erik", "chef.barn", "admin"):  # the group, a manager of another unit, admin
            r = self.api("GET", f"/api/v1/citizens/{cid}", user=user)
            self.assertEqual(r.status, 200, (user, r))
            self.assertEqual(r.json["personal_id"], "197901010004")
        self.assertEqual(self.api("GET", "/api/v1/cases?personal_id=19790101-0004", user="lars").json["total"], 0)
        self.assertEqual(self.api("GET", "/api/v1/cases?phone=0705550101", user="lars").json["total"], 0)
        # one open case of the same citizen makes them visible through it
        self.create(citizen={"personal_id": "19790101-0004"}, user="erik")
        r = self.api("GET", f"/api/v1/citizens/{cid}", user="lars")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.api("GET", f"/api/v1/citizens/{cid}/cases", user="lars").json["total"], 1)

    def test_walking_citizen_ids_shows_only_visible_ones(self):
        self.create(confidential=True, citizen={"name": "Dold Gång", "phone": "070-555 02 02"})
        top = self.srv.sql("SELECT MAX(id) FROM citizens")[0][0]
        for cid in range(max(1, top - 40), top + 1):
            r = self.api("GET", f"/api/v1/citizens/{cid}", user="lars")
            visible = self.srv.sql(
                "SELECT 1 FROM cases c WHERE c.citizen_id = ? AND (c.confidential = 0 OR c.group_id IN"
                " (SELECT group_id FROM user_groups ug JOIN users u ON u.id = ug.user_id"
                "  WHERE u.username = 'lars'))", cid)
            self.assertEqual(r.status, 200 if visible else 404, (cid, r))

    # --- one rule for lists and single reads -------------------------------------------

    def test_list_visibility_equals_single_read(self):
        self.confidential_handover()
        self.create(confidential=True, summary="Sekretess utan överlämning.")
        self.create(category_id=self.cat_handover, outcome="handed_over", handover={"message": "Öppen."})
        # every confidential or handed-over case, and a slice of the rest
        probe = [r[0] for r in self.srv.sql(
            "SELECT id FROM cases WHERE confidential = 1 OR id IN (SELECT case_id FROM handovers)"
            " UNION SELECT id FROM (SELECT id FROM cases ORDER BY id LIMIT 30) AS first_cases")]
        for user in ("lars", "anna", "lead.forskola", "chef.barn", "viewer.aldre", "viewer.trafik"):
            listed, offset = set(), 0
            while True:
                page = self.api("GET", f"/api/v1/cases?limit=500&offset={offset}", user=user).json
                listed |= {c["id"] for c in page["items"]}
                offset += 500
                if offset >= page["total"]:
                    break
            self.assertEqual(len(listed), page["total"])
            for case_id in probe:
                status = self.api("GET", f"/api/v1/cases/{case_id}", user=user).status
                self.assertEqual(status == 200, case_id in listed, (user, case_id, status))
                self.assertIn(status, (200, 403))

    # --- users ------------------------------------------------------------------------

    def test_users_are_read_by_managers_and_admins_only(self):
        uid = self.srv.sql("SELECT id FROM users WHERE username='anna'")[0][0]
        for user in ("lead.aldre", "anna", "viewer.aldre"):
            self.assertProblem(self.api("GET", "/api/v1/users", user=user), 403)
            self.assertProblem(self.api("GET", f"/api/v1/users/{uid}", user=user), 403)
        for user in ("chef.stod", "admin"):
            r = self.api("GET", "/api/v1/users?limit=1000", user=user)
            self.assertEqual(r.status, 200, r)
            self.assertIn("anna", [u["username"] for u in r.json["items"]])
        # the lead still sees the agents of the queue, which the lead page uses
        self.assertEqual(self.api("GET", "/api/v1/acd/agents", user="lead.aldre").status, 200)

    # --- searching, history and call ids -----------------------------------------------

    def test_phone_search_in_any_written_form(self):
        c = self.create(citizen={"phone": "070-030 54 22"})
        self.assertEqual(c["citizen"]["phone"], "+46700305422")
        for q in ("070-030 54 22", "0700305422", "+46700305422", "+46 70 030 54 22", "0046700305422"):
            r = self.api("GET", f"/api/v1/cases?phone={urllib.parse.quote(q, safe='')}", user="anna")
            self.assertEqual(r.status, 200, (q, r))
            self.assertIn(c["id"], [x["id"] for x in r.json["items"]], q)
        self.assertProblem(self.api("GET", "/api/v1/cases?phone=inte-ett-nummer", user="anna"), 400)

    def test_personnummer_search_in_any_common_form(self):
        c = self.create(citizen={"personal_id": "811218-9876"})
        for q in ("19811218-9876", "198112189876", "811218-9876", "8112189876"):
            r = self.api("GET", f"/api/v1/cases?personal_id={q}", user="anna")
            self.assertEqual(r.status, 200, (q, r))
            self.assertIn(c["id"], [x["id"] for x in r.json["items"]], q)

    def test_later_handover_keeps_the_old_outcome_in_history(self):
        c = self.create(category_id=self.cat_handover, outcome="forwarded_urgent")
        r = self.api("POST", f"/api/v1/cases/{c['id']}/handovers", {"message": "Följ upp."}, user="anna")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["outcome"], "handed_over")
        outcome = [(h["old"], h["new"]) for h in r.json["history"] if h["field"] == "outcome"]
        self.assertEqual(outcome, [("forwarded_urgent", "handed_over")])
        # flags keep their old value too
        r = self.api("PATCH", f"/api/v1/cases/{c['id']}", {"threat": True}, user="anna")
        self.assertIn(("threat", "false", "true"), [(h["field"], h["old"], h["new"]) for h in r.json["history"]])

    def test_call_id_must_name_a_recorded_call(self):
        before = self.srv.sql("SELECT COUNT(*) FROM cases")[0][0]
        for bad in ("987654321", "abc", ""):
            r = self.api("POST", "/api/v1/cases", self.base(call_id=bad), user="anna")
            self.assertProblem(r, 422, "call_id")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM cases")[0][0], before)
        call = self.api("POST", "/api/v1/acd/calls", {"group_id": self.group, "caller": "070-222 33 44"})
        self.assertEqual(call.status, 201, call)
        call_id = str(call.json["call_id"])
        c = self.create(call_id=call_id)
        self.assertEqual(c["call_id"], call_id)
