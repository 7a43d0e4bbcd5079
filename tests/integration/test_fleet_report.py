"""`pgtls-shim report` for fleets (issue 23 item 2): --by over every
dimension, reasons keyed by the record's own reason in audit and enforce
(the same keys for real refusals under LC_ALL=de_DE.UTF-8 as under C),
records_lost events in the verdict, many hosts' records in any order, and
`pgtls-shim --help` listing every synopsis line.  The metrics format with
the real promtool and node_exporter is test_fleet_metrics.py."""
import json
import os
import random
import subprocess

import fleetdata
from shimtest import CLI, PASSWORD, ShimCase, policy_text, tcp, unsanitized_pg_programs
from test_guest import GERMAN, german_locale_available

DIMS = ["program", "script", "host", "rule", "hostname", "application_name", "user",
        "dbname", "unit", "policy"]


def dim_of(rec, d):
    """What report groups REC by for dimension D (None: null)."""
    if d == "policy":
        return (rec.get("policy") or {}).get("sha256")
    if d == "script":
        return rec.get("script") or rec.get("program")
    return rec.get(d)


class FleetReport(ShimCase):
    def report(self, *args, rc=None):
        p = subprocess.run([CLI, "report"] + list(args), capture_output=True, text=True,
                           timeout=120)
        if rc is not None:
            self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
        return p

    def report_json(self, *args):
        p = self.report("--json", *args)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return json.loads(p.stdout)

    def test_by_every_dimension(self):
        recs = fleetdata.fleet()
        path = fleetdata.write(os.path.join(self.dir, "fleet.jsonl"), recs)
        for d in DIMS:
            with self.subTest(by=d):
                out = self.report_json("--by", d, path)
                self.assertEqual(out["by"], [d])
                want = {}
                for r in recs:
                    want[dim_of(r, d)] = want.get(dim_of(r, d), 0) + 1
                got = {g[d]: g["connections"] for g in out["groups"]}
                self.assertEqual(got, want)
                for g in out["groups"]:   # the other dimensions are not grouped by
                    self.assertTrue(all(g[o] is None for o in DIMS if o != d), g)
        out = self.report_json("--by", ",".join(DIMS), path)
        self.assertEqual(len(out["groups"]),
                         len({tuple(dim_of(r, d) for d in DIMS) for r in recs}))
        policies = {g["policy"] for g in self.report_json("--by", "policy", path)["groups"]}
        self.assertEqual(policies, set(fleetdata.POLICIES) | {None})
        text = self.report("--by", "hostname,application_name,unit", path, rc=1).stdout
        self.assertTrue(text.startswith("HOSTNAME"), text)
        self.assertIn("APPLICATION_NAME", text.splitlines()[0])
        p = self.report("--by", "colour", path, rc=2)
        self.assertIn("policy", p.stderr)   # the message lists every dimension

    def test_reasons_are_the_records_own(self):
        recs = fleetdata.fleet()
        path = fleetdata.write(os.path.join(self.dir, "fleet.jsonl"), recs)
        out = self.report_json("--by", "hostname", path)
        keys = set()
        for g in out["groups"]:
            keys |= set(g["reasons"])
            self.assertEqual(sum(g["reasons"].values()), g["would_refuse"])
        # Three refusals whose libpq text names three ports: one key.  A
        # failure with no reason: "failed"; a refusal with none: "refused".
        self.assertEqual(keys, {"wrong host", "failed", "refused", "unknown CA"})
        total = {}
        for g in out["groups"]:
            for k, v in g["reasons"].items():
                total[k] = total.get(k, 0) + v
        self.assertEqual(total["wrong host"], 3)
        text = self.report("--by", "rule", path, rc=1).stdout
        self.assertNotIn("port 543", text)

    def test_records_lost_stand_in_the_way(self):
        recs = [fleetdata.record(i) for i in range(10)]
        clean = fleetdata.write(os.path.join(self.dir, "clean.jsonl"), recs)
        self.assertTrue(self.report(clean, rc=0).stdout.endswith("ready to enforce: yes\n"))
        lossy = fleetdata.write(os.path.join(self.dir, "lossy.jsonl"),
                                recs[:5] + [fleetdata.lost(5)] + recs[5:] +
                                [fleetdata.lost(2, hostname="web2")])
        p = self.report(lossy, rc=1)
        self.assertTrue(p.stdout.endswith("ready to enforce: no (7 records lost)\n"), p.stdout)
        self.assertIn("10 connection records, 8 groups, 7 records lost\n", p.stdout)
        out = self.report_json(lossy)
        self.assertEqual((out["records_lost"], out["connections"], out["ready_to_enforce"],
                          out["unreadable_lines"]), (7, 10, False, 0))
        self.assertEqual(out["not_ready_because"], "7 records lost")
        self.assertEqual(self.report_json(clean)["records_lost"], 0)

    def test_many_hosts_in_any_order(self):
        """The hosts' files one by one, concatenated, and shuffled into one
        (across the threads' ranges: a file over 16 MB is read in parts)."""
        recs = [fleetdata.record(i, hostname="web%d" % (i % 5)) for i in range(60000)]
        per_host = []
        for h in range(5):
            per_host.append(fleetdata.write(os.path.join(self.dir, "h%d.jsonl" % h),
                                            [r for r in recs if r["hostname"] == "web%d" % h]))
        random.Random(5).shuffle(recs)
        whole = fleetdata.write(os.path.join(self.dir, "whole.jsonl"), recs)
        self.assertGreater(os.path.getsize(whole), 16 << 20)
        for by in ("program,host,rule", "hostname,unit,policy"):
            self.assertEqual(self.report_json("--by", by, *per_host),
                             self.report_json("--by", by, whole), by)

    def test_help_lists_every_synopsis_line(self):
        p = subprocess.run([CLI, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        for cmd in ("exec", "check", "explain", "report", "reconcile"):
            u = subprocess.run([CLI, cmd, "--help"], capture_output=True, text=True,
                               timeout=60).stdout
            lines = u.splitlines()
            self.assertTrue(lines[0].startswith("usage: pgtls-shim " + cmd), u)
            n = 1
            while n < len(lines) and lines[n].startswith("     "):   # the synopsis goes on
                n += 1
            for line in lines[:n]:
                words = line.replace("usage:", "").split()
                self.assertIn(" ".join(words[1:] if words[0] == "pgtls-shim" else words),
                              " ".join(p.stdout.split()), line)
        for flag in ("--server-log FILE", "--server CONNINFO", "--for SECONDS",
                     "--format FORMAT"):
            self.assertIn(flag, p.stdout)


class GermanReasons(ShimCase):
    """Real refusals and failures, under C and under a German libpq: report
    keys them the same (libpq's text differs, the record's reason does not)."""

    def setUp(self):
        super().setUp()
        self.assertTrue(german_locale_available(),
                        "the %s locale is missing: run scripts/deps.sh" % GERMAN)

    def run_all(self, lc):
        os.path.exists(self.log) and os.unlink(self.log)
        env = {"LC_ALL": lc, "LANG": lc, "LANGUAGE": None}
        cases = [("enforce", tcp("wronghost")), ("enforce", tcp("expired")),
                 ("enforce", tcp("plain")), ("enforce", tcp("old")),
                 ("enforce", tcp("good", user="app", password="not-" + PASSWORD)),
                 ("audit", tcp("wronghost")), ("audit", tcp("old"))]
        for mode, ci in cases:
            self.write_policy(policy_text(mode))
            p = self.run_cmd(["psql", "-X", "-w", "-At", "-c", "select 1", ci], env)
            self.assertEqual(p.returncode != 0, mode == "enforce", (lc, ci, p.stderr))
        recs = self.records()
        self.assertEqual(len(recs), len(cases), recs)
        return recs, self.report_json_of(self.log)

    def report_json_of(self, path):
        p = subprocess.run([CLI, "report", "--json", "--by", "rule", path],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        return json.loads(p.stdout)

    @unsanitized_pg_programs
    def test_reasons_under_german_equal_those_under_c(self):
        c_recs, c_out = self.run_all("C")
        de_recs, de_out = self.run_all(GERMAN)
        # libpq really spoke German: its errors differ from C's.
        self.assertNotEqual([r["error"] for r in de_recs], [r["error"] for r in c_recs])
        self.assertTrue(any("fehlgeschlagen" in (r["error"] or "") or
                            "stimmt nicht" in (r["error"] or "") for r in de_recs), de_recs)
        reasons = [g["reasons"] for g in c_out["groups"]]
        self.assertEqual([g["reasons"] for g in de_out["groups"]], reasons)
        keys = set().union(*reasons)
        self.assertIn("wrong host", keys)
        self.assertIn("failed", keys)   # the wrong password: no reason of the shim's
        for k in keys:
            self.assertNotIn("127.0.0.1", k)
            self.assertNotRegex(k, r"port \d")
        self.assertEqual(de_out["would_refuse"], 7)
