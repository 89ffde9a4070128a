"""The case log over HTTP: logging, validation, boundaries, handovers, citizens, access, audit."""
import json
import unittest

from harness import ServerTest, on_pg


def ids(srv, sql, *p):
    return [r[0] for r in srv.sql(sql, *p)]


class CaseTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        cls.group = s.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
        cls.client = s.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0]
        cls.cat_resolve = s.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0]
        cls.cat_handover = s.sql("SELECT id FROM categories WHERE name LIKE 'Biståndsbedömning%'")[0][0]
        cls.contact = s.sql("SELECT id FROM contacts WHERE client_id=?", cls.client)[0][0]
        cls.other_group = s.sql("SELECT id FROM groups WHERE name='Förskola'")[0][0]

    def base(self, **kw):
        c = {"group_id": self.group, "client_id": self.client, "category_id": self.cat_resolve,
             "channel": "phone", "outcome": "resolved", "summary": "Frågade om hemtjänstavgift."}
        c.update(kw)
        return c

    def counts(self):
        return tuple(self.srv.sql(f"SELECT COUNT(*) FROM {t}")[0][0]
                     for t in ("cases", "citizens", "handovers", "case_history"))

    def test_create_and_read(self):
        r = self.api("POST", "/api/v1/cases", self.base(citizen={"name": "Astrid Ek", "phone": "070-111 22 33",
                                                                 "personal_id": "19811218-9876"}), user="anna")
        self.assertEqual(r.status, 201, r)
        c = r.json
        self.assertIsInstance(c["id"], int)
        self.assertEqual(c["outcome"], "resolved")
        self.assertEqual(c["group"], "Äldre direkt")
        self.assertEqual(c["citizen"]["personal_id"], "198112189876")
        self.assertEqual(c["citizen"]["phone"], "+46701112233")
        self.assertEqual(c["history"][0]["field"], "created")
        g = self.api("GET", f"/api/v1/cases/{c['id']}", user="erik")
        self.assertEqual(g.status, 200)
        self.assertEqual(g.json["summary"], "Frågade om hemtjänstavgift.")
        # One row for logging it (the answer to the creator is covered by it), one for
        # erik's read.
        audit = self.srv.sql("SELECT a.action, u.username FROM audit_log a JOIN users u"
                             " ON u.id = a.user_id WHERE entity='case' AND entity_id=?"
                             " ORDER BY a.id", c["id"])
        self.assertEqual(audit, [("create", "anna"), ("read", "erik")])

    def test_same_citizen_links_earlier_cases(self):
        pnr = "194501011235"
        a = self.api("POST", "/api/v1/cases", self.base(citizen={"personal_id": "450101-1235"}), user="anna").json
        b = self.api("POST", "/api/v1/cases", self.base(citizen={"personal_id": pnr, "name": "Olle Dahl"}),
                     user="sara").json
        self.assertEqual(a["citizen"]["id"], b["citizen"]["id"])
        self.assertEqual([e["id"] for e in b["earlier_cases"]], [a["id"]])
        r = self.api("GET", f"/api/v1/citizens/{a['citizen']['id']}/cases", user="anna")
        self.assertEqual(r.status, 200)
        self.assertEqual({c["id"] for c in r.json["items"]}, {a["id"], b["id"]})
        r = self.api("GET", f"/api/v1/cases?personal_id=19450101-1235", user="anna")
        self.assertEqual(r.json["total"], 2)
        self.assertTrue(self.srv.sql("SELECT 1 FROM audit_log WHERE entity='citizen' AND action='search'"))

    def test_invalid_personnummer(self):
        before = self.counts()
        for bad, word in (("19811218-9875", "Luhn"), ("19810230-1234", "datum"), ("abc", "")):
            r = self.api("POST", "/api/v1/cases", self.base(citizen={"personal_id": bad}), user="anna")
            self.assertProblem(r, 422, "citizen.personal_id")
            self.assertIn(word, r.json["errors"][0]["message"])
        self.assertEqual(self.counts(), before)

    def test_malformed_json_and_wrong_types(self):
        before = self.counts()
        self.assertProblem(self.api("POST", "/api/v1/cases", raw=b"{not json", user="anna"), 400)
        self.assertProblem(self.api("POST", "/api/v1/cases", raw=b"", user="anna"), 400)
        r = self.api("POST", "/api/v1/cases", self.base(group_id="Äldre direkt", channel="brevduva",
                                                        summary=42, confidential="ja"), user="anna")
        self.assertProblem(r, 422)
        fields = {e["field"] for e in r.json["errors"]}
        self.assertEqual(fields, {"group_id", "channel", "summary", "confidential"})
        self.assertEqual(self.counts(), before)

    def test_unknown_ids(self):
        r = self.api("POST", "/api/v1/cases", self.base(category_id=987654), user="anna")
        self.assertProblem(r, 422, "category_id")
        self.assertProblem(self.api("GET", "/api/v1/cases/987654", user="anna"), 404)
        self.assertProblem(self.api("GET", "/api/v1/citizens/987654/cases", user="anna"), 404)

    def test_unknown_field(self):
        r = self.api("POST", "/api/v1/cases", self.base(utfall="löst"), user="anna")
        self.assertProblem(r, 422, "utfall")

    def test_oversize_body_is_413(self):
        before = self.counts()
        r = self.api("POST", "/api/v1/cases", self.base(summary="x" * (2 << 20)), user="anna")
        self.assertProblem(r, 413)
        self.assertEqual(self.counts(), before)

    def test_summary_limits(self):
        self.assertProblem(self.api("POST", "/api/v1/cases", self.base(summary=""), user="anna"), 422, "summary")
        self.assertProblem(self.api("POST", "/api/v1/cases", self.base(summary="å" * 4001), user="anna"), 422,
                           "summary")

    def test_boundary_violations(self):
        before = self.counts()
        # the agreement says: the department decides on assistance — the center hands over
        r = self.api("POST", "/api/v1/cases", self.base(category_id=self.cat_handover, outcome="resolved"),
                     user="anna")
        self.assertProblem(r, 422, "outcome")
        self.assertIn("handed_over", r.json["errors"][0]["message"])
        # and a question the center answers itself may not be handed over
        r = self.api("POST", "/api/v1/cases", self.base(outcome="handed_over",
                                                        handover={"contact_id": self.contact, "message": "Ring"}),
                     user="anna")
        self.assertProblem(r, 422, "outcome")
        # a category of another group
        other_cat = self.srv.sql("SELECT id FROM categories WHERE group_id=?", self.other_group)[0][0]
        r = self.api("POST", "/api/v1/cases", self.base(category_id=other_cat), user="anna")
        self.assertProblem(r, 422, "category_id")
        # a client without an agreement covering this group
        tk = self.srv.sql("SELECT id FROM clients WHERE name='Trafikkontoret'")[0][0]
        r = self.api("POST", "/api/v1/cases", self.base(client_id=tk), user="anna")
        self.assertProblem(r, 422, "client_id")
        self.assertEqual(self.counts(), before)

    def test_handover_with_working_day_due_date_and_answer(self):
        r = self.api("POST", "/api/v1/cases", self.base(
            category_id=self.cat_handover, outcome="handed_over", received_at="2026-04-02T10:00:00Z",
            handover={"message": "Önskar kontakt om utökad hemtjänst."}), user="anna")
        self.assertEqual(r.status, 201, r)
        h = r.json["handovers"][0]
        self.assertEqual(h["contact_id"], self.contact)  # from the boundary rule
        self.assertIn("två arbetsdagar", h["instructions"])
        # an overdue one: due date in the past is listed as overdue
        self.srv.sql("UPDATE handovers SET due_date='2026-01-02' WHERE id=?", h["id"])
        lst = self.api("GET", "/api/v1/handovers?overdue=true", user="lead.aldre").json["items"]
        self.assertIn(h["id"], [x["id"] for x in lst])
        self.assertTrue(all(x["overdue"] for x in lst))
        # the department answers; a second answer is refused
        ans = self.api("POST", f"/api/v1/handovers/{h['id']}/answer", {"answer": "Handläggaren har ringt upp."},
                       user="viewer.aldre")
        self.assertEqual(ans.status, 200, ans)
        again = self.api("POST", f"/api/v1/handovers/{h['id']}/answer", {"answer": "Igen"}, user="viewer.aldre")
        self.assertProblem(again, 409)
        other = self.api("POST", f"/api/v1/handovers/{h['id']}/answer", {"answer": "x"}, user="viewer.trafik")
        self.assertProblem(other, 403)
        lst = self.api("GET", "/api/v1/handovers?overdue=true", user="lead.aldre").json["items"]
        self.assertNotIn(h["id"], [x["id"] for x in lst])
        case = self.api("GET", f"/api/v1/cases/{r.json['id']}", user="anna").json
        self.assertEqual(case["handovers"][0]["answer"], "Handläggaren har ringt upp.")
        self.assertIn("handover_answer", [x["field"] for x in case["history"]])

    def test_due_date_counts_swedish_working_days(self):
        # Maundy Thursday 2026-04-02 + 2 working days skips Good Friday and Easter Monday
        r = self.api("POST", "/api/v1/cases", self.base(category_id=self.cat_handover, outcome="handed_over",
                                                        handover={"message": "Test"}), user="anna")
        hid = r.json["handovers"][0]["id"]
        created = self.srv.sql("SELECT created_at FROM handovers WHERE id=?", hid)[0][0]
        self.assertTrue(r.json["handovers"][0]["due_date"] > "2026-01-01")
        self.assertIsInstance(created, int)

    def test_handover_after_the_fact_and_bad_handover(self):
        c = self.api("POST", "/api/v1/cases", self.base(category_id=self.cat_handover, outcome="handed_over",
                                                        handover={"contact_id": self.contact, "message": "Ring"}),
                     user="anna").json
        r = self.api("POST", f"/api/v1/cases/{c['id']}/handovers", {"contact_id": 999999, "message": "x"}, user="anna")
        self.assertProblem(r, 422, "handover.contact_id")
        r = self.api("POST", f"/api/v1/cases/{c['id']}/handovers", {"message": "Ny kontakt", "due_date": "2020-01-01"},
                     user="anna")
        self.assertProblem(r, 422, "handover.due_date")
        r = self.api("POST", "/api/v1/cases", self.base(category_id=self.cat_handover, outcome="handed_over"),
                     user="anna")
        self.assertProblem(r, 422, "handover.message")

    def test_update_goes_to_history(self):
        c = self.api("POST", "/api/v1/cases", self.base(), user="anna").json
        r = self.api("PATCH", f"/api/v1/cases/{c['id']}", {"outcome": "guided", "summary": "Vägledd till 1177."},
                     user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["outcome"], "guided")
        fields = [(h["field"], h["old"], h["new"]) for h in r.json["history"]]
        self.assertIn(("outcome", "resolved", "guided"), fields)
        self.assertIn(("summary", "Frågade om hemtjänstavgift.", "Vägledd till 1177."), fields)
        # A long summary is kept whole as the old value (å, ä, ö are two bytes each).
        long = "Åsa på Östermalm frågade länge om hemtjänstens avgifter och fick svar. " * 3
        c2 = self.api("POST", "/api/v1/cases", self.base(summary=long), user="anna").json
        r = self.api("PATCH", f"/api/v1/cases/{c2['id']}", {"summary": "Kortare."}, user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertIn(("summary", long, "Kortare."), [(h["field"], h.get("old"), h["new"]) for h in r.json["history"]])
        self.assertProblem(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"group_id": 2}, user="anna"), 422, "group_id")
        self.assertProblem(self.api("PATCH", f"/api/v1/cases/{c['id']}", {"category_id": self.cat_handover},
                                    user="anna"), 422, "outcome")

    def test_confidential_only_for_group_and_managers(self):
        c = self.api("POST", "/api/v1/cases", self.base(confidential=True, summary="Skyddad identitet."),
                     user="anna").json
        self.assertEqual(self.api("GET", f"/api/v1/cases/{c['id']}", user="erik").status, 200)  # same group
        self.assertEqual(self.api("GET", f"/api/v1/cases/{c['id']}", user="chef.barn").status, 200)  # manager
        self.assertProblem(self.api("GET", f"/api/v1/cases/{c['id']}", user="lars"), 403)  # Förskola agent
        found = self.api("GET", "/api/v1/cases?q=Skyddad", user="lars").json
        self.assertEqual(found["total"], 0)
        self.assertEqual(self.api("GET", "/api/v1/cases?q=Skyddad", user="erik").json["total"], 1)
        self.assertTrue(self.srv.sql("SELECT 1 FROM audit_log WHERE action='read_denied' AND entity_id=?", c["id"]))

    def test_client_viewer_sees_only_own_handed_over_cases(self):
        own = self.api("POST", "/api/v1/cases", self.base(category_id=self.cat_handover, outcome="handed_over",
                                                          handover={"message": "Till förvaltningen"}),
                       user="anna").json
        resolved = self.api("POST", "/api/v1/cases", self.base(), user="anna").json
        self.assertEqual(self.api("GET", f"/api/v1/cases/{own['id']}", user="viewer.aldre").status, 200)
        self.assertProblem(self.api("GET", f"/api/v1/cases/{resolved['id']}", user="viewer.aldre"), 403)
        self.assertProblem(self.api("GET", f"/api/v1/cases/{own['id']}", user="viewer.trafik"), 403)
        lst = self.api("GET", "/api/v1/cases?limit=500", user="viewer.aldre").json["items"]
        self.assertTrue(lst)
        self.assertTrue(all(c["client"] == "Äldreförvaltningen" and c["outcome"] == "handed_over" for c in lst))
        tk = self.api("GET", "/api/v1/cases?limit=500", user="viewer.trafik").json["items"]
        self.assertTrue(all(c["client"] == "Trafikkontoret" for c in tk))
        hand = self.api("GET", "/api/v1/handovers", user="viewer.trafik").json["items"]
        self.assertTrue(all(h["client"] == "Trafikkontoret" for h in hand))

    def test_threat_flag_notifies_unit_manager(self):
        c = self.api("POST", "/api/v1/cases", self.base(threat=True, summary="Uppringaren hotade personalen."),
                     user="anna").json
        n = self.api("GET", "/api/v1/notifications", user="chef.stod").json["items"]
        self.assertIn(c["id"], [x["case_id"] for x in n if x["kind"] == "threat"])
        other = self.api("GET", "/api/v1/notifications", user="chef.barn").json["items"]
        self.assertNotIn(c["id"], [x["case_id"] for x in other])
        nid = next(x["id"] for x in n if x["case_id"] == c["id"])
        self.assertEqual(self.api("POST", f"/api/v1/notifications/{nid}/read", user="chef.stod").status, 204)
        self.assertProblem(self.api("POST", f"/api/v1/notifications/{nid}/read", user="chef.barn"), 404)

    def test_search_filters(self):
        r = self.api("GET", f"/api/v1/cases?group_id={self.group}&outcome=resolved&limit=500", user="chef.stod")
        self.assertEqual(r.status, 200)
        self.assertTrue(all(c["group_id"] == self.group and c["outcome"] == "resolved" for c in r.json["items"]))
        r = self.api("GET", "/api/v1/cases?from=2026-01-01&to=2026-01-02", user="chef.stod")
        self.assertEqual(r.status, 200)
        self.assertProblem(self.api("GET", "/api/v1/cases?from=igår", user="anna"), 400)
        self.assertProblem(self.api("GET", "/api/v1/cases?personal_id=123", user="anna"), 400)
        self.assertProblem(self.api("GET", "/api/v1/cases?limit=5000", user="anna"), 400)

    def test_received_at_for_letters(self):
        r = self.api("POST", "/api/v1/cases", self.base(channel="letter", received_at="2026-03-02T08:00:00+01:00"),
                     user="anna")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["received_at"], "2026-03-02T07:00:00Z")
        r = self.api("POST", "/api/v1/cases", self.base(received_at="2999-01-01T00:00:00Z"), user="anna")
        self.assertProblem(r, 422, "received_at")

    def test_audit_log_readable_by_managers(self):
        r = self.api("GET", "/api/v1/audit?entity=case&limit=5", user="chef.stod")
        self.assertEqual(r.status, 200)
        self.assertLessEqual(len(r.json["items"]), 5)
        self.assertTrue(all(x["entity"] == "case" for x in r.json["items"]))

    def test_threat_filter_keeps_the_confidential_rule(self):
        open_threat = self.api("POST", "/api/v1/cases", self.base(threat=True, summary="Hotade att komma hit."),
                               user="anna").json
        secret = self.api("POST", "/api/v1/cases", self.base(threat=True, confidential=True,
                                                             summary="Hot, skyddad identitet."), user="anna").json
        self.api("POST", "/api/v1/cases", self.base(summary="Vanlig fråga."), user="anna")
        mine = self.api("GET", "/api/v1/cases?threat=true&limit=500", user="chef.stod")
        self.assertEqual(mine.status, 200, mine)
        self.assertTrue(all(c["threat"] for c in mine.json["items"]), mine.json)
        self.assertTrue({open_threat["id"], secret["id"]} <= {c["id"] for c in mine.json["items"]})
        self.assertEqual(mine.json["total"], len(mine.json["items"]))
        # A group lead of another group sees the open one, not the confidential one.
        other = {c["id"] for c in self.api("GET", "/api/v1/cases?threat=true&limit=500",
                                           user="lead.forskola").json["items"]}
        self.assertIn(open_threat["id"], other)
        self.assertNotIn(secret["id"], other)
        self.assertIn(secret["id"], {c["id"] for c in self.api("GET", "/api/v1/cases?threat=true&limit=500",
                                                                 user="lead.aldre").json["items"]})
        self.assertEqual(self.api("GET", "/api/v1/cases?threat=true", user="viewer.aldre").json["total"], 0)
        self.assertProblem(self.api("GET", "/api/v1/cases?threat=ja", user="chef.stod"), 400)
        self.assertTrue(self.srv.sql("SELECT 1 FROM audit_log WHERE action='search' AND entity='case'"
                                     " AND detail='threat-flagged' AND user_id=(SELECT id FROM users"
                                     " WHERE username='lead.forskola')"))

    def test_case_counts_of_the_day(self):
        path = f"/api/v1/cases/counts?group_id={self.group}"
        before = self.api("GET", path, user="lead.aldre")
        self.assertEqual(before.status, 200, before)
        b = before.json
        self.api("POST", "/api/v1/cases", self.base(category_id=self.cat_handover, outcome="handed_over",
                                                    handover={"message": "Ring upp."}), user="anna")
        self.api("POST", "/api/v1/cases", self.base(outcome="guided"), user="anna")
        a = self.api("GET", path, user="lead.aldre").json
        self.assertEqual(a["total"], b["total"] + 2, (a, b))
        self.assertEqual(a["outcomes"]["handed_over"], b["outcomes"]["handed_over"] + 1)
        self.assertEqual(a["outcomes"]["guided"], b["outcomes"]["guided"] + 1)
        self.assertEqual(a["channels"]["phone"], b["channels"]["phone"] + 2)
        self.assertAlmostEqual(a["fcr"], a["outcomes"]["resolved"] / a["total"], places=6)
        self.assertGreaterEqual(a["fcr_with_guided"], a["fcr"])
        everyone = self.api("GET", "/api/v1/cases/counts", user="chef.stod").json
        self.assertGreaterEqual(everyone["total"], a["total"])
        self.assertProblem(self.api("GET", path, user="anna"), 403)
        self.assertProblem(self.api("GET", path, user="viewer.aldre"), 403)
        self.assertProblem(self.api("GET", "/api/v1/cases/counts?from=2026-02-02&to=2026-02-01",
                                    user="chef.stod"), 400)

    def test_my_figures_today(self):
        always = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                  "holidays": "ignore"}
        bygglov = self.srv.sql("SELECT id FROM groups WHERE name='Bygglov'")[0][0]
        self.assertEqual(self.api("PATCH", f"/api/v1/groups/{bygglov}", {"opening_hours": always}).status, 200)
        before = self.api("GET", "/api/v1/me/today", user="mikael")
        self.assertEqual(before.status, 200, before)
        b = before.json
        for state in ("logged_in", "ready"):
            self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": state},
                                      user="mikael").status, 200)
        call = self.api("POST", "/api/v1/acd/calls", {"group_id": bygglov, "caller": "070-222 33 44"}).json
        import time
        for _ in range(50):
            r = self.api("POST", f"/api/v1/acd/calls/{call['call_id']}/answer", user="mikael")
            if r.status == 200:
                break
            time.sleep(0.05)
        self.assertEqual(r.status, 200, r)
        time.sleep(1.1)
        self.assertEqual(self.api("POST", f"/api/v1/acd/calls/{call['call_id']}/hangup", user="mikael").status, 200)
        self.api("POST", "/api/v1/cases", self.base(), user="mikael")
        self.api("POST", "/api/v1/cases", self.base(outcome="guided"), user="mikael")
        a = self.api("GET", "/api/v1/me/today", user="mikael").json
        self.assertEqual(a["cases"]["total"], b["cases"]["total"] + 2, a)
        self.assertEqual(a["cases"]["resolved"], b["cases"]["resolved"] + 1, a)
        self.assertEqual(a["cases"]["guided"], b["cases"]["guided"] + 1, a)
        self.assertEqual(a["calls"]["answered"], b["calls"]["answered"] + 1, a)
        self.assertGreaterEqual(a["time"]["talk_s"], 1.0, a)
        self.assertGreater(a["time"]["logged_in_s"], 0, a)
        self.assertGreaterEqual(a["calls"]["aht_s"], 1.0, a)
        # Only one's own: another agent's figures did not move.
        self.assertEqual(self.api("GET", "/api/v1/me/today", user="peter").json["calls"]["answered"], 0)
        self.assertProblem(self.api("GET", "/api/v1/me/today", user="viewer.aldre"), 403)
        self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user="mikael")

    def test_handovers_of_one_group(self):
        c = self.api("POST", "/api/v1/cases", self.base(category_id=self.cat_handover, outcome="handed_over",
                                                        handover={"message": "Ring upp."}), user="anna").json
        items = self.api("GET", f"/api/v1/handovers?open=true&group_id={self.group}", user="lead.aldre").json["items"]
        self.assertIn(c["id"], [h["case_id"] for h in items])
        self.assertTrue(all(h["group_id"] == self.group for h in items), items)
        other = self.api("GET", f"/api/v1/handovers?open=true&group_id={self.other_group}", user="lead.aldre").json
        self.assertNotIn(c["id"], [h["case_id"] for h in other["items"]])
        self.assertProblem(self.api("GET", "/api/v1/handovers?group_id=x", user="lead.aldre"), 400)
