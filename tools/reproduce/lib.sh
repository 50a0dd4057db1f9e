# Shared by reproduce scripts: `. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`, then
# `reproduce_init NAME "${1:-}" [resume]`. Sets root (source root), build (EDGE_BUILD, default
# build/), edge (its edgestream, which must be built), shared (EDGE_SHARED_DATA, default
# ../shared/data), seed (EDGE_SEED, 1), threads (EDGE_THREADS, 2) and out (the argument,
# default out/reproduce/NAME, emptied unless `resume` is given, for a script that skips what an
# earlier call finished); points GStreamer at the build's plugins. step TEXT prints a step
# heading. require_urbansound8k_folds_1_2 sets data to UrbanSound8K folds 1 and 2 under shared,
# or skips the script (exit 77) when they are absent.
reproduce_init() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  build=${EDGE_BUILD:-$root/build}
  edge=$build/tools/edgestream
  shared=${EDGE_SHARED_DATA:-$root/../shared/data}
  seed=${EDGE_SEED:-1}
  threads=${EDGE_THREADS:-2}
  out=${2:-$root/out/reproduce/$1}
  [ -x "$edge" ] || { echo "edgestream not built: $edge (run tools/run.sh build)"; exit 1; }
  export GST_PLUGIN_PATH_1_0=$build/plugins
  export GST_REGISTRY_1_0=$build/reproduce-registry.bin
  [ "${3:-}" = resume ] || rm -rf "$out"
  mkdir -p "$out"
}
step() { printf '\n== %s\n' "$*"; }
require_urbansound8k_folds_1_2() {
  data=$shared/sound/urbansound8k-folds1-2
  [ -f "$data/metadata/UrbanSound8K.csv" ] || [ -f "$data/metadata.csv" ] ||
    { echo "SKIPPED: UrbanSound8K folds 1-2 not found: $data"; exit 77; }
}
