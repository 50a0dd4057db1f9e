#!/usr/bin/env bash
# End to end: `edgestream eval MODEL --dataset DIR --through-graph` on the paper's gesture
# recordings (bundled, no ../shared needed). A model is trained in the test; eval runs the
# held-out windows' recordings through the deployed graph (edgedatasetsrc's clips, the
# preprocess segment, edgeinfer with its parity check, edgelabelsink) and must give the same
# predictions as the engine on the shards. A model whose preprocessing differs is refused by
# edgeinfer inside that graph.
set -u
build="${EDGE_BUILD_ROOT:?EDGE_BUILD_ROOT not set (run through meson test)}"
cli="$build/tools/edgestream"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH_1_0:-$build/plugins}"
[ -x "$cli" ] || { echo "FAIL: $cli not built"; exit 1; }
if ! "$cli" train --help >/dev/null 2>&1 || ! "$cli" eval --help 2>/dev/null | grep -q -- --through-graph; then
  echo "SKIPPED: this edgestream has no train command or no eval --through-graph yet"
  exit 77
fi
tmp=$(mktemp -d /tmp/edge_through_graph.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}

timeout 120 "$cli" dataset gesture out="$tmp/ds" >"$tmp/dataset.log" 2>&1 ||
  { cat "$tmp/dataset.log"; echo "FAIL: edgestream dataset"; exit 1; }
timeout 120 "$cli" train gesture --dataset "$tmp/ds" --out "$tmp/g.tflite" --epochs 60 --seed 1 \
  --threads 1 >"$tmp/train.log" 2>&1 || { cat "$tmp/train.log"; echo "FAIL: edgestream train"; exit 1; }

timeout 120 "$cli" eval "$tmp/g.tflite" --dataset "$tmp/ds" --through-graph >"$tmp/eval.log" 2>&1
check "eval --through-graph exits 0" 0 $?
cat "$tmp/eval.log"
line=$(grep '^through the deployed graph (gesture' "$tmp/eval.log")
check "no prediction differs from the shards'" 1 "$(grep -c ' 0 predictions differ' <<<"$line")"
check "every test window produced by the graph" 1 "$(grep -c ' 0 windows not produced' <<<"$line")"
graph_acc=$(sed -n 's/.*: accuracy \([0-9.]*\) on .*/\1/p' <<<"$line")
shard_acc=$(sed -n 's/.*(shards: \([0-9.]*\)).*/\1/p' <<<"$line")
check "same accuracy through the graph and on the shards" "$shard_acc" "$graph_acc"
check "12 held-out windows" 1 "$(grep -c ' on 12 test windows' <<<"$line")"

[ "$failures" -eq 0 ] || { echo "FAIL: $failures checks failed"; exit 1; }
echo "PASS: through-graph predictions equal the trainer-side evaluation"
