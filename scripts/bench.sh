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

# report: `pgtls-shim report --json` against DuckDB and jq doing the same
# group-by on the same file (bench/report_vs.py): 200,000 records
# (BENCH_REPORT_RECORDS), about 300 MB, in 10,000 groups, three alternate
# runs of each; prints report/DuckDB (the goal: at most 2) and report/jq
# side by side, and reconcile's rate on the same records.  DuckDB comes
# from npm (@duckdb/node-api brings its own binary) into a cache directory,
# never into the build; jq from Debian.
log=$(mktemp /tmp/pgtls-shim-bench-report.XXXXXX)
trap 'rm -f "$log"; [[ -z ${state:-} ]] || { /usr/bin/python3 tests/harness/pgservers.py stop "$state" >/dev/null 2>&1; rm -rf "$state"; }' EXIT
if ! command -v jq >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq jq >/dev/null
fi
duckdb_dir=${XDG_CACHE_HOME:-$HOME/.cache}/pgtls-shim-bench/duckdb
if command -v npm >/dev/null && [[ ! -d $duckdb_dir/node_modules/@duckdb/node-api ]]; then
  mkdir -p "$duckdb_dir"
  npm install --prefix "$duckdb_dir" --no-audit --no-fund --silent @duckdb/node-api >/dev/null
fi
/usr/bin/python3 bench/report_gen.py "${BENCH_REPORT_RECORDS:-200000}" 10000 >"$log"
if [[ -d $duckdb_dir/node_modules/@duckdb/node-api ]]; then
  /usr/bin/python3 bench/report_vs.py "$PWD/build-bench/pgtls-shim" "$log" \
    "$duckdb_dir/node_modules" "${BENCH_REPORT_RUNS:-3}"
else
  echo "report: DuckDB could not be installed (node and npm are needed): no comparison"
fi

# Guests that never touch libpq, and clients that reach libpq around the
# global scope (issue 14).  First the callgrind instruction count of
# /bin/true with the shim preloaded against an empty preloaded library (the
# goal: at most about 1.056x; the dl* hooks must add nothing at start-up).
# Then, with the servers above, PHP pg_connect, PDO pgsql and psycopg 3
# under an enforce policy: each must leave one verified record.
if [[ ${BENCH_REPORT_ONLY:-} != 1 ]]; then
/usr/bin/python3 - "$PWD/build-bench/libpgtls-shim.so" "$state" <<'PY'
import json, os, re, shutil, subprocess, sys, tempfile
lib, state = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="pgtls-shim-bench-dl.")
os.chmod(work, 0o755)
with open(os.path.join(work, "empty.c"), "w") as f:
    f.write("int pgtls_shim_bench_empty;\n")
empty = os.path.join(work, "empty.so")
subprocess.run(["cc", "-shared", "-fPIC", os.path.join(work, "empty.c"), "-o", empty],
               check=True, timeout=60)

def instructions(preload):
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        "/bin/true"], env={"PATH": "/usr/bin:/bin", "LD_PRELOAD": preload},
                       capture_output=True, text=True, timeout=120)
    return int(re.search(r"Collected : (\d+)", p.stderr).group(1))

if shutil.which("valgrind"):
    # Same directory, names of the same length: the loader's work on the
    # LD_PRELOAD string itself is then the same for both.
    shim_copy = os.path.join(work, "s.so")
    shutil.copy(lib, shim_copy)
    os.rename(empty, os.path.join(work, "e.so"))
    e, s = instructions(os.path.join(work, "e.so")), instructions(shim_copy)
    print("/bin/true, instructions: shim %.1fk, empty library %.1fk: ratio %.3f "
          "(goal: at most about 1.056)" % (s / 1e3, e / 1e3, s / e))
