#!/usr/bin/env bash
# Traces as researchers feed them: through pipes, /dev/stdin, <(...) and FIFOs, plain and gzip,
# with workload.count/skip, and the bad inputs that must end with exit 2 and a named file.
# Usage: trace_inputs.sh VMSIM SRC_DIR WORK_DIR
set -uo pipefail
vmsim=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
default=$src/tests/data/configs/base.yaml
P=system.cpu0.requester.workload
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# stat NAME DIR: the value of one statistic in DIR/stats.txt
stat() { awk -v n="$1" '$1 == n { print $2; exit }' "$2/stats.txt" 2>/dev/null; }
# expect_run NAME EXPECTED_ACCESSES OUTDIR (after the command ran with its exit status in $rc)
expect_accesses() {
  local name=$1 want=$2 dir=$3
  [ "$rc" -eq 0 ] || { fail "$name: exit $rc"; cat "$dir.log"; return; }
  local got
  got=$(stat system.cpu0.requester.accesses "$dir")
  [ "$got" = "$want" ] || fail "$name: $got accesses, expected $want"
}
# expect_error NAME TEXT LOG: exit status 2 and TEXT in the output
expect_error() {
  local name=$1 text=$2 log=$3
  [ "$rc" -eq 2 ] || fail "$name: exit $rc, expected 2"
  grep -qF -- "$text" "$log" || { fail "$name: '$text' not in the output:"; cat "$log"; }
}

for i in $(seq 0 99); do printf 'R 0x%x 8\n' $((0x10000000 + i * 4096)); done > t.trace
gzip -c t.trace > t.trace.gz
trace=(--param "$P.type=trace")

# A pipe on /dev/stdin, plain and gzip (read as empty, resp. a false gzip error, before).
cat t.trace | "$vmsim" "$default" "${trace[@]}" --param "$P.trace=/dev/stdin" --outdir o_stdin \
  >o_stdin.log 2>&1
rc=$?
expect_accesses "cat | /dev/stdin" 100 o_stdin
cat t.trace.gz | "$vmsim" "$default" "${trace[@]}" --param "$P.trace=/dev/stdin" \
  --outdir o_stdin_gz >o_stdin_gz.log 2>&1
rc=$?
expect_accesses "gzip stream on /dev/stdin" 100 o_stdin_gz
"$vmsim" "$default" "${trace[@]}" --param "$P.trace="<(gzip -c t.trace) --outdir o_subst \
  >o_subst.log 2>&1
rc=$?
expect_accesses "<(...) process substitution" 100 o_subst

# A named FIFO, written while vmsim reads it.
# The writer is stopped afterwards in case vmsim never opened the FIFO (it would block for ever).
mkfifo t.fifo
cat t.trace.gz >t.fifo 2>/dev/null &
writer=$!
timeout 120 "$vmsim" "$default" "${trace[@]}" --param "$P.trace=t.fifo" --outdir o_fifo \
  >o_fifo.log 2>&1
rc=$?
kill $writer 2>/dev/null
wait $writer 2>/dev/null
expect_accesses "FIFO" 100 o_fifo

# The DRAM trace player on a FIFO (it hung: the file was opened twice).
printf '0x0 READ 0\n0x40 READ 100\n0x40000000 WRITE 200\n' > d.trace
for input in plain gzip; do
  if [ $input = plain ]; then cat d.trace >t.fifo 2>/dev/null & else gzip -c d.trace >t.fifo 2>/dev/null & fi
  writer=$!
  timeout 120 "$vmsim" "$src/configs/dram_trace.yaml" --param system.trace.file=t.fifo \
    --outdir o_dram_$input >o_dram_$input.log 2>&1
  rc=$?
  kill $writer 2>/dev/null
  wait $writer 2>/dev/null
  [ $rc -eq 0 ] || { fail "DRAM player on a FIFO ($input): exit $rc"; cat o_dram_$input.log; }
  [ "$(stat system.dram.requests o_dram_$input)" = 3 ] || fail "DRAM player on a FIFO ($input)"
