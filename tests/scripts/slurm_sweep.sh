#!/usr/bin/env bash
# A single-node SLURM cluster on localhost (Debian's slurm-wlm and munge), a 4-point sweep
# submitted to it as a job array by `scripts/sweep --slurm`, and its results.csv checked.
#
#   slurm_sweep.sh VMSIM SRC WORK
#
# Everything lives under WORK: a munge key and socket, slurm.conf (this host with the CPUs and
# memory `slurmd -C` reports, proctrack/linuxproc, task/none, free TCP ports), state, spool and
# logs. munged, slurmctld and slurmd run in the foreground as children of this script and are
# stopped by their process ids on every exit path. Needs root (slurmd starts jobs as their user).
# Exit 77 (skipped) without root or without the packages, unless VMSIM_REQUIRE_SLURM=1 (CI's
# scripts/test-slurm.sh installs them and sets it), where a missing piece fails.
set -uo pipefail
vmsim=$1 src=$2 work=$3

skip() {
  if [ "${VMSIM_REQUIRE_SLURM:-0}" = 1 ]; then
    echo "FAIL: $* (VMSIM_REQUIRE_SLURM=1)"
    exit 1
  fi
  echo "SKIPPED: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (slurmd runs job steps as the submitting user)"
for b in munged slurmctld slurmd sbatch sinfo scontrol; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] ||
    skip "$b not found: install Debian's slurm-wlm and munge (scripts/test-slurm.sh does)"
done
export PATH=$PATH:/usr/sbin

rm -rf "$work"
mkdir -p "$work"/{munge,state,spool,log,out}
chmod 711 "$work/munge"
work=$(cd "$work" && pwd)
pids=()

