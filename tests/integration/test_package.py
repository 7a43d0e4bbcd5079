"""The Debian package, on each release of RELEASES (Debian 12 and 13): built
by scripts/package.sh in a chroot of that release with the build dependencies
(stage pkgbuild) and checked by lintian there; then installed with apt-get into
a clean chroot of the release (stage pkgtest, scripts/chroot.sh), where it
runs psql under `pgtls-shim exec`, under the container entrypoint and under
/etc/ld.so.preload against the harness's servers on loopback (a chroot shares
the network), and is removed and purged.

In the same chroot, with the package installed: what postinst made (the log
directory, the group), `pgtls-shim check` of the installed example policies,
ld.so's $LIB, the preload helper (PRELOAD: foreign entries kept, idempotent,
removal refused while enabled), logrotate between two connections of one
process, the whole host under /etc/ld.so.preload (HostPreload: no policy, a
valid one logging for several users, a broken one) and Postfix's pgsql
tables through `postmap -q` (Postfix).  One build and one install chroot per
release for all of it.

Needs root (chroot, mounts).  PGTLS_SKIP_PACKAGE_TEST=1 skips it, and only
that does; PGTLS_PACKAGE_RELEASES (default "bookworm trixie") names the
releases."""
import array
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import unittest

from shimtest import PKI, RUNTIME, server

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SKIP = os.environ.get("PGTLS_SKIP_PACKAGE_TEST", "") not in ("", "0")

INNER = r"""
set -eu
cd /t
apt-get install -y -qq ./$(basename /t/*.deb) >apt-install.log 2>&1 || { cat apt-install.log; exit 1; }
{ pgtls-shim --version 2>/dev/null || pgtls-shim --help; } >version.out
dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'libconfig[0-9]*' libpq5 \
  adduser ca-certificates 2>/dev/null | sed -n 's/^ii *//p' >deps.out
dpkg -L pgtls-shim >files.out
LIB=$(grep '/libpgtls-shim\.so$' files.out)
# What postinst made, and the installed example policies as they are.
getent group pgtls-shim >group.out
stat -c '%U %G %a' /var/log/pgtls-shim >logdir.stat
for p in /usr/share/pgtls-shim/example.conf /usr/share/pgtls-shim/audit-all.conf \
  /usr/share/doc/pgtls-shim/examples/example.conf /usr/share/doc/pgtls-shim/examples/audit-all.conf; do
  rc=0; pgtls-shim check "$p" >>check-examples.out 2>&1 || rc=$?
  echo "$rc $p" >>check-examples.rc
done
# ld.so's $LIB token names the multiarch directory the library is in.
LD_PRELOAD='/usr/$LIB/libpgtls-shim.so' cat /proc/self/maps >lib-token.maps 2>lib-token.err
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
# Host-wide through the helper: the policy at its default path, no exec.
mkdir -p /etc/pgtls-shim
cp /t/policy.conf /etc/pgtls-shim/policy.conf
pgtls-shim-preload enable >preload-enable.out
cp /etc/ld.so.preload preload-enable.file
psql -X -At "$conn port=$GOOD" -c "select ssl from pg_stat_ssl where pid = pg_backend_pid()" \
  >preload.out
sh -c 'ls / >/dev/null' 2>preload-ls.err
# The systemd drop-in example on a unit with ProtectSystem=strict and an
# LD_PRELOAD of its own: systemd accepts it, and its ExecStart= (run here as
# systemd would, with the unit's environment) keeps that LD_PRELOAD.
mkdir -p /t/sd/demo.service.d
printf '%s\n' '[Unit]' 'Description=a libpq client' '[Service]' 'ExecStart=/bin/true' \
  'ProtectSystem=strict' 'Environment=LD_PRELOAD=/usr/$LIB/libz.so.1' >/t/sd/demo.service
printf '#!/bin/sh\necho "$LD_PRELOAD"\n' >/t/sd/show-preload
chmod 755 /t/sd/show-preload
sed 's|/usr/bin/SERVICE --its --arguments|/t/sd/show-preload|' \
  /usr/share/doc/pgtls-shim/examples/systemd-override.conf >/t/sd/demo.service.d/pgtls-shim.conf
rc=0; SYSTEMD_UNIT_PATH=/t/sd: systemd-analyze verify --man=no /t/sd/demo.service \
  >systemd-verify.out 2>&1 || rc=$?
echo $rc >systemd-verify.rc
execstart=$(sed -n 's/^ExecStart=\(..*\)$/\1/p' /t/sd/demo.service.d/pgtls-shim.conf)
env LD_PRELOAD='/usr/$LIB/libz.so.1' $execstart >systemd-execstart.out
# The helper's cases (PRELOAD below), the whole host (HOST), Postfix.
bash /t/preload.sh >preload.log 2>&1 && echo 0 >preload.rc || echo $? >preload.rc
bash /t/host.sh >host.log 2>&1 && echo 0 >host.rc || echo $? >host.rc
# host.sh leaves /etc/ld.so.preload naming the library by its path, as
# written by hand: removal is refused, and the package stays as it was.
rc=0; apt-get remove -y -qq pgtls-shim >remove-refused.log 2>&1 || rc=$?
echo $rc >remove-refused.rc
dpkg-query -W -f='${db:Status-Abbrev}\n' pgtls-shim >remove-refused.status
[ -f "$LIB" ] && echo yes >remove-refused.lib
sh -c true 2>remove-refused-sh.err
pgtls-shim-preload disable >disable-final.out
[ -e /etc/ld.so.preload ] && echo yes >disable-final.left
apt-get remove -y -qq pgtls-shim >apt-remove.log 2>&1
while read -r f; do [ -f "$f" ] && echo "$f"; done <files.out >left-remove.out
stat -c '%U %G %a' /var/log/pgtls-shim >logdir-remove.stat 2>&1 || true
apt-get purge -y -qq pgtls-shim >apt-purge.log 2>&1
while read -r f; do [ -f "$f" ] && echo "$f"; done <files.out >left.out
[ -e /var/log/pgtls-shim ] && echo yes >logdir-purge.left
getent group pgtls-shim >group-purge.out || true
# A log directory the administrator made before installing: postinst leaves
# it as it is, and purge leaves it with what is in it.
install -d -m 0750 /var/log/pgtls-shim
echo kept >/var/log/pgtls-shim/admin.jsonl
apt-get install -y -qq ./$(basename /t/*.deb) >apt-reinstall.log 2>&1
stat -c '%U %G %a' /var/log/pgtls-shim >admindir-install.stat
apt-get purge -y -qq pgtls-shim >apt-purge-admindir.log 2>&1
cat /var/log/pgtls-shim/admin.jsonl >admindir-purge.out 2>&1 || true
true
"""

