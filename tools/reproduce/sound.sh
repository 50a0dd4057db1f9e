#!/usr/bin/env bash
# The thesis's sound classifier end to end (docs/reproduce.md, results in docs/results.md), on
# UrbanSound8K folds 1 and 2 in ../shared/data/sound/urbansound8k-folds1-2 (not bundled:
# CC BY-NC 3.0). Train on one fold, test on the other:
#   1. stats     pipelines/sound's stats mode: mean and standard deviation of the windowed
#                30 kHz audio (one global z-score, no labels used);
#   2. dataset   1 s windows every 0.5 s (last one zero padded), z-score, 173x173;
#   3. train     the thesis's SqueezeNet-style CNN (pipelines/sound/model.toml), train fold 1,
#                test fold 2 (EDGE_TEST_FOLD=1 for the reverse);
#   4. optimize  the model file's sequences: int8 (full integer, calibrated on the training
#                fold), qat-int8 (quantization-aware fine-tuning, then int8) and units-int8
#                (45 % of the filters removed, distilled from the float model, QAT, int8);
#   5. eval      float32 and the three optimized models side by side on the test fold;
#   6. export    the last sequence's model as a C array with its operator list and arena;
#   7. classify  one clip of the test fold through the real-time graph built from that
#                model (its statistics come from the model's metadata).
#
#   tools/reproduce/sound.sh [OUT]   (default out/reproduce/sound; EDGE_BUILD=build,
#   EDGE_EPOCHS: training epochs, default the model file's; EDGE_SEQUENCES, default
#   "int8 qat-int8 units-int8")
# About 15 s an epoch of 1575 windows on 2 idle cores: some 15 minutes a direction.
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
read -r -a sequences <<<"${EDGE_SEQUENCES:-int8 qat-int8 units-int8}"
optimized=()
for sequence in "${sequences[@]}"; do
  step "4. optimize: $sequence (pipelines/sound/model.toml)"
  "$edge" optimize "$out/sound-float.tflite" --dataset "$out/dataset" --app sound \
    --sequence "$sequence" "${split[@]}" --out "$out/sound-$sequence.tflite" \
    --report "$out/reports/$sequence"
  optimized+=("$out/sound-$sequence.tflite")
done
step "5. eval: float32, ${sequences[*]} on fold $test_fold"
"$edge" eval "$out/sound-float.tflite" "${optimized[@]}" --dataset "$out/dataset" "${split[@]}" \
  --report "$out/reports/eval"
# The deployed model: the last sequence's (units-int8 by default, the smallest).
deployed=${optimized[-1]}
step "6. export: ${deployed##*/} as a C array"
"$edge" export "$deployed" --out "$out/c"
clip=$(ls "$data/audio/fold$test_fold" | sed -n 1p)  # not head: ls would get SIGPIPE (pipefail)
step "7. classify: fold $test_fold's $clip through the real-time graph of ${deployed##*/}"
"$edge" classify "$deployed" --source "file:$data/audio/fold$test_fold/$clip" |
  tee "$out/classify.jsonl"
echo
echo "results in $out: sound-float.tflite, ${optimized[*]##*/}, c/, reports/"
