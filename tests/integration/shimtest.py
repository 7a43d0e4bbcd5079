"""Helpers for the integration tests: the servers the harness started, a
policy written to a private directory, and clients run under LD_PRELOAD with
their records read back."""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
import pgservers  # noqa: E402

STATE = pgservers.load_state(os.environ["PGTLS_TEST_STATE"])
LIB = os.environ["PGTLS_SHIM_LIB"]
# Sanitizer runs (scripts/sanitize.sh): the sanitizer's runtime, which must
# come before the shim in LD_PRELOAD of every process.
RUNTIME = os.environ.get("PGTLS_TEST_PRELOAD_FIRST", "")
# What a sanitizer build adds to the library's DT_NEEDED.
SANITIZER_LIBS = {"libasan.so.8", "libubsan.so.1", "libtsan.so.2"} if RUNTIME else set()
BIN = os.environ["PGTLS_TEST_BIN"]     # the build's tests/: the clients of tests/clients/
# The pgtls-shim command, built beside the library.
CLI = os.path.join(os.path.dirname(BIN), "pgtls-shim")
PKI = STATE["pki"]
PASSWORD = "S3cr3t-pw"


# PostgreSQL's own programs (psql, pg_dump, pgbench) hang at exit with a
# preloaded ASan runtime even without the shim (libp11-kit's destructor waits
# on glibc's locale lock): the sanitizer runs leave them to the normal run.
unsanitized_pg_programs = unittest.skipIf(
    RUNTIME, "PostgreSQL's programs hang at exit under a preloaded sanitizer runtime")


def preload(*libs):
    """An LD_PRELOAD value for LIBS, after the sanitizer runtime if any."""
    return ":".join(([RUNTIME] if RUNTIME else []) + list(libs))


def without_runtime(value):
    """VALUE, an LD_PRELOAD list, without the sanitizer runtime."""
    return ":".join(p for p in value.split(":") if p != RUNTIME)


def server(name):
    return STATE["servers"][name]


def tcp(name, host="db.test", **extra):
    """A conninfo for server NAME reached on 127.0.0.1, verified as HOST."""
    parts = {"host": host, "hostaddr": "127.0.0.1",
             "port": str(server(name)["port"]), "dbname": "postgres",
             "user": "postgres", "connect_timeout": "10"}
    parts.update(extra)
    return " ".join("%s='%s'" % (k, v) for k, v in parts.items() if v is not None)


def fingerprint(path):
    """The SHA-256 fingerprint of the PEM certificate at PATH, as records give it."""
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-fingerprint",
                          "-sha256"], capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].replace(":", "").lower()


def gss_env():
    """The environment of a client holding a Kerberos ticket for gssuser."""
    krb = STATE["krb5"]
    return {"KRB5_CONFIG": krb["config"], "KRB5CCNAME": krb["ccache"]}


def policy_text(mode="enforce", rule_mode=None, log=True, chain=True, defaults="",
                rules=None, extra=""):
    """A policy with one rule "test" matching db.test, unless RULES is given."""
    if rules is None:
        rules = '{ name = "test"; match = { host = [ "db.test" ]; }; mode = "%s"; }' % (
            rule_mode or mode)
    return textwrap.dedent("""\
        version = 1;
        mode = "%s";
        %s
        defaults = { sslrootcert = "%s/new-bundle.pem"; %s };
        rules = ( %s );
        %s
        """) % (mode, "log = { path = \"@LOG@\"; chain = %s; };" % (
        "true" if chain else "false") if log else "",
        PKI, defaults, rules, extra)


class ShimCase(unittest.TestCase):
    """Each test gets a private directory with policy.conf and log.jsonl."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pgtls-shim-test-")
        self.dir = self.tmp.name
        os.chmod(self.dir, 0o755)
        self.policy = os.path.join(self.dir, "policy.conf")
        self.log = os.path.join(self.dir, "log.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def write_policy(self, text, mode=0o644):
        with open(self.policy, "w") as f:
            f.write(text.replace("@LOG@", self.log))
        os.chmod(self.policy, mode)

    def env(self, extra=None, preload=True):
        env = dict(os.environ)
        for k in list(env):
            if (k.startswith("PG") and k != "PGTLS_TEST_STATE") or k.startswith("KRB5"):
                del env[k]
        env["PGTLS_SHIM_POLICY"] = self.policy
        env["PGSERVICEFILE"] = os.path.join(self.dir, "no-service-file")
        env["PGPASSFILE"] = os.path.join(self.dir, "no-pgpass")
        if preload:
            env["LD_PRELOAD"] = globals()["preload"](LIB)
        elif RUNTIME:
            env["LD_PRELOAD"] = RUNTIME
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}   # None: unset it

    def run_cmd(self, argv, env=None, stdin=None, preload=True):
        return subprocess.run(argv, env=self.env(env, preload), input=stdin,
                              capture_output=True, text=True, timeout=120)

    def client(self, mode, conninfo, env=None, stdin=None):
        """Runs pqclient; returns (list of its JSON outputs, CompletedProcess)."""
        p = self.run_cmd([os.path.join(BIN, "pqclient"), mode, conninfo], env, stdin)
        outs = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        self.assertTrue(outs, "no output: rc=%d stderr=%s" % (p.returncode, p.stderr))
        return outs, p

    def records(self, event="connect"):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            raw = f.read()
        self.assertTrue(raw == "" or raw.endswith("\n"), "torn last line")
        recs = [json.loads(l) for l in raw.splitlines()]
        return [r for r in recs if event is None or r["event"] == event]

    def one_record(self):
        recs = self.records()
        self.assertEqual(len(recs), 1, recs)
        return recs[0]

    def assertRefused(self, out, rule="test", mode="enforce", reason=None):
        self.assertEqual(out["status"], "bad", out)
        prefix = 'pgtls-shim: refused by rule "%s" (%s): ' % (rule, mode)
        self.assertTrue(out["error"].startswith(prefix), out["error"])
        if reason:
            self.assertIn(reason, out["error"])
