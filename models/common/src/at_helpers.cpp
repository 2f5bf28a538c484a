// 4-phase base-protocol helpers: target front end with worker threads, blocking initiator port.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "vmsim/common/at_helpers.h"

#include <algorithm>

namespace vmsim {

AtScheduler* AtScheduler::inst_ = nullptr;

AtScheduler& AtScheduler::make() {
  // One per simulation context; never destroyed (its method and event belong to the kernel).
  inst_ = new AtScheduler();
  return *inst_;
}

AtScheduler::AtScheduler() : sim_(sc_core::sc_get_curr_simcontext()) {
  buckets_.reserve(64);
  sc_core::sc_spawn_options o;
  o.spawn_method();
  o.set_sensitivity(&wake_);
  o.dont_initialize();
  sc_core::sc_spawn([this] { run(); }, sc_core::sc_gen_unique_name("vmsim_at_scheduler"), &o);
}

AtScheduler::Bucket& AtScheduler::addBucket(size_t at, const sc_core::sc_time& when) {
  Bucket* b = nullptr;
  if (spare_.empty()) {
    b = all_.emplace_back(std::make_unique<Bucket>()).get();
    b->steps.reserve(16);
  } else {
    b = spare_.back();
    spare_.pop_back();
  }
  b->time = when;
  buckets_.insert(buckets_.begin() + static_cast<std::ptrdiff_t>(at), b);
  if (!running_ && (!armed_ || when < armedAt_)) {  // (while running, run() arms it at its end)
    armed_ = true;
    armedAt_ = when;
    const sc_core::sc_time& now = sim_->time_stamp();
    // A later notification is replaced by an earlier one.
    wake_.notify(when <= now ? sc_core::SC_ZERO_TIME : when - now);
  }
  return *b;
}

void AtScheduler::run() {
  const sc_core::sc_time now = sim_->time_stamp();
  armed_ = false;
  running_ = true;
  // The bucket of this instant, in posting order; steps posted for this instant while it runs
  // join its end (after every step posted before them).
  while (!buckets_.empty() && buckets_.back()->time <= now) {
    Bucket* b = buckets_.back();
    for (size_t i = 0; i < b->steps.size(); ++i) {
      const Step s = b->steps[i];
      s.client->atStep(s.arg, s.code);
    }
    b->steps.clear();
    buckets_.pop_back();  // still the last: later buckets were inserted before it
    spare_.push_back(b);
  }
  running_ = false;
  if (!buckets_.empty()) {
    armed_ = true;
    armedAt_ = buckets_.back()->time;
    wake_.notify(armedAt_ - now);
  }
}

AtTargetFrontEnd::AtTargetFrontEnd(unsigned workers, NbCall backward, Process process)
    : AtTargetFrontEnd(
          workers,
          [bw = std::move(backward)](int, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& t) { return bw(gp, ph, t); },
          std::move(process)) {}

AtTargetFrontEnd::AtTargetFrontEnd(unsigned workers, TaggedCall backward, Process process)
    : workers_(workers), backward_(std::move(backward)), process_(std::move(process)) {
  // At most one transaction beyond the workers waits (its END_REQ is owed: request exclusion).
  queue_.resize(workers_ + 2);
  pool_.reserve(workers_);
  reserve_.reserve(workers_);
  for (unsigned i = 0; i < workers_; ++i) {
    Worker* w = pool_.emplace_back(std::make_unique<Worker>()).get();
    sc_core::sc_spawn([this, w] { worker(*w); }, sc_core::sc_gen_unique_name("at_worker"));
  }
}

tlm::tlm_sync_enum AtTargetFrontEnd::forwardRest(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                                 sc_core::sc_time& delay, int tag) {
  if (ph == tlm::BEGIN_REQ) {
    if (gp.has_mm()) gp.acquire();
    return queueRequest(gp, ph, delay, tag);
  }
  if (ph == tlm::END_RESP) {
    respBusy_ = false;
    if (respWaiting_) respFree_.notify(sc_core::SC_ZERO_TIME);
    if (gp.has_mm()) gp.release();
    if (respHead_ < respQueue_.size() && !resumePosted_) {
      resumePosted_ = true;  // the next response goes from a step, not from inside this call
      sched_->post(sc_core::SC_ZERO_TIME, this, nullptr, 0);
    }
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR("vmsim/at", "unexpected phase on nb_transport_fw");
  return tlm::TLM_COMPLETED;
}

tlm::tlm_sync_enum AtTargetFrontEnd::queueRequest(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                                  sc_core::sc_time& delay, int tag) {
  if (count_ == queue_.size()) {  // more than the protocol allows in flight: grow (never shrinks)
    std::vector<Job> bigger(queue_.size() * 2);
    for (size_t i = 0; i < count_; ++i) bigger[i] = queue_[(head_ + i) % queue_.size()];
    queue_ = std::move(bigger);
    head_ = 0;
  }
  queue_[(head_ + count_++) % queue_.size()] = Job{&gp, Reply{tag}};
  queued_.notify(delay);
  topUpReady();
  if (busy_++ < workers_) {
    ph = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }
  endReqOwed_ = &gp;
  return tlm::TLM_ACCEPTED;
}

namespace {
// Transactions that may arrive after queued_'s notification has triggered and before the block
// of ready workers has run (each wakes one more ready worker than it needs).
constexpr unsigned kSlack = 1;
}  // namespace

void AtTargetFrontEnd::topUpReady() {
  // A reserve worker woken now runs in this evaluation phase, before queued_'s delta
  // notification triggers, and joins the ready set without taking anything.
  while (ready_ + readyPromised_ < count_ + kSlack && !reserve_.empty()) {
    Worker* w = reserve_.back();
    reserve_.pop_back();
    ++readyPromised_;
    w->wake.notify();
  }
}

void AtTargetFrontEnd::worker(Worker& w) {
  bool promised = false;  // woken from the reserve to join the ready set
  while (true) {
    if (promised) {
      promised = false;
      --readyPromised_;
      ++ready_;
      sc_core::wait(queued_);
      --ready_;
    }
    while (count_ == 0 || inService_ >= workers_) {
      // Idle. Ready while the ready set is short (counting one for the next arrival, so that
      // steady traffic needs no reserve worker woken), else in reserve. A queued transaction
      // waits while `workers_` are in service, threads and state-machine path together (the
      // latter occupy no thread): the one beyond the bound, whose END_REQ is owed.
      if (ready_ + readyPromised_ < count_ + 1 + kSlack) {
        ++ready_;
        sc_core::wait(queued_);
        --ready_;
      } else {
        reserve_.push_back(&w);
        sc_core::wait(w.wake);
        promised = true;
        break;
      }
    }
    if (promised) continue;
    w.job = queue_[head_];
    head_ = (head_ + 1) % queue_.size();
    --count_;
    if (w.job.gp == endReqOwed_) {
      endReqOwed_ = nullptr;
      tlm::tlm_phase ph = tlm::END_REQ;
      sc_core::sc_time t = sc_core::SC_ZERO_TIME;
      backward(w.job, ph, t);
    }
    ++inService_;
    process_(*w.job.gp);
    respond(w.job);
    --inService_;
    --busy_;
  }
}

void AtTargetFrontEnd::respond(const Job& j) {
  while (respBusy_) {
    ++respWaiting_;
    sc_core::wait(respFree_);
    --respWaiting_;
  }
  respBusy_ = true;
  tlm::tlm_phase ph = tlm::BEGIN_RESP;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  tlm::tlm_generic_payload& gp = *j.gp;
  const auto s = backward(j, ph, t);
  if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
    respBusy_ = false;
    // Nobody to wake: a worker that wants the channel later finds it free, or waits for the
    // next response's end, which notifies again.
    if (respWaiting_) respFree_.notify(sc_core::SC_ZERO_TIME);
    if (gp.has_mm()) gp.release();
  }
}

void AtTargetFrontEnd::sendResponse(const Job& j) {
  respBusy_ = true;
  tlm::tlm_phase ph = tlm::BEGIN_RESP;
  tlm::tlm_generic_payload& gp = *j.gp;
  tlm::tlm_sync_enum s = tlm::TLM_COMPLETED;
  if (j.reply.up) {
    j.reply.up->directAtResponse(gp, j.reply.arg);  // BEGIN_RESP, answered TLM_COMPLETED
  } else {
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    s = backward(j, ph, t);
  }
  --busy_;
  // A state-machine transaction is answered: a slot is free for a queued one (a worker that
  // finishes takes the next itself).
  if (inService_-- == workers_ && count_ > 0) queued_.notify(sc_core::SC_ZERO_TIME);
  if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
    respBusy_ = false;
    if (respWaiting_) respFree_.notify(sc_core::SC_ZERO_TIME);
    if (gp.has_mm()) gp.release();
  }
}

