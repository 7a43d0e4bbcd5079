#!/usr/bin/env python3
"""Benchmark input for `pgtls-shim reconcile`, and its timing.

    reconcile_gen.py N DIR     writes DIR/server.log (log_connections lines of
                               N sessions, Debian's prefix) and DIR/records.jsonl
                               (one matching record per session, every 100th
                               session left without one)
    reconcile_gen.py --run CLI N
                               generates into a temporary directory, runs
                               `CLI reconcile` three times and prints the median
                               sessions/second and the largest max RSS
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

START = 1795651200  # 2026-11-26 00:00:00 UTC


def generate(n, outdir):
    with open(os.path.join(outdir, "server.log"), "w") as log, \
            open(os.path.join(outdir, "records.jsonl"), "w") as recs:
        for i in range(n):
            ms = START * 1000 + i            # one session a millisecond
            addr = "10.0.%d.%d" % (i % 256 // 16, i % 16 + 1)
            port = 1024 + (i // 256) % 64000  # back on its address after 4.5 hours
            pid = 1000 + i % 4000000
            t = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000))
            log.write("%s.%03d UTC [%d] LOG:  connection received: host=%s port=%d\n"
                      % (t, ms % 1000, pid, addr, port))
            log.write("%s.%03d UTC [%d] LOG:  connection authorized: user=app database=db "
                      "application_name=app%d SSL enabled (protocol=TLSv1.3, "
                      "cipher=TLS_AES_256_GCM_SHA384, bits=256)\n" % (t, ms % 1000, pid, i % 7))
            if i % 100 == 99:
                continue
            recs.write(json.dumps({
                "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))
                + ".%03dZ" % (ms % 1000), "event": "connect", "pid": pid,
                "program": "/usr/bin/app", "application_name": "app%d" % (i % 7),
                "rule": "rds", "mode": "audit", "host": "db.example.com", "port": "5432",
                "transport": "tcp", "outcome": "ok", "error": None,
                "tls": {"protocol": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384",
                        "key_bits": 256, "compression": False},
                "verified": True, "warnings": [], "local_addr": addr, "local_port": port,
                "duration_ms": 3.2}, separators=(",", ":")) + "\n")


def run(cli, n):
    tmp = tempfile.mkdtemp(prefix="pgtls-shim-reconcile-bench-")
    try:
        generate(n, tmp)
        times, rss = [], 0
        for _ in range(3):
            start = time.monotonic()
            p = subprocess.Popen([cli, "reconcile", "--json", "--server-log",
                                  os.path.join(tmp, "server.log"),
                                  os.path.join(tmp, "records.jsonl")],
                                 stdout=subprocess.PIPE)
            out = p.stdout.read()
            _, status, usage = os.wait4(p.pid, 0)
            times.append(time.monotonic() - start)
            rss = max(rss, usage.ru_maxrss)
            res = json.loads(out)
            if os.waitstatus_to_exitcode(status) != 1 or res["matched"] != n - n // 100:
                sys.exit("reconcile_gen: unexpected result: %s" % out[:300])
        med = sorted(times)[1]
        print("reconcile: %d sessions in %.2f s (median of 3): %.0f sessions/s, max RSS %d MiB"
              % (n, med, n / med, rss // 1024))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] != "--run":
        generate(int(sys.argv[1]), sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "--run":
        run(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
