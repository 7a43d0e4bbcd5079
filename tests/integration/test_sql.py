"""The SQL views of share/pgtls-shim/sql/ (issue 23, item 4) equal
`pgtls-shim report --json` on the same records: every group, field by field
and in report's order, and the verdict, in a real PostgreSQL (jsonb loaded
with COPY) and in DuckDB from npm (@duckdb/node-api, JSON loaded with
read_json).  The records are the shim's own, made by real clients against
the harness's servers (audit, enforce, refused, failed, rotation, several
programs and rules), plus crafted edge cases and bench/report_gen.py's for
volume.  Each SQL file runs twice: it must be re-runnable.

The DuckDB half installs @duckdb/node-api into a cache directory outside
the repository (PGTLS_TEST_NPM_CACHE, default /var/cache/pgtls-shim/npm, or
~/.cache/pgtls-shim/npm when not root); when the registry cannot be reached
the test fails.  PGTLS_TEST_SKIP_NPM=1 skips it, explicitly, for offline runs."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

from shimtest import BIN, CLI, PKI, RUNTIME, server, tcp, ShimCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.dirname(BIN)
REPORT_GEN = os.path.join(ROOT, "bench", "report_gen.py")
TIMEOUT = 600

POLICY = """\
version = 1;
mode = "audit";
log = { path = "@LOG@"; chain = true; };
defaults = { sslrootcert = "%(pki)s/new-bundle.pem"; };
rules = (
  { name = "enforced"; match = { application_name = [ "enf-*" ]; }; mode = "enforce"; },
  { name = "rotating"; match = { application_name = [ "rot-*" ]; }; mode = "audit";
    next_ca = "%(pki)s/next-ca.pem"; },
  { name = "rotating-enforced"; match = { application_name = [ "rote-*" ]; };
    mode = "enforce"; override = "force"; sslrootcert = "%(pki)s/old-bundle.pem";
    next_ca = "%(pki)s/next-ca.pem"; },
  { name = "db"; match = { host = [ "db.test" ]; }; mode = "audit"; }
);
""" % {"pki": PKI}

PSYCOPG = """
import sys, psycopg2
try:
    psycopg2.connect(sys.argv[1]).close()
except psycopg2.OperationalError:
    pass
