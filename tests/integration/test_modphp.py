"""PHP under Apache's mod_php (issue 14: "PHP CLI, php-fpm, mod_php").

/usr/sbin/apache2 (Debian's apache2-bin) runs in the foreground with a
configuration of its own in the test's directory: prefork with one child,
libphp8.2.so (libapache2-mod-php8.2) with Debian's php.ini for it, which
loads the pgsql and pdo_pgsql extensions.  The library and the policy's
name are in Apache's environment, as an operator puts them in
/etc/apache2/envvars.  The parent, as root, loads mod_php, which loads the
extensions with RTLD_DEEPBIND (Apache loads libphp twice at start-up,
unloading it in between; PHP starts on the second); the child it forks
serves the request as www-data and connects.  The script is test_drivers'
php-fpm one, its parameters in the query string."""
import glob
import os
import pwd
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from shimtest import RUNTIME, ShimCase, policy_text, tcp
from test_drivers import FPM_SCRIPT, SQL, PhpServed, stop_daemon

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
# libphp8.2.so (libapache2-mod-php8.2) on Debian 12: the newest there is.
MOD_PHP = max(glob.glob(os.path.join(MODULES, "libphp[0-9]*.so")), default=None)
WRAPPER = """<?php
foreach (["PG_API", "PG_CI", "PG_SQL"] as $k) { $_SERVER[$k] = $_GET[$k]; }
require __DIR__ . "/connect.php";
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(os.path.exists(APACHE) and MOD_PHP,
                     "apache2-bin or libapache2-mod-php8.2 is not installed (scripts/deps.sh)")
@unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
class ModPhp(PhpServed, ShimCase):
    """Apache's prefork parent as root with the library in its LD_PRELOAD;
    the child serves as www-data, so the log's directory is www-data's and
    the child creates the file."""

    def setUp(self):
        super().setUp()
        self.root = os.geteuid() == 0
        logdir = os.path.join(self.dir, "log")
        os.mkdir(logdir, 0o755)
        if self.root:
            www = pwd.getpwnam("www-data")
            os.chown(logdir, www.pw_uid, www.pw_gid)
        self.log = os.path.join(logdir, "log.jsonl")
        self.docroot = os.path.join(self.dir, "htdocs")
        os.mkdir(self.docroot, 0o755)
        for name, text in [("connect.php", FPM_SCRIPT), ("index.php", WRAPPER)]:
            with open(os.path.join(self.docroot, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(self.docroot, name), 0o644)

    def start_apache(self, env=None):
        """Apache with ENV over the test's environment, without HOME by
        default: systemd sets none for apache2.service (no User=)."""
        self.port = free_port()
        run = os.path.join(self.dir, "run")
        os.makedirs(run, 0o755, exist_ok=True)
        self.error_log = os.path.join(self.dir, "error.log")
        conf = os.path.join(self.dir, "apache2.conf")
        modules = [("mpm_prefork_module", "mod_mpm_prefork.so"),
                   ("authz_core_module", "mod_authz_core.so"),
                   ("mime_module", "mod_mime.so"), ("dir_module", "mod_dir.so"),
                   ("php_module", os.path.basename(MOD_PHP))]
        with open(conf, "w") as f:
            f.write("ServerRoot %s\n" % self.dir)
            f.write("ServerName 127.0.0.1\nListen 127.0.0.1:%d\n" % self.port)
            f.write("PidFile %s/apache2.pid\nDefaultRuntimeDir %s\nMutex file:%s default\n"
                    % (run, run, run))
            f.write("ErrorLog %s\nLogLevel warn\n" % self.error_log)
            if self.root:
                f.write("User www-data\nGroup www-data\n")
            for name, so in modules:
                f.write("LoadModule %s %s\n" % (name, os.path.join(MODULES, so)))
            f.write("StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\n"
                    "ServerLimit 1\nMaxRequestWorkers 1\n")
            f.write("TypesConfig /etc/mime.types\nDocumentRoot %s\n" % self.docroot)
            f.write('<Directory "%s">\n  Require all granted\n</Directory>\n' % self.docroot)
            f.write("DirectoryIndex index.php\n")
            f.write('<FilesMatch "\\.php$">\n  SetHandler application/x-httpd-php\n'
                    '</FilesMatch>\nphp_admin_flag html_errors off\n')
        self.apache_out = os.path.join(self.dir, "apache2.out")
        with open(self.apache_out, "w") as out:
            # An operator's /etc/apache2/envvars: LD_PRELOAD, PGTLS_SHIM_POLICY.
            # A session of its own, as under systemd: prefork's parent ends
            # its children with SIGTERM to its whole process group, which
            # in ours would be the test runner and ctest.
            self.apache = subprocess.Popen([APACHE, "-f", conf, "-DFOREGROUND"],
                                           env=self.env(dict({"HOME": None}, **(env or {}))),
                                           stdin=subprocess.DEVNULL,
                                           stdout=out, stderr=subprocess.STDOUT,
                                           start_new_session=True)
        self.addCleanup(stop_daemon, self.apache, signal.SIGTERM)   # apache2 -k stop
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                pass
            if self.apache.poll() is not None or time.monotonic() > deadline:
                self.fail("apache2 did not listen: rc=%s\n%s" % (
                    self.apache.poll(), self.apache_diagnostics()))
            time.sleep(0.02)   # poll interval; the condition is the port

    def apache_diagnostics(self):
        text = ""
        for path in (self.apache_out, self.error_log):
            if os.path.exists(path):
                with open(path) as f:
                    text += "%s:\n%s" % (path, f.read())
        return text

    def request(self, api, ci, sql=SQL):
        """A GET of index.php; (1 on HTTP 500 else 0, the body)."""
        url = "http://127.0.0.1:%d/?%s" % (self.port, urllib.parse.urlencode(
            {"PG_API": api, "PG_CI": ci, "PG_SQL": sql}))
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                return 0, r.read().decode()
        except urllib.error.HTTPError as e:
            body = e.read().decode()
            self.assertEqual(e.code, 500, body + self.apache_diagnostics())
            return 1, body

    def served(self, api, env=None):
        """A run(): each call a new Apache, which reads the policy afresh."""
        def run(name, sslmode):
            getattr(self, "apache", None) and stop_daemon(self.apache, signal.SIGTERM)
            self.start_apache(env)
            rc, out = self.request(api, tcp(name, sslmode=sslmode))
            if rc == 0:                                # the script ran to its end
                self.assertIn("shim-mapped: yes", out)     # in the child that served it
            return rc, out
        return run

    def test_served_by_the_child_as_www_data(self):
        """The record comes from the child Apache forked, not the parent,
        and from www-data when Apache started as root."""
        self.write_policy(policy_text("enforce"))
        rc, out = self.served("pgsql")("good", "disable")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"(?m)^true$")
        rec = self.one_record()
        self.assertTrue(rec["verified"], rec)
        self.assertNotEqual(rec["pid"], self.apache.pid, rec)
        self.assertEqual(rec["program"], APACHE, rec)
        if self.root:
            self.assertEqual(os.stat(self.log).st_uid, pwd.getpwnam("www-data").pw_uid)

    @unittest.skipUnless(os.geteuid() == 0, "Apache changes to www-data only when started as root")
    def test_root_home_in_apaches_environment(self):
        """Apache started from a root shell keeps its HOME: libpq in the
        www-data child then cannot look into $HOME/.postgresql for a client
        certificate, and that ends its TLS attempt (any error but ENOENT):
        under prefer it goes on in plaintext, upgraded it fails.  Audit
        predicts that failure with its cause (not "server does not support
        TLS": the server does); enforce records it with the same reason.
        The operator's fix is Apache's environment, not the policy."""
        home = os.path.join(self.dir, "root-home")
        os.mkdir(home, 0o700)
        os.mkdir(os.path.join(home, ".postgresql"), 0o700)
        cert = os.path.join(home, ".postgresql", "postgresql.crt")
        self.write_policy(policy_text("audit"))
        rc, out = self.served("pgsql", {"HOME": home})("good", "prefer")
        self.assertEqual(rc, 0, out)
        rec = self.one_record()
        self.assertIsNone(rec["tls"], rec)                       # plaintext, as libpq chose
        self.assertTrue(rec["audit"]["would_refuse"], rec)
        self.assertEqual(rec["audit"]["reason"], "client certificate unusable")
        os.unlink(self.log)
        self.write_policy(policy_text("enforce"))
        rc, out = self.served("pgsql", {"HOME": home})("good", "disable")
        self.assertEqual(rc, 1, out)
        self.assertIn("client certificate unusable", out)
        rec = self.one_record()
        self.assertEqual(rec["sslmode_effective"], "verify-full")
        self.assertFalse(rec["verified"])
        self.assertEqual(rec["reason"], "client certificate unusable")
        self.assertIn(cert, rec["error"])

if __name__ == "__main__":
    unittest.main()
