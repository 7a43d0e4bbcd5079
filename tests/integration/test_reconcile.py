"""pgtls-shim reconcile: the server's view (log_connections) joined with the
shim's records by local_addr/local_port and time.  Three servers of its own,
with log_connections = on: TLS with Debian's prefix in UTC, TLS with a longer
prefix in Europe/Paris, and plaintext with a numeric zone."""
import copy
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import fleet_gen  # noqa: E402

from shimtest import (BIN, CLI, PKI, RUNTIME, ShimCase, pgservers, policy_text,
                      unsanitized_pg_programs)

PSQL = "/usr/bin/psql"
PSYCOPG = """
import psycopg2, sys
c = psycopg2.connect(sys.argv[1])
cur = c.cursor(); cur.execute("select 42"); print(cur.fetchone()[0])
"""
HOLD = """
import psycopg2, sys
c = psycopg2.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
"""
SERVERS = {  # name -> (ssl, log_line_prefix, log_timezone)
    "deb": (True, "%m [%p] ", "UTC"),
    "long": (True, "%t [%p]: user=%u,db=%d,app=%a,client=%h ", "Europe/Paris"),
    "plain": (False, "%m [%p] %q%u@%d ", "Etc/GMT-3"),   # prints "+03"
}
HOME = None
USER = None
INFO = {}


