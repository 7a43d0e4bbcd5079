"""Audit predicts enforcement, reason included: one table of cases, each run
with the same connection under the same policy in audit and then in enforce
(connectdb and start), against its own server and certificate.  The audit
record's prediction (would_refuse, audit.reason, the top-level reason) must be
what enforce then does (outcome, the refusal's reason, the top-level reason).
Also: GSS sessions, the audit probe, and the caches behind predictions.  The
CA rotation rehearsal is tests/integration/test_rotation.py."""
import json
import os
import shutil
import subprocess

from shimtest import BIN, PKI, ShimCase, fingerprint, gss_env, policy_text, server, tcp

PREFIX = 'pgtls-shim: refused by rule "test" (enforce): '
GSS = tcp("gss", user="gssuser")
PROBE = "audit = { probe = true; };"
ANY = object()   # in a case's `audit`: any value but None or ""


def sock(name):
    return "host=%s port=%d dbname=postgres user=postgres" % (
        server(name)["socket_dir"], server(name)["port"])


def rule(mode, settings="", match='host = [ "db.test" ];'):
    """The one rule "test" in MODE, with the policy floor verify-full unless
    SETTINGS says otherwise."""
    if "sslmode" not in settings:
        settings = 'sslmode = "verify-full"; ' + settings
    return '{ name = "test"; match = { %s }; mode = "%s"; %s }' % (match, mode, settings)


def case(name, conninfo, reason, settings="", match='host = [ "db.test" ];',
         verification="full", app_fails=False, extra="", defaults="", ticket=False,
         audit=None):
    """One connection: CONNINFO under the rule "test" (SETTINGS, MATCH) and the
    policy's DEFAULTS and EXTRA; REASON: what enforce refuses it for (None:
    it connects, verified as VERIFICATION); APP_FAILS: the app's own attempt
    fails in audit; TICKET: the client holds a Kerberos ticket (libpq then
    tries GSS encryption first); AUDIT: fields of the audit object expected."""
    return {"name": name, "conninfo": conninfo, "reason": reason, "settings": settings,
            "match": match, "verification": verification, "app_fails": app_fails,
            "extra": extra, "defaults": defaults, "ticket": ticket, "audit": audit or {}}


def with_ticket(c):
    """C again, from a client holding a Kerberos ticket."""
    return dict(c, name=c["name"] + ", client holding a Kerberos ticket", ticket=True)


CRL_DIR = PKI + "/crl-dir"
CRL_BUNDLE = 'sslrootcert = "%s/crl-bundle.pem";' % PKI
IP_HOST = 'host = [ "127.0.0.1" ];'
# What audit says of the chain for the cases that have always had a server
# of their own.
VERIFIES = {"would_verify": True, "hostname_match": True, "verify_error": None}

