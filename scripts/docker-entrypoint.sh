#!/bin/sh
# pgtls-shim container entrypoint: checks the policy (exit 2 with its errors
# when invalid), puts libpgtls-shim.so first in LD_PRELOAD (keeping what is
# there), and execs the container's command; warns when that command is
# statically linked or a Go program, which LD_PRELOAD cannot reach.
# Installed as PREFIX/share/pgtls-shim/docker-entrypoint.sh.
set -eu
here=$(dirname "$(readlink -f "$0")")
prefix=$(CDPATH= cd -- "$here/../.." && pwd)
if [ "$#" -eq 0 ]; then
    echo "usage: docker-entrypoint.sh COMMAND [ARG...]" >&2
    exit 2
fi
if [ -n "${PGTLS_SHIM_POLICY:-}" ]; then
    exec "$prefix/bin/pgtls-shim" exec --policy "$PGTLS_SHIM_POLICY" -- "$@"
fi
exec "$prefix/bin/pgtls-shim" exec -- "$@"
