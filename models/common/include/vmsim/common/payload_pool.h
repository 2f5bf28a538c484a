// A pool of generic payloads implementing tlm_mm_interface, so initiators never allocate a
// payload per access (the memory-manager pattern of the TLM-2.0 LRM, section 14.5).
#pragma once

#include <tlm>

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

namespace vmsim {

class PayloadPool : public tlm::tlm_mm_interface {
 public:
  explicit PayloadPool(size_t dataBytes = 64) : dataBytes_(dataBytes) {}
  ~PayloadPool() override;
  PayloadPool(const PayloadPool&) = delete;
  PayloadPool& operator=(const PayloadPool&) = delete;

  /// A payload with reference count 1 (acquired) whose data pointer is the pool's own buffer of
  /// `dataBytes`. Extensions attached by earlier users stay attached (sticky, reused).
  tlm::tlm_generic_payload* allocate();
  void free(tlm::tlm_generic_payload* p) override;

  size_t created() const { return all_.size(); }
  size_t available() const { return free_.size(); }

 private:
  struct Slot {
    std::unique_ptr<tlm::tlm_generic_payload> gp;
    std::unique_ptr<unsigned char[]> data;
  };
  size_t dataBytes_;
  std::vector<Slot> all_;
  std::vector<tlm::tlm_generic_payload*> free_;
  std::unordered_map<tlm::tlm_generic_payload*, unsigned char*> buffers_;
};

}  // namespace vmsim
