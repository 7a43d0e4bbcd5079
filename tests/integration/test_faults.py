"""Faults: the log, the CA bundle and the policy failing under a running
application, interrupted writes, huge and NULL arguments.  Each test states
the expected behaviour: the application goes on, one diagnostic, records
resume, and enforcement never gives way."""

import json
import os
import shutil
import subprocess
import unittest

from shimtest import BIN, CLI, PKI, ShimCase, policy_text, tcp


PQCLIENT = os.path.join(BIN, "pqclient")
DIAG = "pgtls-shim: cannot write log "


class Session:
    """A pqclient in `lines` mode: one connection per connect() call, in one process."""

    def __init__(self, case, conninfo, env=None, stderr=subprocess.PIPE):
        self.p = subprocess.Popen([PQCLIENT, "lines", conninfo], env=case.env(env),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=stderr, text=True)

    def connect(self):
        self.p.stdin.write("go\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def close(self):
        self.p.stdin.close()
        out = self.p.stdout.read()
        err = self.p.stderr.read() if self.p.stderr else ""
        rc = self.p.wait(timeout=60)
        self.p.stdout.close()
        if self.p.stderr:
            self.p.stderr.close()
        return rc, out, err


class LogFaults(ShimCase):
    def policy_with_log(self, path, mode="enforce"):
        self.write_policy(policy_text(mode).replace("@LOG@", path))

    def test_log_on_a_full_device(self):
        # A log file that cannot be written: every connection still works,
        # verified, and the application's stderr gets one line, not one per record.
        self.policy_with_log("/dev/full")
        s = Session(self, tcp("good"))
        outs = [s.connect() for _ in range(3)]
        rc, _, err = s.close()
        self.assertEqual(rc, 0)
        self.assertEqual([o["status"] for o in outs], ["ok"] * 3)
        self.assertTrue(all(o["ssl"] for o in outs))
        diags = [l for l in err.splitlines() if l.startswith(DIAG)]
        self.assertEqual(len(diags), 1, err)
        self.assertIn("/dev/full", diags[0])

    def test_stderr_log_on_a_full_device(self):
        # log.path = "stderr" with stderr on /dev/full: ENOSPC on every
        # record, and nothing else changes for the application.
        self.policy_with_log("stderr")
        with open("/dev/full", "w") as full:
            p = subprocess.run([PQCLIENT, "connectdb", tcp("good")], env=self.env(),
                               stdout=subprocess.PIPE, stderr=full, text=True, timeout=120)
        self.assertEqual(p.returncode, 0)
        out = json.loads(p.stdout)
        self.assertEqual((out["status"], out["ssl"], out["query"]), ("ok", True, "42"))

    def run_with_broken_pipe_stderr(self):
        """pqclient with stderr a pipe whose reader is gone: a write to it
        raises SIGPIPE, whose default action kills the process."""
        r, w = os.pipe()
        os.close(r)
        try:
            return subprocess.run([PQCLIENT, "connectdb", tcp("good")], env=self.env(),
                                  stdout=subprocess.PIPE, stderr=w, text=True, timeout=120)
        finally:
            os.close(w)

    def test_no_sigpipe_from_the_diagnostic(self):
        # The log's directory does not exist: the one diagnostic goes to a
        # stderr nobody reads, and the application lives on.
        self.policy_with_log(os.path.join(self.dir, "no-such-dir", "c.jsonl"))
        p = self.run_with_broken_pipe_stderr()
        self.assertEqual(p.returncode, 0, "killed by signal %d" % -p.returncode
                         if p.returncode < 0 else p.stdout)
        self.assertEqual(json.loads(p.stdout)["status"], "ok")

    def test_no_sigpipe_from_the_stderr_log(self):
        self.policy_with_log("stderr")
        p = self.run_with_broken_pipe_stderr()
        self.assertEqual(p.returncode, 0, "killed by signal %d" % -p.returncode
                         if p.returncode < 0 else p.stdout)
        self.assertEqual(json.loads(p.stdout)["status"], "ok")

    def test_unwritable_then_writable(self):
        # The log's directory does not exist, then the path is a directory:
        # one diagnostic each time it breaks, and records resume as soon as
        # the file can be written, in the same process.
        logdir = os.path.join(self.dir, "logs")
        log = os.path.join(logdir, "c.jsonl")
        self.policy_with_log(log)
        s = Session(self, tcp("good"))
        self.assertEqual(s.connect()["status"], "ok")      # no directory
        self.assertEqual(s.connect()["status"], "ok")
        os.mkdir(logdir)
        self.assertEqual(s.connect()["status"], "ok")      # resumes
        os.unlink(log)
        os.mkdir(log)                                      # the path is now a directory
        self.assertEqual(s.connect()["status"], "ok")
        os.rmdir(log)
        self.assertEqual(s.connect()["status"], "ok")      # resumes again
        rc, _, err = s.close()
        self.assertEqual(rc, 0)
        diags = [l for l in err.splitlines() if l.startswith(DIAG)]
        self.assertEqual(len(diags), 2, err)
        self.assertIn("No such file or directory", diags[0])
        self.assertIn("Is a directory", diags[1])
        with open(log) as f:
            recs = [json.loads(l) for l in f]
        # The second outage lost one record, accounted for before the last connection's.
        self.assertEqual([r["event"] for r in recs], ["records_lost", "connect"])
        self.assertEqual((recs[0]["lost"], recs[0]["error"]), (1, "Is a directory"))
        self.assertLessEqual(recs[0]["since"], recs[1]["ts"])

    def test_deleted_while_running(self):
        # Deleted (or rotated away) between two connections: the next record
        # goes to a new file at the configured path, created 0600.
        self.write_policy(policy_text("audit"))
        s = Session(self, tcp("good"))
        s.connect()
        self.assertEqual(len(self.records()), 1)
        os.unlink(self.log)
        s.connect()
        s.connect()
        rc, _, err = s.close()
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(len(self.records()), 2)
        self.assertEqual(os.stat(self.log).st_mode & 0o777, 0o600)

    def test_eintr_on_log_writes(self):
        # strace makes every other write() fail with EINTR (the application's
        # own included): the shim retries, so no record is lost or torn.
        self.write_policy(policy_text("enforce"))
        p = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=write",
                            "-e", "inject=write:error=EINTR:when=1+2", PQCLIENT, "lines",
                            tcp("good")], input="1\n2\n3\n4\n", env=self.env(),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)        # every query ran
        recs = self.records()
        self.assertEqual(len(recs), 4)
        self.assertTrue(all(r["verified"] for r in recs))
        self.assertNotIn(DIAG, p.stderr)


