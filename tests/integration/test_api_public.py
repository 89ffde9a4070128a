"""The public endpoints over HTTP, without a login: the contact page's data and the Tyck till
feedback form (a web case in the catch-all group, audited, nothing personal in the answer)."""
from harness import ServerTest

FEEDBACK = {"kind": "praise", "client_id": 3, "message": "Snabb snöröjning på Ringvägen i morse, tack!"}


class PublicApiTest(ServerTest):
    # These tests send more feedback than a citizen may; FeedbackLimitTest has the limit.
    extra = ("--feedback-limit", "1000/600")

    def post(self, body, **kw):
        return self.srv.request("POST", "/api/v1/public/feedback", body, **kw)

    def test_contact_needs_no_token_and_lists_active_groups(self):
        r = self.srv.request("GET", "/api/v1/public/contact")
        self.assertEqual(r.status, 200, r)
        groups = r.json["groups"]
        self.assertEqual([g["name"] for g in groups][:2], ["Stockholm direkt", "Äldre direkt"])
        aldre = groups[1]
        self.assertIn("+46850836000", aldre["numbers"])
        self.assertEqual(len(aldre["hours"]), 7)
        self.assertEqual(aldre["hours"][0]["date"], r.json["today"])
        for d in aldre["hours"]:
            for a, b in d["spans"]:
                self.assertRegex(a, r"^\d\d:\d\d$")
                self.assertLess(a, b)
        self.assertEqual(aldre["busy"]["weeks"], 8)
        self.assertEqual([len(row) for row in aldre["busy"]["offered"]], [24] * 7)
        self.assertIn("Trafikkontoret", [c["name"] for c in r.json["feedback"]["clients"]])
        self.assertEqual(r.json["feedback"]["kinds"],
                         ["complaint", "praise", "idea", "opinion", "fault_report"])

    def test_busy_chart_counts_offered_calls(self):
        admin, peter = self.srv.login("admin"), self.srv.login("peter")
        always = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                  "holidays": "ignore"}
        r = self.srv.request("PATCH", "/api/v1/groups/7", {"opening_hours": always, "wrapup_s": 0}, token=admin)
        self.assertEqual(r.status, 200, r)
        for state in ("logged_in", "ready"):
            self.assertEqual(self.srv.request("POST", "/api/v1/acd/agents/me/state", {"state": state},
                                              token=peter).status, 200)
        # Eight answered calls in one hour: one a week on average over eight weeks. (A caller
        # who hangs up at once is a short abandon, which is not an offered call.)
        for _ in range(8):
            r = self.srv.request("POST", "/api/v1/acd/calls", {"group_id": 7}, token=admin)
            self.assertEqual(r.status, 201, r)
            call = r.json["call_id"]
            self.assertEqual(self.srv.request("POST", f"/api/v1/acd/calls/{call}/answer", token=peter).status, 200)
            self.assertEqual(self.srv.request("POST", f"/api/v1/acd/calls/{call}/hangup", token=peter).status, 200)
        self.srv.request("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, token=peter)
        g = [g for g in self.srv.request("GET", "/api/v1/public/contact").json["groups"] if g["id"] == 7][0]
        # (within rounding, should the calls straddle an hour)
        self.assertAlmostEqual(sum(sum(row) for row in g["busy"]["offered"]), 1.0, delta=0.11, msg=g["busy"])
        self.assertTrue(g["open_now"])

    def test_feedback_creates_an_audited_web_case_without_a_token(self):
        body = dict(FEEDBACK, name="Nora Ek", email="nora@example.se", phone="070-111 22 33")
        r = self.post(body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(sorted(r.json), ["case_id", "message"])
        self.assertTrue(r.json["message"].startswith("Tack"))
        for personal in ("Nora", "nora@", "070", "+4670", "Snabb"):
            self.assertNotIn(personal, r.body)
        case = self.api("GET", f"/api/v1/cases/{r.json['case_id']}").json
        self.assertEqual((case["channel"], case["group_id"], case["client_id"], case["summary"], case["outcome"]),
                         ("web", 1, 3, FEEDBACK["message"], None), case)
        self.assertEqual((case["status"], case["handled"], case["agent_id"]), ("open", False, None), case)
        self.assertEqual(case["citizen"]["email"], "nora@example.se", case)
        cat = self.srv.sql("SELECT kind FROM categories WHERE id = ?", case["category_id"])
        self.assertEqual(cat, [("praise",)])
        audit = self.srv.sql("SELECT action, user_id FROM audit_log WHERE entity = 'case' AND entity_id = ?"
                             " ORDER BY id", r.json["case_id"])
        self.assertEqual(audit[:2], [("create", None), ("public_feedback", None)], audit)

    def test_feedback_is_open_and_unbilled_until_an_agent_handles_it(self):
        import datetime
        import zoneinfo
        month = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Stockholm")).strftime("%Y-%m")

        def figures():
            rep = self.api("GET", f"/api/v1/reports/monthly?month={month}&client_id=3").json
            inv = self.api("GET", f"/api/v1/reports/invoice?month={month}&client_id=3").json
            billed = [i for a in inv["agreements"] for ln in a["lines"] for i in ln.get("case_ids", [])]
            return rep["totals"]["cases"], rep["totals"]["channels"]["web"], inv["amount"], billed

        before = figures()
        r = self.post(dict(FEEDBACK, message="Synpunkt som ingen har läst än."))
        self.assertEqual(r.status, 201, r)
        cid = r.json["case_id"]
        case = self.api("GET", f"/api/v1/cases/{cid}").json
        self.assertEqual((case["status"], case["outcome"], case["handled"]), ("open", None, False))
        # open work: listed as unhandled, not counted, not billed
        unhandled = self.api("GET", "/api/v1/cases?outcome=none&limit=200").json["items"]
        self.assertIn(cid, [c["id"] for c in unhandled])
        self.assertTrue(all(c["outcome"] is None for c in unhandled), unhandled)
        handled = self.api("GET", "/api/v1/cases?outcome=resolved&limit=200").json["items"]
        self.assertNotIn(cid, [c["id"] for c in handled])
        after = figures()
        self.assertEqual(after[:3], before[:3])
        self.assertNotIn(cid, after[3])
        # an agent handles it: now it counts once and is billed at the web price (30 kr)
        r = self.api("PATCH", f"/api/v1/cases/{cid}", {"outcome": "resolved"}, user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["outcome"], r.json["handled"]), ("resolved", True))
        self.assertIsNotNone(r.json["agent_id"])
        cases, web, amount, billed = figures()
        self.assertEqual((cases, web), (before[0] + 1, before[1] + 1))
        self.assertAlmostEqual(amount, before[2] + 30.0)
        self.assertIn(cid, billed)
        # the outcome cannot be unset again
        self.assertProblem(self.api("PATCH", f"/api/v1/cases/{cid}", {"outcome": None}), 422, "outcome")

    def test_fault_report_keeps_its_place(self):
        r = self.post({"kind": "fault_report", "client_id": 3, "message": "Gatlampan är trasig.",
                       "address": "Ringvägen 12, Stockholm", "latitude": 59.3105, "longitude": 18.0712})
        self.assertEqual(r.status, 201, r)
        case = self.api("GET", f"/api/v1/cases/{r.json['case_id']}").json
        self.assertEqual(case["category_kind"], "fault_report")
        self.assertEqual(case["place"], {"address": "Ringvägen 12, Stockholm", "latitude": 59.3105,
                                         "longitude": 18.0712})
        self.assertIsNone(case["outcome"])
        # coordinates are optional; an address without a fault report, half a point, or a
        # point off the globe is refused and nothing is created
        r = self.post({"kind": "fault_report", "client_id": 3, "message": "Hål i gatan.",
                       "address": "Hornsgatan 1"})
        self.assertEqual(r.status, 201, r)
        n = self.srv.sql("SELECT COUNT(*) FROM cases")[0][0]
        self.assertProblem(self.post(dict(FEEDBACK, address="Hornsgatan 1")), 422, "address")
        self.assertProblem(self.post({"kind": "fault_report", "client_id": 3, "message": "x",
                                      "latitude": 59.3}), 422, "longitude")
        self.assertProblem(self.post({"kind": "fault_report", "client_id": 3, "message": "x",
                                      "latitude": 95, "longitude": 18}), 422, "latitude")
        self.assertProblem(self.post({"kind": "fault_report", "client_id": 3, "message": "x",
                                      "latitude": "norr", "longitude": 18}), 422, "latitude")
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM cases")[0][0], n)

    def test_anonymous_feedback_of_every_kind(self):
        for kind in ("complaint", "praise", "idea", "opinion", "fault_report"):
            r = self.post({"kind": kind, "client_id": 1, "message": f"Anonym {kind}."})
            self.assertEqual(r.status, 201, (kind, r))
            case = self.api("GET", f"/api/v1/cases/{r.json['case_id']}").json
            self.assertIsNone(case.get("citizen"), case)

    def test_feedback_errors_name_the_field(self):
        self.assertProblem(self.post(dict(FEEDBACK, kind="rant")), 422, "kind")
        self.assertProblem(self.post(dict(FEEDBACK, kind=None)), 422, "kind")
        r = self.post(dict(FEEDBACK, message="å" * 4001))
        self.assertProblem(r, 422, "message")
        self.assertIn("4000", r.json["errors"][0]["message"])
        self.assertEqual(self.post(dict(FEEDBACK, message="å" * 4000)).status, 201)
        self.assertProblem(self.post(dict(FEEDBACK, message="")), 422, "message")
        self.assertProblem(self.post(dict(FEEDBACK, client_id=999)), 422, "client_id")
        self.assertProblem(self.post(dict(FEEDBACK, email="inte-en-adress")), 422, "email")
        self.assertProblem(self.post(dict(FEEDBACK, phone="ring mig")), 422, "phone")
        self.assertProblem(self.post(dict(FEEDBACK, name="x" * 121)), 422, "name")
        self.assertProblem(self.post(dict(FEEDBACK, group_id=2)), 422, "group_id")
        self.assertProblem(self.post(None, raw=b"not json"), 400)
        r = self.post(dict(FEEDBACK, kind="rant"), headers={"Accept-Language": "en"})
        self.assertIn("choose what it is", r.json["errors"][0]["message"])

    def test_staff_endpoints_still_need_a_login(self):
        self.assertProblem(self.srv.request("GET", "/api/v1/cases"), 401)
        self.assertProblem(self.srv.request("GET", "/api/v1/public/contact/1"), 404)


class FeedbackLimitTest(ServerTest):
    """Tyck till is open to anyone: each address may send three messages in ten minutes here
    (five by default); the fourth is 429 with Retry-After. Corrections cost nothing."""
    extra = ("--feedback-limit", "3/600")

    def post(self, body, **kw):
        return self.srv.request("POST", "/api/v1/public/feedback", body, **kw)

    def test_fourth_message_in_ten_minutes_waits(self):
        for _ in range(4):  # invalid posts are not counted
            self.assertProblem(self.post(dict(FEEDBACK, kind="rant")), 422, "kind")
        for i in range(3):
            r = self.post(dict(FEEDBACK, message=f"Meddelande {i}."))
            self.assertEqual(r.status, 201, r)
        r = self.post(dict(FEEDBACK, message="Ett till."))
        self.assertProblem(r, 429)
        self.assertTrue(r.json["type"].endswith("too-many-requests"), r.json)
        retry = int(r.headers["Retry-After"])
        self.assertTrue(190 <= retry <= 200, retry)  # one message every 200 s
        self.assertIn("Försök igen om 4 minuter", r.json["detail"])
        en = self.post(dict(FEEDBACK, message="One more."), headers={"Accept-Language": "en"})
        self.assertProblem(en, 429)
        self.assertIn("try again in 4 minutes", en.json["detail"])
        # Nothing was created by the refused posts, and the contact page still answers.
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM cases WHERE summary IN ('Ett till.', 'One more.')"),
                         [(0,)])
        self.assertEqual(self.srv.request("GET", "/api/v1/public/contact").status, 200)

    def test_a_bad_setting_stops_the_server(self):
        from harness import Server
        srv = Server(extra=("--feedback-limit", "fem"))
        with self.assertRaises(RuntimeError) as e:
            srv.start()
        srv.log.close()
        self.assertIn("feedback-limit", str(e.exception))
