// Page-replacement policies of real kernels (see kernel_policies.h and docs/os.md).
#include "vmsim/os/kernel_policies.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vmsim::os {
namespace {
[[noreturn]] void notResident(const char* policy, uint64_t page) {
  throw std::invalid_argument(std::string(policy) + ": page " + std::to_string(page) +
                              " is not resident");
}
void needsState(const char* policy) {
  throw std::logic_error(std::string(policy) + " reads page state: call chooseVictim(PageState&)");
}
}  // namespace

// --- PageRing --------------------------------------------------------------------------------

void PageRing::insert(uint64_t page) {
  if (where_.count(page)) throw std::invalid_argument("page already resident");
  // Just behind the hand: the last page the hand reaches.
  auto it = ring_.insert(hand_, page);
  where_[page] = it;
  if (hand_ == ring_.end()) hand_ = it;
}

void PageRing::remove(uint64_t page) {
  auto w = where_.find(page);
  if (w == where_.end()) throw std::invalid_argument("page not resident");
  auto it = w->second;
  if (hand_ == it) advance();
  if (hand_ == it) hand_ = ring_.end();  // it was the only page
  ring_.erase(it);
  where_.erase(w);
  if (ring_.empty()) hand_ = ring_.end();
}

void PageRing::advance() {
  if (ring_.empty()) return;
  if (++hand_ == ring_.end()) hand_ = ring_.begin();
}

std::vector<uint64_t> PageRing::inOrder() const {
  std::vector<uint64_t> v;
  v.reserve(ring_.size());
  if (ring_.empty()) return v;
  auto it = std::list<uint64_t>::const_iterator(hand_);
  for (size_t i = 0; i < ring_.size(); ++i) {
    v.push_back(*it);
    if (++it == ring_.end()) it = ring_.begin();
  }
  return v;
}

// --- nru (enhanced clock) --------------------------------------------------------------------

void NruPolicy::insert(uint64_t page) {
  ring_.insert(page);
  maybeClass0_[page] = true;
}

void NruPolicy::remove(uint64_t page) {
  ring_.remove(page);
  maybeClass0_.erase(page);
}

void NruPolicy::touch(uint64_t page) {
  if (!ring_.contains(page)) notResident("nru", page);  // the A bit records the use
}

uint64_t NruPolicy::chooseVictim() {
  needsState("nru");
  return 0;
}

uint64_t NruPolicy::chooseVictim(PageState& s) {
  if (ring_.size() == 0) throw std::logic_error("nru: nothing resident");
  const size_t n = ring_.size();
  for (int round = 0; round < 2; ++round) {
    // Pass 1: class 0 (not referenced, clean); nothing changes. The hardware only sets bits, so
    // a page seen referenced or dirty stays out of class 0 until the kernel clears its bit: its
    // PTE need not be read again.
    for (size_t i = 0; i < n; ++i) {
      const uint64_t p = ring_.atHand();
      bool& maybe = maybeClass0_[p];
      if (maybe) {
        ++pass1Reads_;
        const auto b = s.bits(p);
        if (!b.referenced && !b.dirty) return p;
        maybe = false;
      }
      ring_.advance();
    }
    // Pass 2: class 1 (not referenced, dirty), clearing the bits passed.
    for (size_t i = 0; i < n; ++i) {
      const uint64_t p = ring_.atHand();
      const auto b = s.bits(p);
      if (!b.referenced) return p;
      s.clearReferenced(p);
      if (!b.dirty) maybeClass0_[p] = true;  // class 0 now, unless used again
      ring_.advance();
    }
  }
  return ring_.atHand();  // (the bits were all cleared; used again meanwhile)
}

// --- wsclock ---------------------------------------------------------------------------------

void WsClockPolicy::insert(uint64_t page) {
  ring_.insert(page);
  lastUse_[page] = kUnseen;
}

void WsClockPolicy::touch(uint64_t page) {
  if (!ring_.contains(page)) notResident("wsclock", page);
}

void WsClockPolicy::remove(uint64_t page) {
  ring_.remove(page);
  lastUse_.erase(page);
}

uint64_t WsClockPolicy::chooseVictim() {
  needsState("wsclock");
  return 0;
}

