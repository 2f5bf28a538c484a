// Rules of the configuration tree: typed reads, ranges, choices, unread keys with suggestions,
// includes and --param overrides.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
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
