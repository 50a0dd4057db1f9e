#!/usr/bin/env bash
# dataset -> train -> eval through the command line on the bundled punch/flex recordings:
# `edgestream dataset gesture`, `edgestream train gesture` (bounded epochs; a held-out split
# and a 3-fold CV), `edgestream eval` on the written file (same split, same accuracy as train
# reported), and the error cases a person meets: no such dataset, a dataset of another
# application, an unknown model name, folds the dataset does not have, classes that do not
# match, a corrupt model file.
set -u
. "$(dirname "$0")/lib.sh"
edgestream_setup
DATA=$SRC/datasets/gesture-punch-flex
require_file "$DATA/punch.csv" "bundled gesture data not found: $DATA"
make_tmp
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

"$EDGE" dataset gesture "out=$TMP/ds" >"$TMP/ds.log" 2>&1
check "dataset exits 0" 0 $?

# Held-out split (20 % of each class's recordings), 100 epochs.
"$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/m.tflite" --epochs 100 --threads 2 \
  --report "$TMP/reports/train" >"$TMP/train.log" 2>&1
check "train exits 0" 0 $?
cat "$TMP/train.log" | tail -4
for f in report.md report.json training_curves.svg confusion.svg; do
  check "train report has $f" yes "$([ -s "$TMP/reports/train/$f" ] && echo yes || echo no)"
done
check "run log has one train line" 1 "$(grep -c '"run":"train"' "$TMP/reports/runs.jsonl")"
check "report: 12 test windows" 12 "$(json "$TMP/reports/train/report.json" 'd["samples"]')"
acc=$(json "$TMP/reports/train/report.json" 'd["accuracy"]')
check "held-out accuracy >= 0.9" yes "$(/usr/bin/python3 -c "print('yes' if $acc >= 0.9 else 'no')")"
check "engine and trainer agree" 1 "$(grep -c '; 0 predictions differ' "$TMP/train.log")"
for entry in edgestream.labels edgestream.preprocess edgestream.hash min_runtime_version; do
  check "model has $entry" yes "$(grep -qa "$entry" "$TMP/m.tflite" && echo yes || echo no)"
done

# eval on the same split gives the accuracy train reported, with size/MACs/arena/latency.
"$EDGE" eval "$TMP/m.tflite" --dataset "$TMP/ds" --report "$TMP/reports/eval" >"$TMP/eval.log" 2>&1
check "eval exits 0" 0 $?
cat "$TMP/eval.log"
check "eval accuracy = train's" "$acc" "$(json "$TMP/reports/eval/report.json" 'd["accuracy"]')"
check "eval variant measured" yes "$(json "$TMP/reports/eval/report.json" \
  "'yes' if all(d['variants'][0][k] is not None and d['variants'][0][k] > 0 for k in ['file_bytes', 'parameters', 'macs', 'arena_bytes', 'latency_us']) else d['variants'][0]")"
check "MACs of 180-50-15-2" 9780 "$(json "$TMP/reports/eval/report.json" 'd["variants"][0]["macs"]')"

# The paper's protocol, bounded: 3-fold CV by recording, then the final model on everything.
"$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/cv.tflite" --cv 3 --epochs 60 \
  --run-log "$TMP/cv.jsonl" >"$TMP/cv.log" 2>&1
check "train --cv 3 exits 0" 0 $?
check "three folds tested" 3 "$(grep -c '^\[fold ./3\] test accuracy' "$TMP/cv.log")"
check "cv mean in run log" yes "$(/usr/bin/python3 -c "
import json; d = json.loads(open('$TMP/cv.jsonl').readline())
print('yes' if d['results']['cv_mean_accuracy'] >= 0.8 and len(d['results']['cv_folds']) == 3 else d)")"

# Errors a person can act on.
expect_error "no such dataset" "no dataset at $TMP/none" \
  "$EDGE" train gesture --dataset "$TMP/none" --out "$TMP/x.tflite"
expect_error "dataset of another application" 'was made by application "gesture", not "keyword"' \
  "$EDGE" train keyword --dataset "$TMP/ds" --out "$TMP/x.tflite"
expect_error "unknown application" "keyword" \
  "$EDGE" train no-such-app --dataset "$TMP/ds" --out "$TMP/x.tflite"
expect_error "unknown model name" 'no model "nope"' \
  "$EDGE" train gesture --model nope --dataset "$TMP/ds" --out "$TMP/x.tflite"
expect_error "folds the dataset does not have" "has folds [-1]" \
  "$EDGE" train gesture --test-folds 2 --dataset "$TMP/ds" --out "$TMP/x.tflite"
cp -r "$TMP/ds" "$TMP/renamed"
/usr/bin/python3 - "$TMP/renamed/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["labels"] = ["curl", "jab"]
m["labels_by_index"] = {"0": "curl", "1": "jab"}; json.dump(m, open(sys.argv[1], "w"))
PY
expect_error "classes do not match" "model $TMP/m.tflite has [flex, punch], dataset $TMP/renamed has [curl, jab]" \
  "$EDGE" eval "$TMP/m.tflite" --dataset "$TMP/renamed"
head -c 1000 "$TMP/m.tflite" >"$TMP/truncated.tflite"
expect_error "corrupt model" "$TMP/truncated.tflite" \
  "$EDGE" eval "$TMP/truncated.tflite" --dataset "$TMP/ds"
printf 'x' | dd of="$TMP/ds/shard-00000.y.npy" bs=1 seek=130 conv=notrunc 2>/dev/null
expect_error "damaged shard" "shard-00000.y.npy: SHA-256 mismatch" \
  "$EDGE" eval "$TMP/m.tflite" --dataset "$TMP/ds"
exit $fail
