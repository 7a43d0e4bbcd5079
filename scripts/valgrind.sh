#!/usr/bin/env bash
# scripts/valgrind.sh [BUILD] [N]: N connections (default 10,000) in one
# process under valgrind's memcheck, through the shim built in BUILD
# (default build-test-gcc), against the test servers: verified connections
# in enforce, refusals after the handshake (wrong host name, unknown CA)
# and audited connections with chain description and prediction, mixed.
# Fails on any memory error and on any definitely, indirectly or possibly
# lost block: the shim must free all it allocates, per connection and per
# cached certificate or prediction.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build-test-gcc}")
n=${2:-10000}
work=$(mktemp -d /tmp/pgtls-valgrind.XXXXXX)
chmod 755 "$work"
trap 'python3 tests/harness/pgservers.py stop "$work/state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
python3 tests/harness/pgservers.py start "$work/state" "$work/pki" >/dev/null
cat >"$work/policy.conf" <<POLICY
version = 1;
mode = "audit";
log = { path = "$work/log.jsonl"; chain = true; };
defaults = { sslrootcert = "$work/pki/new-bundle.pem"; };
rules = ( { name = "verified"; match = { host = [ "db.test" ]; }; mode = "enforce"; } );
POLICY
chmod 600 "$work/policy.conf"
# One conninfo per line, cycling through the shim's paths.
python3 - "$work" "$n" >"$work/conninfo" <<'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
s = json.load(open(work + "/state/servers.json"))["servers"]
def ci(name, host):
    return ("host=%s hostaddr=127.0.0.1 port=%d dbname=postgres user=postgres "
            "connect_timeout=10" % (host, s[name]["port"]))
cycle = [ci("good", "db.test")] * 6 + [ci("wronghost", "db.test"), ci("old", "db.test"),
         ci("good", "audit.test"), ci("old", "audit.test")]
for i in range(n):
    print(cycle[i % len(cycle)])
PY
echo "valgrind: $n connections under memcheck"
set +e
PGTLS_SHIM_POLICY="$work/policy.conf" LD_PRELOAD="$build/libpgtls-shim.so" \
  valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
  --num-callers=30 --log-file="$work/valgrind.log" \
  "$build/tests/pqclient" each "" <"$work/conninfo" >"$work/out.jsonl"
rc=$?
set -e
records=$(wc -l <"$work/log.jsonl")
ok=$(grep -c '"status":"ok"' "$work/out.jsonl" || true)
echo "valgrind: exit $rc, $records records, $ok verified or audited connections"
if [[ $rc -eq 99 || -s "$work/valgrind.log" ]]; then
  cat "$work/valgrind.log" >&2
  echo "valgrind: memory errors or leaks" >&2
  exit 1
fi
# pqclient exits 1 when some connection failed, as the refusals do by design.
if [[ $records -ne $n ]]; then
  echo "valgrind: expected $n records" >&2
  exit 1
fi
echo "valgrind: no errors, no leaks"
