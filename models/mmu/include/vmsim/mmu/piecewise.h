// An access that crosses a translation boundary (a page, a segment bound) is performed piece by
// piece: each piece is translated and sent on by itself, and the payload is given back to the
// initiator as it came (address, data pointer, length), with the response status of the last
// piece. Shared by the radix and the textbook MMUs (b_transport, nb_transport and transport_dbg).
#pragma once

#include <tlm>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <cstdint>

#include "vmsim/common/extensions.h"

namespace vmsim::mmu {

/// Who issued `gp`: its VmAccess, or for a payload without one (a foreign initiator) a
/// kernel-privilege load or store of ASID 0.
inline VmAccess accessorOf(const tlm::tlm_generic_payload& gp) {
  if (const auto* a = gp.get_extension<VmAccess>()) return *a;
  VmAccess who;
  who.kind = gp.is_write() ? AccessKind::Store : AccessKind::Load;
  return who;
}

/// Ends `gp` with TLM_ADDRESS_ERROR_RESPONSE and fills its FaultExt, if it carries one (our
/// requesters pre-attach it; a foreign initiator only sees the error response).
inline void endWithFault(tlm::tlm_generic_payload& gp, FaultKind kind, uint64_t va,
                         const VmAccess& who) {
  gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  if (auto* f = gp.get_extension<FaultExt>()) {
    f->kind = kind;
    f->va = VirtAddr(va);
    f->asid = who.asid;
    f->access = who.kind;
  }
}

/// What translating one piece found: the fault that ends the access, or the physical address and
/// how many bytes from the piece's VA map contiguously from it.
struct PieceTranslation {
  FaultKind fault = FaultKind::None;
  uint64_t pa = 0;
  uint64_t contiguous = 0;
};

/// `translate(va)` -> PieceTranslation; `physical(gp)` performs one physical piece. Faults are
/// precise: every piece is translated before any byte moves, so an access that faults on a later
/// page changes nothing (and reads nothing). Returns the fault that ended the access (None if it
/// completed) and sets `faultVa` to the first byte whose translation failed.
template <class Translate, class Physical>
FaultKind accessPiecewise(tlm::tlm_generic_payload& gp, Translate&& translate, Physical&& physical,
                          uint64_t& faultVa) {
  struct Piece {
    uint64_t pa;
    unsigned offset, length;
  };
  const uint64_t va = gp.get_address();
  const unsigned len = gp.get_data_length();
  unsigned char* data = gp.get_data_ptr();
  // Most accesses are one piece, page-crossing ones two: no allocation for those.
  boost::container::small_vector<Piece, 4> pieces;
  uint64_t done = 0;
  while (done < len || (len == 0 && done == 0)) {
    const uint64_t cur = va + done;
    const PieceTranslation t = translate(cur);
    if (t.fault != FaultKind::None) {
      faultVa = cur;
      return t.fault;
    }
    const unsigned piece = static_cast<unsigned>(std::min<uint64_t>(len - done, t.contiguous));
    pieces.push_back({t.pa, static_cast<unsigned>(done), piece});
    if (piece == 0) break;
    done += piece;
  }
  for (const Piece& p : pieces) {
    gp.set_address(p.pa);
    gp.set_data_ptr(data + p.offset);
    gp.set_data_length(p.length);
    gp.set_streaming_width(p.length);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    physical(gp);
    if (!gp.is_response_ok()) break;
  }
  gp.set_address(va);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  return FaultKind::None;
}

/// The debug (transport_dbg) counterpart: page by page like accessPiecewise, each piece sent by
/// `send(gp)` -> bytes moved; stops at the first piece that does not translate or moves short.
/// Returns the bytes moved.
template <class Translate, class Send>
unsigned debugPiecewise(tlm::tlm_generic_payload& gp, Translate&& translate, Send&& send) {
  const uint64_t va = gp.get_address();
  const unsigned len = gp.get_data_length();
  unsigned char* data = gp.get_data_ptr();
  unsigned done = 0;
  while (done < len) {
    const PieceTranslation t = translate(va + done);
    if (t.fault != FaultKind::None) break;
    const unsigned piece = static_cast<unsigned>(std::min<uint64_t>(len - done, t.contiguous));
    gp.set_address(t.pa);
    gp.set_data_ptr(data + done);
    gp.set_data_length(piece);
    gp.set_streaming_width(piece);
    const unsigned n = send(gp);
    done += n;
    if (n < piece) break;
  }
  gp.set_address(va);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  return done;
}

}  // namespace vmsim::mmu
