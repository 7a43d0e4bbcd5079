"""The Debian package: scripts/package.sh builds it; it is installed with
apt-get into a fresh chroot of this machine's release (scripts/chroot.sh),
runs psql under `pgtls-shim exec` and under the container entrypoint there
against the harness's server on loopback (a chroot shares the network),
writes their records, and leaves nothing behind when removed.

In the same chroot, with the package installed, the whole host under
/etc/ld.so.preload (HostPreload: no policy, a valid one logging for several
users, a broken one) and Postfix's pgsql tables through `postmap -q`
(Postfix).  One package build and one chroot for all of it.

Needs root (chroot, mounts).  PGTLS_SKIP_PACKAGE_TEST=1 skips it, and only
that does."""
import array
import json
import os
import shutil
import socket
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
# The whole host under /etc/ld.so.preload, and Postfix (HOST below).
bash /t/host.sh >host.log 2>&1 && echo 0 >host.rc || echo $? >host.rc
apt-get remove -y -qq pgtls-shim >apt-remove.log 2>&1
# Removed while /etc/ld.so.preload still names it: ld.so complains, runs on.
sh -c true 2>stale-preload.err
echo $? >stale-preload.rc
rm /etc/ld.so.preload
while read -r f; do [ -f "$f" ] && echo "$f"; done <files.out >left.out
true
"""

HOST = r"""
# Each case's output in /t/host/NAME.out, .err, .rc; policies in /t/*.conf.
set -u
H=/t/host
mkdir -p $H
LIB=$(dpkg -L pgtls-shim | grep '/libpgtls-shim\.so$')
conn="host=db.test hostaddr=127.0.0.1 dbname=postgres user=postgres connect_timeout=10"
SSLQ="select ssl from pg_stat_ssl where pid = pg_backend_pid()"
run() { local n=$1; shift; "$@" >"$H/$n.out" 2>"$H/$n.err"; echo $? >"$H/$n.rc"; }
psql_as() { # NAME USER PORT: psql as USER (root: as is), application_name=USER
  local n=$1 u=$2 port=$3 pre=()
  [ "$u" = root ] || pre=(setpriv --reuid="$u" --regid=users --init-groups env HOME=/)
  run "$n" "${pre[@]}" psql -X -At "$conn port=$port application_name=$u" -c "$SSLQ"
}
# Programs that never call libpq; sh and python3 show the library is mapped.
no_libpq() { # PREFIX
  run "$1-sh" sh -c 'grep -c libpgtls-shim /proc/$$/maps'
  run "$1-apt-get" apt-get --version
  run "$1-apt-cache" apt-cache policy libpq5
  run "$1-dpkg" dpkg -l
  run "$1-python3" python3 -c \
    'print(any("libpgtls-shim" in l for l in open("/proc/self/maps")))'
}
lookup() { # NAME CF [KEY]: postmap -q KEY pgsql:CF
  run "$1" postmap -q "${3:-alice@example.com}" "pgsql:$H/$2.cf"
}
groupadd --system pgtls-log
useradd -M -N -G pgtls-log appuser   # may write the shared log
useradd -M -N outsider               # may not
for u in root appuser outsider; do id -u $u; done >$H/uids
echo "127.0.0.1 db.test" >>/etc/hosts    # Postfix gives libpq a host name
for s in good:$GOOD plain:$PLAIN; do
  printf '%s\n' "hosts = inet:db.test:${s#*:}" "user = postgres" "dbname = postgres" \
    "query = SELECT v FROM pgtls_postfix WHERE k = '%s'" >"$H/${s%%:*}.cf"
done

# Postfix under LD_PRELOAD, no /etc/ld.so.preload.
rm -f /etc/ld.so.preload /etc/pgtls-shim/policy.conf
lookup pf-none good
export LD_PRELOAD=$LIB PGTLS_SHIM_POLICY=/t/postfix-audit.conf
lookup pf-audit good
lookup pf-audit-plain plain
export PGTLS_SHIM_POLICY=/t/postfix-enforce.conf
lookup pf-enforce good
lookup pf-enforce-missing good nobody@example.com
lookup pf-refused plain
unset LD_PRELOAD PGTLS_SHIM_POLICY

