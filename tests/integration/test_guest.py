"""The shim as a guest in processes it does not control: a client that turns
on a German locale (libpq then translates its messages, LC_NUMERIC writes a
decimal comma), and FIFOs where the policy or the log should be (opening one
for reading or writing blocks until the other end shows up)."""
import json
import os
import re
import subprocess
import unittest

from shimtest import BIN, PKI, ShimCase, policy_text, tcp, unsanitized_pg_programs

DEADLINE = 20   # seconds a client may take before it counts as hung
GERMAN = "de_DE.UTF-8"
REFUSED = 'pgtls-shim: refused by rule "test" (enforce): '


def german_locale_available():
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True,
                         timeout=DEADLINE).stdout
    return any(l.lower().replace("-", "") == "de_de.utf8" for l in out.split())


class GuestCase(ShimCase):
    def run_deadline(self, argv, env=None):
        """Runs ARGV under the shim; fails the test if it outlives DEADLINE
        (subprocess.run kills it then)."""
        try:
            return subprocess.run(argv, env=self.env(env), capture_output=True, text=True,
                                  timeout=DEADLINE)
        except subprocess.TimeoutExpired as e:
            self.fail("%s hung: killed after %d s (stderr: %s)" % (
                os.path.basename(argv[0]), DEADLINE, e.stderr))

    def pqclient(self, mode, conninfo, env=None):
        p = self.run_deadline([os.path.join(BIN, "pqclient"), mode, conninfo], env)
        outs = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        self.assertTrue(outs, "no output: rc=%d stderr=%s" % (p.returncode, p.stderr))
        return outs[0], p

    def strict_records(self):
        """Every line of the log, each of which must be a JSON object."""
        with open(self.log) as f:
            lines = f.read().splitlines()
        recs = []
        for line in lines:
            try:
                recs.append(json.loads(line))
            except ValueError as e:
                self.fail("record line is not JSON (%s): %s" % (e, line))
        return recs


class TranslatedLibpq(GuestCase):
    """psql calls setlocale(LC_ALL, ""): under LC_ALL=de_DE.UTF-8 libpq's
    messages come in German and printf's %f writes a decimal comma."""

    def setUp(self):
        super().setUp()
        self.assertTrue(german_locale_available(),
                        "the %s locale is missing: run scripts/deps.sh" % GERMAN)

    def psql(self, conninfo, preload=True):
        env = {"LC_ALL": GERMAN, "LANG": GERMAN, "LANGUAGE": None}
        if not preload:
            env["LD_PRELOAD"] = None
        return self.run_deadline(["psql", "-X", "-At", "-c", "select 1", conninfo], env)

    def assert_json_record(self, rec):
        self.assertEqual(rec["event"], "connect")
        ms = rec["duration_ms"]
        self.assertTrue(isinstance(ms, (int, float)) and not isinstance(ms, bool), rec)
        self.assertGreaterEqual(ms, 0)

    @unsanitized_pg_programs
    def test_libpq_really_speaks_german_here(self):
        """The precondition of the tests below, without the shim."""
        p = self.psql(tcp("wronghost", sslmode="verify-full",
                          sslrootcert=PKI + "/new-bundle.pem"),
                      preload=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("stimmt nicht mit dem Hostnamen", p.stderr)

    @unsanitized_pg_programs
    def test_records_are_json_in_a_german_process(self):
        for mode in ("audit", "enforce"):
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text(mode))
                p = self.psql(tcp("good"))
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.strip(), "1")
                recs = self.strict_records()
                self.assertEqual(len(recs), 1, recs)
                self.assert_json_record(recs[0])
                self.assertEqual(recs[0]["outcome"], "ok")

    @unsanitized_pg_programs
    def test_refusal_reason_is_not_translated(self):
        self.write_policy(policy_text("enforce"))
        p = self.psql(tcp("wronghost"))
        self.assertNotEqual(p.returncode, 0)
        # psql prints PQerrorMessage after its own (German) prefix.
        m = re.search(r"pgtls-shim: refused by .*", p.stderr)
        self.assertTrue(m, p.stderr)
        self.assertTrue(m.group(0).startswith(REFUSED + "wrong host"), p.stderr)
        # libpq's own words follow, in German: the locale was in effect.
        self.assertIn("stimmt nicht mit dem Hostnamen", p.stderr)
        recs = self.strict_records()
        self.assertEqual(len(recs), 1, recs)
        rec = recs[0]
        self.assert_json_record(rec)
        self.assertEqual(rec["outcome"], "failed")
        self.assertEqual(rec["reason"], "wrong host")
        self.assertTrue(rec["error"].startswith(REFUSED + "wrong host"), rec["error"])

    @unsanitized_pg_programs
    def test_audit_prediction_is_not_translated(self):
        self.write_policy(policy_text("audit"))
        p = self.psql(tcp("wronghost"))
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = self.strict_records()
        self.assertEqual(len(recs), 1, recs)
        self.assert_json_record(recs[0])
        self.assertEqual(recs[0]["audit"]["reason"], "wrong host")
        self.assertEqual(recs[0]["reason"], "wrong host")

    def test_own_messages_are_not_translated(self):
        """The shim's own messages, and the system errors they quote, read
        the same in a German process: strerror follows LC_MESSAGES, and a
        host's setlocale() must not change what the shim says."""
        notdir = os.path.join(self.dir, "a-file")
        open(notdir, "w").close()
        said = {}
        for lc in ("C", GERMAN):
            env = {"LC_ALL": lc, "LANG": lc, "LANGUAGE": None}
            # A policy that cannot be opened (ENOTDIR): the refusal.
            out, _ = self.pqclient("connectdb", tcp("good"), dict(
                env, PGTLS_SHIM_POLICY=os.path.join(notdir, "policy.conf")))
            # A log that cannot be opened (ENOENT): the diagnostic on stderr.
            self.write_policy(policy_text("audit").replace(
                "@LOG@", os.path.join(self.dir, "no-dir", "log.jsonl")))
            _, p = self.pqclient("connectdb", tcp("good"), env)
            diag = [l for l in p.stderr.splitlines()
                    if l.startswith("pgtls-shim: cannot write log")]
            said[lc] = (out["error"], diag)
        self.assertIn("cannot open: Not a directory", said["C"][0])
        self.assertEqual(len(said["C"][1]), 1, said)
        self.assertIn("No such file or directory", said["C"][1][0])
        self.assertEqual(said[GERMAN], said["C"])


