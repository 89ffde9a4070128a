"""Login with the municipality's account (OpenID Connect, code flow with PKCE) against a real
OpenID provider on loopback: the certified `oidc-provider` from npm (tests/sso/provider.mjs)
through Chromium, and a provider that answers as told (tests/sso/crafted.mjs) for ID tokens a
certified one would never issue. Also local passwords turned off."""
import http.client
import json
import os
import shutil
import subprocess
import threading
import unittest
import urllib.parse

from browser import AXE, needs_browser, run_flow
from harness import ROOT, Server

NODE = shutil.which("node")
PROVIDER = os.path.join(ROOT, "tests", "sso", "provider.mjs")
CRAFTED = os.path.join(ROOT, "tests", "sso", "crafted.mjs")
FLOW = os.path.join(ROOT, "tests", "web", "sso_flow.mjs")
SECRET = "hemligt-for-test"
# Groups 1 and 2 are the demo's "Stockholm direkt" and "Äldre direkt", client 7 its
# Socialförvaltningen.
ROLE_MAP = ("kc-agenter=agent:group=1, kc-ledare=lead:group=2, kc-chefer=manager, it-admin=admin,"
            " socialtjansten=client_viewer:client=7")


def _missing():
    if not NODE:
        return "no node; scripts/install-test-peers.sh installs it"
    if not os.path.isdir(os.path.join(ROOT, "node_modules", "oidc-provider")):
        return "no oidc-provider in node_modules; scripts/install-test-peers.sh installs it"
    return None


def needs_provider(cls):
    why = _missing()
    return unittest.skip(why)(cls) if why else cls


class Node:
    """A node script that prints READY <issuer> once it listens."""

    def __init__(self, script, *args):
        self.proc = subprocess.Popen([NODE, script, *args], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        # a loaded machine takes its time to load the provider's modules: wait generously
        timer = threading.Timer(120, self.proc.kill)
        timer.start()
        line = self.proc.stdout.readline()
        late = not timer.is_alive()
        timer.cancel()
        if not line.startswith("READY "):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"{script} did not start (exit {self.proc.returncode}"
                               f"{', not ready within 120 s' if late else ''}): "
                               f"{line}{self.proc.stderr.read()}")
        self.issuer = line.split()[1]
        # drain stderr so the provider never blocks on a full pipe
        self.drain = threading.Thread(target=self.proc.stderr.read, daemon=True)
        self.drain.start()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.drain.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


