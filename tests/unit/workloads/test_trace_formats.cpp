// Compressed traces (gzip, xz, zstd), the ChampSim binary format and format detection, on files
// generated here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "trace_files.h"
#include "vmsim/workloads/byte_source.h"
#include "vmsim/workloads/trace.h"

namespace vmsim::workloads {
namespace {

using testing::ChampSimInstr;
using testing::champSimRecord;
using testing::champSimTrace;
using testing::gzipBytes;
using testing::writeFile;
using testing::xzBytes;
using testing::zstdBytes;

std::vector<Access> drain(Workload& w) {
  std::vector<Access> out;
  Access a;
  while (w.next(a)) out.push_back(a);
  return out;
}

bool same(const Access& a, const Access& b) {
  return a.op == b.op && a.va == b.va && a.size == b.size && a.dependent == b.dependent;
}

void expectSame(const std::vector<Access>& got, const std::vector<Access>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(same(got[i], want[i])) << "access " << i << ": " << toString(got[i].op) << " 0x"
                                       << std::hex << got[i].va << std::dec << " " << got[i].size;
}

// A program-like instruction stream: sequential code with a taken branch every 8 instructions,
// loads from an array walked by 8 bytes, a store every 3rd instruction, a second load now and
// then. The accesses vmsim must make of it are computed alongside.
struct Generated {
  std::vector<ChampSimInstr> instrs;
  std::vector<Access> accesses;
};

Generated generate(size_t n) {
  Generated g;
  uint64_t ip = 0x401000;
  uint64_t lcg = 12345;
  for (size_t i = 0; i < n; ++i) {
    ChampSimInstr in;
    in.ip = ip;
    in.isBranch = i % 8 == 7;
    in.branchTaken = in.isBranch && (i / 8) % 2;
    in.srcRegs[0] = 1 + i % 30;
    in.destRegs[0] = 1 + (i + 7) % 30;
    g.accesses.push_back(Access{Op::Fetch, ip, 1});
    // Loads go to the slots ChampSim's tracer fills first; a gap (0) between them is skipped.
    if (i % 2 == 0) in.srcMem[0] = 0x7f0000000000ULL + 8 * i;
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    if (i % 5 == 0) in.srcMem[2] = 0x600000 + ((lcg >> 33) % 4096) * 64;
    if (in.srcMem[0]) g.accesses.push_back(Access{Op::Load, in.srcMem[0], 1});
    if (in.srcMem[2]) g.accesses.push_back(Access{Op::Load, in.srcMem[2], 1});
    if (i % 3 == 0) {
      in.destMem[1] = 0x7ffe0000 - 8 * (i % 64);
      g.accesses.push_back(Access{Op::Store, in.destMem[1], 1});
    }
    ip += in.branchTaken ? 0x40 : 4;
    g.instrs.push_back(in);
  }
  return g;
}

TEST(ChampSim, RecordsBecomeFetchThenLoadsThenStores) {
  ChampSimInstr all;
  all.ip = 0x400123;
  all.srcMem[0] = 0x1000;
  all.srcMem[1] = 0x2000;
  all.srcMem[2] = 0x3000;
  all.srcMem[3] = 0x4000;
  all.destMem[0] = 0x5000;
  all.destMem[1] = 0x6000;
  ChampSimInstr bare;
  bare.ip = 0x400127;
  bare.isBranch = 1;
  bare.branchTaken = 1;
  const std::string path = writeFile("cs_all.champsim", champSimTrace({all, bare}));
  auto w = openTrace(path);
  expectSame(drain(*w), {{Op::Fetch, 0x400123, 1},
                         {Op::Load, 0x1000, 1},
                         {Op::Load, 0x2000, 1},
                         {Op::Load, 0x3000, 1},
                         {Op::Load, 0x4000, 1},
                         {Op::Store, 0x5000, 1},
                         {Op::Store, 0x6000, 1},
                         {Op::Fetch, 0x400127, 1}});
  EXPECT_EQ(w->describe(), "trace champsim " + path);
}

TEST(ChampSim, GeneratedXzTraceIsDetectedAndReplayedWhole) {
  const Generated g = generate(20000);  // 1.28 MB of records: many decoder calls
  const std::string raw = champSimTrace(g.instrs);
  const std::string path = writeFile("cs_gen.champsimtrace.xz", xzBytes(raw));
  auto w = openTrace(path);
  EXPECT_EQ(w->describe(), "trace champsim xz " + path);
  expectSame(drain(*w), g.accesses);
  // The same with every other compression, and forced.
  expectSame(drain(*openTrace(writeFile("cs_gen.gz", gzipBytes(raw)))), g.accesses);
  expectSame(drain(*openTrace(writeFile("cs_gen.zst", zstdBytes(raw)))), g.accesses);
  expectSame(drain(*openTrace(writeFile("cs_gen.bin", raw), TraceFormat::ChampSim)), g.accesses);
}

TEST(ChampSim, SkipAndCountAreInAccesses) {
  const Generated g = generate(100);
  const std::string path = writeFile("cs_window.xz", xzBytes(champSimTrace(g.instrs)));
  TraceOptions opt;
  opt.skip = 5;
  opt.count = 17;
  std::string warned;
  opt.onStoppedEarly = [&](const std::string& m) { warned = m; };
  const auto got = drain(*openTrace(path, opt));
  expectSame(got, std::vector<Access>(g.accesses.begin() + 5, g.accesses.begin() + 22));
  EXPECT_EQ(warned, path +
                        ": replay stopped after count=17 accesses; the trace holds more (count 0 "
                        "replays it to the end)");
}

TEST(ChampSim, TruncatedRecordNamesFileAndRecord) {
  const Generated g = generate(3);
  const std::string raw = champSimTrace(g.instrs) + champSimRecord(generate(4).instrs[3]);
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"cs_cut.bin", raw.substr(0, 3 * 64 + 37)},
           {"cs_cut.xz", xzBytes(raw.substr(0, 229))}}) {
    const std::string path = writeFile(name, bytes);
    auto w = openTrace(path);
    std::vector<Access> got;
    try {
      Access a;
      while (w->next(a)) got.push_back(a);
      FAIL() << name << ": a truncated record read as complete";
    } catch (const TraceError& e) {
      EXPECT_EQ(std::string(e.what()),
                path +
                    ": record 4: truncated record: the file ends 37 bytes into it (a ChampSim "
                    "record is 64 bytes)");
    }
    expectSame(got, g.accesses);  // the three whole records are replayed first
  }
  // A file shorter than one record.
  const std::string path = writeFile("cs_short.bin", raw.substr(0, 20));
  try {
    openTrace(path, TraceFormat::ChampSim);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": record 1: truncated record: the file ends 20 bytes into it (a ChampSim "
                  "record is 64 bytes)");
  }
}

