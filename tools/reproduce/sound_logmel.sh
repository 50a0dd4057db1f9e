#!/usr/bin/env bash
# The log-mel sound classifiers of issue 14 across UrbanSound8K folds (docs/results.md), on
# folds 1 and 2 in ../shared/data/sound/urbansound8k-folds1-2 (not bundled: CC BY-NC 3.0; the
# other folds are unseen data, never used here). For one model of
# pipelines/sound-logmel/model.toml, with or without its augmentation, in one direction:
#   1. dataset   1 s windows every 0.5 s at 16 kHz, 49 x 40 log-mel in dB (reused if present);
#   2. noise     with EDGE_NOISE=DIR (a folder of background clips, one subfolder per kind):
#                its windows through the same preprocessing (layout=folders), mixed in by
#                models whose augment table sets noise_probability;
#   3. train     on the other fold, early stopping on 10 % of its clips;
#   4. optimize  int8 (full integer, calibrated on the training fold);
#   5. eval      float32 and int8 side by side on the test fold.
#
#   tools/reproduce/sound_logmel.sh [OUT]   (default out/reproduce/sound-logmel;
#   EDGE_MODEL: logmel-cnn | ds-cnn (default: the model file's default), EDGE_TEST_FOLD: 2
#   (train fold 1) or 1 (train fold 2), EDGE_AUGMENT=off: without the model's augmentation,
#   EDGE_EPOCHS, EDGE_SEED, EDGE_THREADS (default 2), EDGE_BUILD=build, EDGE_APP: another
#   graph.toml with sound-logmel's preprocessing and its own model.toml, EDGE_SET: training
#   settings over the model file's, space-separated KEY=VALUE (edgestream train --set, e.g.
#   "schedule=one-cycle augment.mixup=0.5"), EDGE_TAG: a suffix naming the run's files (give
#   one with EDGE_SET))
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${EDGE_BUILD:-$root/build}
out=${1:-$root/out/reproduce/sound-logmel}
data=${EDGE_SHARED_DATA:-$root/../shared/data}/sound/urbansound8k-folds1-2
test_fold=${EDGE_TEST_FOLD:-2}
app=${EDGE_APP:-sound-logmel}
edge=$build/tools/edgestream
[ -x "$edge" ] || { echo "edgestream not built: $edge (run tools/run.sh build)"; exit 1; }
[ -f "$data/metadata/UrbanSound8K.csv" ] || [ -f "$data/metadata.csv" ] ||
  { echo "SKIPPED: UrbanSound8K folds 1-2 not found: $data"; exit 77; }
export GST_PLUGIN_PATH_1_0=$build/plugins
export GST_REGISTRY_1_0=$build/reproduce-registry.bin
options=(--test-folds "$test_fold" --threads "${EDGE_THREADS:-2}")
[ -n "${EDGE_MODEL:-}" ] && options+=(--model "$EDGE_MODEL")
[ -n "${EDGE_EPOCHS:-}" ] && options+=(--epochs "$EDGE_EPOCHS")
[ -n "${EDGE_SEED:-}" ] && options+=(--seed "$EDGE_SEED")
[ "${EDGE_AUGMENT:-on}" = off ] && options+=(--no-augment)
for setting in ${EDGE_SET:-}; do options+=(--set "$setting"); done
name=${EDGE_MODEL:-default}-$([ "${EDGE_AUGMENT:-on}" = off ] && echo plain || echo aug)
[ -n "${EDGE_NOISE:-}" ] && name+=-noise
[ -n "${EDGE_EPOCHS:-}" ] && name+=-e$EDGE_EPOCHS
[ -n "${EDGE_SEED:-}" ] && name+=-s$EDGE_SEED
[ -n "${EDGE_TAG:-}" ] && name+=-$EDGE_TAG
name+=-test$test_fold
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }

if [ ! -f "$out/dataset/manifest.json" ]; then
  step "1. dataset: 49x40 log-mel windows of $data"
  rm -rf "$out/dataset" "$out/dataset.jobs"
  "$edge" dataset sound-logmel "dataset=$data" "out=$out/dataset"
fi
if [ -n "${EDGE_NOISE:-}" ]; then
  step "2. noise: the clips of $EDGE_NOISE through the same preprocessing"
  rm -rf "$out/noise" "$out/noise.jobs"
  "$edge" dataset "$app" "dataset=$EDGE_NOISE" layout=folders "out=$out/noise"
  options+=(--noise "$out/noise")
fi
step "3. train: $name"
"$edge" train "$app" --dataset "$out/dataset" "${options[@]}" --out "$out/$name.tflite" \
  --report "$out/reports/$name"
step "4. optimize: int8"
"$edge" optimize "$out/$name.tflite" --dataset "$out/dataset" --app "$app" \
  --sequence int8 --test-folds "$test_fold" --out "$out/$name-int8.tflite" \
  --report "$out/reports/$name-int8"
step "5. eval: float32 and int8 on fold $test_fold"
"$edge" eval "$out/$name.tflite" "$out/$name-int8.tflite" --dataset "$out/dataset" \
  --test-folds "$test_fold" --report "$out/reports/$name-eval"
