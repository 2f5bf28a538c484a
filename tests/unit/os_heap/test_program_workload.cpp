// Unit tests of heap programs (parser, random generator) and ProgramWorkload: the accesses each op
// expands into, errors found while running, heap growth seen by the access stream, fromParams.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "heap_test_util.h"
#include "vmsim/common/config.h"
#include "vmsim/os/program_workload.h"

using namespace vmsim::os;
using namespace vmsim::os::test;
using vmsim::workloads::Access;
using vmsim::workloads::Op;

namespace {

std::string parseError(const std::string& text) {
  try {
    parseHeapProgram(text, "prog.txt");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(HeapProgramParser, ReadsEveryOpCommentsAndHex) {
  const auto ops = parseHeapProgram(
      "# a program\n"
      "malloc 1 100\n"
      "\n"
      "calloc 2 0x20   # zeroed\n"
      "write 1 4 8\n"
      "read 2 0 16\n"
      "realloc 1 300\n"
      "free 1 8\n"
      "free 2\n",
      "p");
  ASSERT_EQ(ops.size(), 7u);
  EXPECT_EQ(ops[0].kind, HeapOpKind::Malloc);
  EXPECT_EQ(ops[0].size, 100u);
  EXPECT_EQ(ops[0].line, 2u);
  EXPECT_EQ(ops[1].kind, HeapOpKind::Calloc);
  EXPECT_EQ(ops[1].size, 32u);
  EXPECT_EQ(ops[2].kind, HeapOpKind::Write);
  EXPECT_EQ(ops[2].offset, 4u);
  EXPECT_EQ(ops[2].size, 8u);
  EXPECT_EQ(ops[3].kind, HeapOpKind::Read);
  EXPECT_EQ(ops[4].kind, HeapOpKind::Realloc);
  EXPECT_EQ(ops[5].kind, HeapOpKind::Free);
  EXPECT_EQ(ops[5].offset, 8u);
  EXPECT_EQ(ops[6].offset, 0u);
  EXPECT_EQ(ops[6].line, 9u);
}

TEST(HeapProgramParser, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(parseError("malloc 1 10\nallocate 2 10\n").rfind("prog.txt:2: unknown operation", 0),
            0u);
  EXPECT_EQ(parseError("malloc 1\n").rfind("prog.txt:1: 'malloc' takes 2 arguments, got 1", 0), 0u);
  EXPECT_EQ(parseError("malloc 1 10\nwrite 1 4 8 9\n").rfind("prog.txt:2:", 0), 0u);
  EXPECT_EQ(parseError("\n\nmalloc 1 ten\n").rfind("prog.txt:3: 'ten' is not", 0), 0u);
  EXPECT_EQ(parseError("malloc 1 -5\n").rfind("prog.txt:1:", 0), 0u);
  EXPECT_EQ(parseError("malloc 1 10\nfree 2\n").rfind("prog.txt:2: block 2 is used before", 0), 0u);
  EXPECT_EQ(parseError("malloc 1 10\nfree 1 2 3\n").rfind("prog.txt:2: 'free' takes 1-2", 0), 0u);
  EXPECT_EQ(parseError("malloc 1 10 # fine\n"), "");
}

TEST(HeapProgramParser, ReadsFilesAndNamesMissingOnes) {
  const std::string path = ::testing::TempDir() + "heap_prog_test.txt";
  { std::ofstream(path) << "malloc 1 10\nfree 1\nbogus\n"; }
  try {
    readHeapProgramFile(path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":3:", 0), 0u) << e.what();
  }
  std::remove(path.c_str());
  EXPECT_THROW(readHeapProgramFile(path), std::runtime_error);
}

std::unique_ptr<ProgramWorkload> fromText(SimpleProcessMemory& mem, const std::string& text,
                                          const ProcessHeapConfig& c = {}) {
  return std::make_unique<ProgramWorkload>(mem, c, parseHeapProgram(text, "t"), "t");
}

TEST(ProgramWorkload, ErrorsCarryTheOpIndexOfTheirLine) {
  SimpleProcessMemory mem;
  auto w = fromText(mem,
                    "malloc 1 24\n"    // op 0
                    "malloc 2 24\n"    // op 1
                    "write 1 0 32\n"   // op 2: 8 bytes past the end, into block 2's header
                    "read 2 0 4\n"     // op 3: never written
                    "free 1\n"         // op 4
                    "write 1 0 4\n"    // op 5: use after free
                    "free 1\n"         // op 6: double free
                    "free 2 8\n"       // op 7: interior pointer
                    "malloc 3 50\n");  // op 8: leaked, as is block 2
  while (w->step()) {
  }
  const MemoryChecker& c = w->heap().checker();
  EXPECT_EQ(c.totalErrors(), 7u);
  const uint64_t p1 = *w->pointerOf(1);
  const uint64_t p2 = *w->pointerOf(2);
  const auto& r = c.reports();
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0].kind, MemoryErrorKind::HeapOverflow);
  EXPECT_EQ(r[0].opIndex, 2u);
  EXPECT_EQ(r[0].addr, p1 + 24);
  EXPECT_EQ(r[1].kind, MemoryErrorKind::UninitializedRead);
  EXPECT_EQ(r[1].opIndex, 3u);
  EXPECT_EQ(r[1].addr, p2);
  EXPECT_EQ(r[2].kind, MemoryErrorKind::UseAfterFree);
  EXPECT_EQ(r[2].opIndex, 5u);
  EXPECT_EQ(r[3].kind, MemoryErrorKind::DoubleFree);
  EXPECT_EQ(r[3].opIndex, 6u);
  EXPECT_EQ(r[4].kind, MemoryErrorKind::InvalidFree);
  EXPECT_EQ(r[4].opIndex, 7u);
  EXPECT_EQ(r[4].addr, p2 + 8);
  EXPECT_EQ(r[5].kind, MemoryErrorKind::Leak);
  EXPECT_EQ(r[5].opIndex, 1u);
  EXPECT_EQ(r[6].kind, MemoryErrorKind::Leak);
  EXPECT_EQ(r[6].opIndex, 8u);
  EXPECT_EQ(w->lineOf(6), 7u);
}