echo "$LIB" >/etc/ld.so.preload
# 1. No policy at the default path.
no_libpq none
psql_as none-psql-plain root $PLAIN
psql_as none-psql-good root $GOOD

# 2. A valid policy (audit), one log file for several users: a directory of
# group pgtls-log, set-group-ID, log.mode 0660; then the same over syslog.
install -d -o root -g pgtls-log -m 2770 /var/log/pgtls-shim
cp /t/host-audit.conf /etc/pgtls-shim/policy.conf
no_libpq audit
[ -e /var/log/pgtls-shim/connections.jsonl ] && echo yes >$H/audit-log-early
psql_as audit-app appuser $GOOD
psql_as audit-root root $GOOD
psql_as audit-outsider outsider $GOOD
stat -c '%U %G %a' /var/log/pgtls-shim/connections.jsonl >$H/audit-log.stat
cp /var/log/pgtls-shim/connections.jsonl $H/audit-log.jsonl
cp /t/host-syslog.conf /etc/pgtls-shim/policy.conf
psql_as syslog-app appuser $GOOD
psql_as syslog-root root $GOOD
psql_as syslog-outsider outsider $GOOD

# 3. A broken policy at the default path; then removed, the way back.
cp /t/host-bad.conf /etc/pgtls-shim/policy.conf
no_libpq bad
psql_as bad-psql root $GOOD
psql_as bad-psql-app appuser $GOOD
run bad-allow env PGTLS_SHIM_ON_ERROR=allow psql -X -At "$conn port=$GOOD" -c "$SSLQ"
lookup bad-postmap good
run bad-check pgtls-shim check /etc/pgtls-shim/policy.conf
rm /etc/pgtls-shim/policy.conf
psql_as recovered root $PLAIN

# 4. Postfix under /etc/ld.so.preload, the policy at its default path.
cp /t/postfix-preload.conf /etc/pgtls-shim/policy.conf
lookup preload-pf-enforce good
lookup preload-pf-refused plain
rm /etc/pgtls-shim/policy.conf
"""


POLICIES = {
    # The package test's own: enforce for db.test, records in /t.
    "policy.conf": """version = 1;
mode = "audit";
log = { path = "/t/records.jsonl"; chain = true; };
defaults = { sslmode = "verify-full"; sslrootcert = "/pki/new-bundle.pem"; };
rules = ( { name = "pkg"; match = { host = [ "db.test" ]; }; mode = "enforce"; } );
""",
    # A host's audit policy: one log file for every user (see HOST).
    "host-audit.conf": """version = 1;
mode = "audit";
log = { path = "/var/log/pgtls-shim/connections.jsonl"; mode = 0660; chain = true; };
defaults = { sslrootcert = "/pki/new-bundle.pem"; };
""",
    "host-syslog.conf": """version = 1;
mode = "audit";
log = { path = "syslog"; socket = "/t/syslog.sock"; chain = false; };
defaults = { sslrootcert = "/pki/new-bundle.pem"; };
""",
    # A syntax error on line 2: no "=".
    "host-bad.conf": """version = 1;
mode "enforce";
defaults = { sslrootcert = "/pki/new-bundle.pem"; };
""",
}
for _mode in ("audit", "enforce", "preload"):
    POLICIES["postfix-%s.conf" % _mode] = """version = 1;
