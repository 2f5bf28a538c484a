// DRAM presets: DRAMsim3 configs/*.ini (DDR3, DDR4, HBM2) and JEDEC JESD79-5 / JESD209-4B numbers.
#include "vmsim/dram/config.h"

#include <functional>
#include <map>
#include <stdexcept>

namespace vmsim::dram {

std::string toString(Standard s) {
  switch (s) {
    case Standard::DDR3:
      return "DDR3";
    case Standard::DDR4:
      return "DDR4";
    case Standard::DDR5:
      return "DDR5";
    case Standard::LPDDR4:
      return "LPDDR4";
    case Standard::HBM2:
      return "HBM2";
  }
  return "?";
}

uint64_t Organisation::channelBytes() const {
  return uint64_t(ranks) * banksPerRank() * rows * burstsPerRow() * burstBytes();
}

double DramConfig::peakBandwidthGBps() const {
  return double(org.burstBytes()) / (burstCycles() * timing.tCKns);
}

namespace {

bool isPow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

void require(bool ok, const std::string& field, unsigned value, const std::string& rule) {
  if (!ok)
    throw std::invalid_argument("DRAM config: " + field + " = " + std::to_string(value) +
                                " is invalid: " + rule);
}

// DDR4-2400 17-17-17: DRAMsim3 configs/DDR4_8Gb_x8_2400.ini (tests/data/dram/dram_config.json).
DramConfig ddr4_2400() {
  DramConfig c;
  c.name = "DDR4-2400";
  c.standard = Standard::DDR4;
  c.org = {1, 2, 4, 4, 65536, 1024, 8, 64, 8};
  Timing& t = c.timing;
  t.tCKns = 1.0 / 1.2;  // 1200 MHz command clock (the .ini writes 0.83)
  t.CL = 17, t.CWL = 12, t.AL = 0, t.tRCD = 17, t.tRP = 17, t.tRAS = 39, t.tRC = 56;
  t.tRFC = 420, t.tREFI = 9360;
  t.tCCD_S = 4, t.tCCD_L = 6, t.tRRD_S = 4, t.tRRD_L = 6, t.tFAW = 26;
  t.tWR = 18, t.tWTR_S = 3, t.tWTR_L = 9, t.tRTP = 9, t.tRTRS = 1, t.tRPRE = 1, t.tWPRE = 1;
  return c;
}

// DDR4-3200 22-22-22: DRAMsim3 configs/DDR4_8Gb_x8_3200.ini (trans_queue_size = 16 there).
DramConfig ddr4_3200() {
  DramConfig c = ddr4_2400();
  c.name = "DDR4-3200";
  Timing& t = c.timing;
  t.tCKns = 0.625;
  t.CL = 22, t.CWL = 16, t.tRCD = 22, t.tRP = 22, t.tRAS = 52, t.tRC = 74;
  t.tRFC = 560, t.tREFI = 12480;
  t.tCCD_S = 4, t.tCCD_L = 8, t.tRRD_S = 4, t.tRRD_L = 8, t.tFAW = 34;
  t.tWR = 24, t.tWTR_S = 4, t.tWTR_L = 12, t.tRTP = 12;
  c.ctrl.readQueueSize = c.ctrl.writeBufferSize = c.ctrl.writeDrainHigh = 16;
  return c;
}

// DDR3-1600 11-11-11: DRAMsim3 configs/DDR3_8Gb_x8_1600.ini (8 banks, no bank groups).
DramConfig ddr3_1600() {
  DramConfig c;
  c.name = "DDR3-1600";
  c.standard = Standard::DDR3;
  c.org = {1, 2, 1, 8, 65536, 2048, 8, 64, 8};
  Timing& t = c.timing;
  t.tCKns = 1.25;
  t.CL = 11, t.CWL = 8, t.tRCD = 11, t.tRP = 11, t.tRAS = 28, t.tRC = 39;
  t.tRFC = 280, t.tREFI = 6240;
  t.tCCD_S = t.tCCD_L = 4, t.tRRD_S = t.tRRD_L = 6, t.tFAW = 32;
  t.tWR = 12, t.tWTR_S = t.tWTR_L = 6, t.tRTP = 6, t.tRTRS = 1;
  return c;
}

// DDR5-4800B 40-39-39, 16 Gb x8, one 32-bit sub-channel per channel: JEDEC JESD79-5 speed bin
// and core timings (tRAS 32 ns, tRFC1 295 ns, tRFCsb 130 ns, tREFI 3.9 us, tWR 30 ns).
DramConfig ddr5_4800() {
  DramConfig c;
  c.name = "DDR5-4800";
  c.standard = Standard::DDR5;
  c.org = {2, 1, 8, 4, 65536, 1024, 8, 32, 16};
  Timing& t = c.timing;
  t.tCKns = 1.0 / 2.4;
  t.CL = 40, t.CWL = 38, t.tRCD = 39, t.tRP = 39, t.tRAS = 77, t.tRC = 116;
  t.tRFC = 708, t.tREFI = 9360, t.tRFCb = 312, t.tRREFD = 12;
  // REFsb refreshes one bank index in all 8 groups every tREFI/4; modelled as single-bank
  // refreshes every tREFI/32, the same refresh rate per bank.
  t.tREFIb = 9360 / 32;
  t.tCCD_S = 8, t.tCCD_L = 12, t.tRRD_S = 8, t.tRRD_L = 12, t.tFAW = 32;
  t.tWR = 72, t.tWTR_S = 6, t.tWTR_L = 24, t.tRTP = 18, t.tRTRS = 2;
  return c;
}

// LPDDR4-3200, 8 Gb x16 channels (two ganged for a 64 B BL16 burst): JEDEC JESD209-4B
// (RL 28, WL 14, tRCD/tRPpb 18 ns, tRPab 21 ns, tRAS 42 ns, tRFCab 280 ns, tRFCpb 140 ns).
DramConfig lpddr4_3200() {
  DramConfig c;
  c.name = "LPDDR4-3200";
  c.standard = Standard::LPDDR4;
  c.org = {2, 1, 1, 8, 32768, 1024, 16, 32, 16};
  Timing& t = c.timing;
  t.tCKns = 0.625;
  t.CL = 28, t.CWL = 14, t.tRCD = 29, t.tRP = 29, t.tRPab = 34, t.tRAS = 68, t.tRC = 97;
  t.tRFC = 448, t.tREFI = 6246, t.tRFCb = 224, t.tREFIb = 780, t.tRREFD = 16;
  t.tCCD_S = t.tCCD_L = 8, t.tRRD_S = t.tRRD_L = 16, t.tFAW = 64;
  t.tWR = 29, t.tWTR_S = t.tWTR_L = 16, t.tRTP = 12, t.tRTRS = 2;
  c.ctrl.mapping = "rorabgbachco";
  return c;
}

// HBM2 8 Gb x128 (8 channels, BL4): DRAMsim3 configs/HBM2_8Gb_x128.ini; tRFCSB 160 ns and
// tRREFD 8 ns from JEDEC JESD235B.
DramConfig hbm2() {
  DramConfig c;
  c.name = "HBM2";
  c.standard = Standard::HBM2;
  c.org = {8, 1, 4, 4, 32768, 64, 128, 128, 4};
  Timing& t = c.timing;
  t.tCKns = 1.0;
  t.CL = 14, t.CWL = 4, t.tRCD = 14, t.tRCDRD = 14, t.tRCDWR = 14, t.tRP = 14, t.tRAS = 34;
  t.tRC = 48, t.tRFC = 260, t.tREFI = 3900, t.tRFCb = 160, t.tREFIb = 128, t.tRREFD = 8;
  t.tCCD_S = 1, t.tCCD_L = 2, t.tRRD_S = 4, t.tRRD_L = 6, t.tFAW = 30;
  t.tWR = 16, t.tWTR_S = 6, t.tWTR_L = 8, t.tRTP = 4, t.tRTP_L = 6, t.tRPRE = 1, t.tWPRE = 1;
  c.ctrl.mapping = "rorabgbachco";
  c.ctrl.dualCommandIssue = true;  // separate row / column command interfaces
  return c;
}

using PresetTable = std::map<std::string, std::function<DramConfig()>>;

const PresetTable& presetTable() {
  static const PresetTable table = {{"DDR4-2400", ddr4_2400},     {"DDR4-3200", ddr4_3200},
                                    {"DDR3-1600", ddr3_1600},     {"DDR5-4800", ddr5_4800},
                                    {"LPDDR4-3200", lpddr4_3200}, {"HBM2", hbm2}};
  return table;
}

}  // namespace

void DramConfig::validate() const {
  require(org.channels > 0 && isPow2(org.channels), "org.channels", org.channels, "power of two");
  require(org.ranks > 0 && isPow2(org.ranks), "org.ranks", org.ranks, "power of two");
  require(isPow2(org.bankGroups), "org.bankGroups", org.bankGroups, "power of two");
  require(isPow2(org.banksPerGroup), "org.banksPerGroup", org.banksPerGroup, "power of two");
  require(isPow2(org.rows), "org.rows", org.rows, "power of two");
  require(org.burstLength >= 2 && org.burstLength % 2 == 0, "org.burstLength", org.burstLength,
          "even and at least 2");
  require(org.columns >= org.burstLength && isPow2(org.burstsPerRow()), "org.columns", org.columns,
          "a power-of-two multiple of burstLength");
  require(org.busWidth >= 8 && isPow2(org.burstBytes()), "org.busWidth", org.busWidth,
          "busWidth/8*burstLength must be a power of two");
  require(timing.tCKns > 0, "timing.tCKns", 0, "must be positive");
  require(timing.CL > 0, "timing.CL", timing.CL, "must be positive");
  require(timing.tRAS + timing.tRP <= timing.tRC || timing.tRC == 0, "timing.tRC", timing.tRC,
          "at least tRAS + tRP");
  require(timing.tREFI == 0 || timing.tRFC < timing.tREFI, "timing.tRFC", timing.tRFC,
          "below tREFI");
  require(ctrl.readQueueSize > 0, "ctrl.readQueueSize", ctrl.readQueueSize, "positive");
  require(ctrl.writeBufferSize > 0, "ctrl.writeBufferSize", ctrl.writeBufferSize, "positive");
  require(ctrl.cmdQueueSize > 0, "ctrl.cmdQueueSize", ctrl.cmdQueueSize, "positive");
  require(ctrl.writeDrainHigh > 0 && ctrl.writeDrainHigh <= ctrl.writeBufferSize,
          "ctrl.writeDrainHigh", ctrl.writeDrainHigh, "in [1, writeBufferSize]");
  require(ctrl.writeDrainLow < ctrl.writeDrainHigh, "ctrl.writeDrainLow", ctrl.writeDrainLow,
          "below writeDrainHigh");
}

DramConfig preset(const std::string& name) {
  auto it = presetTable().find(name);
  if (it == presetTable().end()) {
    std::string names;
    for (const auto& n : presetNames()) names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown DRAM preset '" + name + "'; valid presets: " + names);
  }
  DramConfig c = it->second();
  if (c.timing.tRC == 0) c.timing.tRC = c.timing.tRAS + c.timing.tRP;
  return c;
}

std::vector<std::string> presetNames() {
  std::vector<std::string> names;
  for (const auto& [n, f] : presetTable()) names.push_back(n);
  return names;
}

}  // namespace vmsim::dram
