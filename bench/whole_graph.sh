#!/usr/bin/env bash
# Whole-graph throughput on the real UrbanSound8K clips on disk (folds 1 and 2, 500 clips of
# 4.00 s at 22.05 kHz = 2000 s of audio), on ONE core (taskset -c 0):
#   edgedatasetsrc ! audioconvert ! audioresample (22.05 -> 30 kHz F32) ! edgewindow 1 s/0.5 s
#   ! edgenormalize zscore ! edgereshape square ! fakesink
# One gst-launch-1.0 process for all clips, so process start-up is paid once (and included).
# Without edgedatasetsrc it falls back to one gst-launch per file with filesrc ! wavparse,
# which DOES include 500 process start-ups (said in the output).
# Then the same steps in NumPy/SciPy (bench/whole_graph_numpy.py) on the same clips.
#
# usage: bench/whole_graph.sh [build-dir] [data-dir]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
DATA=${2:-${EDGE_SHARED_DATA:-$ROOT/../shared/data}/sound/urbansound8k-folds1-2}
[ -d "$DATA/audio" ] || { echo "SKIPPED: $DATA not found"; exit 77; }
export GST_PLUGIN_PATH_1_0="$BUILD/plugins"
export GST_REGISTRY_1_0="$BUILD/bench-registry.bin"
CLIPS=$(ls "$DATA"/audio/fold1/*.wav "$DATA"/audio/fold2/*.wav | wc -l)
AUDIO_SECONDS=$(( CLIPS * 4 ))
GRAPH="audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=30000,channels=1 \
  ! edgewindow size=1.0 hop=0.5 tail=pad ! edgenormalize mode=zscore mean=-0.0008 std=0.2161 \
  ! edgereshape shape=square ! fakesink"
gst-inspect-1.0 edgewindow >/dev/null  # build the registry outside the timed run
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

TIMEFMT="%e %U %S"
if gst-inspect-1.0 edgedatasetsrc >/dev/null 2>&1; then
  echo "graph: edgedatasetsrc folds=1,2 ($CLIPS clips, ${AUDIO_SECONDS} s of audio), one process"
  t=$( { /usr/bin/time -f "$TIMEFMT" taskset -c 0 gst-launch-1.0 -q \
        edgedatasetsrc location="$DATA" layout=urbansound8k folds=1,2 ! $GRAPH >/dev/null; } 2>&1 | tail -n1)
else
  echo "graph: edgedatasetsrc not built: one gst-launch per file ($CLIPS process start-ups included)"
  t=$( { /usr/bin/time -f "$TIMEFMT" taskset -c 0 bash -c '
        for f in "$1"/audio/fold1/*.wav "$1"/audio/fold2/*.wav; do
          gst-launch-1.0 -q filesrc location="$f" ! wavparse ! '"$GRAPH"' >/dev/null || exit 1
        done' _ "$DATA"; } 2>&1 | tail -n1)
fi
read -r wall user sys <<<"$t"
gst_wall_x=$(awk -v a="$AUDIO_SECONDS" -v w="$wall" 'BEGIN {printf "%.0f", a / w}')
gst_cpu_x=$(awk -v a="$AUDIO_SECONDS" -v u="$user" -v s="$sys" 'BEGIN {printf "%.0f", a / (u + s)}')
echo "gstreamer: wall ${wall} s, cpu ${user} s user + ${sys} s sys -> ${gst_wall_x}x real time (wall), ${gst_cpu_x}x (cpu)"

echo "numpy/scipy: same clips, same steps (bench/whole_graph_numpy.py), one core"
py=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 /usr/bin/python3 "$ROOT/bench/whole_graph_numpy.py" "$DATA")
echo "$py"
np_wall=$(echo "$py" | awk '/^wall/ {print $2}')
np_cpu=$(echo "$py" | awk '/^wall/ {print $4}')
awk -v gw="$wall" -v gc="$user" -v gs="$sys" -v nw="$np_wall" -v nc="$np_cpu" \
  'BEGIN {printf "ratio numpy/gstreamer: %.1fx (wall), %.1fx (cpu)\n", nw / gw, nc / (gc + gs)}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
