#!/usr/bin/python3
"""ctest driver for scripts/sweep.py, compare_stats.py, plot.py and tlb-reach (label 'scripts').

  script_tests.py CASE --vmsim PATH --src REPO --work DIR

Cases: tlb_reach, sweep, compare_same, compare_seed, unknown_stat, failing_point, plot,
spec_local, spec_bad (scripts/sweep), plot_outputs, plot_bad (scripts/plot).
Exit 0 pass, 1 fail, 77 skipped (plot without matplotlib).
"""

import argparse
import csv
import json
import os
import re
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


# --- scripts/sweep (YAML specs) and scripts/plot -------------------------------------------------

SMALL = "system.cpu0.mmu.l1d"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def spec_text(a, body):
    return "config: %s\n%s" % (os.path.join(a.src, "tests", "data", "sweep_small.yaml"), body)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def case_spec_local(a):
    out = os.path.join(a.work, "cart")
    spec = write(os.path.join(a.work, "cart.yaml"), spec_text(a, """\
parameters:
  %s.entries: [16, 64]
  %s.ways: [1, 4]
fixed:
  system.cpu0.requester.workload.count: 3000
stats: [%s.hitRate, %s.hits, system.cpu0.requester.accesses]
out: cart
""" % (SMALL, SMALL, SMALL, SMALL)))
    p = run(script(a, "sweep") + [spec, "-j", "2", "--vmsim", a.vmsim])
    check(p.returncode == 0, "scripts/sweep exited %d" % p.returncode)
    rows = read_csv(os.path.join(out, "results.csv"))
    check(rows[0] == [SMALL + ".entries", SMALL + ".ways", SMALL + ".hitRate", SMALL + ".hits",
                      "system.cpu0.requester.accesses"], "header %s" % rows[0])
    check([r[:2] for r in rows[1:]] == [["16", "1"], ["16", "4"], ["64", "1"], ["64", "4"]],
          "points not in cartesian order: %s" % rows[1:])
    for r in rows[1:]:
        check(r[4] == "3000", "fixed count not applied: %s" % r)
        check(0 < float(r[2]) < 1, "hit rate out of range: %s" % r)
        d = os.path.join(out, "%s.entries=%s,%s.ways=%s" % (SMALL, r[0], SMALL, r[1]))
        with open(os.path.join(d, "config.json")) as f:
            l1d = json.load(f)["system"]["cpu0"]["mmu"]["l1d"]
        check(str(l1d["entries"]) == r[0] and str(l1d["ways"]) == r[1],
              "point %s ran with %s" % (r[:2], l1d))
        with open(os.path.join(d, "vmsim.rc")) as f:
            check(f.read().split()[0] == "0", "vmsim.rc of %s not 0" % d)
    hits = {tuple(r[:2]): int(r[3]) for r in rows[1:]}
    check(hits[("64", "4")] > hits[("16", "4")], "64 entries hit less than 16: %s" % hits)
    # The same rows gathered again from the folders, without running.
    os.remove(os.path.join(out, "results.csv"))
    p = run(script(a, "sweep") + [spec, "--gather"])
    check(p.returncode == 0 and read_csv(os.path.join(out, "results.csv")) == rows,
          "--gather did not rebuild the same results.csv")
    # stats.json as a time series (a list of dumps, or wrapped dumps): the last dump is gathered.
    for n, r in enumerate(rows[1:]):
        js = os.path.join(out, "%s.entries=%s,%s.ways=%s" % (SMALL, r[0], SMALL, r[1]),
                          "stats.json")
        with open(js) as f:
            tree = json.load(f)
        first = {"simSeconds": 0.0, "system": {}}
        doc = [first, tree] if n % 2 else {"dumps": [{"simSeconds": 0.0, "stats": first},
                                                     {"simSeconds": 1.0, "stats": tree}]}
        write(js, json.dumps(doc))
    p = run(script(a, "sweep") + [spec, "--gather"])
    check(p.returncode == 0 and read_csv(os.path.join(out, "results.csv")) == rows,
          "--gather of time-series stats.json files differs: %s" % p.stderr)
    # zip: the i-th values together (2 points, not 4).
    spec = write(os.path.join(a.work, "zip.yaml"), spec_text(a, """\
mode: zip
parameters:
  %s.entries: [16, 64]
  %s.ways: [4, 64]
stats: [%s.hitRate]
out: zip
""" % (SMALL, SMALL, SMALL)))
    p = run(script(a, "sweep") + [spec, "--vmsim", a.vmsim])
    check(p.returncode == 0, "zip sweep exited %d" % p.returncode)
    rows = read_csv(os.path.join(a.work, "zip", "results.csv"))
    check([r[:2] for r in rows[1:]] == [["16", "4"], ["64", "64"]], "zip points: %s" % rows)
    # A zip group inside a cartesian product: thp x (entries, ways) pairs = 4 points.
    spec = write(os.path.join(a.work, "group.yaml"), spec_text(a, """\
parameters:
  system.kernel.thp: [never, always]
zip:
  %s.entries: [16, 64]
  %s.ways: [4, 64]
stats: [%s.hitRate]
out: group
""" % (SMALL, SMALL, SMALL)))
    p = run(script(a, "sweep") + [spec, "--vmsim", a.vmsim, "-j", "2"])
    check(p.returncode == 0, "zip-group sweep exited %d" % p.returncode)
    rows = read_csv(os.path.join(a.work, "group", "results.csv"))
    check(rows[0][:3] == ["system.kernel.thp", SMALL + ".entries", SMALL + ".ways"],
          "zip-group header %s" % rows[0])
    check([r[:3] for r in rows[1:]] == [["never", "16", "4"], ["never", "64", "64"],
                                        ["always", "16", "4"], ["always", "64", "64"]],
          "zip-group points: %s" % rows)
    # --check lists the points without running anything.
    p = run(script(a, "sweep") + [spec, "--check"])
    check(p.returncode == 0 and "4 point(s)" in p.stdout, "--check: %s" % p.stdout)


