"""Rehearse a CA rotation before it happens (issue 15): a rule's next_ca names
the CA that will issue the server's certificate after the rotation, and every
record it applies to predicts, in `rotation`, whether the application as it is
(`as_is`) and as enforced (`enforced`) would still connect. Then the server
"moves" (the same client configurations connect to the server whose chain is
under next_ca) and every prediction must be what happens, case by case:
predicted breaks break, nothing else does. `report` turns the records into
`ready to rotate`, and `explain` prints the verdicts without connecting.
Where a case also runs in enforce, the audit record's own prediction (the
`audit` object: would enforce refuse this connection now?) is checked before
and after the move as well: clients that trust only the old root, the server
moved to the new chain, audit predicts the failure and enforce confirms it.

Clients: psql, psycopg2 and tests' pqclient (connectdb, or start: asynchronous). Each runs as a throwaway user
whose password-database home is a private directory, so ~/.postgresql/root.crt
is under the test's control (and the real homes are never touched)."""
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from shimtest import BIN, CLI, PKI, RUNTIME, ShimCase, policy_text, server, tcp

TIMEOUT = 60
NEXT_CA = PKI + "/next-ca.pem"       # new-int.crt, then new-root.crt
OLD_ROOT = PKI + "/old-root.crt"     # stores that lack the new CA
OLD = PKI + "/old-bundle.pem"
BOTH = PKI + "/both-bundle.pem"      # stores that have it
NEW = PKI + "/new-bundle.pem"
NEXT_CA_ISSUER = "pgtls-shim test new intermediate"   # the CN of next-ca.pem's first
HOME_ROOT = "~/.postgresql/root.crt"  # a case's `via`: the user's own root.crt

PSYCOPG = """
import json, sys, psycopg2
try:
    c = psycopg2.connect(sys.argv[1])
except psycopg2.OperationalError as e:
    print(json.dumps({"status": "bad", "error": str(e)}))
    sys.exit(0)
cur = c.cursor()
cur.execute("select coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false)")
print(json.dumps({"status": "ok", "ssl": cur.fetchone()[0]}))
"""
# The server's own view of the session: TLS or not.
PSQL_SSL = "select coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false)"


def rule(mode, settings="", next_ca=NEXT_CA):
    nca = 'next_ca = "%s"; ' % next_ca if next_ca else ""
    return ('{ name = "test"; match = { host = [ "db.test" ]; }; mode = "%s"; %s%s }'
            % (mode, nca, settings))


def case(name, client, sslmode, root, via, as_is, enforced, policy="", enforce_before=None):
    """An application configuration: CLIENT connects with SSLMODE (None: libpq's
    default) and its own trust store ROOT given VIA conninfo, env
    (PGSSLROOTCERT), service (PGSERVICEFILE + service=) or HOME_ROOT; POLICY:
    the rule's own settings (the defaults: new-bundle.pem, upgrade). AS_IS and
    ENFORCED: the verdicts expected. ENFORCE_BEFORE: when set, the case also
    runs in enforce, whose outcome before the move is this ("ok"/"bad")."""
    return {"name": name, "client": client, "sslmode": sslmode, "root": root, "via": via,
            "as_is": as_is, "enforced": enforced, "policy": policy,
            "enforce_before": enforce_before}


