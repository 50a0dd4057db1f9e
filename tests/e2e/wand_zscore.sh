#!/usr/bin/env bash
# Per-channel z-score from the training data for an IMU whose ranges are not given
# (pipelines/wand-zscore), on the real magic-wand recordings (../shared/data/imu/
# magic-wand-spells-train). Bounded: a few seconds.
#   1. edgenormalize mode=stats on one real recording (gst-launch-1.0): count, mean,
#      population std, min and max of each of the 6 channels and of all pooled equal NumPy's
#      on the same CSV (values parsed as float32, moments in double);
#   2. the app's stats mode on every recording: the same against NumPy;
#   3. the export mode's float32 windows: each channel has mean 0 and std 1 over all windows;
#   4. the dataset mode carries the statistics in its manifest; a few epochs of training carry
#      them into the model; `classify` picks wand-zscore by the model's preprocess and runs the
#      live graph with them; `eval --through-graph` gives the shards' predictions, for the
#      dense network and for the conv net (its [1, 119, 1, 6] input takes [119, 6] windows);
#   5. errors: the dataset mode without stats, statistics of 3 channels for the 6-channel
#      stream.
set -u
. "$(dirname "$0")/lib.sh"
edgestream_setup
DATA=$SHARED/imu/magic-wand-spells-train
require_file "$DATA/Revelio.csv" "magic-wand data not found: $DATA"
command -v gst-launch-1.0 >/dev/null || { echo "SKIPPED: gst-launch-1.0 not installed"; exit 77; }
make_tmp
APP=$SRC/pipelines/wand-zscore/graph.toml
PY=/usr/bin/python3

# NumPy's statistics of the CSV files given (header aX..gZ), compared with a statistics JSON:
# prints "ok" or what differs.
compare_stats() {
  "$PY" - "$@" <<'PY'
import json, sys
import numpy as np
stats = json.load(open(sys.argv[1]))
x = np.concatenate([np.loadtxt(f, delimiter=",", skiprows=1, dtype=np.float32)
                    for f in sys.argv[2:]]).astype(np.float64)
bad = []
def same(what, got, want, rtol=1e-9, atol=1e-9):
    if not abs(got - want) <= atol + rtol * abs(want):
        bad.append(f"{what}: file {got!r}, numpy {want!r}")
if stats["channels"] != x.shape[1]: bad.append(f"channels {stats['channels']} != {x.shape[1]}")
for name, m, v in [("global", stats["global"], x.ravel())] + [
        (f"channel {c}", stats["per_channel"][c], x[:, c]) for c in range(x.shape[1])]:
    if m["count"] != v.size: bad.append(f"{name} count {m['count']} != {v.size}")
    same(f"{name} mean", m["mean"], v.mean())
    same(f"{name} std", m["std"], v.std())  # population
    same(f"{name} min", m["min"], v.min(), 0, 0)
    same(f"{name} max", m["max"], v.max(), 0, 0)
print("ok" if not bad else "; ".join(bad))
PY
}

# 1. The element on one real recording file (20 recordings of 119 samples).
mkdir -p "$TMP/one"
cp "$DATA/Revelio.csv" "$TMP/one/"
gst-launch-1.0 -q edgedatasetsrc location="$TMP/one" layout=gesture-csv gesture-rows=119 ! \
  edgewindow size-samples=119 hop-samples=119 tail=drop ! \
  edgenormalize mode=stats stats-file="$TMP/one.json" ! fakesink >"$TMP/one.log" 2>&1
check "edgenormalize mode=stats on Revelio.csv exits 0" 0 $?
check "per-channel statistics of one recording file = NumPy's" ok \
  "$(compare_stats "$TMP/one.json" "$DATA/Revelio.csv")"

# 2. The application's stats mode over every recording.
"$EDGE" launch "$APP" stats "dataset=$DATA" "stats=$TMP/stats.json" --run >"$TMP/stats.log" 2>&1
check "wand-zscore stats exits 0" 0 $?
check "per-channel statistics of every recording = NumPy's" ok \
  "$(compare_stats "$TMP/stats.json" "$DATA"/*.csv)"

# 3. The normalized windows: every channel has mean 0 and std 1 over all windows.
"$EDGE" launch "$APP" export "dataset=$DATA" "stats=$TMP/stats.json" "out=$TMP/export" --run \
  >"$TMP/export.log" 2>&1
