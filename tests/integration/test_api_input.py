"""Bad input over HTTP gets a clean answer: paths and query values that are not UTF-8 text
or hold %00, filters that cannot be applied, ids beyond what a record can have; every answer
forbids framing; /healthz tells when the database cannot take writes."""
import http.client
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import Server, ServerTest


class InputTest(ServerTest):
    def raw(self, path, user="admin"):
        """GET `path` exactly as written (no client-side quoting)."""
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        try:
            c.putrequest("GET", path, skip_accept_encoding=True)
            if user:
                c.putheader("Authorization", "Bearer " + self.token(user))
            c.endheaders()
            r = c.getresponse()
            body = r.read()
            return r.status, dict(r.getheaders()), body
        finally:
            c.close()

    def assertBadQuery(self, path, field, user="admin"):
        r = self.api("GET", path, user=user)
        self.assertProblem(r, 400, field)
        self.assertTrue(r.json["type"].endswith("problem-bad-query"), r)
        return r

    # --- text: UTF-8 without NUL, in the path and in every query value ---

    def test_query_value_not_utf8_is_400_naming_it(self):
        self.assertBadQuery("/api/v1/kb/search?q=%ff", "q")
        self.assertBadQuery("/api/v1/units?name=%ff", "name")
        self.assertBadQuery("/api/v1/cases?q=%c3", "q")  # a cut-off sequence
        self.assertBadQuery("/api/v1/cases?q=%ed%a0%80", "q")  # a surrogate
        self.assertBadQuery("/api/v1/cases?q=%c0%af", "q")  # an overlong "/"
        # Not only the parameters a handler reads: every one, names too.
        self.assertBadQuery("/api/v1/cases?x=%fe", "x")
        self.assertBadQuery("/api/v1/cases?x%ff=1", "query")

    def test_utf8_query_values_still_work(self):
        r = self.api("GET", "/api/v1/kb/search?q=%C3%A5tervinning")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["q"], "återvinning")

    def test_path_not_utf8_is_400(self):
        status, headers, body = self.raw("/%ff", user=None)
        self.assertEqual(status, 400, body)
        self.assertTrue(headers["Content-Type"].startswith("application/problem+json"))
        self.assertIn(b'"field":"path"', body)

    def test_nul_in_path_is_400_not_a_shorter_path(self):
        for path in ("/index.html%00.txt", "/api/v1/cases/%00", "/api/v1/cases%00/1"):
            status, _, body = self.raw(path)
            self.assertEqual(status, 400, (path, body))
            self.assertIn(b'"field":"path"', body)
        # The page itself is still served.
        self.assertEqual(self.raw("/index.html", user=None)[0], 200)

    def test_nul_in_query_value_is_400(self):
        self.assertBadQuery("/api/v1/cases?q=a%00b", "q")
        self.assertBadQuery("/api/v1/kb/search?q=%00", "q")

    # --- filters that cannot be applied ---

    def test_ill_typed_numbers_are_400_naming_the_parameter(self):
        self.assertBadQuery("/api/v1/cases?group_id=abc", "group_id")
        self.assertBadQuery("/api/v1/cases?limit=-1", "limit")
        self.assertBadQuery("/api/v1/cases?limit=%2B5", "limit")
        self.assertBadQuery("/api/v1/cases?limit=%205", "limit")
        self.assertBadQuery("/api/v1/cases?offset=99999999999999999999", "offset")
        self.assertBadQuery("/api/v1/kb/articles?category_id=1x", "category_id")
        self.assertBadQuery("/api/v1/units?limit=-5", "limit")
        self.assertBadQuery("/api/v1/categories?group_id=99999999999999999999", "group_id")
        self.assertBadQuery("/api/v1/audit?limit=5000", "limit", user="chef.stod")
        self.assertBadQuery("/api/v1/acd/events?limit=6000", "limit", user="chef.stod")

    def test_unknown_filter_values_are_400(self):
        self.assertBadQuery("/api/v1/categories?kind=bogus", "kind")
        self.assertBadQuery("/api/v1/categories?active=yes", "active")
        self.assertBadQuery("/api/v1/cases?outcome=nope", "outcome")
        self.assertBadQuery("/api/v1/cases?channel=brevduva", "channel")
        self.assertBadQuery("/api/v1/handovers?open=yes", "open")
        self.assertBadQuery("/api/v1/handovers?overdue=1", "overdue")

    def test_a_record_list_refuses_what_it_cannot_filter_by(self):
        r = self.assertBadQuery("/api/v1/units?nam=Stadsdel", "nam")
        self.assertIn("name", r.json["errors"][0]["message"])
        self.assertBadQuery("/api/v1/users?password=x", "password")

    def test_good_filters_still_filter(self):
        r = self.api("GET", "/api/v1/categories?kind=fault_report&active=true&limit=500")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["items"])
        self.assertTrue(all(c["kind"] == "fault_report" and c["active"] for c in r.json["items"]))
        r = self.api("GET", "/api/v1/cases?channel=phone&limit=5")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(all(c["channel"] == "phone" for c in r.json["items"]))
        self.assertEqual(self.api("GET", "/api/v1/handovers?open=false").status, 200)

    # --- ids are never cut to fewer bits ---

    def test_group_id_beyond_32_bits_is_not_a_smaller_group(self):
        self.assertEqual(self.api("GET", "/api/v1/acd/groups/2").status, 200)
        for path in ("/api/v1/acd/groups/4294967298", "/api/v1/acd/agents/4294967298",
                     "/api/v1/acd/groups/9223372036854775807"):
            self.assertProblem(self.api("GET", path, user="chef.stod"), 404)
        r = self.api("PATCH", "/api/v1/telephony/groups/4294967298/policy", {"recording": "off"})
        self.assertProblem(r, 404)

    def test_ids_beyond_64_bits_match_nothing(self):
        self.assertProblem(self.api("GET", "/api/v1/cases/9223372036854775808"), 404)
        self.assertProblem(self.api("GET", "/api/v1/cases/99999999999999999999999"), 404)

    def test_group_ids_beyond_32_bits_in_query_and_body(self):
        self.assertBadQuery("/api/v1/acd/intervals?group_id=4294967298", "group_id")
        self.assertBadQuery("/api/v1/calls?group_id=4294967298", "group_id", user="chef.stod")
        r = self.api("POST", "/api/v1/acd/calls", {"group_id": 4294967298})
        self.assertProblem(r, 422, "group_id")

    # --- no framing ---

    def test_null_for_a_field_that_cannot_be_empty_is_422_and_changes_nothing(self):
        """Every administrative record, every field set to null: never a 5xx; a field whose
        column cannot be empty (a group's wrap-up, an `active` flag, a mailbox's folder) is
        a 422 naming it, and the record is as it was."""
        r = self.api("POST", "/api/v1/mailboxes",
                     {"address": "nulltest@kommun.se", "imap_host": "127.0.0.1", "imap_port": 993,
                      "imap_user": "u", "imap_password": "p", "group_id": 1})
        self.assertEqual(r.status, 201, r)
        mailbox = r.json["id"]
        self.addCleanup(lambda: self.api("DELETE", f"/api/v1/mailboxes/{mailbox}"))
        must = {("groups", "wrapup_s"), ("groups", "priority"), ("groups", "active"), ("users", "active"),
                ("boundaries", "due_working_days"), ("mailboxes", "folder"), ("mailboxes", "active"),
                ("mailboxes", "tls_verify"), ("mailboxes", "imap_security")}
        refused = set()
        for name in ("units", "groups", "clients", "contacts", "categories", "agreements", "boundaries",
                     "users", "mailboxes"):
            page = self.api("GET", f"/api/v1/{name}?limit=1")
            self.assertEqual(page.status, 200, page)
            item = page.json["items"][0]
            for field in item:
                if field == "id":
                    continue
                p = self.api("PATCH", f"/api/v1/{name}/{item['id']}", {field: None})
                self.assertLess(p.status, 500, (name, field, p))
                if p.status == 422:
                    refused.add((name, field))
                    if field == "fetch":  # a mailbox's fetcher state: live, not stored
                        continue
                    after = self.api("GET", f"/api/v1/{name}/{item['id']}")
                    self.assertEqual(after.json.get(field), item.get(field), (name, field))
        self.assertLessEqual(must, refused)
        r = self.api("PATCH", "/api/v1/groups/1", {"wrapup_s": None})
        self.assertProblem(r, 422, "wrapup_s")

    def test_every_answer_forbids_framing(self):
        answers = {
            "page": self.srv.request("GET", "/index.html"),
            "json": self.api("GET", "/api/v1/me"),
            "problem": self.srv.request("GET", "/api/v1/nothing-here"),
            "bad-query": self.api("GET", "/api/v1/kb/search?q=%ff"),
        }
        for what, r in answers.items():
            self.assertEqual(r.headers.get("X-Frame-Options"), "DENY", what)
            self.assertIn("frame-ancestors 'none'", r.headers.get("Content-Security-Policy", ""), what)
        # The page keeps its own policy besides.
        self.assertIn("default-src 'self'", answers["page"].headers["Content-Security-Policy"])