dump_logs() {
  for f in "$work"/log/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f (last 40 lines)"
    tail -n 40 "$f"
  done
}
cleanup() {
  local rc=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  [ $rc -eq 0 ] || [ $rc -eq 77 ] || dump_logs
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- munge ---------------------------------------------------------------------------------------
key=$work/munge/munge.key
dd if=/dev/urandom of="$key" bs=1024 count=1 status=none || fail "cannot write a munge key"
chmod 400 "$key"
socket=$work/munge/munge.socket
munged --foreground --force --key-file="$key" --socket="$socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/log/munged.log" \
  --seed-file="$work/munge/munged.seed" >"$work/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { cat "$work/log/munged.out"; fail "munged did not create $socket in 10 s"; }
munge --socket="$socket" -n | unmunge --socket="$socket" >/dev/null ||
  fail "munge round trip through $socket failed"

# --- slurm.conf ----------------------------------------------------------------------------------
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
host=$(hostname -s)
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
node=$(slurmd -C | grep '^NodeName=') || fail "slurmd -C did not describe this node"
node=${node% UpTime=*}
node=$(echo "$node" | sed "s/^NodeName=[^ ]*/NodeName=$host/")
conf=$work/slurm.conf
cat >"$conf" <<EOF
ClusterName=vmsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
PlugStackConfig=$work/plugstack.conf
MailProg=/bin/true
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=vmsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
: >"$work/plugstack.conf"
export SLURM_CONF=$conf
echo "slurm.conf: $conf ($node; ports $ctld_port/$slurmd_port)"

slurmctld -D -i -f "$conf" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$conf" -N "$host" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)

# --- wait until the node is idle -----------------------------------------------------------------
state=""
for i in $(seq 120); do
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { cat "$work"/log/*.out; fail "a daemon (pid $p) exited"; }
  done
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null | head -1)
  case $state in
    idle) break ;;
    drain* | down*)
      reason=$(sinfo -h -R -n "$host" -o %E 2>/dev/null)
      fail "node $host is $state: ${reason:-no reason given}" ;;
  esac
  sleep 0.5
done
[ "$state" = idle ] || fail "node $host not idle after 60 s (state: '${state:-no answer from slurmctld}')"
echo "node $host idle after $((i / 2)) s"

# --- the sweep -----------------------------------------------------------------------------------
spec=$work/spec.yaml
cat >"$spec" <<EOF
config: $src/tests/data/sweep_small.yaml
mode: cartesian
parameters:
  system.cpu0.mmu.l1d.entries: [16, 64]
  system.cpu0.mmu.l1d.ways: [1, 4]
stats: [system.cpu0.mmu.l1d.hitRate, system.cpu0.mmu.l1d.hits, system.cpu0.requester.accesses]
out: out
slurm: {time: "00:05:00", cpus_per_task: 1, array_limit: 2}
EOF
timeout 300 /usr/bin/python3 "$src/scripts/sweep" "$spec" --slurm --vmsim "$vmsim"
rc=$?
[ $rc -eq 0 ] || { squeue 2>&1; cat "$work"/out/slurm/task-*.out 2>/dev/null; fail "scripts/sweep --slurm exited $rc"; }

csv=$work/out/results.csv
[ -f "$csv" ] || fail "no $csv"
/usr/bin/python3 - "$csv" "$work/out" <<'EOF' || fail "results.csv check failed"
import csv, os, sys
rows = list(csv.reader(open(sys.argv[1])))
want = ["system.cpu0.mmu.l1d.entries", "system.cpu0.mmu.l1d.ways", "system.cpu0.mmu.l1d.hitRate",
        "system.cpu0.mmu.l1d.hits", "system.cpu0.requester.accesses"]
assert rows[0] == want, "header %s" % rows[0]
assert [r[:2] for r in rows[1:]] == [["16", "1"], ["16", "4"], ["64", "1"], ["64", "4"]], rows
for r in rows[1:]:
    assert 0.0 < float(r[2]) < 1.0, "hit rate %s" % r
    assert int(r[4]) == 4000, "accesses %s" % r
# More entries never lose hits on this cyclic footprint (64 pages: 16 entries thrash, 64 hold it).
hits = {(r[0], r[1]): int(r[3]) for r in rows[1:]}
assert hits[("64", "4")] > hits[("16", "4")], hits
logs = sorted(f for f in os.listdir(os.path.join(sys.argv[2], "slurm")) if f.startswith("task-"))
assert logs == ["task-%d.out" % i for i in range(4)], "array task logs: %s" % logs
job = open(os.path.join(sys.argv[2], "slurm", "job.sh")).read()
assert "#SBATCH --array=0-3%2\n" in job and "#SBATCH --time=00:05:00\n" in job, job
print("results.csv: 4 points from 4 array tasks, values sane")
EOF

# A point vmsim rejects (17 entries, 4 ways): its array task fails, sbatch --wait reports the
# job as failed, the sweep exits 1 with that point's row empty and vmsim's error shown.
cat >"$work/bad.yaml" <<EOF
config: $src/tests/data/sweep_small.yaml
parameters:
  system.cpu0.mmu.l1d.entries: [16, 17]
stats: [system.cpu0.mmu.l1d.hitRate]
out: bad
EOF
timeout 300 /usr/bin/python3 "$src/scripts/sweep" "$work/bad.yaml" --slurm --vmsim "$vmsim" \
  >"$work/bad.log" 2>&1
rc=$?
cat "$work/bad.log"
[ $rc -eq 1 ] || fail "a failing point on SLURM should make the sweep exit 1, not $rc"
grep -q "entries=17 failed" "$work/bad.log" && grep -q "does not divide" "$work/bad.log" ||
  fail "the failed point is not reported with vmsim's error"
[ "$(sed -n 2p "$work/bad/results.csv" | tr -d "\r" | cut -d, -f2)" != "" ] &&
  [ "$(sed -n 3p "$work/bad/results.csv" | tr -d "\r" | cut -d, -f2)" = "" ] ||
  fail "bad/results.csv should hold the good point's value and an empty failed one"
echo "PASS"
