"""Case search over HTTP: Swedish word forms, phones in any form, the cursor, the capped
offset, the count, refused searches and hidden cases."""
import urllib.parse

from harness import ServerTest


class CaseSearchTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        cls.group = s.sql("SELECT id FROM groups WHERE name='Äldre direkt'")[0][0]
        cls.client = s.sql("SELECT id FROM clients WHERE name='Äldreförvaltningen'")[0][0]
        cls.cat = s.sql("SELECT id FROM categories WHERE name LIKE 'Hemtjänst – ansökan%'")[0][0]

    def log(self, summary, user="anna", **kw):
        c = {"group_id": self.group, "client_id": self.client, "category_id": self.cat,
             "channel": "phone", "outcome": "resolved", "summary": summary}
        c.update(kw)
        r = self.api("POST", "/api/v1/cases", c, user=user)
        self.assertEqual(r.status, 201, r)
        return r.json

    def search(self, user="chef.stod", **q):
        r = self.api("GET", "/api/v1/cases?" + urllib.parse.urlencode(q), user=user)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_word_forms_and_name(self):
        a = self.log("Frågade om hemtjänst för sin mor.", citizen={"name": "Vendela Quist"})
        b = self.log("Hemtjänstens personal kom inte i tid.")
        for q in ("hemtjänsten", "Hemtjänst", "hemtjänstens"):
            ids = [c["id"] for c in self.search(q=q, limit=500)["items"]]
            self.assertIn(a["id"], ids, q)
            self.assertIn(b["id"], ids, q)
        self.assertEqual([c["id"] for c in self.search(q="vendela quist")["items"]], [a["id"]])
        self.assertEqual([c["id"] for c in self.search(q="quist hemtjänst")["items"]], [a["id"]])
        self.assertEqual(self.search(q="zzzzqx")["total"], 0)

    def test_summary_change_moves_in_the_index(self):
        c = self.log("Undrade över xylofonlektionerna i skolan.")
        self.assertEqual([x["id"] for x in self.search(q="xylofonlektion")["items"]], [c["id"]])
        r = self.api("PATCH", f"/api/v1/cases/{c['id']}", {"summary": "Undrade över marimbakursen."}, user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.search(q="xylofonlektion")["total"], 0)
        self.assertEqual([x["id"] for x in self.search(q="marimbakurs")["items"]], [c["id"]])

    def test_phone_in_any_form(self):
        c = self.log("Ringde om trygghetslarm.", citizen={"phone": "070-987 65 43"})
        for form in ("0709876543", "070-987 65 43", "+46 70 987 65 43", "0046709876543", "070 987 65 43"):
            self.assertEqual([x["id"] for x in self.search(phone=form)["items"]], [c["id"]], form)
        self.assertProblem(self.api("GET", "/api/v1/cases?phone=abc", user="anna"), 400)

    def test_personal_id_in_any_form(self):
        c = self.log("Frågade om färdtjänst.", citizen={"personal_id": "19811218-9876"})
        for form in ("198112189876", "811218-9876", "19811218-9876"):
            self.assertIn(c["id"], [x["id"] for x in self.search(personal_id=form)["items"]], form)

    def test_cursor_walks_the_whole_list(self):
        full = self.search(limit=500)
        want = [c["id"] for c in full["items"]]
        got, after = [], None
        while True:
            q = {"limit": 7}
            if after:
                q["after"] = after
            page = self.search(**q)
            got += [c["id"] for c in page["items"]]
            after = page["next"]
            if not after or not page["items"]:
                break
        self.assertEqual(got, want[:len(got)])
        self.assertEqual(len(got), min(len(want), full["total"]))
        self.assertTrue(full["total_exact"])
        # The same with text: the cursor carries on where the page ended.
        first = self.search(q="hemtjänst", limit=2)
        if first["next"]:
            rest = self.search(q="hemtjänst", limit=500, after=first["next"])
            whole = self.search(q="hemtjänst", limit=500)
            self.assertEqual([c["id"] for c in first["items"] + rest["items"]],
                             [c["id"] for c in whole["items"]])

    def test_refused(self):
        r = self.api("GET", "/api/v1/cases?offset=1001", user="anna")
        self.assertProblem(r, 400, "offset")
        self.assertIn("after", r.body)
        self.assertEqual(self.api("GET", "/api/v1/cases?offset=1000", user="anna").status, 200)
        self.assertProblem(self.api("GET", "/api/v1/cases?after=inte-en-mark%C3%B6r", user="anna"), 400, "after")
        for q in ("a", "och", "5", " "):
            self.assertProblem(self.api("GET", "/api/v1/cases?q=" + urllib.parse.quote(q), user="anna"), 400, "q")

    def test_confidential_hidden_as_before(self):
        c = self.log("Skyddad adress, ärende om bostadsanpassning.", confidential=True)
        self.assertIn(c["id"], [x["id"] for x in self.search(user="erik", q="bostadsanpassningen")["items"]])
        self.assertNotIn(c["id"], [x["id"] for x in self.search(user="lars", q="bostadsanpassningen")["items"]])
        self.assertNotIn(c["id"], [x["id"] for x in self.search(user="viewer.aldre", q="bostadsanpassning")["items"]])
        self.assertIn(c["id"], [x["id"] for x in self.search(user="chef.barn", q="bostadsanpassning")["items"]])
