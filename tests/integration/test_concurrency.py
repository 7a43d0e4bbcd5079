"""Threads and processes: many connections at once, each with one whole
record; fork; a policy reload while threads connect."""
import json
import os
import subprocess
import time

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

    def log_size(self):
        return os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def wait_for_record(self, mode, after=0, deadline_s=60):
        """Polls the log until a whole record decided under MODE appears
        beyond byte offset AFTER; returns the offset past it."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if os.path.exists(self.log):
                with open(self.log, "rb") as f:
                    f.seek(after)
                    raw = f.read()
                pos = after
                for line in raw[:raw.rfind(b"\n") + 1].splitlines(keepends=True):
                    pos += len(line)
                    rec = json.loads(line)
                    if rec["event"] == "connect" and rec["mode"] == mode:
                        return pos
            time.sleep(0.01)      # poll interval; the condition is the record itself
        self.fail("no %s record beyond byte %d within %d s" % (mode, after, deadline_s))

    def test_policy_reload_while_threads_connect(self):
        """Policies swap between audit and enforce (atomic rename) under 8
        threads: each swap is followed by records decided under the new
        policy, no connection fails, and every connection has one whole
        record decided by one of the two."""
        texts = {m: policy_text(m).replace("@LOG@", self.log) for m in ("audit", "enforce")}
        self.write_policy(texts["audit"])
        proc = subprocess.Popen([THREADS, "until", "8", tcp("good")],
                                env=self.env(), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.wait_for_record("audit")
            swaps = 0
            for mode in ("enforce", "audit") * 5:
                start = self.log_size()
                tmp = self.policy + ".new"
                with open(tmp, "w") as f:
                    f.write(texts[mode] + "# swap %d\n" % swaps)
                os.chmod(tmp, 0o644)
                os.rename(tmp, self.policy)
                swaps += 1
                self.wait_for_record(mode, after=start)   # the swap took effect
            out, err = proc.communicate(timeout=300)     # closes stdin: threads stop
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for f in (proc.stdin, proc.stdout, proc.stderr):
                f.close()
        self.assertEqual(proc.returncode, 0, out + err)
        ok, bad = (int(w) for w in out.split()[1::2])
        self.assertEqual(bad, 0, out + err)
        recs = self.check_log(ok)                          # one record per connection
        modes = [r["mode"] for r in recs]
        self.assertEqual(set(modes), {"audit", "enforce"})
        # Audit and enforce alternate in the log: each swap took effect.
        runs = 1 + sum(1 for a, b in zip(modes, modes[1:]) if a != b)
        self.assertGreaterEqual(runs, 1 + swaps, "the log does not follow the swaps")
        self.assertEqual(len({r["pid"] for r in recs}), 1)
        for r in recs:
            self.assertEqual(r["outcome"], "ok", r)
            self.assertEqual(r["verified"], r["mode"] == "enforce")
            self.assertEqual(r["audit"] is None, r["mode"] == "enforce")
