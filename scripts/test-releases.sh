#!/usr/bin/env bash
# The suite on other Debian releases, in chroots (scripts/chroot.sh):
#
#   scripts/test-releases.sh [--host-build DIR] [--german RELEASE] [RELEASE...]
#                                                     (default: trixie sid)
#
# For each RELEASE, in a fresh copy of a cached chroot with that release's
# build dependencies and PostgreSQL server:
#   native:  builds the project with the release's gcc (-Wall -Wextra -Werror,
#            as everywhere) and runs the whole ctest suite; for the release
#            of --german (default sid; "" for none) under LC_ALL=de_DE.UTF-8,
#            where the test clients, like psql, get libpq's German messages
#            and a decimal comma (issue #12): the results say
#            "native (LC_ALL=de_DE.UTF-8)=...";
#   debian12: runs the same suite against this machine's (Debian 12) build of
#            the library and the command, copied over the release's build of
#            them: does the binary built on Debian 12 work on RELEASE?
# --host-build DIR: a build directory of this machine to take the Debian 12
# library and command from (e.g. scripts/test.sh's build-test-gcc); without it
# the script builds one in build-releases/host.
# Logs and results: build-releases/RELEASE/.  Exit 0 when every run passed.
GERMAN=de_DE.UTF-8
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
OUT=$TOP/build-releases

# What the suite needs on a release: scripts/deps.sh's list, less the tools of
# the hardening runs (scripts/test.sh runs those on the machine), plus man-db
# (the man page tests) and procps.  The server is whatever the release has.
mapfile -t PKGS < <(sed -n '/^PKGS=(/,/)/p' scripts/deps.sh | tr -d '()' | sed 's/PKGS=//' |
  tr ' ' '\n' | grep -vxE '|libclang-rt-.*|valgrind|clang-tidy|clang-format|cppcheck')
PKGS+=(procps man-db gdb)   # gdb: pqthreads prints a hung child's stack

# --- inside the chroot ------------------------------------------------------
if [[ ${1:-} == --in-chroot ]]; then
  out=/out
  # The native run's locale: empty (the C locale) or $GERMAN.
  native_lc=${3:-}
  # A private copy of the source: nothing of the build or the tests lands in
  # the worktree.
  mkdir -p /work/src
  tar -C /src --exclude='./build*' --exclude=./.git -cf - . | tar -C /work/src -xf -
  {
    . /etc/os-release
    echo "release=${VERSION_CODENAME:-$2}"
    echo "os=$PRETTY_NAME"
    echo "gcc=$(gcc -dumpfullversion)"
    for p in libpq5 libssl3 libssl3t64 libconfig9 libconfig11 libconfig15 libjson-c5 postgresql; do
      v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
      [[ -n $v ]] && echo "$p=$v"
    done
    echo "server=$(ls -d /usr/lib/postgresql/*/bin/initdb | sed 's|.*postgresql/\([^/]*\)/.*|\1|' | sort -n | tail -n 1)"
  } >"$out/versions"
  # A German locale, as scripts/deps.sh makes: test_guest runs libpq in German.
  sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen
  locale-gen >/dev/null
  result() { echo "$1=$2" >>"$out/results"; }
  # The German run needs the locale and libpq's German catalogue (libpq5
  # ships it; chroot.sh keeps translations): without them it would quietly
  # run in English, so it fails instead.
  native_name=native
  native_env=(env -u LANGUAGE -u LC_ALL)
  german_missing=""
  if [[ -n $native_lc ]]; then
    native_name="native (LC_ALL=$native_lc)"
    native_env=(env -u LANGUAGE LC_ALL="$native_lc")
    mo=$(ls /usr/share/locale/de/LC_MESSAGES/libpq5-*.mo 2>/dev/null | head -n 1 || true)
    locale -a 2>/dev/null | grep -ix 'de_DE\.utf-\?8' >/dev/null || german_missing="the locale $native_lc is not there"
    [[ -n $mo ]] || german_missing="no /usr/share/locale/de/LC_MESSAGES/libpq5-*.mo"
    echo "native_locale=$native_lc${mo:+ (German libpq messages: ${mo##*/})}" >>"$out/versions"
  fi
  # The package test makes chroots of its own: it runs on the machine.
  export PGTLS_SKIP_PACKAGE_TEST=1
  # DuckDB comes from npm, which the release chroots do not install: the
  # DuckDB views and the fleet demo run on the machine (Debian 12), the
  # PostgreSQL views here too, against each release's server.
  export PGTLS_TEST_SKIP_NPM=1
  # promtool and node_exporter are unpacked on the machine (scripts/deps.sh),
  # not in the chroots: the metrics test runs there.
  export PGTLS_TEST_SKIP_PROMETHEUS=1
  : >"$out/results"
  ctest_run() { # NAME LOG ENV... -- [ctest args]
    local name=$1 log=$2
    local -a env_=()
    shift 2
    while [[ $1 != -- ]]; do env_+=("$1"); shift; done
    shift
    if (cd /work/build && "${env_[@]}" ctest --output-on-failure --timeout 900 "$@") \
        >"$out/$log.log" 2>&1; then
      result "$name" "ok $(grep -Eo '[0-9]+% tests passed.*' "$out/$log.log" | tail -n 1)"
    else
      result "$name" "FAIL $(grep -Eo '[0-9]+% tests passed.*' "$out/$log.log" | tail -n 1)"
    fi
    # Every test's own output (which cases ran, which were skipped and why).
    cp /work/build/Testing/Temporary/LastTest.log "$out/$log-tests.log" 2>/dev/null || true
  }
  cmake -S /work/src -B /work/build -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >"$out/configure.log" 2>&1 || { result build "FAIL (configure: see configure.log)"; exit 0; }
  if cmake --build /work/build -j"${PGTLS_JOBS:-2}" >"$out/build.log" 2>&1; then
    result build ok
    if [[ -n $german_missing ]]; then
      result "$native_name" "FAIL (not run: $german_missing)"
    else
      ctest_run "$native_name" native "${native_env[@]}" --
    fi
  else
    result build "FAIL ($(grep -m1 -E ': error:|undefined reference' "$out/build.log" | sed 's|/work/src/||' | cut -c1-160))"
    result "$native_name" "not run (build failed)"
    # The test programs alone, to run the suite against the Debian 12 build.
    cmake --build /work/build -j"${PGTLS_JOBS:-2}" --target pqclient pqmodule pqthreads pqclient_dl \
      >>"$out/build.log" 2>&1 || { result debian12 "not run (test programs do not build)"; exit 0; }
  fi
  # The Debian 12 library and command in place of this release's.
  install -m 755 /host/libpgtls-shim.so /work/build/libpgtls-shim.so
  install -m 755 /host/pgtls-shim /work/build/pgtls-shim
  # Unit tests are this release's compile of the logic: the native run has them.
  ctest_run debian12 debian12 env -u LANGUAGE -u LC_ALL -- -E '^unit_'
  exit 0
