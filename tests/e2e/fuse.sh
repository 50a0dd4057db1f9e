#!/usr/bin/env bash
# Late fusion in a real gst-launch-1.0 graph (edgefuse, docs/pipelines.md "Late fusion of
# classifiers"): one UrbanSound8K clip from ../shared, a tee, the sound-logmel branch (DS-CNN on
# log-mel) and the sound-transfer branch (a head on the frozen person_detect backbone), each
# with its own 1-epoch model, into edgefuse and edgelabelsink. Checked: one line per window (a
# 4 s clip at hop 0.5 s: 7), each fused score equals the mean of the two branches' scores for
# that window when each branch runs alone (to 1e-5), `edgestream classify` with both models
# gives the same, and it refuses --app and models of other labels. Accuracy is not the point.
set -u
BUILD=${EDGE_BUILD_ROOT:-build}
. "$(dirname "$0")/lib.sh"
edgestream_setup
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-$BUILD/plugins}"
DATA=$SHARED/sound/urbansound8k-folds1-2
require_file "$DATA/metadata.csv" "UrbanSound8K folds 1-2 not found: $DATA"
BACKBONE=$SRC/pipelines/sound-transfer/models/person_detect_conv5_bands4.tflite
require_file "$BACKBONE" "the sound-transfer backbone is not in $SRC/pipelines/sound-transfer/models"
make_tmp
run() {  # log command...: runs with a bound, prints the log on failure
  local log=$1
  shift
  timeout 600 "$@" >"$log" 2>&1 || { tail -30 "$log"; echo "FAIL: $*"; exit 1; }
}

# Two 1-epoch models on folds 1-2 (fold 2 held out), one per application.
for app in sound-logmel sound-transfer; do
  run "$TMP/$app-dataset.log" "$EDGE" dataset "$app" dataset="$DATA" out="$TMP/$app-ds"
  run "$TMP/$app-train.log" "$EDGE" train "$app" --dataset "$TMP/$app-ds" --epochs 1 \
    --out "$TMP/$app.tflite" --test-folds 2 --seed 1
done

# A 4 s clip of fold 2.
clip=$(/usr/bin/python3 - "$DATA" <<'EOF'
import csv, os, sys, wave
root = sys.argv[1]
for row in csv.DictReader(open(os.path.join(root, "metadata.csv"))):
    if row["fold"] != "2":
        continue
    path = os.path.join(root, "audio", "fold2", row["slice_file_name"])
    try:
        with wave.open(path) as w:
            if w.getnframes() == 4 * w.getframerate():
                print(path)
                break
    except (wave.Error, EOFError, OSError):
        continue
EOF
)
[ -n "$clip" ] || { echo "SKIPPED: no 4 s PCM clip in fold 2 of $DATA"; exit 77; }
echo "clip: $clip"

# Each application's preprocess and classifier, as `edgestream launch APP realtime` prints them.
logmel_pre="edgeresample ! audio/x-raw,format=F32LE,rate=16000,channels=1 ! edgewindow size=1.0 hop=0.5 tail=pad ! edgespectrum mode=logmel sample-rate=16000"
image="edgeresample ! audio/x-raw,format=F32LE,rate=16000,channels=1 ! edgewindow size=1.0 hop=0.5 tail=pad ! edgespectrum mode=logmel sample-rate=16000 frame-size-samples=1024 hop-size-samples=157 mel-bands=96 fmin=50 db-reference=peak ! edgenormalize mean=-40 std=40"
transfer_pre="$image ! edgeinfer model=sha256:$(sha256sum "$BACKBONE" | cut -d' ' -f1) output-type=float32"
"$EDGE" launch sound-logmel realtime model="$TMP/sound-logmel.tflite" >"$TMP/launch-logmel.txt" 2>&1
check "sound-logmel's realtime line has this preprocess" 1 \
  "$(grep -cF "'preprocess=$logmel_pre'" "$TMP/launch-logmel.txt")"
"$EDGE" launch sound-transfer realtime model="$TMP/sound-transfer.tflite" >"$TMP/launch-transfer.txt" 2>&1
check "sound-transfer's realtime line has this preprocess" 1 \
  "$(grep -cF "'preprocess=$transfer_pre'" "$TMP/launch-transfer.txt")"

# Branch elements as gst-launch-1.0 arguments (the preprocess= values are one argument each).
# shellcheck disable=SC2206
logmel_branch=($logmel_pre ! edgeinfer model="$TMP/sound-logmel.tflite" "preprocess=$logmel_pre"
  output-type=float32 top-k=10)
# shellcheck disable=SC2206
transfer_branch=($image ! edgeinfer model="$BACKBONE" output-type=float32 ! edgeinfer
  model="$TMP/sound-transfer.tflite" "preprocess=$transfer_pre" output-type=float32 top-k=10)
source=(filesrc location="$clip" ! wavparse ! audioconvert)

run "$TMP/logmel.log" gst-launch-1.0 -q "${source[@]}" ! "${logmel_branch[@]}" \
  ! edgelabelsink top-k=10 location="$TMP/logmel.jsonl"
run "$TMP/transfer.log" gst-launch-1.0 -q "${source[@]}" ! "${transfer_branch[@]}" \
  ! edgelabelsink top-k=10 location="$TMP/transfer.jsonl"
run "$TMP/fused.log" gst-launch-1.0 -q "${source[@]}" ! tee name=t \
  t. ! queue ! "${logmel_branch[@]}" ! fuse.sink_0 \
  t. ! queue ! "${transfer_branch[@]}" ! fuse.sink_1 \
  edgefuse name=fuse ! edgelabelsink top-k=10 location="$TMP/fused.jsonl"

