#!/usr/bin/env bash
# edge/: the systemd unit verifies with systemd-analyze (ExecStart pointed at this build's
# edgestream) and keeps its contract keys (restart policy, user, environment file,
# hardening); the example environment file names a shipped profile; every profile is known
# to `edgestream classify --profile`.
set -u
build="${EDGE_BUILD_ROOT:?EDGE_BUILD_ROOT not set (run through meson test)}"
src="${EDGE_SOURCE_ROOT:-.}"
unit="$src/edge/systemd/edgestream-classify@.service"
env_example="$src/edge/systemd/edgestream-classify.env.example"
tmp=$(mktemp -d /tmp/edge_classify_systemd.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}

for key in 'Restart=on-failure' 'RestartSec=3' 'User=edgestream' 'Group=edgestream' \
  'EnvironmentFile=/etc/edgestream/%i.env' 'SupplementaryGroups=audio dialout' \
  'NoNewPrivileges=yes' 'ProtectSystem=strict' 'PrivateTmp=yes' 'CapabilityBoundingSet=' \
  'DevicePolicy=closed' 'DeviceAllow=char-alsa rw' 'DeviceAllow=char-ttyACM rw' \
  'WantedBy=multi-user.target'; do
  check "unit has $key" 1 "$(grep -cxF -- "$key" "$unit")"
done
check "ExecStart runs edgestream classify with the instance's settings" 1 \
  "$(grep -c '^ExecStart=/usr/local/bin/edgestream classify ${EDGESTREAM_MODEL} --source ${EDGESTREAM_SOURCE} --profile ${EDGESTREAM_PROFILE} $EDGESTREAM_ARGS$' "$unit")"

if command -v systemd-analyze >/dev/null 2>&1; then
  sed "s|/usr/local/bin/edgestream|$build/tools/edgestream|" "$unit" >"$tmp/edgestream-classify@test.service"
  systemd-analyze verify "$tmp/edgestream-classify@test.service" >"$tmp/verify.log" 2>&1
  check "systemd-analyze verify exits 0" 0 $?
  check "systemd-analyze verify prints nothing" "" "$(cat "$tmp/verify.log")"
else
  echo "note: systemd-analyze not installed; key checks only"
fi

profile=$(sed -n 's/^EDGESTREAM_PROFILE=//p' "$env_example")
check "example env names a shipped profile" 1 "$(ls "$src/edge/profiles/$profile.toml" 2>/dev/null | wc -l)"
for f in MODEL SOURCE PROFILE ARGS; do
  check "example env sets EDGESTREAM_$f" 1 "$(grep -c "^EDGESTREAM_$f=" "$env_example")"
done

# Every profile is found by name; an unknown name lists them all.
for p in "$src"/edge/profiles/*.toml; do
  name=$(basename "$p" .toml)
  "$build/tools/edgestream" classify /nonexistent.tflite --source mic --profile "$name" >"$tmp/p.log" 2>&1
  # The profile is read first; the missing model is the next error.
  check "profile $name loads" 1 "$(grep -c 'nonexistent.tflite' "$tmp/p.log")"
done
"$build/tools/edgestream" classify /nonexistent.tflite --source mic --profile raspberry-pi >"$tmp/p.log" 2>&1
check "unknown profile lists the known ones" 1 \
  "$(grep -c "unknown profile 'raspberry-pi'; known profiles: jetson-nano, raspberry-pi-4, raspberry-pi-armhf" "$tmp/p.log")"

[ "$failures" -eq 0 ] || { echo "FAIL: $failures checks failed"; exit 1; }
echo "PASS: systemd unit and profiles"