fi

# --- on the machine ---------------------------------------------------------
host_build=""
german_release=sid
releases=()
while (($#)); do
  case $1 in
    --host-build) host_build=$(cd "$2" && pwd); shift 2 ;;
    --german) german_release=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) releases+=("$1"); shift ;;
  esac
done
((${#releases[@]})) || releases=(trixie sid)
mkdir -p "$OUT"

if [[ -z $host_build ]]; then
  host_build=$OUT/host
  echo "== Debian 12 build (this machine) in $host_build"
  cmake -S . -B "$host_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$host_build" -j"${PGTLS_JOBS:-2}" --target pgtls-shim pgtls-shim-cli >/dev/null
fi
for f in libpgtls-shim.so pgtls-shim; do
  [[ -f $host_build/$f ]] || { echo "no $f in $host_build" >&2; exit 2; }
done
rm -rf "$OUT/debian12"
mkdir -p "$OUT/debian12"
cp "$host_build/libpgtls-shim.so" "$host_build/pgtls-shim" "$OUT/debian12/"

status=0
for rel in "${releases[@]}"; do
  start=$SECONDS
  echo "== $rel: the chroot with the build dependencies (cached after the first run)"
  bash scripts/chroot.sh stage "$rel" test "${PKGS[@]}" >/dev/null
  rm -rf "${OUT:?}/$rel"
  mkdir -p "$OUT/$rel"
  lc=""
  [[ $rel == "$german_release" ]] && lc=$GERMAN
  echo "== $rel: build with its gcc, the suite${lc:+ under LC_ALL=$lc}; the suite against the Debian 12 build"
  bash scripts/chroot.sh run --stage test --src --bind "$OUT/debian12:/host" \
    --rw-bind "$OUT/$rel:/out" "$rel" -- bash /src/scripts/test-releases.sh --in-chroot "$rel" "$lc" \
    || echo "$rel: the chroot run itself failed" >>"$OUT/$rel/results"
  echo "$((SECONDS - start))" >"$OUT/$rel/seconds"
done

echo
echo "== summary (logs in $OUT/RELEASE/)"
for rel in "${releases[@]}"; do
  v=$OUT/$rel/versions
  get() { sed -n "s/^$1=//p" "$v" 2>/dev/null | head -n 1; }
  echo "$rel: libpq $(get libpq5), OpenSSL $(get libssl3t64)$(get libssl3), libconfig $(get libconfig15)$(get libconfig11)$(get libconfig9), PostgreSQL $(get server), gcc $(get gcc); $(cat "$OUT/$rel/seconds") s"
  [[ -n $(get native_locale) ]] && echo "  the native run under LC_ALL=$(get native_locale)"
  if [[ -s $OUT/$rel/results ]]; then
    sed 's/^/  /' "$OUT/$rel/results"
  else
    echo "  no results"
  fi
  grep -qvE '=ok( |$)' "$OUT/$rel/results" 2>/dev/null && status=1
  [[ -s $OUT/$rel/results ]] || status=1
done
exit "$status"
