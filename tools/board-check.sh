#!/usr/bin/env bash
# The board report: run this on a Raspberry Pi, a Jetson or any machine, and paste what it
# prints into an issue.
#
#   tools/board-check.sh [BUILDDIR] > board-report.md      (BUILDDIR default: build-board)
#
# It configures and builds (the unit and element tests, the plugin, the model and real-time
# benchmarks; not the rest), runs the unit and element tests, the model benchmarks
# (bench_models: every bundled model, reference and fast kernels) and the real-time latency
# benchmark (bench_realtime: gesture and sound graphs, window in to result out), and prints
# one Markdown report: board, OS, versions, where each library came from (system or
# subprojects/), build time, pass counts, figures. Progress goes to stderr; the full logs
# stay in BUILDDIR/board-check/.
#
# Environment: EDGE_JOBS (default: nproc), EDGE_SHARED_DATA (the real-data folder for the
# tests and benchmarks that use it; default ../shared/data), EDGE_BOARD_MESON_ARGS (more
# `meson setup` arguments, e.g. --force-fallback-for=CLI11), EDGE_TIMEOUT_MULTIPLIER (test
# timeouts, default 3: boards are slower than the machines the timeouts were set on),
# EDGE_GESTURE_WINDOWS / EDGE_SOUND_WINDOWS (real-time benchmark, default 1000 / 60).
# Needs what the build needs (docs/cross.md: Jetson and Raspberry Pi); the benchmarks need
# Google Benchmark (libbenchmark-dev) and are reported as not built without it.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build=${1:-build-board}
jobs=${EDGE_JOBS:-$(nproc)}
shared_data=${EDGE_SHARED_DATA:-$(cd "$here/.." && pwd)/shared/data}
logs=$build/board-check
started=$(date -u '+%Y-%m-%d %H:%M UTC')

say() { printf '== %s\n' "$*" >&2; }
first_line() { head -n 1 "$@" 2>/dev/null | tr -d '\0' || true; }

# --- the machine
board=$(first_line /proc/device-tree/model)
[ -n "$board" ] || board=$(printf '%s %s' "$(first_line /sys/class/dmi/id/sys_vendor)" \
  "$(first_line /sys/class/dmi/id/product_name)" | sed 's/^ *//')
[ -n "$board" ] || board=unknown
cpu=$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
[ -n "$cpu" ] || cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
features=$(grep -m1 -E '^(Features|flags)' /proc/cpuinfo | tr ' ' '\n' |
  grep -xE 'neon|asimd|asimddp|vfpv4|sse4_2|avx2|avx512f|avx512_vnni' | tr '\n' ' ' | sed 's/ $//')
memory=$(awk '/^MemTotal:/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)
governor=$(first_line /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor)
os=$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -o)
l4t=$(first_line /etc/nv_tegra_release | sed 's/, *EABI.*//')
throttled=$(command -v vcgencmd >/dev/null && vcgencmd get_throttled 2>/dev/null || true)
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)

# --- build
mkdir -p "$logs"
configure_rc=0
if [ ! -f "$build/build.ninja" ]; then
  say "configuring $build"
  # shellcheck disable=SC2086
  meson setup "$build" -Dshared_data="$shared_data" ${EDGE_BOARD_MESON_ARGS:-} \
    >"$logs/configure.log" 2>&1 || configure_rc=$?
fi
build_seconds=- build_rc=0 warnings=-
if [ "$configure_rc" -eq 0 ]; then
  extra=()
  for b in bench_models bench_realtime; do extra+=(--target "$b"); done
  # A build dir configured from an older tree lists older tests: let meson regenerate first.
  ninja -C "$build" build.ninja >>"$logs/configure.log" 2>&1 || configure_rc=$?
  targets=$(python3 tools/test-targets.py "$build" core element "${extra[@]}") || build_rc=1
  say "building $(echo "$targets" | wc -w) targets in $build (-j$jobs; log $logs/build.log)"
  t0=$(date +%s)
  # shellcheck disable=SC2086
  ninja -C "$build" -j "$jobs" $targets >"$logs/build.log" 2>&1 || build_rc=$?
  build_seconds=$(($(date +%s) - t0))
  warnings=$(grep -c 'warning:' "$logs/build.log" || true)
