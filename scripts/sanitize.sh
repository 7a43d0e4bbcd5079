#!/usr/bin/env bash
# scripts/sanitize.sh asan|tsan: builds everything with gcc and
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer, and runs the whole
#         suite;
#   tsan: ThreadSanitizer, and runs the threaded tests (test_concurrency,
#         test_clients' pgbench threads and psycopg2).
# Every process of the suite gets the sanitizer's runtime first in
# LD_PRELOAD (uninstrumented hosts such as python3 and psql included), so
# the instrumented shim inside them is checked too.  Reports go to files:
# any report fails the run, whatever the test that caused it concluded.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize.sh asan|tsan}
build="build-$kind"
reports="$PWD/$build/reports"
case $kind in
  asan) sanitize=address,undefined; runtime=$(gcc -print-file-name=libasan.so)
        tests=".";;
  tsan) sanitize=thread; runtime=$(gcc -print-file-name=libtsan.so)
        tests="servers_|test_concurrency|test_clients";;
  *) echo "usage: scripts/sanitize.sh asan|tsan" >&2; exit 2;;
esac
runtime=$(readlink -f "$runtime")
rm -rf "$build"
CC=gcc cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGTLS_SANITIZE=$sanitize >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
mkdir -p "$reports"
export PGTLS_TEST_PRELOAD_FIRST="$runtime"
# Leaks: the uninstrumented hosts (python3, perl) leak by design at exit;
# the shim's own leaks are checked with valgrind (scripts/valgrind.sh).
# verify_asan_link_order=0: `pgtls-shim exec` puts the shim before the
# runtime in LD_PRELOAD; the runtime still precedes libc, which is what counts.
export ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:log_path=$reports/asan:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan"
status=0
(cd "$build" && ctest --output-on-failure --timeout 900 -R "$tests") || status=1
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitize $kind: reports:" >&2
  cat "$reports"/* >&2
  status=1
fi
[[ $status -eq 0 ]] && echo "sanitize $kind: clean"
exit $status
