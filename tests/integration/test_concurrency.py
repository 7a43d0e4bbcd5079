"""Threads and processes: many connections at once, each with one whole
record; fork; a policy reload while threads connect."""
import json
import os
import subprocess
import threading

from shimtest import BIN, ShimCase, policy_text, tcp

THREADS = os.path.join(BIN, "pqthreads")


class Concurrency(ShimCase):
    def check_log(self, expected):
        with open(self.log, "rb") as f:
            raw = f.read()
        lines = raw.split(b"\n")
        self.assertEqual(lines[-1], b"")                   # ends with a newline
        recs = [json.loads(l) for l in lines[:-1]]         # every line parses: none torn
        self.assertEqual(len(recs), expected)
        return recs

    def test_32_threads_50_connections_each(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd([THREADS, "threads", "32", "50", tcp("good", sslmode="disable")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.strip(), "ok 1600 bad 0")
        recs = self.check_log(1600)
        self.assertTrue(all(r["verified"] and r["outcome"] == "ok" for r in recs))
        self.assertEqual(len({r["pid"] for r in recs}), 1)

    def test_fork_parent_and_child_both_logged(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd([THREADS, "fork", tcp("good", sslmode="disable")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(sorted(l.split()[0] for l in p.stdout.splitlines()), ["child", "parent"])
        recs = self.check_log(3)
        self.assertEqual(len({r["pid"] for r in recs}), 2)
        self.assertTrue(all(r["verified"] for r in recs))

    def test_policy_reload_while_threads_connect(self):
        """Policies swap between audit and enforce (atomic rename) under 8
        threads: no failure, every record whole and decided by one of them."""
        texts = [policy_text(m).replace("@LOG@", self.log) for m in ("audit", "enforce")]
        self.write_policy(texts[0])
        proc = subprocess.Popen([THREADS, "threads", "8", "40", tcp("good")],
                                env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        swaps = 0
        while proc.poll() is None and swaps < 200:
            tmp = self.policy + ".new"
            with open(tmp, "w") as f:
                f.write(texts[swaps % 2] + "# %d\n" % swaps)
            os.chmod(tmp, 0o644)
            os.rename(tmp, self.policy)
            swaps += 1
        out, err = proc.communicate(timeout=300)
        self.assertEqual(proc.returncode, 0, out + err)
        recs = self.check_log(320)
        modes = {r["mode"] for r in recs}
        self.assertTrue(modes <= {"audit", "enforce"})
        self.assertGreater(swaps, 1)
        for r in recs:
            self.assertEqual(r["verified"], r["mode"] == "enforce")