FORCE = 'override = "force"; sslrootcert = "%s";'
CASES = [
    # 1. The app's own old root, from each place libpq takes it.
    case("old root via conninfo", "psql", "verify-full", OLD_ROOT, "conninfo", "breaks", "breaks"),
    case("old bundle via PGSSLROOTCERT", "psycopg2", "verify-ca", OLD, "env", "breaks", "breaks"),
    case("old root via service file", "pqclient", "verify-full", OLD_ROOT, "service",
         "breaks", "breaks"),
    # Enforcement injects the policy's bundle here: libpq's home default is
    # not a setting of the app's that "upgrade" keeps.
    case("old bundle as ~/.postgresql/root.crt", "psql", "verify-full", OLD, HOME_ROOT,
         "breaks", "ok"),
    # 2. A bundle with both roots.
    case("both roots via conninfo", "pqclient", "verify-full", BOTH, "conninfo", "ok", "ok"),
    case("both roots as ~/.postgresql/root.crt", "psycopg2", "verify-full", BOTH, HOME_ROOT,
         "ok", "ok"),
    # 3. libpq checks no chain: no root file and below verify-ca, or disable.
    case("prefer, no root file", "psql", "prefer", None, None, "unaffected", "ok"),
    case("libpq's default sslmode, no root file", "pqclient", None, None, None,
         "unaffected", "ok"),
    case("require, no root file", "psycopg2", "require", None, None, "unaffected", "ok"),
    case("disable", "pqclient", "disable", None, None, "unaffected", "ok"),
    # 4. require or prefer WITH a root file: libpq checks the chain.
    case("require, old root file", "pqclient", "require", OLD, "conninfo", "breaks", "breaks"),
    case("prefer, old root file", "psql", "prefer", OLD, "env", "breaks", "breaks"),
    # 5. Enforcement, in audit and in enforce: the policy's bundle decides.
    case("force, policy bundle lacks the new CA", "psql", "verify-full", OLD, "conninfo",
         "breaks", "breaks", policy=FORCE % OLD, enforce_before="ok"),
    case("force, policy bundle is the new one", "psycopg2", "verify-full", OLD, "conninfo",
         "breaks", "ok", policy=FORCE % NEW, enforce_before="bad"),
    case("force, policy bundle has both roots", "pqclient", "verify-full", OLD, "conninfo",
         "breaks", "ok", policy=FORCE % BOTH, enforce_before="ok"),
    case("app checks nothing, policy bundle lacks the new CA", "psql", "prefer", None, None,
         "unaffected", "breaks", policy=FORCE % OLD, enforce_before="ok"),
    # override = "upgrade" keeps the app's own old bundle: enforcement uses it.
    case("upgrade keeps the app's old bundle", "psycopg2", "verify-full", OLD, "env",
         "breaks", "breaks", policy='override = "upgrade";', enforce_before="ok"),
    # The app checks nothing; the rule's own bundle (upgrade) is the old one.
    case("app checks nothing, rule's bundle lacks the new CA", "pqclient-async", None, None,
         None, "unaffected", "breaks", policy='sslrootcert = "%s";' % OLD, enforce_before="ok"),
]


def modes(c):
    return ("audit", "enforce") if c["enforce_before"] else ("audit",)


def breaks(c, mode):
    """The prediction: would this connection break at rotation?"""
    return c["as_is" if mode == "audit" else "enforced"] == "breaks"


