#!/usr/bin/env bash
# The main job (run by `tools/run.sh demo` after the build): `edgestream demo` on the paper's
# punch/flex recordings bundled in datasets/ -- a stratified hold-out of recordings, the
# gesture dataset, training, int8, float-vs-int8 evaluation, the C array, then the held-out
# gestures replayed over a pseudo-terminal as a serial board and classified live, with the
# accuracy over them; then the bundled yes/no clips played in real time through the
# micro-speech keyword spotter (TFLM's models), each clip labelled as it ends. Output goes to out/demo/ (override with EDGE_DEMO_OUT); extra arguments
# go to `edgestream demo` (e.g. --keep, --seed 3).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${EDGE_BUILD:-$root/build}
out=${EDGE_DEMO_OUT:-$root/out/demo}

# The plugin from this build, in a registry of its own.
export GST_PLUGIN_PATH_1_0=$build/plugins
export GST_REGISTRY_1_0=$build/demo-registry.bin
exec "$build/tools/edgestream" demo --out "$out" "$@"