TEST(ProgramWorkload, EachOpExpandsIntoItsAccesses) {
  SimpleProcessMemory mem;
  auto w = fromText(mem, "malloc 1 100\nwrite 1 0 100\nread 1 60 8\nfree 1\n");
  ASSERT_TRUE(w->step());  // first malloc: grow the heap, write two headers
  const auto malloced = w->accessesOfLastOp();
  ASSERT_EQ(malloced.size(), 2u);
  EXPECT_EQ(malloced[0].op, Op::Store);
  EXPECT_EQ(malloced[1].op, Op::Store);
  const uint64_t p = *w->pointerOf(1);
  ASSERT_TRUE(w->step());  // write: 100 bytes from p (16 mod 64): pieces of 48, 52
  ASSERT_EQ(w->accessesOfLastOp().size(), 2u);
  EXPECT_EQ(w->accessesOfLastOp()[0].va, p);
  EXPECT_EQ(w->accessesOfLastOp()[0].size, 48u);
  EXPECT_EQ(w->accessesOfLastOp()[1].size, 52u);
  ASSERT_TRUE(w->step());  // read: one load
  ASSERT_EQ(w->accessesOfLastOp().size(), 1u);
  EXPECT_EQ(w->accessesOfLastOp()[0].op, Op::Load);
  EXPECT_EQ(w->accessesOfLastOp()[0].va, p + 60);
  ASSERT_TRUE(w->step());  // free: header load, merge with the top chunk (its header), node store
  const auto freed = w->accessesOfLastOp();
  ASSERT_EQ(freed.size(), 3u);
  EXPECT_EQ(freed[0].va, p - 16);
  EXPECT_EQ(freed[1].va, p - 16 + 128);
  EXPECT_EQ(freed[2].op, Op::Store);
  EXPECT_EQ(freed[2].va, p - 16);
  EXPECT_FALSE(w->step());
  EXPECT_EQ(w->heap().checker().totalErrors(), 0u);
}

TEST(ProgramWorkload, NextReplaysTheSameAccessesAsStep) {
  const std::string text = "malloc 1 100\nwrite 1 0 100\nmalloc 2 5000\nread 1 0 100\nfree 2\n";
  SimpleProcessMemory m1, m2;
  auto a = fromText(m1, text);
  auto b = fromText(m2, text);
  std::vector<Access> viaStep, viaNext;
  while (a->step())
    viaStep.insert(viaStep.end(), a->accessesOfLastOp().begin(), a->accessesOfLastOp().end());
  for (Access x; b->next(x);) viaNext.push_back(x);
  ASSERT_EQ(viaStep.size(), viaNext.size());
  for (size_t i = 0; i < viaStep.size(); ++i) {
    EXPECT_EQ(viaStep[i].va, viaNext[i].va);
    EXPECT_EQ(viaStep[i].size, viaNext[i].size);
    EXPECT_EQ(viaStep[i].op, viaNext[i].op);
  }
  EXPECT_EQ(b->heap().checker().count(MemoryErrorKind::Leak), 1u);  // block 1
  Access x;
  EXPECT_FALSE(b->next(x));
}

