#!/usr/bin/env bash
# edgestream's one entry point for a fresh Debian 12 machine.
#
#   tools/run.sh demo    install what is missing, build, run the main job on bundled data
#   tools/run.sh test    install what is missing, build, run every test: unit, element and
#                        end-to-end suites, the GStreamer 1.14 API check, the same suites under
#                        AddressSanitizer + UndefinedBehaviorSanitizer, the libFuzzer
#                        targets for a bounded time, and the aarch64 cross build with its
#                        core and element suites under qemu-aarch64
#   tools/run.sh deps    only install the Debian packages
#   tools/run.sh build   only configure and build (build/)
#
# Environment: EDGE_FUZZ_SECONDS (per fuzz target, default 30), EDGE_SKIP_SANITIZERS=1,
# EDGE_SKIP_FUZZ=1, EDGE_SKIP_CROSS=1, EDGE_JOBS (default: nproc).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
jobs=${EDGE_JOBS:-$(nproc)}
# ccache hits across checkouts (CI builds a fresh clone): paths relative to the tree.
export CCACHE_BASEDIR=$here CCACHE_NOHASHDIR=1

# Debian 12 packages, by what needs them.
build_packages=(
  g++ meson ninja-build pkg-config ccache
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libsndfile1-dev libkissfft-dev libeigen3-dev
  libflatbuffers-dev flatbuffers-compiler nlohmann-json3-dev
  libzmq3-dev cppzmq-dev libtomlplusplus-dev libcli11-dev
)
test_packages=(
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-scipy
  clang clang-format libclang-rt-14-dev libfuzzer-14-dev
  libarmnntfliteparser-dev libarmnn-dev libarmnn-cpuref-backend22 gcc-arm-none-eabi
  liborc-0.4-dev liborc-0.4-dev-bin
  # live audio (edgemicsrc, tests/e2e/live_audio.sh): a real sound server and the capture elements
  pulseaudio pulseaudio-utils gstreamer1.0-pulseaudio gstreamer1.0-alsa gstreamer1.0-pipewire
)

log() { printf '\n== %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure() {  # configure DIR [meson options...]
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@"
  fi
}

build_main() {
  configure build
  log "building (build/)"
  ninja -C build -j "$jobs"
}

# Meson prints "Ok: N", "Fail: N", "Skipped: N"...; add them up for the closing line.
passed=0 failed=0 skipped=0
run_meson_tests() {  # run_meson_tests DIR [meson test args...]
  local dir=$1
  shift
  local out rc=0
  out=$(mktemp)
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" "$@" 2>&1 | tee "$out" || rc=$?
  local ok fail skip expfail unexpass timeout
  ok=$(awk '/^Ok:/{print $2}' "$out" | tail -1)
  fail=$(awk '/^Fail:/{print $2}' "$out" | tail -1)
  skip=$(awk '/^Skipped:/{print $2}' "$out" | tail -1)
  expfail=$(awk '/^Expected Fail:/{print $3}' "$out" | tail -1)
  unexpass=$(awk '/^Unexpected Pass:/{print $3}' "$out" | tail -1)
  timeout=$(awk '/^Timeout:/{print $2}' "$out" | tail -1)
  rm -f "$out"
  passed=$((passed + ${ok:-0} + ${expfail:-0}))
  failed=$((failed + ${fail:-0} + ${unexpass:-0} + ${timeout:-0}))
  skipped=$((skipped + ${skip:-0}))
  return $rc
}

