#!/usr/bin/env python3
"""The benchmark of scripts/bench.sh.  Each figure is a ratio of medians of
runs of A and B taken alternately, so that machine noise cancels.

    bench.py BUILD_DIR STATE_DIR OUT_JSON
"""
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile

BUILD, STATE, OUT = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import pgservers  # noqa: E402

ST = pgservers.load_state(STATE)
PKI = ST["pki"]
LIB = os.path.join(BUILD, "libpgtls-shim.so")
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
ROUNDS = max(3, int(7 * min(SCALE, 1)))
WORK = tempfile.mkdtemp(prefix="pgtls-shim-bench-")
os.chmod(WORK, 0o755)


def n(x):
    return max(10, int(x * SCALE))


def port(name):
    return ST["servers"][name]["port"]


GOOD = "host=db.test hostaddr=127.0.0.1 port=%d dbname=postgres user=postgres" % port("good")
VERIFY_ENV = {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": PKI + "/new-bundle.pem",
              "PGGSSENCMODE": "disable"}


def policy(mode, log=True):
    path = os.path.join(WORK, mode + ("" if log else "-nolog") + ".conf")
    with open(path, "w") as f:
        f.write('version = 1;\nmode = "%s";\n' % mode)
        if log:
            f.write('log = { path = "%s/%s.jsonl"; chain = true; };\n' % (WORK, mode))
        f.write('defaults = { sslrootcert = "%s/new-bundle.pem"; };\n' % PKI)
    os.chmod(path, 0o644)
    return path


def env(shim=None, extra=None, log=True):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LD_PRELOAD", "KRB5"))}
    if shim:
        e.update(LD_PRELOAD=LIB, PGTLS_SHIM_POLICY=policy(shim, log))
    e.update(extra or {})
    return e


def cpu_of(argv, e):
    """Runs ARGV; returns (user+sys CPU seconds of it, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, env=e, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("bench: %s failed: %s" % (argv[0], p.stderr))
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p.stdout


def instructions(shim, extra, conns, log=True):
    """Instructions the client executes per new connection, counted by
    callgrind: deterministic where CPU time on a shared VM varies by a few
    per cent from run to run.  (Under valgrind OpenSSL takes its generic
    code paths, so the TLS work, hence B, is overstated a little.)"""
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PGBENCH, "-n",
            "-S", "-C", "-c", "1", "-j", "1", "-t", str(conns), GOOD]
    p = subprocess.run(argv, env=env(shim, extra, log), capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or m is None:
        sys.exit("bench: callgrind failed: %s" % p.stderr[-2000:])
    return int(m.group(1)) / conns / 1e6   # million instructions per connection


def first_connection(shim, extra):
    """Million instructions psql executes for `select 1` on a fresh process's
    first connection (callgrind): the cost of an audit prediction with
    nothing cached, against libpq verifying by itself."""
    psql = os.path.join(os.path.dirname(PGBENCH), "psql")
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", psql, GOOD,
            "-Atc", "select 1"]
    p = subprocess.run(argv, env=env(shim, extra), capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or m is None:
        sys.exit("bench: callgrind of psql failed: %s" % p.stderr[-2000:])
    return int(m.group(1)) / 1e6


def alternate(a, b, rounds=ROUNDS):
    """Medians of A() and B() over ROUNDS alternate runs."""
    xs, ys = [], []
    for _ in range(rounds):
        xs.append(a())
        ys.append(b())
    return statistics.median(xs), statistics.median(ys)


def conn_cpu(shim, extra, conns, log=True):
    argv = [PGBENCH, "-n", "-S", "-C", "-c", "1", "-j", "1", "-t", str(conns), GOOD]
    return lambda: cpu_of(argv, env(shim, extra, log))[0] / conns * 1e6   # µs per connection


def latency(conninfo, e, tx):
    argv = [PGBENCH, "-n", "-S", "-c", "1", "-j", "1", "-t", str(tx), conninfo]

    def run():
        _, out = cpu_of(argv, e)
        return float(re.search(r"latency average = ([0-9.]+) ms", out).group(1)) * 1000
    return run


def start_pgbouncer():
    home = ST["home"]
    pb_port = pgservers.free_port()
    ini = os.path.join(home, "pgbouncer.ini")
    with open(ini, "w") as f:
        f.write("""[databases]