CASES = [
    # 1. extendedKeyUsage clientAuth only.
    case("EKU clientAuth only", tcp("clientauth"), "server certificate not for a TLS server"),
    # 2. Leaf signed with SHA-1: below OpenSSL's security level.
    case("SHA-1 signed leaf", tcp("sha1"), "server certificate too weak"),
    # ...and a leaf with an RSA key of 1024 bits (another OpenSSL error).
    case("RSA 1024 leaf", tcp("rsa1024"), "server certificate too weak"),
    # 3. verify-full with hostaddr and no host: libpq has no name to check.
    case("hostaddr without host", tcp("good", host=None), "no host name to verify",
         match='hostaddr = [ "127.0.0.1" ];'),
    # 4. The app's own sslcrldir, kept under override = "upgrade", revokes the leaf...
    case("app's CRL directory revokes", tcp("crlrevoked", sslcrldir=CRL_DIR),
         "server certificate revoked", settings='override = "upgrade"; ' + CRL_BUNDLE),
    # ...and without it the same server is fine (the directory is what refuses).
    case("no CRL directory, not revoked", tcp("crlrevoked"), None,
         settings='override = "upgrade"; ' + CRL_BUNDLE),
    # The policy's own CRL file (sslcrl in defaults) revokes, or does not.
    case("policy CRL revokes", tcp("revoked"), "server certificate revoked",
         defaults='sslcrl = "%s/new-crls.pem";' % PKI, ticket=True),
    case("policy CRL, not revoked", tcp("good"), None,
         defaults='sslcrl = "%s/new-crls.pem";' % PKI, ticket=True),
    # 5. Floor require with a root file: libpq verifies the chain.
    case("require, bundle without the root", tcp("good"), "unknown CA",
         settings='sslmode = "require"; sslrootcert = "%s/old-bundle.pem";' % PKI),
    case("require, bundle with the root", tcp("good"), None, verification="chain",
         settings='sslmode = "require"; sslrootcert = "%s/new-bundle.pem";' % PKI),
    # 6. The app already fails its own verification (its root file is wrong).
    case("app's own wrong root file", tcp("good", sslmode="require",
                                         sslrootcert=PKI + "/old-bundle.pem"),
         "unknown CA", settings='override = "upgrade";', app_fails=True),
    # 7. An IP host named by a dNSName SAN; an IP host named by the CN alone.
    case("IP in a dNSName SAN", tcp("ipdns", host="127.0.0.1"), None, match=IP_HOST),
    case("IP as CN, no SAN", tcp("ipcn", host="127.0.0.1"), None, match=IP_HOST),
    # 8. The matching name is the 38th of 40 SANs.
    case("38th of 40 SANs", tcp("manysans"), None),
    # 9. libpq ignores a CRL file that does not exist.
    case("missing sslcrl file", tcp("good"), None, settings='sslcrl = "/nonexistent/file.crl";'),
    # The policy's own CA file: missing, or no certificate in it (audit has
    # always predicted these two; enforce must give the same reason).
    case("policy CA bundle missing", tcp("good"), "CA bundle missing",
         settings='sslrootcert = "/nonexistent/bundle.pem";'),
    case("policy CA bundle unreadable", tcp("good"), "CA bundle unreadable",
         settings='sslrootcert = "%s/not-a-bundle.pem";' % PKI),
    # A protocol below the policy's min_protocol (the server stops at TLS 1.2).
    case("old protocol", tcp("tls12"), "TLS protocol below min_protocol",
         defaults='min_protocol = "TLSv1.3";', ticket=True),
    # A Unix socket under a rule that refuses them.
    case("unix socket", sock("good"), "Unix-socket connection (no TLS)",
         settings='unix_socket = "refuse";', match='host = [ "/*" ];', ticket=True),
    # 10. The cases the suite always had.
    # A client certificate libpq cannot use (here: no key beside it) ends its
    # TLS before the server has a say: plaintext under prefer, a failure
    # once upgraded; not "server does not support TLS".
    case("client certificate without its key",
         tcp("good", sslcert=PKI + "/new-root.crt", sslkey="/nonexistent/client.key"),
         "client certificate unusable"),
    case("good", tcp("good"), None, audit=VERIFIES),
    case("wrong host", tcp("wronghost"), "wrong host",
         audit=dict(VERIFIES, hostname_match=False)),
    case("expired", tcp("expired"), "server certificate expired",
         audit={"would_verify": False, "verify_error": "certificate has expired"}),
    case("old root", tcp("old"), "unknown CA",
         audit={"would_verify": False, "verify_error": ANY}),
    case("plaintext server", tcp("plain"), "server does not support TLS"),
    case("plaintext server, audit probe on", tcp("plain"), "server does not support TLS",
         extra=PROBE),
    # GSS: enforce injects gssencmode=disable, so the question is whether TLS
    # would verify; the probe answers it.
    case("GSS, TLS would verify", GSS, None, extra=PROBE, ticket=True),
    case("GSS, TLS would not verify", tcp("gss", user="gssuser", host="other.test"),
         "wrong host", match='host = [ "other.test" ];', extra=PROBE, ticket=True),
]
# With a ticket, libpq's GSS attempt fails first on every server but "gss":
# the same cases again, as a client with a ticket runs them.
CASES += [with_ticket(c) for c in CASES if c["name"] in (
    "good", "wrong host", "expired", "old root", "plaintext server",
    "policy CA bundle missing")]


