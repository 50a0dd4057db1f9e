#!/usr/bin/env bash
# edgestream-inspect on real models: the text and JSON reports state the
# inputs, outputs, operators, parameter bytes, MACs per invoke and arena size;
# --profile=N times every operator; a file that is not a model is refused with
# its name (exit 1); usage errors exit 2.
set -u

inspect="${EDGE_BUILD_ROOT:?run through meson test}/tools/edgestream-inspect"
[ -x "$inspect" ] || { echo "FAIL: $inspect not built"; exit 1; }
tmp=$(mktemp -d /tmp/edge_inspect_e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$tmp/out" ] && { echo "--- output (head)"; head -n 30 "$tmp/out"; }
  exit 1
}

# Refusals and usage first: they need no shared data.
printf 'not a model' >"$tmp/bad.tflite"
"$inspect" "$tmp/bad.tflite" >"$tmp/out" 2>&1
[ $? -eq 1 ] || fail "a non-model should exit 1"
grep -q "$tmp/bad.tflite: not a TFLite model: file identifier is \"a mo\"" "$tmp/out" || fail "refusal does not name the file"
"$inspect" >"$tmp/out" 2>&1
[ $? -eq 2 ] || fail "no argument should exit 2"
"$inspect" --bogus x >"$tmp/out" 2>&1
[ $? -eq 2 ] || fail "an unknown option should exit 2"
for bad in --profile=0 --profile=x --profile= --profile=100001; do
  "$inspect" "$bad" "$tmp/bad.tflite" >"$tmp/out" 2>&1
  [ $? -eq 2 ] || fail "$bad should exit 2"
  grep -q "^edgestream-inspect: --profile wants a number of invokes in 1..100000, got '" "$tmp/out" ||
    fail "$bad: message"
done
echo "ok: refusals and usage"

# A 1.9 GB sparse file is refused by its first 8 bytes, not read whole (it used to take
# 15 s and 1.9 GB of memory before the identifier was checked).
truncate -s 1900M "$tmp/sparse.tflite"
start=$(date +%s%N)
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f '%M' -o "$tmp/rss" timeout 60 "$inspect" "$tmp/sparse.tflite" >"$tmp/out" 2>&1
else
  timeout 60 "$inspect" "$tmp/sparse.tflite" >"$tmp/out" 2>&1
fi
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -eq 1 ] || fail "a sparse 1.9 GB file should exit 1 (got $rc)"
grep -q 'sparse.tflite: not a TFLite model: file identifier is "\\x00\\x00\\x00\\x00"' "$tmp/out" ||
  fail "sparse file: message"
if [ -f "$tmp/rss" ]; then
  rss_kb=$(tail -n1 "$tmp/rss")
  [ "$rss_kb" -lt 200000 ] || fail "sparse file: $rss_kb KB resident, the file was read"
fi
rm -f "$tmp/sparse.tflite"
# A valid identifier with a root offset past the end: refused before reading, too.
printf '\xf0\xff\xff\x7fTFL3' >"$tmp/root.tflite"
truncate -s 1900M "$tmp/root.tflite"
timeout 60 "$inspect" "$tmp/root.tflite" >"$tmp/out" 2>&1
[ $? -eq 1 ] || fail "a root offset past the end should exit 1"
grep -q "root table offset 2147483632 lies outside the 1992294400-byte file" "$tmp/out" ||
  fail "root offset: message"
rm -f "$tmp/root.tflite"
echo "ok: large files refused by their header (${ms} ms)"

models="${EDGE_SHARED_DATA:-}/models/tflm"
if [ -z "${EDGE_SHARED_DATA:-}" ] || [ ! -f "$models/person_detect.tflite" ]; then
  echo "SKIPPED: real models not found in ${EDGE_SHARED_DATA:-../shared/data}/models/tflm"
  exit 77
fi

"$inspect" "$models/person_detect.tflite" >"$tmp/out" 2>&1 || fail "inspect person_detect"
grep -q '^  0: tensor 88 "input" int8 \[1, 96, 96, 1\] scale 0.00784314 zero_point -1$' "$tmp/out" \
  || fail "person_detect input line"
grep -q '^  0: tensor 87 "MobilenetV1/Predictions/Reshape_1" int8 \[1, 2\] scale 0.00390625 zero_point -128$' "$tmp/out" \
  || fail "person_detect output line"
grep -q '^operators (31;' "$tmp/out" || fail "person_detect operator count"
grep -q '^  30: SOFTMAX v2  31:int8\[1, 2\] -> 87:int8\[1, 2\]$' "$tmp/out" || fail "last operator line"
grep -q '^parameter bytes: 218928 (int32 10960, int8 207968)$' "$tmp/out" || fail "parameter bytes by type"
grep -q '^MACs per invoke: 7157888$' "$tmp/out" || fail "MACs per invoke"
grep -qE '^arena bytes: [0-9]+ ' "$tmp/out" || fail "arena bytes"
echo "ok: person_detect text report"

