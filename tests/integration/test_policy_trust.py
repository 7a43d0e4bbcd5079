"""A policy `check` passes is a policy that works (issue 22): CA, next_ca and
CRL files and CRL directories loaded as libpq loads them, by `check`, `exec`
and (as its records tell) the library; @include held to the main file's
rules, live, and located; every line number where the value is written;
sslcrldir in policies; the localhost warning; the policy's sha256."""
import hashlib
import os
import shutil
import subprocess
import textwrap

from shimtest import BIN, CLI, PKI, tcp, ShimCase

CRL_DIR = PKI + "/crl-dir"
HTML = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n"


def policy(mode, defaults):
    """A policy with the settings DEFAULTS and one rule "test" for db.test."""
    return textwrap.dedent("""\
        version = 1;
        mode = "%s";
        log = { path = "@LOG@"; };
        defaults = { %s };
        rules = ( { name = "test"; match = { host = [ "db.test" ]; }; } );
        """) % (mode, defaults)


class Bad(ShimCase):
    """Each file that yields nothing: what check, exec and the library do."""

    def setUp(self):
        super().setUp()
        self.files = {}
        for name, text in (("empty", ""), ("text", "not a certificate\n"), ("html", HTML)):
            path = os.path.join(self.dir, name + ".pem")
            with open(path, "w") as f:
                f.write(text)
            self.files[name] = path
        # Certificates only, given as a CRL file; a CRL directory with no CRL;
        # one whose CRL is not under a hashed name.
        self.files["certs"] = PKI + "/new-bundle.pem"
        for d in ("nocrl", "unhashed"):
            os.mkdir(os.path.join(self.dir, d))
        shutil.copy(PKI + "/crl-dir/crl-root.crl.pem", os.path.join(self.dir, "unhashed"))

    def cli(self, *args, cwd=None):
        return subprocess.run([CLI] + list(args), capture_output=True, text=True, timeout=60,
                              cwd=cwd)

    def lines_of(self, setting, value, mode="enforce"):
        """A policy whose SETTING (line 5) is VALUE; returns check's, exec's results."""
        self.write_policy(textwrap.dedent("""\
            version = 1;
            mode = "%s";
            log = { path = "@LOG@"; };
            defaults = { %s
              %s = "%s"; };
            rules = ( { name = "test"; match = { host = [ "db.test" ]; }; } );
            """) % (mode, "" if setting == "sslrootcert" else
                    'sslrootcert = "%s/crl-bundle.pem";' % PKI, setting, value))
        marker = os.path.join(self.dir, "ran")
        return (self.cli("check", self.policy),
                self.cli("exec", "--policy", self.policy, "--", "touch", marker), marker)

    def assert_rejected(self, setting, value, words):
        check, exe, marker = self.lines_of(setting, value)
        want = '%s:5: %s "%s" %s' % (self.policy, setting, value, words)
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertTrue(check.stderr.startswith(want), check.stderr)
        self.assertEqual(len(check.stderr.splitlines()), 1, check.stderr)
        self.assertEqual(exe.returncode, 2, exe.stderr)
        self.assertTrue(exe.stderr.startswith(want), exe.stderr)
        self.assertFalse(os.path.exists(marker), "exec ran the command")

    def test_ca_files_that_hold_no_certificate(self):
        why = {"empty": "the file is empty", "text": "it is not PEM",
               "html": "it looks like an HTML page, not PEM"}
        for setting in ("sslrootcert", "next_ca"):
            for name, reason in why.items():
                with self.subTest(setting=setting, form=name):
                    self.assert_rejected(setting, self.files[name],
                                         "holds no certificate libpq could load: " + reason)

    def test_crl_file_and_directory_with_no_crl(self):
        self.assert_rejected("sslcrl", self.files["certs"], "holds no CRL, only certificates")
        self.assert_rejected("sslcrl", self.files["html"], "holds no CRL libpq could load")
        for d in ("nocrl", "unhashed"):
            with self.subTest(dir=d):
                self.assert_rejected("sslcrldir", os.path.join(self.dir, d),
                                     "holds no CRL under a hashed name")

    def test_good_files_pass(self):
        for setting, value in (("sslrootcert", PKI + "/new-bundle.pem"),
                               ("next_ca", PKI + "/next-ca.pem"),
                               ("sslcrl", PKI + "/new-crls.pem"), ("sslcrldir", CRL_DIR)):
            with self.subTest(setting=setting):
                check, exe, marker = self.lines_of(setting, value)
                self.assertEqual((check.returncode, check.stderr), (0, ""))
                self.assertEqual(exe.returncode, 0, exe.stderr)
                self.assertTrue(os.path.exists(marker))
                os.unlink(marker)

    def library_record(self, defaults, mode="enforce", conninfo=None):
        self.write_policy(policy(mode, defaults))
        if os.path.exists(self.log):
            os.unlink(self.log)
        out, _ = self.client("connectdb", conninfo or tcp("good", sslmode="prefer"))
        return out[0], self.one_record()

    def test_library_with_a_ca_file_that_holds_nothing(self):
        """The library loads what check refuses, and its records say what happens."""
        for name in ("empty", "text", "html"):
            with self.subTest(form=name):
                out, rec = self.library_record('sslrootcert = "%s";' % self.files[name])
                self.assertEqual(out["status"], "bad")
                self.assertEqual(rec["outcome"], "refused" if rec["outcome"] == "refused"
                                 else "failed")
                self.assertEqual(rec["reason"], "CA bundle unreadable", rec)
                self.assertFalse(rec["verified"])
                out, rec = self.library_record('sslrootcert = "%s";' % self.files[name], "audit")
                self.assertEqual(out["status"], "ok")
                self.assertTrue(rec["audit"]["would_refuse"], rec)
                self.assertEqual(rec["audit"]["reason"], "CA bundle unreadable", rec)

    def test_library_with_a_next_ca_that_holds_nothing(self):
        for name in ("empty", "html"):
            with self.subTest(form=name):
                out, rec = self.library_record('sslrootcert = "%s/new-bundle.pem"; next_ca = "%s";'
                                               % (PKI, self.files[name]))
                self.assertEqual(out["status"], "ok", out)
                self.assertEqual(rec["rotation"]["enforced"], "breaks", rec)

    def test_library_with_a_crl_directory_that_holds_nothing(self):
        # libpq switches CRL checking on for a directory it can add, and then
        # finds no CRL for the server's CA: every connection fails.
        out, rec = self.library_record(
            'sslrootcert = "%s/crl-bundle.pem"; sslcrldir = "%s/nocrl";' % (PKI, self.dir),
            conninfo=tcp("crlrevoked", sslmode="prefer"))
        self.assertEqual(out["status"], "bad", out)
        self.assertIn(rec["outcome"], ("failed", "refused"), rec)
        self.assertFalse(rec["verified"])


    def test_library_with_crl_files_that_hold_no_crl(self):
        # Certificates only: libpq loads them, switches CRL checking on and
        # finds no CRL: every connection fails.
        out, rec = self.library_record('sslrootcert = "%s/new-bundle.pem"; sslcrl = "%s";'
                                       % (PKI, self.files["certs"]))
        self.assertEqual(out["status"], "bad", out)
        self.assertIn(rec["outcome"], ("failed", "refused"), rec)
        self.assertFalse(rec["verified"])
        # Not PEM: libpq cannot load it and silently checks no revocation at
        # all; the connection goes through verified, as if no CRL were named.
        out, rec = self.library_record('sslrootcert = "%s/new-bundle.pem"; sslcrl = "%s";'
                                       % (PKI, self.files["html"]))
        self.assertEqual(out["status"], "ok", out)
        self.assertEqual((rec["outcome"], rec["verified"]), ("ok", True), rec)
        self.assertEqual(rec["injected"].get("sslcrl"), self.files["html"], rec)


