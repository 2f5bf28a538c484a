// DRAMsim3 .ini import (key names and semantics of DRAMsim3 src/configuration.cc).
#include "vmsim/dram/dramsim3_ini.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

namespace vmsim::dram {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

struct IniParser {
  DramConfig cfg;
  std::string source;
  unsigned line = 0;
  double channelSizeMB = 0;
  std::string section;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument(source + ":" + std::to_string(line) + ": " + what);
  }
  double number(const std::string& key, const std::string& v) const {
    try {
      size_t used = 0;
      const double d = std::stod(v, &used);
      if (used == v.size() && d >= 0) return d;
    } catch (const std::exception&) {
    }
    fail("'" + key + "' needs a non-negative number, got '" + v + "'");
  }
  unsigned whole(const std::string& key, const std::string& v) const {
    const double d = number(key, v);
    if (d != std::floor(d)) fail("'" + key + "' needs a whole number, got '" + v + "'");
    return unsigned(d);
  }

  using Setter = std::function<void(IniParser&, const std::string&, const std::string&)>;
  static Setter u(unsigned Timing::*f) {
    return [f](IniParser& p, const std::string& k, const std::string& v) {
      p.cfg.timing.*f = p.whole(k, v);
    };
  }
  static Setter o(unsigned Organisation::*f) {
    return [f](IniParser& p, const std::string& k, const std::string& v) {
      p.cfg.org.*f = p.whole(k, v);
    };
  }
  static Setter c(unsigned ControllerConfig::*f) {
    return [f](IniParser& p, const std::string& k, const std::string& v) {
      p.cfg.ctrl.*f = p.whole(k, v);
    };
  }

  static const std::map<std::string, Setter>& setters();
  static const std::set<std::string>& ignored();
  void standard(const std::string& v);
  void choice(const std::string& key, const std::string& v);
  void assign(const std::string& key, const std::string& value);
  void finish();
};

void IniParser::standard(const std::string& v) {
  static const std::map<std::string, Standard> m = {
      {"DDR3", Standard::DDR3},     {"DDR4", Standard::DDR4}, {"DDR5", Standard::DDR5},
      {"LPDDR4", Standard::LPDDR4}, {"HBM", Standard::HBM2},  {"HBM2", Standard::HBM2}};
  auto it = m.find(v);
  if (it == m.end())
    fail("protocol '" + v + "' not supported (DDR3, DDR4, DDR5, LPDDR4, HBM, HBM2)");
  cfg.standard = it->second;
  if (cfg.standard == Standard::HBM2) cfg.ctrl.dualCommandIssue = true;
}

void IniParser::choice(const std::string& key, const std::string& v) {
  static const std::map<std::string, std::string> refresh = {
      {"RANK_LEVEL_STAGGERED", "rank_staggered"},
      {"RANK_LEVEL_SIMULTANEOUS", "rank_simultaneous"},
      {"BANK_LEVEL_STAGGERED", "bank_staggered"}};
  if (key == "address_mapping") {
    cfg.ctrl.mapping = v;
  } else if (key == "row_buf_policy") {
    if (v != "OPEN_PAGE" && v != "CLOSE_PAGE")
      fail("row_buf_policy must be OPEN_PAGE or CLOSE_PAGE");
    cfg.ctrl.pagePolicy = v == "OPEN_PAGE" ? "open" : "closed";
  } else if (key == "refresh_policy") {
    auto it = refresh.find(v);
    if (it == refresh.end()) fail("refresh_policy '" + v + "' not supported");
    cfg.ctrl.refresh = it->second;
  } else if (key == "queue_structure") {
    if (v != "PER_BANK") fail("queue_structure '" + v + "' not supported (PER_BANK only)");
  } else if (key == "unified_queue" || key == "enable_hbm_dual_cmd") {
    const bool on = v == "true" || v == "True" || v == "1";
    if (key == "unified_queue" && on) fail("unified_queue = true is not supported");
    if (key == "enable_hbm_dual_cmd") cfg.ctrl.dualCommandIssue = on;
  }
}

