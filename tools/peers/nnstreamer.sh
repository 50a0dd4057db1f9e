#!/usr/bin/env bash
# Builds NNStreamer from ../shared/peers (the peers README's recipe, against the system's
# GStreamer) and installs it into a cached prefix outside the clone:
#
#   tools/peers/nnstreamer.sh              build unless cached; prints the prefix
#   tools/peers/nnstreamer.sh --no-build   prints the prefix if it is built, else skips
#   tools/peers/nnstreamer.sh --env        also prints the shell exports that use it
#
# The prefix is ${XDG_CACHE_HOME:-$HOME/.cache}/edgestream/nnstreamer-<key>, the key a hash
# of the tarball, these scripts, the compiler and the system GStreamer version. It holds
# lib/gstreamer-1.0/libnnstreamer.so (tensor_converter, tensor_filter, tensor_transform,
# tensor_aggregator, tensor_sink, ...), the sub-plugins under lib/nnstreamer/ and
# etc/nnstreamer.ini, which the plugin reads by itself (its path is compiled in; its
# libraries find each other by RPATH), so GST_PLUGIN_PATH=<prefix>/lib/gstreamer-1.0 is all
# a graph needs. About 2 minutes on 2
# cores the first time. No framework sub-plugin (TensorFlow Lite, ...) is built: the
# recipe disables every optional feature; custom filters work.
#
# Exit: 0 with the prefix on stdout; 77 and "SKIPPED: reason" when the tarball or a build
# tool is missing; 1 when the build failed (the log's path is printed). Safe to run twice
# at once: the second waits for the first (tools/peers/lib.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tarball=nnstreamer-2.6.0-42-g5b13ea61.tar.gz
mode=build
case "${1:-}" in
  '') ;;
  --no-build) mode=find ;;
  --env) mode=env ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac

peer_require_tarballs "$tarball"
peer_require_tools meson ninja pkg-config cc c++ orcc
pkg-config --exists gstreamer-1.0 gstreamer-base-1.0 gstreamer-audio-1.0 gstreamer-video-1.0 \
    gstreamer-app-1.0 gstreamer-check-1.0 gstreamer-controller-1.0 orc-0.4 ||
  peer_skip "GStreamer or orc development files missing (libgstreamer1.0-dev, libgstreamer-plugins-base1.0-dev, liborc-0.4-dev)"

key=$(peer_key "$peers_dir/$tarball" "${BASH_SOURCE[0]}" "$(dirname "${BASH_SOURCE[0]}")/lib.sh" -- \
  "$(c++ --version | head -1)" "$(cc --version | head -1)" "gstreamer $(pkg-config --modversion gstreamer-1.0)" \
  "meson $(meson --version)")
prefix=$peers_cache/nnstreamer-$key

build_nnstreamer() {
  local work=$1 src
  src=$(peer_unpack "$peers_dir/$tarball" "$work/src")
  meson setup "$work/b" "$src" --prefix="$prefix" --libdir=lib \
    -Dauto_features=disabled -Dbuildtype=debugoptimized -Dwerror=false \
    -Denable-test=false -Dinstall-test=false -Dorcc-support=enabled \
    -Denable-nnstreamer-check=false -Denable-pbtxt-converter=false \
    -Dvideo-support=enabled -Daudio-support=enabled \
    -Dc_link_args="-Wl,-rpath,$prefix/lib" -Dcpp_link_args="-Wl,-rpath,$prefix/lib"
  peer_install_only "$work/b"
  test -f "$prefix/lib/gstreamer-1.0/libnnstreamer.so"
  test -f "$prefix/etc/nnstreamer.ini"
}

case $mode in
  find) peer_find "$prefix" "$0" ;;
  build) peer_build "$prefix" build_nnstreamer ;;
  env)
    peer_build "$prefix" build_nnstreamer >/dev/null
    printf 'export GST_PLUGIN_PATH=%q${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}\n' "$prefix/lib/gstreamer-1.0"
    printf 'export NNSTREAMER_CONF=%q\n' "$prefix/etc/nnstreamer.ini"
    ;;
esac
