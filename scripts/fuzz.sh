#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS [LOCALE_SECONDS]]: builds the libFuzzer targets
# (clang, ASan and UBSan) and runs each one: first over its corpus in
# tests/fuzz/corpus/ (seeds and the regression inputs of every bug found so
# far), then for SECONDS (default 60) of new inputs, in the C locale.  A
# second pass runs each target again, corpus then LOCALE_SECONDS (default
# 15; 0 skips the pass) of new inputs, under LC_ALL=de_DE.UTF-8 (made by
# scripts/deps.sh): a host program that called setlocale(LC_ALL, "") has a
# decimal comma, and the shim's records must not.  New interesting inputs
# stay in build-fuzz/corpus/; a crash, leak or failed check stops with the
# input saved in build-fuzz/artifacts/ and a non-zero exit: add it to the
# corpus as regress-NAME once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
locale_seconds=${2:-15}
locale=de_DE.UTF-8
build=build-fuzz
CC=clang cmake -S . -B "$build" -DPGTLS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$build/artifacts"

# run_target T SECONDS LC_ALL: the corpus, then SECONDS of new inputs, under
# LC_ALL (empty: the C locale; the targets call setlocale only when it is set).
run_target() {
  local t=$1 secs=$2 lc=$3
  local bin="$build/tests/fuzz/fuzz_$t" work="$build/corpus/$t"
  local tag=$t${lc:+-$lc} label="fuzz_$t${lc:+ (LC_ALL=$lc)}"
  local -a env_=(env -u LC_ALL)
  [[ -n $lc ]] && env_=(env LC_ALL="$lc")
  mkdir -p "$work"
  # The corpus as regression tests: every input, once.
  if ! "${env_[@]}" "$bin" -runs=0 -artifact_prefix="$build/artifacts/$tag-corpus-" \
      "tests/fuzz/corpus/$t" >"$build/$tag-corpus.log" 2>&1; then
    echo "$label: an input of tests/fuzz/corpus/$t fails:" >&2
    tail -40 "$build/$tag-corpus.log" >&2
    return 1
  fi
  # The pass really ran under the locale asked for (the target says so).
  if [[ -n $lc ]] && ! grep -q "^fuzz: locale $lc, decimal point \",\"" "$build/$tag-corpus.log"; then
    echo "$label: the target did not run under $lc with a decimal comma:" >&2
    grep -m3 '^fuzz: locale' "$build/$tag-corpus.log" >&2 || echo "  (no locale line)" >&2
    return 1
  fi
  if "${env_[@]}" "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -artifact_prefix="$build/artifacts/$tag-" -print_final_stats=1 \
      "$work" "tests/fuzz/corpus/$t" >"$build/$tag.log" 2>&1; then
    echo "$label: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$build/$tag.log" |
      cut -d' ' -f2) inputs in ${secs}s, no failure"
  else
    echo "$label: FAILED, input saved in $build/artifacts/:" >&2
    grep -E -A30 '^fuzz_|ERROR|SUMMARY|deadly' "$build/$tag.log" | head -60 >&2
    return 1
  fi
}

status=0
for t in policy rewrite record report; do
  run_target "$t" "$seconds" "" || status=1
done
if ((locale_seconds > 0)); then
  if ! locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
    echo "fuzz: locale $locale is not installed (scripts/deps.sh makes it): the second pass cannot run" >&2
    status=1
  else
    for t in policy rewrite record report; do
      run_target "$t" "$locale_seconds" "$locale" || status=1
    done
  fi
fi
exit $status
