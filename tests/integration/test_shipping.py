"""Shipping records with rsyslog (issue 23, item 5): the configurations of
examples/ run as two real rsyslogd instances (not the system service; their
own configuration, work directory and pid file, unprivileged ports on
127.0.0.1): the "host" follows the shim's record file with imfile and
forwards over TCP to the "collector", which writes the records into its own
file.  The collector's file must hold the host's records byte for byte, and
`report --json` and `reconcile --json` (against a real server log written
with log_connections) must be the same on both files.  No sleep as sync:
every wait polls for the expected state with a deadline."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

from shimtest import BIN, CLI, PKI, pgservers, policy_text, tcp, ShimCase
import test_reconcile as trec    # its server with log_connections (start_server)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples")
RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
DEADLINE = 60
SERVER = None


def setUpModule():
    """A TLS server of our own whose log has log_connections (Debian's prefix)."""
    global SERVER
    trec.USER = pgservers.server_user()
    trec.HOME = tempfile.mkdtemp(prefix="pgtls-shim-shipping-")
    os.chmod(trec.HOME, 0o755)
    pgservers.chown(trec.HOME, trec.USER)
    template = os.path.join(trec.HOME, "template")
    pgservers.as_user(trec.USER, [os.path.join(pgservers.PGBIN, "initdb"), "-D", template,
                                  "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                                  "--locale=C"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.STDOUT)
    try:
        SERVER = trec.INFO["ship"] = trec.start_server(template, "ship", True, "%m [%p] ", "UTC")
    except Exception:
        trec.tearDownModule()
        raise


def tearDownModule():
    trec.tearDownModule()


def poll(check, what, timeout=DEADLINE):
    """CHECK() until it returns something true; fails after TIMEOUT seconds
    (test_reconcile's poll, with this file's deadline)."""
    return trec.poll(check, what, timeout)


def example(name, replace, workdir):
    """examples/NAME with each key of REPLACE (which must occur) replaced, and
    a work directory of its own (Debian's rsyslog.conf sets one)."""
    with open(os.path.join(EXAMPLES, name)) as f:
        text = f.read()
    for old, new in replace.items():
        if old not in text:
            raise AssertionError("%s no longer contains %r" % (name, old))
        text = text.replace(old, new)
    return 'global(workDirectory="%s")\n' % workdir + text


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


@unittest.skipUnless(os.path.exists(RSYSLOGD), "no rsyslogd (scripts/deps.sh installs rsyslog)")
class Rsyslog(ShimCase):
    def setUp(self):
        super().setUp()
        self.procs = []
        self.collected = os.path.join(self.dir, "collector", "fleet.jsonl")
        port = pgservers.free_port()
        self.start("collector", "rsyslog-pgtls-shim-collector.conf", {
            'address="0.0.0.0" port="10514"': 'address="127.0.0.1" port="%d"' % port,
            "/var/log/pgtls-shim/fleet.jsonl": self.collected})
        poll(lambda: listening(port), "the collector to listen on port %d" % port)
        self.start("host", "rsyslog-pgtls-shim-host.conf", {
            "/var/log/pgtls-shim/connections.jsonl": self.log,
            'target="logs.example.com" port="10514"': 'target="127.0.0.1" port="%d"' % port})

    def start(self, name, example_name, replace):
        work = os.path.join(self.dir, name)
        os.mkdir(work)
        conf = os.path.join(work, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(example(example_name, replace, work))
        check = subprocess.run([RSYSLOGD, "-N1", "-f", conf], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stderr)
        out = open(os.path.join(work, "rsyslogd.out"), "w")
        p = subprocess.Popen([RSYSLOGD, "-n", "-f", conf, "-i", os.path.join(work, "pid")],
                             stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.procs.append((p, os.path.join(work, "rsyslogd.out")))

    def tearDown(self):
        for p, _ in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        super().tearDown()

    def rsyslog_output(self):
        out = []
        for p, path in self.procs:
            with open(path) as f:
                out.append("%s (rc %s):\n%s" % (path, p.poll(), f.read()))
        return "\n".join(out)

    def run_cli(self, *args):
        p = subprocess.run([CLI] + list(args), capture_output=True, text=True, timeout=120)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return json.loads(p.stdout), p.returncode

    def server_log(self, start, sessions):
        """The server log since START once it holds SESSIONS authorized
        sessions, copied to the test's directory."""
        def read():
            with open(SERVER["log"], "rb") as f:
                f.seek(start)
                data = f.read()
            return data if data.count(b"LOG:  connection authorized:") >= sessions else None
        data = poll(read, "%d sessions in the server log" % sessions)
        path = os.path.join(self.dir, "server.log")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_records_reach_the_collector_unchanged(self):
        self.write_policy(policy_text("audit"))
        start = os.path.getsize(SERVER["log"])
        ok = 0
        for app in ("billing", "reports", "billing"):
            out, _ = self.client("connectdb", trec.conninfo("ship", application_name=app))
            ok += out[-1]["status"] == "ok"
        for name in ("wronghost", "plain", "expired"):          # refusals and failures
            self.client("connectdb", tcp(name))
        self.client("connectdb", trec.conninfo("ship", application_name="enf",
                                               sslmode="verify-full",
                                               sslrootcert=PKI + "/old-root.crt"))
        # A record far above rsyslog's default 8 KiB limit (a long chain's worth).
        with open(self.log) as f:
            big = json.loads(f.readline())
        big["warnings"] = ["certificate \"CN=%s\" expires soon" % ("\u00e9x\\\"" * 4000)]
        with open(self.log, "a") as f:
            f.write(json.dumps(big) + "\n")
        want = lines(self.log)
        self.assertGreaterEqual(want, 8)
        poll(lambda: lines(self.collected) >= want,
             "%d records in the collector's file" % want)
        with open(self.log, "rb") as a, open(self.collected, "rb") as b:
            self.assertEqual(b.read(), a.read(), self.rsyslog_output())

        self.assertEqual(self.run_cli("report", "--json", self.collected),
                         self.run_cli("report", "--json", self.log))
        slog = self.server_log(start, ok)
        here = self.run_cli("reconcile", "--json", "--server-log", slog, self.log)
        there = self.run_cli("reconcile", "--json", "--server-log", slog, self.collected)
        self.assertEqual(there, here)
        self.assertEqual(here[0]["matched"], ok)
        self.assertGreater(ok, 0)


if __name__ == "__main__":
    unittest.main()
