"""Audit predicts enforcement: for each refusal reason, the audit record says
what enforce then does to the same connection (one table, case by case), and a
CA rotation rehearsal is predicted and then confirmed."""
import json
import os
import re
import shutil
import subprocess

from shimtest import PKI, ShimCase, fingerprint, gss_env, policy_text, server, tcp


def sock(name):
    return "host=%s port=%d dbname=postgres user=postgres" % (
        server(name)["socket_dir"], server(name)["port"])


GSS = tcp("gss", user="gssuser")
PROBE = 'audit = { probe = true; };'

# name, conninfo, policy defaults, rules override, expected audit reason, extra
CASES = [
    ("verified", tcp("good"), "", None, None),
    ("wrong host", tcp("wronghost"), "", None, "wrong host"),
    ("expired", tcp("expired"), "", None, "server certificate expired"),
    ("unknown CA", tcp("old"), "", None, "unknown CA"),
    ("no TLS", tcp("plain"), "", None, "server does not support TLS"),
    ("old protocol", tcp("tls12"), 'min_protocol = "TLSv1.3";', None,
     "TLS protocol below min_protocol"),
    ("unix socket", sock("good"), "", '{ name = "test"; match = { host = [ "/*" ]; }; '
     'mode = "%s"; unix_socket = "refuse"; }', "Unix-socket connection (no TLS)"),
    ("missing CA bundle", tcp("good"), "", '{ name = "test"; match = { host = [ "db.test" ]; }; '
     'mode = "%s"; sslrootcert = "/nonexistent/bundle.pem"; }', "CA bundle missing"),
    ("revoked", tcp("revoked"), 'sslcrl = "%s/new-crls.pem";' % PKI, None,
     "server certificate revoked"),
    ("not revoked", tcp("good"), 'sslcrl = "%s/new-crls.pem";' % PKI, None, None),
    # GSS: enforce injects gssencmode=disable, so the question is whether TLS
    # would verify; the probe answers it.
    ("GSS, TLS would verify", GSS, "", None, None, PROBE),
    ("GSS, TLS would not verify", tcp("gss", user="gssuser", host="other.test"), "",
     '{ name = "test"; match = { host = [ "other.test" ]; }; mode = "%s"; }', "wrong host", PROBE),
]


REFUSAL = re.compile(r'pgtls-shim: refused by (?:rule "[^"]*"|the policy\'s top-level mode) '
                     r'\(enforce\): (.*)$', re.S)


def reason_in(error):
    """The reason in a refusal message: after the prefix, up to ": detail"."""
    m = REFUSAL.match(error or "")
    return m.group(1).split(": ", 1)[0].strip() if m else None


def refusal_reason(rec):
    """The reason of an enforce record: its own `reason` field if it has
    one, else the one in its error text."""
    return rec.get("reason") or reason_in(rec["error"])


