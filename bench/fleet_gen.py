#!/usr/bin/env python3
"""A fleet for `pgtls-shim reconcile`: HOSTS client hosts (10.9.0.1, ...)
open SESSIONS sessions each, spread over SERVERS PostgreSQL servers; every
97th session of a host has no record (a blind spot: a process without the
shim; its application_name is "blind-HOST-N" with N in 0..2, its user
"ghost"), every 211th record says no TLS where the server saw SSL (a
disagreement), every 7th session is without SSL on both sides.

    fleet_gen.py DIR HOSTS SESSIONS SERVERS [window|full]
        writes DIR/server-K.log (log_connections lines, Debian's prefix,
        each in time order), DIR/host-H.jsonl (each host's records, in
        order) and DIR/fleet.jsonl: every host's records in one file,
        interleaved out of order within 200 seconds ("window", the default:
        what a log shipper's merge gives) or shuffled whole ("full")
    fleet_gen.py --run CLI DIR HOSTS SESSIONS SERVERS [window|full]
        generates, then runs `CLI reconcile --json` on the fleet file and on
        each host's file alone, checks that they agree (see compare), and
        prints the time and peak memory of the fleet run
"""
import json
import os
import random
import subprocess
import sys
import time

START_MS = 1795651200 * 1000   # 2026-11-26 00:00:00 UTC
STEP_MS = 7                    # one session every 7 ms across the fleet


