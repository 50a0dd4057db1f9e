#!/usr/bin/env bash
# NNStreamer interop (issue 12): NNStreamer built from ../shared/peers by tools/peers/
# nnstreamer.sh (cached outside the clone; skips with the reason where it cannot be built),
# its elements and ours in one graph, both ways. Each graph is recorded at one point by
# tests/tools/buffer_trace (caps normalized, every buffer's pts, duration, size, clip meta,
# and its bytes) and compared with the same graph made of edgestream elements alone:
# values, shapes, counts and timestamps must be the same (or, where an NNStreamer element
# changes them, what it is documented to make of them).
# Input: a real 4 s UrbanSound8K clip at 30 kHz, as in the thesis graph.
set -u
build="${EDGE_BUILD_ROOT:?EDGE_BUILD_ROOT not set (run through meson test)}"
src="${EDGE_SOURCE_ROOT:-.}"
trace="$build/tests/buffer_trace"
us8k="${EDGE_SHARED_DATA:-../shared/data}/sound/urbansound8k-folds1-2"
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"

[ -f "$us8k/metadata.csv" ] || { echo "SKIPPED: shared real data not found: $us8k"; exit 77; }
[ -x "$trace" ] || { echo "FAIL: $trace not built"; exit 1; }
"$py" -c 'import numpy' 2>/dev/null || { echo "SKIPPED: $py has no numpy"; exit 77; }
prefix=$("$src/tools/peers/nnstreamer.sh" 2>"$build/nnstreamer-build.err")
case $? in
  0) ;;
  77) echo "SKIPPED: NNStreamer cannot be built here: $(sed -n 's/^SKIPPED: //p' "$build/nnstreamer-build.err")"; exit 77 ;;
  *) cat "$build/nnstreamer-build.err"; echo "FAIL: building NNStreamer"; exit 1 ;;
