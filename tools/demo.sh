#!/usr/bin/env bash
# The main job on bundled data (run by `tools/run.sh demo` after the build), on the paper's
# punch/flex recordings:
#   1. a statistics pass over the raw IMU frames (edgenormalize mode=stats);
#   2. the dataset run of pipelines/gesture (`edgestream dataset`, every core): gestures
#      windowed to 30 samples, min-max normalized with the paper's sensor ranges (+-4 g,
#      +-2000 deg/s), written as NumPy shards with a manifest;
#   3. the paper's 180-50-15-2 network trained with RMSprop in 5-fold cross-validation.
# Output goes to out/demo/ (override with EDGE_DEMO_OUT).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${EDGE_BUILD:-$root/build}
out=${EDGE_DEMO_OUT:-$root/out/demo}
data=$root/datasets/gesture-punch-flex

export GST_PLUGIN_PATH_1_0=$build/plugins
export GST_REGISTRY_1_0=$build/demo-registry.bin
mkdir -p "$out"
rm -rf "$out/gesture-dataset"

echo "== statistics of the raw recordings ($data)"
gst-launch-1.0 -q edgedatasetsrc location="$data" layout=gesture-csv \
  ! edgenormalize mode=stats stats-file="$out/gesture-stats.json" ! fakesink
cat "$out/gesture-stats.json"
echo

echo "== dataset run: the gesture application's dataset mode, as gst-launch-1.0 would run it"
"$build/tools/edgestream" launch gesture dataset out="$out/gesture-dataset"
"$build/tools/edgestream" dataset gesture out="$out/gesture-dataset"

manifest=$out/gesture-dataset/manifest.json
echo "== wrote $(ls "$out/gesture-dataset"/*.npy | wc -l) .npy files and $manifest"
# The manifest's counts, as written (windows per class and per fold).
sed -n '/"counts"/,/^  }/p' "$manifest"
echo

echo "== training: the paper's 180-50-15-2 network, RMSprop, 5-fold cross-validation over recordings"
"$build/tools/edgestream-train-gesture" --data "$data"