"""


def shim_records(case):
    """Runs real clients under the shim (CASE: a ShimCase set up); returns the
    lines of its log."""
    case.write_policy(POLICY)
    old_root = os.path.join(PKI, "old-root.crt")
    runs = [tcp(n) for n in ("good", "good", "wronghost", "plain", "expired", "old", "soon",
                             "tls12")]
    runs += [tcp("good", host="other.test"),                       # the top-level mode
             tcp("good", user="app", password="wrong"),            # audit, failed
             tcp("good", application_name="enf-pq"),
             tcp("tls12", application_name="enf-pq"),
             tcp("wronghost", application_name="enf-pq"),          # refused
             tcp("plain", application_name="enf-pq"),
             tcp("expired", application_name="enf-pq"),
             tcp("good", application_name="enf-pq", user="app", password="wrong"),  # failed
             tcp("old", application_name="rot-pq", sslmode="verify-full",
                 sslrootcert=old_root),                            # as_is breaks
             tcp("good", application_name="rot-pq"),
             tcp("old", application_name="rote-pq"),               # enforced breaks
             tcp("good", application_name="rote-pq")]
    for conninfo in runs:
        case.client("connectdb", conninfo)
    # psql's records too, except under a preloaded sanitizer runtime, where
    # PostgreSQL's programs hang at exit (shimtest.unsanitized_pg_programs).
    for conninfo in (() if RUNTIME else
                     (tcp("good"), tcp("wronghost"), tcp("good", application_name="enf-psql"))):
        case.run_cmd(["psql", "-X", "-At", "-c", "select 1", "-d", conninfo])
    script = os.path.join(case.dir, "app.py")
    with open(script, "w") as f:
        f.write(PSYCOPG)
    for conninfo in (tcp("good"), tcp("expired"), tcp("plain", application_name="rot-py")):
        case.run_cmd([sys.executable, script, conninfo])
    with open(case.log) as f:
        return f.read().splitlines()


def edge_records():
    """Crafted lines for the definitions' corners: types, empty keys, byte
    order, tallies' fallbacks, chains, rotation, and the other events."""
    base = {"ts": "2026-11-22T10:00:00.000Z", "event": "connect", "pid": 1,
            "program": "/usr/bin/edge", "rule": "r", "mode": "audit", "host": "db.example.com",
            "outcome": "ok", "error": None, "tls": {"protocol": "TLSv1.3"}, "verified": True,
            "audit": {"would_refuse": False, "reason": None}, "warnings": [], "rotation": None}

    def r(**kw):
        return json.dumps(dict(base, **kw))
    rot = {"next_ca": "/n.pem", "as_is": "ok", "enforced": "breaks", "reason": None}
    return [
        r(program=5), r(program=""), r(program=None), r(host=""), r(rule=None),   # null keys
        r(program="/usr/bin/B"), r(program="/usr/bin/a"), r(program="/usr/bin/\u00e9"),
        r(program="/usr/bin/a", host="Db.example.com"), r(rule="R"),
        r(tls="TLSv1.3"), r(tls={}), r(tls={"protocol": 1}), r(tls=None),
        r(verified="true"), r(verified=1),
        r(audit={"would_refuse": True}), r(audit={"would_refuse": "true", "reason": "x"}),
        r(audit={"would_refuse": True, "reason": "unknown CA"}, reason="unknown CA"),
        r(mode="ENFORCE", outcome="refused", reason="x"),
        r(mode="enforce", outcome="refused", reason="server certificate not verified",
          error='pgtls-shim: refused by rule "r" (enforce): server certificate not verified'),
        r(mode="enforce", outcome="failed", audit=None),
        r(mode="enforce", outcome="ok", audit={"would_refuse": True, "reason": "y"}),
        r(outcome="failed", tls=None, verified=False),
        r(warnings=["certificate \"CN=x\" EXPIRES on 2026-12-01", 5, None]),
        r(warnings=[{"expir": 1}, "libpq lacks sslcertmode"]), r(warnings="expired"),
        r(chain=[{"not_after": "2027-05-01T00:00:00Z"}, 7, {"not_after": 1},
                 {"not_after": "2026-02-01T00:00:00Z"}, ["2020"]]),
        r(chain=[{"not_after": "2020-01-01T00:00:00.000000000000000Z"}]),   # 33 bytes: ignored
        r(chain={"not_after": "2019-01-01T00:00:00Z"}),
        r(rotation=rot), r(rotation=dict(rot, as_is="breaks", reason="lacks next_ca")),
        r(mode="enforce", audit=None, rotation=rot),
        r(mode="enforce", audit=None, rotation=dict(rot, enforced="ok", as_is="breaks")),
        r(rotation="breaks"),
        json.dumps({"ts": "2026-11-22T10:00:00.000Z", "event": "blind_spot", "pid": 2,
                    "program": "/usr/bin/go-app", "libpq": "/opt/libpq.so.5", "why": "w"}),
        json.dumps({"event": "blind_spot", "program": None}),
        json.dumps({"event": "policy_error", "error": "p:1: bad"}),
        json.dumps({"event": "records_lost", "lost": 3, "since": "x", "error": "ENOSPC"}),
        json.dumps({"event": 5}), json.dumps({"no": "event"}), json.dumps("a string"),
    ]


def bench_records(n, groups):
    p = subprocess.run([sys.executable, REPORT_GEN, str(n), str(groups)], capture_output=True,
                       text=True, check=True)
    return p.stdout.splitlines()


