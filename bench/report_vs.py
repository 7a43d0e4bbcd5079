#!/usr/bin/env python3
"""`pgtls-shim report --json` against DuckDB and jq doing the same group-by
(program, host, rule: connections and would_refuse) on the same file, in
one run: alternate runs of each, medians, and the ratios report/DuckDB and
report/jq side by side (the goal: report/DuckDB at most 2).  Also
`reconcile` reading the same records (an empty server log), for its rate.

    report_vs.py CLI LOG NODE_MODULES_DIR [RUNS]

NODE_MODULES_DIR holds @duckdb/node-api (scripts/bench.sh installs it from
npm into a cache directory); DuckDB runs on two threads, like report on a
two-core machine."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

DUCKDB_JS = r"""
const { DuckDBInstance } = require(process.argv[2] + '/@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  const file = process.argv[3].replace(/'/g, "''");
  const r = await con.runAndReadAll(`
    SELECT program, host, rule, count(*) AS connections,
           count(*) FILTER (WHERE audit.would_refuse) AS would_refuse
    FROM read_json('${file}', format = 'newline_delimited',
                   columns = {event: 'VARCHAR', program: 'VARCHAR', host: 'VARCHAR',
                              rule: 'VARCHAR', audit: 'STRUCT(would_refuse BOOLEAN)'})
    WHERE event = 'connect' GROUP BY ALL`);
  const rows = r.getRows();
  let c = 0, w = 0;
  for (const row of rows) { c += Number(row[3]); w += Number(row[4]); }
  console.log(JSON.stringify({groups: rows.length, connections: c, would_refuse: w}));
})();
"""

# jq streams the records, keeps (program, host, rule, would_refuse) of each
# and groups those: its reduce over an object of 10,000 keys copies the
# object at each record, 100 times slower than this.
JQ = ('[inputs | select(.event == "connect") | [.program, .host, .rule, '
      '(.audit.would_refuse == true)]] | group_by(.[0:3]) '
      '| map({connections: length, would_refuse: (map(select(.[3])) | length)}) '
      '| {groups: length, connections: (map(.connections) | add), '
      'would_refuse: (map(.would_refuse) | add)}')


def run(argv):
    t = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - t, p


def main():
    cli, log, modules = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    work = tempfile.mkdtemp(prefix="pgtls-shim-bench-vs.")
    js = os.path.join(work, "duckdb.js")
    with open(js, "w") as f:
        f.write(DUCKDB_JS)
    tools = {"report": [cli, "report", "--json", log],
             "duckdb": ["node", js, modules, log],
             "jq": ["jq", "-n", "-c", JQ, log],
             "reconcile": [cli, "reconcile", "--json", "--server-log", os.devnull, log]}
    if not shutil.which("jq"):
        del tools["jq"]
    times = {k: [] for k in tools}
    answers = {}
    for _ in range(runs):
        for name, argv in tools.items():
            secs, p = run(argv)
            if name != "report" and p.returncode != 0:
                sys.exit("%s failed: %s" % (name, p.stderr.decode()[-500:]))
            times[name].append(secs)
            answers[name] = p.stdout
    shutil.rmtree(work)
    rep = json.loads(answers["report"])
    want = {"groups": len(rep["groups"]), "connections": rep["connections"],
            "would_refuse": rep["would_refuse"]}
    for name in ("duckdb", "jq"):
        if name in answers and json.loads(answers[name]) != want:
            sys.exit("%s disagrees with report: %s, not %s" % (name, answers[name], want))
    med = {k: statistics.median(v) for k, v in times.items()}
    size = os.path.getsize(log) / 1e6
    print("report --json on %.0f MB (%d records, %d groups), median of %d runs:"
          % (size, rep["connections"], len(rep["groups"]), runs))
    print("  report %.2fs (%.0f MB/s), DuckDB %.2fs, jq %s: report/DuckDB %.2f "
          "(goal: at most 2), report/jq %s"
          % (med["report"], size / med["report"], med["duckdb"],
             "%.2fs" % med["jq"] if "jq" in med else "not installed",
             med["report"] / med["duckdb"],
             "%.3f" % (med["report"] / med["jq"]) if "jq" in med else "-"))
    print("  reconcile reading the same records: %.2fs (%.0f MB/s)"
          % (med["reconcile"], size / med["reconcile"]))


if __name__ == "__main__":
    main()
