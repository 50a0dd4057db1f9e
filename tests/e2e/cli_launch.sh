#!/usr/bin/env bash
# `edgestream launch gesture dataset` prints a gst-launch-1.0 line; that line, run unchanged
# by the shell, writes the paper's 60 windows (17 punch, 43 flex) with the preprocess
# segment and its SHA-256 in the manifest. `--run` does the same in-process.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
DATA=${EDGE_SOURCE_ROOT:-.}/datasets/gesture-punch-flex
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$DATA/punch.csv" ] || { echo "SKIPPED: bundled gesture data not found: $DATA"; exit 77; }
command -v gst-launch-1.0 >/dev/null || { echo "SKIPPED: gst-launch-1.0 not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"
manifest_field() {  # manifest_field FILE PYTHON-EXPRESSION-ON-m
  /usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print($2)" "$1"
}

line=$("$EDGE" launch gesture dataset "out=$TMP/with space")
check "launch exits 0" 0 $?
echo "$line"
check "line starts with gst-launch-1.0" "gst-launch-1.0" "${line%% *}"
bash -c "$line -q" >"$TMP/gst.log" 2>&1
check "gst-launch-1.0 runs the printed line" 0 $?
m="$TMP/with space/manifest.json"
check "windows" 60 "$(manifest_field "$m" "m['counts']['windows']")"
check "per class" "{'flex': 43, 'punch': 17}" "$(manifest_field "$m" "m['counts']['per_class']")"
check "window shape" "[30, 6]" "$(manifest_field "$m" "m['window_shape']")"
pre="edgenormalize mode=minmax ranges=-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000"
check "preprocess recorded" "$pre" "$(manifest_field "$m" "m['preprocess']")"
check "preprocess sha256 recorded" "$(printf '%s' "$pre" | sha256sum | cut -d' ' -f1)" \
  "$(manifest_field "$m" "m['parameters']['preprocess_sha256']")"
check "app recorded" gesture "$(manifest_field "$m" "m['parameters']['app']")"

"$EDGE" launch gesture dataset "out=$TMP/inproc" --run >"$TMP/run.log" 2>&1
check "launch --run exits 0" 0 $?
check "--run windows" 60 "$(manifest_field "$TMP/inproc/manifest.json" "m['counts']['windows']")"
[ $fail -eq 0 ] || { tail -n 20 "$TMP/gst.log" "$TMP/run.log"; }
exit $fail
