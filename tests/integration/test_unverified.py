"""Enforce never accepts a connection libpq did not chain-verify, whatever the
floor (issue 22 item 3): under sslmode=require libpq checks the chain only
when the root file it looks at exists (initialize_SSL, libpq 15 to 18).  A
require floor with an sslrootcert that does not exist, or none at all (and
no ~/.postgresql/root.crt), is refused in enforce with "server certificate
not verified" on the blocking and the asynchronous paths, and audit predicts
exactly that.  The same floor with a root file that exists connects,
chain-verified."""
import json
import os
import shutil
import subprocess
import textwrap
import unittest

from shimtest import BIN, CLI, PKI, gss_env, server, tcp, ShimCase

REASON = "server certificate not verified"


def policy(mode, root_line):
    """A require-floor policy with one rule "test" for db.test."""
    return textwrap.dedent("""\
        version = 1;
        mode = "audit";
        log = { path = "@LOG@"; };
        defaults = { sslmode = "require"; %s };
        rules = ( { name = "test"; match = { host = [ "db.test" ]; }; mode = "%s"; } );
        """) % (root_line, mode)


class RequireFloor(ShimCase):
    # (case, the policy's sslrootcert line, whether libpq verifies the chain)
    CASES = [
        ("nonexistent sslrootcert", 'sslrootcert = "/nonexistent/pgtls-ca.pem";', False),
        ("no sslrootcert at all", "", False),
        ("existing sslrootcert", 'sslrootcert = "%s/new-bundle.pem";' % PKI, True),
    ]

    def setUp(self):
        super().setUp()
        # libpq's ~/.postgresql/root.crt: absent unless a case puts one there.
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.home)

    def run_client(self, mode, entry):
        outs, _ = self.client(entry, tcp("good"), {"HOME": self.home})
        return outs[-1]

    def test_enforce_refuses_what_libpq_does_not_verify(self):
        for case, line, verifies in self.CASES:
            for entry in ("connectdb", "start"):
                with self.subTest(case=case, entry=entry):
                    self.write_policy(policy("enforce", line))
                    os.path.exists(self.log) and os.unlink(self.log)
                    out = self.run_client("enforce", entry)
                    rec = self.one_record()
                    if verifies:
                        self.assertEqual(out["status"], "ok", out)
                        self.assertEqual((rec["outcome"], rec["verification"], rec["verified"]),
                                         ("ok", "chain", True))
                        continue
                    self.assertEqual(out["error"].strip(),
                                     'pgtls-shim: refused by rule "test" (enforce): ' + REASON)
                    self.assertRefused(out, reason=REASON)
                    self.assertEqual((rec["outcome"], rec["reason"], rec["verified"]),
                                     ("refused", REASON, False))
                    self.assertEqual(rec["verification"], "none")
                    self.assertEqual(rec["severity"], "error")

    def test_audit_predicts_the_same(self):
        for case, line, verifies in self.CASES:
            for entry in ("connectdb", "start"):
                with self.subTest(case=case, entry=entry):
                    self.write_policy(policy("audit", line))
                    os.path.exists(self.log) and os.unlink(self.log)
                    out = self.run_client("audit", entry)
                    self.assertEqual(out["status"], "ok", out)     # audit changes nothing
                    rec = self.one_record()
                    self.assertEqual(rec["outcome"], "ok")
                    self.assertEqual(rec["audit"]["would_refuse"], not verifies, rec)
                    want = None if verifies else REASON
                    self.assertEqual((rec["audit"]["reason"], rec["reason"]), (want, want))
                    self.assertEqual(rec["severity"], "info" if verifies else "notice")

    def test_home_root_crt_makes_libpq_verify(self):
        # No sslrootcert anywhere, but ~/.postgresql/root.crt exists: libpq
        # loads it and checks the chain, so enforce accepts the connection.
        os.mkdir(os.path.join(self.home, ".postgresql"))
        with open(PKI + "/new-bundle.pem") as src, \
                open(os.path.join(self.home, ".postgresql", "root.crt"), "w") as dst:
            dst.write(src.read())
        self.write_policy(policy("enforce", ""))
        out = self.run_client("enforce", "connectdb")
        self.assertEqual(out["status"], "ok", out)
        rec = self.one_record()
        self.assertEqual((rec["verification"], rec["verified"]), ("chain", True))

    def test_after_connect_backstop(self):
        # A Unix-socket target first (no server there) then db.test: the
        # shim cannot tell before connecting which one libpq will use, so
        # the check is made after libpq connected to db.test unverified.
        sockdir = os.path.join(self.dir, "nosock")
        os.mkdir(sockdir)
        self.write_policy(textwrap.dedent("""\
            version = 1;
            mode = "enforce";
            log = { path = "@LOG@"; };
            defaults = { sslmode = "require"; sslrootcert = "/nonexistent/ca.pem"; };
            """))
        port = server("good")["port"]
        ci = ("host=%s,db.test hostaddr=,127.0.0.1 port=%d dbname=postgres user=postgres "
              "connect_timeout=10" % (sockdir, port))
        for entry in ("connectdb", "start"):
            with self.subTest(entry=entry):
                os.path.exists(self.log) and os.unlink(self.log)
                outs, _ = self.client(entry, ci, {"HOME": self.home})
                self.assertEqual(outs[-1]["status"], "bad", outs)
                self.assertEqual(outs[-1]["error"].strip(),
                                 "pgtls-shim: refused by the policy's top-level mode (enforce): "
                                 + REASON)
                rec = self.one_record()
                self.assertEqual((rec["outcome"], rec["reason"], rec["verified"]),
                                 ("refused", REASON, False))
                self.assertEqual(rec["host"], "db.test")

    def test_reset_after_the_root_file_vanished(self):
        # A long-lived client whose own sslrootcert verified its connection;
        # the file is gone by the time it resets (PQreset, PQresetStart):
        # libpq would reconnect unverified, so enforce refuses the reset.
        self.write_policy(policy("enforce", ""))
        for cmd in ("reset", "resetstart"):
            with self.subTest(cmd=cmd):
                os.path.exists(self.log) and os.unlink(self.log)
                root = os.path.join(self.dir, "app-root.pem")
                shutil.copy(PKI + "/new-bundle.pem", root)
                p = subprocess.Popen([os.path.join(BIN, "pqreset"), tcp("good", sslrootcert=root)],
                                     env=self.env({"HOME": self.home}), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
                try:
                    self.assertEqual(json.loads(p.stdout.readline())["status"], "ok")
                    os.unlink(root)
                    p.stdin.write(cmd + "\n")
                    p.stdin.flush()
                    out = json.loads(p.stdout.readline())
                finally:
                    p.stdin.close()
                    p.stdout.read()
                    p.stdout.close()
                    p.wait(timeout=60)
                self.assertEqual(out["status"], "bad", out)
                self.assertTrue(out["error"].startswith(
                    'pgtls-shim: refused by rule "test" (enforce): ' + REASON), out)
                recs = self.records()
                self.assertEqual([(r["outcome"], r["verification"]) for r in recs],
                                 [("ok", "chain"), ("refused", "none")])
                self.assertEqual(recs[1]["reason"], REASON)

    def test_explain_says_so(self):
        self.write_policy(policy("enforce", 'sslrootcert = "/nonexistent/pgtls-ca.pem";'))
        p = subprocess.run([CLI, "explain", "--policy", self.policy, tcp("good")],
                           env=dict(os.environ, HOME=self.home), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("refuse:     " + REASON, p.stdout)



class GssAllowed(ShimCase):
    """gssenc = "allow" with the same require floor and no root file: libpq
    may use GSS encryption (no TLS), which the policy allows, so nothing is
    decided before connecting; after it, a GSS session passes and a TLS one
    libpq did not verify is refused."""

    ROOT = 'sslrootcert = "/nonexistent/pgtls-ca.pem"; gssenc = "allow";'

    def setUp(self):
        super().setUp()
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.home)
        self.write_policy(policy("enforce", self.ROOT))

    def explain(self, conninfo):
        p = subprocess.run([CLI, "explain", "--policy", self.policy, conninfo],
                           env=dict(os.environ, HOME=self.home), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_explain_leaves_it_to_the_session(self):
        for gssencmode in (None, "prefer", "require"):
            with self.subTest(gssencmode=gssencmode):
                self.assertNotIn("refuse:", self.explain(tcp("good", gssencmode=gssencmode)))
        self.assertIn("refuse:     " + REASON, self.explain(tcp("good", gssencmode="disable")))

    def test_gss_session_passes(self):
        outs, _ = self.client("connectdb", tcp("gss", user="gssuser"),
                              dict(gss_env(), HOME=self.home))
        self.assertEqual(outs[0]["status"], "ok", outs[0])
        self.assertFalse(outs[0]["ssl"])
        rec = self.one_record()
        self.assertEqual((rec["outcome"], rec["gssenc"]), ("ok", True))

    def test_unverified_tls_session_is_refused_after_connecting(self):
        # No ticket: libpq's GSS attempt fails, it falls back to TLS it does not verify.
        outs, _ = self.client("connectdb", tcp("good"), {"HOME": self.home})
        self.assertEqual(outs[0]["status"], "bad", outs[0])
        self.assertIn(REASON, outs[0]["error"])
        rec = self.one_record()
        self.assertEqual((rec["outcome"], rec["gssenc"], rec["verification"], rec["reason"]),
                         ("refused", False, "none", REASON))

if __name__ == "__main__":
    unittest.main()