mode = "off";
log = { path = "/t/host/postfix-%s.jsonl"; chain = true; };
defaults = { sslrootcert = "/pki/new-bundle.pem"; };
rules = ( { name = "test"; match = { host = [ "db.test" ]; }; mode = "%s"; } );
""" % (_mode, "audit" if _mode == "audit" else "enforce")

# The table postmap looks KEY up in, on the servers with and without TLS.
LOOKUP_SERVERS = ("good", "plain")


class Chroot:
    """The one package build and chroot run every class here reads."""
    tmp = deb = run_out = None
    syslog = []   # (uid, record) per datagram the syslog socket received


def server_sql(name, sql):
    srv = server(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    subprocess.run(["psql", "-X", "-q", "-h", srv["socket_dir"], "-p", str(srv["port"]),
                    "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   env=env, check=True, capture_output=True)


def receive_syslog(sock):
    """Every datagram waiting on SOCK, with the sender's uid (SCM_CREDENTIALS)."""
    got = []
    creds = socket.CMSG_SPACE(3 * array.array("i").itemsize)
    while True:
        try:
            data, anc, _, _ = sock.recvmsg(65536, creds, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return got
        uid = None
        for level, kind, value in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                uid = array.array("i", value[:12])[1]
        text = data.decode()
        got.append((uid, text, json.loads(text[text.index("{"):])))


def setUpModule():
    if SKIP:
        raise unittest.SkipTest("PGTLS_SKIP_PACKAGE_TEST is set")
    if RUNTIME:
        raise unittest.SkipTest("the package is built without sanitizers: the normal run tests it")
    if os.geteuid() != 0:
        raise AssertionError(
            "the package test needs root (a chroot); PGTLS_SKIP_PACKAGE_TEST=1 skips it")
    with open("/etc/os-release") as f:
        info = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    release = info.get("VERSION_CODENAME", "").strip('"')
    Chroot.tmp = tmp = tempfile.mkdtemp(prefix="pgtls-package-")
    os.chmod(tmp, 0o755)
    out = subprocess.run(["bash", os.path.join(TOP, "scripts", "package.sh"),
                          os.path.join(tmp, "out")], capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError("package.sh failed:\n" + out.stdout + out.stderr)
    Chroot.deb = out.stdout.strip().splitlines()[-1]
    shutil.copy(Chroot.deb, tmp)
    subprocess.run(["bash", os.path.join(TOP, "scripts", "chroot.sh"), "stage", release,
                    "pkghost", "postgresql-client", "python3-minimal", "postfix",
                    "postfix-pgsql"], check=True, stdout=subprocess.DEVNULL)
    for name, text in POLICIES.items():
        with open(os.path.join(tmp, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(tmp, name), 0o644)
    for name, text in (("inner.sh", INNER), ("host.sh", HOST)):
        with open(os.path.join(tmp, name), "w") as f:
            f.write(text)
    for name in LOOKUP_SERVERS:
        server_sql(name, "CREATE TABLE IF NOT EXISTS pgtls_postfix (k text PRIMARY KEY, v text);"
                   " INSERT INTO pgtls_postfix VALUES ('alice@example.com', 'alice@mx.test')"
                   " ON CONFLICT DO NOTHING")
    # The syslog socket the syslog policy names (/t/syslog.sock), made here:
    # no syslog daemon in the chroot, and its /dev is this machine's.
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(os.path.join(tmp, "syslog.sock"))
        os.chmod(os.path.join(tmp, "syslog.sock"), 0o666)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        Chroot.run_out = subprocess.run(
            ["bash", os.path.join(TOP, "scripts", "chroot.sh"), "run", "--stage", "pkghost",
             "--rw-bind", tmp + ":/t", "--bind", PKI + ":/pki", release, "--",
             "env", "GOOD=%d" % server("good")["port"], "PLAIN=%d" % server("plain")["port"],
             "WRONG=%d" % server("wronghost")["port"], "bash", "/t/inner.sh"],
            capture_output=True, text=True)
        Chroot.syslog = receive_syslog(sock)
    finally:
        sock.close()


def tearDownModule():
    for name in LOOKUP_SERVERS:
        server_sql(name, "DROP TABLE IF EXISTS pgtls_postfix")
    if Chroot.tmp:
        shutil.rmtree(Chroot.tmp, ignore_errors=True)


class InChroot(unittest.TestCase):
    def read(self, name):
        with open(os.path.join(Chroot.tmp, name)) as f:
            return f.read()

    def case(self, name):
        """(exit status, stdout, stderr) of case NAME of HOST."""
        return (int(self.read("host/%s.rc" % name)), self.read("host/%s.out" % name),
                self.read("host/%s.err" % name))

    def jsonl(self, name):
        path = os.path.join(Chroot.tmp, name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f]


class Package(InChroot):
    def setUp(self):
        self.deb = Chroot.deb
        self.run_out = Chroot.run_out

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


NO_LIBPQ = ("sh", "apt-get", "apt-cache", "dpkg", "python3")
UNLOADABLE = "pgtls-shim: refused: the policy cannot be loaded: /etc/pgtls-shim/policy.conf:"


class HostPreload(InChroot):
    """/etc/ld.so.preload names the library: every process of the host loads it."""

    def setUp(self):
        self.assertEqual(Chroot.run_out.returncode, 0,
                         Chroot.run_out.stdout + Chroot.run_out.stderr)
        self.assertEqual(self.read("host.rc").strip(), "0", self.read("host.log"))

    def assertUntouched(self, prefix):
        """The programs that never call libpq ran as without the library, silent."""
        for prog in NO_LIBPQ:
            rc, out, err = self.case("%s-%s" % (prefix, prog))
            self.assertEqual((rc, err), (0, ""), prog)
            self.assertNotEqual(out, "", prog)
        # ... and the library was there: mapped into sh and python3.
        self.assertGreater(int(self.case(prefix + "-sh")[1]), 0)
        self.assertEqual(self.case(prefix + "-python3")[1].strip(), "True")

    def test_no_policy_changes_nothing(self):
        self.assertUntouched("none")
        # psql as if there were no shim: prefer, so plaintext to the server
        # without TLS, TLS unverified to the other; no word on stderr.
        self.assertEqual(self.case("none-psql-plain"), (0, "f\n", ""))
        self.assertEqual(self.case("none-psql-good"), (0, "t\n", ""))

    def test_valid_policy_one_log_for_every_user(self):
        self.assertUntouched("audit")
        # Nothing called libpq before psql, so nothing was logged.
        self.assertFalse(os.path.exists(os.path.join(Chroot.tmp, "host", "audit-log-early")))
        for who in ("app", "root", "outsider"):
            self.assertEqual(self.case("audit-" + who)[:2], (0, "t\n"), who)
        # appuser wrote first and created the file: its group is the
        # directory's (set-group-ID), its mode exactly log.mode, so root and
        # every other member of pgtls-log append to it.
        self.assertEqual(self.read("host/audit-log.stat").split(), ["appuser", "pgtls-log", "660"])
        records = self.jsonl("host/audit-log.jsonl")
        self.assertEqual([r["application_name"] for r in records], ["appuser", "root"])
        for r in records:
            self.assertEqual((r["event"], r["mode"], r["outcome"], r["verified"]),
                             ("connect", "audit", "ok", False))
            self.assertTrue(r["audit"]["would_verify"])
            self.assertTrue(r["chain"])
        self.assertEqual(self.case("audit-app")[2], "")
        self.assertEqual(self.case("audit-root")[2], "")
        # A user outside the group: the connection is not affected, its
        # record is lost, and stderr says so once.
        self.assertEqual(self.case("audit-outsider")[2],
                         "pgtls-shim: cannot write log /var/log/pgtls-shim/connections.jsonl: "
                         "open: Permission denied (records are lost until it works again)\n")

    def test_syslog_takes_every_user(self):
        uids = [int(u) for u in self.read("host/uids").split()]
        for who in ("app", "root", "outsider"):
            self.assertEqual(self.case("syslog-" + who), (0, "t\n", ""), who)
        got = [(uid, r["application_name"], r["mode"]) for uid, _, r in Chroot.syslog]
        self.assertEqual(got, [(uids[1], "appuser", "audit"), (uids[0], "root", "audit"),
                               (uids[2], "outsider", "audit")])
        for _, text, r in Chroot.syslog:
            self.assertRegex(text, r"^<14>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d pgtls-shim\[%d\]: {"
                             % r["pid"])

    def test_broken_policy_fails_closed_for_libpq_only(self):
        self.assertUntouched("bad")
        for name in ("bad-psql", "bad-psql-app"):
            rc, out, err = self.case(name)
            self.assertNotEqual(rc, 0)
            self.assertEqual(out, "")
            self.assertIn(UNLOADABLE + "2:", err)
        # PGTLS_SHIM_ON_ERROR=allow: through, unchanged (prefer: TLS, unverified).
        self.assertEqual(self.case("bad-allow"), (0, "t\n", ""))
        # A daemon's lookups fail the same way.
        rc, _, err = self.case("bad-postmap")
        self.assertNotEqual(rc, 0)
        self.assertIn(UNLOADABLE + "2:", err)
        # pgtls-shim check says where; removing the file ends it at the next
        # connection (no policy at the default path: the library is inert).
        rc, out, err = self.case("bad-check")
        self.assertEqual(rc, 1)
        self.assertIn("/etc/pgtls-shim/policy.conf:2:", out + err)
        self.assertEqual(self.case("recovered"), (0, "f\n", ""))


class Postfix(InChroot):
    """postmap -q KEY pgsql:CF (postfix-pgsql: `hosts = inet:db.test:PORT`,
    which it hands to PQsetdbLogin with no sslmode)."""

    def setUp(self):
        self.assertEqual(self.read("host.rc").strip(), "0", self.read("host.log"))

    def records(self, which):
        return [r for r in self.jsonl("host/postfix-%s.jsonl" % which) if r["event"] == "connect"]

    def assertFound(self, name):
        self.assertEqual(self.case(name), (0, "alice@mx.test\n", ""))

    def assertRefused(self, name):
        rc, out, err = self.case(name)
        self.assertNotEqual(rc, 0)
        self.assertEqual(out, "")
        self.assertIn('pgtls-shim: refused by rule "test" (enforce): server does not support TLS',
                      err)
        self.assertIn("postmap: fatal: table pgsql:/t/host/plain.cf: query error", err)

    def assertVerified(self, r):
        self.assertEqual((r["program"], r["mode"], r["rule"], r["host"], r["port"],
                          r["sslmode_requested"], r["sslmode_effective"], r["outcome"],
                          r["verified"], r["verification"]),
                         ("/usr/sbin/postmap", "enforce", "test", "db.test",
                          str(server("good")["port"]), "prefer", "verify-full", "ok", True,
                          "full"))
        self.assertEqual(r["injected"]["sslmode"], "verify-full")

    def test_postmap_audit(self):
        self.assertFound("pf-none")
        self.assertFound("pf-audit")
        self.assertFound("pf-audit-plain")
        good, plain = self.records("audit")
        self.assertEqual((good["program"], good["mode"], good["rule"], good["sslmode_requested"],
                          good["injected"], good["verified"], good["tls"] is not None),
                         ("/usr/sbin/postmap", "audit", "test", "prefer", {}, False, True))
        self.assertTrue(good["audit"]["would_verify"])
        self.assertEqual(len(good["chain"]), 2)
        self.assertEqual((plain["port"], plain["tls"], plain["audit"]["would_refuse"]),
                         (str(server("plain")["port"]), None, True))

    def test_postmap_enforce_verified(self):
        self.assertFound("pf-enforce")
        # A key the table does not hold: not found, the connection verified all the same.
        self.assertEqual(self.case("pf-enforce-missing"), (1, "", ""))
        verified = self.records("enforce")[:2]
        self.assertEqual(len(verified), 2)
        for r in verified:
            self.assertVerified(r)

    def test_postmap_refused_on_plaintext(self):
        self.assertRefused("pf-refused")
        r = self.records("enforce")[2]
        self.assertEqual((r["port"], r["verified"]), (str(server("plain")["port"]), False))
        self.assertIn(r["outcome"], ("refused", "failed"))

    def test_postmap_under_ld_so_preload(self):
        self.assertFound("preload-pf-enforce")
        self.assertRefused("preload-pf-refused")
        verified, refused = self.records("preload")
        self.assertVerified(verified)
        self.assertEqual((refused["port"], refused["verified"]),
                         (str(server("plain")["port"]), False))


if __name__ == "__main__":
    unittest.main()
