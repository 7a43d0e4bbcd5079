#!/usr/bin/env bash
# Builds the Debian package for the release this runs on:
#
#   scripts/package.sh OUTDIR      -> OUTDIR/pgtls-shim_VERSION_ARCH.deb
#
# with Debian's own tooling (debian/, dpkg-buildpackage, debhelper's cmake
# build system), in a copy of the source so the work tree gets nothing.
# Installs what building needs (as root, only what is missing).  The version is
# the project's (CMakeLists.txt); the package's Depends are computed for this
# release (debian/runtime-depends).
set -euo pipefail
(($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 2; }
cd "$(dirname "$0")/.."
mkdir -p "$1"
out=$(cd "$1" && pwd)

version=$(sed -n 's/^project(pgtls-shim VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[[ -n $version ]] || { echo "package.sh: no version in CMakeLists.txt" >&2; exit 2; }

install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "package.sh: installing ${missing[*]}" >&2
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}
install_missing build-essential dpkg-dev debhelper cmake pkg-config libconfig-dev libpq-dev libssl-dev \
  libjson-c-dev zlib1g-dev

work=$(mktemp -d /tmp/pgtls-shim-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/pgtls-shim-$version
mkdir -p "$src"
tar --exclude='./build*' --exclude=./.git -cf - . | tar -C "$src" -xf -
# The package's version is the project's.
sed -i "1s/^pgtls-shim ([^)]*)/pgtls-shim ($version)/" "$src/debian/changelog"

(
  cd "$src"
  dpkg-checkbuilddeps
  DEB_BUILD_OPTIONS="noddebs nocheck parallel=${PGTLS_JOBS:-2}" \
    dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1 \
    || { tail -n 40 "$work/build.log" >&2; exit 1; }
)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=pgtls-shim_${version}_${arch}.deb
[[ -f $work/$deb ]] || { echo "package.sh: dpkg-buildpackage made no $deb" >&2; exit 1; }
mv "$work/$deb" "$out/$deb"
echo "$out/$deb"