def get(url, headers=None):
    """One GET, redirects not followed: (status, headers, body)."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("GET", u.path + ("?" + u.query if u.query else ""), headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def query(location):
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}


def lotsen(provider_port_issuer, extra=()):
    """A demo server (not started) whose OpenID provider is `issuer`."""
    srv = Server()
    srv.extra = ["--oidc-issuer", provider_port_issuer, "--oidc-client-id", "lotsen",
                 "--oidc-client-secret", SECRET,
                 "--oidc-redirect", f"http://127.0.0.1:{srv.port}/api/v1/sso/callback",
                 "--oidc-role-map", ROLE_MAP] + list(extra)
    return srv


@needs_provider
class CraftedTokensTest(unittest.TestCase):
    """Every check of the ID token, each by a token failing only that check."""

    @classmethod
    def setUpClass(cls):
        from harness import free_port
        port = free_port()
        cls.idp = Node(CRAFTED, "--port", str(port), "--client", "lotsen", "--secret", SECRET)
        cls.srv = lotsen(cls.idp.issuer, ["--trusted-proxies", "127.0.0.1"])
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.idp.stop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.srv.logs()[-4000:]}")

    def base(self):
        return f"http://127.0.0.1:{self.srv.port}"

    def scenario(self, **s):
        u = urllib.parse.urlsplit(self.idp.issuer)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("POST", "/scenario", json.dumps(s), {"Content-Type": "application/json"})
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    def start(self, path="/api/v1/sso/start"):
        st, h, _ = get(self.base() + path)
        self.assertEqual(st, 302, h)
        self.assertTrue(h["Location"].startswith(self.idp.issuer + "/auth?"), h)
        return h["Location"]

    def login(self, headers=None, **scenario):
        """start → provider → callback; the login page's query Lotsen sends the browser to."""
        if "sub" in scenario:
            scenario.setdefault("username", scenario["sub"])
        self.scenario(**scenario)
        st, h, _ = get(self.start())
        self.assertEqual(st, 302)
        callback = h["Location"]
        self.assertTrue(callback.startswith(self.base() + "/api/v1/sso/callback?"), callback)
        st, h, _ = get(callback, headers)
        self.assertEqual(st, 302, h)
        self.assertEqual(h.get("Cache-Control"), "no-store")
        self.assertTrue(h["Location"].startswith("/?"), h)
        return query(h["Location"]), callback

    def session(self, ticket):
        return self.srv.request("POST", "/api/v1/sso/session", {"ticket": ticket})

    def failures(self):
        return self.srv.sql("SELECT detail FROM audit_log WHERE action = 'login_failed' ORDER BY id")

    def test_sso_is_announced(self):
        r = self.srv.request("GET", "/api/v1/sso")
        self.assertEqual(r.json, {"enabled": True, "local_passwords": "on"})

    def test_a_good_token_logs_in_once(self):
        q, _ = self.login(sub="good-1", username="gustav.god", groups=["kc-agenter", "okänd-grupp"],
                          headers={"X-Forwarded-For": "203.0.113.5"})
        self.assertIn("sso", q, q)
        self.assertNotIn("sso_error", q)
        r = self.session(q["sso"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["role"], "agent")
        token = r.json["token"]
        me = self.srv.request("GET", "/api/v1/me", token=token)
        self.assertEqual(me.json["username"], "gustav.god")
        self.assertEqual([g["group_id"] for g in me.json["groups"]], [1])
        # the ticket is one use
        self.assertEqual(self.session(q["sso"]).status, 401)
        # external: no password, marked by its identity at the provider
        rows = self.srv.sql("SELECT u.password_hash, i.issuer, i.subject FROM users u"
                            " JOIN sso_identities i ON i.user_id = u.id WHERE u.username = 'gustav.god'")
        self.assertEqual(rows, [(None, self.idp.issuer, "good-1")])
        r = self.srv.request("POST", "/api/v1/login", {"username": "gustav.god", "password": "vad-som-helst-123"})
        self.assertEqual(r.status, 401, r)
        # the audit log has the login, with the citizen-side address the proxy forwarded
        audit = self.srv.sql("SELECT a.detail FROM audit_log a JOIN users u ON u.id = a.user_id"
                             " WHERE a.action = 'login' AND u.username = 'gustav.god'")
        self.assertEqual(len(audit), 1, audit)
        self.assertIn("addr=203.0.113.5", audit[0][0])
        self.assertIn("role=agent", audit[0][0])
        # The provider moves her to the leads' group: the next login updates role and groups.
        q, _ = self.login(sub="good-1", username="gustav.god", groups=["kc-ledare"])
        r = self.session(q["sso"])
        self.assertEqual(r.json["role"], "group_lead")
        me = self.srv.request("GET", "/api/v1/me", token=r.json["token"])
        self.assertEqual([g["group_id"] for g in me.json["groups"]], [2])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM users WHERE username = 'gustav.god'"), [(1,)])

    def test_refused_tokens(self):
        self.login(sub="warm-up")  # the provider's keys are fetched (and cached) here
        cases = [
            ({"iss": "http://127.0.0.1:1/annan"}, "issuer"),
            ({"aud": "ett-annat-system"}, "audience"),
            ({"aud": ["lotsen", "ett-annat-system"]}, "audience"),  # several, no azp
            ({"exp_offset": -3600}, "expired"),
            ({"iat_offset": 3600}, "expired"),
            ({"nonce": "en-annan-inloggning"}, "nonce"),
            ({"foreign_key": True}, "signature"),
            ({"alg": "none"}, "signature"),
            ({"kid": "okänd-nyckel"}, "signature"),
            ({"groups": ["bibliotek"]}, "no-role"),
            ({"groups": []}, "no-role"),
        ]
        for scenario, code in cases:
            with self.subTest(code=code, scenario=scenario):
                sub = f"refused-{len(self.failures())}"
                before = len(self.failures())
                q, _ = self.login(sub=sub, username=sub, **scenario)
                self.assertEqual(q.get("sso_error"), code, q)
                self.assertNotIn("sso", q)
                failures = self.failures()
                self.assertEqual(len(failures), before + 1)
                self.assertIn(f"reason={code}", failures[-1][0])
                self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM users WHERE username = ?", sub), [(0,)])
        # The unknown key id asked for the keys again only within the rate limit (one fetch
        # a minute by default): the warm-up's fetch was just now.
        self.assertIn("sso.jwks_refetch_limited", self.srv.logs())
        self.assertNotIn("reason=unknown-kid", self.srv.logs())

    def test_state_is_one_use_and_short_lived(self):
        q, callback = self.login(sub="state-1")
        self.assertIn("sso", q)
        # the same callback again (a replayed code and state)
        st, h, _ = get(callback)
        self.assertEqual(query(h["Location"]).get("sso_error"), "state")
        # made up
        st, h, _ = get(self.base() + "/api/v1/sso/callback?code=x&state=pahittad")
        self.assertEqual(query(h["Location"]).get("sso_error"), "state")
        st, h, _ = get(self.base() + "/api/v1/sso/callback")
        self.assertEqual(query(h["Location"]).get("sso_error"), "state")
        # the provider says no (the user cancelled)
        state = query(self.start())["state"]
        st, h, _ = get(self.base() + f"/api/v1/sso/callback?state={state}&error=access_denied")
        self.assertEqual(query(h["Location"]).get("sso_error"), "denied")
        # a code the provider never gave: its token endpoint refuses it
        state = query(self.start())["state"]
        st, h, _ = get(self.base() + f"/api/v1/sso/callback?state={state}&code=falsk")
        self.assertEqual(query(h["Location"]).get("sso_error"), "token")

    def test_start_sends_pkce_and_keeps_the_page(self):
        q = query(self.start("/api/v1/sso/start?next=case.html%3Fid%3D12"))
        self.assertEqual(q["code_challenge_method"], "S256")
        self.assertEqual(len(q["code_challenge"]), 43)
        self.assertEqual(q["client_id"], "lotsen")
        self.assertEqual(q["scope"], "openid profile email groups")
        self.assertNotEqual(q["state"], q["nonce"])
        self.assertNotIn("secret", json.dumps(q))
        st, h, _ = get(self.base() + "/api/v1/sso/callback?" + urllib.parse.urlencode(
            {"state": q["state"], "error": "access_denied"}))
        self.assertEqual(query(h["Location"]), {"sso_error": "denied", "next": "case.html?id=12"})
        # another site is never a page to come back to
        q = query(self.start("/api/v1/sso/start?next=https://evil.example/"))
        st, h, _ = get(self.base() + "/api/v1/sso/callback?" + urllib.parse.urlencode(
            {"state": q["state"], "error": "access_denied"}))
        self.assertEqual(query(h["Location"]), {"sso_error": "denied"})

    def test_ticket_errors(self):
        r = self.srv.request("POST", "/api/v1/sso/session", raw=b"{inte json")
        self.assertEqual(r.status, 400, r)
        self.assertTrue(r.headers["Content-Type"].startswith("application/problem+json"))
        r = self.srv.request("POST", "/api/v1/sso/session", {"ticket": 12})
        self.assertEqual(r.status, 400, r)
        self.assertEqual([e["field"] for e in r.json["errors"]], ["ticket"])
        r = self.srv.request("POST", "/api/v1/sso/session", {"ticket": "A" * 43})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["type"].rsplit("#", 1)[-1], "problem-sso-ticket")

    def test_the_secret_is_never_logged(self):
        self.login(sub="secret-1")
        self.assertNotIn(SECRET, self.srv.logs())


