#!/usr/bin/env bash
# Issue 14's sound target in its own setting: sound-logmel's default recipe (the DS-CNN),
# sound-transfer's head on the frozen person_detect backbone and sound-finetune's person_detect
# layers trained from their weights, each trained on all 500 clips of UrbanSound8K folds 1 and 2
# (../shared/data/sound/urbansound8k-folds1-2), converted to int8, and scored by window and by
# clip on folds they have never seen, from a full UrbanSound8K copy that is kept outside the
# project (docs/results.md), alone and fused (the mean of the models' window probabilities:
# the DS-CNN with each, and all three; tools/reproduce/transfer_table.py).
#
#   EDGE_UNSEEN=/path/to/UrbanSound8K [EDGE_UNSEEN_FOLDS=3] tools/reproduce/sound_logmel_unseen.sh [OUT]
#
# EDGE_UNSEEN: an UrbanSound8K root (metadata/UrbanSound8K.csv and audio/foldN/);
# EDGE_UNSEEN_FOLDS: the folds to score, e.g. 3 or 3,4,5 (default 3; folds 1 and 2 trained the
# models and are refused). Also EDGE_BUILD, EDGE_SEED, EDGE_THREADS, EDGE_EPOCHS (all three
# models; default the model files') and EDGE_SET (training settings over the DS-CNN's model
# file, as in sound_logmel.sh). Without EDGE_UNSEEN the models
# are trained and converted, and the script ends with exit 77 saying that the score was
# skipped. Output (default out/reproduce/sound-logmel-unseen): train-dataset/, model.tflite,
# model-int8.tflite (the DS-CNN), transfer-dataset/, head.tflite, head-int8.tflite,
# finetune-dataset/, finetune.tflite, finetune-int8.tflite, unseen-dataset/,
# unseen-transfer-dataset/, unseen-finetune-dataset/, reports/ (each eval report holds window and clip
# accuracy, per-class precision, recall and F1, and every window's predictions) and table.md.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
reproduce_init sound-logmel-unseen "${1:-}"
require_urbansound8k_folds_1_2
folds=${EDGE_UNSEEN_FOLDS:-3}
[[ $folds =~ ^[0-9]+(,[0-9]+)*$ ]] ||
  { echo "EDGE_UNSEEN_FOLDS=$folds: expected fold numbers such as 3 or 3,4"; exit 2; }
for fold in ${folds//,/ }; do
  if [ "$fold" = 1 ] || [ "$fold" = 2 ]; then
    echo "EDGE_UNSEEN_FOLDS=$folds: fold $fold trained the model; unseen folds are 3 to 10"
    exit 2
  fi
done
if [ -n "${EDGE_UNSEEN:-}" ] && [ ! -d "$EDGE_UNSEEN" ]; then
  echo "EDGE_UNSEEN=$EDGE_UNSEEN: not a directory (an UrbanSound8K root)"
  exit 2
fi
epochs=()
[ -n "${EDGE_EPOCHS:-}" ] && epochs=(--epochs "$EDGE_EPOCHS")
options=(--split none --threads "$threads" --seed "$seed" "${epochs[@]}")
for setting in ${EDGE_SET:-}; do options+=(--set "$setting"); done

step "1. dataset: 49x40 log-mel windows of folds 1 and 2 ($data)"
"$edge" dataset sound-logmel "dataset=$data" "out=$out/train-dataset"
step "2. train: every clip of folds 1 and 2 (early stopping on 10 % of them)"
"$edge" train sound-logmel --dataset "$out/train-dataset" "${options[@]}" \
  --out "$out/model.tflite" --report "$out/reports/train"
step "3. optimize: int8 (full integer, calibrated on folds 1 and 2)"
"$edge" optimize "$out/model.tflite" --dataset "$out/train-dataset" --app sound-logmel \
  --sequence int8 --seed "$seed" --out "$out/model-int8.tflite" --report "$out/reports/int8"
# train_every_clip APP NAME: APP's dataset of folds 1 and 2 (NAME-dataset; the head's is
# transfer-dataset), its default model trained on every clip (NAME.tflite) and its int8.
train_every_clip() {
  local app=$1 name=$2 dataset=$out/${3:-$2}-dataset
  "$edge" dataset "$app" "dataset=$data" "out=$dataset"
  "$edge" train "$app" --dataset "$dataset" --split none --threads "$threads" --seed "$seed" \
    "${epochs[@]}" --out "$out/$name.tflite" --report "$out/reports/$name"
  "$edge" optimize "$out/$name.tflite" --dataset "$dataset" --app "$app" --sequence int8 \
    --seed "$seed" --out "$out/$name-int8.tflite" --report "$out/reports/$name-int8"
}
step "4. the head: sound-transfer's features of folds 1 and 2, train on every clip, int8"
train_every_clip sound-transfer head transfer
step "5. the fine-tuned network: sound-finetune's images of folds 1 and 2, every clip, int8"
train_every_clip sound-finetune finetune
if [ -z "${EDGE_UNSEEN:-}" ]; then
  echo
  echo "SKIPPED: the score on unseen folds; give EDGE_UNSEEN=/path/to/UrbanSound8K (models in $out)"
  exit 77
fi
step "6. datasets: the three preprocessings over $EDGE_UNSEEN"
"$edge" dataset sound-logmel "dataset=$EDGE_UNSEEN" "out=$out/unseen-dataset"
"$edge" dataset sound-transfer "dataset=$EDGE_UNSEEN" "out=$out/unseen-transfer-dataset"
"$edge" dataset sound-finetune "dataset=$EDGE_UNSEEN" "out=$out/unseen-finetune-dataset"
step "7. eval: float32 and int8 on fold(s) $folds, by window and by clip"
"$edge" eval "$out/model.tflite" "$out/model-int8.tflite" --dataset "$out/unseen-dataset" \
  --test-folds "$folds" --report "$out/reports/unseen-eval"
"$edge" eval "$out/head.tflite" "$out/head-int8.tflite" \
  --dataset "$out/unseen-transfer-dataset" --test-folds "$folds" \
  --report "$out/reports/unseen-head-eval"
"$edge" eval "$out/finetune.tflite" "$out/finetune-int8.tflite" \
  --dataset "$out/unseen-finetune-dataset" --test-folds "$folds" \
  --report "$out/reports/unseen-finetune-eval"
step "8. each model and the fusions, float32 and int8"
cnn=$out/reports/unseen-eval head=$out/reports/unseen-head-eval
ft=$out/reports/unseen-finetune-eval
/usr/bin/python3 "$root/tools/reproduce/transfer_table.py" --no-mean --fine-tuned \
  "folds $folds" "$head/head.tflite/predictions.csv" "$head/head-int8.tflite/predictions.csv" \
  "$cnn/model.tflite/predictions.csv" "$cnn/model-int8.tflite/predictions.csv" \
  "$ft/finetune.tflite/predictions.csv" "$ft/finetune-int8.tflite/predictions.csv" |
  tee "$out/table.md"
