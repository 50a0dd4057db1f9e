#!/usr/bin/env bash
# `edgestream optimize --all` on the paper's gesture recordings (bundled): dataset -> train ->
# every sequence of pipelines/gesture/model.toml. Checks the report (sparsity reached, unit
# pruning truly smaller, accuracy kept on the held-out clips), loads the pruned, unit-pruned,
# clustered and QAT int8 files in Arm NN (when its TFLite parser is installed) and compares them
# with edgestream, and exports one optimized model for a microcontroller.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
ARMNN_CHECK=${EDGE_BUILD_ROOT:-build}/tests/armnn_check_models
DATA=${EDGE_SOURCE_ROOT:-.}/datasets/gesture-punch-flex
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$DATA/punch.csv" ] || { echo "SKIPPED: bundled gesture data not found: $DATA"; exit 77; }
"$EDGE" train --help >/dev/null 2>&1 || { echo "SKIPPED: edgestream train not built"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"

"$EDGE" dataset gesture "out=$TMP/ds" --jobs 1 >"$TMP/ds.log" 2>&1
check "dataset exits 0" 0 $?
"$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/float.tflite" --epochs 100 --threads 1 \
  >"$TMP/train.log" 2>&1
check "train exits 0" 0 $?
"$EDGE" optimize "$TMP/float.tflite" --dataset "$TMP/ds" --app gesture --all --out "$TMP/all" \
  --report "$TMP/report" --threads 1 >"$TMP/opt.log" 2>&1
check "optimize --all exits 0" 0 $?
cat "$TMP/opt.log"
cat "$TMP/report/optimize.md"
/usr/bin/python3 - "$TMP/report/optimize.json" >"$TMP/checks" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = {q["name"]: q for q in r["sequences"]}
base = r["before"]["test_accuracy"]
print("sequences", len(s))
print("pruned sparsity >= 0.79", s["pruned-int8"]["weight_sparsity"] >= 0.79)
print("pruned+qat sparsity >= 0.79", s["pruned-qat-int8"]["weight_sparsity"] >= 0.79)
print("unit-pruned smaller than int8", s["units-int8"]["bytes"] < s["int8"]["bytes"])
print("int8 >= 3x smaller than float", r["before"]["bytes"] >= 3 * s["int8"]["bytes"])
print("qat ranges used", s["qat-int8"]["activation_ranges_from_qat"] == 4)
print("accuracy within 10 points", all(q["test_accuracy"] >= base - 0.10 for q in s.values()))
PY
check "report checks" "sequences 9
pruned sparsity >= 0.79 True
pruned+qat sparsity >= 0.79 True
unit-pruned smaller than int8 True
int8 >= 3x smaller than float True
qat ranges used True
accuracy within 10 points True" "$(cat "$TMP/checks")"

if [ -x "$ARMNN_CHECK" ]; then
  "$ARMNN_CHECK" "$TMP/all/pruned-int8.tflite" "$TMP/all/units-int8.tflite" \
    "$TMP/all/clustered-int8.tflite" "$TMP/all/qat-int8.tflite" "$TMP/all/pruned-qat-int8.tflite" \
    "$TMP/all/int8-only.tflite"
  status=$?
  if [ $status -eq 77 ]; then
    echo "SKIPPED (part): Arm NN has no CpuRef backend here"
  else
    check "Arm NN CpuRef runs the optimized files and agrees within 1 LSB" 0 $status
  fi
else
  echo "SKIPPED (part): Arm NN TFLite parser not installed, optimized files not compared"
fi

# The issue's size target: the int8 file with all metadata <= 12,000 bytes (names stripped as
# TensorFlow's strip_strings does; labels, preprocess and hash stay).
"$EDGE" optimize "$TMP/float.tflite" --dataset "$TMP/ds" --app gesture --sequence int8 \
  --strip-strings --out "$TMP/int8-stripped.tflite" --threads 1 >"$TMP/strip.log" 2>&1
check "optimize --strip-strings exits 0" 0 $?
size=$(stat -c %s "$TMP/int8-stripped.tflite")
check "stripped int8 file <= 12000 bytes ($size)" 1 "$([ "$size" -le 12000 ] && echo 1 || echo 0)"
check "stripped file keeps its labels, preprocess and hash" "True" "$(/usr/bin/python3 -c '
import sys; d = open(sys.argv[1], "rb").read()
print(all(k in d for k in (b"edgestream.labels", b"edgestream.preprocess", b"edgestream.hash")))
' "$TMP/int8-stripped.tflite")"

"$EDGE" export "$TMP/all/pruned-qat-int8.tflite" --out "$TMP/mcu" --name gesture >"$TMP/export.log" 2>&1
check "export of the optimized model exits 0" 0 $?
check "its resolver needs FULLY_CONNECTED and SOFTMAX" 2 \
  "$(grep -c 'resolver.AddFullyConnected();\|resolver.AddSoftmax();' "$TMP/export.log")"
exit $fail
