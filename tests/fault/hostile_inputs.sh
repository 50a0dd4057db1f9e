#!/usr/bin/env bash
# Careless and hostile input to the command line and the dataset reader (issue 11 items 4, 7,
# 8 and the CLI, dataset, CSV and audio parts of 11): each gives exit 1 (or CLI11's usage
# code) with one bounded message naming the thing and what is wrong; nothing runs for ever,
# nothing is written where it was not asked to be, nothing is silently dropped or doubled.
. "$(dirname "$0")/lib.sh"
export GST_REGISTRY_1_0=${GST_REGISTRY_1_0:-$TMP/registry.bin}

# refused NAME CODE PATTERN CMD...: CMD ends within 30 s with exit CODE and PATTERN in its
# output, every line of which is shorter than 2,000 characters.
refused() {
  local name=$1 code=$2 pattern=$3
  shift 3
  timeout 30 "$@" >"$TMP/out.log" 2>&1
  local rc=$?
  local longest
  longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' "$TMP/out.log")
  if [ "$rc" = "$code" ] && grep -qE -- "$pattern" "$TMP/out.log" && [ "$longest" -lt 2000 ]; then
    echo "ok: $name: $(grep -m1 -E -- "$pattern" "$TMP/out.log" | cut -c1-160)"
  else
    echo "FAIL: $name: exit $rc (expected $code; 124: it hung), longest line $longest, expected /$pattern/"
    cut -c1-300 "$TMP/out.log" | tail -n 8
    fail=1
  fi
}

# Item 8: an empty placeholder swallowed the next word: `out= --run` wrote into
# ./dataset-root=/... and exited 0.
mkdir -p "$TMP/cwd" && cd "$TMP/cwd" || exit 1
refused "launch ... out= --run" 1 "out= has no value: give out=VALUE, or leave it out" \
  "$EDGE" launch gesture dataset out= --run
check "launch ... out= --run wrote nothing" "" "$(ls -A "$TMP/cwd")"
refused "launch ... threshold=" 1 "threshold= has no value" \
  "$EDGE" launch gesture realtime device=/dev/null model=/dev/null threshold=
refused "dataset ... baud=" 1 "baud= has no value" "$EDGE" dataset gesture out="$TMP/o" baud=
cd - >/dev/null || exit 1
# A graph whose default is empty: the property would swallow the next word too.
sed 's|^shard = {[^}]*}|shard = { default = "" }|' "$SRC/pipelines/gesture/graph.toml" |
  sed "s|\${app_dir}/../../datasets/gesture-punch-flex|$DATA|" >"$TMP/empty-default.toml"
refused "a graph default that leaves a property empty" 1 "property shard of edgedatasetsrc would be empty" \
  "$EDGE" launch "$TMP/empty-default.toml" dataset out="$TMP/o"

# Item 11: an unknown subcommand is named.
refused "edgestream bogus" 109 "unknown subcommand 'bogus'; the subcommands are: launch, dataset" \
  "$EDGE" bogus

# Item 7: the same dataset twice, or two datasets with one (clip, window) key, in a merge.
"$EDGE" dataset gesture "out=$TMP/a" --shard 1/2 --jobs 1 >/dev/null 2>&1 || fail=1
refused "merge out A A" 1 "is given twice" "$EDGE" merge "$TMP/m" "$TMP/a" "$TMP/a"
cp -r "$TMP/a" "$TMP/a-copy"
refused "merge out A copy-of-A" 1 "window 0 is in .*/a and in .*/a-copy" \
  "$EDGE" merge "$TMP/m" "$TMP/a" "$TMP/a-copy"
check "no merged dataset was written" "" "$(ls "$TMP/m/manifest.json" 2>/dev/null)"

# Item 7: ESC-50 metadata that is not UTF-8, and a duplicate row with another fold.
esc=$TMP/esc50
cp -r "$SRC/tests/data/datasets/esc50" "$esc"
cp "$esc/meta/esc50.csv" "$TMP/esc50.csv"
printf '1-100032-A-0.wav,1,0,caf\xe9,True,100032,A\n' >"$TMP/latin1-row"
{ head -n1 "$TMP/esc50.csv"; cat "$TMP/latin1-row"; } >"$esc/meta/esc50.csv"
refused "ESC-50: a class name in Latin-1" "$GST_START_FAILED" "line 2: class name 'caf.xE9' is not valid UTF-8" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" ! fakesink
{ cat "$TMP/esc50.csv"; sed -n 2p "$TMP/esc50.csv" | sed 's/,1,0,dog/,4,0,dog/'; } >"$esc/meta/esc50.csv"
refused "ESC-50: a duplicate row with another fold" "$GST_START_FAILED" "line 7: clip '1-100032-A-0.wav' \(fold 4, dog\) is already listed at meta/esc50.csv line 2" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" ! fakesink

# Item 11: a 5 MB file name gave a 5-million-character error line.
{ cat "$TMP/esc50.csv"; printf '%*s,1,0,dog,True,1,A\n' 5242880 '' | tr ' ' n; } >"$esc/meta/esc50.csv"
refused "ESC-50: a 5 MB file name" "$GST_START_FAILED" "bytes in all\]' is 5242886 bytes, longer than a path can be" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" ! fakesink

# Item 11: a WAV whose header says 0 Hz: say so, not libsndfile's "SF_INFO struct incomplete".
cp "$TMP/esc50.csv" "$esc/meta/esc50.csv"
"$PY" - "$esc/audio/1-100032-A-0.wav" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
at = data.find(b"fmt ")
data[at + 12:at + 16] = b"\0\0\0\0"   # the sample rate
open(path, "wb").write(data)
PY
refused "ESC-50: a WAV of 0 Hz" 1 "1-100032-A-0.wav.*its WAV header declares a sample rate of 0 Hz" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" ! fakesink

# Item 4 and the eval check: a model of the gesture application.
"$EDGE" dataset gesture "out=$TMP/ds" --jobs 1 >/dev/null 2>&1 || fail=1
if ! "$EDGE" train gesture --dataset "$TMP/ds" --out "$TMP/g.tflite" --epochs 20 --seed 1 \
    --threads 1 >"$TMP/train.log" 2>&1; then
  cat "$TMP/train.log"; echo "FAIL: edgestream train"; exit 1
fi
refused "classify --source serial:/dev/null" 1 "serial device /dev/null: not a serial port" \
  "$EDGE" classify "$TMP/g.tflite" --source serial:/dev/null
head -c 4096 /dev/urandom | tr -d '\n' | head -c 3000 >"$TMP/binary.csv"
refused "classify --source file:binary.csv" 1 "warning: .*No sample lines in .*binary.csv.*|nothing was classified" \
  "$EDGE" classify "$TMP/g.tflite" --source "file:$TMP/binary.csv"
grep -q "nothing was classified" "$TMP/out.log"
check "classify file:binary.csv says nothing was classified" 0 $?

# Item 11: eval --through-graph on other recordings scored them without a word.
mkdir -p "$TMP/other" && cp "$DATA"/*.csv "$TMP/other/"
sed -i '3s/^\([-0-9.]*\),/\1 ,/' "$TMP/other/punch.csv"   # one changed byte in one recording
if "$EDGE" eval --help 2>/dev/null | grep -q -- --through-graph; then
  refused "eval --through-graph --dataset-root OTHER" 1 "does not hold the recordings .* 1 of 2 source files differ \(punch.csv: other content" \
    "$EDGE" eval "$TMP/g.tflite" --dataset "$TMP/ds" --through-graph --dataset-root "$TMP/other"
fi
exit $fail
