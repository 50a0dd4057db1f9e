#!/usr/bin/env bash
# The committed TFLite schema header (core/runtime/nn/schema/tflite_schema_generated.h, so
# boards build without flatc) must be what flatc makes of the committed schema.
set -euo pipefail
root=${EDGE_SOURCE_ROOT:?}
if ! command -v flatc >/dev/null; then
  echo "SKIPPED: flatc not installed (Debian flatbuffers-compiler)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flatc --cpp -o "$out" "$root/core/runtime/nn/schema/tflite_schema.fbs"
if ! cmp -s "$out/tflite_schema_generated.h" "$root/core/runtime/nn/schema/tflite_schema_generated.h"; then
  echo "core/runtime/nn/schema/tflite_schema_generated.h is not flatc's output for tflite_schema.fbs ($(flatc --version));"
  echo "regenerate it: flatc --cpp -o core/runtime/nn/schema core/runtime/nn/schema/tflite_schema.fbs"
  exit 1
fi
echo "schema header current ($(flatc --version))"
