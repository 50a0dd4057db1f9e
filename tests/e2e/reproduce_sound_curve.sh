#!/usr/bin/env bash
# tools/reproduce/sound_logmel_curve.sh (accuracy on unseen recordings against the number of
# training clips, issue 14), bounded for CI: 1 epoch a run, so this checks the split, the runs
# and the table, never accuracy.
set -u
BUILD=${EDGE_BUILD_ROOT:-build}
. "$(dirname "$0")/lib.sh"
edgestream_setup
DATA=$SHARED/sound/urbansound8k-folds1-2
require_file "$DATA/metadata.csv" "UrbanSound8K folds 1-2 not found: $DATA"
make_tmp
SCRIPT=$SRC/tools/reproduce/sound_logmel_curve.sh

EDGE_BUILD=$BUILD EDGE_SIZES="125 500" bash "$SCRIPT" "$TMP/x" >"$TMP/log" 2>&1
check "a size the curve has no runs for is refused (exit 2)" 2 $?
check "the refusal names the size" 1 "$(grep -c '500 is not a training size' "$TMP/log")"

EDGE_BUILD=$BUILD EDGE_SET="epochs=1" timeout 900 bash "$SCRIPT" "$TMP/out" >"$TMP/log" 2>&1
code=$?
grep -vE 'epoch [0-9]+/|^progress: ' "$TMP/log"
check "sound_logmel_curve.sh exits 0" 0 "$code"

# The split: four parts of 125 clips, no recording in two parts, each class 12 or 13 a part.
/usr/bin/python3 - "$TMP/out/us8k-halves" >"$TMP/split.txt" <<'EOF'
import collections, csv, os, sys
root = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(root, "metadata.csv"))))
parts = collections.defaultdict(set)
for r in rows:
    parts[r["fsID"]].add(r["fold"])
    assert os.path.isfile(os.path.join(root, "audio", "fold" + r["fold"], r["slice_file_name"]))
print("recordings in two parts:", sum(len(p) > 1 for p in parts.values()))
counts = collections.Counter((r["fold"], r["class"]) for r in rows)
print("parts:", " ".join(f"{f}={sum(1 for r in rows if r['fold'] == f)}" for f in "1234"))
print("per-class counts:", sorted(set(counts.values())))
EOF
check "split: no recording in two parts" 1 "$(grep -c '^recordings in two parts: 0$' "$TMP/split.txt")"
check "split: 125 clips a part" 1 "$(grep -c '^parts: 1=125 2=125 3=125 4=125$' "$TMP/split.txt")"
check "split: each class 12 or 13 clips a part" 1 "$(grep -c '^per-class counts: \[12, 13\]$' "$TMP/split.txt")"
check "split: parts of fold 1 keep fold 1's clips" 1 \
  "$(grep -c '^fold 2 (fold 1, half 2): 125 clips' "$TMP/log")"

# Ten runs, each scored on recordings it never trained on.
check "125: trained on one part" 4 "$(grep -c 'split: train on folds other than \[[0-9],[0-9],[0-9]\] (875 windows)' "$TMP/log")"
check "250: trained on one fold" 2 "$(grep -Ec 'split: train on folds other than \[(1,2|3,4)\] \(1750 windows\)' "$TMP/log")"
check "375: trained on three parts" 4 "$(grep -c 'split: train on folds other than \[[0-9]\] (2625 windows)' "$TMP/log")"
check "eval reports" 10 "$(ls "$TMP"/out/reports/*-eval/report.json | wc -l)"
row='[0-9]+\.[0-9] % \| [0-9]+\.[0-9] % \| [0-9]+\.[0-9] / [0-9]+\.[0-9] / [0-9]+\.[0-9] / [0-9]+\.[0-9] \|$'
check "table: 125 tests every clip twice (two models a fold)" 1 "$(grep -Ec "^\| 125 \| 1 \| 1000 \| $row" "$TMP/log")"
check "table: 250 tests every clip once" 1 "$(grep -Ec "^\| 250 \| 1 \| 500 \| $row" "$TMP/log")"
check "table: 375 tests every clip once" 1 "$(grep -Ec "^\| 375 \| 1 \| 500 \| $row" "$TMP/log")"
# The 250 row pools two runs of 250 clips each: its clip figure is their reports' mean.
check "table: 250 by clip = the mean of its two eval reports" \
  "$(/usr/bin/python3 -c "import json,sys; print('%.1f' % (50 * sum(json.load(open(p))['variants'][0]['clip_accuracy'] for p in sys.argv[1:])))" "$TMP"/out/reports/n250-s1-test*-eval/report.json)" \
  "$(grep -E '^\| 250 \| 1 \| 500 \|' "$TMP/log" | awk -F'|' '{print $6}' | tr -d ' %')"

# A second call resumes: every run is done, nothing trains again.
EDGE_BUILD=$BUILD EDGE_SET="epochs=1" bash "$SCRIPT" "$TMP/out" >"$TMP/log2" 2>&1
check "rerun exits 0" 0 $?
check "rerun trains nothing" 0 "$(grep -c '^== 3. train' "$TMP/log2")"
check "rerun reports every run as done" 10 "$(grep -c ': done before' "$TMP/log2")"
exit $fail