BAD_SPECS = [
    # (spec text, or None for a missing file; substring the error must hold)
    (None, "cannot read sweep spec"),
    ("config: [unclosed\n", "is not valid YAML at line"),
    ("- just\n- a list\n", "a sweep spec is a mapping"),
    ("CONFIG\nparameters: {a: [1]}\nstats: [x]\nparamters: {}\n", "unknown key 'paramters'"),
    ("CONFIG\nstats: [x]\n", "missing 'parameters'"),
    ("CONFIG\nparameters: {a: [1]}\n", "missing 'stats'"),
    ("config: nowhere.yaml\nparameters: {a: [1]}\nstats: [x]\n", "config file not found"),
    ("CONFIG\nparameters: {system.cpu0.mmu.l1d.entries: 16}\nstats: [x]\n",
     "must be a list of values, got int (write [16] for one value)"),
    ("CONFIG\nparameters: {system.cpu0.mmu.l1d.entries: []}\nstats: [x]\n", "empty list"),
    ("CONFIG\nparameters: {system.cpu0.mmu.l1d.entries: [16, 16]}\nstats: [x]\n",
     "listed twice: 16"),
    ("CONFIG\nparameters: {a: [1, 2], b: [1]}\nmode: zip\nstats: [x]\n",
     "mode zip needs lists of one length"),
    ("CONFIG\nparameters: {a: [1]}\nmode: zipped\nstats: [x]\n", "did you mean 'zip'"),
    ("CONFIG\nparameters: {a: [1]}\nzip: {b: [1, 2], c: [1]}\nstats: [x]\n",
     "the zip group needs lists of one length; got b: 2, c: 1"),
    ("CONFIG\nparameters: {a: [1]}\nzip: {a: [1]}\nstats: [x]\n",
     "key in both parameters and zip: a"),
    ("CONFIG\nparameters: {a: [1]}\nmode: zip\nzip: {b: [1]}\nstats: [x]\n",
     "a 'zip' group needs mode cartesian"),
    ("CONFIG\nparameters: {a: [1]}\nfixed: {a: 2}\nstats: [x]\n", "both swept and fixed: a"),
    ("CONFIG\nparameters: {a: [1]}\nstats: []\n", "'stats' must be a non-empty list"),
    ("CONFIG\nparameters: {a: [1]}\nstats: [x]\njobs: 0\n", "'jobs' must be a whole number"),
    ("CONFIG\nparameters: {a: [1]}\nstats: [x]\nslurm: {partion: p}\n",
     "unknown key 'slurm.partion' (did you mean 'partition'?)"),
    ("CONFIG\nparameters: {a: [{b: 1}]}\nstats: [x]\n", "must be a number, string, boolean"),
    ("CONFIG\nparameters: {a: [1]}\nstats: [x]\nslurm: {array_limit: 0}\n",
     "'slurm.array_limit' must be a whole number >= 1"),
    ("CONFIG\nparameters: {a: [1]}\nstats: [x]\nplots: [--x]\n", "'plots' must be a list"),
]


