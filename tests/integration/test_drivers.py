"""The rest of the README's compatibility table (issue 14), each a real
client from Debian's packages: PHP under php-fpm, Python cffi in ABI mode,
psqlODBC through unixODBC, GDAL's ogrinfo, Qt's QPSQL driver, Tcl's pgtcl,
libpqxx and Ruby's pg.  Each asks the server whether its own session uses
TLS, so an upgrade that did not happen shows in the answer as well as in
the record."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from shimtest import RUNTIME, ShimCase, policy_text, server, tcp

PY = "/usr/bin/python3"
# Every client prints the answer to this: "true" when its session uses TLS.
SQL = "select ssl::text from pg_stat_ssl where pid = pg_backend_pid()"
REFUSED = re.compile(r'(^|: |\]) ?pgtls-shim: refused by rule "test" \(enforce\)', re.M)


def have(*paths):
    return all(os.path.exists(p) for p in paths)


def python_has(module):
    return subprocess.run([PY, "-c", "import " + module], capture_output=True,
                          timeout=60).returncode == 0


class DriverTests:
    """Audit and enforce against the TLS server, enforce against the plain
    one.  A class defines run_client(server, sslmode) -> (returncode, output)."""

    def run_client(self, name, sslmode):
        raise NotImplementedError

    def both_modes(self, run=None):
        run = run or self.run_client
        for mode, sslmode, effective, verified in [("audit", "prefer", "prefer", False),
                                                   ("enforce", "disable", "verify-full", True)]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text(mode))
                rc, out = run("good", sslmode)
                self.assertEqual(rc, 0, out)
                self.assertRegex(out, r"\btrue\b")          # the server says: TLS
                rec = self.one_record()
                self.assertEqual(rec["mode"], mode)
                self.assertEqual(rec["rule"], "test")
                self.assertEqual(rec["sslmode_requested"], sslmode)
                self.assertEqual(rec["sslmode_effective"], effective)
                self.assertEqual(rec["outcome"], "ok")
                self.assertEqual(rec["verified"], verified)
                self.assertIsNotNone(rec["tls"], rec)
                self.assertTrue(rec["chain"], rec)

    def refused(self, run=None):
        run = run or self.run_client
        self.write_policy(policy_text("enforce"))
        rc, out = run("plain", "disable")
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, REFUSED)
        rec = self.one_record()
        self.assertEqual(rec["mode"], "enforce")
        self.assertEqual(rec["sslmode_requested"], "disable")
        self.assertFalse(rec["verified"])
        self.assertIn(rec["outcome"], ("refused", "failed"))

    def test_audit_and_enforce(self):
        self.both_modes()

    def test_refused(self):
        self.refused()

    def output(self, argv, env=None):
        p = self.run_cmd(argv, env)
        return p.returncode, p.stdout + p.stderr


def stop_daemon(proc, sig):
    """Stops a daemon the test started: SIG (its graceful stop), up to 30 s,
    then SIGKILL."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class PhpServed(DriverTests):
    """pg_connect and PDO pgsql in a PHP script a server runs (php-fpm,
    mod_php): a class defines served(api) -> run(server, sslmode)."""

    def test_audit_and_enforce(self):
        self.both_modes(self.served("pgsql"))

    def test_pdo_audit_and_enforce(self):
        self.both_modes(self.served("pdo"))

    def test_refused(self):
        self.refused(self.served("pgsql"))

    def test_pdo_refused(self):
        self.refused(self.served("pdo"))


# ---------------------------------------------------------------- php-fpm

