#!/usr/bin/env bash
# Whole-graph cost of edgestream's preprocessing beside NNStreamer's and NumPy's, on the same
# real clips, one core (taskset -c 0), runs interleaved, medians printed (docs/benchmarks.md,
# "Whole graph: edgestream, NNStreamer, NumPy").
#
#   bench/whole_graph.sh [BUILD_DIR] [US8K_DIR]
#
# Graphs (each clip resampled alone in all three):
#   thesis   22.05 -> 30 kHz, 1 s windows every 0.5 s (tail padded), z-score, 173 x 173
#     edgestream  edgedatasetsrc rate=30000 channels=1 ! edgewindow ! edgenormalize !
#                 edgereshape, one process walking every clip
#     stock       the same with audioconvert ! audioresample (the graph before issue 15)
#     NNStreamer  filesrc ! wavparse ! audioconvert ! audioresample ! tensor_converter !
#                 tensor_aggregator (1 s / 0.5 s) ! tensor_transform (z-score), one process,
#                 reset to READY per clip (tools/peers/nnstreamer.sh builds it; skipped if
#                 absent). It has no padded tail and no 173 x 173 cut (a zero-copy prefix in
#                 edgestream): 6 windows per 4 s clip instead of 7.
#     NumPy       bench/whole_graph_numpy.py thesis (scipy resample_poly per clip)
#   logmel   22.05 -> 16 kHz, 1 s / 0.5 s windows, 49 x 40 log-mel (sound-logmel): edgestream
#            (edgespectrum) and NumPy; NNStreamer has no mel-spectrogram element.
#   44.1k    the thesis graph on 44.1 kHz stereo clips (the DCASE example, 10 s, 100 times):
#            mixed down and resampled 44.1 -> 30 kHz, edgestream, NNStreamer, NumPy.
# Clips: UrbanSound8K fold 1 from ../shared (250 clips of 4.00 s, 1000 s; EDGE_BENCH_FOLDS=1,2
# for both folds); the edgestream thesis graph also runs on the same clips listed 10 times to
# show its memory stays flat.
#
# Reported per graph: CPU seconds (user + system, all threads) of the steady state, i.e.
# after the first buffer reached the sink (GStreamer graphs: bench/whole_graph_run) or of the
# clip loop (NumPy), as x real time; start-up (CPU until then) apart; whole-process CPU; peak
# RSS. Both allocator settings are run for all three graphs: glibc's defaults, and fixed
# thresholds (GLIBC_TUNABLES trim and mmap thresholds at 256 MB: freed memory is kept, never
# returned and re-faulted, which is what makes NumPy's steady state bimodal). Ratios compare
# graphs at the same setting.
#
# Environment: EDGE_BENCH_RUNS (interleaved repetitions, default 3), EDGE_BENCH_FOLDS (default
# 1), EDGE_BENCH_X10=0 to skip the 10x-clips run, EDGE_BENCH_RESULTS=FILE keeps every run's
# line (setting|graph|audio s|steady CPU|start-up CPU|process CPU|wall|peak RSS KB|windows).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
DATA=${2:-${EDGE_SHARED_DATA:-$ROOT/../shared/data}/sound/urbansound8k-folds1-2}
DCASE=$(dirname "$DATA")/dcase-example/acoustic_scene.wav
RUNS=${EDGE_BENCH_RUNS:-3}
FOLDS=${EDGE_BENCH_FOLDS:-1}
[ -d "$DATA/audio" ] || { echo "SKIPPED: $DATA not found"; exit 77; }
RUNNER=$BUILD/bench/whole_graph_run
[ -x "$RUNNER" ] || { echo "SKIPPED: $RUNNER not built (ninja -C $BUILD bench/whole_graph_run)"; exit 77; }
PY=/usr/bin/python3
export GST_PLUGIN_PATH_1_0="$BUILD/plugins"
export GST_REGISTRY_1_0="$BUILD/bench-registry.bin"
NN_PREFIX=$("$ROOT/tools/peers/nnstreamer.sh" --no-build 2>/dev/null) || NN_PREFIX=""
if [ -n "$NN_PREFIX" ]; then
  export GST_PLUGIN_PATH_1_0="$GST_PLUGIN_PATH_1_0:$NN_PREFIX/lib/gstreamer-1.0"
  export NNSTREAMER_CONF=$NN_PREFIX/etc/nnstreamer.ini