run_fuzzers() {
  local seconds=${EDGE_FUZZ_SECONDS:-30}
  configure build-fuzz -Dfuzzers=true -Dtests=disabled -Dbenchmarks=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fsanitize=fuzzer-no-link \
    --native-file tools/clang.ini
  log "building fuzz targets (build-fuzz/, clang)"
  # set -e does not reach into a function called from `||`: check the build explicitly.
  if ! ninja -C build-fuzz -j "$jobs" $(ninja -C build-fuzz -t targets all | awk -F: '/^tests\/fuzz\/fuzz_[a-z0-9_]+:/{print $1}'); then
    echo "fuzz targets failed to build"
    failed=$((failed + 1))
    return 1
  fi
  local target name corpus rc=0
  for target in build-fuzz/tests/fuzz/fuzz_*; do
    [ -f "$target" ] && [ -x "$target" ] || continue  # not the fuzz_*.p object folders
    name=$(basename "$target")
    name=${name#fuzz_}
    corpus=$(mktemp -d)
    # Seeds: the project's own, plus real files from ../shared when present.
    [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
    [ -x "tests/fuzz/seeds/$name.sh" ] && "tests/fuzz/seeds/$name.sh" "$corpus" || true
    log "fuzzing $name for ${seconds}s"
    if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "$corpus" > "build-fuzz/$name.log" 2>&1; then
      passed=$((passed + 1))
      tail -3 "build-fuzz/$name.log"
    else
      failed=$((failed + 1))
      rc=1
      tail -60 "build-fuzz/$name.log"
    fi
    rm -rf "$corpus"
  done
  return $rc
}

# ARM (issue 6): cross-build for aarch64 with Debian's cross compiler and arm64 multiarch
# packages (tools/cross/), then run the core and element suites under qemu-aarch64.
# Element tests load the arm64 GStreamer plugins in-process (GST_REGISTRY_FORK=no, set by
# tests/meson.build, so no foreign plugin scanner is exec'd). Benchmarks are off; -O2
# without debug info keeps the cold build short. armhf: a compile check of the ARM-specific
# sources only (its full build needs armhf -dev packages: tools/cross/setup-debian.sh armhf).
armhf_sources=(core/runtime/nn/kernels/fast/gemm_s8.cc core/runtime/nn/kernels/fast/gemm_s8_neon.cc
  core/runtime/signal/normalize_neon.cc)
run_cross() {
  log "cross toolchain, qemu-user and arm64 packages (tools/cross/setup-debian.sh)"
  if ! tools/cross/setup-debian.sh arm64; then
    echo "cross setup failed"
    failed=$((failed + 1))
    return 1
  fi
  # Debian's /usr/lib/ccache links the cross compilers too.
  local cross_path=/usr/lib/ccache:$PATH
  PATH=$cross_path configure build-aarch64 --cross-file tools/cross/aarch64-linux-gnu.ini \
    -Dbenchmarks=disabled -Doptimization=2 -Ddebug=false
  log "building for aarch64 (build-aarch64/)"
  if ! PATH=$cross_path ninja -C build-aarch64 -j "$jobs"; then
    echo "aarch64 cross build failed"
    failed=$((failed + 1))
    return 1
  fi
  log "core and element tests for aarch64 under qemu-aarch64"
  # Emulation is ~10x slower than native: more time per test.
  local rc=0
  run_meson_tests build-aarch64 --suite core --suite element --timeout-multiplier 4 || rc=1

  log "armhf (Raspberry Pi 32-bit): compile check of the NEON sources"
  install_packages g++-arm-linux-gnueabihf
  local f
  for f in "${armhf_sources[@]}"; do
    if arm-linux-gnueabihf-g++ -std=c++17 -O2 -Wall -Wextra -Werror -march=armv7-a \
        -mfpu=neon-vfpv4 -mfloat-abi=hard -Icore/runtime -c -o /dev/null "$f"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); rc=1
    fi
  done
  return $rc
}

# Peers built from ../shared/peers into a cache outside the clone (tools/peers/): the tests
# that use them find the prefix there. A missing tarball skips (exit 77), visibly.
run_peer_builds() {
  local builder rc=0 status
  for builder in tools/peers/nnstreamer.sh; do
    log "peer: $builder"
    status=0
    "$builder" >/dev/null || status=$?
    case $status in
      0) ;;
      77) skipped=$((skipped + 1)) ;;
      *) echo "$builder failed"; failed=$((failed + 1)); rc=1 ;;
    esac
  done
  return $rc
}

cmd_test() {
  install_packages "${build_packages[@]}" "${test_packages[@]}"
  build_main
  local rc=0
  run_peer_builds || rc=1

  log "tests (unit, element, end to end)"
  run_meson_tests build || rc=1

  log "formatting (clang-format, the repository's .clang-format)"
  if git ls-files '*.cc' '*.h' ':!:subprojects/*' ':!:*_generated.h' | xargs clang-format --dry-run -Werror; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); rc=1
  fi

  log "GStreamer API no newer than 1.14 (Jetson Nano)"
  if /usr/bin/python3 tools/check-gst-api.py --max 1.14 plugins tools tests; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); rc=1
  fi

  if [ "${EDGE_SKIP_SANITIZERS:-0}" != 1 ]; then
    # -O1: sanitizer builds compile faster and still catch what -O2 would.
    configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1 \
      -Dcpp_args=-fno-sanitize-recover=all -Dbenchmarks=disabled
    log "building with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
    ninja -C build-asan -j "$jobs"
    log "tests under ASan + UBSan"
    run_meson_tests build-asan --suite core --suite element || rc=1
  fi

  if [ "${EDGE_SKIP_FUZZ:-0}" != 1 ]; then
    run_fuzzers || rc=1
  fi

  if [ "${EDGE_SKIP_CROSS:-0}" != 1 ]; then
    run_cross || rc=1
  fi

  echo
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  return $rc
}

cmd_demo() {
  install_packages "${build_packages[@]}"
  build_main
  log "main job: edgestream demo (dataset, train, int8, eval, C array, live replay over a pty)"
  bash tools/demo.sh
}

case "${1:-}" in
  demo) cmd_demo ;;
  test) cmd_test ;;
  deps) install_packages "${build_packages[@]}" "${test_packages[@]}" ;;
  build) install_packages "${build_packages[@]}"; build_main ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
