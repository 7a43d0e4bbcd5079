#!/usr/bin/env python3
"""The layout rules of shim/, checked over #include lines (run by scripts/test.sh):
no include cycle between files or folders, and every folder includes only
folders below it in the pipeline's order, the command never preload/.
Also no source file over 450 lines and no function body over 80 (the aim
is 400 and 60).  Prints each problem; exits 1 when there is any."""
import os
import re
import sys

ROOT = "shim"
# A folder may include itself and the folders after it in its row.
LAYERS = {
    "preload": {"record", "audit", "inspect", "decide", "conninfo", "policy", "base"},
    "cli": {"report", "reconcile", "logs", "record", "audit", "inspect", "decide", "conninfo",
            "policy", "base"},
    # The command's log tools: report and reconcile on logs/, and none of
    # them on the library's pipeline: only base/ and the record's field
    # names (record/recfields.h, see FILES).
    "report": {"logs", "base"},
    "reconcile": {"logs", "base"},
    "logs": {"base"},
    "record": {"audit", "inspect", "decide", "conninfo", "policy", "base"},
    "audit": {"inspect", "decide", "conninfo", "policy", "base"},
    "inspect": {"decide", "conninfo", "policy", "base"},
    "decide": {"conninfo", "policy", "base"},
    "conninfo": {"base"},
    "policy": {"base"},
    "base": set(),
}
# Single headers a folder may include from a folder it may not otherwise.
FILES = {
    "report": {"record/recfields.h"},
    "reconcile": {"record/recfields.h"},
    "logs": {"record/recfields.h"},
}


def sources():
    for d, _, fs in os.walk(ROOT):
        for f in sorted(fs):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def main():
    files = list(sources())
    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(f)
    problems = []
    for name, paths in by_name.items():
        if len(paths) > 1 and name.endswith(".h"):
            problems.append("header name used twice: " + ", ".join(paths))
    edges = {}
    for f in files:
        folder = os.path.basename(os.path.dirname(f))
        node = os.path.splitext(f)[0]
        for n, line in enumerate(open(f, errors="replace"), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            target = by_name.get(os.path.basename(m.group(1)), [None])[0]
            if target is None:
                continue
            tfolder = os.path.basename(os.path.dirname(target))
            tfile = tfolder + "/" + os.path.basename(target)
            if (tfolder != folder and tfolder not in LAYERS.get(folder, set())
                    and tfile not in FILES.get(folder, set())):
                problems.append(f"{f}:{n}: {folder}/ must not include {tfolder}/ ({m.group(1)})")
            tnode = os.path.splitext(target)[0]
            if tnode != node:
                edges.setdefault(node, set()).add(tnode)
    problems += [f"include cycle: {' -> '.join(c)}" for c in cycles(edges)]
    problems += sizes(files)
    for p in problems:
        print(p)
    return 1 if problems else 0


def cycles(edges):
    seen, stack, out = set(), [], []

    def visit(v):
        if v in stack:
            out.append(stack[stack.index(v):] + [v])
            return
        if v in seen:
            return
        seen.add(v)
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            visit(w)
        stack.pop()

    for v in sorted(edges):
        visit(v)
    return out


def sizes(files):
    out = []
    for f in files:
        lines = open(f, errors="replace").read().split("\n")
        if len(lines) > 450:
            out.append(f"{f}: {len(lines)} lines (at most 450)")
        start = None
        for i, line in enumerate(lines):
            if line.startswith("{"):
                start = i
            elif line.startswith("}") and start is not None:
                if i - start > 80:
                    out.append(f"{f}:{start}: a function of {i - start} lines (at most 80)")
                start = None
    return out


if __name__ == "__main__":
    sys.exit(main())
