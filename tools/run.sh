#!/usr/bin/env bash
# edgestream's one entry point for a fresh Debian 12 machine.
#
#   tools/run.sh demo    install what is missing, build what the demo runs, run the main job
#                        on bundled data
#   tools/run.sh test    install what is missing, build, run every test: unit, element and
#                        end-to-end suites, the GStreamer 1.14 API check, the element suite
#                        and the gst-launch graphs under GStreamer 1.14.5 with every vendored
#                        library (the Jetson's build), the core and element suites under
#                        AddressSanitizer + UndefinedBehaviorSanitizer, the libFuzzer
#                        targets for a bounded time, and the aarch64 cross build with its
#                        core and element suites under qemu-aarch64; ends with each stage's
#                        wall time
#   tools/run.sh deps    only install the Debian packages
#   tools/run.sh build   only configure and build (build/)
#
# Environment: EDGE_FUZZ_SECONDS (per fuzz target, default 30) and EDGE_FUZZ_BUDGET (all
# fuzzing, wall seconds, default 180), EDGE_SKIP_SANITIZERS=1, EDGE_SKIP_FUZZ=1,
# EDGE_SKIP_CROSS=1, EDGE_SKIP_GST114=1, EDGE_JOBS (default: nproc).
# Kept outside the clone between runs: ccache (its own default folder,
# ${XDG_CACHE_HOME:-~/.cache}/ccache) and the peer builds (tools/peers/, GStreamer 1.14.5 and
# NNStreamer in ${XDG_CACHE_HOME:-~/.cache}/edgestream/).
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
  # the GStreamer 1.14.5 peer (tools/peers/gstreamer-1.14.sh) is built from its tarballs
  flex bison
  parallel slurm-wlm munge
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

# What the build dirs were configured against: the versions of the packages above (and of
# the foreign-architecture ones the cross build links). Meson looks for optional packages
# (Arm NN, Google Benchmark, ...) only when it configures, and keeps the compiler checks'
# results (has_header) even through --reconfigure: a build dir configured before
# `tools/run.sh test` installed the test packages would skip their tests for good.
packages_fingerprint() {  # packages_fingerprint [FOREIGN_ARCH]
  local format='${Package}:${Architecture}=${Version}\n'
  {
    # The native ones only: installing the cross build's arm64 copies changes nothing here.
    dpkg-query -W -f="$format" "${build_packages[@]}" "${test_packages[@]}" 2>/dev/null |
      grep -E ":($(dpkg --print-architecture)|all)=" || true
    [ -z "${1:-}" ] || dpkg-query -W -f="$format" "*:$1" 2>/dev/null || true
  } | sort | sha256sum | cut -c1-16
}

# configure DIR [meson options...]: meson setup once, and again from scratch (--wipe: the
# checks' cache goes too; ccache keeps the rebuild short) when the packages or the options
# changed since. A cross build names its Debian architecture: foreign_arch=arm64 configure ...
configure() {
  local dir=$1
  shift
  local want
  want=$(packages_fingerprint "${foreign_arch:-}")-$(printf '%s\n' "$@" | sha256sum | cut -c1-16)
  if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/edgestream-packages" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  # (set -e does not hold in the stages below: every step checks its status.)
  if [ -f "$dir/build.ninja" ]; then
    log "$dir was configured before the installed packages or its options changed: configuring it again"
    meson setup --wipe "$dir" "$@" || return 1
  else
    meson setup "$dir" "$@" || return 1
  fi
  echo "$want" >"$dir/edgestream-packages"
}

