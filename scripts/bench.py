#!/usr/bin/python3
"""Whole-process simulation-speed scenarios of vmsim (issue 11), run through the `vmsim` binary.

Each scenario is one `vmsim run` with fixed overrides. A run is timed from outside (wall time,
and user+system CPU time and peak RSS from wait4) and from inside (the run's own `hostSeconds`
stat, which covers the simulation only). Rates are the run's accesses (or DRAM requests) divided
by those times. Every scenario runs `--runs` times; with `--compare REV` the other revision is
built in .bench/<sha>/ and the two binaries alternate run by run (A B A B ...), so both see the
same machine load, and the table shows both medians and their ratio.

Usage: scripts/bench.py [--runs N] [--compare REV] [--only NAME,...] [--scale F] [--json FILE]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (config relative to the source tree, overrides, counted stat, count key or None).
# The count key's value is multiplied by --scale (smoke tests use a small one).
TLB_HITS = ["system.cpu0.requester.workload.pattern=sequential",
            "system.cpu0.requester.workload.footprint=64KiB"]
WALK_HEAVY = ["system.cpu0.requester.workload.pattern=random",
              "system.cpu0.requester.workload.footprint=1GiB", "system.kernel.memory_size=2GiB"]
COUNT = "system.cpu0.requester.workload.count"
ACCESSES = "system.cpu0.requester.accesses"
SCENARIOS = {
    # 64 KiB touched sequentially: 16 pages; every translation hits the L1 DTLB, every data access
    # the L1D or L2 (the "TLB hits" row).
    "lt_tlb_hits": ("configs/default.yaml", TLB_HITS + ["system.cpu0.requester.mode=lt"],
                    ACCESSES, (COUNT, 10_000_000)),
    "at_tlb_hits": ("configs/default.yaml", TLB_HITS + ["system.cpu0.requester.mode=at"],
                    ACCESSES, (COUNT, 2_000_000)),
    # 1 GiB touched at random: 262,144 pages, most translations miss both TLB levels and walk;
    # each page's first touch is a (timed) demand-zero fault.
    "lt_walk_heavy": ("configs/default.yaml", WALK_HEAVY + ["system.cpu0.requester.mode=lt"],
                      ACCESSES, (COUNT, 2_000_000)),
}
for trace in ("seq_read", "random_rw_2to1", "row_conflict_paced"):
    # DRAM-only replay of the validation traces (DDR4-2400), including reading the gzip file, as
    # the DRAMsim3 and Ramulator 2 host times in tests/data/dram/results.json do.
    SCENARIOS["dram_" + trace] = ("configs/dram_trace.yaml",
                                  [f"system.trace.file=tests/data/dram/traces/{trace}.trace.gz"],
                                  "system.dram.requests", None)


def stat_values(path):
    vals = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^(\S+)\s+(\S+)\s+#", line)
            if m:
                try:
                    vals[m.group(1)] = float(m.group(2))
                except ValueError:
                    pass
    return vals


def run_once(vmsim, src, scenario, scale):
    cfg, overrides, counted, count = SCENARIOS[scenario]
    args = [vmsim, "run", os.path.join(src, cfg), "-q"]
    outdir = tempfile.mkdtemp(prefix="vmsim_bench_")
    args += ["-o", outdir]
    for o in overrides:
        args += ["-p", o]
    if count:
        args += ["-p", f"{count[0]}={max(1, int(count[1] * scale))}"]
    env = dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE")
    t0 = time.monotonic()
    p = subprocess.Popen(args, cwd=src, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    try:
        if p.returncode != 0:
            sys.exit(f"bench: {scenario} failed ({vmsim}, exit {p.returncode}):\n{err}")
        st = stat_values(os.path.join(outdir, "stats.txt"))
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    n = st.get(counted, 0)
    host = st.get("hostSeconds", 0)
    cpu = ru.ru_utime + ru.ru_stime
    return {"count": n, "wall_s": wall, "cpu_s": cpu, "host_s": host,
            "rss_kib": ru.ru_maxrss,
            "per_host_s": n / host if host > 0 else 0, "per_wall_s": n / wall,
            "per_cpu_s": n / cpu if cpu > 0 else 0}


def build_revision(rev):
    sha = subprocess.check_output(["git", "-C", ROOT, "rev-parse", "--verify", rev + "^{commit}"],
                                  text=True).strip()
    # The tree is unpacked at .bench/<sha>/ and built in its build/ (as this tree is), so the
    # compiler sees the same relative paths and ccache (CCACHE_BASEDIR) can reuse objects.
    src = os.path.join(ROOT, ".bench", sha[:12])
    build = os.path.join(src, "build")
    vmsim = os.path.join(build, "platforms", "vmsim")
    if not os.path.isdir(src):
        os.makedirs(src + ".tmp", exist_ok=True)
        archive = subprocess.Popen(["git", "-C", ROOT, "archive", sha], stdout=subprocess.PIPE)
        subprocess.check_call(["tar", "-x", "-C", src + ".tmp"], stdin=archive.stdout)
        if archive.wait() != 0:
            sys.exit(f"bench: git archive {sha} failed")
        os.rename(src + ".tmp", src)
    cmake = ["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
             "-DVMSIM_BUILD_TESTS=OFF", "-DVMSIM_BUILD_BENCH=OFF"]
    if shutil.which("ccache"):
        cmake.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    print(f"bench: building {rev} ({sha[:12]}) in {build}", file=sys.stderr)
    subprocess.check_call(cmake, stdout=subprocess.DEVNULL)
    subprocess.check_call(["cmake", "--build", build, "-j", str(os.cpu_count() or 2),
                           "--target", "vmsim"], stdout=subprocess.DEVNULL)
    return sha[:12], src, vmsim


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def fmt_rate(v):
    return f"{v / 1e6:.3f} M" if v >= 1e5 else f"{v / 1e3:.1f} k"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per scenario and revision")
    ap.add_argument("--compare", metavar="REV", help="also build REV and alternate with it")
    ap.add_argument("--only", help="comma-separated scenarios (default: all): " +
                    ", ".join(SCENARIOS))
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply the access counts (smoke tests use a small one)")
    ap.add_argument("--vmsim", default=os.path.join(ROOT, "build", "platforms", "vmsim"))
    ap.add_argument("--json", help="write every run's measurements here")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    if not a.scale > 0:
        ap.error("--scale must be positive")
    names = list(SCENARIOS)
    if a.only:
        names = [n.strip() for n in a.only.split(",") if n.strip()]
        for n in names:
            if n not in SCENARIOS:
                ap.error(f"unknown scenario '{n}' (scenarios: {', '.join(SCENARIOS)})")
    if not os.access(a.vmsim, os.X_OK):
        sys.exit(f"bench: {a.vmsim} not found (build first: scripts/setup.sh)")
    builds = [("this tree", ROOT, a.vmsim)]
    if a.compare:
        sha, src, vmsim = build_revision(a.compare)
        builds.append((sha, src, vmsim))
    results = {n: {b[0]: [] for b in builds} for n in names}
    for n in names:
        for i in range(a.runs):
            for label, src, vmsim in builds:
                r = run_once(vmsim, src, n, a.scale)
                results[n][label].append(r)
                print(f"  {n:<24} {label:<12} run {i + 1}: {fmt_rate(r['per_host_s'])}/s "
                      f"(sim {r['host_s']:.3f} s, wall {r['wall_s']:.3f} s, cpu {r['cpu_s']:.3f} s, "
                      f"rss {r['rss_kib'] / 1024:.1f} MiB)", file=sys.stderr)
    print(f"median of {a.runs} run(s); rate = accesses (DRAM: requests) per host second of the "
          "simulation (hostSeconds), per CPU second (user+sys) and per wall second of the process")
    head = f"{'scenario':<24} {'build':<12} {'count':>10} {'per sim s':>11} {'per cpu s':>11} " \
           f"{'per wall s':>11} {'peak RSS':>10}"
    if a.compare:
        head += f" {'ratio':>7}"
    print(head)
    for n in names:
        ref = None
        for label, _, _ in builds:
            runs = results[n][label]
            line = (f"{n:<24} {label:<12} {int(median(runs, 'count')):>10} "
                    f"{fmt_rate(median(runs, 'per_host_s')):>11} "
                    f"{fmt_rate(median(runs, 'per_cpu_s')):>11} "
                    f"{fmt_rate(median(runs, 'per_wall_s')):>11} "
                    f"{median(runs, 'rss_kib') / 1024:>6.1f} MiB")
            if a.compare:
                if ref is None:
                    ref = runs
                    line += f" {'':>7}"
                else:
                    # this tree's speed over the other revision's, by CPU time
                    line += f" {median(ref, 'per_cpu_s') / median(runs, 'per_cpu_s'):>6.2f}x"
            print(line)
    if a.compare:
        print("ratio: this tree's median accesses per CPU second over the other revision's")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": a.runs, "scale": a.scale, "builds": [b[0] for b in builds],
                       "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
