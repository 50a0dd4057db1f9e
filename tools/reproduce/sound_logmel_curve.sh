#!/usr/bin/env bash
# How accuracy on unseen recordings grows with the number of training clips (issue 14's sound
# target, docs/results.md "A learning curve"). The target trains on 500 clips (UrbanSound8K
# folds 1 and 2) and tests on a fold kept outside the project; this measures the same recipe
# with 125, 250 and 375 training clips, always on recordings the model never saw:
#   1. split     each of folds 1 and 2 into two halves by source recording, balanced per class
#                (split_folds_by_recording.py): folds 1-2 become parts 1 and 2, fold 2 parts 3
#                and 4, 125 clips each (hard links, no copy where the file system allows);
#   2. dataset   the sound-logmel windows of that root (1 s every 0.5 s, 49 x 40 log-mel);
#   3. train     the model file's default recipe on each training set of each size:
#                  125: one part alone, tested on the two parts of the other fold;
#                  250: one fold (parts 1+2 or 3+4), tested on the other fold;
#                  375: three parts, tested on the fourth (its recordings unseen, as are the
#                       other fold's in the 250 runs);
#   4. eval      every model on its test parts, by window and by clip (predictions.csv);
#   5. table     per size and seed, the accuracy pooled over every test clip of its runs
#                (curve_table.py).
# A run whose eval report exists is not run again, so an interrupted curve resumes.
#
#   tools/reproduce/sound_logmel_curve.sh [OUT]   (default out/reproduce/sound-logmel-curve;
#   EDGE_SEEDS: space-separated seeds (default "1"), EDGE_SIZES: a subset of "125 250 375",
#   EDGE_THREADS (default 2), EDGE_BUILD=build, EDGE_SET: training settings over the model
#   file's, space-separated KEY=VALUE (edgestream train --set))
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
reproduce_init sound-logmel-curve "${1:-}" resume
require_urbansound8k_folds_1_2
python=/usr/bin/python3
sizes=${EDGE_SIZES:-125 250 375}
for size in $sizes; do
  case $size in 125 | 250 | 375) ;; *)
    echo "EDGE_SIZES: $size is not a training size of this curve (125, 250 or 375)" >&2
    exit 2 ;;
  esac
done
settings=()
for setting in ${EDGE_SET:-}; do settings+=(--set "$setting"); done
mkdir -p "$out/reports"

if [ ! -f "$out/us8k-halves/metadata.csv" ]; then
  step "1. split: folds 1 and 2 of $data into halves by recording"
  rm -rf "$out/us8k-halves"
  "$python" "$root/tools/reproduce/split_folds_by_recording.py" "$data" "$out/us8k-halves"
fi
if [ ! -f "$out/dataset/manifest.json" ]; then
  step "2. dataset: 49x40 log-mel windows of the four parts"
  rm -rf "$out/dataset" "$out/dataset.jobs"
  "$edge" dataset sound-logmel "dataset=$out/us8k-halves" "out=$out/dataset"
fi

# run NAME SEED HELD_OUT_PARTS TEST_PARTS: train on the parts not held out, score TEST_PARTS.
run() {
  local name=$1 seed=$2 held_out=$3 test=$4
  if [ -f "$out/reports/$name-eval/report.json" ]; then
    echo "$name: done before (remove $out/reports/$name-eval to run it again)"
    return
  fi
  step "3. train $name: seed $seed, parts $held_out held out"
  "$edge" train sound-logmel --dataset "$out/dataset" --test-folds "$held_out" --seed "$seed" \
    --threads "$threads" ${settings[@]+"${settings[@]}"} --out "$out/$name.tflite" \
    --report "$out/reports/$name"
  step "4. eval $name on parts $test"
  "$edge" eval "$out/$name.tflite" --dataset "$out/dataset" --test-folds "$test" \
    --report "$out/reports/$name-eval"
}

for seed in ${EDGE_SEEDS:-1}; do
  for size in $sizes; do
    case $size in
      125)
        run "n125-s$seed-train1" "$seed" 2,3,4 3,4
        run "n125-s$seed-train2" "$seed" 1,3,4 3,4
        run "n125-s$seed-train3" "$seed" 1,2,4 1,2
        run "n125-s$seed-train4" "$seed" 1,2,3 1,2 ;;
      250)
        run "n250-s$seed-test34" "$seed" 3,4 3,4
        run "n250-s$seed-test12" "$seed" 1,2 1,2 ;;
      375)
        for part in 1 2 3 4; do run "n375-s$seed-test$part" "$seed" "$part" "$part"; done ;;
    esac
  done
done

step "5. table: accuracy on unseen recordings by number of training clips"
"$python" "$root/tools/reproduce/curve_table.py" "$out/reports"
