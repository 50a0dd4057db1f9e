#!/usr/bin/env bash
# End to end: `edgestream classify` on a WAV file with a sound model whose preprocessing
# needs normalization statistics. A 10-clip UrbanSound8K subset (2 classes, folds 1-2, from
# ../shared) goes through the sound app's stats and dataset modes and `edgestream train`
# (1 epoch: accuracy is not the point, the graph is). The model carries the canonical
# preprocess (stats-file=${stats}) and the statistics' content; classify writes them to a
# temporary file for edgenormalize, edgeinfer checks them against the model, and the file is
# gone afterwards. Statistics that differ are refused showing both.
set -u
build="${EDGE_BUILD_ROOT:?EDGE_BUILD_ROOT not set (run through meson test)}"
cli="$build/tools/edgestream"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-$build/plugins}"
root="${EDGE_SHARED_DATA:-../shared/data}/sound/urbansound8k-folds1-2"
if [ ! -f "$root/metadata.csv" ]; then
  echo "SKIPPED: shared real data not found: $root"
  exit 77
fi
[ -x "$cli" ] || { echo "FAIL: $cli not built"; exit 1; }
if ! "$cli" train --help >/dev/null 2>&1; then
  echo "SKIPPED: this edgestream has no train command yet"
  exit 77
fi
tmp=$(mktemp -d /tmp/edge_classify_sound.XXXXXX)
export TMPDIR="$tmp/t"
mkdir -p "$TMPDIR"
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
run() {  # log command...: runs with a bound, prints the log on failure
  local log=$1
  shift
  timeout 300 "$@" >"$log" 2>&1 || { cat "$log"; echo "FAIL: $*"; exit 1; }
}

us="$tmp/us"
mkdir -p "$us/audio/fold1" "$us/audio/fold2"
{
  head -1 "$root/metadata.csv"
  for c in air_conditioner car_horn; do
    grep ",1,[0-9]*,$c\$" "$root/metadata.csv" | head -4
    grep ",2,[0-9]*,$c\$" "$root/metadata.csv" | head -1
  done
} >"$us/metadata.csv"
tail -n +2 "$us/metadata.csv" | while IFS=, read -r f _ _ _ fold _; do
  cp "$root/audio/fold$fold/$f" "$us/audio/fold$fold/$f"
done
check "10 clips in the subset" 11 "$(wc -l <"$us/metadata.csv")"

run "$tmp/stats.log" "$cli" launch sound stats dataset="$us" stats="$tmp/stats.json" --run
run "$tmp/dataset.log" "$cli" dataset sound dataset="$us" out="$tmp/ds" stats="$tmp/stats.json"
check "manifest keeps the canonical preprocess" 1 \
  "$(/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(int(m["preprocess"].endswith("edgenormalize mode=zscore stats-file=${stats} ! edgereshape shape=square")))' "$tmp/ds/manifest.json")"
run "$tmp/train.log" "$cli" train sound --dataset "$tmp/ds" --out "$tmp/snd.tflite" --epochs 1 \
  --threads 2 --test-folds 2 --seed 1

wav="$us/audio/fold2/$(sed -n 's/^\([^,]*\),.*,2,0,air_conditioner$/\1/p' "$us/metadata.csv")"
# --print: the statistics go to a file in the cache that stays, so the line runs as is.
export XDG_CACHE_HOME="$tmp/cache"
"$cli" classify "$tmp/snd.tflite" --source "file:$wav" --print >"$tmp/line.txt" 2>&1
stats_dir="$XDG_CACHE_HOME/edgestream/statistics"
check "printed graph reads the cached statistics file" 1 "$(grep -c "stats-file=$stats_dir/[0-9a-f]\{16\}\.json" "$tmp/line.txt")"
check "edgeinfer states the canonical text" 1 "$(grep -c "'preprocess=edgeresample .*stats-file=\${stats} ! edgereshape shape=square' statistics=$stats_dir/" "$tmp/line.txt")"
check "the silence gate follows the window" 1 "$(grep -c "edgewindow size=1.0 hop=0.5 tail=pad ! edgegate min-level-db=-60 ! edgenormalize" "$tmp/line.txt")"
"$cli" classify "$tmp/snd.tflite" --source "file:$wav" --print >"$tmp/line2.txt" 2>&1
check "printing again names the same file" "" "$(diff "$tmp/line.txt" "$tmp/line2.txt")"
(eval "timeout 120 $(cat "$tmp/line.txt")") >"$tmp/printed.log" 2>&1
check "the printed line runs as is" 0 $?
check "and classifies the 7 windows" 7 "$(grep -c '^{"pts"' "$tmp/printed.log")"
check "no temporary file from printing" 0 "$(ls "$TMPDIR" | wc -l)"
timeout 120 "$cli" classify "$tmp/snd.tflite" --source "file:$wav" --output "$tmp/out.jsonl" >"$tmp/classify.log" 2>&1
check "classify file:wav exits 0" 0 $?
# 4 s at 1 s windows every 0.5 s, the last one padded.
check "7 windows classified" 7 "$(wc -l <"$tmp/out.jsonl")"
check "every line names one of the two classes" 7 "$(grep -cE '"label":"(air_conditioner|car_horn)"' "$tmp/out.jsonl")"
check "temporary statistics removed" 0 "$(ls "$TMPDIR" | wc -l)"

printf '{"format":"edgestream-stats","version":1,"per_channel":[{"count":5,"mean":0.5,"std":1.0}]}' >"$tmp/other.json"
timeout 60 "$cli" classify "$tmp/snd.tflite" --source "file:$wav" --statistics "$tmp/other.json" >"$tmp/other.log" 2>&1
check "other statistics refused" 1 $?
check "message shows both statistics" 2 "$(grep -cE '^  (graph \(statistics .*other.json\)|model): \{' "$tmp/other.log")"

[ "$failures" -eq 0 ] || { echo "FAIL: $failures checks failed"; exit 1; }
echo "PASS: classify a WAV file with a statistics-normalized sound model"
