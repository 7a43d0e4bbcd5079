#!/usr/bin/env bash
# The main job, end to end, in about a minute: builds the shim, starts two
# throwaway PostgreSQL servers with TLS on loopback (one with a good
# certificate, one whose certificate names another host), and runs an
# unchanged psql under the shim:
#   1. audit: nothing changes, each connection is recorded with what
#      enforcement would do;
#   2. report: the verdict on the audit, ready to enforce or not, and why;
#   3. enforce: the good server is now verified, the bad one refused;
#   4. report: the verdict on everything the shim recorded.
# Installs only what this needs (Debian packages, when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

pkgs=(gcc make cmake pkg-config libc6-dev libconfig-dev libpq-dev libssl-dev libjson-c-dev zlib1g-dev
      postgresql postgresql-client python3 openssl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "== installing: ${missing[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== building the library and the command"
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build-demo -j"$(nproc)" --target pgtls-shim pgtls-shim-cli >/dev/null
shim=$top/build-demo/pgtls-shim
# scripts/demo-fleet.sh builds through here, then runs its own demo.
[[ ${1:-} == --build-only ]] && exit 0

work=$(mktemp -d /tmp/pgtls-shim-demo.XXXXXX)
chmod 755 "$work"
cleanup() {
  /usr/bin/python3 tests/harness/pgservers.py stop "$work/state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "== starting two TLS PostgreSQL servers on 127.0.0.1 (a throwaway PKI)"
/usr/bin/python3 tests/harness/pgservers.py start "$work/state" "$work/pki" good wronghost >/dev/null
port() {
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["servers"][sys.argv[2]]["port"])' \
    "$work/state/servers.json" "$1"
}
good=$(port good)
wrong=$(port wronghost)

policy=$work/policy.conf
write_policy() { # MODE LOG
  cat >"$policy" <<POLICY
version = 1;
mode = "audit";
log = { path = "$2"; chain = true; };
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
# One line per record: what happened, and in audit what enforce would do.
summarise() {
  /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    a = r.get("audit") or {}
    what = "%s: port %s, sslmode %s -> %s, %s, verified=%s" % (
        r["mode"], r["port"], r["sslmode_requested"], r["sslmode_effective"], r["outcome"],
        str(r["verified"]).lower())
    if a:
        what += "; enforce would %s" % ("refuse (%s)" % a["reason"] if a["would_refuse"] else "accept")
    print("   record: " + what)
' "$1"
}
psql_under_shim() { # PORT
  echo "   \$ pgtls-shim exec --policy policy.conf -- psql 'host=db.test port=$1 ...'"
  "$shim" exec --policy "$policy" -- psql -X -At \
    "host=db.test hostaddr=127.0.0.1 port=$1 dbname=postgres user=postgres connect_timeout=10" \
    -c "select '   connected: ssl=' || ssl || ' ' || coalesce(version, '') from pg_stat_ssl where pid = pg_backend_pid()" \
    2>&1 | sed 's/^psql: error: /   psql: error: /'
}

echo
echo "== 1. audit: psql as it is (sslmode=prefer: encrypted, never verified); nothing changes"
write_policy audit "$work/audit.jsonl"
psql_under_shim "$good"
psql_under_shim "$wrong"
summarise "$work/audit.jsonl"

echo
echo "== 2. report on the audit: would enforcing break anything?"
"$shim" report "$work/audit.jsonl" | sed 's/^/   /' || true

echo
echo "== 3. enforce: the same psql, now verify-full with the policy's CA bundle"
write_policy enforce "$work/enforce.jsonl"
psql_under_shim "$good"
psql_under_shim "$wrong" || true
summarise "$work/enforce.jsonl"

echo
echo "== 4. the verdict on everything recorded"
"$shim" report "$work/audit.jsonl" "$work/enforce.jsonl" | tail -n 1 | sed 's/^/   /' || true