postgres = host=127.0.0.1 port=%d dbname=postgres user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = session
server_tls_sslmode = verify-full
server_tls_ca_file = %s/new-bundle.pem
logfile = %s/pgbouncer.log
pidfile = %s/pgbouncer.pid
""" % (port("ip"), pb_port, PKI, home, home))
    os.chmod(ini, 0o644)
    pgservers.as_user(ST["user"], ["pgbouncer", "-d", ini], stdout=subprocess.DEVNULL)
    return pb_port, os.path.join(home, "pgbouncer.pid")


def main():
    rows = []
    for name in ("good", "ip"):
        ci = "host=127.0.0.1 port=%d dbname=postgres user=postgres" % port(name)
        subprocess.run([PGBENCH, "-i", "-s", "1", "-q", ci], env=env(), check=True,
                       capture_output=True)

    def row(name, a_label, b_label, a, b, unit, target, ratio=None):
        r = a / b if ratio is None else ratio
        ok = target is None or r <= target
        rows.append({"figure": name, "A": a_label, "B": b_label, "a": round(a, 3),
                     "b": round(b, 3), "unit": unit, "ratio": round(r, 3),
                     "target": target, "met": ok})

    out = subprocess.run([os.path.join(BUILD, "bench_startup"), str(n(1000)), LIB],
                         capture_output=True, text=True, check=True).stdout.split()
    row("start-up of a process that never calls libpq",
        "LD_PRELOAD=libpgtls-shim.so /bin/true", "/bin/true",
        float(out[1]), float(out[3]), "µs", 1.05)
    empty = os.path.join(WORK, "empty.so")
    src = os.path.join(WORK, "empty.c")
    with open(src, "w") as f:
        f.write("int pgtls_shim_bench_empty;\n")
    subprocess.run(["cc", "-shared", "-fPIC", src, "-o", empty], check=True)
    out = subprocess.run([os.path.join(BUILD, "bench_startup"), str(n(1000)), empty],
                         capture_output=True, text=True, check=True).stdout.split()
    row("  (context: any preload, an empty library)", "LD_PRELOAD=empty.so /bin/true",
        "/bin/true", float(out[1]), float(out[3]), "µs", None)

    # A connection costs the client about 1.2 ms of CPU, and one run's figure
    # varies by +-2%: many runs of many connections, for a target of 2%.
    conns = n(500)
    rounds = max(3, int(15 * min(SCALE, 1)))
    a, b = alternate(conn_cpu("enforce", None, conns), conn_cpu(None, VERIFY_ENV, conns), rounds)
    row("client CPU per new connection, enforce", "pgbench -C under the shim (verify-full)",
        "pgbench -C, same settings from PG* variables", a, b, "µs", 1.02)
    a, b = alternate(conn_cpu("enforce", None, conns, log=False),
                     conn_cpu(None, VERIFY_ENV, conns), rounds)
    row("  (context: enforce with no log file)", "the shim, no log", "no shim", a, b, "µs", None)
    a, b = alternate(conn_cpu("audit", None, conns), conn_cpu(None, {"PGSSLMODE": "prefer"}, conns),
                     rounds)
    row("client CPU per new connection, audit", "shim, audit (chain + prediction)",
        "no shim, sslmode=prefer", a, b, "µs", 1.05)
    # The same two figures as instruction counts (callgrind), which do not
    # depend on what else the machine is doing.
    few = n(100)
    row("  (context: instructions, enforce)", "callgrind, the shim",
        "callgrind, PG* variables", instructions("enforce", None, few),
        instructions(None, VERIFY_ENV, few), "Mi", None)
    row("  (context: instructions, enforce, no log file)", "callgrind, the shim, no log",
        "callgrind, PG* variables", instructions("enforce", None, few, log=False),
        instructions(None, VERIFY_ENV, few), "Mi", None)
    row("  (context: instructions, audit)", "callgrind, the shim, audit",
        "callgrind, sslmode=prefer", instructions("audit", None, few),
        instructions(None, {"PGSSLMODE": "prefer"}, few), "Mi", None)

    # Both sides as the application runs them (GSS encryption tried first:
    # libpq's default), only sslmode and the root file differ: the shim's
    # prediction against libpq's own chain verification.
    verify_first = {k: v for k, v in VERIFY_ENV.items() if k != "PGGSSENCMODE"}
    audit = first_connection("audit", {"PGSSLMODE": "prefer"})
    verify = first_connection(None, verify_first)
    prefer = first_connection(None, {"PGSSLMODE": "prefer"})
    row("audit's first connection in a fresh process", "callgrind psql, audit, prefer",
        "callgrind psql, verify-full", audit, verify, "Mi", 1.0)
    row("  (context: the same psql at sslmode=prefer)", "callgrind psql, no shim, prefer",
        "callgrind psql, verify-full", prefer, verify, "Mi", None)
    row("  (context: what each adds to prefer)", "the shim's audit",
        "libpq's verify-full", audit - prefer, verify - prefer, "Mi", None)

    tx = n(20000)
    a, b = alternate(latency(GOOD, env("enforce"), tx), latency(GOOD, env(None, VERIFY_ENV), tx),
                     rounds=5)
    row("query latency on an open connection", "pgbench -S under the shim",
        "pgbench -S without", a, b, "µs", 1.03)

    pb_port, pidfile = start_pgbouncer()
    try:
        via = "host=127.0.0.1 port=%d dbname=postgres user=postgres sslmode=disable" % pb_port
        direct = ("host=127.0.0.1 port=%d dbname=postgres user=postgres sslmode=verify-full "
                  "sslrootcert=%s/new-bundle.pem gssencmode=disable" % (port("ip"), PKI))
        a, b = alternate(latency(via, env(), tx), latency(direct, env(), tx), rounds=5)
        row("the alternative's query latency", "pgbench -S through PgBouncer verifying the server",
            "pgbench -S direct with verify-full", a, b, "µs", None)
    finally:
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), 15)

    many = n(10000)

    def rss_of(shim, extra):
        """RSS (KiB) after MANY connections in one process, and its growth
        after the first tenth of them."""
        def run():
            out = subprocess.run([os.path.join(BUILD, "tests", "pqthreads"), "rss", str(many),
                                  GOOD], env=env(shim, extra), capture_output=True, text=True,
                                 check=True)
            _, warm, end = out.stdout.split()
            return int(end), int(end) - int(warm)
        return run
    # A process's RSS varies by +-100 KiB from run to run (allocation
    # patterns): medians of alternate runs, as for the other figures.
    xs, ys = [], []
    for _ in range(3):
        xs.append(rss_of("enforce", None)())
        ys.append(rss_of(None, VERIFY_ENV)())
    a_end, b_end = statistics.median(x[0] for x in xs), statistics.median(y[0] for y in ys)
    a_grow, b_grow = statistics.median(x[1] for x in xs), statistics.median(y[1] for y in ys)
    delta = a_end - b_end
    rows.append({"figure": "resident memory after %d connections" % many,
                 "A": "shim (growth after the first tenth: %+d KiB, without: %+d KiB)" % (
                     a_grow, b_grow),
                 "B": "no shim", "a": a_end, "b": b_end, "unit": "KiB",
                 "ratio": None, "delta_kib": delta, "target": "+256 KiB, not growing",
                 "met": delta <= 256 and a_grow - b_grow <= 64})

    d1 = subprocess.run([os.path.join(BUILD, "bench_decide"), "1", str(n(2000000))],
                        capture_output=True, text=True, check=True).stdout.split()
    d1000 = subprocess.run([os.path.join(BUILD, "bench_decide"), "1000", str(n(20000))],
                           capture_output=True, text=True, check=True).stdout.split()
    row("rule matching, 1,000 rules (the last one matches)", "decide(), 1,000 rules",
        "decide(), 1 rule", float(d1000[3]), float(d1[3]), "µs", None)

    print("%-52s %12s %12s %7s  %s" % ("figure", "A", "B", "A/B", "target"))
    for r in rows:
        ratio = "%.3f" % r["ratio"] if r["ratio"] is not None else "%+d KiB" % r["delta_kib"]
        target = "" if r["target"] is None else ("%s %s" % (
            "<= %s" % r["target"] if isinstance(r["target"], float) else r["target"],
            "met" if r["met"] else "MISSED"))
        print("%-52s %9.1f %-2s %9.1f %-2s %7s  %s" % (r["figure"], r["a"], r["unit"], r["b"],
                                                     r["unit"], ratio, target))
    for r in rows:
        if "delta_kib" in r:
            print("  %s" % r["A"])
    with open(OUT, "w") as f:
        json.dump({"rows": rows, "machine": os.uname().release, "cpus": os.cpu_count(),
                   "scale": SCALE}, f, indent=2)
    print("written: %s" % OUT)


if __name__ == "__main__":
    main()
