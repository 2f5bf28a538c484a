// A target socket for any number of initiators, as tlm_utils::multi_passthrough_target_socket
// (callbacks take the index of the initiator's binding; operator[] gives that initiator's
// backward interface), without its binder and functor layers: each binding's forward interface
// calls the module's callback directly, so a hop is one virtual call and one call through a
// member pointer instead of a virtual thunk, a functor check, a static trampoline and the member
// pointer. On the LT hit path every access makes several such hops (MMU -> L1 cache, cache ->
// router for the data bytes).
//
// Initiator sockets bind to it directly (simple, tagged or multi initiator sockets; each bind is
// one index, in bind order; a multi initiator finds the binding's interface through
// multi_to_multi_bind_base, as with a multi_passthrough_target_socket). Hierarchical binding of
// another target socket to this one is not supported (it would route every initiator to index 0):
// reported as an error.
#pragma once

#include <tlm_utils/multi_socket_bases.h>
#include <tlm>

#include <memory>
#include <vector>

#include "vmsim/common/extensions.h"

namespace vmsim {

/// An LT target that an initiator may call directly instead of through its initiator socket:
/// the call is the target's b_transport, the same call with the same arguments, minus the
/// socket hop (an sc_port indirection and the socket's forwarding layer). A platform connects
/// it only where that initiator's socket is bound to that target (Requester -> Mmu, Mmu -> its
/// L1 data cache: docs/lt-hit-path.md); the socket stays bound and carries everything else.
class DirectTransport {
 public:
  virtual ~DirectTransport() = default;
  virtual void directTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) = 0;
  /// directTransport() of one of vmsim's own program accesses, whose issuer comes as a plain
  /// value: `who` is the VmAccess attached to `gp`, and `gp` carries none of the extensions that
  /// mark a model's own traffic (TimingOnlyExt, PageTableAccessExt, a cache's CacheReqExt;
  /// FaultExt may ride along). The target takes the access's kind from `who` instead of looking
  /// its extensions up; everything else, results included, is what directTransport() does
  /// (docs/lt-hit-path.md). Default: directTransport().
  virtual void directAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay,
                            const VmAccess& who) {
    (void)who;
    directTransport(gp, delay);
  }
};

/// The AT counterpart of DirectTransport, initiator side: the backward path of an initiator that
/// calls a DirectAtTarget. Its directNbTransportBw is what its initiator socket's nb_transport_bw
/// does (the callback that socket registered), minus the socket hop.
class DirectAtInitiator {
 public:
  virtual tlm::tlm_sync_enum directNbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                                 sc_core::sc_time& delay) = 0;
  /// The response of a transaction its target took on its state-machine path from a direct
  /// call that named `arg` (DirectAtTarget::directAtStart, or directNbTransportFw where the
  /// target passes it on): what directNbTransportBw with BEGIN_RESP and no delay does, the
  /// initiator answering TLM_COMPLETED (END_RESP implied), minus finding the transaction from
  /// the payload.
  virtual void directAtResponse(tlm::tlm_generic_payload& gp, void* arg) = 0;

 protected:
  ~DirectAtInitiator() = default;
};

/// The AT counterpart of DirectTransport, target side (docs/timed-path.md, "Direct AT hops"):
/// directNbTransportFw is nb_transport_fw on the target socket that `up`'s initiator socket is
/// bound to, minus the socket hop, and the target sends the backward calls of that transaction
/// (END_REQ, BEGIN_RESP) to `up` directly, which is where its socket's nb_transport_bw would
/// have taken them; a BEGIN_RESP may come as `up.directAtResponse(gp, nullptr)` instead, so an
/// initiator that calls a DirectAtTarget takes every response as complete (END_RESP implied, as
/// all of vmsim's do). `who`: the VmAccess attached to `gp`, for a program access (else nullptr),
/// so that the target need not look it up. A platform connects it only where the initiator
/// socket is bound to that target (with DirectTransport); the sockets stay bound for everything
/// else.
class DirectAtTarget {
 public:
  virtual tlm::tlm_sync_enum directNbTransportFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                                 sc_core::sc_time& delay, DirectAtInitiator& up,
                                                 const VmAccess* who) = 0;
  /// BEGIN_REQ of `gp` with `delay` annotated, only if the target serves it on its state-machine
  /// path now: it then answers END_REQ at once (the delay unchanged) and sends the response as
  /// `up.directAtResponse(gp, arg)`. False: nothing happened; the initiator sends the request
  /// through directNbTransportFw or its socket. Default: false.
  virtual bool directAtStart(tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay,
                             DirectAtInitiator& up, void* arg, const VmAccess* who) {
    (void)gp;
    (void)delay;
    (void)up;
    (void)arg;
    (void)who;
    return false;
  }

 protected:
  ~DirectAtTarget() = default;
};

