// One walk down a radix page table, entry by entry: the rules that every reader of the tables
// shares (the hardware walker, the kernel's software-refill handler). The reader fetches each
// entry (with its own timing) and hands it to visit(); WalkPath classifies it, follows pointers
// and accumulates the permissions (x86: R/W and U/S ANDed, XD ORed over every level, Intel SDM
// Vol. 3A 4.6; RISC-V: the leaf's alone, since pointers decode as fully permissive).
#pragma once

#include <cstdint>

#include "vmsim/paging/format.h"

namespace vmsim::paging {

class WalkPath {
 public:
  enum class Step : uint8_t {
    Next,        // a pointer: table() is the next table
    Leaf,        // a leaf: shift(), frame() and the permissions are final
    NotPresent,  // a page fault the kernel may resolve
    Malformed,   // a reserved encoding or a misaligned superpage: mapping cannot resolve it
  };

  /// A walk of `va` that starts at the table at `table`, at any level (the root, or below a
  /// walk-cache hit whose path was fully permissive).
  WalkPath(const Format& f, uint64_t va, uint64_t table) : f_(f), va_(va), table_(table) {}

  /// Physical address of `va`'s entry in the current table at `level`.
  uint64_t entryAddr(unsigned level) const { return table_ + Format::entryOffset(va_, level); }

  /// Takes the entry `raw` read at entryAddr(level).
  Step visit(uint64_t raw, unsigned level) {
    const Check c = f_.check(raw, level);
    if (c == Check::NotPresent) return Step::NotPresent;
    if (c == Check::Reserved || c == Check::Misaligned) return Step::Malformed;
    last_ = f_.decode(raw, level);
    readable_ &= last_.readable;
    writable_ &= last_.writable;
    user_ &= last_.user;
    exec_ &= last_.exec;
    if (c == Check::Pointer) {
      table_ = last_.frame;
      return Step::Next;
    }
    shift_ = Format::leafShift(level);
    return Step::Leaf;
  }

  uint64_t table() const { return table_; }
  /// The last entry visited grants everything (a pointer a walk cache may hold: the walk below
  /// it then needs no permissions from above).
  bool lastPermissive() const {
    return last_.readable && last_.writable && last_.user && last_.exec;
  }
  // After Step::Leaf:
  unsigned shift() const { return shift_; }
  uint64_t pa() const { return last_.frame | (va_ & ((uint64_t{1} << shift_) - 1)); }
  bool global() const { return last_.global; }
  bool readable() const { return readable_; }
  bool writable() const { return writable_; }
  bool user() const { return user_; }
  bool exec() const { return exec_; }

 private:
  const Format& f_;
  uint64_t va_;
  uint64_t table_;
  Entry last_;
  unsigned shift_ = 0;
  bool readable_ = true, writable_ = true, user_ = true, exec_ = true;
};

}  // namespace vmsim::paging