# php-fpm8.2 on Debian 12, php-fpm8.4 on 13: the newest there is.
PHP_FPM = max(glob.glob("/usr/sbin/php-fpm[0-9]*"), default=None)
CGI_FCGI = shutil.which("cgi-fcgi")
FPM_SCRIPT = r"""<?php
$ci = $_SERVER["PG_CI"]; $sql = $_SERVER["PG_SQL"];
try {
    if ($_SERVER["PG_API"] == "psql") {        // a program the script runs
        echo shell_exec("psql -X -At -c " . escapeshellarg($sql) . " " . escapeshellarg($ci)
                        . " 2>&1");
    } elseif ($_SERVER["PG_API"] == "pgsql") {
        $c = @pg_connect($ci);
        if (!$c) { http_response_code(500); echo error_get_last()["message"], "\n"; exit; }
        echo pg_fetch_row(pg_query($c, $sql))[0], "\n";
    } else {
        $d = new PDO("pgsql:" . $ci);
        echo $d->query($sql)->fetchColumn(), "\n";
    }
} catch (PDOException $e) { http_response_code(500); echo $e->getMessage(), "\n"; }
echo "policy-env: ", var_export(getenv("PGTLS_SHIM_POLICY"), true), "\n";
echo "preload-env: ", var_export(getenv("LD_PRELOAD"), true), "\n";
echo "shim-mapped: ", strpos(file_get_contents("/proc/self/maps"), "/libpgtls-shim.so") !== false
    ? "yes" : "no", "\n";
"""


@unittest.skipUnless(PHP_FPM and CGI_FCGI, "php-fpm or cgi-fcgi (libfcgi-bin) is not installed "
                     "(scripts/deps.sh)")
@unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
class PhpFpm(PhpServed, ShimCase):
    """php-fpm started as an operator would: LD_PRELOAD and
    PGTLS_SHIM_POLICY in the master's environment.  The workers are forked
    from the master, so the library is in them whatever their environment."""

    def start_fpm(self, pool, env=None):
        conf = os.path.join(self.dir, "php-fpm.conf")
        self.sock = os.path.join(self.dir, "fpm.sock")
        self.fpm_log = os.path.join(self.dir, "fpm.log")
        with open(conf, "w") as f:
            f.write("[global]\nerror_log = %s\ndaemonize = no\n"
                    "[www]\nlisten = %s\npm = static\npm.max_children = 1\n"
                    "php_admin_flag[html_errors] = off\n%s\n"
                    % (self.fpm_log, self.sock, pool))
        argv = [PHP_FPM, "-F", "-y", conf] + (["-R"] if os.geteuid() == 0 else [])
        os.path.exists(self.sock) and os.unlink(self.sock)
        self.fpm = subprocess.Popen(argv, env=self.env(env), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        self.addCleanup(stop_daemon, self.fpm, signal.SIGQUIT)   # SIGQUIT: graceful
        deadline = time.monotonic() + 30
        while not os.path.exists(self.sock):
            if self.fpm.poll() is not None or time.monotonic() > deadline:
                self.fail("php-fpm did not listen: rc=%s\n%s" % (
                    self.fpm.poll(), open(self.fpm_log).read()
                    if os.path.exists(self.fpm_log) else ""))
            time.sleep(0.02)   # poll interval; the condition is the socket

    def request(self, api, ci, sql=SQL):
        """One FastCGI request; cgi-fcgi hands its environment on as params."""
        script = os.path.join(self.dir, "connect.php")
        with open(script, "w") as f:
            f.write(FPM_SCRIPT)
        env = {"PATH": os.environ["PATH"], "SCRIPT_FILENAME": script,
               "REQUEST_METHOD": "GET", "PG_API": api, "PG_CI": ci, "PG_SQL": sql}
        p = subprocess.run([CGI_FCGI, "-bind", "-connect", self.sock], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        head, _, body = p.stdout.partition("\n\n")   # text mode: \r\n read as \n
        return (1 if re.search(r"(?m)^Status: 500", head) else 0), body

    def served(self, api, pool="env[PGTLS_SHIM_POLICY] = $PGTLS_SHIM_POLICY"):
        """A run(): each call a new php-fpm, which reads the policy afresh."""
        def run(name, sslmode):
            getattr(self, "fpm", None) and stop_daemon(self.fpm, signal.SIGQUIT)
            self.start_fpm(pool)
            return self.request(api, tcp(name, sslmode=sslmode))
        return run

    def test_clear_env_no(self):
        """clear_env = no: the workers keep the master's environment."""
        self.write_policy(policy_text("enforce"))
        self.start_fpm("clear_env = no")
        rc, out = self.request("pgsql", tcp("good", sslmode="disable"))
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"(?m)^true$")
        self.assertIn("policy-env: '%s'" % self.policy, out)
        self.assertTrue(self.one_record()["verified"])

    def test_programs_scripts_run_need_env_ld_preload(self):
        """A program the script runs (psql from shell_exec) starts without
        the library unless the pool passes LD_PRELOAD on too."""
        policy = "env[PGTLS_SHIM_POLICY] = $PGTLS_SHIM_POLICY\n"
        for pool, tls, n in [(policy, "false", 0),
                             (policy + "env[LD_PRELOAD] = $LD_PRELOAD", "true", 1)]:
            with self.subTest(pool=pool):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text("enforce"))
                rc, out = self.served("psql", pool)("good", "disable")
                self.assertEqual(rc, 0, out)
                self.assertRegex(out, r"(?m)^%s$" % tls)
                recs = self.records()
                self.assertEqual(len(recs), n, recs)
                self.assertTrue(all(r["program"].endswith("/psql") and r["verified"]
                                    for r in recs), recs)

    def test_pool_names_its_own_policy(self):
        """The master has no PGTLS_SHIM_POLICY, the pool names one: the
        worker's own variable is the one read at its first connection."""
        self.write_policy(policy_text("enforce"))
        self.start_fpm("env[PGTLS_SHIM_POLICY] = %s" % self.policy, {"PGTLS_SHIM_POLICY": None})
        rc, out = self.request("pgsql", tcp("good", sslmode="disable"))
        self.assertEqual(rc, 0, out)
        self.assertIn("policy-env: '%s'" % self.policy, out)
        self.assertRegex(out, r"(?m)^true$")
        rec = self.one_record()
        self.assertEqual(rec["sslmode_effective"], "verify-full")
        self.assertTrue(rec["verified"])

    def test_default_clear_env_is_governed(self):
        """The pool's default clear_env = yes and no env[] line: the worker's
        environment is empty (no PGTLS_SHIM_POLICY, no LD_PRELOAD), but the
        library read the policy's name in the master, when it loaded the pgsql
        extensions, before the workers were forked: governed all the same."""
        self.write_policy(policy_text("enforce"))
        self.start_fpm("")
        rc, out = self.request("pgsql", tcp("good", sslmode="disable"))
        self.assertEqual(rc, 0, out)
        self.assertIn("policy-env: false", out)                # emptied...
        self.assertIn("preload-env: false", out)
        self.assertRegex(out, r"(?m)^true$")                   # ...and yet TLS
        rec = self.one_record()
        self.assertEqual(rec["sslmode_effective"], "verify-full")
        self.assertTrue(rec["verified"])


# ------------------------------------------------------------ cffi, ABI mode

CFFI = r"""
import select, sys
from cffi import FFI
ffi = FFI()
ffi.cdef('''
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
PGconn *PQconnectdb(const char *conninfo);
PGconn *PQconnectStart(const char *conninfo);
int PQconnectPoll(PGconn *conn);
int PQstatus(const PGconn *conn);
int PQsocket(const PGconn *conn);
char *PQerrorMessage(const PGconn *conn);
PGresult *PQexec(PGconn *conn, const char *query);
char *PQgetvalue(const PGresult *res, int row, int col);
''')
pq = ffi.dlopen("libpq.so.5")
api, ci, sql = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
if api == "connectdb":
    c = pq.PQconnectdb(ci)
else:
    c = pq.PQconnectStart(ci)
    st = 2                                   # PGRES_POLLING_WRITING
    while pq.PQstatus(c) != 1 and st not in (0, 3):   # CONNECTION_BAD; FAILED, OK
        fd = pq.PQsocket(c)
        r, w, _ = select.select([fd] if st == 1 else [], [] if st == 1 else [fd], [], 20)
        if not r and not w:
            sys.exit("timed out")
        st = pq.PQconnectPoll(c)
if pq.PQstatus(c) != 0:
    sys.exit(ffi.string(pq.PQerrorMessage(c)).decode())
print(ffi.string(pq.PQgetvalue(pq.PQexec(c, sql), 0, 0)).decode())
"""


