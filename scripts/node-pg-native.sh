#!/usr/bin/env bash
# Node's pg-native for tests/integration/test_node.py:
#
#   scripts/node-pg-native.sh [DIR]      (default: /var/cache/pgtls-shim/node-pg-native,
#                                         or ~/.cache/pgtls-shim/node-pg-native when not root)
#
# Installs the exact versions of scripts/node-pg-native/package-lock.json into
# DIR with `npm ci` (pg-native, and the npm `libpq` addon it binds libpq
# through, compiled here by node-gyp against this machine's libpq and node's
# headers from the system: nodedir=/usr, nothing downloaded but the packages).
# A stamp (the lock file, node's version, libpq's) makes a second run install
# nothing.  Prints DIR/node_modules, the NODE_PATH for `require('pg-native')`.
set -euo pipefail
here=$(cd "$(dirname "$0")/node-pg-native" && pwd)
if [[ -n ${1:-} ]]; then
  dir=$1
elif [[ $(id -u) -eq 0 ]]; then
  dir=/var/cache/pgtls-shim/node-pg-native
else
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/pgtls-shim/node-pg-native
fi
for cmd in node npm pg_config; do
  command -v "$cmd" >/dev/null || { echo "node-pg-native.sh: no $cmd (scripts/deps.sh)" >&2; exit 2; }
done
addon=$dir/node_modules/libpq/build/Release/addon.node
stamp="lock=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1) node=$(node --version)"
stamp+=" libpq=$(pg_config --version | tr ' ' _)"

mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9                                     # one install at a time per DIR
if [[ -f $addon && $(cat "$dir/.stamp" 2>/dev/null) == "$stamp" ]]; then
  echo "$dir/node_modules"
  exit 0
fi
# Built aside and moved in: DIR is either complete or the previous one.
tmp=$dir.new
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$here/package.json" "$here/package-lock.json" "$tmp/"
# The node headers come from the system (Debian's libnode-dev, or the nodejs
# package that bundles npm); node-gyp must not try to download them.
(cd "$tmp" && npm_config_nodedir=/usr npm ci --no-audit --no-fund --foreground-scripts \
  --loglevel=warn) >"$tmp.log" 2>&1 || {
  echo "node-pg-native.sh: npm ci failed in $tmp (log: $tmp.log):" >&2
  tail -n 40 "$tmp.log" >&2
  exit 1
}
[[ -f $tmp/node_modules/libpq/build/Release/addon.node ]] || {
  echo "node-pg-native.sh: npm ci did not build the libpq addon (log: $tmp.log):" >&2
  tail -n 40 "$tmp.log" >&2
  exit 1
}
echo "$stamp" >"$tmp/.stamp"
rm -rf "$dir"
mv "$tmp" "$dir"
rm -f "$tmp.log"
echo "$dir/node_modules"
