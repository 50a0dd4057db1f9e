#!/usr/bin/env bash
# Builds GStreamer 1.14.5 (the Jetson Nano's JetPack 4.6 version) from ../shared/peers into a
# cached prefix outside the clone: core (with gst-launch-1.0 and gst-inspect-1.0),
# gst-plugins-base (libraries, audioconvert, audioresample, app, ...) and, of
# gst-plugins-good, only the plugins the tests use (wavparse).
#
#   tools/peers/gstreamer-1.14.sh              build unless cached; prints the prefix
#   tools/peers/gstreamer-1.14.sh --no-build   prints the prefix if it is built, else skips
#   tools/peers/gstreamer-1.14.sh --env        also prints the shell exports that run 1.14.5
#
# The prefix is ${XDG_CACHE_HOME:-$HOME/.cache}/edgestream/gst-1.14.5-<key>, the key a hash
# of the three tarballs, these scripts and the compiler. Only what is installed gets built
# (not GStreamer's own tests and examples): about 10 minutes on 2 cores the first time.
# To build edgestream against it: PKG_CONFIG_PATH=<prefix>/lib/x86_64-linux-gnu/pkgconfig
# meson setup build-gst114 (tools/run.sh test does, see docs/cross.md). To run 1.14.5's
# tools: the --env exports (its bin/ first in PATH, its libraries first, its plugins only,
# a private registry so the user's registry cache is not rewritten by an older version).
#
# Exit: 0 with the prefix on stdout; 77 and "SKIPPED: reason" when a tarball or a build tool
# (flex, bison, ...) is missing; 1 when the build failed (the log's path is printed). Safe to
# run twice at once: the second waits for the first (tools/peers/lib.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=1.14.5
tarballs=("gstreamer-$version.tar.gz" "gst-plugins-base-$version.tar.gz" "gst-plugins-good-$version.tar.gz")
# gst-plugins-good plugins to install (gst/NAME/libgstNAME.so). Add one here when a
# test or a documented graph needs it.
good_plugins=(wavparse)

mode=build
case "${1:-}" in
  '') ;;
  --no-build) mode=find ;;
  --env) mode=env ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac

peer_require_tarballs "${tarballs[@]}"
peer_require_tools meson ninja pkg-config cc flex bison python3
pkg-config --exists glib-2.0 gobject-2.0 gio-2.0 gmodule-2.0 ||
  peer_skip "GLib development files missing (libglib2.0-dev)"

key=$(peer_key "${tarballs[@]/#/$peers_dir/}" "${BASH_SOURCE[0]}" "$(dirname "${BASH_SOURCE[0]}")/lib.sh" -- \
  "$(cc --version | head -1)" "meson $(meson --version)" "good: ${good_plugins[*]}")
prefix=$peers_cache/gst-$version-$key
# Debian's multiarch libdir, as the peers README and the board's own 1.14.5 use.
libdir=lib/$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

# The options every part takes: no docs, no introspection, no examples, no -Werror (newer
# compilers warn where GCC 7 did not).
common_options=(--prefix="$prefix" --libdir="$libdir" -Dbuildtype=debugoptimized
  -Dwerror=false -Ddisable_gtkdoc=true -Ddisable_introspection=true -Ddisable_examples=true)

build_gstreamer() {
  local work=$1 src
  export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
  export LD_LIBRARY_PATH=$prefix/$libdir

  src=$(peer_unpack "$peers_dir/gstreamer-$version.tar.gz" "$work/core")
  touch "$src/ChangeLog"  # not in the snapshot (peers README)
  # gst-ptp-helper: no setuid root (a root build would install one); PTP is not used. 1.14.5's
  # post-install script rejects the 'none' its own meson option offers: teach it 'none'.
  sed -i 's/^  \*)$/  none) ;;\n  *)/' "$src/libs/gst/helpers/ptp_helper_post_install.sh"
  meson setup "$work/b-core" "$src" "${common_options[@]}" -Dwith-ptp-helper-permissions=none
  peer_install_only "$work/b-core"

  src=$(peer_unpack "$peers_dir/gst-plugins-base-$version.tar.gz" "$work/base")
  touch "$src/ChangeLog"
  meson setup "$work/b-base" "$src" "${common_options[@]}"
  peer_install_only "$work/b-base"

  src=$(peer_unpack "$peers_dir/gst-plugins-good-$version.tar.gz" "$work/good")
  touch "$src/ChangeLog"
  meson setup "$work/b-good" "$src" --prefix="$prefix" --libdir="$libdir" \
    -Dbuildtype=debugoptimized -Dwerror=false
  local plugin
  for plugin in "${good_plugins[@]}"; do
    ninja -C "$work/b-good" "gst/$plugin/libgst$plugin.so"
    install -m 755 "$work/b-good/gst/$plugin/libgst$plugin.so" "$prefix/$libdir/gstreamer-1.0/"
  done

  # The result runs as 1.14.5, with its own plugins and nothing else.
  local registry=$work/registry.bin
  GST_REGISTRY_1_0=$registry GST_PLUGIN_SYSTEM_PATH_1_0=$prefix/$libdir/gstreamer-1.0 \
    GST_PLUGIN_PATH_1_0= GST_PLUGIN_PATH= "$prefix/bin/gst-inspect-1.0" --version
  for element in fakesink filesrc audioconvert audioresample appsrc "${good_plugins[@]}"; do
    GST_REGISTRY_1_0=$registry GST_PLUGIN_SYSTEM_PATH_1_0=$prefix/$libdir/gstreamer-1.0 \
      GST_PLUGIN_PATH_1_0= GST_PLUGIN_PATH= "$prefix/bin/gst-inspect-1.0" "$element" >/dev/null
  done
}

case $mode in
  find) peer_find "$prefix" "$0" ;;
  build) peer_build "$prefix" build_gstreamer ;;
  env)
    peer_build "$prefix" build_gstreamer >/dev/null
    printf 'export PATH=%q:"$PATH"\n' "$prefix/bin"
    printf 'export LD_LIBRARY_PATH=%q${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n' "$prefix/$libdir"
    printf 'export PKG_CONFIG_PATH=%q${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}\n' "$prefix/$libdir/pkgconfig"
    printf 'export GST_PLUGIN_SYSTEM_PATH_1_0=%q\n' "$prefix/$libdir/gstreamer-1.0"
    printf 'export GST_REGISTRY_1_0=%q\n' "${TMPDIR:-/tmp}/edgestream-gst-$version-registry-$(id -u).bin"
    ;;
esac