void AtTargetFrontEnd::sendQueuedResponses() {
  resumePosted_ = false;
  while (!respBusy_ && respHead_ < respQueue_.size()) sendResponse(respQueue_[respHead_++]);
  if (respHead_ == respQueue_.size()) {
    respQueue_.clear();
    respHead_ = 0;
  }
}

void AtInitiatorPort::releaseRequest(const sc_core::sc_time& when) {
  reqBusy_ = false;
  reqOwner_ = nullptr;
  // END_REQ's time: send() issues nothing before it (request exclusion on the time line).
  reqFreeAt_ = sim_->time_stamp() + when;
  if (reqWaiting_) reqFree_.notify(when);
  if (sendHead_ < sends_.size() && !issuePosted_ && !issuing_) {
    issuePosted_ = true;
    sched_->post(when, this, nullptr, 0);
  }
}

void AtInitiatorPort::atStep(void*, uintptr_t) {
  issuePosted_ = false;
  issueSends();
}

void AtInitiatorPort::send(tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay, AtClient* c,
                           void* arg, uintptr_t code, bool inCall) {
  const sc_core::sc_time& now = sim_->time_stamp();
  const Send x{&gp, c, arg, code, now + delay, inCall};
  const bool first = sendHead_ == sends_.size();
  if (!first || reqBusy_ || now < reqFreeAt_) {
    sends_.push_back(x);
    if (first) issueSends();  // the first in line: when the channel frees
    return;
  }
  // The first in line and the channel free: issueSends() for it, without the line.
  issuing_ = true;
  issue(x, now);
  issuing_ = false;
  if (!reqBusy_ && sendHead_ < sends_.size()) issueSends();  // sent while it was issued
}

