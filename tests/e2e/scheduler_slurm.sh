#!/usr/bin/env bash
# `edgestream dataset ... --shard ${SLURM_ARRAY_TASK_ID}/4` as a real Slurm job array, then
# `edgestream merge`: the merged dataset equals one unsharded run (window hashes, sources,
# counts). The test starts its own single-node cluster on localhost (Debian slurm-wlm and
# munge): munged with a fresh key, slurmctld and slurmd on free ports, everything (state,
# spool, logs, the munge socket) in a temporary folder, and stops them at the end. Where the
# daemons cannot start (not root, packages missing, no free port) it skips and says why.
set -u
fail=0
. "$(dirname "$0")/lib.sh"
for tool in munged munge slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" >/dev/null ||
    { echo "SKIPPED: $tool not installed (Debian slurm-wlm and munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIPPED: slurmd must run as root to start jobs (this is uid $(id -u))"; exit 77; }
TMP=$(mktemp -d)
chmod 755 "$TMP"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
skip() {
  echo "SKIPPED: $1"
  local log
  for log in "$TMP"/cluster/*.log "$TMP"/cluster/*.out; do
    [ -s "$log" ] && { echo "--- $log"; tail -n 5 "$log"; }
  done
  exit 77
}
. "$(dirname "$0")/scheduler_lib.sh"

# --- the cluster
C=$TMP/cluster
mkdir -p "$C/state" "$C/spool"
dd if=/dev/urandom of="$C/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$C/munge.key"
munged -F --force --socket="$C/munge.sock" --key-file="$C/munge.key" --log-file="$C/munged.log" \
  --pid-file="$C/munged.pid" --seed-file="$C/munged.seed" >"$C/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$C/munge.sock" ] && break; sleep 0.1; done
munge -S "$C/munge.sock" -n </dev/null | unmunge -S "$C/munge.sock" >/dev/null 2>&1 ||
  skip "munged did not start"
read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
ports = []
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0)); ports.append(s.getsockname()[1])
print(*ports)')
node=$(hostname -s)
cat >"$C/slurm.conf" <<EOF
ClusterName=edgetest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$C/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/slurmctld.log
SlurmdLogFile=$C/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=edgetest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$C/slurm.conf
slurmctld -D -f "$SLURM_CONF" >"$C/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$C/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 100); do
  if [ "$(sinfo -h -N -o %t 2>/dev/null)" = idle ]; then up=1; break; fi
  sleep 0.2
done
[ $up -eq 1 ] || skip "slurmctld/slurmd did not bring node $node up within 20 s"
echo "cluster: slurmctld :$ctld_port, slurmd :$slurmd_port, node $node idle"

# --- the data and the job array
scheduler_setup
printf -v app_words ' %q' "${APP_ARGS[@]}"
cat >"$TMP/shard.sbatch" <<EOF
#!/bin/bash
#SBATCH --array=1-4
#SBATCH --cpus-per-task=1
#SBATCH --output=$TMP/slurm-%a.log
set -eu
export GST_PLUGIN_PATH="$GST_PLUGIN_PATH"
exec "$EDGE" dataset$app_words out=$TMP/part-\${SLURM_ARRAY_TASK_ID} \\
  --shard \${SLURM_ARRAY_TASK_ID}/\${SLURM_ARRAY_TASK_COUNT} --jobs 1
EOF
job=$(sbatch --parsable "$TMP/shard.sbatch" 2>"$TMP/sbatch.err")
check "sbatch accepts the array" 0 $?
[ -n "$job" ] || { cat "$TMP/sbatch.err"; exit 1; }
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 0.2
done
states=$(scontrol -o show job "$job" | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .* ExitCode=\([0-9:]*\).*/\1 \2 \3/p' | sort -n | tr '\n' ';')
check "the 4 array tasks completed with exit code 0" "1 COMPLETED 0:0;2 COMPLETED 0:0;3 COMPLETED 0:0;4 COMPLETED 0:0;" "$states"
timeout 120 "$EDGE" merge "$TMP/merged" "$TMP"/part-{1..4} >"$TMP/merge.log" 2>&1
check "merge exits 0" 0 $?
DIGEST "$TMP/whole" >"$TMP/whole.txt"
DIGEST "$TMP/merged" >"$TMP/merged.txt"
check "the unsharded run is complete" "complete True" "$(head -n1 "$TMP/whole.txt" | cut -d' ' -f1-2)"
check "merged array tasks equal the unsharded run (window hashes, sources, counts)" "" \
  "$(diff "$TMP/whole.txt" "$TMP/merged.txt" | head -5)"
[ $fail -eq 0 ] || tail -n 5 "$TMP"/*.log "$C"/*.log
exit $fail
