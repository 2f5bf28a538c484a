// Trace reader (plain and gzip, malformed input) and the trace player's front-end rule.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "vmsim/dram/trace.h"

using namespace vmsim::dram;
namespace fs = std::filesystem;

namespace {

class dramTraceFiles : public ::testing::Test {
 protected:
  fs::path dir =
      fs::temp_directory_path() /
      ("vmsim_dram_trace_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  std::string plain(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  std::string gz(const std::string& name, const std::string& text) {
    boost::iostreams::filtering_ostream out;
    out.push(boost::iostreams::gzip_compressor());
    out.push(boost::iostreams::file_sink((dir / name).string(), std::ios::binary));
    out << text;
    out.reset();
    return (dir / name).string();
  }
  static std::vector<TraceRecord> readAll(const std::string& path) {
    TraceReader r(path);
    std::vector<TraceRecord> v;
    TraceRecord rec;
    while (r.next(rec)) v.push_back(rec);
    return v;
  }
  static std::string errorOf(const std::string& path) {
    try {
      readAll(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
};

const char* kGood = "0x1fc0 READ 254\n# comment\n\n0x40 WRITE 254\r\n0xABCDEF00 read 300";

TEST_F(dramTraceFiles, ReadsPlainAndGzipAlike) {
  for (const std::string& p : {plain("t.trace", kGood), gz("t.trace.gz", kGood)}) {
    const auto v = readAll(p);
    ASSERT_EQ(v.size(), 3u) << p;
    EXPECT_EQ(v[0].addr, 0x1fc0u);
    EXPECT_FALSE(v[0].isWrite);
    EXPECT_EQ(v[0].cycle, 254u);
    EXPECT_TRUE(v[1].isWrite);
    EXPECT_EQ(v[2].addr, 0xABCDEF00u);
    EXPECT_EQ(v[2].cycle, 300u);
  }
}

TEST_F(dramTraceFiles, MalformedLinesNameFileAndLine) {
  const std::string bad = plain("bad.trace", "0x40 READ 1\n0x80 FETCH 2\n");
  const std::string e = errorOf(bad);
  EXPECT_NE(e.find(bad + ":2:"), std::string::npos) << e;
  EXPECT_NE(e.find("READ or WRITE"), std::string::npos) << e;
  EXPECT_NE(errorOf(plain("a.trace", "40 READ 1\n")).find("0x"), std::string::npos);
  EXPECT_NE(errorOf(plain("b.trace", "0x40 READ\n")).find("cycle"), std::string::npos);
  EXPECT_NE(errorOf(plain("c.trace", "0x40 READ 12x\n")).find("decimal"), std::string::npos);
  EXPECT_NE(errorOf(plain("d.trace", "0x40 READ 5 extra\n")).find("after"), std::string::npos);
  EXPECT_NE(errorOf(plain("e.trace", "0x40 READ 5\n0x80 READ 4\n")).find(":2:"), std::string::npos);
  EXPECT_NE(errorOf(plain("f.trace", "0xg0 READ 5\n")).find("hex"), std::string::npos);
}

TEST_F(dramTraceFiles, MissingOrCorruptFileIsAnError) {
  EXPECT_THROW(TraceReader((dir / "none.trace").string()), std::runtime_error);
  std::string g = gz("x.gz", std::string(5000, 'a'));
  {
    std::fstream f(g, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f << "garbage-garbage-garbage";
  }
  EXPECT_THROW(readAll(g), std::runtime_error);
}

TEST_F(dramTraceFiles, FullWidthNumbersAndLeadingZerosParse) {
  const TraceRecord r = parseTraceLine("0x00000000000000001 READ 18446744073709551615");
  EXPECT_EQ(r.addr, 1u);
  EXPECT_EQ(r.cycle, UINT64_MAX);
  EXPECT_EQ(parseTraceLine("0x0000000000000000000ffffffffffffffff WRITE 0").addr, UINT64_MAX);
  EXPECT_THROW(parseTraceLine("0x1ffffffffffffffff READ 0"), std::invalid_argument);
  EXPECT_THROW(parseTraceLine("0x1 READ 18446744073709551616"), std::invalid_argument);
  const auto v = readAll(plain("lz.trace", "0x00000000000000001 READ 00000000000000000000007\n"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].addr, 1u);
  EXPECT_EQ(v[0].cycle, 7u);
}

// The reader's bound (kMaxTraceGapCycles): a cycle 10^12 replayed for minutes, 2^64-1 wrapped.
TEST_F(dramTraceFiles, CycleGapBeyondTheBoundIsRejectedWithTheRule) {
  ASSERT_EQ(kMaxTraceGapCycles, 1000000000u);
  const std::string rule =
      "requests may be at most 1000000000 cycles apart (longer idle gaps only replay refresh: cut "
      "them out of the trace)";
  const std::string a = plain("far.trace", "0x0 READ 1000000000000\n");
  EXPECT_EQ(errorOf(a), a +
                            ":1: cycle 1000000000000 is 1000000000000 cycles after the start of "
                            "the trace; " +
                            rule);
  const std::string b = plain("max.trace", "0x0 READ 5\n# x\n0x40 READ 18446744073709551615\n");
  EXPECT_EQ(errorOf(b), b +
                            ":3: cycle 18446744073709551615 is 18446744073709551610 cycles after "
                            "the previous request's (5); " +
                            rule);
  // Exactly the bound is accepted, from the start and between requests.
  const auto v = readAll(plain("edge.trace", "0x0 READ 1000000000\n0x40 READ 2000000000\n"));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].cycle, 2000000000u);
}

TEST_F(dramTraceFiles, LongLinesAndBinaryAreRejectedShortly) {
  const std::string a = plain("long.trace", "0x40 READ 1\n# " + std::string(5000, 'x') + "\n");
  EXPECT_EQ(errorOf(a), a + ":2: line longer than 4096 bytes");
  EXPECT_EQ(errorOf("/dev/zero"), "/dev/zero:1: line longer than 4096 bytes");
  try {
    parseTraceLine(std::string(3000, '\x01'));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u) << e.what();
    EXPECT_NE(std::string(e.what()).find("'\\x01\\x01"), std::string::npos) << e.what();
  }
}

TEST_F(dramTraceFiles, EmptyTraceIsAnErrorNotARunWithoutRequests) {
  for (const char* text : {"", "# nothing\n\n"}) {
    const std::string p = plain("empty.trace", text);
    try {
      replayTrace(p, preset("DDR4-2400"));
      FAIL() << "no error for '" << text << "'";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()),
                p + ": no requests (the trace is empty or holds only comments and blank lines)");
    }
  }
}

