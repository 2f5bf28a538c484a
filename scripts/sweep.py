#!/usr/bin/python3
"""Run a vmsim parameter sweep and collect chosen statistics into one CSV file.

Example:
  scripts/sweep.py configs/default.yaml \\
      --sweep system.cpu0.mmu.l1d.entries=16,32,64,128 --sweep system.cpu0.mmu.l1d.ways=1,4 \\
      --param system.cpu0.requester.workload.count=200000 \\
      --stats system.cpu0.mmu.l1d.hitRate,system.cpu0.requester.avgLatency \\
      --out out/sweep --jobs 2

Every point of the cartesian product of the --sweep lists runs vmsim into its own folder
OUT/<key1>=<v1>,<key2>=<v2>/ (stats.txt, stats.json, config.*, plus vmsim's stdout and stderr in
vmsim.stdout / vmsim.stderr). OUT/results.csv has one row per point, in sweep order: the swept keys,
then each requested statistic read from that point's stats.json by dotted path (histogram and
vector members too: system.cpu0.mmu.translationLatency.mean, ...accessesByKind.load; gem5's
'::' separator is accepted as well). A failed point keeps its row with empty statistics.

Exit status: 0 all points ran, 1 some point failed, 2 bad command line or unknown statistic.
Standard library only.
"""

import argparse
import concurrent.futures
import csv
import difflib
import itertools
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_VMSIM = os.path.join(os.path.dirname(SCRIPT_DIR), "build", "platforms", "vmsim")


class UsageError(Exception):
    pass


def split_values(text):
    """Split 'a,b,c' on commas, except inside [...] (YAML lists such as [4096,2097152]);
    '\\,' is a literal comma inside a value."""
    values, cur, i, depth = [], "", 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] == ",":
            cur += ","
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        if c == "," and not depth:
            values.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    values.append(cur)
    return [v.strip() for v in values]


def parse_sweeps(items):
    """--sweep KEY=V1,V2 (repeatable; repeating a key appends values). Returns [(key, [values])]."""
    sweeps = {}
    for item in items:
        key, sep, vals = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError("--sweep expects KEY=V1,V2,...; got '%s'" % item)
        values = split_values(vals)
        if any(v == "" for v in values):
            raise UsageError("--sweep %s: empty value in '%s'" % (key, vals))
        sweeps.setdefault(key, []).extend(values)
    for key, values in sweeps.items():
        dup = sorted({v for v in values if values.count(v) > 1})
        if dup:
            raise UsageError("--sweep %s: value(s) listed twice: %s" % (key, ", ".join(dup)))
    return list(sweeps.items())


def parse_params(items):
    params = []
    for item in items:
        key, sep, _ = item.partition("=")
        if not sep or not key.strip():
            raise UsageError("--param expects KEY=VALUE; got '%s'" % item)
        params.append(item)
    return params


def point_dirname(point):
    """Folder name of one point: key1=v1,key2=v2 (path separators in values replaced)."""
    parts = []
    for key, value in point:
        safe = value.replace(os.sep, "_").replace("/", "_")
        if safe in ("", ".", ".."):
            safe = "_" + safe
        parts.append("%s=%s" % (key, safe))
    return ",".join(parts)


# --- reading statistics ----------------------------------------------------------------------------

def leaf_paths(tree, prefix=""):
    """All dotted paths to values (not groups) in a stats.json tree."""
    out = []
    for k, v in tree.items():
        p = prefix + k if not prefix else prefix + "." + k
        if isinstance(v, dict):
            out.extend(leaf_paths(v, p))
        else:
            out.append(p)
    return out


def _lookup(node, parts):
    if not parts:
        return True, node
    if not isinstance(node, dict):
        return False, None
    # Longest key first, so keys that themselves contain dots are found.
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in node:
            found, value = _lookup(node[key], parts[n:])
            if found:
                return True, value
    # Histogram buckets are nested under 'buckets' in stats.json but not in stats.txt names.
    if "buckets" in node and isinstance(node["buckets"], dict) and parts[0] != "buckets":
        return _lookup(node["buckets"], parts)
    return False, None


def final_tree(doc):
    """The stats tree of a run's end from a stats.json: the file itself (one dump), or the last
    dump of a time series (a list of dumps, or a tree with a 'dumps'/'timeSeries' list; a dump
    may wrap its tree as {"stats": {...}} beside its time). None if there is no dump."""
    dumps = None
    if isinstance(doc, list):
        dumps = doc
    elif isinstance(doc, dict) and "system" not in doc:
        for k in ("dumps", "timeSeries", "time_series", "series"):
            if isinstance(doc.get(k), list):
                dumps = doc[k]
                break
    if dumps is None:
        return doc if isinstance(doc, dict) else None
    if not dumps or not isinstance(dumps[-1], dict):
        return None
    last = dumps[-1]
    if "system" not in last and isinstance(last.get("stats"), dict):
        return last["stats"]
    return last


