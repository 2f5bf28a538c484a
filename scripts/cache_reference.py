#!/usr/bin/python3
"""Independent reference for the cache core's validation test (tests/unit/cache/
cache_reference_test.cpp): a set-associative write-back, write-allocate cache written from the
textbook definition (Hennessy & Patterson, Computer Architecture, 6th ed., appendix B.1), one
Python list per set kept in recency (LRU) or insertion (FIFO) order. It shares no code with
models/cache.

Writes tests/data/cache/trace.txt (a deterministic mixed trace: sequential runs, strides, a hot
set and random accesses, 30 % stores) and tests/data/cache/reference.txt (hits, misses and
write-backs of that trace for several geometries and both policies).

    scripts/cache_reference.py [--check]   # --check: recompute and compare with the files
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data", "cache")
CONFIGS = [  # size, ways, line, policy
    (32768, 8, 64, "lru"), (32768, 8, 64, "fifo"),
    (4096, 4, 32, "lru"), (4096, 4, 32, "fifo"),
    (16384, 2, 64, "lru"), (65536, 16, 128, "lru"),
    (12288, 3, 64, "lru"), (1024, 1, 64, "lru"),
]


def make_trace(n=10000):
    state = 12345

    def rnd():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return state >> 33

    out = []
    addr = 0
    while len(out) < n:
        mode = rnd() % 4
        run = 8 + rnd() % 64
        for _ in range(run):
            if mode == 0:  # sequential 8-byte words
                addr = (addr + 8) % (256 * 1024)
            elif mode == 1:  # page stride
                addr = (addr + 4096 + 64) % (512 * 1024)
            elif mode == 2:  # a hot 8 KiB region
                addr = rnd() % 8192 & ~7
            else:  # random in 1 MiB
                addr = rnd() % (1 << 20) & ~7
            out.append(("W" if rnd() % 10 < 3 else "R", addr))
    return out[:n]


def simulate(trace, size, ways, line, policy):
    sets = size // (ways * line)
    cache = [[] for _ in range(sets)]  # each: list of [tag, dirty], index 0 = next victim
    hits = misses = writebacks = 0
    for op, addr in trace:
        block = addr // line
        s = cache[block % sets]
        entry = next((e for e in s if e[0] == block), None)
        if entry is not None:
            hits += 1
            if policy == "lru":
                s.remove(entry)
                s.append(entry)
        else:
            misses += 1
            if len(s) == ways:
                victim = s.pop(0)
                if victim[1]:
                    writebacks += 1
            entry = [block, False]
            s.append(entry)
        if op == "W":
            entry[1] = True
    return hits, misses, writebacks


def render(trace):
    t = "".join(f"{op} {a:x}\n" for op, a in trace)
    r = ["# size ways line policy hits misses writebacks  (scripts/cache_reference.py)\n"]
    for size, ways, line, policy in CONFIGS:
        h, m, w = simulate(trace, size, ways, line, policy)
        r.append(f"{size} {ways} {line} {policy} {h} {m} {w}\n")
    return t, "".join(r)


def main():
    trace = make_trace()
    t, r = render(trace)
    paths = (os.path.join(DATA, "trace.txt"), os.path.join(DATA, "reference.txt"))
    if "--check" in sys.argv:
        for p, text in zip(paths, (t, r)):
            with open(p) as f:
                if f.read() != text:
                    print(f"{p} differs from the reference simulation")
                    return 1
        print("reference data reproduced")
        return 0
    os.makedirs(DATA, exist_ok=True)
    for p, text in zip(paths, (t, r)):
        with open(p, "w") as f:
            f.write(text)
    print(r, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
