"""Node's pg-native (issue 14): libpq through the npm `libpq` addon, a C++
module that node dlopen()s (RTLD_LAZY, local) and that links libpq.so.5.
scripts/node-pg-native.sh installs the pinned packages and compiles the addon
against this machine's libpq (cached: a second run installs nothing).
connectSync calls PQconnectdb on node's main thread; connect(cb) calls it on a
libuv worker thread.  LD_DEBUG=bindings shows the addon's PQconnectdb bound
to the shim."""
import os
import shutil
import subprocess
import unittest

from shimtest import CLI, LIB, policy_text, tcp
from test_bindings_dl import DlClients
import test_binding

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SETUP = os.path.join(ROOT, "scripts", "node-pg-native.sh")
NODE = shutil.which("node")
NPM = shutil.which("npm")
ADDON = "/libpq/build/Release/addon.node"     # path suffixes, as the loader names them
SYSTEM_LIBPQ = test_binding.SYSTEM_LIBPQ

SYNC = r"""
const Client = require('pg-native');
const c = new Client();
try { c.connectSync(process.argv[1]); }
catch (e) { process.stderr.write(e.message + '\n'); process.exit(1); }
console.log(c.querySync('select 42 as n')[0].n);
c.end();
"""
ASYNC = r"""
const Client = require('pg-native');
const c = new Client();
c.connect(process.argv[1], (err) => {
  if (err) { process.stderr.write(err.message + '\n'); process.exit(1); }
  c.query('select 42 as n', (err, rows) => {
    if (err) { process.stderr.write(err.message + '\n'); process.exit(1); }
    console.log(rows[0].n);
    c.end();
  });
});
"""


@unittest.skipUnless(NODE and NPM, "node and npm are not installed (scripts/deps.sh)")
class PgNative(DlClients):
    @classmethod
    def setUpClass(cls):
        # A failure here (the registry or the addon's build) is an error, not a skip.
        p = subprocess.run(["bash", SETUP], capture_output=True, text=True, timeout=900)
        if p.returncode != 0:
            raise RuntimeError("scripts/node-pg-native.sh failed:\n" + p.stdout + p.stderr)
        cls.node_path = p.stdout.strip().splitlines()[-1]

    def run_cmd(self, argv, env=None, stdin=None, preload=True):
        env = dict(env or {}, NODE_PATH=self.node_path)
        return super().run_cmd(argv, env, stdin, preload)

    bound = test_binding.Binding.bound

    def node(self, script):
        return lambda ci: [NODE, "-e", script, ci]

    def test_connect_sync(self):
        self.both_modes(self.node(SYNC))

    def test_connect_async(self):
        """connect(cb): PQconnectdb on a libuv worker thread."""
        self.both_modes(self.node(ASYNC))

    def test_connect_sync_refused(self):
        self.refused(self.node(SYNC)(tcp("plain")))

    def test_connect_async_refused(self):
        self.refused(self.node(ASYNC)(tcp("plain")))

    def test_addon_binds_to_the_shim(self):
        """The addon's PQconnectdb binds to the preloaded library; the library
        then finds the real function through the addon, in libpq."""
        self.write_policy(policy_text("enforce"))
        argv = self.node(SYNC)(tcp("good", sslmode="disable"))
        p, lines = test_binding.Binding.bindings(self, argv)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        addon = [l for l in lines if ADDON in l.split()[2]]
        self.assertTrue(self.bound(addon, ADDON, LIB, "PQconnectdb"), addon)
        self.assertFalse(self.bound(addon, ADDON, SYSTEM_LIBPQ, "PQconnectdb"), addon)
        self.assertTrue(self.bound(addon, ADDON, SYSTEM_LIBPQ, "PQconnectStartParams"), addon)
        rec = self.one_record()
        self.assertEqual(rec["sslmode_effective"], "verify-full")
        self.assertTrue(rec["verified"])

    def test_pgtls_shim_exec(self):
        """`pgtls-shim exec -- node ...` governs pg-native's connections; its
        warning for a program named node names node-postgres without
        pg-native, and says pg-native's connections are checked."""
        self.write_policy(policy_text("enforce"))
        p = subprocess.run([CLI, "exec", "--policy", self.policy, "--"]
                           + self.node(SYNC)(tcp("good", sslmode="disable")),
                           capture_output=True, text=True, timeout=120,
                           env=self.env({"NODE_PATH": self.node_path}, preload=False))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("42", p.stdout)
        self.assertIn("node-postgres without pg-native speaks the PostgreSQL protocol", p.stderr)
        self.assertIn("(pg-native uses libpq: its connections are)", p.stderr)
        rec = self.one_record()
        self.assertEqual(rec["sslmode_effective"], "verify-full")
        self.assertTrue(rec["verified"])


if __name__ == "__main__":
    unittest.main()
