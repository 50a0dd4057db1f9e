#!/usr/bin/env bash
# The thesis's sound classifier end to end (docs/reproduce.md, results in docs/results.md), on
# UrbanSound8K folds 1 and 2 in ../shared/data/sound/urbansound8k-folds1-2 (not bundled:
# CC BY-NC 3.0). Train on one fold, test on the other:
#   1. stats     pipelines/sound's stats mode: mean and standard deviation of the windowed
#                30 kHz audio (one global z-score, no labels used);
#   2. dataset   1 s windows every 0.5 s (last one zero padded), z-score, 173x173;
#   3. train     the thesis's SqueezeNet-style CNN (pipelines/sound/model.toml), train fold 1,
#                test fold 2 (EDGE_TEST_FOLD=1 for the reverse);
#   4. optimize  int8 (full integer, calibrated on the training fold) and pruned + int8;
#   5. eval      float32, int8 and pruned + int8 side by side on the test fold;
#   6. export    the int8 model as a C array with its operator list and arena;
#   7. classify  one clip of the test fold through the real-time graph built from the int8
#                model (its statistics come from the model's metadata).
#
#   tools/reproduce/sound.sh [OUT]   (default out/reproduce/sound; EDGE_BUILD=build,
#   EDGE_EPOCHS: training epochs, default the model file's; EDGE_PRUNE_EPOCHS, default 3)
# The CNN trains at roughly 40 windows/s per core: 1750 windows an epoch, so plan minutes per
# epoch on a 2-core machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${EDGE_BUILD:-$root/build}
out=${1:-$root/out/reproduce/sound}
data=${EDGE_SHARED_DATA:-$root/../shared/data}/sound/urbansound8k-folds1-2
test_fold=${EDGE_TEST_FOLD:-2}
edge=$build/tools/edgestream
[ -x "$edge" ] || { echo "edgestream not built: $edge (run tools/run.sh build)"; exit 1; }
[ -f "$data/metadata/UrbanSound8K.csv" ] || [ -f "$data/metadata.csv" ] ||
  { echo "SKIPPED: UrbanSound8K folds 1-2 not found: $data"; exit 77; }
export GST_PLUGIN_PATH_1_0=$build/plugins
export GST_REGISTRY_1_0=$build/reproduce-registry.bin
epochs=()
[ -n "${EDGE_EPOCHS:-}" ] && epochs=(--epochs "$EDGE_EPOCHS")
split=(--test-folds "$test_fold")
rm -rf "$out"
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }

step "1. stats: z-score statistics of the windowed audio"
"$edge" launch sound stats "dataset=$data" "stats=$out/stats.json" --run
step "2. dataset: 1 s windows, z-score, 173x173"
"$edge" dataset sound "dataset=$data" "stats=$out/stats.json" "out=$out/dataset"
step "3. train: the thesis CNN, test fold $test_fold"
"$edge" train sound --dataset "$out/dataset" --out "$out/sound-float.tflite" "${split[@]}" \
  "${epochs[@]}" --report "$out/reports/train"
step "4. optimize: int8, and pruned 80 % + int8"
"$edge" optimize "$out/sound-float.tflite" --dataset "$out/dataset" --app sound --sequence int8 \
  "${split[@]}" --out "$out/sound-int8.tflite" --report "$out/reports/int8"
"$edge" optimize "$out/sound-float.tflite" --dataset "$out/dataset" --app sound \
  --steps "prune sparsity=0.8 epochs=${EDGE_PRUNE_EPOCHS:-3};int8" "${split[@]}" \
  --out "$out/sound-pruned-int8.tflite" --report "$out/reports/pruned-int8"
step "5. eval: float32, int8, pruned + int8 on fold $test_fold"
"$edge" eval "$out/sound-float.tflite" "$out/sound-int8.tflite" "$out/sound-pruned-int8.tflite" \
  --dataset "$out/dataset" "${split[@]}" --report "$out/reports/eval"
step "6. export: C array"
"$edge" export "$out/sound-int8.tflite" --out "$out/c"
clip=$(ls "$data/audio/fold$test_fold" | head -n1)
step "7. classify: fold $test_fold's $clip through the real-time graph of sound-int8.tflite"
"$edge" classify "$out/sound-int8.tflite" --source "file:$data/audio/fold$test_fold/$clip" |
  tee "$out/classify.jsonl"
echo
echo "results in $out: sound-float.tflite, sound-int8.tflite, sound-pruned-int8.tflite, c/, reports/"