def lookup_stat(tree, path):
    """Value at a dotted path ('::' accepted as in stats.txt). Raises KeyError if absent."""
    norm = path.replace("::", ".")
    found, value = _lookup(tree, [p for p in norm.split(".")])
    if not found:
        raise KeyError(path)
    if isinstance(value, dict):
        raise KeyError(path)
    return value


def stat_error(path, tree, where):
    """Message for an unknown statistic path, with close matches from that stats.json."""
    norm = path.replace("::", ".")
    lines = ["unknown statistic '%s' in %s" % (path, where)]
    found, node = _lookup(tree, norm.split("."))
    if found and isinstance(node, dict):
        members = leaf_paths(node, norm)
        lines.append("  '%s' is a group, not a value; it holds:" % path)
        lines.extend("    " + m for m in members[:15])
        if len(members) > 15:
            lines.append("    ... (%d more)" % (len(members) - 15))
        return "\n".join(lines)
    candidates = leaf_paths(tree)
    close = difflib.get_close_matches(norm, candidates, n=6, cutoff=0.6)
    if not close:
        # Same last component elsewhere (e.g. the right stat in another module).
        last = norm.split(".")[-1]
        close = [c for c in candidates if c.split(".")[-1] == last][:6]
    if close:
        lines.append("  close matches:")
        lines.extend("    " + c for c in close)
    else:
        lines.append("  no close match; the file has %d statistics" % len(candidates))
    return "\n".join(lines)


def format_value(v):
    if v is None:
        return "nan"  # stats.json writes NaN (e.g. the mean of an empty histogram) as null
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return repr(v)
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def short(text):
    try:
        v = float(text)
    except ValueError:
        return text
    if v.is_integer() and abs(v) < 1e12:
        return str(int(v))
    return "%.6g" % v


