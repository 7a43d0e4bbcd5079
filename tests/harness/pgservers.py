#!/usr/bin/env python3
"""Throwaway PostgreSQL servers with TLS on loopback, one per certificate.

    pgservers.py start STATE_DIR PKI_DIR [NAME...]   (NAME...: only those servers)
    pgservers.py stop STATE_DIR

PostgreSQL refuses to run as root: as root, the servers run as the user
`postgres` (or a system user created for it), in a home under /tmp that the
user can reach whatever STATE_DIR is. STATE_DIR/servers.json describes them.
"""
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PKI_SCRIPT = os.path.join(HERE, "..", "..", "scripts", "make-test-pki.sh")
# PGTLS_PGBIN, or the newest server installed (15 on Debian 12, 17 on trixie).
PGBIN = os.environ.get("PGTLS_PGBIN") or os.path.dirname(max(
    glob.glob("/usr/lib/postgresql/*/bin/initdb") or ["/usr/lib/postgresql/15/bin/initdb"],
    key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0))
SERVERS = {  # name -> chain file in the PKI, or None for ssl=off
    "good": "server-good",
    "old": "server-old",
    "wronghost": "server-wronghost",
    "expired": "server-expired",
    "soon": "server-soon",
    "plain": None,
    "tls12": "server-good",  # at most TLSv1.2
    "revoked": "server-revoked",
    "gss": "server-good",    # also accepts GSS-encrypted sessions (Kerberos)
    "ip": "server-ip",       # certificate for 127.0.0.1 (PgBouncer in the benchmark)
    # For tests/integration/test_audit.py (audit predicts enforce):
    "clientauth": "server-clientauth",  # extendedKeyUsage clientAuth only
    "sha1": "server-sha1",              # leaf signed with SHA-1 (see WEAK_TLS)
    "rsa1024": "server-rsa1024",        # leaf with a 1024-bit RSA key (see WEAK_TLS)
    "ipdns": "server-ipdns",            # dNSName SAN "127.0.0.1", no iPAddress SAN
    "ipcn": "server-ipcn",              # no SAN, CN=127.0.0.1
    "manysans": "server-manysans",      # 40 dNSName SANs, the 38th is db.test
    "crlrevoked": "server-crlrevoked",  # revoked by crl-root's CRL in crl-dir/
}
# Servers whose own OpenSSL must accept a certificate below the default
# security level: they get the PKI's weak-openssl.cnf as OPENSSL_CONF.
WEAK_TLS = {"sha1", "rsa1024"}
# The KDC's programs (kdb5_util, kadmin.local, krb5kdc) live in /usr/sbin,
# which an ordinary user's PATH on Debian lacks.
for _d in ("/usr/sbin", "/sbin"):
    if _d not in os.environ.get("PATH", "").split(":"):
        os.environ["PATH"] = os.environ.get("PATH", "/usr/bin:/bin") + ":" + _d
REALM = "PGTLS.TEST"
GSS_USER = "gssuser"
GSS_PASSWORD = "gss-S3cret"
PASSWORD = "S3cr3t-pw"


def load_state(state_dir):
    with open(os.path.join(state_dir, "servers.json")) as f:
        return json.load(f)


def server_user():
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in ("postgres", "pgtlstest"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                    "/usr/sbin/nologin", "pgtlstest"], check=True)
    return "pgtlstest"


def as_user(user, argv, **kw):
    if os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--"] + argv
    return subprocess.run(argv, check=True, **kw)


def chown(path, user):
    if os.geteuid() == 0:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# "all" does not cover replication connections: the last line lets
# pg_basebackup in (tests/integration/test_clients.py) as postgres over
# IPv4 loopback, and nothing else changes for any other connection.
HBA = """local all all trust
host all app 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
host all app ::1/128 scram-sha-256
host all all ::1/128 trust
host replication postgres 127.0.0.1/32 trust
"""


