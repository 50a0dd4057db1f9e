#!/usr/bin/env bash
# Issue 11 item 10 as it was found, with real processes over TCP and CURVE: a hub
# (edgezmqsrc with key and authorized-keys) and a fresh edge that replays a recording through
# edgewindow into edgezmqsink policy=block, five runs with the hub first. Before, in 1 of 5
# runs the hub received none of the windows while the sink said sent=N dropped=0 (PUB hands
# messages to nobody before the subscription arrives); now the sink waits for the hub's
# subscription and every window arrives: received = attempted = sent, every run.
# Then the three senders that cannot get in (another hub's key as server-key, no keys, a key
# the hub does not authorize) must each end with an error that says what to check, not
# "sent=17 dropped=0" and exit 0.
set -u
. "$(dirname "$0")/lib.sh"
DATA="${EDGE_SHARED_DATA:-../shared/data}"
IMU="$DATA/imu/paper-mpu6050-punch-flex/punch.csv"
KEYGEN="${EDGE_BUILD_ROOT:-build}/tools/edgestream-keygen"
[ -f "$IMU" ] || { echo "SKIPPED: shared real data not found: $IMU"; exit 77; }
command -v gst-launch-1.0 >/dev/null || { echo "SKIPPED: gst-launch-1.0 not installed"; exit 77; }
gst-inspect-1.0 edgezmqsrc >/dev/null 2>&1 || { echo "SKIPPED: edgezmqsrc is not built"; exit 77; }
[ -x "$KEYGEN" ] || { echo "SKIPPED: $KEYGEN is not built"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIPPED: /usr/bin/python3 not installed"; exit 77; }
TMP=$(mktemp -d)
HUB_PID=
cleanup() {
  [ -n "$HUB_PID" ] && kill -9 "$HUB_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 1
mkdir authorized
"$KEYGEN" hub >/dev/null && "$KEYGEN" other-hub >/dev/null && "$KEYGEN" device >/dev/null &&
  "$KEYGEN" stranger >/dev/null || { echo "FAIL: edgestream-keygen"; exit 1; }
cp device.key authorized/
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HUB="tcp://127.0.0.1:$PORT"

gst-launch-1.0 -q edgezmqsrc address="$HUB" key=hub.key_secret authorized-keys=authorized \
  log=hub.jsonl ! fakesink sync=false >hub.out 2>&1 &
HUB_PID=$!

# edge RUN [sink properties...]: replays the recording; its bus output in edge-RUN.out.
edge() {
  local run=$1
  shift
  timeout 30 gst-launch-1.0 -m edgeimusrc location="$IMU" rate=50 ! edgewindow size-samples=30 \
    hop-samples=15 ! edgezmqsink address="$HUB" sender-id="edge-$run" reconnect-ms=20 "$@" \
    >"edge-$run.out" 2>&1
}
counter() {  # counter FILE NAME: a field of the sink's edgestream-zmq-sink message
  grep "edgestream-zmq-sink" "$1" | sed -n "s/.*[ ,]$2=(guint64)\([0-9]*\).*/\1/p" | head -1
}

for run in 1 2 3 4 5; do
  edge "$run" policy=block key=device.key_secret server-key=hub.key
  check "run $run: the edge ends cleanly" 0 $?
  attempted=$(counter "edge-$run.out" attempted)
  # The final heartbeat says the hub has everything the edge sent before it.
  # (The log's JSON keys are in alphabetical order.)
  for _ in $(seq 100); do grep -q "\"final\":true.*\"sender\":\"edge-$run\"" hub.jsonl && break; sleep 0.05; done
  received=$(grep -c "\"kind\":\"tensors\".*\"sender\":\"edge-$run\"" hub.jsonl)
  check "run $run: windows attempted" 33 "$attempted"
  check "run $run: sent" "$attempted" "$(counter "edge-$run.out" sent)"
  check "run $run: dropped" 0 "$(counter "edge-$run.out" dropped)"
  check "run $run: received by the hub" "$attempted" "$received"
done

# Senders that cannot get in: an error naming what to check, within seconds.
fails() {  # fails NAME EXPECTED-TEXT [sink properties...]
  local name=$1 text=$2
  shift 2
  local start=$SECONDS
  edge "$name" policy=drop "$@"
  local rc=$?
  check "$name: the edge fails" 1 "$([ $rc -ne 0 ] && [ $rc -ne 124 ] && echo 1 || echo 0)"
  check "$name: the error says what to check" 1 "$(grep -q "$text" "edge-$name.out" && echo 1 || echo 0)"
  check "$name: within 10 s" 1 "$([ $((SECONDS - start)) -le 10 ] && echo 1 || echo 0)"
  if [ $rc -eq 0 ] || [ $rc -eq 124 ] || ! grep -q "$text" "edge-$name.out"; then
    echo "--- edge-$name.out:"
    tail -5 "edge-$name.out"
  fi
}
fails wrong-server-key "server-key is probably not the server's public certificate" \
  key=device.key_secret server-key=other-hub.key
# The client sees the mechanism mismatch, or (when the server closes first) only closed
# handshakes: both messages name the missing CURVE keys.
fails no-keys "disagree about CURVE\\|wants CURVE keys this side does not have"
fails stranger "refused this side's CURVE key" key=stranger.key_secret server-key=hub.key
check "the hub never received from them" 0 \
  "$(grep -c '"sender":"edge-\(wrong-server-key\|no-keys\|stranger\)"' hub.jsonl)"

kill "$HUB_PID" 2>/dev/null
wait "$HUB_PID" 2>/dev/null
HUB_PID=
[ $fail -eq 0 ] && echo "ok: 5 of 5 fresh edges delivered every window; 3 of 3 wrong senders failed"
exit $fail