TEST(ChampSim, RecordNoTracerWritesIsAnErrorNamingIt) {
  Generated g = generate(5);
  g.instrs[2].isBranch = 5;
  const std::string path = writeFile("cs_bad.bin", champSimTrace(g.instrs));
  auto w = openTrace(path);
  size_t n = 0;
  try {
    Access a;
    while (w->next(a)) ++n;
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": record 3: is_branch 5, branch_taken 0 (a ChampSim tracer writes 0 or 1: "
                  "not a ChampSim record)");
  }
  EXPECT_EQ(n, generate(2).accesses.size());
}

TEST(ChampSim, CutXzStreamNamesTheFirstRecordNotRead) {
  const Generated g = generate(20000);
  std::string xz = xzBytes(champSimTrace(g.instrs));
  xz.resize(xz.size() / 2);
  const std::string path = writeFile("cs_cutstream.xz", xz);
  auto w = openTrace(path);
  std::vector<Access> got;
  try {
    Access a;
    while (w->next(a)) got.push_back(a);
    FAIL();
  } catch (const TraceError& e) {
    ASSERT_GT(got.size(), 0u);
    // Every access before the damage came out, and the error names the record after them.
    expectSame(got, std::vector<Access>(g.accesses.begin(), g.accesses.begin() + got.size()));
    const std::string what = e.what();
    ASSERT_EQ(what.rfind(path + ": record ", 0), 0u) << what;
    EXPECT_NE(what.find(": truncated xz stream (the file ends inside compressed data)"),
              std::string::npos)
        << what;
    const uint64_t record = std::stoull(what.substr(path.size() + 9));
    size_t accessesBefore = 0;  // of the records before the one named
    for (uint64_t r = 0; r + 1 < record; ++r) {
      const ChampSimInstr& in = g.instrs[r];
      accessesBefore += 1;
      for (uint64_t m : in.srcMem) accessesBefore += m != 0;
      for (uint64_t m : in.destMem) accessesBefore += m != 0;
    }
    EXPECT_EQ(accessesBefore, got.size()) << what;
  }
}

