"""Real, unchanged clients through the shim, in audit and enforce, checked
through their records: psql, pg_dump, pgbench with threads, psycopg2 blocking
and async, Perl DBD::Pg."""
import os

from shimtest import ShimCase, pgservers, policy_text, server, tcp, unsanitized_pg_programs

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


class Clients(ShimCase):
    def both_modes(self, argv_for, expect_out="42", records=1):
        for mode, effective, verified in [("audit", "disable", False),
                                          ("enforce", "verify-full", True)]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text(mode))
                p = self.run_cmd(argv_for(tcp("good", sslmode="disable")))
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                if expect_out:
                    self.assertIn(expect_out, p.stdout)
                recs = self.records()
                self.assertEqual(len(recs), records, recs)
                for r in recs:
                    self.assertEqual(r["mode"], mode)
                    self.assertEqual(r["sslmode_effective"], effective)
                    self.assertEqual(r["verified"], verified)

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

    def test_psycopg2_blocking(self):
        self.both_modes(lambda ci: ["/usr/bin/python3", "-c", PSYCOPG, ci])

    def test_psycopg2_async(self):
        self.both_modes(lambda ci: ["/usr/bin/python3", "-c", PSYCOPG_ASYNC, ci])

    def test_psycopg2_async_refused(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(["/usr/bin/python3", "-c", PSYCOPG_ASYNC, tcp("wronghost")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('pgtls-shim: refused by rule "test" (enforce)', p.stderr)

    def test_perl_dbd_pg(self):
        self.both_modes(lambda ci: ["perl", "-e", PERL, ci])

    def test_perl_dbd_pg_refused(self):
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(["perl", "-e", PERL, tcp("expired")])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("pgtls-shim: refused", p.stderr)
