#!/usr/bin/env bash
# Prepares a Debian 12 (bookworm) amd64 machine to cross-build edgestream for ARM and to run
# its tests under qemu-user:
#
#   sudo tools/cross/setup-debian.sh arm64    # Raspberry Pi 4/5 64-bit, Jetson Nano
#   sudo tools/cross/setup-debian.sh armhf    # Raspberry Pi 32-bit (compile only)
#
# Installs the cross compiler, qemu-user and the target's multiarch -dev packages (dpkg
# --add-architecture). libgstreamer-plugins-base1.0-dev is not Multi-Arch: same in bookworm
# (it cannot sit beside the native one the normal build needs), so its target .deb is
# unpacked into /opt/edgestream-cross/<triplet>/ instead, with its .pc files pointing there;
# the cross files in this folder list that pkg-config directory. Idempotent.
set -euo pipefail

arch=${1:-}
case "$arch" in
  arm64) triplet=aarch64-linux-gnu ;;
  armhf) triplet=arm-linux-gnueabihf ;;
  *) echo "usage: $0 arm64|armhf" >&2; exit 2 ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# What the build links (":$arch"), plus the GStreamer plugins the element tests load.
target_packages=(
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-0 liborc-0.4-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libsndfile1-dev libkissfft-dev libflatbuffers-dev libzmq3-dev cppzmq-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev
)
host_packages=("g++-$triplet" qemu-user)

missing=()
for p in "${host_packages[@]}" "${target_packages[@]/%/:$arch}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    as_root dpkg --add-architecture "$arch"
  fi
  # A mirror in mid-sync can fail one index; apt then still installs from the others.
  as_root apt-get update -qq || echo "apt-get update reported errors; trying the install anyway"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

# libgstreamer-plugins-base1.0-dev for the target, unpacked beside the system.
dest=/opt/edgestream-cross/$triplet
version=$(dpkg-query -W -f='${Version}' "libgstreamer-plugins-base1.0-0:$arch")
stamp=$dest/.plugins-base-dev-$version
if [ ! -f "$stamp" ]; then
  work=$(mktemp -d)
  (cd "$work" && apt-get download "libgstreamer-plugins-base1.0-dev:$arch=$version" 2>/dev/null)
  as_root rm -rf "$dest"
  as_root mkdir -p "$dest"
  as_root dpkg-deb -x "$work"/libgstreamer-plugins-base1.0-dev_*.deb "$dest"
  rm -rf "$work"
  libdir=$dest/usr/lib/$triplet
  # .pc: headers and link symlinks from the unpacked tree.
  as_root sed -i "s|^prefix=/usr\$|prefix=$dest/usr|" "$libdir"/pkgconfig/*.pc
  # libfoo.so -> the target's real libfoo.so.0 (installed by the runtime package).
  for link in "$libdir"/*.so; do
    as_root ln -sfn "/usr/lib/$triplet/$(readlink "$link")" "$link"
  done
  as_root touch "$stamp"
fi
echo "cross setup for $arch ($triplet) ready: pkg-config dir $dest/usr/lib/$triplet/pkgconfig"
