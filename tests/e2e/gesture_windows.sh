#!/usr/bin/env bash
# End to end on the paper's real gesture recordings (MPU6050: aX,aY,aZ in g, gX,gY,gZ in
# deg/s, 30 samples per recorded gesture, blank line between gestures):
#  1. triggered windowing on the continuous stream, as the paper's Arduino sketch triggers
#     (|aX|+|aY|+|aZ| >= 2.5 g, 30 samples): window count and start times must match an
#     independent awk implementation of the rule;
#  2. one clip per recorded gesture, sliding 30/30: 17 punches and 43 flexes, 6:30 each,
#     min-max normalized with the paper's ranges (+-4 g, +-2000 deg/s).
set -u
DATA="${EDGE_SHARED_DATA:-../shared/data}/imu/paper-mpu6050-punch-flex"
if [ ! -f "$DATA/punch.csv" ]; then
  echo "SKIPPED: shared real data not found: $DATA (needs ../shared/data or EDGE_SHARED_DATA)"
  exit 77
fi
command -v gst-launch-1.0 >/dev/null || { echo "SKIPPED: gst-launch-1.0 not installed"; exit 77; }
if ! gst-inspect-1.0 edgeimusrc >/dev/null 2>&1; then
  echo "SKIPPED: edgeimusrc is not built in this tree"
  exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"
RANGES="-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000"
pts_of_windows() { grep "last-message = chain" "$1" | sed -E 's/.*pts: ([0-9:.]+),.*/\1/'; }

for gesture in punch flex; do
  csv="$DATA/$gesture.csv"
  # 1. Triggered on the continuous stream at a nominal 100 Hz.
  gst-launch-1.0 -v edgeimusrc location="$csv" rate=100 \
    ! edgewindow mode=triggered length=30 threshold=2.5 trigger-channels=0,1,2 trigger-measure=sum-abs \
    ! edgenormalize mode=minmax ranges="$RANGES" ! fakesink silent=false >"$TMP/run.log" 2>&1
  check "$gesture triggered: exits cleanly" 0 $?
  expected=$(tr -d '\r' <"$csv" | awk -F, 'NR > 1 && NF == 6 {
      f = n++; if (f < next_free) next;
      s = ($1 < 0 ? -$1 : $1) + ($2 < 0 ? -$2 : $2) + ($3 < 0 ? -$3 : $3);
      if (s >= 2.5) { ns = f * 10000000; next_free = f + 30;
        printf "%d:%02d:%02d.%09d\n", ns / 3600e9, (ns / 60e9) % 60, (ns / 1e9) % 60, ns % 1e9 } }')
  check "$gesture triggered: window start times match the sketch's rule" "$(echo $expected)" \
    "$(pts_of_windows "$TMP/run.log" | xargs)"
  check "$gesture triggered: caps 6:30 at framerate 0/1" 1 \
    "$(grep -c 'edgewindow0.GstPad:src: caps = other/tensors.*dimensions=(string)6:30, framerate=(fraction)0/1' "$TMP/run.log")"

  # 2. One clip per recorded gesture.
  recordings=$(tr -d '\r' <"$csv" | awk 'NR > 1 && NF > 0 && !inrec {r++; inrec = 1} NF == 0 {inrec = 0} END {print r}')
  gst-launch-1.0 -v edgeimusrc location="$csv" rate=100 separators-as-clips=true \
    ! edgewindow size-samples=30 hop-samples=30 ! edgenormalize mode=minmax ranges="$RANGES" \
    ! fakesink silent=false >"$TMP/run.log" 2>&1
  check "$gesture clips: exits cleanly" 0 $?
  check "$gesture clips: one window per recording" "$recordings" \
    "$(grep 'last-message = chain' "$TMP/run.log" | grep -c '(720 bytes.*meta: EdgeClipMeta')"
done
exit $fail