@unittest.skipUnless(python_has("cffi"), "python3-cffi is not installed (scripts/deps.sh)")
class Cffi(DriverTests, ShimCase):
    """cffi's ABI mode: dlopen of libpq, dlsym, calls through libffi."""

    def api(self, api):
        return lambda name, sslmode: self.output(
            [PY, "-c", CFFI, api, tcp(name, sslmode=sslmode), SQL])

    def run_client(self, name, sslmode):
        return self.api("connectdb")(name, sslmode)

    def test_connect_start_poll(self):
        self.both_modes(self.api("start"))

    def test_connect_start_poll_refused(self):
        self.refused(self.api("start"))


# ------------------------------------------------------ psqlODBC via unixODBC

ODBC_DRIVER = (glob.glob("/usr/lib/*/odbc/psqlodbcw.so") or [""])[0]
ISQL = shutil.which("isql")


@unittest.skipUnless(ISQL and ODBC_DRIVER, "unixodbc or odbc-postgresql is not installed "
                     "(scripts/deps.sh)")
class Odbc(DriverTests, ShimCase):
    """A DSN in a private odbc.ini (ODBCSYSINI, ODBCINI); psqlODBC takes
    SSLmode and hands libpq options on with pqopt."""

    def run_client(self, name, sslmode):
        with open(os.path.join(self.dir, "odbcinst.ini"), "w") as f:
            f.write("[PostgreSQL Unicode]\nDriver = %s\n" % ODBC_DRIVER)
        ini = os.path.join(self.dir, "odbc.ini")
        with open(ini, "w") as f:
            f.write("[pgtest]\nDriver = PostgreSQL Unicode\nServername = db.test\n"
                    "Port = %d\nDatabase = postgres\nUsername = postgres\nSSLmode = %s\n"
                    "pqopt = hostaddr=127.0.0.1 connect_timeout=10\n"
                    % (server(name)["port"], sslmode))
        p = self.run_cmd([ISQL, "-b", "-v", "pgtest"], {"ODBCSYSINI": self.dir, "ODBCINI": ini},
                         stdin=SQL + "\n")
        return p.returncode, p.stdout + p.stderr


# ------------------------------------------------------------- GDAL ogrinfo

OGRINFO = shutil.which("ogrinfo")


@unittest.skipUnless(OGRINFO, "gdal-bin is not installed (scripts/deps.sh)")
class Gdal(DriverTests, ShimCase):
    """ogrinfo's PostgreSQL driver: "PG:" and a libpq conninfo."""

    def run_client(self, name, sslmode):
        return self.output([OGRINFO, "-ro", "PG:" + tcp(name, sslmode=sslmode), "-sql", SQL])


# --------------------------------------------------------------- Qt QPSQL

QT = r"""
import sys
from PyQt5.QtCore import QCoreApplication
from PyQt5.QtSql import QSqlDatabase, QSqlQuery
app = QCoreApplication(sys.argv[:1])
port, options, sql = sys.argv[1:]
db = QSqlDatabase.addDatabase("QPSQL")
db.setHostName("db.test"); db.setPort(int(port))
db.setDatabaseName("postgres"); db.setUserName("postgres")
db.setConnectOptions(options)            # ';'-separated libpq keywords
if not db.open():
    sys.exit(db.lastError().text())
q = QSqlQuery(sql, db)
q.next()
print(q.value(0))
"""


@unittest.skipUnless(python_has("PyQt5.QtSql"), "python3-pyqt5.qtsql is not installed "
                     "(scripts/deps.sh)")