TEST(ProgramWorkload, HeapGrowthTouchesNewPages) {
  SimpleProcessMemory mem;
  RandomProgramConfig r;
  r.ops = 3000;
  r.seed = 3;
  r.wFree = 5;  // mostly allocating: the heap grows
  r.maxSize = 256 * 1024;
  ProgramWorkload w(mem, {}, r);
  std::set<uint64_t> heapPages;
  for (Access a; w.next(a);) {
    EXPECT_GT(a.size, 0u);
    EXPECT_LE(a.va % 64 + a.size, 64u);
    if (a.va >= kHeapStart && a.va < mem.currentBreak()) heapPages.insert(a.va / 4096);
  }
  EXPECT_GT(w.heap().breakGrowths(), 5u);
  EXPECT_GT(heapPages.size(), 5 * 32u);  // pages in more than five 128 KiB increments
  EXPECT_GT(w.heap().stats().mmaps, 0u);
}

TEST(ProgramWorkload, CleanRandomProgramsRaiseNoErrorsWithAnyAllocator) {
  for (const auto k : {HeapAllocatorKind::FreeList, HeapAllocatorKind::Segregated,
                       HeapAllocatorKind::Buddy, HeapAllocatorKind::Slab}) {
    for (const bool delay : {false, true}) {
      SimpleProcessMemory mem;
      ProcessHeapConfig c = withAllocator(k);
      c.delayReuse = delay;
      c.heap.fit = FitPolicy::Best;
      RandomProgramConfig r;
      r.ops = 4000;
      r.seed = 11;
      ProgramWorkload w(mem, c, r);
      uint64_t n = 0;
      for (Access a; w.next(a);) ++n;
      EXPECT_GT(n, 4000u);
      EXPECT_GT(w.opsExecuted(), 4000u);  // the final frees come after the 4000
      EXPECT_EQ(w.heap().checker().totalErrors(), 0u)
          << "allocator " << int(k)
          << (w.heap().checker().reports().empty() ? ""
                                                   : describe(w.heap().checker().reports()[0]));
      EXPECT_EQ(w.heap().liveBlocks(), 0u);
    }
  }
}

TEST(ProgramWorkload, EveryInjectedErrorIsFoundExactlyOnce) {
  for (const auto k : {HeapAllocatorKind::FreeList, HeapAllocatorKind::Segregated,
                       HeapAllocatorKind::Buddy, HeapAllocatorKind::Slab}) {
    for (const bool delay : {false, true}) {
      SimpleProcessMemory mem;
      ProcessHeapConfig c = withAllocator(k);
      c.delayReuse = delay;
      RandomProgramConfig r;
      r.ops = 3000;
      r.seed = 21;
      r.wError = 10;
      auto program = std::make_unique<RandomHeapProgram>(r);
      std::vector<HeapOp> ops;
      while (const auto op = program->next()) ops.push_back(*op);
      ProgramWorkload w(mem, c, ops, "injected");
      while (w.step()) {
      }
      const MemoryChecker& checker = w.heap().checker();
      uint64_t injectedTotal = 0;
      for (size_t kind = 0; kind < kMemoryErrorKinds; ++kind) {
        const auto mk = static_cast<MemoryErrorKind>(kind);
        EXPECT_EQ(checker.count(mk), program->injected()[kind])
            << toString(mk) << ", allocator " << int(k) << ", delay " << delay;
        injectedTotal += program->injected()[kind];
      }
      EXPECT_GT(injectedTotal, 100u);
      EXPECT_EQ(checker.count(MemoryErrorKind::InvalidAccess), 0u);
      EXPECT_EQ(w.nullAccessesSkipped(), 0u);
    }
  }
}

// The kernel sees brk/mmap/munmap when an op runs, the MMU sees its accesses afterwards: each
// access must still find its memory mapped then.
TEST(ProgramWorkload, EveryAccessHitsMappedMemoryWhenReplayed) {
  for (const auto k : {HeapAllocatorKind::FreeList, HeapAllocatorKind::Segregated,
                       HeapAllocatorKind::Buddy, HeapAllocatorKind::Slab}) {
    SimpleProcessMemory mem;
    ProcessHeapConfig c = withAllocator(k);
    c.heap.brkIncrement = 4096;
    c.heap.trimThreshold = 4096;
    c.heap.mmapThreshold = 16 * 1024;
    RandomProgramConfig r;
    r.ops = 3000;
    r.seed = 8;
    ProgramWorkload w(mem, c, r);
    uint64_t checked = 0;
    while (w.step()) {
      for (const Access& a : w.accessesOfLastOp()) {
        bool mapped = a.va >= kHeapStart && a.va + a.size <= mem.currentBreak();
        const auto m = mem.mappings().upper_bound(a.va);
        if (m != mem.mappings().begin()) {
          const auto& [start, len] = *std::prev(m);
          mapped = mapped || a.va + a.size <= start + len;
        }
        EXPECT_TRUE(mapped) << "allocator " << int(k) << " op " << w.opsExecuted() - 1 << " va 0x"
                            << std::hex << a.va;
        if (!mapped) return;
        ++checked;
      }
    }
    EXPECT_GT(checked, 5000u);
    EXPECT_GT(w.heap().stats().munmaps, 0u);
    if (k == HeapAllocatorKind::FreeList) {
      EXPECT_GT(w.heap().breakShrinks(), 0u);
    }
  }
}

