#!/usr/bin/env bash
# The test command: installs what is missing, builds from scratch with gcc and
# clang (-Wall -Wextra -Werror), and runs every test with ctest against real
# PostgreSQL servers that the suite starts on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
for cc in clang gcc; do
  rm -rf "build-test-$cc"
  CC=$cc cmake -S . -B "build-test-$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "build-test-$cc" -j"$jobs"
done
bash scripts/lint.sh
# Every fuzz target over its corpus (the regressions), then 30 s of new inputs.
bash scripts/fuzz.sh 30
# The suite runs on the gcc build; clang's build must compile clean.
(cd build-test-gcc && ctest --output-on-failure --timeout 900)