fi
gst-inspect-1.0 edgewindow >/dev/null  # the registry, outside the timed runs
[ -z "$NN_PREFIX" ] || gst-inspect-1.0 tensor_converter >/dev/null

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The same clips for every graph: the chosen folds in metadata order (the source's order).
tail -n +2 "$DATA/metadata.csv" | awk -F, -v folds=",$FOLDS," 'index(folds, "," $5 ",") {print $5 " " $1}' |
  while read -r fold file; do echo "$DATA/audio/fold$fold/$file"; done >"$WORK/us8k.list"
CLIPS=$(wc -l <"$WORK/us8k.list")
# Audio seconds from the WAV headers (the real-time factors divide by them).
US8K_SECONDS=$("$PY" -c 'import sys, wave
t = 0.0
for p in sys.stdin.read().split():
    w = wave.open(p); t += w.getnframes() / w.getframerate()
print(f"{t:.2f}")' <"$WORK/us8k.list")
# x10: the clips listed ten times, under other names: one copy of each file inside the
# dataset and symlinks to it (the source refuses links that leave the dataset's root).
mkdir -p "$WORK/x10/audio" "$WORK/x10/store"
{
  head -1 "$DATA/metadata.csv"
  for k in 0 1 2 3 4 5 6 7 8 9; do
    tail -n +2 "$DATA/metadata.csv" | awk -F, -v folds=",$FOLDS," 'index(folds, "," $5 ",")' | sed "s/^/x$k-/"
  done
} >"$WORK/x10/metadata.csv"
for fold in ${FOLDS//,/ }; do
  mkdir -p "$WORK/x10/audio/fold$fold"
  for f in "$DATA/audio/fold$fold"/*.wav; do
    cp "$f" "$WORK/x10/store/"
    for k in 0 1 2 3 4 5 6 7 8 9; do
      ln -s "../../store/$(basename "$f")" "$WORK/x10/audio/fold$fold/x$k-$(basename "$f")"
    done
  done
done
# 44.1 kHz stereo: the DCASE example 100 times as a folder-per-class dataset.
HAVE_44K=0
if [ -f "$DCASE" ]; then
  HAVE_44K=1
  mkdir -p "$WORK/44k/street"
  cp "$DCASE" "$WORK/44k/scene.wav"
  for k in $(seq -w 1 100); do
    ln -s ../scene.wav "$WORK/44k/street/clip-$k.wav"
    echo "$WORK/44k/street/clip-$k.wav"
  done >"$WORK/44k.list"
fi
S44K_SECONDS=1000

THESIS="edgewindow size=1.0 hop=0.5 tail=pad ! edgenormalize mode=zscore mean=-0.0008 std=0.2161 ! edgereshape shape=square ! fakesink name=sink"
LOGMEL="edgewindow size=1.0 hop=0.5 tail=pad ! edgespectrum mode=logmel sample-rate=16000 ! fakesink name=sink"
NN_THESIS="tensor_converter frames-per-tensor=15000 ! tensor_aggregator frames-in=15000 frames-out=30000 frames-flush=15000 frames-dim=1 ! tensor_transform mode=arithmetic option=add:0.0008,div:0.2161 ! fakesink name=sink"
RESAMPLE30="audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=30000,channels=1"

# graph NAME AUDIO_SECONDS KIND ARGS...: one timed run, one result line in $WORK/results.
#   KIND gst: ARGS = PIPELINE [list file]; KIND numpy: ARGS = GRAPH list file
measure() {
  local setting=$1 name=$2 audio=$3 kind=$4
  shift 4
  local out time_out env=()
  [ "$setting" = fixed ] && env=(GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=268435456)
  if [ "$kind" = gst ]; then
    if [ $# -eq 2 ]; then
      out=$( { env "${env[@]}" /usr/bin/time -f "time %e %U %S %M" taskset -c 0 "$RUNNER" "$1" - <"$2"; } 2>&1) || true
    else
      out=$( { env "${env[@]}" /usr/bin/time -f "time %e %U %S %M" taskset -c 0 "$RUNNER" "$1"; } 2>&1) || true
    fi
  else
    out=$( { env "${env[@]}" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/time -f "time %e %U %S %M" \
      taskset -c 0 "$PY" "$ROOT/bench/whole_graph_numpy.py" "$1" - <"$2"; } 2>&1) || true
  fi
  time_out=$(echo "$out" | awk '/^time /{print $2, $3, $4, $5}' | tail -n1)
  read -r wall user sys rss <<<"$time_out"
  local steady startup windows
  if [ "$kind" = gst ]; then
    steady=$(echo "$out" | sed -n 's/.*cpu_steady=\([0-9.]*\).*/\1/p')
    startup=$(echo "$out" | sed -n 's/.*cpu_startup=\([0-9.]*\).*/\1/p')
    windows=$(echo "$out" | sed -n 's/^buffers=\([0-9]*\).*/\1/p')
  else
    steady=$(echo "$out" | awk '/^steady_wall/{print $4}')
    windows=$(echo "$out" | awk '/^windows/{print $2}')
    startup=$(awk -v u="$user" -v s="$sys" -v t="$steady" 'BEGIN {printf "%.3f", u + s - t}')
  fi
  if [ -z "$steady" ] || [ -z "$wall" ]; then
    echo "FAILED: $setting $name"; echo "$out" | tail -n 5
    return 1
  fi
  echo "$setting|$name|$audio|$steady|$startup|$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.3f", u + s}')|$wall|$rss|$windows" >>"$WORK/results"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS interleaved runs; NNStreamer: ${NN_PREFIX:-not built (tools/peers/nnstreamer.sh)}"
for run in $(seq 1 "$RUNS"); do
  for setting in default fixed; do
    measure $setting "thesis edgestream" $US8K_SECONDS gst \
      "edgedatasetsrc location=$DATA layout=urbansound8k folds=$FOLDS rate=30000 channels=1 ! $THESIS"
    measure $setting "thesis stock (audioresample)" $US8K_SECONDS gst \
      "edgedatasetsrc location=$DATA layout=urbansound8k folds=$FOLDS ! $RESAMPLE30 ! $THESIS"
    [ -z "$NN_PREFIX" ] || measure $setting "thesis NNStreamer" $US8K_SECONDS gst \
      "filesrc name=src ! wavparse ! $RESAMPLE30 ! $NN_THESIS" "$WORK/us8k.list"
    measure $setting "thesis NumPy" $US8K_SECONDS numpy thesis "$WORK/us8k.list"
    measure $setting "logmel edgestream" $US8K_SECONDS gst \
      "edgedatasetsrc location=$DATA layout=urbansound8k folds=$FOLDS rate=16000 channels=1 ! $LOGMEL"
    measure $setting "logmel NumPy" $US8K_SECONDS numpy logmel "$WORK/us8k.list"
    if [ $HAVE_44K = 1 ]; then
      measure $setting "44.1k edgestream" $S44K_SECONDS gst \
        "edgedatasetsrc location=$WORK/44k layout=folders rate=30000 channels=1 ! $THESIS"
      [ -z "$NN_PREFIX" ] || measure $setting "44.1k NNStreamer" $S44K_SECONDS gst \
        "filesrc name=src ! wavparse ! $RESAMPLE30 ! $NN_THESIS" "$WORK/44k.list"
      measure $setting "44.1k NumPy" $S44K_SECONDS numpy thesis "$WORK/44k.list"
    fi
  done
  if [ "${EDGE_BENCH_X10:-1}" != 0 ]; then
    measure default "thesis edgestream x10 clips" "$(awk -v s="$US8K_SECONDS" 'BEGIN {print s * 10}')" gst \
      "edgedatasetsrc location=$WORK/x10 layout=urbansound8k folds=$FOLDS rate=30000 channels=1 ! $THESIS"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "${EDGE_BENCH_RESULTS:-}" ] || cp "$WORK/results" "$EDGE_BENCH_RESULTS"

# Medians per (setting, graph), then the ratios at each setting.
"$PY" - "$WORK/results" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    setting, name, audio, steady, startup, total, wall, rss, windows = line.strip().split("|")
    rows[(setting, name)].append((float(audio), float(steady), float(startup), float(total),
                                  float(wall), int(rss), windows))
med = {}
print("| allocator | graph | windows | steady CPU, median (range) | x real time (steady) | start-up CPU | "
      "whole process CPU | x real time (whole) | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|")
for (setting, name), runs in rows.items():
    audio = runs[0][0]
    steady = statistics.median(r[1] for r in runs)
    lo, hi = min(r[1] for r in runs), max(r[1] for r in runs)
    startup = statistics.median(r[2] for r in runs)
    total = statistics.median(r[3] for r in runs)
    rss = max(r[5] for r in runs)
    med[(setting, name)] = steady
    print(f"| {setting} | {name} | {runs[0][6]} | {steady:.3f} s ({lo:.3f}-{hi:.3f}) | {audio / steady:,.0f}x "
          f"({audio / hi:,.0f}-{audio / lo:,.0f}x) | "
          f"{startup:.3f} s | {total:.3f} s | {audio / total:,.0f}x | {rss / 1024:.0f} MB |")
print()
for setting in ("default", "fixed"):
    for path in ("thesis", "logmel", "44.1k"):
        base = med.get((setting, f"{path} edgestream"))
        if not base:
            continue
        for other in ("stock (audioresample)", "NNStreamer", "NumPy"):
            o = med.get((setting, f"{path} {other}"))
            if o:
                print(f"{setting} allocator, {path}: {other} / edgestream = {o / base:.1f}x (steady CPU)")
PY
