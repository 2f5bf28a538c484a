// Rules of the configuration tree: typed reads, ranges, choices, unread keys with suggestions,
// includes and --param overrides.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "vmsim/common/config.h"

using vmsim::Config;
using vmsim::ConfigError;
using vmsim::Range;

namespace {
std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}
}  // namespace

TEST(Config, DefaultsApplyWhenKeyAbsent) {
  Config cfg;
  auto p = cfg.at("system.tlb");
  EXPECT_EQ(p.getUint("entries", 64, "Count", "entries"), 64u);
  EXPECT_NO_THROW(cfg.finalize());
  EXPECT_EQ(cfg.declared().at("system.tlb.entries").value, "64");
}

TEST(Config, ReadsNestedYamlValues) {
  Config cfg;
  cfg.loadString("system:\n  tlb:\n    entries: 128\n    policy: lru\n    fast: true\n");
  auto p = cfg.at("system.tlb");
  EXPECT_EQ(p.getUint("entries", 64, "Count", "entries"), 128u);
  EXPECT_EQ(p.getChoice("policy", "fifo", {"fifo", "lru"}, "policy"), "lru");
  EXPECT_TRUE(p.getBool("fast", false, "fast"));
  EXPECT_NO_THROW(cfg.finalize());
}

TEST(Config, UnknownKeyNamesItAndClosestValidKey) {
  Config cfg;
  cfg.loadString("system:\n  tlb:\n    entires: 128\n");
  cfg.at("system.tlb").getUint("entries", 64, "Count", "entries");
  cfg.at("system.tlb").getUint("ways", 4, "Count", "ways");
  try {
    cfg.finalize();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'system.tlb.entires'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'system.tlb.entries'"), std::string::npos) << msg;
  }
}

TEST(Config, WrongTypeNamesKeyValueAndRule) {
  Config cfg;
  cfg.loadString("a:\n  n: lots\n");
  cfg.at("a").getUint("n", 1, "Count", "n");
  ASSERT_EQ(cfg.problems().size(), 1u);
  EXPECT_NE(cfg.problems()[0].find("'a.n'"), std::string::npos);
  EXPECT_NE(cfg.problems()[0].find("'lots'"), std::string::npos);
  EXPECT_NE(cfg.problems()[0].find("not a valid uint"), std::string::npos);
  EXPECT_THROW(cfg.finalize(), ConfigError);
}

TEST(Config, NegativeForUnsignedIsATypeError) {
  Config cfg;
  cfg.loadString("a: {n: -3}");
  cfg.at("a").getUint("n", 1, "Count", "n");
  ASSERT_EQ(cfg.problems().size(), 1u) << joined(cfg.problems());
}

TEST(Config, OutOfRangeNamesKeyValueAndRange) {
  Config cfg;
  cfg.loadString("a: {ways: 5000}");
  cfg.at("a").getUint("ways", 4, "Count", "ways", Range{1, 4096});
  ASSERT_EQ(cfg.problems().size(), 1u);
  EXPECT_NE(cfg.problems()[0].find("'a.ways'"), std::string::npos);
  EXPECT_NE(cfg.problems()[0].find("5000"), std::string::npos);
  EXPECT_NE(cfg.problems()[0].find("[1, 4096]"), std::string::npos);
}

TEST(Config, UnknownPolicyListsValidNames) {
  Config cfg;
  cfg.loadString("a: {policy: lrv}");
  cfg.at("a").getChoice("policy", "lru", {"fifo", "lru", "random"}, "replacement");
  ASSERT_EQ(cfg.problems().size(), 1u);
  EXPECT_NE(cfg.problems()[0].find("'lrv'"), std::string::npos);
  EXPECT_NE(cfg.problems()[0].find("fifo, lru, random"), std::string::npos);
}

TEST(Config, OverrideWinsOverFileAndCreatesPath) {
  Config cfg;
  cfg.loadString("a: {b: {c: 1}}");
  cfg.applyOverride("a.b.c=7");
  cfg.applyOverride("x.y=hello");
  EXPECT_EQ(cfg.at("a.b").getUint("c", 0, "", ""), 7u);
  EXPECT_EQ(cfg.at("x").getString("y", "", ""), "hello");
  EXPECT_NO_THROW(cfg.finalize());
  EXPECT_THROW(cfg.applyOverride("novalue"), ConfigError);
}

