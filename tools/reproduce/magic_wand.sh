#!/usr/bin/env bash
# Issue 14's gesture recipe on the magic-wand spells (TensorFlow Lite Micro's magic_wand
# training split, MIT: ../shared/data/imu/magic-wand-spells-train, 100 recordings of 5
# spells, 119 samples x 6 channels), application pipelines/wand:
#   1. dataset   119-sample windows, min-max scaled with the sensor ranges;
#   2. cv        5-fold cross-validation by recording of each model of
#                pipelines/wand/model.toml (dense: the paper's network; conv1d-plain;
#                conv1d: batch norm, IMU augmentation, early stopping);
#   3. train     conv1d with 20 % of each spell's recordings held out (seeded);
#   4. optimize  full-integer int8, calibrated on the training split;
#   5. eval      float32 vs int8 on the held-out recordings.
# The other magic-wand recordings are unseen test data kept outside the project.
#
#   tools/reproduce/magic_wand.sh [OUT]   (default out/reproduce/magic-wand; EDGE_BUILD=build,
#                                          EDGE_SHARED_DATA=../shared/data, EDGE_THREADS=2)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${EDGE_BUILD:-$root/build}
out=${1:-$root/out/reproduce/magic-wand}
data=${EDGE_SHARED_DATA:-$root/../shared/data}/imu/magic-wand-spells-train
seed=${EDGE_SEED:-1}
threads=${EDGE_THREADS:-2}
edge=$build/tools/edgestream
app=$root/pipelines/wand/graph.toml
[ -x "$edge" ] || { echo "edgestream not built: $edge (run tools/run.sh build)"; exit 1; }
[ -f "$data/Revelio.csv" ] || { echo "magic-wand data not found: $data"; exit 1; }
export GST_PLUGIN_PATH_1_0=$build/plugins
export GST_REGISTRY_1_0=$build/reproduce-registry.bin
rm -rf "$out"
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }

step "1. dataset: $data"
"$edge" dataset "$app" "dataset=$data" "out=$out/dataset"
for model in dense conv1d-plain conv1d; do
  step "2. cv: model $model, 5-fold cross-validation by recording"
  "$edge" train "$app" --model "$model" --dataset "$out/dataset" --cv 5 --seed "$seed" \
    --threads "$threads" --out "$out/$model-cv-final.tflite" --report "$out/reports/cv-$model" |
    grep -E '^\[fold ./5] test accuracy|^cross-validation'
done
step "3. train: conv1d, 20 % of each spell's recordings held out (seed $seed)"
"$edge" train "$app" --model conv1d --dataset "$out/dataset" --seed "$seed" --threads "$threads" \
  --out "$out/conv1d-float.tflite" --report "$out/reports/train" | tail -3
step "4. optimize: int8"
"$edge" optimize "$out/conv1d-float.tflite" --dataset "$out/dataset" --app "$app" --steps int8 \
  --seed "$seed" --out "$out/conv1d-int8.tflite" --report "$out/reports/optimize" | tail -2
step "5. eval: float32 vs int8 on the held-out recordings"
"$edge" eval "$out/conv1d-float.tflite" "$out/conv1d-int8.tflite" --dataset "$out/dataset" \
  --seed "$seed" --report "$out/reports/eval"
echo
echo "results in $out: *-cv-final.tflite, conv1d-float.tflite, conv1d-int8.tflite, reports/"
