/* Host measurement behind the kernel model's process costs (docs/os.md "Processes"): fork() of a
 * process with N resident 4 KiB anonymous pages (timed in the parent), the child's first store to
 * each page (a copy-on-write fault that copies), the parent's store to each page after the child
 * has exited (the last mapper: no copy), a demand-zero store per page for comparison, and a
 * 4 KiB memcpy over a buffer of N pages (the copy's memory speed). THP is off for the buffers
 * (madvise MADV_NOHUGEPAGE). Prints one line per figure; run it several times and take the range.
 *
 * Usage: fork_cow [PAGES]   (default 65536 = 256 MiB)
 * Build: part of the CMake build (target fork_cow_host, C99, -O2); plain `cc -O2` works too. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static char* anon(size_t len) {
  char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  madvise(p, len, MADV_NOHUGEPAGE);
  return p;
}

int main(int argc, char** argv) {
  const size_t pages = argc > 1 ? strtoul(argv[1], NULL, 10) : 65536;
  const size_t len = pages * 4096;
  char* p = anon(len);
  for (size_t i = 0; i < len; i += 4096) p[i] = 1;
  double t0 = now_ns();
  const pid_t c = fork();
  const double t1 = now_ns();
  if (c == 0) {
    const double a = now_ns();
    for (size_t i = 0; i < len; i += 4096) p[i] = 2;
    printf("copy-on-write store (copy): %.0f ns per page\n", (now_ns() - a) / pages);
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(c, &status, 0);
  printf("fork of %zu resident pages: %.1f us (%.1f ns per page)\n", pages, (t1 - t0) / 1e3,
         (t1 - t0) / pages);
  t0 = now_ns();
  for (size_t i = 0; i < len; i += 4096) p[i] = 3;
  printf("store after the child's exit (reuse, no copy): %.0f ns per page\n",
         (now_ns() - t0) / pages);
  /* The reuse above found pages the child had copied away; fork again for a clean reuse. */
  const pid_t c2 = fork();
  if (c2 == 0) _exit(0);
  waitpid(c2, &status, 0);
  t0 = now_ns();
  for (size_t i = 0; i < len; i += 4096) p[i] = 4;
  printf("store after a child that wrote nothing exited (reuse): %.0f ns per page\n",
         (now_ns() - t0) / pages);
  char* q = anon(len);
  t0 = now_ns();
  for (size_t i = 0; i < len; i += 4096) q[i] = 1;
  printf("demand-zero store: %.0f ns per page\n", (now_ns() - t0) / pages);
  char* r = anon(len);
  memset(r, 5, len);
  t0 = now_ns();
  for (size_t i = 0; i < pages; ++i) memcpy(q + i * 4096, r + i * 4096, 4096);
  const double t = now_ns() - t0;
  printf("4 KiB memcpy over %zu MiB: %.0f ns per page, %.2f GB/s\n", len >> 20, t / pages,
         len / t);
  return q[12345] == 42;
}