@needs_provider
class LocalPasswordsTest(unittest.TestCase):
    def start(self, *extra):
        srv = Server(extra=extra).start()
        self.addCleanup(lambda: self.assertEqual(srv.stop(), 0))
        return srv

    def test_off_refuses_every_password_login(self):
        srv = self.start("--local-passwords", "off")
        r = srv.request("POST", "/api/v1/login", {"username": "admin", "password": "lotsen-demo"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json["type"].rsplit("#", 1)[-1], "problem-local-passwords-off")
        self.assertIn("Inloggning med lösenord är avstängd", r.json["title"])
        r = srv.request("POST", "/api/v1/login", {"username": "admin", "password": "lotsen-demo"},
                        headers={"Accept-Language": "en"})
        self.assertEqual(r.json["title"], "Password login is turned off")
        self.assertEqual(srv.sql("SELECT COUNT(*) FROM sessions"), [(0,)])
        self.assertEqual(srv.request("GET", "/api/v1/sso").json, {"enabled": False, "local_passwords": "off"})
        r = srv.request("GET", "/api/v1/sso/start")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json["type"].rsplit("#", 1)[-1], "problem-sso-off")

    def test_admins_only_is_the_way_in_when_the_provider_is_down(self):
        srv = self.start("--local-passwords", "admins")
        self.assertEqual(srv.request("POST", "/api/v1/login", {"username": "admin", "password": "lotsen-demo"}).status, 200)
        r = srv.request("POST", "/api/v1/login", {"username": "anna", "password": "lotsen-demo"})
        self.assertEqual(r.status, 403, r)
        r = srv.request("POST", "/api/v1/login", {"username": "anna", "password": "fel-lösenord"})
        self.assertEqual(r.status, 401, r)  # a wrong password says only that

    def test_bad_settings_stop_the_server(self):
        for extra, words in [
            (("--local-passwords", "ibland"), "local-passwords"),
            (("--oidc-issuer", "http://idp.kommun.example", "--oidc-client-id", "lotsen",
              "--oidc-redirect", "https://lotsen.example/api/v1/sso/callback", "--oidc-role-map", "a=agent"),
             "oidc-issuer"),
            (("--oidc-issuer", "https://idp.kommun.example", "--oidc-client-id", "lotsen",
              "--oidc-redirect", "https://lotsen.example/api/v1/sso/callback", "--oidc-role-map", "a=kung"),
             "oidc-role-map"),
            (("--oidc-issuer", "https://idp.kommun.example", "--oidc-client-id", "lotsen",
              "--oidc-redirect", "https://lotsen.example/api/v1/sso/callback",
              "--oidc-role-map", "soc=client_viewer"), "client=ID"),
            (("--oidc-issuer", "https://idp.kommun.example", "--oidc-role-map", "a=agent"), "oidc-client-id"),
        ]:
            with self.subTest(extra=extra):
                srv = Server(extra=extra)
                with self.assertRaises(RuntimeError) as e:
                    srv.start()
                srv.log.close()
                self.assertIn(words, str(e.exception))

    def test_provider_unreachable_ends_on_the_login_page(self):
        srv = Server()
        srv.extra = ["--oidc-issuer", "http://127.0.0.1:9", "--oidc-client-id", "lotsen",
                     "--oidc-redirect", f"http://127.0.0.1:{srv.port}/api/v1/sso/callback",
                     "--oidc-role-map", ROLE_MAP, "--login-address-limit", "2/600"]
        srv.start()
        self.addCleanup(lambda: self.assertEqual(srv.stop(), 0))
        st, h, _ = get(f"http://127.0.0.1:{srv.port}/api/v1/sso/start")
        self.assertEqual(st, 302)
        self.assertEqual(query(h["Location"]), {"sso_error": "idp"})
        self.assertIn("sso.provider_unreachable", srv.logs())
        # the loop answered meanwhile and after
        self.assertEqual(srv.request("GET", "/healthz").status, 200)
        # made-up callbacks count as failed logins of the address: past the limit they are
        # refused at once, without filling the audit log
        for _ in range(2):
            st, h, _ = get(f"http://127.0.0.1:{srv.port}/api/v1/sso/callback?state=x&code=y")
            self.assertEqual(query(h["Location"]), {"sso_error": "state"})
        st, h, _ = get(f"http://127.0.0.1:{srv.port}/api/v1/sso/callback?state=x&code=y")
        self.assertEqual(query(h["Location"]), {"sso_error": "throttled"})
        self.assertEqual(srv.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'"), [(2,)])


@needs_provider
@needs_browser
class ProviderBrowserTest(unittest.TestCase):
    """Chromium through oidc-provider's own login form and back, as the mapped role."""

    @classmethod
    def setUpClass(cls):
        from harness import free_port
        cls.idp_port = free_port()
        cls.srv = lotsen(f"http://127.0.0.1:{cls.idp_port}",
                         ["--local-passwords", "admins", "--oidc-jwks-refresh", "0"])
        cls.idp = cls.provider("k1")
        cls.srv.start()

    @classmethod
    def provider(cls, kid):
        return Node(PROVIDER, "--port", str(cls.idp_port), "--kid", kid, "--secret", SECRET,
                    "--redirect", f"http://127.0.0.1:{cls.srv.port}/api/v1/sso/callback")

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.idp.stop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.srv.logs()[-4000:]}")

    def flow(self, users):
        result, stderr = run_flow(self.srv, FLOW, [json.dumps(users)], lambda what, arg: None, timeout=180)
        self.assertIsNotNone(result, stderr)
        self.assertIsNone(result.get("error"), result.get("error"))
        return result

    def test_login_through_the_provider(self):
        result = self.flow(["anna.agent", "bo.ledare", "cecilia.chef", "eva.extern"])
        users = result["users"]
        self.assertEqual(users["anna.agent"]["button"], "Logga in med kommunens konto")
        self.assertEqual(users["anna.agent"]["provider"], f"http://127.0.0.1:{self.idp_port}")
        self.assertEqual((users["anna.agent"]["path"], users["anna.agent"]["role"]), ("/agent.html", "agent"))
        self.assertTrue(users["anna.agent"]["hasToken"])
        self.assertEqual((users["bo.ledare"]["path"], users["bo.ledare"]["role"]), ("/agent.html", "group_lead"))
        self.assertEqual((users["cecilia.chef"]["path"], users["cecilia.chef"]["role"]), ("/wallboard.html", "manager"))
        # the leads' group gives role group_lead for group 2 (and the agents' group 1)
        rows = self.srv.sql("SELECT ug.group_id FROM user_groups ug JOIN users u ON u.id = ug.user_id"
                            " WHERE u.username = 'bo.ledare' ORDER BY 1")
        self.assertEqual(rows, [(1,), (2,)])
        # a person of the municipality whose groups give no role: a clear Swedish sentence
        eva = users["eva.extern"]
        self.assertEqual(eva["outcome"], "refused", eva)
        self.assertIn("ingen behörighet i Lotsen", eva["error"])
        self.assertFalse(eva["hasToken"])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM users WHERE username = 'eva.extern'"), [(0,)])
        # the login page with axe-core, in the pass that checks the pages (browser.AXE)
        self.assertEqual(result["axe"], [] if AXE else None)
        self.assertEqual(result["pageErrors"], [])

        # Key rotation: the provider restarts with a new key; Lotsen fetches the keys again
        # for the unknown key id and the login goes through.
        type(self).idp.stop()
        type(self).idp = self.provider("k2")
        result = self.flow(["anna.agent"])
        self.assertEqual(result["users"]["anna.agent"]["path"], "/agent.html", result)
        self.assertIn("reason=unknown-kid", self.srv.logs())
        # one Lotsen user for anna through both keys
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM users WHERE username = 'anna.agent'"), [(1,)])


if __name__ == "__main__":
    unittest.main()