uint64_t WsClockPolicy::chooseVictim(PageState& s) {
  if (ring_.size() == 0) throw std::logic_error("wsclock: nothing resident");
  const size_t n = ring_.size();
  unsigned writes = 0;
  bool haveScheduled = false, haveClean = false;
  uint64_t firstScheduled = 0, firstClean = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t p = ring_.atHand();
    const uint64_t now = s.virtualTimePs(p);
    const auto b = s.bits(p);
    uint64_t& last = lastUse_[p];
    if (b.referenced || last == kUnseen) {
      // In the working set: used since the hand last passed (or new).
      if (b.referenced) s.clearReferenced(p);
      last = now;
      ring_.advance();
      continue;
    }
    const bool old = now - std::min(now, last) > tauPs_;
    if (old && !b.dirty) return p;
    if (old && writes < maxWrites_ && s.startWriteback(p)) {
      ++writes;
      ++writes_;
      if (!haveScheduled) firstScheduled = p;
      haveScheduled = true;
    } else if (!b.dirty && !haveClean) {
      firstClean = p;
      haveClean = true;
    }
    ring_.advance();
  }
  // A full turn without an old clean page.
  if (haveScheduled) return firstScheduled;  // its write-back is under way: clean
  if (haveClean) return firstClean;          // every page in the working set: any clean one
  return ring_.atHand();                     // else the page under the hand (written back)
}

// --- linux -----------------------------------------------------------------------------------

uint32_t LinuxPolicy::Index::find(uint64_t page) const {
  if (slots_.empty()) return kNil;
  const size_t mask = slots_.size() - 1;
  for (size_t i = slotOf(page);; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.node == kNil) return kNil;
    if (s.page == page) return s.node;
  }
}

void LinuxPolicy::Index::grow() {
  std::vector<Slot> old = std::move(slots_);
  const size_t n = old.empty() ? 1024 : old.size() * 2;
  slots_.assign(n, Slot{0, kNil});
  shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(n));
  size_ = 0;
  for (const Slot& s : old) {
    if (s.node != kNil) put(s.page, s.node);
  }
}

void LinuxPolicy::Index::put(uint64_t page, uint32_t node) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // at most three quarters full
  const size_t mask = slots_.size() - 1;
  size_t i = slotOf(page);
  while (slots_[i].node != kNil && slots_[i].page != page) i = (i + 1) & mask;
  if (slots_[i].node == kNil) ++size_;
  slots_[i] = Slot{page, node};
}

bool LinuxPolicy::Index::add(uint64_t page, uint32_t node) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // as put()
  const size_t mask = slots_.size() - 1;
  size_t i = slotOf(page);
  while (slots_[i].node != kNil) {
    if (slots_[i].page == page) return false;
    i = (i + 1) & mask;
  }
  ++size_;
  slots_[i] = Slot{page, node};
  return true;
}

void LinuxPolicy::Index::erase(uint64_t page) {
  if (slots_.empty()) return;
  const size_t mask = slots_.size() - 1;
  size_t i = slotOf(page);
  while (slots_[i].node != kNil && slots_[i].page != page) i = (i + 1) & mask;
  if (slots_[i].node == kNil) return;
  --size_;
  // Backward-shift deletion: move later entries of the probe run into the hole when their home
  // slot does not lie (cyclically) after the hole.
  for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    if (slots_[j].node == kNil) break;
    const size_t home = slotOf(slots_[j].page);
    if (((j - home) & mask) >= ((j - i) & mask)) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i].node = kNil;
}

void LinuxPolicy::Index::clear() {
  for (Slot& s : slots_) s.node = kNil;
  size_ = 0;
}

uint32_t LinuxPolicy::nodeOf(uint64_t page) const {
  const uint32_t i = index_.find(page);
  if (i == kNil) notResident("linux", page);
  return i;
}

const LinuxPolicy::Node& LinuxPolicy::node(uint64_t page) const {
  return nodes_[nodeOf(page)];
}

void LinuxPolicy::unlink(uint32_t i) {
  Node& n = nodes_[i];
  List& l = listOf(n);
  (n.prev == kNil ? l.head : nodes_[n.prev].next) = n.next;
  (n.next == kNil ? l.tail : nodes_[n.next].prev) = n.prev;
  n.prev = n.next = kNil;
  --l.size;
}

void LinuxPolicy::pushHead(uint32_t i, bool toActive) {
  Node& n = nodes_[i];
  n.active = toActive;
  List& l = listOf(n);
  n.prev = kNil;
  n.next = l.head;
  (l.head == kNil ? l.tail : nodes_[l.head].prev) = i;
  l.head = i;
  ++l.size;
}

void LinuxPolicy::insert(uint64_t page) {
  // One probe of the index both rejects a resident page and places the new one (a fault's
  // insert), for the node the page is about to get.
  const bool reuse = !freeNodes_.empty();
  const uint32_t i = reuse ? freeNodes_.back() : static_cast<uint32_t>(nodes_.size());
  if (!index_.add(page, i)) throw std::invalid_argument("linux: page already resident");
  if (reuse) {
    freeNodes_.pop_back();
  } else {
    nodes_.emplace_back();
  }
  nodes_[i] = Node{page, kNil, kNil, false, false};
  pushHead(i, false);
}

void LinuxPolicy::moveToHead(uint32_t i, bool toActive) {
  unlink(i);
  pushHead(i, toActive);
}