done

# Empty input: an error naming the file, not a run with NaN statistics.
: | "$vmsim" "$default" "${trace[@]}" --param "$P.trace=/dev/stdin" --outdir o_empty \
  >o_empty.log 2>&1
rc=$?
expect_error "empty pipe" "/dev/stdin: no accesses" o_empty.log
: >e.trace
"$vmsim" "$src/configs/dram_trace.yaml" --param system.trace.file=e.trace --outdir o_dempty \
  >o_dempty.log 2>&1
rc=$?
expect_error "empty DRAM trace" "e.trace: no requests" o_dempty.log

# No line-length limit meant /dev/zero ran until bad_alloc.
timeout 60 "$vmsim" "$default" "${trace[@]}" --param "$P.trace=/dev/zero" --outdir o_zero \
  >o_zero.log 2>&1
rc=$?
expect_error "/dev/zero" "/dev/zero:1: line longer than 4096 bytes" o_zero.log
timeout 60 "$vmsim" "$src/configs/dram_trace.yaml" --param system.trace.file=/dev/zero \
  --outdir o_dzero >o_dzero.log 2>&1
rc=$?
expect_error "DRAM /dev/zero" "/dev/zero:1: line longer than 4096 bytes" o_dzero.log

# A DRAM trace line at cycle 10^12 replayed refreshes for minutes: now refused by the gap rule.
printf '0x0 READ 1000000000000\n' > far.trace
timeout 60 "$vmsim" "$src/configs/dram_trace.yaml" --param system.trace.file=far.trace \
  --outdir o_far >o_far.log 2>&1
rc=$?
expect_error "DRAM cycle 10^12" "far.trace:1: cycle 1000000000000 is 1000000000000 cycles after the start of the trace; requests may be at most 1000000000 cycles apart" o_far.log

# workload.count and workload.skip (count was silently ignored for traces).
"$vmsim" "$default" "${trace[@]}" --param "$P.trace=t.trace" --param "$P.count=10" \
  --param "$P.skip=5" --outdir o_window >o_window.log 2>&1
rc=$?
expect_accesses "count=10 skip=5" 10 o_window
grep -qF "replay stopped after count=10 accesses; the trace holds more" o_window.log ||
  fail "count cutting a trace short is not reported"
# Without count, a trace runs to its end; config.ini records count=0 (so it reruns the same).
printf 'system:\n  cpu0:\n    requester:\n      workload: {type: trace, trace: %s}\n' \
  "$work/t.trace" > trace_only.yaml
"$vmsim" trace_only.yaml --param "$P.skip=90" --outdir o_all >o_all.log 2>&1
rc=$?
expect_accesses "no count, skip=90" 10 o_all
grep -qx "count=0" o_all/config.ini || fail "config.ini of a trace without count lacks count=0"
"$vmsim" trace_only.yaml --param "$P.skip=100" --outdir o_skip_all >o_skip_all.log 2>&1
rc=$?
expect_error "skip past the end" "t.trace: skip 100 leaves no access to replay (the trace holds 100)" \
  o_skip_all.log
"$vmsim" "$default" --param "$P.skip=5" --outdir o_skip_syn >o_skip_syn.log 2>&1
rc=$?
expect_error "skip on a synthetic workload" "'$P.skip': only trace workloads skip accesses" \
  o_skip_syn.log

# count 0 means "to the end" for traces only: a synthetic workload with it ran nothing (NaN means).
"$vmsim" "$default" --param "$P.count=0" --outdir o_count0 >o_count0.log 2>&1
rc=$?
expect_error "count 0 on a synthetic workload" \
  "'$P.count': 0 means 'to the end' for traces only; a synthetic workload needs count >= 1" \
  o_count0.log

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "trace inputs: all checks passed"
