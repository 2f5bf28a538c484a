#!/usr/bin/python3
"""Plot one statistic of a sweep (results.csv from scripts/sweep.py) against a swept key.

  scripts/plot.py out/sweep/results.csv --x system.cpu0.mmu.l1d.entries \\
      --y system.cpu0.mmu.l1d.hitRate [--series system.cpu0.mmu.l1d.ways] [--logx] -o plot.png

One line per value of --series (with a legend), axis labels = the column names. Numeric x values
are placed on a numeric axis in increasing order; other x values (64MiB, lru, ...) are categories
in the order of the file. Other swept columns with several values are mixed into the same line,
so fix them with --where KEY=VALUE (repeatable). Rows with an empty y (failed points) are skipped.

Needs matplotlib (Debian: apt-get install -y python3-matplotlib); exit status 2 without it.
"""

import argparse
import csv
import difflib
import math
import os
import sys

APT_COMMAND = "sudo apt-get install -y python3-matplotlib"


def fail(msg, code=2):
    print("plot.py: %s" % msg, file=sys.stderr)
    sys.exit(code)


def check_column(name, header, what):
    if name in header:
        return
    close = difflib.get_close_matches(name, header, n=5, cutoff=0.5)
    msg = "%s column '%s' is not in the file" % (what, name)
    msg += "; close matches: %s" % ", ".join(close) if close else "; columns: %s" % ", ".join(header)
    fail(msg)


def as_float(text):
    try:
        return float(text)
    except ValueError:
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot a statistic of a sweep's results.csv.")
    ap.add_argument("csv", help="results.csv written by scripts/sweep.py")
    ap.add_argument("--x", required=True, help="column on the x axis (usually a swept key)")
    ap.add_argument("--y", required=True, help="column on the y axis (a statistic)")
    ap.add_argument("--series", help="column whose values become separate lines (legend)")
    ap.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                    help="keep only rows with this value (repeatable)")
    ap.add_argument("--logx", action="store_true", help="logarithmic x axis (base 2)")
    ap.add_argument("--logy", action="store_true", help="logarithmic y axis")
    ap.add_argument("--title", help="plot title (default: none)")
    ap.add_argument("-o", "--output", default="plot.png",
                    help="image file; the extension picks the format (png, pdf, svg)")
    args = ap.parse_args(argv)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot.py needs matplotlib for %s; install it with:\n  %s"
              % (sys.executable, APT_COMMAND), file=sys.stderr)
        return 2

    try:
        with open(args.csv, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = [r for r in reader if r]
    except OSError as e:
        fail("cannot read %s: %s" % (args.csv, e.strerror or e))
    if not header:
        fail("%s is empty" % args.csv)
    for name, what in ((args.x, "--x"), (args.y, "--y")) + (
            ((args.series, "--series"),) if args.series else ()):
        check_column(name, header, what)
    col = {n: i for i, n in enumerate(header)}
    for w in args.where:
        k, sep, v = w.partition("=")
        if not sep:
            fail("--where expects KEY=VALUE; got '%s'" % w)
        check_column(k, header, "--where")
        rows = [r for r in rows if r[col[k]] == v]
    if not rows:
        fail("no rows left to plot")

    xi, yi = col[args.x], col[args.y]
    si = col[args.series] if args.series else None
    numeric_x = all(as_float(r[xi]) is not None for r in rows)
    categories = []
    for r in rows:
        if r[xi] not in categories:
            categories.append(r[xi])

    series = {}  # series value -> list of (x, y), in file order of first appearance
    skipped = 0
    for r in rows:
        y = as_float(r[yi]) if r[yi] != "" else None
        if y is None or math.isnan(y):
            skipped += 1
            continue
        x = float(r[xi]) if numeric_x else categories.index(r[xi])
        series.setdefault(r[si] if si is not None else "", []).append((x, y))
    if not series:
        fail("column '%s' holds no numeric values" % args.y)
    if skipped:
        print("plot.py: skipped %d row(s) without a value of %s" % (skipped, args.y),
              file=sys.stderr)

    # Warn when other columns vary within a line: their points would be drawn as one line.
    seen = {}
    for r in rows:
        key = (r[si] if si is not None else "", r[xi])
        seen.setdefault(key, 0)
        seen[key] += 1
    if any(c > 1 for c in seen.values()):
        print("plot.py: warning: several rows share one (series, x) point; other swept columns "
              "vary. Use --series or --where KEY=VALUE to separate them.", file=sys.stderr)

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    markers = "osD^v<>ph*"
    for n, (name, pts) in enumerate(series.items()):
        pts.sort(key=lambda p: p[0])
        label = name if si is not None else None
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=markers[n % len(markers)],
                label=label)
    if args.logx:
        if not numeric_x:
            fail("--logx needs numeric x values")
        ax.set_xscale("log", base=2)
    if args.logy:
        ax.set_yscale("log")
    if numeric_x:
        xs = sorted({float(r[xi]) for r in rows})
        if len(xs) <= 12:
            ax.set_xticks(xs)
            ax.set_xticklabels([("%d" % v) if v.is_integer() else ("%g" % v) for v in xs])
            ax.minorticks_off()
    else:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories)
    ax.set_xlabel(args.x)
    ax.set_ylabel(args.y)
    if args.title:
        ax.set_title(args.title)
    ax.grid(True, alpha=0.3)
    if si is not None:
        ax.legend(title=args.series, fontsize="small", title_fontsize="small")
    fig.tight_layout()
    try:
        out_dir = os.path.dirname(args.output)
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
        fig.savefig(args.output)
    except (OSError, ValueError) as e:
        fail("cannot write %s: %s" % (args.output, e))
    print("plot: %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
