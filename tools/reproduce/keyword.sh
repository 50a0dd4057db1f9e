#!/usr/bin/env bash
# Keyword spotting end to end (docs/reproduce.md), on the Speech Commands sample in
# ../shared/data/speech/speech-commands-sample (30 words x 10 one-second clips, CC BY 4.0):
#   1. dataset   pipelines/keyword's dataset mode: 16 kHz mono, 1 s, 49x40 log-mel (dB);
#   2. train     the keyword log-mel CNN of pipelines/keyword/model.toml; the sample has no
#                testing_list.txt/validation_list.txt, so the test split is 20 % of each
#                word's clips (by clip, seeded) -- with the lists present, pass
#                EDGE_KEYWORD_TEST_FOLDS=3 to test on Speech Commands' own testing list;
#   3. optimize  full-integer int8, calibrated on the training split;
#   4. eval      float32 vs int8 on the test split (accuracy, size, latency);
#   5. export    the int8 model as a C array with its operator list and arena;
#   6. classify  one WAV from outside the sample (micro_speech's "yes") through the real-time
#                graph built from the int8 model.
#
#   tools/reproduce/keyword.sh [OUT]      (default out/reproduce/keyword; EDGE_BUILD=build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${EDGE_BUILD:-$root/build}
out=${1:-$root/out/reproduce/keyword}
data=${EDGE_SHARED_DATA:-$root/../shared/data}/speech/speech-commands-sample
seed=${EDGE_SEED:-1}
edge=$build/tools/edgestream
[ -x "$edge" ] || { echo "edgestream not built: $edge (run tools/run.sh build)"; exit 1; }
[ -d "$data/yes" ] || { echo "SKIPPED: Speech Commands sample not found: $data"; exit 77; }
export GST_PLUGIN_PATH_1_0=$build/plugins
export GST_REGISTRY_1_0=$build/reproduce-registry.bin
split=(--seed "$seed")
[ -n "${EDGE_KEYWORD_TEST_FOLDS:-}" ] && split=(--test-folds "$EDGE_KEYWORD_TEST_FOLDS")
rm -rf "$out"
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }

step "1. dataset: $data as 49x40 log-mel windows"
"$edge" dataset keyword "dataset=$data" "out=$out/dataset"
step "2. train: the keyword log-mel CNN (pipelines/keyword/model.toml)"
"$edge" train keyword --dataset "$out/dataset" --out "$out/keyword-float.tflite" "${split[@]}" \
  --report "$out/reports/train"
step "3. optimize: int8"
"$edge" optimize "$out/keyword-float.tflite" --dataset "$out/dataset" --app keyword --steps int8 \
  --out "$out/keyword-int8.tflite" "${split[@]}" --report "$out/reports/optimize"
step "4. eval: float32 vs int8 on the test split"
"$edge" eval "$out/keyword-float.tflite" "$out/keyword-int8.tflite" --dataset "$out/dataset" \
  "${split[@]}" --report "$out/reports/eval"
step "5. export: C array"
"$edge" export "$out/keyword-int8.tflite" --out "$out/c"
# A clip from outside the sample (TensorFlow Lite Micro's micro_speech test clip of "yes",
# from Speech Commands), else the sample's first "yes".
wav=${EDGE_SHARED_DATA:-$root/../shared/data}/speech/micro-speech-testdata/yes_1000ms.wav
[ -f "$wav" ] || wav=$data/yes/$(ls "$data/yes" | head -n1)
step "6. classify: $wav through the real-time graph of keyword-int8.tflite"
"$edge" classify "$out/keyword-int8.tflite" --source "file:$wav" | tee "$out/classify.jsonl"
echo
echo "results in $out: keyword-float.tflite, keyword-int8.tflite, c/, reports/"
