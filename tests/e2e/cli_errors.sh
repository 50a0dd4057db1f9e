#!/usr/bin/env bash
# Errors a person can act on: each exits 1 with a message naming the thing and what to do.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
expect() {  # expect <description> <exit code> <grep -E pattern> <args...>
  local what=$1 code=$2 pattern=$3
  shift 3
  "$EDGE" "$@" >"$TMP/out" 2>&1
  local got=$?
  if [ "$got" != "$code" ]; then echo "FAIL: $what: exit $got, expected $code"; cat "$TMP/out"; fail=1; return; fi
  if ! grep -Eq -- "$pattern" "$TMP/out"; then
    echo "FAIL: $what: message does not match /$pattern/:"; cat "$TMP/out"; fail=1; return
  fi
  echo "ok: $what: $(head -n1 "$TMP/out")"
}
expect "unknown application lists the known ones" 1 "unknown application 'gestures'.*known: gesture, keyword, sound" launch gestures dataset
expect "unknown mode lists the modes" 1 "no mode 'live'; its modes are: dataset, export, realtime" launch gesture live
expect "unfilled placeholder names it, app and mode" 1 'gesture dataset: placeholder \$\{out\} has no value; give out=' launch gesture dataset
expect "unknown key lists the known ones" 1 "no placeholder 'devise'; known: dataset, out, shard, device" launch gesture realtime devise=/dev/ttyACM0
expect "bad key=value syntax" 1 "'/dev/ttyACM0' is not key=value" launch gesture realtime /dev/ttyACM0
expect "missing device" 1 "device=/dev/ttyEDGE404: No such file or directory \(no such device" launch gesture realtime device=/dev/ttyEDGE404 model=/dev/null
expect "device that is not a character device" 1 "device=$TMP: not a character device" launch gesture realtime device=$TMP model=/dev/null
expect "model that does not exist" 1 "model=$TMP/none.tflite: No such file" launch gesture realtime device=/dev/null model=$TMP/none.tflite
expect "dataset folder that does not exist" 1 "dataset=$TMP/nothing: No such file" launch keyword dataset dataset=$TMP/nothing out=$TMP/o
expect "definition file that does not exist" 1 "cannot read graph definition $TMP/x.toml" launch $TMP/x.toml dataset
printf '[app]\nname = "x"\n[segments]\npreprocess = "a ${b}"\n[modes]\nm = "c"\n' >"$TMP/bad.toml"
expect "definition with an undeclared placeholder" 1 'bad.toml: segment preprocess uses \$\{b\}' launch "$TMP/bad.toml" m
expect "bad shard" 1 "--shard: '3/2' is not a shard" dataset gesture out=$TMP/o --shard 3/2
expect "dataset without out" 1 "give out=DIR" dataset gesture
expect "no subcommand" 106 "A subcommand is required" 
# Values that set an element property are checked against its declared parameters first.
expect "property value of the wrong type" 1 'gesture realtime: placeholder threshold="abc" gives edgewindow threshold="abc": "abc" is not a number' launch gesture realtime device=/dev/null model=/dev/null threshold=abc
expect "property value its check refuses" 1 'edgeimusrc baud="12345": 12345 is not one of the termios rates' launch gesture realtime device=/dev/null model=/dev/null baud=12345
printf '[app]\nname = "w"\n[placeholders]\nsize = "1"\nshard = "1/1"\nout = "x"\n[segments]\npreprocess = "edgewindow size=${size} tail=drop"\n[modes]\ndataset = "edgedatasetsrc location=${app_dir} shard=${shard} ! ${preprocess} ! edgedatasetsink location=${out}"\n' >"$TMP/w.toml"
expect "dataset: property value out of range" 1 'w dataset: placeholder size="-1" gives edgewindow size="-1": -1 is below the minimum 1e-06; allowed: a number from 1e-06 to 3600' dataset "$TMP/w.toml" out=$TMP/o size=-1
exit $fail
