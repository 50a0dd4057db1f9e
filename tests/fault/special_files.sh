#!/usr/bin/env bash
# FIFOs and endless files where a regular file is expected (issue 11 item 3: a FIFO among a
# dataset's clips blocked gst-launch-1.0 for ever, SIGINT included). Each must be refused by
# type, at once, with a message naming the file; nothing may block or read without bound.
# Every command runs under `timeout`: exit 124 is a hang, the test's failure.
. "$(dirname "$0")/lib.sh"
export GST_REGISTRY_1_0=${GST_REGISTRY_1_0:-$TMP/registry.bin}

# refused NAME PATTERN CMD...: CMD ends within 20 s with an error exit (1, or gst-launch-1.0's
# 255 for a pipeline that cannot start; not a signal, not a timeout), PATTERN in its output.
refused() {
  local name=$1 pattern=$2
  shift 2
  timeout 20 "$@" >"$TMP/out.log" 2>&1
  local rc=$?
  if { [ $rc = 1 ] || [ $rc = "$GST_START_FAILED" ]; } && grep -qE -- "$pattern" "$TMP/out.log"; then
    echo "ok: $name: $(grep -m1 -E -- "$pattern" "$TMP/out.log" | cut -c1-160)"
  else
    echo "FAIL: $name: exit $rc (124: it hung), expected exit 1 and /$pattern/"
    tail -n 8 "$TMP/out.log"
    fail=1
  fi
}

# 1. A FIFO among an ESC-50 dataset's clips, under gst-launch-1.0.
esc=$TMP/esc50
cp -r "$SRC/tests/data/datasets/esc50" "$esc"
rm "$esc/audio/1-115545-A-10.wav" && mkfifo "$esc/audio/1-115545-A-10.wav"
refused "gst-launch-1.0: a FIFO among the clips" "1-115545-A-10.wav' is a FIFO, not a regular file" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" ! fakesink
# The same with on-missing=skip: a FIFO is not a missing file; it is still refused.
refused "gst-launch-1.0: a FIFO with on-missing=skip" "is a FIFO, not a regular file" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" on-missing=skip ! fakesink
# /dev/zero behind a symlink inside the tree (an endless "recording").
rm "$esc/audio/1-115545-A-10.wav" && ln -s /dev/zero "$esc/audio/1-115545-A-10.wav"
refused "gst-launch-1.0: /dev/zero as a clip" "is a character device, not a regular file|outside the dataset root" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" ! fakesink
# A FIFO as the metadata file itself, with the layout given.
rm "$esc/meta/esc50.csv" && mkfifo "$esc/meta/esc50.csv"
refused "gst-launch-1.0: a FIFO as meta/esc50.csv" "esc50.csv: is a FIFO, not a regular file" \
  gst-launch-1.0 -q edgedatasetsrc location="$esc" layout=esc50 ! fakesink

# 2. SIGINT stops gst-launch-1.0 while a dataset is read (it used to sit in open() of the FIFO;
# identity slows the stream down so that the signal comes mid-way).
gst-launch-1.0 edgedatasetsrc location="$DATA" layout=gesture-csv chunk-frames=1 \
  ! identity sleep-time=20000 ! fakesink >"$TMP/int.log" 2>&1 &
pid=$!
sleep 1
kill -INT $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
  echo "FAIL: gst-launch-1.0 still runs 5 s after SIGINT"; kill -9 $pid; fail=1
else
  echo "ok: SIGINT stops gst-launch-1.0 reading a dataset"
fi
wait $pid 2>/dev/null

# 3. The gesture layout: a FIFO named like a class file.
ges=$TMP/gesture
mkdir -p "$ges" && cp "$DATA"/*.csv "$ges/" && mkfifo "$ges/wave.csv"
refused "edgestream dataset: a FIFO as a gesture class file" "wave.csv' is a FIFO, not a regular file" \
  "$EDGE" dataset gesture "dataset=$ges" "out=$TMP/g1" --jobs 1

# 4. Files of a dataset folder and of the command line.
"$EDGE" dataset gesture "out=$TMP/ds" --jobs 1 >/dev/null 2>&1 || { echo "FAIL: dataset"; fail=1; }
cp -r "$TMP/ds" "$TMP/fifo-manifest" && rm "$TMP/fifo-manifest/manifest.json" &&
  mkfifo "$TMP/fifo-manifest/manifest.json"
refused "edgestream dataset: a FIFO as the output's manifest.json" "manifest.json: is a FIFO" \
  "$EDGE" dataset gesture "out=$TMP/fifo-manifest" --jobs 1
refused "edgestream merge: a FIFO as an input's manifest.json" "manifest.json: is a FIFO" \
  "$EDGE" merge "$TMP/m1" "$TMP/fifo-manifest"
cp -r "$TMP/ds" "$TMP/zero-shard" && x=$(ls "$TMP/zero-shard"/shard-00000.x.npy) && rm "$x" &&
  ln -s /dev/zero "$x"
refused "edgestream merge: /dev/zero as a shard file" "shard-00000.x.npy.*is a character device" \
  "$EDGE" merge "$TMP/m2" "$TMP/zero-shard"
refused "edgestream train: /dev/zero as a shard file" "shard-00000.x.npy.*is a character device" \
  "$EDGE" train gesture --dataset "$TMP/zero-shard" --out "$TMP/g.tflite" --epochs 1
mkfifo "$TMP/stats.json"
refused "edgedatasetsink: a FIFO as statistics=" "stats.json: is a FIFO" \
  gst-launch-1.0 -q edgedatasetsrc location="$DATA" layout=gesture-csv ! edgewindow size-samples=30 \
  hop-samples=30 ! edgedatasetsink location="$TMP/g2" statistics="$TMP/stats.json"
mkfifo "$TMP/app.toml"
refused "edgestream launch: a FIFO as graph.toml" "cannot read graph definition .*app.toml: is a FIFO" \
  "$EDGE" launch "$TMP/app.toml" dataset
refused "edgestream launch: /dev/zero as graph.toml" "cannot read graph definition /dev/zero: is a character device" \
  "$EDGE" launch /dev/zero dataset
exit $fail
