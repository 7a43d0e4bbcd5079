#!/usr/bin/env bash
# Installs what building and testing pgtls-shim needs, from Debian's
# packages; does nothing when everything is there already.
set -euo pipefail
PKGS=(build-essential cmake pkg-config clang libconfig-dev libpq-dev libssl-dev
      libjson-c-dev zlib1g-dev postgresql postgresql-client python3 python3-psycopg2 python3-jsonschema
      openssl binutils patchelf strace libdbd-pg-perl krb5-kdc krb5-admin-server krb5-user
      libclang-rt-14-dev valgrind clang-tidy clang-format cppcheck locales
      php-cli php-pgsql php-fpm python3-psycopg)
command -v npm >/dev/null || PKGS+=(nodejs npm libnode-dev)  # test_node: pg-native's addon (node-gyp)
# (skipped when a node with its own npm is installed: NodeSource's nodejs
# bundles npm and node's headers, and conflicts with Debian's npm)
PKGS+=(libfcgi-bin python3-cffi unixodbc odbc-postgresql gdal-bin libqt5sql5-psql python3-pyqt5.qtsql libpgtcl tcl libpqxx-dev g++ ruby-pg)  # tests/integration/test_drivers.py: more real clients
PKGS+=(python3-sqlalchemy)  # tests/integration/test_clients.py: SQLAlchemy 1.4 over psycopg2
PKGS+=(gdb)  # tests/clients/pqthreads.c prints the stack of a child that hung after fork
PKGS+=(rsyslog)  # tests/integration/test_shipping.py: two rsyslogd of its own (imfile, omfwd, imtcp)
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
# install_missing [APT-OPTION...] -- PACKAGE...: those not installed yet.
install_missing() {
  local opts=() missing=() p
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "installing${opts:+ (${opts[*]})}: ${missing[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    "${opts[@]}" "${missing[@]}" >/dev/null
}
install_missing -- "${PKGS[@]}"
# Apache's mod_php (tests/integration/test_modphp.py), without Recommends:
# they pull in the apache2 package, which starts a system service on port 80.
# The test runs /usr/sbin/apache2 itself, with its own configuration.
install_missing --no-install-recommends -- apache2-bin libapache2-mod-php8.2
# A German locale: tests/integration/test_guest.py runs psql with libpq's
# messages translated (LC_ALL=de_DE.UTF-8).
if ! locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
  echo "generating locale de_DE.UTF-8"
  $sudo sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen
  grep -q '^de_DE.UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
fi
# promtool and node_exporter for tests/integration/test_fleet_metrics.py:
# Debian's prometheus and prometheus-node-exporter packages, unpacked into
# a cache directory, not installed: installing them enables and starts both
# services (ports 9090, 9100) on a systemd host.  Static Go binaries, 60 MB
# unpacked; the test looks here, then in PATH.
prom_dir=${PGTLS_SHIM_PROM_DIR:-/var/cache/pgtls-shim-tests/prometheus}
if [[ ! -x $prom_dir/usr/bin/promtool || ! -x $prom_dir/usr/bin/prometheus-node-exporter ]]; then
  echo "unpacking promtool and node_exporter into $prom_dir"
  $sudo mkdir -p "$prom_dir/debs"
  (cd "$prom_dir/debs" && $sudo apt-get -o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root download -qq \
     prometheus prometheus-node-exporter)
  for deb in "$prom_dir"/debs/*.deb; do $sudo dpkg-deb -x "$deb" "$prom_dir"; done
  $sudo rm -rf "$prom_dir/debs" "$prom_dir/usr/share/prometheus" "$prom_dir/etc" \
    "$prom_dir/usr/bin/prometheus"
fi
