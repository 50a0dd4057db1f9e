#!/usr/bin/env bash
# tools/reproduce/sound_logmel_unseen.sh (issue 14's sound target: train the DS-CNN, the
# transfer head and the fine-tuned network on all of UrbanSound8K folds 1 and 2, score unseen
# folds, fuse), bounded for CI: 1 epoch a model, and as the "unseen" copy an UrbanSound8K
# layout (the official CSV columns) of 20 clips of fold 2 renamed fold 3. Those clips trained
# the models, so this checks the script's steps and outputs, never accuracy.
set -u
BUILD=${EDGE_BUILD_ROOT:-build}
. "$(dirname "$0")/lib.sh"
edgestream_setup
DATA=$SHARED/sound/urbansound8k-folds1-2
require_file "$DATA/metadata.csv" "UrbanSound8K folds 1-2 not found: $DATA"
make_tmp
SCRIPT=$SRC/tools/reproduce/sound_logmel_unseen.sh

# Refused before any work: a fold that trained the model, a root that is not there.
EDGE_BUILD=$BUILD EDGE_UNSEEN=$TMP EDGE_UNSEEN_FOLDS=3,2 bash "$SCRIPT" "$TMP/x" >"$TMP/log" 2>&1
check "a trained fold is refused (exit 2)" 2 $?
check "the refusal names the fold" 1 "$(grep -c 'fold 2 trained the model' "$TMP/log")"
EDGE_BUILD=$BUILD EDGE_UNSEEN=$TMP/none bash "$SCRIPT" "$TMP/x" >"$TMP/log" 2>&1
check "a missing root is refused (exit 2)" 2 $?
check "the refusal names the root" 1 "$(grep -c "$TMP/none: not a directory" "$TMP/log")"

mkdir -p "$TMP/us8k/metadata" "$TMP/us8k/audio/fold3"
/usr/bin/python3 - "$DATA" "$TMP/us8k" <<'EOF'
import csv, shutil, sys
data, root = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(data + "/metadata.csv")) if r["fold"] == "2"]
taken, per_class = [], {}
for r in rows:
    if per_class.get(r["class"], 0) < 2:
        per_class[r["class"]] = per_class.get(r["class"], 0) + 1
        taken.append(r)
columns = ["slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class"]
with open(root + "/metadata/UrbanSound8K.csv", "w", newline="") as f:
    out = csv.DictWriter(f, fieldnames=columns)
    out.writeheader()
    for r in taken:
        shutil.copy(data + "/audio/fold2/" + r["slice_file_name"], root + "/audio/fold3/")
        out.writerow({"slice_file_name": r["slice_file_name"], "fsID": r["fsID"], "start": 0,
                      "end": 4, "salience": 1, "fold": 3, "classID": r["classID"],
                      "class": r["class"]})
EOF

EDGE_BUILD=$BUILD EDGE_EPOCHS=1 EDGE_UNSEEN=$TMP/us8k timeout 600 \
  bash "$SCRIPT" "$TMP/out" >"$TMP/log" 2>&1
code=$?
grep -vE 'epoch [0-9]+/|^progress: ' "$TMP/log"
check "sound_logmel_unseen.sh exits 0" 0 "$code"
check "the three models trained on every window of folds 1 and 2" 3 \
  "$(grep -c '^split: no test split: every labelled window (3500' "$TMP/log")"
check "the three scored fold 3 alone" 3 "$(grep -c 'test on folds \[3\] (140 windows)' "$TMP/log")"
check "float32 and int8 scored" 2 "$(grep -Ec '^\S*model(-int8)?\.tflite +[01]\.[0-9]{4} +[01]\.[0-9]{4}' "$TMP/log")"
check "the head float32 and int8 scored" 2 "$(grep -Ec '^\S*head(-int8)?\.tflite +[01]\.[0-9]{4} +[01]\.[0-9]{4}' "$TMP/log")"
check "the fine-tuned network float32 and int8 scored" 2 "$(grep -Ec '^\S*finetune(-int8)?\.tflite +[01]\.[0-9]{4} +[01]\.[0-9]{4}' "$TMP/log")"
check "the table: one row of 20 clips, each model and the fusions, float32 and int8" 1 \
  "$(grep -cE '^\| folds 3 \| 20 \|( [0-9.]+% / [0-9.]+% \|){10}$' "$TMP/out/table.md")"
check "the table has no mean row" 0 "$(grep -c 'mean of' "$TMP/out/table.md")"
for f in model.tflite model-int8.tflite head.tflite head-int8.tflite finetune.tflite \
  finetune-int8.tflite reports/unseen-finetune-eval/finetune-int8.tflite/predictions.csv \
  reports/unseen-eval/report.json \
  reports/unseen-eval/model.tflite/predictions.csv reports/unseen-eval/model-int8.tflite/predictions.csv \
  reports/unseen-head-eval/head.tflite/predictions.csv table.md; do
  check "output $f" 1 "$([ -s "$TMP/out/$f" ] && echo 1 || echo 0)"
done
exit $fail