TEST(Config, IncludesArePresetsThatTheIncluderOverrides) {
  const auto dir = std::filesystem::temp_directory_path() / "vmsim_cfg_inc";
  std::filesystem::create_directories(dir / "presets");
  std::ofstream(dir / "presets" / "base.yaml") << "a: {x: 1, y: 2}\n";
  std::ofstream(dir / "top.yaml") << "include: presets/base.yaml\na: {y: 3}\n";
  Config cfg;
  cfg.loadFile((dir / "top.yaml").string());
  EXPECT_EQ(cfg.at("a").getUint("x", 0, "", ""), 1u);
  EXPECT_EQ(cfg.at("a").getUint("y", 0, "", ""), 3u);
  EXPECT_NO_THROW(cfg.finalize());
}

// File names resolve against the file that set them (like includes); --param, set() and
// loadString() values against the working directory; absolute names stay as they are.
TEST(Config, PathsResolveAgainstTheFileThatNamesThem) {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / "vmsim_cfg_paths";
  fs::create_directories(dir / "presets" / "deep");
  std::ofstream(dir / "presets" / "deep" / "base.yaml")
      << "w: {trace: t.gz, other: ../x.txt, abs: /data/a.xz, kept: k.trace}\n";
  std::ofstream(dir / "top.yaml") << "include: presets/deep/base.yaml\nw: {other: y.txt}\n";
  Config cfg;
  cfg.loadFile((dir / "top.yaml").string());
  cfg.applyOverride("w.kept=cwd.trace");
  auto w = cfg.at("w");
  EXPECT_EQ(w.getPath("trace", "", ""), (dir / "presets/deep/t.gz").string());
  EXPECT_EQ(w.getPath("other", "", ""), (dir / "y.txt").string());  // set again by top.yaml
  EXPECT_EQ(w.getPath("abs", "", ""), "/data/a.xz");
  EXPECT_EQ(w.getPath("kept", "", ""), (fs::current_path() / "cwd.trace").string());
  EXPECT_EQ(w.getPath("unset", "", ""), "");
  // The resolved name is what config.json and config.ini record.
  EXPECT_EQ(cfg.declared().at("w.trace").value, (dir / "presets/deep/t.gz").string());
  EXPECT_EQ(cfg.declared().at("w.trace").type, "path");
  EXPECT_NO_THROW(cfg.finalize());
  // A relative config file name: its directory is relative to the working directory.
  Config rel;
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  rel.loadFile("presets/deep/base.yaml");
  fs::current_path(cwd);
  EXPECT_EQ(rel.at("w").getPath("trace", "", ""), (cwd / "presets/deep/t.gz").string());
  // loadString: the working directory.
  Config str;
  str.loadString("w: {trace: s.trace}\n");
  EXPECT_EQ(str.at("w").getPath("trace", "", ""), (cwd / "s.trace").string());
}

TEST(Config, InheritedPathsKeepTheirOrigin) {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / "vmsim_cfg_inherit";
  fs::create_directories(dir);
  std::ofstream(dir / "c.yaml") << "cpu0: {trace: a.trace, n: 1}\n";
  Config cfg;
  cfg.loadFile((dir / "c.yaml").string());
  cfg.inheritMissing("cpu0", "cpu1");
  EXPECT_EQ(cfg.at("cpu1").getPath("trace", "", ""), (dir / "a.trace").string());
}

TEST(Config, MissingFileAndSyntaxErrorsNameTheFile) {
  Config cfg;
  try {
    cfg.loadFile("/nonexistent/x.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.yaml"), std::string::npos);
  }
  EXPECT_THROW(cfg.loadString("a: [1, 2", "bad.yaml"), ConfigError);
}

TEST(Config, SizesAndTimesParseWithUnits) {
  EXPECT_EQ(vmsim::parseSize("4KiB"), 4096u);
  EXPECT_EQ(vmsim::parseSize("2 GiB"), 2147483648u);
  EXPECT_EQ(vmsim::parseSize("1000"), 1000u);
  EXPECT_THROW(vmsim::parseSize("4 KiBs"), std::invalid_argument);
  EXPECT_EQ(vmsim::parseTimePs("2GHz"), 500u);
  EXPECT_EQ(vmsim::parseTimePs("1.5ns"), 1500u);
  EXPECT_THROW(vmsim::parseTimePs("fast"), std::invalid_argument);
}