def case_spec_bad(a):
    small = os.path.join(a.src, "tests", "data", "sweep_small.yaml")
    for n, (text, want) in enumerate(BAD_SPECS):
        path = os.path.join(a.work, "bad%d.yaml" % n)
        if text is not None:
            write(path, text.replace("CONFIG", "config: " + small))
        p = run(script(a, "sweep") + [path, "--vmsim", a.vmsim])
        check(p.returncode == 2, "bad spec %d should exit 2 (exit %d)" % (n, p.returncode))
        check(want in p.stderr, "bad spec %d: error lacks '%s': %s" % (n, want, p.stderr))
        check("Traceback" not in p.stderr, "bad spec %d crashed: %s" % (n, p.stderr))
    # A statistic no run has: the points run, the error names it with close matches, exit 2.
    spec = write(os.path.join(a.work, "stat.yaml"), spec_text(a, """\
parameters: {%s.entries: [16]}
stats: [%s.hitrate]
out: stat
""" % (SMALL, SMALL)))
    p = run(script(a, "sweep") + [spec, "--vmsim", a.vmsim])
    check(p.returncode == 2, "unknown statistic should exit 2 (exit %d)" % p.returncode)
    check("unknown statistic '%s.hitrate'" % SMALL in p.stderr and
          "%s.hitRate" % SMALL in p.stderr, "no close match offered: %s" % p.stderr)
    # A point vmsim rejects: its row stays with empty statistics, vmsim's error is shown, exit 1.
    spec = write(os.path.join(a.work, "fail.yaml"), spec_text(a, """\
parameters: {%s.entries: [16, 17]}
stats: [%s.hitRate]
out: fail
""" % (SMALL, SMALL)))
    p = run(script(a, "sweep") + [spec, "--vmsim", a.vmsim])
    check(p.returncode == 1, "failing point should exit 1 (exit %d)" % p.returncode)
    check("entries=17 failed" in p.stderr and "does not divide" in p.stderr,
          "failure not reported with vmsim's stderr: %s" % p.stderr)
    rows = read_csv(os.path.join(a.work, "fail", "results.csv"))
    check(len(rows) == 3 and rows[1][1] != "" and rows[2][1] == "", "rows: %s" % rows)
    # --slurm without sbatch on PATH is a clear error, not a crash.
    env_path = os.environ.get("PATH", "")
    os.environ["PATH"] = a.work
    try:
        p = run(script(a, "sweep") + [spec, "--vmsim", a.vmsim, "--slurm"])
    finally:
        os.environ["PATH"] = env_path
    check(p.returncode == 2 and "needs sbatch" in p.stderr, "--slurm without sbatch: %s" % p.stderr)


def labels(path):
    with open(path) as f:
        return json.load(f)["axes"]


def png_ok(path):
    check(os.path.isfile(path) and os.path.getsize(path) > 1000, "%s missing or tiny" % path)
    with open(path, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % path)