class PredictionEqualsOutcome(ShimCase):
    """Each case runs in audit, then in enforce, against the same server:
    audit's would_refuse must be enforce's outcome, and audit's reason the
    reason of enforce's refusal."""

    def run_mode(self, mode, ci, defaults, rules, extra=""):
        os.path.exists(self.log) and os.unlink(self.log)
        self.write_policy(policy_text(mode, defaults=defaults, extra=extra,
                                      rules=rules % mode if rules else None))
        outs, _ = self.client("connectdb", ci, gss_env())
        return outs[0], self.one_record()

    def each_case(self):
        """Runs every case in audit then in enforce; returns a list of (name,
        expected reason, audit client output, audit record, enforce client
        output, enforce record)."""
        results = []
        for name, ci, defaults, rules, reason, *extra in CASES:
            extra = extra[0] if extra else ""
            audit_out, audit_rec = self.run_mode("audit", ci, defaults, rules, extra)
            out, rec = self.run_mode("enforce", ci, defaults, rules, extra)
            results.append((name, reason, audit_out, audit_rec, out, rec))
        return results

    def test_each_reason_predicted_then_enforced(self):
        for name, reason, audit_out, audit_rec, out, rec in self.each_case():
            with self.subTest(case=name):
                self.assertEqual(audit_out["status"], "ok", audit_out)   # audit changes nothing
                audit = audit_rec["audit"]
                self.assertEqual(audit["would_refuse"], reason is not None, audit)
                self.assertEqual(audit["reason"], reason)
                if name in ("verified", "wrong host"):
                    self.assertTrue(audit["would_verify"])
                    self.assertEqual(audit["hostname_match"], name == "verified")
                    self.assertIsNone(audit["verify_error"])
                if name in ("expired", "unknown CA"):
                    self.assertFalse(audit["would_verify"])
                    self.assertTrue(audit["verify_error"])

                # Outcome agreement: would_refuse exactly when enforce refused or failed.
                self.assertEqual(audit["would_refuse"], rec["outcome"] in ("refused", "failed"),
                                 (audit, rec["outcome"], rec["error"]))
                if reason is None:
                    self.assertEqual(out["status"], "ok", out)
                    self.assertEqual(rec["outcome"], "ok", rec)
                    self.assertTrue(rec["verified"])
                else:
                    self.assertEqual(out["status"], "bad", out)
                    self.assertTrue(out["error"].startswith('pgtls-shim: refused by rule "test" (enforce): '),
                                    out["error"])
                    self.assertIn(rec["outcome"], ("refused", "failed"))
                    self.assertFalse(rec["verified"])

    def test_predicted_reason_is_enforces_reason(self):
        """The README: "each predicted refusal is what enforce then does";
        reasons.h: one vocabulary, "the same words in enforce's refusal,
        audit's prediction and report"."""
        for name, reason, audit_out, audit_rec, out, rec in self.each_case():
            with self.subTest(case=name):
                if reason is None:
                    self.assertIsNone(audit_rec["audit"]["reason"])
                    self.assertEqual(rec["outcome"], "ok", rec)
                    continue
                self.assertEqual(refusal_reason(rec), audit_rec["audit"]["reason"],
                                 "enforce's error: %s" % rec["error"])
                self.assertEqual(reason_in(out["error"]), refusal_reason(rec),
                                 out["error"])                # the app sees the same

    def test_expired_verify_error_is_openssls(self):
        self.write_policy(policy_text("audit"))
        self.client("connectdb", tcp("expired"))
        self.assertEqual(self.one_record()["audit"]["verify_error"], "certificate has expired")


class Gss(ShimCase):
    """A client with a Kerberos ticket: libpq prefers GSS encryption to TLS."""

    def test_audit_flags_a_gss_session(self):
        self.write_policy(policy_text("audit"))
        outs, _ = self.client("connectdb", GSS, gss_env())
        self.assertEqual(outs[0]["status"], "ok")
        self.assertFalse(outs[0]["ssl"])
        rec = self.one_record()
        self.assertTrue(rec["gssenc"])
        self.assertIsNone(rec["tls"])
        self.assertTrue(rec["audit"]["would_refuse"])
        self.assertEqual(rec["audit"]["reason"], "GSS-encrypted session (no TLS)")
        self.assertEqual(rec["audit"]["would_inject"]["gssencmode"], "disable")

    def test_enforce_turns_gss_into_verified_tls(self):
        self.write_policy(policy_text("enforce"))
        outs, _ = self.client("start", GSS, gss_env())
        self.assertEqual(outs[0]["status"], "ok")
        self.assertTrue(outs[0]["ssl"])
        rec = self.one_record()
        self.assertFalse(rec["gssenc"])
        self.assertTrue(rec["verified"])
        self.assertEqual(rec["injected"]["gssencmode"], "disable")

    def test_enforce_allows_gss_when_policy_does(self):
        self.write_policy(policy_text("enforce", defaults='gssenc = "allow";'))
        outs, _ = self.client("connectdb", GSS, gss_env())
        self.assertEqual(outs[0]["status"], "ok")
        rec = self.one_record()
        self.assertTrue(rec["gssenc"])
        self.assertFalse(rec["verified"])
        self.assertNotIn("gssencmode", rec["injected"])

    def test_app_requiring_gss_gets_verified_tls_in_enforce(self):
        """gssenc = "refuse" overrides even gssencmode=require: the session is TLS."""
        self.write_policy(policy_text("enforce"))
        outs, _ = self.client("connectdb", tcp("gss", user="gssuser", gssencmode="require"),
                              gss_env())
        self.assertEqual(outs[0]["status"], "ok")
        self.assertTrue(outs[0]["ssl"])
        rec = self.one_record()
        self.assertFalse(rec["gssenc"])
        self.assertTrue(rec["verified"])


