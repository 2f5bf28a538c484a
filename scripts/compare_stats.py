#!/usr/bin/python3
"""Compare two gem5-format stats.txt files (vmsim's or gem5's), dump block by dump block.

  scripts/compare_stats.py A/stats.txt B/stats.txt [--threshold 0.01]

Prints every statistic whose value differs (A, B, B-A and (B-A)/|A|) and those present on one side
only. A statistic is beyond the threshold when |B-A|/|A| > threshold (any change of a zero value
counts as beyond); NaN equals NaN. The host figures (hostSeconds, hostTickRate, hostMemory, ...)
change from run to run and are skipped unless --include-host is given.

Exit status: 0 no difference beyond the threshold, 1 some statistic differs beyond it, is missing
on one side or the files hold different numbers of dumps, 2 unreadable input.
Standard library only.
"""

import argparse
import math
import os
import re
import signal
import sys

BEGIN = re.compile(r"^-+\s*Begin Simulation Statistics\s*-+\s*$")
END = re.compile(r"^-+\s*End Simulation Statistics\s*-+\s*$")
# name value [pdf cdf] [# description (unit)]
LINE = re.compile(r"^(\S+)\s+(\S+)(?:\s+(\S+%?)\s+(\S+%?))?\s*(?:#(.*))?$")
HOST = re.compile(r"(^|\.)host[A-Z]\w*$")


class ParseError(Exception):
    pass


def parse_stats(path):
    """List of dump blocks, each an ordered dict name -> value string."""
    if os.path.isdir(path):
        path = os.path.join(path, "stats.txt")
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ParseError("cannot read %s: %s" % (path, e.strerror or e))
    has_markers = any(BEGIN.match(l) for l in lines)
    blocks, cur = [], None if has_markers else {}
    for n, line in enumerate(lines, 1):
        if BEGIN.match(line):
            cur = {}
            continue
        if END.match(line):
            if cur is not None:
                blocks.append(cur)
            cur = None
            continue
        if cur is None or not line.strip():
            continue
        m = LINE.match(line.strip())
        if not m:
            raise ParseError("%s:%d: not a statistics line: %s" % (path, n, line.strip()))
        cur[m.group(1)] = m.group(2)
    if cur:  # no End marker (truncated file) or a file without markers
        blocks.append(cur)
    if not blocks:
        raise ParseError("%s: no statistics found (expected gem5 stats.txt format)" % path)
    return blocks


def to_number(text):
    t = text.lower()
    if t in ("nan", "-nan", "+nan"):
        return math.nan
    try:
        return float(t)
    except ValueError:
        return None


def compare_values(a, b):
    """(differs, abs_diff or None, rel_diff or None) for two value strings."""
    x, y = to_number(a), to_number(b)
    if x is None or y is None:
        return a != b, None, (math.inf if a != b else 0.0)
    if math.isnan(x) and math.isnan(y):
        return False, 0.0, 0.0
    if math.isnan(x) or math.isnan(y):
        return True, math.nan, math.inf
    if x == y:
        return False, 0.0, 0.0
    d = y - x
    if x == 0:
        return True, d, math.inf
    return True, d, d / abs(x)


def fmt_num(v):
    if v is None:
        return "-"
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if float(v).is_integer() and abs(v) < 1e15:
        return "%+d" % int(v)
    return "%+.6g" % v


def fmt_rel(r):
    if r is None:
        return "-"
    if math.isinf(r) or math.isnan(r):
        return "inf"
    return "%+.3f%%" % (100 * r)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Compare two gem5-format stats.txt files block by block.",
        epilog="Exit status: 0 no difference beyond the threshold, 1 differences (or stats "
               "missing on one side), 2 unreadable input.")
    ap.add_argument("a", help="first stats.txt (or a folder holding one)")
    ap.add_argument("b", help="second stats.txt (or a folder holding one)")
    ap.add_argument("--threshold", type=float, default=0.01,
                    help="relative difference tolerated, |B-A|/|A| (default 0.01 = 1%%)")
    ap.add_argument("--include-host", action="store_true",
                    help="also compare host figures (hostSeconds, hostTickRate, hostMemory)")
    ap.add_argument("--ignore", action="append", default=[], metavar="REGEX",
                    help="skip statistics whose name matches (re.search; repeatable)")
    ap.add_argument("--quiet", "-q", action="store_true",
                    help="list only differences beyond the threshold and missing statistics")
    args = ap.parse_args(argv)
    if args.threshold < 0:
        print("compare_stats.py: --threshold must not be negative", file=sys.stderr)
        return 2
    try:
        ignores = [re.compile(r) for r in args.ignore]
    except re.error as e:
        print("compare_stats.py: bad --ignore expression: %s" % e, file=sys.stderr)
        return 2
    try:
        blocks_a, blocks_b = parse_stats(args.a), parse_stats(args.b)
    except ParseError as e:
        print("compare_stats.py: %s" % e, file=sys.stderr)
        return 2

    def skipped(name):
        return (not args.include_host and HOST.search(name)) or any(r.search(name) for r in ignores)

    total_cmp = total_diff = total_beyond = total_missing = 0
    nblocks = max(len(blocks_a), len(blocks_b))
    bad = len(blocks_a) != len(blocks_b)
    if bad:
        print("dump blocks differ in number: A has %d, B has %d" % (len(blocks_a), len(blocks_b)))
    for i in range(nblocks):
        a = blocks_a[i] if i < len(blocks_a) else {}
        b = blocks_b[i] if i < len(blocks_b) else {}
        if not a or not b:
            side, present = ("A", a) if a else ("B", b)
            n = sum(1 for name in present if not skipped(name))
            print("== dump %d of %d: only in %s (%d statistics) ==" % (i + 1, nblocks, side, n))
            total_missing += n
            continue
        rows, only_a, only_b = [], [], []
        for name, va in a.items():
            if skipped(name):
                continue
            if name not in b:
                only_a.append((name, va))
                continue
            total_cmp += 1
            differs, d, r = compare_values(va, b[name])
            if differs:
                beyond = r is None or math.isnan(r) or abs(r) > args.threshold
                total_diff += 1
                total_beyond += beyond
                if beyond or not args.quiet:
                    rows.append((name, va, b[name], fmt_num(d), fmt_rel(r), "*" if beyond else ""))
        only_b = [(n, v) for n, v in b.items() if n not in a and not skipped(n)]
        total_missing += len(only_a) + len(only_b)
        if nblocks > 1:
            print("== dump %d of %d ==" % (i + 1, nblocks))
        if rows:
            head = ("statistic", "A", "B", "B-A", "rel", "")
            w = [max(len(r[k]) for r in rows + [head]) for k in range(5)]
            print("  ".join((head[0].ljust(w[0]),) + tuple(head[k].rjust(w[k]) for k in range(1, 5))))
            for r in rows:
                print("  ".join((r[0].ljust(w[0]),) + tuple(r[k].rjust(w[k]) for k in range(1, 5))
                                + (r[5],)).rstrip())
        for label, items in (("only in A (%s)" % args.a, only_a), ("only in B (%s)" % args.b, only_b)):
            if items:
                print("%s: %d statistic(s)" % (label, len(items)))
                for n, v in items:
                    print("  %s %s" % (n, v))
    print("%d statistic(s) compared in %d dump(s): %d differ, %d beyond threshold %g "
          "(marked *), %d on one side only"
          % (total_cmp, nblocks, total_diff, total_beyond, args.threshold, total_missing))
    return 1 if (bad or total_beyond or total_missing) else 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    sys.exit(main())
