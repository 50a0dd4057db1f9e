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
#   5. eval      float32 vs int8 on the held-out recordings;
#   6. normalization  sensor ranges (pipelines/wand) vs per-channel z-score from the training
#                recordings (pipelines/wand-zscore), 5-fold CV, float32 and int8, every model
#                (tools/reproduce/magic_wand_normalization.sh).
# The other magic-wand recordings are unseen test data kept outside the project.
#
#   tools/reproduce/magic_wand.sh [OUT]   (default out/reproduce/magic-wand; EDGE_BUILD=build,
#                                          EDGE_SHARED_DATA=../shared/data, EDGE_THREADS=2)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
reproduce_init magic-wand "${1:-}"
data=$shared/imu/magic-wand-spells-train
app=$root/pipelines/wand/graph.toml
[ -f "$data/Revelio.csv" ] || { echo "magic-wand data not found: $data"; exit 1; }

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
step "6. normalization: sensor ranges vs per-channel statistics of the training recordings"
EDGE_SHARED_DATA=$shared EDGE_BUILD=$build EDGE_SEED=$seed EDGE_THREADS=$threads \
  "$root/tools/reproduce/magic_wand_normalization.sh" "$out/normalization" | grep -v '^== fold'
echo
echo "results in $out: *-cv-final.tflite, conv1d-float.tflite, conv1d-int8.tflite, reports/, normalization/"
