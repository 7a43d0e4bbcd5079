"""pgtls-shim report: counts per program, host and rule, the readiness line,
--json, streaming memory on 100,000 records, and records made by the shim."""
import gzip
import json
import os
import resource
import subprocess

from shimtest import CLI, RUNTIME, ShimCase, policy_text, tcp



def record(i):
    """A synthetic connect record: 4 programs x 5 hosts, some would refuse."""
    program = "/usr/bin/app%d" % (i % 4)
    host = "db%d.example.com" % (i % 5)
    would = i % 10 == 0
    return {
        "ts": "2026-11-22T00:00:00.000Z", "event": "connect", "pid": 1000 + i,
        "program": program, "application_name": None, "rule": "r%d" % (i % 5),
        "mode": "audit", "host": host, "hostaddr": None, "port": "5432",
        "dbname": "d", "user": "u", "transport": "tcp",
        "sslmode_requested": "prefer", "sslmode_effective": "prefer", "injected": {},
        "outcome": "ok", "error": None,
        "tls": {"protocol": "TLSv1.3" if i % 3 else "TLSv1.2", "cipher": "X",
                "key_bits": 256, "compression": False},
        "gssenc": False, "verified": i % 2 == 0,
        "chain": [{"subject": "CN=%s" % host, "issuer": "CN=ca", "serial": "01",
                   "not_before": "2025-01-01T00:00:00Z",
                   "not_after": "2027-%02d-01T00:00:00Z" % (1 + i % 12),
                   "sha256": "00" * 32, "key": "EC 256"}],
        "audit": {"would_verify": not would, "verify_error": None, "hostname_match": True,
                  "would_refuse": would, "reason": "unknown CA" if would else None,
                  "would_inject": {"sslmode": "verify-full"}},
        "warnings": [], "duration_ms": 1.5,
    }