/// The VmAccess of the direct AT call in progress (DirectAtTarget's `who`), kept for the one
/// payload it belongs to: a module that hands it on or reads it further down its own call (the
/// MMU to its L1D, a cache's startAt) asks for it by payload, so another transaction sent or
/// started meanwhile carries none and is classified from its extensions as before.
class DirectWho {
 public:
  void set(const tlm::tlm_generic_payload& gp, const VmAccess* who) {
    gp_ = who ? &gp : nullptr;
    who_ = who;
  }
  void clear() { gp_ = nullptr; }
  /// `gp`'s VmAccess if the call in progress is `gp`'s and carried one, else nullptr.
  const VmAccess* of(const tlm::tlm_generic_payload& gp) const {
    return &gp == gp_ ? who_ : nullptr;
  }

 private:
  const tlm::tlm_generic_payload* gp_ = nullptr;
  const VmAccess* who_ = nullptr;
};

/// An LT target that takes a model's own timing-only access as plain values: what its
/// b_transport does with a payload of `len` (> 0) bytes at `addr`, a read or a write, carrying
/// TimingOnlyExt (and PageTableAccessExt when `pageTable`), no VmAccess and no byte enables,
/// minus building and decoding that payload. The walker's PTE reads and A/D writes and the
/// kernel's timed table accesses on the direct path (docs/direct-memory.md) use it; a platform
/// connects it only where that model's socket is bound to that target.
class TimingOnlyTransport {
 public:
  virtual ~TimingOnlyTransport() = default;
  /// True if the access completed with TLM_OK_RESPONSE.
  virtual bool timingOnlyTransport(uint64_t addr, unsigned len, bool write, bool pageTable,
                                   sc_core::sc_time& delay) = 0;
};

