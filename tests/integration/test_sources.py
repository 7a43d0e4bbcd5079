"""Where the settings come from (service files, PG* variables, URIs) and
multi-host connection strings: matching and sslmode_requested use what libpq
itself will use."""
import os
import socket

from shimtest import PKI, ShimCase, policy_text, server, tcp


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sources(ShimCase):
    def service_file(self, path, sslmode="disable"):
        with open(path, "w") as f:
            f.write("[svc]\nhost=db.test\nhostaddr=127.0.0.1\nport=%d\ndbname=postgres\n"
                    "user=postgres\nsslmode=%s\n" % (server("good")["port"], sslmode))

    def assert_enforced_from(self, conninfo, env, requested="disable"):
        self.write_policy(policy_text("enforce"))
        outs, _ = self.client("connectdb", conninfo, env)
        self.assertEqual(outs[0]["status"], "ok", outs)
        self.assertTrue(outs[0]["ssl"])
        rec = self.one_record()
        self.assertEqual(rec["rule"], "test")
        self.assertEqual(rec["sslmode_requested"], requested)
        self.assertTrue(rec["verified"])

    def test_service_file_named_by_pgservicefile(self):
        path = os.path.join(self.dir, "services")
        self.service_file(path)
        self.assert_enforced_from("service=svc", {"PGSERVICEFILE": path})

    def test_pgservice_and_pgsysconfdir(self):
        self.service_file(os.path.join(self.dir, "pg_service.conf"))
        self.assert_enforced_from("", {"PGSERVICE": "svc", "PGSYSCONFDIR": self.dir,
                                       "HOME": "/nonexistent", "PGSERVICEFILE": None})

    def test_home_pg_service_conf(self):
        self.service_file(os.path.join(self.dir, ".pg_service.conf"))
        self.assert_enforced_from("", {"PGSERVICE": "svc", "HOME": self.dir,
                                       "PGSERVICEFILE": None})

    def test_pg_environment_variables(self):
        env = {"PGHOST": "db.test", "PGHOSTADDR": "127.0.0.1",
               "PGPORT": str(server("good")["port"]), "PGUSER": "postgres",
               "PGDATABASE": "postgres", "PGSSLMODE": "require"}
        self.assert_enforced_from("", env, requested="require")

    def test_uri_query_and_userinfo(self):
        uri = "postgresql://postgres@db.test:%d/postgres?hostaddr=127.0.0.1&sslmode=allow" % (
            server("good")["port"])
        self.assert_enforced_from(uri, {}, requested="allow")

    def test_expand_dbname_params(self):
        self.write_policy(policy_text("enforce"))
        outs, _ = self.client("expand", tcp("good", sslmode="disable"))
        self.assertEqual(outs[0]["status"], "ok")
        self.assertEqual(self.one_record()["sslmode_requested"], "disable")

    def test_app_sslrootcert_from_environment_kept_by_upgrade(self):
        rules = ('{ name = "test"; match = { host = [ "db.test" ]; }; mode = "enforce"; '
                 'sslrootcert = "/nonexistent/policy-ca.pem"; %s }')
        env = {"PGSSLROOTCERT": PKI + "/new-bundle.pem"}
        self.write_policy(policy_text("enforce", rules=rules % ""))
        outs, _ = self.client("connectdb", tcp("good"), env)
        self.assertEqual(outs[0]["status"], "ok")
        self.assertNotIn("sslrootcert", self.one_record()["injected"])
        os.unlink(self.log)
        self.write_policy(policy_text("enforce", rules=rules % 'override = "force";'))
        outs, _ = self.client("connectdb", tcp("good"), env)
        self.assertRefused(outs[0], reason="CA bundle missing")
        self.assertEqual(self.one_record()["injected"]["sslrootcert"], "/nonexistent/policy-ca.pem")


class MultiHost(ShimCase):
    def test_record_names_the_host_finally_used(self):
        self.write_policy(policy_text("enforce"))
        ci = tcp("good", host="db.test,db.test", hostaddr="127.0.0.1,127.0.0.1",
                 port="%d,%d" % (closed_port(), server("good")["port"]),
                 target_session_attrs="read-write")
        outs, _ = self.client("connectdb", ci)
        self.assertEqual(outs[0]["status"], "ok", outs)
        rec = self.one_record()
        self.assertEqual(rec["port"], str(server("good")["port"]))
        self.assertTrue(rec["verified"])

    def test_strictest_mode_applies(self):
        """x.test matches no rule (the top-level audit), db.test the enforce
        rule: enforce applies to the connection (x.test is unreachable, so
        libpq goes on to db.test)."""
        ci = tcp("good", host="x.test,db.test", hostaddr="127.0.0.1,127.0.0.1",
                 port="%d,%d" % (closed_port(), server("good")["port"]), sslmode="disable")
        self.write_policy(policy_text("audit", rule_mode="enforce"))
        outs, _ = self.client("connectdb", ci)
        self.assertEqual(outs[0]["status"], "ok", outs)
        self.assertTrue(outs[0]["ssl"])
        rec = self.one_record()
        self.assertEqual((rec["mode"], rec["rule"], rec["host"]), ("enforce", "test", "db.test"))
        self.assertTrue(rec["verified"])

    def test_landing_on_a_host_of_another_rule_is_refused(self):
        rules = ('{ name = "test"; match = { host = [ "db.test" ]; }; mode = "%s"; },'
                 '{ name = "other"; match = { host = [ "other.test" ]; }; mode = "%s"; }')
        ci = tcp("wronghost", host="db.test,other.test", hostaddr="127.0.0.1,127.0.0.1",
                 port="%d,%d" % (closed_port(), server("wronghost")["port"]))
        self.write_policy(policy_text("enforce", rules=rules % ("enforce", "enforce")))
        outs, _ = self.client("connectdb", ci)
        self.assertRefused(outs[0], reason="the host connected to selects a different rule")
        rec = self.one_record()
        self.assertEqual(rec["outcome"], "refused")
        self.assertEqual(rec["host"], "other.test")
        self.assertTrue(any('selects rule "other"' in w for w in rec["warnings"]), rec["warnings"])
        os.unlink(self.log)
        self.write_policy(policy_text("audit", rules=rules % ("audit", "audit")))
        outs, _ = self.client("connectdb", ci)
        self.assertEqual(outs[0]["status"], "ok")
        self.assertEqual(self.one_record()["audit"]["reason"],
                         "the host connected to selects a different rule")

    def test_hosts_needing_different_bundles_refused(self):
        rules = ('{ name = "test"; match = { host = [ "db.test" ]; }; mode = "enforce"; },'
                 '{ name = "other"; match = { host = [ "other.test" ]; }; mode = "enforce"; '
                 'sslrootcert = "%s/old-bundle.pem"; }' % PKI)
        self.write_policy(policy_text("enforce", rules=rules))
        port = server("good")["port"]
        outs, _ = self.client("start", tcp("good", host="db.test,other.test",
                                           hostaddr="127.0.0.1,127.0.0.1",
                                           port="%d,%d" % (port, port)))
        self.assertRefused(outs[0], reason="need different CA bundles")
        self.assertEqual(self.one_record()["outcome"], "refused")