class CrlDir(ShimCase):
    """sslcrldir in a policy revokes a leaf: predicted in audit, refused in enforce."""

    def run_mode(self, mode, crldir=True):
        defaults = 'sslrootcert = "%s/crl-bundle.pem";%s' % (
            PKI, ' sslcrldir = "%s";' % CRL_DIR if crldir else "")
        self.write_policy(policy(mode, defaults))
        if os.path.exists(self.log):
            os.unlink(self.log)
        out, _ = self.client("connectdb", tcp("crlrevoked", sslmode="prefer"))
        return out[0], self.one_record()

    def test_audit_predicts_and_enforce_refuses(self):
        out, rec = self.run_mode("audit")
        self.assertEqual(out["status"], "ok")
        self.assertTrue(rec["audit"]["would_refuse"], rec)
        self.assertEqual(rec["audit"]["reason"], "server certificate revoked", rec)
        out, rec = self.run_mode("enforce")
        self.assertEqual(out["status"], "bad", out)
        self.assertEqual(rec["injected"].get("sslcrldir"), CRL_DIR, rec)
        self.assertEqual(rec["reason"], "server certificate revoked", rec)
        self.assertFalse(rec["verified"])

    def test_without_it_the_same_server_is_fine(self):
        out, rec = self.run_mode("audit", crldir=False)
        self.assertFalse(rec["audit"]["would_refuse"], rec)
        out, rec = self.run_mode("enforce", crldir=False)
        self.assertEqual(out["status"], "ok", out)
        self.assertNotIn("sslcrldir", rec["injected"])