void LinuxPolicy::touch(uint64_t page) {
  const uint32_t i = nodeOf(page);
  Node& p = nodes_[i];
  // folio_mark_accessed (mm/swap.c).
  if (!p.referenced) {
    p.referenced = true;
  } else if (!p.active) {
    moveToHead(i, true);
    ++activations_;
    nodes_[i].referenced = false;
  }
}

void LinuxPolicy::remove(uint64_t page) {
  const uint32_t i = nodeOf(page);
  unlink(i);
  index_.erase(page);
  freeNodes_.push_back(i);
}

void LinuxPolicy::clear() {
  // What remove() of each page leaves: empty lists and index, every node free. Which node a
  // later insert takes is not observable (the lists' links give the order).
  nodes_.clear();
  freeNodes_.clear();
  active_ = List{};
  inactive_ = List{};
  index_.clear();
}

bool LinuxPolicy::inactiveIsLow() const {
  const uint64_t inactive = inactive_.size, active = active_.size;
  const uint64_t gb = (inactive + active) >> (30 - 12);
  const uint64_t ratio =
      gb ? static_cast<uint64_t>(std::sqrt(static_cast<double>(10 * gb))) : 1;  // int_sqrt
  return inactive * ratio < active;
}

void LinuxPolicy::shrinkActive(PageState& s) {
  // shrink_active_list: the active tail to the inactive head, young bits cleared
  // (folio_referenced); an anonymous page is deactivated even if referenced. PG_referenced
  // stays, so a deactivated page used once more comes back at once.
  for (unsigned i = 0; i < batch_ && active_.size > 0; ++i) {
    const uint32_t n = active_.tail;
    const uint64_t page = nodes_[n].page;
    if (s.bits(page).referenced) s.clearReferenced(page);
    moveToHead(n, false);
    ++deactivations_;
  }
}

uint64_t LinuxPolicy::chooseVictim() {
  needsState("linux");
  return 0;
}

uint64_t LinuxPolicy::chooseVictim(PageState& s) {
  if (index_.size() == 0) throw std::logic_error("linux: nothing resident");
  // Each page is activated at most once and kept at most twice per call before it is reclaimed
  // or deactivated again; the bound only guards against pages used on every look.
  for (size_t tries = 4 * index_.size() + batch_; tries > 0; --tries) {
    if (inactive_.size == 0 || inactiveIsLow()) shrinkActive(s);
    const uint32_t n = inactive_.tail;
    const uint64_t page = nodes_[n].page;
    const bool ptes = s.bits(page).referenced;  // folio_referenced clears them
    if (ptes) s.clearReferenced(page);
    Node& p = nodes_[n];
    const bool marked = p.referenced;  // folio_test_clear_referenced
    p.referenced = false;
    if (!ptes) return page;  // FOLIOREF_RECLAIM
    p.referenced = true;     // folio_set_referenced
    if (marked) {
      moveToHead(n, true);  // FOLIOREF_ACTIVATE
      ++activations_;
    } else {
      moveToHead(n, false);  // FOLIOREF_KEEP
    }
  }
  return nodes_[inactive_.size == 0 ? active_.tail : inactive_.tail].page;
}

std::vector<uint64_t> LinuxPolicy::residents() const {
  std::vector<uint64_t> v;
  v.reserve(index_.size());
  for (uint32_t i = inactive_.tail; i != kNil; i = nodes_[i].prev) v.push_back(nodes_[i].page);
  for (uint32_t i = active_.tail; i != kNil; i = nodes_[i].prev) v.push_back(nodes_[i].page);
  return v;
}

// --- vms -------------------------------------------------------------------------------------

void VmsPolicy::insert(uint64_t page) {
  if (where_.count(page)) throw std::invalid_argument("vms: page already resident");
  auto& l = fifo_[pageKeyAsid(page)];
  l.push_back(page);
  where_[page] = std::prev(l.end());
}

void VmsPolicy::touch(uint64_t page) {
  if (!where_.count(page)) notResident("vms", page);  // FIFO: uses change nothing
}

void VmsPolicy::spare(uint64_t page) {
  auto w = where_.find(page);
  if (w == where_.end()) notResident("vms", page);
  auto& l = fifo_.at(pageKeyAsid(page));
  l.splice(l.end(), l, w->second);
}

void VmsPolicy::remove(uint64_t page) {
  auto w = where_.find(page);
  if (w == where_.end()) notResident("vms", page);
  auto f = fifo_.find(pageKeyAsid(page));
  f->second.erase(w->second);
  where_.erase(w);
  if (f->second.empty()) fifo_.erase(f);
}

size_t VmsPolicy::residentOf(uint32_t asid) const {
  auto f = fifo_.find(asid);
  return f == fifo_.end() ? 0 : f->second.size();
}

