#!/usr/bin/env bash
# Debian chroots for testing pgtls-shim on other releases and for installing
# its package, without touching this machine.
#
#   scripts/chroot.sh RELEASE                 make (or reuse) the pristine chroot
#   scripts/chroot.sh base RELEASE            the same
#   scripts/chroot.sh stage RELEASE NAME PKG...
#                                             make (or reuse) a stage: the pristine
#                                             chroot with PKG... installed
#   scripts/chroot.sh run [OPTIONS] RELEASE -- COMMAND [ARG...]
#       runs COMMAND (as root, cwd /) in a fresh copy of the chroot, with /proc,
#       /sys, /dev and /dev/pts mounted, and throws the copy away afterwards.
#       --stage NAME       start from stage NAME instead of the pristine chroot
#       --src              bind the project's source read-only at /src
#       --bind HOST:PATH   bind HOST read-only at PATH (repeatable)
#       --rw-bind HOST:PATH  the same, writable
#
# RELEASE: bookworm, trixie or sid.  Caches live in
# /var/cache/pgtls-shim/chroots/RELEASE/ (PGTLS_CHROOT_CACHE overrides the
# parent): base.tar (debootstrap --variant=minbase from deb.debian.org) and
# stage-NAME-HASH.tar (HASH: of the package list, so a changed list makes a new
# stage).  Tarballs are written whole and renamed, so an interrupted run leaves
# no half cache.  Must run as root.
set -euo pipefail

MIRROR=${PGTLS_CHROOT_MIRROR:-http://deb.debian.org/debian}
CACHE=${PGTLS_CHROOT_CACHE:-/var/cache/pgtls-shim/chroots}
TOP=$(cd "$(dirname "$0")/.." && pwd)

# Part of every stage's hash: bump it when what a stage holds changes.
STAGE_FORMAT=3
# Caches older than this are made again: the archive moves on, and old package
# lists name files it no longer has.
MAX_AGE_DAYS=${PGTLS_CHROOT_MAX_AGE_DAYS:-7}

die() { echo "chroot.sh: $*" >&2; exit 2; }
log() { echo "chroot.sh: $*" >&2; }

check_release() {
  case $1 in
    bookworm | trixie | sid) ;;
    *) die "unknown release '$1' (bookworm, trixie or sid)" ;;
  esac
}

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return
  log "installing debootstrap"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    debootstrap >/dev/null
}

# Settings every chroot gets: no service starts during package installs, no
# cluster made by postgresql-common (the tests make their own), no docs.
prepare_tree() {
  local root=$1
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mkdir -p "$root/etc/postgresql-common/createcluster.d"
  echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.d/pgtls-shim.conf"
  apt_settings "$root"
}

# No recommends; retries; and a Release file past its Valid-Until (sid's, on
# a mirror that lags) is still used: the packages are checked by their
# signed hashes all the same.
# dpkg leaves out documentation (not the package's own, nor translations:
# the tests run libpq in German).
apt_settings() {
  printf '%s\n' 'APT::Install-Recommends "false";' 'Acquire::Retries "3";' \
    'Acquire::Check-Valid-Until "false";' >"$1/etc/apt/apt.conf.d/01-pgtls-shim"
  mkdir -p "$1/etc/dpkg/dpkg.cfg.d"
  printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
    'path-include=/usr/share/doc/pgtls-shim/*' 'path-exclude=/usr/share/info/*' \
    >"$1/etc/dpkg/dpkg.cfg.d/01-pgtls-shim-nodoc"
}

# The pristine chroot: CACHE/RELEASE/base.tar.
base() {
  local rel=$1 dir=$CACHE/$1 tmp
  check_release "$rel"
  need_root
  expire "$dir/base.tar"
  [[ -f $dir/base.tar ]] && return
  ensure_debootstrap
  mkdir -p "$dir"
  tmp=$(mktemp -d "$dir/debootstrap.XXXXXX")
  log "debootstrap $rel (minbase) from $MIRROR"
  if ! debootstrap --variant=minbase "$rel" "$tmp/root" "$MIRROR" >"$tmp/log" 2>&1; then
    tail -n 20 "$tmp/log" >&2
    rm -rf --one-file-system "$tmp"
    die "debootstrap $rel failed"
  fi
  prepare_tree "$tmp/root"
  tar -C "$tmp/root" --numeric-owner -cf "$tmp/base.tar" .
  mv "$tmp/base.tar" "$dir/base.tar"
  rm -rf --one-file-system "$tmp"
}

expire() { # FILE: removes it when older than MAX_AGE_DAYS
  if [[ -f $1 ]] && [[ -n $(find "$1" -mtime +"$MAX_AGE_DAYS") ]]; then
    log "$1 is older than $MAX_AGE_DAYS days: making it again"
    rm -f "$1"
  fi
}

stage_file() {
  local rel=$1 name=$2
  shift 2
  local hash
  hash=$(printf '%s\n' "$rel" "$STAGE_FORMAT" "$@" | LC_ALL=C sort | sha256sum | cut -c1-12)
  echo "$CACHE/$rel/stage-$name-$hash.tar"
}

# --- a fresh copy with the mounts, and its clean-up -------------------------
ROOT=""
MOUNTS=()

