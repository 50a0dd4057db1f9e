#!/usr/bin/env bash
# End to end through gst-launch-1.0 on the real TFLite Micro models in
# ../shared/data/models/tflm:
#  1. person_detect on person.bmp then no_person.bmp (rows flipped to top-down,
#     raw bytes as TFLite Micro feeds them): "person" then "notperson" wins;
#  2. hello_world_int8 fed float32 x (quantized by edgeinfer): sin(0) ~ 0 and
#     sin(pi/2) ~ 1 within 0.1;
#  3. micro_speech_quantized (int8 [1, 1960] -> int8 [1, 4]) and
#     keyword_scrambled (int16 [1, 96] -> int32 [1, 2], SVDF) load and run with
#     the expected output caps;
#  4. a stream whose tensor does not fit fails with both shapes in the message.
set -u

if [ -z "${EDGE_SHARED_DATA:-}" ] || [ ! -f "$EDGE_SHARED_DATA/models/tflm/person_detect.tflite" ]; then
  echo "SKIPPED: real models not found in ${EDGE_SHARED_DATA:-../shared/data}/models/tflm"
  exit 77
fi
models="$EDGE_SHARED_DATA/models/tflm"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-${EDGE_BUILD_ROOT:?run through meson test}/plugins}"
tmp=$(mktemp -d /tmp/edge_infer_e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$tmp/gst.log" ] && { echo "--- gst-launch output (tail)"; tail -n 20 "$tmp/gst.log"; }
  exit 1
}
launch() {  # bounded: a hang fails the test instead of stalling CI
  timeout 60 gst-launch-1.0 "$@" >"$tmp/gst.log" 2>&1
}

# 96x96 8-bit BMP: the last 9216 bytes are the pixels, rows bottom-up.
top_down() {
  tail -c 9216 "$1" >"$tmp/pixels"
  for row in $(seq 95 -1 0); do
    dd if="$tmp/pixels" bs=96 skip="$row" count=1 status=none
  done
}
top_down "$models/person.bmp" >"$tmp/images.raw"
top_down "$models/no_person.bmp" >>"$tmp/images.raw"
printf 'notperson\nperson\n' >"$tmp/labels.txt"

# 1. person_detect
launch filesrc location="$tmp/images.raw" blocksize=9216 \
  ! "other/tensors,format=static,num_tensors=1,types=int8,dimensions=(string)1:96:96:1,framerate=0/1" \
  ! edgeinfer model="$models/person_detect.tflite" labels="$tmp/labels.txt" top-k=2 \
  ! edgelabelsink location="$tmp/person.jsonl" || fail "person_detect pipeline"
[ "$(wc -l <"$tmp/person.jsonl")" -eq 2 ] || fail "expected 2 result lines, got: $(cat "$tmp/person.jsonl")"
sed -n 1p "$tmp/person.jsonl" | grep -q '"top":\[{"label":"person"' \
  || fail "person.bmp: expected person first: $(sed -n 1p "$tmp/person.jsonl")"
sed -n 2p "$tmp/person.jsonl" | grep -q '"top":\[{"label":"notperson"' \
  || fail "no_person.bmp: expected notperson first: $(sed -n 2p "$tmp/person.jsonl")"
echo "ok: person_detect: person on person.bmp, notperson on no_person.bmp"

# 2. hello_world_int8 from float32: x = 0 and x = pi/2 (0x3fc90fdb), little endian.
printf '\x00\x00\x00\x00\xdb\x0f\xc9\x3f' >"$tmp/x.raw"
launch filesrc location="$tmp/x.raw" blocksize=4 \
  ! "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)1:1,framerate=0/1" \
  ! edgeinfer model="$models/hello_world_int8.tflite" output-type=float32 \
  ! edgelabelsink location="$tmp/sine.jsonl" || fail "hello_world_int8 pipeline"
scores=$(grep -o '"score":[-0-9.e]*' "$tmp/sine.jsonl" | sed -n '1p;$p' | cut -d: -f2 | tr '\n' ' ')
echo "$scores" | awk '{ ok = ($1 > -0.1 && $1 < 0.1 && $2 > 0.9 && $2 < 1.1); exit !ok }' \
  || fail "hello_world_int8: expected sin(0) ~ 0 and sin(pi/2) ~ 1, got $scores"
echo "ok: hello_world_int8 from float32: $scores"

# 3. micro_speech_quantized and keyword_scrambled run on silence (zeros).
head -c 1960 /dev/zero >"$tmp/features.raw"
launch -v filesrc location="$tmp/features.raw" blocksize=1960 \
  ! "other/tensors,format=static,num_tensors=1,types=int8,dimensions=(string)40:49:1,framerate=0/1" \
  ! edgeinfer model="$models/micro_speech_quantized.tflite" ! fakesink || fail "micro_speech pipeline"
grep -q 'edgeinfer0.GstPad:src: caps = other/tensors, format=(string)static, num_tensors=(int)1, types=(string)int8, dimensions=(string)4:1' "$tmp/gst.log" \
  || fail "micro_speech_quantized: expected int8 4:1 output caps"
echo "ok: micro_speech_quantized int8 49x40 -> int8 [1, 4]"
head -c 192 /dev/zero >"$tmp/keyword.raw"
launch -v filesrc location="$tmp/keyword.raw" blocksize=192 \
  ! "other/tensors,format=static,num_tensors=1,types=int16,dimensions=(string)96:1,framerate=0/1" \
  ! edgeinfer model="$models/keyword_scrambled.tflite" ! fakesink || fail "keyword_scrambled pipeline"
grep -q 'edgeinfer0.GstPad:src: caps = other/tensors, format=(string)static, num_tensors=(int)1, types=(string)int32, dimensions=(string)2:1' "$tmp/gst.log" \
  || fail "keyword_scrambled: expected int32 2:1 output caps"
echo "ok: keyword_scrambled int16 [1, 96] -> int32 [1, 2]"

# 4. A 3-channel image into the 1-channel model. fakesink async=false: gst-launch
# (1.22) sometimes never exits after an error during an async preroll.
head -c 27648 /dev/zero >"$tmp/rgb.raw"
timeout 60 gst-launch-1.0 filesrc location="$tmp/rgb.raw" blocksize=27648 \
  ! "other/tensors,format=static,num_tensors=1,types=int8,dimensions=(string)3:96:96:1,framerate=0/1" \
  ! edgeinfer model="$models/person_detect.tflite" ! fakesink async=false >"$tmp/gst.log" 2>&1
rc=$?
[ "$rc" -ne 124 ] || fail "mismatched caps: gst-launch hung"
[ "$rc" -ne 0 ] || fail "mismatched caps: the pipeline succeeded"
grep -q 'int8 \[1, 96, 96, 3\] does not fit input 0 of model .*person_detect.tflite, "input" int8 \[1, 96, 96, 1\]' "$tmp/gst.log" \
  || fail "mismatched caps: the error does not state both shapes"
echo "ok: mismatched caps refused with both shapes"
