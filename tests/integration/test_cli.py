"""The pgtls-shim command: check, explain, exec, and the install layout."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap

from shimtest import BIN, CLI, LIB, PKI, ShimCase, policy_text, preload, tcp, without_runtime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


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


class Conventions(ShimCase):
    """--version, COMMAND --help, usage errors, check's findings, explain's reasons."""

    def cli(self, *args, env=None):
        return subprocess.run([CLI] + list(args), capture_output=True, text=True,
                              timeout=60, env=self.env(env, preload=False))

    def test_version_is_the_projects(self):
        with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
            version = re.search(r"project\(pgtls-shim VERSION ([0-9.]+)", f.read()).group(1)
        p = self.cli("--version")
        lines = p.stdout.splitlines()
        self.assertEqual((p.returncode, lines[0]), (0, "pgtls-shim %s" % version))
        # Then what exec would preload, and the libpq and OpenSSL this command found.
        self.assertEqual(lines[1], "library: %s (what exec preloads)" % os.path.realpath(LIB))
        self.assertRegex(lines[2], r"^libpq: 1[5-9]\.\d+ \(/\S*libpq\.so\.5\)$")
        self.assertRegex(lines[3], r"^OpenSSL: OpenSSL 3\.\S+ .* \(/\S*libcrypto\.so\.3\)$")
        self.assertEqual(len(lines), 4)

    def test_help_of_every_command(self):
        # No policy anywhere: --help must not read one.
        env = {"PGTLS_SHIM_POLICY": os.path.join(self.dir, "missing.conf")}
        for cmd in ("check", "explain", "exec", "report"):
            for flag in ("--help", "-h"):
                with self.subTest(cmd=cmd, flag=flag):
                    p = self.cli(cmd, flag, env=env)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    self.assertTrue(p.stdout.startswith("usage: pgtls-shim %s" % cmd), p.stdout)
                    self.assertEqual(p.stderr, "")
        p = self.cli("exec", "--policy", os.path.join(self.dir, "missing.conf"), "--help", env=env)
        self.assertEqual(p.returncode, 0)
        p = self.cli("exec", "--", "echo", "--help", env=env)   # COMMAND's own argument
        self.assertEqual(p.returncode, 2)                        # the missing policy
        p = self.cli("--help")
        self.assertEqual(p.returncode, 0)
        for cmd in ("check", "explain", "exec", "report"):
            self.assertIn("  %s " % cmd, p.stdout)

    def test_usage_errors_exit_2(self):
        self.write_policy(policy_text("audit"))
        for args in ([], ["nope"], ["check", "a", "b"], ["check", "--bogus"], ["explain"],
                     ["explain", "--bogus", "host=x"], ["exec"], ["exec", "--policy", self.policy],
                     ["report", "--bogus"]):
            with self.subTest(args=args):
                p = self.cli(*args)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn("usage:", p.stderr)

    def test_options_by_getopt_long(self):
        """Every command: --opt=value and --opt value alike; an unknown option
        is named with the command, the usage follows, exit 2."""
        self.write_policy(policy_text("audit"))
        log = os.path.join(self.dir, "log.jsonl")
        with open(log, "w") as f:
            f.write('{"ts":"2020-12-07T10:00:00.000Z","event":"connect","program":"/bin/x",'
                    '"host":"h","rule":"r","mode":"audit","outcome":"ok"}\n')
        for cmd in ("check", "explain", "exec", "report", "reconcile", None):
            with self.subTest(cmd=cmd):
                p = self.cli(*([cmd] if cmd else []), "--bogus", "x")
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                first = p.stderr.splitlines()[0]
                self.assertEqual(first, "pgtls-shim%s: unrecognized option '--bogus'"
                                 % (" " + cmd if cmd else ""))
                self.assertIn("usage: pgtls-shim", p.stderr)
                self.assertEqual(p.stdout, "")
        p = self.cli("report", "--since")
        self.assertEqual(p.returncode, 2)
        self.assertIn("pgtls-shim report: option '--since' requires an argument", p.stderr)
        p = self.cli("report", "--json=yes", log)
        self.assertEqual(p.returncode, 2)
        self.assertIn("doesn't allow an argument", p.stderr)
        # --since: a date, a relative time, RFC 3339 with an offset; = or a space.
        for args, n in ((["--since=2020-12-07"], 1), (["--since", "2020-12-07"], 1),
                        (["--since=2020-12-08"], 0), (["--until=2020-12-07"], 1),
                        (["--until", "2020-12-06"], 0), (["--since", "1h"], 0),
                        (["--since=100000d"], 1), (["--since", "2020-12-07T11:00:00+01:00"], 1),
                        (["--since", "2020-12-07T11:00:00.001+01:00"], 0)):
            with self.subTest(args=args):
                p = self.cli("report", "--json", *args, log)
                self.assertIn(p.returncode, (0, 1), p.stderr)
                self.assertEqual(json.loads(p.stdout)["connections"], n)
        p = self.cli("report", "--by=host", "--json", log)
        self.assertEqual(json.loads(p.stdout)["by"], ["host"])
        p = self.cli("explain", "--policy=" + self.policy, "--program=/bin/app", "host=db")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("program:    /bin/app", p.stdout)
        p = self.cli("check", "--", self.policy)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_exec_never_runs_an_unknown_flag(self):
        self.write_policy(policy_text("audit"))
        marker = os.path.join(self.dir, "ran")
        for args in (["--policy", self.policy, "--bogus", "--", "touch", marker],
                     ["--bogus", "--policy", self.policy, "--", "touch", marker],
                     ["--policy=" + self.policy, "-x", "--", "touch", marker]):
            with self.subTest(args=args):
                p = self.cli("exec", *args)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertFalse(os.path.exists(marker))
                self.assertIn("usage: pgtls-shim exec", p.stderr)
        # The COMMAND's own flags are its own, with or without "--".
        p = self.cli("exec", "--policy=" + self.policy, "--", "sh", "-c", "exit 7", "--bogus")
        self.assertEqual(p.returncode, 7, p.stderr)
        p = self.cli("exec", "--policy", self.policy, "echo", "--bogus", "-x")
        self.assertEqual((p.returncode, p.stdout), (0, "--bogus -x\n"), p.stderr)

    def test_check_findings_with_lines(self):
        missing = os.path.join(self.dir, "missing")
        self.write_policy(textwrap.dedent("""\
            version = 1;
            mode = "enforce";
            log = { path = "%s/log/x.jsonl"; };
            defaults = { sslcrl = "%s.crl"; };
            rules = (
              { name = "all"; mode = "audit"; sslrootcert = "system"; },
              { name = "late"; match = { host = [ "db" ]; }; mode = "audit";
                sslrootcert = "%s.pem"; },
              { name = "ports"; match = { port = [ "abc", "54[0-9]2", "5*" ]; };
                mode = "enforce"; }
            );
            """) % (missing, missing, missing))
        p = self.cli("check", self.policy)
        self.assertEqual(p.returncode, 1)
        f = self.policy
        self.assertEqual(sorted(p.stderr.splitlines()), sorted([
            f + ':4: sslcrl "%s.crl" cannot be read: No such file or directory' % missing,
            f + ':8: sslrootcert "%s.pem" cannot be read: No such file or directory' % missing,
            f + ':2: mode enforce with no sslrootcert: libpq would look for '
                '~/.postgresql/root.crt; set sslrootcert (a PEM bundle, or "system")',
            f + ':9: rule "ports" enforces with no sslrootcert: libpq would look for '
                '~/.postgresql/root.crt; set sslrootcert (a PEM bundle, or "system")',
            f + ':9: match.port pattern "abc" can never match a port',
            f + ':3: warning: log directory "%s/log" does not exist: records would be lost'
                % missing,
            f + ':7: warning: rule "late" can never match: rule "all" (line 6) has no match '
                'keys and matches every connection first',
            f + ':9: warning: rule "ports" can never match: rule "all" (line 6) has no match '
                'keys and matches every connection first']))

    def test_check_ca_directory_and_system(self):
        self.write_policy(policy_text("enforce", defaults='sslcrl = "%s";' % self.dir,
                                      rules='{ name = "s"; match = { host = [ "x" ]; }; '
                                            'sslrootcert = "system"; }'))
        p = self.cli("check", self.policy)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.splitlines(), [
            '%s:4: sslcrl "%s" is a directory, not a PEM file' % (self.policy, self.dir)])

    def test_check_warnings_alone_exit_0(self):
        os.mkdir(os.path.join(self.dir, "ro"), 0o555)
        self.write_policy(policy_text("audit", rules=(
            '{ name = "a"; match = { host = [ "db.test", "x" ]; }; mode = "audit"; },'
            '{ name = "b"; match = { host = [ "X" ]; dbname = [ "d" ]; }; mode = "audit"; }'))
            .replace("@LOG@", os.path.join(self.dir, "ro", "log.jsonl")))
        p = self.cli("check", self.policy)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ok", p.stdout)
        warnings = p.stderr.splitlines()
        self.assertEqual(len(warnings), 2 if os.geteuid() != 0 else 1, warnings)
        # In line order: as root the directory is writable; otherwise its
        # warning (line 3) comes first.
        if os.geteuid() != 0:
            self.assertRegex(warnings.pop(0), r'^%s:3: warning: log directory "%s" is not '
                             r'writable' % (re.escape(self.policy),
                                            re.escape(os.path.join(self.dir, "ro"))))
        self.assertRegex(warnings[0], r'^%s:5: warning: rule "b" can never match: rule "a" '
                                      r'\(line 5\) matches every connection it would'
                         % re.escape(self.policy))

    def test_example_policy_passes_where_its_files_exist(self):
        """config/example.conf names files a fresh install lacks: under a throwaway root
        where they exist it passes check with nothing to say; as shipped, those files
        are all check finds."""
        with open(os.path.join(ROOT, "config", "example.conf")) as f:
            text = f.read()
        p = self.cli("check", os.path.join(ROOT, "config", "example.conf"))
        findings = p.stderr.splitlines()
        self.assertTrue(findings and all("cannot be read" in l or "log directory" in l
                                         for l in findings), findings)
        root = os.path.join(self.dir, "root")
        for d in ("etc/pgtls-shim", "var/log/pgtls-shim"):
            os.makedirs(os.path.join(root, d))
        for pem in ("global-bundle.pem", "next-ca.pem"):
            shutil.copy(os.path.join(PKI, "new-bundle.pem"), os.path.join(root, "etc/pgtls-shim", pem))
        self.write_policy(text.replace('"/etc/pgtls-shim/', '"%s/etc/pgtls-shim/' % root)
                          .replace('"/var/log/pgtls-shim/', '"%s/var/log/pgtls-shim/' % root))
        p = self.cli("check", self.policy)
        self.assertEqual((p.returncode, p.stderr), (0, ""))

    def test_explain_gives_libpqs_reason_without_the_password(self):
        self.write_policy(policy_text("enforce"))
        pw = "hunter2-secret"
        cases = [("host=db.test sslmode=bogus password=%s" % pw, 'invalid sslmode value: "bogus"'),
                 ("host=db.test sslmode=%s password=%s" % (pw, pw), "invalid sslmode value"),
                 ("postgresql://app:%s%%zz@db.test/postgres" % pw, "invalid percent-encoded token"),
                 ("host=db.test nosuchoption=1 password='%s'" % pw,
                  'invalid connection option "nosuchoption"')]
        for ci, reason in cases:
            with self.subTest(ci=ci.replace(pw, "***")):
                p = self.cli("explain", "--policy", self.policy, ci)
                self.assertEqual(p.returncode, 1)
                self.assertIn("pgtls-shim: libpq: " + reason, p.stderr)
                self.assertNotIn(pw, p.stdout + p.stderr)


class ReleaseRules(ShimCase):
    """What check says about settings libpq's versions treat differently."""

    def check(self, text):
        self.write_policy(text, mode=0o600)
        return subprocess.run([CLI, "check", self.policy],
                              capture_output=True, text=True, timeout=60)

    def test_system_below_verify_full_is_a_warning(self):
        p = self.check('version = 1;\nmode = "enforce";\n'
                       'defaults = { sslmode = "verify-ca"; sslrootcert = "system"; };\n')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r":\d+: warning: sslmode verify-ca: libpq 16 and later "
                                   r"accept sslrootcert \"system\" only with verify-full")

    def test_missing_next_ca_is_an_error(self):
        p = self.check('version = 1;\nmode = "audit";\ndefaults = { sslrootcert = "%s/new-bundle.pem";'
                       '\n  next_ca = "/nonexistent/next.pem"; };\n' % PKI)
        self.assertEqual(p.returncode, 1)
        self.assertIn(':4: next_ca "/nonexistent/next.pem" cannot be read', p.stderr)
