"""The Debian package: scripts/package.sh builds it; it is installed with
apt-get into a fresh chroot of this machine's release (scripts/chroot.sh),
runs psql under `pgtls-shim exec` and under the container entrypoint there
against the harness's server on loopback (a chroot shares the network),
writes their records, and leaves nothing behind when removed.

Needs root (chroot, mounts).  PGTLS_SKIP_PACKAGE_TEST=1 skips it, and only
that does."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from shimtest import PKI, RUNTIME, server

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SKIP = os.environ.get("PGTLS_SKIP_PACKAGE_TEST", "") not in ("", "0")

INNER = r"""
set -eu
cd /t
apt-get install -y -qq ./$(basename /t/*.deb) >apt-install.log 2>&1 || { cat apt-install.log; exit 1; }
{ pgtls-shim --version 2>/dev/null || pgtls-shim --help; } >version.out
dpkg-query -W -f='${Package}\n' libconfig9 libpq5 libjson-c5 >deps.out 2>&1 || true
dpkg -L pgtls-shim >files.out
pgtls-shim check /t/policy.conf
conn="host=db.test hostaddr=127.0.0.1 dbname=postgres user=postgres connect_timeout=10"
pgtls-shim exec --policy /t/policy.conf -- psql -X -At "$conn port=$GOOD" \
  -c "select ssl from pg_stat_ssl where pid = pg_backend_pid()" >psql-good.out
PGTLS_SHIM_POLICY=/t/policy.conf /usr/share/pgtls-shim/docker-entrypoint.sh psql -X -At \
  "$conn port=$GOOD" -c "select ssl from pg_stat_ssl where pid = pg_backend_pid()" >entrypoint.out
set +e
pgtls-shim exec --policy /t/policy.conf -- psql -X -At "$conn port=$WRONG" -c "select 1" \
  >psql-wrong.out 2>psql-wrong.err
echo $? >psql-wrong.rc
set -e
# Host-wide: /etc/ld.so.preload and the default policy path, no exec.
mkdir -p /etc/pgtls-shim
cp /t/policy.conf /etc/pgtls-shim/policy.conf
dpkg -L pgtls-shim | grep '/libpgtls-shim\.so$' >/etc/ld.so.preload
psql -X -At "$conn port=$GOOD" -c "select ssl from pg_stat_ssl where pid = pg_backend_pid()" \
  >preload.out
sh -c 'ls / >/dev/null' 2>preload-ls.err
apt-get remove -y -qq pgtls-shim >apt-remove.log 2>&1
# Removed while /etc/ld.so.preload still names it: ld.so complains, runs on.
sh -c true 2>stale-preload.err
echo $? >stale-preload.rc
rm /etc/ld.so.preload
while read -r f; do [ -f "$f" ] && echo "$f"; done <files.out >left.out
true
"""


@unittest.skipIf(SKIP, "PGTLS_SKIP_PACKAGE_TEST is set")
@unittest.skipIf(RUNTIME, "the package is built without sanitizers: the normal run tests it")
class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise AssertionError(
                "the package test needs root (a chroot); PGTLS_SKIP_PACKAGE_TEST=1 skips it")
        with open("/etc/os-release") as f:
            info = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        cls.release = info.get("VERSION_CODENAME", "").strip('"')
        cls.tmp = tempfile.mkdtemp(prefix="pgtls-package-")
        os.chmod(cls.tmp, 0o755)
        out = subprocess.run(["bash", os.path.join(TOP, "scripts", "package.sh"),
                              os.path.join(cls.tmp, "out")],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise AssertionError("package.sh failed:\n" + out.stdout + out.stderr)
        cls.deb = out.stdout.strip().splitlines()[-1]
        shutil.copy(cls.deb, cls.tmp)
        subprocess.run(["bash", os.path.join(TOP, "scripts", "chroot.sh"), "stage",
                        cls.release, "pkgtest", "postgresql-client"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(cls.tmp, "policy.conf"), "w") as f:
            f.write("""version = 1;
mode = "audit";
log = { path = "/t/records.jsonl"; chain = true; };
defaults = { sslmode = "verify-full"; sslrootcert = "/pki/new-bundle.pem"; };
rules = ( { name = "pkg"; match = { host = [ "db.test" ]; }; mode = "enforce"; } );
""")
        os.chmod(os.path.join(cls.tmp, "policy.conf"), 0o644)
        with open(os.path.join(cls.tmp, "inner.sh"), "w") as f:
            f.write(INNER)
        cls.run_out = subprocess.run(
            ["bash", os.path.join(TOP, "scripts", "chroot.sh"), "run", "--stage", "pkgtest",
             "--rw-bind", cls.tmp + ":/t", "--bind", PKI + ":/pki", cls.release, "--",
             "env", "GOOD=%d" % server("good")["port"],
             "WRONG=%d" % server("wronghost")["port"], "bash", "/t/inner.sh"],
            capture_output=True, text=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def read(self, name):
        with open(os.path.join(self.tmp, name)) as f:
            return f.read()

    def test_file_name(self):
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True, check=True).stdout.strip()
        self.assertRegex(os.path.basename(self.deb), r"^pgtls-shim_[0-9][^_]*_%s\.deb$" % arch)

    def test_depends_name_what_the_library_loads(self):
        depends = subprocess.run(["dpkg-deb", "-f", self.deb, "Depends"], capture_output=True,
                                 text=True, check=True).stdout
        for dep in ("libpq5", "libconfig", "libssl3", "libjson-c5"):
            self.assertIn(dep, depends)

    def test_installs_runs_and_removes(self):
        self.assertEqual(self.run_out.returncode, 0, self.run_out.stdout + self.run_out.stderr)
        self.assertIn("pgtls-shim", self.read("version.out"))
        # apt pulled what the library dlopens.
        self.assertEqual(sorted(self.read("deps.out").split()),
                         ["libconfig9", "libjson-c5", "libpq5"])
        files = self.read("files.out").split()
        arch = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"],
                              capture_output=True, text=True, check=True).stdout.strip()
        for path in ("/usr/lib/%s/libpgtls-shim.so" % arch, "/usr/bin/pgtls-shim",
                     "/usr/share/man/man1/pgtls-shim.1.gz",
                     "/usr/share/man/man5/pgtls-shim.conf.5.gz",
                     "/usr/share/pgtls-shim/example.conf",
                     "/usr/share/pgtls-shim/audit-all.conf",
                     "/usr/share/pgtls-shim/docker-entrypoint.sh",
                     "/usr/share/pgtls-shim/examples/logrotate",
                     "/usr/share/pgtls-shim/examples/systemd-override.conf"):
            self.assertIn(path, files)
        # psql under `pgtls-shim exec`, enforced: verified, and a record.
        self.assertEqual(self.read("psql-good.out").strip(), "t")
        records = [json.loads(line) for line in self.read("records.jsonl").splitlines()]
        good = [r for r in records if r["port"] == str(server("good")["port"])]
        # psql under the container entrypoint, the same.
        self.assertEqual(self.read("entrypoint.out").strip(), "t")
        # Under /etc/ld.so.preload with the policy at its default path.
        self.assertEqual(self.read("preload.out").strip(), "t")
        self.assertEqual(self.read("preload-ls.err"), "")
        self.assertEqual(len(good), 3, records)
        for r in good:
            self.assertEqual((r["event"], r["mode"], r["rule"], r["outcome"], r["verified"],
                              r["sslmode_effective"]),
                             ("connect", "enforce", "pkg", "ok", True, "verify-full"))
        # A certificate for another host is refused.
        self.assertNotEqual(self.read("psql-wrong.rc").strip(), "0")
        self.assertIn("pgtls-shim: refused by rule \"pkg\"", self.read("psql-wrong.err"))
        # Removed: none of its files is left.  A stale /etc/ld.so.preload
        # entry costs a line on stderr from ld.so, not the program.
        self.assertEqual(self.read("left.out"), "")
        self.assertEqual(self.read("stale-preload.rc").strip(), "0")
        self.assertIn("cannot be preloaded", self.read("stale-preload.err"))


if __name__ == "__main__":
    unittest.main()
