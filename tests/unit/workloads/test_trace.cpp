// Trace readers: vmsim text and lackey formats, gzip, format detection, exact error locations.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include "vmsim/workloads/line_source.h"
#include "vmsim/workloads/trace.h"

namespace vmsim::workloads {
namespace {

std::string tempPath(const std::string& name) {
  return ::testing::TempDir() + "vmsim_wl_" + name;
}

std::string writeFile(const std::string& name, const std::string& text) {
  const std::string path = tempPath(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string writeGzip(const std::string& name, const std::string& text) {
  const std::string path = tempPath(name);
  std::ofstream file(path, std::ios::binary);
  boost::iostreams::filtering_ostream out;
  out.push(boost::iostreams::gzip_compressor());
  out.push(file);
  out << text;
  return path;
}

std::vector<Access> drain(Workload& w) {
  std::vector<Access> out;
  Access a;
  while (w.next(a)) out.push_back(a);
  return out;
}

void expectAccess(const Access& a, Op op, uint64_t va, uint32_t size) {
  EXPECT_EQ(a.op, op);
  EXPECT_EQ(a.va, va);
  EXPECT_EQ(a.size, size);
}

const char* kText =
    "# vmsim trace\n"
    "R 0x1000 8\n"
    "\n"
    "  W 4096 4   # trailing comment\n"
    "F 0XdeadBEEF 16\r\n"
    "load 0x10 1\n"
    "store 0x20 2\n"
    "fetch 0x30 4\n"
    "L 0x40 8\n"
    "S\t0x50\t4096\n";

void expectTextAccesses(const std::vector<Access>& a) {
  ASSERT_EQ(a.size(), 8u);
  expectAccess(a[0], Op::Load, 0x1000, 8);
  expectAccess(a[1], Op::Store, 4096, 4);
  expectAccess(a[2], Op::Fetch, 0xdeadbeef, 16);
  expectAccess(a[3], Op::Load, 0x10, 1);
  expectAccess(a[4], Op::Store, 0x20, 2);
  expectAccess(a[5], Op::Fetch, 0x30, 4);
  expectAccess(a[6], Op::Load, 0x40, 8);
  expectAccess(a[7], Op::Store, 0x50, 4096);
}

TEST(TraceText, ReadsEveryOpSpelling) {
  auto w = openTrace(writeFile("good.trace", kText));
  expectTextAccesses(drain(*w));
  EXPECT_NE(w->describe().find("vmsim-text"), std::string::npos);
}

TEST(TraceText, ReadsGzip) {
  auto w = openTrace(writeGzip("good.trace.gz", kText));
  expectTextAccesses(drain(*w));
  EXPECT_NE(w->describe().find("gzip"), std::string::npos);
}

// An empty trace is bad input (it used to run 0 accesses and report NaN averages).
TEST(TraceText, EmptyFileIsAnErrorNamingTheFile) {
  for (const char* text : {"", "# only\n\n", "==1== banner\n"}) {
    const std::string path = writeFile("empty.trace", text);
    try {
      openTrace(path);
      FAIL() << "no error for '" << text << "'";
    } catch (const TraceError& e) {
      EXPECT_EQ(std::string(e.what()),
                path + ": no accesses (the trace is empty or holds only comments and blank lines)");
      EXPECT_EQ(e.line(), 0u);
    }
  }
}

const char* kLackey =
    "==123== Lackey, an example Valgrind tool\n"
    "==123== \n"
    "I  0040100a,3\n"
    " L 1ffefff8,8\n"
    " S 1ffefff0,4\n"
    " M 0060a000,8\n"
    "I  00401010,15\n"
    "==123== Exit code: 0\n";

void expectLackeyAccesses(const std::vector<Access>& a) {
  ASSERT_EQ(a.size(), 6u);
  expectAccess(a[0], Op::Fetch, 0x40100a, 3);
  expectAccess(a[1], Op::Load, 0x1ffefff8, 8);
  expectAccess(a[2], Op::Store, 0x1ffefff0, 4);
  expectAccess(a[3], Op::Load, 0x60a000, 8);   // modify = load ...
  expectAccess(a[4], Op::Store, 0x60a000, 8);  // ... then store
  expectAccess(a[5], Op::Fetch, 0x401010, 15);
}

TEST(TraceLackey, ReadsAllKindsAndSplitsModify) {
  auto w = openTrace(writeFile("lackey.log", kLackey));
  expectLackeyAccesses(drain(*w));
  EXPECT_NE(w->describe().find("lackey"), std::string::npos);
}

TEST(TraceLackey, ReadsGzip) {
  expectLackeyAccesses(drain(*openTrace(writeGzip("l.gz", kLackey))));
}

TEST(TraceLackey, ForcedFormat) {
  expectLackeyAccesses(drain(*openTrace(writeFile("forced.log", kLackey), TraceFormat::Lackey)));
}

TEST(TraceLackey, ShippedTraceReplaysCompletely) {
  const std::string path = std::string(VMSIM_SOURCE_DIR) + "/workloads/traces/list_walk.lackey.gz";
  auto w = openTrace(path);
  size_t counts[3] = {0, 0, 0};
  Access a;
  while (w->next(a)) ++counts[static_cast<int>(a.op)];
  EXPECT_EQ(counts[static_cast<int>(Op::Fetch)], 194679u);
  EXPECT_EQ(counts[static_cast<int>(Op::Load)], 32716u + 34u);
  EXPECT_EQ(counts[static_cast<int>(Op::Store)], 20452u + 34u);
}

// The traces recorded with scripts/record-trace (workloads/traces/README.md): every line read,
// counted as `grep -c` counts the lackey kinds (M = a load and a store).
TEST(TraceLackey, RecordedXzTracesReplayCompletely) {
  struct Shipped {
    const char* file;
    size_t fetches, loads, stores, modifies;
  };
  for (const Shipped& t : {Shipped{"sort_300.lackey.xz", 747315, 178972, 97747, 2764},
                           Shipped{"gzip_300.lackey.xz", 444332, 80886, 106165, 2749}}) {
    auto w = openTrace(std::string(VMSIM_SOURCE_DIR) + "/workloads/traces/" + t.file);
    EXPECT_NE(w->describe().find("lackey xz"), std::string::npos) << w->describe();
    size_t counts[3] = {0, 0, 0};
    Access a;
    while (w->next(a)) ++counts[static_cast<int>(a.op)];
    EXPECT_EQ(counts[static_cast<int>(Op::Fetch)], t.fetches) << t.file;
    EXPECT_EQ(counts[static_cast<int>(Op::Load)], t.loads + t.modifies) << t.file;
    EXPECT_EQ(counts[static_cast<int>(Op::Store)], t.stores + t.modifies) << t.file;
  }
}

struct BadLine {
  const char* name;
  std::string text;
  bool lackey;
  std::string expectedSuffix;  // after "PATH:"
};

class Malformed : public ::testing::TestWithParam<BadLine> {};

TEST_P(Malformed, NamesFileLineAndProblem) {
  const BadLine& c = GetParam();
  const std::string path = writeFile(std::string(c.name) + (c.lackey ? ".log" : ".trace"), c.text);
  try {
    drain(*openTrace(path));  // the first access line is read when the trace is opened
    FAIL() << "no error for " << c.name;
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":" + c.expectedSuffix);
    EXPECT_EQ(e.file(), path);
  }
}

const std::string kGoodText = "# header\nR 0x10 8\n";
const std::string kGoodLackey = "==1== banner\nI  00400000,4\n";

INSTANTIATE_TEST_SUITE_P(
    Trace, Malformed,
    ::testing::Values(
        BadLine{"unknown_op", kGoodText + "X 0x10 8\n", false,
                "3: unknown op 'X' (expected R, W, F, L, S, load, store or fetch)"},
        BadLine{"bad_hex", kGoodText + "W 0x1g 8\n", false, "3: bad address '0x1g'"},
        BadLine{"bad_decimal", kGoodText + "\nW 12ab 8\n", false, "4: bad address '12ab'"},
        BadLine{"empty_hex", kGoodText + "W 0x 8\n", false, "3: bad address '0x'"},
        BadLine{"overflow", kGoodText + "W 0x1ffffffffffffffff 8\n", false,
                "3: bad address '0x1ffffffffffffffff'"},
        BadLine{"missing_address", kGoodText + "R\n", false, "3: missing address"},
        BadLine{"missing_size", kGoodText + "R 0x10\n", false, "3: missing size"},
        BadLine{"missing_size_comment", kGoodText + "R 0x10 # x\n", false, "3: missing size"},
        BadLine{"size_zero", kGoodText + "R 0x10 0\n", false, "3: size 0 out of range 1..4096"},
        BadLine{"size_big", kGoodText + "R 0x10 4097\n", false,
                "3: size 4097 out of range 1..4096"},
        BadLine{"size_bad", kGoodText + "R 0x10 8k\n", false, "3: bad size '8k'"},
        BadLine{"trailing", kGoodText + "R 0x10 8 junk\n", false, "3: trailing garbage 'junk'"},
        BadLine{"lk_unknown_op", kGoodLackey + " Q 00400000,4\n", true,
                "3: unknown op 'Q' (lackey uses I, L, S or M)"},
        BadLine{"lk_bad_address", kGoodLackey + " L 00zz0000,4\n", true,
                "3: bad address '00zz0000'"},
        BadLine{"lk_missing_size", kGoodLackey + " L 00400000\n", true, "3: missing size"},
        BadLine{"lk_missing_size2", kGoodLackey + " L 00400000,\n", true, "3: missing size"},
        BadLine{"lk_size_zero", kGoodLackey + " S 00400000,0\n", true,
                "3: size 0 out of range 1..4096"},
        BadLine{"lk_size_big", kGoodLackey + " S 00400000,5000\n", true,
                "3: size 5000 out of range 1..4096"},
        BadLine{"lk_trailing", kGoodLackey + " S 00400000,8 x\n", true, "3: trailing garbage 'x'"},
        // A lackey trace whose first access line lost its size is still read as lackey.
        BadLine{"lk_first_missing_size", " L 0401a2b0\n", true, "1: missing size"},
        BadLine{"lk_first_fetch_missing_size", "==1== x\nI  0040100a\n", true, "2: missing size"},
        // Input is quoted short and escaped, never echoed whole or raw.
        BadLine{"binary_op", std::string("\x01\xff'\\ 0x10 8\n", 8), false,
                "1: unknown trace format: the first access line '\\x01\\xff\\'\\\\ 0x1' is neither "
                "vmsim text (OP VADDR SIZE) nor valgrind lackey (I, L, S or M ADDR,SIZE), and the "
                "file is text, not ChampSim binary; workload.format (vmsim, lackey, champsim) "
                "forces a format"},
        // A first line starting with a vmsim op is vmsim text: its own error, not "unknown".
        BadLine{"first_line_with_a_vmsim_op_is_vmsim_text", "R 0x10 8 x\n", false,
                "1: trailing garbage 'x'"},
        BadLine{"long_token", "R 0x10 8 " + std::string(1000, 'z') + "\n", false,
                "1: trailing garbage '" + std::string(40, 'z') + "'... (1000 bytes)"},
        BadLine{"long_line", kGoodText + "# " + std::string(4095, 'x') + "\n", false,
                "3: line longer than 4096 bytes"},
        BadLine{"long_last_line", kGoodText + std::string(5000, 'R'), false,
                "3: line longer than 4096 bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Trace, MissingFileIsTraceError) {
  try {
    openTrace(tempPath("does_not_exist"));
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              tempPath("does_not_exist") + ": cannot open: No such file or directory");
    EXPECT_EQ(e.line(), 0u);
  }
}

TEST(Trace, ErrorLineCountedInGzipToo) {
  const std::string path = writeGzip("bad.trace.gz", "R 0x10 8\nR 0x10 8\n\nW 0x10 0\n");
  auto w = openTrace(path);
  Access a;
  EXPECT_TRUE(w->next(a));
  EXPECT_TRUE(w->next(a));
  try {
    w->next(a);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":4: size 0 out of range 1..4096");
    EXPECT_EQ(e.line(), 4u);
  }
}

TEST(Trace, LinesUpToTheBoundAreRead) {
  // 4096 bytes of line (a comment padded to the bound), also with CRLF, then an access.
  const std::string pad = "# " + std::string(4094, 'x');
  const auto a = drain(*openTrace(writeFile("bound.trace", pad + "\n" + pad + "\r\nR 0x10 8\n")));
  ASSERT_EQ(a.size(), 1u);
  expectAccess(a[0], Op::Load, 0x10, 8);
}

TEST(Trace, NoLineLimitMeansNoEndlessReadOfDevZero) {
  // Detected as binary (NUL bytes) but not ChampSim (ip 0); as text, a line without end.
  try {
    openTrace("/dev/zero");
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/dev/zero: unknown trace format: binary data that is not a ChampSim trace (record "
              "1: ip 0 (every ChampSim record holds an instruction address))");
  }
  try {
    openTrace("/dev/zero", TraceFormat::VmSimText);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/zero:1: line longer than 4096 bytes");
  }
  try {
    openTrace("/dev/zero", TraceFormat::ChampSim);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/dev/zero: record 1: ip 0 (every ChampSim record holds an instruction address)");
  }
}

TEST(Trace, DirectoryIsTraceError) {
  const std::string dir = ::testing::TempDir();
  EXPECT_THROW(openTrace(dir), TraceError);
}

TEST(Trace, QuoteForMessageEscapesAndCuts) {
  EXPECT_EQ(quoteForMessage("abc"), "'abc'");
  EXPECT_EQ(quoteForMessage(std::string("a\0\n\t\x7f\x80", 6)), "'a\\x00\\x0a\\x09\\x7f\\x80'");
  EXPECT_EQ(quoteForMessage(std::string(100, 'q')),
            "'" + std::string(40, 'q') + "'... (100 bytes)");
  EXPECT_EQ(quoteForMessage("abcdef", 3), "'abc'... (6 bytes)");
}

// --- count and skip -----------------------------------------------------------------------------

std::string numberedTrace(int n) {
  std::ostringstream t;
  t << "# numbered\n";
  for (int i = 0; i < n; ++i) t << "R 0x" << std::hex << 0x1000 * (i + 1) << std::dec << " 8\n";
  t << "# end\n";
  return t.str();
}

TEST(TraceWindow, CountLimitsTheReplayAndSkipStartsLater) {
  const std::string path = writeFile("numbered.trace", numberedTrace(10));
  TraceOptions opt;
  opt.skip = 3;
  opt.count = 4;
  std::vector<std::string> notes;
  opt.onStoppedEarly = [&](const std::string& m) { notes.push_back(m); };
  auto w = openTrace(path, opt);
  const auto a = drain(*w);
  ASSERT_EQ(a.size(), 4u);
  for (int i = 0; i < 4; ++i) expectAccess(a[i], Op::Load, 0x1000u * (i + 4), 8);
  Access x;
  EXPECT_FALSE(w->next(x));  // stays at the end
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], path +
                          ": replay stopped after count=4 accesses; the trace holds more (count 0 "
                          "replays it to the end)");
}

TEST(TraceWindow, ZeroCountReplaysToTheEndAndACountAtTheEndSaysNothing) {
  const std::string path = writeFile("numbered2.trace", numberedTrace(10));
  EXPECT_EQ(drain(*openTrace(path, TraceOptions{})).size(), 10u);
  for (uint64_t count : {10u, 11u, 1000u}) {
    TraceOptions opt;
    opt.count = count;
    bool noted = false;
    opt.onStoppedEarly = [&](const std::string&) { noted = true; };
    EXPECT_EQ(drain(*openTrace(path, opt)).size(), 10u) << count;
    EXPECT_FALSE(noted) << count;  // only comments follow the last access
  }
  TraceOptions opt;
  opt.skip = 9;
  EXPECT_EQ(drain(*openTrace(path, opt)).size(), 1u);
}

TEST(TraceWindow, SkipAndCountAreInAccessesSoALackeyModifyIsTwo) {
  TraceOptions opt;
  opt.skip = 4;  // I, L, S, and the load half of M
  opt.count = 1;
  const auto a = drain(*openTrace(writeFile("win.lackey", kLackey), opt));
  ASSERT_EQ(a.size(), 1u);
  expectAccess(a[0], Op::Store, 0x60a000, 8);
}

TEST(TraceWindow, SkipReachingTheEndIsAnError) {
  const std::string path = writeFile("numbered3.trace", numberedTrace(5));
  for (uint64_t skip : {5u, 6u, 1000000u}) {
    TraceOptions opt;
    opt.skip = skip;
    try {
      openTrace(path, opt);
      FAIL() << skip;
    } catch (const TraceError& e) {
      EXPECT_EQ(std::string(e.what()), path + ": skip " + std::to_string(skip) +
                                           " leaves no access to replay (the trace holds 5)");
    }
  }
}

TEST(TraceWindow, SkippedLinesAreStillChecked) {
  const std::string path = writeFile("skipbad.trace", "R 0x10 8\nR 0x10 0\nR 0x20 8\n");
  TraceOptions opt;
  opt.skip = 2;
  try {
    openTrace(path, opt);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":2: size 0 out of range 1..4096");
  }
}

