// DRAM organisation, JEDEC timing and controller settings; presets cite DRAMsim3 configs / JEDEC.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vmsim::dram {

enum class Standard { DDR3, DDR4, DDR5, LPDDR4, HBM2 };

std::string toString(Standard s);

/// Geometry of one channel and of the whole memory (DRAMsim3 [dram_structure]/[system]).
struct Organisation {
  unsigned channels = 1;
  unsigned ranks = 1;
  unsigned bankGroups = 1;
  unsigned banksPerGroup = 8;
  unsigned rows = 65536;
  unsigned columns = 1024;   ///< device columns per row
  unsigned deviceWidth = 8;  ///< bits per device
  unsigned busWidth = 64;    ///< data bus bits per channel
  unsigned burstLength = 8;  ///< BL (beats per burst)

  unsigned banksPerRank() const { return bankGroups * banksPerGroup; }
  unsigned banksPerChannel() const { return ranks * banksPerRank(); }
  unsigned burstBytes() const { return busWidth / 8 * burstLength; }
  unsigned burstsPerRow() const { return columns / burstLength; }
  uint64_t channelBytes() const;
};

/// Timing parameters in command-clock cycles (tCK in ns). Zero means "not defined by the standard".
struct Timing {
  double tCKns = 1.0;
  unsigned CL = 0, CWL = 0, AL = 0;
  unsigned tRCD = 0, tRCDRD = 0, tRCDWR = 0;  ///< tRCDRD/WR: HBM split (0 -> tRCD)
  unsigned tRP = 0, tRPab = 0;                ///< tRPab: LPDDR4 all-bank precharge (0 -> tRP)
  unsigned tRAS = 0, tRC = 0;
  unsigned tRFC = 0, tREFI = 0;    ///< all-bank refresh
  unsigned tRFCb = 0, tREFIb = 0;  ///< per-bank / same-bank refresh (0 -> not supported)
  unsigned tRREFD = 0;             ///< per-bank REF to ACT/REF in another bank
  unsigned tCCD_S = 0, tCCD_L = 0;
  unsigned tRRD_S = 0, tRRD_L = 0;
  unsigned tFAW = 0;
  unsigned tWR = 0;
  unsigned tWTR_S = 0, tWTR_L = 0;
  unsigned tRTP = 0, tRTP_L = 0;  ///< tRTP_L: HBM same-bank-group RD to PRE (0 -> tRTP)
  unsigned tRTRS = 0;             ///< rank-to-rank data-bus switch
  unsigned tRPRE = 0, tWPRE = 0;

  unsigned readLatency() const { return CL + AL; }    ///< RL
  unsigned writeLatency() const { return CWL + AL; }  ///< WL
};

enum class PagePolicyKind { Open, Closed, OpenAdaptive, ClosedAdaptive };
enum class SchedulerKind { FrFcfs, Fcfs };
enum class RefreshKind { RankStaggered, RankSimultaneous, BankStaggered, None };

/// Controller settings (DRAMsim3 [system]: trans_queue_size, cmd_queue_size, policies).
struct ControllerConfig {
  std::string pagePolicy = "open";   ///< open | closed | open_adaptive | closed_adaptive
  std::string scheduler = "frfcfs";  ///< frfcfs | fcfs
  std::string refresh =
      "rank_staggered";  ///< rank_staggered | rank_simultaneous | bank_staggered | none
  std::string mapping = "rochrababgco";  ///< DRAMsim3 mapping string or a named scheme
  unsigned readQueueSize = 32;
  unsigned writeBufferSize = 32;
  unsigned cmdQueueSize = 8;  ///< entries per bank command queue
  unsigned rowHitCap = 4;     ///< column commands after which a conflicting PRE may close the row
  unsigned writeDrainHigh = 32;   ///< drain starts when the write buffer holds this many
  unsigned writeDrainLow = 8;     ///< ... or more than this many while every command queue is empty
  bool dualCommandIssue = false;  ///< HBM: a row and a column command in the same cycle
};

struct DramConfig {
  std::string name;
  Standard standard = Standard::DDR4;
  Organisation org;
  Timing timing;
  ControllerConfig ctrl;

  unsigned burstCycles() const { return org.burstLength / 2; }
  unsigned readDelay() const { return timing.readLatency() + burstCycles(); }
  unsigned writeDelay() const { return timing.writeLatency() + burstCycles(); }
  double peakBandwidthGBps() const;  ///< per channel, GB = 1e9 B
  /// Throws std::invalid_argument naming the field and rule on any inconsistent value.
  void validate() const;
};

/// Returns cfg after cfg.validate() (for member-initialiser lists).
inline const DramConfig& validated(const DramConfig& cfg) {
  cfg.validate();
  return cfg;
}

/// Named presets: "DDR4-2400", "DDR4-3200", "DDR3-1600", "DDR5-4800", "LPDDR4-3200", "HBM2".
DramConfig preset(const std::string& name);
std::vector<std::string> presetNames();

}  // namespace vmsim::dram