TEST_F(dramTraceFiles, GzipErrorsNameTheLineBeingRead) {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "0x" + std::to_string(40 * i) + " READ " + std::to_string(i) + "\n";
  const std::string g = gz("cut.trace.gz", text);
  fs::resize_file(g, fs::file_size(g) / 2);
  TraceReader r(g);
  TraceRecord rec;
  uint64_t n = 0;
  try {
    while (r.next(rec)) ++n;
    FAIL() << "truncated gzip read as complete";
  } catch (const std::runtime_error& e) {
    EXPECT_GT(n, 0u);
    EXPECT_NE(std::string(e.what()).find(g + ":" + std::to_string(n + 1) + ": "), std::string::npos)
        << e.what();
  }
}

// The player used to open the file twice (once for the gzip magic) and hung on a FIFO.
TEST_F(dramTraceFiles, FifoIsReplayedPlainAndGzip) {
  std::string text = "0x0 READ 0\n0x40 READ 100\n0x40000000 READ 200\n";
  std::string zipped;
  {
    std::ostringstream os;
    boost::iostreams::filtering_ostream out;
    out.push(boost::iostreams::gzip_compressor());
    out.push(os);
    out << text;
    out.reset();
    zipped = os.str();
  }
  for (const std::string& bytes : {text, zipped}) {
    const std::string f = (dir / "t.fifo").string();
    ::unlink(f.c_str());
    ASSERT_EQ(::mkfifo(f.c_str(), 0600), 0);
    std::thread writer([&] { std::ofstream(f, std::ios::binary) << bytes; });
    ReplayResult r;
    try {
      r = replayTrace(f, preset("DDR4-2400"));
    } catch (...) {
      writer.join();
      throw;
    }
    writer.join();
    EXPECT_EQ(r.requests, 3u);
    EXPECT_EQ(r.reads, 3u);
  }
}

TEST(dramTraceLine, ParsesSingleLines) {
  const TraceRecord r = parseTraceLine("0x1fc0 WRITE 7");
  EXPECT_EQ(r.addr, 0x1fc0u);
  EXPECT_TRUE(r.isWrite);
  EXPECT_THROW(parseTraceLine("0x1fc0 WRITE"), std::invalid_argument);
}

