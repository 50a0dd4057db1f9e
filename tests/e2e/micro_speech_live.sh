#!/usr/bin/env bash
# End to end, live: `edgestream classify MODEL --app micro-speech --source mic` (the
# application's realtime graph: edgemicsrc, TFLM's front end per 20 ms, 49 frames every 200 ms,
# the int8 keyword spotter) listening to a real sound server: a private PulseAudio whose default
# source is the monitor of a null sink, into which TFLM's yes_1000ms.wav then no_1000ms.wav are
# played (paplay, in real time). The labels heard, in order, must be yes then no, with silence
# before, between and after.
set -u
build="${EDGE_BUILD_ROOT:?EDGE_BUILD_ROOT not set (run through meson test)}"
root="${EDGE_SOURCE_ROOT:?}"
cli="$build/tools/edgestream"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-$build/plugins}"
data="${EDGE_SHARED_DATA:-$root/../shared/data}/speech/micro-speech-testdata"
[ -f "$data/yes_1000ms.wav" ] || { echo "SKIPPED: shared real data not found: $data"; exit 77; }
for tool in pulseaudio pactl paplay; do
  command -v $tool >/dev/null || { echo "SKIPPED: $tool not installed (pulseaudio, pulseaudio-utils)"; exit 77; }
done
gst-inspect-1.0 pulsesrc >/dev/null 2>&1 || { echo "SKIPPED: GStreamer's pulsesrc not installed (gstreamer1.0-pulseaudio)"; exit 77; }
tmp=$(mktemp -d /tmp/edge_micro_live.XXXXXX)
pa_pid=""
cl_pid=""
cleanup() {
  [ -n "$cl_pid" ] && kill -9 "$cl_pid" 2>/dev/null
  [ -n "$pa_pid" ] && kill "$pa_pid" 2>/dev/null && wait "$pa_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

# A sound server of our own: no D-Bus, no user session, a socket in $tmp.
mkdir -p "$tmp/xdg"
export HOME=$tmp XDG_RUNTIME_DIR=$tmp/xdg PULSE_SERVER=unix:$tmp/native
pulseaudio -n --daemonize=no --exit-idle-time=-1 --disable-shm=yes --use-pid-file=no \
  -L "module-native-protocol-unix socket=$tmp/native auth-anonymous=1" \
  -L "module-null-sink sink_name=edge_null rate=16000 channels=1 format=s16le" >"$tmp/pulse.log" 2>&1 &
pa_pid=$!
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
if ! pactl set-default-source edge_null.monitor; then
  cat "$tmp/pulse.log"
  echo "FAIL: the private PulseAudio did not start"
  exit 1
fi

model="$root/pipelines/micro-speech/models/micro_speech_quantized.tflite"
"$cli" classify "$model" --app micro-speech --source mic --output "$tmp/live.jsonl" >"$tmp/classify.log" 2>&1 &
cl_pid=$!
# Listening once the first window (1 s of the monitor's silence) is labelled.
for _ in $(seq 100); do [ -s "$tmp/live.jsonl" ] && break; sleep 0.1; done
check "classify labels the microphone's silence within 10 s" 1 "$([ -s "$tmp/live.jsonl" ] && echo 1 || echo 0)"
sleep 1
paplay -d edge_null "$data/yes_1000ms.wav"
sleep 1.5
paplay -d edge_null "$data/no_1000ms.wav"
sleep 1.5
kill -TERM "$cl_pid" 2>/dev/null
wait "$cl_pid" 2>/dev/null
cl_pid=""
cat "$tmp/classify.log"

# The words heard: runs of equal labels, runs shorter than three windows dropped (as TFLM's
# RecognizeCommands wants several results before it reports a command: the onset of a word can
# give one or two windows of another label, depending on where the hops fall on it; seen once
# under load, "no no" before a 5-window "yes"), then adjacent equal runs as one. The pauses
# between the clips are long enough for three windows of silence.
heard=$(/usr/bin/python3 -c '
import json, sys
runs = []
for line in open(sys.argv[1]):
    label = json.loads(line).get("label") or "-"
    if label in ("unknown", "-"): continue
    if not runs or runs[-1][0] != label: runs.append([label, 0])
    runs[-1][1] += 1
words = []
for label, n in runs:
    if n >= 3 and (not words or words[-1] != label): words.append(label)
print(" ".join(words))' "$tmp/live.jsonl")
echo "labels: $(/usr/bin/python3 -c '
import json, sys
print(" ".join(json.loads(l).get("label") or "-" for l in open(sys.argv[1])))' "$tmp/live.jsonl")"
check "heard live, in order (runs of at least three windows)" "silence yes silence no silence" "$heard"
exit $fail
