#!/usr/bin/env bash
# A server that hangs instead of dying (SIGSTOP: its TCP connections stay open, nothing
# answers) is noticed by ZMTP heartbeats: the edge's DEALER pings every second and drops
# a connection silent for 3 s. Until then each window waits the whole timeout; after it,
# windows fall back at once ("no-server") instead of waiting; after SIGCONT the edge
# reconnects and the server answers again. Same graphs as e2e-remote-fallback: the DCASE
# street scene, 50 one-sample windows per second, hello_world int8 (edge) and float (server).
set -u
DATA="${EDGE_SHARED_DATA:-../shared/data}"
WAV="$DATA/sound/dcase-example/acoustic_scene.wav"
MODELS="$DATA/models/tflm"
if [ ! -f "$WAV" ] || [ ! -f "$MODELS/hello_world_float.tflite" ]; then
  echo "SKIPPED: shared real data not found under $DATA (needs ../shared/data or EDGE_SHARED_DATA)"
  exit 77
fi
command -v gst-launch-1.0 >/dev/null || { echo "SKIPPED: gst-launch-1.0 not installed"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIPPED: /usr/bin/python3 not installed"; exit 77; }
if ! gst-inspect-1.0 edgezmqsrc 2>/dev/null | grep -q router; then
  echo "SKIPPED: edgezmqsrc with mode=router is not built in this tree"
  exit 77
fi
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADDRESS="tcp://127.0.0.1:$PORT"
TIMEOUT_MS=100

gst-launch-1.0 -q edgezmqsrc mode=router address="$ADDRESS" \
  ! edgeinfer model="$MODELS/hello_world_float.tflite" output-type=float32 \
  ! edgezmqsink mode=router >"$TMP/server.out" 2>&1 &
SERVER=$!
PIDS+=($SERVER)
sleep 0.5
gst-launch-1.0 filesrc location="$WAV" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,format=F32LE,rate=50,channels=1 ! identity sync=true \
  ! edgewindow size-samples=1 hop-samples=1 \
  ! edgeinfer model="$MODELS/hello_world_int8.tflite" output-type=float32 \
      remote="$ADDRESS" remote-timeout-ms=$TIMEOUT_MS remote-log="$TMP/edge.jsonl" \
  ! fakesink >"$TMP/edge.out" 2>&1 &
EDGE=$!
PIDS+=($EDGE)

sleep 2
kill -STOP $SERVER
echo "server stopped (SIGSTOP) after 2 s"
sleep 5
kill -CONT $SERVER
echo "server continued after 5 s"

for _ in $(seq 600); do
  kill -0 $EDGE 2>/dev/null || break
  sleep 0.1
done
if kill -0 $EDGE 2>/dev/null; then
  echo "FAIL: the edge graph did not finish within 60 s"
  exit 1
fi
wait $EDGE || { echo "FAIL: the edge graph failed"; cat "$TMP/edge.out"; exit 1; }

/usr/bin/python3 - "$TMP/edge.jsonl" $TIMEOUT_MS <<'PY'
import json, sys
timeout_ms = float(sys.argv[2])
windows = [r for r in map(json.loads, open(sys.argv[1])) if "model" in r]
first_timeout = next((i for i, w in enumerate(windows) if w.get("why") == "timeout"), None)
fail = []
if first_timeout is None:
    fail.append("no window timed out while the server was stopped")
else:
    after = windows[first_timeout:]
    first_no_server = next((i for i, w in enumerate(after) if w.get("why") == "no-server"), None)
    if first_no_server is None:
        fail.append("the hung server was never noticed (no 'no-server' fallback)")
    else:
        waited = sum(w["wait_ms"] for w in after[:first_no_server])
        print(f"{first_no_server} windows timed out ({waited:.0f} ms of waiting) before the "
              f"heartbeat dropped the hung server's connection")
        # 3 s heartbeat timeout after the last traffic, plus one PING interval.
        if waited > 4000 + timeout_ms:
            fail.append(f"noticing the hung server took {waited:.0f} ms of waits (> 4.1 s)")
        if not any(w["model"] == "remote" for w in after[first_no_server:]):
            fail.append("the server never answered again after SIGCONT")
remote = sum(w["model"] == "remote" for w in windows)
print(f"windows {len(windows)}: remote {remote}, local {len(windows) - remote}")
for f in fail:
    print("FAIL:", f)
sys.exit(1 if fail else 0)
PY