def stamp(ms, sep):
    return time.strftime("%Y-%m-%d" + sep + "%H:%M:%S", time.gmtime(ms // 1000)) + \
        ".%03d" % (ms % 1000)


def generate(outdir, hosts, sessions, servers, mode="window"):
    logs = [open(os.path.join(outdir, "server-%d.log" % k), "w") for k in range(servers)]
    recs = [open(os.path.join(outdir, "host-%d.jsonl" % h), "w") for h in range(hosts)]
    fleet = open(os.path.join(outdir, "fleet.jsonl"), "w")
    rng = random.Random(23)
    chunk, chunk_start = [], START_MS
    held = []
    for g in range(hosts * sessions):
        h, i = g % hosts, g // hosts
        k = (i + h) % servers
        ms = START_MS + g * STEP_MS
        addr, port = "10.9.0.%d" % (h + 1), 1024 + i % 64000
        pid = 100000 + g % 4000000
        ssl = i % 7 != 3
        blind = i % 97 == 96
        app = "blind-%d-%d" % (h, i % 3) if blind else "svc%d" % (i % 5)
        user = "ghost" if blind else "app"
        logs[k].write("%s UTC [%d] LOG:  connection received: host=%s port=%d\n"
                      % (stamp(ms, " "), pid, addr, port))
        logs[k].write("%s UTC [%d] LOG:  connection authorized: user=%s database=db%d "
                      "application_name=%s%s\n"
                      % (stamp(ms + 2, " "), pid, user, k, app,
                         " SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, "
                         "bits=256)" if ssl else ""))
        if blind:
            continue
        tls = ssl and i % 211 != 5
        line = json.dumps({
            "ts": stamp(ms - 3, "T") + "Z", "event": "connect", "pid": 5000 + i % 30000,
            "program": "/usr/bin/python3", "application_name": app, "rule": None,
            "mode": "audit", "host": "db%d.example.com" % k, "port": "5432",
            "transport": "tcp", "outcome": "ok", "error": None,
            "tls": {"protocol": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384",
                    "key_bits": 256, "compression": False} if tls else None,
            "verified": tls, "warnings": [], "local_addr": addr, "local_port": port,
            "hostname": "host%d" % h, "duration_ms": 3.0}, separators=(",", ":")) + "\n"
        recs[h].write(line)
        if mode == "full":
            held.append(line)
            continue
        if ms - chunk_start > 200 * 1000:   # out of order within 200 s
            rng.shuffle(chunk)
            fleet.writelines(chunk)
            chunk, chunk_start = [], ms
        chunk.append(line)
    rng.shuffle(chunk)
    fleet.writelines(chunk)
    rng.shuffle(held)
    fleet.writelines(held)
    for f in logs + recs + [fleet]:
        f.close()


# Runs ARGV from a small helper and prints its time, max RSS and output: a
# child's max RSS includes what it had before exec, here this process's size.
HELPER = ("import json, resource, subprocess, sys, time\n"
          "t = time.monotonic()\n"
          "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
          "secs = time.monotonic() - t\n"
          "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
          "print(json.dumps([secs, ru.ru_maxrss, p.returncode, p.stdout.decode(),\n"
          "                  p.stderr.decode()[-500:]]))\n")


def reconcile(cli, outdir, servers, recfile):
    """(reconcile --json's answer, seconds, max RSS in KiB) for RECFILE."""
    argv = [cli, "reconcile", "--json"]
    for k in range(servers):
        argv += ["--server-log", os.path.join(outdir, "server-%d.log" % k)]
    p = subprocess.run(["/usr/bin/python3", "-c", HELPER] + argv + [recfile],
                       stdout=subprocess.PIPE, check=True)
    secs, rss, rc, out, err = json.loads(p.stdout)
    if rc not in (0, 1):
        sys.exit("reconcile failed: %s" % err)
    return json.loads(out), secs, rss


def compare(whole, alone, hosts):
    """The fleet file's answer against each host's file alone: every
    session a host's records match, the fleet's match; the blind spots and
    disagreements at a host's address are that host's alone (the
    disagreements one by one when reconcile kept them all, else counted)."""
    problems = []
    if whole["matched"] != sum(a["matched"] for a in alone):
        problems.append("matched %d, hosts alone %d"
                        % (whole["matched"], sum(a["matched"] for a in alone)))
    if whole["disagree_sessions"] != sum(a["disagree_sessions"] for a in alone):
        problems.append("disagree_sessions %d, hosts alone %d"
                        % (whole["disagree_sessions"], sum(a["disagree_sessions"] for a in alone)))
    keys = ["blind", "blind_groups"]
    if all(r["disagree_sessions"] == len(r["disagree"]) for r in [whole] + alone):
        keys.append("disagree")   # not cut at reconcile's 1,000 kept
    for key in keys:
        mine = sorted(json.dumps(b, sort_keys=True) for b in whole[key])
        theirs = sorted(json.dumps(b, sort_keys=True)
                        for h, a in enumerate(alone) for b in a[key]
                        if b["client_addr"] == "10.9.0.%d" % (h + 1))
        if mine != theirs:
            problems.append("%s: %d entries, hosts alone %d" % (key, len(mine), len(theirs)))
    return problems


def run(cli, outdir, hosts, sessions, servers, mode):
    t = time.monotonic()
    generate(outdir, hosts, sessions, servers, mode)
    size = os.path.getsize(os.path.join(outdir, "fleet.jsonl")) / 1e6
    print("reconcile fleet: %d hosts x %d sessions over %d servers, records %s "
          "(%.0f MB, generated in %.0f s)" % (hosts, sessions, servers,
                                              "interleaved within 200 s" if mode == "window"
                                              else "shuffled whole", size,
                                              time.monotonic() - t))
    whole, secs, rss = reconcile(cli, outdir, servers, os.path.join(outdir, "fleet.jsonl"))
    alone = [reconcile(cli, outdir, servers, os.path.join(outdir, "host-%d.jsonl" % h))[0]
             for h in range(hosts)]
    problems = compare(whole, alone, hosts)
    print("  fleet file: %.2f s, peak RSS %s MiB, %d of %d sessions matched, %d blind "
          "groups, every record held: %s; the same as each host alone: %s"
          % (secs, rss // 1024 if rss else "?", whole["matched"], whole["server_sessions"],
             len(whole["blind_groups"]), whole["held_all_records"],
             "yes" if not problems else "NO: " + "; ".join(problems)))
    return not problems


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) in (4, 5) and a[0] != "--run":
        generate(a[0], int(a[1]), int(a[2]), int(a[3]), a[4] if len(a) == 5 else "window")
    elif len(a) in (6, 7) and a[0] == "--run":
        sys.exit(0 if run(a[1], a[2], int(a[3]), int(a[4]), int(a[5]),
                          a[6] if len(a) == 7 else "window") else 1)
    else:
        sys.exit(__doc__)
