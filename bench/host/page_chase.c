/* Host TLB-reach microbenchmark: the page_chase pattern of vmsim's workloads (one random cycle
 * over N pages, Sattolo's algorithm; one 64-byte line per 4 KiB page at offset
 * (page index mod 64) * 64; each load's address is the data of the previous load), timed in
 * nanoseconds per load for N = 8 ... max pages (doubling). Prints CSV on stdout:
 *
 *   pages,footprint_bytes,ns_per_load,huge
 *
 * Usage: page_chase [--max-pages N] [--loads L] [--huge] [--cpu C] [--seed S]
 *   --max-pages  largest N (default 65536; a power of two >= 8)
 *   --loads      timed loads per point (default 4194304, at least 8 laps are run)
 *   --huge       madvise(MADV_HUGEPAGE) on the buffer (2 MiB aligned): with THP in
 *                "madvise" or "always" mode the kernel may back it with 2 MiB pages
 *   --cpu        pin to this CPU (sched_setaffinity) so that the chase keeps one core's TLBs
 *   --seed       seed of the chase order (default 1)
 * Every point first runs one untimed lap (page faults, cold misses) and a short warm-up, then the
 * timed loads; the best of 5 repetitions is reported (the least disturbed by interrupts and
 * neighbours). At the end, the AnonHugePages of the process (/proc/self/smaps_rollup) go to
 * stderr, saying whether --huge got 2 MiB pages.
 * Build: part of the CMake build (target page_chase_host, C99, -O2); plain `cc -O2` works too. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096u
#define LINE 64u
#define HUGE_ALIGN (2u << 20)

static uint64_t rng_state;

/* splitmix64: a small, well-mixed generator; the order only needs to be random, not the same
 * as vmsim's (which uses xoshiro256**). */
static uint64_t next_random(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void* line_of(char* base, uint64_t page) {
  return base + page * PAGE + (page % (PAGE / LINE)) * LINE;
}

/* Links the pages into one cycle (Sattolo) and returns the line of page 0. */
static void* build_chase(char* base, uint64_t pages, uint32_t* order) {
  for (uint64_t i = 0; i < pages; ++i) order[i] = (uint32_t)i;
  for (uint64_t i = pages - 1; i > 0; --i) {
    const uint64_t j = next_random() % i; /* j < i: a single cycle */
    const uint32_t t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  /* order[] is now a successor table: page p is followed by page order[p]. */
  for (uint64_t p = 0; p < pages; ++p) *(void**)line_of(base, p) = line_of(base, order[p]);
  return line_of(base, 0);
}

static void* chase(void* p, uint64_t loads) {
  /* Unrolled so that the loop overhead stays off the dependency chain's critical path. */
  for (uint64_t i = 0; i < loads / 8; ++i) {
    p = *(void**)p;
    p = *(void**)p;
    p = *(void**)p;
    p = *(void**)p;
    p = *(void**)p;
    p = *(void**)p;
    p = *(void**)p;
    p = *(void**)p;
  }
  return p;
}

int main(int argc, char** argv) {
  uint64_t max_pages = 65536, loads = 1u << 22, seed = 1;
  int huge = 0, cpu = -1;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--max-pages") && i + 1 < argc) {
      max_pages = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--loads") && i + 1 < argc) {
      loads = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
      cpu = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--huge")) {
      huge = 1;
    } else {
      fprintf(stderr, "usage: %s [--max-pages N] [--loads L] [--huge] [--cpu C] [--seed S]\n",
              argv[0]);
      return 2;
    }
  }
  if (max_pages < 8 || (max_pages & (max_pages - 1)) || max_pages > (1u << 24)) {
    fprintf(stderr, "--max-pages must be a power of two in 8..16777216\n");
    return 2;
  }
  if (loads < 8) loads = 8;
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
      fprintf(stderr, "warning: cannot pin to cpu %d: %s\n", cpu, strerror(errno));
  }
  const size_t bytes = (size_t)max_pages * PAGE + HUGE_ALIGN;
  char* raw = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  char* base = (char*)(((uintptr_t)raw + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
  if (huge && madvise(base, (size_t)max_pages * PAGE, MADV_HUGEPAGE) != 0)
    fprintf(stderr, "warning: madvise(MADV_HUGEPAGE): %s\n", strerror(errno));
  if (!huge) madvise(base, (size_t)max_pages * PAGE, MADV_NOHUGEPAGE);
  uint32_t* order = malloc(max_pages * sizeof *order);
  if (!order) {
    perror("malloc");
    return 1;
  }
  printf("pages,footprint_bytes,ns_per_load,huge\n");
  void* volatile sink;
  for (uint64_t pages = 8; pages <= max_pages; pages *= 2) {
    rng_state = seed;
    void* start = build_chase(base, pages, order);
    const uint64_t n = loads > 8 * pages ? loads : 8 * pages;
    sink = chase(start, pages + 8); /* untimed lap: faults and cold misses */
    sink = chase(sink, n / 4);      /* a little more warm-up: the core leaves its idle clock */
    double best = 1e300;
    for (int rep = 0; rep < 5; ++rep) {
      const double t0 = now_ns();
      sink = chase(sink, n);
      const double dt = (now_ns() - t0) / (double)(n / 8 * 8);
      if (dt < best) best = dt;
    }
    printf("%llu,%llu,%.3f,%d\n", (unsigned long long)pages, (unsigned long long)(pages * PAGE),
           best, huge);
    fflush(stdout);
  }
  (void)sink;
  FILE* f = fopen("/proc/self/smaps_rollup", "r");
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f))
      if (!strncmp(line, "AnonHugePages:", 14)) fprintf(stderr, "page_chase: %s", line);
    fclose(f);
  }
  free(order);
  munmap(raw, bytes);
  return 0;
}
