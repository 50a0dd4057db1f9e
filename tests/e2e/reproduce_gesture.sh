#!/usr/bin/env bash
# tools/reproduce/gesture.sh (the paper end to end, docs/reproduce.md) into a temporary folder:
# exits 0, the 5-fold cross-validation line, float32 and int8 scored side by side, the C array
# and the real-time classification of punch.csv, and every file docs/reproduce.md names.
set -u
BUILD=${EDGE_BUILD_ROOT:-build}
SRC=${EDGE_SOURCE_ROOT:-.}
[ -x "$BUILD/tools/edgestream" ] || { echo "SKIPPED: $BUILD/tools/edgestream not built"; exit 77; }
[ -f "$SRC/datasets/gesture-punch-flex/punch.csv" ] || { echo "SKIPPED: bundled gesture data not found"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"
EDGE_BUILD=$BUILD timeout 300 bash "$SRC/tools/reproduce/gesture.sh" "$TMP/out" >"$TMP/log" 2>&1
code=$?
grep -v 'epoch [0-9]*/' "$TMP/log"
check "gesture.sh exits 0" 0 "$code"
check "5-fold cross-validation line" 1 \
  "$(grep -Ec '^cross-validation: mean test accuracy [01]\.[0-9]{4} \(std [0-9.]+\) over 5 folds$' "$TMP/log")"
check "eval compares float32 and int8" 2 "$(grep -Ec '^gesture-(float|int8)\.tflite +[01]\.[0-9]{4}' "$TMP/log")"
check "classification summary of punch.csv" 1 "$(grep -Ec '^  [0-9]+ triggered windows in punch.csv' "$TMP/log")"
for f in dataset/manifest.json gesture-cv-final.tflite gesture-float.tflite gesture-int8.tflite \
  c/gesture_int8.h c/gesture_int8.cc c/gesture_int8_model_info.h reports/cv/report.json \
  reports/train/report.json reports/optimize/optimize.json reports/eval/report.json classify.jsonl; do
  check "output $f" 1 "$([ -s "$TMP/out/$f" ] && echo 1 || echo 0)"
done
exit $fail
