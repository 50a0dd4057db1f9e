#!/usr/bin/env bash
# Clip-level scores (late fusion: a clip's class probabilities are the mean of its windows')
# through the command line on real recordings, bounded for CI (a few seconds): an eighth of the
# UrbanSound8K clips of folds 1 and 2 (../shared/data/sound/urbansound8k-folds1-2, 7 windows
# per 4 s clip) through pipelines/sound-logmel's preprocessing, a tiny model trained for three
# epochs on fold 1, then `edgestream eval --test-folds 2 --report`:
#   - window accuracy stays the first figure (the report's "accuracy"), clip accuracy beside it;
#   - the printed window and clip accuracies equal those recomputed with numpy from the saved
#     predictions.csv (every window's clip, label and probabilities);
#   - train prints the same clip accuracy for its test split;
#   - a dataset made with other preprocessing (a 0.25 s hop) is scored with a warning that
#     shows both preprocess segments;
#   - a dataset with one window per clip (the bundled gesture recordings) says so.
set -u
. "$(dirname "$0")/lib.sh"
edgestream_setup
DATA=$SHARED/sound/urbansound8k-folds1-2
[ -f "$DATA/metadata.csv" ] || [ -f "$DATA/metadata/UrbanSound8K.csv" ] ||
  { echo "SKIPPED: UrbanSound8K folds 1-2 not found: $DATA"; exit 77; }
make_tmp

mkdir -p "$TMP/app"
cp "$SRC/pipelines/sound-logmel/graph.toml" "$TMP/app/graph.toml"
cat >"$TMP/app/model.toml" <<'TOML'
default = "tiny"
[models.tiny]
input = [49, 40, 1]
layers = [
  { type = "conv2d", filters = 8, kernel = 3, stride = 2, padding = "same" },
  { type = "batchnorm" },
  { type = "relu" },
  { type = "global_avg_pool" },
  { type = "dense", units = "classes" },
]
[models.tiny.training]
learning_rate = 0.01
epochs = 3
batch_size = 16
TOML
"$EDGE" dataset "$TMP/app/graph.toml" "dataset=$DATA" --shard 1/8 "out=$TMP/ds" >"$TMP/ds.log" 2>&1
check "dataset (an eighth of the clips) exits 0" 0 $?
"$EDGE" train "$TMP/app/graph.toml" --dataset "$TMP/ds" --test-folds 2 --threads 2 \
  --out "$TMP/m.tflite" >"$TMP/train.log" 2>&1
check "train exits 0" 0 $?
"$EDGE" eval "$TMP/m.tflite" --dataset "$TMP/ds" --test-folds 2 --report "$TMP/rep" \
  >"$TMP/eval.log" 2>&1
check "eval exits 0" 0 $?
cat "$TMP/eval.log"
row=$(grep '^m.tflite ' "$TMP/eval.log")
window=$(echo "$row" | awk '{print $2}')
clip=$(echo "$row" | awk '{print $3}')
check "window and clip accuracy printed as numbers" yes \
  "$(echo "$window $clip" | grep -qE '^[01]\.[0-9]{4} [01]\.[0-9]{4}$' && echo yes || echo "no: $row")"
check "window accuracy: the first figure, as in the report" "$window" \
  "$(/usr/bin/python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['accuracy'])" "$TMP/rep/report.json")"
