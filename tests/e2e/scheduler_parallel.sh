#!/usr/bin/env bash
# `edgestream dataset ... --shard K/4` under GNU parallel (the docs/cli.md command line), then
# `edgestream merge`: the merged dataset equals one unsharded run, window for window by
# SHA-256, with the same sources and counts. Parts that fail make parallel exit non-zero.
set -u
fail=0
. "$(dirname "$0")/lib.sh"
command -v parallel >/dev/null || { echo "SKIPPED: GNU parallel not installed (Debian parallel)"; exit 77; }
parallel --version 2>/dev/null | grep -q "GNU parallel" ||
  { echo "SKIPPED: the parallel on PATH is not GNU parallel (moreutils?)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/scheduler_lib.sh"
scheduler_setup

# As docs/cli.md writes it: one part per job slot, --jobs 1 inside each.
timeout 300 parallel -j 2 --halt now,fail=1 \
  "$EDGE" dataset "${APP_ARGS[@]}" "out=$TMP/part-{}" --shard "{}/4" --jobs 1 ::: 1 2 3 4 \
  >"$TMP/parallel.log" 2>&1
check "parallel runs the 4 parts" 0 $?
timeout 120 "$EDGE" merge "$TMP/merged" "$TMP"/part-{1..4} >"$TMP/merge.log" 2>&1
check "merge exits 0" 0 $?
DIGEST "$TMP/whole" >"$TMP/whole.txt"
DIGEST "$TMP/merged" >"$TMP/merged.txt"
check "the unsharded run is complete" "complete True" "$(head -n1 "$TMP/whole.txt" | cut -d' ' -f1-2)"
check "merged parts equal the unsharded run (window hashes, sources, counts)" "" \
  "$(diff "$TMP/whole.txt" "$TMP/merged.txt" | head -5)"
check "every part holds windows" 4 "$(for k in 1 2 3 4; do DIGEST "$TMP/part-$k" | sed -n 's/^windows \([1-9][0-9]*\)$/x/p'; done | wc -l)"
[ $fail -eq 0 ] || tail -n 5 "$TMP"/*.log
exit $fail
