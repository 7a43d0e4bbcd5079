#!/usr/bin/env bash
# The benchmark (not a test): builds a release, starts throwaway TLS
# PostgreSQL servers and PgBouncer on loopback, and prints the cost of the
# shim as ratios of medians of alternate runs; writes bench/results.json.
# Then times `pgtls-shim reconcile` on generated logs (RECONCILE_N sessions).
# BENCH_SCALE=0.1 gives a quick, rougher run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if ! command -v pgbouncer >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq pgbouncer >/dev/null
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
state=$(mktemp -d /tmp/pgtls-shim-bench-state.XXXXXX)
chmod 755 "$state"   # PgBouncer runs as the servers' user and reads the PKI
trap '/usr/bin/python3 tests/harness/pgservers.py stop "$state" >/dev/null 2>&1; rm -rf "$state"' EXIT
/usr/bin/python3 tests/harness/pgservers.py start "$state" "$state/pki" >/dev/null
/usr/bin/python3 bench/bench.py "$PWD/build-bench" "$state" "${1:-bench/results.json}"
# reconcile: one pass over RECONCILE_N generated sessions and their records.
/usr/bin/python3 bench/reconcile_gen.py --run "$PWD/build-bench/pgtls-shim" "${RECONCILE_N:-1000000}"