class PredictionEqualsEnforcement(ShimCase):
    def run_mode(self, c, mode, entry="connectdb"):
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.write_policy(policy_text(mode, rules=rule(mode, c["settings"], c["match"]),
                                      defaults=c["defaults"], extra=c["extra"]))
        outs, _ = self.client(entry, c["conninfo"], gss_env() if c["ticket"] else None)
        return outs[0], self.one_record()

    def assert_new_fields(self, rec, mode, reason):
        """The top-level reason and verification every connect record carries."""
        self.assertEqual(rec["mode"], mode, rec)
        self.assertEqual(rec["rule"], "test", rec)
        self.assertTrue("reason" in rec, "no top-level reason in the %s record" % mode)
        self.assertTrue("verification" in rec, "no verification in the %s record" % mode)
        self.assertEqual(rec["reason"], reason, rec)
        self.assertIn(rec.get("verification"), ("none", "chain", "full"), rec)
        # verified is true exactly when libpq checked the chain.
        self.assertEqual(rec["verified"], rec["verification"] in ("chain", "full"), rec)

    def assert_audit(self, c, out, rec):
        """The app's connection is left alone; the prediction is C's reason."""
        reason = c["reason"]
        self.assertEqual(rec["mode"], "audit", rec)
        self.assertEqual(rec["injected"], {})
        if c["app_fails"]:
            # The app's own attempt fails; audit does not touch its error.
            self.assertEqual(out["status"], "bad", out)
            self.assertFalse(out["error"].startswith("pgtls-shim:"), out["error"])
            self.assertEqual(rec["outcome"], "failed", rec)
        else:
            self.assertEqual(out["status"], "ok", out)
            self.assertEqual(rec["outcome"], "ok", rec)
        audit = rec["audit"]
        self.assertEqual((audit["would_refuse"], audit["reason"]), (reason is not None, reason),
                         "audit predicts %r, enforcement does %r: %s" % (
                             audit["reason"], reason, audit))
        for field, want in c["audit"].items():
            if want is ANY:
                self.assertTrue(audit[field], (field, audit))
            else:
                self.assertEqual(audit[field], want, (field, audit))

    def assert_enforce(self, c, out, rec):
        """Enforce connects, or refuses with exactly C's reason."""
        reason = c["reason"]
        self.assertEqual(rec["mode"], "enforce", rec)
        self.assertIsNone(rec["audit"])
        if reason is None:
            self.assertEqual(out["status"], "ok", out)
            self.assertEqual(out.get("query"), "42", out)
            self.assertEqual(rec["outcome"], "ok", rec)
            self.assertTrue(rec["verified"], rec)
            return
        self.assertEqual(out["status"], "bad", out)
        err = out["error"]
        self.assertTrue(err.startswith(PREFIX + reason), err)
        # Exactly this reason: the message ends after it or goes on with
        # libpq's own words after ": ".
        rest = err[len(PREFIX + reason):]
        self.assertTrue(rest.strip() == "" or rest.startswith(": "), err)
        self.assertIn(rec["outcome"], ("refused", "failed"), rec)
        if rec["outcome"] == "failed":
            self.assertTrue(rest.startswith(": ") and rest[2:].strip(), err)
        self.assertFalse(rec["verified"], rec)
        self.assertTrue(rec["error"].startswith(PREFIX + reason), rec["error"])
        self.assertNotIn("\n", rec["error"])

    def test_prediction_equals_enforcement(self):
        for c in CASES:
            audit_rec = enforce_rec = None
            with self.subTest(case=c["name"]):
                out, audit_rec = self.run_mode(c, "audit")
                self.assert_audit(c, out, audit_rec)
            for entry in ("connectdb", "start"):
                with self.subTest(case=c["name"], entry=entry):
                    out, enforce_rec = self.run_mode(c, "enforce", entry)
                    self.assert_enforce(c, out, enforce_rec)
            with self.subTest(case=c["name"], fields="reason, verification"):
                self.assertTrue(audit_rec and enforce_rec, "no records to compare")
                # The promise itself, on the records: audit's reason is enforce's.
                self.assert_new_fields(audit_rec, "audit", c["reason"])
                self.assert_new_fields(enforce_rec, "enforce", c["reason"])
                self.assertEqual(audit_rec["reason"], audit_rec["audit"]["reason"])
                self.assertEqual(audit_rec["reason"], enforce_rec["reason"])
                if c["reason"] is None:
                    self.assertEqual(enforce_rec["verification"], c["verification"], enforce_rec)

    def test_audit_of_a_prefer_client_verifies_nothing(self):
        """The app's own sslmode=prefer connection: TLS, but libpq checked nothing."""
        self.write_policy(policy_text("audit", rules=rule("audit")))
        outs, _ = self.client("connectdb", tcp("good"))
        self.assertEqual(outs[0]["status"], "ok")
        self.assertTrue(outs[0]["ssl"])
        rec = self.one_record()
        self.assertEqual(rec["verification"], "none")
        self.assertFalse(rec["verified"])
        self.assertIsNone(rec["reason"])

    def test_app_verify_ca_is_chain(self):
        """The app's own verify-ca, left alone by audit, is recorded as chain."""
        self.write_policy(policy_text("audit", rules=rule("audit")))
        outs, _ = self.client("connectdb", tcp("good", sslmode="verify-ca",
                                               sslrootcert=PKI + "/new-bundle.pem"))
        self.assertEqual(outs[0]["status"], "ok")
        rec = self.one_record()
        self.assertEqual(rec["verification"], "chain")
        self.assertTrue(rec["verified"])


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
                            os.path.join(BIN, "pqclient"), "lines",
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
        p = subprocess.Popen([os.path.join(BIN, "pqclient"), "each",
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
