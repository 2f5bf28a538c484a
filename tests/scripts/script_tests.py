#!/usr/bin/python3
"""ctest driver for scripts/sweep.py, compare_stats.py, plot.py and tlb-reach (label 'scripts').

  script_tests.py CASE --vmsim PATH --src REPO --work DIR

Cases: tlb_reach, sweep, compare_same, compare_seed, unknown_stat, failing_point, plot.
Exit 0 pass, 1 fail, 77 skipped (plot without matplotlib).
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

SKIP = 77
COUNT = "system.cpu0.requester.workload.count=2000"
HITRATE = "system.cpu0.mmu.l1d.hitRate"
LATENCY = "system.cpu0.requester.avgLatency"
ENTRIES = "system.cpu0.mmu.l1d.entries"


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(cmd):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    print("(exit %d)" % p.returncode, flush=True)
    return p


def script(a, name):
    return ["/usr/bin/python3", os.path.join(a.src, "scripts", name)]


def sweep(a, values, stats, extra=()):
    out = os.path.join(a.work, "sweep")
    return out, run(script(a, "sweep.py") + [
        os.path.join(a.src, "tests", "data", "configs", "base.yaml"), "--sweep", "%s=%s" % (ENTRIES, values),
        "--param", COUNT, "--stats", stats, "--out", out, "--jobs", "2", "--vmsim", a.vmsim]
        + list(extra))


def vmsim_run(a, name, *params):
    out = os.path.join(a.work, name)
    cmd = [a.vmsim, os.path.join(a.src, "tests", "data", "configs", "base.yaml"), "--param", COUNT]
    for p in params:
        cmd += ["--param", p]
    p = run(cmd + ["--outdir", out])
    check(p.returncode == 0, "vmsim run %s failed" % name)
    return os.path.join(out, "stats.txt")


def case_sweep(a):
    out, p = sweep(a, "16,64", "%s,%s,system.cpu0.mmu.translationLatency.mean" % (HITRATE, LATENCY))
    check(p.returncode == 0, "sweep.py exited %d" % p.returncode)
    with open(os.path.join(out, "results.csv"), newline="") as f:
        rows = list(csv.reader(f))
    check(rows[0] == [ENTRIES, HITRATE, LATENCY, "system.cpu0.mmu.translationLatency.mean"],
          "unexpected header %s" % rows[0])
    check(len(rows) == 3, "expected 2 data rows, got %d" % (len(rows) - 1))
    check([r[0] for r in rows[1:]] == ["16", "64"], "points out of order: %s" % rows[1:])
    for r in rows[1:]:
        hit, lat, tlat = float(r[1]), float(r[2]), float(r[3])
        check(0.0 <= hit <= 1.0, "hit rate out of range: %s" % r)
        check(lat > 0 and tlat > 0 and tlat <= lat, "latencies not sane: %s" % r)
    for v in ("16", "64"):
        d = os.path.join(out, "%s=%s" % (ENTRIES, v))
        for f in ("stats.txt", "stats.json", "config.ini"):
            check(os.path.isfile(os.path.join(d, f)), "missing %s in %s" % (f, d))
        with open(os.path.join(d, "config.json")) as f:
            got = json.load(f)["system"]["cpu0"]["mmu"]["l1d"]["entries"]
        check(str(got) == v, "entries=%s not applied in %s (config.json: %s)" % (v, d, got))
    check(HITRATE in p.stdout, "no table printed")


def case_compare_same(a):
    s1 = vmsim_run(a, "same1")
    s2 = vmsim_run(a, "same2")
    p = run(script(a, "compare_stats.py") + [s1, s2])
    check(p.returncode == 0, "identical runs compared as different (exit %d)" % p.returncode)
    check("0 differ" in p.stdout, "summary missing")


def case_compare_seed(a):
    s1 = vmsim_run(a, "seed1", "system.cpu0.requester.workload.seed=1")
    s2 = vmsim_run(a, "seed2", "system.cpu0.requester.workload.seed=2")
    p = run(script(a, "compare_stats.py") + [s1, s2, "--threshold", "0.01"])
    check(p.returncode == 1, "different seeds should differ (exit %d)" % p.returncode)
    check("system.dram" in p.stdout, "no differing statistic listed")


def case_unknown_stat(a):
    out, p = sweep(a, "16,64", "%s,system.cpu0.mmu.l1d.hitrate" % HITRATE)
    check(p.returncode == 2, "unknown statistic should exit 2 (exit %d)" % p.returncode)
    check("unknown statistic 'system.cpu0.mmu.l1d.hitrate'" in p.stderr, "error does not name it")
    check("close matches" in p.stderr and HITRATE in p.stderr, "no close matches listed")


def case_failing_point(a):
    # 17 entries are not divisible by the 4 ways of the default config: vmsim exits 2.
    out, p = sweep(a, "16,17", HITRATE)
    check(p.returncode == 1, "failing point should make sweep.py exit 1 (exit %d)" % p.returncode)
    check("%s=17 failed" % ENTRIES in p.stderr and "does not divide" in p.stderr,
          "failure not reported with vmsim's stderr")
    with open(os.path.join(out, "results.csv"), newline="") as f:
        rows = list(csv.reader(f))
    check(len(rows) == 3 and rows[1][1] != "" and rows[2][1] == "",
          "results.csv should keep both points, the failed one empty: %s" % rows)


def case_plot(a):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib not installed for /usr/bin/python3: skipped")
        return SKIP
    out, p = sweep(a, "16,32,64", "%s,%s" % (HITRATE, LATENCY),
                   ["--sweep", "system.cpu0.mmu.l1d.ways=1,4"])
    check(p.returncode == 0, "sweep.py exited %d" % p.returncode)
    png = os.path.join(a.work, "plot.png")
    p = run(script(a, "plot.py") + [os.path.join(out, "results.csv"), "--x", ENTRIES,
                                    "--y", HITRATE, "--series", "system.cpu0.mmu.l1d.ways",
                                    "--logx", "-o", png])
    check(p.returncode == 0, "plot.py exited %d" % p.returncode)
    with open(png, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG file")
    return 0


def case_tlb_reach(a):
    # The knees of the TLB-reach experiment sit exactly at the configured capacities of today's
    # default hierarchy: L1 DTLB 64 entries 4-way (16 sets), L2 TLB 1536 entries 12-way (128
    # sets). A cyclic chase over N contiguous pages puts N/sets pages in every set: with LRU a
    # set holds them all while N/sets <= ways and misses on every access once N/sets > ways.
    out = os.path.join(a.work, "reach")
    pages = [16, 32, 64, 128, 256, 1024, 1536, 2048, 4096]
    p = run(script(a, "tlb-reach") + [
        "--config", os.path.join(a.src, "tests", "data", "configs", "base.yaml"), "--vmsim", a.vmsim,
        "--pages", ",".join(map(str, pages)), "--out", out, "--no-plot", "--jobs", "2"])
    check(p.returncode == 0, "tlb-reach exited %d" % p.returncode)
    with open(os.path.join(out, "tlb_reach.csv"), newline="") as f:
        rows = {int(r["pages"]): r for r in csv.DictReader(f)}
    check(sorted(rows) == pages, "points missing: %s" % sorted(rows))

    def rate(n, tlb):
        v = rows[n].get(tlb + ".miss_rate", "")
        return float(v) if v != "" else None

    for n in pages:
        l1, l2 = rate(n, "l1d"), rate(n, "l2")
        check(l1 is not None, "no l1d miss rate at %d pages" % n)
        if n <= 64:
            check(l1 == 0.0, "L1 DTLB misses below its 64 entries (%d pages: %s)" % (n, l1))
            check(l2 is None, "the L2 TLB was looked up at %d pages" % n)
        else:
            check(l1 == 1.0, "L1 DTLB hits above its 64 entries (%d pages: %s)" % (n, l1))
            want = 0.0 if n <= 1536 else 1.0
            check(l2 == want, "L2 TLB miss rate %s at %d pages, expected %s" % (l2, n, want))
        # Beyond both TLBs every access walks; within them none does (after the first lap).
        walks = int(rows[n]["walks"])
        check(walks == (int(rows[n]["accesses"]) if n > 1536 else 0),
              "walks at %d pages: %d" % (n, walks))
    lat = [float(rows[n]["avg_latency_cycles"]) for n in pages]
    check(lat[3] > lat[2] and lat[7] > lat[6], "latency does not step at the knees: %s" % lat)


CASES = {"tlb_reach": case_tlb_reach, "sweep": case_sweep, "compare_same": case_compare_same,
         "compare_seed": case_compare_seed, "unknown_stat": case_unknown_stat,
         "failing_point": case_failing_point, "plot": case_plot}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--vmsim", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    try:
        rc = CASES[a.case](a) or 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    print("PASS" if rc == 0 else "SKIPPED")
    return rc


if __name__ == "__main__":
    sys.exit(main())