std::optional<uint64_t> VmsPolicy::localVictim(uint32_t asid) {
  auto f = fifo_.find(asid);
  if (limit_ == 0 || f == fifo_.end() || f->second.size() < limit_) return std::nullopt;
  return f->second.front();
}

uint64_t VmsPolicy::chooseVictim() {
  if (where_.empty()) throw std::logic_error("vms: nothing resident");
  const std::list<uint64_t>* largest = nullptr;
  for (const auto& [asid, l] : fifo_) {
    if (!largest || l.size() > largest->size()) largest = &l;  // ties: the lowest ASID
  }
  return largest->front();
}

std::vector<uint64_t> VmsPolicy::residents() const {
  std::vector<uint64_t> v;
  v.reserve(where_.size());
  for (const auto& [asid, l] : fifo_) v.insert(v.end(), l.begin(), l.end());
  return v;
}

// --- opt -------------------------------------------------------------------------------------

void KernelOptPolicy::setFuture(uint32_t asid, const std::vector<uint64_t>& vpns,
                                std::function<uint64_t()> completed) {
  Proc& p = procs_[asid];
  p.uses.clear();
  for (uint64_t i = 0; i < vpns.size(); ++i) p.uses[vpns[i]].push_back(i);
  p.completed = std::move(completed);
}

KernelOptPolicy::Proc& KernelOptPolicy::procOf(uint64_t page) {
  auto it = procs_.find(pageKeyAsid(page));
  if (it == procs_.end()) {
    throw std::logic_error("opt: process with ASID " + std::to_string(pageKeyAsid(page)) +
                           " has no future reference string (opt runs trace workloads only)");
  }
  return it->second;
}

uint64_t KernelOptPolicy::firstUseFrom(const Proc& p, uint64_t vpn, uint64_t from) {
  auto u = p.uses.find(vpn);
  if (u == p.uses.end()) return kNever;
  auto it = std::lower_bound(u->second.begin(), u->second.end(), from);
  return it == u->second.end() ? kNever : *it;
}

void KernelOptPolicy::insert(uint64_t page) {
  if (next_.count(page)) throw std::invalid_argument("opt: page already resident");
  Proc& p = procOf(page);
  // The next use from the completed prefix on: the access that brought the page in while it is
  // still in flight (with one access at a time, the next one after it). A page set aside and
  // put back while an access holds it gets the same.
  const uint64_t next = firstUseFrom(p, pageKeyVpn(page), p.completed());
  p.byNext.emplace(next, page);
  next_[page] = next;
}

void KernelOptPolicy::touch(uint64_t page) {
  if (!next_.count(page)) notResident("opt", page);  // next uses follow the position anyway
}

void KernelOptPolicy::remove(uint64_t page) {
  auto it = next_.find(page);
  if (it == next_.end()) notResident("opt", page);
  procOf(page).byNext.erase({it->second, page});
  next_.erase(it);
}

uint64_t KernelOptPolicy::chooseVictim() {
  if (next_.empty()) throw std::logic_error("opt: nothing resident");
  bool have = false;
  uint64_t best = 0, bestDistance = 0;
  for (auto& [asid, p] : procs_) {
    if (p.byNext.empty()) continue;
    const uint64_t pos = p.completed();
    // Pages whose next use the process has completed were used then: their next use moves on.
    while (p.byNext.begin()->first < pos) {
      const uint64_t page = p.byNext.begin()->second;
      p.byNext.erase(p.byNext.begin());
      const uint64_t n = firstUseFrom(p, pageKeyVpn(page), pos);
      p.byNext.emplace(n, page);
      next_[page] = n;
    }
    const auto& [next, page] = *p.byNext.rbegin();
    const uint64_t distance = next == kNever ? kNever : next - pos;
    if (!have || distance > bestDistance) {
      have = true;
      best = page;
      bestDistance = distance;
    }
  }
  return best;
}

std::vector<uint64_t> KernelOptPolicy::residents() const {
  std::vector<uint64_t> v;
  for (const auto& [asid, p] : procs_) {
    for (const auto& [n, page] : p.byNext) v.push_back(page);
  }
  return v;
}

// --- factory ---------------------------------------------------------------------------------

std::vector<std::string> kernelPolicyNames() {
  return {"nru", "wsclock", "vms", "linux"};
}

std::unique_ptr<ReplacementPolicy> makeKernelPolicy(const std::string& name,
                                                    const KernelPolicyOptions& o) {
  if (name == "nru") return std::make_unique<NruPolicy>();
  if (name == "wsclock") return std::make_unique<WsClockPolicy>(o.wsclockTauPs, o.wsclockMaxWrites);
  if (name == "vms") return std::make_unique<VmsPolicy>(o.vmsResidentLimit);
  if (name == "linux") return std::make_unique<LinuxPolicy>(o.linuxScanBatch);
  throw std::invalid_argument("unknown kernel replacement policy '" + name + "'");
}

}  // namespace vmsim::os