def start_kdc(home, user):
    """A throwaway Kerberos realm on loopback: KDC, the server's keytab, and a
    credential cache for the test client (KRB5CCNAME)."""
    kdir = os.path.join(home, "krb5")
    os.mkdir(kdir)
    os.chmod(kdir, 0o755)
    port = free_port()
    conf = os.path.join(kdir, "krb5.conf")
    kdc_conf = os.path.join(kdir, "kdc.conf")
    with open(conf, "w") as f:
        f.write("""[libdefaults]
 default_realm = %(realm)s
 dns_lookup_realm = false
 dns_lookup_kdc = false
 rdns = false
 dns_canonicalize_hostname = false
 udp_preference_limit = 1
[realms]
 %(realm)s = {
  kdc = 127.0.0.1:%(port)d
 }
[domain_realm]
 .test = %(realm)s
 db.test = %(realm)s
""" % {"realm": REALM, "port": port})
    with open(kdc_conf, "w") as f:
        f.write("""[kdcdefaults]
 kdc_ports = %(port)d
 kdc_tcp_ports = %(port)d
[realms]
 %(realm)s = {
  database_name = %(dir)s/principal
  key_stash_file = %(dir)s/stash
  acl_file = %(dir)s/kadm5.acl
 }
""" % {"realm": REALM, "port": port, "dir": kdir})
    os.chmod(conf, 0o644)
    env = dict(os.environ, KRB5_CONFIG=conf, KRB5_KDC_PROFILE=kdc_conf)
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL,
             "stderr": subprocess.DEVNULL}
    subprocess.run(["kdb5_util", "create", "-s", "-r", REALM, "-P", "master-pw"], **quiet)
    keytab = os.path.join(kdir, "server.keytab")
    for q in ["addprinc -randkey postgres/db.test", "ktadd -k %s postgres/db.test" % keytab,
              "addprinc -pw %s %s" % (GSS_PASSWORD, GSS_USER)]:
        subprocess.run(["kadmin.local", "-r", REALM, "-q", q], **quiet)
    pidfile = os.path.join(kdir, "kdc.pid")
    # Without -n, krb5kdc returns once it listens, and runs on in the background.
    subprocess.run(["krb5kdc", "-P", pidfile], **quiet)
    ccache = os.path.join(kdir, "ccache")
    subprocess.run(["kinit", "-c", "FILE:" + ccache, GSS_USER + "@" + REALM], env=env,
                   input=GSS_PASSWORD + "\n", text=True, check=True,
                   stdout=subprocess.DEVNULL)
    os.chmod(keytab, 0o600)
    chown(keytab, user)
    return {"config": conf, "ccache": "FILE:" + ccache, "keytab": keytab,
            "pidfile": pidfile, "user": GSS_USER}


def configure(datadir, port, sockdir, ssl, cert, key, max_tls=None, keytab=None):
    conf = ["listen_addresses = '127.0.0.1'", "port = %d" % port,
            "unix_socket_directories = '%s'" % sockdir, "fsync = off",
            "synchronous_commit = off", "full_page_writes = off",
            "shared_buffers = 16MB", "max_connections = 200",
            "password_encryption = 'scram-sha-256'", "log_connections = off",
            "ssl = %s" % ("on" if ssl else "off")]
    if ssl:
        conf += ["ssl_cert_file = '%s'" % cert, "ssl_key_file = '%s'" % key]
    if max_tls:
        conf.append("ssl_max_protocol_version = '%s'" % max_tls)
    if keytab:
        conf.append("krb_server_keyfile = '%s'" % keytab)
    with open(os.path.join(datadir, "postgresql.auto.conf"), "a") as f:
        f.write("\n".join(conf) + "\n")
    with open(os.path.join(datadir, "pg_hba.conf"), "w") as f:
        if keytab:
            f.write("hostgssenc all %s 127.0.0.1/32 gss include_realm=0\n" % GSS_USER)
        f.write(HBA)


