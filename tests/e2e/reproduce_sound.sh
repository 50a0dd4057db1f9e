#!/usr/bin/env bash
# tools/reproduce/sound.sh (the thesis end to end, docs/reproduce.md) on UrbanSound8K folds 1-2,
# bounded for CI: 1 training epoch and the int8 sequence only (the full run, 20 epochs and three
# sequences, is docs/results.md's). Checks the script's steps and outputs, not accuracy.
set -u
BUILD=${EDGE_BUILD_ROOT:-build}
SRC=${EDGE_SOURCE_ROOT:-.}
DATA=${EDGE_SHARED_DATA:-$SRC/../shared/data}/sound/urbansound8k-folds1-2
[ -x "$BUILD/tools/edgestream" ] || { echo "SKIPPED: $BUILD/tools/edgestream not built"; exit 77; }
[ -d "$DATA" ] || { echo "SKIPPED: UrbanSound8K folds 1-2 not found: $DATA"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"
EDGE_BUILD=$BUILD EDGE_EPOCHS=1 EDGE_SEQUENCES=int8 timeout 540 \
  bash "$SRC/tools/reproduce/sound.sh" "$TMP/out" >"$TMP/log" 2>&1
code=$?
grep -vE 'epoch [0-9]+/|^progress: ' "$TMP/log"
check "sound.sh exits 0" 0 "$code"
check "trained on fold 1, tested on fold 2" 1 \
  "$(grep -c '^split: train on folds other than \[2\] (1750 windows), test on folds \[2\] (1750 windows)$' "$TMP/log")"
check "eval compares float32 and int8" 2 "$(grep -Ec '^\S*sound-(float|int8)\.tflite +[01]\.[0-9]{4}' "$TMP/log")"
check "classification lines of one test clip" 7 "$(grep -c '"label":' "$TMP/out/classify.jsonl")"
for f in stats.json dataset/manifest.json sound-float.tflite sound-int8.tflite c/sound_int8.h \
  c/sound_int8.cc c/sound_int8_model_info.h reports/train/report.json reports/int8/optimize.json \
  reports/eval/report.json; do
  check "output $f" 1 "$([ -s "$TMP/out/$f" ] && echo 1 || echo 0)"
done
exit $fail
