#!/usr/bin/env bash
# Issue 11 item 6: `edgestream dataset sound` (22.05 -> 30 kHz, 1 s windows every 0.5 s,
# z-score, 173 x 173) on real UrbanSound8K clips stores byte-identical windows with --jobs 1,
# --jobs 2, a shuffled clip order, and shards 1/2 + 2/2 joined by `edgestream merge`: every
# clip is resampled as if alone, whatever ran before it in the same pipeline. (With
# audioresample in the graph, the filter state of one clip leaked into the next: --jobs 1 and
# --jobs 2 differed in 3,479 of 3,500 windows.) 60 clips of folds 1-2 from ../shared.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
ROOT=${EDGE_SHARED_DATA:-../shared/data}/sound/urbansound8k-folds1-2
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$ROOT/metadata.csv" ] || { echo "SKIPPED: shared real data not found: $ROOT"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIPPED: /usr/bin/python3 (with numpy) not installed"; exit 77; }
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-${EDGE_BUILD_ROOT:-build}/plugins}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"

# 60 clips: the first 3 of each class in each fold.
us="$TMP/us"
mkdir -p "$us/audio/fold1" "$us/audio/fold2"
{
  head -1 "$ROOT/metadata.csv"
  tail -n +2 "$ROOT/metadata.csv" | sort -t, -k5,5 -k7,7 -k1,1 |
    awk -F, '{k = $5 "," $7; if (n[k]++ < 3) print}'
} >"$us/metadata.csv"
tail -n +2 "$us/metadata.csv" | while IFS=, read -r f _ _ _ fold _; do
  cp "$ROOT/audio/fold$fold/$f" "$us/audio/fold$fold/$f"  # a copy: links out of the root are refused
done
check "60 clips in the subset" 61 "$(wc -l <"$us/metadata.csv")"

# Every (clip, window) key with the SHA-256 of its stored bytes, sorted: equal text means
# byte-identical windows, whatever shard files hold them.
windows() {
  /usr/bin/python3 - "$1" <<'PY'
import hashlib, json, sys
import numpy as np
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
rows = []
for s in m["shards"]:
    f = s["files"]
    x, c, w = (np.load(d + "/" + f[k]) for k in ("x", "clip", "window"))
    for i in range(len(c)):
        rows.append("%s %d %s" % (c[i], w[i], hashlib.sha256(np.ascontiguousarray(x[i]).tobytes()).hexdigest()))
print(len(rows), m["complete"])
print("\n".join(sorted(rows)))
PY
}

timeout 300 "$EDGE" launch sound stats dataset="$us" stats="$TMP/stats.json" --run >"$TMP/stats.log" 2>&1
check "statistics pass exits 0" 0 $?
run_dataset() {  # NAME ARGS...
  local name=$1
  shift
  timeout 300 "$EDGE" dataset sound dataset="$us" stats="$TMP/stats.json" out="$TMP/$name" "$@" \
    >"$TMP/$name.log" 2>&1
  check "$name exits 0" 0 $?
}
run_dataset j1 --jobs 1
run_dataset j2 --jobs 2
run_dataset s1 --shard 1/2 --jobs 1
run_dataset s2 --shard 2/2 --jobs 2
"$EDGE" merge "$TMP/merged" "$TMP/s1" "$TMP/s2" >"$TMP/merge.log" 2>&1
check "merge exits 0" 0 $?

windows "$TMP/j1" >"$TMP/j1.txt"
check "--jobs 1: 420 windows (7 per 4 s clip), complete" "420 True" "$(head -n1 "$TMP/j1.txt")"
windows "$TMP/j2" >"$TMP/j2.txt"
check "--jobs 2 stores byte-identical windows" "" "$(diff "$TMP/j1.txt" "$TMP/j2.txt" | head -3)"
windows "$TMP/merged" >"$TMP/merged.txt"
check "shards 1/2 + 2/2 merged store byte-identical windows" "" \
  "$(diff "$TMP/j1.txt" "$TMP/merged.txt" | head -3)"

# Another clip order in one pipeline (the source's shuffle): the same bytes per window.
sed 's/layout=urbansound8k shard=${shard} rate=30000/layout=urbansound8k shard=${shard} shuffle=true seed=11 rate=30000/' \
  "${EDGE_SOURCE_ROOT:-.}/pipelines/sound/graph.toml" >"$TMP/shuffled.toml"
grep -q "shuffle=true seed=11" "$TMP/shuffled.toml" || { echo "FAIL: could not make the shuffled graph"; exit 1; }
timeout 300 "$EDGE" dataset "$TMP/shuffled.toml" dataset="$us" stats="$TMP/stats.json" \
  out="$TMP/shuffled" --jobs 1 >"$TMP/shuffled.log" 2>&1
check "shuffled order exits 0" 0 $?
windows "$TMP/shuffled" >"$TMP/shuffled.txt"
check "a shuffled clip order stores byte-identical windows" "" \
  "$(diff "$TMP/j1.txt" "$TMP/shuffled.txt" | head -3)"
[ $fail -eq 0 ] || tail -n 5 "$TMP"/*.log
exit $fail
