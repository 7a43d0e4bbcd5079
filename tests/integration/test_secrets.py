"""Secrets: every way a password reaches libpq, through every path that
writes something (the record, a refusal, libpq's failure, a policy error, a
log diagnostic, explain).  None may show the password in any form."""

import os
import subprocess
import unittest
import urllib.parse

from shimtest import BIN, CLI, PASSWORD, ShimCase, policy_text, server, tcp

PQCLIENT = os.path.join(BIN, "pqclient")
WRONG = "Wr0ng-S3cret-pw"   # a wrong password: libpq's auth failure path
KEYPASS = "K3y-Passphrase"  # sslpassword: a client key's passphrase


def forms(name, pw):
    """(label, pqclient mode, conninfo, extra environment, files to write)."""
    port = server(name)["port"]
    base = tcp(name, user="app")
    enc = urllib.parse.quote(pw, safe="")
    uri = "postgresql://app:%s@db.test:%d/postgres?hostaddr=127.0.0.1" % (enc, port)
    return [
        ("conninfo", "connectdb", base + " password=%s" % pw, {}, {}),
        ("conninfo quoted", "connectdb", base + " password='%s'" % pw, {}, {}),
        ("uri userinfo", "connectdb", uri, {}, {}),
        ("uri query", "connectdb", "postgresql://db.test:%d/postgres?hostaddr=127.0.0.1"
         "&user=app&password=%s" % (port, enc), {}, {}),
        ("arrays", "params", base + " password=%s" % pw, {}, {}),
        ("async arrays", "startparams", base + " password=%s" % pw, {}, {}),
        ("expand_dbname", "expand", base + " password=%s" % pw, {}, {}),
        ("setdblogin", "setdbpw", tcp(name), {"PQCLIENT_LOGIN": "app", "PQCLIENT_PWD": pw}, {}),
        ("PGPASSWORD", "connectdb", base, {"PGPASSWORD": pw}, {}),
        ("pgpass", "connectdb", base, {"PGPASSFILE": "@DIR@/pgpass"},
         {"pgpass": "*:*:*:app:%s\n" % pw}),
        ("passfile keyword", "connectdb", base + " passfile=@DIR@/pgpass2", {},
         {"pgpass2": "*:*:*:app:%s\n" % pw}),
        ("service file", "connectdb", "service=svc", {"PGSERVICEFILE": "@DIR@/services"},
         {"services": "[svc]\nhost=db.test\nhostaddr=127.0.0.1\nport=%d\ndbname=postgres\n"
                      "user=app\npassword=%s\n" % (port, pw)}),
        ("sslpassword", "connectdb", base + " password=%s sslpassword=%s" % (pw, KEYPASS),
         {}, {}),
    ]


class Secrets(ShimCase):
    def assertNoSecret(self, text, where):
        for secret in (PASSWORD, WRONG, KEYPASS):
            for shown in {secret, urllib.parse.quote(secret, safe="")}:
                self.assertNotIn(shown, text, where)

    def prepare(self, ci, env, files):
        """Writes a form's FILES (0600) to the test directory; returns its
        conninfo and environment with @DIR@ pointing there."""
        for fname, content in files.items():
            path = os.path.join(self.dir, fname)
            with open(path, "w") as f:
                f.write(content)
            os.chmod(path, 0o600)
        return (ci.replace("@DIR@", self.dir),
                {k: v.replace("@DIR@", self.dir) for k, v in env.items()})

    def run_forms(self, name, pw, policy, expect, outcomes=None):
        """Every form of PW against server NAME under POLICY: the client's
        status is EXPECT, and nothing it prints or the log holds shows a
        secret.  OUTCOMES: each form adds exactly one connect record, with
        one of these outcomes (None: the policy writes no log)."""
        self.write_policy(policy)
        for label, mode, ci, env, files in forms(name, pw):
            with self.subTest(server=name, form=label, policy=policy.splitlines()[1]):
                before = len(self.records()) if outcomes else 0
                ci, env = self.prepare(ci, env, files)
                p = self.run_cmd([PQCLIENT, mode, ci], env)
                self.assertIn('"status":"%s"' % expect, p.stdout, (label, p.stdout, p.stderr))
                self.assertNoSecret(p.stdout + p.stderr, label)
                if outcomes:
                    recs = self.records()
                    self.assertEqual(len(recs), before + 1, recs[before:])
                    self.assertIn(recs[-1]["outcome"], outcomes, recs[-1])
                if os.path.exists(self.log):
                    with open(self.log) as f:
                        self.assertNoSecret(f.read(), label)

    def test_connected_in_audit_and_enforce(self):
        # The right password: the record of a successful, verified connection.
        for mode in ("audit", "enforce"):
            self.run_forms("good", PASSWORD, policy_text(mode), "ok", outcomes={"ok"})
        self.assertEqual(len(self.records()), 2 * len(forms("good", PASSWORD)))

    def test_refused_by_enforcement(self):
        # A server the policy's CA did not sign, and a certificate for another
        # name: the refusal message and the record of libpq's failure.
        self.run_forms("old", PASSWORD, policy_text("enforce"), "bad",
                       outcomes={"failed", "refused"})
        self.run_forms("wronghost", PASSWORD, policy_text("enforce"), "bad",
                       outcomes={"failed"})
        self.assertEqual(len(self.records()), 2 * len(forms("good", PASSWORD)))

    def test_authentication_failure(self):
        # A wrong password: libpq's own failure, carried into the record.
        self.run_forms("good", WRONG, policy_text("enforce"), "bad", outcomes={"failed"})
        self.assertTrue(all("authentication failed" in r["error"] for r in self.records()))

    def test_policy_error_and_log_diagnostic(self):
        # A policy that cannot be loaded: the refusal names the file only.
        self.run_forms("good", PASSWORD, "version = 1;\nmode = \"nope\";\n", "bad")
        # A log that cannot be written: the diagnostic names the log only.
        self.run_forms("good", PASSWORD, policy_text("audit").replace(
            "@LOG@", "/nonexistent/dir/log"), "ok")

    def test_explain(self):
        # explain prints the rewritten connection string: secrets masked.
        self.write_policy(policy_text("enforce"))
        for label, _, ci, env, files in forms("good", PASSWORD):
            with self.subTest(form=label):
                ci, env = self.prepare(ci, env, files)
                p = subprocess.run([CLI, "explain", "--policy", self.policy, ci],
                                   capture_output=True, text=True, timeout=60,
                                   env=self.env(env, preload=False))
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("rule:", p.stdout)
                self.assertNoSecret(p.stdout + p.stderr, label)


if __name__ == "__main__":
    unittest.main()
