#!/usr/bin/env bash
# Guest instructions per call of the NEON kernels and their scalar/portable counterparts,
# counted under qemu-aarch64 by a TCG plugin (tools/cross/qemu_insn_count.c). Under
# emulation time means nothing; instruction counts are deterministic and comparable.
#
#   bench/neon_instructions.sh [BUILD_DIR]     (default build-aarch64, a cross build:
#                                               docs/cross.md)
#
# Each variant runs twice, with 0 and with N calls; (count(N) - count(0)) / N is the cost of
# one call without process start-up. Prints a Markdown table (docs/benchmarks.md, "NEON").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build-aarch64}
lib=$build/core/runtime/libedgeruntime.a
if [ ! -f "$lib" ]; then
  echo "no $lib: cross-build the core first (meson setup $build --cross-file" \
    "tools/cross/aarch64-linux-gnu.ini && ninja -C $build core/runtime/libedgeruntime.a)" >&2
  exit 1
fi
for tool in aarch64-linux-gnu-g++ qemu-aarch64 gcc; do
  command -v "$tool" > /dev/null || { echo "missing $tool (tools/cross/setup-debian.sh arm64)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -shared -fPIC -O2 -o "$work/qemu_insn_count.so" "$here/tools/cross/qemu_insn_count.c"
# -march=armv8-a: the cross file's baseline; SDOT is still chosen at run time.
aarch64-linux-gnu-g++ -std=c++17 -O2 -march=armv8-a -I"$here" -I"$build" \
  -o "$work/driver" "$here/tools/cross/neon_count_driver.cc" "$lib" -lpthread

count() {  # count KERNEL VARIANT CALLS -> guest instructions of the whole run
  qemu-aarch64 -plugin "$work/qemu_insn_count.so" \
    "$work/driver" "$1" "$2" "$3" 2>&1 >/dev/null | awk '/^insns:/{print $2}'
}

per_call() {  # per_call KERNEL VARIANT CALLS
  local base full
  base=$(count "$1" "$2" 0)
  full=$(count "$1" "$2" "$3")
  if [ -z "$base" ] || [ -z "$full" ]; then
    echo "n/a"
  else
    echo $(((full - base) / $3))
  fi
}

echo "qemu: $(qemu-aarch64 --version | head -1); compiler: $(aarch64-linux-gnu-g++ --version | head -1)"
echo
echo "| kernel | shape | scalar / portable | NEON | NEON SDOT | NEON vs scalar |"
echo "|---|---|---:|---:|---:|---:|"
row() {  # row KERNEL SHAPE BASE_VARIANT CALLS [DOT]
  local base neon dot=- ratio
  base=$(per_call "$1" "$3" "$4")
  neon=$(per_call "$1" neon "$4")
  [ "${5:-}" = dot ] && dot=$(per_call "$1" neondot "$4")
  ratio=$(awk -v a="$base" -v b="$neon" 'BEGIN { if (b > 0) printf "%.2fx fewer", a / b; else print "-" }')
  echo "| $1 | $2 | $base | $neon | $dot | $ratio |"
}
row normalize-uniform "16000 floats, z-score" scalar 20
row normalize-channels "119 x 6 ch, min-max clamp" scalar 50
row fc-s8 "1 x 640 -> 64" portable 20 dot
row gemm-s8 "32 x 144 -> 32" portable 5 dot
