"""Clients that reach libpq around the global scope (issue 14): PHP's pgsql
and pdo_pgsql (dlopen'ed with RTLD_DEEPBIND), psycopg 3 (ctypes: dlsym on an
RTLD_LOCAL libpq, calls from libffi), and a libpq in a dlmopen namespace,
which the shim cannot govern and reports once as a blind spot.  Also: the
interposed dlsym, dlopen and dlmopen hand ordinary calls on as tail calls, so
glibc still sees the caller's return address (RTLD_NEXT, RUNPATH)."""
import os
import platform
import re
import shutil
import subprocess
import unittest

from shimtest import BIN, CLI, LIB, RUNTIME, ShimCase, policy_text, tcp

DL = os.path.join(BIN, "pqclient_dl")
PHP = shutil.which("php")
PHP_SCRIPT = r"""
[$_, $api, $ci] = $argv;
try {
    if ($api == "pgsql") {
        $c = @pg_connect($ci);
        if (!$c) { fwrite(STDERR, error_get_last()["message"] . "\n"); exit(1); }
        echo pg_fetch_row(pg_query($c, "select 42"))[0], "\n";
    } else {
        $d = new PDO("pgsql:" . $ci);
        echo $d->query("select 42")->fetchColumn(), "\n";
    }
} catch (PDOException $e) { fwrite(STDERR, $e->getMessage() . "\n"); exit(1); }
"""
PSYCOPG3 = """
import sys, psycopg
try:
    c = psycopg.connect(sys.argv[1])
except psycopg.OperationalError as e:
    # psycopg 3 strips libpq's message up to its first colon; the raw one:
    sys.exit(e.pgconn.error_message.decode() if e.pgconn else str(e))
print(c.execute("select 42").fetchone()[0])
"""
PSYCOPG3_ASYNC = """
import asyncio, sys, psycopg
async def main():
    c = await psycopg.AsyncConnection.connect(sys.argv[1])
    cur = await c.execute("select 42")
    print((await cur.fetchone())[0])
asyncio.run(main())
"""
CTYPES = """
import ctypes
lib = ctypes.CDLL("libpq.so.5")
def where(f):
    a = ctypes.cast(f, ctypes.c_void_p).value
    for line in open("/proc/self/maps"):
        r, *rest = line.split()
        lo, hi = (int(x, 16) for x in r.split("-"))
        if lo <= a < hi:
            return rest[-1]
print(where(lib.PQconnectStart)); print(where(lib.PQlibVersion)); print(lib.PQlibVersion())
"""
REFUSED = re.compile(r'(^|: |\] )pgtls-shim: refused by rule "test" \(enforce\)', re.M)


def have_psycopg3():
    p = subprocess.run(["/usr/bin/python3", "-c", "import psycopg"], capture_output=True,
                       timeout=60)
    return p.returncode == 0


class DlClients(ShimCase):
    def both_modes(self, argv_for):
        """Audit (recorded, with the chain) and enforce (upgraded, verified)."""
        for mode, sslmode, effective, verified in [("audit", "prefer", "prefer", False),
                                                   ("enforce", "disable", "verify-full", True)]:
            with self.subTest(mode=mode):
                os.path.exists(self.log) and os.unlink(self.log)
                self.write_policy(policy_text(mode))
                p = self.run_cmd(argv_for(tcp("good", sslmode=sslmode)))
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertIn("42", p.stdout)
                rec = self.one_record()
                self.assertEqual(rec["mode"], mode)
                self.assertEqual(rec["sslmode_effective"], effective)
                self.assertEqual(rec["verified"], verified)
                self.assertTrue(rec["chain"], rec)
                self.assertEqual(self.records("blind_spot"), [])

    def refused(self, argv):
        """Enforce against the plaintext server: refused, the app says why."""
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd(argv)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertRegex(p.stderr, REFUSED)
        rec = self.one_record()
        self.assertEqual(rec["mode"], "enforce")
        self.assertFalse(rec["verified"])
        self.assertIn(rec["outcome"], ("refused", "failed"))


@unittest.skipUnless(PHP, "php-cli is not installed (scripts/deps.sh)")
@unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
class Php(DlClients):
    def php(self, api):
        return lambda ci: [PHP, "-r", PHP_SCRIPT, api, ci]

    def test_pg_connect(self):
        self.both_modes(self.php("pgsql"))

    def test_pdo_pgsql(self):
        self.both_modes(self.php("pdo"))

    def test_pg_connect_refused(self):
        self.refused(self.php("pgsql")(tcp("plain")))

    def test_pdo_pgsql_refused(self):
        self.refused(self.php("pdo")(tcp("plain")))


@unittest.skipUnless(have_psycopg3(), "python3-psycopg is not installed (scripts/deps.sh)")
class Psycopg3(DlClients):
    def run_cmd(self, argv, env=None, stdin=None, preload=True):
        env = dict(env or {}, PSYCOPG_IMPL="python")   # the ctypes implementation
        return super().run_cmd(argv, env, stdin, preload)

    def test_blocking(self):
        self.both_modes(lambda ci: ["/usr/bin/python3", "-c", PSYCOPG3, ci])

    def test_async(self):
        self.both_modes(lambda ci: ["/usr/bin/python3", "-c", PSYCOPG3_ASYNC, ci])

    def test_refused(self):
        self.refused(["/usr/bin/python3", "-c", PSYCOPG3, tcp("plain")])


