#!/usr/bin/env bash
# Issue 14 through the command line on the bundled punch/flex recordings: `train --split none`
# (every window trains), `train --search` (models compared by CV, the best written),
# `eval --split all` (every window scored, per-class precision/recall/F1 on stdout), an application given by path (a copy of gesture with 16-sample windows) for
# train, `classify` choosing the application by the model's window rather than its preprocess
# text, `train --set KEY=VALUE` over the model file's training settings (a bad key or value
# refused naming the option), and settings that cannot train refused before training, naming the setting: batch
# normalization with batch size 1, a window shape that does not fit the model input, an empty
# class. Bounded: a few seconds of training.
set -u
. "$(dirname "$0")/lib.sh"
edgestream_setup
DATA=$SRC/datasets/gesture-punch-flex
require_file "$DATA/punch.csv" "bundled gesture data not found: $DATA"
make_tmp

"$EDGE" dataset gesture "out=$TMP/ds" >"$TMP/ds.log" 2>&1
check "dataset exits 0" 0 $?

# train --split none: every window trains, nothing is held out.
"$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/all.tflite" --split none --epochs 30 \
  --threads 2 >"$TMP/train.log" 2>&1
check "train --split none exits 0" 0 $?
windows=$(sed -n 's/.*dataset .*: \([0-9]*\) windows .*/\1/p' "$TMP/train.log" | head -1)
check "the bundled recordings give 60 windows" 60 "$windows"
check "train --split none: every window trains" 1 \
  "$(grep -c "no test split: every labelled window ($windows) trains" "$TMP/train.log")"
check "train --split none: no test line" 0 "$(grep -c '^test: accuracy' "$TMP/train.log")"

# train --search: each model of the file cross-validated, the best written with the table.
"$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/best.tflite" --search dense,conv1d --cv 3 \
  --epochs 20 --threads 2 --report "$TMP/search" >"$TMP/search.log" 2>&1
check "train --search exits 0" 0 $?
grep -A3 '^search: 3-fold' "$TMP/search.log"
check "search: a line per candidate, one written" 1 "$(grep -cE '^  (dense|conv1d) +[01]\.[0-9]{4} \(std [01]\.[0-9]{4}\)  <- written' "$TMP/search.log")"
check "search: both candidates cross-validated" 2 "$(grep -cE '^  (dense|conv1d) +[01]\.[0-9]{4}' "$TMP/search.log")"
check "search: the table in the report" 1 "$(grep -c '^## Model search' "$TMP/search/report.md")"
check "search: the model file written" yes "$([ -s "$TMP/best.tflite" ] && echo yes || echo no)"
expect_error "search without --cv" "--search compares models by cross-validation: give --cv K" \
  "$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/x.tflite" --search all
expect_error "search of an unknown model" 'no model "nope"' \
  "$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/x.tflite" --search dense,nope --cv 3

# eval --split all: every window, per-class scores on stdout.
"$EDGE" eval "$TMP/all.tflite" --dataset "$TMP/ds" --split all --report "$TMP/rep" \
  >"$TMP/eval.log" 2>&1
check "eval --split all exits 0" 0 $?
cat "$TMP/eval.log"
check "eval --split all: every window" 1 "$(grep -c "every labelled window ($windows)" "$TMP/eval.log")"
check "eval: per-class header on stdout" 1 "$(grep -cE '^  class +precision +recall +f1 +support' "$TMP/eval.log")"
check "eval: a line per class and the macro line" 3 \
  "$(grep -cE '^  (flex|punch|macro) +[01]\.[0-9]{4} +[01]\.[0-9]{4} +[01]\.[0-9]{4} ' "$TMP/eval.log")"
check "eval --split all: report samples" "$windows" \
  "$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['samples'])" "$TMP/rep/report.json")"
expect_error "eval --split all with --test-folds" "--split all scores every window" \
  "$EDGE" eval "$TMP/all.tflite" --dataset "$TMP/ds" --split all --test-folds 1

# An application given by path: gesture with 16-sample windows (same preprocess text).
mkdir -p "$TMP/app16"
sed -e 's/size-samples=30 hop-samples=30/size-samples=16 hop-samples=16/' \
  -e 's/length=30/length=16/' -e 's/^name = "gesture"/name = "gesture16"/' \
  -e "s|\${app_dir}/../../datasets/gesture-punch-flex|$DATA|" \
  "$SRC/pipelines/gesture/graph.toml" >"$TMP/app16/graph.toml"
sed -e 's/^input = \[180\].*/input = [96]/' -e 's/^epochs = 600/epochs = 20/' \
  "$SRC/pipelines/gesture/model.toml" >"$TMP/app16/model.toml"
"$EDGE" dataset "$TMP/app16/graph.toml" "out=$TMP/ds16" >"$TMP/ds16.log" 2>&1
check "dataset of an app given by path exits 0" 0 $?
"$EDGE" train "$TMP/app16/graph.toml" --dataset "$TMP/ds16" --out "$TMP/m16.tflite" \
  --split none --threads 2 >"$TMP/train16.log" 2>&1