class RotationRehearsal(ShimCase):
    """Clients trust only the old root; the server moves to the new chain."""

    def test_audit_predicts_and_enforce_confirms(self):
        rules = ('{ name = "test"; match = { host = [ "db.test" ]; }; mode = "%s"; '
                 'sslrootcert = "' + PKI + '/old-bundle.pem"; }')
        results = {}
        for mode in ("audit", "enforce"):
            for srv in ("old", "good"):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text(mode, rules=rules % mode))
                outs, _ = self.client("start", tcp(srv))
                results[mode, srv] = (outs[0], self.one_record())
        # Before the move: the old chain verifies, in audit and in enforce.
        self.assertTrue(results["audit", "old"][1]["audit"]["would_verify"])
        self.assertFalse(results["audit", "old"][1]["audit"]["would_refuse"])
        self.assertEqual(results["enforce", "old"][0]["status"], "ok")
        # After: audit predicts the failure while the app keeps working...
        audit = results["audit", "good"][1]["audit"]
        self.assertEqual(results["audit", "good"][0]["status"], "ok")
        self.assertFalse(audit["would_verify"])
        self.assertEqual(audit["reason"], "unknown CA")
        # ...and enforce confirms it.
        self.assertEqual(results["enforce", "good"][0]["status"], "bad")
        self.assertEqual(results["enforce", "good"][1]["outcome"], "failed")


class Probe(ShimCase):
    """audit.probe: the shim's own handshake for clients that use no TLS."""

    def probe_policy(self, extra=""):
        return policy_text("audit", extra="audit = { probe = true; %s };" % extra)

    def test_probe_predicts_for_plaintext_clients(self):
        cases = [("good", False, None), ("wronghost", True, "wrong host"),
                 ("expired", True, "server certificate expired"),
                 ("plain", True, "server does not support TLS")]
        self.write_policy(self.probe_policy())
        for srv, would, reason in cases:
            with self.subTest(server=srv):
                os.path.exists(self.log) and os.unlink(self.log)
                outs, _ = self.client("connectdb", tcp(srv, sslmode="disable"))
                self.assertEqual(outs[0]["status"], "ok")
                self.assertFalse(outs[0]["ssl"])              # the app's own connection
                rec = self.one_record()
                self.assertIsNone(rec["tls"])
                self.assertEqual(rec["audit"]["would_refuse"], would, rec["audit"])
                self.assertEqual(rec["audit"]["reason"], reason)
                self.assertEqual(rec["probe"]["tls"], srv != "plain")
                if srv != "plain":
                    self.assertEqual(len(rec["chain"]), 2)
                    self.assertIn(rec["probe"]["protocol"], ("TLSv1.2", "TLSv1.3"))

    def test_without_probe_plaintext_is_only_flagged(self):
        self.write_policy(policy_text("audit"))
        self.client("connectdb", tcp("good", sslmode="disable"))
        rec = self.one_record()
        self.assertNotIn("probe", rec)
        self.assertIsNone(rec["chain"])
        self.assertEqual(rec["audit"]["reason"], "server did not use TLS")

    def test_probe_is_bounded_by_its_timeout(self):
        """A proxy passes the app's connection to the plain server and leaves
        the next one (the probe) unanswered: the probe gives up, the app is fine."""
        import socket
        import threading
        import time
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        held = []

        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        def serve():
            first = True
            while True:
                try:
                    c, _ = listener.accept()
                except OSError:
                    return
                if first:
                    up = socket.create_connection(("127.0.0.1", server("plain")["port"]))
                    threading.Thread(target=pump, args=(c, up), daemon=True).start()
                    threading.Thread(target=pump, args=(up, c), daemon=True).start()
                    first = False
                else:
                    held.append(c)        # the probe: never answered

        threading.Thread(target=serve, daemon=True).start()
        try:
            self.write_policy(self.probe_policy("probe_timeout_ms = 300;"))
            start = time.monotonic()
            outs, _ = self.client("connectdb", tcp("plain", sslmode="disable", port=str(port)))
            elapsed = time.monotonic() - start
            self.assertEqual(outs[0]["status"], "ok")
            self.assertLess(elapsed, 10)   # bounded: without the timeout it would hang
            rec = self.one_record()
            self.assertFalse(rec["probe"]["tls"])
            self.assertIn("timed out", rec["probe"]["error"])
            self.assertEqual(len(held), 1)
        finally:
            listener.close()
            for c in held:
                c.close()