// --- text traces in xz and zstd ------------------------------------------------------------------

const char* kLackey =
    "==1== Lackey\n"
    "I  0040100a,3\n"
    " L 1ffefff8,8\n"
    " S 1ffefff0,4\n"
    " M 0060a000,8\n";

const std::vector<Access> kLackeyAccesses{{Op::Fetch, 0x40100a, 3},
                                          {Op::Load, 0x1ffefff8, 8},
                                          {Op::Store, 0x1ffefff0, 4},
                                          {Op::Load, 0x60a000, 8},
                                          {Op::Store, 0x60a000, 8}};

TEST(TraceCompression, LackeyAndVmSimTextInEveryCompression) {
  struct Case {
    const char* name;
    std::string (*compress)(const std::string&);
    const char* word;
  };
  for (const Case& c : {Case{"l.xz", xzBytes, " xz "}, Case{"l.zst", zstdBytes, " zstd "},
                        Case{"l.gz", gzipBytes, " gzip "}}) {
    auto w = openTrace(writeFile(c.name, c.compress(kLackey)));
    expectSame(drain(*w), kLackeyAccesses);
    EXPECT_NE(w->describe().find(std::string("lackey") + c.word), std::string::npos)
        << w->describe();
  }
  expectSame(drain(*openTrace(writeFile("v.zst", zstdBytes("R 0x10 8\nW 0x20 4\n")))),
             {{Op::Load, 0x10, 8}, {Op::Store, 0x20, 4}});
}

TEST(TraceCompression, ConcatenatedXzStreamsAndZstdFramesReadAsOne) {
  expectSame(drain(*openTrace(writeFile("cat.xz", xzBytes("R 0x10 8\n") + xzBytes("W 0x20 4\n")))),
             {{Op::Load, 0x10, 8}, {Op::Store, 0x20, 4}});
  expectSame(
      drain(*openTrace(writeFile("cat.zst", zstdBytes("R 0x10 8\n") + zstdBytes("W 0x20 4\n")))),
      {{Op::Load, 0x10, 8}, {Op::Store, 0x20, 4}});
}

// A stream cut in the middle: the lines before the cut are read, the error names the line after
// them (never line 0).
void expectCutStreamError(const std::string& name, std::string (*compress)(const std::string&),
                          const std::string& problem) {
  // Pseudo-random addresses keep the data from compressing into a single zstd block.
  std::string text;
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 60000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    text += "R " + std::to_string(x >> 20) + " 8\n";
  }
  std::string bytes = compress(text);
  bytes.resize(bytes.size() / 2);
  const std::string path = writeFile(name, bytes);
  auto w = openTrace(path);
  size_t n = 0;
  try {
    Access a;
    while (w->next(a)) ++n;
    FAIL() << name << ": a truncated stream read as complete (" << n << " accesses)";
  } catch (const TraceError& e) {
    EXPECT_GT(n, 0u);
    EXPECT_EQ(e.line(), n + 1) << e.what();
    EXPECT_EQ(std::string(e.what()), path + ":" + std::to_string(n + 1) + ": " + problem);
  }
}

TEST(TraceCompression, TruncatedStreamsNameTheLineBeingRead) {
  expectCutStreamError("cut.xz", xzBytes,
                       "truncated xz stream (the file ends inside compressed data)");
  expectCutStreamError("cut.zst", zstdBytes,
                       "truncated zstd stream (the file ends inside a frame)");
  expectCutStreamError("cut.gz", gzipBytes,
                       "truncated gzip stream (the file ends inside compressed data)");
}

