"""Real mail servers for the tests, started as ordinary processes in a temp directory.

Dovecot (`dovecot -F -c DIR/dovecot.conf`): IMAP on a free loopback port (plain, and
STARTTLS with a self-signed certificate made here), users from a passwd-file, mail in
DIR/mail/USER as Maildir, LMTP on another loopback port, and its auth service on a UNIX
socket Postfix's smtpd uses for SASL. Postfix (`postfix -c DIR/postfix start`): its own
config and queue directory in DIR, smtpd on a free loopback port, every recipient of the
test domain delivered to Dovecot over LMTP. Nothing of the system-wide services is used;
stop() ends both and removes the directory. MailServers.shared() gives every class of a
test file the same servers (each file runs in a process of its own).
"""
import atexit
import imaplib
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

from harness import free_port

DOMAIN = "lotsen.test"
PASSWORD = "hemligt-losen-1"
USERS = ("kontaktcenter", "forskola", "medborgare", "handlaggare")  # local parts of DOMAIN


def _wait_port(port, proc=None, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process ended with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def _run(args, **kw):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}: {p.stdout.strip()}")
    return p


_shared = {}


class MailServers:
    """Dovecot + Postfix on loopback. `users` are local parts of DOMAIN; all share PASSWORD."""

    @classmethod
    def shared(cls, users=USERS):
        """The file's servers for `users`: started at the first call, stopped when the
        process ends. A class that uses them empties its users' folders before each test
        (MailNetBase.setUp) and restarts any server it stops."""
        key = tuple(users)
        if key not in _shared:
            _shared[key] = cls(users=users).start()
            atexit.register(_shared[key].stop)
        return _shared[key]

    def __init__(self, users=USERS, postfix=True):
        self.dir = tempfile.mkdtemp(prefix="lotsen-mail-")
        os.chmod(self.dir, 0o755)
        self.users = list(users)
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.lmtp_port = free_port()
        self.smtp_port = free_port()
        self.with_postfix = postfix
        self.dovecot = None
        self.postfix_dir = os.path.join(self.dir, "postfix")
        self.postfix_running = False
        # Mail files belong to an ordinary user: Dovecot will not keep mail as root.
        if os.getuid() == 0:
            pw = pwd.getpwnam("dovecot")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
        else:
            self.uid, self.gid = os.getuid(), os.getgid()

    # ---------------------------------------------------------------- set-up
    def start(self):
        try:
            self._start_dovecot()
            if self.with_postfix:
                self.start_postfix()
        except Exception:
            self.stop()
            raise
        return self

    def _cert(self):
        key = os.path.join(self.dir, "key.pem")
        crt = os.path.join(self.dir, "cert.pem")
        # an EC key: made at once, where an RSA key costs a busy machine seconds
        _run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-days", "2",
              "-subj", "/CN=localhost",
              # Lotsen checks the name: the fetchers connect to 127.0.0.1
              "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
              "-keyout", key, "-out", crt])
        os.chmod(key, 0o600)
        return key, crt

    @property
    def cert(self):
        """The servers' self-signed certificate (PEM): Lotsen's mail-ca-file in the tests."""
        return os.path.join(self.dir, "cert.pem")

    def _start_dovecot(self):
        d = self.dir
        key, crt = self._cert()
        os.makedirs(os.path.join(d, "mail"))
        os.makedirs(os.path.join(d, "run"))
        os.makedirs(os.path.join(d, "state"))
        os.chown(os.path.join(d, "mail"), self.uid, self.gid)
        # As root Dovecot drops to its own users; as anyone else it runs as that user.
        if os.getuid() == 0:
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
        else:
            login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
            import grp
            internal_group = grp.getgrgid(os.getgid()).gr_name
        hashed = _run(["doveadm", "pw", "-s", "SHA512-CRYPT", "-p", PASSWORD]).stdout.strip()
        with open(os.path.join(d, "passwd"), "w") as f:
            for u in self.users:
                f.write(f"{u}@{DOMAIN}:{hashed}:{self.uid}:{self.gid}::{d}/mail/{u}::\n")
        conf = f"""# Written by tests/integration/mailservers.py
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = lotsen-test-{os.getpid()}-{self.imap_port}
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {min(self.uid, 100)}
mail_location = maildir:{d}/mail/%u
mail_uid = {self.uid}
mail_gid = {self.gid}
ssl = yes
ssl_cert = <{crt}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=SHA512-CRYPT username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Behandlat {{
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0600
  }}
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0666
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
service submission-login {{
  chroot =
}}
protocol lmtp {{
  postmaster_address = postmaster@{DOMAIN}
}}
lmtp_save_to_detail_mailbox = no
mail_max_userip_connections = 50
"""
        self.conf = os.path.join(d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.dovecot_out = open(os.path.join(d, "dovecot.out"), "w")
        self.dovecot = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                        stdout=self.dovecot_out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        _wait_port(self.imap_port, self.dovecot)
        _wait_port(self.lmtp_port, self.dovecot)
        # A first login makes each user's Maildir with the processed folder.
        for u in self.users:
            self.imap(u).logout()

    def stop_dovecot(self):
        if self.dovecot and self.dovecot.poll() is None:
            self.dovecot.send_signal(signal.SIGTERM)
            try:
                self.dovecot.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.dovecot.pid, signal.SIGKILL)
                self.dovecot.wait()
        self.dovecot = None

    def start_dovecot_again(self):
        """Dovecot again with the same configuration, ports and mail (after stop_dovecot)."""
        self.dovecot = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                        stdout=self.dovecot_out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        _wait_port(self.imap_port, self.dovecot)

    def start_postfix(self):
        if os.getuid() != 0:
            import unittest
            raise unittest.SkipTest("Postfix starts only as root (postfix start)")
        d = self.postfix_dir
        if not os.path.isdir(d):
            os.makedirs(d)
            queue = os.path.join(self.dir, "postfix-queue")
            data = os.path.join(self.dir, "postfix-data")
            os.makedirs(queue)
            os.makedirs(data)
            shutil.chown(data, "postfix", "postfix")
            with open(os.path.join(d, "main.cf"), "w") as f:
                f.write(f"""# Written by tests/integration/mailservers.py
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.{DOMAIN}
mydomain = {DOMAIN}
myorigin = {DOMAIN}
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
virtual_mailbox_domains = {DOMAIN}
virtual_transport = lmtp:inet:127.0.0.1:{self.lmtp_port}
local_transport = error:local delivery is off in the tests
alias_maps =
alias_database =
smtpd_banner = $myhostname ESMTP
smtpd_tls_security_level = may
smtpd_tls_cert_file = {self.dir}/cert.pem
smtpd_tls_key_file = {self.dir}/key.pem
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {self.dir}/run/auth-postfix
smtpd_tls_auth_only = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
biff = no
append_dot_mydomain = no
maillog_file = {self.dir}/postfix.log
maillog_file_prefixes = {self.dir}
syslog_name = postfix-lotsen-test
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
lmtp_connection_cache_on_demand = no
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
""")
            with open(os.path.join(d, "master.cf"), "w") as f:
                f.write(f"""# Written by tests/integration/mailservers.py
127.0.0.1:{self.smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
""")
        _run(["postfix", "-c", d, "start"])
        self.postfix_running = True
        _wait_port(self.smtp_port)

    def stop_postfix(self):
        if self.postfix_running:
            subprocess.run(["postfix", "-c", self.postfix_dir, "stop"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
            self.postfix_running = False
            # `postfix stop` returns before master has closed its listener.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=0.2):
                        time.sleep(0.05)
                except OSError:
                    break

    def stop(self):
        self.stop_postfix()
        self.stop_dovecot()
        if getattr(self, "dovecot_out", None):
            self.dovecot_out.close()
            self.dovecot_out = None
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------------- use
    @staticmethod
    def addr(user):
        return user if "@" in user else f"{user}@{DOMAIN}"

    def save(self, user, raw, folder="INBOX"):
        """Put a message straight into a folder with `doveadm save`."""
        if isinstance(raw, str):
            raw = raw.encode()
        subprocess.run(["doveadm", "-c", self.conf, "save", "-u", self.addr(user), "-m", folder],
                       input=raw, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def expunge(self, user, folder="INBOX"):
        """Remove every message of a folder."""
        subprocess.run(["doveadm", "-c", self.conf, "expunge", "-u", self.addr(user),
                        "mailbox", folder, "all"], check=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)

    def send(self, sender, rcpts, raw):
        """Submit a message to Postfix over SMTP (delivered to Dovecot over LMTP)."""
        if isinstance(rcpts, str):
            rcpts = [rcpts]
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as s:
            s.sendmail(self.addr(sender), [self.addr(r) for r in rcpts],
                       raw.encode() if isinstance(raw, str) else raw)

    def imap(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        m.login(self.addr(user), PASSWORD)
        return m

    def messages(self, user, folder="INBOX"):
        """The raw messages in a folder, oldest first, with their flags: [(flags, bytes)]."""
        m = self.imap(user)
        try:
            typ, _ = m.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            typ, data = m.uid("search", None, "ALL")
            out = []
            for uid in data[0].split():
                typ, parts = m.uid("fetch", uid, "(FLAGS BODY.PEEK[])")
                flags = parts[0][0].decode()
                out.append((flags, parts[0][1]))
            return out
        finally:
            m.logout()

    def wait_messages(self, user, n, folder="INBOX", timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            got = self.messages(user, folder)
            if len(got) >= n or time.monotonic() > deadline:
                return got
            time.sleep(0.1)

    def mailbox_settings(self, user, security="starttls", **extra):
        """The JSON of POST /api/v1/mailboxes for `user`'s account here."""
        body = {"address": self.addr(user), "imap_host": "127.0.0.1",
                "imap_port": self.imaps_port if security == "tls" else self.imap_port,
                "imap_security": security,
                "imap_user": self.addr(user), "imap_password": PASSWORD}
        body.update(extra)
        return body
