// Test helpers: trace files written in every compression, and ChampSim records built field by
// field (the layout of struct input_instr in ChampSim's inc/trace_instruction.h).
#pragma once

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <gtest/gtest.h>

namespace vmsim::workloads::testing {

inline std::string tempPath(const std::string& name) {
  return ::testing::TempDir() + "vmsim_wl_" + name;
}

inline std::string writeFile(const std::string& name, const std::string& bytes) {
  const std::string path = tempPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// One gzip member (zlib's deflate with a gzip header).
inline std::string gzipBytes(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One .xz stream (liblzma, preset 6, CRC64 as xz writes by default).
inline std::string xzBytes(const std::string& data) {
  std::string out(lzma_stream_buffer_bound(data.size()), '\0');
  size_t pos = 0;
  if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr,
                              reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                              reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()) != LZMA_OK)
    throw std::runtime_error("lzma_easy_buffer_encode");
  out.resize(pos);
  return out;
}

// One zstd frame.
inline std::string zstdBytes(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

// One ChampSim instruction: ip, branch bits, registers, up to 2 stores and 4 loads (0 = none).
struct ChampSimInstr {
  uint64_t ip = 0;
  uint8_t isBranch = 0, branchTaken = 0;
  uint8_t destRegs[2] = {0, 0};
  uint8_t srcRegs[4] = {0, 0, 0, 0};
  uint64_t destMem[2] = {0, 0};
  uint64_t srcMem[4] = {0, 0, 0, 0};
};

// The 64 bytes ChampSim's tracer writes for it (little-endian, x86-64): ip at 0, is_branch 8,
// branch_taken 9, destination_registers 10-11, source_registers 12-15, destination_memory
// 16-31, source_memory 32-63.
inline std::string champSimRecord(const ChampSimInstr& in) {
  std::string r(64, '\0');
  auto put64 = [&](size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) r[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  put64(0, in.ip);
  r[8] = static_cast<char>(in.isBranch);
  r[9] = static_cast<char>(in.branchTaken);
  for (int i = 0; i < 2; ++i) r[10 + i] = static_cast<char>(in.destRegs[i]);
  for (int i = 0; i < 4; ++i) r[12 + i] = static_cast<char>(in.srcRegs[i]);
  for (int i = 0; i < 2; ++i) put64(16 + 8 * i, in.destMem[i]);
  for (int i = 0; i < 4; ++i) put64(32 + 8 * i, in.srcMem[i]);
  return r;
}

inline std::string champSimTrace(const std::vector<ChampSimInstr>& instrs) {
  std::string out;
  for (const auto& i : instrs) out += champSimRecord(i);
  return out;
}

}  // namespace vmsim::workloads::testing