template <class M>
class DirectMultiTargetSocket
    : public tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 0,
                                    sc_core::SC_ONE_OR_MORE_BOUND>,
      public tlm_utils::multi_to_multi_bind_base<tlm::tlm_base_protocol_types> {
  using Base =
      tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 0, sc_core::SC_ONE_OR_MORE_BOUND>;
  using Gp = tlm::tlm_generic_payload;

 public:
  using BCb = void (M::*)(int, Gp&, sc_core::sc_time&);
  using NbCb = tlm::tlm_sync_enum (M::*)(int, Gp&, tlm::tlm_phase&, sc_core::sc_time&);
  using DbgCb = unsigned int (M::*)(int, Gp&);
  using DmiCb = bool (M::*)(int, Gp&, tlm::tlm_dmi&);

  explicit DirectMultiTargetSocket(const char* name) : Base(name) {
    // The export must be bound: to the first binding's forward interface, handed out by the
    // first get_base_interface().
    ports_.push_back(std::make_unique<Port>(this, 0));
    Base::bind(static_cast<tlm::tlm_fw_transport_if<>&>(*ports_.front()));
  }

  void register_b_transport(M* m, BCb f) {
    mod_ = m;
    b_ = f;
  }
  void register_nb_transport_fw(M* m, NbCb f) {
    mod_ = m;
    nb_ = f;
  }
  void register_transport_dbg(M* m, DbgCb f) {
    mod_ = m;
    dbg_ = f;
  }
  void register_get_direct_mem_ptr(M* m, DmiCb f) {
    mod_ = m;
    dmi_ = f;
  }

  /// Each initiator socket binding asks for the forward interface once: a new index.
  tlm::tlm_fw_transport_if<>& get_base_interface() override {
    if (!firstTaken_) {
      firstTaken_ = true;
      return *ports_.front();
    }
    ports_.push_back(std::make_unique<Port>(this, static_cast<int>(ports_.size())));
    return *ports_.back();
  }
  const tlm::tlm_fw_transport_if<>& get_base_interface() const override { return *ports_.front(); }

  void bind(typename Base::base_initiator_socket_type& s) override { Base::bind(s); }
  void bind(typename Base::base_type&) override {
    SC_REPORT_ERROR(this->name(), "DirectMultiTargetSocket: hierarchical binding not supported");
  }
  void bind(tlm::tlm_fw_transport_if<>&) override {
    SC_REPORT_ERROR(this->name(), "DirectMultiTargetSocket: binding an interface not supported");
  }
  void operator()(typename Base::base_initiator_socket_type& s) { bind(s); }

  /// A multi initiator socket's bind (after get_base_interface()): the interface it calls.
  tlm::tlm_fw_transport_if<>* get_last_binder(tlm::tlm_bw_transport_if<>*) override {
    return ports_.back().get();
  }

  /// The backward interface of the initiator bound as index `i` (valid after elaboration).
  tlm::tlm_bw_transport_if<>* operator[](int i) { return Base::operator[](i); }
  /// Bindings made (1 when unbound, as multi_passthrough_target_socket counts its first binder).
  unsigned int size() const { return static_cast<unsigned int>(ports_.size()); }

 private:
  struct Port final : tlm::tlm_fw_transport_if<> {
    Port(DirectMultiTargetSocket* s, int i) : sock(s), id(i) {}
    // Every call through a member pointer takes its object and its member pointer from locals:
    // `(sock->mod_->*sock->b_)(...)` is miscompiled by GCC 12.2 with -fsanitize=vptr (part of
    // -fsanitize=undefined, the scripts/sanitize.sh build): the instrumented call evaluates
    // `sock` once, inside the branch for a virtual member pointer only, and the branch for a
    // non-virtual one (every callback here) then reads `sock` from a callee-saved register the
    // function never set, i.e. whatever its caller left there. That read the router's "socket"
    // from backing-store memory once the kernel's direct path left a page pointer in the
    // register (docs/direct-memory.md, "The sanitizer reports of 2026-12-01"). Locals have no
    // such hidden temporary;
    // DirectSocket.CallbacksReachTheirModuleWithCalleeSavedRegistersClobbered fails under the
    // sanitizers with the old form.
    void b_transport(Gp& gp, sc_core::sc_time& t) override {
      const BCb f = sock->b_;
      M* const m = sock->mod_;
      if (!f) return missing("b_transport");
      (m->*f)(id, gp, t);
    }
    tlm::tlm_sync_enum nb_transport_fw(Gp& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) override {
      const NbCb f = sock->nb_;
      M* const m = sock->mod_;
      if (f) return (m->*f)(id, gp, ph, t);
      missing("nb_transport_fw");
      return tlm::TLM_COMPLETED;
    }
    unsigned int transport_dbg(Gp& gp) override {
      const DbgCb f = sock->dbg_;
      M* const m = sock->mod_;
      if (f) return (m->*f)(id, gp);
      return 0;  // as multi_passthrough_target_socket: no debug access without a callback
    }
    bool get_direct_mem_ptr(Gp& gp, tlm::tlm_dmi& dmi) override {
      const DmiCb f = sock->dmi_;
      M* const m = sock->mod_;
      if (f) return (m->*f)(id, gp, dmi);
      dmi.allow_read_write();  // as multi_passthrough_target_socket: all of memory, no access
      dmi.set_start_address(0);
      dmi.set_end_address(~sc_dt::uint64(0));
      return false;
    }
    void missing(const char* what) const {
      SC_REPORT_ERROR(sock->name(),
                      (std::string(what) + " called, but no callback is registered").c_str());
    }
    DirectMultiTargetSocket* sock;
    int id;
  };

  M* mod_ = nullptr;
  BCb b_ = nullptr;
  NbCb nb_ = nullptr;
  DbgCb dbg_ = nullptr;
  DmiCb dmi_ = nullptr;
  std::vector<std::unique_ptr<Port>> ports_;
  bool firstTaken_ = false;
};

}  // namespace vmsim
