#!/usr/bin/env bash
# End to end on real UrbanSound8K clips (22.05 kHz mono, 4.00 s): the thesis's sound graph
#   wavparse ! audioconvert ! audioresample (30 kHz F32) ! edgewindow 1 s / 0.5 s
#   ! edgenormalize zscore ! edgereshape square
# must give 7 windows per clip at 0, 0.5, ... 3.0 s, each a 1:173:173 float32 tensor
# (173*173*4 = 119716 bytes). Also: the statistics pass and its file, square-pad, the
# dataset source when it is built, and the error for a shape that does not fit.
set -u
DATA="${EDGE_SHARED_DATA:-../shared/data}/sound/urbansound8k-folds1-2"
if [ ! -d "$DATA/audio" ]; then
  echo "SKIPPED: shared real data not found: $DATA (needs ../shared/data or EDGE_SHARED_DATA)"
  exit 77
fi
command -v gst-launch-1.0 >/dev/null || { echo "SKIPPED: gst-launch-1.0 not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
check() {  # check <description> <expected> <actual>
  if [ "$2" == "$3" ]; then echo "ok: $1 ($3)"; else echo "FAIL: $1: expected '$2', got '$3'"; fail=1; fi
}
RESAMPLE="audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=30000,channels=1"
# Windows reaching fakesink, from its -v chain notifications: "<bytes> <pts>" per line.
windows() { grep "last-message = chain" "$1" | sed -E 's/.*\(([0-9]+) bytes, dts: [^,]*, pts: ([0-9:.]+),.*/\1 \2/'; }
EXPECTED_PTS="0:00:00.000000000 0:00:00.500000000 0:00:01.000000000 0:00:01.500000000 0:00:02.000000000 0:00:02.500000000 0:00:03.000000000"

# 1. One clip per class folder sample: 3 real clips, each through its own pipeline.
for clip in $(ls "$DATA"/audio/fold1/*.wav | head -n 3); do
  gst-launch-1.0 -v filesrc location="$clip" ! wavparse ! $RESAMPLE \
    ! edgewindow size=1.0 hop=0.5 tail=pad ! edgenormalize mode=zscore mean=-0.0008 std=0.2161 \
    ! edgereshape shape=square ! fakesink silent=false >"$TMP/run.log" 2>&1
  check "$(basename "$clip") exits cleanly" 0 $?
  check "$(basename "$clip") window count" 7 "$(windows "$TMP/run.log" | wc -l)"
  check "$(basename "$clip") window bytes" "119716" "$(windows "$TMP/run.log" | cut -d' ' -f1 | sort -u | tr '\n' ' ' | xargs)"
  check "$(basename "$clip") window PTS" "$EXPECTED_PTS" "$(windows "$TMP/run.log" | cut -d' ' -f2 | xargs)"
  check "$(basename "$clip") reshaped caps" 1 \
    "$(grep -c 'fakesink0.GstPad:sink: caps = other/tensors.*dimensions=(string)1:173:173, framerate=(fraction)2/1' "$TMP/run.log")"
done

# 2. Statistics pass before windowing writes a file that the z-score then reads.
clip=$(ls "$DATA"/audio/fold1/*.wav | head -n 1)
gst-launch-1.0 -q filesrc location="$clip" ! wavparse ! $RESAMPLE \
  ! edgenormalize mode=stats stats-file="$TMP/stats.json" ! fakesink >"$TMP/stats.log" 2>&1
check "stats pass exits cleanly" 0 $?
check "stats file format" 1 "$(grep -c '"format": "edgestream-stats"' "$TMP/stats.json")"
count=$(grep -m1 -o '"count": [0-9]*' "$TMP/stats.json" | grep -o '[0-9]*$')
# 4 s at 30 kHz is 120000 samples; audioresample delivers 119999 of them (its drain at EOS
# stops one short), which the window rule pads with one zero in the 3.0 s window.
check "stats count is 4 s at 30 kHz, give or take the resampler's last sample" 1 \
  "$([ "${count:-0}" -ge 119990 ] && [ "${count:-0}" -le 120000 ] && echo 1 || echo 0)"
gst-launch-1.0 -v filesrc location="$clip" ! wavparse ! $RESAMPLE ! edgewindow \
  ! edgenormalize mode=zscore stats-file="$TMP/stats.json" ! edgereshape ! fakesink silent=false \
  >"$TMP/run.log" 2>&1
check "z-score from the stats file: window count" 7 "$(windows "$TMP/run.log" | wc -l)"

# 3. square-pad: 174 x 174 with zeros.
gst-launch-1.0 -v filesrc location="$clip" ! wavparse ! $RESAMPLE ! edgewindow ! edgenormalize \
  ! edgereshape shape=square-pad ! fakesink silent=false >"$TMP/run.log" 2>&1
check "square-pad bytes" "121104" "$(windows "$TMP/run.log" | cut -d' ' -f1 | sort -u | xargs)"

# 4. A shape that does not fit fails with a message naming both shapes. (async=false: after an
# error during preroll gst-launch-1.0 1.22 can wait forever on an async sink.)
timeout 60 gst-launch-1.0 filesrc location="$clip" ! wavparse ! $RESAMPLE ! edgewindow \
  ! edgereshape shape=173:173 ! fakesink async=false >"$TMP/err.log" 2>&1
check "explicit 173:173 on 30000 samples fails" 1 $([ $? -ne 0 ] && echo 1 || echo 0)
check "error names both shapes" 1 \
  "$(grep -q 'shape=173:173 does not fit the input tensor 1:30000' "$TMP/err.log" && echo 1 || echo 0)"

# 5. The dataset source (when built): 25 siren clips of folds 1 and 2, 7 windows each.
if gst-inspect-1.0 edgedatasetsrc >/dev/null 2>&1; then
  gst-launch-1.0 -v edgedatasetsrc location="$DATA" layout=urbansound8k folds=1,2 classes=siren \
    ! $RESAMPLE ! edgewindow size=1.0 hop=0.5 ! edgenormalize mode=zscore mean=-0.0008 std=0.2161 \
    ! edgereshape shape=square ! fakesink silent=false >"$TMP/run.log" 2>&1
  check "edgedatasetsrc siren clips exit cleanly" 0 $?
  clips=$(ls "$DATA"/audio/fold*/*-8-*-*.wav | wc -l)
  check "edgedatasetsrc: 7 windows per clip" $((clips * 7)) "$(windows "$TMP/run.log" | wc -l)"
  check "edgedatasetsrc: window index restarts per clip" "$clips" \
    "$(grep 'last-message = chain' "$TMP/run.log" | grep -c 'offset: 0,')"
else
  echo "note: edgedatasetsrc not built, dataset-source part not run"
fi

exit $fail
