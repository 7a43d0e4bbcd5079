"""Audit tells the truth about enforcement, reason included: each case runs the
same connection under the same policy in audit and then in enforce, against
its own server and certificate, and the audit record's prediction (would_refuse,
audit.reason, the top-level reason) must be what enforce then does (outcome,
the refusal's reason, the top-level reason)."""
import os

from shimtest import PKI, ShimCase, policy_text, tcp

PREFIX = 'pgtls-shim: refused by rule "test" (enforce): '


def rule(mode, settings="", match='host = [ "db.test" ];'):
    """The one rule "test" in MODE, with the policy floor verify-full unless
    SETTINGS says otherwise."""
    if "sslmode" not in settings:
        settings = 'sslmode = "verify-full"; ' + settings
    return '{ name = "test"; match = { %s }; mode = "%s"; %s }' % (match, mode, settings)


def case(name, conninfo, reason, settings="", match='host = [ "db.test" ];',
         verification="full", app_fails=False, extra=""):
    return {"name": name, "conninfo": conninfo, "reason": reason, "settings": settings,
            "match": match, "verification": verification, "app_fails": app_fails,
            "extra": extra}


CRL_DIR = PKI + "/crl-dir"
CRL_BUNDLE = 'sslrootcert = "%s/crl-bundle.pem";' % PKI
IP_HOST = 'host = [ "127.0.0.1" ];'

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
    # 10. The cases the suite always had.
    # A client certificate libpq cannot use (here: no key beside it) ends its
    # TLS before the server has a say: plaintext under prefer, a failure
    # once upgraded; not "server does not support TLS".
    case("client certificate without its key",
         tcp("good", sslcert=PKI + "/new-root.crt", sslkey="/nonexistent/client.key"),
         "client certificate unusable"),
    case("good", tcp("good"), None),
    case("wrong host", tcp("wronghost"), "wrong host"),
    case("expired", tcp("expired"), "server certificate expired"),
    case("old root", tcp("old"), "unknown CA"),
    case("plaintext server", tcp("plain"), "server does not support TLS"),
    case("plaintext server, audit probe on", tcp("plain"), "server does not support TLS",
         extra="audit = { probe = true; };"),
]


class AuditTellsTheTruth(ShimCase):
    def run_mode(self, c, mode, entry="connectdb"):
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.write_policy(policy_text(mode, rules=rule(mode, c["settings"], c["match"]),
                                      extra=c["extra"]))
        outs, _ = self.client(entry, c["conninfo"])
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


if __name__ == "__main__":
    import unittest
    unittest.main()
