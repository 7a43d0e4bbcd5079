"""A decision per connection attempt: a long-lived client that resets its
connection (PQreset, PQresetStart) while the policy changes under it is
decided, recorded and refused under the policy in force at each attempt,
never under the one it first connected with."""
import json
import os
import subprocess
import unittest

from shimtest import BIN, ShimCase, policy_text, server, tcp


class Reset(ShimCase):
    def start(self, conninfo):
        """The client, connected once; returns the process and its first report."""
        p = subprocess.Popen([os.path.join(BIN, "pqreset"), conninfo], env=self.env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop, p)
        return p, self.next(p)

    @staticmethod
    def stop(p):
        p.kill()
        p.communicate(timeout=30)

    def next(self, p):
        line = p.stdout.readline()
        self.assertTrue(line, "client ended: %s" % p.stderr.read() if p.poll() else "")
        return json.loads(line)

    def reset(self, p, how):
        p.stdin.write(how + "\n")
        p.stdin.flush()
        return self.next(p)

    def test_switch_to_enforce_refuses_a_stale_reset(self):
        for how in ["reset", "resetstart"]:
            with self.subTest(how=how):
                self.write_policy(policy_text(mode="audit"))
                p, first = self.start(tcp("good", sslmode="prefer"))
                self.assertEqual(first["status"], "ok")
                self.write_policy(policy_text(mode="enforce"))
                out = self.reset(p, how)
                self.assertRefused(out, reason="settings predate the policy in force")
                recs = self.records()
                self.assertEqual([r["mode"] for r in recs], ["audit", "enforce"])
                self.assertEqual(recs[1]["outcome"], "refused")
                self.assertFalse(recs[1]["verified"])
                p.communicate(timeout=30)
                os.unlink(self.log)

    def test_switch_from_off_records_the_reset(self):
        self.write_policy(policy_text(mode="off"))
        p, first = self.start(tcp("good", sslmode="prefer"))
        self.assertEqual(first["status"], "ok")
        self.assertEqual(self.records(), [])
        self.write_policy(policy_text(mode="audit"))
        out = self.reset(p, "reset")
        self.assertEqual(out["status"], "ok")
        recs = self.records()
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["mode"], "audit")
        self.assertTrue(recs[0]["audit"]["would_refuse"] is False, recs[0])

    def test_verified_connection_resets_under_enforce(self):
        self.write_policy(policy_text(mode="audit"))
        p, first = self.start(tcp("good", sslmode="verify-full",
                                  sslrootcert=os.path.join(self.pki(), "new-bundle.pem")))
        self.assertEqual(first["status"], "ok")
        self.write_policy(policy_text(mode="enforce"))
        for how in ["reset", "resetstart"]:
            out = self.reset(p, how)
            self.assertEqual(out["status"], "ok", out)
        recs = self.records()
        self.assertEqual([r["mode"] for r in recs], ["audit", "enforce", "enforce"])
        self.assertTrue(all(r["verification"] == "full" for r in recs), recs)

    def test_refused_connection_never_resets(self):
        # Refused before connecting: what the app holds is the shim's dry run,
        # which must never reach a server, whatever the policy says later.
        self.write_policy(policy_text(mode="enforce", rules='{ name = "test"; match = '
                                      '{ host = [ "/*" ]; }; mode = "enforce"; '
                                      'unix_socket = "refuse"; }'))
        sock = "host=%s port=%d dbname=postgres user=postgres" % (
            server("good")["socket_dir"], server("good")["port"])
        p, first = self.start(sock)
        self.assertRefused(first, reason="Unix-socket connection")
        self.write_policy(policy_text(mode="off", rules='{ name = "test"; match = '
                                      '{ host = [ "/*" ]; }; mode = "off"; }'))
        for how in ["reset", "resetstart"]:
            out = self.reset(p, how)
            self.assertRefused(out, reason="Unix-socket connection")
        self.assertEqual(len(self.records()), 1)

    def pki(self):
        from shimtest import PKI
        return PKI


if __name__ == "__main__":
    unittest.main()
