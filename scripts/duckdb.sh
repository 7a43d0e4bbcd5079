#!/usr/bin/env bash
# DuckDB for the tests, the benchmark and the fleet demo: @duckdb/node-api from
# the npm registry (it brings its own DuckDB binary), pinned, installed once
# into a cache directory outside the repository.
#
#   scripts/duckdb.sh modules
#       installs it if needed; prints the node_modules directory that holds it
#   scripts/duckdb.sh query RECORDS SQLFILE [QUERY...]
#       loads RECORDS (JSON Lines, one record per line, kept as JSON) into
#       pgtls_shim_records(rec), runs SQLFILE (e.g. sql/duckdb.sql), then
#       prints each QUERY's rows, tab-separated, under a header line
#
# Cache: $PGTLS_NPM_CACHE, else /var/cache/pgtls-shim/npm as root, else
# ~/.cache/pgtls-shim/npm.  Needs Debian's nodejs and npm (scripts/deps.sh).
set -euo pipefail
VERSION=1.5.6-r.1   # @duckdb/node-api: the one pin for everything here

cache=${PGTLS_NPM_CACHE:-}
if [[ -z $cache ]]; then
  if [[ $(id -u) -eq 0 ]]; then cache=/var/cache/pgtls-shim/npm
  else cache=${XDG_CACHE_HOME:-$HOME/.cache}/pgtls-shim/npm; fi
fi

modules() {
  local prefix=$cache/duckdb-node-api-$VERSION
  mkdir -p "$cache"
  (
    flock 9   # one install at a time
    if ! grep -qs "\"version\": \"$VERSION\"" "$prefix/node_modules/@duckdb/node-api/package.json"; then
      command -v npm >/dev/null || { echo "duckdb.sh: no npm (scripts/deps.sh installs it)" >&2; exit 2; }
      mkdir -p "$prefix"
      npm install --no-audit --no-fund --no-save --silent --prefix "$prefix" \
        "@duckdb/node-api@$VERSION" >&2
    fi
  ) 9>"$prefix.lock"
  echo "$prefix/node_modules"
}

case ${1:-} in
  modules) modules ;;
  query)
    [[ $# -ge 3 ]] || { echo "usage: duckdb.sh query RECORDS SQLFILE [QUERY...]" >&2; exit 2; }
    shift
    mods=$(modules)
    NODE_PATH=$mods exec node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
const fs = require("fs");
(async () => {
  const [records, sqlFile, ...queries] = process.argv.slice(1);
  const con = await (await DuckDBInstance.create(":memory:")).connect();
  await con.run("CREATE TABLE pgtls_shim_records (rec JSON)");
  await con.run("INSERT INTO pgtls_shim_records SELECT json FROM read_json(" +
                "\x27" + records.replace(/\x27/g, "\x27\x27") + "\x27, format = \x27newline_delimited\x27, " +
                "records = false, columns = {json: \x27JSON\x27})");
  await con.run(fs.readFileSync(sqlFile, "utf8"));
  for (const q of queries) {
    const r = await con.runAndReadAll(q);
    const rows = r.getRowObjectsJson();
    const cols = r.columnNames();
    process.stdout.write(cols.join("\t") + "\n");
    for (const row of rows) process.stdout.write(cols.map(c => row[c] === null ? "null" : String(row[c])).join("\t") + "\n");
  }
})().catch(e => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
' "$@" ;;
  *) echo "usage: duckdb.sh modules | query RECORDS SQLFILE [QUERY...]" >&2; exit 2 ;;
esac
