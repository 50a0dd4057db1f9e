# Shared by the end-to-end scripts: `. "$(dirname "$0")/lib.sh"`.
# check NAME EXPECTED ACTUAL: prints "ok: NAME (ACTUAL)" or a FAIL line and sets fail=1;
# a script ends with `exit $fail`.
fail=${fail:-0}
check() {
  if [ "$2" == "$3" ]; then echo "ok: $1 ($3)"; else echo "FAIL: $1: expected '$2', got '$3'"; fail=1; fi
}

# The command-line scripts' setup (meson runs them from the source root with EDGE_BUILD_ROOT
# and EDGE_SOURCE_ROOT set; by hand they default to build/ and .):
#   edgestream_setup   EDGE (the built edgestream), SRC (source root), SHARED (../shared/data
#                      or EDGE_SHARED_DATA); skips when edgestream is not built
#   require_file F TEXT  skips ("SKIPPED: TEXT") unless file F exists (data from ../shared)
#   make_tmp           TMP, a fresh directory removed when the script exits
edgestream_setup() {
  EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
  SRC=${EDGE_SOURCE_ROOT:-.}
  SHARED=${EDGE_SHARED_DATA:-$SRC/../shared/data}
  [ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
}
require_file() {
  [ -f "$1" ] || { echo "SKIPPED: $2"; exit 77; }
}
make_tmp() {
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
}

# expect_error WHAT TEXT COMMAND...: COMMAND must exit 1 with TEXT in its output (stdout and
# stderr, kept in $TMP/err.log).
expect_error() {
  local what=$1 text=$2
  shift 2
  "$@" >"$TMP/err.log" 2>&1
  local rc=$?
  check "$what: exit status" 1 "$rc"
  if grep -qF -- "$text" "$TMP/err.log"; then
    echo "ok: $what: message names it ($(head -c 300 "$TMP/err.log" | tr '\n' ' '))"
  else
    echo "FAIL: $what: expected '$text' in: $(cat "$TMP/err.log")"; fail=1
  fi
}
