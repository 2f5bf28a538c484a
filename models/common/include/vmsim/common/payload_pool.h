// A pool of generic payloads implementing tlm_mm_interface, so initiators never allocate a
// payload per access (the memory-manager pattern of the TLM-2.0 LRM, section 14.5).
#pragma once

#include <tlm>

#include <cstddef>
#include <memory>
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

  /// Two pointers the pool's user may keep with each payload `gp` of this pool (its own
  /// extensions, found without a lookup); null in a new payload, kept while it is recycled.
  static void** userSlots(tlm::tlm_generic_payload& gp) {
    return static_cast<PooledPayload&>(gp).user;
  }

  size_t created() const { return all_.size(); }
  size_t available() const { return free_.size(); }

 private:
  // A payload that knows its own buffer, so free() needs no lookup (every payload whose memory
  // manager is this pool is one of these).
  struct PooledPayload : tlm::tlm_generic_payload {
    PooledPayload(tlm::tlm_mm_interface* mm, size_t bytes)
        : tlm::tlm_generic_payload(mm), buffer(new unsigned char[bytes]) {}
    std::unique_ptr<unsigned char[]> buffer;
    void* user[2] = {nullptr, nullptr};
  };
  size_t dataBytes_;
  std::vector<std::unique_ptr<PooledPayload>> all_;
  std::vector<PooledPayload*> free_;
};

}  // namespace vmsim