void AtInitiatorPort::issueSends() {
  const sc_core::sc_time& now = sim_->time_stamp();
  issuing_ = true;
  while (!reqBusy_ && sendHead_ < sends_.size()) {
    if (now < reqFreeAt_) {  // the last request's END_REQ is later: the next goes then
      if (!issuePosted_) {
        issuePosted_ = true;
        sched_->postAt(reqFreeAt_, this, nullptr, 0);
      }
      break;
    }
    const Send x = sends_[sendHead_];
    if (++sendHead_ == sends_.size()) {
      sends_.clear();
      sendHead_ = 0;
    }
    issue(x, now);
  }
  issuing_ = false;
}

void AtInitiatorPort::issue(const Send& x, const sc_core::sc_time& now) {
  reqBusy_ = true;
  reqOwner_ = x.gp;
  waiting_.push_back({x.gp, nullptr, x.client, x.arg, x.code, x.inCall});
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  // Its time, annotated (the request channel was free before it).
  sc_core::sc_time t = x.when > now ? x.when - now : sc_core::SC_ZERO_TIME;
  const auto s = forward_(*x.gp, ph, t);
  bool responded = s == tlm::TLM_COMPLETED;
  if (s == tlm::TLM_UPDATED && ph == tlm::BEGIN_RESP) {
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time z = sc_core::SC_ZERO_TIME;
    forward_(*x.gp, end, z);
    responded = true;
  }
  if (responded || (s == tlm::TLM_UPDATED && ph == tlm::END_REQ)) releaseRequest(t);
  if (responded) {
    const auto it = std::find_if(waiting_.begin(), waiting_.end(),
                                 [&](const Waiting& w) { return w.gp == x.gp; });
    if (it != waiting_.end()) {
      *it = waiting_.back();
      waiting_.pop_back();
    }
    sched_->post(t, x.client, x.arg, x.code);
  }
}

void AtInitiatorPort::transact(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  for (;;) {
    if (reqBusy_) {
      ++reqWaiting_;
      sc_core::wait(reqFree_);
      --reqWaiting_;
    } else if (sim_->time_stamp() < reqFreeAt_) {  // the last END_REQ is still ahead
      sc_core::wait(reqFreeAt_ - sim_->time_stamp());
    } else {
      break;
    }
  }
  reqBusy_ = true;
  reqOwner_ = &gp;
  if (idleEvents_.empty()) {
    events_.push_back(std::make_unique<sc_core::sc_event>());
    idleEvents_.push_back(events_.back().get());
  }
  sc_core::sc_event& done = *idleEvents_.back();
  idleEvents_.pop_back();
  waiting_.push_back({&gp, &done});
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  const auto s = forward_(gp, ph, t);
  bool responded = s == tlm::TLM_COMPLETED;
  if (s == tlm::TLM_UPDATED && ph == tlm::BEGIN_RESP) {
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time z = sc_core::SC_ZERO_TIME;
    forward_(gp, end, z);
    responded = true;
  }
  if (responded || (s == tlm::TLM_UPDATED && ph == tlm::END_REQ)) releaseRequest(t);
  if (responded) {
    const auto it = std::find_if(waiting_.begin(), waiting_.end(),
                                 [&](const Waiting& w) { return w.gp == &gp; });
    if (it != waiting_.end()) waiting_.erase(it);
    idleEvents_.push_back(&done);
    sc_core::wait(t);
  } else {
    sc_core::wait(done);
    idleEvents_.push_back(&done);
  }
}

tlm::tlm_sync_enum AtInitiatorPort::backward(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                             sc_core::sc_time& delay) {
  if (reqOwner_ == &gp && (ph == tlm::END_REQ || ph == tlm::BEGIN_RESP)) releaseRequest(delay);
  if (ph == tlm::BEGIN_RESP) {
    const auto it = std::find_if(waiting_.begin(), waiting_.end(),
                                 [&](const Waiting& w) { return w.gp == &gp; });
    if (it != waiting_.end()) {
      if (it->done) {
        it->done->notify(delay);
      } else if (it->inCall && delay == sc_core::SC_ZERO_TIME) {
        AtClient* c = it->client;
        void* arg = it->arg;
        const uintptr_t code = it->code;
        *it = waiting_.back();
        waiting_.pop_back();
        c->atStep(arg, code);  // the response is handled on arrival
        return tlm::TLM_COMPLETED;
      } else {
        sched_->post(delay, it->client, it->arg, it->code);
      }
      // Order does not matter: swap the last entry into the hole.
      *it = waiting_.back();
      waiting_.pop_back();
    }
    return tlm::TLM_COMPLETED;  // END_RESP implied
  }
  return tlm::TLM_ACCEPTED;
}

}  // namespace vmsim
