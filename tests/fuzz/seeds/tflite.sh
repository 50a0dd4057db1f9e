#!/usr/bin/env bash
# Adds the real TFLite models from ../shared (when present) to the fuzz corpus
# of the tflite target: tools/run.sh calls this with the corpus directory.
set -euo pipefail
corpus=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
models=${EDGE_SHARED_DATA:-$here/../shared/data}/models/tflm
[ -d "$models" ] || exit 0
for model in "$models"/*.tflite; do
  [ -f "$model" ] && cp "$model" "$corpus/"
done
exit 0
