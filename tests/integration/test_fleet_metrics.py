"""`pgtls-shim report --format openmetrics` read by the real tools: Debian's
`promtool check metrics` (package prometheus) passes it, and a real
prometheus-node-exporter on loopback serves it through its textfile
collector, the gauges with report's values (issue 23, "Real parts in
tests").  Records: tests/integration/fleetdata.py."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import fleetdata
from shimtest import CLI, ShimCase

# scripts/deps.sh unpacks Debian's packages here (installing them would start their services).
PROM_BIN = os.path.join(os.environ.get("PGTLS_SHIM_PROM_DIR",
                                       "/var/cache/pgtls-shim-tests/prometheus"), "usr", "bin")


def tool(name):
    path = os.path.join(PROM_BIN, name)
    return path if os.access(path, os.X_OK) else shutil.which(name)


PROMTOOL, NODE_EXPORTER = tool("promtool"), tool("prometheus-node-exporter")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def samples(text):
    """{(name, frozenset of (label, value)): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        labels = frozenset((k, unescape(v)) for k, v in LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipIf(os.environ.get("PGTLS_TEST_SKIP_PROMETHEUS") == "1",
                 "PGTLS_TEST_SKIP_PROMETHEUS=1: promtool and node_exporter are not here "
                 "(the release chroots; the machine's run has them)")
class Metrics(ShimCase):
    def setUp(self):
        super().setUp()
        self.path = fleetdata.write(os.path.join(self.dir, "fleet.jsonl"),
                                    fleetdata.fleet() + [fleetdata.lost(4)])

    def report(self, *args):
        return subprocess.run([CLI, "report"] + list(args) + [self.path], capture_output=True,
                              text=True, timeout=120)

    def check_against_json(self, by):
        """The metrics of --by BY against report --json: the same numbers."""
        m = self.report("--format", "openmetrics", "--by", by)
        j = self.report("--json", "--by", by)
        self.assertEqual(m.returncode, j.returncode)   # the exit status as without it
        self.assertEqual(m.returncode, 1)
        self.assertTrue(m.stdout.endswith("# EOF\n"), m.stdout[-200:])
        out, s = json.loads(j.stdout), samples(m.stdout)
        self.assertEqual(s[("pgtls_shim_ready_to_enforce", frozenset())], 0)
        self.assertEqual(s[("pgtls_shim_ready_to_rotate", frozenset())], 0)
        self.assertEqual(s[("pgtls_shim_records", frozenset())], out["connections"])
        self.assertEqual(s[("pgtls_shim_records_lost", frozenset())], 4)
        dims = by.split(",")
        for g in out["groups"]:
            labels = frozenset((d, g[d] or "") for d in dims)
            self.assertEqual(s[("pgtls_shim_connections", labels)], g["connections"], labels)
            self.assertEqual(s[("pgtls_shim_would_refuse", labels)], g["would_refuse"], labels)
        self.assertEqual(len([k for k in s if k[0] == "pgtls_shim_connections"]),
                         len(out["groups"]))
        return m.stdout, s

    def test_values_and_escaping(self):
        for by in ("program,host,rule", "hostname,application_name,user,dbname,unit,policy",
                   "program,script,host,rule,hostname,application_name,user,dbname,unit,"
                   "policy"):
            with self.subTest(by=by):
                text, s = self.check_against_json(by)
        # The program with a quote, a backslash and a newline, escaped and back.
        self.assertIn('program="/opt/we\\"ird\\\\path\\nx"', text)
        progs = {dict(k[1]).get("program") for k in s if k[0] == "pgtls_shim_connections"}
        self.assertIn('/opt/we"ird\\path\nx', progs)
        # The earliest not_after of each server host, in Unix seconds.
        recs = fleetdata.fleet()
        for h in {r["host"] for r in recs}:
            na = min(c["not_after"] for r in recs if r["host"] == h for c in r["chain"])
            secs = int(time.mktime(time.strptime(na, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone)
            self.assertEqual(s[("pgtls_shim_certificate_expiry_timestamp_seconds",
                                frozenset([("host", h)]))], secs)

    def test_promtool_passes_it(self):
        self.assertTrue(PROMTOOL, "promtool is missing: run scripts/deps.sh")
        for by in ("program,host,rule",
                   "program,script,host,rule,hostname,application_name,user,dbname,unit,"
                   "policy"):
            text = self.report("--format", "openmetrics", "--by", by).stdout
            p = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(p.stdout + p.stderr, "", by)   # not even a lint warning
        # promtool does catch a broken exposition (the check is not a no-op).
        p = subprocess.run([PROMTOOL, "check", "metrics"], input='x{a="b} 1\n',
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)

    def test_node_exporter_serves_it(self):
        self.assertTrue(NODE_EXPORTER, "prometheus-node-exporter is missing: run scripts/deps.sh")
        tf = os.path.join(self.dir, "textfile")
        os.mkdir(tf)
        text = self.report("--format", "openmetrics", "--by", "hostname,unit").stdout
        with open(os.path.join(tf, "pgtls-shim.prom.tmp"), "w") as f:
            f.write(text)
        os.rename(os.path.join(tf, "pgtls-shim.prom.tmp"), os.path.join(tf, "pgtls-shim.prom"))
        port = free_port()
        ne = subprocess.Popen([NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port,
                               "--collector.disable-defaults", "--collector.textfile",
                               "--collector.textfile.directory=" + tf],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            body = self.scrape(ne, port)
        finally:
            ne.send_signal(signal.SIGTERM)
            ne.wait(timeout=30)
            ne.stderr.close()
        s = samples("\n".join(l for l in body.splitlines()
                              if not l.startswith("go_") and not l.startswith("process_")
                              and not l.startswith("promhttp_")))
        self.assertEqual(s[("node_textfile_scrape_error", frozenset())], 0)
        mine = samples(text)
        for k, v in mine.items():
            self.assertEqual(s.get(k), v, k)
        self.assertEqual(s[("pgtls_shim_ready_to_enforce", frozenset())], 0)
        self.assertEqual(s[("pgtls_shim_records_lost", frozenset())], 4)
        self.assertIn(("pgtls_shim_connections",
                       frozenset([("hostname", "web1"), ("unit", "app1.service")])), s)

    def scrape(self, ne, port):
        """/metrics once node_exporter listens (it exits with a message when it cannot)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                            timeout=10) as r:
                    return r.read().decode()
            except (urllib.error.URLError, ConnectionError):
                if ne.poll() is not None:
                    self.fail("node_exporter exited: %s" % ne.stderr.read())
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)   # not sync: polling for the listener


if __name__ == "__main__":
    unittest.main()
