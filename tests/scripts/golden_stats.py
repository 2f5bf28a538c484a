#!/usr/bin/python3
"""Golden statistics: runs a few configurations that cover the timed paths (LT and AT, TLB hits,
walks with first-touch faults, swapping with verify_data, two time-sliced processes, a DRAM-only
trace replay) and compares their stats.txt and stats.json with the copies in tests/data/golden/,
byte for byte, after removing the host figures (hostSeconds, hostTickRate, hostMemory, ...).

Speed work (issue 11) must not change any simulated number; this test says when one did and
which. A model change that is meant to change numbers regenerates the copies with --update (and
says so in its commit).

  golden_stats.py --vmsim BIN --src SRC --work DIR [--update] [--only CASE,...]
"""
import argparse
import difflib
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

COUNT = "system.cpu0.requester.workload.count"
MODE = "system.cpu0.requester.mode"
CASES = {
    # the default experiment (Skylake preset, os/linux.yaml, 64 MiB random over 256 MiB)
    "default_lt": ("configs/default.yaml", [f"{COUNT}=20000", f"{MODE}=lt"]),
    "default_at": ("configs/default.yaml", [f"{COUNT}=20000", f"{MODE}=at"]),
    # TLB hits: 64 KiB sequential (AT with the preset's accesses in flight)
    "tlb_hits_at": ("configs/default.yaml", [
        "system.cpu0.requester.workload.pattern=sequential",
        "system.cpu0.requester.workload.footprint=64KiB", f"{COUNT}=20000", f"{MODE}=at"]),
    # walks and first-touch faults over 1 GiB
    "walk_lt": ("configs/default.yaml", [
        "system.cpu0.requester.workload.footprint=1GiB", "system.kernel.memory_size=2GiB",
        f"{COUNT}=20000", f"{MODE}=lt"]),
    # 4x overcommit: reclaim, swap-out and swap-in through the SSD, every load checked
    "swap_lt": ("configs/default.yaml", [
        "system.kernel.memory_size=16MiB", "system.cpu0.requester.verify_data=true",
        f"{COUNT}=8000", f"{MODE}=lt"]),
    "swap_at": ("configs/default.yaml", [
        "system.kernel.memory_size=16MiB", "system.cpu0.requester.verify_data=true",
        "system.cpu0.requester.max_outstanding=1", f"{COUNT}=8000", f"{MODE}=at"]),
    # two processes time-sliced on one core, PCID
    "context_switch": ("configs/experiments/context_switch.yaml", [
        "system.process.a.workload.count=20000", "system.process.b.workload.count=20000"]),
    # DRAM-only replay (DDR4-2400 controller validated against DRAMsim3)
    "dram_row_conflict": ("configs/dram_trace.yaml", [
        "system.trace.file=tests/data/dram/traces/row_conflict_paced.trace.gz"]),
}
HOST = re.compile(r"(^|\.)host[A-Z]\w*$")


def strip_txt(text):
    out = []
    for line in text.splitlines(keepends=True):
        name = line.split(None, 1)[0] if line.strip() else ""
        if not HOST.search(name):
            out.append(line)
    return "".join(out)


def strip_json(obj):
    if isinstance(obj, dict):
        return {k: strip_json(v) for k, v in obj.items() if not HOST.search(k)}
    if isinstance(obj, list):
        return [strip_json(v) for v in obj]
    return obj


def run_case(a, name):
    cfg, params = CASES[name]
    out = os.path.join(a.work, name)
    shutil.rmtree(out, ignore_errors=True)
    cmd = [a.vmsim, "run", os.path.join(a.src, cfg), "-q", "-o", out]
    for p in params:
        cmd += ["-p", p]
    env = dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE")
    p = subprocess.run(cmd, cwd=a.src, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{name}: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-3000:]}")
    with open(os.path.join(out, "stats.txt")) as f:
        txt = strip_txt(f.read())
    with open(os.path.join(out, "stats.json")) as f:
        # re-serialised in a fixed form: key order and float text as Python writes them
        js = json.dumps(strip_json(json.load(f)), indent=1) + "\n"
    return txt, js


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmsim", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--update", action="store_true", help="rewrite tests/data/golden/")
    ap.add_argument("--only", help="comma-separated cases: " + ", ".join(CASES))
    a = ap.parse_args()
    names = a.only.split(",") if a.only else list(CASES)
    for n in names:
        if n not in CASES:
            ap.error(f"unknown case '{n}'")
    gold = os.path.join(a.src, "tests", "data", "golden")
    os.makedirs(a.work, exist_ok=True)
    failed = 0
    for n in names:
        txt, js = run_case(a, n)
        for ext, text in (("stats.txt", txt), ("stats.json", js)):
            path = os.path.join(gold, f"{n}.{ext}.gz")
            if a.update:
                os.makedirs(gold, exist_ok=True)
                with gzip.GzipFile(path, "wb", mtime=0) as f:
                    f.write(text.encode())
                print(f"{n}: wrote {path}")
                continue
            if not os.path.exists(path):
                print(f"FAIL {n}: {path} missing (generate with --update)")
                failed += 1
                continue
            with gzip.open(path, "rt") as f:
                want = f.read()
            if want == text:
                print(f"ok   {n} {ext}")
                continue
            failed += 1
            diff = list(difflib.unified_diff(want.splitlines(), text.splitlines(), "golden",
                                             "this run", n=0, lineterm=""))
            print(f"FAIL {n} {ext}: {sum(1 for d in diff if d.startswith('+'))} line(s) differ")
            for d in diff[:40]:
                print("  " + d)
    if not a.update:
        print(f"golden_stats: {failed} difference(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
