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
# EDGE_CLIPS=375 trains on 375 clips instead of 250, on the learning curve's split
# (sound_logmel_curve.sh): each fold halved by source recording (split_folds_by_recording.py,
# parts 1-2 from fold 1, 3-4 from fold 2, 125 clips each); each run trains on three parts and
# tests on the fourth, whose recordings it never saw (EDGE_PARTS, default "1 2 3 4").
#
#   tools/reproduce/sound_transfer.sh [OUT]   (default out/reproduce/sound-transfer, or
#   sound-transfer-375; EDGE_SEEDS (default "1"), EDGE_EPOCHS (every model; default the model
#   files'), EDGE_CLIPS (250 or 375), EDGE_PARTS, EDGE_THREADS (default 2), EDGE_BUILD,
#   EDGE_SHARED_DATA)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
clips=${EDGE_CLIPS:-250}
case $clips in
  250) tests="2 1" ;;
  375) tests=${EDGE_PARTS:-1 2 3 4} ;;
  *) echo "EDGE_CLIPS: '$clips' is not a training size of this script (250 or 375)"; exit 2 ;;
esac
for t in $tests; do
  [[ $t =~ ^[1-4]$ ]] || { echo "EDGE_PARTS: '$t' is not a part (1 to 4)"; exit 2; }
done
if [ "$clips" = 375 ]; then
  reproduce_init sound-transfer-375 "${1:-}" resume
else
  reproduce_init sound-transfer "${1:-}" resume
fi
require_urbansound8k_folds_1_2
seeds=${EDGE_SEEDS:-1}
for s in $seeds; do
  [[ $s =~ ^[0-9]+$ ]] || { echo "EDGE_SEEDS: '$s' is not a seed (a whole number)"; exit 2; }
done
epochs=()
[ -n "${EDGE_EPOCHS:-}" ] && epochs=(--epochs "$EDGE_EPOCHS")

if [ "$clips" = 375 ]; then
  if [ ! -f "$out/us8k-halves/metadata.csv" ]; then
    step "0. split: folds 1 and 2 of $data into halves by recording"
    rm -rf "$out/us8k-halves"
    /usr/bin/python3 "$root/tools/reproduce/split_folds_by_recording.py" "$data" "$out/us8k-halves"
  fi
  data=$out/us8k-halves
fi

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
  if [ "$clips" = 375 ]; then
    step "$step_name. $what: seed $s, train the parts other than $t, test part $t"
  else
    step "$step_name. $what: seed $s, train fold $((3 - t)), test fold $t"
  fi
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
  for t in $tests; do
    run=s$s-test$t what="seed $s test $t"
    [ "$clips" = 375 ] && run=n375-s$s-test$t what="seed $s part $t"
    head=head-$run cnn=ds-cnn-$run ft=finetune-$run
    run_model 2 head sound-transfer "$head" "$s" "$t"
    run_model 3 DS-CNN sound-logmel "$cnn" "$s" "$t"
    run_model 4 fine-tuned sound-finetune "$ft" "$s" "$t"
    runs+=("$what" "$out/reports/$head-eval/$head.tflite/predictions.csv"
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
