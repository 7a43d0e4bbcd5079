"""The core shim against real servers: every entry point, audit and enforce,
refusals, records, chain fingerprints, policy errors."""
import json
import os
import subprocess
import unittest

from shimtest import (BIN, PKI, SANITIZER_LIBS, ShimCase, fingerprint, policy_text, preload,
                      server, tcp, unsanitized_pg_programs)

ENTRY_POINTS = ["connectdb", "params", "expand", "setdb", "start", "startparams"]


class EntryPoints(ShimCase):
    def test_enforce_upgrades_disable_on_every_entry_point(self):
        self.write_policy(policy_text("enforce"))
        for mode in ENTRY_POINTS:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                outs, _ = self.client(mode, tcp("good", sslmode="disable"))
                self.assertEqual(outs[-1]["status"], "ok", outs)
                self.assertTrue(outs[-1]["ssl"])
                self.assertEqual(outs[-1]["query"], "42")
                rec = self.one_record()
                self.assertEqual(rec["mode"], "enforce")
                self.assertEqual(rec["rule"], "test")
                self.assertEqual(rec["sslmode_requested"], "disable")
                self.assertEqual(rec["sslmode_effective"], "verify-full")
                self.assertEqual(rec["injected"]["sslmode"], "verify-full")
                self.assertEqual(rec["injected"]["sslrootcert"], PKI + "/new-bundle.pem")
                self.assertTrue(rec["verified"])
                self.assertEqual(rec["outcome"], "ok")
                self.assertEqual(rec["transport"], "tcp")
                self.assertEqual(rec["host"], "db.test")
                self.assertEqual(rec["hostaddr"], "127.0.0.1")

    def test_reset_logs_again(self):
        self.write_policy(policy_text("enforce"))
        for mode in ["reset", "resetstart"]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                outs, _ = self.client(mode, tcp("good"))
                self.assertEqual([o["status"] for o in outs], ["ok", "ok"])
                recs = self.records()
                self.assertEqual(len(recs), 2, recs)
                self.assertTrue(all(r["verified"] for r in recs))

    def test_ping(self):
        self.write_policy(policy_text("enforce"))
        for mode in ["ping", "pingparams"]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                outs, _ = self.client(mode, tcp("good"))
                self.assertEqual(outs[0]["ping"], 0)  # PQPING_OK
                rec = self.one_record()
                self.assertTrue(rec["verified"])
                self.assertEqual(rec["injected"]["sslmode"], "verify-full")

    def test_ping_refused_on_wrong_host(self):
        self.write_policy(policy_text("enforce"))
        outs, _ = self.client("ping", tcp("wronghost"))
        self.assertNotEqual(outs[0]["ping"], 0)
        rec = self.one_record()
        self.assertEqual(rec["outcome"], "failed")
        self.assertFalse(rec["verified"])


