#!/usr/bin/env bash
# The benchmark (not a test): builds a release, starts throwaway TLS
# PostgreSQL servers and PgBouncer on loopback, and prints the cost of the
# shim as ratios of medians of alternate runs; writes bench/results.json.
# BENCH_SCALE=0.1 gives a quick, rougher run.  The last section times
# `pgtls-shim report` and `pgtls-shim reconcile`; BENCH_REPORT_ONLY=1 runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if ! command -v pgbouncer >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq pgbouncer >/dev/null
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
if [[ ${BENCH_REPORT_ONLY:-} != 1 ]]; then
state=$(mktemp -d /tmp/pgtls-shim-bench-state.XXXXXX)
chmod 755 "$state"   # PgBouncer runs as the servers' user and reads the PKI
trap '/usr/bin/python3 tests/harness/pgservers.py stop "$state" >/dev/null 2>&1; rm -rf "$state"' EXIT
/usr/bin/python3 tests/harness/pgservers.py start "$state" "$state/pki" >/dev/null
/usr/bin/python3 bench/bench.py "$PWD/build-bench" "$state" "${1:-bench/results.json}"
fi

# report: `pgtls-shim report --json` against Python's json module reading the
# same lines (the goal: within 2x), 50,000 records (BENCH_REPORT_RECORDS) in
# 10,000 groups, five alternate runs of each; prints the medians and their
# ratio.
log=$(mktemp /tmp/pgtls-shim-bench-report.XXXXXX)
trap 'rm -f "$log"; [[ -z ${state:-} ]] || { /usr/bin/python3 tests/harness/pgservers.py stop "$state" >/dev/null 2>&1; rm -rf "$state"; }' EXIT
/usr/bin/python3 bench/report_gen.py "${BENCH_REPORT_RECORDS:-50000}" 10000 >"$log"
/usr/bin/python3 - "$PWD/build-bench/pgtls-shim" "$log" <<'PY'
import statistics, subprocess, sys, time
cli, log = sys.argv[1], sys.argv[2]
runs = {"report": [cli, "report", "--json", "-"],
        "python": ["/usr/bin/python3", "-c",
                   "import json,sys; [json.loads(l) for l in sys.stdin]"]}
times = {k: [] for k in runs}
for _ in range(5):
    for name, argv in runs.items():
        with open(log, "rb") as f:
            t = time.perf_counter()
            subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t)
med = {k: statistics.median(v) for k, v in times.items()}
print("report: %.2fs median, Python's json %.2fs median: ratio %.2f (goal: at most 2)"
      % (med["report"], med["python"], med["report"] / med["python"]))
PY

# reconcile: one pass over RECONCILE_N generated sessions and their records
# (time, sessions per second, peak memory).
/usr/bin/python3 bench/reconcile_gen.py --run "$PWD/build-bench/pgtls-shim" "${RECONCILE_N:-1000000}"