TEST(TraceCompression, CorruptStreamsAreErrorsNamingFileAndLine) {
  // Valid magic bytes, garbage after them.
  struct Case {
    const char* name;
    std::string bytes;
    const char* problem;
  };
  for (const Case& c :
       {Case{"bad.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff", 12),
             ":1: corrupt gzip data: invalid block type"},
        Case{"bad.xz", std::string("\xfd\x37\x7a\x58\x5a\x00garbage-not-xz", 20),
             ":1: corrupt xz data: "},
        Case{"bad.zst", std::string("\x28\xb5\x2f\xfdgarbage-not-zstd-frames"),
             ":1: corrupt zstd data: "}}) {
    const std::string path = writeFile(c.name, c.bytes);
    try {
      drain(*openTrace(path));
      FAIL() << c.name;
    } catch (const TraceError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path + c.problem, 0), 0u) << e.what();
    }
  }
  // Damage in the middle of a long gzip stream: every line before it is read first.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "W 0x" + std::to_string(5000 + i) + " 4\n";
  std::string gz = gzipBytes(text);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i)
    gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  const std::string path = writeFile("damaged.gz", gz);
  auto w = openTrace(path);
  size_t n = 0;
  try {
    Access a;
    while (w->next(a)) ++n;
    FAIL() << "damaged gzip read as complete";
  } catch (const TraceError& e) {
    EXPECT_GT(n, 0u);
    EXPECT_EQ(e.line(), n + 1) << e.what();
  }
}

TEST(TraceCompression, ByteSourceReportsCompressionAndPeeksWithoutConsuming) {
  ByteSource b(writeFile("peek.zst", zstdBytes("abcdef")));
  EXPECT_EQ(b.compression(), Compression::Zstd);
  EXPECT_EQ(b.peek(3), "abc");
  EXPECT_EQ(b.peek(10), "abcdef");
  char buf[16];
  std::string all;
  for (size_t n; (n = b.read(buf, 4)) > 0;) all.append(buf, n);
  EXPECT_EQ(all, "abcdef");
  // Files shorter than any magic are plain, and delivered whole.
  ByteSource tiny(writeFile("tiny", "\x1f"));
  EXPECT_EQ(tiny.compression(), Compression::None);
  EXPECT_EQ(tiny.read(buf, 16), 1u);
  EXPECT_EQ(tiny.read(buf, 16), 0u);
}

// --- format detection
// -----------------------------------------------------------------------------

TEST(TraceFormatDetection, UnknownTextIsAnErrorNamingFileAndLine) {
  const std::string path = writeFile("unknown.txt", "# notes\nhello world 42\n");
  try {
    openTrace(path);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ":2: unknown trace format: the first access line 'hello world 42' is neither "
                  "vmsim text (OP VADDR SIZE) nor valgrind lackey (I, L, S or M ADDR,SIZE), "
                  "and the file is text, not ChampSim binary; workload.format (vmsim, lackey, "
                  "champsim) forces a format");
  }
  // The same file compressed: detection looks at the decoded content, not at the name.
  const std::string xzPath = writeFile("unknown.trace.gz", xzBytes("hello world 42\n"));
  try {
    openTrace(xzPath);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(xzPath + ":1: unknown trace format", 0), 0u) << e.what();
  }
}

TEST(TraceFormatDetection, BinaryThatIsNotChampSimIsAnError) {
  std::string bytes(64, '\0');
  bytes[0] = 0x10;  // ip 0x10
  bytes[8] = 2;     // is_branch 2: no tracer writes that
  const std::string path = writeFile("notcs.bin", xzBytes(bytes));
  try {
    openTrace(path);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": unknown trace format: binary data that is not a ChampSim trace (record 1: "
                  "is_branch 2, branch_taken 0 (a ChampSim tracer writes 0 or 1: not a "
                  "ChampSim record))");
  }
}

TEST(TraceFormatDetection, ForcedFormatWinsOverContent) {
  // A vmsim text trace read as ChampSim: text bytes make no sensible record.
  const std::string path = writeFile("forced_cs.trace", std::string(64, 'R'));
  try {
    drain(*openTrace(path, TraceFormat::ChampSim));
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": record 1: is_branch 82", 0), 0u) << e.what();
  }
  // A ChampSim trace read as lackey: the NUL bytes are an unknown op on line 1.
  const std::string cs = writeFile("forced_lk.bin", champSimTrace(generate(2).instrs));
  try {
    drain(*openTrace(cs, TraceFormat::Lackey));
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(cs + ":1: unknown op", 0), 0u) << e.what();
  }
}

TEST(TraceFormatDetection, NamesRoundTrip) {
  for (const auto& name : traceFormatNames()) {
    const auto f = traceFormatFromName(name);
    ASSERT_TRUE(f.has_value()) << name;
    EXPECT_EQ(toString(*f), name);
  }
  EXPECT_FALSE(traceFormatFromName("auto").has_value());
  EXPECT_FALSE(traceFormatFromName("ChampSim").has_value());
}

}  // namespace
}  // namespace vmsim::workloads
