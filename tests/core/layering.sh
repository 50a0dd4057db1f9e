#!/usr/bin/env bash
# The core's layers (core/meson.build): runtime < data < learn. A layer's sources are
# compiled with its own include root and those below it only, so an upward include does not
# build. This checks that the build really is set up so (from compile_commands.json), and
# that no file reaches around it (an include through "core/..." or "../").
set -euo pipefail
root=${EDGE_SOURCE_ROOT:?}
build=${EDGE_BUILD_ROOT:?}
/usr/bin/python3 - "$root" "$build" <<'PY'
import json, os, re, sys
root, build = sys.argv[1], sys.argv[2]
layers = ["runtime", "data", "learn"]
commands = json.load(open(os.path.join(build, "compile_commands.json")))
bad = []
checked = 0
for c in commands:
    src = os.path.normpath(os.path.join(c["directory"], c["file"]))
    rel = os.path.relpath(src, root)
    m = re.match(r"core/(runtime|data|learn)/", rel)
    if not m:
        continue
    own = layers.index(m.group(1))
    checked += 1
    args = c.get("arguments") or c["command"].split()
    for a in args:
        if not a.startswith("-I"):
            continue
        inc = os.path.normpath(os.path.join(c["directory"], a[2:]))
        irel = os.path.relpath(inc, root)
        for k, layer in enumerate(layers):
            if k > own and (irel == f"core/{layer}" or irel.startswith(f"core/{layer}/")):
                bad.append(f"{rel}: compiled with -I{irel}, above its layer core/{layers[own]}")
        if irel == "." or irel == "core":
            bad.append(f"{rel}: compiled with -I{irel}, which exposes every layer")
if checked == 0:
    sys.exit("no core source in compile_commands.json")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
# Includes that reach around the include roots.
if git -C "$root" grep -nE '#include "(core/|\.\./)' -- '*.cc' '*.h' ':!:subprojects/*'; then
  echo "the includes above name core/... or ../: include a layer's header relative to its root (\"nn/model.h\")"
  exit 1
fi
echo "layers hold: runtime < data < learn"
