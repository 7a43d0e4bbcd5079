#!/usr/bin/env bash
# The main job, end to end: builds the shim, starts throwaway PostgreSQL
# servers with TLS on loopback (a test PKI), and runs an unchanged psql under
# the shim, first in audit mode, then in enforce mode, then against a server
# whose certificate names another host, showing each record.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
bash scripts/deps.sh
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-demo -j"$(nproc)" >/dev/null
lib=$top/build-demo/libpgtls-shim.so

work=$(mktemp -d /tmp/pgtls-shim-demo.XXXXXX)
chmod 755 "$work"
cleanup() {
  /usr/bin/python3 tests/harness/pgservers.py stop "$work/state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "== starting throwaway TLS PostgreSQL servers (test PKI in $work/pki)"
/usr/bin/python3 tests/harness/pgservers.py start "$work/state" "$work/pki" >/dev/null
port() {
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["servers"][sys.argv[2]]["port"])' \
    "$work/state/servers.json" "$1"
}
good=$(port good)
wrong=$(port wronghost)

policy=$work/policy.conf
log=$work/connections.jsonl
write_policy() {
  cat >"$policy" <<POLICY
version = 1;
mode = "audit";
log = { path = "$log"; chain = true; };
defaults = {
  sslmode = "verify-full";
  sslrootcert = "$work/pki/new-bundle.pem";
};
rules = (
  { name = "demo-db"; match = { host = [ "db.test" ]; }; mode = "$1"; }
);
POLICY
  chmod 644 "$policy"
}
show_last() {
  tail -n 1 "$log" | /usr/bin/python3 -m json.tool
}
run_psql() {
  env LD_PRELOAD="$lib" PGTLS_SHIM_POLICY="$policy" \
    psql -X -At "host=db.test hostaddr=127.0.0.1 port=$1 dbname=postgres user=postgres" \
    -c "select 'connected, ssl=' || ssl || ' ' || coalesce(version, '') from pg_stat_ssl where pid = pg_backend_pid()"
}

echo
echo "== 1. audit: psql as it is (sslmode=prefer: encrypted, not verified); nothing changes"
write_policy audit
run_psql "$good"
show_last

echo
echo "== 2. enforce: the same psql, now verify-full with the policy's CA bundle"
write_policy enforce
run_psql "$good"
show_last

echo
echo "== 3. enforce: a server whose certificate names another host is refused"
run_psql "$wrong" || true
show_last
