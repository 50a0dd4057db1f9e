#!/usr/bin/env bash
# Every property of every edgestream element, as gst-inspect-1.0 shows it (type, range,
# default, flags, enum values and their GType names), plus each property's nick and raw
# flags (tests/plugins/property_nicks.cc), must equal the committed golden
# tests/golden/gst-inspect-edgestream.txt. Only build-specific lines are normalized: the
# plugin's file name and version. A property that changes fails here; update the golden
# deliberately (and say why in the commit):
#   EDGE_UPDATE_GOLDEN=1 meson test -C build inspect-golden
set -euo pipefail
root=${EDGE_SOURCE_ROOT:?}
build=${EDGE_BUILD_ROOT:?}
golden=$root/tests/golden/gst-inspect-edgestream.txt

if ! command -v gst-inspect-1.0 >/dev/null; then
  echo "SKIPPED: gst-inspect-1.0 not installed (Debian gstreamer1.0-tools)"
  exit 77
fi
version=$(gst-inspect-1.0 --version | sed -n '1s/^gst-inspect-1.0 version //p')
# gst-inspect-1.0's layout differs between GStreamer releases; the golden is of one.
golden_version=$(sed -n '1s/^# gst-inspect-1.0 version //p' "$golden" 2>/dev/null || true)
if [ -z "${EDGE_UPDATE_GOLDEN:-}" ] && [ "${version%.*}" != "${golden_version%.*}" ]; then
  echo "SKIPPED: the golden is gst-inspect-1.0 $golden_version's layout; this is $version"
  exit 77
fi

generate() {
  echo "# gst-inspect-1.0 version $version"
  local elements
  elements=$(gst-inspect-1.0 edgestream | sed -n 's/^  \(edge[a-z0-9]*\): .*/\1/p' | sort)
  if [ -z "$elements" ]; then
    echo "no edgestream elements found (is the plugin built in $build/plugins?)" >&2
    return 1
  fi
  for element in $elements; do
    echo "##### $element"
    gst-inspect-1.0 "$element" |
      sed -e 's|^\(  Filename  *\).*|\1<plugin file>|' -e 's|^\(  Version  *\).*|\1<version>|'
  done
  echo "##### nicks and flags"
  "$build/tests/property_nicks"
}

actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
generate > "$actual"
if [ -n "${EDGE_UPDATE_GOLDEN:-}" ]; then
  cp "$actual" "$golden"
  echo "wrote $golden"
  exit 0
fi
if ! diff -u "$golden" "$actual"; then
  echo "FAIL: gst-inspect-1.0 output of the edgestream elements differs from $golden (above: - golden, + now)."
  echo "If the change is deliberate: EDGE_UPDATE_GOLDEN=1 meson test -C build inspect-golden, and say why in the commit."
  exit 1
fi
echo "ok: $(grep -c '^##### edge' "$golden") elements, $(grep -c ' nick=' "$golden") properties as in the golden"