class LogFiles(ShimCase):
    def test_created_with_log_mode_whatever_the_umask(self):
        for extra, want in [("", 0o600), ("mode = 0640;", 0o640)]:
            with self.subTest(mode=oct(want)):
                if os.path.exists(self.log):
                    os.unlink(self.log)
                self.write_policy(policy_text("audit").replace(
                    "chain = true;", "chain = true; %s" % extra))
                p = subprocess.run(["sh", "-c", 'umask 0; exec "$0" connectdb "$1"',
                                    PQCLIENT, tcp("good")], env=self.env(),
                                   capture_output=True, text=True, timeout=120)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(os.stat(self.log).st_mode & 0o777, want)

    def test_symlink_is_not_followed(self):
        target = os.path.join(self.dir, "elsewhere")
        open(target, "w").close()
        os.symlink(target, self.log)
        self.write_policy(policy_text("audit"))
        out, p = self.client("connectdb", tcp("good"))
        self.assertEqual(out[0]["status"], "ok")
        self.assertIn(DIAG + self.log, p.stderr)
        self.assertEqual(os.path.getsize(target), 0)

    def test_hard_link_is_refused(self):
        # Someone who may create names in the log's directory hard-links a
        # file there: appends would land in that file.  Refused, said once.
        target = os.path.join(self.dir, "elsewhere")
        with open(target, "w") as f:
            f.write("precious\n")
        os.link(target, self.log)
        self.write_policy(policy_text("audit"))
        out, p = self.client("connectdb", tcp("good"))
        self.assertEqual((p.returncode, out[0]["status"]), (0, "ok"))
        self.assertIn(DIAG + self.log, p.stderr)
        self.assertIn("hard link", p.stderr)
        with open(target) as f:
            self.assertEqual(f.read(), "precious\n")

    def test_directory_writable_by_others(self):
        # Anyone could swap the file in a world-writable directory: refused,
        # unless the directory is sticky (like /tmp) and the file is ours.
        shared = os.path.join(self.dir, "shared")
        os.mkdir(shared)
        os.chmod(shared, 0o777)
        log = os.path.join(shared, "c.jsonl")
        self.write_policy(policy_text("audit").replace("@LOG@", log))
        out, p = self.client("connectdb", tcp("good"))
        self.assertEqual(out[0]["status"], "ok")
        self.assertIn(DIAG + log, p.stderr)
        self.assertIn("writable by others", p.stderr)
        self.assertFalse(os.path.exists(log))
        os.chmod(shared, 0o1777)
        out, p = self.client("connectdb", tcp("good"))
        self.assertEqual(p.stderr, "")
        self.assertGreater(os.path.getsize(log), 0)


