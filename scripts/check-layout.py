#!/usr/bin/env python3
"""The layout rules of shim/, checked over #include lines (run by scripts/test.sh):
no include cycle between files or folders, and every folder includes only
the folders shim/LAYERS lets it use (the layer order, written there once;
CMakeLists.txt reads the same file), the command never bind/ or preload/.
Also no source file over 450 lines and no function body over 80 (the aim
is 400 and 60).  Prints each problem; exits 1 when there is any."""
import os
import re
import sys

ROOT = "shim"
LAYERS_FILE = os.path.join(ROOT, "LAYERS")
WHERE = {"both", "host", "cli"}


def read_layers(problems):
    """shim/LAYERS as {folder: (where it runs, the folders it may include)},
    each folder's set the closure of the folders it uses."""
    layers = {}
    for n, line in enumerate(open(LAYERS_FILE), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) < 2 or words[1] not in WHERE:
            problems.append(f"{LAYERS_FILE}:{n}: want: folder both|host|cli [uses...]")
            continue
        folder, where, uses = words[0], words[1], words[2:]
        reach = set()
        for u in [u for u in uses if u.endswith(".h")]:
            # One header of a folder not otherwise used (record/recfields.h).
            if os.path.dirname(u) not in layers:
                problems.append(f"{LAYERS_FILE}:{n}: {folder} uses {u}, not in a folder above")
            reach.add(u)
        for u in [u for u in uses if not u.endswith(".h")]:
            if u not in layers:
                problems.append(f"{LAYERS_FILE}:{n}: {folder} uses {u}, not on a line above")
                continue
            if layers[u][0] not in (where, "both"):
                problems.append(f"{LAYERS_FILE}:{n}: {folder} ({where}) uses {u} ({layers[u][0]})")
            reach |= {u} | layers[u][1]
        if folder in layers:
            problems.append(f"{LAYERS_FILE}:{n}: {folder} listed twice")
        layers[folder] = (where, reach)
    return layers


def folder_of(path):
    """The folder of PATH under shim/, as shim/LAYERS names it (cli/logs)."""
    return os.path.relpath(os.path.dirname(path), ROOT)


def sources():
    for d, _, fs in os.walk(ROOT):
        for f in sorted(fs):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def main():
    problems = []
    layers = read_layers(problems)
    files = list(sources())
    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(f)
    for folder in sorted({folder_of(f) for f in files} - set(layers)):
        problems.append(f"shim/{folder}/ is not in {LAYERS_FILE}")
    for name, paths in by_name.items():
        if len(paths) > 1 and name.endswith(".h"):
            problems.append("header name used twice: " + ", ".join(paths))
    edges = {}
    for f in files:
        folder = folder_of(f)
        node = os.path.splitext(f)[0]
        for n, line in enumerate(open(f, errors="replace"), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            target = by_name.get(os.path.basename(m.group(1)), [None])[0]
            if target is None:
                continue
            tfolder = folder_of(target)
            reach = layers.get(folder, ("", set()))[1]
            tfile = tfolder + "/" + os.path.basename(target)
            if tfolder != folder and tfolder not in reach and tfile not in reach:
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