const std::map<std::string, IniParser::Setter>& IniParser::setters() {
  static const std::map<std::string, Setter> m = {
      {"bankgroups", o(&Organisation::bankGroups)},
      {"banks_per_group", o(&Organisation::banksPerGroup)},
      {"rows", o(&Organisation::rows)},
      {"columns", o(&Organisation::columns)},
      {"device_width", o(&Organisation::deviceWidth)},
      {"BL", o(&Organisation::burstLength)},
      {"channels", o(&Organisation::channels)},
      {"bus_width", o(&Organisation::busWidth)},
      {"AL", u(&Timing::AL)},
      {"CL", u(&Timing::CL)},
      {"CWL", u(&Timing::CWL)},
      {"tRCD", u(&Timing::tRCD)},
      {"tRCDRD", u(&Timing::tRCDRD)},
      {"tRCDWR", u(&Timing::tRCDWR)},
      {"tRP", u(&Timing::tRP)},
      {"tRPab", u(&Timing::tRPab)},
      {"tRAS", u(&Timing::tRAS)},
      {"tRFC", u(&Timing::tRFC)},
      {"tREFI", u(&Timing::tREFI)},
      {"REFI", u(&Timing::tREFI)},
      {"tRFCb", u(&Timing::tRFCb)},
      {"tREFIb", u(&Timing::tREFIb)},
      {"tRREFD", u(&Timing::tRREFD)},
      {"tRRD_S", u(&Timing::tRRD_S)},
      {"tRRD_L", u(&Timing::tRRD_L)},
      {"tWTR_S", u(&Timing::tWTR_S)},
      {"tWTR_L", u(&Timing::tWTR_L)},
      {"tFAW", u(&Timing::tFAW)},
      {"tWR", u(&Timing::tWR)},
      {"tRTP", u(&Timing::tRTP)},
      {"tRTP_S", u(&Timing::tRTP)},
      {"tRTP_L", u(&Timing::tRTP_L)},
      {"tCCD_S", u(&Timing::tCCD_S)},
      {"tCCD_L", u(&Timing::tCCD_L)},
      {"tRTRS", u(&Timing::tRTRS)},
      {"tRPRE", u(&Timing::tRPRE)},
      {"tWPRE", u(&Timing::tWPRE)},
      {"cmd_queue_size", c(&ControllerConfig::cmdQueueSize)},
      {"tCK", [](IniParser& p, const std::string& k,
                 const std::string& v) { p.cfg.timing.tCKns = p.number(k, v); }},
      {"channel_size", [](IniParser& p, const std::string& k,
                          const std::string& v) { p.channelSizeMB = p.number(k, v); }},
      {"trans_queue_size",
       [](IniParser& p, const std::string& k, const std::string& v) {
         const unsigned n = p.whole(k, v);
         p.cfg.ctrl.readQueueSize = p.cfg.ctrl.writeBufferSize = p.cfg.ctrl.writeDrainHigh = n;
       }},
      {"protocol", [](IniParser& p, const std::string&, const std::string& v) { p.standard(v); }}};
  return m;
}

// Keys DRAMsim3 reads for power, thermal, self-refresh and output, which this model does not use.
const std::set<std::string>& IniParser::ignored() {
  static const std::set<std::string> s = {"tRFC2",
                                          "tRFC4",
                                          "tWR2",
                                          "tCKE",
                                          "tCKESR",
                                          "tXS",
                                          "tXP",
                                          "tCKSRE",
                                          "tPPD",
                                          "t32AW",
                                          "num_dies",
                                          "bankgroup_enable",
                                          "epoch_period",
                                          "output_level",
                                          "output_prefix",
                                          "validation_output",
                                          "sref_threshold",
                                          "aggressive_precharging_enable",
                                          "enable_self_refresh",
                                          "speed_level",
                                          "num_links",
                                          "link_width",
                                          "link_speed",
                                          "block_size",
                                          "xbar_queue_depth"};
  return s;
}

void IniParser::assign(const std::string& key, const std::string& value) {
  if (section == "power" || section == "other" || section == "thermal" || ignored().count(key))
    return;
  auto it = setters().find(key);
  if (it != setters().end()) return it->second(*this, key, value);
  static const std::set<std::string> choices = {"address_mapping", "row_buf_policy",
                                                "refresh_policy",  "queue_structure",
                                                "unified_queue",   "enable_hbm_dual_cmd"};
  if (choices.count(key)) return choice(key, value);
  fail("unknown key '" + key + "' in [" + section + "]");
}

void IniParser::finish() {
  Timing& t = cfg.timing;
  if (t.tRC == 0) t.tRC = t.tRAS + t.tRP;
  if (t.tRCD == 0) t.tRCD = std::max(t.tRCDRD, t.tRCDWR);
  if (t.tRRD_L == 0) t.tRRD_L = t.tRRD_S;
  if (t.tCCD_L == 0) t.tCCD_L = t.tCCD_S;
  if (t.tWTR_L == 0) t.tWTR_L = t.tWTR_S;
  if (channelSizeMB > 0) {  // DRAMsim3: ranks = channel_size / (devices per rank x density)
    const double devices = double(cfg.org.busWidth) / cfg.org.deviceWidth;
    const double rankMB = devices * cfg.org.deviceWidth * cfg.org.rows * cfg.org.columns *
                          cfg.org.banksPerRank() / 8.0 / (1 << 20);
    cfg.org.ranks = std::max(1u, unsigned(std::llround(channelSizeMB / rankMB)));
  }
  cfg.validate();
}

}  // namespace

DramConfig loadDramsim3Ini(std::istream& in, const std::string& source) {
  IniParser p;
  p.source = source;
  p.cfg.name = source;
  p.cfg.timing = Timing{};
  std::string text;
  while (std::getline(in, text)) {
    ++p.line;
    text = trim(text.substr(0, text.find_first_of(";#")));
    if (text.empty()) continue;
    if (text.front() == '[') {
      if (text.back() != ']') p.fail("bad section header '" + text + "'");
      p.section = trim(text.substr(1, text.size() - 2));
      continue;
    }
    const size_t eq = text.find('=');
    if (eq == std::string::npos) p.fail("expected 'key = value', got '" + text + "'");
    p.assign(trim(text.substr(0, eq)), trim(text.substr(eq + 1)));
  }
  p.finish();
  return p.cfg;
}

DramConfig loadDramsim3IniFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument(path + ": cannot open DRAMsim3 config");
  return loadDramsim3Ini(f, path);
}

}  // namespace vmsim::dram
