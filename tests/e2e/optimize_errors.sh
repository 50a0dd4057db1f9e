#!/usr/bin/env bash
# `edgestream optimize` refuses bad input with a message naming it, never a crash: a truncated
# model, an int8 model, a dataset whose classes differ from the model's, impossible settings
# (sparsity 1.5, zero centroids, two conversions, unknown step or key), an unknown sequence.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
DATA=${EDGE_SOURCE_ROOT:-.}/datasets/gesture-punch-flex
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$DATA/punch.csv" ] || { echo "SKIPPED: bundled gesture data not found: $DATA"; exit 77; }
"$EDGE" train --help >/dev/null 2>&1 || { echo "SKIPPED: edgestream train not built"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
# expect_error NAME EXPECTED_TEXT ARGS...: exit status 1 and the text in the message.
expect_error() {
  local name=$1 text=$2
  shift 2
  "$EDGE" optimize "$@" >"$TMP/out" 2>&1
  local status=$?
  if [ $status -eq 1 ] && grep -qF -- "$text" "$TMP/out"; then
    echo "ok: $name: $(grep -F -- "$text" "$TMP/out" | head -n1)"
  else
    echo "FAIL: $name: expected exit 1 and '$text', got exit $status:"
    cat "$TMP/out"
    fail=1
  fi
}

"$EDGE" dataset gesture "out=$TMP/ds" --jobs 1 >/dev/null 2>&1 &&
  "$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/float.tflite" --epochs 5 --threads 1 \
    >/dev/null 2>&1
[ -f "$TMP/float.tflite" ] || { echo "FAIL: could not make the float model"; exit 1; }
M="$TMP/float.tflite"
D=(--dataset "$TMP/ds")

head -c 3000 "$M" >"$TMP/truncated.tflite"
expect_error "truncated model" "truncated.tflite" "$TMP/truncated.tflite" "${D[@]}" --steps int8 --out "$TMP/o.tflite"
"$EDGE" optimize "$M" "${D[@]}" --steps int8 --out "$TMP/int8.tflite" >/dev/null 2>&1
expect_error "int8 model as input" "only float32 models can be imported" "$TMP/int8.tflite" "${D[@]}" --steps int8 --out "$TMP/o.tflite"
# The same windows under other class names.
cp -r "$TMP/ds" "$TMP/renamed"
/usr/bin/python3 - "$TMP/renamed/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["labels"] = ["jab" if l == "punch" else l for l in m["labels"]]
json.dump(m, open(sys.argv[1], "w"))
PY
expect_error "classes mismatch" "classes do not match" "$M" --dataset "$TMP/renamed" --steps int8 --out "$TMP/o.tflite"
expect_error "missing dataset" "$TMP/nothing" "$M" --dataset "$TMP/nothing" --steps int8 --out "$TMP/o.tflite"
expect_error "sparsity 1.5" "step 'prune sparsity=1.5': key 'sparsity' must be in [0, 1), got 1.5" "$M" "${D[@]}" --steps "prune sparsity=1.5" --out "$TMP/o.tflite"
expect_error "zero centroids" "key 'clusters' must be >= 1, got 0" "$M" "${D[@]}" --steps "cluster clusters=0;int8" --out "$TMP/o.tflite"
expect_error "two conversions" "step 'float16' comes after the conversion 'int8'" "$M" "${D[@]}" --steps "int8;float16" --out "$TMP/o.tflite"
expect_error "step after conversion" "comes after the conversion" "$M" "${D[@]}" --steps "int8;prune sparsity=0.5" --out "$TMP/o.tflite"
expect_error "unknown step" "unknown step 'shrink'" "$M" "${D[@]}" --steps "shrink" --out "$TMP/o.tflite"
expect_error "unknown key" "key 'rate' is not a setting of prune" "$M" "${D[@]}" --steps "prune sparsity=0.5 rate=2" --out "$TMP/o.tflite"
expect_error "unknown sequence" "no sequence 'tiny' in [sequences] (declared: float16" "$M" "${D[@]}" --app gesture --sequence tiny --out "$TMP/o.tflite"
expect_error "sequence without app" "need --app" "$M" "${D[@]}" --sequence int8 --out "$TMP/o.tflite"
check_no_output=$([ -e "$TMP/o.tflite" ] && echo written || echo none)
if [ "$check_no_output" == none ]; then echo "ok: no output file after errors"; else echo "FAIL: an output was written"; fail=1; fi
exit $fail