// --- pipes and FIFOs: read forward only ---------------------------------------------------------

std::string gzipped(const std::string& text) {
  std::ostringstream os;
  {
    boost::iostreams::filtering_ostream out;
    out.push(boost::iostreams::gzip_compressor());
    out.push(os);
    out << text;
  }
  return os.str();
}

// Writes `bytes` into a new FIFO from another thread, in small pieces, while `read` consumes it.
template <class Read>
void throughFifo(const std::string& name, const std::string& bytes, Read read) {
  const std::string path = tempPath(name);
  ::unlink(path.c_str());
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ofstream out(path, std::ios::binary);
    for (size_t i = 0; i < bytes.size(); i += 1) out.write(bytes.data() + i, 1).flush();
  });
  try {
    read(path);
  } catch (...) {
    writer.join();
    ::unlink(path.c_str());
    throw;
  }
  writer.join();
  ::unlink(path.c_str());
}

TEST(TracePipe, FifoIsReadCompletelyPlainAndGzip) {
  throughFifo("plain.fifo", kText, [](const std::string& p) {
    auto w = openTrace(p);
    expectTextAccesses(drain(*w));
  });
  throughFifo("gz.fifo", gzipped(kLackey), [](const std::string& p) {
    auto w = openTrace(p);
    EXPECT_NE(w->describe().find("gzip"), std::string::npos);
    expectLackeyAccesses(drain(*w));
  });
}

