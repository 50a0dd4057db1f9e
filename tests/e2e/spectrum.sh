#!/usr/bin/env bash
# End to end: real Speech Commands and DCASE clips through gst-launch-1.0.
#  1. filesrc ! wavparse ! audioconvert ! edgewindow size=1.0 hop=1.0 ! edgespectrum
#     mode=logmel ! filesink: one 49 x 40 log-mel tensor (micro_speech's input), equal to
#     the numpy golden tests/data/spectrum/real_logmel_kws.f32 of the same clip.
#  2. The same clip as audio/x-raw straight into edgespectrum (patch-frames=49): the same
#     tensor, framed by edgespectrum itself.
#  3. A 10 s stereo 44.1 kHz DCASE scene, mixdown=true, MFCC patches: count and size.
#  4. A wrong property combination fails with a message naming the property.
set -u

shared="${EDGE_SHARED_DATA:-../shared/data}"
clip="$shared/speech/speech-commands-sample/yes/51055bda_nohash_4.wav"
scene=$(ls "$shared"/sound/dcase-example/*.wav 2>/dev/null | head -n 1)
if [ ! -f "$clip" ]; then
  echo "SKIPPED: shared real data not found: $clip"
  exit 77
fi
source_root="${EDGE_SOURCE_ROOT:-.}"
golden="$source_root/tests/data/spectrum/real_logmel_kws.f32"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-${EDGE_BUILD_ROOT:?run through meson test}/plugins}"

tmp=$(mktemp -d /tmp/edge_spectrum_e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$tmp/gst.log" ] && { echo "--- gst-launch output"; cat "$tmp/gst.log"; }
  exit 1
}
launch() {  # bounded: a hang fails the test instead of stalling CI
  timeout 60 gst-launch-1.0 -q "$@" >"$tmp/gst.log" 2>&1
}

# Compares two float32 files: same size, max |a - b| <= tolerance (dB).
compare() {
  local got=$1 want=$2 tolerance=$3
  if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    cmp -s <(stat -c %s "$got") <(stat -c %s "$want") || fail "$got: size differs from $want"
    echo "note: numpy not available, compared sizes only"
    return
  fi
  /usr/bin/python3 - "$got" "$want" "$tolerance" <<'PY' || fail "$1 differs from $2"
import sys
import numpy as np
got = np.fromfile(sys.argv[1], dtype="<f4")
want = np.fromfile(sys.argv[2], dtype="<f4")
if got.shape != want.shape:
    sys.exit(f"{sys.argv[1]}: {got.size} values, golden has {want.size}")
err = float(np.max(np.abs(got - want)))
print(f"{sys.argv[1]}: {got.size} values, max |error| {err:.3g} dB vs numpy golden")
sys.exit(0 if err <= float(sys.argv[3]) else f"max error {err} > {sys.argv[3]}")
PY
}

# 1. Windows from edgewindow.
launch filesrc location="$clip" ! wavparse ! audioconvert ! audio/x-raw,format=F32LE,channels=1 \
  ! edgewindow size=1.0 hop=1.0 ! edgespectrum mode=logmel \
  ! "other/tensors,dimensions=(string)40:49" ! filesink location="$tmp/window.f32" \
  || fail "edgewindow ! edgespectrum pipeline failed"
[ "$(stat -c %s "$tmp/window.f32")" -eq $((49 * 40 * 4)) ] \
  || fail "expected one 49 x 40 float32 tensor, got $(stat -c %s "$tmp/window.f32") bytes"
compare "$tmp/window.f32" "$golden" 2e-3

# 2. Audio framed by edgespectrum itself.
launch filesrc location="$clip" ! wavparse ! audioconvert ! audio/x-raw,format=F32LE,channels=1 \
  ! edgespectrum mode=logmel patch-frames=49 \
  ! "other/tensors,dimensions=(string)40:49,framerate=(fraction)50/49" \
  ! filesink location="$tmp/stream.f32" || fail "audio ! edgespectrum pipeline failed"
compare "$tmp/stream.f32" "$golden" 2e-3

# 3. Stereo 44.1 kHz scene, mixed down, 13 MFCC x 98 frames per patch, back to back.
if [ -n "$scene" ]; then
  launch filesrc location="$scene" ! wavparse ! audioconvert ! audio/x-raw,format=F32LE \
    ! edgespectrum mode=mfcc mixdown=true frame-size=0.025 hop-size=0.01 patch-frames=98 \
    ! "other/tensors,dimensions=(string)13:98" ! filesink location="$tmp/scene.f32" \
    || fail "stereo MFCC pipeline failed"
  # 10 s at 44100 Hz: frames of 1102 samples every 441: 1 + (441000 - 1102) / 441 = 998
  # frames, 10 whole patches of 98.
  bytes=$(stat -c %s "$tmp/scene.f32")
  [ "$bytes" -eq $((10 * 98 * 13 * 4)) ] || fail "expected 10 MFCC patches, got $bytes bytes"
  echo "scene: $((bytes / (98 * 13 * 4))) MFCC patches of 98 x 13"
else
  echo "note: DCASE example clip not found, stereo case not run"
fi

# 4. n-fft below the frame: refused with a message naming n-fft.
if launch filesrc location="$clip" ! wavparse ! audioconvert \
  ! audio/x-raw,format=F32LE,channels=1 ! edgespectrum n-fft=256 ! fakesink; then
  fail "n-fft=256 with 480-sample frames was accepted"
fi
grep -q "n-fft must be even, >= frame-size (480)" "$tmp/gst.log" \
  || fail "the error does not name n-fft"
echo "PASS: spectrum end to end"