check "wand-zscore export exits 0" 0 $?
check "exported windows: per-channel mean 0, std 1" ok "$("$PY" - "$TMP/export" <<'PY'
import glob, sys
import numpy as np
w = np.concatenate([np.load(f) for f in sorted(glob.glob(sys.argv[1] + "/shard-*.x.npy"))])
x = w.reshape(-1, 6).astype(np.float64)
ok = w.shape[0] == 100 and np.allclose(x.mean(0), 0, atol=1e-5) and np.allclose(x.std(0), 1, atol=1e-5)
print("ok" if ok else f"windows {w.shape[0]}, mean {x.mean(0)}, std {x.std(0)}")
PY
)"

# 4. dataset -> train (a few epochs) -> classify and eval through the deployed graph.
"$EDGE" dataset "$APP" "dataset=$DATA" "stats=$TMP/stats.json" "out=$TMP/ds" >"$TMP/ds.log" 2>&1
check "wand-zscore dataset exits 0" 0 $?
check "the manifest carries the statistics file's content" yes "$("$PY" - "$TMP/ds/manifest.json" "$TMP/stats.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("yes" if m.get("statistics") == json.load(open(sys.argv[2])) and
      m.get("preprocess") == "edgenormalize mode=zscore stats-file=${stats} per-channel=true"
      else f"no: {m.get('preprocess')!r}")
PY
)"
"$EDGE" train "$APP" --model dense --dataset "$TMP/ds" --epochs 10 --threads 2 \
  --out "$TMP/m.tflite" >"$TMP/train.log" 2>&1
check "train (dense, 10 epochs) exits 0" 0 $?
tail -2 "$TMP/train.log"
"$EDGE" train "$APP" --model conv1d --dataset "$TMP/ds" --cv 2 --epochs 3 --threads 2 \
  --out "$TMP/conv.tflite" >"$TMP/cv.log" 2>&1
check "train --cv 2 (conv1d with augmentation, 3 epochs) exits 0" 0 $?
"$EDGE" classify "$TMP/m.tflite" --source "file:$DATA/Revelio.csv" --print >"$TMP/print.log" 2>&1
check "classify picks wand-zscore by the model's preprocess" 1 \
  "$(grep -c 'length=119 .* edgenormalize mode=zscore stats-file=.* per-channel=true' "$TMP/print.log")"
"$EDGE" classify "$TMP/m.tflite" --source "file:$DATA/Revelio.csv" >"$TMP/classify.log" 2>"$TMP/classify.err"
check "classify on Revelio.csv exits 0" 0 $?
check "classify labels windows" yes "$([ "$(grep -c '"label":' "$TMP/classify.log")" -ge 1 ] && echo yes || echo no)"
"$EDGE" eval "$TMP/m.tflite" --dataset "$TMP/ds" --through-graph --dataset-root "$DATA" \
  >"$TMP/eval.log" 2>&1
check "eval --through-graph exits 0" 0 $?
check "the deployed graph gives the shards' predictions" 1 \
  "$(grep -c "^through the deployed graph (wand-zscore): .* 0 predictions differ from the shards', 0 windows not produced" "$TMP/eval.log")"
# The conv net's [1, 119, 1, 6] input takes the graph's [119, 6] windows (inner 1s).
"$EDGE" eval "$TMP/conv.tflite" --dataset "$TMP/ds" --through-graph --dataset-root "$DATA" \
  >"$TMP/eval-conv.log" 2>&1
check "eval --through-graph of the conv net exits 0" 0 $?
check "the conv net through the deployed graph" 1 \
  "$(grep -c "^through the deployed graph (wand-zscore): .* 0 predictions differ from the shards', 0 windows not produced" "$TMP/eval-conv.log")"

# 5. Errors.
expect_error "dataset without stats" "placeholder \${stats} has no value; give stats=" \
  "$EDGE" dataset "$APP" "dataset=$DATA" "out=$TMP/nostats"
"$PY" - "$TMP/stats.json" "$TMP/stats3.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["channels"] = 3; s["per_channel"] = s["per_channel"][:3]
json.dump(s, open(sys.argv[2], "w"))
PY
expect_error "statistics of 3 channels" "per-channel statistics have 3 channels, the stream has 6" \
  "$EDGE" dataset "$APP" "dataset=$DATA" "stats=$TMP/stats3.json" "out=$TMP/bad"
exit $fail