TEST(Config, EditDistanceAndClosest) {
  EXPECT_EQ(vmsim::editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(vmsim::closestMatch("entires", {"ways", "entries", "latency"}), "entries");
}

TEST(Config, IniAndJsonDumpsListEffectiveValues) {
  Config cfg;
  cfg.loadString("system: {tlb: {entries: 32}}");
  cfg.at("system.tlb").getUint("entries", 64, "Count", "entries");
  cfg.at("system.tlb").getString("name", "l1", "name");
  std::ostringstream ini, json;
  cfg.writeIni(ini);
  cfg.writeJson(json);
  EXPECT_EQ(ini.str(), "[system.tlb]\nentries=32\nname=l1\n");
  EXPECT_NE(json.str().find("\"entries\": 32"), std::string::npos) << json.str();
  EXPECT_NE(json.str().find("\"name\": \"l1\""), std::string::npos) << json.str();
}

TEST(Config, IntegersMayBeHex) {
  Config cfg;
  cfg.loadString("a: {base: 0x10000000, bad: 0x1g}");
  EXPECT_EQ(cfg.at("a").getUint("base", 0, "Byte", ""), 0x10000000u);
  cfg.at("a").getUint("bad", 0, "Byte", "");
  ASSERT_EQ(cfg.problems().size(), 1u);
  EXPECT_NE(cfg.problems()[0].find("'0x1g'"), std::string::npos);
}

// --- issue 7: bad input is a ConfigError naming file, key and line (never an uncaught exception)

namespace {
std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}
std::filesystem::path scratch(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() /
                 ("vmsim_cfg_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}
}  // namespace

TEST(Config, NonScalarKeyIsAnErrorNamingFileAndLine) {
  Config cfg;
  const auto e = errorOf([&] { cfg.loadString("a: 1\n{[x]: 1}: 2\n", "k.yaml"); });
  EXPECT_NE(e.find("k.yaml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("not a plain name"), std::string::npos) << e;
  const auto nested = errorOf([&] { cfg.loadString("system: {[a]: 1}\n", "n.yaml"); });
  EXPECT_NE(nested.find("under 'system'"), std::string::npos) << nested;
}

TEST(Config, OverrideWithNonScalarKeyNamesTheParam) {
  Config cfg;
  const auto e = errorOf([&] { cfg.applyOverride("system.foo={[1]: 2}"); });
  EXPECT_NE(e.find("--param 'system.foo="), std::string::npos) << e;
  EXPECT_NE(e.find("under 'system.foo'"), std::string::npos) << e;
  EXPECT_NO_THROW(cfg.finalize());  // nothing half-applied
}

TEST(Config, DuplicateKeysAreAnErrorNamingBothLines) {
  Config cfg;
  const auto e =
      errorOf([&] { cfg.loadString("system:\n  cores: 1\n  x: 0\n  cores: 2\n", "d.yaml"); });
  EXPECT_NE(e.find("d.yaml:4: duplicate key 'system.cores' (first at line 2)"), std::string::npos)
      << e;
  const auto o = errorOf([&] { cfg.applyOverride("a={b: 1, b: 2}"); });
  EXPECT_NE(o.find("duplicate key 'a.b'"), std::string::npos) << o;
}

TEST(Config, BadIncludesAndDirectoriesAreErrorsNamingTheFile) {
  const auto d = scratch("inc");
  std::ofstream(d / "empty.yaml") << "include: \"\"\n";
  std::ofstream(d / "block.yaml") << "include: |\n";  // an empty block scalar
  std::ofstream(d / "dir.yaml") << "a: 1\ninclude: " << d.string() << "\n";
  std::ofstream(d / "map.yaml") << "include: {x: 1}\n";
  std::ofstream(d / "null.yaml") << "include:\n";
  for (const char* f : {"empty.yaml", "block.yaml", "dir.yaml", "map.yaml", "null.yaml"}) {
    Config cfg;
    const auto e = errorOf([&] { cfg.loadFile((d / f).string()); });
    EXPECT_NE(e.find((d / f).string() + ":"), std::string::npos) << f << ": " << e;
    EXPECT_NE(e.find("'include'"), std::string::npos) << f << ": " << e;
  }
  Config cfg;
  const auto e = errorOf([&] { cfg.loadFile(d.string()); });
  EXPECT_NE(e.find(d.string() + ": is a directory"), std::string::npos) << e;
}

TEST(Config, LeadingZeroIntegersAreRejectedNotReadAsOctal) {
  Config cfg;
  cfg.loadString("a: {count: 017, zero: 0, hex: 0x1F, neg: -5, list: [4096, 010]}");
  auto p = cfg.at("a");
  p.getUint("count", 1, "Count", "");
  EXPECT_EQ(p.getUint("zero", 1, "Count", ""), 0u);
  EXPECT_EQ(p.getUint("hex", 1, "Count", ""), 31u);
  EXPECT_EQ(p.getInt("neg", 1, "Count", ""), -5);
  p.getUintList("list", {}, "Byte", "");
  ASSERT_EQ(cfg.problems().size(), 2u) << joined(cfg.problems());
  EXPECT_NE(cfg.problems()[0].find("'a.count': value '017'"), std::string::npos);
  EXPECT_NE(cfg.problems()[0].find("leading zeros"), std::string::npos);
  EXPECT_NE(cfg.problems()[1].find("'a.list'"), std::string::npos);
}

TEST(Config, TimesAcceptPlainZeroAndRefuseWhatCannotBeRepresented) {
  EXPECT_EQ(vmsim::parseTimePs("0"), 0u);
  EXPECT_THROW(vmsim::parseTimePs("5"), std::invalid_argument);  // only 0 may omit the unit
  EXPECT_THROW(vmsim::parseTimePs("1e30s"), std::invalid_argument);
  EXPECT_THROW(vmsim::parseTimePs("1e-30Hz"), std::invalid_argument);
  EXPECT_EQ(vmsim::formatTimePs(500), "500ps");
  EXPECT_EQ(vmsim::formatTimePs(2000), "2ns");
  EXPECT_EQ(vmsim::formatTimePs(10000000), "10us");
  EXPECT_EQ(vmsim::formatTimePs(0), "0s");
  Config cfg;
  cfg.loadString("m: {clock: 1000s, ok: 2GHz}");
  auto p = cfg.at("m");
  EXPECT_EQ(p.getTimePs("clock", "2GHz", "", Range{10, 1e6}), 500u);  // default kept
  EXPECT_EQ(p.getTimePs("ok", "1GHz", "", Range{10, 1e6}), 500u);
  ASSERT_EQ(cfg.problems().size(), 1u);
  EXPECT_NE(cfg.problems()[0].find("'m.clock': value '1000s' (1000s) is out of range [10ps, 1us]"),
            std::string::npos)
      << cfg.problems()[0];
}

TEST(Config, IniHasEachSectionOnce) {
  Config cfg;
  // In plain key order mmu.latency comes after mmu.l1d.*, and mmu.walker.* after it.
  for (const char* k : {"l1d.entries", "latency", "walker.walkers", "mode"}) {
    const std::string key = k;
    const auto dot = key.rfind('.');
    auto p = dot == std::string::npos ? cfg.at("system.cpu0.mmu")
                                      : cfg.at("system.cpu0.mmu." + key.substr(0, dot));
    p.getUint(dot == std::string::npos ? key : key.substr(dot + 1), 1, "", "");
  }
  std::ostringstream ini;
  cfg.writeIni(ini);
  std::istringstream in(ini.str());
  std::set<std::string> sections;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind('[', 0) == 0) {
      EXPECT_TRUE(sections.insert(line).second) << ini.str();
    }
  }
  EXPECT_EQ(sections.size(), 3u) << ini.str();
  EXPECT_NE(ini.str().find("[system.cpu0.mmu]\nlatency=1\nmode=1\n"), std::string::npos)
      << ini.str();
}

TEST(Config, JsonDumpReadsBackToTheSameValues) {
  const std::string yaml =
      "m: {f: 0.1234567890123, g: 1e-7, c: 800MHz, t: 2.5us, s: 3KiB, b: false, name: 'a \"q\"', "
      "l: [4096, 2097152], i: -3, u: 0x10}";
  auto readAll = [](Config& cfg) {
    auto p = cfg.at("m");
    p.getDouble("f", 0, "", "");
    p.getDouble("g", 0, "", "");
    p.getTimePs("c", "1GHz", "");
    p.getTimePs("t", "1ns", "");
    p.getSize("s", "1B", "");
    p.getBool("b", true, "");
    p.getString("name", "", "");
    p.getUintList("l", {}, "", "");
    p.getInt("i", 0, "", "");
    p.getUint("u", 0, "", "");
    p.getChoice("pick", "x", {"x", "y"}, "");
  };
  Config a;
  a.loadString(yaml);
  readAll(a);
  ASSERT_TRUE(a.problems().empty()) << joined(a.problems());
  std::ostringstream json;
  a.writeJson(json);
  EXPECT_NE(json.str().find("\"c\": \"1250ps\""), std::string::npos) << json.str();
  Config b;
  b.loadString(json.str(), "config.json");
  readAll(b);
  ASSERT_TRUE(b.problems().empty()) << joined(b.problems()) << json.str();
  EXPECT_NO_THROW(b.finalize());
  for (const auto& [k, d] : a.declared()) {
    EXPECT_EQ(b.declared().at(k).value, d.value) << k;
  }
  EXPECT_EQ(b.declared().at("m.f").value, "0.1234567890123");
}

// A CPU preset sets system.cpu0.*; the platform copies it to every other core that does not set
// a key itself, leaf by leaf, leaving out what is excluded (each core's workload).
TEST(Config, InheritMissingCopiesOnlyWhatTheTargetLacks) {
  Config cfg;
  cfg.loadString(
      "system:\n"
      "  cpu0:\n"
      "    requester: {mode: at, workload: {pattern: random, count: 5}}\n"
      "    mmu:\n"
      "      l1d: {entries: 96, ways: 6, page_sizes: [4096, 2097152]}\n"
      "      l2: {entries: 2048, ways: 16}\n"
      "  cpu1:\n"
      "    requester: {workload: {pattern: sequential}}\n"
      "    mmu:\n"
      "      l1d: {ways: 4, page_sizes: [4096]}\n");
  cfg.inheritMissing("system.cpu0", "system.cpu1", {"requester.workload"});
  auto l1d = cfg.at("system.cpu1.mmu.l1d");
  EXPECT_EQ(l1d.getUint("entries", 1, "Count", "entries"), 96u) << "inherited";
  EXPECT_EQ(l1d.getUint("ways", 1, "Count", "ways"), 4u) << "its own value kept";
  EXPECT_EQ(l1d.getUintList("page_sizes", {}, "Byte", "sizes"), std::vector<uint64_t>{4096})
      << "a list is one value: kept whole, not merged element by element";
  EXPECT_EQ(cfg.at("system.cpu1.mmu.l2").getUint("entries", 1, "Count", "entries"), 2048u);
  EXPECT_EQ(cfg.at("system.cpu1.requester").getString("mode", "lt", "mode"), "at");
  auto w = cfg.at("system.cpu1.requester.workload");
  EXPECT_EQ(w.getString("pattern", "", "pattern"), "sequential");
  EXPECT_FALSE(w.has("count")) << "the excluded subtree is not copied";
  // The source is unchanged, and a core with no section at all gets everything but the
  // excluded subtree.
  EXPECT_EQ(cfg.at("system.cpu0.mmu.l1d").getUint("ways", 1, "Count", "ways"), 6u);
  cfg.inheritMissing("system.cpu0", "system.cpu2", {"requester.workload"});
  EXPECT_TRUE(cfg.hasValue("system.cpu2.mmu.l2.ways"));
  EXPECT_TRUE(cfg.hasValue("system.cpu2.requester.mode"));
  EXPECT_FALSE(cfg.hasValue("system.cpu2.requester.workload"));
  // A value where the source has a map is kept whole.
  cfg.set("system.cpu3.mmu", "off");
  cfg.inheritMissing("system.cpu0", "system.cpu3", {"requester.workload"});
  EXPECT_EQ(cfg.lookup("system.cpu3.mmu")->Scalar(), "off");
  // Copies are deep: changing the source afterwards does not change the copy.
  cfg.set("system.cpu0.mmu.l2.entries", "4096");
  EXPECT_EQ(cfg.lookup("system.cpu2.mmu.l2.entries")->Scalar(), "2048");
}