class BundleCache(ShimCase):
    def test_bundle_is_read_once_per_process(self):
        """Three audited connections in one process open the CA bundle once
        (the audit's check; libpq itself is not asked to read it in audit)."""
        bundle = os.path.join(self.dir, "bundle.pem")
        with open(os.path.join(PKI, "new-bundle.pem")) as src, open(bundle, "w") as dst:
            dst.write(src.read())
        self.write_policy(policy_text("audit").replace(PKI + "/new-bundle.pem", bundle))
        trace = os.path.join(self.dir, "trace")
        p = subprocess.run(["strace", "-f", "-e", "trace=openat", "-o", trace,
                            os.path.join(os.environ["PGTLS_TEST_BIN"], "pqclient"), "lines",
                            tcp("good")], input="1\n2\n3\n", capture_output=True, text=True,
                           env=self.env(), timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = self.records()
        self.assertEqual(len(recs), 3)
        self.assertTrue(all(r["audit"]["would_verify"] for r in recs))
        with open(trace) as f:
            opens = [l for l in f if bundle in l]
        self.assertEqual(len(opens), 1, opens)


class CachedResults(ShimCase):
    """The chain descriptions and audit predictions the shim keeps between
    connections of one process never stand in for a different input."""

    def each(self, conninfos_and_actions):
        """Runs pqclient `each`: one connection per conninfo, in one process;
        an action (a callable) runs after the connection before it has been
        reported.  Returns the client's outputs."""
        p = subprocess.Popen([os.path.join(os.environ["PGTLS_TEST_BIN"], "pqclient"), "each",
                              ""], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=self.env())
        outs = []
        try:
            for ci, action in conninfos_and_actions:
                p.stdin.write(ci + "\n")
                p.stdin.flush()
                outs.append(json.loads(p.stdout.readline()))
                if action:
                    action()
            p.stdin.close()
            self.assertEqual(p.wait(timeout=60), 0 if all(o["status"] == "ok" for o in outs)
                             else 1, p.stderr.read())
        finally:
            p.kill()
            p.wait()
            for f in (p.stdout, p.stderr):
                f.close()
        return outs

    def test_prediction_follows_a_replaced_bundle(self):
        bundle = os.path.join(self.dir, "bundle.pem")

        def install(name):
            tmp = bundle + ".tmp"
            shutil.copyfile(os.path.join(PKI, name), tmp)
            os.replace(tmp, bundle)
        install("new-bundle.pem")
        self.write_policy(policy_text("audit").replace(PKI + "/new-bundle.pem", bundle))
        outs = self.each([(tcp("good"), None), (tcp("good"), lambda: install("old-bundle.pem")),
                          (tcp("good"), None)])
        self.assertEqual([o["status"] for o in outs], ["ok"] * 3)
        recs = self.records()
        self.assertEqual([r["audit"]["would_verify"] for r in recs], [True, True, False])
        self.assertEqual(recs[2]["audit"]["reason"], "unknown CA")

    def test_each_server_gets_its_own_chain_and_prediction(self):
        self.write_policy(policy_text("audit"))
        self.each([(tcp("good"), None), (tcp("wronghost"), None), (tcp("good"), None),
                   (tcp("wronghost"), None)])
        recs = self.records()
        good, wrong = fingerprint(PKI + "/server-good.crt"), fingerprint(
            PKI + "/server-wronghost.crt")
        self.assertEqual([r["chain"][0]["sha256"] for r in recs], [good, wrong, good, wrong])
        self.assertEqual([r["chain"][0]["subject"] for r in recs],
                         [recs[0]["chain"][0]["subject"], recs[1]["chain"][0]["subject"]] * 2)
        self.assertNotEqual(recs[0]["chain"][0]["subject"], recs[1]["chain"][0]["subject"])
        self.assertEqual([r["audit"]["reason"] for r in recs],
                         [None, "wrong host", None, "wrong host"])
