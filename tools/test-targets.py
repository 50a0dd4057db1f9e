#!/usr/bin/env python3
"""Prints the ninja targets that the tests of some suites need, one per line.

    tools/test-targets.py BUILDDIR SUITE... [--target NAME...]

so that a build dir that only runs those suites builds only those programs:

    ninja -C build-asan $(tools/test-targets.py build-asan core element)
    meson test -C build-asan --no-rebuild --suite core --suite element

A test needs its own program when that is built here, and every target in its `depends`.
--target adds targets by name (e.g. bench_models). Standard library only: runs wherever
meson does (tools/run.sh, tools/board-check.sh, tools/cross/check-bullseye.sh).
"""
import json
import os
import subprocess
import sys


def introspect(builddir, what):
    out = subprocess.run(["meson", "introspect", what, builddir], check=True,
                         stdout=subprocess.PIPE).stdout
    return json.loads(out)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    builddir = argv[0]
    suites, names = [], []
    args = iter(argv[1:])
    for a in args:
        if a == "--target":
            names.append(next(args))
        else:
            suites.append(a)
    root = os.path.realpath(builddir)
    targets = introspect(builddir, "--targets")
    files_of = {t["id"]: t["filename"] for t in targets}
    wanted = []
    for t in targets:
        if t["name"] in names:
            wanted += t["filename"]
    for test in introspect(builddir, "--tests"):
        # Suites are "project:suite" in introspection.
        test_suites = {s.split(":", 1)[-1] for s in test["suite"]}
        if not test_suites & set(suites):
            continue
        exe = os.path.realpath(test["cmd"][0])
        if exe.startswith(root + os.sep):
            wanted.append(exe)
        for dep in test.get("depends", []):
            wanted += files_of.get(dep, [])
    seen = set()
    for f in wanted:
        rel = os.path.relpath(os.path.realpath(f), root)
        if rel not in seen:
            seen.add(rel)
            print(rel)


if __name__ == "__main__":
    main(sys.argv[1:])