cleanup_root() {
  local i
  [[ -n $ROOT ]] || return 0
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
  done
  MOUNTS=()
  # Never delete through a mount that is still there (the source, /dev).
  if grep -qF " $ROOT/" /proc/self/mountinfo || grep -qF " $ROOT " /proc/self/mountinfo; then
    log "mounts remain under $ROOT; not deleting it"
  else
    rm -rf --one-file-system "$ROOT"
  fi
  ROOT=""
}

do_mount() { # mount ARGS... TARGET (the target last)
  mount "$@"
  MOUNTS+=("${!#}")
}

bind_into() { # HOST PATH ro|rw
  local host=$1 path=$2 how=$3
  [[ -e $host ]] || die "no such file or directory: $host"
  if [[ -d $host ]]; then mkdir -p "$ROOT$path"; else
    mkdir -p "$(dirname "$ROOT$path")"
    : >"$ROOT$path"
  fi
  do_mount --bind "$host" "$ROOT$path"
  if [[ $how == ro ]]; then
    mount -o remount,bind,ro "$ROOT$path"
  fi
}

# Unpacks TARBALL into a new directory and mounts the kernel file systems.
make_root() {
  local tarball=$1
  mkdir -p "${PGTLS_CHROOT_WORK:-/var/tmp}"
  ROOT=$(mktemp -d "${PGTLS_CHROOT_WORK:-/var/tmp}/pgtls-chroot.XXXXXX")
  trap cleanup_root EXIT
  trap 'exit 130' INT TERM
  tar -C "$ROOT" --numeric-owner -xf "$tarball"
  chmod 755 "$ROOT"
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  apt_settings "$ROOT"
  # The root a mount point of its own, as a real system's is: otherwise
  # `unshare --mount --propagation private` inside fails (test_logfull).
  do_mount --bind "$ROOT" "$ROOT"
  do_mount -t proc proc "$ROOT/proc"
  do_mount -t sysfs sysfs "$ROOT/sys"
  do_mount --bind /dev "$ROOT/dev"
  do_mount --bind /dev/pts "$ROOT/dev/pts"
  do_mount -t tmpfs tmpfs "$ROOT/dev/shm"
  mkdir -p "$ROOT/tmp"
  chmod 1777 "$ROOT/tmp"
}

in_root() {
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive CI="${CI:-}" \
    chroot "$ROOT" "$@"
}

# A stage: base + packages, cached as a tarball.
stage() {
  local rel=$1 name=$2
  shift 2
  local file
  file=$(stage_file "$rel" "$name" "$@")
  expire "$file"
  [[ -f $file ]] && { echo "$file"; return; }
  base "$rel"
  log "making stage $name of $rel: $*"
  (
    make_root "$CACHE/$rel/base.tar"
    in_root apt-get update -qq >&2
    in_root apt-get install -y -qq "$@" >/dev/null
    in_root apt-get clean >&2
    # The package lists stay: apt-get install ./FILE.deb resolves against them.
    # The kernel file systems are not part of the stage.
    tar -C "$ROOT" --numeric-owner --one-file-system -cf "$file.tmp.$$" .
    mv "$file.tmp.$$" "$file"
  )
  # Older versions of this stage (another package list) are of no more use.
  local f
  for f in "$CACHE/$rel/stage-$name-"*.tar; do
    [[ $f == "$file" ]] || rm -f "$f"
  done
  echo "$file"
}

run() {
  local stage_name="" src=false binds=() rel
  while (($#)); do
    case $1 in
      --stage) stage_name=$2; shift 2 ;;
      --src) src=true; shift ;;
      --bind) binds+=("ro:$2"); shift 2 ;;
      --rw-bind) binds+=("rw:$2"); shift 2 ;;
      --) shift; break ;;
      -*) die "unknown option $1" ;;
      *) rel=$1; shift ;;
    esac
  done
  [[ -n ${rel:-} ]] || die "run: no release"
  (($#)) || die "run: no command"
  check_release "$rel"
  need_root
  local tarball
  if [[ -n $stage_name ]]; then
    tarball=$(find "$CACHE/$rel" -maxdepth 1 -name "stage-$stage_name-*.tar" -printf "%T@ %p\n" 2>/dev/null | sort -rn | head -n 1 | cut -d" " -f2-)
    [[ -n $tarball ]] || die "no stage $stage_name for $rel (make it with: $0 stage $rel $stage_name PKG...)"
  else
    base "$rel"
    tarball=$CACHE/$rel/base.tar
  fi
  make_root "$tarball"
  $src && bind_into "$TOP" /src ro
  local b
  for b in "${binds[@]}"; do
    local how=${b%%:*} rest=${b#*:}
    bind_into "${rest%%:*}" "${rest#*:}" "$how"
  done
  local rc=0
  in_root "$@" || rc=$?
  cleanup_root
  trap - EXIT
  return "$rc"
}

(($#)) || die "usage: $0 [base|stage|run] RELEASE ..."
# Mounts are made in a private mount namespace of this script's own, so none
# can propagate to the machine's /dev, and none outlives the script.
if [[ -z ${PGTLS_CHROOT_NS:-} && $(id -u) -eq 0 ]] && command -v unshare >/dev/null; then
  PGTLS_CHROOT_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
case $1 in
  base) shift; base "$@" ;;
  stage) shift; (($# >= 3)) || die "usage: $0 stage RELEASE NAME PKG..."; stage "$@" ;;
  run) shift; run "$@" ;;
  bookworm | trixie | sid) base "$1" ;;
  *) die "unknown command $1" ;;
esac