PRELOAD = r"""
# pgtls-shim-preload: each case's output in /t/pl/NAME.out, .err, .rc, and
# /etc/ld.so.preload afterwards in NAME.file ("(none)" when there is none).
set -u
P=/t/pl
mkdir -p $P
run() {
  local n=$1; shift
  "$@" >"$P/$n.out" 2>"$P/$n.err"; echo $? >"$P/$n.rc"
  cat /etc/ld.so.preload >"$P/$n.file" 2>/dev/null || echo "(none)" >"$P/$n.file"
}
LIB=$(dpkg -L pgtls-shim | grep '/libpgtls-shim\.so$')
rm -f /etc/ld.so.preload /etc/pgtls-shim/policy.conf
run status-none pgtls-shim-preload status
run disable-none pgtls-shim-preload disable
# What the host preloads already: kept, byte for byte.
# (One comment, first: glibc's loop that blanks comments out does not move
# on, so it misses those far enough after the first, whose words become
# entries ld.so cannot load.)
printf '%s\n' '# an allocator, kept as it is' '/usr/$LIB/libz.so.1' '/usr/$LIB/libgcc_s.so.1' \
  >/etc/ld.so.preload
chmod 0640 /etc/ld.so.preload
cp /etc/ld.so.preload $P/foreign
run enable-nopolicy pgtls-shim-preload enable
cp /t/host-bad.conf /etc/pgtls-shim/policy.conf
run enable-bad pgtls-shim-preload enable
cp /usr/share/pgtls-shim/example.conf /etc/pgtls-shim/policy.conf
run enable pgtls-shim-preload enable
stat -c '%U %G %a' /etc/ld.so.preload >$P/enable.stat
run enable-again pgtls-shim-preload enable
run status-enabled pgtls-shim-preload status
run sh-enabled sh -c 'grep -c libpgtls-shim /proc/$$/maps'
run disable pgtls-shim-preload disable
stat -c '%U %G %a' /etc/ld.so.preload >$P/disable.stat
run disable-again pgtls-shim-preload disable
run status-disabled pgtls-shim-preload status
# The library by its path, on one line with another entry and a comment.
printf '%s\n' "/usr/\$LIB/libz.so.1:$LIB # both" >/etc/ld.so.preload
run status-shared pgtls-shim-preload status
run disable-shared pgtls-shim-preload disable
# Nothing else in the file: disable removes the file enable made.
rm -f /etc/ld.so.preload
run enable-alone pgtls-shim-preload enable
run disable-alone pgtls-shim-preload disable
# Another run holds the lock: enable waits for it (timeout stops it) and
# leaves the file alone.
run enable-locked flock /etc timeout 5 pgtls-shim-preload enable
ls -a /etc | grep '^ld\.so\.preload.' >$P/etc-leftovers
rm -f /etc/pgtls-shim/policy.conf
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
useradd -M -N -G pgtls-shim appuser  # may write the shared log (the package's group)
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

# 2. A valid policy (audit), one log file for several users: the package's
# directory (group pgtls-shim, set-group-ID), log.mode 0660; then the same
# over syslog.
cp /t/host-audit.conf /etc/pgtls-shim/policy.conf
no_libpq audit
[ -e /var/log/pgtls-shim/connections.jsonl ] && echo yes >$H/audit-log-early
psql_as audit-app appuser $GOOD
psql_as audit-root root $GOOD
psql_as audit-outsider outsider $GOOD
stat -c '%U %G %a' /var/log/pgtls-shim/connections.jsonl >$H/audit-log.stat
cp /var/log/pgtls-shim/connections.jsonl $H/audit-log.jsonl
# logrotate between two connections of one process (psql's \c): the second
# record lands in a new file, which that process makes and appuser appends to.
printf '%s\n' 'select 1;' \
  '\! logrotate -f /etc/logrotate.d/pgtls-shim >/t/host/logrotate.out 2>&1; echo $? >/t/host/logrotate.rc' \
  "\\c '$conn port=$GOOD application_name=after-rotation'" 'select 2;' >$H/rotate.sql
run rotate-psql psql -X -q -At "$conn port=$GOOD application_name=before-rotation" -f $H/rotate.sql
psql_as rotated-app appuser $GOOD
ls /var/log/pgtls-shim >$H/rotated.ls
stat -c '%U %G %a' /var/log/pgtls-shim/connections.jsonl >$H/rotated.stat
cp /var/log/pgtls-shim/connections.jsonl $H/rotated-new.jsonl
cp /var/log/pgtls-shim/connections.jsonl.1 $H/rotated-old.jsonl
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


# The releases the package is built and tested on, each in its own chroots.
RELEASES = os.environ.get("PGTLS_PACKAGE_RELEASES", "bookworm trixie").split()
# Stage "pkgbuild": what scripts/package.sh needs, and lintian.
BUILD_PKGS = ("build-essential", "dpkg-dev", "debhelper", "cmake", "pkg-config", "libconfig-dev",
              "libpq-dev", "libssl-dev", "libjson-c-dev", "zlib1g-dev", "lintian")
# Stage "pkgtest": a clean system with the clients the test runs; the
# package's own Depends come from apt.
# systemd: only for `systemd-analyze verify` of the drop-in example.
TEST_PKGS = ("postgresql-client", "python3-minimal", "postfix", "postfix-pgsql", "logrotate",
             "systemd")

# The package is built in the release's chroot, then checked by lintian as
# an unprivileged user (lintian advises against root).
BUILD = r"""
set -eu
bash /src/scripts/package.sh /out >/out/package.log 2>&1 || { tail -n 40 /out/package.log; exit 1; }
mkdir /tmp/lintian && cp /out/*.deb /tmp/lintian/ && chmod -R a+rX /tmp/lintian
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp/lintian \
  lintian --show-overrides /tmp/lintian/*.deb >/out/lintian.txt 2>&1 || rc=$?
echo $rc >/out/lintian.rc
"""

# The warnings lintian may give the package, each with why it is left.
# Errors: none.  Overridden tags are in debian/pgtls-shim.lintian-overrides,
# each with its reason there.
# None is left since pgtls-shim-preload(8) exists (no-manual-page is gone).
LINTIAN_WARNINGS = {
}


class Run:
    """One release: the package built there, and the run that installs it."""

    def __init__(self, release):
        self.release = release
        self.tmp = tempfile.mkdtemp(prefix="pgtls-package-%s-" % release)
        os.chmod(self.tmp, 0o755)
        self.deb = self.run_out = self.error = None
        self.syslog = []   # (uid, text, record) per datagram the syslog socket received
        self.times = {}


RUNS = {}


def chroot(*args, **kw):
    return subprocess.run(["bash", os.path.join(TOP, "scripts", "chroot.sh")] + list(args), **kw)


def build(run):
    """Builds the package in the release's chroot: RUN.deb, RUN.tmp/out/lintian.*."""
    out = os.path.join(run.tmp, "out")
    os.mkdir(out)
    chroot("stage", run.release, "pkgbuild", *BUILD_PKGS, check=True, stdout=subprocess.DEVNULL)
    p = chroot("run", "--stage", "pkgbuild", "--src", "--rw-bind", out + ":/out", run.release,
               "--", "bash", "-c", BUILD, capture_output=True, text=True)
    debs = [f for f in os.listdir(out) if f.endswith(".deb")]
    if p.returncode != 0 or len(debs) != 1:
        raise AssertionError("package build on %s failed:\n%s%s" % (run.release, p.stdout,
                                                                     p.stderr))
    run.deb = os.path.join(out, debs[0])
    shutil.copy(run.deb, run.tmp)


def install_run(run):
    """Installs RUN.deb in a clean chroot of the release and runs INNER there."""
    chroot("stage", run.release, "pkgtest", *TEST_PKGS, check=True, stdout=subprocess.DEVNULL)
    for name, text in POLICIES.items():
        with open(os.path.join(run.tmp, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(run.tmp, name), 0o644)
    for name, text in (("inner.sh", INNER), ("preload.sh", PRELOAD), ("host.sh", HOST)):
        with open(os.path.join(run.tmp, name), "w") as f:
            f.write(text)
    # The syslog socket the syslog policy names (/t/syslog.sock), made here:
    # no syslog daemon in the chroot, and its /dev is this machine's.
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(os.path.join(run.tmp, "syslog.sock"))
        os.chmod(os.path.join(run.tmp, "syslog.sock"), 0o666)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        run.run_out = chroot(
            "run", "--stage", "pkgtest", "--rw-bind", run.tmp + ":/t", "--bind", PKI + ":/pki",
            run.release, "--",
            "env", "GOOD=%d" % server("good")["port"], "PLAIN=%d" % server("plain")["port"],
            "WRONG=%d" % server("wronghost")["port"], "bash", "/t/inner.sh",
            capture_output=True, text=True)
        run.syslog = receive_syslog(sock)
    finally:
        sock.close()


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
    for name in LOOKUP_SERVERS:
        server_sql(name, "CREATE TABLE IF NOT EXISTS pgtls_postfix (k text PRIMARY KEY, v text);"
                   " INSERT INTO pgtls_postfix VALUES ('alice@example.com', 'alice@mx.test')"
                   " ON CONFLICT DO NOTHING")
    # The releases side by side: each waits on its chroots' disks as much as
    # on the compiler.
    threads = [threading.Thread(target=build_and_run, args=(release,)) for release in RELEASES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for run in RUNS.values():
        sys.stderr.write("test_package: %s: %s\n" % (run.release, ", ".join(
            "%s %.0f s" % kv for kv in run.times.items()) or "failed"))


def build_and_run(release):
    run = RUNS[release] = Run(release)
    try:
        for step in (build, install_run):
            start = time.monotonic()
            step(run)
            run.times[step.__name__] = time.monotonic() - start
    except (AssertionError, subprocess.CalledProcessError) as e:
        run.error = str(e)


def tearDownModule():
    for name in LOOKUP_SERVERS:
        server_sql(name, "DROP TABLE IF EXISTS pgtls_postfix")
    for run in RUNS.values():
        if os.environ.get("PGTLS_PACKAGE_KEEP"):
            sys.stderr.write("test_package: kept %s\n" % run.tmp)
        else:
            shutil.rmtree(run.tmp, ignore_errors=True)


class InChroot(unittest.TestCase):
    """Reads what one release's run left in its directory (the chroot's /t)."""
    release = None

    def setUp(self):
        self.run_ = RUNS[self.release]
        self.assertIsNone(self.run_.error)

    def path(self, *names):
        return os.path.join(self.run_.tmp, *names)

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()

    def case(self, name, where="host"):
        """(exit status, stdout, stderr) of case NAME of HOST (or PRELOAD: where="pl")."""
        return (int(self.read("%s/%s.rc" % (where, name))), self.read("%s/%s.out" % (where, name)),
                self.read("%s/%s.err" % (where, name)))

    def jsonl(self, name):
        path = self.path(name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f]


class PackageTests:
    def setUp(self):
        super().setUp()
        self.deb = self.run_.deb
        self.run_out = self.run_.run_out
        self.assertEqual(self.run_out.returncode, 0, self.run_out.stdout + self.run_out.stderr)

    def test_file_name(self):
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True, check=True).stdout.strip()
        self.assertRegex(os.path.basename(self.deb), r"^pgtls-shim_[0-9][^_]*_%s\.deb$" % arch)

    def test_depends_name_what_the_library_loads(self):
        depends = subprocess.run(["dpkg-deb", "-f", self.deb, "Depends"], capture_output=True,
                                 text=True, check=True).stdout
        for dep in ("libpq5", "libconfig", "libssl3", "adduser", "ca-certificates"):
            self.assertIn(dep, depends)

    def test_lintian_finds_no_error(self):
        text = self.read("out/lintian.txt")
        sys.stderr.write("lintian on %s:\n%s" % (self.release, text))
        tags = [line.split()[:3] for line in text.splitlines()
                if line[:2] in ("E:", "W:", "O:")]
        self.assertEqual([t for t in tags if t[0] == "E:"], [])
        self.assertEqual(self.read("out/lintian.rc").strip(), "0", text)
        # Every warning left is one listed above with its reason.
        for kind, _, tag in tags:
            if kind == "W:":
                self.assertIn(tag, LINTIAN_WARNINGS, text)

    def test_copyright_is_dep5_with_the_postgresql_licence(self):
        out = subprocess.run(["dpkg-deb", "--fsys-tarfile", self.deb], capture_output=True,
                             check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(out)) as tar:
            text = tar.extractfile("./usr/share/doc/pgtls-shim/copyright").read().decode()
        self.assertTrue(text.startswith(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"))
        self.assertIn("License: PostgreSQL\n Permission to use, copy, modify", text)
        with open(os.path.join(TOP, "LICENSE")) as f:
            licence = f.read()
        # The same words as the top-level LICENSE.
        body = licence[licence.index("Permission"):].split()
        self.assertEqual(text[text.index(" Permission"):].replace("\n .\n", "\n").split(), body)

    def test_installs_runs_and_removes(self):
        # --version names the library exec preloads: the package's, in the multiarch dir.
        self.assertRegex(self.read("version.out"),
                         r"^pgtls-shim \S+\nlibrary: /usr/lib/[^/]+/libpgtls-shim\.so ")
        # apt pulled what the library dlopens, adduser for postinst and the
        # OS store the example policies name.
        self.assertRegex(" ".join(sorted(self.read("deps.out").split())),
                         r"^adduser ca-certificates libconfig\d+ libpq5$")
        files = self.read("files.out").split()
        arch = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"],
                              capture_output=True, text=True, check=True).stdout.strip()
        for path in ("/usr/lib/%s/libpgtls-shim.so" % arch, "/usr/bin/pgtls-shim",
                     "/usr/sbin/pgtls-shim-preload",
                     "/usr/share/man/man1/pgtls-shim.1.gz",
                     "/usr/share/man/man5/pgtls-shim.conf.5.gz",
                     "/usr/share/man/man7/pgtls-shim-record.7.gz",
                     "/usr/share/man/man8/pgtls-shim-preload.8.gz",
                     "/usr/share/pgtls-shim/example.conf",
                     "/usr/share/pgtls-shim/audit-all.conf",
                     "/usr/share/pgtls-shim/docker-entrypoint.sh",
                     "/usr/share/doc/pgtls-shim/copyright",
                     "/usr/share/doc/pgtls-shim/README.md",
                     "/usr/share/doc/pgtls-shim/doc/deployment.md",
                     "/usr/share/doc/pgtls-shim/examples/example.conf",
                     "/usr/share/doc/pgtls-shim/examples/audit-all.conf",
                     "/usr/share/doc/pgtls-shim/examples/logrotate",
                     "/usr/share/doc/pgtls-shim/examples/systemd-override.conf",
                     "/etc/logrotate.d/pgtls-shim"):
            self.assertIn(path, files)
        # psql under `pgtls-shim exec`, enforced: verified, and a record.
        self.assertEqual(self.read("psql-good.out").strip(), "t")
        records = [json.loads(line) for line in self.read("records.jsonl").splitlines()]
        good = [r for r in records if r["port"] == str(server("good")["port"])]
        # psql under the container entrypoint, the same.
        self.assertEqual(self.read("entrypoint.out").strip(), "t")
        # Under /etc/ld.so.preload (pgtls-shim-preload enable) with the policy
        # at its default path; the line the helper wrote is the same on
        # every architecture.
        self.assertEqual(self.read("preload-enable.file"), "/usr/$LIB/libpgtls-shim.so\n")
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

    def test_lib_token_is_the_multiarch_directory(self):
        """ld.so expands /usr/$LIB/ to the directory the package puts the library in."""
        arch = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"],
                              capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(self.read("lib-token.err"), "")
        self.assertIn(" /usr/lib/%s/libpgtls-shim.so\n" % arch, self.read("lib-token.maps"))

    def test_systemd_drop_in_keeps_the_units_preload(self):
        self.assertEqual(self.read("systemd-verify.rc").strip(), "0",
                         self.read("systemd-verify.out"))
        self.assertEqual(self.read("systemd-verify.out"), "")
        arch = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"],
                              capture_output=True, text=True, check=True).stdout.strip()
        entries = self.read("systemd-execstart.out").replace(":", " ").split()
        self.assertEqual(sorted(entries), ["/usr/$LIB/libz.so.1",
                                           "/usr/lib/%s/libpgtls-shim.so" % arch])

    def test_postinst_made_the_log_directory_and_group(self):
        self.assertRegex(self.read("group.out"), r"^pgtls-shim:x:\d+:\n$")
        self.assertEqual(self.read("logdir.stat").split(), ["root", "pgtls-shim", "2770"])

    def test_installed_example_policies_pass_check(self):
        checked = [line.split() for line in self.read("check-examples.rc").splitlines()]
        self.assertEqual(sorted(p for _, p in checked),
                         ["/usr/share/doc/pgtls-shim/examples/audit-all.conf",
                          "/usr/share/doc/pgtls-shim/examples/example.conf",
                          "/usr/share/pgtls-shim/audit-all.conf",
                          "/usr/share/pgtls-shim/example.conf"])
        self.assertEqual([rc for rc, _ in checked], ["0"] * 4, self.read("check-examples.out"))
        # Nothing to warn about either: the log directory is there.
        self.assertNotIn("warning", self.read("check-examples.out"))

    def test_remove_refused_while_preloaded_then_purge(self):
        # /etc/ld.so.preload named the library (by its path): refused, and
        # the package stayed installed, its library there, ld.so content.
        self.assertNotEqual(self.read("remove-refused.rc").strip(), "0")
        self.assertIn("pgtls-shim-preload disable", self.read("remove-refused.log"))
        self.assertEqual(self.read("remove-refused.status").strip(), "ii")
        self.assertEqual(self.read("remove-refused.lib").strip(), "yes")
        self.assertEqual(self.read("remove-refused-sh.err"), "")
        # After disable (which removed the file: nothing else was in it) it goes;
        # the log directory, its group and the logrotate conffile stay until purge.
        self.assertFalse(os.path.exists(self.path("disable-final.left")))
        self.assertEqual(self.read("left-remove.out"), "/etc/logrotate.d/pgtls-shim\n")
        self.assertEqual(self.read("logdir-remove.stat").split(), ["root", "pgtls-shim", "2770"])
        # Purged: none of its files, no log directory; the group stays (postrm says why).
        self.assertEqual(self.read("left.out"), "")
        self.assertFalse(os.path.exists(self.path("logdir-purge.left")))
        self.assertRegex(self.read("group-purge.out"), r"^pgtls-shim:x:")

    def test_purge_keeps_a_log_directory_the_administrator_made(self):
        self.assertEqual(self.read("admindir-install.stat").split(), ["root", "root", "750"])
        self.assertEqual(self.read("admindir-purge.out"), "kept\n")


class PreloadHelperTests:
    """pgtls-shim-preload enable|disable|status on /etc/ld.so.preload (PRELOAD)."""
    FOREIGN = "# an allocator, kept as it is\n/usr/$LIB/libz.so.1\n/usr/$LIB/libgcc_s.so.1\n"
    OURS = "/usr/$LIB/libpgtls-shim.so\n"

    def setUp(self):
        super().setUp()
        self.assertEqual(self.read("preload.rc").strip(), "0", self.read("preload.log"))

    def file(self, name):
        return self.read("pl/%s.file" % name)

    def assertRc(self, name, rc):
        self.assertEqual(self.case(name, "pl")[0], rc, self.case(name, "pl"))

    def test_nothing_to_do(self):
        self.assertRc("status-none", 3)
        self.assertRc("disable-none", 0)
        self.assertEqual(self.file("disable-none"), "(none)\n")

    def test_enable_checks_the_policy_first(self):
        rc, _, err = self.case("enable-nopolicy", "pl")
        self.assertEqual(rc, 1)
        self.assertIn("no policy at /etc/pgtls-shim/policy.conf", err)
        self.assertEqual(self.file("enable-nopolicy"), self.FOREIGN)
        rc, out, err = self.case("enable-bad", "pl")
        self.assertEqual(rc, 1)
        self.assertIn("/etc/pgtls-shim/policy.conf:2:", out + err)
        self.assertIn("does not pass pgtls-shim check", err)
        self.assertEqual(self.file("enable-bad"), self.FOREIGN)

    def test_enable_keeps_what_is_there_and_is_idempotent(self):
        self.assertRc("enable", 0)
        self.assertEqual(self.file("enable"), self.FOREIGN + self.OURS)
        # The file's mode and owner are kept; no temporary file is left in /etc.
        self.assertEqual(self.read("pl/enable.stat").split(), ["root", "root", "640"])
        self.assertEqual(self.read("pl/etc-leftovers"), "")
        rc, out, _ = self.case("enable-again", "pl")
        self.assertEqual(rc, 0)
        self.assertIn("already enabled", out)
        self.assertEqual(self.file("enable-again"), self.FOREIGN + self.OURS)
        rc, out, _ = self.case("status-enabled", "pl")
        self.assertEqual(rc, 0)
        self.assertIn("/usr/$LIB/libpgtls-shim.so", out)
        # Every program now maps it.
        rc, out, err = self.case("sh-enabled", "pl")
        self.assertEqual((rc, err), (0, ""))
        self.assertGreater(int(out), 0)

    def test_disable_takes_out_only_its_own_entry(self):
        self.assertRc("disable", 0)
        self.assertEqual(self.file("disable"), self.FOREIGN)
        self.assertEqual(self.read("pl/disable.stat").split(), ["root", "root", "640"])
        rc, out, _ = self.case("disable-again", "pl")
        self.assertEqual(rc, 0)
        self.assertIn("not enabled", out)
        self.assertEqual(self.file("disable-again"), self.FOREIGN)
        self.assertRc("status-disabled", 3)

    def test_an_entry_by_path_on_a_shared_line(self):
        self.assertRc("status-shared", 0)
        self.assertRc("disable-shared", 0)
        self.assertEqual(self.file("disable-shared"), "/usr/$LIB/libz.so.1 # both\n")

    def test_a_file_of_its_own_goes_again(self):
        self.assertRc("enable-alone", 0)
        self.assertEqual(self.file("enable-alone"), self.OURS)
        self.assertRc("disable-alone", 0)
        self.assertEqual(self.file("disable-alone"), "(none)\n")

    def test_runs_take_turns(self):
        # While another run holds the lock, enable waits (timeout: 124) and
        # writes nothing.
        self.assertRc("enable-locked", 124)
        self.assertEqual(self.file("enable-locked"), "(none)\n")


class LogRotateTests:
    """/etc/logrotate.d/pgtls-shim between two connections of one psql (HOST)."""

    def setUp(self):
        super().setUp()
        self.assertEqual(self.read("host.rc").strip(), "0", self.read("host.log"))

    def test_rotated_log_is_reopened(self):
        self.assertEqual(self.read("host/logrotate.rc").strip(), "0",
                         self.read("host/logrotate.out"))
        self.assertEqual(self.case("rotate-psql")[0], 0, self.case("rotate-psql"))
        self.assertEqual(self.case("rotated-app")[:2], (0, "t\n"))
        # Renamed, not copied (delaycompress: .1 stays plain for one more round).
        self.assertEqual(self.read("host/rotated.ls").split(),
                         ["connections.jsonl", "connections.jsonl.1"])
        old = [r["application_name"] for r in self.jsonl("host/rotated-old.jsonl")]
        new = [r["application_name"] for r in self.jsonl("host/rotated-new.jsonl")]
        self.assertEqual(old, ["appuser", "root", "before-rotation"])
        # The same process wrote its next record to a new file it made, with
        # log.mode and the directory's group, and another user appended to it.
        self.assertEqual(new, ["after-rotation", "appuser"])
        self.assertEqual(self.read("host/rotated.stat").split(), ["root", "pgtls-shim", "660"])


NO_LIBPQ = ("sh", "apt-get", "apt-cache", "dpkg", "python3")
UNLOADABLE = "pgtls-shim: refused: the policy cannot be loaded: /etc/pgtls-shim/policy.conf:"


class HostPreloadTests:
    """/etc/ld.so.preload names the library: every process of the host loads it."""

    def setUp(self):
        super().setUp()
        self.assertEqual(self.run_.run_out.returncode, 0,
                         self.run_.run_out.stdout + self.run_.run_out.stderr)
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
        self.assertFalse(os.path.exists(self.path("host", "audit-log-early")))
        for who in ("app", "root", "outsider"):
            self.assertEqual(self.case("audit-" + who)[:2], (0, "t\n"), who)
        # appuser wrote first and created the file: its group is the
        # directory's (set-group-ID), its mode exactly log.mode, so root and
        # every other member of pgtls-shim append to it.
        self.assertEqual(self.read("host/audit-log.stat").split(), ["appuser", "pgtls-shim", "660"])
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
        got = [(uid, r["application_name"], r["mode"]) for uid, _, r in self.run_.syslog]
        self.assertEqual(got, [(uids[1], "appuser", "audit"), (uids[0], "root", "audit"),
                               (uids[2], "outsider", "audit")])
        for _, text, r in self.run_.syslog:
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


class PostfixTests:
    """postmap -q KEY pgsql:CF (postfix-pgsql: `hosts = inet:db.test:PORT`,
    which it hands to PQsetdbLogin with no sslmode)."""

    def setUp(self):
        super().setUp()
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
        # Postfix 3.10 (Debian 13) tries a failed connection twice: a record each.
        verified, *refused = self.records("preload")
        self.assertVerified(verified)
        self.assertIn(len(refused), (1, 2), refused)
        for r in refused:
            self.assertEqual((r["port"], r["verified"]), (str(server("plain")["port"]), False))


class SourceInstall(unittest.TestCase):
    """cmake --install --prefix P (not the package): the helper in P/sbin
    finds P/lib/libpgtls-shim.so and P/bin/pgtls-shim.  Only `status`, which
    reads this machine's /etc/ld.so.preload and writes nothing."""

    def test_helper_finds_the_prefix_library(self):
        build = os.path.dirname(os.environ["PGTLS_TEST_BIN"])
        with tempfile.TemporaryDirectory() as prefix:
            subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True,
                           capture_output=True)
            helper = os.path.join(prefix, "sbin", "pgtls-shim-preload")
            self.assertTrue(os.access(helper, os.X_OK))
            p = subprocess.run([helper, "status"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
            self.assertEqual(p.stdout, "not enabled: /etc/ld.so.preload does not name "
                             "%s/lib/libpgtls-shim.so\n" % os.path.realpath(prefix))
            with open(helper) as f:
                self.assertIn('"$here/../lib/$NAME"', f.read())
            p = subprocess.run([helper, "bogus"], capture_output=True, text=True)
            self.assertEqual((p.returncode, p.stderr),
                             (2, "usage: pgtls-shim-preload enable|disable|status\n"))


# One TestCase per kind and release: Package_bookworm, HostPreload_trixie, ...
for _release in RELEASES:
    for _tests in (PackageTests, PreloadHelperTests, LogRotateTests, HostPreloadTests,
                   PostfixTests):
        _name = "%s_%s" % (_tests.__name__[:-len("Tests")], _release)
        globals()[_name] = type(_name, (_tests, InChroot), {"release": _release})


if __name__ == "__main__":
    unittest.main()