class Lines(ShimCase):
    """Every line number is where the value is written, never a comment repeating it."""

    def test_comment_repeating_a_value(self):
        bad = os.path.join(self.dir, "empty.pem")
        open(bad, "w").close()
        nolog = os.path.join(self.dir, "nodir", "x.jsonl")
        self.write_policy(textwrap.dedent("""\
            # old: sslrootcert = "%s"
            # old: log = { path = "%s"; };
            version = 1;
            mode = "enforce";
            log = { path = "%s"; };
            defaults = {
              sslrootcert = "%s";
            };
            """) % (bad, nolog, nolog, bad))
        p = subprocess.run([CLI, "check", self.policy], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.splitlines(), [
            '%s:7: sslrootcert "%s" holds no certificate libpq could load: the file is empty'
            % (self.policy, bad),
            '%s:5: warning: log directory "%s" does not exist: records would be lost'
            % (self.policy, os.path.dirname(nolog))])


class Localhost(ShimCase):
    def check(self, top, rule):
        self.write_policy(textwrap.dedent("""\
            version = 1;
            mode = "%s";
            defaults = { sslrootcert = "%s/new-bundle.pem"; };
            rules = (
              { name = "local";
                match = { %s };
                mode = "%s"; }
            );
            """) % (top, PKI, rule[0], rule[1]))
        return subprocess.run([CLI, "check", self.policy], capture_output=True, text=True)

    def test_warning_names_hostaddr(self):
        for top, match, mode in (("enforce", 'host = [ "localhost" ];', "off"),
                                 ("enforce", 'host = [ "LOCALHOST", "db" ];', "audit"),
                                 ("audit", 'host = [ "localhost" ];', "off")):
            with self.subTest(top=top, match=match, mode=mode):
                p = self.check(top, (match, mode))
                self.assertEqual(p.returncode, 0, p.stderr)
                lines = p.stderr.splitlines()
                self.assertEqual(len(lines), 1, lines)
                self.assertTrue(lines[0].startswith(self.policy + ":6: warning: "), lines)
                self.assertIn("hostaddr", lines[0])
                self.assertIn("host=localhost hostaddr=ANY", lines[0])

    def test_no_warning(self):
        for top, match, mode in (
                ("enforce", 'host = [ "localhost" ]; hostaddr = [ "127.0.0.0/8" ];', "off"),
                ("audit", 'host = [ "localhost" ];', "audit"),
                ("enforce", 'host = [ "localhost" ];', "enforce"),
                ("enforce", 'host = [ "db.test" ];', "off")):
            with self.subTest(top=top, match=match, mode=mode):
                p = self.check(top, (match, mode))
                self.assertEqual((p.returncode, p.stderr), (0, ""))