check "one fused line per window of the 4 s clip" 7 "$(wc -l <"$TMP/fused.jsonl")"
check "the sound-logmel branch alone: 7 windows" 7 "$(wc -l <"$TMP/logmel.jsonl")"
check "the sound-transfer branch alone: 7 windows" 7 "$(wc -l <"$TMP/transfer.jsonl")"
/usr/bin/python3 - "$TMP/fused.jsonl" "$TMP/logmel.jsonl" "$TMP/transfer.jsonl" >"$TMP/compare.txt" 2>&1 <<'EOF'
import json, sys
def read(path):
    return [json.loads(line) for line in open(path)]
fused, a, b = (read(p) for p in sys.argv[1:4])
def scores(line):
    return {e["label"]: e["score"] for e in line["top"]}
worst = 0.0
for f, x, y in zip(fused, a, b):
    assert f["pts"] == x["pts"] == y["pts"], (f["pts"], x["pts"], y["pts"])
    sf, sx, sy = scores(f), scores(x), scores(y)
    assert len(sf) == 10 and set(sf) == set(sx) == set(sy), (sorted(sf), sorted(sx), sorted(sy))
    for label, s in sf.items():
        worst = max(worst, abs(s - (sx[label] + sy[label]) / 2))
    assert f["label"] == max(sf, key=sf.get) or f["label"] is None
print("largest difference %.3g" % worst)
sys.exit(0 if worst <= 1e-5 else 1)
EOF
code=$?
cat "$TMP/compare.txt"
check "fused scores are the mean of the branches' (1e-5), labels from the metas" 0 "$code"

# The same fusion from one command: edgestream classify with both models builds the tee, each
# model's branch from its own metadata, edgefuse and one edgelabelsink.
"$EDGE" classify "$TMP/sound-logmel.tflite" "$TMP/sound-transfer.tflite" --source "file:$clip" \
  --silence-gate off --print >"$TMP/classify-print.txt" 2>&1
check "classify --print with two models: a tee into edgefuse, one edgelabelsink" 1 \
  "$(grep -c 'tee name=edge_tee edge_tee\. ! queue ! audioconvert ! edgeresample .* output-type=float32 ! edge_fuse\.sink_0 edge_tee\. ! queue ! .* ! edge_fuse\.sink_1 edgefuse name=edge_fuse ! edgelabelsink' "$TMP/classify-print.txt")"
timeout 300 "$EDGE" classify "$TMP/sound-logmel.tflite" "$TMP/sound-transfer.tflite" \
  --source "file:$clip" --silence-gate off --output "$TMP/classify-fused.jsonl" \
  >"$TMP/classify-fused.log" 2>&1
check "classify with two models exits 0" 0 $?
/usr/bin/python3 - "$TMP/classify-fused.jsonl" "$TMP/fused.jsonl" >"$TMP/compare2.txt" 2>&1 <<'EOF'
import json, sys
a, b = ([json.loads(line) for line in open(p)] for p in sys.argv[1:3])
assert len(a) == len(b) == 7, (len(a), len(b))
worst = 0.0
for x, y in zip(a, b):
    assert x["pts"] == y["pts"] and x["label"] == y["label"], (x, y)
    sy = {e["label"]: e["score"] for e in y["top"]}
    for e in x["top"]:
        worst = max(worst, abs(e["score"] - sy[e["label"]]))
print("largest difference from the gst-launch fusion %.3g" % worst)
sys.exit(0 if worst <= 1e-6 else 1)
EOF
code=$?
cat "$TMP/compare2.txt"
check "classify's fused labels and scores are the gst-launch line's" 0 "$code"

# An int8 model fuses as well: its scores are dequantized (output-type=float32) before the mean.
run "$TMP/int8.log" "$EDGE" optimize "$TMP/sound-transfer.tflite" --app sound-transfer \
  --sequence int8 --dataset "$TMP/sound-transfer-ds" --test-folds 2 --out "$TMP/sound-transfer-int8.tflite"
timeout 300 "$EDGE" classify "$TMP/sound-logmel.tflite" "$TMP/sound-transfer-int8.tflite" \
  --source "file:$clip" --silence-gate off --output "$TMP/classify-int8.jsonl" \
  >"$TMP/classify-int8.log" 2>&1
check "classify fuses a float32 and an int8 model" 0 $?
check "one fused line per window with the int8 model" 7 "$(wc -l <"$TMP/classify-int8.jsonl")"

"$EDGE" classify "$TMP/sound-logmel.tflite" "$TMP/sound-transfer.tflite" --source "file:$clip" \
  --app sound-logmel >"$TMP/refused.txt" 2>&1
check "--app with two models is refused" 1 $?
check "the refusal says why" 1 "$(grep -c -- '--app describes one model; with 2 models' "$TMP/refused.txt")"
# A model of other labels: two classes of folder-layout clips.
mkdir -p "$TMP/two/a" "$TMP/two/b"
cp "$clip" "$TMP/two/a/" && cp "$clip" "$TMP/two/b/"
run "$TMP/two-dataset.log" "$EDGE" dataset sound-transfer dataset="$TMP/two" layout=folders \
  out="$TMP/two-ds"
run "$TMP/two-train.log" "$EDGE" train sound-transfer --dataset "$TMP/two-ds" --epochs 1 \
  --split none --out "$TMP/two.tflite"
"$EDGE" classify "$TMP/sound-transfer.tflite" "$TMP/two.tflite" --source "file:$clip" \
  >"$TMP/refused2.txt" 2>&1
check "models of different labels are refused" 1 $?
check "the refusal names both label lists" 1 \
  "$(grep -c 'classify into different labels, so their scores cannot be fused: \[air_conditioner, .*\] and \[a, b\]' "$TMP/refused2.txt")"
exit $fail