def print_table(header, rows, out=sys.stdout):
    cells = [header] + [[short(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, r in enumerate(cells):
        out.write("  ".join(c.rjust(w) if n else c.ljust(w) for c, w in zip(r, widths)).rstrip())
        out.write("\n")
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


# --- running ---------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Run vmsim over the cartesian product of --sweep lists; collect --stats "
                    "into OUT/results.csv and print a table.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Values are split at commas, not inside [...] lists ('\\,' for a literal "
               "comma); repeating a --sweep key appends values. Exit status: 0 ok, 1 a point failed, 2 usage or unknown statistic.")
    ap.add_argument("config", help="vmsim YAML configuration")
    ap.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2,...",
                    help="swept parameter (repeatable; cartesian product, first key outermost)")
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                    help="fixed parameter passed to every run (repeatable)")
    ap.add_argument("--stats", action="append", default=[], metavar="PATH[,PATH...]",
                    help="statistics to collect, dotted paths into stats.json (repeatable)")
    ap.add_argument("--out", default="out/sweep", help="output folder (default: out/sweep)")
    ap.add_argument("--jobs", "-j", type=int, default=1, help="parallel runs (default: 1)")
    ap.add_argument("--vmsim", default=None,
                    help="simulator binary (default: build/platforms/vmsim of this checkout)")
    args = ap.parse_args(argv)

    try:
        sweeps = parse_sweeps(args.sweep)
        params = parse_params(args.param)
        stats = [s for item in args.stats for s in split_values(item) if s]
        if not sweeps:
            raise UsageError("nothing to sweep: give at least one --sweep KEY=V1,V2,...")
        if not stats:
            raise UsageError("no statistics: give --stats PATH[,PATH...]")
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if not os.path.isfile(args.config):
            raise UsageError("configuration file not found: %s" % args.config)
        vmsim = args.vmsim or DEFAULT_VMSIM
        if args.vmsim is None and not os.path.exists(vmsim):
            vmsim = shutil.which("vmsim") or vmsim
        if not (os.path.isfile(vmsim) and os.access(vmsim, os.X_OK)):
            raise UsageError("vmsim binary not found or not executable: %s "
                             "(build it: cmake --build build -j2 --target vmsim, or pass --vmsim)"
                             % vmsim)
        swept_keys = [k for k, _ in sweeps]
        fixed_clash = [p.partition("=")[0].strip() for p in params
                       if p.partition("=")[0].strip() in swept_keys]
        if fixed_clash:
            raise UsageError("key both swept and fixed with --param: %s" % ", ".join(fixed_clash))
    except UsageError as e:
        print("sweep.py: %s" % e, file=sys.stderr)
        return 2

    points = [list(zip(swept_keys, combo)) for combo in itertools.product(*(v for _, v in sweeps))]
    dirs = [os.path.join(args.out, point_dirname(p)) for p in points]
    if len(set(dirs)) != len(dirs):
        print("sweep.py: two points map to the same folder name; use values without path "
              "separators", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)

    print("sweep: %d point(s), %d job(s), output %s" % (len(points), args.jobs, args.out),
          file=sys.stderr)
    stop = threading.Event()     # set when an unknown statistic makes further runs pointless
    lock = threading.Lock()
    checked = {"error": None}    # first successful point validates the --stats paths
    done = [0]

    def run(i):
        if stop.is_set():
            return None
        d = dirs[i]
        os.makedirs(d, exist_ok=True)
        stale = os.path.join(d, "stats.json")
        if os.path.exists(stale):
            os.remove(stale)  # never read an old run's results
        cmd = [vmsim, args.config]
        for p in params:
            cmd += ["--param", p]
        for k, v in points[i]:
            cmd += ["--param", "%s=%s" % (k, v)]
        cmd += ["--outdir", d]
        t0 = time.time()
        with open(os.path.join(d, "vmsim.stdout"), "w") as fo, \
                open(os.path.join(d, "vmsim.stderr"), "w") as fe:
            rc = subprocess.call(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
        secs = time.time() - t0
        result = {"rc": rc, "cmd": cmd, "secs": secs, "tree": None, "values": None}
        if rc == 0:
            try:
                with open(stale) as f:
                    result["tree"] = final_tree(json.load(f))
                if result["tree"] is None:
                    raise ValueError("no dump in it")
            except (OSError, ValueError) as e:
                result["rc"] = -1
                result["load_error"] = "cannot read %s: %s" % (stale, e)
        with lock:
            done[0] += 1
            state = "ok" if result["rc"] == 0 else "FAILED (exit %d)" % result["rc"]
            print("[%d/%d] %s: %s (%.1f s)" % (done[0], len(points), point_dirname(points[i]),
                                                state, secs), file=sys.stderr)
            if result["tree"] is not None and checked["error"] is None and not stop.is_set():
                for s in stats:
                    try:
                        lookup_stat(result["tree"], s)
                    except KeyError:
                        checked["error"] = stat_error(s, result["tree"], stale)
                        stop.set()
                        break
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run, range(len(points))))

    if checked["error"]:
        print("sweep.py: " + checked["error"], file=sys.stderr)
        skipped = sum(1 for r in results if r is None)
        if skipped:
            print("sweep.py: stopped; %d point(s) not run" % skipped, file=sys.stderr)
        return 2

    header = swept_keys + stats
    rows, failures, missing = [], [], []
    for p, d, r in zip(points, dirs, results):
        row = [v for _, v in p]
        if r is None or r["rc"] != 0 or r["tree"] is None:
            failures.append((p, d, r))
            row += [""] * len(stats)
        else:
            for s in stats:
                try:
                    row.append(format_value(lookup_stat(r["tree"], s)))
                except KeyError:
                    # Known in the first point but absent here (e.g. a swept platform type).
                    missing.append(stat_error(s, r["tree"], os.path.join(d, "stats.json")))
                    row.append("")
        rows.append(row)

    csv_path = os.path.join(args.out, "results.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)

    print_table(header, rows)
    print("\nresults: %s" % csv_path)

    for msg in missing:
        print("sweep.py: warning: " + msg, file=sys.stderr)
    for p, d, r in failures:
        print("\nsweep.py: point %s failed" % point_dirname(p), file=sys.stderr)
        if r is None:
            print("  not run", file=sys.stderr)
            continue
        print("  command: %s" % " ".join(r["cmd"]), file=sys.stderr)
        if "load_error" in r:
            print("  " + r["load_error"], file=sys.stderr)
        else:
            print("  exit status %d; stderr (%s):" % (r["rc"], os.path.join(d, "vmsim.stderr")),
                  file=sys.stderr)
            try:
                with open(os.path.join(d, "vmsim.stderr")) as f:
                    err = f.read().rstrip("\n")
            except OSError:
                err = ""
            for line in (err.splitlines() or ["(empty)"])[-40:]:
                print("    " + line, file=sys.stderr)
    if failures:
        print("\nsweep.py: %d of %d point(s) failed" % (len(failures), len(points)),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    sys.exit(main())
