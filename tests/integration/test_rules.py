"""Rules match what libpq will really do: the transport it uses, the address
it connects to, the host name without its trailing root dot."""
import os
import unittest

from shimtest import ShimCase, policy_text, server, tcp

LOCAL_OFF = ('{ name = "local-socket"; match = { host = [ "/*" ]; }; mode = "off"; },'
             '{ name = "test"; match = { host = [ "db.test" ]; }; mode = "enforce"; }')


class Transport(ShimCase):
    def test_socket_pattern_does_not_exempt_tcp(self):
        # host=/dir with a hostaddr is TCP to that address: "/*" must not exempt it.
        self.write_policy(policy_text(mode="enforce", rules=LOCAL_OFF))
        conninfo = "host=%s hostaddr=127.0.0.1 port=%d dbname=postgres user=postgres " \
                   "sslmode=disable connect_timeout=10" % (
                       server("plain")["socket_dir"], server("plain")["port"])
        outs, _ = self.client("connectdb", conninfo)
        self.assertEqual(outs[0]["status"], "bad", outs[0])
        self.assertTrue(outs[0]["error"].startswith("pgtls-shim: refused by the policy's "
                                                    "top-level mode (enforce)"), outs[0])
        rec = self.one_record()
        self.assertEqual((rec["transport"], rec["mode"], rec["rule"]), ("tcp", "enforce", None))

    def test_socket_pattern_exempts_a_real_socket(self):
        self.write_policy(policy_text(mode="enforce", rules=LOCAL_OFF))
        conninfo = "host=%s port=%d dbname=postgres user=postgres" % (
            server("plain")["socket_dir"], server("plain")["port"])
        outs, _ = self.client("connectdb", conninfo)
        self.assertEqual(outs[0]["status"], "ok", outs[0])
        self.assertEqual(self.records(), [])

    def test_abstract_socket_is_a_socket(self):
        # "@name" is a Linux abstract socket (libpq's is_unixsock_path): allowed
        # by unix_socket = "allow", so libpq's own failure (nobody listens) is
        # what the app sees, recorded as a Unix-socket attempt.
        self.write_policy(policy_text(mode="enforce", rules='{ name = "test"; match = '
                                      '{ host = [ "@*" ]; }; mode = "enforce"; }'))
        outs, _ = self.client("connectdb", "host=@pgtls-shim-nobody port=5 dbname=postgres "
                                           "user=postgres")
        self.assertEqual(outs[0]["status"], "bad")
        self.assertFalse(outs[0]["error"].startswith("pgtls-shim:"), outs[0])
        rec = self.one_record()
        self.assertEqual((rec["transport"], rec["rule"], rec["outcome"]),
                         ("unix", "test", "failed"))


class Names(ShimCase):
    def test_trailing_dot_is_the_same_host(self):
        self.write_policy(policy_text(mode="audit", rule_mode="enforce"))
        outs, _ = self.client("connectdb", tcp("plain", host="db.test.", sslmode="disable"))
        self.assertEqual(outs[0]["status"], "bad")
        rec = self.one_record()
        self.assertEqual((rec["rule"], rec["mode"]), ("test", "enforce"))


class Addresses(ShimCase):
    RULES = ('{ name = "loop"; match = { hostaddr = [ "127.0.0.0/8" ]; }; mode = "enforce"; }')

    def test_hostaddr_matches_the_resolved_address(self):
        # host=localhost names no hostaddr: the rule matches what it resolves to.
        self.write_policy(policy_text(mode="audit", rules=self.RULES))
        conninfo = "host=localhost port=%d dbname=postgres user=postgres sslmode=disable " \
                   "connect_timeout=10" % server("plain")["port"]
        outs, _ = self.client("connectdb", conninfo)
        self.assertEqual(outs[0]["status"], "bad", outs[0])
        recs = self.records()
        self.assertTrue(recs and all(r["rule"] == "loop" and r["mode"] == "enforce"
                                     for r in recs), recs)

    def test_name_with_another_hostaddr_is_not_exempted(self):
        # The name says localhost, the address is another: a rule for the
        # addresses localhost has must not apply.  (127.0.0.5, outside the
        # rule's 127.0.0.0/30: this test sends nothing off the machine.)
        self.write_policy(policy_text(mode="audit", rules=self.RULES.replace(
            '"enforce"', '"off"').replace("127.0.0.0/8", "127.0.0.0/30")))
        outs, _ = self.client("connectdb", "host=localhost hostaddr=127.0.0.5 port=%d "
                                           "dbname=postgres user=postgres connect_timeout=5"
                              % server("plain")["port"])
        self.assertEqual(outs[0]["status"], "bad")
        rec = self.one_record()
        self.assertEqual((rec["rule"], rec["mode"]), (None, "audit"))


if __name__ == "__main__":
    unittest.main()


class Scripts(ShimCase):
    def test_script_rule_matches_the_interpreted_program(self):
        # Every Python service runs /usr/bin/python3: match.script names the
        # script, and the record says which one ran.
        script = os.path.join(self.dir, "service.py")
        with open(script, "w") as f:
            f.write("import psycopg2, sys\ntry:\n    psycopg2.connect(sys.argv[1])\n"
                    "except psycopg2.Error:\n    pass\n")
        self.write_policy(policy_text(mode="audit", rules='{ name = "svc"; match = '
                                      '{ script = [ "%s" ]; }; mode = "enforce"; }' % script))
        p = self.run_cmd(["/usr/bin/python3", "-u", script, tcp("plain", sslmode="disable")])
        self.assertEqual(p.returncode, 0, p.stderr)
        rec = self.one_record()
        self.assertEqual((rec["script"], rec["rule"], rec["mode"], rec["reason"]),
                         (os.path.realpath(script), "svc", "enforce",
                          "server does not support TLS"))
