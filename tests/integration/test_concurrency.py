"""Threads and processes: many connections at once, each with one whole
record; fork; a policy reload while threads connect."""
import json
import os
import subprocess
import time

from shimtest import BIN, RUNTIME, ShimCase, policy_text, server, tcp

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


class ForkWhileThreadsConnect(ShimCase):
    """The main thread forks while four others connect (TLS, under rule
    "test") and log: a child must never inherit a lock of the shim's (policy
    snapshot, connection table, caches, log sink) that a parent thread held
    at the fork.  pqthreads waits for each child with a deadline and kills
    one that hangs.

    Each child connects over the Unix socket with gssencmode=disable, under
    the same mode (the top-level one): libpq then calls neither OpenSSL nor
    GSSAPI in the child.  Both hang now and then in a child of a threaded
    process without the shim at all (a CRYPTO_THREAD rwlock in
    SSL_CTX_new -> X509_STORE_new; libgssapi_krb5's mutex in
    gss_indicate_mechs; under a translated locale, glibc gettext's tree_lock
    when the child is first to look up libpq's Unix-socket message, which
    pqthreads therefore looks up in the parent first), which is not what this
    test is about.  The shim itself calls no libc time function that takes
    glibc's tzset_lock (a child recording a connection hung on it in
    gmtime_r: base/utcdate.c now does the arithmetic).

    Under a sanitizer's runtime (scripts/sanitize.sh) a child's malloc can
    deadlock on the runtime's own allocator lock, held by a parent thread at
    the fork, whatever the program does (gdb: TSan's
    DenseSlabAlloc::Refill, ASan's SizeClassAllocator64::GetFromAllocator,
    from malloc in libpq): there the children only _exit, and the run checks
    the shim's fork handlers against the connecting threads; the normal run
    checks the children's connections."""

    FORKS = 50
    CHILDREN_CONNECT = not RUNTIME

    def run_forks(self, mode):
        self.write_policy(policy_text(mode))
        good = server("good")
        child = "host=%s port=%d dbname=postgres user=postgres gssencmode=disable " \
                "connect_timeout=10" % (good["socket_dir"], good["port"])
        p = self.run_cmd([THREADS, "forks", "4", str(self.FORKS), tcp("good"),
                          child if self.CHILDREN_CONNECT else "-"])
        words = p.stdout.split()
        self.assertEqual(words[0::2], ["ok", "bad", "children", "failed", "hung"],
                         p.stdout + p.stderr)
        ok, bad, children, failed, hung = (int(w) for w in words[1::2])
        self.assertEqual(hung, 0, "a child hung after fork: " + p.stdout + p.stderr)
        self.assertEqual(failed, 0, "a child did not exit 0: " + p.stdout + p.stderr)
        self.assertEqual(children, self.FORKS, p.stdout + p.stderr)
        self.assertEqual(bad, 0, p.stdout + p.stderr)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(self.log, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.endswith(b"\n"), "torn last line")
        recs = [json.loads(l) for l in raw.splitlines()]   # every line is JSON
        self.assertTrue(all(r["event"] == "connect" for r in recs), recs)
        # The parent's own first connection to the children's conninfo
        # (pqthreads: it warms libpq's translated message), then the threads'.
        warm = 1 if self.CHILDREN_CONNECT else 0
        if not self.CHILDREN_CONNECT:
            children = 0          # the children made no connection
        self.assertEqual(len(recs), ok + warm + children)        # one per connection
        by_pid = {}
        for r in recs:
            by_pid[r["pid"]] = by_pid.get(r["pid"], 0) + 1
        parent = max(by_pid, key=by_pid.get)
        self.assertEqual(by_pid.pop(parent), ok + warm)
        self.assertEqual(sorted(by_pid.values()), [1] * children)   # each child: one
        for r in recs:
            self.assertEqual(r["mode"], mode)
            self.assertEqual(r["outcome"], "ok", r)
            if r["pid"] == parent and r["transport"] == "tcp":
                self.assertEqual(r["rule"], "test", r)
                self.assertEqual(r["verified"], mode == "enforce", r)
            else:
                self.assertEqual((r["rule"], r["transport"]), (None, "unix"), r)
                self.assertFalse(r["verified"], r)

    def test_fork_while_threads_connect_audit(self):
        self.run_forks("audit")

    def test_fork_while_threads_connect_enforce(self):
        self.run_forks("enforce")
