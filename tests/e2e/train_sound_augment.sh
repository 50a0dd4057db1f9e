#!/usr/bin/env bash
# Log-mel augmentation end to end, bounded for CI (about 25 s on 2 busy cores): half the
# UrbanSound8K clips of folds 1 and 2 (../shared/data/sound/urbansound8k-folds1-2) through
# pipelines/sound-logmel's preprocessing, a noise bank from a recorded acoustic scene
# (../shared/data/sound/dcase-example) through the same preprocessing, then a small log-mel CNN
# trained on fold 1 with every transform on (time shift, gain, noise mixing, SpecAugment masks,
# mixup) for a few epochs and tested on fold 2:
#   - the same seed gives the same model file with 1 and 2 training threads;
#   - it scores above chance (10 classes) on the unseen fold;
#   - a mask wider than the window, noise mixing without a noise bank and a noise dataset of
#     another application are refused before training, naming the setting.
# The full measurement is tools/reproduce/sound_logmel.sh (docs/results.md).
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
SRC=${EDGE_SOURCE_ROOT:-.}
SHARED=${EDGE_SHARED_DATA:-$SRC/../shared/data}
DATA=$SHARED/sound/urbansound8k-folds1-2
NOISE=$SHARED/sound/dcase-example/acoustic_scene.wav
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$DATA/metadata.csv" ] || [ -f "$DATA/metadata/UrbanSound8K.csv" ] ||
  { echo "SKIPPED: UrbanSound8K folds 1-2 not found: $DATA"; exit 77; }
[ -f "$NOISE" ] || { echo "SKIPPED: background recording not found: $NOISE"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"

# The application with a small model; the graph is sound-logmel's own.
mkdir -p "$TMP/app" "$TMP/noise-clips/background"
cp "$SRC/pipelines/sound-logmel/graph.toml" "$TMP/app/graph.toml"
cp "$NOISE" "$TMP/noise-clips/background/"
model() {  # model NAME AUGMENT
  cat <<EOF
[models.$1]
input = [49, 40, 1]
layers = [
  { type = "conv2d", filters = 8, kernel = 3, stride = 2, padding = "same" },
  { type = "batchnorm" },
  { type = "relu" },
  { type = "depthwise_conv2d", kernel = 3, padding = "same" },
  { type = "batchnorm" },
  { type = "relu" },
  { type = "conv2d", filters = 16, kernel = 1 },
  { type = "batchnorm" },
  { type = "relu" },
  { type = "global_avg_pool" },
  { type = "dense", units = "classes" },
]
[models.$1.training]
learning_rate = 0.01
epochs = 10
batch_size = 16
augment = $2
EOF
}
{
  echo 'default = "small"'
  model small '{ type = "log-mel", time_shift = 6, gain_db = 6, noise_probability = 0.5, noise_snr_db = [0, 20], time_masks = 1, time_mask = 6, freq_masks = 1, freq_mask = 5, mixup = 0.2 }'
  model wide-mask '{ type = "log-mel", time_masks = 1, time_mask = 60 }'
} >"$TMP/app/model.toml"

"$EDGE" dataset "$TMP/app/graph.toml" "dataset=$DATA" --shard 1/2 "out=$TMP/ds" >"$TMP/ds.log" 2>&1
check "dataset (half the clips) exits 0" 0 $?
"$EDGE" dataset "$TMP/app/graph.toml" "dataset=$TMP/noise-clips" layout=folders \
  "out=$TMP/noise" >"$TMP/noise.log" 2>&1
check "noise dataset (layout=folders) exits 0" 0 $?

for threads in 1 2; do
  "$EDGE" train "$TMP/app/graph.toml" --dataset "$TMP/ds" --noise "$TMP/noise" --test-folds 2 \
    --seed 3 --threads $threads --out "$TMP/m$threads.tflite" >"$TMP/train$threads.log" 2>&1
  check "train with augmentation, $threads thread(s), exits 0" 0 $?
done
grep -E '^noise bank|^test:' "$TMP/train2.log"
cmp -s "$TMP/m1.tflite" "$TMP/m2.tflite"
check "same seed, same model file with 1 and 2 threads" 0 $?
accuracy=$(sed -n 's/^test: accuracy \([0-9.]*\).*/\1/p' "$TMP/train2.log")
check "accuracy on the unseen fold above chance (0.10) by a margin: > 0.2" yes \
  "$(/usr/bin/python3 -c "print('yes' if float('${accuracy:-0}') > 0.2 else 'no: ${accuracy:-none}')")"

"$EDGE" train "$TMP/app/graph.toml" --model wide-mask --dataset "$TMP/ds" --test-folds 2 \
  --out "$TMP/w.tflite" >"$TMP/wide.log" 2>&1
check "a 60-frame mask on 49 frames is refused" 1 $?
grep -q "time_mask must be in \[0, 48\] (the window has 49 frames), got 60" "$TMP/wide.log"
check "the refusal names time_mask and the window" 0 $?
grep -q "^epoch" "$TMP/wide.log"
check "nothing was trained before the refusal" 1 $?
"$EDGE" train "$TMP/app/graph.toml" --dataset "$TMP/ds" --test-folds 2 --out "$TMP/n.tflite" \
  >"$TMP/no-noise.log" 2>&1
check "noise mixing without --noise is refused" 1 $?
grep -q "noise_probability 0.5 mixes background noise: give --noise DIR" "$TMP/no-noise.log"
check "the refusal names noise_probability and --noise" 0 $?
"$EDGE" dataset gesture "out=$TMP/gesture" >"$TMP/gesture.log" 2>&1
check "a gesture dataset for the next check exits 0" 0 $?
"$EDGE" train "$TMP/app/graph.toml" --dataset "$TMP/ds" --noise "$TMP/gesture" --test-folds 2 \
  --out "$TMP/g.tflite" >"$TMP/wrong-noise.log" 2>&1
check "a noise dataset of another application is refused" 1 $?
grep -q -- "--noise $TMP/gesture: its windows are \[30,6\], the training windows of" \
  "$TMP/wrong-noise.log"
check "the refusal names the noise dataset and both window shapes" 0 $?
[ $fail = 0 ] || tail -n 5 "$TMP"/*.log
exit $fail
