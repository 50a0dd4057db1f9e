#!/usr/bin/env bash
# sound-transfer (a head on the frozen person_detect backbone, issue 14), sound-finetune (the
# same layers trained from their weights) and tools/reproduce/sound_transfer.sh, bounded for CI:
# 1 epoch a model, so this checks the applications, the runs and the table, never accuracy.
set -u
BUILD=${EDGE_BUILD_ROOT:-build}
. "$(dirname "$0")/lib.sh"
edgestream_setup
DATA=$SHARED/sound/urbansound8k-folds1-2
require_file "$DATA/metadata.csv" "UrbanSound8K folds 1-2 not found: $DATA"
require_file "$SHARED/models/tflm/person_detect.tflite" "person_detect.tflite not found"
make_tmp
APP=$SRC/pipelines/sound-transfer

# The bundled backbone is what `edgestream backbone` makes of TFLM's person_detect, byte for byte.
$EDGE backbone "$SHARED/models/tflm/person_detect.tflite" \
  --cut MobilenetV1/MobilenetV1/Conv2d_5_pointwise/Relu6 --bands 4 --out "$TMP/backbone.tflite" \
  >"$TMP/backbone.log" 2>&1
check "edgestream backbone exits 0" 0 $?
cmp -s "$TMP/backbone.tflite" "$APP/models/person_detect_conv5_bands4.tflite"
check "the bundled backbone is the cut of person_detect" 0 $?
sum=$(sha256sum "$APP/models/person_detect_conv5_bands4.tflite" | cut -d' ' -f1)
check "NOTICE.md gives the backbone's SHA-256" 1 "$(grep -c "$sum" "$APP/models/NOTICE.md")"

# The canonical preprocess names the backbone by content, not by path.
$EDGE launch sound-transfer realtime "model=$APP/models/person_detect_conv5_bands4.tflite" >"$TMP/launch.txt" 2>&1
check "the preprocess records the backbone as sha256:$sum" 1 \
  "$(grep -c "preprocess=[^']*edgeinfer model=sha256:$sum output-type=float32'" "$TMP/launch.txt")"

EDGE_BUILD=$BUILD EDGE_SEEDS="1 x" bash "$SRC/tools/reproduce/sound_transfer.sh" "$TMP/x" \
  >"$TMP/log" 2>&1
check "a seed that is not a number is refused (exit 2)" 2 $?

EDGE_BUILD=$BUILD EDGE_EPOCHS=1 timeout 900 bash "$SRC/tools/reproduce/sound_transfer.sh" \
  "$TMP/out" >"$TMP/log" 2>&1
code=$?
grep -vE 'epoch [0-9]+/|^progress: ' "$TMP/log"
check "sound_transfer.sh exits 0" 0 "$code"
check "the head's dataset: 512 features a window" 1 \
  "$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["window_shape"] in ([1, 512], [512])))' \
     "$TMP/out/sound-transfer-dataset/manifest.json")"
check "the fine-tuned network's dataset: 96 x 96 images" 1 \
  "$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["window_shape"] == [96, 96]))' \
     "$TMP/out/sound-finetune-dataset/manifest.json")"
check "training says where the fine-tuned layers' weights came from" 2 \
  "$(grep -c '^pretrained: 11 layers (conv0 .. pw5) from .*person_detect_conv5_bands4.tflite' "$TMP/log")"
check "the table has the fine-tuned network and its fusion" 1 \
  "$(grep -c '| fine-tuned: window / clip | fine-tuned int8: window / clip | head + DS-CNN: window / clip | fine-tuned + DS-CNN: window / clip | all three: window / clip | all three, int8: window / clip |' "$TMP/out/table.md")"
check "the table has both runs and their mean" 3 "$(grep -cE '^\| (seed 1 test [12]|mean of 2) \|' "$TMP/out/table.md")"
check "each run scores 250 clips" 2 "$(grep -cE '^\| seed 1 test [12] \| 250 \|' "$TMP/out/table.md")"

# EDGE_CLIPS=375: the learning curve's split (folds halved by recording), three parts to train
# on and the fourth to test; one part here (EDGE_PARTS=1), 1 epoch.
EDGE_BUILD=$BUILD EDGE_CLIPS=300 bash "$SRC/tools/reproduce/sound_transfer.sh" "$TMP/x" \
  >"$TMP/log375" 2>&1
check "a training size the script has not is refused (exit 2)" 2 $?
EDGE_BUILD=$BUILD EDGE_CLIPS=375 EDGE_PARTS=1 EDGE_EPOCHS=1 timeout 900 \
  bash "$SRC/tools/reproduce/sound_transfer.sh" "$TMP/out375" >"$TMP/log375" 2>&1
code=$?
grep -vE 'epoch [0-9]+/|^progress: ' "$TMP/log375"
check "sound_transfer.sh with 375 clips exits 0" 0 "$code"
part1=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == "fold") f = i; next } $f == 1' \
  "$TMP/out375/us8k-halves/metadata.csv" | wc -l)
check "part 1 holds about a quarter of the 500 clips" 1 "$([ "$part1" -ge 110 ] && [ "$part1" -le 140 ] && echo 1)"
check "the 375-clip run scores part 1's clips" 1 \
  "$(grep -cE "^\| seed 1 part 1 \| $part1 \|" "$TMP/out375/table.md")"
check "the 375-clip models train on the other three parts" 1 \
  "$(grep -c 'train the parts other than 1, test part 1' "$TMP/log375" | awk '{ print ($1 == 3) }')"

# The head classifies a clip live: classify finds sound-transfer by the model's own metadata.
clip=$(ls "$DATA/audio/fold2" | head -1)
timeout 120 $EDGE classify "$TMP/out/head-s1-test2-int8.tflite" \
  --source "file:$DATA/audio/fold2/$clip" >"$TMP/classify.jsonl" 2>"$TMP/classify.err"
check "classify exits 0" 0 $?
check "classify labels the 4 s clip's 7 windows" 7 "$(grep -c '"label":' "$TMP/classify.jsonl")"
timeout 120 $EDGE classify "$TMP/out/finetune-s1-test2-int8.tflite" \
  --source "file:$DATA/audio/fold2/$clip" >"$TMP/classify-ft.jsonl" 2>"$TMP/classify-ft.err"
check "classify runs the fine-tuned int8 model" 0 $?
check "classify finds sound-finetune by the model's metadata: 7 windows" 7 \
  "$(grep -c '"label":' "$TMP/classify-ft.jsonl")"

EDGE_BUILD=$BUILD EDGE_EPOCHS=1 bash "$SRC/tools/reproduce/sound_transfer.sh" "$TMP/out" \
  >"$TMP/log2" 2>&1
check "rerun exits 0" 0 $?
check "rerun trains nothing" 0 "$(grep -cE '^== [234]\. ' "$TMP/log2")"
exit $fail
