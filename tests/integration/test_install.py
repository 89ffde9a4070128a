"""`make install`: the files a server needs, a systemd unit that verifies, and an installed
program that finds its web files by itself."""
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import BIN, ROOT, free_port

BUILD = os.environ.get("LOTSEN_BUILD", os.path.dirname(os.path.abspath(BIN)))


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lotsen-install-")
        cls.dest = os.path.join(cls.dir, "root")
        cls.install = cls.make_install()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def make_install(cls):
        return subprocess.run(["make", "-C", ROOT, "--no-print-directory", "install", f"BUILD={BUILD}",
                               f"DESTDIR={cls.dest}", "PREFIX=/usr"],
                              capture_output=True, text=True, timeout=900)

    def path(self, p):
        return os.path.join(self.dest, p.lstrip("/"))

    def read(self, p):
        with open(self.path(p), encoding="utf-8") as f:
            return f.read()

    def test_files(self):
        self.assertEqual(self.install.returncode, 0, self.install.stdout[-3000:] + self.install.stderr[-3000:])
        binary = self.path("/usr/bin/lotsen")
        self.assertTrue(os.stat(binary).st_mode & stat.S_IXUSR)
        for p in ("/usr/share/lotsen/web/index.html", "/usr/share/lotsen/web/agent.html",
                  "/usr/lib/systemd/system/lotsen.service", "/usr/lib/sysusers.d/lotsen.conf",
                  "/etc/lotsen/lotsen.conf", "/usr/share/doc/lotsen/lotsen.conf.example",
                  "/usr/share/doc/lotsen/operations.md"):
            self.assertTrue(os.path.isfile(self.path(p)), p)
        self.assertTrue(any(f.endswith(".md") for f in os.listdir(self.path("/usr/share/lotsen/demo/kb"))))
        # Prompts are installed when the build spoke them (espeak-ng and sox present).
        built = os.path.join(BUILD, "prompts", "sv")
        if os.path.isdir(built) and any(f.endswith(".wav") for f in os.listdir(built)):
            wavs = sorted(f for f in os.listdir(self.path("/usr/share/lotsen/prompts/sv")) if f.endswith(".wav"))
            self.assertEqual(wavs, sorted(f for f in os.listdir(built) if f.endswith(".wav")))
        # Nothing lands outside the prefix and /etc.
        self.assertEqual(sorted(os.listdir(self.dest)), ["etc", "usr"])
        self.assertIn("u lotsen ", self.read("/usr/lib/sysusers.d/lotsen.conf"))

    def test_unit(self):
        unit = self.read("/usr/lib/systemd/system/lotsen.service")
        lines = set(unit.splitlines())
        for want in ("ExecStart=/usr/bin/lotsen serve --config /etc/lotsen/lotsen.conf",
                     "User=lotsen", "ProtectSystem=strict", "NoNewPrivileges=yes",
                     "ReadWritePaths=/var/lib/lotsen", "StateDirectory=lotsen", "PrivateTmp=yes",
                     "CapabilityBoundingSet="):
            self.assertIn(want, lines)
        self.assertNotIn("@", unit.replace("@system-service", ""))
        # The example settings keep the database where the unit lets the service write.
        self.assertIn("db = /var/lib/lotsen/lotsen.db", self.read("/etc/lotsen/lotsen.conf").splitlines())

    def test_unit_verifies(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed (scripts/install-test-peers.sh installs systemd)")
        # verify wants ExecStart's program at its path: the copy under DESTDIR stands in.
        unit = self.read("/usr/lib/systemd/system/lotsen.service")
        d = os.path.join(self.dir, "units")
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, "lotsen.service")
        with open(p, "w") as f:
            f.write(unit.replace("ExecStart=/usr/bin/lotsen", "ExecStart=" + self.path("/usr/bin/lotsen")))
        r = subprocess.run([analyze, "verify", "--man=no", p], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Unknown keys and bad values are only warnings to verify: none may appear.
        self.assertNotIn("lotsen.service:", r.stdout + r.stderr)

    def test_config_is_kept(self):
        conf = self.path("/etc/lotsen/lotsen.conf")
        with open(conf, "a") as f:
            f.write("# edited by the municipality\n")
        r = self.make_install()
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(self.read("/etc/lotsen/lotsen.conf").endswith("# edited by the municipality\n"))

    def test_installed_program_serves(self):
        """Started from DESTDIR with the installed settings and no --static, elsewhere than the
        source tree: it finds its web files under PREFIX/share/lotsen."""
        work = os.path.join(self.dir, "work")
        os.makedirs(work, exist_ok=True)
        port = free_port()
        log = open(os.path.join(work, "server.log"), "wb")
        proc = subprocess.Popen([self.path("/usr/bin/lotsen"), "serve", "--config", self.path("/etc/lotsen/lotsen.conf"),
                                 "--db", os.path.join(work, "lotsen.db"), "--http", f"127.0.0.1:{port}"],
                                cwd=work, stdout=log, stderr=log)
        try:
            deadline = time.time() + 60
            while True:
                self.assertIsNone(proc.poll(), self.logs(work))
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    self.assertLess(time.time(), deadline, self.logs(work))
                    time.sleep(0.05)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
                self.assertEqual(r.status, 200)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
                self.assertEqual(r.status, 200)
                with open(os.path.join(ROOT, "web", "index.html"), "rb") as f:
                    self.assertEqual(r.read(), f.read())
        finally:
            proc.terminate()
            code = proc.wait(timeout=60)
            log.close()
        self.assertEqual(code, 0, self.logs(work))

    def logs(self, work):
        with open(os.path.join(work, "server.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]


if __name__ == "__main__":
    unittest.main()