# Operator profile: one row per operator (31), shares adding up to 100 %.
"$inspect" --profile=3 "$models/person_detect.tflite" >"$tmp/out" 2>&1 || fail "inspect --profile"
grep -qE '^profile: 3 invokes on one thread, mean [0-9.]+ us per invoke$' "$tmp/out" ||
  fail "profile header"
rows=$(sed -n '/^profile:/,$p' "$tmp/out" | grep -cE '^ +[0-9]+  [A-Z_0-9]+ +[0-9.]+ +[0-9.]+ %')
[ "$rows" -eq 31 ] || fail "profile rows: $rows, expected 31"
share=$(sed -n '/^profile:/,$p' "$tmp/out" | awk '$5 == "%" { s += $4 } END { printf "%.0f", s }')
[ "$share" -ge 99 ] && [ "$share" -le 101 ] || fail "profile shares add up to $share %"
grep -qE '^ +[0-9]+  CONV_2D +[0-9.]+ +[0-9.]+ % +[0-9]+   [0-9]+\.[0-9]+$' "$tmp/out" ||
  fail "a CONV_2D row with its GMAC/s"
echo "ok: person_detect operator profile"

# A model the reader accepts and the engine cannot run (hello_world_int8 with its output
# scale made 1e-30: the FULLY_CONNECTED output multiplier is ~1e26): described, exit 3.
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 - "$models/hello_world_int8.tflite" "$tmp/huge.tflite" <<'PY' || fail "patch scale"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
scale = struct.pack("<f", 0.008290956728160381)  # output 0's scale, once in the file
assert data.count(scale) == 1, data.count(scale)
at = data.find(scale)
data[at:at + 4] = struct.pack("<f", 1e-30)
open(sys.argv[2], "wb").write(data)
PY
  "$inspect" "$tmp/huge.tflite" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 3 ] || fail "a model the engine cannot run should exit 3 (got $rc)"
  grep -q '^engine: cannot run this model: .*quantization multiplier .* is too large' "$tmp/out" ||
    fail "engine reason in the report"
  grep -q "^edgestream-inspect: the engine cannot run this model: $tmp/huge.tflite: operator 2 (FULLY_CONNECTED): quantization multiplier" \
    "$tmp/err" || { cat "$tmp/err"; fail "engine reason on stderr"; }
  "$inspect" --json "$tmp/huge.tflite" >"$tmp/out" 2>/dev/null
  [ $? -eq 3 ] || fail "--json: exit 3"
  /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert not j['runnable'] and 'multiplier' in j['engine_error']" "$tmp/out" ||
    fail "--json: runnable false with the reason"
  echo "ok: a model the engine cannot run exits 3"
fi

"$inspect" --json "$models/keyword_scrambled.tflite" >"$tmp/out" 2>&1 || fail "inspect --json"
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 - "$tmp/out" <<'PY' || fail "keyword_scrambled JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["inputs"][0]["type"] == "int16" and j["inputs"][0]["shape"] == [1, 96], j["inputs"]
assert j["outputs"][0]["type"] == "int32" and j["outputs"][0]["shape"] == [1, 2], j["outputs"]
ops = [o["op"] for o in j["operators"]]
assert ops.count("SVDF") == 7 and len(ops) == 15, ops
assert j["parameter_bytes"] == 27848, j["parameter_bytes"]
assert j["parameter_bytes_by_type"] == {"int16": 10240, "int32": 1672, "int8": 15936}, j
# (by type: the same as a flatc --json dump of the file's constant buffers)
assert j["runnable"] and j["macs_per_invoke"] > 0 and j["arena_bytes"] > 0, j
assert "profile" not in j and "mean_us" not in j["operators"][0], j["operators"][0]
PY
  "$inspect" --json --profile=2 "$models/keyword_scrambled.tflite" >"$tmp/out" 2>&1 ||
    fail "inspect --json --profile"
  /usr/bin/python3 - "$tmp/out" <<'PY' || fail "keyword_scrambled JSON profile"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["profile"]
assert p["invokes"] == 2 and p["threads"] == 1 and p["mean_us"] > 0, p
times = [o["mean_us"] for o in j["operators"]]
assert len(times) == 15 and all(t >= 0 for t in times), times
assert abs(sum(times) - p["mean_us"]) < 1e-6 * max(1.0, p["mean_us"]), (sum(times), p)
PY
fi
echo "ok: keyword_scrambled JSON report"
