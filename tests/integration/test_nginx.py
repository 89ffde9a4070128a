"""nginx with TLS in front of Lotsen, as docs/operations.md describes it (*Behind a reverse
proxy*): started by the test as an ordinary process with its own config and a self-signed
certificate in a temp dir. The desk's API works over https, the live stream's events come
through unbuffered, and the feedback form's limit is per citizen address, not one for all
behind the proxy."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import unittest

from harness import Server, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
OPENSSL = shutil.which("openssl")
FEEDBACK = {"kind": "praise", "client_id": 3, "message": "Tack för hjälpen med bygglovet!"}

CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
        location /api/v1/acd/stream {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
        }}
    }}
}}
"""


@unittest.skipUnless(NGINX and OPENSSL, "no nginx or openssl; apt-get install nginx-light openssl")
class NginxTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(extra=("--trusted-proxies", "127.0.0.1", "--feedback-limit", "1/600",
                                "--http-per-address", "0")).start()
        d = cls.srv.dir
        subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/key.pem",
                        "-out", f"{d}/cert.pem", "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        cls.port = free_port()
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(CONF.format(dir=d, port=cls.port, upstream=cls.srv.port))
        cls.nginx = subprocess.Popen([NGINX, "-p", d, "-c", f"{d}/nginx.conf", "-e", f"{d}/error.log"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=0.2).close()
                break
            except OSError:
                if cls.nginx.poll() is not None or time.time() > deadline:
                    raise RuntimeError("nginx did not start: " + cls.nginx.stderr.read().decode())
                time.sleep(0.05)
        cls.tls = ssl.create_default_context(cafile=f"{d}/cert.pem")

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait(timeout=10)
        cls.nginx.stderr.close()
        code = cls.srv.stop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.srv.logs()[-4000:]}")

    def https(self, method, path, body=None, token=None, source="127.0.0.1"):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.tls, timeout=20,
                                        source_address=(source, 0))
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        c.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data) if data else None

    def login(self, user):
        st, j = self.https("POST", "/api/v1/login", {"username": user, "password": "lotsen-demo"})
        self.assertEqual(st, 200, j)
        return j["token"]

    def test_the_desk_over_https(self):
        token = self.login("anna")
        st, me = self.https("GET", "/api/v1/me", token=token)
        self.assertEqual((st, me["username"]), (200, "anna"))
        st, cases = self.https("GET", "/api/v1/cases?limit=1", token=token)
        self.assertEqual(st, 200, cases)
        # a failed login is logged with the forwarded address of the browser
        st, _ = self.https("POST", "/api/v1/login", {"username": "anna", "password": "fel-lösenord-igen"},
                           source="127.0.0.9")
        self.assertEqual(st, 401)
        self.assertIn("addr=127.0.0.9", self.srv.logs())

    def test_events_stream_through_unbuffered(self):
        token = self.login("peter")
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.tls, timeout=20)
        c.request("GET", "/api/v1/acd/stream", headers={"Authorization": "Bearer " + token})
        resp = c.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/event-stream"))

        def next_event(kind):
            ev = None
            while True:
                line = resp.fp.readline().decode()
                self.assertTrue(line, f"the stream ended before a {kind} event")
                if line.startswith("event: "):
                    ev = line[7:].strip()
                elif line.startswith("data: ") and ev == kind:
                    return json.loads(line[6:])

        self.assertIn("waiting", next_event("group"))
        # a change made now reaches the open stream through nginx
        st, _ = self.https("POST", "/api/v1/acd/agents/me/state", {"state": "logged_in"}, token=token)
        self.assertEqual(st, 200)
        # (the stream opened with the agents' snapshots; the change follows them)
        _, me = self.https("GET", "/api/v1/me", token=token)
        agent = next_event("agent")
        while agent["agent_id"] != me["id"] or agent["state"] == "logged_out":
            agent = next_event("agent")
        self.assertNotEqual(agent["state"], "logged_out")
        resp.close()
        c.close()
        self.https("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, token=token)

    def test_feedback_limit_per_citizen(self):
        # Each citizen's browser: its own loopback address, which nginx forwards.
        st, _ = self.https("POST", "/api/v1/public/feedback", dict(FEEDBACK, message="Från den första."),
                           source="127.0.0.2")
        self.assertEqual(st, 201)
        st, p = self.https("POST", "/api/v1/public/feedback", dict(FEEDBACK, message="Den första igen."),
                           source="127.0.0.2")
        self.assertEqual(st, 429, p)
        st, _ = self.https("POST", "/api/v1/public/feedback", dict(FEEDBACK, message="Från den andra."),
                           source="127.0.0.3")
        self.assertEqual(st, 201)


if __name__ == "__main__":
    unittest.main()
