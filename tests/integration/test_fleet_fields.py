"""Fleet identity in every record (issue 23 item 1): `policy` {path, sha256},
`unit` (the systemd unit or container id of the process's cgroup) and
`severity`, which the syslog transport sends as the message's priority."""
import json
import os
import socket
import subprocess
import unittest

from shimtest import BIN, ShimCase, policy_text, tcp

PQCLIENT = os.path.join(BIN, "pqclient")
CONTAINER_ID = "0123456789abcdef" * 4
LOCAL3 = 19 << 3
PRIORITY = {"error": 3, "warning": 4, "notice": 5, "info": 6}


def cgroup2_root():
    """Where the cgroup v2 hierarchy is mounted, or None."""
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[2] == "cgroup2":
                return fields[1]
    return None


class PolicyField(ShimCase):
    def test_policy_path_as_the_process_names_it(self):
        self.write_policy(policy_text("enforce"))
        link = os.path.join(self.dir, "link.conf")
        os.symlink(self.policy, link)
        for path in (self.policy, link):
            with self.subTest(path=path):
                os.path.exists(self.log) and os.unlink(self.log)
                self.client("connectdb", tcp("good"), {"PGTLS_SHIM_POLICY": path})
                pol = self.one_record()["policy"]
                self.assertEqual(pol["path"], path)          # symlinks not resolved
                # sha256: filled by the policy loader; a string of 64 hex or null.
                self.assertTrue(pol["sha256"] is None or len(pol["sha256"]) == 64, pol)


def named_systemd_root():
    """Where a cgroup v1 name=systemd hierarchy is mounted (hybrid hosts), or None."""
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[2] == "cgroup" and "name=systemd" in fields[3].split(","):
                return fields[1]
    return None


class Unit(ShimCase):
    """A client moved into a cgroup named like a systemd service or a container."""

    def setUp(self):
        super().setUp()
        root = cgroup2_root()
        if root is None:
            self.skipTest("no cgroup v2 hierarchy mounted")
        self.slice = os.path.join(root, "pgtls-test-%d.slice" % os.getpid())
        try:
            os.mkdir(self.slice)
        except OSError as e:
            self.skipTest("cgroupfs not writable here: %s" % e)
        self.addCleanup(os.rmdir, self.slice)

    def unit_in(self, name, parent=None):
        cg = os.path.join(parent or self.slice, name)
        os.mkdir(cg)
        self.addCleanup(os.rmdir, cg)
        os.path.exists(self.log) and os.unlink(self.log)
        p = subprocess.Popen([PQCLIENT, "lines", tcp("good")], env=self.env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(p.pid))
            p.stdin.write("go\n")
            p.stdin.flush()
            self.assertEqual(json.loads(p.stdout.readline())["status"], "ok")
        finally:
            p.stdin.close()
            p.stdout.read()
            p.stdout.close()
            p.wait(timeout=60)
        return self.one_record()["unit"]

    def test_systemd_service(self):
        self.write_policy(policy_text("audit"))
        self.assertEqual(self.unit_in("foo.service"), "foo.service")

    def test_container_scope(self):
        self.write_policy(policy_text("audit"))
        self.assertEqual(self.unit_in("docker-%s.scope" % CONTAINER_ID), CONTAINER_ID)

    def test_container_id_directory(self):
        self.write_policy(policy_text("audit"))
        self.assertEqual(self.unit_in(CONTAINER_ID), CONTAINER_ID)

    def test_name_systemd_line_when_the_unified_one_names_nothing(self):
        # A hybrid host: the unified path (here the test's slice) names no
        # unit, the name=systemd hierarchy's does.
        root = named_systemd_root()
        if root is None:
            self.skipTest("no name=systemd hierarchy (not a hybrid cgroup host)")
        v1 = os.path.join(root, "pgtls-test-%d.slice" % os.getpid())
        os.mkdir(v1)
        self.addCleanup(os.rmdir, v1)
        self.write_policy(policy_text("audit"))
        self.assertEqual(self.unit_in("baz.service", parent=v1), "baz.service")

    def test_nothing_recognisable(self):
        self.write_policy(policy_text("audit"))
        self.assertIsNone(self.unit_in("session-7.scope"))


