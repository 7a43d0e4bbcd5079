"""Real, unchanged clients through the shim, in audit and enforce, checked
through their records: psql, pg_dump, pgbench with threads, pg_isready,
vacuumdb, pg_basebackup (a replication connection), psycopg2 blocking and
async, SQLAlchemy, Perl DBD::Pg."""
import os
import shutil
import subprocess
import unittest

from shimtest import (PKI, ShimCase, fingerprint, pgservers, policy_text, server, tcp,
                      unsanitized_pg_programs)

PG_BIN = pgservers.PGBIN  # the harness's server's programs, whatever its version
PSYCOPG = """
import psycopg2, sys
c = psycopg2.connect(sys.argv[1])
cur = c.cursor(); cur.execute("select 42"); print(cur.fetchone()[0])
"""
PSYCOPG_ASYNC = """
import psycopg2, psycopg2.extras, sys
c = psycopg2.connect(sys.argv[1], async_=True)
psycopg2.extras.wait_select(c)
cur = c.cursor(); cur.execute("select 42"); psycopg2.extras.wait_select(c)
print(cur.fetchone()[0])
"""
PERL = """
use DBI;
my $dbh = DBI->connect("dbi:Pg:" . $ARGV[0], "", "", {RaiseError => 1, PrintError => 0});
print $dbh->selectrow_array("select 42"), "\\n";
"""
# SQLAlchemy 1.4's psycopg2 dialect, the conninfo's keywords as the URL's
# query (which the dialect hands to psycopg2.connect as keywords); the
# application's own view of TLS from pg_stat_ssl.
SQLALCHEMY = """
import sys
import psycopg2.extensions, sqlalchemy
url = sqlalchemy.engine.URL.create("postgresql+psycopg2",
                                   query=psycopg2.extensions.parse_dsn(sys.argv[1]))
with sqlalchemy.create_engine(url).connect() as c:
    ssl = c.execute(sqlalchemy.text(
        "select ssl from pg_stat_ssl where pid = pg_backend_pid()")).scalar()
    print(c.execute(sqlalchemy.text("select 42")).scalar(), "ssl=%s" % ssl)
"""
REFUSED = 'pgtls-shim: refused by rule "test" (enforce): '
NO_TLS = REFUSED + "server does not support TLS"


HAVE_SQLALCHEMY = subprocess.run(["/usr/bin/python3", "-c", "import sqlalchemy"],
                                 capture_output=True, timeout=60).returncode == 0


