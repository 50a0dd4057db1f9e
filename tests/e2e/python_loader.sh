#!/usr/bin/env bash
# The NumPy loader for outside trainers (tools/python/edgestream_dataset.py, the one
# docs/datasets.md shows feeding Keras and PyTorch) on a real dataset made by `edgestream
# dataset gesture`: every window comes back with its label, clip and window index; the clip split
# keeps clips whole; a damaged shard is refused by name.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
SRC=${EDGE_SOURCE_ROOT:-.}
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import numpy" 2>/dev/null ||
  { echo "SKIPPED: /usr/bin/python3 with numpy not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

"$EDGE" dataset gesture "out=$TMP/ds" --jobs 1 >"$TMP/ds.log" 2>&1
check "dataset exits 0" 0 $?
out=$(PYTHONPATH="$SRC/tools/python" /usr/bin/python3 - "$TMP/ds" <<'PY'
import sys
import numpy as np
from edgestream_dataset import load
ds = load(sys.argv[1])
print(ds.x.shape, ds.x.dtype, len(ds), ds.labels)
print("per class", [int((ds.y == i).sum()) for i in range(len(ds.labels))])
print("range", float(ds.x.min()) >= -0.5, float(ds.x.max()) <= 1.5)
train, test = ds.split_by_clip(0.2, seed=1)
print("split", len(train), len(test), len(set(train.clip) & set(test.clip)))
PY
)
check "windows, dtype, labels, classes, value range, whole-clip split" "(60, 30, 6) float32 60 ['flex', 'punch']
per class [43, 17]
range True True
split 48 12 0" "$out"

# A damaged shard: one byte changed in the first x file.
x=$(ls "$TMP/ds"/shard-00000.x.npy)
printf '\x01' | dd of="$x" bs=1 seek=200 conv=notrunc status=none
err=$(PYTHONPATH="$SRC/tools/python" /usr/bin/python3 -c "
import sys
from edgestream_dataset import load
try:
    load(sys.argv[1])
except ValueError as e:
    print(e)
" "$TMP/ds")
check "damaged shard refused by name" 1 "$(echo "$err" | grep -c 'shard-00000.x.npy: SHA-256 differs')"
exit $fail
