#!/usr/bin/env bash
# Transfer learning for the sound classifier of issue 14 (docs/results.md, "Transfer"): on
# UrbanSound8K folds 1 and 2 (../shared/data/sound/urbansound8k-folds1-2, not bundled), for each
# seed and both directions (train fold 1, test fold 2; train fold 2, test fold 1):
#   1. datasets  sound-transfer (512 features a window from the frozen person_detect backbone),
#                sound-logmel (49 x 40 log-mel) and sound-finetune (96 x 96 log-mel), made once;
#   2. head      edgestream train sound-transfer (seconds), int8, eval float32 and int8;
#   3. DS-CNN    edgestream train sound-logmel (its default recipe, minutes), int8, eval;
#   4. fine-tune edgestream train sound-finetune (person_detect's layers from their weights,
#                minutes), int8, eval;
#   5. table     by window and by clip, per seed and direction and their mean: each model, and
#                the DS-CNN fused with the head and with the fine-tuned network (the mean of
#                their window probabilities, then of a clip's windows), from eval's
#                predictions.csv (transfer_table.py).
# Finished runs are kept and skipped when the script runs again with the same OUT.
#
#   tools/reproduce/sound_transfer.sh [OUT]   (default out/reproduce/sound-transfer;
#   EDGE_SEEDS (default "1"), EDGE_EPOCHS (both models; default the model files'),
#   EDGE_THREADS (default 2), EDGE_BUILD, EDGE_SHARED_DATA)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
reproduce_init sound-transfer "${1:-}" resume
require_urbansound8k_folds_1_2
seeds=${EDGE_SEEDS:-1}
for s in $seeds; do
  [[ $s =~ ^[0-9]+$ ]] || { echo "EDGE_SEEDS: '$s' is not a seed (a whole number)"; exit 2; }
done
epochs=()
[ -n "${EDGE_EPOCHS:-}" ] && epochs=(--epochs "$EDGE_EPOCHS")

for app in sound-transfer sound-logmel sound-finetune; do
  if [ ! -f "$out/$app-dataset/manifest.json" ]; then
    step "1. dataset: $app windows of $data"
    rm -rf "$out/$app-dataset" "$out/$app-dataset.jobs"
    "$edge" dataset "$app" "dataset=$data" "out=$out/$app-dataset"
  fi
done

# run_model STEP WHAT APP NAME SEED TEST_FOLD: trains APP's default model (unless NAME.tflite is
# there), converts it to int8 and scores both on the test fold, unless that was done.
run_model() {
  local step_name=$1 what=$2 app=$3 name=$4 s=$5 t=$6
  [ -f "$out/reports/$name-eval/$name-int8.tflite/predictions.csv" ] && return 0
  step "$step_name. $what: seed $s, train fold $((3 - t)), test fold $t"
  [ -f "$out/$name.tflite" ] ||
    "$edge" train "$app" --dataset "$out/$app-dataset" --test-folds "$t" --seed "$s" \
      --threads "$threads" "${epochs[@]}" --out "$out/$name.tflite" --report "$out/reports/$name"
  "$edge" optimize "$out/$name.tflite" --app "$app" --sequence int8 \
    --dataset "$out/$app-dataset" --test-folds "$t" --out "$out/$name-int8.tflite"
  "$edge" eval "$out/$name.tflite" "$out/$name-int8.tflite" \
    --dataset "$out/$app-dataset" --test-folds "$t" --report "$out/reports/$name-eval"
}

runs=()
for s in $seeds; do
  for t in 2 1; do
    head=head-s$s-test$t cnn=ds-cnn-s$s-test$t ft=finetune-s$s-test$t
    run_model 2 head sound-transfer "$head" "$s" "$t"
    run_model 3 DS-CNN sound-logmel "$cnn" "$s" "$t"
    run_model 4 fine-tuned sound-finetune "$ft" "$s" "$t"
    runs+=("seed $s test $t" "$out/reports/$head-eval/$head.tflite/predictions.csv"
      "$out/reports/$head-eval/$head-int8.tflite/predictions.csv"
      "$out/reports/$cnn-eval/$cnn.tflite/predictions.csv"
      "$out/reports/$cnn-eval/$cnn-int8.tflite/predictions.csv"
      "$out/reports/$ft-eval/$ft.tflite/predictions.csv"
      "$out/reports/$ft-eval/$ft-int8.tflite/predictions.csv")
  done
done

step "5. by clip: the head, the DS-CNN, the fine-tuned network and the fusions"
/usr/bin/python3 "$root/tools/reproduce/transfer_table.py" --fine-tuned "${runs[@]}" |
  tee "$out/table.md"
