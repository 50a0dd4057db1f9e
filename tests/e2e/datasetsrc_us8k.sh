#!/usr/bin/env bash
# End to end on real data: UrbanSound8K fold 1 (250 clips, 22050 Hz mono, 4.00 s)
# through gst-launch-1.0:
#   edgedatasetsrc folds=1 ! audioconvert ! audioresample ! 30 kHz mono ! fakesink
# must reach EOS with one clip event per clip and 250 x 120000 frames (within
# the resampler's rounding, 2 frames per clip), and with edgewindow size=1.0
# hop=0.5 after it, 250 x 7 windows (the resampler drains each clip at its
# SEGMENT, so no window spans two clips).
set -u

shared="${EDGE_SHARED_DATA:-../shared/data}"
root="$shared/sound/urbansound8k-folds1-2"
if [ ! -f "$root/metadata.csv" ]; then
  echo "SKIPPED: shared real data not found: $root"
  exit 77
fi
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-${EDGE_BUILD_ROOT:?run through meson test}/plugins}"
tmp=$(mktemp -d /tmp/edge_datasetsrc_e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$tmp/gst.log" ] && { echo "--- gst-launch output (tail)"; tail -n 20 "$tmp/gst.log"; }
  exit 1
}
launch() {  # bounded: a hang fails the test instead of stalling CI
  timeout 120 gst-launch-1.0 "$@" >"$tmp/gst.log" 2>&1
}

src="edgedatasetsrc location=$root layout=urbansound8k folds=1"
convert="audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=30000,channels=1"

launch -v $src ! $convert ! fakesink silent=false || fail "pipeline did not reach EOS"
grep -q "Got EOS from element" "$tmp/gst.log" || fail "no EOS"
clips=$(grep -c "edgestream-clip" "$tmp/gst.log")
[ "$clips" -eq 250 ] || fail "expected 250 clip-boundary events at the sink, got $clips"
frames=$(grep -oE "chain +\*+ \(fakesink0:sink\) \([0-9]+ bytes" "$tmp/gst.log" |
  grep -oE "[0-9]+ bytes" | awk '{s += $1} END {print s / 4}')
expected=$((250 * 120000))
diff=$((frames > expected ? frames - expected : expected - frames))
[ "$diff" -le 500 ] || fail "expected $expected frames at 30 kHz (+-500), got $frames"
echo "ok: 250 clips, $frames frames at 30 kHz (exact would be $expected)"

launch -v $src ! $convert ! edgewindow size=1.0 hop=0.5 ! fakesink silent=false ||
  fail "pipeline with edgewindow did not reach EOS"
windows=$(grep -cE "chain +\*+ \(fakesink0:sink\)" "$tmp/gst.log")
[ "$windows" -eq 1750 ] || fail "expected 250 clips x 7 windows = 1750, got $windows"
echo "ok: 1750 windows of 1 s"
