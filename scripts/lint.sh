#!/usr/bin/env bash
# Static analysis, run by scripts/test.sh: clang-tidy (.clang-tidy) over the
# library and the command, cppcheck over everything the build compiles, and
# clang-format (.clang-format) over every C file.  Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-lint
CC=clang cmake -S . -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
mapfile -t sources < <(git ls-files -- 'shim/*.c' 'shim/cli/*.c')
mapfile -t all < <(git ls-files -- '*.c' '*.h')

echo "lint: clang-format"
clang-format --dry-run --Werror "${all[@]}"

echo "lint: clang-tidy"
printf '%s\n' "${sources[@]}" |
  xargs -P"$(nproc)" -n4 clang-tidy -p "$build" --quiet 2>&1 |
  grep -v -e '^[0-9]* warnings\? generated' -e '^Suppressed' -e '^Use -header-filter' |
  tee "$build/clang-tidy.log" || true
if grep -q -E '(warning|error):' "$build/clang-tidy.log"; then
  echo "lint: clang-tidy found the above" >&2
  exit 1
fi

echo "lint: cppcheck"
cppcheck --project="$build/compile_commands.json" --quiet --error-exitcode=1 -j"$(nproc)" \
  --enable=warning,performance,portability --inline-suppr \
  --suppress=missingIncludeSystem --suppress='*:/usr/*'
echo "lint: clean"