class Qt(DriverTests, ShimCase):
    """Qt 5's QPSQL plugin (libqt5sql5-psql), from PyQt5, no GUI."""

    def run_client(self, name, sslmode):
        return self.output([PY, "-c", QT, str(server(name)["port"]),
                            "hostaddr=127.0.0.1;connect_timeout=10;sslmode=" + sslmode, SQL],
                           {"QT_QPA_PLATFORM": "offscreen"})


# ----------------------------------------------------------------- Tcl pgtcl

TCLSH = shutil.which("tclsh")
TCL = """package require Pgtcl
if {[catch {pg_connect -conninfo [lindex $argv 0]} c]} { puts stderr $c; exit 1 }
puts [lindex [pg_result [pg_exec $c [lindex $argv 1]] -getTuple 0] 0]
"""


def have_pgtcl():
    return TCLSH and subprocess.run([TCLSH], input="puts [package require Pgtcl]",
                                    capture_output=True, text=True,
                                    timeout=60).returncode == 0


@unittest.skipUnless(have_pgtcl(), "tcl or libpgtcl is not installed (scripts/deps.sh)")
class Tcl(DriverTests, ShimCase):
    """pgtcl (Debian's libpgtcl) from tclsh."""

    def run_client(self, name, sslmode):
        script = os.path.join(self.dir, "connect.tcl")
        with open(script, "w") as f:
            f.write(TCL)
        return self.output([TCLSH, script, tcp(name, sslmode=sslmode), SQL])


# ------------------------------------------------------------------ libpqxx

PQXX = r"""#include <iostream>
#include <pqxx/pqxx>
int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    try {
        pqxx::connection c{argv[1]};
        pqxx::work w{c};
        std::cout << w.exec1(argv[2])[0].as<std::string>() << std::endl;
    } catch (const std::exception &e) {
        std::cerr << e.what() << std::endl;
        return 1;
    }
    return 0;
}
"""
GXX = shutil.which("g++")


@unittest.skipUnless(GXX and have("/usr/include/pqxx/pqxx"), "g++ or libpqxx-dev is not "
                     "installed (scripts/deps.sh)")
@unittest.skipIf(RUNTIME, "a program linked to libpq hangs at exit under a preloaded ASan "
                 "runtime, without the shim too (libp11-kit's destructor waits on glibc's "
                 "locale lock); the normal run has it")
class Libpqxx(DriverTests, ShimCase):
    """A C++ program built against libpqxx, compiled once for the class."""

    @classmethod
    def setUpClass(cls):
        cls.build = tempfile.TemporaryDirectory(prefix="pgtls-shim-pqxx-")
        src = os.path.join(cls.build.name, "pqxx.cpp")
        cls.prog = os.path.join(cls.build.name, "pqxx")
        with open(src, "w") as f:
            f.write(PQXX)
        subprocess.run([GXX, "-std=c++17", "-o", cls.prog, src, "-lpqxx", "-lpq"],
                       check=True, timeout=300)

    @classmethod
    def tearDownClass(cls):
        cls.build.cleanup()

    def run_client(self, name, sslmode):
        return self.output([self.prog, tcp(name, sslmode=sslmode), SQL])


# ------------------------------------------------------------------ Ruby pg

RUBY = shutil.which("ruby")
RUBY_PG = """require "pg"
begin
  c = PG.connect(ARGV[0])
rescue PG::Error => e
  warn e.message
  exit 1
end
puts c.exec(ARGV[1]).getvalue(0, 0)
"""


def have_ruby_pg():
    return RUBY and subprocess.run([RUBY, "-e", 'require "pg"'], capture_output=True,
                                   timeout=60).returncode == 0


@unittest.skipUnless(have_ruby_pg(), "ruby-pg is not installed (scripts/deps.sh)")
class RubyPg(DriverTests, ShimCase):
    """Ruby's pg gem (Debian's ruby-pg 1.4): PG.connect connects
    asynchronously (PQconnectStartParams and PQconnectPoll)."""

    def run_client(self, name, sslmode):
        return self.output([RUBY, "-e", RUBY_PG, tcp(name, sslmode=sslmode), SQL])


if __name__ == "__main__":
    unittest.main()