def tail(path, n=30):
    try:
        with open(path) as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def start(state_dir, pki_dir, names=()):
    state_dir = os.path.abspath(state_dir)
    pki_dir = os.path.abspath(pki_dir)
    os.makedirs(state_dir, exist_ok=True)
    if os.path.exists(os.path.join(state_dir, "servers.json")):
        stop(state_dir)
    subprocess.run(["bash", PKI_SCRIPT, pki_dir], check=True)
    user = server_user()
    home = tempfile.mkdtemp(prefix="pgtls-shim-servers-")
    os.chmod(home, 0o755)
    chown(home, user)
    state = {"home": home, "user": user, "pki": pki_dir, "servers": {}}
    servers = {n: stem for n, stem in SERVERS.items() if not names or n in names}
    state["krb5"] = start_kdc(home, user) if "gss" in servers else None
    krb_env = ["KRB5_CONFIG=" + state["krb5"]["config"]] if state["krb5"] else []
    template = os.path.join(home, "template")
    as_user(user, [os.path.join(PGBIN, "initdb"), "-D", template, "-A", "trust",
                   "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    started = []
    try:
        for name, stem in servers.items():
            datadir = os.path.join(home, name)
            sockdir = os.path.join(home, name + "-sock")
            as_user(user, ["cp", "-a", template, datadir])
            os.mkdir(sockdir)
            os.chmod(sockdir, 0o755)
            chown(sockdir, user)
            cert = key = None
            if stem:
                cert = os.path.join(home, name + ".crt")
                key = os.path.join(home, name + ".key")
                shutil.copy(os.path.join(pki_dir, stem + ".chain.crt"), cert)
                shutil.copy(os.path.join(pki_dir, stem + ".key"), key)
                os.chmod(key, 0o600)
                for p in (cert, key):
                    chown(p, user)
            openssl_conf = []
            if name in WEAK_TLS:
                conf = os.path.join(home, name + "-openssl.cnf")
                shutil.copy(os.path.join(pki_dir, "weak-openssl.cnf"), conf)
                os.chmod(conf, 0o644)
                openssl_conf = ["OPENSSL_CONF=" + conf]
            port = free_port()
            configure(datadir, port, sockdir, stem is not None, cert, key,
                      max_tls="TLSv1.2" if name == "tls12" else None,
                      keytab=state["krb5"]["keytab"] if name == "gss" else None)
            logfile = os.path.join(home, name + ".log")
            srv = {"port": port, "socket_dir": sockdir, "datadir": datadir,
                   "log": logfile, "ssl": stem is not None,
                   "chain": os.path.join(pki_dir, stem + ".chain.crt") if stem else None}
            state["servers"][name] = srv
            as_user(user, ["env"] + krb_env + openssl_conf
                    + [os.path.join(PGBIN, "pg_ctl"), "-D", datadir, "-l", logfile,
                       "-w", "-t", "60", "start"], stdout=subprocess.DEVNULL)
            started.append(name)
            sql = ["CREATE ROLE app LOGIN PASSWORD '%s'" % PASSWORD,
                   "CREATE DATABASE reporting OWNER app",
                   "CREATE ROLE %s LOGIN" % GSS_USER]
            as_user(user, ["psql", "-X", "-q", "-h", sockdir, "-p", str(port), "-U",
                           "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1"]
                    + [a for q in sql for a in ("-c", q)], stdout=subprocess.DEVNULL)
    except (subprocess.CalledProcessError, OSError) as e:
        for name, srv in state["servers"].items():
            sys.stderr.write("--- %s log:\n%s" % (name, tail(srv["log"])))
        sys.stderr.write("pgservers: start failed: %s\n" % e)
        _stop_state(state)
        return 1
    shutil.rmtree(template, ignore_errors=True)
    with open(os.path.join(state_dir, "servers.json"), "w") as f:
        json.dump(state, f, indent=2)
    return 0


def _stop_state(state):
    krb = state.get("krb5")
    if krb and os.path.exists(krb["pidfile"]):
        try:
            with open(krb["pidfile"]) as f:
                os.kill(int(f.read().strip()), 15)
        except (OSError, ValueError):
            pass
    for name, srv in state["servers"].items():
        if os.path.exists(os.path.join(srv["datadir"], "postmaster.pid")):
            subprocess.run((["runuser", "-u", state["user"], "--"] if os.geteuid() == 0 else [])
                           + [os.path.join(PGBIN, "pg_ctl"), "-D", srv["datadir"],
                              "-m", "immediate", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(state["home"], ignore_errors=True)


def stop(state_dir):
    path = os.path.join(state_dir, "servers.json")
    if not os.path.exists(path):
        return 0
    _stop_state(load_state(state_dir))
    os.unlink(path)
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "start" and set(argv[4:]) <= set(SERVERS):
        return start(argv[2], argv[3], argv[4:])
    if len(argv) == 3 and argv[1] == "stop":
        return stop(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
