#!/usr/bin/env bash
# End to end on the project's own data (no ../shared needed):
#  1. the bundled paper gestures (60 recordings of 30 rows x 6 channels) as IMU
#     frames into edgewindow size-samples=30: exactly 60 windows;
#  2. every fixture layout (esc50, urbansound8k, dcase, folders, gesture-fixed)
#     runs to EOS with layout=auto through audioconvert/audioresample;
#  3. bad input fails with a message naming the thing: a missing root, a
#     metadata entry climbing out with '..', a missing clip (and the skip policy).
set -u

source_root="${EDGE_SOURCE_ROOT:-.}"
fixtures="$source_root/tests/data/datasets"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-${EDGE_BUILD_ROOT:?run through meson test}/plugins}"
tmp=$(mktemp -d /tmp/edge_datasetsrc_layouts.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$tmp/gst.log" ] && { echo "--- gst-launch output (tail)"; tail -n 20 "$tmp/gst.log"; }
  exit 1
}
launch() {  # bounded: a hang fails the test instead of stalling CI
  timeout 60 gst-launch-1.0 "$@" >"$tmp/gst.log" 2>&1
}
# Error cases: fakesink async=false. gst-launch-1.0 (1.22) sometimes never exits
# after a streaming error during preroll (stock `filesrc ! wavparse` on a broken
# WAV does the same); without async preroll it always does.
launch_fail() {
  timeout 60 gst-launch-1.0 "$@" >"$tmp/gst.log" 2>&1
  local rc=$?
  [ "$rc" -eq 124 ] && fail "gst-launch-1.0 $* hung"
  [ "$rc" -ne 0 ] || fail "gst-launch-1.0 $* succeeded, expected an error"
}

launch -v edgedatasetsrc location="$source_root/datasets/gesture-punch-flex" layout=gesture-csv \
  ! edgewindow size-samples=30 hop-samples=30 ! fakesink silent=false || fail "gesture pipeline"
windows=$(grep -cE "chain +\*+ \(fakesink0:sink\)" "$tmp/gst.log")
[ "$windows" -eq 60 ] || fail "expected 60 gesture windows (17 punch + 43 flex), got $windows"
echo "ok: 60 gesture windows"

for layout in esc50 urbansound8k dcase folders; do
  launch edgedatasetsrc location="$fixtures/$layout" ! audioconvert ! audioresample \
    ! audio/x-raw,rate=16000,channels=1 ! fakesink || fail "$layout fixture did not reach EOS"
done
launch edgedatasetsrc location="$fixtures/gesture-fixed" gesture-rows=3 ! fakesink ||
  fail "gesture-fixed fixture did not reach EOS"
echo "ok: every fixture layout reaches EOS"

launch_fail edgedatasetsrc location="$tmp/nope" ! fakesink async=false
grep -q "$tmp/nope" "$tmp/gst.log" || fail "the error must name the missing root"

mkdir -p "$tmp/escape/meta" "$tmp/escape/audio"
printf 'filename,fold,target,category,esc10,src_file,take\n../../../etc/passwd,1,0,dog,True,1,A\n' \
  >"$tmp/escape/meta/esc50.csv"
launch_fail edgedatasetsrc location="$tmp/escape" ! fakesink async=false
grep -q "meta/esc50.csv line 2: 'audio/../../../etc/passwd' contains '..'" "$tmp/gst.log" ||
  fail "the error must name the entry and its line"

mkdir -p "$tmp/missing/audio" "$tmp/missing/meta"
cp "$fixtures/esc50/audio/1-100032-A-0.wav" "$tmp/missing/audio/here.wav"
printf 'filename,fold,target,category,esc10,src_file,take\ngone.wav,1,0,dog,True,1,A\nhere.wav,1,0,dog,True,2,A\n' \
  >"$tmp/missing/meta/esc50.csv"
launch_fail edgedatasetsrc location="$tmp/missing" ! fakesink async=false
grep -q "audio/gone.wav is missing" "$tmp/gst.log" || fail "the error must name the missing clip"
launch edgedatasetsrc location="$tmp/missing" on-missing=skip ! fakesink ||
  fail "on-missing=skip must reach EOS"
grep -q "WARNING.*Skipping audio/gone.wav" "$tmp/gst.log" || fail "skip must warn naming the clip"
echo "ok: errors name the root, the escaping entry and the missing clip"
