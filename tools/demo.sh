#!/usr/bin/env bash
# The main job on bundled data (run by `tools/run.sh demo` after the build):
# a dataset preprocessing run of the paper's punch/flex recordings.
#   1. a statistics pass over the raw IMU frames (edgenormalize mode=stats);
#   2. the dataset run: gestures windowed to 30 samples, min-max normalized with the paper's
#      sensor ranges (+-4 g, +-2000 deg/s), written as NumPy shards with a manifest.
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

ranges="-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000"
preprocess="edgewindow size-samples=30 hop-samples=30 tail=drop ! edgenormalize mode=minmax ranges=$ranges"

echo "== statistics of the raw recordings ($data)"
gst-launch-1.0 -q edgedatasetsrc location="$data" layout=gesture-csv \
  ! edgenormalize mode=stats stats-file="$out/gesture-stats.json" ! fakesink
cat "$out/gesture-stats.json"
echo

echo "== dataset run: $preprocess"
gst-launch-1.0 -q edgedatasetsrc location="$data" layout=gesture-csv \
  ! $preprocess \
  ! edgedatasetsink location="$out/gesture-dataset" dataset-root="$data" \
      preprocess="$preprocess" statistics="$out/gesture-stats.json" shard-windows=32

manifest=$out/gesture-dataset/manifest.json
echo "== wrote $(ls "$out/gesture-dataset"/*.npy | wc -l) .npy files and $manifest"
# The manifest's counts, as written (windows per class and per fold).
sed -n '/"counts"/,/^  }/p' "$manifest"
