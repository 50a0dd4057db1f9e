#!/usr/bin/env bash
# End to end: TensorFlow Lite Micro's micro_speech pair (pipelines/micro-speech/models) in
# GStreamer graphs, labelling the clips of ../shared/data/speech/micro-speech-testdata as
# TFLM's micro_speech_test does (yes, no, silence, and silence for noise):
#  1. gst-launch-1.0 per clip: int16 audio cut into 480-sample frames every 320
#     (edgewindow), the front end per frame (edgeinfer audio_preprocessor_int8: TFLM's signal
#     operators), the 49 frames in one window (edgewindow over the int8 feature stream),
#     the classifier (edgeinfer micro_speech_quantized), edgelabelsink;
#  2. the four clips as one stream (edgedatasetsrc): edgeinfer resets the front end's noise
#     estimate at each clip boundary, so each clip is labelled as when alone;
#  3. `edgestream launch micro-speech clips` over the bundled datasets/speech-yes-no;
#  4. `edgestream classify MODEL --app micro-speech --source file:...`, and the errors for a
#     model without metadata and without --app.
set -u
build="${EDGE_BUILD_ROOT:?EDGE_BUILD_ROOT not set (run through meson test)}"
root="${EDGE_SOURCE_ROOT:?}"
cli="$build/tools/edgestream"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-$build/plugins}"
data="${EDGE_SHARED_DATA:-$root/../shared/data}/speech/micro-speech-testdata"
if [ ! -f "$data/yes_1000ms.wav" ]; then
  echo "SKIPPED: shared real data not found: $data"
  exit 77
fi
app="$root/pipelines/micro-speech"
tmp=$(mktemp -d /tmp/edge_micro_speech.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# Labels of a JSON-lines file, one per line ("-" for a window below the threshold).
labels_of() {
  /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r.get("label") or "-", r.get("truth", ""))' "$1"
}

frames="audioconvert dithering=none noise-shaping=none ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! edgewindow size-samples=480 hop-samples=320 tail=drop"
front="edgeinfer model=$app/models/audio_preprocessor_int8.tflite"
classify="edgeinfer model=$app/models/micro_speech_quantized.tflite labels=$app/labels.txt top-k=4 ! edgelabelsink"

# 1. One clip per graph.
for clip in yes:yes no:no silence:silence noise:silence; do
  name=${clip%%:*}
  expected=${clip#*:}
  # shellcheck disable=SC2086  # the segments are gst-launch words
  if ! timeout 60 gst-launch-1.0 -q filesrc location="$data/${name}_1000ms.wav" ! wavparse ! \
    $frames ! $front ! edgewindow size-samples=49 hop-samples=49 tail=drop ! \
    $classify location="$tmp/$name.jsonl" >"$tmp/$name.log" 2>&1; then
    cat "$tmp/$name.log"
    echo "FAIL: gst-launch-1.0 on ${name}_1000ms.wav"
    exit 1
  fi
  check "${name}_1000ms.wav is labelled $expected" "$expected" "$(labels_of "$tmp/$name.jsonl" | cut -d' ' -f1)"
done

# 2. The four clips as one stream, clip boundaries between them.
mkdir -p "$tmp/clips"/{yes,no,silence,noise}
for w in yes no silence noise; do cp "$data/${w}_1000ms.wav" "$tmp/clips/$w/"; done
# shellcheck disable=SC2086
timeout 60 gst-launch-1.0 -q edgedatasetsrc location="$tmp/clips" layout=folders ! $frames ! \
  $front ! edgewindow size-samples=49 hop-samples=49 tail=drop ! \
  $classify location="$tmp/stream.jsonl" >"$tmp/stream.log" 2>&1 || {
  cat "$tmp/stream.log"
  echo "FAIL: the four clips as one stream"
  exit 1
}
check "one stream: one window per clip" 4 "$(wc -l <"$tmp/stream.jsonl")"
check "one stream: labels as each clip alone" "no no|noise silence|silence silence|yes yes" \
  "$(labels_of "$tmp/stream.jsonl" | awk '{print $2, $1}' | sort | paste -sd'|')"

# 3. The application's clips mode on the bundled clips.
if timeout 120 "$cli" launch micro-speech clips --run >"$tmp/launch.log" 2>&1; then
  grep '^{' "$tmp/launch.log" >"$tmp/bundled.jsonl"
  check "bundled clips: one label each" 6 "$(wc -l <"$tmp/bundled.jsonl")"
  check "bundled: TFLM's yes clip" "yes" \
    "$(grep -F tflm_yes "$tmp/bundled.jsonl" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["label"])')"
  check "bundled: TFLM's no clip" "no" \
    "$(grep -F tflm_no "$tmp/bundled.jsonl" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["label"])')"
  echo "bundled clips: $(labels_of "$tmp/bundled.jsonl" | awk '$1 == $2' | wc -l) of 6 labelled with their word"
else
  cat "$tmp/launch.log"
  echo "FAIL: edgestream launch micro-speech clips --run"
  fail=1
fi

# 4. edgestream classify with the application given.
model="$app/models/micro_speech_quantized.tflite"
timeout 60 "$cli" classify "$model" --app micro-speech --source "file:$data/yes_1000ms.wav" \
  --output "$tmp/classify.jsonl" >"$tmp/classify.log" 2>&1
check "classify --app micro-speech exits 0" 0 $?
check "classify labels yes_1000ms.wav yes" "yes" "$(labels_of "$tmp/classify.jsonl" | cut -d' ' -f1)"
"$cli" classify "$model" --app micro-speech --source mic --print >"$tmp/mic.txt" 2>&1
check "the live graph reads the microphone" 1 "$(grep -c '^gst-launch-1.0 edgemicsrc ! audioconvert' "$tmp/mic.txt")"
check "the live graph classifies every 10 frames" 1 "$(grep -c 'size-samples=49 hop-samples=10' "$tmp/mic.txt")"
"$cli" classify "$model" --source "file:$data/yes_1000ms.wav" >"$tmp/nometa.log" 2>&1
check "a model without metadata and no --app is refused" 1 $?
check "the refusal says what to give" 1 "$(grep -c 'carries no edgestream preprocess segment and labels metadata' "$tmp/nometa.log")"

exit $fail
