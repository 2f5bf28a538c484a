#!/usr/bin/python3
"""The output folder as Python reads it (Debian's /usr/bin/python3, standard library only):
config.ini through configparser (strict: a repeated section or key is an error), one section per
object holding exactly that object's keys of config.json; config.json and stats.json through json;
and `vmsim run out/config.json` reproducing the run byte for byte.

    outputs_test.py --vmsim BUILD/vmsim --src SRC --work DIR
"""
import argparse
import configparser
import json
import os
import shutil
import subprocess
import sys


def flatten(tree, prefix=""):
    for k, v in tree.items():
        path = prefix + k
        if isinstance(v, dict):
            yield from flatten(v, path + ".")
        else:
            yield path, v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmsim", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    cfg = os.path.join(a.src, "tests", "data", "cli", "all_cores.yaml")
    first = os.path.join(a.work, "first")
    again = os.path.join(a.work, "again")
    subprocess.run([a.vmsim, "run", cfg, "-q", "-p", "system.stats.dump_period=5us",
                    "--outdir", first], check=True)
    ini = configparser.ConfigParser(interpolation=None, strict=True)
    ini.optionxform = str  # keys are case-sensitive
    with open(os.path.join(first, "config.ini")) as f:
        ini.read_file(f)
    with open(os.path.join(first, "config.json")) as f:
        conf = json.load(f)
    flat = dict(flatten(conf))
    # Every key of config.json is in the section of its object, and nothing else is.
    from_ini = {}
    for sec in ini.sections():
        for k, v in ini.items(sec, raw=True):
            from_ini[sec + "." + k] = v
    assert set(from_ini) == set(flat), sorted(set(from_ini) ^ set(flat))[:10]
    for sec in ("system.cpu0.mmu.l1d", "system.cpu1.mmu.l1d", "system.cpu2.requester.workload",
                "system.dram", "system.kernel", "vmsim"):
        assert ini.has_section(sec), sec
    assert ini.get("system.cpu2.requester.workload", "seed") == "9"
    assert ini.get("system.cpu1.mmu.l1d", "entries") == "32"
    # Times keep their unit in config.json, so they parse back.
    assert flat["system.stats.dump_period"] == "5us", flat["system.stats.dump_period"]
    assert str(flat["system.cpu0.clock"]).endswith("s"), flat["system.cpu0.clock"]
    with open(os.path.join(first, "stats.json")) as f:
        stats = json.load(f)
    assert len(stats["dumps"]) >= 2 and stats["dumps"][-1]["reason"] == "final"
    subprocess.run([a.vmsim, "run", os.path.join(first, "config.json"), "-q", "--outdir", again],
                   check=True)
    for name in ("stats.txt", "stats.json", "config.ini", "config.json"):
        with open(os.path.join(first, name), "rb") as x, open(os.path.join(again, name), "rb") as y:
            assert x.read() == y.read(), name + " differs after re-running config.json"
    print("PASS: %d sections, %d keys" % (len(ini.sections()), len(flat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