class HealthzDiskFullTest(unittest.TestCase):
    """A database on a small file system of its own that is then filled up."""

    def setUp(self):
        self.mnt = tempfile.mkdtemp(prefix="lotsen-full-")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "none", self.mnt],
                           capture_output=True, text=True)
        if p.returncode != 0:
            os.rmdir(self.mnt)
            self.skipTest("cannot mount a small tmpfs to fill up (needs root and mount "
                          f"permission): {p.stderr.strip()}")
        self.addCleanup(self.unmount)
        self.srv = Server(db=os.path.join(self.mnt, "lotsen.db")).start()
        self.filler = os.path.join(self.mnt, "filler")

    def unmount(self):
        if getattr(self, "srv", None) and self.srv.proc:
            self.srv.stop()
        subprocess.run(["umount", self.mnt], check=False)
        os.rmdir(self.mnt)

    def fill(self):
        chunk = b"\0" * (1 << 20)
        with open(self.filler, "wb", buffering=0) as f:
            for size in (1 << 20, 4096, 1):
                try:
                    while True:
                        f.write(chunk[:size])
                except OSError:
                    pass

    def healthz_until(self, status):
        """Poll until /healthz answers `status` (the free space is looked at once a second)."""
        deadline = time.time() + 30
        while True:
            r = self.srv.request("GET", "/healthz")
            if r.status == status or time.time() > deadline:
                return r
            time.sleep(0.2)

    def test_full_disk_is_503_read_only_and_recovers(self):
        r = self.srv.request("GET", "/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["database"], "ok")
        token = self.srv.login("admin")  # a login writes its session: before the disk fills
        self.fill()
        r = self.healthz_until(503)
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json["status"], "degraded")
        self.assertEqual(r.json["database"], "read-only")
        self.assertEqual(r.json["storage"], "disk-full")
        # Reading still works meanwhile; writing does not.
        self.assertEqual(self.srv.request("GET", "/api/v1/groups", token=token).status, 200)
        r = self.srv.request("PATCH", "/api/v1/groups/7", {"wrapup_s": 5}, token=token)
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json["type"], "/docs/api.md#problem-storage")
        self.assertEqual(self.srv.request("GET", "/healthz").json["storage"], "disk-full")
        # Once there is room again the probe is green before anything is written.
        os.unlink(self.filler)
        r = self.healthz_until(200)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["database"], "ok")
        self.assertNotIn("storage", r.json)
        r = self.srv.request("PATCH", "/api/v1/groups/7", {"wrapup_s": 6}, token=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.srv.stop(), 0)


if __name__ == "__main__":
    unittest.main()