TEST(TracePipe, EmptyFifoIsAnError) {
  throughFifo("empty.fifo", "",
              [](const std::string& p) { EXPECT_THROW(openTrace(p), TraceError); });
}

TEST(Trace, GzipErrorNamesTheLineBeingRead) {
  // Intact gzip header and a deflate stream cut in the middle: the lines before the cut are read,
  // the error names a line after them (never line 0).
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "R 0x" + std::to_string(1000 + i) + " 8\n";
  std::string gz = gzipped(text);
  gz.resize(gz.size() / 2);
  const std::string path = writeFile("cut.trace.gz", gz);
  auto w = openTrace(path);
  size_t n = 0;
  try {
    Access a;
    while (w->next(a)) ++n;
    FAIL() << "a truncated gzip stream read as complete (" << n << " accesses)";
  } catch (const TraceError& e) {
    EXPECT_GT(n, 0u);
    EXPECT_EQ(e.line(), n + 1) << e.what();
  }
}

TEST(Trace, ConcatenatedGzipMembersReadAsOneStreamAndTrailingDataIsAnError) {
  auto a =
      drain(*openTrace(writeFile("cat.trace.gz", gzipped("R 0x10 8\n") + gzipped("W 0x20 4\n"))));
  ASSERT_EQ(a.size(), 2u);
  expectAccess(a[1], Op::Store, 0x20, 4);
  const std::string path = writeFile("tail.trace.gz", gzipped("R 0x10 8\nR 0x20 8\n") + "junk");
  auto w = openTrace(path);
  Access x;
  EXPECT_TRUE(w->next(x));
  EXPECT_TRUE(w->next(x));
  try {
    w->next(x);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":3: data after the end of the gzip stream");
  }
}

TEST(Trace, CorruptGzipIsTraceError) {
  std::string bytes = "\x1f\x8b\x08\x00garbage-that-is-not-deflate";
  const std::string path = writeFile("corrupt.gz", bytes);
  EXPECT_THROW(drain(*openTrace(path)), TraceError);
}

}  // namespace
}  // namespace vmsim::workloads