@unittest.skipUnless(os.geteuid() == 0, "needs root: clients run as a throwaway user")
class RotationRehearsal(ShimCase):
    @classmethod
    def setUpClass(cls):
        cls.home = tempfile.mkdtemp(prefix="pgtls-rotation-home-")
        cls.user = "pgtlsrot%d" % os.getpid()
        subprocess.run(["useradd", "-M", "-d", cls.home, "-s", "/usr/sbin/nologin", cls.user],
                       check=True, timeout=TIMEOUT, capture_output=True)
        cls.addClassCleanup(shutil.rmtree, cls.home, ignore_errors=True)
        cls.addClassCleanup(subprocess.run, ["userdel", cls.user], timeout=TIMEOUT,
                            capture_output=True)
        pw = pwd.getpwnam(cls.user)
        cls.uid, cls.gid = pw.pw_uid, pw.pw_gid
        assert pw.pw_dir == cls.home
        os.chown(cls.home, cls.uid, cls.gid)
        os.chmod(cls.home, 0o755)
        cls.home_root = os.path.join(cls.home, ".postgresql", "root.crt")

    def setUp(self):
        super().setUp()
        # The log in a directory of the user's own (the shim refuses a log in
        # a directory others can write).
        logdir = os.path.join(self.dir, "logs")
        os.mkdir(logdir)
        os.chown(logdir, self.uid, self.gid)
        self.log = os.path.join(logdir, "log.jsonl")
        self.assertFalse(os.path.exists(self.home_root))

    def tearDown(self):
        shutil.rmtree(os.path.join(self.home, ".postgresql"), ignore_errors=True)
        super().tearDown()

    # --- running one application configuration ---------------------------

    def as_user(self, argv, env, preload=True):
        """ARGV as the throwaway user, with HOME its password-database home
        unless ENV says otherwise."""
        env = dict(env or {})
        env.setdefault("HOME", self.home)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return subprocess.run(["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid,
                               "--init-groups", "--"] + argv, env=self.env(env, preload),
                              capture_output=True, text=True, timeout=TIMEOUT)

    def configure(self, c, srv):
        """C's conninfo and environment for server SRV; puts its root file in place."""
        shutil.rmtree(os.path.join(self.home, ".postgresql"), ignore_errors=True)
        root, via = c["root"], c["via"]
        params = {"sslmode": c["sslmode"]}
        env = {}
        if via == "conninfo":
            params["sslrootcert"] = root
        elif via == "env":
            env["PGSSLROOTCERT"] = root
        elif via == HOME_ROOT:
            os.makedirs(os.path.dirname(self.home_root))
            shutil.copy(root, self.home_root)
            for p in (os.path.dirname(self.home_root), self.home_root):
                os.chown(p, self.uid, self.gid)
        elif via == "service":
            path = os.path.join(self.dir, "services")
            with open(path, "w") as f:
                f.write("[svc]\nhost=db.test\nhostaddr=127.0.0.1\nport=%d\ndbname=postgres\n"
                        "user=postgres\nconnect_timeout=10\nsslmode=%s\nsslrootcert=%s\n"
                        % (server(srv)["port"], c["sslmode"], root))
            os.chmod(path, 0o644)
            env["PGSERVICEFILE"] = path
            return "service=svc", env
        return tcp(srv, **params), env

    def app_store(self, c):
        """The trust store the app itself makes libpq use, as the record names it."""
        if c["root"] is None:
            return None
        return self.home_root if c["via"] == HOME_ROOT else c["root"]

    def connect(self, c, conninfo, env):
        """Runs C's client; returns (connected, ssl, detail)."""
        client = c["client"]
        if client == "psql" and RUNTIME:
            client = "pqclient"   # psql hangs at exit under a preloaded sanitizer runtime
        if client == "psql":
            p = self.as_user(["psql", "-X", "-At", "-c", PSQL_SSL, conninfo], env)
            if p.returncode != 0:
                return False, None, p.stderr
            self.assertIn(p.stdout.strip(), ("t", "f"), p.stdout)
            return True, p.stdout.strip() == "t", p.stdout
        if client == "psycopg2":
            p = self.as_user([sys.executable, "-c", PSYCOPG, conninfo], env)
        else:
            entry = "start" if client == "pqclient-async" else "connectdb"
            p = self.as_user([os.path.join(BIN, "pqclient"), entry, conninfo], env)
        lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(len(lines), 1, "rc=%d stdout=%s stderr=%s" % (
            p.returncode, p.stdout, p.stderr))
        out = json.loads(lines[0])
        if out["status"] != "ok":
            return False, None, out["error"]
        if client.startswith("pqclient"):
            self.assertEqual(out.get("query"), "42", out)
        return True, out["ssl"], lines[0]

    def run_case(self, c, mode, srv):
        """C in MODE against server SRV: (connected, ssl, detail, record)."""
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.write_policy(policy_text(mode, rules=rule(mode, c["policy"])))
        conninfo, env = self.configure(c, srv)
        connected, ssl, detail = self.connect(c, conninfo, env)
        rec = self.one_record()
        self.assertEqual((rec["rule"], rec["mode"]), ("test", mode), rec)
        # The record says what the app saw.
        self.assertEqual(rec["outcome"] == "ok", connected, (detail, rec))
        if connected:
            self.assertEqual(rec["tls"] is not None, ssl, (detail, rec))
        return connected, ssl, detail, rec

    def assert_rotation(self, c, mode, rec):
        """The record's rotation object is C's prediction."""
        rot = rec.get("rotation")
        self.assertIsInstance(rot, dict, "no rotation in the %s record: %s" % (mode, rec))
        self.assertEqual(rot["next_ca"], NEXT_CA)
        self.assertEqual((rot["as_is"], rot["enforced"]), (c["as_is"], c["enforced"]), rot)
        self.assertEqual(rec["app_sslrootcert"], self.app_store(c), rec)
        if "breaks" not in (c["as_is"], c["enforced"]):
            self.assertIsNone(rot["reason"], rot)
            return
        reason = rot["reason"]
        self.assertIsInstance(reason, str, rot)
        self.assertTrue(reason.strip(), rot)
        self.assertNotIn("\n", reason)
        # It names what is missing (next_ca's issuing CA) and the store that lacks it.
        self.assertIn(NEXT_CA_ISSUER, reason)
        if c["as_is"] == "breaks" and self.app_store(c):
            self.assertIn(self.app_store(c), reason)
        if c["enforced"] == "breaks":
            # force: the rule's bundle; upgrade: the app's, else the rule's.
            rule_store = (c["policy"].split('sslrootcert = "')[1].split('"')[0]
                          if "sslrootcert" in c["policy"] else NEW)
            store = (rule_store if "force" in c["policy"] else self.app_store(c) or rule_store)
            self.assertIn(store, reason)

    def assert_audit_predicts_enforce(self, c, rec, refuses):
        """An audit record of a case that also runs in enforce: its `audit`
        object says whether enforce refuses the connection to this server
        (REFUSES), for the reason a CA that is not trusted gives."""
        if not c["enforce_before"] or rec["mode"] != "audit":
            return
        audit = rec["audit"]
        self.assertEqual(audit["would_refuse"], refuses, audit)
        self.assertEqual(audit["would_verify"], not refuses, audit)
        self.assertEqual(audit["reason"], "unknown CA" if refuses else None, audit)

    # --- the rehearsal, then the move -----------------------------------

    def rehearse(self):
        """Runs every case before and after the move; returns the records of
        the runs before it, by (case name, mode)."""
        before = {}
        for c in CASES:
            for mode in modes(c):
                with self.subTest(case=c["name"], mode=mode, server="old (before the move)"):
                    connected, ssl, detail, rec = self.run_case(c, mode, "old")
                    before[c["name"], mode] = (connected, ssl, rec)
                    if mode == "audit":
                        self.assertTrue(connected, detail)   # audit changes nothing
                        self.assertEqual(ssl, c["sslmode"] != "disable", detail)
                    else:
                        self.assertEqual("ok" if connected else "bad", c["enforce_before"],
                                         detail)
                    self.assert_rotation(c, mode, rec)
                    self.assert_audit_predicts_enforce(c, rec, c["enforce_before"] == "bad")
        for c in CASES:
            for mode in modes(c):
                with self.subTest(case=c["name"], mode=mode, server="good (after the move)"):
                    self.assertIn((c["name"], mode), before)
                    connected0, ssl0, rec0 = before[c["name"], mode]
                    connected, ssl, detail, rec = self.run_case(c, mode, "good")
                    predicted = breaks(c, mode)
                    # What happened: the app lost its connection, or its TLS.
                    happened = not connected or bool(ssl0 and not ssl)
                    self.assertEqual(happened, predicted, "predicted %s, happened %s: %s" % (
                        "a break" if predicted else "no break",
                        "a break" if happened else "no break", detail))
                    self.assert_audit_predicts_enforce(c, rec, breaks(c, "enforce"))
                    if predicted and mode == "enforce":
                        self.assertFalse(connected, detail)
                        self.assertEqual(rec["outcome"], "failed", rec)
                    elif predicted and c["sslmode"] != "prefer":
                        self.assertFalse(connected, detail)
                        self.assertEqual(rec["outcome"], "failed", rec)
                    elif not predicted:
                        self.assertTrue(connected, detail)
                        self.assertEqual(ssl, c["sslmode"] != "disable", detail)
                    # The prediction does not depend on the server's chain.
                    self.assertEqual(rec.get("rotation"), rec0.get("rotation"))
        return before

    def report(self, recs):
        path = os.path.join(self.dir, "report-%d.jsonl" % len(os.listdir(self.dir)))
        with open(path, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
        p = subprocess.run([CLI, "report", path], capture_output=True, text=True,
                           timeout=TIMEOUT)
        lines = p.stdout.splitlines()
        self.assertGreaterEqual(len(lines), 2, p.stdout + p.stderr)
        self.assertTrue(lines[-1].startswith("ready to enforce: "), p.stdout)
        # Exit 0 only when every readiness line says yes.
        ready = [l for l in lines if l.startswith("ready to ")]
        self.assertEqual(p.returncode, 0 if all(": yes" in l for l in ready) else 1,
                         p.stdout + p.stderr)
        return lines[-2], p

    def test_prediction_equals_what_the_move_does(self):
        before = self.rehearse()
        audit = [(c, before[c["name"], "audit"][2]) for c in CASES
                 if (c["name"], "audit") in before]
        self.assertEqual(len(audit), len(CASES))
        # report over the audit records before the move: the breaks predicted.
        n = sum(1 for c in CASES if breaks(c, "audit"))
        self.assertEqual(n, 10)
        line, p = self.report([r for _, r in audit])
        self.assertEqual(line, "ready to rotate: no (%d connections would break)" % n, p.stdout)
        self.assertEqual(p.returncode, 1)
        # ...only the connections that would not break: ready.
        fine = [r for c, r in audit if not breaks(c, "audit")]
        self.assertEqual(len(fine), len(CASES) - n)
        line, p = self.report(fine)
        self.assertEqual(line, "ready to rotate: yes", p.stdout)
        # ...one break: singular.
        one = [r for c, r in audit if breaks(c, "audit")][:1]
        line, p = self.report(fine + one)
        self.assertEqual(line, "ready to rotate: no (1 connection would break)", p.stdout)
        self.assertEqual(p.returncode, 1)
        # In enforce, what breaks is what enforcement does.
        enforce = [(c, before[c["name"], "enforce"][2]) for c in CASES
                   if (c["name"], "enforce") in before]
        self.assertEqual(len(enforce), 6)
        m = sum(1 for c, _ in enforce if breaks(c, "enforce"))
        self.assertEqual(m, 4)
        line, p = self.report([r for _, r in enforce])
        self.assertEqual(line, "ready to rotate: no (%d connections would break)" % m, p.stdout)

    def test_no_rotation_without_next_ca(self):
        """Only the records next_ca applies to carry rotation, and report adds
        no rotation line without them."""
        c = CASES[0]
        conninfo, env = self.configure(c, "old")
        for name, rules in [("no next_ca", rule("audit", next_ca=None)),
                            ("next_ca in a rule that does not match",
                             rule("audit", next_ca=None) + ', { name = "other"; match = '
                             '{ host = [ "other.test" ]; }; next_ca = "%s"; }' % NEXT_CA)]:
            with self.subTest(policy=name):
                if os.path.exists(self.log):
                    os.unlink(self.log)
                self.write_policy(policy_text("audit", rules=rules))
                connected, _, detail = self.connect(c, conninfo, env)
                self.assertTrue(connected, detail)
                rec = self.one_record()
                self.assertIsNone(rec.get("rotation"), rec)
                _, p = self.report([rec])
                self.assertNotIn("ready to rotate", p.stdout)

    def test_next_ca_in_defaults_applies_to_rules(self):
        c = CASES[0]
        self.write_policy(policy_text("audit", rules=rule("audit", next_ca=None),
                                      defaults='next_ca = "%s";' % NEXT_CA))
        connected, _, detail = self.connect(c, *self.configure(c, "old"))
        self.assertTrue(connected, detail)
        self.assert_rotation(c, "audit", self.one_record())

    def test_root_crt_of_the_home_libpq_really_uses(self):
        """libpq's ~ is the password database's home, or $HOME first (libpq 18,
        and the minor releases that took the change: Debian's 15.18 does).
        HOME points elsewhere than the password database's home; a bundle with
        both roots is in one of them; whether the app's verify-full connection
        finds it says which home libpq uses, and the record must agree."""
        env_home = os.path.join(self.dir, "env-home")
        os.mkdir(env_home)
        os.chown(env_home, self.uid, self.gid)
        c = case("both roots as root.crt", "pqclient", "verify-full", BOTH, HOME_ROOT, "ok", "ok")
        found = {}
        for home in (self.home, env_home):
            with self.subTest(root_crt_in="$HOME" if home == env_home else "passwd home"):
                for h in (self.home, env_home):
                    shutil.rmtree(os.path.join(h, ".postgresql"), ignore_errors=True)
                os.mkdir(os.path.join(home, ".postgresql"))
                path = os.path.join(home, ".postgresql", "root.crt")
                shutil.copy(BOTH, path)
                if os.path.exists(self.log):
                    os.unlink(self.log)
                self.write_policy(policy_text("audit", rules=rule("audit")))
                connected, _, detail = self.connect(
                    c, tcp("old", sslmode="verify-full"), {"HOME": env_home})
                found[home] = connected
                rec = self.one_record()
                self.assertEqual(rec["outcome"] == "ok", connected, rec)
                # libpq found the file exactly when the record names it.
                self.assertEqual(rec["app_sslrootcert"], path if connected else None,
                                 "libpq %s %s: %s" % ("used" if connected else "did not find",
                                                      path, detail))
                rot = rec.get("rotation") or {}
                self.assertEqual(rot.get("as_is"), "ok" if connected else "breaks", rec)
        self.assertEqual(sorted(found.values()), [False, True],
                         "libpq uses exactly one home: %s" % found)
        shutil.rmtree(os.path.join(env_home, ".postgresql"), ignore_errors=True)

    # --- explain -----------------------------------------------------------

    def explain(self, c, mode="audit"):
        self.write_policy(policy_text(mode, rules=rule(mode, c["policy"])))
        conninfo, env = self.configure(c, "old")
        p = self.as_user([CLI, "explain", "--policy", self.policy, conninfo], env, preload=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return [l for l in p.stdout.splitlines() if l.startswith("rotation:")], p

    def test_explain_prints_the_verdicts(self):
        by_name = {c["name"]: c for c in CASES}
        for name in ["old root via conninfo", "old bundle as ~/.postgresql/root.crt",
                     "both roots via conninfo", "prefer, no root file",
                     "force, policy bundle is the new one",
                     "app checks nothing, policy bundle lacks the new CA"]:
            c = by_name[name]
            with self.subTest(case=name):
                lines, p = self.explain(c)
                self.assertEqual(len(lines), 1, p.stdout)
                verdicts = re.findall(r"\b(ok|breaks|unaffected)\b", lines[0])
                self.assertEqual(verdicts[:2], [c["as_is"], c["enforced"]], lines[0])
        with self.subTest(case="no next_ca"):
            self.write_policy(policy_text("audit", rules=rule("audit", next_ca=None)))
            p = self.as_user([CLI, "explain", "--policy", self.policy, tcp("old")], {},
                             preload=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("rotation:", p.stdout)


if __name__ == "__main__":
    unittest.main()
