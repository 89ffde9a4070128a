"""Behind a reverse proxy: only from a trusted proxy (`trusted-proxies`) is X-Forwarded-For
believed, and then the feedback form's per-address limit is per citizen, not one limit for
everyone behind the proxy."""
import unittest

from harness import Server

FEEDBACK = {"kind": "praise", "client_id": 3, "message": "Snabb snöröjning på Ringvägen i morse, tack!"}


class ForwardedForTest(unittest.TestCase):
    def start(self, *extra):
        srv = Server(extra=("--feedback-limit", "1/600") + extra).start()
        self.addCleanup(self.stop, srv)
        return srv

    def stop(self, srv):
        self.assertEqual(srv.stop(), 0, srv.logs()[-3000:])

    def post(self, srv, citizen, message):
        return srv.request("POST", "/api/v1/public/feedback", dict(FEEDBACK, message=message),
                           headers={"X-Forwarded-For": citizen})

    def test_untrusted_peer_one_limit_for_all(self):
        # No proxy trusted (the default): the header is the client's own claim, ignored;
        # every "citizen" is 127.0.0.1 and shares its one message.
        srv = self.start()
        self.assertEqual(self.post(srv, "198.51.100.1", "Första.").status, 201)
        r = self.post(srv, "198.51.100.2", "Andra.")
        self.assertEqual(r.status, 429, r)
        self.assertEqual(srv.sql("SELECT COUNT(*) FROM cases WHERE summary = 'Andra.'"), [(0,)])

    def test_trusted_proxy_limit_per_forwarded_address(self):
        srv = self.start("--trusted-proxies", "127.0.0.1")
        self.assertEqual(self.post(srv, "198.51.100.1", "Från ett.").status, 201)
        # the same citizen again: its own limit
        r = self.post(srv, "198.51.100.1", "Från ett igen.")
        self.assertEqual(r.status, 429, r)
        # another citizen behind the same proxy has a limit of its own
        self.assertEqual(self.post(srv, "198.51.100.2", "Från två.").status, 201)
        # a citizen forging a hop: the proxy appended the real address, which is what counts
        self.assertEqual(self.post(srv, "198.51.100.1, 198.51.100.3", "Från tre.").status, 201)
        r = self.post(srv, "10.9.9.9, 198.51.100.3", "Från tre igen.")
        self.assertEqual(r.status, 429, r)
        # IPv6 with brackets and a port, through Forwarded when no X-Forwarded-For came
        r = srv.request("POST", "/api/v1/public/feedback", dict(FEEDBACK, message="Från fyra."),
                        headers={"Forwarded": 'for="[2001:db8::4]:4711";proto=https'})
        self.assertEqual(r.status, 201, r)
        r = srv.request("POST", "/api/v1/public/feedback", dict(FEEDBACK, message="Från fyra igen."),
                        headers={"X-Forwarded-For": "2001:db8::4"})
        self.assertEqual(r.status, 429, r)
        # garbage in the header: the proxy's own address, whose one message is still free
        self.assertEqual(self.post(srv, "inte-en-adress", "Från proxyn.").status, 201)
        self.assertEqual(self.post(srv, "unknown", "Från proxyn igen.").status, 429)

    def test_login_limit_per_forwarded_address(self):
        srv = self.start("--trusted-proxies", "127.0.0.0/8", "--login-address-limit", "2/600")
        bad = {"username": "anna", "password": "fel-lösenord-här"}
        for _ in range(2):
            r = srv.request("POST", "/api/v1/login", bad, headers={"X-Forwarded-For": "203.0.113.7"})
            self.assertEqual(r.status, 401, r)
        r = srv.request("POST", "/api/v1/login", dict(bad, username="erik"),
                        headers={"X-Forwarded-For": "203.0.113.7"})
        self.assertEqual(r.status, 429, r)
        # another address behind the proxy logs in
        r = srv.request("POST", "/api/v1/login", {"username": "erik", "password": "lotsen-demo"},
                        headers={"X-Forwarded-For": "203.0.113.8"})
        self.assertEqual(r.status, 200, r)

    def test_a_bad_list_stops_the_server(self):
        srv = Server(extra=("--trusted-proxies", "10.0.0.0/33"))
        with self.assertRaises(RuntimeError) as e:
            srv.start()
        srv.log.close()
        self.assertIn("trusted-proxies", str(e.exception))
        self.assertIn("10.0.0.0/33", str(e.exception))


if __name__ == "__main__":
    unittest.main()