TEST(ProgramWorkload, RandomProgramsAreDeterministicPerSeed) {
  auto run = [](uint64_t seed) {
    SimpleProcessMemory mem;
    RandomProgramConfig r;
    r.ops = 500;
    r.seed = seed;
    ProgramWorkload w(mem, {}, r);
    std::vector<uint64_t> vas;
    for (Access a; w.next(a);) vas.push_back(a.va ^ (uint64_t(a.size) << 56));
    return vas;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(ProgramWorkload, FailedAllocationsMakeNullPointersWhoseAccessesAreSkipped) {
  SimpleMemoryLayout layout;
  layout.breakLimit = layout.heapStart;
  layout.mmapBottom = layout.mmapTop - 4096;
  SimpleProcessMemory mem(layout);
  auto w = fromText(mem, "malloc 1 10\nmalloc 2 10\nwrite 2 0 4\nfree 2\nfree 1\n");
  while (w->step()) {
  }
  EXPECT_EQ(*w->pointerOf(2), 0u);
  EXPECT_EQ(w->nullAccessesSkipped(), 1u);
  EXPECT_EQ(w->heap().checker().totalErrors(), 0u);
  EXPECT_EQ(w->heap().stats().failures, 1u);
}

TEST(ProgramWorkload, FromParamsReadsProgramKeys) {
  vmsim::Config cfg;
  cfg.set("program.allocator", "segregated");
  cfg.set("program.ops", "200");
  cfg.set("program.seed", "9");
  cfg.set("program.mmap_threshold", "64KiB");
  vmsim::Params p = cfg.at("program");
  SimpleProcessMemory mem;
  auto w = ProgramWorkload::fromParams(p, mem);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->heap().config().heap.allocator, HeapAllocatorKind::Segregated);
  EXPECT_EQ(w->heap().config().heap.mmapThreshold, 64u * 1024);
  EXPECT_NE(w->describe().find("200 ops, seed 9"), std::string::npos);
  EXPECT_NO_THROW(cfg.finalize());
}

TEST(ProgramWorkload, FromParamsMixCanInjectErrors) {
  vmsim::Config cfg;
  cfg.set("program.ops", "2000");
  cfg.set("program.mix", "[30, 25, 5, 25, 15, 10]");
  vmsim::Params p = cfg.at("program");
  SimpleProcessMemory mem;
  auto w = ProgramWorkload::fromParams(p, mem);
  while (w->step()) {
  }
  EXPECT_GT(w->heap().checker().totalErrors(), 50u);
  cfg.set("program.mix", "[1, 2]");
  vmsim::Params again = cfg.at("program");
  ProgramWorkload::fromParams(again, mem);
  EXPECT_THROW(cfg.finalize(), vmsim::ConfigError);
}

TEST(ProgramWorkload, FromParamsReportsBadNames) {
  vmsim::Config cfg;
  cfg.set("program.policy", "FASTEST");
  cfg.set("program.allocater", "buddy");
  cfg.set("program.size_classes", "[32, 16]");
  cfg.set("program.buddy_min_block", "48");
  vmsim::Params p = cfg.at("program");
  SimpleProcessMemory mem;
  ProgramWorkload::fromParams(p, mem);
  try {
    cfg.finalize();
    FAIL() << "no error";
  } catch (const vmsim::ConfigError& e) {
    const std::string all = e.what();
    EXPECT_NE(all.find("FASTEST"), std::string::npos) << all;
    EXPECT_NE(all.find("allocater"), std::string::npos) << all;
    EXPECT_NE(all.find("program.size_classes"), std::string::npos) << all;
    EXPECT_NE(all.find("program.buddy_min_block"), std::string::npos) << all;
  }
}

TEST(ProgramWorkload, FromParamsRunsAProgramFile) {
  const std::string path = ::testing::TempDir() + "heap_prog_params.txt";
  { std::ofstream(path) << "malloc 1 10\nfree 1\nfree 1\n"; }
  vmsim::Config cfg;
  cfg.set("program.file", path);
  vmsim::Params p = cfg.at("program");
  SimpleProcessMemory mem;
  auto w = ProgramWorkload::fromParams(p, mem);
  while (w->step()) {
  }
  EXPECT_EQ(w->heap().checker().count(MemoryErrorKind::DoubleFree), 1u);
  std::remove(path.c_str());
}

}  // namespace
