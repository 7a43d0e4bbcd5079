#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: builds the libFuzzer targets (clang, ASan and
# UBSan) and runs each one: first over its corpus in tests/fuzz/corpus/
# (seeds and the regression inputs of every bug found so far), then for
# SECONDS (default 60) of new inputs.  New interesting inputs stay in
# build-fuzz/corpus/; a crash, leak or failed check stops with the input
# saved in build-fuzz/artifacts/ and a non-zero exit: add it to the corpus
# as regress-NAME once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=build-fuzz
CC=clang cmake -S . -B "$build" -DPGTLS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for t in policy rewrite record report; do
  bin="$build/tests/fuzz/fuzz_$t"
  work="$build/corpus/$t"
  mkdir -p "$work" "$build/artifacts"
  # The corpus as regression tests: every input, once.
  if ! "$bin" -runs=0 "tests/fuzz/corpus/$t" >"$build/$t-corpus.log" 2>&1; then
    echo "fuzz_$t: an input of tests/fuzz/corpus/$t fails:" >&2
    tail -40 "$build/$t-corpus.log" >&2
    status=1
    continue
  fi
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 \
      "$work" "tests/fuzz/corpus/$t" >"$build/$t.log" 2>&1; then
    echo "fuzz_$t: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$build/$t.log" |
      cut -d' ' -f2) inputs in ${seconds}s, no failure"
  else
    echo "fuzz_$t: FAILED, input saved in $build/artifacts/:" >&2
    grep -E -A30 'ERROR|SUMMARY|deadly' "$build/$t.log" | head -60 >&2
    status=1
  fi
done
exit $status