def case_plot_outputs(a):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib not installed for /usr/bin/python3: skipped")
        return SKIP
    small = os.path.join(a.src, "tests", "data", "sweep_small.yaml")
    runs = {}
    for name, extra in (("base", []), ("ts", ["system.stats.dump_period=2us"]),
                        ("huge", ["system.kernel.thp=always"]),
                        ("fast", ["system.cpu0.clock=250ps", "system.kernel.clock=500ps"])):
        d = os.path.join(a.work, name)
        cmd = [a.vmsim, small, "--outdir", d]
        for e in extra:
            cmd += ["--param", e]
        check(run(cmd).returncode == 0, "vmsim %s failed" % name)
        runs[name] = d
    plot = script(a, "plot")

    def do(args, name):
        png, lj = os.path.join(a.work, name + ".png"), os.path.join(a.work, name + ".json")
        p = run(plot + args + ["-o", png, "--labels-json", lj])
        check(p.returncode == 0, "plot %s exited %d" % (name, p.returncode))
        png_ok(png)
        return labels(lj)

    ax = do(["hist", runs["base"], "--stat", "system.cpu0.requester.accessLatency"], "hist")[0]
    check(ax["xlabel"].endswith("(cycles)") and "(%)" in ax["ylabel"], "hist labels %s" % ax)
    ax = do(["cdf", runs["base"], runs["huge"], "--label", "4KiB", "--label", "THP",
             "--stat", "system.cpu0.mmu.translationLatency"], "cdf")[0]
    check(ax["xlabel"].endswith("(cycles)") and ax["ylabel"] == "samples at or below x (%)" and
          ax["legend"] == ["4KiB", "THP"], "cdf labels %s" % ax)
    axes = do(["timeseries", runs["ts"], "--stat", SMALL + ".hitRate", "--stat",
               "system.cpu0.requester.accesses", "--delta"], "ts")
    check(axes[0]["ylabel"].endswith("(%)") and axes[1]["ylabel"].endswith("(count)") and
          axes[1]["xlabel"] == "simulated time (µs)", "timeseries labels %s" % axes)
    # stats.json as a list of dumps (the time-series form) reads too.
    with open(os.path.join(runs["base"], "stats.json")) as f:
        last = json.load(f)
    first = json.loads(json.dumps(last))
    first["simSeconds"] = last["simSeconds"] / 2
    os.makedirs(os.path.join(a.work, "list"))
    def bare(tree):  # the dump's time only on the wrapper
        return {k: v for k, v in tree.items() if k not in ("simSeconds", "simTicks")}

    wrapped = {"dumps": [{"simSeconds": first["simSeconds"], "stats": bare(first)},
                         {"simSeconds": last["simSeconds"], "stats": bare(last)}]}
    for name, doc in (("list", [first, last]), ("dumps", {"dumps": [first, last]}),
                      ("wrapped", wrapped)):
        js = os.path.join(a.work, "list", name + ".json")
        write(js, json.dumps(doc))
        do(["timeseries", js, "--stat", "system.cpu0.requester.accesses"], "ts_" + name)
    csv_out = os.path.join(a.work, "breakdown.csv")
    ax = do(["breakdown", runs["base"], runs["huge"], "--label", "4KiB", "--label", "THP",
             "--csv-out", csv_out], "breakdown")[0]
    check(ax["ylabel"] == "average latency per access (cpu0 cycles)" and
          ax["legend"] == ["TLB", "walk", "fault", "caches", "DRAM"], "breakdown labels %s" % ax)
    with open(csv_out, newline="") as f:
        bd = list(csv.DictReader(f))
    with open(os.path.join(runs["base"], "stats.json")) as f:
        avg = json.load(f)["system"]["cpu0"]["requester"]["avgLatency"]
    parts = sum(float(bd[0][c + "_cycles"]) for c in ("TLB", "walk", "fault", "caches", "DRAM"))
    # The CSV holds 3 decimals per component.
    check(abs(parts - avg) < 1e-3 * avg and abs(float(bd[0]["total_cycles"]) - avg) < 0.001,
          "components (%s) do not add up to avgLatency %s" % (parts, avg))
    check(all(float(v) >= 0 for r in bd for k, v in r.items() if k != "run"), "negative part")
    # A core twice as fast as the kernel: a kernel cycle of fault time is two core cycles.
    ax = do(["breakdown", runs["fast"], "--csv-out", csv_out], "breakdown_fast")[0]
    with open(csv_out, newline="") as f:
        fast = list(csv.DictReader(f))[0]
    with open(os.path.join(runs["fast"], "stats.json")) as f:
        st = json.load(f)["system"]
    fl = st["kernel"]["faultLatency"]
    want = fl["samples"] * fl["mean"] * 2 / st["cpu0"]["requester"]["accesses"]
    check(fl["samples"] > 0 and abs(float(fast["fault_cycles"]) - want) < 1e-3 + 1e-4 * want,
          "fault part %s, expected %s core cycles" % (fast["fault_cycles"], want))
    # A sweep plot: rates in percent, units on both axes.
    out = os.path.join(a.work, "sw")
    spec = write(os.path.join(a.work, "sw.yaml"), spec_text(a, """\
parameters: {%s.entries: [16, 32, 64]}
stats: [%s.hitRate, system.cpu0.requester.avgLatency]
out: sw
""" % (SMALL, SMALL)))
    check(run(script(a, "sweep") + [spec, "--vmsim", a.vmsim]).returncode == 0, "sweep failed")
    axes = do(["sweep", os.path.join(out, "results.csv"), "--x", SMALL + ".entries",
               "--y", SMALL + ".hitRate", "--y", "system.cpu0.requester.avgLatency"], "sweep")
    check(axes[0]["ylabel"] == "l1d.hitRate: hits / lookups (%)" and
          axes[1]["ylabel"].endswith("(cycles)") and axes[1]["xlabel"].endswith("(count)"),
          "sweep labels %s" % axes)


