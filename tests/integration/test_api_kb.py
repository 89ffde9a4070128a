"""Knowledge base over HTTP: Swedish search, editing rights, versions and diff, Markdown
safety, flags to the owner and urgent notices."""
import http.client
import json
import time

from harness import ServerTest


class KnowledgeBaseTest(ServerTest):
    def api(self, method, path, body=None, user="lead.aldre", **kw):
        if user not in self.tokens:
            self.tokens[user] = self.srv.login(user)
        return self.srv.request(method, path, body, token=self.tokens[user], **kw)

    def test_search_finds_inflected_and_compound_words(self):
        for q, slug in (("förskoleplatser", "forskoleplats-ansokan"),
                        ("parkeringstillståndet rörelsehindrad", "p-tillstand-rorelsehindrade"),
                        ("dagis", None)):
            r = self.api("GET", f"/api/v1/kb/search?q={q}", user="anna")
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["items"], q)
            if slug:
                self.assertEqual(r.json["items"][0]["slug"], slug, q)
            self.assertIn("<mark>", r.json["items"][0]["snippet"])

    def test_search_with_a_typo(self):
        r = self.api("GET", "/api/v1/kb/search?q=hemtjänts", user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(any("hemtjanst" in h["slug"] for h in r.json["items"][:3]), r.json)

    def test_search_needs_a_query_and_a_login(self):
        self.assertProblem(self.api("GET", "/api/v1/kb/search", user="anna"), 400)
        self.assertProblem(self.api("GET", "/api/v1/kb/search?q=x&limit=abc", user="anna"), 400)
        self.assertEqual(self.srv.request("GET", "/api/v1/kb/search?q=förskola").status, 401)

    def create(self, user="lead.aldre", **fields):
        body = {"title": "Trygghetslarm – felanmälan", "kind": "routine",
                "body": "Ring larmcentralen.", "groups": [2], "clients": [1],
                "status": "published"}
        body.update(fields)
        return self.api("POST", "/api/v1/kb/articles", body, user=user)

    def test_versions_and_diff(self):
        r = self.create(slug="trygghetslarm-fel")
        self.assertEqual(r.status, 201, r)
        aid = r.json["id"]
        u = self.api("PATCH", f"/api/v1/kb/articles/{aid}",
                     {"body": "Ring larmcentralen.\n\nFelanmälan dygnet runt.", "note": "dygnet runt"})
        self.assertEqual(u.status, 200, u)
        self.assertEqual(u.json["version"], 2)
        v = self.api("GET", f"/api/v1/kb/articles/{aid}/versions", user="anna")
        self.assertEqual([x["version"] for x in v.json["items"]][:2], [2, 1])
        d = self.api("GET", f"/api/v1/kb/articles/{aid}/diff?from=1&to=2", user="anna")
        self.assertEqual(d.status, 200, d)
        self.assertIn("+Felanmälan dygnet runt.", d.json["diff"])
        self.assertProblem(self.api("GET", f"/api/v1/kb/articles/{aid}/diff?from=1&to=9"), 404)
        self.assertProblem(self.api("GET", f"/api/v1/kb/articles/{aid}/diff?from=x&to=2"), 400)

    def test_markdown_never_lets_script_out(self):
        r = self.create(slug="farlig-text", body="Hej <script>alert(1)</script>\n\n"
                        "[klicka](javascript:alert(1)) ![bild](data:text/html,x)")
        self.assertEqual(r.status, 201, r)
        a = self.api("GET", f"/api/v1/kb/articles/{r.json['id']}", user="anna").json
        self.assertNotIn("<script", a["body_html"])
        self.assertNotIn("javascript:", a["body_html"])
        self.assertNotIn("data:text", a["body_html"])

    def test_who_may_edit(self):
        # An agent reads but does not write.
        self.assertProblem(self.create(user="anna", slug="agentens"), 403)
        # A department contact edits its own department's articles only.
        own = self.create(user="viewer.trafik", slug="trafik-egen", groups=[6], clients=[3])
        self.assertEqual(own.status, 201, own)
        self.assertProblem(self.create(user="viewer.trafik", slug="trafik-annan", clients=[1]), 403)
        other = self.create(slug="aldre-artikel")
        # Another department's article is not even visible to it.
        r = self.api("PATCH", f"/api/v1/kb/articles/{other.json['id']}", {"title": "Ändrad"},
                     user="viewer.trafik")
        self.assertIn(r.status, (403, 404), r)
        after = self.api("GET", f"/api/v1/kb/articles/{other.json['id']}").json
        self.assertEqual(after["title"], "Trygghetslarm – felanmälan")
        self.assertEqual(after["version"], 1)

    def test_bad_input_is_named(self):
        self.assertProblem(self.create(slug="utan-typ", kind="roman"), 422, "kind")
        self.assertProblem(self.create(slug="Fel Slug!"), 422, "slug")
        self.assertProblem(self.create(slug="utan-titel", title=""), 422, "title")
        r = self.api("POST", "/api/v1/kb/articles", raw=b'{"title": "x"')
        self.assertProblem(r, 400)
        self.assertProblem(self.api("GET", "/api/v1/kb/articles/999999", user="anna"), 404)
        self.assertProblem(self.api("PATCH", "/api/v1/kb/articles/999999", {"title": "x"}), 404)

    def test_flag_reaches_the_owner_and_is_closed(self):
        a = self.create(slug="flaggad", owner_id=None)
        self.assertEqual(a.status, 201, a)
        f = self.api("POST", f"/api/v1/kb/articles/{a.json['id']}/flags",
                     {"kind": "outdated", "message": "Numret har bytts."}, user="anna")
        self.assertEqual(f.status, 201, f)
        open_flags = self.api("GET", "/api/v1/kb/flags?status=open").json["items"]
        self.assertIn(f.json["id"], [x["id"] for x in open_flags])
        c = self.api("PATCH", f"/api/v1/kb/flags/{f.json['id']}", {"status": "closed", "note": "Rättat."})
        self.assertEqual(c.status, 200, c)
        self.assertProblem(self.api("POST", f"/api/v1/kb/articles/{a.json['id']}/flags",
                                    {"kind": "bad"}, user="anna"), 422, "kind")

    def test_stream_tells_of_notices_published_changed_and_withdrawn(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        conn.request("GET", "/api/v1/acd/stream?access_token=" + self.api_token("anna"))
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)

        def notices_until(marker_id):
            """The notice events up to the one for marker_id (a published notice)."""
            seen, ev, deadline = [], None, time.time() + 10
            while time.time() < deadline:
                line = resp.fp.readline().decode()
                if line.startswith("event: "):
                    ev = line[7:].strip()
                elif line.startswith("data: ") and ev == "notice":
                    seen.append(json.loads(line[6:]))
                    if seen[-1]["id"] == marker_id:
                        return seen
            self.fail(f"no notice event for {marker_id}: {seen}")

        # A draft notice and a routine are nobody's notice: no event. Publishing is one.
        draft = self.create(slug="avbrott-draft", kind="notice", status="draft").json["id"]
        self.create(slug="rutin-utan-event", kind="routine")
        live = self.create(slug="avbrott-vatten", kind="notice", title="Vattenavstängning").json["id"]
        self.assertEqual(notices_until(live), [{"id": live}])
        # Changed, then withdrawn (archived): an event each; publishing the draft too.
        self.assertEqual(self.api("PATCH", f"/api/v1/kb/articles/{live}", {"body": "Åter i kväll."}).status, 200)
        self.assertEqual(notices_until(live), [{"id": live}])
        self.assertEqual(self.api("PATCH", f"/api/v1/kb/articles/{live}", {"status": "archived"}).status, 200)
        self.assertEqual(notices_until(live), [{"id": live}])
        self.assertEqual(self.api("PATCH", f"/api/v1/kb/articles/{draft}", {"status": "published"}).status, 200)
        self.assertEqual(notices_until(draft), [{"id": draft}])
        conn.close()

    def api_token(self, user):
        if user not in self.tokens:
            self.tokens[user] = self.srv.login(user)
        return self.tokens[user]

    def test_urgent_notice_is_on_top(self):
        r = self.api("GET", "/api/v1/kb/notices?group_id=6", user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["items"])
        self.assertTrue(all(x["kind"] == "notice" for x in r.json["items"]))

    def test_synonyms_are_edited_by_leads_and_apply_at_once(self):
        r = self.api("GET", "/api/v1/kb/synonyms?limit=5")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json), {"items", "total", "limit", "offset"})
        self.assertEqual((len(r.json["items"]), r.json["limit"], r.json["offset"]), (5, 5, 0))
        self.assertGreater(r.json["total"], 50)  # the defaults
        self.assertProblem(self.api("POST", "/api/v1/kb/synonyms", {"word": "x", "means": "y"}, user="anna"), 403)
        self.assertProblem(self.api("POST", "/api/v1/kb/synonyms", {"word": "två ord", "means": ""}), 422, "word")
        before = self.api("GET", "/api/v1/kb/search?q=rutschkanan", user="anna").json["items"]
        self.assertNotIn("lekplats-parkbank", [h["slug"] for h in before[:1]])
        c = self.api("POST", "/api/v1/kb/synonyms", {"word": "rutschkana", "means": "lekplats gunga"})
        self.assertEqual(c.status, 201, c)
        self.assertEqual(c.json["hits"][0]["slug"], "lekplats-parkbank")
        after = self.api("GET", "/api/v1/kb/search?q=rutschkanan", user="anna").json["items"]
        self.assertEqual(after[0]["slug"], "lekplats-parkbank")
        self.assertEqual(self.api("DELETE", f"/api/v1/kb/synonyms/{c.json['id']}").status, 204)
        self.assertProblem(self.api("DELETE", f"/api/v1/kb/synonyms/{c.json['id']}"), 404)

    def test_missed_question_becomes_a_search_word(self):
        q = "katten har fastnat i trädet"
        self.assertEqual(self.api("POST", "/api/v1/kb/missing", {"question": q}, user="anna").status, 201)
        art = self.srv.sql("SELECT id FROM kb_articles WHERE slug = 'trad-beskarning'")[0][0]
        self.assertProblem(self.api("POST", "/api/v1/kb/missing/connect",
                                    {"question": q, "article_id": art}, user="anna"), 403)
        r = self.api("POST", "/api/v1/kb/missing/connect", {"question": q, "article_id": art})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["as"], r.json["closed"]), ("keyword", 1))
        self.assertEqual(r.json["hits"][0]["slug"], "trad-beskarning")
        k = self.api("GET", "/api/v1/kb/keywords")
        self.assertIn(q, [x["phrase"] for x in k.json["items"]])
        self.assertEqual(self.api("GET", "/api/v1/kb/search?q=trädet+katten+fastnat",
                                  user="anna").json["items"][0]["slug"], "trad-beskarning")
        self.assertProblem(self.api("POST", "/api/v1/kb/missing/connect", {"question": q, "article_id": 999999}), 404)

    def missed(self, user="lead.aldre"):
        r = self.api("GET", "/api/v1/kb/stats", user=user)
        self.assertEqual(r.status, 200, r)
        return {m["query"]: m for m in r.json["missed_searches"]}

    def test_search_with_no_hit_is_listed_until_connected(self):
        q = "Zqxjv  Qwpzk"
        r = self.api("GET", "/api/v1/kb/search?q=" + q.replace(" ", "+"), user="anna")
        self.assertEqual((r.status, r.json["items"]), (200, []), r)
        self.api("GET", "/api/v1/kb/search?q=zqxjv+qwpzk", user="anna")
        m = self.missed()["zqxjv qwpzk"]
        self.assertEqual((m["no_hit"], m["no_click"], m["count"]), (2, 0, 2))
        self.assertIn("last_at", m)
        self.assertNotIn("user_id", m)
        # Agents neither read the statistics nor connect.
        self.assertProblem(self.api("GET", "/api/v1/kb/stats", user="anna"), 403)
        art = self.srv.sql("SELECT id FROM kb_articles WHERE slug = 'trad-beskarning'")[0][0]
        self.assertProblem(self.api("POST", "/api/v1/kb/missing/connect",
                                    {"question": m["query"], "article_id": art}, user="anna"), 403)
        r = self.api("POST", "/api/v1/kb/missing/connect", {"question": m["query"], "article_id": art})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["resolved_searches"], r.json["hits"][0]["slug"]), (1, "trad-beskarning"))
        self.assertNotIn("zqxjv qwpzk", self.missed())
        r = self.api("GET", "/api/v1/kb/search?q=zqxjv+qwpzk", user="anna")
        self.assertEqual(r.json["items"][0]["slug"], "trad-beskarning")
        self.assertEqual(self.srv.sql("SELECT count(*) FROM kb_search_misses"
                                      " WHERE query = 'zqxjv qwpzk' AND resolved_at IS NOT NULL")[0][0], 1)

    def test_unopened_hits_are_counted_and_personal_data_is_not_kept(self):
        r = self.api("POST", "/api/v1/kb/search/abandon", {"q": "Förskola  avgift "}, user="anna")
        self.assertEqual((r.status, r.json), (200, {"recorded": True}), r)
        m = self.missed()["förskola avgift"]
        self.assertEqual((m["no_hit"], m["no_click"]), (0, 1))
        for q in ("811218-9876", "ring 070-123 45 67"):
            r = self.api("POST", "/api/v1/kb/search/abandon", {"q": q}, user="anna")
            self.assertEqual(r.json, {"recorded": False}, q)
            self.api("GET", "/api/v1/kb/search?q=" + q.replace(" ", "+"), user="anna")
        self.assertEqual(self.srv.sql("SELECT count(*) FROM kb_search_misses"
                                      " WHERE query LIKE '%9876%' OR query LIKE '%070%'")[0][0], 0)

    def test_abandon_checks_its_input(self):
        for body, field in (({}, "q"), ({"q": ""}, "q"), ({"q": 5}, "q"), ({"q": "x" * 501}, "q"),
                            ({"q": "förskola", "user": 2}, "q")):
            self.assertProblem(self.api("POST", "/api/v1/kb/search/abandon", body, user="anna"), 400, field)
        self.assertEqual(self.srv.request("POST", "/api/v1/kb/search/abandon", {"q": "x"}).status, 401)

    def test_did_you_mean(self):
        r = self.api("GET", "/api/v1/kb/search?q=avgfit+förskola", user="anna")
        self.assertEqual(r.json.get("did_you_mean"), "avgift förskola")
        r = self.api("GET", "/api/v1/kb/search?q=avgift+förskola", user="anna")
        self.assertNotIn("did_you_mean", r.json)

    def test_notice_read_receipts(self):
        notice = self.create(slug="avbrott-el", kind="notice", title="Strömavbrott", groups=[2]).json["id"]
        other = self.srv.sql("SELECT id FROM kb_articles WHERE slug = 'friggebod'")[0][0]
        r = self.api("GET", "/api/v1/kb/reads")
        self.assertEqual(r.status, 200, r)
        row = [x for x in r.json["items"] if x["id"] == notice][0]
        self.assertIn("Anna Lindqvist", [u["display_name"] for u in row["unread"]])
        self.assertProblem(self.api("GET", "/api/v1/kb/reads", user="anna"), 403)
        self.assertProblem(self.api("POST", f"/api/v1/kb/articles/{other}/read", user="anna"), 404)
        self.assertEqual(self.api("POST", f"/api/v1/kb/articles/{notice}/read", user="anna").status, 200)
        self.assertIn(notice, self.api("GET", "/api/v1/kb/reads/mine", user="anna").json["items"])
        row = [x for x in self.api("GET", "/api/v1/kb/reads").json["items"] if x["id"] == notice][0]
        self.assertNotIn("Anna Lindqvist", [u["display_name"] for u in row["unread"]])
        self.assertEqual(row["confirmed"], 1)