def report(path):
    p = subprocess.run([CLI, "report", "--json", path], capture_output=True, text=True,
                       timeout=TIMEOUT)
    if p.returncode not in (0, 1):
        raise AssertionError("report failed: " + p.stderr)
    return json.loads(p.stdout)


def record_reasons(lines):
    """Every reason a record names (its reason, audit.reason), and the fallbacks."""
    out = {"unknown", "failed", "refused"}
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            for v in (rec.get("reason"), (rec.get("audit") or {}).get("reason")
                      if isinstance(rec.get("audit"), dict) else None):
                if isinstance(v, str):
                    out.add(v)
    return out


class Datasets:
    """The record files every engine is compared on, made once per module."""
    dir = None
    files = {}
    reasons = set()

    @classmethod
    def make(cls):
        if cls.files:
            return
        cls.dir = tempfile.mkdtemp(prefix="pgtls-shim-sql-")
        os.chmod(cls.dir, 0o755)
        case = ShimCase("setUp")
        case.setUp()
        try:
            real = shim_records(case)
        finally:
            case.tearDown()
        fleet = real + edge_records() + bench_records(20000, 300)
        random.Random(23).shuffle(fleet)
        ready = [l for l in real if json.loads(l)["mode"] == "audit"
                 and json.loads(l)["outcome"] == "ok"
                 and not json.loads(l)["audit"]["would_refuse"]]
        for name, lines in (("real", real), ("fleet", fleet), ("ready", ready), ("empty", [])):
            path = os.path.join(cls.dir, name + ".jsonl")
            with open(path, "w") as f:
                f.write("".join(l + "\n" for l in lines))
            os.chmod(path, 0o644)
            cls.files[name] = path
        cls.reasons = record_reasons(fleet)

    @classmethod
    def cleanup(cls):
        if cls.dir:
            shutil.rmtree(cls.dir, ignore_errors=True)
        cls.dir, cls.files = None, {}


def tearDownModule():
    Datasets.cleanup()


def installed_sql():
    """The SQL directory `cmake --install` makes (the install line is part of the test)."""
    prefix = tempfile.mkdtemp(prefix="pgtls-shim-sql-install-")
    subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                   stdout=subprocess.DEVNULL)
    return prefix, os.path.join(prefix, "share", "pgtls-shim", "sql")