class SeverityAndSyslog(ShimCase):
    """Each case's severity, and the priority of its syslog message."""

    def setUp(self):
        super().setUp()
        self.sock = os.path.join(self.dir, "log.sock")
        self.rx = None

    def tearDown(self):
        if self.rx:
            self.rx.close()
        super().tearDown()

    def bind(self):
        self.rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.rx.bind(self.sock)
        self.rx.settimeout(30)

    def syslog_policy(self, mode, defaults=""):
        self.write_policy(policy_text(mode, log=False, defaults=defaults) + (
            'log = { path = "syslog"; socket = "%s"; facility = "local3"; };\n' % self.sock))

    def receive(self):
        """The next message: (priority, record)."""
        msg = self.rx.recv(65536).decode()
        self.assertTrue(msg.startswith("<"), msg[:20])
        pri = int(msg[1:msg.index(">")])
        return pri, json.loads(msg.partition(": ")[2])

    def test_severity_per_case(self):
        self.bind()
        cases = [
            ("ok", "enforce", "", tcp("good"), "info"),
            ("refused or failed", "enforce", "", tcp("wronghost"), "error"),
            ("audit would refuse", "audit", "", tcp("plain"), "notice"),
            ("expiring certificate", "enforce", "expiry_warning_days = 30;", tcp("soon"),
             "warning"),
            ("expiring and would refuse", "audit", "expiry_warning_days = 30;",
             tcp("soon", host="other.test"), "warning"),
        ]
        for name, mode, defaults, ci, severity in cases:
            with self.subTest(case=name):
                self.syslog_policy(mode, defaults)
                self.client("connectdb", ci)
                pri, rec = self.receive()
                self.assertEqual(rec["event"], "connect")
                self.assertEqual(rec["severity"], severity, rec)
                self.assertEqual(pri, LOCAL3 | PRIORITY[severity])

    def test_policy_error_is_an_error(self):
        self.bind()
        self.syslog_policy("enforce")
        s = subprocess.Popen([PQCLIENT, "lines", tcp("good")], env=self.env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            s.stdin.write("go\n")
            s.stdin.flush()
            s.stdout.readline()
            self.assertEqual(self.receive()[1]["severity"], "info")
            with open(self.policy, "a") as f:
                f.write("mode = \"bogus\";\n")                    # a broken reload
            s.stdin.write("go\n")
            s.stdin.flush()
            s.stdout.readline()
            pri, rec = self.receive()
            self.assertEqual((rec["event"], rec["severity"]), ("policy_error", "error"))
            self.assertEqual(pri, LOCAL3 | 3)
        finally:
            s.stdin.close()
            s.stdout.read()
            s.stdout.close()
            s.wait(timeout=60)

    def test_records_lost_to_syslog(self):
        # No receiver: the records are lost; once one listens, the first
        # message is records_lost (priority err), then the record.
        self.syslog_policy("enforce")
        s = subprocess.Popen([PQCLIENT, "lines", tcp("good")], env=self.env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(2):
                s.stdin.write("go\n")
                s.stdin.flush()
                self.assertEqual(json.loads(s.stdout.readline())["status"], "ok")
            self.bind()
            s.stdin.write("go\n")
            s.stdin.flush()
            s.stdout.readline()
            pri, lost = self.receive()
            self.assertEqual((lost["event"], lost["lost"], pri), ("records_lost", 2, LOCAL3 | 3))
            self.assertTrue(lost["error"])
            pri, rec = self.receive()
            self.assertEqual((rec["event"], pri), ("connect", LOCAL3 | 6))
        finally:
            s.stdin.close()
            s.stdout.read()
            err = s.stderr.read()
            s.stdout.close()
            s.stderr.close()
            s.wait(timeout=60)
        self.assertEqual(err.count("pgtls-shim: cannot write log"), 1, err)


if __name__ == "__main__":
    unittest.main()