check "the by-clip line repeats the clip accuracy" 1 \
  "$(grep -cE "^  by clip: accuracy $clip on [0-9]+ clips \(7 windows per clip" "$TMP/eval.log")"
check "by-clip per-class table on stdout" 1 "$(grep -cE '^    class +precision +recall +f1 +support' "$TMP/eval.log")"
recomputed=$(/usr/bin/python3 - "$TMP/rep/m.tflite/predictions.csv" <<'PY'
import csv, sys
import numpy as np
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
columns = [k for k in rows[0] if k.startswith("p_")]
p = np.array([[float(r[k]) for k in columns] for r in rows])
y = np.array([int(r["label"]) for r in rows])
clips = np.array([r["clip"] for r in rows])
assert (p.argmax(axis=1) == np.array([int(r["predicted"]) for r in rows])).all()
right = [np.argmax(p[clips == c].mean(axis=0)) == y[clips == c][0] for c in np.unique(clips)]
print("%.4f %.4f %d" % ((p.argmax(axis=1) == y).mean(), np.mean(right), len(right)))
PY
)
check "window accuracy recomputed from predictions.csv" "$window" "$(echo "$recomputed" | cut -d' ' -f1)"
check "clip accuracy recomputed from predictions.csv (mean of probabilities)" "$clip" \
  "$(echo "$recomputed" | cut -d' ' -f2)"
check "clips in the report" "$(echo "$recomputed" | cut -d' ' -f3)" \
  "$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['by_clip']['samples'])" "$TMP/rep/report.json")"
check "train prints the same clip accuracy for its test split" 1 \
  "$(grep -cE "^test by clip: accuracy $clip on " "$TMP/train.log")"

check "the model's own preprocessing: no warning" 0 "$(grep -c 'warning' "$TMP/eval.log")"

# Other preprocessing with the same window shape (a hop of 0.25 s) is scored, with a warning on
# stderr and in the report that shows both segments.
mkdir -p "$TMP/app25"
sed 's/edgewindow size=1.0 hop=0.5/edgewindow size=1.0 hop=0.25/' "$TMP/app/graph.toml" \
  >"$TMP/app25/graph.toml"
cp "$TMP/app/model.toml" "$TMP/app25/"
"$EDGE" dataset "$TMP/app25/graph.toml" "dataset=$DATA" --shard 1/8 "out=$TMP/ds25" \
  >"$TMP/ds25.log" 2>&1
check "dataset with a hop of 0.25 s exits 0" 0 $?
"$EDGE" eval "$TMP/m.tflite" --dataset "$TMP/ds25" --test-folds 2 --report "$TMP/rep25" \
  >"$TMP/eval25.log" 2>"$TMP/eval25.err"
check "eval on other preprocessing exits 0" 0 $?
cat "$TMP/eval25.err"
check "the warning names the dataset and the model" 1 \
  "$(grep -c "^edgestream eval: warning: dataset $TMP/ds25 was not made with the preprocessing model $TMP/m.tflite was trained on" "$TMP/eval25.err")"
check "the warning shows both segments" 2 "$(grep -cE '^  (dataset|model  ): .*edgewindow size=1.0 hop=0.(25|5) ' "$TMP/eval25.err")"
check "the report keeps the warning" 1 "$(grep -c '^Warning: dataset .* was not made with the preprocessing' "$TMP/rep25/report.md")"
check "more windows a clip (13)" 1 "$(grep -cE '^  by clip: accuracy [01]\.[0-9]{4} on [0-9]+ clips \(13 windows per clip' "$TMP/eval25.log")"

# One window per clip: the same figures, said so.
"$EDGE" dataset gesture "out=$TMP/gesture" >"$TMP/gesture.log" 2>&1
check "gesture dataset exits 0" 0 $?
"$EDGE" train gesture --dataset "$TMP/gesture" --epochs 5 --threads 2 --out "$TMP/g.tflite" \
  >"$TMP/gtrain.log" 2>&1
check "gesture train exits 0" 0 $?
"$EDGE" eval "$TMP/g.tflite" --dataset "$TMP/gesture" >"$TMP/geval.log" 2>&1
check "gesture eval exits 0" 0 $?
check "one window per clip is said" 1 \
  "$(grep -c 'one window per clip: the same figures as by window' "$TMP/geval.log")"
grow=$(grep '^g.tflite ' "$TMP/geval.log")
check "one window per clip: clip accuracy = window accuracy" "$(echo "$grow" | awk '{print $2}')" \
  "$(echo "$grow" | awk '{print $3}')"
exit $fail