class ViewsEqualReport:
    """The comparison, shared by the engines; a subclass sets `engine` and
    implements views(name) -> (groups, readiness) for dataset NAME."""

    @classmethod
    def setUpClass(cls):
        Datasets.make()
        cls.prefix, cls.sql_dir = installed_sql()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.prefix, ignore_errors=True)

    def assertGroupEqual(self, rep, row, where):
        for k in set(rep) | set(row):
            if k == "reasons":
                continue
            if k not in row or k not in rep:    # a dimension one side does not group by
                self.assertIsNone((rep if k in rep else row)[k], "%s: %s" % (where, k))
                continue
            self.assertEqual(row[k], rep[k], "%s: %s" % (where, k))
        self.assertEqual(sum(row["reasons"].values()), rep["would_refuse"], where)
        # report keys reasons by the record's own values (reason, audit.reason)
        # or a fixed word, never libpq's text: always comparable.
        self.assertLessEqual(set(rep["reasons"]), Datasets.reasons, where)
        self.assertEqual(row["reasons"], rep["reasons"], where)
        return True

    def compare(self, name):
        rep = report(Datasets.files[name])
        groups, readiness = self.views(name)
        self.assertEqual(len(groups), len(rep["groups"]), name)
        strict = 0
        for i, (g, row) in enumerate(zip(rep["groups"], groups)):
            strict += self.assertGroupEqual(g, row, "%s %s group %d %s" % (
                self.engine, name, i, (g["program"], g["host"], g["rule"])))
        for k, v in readiness.items():
            self.assertIn(k, rep, "%s: the view's %s is not report's" % (self.engine, k))
            self.assertEqual(v, rep[k], "%s %s: %s" % (self.engine, name, k))
        for k in ("ready_to_enforce", "connections", "would_refuse", "not_ready_because",
                  "ready_to_rotate", "blind_spots", "policy_errors"):
            self.assertIn(k, readiness)
        sys.stderr.write("%s %s: %d groups, %d with reasons compared key by key\n" % (
            self.engine, name, len(groups), strict))
        return rep, strict

    def test_real_records(self):
        rep, strict = self.compare("real")
        # The records cover what the views define.
        self.assertGreater(rep["refused"], 0)
        self.assertGreater(rep["failed"], 0)
        self.assertGreater(rep["would_break"], 0)
        self.assertGreater(rep["rotation_checked"], rep["would_break"])
        self.assertFalse(rep["ready_to_enforce"])
        self.assertFalse(rep["ready_to_rotate"])
        gs = rep["groups"]
        # pqclient, python3 and psql (not under a sanitizer runtime: see shim_records)
        self.assertGreaterEqual(len({g["program"] for g in gs}), 2 if RUNTIME else 3)
        self.assertGreaterEqual(len({g["rule"] for g in gs}), 5)      # the 4 rules and none
        self.assertTrue(any(g["expiry_warnings"] for g in gs))
        self.assertTrue(any("TLSv1.2" in g["protocols"] for g in gs))
        self.assertGreater(strict, 0)

    def test_fleet_records(self):
        rep, _ = self.compare("fleet")
        self.assertGreater(rep["connections"], 20000)
        for k in ("blind_spots", "policy_errors", "unreadable_lines", "rotation_checked"):
            self.assertGreater(rep[k], 0, k)

    def test_ready_and_empty(self):
        rep, _ = self.compare("ready")
        self.assertTrue(rep["ready_to_enforce"])
        rep, _ = self.compare("empty")
        self.assertEqual(rep["not_ready_because"], "no connection records")


def pg_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PG") and k not in ("LD_PRELOAD",)}


class PostgreSQL(ViewsEqualReport, unittest.TestCase):
    """jsonb in a database of a harness server, with a non-C collation: the
    views' order must not depend on it."""
    engine = "postgresql"
    DB = "pgtls_shim_sql_test"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = server("plain")
        cls.conn = ["-h", srv["socket_dir"], "-p", str(srv["port"]), "-U", "postgres"]
        collate = ("LC_COLLATE 'de_DE.utf8' LC_CTYPE 'de_DE.utf8'"
                   if "de_DE.utf8" in subprocess.run(["locale", "-a"], capture_output=True,
                                                     text=True).stdout.split() else "")
        cls.psql("postgres", "DROP DATABASE IF EXISTS %s" % cls.DB,
                 "CREATE DATABASE %s TEMPLATE template0 %s" % (cls.DB, collate))
        cls.psql(cls.DB, "CREATE TABLE pgtls_shim_records (rec jsonb)")

    @classmethod
    def tearDownClass(cls):
        cls.psql("postgres", "DROP DATABASE IF EXISTS %s" % cls.DB)
        super().tearDownClass()

    @classmethod
    def psql(cls, db, *commands, files=()):
        argv = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"] + cls.conn + ["-d", db]
        for c in commands:
            argv += ["-c", c]
        for f in files:
            argv += ["-f", f]
        p = subprocess.run(argv, capture_output=True, text=True, env=pg_env(), timeout=TIMEOUT)
        if p.returncode != 0:
            raise AssertionError("psql failed: %s\n%s" % (argv, p.stderr))
        return p.stdout

    def views(self, name):
        sql = os.path.join(self.sql_dir, "postgresql.sql")
        self.psql(self.DB, "TRUNCATE pgtls_shim_records",
                  "\\copy pgtls_shim_records (rec) FROM '%s' WITH (FORMAT csv, QUOTE e'\\x01', "
                  "DELIMITER e'\\x02')" % Datasets.files[name], files=(sql, sql))
        groups = [json.loads(l) for l in self.psql(
            self.DB, "SELECT row_to_json(g) FROM pgtls_shim_groups g").splitlines()]
        readiness = [json.loads(l) for l in self.psql(
            self.DB, "SELECT row_to_json(r) FROM pgtls_shim_readiness r").splitlines()]
        self.assertEqual(len(readiness), 1)
        # The file made views and nothing else: the user's table is the only other relation.
        made = self.psql(self.DB, "SELECT relname || ' ' || relkind::text FROM pg_class c JOIN "
                         "pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public' "
                         "AND relkind NOT IN ('t', 'i') ORDER BY 1").splitlines()
        self.assertEqual(made, ["pgtls_shim_connections v", "pgtls_shim_groups v",
                                "pgtls_shim_readiness v", "pgtls_shim_records r"])
        return groups, readiness[0]


