#!/usr/bin/env bash
# `edgestream dataset gesture` on the bundled punch/flex data: 60 windows (17/43); --jobs 2
# stores the same (clip, window) keys and values as --jobs 1; shards 1/2 and 2/2 merged with
# `edgestream merge` equal the whole run; merge refuses datasets of other preprocessing.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
DATA=${EDGE_SOURCE_ROOT:-.}/datasets/gesture-punch-flex
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$DATA/punch.csv" ] || { echo "SKIPPED: bundled gesture data not found: $DATA"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"
# Summary of a dataset: counts, then every (clip, window) key with a checksum of its values,
# sorted, so two datasets with the same windows in other shards compare equal.
summary() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
print(m["counts"], m["complete"], len(m["sources"]), round(m["data_statistics"]["mean"], 9),
      round(m["data_statistics"]["std"], 9))
rows = []
for s in m["shards"]:
    f = s["files"]
    x = np.load(d + "/" + f["x"]); c = np.load(d + "/" + f["clip"]); w = np.load(d + "/" + f["window"])
    y = np.load(d + "/" + f["y"])
    for i in range(len(c)):
        rows.append("%s %d %d %.9g" % (c[i], w[i], y[i], float(np.float64(x[i]).sum())))
print(len(rows), len(set(r.split()[0] + " " + r.split()[1] for r in rows)))
print("\n".join(sorted(rows)))
PY
}

"$EDGE" dataset gesture "out=$TMP/j1" --jobs 1 >"$TMP/j1.log" 2>&1
check "--jobs 1 exits 0" 0 $?
check "--jobs 1 progress lines (not a terminal)" 1 "$(grep -c '^progress: 60/60 clips (100%)' "$TMP/j1.log")"
summary "$TMP/j1" >"$TMP/j1.sum"
check "windows and classes" "{'windows': 60, 'per_class': {'flex': 43, 'punch': 17}, 'per_fold': {'-1': 60}} True 60" \
  "$(head -n1 "$TMP/j1.sum" | cut -d" " -f1-12)"
check "60 distinct (clip, window) keys" "60 60" "$(sed -n 2p "$TMP/j1.sum")"

"$EDGE" dataset gesture "out=$TMP/j2" --jobs 2 >"$TMP/j2.log" 2>&1
check "--jobs 2 exits 0" 0 $?
summary "$TMP/j2" >"$TMP/j2.sum"
check "--jobs 2 stores the same windows as --jobs 1" "" "$(diff "$TMP/j1.sum" "$TMP/j2.sum")"
check "--jobs 2 leaves no job folders" "" "$(ls -d "$TMP"/j2.jobs 2>/dev/null)"

# More jobs than clips: the empty jobs end and the rest is merged as usual.
timeout 120 "$EDGE" dataset gesture "out=$TMP/j64" --shard 1/2 --jobs 40 >"$TMP/j64.log" 2>&1
check "--jobs 40 on 30 clips exits 0" 0 $?
check "--jobs 40 on 30 clips stores 30 windows" "$TMP/j64: 30 windows in 30 shards from 30 clips (40 jobs)" "$(tail -n1 "$TMP/j64.log")"

"$EDGE" dataset gesture "out=$TMP/s1" --shard 1/2 --jobs 1 >"$TMP/s1.log" 2>&1
check "shard 1/2 exits 0" 0 $?
"$EDGE" dataset gesture "out=$TMP/s2" --shard 2/2 --jobs 2 >"$TMP/s2.log" 2>&1
check "shard 2/2 exits 0" 0 $?
check "shard 1/2 has half the clips" 30 "$(/usr/bin/python3 -c "import json; print(json.load(open('$TMP/s1/manifest.json'))['counts']['windows'])")"
"$EDGE" merge "$TMP/merged" "$TMP/s1" "$TMP/s2" >"$TMP/merge.log" 2>&1
check "merge exits 0" 0 $?
summary "$TMP/merged" >"$TMP/merged.sum"
check "shards merged equal the whole" "" "$(diff "$TMP/j1.sum" "$TMP/merged.sum")"
"$EDGE" merge "$TMP/merged" "$TMP/s1" >"$TMP/again.log" 2>&1
check "merge into an existing dataset is refused" 1 $?

# A dataset of other preprocessing is refused, showing both values.
sed 's/-2000:2000/-1000:1000/g' "${EDGE_SOURCE_ROOT:-.}/pipelines/gesture/graph.toml" \
  | sed "s|\${app_dir}/../../datasets/gesture-punch-flex|$DATA|" >"$TMP/other.toml"
"$EDGE" dataset "$TMP/other.toml" "out=$TMP/other" --jobs 1 >"$TMP/other.log" 2>&1
check "other preprocessing runs" 0 $?
"$EDGE" merge "$TMP/mixed" "$TMP/s1" "$TMP/other" >"$TMP/mixed.log" 2>&1
check "mixed merge exits 1" 1 $?
check "mixed merge names what differs" 1 "$(grep -c 'cannot merge: preprocess differs: .*-2000:2000.*-1000:1000' "$TMP/mixed.log")"
[ $fail -eq 0 ] || tail -n 5 "$TMP"/*.log
exit $fail
