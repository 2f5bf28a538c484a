// Reference cases of relocation.py, segmentation.py, paging-linear-translate.py and
// paging-multilevel-translate.py, answered by the os translation cores.
#include <cstdint>

#include "cases.h"
#include "input.h"
#include "vmsim/os/linear_page_table.h"
#include "vmsim/os/multilevel_page_table.h"
#include "vmsim/os/relocation.h"
#include "vmsim/os/segmentation.h"

namespace vmsim::validate {
namespace {

Value integer(uint64_t v) {
  return Value::integer(static_cast<int64_t>(v));
}

/// The VAs, each checked against the address-space size when one is given.
std::vector<uint64_t> virtualAddresses(const YAML::Node& input, uint64_t asize) {
  const auto vas = asUintList(field(input, "vas"), "vas");
  for (const uint64_t va : vas)
    if (va >= asize)
      throw InputError("va " + std::to_string(va) + " is outside the " + std::to_string(asize) +
                       "-byte address space");
  return vas;
}

Value withResults(Value results) {
  Value answer = Value::object();
  answer.set("results", std::move(results));
  return answer;
}

uint8_t hexByte(const std::string& s, size_t at, size_t page) {
  auto nibble = [&](char c) -> unsigned {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw InputError("memory[" + std::to_string(page) + "] holds a non-hex digit '" +
                     std::string(1, c) + "'");
  };
  return static_cast<uint8_t>(nibble(s[at]) << 4 | nibble(s[at + 1]));
}

}  // namespace

Value runRelocation(const YAML::Node& input) {
  const os::BaseBoundsTranslator mmu(uintField(input, "base"), uintField(input, "limit"));
  Value results = Value::array();
  for (const uint64_t va : virtualAddresses(input, uintField(input, "asize"))) {
    const os::RelocationResult r = mmu.translate(va);
    Value row = Value::object();
    row.set("va", integer(r.va));
    row.set("valid", Value::boolean(r.valid));
    if (r.valid) {
      row.set("pa", integer(r.pa));
    } else {
      row.set("fault", Value::string("SEGMENTATION VIOLATION"));
    }
    results.push(std::move(row));
  }
  return withResults(std::move(results));
}

Value runSegmentation(const YAML::Node& input) {
  const auto reg = [&](const std::string& name) {
    const YAML::Node s = field(input, name);
    return os::SegmentRegister{uintField(s, "base"), uintField(s, "limit")};
  };
  const uint64_t asize = uintField(input, "asize");
  const os::TwoSegmentTranslator mmu(asize, reg("seg0"), reg("seg1"));
  Value results = Value::array();
  for (const uint64_t va : virtualAddresses(input, asize)) {
    const os::SegmentResult r = mmu.translate(va);
    Value row = Value::object();
    row.set("va", integer(r.va));
    row.set("segment", integer(r.segment));
    row.set("valid", Value::boolean(r.valid));
    if (r.valid) {
      row.set("pa", integer(r.pa));
    } else {
      row.set("fault",
              Value::string("SEGMENTATION VIOLATION (SEG" + std::to_string(r.segment) + ")"));
    }
    results.push(std::move(row));
  }
  return withResults(std::move(results));
}

Value runPagingLinear(const YAML::Node& input) {
  std::vector<uint32_t> entries;
  for (const uint64_t e : asUintList(field(input, "ptes"), "ptes")) {
    if (e > 0xffffffffu) throw InputError("PTE " + std::to_string(e) + " exceeds 32 bits");
    entries.push_back(static_cast<uint32_t>(e));
  }
  const uint64_t asize = uintField(input, "asize");
  const uint64_t pageSize = uintField(input, "page_size");
  if (pageSize == 0 || entries.size() != asize / pageSize)
    throw InputError("'ptes' must hold asize/page_size entries");
  const os::LinearPageTable table(pageSize, std::move(entries));
  Value results = Value::array();
  for (const uint64_t va : virtualAddresses(input, asize)) {
    const os::LinearResult r = table.translate(va);
    Value row = Value::object();
    row.set("va", integer(r.va));
    row.set("vpn", integer(r.vpn));
    row.set("valid", Value::boolean(r.valid));
    if (r.valid) {
      row.set("pa", integer(r.pa));
    } else {
      row.set("fault", Value::string("invalid"));
    }
    results.push(std::move(row));
  }
  return withResults(std::move(results));
}

Value runPagingMultilevel(const YAML::Node& input) {
  const uint64_t pageSize = uintField(input, "page_size");
  const uint64_t pages = uintField(input, "num_phys_pages");
  const YAML::Node memory = field(input, "memory");
  if (!memory.IsSequence() || memory.size() != pages)
    throw InputError("'memory' must list num_phys_pages pages");
  std::vector<uint8_t> bytes;
  for (size_t p = 0; p < pages; ++p) {
    const std::string hex = asString(memory[p], "memory[" + std::to_string(p) + "]");
    if (hex.size() != 2 * pageSize)
      throw InputError("memory[" + std::to_string(p) + "] must hold " +
                       std::to_string(2 * pageSize) + " hex digits");
    for (size_t j = 0; j < pageSize; ++j) bytes.push_back(hexByte(hex, 2 * j, p));
  }
  const os::ByteImage image(std::move(bytes));
  const uint64_t vaBits = uintField(input, "va_bits");
  if (vaBits > 63) throw InputError("'va_bits' must be at most 63");
  const os::TwoLevelByteTable table(image, uintField(input, "pdbr"), pageSize,
                                    static_cast<unsigned>(vaBits));
  Value results = Value::array();
  for (const uint64_t va : virtualAddresses(input, 1ull << vaBits)) {
    const os::MultiLevelResult r = table.translate(va);
    Value row = Value::object();
    row.set("va", integer(r.va));
    row.set("pde_index", integer(r.pdeIndex));
    row.set("pde", integer(r.pde));
    row.set("pde_valid", integer(r.pdeValid ? 1 : 0));
    row.set("pde_pfn", integer(r.pdePfn));
    if (r.pteIndex) {
      row.set("pte_index", integer(*r.pteIndex));
      row.set("pte", integer(*r.pte));
      row.set("pte_valid", integer(*r.pteValid ? 1 : 0));
      row.set("pte_pfn", integer(*r.ptePfn));
    }
    const char* result = r.fault == os::TranslationFault::None               ? "ok"
                         : r.fault == os::TranslationFault::DirectoryInvalid ? "pde_fault"
                                                                             : "pte_fault";
    row.set("result", Value::string(result));
    if (r.pa) {
      row.set("pa", integer(*r.pa));
      row.set("value", integer(*r.value));
    }
    results.push(std::move(row));
  }
  return withResults(std::move(results));
}

}  // namespace vmsim::validate
