#!/usr/bin/env bash
# Dataset-creation speed (issue 5): the 500 UrbanSound8K clips of ../shared/data with the
# thesis preprocessing (pipelines/sound: 30 kHz mono, 1 s windows every 0.5 s, z-score,
# 173x173 squares), `edgestream dataset sound ... --jobs J` after the statistics pass.
# Prints wall time, CPU time (user + system, every thread), clips/s and the per-core rate
# (clips per CPU-second), and the machine load, since the machine may be shared.
#
#   bench/dataset_creation.sh [BUILD_DIR] [JOBS]     (defaults: build, 2)
#
# EDGE_BENCH_TMP: where the dataset is written (default: mktemp's folder, on disk); the
# 500 clips make 3,500 float32 173x173 windows, about 420 MB, fsynced shard by shard, so
# a run on /dev/shm separates the computation from the disk.
#
# Target: <= 10 s wall on 2 cores. Exit 77 (skip) without the shared data.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
jobs=${2:-2}
data=${EDGE_SHARED_DATA:-$root/../shared/data}/sound/urbansound8k-folds1-2
edge=$build/tools/edgestream
[ -x "$edge" ] || { echo "SKIPPED: $edge not built"; exit 77; }
[ -f "$data/metadata.csv" ] || { echo "SKIPPED: UrbanSound8K sample not found: $data"; exit 77; }
export GST_PLUGIN_PATH_1_0=$build/plugins
export GST_REGISTRY_1_0=$build/bench-registry.bin
tmp=$(mktemp -d -p "${EDGE_BENCH_TMP:-${TMPDIR:-/tmp}}")
trap 'rm -rf "$tmp"' EXIT

clips=$(($(wc -l <"$data/metadata.csv") - 1))
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
echo "data: $data ($clips clips); output in $tmp ($(df -h --output=fstype "$tmp" | tail -n1 | tr -d ' '))"

# The statistics pass the dataset's z-score needs (not part of the timed run).
/usr/bin/time -f "%e %U %S" -o "$tmp/stats.time" \
  "$edge" launch sound stats "dataset=$data" "stats=$tmp/stats.json" --run >/dev/null
read -r s_wall s_user s_sys <"$tmp/stats.time"
echo "statistics pass: wall ${s_wall} s, CPU $(echo "$s_user + $s_sys" | bc) s ($(cat "$tmp/stats.json" | tr -d '\n '))"

# The timed dataset run. Registry warm: the stats pass above built it.
/usr/bin/time -f "%e %U %S" -o "$tmp/dataset.time" \
  "$edge" dataset sound "dataset=$data" "out=$tmp/dataset" "stats=$tmp/stats.json" --jobs "$jobs" \
  >"$tmp/dataset.log" 2>&1 || { cat "$tmp/dataset.log"; exit 1; }
read -r wall user sys <"$tmp/dataset.time"
cpu=$(echo "$user + $sys" | bc)
windows=$(/usr/bin/python3 -c "import json; print(json.load(open('$tmp/dataset/manifest.json'))['counts']['windows'])" 2>/dev/null || echo "?")
tail -n1 "$tmp/dataset.log"
echo "dataset run (--jobs $jobs): wall ${wall} s, CPU ${cpu} s (user ${user}, system ${sys}), $windows windows"
echo "rate: $(echo "scale=1; $clips / $wall" | bc) clips/s wall, $(echo "scale=1; $clips / $cpu" | bc) clips per CPU-second (per core)"
echo "target <= 10 s wall on 2 cores: $(echo "$wall <= 10" | bc | sed 's/1/met/;s/0/missed/')"
echo "machine after: $(uptime | sed 's/.*load average/load average/')"
