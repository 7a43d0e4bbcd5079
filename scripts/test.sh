#!/usr/bin/env bash
# The test command: installs what is missing, builds from scratch with gcc and
# clang (-Wall -Wextra -Werror), and runs every test with ctest against real
# PostgreSQL servers that the suite starts on loopback.  Then the hardening
# runs: static analysis, every fuzz target (its corpus, then 30 s; again
# under LC_ALL=de_DE.UTF-8, 15 s), the suite
# again under ASan+UBSan, the threaded tests under TSan, and 10,000
# connections under valgrind; then the suite on Debian 13 and unstable
# (scripts/test-releases.sh, chroots cached under /var/cache/pgtls-shim).
#
# scripts/test.sh --quick: what a change needs before it is shared, in a few
# minutes, as root or not: the same installation and layout check, one gcc
# build (build-test-quick, kept between runs), and the unit and integration
# tiers (tests/README.md); no clients, system, docs or hardening tier.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
case ${1:-} in
  --quick) quick=1;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2;;
esac
bash scripts/deps.sh
# The layout of shim/ (include cycles, layers, sizes): cheap, so first.
python3 scripts/check-layout.py
jobs=$(nproc)
if ((quick)); then
  CC=gcc cmake -S . -B build-test-quick -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-test-quick -j"$jobs"
  cd build-test-quick
  exec ctest --output-on-failure --timeout 900 -L '^(unit|integration)$'
fi
for cc in clang gcc; do
  rm -rf "build-test-$cc"
  CC=$cc cmake -S . -B "build-test-$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "build-test-$cc" -j"$jobs"
done
# The suite runs on the gcc build; clang's build must compile clean.
(cd build-test-gcc && ctest --output-on-failure --timeout 900)
bash scripts/lint.sh
bash scripts/fuzz.sh "${PGTLS_FUZZ_SECONDS:-30}"
bash scripts/sanitize.sh asan
bash scripts/sanitize.sh tsan
bash scripts/valgrind.sh build-test-gcc "${PGTLS_VALGRIND_CONNECTIONS:-10000}"
# Debian 13 (libpq 17) and unstable (libpq 18) in cached debootstrap chroots:
# each release's own build and this machine's, through the same suite.
bash scripts/test-releases.sh --host-build build-test-gcc
