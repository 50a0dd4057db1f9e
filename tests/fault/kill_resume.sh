#!/usr/bin/env bash
# kill -9 at random points of `edgestream dataset --jobs 2` (pipelines, merge, clean-up),
# `edgestream merge` and `edgestream optimize`; the same command run again must finish, and
# what it leaves must equal, by hashes, what an uninterrupted run leaves (issue 11 item 5:
# a kill during the merge made every later run fail with "File exists").
#
# Two kinds of kill, both SIGKILL: from outside after a seeded random delay (as a person or
# the OOM killer does), and from inside at the N-th file operation under the output folder,
# N seeded in [1, count] (the LD_PRELOAD shim write_fault.cc), which reaches the few
# milliseconds of a merge that a timer almost never hits. EDGE_FAULT_KILLS (default 6) kill
# points per command; EDGE_FAULT_SEED repeats a run.
. "$(dirname "$0")/lib.sh"
kills=${EDGE_FAULT_KILLS:-6}
reference

# count_ops DIR CMD...: sets ops to the mutating file operations CMD makes under DIR.
count_ops() {
  local dir=$1
  shift
  rm -f "$TMP/count"
  ops=0
  if EDGE_FAULT_UNDER="$dir" EDGE_FAULT_MODE="count:$TMP/count" LD_PRELOAD="$SHIM" "$@" >"$TMP/count.log" 2>&1 &&
    [ -s "$TMP/count" ]; then
    ops=$(cat "$TMP/count")
  else
    cat "$TMP/count.log"; echo "FAIL: the counting run of $* failed"; fail=1
  fi
}
# rounds: the kill points to try, none when counting failed.
rounds() { if [ "$ops" -gt 0 ]; then echo "$kills"; else echo 0; fi; }
# kill_at DIR N CMD...: CMD, killed (SIGKILL) at its N-th file operation under DIR; its exit
# code (137 when killed, 0 when it made fewer operations).
kill_at() {
  local dir=$1 n=$2
  shift 2
  EDGE_FAULT_UNDER="$dir" EDGE_FAULT_MODE="kill:$n" LD_PRELOAD="$SHIM" "$@" >"$TMP/kill.log" 2>&1 &
  wait $! 2>/dev/null  # (no "Killed" line from the shell)
}
# kill_after SECONDS CMD...: CMD killed from outside after SECONDS (fractions allowed).
kill_after() {
  local seconds=$1
  shift
  "$@" >"$TMP/kill.log" 2>&1 &
  local pid=$!
  sleep "$seconds"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
# resume NAME DIR REF CMD...: CMD (not killed) must exit 0 and DIR must equal REF (summary).
resume() {
  local name=$1 dir=$2 ref=$3
  shift 3
  timeout 120 "$@" >"$TMP/resume.log" 2>&1
  local rc=$?
  if [ $rc != 0 ]; then
    echo "FAIL: $name: the run after the kill exits $rc"; tail -n 5 "$TMP/resume.log"; fail=1; return
  fi
  summary "$dir" >"$TMP/resumed.sum"
  check "$name: resumed to the same windows" "" "$(diff "$ref" "$TMP/resumed.sum" | head -5)"
}

if [ ! -f "$SHIM" ]; then
  echo "SKIPPED: the write-fault shim $SHIM is not built"
  exit 77
fi

# 1. edgestream dataset --jobs 2: the shim's kill points, then a kill during the resume too.
run=$TMP/ds
count_ops "$run" "$EDGE" dataset gesture "out=$run/out" --jobs 2
echo "edgestream dataset --jobs 2: $ops file operations"
rm -rf "$run"
for i in $(seq "$(rounds)"); do
  n1=$((1 + $(seeded "$ops"))) n2=$((1 + $(seeded "$ops")))
  kill_at "$run" "$n1" "$EDGE" dataset gesture "out=$run/out" --jobs 2
  rc1=$?
  kill_at "$run" "$n2" "$EDGE" dataset gesture "out=$run/out" --jobs 2
  rc2=$?
  resume "dataset --jobs 2 killed at operations $n1 (exit $rc1) and $n2 (exit $rc2)" \
    "$run/out" "$TMP/ref.sum" "$EDGE" dataset gesture "out=$run/out" --jobs 2
  check "  and no job folders left" "" "$(ls -d "$run/out.jobs" 2>/dev/null)"
  rm -rf "$run"
done

# 2. The same from outside, at seeded times within a run's duration.
start=$(date +%s%N)
"$EDGE" dataset gesture "out=$TMP/timed" --jobs 2 >/dev/null 2>&1
duration_ms=$((($(date +%s%N) - start) / 1000000))
rm -rf "$TMP/timed" "$TMP/timed.jobs"
for i in $(seq 3); do
  ms=$(seeded "$duration_ms")
  kill_after "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" "$EDGE" dataset gesture "out=$TMP/timed" --jobs 2
  resume "dataset --jobs 2 killed after $ms ms of ${duration_ms}" "$TMP/timed" "$TMP/ref.sum" \
    "$EDGE" dataset gesture "out=$TMP/timed" --jobs 2
  rm -rf "$TMP/timed" "$TMP/timed.jobs"
done

# 3. edgestream merge OUT A B.
for k in 1 2; do
  "$EDGE" dataset gesture "out=$TMP/part$k" --shard $k/2 --jobs 1 >/dev/null 2>&1 || fail=1
done
count_ops "$TMP/m" "$EDGE" merge "$TMP/m/out" "$TMP/part1" "$TMP/part2"
echo "edgestream merge: $ops file operations"
rm -rf "$TMP/m"
for i in $(seq "$(rounds)"); do
  n=$((1 + $(seeded "$ops")))
  kill_at "$TMP/m" "$n" "$EDGE" merge "$TMP/m/out" "$TMP/part1" "$TMP/part2"
  resume "merge killed at operation $n of $ops" "$TMP/m/out" "$TMP/ref.sum" \
    "$EDGE" merge "$TMP/m/out" "$TMP/part1" "$TMP/part2"
  rm -rf "$TMP/m"
done

# 4. edgestream optimize: the model file is either absent or whole after a kill, and the run
# again writes the same bytes as an uninterrupted run.
if "$EDGE" train gesture --dataset "$TMP/ref" --out "$TMP/g.tflite" --epochs 20 --seed 1 \
    --threads 1 >"$TMP/train.log" 2>&1; then
  optimize=("$EDGE" optimize "$TMP/g.tflite" --dataset "$TMP/ref" --steps "prune sparsity=0.5 epochs=2;int8"
    --threads 1 --out "$TMP/o/g-int8.tflite")
  mkdir -p "$TMP/o"
  "${optimize[@]}" >"$TMP/opt.log" 2>&1 || { cat "$TMP/opt.log"; fail=1; }
  want=$(sha256sum <"$TMP/o/g-int8.tflite")
  rm -rf "$TMP/o" && mkdir -p "$TMP/o"
  count_ops "$TMP/o" "${optimize[@]}"
  echo "edgestream optimize: $ops file operations"
  for n in $(seq "$ops"); do
    rm -rf "$TMP/o" && mkdir -p "$TMP/o"
    kill_at "$TMP/o" "$n" "${optimize[@]}"
    got=absent
    [ -f "$TMP/o/g-int8.tflite" ] && got=$(sha256sum <"$TMP/o/g-int8.tflite")
    [ "$got" = absent ] || [ "$got" = "$want" ]
    check "optimize killed at operation $n of $ops: the model is absent or whole" 0 $?
    timeout 120 "${optimize[@]}" >"$TMP/opt.log" 2>&1
    check "optimize killed at operation $n: the run again exits 0" 0 $?
    check "optimize killed at operation $n: the same model bytes" "$want" "$(sha256sum <"$TMP/o/g-int8.tflite")"
  done
else
  cat "$TMP/train.log"
  echo "FAIL: edgestream train"
  fail=1
fi
exit $fail