def plant_fifo(path, user="nobody"):
    """A FIFO at PATH, made by USER (another user than the test's)."""
    subprocess.run(["runuser", "-u", user, "--", "mkfifo", "-m", "0666", path],
                   check=True, timeout=DEADLINE)
    assert os.stat(path).st_uid != os.geteuid()


def sticky_shared_dir(parent):
    """A world-writable directory with the sticky bit, like /tmp."""
    d = os.path.join(parent, "shared")
    os.mkdir(d)
    os.chmod(d, 0o1777)
    return d


@unittest.skipUnless(os.geteuid() == 0, "planting a FIFO as another user needs root")
class LogFifo(GuestCase):
    """Another user planted a FIFO at the log's path in a shared sticky
    directory: nobody reads it, so a blocking open for writing never returns."""

    def setUp(self):
        super().setUp()
        self.log = os.path.join(sticky_shared_dir(self.dir), "connections.jsonl")
        plant_fifo(self.log)

    def test_connection_goes_on_and_says_why_not_logged(self):
        for mode in ("audit", "enforce"):
            for entry in ("connectdb", "start"):
                with self.subTest(mode=mode, entry=entry):
                    self.write_policy(policy_text(mode))
                    out, p = self.pqclient(entry, tcp("good"))
                    self.assertEqual(out["status"], "ok", out)
                    self.assertEqual(out["query"], "42")
                    self.assertEqual(out["ssl"], True)
                    self.assertIn("pgtls-shim", p.stderr)

    def hold_reader(self, fill):
        """Opens the FIFO for reading (its planter listening) and, with FILL,
        fills the pipe so that a blocking write would wait forever. Returns the
        reading end, closed at cleanup."""
        r = os.open(self.log, os.O_RDONLY | os.O_NONBLOCK)
        self.addCleanup(os.close, r)
        if fill:
            w = os.open(self.log, os.O_WRONLY | os.O_NONBLOCK)
            try:
                while True:
                    os.write(w, b"x" * 4096)
            except BlockingIOError:
                pass
            finally:
                os.close(w)
        return r

    def drain(self, r):
        data = b""
        try:
            while True:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                data += chunk
        except BlockingIOError:
            pass
        return data

    def test_planter_reading_but_pipe_full(self):
        """A reader that never reads: the pipe is full, a blocking write hangs."""
        self.hold_reader(fill=True)
        self.write_policy(policy_text("enforce"))
        for entry in ("connectdb", "start"):
            with self.subTest(entry=entry):
                out, p = self.pqclient(entry, tcp("good"))
                self.assertEqual(out["status"], "ok", out)
                self.assertIn("pgtls-shim", p.stderr)

    def test_planter_reading_gets_no_records(self):
        """The planter listens: records (hosts, users, programs) must not go to
        another user's FIFO; the shim says so on stderr instead."""
        r = self.hold_reader(fill=False)
        self.write_policy(policy_text("audit"))
        out, p = self.pqclient("connectdb", tcp("good"))
        self.assertEqual(out["status"], "ok", out)
        self.assertIn("pgtls-shim", p.stderr)
        self.assertNotIn(b'"event"', self.drain(r))

    @unsanitized_pg_programs
    def test_psql_goes_on(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_deadline(["psql", "-X", "-At", "-c", "select 1", tcp("good")])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "1")
        self.assertIn("pgtls-shim", p.stderr)