DUCK_RUNNER = r"""
const { DuckDBInstance } = require('@duckdb/node-api');
const fs = require('fs');
(async () => {
  const [sqlFile, records] = process.argv.slice(2);
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run('CREATE TABLE pgtls_shim_records (rec JSON)');
  // records = false: each line is one value; columns: kept as JSON, unchanged
  // (read_json_auto would infer types and rewrite timestamps).
  await con.run("INSERT INTO pgtls_shim_records SELECT json FROM read_json(" +
                "'" + records.replace(/'/g, "''") + "', format = 'newline_delimited', " +
                "records = false, columns = {json: 'JSON'})");
  const sql = fs.readFileSync(sqlFile, 'utf8');
  await con.run(sql);
  await con.run(sql);                          // re-runnable
  const out = {};
  for (const [k, q] of [['groups', 'SELECT to_json(g)::VARCHAR AS j FROM pgtls_shim_groups g'],
                        ['readiness', 'SELECT to_json(r)::VARCHAR AS j FROM pgtls_shim_readiness r']])
    out[k] = (await con.runAndReadAll(q)).getRowObjects().map(r => JSON.parse(r.j));
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch(e => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
"""


def install_duckdb():
    """@duckdb/node-api, pinned and cached by scripts/duckdb.sh (a second run
    installs nothing); returns its node_modules.  PGTLS_TEST_NPM_CACHE names
    the cache directory."""
    env = dict(os.environ)
    if os.environ.get("PGTLS_TEST_NPM_CACHE"):
        env["PGTLS_NPM_CACHE"] = os.environ["PGTLS_TEST_NPM_CACHE"]
    p = subprocess.run(["bash", os.path.join(ROOT, "scripts", "duckdb.sh"), "modules"],
                       capture_output=True, text=True, timeout=TIMEOUT, env=env)
    if p.returncode != 0:
        raise RuntimeError("npm install @duckdb/node-api failed (PGTLS_TEST_SKIP_NPM=1 skips "
                           "the DuckDB test offline):\n" + p.stdout + p.stderr)
    return p.stdout.strip()


@unittest.skipIf(os.environ.get("PGTLS_TEST_SKIP_NPM") == "1",
                 "PGTLS_TEST_SKIP_NPM=1: DuckDB from npm skipped")
class DuckDB(ViewsEqualReport, unittest.TestCase):
    engine = "duckdb"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = install_duckdb()           # an error, not a skip, when it fails
        cls.runner = os.path.join(Datasets.dir, "duck.js")
        with open(cls.runner, "w") as f:
            f.write(DUCK_RUNNER)

    def views(self, name):
        p = subprocess.run(["node", self.runner, os.path.join(self.sql_dir, "duckdb.sql"),
                            Datasets.files[name]], capture_output=True, text=True,
                           env=dict(pg_env(), NODE_PATH=self.modules), timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(len(out["readiness"]), 1)
        return out["groups"], out["readiness"][0]


if __name__ == "__main__":
    unittest.main()