class Ctypes(ShimCase):
    def test_dlsym_hands_out_hooks_only_for_hooked_names(self):
        """ctypes' dlsym of a hooked name on an RTLD_LOCAL libpq gets the
        shim's hook; any other name gets libpq's own function."""
        self.write_policy(policy_text("audit"))
        for preload, first in ((True, os.path.realpath(LIB)), (False, "libpq.so.5")):
            with self.subTest(preload=preload):
                p = self.run_cmd(["/usr/bin/python3", "-c", CTYPES], preload=preload)
                self.assertEqual(p.returncode, 0, p.stderr)
                hooked, other, version = p.stdout.split()
                self.assertIn(first, hooked)
                self.assertIn("libpq.so.5", other)
                self.assertGreater(int(version), 90000)


    def test_policy_named_after_the_lookup_is_the_one_read(self):
        """A dlsym of a libpq function notes the environment early (for
        daemons that empty it later); a PGTLS_SHIM_POLICY set after that,
        before the first connection, is still the one the shim reads."""
        self.write_policy(policy_text("enforce"))
        script = ("import ctypes, os, sys\n"
                  "lib = ctypes.CDLL('libpq.so.5')\n"
                  "connect = lib.PQconnectdb\n"
                  "os.environ['PGTLS_SHIM_POLICY'] = sys.argv[2]\n"
                  "connect.restype = ctypes.c_void_p\n"
                  "lib.PQstatus.argtypes = [ctypes.c_void_p]\n"
                  "sys.exit(lib.PQstatus(connect(sys.argv[1].encode())))\n")
        p = self.run_cmd(["/usr/bin/python3", "-c", script, tcp("good", sslmode="disable"),
                          self.policy], {"PGTLS_SHIM_POLICY": None})
        self.assertEqual(p.returncode, 0, p.stderr)
        rec = self.one_record()
        self.assertEqual(rec["sslmode_effective"], "verify-full")
        self.assertTrue(rec["verified"])


@unittest.skipIf(RUNTIME, "an instrumented module in a new namespace loads a second sanitizer "
                 "runtime, which aborts; the normal run has it")
class Dlmopen(ShimCase):
    def test_one_blind_spot_record(self):
        """A libpq in another link-map namespace cannot be governed: one
        blind_spot record says so, the connection goes unrecorded."""
        self.write_policy(policy_text("enforce"))
        p = self.run_cmd([DL, "dlmopen", tcp("good", sslmode="disable")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        spots = self.records("blind_spot")
        self.assertEqual(len(spots), 1, spots)
        self.assertTrue(spots[0]["libpq"].endswith("/libpq.so.5"), spots[0])
        self.assertIn("dlmopen", spots[0]["why"])
        self.assertEqual(spots[0]["pid"] > 0, True)
        self.assertEqual(self.records(), [])


@unittest.skipUnless(platform.machine() == "x86_64", "the check reads x86-64 code")
@unittest.skipIf(RUNTIME, "sanitizer builds instrument the hooks")
class TailCalls(unittest.TestCase):
    def body(self, name):
        out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", LIB], capture_output=True,
                             text=True, check=True, timeout=60).stdout
        m = re.search(r"^[0-9a-f]+ <%s>:\n(.*?)(?:\n\n|\Z)" % name, out, re.M | re.S)
        self.assertIsNotNone(m, name)
        return [l.split("\t", 1)[-1].strip() for l in m.group(1).splitlines()]

    def test_pass_through_paths_are_sibling_calls(self):
        """The real function is entered with a jmp, never a call: glibc's
        dlsym(RTLD_NEXT) and dlopen's RUNPATH see the application's return
        address, not the shim's."""
        for name in ("dlsym", "dlopen", "dlmopen"):
            with self.subTest(name=name):
                insns = self.body(name)
                self.assertTrue(any(re.match(r"jmp\s+\*%r", i) for i in insns), insns)
                self.assertFalse(any(re.match(r"call\s+\*", i) for i in insns), insns)
                self.assertFalse(any(re.match(r"ret", i) for i in insns), insns)


class ExecWarnings(ShimCase):
    def test_exec_warns_about_runtimes_whose_drivers_skip_libpq(self):
        """`pgtls-shim exec` names what it can tell is out of reach: here a
        program called node (node-postgres speaks the protocol itself)."""
        self.write_policy(policy_text("audit"))
        node = os.path.join(self.dir, "node")
        shutil.copy("/bin/true", node)
        p = subprocess.run([CLI, "exec", "--policy", self.policy, "--", node],
                           capture_output=True, text=True, env=self.env(preload=False),
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("node-postgres without pg-native speaks the PostgreSQL protocol "
                      "without libpq", p.stderr)
