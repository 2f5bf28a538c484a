#!/usr/bin/python3
"""Kept for existing command lines: `scripts/plot.py CSV --x ... --y ...` is `scripts/plot sweep
CSV --x ... --y ...` (units in the axis labels, rates in percent; docs/experiments.md).

  scripts/plot.py out/sweep/results.csv --x system.cpu0.mmu.l1d.entries \\
      --y system.cpu0.mmu.l1d.hitRate [--series system.cpu0.mmu.l1d.ways] [--logx] -o plot.png
"""

import os
import sys

if __name__ == "__main__":
    plot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot")
    os.execv(sys.executable, [sys.executable, plot, "sweep"] + sys.argv[1:])
