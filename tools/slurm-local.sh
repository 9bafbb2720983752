#!/usr/bin/env bash
# Starts (or stops) a one-node Slurm cluster on this machine, in a directory of its own, for the cluster tests.
# Usage: tools/slurm-local.sh start DIR   -> prints "export SLURM_CONF=DIR/slurm.conf"
#        tools/slurm-local.sh stop DIR
# Needs root (the daemons run as root) and Debian's slurmctld, slurmd, slurm-client and munge.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?directory}")
stop() {
  local p pid
  for p in slurmd slurmctld munged; do
    pid=$(cat "$dir/$p.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for p in slurmd slurmctld munged; do
    pid=$(cat "$dir/$p.pid" 2>/dev/null || true)
    for _ in $(seq 50); do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    rm -f "$dir/$p.pid"
  done
}
if [ "$cmd" = stop ]; then
  stop
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
mkdir -p "$dir"/{state,spool,log}
stop
host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
# munge: a key and a socket of this cluster's own, so a system munged is left alone.
[ -f "$dir/munge.key" ] || { dd if=/dev/urandom bs=1 count=1024 of="$dir/munge.key" 2>/dev/null; chmod 400 "$dir/munge.key"; }
mkdir -p "$dir/munge"
chmod 700 "$dir/munge"
/usr/sbin/munged --key-file="$dir/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" --force
cat > "$dir/slurm.conf" <<CONF
ClusterName=isopipe-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# A finished task's CPU goes to the next pending one at once (the default
# delays batch jobs' scheduling up to 3 s): array tasks follow each other
# without a pause on a node with fewer CPUs than tasks.
SchedulerParameters=batch_sched_delay=0
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
JobRequeue=1
ReturnToService=2
MpiDefault=none
DefMemPerCPU=512
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
# Two jobs may share a CPU, as on a partition for threaded jobs that each
# leave cores idle: a run's tasks start together, as its in-process
# encoders do, rather than in rounds of one per CPU (each round waits for
# the controller's next scheduling pass after the previous one ends).
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:2
CONF
export SLURM_CONF="$dir/slurm.conf"
/usr/sbin/slurmctld -f "$dir/slurm.conf"
/usr/sbin/slurmd -f "$dir/slurm.conf"
# Ready when the node is idle.
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null | head -n1 || true)
  case "$state" in idle*|mixed*|allocated*) echo "export SLURM_CONF=$dir/slurm.conf"; exit 0 ;; esac
  sleep 0.2
done
echo "slurm-local: the node did not come up (state '${state:-none}'); logs in $dir/log" >&2
exit 1
