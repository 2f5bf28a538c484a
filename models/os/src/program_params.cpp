// ProgramWorkload from configuration keys (`<path>.file`, `.allocator`, `.policy`, ...), declared
// here with defaults, units and descriptions like every other module parameter.
#include <string>

#include "vmsim/common/config.h"
#include "vmsim/os/program_workload.h"

namespace vmsim::os {
namespace {

// Values the allocators would reject are reported as config problems and replaced by defaults, so
// that every problem is listed by Config::finalize() instead of one exception.
void validate(Params& p, HeapConfig& h) {
  const HeapConfig d;
  bool ascending = !h.sizeClasses.empty() && h.sizeClasses[0] > 0;
  for (size_t i = 1; i < h.sizeClasses.size(); ++i)
    ascending = ascending && h.sizeClasses[i] > h.sizeClasses[i - 1];
  if (!ascending) {
    p.config().addProblem("'" + p.key("size_classes") +
                          "': needs non-zero, strictly ascending sizes");
    h.sizeClasses = d.sizeClasses;
  }
  const uint64_t b = h.buddyMinBlock;
  if (b == 0 || (b & (b - 1)) != 0 || b > h.heapLimit) {
    p.config().addProblem("'" + p.key("buddy_min_block") + "': value '" + std::to_string(b) +
                          "' must be a power of two no larger than heap_limit");
    h.buddyMinBlock = d.buddyMinBlock;
  }
}

HeapConfig readHeapConfig(Params& p) {
  HeapConfig h;
  h.allocator = heapAllocatorFromName(
      p.getChoice("allocator", "freelist", heapAllocatorNames(),
                  "free-space manager of the brk heap: freelist, segregated, buddy or slab"));
  h.fit = fitPolicyFromName(
      p.getChoice("policy", "FIRST", fitPolicyNames(), "freelist fit policy (OSTEP malloc.py -p)"));
  h.order = listOrderFromName(p.getChoice("list_order", "ADDRSORT", listOrderNames(),
                                          "freelist order of the free list (malloc.py -l)"));
  h.coalesce = p.getBool("coalesce", true, "freelist: merge adjacent free chunks (malloc.py -C)");
  h.headerSize = p.getSize("header_size", "16", "freelist chunk header bytes", Range{0, 4096});
  h.alignment = p.getSize("alignment", "16", "freelist size alignment, 0 = none", Range{0, 4096});
  h.mmapThreshold =
      p.getSize("mmap_threshold", "128KiB",
                "requests of at least this many bytes are mmapped (M_MMAP_THRESHOLD)");
  h.brkIncrement =
      p.getSize("brk_increment", "128KiB",
                "the program break grows in multiples of this (M_TOP_PAD)", Range{1, 1e12});
  h.trimThreshold = p.getSize("trim_threshold", "128KiB",
                              "freelist: lower the break when this much is free at the top "
                              "(M_TRIM_THRESHOLD); 0 = never");
  h.heapLimit =
      p.getSize("heap_limit", "1GiB", "address span the brk heap may grow to", Range{4096, 1e15});
  h.sizeClasses = p.getUintList("size_classes", h.sizeClasses, "B",
                                "segregated/slab: ascending size-class block sizes");
  h.buddyMinBlock = p.getSize("buddy_min_block", "32", "buddy: smallest block (power of two)");
  h.slabObjects = p.getUint("slab_objects", 64, "Count", "slab: objects per slab", Range{1, 1e6});
  validate(p, h);
  return h;
}

CheckerConfig readCheckerConfig(Params& p) {
  CheckerConfig c;
  c.quarantineBytes = p.getSize(
      "quarantine", "1MiB", "freed bytes remembered for use-after-free and double-free detection");
  c.quarantineBlocks =
      p.getUint("quarantine_blocks", 4096, "Count", "freed blocks remembered at most");
  c.maxReports = p.getUint("max_reports", 1000, "Count", "memory-error reports kept in full");
  return c;
}

RandomProgramConfig readRandomConfig(Params& p) {
  RandomProgramConfig r;
  r.ops = p.getUint("ops", r.ops, "Count", "random program: number of operations");
  r.seed = p.getUint("seed", r.seed, "", "random program: seed");
  r.minSize = p.getSize("min_size", "16", "random program: smallest allocation", Range{1, 1e15});
  r.maxSize = p.getSize("max_size", "64KiB", "random program: largest allocation", Range{1, 1e15});
  r.maxAccess = p.getSize("max_access", "256", "random program: longest read/write", Range{1, 1e9});
  const auto mix = p.getUintList(
      "mix", {30, 25, 5, 25, 15, 0}, "",
      "random program: weights of malloc, free, realloc, write, read, injected error");
  if (mix.size() == 5 || mix.size() == 6) {
    r.wMalloc = mix[0], r.wFree = mix[1], r.wRealloc = mix[2], r.wWrite = mix[3], r.wRead = mix[4];
    r.wError = mix.size() == 6 ? mix[5] : 0;
  } else {
    p.config().addProblem("'" + p.key("mix") +
                          "': needs 5 or 6 weights (malloc free realloc write read [error])");
  }
  r.freeAtEnd = p.getBool("free_at_end", true, "random program: free every block at the end");
  return r;
}

}  // namespace

std::unique_ptr<ProgramWorkload> ProgramWorkload::fromParams(Params& p, ProcessMemory& mem) {
  ProcessHeapConfig cfg;
  cfg.heap = readHeapConfig(p);
  cfg.checker = readCheckerConfig(p);
  cfg.delayReuse = p.getBool("delay_reuse", false,
                             "keep freed blocks out of reuse while quarantined (as Valgrind)");
  const std::string file =
      p.getPath("file", "",
                "heap program text file (relative to the config file naming it); empty = random "
                "program");
  const RandomProgramConfig random = readRandomConfig(p);
  if (!file.empty())
    return std::make_unique<ProgramWorkload>(mem, cfg, readHeapProgramFile(file), file);
  return std::make_unique<ProgramWorkload>(mem, cfg, random);
}

}  // namespace vmsim::os