def setUpModule():
    global HOME, USER
    USER = pgservers.server_user()
    HOME = tempfile.mkdtemp(prefix="pgtls-shim-reconcile-")
    os.chmod(HOME, 0o755)
    pgservers.chown(HOME, USER)
    template = os.path.join(HOME, "template")
    pgservers.as_user(USER, [os.path.join(pgservers.PGBIN, "initdb"), "-D", template, "-A",
                             "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                             "--locale=C"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.STDOUT)
    try:
        for name, (ssl, prefix, tz) in SERVERS.items():
            INFO[name] = start_server(template, name, ssl, prefix, tz)
    except Exception:
        tearDownModule()
        raise


def start_server(template, name, ssl, prefix, tz):
    datadir = os.path.join(HOME, name)
    sockdir = os.path.join(HOME, name + "-sock")
    pgservers.as_user(USER, ["cp", "-a", template, datadir])
    os.mkdir(sockdir)
    os.chmod(sockdir, 0o755)
    pgservers.chown(sockdir, USER)
    cert = key = None
    if ssl:
        cert, key = os.path.join(HOME, name + ".crt"), os.path.join(HOME, name + ".key")
        shutil.copy(os.path.join(PKI, "server-good.chain.crt"), cert)
        shutil.copy(os.path.join(PKI, "server-good.key"), key)
        os.chmod(key, 0o600)
        for p in (cert, key):
            pgservers.chown(p, USER)
    port = pgservers.free_port()
    pgservers.configure(datadir, port, sockdir, ssl, cert, key)
    with open(os.path.join(datadir, "postgresql.auto.conf"), "a") as f:
        f.write("log_connections = on\nlog_line_prefix = '%s'\nlog_timezone = '%s'\n"
                "logging_collector = off\nlog_destination = 'stderr'\n" % (prefix, tz))
    log = os.path.join(HOME, name + ".log")
    pgservers.as_user(USER, [os.path.join(pgservers.PGBIN, "pg_ctl"), "-D", datadir, "-l",
                             log, "-w", "-t", "60", "start"], stdout=subprocess.DEVNULL)
    return {"port": port, "sockdir": sockdir, "datadir": datadir, "log": log}


def tearDownModule():
    for srv in INFO.values():
        subprocess.run((["runuser", "-u", USER, "--"] if os.geteuid() == 0 else [])
                       + [os.path.join(pgservers.PGBIN, "pg_ctl"), "-D", srv["datadir"],
                          "-m", "immediate", "-w", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if HOME:
        shutil.rmtree(HOME, ignore_errors=True)


def conninfo(name, **extra):
    parts = {"host": "db.test", "hostaddr": "127.0.0.1", "port": str(INFO[name]["port"]),
             "dbname": "postgres", "user": "postgres", "connect_timeout": "10"}
    parts.update(extra)
    return " ".join("%s='%s'" % kv for kv in parts.items())


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def poll(check, what, timeout=20):
    """CHECK() until it returns something true; fails after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = check()
        if v or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if not v:
        raise AssertionError("timed out waiting for " + what)
    return v


class Reconcile(ShimCase):
    def setUp(self):
        super().setUp()
        self.write_policy(policy_text("audit"))
        self.start = {n: os.path.getsize(s["log"]) for n, s in INFO.items()}

    def server_log(self, name, sessions):
        """The part of NAME's log written since setUp, once it holds SESSIONS
        authorized sessions; written to a file of the test's directory."""
        def read():
            with open(INFO[name]["log"], "rb") as f:
                f.seek(self.start[name])
                data = f.read()
            n = len(re.findall(rb"LOG:  connection authorized:", data))
            self.assertLessEqual(n, sessions, data.decode())
            return data if n == sessions else None
        data = poll(read, "%d sessions in the log of %s" % (sessions, name))
        path = os.path.join(self.dir, name + ".log")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def reconcile(self, *args, stdin=None):
        p = subprocess.run([CLI, "reconcile"] + list(args), capture_output=True, text=True,
                           input=stdin, timeout=120)
        return p

    def reconcile_json(self, *args, rc):
        p = self.reconcile("--json", *args)
        self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
        return json.loads(p.stdout)

    def write_records(self, recs):
        path = os.path.join(self.dir, "crafted.jsonl")
        with open(path, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
        return path

    def python(self, script, ci, preload=True):
        p = self.run_cmd(["/usr/bin/python3", "-c", script, ci], preload=preload)
        self.assertEqual(p.returncode, 0, p.stderr)

    def pqclient(self, ci, preload=True):
        p = self.run_cmd([os.path.join(BIN, "pqclient"), "connectdb", ci], preload=preload)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def psql(self, ci, preload=True, env=None):
        p = self.run_cmd([PSQL, "-X", "-At", "-d", ci, "-c", "select 42"], env=env,
                         preload=preload)
        self.assertEqual(p.returncode, 0, p.stderr)

    @unsanitized_pg_programs
    def test_clients_under_the_shim_are_all_accounted_for(self):
        self.psql(conninfo("deb"))
        self.python(PSYCOPG, conninfo("deb"))
        self.pqclient(conninfo("deb"))
        # A Unix-socket session: counted apart, and its record has no address.
        self.psql("host=%s port=%d dbname=postgres user=postgres" % (
            INFO["deb"]["sockdir"], INFO["deb"]["port"]))
        log = self.server_log("deb", 4)
        recs = self.records()
        self.assertEqual(len(recs), 4, recs)
        unix = [r for r in recs if r["transport"] == "unix"]
        self.assertEqual(len(unix), 1)
        self.assertIsNone(unix[0]["local_addr"])
        self.assertIsNone(unix[0]["local_port"])
        tcp = [r for r in recs if r["transport"] == "tcp"]
        self.assertEqual({r["local_addr"] for r in tcp}, {"127.0.0.1"})
        # The library's local_port is the port the server saw.
        ports = {int(p) for p in re.findall(r"connection received: host=127\.0\.0\.1 port=(\d+)",
                                            read(log))}
        self.assertEqual({r["local_port"] for r in tcp}, ports)
        p = self.reconcile("--server-log", log, self.log)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "coverage: 3 of 3 server sessions have a client record")
        self.assertIn("unix-socket sessions: 1", p.stdout)
        self.assertNotIn("blind spots", p.stdout)
        out = self.reconcile_json("--server-log", log, self.log, rc=0)
        self.assertEqual((out["server_sessions"], out["matched"], out["unix_sessions"]), (3, 3, 1))
        self.assertEqual((out["blind"], out["disagree"]), ([], []))
        # The records on standard input, the log gzip'ed: the same answer.
        with gzip.open(log + ".gz", "wb") as g:
            g.write(read(log, "rb"))
        p = self.reconcile("--server-log", log + ".gz", stdin=read(self.log))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "coverage: 3 of 3 server sessions have a client record")

    @unsanitized_pg_programs
    def test_sessions_without_the_shim_are_blind_spots(self):
        self.pqclient(conninfo("long"))
        self.psql(conninfo("long", application_name="hidden-app"), preload=False)
        self.pqclient(conninfo("long", sslmode="disable"), preload=False)
        log = self.server_log("long", 3)
        self.assertIn("CET [", read(log))   # the zone is read, not assumed
        p = self.reconcile("--server-log", log, self.log)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[-1], "coverage: 1 of 3 server sessions have a client record")
        hidden = [l for l in lines if "hidden-app" in l]
        self.assertEqual(len(hidden), 1, p.stdout)
        # CLIENT USER APPLICATION_NAME SESSIONS SSL DATABASES FIRST
        self.assertEqual(hidden[0].split()[:6],
                         ["127.0.0.1", "postgres", "hidden-app", "1", "yes", "postgres"])
        self.assertIn(" yes ", hidden[0])
        out = self.reconcile_json("--server-log", log, self.log, rc=1)
        self.assertEqual((out["server_sessions"], out["matched"]), (3, 1))
        blind = sorted(out["blind"], key=lambda b: b["ssl"])
        self.assertEqual([(b["application_name"], b["ssl"], b["user"], b["database"],
                           b["client_addr"]) for b in blind],
                         [(None, False, "postgres", "postgres", "127.0.0.1"),
                          ("hidden-app", True, "postgres", "postgres", "127.0.0.1")])
        self.assertTrue(all(1024 <= b["client_port"] <= 65535 for b in blind))
        # A --prefix regex finds the pid where the default would too.
        out = self.reconcile_json("--prefix", r"^[^[]*\[([0-9]+)\]:", "--server-log", log,
                                  self.log, rc=1)
        self.assertEqual(out["matched"], 1)

    def test_plaintext_server_and_a_numeric_zone(self):
        self.python(PSYCOPG, conninfo("plain"))
        self.pqclient(conninfo("plain"), preload=False)
        log = self.server_log("plain", 2)
        self.assertIn(" +03 [", read(log))
        self.assertIsNone(self.one_record()["tls"])
        out = self.reconcile_json("--server-log", log, self.log, rc=1)
        self.assertEqual((out["server_sessions"], out["matched"], out["disagree"]), (2, 1, []))
        self.assertEqual([b["ssl"] for b in out["blind"]], [False])
        # Both servers' logs at once: the plain session and one from "deb".
        self.pqclient(conninfo("deb"))
        deb = self.server_log("deb", 1)
        out = self.reconcile_json("--server-log", log, "--server-log", deb, self.log, rc=1)
        self.assertEqual((out["server_sessions"], out["matched"]), (3, 2))

    def test_stale_record_and_tls_disagreement(self):
        self.pqclient(conninfo("deb"))
        log = self.server_log("deb", 1)
        rec = self.one_record()
        self.assertIsNotNone(rec["tls"])
        stale = copy.deepcopy(rec)
        stale["ts"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(
            time.mktime(time.strptime(rec["ts"][:19], "%Y-%m-%dT%H:%M:%S")) - 86400))
        # The same address and port a day earlier is another session.
        out = self.reconcile_json("--server-log", log, self.write_records([stale]), rc=1)
        self.assertEqual((out["server_sessions"], out["matched"], len(out["blind"])), (1, 0, 1))
        self.assertEqual(out["blind"][0]["client_port"], rec["local_port"])
        out = self.reconcile_json("--server-log", log, self.write_records([stale, rec]), rc=0)
        self.assertEqual(out["matched"], 1)
        # The record says no TLS where the server saw TLS.
        plain = dict(rec, tls=None)
        p = self.reconcile("--server-log", log, self.write_records([plain]))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("server SSL yes, record (pid %d) tls null" % rec["pid"], p.stdout)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "coverage: 1 of 1 server sessions have a client record")
        out = self.reconcile_json("--server-log", log, self.write_records([plain]), rc=1)
        self.assertEqual(len(out["disagree"]), 1)
        d = out["disagree"][0]
        self.assertEqual((d["client_port"], d["server_ssl"], d["record_tls"]),
                         (rec["local_port"], True, False))

    def test_exit_codes_and_help(self):
        p = self.reconcile("--help")
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("usage: pgtls-shim reconcile"), p.stdout)
        empty = os.path.join(self.dir, "empty.log")
        open(empty, "w").close()
        open(self.log, "w").close()
        p = self.reconcile("--server-log", empty, self.log)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "coverage: 0 of 0 server sessions have a client record")
        for args in (["--server-log", os.path.join(self.dir, "missing.log"), self.log],
                     ["--server-log", empty, os.path.join(self.dir, "missing.jsonl")],
                     [self.log],                                   # no server given
                     ["--server-log", empty, "--bogus", self.log],
                     ["--server-log", empty, "--prefix", "([", self.log],
                     ["--server-log", self.dir, self.log]):        # a directory
            with self.subTest(args=args):
                p = self.reconcile(*args)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertTrue(p.stderr, "trouble must be explained")
        self.pqclient(conninfo("deb"), preload=False)
        gz = os.path.join(self.dir, "deb.log.gz")
        with gzip.open(gz, "wb") as g:
            g.write(read(self.server_log("deb", 1), "rb"))
        data = read(gz, "rb")
        with open(gz, "wb") as f:
            f.write(data[:len(data) // 2])   # truncated
        p = self.reconcile("--server-log", gz, self.log)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        # A truncated records file.
        log, recs = self.synthetic(3000)
        data = gzip.compress(read(recs, "rb"))
        with open(recs + ".gz", "wb") as f:
            f.write(data[:len(data) * 3 // 4])
        p = self.reconcile("--server-log", log, recs + ".gz")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        p = self.reconcile("--server-log", log, recs)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_live_sampling(self):
        held = psycopg2.connect(conninfo("deb", application_name="held-open",
                                         sslmode="require"))
        with socket.socket(fileno=os.dup(held.fileno())) as s:
            held_port = s.getsockname()[1]
        child = subprocess.Popen(["/usr/bin/python3", "-c", HOLD, conninfo("deb")],
                                 env=self.env(), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(child.stdout.readline().strip(), "ready")
            self.assertEqual(len(self.records()), 1)
            started = time.monotonic()
            p = self.reconcile("--json", "--server", conninfo("deb", sslmode="disable"),
                               "--for", "2", self.log)
            self.assertGreaterEqual(time.monotonic() - started, 2)
        finally:
            child.stdin.close()
            child.wait(timeout=60)
            child.stdout.close()
            held.close()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual((out["server_sessions"], out["matched"]), (2, 1), out)
        self.assertEqual([(b["application_name"], b["ssl"], b["client_port"])
                          for b in out["blind"]], [("held-open", True, held_port)])
        p = self.reconcile("--server", "host=127.0.0.1 port=1 connect_timeout=5", "--for", "1",
                           self.log)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)

    def synthetic(self, n, name="synthetic"):
        """A log of N sessions a second apart, and the records of them all."""
        log, recs = (os.path.join(self.dir, name + ext) for ext in (".log", ".jsonl"))
        with open(log, "w") as lf, open(recs, "w") as rf:
            for i in range(n):
                t = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1795651200 + i))
                addr, port = "10.1.%d.%d" % (i % 200 // 10, i % 10 + 1), 1024 + i % 60000
                lf.write("%s.000 UTC [%d] LOG:  connection received: host=%s port=%d\n"
                         "%s.005 UTC [%d] LOG:  connection authorized: user=u database=d\n"
                         % (t, 100 + i, addr, port, t, 100 + i))
                rf.write('{"ts":"%s.001Z","event":"connect","pid":%d,"tls":null,'
                         '"local_addr":"%s","local_port":%d}\n' % (t.replace(" ", "T"), i,
                                                                   addr, port))
        return log, recs

    def max_rss_kib(self, argv, stdin=None):
        """ARGV's max RSS, exit status and JSON output.  Run from a small
        helper: a child's max RSS includes what it had before exec, here the
        size of this test process."""
        helper = ("import json, os, resource, subprocess, sys\n"
                  "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)\n"
                  "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                  "print(json.dumps([ru.ru_maxrss, p.returncode, p.stdout.decode()]))\n")
        p = subprocess.run(["/usr/bin/python3", "-c", helper] + argv, stdin=stdin,
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        rss, rc, out = json.loads(p.stdout)
        return rss, rc, json.loads(out)

    def test_journald_and_syslog_records_and_options(self):
        """The records in the forms report reads (journald exports, syslog
        prefixes, interleaved), with --opt=value options."""
        log, recs = self.synthetic(200)
        lines = read(recs).splitlines()
        mixed = os.path.join(self.dir, "mixed.json")
        with open(mixed, "w") as f:
            for i, line in enumerate(lines):
                if i % 3 == 0:
                    f.write(json.dumps({"__CURSOR": "s=%d" % i, "MESSAGE": line}) + "\n")
                elif i % 3 == 1:
                    f.write(json.dumps({"__CURSOR": "s=%d" % i,
                                        "MESSAGE": list(line.encode())}) + "\n")
                else:
                    f.write("Nov 26 02:37:47 web1 pgtls-shim[1]: " + line + "\n")
                f.write(json.dumps({"__CURSOR": "x", "MESSAGE": "Started Session 5."}) + "\n")
        out = self.reconcile_json("--server-log=" + log, "--tolerance=5", mixed, rc=0)
        self.assertEqual((out["server_sessions"], out["matched"], out["records"]), (200, 200, 200))
        out = self.reconcile_json("--server-log", log, "--tolerance", "5", mixed, rc=0)
        self.assertEqual(out["matched"], 200)
        p = self.reconcile("--server-log=" + log, "--bogus", mixed)
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr.startswith("pgtls-shim reconcile: unrecognized option '--bogus'\n"
                                            "usage: pgtls-shim reconcile"), p.stderr)
        p = self.reconcile("--server-log=" + log, "--tolerance=soon", mixed)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--tolerance", p.stderr)

    def test_memory_follows_the_time_window(self):
        log, recs = self.synthetic(300000)   # 83 hours of sessions
        empty, _, _ = self.max_rss_kib([CLI, "reconcile", "--json", "--server-log", os.devnull,
                                        os.devnull])
        rss, rc, out = self.max_rss_kib([CLI, "reconcile", "--json", "--server-log", log, recs])
        self.assertEqual((rc, out["server_sessions"], out["matched"], out["records"]),
                         (0, 300000, 300000, 300000))
        # Every record at once (standard input, two logs): what the window saves.
        with open(recs) as f:
            whole, rc, out = self.max_rss_kib([CLI, "reconcile", "--json", "--server-log", log,
                                               "--server-log", log], stdin=f)
        self.assertEqual((rc, out["server_sessions"], out["matched"]), (0, 600000, 600000))
        if not RUNTIME:   # a sanitizer's allocator keeps freed memory in quarantine
            self.assertLess(rss - empty, 8 * 1024, (empty, rss, whole))
            self.assertGreater(whole - empty, 12 * 1024, (empty, rss, whole))

    def test_records_out_of_time_order(self):
        log, recs = self.synthetic(2000)
        lines = read(recs).splitlines(True)
        with open(recs, "w") as f:   # two hosts' logs concatenated, the later first
            f.writelines(lines[1000:] + lines[:1000])
        # A file: joined again with every record held, all matched.
        p = self.reconcile("--server-log", log, recs)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("records out of order by more than 300 seconds: joined again with "
                      "every record held in memory\n", p.stdout)
        out = self.reconcile_json("--server-log", log, recs, rc=0)
        self.assertGreater(out["late_records"], 600)
        self.assertEqual((out["matched"], out["held_all_records"]), (2000, True))
        # Standard input cannot be read again: the late records are counted.
        with open(recs) as f:
            p = subprocess.run([CLI, "reconcile", "--server-log", log], stdin=f,
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("out of order by more than 300 seconds; give each host's log", p.stdout)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "coverage: 1000 of 2000 server sessions have a client record")
        # Given as separate files, each in order, they all match.
        with open(os.path.join(self.dir, "a.jsonl"), "w") as a, \
                open(os.path.join(self.dir, "b.jsonl"), "w") as b:
            a.writelines(lines[:1000])
            b.writelines(lines[1000:])
        out = self.reconcile_json("--server-log", log, a.name, b.name, rc=0)
        self.assertEqual((out["matched"], out["late_records"], out["held_all_records"]),
                         (2000, 0, False))

    def fleet(self, hosts, sessions, servers, mode):
        """bench/fleet_gen.py's fleet, checked by its own comparison: the
        fleet file's answer equals each host's file alone."""
        d = os.path.join(self.dir, "fleet-" + mode)
        os.mkdir(d)
        fleet_gen.generate(d, hosts, sessions, servers, mode)
        logs = []
        for k in range(servers):
            logs += ["--server-log", os.path.join(d, "server-%d.log" % k)]
        rss, rc, whole = self.max_rss_kib([CLI, "reconcile", "--json"] + logs +
                                          [os.path.join(d, "fleet.jsonl")])
        self.assertEqual(rc, 1)   # the blind spots and disagreements are there
        alone = [self.reconcile_json(*logs, os.path.join(d, "host-%d.jsonl" % h), rc=1)
                 for h in range(hosts)]
        self.assertEqual(fleet_gen.compare(whole, alone, hosts), [])
        n = hosts * sessions
        blind = hosts * (sessions // 97)
        self.assertEqual((whole["server_sessions"], whole["matched"], whole["blind_sessions"]),
                         (n, n - blind, blind))
        self.assertGreater(whole["disagree_sessions"], 0)
        # Blind spots by client, user and application: three per host.
        self.assertEqual(len(whole["blind_groups"]), 3 * hosts)
        for g in whole["blind_groups"]:
            self.assertEqual(g["user"], "ghost")
            self.assertEqual(g["databases"], sorted(set(g["databases"])))
            self.assertLess(g["ssl_sessions"], g["sessions"])
        self.assertEqual(set().union(*(g["databases"] for g in whole["blind_groups"])),
                         {"db%d" % k for k in range(servers)})
        self.assertEqual(sum(g["sessions"] for g in whole["blind_groups"]), blind)
        return rss, whole

    def test_a_fleet_in_any_order(self):
        """5 hosts, 3 servers, 100,000 sessions (20 minutes of them): the
        records interleaved within 200 s (a shipper's merge) are joined in
        the time window; shuffled whole, joined again with every record
        held; both as each host's file alone."""
        rss_window, whole = self.fleet(5, 20000, 3, "window")
        self.assertFalse(whole["held_all_records"])
        self.assertEqual(whole["late_records"], 0)
        rss_full, whole = self.fleet(5, 20000, 3, "full")
        self.assertTrue(whole["held_all_records"])
        self.assertGreater(whole["late_records"], 0)
        if not RUNTIME:
            self.assertLess(rss_window, rss_full)


if __name__ == "__main__":
    sys.exit("run with python3 -m unittest")