class Include(ShimCase):
    """@include: one policy made of several files."""

    def main_text(self, inc="rules.inc"):
        return textwrap.dedent("""\
            version = 1;
            mode = "audit";
            log = { path = "@LOG@"; };
            defaults = { sslrootcert = "%s/new-bundle.pem"; };
            @include "%s"
            """) % (PKI, inc)

    def write_inc(self, text, name="rules.inc", mode=0o644, atomic=False):
        path = os.path.join(self.dir, name)
        tmp = path + ".new" if atomic else path
        with open(tmp, "w") as f:
            f.write(text)
        os.chmod(tmp, mode)
        if atomic:
            os.rename(tmp, path)
        return path

    @staticmethod
    def rules(mode, name="inc"):
        return ('rules = (\n  { name = "%s"; match = { host = [ "db.test" ]; };\n'
                '    mode = "%s"; }\n);\n' % (name, mode))

    def check(self, cwd="/"):
        return subprocess.run([CLI, "check", self.policy], capture_output=True, text=True,
                              cwd=cwd)

    def test_safe_include_governs_and_is_hashed(self):
        self.write_policy(self.main_text())
        inc = self.write_inc(self.rules("audit"))
        p = self.check()        # from /: relative to the main file's directory
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.policy, "rb") as f, open(inc, "rb") as g:
            digest = hashlib.sha256(f.read() + g.read()).hexdigest()
        self.assertIn("%s: sha256 %s (2 files)" % (self.policy, digest), p.stdout)
        out, _ = self.client("connectdb", tcp("good", sslmode="prefer"))
        self.assertEqual(out[0]["status"], "ok")
        rec = self.one_record()
        self.assertEqual((rec["rule"], rec["mode"]), ("inc", "audit"))

    def test_unsafe_include_makes_the_policy_unsafe(self):
        self.write_policy(self.main_text())
        for mode in (0o664, 0o646):
            with self.subTest(mode=oct(mode)):
                inc = self.write_inc(self.rules("off"), mode=mode)
                os.chmod(inc, mode)
                p = self.check()
                self.assertEqual(p.returncode, 1)
                self.assertEqual(p.stderr.strip(), "%s: unsafe permissions %04o: writable by "
                                 "group or others" % (inc, mode))
                e = subprocess.run([CLI, "exec", "--policy", self.policy, "--", "true"],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual((e.returncode, e.stderr), (2, p.stderr))
                out, _ = self.client("connectdb", tcp("good", sslmode="prefer"))
                self.assertEqual(out[0]["status"], "bad", out)
                self.assertIn("unsafe permissions", out[0]["error"])

    def test_error_names_the_include_and_its_line(self):
        self.write_policy(self.main_text())
        inc = self.write_inc(self.rules("bogus"))
        p = self.check()
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.strip(),
                         '%s:3: mode must be off, audit or enforce, not "bogus"' % inc)
        inc = self.write_inc("rules = (\n  { name = \"x\"; }\n  { name = \"y\"; }\n);\n")
        p = self.check()
        self.assertEqual(p.stderr.strip(), "%s:3: syntax error" % inc)
        # The main file's own lines after the include keep their numbers.
        self.write_inc(self.rules("audit"))
        with open(self.policy, "a") as f:
            f.write("audit = { probe = 7; };\n")
        p = self.check()
        self.assertEqual(p.stderr.strip(), "%s:6: probe must be a boolean (true or false)"
                         % self.policy)

    def test_nested_and_missing_includes(self):
        self.write_policy(self.main_text("sub/outer.inc"))
        os.mkdir(os.path.join(self.dir, "sub"))
        # Nested: still relative to the main file's directory.
        self.write_inc('# outer\n@include "sub/inner.inc"\n', "sub/outer.inc")
        inner = self.write_inc("\n" + self.rules("enforce"), "sub/inner.inc")
        p = self.check()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("(3 files)", p.stdout)
        os.unlink(inner)
        p = self.check()
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.strip(), '%s:2: @include "sub/inner.inc": %s: no such file'
                         % (os.path.join(self.dir, "sub", "outer.inc"), inner))

    def test_libconfig_never_opens_an_include_itself(self):
        """A directive libconfig would act on but the shim does not (not at the start of
        a line) is an error at its line, never a file libconfig opens unchecked."""
        evil = self.write_inc("# valid, and writable by anyone\n", "evil.inc", mode=0o666)
        self.write_policy(self.main_text().replace(
            '@include "rules.inc"', '@include "rules.inc" @include "%s"' % evil))
        self.write_inc(self.rules("audit"))
        p = self.check()
        self.assertEqual(p.returncode, 1)
        self.assertTrue(p.stderr.startswith(self.policy + ":5: "), p.stderr)
        self.assertNotIn("evil", p.stderr)

    def test_change_to_the_include_alone_reloads(self):
        """A long-lived client sees a rule change when only the include changes."""
        self.write_policy(self.main_text())
        self.write_inc(self.rules("audit"))
        p = subprocess.Popen([os.path.join(BIN, "pqreset"), tcp("good", sslmode="prefer")],
                             env=self.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (p.kill(), p.communicate(timeout=30)))
        self.assertIn('"status":"ok"', p.stdout.readline())
        self.write_inc(self.rules("enforce", "inc2"), atomic=True)
        p.stdin.write("reset\n")
        p.stdin.flush()
        line = p.stdout.readline()
        self.assertIn('"status":"bad"', line)
        self.assertIn('refused by rule \\"inc2\\" (enforce)', line)
        recs = self.records()
        self.assertEqual([(r["rule"], r["mode"]) for r in recs],
                         [("inc", "audit"), ("inc2", "enforce")])
