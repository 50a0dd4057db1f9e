#!/usr/bin/env bash
# edgeinfer behind NNStreamer's tensor_converter and tensor_transform (NNStreamer built from
# ../shared/peers by tools/peers/nnstreamer.sh, cached outside the clone), without a capsfilter
# between them (issue 12 item 1):
#   float   audioconvert ! tensor_converter frames-per-tensor=1960 ! edgeinfer
#           model=micro_speech_quantized.tflite: the converter asks audioconvert for mono F32LE
#           (edgeinfer's caps offer float32 1:1960 first) and edgeinfer quantizes each window;
#           one sample per tensor into hello_world_int8 scores as the same samples cut by
#           edgewindow do, all 16000 of them.
#   native  tensors already in the model's type: audio through a tensor-side capsfilter
#           types=int8 (copied as they are), and video through tensor_transform typecast:int8
#           into person_detect; float32 video from tensor_transform is quantized.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${EDGE_SOURCE_ROOT:-$here/../..}
models=${EDGE_SHARED_DATA:-$root/../shared/data}/models/tflm
speech=${EDGE_SHARED_DATA:-$root/../shared/data}/speech/micro-speech-testdata
. "$here/lib.sh"

prefix=$("$root/tools/peers/nnstreamer.sh" --no-build)
case $? in
  0) ;;
  77) echo "SKIPPED: NNStreamer is not built (tools/peers/nnstreamer.sh builds it; tools/run.sh test does)"; exit 77 ;;
  *) echo "FAIL: tools/peers/nnstreamer.sh --no-build"; exit 1 ;;
esac
for f in "$models/micro_speech_quantized.tflite" "$models/hello_world_int8.tflite" \
  "$models/person_detect.tflite" "$speech/yes_1000ms.wav"; do
  [ -f "$f" ] || { echo "SKIPPED: $f not found (../shared/data)"; exit 77; }