build_main() {
  configure build || return 1
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

# The libFuzzer targets, $jobs at a time, each for EDGE_FUZZ_SECONDS but all of them within
# EDGE_FUZZ_BUDGET wall seconds: more targets means less time each, never a longer stage.
fuzz_one() {  # fuzz_one TARGET SECONDS: one target on its seeds; exit status as libFuzzer's
  local target=$1 seconds=$2 name corpus rc=0
  name=$(basename "$target")
  name=${name#fuzz_}
  corpus=$(mktemp -d)
  # Seeds: the project's own, plus real files from ../shared when present.
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
  [ -x "tests/fuzz/seeds/$name.sh" ] && "tests/fuzz/seeds/$name.sh" "$corpus" >/dev/null 2>&1 || true
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "$corpus" >"build-fuzz/$name.log" 2>&1 || rc=$?
  rm -rf "$corpus"
  return $rc
}

run_fuzzers() {
  if ! configure build-fuzz -Dfuzzers=true -Dtests=disabled -Dbenchmarks=disabled \
      -Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fsanitize=fuzzer-no-link \
      --native-file tools/clang.ini; then
    failed=$((failed + 1))
    return 1
  fi
  log "building fuzz targets (build-fuzz/, clang)"
  # set -e does not reach into a function called from `||`: check the build explicitly.
  if ! ninja -C build-fuzz -j "$jobs" $(ninja -C build-fuzz -t targets all | awk -F: '/^tests\/fuzz\/fuzz_[a-z0-9_]+:/{print $1}'); then
    echo "fuzz targets failed to build"
    failed=$((failed + 1))
    return 1
  fi
  local targets=() target
  for target in build-fuzz/tests/fuzz/fuzz_*; do
    [ -f "$target" ] && [ -x "$target" ] && targets+=("$target")  # not the fuzz_*.p folders
  done
  [ ${#targets[@]} -gt 0 ] || return 0
  local rounds=$(((${#targets[@]} + jobs - 1) / jobs))
  local seconds=${EDGE_FUZZ_SECONDS:-30}
  local fair=$((${EDGE_FUZZ_BUDGET:-180} / rounds))
  [ "$seconds" -le "$fair" ] || seconds=$fair
  [ "$seconds" -ge 5 ] || seconds=5
  log "fuzzing ${#targets[@]} targets for ${seconds}s each, $jobs at a time"
  local i rc=0 pids=() names=()
  for ((i = 0; i < ${#targets[@]}; i++)); do
    fuzz_one "${targets[i]}" "$seconds" &
    pids+=($!)
    names+=("$(basename "${targets[i]}")")
    if [ ${#pids[@]} -eq "$jobs" ] || [ $((i + 1)) -eq ${#targets[@]} ]; then
      local j
      for ((j = 0; j < ${#pids[@]}; j++)); do
        local name=${names[j]#fuzz_}
        if wait "${pids[j]}"; then
          passed=$((passed + 1))
          echo "$name: $(grep -E '^stat::number_of_executed_units' "build-fuzz/$name.log" | awk '{print $2}') runs, no finding"
        else
          failed=$((failed + 1))
          rc=1
          echo "$name: FAILED"
          tail -60 "build-fuzz/$name.log"
        fi
      done
      pids=() names=()
    fi
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
  core/runtime/signal/normalize_neon.cc core/runtime/signal/resample.cc)
run_cross() {
  log "cross toolchain, qemu-user and arm64 packages (tools/cross/setup-debian.sh)"
  if ! tools/cross/setup-debian.sh arm64; then
    echo "cross setup failed"
    failed=$((failed + 1))
    return 1
  fi
  # Debian's /usr/lib/ccache links the cross compilers too.
  local cross_path=/usr/lib/ccache:$PATH
  if ! PATH=$cross_path foreign_arch=arm64 configure build-aarch64 \
      --cross-file tools/cross/aarch64-linux-gnu.ini -Dbenchmarks=disabled -Doptimization=2 -Ddebug=false; then
    failed=$((failed + 1))
    return 1
  fi
  log "building for aarch64 (build-aarch64/): what the core and element suites run"
  local targets
  targets=$(python3 tools/test-targets.py build-aarch64 core element) || return 1
  # shellcheck disable=SC2086
  if ! PATH=$cross_path ninja -C build-aarch64 -j "$jobs" $targets; then
    echo "aarch64 cross build failed"
    failed=$((failed + 1))
    return 1
  fi
  log "core and element tests for aarch64 under qemu-aarch64"
  # Emulation is ~10x slower than native: more time per test.
  local rc=0
  run_meson_tests build-aarch64 --no-rebuild --suite core --suite element --timeout-multiplier 4 || rc=1

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
peer_builders=(tools/peers/nnstreamer.sh tools/peers/gstreamer-1.14.sh)
run_peer_builds() {
  local builder rc=0 status
  for builder in "${peer_builders[@]}"; do
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

# build_for_suites DIR SUITE...: only the programs those suites run (tools/test-targets.py).
build_for_suites() {
  local dir=$1
  shift
  local targets
  targets=$(python3 tools/test-targets.py "$dir" "$@") || return 1
  # shellcheck disable=SC2086
  ninja -C "$dir" -j "$jobs" $targets
}

# The Jetson's build (issue 13): GStreamer 1.14.5 from ../shared/peers (tools/peers/, cached)
# and every library Ubuntu 18.04 lacks from subprojects/ (forced), then the core and element
# suites and the gst-launch graphs (suite 'graphs': tests/meson.build) under 1.14.5's own
# gst-launch-1.0, audioconvert, audioresample and wavparse (tests/meson.build puts its bin/
# and libraries first; its plugins only; a private registry).
vendored_libraries=kissfft-float,flatbuffers,nlohmann_json,CLI11,cppzmq,tomlplusplus
run_gst114() {
  local prefix status=0
  prefix=$(tools/peers/gstreamer-1.14.sh) || status=$?
  case $status in
    0) ;;
    77) skipped=$((skipped + 1)); return 0 ;;
    *) echo "GStreamer 1.14.5 build failed"; failed=$((failed + 1)); return 1 ;;
  esac
  local pkgconfig_dir
  pkgconfig_dir=$(echo "$prefix"/lib/*/pkgconfig)
  if ! configure build-gst114 -Dpkg_config_path="$pkgconfig_dir" --force-fallback-for=$vendored_libraries \
      -Dbenchmarks=disabled -Doptimization=2 -Ddebug=false; then
    failed=$((failed + 1))
    return 1
  fi
  log "building against GStreamer $(PKG_CONFIG_PATH=$pkgconfig_dir pkg-config --modversion gstreamer-1.0) with the vendored libraries (build-gst114/)"
  if ! build_for_suites build-gst114 core element graphs; then
    echo "build against GStreamer 1.14.5 failed"
    failed=$((failed + 1))
    return 1
  fi
  log "core, element and gst-launch graph tests under GStreamer 1.14.5"
  run_meson_tests build-gst114 --no-rebuild --suite core --suite element --suite graphs
}

# The core and element suites under ASan + UBSan: only their programs are built. -O1:
# sanitizer builds compile faster and still catch what -O2 would.
run_sanitizers() {
  if ! configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1 \
      -Dcpp_args=-fno-sanitize-recover=all -Dbenchmarks=disabled; then
    failed=$((failed + 1))
    return 1
  fi
  log "building the core and element tests with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
  if ! build_for_suites build-asan core element; then
    echo "sanitizer build failed"
    failed=$((failed + 1))
    return 1
  fi
  log "tests under ASan + UBSan"
  run_meson_tests build-asan --no-rebuild --suite core --suite element
}

run_format_check() {
  log "formatting (clang-format, the repository's .clang-format)"
  if git ls-files '*.cc' '*.h' ':!:subprojects/*' ':!:*_generated.h' | xargs clang-format --dry-run -Werror; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); return 1
  fi
}

run_gst_api_check() {
  log "GStreamer API no newer than 1.14 (Jetson Nano)"
  if /usr/bin/python3 tools/check-gst-api.py --max 1.14 plugins tools tests; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); return 1
  fi
}

run_main_build() {
  if ! build_main; then
    echo "build failed"
    failed=$((failed + 1))
    return 1
  fi
}

run_main_tests() {
  log "tests (unit, element, end to end)"
  run_meson_tests build --no-rebuild
}

# stage NAME FUNCTION: runs it and notes its wall time and result for the closing table.
stage_lines=()
stage() {
  local name=$1 function=$2 start=$SECONDS status=0
  "$function" || status=$?
  stage_lines+=("$(printf '%-34s %6d s  %s' "$name" $((SECONDS - start)) \
    "$([ $status -eq 0 ] && echo ok || echo FAILED)")")
  return $status
}

cmd_test() {
  local start=$SECONDS rc=0
  install_packages "${build_packages[@]}" "${test_packages[@]}"
  stage "build (build/)" run_main_build || rc=1
  stage "peer builds (cached)" run_peer_builds || rc=1
  [ $rc -ne 0 ] || stage "tests (build/)" run_main_tests || rc=1
  stage "formatting" run_format_check || rc=1
  stage "GStreamer API <= 1.14" run_gst_api_check || rc=1
  if [ "${EDGE_SKIP_GST114:-0}" != 1 ]; then
    stage "GStreamer 1.14.5 + vendored (build-gst114/)" run_gst114 || rc=1
  fi
  if [ "${EDGE_SKIP_SANITIZERS:-0}" != 1 ]; then
    stage "ASan + UBSan (build-asan/)" run_sanitizers || rc=1
  fi
  if [ "${EDGE_SKIP_FUZZ:-0}" != 1 ]; then
    stage "fuzzing (build-fuzz/)" run_fuzzers || rc=1
  fi
  if [ "${EDGE_SKIP_CROSS:-0}" != 1 ]; then
    stage "aarch64 + qemu (build-aarch64/)" run_cross || rc=1
  fi

  echo
  echo "== stages (wall time)"
  printf '%s\n' "${stage_lines[@]}"
  printf '%-34s %6d s\n' "total" $((SECONDS - start))
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  return $rc
}

# What the demo runs and nothing more (no tests, benchmarks or other tools): the command
# line, the serial replay tool and the plugin. `tools/run.sh test` builds the rest.
demo_targets=(tools/edgestream tools/edge-serial-replay plugins/libgstedgestream.so)
build_demo() {
  configure build
  log "building what the demo runs (build/): ${demo_targets[*]}"
  ninja -C build -j "$jobs" "${demo_targets[@]}"
}

cmd_demo() {
  install_packages "${build_packages[@]}"
  build_demo
  log "main job: edgestream demo (dataset, train, int8, eval, C array, live replay over a pty)"
  bash tools/demo.sh
}

case "${1:-}" in
  demo) cmd_demo ;;
  test) cmd_test ;;
  deps) install_packages "${build_packages[@]}" "${test_packages[@]}" ;;
  build) install_packages "${build_packages[@]}"; build_main ;;
  *) sed -n '2,23p' "$0"; exit 2 ;;
esac