class AuditAndEnforce(ShimCase):
    def test_audit_changes_nothing_and_logs_chain(self):
        self.write_policy(policy_text("audit"))
        outs, _ = self.client("connectdb", tcp("good"))
        self.assertEqual(outs[0]["status"], "ok")
        rec = self.one_record()
        self.assertEqual(rec["mode"], "audit")
        self.assertEqual(rec["sslmode_requested"], "prefer")
        self.assertEqual(rec["sslmode_effective"], "prefer")
        self.assertEqual(rec["injected"], {})
        self.assertFalse(rec["verified"])
        self.assertEqual(rec["audit"]["would_inject"]["sslmode"], "verify-full")
        self.assertIn(rec["tls"]["protocol"], ("TLSv1.2", "TLSv1.3"))
        self.assertTrue(rec["tls"]["cipher"])
        self.assertGreater(rec["tls"]["key_bits"], 0)
        chain = rec["chain"]
        self.assertEqual(len(chain), 2)
        self.assertEqual(chain[0]["sha256"], fingerprint(PKI + "/server-good.crt"))
        self.assertEqual(chain[1]["sha256"], fingerprint(PKI + "/new-int.crt"))
        self.assertIn("CN=db.test", chain[0]["subject"])
        self.assertIn("new intermediate", chain[0]["issuer"])
        self.assertEqual(chain[0]["key"], "RSA 2048")
        self.assertRegex(chain[0]["not_after"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertRegex(rec["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(rec["pid"] > 0, True)
        self.assertTrue(rec["program"].endswith("/pqclient"))

    def test_audit_of_plaintext_server_would_refuse(self):
        self.write_policy(policy_text("audit"))
        outs, _ = self.client("connectdb", tcp("plain"))
        self.assertEqual(outs[0]["status"], "ok")
        self.assertFalse(outs[0]["ssl"])
        rec = self.one_record()
        self.assertIsNone(rec["tls"])
        self.assertTrue(rec["audit"]["would_refuse"])
        # sslmode=prefer asked for TLS and the server said no: enforce's reason.
        self.assertEqual(rec["audit"]["reason"], "server does not support TLS")

    def test_chain_logging_can_be_off(self):
        self.write_policy(policy_text("audit", chain=False))
        self.client("connectdb", tcp("good"))
        self.assertIsNone(self.one_record()["chain"])

    def test_off_mode_is_silent_and_unchanged(self):
        self.write_policy(policy_text("off"))
        outs, _ = self.client("connectdb", tcp("plain", sslmode="disable"))
        self.assertEqual(outs[0]["status"], "ok")
        self.assertEqual(self.records(), [])

    def test_top_level_mode_applies_when_no_rule_matches(self):
        self.write_policy(policy_text("audit", rules='{ name = "other"; match = { host = [ "x.test" ]; }; mode = "enforce"; }'))
        self.client("connectdb", tcp("good"))
        rec = self.one_record()
        self.assertIsNone(rec["rule"])
        self.assertEqual(rec["mode"], "audit")

    def test_expiry_warning(self):
        self.write_policy(policy_text("enforce", defaults="expiry_warning_days = 30;"))
        outs, _ = self.client("connectdb", tcp("soon"))
        self.assertEqual(outs[0]["status"], "ok")
        warnings = self.one_record()["warnings"]
        self.assertTrue(any("CN=db.test" in w and "expires" in w for w in warnings), warnings)


class Refusals(ShimCase):
    CASES = [
        ("wronghost", "wrong host"),
        ("expired", "server certificate expired"),
        ("old", "unknown CA"),
        ("plain", "server does not support TLS"),
    ]

    def libpq_words(self, name):
        """libpq's own message for server NAME with what enforce injects,
        without the shim: in whatever language the client's locale gives."""
        p = self.run_cmd([os.path.join(BIN, "pqclient"), "connectdb",
                          tcp(name, sslmode="verify-full", sslrootcert=PKI + "/new-bundle.pem")],
                         preload=False)
        out = json.loads(p.stdout)
        self.assertEqual(out["status"], "bad", out)
        self.assertTrue(out["error"].strip(), out)
        return out["error"]

    def test_enforce_refuses_unverifiable_servers(self):
        self.write_policy(policy_text("enforce"))
        for name, reason in self.CASES:
            words = self.libpq_words(name)
            for mode in ["connectdb", "start"]:
                with self.subTest(server=name, mode=mode):
                    os.path.exists(self.log) and os.unlink(self.log)
                    outs, _ = self.client(mode, tcp(name, sslmode="prefer"))
                    self.assertRefused(outs[0], reason=reason)
                    # The specific reason (the shim's, never translated),
                    # then libpq's own words (translated by the locale).
                    self.assertEqual(
                        outs[0]["error"],
                        'pgtls-shim: refused by rule "test" (enforce): %s: %s' % (reason, words))
                    rec = self.one_record()
                    self.assertEqual(rec["outcome"], "failed")
                    self.assertFalse(rec["verified"])
                    self.assertTrue(rec["error"].startswith("pgtls-shim: refused"))
                    self.assertNotIn("\n", rec["error"])

    def test_audit_lets_the_same_connections_through(self):
        self.write_policy(policy_text("audit"))
        for name, _ in self.CASES:
            with self.subTest(server=name):
                outs, _ = self.client("connectdb", tcp(name))
                self.assertEqual(outs[0]["status"], "ok", outs)

    def test_unix_socket_refused_when_policy_says_so(self):
        self.write_policy(policy_text("enforce", rules='{ name = "sock"; match = { host = [ "/*" ]; }; mode = "enforce"; unix_socket = "refuse"; }'))
        ci = "host=%s port=%d dbname=postgres user=postgres" % (
            server("good")["socket_dir"], server("good")["port"])
        for mode in ["connectdb", "start"]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                outs, _ = self.client(mode, ci)
                self.assertRefused(outs[0], rule="sock", reason="Unix-socket")
                rec = self.one_record()
                self.assertEqual(rec["outcome"], "refused")
                self.assertEqual(rec["transport"], "unix")

    def test_unix_socket_allowed_by_default(self):
        self.write_policy(policy_text("enforce", rules='{ name = "sock"; match = { host = [ "/*" ]; }; mode = "enforce"; }'))
        ci = "host=%s port=%d dbname=postgres user=postgres" % (
            server("good")["socket_dir"], server("good")["port"])
        outs, _ = self.client("connectdb", ci)
        self.assertEqual(outs[0]["status"], "ok")
        rec = self.one_record()
        self.assertEqual(rec["transport"], "unix")
        self.assertEqual(rec["injected"], {})
        self.assertFalse(rec["verified"])


class MinProtocol(ShimCase):
    def test_audit_predicts_and_enforce_refuses_old_protocol(self):
        self.write_policy(policy_text("audit", defaults='min_protocol = "TLSv1.3";'))
        outs, _ = self.client("connectdb", tcp("tls12"))
        self.assertEqual(outs[0]["status"], "ok")
        rec = self.one_record()
        self.assertEqual(rec["tls"]["protocol"], "TLSv1.2")
        self.assertTrue(rec["audit"]["would_refuse"])
        self.assertEqual(rec["audit"]["reason"], "TLS protocol below min_protocol")
        self.assertEqual(rec["audit"]["would_inject"]["ssl_min_protocol_version"], "TLSv1.3")
        os.unlink(self.log)
        self.write_policy(policy_text("enforce", defaults='min_protocol = "TLSv1.3";'))
        outs, _ = self.client("start", tcp("tls12"))
        self.assertRefused(outs[0], reason="TLS protocol below min_protocol")
        self.assertEqual(self.one_record()["outcome"], "failed")

    def test_newer_protocol_accepted(self):
        self.write_policy(policy_text("enforce", defaults='min_protocol = "TLSv1.2";'))
        outs, _ = self.client("connectdb", tcp("good"))
        self.assertEqual(outs[0]["status"], "ok")
        self.assertNotIn("ssl_min_protocol_version", self.one_record()["injected"])


class PolicyErrors(ShimCase):
    def test_missing_named_policy_refuses(self):
        outs, _ = self.client("connectdb", tcp("good"))
        self.assertEqual(outs[0]["status"], "bad")
        self.assertTrue(outs[0]["error"].startswith("pgtls-shim: refused"), outs[0])
        self.assertIn(self.policy, outs[0]["error"])

    def test_no_policy_at_default_path_is_inert(self):
        self.assertFalse(os.path.exists("/etc/pgtls-shim/policy.conf"),
                         "this test needs no policy at the default path")
        env = self.env()
        del env["PGTLS_SHIM_POLICY"]
        p = subprocess.run([os.path.join(BIN, "pqclient"),
                            "connectdb", tcp("plain", sslmode="disable")], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn('"ssl":false', p.stdout)
        self.assertEqual(p.stderr, "")

    def test_on_error_allow_lets_connections_through(self):
        outs, _ = self.client("connectdb", tcp("good"), {"PGTLS_SHIM_ON_ERROR": "allow"})
        self.assertEqual(outs[0]["status"], "ok")

    def test_unsafe_policy_refused(self):
        self.write_policy(policy_text("audit"), mode=0o666)
        outs, _ = self.client("start", tcp("good"))
        self.assertEqual(outs[0]["status"], "bad")
        self.assertIn("unsafe", outs[0]["error"])
        self.assertEqual(self.records(), [])

    def test_syntax_error_refused_with_line(self):
        self.write_policy("version = 1;\nmode = \"enforce\"\nrules = (;\n")
        outs, _ = self.client("connectdb", tcp("good"))
        self.assertEqual(outs[0]["status"], "bad")
        self.assertIn(self.policy + ":3: ", outs[0]["error"])

    def test_reload_and_bad_reload_keeps_last_good(self):
        self.write_policy(policy_text("audit"))
        p = subprocess.Popen([os.path.join(BIN, "pqclient"),
                              "lines", tcp("good", sslmode="disable")],
                             env=self.env(), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)

        def connect():
            p.stdin.write("go\n")
            p.stdin.flush()
            return p.stdout.readline()

        self.assertIn('"ssl":false', connect())
        self.write_policy(policy_text("enforce") + "\n# changed\n")
        self.assertIn('"ssl":true', connect())
        with open(self.policy, "w") as f:
            f.write("version = 1; mode = ;")
        self.assertIn('"ssl":true', connect())
        p.stdin.close()
        self.assertEqual(p.wait(timeout=60), 0)
        p.stdout.close()
        modes = [r["mode"] for r in self.records()]
        self.assertEqual(modes, ["audit", "enforce", "enforce"])
        errors = self.records("policy_error")
        self.assertEqual(len(errors), 1)
        self.assertIn(self.policy + ":1:", errors[0]["error"])


class RealClients(ShimCase):
    @unsanitized_pg_programs
    def test_psql_unchanged(self):
        for mode, effective, verified in [("audit", "prefer", False), ("enforce", "verify-full", True)]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text(mode))
                p = self.run_cmd(["psql", "-X", "-At", "-c", "select 1", tcp("good")])
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.strip(), "1")
                rec = self.one_record()
                self.assertEqual(rec["sslmode_effective"], effective)
                self.assertEqual(rec["verified"], verified)
                self.assertTrue(rec["program"].endswith("/psql"), rec["program"])

    @unsanitized_pg_programs
    def test_psql_refused(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(["psql", "-X", "-At", "-c", "select 1", tcp("wronghost")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('pgtls-shim: refused by rule "test" (enforce)', p.stderr)

    def test_psycopg2_unchanged(self):
        self.write_policy(policy_text("enforce"))
        code = ("import psycopg2, sys\n"
                "c = psycopg2.connect(sys.argv[1])\n"
                "cur = c.cursor(); cur.execute('select 42'); print(cur.fetchone()[0])\n")
        p = self.run_cmd(["/usr/bin/python3", "-c", code, tcp("good", sslmode="disable")])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "42")
        rec = self.one_record()
        self.assertTrue(rec["verified"])
        p = self.run_cmd(["/usr/bin/python3", "-c", code, tcp("expired")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("pgtls-shim: refused", p.stderr)

    def test_dlopen_local_module(self):
        self.write_policy(policy_text("enforce"))
        for flags in ["local", "local-lazy", "global"]:
            with self.subTest(flags=flags):
                os.path.exists(self.log) and os.unlink(self.log)
                p = self.run_cmd([os.path.join(BIN, "pqclient_dl"),
                                  flags, tcp("good", sslmode="disable")])
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                rec = self.one_record()
                self.assertTrue(rec["verified"])
                p = self.run_cmd([os.path.join(BIN, "pqclient_dl"),
                                  flags, tcp("plain")])
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("pgtls-shim: refused", p.stderr)


class GoodGuest(unittest.TestCase):
    def test_only_hooks_exported(self):
        out = subprocess.run(["nm", "-D", "--defined-only", os.environ["PGTLS_SHIM_LIB"]],
                             capture_output=True, text=True, check=True).stdout
        names = sorted(l.split()[-1] for l in out.splitlines() if l.split()[1] in "TWDBRV")
        self.assertEqual(names, sorted([
            "PQconnectdb", "PQconnectdbParams", "PQsetdbLogin", "PQconnectStart",
            "PQconnectStartParams", "PQconnectPoll", "PQreset", "PQresetStart",
            "PQresetPoll", "PQping", "PQpingParams", "PQfinish", "PQerrorMessage",
            # the dynamic loader's entry points, for clients that go around it
            # (dlhooks.c): everything but hooked names passes through
            "dlopen", "dlsym", "dlmopen"]))

    def test_no_libpq_or_openssl_needed(self):
        out = subprocess.run(["readelf", "-d", os.environ["PGTLS_SHIM_LIB"]],
                             capture_output=True, text=True, check=True).stdout
        needed = [l.split("[")[1].rstrip("]") for l in out.splitlines() if "NEEDED" in l]
        # Only libc: libpq and OpenSSL are found at run time, libconfig and the
        # audit's own libcrypto are loaded when first needed.
        self.assertEqual([n for n in needed if n not in SANITIZER_LIBS], ["libc.so.6"])

    def test_process_without_libpq_loads_nothing(self):
        env = dict(os.environ, LD_PRELOAD=preload(os.environ["PGTLS_SHIM_LIB"]),
                   PGTLS_SHIM_POLICY="/nonexistent/policy.conf")
        p = subprocess.run(["cat", "/proc/self/maps"], env=env, capture_output=True,
                           text=True, check=True)
        self.assertIn("libpgtls-shim.so", p.stdout)
        for lib in ["libpq", "libssl", "libcrypto", "libconfig"]:
            self.assertNotIn(lib, p.stdout)
        self.assertEqual(p.stderr, "")


class Footprint(ShimCase):
    def test_libconfig_is_unloaded_after_reading_the_policy(self):
        # libconfig is needed only while a policy is parsed: after connections
        # (and a reload), the process no longer maps it.
        self.write_policy(policy_text("enforce"))
        code = ("import psycopg2, sys, os\n"
                "psycopg2.connect(sys.argv[1]).close()\n"
                "os.utime(sys.argv[2], (1, 1))\n"
                "psycopg2.connect(sys.argv[1]).close()\n"
                "print(open('/proc/self/maps').read())\n")
        p = self.run_cmd(["/usr/bin/python3", "-c", code, tcp("good"), self.policy])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("libpgtls-shim.so", p.stdout)
        self.assertNotIn("libconfig", p.stdout)
        self.assertEqual(len(self.records()), 2)


class Syslog(ShimCase):
    def test_each_record_is_one_syslog_message(self):
        import json
        import socket
        path = os.path.join(self.dir, "log.sock")
        rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        rx.bind(path)
        rx.settimeout(30)
        try:
            text = policy_text("enforce", log=False) + (
                'log = { path = "syslog"; socket = "%s"; ident = "fleet-db"; facility = "local3"; };\n' % path)
            self.write_policy(text)
            # A zone 5.5 hours off UTC: a local-time stamp would show it.
            outs, p = self.client("connectdb", tcp("good"), {"TZ": "Asia/Kolkata"})
            self.assertEqual(outs[0]["status"], "ok")
            msg = rx.recv(65536).decode()
        finally:
            rx.close()
        self.assertTrue(msg.startswith("<158>"), msg[:20])      # local3.info
        head, _, body = msg.partition(": ")
        self.assertIn(" fleet-db[%d]" % json.loads(body)["pid"], head)
        # RFC 3164's stamp, in UTC and English (no libc time function).
        import datetime
        import re
        m = re.match(r"<158>([A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d) ", head + " ")
        self.assertIsNotNone(m, head)
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = datetime.datetime.strptime("%d %s" % (now.year, m.group(1)), "%Y %b %d %H:%M:%S")
        self.assertLess(abs((now.replace(tzinfo=None) - stamp).total_seconds()), 120, head)
        rec = json.loads(body)
        self.assertEqual(rec["event"], "connect")
        self.assertTrue(rec["verified"])


if __name__ == "__main__":
    unittest.main()
