#!/usr/bin/env bash
# A fleet's question, end to end, in a minute or two: "which service on which
# machine would break when the database's CA rotates?"
#
# One throwaway PostgreSQL server with TLS on loopback, its certificate from
# the "old" CA; a policy in audit whose next_ca is the CA it will move to.
# Three "hosts" (each a UTS namespace with its own host name), two services
# on each (each in a cgroup named like a systemd unit, when the machine lets
# us make one); one service on one host pins the old CA.  Each host writes
# its own record file; the files are shipped into one (shuffled, as a log
# shipper interleaves them); then:
#   1. pgtls-shim report --by hostname,unit names the service that would break;
#   2. the shipped SQL view gives the same answer in DuckDB (from npm);
#   3. --format openmetrics, for node_exporter's textfile collector, says
#      ready_to_rotate 0.
# Needs what demo.sh needs; root (or unprivileged user namespaces) for the
# host names, root for the units (without it, unit is null and the demo says so).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

# PGTLS_BUILD_DIR: a build to use as it is (the test of this demo), else
# demo.sh's own build.
build=${PGTLS_BUILD_DIR:-}
if [[ -z $build ]]; then
  bash scripts/demo.sh --build-only >/dev/null
  build=$top/build-demo
fi
shim=$build/pgtls-shim
lib=$build/libpgtls-shim.so

work=$(mktemp -d /tmp/pgtls-shim-fleet.XXXXXX)
chmod 755 "$work"
cgroot=""
cleanup() {
  /usr/bin/python3 tests/harness/pgservers.py stop "$work/state" >/dev/null 2>&1 || true
  if [[ -n $cgroot ]]; then
    find "$cgroot" -depth -type d -exec rmdir {} + 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== one TLS PostgreSQL server on 127.0.0.1, its certificate from the old CA"
/usr/bin/python3 tests/harness/pgservers.py start "$work/state" "$work/pki" old >/dev/null
port=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["servers"]["old"]["port"])' \
  "$work/state/servers.json")
pki=$work/pki
chmod 755 "$pki"
chmod 644 "$pki"/*.pem "$pki"/*.crt

# Where the services' cgroups go: the unified (v2) hierarchy, wherever it is.
if [[ $(id -u) -eq 0 ]]; then
  for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
    if [[ -f $d/cgroup.procs ]] && mkdir -p "$d/pgtls-demo.slice" 2>/dev/null; then
      cgroot=$d/pgtls-demo.slice
      break
    fi
  done
fi
[[ -n $cgroot ]] || echo "   (no writable cgroup hierarchy here: records will say unit null)"

# In a UTS namespace (host name HOST) and a cgroup UNIT, run CMD.
as_host() { # HOST UNIT CMD...
  local host=$1 unit=$2
  shift 2
  local enter=""
  if [[ -n $cgroot ]]; then
    mkdir -p "$cgroot/$host.slice/$unit"
    enter="echo \$\$ > '$cgroot/$host.slice/$unit/cgroup.procs'; "
  fi
  local ns=(unshare --uts)
  [[ $(id -u) -eq 0 ]] || ns=(unshare --user --map-root-user --uts)
  "${ns[@]}" sh -c "${enter}hostname '$host'; exec \"\$@\"" sh "$@"
}

policy() { # LOG
  cat <<POLICY
version = 1;
mode = "audit";
log = { path = "$1"; chain = true; };
defaults = {
  sslmode = "verify-full";
  sslrootcert = "$pki/both-bundle.pem";   # the operator's bundle: old and new CA
  next_ca = "$pki/next-ca.pem";           # what the server moves to
};
rules = (
  { name = "payments-db"; match = { host = [ "db.test" ]; }; mode = "audit"; }
);
POLICY
}

# A service: psql, as the service would run it, under the shim.
service() { # HOST UNIT APP [VAR=VALUE...]
  local host=$1 unit=$2 app=$3
  shift 3
  as_host "$host" "$unit" env "$@" PGAPPNAME="$app" \
    PGTLS_SHIM_POLICY="$work/$host.conf" LD_PRELOAD="$lib" \
    psql -X -At "host=db.test hostaddr=127.0.0.1 port=$port dbname=postgres user=postgres" \
    -c "select 1" >/dev/null
}

echo "== three hosts, two services each; orders on batch-1 pins the old CA"
for host in web-1 web-2 batch-1; do
  policy "$work/$host.jsonl" >"$work/$host.conf"
  chmod 644 "$work/$host.conf"
done
for host in web-1 web-2; do
  service "$host" billing.service billing
  service "$host" orders.service orders PGSSLMODE=verify-full PGSSLROOTCERT="$pki/both-bundle.pem"
done
service batch-1 billing.service billing
service batch-1 orders.service orders PGSSLMODE=verify-full PGSSLROOTCERT="$pki/old-root.crt"

echo "== shipped: every host's records in one file, interleaved"
cat "$work"/web-1.jsonl "$work"/web-2.jsonl "$work"/batch-1.jsonl | shuf >"$work/fleet.jsonl"
wc -l <"$work/fleet.jsonl" | sed 's/$/ records/; s/^/   /'

echo
echo "== 1. pgtls-shim report --by hostname,unit fleet.jsonl"
"$shim" report --by hostname,unit "$work/fleet.jsonl" | sed 's/^/   /' || true

echo
echo "== 2. the same question in DuckDB, with the shipped view (share/pgtls-shim/sql/duckdb.sql)"
bash scripts/duckdb.sh query "$work/fleet.jsonl" sql/duckdb.sql \
  "SELECT hostname, unit, count(*) AS connections, count(*) FILTER (WHERE would_break) AS would_break
     FROM pgtls_shim_connections GROUP BY ALL ORDER BY ALL" | sed 's/^/   /'

echo
echo "== 3. pgtls-shim report --format openmetrics (node_exporter's textfile collector)"
"$shim" report --format openmetrics --by hostname,unit "$work/fleet.jsonl" \
  | grep -E '^pgtls_shim_ready_to_(enforce|rotate) ' | sed 's/^/   /' || true
