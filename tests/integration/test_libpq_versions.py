"""What each libpq release adds, under the shim: sslrootcert=system (native
from libpq 16, which then demands verify-full), sslnegotiation=direct
(libpq 17), sslkeylogfile (libpq 18).  The cases of a release the loaded
libpq predates are skipped with the version in the reason; scripts/
test-releases.sh runs this suite on Debian 13 (libpq 17) and unstable
(libpq 18)."""
import ctypes
import os
import unittest

from shimtest import PKI, ShimCase, policy_text, server, tcp

LIBPQ = ctypes.CDLL("libpq.so.5").PQlibVersion()


def server_version():
    import subprocess
    out = subprocess.run(["psql", "-XAtc", "show server_version_num", tcp("good", sslmode="disable")],
                         capture_output=True, text=True, timeout=60).stdout.strip()
    return int(out or 0)


class System(ShimCase):
    def test_system_root_with_a_weaker_floor(self):
        # The policy says sslrootcert = "system" with a verify-ca floor.  libpq
        # 16+ would refuse that pair; the shim raises the floor to verify-full
        # there, and emulates "system" with OpenSSL's default file before.
        self.write_policy(policy_text("enforce", defaults='sslmode = "verify-ca"; '
                                      'sslrootcert = "system";').replace(
            'sslrootcert = "%s/new-bundle.pem"; ' % PKI, ""))
        env = {"SSL_CERT_FILE": PKI + "/new-bundle.pem"}
        outs, _ = self.client("connectdb", tcp("good", sslmode="prefer"), env=env)
        self.assertEqual(outs[0]["status"], "ok", outs[0])
        rec = self.one_record()
        self.assertTrue(rec["verified"], rec)
        if LIBPQ >= 160000:
            self.assertEqual(rec["injected"]["sslrootcert"], "system")
            self.assertEqual(rec["sslmode_effective"], "verify-full")
            self.assertEqual(rec["verification"], "full")
            self.assertTrue(any("requires sslmode verify-full" in w for w in rec["warnings"]))
        else:
            self.assertEqual(rec["injected"]["sslrootcert"], env["SSL_CERT_FILE"])
            self.assertEqual(rec["verification"], "chain")


@unittest.skipIf(LIBPQ < 170000, "sslnegotiation needs libpq 17 (this is %d)" % LIBPQ)
class Direct(ShimCase):
    def test_direct_negotiation_is_enforced(self):
        if server_version() < 170000:
            self.skipTest("direct TLS negotiation needs a PostgreSQL 17 server")
        self.write_policy(policy_text("enforce"))
        outs, _ = self.client("connectdb", tcp("good", sslmode="prefer", sslnegotiation="direct"))
        self.assertEqual(outs[0]["status"], "ok", outs[0])
        rec = self.one_record()
        self.assertEqual((rec["verification"], rec["sslmode_requested"]), ("full", "prefer"))


@unittest.skipIf(LIBPQ < 180000, "sslkeylogfile needs libpq 18 (this is %d)" % LIBPQ)
class KeyLog(ShimCase):
    def test_keys_not_written_under_enforce(self):
        keys = os.path.join(self.dir, "keys.log")
        for mode, written in [("audit", True), ("enforce", False)]:
            with self.subTest(mode=mode):
                self.write_policy(policy_text(mode))
                outs, _ = self.client("connectdb", tcp("good", sslmode="verify-full",
                                                       sslrootcert=PKI + "/new-bundle.pem",
                                                       sslkeylogfile=keys))
                self.assertEqual(outs[0]["status"], "ok", outs[0])
                self.assertEqual(os.path.exists(keys) and os.path.getsize(keys) > 0, written)
                rec = self.records()[-1]
                self.assertTrue(any("TLS session keys" in w for w in rec["warnings"]), rec)
                if os.path.exists(keys):
                    os.unlink(keys)


if __name__ == "__main__":
    unittest.main()