// The reader's fast path for canonical lines and the full rules read every line alike: random
// lines in canonical form and in every variant the full rules accept (case, leading zeros, 16+
// digits, tabs, extra spaces, CR) give the records parseTraceLine gives, and a bad line in the
// middle still names its line.
TEST_F(dramTraceFiles, EveryLineFormReadsAsTheFullRulesReadIt) {
  std::mt19937_64 g(11);
  std::string text;
  std::vector<TraceRecord> want;
  uint64_t cycle = 0;
  auto hex = [&](uint64_t v, bool upper) {
    char buf[24];
    std::snprintf(buf, sizeof buf, upper ? "%llX" : "%llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  for (int i = 0; i < 5000; ++i) {
    const uint64_t addr = g() >> (g() % 64);
    cycle += g() % 1000;
    const unsigned form = unsigned(g() % 8);
    std::string a = hex(addr, form == 1), op = g() % 2 ? "READ" : "WRITE", sep = " ";
    if (form == 2) a = std::string(1 + g() % 6, '0') + a;  // leading zeros, maybe 17+ digits
    if (form == 3) op[1] = char(op[1] | 0x20);             // mixed case
    if (form == 4) sep = g() % 2 ? "\t" : "  ";
    std::string line = (form == 5 ? "0X" : "0x") + a + sep + op + sep + std::to_string(cycle);
    if (form == 6) line = "  " + line + " ";
    if (form == 7) line += "\r";
    text += line + "\n";
    want.push_back(parseTraceLine(line.substr(0, line.find_last_not_of(" \r") + 1)));
  }
  const auto got = readAll(gz("forms.trace.gz", text));
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].addr, want[i].addr) << "line " << i + 1;
    EXPECT_EQ(got[i].isWrite, want[i].isWrite) << "line " << i + 1;
    EXPECT_EQ(got[i].cycle, want[i].cycle) << "line " << i + 1;
  }
  EXPECT_NE(errorOf(plain("bad.trace", "0x40 READ 1\n0x40 READ 2x\n")).find(":2: cycle must be"),
            std::string::npos);
  EXPECT_NE(errorOf(plain("bad2.trace", "0x40 READ 1\n0x40 READS 2\n")).find(":2: operation"),
            std::string::npos);
}

TEST_F(dramTraceFiles, PlayerPacedRequestsSeeUnloadedLatency) {
  std::ostringstream t;
  for (int i = 0; i < 40; ++i)
    t << "0x" << std::hex << (i % 2) * 0x40000 << std::dec << " READ " << 100 * i << "\n";
  const ReplayResult r = replayTrace(plain("p.trace", t.str()), preset("DDR4-2400"));
  EXPECT_EQ(r.requests, 40u);
  EXPECT_EQ(r.frontendStallCycles, 0u);
  EXPECT_EQ(r.stats.readLatency.min(), 39u);   // first access: closed bank
  EXPECT_EQ(r.stats.readLatency.max(), 56u);   // then alternating rows: conflicts
  EXPECT_EQ(r.simCycles, 3900u + 1 + 56 + 1);  // last data beat + 1 (no refresh yet)
  std::ostringstream s;
  writeStats(s, r);
  EXPECT_NE(s.str().find("bandwidth_GBps"), std::string::npos);
}

TEST_F(dramTraceFiles, PlayerAdmitsOneRequestPerCycleInOrder) {
  std::ostringstream t;
  for (int i = 0; i < 40; ++i) t << "0x" << std::hex << i * 0x2000 << std::dec << " READ 0\n";
  const ReplayResult r = replayTrace(plain("burst.trace", t.str()), preset("DDR4-2400"));
  EXPECT_EQ(r.requests, 40u);
  // Request i enters i cycles late, one per cycle, but never in front of a full queue.
  EXPECT_EQ(r.frontendStallCycles, 0u);
  EXPECT_EQ(r.endToEndReadLatency.average() - r.stats.readLatency.average(), 39.0 / 2);
  std::ostringstream full;  // 100 reads to one bank at cycle 0: the read queue (32) fills
  for (int i = 0; i < 100; ++i) full << "0x" << std::hex << i * 0x40000 << std::dec << " READ 0\n";
  const ReplayResult f = replayTrace(plain("full.trace", full.str()), preset("DDR4-2400"));
  EXPECT_GT(f.frontendStallCycles, 0u);
  EXPECT_LT(f.frontendStallCycles, f.simCycles);
}

}  // namespace
