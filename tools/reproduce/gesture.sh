#!/usr/bin/env bash
# The paper end to end ("Optimizing Neural Networks for Embedded Systems": MPU6050 punch/flex
# gestures, 180-50-15-2 dense network), on the recordings bundled in datasets/ (docs/reproduce.md):
#   1. dataset   pipelines/gesture's dataset mode: 30-sample windows, min-max scaled with the
#                sensor ranges;
#   2. cv        the paper's protocol: 5-fold cross-validation by recording (mean accuracy,
#                pooled confusion), then the network trained on every window;
#   3. train     the same network with 20 % of each class's recordings held out (seeded), for
#                a float32 model that has a test split;
#   4. optimize  full-integer int8, calibrated on the training split;
#   5. eval      float32 vs int8 on the held-out split (accuracy, size, latency);
#   6. export    the int8 model as a C array with its operator list and arena;
#   7. classify  the punch.csv recording through the real-time graph (edgeimusrc, triggered
#                30-sample window, edgeinfer, edgelabelsink) built from the int8 model.
#
#   tools/reproduce/gesture.sh [OUT]      (default out/reproduce/gesture; EDGE_BUILD=build)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
reproduce_init gesture "${1:-}"
data=$root/datasets/gesture-punch-flex

step "1. dataset: $data"
"$edge" dataset gesture "dataset=$data" "out=$out/dataset"
step "2. cv: 5-fold cross-validation by recording, then the final model on every window"
"$edge" train gesture --dataset "$out/dataset" --cv 5 --seed "$seed" \
  --out "$out/gesture-cv-final.tflite" --report "$out/reports/cv"
step "3. train: 20 % of each class's recordings held out (seed $seed)"
"$edge" train gesture --dataset "$out/dataset" --seed "$seed" --out "$out/gesture-float.tflite" \
  --report "$out/reports/train"
step "4. optimize: int8"
"$edge" optimize "$out/gesture-float.tflite" --dataset "$out/dataset" --app gesture --steps int8 \
  --strip-strings --seed "$seed" --out "$out/gesture-int8.tflite" --report "$out/reports/optimize"
step "5. eval: float32 vs int8 on the held-out recordings"
"$edge" eval "$out/gesture-float.tflite" "$out/gesture-int8.tflite" --dataset "$out/dataset" \
  --seed "$seed" --report "$out/reports/eval"
step "6. export: C array"
"$edge" export "$out/gesture-int8.tflite" --out "$out/c"
step "7. classify: $data/punch.csv through the real-time graph of gesture-int8.tflite"
"$edge" classify "$out/gesture-int8.tflite" --source "file:$data/punch.csv" >"$out/classify.jsonl"
/usr/bin/python3 - "$out/classify.jsonl" <<'PY'
import collections, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for r in lines[:3]:
    print("  %.2f s  %-6s %.3f" % (r["pts"], r["top"][0]["label"], r["top"][0]["score"]))
print("  ...")
counts = collections.Counter(r["top"][0]["label"] for r in lines)
print("  %d triggered windows in punch.csv (17 recorded punches): %s" %
      (len(lines), ", ".join("%d %s" % (n, l) for l, n in sorted(counts.items()))))
PY
echo
echo "results in $out: gesture-cv-final.tflite, gesture-float.tflite, gesture-int8.tflite, c/, reports/"