def case_plot_bad(a):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return SKIP
    small = os.path.join(a.src, "tests", "data", "sweep_small.yaml")
    d = os.path.join(a.work, "r")
    check(run([a.vmsim, small, "--outdir", d]).returncode == 0, "vmsim failed")
    os.makedirs(os.path.join(a.work, "bare"))
    shutil.copy(os.path.join(d, "stats.json"), os.path.join(a.work, "bare"))
    plot = script(a, "plot")
    png = os.path.join(a.work, "x.png")
    for args, want in (
            (["hist", d, "--stat", "system.cpu0.requester.accesLatency"],
             "close matches: system.cpu0.requester.accessLatency"),
            (["cdf", d, "--stat", "system.cpu0.requester.accesses"], "is not a histogram"),
            (["hist", os.path.join(a.work, "none"), "--stat", "x"], "no stats.json at"),
            (["hist", d, d, "--label", "one", "--stat", "system.cpu0.requester.accessLatency"],
             "1 --label for 2 runs"),
            (["timeseries", d, "--stat", "system.cpu0.requester.accessLatency"],
             "is not a number"),
            (["sweep", os.path.join(a.work, "none.csv"), "--x", "a", "--y", "b"],
             "cannot read"),
            (["breakdown", os.path.join(a.work, "bare", "stats.json")],
             "breakdown needs the run's config.json"),
    ):
        p = run(plot + args + ["-o", png])
        check(p.returncode == 2 and want in p.stderr and "Traceback" not in p.stderr,
              "plot %s: expected exit 2 with '%s', got %d: %s" % (args, want, p.returncode,
                                                                  p.stderr))
    check(not os.path.exists(png), "a failed plot wrote %s" % png)