esac
tmp=$(mktemp -d /tmp/edge_nnstreamer.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export GST_PLUGIN_PATH_1_0="${GST_PLUGIN_PATH_1_0:-$build/plugins}:$prefix/lib/gstreamer-1.0"
export GST_PLUGIN_PATH="$GST_PLUGIN_PATH_1_0"
export NNSTREAMER_CONF="$prefix/etc/nnstreamer.ini"
export GST_REGISTRY_1_0="$tmp/registry.bin"  # NNStreamer's plugin stays out of the suite's
gst-inspect-1.0 tensor_converter >/dev/null 2>&1 ||
  { echo "FAIL: NNStreamer's elements do not load from $prefix"; exit 1; }

wav="$us8k/audio/fold1/$(awk -F, 'NR > 1 && $5 == 1 && $7 == "siren" { print $1; exit }' "$us8k/metadata.csv")"
audio="filesrc location=$wav ! wavparse ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=30000,channels=1"
window="edgewindow size=1.0 hop=0.5 tail=pad"
end="identity name=trace ! fakesink"

record() {  # record NAME PIPELINE: runs it into $tmp/NAME.{txt,bin}; 1 on failure
  if ! timeout 180 "$trace" "$2" "$tmp/$1" 2>"$tmp/$1.err"; then
    echo "FAIL: $1 did not run: $(head -3 "$tmp/$1.err")"
    fail=1
    return 1
  fi
}
# The negotiated caps (the last caps line: tensor_converter announces a placeholder first)
# and the buffers of a trace.
shape() { { grep '^caps' "$tmp/$1.txt" | tail -1; grep '^buffer' "$tmp/$1.txt"; }; }
same_shape() {  # same_shape NAME REFERENCE
  check "$1: caps and every buffer's pts, duration and size as $2's" "" \
    "$(diff <(shape "$2") <(shape "$1") | head -5)"
}
same() {  # same NAME REFERENCE: caps, buffers and bytes equal
  same_shape "$1" "$2"
  check "$1: the same values as $2" "" "$(cmp "$tmp/$2.bin" "$tmp/$1.bin" 2>&1)"
}
# NNStreamer's tensor_converter and tensor_aggregator drop what is left at EOS when it is less
# than one of their tensors (N frames): the last window then holds zero padding where the
# reference holds those last frames. Everything else must be equal.
same_but_tail() {  # same_but_tail NAME REFERENCE N
  same_shape "$1" "$2"
  check "$1: the same values as $2 but for fewer than $3 frames at the end, zero here" 1 "$("$py" -c '
import numpy, sys
a = numpy.fromfile(sys.argv[1], numpy.float32).reshape(-1, 30000)
b = numpy.fromfile(sys.argv[2], numpy.float32).reshape(-1, 30000)
n = int(sys.argv[3])
same = a.shape == b.shape and numpy.array_equal(a[:-1], b[:-1])
diff = numpy.nonzero(a[-1] != b[-1])[0] if same else []
first = diff[0] if len(diff) else 30000
print(int(same and numpy.array_equal(a[-1][:first], b[-1][:first]) and not b[-1][first:].any()
          and numpy.count_nonzero(a[-1][first:]) < n))' "$tmp/$2.bin" "$tmp/$1.bin" "$3")"
}
refused() {  # refused NAME PATTERN PIPELINE: fails with an error matching PATTERN
  timeout 60 "$trace" "$3" "$tmp/$1" >/dev/null 2>"$tmp/$1.err"
  local rc=$?
  check "$1: refused" 1 "$rc"
  check "$1: says why" 1 "$(grep -cE -- "$2" "$tmp/$1.err" | awk '{ print ($1 > 0) }')"
}

echo "== references: edgestream alone"
record windows "$audio ! $window ! $end"
check "reference: 7 windows of 1 s every 0.5 s" 7 "$(grep -c '^buffer' "$tmp/windows.txt")"
check "reference: caps" "caps tensors format=static types=float32 dims=1:30000 rate=2/1" \
  "$(grep '^caps tensors' "$tmp/windows.txt")"
record squares "$audio ! $window ! edgereshape shape=square ! $end"

echo "== NNStreamer into edgestream"
for n in 1500 100; do
  # tensor_converter's audio tensors carry the sample rate in framerate whatever n is.
  record "converter$n" "$audio ! tensor_converter frames-per-tensor=$n ! $window ! $end" &&
    same_but_tail "converter$n" windows "$n"
done
record legacy "$audio ! tensor_converter frames-per-tensor=1500 ! other/tensor ! $window ! $end" &&
  same_but_tail legacy windows 1500
record flexible "$audio ! tensor_converter frames-per-tensor=1500 ! other/tensors,format=flexible ! $window ! $end" &&
  same_but_tail flexible windows 1500
record aggregator "$audio ! tensor_converter frames-per-tensor=1500 ! tensor_aggregator frames-in=1500 frames-out=3000 frames-flush=3000 frames-dim=1 ! $window ! $end" &&
  same_but_tail aggregator windows 3000
record transform_reshape "$audio ! $window ! tensor_transform mode=arithmetic option=mul:2.0 ! edgereshape shape=square ! $end" &&
  {
    same_shape transform_reshape squares
    check "transform_reshape: every value twice squares'" 1 "$("$py" -c '
import numpy, sys
a = numpy.fromfile(sys.argv[1], numpy.float32); b = numpy.fromfile(sys.argv[2], numpy.float32)
print(int(a.size > 0 and a.size == b.size and numpy.array_equal(b, a * 2)))' "$tmp/squares.bin" "$tmp/transform_reshape.bin")"
  }
refused tensors_per_second "reads a tensor stream's framerate as frames per second" \
  "$audio ! tensor_converter frames-per-tensor=1500 ! tensor_rate framerate=20/1 ! $window ! $end"
refused flexible_reshape "format=flexible tensors .*put NNStreamer's tensor_converter in front" \
  "$audio ! tensor_converter frames-per-tensor=30000 ! other/tensors,format=flexible ! edgereshape ! $end"

echo "== edgestream into NNStreamer"
record typecast "$audio ! $window ! tensor_transform mode=typecast option=float32 ! $end" &&
  same typecast windows
record transpose "$audio ! $window ! tensor_transform mode=transpose option=1:0:2:3 ! $end" &&
  {
    check "transpose: one channel transposed: dims 30000:1" \
      "caps tensors format=static types=float32 dims=30000:1 rate=2/1" "$(grep '^caps tensors' "$tmp/transpose.txt")"
    check "transpose: buffers as the windows'" "" "$(diff <(grep '^buffer' "$tmp/windows.txt") <(grep '^buffer' "$tmp/transpose.txt"))"
    check "transpose: the same values" "" "$(cmp "$tmp/windows.bin" "$tmp/transpose.bin" 2>&1)"
  }
record debug "$audio ! $window ! tensor_debug output-method=disabled ! $end" &&
  same debug windows
# octet_stream: the tensor's bytes as they are, one buffer per window, same timestamps.
record octets "$audio ! $window ! tensor_decoder mode=octet_stream ! $end" &&
  {
    check "octets: application/octet-stream" 1 "$(grep -c '^caps application/octet-stream' "$tmp/octets.txt")"
    check "octets: buffers as the windows'" "" "$(diff <(grep '^buffer' "$tmp/windows.txt") <(grep '^buffer' "$tmp/octets.txt"))"
    check "octets: the windows' bytes" "" "$(cmp "$tmp/windows.bin" "$tmp/octets.bin" 2>&1)"
  }
record reshape_converter "$audio ! $window ! edgereshape shape=square ! tensor_converter ! $end" &&
  same reshape_converter squares
# Two consecutive windows per tensor, one window apart: 6 tensors of 1:60000.
record aggregate_windows "$audio ! $window ! tensor_aggregator frames-in=1 frames-out=2 frames-flush=1 frames-dim=1 ! $end" &&
  {
    check "aggregate_windows: caps" "caps tensors format=static types=float32 dims=1:60000 rate=2/1" \
      "$(grep '^caps tensors' "$tmp/aggregate_windows.txt")"
    check "aggregate_windows: 6 tensors at the windows' pts, lasting two windows" \
      "$(grep '^buffer' "$tmp/windows.txt" | head -6 | sed -E 's/duration=[0-9]+/duration=2000000000/; s/bytes=[0-9]+/bytes=240000/')" \
      "$(grep '^buffer' "$tmp/aggregate_windows.txt")"
    check "aggregate_windows: windows k and k+1 in tensor k" 1 "$("$py" -c '
import numpy, sys
w = numpy.fromfile(sys.argv[1], numpy.float32).reshape(7, 30000)
a = numpy.fromfile(sys.argv[2], numpy.float32).reshape(6, 2, 30000)
print(int(all(numpy.array_equal(a[k, 0], w[k]) and numpy.array_equal(a[k, 1], w[k + 1]) for k in range(6))))' \
      "$tmp/windows.bin" "$tmp/aggregate_windows.bin")"
  }
# Clip metas ride through NNStreamer's elements (they copy untagged metas).
mkdir -p "$tmp/clips/siren"
cp "$wav" "$tmp/clips/siren/"
record clip_meta "edgedatasetsrc location=$tmp/clips layout=folders ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=30000,channels=1 ! $window ! tensor_transform mode=typecast option=float32 ! $end" &&
  check "clip_meta: every window keeps its clip and index" \
    "$(for k in 0 1 2 3 4 5 6; do echo "siren/$(basename "$wav")/$k"; done)" \
    "$(sed -n 's/^buffer .* clip=//p' "$tmp/clip_meta.txt")"

[ "$fail" -eq 0 ] || { echo "FAIL"; exit 1; }
echo "PASS: NNStreamer and edgestream in one graph, both ways"
