"""A full log device (issue 22 item 6): several processes log to one file on
a small tmpfs, the device fills up while they connect and the policy is
reloaded, then space comes back.  No line is torn (every line is one JSON
object), each process accounts for what it lost in one records_lost event
written before its next record, and prints one diagnostic for the outage,
however often the policy reloads.  The tmpfs is mounted in a private mount
namespace (unshare -m): nothing changes on the host."""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import unittest

import jsonschema

from shimtest import BIN, ShimCase, policy_text, tcp

PQCLIENT = os.path.join(BIN, "pqclient")
DIAG = "pgtls-shim: cannot write log "
SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "doc", "record.schema.json")
PROCS = 4     # client processes sharing the log
ROUNDS = 3    # connections per process while the device is full, one policy reload each

# Runs inside the private mount namespace: mounts the tmpfs, runs the
# clients, fills and frees the device, and prints what happened as JSON.
DRIVER = textwrap.dedent("""\
    import errno, json, os, subprocess, sys
    cfg = json.load(open(sys.argv[1]))
    mnt = cfg["mnt"]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", mnt], check=True)
    procs = [subprocess.Popen([cfg["client"], "lines", cfg["conninfo"]], env=cfg["env"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(cfg["procs"])]

    def connect_all():
        for p in procs:
            p.stdin.write("go\\n")
            p.stdin.flush()
        return [json.loads(p.stdout.readline())["status"] for p in procs]

    def reload(n):
        tmp = cfg["policy"] + ".new"
        with open(tmp, "w") as f:
            f.write(cfg["policy_text"] + "# reload %d\\n" % n)
        os.chmod(tmp, 0o644)
        os.rename(tmp, cfg["policy"])

    statuses = connect_all()
    filler = os.path.join(mnt, "filler")
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 512)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
    # What the log file holds allocated past its end (the shim's reservation,
    # the last page's rest) is used up too, but for 1000 bytes: less than a
    # record, so a record written without reserving first would be torn.
    log = os.path.join(mnt, "log.jsonl")
    spare = os.stat(log).st_blocks * 512 - os.stat(log).st_size - 1000
    if spare >= 64:
        with open(log, "a") as f:
            f.write('{"event":"filler","pad":"%s"}\\n' % ("x" * (spare - 27)))
    for n in range(cfg["rounds"]):
        reload(n)
        statuses += connect_all()
    os.unlink(filler)
    statuses += connect_all()
    errs = {}
    for p in procs:
        p.stdin.close()
        p.stdout.read()
        errs[p.pid] = p.stderr.read()
        p.wait()
    raw = open(os.path.join(mnt, "log.jsonl")).read()
    subprocess.run(["umount", mnt], check=True)
    print(json.dumps({"statuses": statuses, "stderr": errs, "raw": raw}))
    """)


@unittest.skipUnless(shutil.which("unshare") and os.geteuid() == 0,
                     "needs unshare and root for a private tmpfs mount")
class FullDevice(ShimCase):
    def run_scenario(self, mode):
        mnt = os.path.join(self.dir, "logfs")
        os.mkdir(mnt)
        text = policy_text(mode).replace("@LOG@", os.path.join(mnt, "log.jsonl"))
        self.write_policy(text)
        cfg = {"mnt": mnt, "client": PQCLIENT, "conninfo": tcp("good"), "env": self.env(),
               "procs": PROCS, "rounds": ROUNDS, "policy": self.policy, "policy_text": text}
        with open(os.path.join(self.dir, "cfg.json"), "w") as f:
            json.dump(cfg, f)
        with open(os.path.join(self.dir, "driver.py"), "w") as f:
            f.write(DRIVER)
        p = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                            os.path.join(self.dir, "driver.py"), os.path.join(self.dir, "cfg.json")],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def check(self, out):
        # The application never noticed: every connection worked.
        self.assertEqual(out["statuses"], ["ok"] * (PROCS * (ROUNDS + 2)))
        raw = out["raw"]
        self.assertTrue(raw.endswith("\n"), raw[-200:])
        recs = []
        self.assertIn('"event":"filler"', raw)   # the driver reached the end of the device
        for n, line in enumerate(raw.splitlines(), 1):
            try:
                recs.append(json.loads(line))
            except ValueError:
                self.fail("line %d is not one JSON object: %r" % (n, line[:200]))
        with open(SCHEMA) as f:
            validator = jsonschema.Draft202012Validator(json.load(f))
        for pid, err in out["stderr"].items():
            pid = int(pid)
            mine = [r for r in recs if r.get("pid") == pid]
            self.assertEqual([r["event"] for r in mine], ["connect", "records_lost", "connect"],
                             mine)
            lost = mine[1]
            self.assertEqual(lost["lost"], ROUNDS)
            self.assertEqual(lost["error"], "No space left on device")
            self.assertEqual(lost["severity"], "error")
            # since: the first lost record's start; the event is written later, just
            # before the record that succeeded (whose ts is its attempt's start).
            self.assertTrue(mine[0]["ts"] <= lost["since"] <= mine[2]["ts"] <= lost["ts"], mine)
            self.assertEqual(recs.index(lost) + 1, recs.index(mine[2]))
            self.assertEqual(list(validator.iter_errors(lost)), [])
            diags = [l for l in err.splitlines() if l.startswith(DIAG)]
            self.assertEqual(len(diags), 1, err)    # one per outage, across reloads
            self.assertIn("No space left on device", diags[0])

    def test_full_device_enforce(self):
        self.check(self.run_scenario("enforce"))

    def test_full_device_audit(self):
        self.check(self.run_scenario("audit"))


if __name__ == "__main__":
    unittest.main()
