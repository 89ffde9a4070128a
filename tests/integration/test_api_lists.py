"""Every list answers one envelope and honours limit and offset; the contacts' search; the
test entry follows an entry number's voice menu; the contact page's open_now sees closures."""
import datetime

from harness import ServerTest

ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}

# (path, user) of every list the API has.
LISTS = [
    ("/api/v1/units", "admin"), ("/api/v1/groups", "admin"), ("/api/v1/closures", "admin"),
    ("/api/v1/clients", "admin"), ("/api/v1/contacts", "admin"), ("/api/v1/categories", "admin"),
    ("/api/v1/agreements", "admin"), ("/api/v1/boundaries", "admin"), ("/api/v1/users", "admin"),
    ("/api/v1/cases", "chef.stod"), ("/api/v1/handovers", "chef.stod"),
    ("/api/v1/notifications", "chef.stod"), ("/api/v1/audit", "chef.stod"),
    ("/api/v1/acd/groups", "anna"), ("/api/v1/acd/agents", "lead.aldre"),
    ("/api/v1/acd/events", "chef.stod"), ("/api/v1/calls", "chef.stod"),
    ("/api/v1/surveys/answers", "chef.stod"), ("/api/v1/kb/articles", "anna"),
    ("/api/v1/kb/flags", "anna"), ("/api/v1/kb/search?q=hemtj%C3%A4nst", "anna"),
    ("/api/v1/kb/notices", "anna"), ("/api/v1/kb/review-due", "chef.stod"),
    ("/api/v1/reports/stored", "chef.stod"), ("/api/v1/telephony/trunks", "admin"),
]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ident(item):
    """Which item it is: its id, or a live snapshot's group or agent. Two requests a moment
    apart may differ in the live figures and in the snapshot's time (`at`) of the same item."""
    for k in ("id", "group_id", "agent_id", "user_id"):
        if k in item:
            return k, item[k]
    return item


class EnvelopeTest(ServerTest):
    def test_every_list_answers_items_total_limit_offset(self):
        for path, user in LISTS:
            with self.subTest(path=path):
                r = self.api("GET", path, user=user)
                self.assertEqual(r.status, 200, r)
                self.assertIsInstance(r.json["items"], list, r)
                for k in ("total", "limit", "offset"):
                    self.assertIsInstance(r.json[k], int, (k, r))
                self.assertEqual(r.json["offset"], 0, r)
                self.assertLessEqual(len(r.json["items"]), r.json["limit"], r)
                self.assertLessEqual(len(r.json["items"]), r.json["total"], r)

    def test_every_list_honours_limit_and_offset(self):
        for path, user in LISTS:
            with self.subTest(path=path):
                sep = "&" if "?" in path else "?"
                whole = self.api("GET", path, user=user).json
                one = self.api("GET", f"{path}{sep}limit=1&offset=1", user=user)
                self.assertEqual(one.status, 200, one)
                self.assertEqual((one.json["limit"], one.json["offset"]), (1, 1), one)
                self.assertEqual(one.json["total"], whole["total"], one)
                self.assertEqual(len(one.json["items"]), 1 if whole["total"] > 1 else 0, one)
                if len(whole["items"]) > 1:
                    self.assertEqual(ident(one.json["items"][0]), ident(whole["items"][1]), path)
                self.assertProblem(self.api("GET", f"{path}{sep}limit=x", user=user), 400)
                self.assertProblem(self.api("GET", f"{path}{sep}offset=-1", user=user), 400)

    def test_handovers_honour_limit_and_offset(self):
        whole = self.api("GET", "/api/v1/handovers?limit=1000", user="chef.stod").json
        self.assertGreater(whole["total"], 3, whole["total"])
        self.assertEqual(len(whole["items"]), whole["total"])
        r = self.api("GET", "/api/v1/handovers?limit=3", user="chef.stod")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([h["id"] for h in r.json["items"]], [h["id"] for h in whole["items"][:3]])
        self.assertEqual((r.json["total"], r.json["limit"], r.json["offset"]), (whole["total"], 3, 0))
        r = self.api("GET", "/api/v1/handovers?limit=3&offset=2", user="chef.stod")
        self.assertEqual([h["id"] for h in r.json["items"]], [h["id"] for h in whole["items"][2:5]])
        # A client viewer's total counts only their own department's handovers.
        mine = self.api("GET", "/api/v1/handovers?limit=1", user="viewer.aldre").json
        self.assertLess(mine["total"], whole["total"])
        self.assertProblem(self.api("GET", "/api/v1/handovers?limit=1001", user="chef.stod"), 400)


