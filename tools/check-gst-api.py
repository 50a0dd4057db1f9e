#!/usr/bin/env python3
"""Fails when edgestream uses GStreamer API newer than the oldest release it supports.

Jetson Nano stays on JetPack 4.6 (GStreamer 1.14.5), so every gst_*/GST_* symbol the plugin,
the tools and the tests use must exist in 1.14. The "since" version of each symbol is read from
the installed GObject-introspection files (version="1.16") and from the "Since: 1.16" lines of
the installed headers' doc comments (which also cover macros the GIR files omit).

usage: check-gst-api.py [--max 1.14] [--include-dir DIR] [--gir-dir DIR] PATH...
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

SYMBOL = re.compile(r"\b(gst_[a-z0-9_]+|GST_[A-Z0-9_]+)\b")
DOC_NAME = re.compile(r"^\s*\*\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s*\(.*\))?\s*:\s*(?:\(.*\))?\s*$")
SINCE = re.compile(r"^\s*\*\s+Since:\s*(\d+)\.(\d+)")


def parse_version(text):
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def versions_from_gir(gir_dir):
    since = {}
    for name in os.listdir(gir_dir):
        if not name.startswith("Gst") or not name.endswith(".gir"):
            continue
        for _, elem in ET.iterparse(os.path.join(gir_dir, name)):
            ident = elem.get("{http://www.gtk.org/introspection/c/1.0}identifier")
            version = elem.get("version")
            if ident and version and version.startswith("1."):
                since[ident] = parse_version(version)
    return since


def versions_from_headers(include_dir):
    since = {}
    for root, _, files in os.walk(include_dir):
        for name in files:
            if not name.endswith(".h"):
                continue
            current = None
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = DOC_NAME.match(line)
                    if m:
                        current = m.group(1)
                        continue
                    m = SINCE.match(line)
                    if m and current:
                        since.setdefault(current, (int(m.group(1)), int(m.group(2))))
                    if "*/" in line:
                        current = None
    return since


def source_files(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for root, _, files in os.walk(path):
            for name in sorted(files):
                if name.endswith((".c", ".cc", ".cpp", ".h", ".hpp")):
                    yield os.path.join(root, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", default="1.14", help="newest GStreamer minor allowed")
    parser.add_argument("--include-dir", default="/usr/include/gstreamer-1.0")
    parser.add_argument("--gir-dir", default="/usr/share/gir-1.0")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    limit = parse_version(args.max)

    since = versions_from_headers(args.include_dir)
    if os.path.isdir(args.gir_dir):
        since.update(versions_from_gir(args.gir_dir))
    if not since:
        print("check-gst-api: found no GStreamer version data in %s or %s" % (args.include_dir, args.gir_dir))
        return 2

    problems = 0
    checked = 0
    for path in source_files(args.paths):
        checked += 1
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                for symbol in SYMBOL.findall(line):
                    version = since.get(symbol)
                    if version and version > limit:
                        problems += 1
                        print("%s:%d: %s needs GStreamer %d.%d, newer than the supported %s"
                              % (path, lineno, symbol, version[0], version[1], args.max))
    print("check-gst-api: %d files, %d symbols with version data, %d uses newer than %s"
          % (checked, len(since), problems, args.max))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