fi
meson_log=$build/meson-logs/meson-log.txt
compiler=$(sed -n 's/^C++ compiler for the host machine: \(ccache \)\{0,1\}//p' "$meson_log" 2>/dev/null | head -n 1)
# "name version (system)", "(PREFIX)" for one outside the system's (a GStreamer built by
# hand), "(subprojects/)" for a vendored fallback: from meson's own record of the configured
# build (its log only says "(cached)" once a build dir is regenerated).
libraries=$(python3 - "$build" <<'PY' 2>/dev/null
import json, subprocess, sys
def introspect(what):
    return json.loads(subprocess.run(["meson", "introspect", sys.argv[1], what], check=True,
                                     capture_output=True, text=True).stdout)
found = {}
for d in introspect("--dependencies"):
    name = d.get("name", "?")
    if name in ("threads", "gtest", "gmock", "gtest_main", "benchmark") or name in found:
        continue
    where = "system"
    for arg in d.get("compile_args", []):
        if arg.startswith("-I") and not arg.startswith("-I/usr/"):
            where = arg[2:].split("/include")[0]
            break
    found[name] = f"{name} {d.get('version', '?')} ({where})"
for sub in introspect("--projectinfo").get("subprojects", []):
    found[sub["name"]] = f"{sub['name']} {sub.get('version', '?')} (subprojects/)"
print(", ".join(found[k] for k in sorted(found, key=str.lower)))
PY
) || libraries=""

# --- tests
declare -A counts
run_suite() {  # run_suite SUITE: counts[SUITE]="ok fail skip"
  local suite=$1 out=$logs/test-$1.log
  say "$suite tests (log $out)"
  meson test -C "$build" --no-rebuild --print-errorlogs --num-processes "$jobs" \
    --timeout-multiplier "${EDGE_TIMEOUT_MULTIPLIER:-3}" --suite "$suite" >"$out" 2>&1
  local ok fail skip
  ok=$(awk '/^Ok:/ {print $2}' "$out" | tail -n 1)
  fail=$(awk '/^(Fail|Timeout):/ {s += $2} /^Unexpected Pass:/ {s += $3} END {print s + 0}' "$out")
  skip=$(awk '/^Skipped:/ {print $2}' "$out" | tail -n 1)
  counts[$suite]="${ok:-0} ${fail:-0} ${skip:-0}"
  failed_names[$suite]=$(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' "$out" |
    sed -E 's/^ *[0-9]+\/[0-9]+ +([^ ]+:)?([^ ]+) .*/\2/' | tr '\n' ' ')
  skipped_names[$suite]=$(grep -E '^ *[0-9]+/[0-9]+ .* SKIP ' "$out" |
    sed -E 's/^ *[0-9]+\/[0-9]+ +([^ ]+:)?([^ ]+) .*/\2/' | tr '\n' ' ')
}
declare -A failed_names skipped_names
if [ "$configure_rc" -eq 0 ] && [ "$build_rc" -eq 0 ]; then
  run_suite core
  run_suite element
fi

# --- benchmarks
abs_build=$(cd "$build" 2>/dev/null && pwd) || abs_build=$build  # BUILDDIR may be given absolute or relative to the tree
bench_env=(env GST_PLUGIN_PATH="$abs_build/plugins" GST_REGISTRY_1_0="$abs_build/board-check/registry.bin"
  EDGE_SHARED_DATA="$shared_data")
