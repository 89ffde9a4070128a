"""The HTTP server against clients that break the protocol or hold connections on purpose:
every error is a problem (application/problem+json), slow clients lose their connections,
and others keep getting answers meanwhile."""
import json
import resource
import select
import socket
import subprocess
import time
import unittest

from harness import BIN, Server, ServerTest


def raw(port, data, source="127.0.0.1", timeout=20):
    """Send `data` on a new connection and read until the server closes it (or goes quiet)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    out = b""
    try:
        s.sendall(data)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (ConnectionResetError, BrokenPipeError):
        pass  # the server closes right after its answer; the rest of our request was unread
    except socket.timeout:
        pass
    finally:
        s.close()
    return out


def parse(resp):
    """Status, headers (lower-case names) and the JSON body of the first answer in `resp`."""
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    # The problem is the last JSON object in the stream (see test_bad_content_length).
    start = body.rfind(b'{"type"')
    return status, headers, json.loads(body[start:]) if start >= 0 else None


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class ProtocolErrorsTest(ServerTest):
    """Requests libmicrohttpd refuses before Lotsen's handlers see them."""

    def answer(self, data, status, type_):
        resp = raw(self.srv.port, data)
        self.assertNotIn(b"<html", resp.lower())
        got, headers, problem = parse(resp)
        self.assertEqual(got, status, resp[:400])
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"), resp[:400])
        self.assertEqual(problem["status"], status)
        self.assertTrue(problem["type"].endswith("problem-" + type_), problem)
        self.assertTrue(problem["title"])
        return problem

    def test_header_too_large_is_431(self):
        self.answer(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
                    431, "headers-too-large")

    def test_many_headers_are_431(self):
        heads = b"".join(b"X-H%d: v\r\n" % i for i in range(6000))
        self.answer(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + heads + b"\r\n", 431, "headers-too-large")

    def test_request_line_too_long_is_414(self):
        self.answer(b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri-too-long")

    def test_http_version_2_is_505(self):
        self.answer(b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http-version")

    def test_http_version_0_9_is_505(self):
        self.answer(b"GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n", 505, "http-version")

    def test_bad_http_version_token_is_400(self):
        self.answer(b"GET /healthz HTTX/1.1\r\nHost: x\r\n\r\n", 400, "bad-request")

    def test_header_without_colon_is_400(self):
        self.answer(b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n", 400, "bad-request")

    def test_bad_content_length(self):
        """libmicrohttpd 0.9.75 writes the head of this answer twice; the status, type and
        problem are still Lotsen's, and the login behind it is not run."""
        self.answer(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                    400, "bad-request")
        self.answer(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                    413, "body-too-large")

    def test_malformed_chunk_is_400(self):
        self.answer(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                    400, "bad-request")

    def test_chunk_too_large_is_413(self):
        self.answer(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"fffffffffffffffffffffffff\r\n", 413, "body-too-large")

    def test_unknown_method_is_lotsens_405(self):
        self.answer(b"BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, "method-not-allowed")

    def test_body_over_16_mib_is_413_not_a_dropped_connection(self):
        p = self.answer(b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 17000000\r\n\r\n" + b"x" * 65536, 413, "body-too-large")
        self.assertIn("1048576", p["detail"])

    def test_a_client_leaving_its_stream_is_no_raw_line_in_the_log(self):
        # An agent closes the tab: the live stream's socket goes while the server writes to
        # it. The operator's log stays one structured line per event (ts=… level=… event=…).
        admin = self.srv.login("admin")
        agent = self.srv.sql("SELECT MIN(u.id) FROM users u JOIN user_groups g ON g.user_id = u.id"
                             " WHERE u.role = 'agent' AND u.active = 1")[0][0]
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
            s.sendall(f"GET /api/v1/acd/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}"
                      "\r\n\r\n".encode())
            self.assertIn(b" 200 ", s.recv(4096).split(b"\r\n", 1)[0])
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # a reset, as a killed tab's
            # events for every stream: an agent logs in and out
            for state in ("logged_in", "logged_out"):
                r = self.srv.request("POST", f"/api/v1/acd/agents/{agent}/state", {"state": state}, token=admin)
                self.assertEqual(r.status, 200, r)
        time.sleep(1)
        raw_lines = [ln for ln in self.srv.logs().splitlines() if ln.strip() and not ln.startswith("ts=")]
        self.assertEqual(raw_lines, [])

    def test_server_still_answers_after_all_that(self):
        r = self.srv.request("GET", "/healthz")
        self.assertEqual(r.status, 200)


class SettingsTest(unittest.TestCase):
    def test_bad_limits_stop_the_start(self):
        for flag, value in (("--http-per-address", "many"), ("--http-head-timeout", "0"),
                            ("--http-body-min-rate", "-1"), ("--login-limit", "5"),
                            ("--login-address-limit", "5/0")):
            r = subprocess.run([BIN, "serve", "--db", "/nonexistent/x.db", flag, value],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 2, (flag, value, r.stderr))
            self.assertIn(flag[2:], r.stderr)


class SlowClientsTest(unittest.TestCase):
    """Thousands of connections that trickle their heads (slowloris) from many loopback
    addresses: each address is capped, each head has a deadline, and a normal client is
    answered all along."""

    ADDRS = 82      # 127.0.1.1 … 127.0.1.82: more than the server's 4000 connections
    PER_ADDR = 50   # the cap given to the server

    def setUp(self):
        have = raise_fd_limit(self.ADDRS * (self.PER_ADDR + 1) + 200)
        if have < self.ADDRS * (self.PER_ADDR + 1) + 100:
            self.skipTest(f"only {have} descriptors")
        self.srv = Server(extra=["--http-per-address", str(self.PER_ADDR),
                                 "--http-head-timeout", "3"]).start()
        self.socks = []

    def tearDown(self):
        for s in self.socks:
            s.close()
        code = self.srv.stop()
        self.assertEqual(code, 0, self.srv.logs()[-3000:])

    def open_slow(self, source):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.settimeout(30)
        s.connect(("127.0.0.1", self.srv.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        return s

    def closed_by_server(self, s):
        try:
            return s.recv(4096) == b""
        except BlockingIOError:
            return False
        except (ConnectionResetError, OSError):
            return True

    def test_slow_heads_are_cut_while_others_are_answered(self):
        tok = self.srv.login("anna")
        for _ in range(self.PER_ADDR):
            self.socks.append(self.open_slow("127.0.1.1"))
        # One more from a capped address is closed at once, unanswered.
        extra = self.open_slow("127.0.1.1")
        poll = select.poll()
        poll.register(extra, select.POLLIN)
        self.assertTrue(poll.poll(20000) and self.closed_by_server(extra),
                        "the address's cap let one more in")
        extra.close()
        # Then the server is filled past its limit from many addresses.
        for a in range(2, self.ADDRS + 1):
            for _ in range(self.PER_ADDR):
                self.socks.append(self.open_slow(f"127.0.1.{a}"))

        # Meanwhile health checks and staff are answered, while the slow ones trickle on.
        answered = 0
        deadline = time.time() + 60
        open_ = list(self.socks)
        while open_ and time.time() < deadline:
            self.assertEqual(self.srv.request("GET", "/healthz").status, 200)
            self.assertEqual(self.srv.request("GET", "/api/v1/me", token=tok).status, 200)
            answered += 1
            still = []
            for s in open_:
                if self.closed_by_server(s):
                    continue
                try:
                    s.send(b"X-Slow: 1\r\n")
                    still.append(s)
                except OSError:
                    pass  # closed by the server
            open_ = still
            time.sleep(0.5)
        self.assertEqual(open_, [], f"{len(open_)} slow connections still open")
        self.assertGreater(answered, 1)
        self.assertIn("http.slow_closed", self.srv.logs())
        self.assertEqual(self.srv.request("GET", "/healthz").status, 200)

    def test_slow_body_is_cut(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=30)
        self.socks.append(s)
        s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{")
        s.setblocking(False)
        deadline = time.time() + 60
        closed = False
        while time.time() < deadline and not closed:
            time.sleep(0.5)
            if self.closed_by_server(s):
                closed = True
                break
            try:
                s.send(b" ")
            except OSError:
                closed = True
        self.assertTrue(closed, "a body of 2 bytes a second was still being read")
        self.assertEqual(self.srv.request("GET", "/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
