// Page-replacement policies (OSTEP ch. 22; paging-policy.py's victim and tie-break rules).
#include "vmsim/os/replacement_policies.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace vmsim::os {
namespace {

std::invalid_argument notResident(uint64_t page) {
  return std::invalid_argument("page " + std::to_string(page) + " is not resident");
}
std::invalid_argument alreadyResident(uint64_t page) {
  return std::invalid_argument("page " + std::to_string(page) + " is already resident");
}
std::logic_error nothingResident(const std::string& policy) {
  return std::logic_error(policy + ": no resident page to evict");
}

}  // namespace

// ---- LinkedResidents ----
void LinkedResidents::pushBack(uint64_t page) {
  if (contains(page)) throw alreadyResident(page);
  where_.emplace(page, order_.insert(order_.end(), page));
}

void LinkedResidents::moveToBack(uint64_t page) {
  const auto it = where_.find(page);
  if (it == where_.end()) throw notResident(page);
  order_.splice(order_.end(), order_, it->second);
}

void LinkedResidents::erase(uint64_t page) {
  const auto it = where_.find(page);
  if (it == where_.end()) throw notResident(page);
  order_.erase(it->second);
  where_.erase(it);
}

uint64_t LinkedResidents::front() const {
  if (order_.empty()) throw nothingResident("list");
  return order_.front();
}

uint64_t LinkedResidents::back() const {
  if (order_.empty()) throw nothingResident("list");
  return order_.back();
}

// ---- FIFO ----
void FifoPolicy::touch(uint64_t page) {
  if (!contains(page)) throw notResident(page);
}

// ---- Random ----
RandomPolicy::RandomPolicy(std::shared_ptr<DrawSource> draws) : draws_(std::move(draws)) {
  if (!draws_) throw std::invalid_argument("random policy needs a draw source");
}

void RandomPolicy::touch(uint64_t page) {
  if (!contains(page)) throw notResident(page);
}

uint64_t RandomPolicy::chooseVictim() {
  if (size() == 0) throw nothingResident(name());
  return pages_.at(draws_->draw(size()));
}

// ---- CLOCK (second chance) ----
void ClockPolicy::insert(uint64_t page) {
  if (contains(page)) throw alreadyResident(page);
  // Inserting before the hand makes the new page the last one the hand reaches.
  const auto it = ring_.insert(hand_, Slot{page, true});
  if (hand_ == ring_.end()) hand_ = it;
  where_.emplace(page, it);
}

void ClockPolicy::touch(uint64_t page) {
  const auto it = where_.find(page);
  if (it == where_.end()) throw notResident(page);
  it->second->referenced = true;
}

uint64_t ClockPolicy::chooseVictim() {
  if (ring_.empty()) throw nothingResident(name());
  while (hand_->referenced) {
    hand_->referenced = false;
    hand_ = next(hand_);
  }
  return hand_->page;
}

void ClockPolicy::remove(uint64_t page) {
  const auto it = where_.find(page);
  if (it == where_.end()) throw notResident(page);
  if (it->second == hand_) hand_ = ring_.size() == 1 ? ring_.end() : next(hand_);
  ring_.erase(it->second);
  where_.erase(it);
}

std::vector<uint64_t> ClockPolicy::residents() const {
  std::vector<uint64_t> out;
  if (ring_.empty()) return out;
  auto it = Ring::const_iterator(hand_);
  for (size_t i = 0; i < ring_.size(); ++i) {
    out.push_back(it->page);
    if (++it == ring_.end()) it = ring_.begin();
  }
  return out;
}

bool ClockPolicy::referenced(uint64_t page) const {
  const auto it = where_.find(page);
  if (it == where_.end()) throw notResident(page);
  return it->second->referenced;
}

// ---- OSTEP CLOCK ----
OstepClockPolicy::OstepClockPolicy(std::shared_ptr<DrawSource> draws, unsigned clockBits)
    : draws_(std::move(draws)), clockBits_(clockBits) {
  if (!draws_) throw std::invalid_argument("ostep-clock policy needs a draw source");
}

void OstepClockPolicy::insert(uint64_t page) {
  pages_.pushBack(page);
  counter_[page] = 1;  // a page without a counter gets 1, whatever clockBits is
}

void OstepClockPolicy::touch(uint64_t page) {
  const auto it = counter_.find(page);
  if (it == counter_.end()) throw notResident(page);
  it->second = std::min(it->second + 1, clockBits_);
}

uint64_t OstepClockPolicy::chooseVictim() {
  if (size() == 0) throw nothingResident(name());
  for (;;) {
    const uint64_t page = pages_.at(draws_->draw(size()));
    unsigned& c = counter_.at(page);
    if (c == 0) return page;
    --c;
  }
}

void OstepClockPolicy::remove(uint64_t page) {
  pages_.erase(page);
  counter_.erase(page);
}

unsigned OstepClockPolicy::counter(uint64_t page) const {
  const auto it = counter_.find(page);
  if (it == counter_.end()) throw notResident(page);
  return it->second;
}

// ---- OPT / UNOPT ----
ReferenceFuture::ReferenceFuture(const std::vector<uint64_t>& refs) : length_(refs.size()) {
  for (uint64_t t = 0; t < refs.size(); ++t) uses_[refs[t]].push_back(t);
}

uint64_t ReferenceFuture::access(uint64_t page) {
  const uint64_t t = now_++;
  const auto it = uses_.find(page);
  if (it == uses_.end()) return length_;
  const auto& uses = it->second;
  const auto after = std::upper_bound(uses.begin(), uses.end(), t);
  return after == uses.end() ? length_ : *after;
}

FuturePolicy::FuturePolicy(const std::vector<uint64_t>& refs, bool optimal)
    : optimal_(optimal), future_(refs) {}

void FuturePolicy::insert(uint64_t page) {
  if (contains(page)) throw alreadyResident(page);
  const Key k{future_.access(page), loads_++, page};
  byNextUse_.insert(k);
  key_.emplace(page, k);
  loadOrder_.pushBack(page);
}

void FuturePolicy::touch(uint64_t page) {
  const auto it = key_.find(page);
  if (it == key_.end()) throw notResident(page);
  byNextUse_.erase(it->second);
  it->second.nextUse = future_.access(page);
  byNextUse_.insert(it->second);
}

uint64_t FuturePolicy::chooseVictim() {
  if (byNextUse_.empty()) throw nothingResident(name());
  // OPT: furthest next use, ties to the latest load; UNOPT: soonest, ties to the earliest load.
  return optimal_ ? byNextUse_.rbegin()->page : byNextUse_.begin()->page;
}

void FuturePolicy::remove(uint64_t page) {
  const auto it = key_.find(page);
  if (it == key_.end()) throw notResident(page);
  byNextUse_.erase(it->second);
  key_.erase(it);
  loadOrder_.erase(page);
}

}  // namespace vmsim::os
