# Shared by the scheduler end-to-end tests (scheduler_parallel.sh, scheduler_slurm.sh):
# `. "$(dirname "$0")/scheduler_lib.sh"` after lib.sh. Sets EDGE, TMP (removed at exit by the
# caller's trap), APP_ARGS (the app and its key=value words for `edgestream dataset`) and
# DIGEST (a function). The data: 30 real UrbanSound8K clips through the sound app (22.05 ->
# 30 kHz, z-score, 173 x 173) when ../shared is there, else the bundled gesture recordings.
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIPPED: /usr/bin/python3 (with numpy) not installed"; exit 77; }
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-${EDGE_BUILD_ROOT:-build}/plugins}"
US8K=${EDGE_SHARED_DATA:-../shared/data}/sound/urbansound8k-folds1-2

# Prepares the data under $TMP and sets APP_ARGS; then runs the unsharded reference.
scheduler_setup() {
  if [ -f "$US8K/metadata.csv" ]; then
    local us="$TMP/us"
    mkdir -p "$us/audio/fold1" "$us/audio/fold2"
    {
      head -1 "$US8K/metadata.csv"
      tail -n +2 "$US8K/metadata.csv" | sort -t, -k5,5 -k7,7 -k1,1 |
        awk -F, '{k = $5 "," $7; n[k]++; if (n[k] <= ($5 == 1 ? 2 : 1)) print}'
    } >"$us/metadata.csv"
    tail -n +2 "$us/metadata.csv" | while IFS=, read -r f _ _ _ fold _; do
      cp "$US8K/audio/fold$fold/$f" "$us/audio/fold$fold/$f"  # links out of the root are refused
    done
    timeout 300 "$EDGE" launch sound stats dataset="$us" stats="$TMP/stats.json" --run \
      >"$TMP/stats.log" 2>&1 || { cat "$TMP/stats.log"; echo "FAIL: statistics pass"; exit 1; }
    APP_ARGS=(sound "dataset=$us" "stats=$TMP/stats.json")
    echo "data: $(($(wc -l <"$us/metadata.csv") - 1)) UrbanSound8K clips (sound app)"
  else
    APP_ARGS=(gesture)
    echo "data: the bundled gesture recordings (no $US8K)"
  fi
  timeout 300 "$EDGE" dataset "${APP_ARGS[@]}" "out=$TMP/whole" --jobs 1 >"$TMP/whole.log" 2>&1 ||
    { cat "$TMP/whole.log"; echo "FAIL: the unsharded run"; exit 1; }
}

# A dataset's content with the SHA-256 of every stored window, sorted by (clip, window):
# equal text means the same windows with the same bytes, labels and folds, and the same
# sources (with their hashes), whatever shard files hold them.
DIGEST() {
  /usr/bin/python3 - "$1" <<'PY'
import hashlib, json, sys
import numpy as np
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
print("complete", m["complete"], "counts", json.dumps(m["counts"], sort_keys=True))
print("sources", hashlib.sha256(json.dumps(sorted(json.dumps(s, sort_keys=True) for s in m["sources"])).encode()).hexdigest())
rows = []
for s in m["shards"]:
    f = s["files"]
    x, y, c, w = (np.load(d + "/" + f[k]) for k in ("x", "y", "clip", "window"))
    for i in range(len(c)):
        rows.append("%s %d %d %s" % (c[i], w[i], y[i], hashlib.sha256(np.ascontiguousarray(x[i]).tobytes()).hexdigest()))
print("windows", len(rows))
print("\n".join(sorted(rows)))
PY
}
