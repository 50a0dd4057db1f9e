#!/usr/bin/env bash
# Builds edgestream on Debian 11 "bullseye" (the base of Raspberry Pi OS legacy: GCC 10,
# GStreamer 1.18, GLib 2.66, meson 0.56) and runs its core and element tests there:
#
#   sudo tools/cross/check-bullseye.sh               # prints a summary; exit 0 when all passed
#   sudo tools/cross/check-bullseye.sh --chroot-only # only make (or find) the chroot
#
# A bullseye chroot is made once with debootstrap from the Debian mirror this machine's
# apt uses (or $EDGE_DEBIAN_MIRROR) and cached in
# ${XDG_CACHE_HOME:-$HOME/.cache}/edgestream/bullseye-<key>, the key a hash of the package
# list below and the mirror, with every package the build and the tests need from bullseye's own
# archive: what bullseye lacks or has too old (kissfft, toml++, CLI11 2, flatbuffers 2.0.8)
# comes from subprojects/, as on a board. The tracked files of this checkout are copied in,
# ../shared/data is bind-mounted read-only, and the build and ccache stay in the cache
# between runs. Needs root (debootstrap, chroot, mounts). Log: <cache>/bullseye-<key>.check.log.
# Not in CI (a fresh chroot and a GCC 10 build of the tree take longer than CI can spend);
# docs/cross.md has the last result and its date.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$here/tools/peers/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "check-bullseye.sh: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
peer_require_tools debootstrap chroot mount

# The mirror apt uses here (deb822 "URIs:" or one-line "deb URI suite"), for .../debian.
apt_mirror() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?([[:space:]]|$)' |
    grep -oE 'https?://[^[:space:]]+' | head -n 1 || true
}
mirror=${EDGE_DEBIAN_MIRROR:-$(apt_mirror)}
[ -n "$mirror" ] || peer_skip "no Debian mirror in /etc/apt/sources.list*; set EDGE_DEBIAN_MIRROR"

# bullseye's packages for the build (meson 0.56.2, GCC 10.2, GStreamer 1.18.4) and the
# core and element tests. Not installed on purpose: kissfft and toml++ (not in bullseye),
# cppzmq (bullseye's libzmq3-dev has a zmq.hpp but no cppzmq.pc), libcli11-dev (1.9, below
# the 2.0 the code needs), libflatbuffers-dev (1.12: the schema header needs 2.0.8): the
# vendored fallbacks build instead.
packages=(
  g++ meson ninja-build pkg-config ccache ca-certificates
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libsndfile1-dev libeigen3-dev libzmq3-dev nlohmann-json3-dev
  googletest libgtest-dev libgmock-dev python3 python3-numpy python3-scipy
)

# The chroot depends on the package list and the mirror only (an edit of the steps below
# does not make a new one).
key=$(peer_key -- bullseye "$mirror" "${packages[@]}")
chroot_dir=$peers_cache/bullseye-$key
log_file=$chroot_dir.check.log

make_chroot() {
  local work=$1
  mkdir -p "$peers_cache/debootstrap-bullseye-debs"  # downloads kept for the next chroot
  debootstrap --variant=minbase --cache-dir="$peers_cache/debootstrap-bullseye-debs" \
    bullseye "$chroot_dir" "$mirror"
  # The point release and its updates; not bullseye-security: a mirror's security pool can
  # lag its index (404s seen here), and this is a build check, not a system to deploy.
  cat >"$chroot_dir/etc/apt/sources.list" <<EOF
deb $mirror bullseye main
deb $mirror bullseye-updates main
EOF
  chroot "$chroot_dir" apt-get update -qq
  chroot "$chroot_dir" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${packages[@]}"
  chroot "$chroot_dir" apt-get clean
  rm -rf "$work"
}

# peer_build prints the chroot's path once it is complete (made once, then cached).
peer_build "$chroot_dir" make_chroot >/dev/null
[ "${1:-}" != --chroot-only ] || { echo "$chroot_dir"; exit 0; }

mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {  # bind SOURCE TARGET [ro]
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounts+=("$2")
  [ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
  return 0
}
mount -t proc proc "$chroot_dir/proc" && mounts+=("$chroot_dir/proc")
mount --rbind /dev "$chroot_dir/dev" && mounts+=("$chroot_dir/dev")  # with pts and shm
mkdir -p "$chroot_dir/tmp" && chmod 1777 "$chroot_dir/tmp"
shared_data=$(cd "$here/.." && pwd)/shared/data
[ -d "$shared_data" ] && bind "$shared_data" "$chroot_dir/shared/data" ro

# The checkout's tracked files, as they are now (uncommitted edits included).
rm -rf "$chroot_dir/src"
mkdir -p "$chroot_dir/src" "$chroot_dir/var/cache/edgestream-ccache"
# Every file gets the time of the copy (tar -m), so ninja rebuilds everything and ccache (kept
# in the chroot) serves what did not change. Keeping the checkout's times is not safe: a file
# changed in the checkout before the last chroot build finished looks older than its stale
# object, which then links against a newer header (seen: garbage AudioInfo fields).
(cd "$here" && git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -m -xf - -C "$chroot_dir/src"

jobs=${EDGE_JOBS:-$(nproc)}
start=$(date -u +%FT%TZ)
echo "bullseye check: $chroot_dir (log $log_file)"
status=0
chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
  CCACHE_DIR=/var/cache/edgestream-ccache CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1 \
  /bin/bash -ec "
    cd /src
    echo \"== \$(. /etc/os-release; echo \$PRETTY_NAME); gcc \$(gcc -dumpfullversion); meson \$(meson --version); GStreamer \$(pkg-config --modversion gstreamer-1.0); GLib \$(pkg-config --modversion glib-2.0)\"
    if [ ! -f /build/build.ninja ]; then
      meson setup /build -Dbenchmarks=disabled -Dshared_data=/shared/data
    fi
    # A build dir from an older tree lists older tests: let meson regenerate it first.
    ninja -C /build build.ninja
    # The core and element tests' programs (and the plugin), not the command line.
    ninja -C /build -j $jobs \$(python3 tools/test-targets.py /build core element)
    meson test -C /build --no-rebuild --print-errorlogs --num-processes $jobs --suite core --suite element
  " >"$log_file" 2>&1 || status=$?

grep -E '^== |^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout): ' "$log_file" || true
grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT|SKIP)' "$log_file" || true
echo "bullseye check started $start, finished $(date -u +%FT%TZ): exit $status"
exit $status
