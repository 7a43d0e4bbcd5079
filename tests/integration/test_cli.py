"""The pgtls-shim command: check, explain, exec, and the install layout."""
import os
import subprocess
import tempfile

from shimtest import BIN, PKI, ShimCase, policy_text, preload, tcp, without_runtime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(os.path.dirname(BIN), "pgtls-shim")


class Cli(ShimCase):
    def cli(self, *args, env=None):
        return subprocess.run([CLI] + list(args), capture_output=True, text=True,
                              timeout=60, env=self.env(env, preload=False))

    def test_check_ok_and_every_error_with_its_line(self):
        self.write_policy(policy_text("audit"))
        p = self.cli("check", self.policy)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.write_policy('version = 1;\nmode = "strict";\nrules = ( { match = { hostaddr = [ "1.2.3.4/40" ]; }; } );\n')
        p = self.cli("check", self.policy)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.splitlines(), [
            self.policy + ':2: mode must be off, audit or enforce, not "strict"',
            self.policy + ":3: rule has no name",
            self.policy + ':3: invalid CIDR "1.2.3.4/40" in match.hostaddr'])

    def test_check_uses_environment_default(self):
        self.write_policy(policy_text("audit"))
        p = self.cli("check")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(self.policy, p.stdout)

    def test_explain_redacts_passwords_in_every_form(self):
        self.write_policy(policy_text("enforce"))
        pw = "hunter2-secret"
        forms = [
            "host=db.test password=%s" % pw,
            "host=db.test password='%s'" % pw,
            "postgresql://app:%s@db.test/postgres" % pw,
            "postgresql://db.test/postgres?user=app&password=%s" % pw,
        ]
        for ci in forms:
            with self.subTest(form=ci.replace(pw, "***")):
                p = self.cli("explain", "--policy", self.policy, ci)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertNotIn(pw, p.stdout + p.stderr)
                self.assertIn("password='********'", p.stdout)
                self.assertIn('rule:       "test"', p.stdout)
                self.assertIn("inject:     sslmode=verify-full", p.stdout)
                self.assertIn("sslrootcert='%s/new-bundle.pem'" % PKI, p.stdout)

    def test_explain_uses_libpq_environment(self):
        self.write_policy(policy_text("audit"))
        p = self.cli("explain", "--policy", self.policy, "dbname=x",
                     env={"PGHOST": "db.test", "PGSSLMODE": "require"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("host:       db.test port 5432 (tcp) -> rule \"test\" (audit)", p.stdout)
        self.assertIn("require requested", p.stdout)

    def test_exec_runs_under_the_shim(self):
        self.write_policy(policy_text("enforce"))
        p = self.cli("exec", "--policy", self.policy, "--",
                     os.path.join(BIN, "pqclient"), "connectdb", tcp("good", sslmode="disable"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"ssl":true', p.stdout)
        self.assertTrue(self.one_record()["verified"])

    def test_exec_refuses_an_invalid_policy(self):
        self.write_policy("version = 1;\nmode = 3;\n")
        p = self.cli("exec", "--policy", self.policy, "--", "true")
        self.assertEqual(p.returncode, 2)
        self.assertIn(self.policy + ":2: mode must be a string", p.stderr)


class Install(ShimCase):
    def test_install_layout_and_exec_finds_library(self):
        with tempfile.TemporaryDirectory() as prefix:
            subprocess.run(["cmake", "--install", os.path.dirname(BIN), "--prefix", prefix],
                           check=True, capture_output=True)
            for rel in ["lib/libpgtls-shim.so", "bin/pgtls-shim",
                        "share/pgtls-shim/example.conf"]:
                self.assertTrue(os.path.exists(os.path.join(prefix, rel)), rel)
            self.write_policy(policy_text("audit"))
            p = subprocess.run([os.path.join(prefix, "bin/pgtls-shim"), "exec", "--policy",
                                self.policy, "--", "sh", "-c", "echo $LD_PRELOAD"],
                               capture_output=True, text=True, env=self.env(preload=False))
            self.assertEqual(without_runtime(p.stdout.strip()),
                             os.path.join(prefix, "lib/libpgtls-shim.so"))

            # The container entrypoint: policy from the environment, library first.
            entry = os.path.join(prefix, "share/pgtls-shim/docker-entrypoint.sh")
            self.assertTrue(os.access(entry, os.X_OK))
            env = self.env(preload=False)
            env["LD_PRELOAD"] = preload("/usr/lib/x86_64-linux-gnu/libc.so.6")
            p = subprocess.run([entry, os.path.join(BIN, "pqclient"), "connectdb",
                                tcp("good", sslmode="disable")], capture_output=True,
                               text=True, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn('"ssl":false', p.stdout)            # audit policy: unchanged
            self.assertEqual(len(self.records()), 1)
            p = subprocess.run([entry, "sh", "-c", "echo $LD_PRELOAD"], capture_output=True,
                               text=True, env=env)
            self.assertEqual(without_runtime(p.stdout.strip()),
                             os.path.join(prefix, "lib/libpgtls-shim.so") +
                             ":/usr/lib/x86_64-linux-gnu/libc.so.6")
            self.write_policy("version = 1;\nmode = \"nope\";\n")
            p = subprocess.run([entry, "true"], capture_output=True, text=True, env=env)
            self.assertEqual(p.returncode, 2)
            self.assertIn(":2: mode must be off, audit or enforce", p.stderr)

    def test_exec_warns_about_static_programs(self):
        self.write_policy(policy_text("audit"))
        src = os.path.join(self.dir, "s.c")
        exe = os.path.join(self.dir, "static-prog")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        subprocess.run(["gcc", "-static", src, "-o", exe], check=True)
        p = subprocess.run([CLI, "exec", "--policy", self.policy, "--", exe],
                           capture_output=True, text=True, env=self.env(preload=False))
        self.assertEqual(p.returncode, 0)
        self.assertIn("is statically linked: LD_PRELOAD cannot reach it", p.stderr)
        p = subprocess.run([CLI, "exec", "--policy", self.policy, "--", "true"],
                           capture_output=True, text=True, env=self.env(preload=False))
        self.assertEqual(p.stderr, "")