class PolicyFifo(GuestCase):
    """PGTLS_SHIM_POLICY names a FIFO: nobody writes it, so a blocking open
    for reading never returns. The policy cannot be loaded: refused, unless
    PGTLS_SHIM_ON_ERROR=allow."""

    def assert_refused_quickly(self, policy):
        for entry in ("connectdb", "start"):
            with self.subTest(policy=policy, entry=entry):
                out, _ = self.pqclient(entry, tcp("good"), {"PGTLS_SHIM_POLICY": policy})
                self.assertEqual(out["status"], "bad", out)
                self.assertTrue(out["error"].startswith("pgtls-shim: refused"), out["error"])
        with self.subTest(policy=policy, on_error="allow"):
            out, _ = self.pqclient("connectdb", tcp("good"), {
                "PGTLS_SHIM_POLICY": policy, "PGTLS_SHIM_ON_ERROR": "allow"})
            self.assertEqual(out["status"], "ok", out)
            self.assertEqual(out["query"], "42")

    def test_own_fifo_as_policy(self):
        """Owned by the process's user, mode 0644: only its type is wrong."""
        os.mkfifo(self.policy, 0o644)
        os.chmod(self.policy, 0o644)
        self.assert_refused_quickly(self.policy)

    @unittest.skipUnless(os.geteuid() == 0, "planting a FIFO as another user needs root")
    def test_planted_fifo_as_policy(self):
        path = os.path.join(sticky_shared_dir(self.dir), "policy.conf")
        plant_fifo(path)
        self.assert_refused_quickly(path)

    @unsanitized_pg_programs
    def test_psql_refused_quickly(self):
        os.mkfifo(self.policy, 0o644)
        os.chmod(self.policy, 0o644)
        p = self.run_deadline(["psql", "-X", "-At", "-c", "select 1", tcp("good")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("pgtls-shim: refused", p.stderr)


class CertFileFifo(GuestCase):
    """SSL_CERT_FILE names a FIFO and the policy's sslrootcert is "system":
    OpenSSL's default paths would open it for reading, which blocks until a
    writer shows up, inside the audit's store cache lock (fork takes it too).
    With libpq 15 the shim emulates "system" by the file itself (checked like
    any CA file); from libpq 16 the store is OpenSSL's default paths
    (tests/unit/test_storefifo.c covers that path on any libpq)."""

    def test_audit_of_system_store_does_not_hang(self):
        fifo = os.path.join(self.dir, "certs.pem")
        os.mkfifo(fifo, 0o644)
        self.write_policy(policy_text("audit").replace(
            'sslrootcert = "%s/new-bundle.pem";' % PKI, 'sslrootcert = "system";'))
        out, p = self.pqclient("connectdb", tcp("good", sslmode="require"),
                               {"SSL_CERT_FILE": fifo})
        self.assertEqual((out["status"], out["query"]), ("ok", "42"), p.stderr)
        rec = self.one_record()
        self.assertTrue(rec["audit"]["would_refuse"], rec)
        self.assertEqual(rec["reason"], "CA bundle unreadable", rec)

if __name__ == "__main__":
    unittest.main()
