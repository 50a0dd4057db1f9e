# Shared by the peer builders in this folder (sourced, not run): where a peer's installed
# prefix lives, its cache key, the lock, and the completion marker that makes a prefix count
# only once it is whole.
#
# A prefix is ${XDG_CACHE_HOME:-$HOME/.cache}/edgestream/<name>-<key>, where <key> is the
# first 16 hex digits of a SHA-256 over the source tarballs, the builder scripts and what
# else the builder passes (compiler and host library versions). One builder at a time per
# prefix (a lock); a prefix is complete once it holds .complete, written last.
#
# Exit codes of a builder: 0 and the prefix on stdout; 77 with "SKIPPED: reason" on stderr
# when a source tarball or a build tool is missing; 1 when the build itself failed (its log
# path on stderr).

set -euo pipefail

peers_source_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
peers_dir=${EDGE_PEERS_DIR:-$peers_source_root/../shared/peers}
peers_cache=${XDG_CACHE_HOME:-$HOME/.cache}/edgestream

peer_log() { printf '%s\n' "$*" >&2; }

peer_skip() {
  printf 'SKIPPED: %s\n' "$*" >&2
  exit 77
}

# peer_require_tarballs NAME...: skip unless every tarball is in $peers_dir.
peer_require_tarballs() {
  local t
  for t in "$@"; do
    [ -f "$peers_dir/$t" ] || peer_skip "$t not found in $peers_dir (the peer sources, see ../shared/peers/README.md)"
  done
}

# peer_require_tools TOOL...: skip unless every program is on PATH.
peer_require_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || peer_skip "$t not installed (needed to build the peer; tools/run.sh deps installs it)"
  done
}

# peer_key FILE... -- STRING...: the cache key over the files' contents and the strings.
peer_key() {
  local f
  {
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
      f=$1
      shift
      printf '%s %s\n' "$(basename "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"
    done
    [ $# -gt 0 ] && shift
    printf '%s\n' "$@"
  } | sha256sum | cut -c1-16
}

# peer_unpack TARBALL DEST: unpacks into DEST and prints the source root (DEST, or the one
# folder the tarball holds).
peer_unpack() {
  local tarball=$1 dest=$2
  mkdir -p "$dest"
  tar xzf "$tarball" -C "$dest"
  local entries=("$dest"/*)
  if [ ${#entries[@]} -eq 1 ] && [ -d "${entries[0]}" ]; then
    echo "${entries[0]}"
  else
    echo "$dest"
  fi
}

# peer_built PREFIX: true when PREFIX is a complete install (the marker is written last).
peer_built() { [ -f "$1/.complete" ]; }

# peer_build PREFIX FUNCTION: unless PREFIX is complete, take PREFIX's lock and (if it is
# still not complete) run FUNCTION WORK, which builds in WORK and installs into PREFIX (the
# final path: GStreamer compiles its install paths in); then mark PREFIX complete. A second
# builder of the same prefix waits for the first and then finds it. On failure the log is
# kept in PREFIX.log and PREFIX is removed.
peer_build() {
  local prefix=$1 build_function=$2
  if peer_built "$prefix"; then
    peer_log "cached: $prefix"
    echo "$prefix"
    return 0
  fi
  mkdir -p "$(dirname "$prefix")"
  exec {lock_fd}>"$prefix.lock"
  if ! flock -n "$lock_fd"; then
    peer_log "waiting for another build of $prefix"
    flock "$lock_fd"
  fi
  if peer_built "$prefix"; then
    peer_log "cached (built by another run meanwhile): $prefix"
    exec {lock_fd}>&-
    echo "$prefix"
    return 0
  fi
  local work=$prefix.work log=$prefix.log start=$SECONDS
  rm -rf "$work" "$prefix"  # what an interrupted build left
  mkdir -p "$work"
  peer_log "building $(basename "$prefix") (log: $log)"
  # In the background so that set -e holds inside it (it would not under `if !`).
  ( set -e; "$build_function" "$work" ) >"$log" 2>&1 &
  if ! wait $!; then
    peer_log "peer build failed; last lines of $log:"
    tail -30 "$log" >&2
    rm -rf "$work" "$prefix"
    exec {lock_fd}>&-
    return 1
  fi
  rm -rf "$work"
  date -u +%FT%TZ >"$prefix/.complete"
  peer_log "built in $((SECONDS - start)) s: $prefix"
  exec {lock_fd}>&-
  echo "$prefix"
}

# peer_install_only BUILDDIR: builds only the targets that `meson install` installs (not a
# peer's own tests and examples), then installs them.
peer_install_only() {
  local build=$1
  local targets
  targets=$(meson introspect --targets "$build" | python3 -c '
import json, os, sys
build = os.path.realpath(sys.argv[1])
for t in json.load(sys.stdin):
    if t.get("installed"):
        for f in t["filename"]:
            print(os.path.relpath(f, build))' "$build")
  # shellcheck disable=SC2086
  ninja -C "$build" -j "${EDGE_JOBS:-$(nproc)}" $targets
  meson install -C "$build" --no-rebuild
}

# peer_find PREFIX: for --no-build: the prefix if it is built, else skip.
peer_find() {
  local prefix=$1 builder=$2
  peer_built "$prefix" || peer_skip "$(basename "$prefix") is not built (run $builder)"
  echo "$prefix"
}
