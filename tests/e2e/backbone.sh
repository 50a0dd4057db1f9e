#!/usr/bin/env bash
# `edgestream backbone` on TFLM's person_detect (../shared/data/models/tflm): cut at
# Conv2d_5_pointwise into 4 bands of mean and max, the file edgestream-inspect lists (15
# operators, int8 [1, 512] "embedding") and edgeinfer runs in a graph (int8 512:1 caps).
# Bad input: a missing and a truncated model, an unknown tensor, bands that do not divide W
# and a bad --pool exit 1 with a message naming the problem.
set -u
. "$(dirname "$0")/lib.sh"
edgestream_setup
MODELS=$SHARED/models/tflm
require_file "$MODELS/person_detect.tflite" "shared data not found: $MODELS/person_detect.tflite"
INSPECT=${EDGE_BUILD_ROOT:-build}/tools/edgestream-inspect
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-${EDGE_BUILD_ROOT:-build}/plugins}"
make_tmp
fail=0
CUT=MobilenetV1/MobilenetV1/Conv2d_5_pointwise/Relu6

"$EDGE" backbone "$MODELS/person_detect.tflite" --cut "$CUT" --bands 4 --out "$TMP/backbone.tflite" \
  >"$TMP/log" 2>&1
check "backbone exits 0" 0 $?
cat "$TMP/log"
check "summary: operators kept" 1 "$(grep -c '11 of 31 operators kept, 4 added for the pooling' "$TMP/log")"
check "summary: embedding" 1 "$(grep -c 'output: "embedding" int8 \[1, 512\]' "$TMP/log")"

"$INSPECT" "$TMP/backbone.tflite" >"$TMP/inspect" 2>&1
check "edgestream-inspect reads it" 0 $?
check "15 operators" 1 "$(grep -c '^operators (15;' "$TMP/inspect")"
check "embedding output" 1 "$(grep -c '"embedding" int8 \[1, 512\]' "$TMP/inspect")"
check "description names the cut" 1 "$(grep -c "cut at $CUT, mean and max over H and 4 bands of W" "$TMP/inspect")"

# edgeinfer runs it on the pixels of TFLM's test image (any bytes do for the shape).
tail -c 9216 "$MODELS/person.bmp" >"$TMP/pixels.raw"
timeout 60 gst-launch-1.0 -v filesrc location="$TMP/pixels.raw" blocksize=9216 \
  ! "other/tensors,format=static,num_tensors=1,types=int8,dimensions=(string)1:96:96:1,framerate=0/1" \
  ! edgeinfer model="$TMP/backbone.tflite" ! fakesink >"$TMP/gst.log" 2>&1
check "edgeinfer pipeline exits 0" 0 $?
check "edgeinfer output caps int8 512:1" 1 \
  "$(grep -c 'edgeinfer0.GstPad:src: caps = other/tensors, format=(string)static, num_tensors=(int)1, types=(string)int8, dimensions=(string)512:1' "$TMP/gst.log")"

# Bad input.
head -c 1000 "$MODELS/person_detect.tflite" >"$TMP/truncated.tflite"
expect_error "truncated model" "truncated.tflite: corrupt or truncated" \
  "$EDGE" backbone "$TMP/truncated.tflite" --cut 70 --out "$TMP/x.tflite"
expect_error "missing model" "none.tflite: cannot read" \
  "$EDGE" backbone "$TMP/none.tflite" --cut 70 --out "$TMP/x.tflite"
expect_error "unknown tensor" 'no tensor named "Conv2d_99" (list the tensors with: edgestream-inspect' \
  "$EDGE" backbone "$MODELS/person_detect.tflite" --cut Conv2d_99 --out "$TMP/x.tflite"
expect_error "bands that do not divide W" "W = 12 does not divide into 5 equal bands" \
  "$EDGE" backbone "$MODELS/person_detect.tflite" --cut 70 --bands 5 --out "$TMP/x.tflite"
expect_error "bad --pool" "--pool median: expected mean, max or mean,max" \
  "$EDGE" backbone "$MODELS/person_detect.tflite" --cut 70 --pool median --out "$TMP/x.tflite"
check "nothing written on error" no "$([ -e "$TMP/x.tflite" ] && echo yes || echo no)"
exit $fail