class Report(ShimCase):
    def test_counts_and_readiness_on_100000_records(self):
        path = os.path.join(self.dir, "big.jsonl")
        with open(path, "w") as f:
            for i in range(100000):
                f.write(json.dumps(record(i)) + "\n")
            f.write("this line is not JSON\n")
            f.write(json.dumps({"ts": "x", "event": "policy_error", "error": "p:1: bad"}) + "\n")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        p = subprocess.run([CLI, "report", "--json", path], capture_output=True, text=True)
        rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertEqual(p.returncode, 1, p.stderr)       # not ready: exit 1
        if not RUNTIME:  # a sanitizer's allocator keeps freed memory in quarantine
            self.assertLess(rss_kib, 64 * 1024, "report must stream (%d KiB for %d MiB of log)" % (
                max(rss_kib, before), os.path.getsize(path) >> 20))
        rep = json.loads(p.stdout)
        self.assertEqual(rep["connections"], 100000)
        self.assertEqual(rep["would_refuse"], 10000)
        self.assertEqual(rep["policy_errors"], 1)
        self.assertEqual(rep["unreadable_lines"], 1)
        self.assertFalse(rep["ready_to_enforce"])
        self.assertEqual(len(rep["groups"]), 20)
        g = [x for x in rep["groups"] if x["program"] == "/usr/bin/app0" and x["host"] == "db0.example.com"][0]
        self.assertEqual(g["connections"], 5000)          # i % 20 == 0
        self.assertEqual(g["would_refuse"], 5000)         # all multiples of 10
        self.assertEqual(g["reasons"], {"unknown CA": 5000})
        self.assertEqual(g["verified"], 5000)
        self.assertEqual(g["protocols"]["TLSv1.2"] + g["protocols"]["TLSv1.3"], 5000)
        self.assertEqual(g["earliest_expiry"], "2027-01-01T00:00:00Z")

        p = subprocess.run([CLI, "report"], input=open(path).read(), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "ready to enforce: no (10000 connections would be refused, 1 policy error)")
        self.assertIn("would refuse: unknown CA (5000)", p.stdout)

    def test_report_on_the_shims_own_records(self):
        self.write_policy(policy_text("audit"))
        self.client("connectdb", tcp("good"))
        self.client("connectdb", tcp("wronghost"))
        self.client("connectdb", tcp("plain"))
        p = subprocess.run([CLI, "report", self.log], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        reasons = [l for l in p.stdout.splitlines() if "would refuse:" in l]
        self.assertEqual(len(reasons), 1, p.stdout)
        self.assertIn("wrong host (1)", reasons[0])
        self.assertIn("server does not support TLS (1)", reasons[0])
        self.assertEqual(p.stdout.splitlines()[-1],
                         "ready to enforce: no (2 connections would be refused)")
        self.write_policy(policy_text("audit"))
        os.unlink(self.log)
        self.client("connectdb", tcp("good"))
        p = subprocess.run([CLI, "report", self.log], capture_output=True, text=True)
        self.assertEqual(p.stdout.splitlines()[-1], "ready to enforce: yes")
        self.assertEqual(p.returncode, 0, p.stderr)


def rec(**kw):
    """A small connect record: audit, ok, verified, unless KW says otherwise."""
    r = {"ts": "2026-11-22T10:00:00.000Z", "event": "connect", "pid": 1,
         "program": "/usr/bin/app", "rule": "r", "mode": "audit", "host": "db.example.com",
         "port": "5432", "transport": "tcp", "outcome": "ok", "error": None,
         "tls": {"protocol": "TLSv1.3"}, "verified": True, "script": None,
         "audit": {"would_refuse": False, "reason": None}, "warnings": [], "rotation": None}
    r.update(kw)
    return r


def refused(reason="server certificate not verified", **kw):
    """An enforce record the shim refused."""
    return rec(mode="enforce", outcome="refused", verified=False, audit=None, reason=reason,
               error='pgtls-shim: refused by rule "r" (enforce): ' + reason, **kw)


class ReportInputs(ShimCase):
    """Crafted records: readiness, formats, options, columns and --json."""

    def write(self, lines, name="log.jsonl", opener=open):
        path = os.path.join(self.dir, name)
        with opener(path, "wt") as f:
            for line in lines:
                f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
        return path

    def report(self, *args, stdin=None):
        return subprocess.run([CLI, "report"] + list(args), input=stdin, capture_output=True,
                              text=True, timeout=120)

    def last(self, p):
        return p.stdout.splitlines()[-1]

    def test_no_records_is_never_ready(self):
        p = self.report(self.write([]))
        self.assertEqual(self.last(p), "ready to enforce: no (no connection records)")
        self.assertEqual(p.returncode, 1)
        p = self.report(stdin="")
        self.assertEqual((p.returncode, self.last(p)), (1, "ready to enforce: no (no connection records)"))
        p = self.report(self.write(["not a record", json.dumps({"event": "policy_error"})]))
        self.assertEqual(self.last(p), "ready to enforce: no (no connection records, 1 policy error)")
        p = self.report("--json", self.write([]))
        self.assertFalse(json.loads(p.stdout)["ready_to_enforce"])

    def test_trouble_exits_2(self):
        p = self.report(os.path.join(self.dir, "missing.jsonl"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("missing.jsonl", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(self.report(self.dir).returncode, 2)          # a directory
        for bad in (["--bogus"], ["--since", "yesterday"], ["--until", "2026-13-01"],
                    ["--by", "colour"], ["--by", ""], ["--by", "host,,rule"], ["--since"]):
            with self.subTest(args=bad):
                self.assertEqual(self.report(*bad, self.write([rec()])).returncode, 2)

    def test_ready_and_exit_codes(self):
        p = self.report(self.write([rec(), rec()]))
        self.assertEqual((p.returncode, self.last(p)), (0, "ready to enforce: yes"))
        p = self.report(self.write([rec(), refused()]))
        self.assertEqual(self.last(p), "ready to enforce: no (1 connection would be refused)")
        self.assertEqual(p.returncode, 1)
        p = self.report(self.write([refused(), refused("wrong host"),
                                    rec(mode="enforce", outcome="failed", audit=None,
                                        error="certificate verify failed")]))
        self.assertEqual(self.last(p), "ready to enforce: no (3 connections would be refused)")
        self.assertIn("server certificate not verified (1)", p.stdout)
        # A failure without the shim's reason: the fixed word, not libpq's text.
        self.assertIn("wrong host (1), failed (1)", p.stdout)
        self.assertNotIn("certificate verify failed (1)", p.stdout)
        self.assertIn("refused in enforce: 3", p.stdout)
        would = rec(audit={"would_refuse": True, "reason": "unknown CA"})
        blind = {"ts": "2026-11-22T10:00:00.000Z", "event": "blind_spot", "pid": 2,
                 "program": "/usr/bin/go-app", "libpq": "/opt/libpq.so.5", "why": "a second libpq"}
        p = self.report(self.write([would, blind, blind, {"event": "policy_error", "error": "x"}]))
        self.assertEqual(self.last(p), "ready to enforce: no (1 connection would be refused, "
                                       "2 blind spots, 1 policy error)")
        self.assertIn("blind spots: /usr/bin/go-app (2)", p.stdout)
        rep = json.loads(self.report("--json", self.write([would, blind])).stdout)
        self.assertEqual((rep["blind_spots"], rep["would_refuse"]), (2 - 1, 1))

    def test_syslog_journald_and_gzip_inputs(self):
        lines = [rec(), rec(host="db2.example.com"), refused()]
        syslog = ["Nov 26 02:37:47 web1 pgtls-shim[123]: " + json.dumps(lines[0]),
                  "Nov 26 02:37:48 web1 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)",
                  "<14>1 2026-11-26T02:37:49.123456+00:00 web1 pgtls-shim 123 - - " + json.dumps(lines[1]),
                  "2026-11-26T02:37:50.000000+00:00 web1 pgtls-shim[123]: " + json.dumps(lines[2])]
        journal = [json.dumps({"__CURSOR": "s=1", "SYSLOG_IDENTIFIER": "pgtls-shim",
                               "MESSAGE": json.dumps(lines[0])}),
                   json.dumps({"__CURSOR": "s=2", "MESSAGE": list(json.dumps(lines[1]).encode())}),
                   json.dumps({"__CURSOR": "s=3", "MESSAGE": json.dumps(lines[2])}),
                   json.dumps({"__CURSOR": "s=4", "MESSAGE": "Started Session 5 of user root."})]
        inputs = {"syslog": self.write(syslog, "syslog"),
                  "journal": self.write(journal, "journal.json"),
                  "gzip": self.write(lines, "log.jsonl.gz", gzip.open),
                  "gzip-syslog": self.write(syslog, "syslog.2.gz", gzip.open)}
        for name, path in inputs.items():
            with self.subTest(input=name):
                p = self.report("--json", path)
                self.assertEqual(p.returncode, 1, p.stderr)
                rep = json.loads(p.stdout)
                self.assertEqual(rep["connections"], 3)
                self.assertEqual(rep["would_refuse"], 1)
                self.assertEqual(len(rep["groups"]), 2)
                # the cron line, the session line; none in the plain records
                self.assertEqual(rep["unreadable_lines"], 0 if name == "gzip" else 1)
        with open(inputs["gzip"], "rb") as f:                     # gzip on standard input
            p = subprocess.run([CLI, "report"], stdin=f, capture_output=True, text=True)
        self.assertIn("3 connection records", p.stdout)

    def test_since_and_until(self):
        lines = [rec(ts="2026-11-20T23:59:59.999Z"), rec(ts="2026-11-21T00:00:00.000Z"),
                 rec(ts="2026-11-21T12:00:00.000Z"), rec(ts="2026-11-22T00:00:00.000Z"),
                 refused(ts="2026-11-25T08:00:00.000Z")]
        path = self.write(lines)

        def count(*args):
            rep = json.loads(self.report("--json", *args, path).stdout)
            return rep["connections"], rep["outside_window"]
        self.assertEqual(count(), (5, 0))
        self.assertEqual(count("--since", "2026-11-21"), (4, 1))
        self.assertEqual(count("--until", "2026-11-21"), (3, 2))           # the whole day
        self.assertEqual(count("--since", "2026-11-21", "--until", "2026-11-21"), (2, 3))
        self.assertEqual(count("--since", "2026-11-21T12:00:00Z"), (3, 2))
        self.assertEqual(count("--since", "2026-11-21T13:00:00+01:00"), (3, 2))
        self.assertEqual(count("--until", "2026-11-21T12:00:00.001Z"), (3, 2))
        p = self.report("--until", "2026-11-24", path)          # the refusal is later
        self.assertEqual((p.returncode, self.last(p)), (0, "ready to enforce: yes"))

    def test_since_forms_and_unknown_options(self):
        path = self.write([rec(ts="2026-11-21T12:00:00.000Z"), rec(ts="2026-11-22T12:00:00.000Z")])

        def count(*args):
            p = self.report("--json", *args, path)
            self.assertIn(p.returncode, (0, 1), p.stderr)
            return json.loads(p.stdout)["connections"]
        self.assertEqual(count("--since=2026-11-22"), 1)
        self.assertEqual(count("--since", "2026-11-22"), 1)
        self.assertEqual(count("--until=2026-11-21"), 1)
        self.assertEqual(count("--since=1h"), 0)                  # both are in the past
        self.assertEqual(count("--since", "36500d"), 2)
        self.assertEqual(count("--since=2026-11-22T13:00:00+01:00"), 1)
        p = self.report("--bogus", path)
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr.startswith("pgtls-shim report: unrecognized option '--bogus'\n"
                                            "usage: pgtls-shim report"), p.stderr)
        p = self.report("--since=tomorrow", path)
        self.assertEqual(p.returncode, 2)
        self.assertIn('--since: "tomorrow" is not', p.stderr)

    def test_by(self):
        lines = [rec(program="/usr/bin/python3", script="/srv/a.py", host="h1"),
                 rec(program="/usr/bin/python3", script="/srv/b.py", host="h1"),
                 rec(program="/usr/bin/psql", host="h2", rule=None)]
        path = self.write(lines)

        def groups(*args):
            rep = json.loads(self.report("--json", *args, path).stdout)
            return [tuple(g[k] for k in ("program", "script", "host", "rule")) + (g["connections"],)
                    for g in rep["groups"]], rep["by"]
        self.assertEqual(groups(), ([("/usr/bin/psql", None, "h2", None, 1),
                                     ("/usr/bin/python3", None, "h1", "r", 2)],
                                    ["program", "host", "rule"]))
        self.assertEqual(groups("--by", "host")[0], [(None, None, "h1", None, 2),
                                                     (None, None, "h2", None, 1)])
        self.assertEqual(groups("--by", "script")[0], [(None, "/srv/a.py", None, None, 1),
                                                       (None, "/srv/b.py", None, None, 1),
                                                       (None, "/usr/bin/psql", None, None, 1)])
        self.assertEqual(groups("--by", "script,rule")[0], groups("--by", "script", "--by", "rule")[0])
        p = self.report("--by", "rule", path)
        self.assertEqual(p.stdout.splitlines()[0].split()[0], "RULE")
        self.assertIn("(top-level)", p.stdout)

    def test_columns_fit_long_names(self):
        host = "a-very-long-cluster-name.cluster-ro-abcdefghijkl.rds.amazonaws" + ".com"
        self.assertGreaterEqual(len(host), 60)
        program = "/opt/some/vendor/application/with/a/deep/install/path/bin/worker"
        path = self.write([rec(host=host, program=program), rec(host="db", program="/bin/x")])
        out = self.report(path).stdout.splitlines()
        header, rows = out[0], out[1:3]
        end = header.index("CONNS") + len("CONNS")
        for row in rows:
            with self.subTest(row=row):
                self.assertIn(row[end - 1], "12")            # the count, right-aligned
                self.assertEqual(row[end], " ")
        self.assertEqual(rows[0].index(host) if host in rows[0] else rows[1].index(host),
                         header.index("HOST"))

    def test_json_fields(self):
        expiring = rec(warnings=["certificate CN=db expires in 12 days (2026-12-04T00:00:00Z)",
                                 "libpq lacks sslcertmode"],
                       chain=[{"not_after": "2026-12-04T00:00:00Z"},
                              {"not_after": "2030-01-01T00:00:00Z"}])
        failed = rec(outcome="failed", tls=None, verified=False, error="could not connect")
        p = self.report("--json", self.write([expiring, failed, rec(verified=False)]))
        rep = json.loads(p.stdout)
        self.assertIsInstance(rep["report_version"], int)
        for k in ("connections", "would_refuse", "ready_to_enforce", "groups", "failed",
                  "policy_errors", "blind_spots", "unreadable_lines", "not_ready_because",
                  "ready_to_rotate", "by"):
            self.assertIn(k, rep)
        self.assertEqual((rep["connections"], rep["failed"], rep["ready_to_enforce"]), (3, 1, True))
        self.assertIsNone(rep["ready_to_rotate"])
        g = rep["groups"][0]
        self.assertEqual((g["program"], g["host"], g["rule"]), ("/usr/bin/app", "db.example.com", "r"))
        self.assertEqual((g["connections"], g["tls"], g["verified"], g["would_refuse"]), (3, 2, 1, 0))
        self.assertEqual((g["failed"], g["expiry_warnings"]), (1, 1))
        self.assertEqual(g["earliest_expiry"], "2026-12-04T00:00:00Z")
        text = self.report(self.write([expiring, failed])).stdout.splitlines()
        cols = text[0].split()
        row = text[1].split()
        self.assertEqual(row[cols.index("FAILED")], "1")
        self.assertEqual(row[cols.index("EXPIRY-WARN")], "1")

    def test_rotation_lines(self):
        def rot(as_is, enforced, reason=None):
            return {"next_ca": "/etc/next.pem", "as_is": as_is, "enforced": enforced, "reason": reason}
        lines = [rec(rotation=rot("breaks", "ok", "the app's own CA file lacks next_ca")),
                 rec(rotation=rot("ok", "breaks", "policy bundle lacks next_ca")),        # audit: as_is
                 rec(mode="enforce", audit=None, rotation=rot("ok", "breaks", "bundle lacks it")),
                 rec(mode="enforce", audit=None, rotation=rot("breaks", "ok")),           # enforce: enforced
                 rec(rotation=rot("unaffected", "ok")), rec()]
        p = self.report(self.write(lines))
        out = p.stdout.splitlines()
        self.assertEqual(out[-2], "ready to rotate: no (2 connections would break)")
        self.assertEqual(out[-1], "ready to enforce: yes")
        self.assertEqual(p.returncode, 1)
        self.assertIn("would break at rotation: 2 of 5: the app's own CA file lacks next_ca (1), "
                      "bundle lacks it (1)", p.stdout)
        rep = json.loads(self.report("--json", self.write(lines)).stdout)
        self.assertEqual((rep["ready_to_rotate"], rep["would_break"]), (False, 2))
        p = self.report(self.write(lines[:1]))
        self.assertEqual(p.stdout.splitlines()[-2], "ready to rotate: no (1 connection would break)")
        p = self.report(self.write(lines[4:]))
        self.assertEqual(p.stdout.splitlines()[-2:], ["ready to rotate: yes", "ready to enforce: yes"])
        self.assertEqual(p.returncode, 0)
        p = self.report(self.write([rec()]))
        self.assertNotIn("ready to rotate", p.stdout)

    def test_help(self):
        p = self.report("--help")
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("usage: pgtls-shim report"))