class Clients(ShimCase):
    def both_modes(self, argv_for, expect_out="42", records=1, sslmode="disable", check=None):
        """The client on the good server with SSLMODE, in audit (unchanged)
        and enforce (upgraded to verify-full); CHECK(mode, records, process) more."""
        for mode, effective, verified in [("audit", sslmode, False),
                                          ("enforce", "verify-full", True)]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text(mode))
                p = self.run_cmd(argv_for(tcp("good", sslmode=sslmode)))
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                if expect_out:
                    self.assertIn(expect_out, p.stdout)
                recs = self.records()
                self.assertEqual(len(recs), records, recs)
                for r in recs:
                    self.assertEqual(r["mode"], mode)
                    self.assertEqual(r["rule"], "test")
                    self.assertEqual(r["outcome"], "ok")
                    self.assertEqual(r["sslmode_requested"], sslmode)
                    self.assertEqual(r["sslmode_effective"], effective)
                    self.assertEqual(r["verified"], verified)
                    if mode == "enforce":
                        self.assertEqual(r["injected"]["sslmode"], "verify-full")
                        self.assertEqual(r["verification"], "full")
                        self.assertIsNotNone(r["tls"], r)
                if check:
                    check(mode, recs, p)

    def refused_on_plain(self, argv, records=1):
        """In enforce, the client asking for no TLS from the plaintext server:
        libpq fails the verify-full the shim injected; the record says so."""
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(argv(tcp("plain", sslmode="disable")))
        recs = self.records()
        self.assertEqual(len(recs), records, recs)
        for r in recs:
            self.assertEqual(r["mode"], "enforce")
            self.assertEqual(r["sslmode_requested"], "disable")
            self.assertEqual(r["sslmode_effective"], "verify-full")
            self.assertEqual(r["outcome"], "failed")
            self.assertFalse(r["verified"])
            self.assertIsNone(r["tls"])
            self.assertTrue(r["error"].startswith(NO_TLS), r["error"])
        return p

    def assertChain(self, rec):
        """REC has the good server's chain: its leaf and the new intermediate."""
        self.assertEqual([c["sha256"] for c in rec["chain"]],
                         [fingerprint(PKI + "/server-good.crt"),
                          fingerprint(PKI + "/new-int.crt")])

    @unsanitized_pg_programs
    def test_pg_dump(self):
        self.both_modes(lambda ci: [os.path.join(PG_BIN, "pg_dump"), "-s", "-d", ci],
                        expect_out="PostgreSQL database dump")

    @unsanitized_pg_programs
    def test_pgbench_threads(self):
        ci = tcp("good", sslmode="disable")
        init = self.run_cmd([os.path.join(PG_BIN, "pgbench"), "-i", "-s", "1", "-q", ci],
                            preload=False)
        self.assertEqual(init.returncode, 0, init.stderr)
        # 4 clients on 4 threads, reconnecting for every transaction (-C).
        self.both_modes(lambda ci: [os.path.join(PG_BIN, "pgbench"), "-n", "-S", "-C",
                                    "-c", "4", "-j", "4", "-t", "5", ci],
                        expect_out="number of transactions actually processed: 20",
                        records=21)   # 20 connections + pgbench's own first one

    # pg_isready: PQpingParams, whose connection is never returned to it.
    # Exit codes: 0 accepting, 1 rejecting, 2 no response, 3 no attempt (its
    # words are translated: the suite also runs under de_DE).
    @unsanitized_pg_programs
    def test_pg_isready(self):
        def check(mode, recs, p):
            r = recs[0]
            self.assertEqual(r["application_name"], "pg_isready")
            if mode == "audit":   # nothing changed; what enforce would do
                self.assertEqual(r["injected"], {})
                self.assertIsNone(r["tls"])
                self.assertTrue(r["audit"]["would_refuse"], r["audit"])
                self.assertEqual(r["audit"]["reason"], "server did not use TLS")
                self.assertEqual(r["audit"]["would_inject"]["sslmode"], "verify-full")
            else:
                self.assertChain(r)
        self.both_modes(lambda ci: [os.path.join(PG_BIN, "pg_isready"), "-d", ci],
                        expect_out=None, check=check)   # exit 0: accepting

    @unsanitized_pg_programs
    def test_pg_isready_refused(self):
        isready = lambda ci: [os.path.join(PG_BIN, "pg_isready"), "-d", ci]
        # Without the shim, the plaintext server is up and accepting.
        self.assertEqual(self.run_cmd(isready(tcp("plain", sslmode="disable")),
                                      preload=False).returncode, 0)
        p = self.refused_on_plain(isready)
        # libpq's own answer when the TLS the shim asked for fails: no
        # response, exit 2 (PQPING_NO_ATTEMPT, exit 3, is the answer for a
        # connection the shim refuses itself, outcome "refused").
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)

    # vacuumdb -j 2: its first connection, then a second one for the second
    # parallel slot (ParallelSlotsGetIdle connects it while the first is busy).
    VACUUMDB = ["--analyze-only", "-j", "2", "-t", "pg_class", "-t", "pg_type", "-d"]

    @unsanitized_pg_programs
    def test_vacuumdb(self):
        self.both_modes(lambda ci: [os.path.join(PG_BIN, "vacuumdb")] + self.VACUUMDB + [ci],
                        expect_out=None, records=2)

    @unsanitized_pg_programs
    def test_vacuumdb_refused(self):
        p = self.refused_on_plain(
            lambda ci: [os.path.join(PG_BIN, "vacuumdb")] + self.VACUUMDB + [ci])
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(NO_TLS, p.stderr)   # the shim's words: the same in any locale

    # pg_basebackup: replication connections (replication=true in the
    # startup packet; the harness's pg_hba has a `replication` line), the
    # base backup's and, with -X stream, the WAL streamer's, both opened in
    # the main process.  The test cluster copies in about 0.2 s.
    def basebackup(self, ci):
        self.backup = os.path.join(self.dir, "backup")
        shutil.rmtree(self.backup, ignore_errors=True)   # each run starts empty
        return [os.path.join(PG_BIN, "pg_basebackup"), "-d", ci, "-D", self.backup,
                "-X", "stream", "-c", "fast", "--no-sync", "--no-manifest"]

    @unsanitized_pg_programs
    def test_pg_basebackup(self):
        def check(mode, recs, p):
            for r in recs:
                # libpq's name for it: "replication" up to 16, the user's
                # database ("postgres") from 17 on.
                self.assertIn(r["dbname"], ("replication", "postgres"))
                self.assertEqual(r["application_name"], "pg_basebackup")
                self.assertIn(r["tls"]["protocol"], ("TLSv1.2", "TLSv1.3"))
                self.assertChain(r)
            if mode == "audit":
                self.assertEqual([r["injected"] for r in recs], [{}, {}])
                self.assertEqual(recs[0]["audit"]["would_inject"]["sslmode"], "verify-full")
                self.assertFalse(recs[0]["audit"]["would_refuse"], recs[0]["audit"])
            # A real backup came over them: the data directory and streamed WAL.
            self.assertTrue(os.path.isfile(os.path.join(self.backup, "PG_VERSION")))
            self.assertTrue([f for f in os.listdir(os.path.join(self.backup, "pg_wal"))
                             if len(f) == 24], "no WAL segment streamed")
            subprocess.run(["rm", "-rf", self.backup], check=True)
        # prefer: in audit the connection uses TLS, so the record has the chain.
        self.both_modes(self.basebackup, expect_out=None, records=2, sslmode="prefer",
                        check=check)

    @unsanitized_pg_programs
    def test_pg_basebackup_refused(self):
        p = self.refused_on_plain(self.basebackup)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(NO_TLS, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.backup, "PG_VERSION")))

    def test_psycopg2_blocking(self):
        self.both_modes(lambda ci: ["/usr/bin/python3", "-c", PSYCOPG, ci])

    def test_psycopg2_async(self):
        self.both_modes(lambda ci: ["/usr/bin/python3", "-c", PSYCOPG_ASYNC, ci])

    def test_psycopg2_async_refused(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(["/usr/bin/python3", "-c", PSYCOPG_ASYNC, tcp("wronghost")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('pgtls-shim: refused by rule "test" (enforce)', p.stderr)

    @unittest.skipUnless(HAVE_SQLALCHEMY, "python3-sqlalchemy is not installed "
                         "(scripts/deps.sh)")
    def test_sqlalchemy(self):
        def check(mode, recs, p):
            # The application's own view: TLS only once the shim upgraded it.
            self.assertIn("42 ssl=%s" % (mode == "enforce"), p.stdout)
        self.both_modes(lambda ci: ["/usr/bin/python3", "-c", SQLALCHEMY, ci], check=check)

    @unittest.skipUnless(HAVE_SQLALCHEMY, "python3-sqlalchemy is not installed "
                         "(scripts/deps.sh)")
    def test_sqlalchemy_refused(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(["/usr/bin/python3", "-c", SQLALCHEMY, tcp("wronghost")])
        self.assertNotEqual(p.returncode, 0)
        # SQLAlchemy's OperationalError carries libpq's message, the shim's first.
        self.assertIn("sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) "
                      + REFUSED + "wrong host: ", p.stderr)
        r = self.one_record()
        self.assertEqual(r["outcome"], "failed")
        self.assertFalse(r["verified"])
        self.assertIn("does not match host name", r["error"])

    def test_perl_dbd_pg(self):
        self.both_modes(lambda ci: ["perl", "-e", PERL, ci])

    def test_perl_dbd_pg_refused(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(["perl", "-e", PERL, tcp("expired")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("pgtls-shim: refused", p.stderr)
