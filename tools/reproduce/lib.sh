# Shared by reproduce scripts: `. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`, then
# `reproduce_init NAME "${1:-}"`. Sets root (source root), build (EDGE_BUILD, default build/),
# edge (its edgestream, which must be built), shared (EDGE_SHARED_DATA, default
# ../shared/data), seed (EDGE_SEED, 1), threads (EDGE_THREADS, 2) and out (the argument,
# default out/reproduce/NAME, emptied); points GStreamer at the build's plugins. step TEXT
# prints a step heading.
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
  rm -rf "$out"
  mkdir -p "$out"
}
step() { printf '\n== %s\n' "$*"; }
