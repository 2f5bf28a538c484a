#!/usr/bin/env bash
# scripts/record-trace: records a real program with Lackey, passes its output and exit status
# through, compresses by the output's extension, and vmsim replays the result.
# Usage: record_trace.sh VMSIM SRC_DIR WORK_DIR (exit 77 = skipped: no valgrind)
set -uo pipefail
vmsim=$1 src=$2 work=$3
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
rec=$src/scripts/record-trace
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The program's stdout passes through untouched, the trace goes to the file.
printf '3\n1\n2\n' > in.txt
out=$(LC_ALL=C "$rec" -o sort.lackey.zst -- sort -n in.txt 2>rec.log)
rc=$?
[ $rc -eq 0 ] || { fail "record sort: exit $rc"; cat rec.log; }
[ "$out" = "$(printf '1\n2\n3')" ] || fail "sort's output did not pass through: '$out'"
[ "$(head -c 4 sort.lackey.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ] || fail ".zst is not zstd"
lines=$(zstd -dc sort.lackey.zst | wc -l)
[ "$lines" -gt 10000 ] || fail "sort's trace has only $lines lines"
other=$(zstd -dc sort.lackey.zst | grep -vc '^I \|^ [LSM] \|^==\|^# ')
[ "$other" -eq 0 ] || fail "$other lines of the trace are not lackey"
head -n 1 <(zstd -dc sort.lackey.zst) | grep -qF "# recorded by vmsim scripts/record-trace: sort -n in.txt" ||
  fail "the trace does not name its command"

# vmsim replays it (format detected as lackey), every access.
want=$(zstd -dc sort.lackey.zst | awk '/^I /||/^ [LS] / {n++} /^ M / {n+=2} END {print n}')
"$vmsim" "$src/configs/default.yaml" --param system.cpu0.requester.workload.type=trace \
  --param system.cpu0.requester.workload.trace=sort.lackey.zst --outdir o_sort >o_sort.log 2>&1
rc=$?
[ $rc -eq 0 ] || { fail "vmsim on the recorded trace: exit $rc"; cat o_sort.log; }
got=$(awk '$1 == "system.cpu0.requester.accesses" { print $2 }' o_sort/stats.txt)
[ "$got" = "$want" ] || fail "vmsim replayed $got accesses of $want"

# Compression by extension; the exit status is the program's; --limit cuts the trace.
"$rec" -o f.lackey.gz -- false 2>/dev/null
rc=$?
[ $rc -eq 1 ] || fail "exit status of 'false' not passed through: $rc"
gzip -t f.lackey.gz || fail ".gz output is not gzip"
"$rec" -o t.lackey.xz --limit 500 -- true 2>/dev/null
[ "$(xz -dc t.lackey.xz | wc -l)" -eq 500 ] || fail "--limit 500 did not keep 500 lines"
"$rec" -o plain.lackey -- true 2>/dev/null
grep -q '^I  ' plain.lackey || fail "plain output is not a lackey trace"

# Usage errors.
"$rec" -o x.xz 2>err.log
rc=$?
[ $rc -eq 2 ] && grep -qF "no command given" err.log || fail "missing command: exit $rc"
"$rec" -- no-such-program-here 2>err.log
rc=$?
[ $rc -eq 127 ] && grep -qF "no-such-program-here': command not found" err.log ||
  fail "unknown command: exit $rc"

[ $failures -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "record-trace: all checks passed"
