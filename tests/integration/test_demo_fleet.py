"""scripts/demo-fleet.sh, the fleet walk-through (issue 23, item 6), runs as a
user would run it and says what it promises: three hosts (UTS namespaces),
two services each (cgroups named like systemd units), one service pinning
the old CA; report --by hostname,unit names that one service as the one
that would break at rotation, the shipped DuckDB view gives the same answer,
and the OpenMetrics output says ready_to_rotate 0.  It uses this build
(PGTLS_BUILD_DIR) and starts its own server.  Needs root (namespaces and
cgroups, as the demo does) and npm (DuckDB)."""
import os
import re
import subprocess
import unittest

from shimtest import BIN

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def section(out, number):
    """The lines of the demo's step NUMBER (after "== N." up to the next "==")."""
    m = re.search(r"^== %d\..*?\n(.*?)(?=^== |\Z)" % number, out, re.M | re.S)
    return m.group(1) if m else ""


@unittest.skipUnless(os.geteuid() == 0, "needs root: UTS namespaces and cgroups, as the demo")
@unittest.skipIf(os.environ.get("PGTLS_TEST_SKIP_NPM") == "1",
                 "PGTLS_TEST_SKIP_NPM=1: the demo's DuckDB step needs npm")
class DemoFleet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env = dict(os.environ, PGTLS_BUILD_DIR=os.path.dirname(BIN))
        p = subprocess.run(["bash", os.path.join(ROOT, "scripts", "demo-fleet.sh")],
                           capture_output=True, text=True, timeout=600, env=env)
        cls.out, cls.err, cls.rc = p.stdout, p.stderr, p.returncode

    def test_runs(self):
        self.assertEqual(self.rc, 0, self.out + self.err)
        self.assertIn("\n   6 records\n", self.out)

    def test_report_names_the_service_that_would_break(self):
        text = section(self.out, 1)
        self.assertRegex(text, r"batch-1.*orders\.service", text)
        self.assertIn("ready to rotate: no (1 connection would break)", text)

    def test_duckdb_view_agrees(self):
        rows = [l.strip().split("\t") for l in section(self.out, 2).strip().splitlines()]
        self.assertEqual(rows[0], ["hostname", "unit", "connections", "would_break"])
        broken = [r[:2] for r in rows[1:] if r[3] != "0"]
        self.assertEqual(broken, [["batch-1", "orders.service"]])
        self.assertEqual(len(rows) - 1, 6)

    def test_openmetrics_says_not_ready_to_rotate(self):
        self.assertRegex(section(self.out, 3), r"(?m)^   pgtls_shim_ready_to_rotate 0$")


if __name__ == "__main__":
    unittest.main()
