#!/usr/bin/env bash
# Sensor ranges vs statistics from the data on the magic-wand spells (issue 14 item 2):
# 5-fold cross-validation by recording on ../shared/data/imu/magic-wand-spells-train, float32
# and int8, for every model of the wand applications' model.toml (dense, conv1d-plain, conv1d),
# with
#   ranges  pipelines/wand:        min-max with the sensor ranges (+-4 g, +-2000 deg/s);
#   stats   pipelines/wand-zscore: per-channel z-score with the mean and standard deviation
#                                  of the fold's TRAINING recordings (its stats mode), so
#                                  the test recordings never enter the statistics.
# Folds: recording r of each spell's file (119 rows each) is in fold r % 5, so every fold holds
# about a fifth of each spell. Per fold and normalization: the training and test recordings
# are written as two CSV folders, made into datasets (the test set with the training
# statistics), each model is trained on every training window (`train --split none`, seed 1),
# quantized to int8 (`optimize --steps int8`, calibrated on the training dataset) and both
# files are scored on every test window (`eval --split all`).
# The other magic-wand recordings and the GestureToEmoji sets are unseen data: never used here.
#
#   tools/reproduce/magic_wand_normalization.sh [OUT]
#     (default out/reproduce/magic-wand-normalization; EDGE_BUILD=build,
#      EDGE_SHARED_DATA=../shared/data, EDGE_THREADS=2, EDGE_SEED=1,
#      EDGE_MODELS="dense conv1d-plain conv1d", EDGE_FOLDS=5)
# Writes OUT/results.tsv (one line per normalization, model, fold) and OUT/summary.md.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
reproduce_init magic-wand-normalization "${1:-}"
data=$shared/imu/magic-wand-spells-train
models=${EDGE_MODELS:-dense conv1d-plain conv1d}
folds=${EDGE_FOLDS:-5}
rows=119
[ -f "$data/Revelio.csv" ] || { echo "magic-wand data not found: $data"; exit 1; }

# split_fold K: $out/fold-K/{train,test}/<spell>.csv, recording r in test when r % folds == K.
split_fold() {
  local k=$1 file name
  mkdir -p "$out/fold-$k/train" "$out/fold-$k/test"
  for file in "$data"/*.csv; do
    name=$(basename "$file")
    awk -v k="$k" -v n="$folds" -v rows="$rows" \
      -v train="$out/fold-$k/train/$name" -v test="$out/fold-$k/test/$name" '
      NR == 1 { print > train; print > test; next }
      { r = int((NR - 2) / rows); print > ((r % n == k) ? test : train) }' "$file"
  done
}

# accuracy FILE LOG: the accuracy column of FILE's row in an eval log.
accuracy() { awk -v m="$(basename "$1")" '$1 == m { print $2 }' "$2"; }

printf 'normalization\tmodel\tfold\tfloat32\tint8\n' >"$out/results.tsv"
for ((k = 0; k < folds; ++k)); do
  step "fold $((k + 1))/$folds: split"
  split_fold "$k"
  f=$out/fold-$k
  for norm in ranges stats; do
    if [ "$norm" = ranges ]; then
      app=$root/pipelines/wand/graph.toml
      extra=()
    else
      app=$root/pipelines/wand-zscore/graph.toml
      "$edge" launch "$app" stats "dataset=$f/train" "stats=$f/stats.json" --run >"$f/stats.log" 2>&1
      extra=("stats=$f/stats.json")
    fi
    "$edge" dataset "$app" "dataset=$f/train" "${extra[@]}" "out=$f/$norm-train" >"$f/$norm-train.log" 2>&1
    "$edge" dataset "$app" "dataset=$f/test" "${extra[@]}" "out=$f/$norm-test" >"$f/$norm-test.log" 2>&1
    for model in $models; do
      m=$f/$norm-$model
      "$edge" train "$app" --model "$model" --dataset "$f/$norm-train" --split none --seed "$seed" \
        --threads "$threads" --out "$m-float.tflite" >"$m-train.log" 2>&1
      "$edge" optimize "$m-float.tflite" --dataset "$f/$norm-train" --app "$app" --steps int8 \
        --seed "$seed" --out "$m-int8.tflite" >"$m-optimize.log" 2>&1
      "$edge" eval "$m-float.tflite" "$m-int8.tflite" --dataset "$f/$norm-test" --split all \
        >"$m-eval.log" 2>&1
      a_float=$(accuracy "$m-float.tflite" "$m-eval.log")
      a_int8=$(accuracy "$m-int8.tflite" "$m-eval.log")
      printf '%s\t%s\t%d\t%s\t%s\n' "$norm" "$model" $((k + 1)) "$a_float" "$a_int8" |
        tee -a "$out/results.tsv"
    done
  done
done

step "summary: mean test accuracy over $folds folds (std), every test window of each fold"
awk -F'\t' -v folds="$folds" '
  NR == 1 { next }
  { key = $1 "\t" $2; if (!(key in n)) order[++keys] = key
    n[key]++; sf[key] += $4; qf[key] += $4 * $4; si[key] += $5; qi[key] += $5 * $5
    lf[key] = lf[key] sprintf(" %.2f", $4); li[key] = li[key] sprintf(" %.2f", $5) }
  function sd(s, q, c) { v = q / c - (s / c) ^ 2; return sqrt(v > 0 ? v : 0) }
  END {
    print "| normalization | model | float32 | int8 | int8 - float (points) | float32 folds | int8 folds |"
    print "|---|---|---:|---:|---:|---|---|"
    for (i = 1; i <= keys; ++i) { k = order[i]; split(k, p, "\t"); c = n[k]
      printf "| %s | `%s` | %.1f %% (std %.1f) | %.1f %% (std %.1f) | %+.1f |%s |%s |\n", p[1], p[2],
        100 * sf[k] / c, 100 * sd(sf[k], qf[k], c), 100 * si[k] / c, 100 * sd(si[k], qi[k], c),
        100 * (si[k] - sf[k]) / c, lf[k], li[k] }
  }' "$out/results.tsv" | tee "$out/summary.md"
echo
echo "results in $out: results.tsv, summary.md, fold-K/ (datasets, models, logs)"
