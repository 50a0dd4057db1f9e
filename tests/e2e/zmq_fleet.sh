#!/usr/bin/env bash
# A fleet on one machine: three edge graphs replay real recordings in real time (the
# paper's punch and flex gestures through edgeimusrc, the DCASE street scene through
# filesrc) into windowing and publish their windows over ZeroMQ PUB to one hub graph
# (edgezmqsrc bind, one JSON line per message). The hub is killed (SIGKILL) mid-run and
# started again; the edges keep running and reconnect by themselves. A connecting PUB
# keeps its queue across the outage, so what was published while the hub was down is
# delivered when it is back, up to `queue` messages; what sat in the killed hub's
# buffers is lost. At the end the books close per edge (tests/e2e/zmq/fleet_accounting.py):
# attempted = sent + dropped, the hub's final heartbeats agree, and received + the gaps
# (before the first subscription, around the restart) = attempted, with no holes while
# connected.
# The edges publish windows, not model results: no model is trained for these
# recordings in the tree yet (the wire carries results the same way, tested in
# tests/plugins/test_edgezmq.cc).
set -u
DATA="${EDGE_SHARED_DATA:-../shared/data}"
IMU="$DATA/imu/paper-mpu6050-punch-flex"
WAV="$DATA/sound/dcase-example/acoustic_scene.wav"
if [ ! -f "$IMU/punch.csv" ] || [ ! -f "$WAV" ]; then
  echo "SKIPPED: shared real data not found under $DATA (needs ../shared/data or EDGE_SHARED_DATA)"
  exit 77
fi
command -v gst-launch-1.0 >/dev/null || { echo "SKIPPED: gst-launch-1.0 not installed"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIPPED: /usr/bin/python3 not installed"; exit 77; }
if ! gst-inspect-1.0 edgezmqsrc >/dev/null 2>&1; then
  echo "SKIPPED: edgezmqsrc is not built in this tree"
  exit 77
fi
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HUB="tcp://127.0.0.1:$PORT"

start_hub() {  # $1: log file
  gst-launch-1.0 -q edgezmqsrc address="$HUB" log="$1" ! fakesink sync=false \
    >"$1.out" 2>&1 &
  HUB_PID=$!
  PIDS+=($HUB_PID)
}
SINK="edgezmqsink address=$HUB reconnect-ms=50 reconnect-max-ms=200"
RANGES="-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000"

start_hub "$TMP/hub1.jsonl"
sleep 0.5
gst-launch-1.0 -m edgeimusrc location="$IMU/punch.csv" rate=50 realtime=true \
  ! edgewindow size-samples=30 hop-samples=15 ! edgenormalize mode=minmax ranges="$RANGES" \
  ! $SINK sender-id=edge-punch >"$TMP/edge-punch.out" 2>&1 &
PIDS+=($!); E1=$!
gst-launch-1.0 -m edgeimusrc location="$IMU/flex.csv" rate=100 realtime=true \
  ! edgewindow size-samples=30 hop-samples=15 ! edgenormalize mode=minmax ranges="$RANGES" \
  ! $SINK sender-id=edge-flex >"$TMP/edge-flex.out" 2>&1 &
PIDS+=($!); E2=$!
gst-launch-1.0 -m filesrc location="$WAV" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,format=F32LE,rate=16000,channels=1 ! identity sync=true \
  ! edgewindow size=1.0 hop=0.25 ! $SINK sender-id=edge-street >"$TMP/edge-street.out" 2>&1 &
PIDS+=($!); E3=$!

sleep 3
kill -9 $HUB_PID
wait $HUB_PID 2>/dev/null
echo "hub killed after 3 s (received $(grep -c '"seq"' "$TMP/hub1.jsonl") lines)"
sleep 2
start_hub "$TMP/hub2.jsonl"
echo "hub restarted"

fail=0
# The recordings last ~13 s; past 40 s something hangs: end it (cleanup kills the rest).
for _ in $(seq 400); do
  kill -0 $E1 2>/dev/null || kill -0 $E2 2>/dev/null || kill -0 $E3 2>/dev/null || break
  sleep 0.1
done
for e in $E1 $E2 $E3; do
  if kill -0 $e 2>/dev/null; then echo "FAIL: an edge still runs after 40 s"; fail=1; kill -9 $e; fi
  wait $e 2>/dev/null || { echo "FAIL: an edge exited with an error"; fail=1; }
done
# The restarted hub logs each edge's final heartbeat; give the last ones a moment.
for _ in $(seq 50); do
  [ "$(cat "$TMP/hub2.jsonl" 2>/dev/null | grep -c '"final":true')" -ge 3 ] && break
  sleep 0.1
done
kill $HUB_PID 2>/dev/null
wait $HUB_PID 2>/dev/null
[ -f "$TMP/hub2.jsonl" ] || { echo "FAIL: the hub did not restart:"; cat "$TMP/hub2.jsonl.out"; exit 1; }
for f in "$TMP"/edge-*.out; do
  grep -q "ERROR" "$f" && { echo "FAIL: $(basename "$f"):"; grep ERROR -A2 "$f"; fail=1; }
done
/usr/bin/python3 "$HERE/zmq/fleet_accounting.py" "$TMP/hub1.jsonl" "$TMP/hub2.jsonl" \
  "$TMP"/edge-*.out || fail=1
[ $fail -eq 0 ] && echo "ok: fleet of 3 edges survived a hub restart and the counts add up"
exit $fail
