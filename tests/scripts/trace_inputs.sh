#!/usr/bin/env bash
# Traces as researchers feed them: through pipes, /dev/stdin, <(...) and FIFOs, plain, gzip, xz
# and zstd, vmsim text and ChampSim, with workload.count/skip and paths relative to the config,
# and the bad inputs that must end with exit 2 and a named file.
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
expect_error "/dev/zero" "/dev/zero: unknown trace format: binary data that is not a ChampSim trace (record 1: ip 0" o_zero.log
timeout 60 "$vmsim" "$default" "${trace[@]}" --param "$P.trace=/dev/zero" --param "$P.format=vmsim" \
  --outdir o_zero_text >o_zero_text.log 2>&1
rc=$?
expect_error "/dev/zero as vmsim text" "/dev/zero:1: line longer than 4096 bytes" o_zero_text.log
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

# xz and zstd streams, from files and pipes.
xz -c t.trace > t.trace.xz
zstd -q -c t.trace > t.trace.zst
for f in t.trace.xz t.trace.zst; do
  "$vmsim" "$default" "${trace[@]}" --param "$P.trace=$f" --outdir "o_$f" >"o_$f.log" 2>&1
  rc=$?
  expect_accesses "$f" 100 "o_$f"
  cat "$f" | "$vmsim" "$default" "${trace[@]}" --param "$P.trace=/dev/stdin" --outdir "o_pipe_$f" \
    >"o_pipe_$f.log" 2>&1
  rc=$?
  expect_accesses "$f on /dev/stdin" 100 "o_pipe_$f"
done
# A corrupt .gz: exit 2 and the file named.
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff' > corrupt.trace.gz
"$vmsim" "$default" "${trace[@]}" --param "$P.trace=corrupt.trace.gz" --outdir o_corrupt \
  >o_corrupt.log 2>&1
rc=$?
expect_error "corrupt .gz" "corrupt.trace.gz:1: corrupt gzip data: invalid block type" o_corrupt.log

# A ChampSim trace (64-byte records, .xz) generated here: 1000 instructions, a load every 2nd, a
# store every 4th: 1000 + 500 + 250 accesses.
/usr/bin/python3 - <<'PY'
import lzma, struct
recs = []
for i in range(1000):
    src = [0x10000000 + 64 * (i % 97) if i % 2 == 0 else 0, 0, 0, 0]
    dst = [0x10100000 + 8 * (i % 50) if i % 4 == 0 else 0, 0]
    recs.append(struct.pack("<QBB2B4B2Q4Q", 0x400000 + 4 * i, 0, 0, 0, 0, 0, 0, 0, 0, *dst, *src))
data = b"".join(recs)
assert len(data) == 64000
open("cs.champsimtrace.xz", "wb").write(lzma.compress(data))
open("cs_cut.champsim", "wb").write(data[:64 * 10 + 30])
PY
"$vmsim" "$default" "${trace[@]}" --param "$P.trace=cs.champsimtrace.xz" --outdir o_cs \
  >o_cs.log 2>&1
rc=$?
expect_accesses "ChampSim .xz" 1750 o_cs
"$vmsim" "$default" "${trace[@]}" --param "$P.trace=cs_cut.champsim" --outdir o_cs_cut \
  >o_cs_cut.log 2>&1
rc=$?
expect_error "truncated ChampSim record" "cs_cut.champsim: record 11: truncated record: the file ends 30 bytes into it" o_cs_cut.log
# An unknown format and a bad format name.
printf 'hello world\n' > hello.txt
"$vmsim" "$default" "${trace[@]}" --param "$P.trace=hello.txt" --outdir o_unknown >o_unknown.log 2>&1
rc=$?
expect_error "unknown format" "hello.txt:1: unknown trace format" o_unknown.log
"$vmsim" "$default" "${trace[@]}" --param "$P.trace=t.trace" --param "$P.format=pin" \
  --outdir o_badfmt >o_badfmt.log 2>&1
rc=$?
expect_error "bad format name" "$P.format" o_badfmt.log
grep -qF "champsim" o_badfmt.log || fail "bad format name: valid names not listed"

# Paths in a config resolve against the file naming them; --param paths against the working
# directory. The config lives in sub/, the trace beside it, and vmsim runs from elsewhere.
mkdir -p sub/inc elsewhere
cp t.trace sub/t.trace
head -n 40 t.trace > sub/inc/forty.trace
printf 'system:\n  cpu0:\n    requester:\n      workload: {type: trace, trace: t.trace}\n' > sub/rel.yaml
printf 'system:\n  cpu0:\n    requester:\n      workload: {type: trace, trace: forty.trace}\n' > sub/inc/part.yaml
printf 'include: inc/part.yaml\n' > sub/via_include.yaml
(cd elsewhere && "$vmsim" ../sub/rel.yaml --outdir ../o_rel >../o_rel.log 2>&1)
rc=$?
expect_accesses "trace relative to its config" 100 o_rel
(cd elsewhere && "$vmsim" ../sub/via_include.yaml --outdir ../o_inc >../o_inc.log 2>&1)
rc=$?
expect_accesses "trace relative to the included file" 40 o_inc
grep -qx "trace=$work/sub/inc/forty.trace" o_inc/config.ini ||
  fail "config.ini does not name the resolved trace path"
head -n 7 t.trace > elsewhere/seven.trace
(cd elsewhere && "$vmsim" ../sub/rel.yaml --param "$P.trace=seven.trace" --outdir ../o_cwd \
  >../o_cwd.log 2>&1)
rc=$?
expect_accesses "--param trace relative to the working directory" 7 o_cwd

# workload.format on a synthetic workload is an error; the new patterns run end to end, and a bad
# value of their keys is an error naming the key.
"$vmsim" "$default" --param "$P.format=lackey" --outdir o_fmt_syn >o_fmt_syn.log 2>&1
rc=$?
expect_error "format on a synthetic workload" "'$P.format': only trace workloads have a format" \
  o_fmt_syn.log
for pattern in zipf hot_cold gups phases page_stride; do
  "$vmsim" "$default" --param "$P.pattern=$pattern" --param "$P.count=3000" \
    --param "$P.footprint=4MiB" --outdir "o_$pattern" >"o_$pattern.log" 2>&1
  rc=$?
  expect_accesses "pattern $pattern" 3000 "o_$pattern"
done
"$vmsim" "$default" --param "$P.pattern=zipf" --param "$P.zipf_alpha=0" --outdir o_alpha \
  >o_alpha.log 2>&1
rc=$?
expect_error "zipf_alpha 0" "$P.zipf_alpha" o_alpha.log
"$vmsim" "$default" --param "$P.pattern=phases" --param "$P.phase_footprint=2MiB" \
  --param "$P.footprint=1MiB" --param "$P.count=10" --outdir o_phase_big >o_phase_big.log 2>&1
rc=$?
expect_error "phase_footprint > footprint" "phase_footprint 2097152 exceeds footprint 1048576" o_phase_big.log

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "trace inputs: all checks passed"
