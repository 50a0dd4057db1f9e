#!/usr/bin/env bash
# Steady CPU of GStreamer graphs side by side: each argument is BUILD_DIR=PIPELINE (a build's
# plugin and bench/whole_graph_run, the graph ending in an element named "sink"); RUNS rounds,
# each running every graph once in turn, pinned to one core (taskset -c 0); prints the min and
# median steady CPU of each (bench/whole_graph_run's cpu_steady). For A/B measurements of one
# change (two builds, same graph) or of one setting (one build, two graphs); docs/benchmarks.md.
#
#   bench/compare_graphs.sh RUNS BUILD_A='PIPELINE' BUILD_B='PIPELINE' ...
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 RUNS BUILD=PIPELINE..." >&2; exit 2; }
runs=$1
shift
declare -a results
for spec in "$@"; do
  build=${spec%%=*}
  [ -x "$build/bench/whole_graph_run" ] || { echo "$build/bench/whole_graph_run not built" >&2; exit 2; }
  GST_PLUGIN_PATH_1_0=$build/plugins GST_REGISTRY_1_0=$build/bench-registry.bin \
    gst-inspect-1.0 edgewindow >/dev/null  # the registry, outside the timed runs
done
for _ in $(seq 1 "$runs"); do
  i=0
  for spec in "$@"; do
    build=${spec%%=*}
    line=$(GST_PLUGIN_PATH_1_0=$build/plugins GST_REGISTRY_1_0=$build/bench-registry.bin \
      taskset -c 0 "$build/bench/whole_graph_run" "${spec#*=}")
    results[i]="${results[i]:-} $(sed 's/.*cpu_steady=\([0-9.]*\).*/\1/' <<<"$line")"
    i=$((i + 1))
  done
done
i=0
for spec in "$@"; do
  printf '%s  %s\n' "$(tr ' ' '\n' <<<"${results[i]}" | sed '/^$/d' | sort -n |
    awk '{v[NR] = $1} END {printf "min %.3f s  median %.3f s", v[1], v[int((NR + 1) / 2)]}')" "$spec"
  i=$((i + 1))
done