class ContactSearchTest(ServerTest):
    def test_q_searches_name_role_phone_and_email(self):
        every = self.api("GET", "/api/v1/contacts?limit=1000").json["items"]
        c = every[0]
        r = self.api("GET", "/api/v1/contacts?q=zzz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["items"], r.json["total"]), ([], 0))
        r = self.api("GET", "/api/v1/contacts?q=" + c["name"][:3].lower())
        self.assertIn(c["id"], [x["id"] for x in r.json["items"]])
        self.assertTrue(all(c["name"][:3].lower() in (x["name"] + (x["role"] or "") + (x["phone"] or "")
                                                      + (x["email"] or "")).lower() for x in r.json["items"]))
        self.assertEqual(r.json["total"], len(r.json["items"]))
        # A phone number as people write it finds the stored E.164 form.
        local = "0" + c["phone"][3:]
        r = self.api("GET", "/api/v1/contacts?q=" + local)
        self.assertEqual([x["id"] for x in r.json["items"]], [x["id"] for x in every if x["phone"] == c["phone"]])
        r = self.api("GET", "/api/v1/contacts?q=" + c["email"].split("@")[0])
        self.assertIn(c["id"], [x["id"] for x in r.json["items"]])
        # LIKE's own characters are plain text; q goes with the other filters.
        self.assertEqual(self.api("GET", "/api/v1/contacts?q=%25").json["total"], 0)
        r = self.api("GET", f"/api/v1/contacts?client_id={c['client_id']}&q=" + c["name"][:3])
        self.assertTrue(all(x["client_id"] == c["client_id"] for x in r.json["items"]), r)
        self.assertProblem(self.api("GET", "/api/v1/contacts?q="), 400)


class EntryMenuTest(ServerTest):
    NUMBER = "08-508 001 00"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.srv.login("admin")
        for g in range(1, 9):
            r = cls.srv.request("PATCH", f"/api/v1/groups/{g}", {"opening_hours": ALWAYS}, token=admin)
            assert r.status == 200, r
        menu = {"prompt": "meny_stockholm", "default_group": 1,
                "options": {"1": {"group": 2}, "0": {"repeat": True}, "9": {"announcement": "oppettider"},
                            "2": {"menu": {"prompt": "oppettider", "options": {"1": {"group": 4}}}}}}
        r = cls.srv.request("PUT", "/api/v1/telephony/menus", {"number": cls.NUMBER, "menu": menu}, token=admin)
        assert r.status == 200, r

    def group_of(self, ivr):
        r = self.api("POST", "/api/v1/acd/calls", {"entry": self.NUMBER, "ivr": ivr, "caller": "070-111 22 33"})
        self.assertEqual(r.status, 201, r)
        self.api("POST", f"/api/v1/acd/calls/{r.json['call_id']}/hangup")
        return r.json.get("group_id")

    def test_keys_lead_where_a_caller_pressing_them_goes(self):
        self.assertEqual(self.group_of("1"), 2)
        self.assertEqual(self.group_of("2,1"), 4)
        self.assertEqual(self.group_of("21"), 4)
        self.assertEqual(self.group_of("0,9,1"), 2)  # repeat and announcement stay in the menu
        self.assertEqual(self.group_of(""), 1)  # no key: the menu's default group
        self.assertEqual(self.group_of("2"), 1)  # a submenu left without a key: the default

    def test_a_key_without_an_option_is_400_naming_ivr(self):
        for ivr in ("7", "2,7", "1,1"):
            with self.subTest(ivr=ivr):
                self.assertProblem(self.api("POST", "/api/v1/acd/calls",
                                            {"entry": self.NUMBER, "ivr": ivr}), 400, "ivr")


class OpenNowTest(ServerTest):
    def test_open_now_is_false_during_a_closure(self):
        # Open around the clock, holidays too, so only the closure can close the group.
        self.assertEqual(self.api("PATCH", "/api/v1/groups/3", {"opening_hours": ALWAYS}).status, 200)
        self.assertEqual(self.api("PATCH", "/api/v1/groups/5", {"opening_hours": ALWAYS}).status, 200)

        def open_now(gid):
            groups = self.srv.request("GET", "/api/v1/public/contact").json["groups"]
            return [g for g in groups if g["id"] == gid][0]["open_now"]

        self.assertTrue(open_now(3))
        now = datetime.datetime.now(datetime.timezone.utc)
        r = self.api("POST", "/api/v1/closures", {"group_id": 3, "reason": "APT",
                                                  "starts_at": iso(now - datetime.timedelta(hours=1)),
                                                  "ends_at": iso(now + datetime.timedelta(hours=2))})
        self.assertEqual(r.status, 201, r)
        self.assertFalse(open_now(3))
        self.assertTrue(open_now(5))
        # The queue agrees: a call now is closed at once.
        self.assertFalse(self.api("GET", "/api/v1/acd/groups/3", user="chef.stod").json["open"])