srv = json.load(open(os.path.join(state, "servers.json")))
log = os.path.join(work, "log.jsonl")
policy = os.path.join(work, "policy.conf")
with open(policy, "w") as f:
    f.write('version = 1;\nmode = "enforce";\nlog = { path = "%s"; };\n'
            'defaults = { sslrootcert = "%s/new-bundle.pem"; };\n' % (log, srv["pki"]))
ci = ("host=db.test hostaddr=127.0.0.1 port=%d dbname=postgres user=postgres "
      "sslmode=disable" % srv["servers"]["good"]["port"])
php = 'if ($argv[1] == "pgsql") pg_connect($argv[2]); else new PDO("pgsql:" . $argv[2]);'
clients = {"PHP pg_connect": ["php", "-r", php, "pgsql", ci],
           "PHP PDO pgsql": ["php", "-r", php, "pdo", ci],
           "psycopg 3": ["/usr/bin/python3", "-c",
                         "import psycopg, sys; psycopg.connect(sys.argv[1])", ci]}
for name, argv in clients.items():
    if os.path.exists(log):
        os.unlink(log)
    if not shutil.which(argv[0]):
        print("%s: not installed" % name)
        continue
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LD_PRELOAD=lib, PGTLS_SHIM_POLICY=policy, PGSERVICEFILE="/nonexistent")
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    recs = [json.loads(l) for l in open(log)] if os.path.exists(log) else []
    ok = p.returncode == 0 and len(recs) == 1 and recs[0]["verified"]
    print("%s: %s" % (name, "covered (one verified record)" if ok else
                      "NOT covered: rc=%d, %d records %s" % (p.returncode, len(recs),
                                                             p.stderr[-300:])))
shutil.rmtree(work)
PY
fi

# reconcile: one pass over RECONCILE_N generated sessions and their records
# (time, sessions per second, peak memory).
/usr/bin/python3 bench/reconcile_gen.py --run "$PWD/build-bench/pgtls-shim" "${RECONCILE_N:-1000000}"

# Fleet scale (issue 23): report, reconcile and DuckDB on BENCH_FLEET_RECORDS
# records (default 2,000,000: about 3 GB) and on a tenth and a third of them,
# time and peak memory of each (bench/scale_bench.py); then reconcile joining
# a fleet of 5 hosts x BENCH_FLEET_RECORDS/5 sessions over 3 servers, the
# records interleaved within 200 s, then shuffled whole, each checked against
# the hosts' files one by one (bench/fleet_gen.py).  The files go under
# BENCH_DIR (default /var/tmp) and are deleted afterwards.  BENCH_FLEET_RECORDS=200000
# gives a quick run; 0 skips this section.
fleet_n=${BENCH_FLEET_RECORDS:-2000000}
if ((fleet_n > 0)); then
  bench_dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/pgtls-shim-bench-fleet.XXXXXX")
  trap 'rm -rf "$bench_dir" "$log"; [[ -z ${state:-} ]] || { /usr/bin/python3 tests/harness/pgservers.py stop "$state" >/dev/null 2>&1; rm -rf "$state"; }' EXIT
  need_kb=$((fleet_n * 23 / 10))   # 1.5 KB a record, and the prefixes: 1.43x
  avail_kb=$(df -Pk "$bench_dir" | awk 'NR == 2 { print $4 }')
  if ((avail_kb < need_kb + 1048576)); then
    echo "fleet scale: $((need_kb / 1024)) MB needed under $bench_dir, $((avail_kb / 1024)) MB free: skipped"
  else
    /usr/bin/python3 bench/scale_bench.py "$PWD/build-bench/pgtls-shim" "$duckdb_dir/node_modules" \
      "$fleet_n" "$bench_dir"
    for mode in window full; do
      mkdir "$bench_dir/$mode"
      /usr/bin/python3 bench/fleet_gen.py --run "$PWD/build-bench/pgtls-shim" "$bench_dir/$mode" \
        5 $((fleet_n / 5)) 3 "$mode"
      rm -rf "${bench_dir:?}/$mode"
    done
  fi
  rm -rf "$bench_dir"
fi
