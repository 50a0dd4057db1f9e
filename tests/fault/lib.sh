# Shared by the fault-injection scripts: `. "$(dirname "$0")/lib.sh"`.
#
# check NAME EXPECTED ACTUAL     prints ok/FAIL, sets fail=1 on a mismatch
# expect_exit NAME CODES CMD...  runs CMD, checks its exit code is one of CODES ("1", "0 1")
# clean_failure NAME LOG RC      the run failed cleanly: exit 1 (not a signal, not a timeout)
# summary DIR                    counts, sources and every (clip, window) key with a hash of its
#                                values, sorted: equal for equal datasets whatever the shards
# with_tmpfs DIR SIZE            mounts a tmpfs of SIZE on DIR (root only); false otherwise
# seeded N                       a pseudo-random number in [0, N) from $EDGE_FAULT_SEED
set -u
BUILD=$(cd "${EDGE_BUILD_ROOT:-build}" 2>/dev/null && pwd)
SRC=$(cd "${EDGE_SOURCE_ROOT:-.}" && pwd)
EDGE=$BUILD/tools/edgestream
DATA=$SRC/datasets/gesture-punch-flex
SHIM=$BUILD/tests/fault/libedge_write_fault.so
PY=/usr/bin/python3
export GST_PLUGIN_PATH_1_0=${GST_PLUGIN_PATH_1_0:-$BUILD/plugins}
# gst-launch-1.0 exits 255 when the pipeline cannot start, 1 on an error while it runs.
GST_START_FAILED=255
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$DATA/punch.csv" ] || { echo "SKIPPED: bundled gesture data not found: $DATA"; exit 77; }
"$PY" -c 'import numpy' 2>/dev/null || { echo "SKIPPED: $PY has no numpy"; exit 77; }
fail=0
TMP=$(mktemp -d /tmp/edge-fault.XXXXXX)
MOUNTS=()
cleanup() {
  local m
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
# A registry scan (after a build, on a loaded machine) must not count against the timeouts.
gst-inspect-1.0 edgedatasetsrc >/dev/null 2>&1 || { echo "FAIL: edgedatasetsrc not found"; exit 1; }
# Seeded and printed, so a failing run can be repeated: EDGE_FAULT_SEED=N meson test ...
EDGE_FAULT_SEED=${EDGE_FAULT_SEED:-$(date +%s)}
echo "seed: EDGE_FAULT_SEED=$EDGE_FAULT_SEED"
RANDOM=$EDGE_FAULT_SEED

check() {
  if [ "$2" == "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; fail=1; fi
}

seeded() { echo $((RANDOM % $1)); }

# clean_failure NAME LOG RC: exit code 1 with a message, not a crash (>= 128), not a hang
# (124 from timeout), and no sanitizer or GStreamer fault-handler report.
clean_failure() {
  local name=$1 log=$2 rc=$3
  if [ "$rc" = 1 ] && ! grep -qE 'SIGSEGV|Spinning|AddressSanitizer|runtime error' "$log"; then
    echo "ok: $name: exit 1: $(grep -m1 -E 'edgestream: |ERROR' "$log" | cut -c1-200)"
  else
    echo "FAIL: $name: exit $rc (expected a clean exit 1)"; tail -n 15 "$log"; fail=1
  fi
}

# True when no manifest under DIR claims a complete dataset.
nothing_complete() {
  "$PY" - "$1" <<'PY'
import json, os, sys
for root, _, files in os.walk(sys.argv[1]):
    if "manifest.json" in files:
        try:
            if json.load(open(os.path.join(root, "manifest.json"))).get("complete"):
                print(os.path.join(root, "manifest.json")); sys.exit(1)
        except ValueError:
            pass
PY
}

summary() {
  "$PY" - "$1" <<'PY'
import hashlib, json, sys, numpy as np
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
print(m["complete"], m["counts"], m["labels"],
      sorted((s["clip"], s["path"], s.get("sha256")) for s in m["sources"]))
rows = []
for s in m["shards"]:
    f = s["files"]
    x = np.load(d + "/" + f["x"]); c = np.load(d + "/" + f["clip"]); w = np.load(d + "/" + f["window"])
    y = np.load(d + "/" + f["y"]); fold = np.load(d + "/" + f["fold"])
    for i in range(len(c)):
        rows.append("%s %d %d %d %s" % (c[i], w[i], y[i], fold[i],
                                        hashlib.sha256(x[i].tobytes()).hexdigest()[:16]))
print(len(rows), len(set(" ".join(r.split()[:2]) for r in rows)))
print("\n".join(sorted(rows)))
PY
}

with_tmpfs() {
  local dir=$1 size=$2
  [ "$(id -u)" = 0 ] || return 1
  mkdir -p "$dir"
  mount -t tmpfs -o "size=$size" tmpfs "$dir" 2>/dev/null || return 1
  MOUNTS+=("$dir")
}

# The reference: the whole gesture dataset, one job, never interrupted.
reference() {
  [ -f "$TMP/ref.sum" ] && return 0
  "$EDGE" dataset gesture "out=$TMP/ref" --jobs 1 >"$TMP/ref.log" 2>&1 || { cat "$TMP/ref.log"; exit 1; }
  summary "$TMP/ref" >"$TMP/ref.sum"
}
