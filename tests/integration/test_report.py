"""pgtls-shim report: counts per program, host and rule, the readiness line,
--json, streaming memory on 100,000 records, and records made by the shim."""
import json
import os
import resource
import subprocess

from shimtest import BIN, RUNTIME, ShimCase, policy_text, tcp

CLI = os.path.join(os.path.dirname(BIN), "pgtls-shim")


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
        self.assertEqual(p.returncode, 0, p.stderr)
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
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1], "ready to enforce: no (10000 connections would be refused)")
        self.assertIn("would refuse: unknown CA (5000)", p.stdout)

    def test_report_on_the_shims_own_records(self):
        self.write_policy(policy_text("audit"))
        self.client("connectdb", tcp("good"))
        self.client("connectdb", tcp("wronghost"))
        self.client("connectdb", tcp("plain"))
        p = subprocess.run([CLI, "report", self.log], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
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