def case_experiments(a):
    """Every configs/experiments/*.sweep.yaml is a valid spec, and every one of its points runs
    (cut to 2000 accesses) with keys vmsim knows: a renamed key breaks this, not the docs."""
    import glob
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("sweep_cli", os.path.join(a.src, "scripts",
                                                                            "sweep"))
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader("sweep_cli", loader))
    loader.exec_module(mod)
    specs = sorted(glob.glob(os.path.join(a.src, "configs", "experiments", "*.sweep.yaml")))
    check(len(specs) >= 3, "experiment specs missing: %s" % specs)
    for path in specs:
        spec = mod.load_spec(path)
        check(spec["plots"], "%s draws no figure" % path)
        plan = mod.make_plan(spec, os.path.join(a.work, spec["name"]), a.vmsim)
        # A time-sliced core's processes are cut each (docs/os.md, "Scheduling and context
        # switches"), a core with one workload its requester's.
        import yaml
        with open(os.path.join(os.path.dirname(path), spec["config"]) if "config" in spec
                  else path) as f:
            cfg = yaml.safe_load(f) or {}
        procs = ((cfg.get("system") or {}).get("cpu0") or {}).get("processes") or []
        cut = ["--param", "system.cpu0.requester.workload.count=2000"]
        if procs:
            cut = [x for n in procs for x in ("--param", "system.process.%s.workload.count=1000" % n)]
        for i in range(len(plan["points"])):
            cmd = mod.point_command(plan, i)
            cmd[-2:-2] = cut
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            check(p.returncode == 0, "%s point %s: vmsim exited %d:\n%s" % (
                path, plan["names"][i], p.returncode, p.stderr[-2000:]))
        print("%s: %d point(s) run" % (os.path.basename(path), len(plan["points"])))


def case_bench(a):
    # scripts/bench.py's scenarios, scaled down: every scenario runs, counts what it should
    # (the scale applies to access counts; DRAM replays take the whole trace) and records times
    # and peak RSS. Speed itself is not asserted (no timed assertions in the suite).
    out = os.path.join(a.work, "bench.json")
    only = ["lt_tlb_hits", "at_tlb_hits", "lt_walk_heavy", "dram_row_conflict_paced"]
    p = run(script(a, "bench.py") + ["--vmsim", a.vmsim, "--runs", "2", "--scale", "0.001",
                                     "--only", ",".join(only), "--json", out])
    check(p.returncode == 0, "bench.py failed")
    with open(out) as f:
        res = json.load(f)
    expect = {"lt_tlb_hits": 10000, "at_tlb_hits": 2000, "lt_walk_heavy": 2000,
              "dram_row_conflict_paced": 100000}
    for name, count in expect.items():
        runs = res["results"][name]["this tree"]
        check(len(runs) == 2, "%s: %d runs, expected 2" % (name, len(runs)))
        for r in runs:
            check(r["count"] == count, "%s counted %s, expected %d" % (name, r["count"], count))
            # (hostSeconds of a run this short can print as 0)
            check(r["rss_kib"] > 0 and r["wall_s"] > 0 and r["host_s"] >= 0,
                  "%s: missing time or RSS: %s" % (name, r))
        check(re.search(r"^%s\s+this tree\s+%d " % (name, count), p.stdout, re.M),
              "%s: no table row" % name)
    # bad arguments are errors that name the problem
    p = run(script(a, "bench.py") + ["--vmsim", a.vmsim, "--only", "tlb_hit"])
    check(p.returncode == 2 and "unknown scenario 'tlb_hit'" in p.stderr, "unknown scenario")
    p = run(script(a, "bench.py") + ["--vmsim", a.vmsim, "--runs", "0"])
    check(p.returncode == 2 and "--runs" in p.stderr, "--runs 0 accepted")
    p = run(script(a, "bench.py") + ["--vmsim", os.path.join(a.work, "none")])
    check(p.returncode != 0 and "not found" in p.stderr, "missing binary")


CASES = {"bench": case_bench, "tlb_reach": case_tlb_reach, "sweep": case_sweep, "compare_same": case_compare_same,
         "compare_seed": case_compare_seed, "unknown_stat": case_unknown_stat,
         "failing_point": case_failing_point, "plot": case_plot, "spec_local": case_spec_local,
         "spec_bad": case_spec_bad, "plot_outputs": case_plot_outputs, "plot_bad": case_plot_bad,
         "experiments": case_experiments}


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
