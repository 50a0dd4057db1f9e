#!/usr/bin/env python3
"""Counts hand-written GObject property code in plugins/ (issue 16's figure), at a git revision.

Counted, per element file: the set_property/get_property functions, enum GType registration
functions (*_get_type with GEnumValue tables), `enum { PROP_... }` blocks, each
g_object_class_install_property(...) statement, and the GParamFlags constants for them.
Lines of plugins/common/gparams.* (the generator) are reported apart.

usage: tools/property-code-lines.py [REVISION]   (default: the work tree)
"""
import re
import subprocess
import sys


def files(rev):
    if rev:
        out = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "plugins"],
                             capture_output=True, text=True, check=True).stdout
    else:
        out = subprocess.run(["git", "ls-files", "plugins"], capture_output=True, text=True,
                             check=True).stdout
    return [f for f in out.split() if f.endswith((".cc", ".h"))]


def read(rev, path):
    if rev:
        return subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True,
                              check=True).stdout
    with open(path) as f:
        return f.read()


def function_end(lines, start):
    """Index after the function that starts at `start` (its body closes with a '}' line at column 0)."""
    for i in range(start, len(lines)):
        if lines[i].startswith("}"):
            return i + 1
    return len(lines)


def statement_end(lines, start):
    depth = 0
    for i in range(start, len(lines)):
        depth += lines[i].count("(") - lines[i].count(")")
        if depth <= 0 and lines[i].rstrip().endswith(";"):
            return i + 1
    return len(lines)


def property_lines(text):
    lines = text.split("\n")
    counted = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        end = None
        if re.match(r"^\S.*\b\w*(set_property|get_property)\(", line) and not line.rstrip().endswith(";"):
            end = function_end(lines, i)
        elif re.match(r"^\S.*\b\w+_get_type\(\w*\) \{", line) and "GEnumValue" in "\n".join(lines[i:i + 6]):
            end = function_end(lines, i)
        elif re.match(r"^enum \{\s*$", line) and "PROP_" in lines[i + 1]:
            end = function_end(lines, i)
        elif "g_object_class_install_property(" in line:
            end = statement_end(lines, i)
        elif re.search(r"(const auto|const GParamFlags) \w+ = static_cast<GParamFlags>", line):
            end = statement_end(lines, i)
        if end:
            counted.update(range(i, end))
            i = end
        else:
            i += 1
    return len(counted)


def main():
    rev = sys.argv[1] if len(sys.argv) > 1 else None
    total = generator = 0
    for path in sorted(files(rev)):
        text = read(rev, path)
        n = len(text.split("\n")) - 1 if path.startswith("plugins/common/gparams") else property_lines(text)
        if not n:
            continue
        if path.startswith("plugins/common/gparams"):
            generator += n
        else:
            total += n
        print(f"{n:6d}  {path}")
    print(f"{total:6d}  hand-written property code in element files")
    print(f"{generator:6d}  plugins/common/gparams.* (the generator)")


if __name__ == "__main__":
    main()