models_table="not run"
realtime_lines="not run"
if [ "$build_rc" -eq 0 ] && [ -x "$build/bench/bench_models" ]; then
  say "model benchmarks (log $logs/bench_models.json)"
  if "${bench_env[@]}" "$build/bench/bench_models" --benchmark_min_time=0.3 \
      --benchmark_out="$logs/bench_models.json" --benchmark_out_format=json >"$logs/bench_models.log" 2>&1; then
    models_table=$(python3 - "$logs/bench_models.json" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
print("| model (kernels) | CPU time | wall time | MACs/s | arena |")
print("|---|---:|---:|---:|---:|")
for b in data["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration":
        continue
    us = scale[b.get("time_unit", "ns")]
    cpu, wall = b["cpu_time"] * us, b["real_time"] * us
    fmt = lambda v: "%.3f ms" % (v / 1e3) if v >= 1000 else "%.2f us" % v
    macs = b.get("MACs/s")
    arena = b.get("arena_bytes")
    print("| %s | %s | %s | %s | %s |" % (
        b["name"], fmt(cpu), fmt(wall),
        "%.2f G" % (macs / 1e9) if macs else "",
        "%d B" % arena if arena is not None else ""))
EOF
)
  else
    models_table="bench_models failed: see $logs/bench_models.log"
  fi
elif [ "$build_rc" -eq 0 ]; then
  models_table="not built (Google Benchmark missing: libbenchmark-dev)"
fi
if [ "$build_rc" -eq 0 ] && [ -x "$build/bench/bench_realtime" ]; then
  say "real-time latency benchmark (log $logs/bench_realtime.log)"
  if "${bench_env[@]}" "$build/bench/bench_realtime" --gesture-windows "${EDGE_GESTURE_WINDOWS:-1000}" \
      --sound-windows "${EDGE_SOUND_WINDOWS:-60}" >"$logs/bench_realtime.log" 2>&1; then
    realtime_lines=$(grep -vE '^latency from' "$logs/bench_realtime.log" | sed 's/^/    /')
  else
    realtime_lines="bench_realtime failed: see $logs/bench_realtime.log"
  fi
elif [ "$build_rc" -eq 0 ]; then
  realtime_lines="not built (Google Benchmark missing: libbenchmark-dev)"
fi

# --- the report
suite_row() {
  local suite=$1 ok fail skip
  if [ -z "${counts[$suite]:-}" ]; then
    echo "| $2 | not run | | | |"
    return
  fi
  read -r ok fail skip <<<"${counts[$suite]}"
  echo "| $2 | $ok | $fail | $skip | ${failed_names[$suite]:+failed: ${failed_names[$suite]}}${skipped_names[$suite]:+skipped: ${skipped_names[$suite]}} |"
}
status=passed
[ "$configure_rc" -eq 0 ] || status="configure failed (see $logs/configure.log)"
[ "$build_rc" -eq 0 ] || status="build failed (see $logs/build.log)"
for s in core element; do
  read -r _ f _ <<<"${counts[$s]:-0 0 0}"
  [ "$f" -eq 0 ] || status="tests failed"
done

cat <<EOF
## edgestream board check: $board

$started, edgestream $commit: **$status**

| | |
|---|---|
| board | $board${l4t:+ ($l4t)} |
| CPU | $cpu, $(nproc) cores${features:+ ($features)}${governor:+, governor $governor} |
| memory | $memory |
| OS | $os, kernel $(uname -r), $(uname -m) |
| compiler | ${compiler:-unknown} |
| meson, ninja | $(meson --version 2>/dev/null), $(ninja --version 2>/dev/null) |
| libraries | ${libraries:-unknown} |
| build | $build_seconds s at -j$jobs ($build: the tests, the plugin and the benchmarks), $warnings compiler warnings |
${throttled:+| throttling | $throttled |
}
### Tests

| suite | passed | failed | skipped | |
|---|---:|---:|---:|---|
$(suite_row core "unit (core)")
$(suite_row element "element (GstHarness)")

### Models (bench_models, one invoke per iteration, one thread)

$models_table

### Real time (bench_realtime: window's last sample in to its result out)

$realtime_lines
EOF
[ "$status" = passed ]
