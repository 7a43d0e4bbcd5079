#!/usr/bin/env python3
"""How `pgtls-shim report` and `reconcile` grow with the input, against
DuckDB on the same file: N records from bench/report_gen.py (2,000,000:
about 3 GB) written to DIR, and prefixes of it of a tenth and a third;
each file read once by each tool; prints a table of time and peak memory
(max RSS), then deletes the files.

    scale_bench.py CLI NODE_MODULES_DIR N DIR

report: `report --json`, its default groups.  reconcile: `reconcile
--json` with an empty server log, so every record is read and none is
kept (the rate of its reader; tests and bench/fleet_gen.py time the
join).  DuckDB: the group-by of bench/report_vs.py on two threads."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_gen  # noqa: E402
from report_vs import DUCKDB_JS  # noqa: E402


def timed(argv):
    """(seconds, max RSS in MiB, exit status) of ARGV."""
    t = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.monotonic() - t
    err = p.stderr.read().decode()
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit("%s failed (%d): %s" % (argv[:2], code, err[-300:]))
    return secs, usage.ru_maxrss / 1024


def main():
    cli, modules, n, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    os.makedirs(d, exist_ok=True)
    work = tempfile.mkdtemp(prefix="pgtls-shim-scale-", dir=d)
    js = os.path.join(work, "duckdb.js")
    with open(js, "w") as f:
        f.write(DUCKDB_JS)
    sizes = sorted({max(1, n // 10), max(1, n // 3), n})
    paths = {}
    t = time.monotonic()
    try:
        outs = {k: open(os.path.join(work, "r%d.jsonl" % k), "w") for k in sizes}
        for i in range(n):
            line = report_gen.json.dumps(report_gen.record(i, 10000), separators=(",", ":")) + "\n"
            for k, f in outs.items():
                if i < k:
                    f.write(line)
        for k, f in outs.items():
            f.close()
            paths[k] = f.name
        print("scale: %d records generated in %.0f s into %s" % (n, time.monotonic() - t, work))
        print("  %10s %8s | %-16s | %-16s | %-16s | %s" % (
            "records", "MB", "report s / MiB", "reconcile s / MiB", "DuckDB s / MiB",
            "report/DuckDB"))
        have_duckdb = os.path.isdir(os.path.join(modules, "@duckdb", "node-api"))
        for k in sizes:
            mb = os.path.getsize(paths[k]) / 1e6
            rep = timed([cli, "report", "--json", paths[k]])
            rec = timed([cli, "reconcile", "--json", "--server-log", os.devnull, paths[k]])
            duck = timed(["node", js, modules, paths[k]]) if have_duckdb else None
            print("  %10d %8.0f | %6.2f s %5.0f MiB | %6.2f s %5.0f MiB | %s | %s" % (
                k, mb, rep[0], rep[1], rec[0], rec[1],
                "%6.2f s %5.0f MiB" % duck if duck else "    (no DuckDB)  ",
                "%.2f" % (rep[0] / duck[0]) if duck else "-"))
    finally:
        for p in paths.values():
            os.unlink(p)
        for name in os.listdir(work):
            os.unlink(os.path.join(work, name))
        os.rmdir(work)


if __name__ == "__main__":
    main()