check "train of an app given by path exits 0" 0 $?
# classify by the model's metadata: the bundled gesture app has the same preprocess text but
# 30-sample windows, which cannot fill the 96 values: refused, naming it.
expect_error "classify: same preprocess, other window" \
  "application gesture (" \
  "$EDGE" classify "$TMP/m16.tflite" --source "file:$DATA/punch.csv" --print
grep -qF "cuts windows of 30 samples, which cannot fill the model's input of 96 values" "$TMP/err.log"
check "classify names the window and the input" 0 $?
"$EDGE" classify "$TMP/m16.tflite" --source "file:$DATA/punch.csv" --app "$TMP/app16/graph.toml" \
  --print >"$TMP/print.log" 2>&1
check "classify --app PATH/graph.toml exits 0" 0 $?
check "classify --app: the app's 16-sample live window" 1 "$(grep -c 'length=16' "$TMP/print.log")"
expect_error "classify --app with another window" "cuts windows of 30 samples" \
  "$EDGE" classify "$TMP/m16.tflite" --source "file:$DATA/punch.csv" --app gesture --print

# Settings that cannot train, refused before training.
mkdir -p "$TMP/bn"
cp "$SRC/pipelines/gesture/graph.toml" "$TMP/bn/graph.toml"
sed -i "s|\${app_dir}/../../datasets/gesture-punch-flex|$DATA|" "$TMP/bn/graph.toml"
cat >"$TMP/bn/model.toml" <<'TOML'
default = "bn"
[models.bn]
input = [180]
layers = [
  { type = "dense", units = 16, name = "dense_1" },
  { type = "batchnorm", name = "bn_1" },
  { type = "relu" },
  { type = "dense", units = "classes" },
]
[models.bn.training]
batch_size = 1
epochs = 2
[models.bn-first]
input = [180]
layers = [
  { type = "batchnorm", name = "bn_in" },
  { type = "dense", units = "classes" },
]
[models.transposed]
input = [6, 30, 1]
layers = [ { type = "flatten" }, { type = "dense", units = "classes" } ]
TOML
expect_error "batch normalization with batch size 1" \
  "model bn: training: batch_size 1 cannot train BatchNorm layer 'bn_1': batch normalization needs at least 2 samples per batch" \
  "$EDGE" train "$TMP/bn/graph.toml" --dataset "$TMP/ds" --out "$TMP/x.tflite"
expect_error "batch normalization that follows no weighted layer, before training" \
  "model bn-first: export_ir: layer 'bn_in' (BatchNorm) does not follow a Dense, Conv2D or DepthwiseConv2D layer that feeds only it, so it cannot be folded" \
  "$EDGE" train "$TMP/bn/graph.toml" --model bn-first --dataset "$TMP/ds" --out "$TMP/x.tflite"
check "no epoch ran before the refusal" 0 "$(grep -c '^epoch ' "$TMP/err.log")"
expect_error "window shape that does not fit the model input" \
  "model transposed input = [6,30,1] does not match the windows of $TMP/ds ([30,6])" \
  "$EDGE" train "$TMP/bn/graph.toml" --model transposed --dataset "$TMP/ds" --out "$TMP/x.tflite"
cp -r "$TMP/ds" "$TMP/empty"
/usr/bin/python3 - "$TMP/empty/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["labels"] = m["labels"] + ["wave"]
if "labels_by_index" in m: m["labels_by_index"][str(len(m["labels"]) - 1)] = "wave"
json.dump(m, open(sys.argv[1], "w"))
PY
expect_error "an empty class" 'class "wave" (label index 2) has no labelled windows' \
  "$EDGE" train gesture --dataset "$TMP/empty" --out "$TMP/x.tflite"
expect_error "train --set: a misspelt training key" \
  "--set lerning_rate=0.1: models.dense.training.lerning_rate: unknown key" \
  "$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/x.tflite" --set lerning_rate=0.1
expect_error "train --set: a value out of range" "--set batch_size=0: models.dense.training.batch_size" \
  "$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/x.tflite" --set batch_size=0
"$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/set.tflite" --split none --threads 2 \
  --set epochs=3 --set learning_rate=0.01 >"$TMP/set.log" 2>&1
check "train --set: exits 0" 0 $?
check "train --set: the settings are printed" 1 \
  "$(grep -c 'training settings over .*model.toml: \["epochs=3","learning_rate=0.01"\]' "$TMP/set.log")"
check "train --set epochs=3: three epochs" 1 "$(grep -c '^epoch 3/3:' "$TMP/set.log")"
expect_error "eval: labels differ" "classes differ: model $TMP/all.tflite has [flex, punch], dataset $TMP/empty has [flex, punch, wave]" \
  "$EDGE" eval "$TMP/all.tflite" --dataset "$TMP/empty" --split all
exit $fail
