// Trace readers: vmsim text and lackey formats, gzip, format detection, exact error locations.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

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

TEST(TraceText, EmptyFileHasNoAccesses) {
  EXPECT_TRUE(drain(*openTrace(writeFile("empty.trace", ""))).empty());
  EXPECT_TRUE(drain(*openTrace(writeFile("comments.trace", "# only\n\n"))).empty());
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
  auto w = openTrace(path);
  try {
    drain(*w);
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
        BadLine{"lk_trailing", kGoodLackey + " S 00400000,8 x\n", true, "3: trailing garbage 'x'"}),
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

TEST(Trace, CorruptGzipIsTraceError) {
  std::string bytes = "\x1f\x8b\x08\x00garbage-that-is-not-deflate";
  const std::string path = writeFile("corrupt.gz", bytes);
  EXPECT_THROW(drain(*openTrace(path)), TraceError);
}

}  // namespace
}  // namespace vmsim::workloads
