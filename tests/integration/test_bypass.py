"""No bypass in enforce: whatever the application asks for, in whatever form,
it gets a verified TLS connection or none.  Every attempt runs against
servers it must not reach unverified (a certificate from a CA the policy
does not trust, a certificate for another name, no TLS at all) and against
the good server, where it must end verified."""

import os
import unittest
import urllib.parse

from shimtest import PKI, ShimCase, gss_env, policy_text, server, tcp

OLD_CA = os.path.join(PKI, "old-bundle.pem")


def attempts(name):
    """(label, pqclient mode, conninfo, environment) for server NAME."""
    port = server(name)["port"]
    uri = "postgresql://postgres@db.test:%d/postgres?hostaddr=127.0.0.1" % port
    kv = tcp(name)
    return [
        ("sslmode=disable", "connectdb", tcp(name, sslmode="disable"), {}),
        ("sslmode=allow", "connectdb", tcp(name, sslmode="allow"), {}),
        ("sslmode=prefer", "connectdb", tcp(name, sslmode="prefer"), {}),
        ("sslmode=require", "connectdb", tcp(name, sslmode="require"), {}),
        ("no sslmode", "connectdb", kv, {}),
        ("async arrays, disable", "startparams", tcp(name, sslmode="disable"), {}),
        ("PQsetdbLogin, disable", "setdb", tcp(name, sslmode="disable"), {}),
        ("bogus sslrootcert", "connectdb",
         tcp(name, sslmode="require", sslrootcert="/dev/null"), {}),
        ("PGSSLMODE=disable", "connectdb", kv, {"PGSSLMODE": "disable"}),
        ("PGSSLMODE=allow, bogus PGSSLROOTCERT", "connectdb", kv,
         {"PGSSLMODE": "allow", "PGSSLROOTCERT": "/dev/null"}),
        ("gssencmode=prefer with a ticket", "connectdb",
         tcp(name, gssencmode="prefer", sslmode="disable"), gss_env()),
        ("sslmode twice", "connectdb", kv + " sslmode=verify-full sslmode=disable", {}),
        ("URI ?sslmode=disable", "connectdb", uri + "&sslmode=disable", {}),
        ("URI, percent-encoded", "connectdb", uri + "&ssl%6Dode=%64isable", {}),
        ("expand_dbname URI", "expand", uri + "&sslmode=disable", {}),
        ("expand_dbname key/value", "expand", tcp(name, sslmode="disable"), {}),
        ("service file, disable", "connectdb", "service=svc",
         {"PGSERVICEFILE": "@DIR@/services"}),
    ]


class NoBypass(ShimCase):
    def run_attempts(self, name, check, defaults=""):
        self.write_policy(policy_text("enforce", defaults=defaults))
        with open(os.path.join(self.dir, "services"), "w") as f:
            f.write("[svc]\nhost=db.test\nhostaddr=127.0.0.1\nport=%d\ndbname=postgres\n"
                    "user=postgres\nsslmode=disable\n" % server(name)["port"])
        for label, mode, ci, env in attempts(name):
            with self.subTest(server=name, attempt=label):
                if os.path.exists(self.log):
                    os.unlink(self.log)
                env = {k: v.replace("@DIR@", self.dir) for k, v in env.items()}
                outs, _ = self.client(mode, ci, env)
                check(label, outs[0], self.one_record())

    def assertNeverUnverified(self, label, out, rec):
        self.assertEqual(out["status"], "bad", (label, out))
        self.assertTrue(out["error"].startswith("pgtls-shim: refused"), (label, out))
        self.assertFalse(rec["verified"], label)
        self.assertNotEqual(rec["outcome"], "ok", label)

    def test_untrusted_ca_is_never_reached(self):
        self.run_attempts("old", self.assertNeverUnverified)

    def test_wrong_host_name_is_never_reached(self):
        self.run_attempts("wronghost", self.assertNeverUnverified)

    def test_server_without_tls_is_never_reached(self):
        self.run_attempts("plain", self.assertNeverUnverified)

    def test_good_server_is_always_verified(self):
        def verified(label, out, rec):
            if "sslrootcert" in label.lower():
                # upgrade keeps the application's own bundle (libpq verifies
                # with it even under require): a bogus one fails, verified.
                self.assertNeverUnverified(label, out, rec)
                self.assertEqual(rec["sslmode_effective"], "verify-full", label)
                return
            self.assertEqual((out["status"], out["ssl"]), ("ok", True), (label, out))
            self.assertTrue(rec["verified"], label)
            self.assertEqual(rec["sslmode_effective"], "verify-full", label)
            self.assertIsNotNone(rec["tls"], label)
        self.run_attempts("good", verified)

    def test_force_replaces_the_apps_own_bundle(self):
        # The application trusts the old CA itself (verify-full, its own
        # bundle): upgrade keeps that stronger-looking setting, force replaces
        # the bundle with the policy's, so the old CA's server is refused.
        ci = tcp("old", sslmode="verify-full", sslrootcert=OLD_CA)
        self.write_policy(policy_text("enforce", defaults='override = "upgrade";'))
        outs, _ = self.client("connectdb", ci)
        self.assertEqual(outs[0]["status"], "ok")        # the app's own choice, verified
        self.assertTrue(self.one_record()["verified"])
        os.unlink(self.log)
        self.write_policy(policy_text("enforce", defaults='override = "force";'))
        outs, _ = self.client("connectdb", ci)
        self.assertNeverUnverified("force", outs[0], self.one_record())


if __name__ == "__main__":
    unittest.main()
