"""errno: the README promises the hooks preserve it.  pqerrno sets errno to
a sentinel before each hooked call and prints it after; the test runs it
without the shim (twice: calls whose errno varies between those two runs
are not compared) and under the shim (audit and enforce), and wants the
same errno after each call.  The conninfo is the one the shim would make
libpq use, so that libpq does the same work with and without it."""
import os
import subprocess

from shimtest import BIN, PKI, ShimCase, policy_text, server, tcp

PQERRNO = os.path.join(BIN, "pqerrno")
STEPS = ["connectdb", "params", "setdb", "start", "startparams", "reset", "resetstart",
         "ping", "pingparams"]
# What the enforce policy (policy_text) would inject: with these already in
# the conninfo, enforce injects nothing and libpq does what it does without
# the shim.
VERIFIED = {"sslmode": "verify-full", "sslrootcert": PKI + "/new-bundle.pem",
            "gssencmode": "disable"}
# Calls whose errno matters most: they do no I/O of their own in libpq, or
# are where the shim does its work (decide, record) around a refusal.
IMPORTANT = {"PQerrorMessage", "PQfinish", "PQping", "PQpingParams"}


class Errno(ShimCase):
    def run_pqerrno(self, conninfo, steps, preload):
        p = self.run_cmd([PQERRNO, conninfo] + steps, preload=preload)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = [l.split(" ", 2) for l in p.stdout.splitlines()]
        self.assertTrue(lines and all(len(l) == 3 for l in lines), p.stdout + p.stderr)
        # Keyed by position and call: the sequence must be the same.
        return [("%d:%s" % (i, l[0]), l[1], l[2]) for i, l in enumerate(lines)]

    def compare(self, mode, conninfo, app_conninfo=None):
        """Runs all steps in one process, then each step first in a fresh
        process; compares errno with and without the shim."""
        self.write_policy(policy_text(mode))
        for steps in [[]] + [[s] for s in STEPS]:
            with self.subTest(mode=mode, steps=steps or "all"):
                base1 = self.run_pqerrno(conninfo, steps, preload=False)
                base2 = self.run_pqerrno(conninfo, steps, preload=False)
                shim = self.run_pqerrno(app_conninfo or conninfo, steps, preload=True)
                self.assertEqual([b[0] for b in base1], [b[0] for b in base2])
                self.assertEqual([s[0] for s in shim], [b[0] for b in base1],
                                 "the shim changed the sequence of calls")
                stable = [a[1] == b[1] for a, b in zip(base1, base2)]
                for (call, e1, d1), ok, (_, e, d) in zip(base1, stable, shim):
                    name = call.split(":", 1)[1]
                    if steps and call.startswith("0:"):
                        # the first hooked call of a fresh process
                        self.assertTrue(ok, "first call's errno unstable without the shim")
                    if name in IMPORTANT:
                        self.assertTrue(ok, "%s: errno unstable without the shim: %s, %s"
                                        % (call, e1, base2[int(call.split(":")[0])][1]))
                    if ok:
                        self.assertEqual(e, e1, "%s: errno %s under the shim, %s without "
                                         "(shim: %s; without: %s)" % (call, e, e1, d, d1))
                if app_conninfo:       # refused: the app sees the shim's message
                    msgs = [d for c, _, d in shim if c.endswith(":PQerrorMessage")]
                    self.assertTrue(all(m.startswith("pgtls-shim:") for m in msgs), msgs)
                    self.assertEqual(bool(msgs), not steps or "ping" not in steps[0])
        self.assertTrue(self.records(), "the shim logged nothing: was it loaded?")

    def test_audit_verified_server(self):
        self.compare("audit", tcp("good", **VERIFIED))

    def test_enforce_verified_server(self):
        self.compare("enforce", tcp("good", **VERIFIED))

    def test_enforce_refuses_plaintext_server(self):
        """The app asks for sslmode=disable; enforce makes libpq require
        verified TLS, which the plaintext server cannot give: every connect
        fails with the shim's refusal.  Without the shim, the same libpq work
        is the app's conninfo with what enforce injects."""
        app = tcp("plain", sslmode="disable", gssencmode="disable")
        self.compare("enforce", tcp("plain", **VERIFIED), app_conninfo=app)
        recs = self.records()
        self.assertTrue(all(r["outcome"] in ("refused", "failed") for r in recs), recs)

    def test_enforce_refuses_before_connecting(self):
        """unix_socket = "refuse": the shim refuses before libpq connects (a
        dry-run conn, PQping's early PQPING_NO_ATTEMPT).  No I/O happens, so
        there is no libpq errno to compare with: every call must leave the
        application's errno as it was."""
        self.write_policy(policy_text("enforce", rules=(
            '{ name = "test"; match = { host = [ "/*" ]; }; mode = "enforce"; '
            'unix_socket = "refuse"; }')))
        good = server("good")
        ci = "host=%s port=%d dbname=postgres user=postgres" % (good["socket_dir"], good["port"])
        for steps in [[]] + [[s] for s in STEPS]:
            with self.subTest(steps=steps or "all"):
                shim = self.run_pqerrno(ci, steps, preload=True)
                for call, e, d in shim:
                    if call.endswith("/mid"):
                        self.assertEqual(e, "none", (call, d))
                    else:
                        self.assertEqual(e, "4242", "%s changed errno (%s)" % (call, d))
                    if call.endswith(":PQerrorMessage"):
                        self.assertTrue(d.startswith("pgtls-shim:"), d)
                    if call.endswith(":PQping") or call.endswith(":PQpingParams"):
                        self.assertEqual(d, "ping=3", call)        # PQPING_NO_ATTEMPT
        recs = self.records()
        self.assertTrue(recs and all(r["outcome"] == "refused" for r in recs), recs)
