# Shared by the end-to-end scripts: `. "$(dirname "$0")/lib.sh"`.
# check NAME EXPECTED ACTUAL: prints "ok: NAME (ACTUAL)" or a FAIL line and sets fail=1;
# a script ends with `exit $fail`.
fail=${fail:-0}
check() {
  if [ "$2" == "$3" ]; then echo "ok: $1 ($3)"; else echo "FAIL: $1: expected '$2', got '$3'"; fail=1; fi
}