class BundleFaults(ShimCase):
    def test_missing_or_garbage_bundle(self):
        garbage = os.path.join(self.dir, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
        missing = os.path.join(self.dir, "missing.pem")
        for bundle, why in [(missing, "CA bundle missing"), (garbage, "CA bundle unreadable")]:
            for mode in ("enforce", "audit"):
                with self.subTest(bundle=os.path.basename(bundle), mode=mode):
                    if os.path.exists(self.log):
                        os.unlink(self.log)
                    self.write_policy(policy_text(mode).replace(
                        os.path.join(PKI, "new-bundle.pem"), bundle))
                    out, _ = self.client("connectdb", tcp("good"))
                    rec = self.one_record()
                    if mode == "enforce":
                        # Refused, with a message that names the file.
                        self.assertRefused(out[0])
                        self.assertIn(bundle, out[0]["error"])
                        self.assertFalse(rec["verified"])
                    else:
                        # Proceeds unchanged; the record says what enforcement would hit.
                        self.assertEqual(out[0]["status"], "ok")
                        self.assertTrue(rec["audit"]["would_refuse"])
                        self.assertEqual(rec["audit"]["reason"], why)
                        self.assertIn(bundle, rec["audit"]["verify_error"])


class PolicyFaults(ShimCase):
    def test_deleted_policy_keeps_the_last_good_one(self):
        # A policy that disappears while a process runs (a ConfigMap being
        # swapped, a half-done rollout) keeps the last good one in force, with a
        # policy_error record, whatever PGTLS_SHIM_ON_ERROR says; a restored
        # file applies again.
        for on_error in [None, "allow"]:
            with self.subTest(on_error=on_error):
                self.write_policy(policy_text("enforce"))
                s = Session(self, tcp("good", sslmode="disable"),
                            env={"PGTLS_SHIM_ON_ERROR": on_error})
                self.assertTrue(s.connect()["ssl"])
                os.unlink(self.policy)
                out = s.connect()
                self.assertEqual(out["status"], "ok", out)
                self.assertTrue(out["ssl"], "enforcement still applies")
                errors = self.records("policy_error")
                self.assertEqual(len(errors), 1, errors)
                self.assertIn(self.policy, errors[0]["error"])
                self.write_policy(policy_text("audit"))
                s.connect()
                rc, _, _ = s.close()
                self.assertEqual(rc, 0)
                self.assertEqual([r["mode"] for r in self.records()],
                                 ["enforce", "enforce", "audit"])
                os.unlink(self.log)

    def test_replaced_by_broken_or_unsafe_file_keeps_last_good(self):
        # Besides a syntax error (test_core): an empty file, binary junk and a
        # file made world-writable all leave the last good policy in force.
        self.write_policy(policy_text("enforce"))
        s = Session(self, tcp("good", sslmode="disable"))
        self.assertTrue(s.connect()["ssl"])
        for content, mode in [("", 0o644), ("\x00\xff\x01garbage", 0o644),
                              (policy_text("off"), 0o666)]:
            with open(self.policy, "w") as f:
                f.write(content)
            os.chmod(self.policy, mode)
            out = s.connect()
            self.assertEqual((out["status"], out["ssl"]), ("ok", True), content)
        rc, _, _ = s.close()
        self.assertEqual(rc, 0)
        self.assertEqual([r["mode"] for r in self.records()], ["enforce"] * 4)
        self.assertEqual(len(self.records("policy_error")), 3)


class HugeAndNull(ShimCase):
    def test_10_mb_conninfo(self):
        # 10 MB of conninfo (padding and a 1 MB value): enforced and logged
        # as usual, the application's last application_name kept.
        self.write_policy(policy_text("enforce"))
        ci = tcp("good", sslmode="disable") + " " * (9 << 20) + \
            " krbsrvname='%s' application_name=big" % ("k" * (1 << 20))
        p = subprocess.run([PQCLIENT, "stdin", ""], input=ci, env=self.env(),
                           capture_output=True, text=True, timeout=120)
        out = json.loads(p.stdout)
        self.assertEqual((out["status"], out["ssl"]), ("ok", True), p.stderr)
        rec = self.one_record()
        self.assertTrue(rec["verified"])
        self.assertEqual(rec["application_name"], "big")

    def test_10000_parameters(self):
        self.write_policy(policy_text("enforce"))
        lines = ["application_name=a%d" % i for i in range(9990)]
        lines += ["%s=%s" % tuple(kv.split("=", 1)) for kv in
                  tcp("good", sslmode="disable").replace("'", "").split(" ")]
        self.assertGreaterEqual(len(lines), 9997)
        p = subprocess.run([PQCLIENT, "stdinparams", ""], input="\n".join(lines),
                           env=self.env(), capture_output=True, text=True, timeout=120)
        out = json.loads(p.stdout)
        self.assertEqual((out["status"], out["ssl"]), ("ok", True), p.stderr)
        rec = self.one_record()
        self.assertTrue(rec["verified"])
        self.assertEqual(rec["application_name"], "a9989")   # the last one wins, as in libpq

    def test_null_arguments_behave_as_libpq_does(self):
        # libpq 15 itself crashes on a NULL conninfo or NULL arrays: the shim
        # must neither crash earlier nor hide it; everything else is unchanged.
        env = {"PGHOST": os.path.join(self.dir, "no-socket-here"),
               # Under AddressSanitizer, libpq's crash stays a plain SIGSEGV.
               "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":handle_segv=0"}
        for mode in ["connectdb", "start", "params", "startparams", "values", "setdb",
                     "ping", "pingparams", "finish"]:
            with self.subTest(mode=mode):
                bare = self.run_cmd([PQCLIENT, "null-" + mode, ""], env=env, preload=False)
                for policy in ("audit", "enforce"):
                    self.write_policy(policy_text(policy))
                    shim = self.run_cmd([PQCLIENT, "null-" + mode, ""], env=env)
                    self.assertEqual((shim.returncode, shim.stdout),
                                     (bare.returncode, bare.stdout), policy)


if __name__ == "__main__":
    unittest.main()


class ConfigMap(ShimCase):
    """A Kubernetes ConfigMap mount: policy.conf -> ..data/policy.conf, and the
    kubelet swaps ..data atomically to a new timestamped directory, then
    deletes the old one.  The swap is a reload, never a refusal of everything."""

    def mount(self, name, text):
        d = os.path.join(self.dir, "cm", name)
        os.makedirs(d)
        with open(os.path.join(d, "policy.conf"), "w") as f:
            f.write(text.replace("@LOG@", self.log))
        os.chmod(os.path.join(d, "policy.conf"), 0o644)
        return d

    def swap(self, name):
        cm = os.path.join(self.dir, "cm")
        tmp = os.path.join(cm, "..data_tmp")
        os.symlink(name, tmp)
        os.rename(tmp, os.path.join(cm, "..data"))

    def test_swap_is_a_reload(self):
        old = self.mount("..2026_01_01", policy_text("audit"))
        cm = os.path.join(self.dir, "cm")
        os.symlink("..2026_01_01", os.path.join(cm, "..data"))
        link = os.path.join(cm, "policy.conf")
        os.symlink("..data/policy.conf", link)
        # exec passes the path on as given, links and all.
        p = subprocess.run([CLI, "exec", "--policy", link, "--", "/bin/sh", "-c",
                            'printf %s "$PGTLS_SHIM_POLICY"'], capture_output=True, text=True,
                           timeout=60, env=self.env(preload=False))
        self.assertEqual((p.returncode, p.stdout), (0, link), p.stderr)
        s = Session(self, tcp("good", sslmode="disable"), env={"PGTLS_SHIM_POLICY": link})
        self.assertFalse(s.connect()["ssl"])
        self.mount("..2026_01_02", policy_text("enforce"))
        self.swap("..2026_01_02")
        shutil.rmtree(old)
        out = s.connect()
        self.assertEqual(out["status"], "ok", out)
        self.assertTrue(out["ssl"], "the new policy's enforcement applies")
        rc, _, _ = s.close()
        self.assertEqual(rc, 0)
        self.assertEqual([r["mode"] for r in self.records()], ["audit", "enforce"])
        self.assertEqual(self.records("policy_error"), [])