done
tmp=$(mktemp -d /tmp/edge_nns_e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export GST_PLUGIN_PATH_1_0="$prefix/lib/gstreamer-1.0${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
export GST_REGISTRY_1_0=$tmp/registry.bin
gst-inspect-1.0 tensor_converter >/dev/null 2>&1 || { echo "FAIL: tensor_converter not found in $prefix"; exit 1; }

# The tensor type and dimensions edgeinfer's sink pad negotiated, from gst-launch-1.0 -v
# (NNStreamer writes the fields in its own order).
sink_caps() {
  local caps
  caps=$(grep -o 'edgeinfer0.GstPad:sink: caps = .*' "$1" | head -n1)
  echo "$(grep -o 'types=(string)[a-z0-9]*' <<<"$caps") $(grep -o 'dimensions=(string)[0-9:]*' <<<"$caps")"
}
# Per line of an edgelabelsink file: the top label and its score.
tops() { /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    top = json.loads(line)["top"][0]
    print(top["label"], "%.6f" % top["score"])
' "$1"; }
wav=$speech/yes_1000ms.wav
labels=$tmp/labels.txt
printf 'silence\nunknown\nyes\nno\n' >"$labels"

# float: the issue's pipeline, no capsfilter.
timeout 60 gst-launch-1.0 -v filesrc location="$wav" ! wavparse ! audioconvert \
  ! tensor_converter frames-per-tensor=1960 \
  ! edgeinfer model="$models/micro_speech_quantized.tflite" labels="$labels" \
  ! edgelabelsink location="$tmp/nns.jsonl" >"$tmp/nns.log" 2>&1
check "float audio through tensor_converter runs" 0 $?
check "its caps: float32, one channel of 1960 frames" "types=(string)float32 dimensions=(string)1:1960" \
  "$(sink_caps "$tmp/nns.log")"
check "8 windows of 1960 samples in 16000" 8 "$(wc -l <"$tmp/nns.jsonl")"
# Values: one sample per tensor into hello_world_int8 (a flat [1, 1] int8 input), quantized by
# edgeinfer, against the same samples cut by edgestream's own edgewindow: the same 16000 scores.
timeout 120 gst-launch-1.0 -v filesrc location="$wav" ! wavparse ! audioconvert \
  ! tensor_converter frames-per-tensor=1 ! edgeinfer model="$models/hello_world_int8.tflite" \
  ! edgelabelsink location="$tmp/nns1.jsonl" >"$tmp/nns1.log" 2>&1
check "one sample per tensor through tensor_converter runs" 0 $?
check "its caps: float32 1:1" "types=(string)float32 dimensions=(string)1:1" "$(sink_caps "$tmp/nns1.log")"
timeout 120 gst-launch-1.0 filesrc location="$wav" ! wavparse ! audioconvert ! audio/x-raw,format=F32LE \
  ! edgewindow size-samples=1 hop-samples=1 ! edgeinfer model="$models/hello_world_int8.tflite" \
  ! edgelabelsink location="$tmp/edge1.jsonl" >"$tmp/edge1.log" 2>&1
check "the same graph of edgestream elements runs" 0 $?
check "16000 windows each" "16000 16000" "$(wc -l <"$tmp/nns1.jsonl") $(wc -l <"$tmp/edge1.jsonl")"
check "the same 16000 scores" "" "$(diff <(tops "$tmp/edge1.jsonl") <(tops "$tmp/nns1.jsonl") | head -n 3)"
check "and they vary (not one constant)" 1 "$([ "$(tops "$tmp/nns1.jsonl" | sort -u | wc -l)" -gt 20 ] && echo 1 || echo 0)"

# native audio: a tensor-side capsfilter asks the converter for int8 (S8 samples).
timeout 60 gst-launch-1.0 -v filesrc location="$wav" ! wavparse ! audioconvert \
  ! tensor_converter frames-per-tensor=1960 ! other/tensors,types=int8 \
  ! edgeinfer model="$models/micro_speech_quantized.tflite" ! fakesink >"$tmp/s8.log" 2>&1
check "int8 audio tensors run" 0 $?
check "their caps: int8, copied" "types=(string)int8 dimensions=(string)1:1960" \
  "$(sink_caps "$tmp/s8.log")"

# native video: tensor_transform makes int8 tensors of the grey image.
timeout 60 gst-launch-1.0 -v videotestsrc num-buffers=3 pattern=ball \
  ! video/x-raw,format=GRAY8,width=96,height=96,framerate=10/1 ! tensor_converter \
  ! tensor_transform mode=arithmetic option=typecast:int16,add:-128 \
  ! tensor_transform mode=typecast option=int8 \
  ! edgeinfer model="$models/person_detect.tflite" ! edgelabelsink location="$tmp/video8.jsonl" \
  >"$tmp/video8.log" 2>&1
check "int8 video tensors run" 0 $?
check "their caps: int8 1:96:96:1" "types=(string)int8 dimensions=(string)1:96:96:1" \
  "$(sink_caps "$tmp/video8.log")"
check "3 frames classified" 3 "$(wc -l <"$tmp/video8.jsonl")"
# float video: tensor_transform makes float32 tensors, which edgeinfer quantizes.
timeout 60 gst-launch-1.0 -v videotestsrc num-buffers=3 pattern=ball \
  ! video/x-raw,format=GRAY8,width=96,height=96,framerate=10/1 ! tensor_converter \
  ! tensor_transform mode=arithmetic option=typecast:float32,add:-128,div:128 \
  ! edgeinfer model="$models/person_detect.tflite" ! fakesink >"$tmp/videof.log" 2>&1
check "float32 video tensors run" 0 $?
check "their caps: float32 1:96:96:1" "types=(string)float32 dimensions=(string)1:96:96:1" \
  "$(sink_caps "$tmp/videof.log")"
[ $fail -eq 0 ] || { echo "--- float audio log"; tail -n 15 "$tmp/nns.log"; }
exit $fail
