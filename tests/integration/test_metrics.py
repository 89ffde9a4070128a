"""GET /metrics as a monitoring system reads it: the Prometheus text format checked by
promtool, a request and a call counted, no personal data, and who may read it (loopback,
or the metrics-token from elsewhere)."""
import re
import shutil
import subprocess
import unittest

from harness import Server, ServerTest

ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}
TOKEN = "metrics-secret-0123456789"
SAMPLE = re.compile(r'^([a-z_:][a-z0-9_:]*)(\{(.*)\})? (\S+)$')


def samples(text):
    """{(name, frozenset of label pairs): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, line
        labels = frozenset(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(s, name, **labels):
    want = set(labels.items())
    found = [v for (n, ls), v in s.items() if n == name and want <= set(ls)]
    return sum(found) if found else None


class MetricsTest(ServerTest):
    # 127.0.0.1 is a trusted proxy: a request it forwards for another address is not loopback.
    extra = ("--trusted-proxies", "127.0.0.1", "--metrics-token", TOKEN)

    def metrics(self, **kw):
        r = self.srv.request("GET", "/metrics", **kw)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers)
        return r.body

    @unittest.skipUnless(shutil.which("promtool"), "promtool (Debian package prometheus) missing")
    def test_promtool_accepts_the_output(self):
        self.api("GET", "/api/v1/cases?limit=1")
        body = self.metrics()
        p = subprocess.run(["promtool", "check", "metrics"], input=body.encode(),
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())

    def test_a_request_and_a_call_are_counted(self):
        before = samples(self.metrics())
        r = self.api("PATCH", "/api/v1/groups/2", {"opening_hours": ALWAYS, "wrapup_s": 0})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_in"},
                                  user="anna").status, 200)
        self.assertEqual(self.api("POST", "/api/v1/acd/agents/me/state", {"state": "ready"},
                                  user="anna").status, 200)
        r = self.api("POST", "/api/v1/acd/calls", {"group_id": 2, "caller": "070-123 45 67"})
        self.assertEqual(r.status, 201, r)
        call = r.json["call_id"]
        self.assertEqual(self.api("POST", f"/api/v1/acd/calls/{call}/answer", user="anna").status, 200)
        waiting = self.api("POST", "/api/v1/acd/calls", {"group_id": 2, "caller": "070-765 43 21"})
        self.assertEqual(waiting.status, 201, waiting)
        self.assertEqual(self.api("GET", f"/api/v1/cases/{999999}").status, 404)

        text = self.metrics()
        after = samples(text)

        def grew(name, by, **labels):
            self.assertEqual((value(after, name, **labels) or 0) - (value(before, name, **labels) or 0),
                             by, (name, labels))

        grew("lotsen_acd_calls_offered_total", 2, group="2")
        grew("lotsen_acd_calls_answered_total", 1, group="2")
        self.assertEqual(value(after, "lotsen_acd_calls_waiting", group="2"), 1)
        self.assertEqual(value(after, "lotsen_acd_agents", group="2", state="talking"), 1)
        # Requests by route pattern, never by raw path: the ids stay out of the labels.
        grew("lotsen_http_requests_total", 2, method="POST", route="/api/v1/acd/calls", status="201")
        grew("lotsen_http_requests_total", 1, method="POST", route="/api/v1/acd/calls/{id}/answer",
             status="200")
        grew("lotsen_http_requests_total", 1, method="GET", route="/api/v1/cases/{id}", status="404")
        grew("lotsen_http_request_duration_seconds_count", 1, method="GET", route="/api/v1/cases/{id}",
             status="404")
        self.assertNotIn("999999", text)
        routes = {v for (n, ls), _ in after.items() for k, v in ls if k == "route"}
        self.assertEqual([r for r in routes if re.search(r"/\d+(/|$)", r)], [], routes)
        # No personal data: neither the caller's number nor the agent's name.
        for personal in ("0701234567", "+46701234567", "Anna", "anna"):
            self.assertNotIn(personal, text)
        # The other families are there (their values depend on the machine).
        for name in ("lotsen_db_commit_duration_seconds_count", "lotsen_db_fsync_duration_seconds_count",
                     "lotsen_loop_probe_late_seconds", "lotsen_mail_cases_open"):
            self.assertIsNotNone(value(after, name), name)
        self.assertGreater(value(after, "lotsen_db_commit_duration_seconds_count"), 0)
        self.assertEqual(value(after, "lotsen_mail_outbox", status="failed"), 0)
        self.api("POST", f"/api/v1/acd/calls/{call}/hangup", user="anna")
        self.api("POST", f"/api/v1/acd/calls/{waiting.json['call_id']}/hangup")

    def test_beyond_loopback_the_token_is_needed(self):
        far = {"X-Forwarded-For": "203.0.113.9"}
        r = self.srv.request("GET", "/metrics", headers=far)
        self.assertProblem(r, 401)
        self.assertIn("Bearer", r.headers.get("WWW-Authenticate", ""))
        r = self.srv.request("GET", "/metrics", headers=dict(far, Authorization="Bearer " + TOKEN[:-1] + "x"))
        self.assertProblem(r, 401)
        # A user's session token is not the metrics token.
        r = self.srv.request("GET", "/metrics", headers=far, token=self.token("admin"))
        self.assertProblem(r, 401)
        self.metrics(headers=dict(far, Authorization="Bearer " + TOKEN))


class NoTokenTest(unittest.TestCase):
    def test_without_a_token_only_loopback_reads(self):
        srv = Server(demo=False, extra=["--trusted-proxies", "127.0.0.1"]).start()
        try:
            self.assertEqual(srv.request("GET", "/metrics").status, 200)
            r = srv.request("GET", "/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
            self.assertEqual(r.status, 403, r)
            self.assertTrue(r.headers["Content-Type"].startswith("application/problem+json"))
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_a_short_token_is_refused_at_start(self):
        srv = Server(demo=False, extra=["--metrics-token", "short"])
        with self.assertRaises(RuntimeError) as e:
            srv.start()
        self.assertIn("16", str(e.exception))


if __name__ == "__main__":
    unittest.main()
