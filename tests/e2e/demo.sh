#!/usr/bin/env bash
# `edgestream demo` (the README's main job) end to end on the bundled punch/flex recordings:
# every step line, the accuracy line over the held-out gestures (and replay.json agreeing with
# it), every output file (float and int8 .tflite, C array, reports, hold-out list, detections),
# no held-out recording in the training dataset, and a failing step named with exit 1; then the
# sound part: the bundled yes/no clips played in real time through pipelines/micro-speech, a
# label line per clip as it ends, TFLM's own yes and no clips labelled with their word.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
DATA=${EDGE_SOURCE_ROOT:-.}/datasets/gesture-punch-flex
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -x "$(dirname "$EDGE")/edge-serial-replay" ] || { echo "SKIPPED: edge-serial-replay not built"; exit 77; }
[ -f "$DATA/punch.csv" ] || { echo "SKIPPED: bundled gesture data not found: $DATA"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"

out=$TMP/out
timeout 300 "$EDGE" demo --out "$out" --keep >"$TMP/demo.log" 2>&1
code=$?
cat "$TMP/demo.log"
check "demo exits 0" 0 "$code"
for step in "1/8] hold-out" "2/8] dataset" "3/8] train" "4/8] optimize" "5/8] eval" "6/8] export" \
  "7/8] replay" "8/8] sound"; do
  check "step line [$step" 1 "$(grep -c "^\[$step" "$TMP/demo.log")"
done
accuracy_line=$(grep '^accuracy over the ' "$TMP/demo.log")
echo "$accuracy_line" | grep -Eq '^accuracy over the 12 held-out gestures \(live, int8, through the serial port\): [0-9]+/12 = [0-9.]+ % \([0-9]+ missed, [0-9]+ spurious\)'
check "accuracy line over the 12 held-out gestures" 0 $?
correct=$(echo "$accuracy_line" | sed -E 's/.*: ([0-9]+)\/12 = .*/\1/')
check "replay.json agrees with the accuracy line" "$correct 12" \
  "$(/usr/bin/python3 -c "import json; r = json.load(open('$out/replay.json')); print(r['correct'], r['gestures'])")"
# The trained network separates punch from flex (the paper: 91.67 %); a live run far below that
# means the replay or the graph is broken, not the model.
check "at least 10 of 12 held-out gestures right" 1 "$([ "$correct" -ge 10 ] && echo 1 || echo 0)"

for f in gesture-float.tflite gesture-int8.tflite c/gesture_int8.h c/gesture_int8.cc \
  c/gesture_int8_model_info.h c/gesture_int8_model_info.md reports/train/report.json \
  reports/train/report.md reports/optimize/optimize.json reports/eval/report.json \
  reports/eval/report.md holdout.json replay.csv replay.json detections.jsonl \
  logs/3-train.log logs/7-classify.log; do
  check "output $f exists and is not empty" 1 "$([ -s "$out/$f" ] && echo 1 || echo 0)"
done
check "int8 model smaller than the float one" 1 \
  "$([ "$(stat -c %s "$out/gesture-int8.tflite")" -lt "$(stat -c %s "$out/gesture-float.tflite")" ] && echo 1 || echo 0)"
# Issue 4's size target for the deployed file (the paper's was 14,008 bytes), its metadata kept.
check "int8 model at most 12,000 bytes" 1 \
  "$([ "$(stat -c %s "$out/gesture-int8.tflite")" -le 12000 ] && echo 1 || echo 0)"
check "int8 model keeps its labels, preprocess and hash" 3 \
  "$("$(dirname "$EDGE")/edgestream-inspect" "$out/gesture-int8.tflite" 2>/dev/null |
    grep -Eo 'edgestream\.(labels|preprocess|hash)' | sort -u | wc -l)"

# Sound: the six bundled clips, one label line each as it is played, in real time (six seconds of
# audio cannot be labelled sooner than its clips end), and sound.json agreeing with the line.
clips=$(ls "${EDGE_SOURCE_ROOT:-.}"/datasets/speech-yes-no/*/*.wav | wc -l)
check "six bundled clips" 6 "$clips"
check "a label line per clip" 6 "$(grep -cE '^ +[0-9.]+ s  (yes|no|unknown|silence|-) ' "$TMP/demo.log")"
keywords=$(grep '^keywords: ' "$TMP/demo.log")
echo "$keywords" | grep -Eq '^keywords: [0-9]/6 spoken clips labelled with their word, live'
check "keywords line" 0 $?
/usr/bin/python3 - "$out" "$keywords" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/sound.json"))
by_clip = {c["clip"]: c for c in r["per_clip"]}
ok = True
def expect(what, cond):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok = ok and cond
expect("sound.json: 6 clips", r["clips"] == 6 and len(r["per_clip"]) == 6)
expect("sound.json agrees with the keywords line", sys.argv[2].startswith("keywords: %d/6" % r["correct"]))
expect("TFLM's yes clip labelled yes", by_clip["yes/tflm_yes_1000ms.wav"]["label"] == "yes")
expect("TFLM's no clip labelled no", by_clip["no/tflm_no_1000ms.wav"]["label"] == "no")
expect("at least 4 of 6 clips right", r["correct"] >= 4)
seconds = [c["seconds"] for c in r["per_clip"]]
expect("labels arrive as the clips are played (last after 5 s of audio: %.2f s)" % seconds[-1],
       seconds == sorted(seconds) and seconds[-1] >= 5.0)
sys.exit(0 if ok else 1)
PY
check "sound checks" 0 $?
check "output sound.jsonl has a line per clip" 6 "$(wc -l <"$out/sound.jsonl")"
check "sound log kept" 1 "$([ -s "$out/logs/8-sound.log" ] && echo 1 || echo 0)"

# The hold-out comes first: the training dataset has the 48 other recordings, none held out.
check "training dataset windows (60 - 12 held out)" 48 \
  "$(/usr/bin/python3 -c "import json; print(json.load(open('$out/work/dataset/manifest.json'))['counts']['windows'])")"
/usr/bin/python3 - "$out" "$DATA" <<'PY'
import json, sys
out, data = sys.argv[1], sys.argv[2]
def recordings(path):  # each recording's rows as one text, in file order (header dropped)
    blocks = open(path).read().replace("\r", "").split("\n\n")
    rows = [[l for l in b.split("\n") if l and not l[0].isalpha()] for b in blocks]
    return ["\n".join(r) for r in rows if r]
held = json.load(open(out + "/holdout.json"))["held_out"]
bad = 0
for label in ("punch", "flex"):
    train = set(recordings(out + "/work/train-recordings/%s.csv" % label))
    original = recordings(data + "/%s.csv" % label)
    for clip in held:
        name, n = clip.split("#")
        if name == label + ".csv" and original[int(n) - 1] in train:
            print("held-out", clip, "is in the training recordings"); bad = 1
sys.exit(bad)
PY
check "no held-out recording in the training recordings" 0 $?

# Without --keep the intermediate files go; a second run into the same folder works.
timeout 300 "$EDGE" demo --out "$out" --seed 3 >"$TMP/demo2.log" 2>&1
check "second run (seed 3, no --keep) exits 0" 0 $?
check "work/ removed without --keep" 0 "$([ -d "$out/work" ] && echo 1 || echo 0)"

# A failing step is named and the demo exits 1: an application folder whose gesture graph is
# broken makes `edgestream dataset` fail.
mkdir -p "$TMP/pipelines/gesture"
echo 'this is not toml = = =' >"$TMP/pipelines/gesture/graph.toml"
EDGE_PIPELINES_DIR=$TMP/pipelines timeout 120 "$EDGE" demo --out "$TMP/broken" >"$TMP/broken.log" 2>&1
check "broken step exits 1" 1 $?
check "failing step named" 1 "$(grep -c "demo: step 'dataset' failed" "$TMP/broken.log")"
check "steps after it not run" 0 "$(grep -c '^\[3/8\]' "$TMP/broken.log")"
# A clips folder without clips stops the demo before its first step, naming the folder.
mkdir -p "$TMP/datasets/speech-yes-no/yes"
ln -s "$(cd "$DATA" && pwd)" "$TMP/datasets/gesture-punch-flex"
EDGE_DATASETS_DIR=$TMP/datasets timeout 60 "$EDGE" demo --out "$TMP/noclips" >"$TMP/noclips.log" 2>&1
check "empty clips folder exits 1" 1 $?
check "empty clips folder named" 1 "$(grep -c "no WAV clip in $TMP/datasets/speech-yes-no/<word>/" "$TMP/noclips.log")"
check "no step run without the clips" 0 "$(grep -c '^\[1/8\]' "$TMP/noclips.log")"
exit $fail
